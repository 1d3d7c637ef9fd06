//! The typed step blocks of `mlops_pipeline`. Every doc comment here becomes an attribute
//! description in the schema and the registry docs.
//!
//! Attributes documented as *value* accept a literal or references written `{{ ... }}`
//! (see the resource documentation for the reference syntax); numeric values are strings
//! so that they can hold a reference too (`instance_count = 2` works as usual).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A pipeline parameter: a value with a default that every execution may override
/// (`{{ parameters.NAME }}` in step values).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Parameter {
    /// Parameter name (letters, digits, `-` and `_`), unique in the pipeline.
    #[schemars(regex(pattern = r"^[A-Za-z0-9\-_]{1,256}$"))]
    pub name: String,
    /// `String`, `Integer`, `Float` or `Boolean`.
    #[schemars(extend("x-tf-default" = "String"))]
    #[schemars(extend("enum" = ["String", "Integer", "Float", "Boolean"]))]
    pub r#type: Option<String>,
    /// Default value, written as text (`"1"`, `"0.5"`, `"true"`); it must parse as the
    /// parameter's type. Without a default every execution must pass the parameter.
    pub default: Option<String>,
}

/// How a failed step is retried.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Retry {
    /// Failures that trigger a retry: `Step.SERVICE_FAULT`, `Step.THROTTLING`,
    /// `SageMaker.JOB_INTERNAL_ERROR`, `SageMaker.CAPACITY_ERROR`, `SageMaker.RESOURCE_LIMIT`
    /// (the `SageMaker.*` kinds apply to job steps only).
    #[schemars(length(min = 1))]
    pub exception_types: Vec<String>,
    /// Seconds before the first retry.
    #[schemars(extend("x-tf-default" = 1), range(min = 1, max = 3600))]
    pub interval_seconds: Option<i64>,
    /// Multiplier of the interval after each retry.
    #[schemars(extend("x-tf-default" = 2.0), range(min = 1.0, max = 10.0))]
    pub backoff_rate: Option<f64>,
    /// Attempts at most (1-20). Exclusive with `expire_after_minutes`.
    #[schemars(range(min = 1, max = 20))]
    pub max_attempts: Option<i64>,
    /// Stop retrying after this many minutes (1-14400). Exclusive with `max_attempts`.
    #[schemars(range(min = 1, max = 14400))]
    pub expire_after_minutes: Option<i64>,
}

/// One step of the pipeline. Give it a unique `name` and exactly one kind block
/// (`processing`, `training`, `tuning`, `transform`, `create_model`, `register_model`,
/// `condition`, `quality_check` or `fail`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Step {
    /// Step name, unique in the pipeline (letters, digits, `-`, `_`; at most 64).
    #[schemars(regex(pattern = r"^[A-Za-z0-9\-_]{1,64}$"))]
    pub name: String,
    /// Name shown in SageMaker Studio.
    #[schemars(length(max = 80))]
    pub display_name: Option<String>,
    /// What the step does.
    #[schemars(length(max = 3072))]
    pub description: Option<String>,
    /// Steps that must finish before this one starts, beyond those it references.
    pub depends_on: Option<Vec<String>>,
    /// Reuse the result of a previous identical run of this step younger than this ISO 8601
    /// duration (e.g. `P30D`, `PT12H`). Unset: no caching.
    #[schemars(regex(
        pattern = r"^P(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?(?:T(?:\d+H)?(?:\d+M)?(?:\d+S)?)?$"
    ))]
    pub cache_expire_after: Option<String>,
    /// Retry policies of the step.
    #[schemars(extend("x-tf" = ["block"]))]
    pub retry: Option<Vec<Retry>>,

    /// A processing job (data preparation, evaluation).
    #[schemars(extend("x-tf" = ["block"]))]
    pub processing: Option<Processing>,
    /// A training job.
    #[schemars(extend("x-tf" = ["block"]))]
    pub training: Option<Training>,
    /// A hyperparameter tuning job.
    #[schemars(extend("x-tf" = ["block"]))]
    pub tuning: Option<Tuning>,
    /// A batch transform job.
    #[schemars(extend("x-tf" = ["block"]))]
    pub transform: Option<Transform>,
    /// Create a SageMaker model (for a transform step) from a registry version or an image
    /// and artifact.
    #[schemars(extend("x-tf" = ["block"]))]
    pub create_model: Option<CreateModel>,
    /// Register a model version in a model package group.
    #[schemars(extend("x-tf" = ["block"]))]
    pub register_model: Option<RegisterModel>,
    /// Branch on comparisons: run `if_steps` when all comparisons hold, else `else_steps`.
    #[schemars(extend("x-tf" = ["block"]))]
    pub condition: Option<Condition>,
    /// A data-quality or model-quality check (Model Monitor analyzer) against a baseline.
    #[schemars(extend("x-tf" = ["block"]))]
    pub quality_check: Option<QualityCheck>,
    /// Stop the execution as failed with a message.
    #[schemars(extend("x-tf" = ["block"]))]
    pub fail: Option<Fail>,
}

