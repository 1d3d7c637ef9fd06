//! `mlops_monitor`: SageMaker Model Monitor for an endpoint or a batch transform's captured
//! data: data quality and/or model quality job definitions with their monitoring schedules,
//! an optional baselining job, and CloudWatch alarms on drift and model-quality metrics that
//! notify an SNS topic (given, or created with e-mail subscriptions).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use aws_sdk_cloudwatch::types::{ComparisonOperator, Dimension, Statistic};
use aws_sdk_sagemaker::types::{
    AppSpecification, BatchTransformInput, DataQualityAppSpecification, DataQualityBaselineConfig,
    DataQualityJobInput, EndpointInput, ModelQualityAppSpecification, ModelQualityBaselineConfig,
    ModelQualityJobInput, MonitoringClusterConfig, MonitoringConstraintsResource,
    MonitoringCsvDatasetFormat, MonitoringDatasetFormat, MonitoringGroundTruthS3Input,
    MonitoringJsonDatasetFormat, MonitoringNetworkConfig, MonitoringOutput, MonitoringOutputConfig,
    MonitoringParquetDatasetFormat, MonitoringProblemType, MonitoringResources, MonitoringS3Output,
    MonitoringScheduleConfig, MonitoringStatisticsResource, MonitoringStoppingCondition,
    MonitoringType, NetworkConfig, ProcessingClusterConfig, ProcessingInput,
    ProcessingInstanceType, ProcessingJobStatus, ProcessingOutput, ProcessingOutputConfig,
    ProcessingResources, ProcessingS3DataDistributionType, ProcessingS3DataType, ProcessingS3Input,
    ProcessingS3InputMode, ProcessingS3Output, ProcessingS3UploadMode, ProcessingStoppingCondition,
    ScheduleConfig, ScheduleStatus, VpcConfig,
};
use mlops_framework::{
    async_trait, wait_for, AttrPath, Backoff, Check, Ctx, Diagnostic, Diagnostics, Failure,
    PlanCtx, Resource, TimeoutDefaults, Value,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::aws::{
    api_error, arn_parts, cloudwatch_tags, delete_alarms, delete_topic, email_subscriptions,
    error_code, is_missing, is_not_found, list_tags, merge_tags, owned_name, owned_tags,
    plan_tags_all, sdk_tags, service_error, sns_tags, stable_hash, subscribe, unsubscribe,
    update_tags, user_tags, Clients,
};
use crate::sagemaker::catalog::PROCESSING;
use crate::validation::{validate_emails, validate_tags, ROLE_ARN};

const S3_URI: &str = r"^s3://([^/]+)/?(.*)$";

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
/// Import with the monitor name: `terraform import mlops_monitor.churn churn`.
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
    /// IAM role the monitoring and baselining jobs run as.
    #[schemars(regex(pattern = ROLE_ARN), length(min = 20, max = 2048))]
    pub role_arn: String,
    /// Name of the monitored endpoint. Exactly one of `endpoint_name` and
    /// `batch_transform`.
    #[schemars(regex(pattern = r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$"))]
    pub endpoint_name: Option<String>,
    /// Monitor a batch transform job's captured data instead of an endpoint.
    #[schemars(extend("x-tf" = ["block"]))]
    pub batch_transform: Option<BatchTransform>,
    /// `hourly`, `daily` (at midnight UTC) or a cron expression SageMaker accepts:
    /// `cron(0 * ? * * *)`, `cron(0 H ? * * *)` or `cron(0 H/N ? * * *)`.
    #[schemars(extend("x-tf-default" = "daily"))]
    pub schedule: Option<String>,
    /// S3 URI the monitoring reports (and baselines) go to.
    #[schemars(regex(pattern = S3_URI), length(max = 512))]
    pub output_s3_uri: String,
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
}

/// The resource.
pub struct Monitor;

const HOURLY: &str = "cron(0 * ? * * *)";
const DAILY: &str = "cron(0 0 ? * * *)";
/// Tag naming the monitor an owned SNS topic belongs to.
const MONITOR_TAG: &str = "mlops:monitor";
/// Container paths of the analyzer (as the SageMaker SDK uses them).
const OUTPUT_PATH: &str = "/opt/ml/processing/output";
const BASELINE_INPUT: &str = "baseline_dataset_input";
const BASELINE_INPUT_PATH: &str = "/opt/ml/processing/input/baseline_dataset_input";
/// The analyzer's switch for CloudWatch metrics.
const PUBLISH_METRICS: &str = "publish_cloudwatch_metrics";
/// Prefix of the drift metric of a feature.
const DRIFT_METRIC: &str = "feature_baseline_drift_";
/// Known model-quality metrics: (name, an error metric: alarm when greater).
const METRICS: &[(&str, bool)] = &[
    ("mse", true),
    ("rmse", true),
    ("mae", true),
    ("r2", false),
    ("accuracy", false),
    ("precision", false),
    ("recall", false),
    ("f1", false),
    ("auc", false),
];

static CRON_RE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"^cron\(0 (\*|([0-9]{1,2})(/([0-9]{1,2}))?) (\? \* \*|\* \* \?) \*\)$")
        .expect("static regex")
});

/// The ScheduleExpression of a `schedule` value, and whether it runs hourly; `None` when not
/// a form SageMaker accepts.
fn expression(schedule: &str) -> Option<(String, bool)> {
    match schedule {
        "hourly" => return Some((HOURLY.into(), true)),
        "daily" => return Some((DAILY.into(), false)),
        _ => {}
    }
    let c = CRON_RE.captures(schedule)?;
    if c.get(2).is_none() {
        return Some((schedule.into(), true));
    }
    let h: u32 = c[2].parse().ok()?;
    if h > 23 {
        return None;
    }
    match c.get(4) {
        Some(n) => {
            let n: u32 = n.as_str().parse().ok()?;
            (1..=24).contains(&n).then(|| (schedule.into(), n == 1))
        }
        None => Some((schedule.into(), false)),
    }
}

fn schedule_name(name: &str, check: Kind) -> String {
    match check {
        Kind::Data => format!("{name}-data-quality"),
        Kind::Model => format!("{name}-model-quality"),
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Data,
    Model,
}

impl Kind {
    fn tag(self) -> &'static str {
        match self {
            Kind::Data => "dq",
            Kind::Model => "mq",
        }
    }
}

