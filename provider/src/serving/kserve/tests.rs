//! Request shapes and reading back, without a server (the acceptance tests use a real one).

use mlops_framework::Phase;
use serde_json::{json, Value as Json};

use super::object::{desired, observe};
use super::readiness::readiness;
use super::*;
use crate::serving::model::{KubeResources, Probe, Variant};

fn import(id: &str) -> Result<EndpointState, Diagnostics> {
    import_stub(id)
}

fn variant() -> Variant {
    Variant {
        name: Some("primary".into()),
        weight: Some(1.0),
        ..Default::default()
    }
}

fn state(model: Variant, k: KubernetesServing) -> EndpointState {
    let mut s = import("ml/churn").expect("valid id");
    s.model = model;
    s.kubernetes = Some(k);
    s
}

fn kube_block() -> KubernetesServing {
    let mut k = import("ml/churn")
        .expect("valid id")
        .kubernetes
        .expect("block");
    k.force_conflicts = Some(false);
    k
}

/// What the tests' stand-in controller (and KServe) writes: the spec plus a status.
fn with_status(mut obj: Json, generation: i64, observed: i64, ready: &str) -> Json {
    obj["metadata"]["generation"] = generation.into();
    obj["status"] = json!({
        "observedGeneration": observed,
        "url": "http://churn.ml.example.com",
        "conditions": [{"type": "Ready", "status": ready, "reason": "RevisionFailed", "message": "boom"}],
        "components": {"predictor": {"latestReadyRevision": "churn-predictor-00001"}},
    });
    obj
}

#[test]
fn model_format_predictor_from_a_registry_version() {
    let mut m = variant();
    m.model_package_group = Some("churn".into());
    m.model_package_arn =
        Some("arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/2".into());
    let mut k = kube_block();
    k.model_format = Some("sklearn".into());
    k.min_replicas = Some(0);
    k.canary_traffic_percent = Some(10);
    k.resources = Some(KubeResources {
        cpu: Some("500m".into()),
        memory: None,
        cpu_limit: None,
        memory_limit: Some("2Gi".into()),
        gpu: None,
        gpu_resource: Some("nvidia.com/gpu".into()),
    });
    let s = state(m, k);
    let obj = desired(&s, Some("s3://models/v2/model.tar.gz"));
    assert_eq!(
        obj,
        json!({
            "apiVersion": "serving.kserve.io/v1beta1",
            "kind": "InferenceService",
            "metadata": {
                "name": "churn",
                "namespace": "ml",
                "annotations": {
                    "mlops.terraform.io/model-package-group": "churn",
                    "mlops.terraform.io/model-package-arn": "arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/2",
                    "mlops.terraform.io/created-by": "terraform-provider-mlops",
                },
            },
            "spec": {"predictor": {
                "minReplicas": 0,
                "canaryTrafficPercent": 10,
                "model": {
                    "modelFormat": {"name": "sklearn"},
                    "storageUri": "s3://models/v2/model.tar.gz",
                    "resources": {"requests": {"cpu": "500m"}, "limits": {"memory": "2Gi"}},
                },
            }},
        })
    );
    // read back: the same state, Ready only for the observed generation
    let read = observe(&s, &with_status(obj.clone(), 2, 2, "True"));
    let k = read.kubernetes.as_ref().expect("block");
    assert_eq!(read.model, s.model);
    assert_eq!(
        k.storage_uri.as_deref(),
        Some("s3://models/v2/model.tar.gz")
    );
    assert_eq!(k.ready, Some(true));
    assert_eq!(
        k.resources,
        s.kubernetes.as_ref().and_then(|k| k.resources.clone())
    );
    assert_eq!(
        readiness(&with_status(obj.clone(), 3, 2, "True")),
        Phase::Pending("waiting for KServe to observe generation 3 (observed 2)".into())
    );
    assert_eq!(
        readiness(&with_status(obj, 2, 2, "False")),
        Phase::Failed("RevisionFailed: boom".into())
    );
}

#[test]
fn custom_container_with_probes_and_import() {
    let mut m = variant();
    m.image = Some("registry.example.com/server:1".into());
    m.model_data_url = Some("s3://models/byo/model.tar.gz".into());
    m.environment = Some([("WORKERS".to_string(), "2".to_string())].into());
    let mut k = kube_block();
    k.port = Some(8080);
    k.readiness_probe = Some(Probe {
        path: Some("/ready".into()),
        port: None,
        initial_delay_seconds: Some(5),
        period_seconds: None,
        timeout_seconds: None,
        failure_threshold: None,
    });
    k.liveness_probe = Some(Probe {
        path: None,
        port: Some(9000),
        initial_delay_seconds: None,
        period_seconds: None,
        timeout_seconds: None,
        failure_threshold: Some(3),
    });
    k.labels = Some([("team".to_string(), "churn".to_string())].into());
    let s = state(m, k);
    let obj = desired(&s, Some("s3://models/byo/model.tar.gz"));
    let c = &obj["spec"]["predictor"]["containers"][0];
    assert_eq!(c["name"], "kserve-container");
    assert_eq!(
        c["env"],
        json!([{"name": "STORAGE_URI", "value": "s3://models/byo/model.tar.gz"}, {"name": "WORKERS", "value": "2"}])
    );
    assert_eq!(
        c["readinessProbe"],
        json!({"httpGet": {"path": "/ready", "port": 8080}, "initialDelaySeconds": 5})
    );
    assert_eq!(
        c["livenessProbe"],
        json!({"tcpSocket": {"port": 9000}, "failureThreshold": 3})
    );
    let live = with_status(obj, 1, 1, "True");
    let read = observe(&s, &live);
    assert_eq!(read.model, s.model);
    let (a, b) = (
        read.kubernetes.expect("block"),
        s.kubernetes.clone().expect("block"),
    );
    assert_eq!(
        (a.port, a.readiness_probe, a.liveness_probe, a.labels),
        (b.port, b.readiness_probe, b.liveness_probe, b.labels)
    );
    // an import stub takes every field from the live object
    let imported = observe(&import("ml/churn").expect("valid id"), &live);
    assert_eq!(imported.model, s.model);
    assert_eq!(
        imported.kubernetes.as_ref().and_then(|k| k.port),
        Some(8080)
    );
    assert!(import("churn").is_err() && import("ML/churn").is_err());
}