/// A processing input: an S3 location copied into the container.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ProcessingInput {
    /// Input name; defaults to `input-1`, `input-2`, ... by position.
    pub name: Option<String>,
    /// S3 URI to read (value).
    pub source: String,
    /// Path inside the container, under `/opt/ml/processing`.
    pub destination: String,
    /// `S3Prefix` or `ManifestFile`.
    #[schemars(extend("x-tf-default" = "S3Prefix"))]
    #[schemars(extend("enum" = ["S3Prefix", "ManifestFile"]))]
    pub s3_data_type: Option<String>,
    /// `File` or `Pipe`.
    #[schemars(extend("x-tf-default" = "File"))]
    #[schemars(extend("enum" = ["File", "Pipe"]))]
    pub input_mode: Option<String>,
    /// `FullyReplicated` or `ShardedByS3Key`.
    #[schemars(extend("x-tf-default" = "FullyReplicated"))]
    #[schemars(extend("enum" = ["FullyReplicated", "ShardedByS3Key"]))]
    pub distribution: Option<String>,
    /// `None` or `Gzip`.
    #[schemars(extend("x-tf-default" = "None"))]
    #[schemars(extend("enum" = ["None", "Gzip"]))]
    pub compression: Option<String>,
}

/// A processing output: a container directory uploaded to S3.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ProcessingOutput {
    /// Output name, unique in the step; referenced as `{{ steps.STEP.outputs.NAME }}`.
    pub name: String,
    /// Directory inside the container, under `/opt/ml/processing`.
    pub source: String,
    /// S3 URI to upload to (value). Default:
    /// `s3://<default_bucket>/<pipeline>/<execution id>/<step>/output/<name>`.
    pub destination: Option<String>,
    /// `EndOfJob` or `Continuous`.
    #[schemars(extend("x-tf-default" = "EndOfJob"))]
    #[schemars(extend("enum" = ["EndOfJob", "Continuous"]))]
    pub upload_mode: Option<String>,
}

/// A JSON file written by the step that conditions can read
/// (`{{ steps.STEP.files.NAME.json.path }}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PropertyFile {
    /// Property file name, unique in the step.
    #[schemars(regex(pattern = r"^[A-Za-z0-9\-_]{1,256}$"))]
    pub name: String,
    /// The output holding the file.
    pub output: String,
    /// The file's path inside that output, e.g. `evaluation.json`.
    pub path: String,
}

/// A processing job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Processing {
    /// Container image (value).
    pub image_uri: String,
    /// Instance type, e.g. `ml.m5.xlarge` (value).
    pub instance_type: String,
    /// Instance count (value).
    #[schemars(extend("x-tf-default" = "1"))]
    pub instance_count: Option<String>,
    /// Storage volume per instance in GB (value).
    #[schemars(extend("x-tf-default" = "30"))]
    pub volume_size_gb: Option<String>,
    /// Stop the job after this many seconds (value).
    pub max_runtime_seconds: Option<String>,
    /// IAM role of the job; default: the pipeline's `role_arn`.
    pub role_arn: Option<String>,
    /// Script to run: an S3 URI, or a local file (relative to the directory Terraform runs
    /// in; in a module write `"${path.module}/scripts/preprocess.py"`). A local file is
    /// uploaded at apply to `s3://<default_bucket>/<pipeline>/code/<sha256>/<file>` (its
    /// content's SHA-256, as the SageMaker SDK does): a changed script shows in the plan as
    /// a new key in `definition_json`, and old keys stay for executions still running. A
    /// missing file is an error at plan; a saved plan whose script changed since is refused
    /// at apply before anything is written. The script is added as the input `code` at
    /// `/opt/ml/processing/input/code/` and run with `command`.
    pub code: Option<String>,
    /// Interpreter for `code`.
    #[schemars(extend("x-tf-default" = ["python3"]))]
    pub command: Option<Vec<String>>,
    /// Container entrypoint when there is no `code`.
    pub entrypoint: Option<Vec<String>>,
    /// Arguments passed to the entrypoint (values).
    pub arguments: Option<Vec<String>>,
    /// Environment variables of the container (values).
    pub environment: Option<BTreeMap<String, String>>,
    /// Inputs, in order.
    #[schemars(extend("x-tf" = ["block"]))]
    pub input: Option<Vec<ProcessingInput>>,
    /// Outputs, in order.
    #[schemars(extend("x-tf" = ["block"]))]
    pub output: Option<Vec<ProcessingOutput>>,
    /// JSON files among the outputs that conditions read.
    #[schemars(extend("x-tf" = ["block"]))]
    pub property_file: Option<Vec<PropertyFile>>,
}

