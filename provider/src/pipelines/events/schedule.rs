//! Schedule expressions of triggers, checked at plan time as EventBridge reads them:
//! `cron(minutes hours day-of-month month day-of-week year)` and `rate(value unit)`.

const CRON_FIELDS: [(&str, u32, u32); 6] = [
    ("minutes", 0, 59),
    ("hours", 0, 23),
    ("day-of-month", 1, 31),
    ("month", 1, 12),
    ("day-of-week", 1, 7),
    ("year", 1970, 2199),
];
const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// Check an EventBridge schedule expression: `cron(...)` or `rate(...)`.
pub fn check_schedule(s: &str) -> Result<(), String> {
    if let Some(inner) = s.strip_prefix("cron(").and_then(|r| r.strip_suffix(')')) {
        return check_cron(inner);
    }
    if let Some(inner) = s.strip_prefix("rate(").and_then(|r| r.strip_suffix(')')) {
        return check_rate(inner);
    }
    Err(format!(
        "{s:?} is not a schedule expression: write cron(minutes hours day-of-month month day-of-week year), e.g. cron(0 3 * * ? *), or rate(value unit), e.g. rate(1 day)."
    ))
}

fn check_rate(inner: &str) -> Result<(), String> {
    let parts: Vec<&str> = inner.split(' ').collect();
    let [value, unit] = parts.as_slice() else {
        return Err(format!(
            "rate({inner}) must be a number and a unit separated by one space, e.g. rate(5 minutes)."
        ));
    };
    let n = if value.bytes().all(|b| b.is_ascii_digit()) && !value.starts_with('0') {
        value.parse::<u32>().ok()
    } else {
        None
    };
    let Some(n) = n.filter(|n| *n > 0) else {
        return Err(format!(
            "rate({inner}): the value must be a positive whole number, got {value:?}."
        ));
    };
    let (singular, plural) = match *unit {
        "minute" | "minutes" => ("minute", "minutes"),
        "hour" | "hours" => ("hour", "hours"),
        "day" | "days" => ("day", "days"),
        _ => {
            return Err(format!(
                "rate({inner}): the unit must be minute(s), hour(s) or day(s), got {unit:?}."
            ))
        }
    };
    if n == 1 && *unit != singular {
        return Err(format!(
            "rate({inner}): a value of 1 takes the singular unit: rate(1 {singular})."
        ));
    }
    if n > 1 && *unit != plural {
        return Err(format!(
            "rate({inner}): a value above 1 takes the plural unit: rate({n} {plural})."
        ));
    }
    Ok(())
}

fn check_cron(inner: &str) -> Result<(), String> {
    let fields: Vec<&str> = inner.split_whitespace().collect();
    if fields.len() != 6 {
        return Err(format!(
            "cron({inner}) has {} field(s); it needs 6: minutes hours day-of-month month day-of-week year, e.g. cron(0 3 * * ? *).",
            fields.len()
        ));
    }
    for (i, f) in fields.iter().enumerate() {
        check_cron_field(i, f).map_err(|e| {
            format!(
                "cron({inner}): the {} field {f:?} is not valid: {e}",
                CRON_FIELDS[i].0
            )
        })?;
    }
    let (dom, dow) = (fields[2] == "?", fields[4] == "?");
    if dom == dow {
        return Err(format!(
            "cron({inner}): exactly one of day-of-month (3rd field) and day-of-week (5th field) must be ?, e.g. cron(0 3 * * ? *) or cron(0 3 ? * MON-FRI *)."
        ));
    }
    Ok(())
}

fn cron_value(i: usize, s: &str) -> Result<u32, String> {
    let (_, min, max) = CRON_FIELDS[i];
    let named = match i {
        3 => MONTHS.iter().position(|m| m.eq_ignore_ascii_case(s)),
        4 => DAYS.iter().position(|d| d.eq_ignore_ascii_case(s)),
        _ => None,
    };
    if let Some(pos) = named {
        return Ok(min + pos as u32);
    }
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || s.len() > 4 {
        let hint = match i {
            3 => " (1-12 or JAN-DEC)",
            4 => " (1-7 or SUN-SAT)",
            _ => "",
        };
        return Err(format!("{s:?} is not a number{hint}"));
    }
    let v: u32 = s.parse().map_err(|_| format!("{s:?} is not a number"))?;
    if v < min || v > max {
        return Err(format!("{v} is outside {min}-{max}"));
    }
    Ok(v)
}

