//! `list "mlops_model_package_group"` and `list "mlops_model_package"` (`terraform query`):
//! the SageMaker model registry's groups, and a group's versions.

use mlops_framework::list::{Listed, Lister};
use mlops_framework::{async_trait, Diagnostics};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::version::ApprovalStatus;
use crate::clients::Clients;
use crate::sagemaker::model_package::{list_group_names, list_version_arns};
use crate::validation::ENTITY_NAME;

/// Which model package groups to list.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct GroupFilter {
    /// Only groups whose name contains this.
    pub name_contains: Option<String>,
}

pub struct GroupLister;

#[async_trait]
impl Lister for GroupLister {
    type Client = Clients;
    type Config = GroupFilter;
    const TYPE_NAME: &'static str = "mlops_model_package_group";

    async fn list(
        &self,
        c: &Clients,
        f: GroupFilter,
        limit: usize,
    ) -> Result<Vec<Listed>, Diagnostics> {
        let names = list_group_names(c, f.name_contains.as_deref(), limit).await?;
        Ok(names.into_iter().map(Listed::named).collect())
    }
}

/// Which model versions to list: a group's, newest first.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct VersionFilter {
    /// The group whose versions to list.
    #[schemars(regex(pattern = ENTITY_NAME), length(min = 1, max = 63))]
    pub model_package_group_name: String,
    /// Only versions with this approval status.
    pub approval_status: Option<ApprovalStatus>,
}

pub struct VersionLister;

#[async_trait]
impl Lister for VersionLister {
    type Client = Clients;
    type Config = VersionFilter;
    const TYPE_NAME: &'static str = "mlops_model_package";

    async fn list(
        &self,
        c: &Clients,
        f: VersionFilter,
        limit: usize,
    ) -> Result<Vec<Listed>, Diagnostics> {
        let status = f.approval_status.map(ApprovalStatus::sdk);
        let group = &f.model_package_group_name;
        let arns = list_version_arns(c, group, status, limit).await?;
        Ok(arns
            .into_iter()
            .map(|arn| {
                let version = arn.rsplit('/').next().unwrap_or_default().to_string();
                Listed {
                    display_name: format!("{group} version {version}"),
                    import_id: arn,
                }
            })
            .collect())
    }
}
