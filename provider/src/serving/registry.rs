//! The plan step every backend shares: a variant serving a `model_package_group` serves its
//! latest approved version, looked up here (one ListModelPackages per group, only at plan)
//! and planned as the variant's `model_package_arn`, so approving a newer version shows as a
//! change at the next plan; and [`artifact`], the files a Kubernetes predictor loads.

use mlops_framework::{AttrPath, Diagnostic, Diagnostics, PlanCtx, Value};

use super::model::{config_variant_blocks, Variant};
use crate::aws::api_error;
use crate::clients::Clients;
use crate::sagemaker::model_package::latest_approved;

/// Plan `model_package_arn` of each variant that names a group and no version: the latest
/// approved one, or unknown when nothing is approved yet (or the group is created by this
/// apply), then looked up again when applying.
pub fn plan_latest_approved(plan: &mut PlanCtx<'_, Clients>) {
    let Some(c) = plan.client else { return };
    for block in config_variant_blocks(plan.config) {
        let Some(group) = block.variant.attr("model_package_group").as_str() else {
            continue;
        };
        if !block.variant.attr("model_package_arn").is_null() {
            continue;
        }
        // modify_plan is synchronous in the framework.
        let latest = tokio::task::block_in_place(|| {
            tokio::runtime::Handle::current().block_on(latest_approved(c, group))
        });
        let planned_arn = match latest {
            Ok(Some(arn)) => Value::string(arn),
            Ok(None) => Value::UNKNOWN,
            Err(d) => {
                plan.diags.extend(d);
                continue;
            }
        };
        if let Some(o) = plan
            .planned
            .get_path_mut(&block.path)
            .and_then(Value::as_object_mut)
        {
            o.insert("model_package_arn".into(), planned_arn);
        }
    }
}

/// The artifact a Kubernetes predictor loads: `model_data_url`, or the registry version's
/// (a group without a version approved at plan time is looked up again, and `model` records
/// the version). `platform` names the server in messages.
pub async fn artifact(
    c: &Clients,
    model: &mut Variant,
    platform: &str,
) -> Result<Option<String>, Diagnostics> {
    if model.image.is_some() || model.model_data_url.is_some() {
        return Ok(model.model_data_url.clone());
    }
    if let (Some(group), None) = (&model.model_package_group, &model.model_package_arn) {
        model.model_package_arn = latest_approved(c, group).await?;
    }
    let Some(arn) = &model.model_package_arn else {
        return Err(Diagnostic::error(
            "No model version to serve",
            format!(
                "Model package group {} has no approved version yet; approve one, then apply again.",
                model.model_package_group.as_deref().unwrap_or("(none)")
            ),
        )
        .at(AttrPath::attrs(["model", "model_package_group"]))
        .into());
    };
    let d = c
        .sagemaker
        .describe_model_package()
        .model_package_name(arn)
        .send()
        .await
        .map_err(|e| api_error("DescribeModelPackage", arn, &e))?;
    let url = d
        .inference_specification()
        .and_then(|i| i.containers().first())
        .and_then(|c| c.model_data_url())
        .map(String::from);
    match url {
        Some(u) => Ok(Some(u)),
        None => Err(Diagnostic::error(
            "Model version without an artifact",
            format!("Model package {arn} has no ModelDataUrl; {platform} needs the model artifact's URI."),
        )
        .into()),
    }
}
