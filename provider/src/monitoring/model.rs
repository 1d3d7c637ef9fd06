//! The state of `mlops_monitor`: these structs are the schema, their doc comments the
//! attribute descriptions of the schema and docs.

use std::collections::{BTreeMap, BTreeSet};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::validation::{PROM_DURATION, ROLE_ARN, SEVERITY};

pub(super) const S3_URI: &str = r"^s3://([^/]+)/?(.*)$";

/// An S3 URI without its trailing slashes: `s3://b/p/` and `s3://b/p` are one location.
pub(super) fn without_trailing_slash(uri: &str) -> &str {
    uri.trim_end_matches('/')
}

/// A dataset the provider baselines: it starts a SageMaker processing job with the Model
/// Monitor analyzer (what the SageMaker SDK's `suggest_baseline` does), waits for it, and
/// uses the `statistics.json` and `constraints.json` it writes to
/// `<output_s3_uri>/baselines/<baselining_job_name>/` as the baseline. The job is named
/// after its inputs: changing the dataset or its format starts a new job and swaps the
/// data quality definition; anything else reuses the finished job. An interrupted apply
/// leaves the job running and the next apply waits for it; a job that failed is reported
/// with its reason and not run again for the same inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BaselineDataset {
    /// S3 URI of the dataset (an object or a prefix), e.g. the training data. For CSV the
    /// model's output columns come first, as in the SDK.
    #[schemars(regex(pattern = S3_URI), length(max = 1024))]
    pub s3_uri: String,
    /// `csv` or `json`.
    #[schemars(extend("enum" = ["csv", "json"]), extend("x-tf-default" = "csv"))]
    pub format: Option<String>,
    /// CSV only: the first line is a header.
    #[schemars(extend("x-tf-default" = true))]
    pub csv_header: Option<bool>,
    /// JSON only: one object per line (JSON Lines).
    #[schemars(extend("x-tf-default" = true))]
    pub json_lines: Option<bool>,
}

/// Data quality check: statistics of the captured inputs compared with a baseline, given
/// either as `baseline_statistics`/`baseline_constraints` or as a `baseline_dataset` the
/// provider baselines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DataQuality {
    /// S3 URI of the baseline `statistics.json` (from a baselining job). With
    /// `baseline_dataset`, the provider sets it to the job's output.
    #[schemars(regex(pattern = S3_URI), length(max = 1024))]
    #[schemars(extend("x-tf" = ["optional_computed"]))]
    pub baseline_statistics: Option<String>,
    /// S3 URI of the baseline `constraints.json`. With `baseline_dataset`, the provider
    /// sets it to the job's output.
    #[schemars(regex(pattern = S3_URI), length(max = 1024))]
    #[schemars(extend("x-tf" = ["optional_computed"]))]
    pub baseline_constraints: Option<String>,
    /// Baseline this dataset with a baselining job (instead of `baseline_statistics` and
    /// `baseline_constraints`).
    #[schemars(extend("x-tf" = ["block"]))]
    pub baseline_dataset: Option<BaselineDataset>,
}

/// Model quality check: predictions compared with ground truth labels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ModelQuality {
    /// `Regression`, `BinaryClassification` or `MulticlassClassification`.
    #[schemars(extend("enum" = ["Regression", "BinaryClassification", "MulticlassClassification"]))]
    pub problem_type: String,
    /// S3 URI of the ground truth labels (merged with the captured predictions).
    #[schemars(regex(pattern = S3_URI), length(max = 1024))]
    pub ground_truth_s3_uri: String,
    /// Attribute of the model's output holding the prediction (JSONPath, or the index
    /// for CSV output).
    #[schemars(length(min = 1, max = 256))]
    pub inference_attribute: String,
    /// Attribute of the output holding the probability (classification).
    #[schemars(length(max = 256))]
    pub probability_attribute: Option<String>,
    /// Probability above which a binary prediction is the positive class.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub probability_threshold: Option<f64>,
    /// S3 URI of the baseline `constraints.json`.
    #[schemars(regex(pattern = S3_URI), length(max = 1024))]
    pub baseline_constraints: Option<String>,
}

