//! The `timeouts { create = "60m" ... }` block, with Go-style durations ("1h30m", "45s").

use std::time::Duration;

use crate::diag::Diagnostics;
use crate::path::{AttrPath, PathStep};
use crate::schema::{Attribute, Block, NestedBlock, Nesting};
use crate::types::Type;
use crate::value::Value;

/// Operations that can have a timeout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Create,
    Read,
    Update,
    Delete,
}

impl Op {
    pub fn name(self) -> &'static str {
        match self {
            Op::Create => "create",
            Op::Read => "read",
            Op::Update => "update",
            Op::Delete => "delete",
        }
    }
}

/// A resource's default timeouts; operations left `None` get no timeout attribute and use
/// [`TimeoutDefaults::FALLBACK`].
#[derive(Clone, Copy, Debug, Default)]
pub struct TimeoutDefaults {
    pub create: Option<Duration>,
    pub read: Option<Duration>,
    pub update: Option<Duration>,
    pub delete: Option<Duration>,
}

impl TimeoutDefaults {
    pub const FALLBACK: Duration = Duration::from_secs(20 * 60);

    fn get(&self, op: Op) -> Option<Duration> {
        match op {
            Op::Create => self.create,
            Op::Read => self.read,
            Op::Update => self.update,
            Op::Delete => self.delete,
        }
    }

    /// The schema block, or `None` when no operation has a timeout.
    pub fn block(&self) -> Option<NestedBlock> {
        let ops = [Op::Create, Op::Read, Op::Update, Op::Delete];
        let attributes: Vec<Attribute> = ops
            .iter()
            .filter_map(|op| {
                self.get(*op).map(|d| {
                    Attribute::new(op.name(), Type::String).describe(&format!(
                        "How long to wait for {} to finish, as a duration such as `30m` or `1h30m` (default `{}`).",
                        op.name(),
                        format_duration(d)
                    ))
                })
            })
            .collect();
        if attributes.is_empty() {
            return None;
        }
        Some(NestedBlock {
            name: Timeouts::BLOCK.to_string(),
            nesting: Nesting::Single,
            block: Block {
                attributes,
                blocks: vec![],
                description: "Timeouts for long-running operations.".into(),
                deprecated: false,
            },
            min_items: 0,
            max_items: 1,
            requires_replace: false,
            description: "Timeouts for long-running operations.".into(),
        })
    }

    /// The timeout for an operation given the resource's `timeouts` block value.
    pub fn resolve(&self, op: Op, timeouts_block: &Value) -> Duration {
        timeouts_block
            .attr(op.name())
            .as_str()
            .and_then(|s| parse_duration(s).ok())
            .or_else(|| self.get(op))
            .unwrap_or(Self::FALLBACK)
    }
}

/// Helpers for the `timeouts` block.
pub struct Timeouts;

impl Timeouts {
    pub const BLOCK: &'static str = "timeouts";

    /// Validate the durations in a configuration's `timeouts` block.
    pub fn validate(config: &Value, diags: &mut Diagnostics) {
        let t = config.attr(Self::BLOCK);
        if let Some(m) = t.as_object() {
            for (k, v) in m {
                if let Some(s) = v.as_str() {
                    if let Err(e) = parse_duration(s) {
                        diags.error_at(
                            AttrPath(vec![
                                PathStep::Attr(Self::BLOCK.into()),
                                PathStep::Attr(k.clone()),
                            ]),
                            "Invalid timeout",
                            format!("{s:?} is not a duration: {e}. Use a form such as \"30s\", \"45m\" or \"1h30m\"."),
                        );
                    }
                }
            }
        }
    }
}

/// Parse a Go-style duration: a sequence of `<number><unit>` with units h, m, s, ms.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("empty duration".into());
    }
    let mut total = 0f64;
    let mut rest = s;
    while !rest.is_empty() {
        let num_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| format!("missing unit in {s:?}"))?;
        if num_end == 0 {
            return Err(format!("expected a number in {s:?}"));
        }
        let n: f64 = rest[..num_end]
            .parse()
            .map_err(|_| format!("bad number in {s:?}"))?;
        rest = &rest[num_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let mult = match &rest[..unit_end] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 0.001,
            u => return Err(format!("unknown unit {u:?}")),
        };
        total += n * mult;
        rest = &rest[unit_end..];
    }
    if total <= 0.0 || total > 7.0 * 24.0 * 3600.0 {
        return Err("must be positive and at most 168h".into());
    }
    Ok(Duration::from_secs_f64(total))
}

pub fn format_duration(d: Duration) -> String {
    let s = d.as_secs();
    let (h, m, sec) = (s / 3600, (s % 3600) / 60, s % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if sec > 0 || out.is_empty() {
        out.push_str(&format!("{sec}s"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_duration("45s").unwrap(), Duration::from_secs(45));
        assert_eq!(parse_duration("1.5m").unwrap(), Duration::from_secs(90));
        assert!(parse_duration("10").is_err());
        assert!(parse_duration("10x").is_err());
        assert!(parse_duration("").is_err());
        assert!(parse_duration("0s").is_err());
        assert_eq!(format_duration(Duration::from_secs(5400)), "1h30m");
    }
}
