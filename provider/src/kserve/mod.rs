//! The Kubernetes backend of `mlops_endpoint`: a KServe `InferenceService`
//! (serving.kserve.io/v1beta1) applied with server-side apply under our own field manager,
//! waited for until its `Ready` condition holds for the applied generation, read back for
//! the fields this resource manages (drift), imported by `namespace/name`, deleted and
//! waited for until gone. `endpoint.rs` only dispatches here when the `kubernetes` block is
//! set.

mod validate;

use std::collections::BTreeMap;
use std::sync::LazyLock;

use kube::api::{Api, ApiResource, DeleteParams, DynamicObject, Patch, PatchParams};
use mlops_framework::{
    wait_for, AttrPath, Backoff, Check, Ctx, Diagnostic, Diagnostics, Failure, PathStep, PlanCtx,
    Value,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value as Json};

use crate::aws::{api_error, Clients};
use crate::kubernetes::{Kube, FIELD_MANAGER};
use crate::resources::endpoint::{EndpointState, Variant};

pub use validate::validate;

/// Annotations the provider keeps on the InferenceService (the registry version served).
const ANNOTATION_PREFIX: &str = "mlops.terraform.io/";
const GROUP_ANNOTATION: &str = "mlops.terraform.io/model-package-group";
const PACKAGE_ANNOTATION: &str = "mlops.terraform.io/model-package-arn";
/// Name of the predictor container of a custom image (KServe's convention).
const CONTAINER_NAME: &str = "kserve-container";
/// The environment variable that makes KServe download a custom container's artifact.
const STORAGE_URI_ENV: &str = "STORAGE_URI";

/// A readiness or liveness probe of a custom container: an HTTP GET of `path`, or a TCP
/// connection when `path` is not set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Probe {
    /// HTTP path, e.g. `/v2/health/ready`. Without it, the probe opens a TCP connection.
    #[schemars(regex(pattern = r"^/\S*$"))]
    pub path: Option<String>,
    /// Port probed (default: the container's `port`).
    #[schemars(range(min = 1, max = 65535))]
    pub port: Option<i64>,
    /// Seconds after the container starts before the first probe.
    #[schemars(range(min = 0, max = 3600))]
    pub initial_delay_seconds: Option<i64>,
    /// Seconds between probes.
    #[schemars(range(min = 1, max = 3600))]
    pub period_seconds: Option<i64>,
    /// Seconds a probe may take.
    #[schemars(range(min = 1, max = 3600))]
    pub timeout_seconds: Option<i64>,
    /// Consecutive failures before the container counts as not ready (or is restarted).
    #[schemars(range(min = 1, max = 1000))]
    pub failure_threshold: Option<i64>,
}

/// Compute requested and capped for the predictor container, as Kubernetes quantities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct KubeResources {
    /// CPU requested, e.g. `500m` or `2`.
    pub cpu: Option<String>,
    /// Memory requested, e.g. `512Mi` or `2Gi`.
    pub memory: Option<String>,
    /// CPU limit.
    pub cpu_limit: Option<String>,
    /// Memory limit.
    pub memory_limit: Option<String>,
    /// GPUs (requested and limited alike).
    #[schemars(range(min = 0, max = 64))]
    pub gpu: Option<i64>,
    /// Extended resource name of the GPUs.
    #[schemars(extend("x-tf-default" = "nvidia.com/gpu"))]
    #[schemars(regex(
        pattern = r"^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$"
    ))]
    pub gpu_resource: Option<String>,
}