fn check_cron_field(i: usize, f: &str) -> Result<(), String> {
    let (_, min, max) = CRON_FIELDS[i];
    if f == "?" {
        return if i == 2 || i == 4 {
            Ok(())
        } else {
            Err("? is only allowed in day-of-month and day-of-week".into())
        };
    }
    // Special forms, allowed alone.
    if i == 2 {
        if f == "L" || f == "LW" {
            return Ok(());
        }
        if let Some(d) = f.strip_suffix('W') {
            return cron_value(i, d).map(|_| ());
        }
    }
    if i == 4 {
        if f == "L" {
            return Ok(());
        }
        if let Some((d, n)) = f.split_once('#') {
            cron_value(i, d)?;
            return match n.parse::<u32>() {
                Ok(1..=5) if n.len() == 1 => Ok(()),
                _ => Err(format!(
                    "{n:?} after # must be 1-5 (the nth weekday of the month)"
                )),
            };
        }
        if let Some(d) = f.strip_suffix('L') {
            return cron_value(i, d).map(|_| ());
        }
    }
    if f.contains('?') {
        return Err("? must stand alone".into());
    }
    for item in f.split(',') {
        if item.is_empty() {
            return Err("empty list element".into());
        }
        let (base, step) = match item.split_once('/') {
            Some((b, s)) => (b, Some(s)),
            None => (item, None),
        };
        if base != "*" {
            match base.split_once('-') {
                Some((a, b)) => {
                    cron_value(i, a)?;
                    cron_value(i, b)?;
                }
                None => {
                    cron_value(i, base)?;
                }
            }
        }
        if let Some(s) = step {
            let ok = !s.is_empty()
                && s.len() <= 4
                && s.bytes().all(|b| b.is_ascii_digit())
                && s.parse::<u32>().is_ok_and(|n| n >= 1 && n <= max - min + 1);
            if !ok {
                return Err(format!(
                    "the increment after / must be a whole number from 1 to {}",
                    max - min + 1
                ));
            }
        }
        if (item.contains('L') || item.contains('W') || item.contains('#'))
            && !item
                .chars()
                .all(|c| c.is_ascii_alphabetic() || c == '-' || c == ',')
        {
            return Err("L, W and # must stand alone".into());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules() {
        for ok in [
            "cron(0 3 * * ? *)",
            "cron(0/15 * * * ? *)",
            "cron(*/5 8-17 ? * MON-FRI *)",
            "cron(0 12 ? * 2#1 *)",
            "cron(0 12 L * ? *)",
            "cron(0 12 15W * ? *)",
            "cron(0 12 LW * ? *)",
            "cron(0 12 ? * 6L *)",
            "cron(0 12 ? * L *)",
            "cron(0 0 1 JAN,jul ? 2025-2030)",
            "cron(15 10 ? * 6 2030)",
            "cron(0,30 1,13 ? * SUN *)",
            "rate(1 minute)",
            "rate(5 minutes)",
            "rate(1 hour)",
            "rate(12 hours)",
            "rate(1 day)",
            "rate(7 days)",
        ] {
            assert_eq!(check_schedule(ok), Ok(()), "{ok}");
        }
        for (bad, why) in [
            ("cron(0 3 * * *)", "needs 6"),
            ("cron(0 3 * * * *)", "exactly one of day-of-month"),
            ("cron(0 3 ? * ? *)", "exactly one of day-of-month"),
            ("cron(60 3 * * ? *)", "outside 0-59"),
            ("cron(0 24 * * ? *)", "outside 0-23"),
            ("cron(0 3 0 * ? *)", "outside 1-31"),
            ("cron(0 3 * 13 ? *)", "outside 1-12"),
            ("cron(0 3 ? * 8 *)", "outside 1-7"),
            ("cron(0 3 ? * MOO *)", "1-7 or SUN-SAT"),
            ("cron(0 3 * FOO ? *)", "1-12 or JAN-DEC"),
            ("cron(0 3 * * ? 1969)", "outside 1970-2199"),
            ("cron(? 3 * * ? *)", "only allowed in day-of-month"),
            ("cron(0/0 3 * * ? *)", "increment"),
            ("cron(0/61 3 * * ? *)", "increment"),
            ("cron(0 3 ? * 2#6 *)", "1-5"),
            ("cron(0 3 1,,2 * ? *)", "empty list element"),
            ("cron(0 3 32W * ? *)", "outside 1-31"),
            ("rate(0 minutes)", "positive"),
            ("rate(1 minutes)", "singular"),
            ("rate(5 minute)", "plural"),
            ("rate(5 weeks)", "unit"),
            ("rate(05 minutes)", "positive"),
            ("rate(5  minutes)", "one space"),
            ("rate(-1 day)", "positive"),
            ("daily", "not a schedule expression"),
            ("cron 0 3 * * ? *", "not a schedule expression"),
        ] {
            let e = check_schedule(bad).expect_err(bad);
            assert!(e.contains(why), "{bad}: {e}");
        }
    }
}