/// The data a batch transform job captured (its `data_capture_config`), monitored instead of
/// an endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BatchTransform {
    /// S3 URI the batch transform job captures its data to (`DestinationS3Uri` of the
    /// transform job's data capture).
    #[schemars(regex(pattern = S3_URI), length(max = 512))]
    pub data_captured_destination_s3_uri: String,
    /// Format of the captured data: `csv`, `json` or `parquet`.
    #[schemars(extend("enum" = ["csv", "json", "parquet"]))]
    pub format: String,
    /// CSV only: the files have a header line.
    pub csv_header: Option<bool>,
    /// JSON only: one object per line (JSON Lines).
    pub json_lines: Option<bool>,
}

/// Network settings of the monitoring (and baselining) jobs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Network {
    /// Subnets the jobs run in (with `security_group_ids`): 1-16 `subnet-...` IDs.
    pub subnet_ids: Option<BTreeSet<String>>,
    /// Security groups of the jobs (with `subnet_ids`): 1-5 `sg-...` IDs.
    pub security_group_ids: Option<BTreeSet<String>>,
    /// Run the jobs without network access.
    #[schemars(extend("x-tf-default" = false))]
    pub enable_network_isolation: Option<bool>,
    /// Encrypt traffic between the instances of a job (slower; for multi-instance jobs).
    #[schemars(extend("x-tf-default" = false))]
    pub enable_inter_container_traffic_encryption: Option<bool>,
}

/// CloudWatch alarms on the metrics the checks publish, notifying an SNS topic: the given
/// `topic_arn`, or a topic the provider creates (`mlops_<name>_alerts`, tagged, deleted with
/// the block) with `emails` subscribed. Write exactly one of `emails` and `topic_arn`, and
/// at least one threshold. The job definitions publish CloudWatch metrics when a check has
/// alarms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Alerts {
    /// ARN of an existing SNS topic the alarms notify (the provider never changes it). With
    /// `emails`, the ARN of the topic the provider created.
    #[schemars(regex(pattern = r"^arn:aws[a-z\-]*:sns:[a-z0-9\-]+:[0-9]{12}:\S+$"))]
    #[schemars(extend("x-tf" = ["optional_computed"]))]
    pub topic_arn: Option<String>,
    /// E-mail addresses subscribed to a topic the provider creates. AWS sends each a
    /// confirmation mail; nothing is delivered before it is confirmed.
    pub emails: Option<BTreeSet<String>>,
    /// Threshold per model-quality metric (needs `model_quality`), e.g. `{ rmse = 5, f1 =
    /// 0.8 }`. The alarm fires when the metric is worse: above the threshold for error
    /// metrics (`mse`, `rmse`, `mae`), below it for the others (`accuracy`, `precision`,
    /// `recall`, `f1`, `auc`, `r2`).
    pub metric_thresholds: Option<BTreeMap<String, f64>>,
    /// Data drift threshold per feature (needs `data_quality`), e.g. `{ age = 0.1 }`: an
    /// alarm on the `feature_baseline_drift_<feature>` metric (the distance between the
    /// feature's distribution and the baseline's) fires above it. The analyzer publishes
    /// the metric when the baseline constraints have `emit_metrics` enabled (the default of
    /// a suggested baseline).
    pub drift_thresholds: Option<BTreeMap<String, f64>>,
}

