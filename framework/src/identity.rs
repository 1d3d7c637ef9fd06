//! Resource identity (Terraform 1.12+): the few attributes that name a resource's remote
//! object (a name, a namespace, the platform), kept by Terraform beside the state. With
//! it, `import { to = ..., identity = { name = "churn" } }` works without an import ID, and
//! list resources (`terraform query`) report what they find by identity.
//!
//! A resource declares an [`IdentitySchema`], derives the identity from its state
//! ([`crate::Resource::identity`]) and turns an identity given at import into its import ID
//! ([`crate::Resource::import_id`]); the framework sends it with every read, plan, apply and
//! import, so Terraform never loses it.

use serde_json::Value as Json;
use tfplugin_proto::tfplugin6 as pb;

use crate::diag::{Diagnostic, Diagnostics};
use crate::types::Type;
use crate::value::Value;

/// One identity attribute: a string or a number.
#[derive(Clone, Debug)]
pub struct IdentityAttr {
    pub name: &'static str,
    pub ty: Type,
    pub description: &'static str,
    /// Must be given at import; otherwise the provider can work it out (a default).
    pub required_for_import: bool,
}

impl IdentityAttr {
    /// A string the import needs.
    pub fn required(name: &'static str, description: &'static str) -> Self {
        IdentityAttr {
            name,
            ty: Type::String,
            description,
            required_for_import: true,
        }
    }

    /// A string the import can do without.
    pub fn optional(name: &'static str, description: &'static str) -> Self {
        IdentityAttr {
            name,
            ty: Type::String,
            description,
            required_for_import: false,
        }
    }

    /// The same attribute with another type (identity types are primitives).
    pub fn of_type(mut self, ty: Type) -> Self {
        self.ty = ty;
        self
    }
}

/// A resource type's identity: versioned like a schema.
#[derive(Clone, Debug)]
pub struct IdentitySchema {
    pub version: i64,
    pub attributes: Vec<IdentityAttr>,
    ty: Type,
}

impl IdentitySchema {
    pub fn new(version: i64, attributes: Vec<IdentityAttr>) -> Self {
        let ty = Type::object(
            attributes
                .iter()
                .map(|a| (a.name.to_string(), a.ty.clone())),
        );
        IdentitySchema {
            version,
            attributes,
            ty,
        }
    }

    /// The object type identity values have.
    pub fn implied_type(&self) -> &Type {
        &self.ty
    }

    pub fn to_proto(&self) -> pb::ResourceIdentitySchema {
        pb::ResourceIdentitySchema {
            version: self.version,
            identity_attributes: self
                .attributes
                .iter()
                .map(|a| pb::resource_identity_schema::IdentityAttribute {
                    name: a.name.to_string(),
                    r#type: a.ty.to_json_bytes(),
                    // Terraform needs exactly one of the two.
                    required_for_import: a.required_for_import,
                    optional_for_import: !a.required_for_import,
                    description: a.description.to_string(),
                })
                .collect(),
        }
    }

    /// An identity value from the JSON a resource built (missing attributes are null).
    pub fn value_of(&self, j: &Json) -> Option<Value> {
        Value::from_model_json(j, &self.ty).ok()
    }

    /// An identity as Terraform sent it, as JSON for [`crate::Resource::import_id`], with
    /// the attributes import needs checked.
    pub fn import_json(&self, v: &Value) -> Result<Json, Diagnostics> {
        let j = v.to_model_json();
        let missing: Vec<&str> = self
            .attributes
            .iter()
            .filter(|a| a.required_for_import)
            .filter(|a| {
                j.get(a.name)
                    .is_none_or(|x| x.is_null() || x.as_str() == Some(""))
            })
            .map(|a| a.name)
            .collect();
        if !missing.is_empty() {
            return Err(Diagnostic::error(
                "Incomplete import identity",
                format!(
                    "The identity needs {}.",
                    missing
                        .iter()
                        .map(|m| format!("`{m}`"))
                        .collect::<Vec<_>>()
                        .join(" and ")
                ),
            )
            .into());
        }
        Ok(j)
    }
}

/// The wire form of an identity value.
pub fn to_proto(v: &Value, ty: &Type) -> pb::ResourceIdentityData {
    pb::ResourceIdentityData {
        identity_data: Some(pb::DynamicValue {
            msgpack: v.to_msgpack(ty),
            json: vec![],
        }),
    }
}

/// A string attribute of an identity given at import (`None` when null or empty).
pub fn attr<'a>(identity: &'a Json, name: &str) -> Option<&'a str> {
    identity
        .get(name)
        .and_then(Json::as_str)
        .filter(|s| !s.is_empty())
}

/// The platform an identity names: its `platform` attribute, checked against the ones a
/// resource lives on (the first is the default).
pub fn platform<'a>(identity: &'a Json, platforms: &[&'a str]) -> Result<&'a str, Diagnostics> {
    match attr(identity, "platform") {
        None => Ok(platforms[0]),
        Some(p) if platforms.contains(&p) => Ok(p),
        Some(p) => Err(Diagnostic::error(
            "Unknown platform in import identity",
            format!(
                "platform {p:?} is not one of {}.",
                platforms
                    .iter()
                    .map(|p| format!("{p:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
        .into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> IdentitySchema {
        IdentitySchema::new(
            0,
            vec![
                IdentityAttr::required("name", "The name."),
                IdentityAttr::optional("platform", "Where."),
                IdentityAttr::required("version", "Which.").of_type(Type::Number),
            ],
        )
    }

    #[test]
    fn every_attribute_sets_exactly_one_import_flag() {
        let p = schema().to_proto();
        assert_eq!(p.identity_attributes.len(), 3);
        for a in &p.identity_attributes {
            assert!(a.required_for_import != a.optional_for_import, "{}", a.name);
        }
        assert_eq!(p.identity_attributes[2].r#type, b"\"number\"".to_vec());
    }

    #[test]
    fn values_have_every_attribute_and_round_trip() {
        let s = schema();
        let v = s.value_of(&json!({"name": "churn", "version": 3})).unwrap();
        assert_eq!(v.attr("platform"), &Value::Null);
        let back = Value::from_msgpack(&v.to_msgpack(s.implied_type()), s.implied_type()).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn import_needs_the_required_attributes() {
        let s = schema();
        let v = s.value_of(&json!({"platform": "mlflow"})).unwrap();
        let e = s.import_json(&v).unwrap_err();
        assert!(e.0[0].detail.contains("`name` and `version`"), "{e:?}");
        let ok = s.value_of(&json!({"name": "churn", "version": 2})).unwrap();
        assert_eq!(s.import_json(&ok).unwrap()["name"], "churn");
    }

    #[test]
    fn platform_defaults_to_the_first_and_refuses_others() {
        assert_eq!(
            platform(&json!({}), &["sagemaker", "mlflow"]).unwrap(),
            "sagemaker"
        );
        assert_eq!(
            platform(&json!({"platform": "mlflow"}), &["sagemaker", "mlflow"]).unwrap(),
            "mlflow"
        );
        assert!(platform(&json!({"platform": "gcp"}), &["sagemaker"]).is_err());
    }
}
