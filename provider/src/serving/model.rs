//! The schema of `mlops_endpoint`, shared by every backend: [`EndpointState`] (the resource's
//! state and configuration), its blocks ([`Variant`], [`DataCapture`], [`Rollout`],
//! [`SmokeTest`], the `kubernetes` block [`KubernetesServing`]...), and [`variant_paths`], the
//! one builder of the variant blocks' attribute paths.
//!
//! A leaf: it imports no backend. Doc comments here are the schema's descriptions (and the
//! docs); a new backend's configuration block goes here too.

use std::collections::{BTreeMap, BTreeSet};

use mlops_framework::{AttrPath, Value};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::validation::{ENTITY_NAME, ROLE_ARN};

/// Compute of a serverless variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Serverless {
    /// Memory in MB: 1024, 2048, 3072, 4096, 5120 or 6144.
    #[schemars(range(min = 1024, max = 6144))]
    pub memory_mb: i64,
    /// Concurrent invocations at most (1-200).
    #[schemars(range(min = 1, max = 200))]
    pub max_concurrency: i64,
}

/// Target-tracking autoscaling of a variant's instance count (Application Auto Scaling).
/// Capacity the autoscaler chose is kept across model updates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Autoscaling {
    /// Fewest instances.
    #[schemars(range(min = 1, max = 1000))]
    pub min_capacity: i64,
    /// Most instances.
    #[schemars(range(min = 1, max = 1000))]
    pub max_capacity: i64,
    /// Target of `SageMakerVariantInvocationsPerInstance` (invocations per instance per
    /// minute).
    #[schemars(range(min = 1.0, max = 1000000.0))]
    pub target_invocations_per_instance: f64,
    /// Seconds after a scale-in before another.
    #[schemars(extend("x-tf-default" = 300), range(min = 0, max = 86400))]
    pub scale_in_cooldown_seconds: Option<i64>,
    /// Seconds after a scale-out before another.
    #[schemars(extend("x-tf-default" = 60), range(min = 0, max = 86400))]
    pub scale_out_cooldown_seconds: Option<i64>,
}

/// What a variant serves and on which compute. Give exactly one source: `model_package_group`
/// (its latest approved version, looked up at every plan), `model_package_arn`, or `image`
/// (with `model_data_url`, `environment`); and either `instance_type` or `serverless`. With a
/// `kubernetes` block only the source (`model_data_url` alone is one too) and `environment`
/// apply: compute is set in that block.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Variant {
    /// Variant name, unique in the endpoint. The default `primary` suits the `model` block;
    /// `variant` and `shadow` blocks need names of their own.
    #[schemars(regex(pattern = r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$"))]
    #[schemars(extend("x-tf-default" = "primary"))]
    pub name: Option<String>,
    /// Share of the traffic, relative to the other variants' weights.
    #[schemars(extend("x-tf-default" = 1.0), range(min = 0.0, max = 1000.0))]
    pub weight: Option<f64>,
    /// Serve the latest approved version of this model package group. Approving a newer
    /// version shows as a change of `model_package_arn` at the next plan.
    #[schemars(regex(pattern = r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$"))]
    pub model_package_group: Option<String>,
    /// The model package (version) served; with `model_package_group`, the latest approved
    /// version it resolved to.
    #[schemars(regex(
        pattern = r"^arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]{9,16}:[0-9]{12}:model-package/\S+$"
    ))]
    #[schemars(extend("x-tf" = ["optional_computed"]))]
    pub model_package_arn: Option<String>,
    /// Bring-your-own inference image.
    #[schemars(regex(pattern = r"^\S+$"), length(max = 255))]
    pub image: Option<String>,
    /// Model artifact of the image (S3 URI of a model.tar.gz).
    #[schemars(regex(pattern = r"^(https|s3)://([^/]+)/?(.*)$"), length(max = 1024))]
    pub model_data_url: Option<String>,
    /// Environment variables of the container.
    pub environment: Option<BTreeMap<String, String>>,
    /// Instance type, e.g. `ml.m5.large`.
    pub instance_type: Option<String>,
    /// Instances (the starting count with `autoscaling`).
    #[schemars(range(min = 1, max = 1000))]
    pub instance_count: Option<i64>,
    /// Serverless compute instead of instances.
    #[schemars(extend("x-tf" = ["block"]))]
    pub serverless: Option<Serverless>,
    /// Autoscaling of the instance count.
    #[schemars(extend("x-tf" = ["block"]))]
    pub autoscaling: Option<Autoscaling>,
    /// Name of the SageMaker model created for this variant (content-named: it changes when
    /// what is served changes).
    #[schemars(extend("x-tf" = ["computed"]))]
    pub model_name: Option<String>,
}

