//! Provider-defined functions (Terraform 1.8+, `provider::<name>::<function>(...)`).
//!
//! A function is its [`Signature`] (typed parameters, a return type, docs) and a pure
//! [`Function::call`]: Terraform calls functions without configuring the provider, so they
//! get no client and must not call APIs. Arguments arrive decoded to their parameter types;
//! Terraform itself rejects nulls (unless a parameter allows them) and skips the call while
//! an argument is unknown, returning an unknown result.

use serde_json::Value as Json;
use tfplugin_proto::tfplugin6 as pb;

use crate::diag::Diagnostics;
use crate::path::{AttrPath, PathStep};
use crate::types::Type;
use crate::value::Value;

/// One positional parameter.
#[derive(Clone, Debug)]
pub struct Param {
    /// Shown in Terraform's messages and in the docs.
    pub name: &'static str,
    pub ty: Type,
    pub description: &'static str,
    /// A null argument reaches [`Function::call`] instead of Terraform refusing it.
    pub allow_null: bool,
}

impl Param {
    pub fn new(name: &'static str, ty: Type, description: &'static str) -> Self {
        Param {
            name,
            ty,
            description,
            allow_null: false,
        }
    }
}

/// What a function takes and returns, and its documentation.
#[derive(Clone, Debug)]
pub struct Signature {
    pub params: Vec<Param>,
    pub ret: Type,
    /// One line.
    pub summary: &'static str,
    /// Markdown.
    pub description: &'static str,
}

/// A call that failed: the text Terraform shows, and the argument it is about.
#[derive(Clone, Debug, PartialEq)]
pub struct FunctionError {
    pub text: String,
    pub argument: Option<usize>,
}

impl FunctionError {
    /// An error about argument `index` (0-based).
    pub fn arg(index: usize, text: impl Into<String>) -> Self {
        FunctionError {
            text: text.into(),
            argument: Some(index),
        }
    }

    /// Attribute-level diagnostics about an object argument, as one text naming each path.
    pub fn from_diags(index: usize, param: &str, diags: &Diagnostics) -> Self {
        let lines: Vec<String> = diags
            .0
            .iter()
            .filter(|d| d.severity == crate::diag::Severity::Error)
            .map(|d| {
                let at = match &d.path {
                    Some(p) if !p.is_root() => format!("{param}.{p}: "),
                    _ => String::new(),
                };
                if d.detail.is_empty() {
                    format!("{at}{}", d.summary)
                } else {
                    format!("{at}{}: {}", d.summary, d.detail)
                }
            })
            .collect();
        FunctionError::arg(index, lines.join("\n"))
    }
}

/// A provider-defined function.
pub trait Function: Send + Sync + 'static {
    /// The name after `provider::<provider>::`.
    fn name(&self) -> &'static str;
    fn signature(&self) -> Signature;
    /// `args` match [`Function::signature`]'s parameters in number and type.
    fn call(&self, args: Vec<Value>) -> Result<Value, FunctionError>;
}

/// The tfplugin6 definition of a function.
pub fn to_proto(sig: &Signature) -> pb::Function {
    pb::Function {
        parameters: sig
            .params
            .iter()
            .map(|p| pb::function::Parameter {
                name: p.name.to_string(),
                r#type: p.ty.to_json_bytes(),
                allow_null_value: p.allow_null,
                allow_unknown_values: false,
                description: p.description.to_string(),
                description_kind: pb::StringKind::Markdown as i32,
            })
            .collect(),
        variadic_parameter: None,
        r#return: Some(pb::function::Return {
            r#type: sig.ret.to_json_bytes(),
        }),
        summary: sig.summary.to_string(),
        description: sig.description.to_string(),
        description_kind: pb::StringKind::Markdown as i32,
        deprecation_message: String::new(),
    }
}

/// Paths of object attributes in `j` that `ty` does not have (a misspelt attribute in an
/// object argument would otherwise be dropped without a word).
pub fn unexpected_attributes(j: &Json, ty: &Type) -> Vec<AttrPath> {
    fn walk(j: &Json, ty: &Type, path: &mut AttrPath, out: &mut Vec<AttrPath>) {
        match (j, ty) {
            (Json::Object(m), Type::Object { attrs, .. }) => {
                for (k, v) in m {
                    path.push(PathStep::Attr(k.clone()));
                    match attrs.get(k) {
                        Some(t) => walk(v, t, path, out),
                        None => out.push(path.clone()),
                    }
                    path.pop();
                }
            }
            (Json::Object(m), Type::Map(t)) => {
                for (k, v) in m {
                    path.push(PathStep::Key(k.clone()));
                    walk(v, t, path, out);
                    path.pop();
                }
            }
            (Json::Array(a), Type::List(t) | Type::Set(t)) => {
                for (i, v) in a.iter().enumerate() {
                    path.push(PathStep::Index(i as i64));
                    walk(v, t, path, out);
                    path.pop();
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(j, ty, &mut AttrPath::root(), &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Diagnostic;
    use serde_json::json;

    #[test]
    fn unexpected_attributes_are_found_at_their_paths() {
        let ty = Type::object([
            ("name".to_string(), Type::String),
            (
                "step".to_string(),
                Type::list(Type::object([("kind".to_string(), Type::String)])),
            ),
            ("tags".to_string(), Type::map(Type::String)),
        ]);
        let j = json!({"name": "a", "nmae": "b", "step": [{"kind": "x"}, {"knd": "y"}], "tags": {"any": "ok"}});
        let found: Vec<String> = unexpected_attributes(&j, &ty)
            .iter()
            .map(|p| p.to_string())
            .collect();
        assert_eq!(found, vec!["nmae".to_string(), "step[1].knd".to_string()]);
        assert!(unexpected_attributes(&json!({"name": "a"}), &ty).is_empty());
    }

    #[test]
    fn diagnostics_become_one_text_with_paths() {
        let mut d = Diagnostics::new();
        d.push(Diagnostic::error("Missing value", "set it").at(AttrPath::attr("step").index(0)));
        d.push(Diagnostic::warning("Ignored", "not an error"));
        let e = FunctionError::from_diags(0, "pipeline", &d);
        assert_eq!(e.argument, Some(0));
        assert_eq!(e.text, "pipeline.step[0]: Missing value: set it");
    }
}