/// A definition this monitor created (content-named `<name>-dq-<hash>`): only those are
/// deleted, never one a schedule was pointed at out of band.
fn is_ours(name: &str, kind: Kind, definition: &str) -> bool {
    definition
        .strip_prefix(&format!("{name}-{}-", kind.tag()))
        .is_some_and(|h| h.len() == 10 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn trimmed(uri: &str) -> &str {
    uri.trim_end_matches('/')
}

/// Name of the baselining job of a dataset: its inputs (and where it writes) hashed.
fn baselining_job_name(name: &str, output_s3_uri: &str, d: &BaselineDataset) -> String {
    let content = serde_json::json!([
        d.s3_uri,
        d.format,
        d.csv_header,
        d.json_lines,
        trimmed(output_s3_uri)
    ]);
    let h = stable_hash(&content.to_string()) & 0xff_ffff_ffff;
    format!("{name}-baseline-{h:010x}")
}

/// Where a baselining job writes, and its statistics and constraints files.
fn baseline_output(output_s3_uri: &str, job: &str) -> (String, String, String) {
    let out = format!("{}/baselines/{job}", trimmed(output_s3_uri));
    (
        out.clone(),
        format!("{out}/statistics.json"),
        format!("{out}/constraints.json"),
    )
}

fn owned_topic_name(name: &str) -> String {
    owned_name(&[name, "alerts"], 256)
}

fn topic_name(arn: &str) -> &str {
    arn.rsplit(':').next().unwrap_or_default()
}

/// Whether a check's job definition publishes CloudWatch metrics: when alarms watch them.
fn publishes_metrics(s: &MonitorState, kind: Kind) -> bool {
    let a = s.alerts.as_ref();
    let thresholds = match kind {
        Kind::Data => a.and_then(|a| a.drift_thresholds.as_ref()),
        Kind::Model => a.and_then(|a| a.metric_thresholds.as_ref()),
    };
    thresholds.is_some_and(|t| !t.is_empty())
}

/// Content name of a check's job definition: everything the definition holds.
fn definition_name(s: &MonitorState, kind: Kind) -> Option<String> {
    let common = serde_json::json!([
        s.role_arn,
        s.endpoint_name,
        s.batch_transform,
        s.output_s3_uri,
        s.instance_type,
        s.instance_count,
        s.volume_size_gb,
        s.max_runtime_seconds,
        s.network,
        publishes_metrics(s, kind)
    ]);
    let content = match kind {
        Kind::Data => {
            let d = s.data_quality.as_ref()?;
            serde_json::json!([
                common,
                d.baseline_statistics,
                d.baseline_constraints,
                s.baselining_job_name
            ])
        }
        Kind::Model => {
            let m = s.model_quality.as_ref()?;
            serde_json::json!([
                common,
                m.problem_type,
                m.ground_truth_s3_uri,
                m.inference_attribute,
                m.probability_attribute,
                m.probability_threshold,
                m.baseline_constraints
            ])
        }
    };
    let h = stable_hash(&content.to_string()) & 0xff_ffff_ffff;
    Some(format!("{}-{}-{h:010x}", s.name, kind.tag()))
}

/// One CloudWatch alarm of `alerts`.
struct AlarmSpec {
    name: String,
    kind: Kind,
    namespace: String,
    metric: String,
    threshold: f64,
    greater: bool,
    statistic: Statistic,
    description: String,
}

fn alarm_prefix(name: &str) -> String {
    format!("mlops-{name}-")
}

/// The alarms `alerts` asks for: model-quality metrics (`mlops-<name>-<metric>`) and
/// feature drift (`mlops-<name>-drift-<feature>`), in the namespaces Model Monitor publishes
/// to (`aws/sagemaker/Endpoints/...` for endpoints, `aws/sagemaker/ModelMonitoring/...` for
/// batch transform).
fn alarm_specs(s: &MonitorState) -> Vec<AlarmSpec> {
    let Some(a) = &s.alerts else { return vec![] };
    let scope = if s.endpoint_name.is_some() {
        "Endpoints"
    } else {
        "ModelMonitoring"
    };
    let target = match &s.endpoint_name {
        Some(e) => format!("endpoint {e}"),
        None => "batch transform output".into(),
    };
    let prefix = alarm_prefix(&s.name);
    let mut out = vec![];
    for (metric, threshold) in a.metric_thresholds.iter().flatten() {
        let greater = METRICS.iter().any(|(m, e)| m == metric && *e);
        out.push(AlarmSpec {
            name: format!("{prefix}{metric}"),
            kind: Kind::Model,
            namespace: format!("aws/sagemaker/{scope}/model-metrics"),
            metric: metric.clone(),
            threshold: *threshold,
            greater,
            statistic: Statistic::Average,
            description: format!(
                "Model quality {metric} of {target} (terraform-provider-mlops monitor {})",
                s.name
            ),
        });
    }
    for (feature, threshold) in a.drift_thresholds.iter().flatten() {
        out.push(AlarmSpec {
            name: format!("{prefix}drift-{feature}"),
            kind: Kind::Data,
            namespace: format!("aws/sagemaker/{scope}/data-metrics"),
            metric: format!("{DRIFT_METRIC}{feature}"),
            threshold: *threshold,
            greater: true,
            statistic: Statistic::Maximum,
            description: format!(
                "Baseline drift of feature {feature} of {target} (terraform-provider-mlops monitor {})",
                s.name
            ),
        });
    }
    out
}

fn alarm_names_for(s: &MonitorState) -> Vec<String> {
    alarm_specs(s).into_iter().map(|a| a.name).collect()
}

/// Model Monitor analyzer image of a region (SageMaker's own image table, shared with the
/// pipeline compiler's quality checks).
fn analyzer_image(region: &str) -> Result<String, Diagnostics> {
    crate::sagemaker::catalog::analyzer_image(region).ok_or_else(|| {
        Diagnostic::error(
            "No Model Monitor image for this region",
            format!("SageMaker publishes no Model Monitor analyzer image for region {region:?} that the provider knows of."),
        )
        .into()
    })
}

fn mt(kind: Kind) -> MonitoringType {
    match kind {
        Kind::Data => MonitoringType::DataQuality,
        Kind::Model => MonitoringType::ModelQuality,
    }
}

fn dataset_format(b: &BatchTransform) -> MonitoringDatasetFormat {
    let f = MonitoringDatasetFormat::builder();
    match b.format.as_str() {
        "json" => f.json(
            MonitoringJsonDatasetFormat::builder()
                .set_line(b.json_lines)
                .build(),
        ),
        "parquet" => f.parquet(MonitoringParquetDatasetFormat::builder().build()),
        _ => f.csv(
            MonitoringCsvDatasetFormat::builder()
                .set_header(b.csv_header)
                .build(),
        ),
    }
    .build()
}

fn batch_from(i: &BatchTransformInput) -> BatchTransform {
    let f = i.dataset_format();
    let (format, csv_header, json_lines) = match f {
        Some(f) if f.json().is_some() => ("json", None, f.json().and_then(|j| j.line())),
        Some(f) if f.parquet().is_some() => ("parquet", None, None),
        Some(f) => ("csv", f.csv().and_then(|c| c.header()), None),
        None => ("csv", None, None),
    };
    BatchTransform {
        data_captured_destination_s3_uri: i
            .data_captured_destination_s3_uri()
            .unwrap_or_default()
            .to_string(),
        format: format.into(),
        csv_header,
        json_lines,
    }
}

/// The `dataset_format` environment value of a baselining job (the SDK's `DatasetFormat`).
fn baseline_format_env(d: &BaselineDataset) -> String {
    match d.format.as_deref() {
        Some("json") => serde_json::json!({"json": {"lines": d.json_lines.unwrap_or(true)}}),
        _ => serde_json::json!({"csv": {"header": d.csv_header.unwrap_or(true), "output_columns_position": "START"}}),
    }
    .to_string()
}

/// A dataset back from its baselining job's request (import, drift).
fn dataset_from_job(
    d: &aws_sdk_sagemaker::operation::describe_processing_job::DescribeProcessingJobOutput,
) -> Option<BaselineDataset> {
    let uri = d
        .processing_inputs()
        .iter()
        .find(|i| i.input_name() == Some(BASELINE_INPUT))
        .and_then(|i| i.s3_input())
        .and_then(|s| s.s3_uri())?;
    let env: serde_json::Value = d
        .environment()
        .and_then(|e| e.get("dataset_format"))
        .and_then(|f| serde_json::from_str(f).ok())
        .unwrap_or_default();
    let json = env.get("json");
    Some(BaselineDataset {
        s3_uri: uri.to_string(),
        format: Some(if json.is_some() { "json" } else { "csv" }.into()),
        csv_header: Some(
            env.pointer("/csv/header")
                .and_then(|h| h.as_bool())
                .unwrap_or(true),
        ),
        json_lines: Some(
            json.and_then(|j| j.get("lines"))
                .and_then(|l| l.as_bool())
                .unwrap_or(true),
        ),
    })
}

/// Make an owned topic's tags equal `want` (default tags change).
async fn sync_topic_tags(
    c: &Clients,
    topic: &str,
    want: &BTreeMap<String, String>,
) -> Result<(), Diagnostics> {
    let have: BTreeMap<String, String> = c
        .sns
        .list_tags_for_resource()
        .resource_arn(topic)
        .send()
        .await
        .map_err(|e| service_error("SNS", "ListTagsForResource", topic, &e))?
        .tags()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect();
    let stale: Vec<String> = have
        .keys()
        .filter(|k| !want.contains_key(*k))
        .cloned()
        .collect();
    if !stale.is_empty() {
        c.sns
            .untag_resource()
            .resource_arn(topic)
            .set_tag_keys(Some(stale))
            .send()
            .await
            .map_err(|e| service_error("SNS", "UntagResource", topic, &e))?;
    }
    let changed: BTreeMap<String, String> = want
        .iter()
        .filter(|(k, v)| have.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if !changed.is_empty() {
        c.sns
            .tag_resource()
            .resource_arn(topic)
            .set_tags(Some(sns_tags(&changed)))
            .send()
            .await
            .map_err(|e| service_error("SNS", "TagResource", topic, &e))?;
    }
    Ok(())
}

/// The ARN of a job definition, from the ARN of a schedule in the same account and region.
fn definition_arn(schedule_arn: &str, kind: Kind, definition: &str) -> Option<String> {
    let (partition, region, account) = arn_parts(schedule_arn)?;
    let ty = match kind {
        Kind::Data => "data-quality-job-definition",
        Kind::Model => "model-quality-job-definition",
    };
    Some(format!(
        "arn:{partition}:sagemaker:{region}:{account}:{ty}/{}",
        definition.to_ascii_lowercase()
    ))
}

/// `Ok(true)` when a call on an object succeeded, `Ok(false)` when the object does not exist.
fn found<T, E, R>(
    op: &str,
    name: &str,
    r: Result<T, aws_sdk_sagemaker::error::SdkError<E, R>>,
) -> Result<bool, Diagnostics>
where
    E: aws_sdk_sagemaker::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    match r {
        Ok(_) => Ok(true),
        Err(e) if is_not_found(&e) => Ok(false),
        Err(e) => Err(api_error(op, name, &e).into()),
    }
}

fn vpc(n: &Network) -> Option<VpcConfig> {
    match (&n.subnet_ids, &n.security_group_ids) {
        (Some(sn), Some(sg)) if !sn.is_empty() && !sg.is_empty() => Some(
            VpcConfig::builder()
                .set_subnets(Some(sn.iter().cloned().collect()))
                .set_security_group_ids(Some(sg.iter().cloned().collect()))
                .build(),
        ),
        _ => None,
    }
}

fn monitoring_network(s: &MonitorState) -> Option<MonitoringNetworkConfig> {
    s.network.as_ref().map(|n| {
        MonitoringNetworkConfig::builder()
            .enable_network_isolation(n.enable_network_isolation.unwrap_or(false))
            .enable_inter_container_traffic_encryption(
                n.enable_inter_container_traffic_encryption.unwrap_or(false),
            )
            .set_vpc_config(vpc(n))
            .build()
    })
}

/// The `network` block of a definition's network config; `None` when it holds only defaults
/// and the prior state had no block either.
fn network_from(net: Option<&MonitoringNetworkConfig>, prior: Option<&Network>) -> Option<Network> {
    let isolation = net
        .and_then(|n| n.enable_network_isolation())
        .unwrap_or(false);
    let encryption = net
        .and_then(|n| n.enable_inter_container_traffic_encryption())
        .unwrap_or(false);
    let v = net.and_then(|n| n.vpc_config());
    let subnets: Option<BTreeSet<String>> = v.map(|v| v.subnets().iter().cloned().collect());
    let groups: Option<BTreeSet<String>> =
        v.map(|v| v.security_group_ids().iter().cloned().collect());
    if prior.is_none() && !isolation && !encryption && subnets.is_none() {
        return None;
    }
    Some(Network {
        subnet_ids: subnets,
        security_group_ids: groups,
        enable_network_isolation: Some(isolation),
        enable_inter_container_traffic_encryption: Some(encryption),
    })
}

impl Monitor {
    async fn create_definition(
        &self,
        c: &Clients,
        s: &MonitorState,
        kind: Kind,
        name: &str,
        tags: &BTreeMap<String, String>,
    ) -> Result<(), Diagnostics> {
        let output = MonitoringOutputConfig::builder()
            .monitoring_outputs(
                MonitoringOutput::builder()
                    .s3_output(
                        MonitoringS3Output::builder()
                            .s3_uri(&s.output_s3_uri)
                            .local_path(OUTPUT_PATH)
                            .build(),
                    )
                    .build(),
            )
            .build();
        let resources = MonitoringResources::builder()
            .cluster_config(
                MonitoringClusterConfig::builder()
                    .instance_count(s.instance_count.unwrap_or(1) as i32)
                    .instance_type(ProcessingInstanceType::from(
                        s.instance_type.as_deref().unwrap_or("ml.m5.xlarge"),
                    ))
                    .volume_size_in_gb(s.volume_size_gb.unwrap_or(20) as i32)
                    .build(),
            )
            .build();
        let network = monitoring_network(s);
        let stop = MonitoringStoppingCondition::builder()
            .max_runtime_in_seconds(s.max_runtime_seconds.unwrap_or(3600) as i32)
            .build();
        let image = analyzer_image(&c.region)?;
        let env = publishes_metrics(s, kind).then(|| {
            std::collections::HashMap::from([(PUBLISH_METRICS.to_string(), "Enabled".to_string())])
        });
        let endpoint = |m: Option<&ModelQuality>| {
            s.endpoint_name.as_ref().map(|e| {
                let mut b = EndpointInput::builder()
                    .endpoint_name(e)
                    .local_path("/opt/ml/processing/input/endpoint");
                if let Some(m) = m {
                    b = b
                        .inference_attribute(&m.inference_attribute)
                        .set_probability_attribute(m.probability_attribute.clone())
                        .set_probability_threshold_attribute(m.probability_threshold);
                }
                b.build()
            })
        };
        let batch = |m: Option<&ModelQuality>| {
            s.batch_transform.as_ref().map(|t| {
                let mut b = BatchTransformInput::builder()
                    .data_captured_destination_s3_uri(&t.data_captured_destination_s3_uri)
                    .dataset_format(dataset_format(t))
                    .local_path("/opt/ml/processing/input/batch");
                if let Some(m) = m {
                    b = b
                        .inference_attribute(&m.inference_attribute)
                        .set_probability_attribute(m.probability_attribute.clone())
                        .set_probability_threshold_attribute(m.probability_threshold);
                }
                b.build()
            })
        };
        let res = match kind {
            Kind::Data => {
                let d = s.data_quality.clone().ok_or_else(|| {
                    Diagnostics::from(Diagnostic::error("No data quality check", name))
                })?;
                let baseline =
                    (d.baseline_statistics.is_some() || d.baseline_constraints.is_some()).then(
                        || {
                            DataQualityBaselineConfig::builder()
                                .set_baselining_job_name(s.baselining_job_name.clone())
                                .set_constraints_resource(d.baseline_constraints.as_ref().map(
                                    |u| MonitoringConstraintsResource::builder().s3_uri(u).build(),
                                ))
                                .set_statistics_resource(d.baseline_statistics.as_ref().map(|u| {
                                    MonitoringStatisticsResource::builder().s3_uri(u).build()
                                }))
                                .build()
                        },
                    );
                c.sagemaker
                    .create_data_quality_job_definition()
                    .job_definition_name(name)
                    .set_data_quality_baseline_config(baseline)
                    .data_quality_app_specification(
                        DataQualityAppSpecification::builder()
                            .image_uri(image)
                            .set_environment(env)
                            .build(),
                    )
                    .data_quality_job_input(
                        DataQualityJobInput::builder()
                            .set_endpoint_input(endpoint(None))
                            .set_batch_transform_input(batch(None))
                            .build(),
                    )
                    .data_quality_job_output_config(output)
                    .job_resources(resources)
                    .set_network_config(network)
                    .role_arn(&s.role_arn)
                    .stopping_condition(stop)
                    .set_tags(sdk_tags(tags))
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| {
                        (
                            error_code(&e) == Some("ResourceInUse"),
                            api_error("CreateDataQualityJobDefinition", name, &e),
                        )
                    })
            }
            Kind::Model => {
                let m = s.model_quality.clone().ok_or_else(|| {
                    Diagnostics::from(Diagnostic::error("No model quality check", name))
                })?;
                let baseline = m.baseline_constraints.as_ref().map(|u| {
                    ModelQualityBaselineConfig::builder()
                        .constraints_resource(
                            MonitoringConstraintsResource::builder().s3_uri(u).build(),
                        )
                        .build()
                });
                c.sagemaker
                    .create_model_quality_job_definition()
                    .job_definition_name(name)
                    .set_model_quality_baseline_config(baseline)
                    .model_quality_app_specification(
                        ModelQualityAppSpecification::builder()
                            .image_uri(image)
                            .problem_type(MonitoringProblemType::from(m.problem_type.as_str()))
                            .set_environment(env)
                            .build(),
                    )
                    .model_quality_job_input(
                        ModelQualityJobInput::builder()
                            .set_endpoint_input(endpoint(Some(&m)))
                            .set_batch_transform_input(batch(Some(&m)))
                            .ground_truth_s3_input(
                                MonitoringGroundTruthS3Input::builder()
                                    .s3_uri(&m.ground_truth_s3_uri)
                                    .build(),
                            )
                            .build(),
                    )
                    .model_quality_job_output_config(output)
                    .job_resources(resources)
                    .set_network_config(network)
                    .role_arn(&s.role_arn)
                    .stopping_condition(stop)
                    .set_tags(sdk_tags(tags))
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| {
                        (
                            error_code(&e) == Some("ResourceInUse"),
                            api_error("CreateModelQualityJobDefinition", name, &e),
                        )
                    })
            }
        };
        match res {
            Ok(()) => {
                tracing::info!(definition = %name, "monitoring job definition created");
                Ok(())
            }
            // Same name = same content: left over from an earlier, interrupted apply.
            Err((true, _)) => Ok(()),
            Err((false, d)) => Err(d.into()),
        }
    }

    /// Delete a job definition (a missing one is fine).
    async fn delete_definition(
        &self,
        c: &Clients,
        kind: Kind,
        name: &str,
    ) -> Result<(), Diagnostics> {
        let sm = &c.sagemaker;
        match kind {
            Kind::Data => found(
                "DeleteDataQualityJobDefinition",
                name,
                sm.delete_data_quality_job_definition()
                    .job_definition_name(name)
                    .send()
                    .await,
            ),
            Kind::Model => found(
                "DeleteModelQualityJobDefinition",
                name,
                sm.delete_model_quality_job_definition()
                    .job_definition_name(name)
                    .send()
                    .await,
            ),
        }
        .map(|_| ())
    }

    /// The job definitions of this monitor (content-named `<name>-dq-<hash>` /
    /// `<name>-mq-<hash>`) that exist.
    async fn own_definitions(
        &self,
        c: &Clients,
        name: &str,
        kind: Kind,
    ) -> Result<Vec<String>, Diagnostics> {
        let prefix = format!("{name}-{}-", kind.tag());
        let mut out = vec![];
        let mut token: Option<String> = None;
        loop {
            let page = match kind {
                Kind::Data => c
                    .sagemaker
                    .list_data_quality_job_definitions()
                    .name_contains(&prefix)
                    .set_next_token(token.take())
                    .send()
                    .await
                    .map(|r| {
                        (
                            r.job_definition_summaries().to_vec(),
                            r.next_token().map(String::from),
                        )
                    })
                    .map_err(|e| api_error("ListDataQualityJobDefinitions", &prefix, &e))?,
                Kind::Model => c
                    .sagemaker
                    .list_model_quality_job_definitions()
                    .name_contains(&prefix)
                    .set_next_token(token.take())
                    .send()
                    .await
                    .map(|r| {
                        (
                            r.job_definition_summaries().to_vec(),
                            r.next_token().map(String::from),
                        )
                    })
                    .map_err(|e| api_error("ListModelQualityJobDefinitions", &prefix, &e))?,
            };
            out.extend(
                page.0
                    .iter()
                    .filter_map(|d| d.monitoring_job_definition_name().map(String::from))
                    .filter(|d| is_ours(name, kind, d)),
            );
            match page.1 {
                Some(t) if !t.is_empty() => token = Some(t),
                _ => break,
            }
        }
        Ok(out)
    }

    /// Whether a job definition exists.
    async fn definition_exists(
        &self,
        c: &Clients,
        kind: Kind,
        name: &str,
    ) -> Result<bool, Diagnostics> {
        let sm = &c.sagemaker;
        match kind {
            Kind::Data => found(
                "DescribeDataQualityJobDefinition",
                name,
                sm.describe_data_quality_job_definition()
                    .job_definition_name(name)
                    .send()
                    .await,
            ),
            Kind::Model => found(
                "DescribeModelQualityJobDefinition",
                name,
                sm.describe_model_quality_job_definition()
                    .job_definition_name(name)
                    .send()
                    .await,
            ),
        }
    }

    fn schedule_config(s: &MonitorState, kind: Kind, definition: &str) -> MonitoringScheduleConfig {
        let expr = expression(s.schedule.as_deref().unwrap_or("daily"))
            .map(|x| x.0)
            .unwrap_or_else(|| DAILY.into());
        MonitoringScheduleConfig::builder()
            .schedule_config(ScheduleConfig::builder().schedule_expression(expr).build())
            .monitoring_job_definition_name(definition)
            .monitoring_type(mt(kind))
            .build()
    }

    /// Wait until the schedule is Scheduled (or gone, with `gone`).
    async fn wait_schedule(
        &self,
        ctx: &Ctx<Clients>,
        name: &str,
        gone: bool,
    ) -> Result<Option<String>, Diagnostics> {
        let c = ctx.client.clone();
        let what = if gone {
            format!("monitoring schedule {name} to be deleted")
        } else {
            format!("monitoring schedule {name} to be Scheduled")
        };
        wait_for(&what, ctx.timeout, &ctx.cancel, Backoff::default(), || {
            let c = c.clone();
            let name = name.to_string();
            async move {
                match c
                    .sagemaker
                    .describe_monitoring_schedule()
                    .monitoring_schedule_name(&name)
                    .send()
                    .await
                {
                    Err(e) if is_not_found(&e) && gone => Ok(Check::Done(None)),
                    Err(e) => Err(Diagnostics::from(api_error(
                        "DescribeMonitoringSchedule",
                        &name,
                        &e,
                    ))),
                    Ok(d) => match d.monitoring_schedule_status() {
                        Some(ScheduleStatus::Scheduled) if !gone => {
                            Ok(Check::Done(d.monitoring_schedule_arn().map(String::from)))
                        }
                        Some(ScheduleStatus::Failed) if !gone => Err(Diagnostic::error(
                            "Monitoring schedule failed",
                            format!(
                                "Monitoring schedule {name} failed: {}",
                                d.failure_reason().unwrap_or("(no reason given)")
                            ),
                        )
                        .into()),
                        s => Ok(Check::Pending(format!(
                            "status {}",
                            s.map(|s| s.as_str()).unwrap_or("?")
                        ))),
                    },
                }
            }
        })
        .await
    }

    /// Delete a schedule (waiting out a pending change first) and wait until it is gone.
    async fn delete_schedule(&self, ctx: &Ctx<Clients>, sched: &str) -> Result<(), Diagnostics> {
        let c = &ctx.client;
        let send = || {
            c.sagemaker
                .delete_monitoring_schedule()
                .monitoring_schedule_name(sched)
                .send()
        };
        match send().await {
            Ok(_) => {}
            Err(e) if is_not_found(&e) => return Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|x| x.to_string().contains("Pending")) =>
            {
                self.wait_schedule(ctx, sched, false).await?;
                send()
                    .await
                    .map_err(|e| api_error("DeleteMonitoringSchedule", sched, &e))?;
            }
            Err(e) => return Err(api_error("DeleteMonitoringSchedule", sched, &e).into()),
        }
        self.wait_schedule(ctx, sched, true).await?;
        tracing::info!(schedule = %sched, "monitoring schedule deleted");
        Ok(())
    }

    /// Run (or adopt) the baselining job `job` and wait until it completed.
    async fn ensure_baseline(
        &self,
        ctx: &Ctx<Clients>,
        s: &MonitorState,
        d: &BaselineDataset,
        job: &str,
        tags: &BTreeMap<String, String>,
    ) -> Result<(), Diagnostics> {
        let c = ctx.client.clone();
        match c
            .sagemaker
            .describe_processing_job()
            .processing_job_name(job)
            .send()
            .await
        {
            Ok(_) => tracing::info!(job = %job, "baselining job exists already; using it"),
            Err(e) if is_not_found(&e) => {
                let (out, _, _) = baseline_output(&s.output_s3_uri, job);
                let env = std::collections::HashMap::from([
                    ("dataset_format".to_string(), baseline_format_env(d)),
                    (
                        "dataset_source".to_string(),
                        BASELINE_INPUT_PATH.to_string(),
                    ),
                    ("output_path".to_string(), OUTPUT_PATH.to_string()),
                    // only monitoring schedules publish metrics (as in the SDK)
                    (PUBLISH_METRICS.to_string(), "Disabled".to_string()),
                ]);
                let network = s.network.as_ref().map(|n| {
                    NetworkConfig::builder()
                        .enable_network_isolation(n.enable_network_isolation.unwrap_or(false))
                        .enable_inter_container_traffic_encryption(
                            n.enable_inter_container_traffic_encryption.unwrap_or(false),
                        )
                        .set_vpc_config(vpc(n))
                        .build()
                });
                let r = c
                    .sagemaker
                    .create_processing_job()
                    .processing_job_name(job)
                    .processing_inputs(
                        ProcessingInput::builder()
                            .input_name(BASELINE_INPUT)
                            .s3_input(
                                ProcessingS3Input::builder()
                                    .s3_uri(&d.s3_uri)
                                    .local_path(BASELINE_INPUT_PATH)
                                    .s3_data_type(ProcessingS3DataType::S3Prefix)
                                    .s3_input_mode(ProcessingS3InputMode::File)
                                    .s3_data_distribution_type(
                                        ProcessingS3DataDistributionType::Fullyreplicated,
                                    )
                                    .build(),
                            )
                            .build(),
                    )
                    .processing_output_config(
                        ProcessingOutputConfig::builder()
                            .outputs(
                                ProcessingOutput::builder()
                                    .output_name("monitoring_output")
                                    .s3_output(
                                        ProcessingS3Output::builder()
                                            .s3_uri(out)
                                            .local_path(OUTPUT_PATH)
                                            .s3_upload_mode(ProcessingS3UploadMode::EndOfJob)
                                            .build(),
                                    )
                                    .build(),
                            )
                            .build(),
                    )
                    .processing_resources(
                        ProcessingResources::builder()
                            .cluster_config(
                                ProcessingClusterConfig::builder()
                                    .instance_count(s.instance_count.unwrap_or(1) as i32)
                                    .instance_type(ProcessingInstanceType::from(
                                        s.instance_type.as_deref().unwrap_or("ml.m5.xlarge"),
                                    ))
                                    .volume_size_in_gb(s.volume_size_gb.unwrap_or(20) as i32)
                                    .build(),
                            )
                            .build(),
                    )
                    .stopping_condition(
                        ProcessingStoppingCondition::builder()
                            .max_runtime_in_seconds(s.max_runtime_seconds.unwrap_or(3600) as i32)
                            .build(),
                    )
                    .app_specification(
                        AppSpecification::builder()
                            .image_uri(analyzer_image(&c.region)?)
                            .build(),
                    )
                    .set_environment(Some(env))
                    .set_network_config(network)
                    .role_arn(&s.role_arn)
                    .set_tags(sdk_tags(tags))
                    .send()
                    .await;
                match r {
                    Ok(_) => {
                        tracing::info!(job = %job, dataset = %d.s3_uri, "baselining job started")
                    }
                    // started by a concurrent or interrupted apply: wait for it
                    Err(e) if error_code(&e) == Some("ResourceInUse") => {}
                    Err(e) => return Err(api_error("CreateProcessingJob", job, &e).into()),
                }
            }
            Err(e) => return Err(api_error("DescribeProcessingJob", job, &e).into()),
        }
        let what = format!("baselining job {job} to complete");
        wait_for(&what, ctx.timeout, &ctx.cancel, Backoff::default(), || {
            let c = c.clone();
            let job = job.to_string();
            async move {
                let d = c
                    .sagemaker
                    .describe_processing_job()
                    .processing_job_name(&job)
                    .send()
                    .await
                    .map_err(|e| Diagnostics::from(api_error("DescribeProcessingJob", &job, &e)))?;
                match d.processing_job_status() {
                    Some(ProcessingJobStatus::Completed) => Ok(Check::Done(())),
                    Some(st @ (ProcessingJobStatus::Failed | ProcessingJobStatus::Stopped)) => {
                        Err(Diagnostic::error(
                            "Baselining job failed",
                            format!(
                                "Baselining job {job} ended {}: {}. Nothing was changed on the monitor. Fix the dataset, then change data_quality.baseline_dataset (a new s3_uri or format starts a new job), or give baseline_statistics and baseline_constraints instead.",
                                st.as_str(),
                                d.failure_reason().or(d.exit_message()).unwrap_or("(no reason given)")
                            ),
                        )
                        .at(AttrPath::attrs(["data_quality", "baseline_dataset"]))
                        .into())
                    }
                    st => Ok(Check::Pending(format!(
                        "status {}",
                        st.map(|s| s.as_str()).unwrap_or("?")
                    ))),
                }
            }
        })
        .await
    }

    /// Bring one check to the planned state, recording in `cur` what exists as it goes.
    async fn apply_check(
        &self,
        ctx: &Ctx<Clients>,
        cur: &mut MonitorState,
        s: &MonitorState,
        kind: Kind,
        tags: &BTreeMap<String, String>,
    ) -> Result<(), Diagnostics> {
        let c = ctx.client.clone();
        let sched = schedule_name(&s.name, kind);
        let (old_def, old_arn) = match kind {
            Kind::Data => (
                cur.data_quality_job_definition.clone(),
                cur.data_quality_schedule_arn.clone(),
            ),
            Kind::Model => (
                cur.model_quality_job_definition.clone(),
                cur.model_quality_schedule_arn.clone(),
            ),
        };
        let set = |cur: &mut MonitorState, def: Option<String>, arn: Option<String>| match kind {
            Kind::Data => {
                cur.data_quality_job_definition = def;
                cur.data_quality_schedule_arn = arn;
            }
            Kind::Model => {
                cur.model_quality_job_definition = def;
                cur.model_quality_schedule_arn = arn;
            }
        };
        let Some(new_def) = definition_name(s, kind) else {
            // Check removed: schedule first, then its definition.
            if old_arn.is_some() {
                self.delete_schedule(ctx, &sched).await?;
                set(cur, old_def.clone(), None);
            }
            if let Some(d) = old_def.filter(|d| is_ours(&s.name, kind, d)) {
                self.delete_definition(&c, kind, &d).await?;
            }
            set(cur, None, None);
            return Ok(());
        };
        let schedule_changed = expression(cur.schedule.as_deref().unwrap_or("daily")).map(|x| x.0)
            != expression(s.schedule.as_deref().unwrap_or("daily")).map(|x| x.0);
        let def_changed = old_def.as_deref() != Some(new_def.as_str());
        if def_changed || old_arn.is_none() {
            if kind == Kind::Data {
                if let (Some(d), Some(job)) = (
                    s.data_quality
                        .as_ref()
                        .and_then(|q| q.baseline_dataset.as_ref()),
                    s.baselining_job_name.as_deref(),
                ) {
                    self.ensure_baseline(ctx, s, d, job, tags).await?;
                    cur.baselining_job_name = Some(job.to_string());
                }
            }
            self.create_definition(&c, s, kind, &new_def, tags).await?;
            if old_arn.is_none() {
                // not used by a schedule yet: recorded so a failure never loses it
                if let Some(old) = old_def
                    .as_deref()
                    .filter(|d| *d != new_def && is_ours(&s.name, kind, d))
                {
                    self.delete_definition(&c, kind, old).await?;
                }
                set(cur, Some(new_def.clone()), None);
            }
        }
        let arn = if old_arn.is_none() {
            let r = c
                .sagemaker
                .create_monitoring_schedule()
                .monitoring_schedule_name(&sched)
                .monitoring_schedule_config(Self::schedule_config(s, kind, &new_def))
                .set_tags(sdk_tags(tags))
                .send()
                .await;
            match r {
                Ok(_) => tracing::info!(schedule = %sched, "monitoring schedule created"),
                // Left over with its definition (state lost it, e.g. a failed apply).
                Err(e) if error_code(&e) == Some("ResourceInUse") => {
                    self.wait_schedule(ctx, &sched, false).await?;
                    c.sagemaker
                        .update_monitoring_schedule()
                        .monitoring_schedule_name(&sched)
                        .monitoring_schedule_config(Self::schedule_config(s, kind, &new_def))
                        .send()
                        .await
                        .map_err(|e| api_error("UpdateMonitoringSchedule", &sched, &e))?;
                }
                Err(e) => return Err(api_error("CreateMonitoringSchedule", &sched, &e).into()),
            }
            self.wait_schedule(ctx, &sched, false).await?
        } else if def_changed || schedule_changed {
            self.wait_schedule(ctx, &sched, false).await?;
            c.sagemaker
                .update_monitoring_schedule()
                .monitoring_schedule_name(&sched)
                .monitoring_schedule_config(Self::schedule_config(s, kind, &new_def))
                .send()
                .await
                .map_err(|e| api_error("UpdateMonitoringSchedule", &sched, &e))?;
            tracing::info!(schedule = %sched, definition = %new_def, "monitoring schedule switched");
            self.wait_schedule(ctx, &sched, false).await?
        } else {
            old_arn
        };
        set(cur, Some(new_def.clone()), arn);
        if let Some(old) = old_def.filter(|d| *d != new_def && is_ours(&s.name, kind, d)) {
            self.delete_definition(&c, kind, &old).await?;
        }
        Ok(())
    }

    /// The owned topic's ARN, from the recorded one or any ARN of the monitor's account.
    fn owned_topic_arn(cur: &MonitorState, c: &Clients) -> Option<String> {
        let owned = owned_topic_name(&cur.name);
        if let Some(t) = cur
            .alerts
            .as_ref()
            .and_then(|a| a.topic_arn.clone())
            .filter(|t| topic_name(t) == owned)
        {
            return Some(t);
        }
        let any = [
            &cur.data_quality_schedule_arn,
            &cur.model_quality_schedule_arn,
        ]
        .into_iter()
        .flatten()
        .next()?;
        let (partition, _, account) = arn_parts(any)?;
        Some(format!(
            "arn:{partition}:sns:{}:{account}:{owned}",
            c.region
        ))
    }

    /// Topic, subscriptions and alarms of `alerts`, recording in `cur` what exists.
    async fn apply_alerts(
        &self,
        c: &Clients,
        cur: &mut MonitorState,
        s: &MonitorState,
        tags: &BTreeMap<String, String>,
    ) -> Result<(), Diagnostics> {
        let owned = owned_topic_name(&s.name);
        let had_topic = cur.alerts.as_ref().and_then(|a| a.topic_arn.clone());
        let had_owned = had_topic.as_deref().is_some_and(|t| topic_name(t) == owned);
        let topic = match &s.alerts {
            None => None,
            Some(a) if a.emails.is_some() => {
                let exists = match had_topic.as_deref().filter(|_| had_owned) {
                    Some(t) => match c.sns.get_topic_attributes().topic_arn(t).send().await {
                        Ok(_) => true,
                        Err(e) if is_missing(&e) => false,
                        Err(e) => {
                            return Err(service_error("SNS", "GetTopicAttributes", t, &e).into())
                        }
                    },
                    None => false,
                };
                let t = owned_tags(c, MONITOR_TAG, &s.name, "alerts");
                let arn = if exists {
                    let arn = had_topic.clone().unwrap_or_default();
                    sync_topic_tags(c, &arn, &t).await?;
                    arn
                } else {
                    let out = c
                        .sns
                        .create_topic()
                        .name(&owned)
                        .set_tags(Some(sns_tags(&t)).filter(|t| !t.is_empty()))
                        .send()
                        .await
                        .map_err(|e| service_error("SNS", "CreateTopic", &owned, &e))?;
                    let arn = out.topic_arn().unwrap_or_default().to_string();
                    tracing::info!(topic = %arn, "SNS topic for alerts created");
                    arn
                };
                let had_emails: BTreeSet<String> = if exists {
                    cur.alerts
                        .as_ref()
                        .and_then(|a| a.emails.clone())
                        .unwrap_or_default()
                } else {
                    BTreeSet::new()
                };
                let want = a.emails.clone().unwrap_or_default();
                let mut rec = cur.alerts.clone().unwrap_or_else(|| Alerts {
                    metric_thresholds: None,
                    drift_thresholds: None,
                    ..a.clone()
                });
                rec.topic_arn = Some(arn.clone());
                rec.emails = Some(had_emails.clone());
                cur.alerts = Some(rec.clone());
                for e in want.difference(&had_emails) {
                    subscribe(c, &arn, e).await?;
                    rec.emails
                        .get_or_insert_with(BTreeSet::new)
                        .insert(e.clone());
                    cur.alerts = Some(rec.clone());
                }
                let removed: BTreeSet<String> = had_emails.difference(&want).cloned().collect();
                unsubscribe(c, &arn, &removed).await?;
                rec.emails = Some(want);
                cur.alerts = Some(rec);
                Some(arn)
            }
            Some(a) => a.topic_arn.clone(),
        };
        // alarms: the wanted ones (re)written, then the others removed
        let specs = alarm_specs(s);
        let wanted: Vec<String> = specs.iter().map(|a| a.name.clone()).collect();
        let mut names: Vec<String> = cur.alarm_names.clone().unwrap_or_default();
        if let Some(topic) = &topic {
            let cw_tags = cloudwatch_tags(tags);
            for a in &specs {
                let sched = schedule_name(&s.name, a.kind);
                let mut req = c
                    .cloudwatch
                    .put_metric_alarm()
                    .alarm_name(&a.name)
                    .alarm_description(&a.description)
                    .namespace(&a.namespace)
                    .metric_name(&a.metric)
                    .statistic(a.statistic.clone());
                if let Some(e) = &s.endpoint_name {
                    req = req.dimensions(Dimension::builder().name("Endpoint").value(e).build());
                }
                req.dimensions(
                    Dimension::builder()
                        .name("MonitoringSchedule")
                        .value(&sched)
                        .build(),
                )
                .period(3600)
                .evaluation_periods(1)
                .threshold(a.threshold)
                .comparison_operator(if a.greater {
                    ComparisonOperator::GreaterThanThreshold
                } else {
                    ComparisonOperator::LessThanThreshold
                })
                .treat_missing_data("notBreaching")
                .alarm_actions(topic)
                .set_tags(cw_tags.clone())
                .send()
                .await
                .map_err(|e| api_error("PutMetricAlarm", &a.name, &e))?;
                if !names.contains(&a.name) {
                    names.push(a.name.clone());
                    cur.alarm_names = Some(names.clone());
                }
            }
        }
        let stale: Vec<String> = names
            .iter()
            .filter(|a| !wanted.contains(a))
            .cloned()
            .collect();
        delete_alarms(c, &stale).await?;
        cur.alarm_names = Some(wanted);
        // the owned topic goes when nothing uses it any more
        let keep_owned = topic.as_deref().is_some_and(|t| topic_name(t) == owned);
        if had_owned && !keep_owned {
            if let Some(t) = &had_topic {
                delete_topic(c, t).await?;
            }
        }
        cur.alerts = match (&s.alerts, topic) {
            (Some(a), t) => Some(Alerts {
                topic_arn: t,
                ..a.clone()
            }),
            (None, _) => None,
        };
        Ok(())
    }

    /// Read one check: `None` when its schedule is gone.
    async fn read_check(
        &self,
        c: &Clients,
        s: &mut MonitorState,
        prior: &MonitorState,
        kind: Kind,
    ) -> Result<Option<String>, Diagnostics> {
        let sched = schedule_name(&s.name, kind);
        let d = match c
            .sagemaker
            .describe_monitoring_schedule()
            .monitoring_schedule_name(&sched)
            .send()
            .await
        {
            Ok(d) => d,
            Err(e) if is_not_found(&e) => return Ok(None),
            Err(e) => return Err(api_error("DescribeMonitoringSchedule", &sched, &e).into()),
        };
        let cfg = d.monitoring_schedule_config();
        if let Some(expr) = cfg
            .and_then(|c| c.schedule_config())
            .and_then(|x| x.schedule_expression())
        {
            let same = s
                .schedule
                .as_deref()
                .and_then(expression)
                .is_some_and(|x| x.0 == expr);
            if !same {
                s.schedule = Some(match expr {
                    DAILY => "daily".into(),
                    HOURLY => "hourly".into(),
                    x => x.to_string(),
                });
            }
        }
        let def = cfg
            .and_then(|c| c.monitoring_job_definition_name())
            .unwrap_or_default()
            .to_string();
        let arn = d.monitoring_schedule_arn().map(String::from);
        match kind {
            Kind::Data => {
                s.data_quality_job_definition = Some(def.clone());
                s.data_quality_schedule_arn = arn.clone();
                if let Ok(j) = c
                    .sagemaker
                    .describe_data_quality_job_definition()
                    .job_definition_name(&def)
                    .send()
                    .await
                {
                    let b = j.data_quality_baseline_config();
                    let job = b.and_then(|b| b.baselining_job_name()).map(String::from);
                    let prior_dq = prior.data_quality.as_ref();
                    let dataset = match &job {
                        None => None,
                        Some(j) if prior.baselining_job_name.as_deref() == Some(j.as_str()) => {
                            prior_dq.and_then(|q| q.baseline_dataset.clone())
                        }
                        Some(j) => c
                            .sagemaker
                            .describe_processing_job()
                            .processing_job_name(j)
                            .send()
                            .await
                            .ok()
                            .and_then(|p| dataset_from_job(&p)),
                    };
                    s.baselining_job_name = job.filter(|_| dataset.is_some());
                    s.data_quality = Some(DataQuality {
                        baseline_statistics: b
                            .and_then(|b| b.statistics_resource())
                            .and_then(|r| r.s3_uri())
                            .map(String::from),
                        baseline_constraints: b
                            .and_then(|b| b.constraints_resource())
                            .and_then(|r| r.s3_uri())
                            .map(String::from),
                        baseline_dataset: dataset,
                    });
                    let input = j.data_quality_job_input();
                    self.read_common(
                        s,
                        prior,
                        j.role_arn(),
                        input.and_then(|i| i.endpoint_input()),
                        input.and_then(|i| i.batch_transform_input()),
                        j.data_quality_job_output_config(),
                        j.job_resources(),
                        j.network_config(),
                        j.stopping_condition(),
                    );
                }
            }
            Kind::Model => {
                s.model_quality_job_definition = Some(def.clone());
                s.model_quality_schedule_arn = arn.clone();
                if let Ok(j) = c
                    .sagemaker
                    .describe_model_quality_job_definition()
                    .job_definition_name(&def)
                    .send()
                    .await
                {
                    let input = j.model_quality_job_input();
                    let ep = input.and_then(|i| i.endpoint_input());
                    let bt = input.and_then(|i| i.batch_transform_input());
                    let inference = ep
                        .and_then(|i| i.inference_attribute())
                        .or(bt.and_then(|i| i.inference_attribute()));
                    let probability = ep
                        .and_then(|i| i.probability_attribute())
                        .or(bt.and_then(|i| i.probability_attribute()));
                    let threshold = ep
                        .and_then(|i| i.probability_threshold_attribute())
                        .or(bt.and_then(|i| i.probability_threshold_attribute()));
                    s.model_quality = Some(ModelQuality {
                        problem_type: j
                            .model_quality_app_specification()
                            .and_then(|a| a.problem_type())
                            .map(|p| p.as_str().to_string())
                            .unwrap_or_default(),
                        ground_truth_s3_uri: input
                            .and_then(|i| i.ground_truth_s3_input())
                            .and_then(|g| g.s3_uri())
                            .unwrap_or_default()
                            .to_string(),
                        inference_attribute: inference.unwrap_or_default().to_string(),
                        probability_attribute: probability.map(String::from),
                        probability_threshold: threshold,
                        baseline_constraints: j
                            .model_quality_baseline_config()
                            .and_then(|b| b.constraints_resource())
                            .and_then(|r| r.s3_uri())
                            .map(String::from),
                    });
                    self.read_common(
                        s,
                        prior,
                        j.role_arn(),
                        ep,
                        bt,
                        j.model_quality_job_output_config(),
                        j.job_resources(),
                        j.network_config(),
                        j.stopping_condition(),
                    );
                }
            }
        }
        Ok(arn)
    }

    #[allow(clippy::too_many_arguments)]
    fn read_common(
        &self,
        s: &mut MonitorState,
        prior: &MonitorState,
        role: Option<&str>,
        endpoint: Option<&EndpointInput>,
        batch: Option<&BatchTransformInput>,
        output: Option<&MonitoringOutputConfig>,
        res: Option<&MonitoringResources>,
        net: Option<&MonitoringNetworkConfig>,
        stop: Option<&MonitoringStoppingCondition>,
    ) {
        if let Some(r) = role {
            s.role_arn = r.to_string();
        }
        if let Some(e) = endpoint.and_then(|i| i.endpoint_name()) {
            s.endpoint_name = Some(e.to_string());
            s.batch_transform = None;
        }
        if let Some(b) = batch {
            s.batch_transform = Some(batch_from(b));
            s.endpoint_name = None;
        }
        if let Some(u) = output
            .and_then(|o| o.monitoring_outputs().first())
            .and_then(|o| o.s3_output())
            .and_then(|o| o.s3_uri())
        {
            // keep the user's spelling (a trailing slash) when it is the same location
            if trimmed(u) != trimmed(&s.output_s3_uri) {
                s.output_s3_uri = u.to_string();
            }
        }
        if let Some(cl) = res.and_then(|r| r.cluster_config()) {
            s.instance_type = cl
                .instance_type()
                .map(|t| t.as_str().to_string())
                .or(s.instance_type.take());
            s.instance_count = cl.instance_count().map(i64::from).or(s.instance_count);
            s.volume_size_gb = cl.volume_size_in_gb().map(i64::from).or(s.volume_size_gb);
        }
        s.network = network_from(net, prior.network.as_ref());
        if let Some(m) = stop.and_then(|x| x.max_runtime_in_seconds()) {
            s.max_runtime_seconds = Some(i64::from(m));
        }
    }

    /// Alerts back from the alarms (found by name prefix and schedule dimension) and, for
    /// the owned topic, its e-mail subscriptions.
    async fn read_alerts(
        &self,
        c: &Clients,
        s: &mut MonitorState,
        prior: &MonitorState,
    ) -> Result<(), Diagnostics> {
        let prefix = alarm_prefix(&s.name);
        let schedules = [
            schedule_name(&s.name, Kind::Data),
            schedule_name(&s.name, Kind::Model),
        ];
        let mut metrics = BTreeMap::new();
        let mut drift = BTreeMap::new();
        let mut names = vec![];
        let mut topic = None;
        let mut token = None;
        loop {
            let r = c
                .cloudwatch
                .describe_alarms()
                .alarm_name_prefix(&prefix)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| api_error("DescribeAlarms", &prefix, &e))?;
            for a in r.metric_alarms() {
                let Some(n) = a.alarm_name() else { continue };
                let ours = a.dimensions().iter().any(|d| {
                    d.name() == Some("MonitoringSchedule")
                        && d.value().is_some_and(|v| schedules.iter().any(|x| x == v))
                });
                let (Some(t), true) = (a.threshold(), ours) else {
                    continue;
                };
                let Some(rest) = n.strip_prefix(&prefix) else {
                    continue;
                };
                let metric = a.metric_name().unwrap_or_default();
                if let Some(f) = rest
                    .strip_prefix("drift-")
                    .filter(|f| metric == format!("{DRIFT_METRIC}{f}"))
                {
                    drift.insert(f.to_string(), t);
                } else if METRICS.iter().any(|(m, _)| *m == rest) && metric == rest {
                    metrics.insert(rest.to_string(), t);
                } else {
                    continue;
                }
                topic = topic.or(a.alarm_actions().first().cloned());
                names.push(n.to_string());
            }
            match r.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => break,
            }
        }
        let pa = prior.alerts.as_ref();
        let map_or_prior = |m: BTreeMap<String, f64>, p: Option<&BTreeMap<String, f64>>| {
            if m.is_empty() {
                p.filter(|p| p.is_empty()).cloned()
            } else {
                Some(m)
            }
        };
        s.alerts = match topic {
            _ if names.is_empty() => None,
            None => None,
            Some(t) => {
                let owned = topic_name(&t) == owned_topic_name(&s.name);
                let emails = if owned {
                    let subs = email_subscriptions(c, &t).await?.unwrap_or_default();
                    let had = pa.and_then(|a| a.emails.as_ref());
                    // pending ones stay as configured (they cannot be removed through the
                    // API); on import every address shows
                    Some(
                        subs.iter()
                            .filter(|(addr, arn)| {
                                had.is_none_or(|h| h.contains(*addr) || arn.is_some())
                            })
                            .map(|(a, _)| a.clone())
                            .collect(),
                    )
                } else {
                    None
                };
                Some(Alerts {
                    topic_arn: Some(t),
                    emails,
                    metric_thresholds: map_or_prior(
                        metrics,
                        pa.and_then(|a| a.metric_thresholds.as_ref()),
                    ),
                    drift_thresholds: map_or_prior(
                        drift,
                        pa.and_then(|a| a.drift_thresholds.as_ref()),
                    ),
                })
            }
        };
        names.sort();
        let mut recorded = alarm_names_for(s);
        recorded.retain(|n| names.contains(n));
        s.alarm_names = Some(recorded);
        Ok(())
    }

    async fn read_remote(
        &self,
        c: &Clients,
        prior: &MonitorState,
    ) -> Result<Option<MonitorState>, Diagnostics> {
        let mut s = prior.clone();
        let mut arns = vec![];
        let mut exists = false;
        for kind in [Kind::Data, Kind::Model] {
            match self.read_check(c, &mut s, prior, kind).await? {
                Some(arn) => {
                    arns.push(arn);
                    exists = true;
                }
                None => {
                    // A definition created by a failed apply stays in state until deleted.
                    let recorded = match kind {
                        Kind::Data => prior.data_quality_job_definition.clone(),
                        Kind::Model => prior.model_quality_job_definition.clone(),
                    };
                    let mut keep = None;
                    if let Some(d) = recorded {
                        if self.definition_exists(c, kind, &d).await? {
                            keep = Some(d);
                            exists = true;
                        }
                    }
                    match kind {
                        Kind::Data => {
                            s.data_quality_job_definition = keep;
                            s.data_quality_schedule_arn = None;
                        }
                        Kind::Model => {
                            s.model_quality_job_definition = keep;
                            s.model_quality_schedule_arn = None;
                        }
                    }
                }
            }
        }
        if !exists {
            // Only alarms (and the owned topic) could be left: the monitor itself is gone.
            let _ = delete_alarms(c, &alarm_names_for(prior)).await;
            return Ok(None);
        }
        self.read_alerts(c, &mut s, prior).await?;
        if let Some(arn) = arns.first() {
            let remote = list_tags(&c.sagemaker, arn).await?;
            s.tags = user_tags(&remote, &c.default_tags, prior.tags.as_ref());
            s.tags_all = Some(remote);
        }
        Ok(Some(s))
    }

    async fn apply(
        &self,
        ctx: &Ctx<Clients>,
        prior: Option<&MonitorState>,
        planned: &MonitorState,
    ) -> Result<MonitorState, Failure<MonitorState>> {
        let c = ctx.client.clone();
        let tags = merge_tags(&c.default_tags, planned.tags.as_ref());
        // What exists so far is recorded as it is created: nothing is lost on a failure.
        let mut cur = match prior {
            Some(p) => p.clone(),
            None => MonitorState {
                baselining_job_name: None,
                data_quality_job_definition: None,
                model_quality_job_definition: None,
                data_quality_schedule_arn: None,
                model_quality_schedule_arn: None,
                alerts: None,
                alarm_names: Some(vec![]),
                tags_all: Some(tags.clone()),
                ..planned.clone()
            },
        };
        // A create that failed before making anything leaves nothing (no tainted stub).
        let fail = |cur: MonitorState, d: Diagnostics| {
            let made = cur.data_quality_job_definition.is_some()
                || cur.model_quality_job_definition.is_some()
                || cur.alerts.is_some()
                || cur.alarm_names.as_ref().is_some_and(|a| !a.is_empty());
            if prior.is_none() && !made {
                Failure::new(d)
            } else {
                Failure::with_partial(cur, d)
            }
        };
        for kind in [Kind::Data, Kind::Model] {
            if let Err(d) = self.apply_check(ctx, &mut cur, planned, kind, &tags).await {
                return Err(fail(cur, d));
            }
        }
        if let Err(d) = self.apply_alerts(&c, &mut cur, planned, &tags).await {
            return Err(fail(cur, d));
        }
        if let Some(p) = prior {
            if p.tags_all.as_ref() != Some(&tags) {
                // schedules and their (immutable, but taggable) definitions
                let mut arns = vec![];
                for (kind, sched, def) in [
                    (
                        Kind::Data,
                        &cur.data_quality_schedule_arn,
                        &cur.data_quality_job_definition,
                    ),
                    (
                        Kind::Model,
                        &cur.model_quality_schedule_arn,
                        &cur.model_quality_job_definition,
                    ),
                ] {
                    if let Some(a) = sched {
                        arns.extend(def.as_deref().and_then(|d| definition_arn(a, kind, d)));
                        arns.push(a.clone());
                    }
                }
                for arn in &arns {
                    update_tags(
                        &c.sagemaker,
                        arn,
                        p.tags_all.as_ref().unwrap_or(&BTreeMap::new()),
                        &tags,
                    )
                    .await
                    .map_err(|d| Failure::with_partial(cur.clone(), d))?;
                }
            }
        }
        Ok(MonitorState {
            baselining_job_name: planned.baselining_job_name.clone(),
            data_quality_job_definition: cur.data_quality_job_definition.clone(),
            model_quality_job_definition: cur.model_quality_job_definition.clone(),
            data_quality_schedule_arn: cur.data_quality_schedule_arn.clone(),
            model_quality_schedule_arn: cur.model_quality_schedule_arn.clone(),
            alerts: cur.alerts.clone(),
            alarm_names: cur.alarm_names.clone(),
            tags_all: Some(tags),
            ..planned.clone()
        })
    }
}

