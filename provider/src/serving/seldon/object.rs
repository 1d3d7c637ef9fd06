//! The SeldonDeployment object (machinelearning.seldon.io/v1): the one an endpoint's state
//! describes ([`desired`], applied by server-side apply), the state a live object says
//! ([`observe`]), Seldon's status read as a rollout phase ([`readiness`]), and which model
//! `main` keeps during a canary ([`stable_for`]).

use std::collections::BTreeMap;
use std::sync::LazyLock;

use mlops_framework::Phase;
use serde_json::{json, Map, Value as Json};

use crate::kubernetes::objects::string_map;
use crate::ownership::{MARKER_ANNOTATION, MARKER_VALUE};
use crate::serving::kube_spec::{
    env_from, env_json, fields_of, i64_at, managed, managed_map, observed_model, resources_from,
    resources_json, str_at, Fields, LiveModel, GROUP_ANNOTATION, PACKAGE_ANNOTATION,
};
use crate::serving::model::{EndpointState, SeldonServing, Variant};

/// The predictor serving the stable model (all traffic without a canary).
pub const MAIN: &str = "main";
/// The predictor serving a changed model during a canary.
pub const CANARY: &str = "canary";
/// The shadow predictor.
pub const SHADOW: &str = "shadow";
/// The graph's one node, and its container.
const NODE: &str = "model";

/// Seldon's prepackaged server for each `model_format`.
const SERVERS: [(&str, &str); 6] = [
    ("sklearn", "SKLEARN_SERVER"),
    ("xgboost", "XGBOOST_SERVER"),
    ("mlflow", "MLFLOW_SERVER"),
    ("tensorflow", "TENSORFLOW_SERVER"),
    ("triton", "TRITON_SERVER"),
    ("huggingface", "HUGGINGFACE_SERVER"),
];

fn server_of(format: &str) -> Option<&'static str> {
    SERVERS.iter().find(|(f, _)| *f == format).map(|(_, s)| *s)
}

fn format_of(server: &str) -> Option<&'static str> {
    SERVERS.iter().find(|(_, s)| *s == server).map(|(f, _)| *f)
}

/// The seldon block (the backend runs only when it is set).
pub fn seldon_of(s: &EndpointState) -> &SeldonServing {
    static NONE: LazyLock<SeldonServing> = LazyLock::new(SeldonServing::default);
    s.seldon.as_ref().unwrap_or(&NONE)
}

/// What `main` keeps serving while a canary runs, given the canary share, the prior state's
/// newest and stable artifacts, and the newest artifact now: nothing without a canary (or
/// on create), the prior stable one while the model changes again, the prior newest one
/// when the model changes first. `None` when it would serve the newest anyway.
pub fn stable_for(
    percent: Option<i64>,
    prior_storage: Option<&str>,
    prior_stable: Option<&str>,
    storage: Option<&str>,
) -> Option<String> {
    if !matches!(percent, Some(p) if p < 100) {
        return None;
    }
    let prior_storage = prior_storage?;
    let stable = if Some(prior_storage) == storage {
        prior_stable?
    } else {
        prior_stable.unwrap_or(prior_storage)
    };
    (Some(stable) != storage).then(|| stable.to_string())
}

/// The artifacts a deployment serves: the newest, the stable one during a canary, the
/// shadow's.
#[derive(Debug, Clone, Default)]
pub struct Served {
    pub storage: Option<String>,
    pub stable: Option<String>,
    pub shadow: Option<String>,
}

/// One predictor of the deployment serving `uri`.
fn predictor(s: &EndpointState, name: &str, uri: Option<&str>, extra: Map<String, Json>) -> Json {
    let k = seldon_of(s);
    let m = &s.model;
    let mut graph = Map::new();
    graph.insert("name".into(), NODE.into());
    graph.insert("type".into(), "MODEL".into());
    if m.image.is_none() {
        if let Some(server) = k.model_format.as_deref().and_then(server_of) {
            graph.insert("implementation".into(), server.into());
        }
    }
    if let Some(uri) = uri {
        graph.insert("modelUri".into(), uri.into());
    }
    if let Some(x) = &k.storage_secret_name {
        graph.insert("envSecretRefName".into(), x.clone().into());
    }
    if let Some(x) = &k.service_account_name {
        graph.insert("serviceAccountName".into(), x.clone().into());
    }
    graph.insert("children".into(), json!([]));
    let mut container = Map::new();
    container.insert("name".into(), NODE.into());
    if let Some(image) = &m.image {
        container.insert("image".into(), image.clone().into());
    }
    if let Some(env) = m.environment.as_ref().filter(|e| !e.is_empty()) {
        container.insert("env".into(), env_json(env));
    }
    if let Some(r) = k.resources.as_ref().and_then(resources_json) {
        container.insert("resources".into(), r);
    }
    let mut p = Map::new();
    p.insert("name".into(), name.into());
    p.insert("graph".into(), Json::Object(graph));
    if container.len() > 1 {
        p.insert(
            "componentSpecs".into(),
            json!([{ "spec": { "containers": [Json::Object(container)] } }]),
        );
    }
    if let Some(r) = k.replicas {
        p.insert("replicas".into(), r.into());
    }
    p.extend(extra);
    Json::Object(p)
}

