//! The Feast backend of `mlops_feature_view` ([`view`]) and its data source ([`lookup`]): a
//! Feast entity, file (and push) data source and feature view in the registry of the
//! provider's `feast` block, spoken to with Feast's own registry gRPC API. Imports no
//! sibling backend. This file maps the resource's model to Feast's protos and back.

pub mod lookup;
pub mod view;

use std::collections::{BTreeMap, HashMap};

use mlops_framework::{AttrPath, Diagnostic, Diagnostics};
use tfplugin_proto::feast::core::{self as pb, data_source, file_format};
use tfplugin_proto::feast::types::value_type::Enum as ValueType;

use crate::aws::user_tags;
use crate::clients::Clients;
use crate::feast::Feast;
use crate::features::view::{FeastSource, FeastView, Feature, FeatureViewState, OnlineStore};
use crate::ownership::{existing, marked_tags, Existing, MARKER_TAG};

/// Import IDs of Feast views: `feast:<project>/<view>` or `feast:<view>`.
pub const IMPORT_PREFIX: &str = "feast:";
/// How Feast's Python SDK names the classes of the sources we make (it picks the class
/// that reads a source proto by this).
const FILE_SOURCE_CLASS: &str = "feast.infra.offline_stores.file_source.FileSource";
const PUSH_SOURCE_CLASS: &str = "feast.data_source.PushSource";

/// Feast as a backend of `mlops_feature_view` and its data source.
pub struct FeastFeatureStore;

/// The client of the provider's Feast registry, or why there is none (at `at`).
pub(crate) fn client(c: &Clients, at: &str) -> Result<Feast, Diagnostics> {
    c.feast
        .get(AttrPath::attr(at))
        .cloned()
        .map_err(Diagnostics::from)
}

/// The project of a view: its own, or the provider's default.
pub(crate) fn project_of(f: &Feast, own: Option<&str>) -> Result<String, Diagnostic> {
    own.map(String::from)
        .or_else(|| f.project.clone())
        .ok_or_else(|| {
            Diagnostic::error(
                "No Feast project",
                "Set feast.project on the view, or project in the provider's feast block (or FEAST_PROJECT).",
            )
            .at(AttrPath::attrs(["feast", "project"]))
        })
}

/// Feast's value type of one of our type names.
pub(crate) fn value_type(t: &str) -> ValueType {
    match t {
        "Integral" | "Int64" => ValueType::Int64,
        "Fractional" | "Float64" => ValueType::Double,
        "String" => ValueType::String,
        "Int32" => ValueType::Int32,
        "Float32" => ValueType::Float,
        "Bool" => ValueType::Bool,
        "Bytes" => ValueType::Bytes,
        "UnixTimestamp" => ValueType::UnixTimestamp,
        _ => ValueType::Invalid,
    }
}

/// Whether two type names are one Feast type (`Integral` is `Int64`).
pub(crate) fn same_type(a: &str, b: &str) -> bool {
    value_type(a) == value_type(b)
}

/// Our name of a Feast value type, spelled as `prior` spelled it when that is the same type
/// (so `Integral` stays `Integral`).
fn type_name(v: i32, prior: Option<&str>) -> String {
    let vt = ValueType::try_from(v).unwrap_or(ValueType::Invalid);
    if let Some(p) = prior.filter(|p| value_type(p) == vt && vt != ValueType::Invalid) {
        return p.to_string();
    }
    match vt {
        ValueType::Int64 => "Int64",
        ValueType::Double => "Float64",
        ValueType::String => "String",
        ValueType::Int32 => "Int32",
        ValueType::Float => "Float32",
        ValueType::Bool => "Bool",
        ValueType::Bytes => "Bytes",
        ValueType::UnixTimestamp => "UnixTimestamp",
        // a type this resource cannot declare (lists, maps, ...): shown as Feast names it
        other => other.as_str_name(),
    }
    .to_string()
}

const UNITS: [(&str, i64); 5] = [
    ("Weeks", 604_800),
    ("Days", 86_400),
    ("Hours", 3_600),
    ("Minutes", 60),
    ("Seconds", 1),
];

fn unit_seconds(unit: &str) -> i64 {
    UNITS
        .iter()
        .find(|(u, _)| *u == unit)
        .map_or(86_400, |(_, s)| *s)
}