/// Serve on Kubernetes with KServe instead of SageMaker: the endpoint becomes an
/// `InferenceService` (serving.kserve.io/v1beta1) in `namespace`, applied by server-side
/// apply with the field manager `terraform-provider-mlops`. `model` then says what is
/// served: `model_package_group` / `model_package_arn` (the registry version's artifact
/// becomes the predictor's `storageUri`) or `model_data_url`, each with `model_format`; or
/// `image` (a custom container, with `environment`, `port`, `command`, `args` and probes;
/// `model_data_url` becomes its `STORAGE_URI`). SageMaker-only settings (`role_arn`,
/// `instance_type`, `variant`, `shadow`, `rollout`, ...) do not apply.
///
/// Apply waits until the InferenceService is `Ready` for the applied generation; a rollout
/// that reports `Ready=False` (or is not Ready within the timeout) fails with the
/// condition's reason and message, and the next plan proposes to apply again.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct KubernetesServing {
    /// Namespace of the InferenceService (it must exist). Changing it replaces the endpoint.
    #[schemars(
        regex(pattern = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"),
        length(min = 1, max = 63)
    )]
    #[schemars(extend("x-tf" = ["requires_replace"]))]
    pub namespace: String,
    /// Model format for a KServe serving runtime, e.g. `sklearn`, `xgboost`, `lightgbm`,
    /// `tensorflow`, `pytorch`, `onnx`, `huggingface`, `mlflow`. Required unless `image` is
    /// set.
    #[schemars(regex(pattern = r"^[a-zA-Z0-9][-a-zA-Z0-9_.]*$"), length(max = 63))]
    pub model_format: Option<String>,
    /// Version of the model format, e.g. `1`.
    pub model_format_version: Option<String>,
    /// Serving runtime to use (default: one KServe picks for the format).
    #[schemars(regex(pattern = r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$"))]
    pub runtime: Option<String>,
    /// Port the custom container listens on.
    #[schemars(range(min = 1, max = 65535))]
    pub port: Option<i64>,
    /// Entrypoint of the custom container (replaces the image's).
    pub command: Option<Vec<String>>,
    /// Arguments of the custom container.
    pub args: Option<Vec<String>>,
    /// Readiness probe of the custom container.
    #[schemars(extend("x-tf" = ["block"]))]
    pub readiness_probe: Option<Probe>,
    /// Liveness probe of the custom container.
    #[schemars(extend("x-tf" = ["block"]))]
    pub liveness_probe: Option<Probe>,
    /// CPU, memory and GPUs of the predictor.
    #[schemars(extend("x-tf" = ["block"]))]
    pub resources: Option<KubeResources>,
    /// Fewest replicas (0 lets KServe scale to zero).
    #[schemars(range(min = 0, max = 1000))]
    pub min_replicas: Option<i64>,
    /// Most replicas.
    #[schemars(range(min = 1, max = 1000))]
    pub max_replicas: Option<i64>,
    /// Metric the autoscaler tracks: `concurrency`, `rps`, `cpu` or `memory`.
    #[schemars(extend("enum" = ["concurrency", "rps", "cpu", "memory"]))]
    pub scale_metric: Option<String>,
    /// Target of `scale_metric` per replica (requests, requests per second, or percent).
    #[schemars(range(min = 1, max = 1000000))]
    pub scale_target: Option<i64>,
    /// Canary rollout: the share (percent) of traffic the new revision gets on an update;
    /// the previous revision keeps the rest until this is raised to 100 or removed.
    #[schemars(range(min = 0, max = 100))]
    pub canary_traffic_percent: Option<i64>,
    /// Service account of the predictor pods (e.g. one with access to the model storage).
    #[schemars(
        regex(pattern = r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$"),
        length(max = 253)
    )]
    pub service_account_name: Option<String>,
    /// Labels of the InferenceService.
    pub labels: Option<BTreeMap<String, String>>,
    /// Annotations of the InferenceService (keys under `mlops.terraform.io/` are the
    /// provider's).
    pub annotations: Option<BTreeMap<String, String>>,
    /// Take over fields another field manager owns instead of failing with a conflict.
    #[schemars(extend("x-tf-default" = false))]
    pub force_conflicts: Option<bool>,
    /// The model artifact the predictor loads (`storageUri`, or `STORAGE_URI` of a custom
    /// container): `model_data_url`, or the artifact of the registry version.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub storage_uri: Option<String>,
    /// URL of the InferenceService, once KServe reports it.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub url: Option<String>,
    /// Latest ready revision of the predictor.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub latest_ready_revision: Option<String>,
    /// Whether the InferenceService was Ready for its current spec when last read. When it
    /// is not, the next plan proposes to apply (and wait) again.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub ready: Option<bool>,
}

/// True when the configuration (or state) uses the Kubernetes backend.
pub fn is_kube(v: &Value) -> bool {
    !v.attr("kubernetes").is_null()
}

fn resource() -> ApiResource {
    ApiResource {
        group: "serving.kserve.io".into(),
        version: "v1beta1".into(),
        api_version: "serving.kserve.io/v1beta1".into(),
        kind: "InferenceService".into(),
        plural: "inferenceservices".into(),
    }
}

