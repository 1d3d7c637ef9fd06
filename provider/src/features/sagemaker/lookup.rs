//! The SageMaker Feature Store backend of data source `mlops_feature_view`.

use mlops_framework::{async_trait, Ctx, Diagnostic, Diagnostics, LookupBackend};

use super::SageMakerFeatureStore;
use crate::aws::api_error;
use crate::clients::Clients;
use crate::features::lookup::{FeatureInfo, FeatureViewLookupModel};
use crate::sagemaker::feature_group::find_feature_group;

#[async_trait]
impl LookupBackend<Clients, FeatureViewLookupModel> for SageMakerFeatureStore {
    async fn read(
        &self,
        ctx: &mut Ctx<Clients>,
        cfg: FeatureViewLookupModel,
    ) -> Result<FeatureViewLookupModel, Diagnostics> {
        let sm = &ctx.client.sagemaker;
        let Some(d) = find_feature_group(&ctx.client, &cfg.name).await? else {
            return Err(Diagnostic::error(
                "Feature view not found",
                format!(
                    "There is no feature group named {:?} in this account and region.",
                    cfg.name
                ),
            )
            .into());
        };
        let mut features = vec![];
        for f in d.feature_definitions() {
            let name = f.feature_name().unwrap_or_default().to_string();
            let description = sm
                .describe_feature_metadata()
                .feature_group_name(&cfg.name)
                .feature_name(&name)
                .send()
                .await
                .map_err(|e| api_error("DescribeFeatureMetadata", &name, &e))?
                .description()
                .filter(|s| !s.is_empty())
                .map(String::from);
            features.push(FeatureInfo {
                r#type: f
                    .feature_type()
                    .map(|t| t.as_str().to_string())
                    .unwrap_or_default(),
                name,
                description,
            });
        }
        let off = d.offline_store_config();
        Ok(FeatureViewLookupModel {
            arn: d.feature_group_arn().map(String::from),
            entity_key: d.record_identifier_feature_name().map(String::from),
            event_time: d.event_time_feature_name().map(String::from),
            features: Some(features),
            online_store_enabled: Some(
                d.online_store_config()
                    .and_then(|o| o.enable_online_store())
                    .unwrap_or(false),
            ),
            offline_store_s3_uri: off
                .and_then(|o| o.s3_storage_config())
                .and_then(|s| s.resolved_output_s3_uri().or(s.s3_uri()))
                .map(String::from),
            offline_store_table: off
                .and_then(|o| o.data_catalog_config())
                .and_then(|c| c.table_name())
                .map(String::from),
            status: d.feature_group_status().map(|s| s.as_str().to_string()),
            name: cfg.name,
            feast: None,
        })
    }
}