#[test]
fn fields_not_managed_are_left_out() {
    let mut m = variant();
    m.model_data_url = Some("s3://m/model.tar.gz".into());
    let mut k = kube_block();
    k.model_format = Some("xgboost".into());
    let s = state(m, k);
    let mut live = with_status(desired(&s, Some("s3://m/model.tar.gz")), 1, 1, "Unknown");
    // another manager's settings: not ours, no drift
    live["spec"]["predictor"]["minReplicas"] = 2.into();
    live["metadata"]["labels"] = json!({"owner": "someone"});
    let read = observe(&s, &live);
    let k = read.kubernetes.expect("block");
    assert_eq!(
        (k.min_replicas, k.labels, k.ready),
        (None, None, Some(false))
    );
}

/// The apply request on the wire (a mock service stands in for the API server): a PATCH
/// with the apply-patch content type, our field manager, no force unless asked; and a 409
/// conflict turned into a diagnostic that names the other manager and the way out.
#[tokio::test]
async fn server_side_apply_request_and_conflict_diagnostic() {
    use std::sync::{Arc, Mutex};
    /// Method, URI, content type and body of each request.
    type Seen = Arc<Mutex<Vec<(String, String, String, Json)>>>;
    let seen: Seen = Arc::default();
    let log = seen.clone();
    let svc = tower::service_fn(move |req: http::Request<kube::client::Body>| {
        let log = log.clone();
        async move {
            let (parts, body) = req.into_parts();
            let bytes = body.collect_bytes().await?;
            let content_type = parts
                .headers
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            log.lock().unwrap_or_else(|e| e.into_inner()).push((
                parts.method.to_string(),
                parts.uri.to_string(),
                content_type,
                serde_json::from_slice(&bytes).unwrap_or(Json::Null),
            ));
            let status = json!({
                "kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "Conflict", "code": 409,
                "message": "Apply failed with 1 conflict: conflict with \"kubectl-edit\" using serving.kserve.io/v1beta1: .spec.predictor.maxReplicas",
            });
            http::Response::builder()
                .status(409)
                .header("content-type", "application/json")
                .body(kube::client::Body::from(status.to_string().into_bytes()))
                .map_err(kube::Error::HttpError)
        }
    });
    let k = Kube {
        client: kube::Client::new(svc, "default"),
        server: "https://k8s.example.com".into(),
        request_timeout: std::time::Duration::from_secs(5),
    };
    let mut m = variant();
    m.image = Some("registry.example.com/server:1".into());
    let mut ks = kube_block();
    ks.max_replicas = Some(3);
    for force in [false, true] {
        ks.force_conflicts = Some(force);
        let s = state(m.clone(), ks.clone());
        let obj = desired(&s, None);
        let d = INFERENCE_SERVICE
            .apply(&k, at(&s), &obj, force)
            .await
            .expect_err("the mock answers 409");
        assert_eq!(d.summary, "Server-side apply conflict");
        assert!(
            d.detail.contains("conflict with \"kubectl-edit\"")
                && d.detail.contains(".spec.predictor.maxReplicas")
                && d.detail.contains("https://k8s.example.com")
                && d.detail.contains("force_conflicts = true"),
            "{}",
            d.detail
        );
    }
    let seen = seen.lock().unwrap_or_else(|e| e.into_inner()).clone();
    assert_eq!(seen.len(), 2);
    for (i, (method, uri, content_type, body)) in seen.iter().enumerate() {
        assert_eq!(method, "PATCH");
        assert!(
            uri.starts_with(
                "/apis/serving.kserve.io/v1beta1/namespaces/ml/inferenceservices/churn?"
            ) && uri.contains("fieldManager=terraform-provider-mlops"),
            "{uri}"
        );
        assert_eq!(uri.contains("force=true"), i == 1, "{uri}");
        assert_eq!(content_type, "application/apply-patch+yaml");
        assert_eq!(body["spec"]["predictor"]["maxReplicas"], 3);
        assert_eq!(body["kind"], "InferenceService");
    }
}

/// The marker is in every applied object; a read (or an import) never shows it, so it is
/// no drift.
#[test]
fn marker_annotation_is_applied_and_never_read_back() {
    let mut m = variant();
    m.model_data_url = Some("s3://m/model.tar.gz".into());
    let mut k = kube_block();
    k.model_format = Some("xgboost".into());
    k.annotations = Some([("team".to_string(), "churn".to_string())].into());
    let s = state(m, k);
    let applied = desired(&s, Some("s3://m/model.tar.gz"));
    assert_eq!(
        applied["metadata"]["annotations"],
        json!({"team": "churn", "mlops.terraform.io/created-by": "terraform-provider-mlops"})
    );
    let live = with_status(applied, 1, 1, "True");
    let read = observe(&s, &live);
    assert_eq!(
        read.kubernetes.expect("block").annotations,
        Some([("team".to_string(), "churn".to_string())].into())
    );
    let imported = observe(&import("ml/churn").expect("valid id"), &live);
    assert_eq!(
        imported.kubernetes.expect("block").annotations,
        Some([("team".to_string(), "churn".to_string())].into())
    );
}
