//! `mlops_feature_view`: a feature view described the way Feast users think (entity key,
//! event time, features, online/offline store), evolving without data loss. This file is
//! the user concept (schema, docs, timeouts); a feature-store backend does the work
//! ([`super::views`]).

use std::collections::BTreeMap;
use std::time::Duration;

use mlops_framework::{BackedResource, Backend, Pick, TimeoutDefaults};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::clients::Clients;
use crate::validation::ROLE_ARN;

/// `FeatureGroupName` / `FeatureName` (botocore): letters, digits, hyphens (and `_` for
/// features), starting with a letter or digit.
pub(crate) const GROUP_NAME: &str = r"^[a-zA-Z0-9]([-_]*[a-zA-Z0-9]){0,63}$";
const FEATURE_NAME: &str = r"^[a-zA-Z0-9]([-_]*[a-zA-Z0-9]){0,63}$";

/// A feature (column).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Feature {
    /// Feature name, unique in the view.
    #[schemars(regex(pattern = FEATURE_NAME))]
    pub name: String,
    /// `Integral`, `Fractional` or `String`. Changing it loses data (see `allow_replacement`).
    #[schemars(extend("enum" = ["Integral", "Fractional", "String"]))]
    pub r#type: String,
    /// What the feature means; changes in place.
    #[schemars(length(max = 255))]
    pub description: Option<String>,
}

/// The online store: low-latency reads of the latest value per entity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct OnlineStore {
    /// Keep an online store.
    #[schemars(extend("x-tf-default" = true))]
    pub enabled: Option<bool>,
    /// Records expire this many `ttl_unit` after their event time (changes in place).
    #[schemars(range(min = 1))]
    pub ttl_value: Option<i64>,
    /// `Seconds`, `Minutes`, `Hours`, `Days` or `Weeks`.
    #[schemars(extend("x-tf-default" = "Days"))]
    #[schemars(extend("enum" = ["Seconds", "Minutes", "Hours", "Days", "Weeks"]))]
    pub ttl_unit: Option<String>,
    /// `Standard` or `InMemory`.
    #[schemars(extend("x-tf-default" = "Standard"))]
    #[schemars(extend("enum" = ["Standard", "InMemory"]))]
    pub storage_type: Option<String>,
}

/// The offline store: the full history in S3, for training sets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct OfflineStore {
    /// S3 URI of the store.
    #[schemars(regex(pattern = r"^(https|s3)://([^/]+)/?(.*)$"), length(max = 1024))]
    pub s3_uri: String,
    /// `Glue` or `Iceberg`.
    #[schemars(extend("x-tf-default" = "Glue"))]
    #[schemars(extend("enum" = ["Glue", "Iceberg"]))]
    pub table_format: Option<String>,
    /// Do not create a Glue table for the store.
    #[schemars(extend("x-tf-default" = false))]
    pub disable_glue_table_creation: Option<bool>,
}

/// A feature view: a SageMaker feature group with an entity key, an event time and typed
/// features, kept in an online store (latest values) and/or an offline store (history).
///
/// The schema evolves without data loss: adding features and changing feature descriptions
/// or the online TTL update the group in place. Removing or retyping a feature, or changing
/// what SageMaker cannot change (keys, stores, role), would need a new group and lose every
/// stored record: the plan stops with an error explaining it, unless `allow_replacement =
/// true`.
///
/// Import with the feature group name: `terraform import mlops_feature_view.customers customers`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct FeatureViewState {
    /// Feature group name.
    #[schemars(regex(pattern = GROUP_NAME), length(min = 1, max = 64))]
    #[schemars(extend("x-tf" = ["requires_replace"]))]
    pub name: String,
    /// What the view holds.
    #[schemars(length(max = 128))]
    pub description: Option<String>,
    /// The feature identifying an entity (record identifier), e.g. `customer_id`.
    pub entity_key: String,
    /// The feature holding each record's event time (`String` in ISO 8601, or `Fractional`
    /// epoch seconds).
    pub event_time: String,
    /// The features, including `entity_key` and `event_time`.
    #[schemars(extend("x-tf" = ["block"]), length(min = 2, max = 2500))]
    pub feature: Vec<Feature>,
    /// Online store.
    #[schemars(extend("x-tf" = ["block"]))]
    pub online_store: Option<OnlineStore>,
    /// Offline store.
    #[schemars(extend("x-tf" = ["block"]))]
    pub offline_store: Option<OfflineStore>,
    /// IAM role for the offline store (S3 and Glue access).
    #[schemars(regex(pattern = ROLE_ARN), length(min = 20, max = 2048))]
    pub role_arn: Option<String>,
    /// Allow changes that replace the feature group and lose its stored data (removing or
    /// retyping a feature, changing keys, stores, role or description).
    #[schemars(extend("x-tf-default" = false))]
    pub allow_replacement: Option<bool>,
    /// Tags. Provider `default_tags` are added; these win.
    pub tags: Option<BTreeMap<String, String>>,
    /// All tags, including the provider's `default_tags`.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub tags_all: Option<BTreeMap<String, String>>,
    /// ARN of the feature group.
    #[schemars(extend("x-tf" = ["computed", "use_state_for_unknown"]))]
    pub arn: Option<String>,
    /// Where the offline store really writes (SageMaker adds account, table and date parts).
    #[schemars(extend("x-tf" = ["computed", "use_state_for_unknown"]))]
    pub offline_store_resolved_s3_uri: Option<String>,
}

/// The resource.
pub struct FeatureView;

impl BackedResource for FeatureView {
    type Client = Clients;
    type State = FeatureViewState;
    const TYPE_NAME: &'static str = "mlops_feature_view";

    fn timeouts(&self) -> TimeoutDefaults {
        TimeoutDefaults {
            create: Some(Duration::from_secs(20 * 60)),
            update: Some(Duration::from_secs(20 * 60)),
            delete: Some(Duration::from_secs(20 * 60)),
            ..Default::default()
        }
    }

    fn backend(&self, _: Pick<'_, Self::State>) -> &dyn Backend<Clients, FeatureViewState> {
        super::views()
    }
}