impl Monitor {
    /// The state `import` hands to `read`: only the name.
    fn import_stub(&self, id: &str) -> Result<MonitorState, Diagnostics> {
        let ok = regex::Regex::new(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,39}$").expect("static regex");
        if id.len() > 40 || !ok.is_match(id) {
            return Err(Diagnostic::error(
                "Invalid import ID",
                format!("Import a monitor by its name; got {id:?}."),
            )
            .into());
        }
        Ok(MonitorState {
            name: id.to_string(),
            role_arn: String::new(),
            endpoint_name: None,
            batch_transform: None,
            schedule: None,
            output_s3_uri: String::new(),
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
        })
    }
}

fn check_hourly_runtime(config: &Value, diags: &mut Diagnostics) {
    let Some(sched) = (match config.attr("schedule") {
        Value::Null => Some("daily"),
        v => v.as_str(),
    }) else {
        return;
    };
    let Some((_, true)) = expression(sched) else {
        return;
    };
    let runtime = match config.attr("max_runtime_seconds") {
        Value::Null => Some(3600),
        Value::Number(n) => n.to_i64(),
        _ => None,
    };
    let Some(runtime) = runtime else { return };
    for (block, max, what) in [
        ("data_quality", 3600, "data quality"),
        ("model_quality", 1800, "model quality"),
    ] {
        if !config.attr(block).is_null() && runtime > max {
            diags.error_at(
                AttrPath::attr("max_runtime_seconds"),
                "Monitoring job too long for an hourly schedule",
                format!("An hourly {what} schedule allows max_runtime_seconds of at most {max}; got {runtime}."),
            );
        }
    }
}

