//! Data source `mlops_feature_view`: the schema of an existing feature view (feature group),
//! e.g. for a training pipeline to read its offline store.

use mlops_framework::{async_trait, Ctx, DataSource, Diagnostic, Diagnostics};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::aws::{api_error, is_not_found, Clients};

/// A feature of the view.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct FeatureInfo {
    /// Feature name.
    pub name: String,
    /// `Integral`, `Fractional` or `String`.
    pub r#type: String,
    /// Description (feature metadata).
    pub description: Option<String>,
}

/// Reads a feature view's schema and stores by name.
///
/// ```hcl
/// data "mlops_feature_view" "customers" {
///   name = "customers"
/// }
/// ```
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct FeatureViewLookupModel {
    /// Feature group name.
    #[schemars(regex(pattern = r"^[a-zA-Z0-9]([-_]*[a-zA-Z0-9]){0,63}$"))]
    pub name: String,
    /// ARN of the feature group.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub arn: Option<String>,
    /// The entity key (record identifier) feature.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub entity_key: Option<String>,
    /// The event time feature.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub event_time: Option<String>,
    /// The features, in SageMaker's order.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub features: Option<Vec<FeatureInfo>>,
    /// The online store is enabled.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub online_store_enabled: Option<bool>,
    /// Where the offline store writes (resolved S3 URI), if there is one.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub offline_store_s3_uri: Option<String>,
    /// Glue table of the offline store, if any.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub offline_store_table: Option<String>,
    /// `Creating`, `Created`, ...
    #[schemars(extend("x-tf" = ["computed"]))]
    pub status: Option<String>,
}

/// The data source.
pub struct FeatureViewLookup;

#[async_trait]
impl DataSource for FeatureViewLookup {
    type Client = Clients;
    type Model = FeatureViewLookupModel;
    const TYPE_NAME: &'static str = "mlops_feature_view";

    async fn read(
        &self,
        ctx: &mut Ctx<Clients>,
        cfg: FeatureViewLookupModel,
    ) -> Result<FeatureViewLookupModel, Diagnostics> {
        let sm = &ctx.client.sagemaker;
        let d = match sm
            .describe_feature_group()
            .feature_group_name(&cfg.name)
            .send()
            .await
        {
            Ok(d) => d,
            Err(e) if is_not_found(&e) => {
                return Err(Diagnostic::error(
                    "Feature view not found",
                    format!(
                        "There is no feature group named {:?} in this account and region.",
                        cfg.name
                    ),
                )
                .into())
            }
            Err(e) => return Err(api_error("DescribeFeatureGroup", &cfg.name, &e).into()),
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
        })
    }
}
