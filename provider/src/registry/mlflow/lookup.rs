//! The MLflow backend of data source `mlops_model_package`: the version holding an alias
//! (`registered-models/alias`, one call), one version by number, or the newest version
//! with another approval status (a search of the model's versions); plus its download URI.

use mlops_framework::{async_trait, AttrPath, Ctx, Diagnostic, Diagnostics, LookupBackend, Value};

use super::{
    client, rfc3339, status_of, ui_url, validate_model_and_alias, MlflowRegistry, DEFAULT_ALIAS,
    DESCRIPTION_TAG,
};
use crate::clients::Clients;
use crate::mlflow::registry::{
    download_uri, find_alias_holder, find_version, quoted, search_versions,
};
use crate::registry::lookup::{MlflowLookup, ModelPackageLookupModel};
use crate::registry::version::ApprovalStatus;

#[async_trait]
impl LookupBackend<Clients, ModelPackageLookupModel> for MlflowRegistry {
    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        validate_model_and_alias(config, diags);
    }

    async fn read(
        &self,
        ctx: &mut Ctx<Clients>,
        cfg: ModelPackageLookupModel,
    ) -> Result<ModelPackageLookupModel, Diagnostics> {
        let m = client(&ctx.client, "mlflow")?;
        let name = cfg.model_package_group_name.clone();
        let alias = cfg
            .mlflow
            .as_ref()
            .and_then(|b| b.alias.clone())
            .unwrap_or_else(|| DEFAULT_ALIAS.into());
        let allow_missing = cfg.allow_missing.unwrap_or(false);
        // A specific version without an explicit status filter matches any status.
        let status = match (cfg.approval_status, cfg.version) {
            (Some(s), _) => Some(s),
            (None, Some(_)) => None,
            (None, None) => Some(ApprovalStatus::Approved),
        };
        let found = match (cfg.version, status) {
            (Some(v), _) => find_version(&m, &name, v)
                .await?
                .filter(|f| status.is_none_or(|s| status_of(f, &alias) == s)),
            (None, Some(ApprovalStatus::Approved)) => find_alias_holder(&m, &name, &alias).await?,
            (None, want) => {
                // search results carry no aliases: read the holder of the alias apart
                let holder = find_alias_holder(&m, &name, &alias)
                    .await?
                    .map(|h| h.version);
                let mut all = search_versions(&m, &format!("name={}", quoted(&name))).await?;
                for v in &mut all {
                    if Some(v.version) == holder {
                        v.aliases.push(alias.clone());
                    }
                }
                all.into_iter()
                    .filter(|v| want.is_none_or(|s| status_of(v, &alias) == s))
                    .max_by_key(|v| v.version)
            }
        };
        let Some(v) = found else {
            if allow_missing {
                tracing::info!(name, "no matching MLflow model version; found = false");
                return Ok(ModelPackageLookupModel {
                    found: Some(false),
                    allow_missing: Some(true),
                    ..cfg
                });
            }
            let what = match (cfg.version, status) {
                (None, Some(ApprovalStatus::Approved)) => {
                    format!("version holding alias {alias:?}")
                }
                (Some(v), Some(s)) => format!("version {v} with approval status {s:?}"),
                (Some(v), None) => format!("version {v}"),
                (None, Some(s)) => format!("version with approval status {s:?}"),
                (None, None) => "versions".to_string(),
            };
            return Err(Diagnostic::error(
                "No matching model version",
                format!(
                    "Registered model {name:?} on {} has no {what} (or does not exist). Register a version and point the alias at it (mlops_model_package with approval_status = \"Approved\", or MlflowClient().set_registered_model_alias), or set allow_missing = true to apply before the first approval.",
                    m.base
                ),
            )
            .at(AttrPath::attr("model_package_group_name"))
            .into());
        };
        let download = download_uri(&m, &name, v.version).await?;
        Ok(ModelPackageLookupModel {
            found: Some(true),
            allow_missing: Some(allow_missing),
            arn: None,
            version_number: Some(v.version),
            status: Some(format!("{:?}", status_of(&v, &alias))),
            image: None,
            model_data_url: Some(download),
            environment: None,
            description: v.description.clone(),
            approval_description: v.tags.get(DESCRIPTION_TAG).cloned(),
            customer_metadata: None,
            created_time: rfc3339(v.created_ms),
            metrics: None,
            mlflow: Some(MlflowLookup {
                alias: Some(alias),
                source: Some(v.source.clone()),
                run_id: v.run_id.clone(),
                ui_url: Some(ui_url(&m, &name, Some(v.version))),
            }),
            ..cfg
        })
    }
}
