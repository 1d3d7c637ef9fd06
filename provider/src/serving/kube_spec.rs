//! The pieces of a pod spec both Kubernetes backends of `mlops_endpoint` write
//! (resources, environment, probes) and read back, and the rule of which live fields a read
//! takes into state ([`Fields`], [`managed`], [`managed_map`]). A leaf: it imports no
//! backend.

use std::collections::BTreeMap;

use mlops_framework::Value;

use serde_json::{json, Map, Value as Json};

use super::kube_checks::ANNOTATION_PREFIX;
use super::model::{KubeResources, Probe, Variant, DEFAULT_VARIANT};

/// The registry group an object serves the latest approved version of.
pub const GROUP_ANNOTATION: &str = "mlops.terraform.io/model-package-group";
/// The registry version an object serves.
pub const PACKAGE_ANNOTATION: &str = "mlops.terraform.io/model-package-arn";

/// A probe as a container's `readinessProbe` / `livenessProbe` (HTTP GET, or TCP).
pub fn probe_json(p: &Probe, default_port: Option<i64>) -> Json {
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

/// Requests and limits of a container (`None` when nothing is set).
pub fn resources_json(r: &KubeResources) -> Option<Json> {
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

/// A container's `env` list.
pub fn env_json(env: &BTreeMap<String, String>) -> Json {
    Json::Array(
        env.iter()
            .map(|(k, v)| json!({ "name": k, "value": v }))
            .collect(),
    )
}

/// The string at JSON pointer `p`.
pub fn str_at<'a>(j: &'a Json, p: &str) -> Option<&'a str> {
    j.pointer(p).and_then(Json::as_str)
}

/// Which fields of the live object a read takes into state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fields {
    /// Those the prior state manages (a refresh).
    Managed,
    /// All of them (an import stub manages none yet).
    All,
}

/// `live` when the field is managed (the prior state has it, or every field is taken).
pub fn managed<T>(prior: &Option<T>, live: Option<T>, fields: Fields) -> Option<T> {
    if prior.is_some() || fields == Fields::All {
        live
    } else {
        None
    }
}

/// The integer at JSON pointer `p`.
pub fn i64_at(j: &Json, p: &str) -> Option<i64> {
    j.pointer(p).and_then(Json::as_i64)
}

/// Keys of `live` that this resource manages: those it had, or all (but the provider's own
/// and kubectl's) on import. `None` when nothing was managed.
pub fn managed_map(
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

/// A probe read back (the container's port stays implicit).
pub fn probe_from(j: Option<&Json>, container_port: Option<i64>) -> Option<Probe> {
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

/// Requests and limits read back (`prior` names the GPU resource).
pub fn resources_from(j: Option<&Json>, prior: Option<&KubeResources>) -> Option<KubeResources> {
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

/// A container's `env` list read back.
pub fn env_from(j: Option<&Json>) -> BTreeMap<String, String> {
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

/// Which fields a read of `prior` takes: an import stub, whose model names no source, takes
/// every field.
pub fn fields_of(prior: &Variant) -> Fields {
    let import = prior.model_package_group.is_none()
        && prior.model_package_arn.is_none()
        && prior.image.is_none()
        && prior.model_data_url.is_none();
    if import {
        Fields::All
    } else {
        Fields::Managed
    }
}

/// What a live object says of the `model` block it serves.
pub struct LiveModel<'a> {
    /// The object's annotations (the registry group and version it serves).
    pub annotations: &'a BTreeMap<String, String>,
    /// The custom container's image.
    pub image: Option<&'a str>,
    /// The artifact it loads.
    pub storage: Option<String>,
    /// The container's environment (without the provider's own variables).
    pub env: BTreeMap<String, String>,
}

/// The `model` block as the live object says, for the fields `prior` manages: a registry
/// version (from the annotations) or the artifact, the image and the environment.
pub fn observed_model(prior: &Variant, live: LiveModel<'_>) -> Variant {
    let fields = fields_of(prior);
    let import = fields == Fields::All;
    let package_arn = live.annotations.get(PACKAGE_ANNOTATION).cloned();
    let from_registry = if import {
        package_arn.is_some()
    } else {
        prior.model_package_arn.is_some() || prior.model_package_group.is_some()
    };
    Variant {
        name: prior
            .name
            .clone()
            .or_else(|| import.then(|| DEFAULT_VARIANT.into())),
        weight: prior.weight.or(import.then_some(1.0)),
        model_package_group: if import {
            live.annotations.get(GROUP_ANNOTATION).cloned()
        } else {
            prior.model_package_group.clone()
        },
        model_package_arn: if from_registry {
            package_arn.or_else(|| prior.model_package_arn.clone())
        } else {
            None
        },
        image: live.image.map(String::from),
        model_data_url: if from_registry { None } else { live.storage },
        environment: managed(
            &prior.environment,
            Some(live.env).filter(|e| !e.is_empty()),
            fields,
        ),
        ..Default::default()
    }
}

/// The artifact a planned `model` block loads, as far as the plan knows it: the configured
/// `model_data_url` (with or without an image), the prior state's `prior_storage` while the
/// registry version served stays the same, else unknown until apply.
pub fn planned_storage(planned_model: &Value, prior_model: &Value, prior_storage: &Value) -> Value {
    if !planned_model.attr("model_data_url").is_null() || !planned_model.attr("image").is_null() {
        return planned_model.attr("model_data_url").clone();
    }
    let arn = planned_model.attr("model_package_arn");
    let same = !arn.is_unknown() && arn.semantic_eq(prior_model.attr("model_package_arn"));
    match prior_storage {
        s @ Value::String(_) if same => s.clone(),
        _ => Value::UNKNOWN,
    }
}
