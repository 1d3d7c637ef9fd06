//! Derived names of owned objects, ARNs, stable hashes, and the encodings AWS APIs use
//! (timestamps, URL-encoded JSON documents).

/// RFC 3339 text of an AWS timestamp.
pub fn timestamp(t: Option<&aws_smithy_types::DateTime>) -> Option<String> {
    t.and_then(|t| t.fmt(aws_smithy_types::date_time::Format::DateTime).ok())
}

/// IAM path of every role the provider creates for EventBridge.
pub const ROLE_PATH: &str = "/mlops/";
/// Tag naming the block an owned object realises.
pub const BLOCK_TAG: &str = "mlops:block";

/// FNV-1a (64 bit): a hash that is the same in every build and on every machine, for names.
pub fn stable_hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// A deterministic name `mlops_<part>_<part>...` of at most `max` characters. A longer name
/// is cut and ends with `_` and 12 hex digits of a hash of the full name, so it stays unique
/// and stable. Parts are validated names (letters, digits, hyphens): `_` separates them
/// unambiguously, and the result is legal for EventBridge rules, connections and API
/// destinations (64), IAM roles (64) and SNS topics (256).
pub fn owned_name(parts: &[&str], max: usize) -> String {
    let full = format!("mlops_{}", parts.join("_"));
    if full.len() <= max {
        return full;
    }
    let hash = format!("{:012x}", stable_hash(&full) & 0xffff_ffff_ffff);
    let mut cut = max.saturating_sub(hash.len() + 1).min(full.len());
    while !full.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}_{hash}", &full[..cut])
}

/// `(partition, region, account)` of an ARN.
pub fn arn_parts(arn: &str) -> Option<(String, String, String)> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() < 6 || parts[0] != "arn" {
        return None;
    }
    Some((parts[1].into(), parts[3].into(), parts[4].into()))
}

/// The ARN of an EventBridge rule on the default bus, from its name and any ARN of the
/// same account and region.
pub fn rule_arn_for(any_arn: &str, rule: &str) -> Option<String> {
    let (partition, region, account) = arn_parts(any_arn)?;
    Some(format!(
        "arn:{partition}:events:{region}:{account}:rule/{rule}"
    ))
}

/// Same JSON document (key order and formatting ignored). IAM returns policy documents
/// URL-encoded; both forms are accepted.
pub fn same_json(a: &str, b: &str) -> bool {
    let parse = |s: &str| {
        let t = s.trim();
        let text = if t.starts_with('{') {
            Some(t.to_string())
        } else {
            percent_decode(t)
        };
        text.and_then(|x| serde_json::from_str::<serde_json::Value>(&x).ok())
    };
    match (parse(a), parse(b)) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

/// Percent-encode everything except RFC 3986 unreserved characters.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Undo percent-encoding (`+` stays `+`); `None` for malformed input.
pub fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owned_names() {
        assert_eq!(
            owned_name(&["churn", "on-approval"], 64),
            "mlops_churn_on-approval"
        );
        let long = owned_name(&[&"x".repeat(100), "trigger", "t"], 64);
        assert_eq!(long.len(), 64);
        assert!(long.starts_with("mlops_xxx"));
        assert_eq!(long, owned_name(&[&"x".repeat(100), "trigger", "t"], 64));
        assert_ne!(long, owned_name(&[&"x".repeat(100), "trigger", "u"], 64));
    }

    #[test]
    fn percent_round_trip() {
        for s in ["group/project", "a b+c%", "plain-._~", "ü/ß"] {
            assert_eq!(percent_decode(&percent_encode(s)).as_deref(), Some(s));
        }
        assert_eq!(percent_encode("ml/deploy"), "ml%2Fdeploy");
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%4"), None);
    }

    #[test]
    fn json_documents_compare_by_content() {
        let a = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow"}]}"#;
        let b = "%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%7D%5D%2C%22Version%22%3A%222012-10-17%22%7D";
        assert!(same_json(a, b));
        assert!(!same_json(a, r#"{"Version":"2012-10-17"}"#));
        assert!(!same_json(a, "not json"));
    }

    #[test]
    fn rule_arns() {
        assert_eq!(
            rule_arn_for("arn:aws:sagemaker:eu-west-1:123456789012:pipeline/p", "r").as_deref(),
            Some("arn:aws:events:eu-west-1:123456789012:rule/r")
        );
        assert_eq!(rule_arn_for("nonsense", "r"), None);
    }
}