/// The view's TTL in seconds (0: forever).
fn ttl_seconds(o: Option<&OnlineStore>) -> i64 {
    o.and_then(|o| {
        o.ttl_value
            .map(|v| v * unit_seconds(o.ttl_unit.as_deref().unwrap_or("Days")))
    })
    .unwrap_or(0)
}

/// Tags with the marker: what every object we create carries.
fn marked(tags: &BTreeMap<String, String>) -> HashMap<String, String> {
    marked_tags(tags).into_iter().collect()
}

/// Whether an object's tags carry the marker.
pub(crate) fn is_ours(tags: &HashMap<String, String>) -> bool {
    existing(&tags.clone().into_iter().collect()) == Existing::Ours
}

/// Tags without the marker.
fn visible(tags: &HashMap<String, String>) -> BTreeMap<String, String> {
    tags.iter()
        .filter(|(k, _)| k.as_str() != MARKER_TAG)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// What the plan builds in Feast.
pub(crate) struct Objects {
    pub project: String,
    pub entity: pb::Entity,
    /// The file source, then the push source if any.
    pub sources: Vec<pb::DataSource>,
    pub view: pb::FeatureView,
}

/// The names a planned state resolves to.
pub(crate) fn names(s: &FeatureViewState) -> (String, String) {
    let fv = s.feast.as_ref();
    let entity = fv
        .and_then(|f| f.entity.clone())
        .unwrap_or_else(|| s.entity_key.clone());
    let source = fv
        .and_then(|f| f.source.name.clone())
        .unwrap_or_else(|| format!("{}_source", s.name));
    (entity, source)
}

fn spec_of(f: &Feature) -> pb::FeatureSpecV2 {
    pb::FeatureSpecV2 {
        name: f.name.clone(),
        value_type: value_type(&f.r#type) as i32,
        description: f.description.clone().unwrap_or_default(),
        ..Default::default()
    }
}

/// The Feast objects of a planned state (`tags_all` known) in `project`.
pub(crate) fn objects(s: &FeatureViewState, project: &str) -> Objects {
    let fv = s
        .feast
        .clone()
        .unwrap_or_else(|| FeastView::in_project(project));
    let (entity_name, source_name) = names(s);
    let tags = marked(&s.tags_all.clone().unwrap_or_default());
    let owner = fv.owner.clone().unwrap_or_default();
    let key = s.feature.iter().find(|f| f.name == s.entity_key);
    let key_type = key.map_or(ValueType::Int64, |k| value_type(&k.r#type));
    let entity = pb::Entity {
        spec: Some(pb::EntitySpecV2 {
            name: entity_name.clone(),
            project: project.into(),
            value_type: key_type as i32,
            join_key: s.entity_key.clone(),
            tags: marked(&BTreeMap::new()),
            owner: owner.clone(),
            ..Default::default()
        }),
        meta: None,
    };
    let src = &fv.source;
    let file = pb::DataSource {
        name: source_name,
        project: project.into(),
        tags: tags.clone(),
        owner: owner.clone(),
        r#type: data_source::SourceType::BatchFile as i32,
        field_mapping: src
            .field_mapping
            .clone()
            .unwrap_or_default()
            .into_iter()
            .collect(),
        timestamp_field: s.event_time.clone(),
        created_timestamp_column: src.created_timestamp_column.clone().unwrap_or_default(),
        data_source_class_type: FILE_SOURCE_CLASS.into(),
        options: Some(data_source::Options::FileOptions(
            data_source::FileOptions {
                file_format: Some(pb::FileFormat {
                    format: Some(file_format::Format::ParquetFormat(
                        file_format::ParquetFormat {},
                    )),
                }),
                uri: src.path.clone(),
                s3_endpoint_override: src.s3_endpoint_override.clone().unwrap_or_default(),
            },
        )),
        ..Default::default()
    };
    let push = src.push_source_name.as_ref().map(|n| pb::DataSource {
        name: n.clone(),
        project: project.into(),
        tags: tags.clone(),
        owner: owner.clone(),
        r#type: data_source::SourceType::PushSource as i32,
        timestamp_field: file.timestamp_field.clone(),
        created_timestamp_column: file.created_timestamp_column.clone(),
        data_source_class_type: PUSH_SOURCE_CLASS.into(),
        batch_source: Some(Box::new(file.clone())),
        options: Some(data_source::Options::PushOptions(
            data_source::PushOptions {},
        )),
        ..Default::default()
    });
    let online = s
        .online_store
        .as_ref()
        .is_some_and(|o| o.enabled != Some(false));
    let view = pb::FeatureView {
        spec: Some(pb::FeatureViewSpec {
            name: s.name.clone(),
            project: project.into(),
            entities: vec![entity_name],
            features: s
                .feature
                .iter()
                .filter(|f| f.name != s.entity_key)
                .map(spec_of)
                .collect(),
            entity_columns: key.map(spec_of).into_iter().collect(),
            tags,
            ttl: Some(prost_types::Duration {
                seconds: ttl_seconds(s.online_store.as_ref()),
                nanos: 0,
            }),
            batch_source: Some(file.clone()),
            stream_source: push.clone(),
            online,
            description: s.description.clone().unwrap_or_default(),
            owner,
            version: "latest".into(),
            ..Default::default()
        }),
        meta: None,
    };
    Objects {
        project: project.into(),
        entity,
        sources: std::iter::once(file).chain(push).collect(),
        view,
    }
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

/// The TTL as the online store block shows it: in `prior`'s unit when it divides evenly,
/// else the largest unit that does.
fn ttl_back(seconds: i64, prior: Option<&OnlineStore>) -> (Option<i64>, Option<String>) {
    let prior_unit = prior.and_then(|p| p.ttl_unit.clone());
    if seconds <= 0 {
        return (None, prior_unit.or(Some("Days".into())));
    }
    if let Some(u) = prior_unit.as_deref() {
        let per = unit_seconds(u);
        if seconds % per == 0 {
            return (Some(seconds / per), Some(u.to_string()));
        }
    }
    let (u, per) = UNITS
        .iter()
        .find(|(_, per)| seconds % per == 0)
        .copied()
        .unwrap_or(("Seconds", 1));
    (Some(seconds / per), Some(u.to_string()))
}

/// The state a stored feature view shows, in `project`; `prior` supplies what Feast does
/// not store (spellings, `allow_replacement`, which tags came from the provider).
pub(crate) fn state_of(
    v: &pb::FeatureView,
    project: &str,
    defaults: &BTreeMap<String, String>,
    prior: &FeatureViewState,
) -> FeatureViewState {
    let spec = v.spec.clone().unwrap_or_default();
    let prior_type = |n: &str| {
        prior
            .feature
            .iter()
            .find(|f| f.name == n)
            .map(|f| f.r#type.as_str())
    };
    let feature_of = |f: &pb::FeatureSpecV2| Feature {
        r#type: type_name(f.value_type, prior_type(&f.name)),
        description: non_empty(&f.description),
        name: f.name.clone(),
    };
    let mut remote: Vec<Feature> = spec
        .entity_columns
        .iter()
        .chain(spec.features.iter())
        .map(feature_of)
        .collect();
    // Keep the configuration's order.
    let mut ordered: Vec<Feature> = vec![];
    for p in &prior.feature {
        if let Some(i) = remote.iter().position(|r| r.name == p.name) {
            ordered.push(remote.remove(i));
        }
    }
    ordered.extend(remote);
    let entity_key = spec
        .entity_columns
        .first()
        .map(|c| c.name.clone())
        .unwrap_or_else(|| prior.entity_key.clone());
    let batch = spec.batch_source.clone().unwrap_or_default();
    let (path, s3) = match &batch.options {
        Some(data_source::Options::FileOptions(o)) => {
            (o.uri.clone(), non_empty(&o.s3_endpoint_override))
        }
        _ => (String::new(), None),
    };
    let push = spec
        .stream_source
        .as_ref()
        .filter(|s| s.r#type == data_source::SourceType::PushSource as i32)
        .map(|s| s.name.clone());
    let prior_online = prior.online_store.as_ref();
    let ttl = spec.ttl.as_ref().map_or(0, |d| d.seconds);
    let (ttl_value, ttl_unit) = ttl_back(ttl, prior_online);
    let online_store = (spec.online || ttl > 0 || prior_online.is_some()).then(|| OnlineStore {
        enabled: Some(spec.online),
        ttl_value,
        ttl_unit,
        storage_type: prior_online
            .and_then(|p| p.storage_type.clone())
            .or(Some("Standard".into())),
    });
    let tags = visible(&spec.tags);
    let prior_fv = prior.feast.as_ref();
    FeatureViewState {
        name: spec.name.clone(),
        description: non_empty(&spec.description),
        entity_key,
        event_time: batch.timestamp_field.clone(),
        feature: ordered,
        online_store,
        offline_store: None,
        role_arn: None,
        allow_replacement: prior.allow_replacement.or(Some(false)),
        tags: user_tags(&tags, defaults, prior.tags.as_ref()),
        tags_all: Some(tags),
        arn: None,
        offline_store_resolved_s3_uri: None,
        feast: Some(FeastView {
            project: Some(project.to_string()),
            entity: spec.entities.first().cloned(),
            source: FeastSource {
                name: Some(batch.name.clone()),
                path,
                s3_endpoint_override: s3,
                created_timestamp_column: non_empty(&batch.created_timestamp_column),
                field_mapping: (!batch.field_mapping.is_empty()
                    || prior_fv.is_some_and(|p| p.source.field_mapping.is_some()))
                .then(|| batch.field_mapping.clone().into_iter().collect()),
                push_source_name: push,
            },
            owner: non_empty(&spec.owner),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn planned() -> FeatureViewState {
        FeatureViewState {
            name: "customer_stats".into(),
            description: Some("Spend per customer".into()),
            entity_key: "customer_id".into(),
            event_time: "event_timestamp".into(),
            feature: vec![
                Feature {
                    name: "customer_id".into(),
                    r#type: "Integral".into(),
                    description: None,
                },
                Feature {
                    name: "total_spend".into(),
                    r#type: "Fractional".into(),
                    description: Some("sum".into()),
                },
            ],
            online_store: Some(OnlineStore {
                enabled: Some(true),
                ttl_value: Some(36),
                ttl_unit: Some("Hours".into()),
                storage_type: Some("Standard".into()),
            }),
            offline_store: None,
            role_arn: None,
            allow_replacement: Some(false),
            tags: Some(BTreeMap::from([("team".into(), "churn".into())])),
            tags_all: Some(BTreeMap::from([("team".into(), "churn".into())])),
            arn: None,
            offline_store_resolved_s3_uri: None,
            feast: Some(FeastView {
                project: Some("churn".into()),
                entity: Some("customer".into()),
                source: FeastSource {
                    name: Some("customer_stats_source".into()),
                    path: "data/stats.parquet".into(),
                    s3_endpoint_override: None,
                    created_timestamp_column: None,
                    field_mapping: None,
                    push_source_name: Some("customer_stats_push".into()),
                },
                owner: None,
            }),
        }
    }

    #[test]
    fn objects_carry_the_marker_and_read_back_as_planned() {
        let p = planned();
        let o = objects(&p, "churn");
        let spec = o.view.spec.clone().unwrap();
        assert!(is_ours(&spec.tags));
        assert_eq!(spec.entities, vec!["customer"]);
        assert_eq!(spec.entity_columns[0].value_type, ValueType::Int64 as i32);
        assert_eq!(spec.features.len(), 1);
        assert_eq!(spec.ttl.unwrap().seconds, 36 * 3600);
        assert_eq!(o.sources.len(), 2);
        let back = state_of(&o.view, "churn", &BTreeMap::new(), &p);
        assert_eq!(
            serde_json::to_value(&back).unwrap(),
            serde_json::to_value(&p).unwrap()
        );
    }

    #[test]
    fn types_and_ttls_keep_their_spelling() {
        assert!(same_type("Integral", "Int64"));
        assert!(!same_type("Int32", "Int64"));
        assert_eq!(
            type_name(ValueType::Double as i32, Some("Fractional")),
            "Fractional"
        );
        assert_eq!(type_name(ValueType::Double as i32, None), "Float64");
        assert_eq!(
            type_name(ValueType::Double as i32, Some("String")),
            "Float64"
        );
        assert_eq!(ttl_back(86_400 * 14, None), (Some(2), Some("Weeks".into())));
        assert_eq!(ttl_back(90, None), (Some(90), Some("Seconds".into())));
    }
}