/// Capture of requests and responses to S3 (needed by `mlops_monitor`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DataCapture {
    /// S3 URI the captured data goes to.
    #[schemars(regex(pattern = r"^s3://([^/]+)/?(.*)$"))]
    pub destination: String,
    /// Percentage of requests captured.
    #[schemars(extend("x-tf-default" = 100), range(min = 0, max = 100))]
    pub sampling_percentage: Option<i64>,
    /// Capture requests.
    #[schemars(extend("x-tf-default" = true))]
    pub capture_request: Option<bool>,
    /// Capture responses.
    #[schemars(extend("x-tf-default" = true))]
    pub capture_response: Option<bool>,
}

/// How an update moves traffic to the new models (SageMaker blue/green deployment), and
/// when it rolls back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Rollout {
    /// `canary` (a share first, then the rest), `linear` (in equal steps) or `all_at_once`.
    #[schemars(extend("x-tf-default" = "canary"))]
    #[schemars(extend("enum" = ["canary", "linear", "all_at_once"]))]
    pub strategy: Option<String>,
    /// Percentage of capacity in the canary, or in each linear step.
    #[schemars(extend("x-tf-default" = 10), range(min = 1, max = 99))]
    pub step_percent: Option<i64>,
    /// Seconds to watch each step (baking) before shifting more traffic.
    #[schemars(extend("x-tf-default" = 300), range(min = 0, max = 3600))]
    pub wait_seconds: Option<i64>,
    /// Seconds the old fleet is kept after all traffic moved, for a fast rollback.
    #[schemars(extend("x-tf-default" = 0), range(min = 0, max = 3600))]
    pub termination_wait_seconds: Option<i64>,
    /// Create the default rollback alarms (5xx errors and model latency of the endpoint).
    #[schemars(extend("x-tf-default" = true))]
    pub default_alarms: Option<bool>,
    /// The 5xx alarm fires at this many `Invocation5XXErrors` in a minute.
    #[schemars(extend("x-tf-default" = 1), range(min = 1, max = 1000000))]
    pub error_threshold: Option<i64>,
    /// The latency alarm fires when the average `ModelLatency` of a minute exceeds this.
    #[schemars(extend("x-tf-default" = 2000), range(min = 1, max = 3600000))]
    pub latency_threshold_ms: Option<i64>,
    /// More CloudWatch alarms (names) that roll the update back.
    pub alarm_names: Option<BTreeSet<String>>,
}

/// One request of the smoke test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SmokeRequest {
    /// Request body.
    pub body: String,
    /// MIME type of the body.
    #[schemars(extend("x-tf-default" = "application/json"))]
    pub content_type: Option<String>,
    /// Regular expression the response body must match.
    pub expect: Option<String>,
}

/// Requests sent after every rollout. Any error or unexpected response fails the apply and,
/// on an update, rolls the endpoint back to the previous models.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SmokeTest {
    /// The requests, sent in order.
    #[schemars(extend("x-tf" = ["block"]), length(min = 1, max = 20))]
    pub request: Vec<SmokeRequest>,
}

