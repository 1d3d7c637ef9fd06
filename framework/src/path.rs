//! Attribute paths, as used in diagnostics and `requires_replace`.

use std::fmt;

use tfplugin_proto::tfplugin6 as pb;

/// One step of an attribute path.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PathStep {
    /// An attribute or nested block of an object.
    Attr(String),
    /// A map element.
    Key(String),
    /// A list or tuple element.
    Index(i64),
}

/// A path from the root of a resource's object to one value.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AttrPath(pub Vec<PathStep>);

impl AttrPath {
    pub fn root() -> Self {
        AttrPath(Vec::new())
    }

    /// A path of attribute names, e.g. `AttrPath::attrs(["assume_role", "role_arn"])`.
    pub fn attrs<I: IntoIterator<Item = S>, S: Into<String>>(names: I) -> Self {
        AttrPath(
            names
                .into_iter()
                .map(|n| PathStep::Attr(n.into()))
                .collect(),
        )
    }

    pub fn attr(name: impl Into<String>) -> Self {
        AttrPath(vec![PathStep::Attr(name.into())])
    }

    /// Builder: this path, then attribute (or nested block) `name`:
    /// `AttrPath::attr("step").index(0).field("training")`.
    pub fn field(mut self, name: impl Into<String>) -> Self {
        self.0.push(PathStep::Attr(name.into()));
        self
    }

    /// Builder: this path, then list element `i`.
    pub fn index(mut self, i: usize) -> Self {
        self.0.push(PathStep::Index(i as i64));
        self
    }

    /// Builder: this path, then map element `k`.
    pub fn key(mut self, k: impl Into<String>) -> Self {
        self.0.push(PathStep::Key(k.into()));
        self
    }

    /// Builder: this path, then each attribute of `names` in turn.
    pub fn fields<I: IntoIterator<Item = S>, S: Into<String>>(mut self, names: I) -> Self {
        self.0
            .extend(names.into_iter().map(|n| PathStep::Attr(n.into())));
        self
    }

    pub fn push(&mut self, s: PathStep) {
        self.0.push(s);
    }

    pub fn pop(&mut self) {
        self.0.pop();
    }

    pub fn child(&self, s: PathStep) -> Self {
        let mut p = self.clone();
        p.0.push(s);
        p
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    pub fn starts_with(&self, other: &AttrPath) -> bool {
        self.0.starts_with(&other.0)
    }

    pub fn to_proto(&self) -> pb::AttributePath {
        use pb::attribute_path::step::Selector;
        pb::AttributePath {
            steps: self
                .0
                .iter()
                .map(|s| pb::attribute_path::Step {
                    selector: Some(match s {
                        PathStep::Attr(a) => Selector::AttributeName(a.clone()),
                        PathStep::Key(k) => Selector::ElementKeyString(k.clone()),
                        PathStep::Index(i) => Selector::ElementKeyInt(*i),
                    }),
                })
                .collect(),
        }
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return write!(f, "(root)");
        }
        for (i, s) in self.0.iter().enumerate() {
            match s {
                PathStep::Attr(a) if i == 0 => write!(f, "{a}")?,
                PathStep::Attr(a) => write!(f, ".{a}")?,
                PathStep::Key(k) => write!(f, "[{k:?}]")?,
                PathStep::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_reads_like_the_path() {
        let p = AttrPath::attr("step").index(2).field("training").key("k");
        assert_eq!(p.to_string(), r#"step[2].training["k"]"#);
        assert_eq!(
            AttrPath::attr("kubernetes").fields(["model", "runtime"]),
            AttrPath::attrs(["kubernetes", "model", "runtime"])
        );
        assert_eq!(AttrPath::root().field("a"), AttrPath::attr("a"));
    }
}
