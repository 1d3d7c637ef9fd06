//! The MLflow backend of the model registry: a registered model is a group ([`group`]), a
//! model version is a package ([`version`]), and "approved" is an alias ([`lookup`] finds
//! the version holding it). Talks to the tracking server's REST API through
//! [`crate::mlflow`]; imports no sibling backend.
//!
//! Approval on MLflow (which has no approval field):
//! - `Approved`: the version holds the resource's alias (default `champion`). Approving a
//!   version moves the alias to it, as `MlflowClient.set_registered_model_alias` does.
//! - `Rejected`: the version carries the tag `mlops:approval-status = Rejected`.
//! - `PendingManualApproval`: neither.
//!
//! `approval_description` is the tag `mlops:approval-description`. Tags starting with
//! `mlops:` are the provider's and never shown in `tags`.

pub mod group;
pub mod lookup;
pub mod version;

use std::collections::BTreeMap;

use mlops_framework::{AttrPath, Diagnostics, Value};
use serde_json::json;

use crate::clients::Clients;
use crate::mlflow::registry::ModelVersion;
use crate::mlflow::{Mlflow, MlflowError};
use crate::registry::version::ApprovalStatus;

/// The MLflow model registry.
pub struct MlflowRegistry;

/// The alias that marks the approved version unless a resource names another.
pub const DEFAULT_ALIAS: &str = "champion";
/// Tag of a rejected version.
pub const STATUS_TAG: &str = "mlops:approval-status";
/// Tag holding a version's approval description.
pub const DESCRIPTION_TAG: &str = "mlops:approval-description";
/// Tag holding the hash of the request that registered a version (finds a version an
/// interrupted apply registered).
pub const REQUEST_TAG: &str = "mlops:request";
/// Prefix of the provider's own tags.
const OWN_PREFIX: &str = "mlops:";

/// The import ID prefix naming an MLflow object: `mlflow:churn`, `mlflow:churn/3`.
pub const IMPORT_PREFIX: &str = "mlflow:";

/// The configured client, or a diagnostic at `at` (the resource's `mlflow` block).
pub fn client(c: &Clients, at: &str) -> Result<Mlflow, Diagnostics> {
    c.mlflow
        .get(AttrPath::attr(at))
        .cloned()
        .map_err(Diagnostics::from)
}

/// Tags without the provider's own.
pub fn visible(tags: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    tags.iter()
        .filter(|(k, _)| !k.starts_with(OWN_PREFIX))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// RFC 3339 of MLflow's milliseconds since the epoch.
pub fn rfc3339(ms: Option<i64>) -> Option<String> {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms?) * 1_000_000).ok()?;
    t.format(&time::format_description::well_known::Rfc3339)
        .ok()
}

/// The approval status a version has under `alias`.
pub fn status_of(v: &ModelVersion, alias: &str) -> ApprovalStatus {
    if v.aliases.iter().any(|a| a == alias) {
        ApprovalStatus::Approved
    } else if v.tags.get(STATUS_TAG).map(String::as_str) == Some("Rejected") {
        ApprovalStatus::Rejected
    } else {
        ApprovalStatus::PendingManualApproval
    }
}

/// Checks of an alias name beyond its pattern: MLflow reserves `latest` and `v<digits>`.
pub fn validate_alias(v: &Value, at: AttrPath, diags: &mut Diagnostics) {
    let Some(a) = v.as_str() else { return };
    let lower = a.to_ascii_lowercase();
    let version_like =
        lower.len() > 1 && lower.starts_with('v') && lower[1..].bytes().all(|b| b.is_ascii_digit());
    if lower == "latest" || version_like {
        diags.error_at(
            at,
            "Reserved MLflow alias",
            format!("MLflow reserves the alias {a:?} (\"latest\" and v<number> name versions); choose another, e.g. \"champion\"."),
        );
    }
}

/// Checks shared by versions and the lookup: `model_package_group_name` names a registered
/// model (not a SageMaker ARN), and `mlflow.alias` is not reserved.
pub fn validate_model_and_alias(config: &Value, diags: &mut Diagnostics) {
    if let Some(g) = config.attr("model_package_group_name").as_str() {
        if g.starts_with("arn:") {
            diags.error_at(
                    AttrPath::attr("model_package_group_name"),
                    "Not an MLflow registered model",
                    format!("{g:?} is a SageMaker ARN; with an mlflow block, give the registered model's name."),
                );
        }
    }
    validate_alias(
        config.attr("mlflow").attr("alias"),
        AttrPath::attr("mlflow").field("alias"),
        diags,
    );
}

/// MLflow drops an empty text: keep the user's `""` spelling when the prior state had it.
pub fn keep_empty(prior: &Option<String>, now: Option<String>) -> Option<String> {
    match (prior, now) {
        (Some(p), None) if p.is_empty() => Some(String::new()),
        (_, n) => n,
    }
}

