//! `list "mlops_pipeline"` (`terraform query`): the SageMaker pipelines of the region.

use mlops_framework::list::{Listed, Lister};
use mlops_framework::{async_trait, Diagnostics};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::clients::Clients;
use crate::sagemaker::pipeline::list_pipeline_names;
use crate::validation::PIPELINE_NAME;

/// Which pipelines to list.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct PipelineFilter {
    /// Only pipelines whose name starts with this (case-insensitive). SageMaker takes a
    /// prefix that is itself a pipeline name (it cannot end in `-`).
    #[schemars(regex(pattern = PIPELINE_NAME), length(min = 1, max = 256))]
    pub name_prefix: Option<String>,
}

pub struct PipelineLister;

#[async_trait]
impl Lister for PipelineLister {
    type Client = Clients;
    type Config = PipelineFilter;
    const TYPE_NAME: &'static str = "mlops_pipeline";

    async fn list(
        &self,
        c: &Clients,
        f: PipelineFilter,
        limit: usize,
    ) -> Result<Vec<Listed>, Diagnostics> {
        let names = list_pipeline_names(c, f.name_prefix.as_deref(), limit).await?;
        Ok(names.into_iter().map(Listed::named).collect())
    }
}
