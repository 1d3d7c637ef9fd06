//! Model packages (registry versions) and their groups: finders and status classifiers.

use aws_sdk_sagemaker::operation::describe_model_package::DescribeModelPackageOutput;
use aws_sdk_sagemaker::operation::describe_model_package_group::DescribeModelPackageGroupOutput;
use aws_sdk_sagemaker::types::{
    ModelApprovalStatus, ModelPackageGroupStatus, ModelPackageSortBy, ModelPackageStatus, SortOrder,
};
use mlops_framework::{Diagnostics, Phase};

use crate::aws::{api_error, found};
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

/// The group named `name`, `None` when there is none.
pub async fn find_model_package_group(
    c: &Clients,
    name: &str,
) -> Result<Option<DescribeModelPackageGroupOutput>, Diagnostics> {
    found(
        "DescribeModelPackageGroup",
        name,
        c.sagemaker
            .describe_model_package_group()
            .model_package_group_name(name)
            .send()
            .await,
    )
}

/// Ready (Completed, or no status reported), on its way, or Failed.
pub fn group_phase(d: &DescribeModelPackageGroupOutput) -> Phase {
    match d.model_package_group_status() {
        Some(ModelPackageGroupStatus::Completed) | None => Phase::Target,
        Some(ModelPackageGroupStatus::Failed) => Phase::Failed("Failed".into()),
        Some(s) => Phase::Pending(s.as_str().to_string()),
    }
}

/// The resource policy of a group, `None` when it has none (or the group is gone).
pub async fn find_group_policy(c: &Clients, name: &str) -> Result<Option<String>, Diagnostics> {
    Ok(found(
        "GetModelPackageGroupPolicy",
        name,
        c.sagemaker
            .get_model_package_group_policy()
            .model_package_group_name(name)
            .send()
            .await,
    )?
    .and_then(|p| p.resource_policy().map(String::from)))
}

/// The model package (version) with this ARN or name, `None` when there is none.
pub async fn find_model_package(
    c: &Clients,
    arn: &str,
) -> Result<Option<DescribeModelPackageOutput>, Diagnostics> {
    found(
        "DescribeModelPackage",
        arn,
        c.sagemaker
            .describe_model_package()
            .model_package_name(arn)
            .send()
            .await,
    )
}

/// Registered (Completed, or no status reported), on its way, or Failed with SageMaker's
/// status details. Waiting for a deletion, every status is "on its way".
pub fn package_phase(d: &DescribeModelPackageOutput) -> Phase {
    match d.model_package_status() {
        Some(ModelPackageStatus::Completed) | None => Phase::Target,
        Some(ModelPackageStatus::Failed) => {
            Phase::Failed(format!("{:?}", d.model_package_status_details()))
        }
        Some(s) => Phase::Pending(s.as_str().to_string()),
    }
}

/// Names of the model package groups whose name contains `name_contains`, at most `limit`.
pub async fn list_group_names(
    c: &Clients,
    name_contains: Option<&str>,
    limit: usize,
) -> Result<Vec<String>, Diagnostics> {
    let pages = c
        .sagemaker
        .list_model_package_groups()
        .set_name_contains(name_contains.map(String::from))
        .max_results(mlops_framework::list::page_size())
        .into_paginator();
    let items = crate::aws::pages::take_items!(
        pages,
        limit,
        "ListModelPackageGroups",
        "model package groups"
    )?;
    Ok(items
        .iter()
        .map(|g| g.model_package_group_name().unwrap_or_default().to_string())
        .collect())
}

/// ARNs of the versions of `group` (newest first), only those with `status` if given, at
/// most `limit`.
pub async fn list_version_arns(
    c: &Clients,
    group: &str,
    status: Option<ModelApprovalStatus>,
    limit: usize,
) -> Result<Vec<String>, Diagnostics> {
    let pages = c
        .sagemaker
        .list_model_packages()
        .model_package_group_name(group)
        .set_model_approval_status(status)
        .sort_by(ModelPackageSortBy::CreationTime)
        .sort_order(SortOrder::Descending)
        .max_results(mlops_framework::list::page_size())
        .into_paginator();
    let items = crate::aws::pages::take_items!(pages, limit, "ListModelPackages", group)?;
    Ok(items
        .iter()
        .filter_map(|p| p.model_package_arn().map(String::from))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_and_package_statuses() {
        let group = |s| {
            DescribeModelPackageGroupOutput::builder()
                .model_package_group_status(s)
                .build()
        };
        assert_eq!(
            group_phase(&group(ModelPackageGroupStatus::Completed)),
            Phase::Target
        );
        assert_eq!(
            group_phase(&group(ModelPackageGroupStatus::InProgress)),
            Phase::Pending("InProgress".into())
        );
        assert!(matches!(
            group_phase(&group(ModelPackageGroupStatus::Failed)),
            Phase::Failed(_)
        ));
        let package = |s| {
            DescribeModelPackageOutput::builder()
                .model_package_status(s)
                .build()
        };
        assert_eq!(
            package_phase(&package(ModelPackageStatus::Completed)),
            Phase::Target
        );
        assert_eq!(
            package_phase(&package(ModelPackageStatus::Pending)),
            Phase::Pending("Pending".into())
        );
    }
}
