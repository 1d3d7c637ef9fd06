//! Cross-attribute rules as values (the shape of terraform-plugin-framework-validators'
//! `ExactlyOneOf`, `ConflictsWith`, `AtLeastOneOf`): declared once next to the schema,
//! checked against the configuration object they belong to, each with one summary wording.
//!
//! Unknown values (module variables at validate time, values known after apply) are
//! "maybe set": they never count as set for a conflict, and never as missing.
//!
//! ```
//! use mlops_framework::{AttrPath, Diagnostics, Rule, Value};
//! let rule = Rule::exactly_one_of(&["emails", "topic_arn"]);
//! let mut diags = Diagnostics::new();
//! rule.check(&Value::Object(Default::default()), &AttrPath::attr("alerts"), &mut diags);
//! assert_eq!(diags.0[0].summary, "Exactly one attribute required");
//! ```

use crate::diag::{Diagnostic, Diagnostics};
use crate::path::AttrPath;
use crate::value::Value;

/// One cross-attribute rule on the attributes (or nested blocks) of one object.
#[derive(Clone, Debug)]
pub struct Rule {
    kind: Kind,
    names: &'static [&'static str],
    hint: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    ExactlyOneOf,
    AtLeastOneOf,
    /// The first name conflicts with each of the others.
    ConflictsWith,
}

/// Set, not set, or not known yet.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Presence {
    Set,
    Unset,
    Unknown,
}

fn presence(v: &Value) -> Presence {
    if v.is_unknown() {
        Presence::Unknown
    } else if v.is_null() {
        Presence::Unset
    } else {
        Presence::Set
    }
}

/// `a`, `a or b`, `a, b or c` (with `joiner` = "or"/"and").
pub fn list_words(names: &[&str], joiner: &str) -> String {
    match names {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} {joiner} {last}", init.join(", ")),
    }
}

impl Rule {
    /// Exactly one of `names` must be set.
    pub const fn exactly_one_of(names: &'static [&'static str]) -> Self {
        Rule {
            kind: Kind::ExactlyOneOf,
            names,
            hint: None,
        }
    }

    /// At least one of `names` must be set.
    pub const fn at_least_one_of(names: &'static [&'static str]) -> Self {
        Rule {
            kind: Kind::AtLeastOneOf,
            names,
            hint: None,
        }
    }

    /// `names[0]` may not be set together with any of `names[1..]`.
    pub const fn conflicts_with(names: &'static [&'static str]) -> Self {
        Rule {
            kind: Kind::ConflictsWith,
            names,
            hint: None,
        }
    }

    /// A sentence added to the detail: what the attributes mean, what to do.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The summary this rule's diagnostics carry.
    pub fn summary(&self) -> &'static str {
        match self.kind {
            Kind::ExactlyOneOf => "Exactly one attribute required",
            Kind::AtLeastOneOf => "At least one attribute required",
            Kind::ConflictsWith => "Conflicting attributes",
        }
    }

    fn detail(&self, what: String) -> String {
        match &self.hint {
            Some(h) => format!("{what} {h}"),
            None => what,
        }
    }

    /// Check `object` (the configuration object at `at`; null or unknown passes).
    pub fn check(&self, object: &Value, at: &AttrPath, diags: &mut Diagnostics) {
        if object.is_null() || object.is_unknown() {
            return;
        }
        let seen: Vec<(&str, Presence)> = self
            .names
            .iter()
            .map(|n| (*n, presence(object.attr(n))))
            .collect();
        let set: Vec<&str> = seen
            .iter()
            .filter(|(_, p)| *p == Presence::Set)
            .map(|(n, _)| *n)
            .collect();
        let maybe = seen.iter().any(|(_, p)| *p == Presence::Unknown);
        let path = |n: &str| at.clone().field(n);
        match self.kind {
            Kind::ExactlyOneOf | Kind::AtLeastOneOf if set.is_empty() && !maybe => {
                let verb = if self.kind == Kind::ExactlyOneOf {
                    "exactly one"
                } else {
                    "at least one"
                };
                diags.push(
                    Diagnostic::error(
                        self.summary(),
                        self.detail(format!(
                            "Set {verb} of {}; got none.",
                            list_words(self.names, "or")
                        )),
                    )
                    .at(path(self.names[0])),
                );
            }
            Kind::ExactlyOneOf if set.len() > 1 => diags.push(
                Diagnostic::error(
                    self.summary(),
                    self.detail(format!(
                        "Set exactly one of {}, not several; got {}.",
                        list_words(self.names, "or"),
                        list_words(&set, "and")
                    )),
                )
                .at(path(set[1])),
            ),
            Kind::ConflictsWith if set.first() == self.names.first() => {
                for other in &set[1..] {
                    diags.push(
                        Diagnostic::error(
                            self.summary(),
                            self.detail(format!("Set {} or {other}, not both.", self.names[0])),
                        )
                        .at(path(other)),
                    );
                }
            }
            _ => {}
        }
    }
}