/// The kubernetes block (endpoint.rs dispatches here only when it is set; an empty block
/// would make the API server reject the call, never a panic).
fn kube_of(s: &EndpointState) -> &KubernetesServing {
    static NONE: LazyLock<KubernetesServing> = LazyLock::new(KubernetesServing::default);
    s.kubernetes.as_ref().unwrap_or(&NONE)
}

fn subject(s: &EndpointState) -> String {
    format!("InferenceService {}/{}", kube_of(s).namespace, s.name)
}

// ------------------------------------------------------------------------------- plan

/// Plan of a Kubernetes endpoint: no SageMaker names, alarms or tags; the storage URI is
/// known when it follows from the configuration or the served version did not change; a
/// last read that was not Ready plans another apply.
pub fn modify_plan(plan: &mut PlanCtx<'_, Clients>) {
    let Some(o) = plan.planned.as_object_mut() else {
        return;
    };
    for k in ["arn", "endpoint_config_name", "alarm_names", "tags_all"] {
        o.insert(k.into(), Value::Null);
    }
    if let Some(m) = plan
        .planned
        .get_path_mut(&AttrPath::attr("model"))
        .and_then(Value::as_object_mut)
    {
        m.insert("model_name".into(), Value::Null);
    }
    let model = plan.planned.attr("model").clone();
    let prior_kube = plan.prior.attr("kubernetes").clone();
    let storage = if !model.attr("model_data_url").is_null() || !model.attr("image").is_null() {
        model.attr("model_data_url").clone()
    } else {
        let arn = model.attr("model_package_arn");
        let same = !arn.is_unknown()
            && arn.semantic_eq(plan.prior.attr("model").attr("model_package_arn"));
        match prior_kube.attr("storage_uri") {
            s @ Value::String(_) if same => s.clone(),
            _ => Value::UNKNOWN,
        }
    };
    let creating = plan.prior.is_null();
    let retry = !creating && prior_kube.attr("ready").as_bool() == Some(false);
    if let Some(k) = plan
        .planned
        .get_path_mut(&AttrPath::attr("kubernetes"))
        .and_then(Value::as_object_mut)
    {
        k.insert("storage_uri".into(), storage);
        if retry {
            // The last rollout did not become Ready: apply and wait again.
            k.insert("ready".into(), Value::UNKNOWN);
        }
    }
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

/// The InferenceService this state describes (`storage`: the resolved artifact).
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

/// What a live object says about readiness for its current generation.
#[derive(Debug, PartialEq)]
enum Readiness {
    Ready,
    Failed { reason: String, message: String },
    Pending(String),
}

fn condition<'a>(obj: &'a Json, ty: &str) -> Option<&'a Json> {
    obj.pointer("/status/conditions")?
        .as_array()?
        .iter()
        .find(|c| c.get("type").and_then(Json::as_str) == Some(ty))
}

fn str_at<'a>(j: &'a Json, p: &str) -> Option<&'a str> {
    j.pointer(p).and_then(Json::as_str)
}

fn readiness(obj: &Json) -> Readiness {
    let generation = obj.pointer("/metadata/generation").and_then(Json::as_i64);
    let observed = obj
        .pointer("/status/observedGeneration")
        .and_then(Json::as_i64);
    if let (Some(g), o) = (generation, observed) {
        if o.unwrap_or(0) < g {
            return Readiness::Pending(format!(
                "waiting for KServe to observe generation {g} (observed {})",
                o.map(|o| o.to_string()).unwrap_or_else(|| "none".into())
            ));
        }
    }
    let Some(c) = condition(obj, "Ready") else {
        return Readiness::Pending("no Ready condition yet".into());
    };
    let reason = c
        .get("reason")
        .and_then(Json::as_str)
        .unwrap_or_default()
        .to_string();
    let message = c
        .get("message")
        .and_then(Json::as_str)
        .unwrap_or_default()
        .to_string();
    match c.get("status").and_then(Json::as_str) {
        Some("True") => Readiness::Ready,
        Some("False") => Readiness::Failed { reason, message },
        _ => Readiness::Pending(format!(
            "Ready=Unknown{}{}",
            if reason.is_empty() {
                String::new()
            } else {
                format!(" ({reason})")
            },
            if message.is_empty() {
                String::new()
            } else {
                format!(": {message}")
            }
        )),
    }
}

