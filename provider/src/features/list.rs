//! `list "mlops_feature_view"` (`terraform query`): the SageMaker feature groups of the
//! region.

use mlops_framework::list::{Listed, Lister};
use mlops_framework::{async_trait, Diagnostics};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::clients::Clients;
use crate::sagemaker::feature_group::list_feature_group_names;

/// Which feature groups to list.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct FeatureViewFilter {
    /// Only feature groups whose name contains this.
    pub name_contains: Option<String>,
}

pub struct FeatureViewLister;

#[async_trait]
impl Lister for FeatureViewLister {
    type Client = Clients;
    type Config = FeatureViewFilter;
    const TYPE_NAME: &'static str = "mlops_feature_view";

    async fn list(
        &self,
        c: &Clients,
        f: FeatureViewFilter,
        limit: usize,
    ) -> Result<Vec<Listed>, Diagnostics> {
        let names = list_feature_group_names(c, f.name_contains.as_deref(), limit).await?;
        Ok(names.into_iter().map(Listed::named).collect())
    }
}