/// Check several rules on one object.
pub fn check_all(rules: &[Rule], object: &Value, at: &AttrPath, diags: &mut Diagnostics) {
    for r in rules {
        r.check(object, at, diags);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::Object(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect::<BTreeMap<_, _>>(),
        )
    }

    fn run(rule: &Rule, v: &Value) -> Vec<Diagnostic> {
        let mut d = Diagnostics::new();
        rule.check(v, &AttrPath::attr("model"), &mut d);
        d.0
    }

    #[test]
    fn exactly_one_of() {
        let r = Rule::exactly_one_of(&["a", "b", "c"]).hint("A is best.");
        let none = run(&r, &obj(&[]));
        assert_eq!(none[0].summary, "Exactly one attribute required");
        assert_eq!(
            none[0].detail,
            "Set exactly one of a, b or c; got none. A is best."
        );
        assert_eq!(none[0].path, Some(AttrPath::attr("model").field("a")));
        let two = run(
            &r,
            &obj(&[("a", Value::string("x")), ("c", Value::string("y"))]),
        );
        assert!(two[0].detail.contains("got a and c."));
        assert_eq!(two[0].path, Some(AttrPath::attrs(["model", "c"])));
        assert!(run(&r, &obj(&[("b", Value::string("x"))])).is_empty());
        // unknown: maybe set, never missing, never a conflict
        assert!(run(&r, &obj(&[("b", Value::UNKNOWN)])).is_empty());
        assert!(run(
            &r,
            &obj(&[("a", Value::string("x")), ("b", Value::UNKNOWN)])
        )
        .is_empty());
        assert!(run(&r, &Value::Null).is_empty());
    }

    #[test]
    fn at_least_one_and_conflicts() {
        let r = Rule::at_least_one_of(&["a", "b"]);
        assert_eq!(
            run(&r, &obj(&[]))[0].summary,
            "At least one attribute required"
        );
        assert!(run(
            &r,
            &obj(&[("a", Value::Bool(true)), ("b", Value::Bool(true))])
        )
        .is_empty());
        let c = Rule::conflicts_with(&["a", "b", "c"]);
        let d = run(
            &c,
            &obj(&[
                ("a", Value::Bool(true)),
                ("b", Value::Bool(true)),
                ("c", Value::Bool(true)),
            ]),
        );
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].summary, "Conflicting attributes");
        assert_eq!(d[0].detail, "Set a or b, not both.");
        assert!(run(
            &c,
            &obj(&[("b", Value::Bool(true)), ("c", Value::Bool(true))])
        )
        .is_empty());
        assert!(run(&c, &obj(&[("a", Value::UNKNOWN), ("b", Value::Bool(true))])).is_empty());
    }

    #[test]
    fn words() {
        assert_eq!(list_words(&["a"], "or"), "a");
        assert_eq!(list_words(&["a", "b"], "and"), "a and b");
    }
}
