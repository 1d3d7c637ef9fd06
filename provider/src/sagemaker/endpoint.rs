//! Endpoints and endpoint configurations: finders and the endpoint status classifier.
//! Every DescribeEndpoint / DescribeEndpointConfig of the provider goes through here.

use aws_sdk_sagemaker::operation::describe_endpoint::DescribeEndpointOutput;
use aws_sdk_sagemaker::operation::describe_endpoint_config::DescribeEndpointConfigOutput;
use aws_sdk_sagemaker::types::EndpointStatus;
use mlops_framework::{Diagnostics, Phase};

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
    }
}
