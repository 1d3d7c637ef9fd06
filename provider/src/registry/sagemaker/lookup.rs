//! The SageMaker backend of data source `mlops_model_package`: list a group's versions
//! (filtered by approval status), pick the newest matching one, describe it.

use aws_sdk_sagemaker::types::ModelPackageType;
use mlops_framework::{async_trait, AttrPath, Ctx, Diagnostic, Diagnostics, LookupBackend, Value};

use super::version::metrics_from;
use super::SageMakerRegistry;
use crate::aws::{api_error, is_not_found, timestamp};
use crate::clients::Clients;
use crate::registry::lookup::ModelPackageLookupModel;
use crate::registry::version::ApprovalStatus;
use crate::sagemaker::model_package::find_model_package;

#[async_trait]
impl LookupBackend<Clients, ModelPackageLookupModel> for SageMakerRegistry {
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
        let Some(d) = find_model_package(&ctx.client, &arn).await? else {
            return Err(Diagnostic::error(
                "Model version disappeared",
                format!("{arn} was deleted while being read."),
            )
            .into());
        };
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
