//! The plan step every backend shares: a variant serving a `model_package_group` serves its
//! latest approved version, looked up here (one ListModelPackages per group, only at plan)
//! and planned as the variant's `model_package_arn`, so approving a newer version shows as a
//! change at the next plan.

use mlops_framework::{PlanCtx, Value};

use super::model::config_variant_blocks;
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
