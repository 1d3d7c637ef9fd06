//! Endpoints and endpoint configurations: finders, the endpoint status classifiers, and the
//! two waits built on them (settled, deleted). Every DescribeEndpoint /
//! DescribeEndpointConfig of the provider goes through here.

use aws_sdk_sagemaker::operation::describe_endpoint::DescribeEndpointOutput;
use aws_sdk_sagemaker::operation::describe_endpoint_config::DescribeEndpointConfigOutput;
use aws_sdk_sagemaker::types::EndpointStatus;
use mlops_framework::{wait_until, Ctx, Diagnostic, Diagnostics, Phase, Waited, Want};

use crate::aws::found;
use crate::clients::Clients;

/// The endpoint named `name`, `None` when there is none.
pub async fn find_endpoint(
    c: &Clients,
    name: &str,
) -> Result<Option<DescribeEndpointOutput>, Diagnostics> {
    found(
        "DescribeEndpoint",
        name,
        c.sagemaker
            .describe_endpoint()
            .endpoint_name(name)
            .send()
            .await,
    )
}

/// The endpoint configuration named `name`, `None` when there is none.
pub async fn find_endpoint_config(
    c: &Clients,
    name: &str,
) -> Result<Option<DescribeEndpointConfigOutput>, Diagnostics> {
    found(
        "DescribeEndpointConfig",
        name,
        c.sagemaker
            .describe_endpoint_config()
            .endpoint_config_name(name)
            .send()
            .await,
    )
}

/// Settled in service (target), on its way (Creating, Updating, SystemUpdating,
/// RollingBack, Deleting...), or Failed with SageMaker's reason.
pub fn endpoint_phase(d: &DescribeEndpointOutput) -> Phase {
    match d.endpoint_status() {
        Some(EndpointStatus::InService) => Phase::Target,
        Some(EndpointStatus::Failed) => Phase::Failed(
            d.failure_reason()
                .unwrap_or("SageMaker gave no failure reason")
                .to_string(),
        ),
        Some(s) => Phase::Pending(format!("status {}", s.as_str())),
        None => Phase::Pending("no status yet".into()),
    }
}

/// The endpoint while waiting for it to be deleted: on its way whatever its status. A
/// Failed endpoint just told to delete still reads Failed until Deleting starts, so Failed is
/// no verdict here (as [`endpoint_phase`] would make it); the wait ends when it is gone.
pub fn endpoint_deletion_phase(d: &DescribeEndpointOutput) -> Phase {
    Phase::Pending(format!(
        "status {}",
        d.endpoint_status().map(|s| s.as_str()).unwrap_or("?")
    ))
}

/// Wait until the endpoint settles, InService or Failed (`what` names the wait in progress
/// logs and timeouts); its last description. It vanishing meanwhile is an error.
pub async fn wait_settled(
    ctx: &Ctx<Clients>,
    name: &str,
    what: &str,
) -> Result<DescribeEndpointOutput, Diagnostics> {
    let c = &ctx.client;
    let waited = wait_until(
        what,
        ctx.timeout,
        &ctx.cancel,
        Want::Present,
        || find_endpoint(c, name),
        endpoint_phase,
    )
    .await?;
    match waited {
        Waited::Reached(Some(d)) | Waited::Failed { object: d, .. } => Ok(d),
        Waited::Reached(None) => Err(Diagnostic::error(
            "Endpoint vanished",
            format!("Endpoint {name} was deleted while waiting for {what}."),
        )
        .into()),
    }
}

/// Wait until no endpoint named `name` exists (at once when there is none).
pub async fn wait_deleted(ctx: &Ctx<Clients>, name: &str) -> Result<(), Diagnostics> {
    let c = &ctx.client;
    wait_until(
        &format!("endpoint {name} to be deleted"),
        ctx.timeout,
        &ctx.cancel,
        Want::Absent,
        || find_endpoint(c, name),
        endpoint_deletion_phase,
    )
    .await?;
    Ok(())
}

/// Names of the endpoints whose name contains `name_contains`, newest first, at most `limit`.
pub async fn list_endpoint_names(
    c: &Clients,
    name_contains: Option<&str>,
    limit: usize,
) -> Result<Vec<String>, Diagnostics> {
    let pages = c
        .sagemaker
        .list_endpoints()
        .set_name_contains(name_contains.map(String::from))
        .max_results(mlops_framework::list::page_size())
        .into_paginator();
    let items = crate::aws::pages::take_items!(pages, limit, "ListEndpoints", "endpoints")?;
    Ok(items
        .iter()
        .map(|e| e.endpoint_name().unwrap_or_default().to_string())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_statuses() {
        let with = |s: EndpointStatus| {
            DescribeEndpointOutput::builder()
                .endpoint_status(s)
                .failure_reason("image not found")
                .build()
        };
        assert_eq!(
            endpoint_phase(&with(EndpointStatus::InService)),
            Phase::Target
        );
        assert_eq!(
            endpoint_phase(&with(EndpointStatus::Failed)),
            Phase::Failed("image not found".into())
        );
        assert_eq!(
            endpoint_phase(&with(EndpointStatus::Updating)),
            Phase::Pending("status Updating".into())
        );
        assert_eq!(
            endpoint_phase(&DescribeEndpointOutput::builder().build()),
            Phase::Pending("no status yet".into())
        );
        assert_eq!(
            endpoint_deletion_phase(&with(EndpointStatus::Failed)),
            Phase::Pending("status Failed".into())
        );
    }
}
