//! `mlops_feature_view`: a feature view described the way Feast users think (entity key,
//! event time, features, online/offline store), evolving without data loss. This file is
//! the user concept (schema, docs, timeouts); a feature-store backend does the work
//! ([`super::views`]).

use std::collections::BTreeMap;
use std::time::Duration;

use mlops_framework::{
    AttrPath, BackedResource, Backend, Diagnostics, Pick, TimeoutDefaults, Value,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use mlops_framework::identity::{self, IdentityAttr, IdentitySchema};
use serde_json::{json, Value as Json};

use crate::clients::Clients;
use crate::validation::{FEAST_NAME, FEAST_PROJECT, ROLE_ARN};

/// `FeatureGroupName` / `FeatureName` (botocore): letters, digits, hyphens (and `_` for
/// features), starting with a letter or digit.
pub(crate) const GROUP_NAME: &str = r"^[a-zA-Z0-9]([-_]*[a-zA-Z0-9]){0,63}$";
const FEATURE_NAME: &str = r"^[a-zA-Z0-9]([-_]*[a-zA-Z0-9]){0,63}$";

/// Feature types: SageMaker's three, then Feast's scalar types.
pub(crate) const FEATURE_TYPES: [&str; 10] = [
    "Integral",
    "Fractional",
    "String",
    "Int32",
    "Int64",
    "Float32",
    "Float64",
    "Bool",
    "Bytes",
    "UnixTimestamp",
];
/// The types SageMaker Feature Store has.
pub(crate) const SAGEMAKER_TYPES: [&str; 3] = ["Integral", "Fractional", "String"];

/// A feature (column).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Feature {
    /// Feature name, unique in the view.
    #[schemars(regex(pattern = FEATURE_NAME))]
    pub name: String,
    /// `Integral`, `Fractional` or `String`; in Feast also `Int32`, `Int64`, `Float32`,
    /// `Float64`, `Bool`, `Bytes` and `UnixTimestamp` (`Integral` is Feast's `Int64`,
    /// `Fractional` its `Float64`). Changing it loses data (see `allow_replacement`).
    #[schemars(extend("enum" = FEATURE_TYPES))]
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

/// Where a Feast view reads its data: a Parquet file source (local or object storage) registered under `name`, optionally behind a push source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FeastSource {
    /// Name of the (batch) file source; default `<view name>_source`. Changes in place.
    #[schemars(regex(pattern = FEAST_NAME))]
    #[schemars(extend("x-tf" = ["optional_computed"]))]
    pub name: Option<String>,
    /// Path or URI of the data, e.g. `s3://features/customer_stats.parquet` or a local
    /// path as the Feast clients see it.
    #[schemars(length(min = 1, max = 2048))]
    pub path: String,
    /// Endpoint of an S3-compatible store holding `path` (e.g. MinIO).
    #[schemars(regex(pattern = r"^https?://\S+$"))]
    pub s3_endpoint_override: Option<String>,
    /// Column with each row's creation time (breaks ties between rows of one event time).
    pub created_timestamp_column: Option<String>,
    /// Column renames from the file to the view: `{ "cust_id" = "customer_id" }`.
    pub field_mapping: Option<BTreeMap<String, String>>,
    /// Also register a push source of this name over the file source, and make it the
    /// view's stream source: clients then write fresh rows with `store.push(name, df)`.
    #[schemars(regex(pattern = FEAST_NAME))]
    pub push_source_name: Option<String>,
}

/// Keep the view in a Feast registry (the provider's `feast` block) instead of SageMaker
/// Feature Store: an entity (the `entity_key`), a file data source and a feature view. The
/// event time is the source's timestamp column, so `event_time` names a column of the
/// source, not one of the `feature` blocks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FeastView {
    /// Feast project; default the provider's `feast.project`. Changing it replaces the view.
    #[schemars(regex(pattern = FEAST_PROJECT))]
    #[schemars(extend("x-tf" = ["optional_computed", "requires_replace"]))]
    pub project: Option<String>,
    /// Name of the entity whose join key is `entity_key`; default `entity_key`. Views of one
    /// entity share it: it is created when missing and deleted with the last view of this
    /// provider that uses it. An existing entity is used as it is, if its join key and type
    /// match.
    #[schemars(regex(pattern = FEAST_NAME))]
    #[schemars(extend("x-tf" = ["optional_computed"]))]
    pub entity: Option<String>,
    /// Where the view's data comes from.
    #[schemars(extend("x-tf" = ["block"]))]
    pub source: FeastSource,
    /// Owner of the view (an e-mail or team), shown by Feast's UI and CLI.
    pub owner: Option<String>,
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
/// With a `feast` block the view is a Feast feature view in the registry of the provider's
/// `feast` block instead; features are added, described and retyped the same way, and the
/// online TTL is the view's `ttl`.
///
/// Import with the feature group name: `terraform import mlops_feature_view.customers customers`,
/// or for Feast `feast:<project>/<view>`.
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
    /// The features, including `entity_key` and (SageMaker only) `event_time`.
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
    /// Keep the view in Feast instead (see [`FeastView`]); adding or removing the block
    /// replaces the view.
    #[schemars(extend("x-tf" = ["block"]))]
    pub feast: Option<FeastView>,
}

impl FeatureViewState {
    /// A view known by its name only (an import, before `read` fills it).
    pub(crate) fn named(name: &str) -> Self {
        FeatureViewState {
            name: name.to_string(),
            description: None,
            entity_key: String::new(),
            event_time: String::new(),
            feature: vec![],
            online_store: None,
            offline_store: None,
            role_arn: None,
            allow_replacement: Some(false),
            tags: None,
            tags_all: None,
            arn: None,
            offline_store_resolved_s3_uri: None,
            feast: None,
        }
    }
}