/// The SeldonDeployment this state describes serving `served`, with the provider's marker
/// ([`MARKER_ANNOTATION`], see [`crate::ownership`]) in every apply. No empty strings: a
/// field without a value is left out.
pub fn desired(s: &EndpointState, served: &Served) -> Json {
    let k = seldon_of(s);
    let m = &s.model;
    let newest = served.storage.as_deref();
    let mut predictors = vec![];
    match (&served.stable, k.canary_traffic_percent) {
        (Some(stable), Some(p)) if p < 100 => {
            let mut main = Map::new();
            main.insert("traffic".into(), (100 - p).into());
            predictors.push(predictor(s, MAIN, Some(stable), main));
            let mut canary = Map::new();
            canary.insert("traffic".into(), p.into());
            predictors.push(predictor(s, CANARY, newest, canary));
        }
        _ => {
            let mut main = Map::new();
            main.insert("traffic".into(), 100.into());
            predictors.push(predictor(s, MAIN, newest, main));
        }
    }
    if s.shadow.is_some() {
        let mut shadow = Map::new();
        shadow.insert("shadow".into(), true.into());
        predictors.push(predictor(s, SHADOW, served.shadow.as_deref(), shadow));
    }
    let mut annotations: BTreeMap<String, String> = k.annotations.clone().unwrap_or_default();
    if let Some(g) = &m.model_package_group {
        annotations.insert(GROUP_ANNOTATION.into(), g.clone());
    }
    if let Some(a) = &m.model_package_arn {
        annotations.insert(PACKAGE_ANNOTATION.into(), a.clone());
    }
    annotations.insert(MARKER_ANNOTATION.into(), MARKER_VALUE.into());
    let mut meta = Map::new();
    meta.insert("name".into(), s.name.clone().into());
    meta.insert("namespace".into(), k.namespace.clone().into());
    if let Some(l) = k.labels.as_ref().filter(|l| !l.is_empty()) {
        meta.insert("labels".into(), json!(l));
    }
    meta.insert("annotations".into(), json!(annotations));
    let mut spec = Map::new();
    if let Some(p) = &k.protocol {
        spec.insert("protocol".into(), p.clone().into());
    }
    spec.insert("predictors".into(), Json::Array(predictors));
    json!({
        "apiVersion": "machinelearning.seldon.io/v1",
        "kind": "SeldonDeployment",
        "metadata": Json::Object(meta),
        "spec": Json::Object(spec),
    })
}

/// Seldon's status as a rollout phase: `Target` when `Available` for the current generation
/// (when Seldon reports the generation it observed), `Failed` with its description when
/// `Failed`, `Pending` otherwise.
pub fn readiness(obj: &Json) -> Phase {
    let generation = i64_at(obj, "/metadata/generation");
    let observed = i64_at(obj, "/status/observedGeneration");
    if let (Some(g), Some(o)) = (generation, observed) {
        if o < g {
            return Phase::Pending(format!(
                "waiting for Seldon to observe generation {g} (observed {o})"
            ));
        }
    }
    let description = str_at(obj, "/status/description").unwrap_or("(no description)");
    match str_at(obj, "/status/state") {
        Some("Available") => Phase::Target,
        Some("Failed") => Phase::Failed(description.to_string()),
        Some(state) => Phase::Pending(format!("{state}: {description}")),
        None => Phase::Pending("no status yet".into()),
    }
}

fn predictor_named<'a>(obj: &'a Json, name: &str) -> Option<&'a Json> {
    obj.pointer("/spec/predictors")?
        .as_array()?
        .iter()
        .find(|p| p.get("name").and_then(Json::as_str) == Some(name))
}

fn model_uri(p: Option<&Json>) -> Option<String> {
    p.and_then(|p| str_at(p, "/graph/modelUri"))
        .map(String::from)
}