/// A training input channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TrainingInput {
    /// Channel name, e.g. `train`, `validation`.
    pub channel: String,
    /// S3 URI of the data (value).
    pub s3_uri: String,
    /// MIME type of the data, e.g. `text/csv`.
    pub content_type: Option<String>,
    /// `S3Prefix`, `ManifestFile` or `AugmentedManifestFile`.
    #[schemars(extend("x-tf-default" = "S3Prefix"))]
    #[schemars(extend("enum" = ["S3Prefix", "ManifestFile", "AugmentedManifestFile"]))]
    pub s3_data_type: Option<String>,
    /// `FullyReplicated` or `ShardedByS3Key`.
    #[schemars(extend("x-tf-default" = "FullyReplicated"))]
    #[schemars(extend("enum" = ["FullyReplicated", "ShardedByS3Key"]))]
    pub distribution: Option<String>,
}

/// A metric parsed from the training logs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MetricDefinition {
    /// Metric name, e.g. `validation:rmse`.
    pub name: String,
    /// Regular expression capturing the value from the logs.
    pub regex: String,
}

/// A training job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Training {
    /// Training image (value).
    pub image_uri: String,
    /// Instance type (value).
    pub instance_type: String,
    /// Instance count (value).
    #[schemars(extend("x-tf-default" = "1"))]
    pub instance_count: Option<String>,
    /// Storage volume per instance in GB (value).
    #[schemars(extend("x-tf-default" = "30"))]
    pub volume_size_gb: Option<String>,
    /// Stop the job after this many seconds (value).
    #[schemars(extend("x-tf-default" = "86400"))]
    pub max_runtime_seconds: Option<String>,
    /// `File`, `Pipe` or `FastFile`.
    #[schemars(extend("x-tf-default" = "File"))]
    #[schemars(extend("enum" = ["File", "Pipe", "FastFile"]))]
    pub input_mode: Option<String>,
    /// S3 prefix for the model artifacts (value).
    pub output_path: String,
    /// IAM role of the job; default: the pipeline's `role_arn`.
    pub role_arn: Option<String>,
    /// Hyperparameters (values). For a tuning step: the static ones.
    pub hyperparameters: Option<BTreeMap<String, String>>,
    /// Environment variables of the container (values).
    pub environment: Option<BTreeMap<String, String>>,
    /// Input channels.
    #[schemars(extend("x-tf" = ["block"]))]
    pub input: Option<Vec<TrainingInput>>,
    /// Metrics parsed from the logs (needed for a tuning objective with custom images).
    #[schemars(extend("x-tf" = ["block"]))]
    pub metric_definition: Option<Vec<MetricDefinition>>,
}

/// A continuous or integer hyperparameter range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NumericRange {
    /// Hyperparameter name.
    pub name: String,
    /// Lowest value (value).
    pub min: String,
    /// Highest value (value).
    pub max: String,
    /// `Auto`, `Linear`, `Logarithmic` or `ReverseLogarithmic`.
    #[schemars(extend("x-tf-default" = "Auto"))]
    #[schemars(extend(
        "enum" = ["Auto", "Linear", "Logarithmic", "ReverseLogarithmic"]
    ))]
    pub scaling: Option<String>,
}

/// A categorical hyperparameter range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CategoricalRange {
    /// Hyperparameter name.
    pub name: String,
    /// The values to try.
    #[schemars(length(min = 1, max = 30))]
    pub values: Vec<String>,
}

