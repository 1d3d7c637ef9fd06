//! Model packages (registry versions) and their groups: finders.

use aws_sdk_sagemaker::types::{ModelApprovalStatus, ModelPackageSortBy, SortOrder};
use mlops_framework::Diagnostics;

use crate::aws::api_error;
use crate::clients::Clients;

/// The ARN of the latest approved version of a group (newest creation time first), `None`
/// when the group has no approved version.
pub async fn latest_approved(c: &Clients, group: &str) -> Result<Option<String>, Diagnostics> {
    let r = c
        .sagemaker
        .list_model_packages()
        .model_package_group_name(group)
        .model_approval_status(ModelApprovalStatus::Approved)
        .sort_by(ModelPackageSortBy::CreationTime)
        .sort_order(SortOrder::Descending)
        .max_results(1)
        .send()
        .await
        .map_err(|e| api_error("ListModelPackages", group, &e))?;
    Ok(r.model_package_summary_list()
        .first()
        .and_then(|p| p.model_package_arn())
        .map(String::from))
}
