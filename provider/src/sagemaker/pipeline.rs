//! SageMaker pipelines: the finder. Every DescribePipeline of the provider goes through here.

use aws_sdk_sagemaker::operation::describe_pipeline::DescribePipelineOutput;
use mlops_framework::Diagnostics;

use crate::aws::found;
use crate::clients::Clients;

/// The pipeline named `name`, `None` when there is none.
pub async fn find_pipeline(
    c: &Clients,
    name: &str,
) -> Result<Option<DescribePipelineOutput>, Diagnostics> {
    found(
        "DescribePipeline",
        name,
        c.sagemaker
            .describe_pipeline()
            .pipeline_name(name)
            .send()
            .await,
    )
}
