//! `list "mlops_endpoint"` (`terraform query`): the SageMaker endpoints of the provider's
//! region, or the KServe InferenceServices of a namespace, to bring under management.

use mlops_framework::list::{Listed, Lister};
use mlops_framework::{async_trait, Diagnostics};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::clients::Clients;
use crate::sagemaker::endpoint::list_endpoint_names;
use crate::serving::kserve::INFERENCE_SERVICE;

/// Which endpoints to list.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct EndpointFilter {
    /// Only endpoints whose name contains this (case-insensitive, as SageMaker compares).
    pub name_contains: Option<String>,
    /// List the KServe InferenceServices of this Kubernetes namespace (the provider's
    /// `kubernetes` block says which cluster) instead of SageMaker endpoints.
    #[schemars(
        regex(pattern = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"),
        length(min = 1, max = 63)
    )]
    pub kserve_namespace: Option<String>,
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
        let Some(ns) = f.kserve_namespace else {
            let names = list_endpoint_names(c, f.name_contains.as_deref(), limit).await?;
            return Ok(names.into_iter().map(Listed::named).collect());
        };
        let k = c.kube.get().await?;
        let contains = f.name_contains.unwrap_or_default().to_lowercase();
        // The API server has no name filter: all of the namespace's, then ours.
        let names = INFERENCE_SERVICE.list_names(k, &ns, usize::MAX).await?;
        Ok(names
            .into_iter()
            .filter(|n| n.to_lowercase().contains(&contains))
            .take(limit)
            .map(|n| Listed::named(format!("{ns}/{n}")))
            .collect())
    }
}