fn managed<T>(prior: &Option<T>, live: Option<T>, import: bool) -> Option<T> {
    if prior.is_some() || import {
        live
    } else {
        None
    }
}

fn i64_at(j: &Json, p: &str) -> Option<i64> {
    j.pointer(p).and_then(Json::as_i64)
}

fn string_map(j: Option<&Json>) -> BTreeMap<String, String> {
    j.and_then(Json::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let s = match v {
                        Json::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    (k.clone(), s)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Keys of `live` that this resource manages: those it had, or all (but the provider's own
/// and kubectl's) on import. `None` when nothing was managed.
fn managed_map(
    prior: &Option<BTreeMap<String, String>>,
    live: BTreeMap<String, String>,
    import: bool,
) -> Option<BTreeMap<String, String>> {
    match prior {
        Some(p) => Some(
            live.into_iter()
                .filter(|(k, _)| p.contains_key(k))
                .collect(),
        ),
        None if import => {
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
    let q = |p: &str| str_at(j, p).map(String::from);
    let gpu_path = format!("/limits/{}", gpu_name.replace('~', "~0").replace('/', "~1"));
    let r = KubeResources {
        cpu: q("/requests/cpu"),
        memory: q("/requests/memory"),
        cpu_limit: q("/limits/cpu"),
        memory_limit: q("/limits/memory"),
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
fn observe(prior: &EndpointState, obj: &Json) -> EndpointState {
    let pk = kube_of(prior);
    let pm = &prior.model;
    let import = pm.model_package_group.is_none()
        && pm.model_package_arn.is_none()
        && pm.image.is_none()
        && pm.model_data_url.is_none();
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
        name: pm.name.clone().or_else(|| import.then(|| "primary".into())),
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
        environment: managed(&pm.environment, Some(env).filter(|e| !e.is_empty()), import),
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
            import,
        ),
        runtime: managed(
            &pk.runtime,
            model_spec
                .and_then(|m| str_at(m, "/runtime"))
                .map(String::from),
            import,
        ),
        port: managed(&pk.port, container_port, import),
        command: managed(
            &pk.command,
            container.and_then(|c| serde_json::from_value(c.get("command")?.clone()).ok()),
            import,
        ),
        args: managed(
            &pk.args,
            container.and_then(|c| serde_json::from_value(c.get("args")?.clone()).ok()),
            import,
        ),
        readiness_probe: managed(
            &pk.readiness_probe,
            probe_from(
                container.and_then(|c| c.get("readinessProbe")),
                container_port,
            ),
            import,
        ),
        liveness_probe: managed(
            &pk.liveness_probe,
            probe_from(
                container.and_then(|c| c.get("livenessProbe")),
                container_port,
            ),
            import,
        ),
        resources: managed(
            &pk.resources,
            resources_from(res_json, pk.resources.as_ref()),
            import,
        ),
        min_replicas: managed(&pk.min_replicas, i64_at(&pred, "/minReplicas"), import),
        max_replicas: managed(&pk.max_replicas, i64_at(&pred, "/maxReplicas"), import),
        scale_metric: managed(
            &pk.scale_metric,
            str_at(&pred, "/scaleMetric").map(String::from),
            import,
        ),
        scale_target: managed(&pk.scale_target, i64_at(&pred, "/scaleTarget"), import),
        canary_traffic_percent: managed(
            &pk.canary_traffic_percent,
            i64_at(&pred, "/canaryTrafficPercent"),
            import,
        ),
        service_account_name: managed(
            &pk.service_account_name,
            str_at(&pred, "/serviceAccountName").map(String::from),
            import,
        ),
        labels: managed_map(
            &pk.labels,
            string_map(obj.pointer("/metadata/labels")),
            import,
        ),
        annotations: managed_map(&pk.annotations, annotations.clone(), import),
        force_conflicts: pk.force_conflicts.or(Some(false)),
        storage_uri: storage,
        url: str_at(obj, "/status/url").map(String::from),
        latest_ready_revision: str_at(obj, "/status/components/predictor/latestReadyRevision")
            .map(String::from),
        ready: Some(readiness(obj) == Readiness::Ready),
    };
    EndpointState {
        name: prior.name.clone(),
        model,
        kubernetes: Some(kube),
        ..Default::default()
    }
}

// -------------------------------------------------------------------------- operations

async fn kube(c: &Clients) -> Result<&Kube, Diagnostics> {
    c.kube.get().await
}

fn api(k: &Kube, ns: &str) -> Api<DynamicObject> {
    Api::namespaced_with(k.client.clone(), ns, &resource())
}

async fn get(k: &Kube, s: &EndpointState) -> Result<Option<Json>, Diagnostics> {
    let ks = kube_of(s);
    match k.call(api(k, &ks.namespace).get_opt(&s.name)).await {
        Ok(o) => Ok(o.map(|o| serde_json::to_value(o).unwrap_or(Json::Null))),
        Err(e) => Err(k.error("read", &subject(s), &e).into()),
    }
}

/// The artifact the predictor loads: `model_data_url`, or the registry version's (a group
/// without a version approved at plan time is looked up again).
async fn storage_uri(c: &Clients, s: &mut EndpointState) -> Result<Option<String>, Diagnostics> {
    if s.model.image.is_some() || s.model.model_data_url.is_some() {
        return Ok(s.model.model_data_url.clone());
    }
    if let (Some(group), None) = (&s.model.model_package_group, &s.model.model_package_arn) {
        s.model.model_package_arn =
            crate::sagemaker::model_package::latest_approved(c, group).await?;
    }
    let Some(arn) = &s.model.model_package_arn else {
        return Err(Diagnostic::error(
            "No model version to serve",
            format!(
                "Model package group {} has no approved version yet; approve one, then apply again.",
                s.model.model_package_group.as_deref().unwrap_or("(none)")
            ),
        )
        .at(AttrPath::attrs(["model", "model_package_group"]))
        .into());
    };
    let d = c
        .sagemaker
        .describe_model_package()
        .model_package_name(arn)
        .send()
        .await
        .map_err(|e| api_error("DescribeModelPackage", arn, &e))?;
    let url = d
        .inference_specification()
        .and_then(|i| i.containers().first())
        .and_then(|c| c.model_data_url())
        .map(String::from);
    match url {
        Some(u) => Ok(Some(u)),
        None => Err(Diagnostic::error(
            "Model version without an artifact",
            format!("Model package {arn} has no ModelDataUrl; KServe needs the model artifact's URI (storageUri)."),
        )
        .into()),
    }
}

/// Server-side apply as our field manager; forced only when the user takes fields over.
fn apply_params(ks: &KubernetesServing) -> PatchParams {
    let params = PatchParams::apply(FIELD_MANAGER);
    if ks.force_conflicts == Some(true) {
        params.force()
    } else {
        params
    }
}

/// Apply the object, wait until Ready, read it back. On failure, the state records the
/// object as it is (not Ready), so nothing is lost and the next plan applies again.
async fn apply_and_wait(
    ctx: &Ctx<Clients>,
    planned: &EndpointState,
) -> Result<EndpointState, Failure<EndpointState>> {
    let c = ctx.client.clone();
    let k = kube(&c).await?;
    let mut planned = planned.clone();
    let storage = storage_uri(&c, &mut planned).await?;
    let planned = &planned;
    let ks = kube_of(planned);
    let obj = desired(planned, storage.as_deref());
    let params = apply_params(ks);
    let what = subject(planned);
    tracing::info!(namespace = %ks.namespace, name = %planned.name, server = %k.server, "applying InferenceService");
    let applied = k
        .call(api(k, &ks.namespace).patch(&planned.name, &params, &Patch::Apply(&obj)))
        .await
        .map_err(|e| Failure::new(k.error("apply", &what, &e)))?;
    let generation = applied.metadata.generation.unwrap_or_default();
    tracing::info!(namespace = %ks.namespace, name = %planned.name, generation, "applied; waiting for Ready");
    // From here on the object exists with the new spec: failures keep it in state.
    let mut recorded = planned.clone();
    if let Some(rk) = recorded.kubernetes.as_mut() {
        rk.storage_uri = storage.clone();
        rk.ready = Some(false);
        rk.url = None;
        rk.latest_ready_revision = None;
    }
    let waited = wait_for(
        &format!("{what} to be Ready"),
        ctx.timeout,
        &ctx.cancel,
        Backoff::default(),
        || async {
            let Some(o) = get(k, planned).await? else {
                return Err(Diagnostics::from(Diagnostic::error(
                    "InferenceService vanished",
                    format!("{what} was deleted while waiting for it to become Ready."),
                )));
            };
            Ok(match readiness(&o) {
                Readiness::Ready => Check::Done(Ok(o)),
                Readiness::Failed { reason, message } => Check::Done(Err((reason, message, o))),
                Readiness::Pending(s) => Check::Pending(s),
            })
        },
    )
    .await;
    match waited {
        Ok(Ok(o)) => Ok(observe(planned, &o)),
        Ok(Err((reason, message, o))) => Err(Failure::with_partial(
            observe(planned, &o),
            Diagnostic::error(
                "InferenceService rollout failed",
                format!(
                    "{what} is not Ready: {}: {}. KServe keeps serving the previous ready revision (if any). Fix the configuration (or the model) and apply again.",
                    if reason.is_empty() { "(no reason)" } else { &reason },
                    if message.is_empty() { "(no message)" } else { &message },
                ),
            ),
        )),
        Err(d) => {
            // Timed out, cancelled, or the server went away: record what is known.
            let partial = match get(k, planned).await {
                Ok(Some(o)) => observe(planned, &o),
                _ => recorded,
            };
            Err(Failure::with_partial(partial, d))
        }
    }
}

pub async fn create(
    ctx: &mut Ctx<Clients>,
    planned: EndpointState,
) -> Result<EndpointState, Failure<EndpointState>> {
    apply_and_wait(ctx, &planned).await
}

pub async fn update(
    ctx: &mut Ctx<Clients>,
    prior: EndpointState,
    planned: EndpointState,
) -> Result<EndpointState, Failure<EndpointState>> {
    apply_and_wait(ctx, &planned).await.map_err(|mut f| {
        // Nothing was applied (e.g. a conflict or an unreachable server): keep the prior.
        if f.partial.is_none() {
            f.partial = Some(prior);
        }
        f
    })
}

pub async fn read(
    ctx: &mut Ctx<Clients>,
    current: EndpointState,
) -> Result<Option<EndpointState>, Diagnostics> {
    let c = ctx.client.clone();
    let k = kube(&c).await?;
    let Some(o) = get(k, &current).await? else {
        return Ok(None);
    };
    if o.pointer("/metadata/deletionTimestamp").is_some() {
        return Ok(None);
    }
    Ok(Some(observe(&current, &o)))
}

pub async fn delete(ctx: &mut Ctx<Clients>, current: EndpointState) -> Result<(), Diagnostics> {
    let c = ctx.client.clone();
    let k = kube(&c).await?;
    let ks = kube_of(&current);
    let what = subject(&current);
    match k
        .call(api(k, &ks.namespace).delete(&current.name, &DeleteParams::background()))
        .await
    {
        Ok(_) => {}
        Err(e) if e.is_not_found() => return Ok(()),
        Err(e) => return Err(k.error("delete", &what, &e).into()),
    }
    tracing::info!(namespace = %ks.namespace, name = %current.name, "InferenceService deleting");
    wait_for(
        &format!("{what} to be deleted"),
        ctx.timeout,
        &ctx.cancel,
        Backoff::default(),
        || async {
            Ok(match get(k, &current).await? {
                None => Check::Done(()),
                Some(o) => Check::Pending(match o.pointer("/metadata/finalizers") {
                    Some(f) => format!("deleting, finalizers {f}"),
                    None => "deleting".into(),
                }),
            })
        },
    )
    .await
}

/// `namespace/name` to a stub that `read` fills from the live object.
pub fn import(id: &str) -> Result<EndpointState, Diagnostics> {
    let bad = || {
        Diagnostics::from(Diagnostic::error(
            "Invalid import ID",
            format!("Import a Kubernetes endpoint as namespace/name (e.g. ml/churn); got {id:?}."),
        ))
    };
    let (ns, name) = id.split_once('/').ok_or_else(bad)?;
    if !validate::is_dns_label(ns) || !validate::is_dns_label(name) {
        return Err(bad());
    }
    Ok(EndpointState {
        name: name.to_string(),
        kubernetes: Some(KubernetesServing {
            namespace: ns.to_string(),
            ..Default::default()
        }),
        ..Default::default()
    })
}

/// Path of an attribute in the kubernetes block.
pub(crate) fn kpath(attrs: &[&str]) -> AttrPath {
    let mut p = AttrPath::attr("kubernetes");
    for a in attrs {
        p.push(PathStep::Attr((*a).into()));
    }
    p
}

#[cfg(test)]
mod tests;