/// SageMaker Model Monitor for a real-time endpoint (which must capture data: the
/// `data_capture` block of `mlops_endpoint`) or for the data a batch transform job captured.
/// Each check is a job definition (immutable, content-named: a change creates a new one,
/// switches the schedule to it and deletes the old one, so monitoring never stops) and a
/// monitoring schedule. `alerts` adds CloudWatch alarms on drift and model-quality metrics.
///
/// With a `prometheus` block instead, the monitor watches an endpoint on Kubernetes (KServe
/// or Seldon Core) with Prometheus alerting rules: a `PrometheusRule` with alerts on error
/// rate, latency, traffic and drift (then only `name`, `endpoint_name` and `prometheus`
/// apply).
///
/// Import with the monitor name: `terraform import mlops_monitor.churn churn`, or
/// `prometheus:<namespace>/<name>` for Prometheus rules.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct MonitorState {
    /// Monitor name (1-40 letters, digits, hyphens); schedules are `<name>-data-quality`
    /// and `<name>-model-quality`. Changing it replaces the monitor.
    #[schemars(
        regex(pattern = r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,39}$"),
        length(min = 1, max = 40)
    )]
    #[schemars(extend("x-tf" = ["requires_replace"]))]
    pub name: String,
    /// IAM role the monitoring and baselining jobs run as (required on SageMaker).
    #[schemars(regex(pattern = ROLE_ARN), length(min = 20, max = 2048))]
    pub role_arn: Option<String>,
    /// Name of the monitored endpoint: on SageMaker it must capture data (checked when the
    /// monitor is created or pointed at another endpoint, before anything is made); with a
    /// `prometheus` block, the KServe or Seldon endpoint the alerts watch. Exactly one of
    /// `endpoint_name` and `batch_transform`.
    #[schemars(regex(pattern = r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$"))]
    pub endpoint_name: Option<String>,
    /// Monitor a batch transform job's captured data instead of an endpoint.
    #[schemars(extend("x-tf" = ["block"]))]
    pub batch_transform: Option<BatchTransform>,
    /// `hourly`, `daily` (at midnight UTC) or a cron expression SageMaker accepts:
    /// `cron(0 * ? * * *)`, `cron(0 H ? * * *)` or `cron(0 H/N ? * * *)`.
    #[schemars(extend("x-tf-default" = "daily"))]
    pub schedule: Option<String>,
    /// S3 URI the monitoring reports (and baselines) go to (required on SageMaker).
    #[schemars(regex(pattern = S3_URI), length(max = 512))]
    pub output_s3_uri: Option<String>,
    /// Instance type of the monitoring jobs.
    #[schemars(extend("x-tf-default" = "ml.m5.xlarge"))]
    pub instance_type: Option<String>,
    /// Instances per monitoring job.
    #[schemars(extend("x-tf-default" = 1), range(min = 1, max = 100))]
    pub instance_count: Option<i64>,
    /// Storage per instance in GB.
    #[schemars(extend("x-tf-default" = 20), range(min = 1, max = 16384))]
    pub volume_size_gb: Option<i64>,
    /// Longest run of a monitoring job. Hourly schedules allow at most 3600 (data quality)
    /// and 1800 (model quality).
    #[schemars(extend("x-tf-default" = 3600), range(min = 1, max = 86400))]
    pub max_runtime_seconds: Option<i64>,
    /// Network settings of the jobs (VPC, isolation, encryption).
    #[schemars(extend("x-tf" = ["block"]))]
    pub network: Option<Network>,
    /// Data quality check.
    #[schemars(extend("x-tf" = ["block"]))]
    pub data_quality: Option<DataQuality>,
    /// Model quality check.
    #[schemars(extend("x-tf" = ["block"]))]
    pub model_quality: Option<ModelQuality>,
    /// Alarms on drift and model-quality metrics, and where they notify.
    #[schemars(extend("x-tf" = ["block"]))]
    pub alerts: Option<Alerts>,
    /// Tags of the job definitions, schedules and baselining job. Provider `default_tags`
    /// are added.
    pub tags: Option<BTreeMap<String, String>>,
    /// All tags, including the provider's `default_tags`.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub tags_all: Option<BTreeMap<String, String>>,
    /// Baselining job of `data_quality.baseline_dataset` (named after its inputs).
    #[schemars(extend("x-tf" = ["computed"]))]
    pub baselining_job_name: Option<String>,
    /// Data quality job definition in use (content-named).
    #[schemars(extend("x-tf" = ["computed"]))]
    pub data_quality_job_definition: Option<String>,
    /// Model quality job definition in use (content-named).
    #[schemars(extend("x-tf" = ["computed"]))]
    pub model_quality_job_definition: Option<String>,
    /// ARN of the data quality monitoring schedule.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub data_quality_schedule_arn: Option<String>,
    /// ARN of the model quality monitoring schedule.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub model_quality_schedule_arn: Option<String>,
    /// CloudWatch alarms created for `alerts`.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub alarm_names: Option<Vec<String>>,
    /// Watch an endpoint on Kubernetes (KServe or Seldon Core) with Prometheus alerting
    /// rules instead of SageMaker Model Monitor.
    #[schemars(extend("x-tf" = ["block"]))]
    pub prometheus: Option<PrometheusAlerts>,
}