/// A hyperparameter tuning job. The best model's artifacts are
/// `{{ steps.STEP.best_model_artifacts }}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Tuning {
    /// The training job to tune (`hyperparameters` are the static ones).
    #[schemars(extend("x-tf" = ["block"]))]
    pub training: Training,
    /// Metric to optimise, e.g. `validation:rmse`.
    pub objective_metric: String,
    /// `Minimize` or `Maximize`.
    #[schemars(extend("enum" = ["Minimize", "Maximize"]))]
    pub objective_type: String,
    /// `Bayesian`, `Random`, `Hyperband` or `Grid`.
    #[schemars(extend("x-tf-default" = "Bayesian"))]
    #[schemars(extend("enum" = ["Bayesian", "Random", "Hyperband", "Grid"]))]
    pub strategy: Option<String>,
    /// Training jobs at most.
    #[schemars(range(min = 1, max = 750))]
    pub max_jobs: i64,
    /// Training jobs running at once at most.
    #[schemars(extend("x-tf-default" = 1), range(min = 1, max = 100))]
    pub max_parallel_jobs: Option<i64>,
    /// `Off` or `Auto`.
    #[schemars(extend("x-tf-default" = "Off"))]
    #[schemars(extend("enum" = ["Off", "Auto"]))]
    pub early_stopping: Option<String>,
    /// Continuous ranges.
    #[schemars(extend("x-tf" = ["block"]))]
    pub continuous_range: Option<Vec<NumericRange>>,
    /// Integer ranges.
    #[schemars(extend("x-tf" = ["block"]))]
    pub integer_range: Option<Vec<NumericRange>>,
    /// Categorical ranges.
    #[schemars(extend("x-tf" = ["block"]))]
    pub categorical_range: Option<Vec<CategoricalRange>>,
}

/// A batch transform job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Transform {
    /// Model to use (value), typically `{{ steps.CREATE_MODEL_STEP.model_name }}`.
    pub model_name: String,
    /// Instance type (value).
    pub instance_type: String,
    /// Instance count (value).
    #[schemars(extend("x-tf-default" = "1"))]
    pub instance_count: Option<String>,
    /// S3 URI of the input data (value).
    pub input: String,
    /// MIME type of the input.
    pub content_type: Option<String>,
    /// `None`, `Line`, `RecordIO` or `TFRecord`.
    #[schemars(extend("enum" = ["None", "Line", "RecordIO", "TFRecord"]))]
    pub split_type: Option<String>,
    /// S3 URI for the results (value).
    pub output_path: String,
    /// MIME type of the results.
    pub accept: Option<String>,
    /// `None` or `Line`.
    #[schemars(extend("enum" = ["None", "Line"]))]
    pub assemble_with: Option<String>,
    /// JSONPath selecting the model input from each record.
    pub input_filter: Option<String>,
    /// JSONPath selecting what is written out.
    pub output_filter: Option<String>,
    /// `None` or `Input`: join the input record to the prediction.
    #[schemars(extend("enum" = ["None", "Input"]))]
    pub join_source: Option<String>,
    /// `MultiRecord` or `SingleRecord`.
    #[schemars(extend("enum" = ["MultiRecord", "SingleRecord"]))]
    pub batch_strategy: Option<String>,
    /// Maximum payload size per request in MB (0-100).
    #[schemars(range(min = 0, max = 100))]
    pub max_payload_mb: Option<i64>,
    /// Environment variables of the container (values).
    pub environment: Option<BTreeMap<String, String>>,
}

/// A SageMaker model, from a registry version or an image and artifact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CreateModel {
    /// Model package (version) ARN to serve (value), e.g. the latest approved version from
    /// the `mlops_model_package` data source or a pipeline parameter.
    pub model_package_arn: Option<String>,
    /// Inference image (value), when not from a model package.
    pub image_uri: Option<String>,
    /// Model artifact S3 URI (value), e.g. `{{ steps.TRAIN.model_artifacts }}`.
    pub model_data_url: Option<String>,
    /// Environment variables (values).
    pub environment: Option<BTreeMap<String, String>>,
    /// Role SageMaker assumes for the model; default: the pipeline's `role_arn`.
    pub role_arn: Option<String>,
}

/// Reports attached to a registered version (S3 URIs of JSON files; values).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ModelReports {
    /// Model quality statistics, e.g. an evaluation report.
    pub model_quality_statistics: Option<String>,
    /// Model quality constraints.
    pub model_quality_constraints: Option<String>,
    /// Data quality statistics.
    pub data_quality_statistics: Option<String>,
    /// Data quality constraints.
    pub data_quality_constraints: Option<String>,
}

/// Register a model version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RegisterModel {
    /// Model package group name (value), e.g. `mlops_model_package_group.x.name`.
    pub model_package_group: String,
    /// `PendingManualApproval`, `Approved` or `Rejected` (value).
    #[schemars(extend("x-tf-default" = "PendingManualApproval"))]
    pub approval_status: Option<String>,
    /// Inference image (value).
    pub image_uri: String,
    /// Model artifact S3 URI (value), e.g. `{{ steps.TRAIN.model_artifacts }}`.
    pub model_data_url: String,
    /// Environment variables of the inference container (values).
    pub environment: Option<BTreeMap<String, String>>,
    /// Request MIME types the model accepts.
    pub content_types: Vec<String>,
    /// Response MIME types the model produces.
    pub response_types: Vec<String>,
    /// Instance types allowed for real-time endpoints.
    pub realtime_instance_types: Option<Vec<String>>,
    /// Instance types allowed for batch transform.
    pub transform_instance_types: Option<Vec<String>>,
    /// Description of the version.
    pub description: Option<String>,
    /// Quality reports of this version.
    #[schemars(extend("x-tf" = ["block"]))]
    pub model_metrics: Option<ModelReports>,
    /// Baselines that later drift checks compare against.
    #[schemars(extend("x-tf" = ["block"]))]
    pub drift_check_baselines: Option<ModelReports>,
}

