//! `list "mlops_endpoint"` (`terraform query`): the SageMaker endpoints of the provider's
//! region, to bring under management.

use mlops_framework::list::{Listed, Lister};
use mlops_framework::{async_trait, Diagnostics};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::clients::Clients;
use crate::sagemaker::endpoint::list_endpoint_names;

/// Which endpoints to list.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct EndpointFilter {
    /// Only endpoints whose name contains this (case-insensitive, as SageMaker compares).
    pub name_contains: Option<String>,
}

pub struct EndpointLister;

#[async_trait]
impl Lister for EndpointLister {
    type Client = Clients;
    type Config = EndpointFilter;
    const TYPE_NAME: &'static str = "mlops_endpoint";

    async fn list(
        &self,
        c: &Clients,
        f: EndpointFilter,
        limit: usize,
    ) -> Result<Vec<Listed>, Diagnostics> {
        let names = list_endpoint_names(c, f.name_contains.as_deref(), limit).await?;
        Ok(names.into_iter().map(Listed::named).collect())
    }
}
