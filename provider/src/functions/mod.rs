//! Provider-defined functions (`provider::mlops::<name>(...)`, Terraform 1.8+): the glue
//! users otherwise write with `regex` and `split`. Each function lives with its concept
//! (the provider lists them all); this module holds the generic ones and their helpers.

pub mod s3_uri;

use std::collections::BTreeMap;

use mlops_framework::{Type, Value};

/// An object type of string attributes (and the given others).
pub(crate) fn object_type(strings: &[&str], others: &[(&str, Type)]) -> Type {
    Type::object(
        strings
            .iter()
            .map(|n| (n.to_string(), Type::String))
            .chain(others.iter().map(|(n, t)| (n.to_string(), t.clone()))),
    )
}

/// An object value from attribute name/value pairs.
pub(crate) fn object(attrs: impl IntoIterator<Item = (&'static str, Value)>) -> Value {
    Value::Object(
        attrs
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect::<BTreeMap<_, _>>(),
    )
}
