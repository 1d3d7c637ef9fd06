//! Feature groups: the finder, status classifiers (creation, update, deletion) and the
//! waiters built on them.

use aws_sdk_sagemaker::operation::describe_feature_group::DescribeFeatureGroupOutput;
use aws_sdk_sagemaker::types::{FeatureGroupStatus, LastUpdateStatusValue};
use mlops_framework::{wait_until, Ctx, Diagnostic, Diagnostics, Phase, Waited, Want};

use crate::aws::found;
use crate::clients::Clients;

/// The feature group named `name`, `None` when there is none.
pub async fn find_feature_group(
    c: &Clients,
    name: &str,
) -> Result<Option<DescribeFeatureGroupOutput>, Diagnostics> {
    found(
        "DescribeFeatureGroup",
        name,
        c.sagemaker
            .describe_feature_group()
            .feature_group_name(name)
            .send()
            .await,
    )
}

const NO_REASON: &str = "(no reason given)";

/// Created, on its way, or CreateFailed with SageMaker's reason.
pub fn creation_phase(d: &DescribeFeatureGroupOutput) -> Phase {
    match d.feature_group_status() {
        Some(FeatureGroupStatus::Created) => Phase::Target,
        Some(FeatureGroupStatus::CreateFailed) => {
            Phase::Failed(d.failure_reason().unwrap_or(NO_REASON).to_string())
        }
        Some(s) => Phase::Pending(format!("status {}", s.as_str())),
        None => Phase::Pending("no status yet".into()),
    }
}

/// The last update finished (or there was none), is in progress, or Failed with its reason.
pub fn update_phase(d: &DescribeFeatureGroupOutput) -> Phase {
    let last = d.last_update_status();
    match last.and_then(|s| s.status()) {
        Some(LastUpdateStatusValue::InProgress) => Phase::Pending("update in progress".into()),
        Some(LastUpdateStatusValue::Failed) => Phase::Failed(
            last.and_then(|s| s.failure_reason())
                .unwrap_or(NO_REASON)
                .to_string(),
        ),
        _ => Phase::Target,
    }
}

/// Waiting for a deletion: DeleteFailed with its reason, otherwise still on its way.
pub fn deletion_phase(d: &DescribeFeatureGroupOutput) -> Phase {
    match d.feature_group_status() {
        Some(FeatureGroupStatus::DeleteFailed) => {
            Phase::Failed(d.failure_reason().unwrap_or(NO_REASON).to_string())
        }
        s => Phase::Pending(format!("status {}", s.map(|s| s.as_str()).unwrap_or("?"))),
    }
}

/// Waiting before a delete: done once the group is not `Creating` and no update is in
/// progress (SageMaker refuses to delete a group in either), or once it is `Deleting`.
pub fn settle_phase(d: &DescribeFeatureGroupOutput) -> Phase {
    match d.feature_group_status() {
        Some(FeatureGroupStatus::Creating) => Phase::Pending("status Creating".into()),
        _ => match update_phase(d) {
            Phase::Pending(p) => Phase::Pending(p),
            _ => Phase::Target,
        },
    }
}

/// Which change of a feature group a wait is for.
#[derive(Clone, Copy)]
pub enum Awaited {
    Creation,
    Update,
    /// The end of a create or update, so that it can be deleted (see [`settle_phase`]).
    Settled,
    /// Its deletion (started by this provider or anyone): until it is gone.
    Deletion,
}

/// Wait until the group is created, its last update finished, or it is gone, within the
/// operation's timeout; its failure reason otherwise.
pub async fn wait_for_feature_group(
    ctx: &Ctx<Clients>,
    name: &str,
    awaited: Awaited,
) -> Result<(), Diagnostics> {
    let (what, want, classify, summary, verb): (String, _, fn(&_) -> _, &str, &str) = match awaited
    {
        Awaited::Creation => (
            format!("feature group {name} to be created"),
            Want::Present,
            creation_phase,
            "Feature group creation failed",
            "create",
        ),
        Awaited::Update => (
            format!("feature group {name} update"),
            Want::Present,
            update_phase,
            "Feature group update failed",
            "update",
        ),
        Awaited::Settled => (
            format!("feature group {name} to settle before deleting it"),
            Want::Present,
            settle_phase,
            "Feature group deletion failed",
            "delete",
        ),
        Awaited::Deletion => (
            format!("feature group {name} to be deleted"),
            Want::Absent,
            deletion_phase,
            "Feature group deletion failed",
            "delete",
        ),
    };
    let c = &ctx.client;
    match wait_until(
        &what,
        ctx.timeout,
        &ctx.cancel,
        want,
        || find_feature_group(c, name),
        classify,
    )
    .await?
    {
        Waited::Reached(_) => Ok(()),
        Waited::Failed { reason, .. } => Err(Diagnostic::error(
            summary,
            format!("SageMaker could not {verb} feature group {name}: {reason}"),
        )
        .into()),
    }
}

/// Names of the feature groups whose name contains `name_contains`, at most `limit`.
pub async fn list_feature_group_names(
    c: &Clients,
    name_contains: Option<&str>,
    limit: usize,
) -> Result<Vec<String>, Diagnostics> {
    let pages = c
        .sagemaker
        .list_feature_groups()
        .set_name_contains(name_contains.map(String::from))
        .max_results(mlops_framework::list::page_size())
        .into_paginator();
    let items =
        crate::aws::pages::take_items!(pages, limit, "ListFeatureGroups", "feature groups")?;
    Ok(items
        .iter()
        .filter_map(|g| g.feature_group_name().map(String::from))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_sagemaker::types::LastUpdateStatus;

    fn group(s: FeatureGroupStatus) -> DescribeFeatureGroupOutput {
        DescribeFeatureGroupOutput::builder()
            .feature_group_status(s)
            .failure_reason("bad role")
            .build()
    }

    #[test]
    fn feature_group_phases() {
        assert_eq!(
            creation_phase(&group(FeatureGroupStatus::Created)),
            Phase::Target
        );
        assert_eq!(
            creation_phase(&group(FeatureGroupStatus::CreateFailed)),
            Phase::Failed("bad role".into())
        );
        assert_eq!(
            creation_phase(&group(FeatureGroupStatus::Creating)),
            Phase::Pending("status Creating".into())
        );
        assert_eq!(
            deletion_phase(&group(FeatureGroupStatus::DeleteFailed)),
            Phase::Failed("bad role".into())
        );
        assert_eq!(
            deletion_phase(&group(FeatureGroupStatus::Deleting)),
            Phase::Pending("status Deleting".into())
        );
        let updating = |v| {
            DescribeFeatureGroupOutput::builder()
                .last_update_status(LastUpdateStatus::builder().status(v).build())
                .build()
        };
        assert_eq!(
            update_phase(&updating(LastUpdateStatusValue::InProgress)),
            Phase::Pending("update in progress".into())
        );
        assert_eq!(
            update_phase(&updating(LastUpdateStatusValue::Successful)),
            Phase::Target
        );
    }
}