/// A real-time SageMaker endpoint serving a registry version or a bring-your-own image, with
/// safe rollouts by default: updates create the new models and endpoint config first, shift
/// traffic canary-style while rollback alarms watch (5xx errors and model latency, created by
/// the provider), check that SageMaker really serves the new config (a rolled-back update
/// fails the apply with SageMaker's reason and state records what serves), and delete the old
/// config only afterwards. Autoscaled capacity is kept across updates.
///
/// With a `kubernetes` block the endpoint is a KServe `InferenceService` instead (see that
/// block).
///
/// Import with the endpoint name: `terraform import mlops_endpoint.churn churn`; a
/// Kubernetes endpoint with `namespace/name`: `terraform import mlops_endpoint.churn ml/churn`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct EndpointState {
    /// Endpoint name (1-63 letters, digits, hyphens). Changing it replaces the endpoint.
    #[schemars(regex(pattern = ENTITY_NAME), length(min = 1, max = 63))]
    #[schemars(extend("x-tf" = ["requires_replace"]))]
    pub name: String,
    /// IAM role SageMaker assumes to pull images and artifacts (required on SageMaker).
    #[schemars(regex(pattern = ROLE_ARN), length(min = 20, max = 2048))]
    pub role_arn: Option<String>,
    /// The main variant: what it serves and on which compute.
    #[schemars(extend("x-tf" = ["block"]))]
    pub model: Variant,
    /// Further variants sharing the traffic by weight (A/B tests). Give each its own `name`:
    /// the default `primary` is the `model` block's.
    #[schemars(extend("x-tf" = ["block"]), length(max = 9))]
    pub variant: Option<Vec<Variant>>,
    /// A shadow variant: receives a copy of the traffic (its `weight` is the copied share
    /// relative to the variants), its responses are not returned. Give it its own `name`
    /// (e.g. `shadow`): the default `primary` is the `model` block's.
    #[schemars(extend("x-tf" = ["block"]))]
    pub shadow: Option<Variant>,
    /// Capture of requests and responses.
    #[schemars(extend("x-tf" = ["block"]))]
    pub data_capture: Option<DataCapture>,
    /// How updates roll out. Without the block: canary of 10 % for 5 minutes with the
    /// default rollback alarms (instance variants; serverless endpoints update all at once).
    #[schemars(extend("x-tf" = ["block"]))]
    pub rollout: Option<Rollout>,
    /// Requests checked after each rollout.
    #[schemars(extend("x-tf" = ["block"]))]
    pub smoke_test: Option<SmokeTest>,
    /// Tags of the endpoint, its config and models. Provider `default_tags` are added.
    pub tags: Option<BTreeMap<String, String>>,
    /// All tags, including the provider's `default_tags`.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub tags_all: Option<BTreeMap<String, String>>,
    /// ARN of the endpoint.
    #[schemars(extend("x-tf" = ["computed", "use_state_for_unknown"]))]
    pub arn: Option<String>,
    /// The endpoint config serving now (content-named).
    #[schemars(extend("x-tf" = ["computed"]))]
    pub endpoint_config_name: Option<String>,
    /// Rollback alarms created by the provider.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub alarm_names: Option<Vec<String>>,
    /// Serve on Kubernetes with KServe instead of SageMaker.
    #[schemars(extend("x-tf" = ["block"]))]
    pub kubernetes: Option<KubernetesServing>,
    /// Serve on Kubernetes with Seldon Core v1 instead of SageMaker.
    #[schemars(extend("x-tf" = ["block"]))]
    pub seldon: Option<SeldonServing>,
}

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
/// Serve on Kubernetes with Seldon Core v1 instead of SageMaker: the endpoint becomes a
/// `SeldonDeployment` (machinelearning.seldon.io/v1) in `namespace`, applied by server-side
/// apply with the field manager `terraform-provider-mlops`, with one predictor `main`
/// running a prepackaged server for `model_format` (or `model.image`, a custom container).
/// `model` says what is served, as for KServe: `model_package_group` / `model_package_arn`
/// (the registry version's artifact becomes the graph's `modelUri`), `model_data_url`, or
/// `image`. A `shadow` block (with `model_data_url`) adds a shadow predictor that gets a
/// copy of every request. SageMaker-only settings do not apply; the provider's `kubernetes`
/// block says how to reach the cluster.
///
/// With `canary_traffic_percent`, an update that changes the model adds a predictor
/// `canary` serving the new model with that share of the traffic, while `main` keeps
/// serving the previous one; removing the setting (or setting 100) promotes the canary.
/// Apply waits until Seldon reports the deployment `Available` for the applied generation
/// and fails with Seldon's description when it reports `Failed`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SeldonServing {
    /// Namespace of the SeldonDeployment (it must exist). Changing it replaces the endpoint.
    #[schemars(
        regex(pattern = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"),
        length(min = 1, max = 63)
    )]
    #[schemars(extend("x-tf" = ["requires_replace"]))]
    pub namespace: String,
    /// The model's format, which picks Seldon's prepackaged server: `sklearn`
    /// (SKLEARN_SERVER), `xgboost` (XGBOOST_SERVER), `mlflow` (MLFLOW_SERVER), `tensorflow`
    /// (TENSORFLOW_SERVER), `triton` (TRITON_SERVER) or `huggingface` (HUGGINGFACE_SERVER).
    /// Required unless `model.image` is set.
    #[schemars(extend(
        "enum" = ["sklearn", "xgboost", "mlflow", "tensorflow", "triton", "huggingface"]
    ))]
    pub model_format: Option<String>,
    /// Inference protocol: `seldon` (Seldon's default), `v2` (the open inference protocol of
    /// MLServer and Triton) or `tensorflow`.
    #[schemars(extend("enum" = ["seldon", "v2", "tensorflow"]))]
    pub protocol: Option<String>,
    /// Replicas of each predictor.
    #[schemars(range(min = 0, max = 1000))]
    pub replicas: Option<i64>,
    /// CPU, memory and GPUs of the model container.
    #[schemars(extend("x-tf" = ["block"]))]
    pub resources: Option<KubeResources>,
    /// Secret with the environment the model initializer needs to download the artifact
    /// (e.g. `AWS_ACCESS_KEY_ID`...; Seldon's `envSecretRefName`).
    #[schemars(
        regex(pattern = r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$"),
        length(max = 253)
    )]
    pub storage_secret_name: Option<String>,
    /// Service account of the model pods.
    #[schemars(
        regex(pattern = r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$"),
        length(max = 253)
    )]
    pub service_account_name: Option<String>,
    /// Canary rollout: the share (percent, 1-99) of traffic a changed model gets in the
    /// `canary` predictor on an update; `main` keeps the previous model and the rest. Remove
    /// it (or set 100) to promote the canary.
    #[schemars(range(min = 1, max = 100))]
    pub canary_traffic_percent: Option<i64>,
    /// Labels of the SeldonDeployment.
    pub labels: Option<BTreeMap<String, String>>,
    /// Annotations of the SeldonDeployment (keys under `mlops.terraform.io/` are the
    /// provider's).
    pub annotations: Option<BTreeMap<String, String>>,
    /// Take over fields another field manager owns instead of failing with a conflict.
    #[schemars(extend("x-tf-default" = false))]
    pub force_conflicts: Option<bool>,
    /// The artifact the newest predictor loads (`modelUri`): `model_data_url`, or the
    /// registry version's.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub storage_uri: Option<String>,
    /// During a canary, the artifact `main` still serves; null otherwise.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub stable_storage_uri: Option<String>,
    /// URL of the deployment, once Seldon reports it.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub url: Option<String>,
    /// Whether Seldon reported the deployment `Available` for its current spec when last
    /// read. When it is not, the next plan proposes to apply (and wait) again.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub ready: Option<bool>,
}