/// The state as the live object says, for the fields this resource manages (`prior` tells
/// which; an import stub, whose model names no source, takes every field).
pub fn observe(prior: &EndpointState, obj: &Json) -> EndpointState {
    let pk = seldon_of(prior);
    let pm = &prior.model;
    let fields = fields_of(pm);
    let import = fields == Fields::All;
    let main = predictor_named(obj, MAIN);
    let canary = predictor_named(obj, CANARY);
    let shadow = predictor_named(obj, SHADOW);
    let newest = canary.or(main);
    let storage = model_uri(newest);
    let stable = canary.and(model_uri(main));
    let container = main.and_then(|p| p.pointer("/componentSpecs/0/spec/containers/0"));
    let annotations = string_map(obj.pointer("/metadata/annotations"));
    let model = observed_model(
        pm,
        LiveModel {
            annotations: &annotations,
            image: container.and_then(|c| str_at(c, "/image")),
            storage: storage.clone(),
            env: env_from(container.and_then(|c| c.get("env"))),
        },
    );
    let shadow_variant = match (&prior.shadow, shadow) {
        (Some(ps), Some(live)) => Some(Variant {
            model_data_url: model_uri(Some(live)),
            ..ps.clone()
        }),
        (None, Some(live)) if import => Some(Variant {
            name: Some(SHADOW.into()),
            weight: Some(1.0),
            model_data_url: model_uri(Some(live)),
            ..Default::default()
        }),
        _ => None,
    };
    let graph = |p: &str| main.and_then(|m| str_at(m, &format!("/graph/{p}")));
    let seldon = SeldonServing {
        namespace: pk.namespace.clone(),
        model_format: graph("implementation")
            .and_then(format_of)
            .map(String::from),
        protocol: managed(
            &pk.protocol,
            str_at(obj, "/spec/protocol").map(String::from),
            fields,
        ),
        replicas: managed(
            &pk.replicas,
            main.and_then(|m| i64_at(m, "/replicas")),
            fields,
        ),
        resources: managed(
            &pk.resources,
            resources_from(
                container.and_then(|c| c.get("resources")),
                pk.resources.as_ref(),
            ),
            fields,
        ),
        storage_secret_name: managed(
            &pk.storage_secret_name,
            graph("envSecretRefName").map(String::from),
            fields,
        ),
        service_account_name: managed(
            &pk.service_account_name,
            graph("serviceAccountName").map(String::from),
            fields,
        ),
        // the share of a running canary; without one, the setting for the next rollout
        canary_traffic_percent: match canary {
            Some(c) => i64_at(c, "/traffic").or(pk.canary_traffic_percent),
            None => pk.canary_traffic_percent,
        },
        labels: managed_map(
            &pk.labels,
            string_map(obj.pointer("/metadata/labels")),
            fields,
        ),
        annotations: managed_map(&pk.annotations, annotations.clone(), fields),
        force_conflicts: pk.force_conflicts.or(Some(false)),
        storage_uri: storage,
        stable_storage_uri: stable,
        url: str_at(obj, "/status/address/url").map(String::from),
        ready: Some(readiness(obj) == Phase::Target),
    };
    EndpointState {
        name: prior.name.clone(),
        model,
        shadow: shadow_variant,
        seldon: Some(seldon),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn main_keeps_the_last_promoted_model_during_canaries() {
        let (v1, v2, v3) = (Some("s3://m/1"), Some("s3://m/2"), Some("s3://m/3"));
        // create: nothing to keep
        assert_eq!(stable_for(Some(20), None, None, v1), None);
        // first change with a canary: main keeps v1
        assert_eq!(stable_for(Some(20), v1, None, v2).as_deref(), v1);
        // the canary runs on (same model), then another change: main still keeps v1
        assert_eq!(stable_for(Some(20), v2, v1, v2).as_deref(), v1);
        assert_eq!(stable_for(Some(20), v2, v1, v3).as_deref(), v1);
        // back to the stable model: no canary
        assert_eq!(stable_for(Some(20), v2, v1, v1), None);
        // promoted (setting removed or 100)
        assert_eq!(stable_for(None, v2, v1, v2), None);
        assert_eq!(stable_for(Some(100), v2, v1, v2), None);
        // no canary setting: a change goes to all traffic
        assert_eq!(stable_for(None, v1, None, v2), None);
    }

    #[test]
    fn readiness_follows_the_generation_and_the_state() {
        let obj = |g: i64, o: i64, state: &str| json!({"metadata": {"generation": g}, "status": {"observedGeneration": o, "state": state, "description": "Deployment churn-main failed: ImagePullBackOff"}});
        assert_eq!(readiness(&obj(2, 2, "Available")), Phase::Target);
        assert!(matches!(
            readiness(&obj(2, 1, "Available")),
            Phase::Pending(_)
        ));
        assert!(matches!(
            readiness(&obj(2, 2, "Creating")),
            Phase::Pending(_)
        ));
        assert_eq!(
            readiness(&obj(2, 2, "Failed")),
            Phase::Failed("Deployment churn-main failed: ImagePullBackOff".into())
        );
        assert!(matches!(
            readiness(&json!({"metadata": {"generation": 1}})),
            Phase::Pending(_)
        ));
    }
}