/// Which object's tags [`sync_tags`] changes.
pub enum Tagged<'a> {
    Model(&'a str),
    Version(&'a str, i64),
}

/// Make the object's tags `want` (the provider's own tags are kept unless `want` names
/// them): one set-tag call per new or changed tag, one delete-tag per removed one.
pub async fn sync_tags(
    m: &Mlflow,
    on: Tagged<'_>,
    have: &BTreeMap<String, String>,
    want: &BTreeMap<String, String>,
) -> Result<(), Diagnostics> {
    let (prefix, what, base) = match &on {
        Tagged::Model(name) => (
            "registered-models",
            format!("registered model {name}"),
            json!({ "name": name }),
        ),
        Tagged::Version(name, v) => (
            "model-versions",
            format!("version {v} of registered model {name}"),
            json!({ "name": name, "version": v.to_string() }),
        ),
    };
    for (k, v) in want {
        if have.get(k) != Some(v) {
            let mut body = base.clone();
            body["key"] = json!(k);
            body["value"] = json!(v);
            m.post(&format!("{prefix}/set-tag"), body)
                .await
                .map_err(|e| m.error("Tagging", &what, &e))?;
        }
    }
    for k in have.keys() {
        if !want.contains_key(k) && !k.starts_with(OWN_PREFIX) {
            let mut body = base.clone();
            body["key"] = json!(k);
            match m.delete(&format!("{prefix}/delete-tag"), body).await {
                Ok(_) | Err(MlflowError::NotFound(_)) => {}
                Err(e) => return Err(m.error("Untagging", &what, &e).into()),
            }
        }
    }
    Ok(())
}

/// Set (`Some`) or delete (`None`) one of the provider's tags on a version.
pub async fn own_tag(
    m: &Mlflow,
    name: &str,
    version: i64,
    key: &str,
    value: Option<&str>,
) -> Result<(), Diagnostics> {
    let what = format!("version {version} of registered model {name}");
    let mut body = json!({ "name": name, "version": version.to_string(), "key": key });
    let r = match value {
        Some(v) => {
            body["value"] = json!(v);
            m.post("model-versions/set-tag", body).await
        }
        None => match m.delete("model-versions/delete-tag", body).await {
            Err(MlflowError::NotFound(_)) => Ok(Default::default()),
            r => r,
        },
    };
    r.map(|_| ())
        .map_err(|e| m.error("Tagging", &what, &e).into())
}

/// Point `alias` of registered model `name` at `version` (`Some`) or remove it (`None`).
pub async fn set_alias(
    m: &Mlflow,
    name: &str,
    alias: &str,
    version: Option<i64>,
) -> Result<(), Diagnostics> {
    let what = format!("alias {alias} of registered model {name}");
    let r = match version {
        Some(v) => {
            m.post(
                "registered-models/alias",
                json!({ "name": name, "alias": alias, "version": v.to_string() }),
            )
            .await
        }
        None => match m
            .delete(
                "registered-models/alias",
                json!({ "name": name, "alias": alias }),
            )
            .await
        {
            Err(MlflowError::NotFound(_)) => Ok(Default::default()),
            r => r,
        },
    };
    r.map(|_| ())
        .map_err(|e| m.error("Setting", &what, &e).into())
}

/// The web UI page of a registered model, or of one version.
pub fn ui_url(m: &Mlflow, name: &str, version: Option<i64>) -> String {
    let name = urlencode(name);
    match version {
        Some(v) => format!("{}/#/models/{name}/versions/{v}", m.base),
        None => format!("{}/#/models/{name}", m.base),
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A diagnostic at `attr` for each attribute the MLflow registry has no place for.
pub fn refuse(config: &Value, attrs: &[(&str, &str)], diags: &mut Diagnostics) {
    crate::validation::refuse_settings(
        config,
        attrs,
        "Not available with MLflow",
        "is a SageMaker setting and this resource lives in MLflow (it has an mlflow block)",
        diags,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_tags_are_hidden_and_times_are_rfc3339() {
        let tags: BTreeMap<String, String> = [
            ("mlops:created-by", "terraform-provider-mlops"),
            ("team", "churn"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(visible(&tags).keys().collect::<Vec<_>>(), vec!["team"]);
        assert_eq!(
            rfc3339(Some(1_796_394_764_023)).as_deref(),
            Some("2026-12-04T14:32:44.023Z")
        );
        assert_eq!(urlencode("churn model"), "churn%20model");
    }

    #[test]
    fn reserved_aliases_are_refused() {
        for (a, bad) in [
            ("latest", true),
            ("v3", true),
            ("V12", true),
            ("champion", false),
            ("v", false),
            ("v2b", false),
        ] {
            let mut d = Diagnostics::default();
            validate_alias(&Value::string(a), AttrPath::attr("alias"), &mut d);
            assert_eq!(d.has_errors(), bad, "{a}");
        }
    }
}