/// Name of a variant without a `name`.
pub const DEFAULT_VARIANT: &str = "primary";

impl EndpointState {
    /// The IAM role SageMaker assumes (empty when not set; validation requires it there).
    pub fn role(&self) -> &str {
        self.role_arn.as_deref().unwrap_or_default()
    }

    /// The variant blocks of this state, in order (see [`variant_paths`]).
    pub fn variant_blocks(&self) -> Vec<VariantBlock<&Variant>> {
        variant_paths(
            &self.model,
            self.variant.iter().flatten(),
            self.shadow.as_ref(),
        )
    }

    /// The variant blocks of this state, to fill in (see [`variant_paths`]).
    pub fn variant_blocks_mut(&mut self) -> Vec<VariantBlock<&mut Variant>> {
        variant_paths(
            &mut self.model,
            self.variant.iter_mut().flatten(),
            self.shadow.as_mut(),
        )
    }
}

impl Variant {
    /// The variant's name, [`DEFAULT_VARIANT`] when not set.
    pub fn name(&self) -> &str {
        self.name.as_deref().unwrap_or(DEFAULT_VARIANT)
    }
}

/// Whether a variant takes a share of the traffic or gets a copy of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VariantRole {
    /// `model` and each `variant`: served by weight.
    Production,
    /// `shadow`: receives a copy of the traffic, its responses are not returned.
    Shadow,
}

