//! The InferenceService object (serving.kserve.io/v1beta1): the one an endpoint's state
//! describes ([`desired`], applied by server-side apply) and the state a live object says
//! ([`observe`], for the fields this resource manages).

use std::collections::BTreeMap;
use std::sync::LazyLock;

use mlops_framework::Phase;
use serde_json::{json, Map, Value as Json};

use super::readiness::readiness;
use crate::kubernetes::objects::string_map;
use crate::ownership::{MARKER_ANNOTATION, MARKER_VALUE};
use crate::serving::kube_spec::{
    env_from, env_json, fields_of, i64_at, managed, managed_map, observed_model, probe_from,
    probe_json, resources_from, resources_json, str_at, LiveModel, GROUP_ANNOTATION,
    PACKAGE_ANNOTATION,
};
use crate::serving::model::{EndpointState, KubernetesServing};

/// Name of the predictor container of a custom image (KServe's convention).
const CONTAINER_NAME: &str = "kserve-container";
/// The environment variable that makes KServe download a custom container's artifact.
const STORAGE_URI_ENV: &str = "STORAGE_URI";

/// The kubernetes block (the backend runs only when it is set; an empty block would make
/// the API server reject the call, never a panic).
pub fn kube_of(s: &EndpointState) -> &KubernetesServing {
    static NONE: LazyLock<KubernetesServing> = LazyLock::new(KubernetesServing::default);
    s.kubernetes.as_ref().unwrap_or(&NONE)
}