/// Prometheus alerting rules for a KServe or Seldon Core endpoint: one `PrometheusRule`
/// (monitoring.coreos.com/v1, prometheus-operator) named after the monitor in `namespace`,
/// applied by server-side apply with the field manager `terraform-provider-mlops`, with one
/// alert per block set below. The rules use the metric names the runtime really exports:
///
/// - `seldon`: Seldon Core v1's executor, `seldon_api_executor_server_requests_seconds`
///   (histogram; labels `deployment_name`, `service`, `code`; errors are codes other than
///   2xx (REST) or `OK` (gRPC)), and for `drift` the alibi-detect server's
///   `seldon_metric_drift_is_drift` of the detector's `deployment_name`.
/// - `kserve`: KServe Serverless through Knative's queue-proxy (Knative 1.18 and earlier),
///   `revision_app_request_count` and `revision_app_request_latencies` (milliseconds; labels
///   `namespace_name`, `configuration_name` = `<endpoint>-predictor`,
///   `response_code_class`).
///
/// Every series is matched on the `namespace` label Prometheus' pod and service monitors
/// add (KServe: `namespace_name`). Each alert carries `severity`, `endpoint`, `namespace` and
/// `labels`, for routing in Alertmanager.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PrometheusAlerts {
    /// Namespace of the endpoint and of the PrometheusRule. Changing it replaces the rules.
    #[schemars(
        regex(pattern = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"),
        length(min = 1, max = 63)
    )]
    #[schemars(extend("x-tf" = ["requires_replace"]))]
    pub namespace: String,
    /// What serves the endpoint, which says the metric names: `seldon` or `kserve`.
    #[schemars(extend("enum" = ["seldon", "kserve"]))]
    pub runtime: String,
    /// Window of the rates the rules compute, a Prometheus duration such as `5m`.
    #[schemars(regex(pattern = PROM_DURATION))]
    #[schemars(extend("x-tf-default" = "5m"))]
    pub window: Option<String>,
    /// Labels added to every alert (e.g. `team`), for routing.
    pub labels: Option<BTreeMap<String, String>>,
    /// Labels of the PrometheusRule object, e.g. the one your Prometheus' `ruleSelector`
    /// picks (`release = "kube-prometheus-stack"`).
    pub rule_labels: Option<BTreeMap<String, String>>,
    /// Alert when the share of failed requests stays above `max_ratio`.
    #[schemars(extend("x-tf" = ["block"]))]
    pub error_rate: Option<ErrorRateAlert>,
    /// Alert when a latency percentile stays above `max_seconds`.
    #[schemars(extend("x-tf" = ["block"]))]
    pub latency: Option<LatencyAlert>,
    /// Alert when the endpoint gets no requests at all.
    #[schemars(extend("x-tf" = ["block"]))]
    pub no_traffic: Option<NoTrafficAlert>,
    /// Alert when the drift detector reports drift (Seldon's alibi-detect server).
    #[schemars(extend("x-tf" = ["block"]))]
    pub drift: Option<DriftAlert>,
    /// Take over fields another field manager owns instead of failing with a conflict.
    #[schemars(extend("x-tf-default" = false))]
    pub force_conflicts: Option<bool>,
    /// The alerts of the rule, in order.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub alert_names: Option<Vec<String>>,
    /// The PrometheusRule's groups as applied (canonical JSON): an edit out of band shows
    /// as a change here, and the next apply restores them.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub rules: Option<String>,
}

/// The share of failed requests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ErrorRateAlert {
    /// Highest acceptable share of failed requests, e.g. `0.05`.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub max_ratio: f64,
    /// How long it must hold before the alert fires, a Prometheus duration.
    #[schemars(regex(pattern = PROM_DURATION))]
    #[schemars(extend("x-tf-default" = "5m"))]
    pub r#for: Option<String>,
    /// The alert's `severity` label.
    #[schemars(regex(pattern = SEVERITY))]
    #[schemars(extend("x-tf-default" = "critical"))]
    pub severity: Option<String>,
}

/// A latency percentile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LatencyAlert {
    /// Highest acceptable latency at `percentile`, in seconds.
    #[schemars(range(min = 0.001, max = 3600.0))]
    pub max_seconds: f64,
    /// The percentile, e.g. `0.99`.
    #[schemars(range(min = 0.5, max = 0.999))]
    #[schemars(extend("x-tf-default" = 0.99))]
    pub percentile: Option<f64>,
    /// How long it must hold before the alert fires, a Prometheus duration.
    #[schemars(regex(pattern = PROM_DURATION))]
    #[schemars(extend("x-tf-default" = "10m"))]
    pub r#for: Option<String>,
    /// The alert's `severity` label.
    #[schemars(regex(pattern = SEVERITY))]
    #[schemars(extend("x-tf-default" = "warning"))]
    pub severity: Option<String>,
}

