//! Data source `mlops_feature_view`: the schema of an existing feature view, e.g. for a
//! training pipeline to read its offline store. This file is the user concept; a
//! feature-store backend does the lookup ([`super::lookup`]).

use mlops_framework::{BackedDataSource, LookupBackend, Pick};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::clients::Clients;

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

/// Reads a feature view's schema and stores by name, from SageMaker Feature Store or (with
/// a `feast` block) from the provider's Feast registry.
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
    /// The features, in SageMaker's order (Feast: the entity key first, then the view's).
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
    /// `Creating`, `Created`, ... (Feast: `Created`, or how far materialisation got:
    /// `Materializing`, `AvailableOnline`).
    #[schemars(extend("x-tf" = ["computed"]))]
    pub status: Option<String>,
    /// Read the view from the provider's Feast registry instead: `feast {}`, or
    /// `feast { project = "..." }`.
    #[schemars(extend("x-tf" = ["block"]))]
    pub feast: Option<FeastLookup>,
}

/// Which Feast project to read the view from.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct FeastLookup {
    /// Feast project; default the provider's `feast.project`.
    #[schemars(regex(pattern = crate::validation::FEAST_PROJECT))]
    pub project: Option<String>,
    /// The view's batch source path (the data to train on).
    #[schemars(extend("x-tf" = ["computed"]))]
    pub source_path: Option<String>,
    /// The push source clients write fresh rows to, if any.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub push_source_name: Option<String>,
    /// The view's TTL in seconds (0: forever).
    #[schemars(extend("x-tf" = ["computed"]))]
    pub ttl_seconds: Option<i64>,
}

/// The data source.
pub struct FeatureViewLookup;

impl BackedDataSource for FeatureViewLookup {
    type Client = Clients;
    type Model = FeatureViewLookupModel;
    const TYPE_NAME: &'static str = "mlops_feature_view";

    fn backend(
        &self,
        pick: Pick<'_, Self::Model>,
    ) -> &dyn LookupBackend<Clients, FeatureViewLookupModel> {
        super::lookup(match pick {
            Pick::Value(v) => !v.attr("feast").is_null(),
            Pick::State(m) => m.feast.is_some(),
            Pick::ImportId(id) => super::in_feast(id),
        })
    }

    fn backend_selector(&self) -> Option<&'static str> {
        Some("feast")
    }
}
