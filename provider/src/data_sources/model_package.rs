//! Data source `mlops_model_package`: the latest version of a group with a given approval
//! status (default `Approved`), or one specific version.

use std::collections::BTreeMap;

use aws_sdk_sagemaker::types::ModelPackageType;
use mlops_framework::{async_trait, AttrPath, Ctx, DataSource, Diagnostic, Diagnostics, Value};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::aws::{api_error, is_not_found, timestamp, Clients};
use crate::resources::model_package::{metrics_from, ApprovalStatus, Metrics};
use crate::validation::GROUP_ARN_OR_NAME;

/// Looks up a model version in a registry group: by default the newest `Approved` one, which
/// is what a deployment should serve. Replaces the "find the latest approved model" scripts:
///
/// ```hcl
/// data "mlops_model_package" "serving" {
///   model_package_group_name = mlops_model_package_group.churn.name
/// }
/// ```
///
/// Fails with a clear message when no version matches, unless `allow_missing` is set: then
/// `found` is `false` and the other attributes are null, so a configuration can be applied
/// before the first version is approved (e.g. `enabled = data.mlops_model_package.x.found`
/// on a trigger).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ModelPackageLookupModel {
    /// Name or ARN of the group.
    #[schemars(regex(pattern = GROUP_ARN_OR_NAME), length(min = 1, max = 170))]
    pub model_package_group_name: String,

    /// Only consider versions with this approval status. Default `Approved`.
    pub approval_status: Option<ApprovalStatus>,

    /// A specific version number instead of the newest matching one.
    #[schemars(range(min = 1))]
    pub version: Option<i64>,

    /// When no version matches (none approved yet, or the group does not exist yet), set
    /// `found = false` and leave the other attributes null instead of failing.
    #[schemars(extend("x-tf-default" = false))]
    pub allow_missing: Option<bool>,

    /// Whether a matching version was found (always `true` without `allow_missing`).
    #[schemars(extend("x-tf" = ["computed"]))]
    pub found: Option<bool>,

    /// ARN of the version found.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub arn: Option<String>,

    /// Version number of the version found (same as `version` when that is set).
    #[schemars(extend("x-tf" = ["computed"]))]
    pub version_number: Option<i64>,

    /// Approval status of the version found.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub status: Option<String>,

    /// Inference image of the version.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub image: Option<String>,

    /// Model artifact of the version.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub model_data_url: Option<String>,

    /// Container environment of the version.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub environment: Option<BTreeMap<String, String>>,

    /// Description of the version.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub description: Option<String>,

    /// Approval description of the version.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub approval_description: Option<String>,

    /// Customer metadata of the version.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub customer_metadata: Option<BTreeMap<String, String>>,

    /// When the version was registered (RFC 3339).
    #[schemars(extend("x-tf" = ["computed"]))]
    pub created_time: Option<String>,

    /// Metric and baseline reports registered with the version, e.g. the data-quality
    /// baseline a monitor or a batch quality check compares against.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub metrics: Option<Metrics>,
}

/// The data source.
pub struct ModelPackageLookup;

#[async_trait]
impl DataSource for ModelPackageLookup {
    type Client = Clients;
    type Model = ModelPackageLookupModel;
    const TYPE_NAME: &'static str = "mlops_model_package";

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        if !config.attr("version").is_null()
            && !config.attr("version").is_unknown()
            && !config.attr("approval_status").is_null()
            && !config.attr("approval_status").is_unknown()
        {
            diags.push(
                Diagnostic::warning(
                    "approval_status also filters a specific version",
                    "With version set, the lookup fails unless that version has the given approval_status.",
                )
                .at(AttrPath::attr("approval_status")),
            );
        }
    }

    async fn read(
        &self,
        ctx: &mut Ctx<Clients>,
        cfg: ModelPackageLookupModel,
    ) -> Result<ModelPackageLookupModel, Diagnostics> {
        let sm = &ctx.client.sagemaker;
        let group = cfg.model_package_group_name.clone();
        // A specific version without an explicit status filter matches any status.
        let status = match (cfg.approval_status, cfg.version) {
            (Some(s), _) => Some(s),
            (None, Some(_)) => None,
            (None, None) => Some(ApprovalStatus::Approved),
        };
        let allow_missing = cfg.allow_missing.unwrap_or(false);
        let mut best: Option<(i32, String)> = None;
        let mut token = None;
        loop {
            let resp = match sm
                .list_model_packages()
                .model_package_group_name(&group)
                .model_package_type(ModelPackageType::Versioned)
                .set_model_approval_status(status.map(ApprovalStatus::sdk))
                .max_results(100)
                .set_next_token(token.take())
                .send()
                .await
            {
                Ok(r) => r,
                Err(e) if allow_missing && is_not_found(&e) => break,
                Err(e) => return Err(api_error("ListModelPackages", &group, &e).into()),
            };
            for s in resp.model_package_summary_list() {
                let (Some(v), Some(arn)) = (s.model_package_version(), s.model_package_arn())
                else {
                    continue;
                };
                let wanted = match cfg.version {
                    Some(want) => i64::from(v) == want,
                    None => true,
                };
                if wanted && best.as_ref().is_none_or(|(bv, _)| v > *bv) {
                    best = Some((v, arn.to_string()));
                }
            }
            match resp.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => break,
            }
        }
        let Some((_, arn)) = best else {
            if allow_missing {
                tracing::info!(group, "no matching model version; found = false");
                return Ok(ModelPackageLookupModel {
                    found: Some(false),
                    allow_missing: Some(true),
                    ..cfg
                });
            }
            let what = match (cfg.version, status) {
                (Some(v), Some(s)) => format!("version {v} with approval status {s:?}"),
                (Some(v), None) => format!("version {v}"),
                (None, Some(s)) => format!("version with approval status {s:?}"),
                (None, None) => "versions".to_string(),
            };
            return Err(Diagnostic::error(
                "No matching model version",
                format!(
                    "Model package group {group:?} has no {what}. Register a version (mlops_model_package) and approve it, change the filter, or set allow_missing = true to apply before the first approval."
                ),
            )
            .at(AttrPath::attr("model_package_group_name"))
            .into());
        };
        let d = sm
            .describe_model_package()
            .model_package_name(&arn)
            .send()
            .await
            .map_err(|e| {
                if is_not_found(&e) {
                    Diagnostic::error(
                        "Model version disappeared",
                        format!("{arn} was deleted while being read."),
                    )
                } else {
                    api_error("DescribeModelPackage", &arn, &e)
                }
            })?;
        let container = d
            .inference_specification()
            .and_then(|s| s.containers().first());
        Ok(ModelPackageLookupModel {
            found: Some(true),
            allow_missing: Some(allow_missing),
            metrics: metrics_from(&d),
            arn: Some(arn),
            version_number: d.model_package_version().map(i64::from),
            status: d.model_approval_status().map(|s| s.as_str().to_string()),
            image: container.and_then(|c| c.image()).map(String::from),
            model_data_url: container.and_then(|c| c.model_data_url()).map(String::from),
            environment: container
                .and_then(|c| c.environment())
                .map(|e| e.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
            description: d.model_package_description().map(String::from),
            approval_description: d.approval_description().map(String::from),
            customer_metadata: d
                .customer_metadata_properties()
                .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
            created_time: timestamp(d.creation_time()),
            ..cfg
        })
    }
}