/// One variant block and where it sits: `T` is the variant (`&Variant`, `&mut Variant`) or
/// its configuration value (`&Value`).
#[derive(Debug)]
pub struct VariantBlock<T> {
    pub path: AttrPath,
    pub role: VariantRole,
    pub variant: T,
}

/// The variant blocks in order: `model`, `variant[0]`, `variant[1]`, ..., then `shadow`. The
/// one place their attribute paths are built, for states and configuration values alike.
pub fn variant_paths<T>(
    model: T,
    variants: impl IntoIterator<Item = T>,
    shadow: Option<T>,
) -> Vec<VariantBlock<T>> {
    let mut blocks = vec![VariantBlock {
        path: AttrPath::attr("model"),
        role: VariantRole::Production,
        variant: model,
    }];
    for (i, variant) in variants.into_iter().enumerate() {
        blocks.push(VariantBlock {
            path: AttrPath::attr("variant").index(i),
            role: VariantRole::Production,
            variant,
        });
    }
    if let Some(variant) = shadow {
        blocks.push(VariantBlock {
            path: AttrPath::attr("shadow"),
            role: VariantRole::Shadow,
            variant,
        });
    }
    blocks
}

/// The variant blocks of a configuration (or plan) value: `model`, the `variant` list when
/// it is known, and `shadow` when it is set.
pub fn config_variant_blocks(config: &Value) -> Vec<VariantBlock<&Value>> {
    let variants: &[Value] = match config.attr("variant") {
        Value::List(xs) => xs,
        _ => &[],
    };
    let shadow = config.attr("shadow");
    variant_paths(
        config.attr("model"),
        variants,
        (!shadow.is_null()).then_some(shadow),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variant_paths_in_order() {
        let mut s = EndpointState {
            variant: Some(vec![Variant::default(), Variant::default()]),
            shadow: Some(Variant::default()),
            ..Default::default()
        };
        let paths: Vec<(String, VariantRole)> = s
            .variant_blocks()
            .into_iter()
            .map(|b| (b.path.to_string(), b.role))
            .collect();
        assert_eq!(
            paths,
            [
                ("model".to_string(), VariantRole::Production),
                ("variant[0]".to_string(), VariantRole::Production),
                ("variant[1]".to_string(), VariantRole::Production),
                ("shadow".to_string(), VariantRole::Shadow),
            ]
        );
        assert_eq!(s.variant_blocks_mut().len(), 4);
        let config = Value::Object(
            [
                ("model".to_string(), Value::Object(Default::default())),
                ("variant".to_string(), Value::UNKNOWN),
                ("shadow".to_string(), Value::Null),
            ]
            .into(),
        );
        let blocks = config_variant_blocks(&config);
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0].path, AttrPath::attr("model"));
    }
}
