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
use crate::serving::kube_checks::ANNOTATION_PREFIX;
use crate::serving::model::{
    EndpointState, KubeResources, KubernetesServing, Probe, Variant, DEFAULT_VARIANT,
};

const GROUP_ANNOTATION: &str = "mlops.terraform.io/model-package-group";
const PACKAGE_ANNOTATION: &str = "mlops.terraform.io/model-package-arn";
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

// ------------------------------------------------------------------------ the object

fn probe_json(p: &Probe, default_port: Option<i64>) -> Json {
    let port = p.port.or(default_port).unwrap_or(8080);
    let mut o = Map::new();
    match &p.path {
        Some(path) => o.insert("httpGet".into(), json!({ "path": path, "port": port })),
        None => o.insert("tcpSocket".into(), json!({ "port": port })),
    };
    for (k, v) in [
        ("initialDelaySeconds", p.initial_delay_seconds),
        ("periodSeconds", p.period_seconds),
        ("timeoutSeconds", p.timeout_seconds),
        ("failureThreshold", p.failure_threshold),
    ] {
        if let Some(v) = v {
            o.insert(k.into(), v.into());
        }
    }
    Json::Object(o)
}

fn resources_json(r: &KubeResources) -> Option<Json> {
    let mut requests = Map::new();
    let mut limits = Map::new();
    let gpu_name = r.gpu_resource.as_deref().unwrap_or("nvidia.com/gpu");
    for (limit, key, v) in [
        (false, "cpu", &r.cpu),
        (false, "memory", &r.memory),
        (true, "cpu", &r.cpu_limit),
        (true, "memory", &r.memory_limit),
    ] {
        if let Some(v) = v {
            let map = if limit { &mut limits } else { &mut requests };
            map.insert(key.into(), v.clone().into());
        }
    }
    if let Some(g) = r.gpu {
        requests.insert(gpu_name.into(), g.to_string().into());
        limits.insert(gpu_name.into(), g.to_string().into());
    }
    let mut o = Map::new();
    if !requests.is_empty() {
        o.insert("requests".into(), Json::Object(requests));
    }
    if !limits.is_empty() {
        o.insert("limits".into(), Json::Object(limits));
    }
    (!o.is_empty()).then_some(Json::Object(o))
}

fn env_json(env: &BTreeMap<String, String>) -> Json {
    Json::Array(
        env.iter()
            .map(|(k, v)| json!({ "name": k, "value": v }))
            .collect(),
    )
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

fn str_at<'a>(j: &'a Json, p: &str) -> Option<&'a str> {
    j.pointer(p).and_then(Json::as_str)
}

/// Which fields of the live object a read takes into state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fields {
    /// Those the prior state manages (a refresh).
    Managed,
    /// All of them (an import stub manages none yet).
    All,
}

/// `live` when the field is managed (the prior state has it, or every field is taken).
fn managed<T>(prior: &Option<T>, live: Option<T>, fields: Fields) -> Option<T> {
    if prior.is_some() || fields == Fields::All {
        live
    } else {
        None
    }
}

fn i64_at(j: &Json, p: &str) -> Option<i64> {
    j.pointer(p).and_then(Json::as_i64)
}

/// Keys of `live` that this resource manages: those it had, or all (but the provider's own
/// and kubectl's) on import. `None` when nothing was managed.
fn managed_map(
    prior: &Option<BTreeMap<String, String>>,
    live: BTreeMap<String, String>,
    fields: Fields,
) -> Option<BTreeMap<String, String>> {
    match prior {
        Some(p) => Some(
            live.into_iter()
                .filter(|(k, _)| p.contains_key(k))
                .collect(),
        ),
        None if fields == Fields::All => {
            let m: BTreeMap<String, String> = live
                .into_iter()
                .filter(|(k, _)| {
                    !k.starts_with(ANNOTATION_PREFIX) && !k.starts_with("kubectl.kubernetes.io/")
                })
                .collect();
            (!m.is_empty()).then_some(m)
        }
        None => None,
    }
}

fn probe_from(j: Option<&Json>, container_port: Option<i64>) -> Option<Probe> {
    let j = j?;
    let port = i64_at(j, "/httpGet/port").or_else(|| i64_at(j, "/tcpSocket/port"));
    Some(Probe {
        path: str_at(j, "/httpGet/path").map(String::from),
        // The container's port is the default: keep it implicit.
        port: port.filter(|p| Some(*p) != container_port),
        initial_delay_seconds: i64_at(j, "/initialDelaySeconds"),
        period_seconds: i64_at(j, "/periodSeconds"),
        timeout_seconds: i64_at(j, "/timeoutSeconds"),
        failure_threshold: i64_at(j, "/failureThreshold"),
    })
}

fn resources_from(j: Option<&Json>, prior: Option<&KubeResources>) -> Option<KubeResources> {
    let j = j?;
    let gpu_name = prior
        .and_then(|p| p.gpu_resource.clone())
        .unwrap_or_else(|| "nvidia.com/gpu".into());
    let quantity_at = |p: &str| str_at(j, p).map(String::from);
    let gpu_path = format!("/limits/{}", gpu_name.replace('~', "~0").replace('/', "~1"));
    let r = KubeResources {
        cpu: quantity_at("/requests/cpu"),
        memory: quantity_at("/requests/memory"),
        cpu_limit: quantity_at("/limits/cpu"),
        memory_limit: quantity_at("/limits/memory"),
        gpu: j.pointer(&gpu_path).and_then(|g| match g {
            Json::String(s) => s.parse().ok(),
            other => other.as_i64(),
        }),
        gpu_resource: Some(gpu_name),
    };
    Some(r)
}

fn env_from(j: Option<&Json>) -> BTreeMap<String, String> {
    j.and_then(Json::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|e| {
                    Some((
                        e.get("name")?.as_str()?.to_string(),
                        e.get("value")
                            .and_then(Json::as_str)
                            .unwrap_or_default()
                            .to_string(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The state as the live object says, for the fields this resource manages (`prior` tells
/// which; an import stub, whose model names no source, takes every field).
pub fn observe(prior: &EndpointState, obj: &Json) -> EndpointState {
    let pk = kube_of(prior);
    let pm = &prior.model;
    let import = pm.model_package_group.is_none()
        && pm.model_package_arn.is_none()
        && pm.image.is_none()
        && pm.model_data_url.is_none();
    let fields = if import { Fields::All } else { Fields::Managed };
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
    let package_arn = annotations.get(PACKAGE_ANNOTATION).cloned();
    let from_registry = if import {
        package_arn.is_some()
    } else {
        pm.model_package_arn.is_some() || pm.model_package_group.is_some()
    };
    let container_port = container.and_then(|c| i64_at(c, "/ports/0/containerPort"));
    let model = Variant {
        name: pm
            .name
            .clone()
            .or_else(|| import.then(|| DEFAULT_VARIANT.into())),
        weight: pm.weight.or(import.then_some(1.0)),
        model_package_group: if import {
            annotations.get(GROUP_ANNOTATION).cloned()
        } else {
            pm.model_package_group.clone()
        },
        model_package_arn: if from_registry {
            package_arn.or_else(|| pm.model_package_arn.clone())
        } else {
            None
        },
        image: container
            .and_then(|c| str_at(c, "/image"))
            .map(String::from),
        model_data_url: if from_registry { None } else { storage.clone() },
        environment: managed(&pm.environment, Some(env).filter(|e| !e.is_empty()), fields),
        ..Default::default()
    };
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
