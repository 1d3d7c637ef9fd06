//! Terraform's type system (cty types) and their compact JSON encoding used on the wire:
//! `"string"`, `"number"`, `"bool"`, `"dynamic"`, `["list",T]`, `["set",T]`, `["map",T]`,
//! `["object",{...}]` (optionally with a third element listing optional attributes),
//! `["tuple",[...]]`.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value as Json};

/// A Terraform type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    Bool,
    Number,
    String,
    /// The dynamic pseudo-type: the value carries its own type on the wire.
    Dynamic,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Object {
        attrs: BTreeMap<String, Type>,
        optional: BTreeSet<String>,
    },
    Tuple(Vec<Type>),
}

/// A type JSON document that is not a valid Terraform type.
#[derive(Debug, thiserror::Error)]
#[error("invalid type JSON: {0}")]
pub struct TypeError(pub String);

impl Type {
    pub fn list(t: Type) -> Type {
        Type::List(Box::new(t))
    }
    pub fn set(t: Type) -> Type {
        Type::Set(Box::new(t))
    }
    pub fn map(t: Type) -> Type {
        Type::Map(Box::new(t))
    }
    pub fn object<I: IntoIterator<Item = (String, Type)>>(attrs: I) -> Type {
        Type::Object {
            attrs: attrs.into_iter().collect(),
            optional: BTreeSet::new(),
        }
    }

    /// Compact JSON, as Terraform expects in schemas and dynamic values.
    pub fn to_json(&self) -> Json {
        match self {
            Type::Bool => json!("bool"),
            Type::Number => json!("number"),
            Type::String => json!("string"),
            Type::Dynamic => json!("dynamic"),
            Type::List(t) => json!(["list", t.to_json()]),
            Type::Set(t) => json!(["set", t.to_json()]),
            Type::Map(t) => json!(["map", t.to_json()]),
            Type::Object { attrs, optional } => {
                let m: serde_json::Map<String, Json> = attrs
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_json()))
                    .collect();
                if optional.is_empty() {
                    json!(["object", m])
                } else {
                    json!(["object", m, optional.iter().collect::<Vec<_>>()])
                }
            }
            Type::Tuple(ts) => json!(["tuple", ts.iter().map(Type::to_json).collect::<Vec<_>>()]),
        }
    }

    pub fn to_json_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(&self.to_json()).unwrap_or_default()
    }

    pub fn from_json(j: &Json) -> Result<Type, TypeError> {
        match j {
            Json::String(s) => match s.as_str() {
                "bool" => Ok(Type::Bool),
                "number" => Ok(Type::Number),
                "string" => Ok(Type::String),
                "dynamic" => Ok(Type::Dynamic),
                other => Err(TypeError(format!("unknown primitive type {other:?}"))),
            },
            Json::Array(a) if !a.is_empty() => {
                let kind = a[0]
                    .as_str()
                    .ok_or_else(|| TypeError("type kind must be a string".into()))?;
                let arg = a
                    .get(1)
                    .ok_or_else(|| TypeError(format!("{kind} needs an argument")))?;
                match kind {
                    "list" => Ok(Type::list(Type::from_json(arg)?)),
                    "set" => Ok(Type::set(Type::from_json(arg)?)),
                    "map" => Ok(Type::map(Type::from_json(arg)?)),
                    "object" => {
                        let m = arg
                            .as_object()
                            .ok_or_else(|| TypeError("object attributes must be a map".into()))?;
                        let mut attrs = BTreeMap::new();
                        for (k, v) in m {
                            attrs.insert(k.clone(), Type::from_json(v)?);
                        }
                        let mut optional = BTreeSet::new();
                        if let Some(opt) = a.get(2) {
                            for o in opt.as_array().into_iter().flatten() {
                                if let Some(s) = o.as_str() {
                                    optional.insert(s.to_string());
                                }
                            }
                        }
                        Ok(Type::Object { attrs, optional })
                    }
                    "tuple" => {
                        let items = arg
                            .as_array()
                            .ok_or_else(|| TypeError("tuple elements must be a list".into()))?;
                        Ok(Type::Tuple(
                            items
                                .iter()
                                .map(Type::from_json)
                                .collect::<Result<_, _>>()?,
                        ))
                    }
                    other => Err(TypeError(format!("unknown type kind {other:?}"))),
                }
            }
            other => Err(TypeError(format!("unexpected {other}"))),
        }
    }

    pub fn from_json_bytes(b: &[u8]) -> Result<Type, TypeError> {
        let j: Json = serde_json::from_slice(b).map_err(|e| TypeError(e.to_string()))?;
        Type::from_json(&j)
    }

    /// A short human name, used in diagnostics ("list of string").
    pub fn friendly(&self) -> String {
        match self {
            Type::Bool => "bool".into(),
            Type::Number => "number".into(),
            Type::String => "string".into(),
            Type::Dynamic => "any".into(),
            Type::List(t) => format!("list of {}", t.friendly()),
            Type::Set(t) => format!("set of {}", t.friendly()),
            Type::Map(t) => format!("map of {}", t.friendly()),
            Type::Object { .. } => "object".into(),
            Type::Tuple(_) => "tuple".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip() {
        let t = Type::Object {
            attrs: [
                ("a".to_string(), Type::list(Type::String)),
                ("b".to_string(), Type::map(Type::set(Type::Number))),
                (
                    "c".to_string(),
                    Type::Tuple(vec![Type::Bool, Type::Dynamic]),
                ),
            ]
            .into_iter()
            .collect(),
            optional: ["b".to_string()].into_iter().collect(),
        };
        let j = t.to_json();
        assert_eq!(
            j.to_string(),
            r#"["object",{"a":["list","string"],"b":["map",["set","number"]],"c":["tuple",["bool","dynamic"]]},["b"]]"#
        );
        assert_eq!(Type::from_json(&j).unwrap(), t);
    }

    #[test]
    fn rejects_garbage() {
        assert!(Type::from_json_bytes(b"\"strin\"").is_err());
        assert!(Type::from_json_bytes(b"[\"list\"]").is_err());
        assert!(Type::from_json_bytes(b"42").is_err());
    }
}
