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

/// Names of the pipelines whose name starts with `prefix`, newest first, at most `limit`.
pub async fn list_pipeline_names(
    c: &Clients,
    prefix: Option<&str>,
    limit: usize,
) -> Result<Vec<String>, Diagnostics> {
    let pages = c
        .sagemaker
        .list_pipelines()
        .set_pipeline_name_prefix(prefix.map(String::from))
        .max_results(mlops_framework::list::page_size())
        .into_paginator();
    let items = crate::aws::pages::take_items!(pages, limit, "ListPipelines", "pipelines")?;
    Ok(items
        .iter()
        .filter_map(|p| p.pipeline_name().map(String::from))
        .collect())
}
