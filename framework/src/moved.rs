//! Cross-type `moved` blocks (Terraform 1.8+, MoveResourceState): a resource takes over the
//! state another resource type (often another provider's) kept for the same remote object,
//! so migrating is a `moved` block instead of `removed` plus `import`.
//!
//! Terraform calls this on an unconfigured provider: a resource turns the source state into
//! the state an import would start from, without API calls, and the read that Terraform
//! runs next fills it in.

use serde_json::Value as Json;

use crate::diag::{Diagnostic, Diagnostics};

/// The state being moved, as the source provider stored it (not upgraded).
#[derive(Clone, Copy, Debug)]
pub struct MovedFrom<'a> {
    /// `registry.terraform.io/hashicorp/aws`.
    pub provider: &'a str,
    /// `aws_sagemaker_endpoint`.
    pub type_name: &'a str,
    pub schema_version: i64,
    /// The source's attributes.
    pub state: &'a Json,
}

impl<'a> MovedFrom<'a> {
    /// Whether the source is `type_name` of a provider named `provider` (any registry and
    /// namespace: `hashicorp/aws` mirrored elsewhere is still the AWS provider).
    pub fn is(&self, provider: &str, type_name: &str) -> bool {
        self.type_name == type_name && self.provider.rsplit('/').next() == Some(provider)
    }

    /// A string attribute of the source; the AWS provider (SDKv2) writes unset strings as "",
    /// so "" counts as unset.
    pub fn str(&self, name: &str) -> Option<&'a str> {
        self.state
            .get(name)
            .and_then(Json::as_str)
            .filter(|s| !s.is_empty())
    }

    /// A string attribute that must be there.
    pub fn required(&self, name: &str) -> Result<&'a str, Diagnostics> {
        self.str(name).ok_or_else(|| {
            Diagnostic::error(
                "Cannot move this state",
                format!(
                    "The {} state has no `{name}`: it names no object to take over.",
                    self.type_name
                ),
            )
            .into()
        })
    }
}

/// The error for a source this resource cannot take over.
pub fn unsupported(target: &str, source: &MovedFrom<'_>, supported: &[&str]) -> Diagnostics {
    let detail = if supported.is_empty() {
        format!("{target} cannot take over the state of other resource types.")
    } else {
        format!(
            "{target} takes over the state of {} (hashicorp/aws), not {} of {}. Use `removed` and `import` for other types.",
            supported.join(", "),
            source.type_name,
            source.provider
        )
    };
    Diagnostic::error("Unsupported move", detail).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn empty_strings_are_unset_and_the_provider_is_matched_by_name() {
        let st = json!({"name": "churn", "description": "", "tags": null});
        let m = MovedFrom {
            provider: "registry.terraform.io/hashicorp/aws",
            type_name: "aws_sagemaker_endpoint",
            schema_version: 0,
            state: &st,
        };
        assert!(m.is("aws", "aws_sagemaker_endpoint"));
        assert!(!m.is("aws", "aws_sagemaker_pipeline"));
        assert_eq!(m.str("name"), Some("churn"));
        assert_eq!(m.str("description"), None);
        assert!(m.required("description").is_err());
        let e = unsupported("mlops_endpoint", &m, &["aws_sagemaker_pipeline"]);
        assert!(e.0[0].detail.contains("not aws_sagemaker_endpoint"));
    }
}