/// The InferenceService this state describes (`storage`: the resolved artifact), with the
/// provider's marker ([`MARKER_ANNOTATION`], see [`crate::ownership`]) in every apply.
pub fn desired(s: &EndpointState, storage: Option<&str>) -> Json {
    let k = kube_of(s);
    let m = &s.model;
    let mut predictor = Map::new();
    for (key, v) in [
        ("minReplicas", k.min_replicas),
        ("maxReplicas", k.max_replicas),
        ("scaleTarget", k.scale_target),
        ("canaryTrafficPercent", k.canary_traffic_percent),
    ] {
        if let Some(v) = v {
            predictor.insert(key.into(), v.into());
        }
    }
    if let Some(x) = &k.scale_metric {
        predictor.insert("scaleMetric".into(), x.clone().into());
    }
    if let Some(x) = &k.service_account_name {
        predictor.insert("serviceAccountName".into(), x.clone().into());
    }
    let mut env = m.environment.clone().unwrap_or_default();
    if let Some(image) = &m.image {
        if let Some(uri) = storage {
            env.insert(STORAGE_URI_ENV.into(), uri.into());
        }
        let mut c = Map::new();
        c.insert("name".into(), CONTAINER_NAME.into());
        c.insert("image".into(), image.clone().into());
        if let Some(p) = k.port {
            c.insert(
                "ports".into(),
                json!([{ "containerPort": p, "protocol": "TCP" }]),
            );
        }
        if let Some(x) = &k.command {
            c.insert("command".into(), json!(x));
        }
        if let Some(x) = &k.args {
            c.insert("args".into(), json!(x));
        }
        if !env.is_empty() {
            c.insert("env".into(), env_json(&env));
        }
        if let Some(p) = &k.readiness_probe {
            c.insert("readinessProbe".into(), probe_json(p, k.port));
        }
        if let Some(p) = &k.liveness_probe {
            c.insert("livenessProbe".into(), probe_json(p, k.port));
        }
        if let Some(r) = k.resources.as_ref().and_then(resources_json) {
            c.insert("resources".into(), r);
        }
        predictor.insert("containers".into(), json!([Json::Object(c)]));
    } else {
        let mut model = Map::new();
        let mut format = Map::new();
        if let Some(f) = &k.model_format {
            format.insert("name".into(), f.clone().into());
        }
        if let Some(v) = &k.model_format_version {
            format.insert("version".into(), v.clone().into());
        }
        model.insert("modelFormat".into(), Json::Object(format));
        if let Some(r) = &k.runtime {
            model.insert("runtime".into(), r.clone().into());
        }
        if let Some(uri) = storage {
            model.insert("storageUri".into(), uri.into());
        }
        if !env.is_empty() {
            model.insert("env".into(), env_json(&env));
        }
        if let Some(r) = k.resources.as_ref().and_then(resources_json) {
            model.insert("resources".into(), r);
        }
        predictor.insert("model".into(), Json::Object(model));
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
    if let Some(l) = &k.labels {
        meta.insert("labels".into(), json!(l));
    }
    if !annotations.is_empty() {
        meta.insert("annotations".into(), json!(annotations));
    }
    json!({
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": Json::Object(meta),
        "spec": { "predictor": Json::Object(predictor) },
    })
}

// ------------------------------------------------------------------------- reading back

/// The state as the live object says, for the fields this resource manages (`prior` tells
/// which; an import stub, whose model names no source, takes every field).
pub fn observe(prior: &EndpointState, obj: &Json) -> EndpointState {
    let pk = kube_of(prior);
    let pm = &prior.model;
    let fields = fields_of(pm);
    let pred = obj
        .pointer("/spec/predictor")
        .cloned()
        .unwrap_or(Json::Null);
    let container = pred.pointer("/containers/0");
    let model_spec = pred.get("model");
    let annotations = string_map(obj.pointer("/metadata/annotations"));
    let mut env = env_from(container.or(model_spec).and_then(|c| c.get("env")));
    let storage = match container {
        Some(_) => env.remove(STORAGE_URI_ENV),
        None => model_spec
            .and_then(|m| str_at(m, "/storageUri"))
            .map(String::from),
    };
    let container_port = container.and_then(|c| i64_at(c, "/ports/0/containerPort"));
    let model = observed_model(
        pm,
        LiveModel {
            annotations: &annotations,
            image: container.and_then(|c| str_at(c, "/image")),
            storage: storage.clone(),
            env,
        },
    );
    let fmt = model_spec.and_then(|m| m.get("modelFormat"));
    let res_json = container.or(model_spec).and_then(|c| c.get("resources"));
    let kube = KubernetesServing {
        namespace: pk.namespace.clone(),
        model_format: fmt.and_then(|f| str_at(f, "/name")).map(String::from),
        model_format_version: managed(
            &pk.model_format_version,
            fmt.and_then(|f| str_at(f, "/version")).map(String::from),
            fields,
        ),
        runtime: managed(
            &pk.runtime,
            model_spec
                .and_then(|m| str_at(m, "/runtime"))
                .map(String::from),
            fields,
        ),
        port: managed(&pk.port, container_port, fields),
        command: managed(
            &pk.command,
            container.and_then(|c| serde_json::from_value(c.get("command")?.clone()).ok()),
            fields,
        ),
        args: managed(
            &pk.args,
            container.and_then(|c| serde_json::from_value(c.get("args")?.clone()).ok()),
            fields,
        ),
        readiness_probe: managed(
            &pk.readiness_probe,
            probe_from(
                container.and_then(|c| c.get("readinessProbe")),
                container_port,
            ),
            fields,
        ),
        liveness_probe: managed(
            &pk.liveness_probe,
            probe_from(
                container.and_then(|c| c.get("livenessProbe")),
                container_port,
            ),
            fields,
        ),
        resources: managed(
            &pk.resources,
            resources_from(res_json, pk.resources.as_ref()),
            fields,
        ),
        min_replicas: managed(&pk.min_replicas, i64_at(&pred, "/minReplicas"), fields),
        max_replicas: managed(&pk.max_replicas, i64_at(&pred, "/maxReplicas"), fields),
        scale_metric: managed(
            &pk.scale_metric,
            str_at(&pred, "/scaleMetric").map(String::from),
            fields,
        ),
        scale_target: managed(&pk.scale_target, i64_at(&pred, "/scaleTarget"), fields),
        canary_traffic_percent: managed(
            &pk.canary_traffic_percent,
            i64_at(&pred, "/canaryTrafficPercent"),
            fields,
        ),
        service_account_name: managed(
            &pk.service_account_name,
            str_at(&pred, "/serviceAccountName").map(String::from),
            fields,
        ),
        labels: managed_map(
            &pk.labels,
            string_map(obj.pointer("/metadata/labels")),
            fields,
        ),
        annotations: managed_map(&pk.annotations, annotations.clone(), fields),
        force_conflicts: pk.force_conflicts.or(Some(false)),
        storage_uri: storage,
        url: str_at(obj, "/status/url").map(String::from),
        latest_ready_revision: str_at(obj, "/status/components/predictor/latestReadyRevision")
            .map(String::from),
        ready: Some(readiness(obj) == Phase::Target),
    };
    EndpointState {
        name: prior.name.clone(),
        model,
        kubernetes: Some(kube),
        ..Default::default()
    }
}