/// No requests at all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NoTrafficAlert {
    /// How long it must hold before the alert fires, a Prometheus duration.
    #[schemars(regex(pattern = PROM_DURATION))]
    #[schemars(extend("x-tf-default" = "15m"))]
    pub r#for: Option<String>,
    /// The alert's `severity` label.
    #[schemars(regex(pattern = SEVERITY))]
    #[schemars(extend("x-tf-default" = "warning"))]
    pub severity: Option<String>,
}

/// Drift reported by Seldon's alibi-detect server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DriftAlert {
    /// The drift detector's deployment (the `deployment_name` label of its
    /// `seldon_metric_drift_is_drift` gauge).
    #[schemars(regex(pattern = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"), length(max = 63))]
    pub detector: String,
    /// How long it must hold before the alert fires, a Prometheus duration.
    #[schemars(regex(pattern = PROM_DURATION))]
    #[schemars(extend("x-tf-default" = "15m"))]
    pub r#for: Option<String>,
    /// The alert's `severity` label.
    #[schemars(regex(pattern = SEVERITY))]
    #[schemars(extend("x-tf-default" = "warning"))]
    pub severity: Option<String>,
}

/// The two checks a monitor can run, each a job definition and a monitoring schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum CheckKind {
    Data,
    Model,
}

impl CheckKind {
    /// Both checks, data quality first.
    pub(super) const ALL: [CheckKind; 2] = [CheckKind::Data, CheckKind::Model];

    /// The infix of the check's content-named job definitions (`<name>-dq-<hash>`).
    pub(super) fn tag(self) -> &'static str {
        match self {
            CheckKind::Data => "dq",
            CheckKind::Model => "mq",
        }
    }
}

impl MonitorState {
    /// Only the name: the state `import` hands to `read`.
    pub(super) fn named(name: &str) -> Self {
        MonitorState {
            name: name.to_string(),
            role_arn: None,
            endpoint_name: None,
            batch_transform: None,
            schedule: None,
            output_s3_uri: None,
            instance_type: None,
            instance_count: None,
            volume_size_gb: None,
            max_runtime_seconds: None,
            network: None,
            data_quality: None,
            model_quality: None,
            alerts: None,
            tags: None,
            tags_all: None,
            baselining_job_name: None,
            data_quality_job_definition: None,
            model_quality_job_definition: None,
            data_quality_schedule_arn: None,
            model_quality_schedule_arn: None,
            alarm_names: None,
            prometheus: None,
        }
    }

    /// The jobs' role (empty when not set; SageMaker's validation requires it).
    pub(super) fn role(&self) -> &str {
        self.role_arn.as_deref().unwrap_or_default()
    }

    /// Where reports go (empty when not set; SageMaker's validation requires it).
    pub(super) fn output(&self) -> &str {
        self.output_s3_uri.as_deref().unwrap_or_default()
    }

    /// The recorded job definition of a check.
    pub(super) fn job_definition(&self, kind: CheckKind) -> Option<&String> {
        match kind {
            CheckKind::Data => self.data_quality_job_definition.as_ref(),
            CheckKind::Model => self.model_quality_job_definition.as_ref(),
        }
    }

    /// The recorded schedule ARN of a check.
    pub(super) fn schedule_arn(&self, kind: CheckKind) -> Option<&String> {
        match kind {
            CheckKind::Data => self.data_quality_schedule_arn.as_ref(),
            CheckKind::Model => self.model_quality_schedule_arn.as_ref(),
        }
    }

    /// Record a check's job definition and schedule ARN.
    pub(super) fn set_check(
        &mut self,
        kind: CheckKind,
        definition: Option<String>,
        schedule_arn: Option<String>,
    ) {
        match kind {
            CheckKind::Data => {
                self.data_quality_job_definition = definition;
                self.data_quality_schedule_arn = schedule_arn;
            }
            CheckKind::Model => {
                self.model_quality_job_definition = definition;
                self.model_quality_schedule_arn = schedule_arn;
            }
        }
    }
}

/// A monitor `churn` of endpoint `churn` without checks (unit tests).
#[cfg(test)]
pub(super) fn churn_on_endpoint() -> MonitorState {
    let mut s = MonitorState::named("churn");
    s.role_arn = Some("arn:aws:iam::123456789012:role/r".into());
    s.endpoint_name = Some("churn".into());
    s.output_s3_uri = Some("s3://m/churn".into());
    s
}