/// One comparison of a condition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Comparison {
    /// `Equals`, `GreaterThan`, `GreaterThanOrEqualTo`, `LessThan` or `LessThanOrEqualTo`.
    #[schemars(extend(
        "enum" = ["Equals", "GreaterThan", "GreaterThanOrEqualTo", "LessThan", "LessThanOrEqualTo"]
    ))]
    pub r#type: String,
    /// Left operand (value). A literal that reads as a number or `true`/`false` is compared
    /// as such.
    pub left: String,
    /// Right operand (value), as `left`.
    pub right: String,
}

/// Branch on comparisons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Condition {
    /// The comparisons; all must hold.
    #[schemars(extend("x-tf" = ["block"]), length(min = 1))]
    pub comparison: Vec<Comparison>,
    /// Steps run when the comparisons hold (names of steps of this pipeline).
    pub if_steps: Option<Vec<String>>,
    /// Steps run otherwise.
    pub else_steps: Option<Vec<String>>,
}

/// A data-quality or model-quality check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct QualityCheck {
    /// `DATA_QUALITY` or `MODEL_QUALITY`.
    #[schemars(extend("enum" = ["DATA_QUALITY", "MODEL_QUALITY"]))]
    pub check_type: String,
    /// S3 URI of the dataset to check (value).
    pub dataset: String,
    /// `csv`, `json` or `parquet`.
    #[schemars(extend("x-tf-default" = "csv"))]
    #[schemars(extend("enum" = ["csv", "json", "parquet"]))]
    pub dataset_format: Option<String>,
    /// CSV files start with a header row.
    #[schemars(extend("x-tf-default" = false))]
    pub csv_header: Option<bool>,
    /// S3 URI for the check's results (value).
    pub output_s3_uri: String,
    /// Model Monitor analyzer image; default: SageMaker's image for the provider's region.
    pub image_uri: Option<String>,
    /// Instance type (value).
    pub instance_type: String,
    /// Instance count (value).
    #[schemars(extend("x-tf-default" = "1"))]
    pub instance_count: Option<String>,
    /// Storage volume per instance in GB (value).
    #[schemars(extend("x-tf-default" = "30"))]
    pub volume_size_gb: Option<String>,
    /// Stop the check after this many seconds (value).
    pub max_runtime_seconds: Option<String>,
    /// IAM role of the job; default: the pipeline's `role_arn`.
    pub role_arn: Option<String>,
    /// Only compute statistics and constraints, do not compare with a baseline.
    #[schemars(extend("x-tf-default" = false))]
    pub skip_check: Option<bool>,
    /// Make the newly computed statistics and constraints the baseline of registered versions.
    #[schemars(extend("x-tf-default" = false))]
    pub register_new_baseline: Option<bool>,
    /// Fail the step when violations are found.
    #[schemars(extend("x-tf-default" = true))]
    pub fail_on_violation: Option<bool>,
    /// Group whose latest approved version supplies the baseline when none is given here
    /// (value).
    pub model_package_group: Option<String>,
    /// S3 URI of baseline statistics (value).
    pub baseline_statistics: Option<String>,
    /// S3 URI of baseline constraints (value).
    pub baseline_constraints: Option<String>,
    /// Model quality: `Regression`, `BinaryClassification` or `MulticlassClassification`.
    #[schemars(extend(
        "enum" = ["Regression", "BinaryClassification", "MulticlassClassification"]
    ))]
    pub problem_type: Option<String>,
    /// Model quality: the dataset column (or JSON path) holding predictions.
    pub inference_attribute: Option<String>,
    /// Model quality: the column holding predicted probabilities.
    pub probability_attribute: Option<String>,
    /// Model quality: the column holding ground-truth labels.
    pub ground_truth_attribute: Option<String>,
    /// Model quality: threshold turning probabilities into labels.
    pub probability_threshold_attribute: Option<String>,
}

/// Fail the execution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Fail {
    /// Message recorded on the failed execution (value).
    pub error_message: Option<String>,
}