/// `csv_header` only with `csv`, `json_lines` only with `json` (in `block`).
fn check_format_options(block: &Value, path: &[&str], diags: &mut Diagnostics) {
    let Some(format) = block
        .attr("format")
        .as_str()
        .or(match block.attr("format") {
            Value::Null => Some("csv"),
            _ => None,
        })
    else {
        return;
    };
    for (attr, needs) in [("csv_header", "csv"), ("json_lines", "json")] {
        if !block.attr(attr).is_null() && format != needs {
            let mut p: Vec<&str> = path.to_vec();
            p.push(attr);
            diags.error_at(
                AttrPath::attrs(p),
                "Option of another format",
                format!("{attr} applies to format \"{needs}\" only; this dataset is {format:?}."),
            );
        }
    }
}

fn set_len(v: &Value) -> Option<usize> {
    match v {
        Value::Set(x) | Value::List(x) => Some(x.len()),
        _ => None,
    }
}

fn check_network(n: &Value, diags: &mut Diagnostics) {
    if n.is_null() {
        return;
    }
    let subnets = n.attr("subnet_ids");
    let groups = n.attr("security_group_ids");
    if subnets.is_null() != groups.is_null() && !subnets.is_unknown() && !groups.is_unknown() {
        let missing = if subnets.is_null() {
            "subnet_ids"
        } else {
            "security_group_ids"
        };
        diags.error_at(
            AttrPath::attrs(["network", missing]),
            "Incomplete VPC configuration",
            "The jobs run in a VPC when both subnet_ids and security_group_ids are set; set both or neither.",
        );
    }
    for (attr, prefix, max) in [
        ("subnet_ids", "subnet-", 16),
        ("security_group_ids", "sg-", 5),
    ] {
        let v = n.attr(attr);
        if let Some(len) = set_len(v) {
            if len == 0 || len > max {
                diags.error_at(
                    AttrPath::attrs(["network", attr]),
                    "Wrong number of IDs",
                    format!("{attr} takes 1 to {max} IDs; got {len}."),
                );
            }
        }
        if let Value::Set(items) | Value::List(items) = v {
            for id in items.iter().filter_map(Value::as_str) {
                let ok = id
                    .strip_prefix(prefix)
                    .is_some_and(|r| !r.is_empty() && r.bytes().all(|b| b.is_ascii_alphanumeric()));
                if !ok {
                    diags.error_at(
                        AttrPath::attrs(["network", attr]),
                        "Invalid ID",
                        format!("{id:?} is not a {prefix}... ID."),
                    );
                }
            }
        }
    }
}