impl FeastView {
    /// A Feast view of `project` known by nothing else yet.
    pub(crate) fn in_project(project: &str) -> Self {
        FeastView {
            project: Some(project.to_string()),
            entity: None,
            source: FeastSource {
                name: None,
                path: String::new(),
                s3_endpoint_override: None,
                created_timestamp_column: None,
                field_mapping: None,
                push_source_name: None,
            },
            owner: None,
        }
    }
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

    fn backend(&self, pick: Pick<'_, Self::State>) -> &dyn Backend<Clients, FeatureViewState> {
        super::views(match pick {
            Pick::Value(v) => !v.attr("feast").is_null(),
            Pick::State(s) => s.feast.is_some(),
            Pick::ImportId(id) => super::in_feast(id),
        })
    }

    fn backend_selector(&self) -> Option<&'static str> {
        Some("feast")
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        Some(IdentitySchema::new(
            0,
            vec![
                IdentityAttr::required(
                    "name",
                    "The feature group's (or Feast feature view's) name.",
                ),
                IdentityAttr::optional(
                    "project",
                    "The Feast project (null: the provider's `feast.project`; null on SageMaker).",
                ),
                IdentityAttr::optional("platform", "`sagemaker` (the default) or `feast`."),
            ],
        ))
    }

    fn identity(&self, s: &FeatureViewState) -> Option<Json> {
        let project = s.feast.as_ref().and_then(|f| f.project.clone());
        let platform = if s.feast.is_some() {
            "feast"
        } else {
            "sagemaker"
        };
        Some(json!({"name": s.name, "project": project, "platform": platform}))
    }

    fn moves_from(&self) -> &'static [&'static str] {
        &["aws_sagemaker_feature_group"]
    }

    fn moved_from(
        &self,
        src: &mlops_framework::moved::MovedFrom<'_>,
    ) -> Option<Result<(FeatureViewState, mlops_framework::PrivateState), Diagnostics>> {
        src.is("aws", "aws_sagemaker_feature_group").then(|| {
            let name = src.required("feature_group_name")?;
            Ok((FeatureViewState::named(name), Default::default()))
        })
    }

    fn import_id(&self, id: &Json) -> Result<String, Diagnostics> {
        let name = identity::attr(id, "name").unwrap_or_default();
        Ok(match identity::platform(id, &["sagemaker", "feast"])? {
            "feast" => match identity::attr(id, "project") {
                Some(p) => format!("{}{p}/{name}", super::feast::IMPORT_PREFIX),
                None => format!("{}{name}", super::feast::IMPORT_PREFIX),
            },
            _ => name.to_string(),
        })
    }
}

/// The type names of the `feature` blocks of a configuration, by feature name; duplicate
/// names (case-insensitive, as both SageMaker and Feast's online stores compare them) are
/// errors at their `feature[i].name`.
pub(crate) fn feature_types(config: &Value, diags: &mut Diagnostics) -> BTreeMap<String, String> {
    let mut types: BTreeMap<String, String> = BTreeMap::new();
    let Value::List(features) = config.attr("feature") else {
        return types;
    };
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (i, f) in features.iter().enumerate() {
        if let Some(n) = f.attr("name").as_str() {
            if let Some(j) = seen.insert(n.to_ascii_lowercase(), i) {
                diags.error_at(
                    feature_path(i, Some("name")),
                    "Duplicate feature",
                    format!("Feature {n:?} is already feature[{j}] (names are case-insensitive)."),
                );
            }
            if let Some(t) = f.attr("type").as_str() {
                types.insert(n.to_string(), t.to_string());
            }
        }
    }
    types
}

/// `feature[i]` or `feature[i].<attr>`.
pub(crate) fn feature_path(i: usize, attr: Option<&str>) -> AttrPath {
    let p = AttrPath::attr("feature").index(i);
    match attr {
        Some(a) => p.field(a),
        None => p,
    }
}

/// A change to the features that loses stored data.
pub(crate) enum Loss {
    /// The feature of this name is no longer configured.
    Removed(String),
    /// The feature at `feature[index]` changes from one type to another.
    Retyped {
        name: String,
        index: usize,
        from: String,
        to: String,
    },
}

/// What a plan does to the features that loses data: removed features (only once every
/// planned name is known) and retyped ones (`same` says whether two type names are one
/// type on the platform).
pub(crate) fn feature_losses(
    prior: &Value,
    planned: &Value,
    same: fn(&str, &str) -> bool,
) -> Vec<Loss> {
    let list = |v: &Value| match v.attr("feature") {
        Value::List(l) => l.clone(),
        _ => vec![],
    };
    let (before, after) = (list(prior), list(planned));
    let all_known = after.iter().all(|f| f.attr("name").as_str().is_some());
    let mut out = vec![];
    for p in &before {
        let Some(n) = p.attr("name").as_str() else {
            continue;
        };
        match after
            .iter()
            .position(|f| f.attr("name").as_str() == Some(n))
        {
            None if all_known => out.push(Loss::Removed(n.to_string())),
            None => {}
            Some(j) => {
                if let (Some(a), Some(b)) =
                    (p.attr("type").as_str(), after[j].attr("type").as_str())
                {
                    if !same(a, b) {
                        out.push(Loss::Retyped {
                            name: n.to_string(),
                            index: j,
                            from: a.to_string(),
                            to: b.to_string(),
                        });
                    }
                }
            }
        }
    }
    out
}
