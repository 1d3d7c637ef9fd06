//! "Did you mean ...?" for values that must be one of a known list (enumerations, instance
//! types): the closest option by Damerau-Levenshtein similarity, or a case-only mismatch.

/// The option `value` most likely meant, if one is close enough to suggest.
pub fn did_you_mean<'a, I>(value: &str, options: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let lower = value.to_lowercase();
    let mut best: Option<(&'a str, f64)> = None;
    for option in options {
        if option.to_lowercase() == lower {
            return Some(option);
        }
        let score = strsim::normalized_damerau_levenshtein(&lower, &option.to_lowercase());
        if score >= 0.75 && best.is_none_or(|(_, s)| score > s) {
            best = Some((option, score));
        }
    }
    best.map(|(o, _)| o)
}

/// ` Did you mean "x"?` (with a leading space), or nothing.
pub fn did_you_mean_sentence<'a, I>(value: &str, options: I) -> String
where
    I: IntoIterator<Item = &'a str>,
{
    did_you_mean(value, options)
        .map(|o| format!(" Did you mean {o:?}?"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        let types = ["ml.m5.large", "ml.m5.xlarge", "ml.c5.large"];
        assert_eq!(did_you_mean("ml.m5.larg", types), Some("ml.m5.large"));
        assert_eq!(did_you_mean("ML.M5.XLARGE", types), Some("ml.m5.xlarge"));
        assert_eq!(did_you_mean("gpu-big", types), None);
        assert_eq!(
            did_you_mean("canary", ["Canary", "Linear", "AllAtOnce"]),
            Some("Canary")
        );
        assert_eq!(
            did_you_mean_sentence("Liner", ["Canary", "Linear"]),
            " Did you mean \"Linear\"?"
        );
        assert_eq!(did_you_mean_sentence("zzz", ["Canary", "Linear"]), "");
    }
}