fn check_alerts(config: &Value, diags: &mut Diagnostics) {
    let alerts = config.attr("alerts");
    if alerts.is_null() {
        return;
    }
    let emails = alerts.attr("emails");
    let topic = alerts.attr("topic_arn");
    validate_emails(emails, AttrPath::attrs(["alerts", "emails"]), diags);
    // unknown values (e.g. from module variables at validate time) may still turn out null
    match (emails.is_null(), topic.is_null()) {
        (false, false) if !emails.is_unknown() && !topic.is_unknown() => diags.error_at(
            AttrPath::attrs(["alerts", "topic_arn"]),
            "Both emails and topic_arn",
            "Write emails (the provider creates a topic and subscribes them) or topic_arn (an existing topic), not both. To mail from an existing topic, subscribe the addresses to it.",
        ),
        (true, true) => diags.error_at(
            AttrPath::attr("alerts"),
            "No recipient",
            "alerts needs emails (the provider creates a topic and subscribes them) or topic_arn (an existing topic).",
        ),
        _ => {}
    }
    if set_len(emails) == Some(0) {
        diags.error_at(
            AttrPath::attrs(["alerts", "emails"]),
            "No e-mail address",
            "emails needs at least one address.",
        );
    }
    let metrics = alerts.attr("metric_thresholds");
    let drift = alerts.attr("drift_thresholds");
    let empty = |v: &Value| v.is_null() || matches!(v, Value::Map(m) if m.is_empty());
    if empty(metrics) && empty(drift) {
        diags.error_at(
            AttrPath::attr("alerts"),
            "No thresholds",
            "alerts needs metric_thresholds (model quality) or drift_thresholds (data quality), or both.",
        );
    }
    if !empty(metrics) && config.attr("model_quality").is_null() {
        diags.error_at(
            AttrPath::attrs(["alerts", "metric_thresholds"]),
            "Metric thresholds without model quality",
            "metric_thresholds watch model-quality metrics: add a model_quality block.",
        );
    }
    if !empty(drift) && config.attr("data_quality").is_null() {
        diags.error_at(
            AttrPath::attrs(["alerts", "drift_thresholds"]),
            "Drift thresholds without data quality",
            "drift_thresholds watch the data quality check's drift metrics: add a data_quality block.",
        );
    }
    if let Value::Map(m) = metrics {
        for k in m.keys() {
            if !METRICS.iter().any(|(n, _)| n == k) {
                diags.error_at(
                    AttrPath::attrs(["alerts", "metric_thresholds"]),
                    "Unknown metric",
                    format!(
                        "{k:?} is not a model-quality metric. Known metrics: {}.",
                        METRICS
                            .iter()
                            .map(|(n, _)| *n)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
        }
    }
    if let Value::Map(m) = drift {
        for (k, v) in m {
            if k.is_empty()
                || k.len() > 200
                || k.chars().any(|c| c.is_whitespace() || c.is_control())
            {
                diags.error_at(
                    AttrPath::attrs(["alerts", "drift_thresholds"]),
                    "Invalid feature name",
                    format!("{k:?} is not a feature name: 1-200 characters without spaces."),
                );
            }
            if let Value::Number(n) = v {
                if n.to_f64_lossy() < 0.0 {
                    diags.error_at(
                        AttrPath::attrs(["alerts", "drift_thresholds"]),
                        "Negative drift threshold",
                        format!(
                            "The drift of {k:?} is a distance (0 or more); got {}.",
                            n.to_f64_lossy()
                        ),
                    );
                }
            }
        }
    }
}

#[async_trait]
impl Resource for Monitor {
    type Client = Clients;
    type State = MonitorState;
    const TYPE_NAME: &'static str = "mlops_monitor";

    fn timeouts(&self) -> TimeoutDefaults {
        // a baselining job runs for minutes to an hour
        TimeoutDefaults {
            create: Some(Duration::from_secs(60 * 60)),
            update: Some(Duration::from_secs(60 * 60)),
            delete: Some(Duration::from_secs(20 * 60)),
            ..Default::default()
        }
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        validate_tags(config, "tags", diags);
        let dq = config.attr("data_quality");
        let mq = config.attr("model_quality");
        if dq.is_null() && mq.is_null() {
            diags.error_at(
                AttrPath::attr("data_quality"),
                "No check configured",
                "A monitor needs a data_quality block, a model_quality block, or both.",
            );
        }
        let (endpoint, batch) = (config.attr("endpoint_name"), config.attr("batch_transform"));
        match (endpoint.is_null(), batch.is_null()) {
            (false, false) if !endpoint.is_unknown() && !batch.is_unknown() => diags.error_at(
                AttrPath::attr("batch_transform"),
                "Two targets",
                "A monitor watches an endpoint (endpoint_name) or a batch transform's captured data (batch_transform), not both.",
            ),
            (true, true) => diags.error_at(
                AttrPath::attr("endpoint_name"),
                "Nothing to monitor",
                "Set endpoint_name (a real-time endpoint with data capture) or a batch_transform block.",
            ),
            _ => {}
        }
        check_format_options(config.attr("batch_transform"), &["batch_transform"], diags);
        let ds = dq.attr("baseline_dataset");
        if !ds.is_null() && !ds.is_unknown() {
            for attr in ["baseline_statistics", "baseline_constraints"] {
                if !dq.attr(attr).is_null() && !dq.attr(attr).is_unknown() {
                    diags.error_at(
                        AttrPath::attrs(["data_quality", attr]),
                        "Two baselines",
                        format!("Give baseline_dataset (the provider baselines it) or baseline_statistics and baseline_constraints, not both; {attr} is set."),
                    );
                }
            }
            check_format_options(ds, &["data_quality", "baseline_dataset"], diags);
        }
        if let Some(s) = config.attr("schedule").as_str() {
            if expression(s).is_none() {
                diags.error_at(
                    AttrPath::attr("schedule"),
                    "Unsupported schedule",
                    format!("{s:?} is not a schedule SageMaker Model Monitor accepts. Use \"hourly\", \"daily\", cron(0 * ? * * *) (hourly), cron(0 H ? * * *) (daily at hour H, 0-23) or cron(0 H/N ? * * *) (every N hours, 1-24)."),
                );
            }
        }
        if let Some(t) = config.attr("instance_type").as_str() {
            if !PROCESSING.contains(&t) {
                diags.error_at(
                    AttrPath::attr("instance_type"),
                    "Unsupported instance type",
                    format!("{t:?} is not a processing instance type (e.g. ml.m5.xlarge)."),
                );
            }
        }
        check_hourly_runtime(config, diags);
        check_network(config.attr("network"), diags);
        check_alerts(config, diags);
    }

    fn modify_plan(&self, plan: PlanCtx<'_, Clients>) {
        let mut plan = plan;
        plan_tags_all(&mut plan);
        if plan.config.is_null() {
            return;
        }
        let name = plan.config.attr("name").as_str().map(String::from);
        let output = plan.config.attr("output_s3_uri").as_str().map(String::from);
        let prior_alerts_topic = plan
            .prior
            .attr("alerts")
            .attr("topic_arn")
            .as_str()
            .map(String::from);
        let o = plan.planned.as_object_mut().expect("object");
        // 1. The baselining job and the baseline it produces, from the dataset.
        let dq_cfg = plan.config.attr("data_quality");
        let mut job = Value::Null;
        if let Some(dq) = o.get_mut("data_quality").filter(|v| !v.is_null()) {
            let ds = dq.attr("baseline_dataset").clone();
            let derived = match (&name, &output) {
                _ if ds.is_null() => None,
                (Some(n), Some(out)) if ds.is_wholly_known() => {
                    mlops_framework::resource::to_model::<BaselineDataset>(&ds)
                        .ok()
                        .map(|d| {
                            let j = baselining_job_name(n, out, &d);
                            let (_, st, co) = baseline_output(out, &j);
                            (j, st, co)
                        })
                }
                _ => Some((String::new(), String::new(), String::new())),
            };
            job = match &derived {
                None => Value::Null,
                Some((j, _, _)) if j.is_empty() => Value::UNKNOWN,
                Some((j, _, _)) => Value::string(j),
            };
            if let Some(m) = dq.as_object_mut() {
                for (attr, pick) in [("baseline_statistics", 1), ("baseline_constraints", 2)] {
                    if !dq_cfg.attr(attr).is_null() {
                        continue;
                    }
                    let v = match &derived {
                        None => Value::Null,
                        Some((j, st, co)) if !j.is_empty() => {
                            Value::string(if pick == 1 { st } else { co })
                        }
                        Some(_) => Value::UNKNOWN,
                    };
                    m.insert(attr.into(), v);
                }
            }
        }
        o.insert("baselining_job_name".into(), job);
        // 2. The alerts topic: the given one, else the owned one once it exists.
        let alerts_cfg = plan.config.attr("alerts");
        if let Some(a) = o.get_mut("alerts").and_then(|a| a.as_object_mut()) {
            if alerts_cfg.attr("topic_arn").is_null() {
                let owned = name.as_deref().map(owned_topic_name);
                let keep = prior_alerts_topic
                    .filter(|t| owned.as_deref() == Some(topic_name(t)))
                    .filter(|_| !alerts_cfg.attr("emails").is_null());
                a.insert(
                    "topic_arn".into(),
                    match keep {
                        Some(t) => Value::string(t),
                        None if alerts_cfg.attr("emails").is_null() => Value::Null,
                        None => Value::UNKNOWN,
                    },
                );
            }
        }
        // 3. Content names of the definitions and the alarm names, when the inputs are known.
        let inputs_known = o
            .iter()
            .filter(|(k, _)| {
                !matches!(
                    k.as_str(),
                    "tags_all"
                        | "baselining_job_name"
                        | "data_quality_job_definition"
                        | "model_quality_job_definition"
                        | "data_quality_schedule_arn"
                        | "model_quality_schedule_arn"
                        | "alarm_names"
                        | "timeouts"
                        | "alerts"
                )
            })
            .all(|(_, v)| v.is_wholly_known())
            && o.get("alerts").is_none_or(|a| match a.as_object() {
                Some(m) => m
                    .iter()
                    .filter(|(k, _)| *k != "topic_arn")
                    .all(|(_, v)| v.is_wholly_known()),
                None => a.is_wholly_known(),
            })
            && o.get("baselining_job_name")
                .is_none_or(Value::is_wholly_known);
        if inputs_known {
            let mut known = plan.planned.clone();
            if let Some(a) = known
                .as_object_mut()
                .and_then(|o| o.get_mut("alerts"))
                .and_then(|a| a.as_object_mut())
            {
                a.insert("topic_arn".into(), Value::Null);
            }
            if let Ok(s) = mlops_framework::resource::to_model::<MonitorState>(&known) {
                let prior = mlops_framework::resource::to_model::<MonitorState>(plan.prior).ok();
                let o = plan.planned.as_object_mut().expect("object");
                for (kind, dattr, aattr) in [
                    (
                        Kind::Data,
                        "data_quality_job_definition",
                        "data_quality_schedule_arn",
                    ),
                    (
                        Kind::Model,
                        "model_quality_job_definition",
                        "model_quality_schedule_arn",
                    ),
                ] {
                    let def = definition_name(&s, kind);
                    let prior_arn = prior.as_ref().and_then(|p| match kind {
                        Kind::Data => p.data_quality_schedule_arn.clone(),
                        Kind::Model => p.model_quality_schedule_arn.clone(),
                    });
                    o.insert(
                        dattr.into(),
                        def.clone().map(Value::string).unwrap_or(Value::Null),
                    );
                    o.insert(
                        aattr.into(),
                        match (def, prior_arn) {
                            (None, _) => Value::Null,
                            (Some(_), Some(a)) => Value::string(a),
                            (Some(_), None) => Value::UNKNOWN,
                        },
                    );
                }
                o.insert(
                    "alarm_names".into(),
                    Value::List(alarm_names_for(&s).into_iter().map(Value::string).collect()),
                );
            }
        }
        // The monitored endpoint must capture data (skipped when it does not exist yet).
        let Some(endpoint) = plan.config.attr("endpoint_name").as_str().map(String::from) else {
            return;
        };
        let Some(c) = plan.client else { return };
        // Some(capturing?) when the endpoint exists, None when it does not (yet).
        let r: Result<Option<bool>, Box<Diagnostic>> = tokio::task::block_in_place(|| {
            tokio::runtime::Handle::current().block_on(async {
                match c
                    .sagemaker
                    .describe_endpoint()
                    .endpoint_name(&endpoint)
                    .send()
                    .await
                {
                    Ok(d) => Ok(Some(
                        d.data_capture_config()
                            .is_some_and(|x| x.enable_capture() == Some(true)),
                    )),
                    Err(e) if is_not_found(&e) => Ok(None),
                    Err(e) => Err(Box::new(api_error("DescribeEndpoint", &endpoint, &e))),
                }
            })
        });
        match r {
            Ok(Some(false)) => plan.diags.error_at(
                AttrPath::attr("endpoint_name"),
                "Endpoint does not capture data",
                format!("Endpoint {endpoint} has no data capture enabled, so Model Monitor has nothing to analyse. Add a data_capture block to the mlops_endpoint (e.g. data_capture {{ destination = \"s3://bucket/capture\" }})."),
            ),
            Ok(_) => {}
            Err(d) => plan.diags.push(*d),
        }
    }

    async fn create(
        &self,
        ctx: &mut Ctx<Clients>,
        planned: MonitorState,
    ) -> Result<MonitorState, Failure<MonitorState>> {
        self.apply(ctx, None, &planned).await
    }

    async fn read(
        &self,
        ctx: &mut Ctx<Clients>,
        current: MonitorState,
    ) -> Result<Option<MonitorState>, Diagnostics> {
        self.read_remote(&ctx.client, &current).await
    }

    async fn update(
        &self,
        ctx: &mut Ctx<Clients>,
        prior: MonitorState,
        planned: MonitorState,
    ) -> Result<MonitorState, Failure<MonitorState>> {
        self.apply(ctx, Some(&prior), &planned).await
    }

    async fn delete(
        &self,
        ctx: &mut Ctx<Clients>,
        current: MonitorState,
    ) -> Result<(), Diagnostics> {
        let c = ctx.client.clone();
        let mut alarms = current.alarm_names.clone().unwrap_or_default();
        for a in alarm_names_for(&current) {
            if !alarms.contains(&a) {
                alarms.push(a);
            }
        }
        delete_alarms(&c, &alarms).await?;
        if let Some(t) = Self::owned_topic_arn(&current, &c) {
            delete_topic(&c, &t).await?;
        }
        for kind in [Kind::Data, Kind::Model] {
            let sched = schedule_name(&current.name, kind);
            self.delete_schedule(ctx, &sched).await?;
            // Every definition of ours: the recorded one and any the state lost track of
            // (e.g. after the schedule was pointed elsewhere out of band).
            let recorded = match kind {
                Kind::Data => current.data_quality_job_definition.clone(),
                Kind::Model => current.model_quality_job_definition.clone(),
            };
            let mut defs = self.own_definitions(&c, &current.name, kind).await?;
            defs.extend(recorded.filter(|d| is_ours(&current.name, kind, d)));
            defs.sort();
            defs.dedup();
            for d in defs {
                self.delete_definition(&c, kind, &d).await?;
            }
        }
        Ok(())
    }

    async fn import(&self, _ctx: &mut Ctx<Clients>, id: &str) -> Result<MonitorState, Diagnostics> {
        Ok(Monitor.import_stub(id)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dataset(uri: &str) -> BaselineDataset {
        BaselineDataset {
            s3_uri: uri.into(),
            format: Some("csv".into()),
            csv_header: Some(true),
            json_lines: Some(true),
        }
    }

    fn state() -> MonitorState {
        let mut s = Monitor.import_stub("churn").expect("valid name");
        s.role_arn = "arn:aws:iam::123456789012:role/r".into();
        s.endpoint_name = Some("churn".into());
        s.output_s3_uri = "s3://m/churn".into();
        s
    }

    #[test]
    fn baselining_jobs_are_named_after_their_inputs() {
        let a = baselining_job_name("churn", "s3://m/churn", &dataset("s3://d/v1.csv"));
        assert_eq!(
            a,
            baselining_job_name("churn", "s3://m/churn/", &dataset("s3://d/v1.csv"))
        );
        assert!(a.starts_with("churn-baseline-") && a.len() == "churn-baseline-".len() + 10);
        assert_ne!(
            a,
            baselining_job_name("churn", "s3://m/churn", &dataset("s3://d/v2.csv"))
        );
        let mut json = dataset("s3://d/v1.csv");
        json.format = Some("json".into());
        assert_ne!(a, baselining_job_name("churn", "s3://m/churn", &json));
        // the longest monitor name still gives a legal processing job name (63 characters)
        assert!(baselining_job_name(&"x".repeat(40), "s3://m", &json).len() <= 63);
        let (out, stats, cons) = baseline_output("s3://m/churn/", &a);
        assert_eq!(out, format!("s3://m/churn/baselines/{a}"));
        assert_eq!(stats, format!("{out}/statistics.json"));
        assert_eq!(cons, format!("{out}/constraints.json"));
    }

    #[test]
    fn baseline_format_is_the_sdks() {
        let csv: serde_json::Value =
            serde_json::from_str(&baseline_format_env(&dataset("s3://d"))).unwrap();
        assert_eq!(
            csv,
            serde_json::json!({"csv": {"header": true, "output_columns_position": "START"}})
        );
        let mut d = dataset("s3://d");
        d.format = Some("json".into());
        d.json_lines = Some(false);
        let json: serde_json::Value = serde_json::from_str(&baseline_format_env(&d)).unwrap();
        assert_eq!(json, serde_json::json!({"json": {"lines": false}}));
    }

    #[test]
    fn only_own_definitions_are_deleted() {
        assert!(is_ours("churn", Kind::Data, "churn-dq-0123456789"));
        assert!(!is_ours("churn", Kind::Model, "churn-dq-0123456789"));
        assert!(!is_ours("churn", Kind::Data, "hand-made-dq"));
        assert!(!is_ours("churn", Kind::Data, "churn-dq-nothexxxxx"));
        assert!(!is_ours("churn-a", Kind::Data, "churn-dq-0123456789"));
    }

    #[test]
    fn alarms_follow_the_target() {
        let mut s = state();
        s.alerts = Some(Alerts {
            topic_arn: None,
            emails: Some(BTreeSet::from(["a@example.com".to_string()])),
            metric_thresholds: Some(BTreeMap::from([("rmse".to_string(), 5.0)])),
            drift_thresholds: Some(BTreeMap::from([("age".to_string(), 0.1)])),
        });
        let specs = alarm_specs(&s);
        let got: Vec<(&str, &str, &str, bool)> = specs
            .iter()
            .map(|a| {
                (
                    a.name.as_str(),
                    a.namespace.as_str(),
                    a.metric.as_str(),
                    a.greater,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    "mlops-churn-rmse",
                    "aws/sagemaker/Endpoints/model-metrics",
                    "rmse",
                    true
                ),
                (
                    "mlops-churn-drift-age",
                    "aws/sagemaker/Endpoints/data-metrics",
                    "feature_baseline_drift_age",
                    true
                ),
            ]
        );
        s.endpoint_name = None;
        s.batch_transform = Some(BatchTransform {
            data_captured_destination_s3_uri: "s3://c".into(),
            format: "csv".into(),
            csv_header: None,
            json_lines: None,
        });
        assert!(alarm_specs(&s)
            .iter()
            .all(|a| a.namespace.starts_with("aws/sagemaker/ModelMonitoring/")));
        assert!(publishes_metrics(&s, Kind::Data) && publishes_metrics(&s, Kind::Model));
        s.alerts = None;
        assert!(!publishes_metrics(&s, Kind::Data));
    }

    #[test]
    fn definitions_change_with_what_they_hold() {
        let mut s = state();
        assert_eq!(definition_name(&s, Kind::Data), None);
        s.data_quality = Some(DataQuality {
            baseline_statistics: None,
            baseline_constraints: None,
            baseline_dataset: None,
        });
        let a = definition_name(&s, Kind::Data).unwrap();
        assert!(is_ours("churn", Kind::Data, &a));
        s.network = Some(Network {
            subnet_ids: None,
            security_group_ids: None,
            enable_network_isolation: Some(true),
            enable_inter_container_traffic_encryption: Some(false),
        });
        assert_ne!(definition_name(&s, Kind::Data).unwrap(), a);
    }

    #[test]
    fn network_reads_back_without_inventing_a_block() {
        assert_eq!(network_from(None, None), None);
        let plain = MonitoringNetworkConfig::builder()
            .enable_network_isolation(false)
            .build();
        assert_eq!(network_from(Some(&plain), None), None);
        let n = network_from(
            Some(&plain),
            Some(&Network {
                subnet_ids: None,
                security_group_ids: None,
                enable_network_isolation: Some(false),
                enable_inter_container_traffic_encryption: None,
            }),
        )
        .unwrap();
        assert_eq!(n.enable_inter_container_traffic_encryption, Some(false));
        let vpc = MonitoringNetworkConfig::builder()
            .vpc_config(
                VpcConfig::builder()
                    .subnets("subnet-1")
                    .security_group_ids("sg-1")
                    .build(),
            )
            .build();
        let n = network_from(Some(&vpc), None).unwrap();
        assert_eq!(n.subnet_ids, Some(BTreeSet::from(["subnet-1".to_string()])));
    }
}
