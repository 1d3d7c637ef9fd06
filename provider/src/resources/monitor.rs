//! `mlops_monitor`: SageMaker Model Monitor for an endpoint: data quality and/or model
//! quality job definitions with their monitoring schedules, and CloudWatch alarms on
//! model-quality metrics.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_sagemaker::types::{
    DataQualityAppSpecification, DataQualityBaselineConfig, DataQualityJobInput, EndpointInput,
    ModelQualityAppSpecification, ModelQualityBaselineConfig, ModelQualityJobInput,
    MonitoringClusterConfig, MonitoringConstraintsResource, MonitoringGroundTruthS3Input,
    MonitoringNetworkConfig, MonitoringOutput, MonitoringOutputConfig, MonitoringProblemType,
    MonitoringResources, MonitoringS3Output, MonitoringScheduleConfig,
    MonitoringStatisticsResource, MonitoringStoppingCondition, MonitoringType,
    ProcessingInstanceType, ScheduleConfig, ScheduleStatus,
};
use mlops_framework::{
    async_trait, wait_for, AttrPath, Backoff, Check, Ctx, Diagnostic, Diagnostics, Failure,
    PlanCtx, Resource, TimeoutDefaults, Value,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::aws::{
    api_error, cloudwatch_tags, delete_alarms, error_code, is_not_found, list_tags, merge_tags,
    plan_tags_all, sdk_tags, stable_hash, update_tags, user_tags, Clients,
};
use crate::pipeline::instance_types::PROCESSING;
use crate::validation::{validate_tags, ROLE_ARN};

const S3_URI: &str = r"^s3://([^/]+)/?(.*)$";

/// Data quality check: statistics of the captured inputs compared with a baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DataQuality {
    /// S3 URI of the baseline `statistics.json` (from a baselining job).
    #[schemars(regex(pattern = S3_URI), length(max = 1024))]
    pub baseline_statistics: Option<String>,
    /// S3 URI of the baseline `constraints.json`.
    #[schemars(regex(pattern = S3_URI), length(max = 1024))]
    pub baseline_constraints: Option<String>,
}

/// Model quality check: predictions of the endpoint compared with ground truth labels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ModelQuality {
    /// `Regression`, `BinaryClassification` or `MulticlassClassification`.
    #[schemars(extend("enum" = ["Regression", "BinaryClassification", "MulticlassClassification"]))]
    pub problem_type: String,
    /// S3 URI of the ground truth labels (merged with the captured predictions).
    #[schemars(regex(pattern = S3_URI), length(max = 1024))]
    pub ground_truth_s3_uri: String,
    /// Attribute of the endpoint's output holding the prediction (JSONPath, or the index
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

/// CloudWatch alarms on model-quality metrics, notifying an SNS topic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Alerts {
    /// ARN of an existing SNS topic the alarms notify.
    #[schemars(regex(pattern = r"^arn:aws[a-z\-]*:sns:[a-z0-9\-]+:[0-9]{12}:\S+$"))]
    pub topic_arn: String,
    /// Threshold per model-quality metric, e.g. `{ rmse = 5, f1 = 0.8 }`. The alarm fires
    /// when the metric is worse: above the threshold for error metrics (`mse`, `rmse`,
    /// `mae`), below it for the others (`accuracy`, `precision`, `recall`, `f1`, `auc`,
    /// `r2`).
    pub metric_thresholds: BTreeMap<String, f64>,
}

/// SageMaker Model Monitor for a real-time endpoint (which must capture data: the
/// `data_capture` block of `mlops_endpoint`). Each check is a job definition (immutable,
/// content-named: a change creates a new one, switches the schedule to it and deletes the
/// old one, so monitoring never stops) and a monitoring schedule. `alerts` adds CloudWatch
/// alarms on model-quality metrics.
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
    /// IAM role the monitoring jobs run as.
    #[schemars(regex(pattern = ROLE_ARN), length(min = 20, max = 2048))]
    pub role_arn: String,
    /// Name of the monitored endpoint.
    #[schemars(regex(pattern = r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$"))]
    pub endpoint_name: String,
    /// `hourly`, `daily` (at midnight UTC) or a cron expression SageMaker accepts:
    /// `cron(0 * ? * * *)`, `cron(0 H ? * * *)` or `cron(0 H/N ? * * *)`.
    #[schemars(extend("x-tf-default" = "daily"))]
    pub schedule: Option<String>,
    /// S3 URI the monitoring reports go to.
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
    /// Run the monitoring jobs without network access.
    #[schemars(extend("x-tf-default" = false))]
    pub enable_network_isolation: Option<bool>,
    /// Data quality check.
    #[schemars(extend("x-tf" = ["block"]))]
    pub data_quality: Option<DataQuality>,
    /// Model quality check.
    #[schemars(extend("x-tf" = ["block"]))]
    pub model_quality: Option<ModelQuality>,
    /// Alarms on model-quality metrics (needs `model_quality`).
    #[schemars(extend("x-tf" = ["block"]))]
    pub alerts: Option<Alerts>,
    /// Tags of the job definitions and schedules. Provider `default_tags` are added.
    pub tags: Option<BTreeMap<String, String>>,
    /// All tags, including the provider's `default_tags`.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub tags_all: Option<BTreeMap<String, String>>,
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

const NAMESPACE: &str = "aws/sagemaker/Endpoints/model-metrics";
const HOURLY: &str = "cron(0 * ? * * *)";
const DAILY: &str = "cron(0 0 ? * * *)";
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

/// Content name of a check's job definition: everything the definition holds.
fn definition_name(s: &MonitorState, kind: Kind) -> Option<String> {
    let common = serde_json::json!([
        s.role_arn,
        s.endpoint_name,
        s.output_s3_uri,
        s.instance_type,
        s.instance_count,
        s.volume_size_gb,
        s.max_runtime_seconds,
        s.enable_network_isolation
    ]);
    let (tag, content) = match kind {
        Kind::Data => {
            let d = s.data_quality.as_ref()?;
            (
                "dq",
                serde_json::json!([common, d.baseline_statistics, d.baseline_constraints]),
            )
        }
        Kind::Model => {
            let m = s.model_quality.as_ref()?;
            (
                "mq",
                serde_json::json!([
                    common,
                    m.problem_type,
                    m.ground_truth_s3_uri,
                    m.inference_attribute,
                    m.probability_attribute,
                    m.probability_threshold,
                    m.baseline_constraints
                ]),
            )
        }
    };
    let h = stable_hash(&content.to_string()) & 0xff_ffff_ffff;
    Some(format!("{}-{tag}-{h:010x}", s.name))
}

fn alarm_names_for(s: &MonitorState) -> Vec<String> {
    s.alerts
        .iter()
        .flat_map(|a| a.metric_thresholds.keys())
        .map(|m| format!("mlops-{}-{m}", s.name))
        .collect()
}

/// Model Monitor analyzer image of a region (SageMaker's own image table, shared with the
/// pipeline compiler's quality checks).
fn analyzer_image(region: &str) -> Result<String, Diagnostics> {
    crate::pipeline::monitor_image(region).ok_or_else(|| {
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
                            .local_path("/opt/ml/processing/output")
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
        let network = MonitoringNetworkConfig::builder()
            .enable_network_isolation(s.enable_network_isolation.unwrap_or(false))
            .build();
        let stop = MonitoringStoppingCondition::builder()
            .max_runtime_in_seconds(s.max_runtime_seconds.unwrap_or(3600) as i32)
            .build();
        let image = analyzer_image(&c.region)?;
        let res = match kind {
            Kind::Data => {
                let d = s.data_quality.clone().unwrap_or(DataQuality {
                    baseline_statistics: None,
                    baseline_constraints: None,
                });
                let baseline =
                    (d.baseline_statistics.is_some() || d.baseline_constraints.is_some()).then(
                        || {
                            DataQualityBaselineConfig::builder()
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
                            .build(),
                    )
                    .data_quality_job_input(
                        DataQualityJobInput::builder()
                            .endpoint_input(
                                EndpointInput::builder()
                                    .endpoint_name(&s.endpoint_name)
                                    .local_path("/opt/ml/processing/input/endpoint")
                                    .build(),
                            )
                            .build(),
                    )
                    .data_quality_job_output_config(output)
                    .job_resources(resources)
                    .network_config(network)
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
                let mut input = EndpointInput::builder()
                    .endpoint_name(&s.endpoint_name)
                    .local_path("/opt/ml/processing/input/endpoint")
                    .inference_attribute(&m.inference_attribute)
                    .set_probability_attribute(m.probability_attribute.clone());
                if let Some(t) = m.probability_threshold {
                    input = input.probability_threshold_attribute(t);
                }
                c.sagemaker
                    .create_model_quality_job_definition()
                    .job_definition_name(name)
                    .set_model_quality_baseline_config(baseline)
                    .model_quality_app_specification(
                        ModelQualityAppSpecification::builder()
                            .image_uri(image)
                            .problem_type(MonitoringProblemType::from(m.problem_type.as_str()))
                            .build(),
                    )
                    .model_quality_job_input(
                        ModelQualityJobInput::builder()
                            .endpoint_input(input.build())
                            .ground_truth_s3_input(
                                MonitoringGroundTruthS3Input::builder()
                                    .s3_uri(&m.ground_truth_s3_uri)
                                    .build(),
                            )
                            .build(),
                    )
                    .model_quality_job_output_config(output)
                    .job_resources(resources)
                    .network_config(network)
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
            Ok(()) => Ok(()),
            // Same name = same content: left over from an earlier, interrupted apply.
            Err((true, _)) => Ok(()),
            Err((false, d)) => Err(d.into()),
        }
    }

    async fn delete_definition(
        &self,
        c: &Clients,
        kind: Kind,
        name: &str,
    ) -> Result<(), Diagnostics> {
        let r = match kind {
            Kind::Data => c
                .sagemaker
                .delete_data_quality_job_definition()
                .job_definition_name(name)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| {
                    (
                        is_not_found(&e),
                        api_error("DeleteDataQualityJobDefinition", name, &e),
                    )
                }),
            Kind::Model => c
                .sagemaker
                .delete_model_quality_job_definition()
                .job_definition_name(name)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| {
                    (
                        is_not_found(&e),
                        api_error("DeleteModelQualityJobDefinition", name, &e),
                    )
                }),
        };
        match r {
            Ok(()) | Err((true, _)) => Ok(()),
            Err((false, d)) => Err(d.into()),
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

    /// Bring one check to the planned state. Returns (definition, schedule ARN).
    async fn apply_check(
        &self,
        ctx: &Ctx<Clients>,
        prior: Option<&MonitorState>,
        s: &MonitorState,
        kind: Kind,
        tags: &BTreeMap<String, String>,
    ) -> Result<(Option<String>, Option<String>), Diagnostics> {
        let c = ctx.client.clone();
        let sched = schedule_name(&s.name, kind);
        let (old_def, old_arn) = match (prior, kind) {
            (Some(p), Kind::Data) => (
                p.data_quality_job_definition.clone(),
                p.data_quality_schedule_arn.clone(),
            ),
            (Some(p), Kind::Model) => (
                p.model_quality_job_definition.clone(),
                p.model_quality_schedule_arn.clone(),
            ),
            (None, _) => (None, None),
        };
        let Some(new_def) = definition_name(s, kind) else {
            // Check removed: schedule first, then its definition.
            if old_arn.is_some() {
                match c
                    .sagemaker
                    .delete_monitoring_schedule()
                    .monitoring_schedule_name(&sched)
                    .send()
                    .await
                {
                    Ok(_) => {}
                    Err(e) if is_not_found(&e) => {}
                    Err(e) => return Err(api_error("DeleteMonitoringSchedule", &sched, &e).into()),
                }
                self.wait_schedule(ctx, &sched, true).await?;
            }
            if let Some(d) = &old_def {
                self.delete_definition(&c, kind, d).await?;
            }
            return Ok((None, None));
        };
        let schedule_changed = prior.is_none_or(|p| {
            expression(p.schedule.as_deref().unwrap_or("daily")).map(|x| x.0)
                != expression(s.schedule.as_deref().unwrap_or("daily")).map(|x| x.0)
        });
        if old_def.as_deref() != Some(new_def.as_str()) || old_arn.is_none() {
            self.create_definition(&c, s, kind, &new_def, tags).await?;
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
                Ok(_) => {}
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
        } else if old_def.as_deref() != Some(new_def.as_str()) || schedule_changed {
            self.wait_schedule(ctx, &sched, false).await?;
            c.sagemaker
                .update_monitoring_schedule()
                .monitoring_schedule_name(&sched)
                .monitoring_schedule_config(Self::schedule_config(s, kind, &new_def))
                .send()
                .await
                .map_err(|e| api_error("UpdateMonitoringSchedule", &sched, &e))?;
            self.wait_schedule(ctx, &sched, false).await?
        } else {
            old_arn
        };
        if let Some(old) = old_def.filter(|d| *d != new_def) {
            self.delete_definition(&c, kind, &old).await?;
        }
        Ok((Some(new_def), arn))
    }

    async fn put_alarms(
        &self,
        c: &Clients,
        s: &MonitorState,
        tags: &BTreeMap<String, String>,
    ) -> Result<Vec<String>, Diagnostics> {
        let Some(a) = &s.alerts else {
            return Ok(vec![]);
        };
        let sched = schedule_name(&s.name, Kind::Model);
        let cw_tags = cloudwatch_tags(tags);
        let mut names = vec![];
        for (metric, threshold) in &a.metric_thresholds {
            let name = format!("mlops-{}-{metric}", s.name);
            let error = METRICS.iter().any(|(m, e)| m == metric && *e);
            let op = if error {
                aws_sdk_cloudwatch::types::ComparisonOperator::GreaterThanThreshold
            } else {
                aws_sdk_cloudwatch::types::ComparisonOperator::LessThanThreshold
            };
            c.cloudwatch
                .put_metric_alarm()
                .alarm_name(&name)
                .alarm_description(format!(
                    "Model quality {metric} of endpoint {} (terraform-provider-mlops monitor {})",
                    s.endpoint_name, s.name
                ))
                .namespace(NAMESPACE)
                .metric_name(metric)
                .statistic(aws_sdk_cloudwatch::types::Statistic::Average)
                .dimensions(
                    aws_sdk_cloudwatch::types::Dimension::builder()
                        .name("Endpoint")
                        .value(&s.endpoint_name)
                        .build(),
                )
                .dimensions(
                    aws_sdk_cloudwatch::types::Dimension::builder()
                        .name("MonitoringSchedule")
                        .value(&sched)
                        .build(),
                )
                .period(3600)
                .evaluation_periods(1)
                .threshold(*threshold)
                .comparison_operator(op)
                .treat_missing_data("notBreaching")
                .alarm_actions(&a.topic_arn)
                .set_tags(cw_tags.clone())
                .send()
                .await
                .map_err(|e| api_error("PutMetricAlarm", &name, &e))?;
            names.push(name);
        }
        Ok(names)
    }

    /// Read one check: `None` when its schedule is gone.
    async fn read_check(
        &self,
        c: &Clients,
        s: &mut MonitorState,
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
        match kind {
            Kind::Data => {
                s.data_quality_job_definition = Some(def.clone());
                s.data_quality_schedule_arn = d.monitoring_schedule_arn().map(String::from);
                if let Ok(j) = c
                    .sagemaker
                    .describe_data_quality_job_definition()
                    .job_definition_name(&def)
                    .send()
                    .await
                {
                    let b = j.data_quality_baseline_config();
                    s.data_quality = Some(DataQuality {
                        baseline_statistics: b
                            .and_then(|b| b.statistics_resource())
                            .and_then(|r| r.s3_uri())
                            .map(String::from),
                        baseline_constraints: b
                            .and_then(|b| b.constraints_resource())
                            .and_then(|r| r.s3_uri())
                            .map(String::from),
                    });
                    self.read_common(
                        s,
                        j.role_arn(),
                        j.data_quality_job_input().and_then(|i| i.endpoint_input()),
                        j.data_quality_job_output_config(),
                        j.job_resources(),
                        j.network_config(),
                        j.stopping_condition(),
                    );
                }
            }
            Kind::Model => {
                s.model_quality_job_definition = Some(def.clone());
                s.model_quality_schedule_arn = d.monitoring_schedule_arn().map(String::from);
                if let Ok(j) = c
                    .sagemaker
                    .describe_model_quality_job_definition()
                    .job_definition_name(&def)
                    .send()
                    .await
                {
                    let input = j.model_quality_job_input().and_then(|i| i.endpoint_input());
                    s.model_quality = Some(ModelQuality {
                        problem_type: j
                            .model_quality_app_specification()
                            .and_then(|a| a.problem_type())
                            .map(|p| p.as_str().to_string())
                            .unwrap_or_default(),
                        ground_truth_s3_uri: j
                            .model_quality_job_input()
                            .and_then(|i| i.ground_truth_s3_input())
                            .and_then(|g| g.s3_uri())
                            .unwrap_or_default()
                            .to_string(),
                        inference_attribute: input
                            .and_then(|i| i.inference_attribute())
                            .unwrap_or_default()
                            .to_string(),
                        probability_attribute: input
                            .and_then(|i| i.probability_attribute())
                            .map(String::from),
                        probability_threshold: input
                            .and_then(|i| i.probability_threshold_attribute()),
                        baseline_constraints: j
                            .model_quality_baseline_config()
                            .and_then(|b| b.constraints_resource())
                            .and_then(|r| r.s3_uri())
                            .map(String::from),
                    });
                    self.read_common(
                        s,
                        j.role_arn(),
                        input,
                        j.model_quality_job_output_config(),
                        j.job_resources(),
                        j.network_config(),
                        j.stopping_condition(),
                    );
                }
            }
        }
        Ok(d.monitoring_schedule_arn().map(String::from))
    }

    #[allow(clippy::too_many_arguments)]
    fn read_common(
        &self,
        s: &mut MonitorState,
        role: Option<&str>,
        input: Option<&EndpointInput>,
        output: Option<&MonitoringOutputConfig>,
        res: Option<&MonitoringResources>,
        net: Option<&MonitoringNetworkConfig>,
        stop: Option<&MonitoringStoppingCondition>,
    ) {
        if let Some(r) = role {
            s.role_arn = r.to_string();
        }
        if let Some(e) = input.and_then(|i| i.endpoint_name()) {
            s.endpoint_name = e.to_string();
        }
        if let Some(u) = output
            .and_then(|o| o.monitoring_outputs().first())
            .and_then(|o| o.s3_output())
            .and_then(|o| o.s3_uri())
        {
            s.output_s3_uri = u.to_string();
        }
        if let Some(cl) = res.and_then(|r| r.cluster_config()) {
            s.instance_type = cl
                .instance_type()
                .map(|t| t.as_str().to_string())
                .or(s.instance_type.take());
            s.instance_count = cl.instance_count().map(i64::from).or(s.instance_count);
            s.volume_size_gb = cl.volume_size_in_gb().map(i64::from).or(s.volume_size_gb);
        }
        s.enable_network_isolation = Some(
            net.and_then(|n| n.enable_network_isolation())
                .unwrap_or(false),
        );
        if let Some(m) = stop.and_then(|x| x.max_runtime_in_seconds()) {
            s.max_runtime_seconds = Some(i64::from(m));
        }
    }

    async fn read_remote(
        &self,
        c: &Clients,
        prior: &MonitorState,
    ) -> Result<Option<MonitorState>, Diagnostics> {
        let mut s = prior.clone();
        let dq = self.read_check(c, &mut s, Kind::Data).await?;
        if dq.is_none() {
            s.data_quality_job_definition = None;
            s.data_quality_schedule_arn = None;
        }
        let mq = self.read_check(c, &mut s, Kind::Model).await?;
        if mq.is_none() {
            s.model_quality_job_definition = None;
            s.model_quality_schedule_arn = None;
        }
        if dq.is_none() && mq.is_none() && prior.alerts.is_none() && prior.alarm_names.is_none() {
            return Ok(None);
        }
        if dq.is_none() && mq.is_none() {
            // Only alarms could be left: the monitor itself is gone.
            let names = alarm_names_for(prior);
            if !names.is_empty() {
                let _ = delete_alarms(c, &names).await;
            }
            return Ok(None);
        }
        // Alarms: found by their name prefix.
        let prefix = format!("mlops-{}-", s.name);
        let r = c
            .cloudwatch
            .describe_alarms()
            .alarm_name_prefix(&prefix)
            .send()
            .await
            .map_err(|e| api_error("DescribeAlarms", &prefix, &e))?;
        let mut thresholds = BTreeMap::new();
        let mut names = vec![];
        let mut topic = None;
        for a in r.metric_alarms() {
            let Some(n) = a.alarm_name() else { continue };
            let metric = &n[prefix.len()..];
            if !METRICS.iter().any(|(m, _)| *m == metric) {
                continue;
            }
            if let Some(t) = a.threshold() {
                thresholds.insert(metric.to_string(), t);
            }
            topic = topic.or(a.alarm_actions().first().cloned());
            names.push(n.to_string());
        }
        s.alerts = match (&prior.alerts, topic) {
            _ if names.is_empty() => None,
            (Some(p), _) => Some(Alerts {
                topic_arn: p.topic_arn.clone(),
                metric_thresholds: thresholds,
            }),
            (None, Some(t)) => Some(Alerts {
                topic_arn: t,
                metric_thresholds: thresholds,
            }),
            (None, None) => None,
        };
        s.alarm_names = Some(names);
        if let Some(arn) = dq.or(mq) {
            let remote = list_tags(&c.sagemaker, &arn).await?;
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
        // What exists so far is recorded: nothing created is lost.
        let mut s = match prior {
            Some(p) => p.clone(),
            None => MonitorState {
                data_quality_job_definition: None,
                model_quality_job_definition: None,
                data_quality_schedule_arn: None,
                model_quality_schedule_arn: None,
                alarm_names: Some(vec![]),
                ..planned.clone()
            },
        };
        for kind in [Kind::Data, Kind::Model] {
            let r = self.apply_check(ctx, prior, planned, kind, &tags).await;
            // On failure keep what the check looks like remotely (best effort).
            let (def, arn) = match r {
                Ok(x) => x,
                Err(d) => {
                    let mut keep = s.clone();
                    if let Ok(Some(read)) = self.read_remote(&c, &keep).await {
                        keep = read;
                    }
                    return Err(Failure::with_partial(keep, d));
                }
            };
            match kind {
                Kind::Data => {
                    s.data_quality_job_definition = def;
                    s.data_quality_schedule_arn = arn;
                }
                Kind::Model => {
                    s.model_quality_job_definition = def;
                    s.model_quality_schedule_arn = arn;
                }
            }
        }
        let wanted = alarm_names_for(planned);
        let stale: Vec<String> = s
            .alarm_names
            .iter()
            .flatten()
            .filter(|a| !wanted.contains(a))
            .cloned()
            .collect();
        delete_alarms(&c, &stale)
            .await
            .map_err(|d| Failure::with_partial(s.clone(), d))?;
        let alarms = self
            .put_alarms(&c, planned, &tags)
            .await
            .map_err(|d| Failure::with_partial(s.clone(), d))?;
        let mut out = MonitorState {
            data_quality_job_definition: s.data_quality_job_definition.clone(),
            model_quality_job_definition: s.model_quality_job_definition.clone(),
            data_quality_schedule_arn: s.data_quality_schedule_arn.clone(),
            model_quality_schedule_arn: s.model_quality_schedule_arn.clone(),
            alarm_names: Some(alarms),
            tags_all: Some(tags.clone()),
            ..planned.clone()
        };
        if let Some(p) = prior {
            if p.tags_all.as_ref() != Some(&tags) {
                for arn in [
                    &out.data_quality_schedule_arn,
                    &out.model_quality_schedule_arn,
                ]
                .into_iter()
                .flatten()
                {
                    update_tags(
                        &c.sagemaker,
                        arn,
                        p.tags_all.as_ref().unwrap_or(&BTreeMap::new()),
                        &tags,
                    )
                    .await
                    .map_err(|d| Failure::with_partial(out.clone(), d))?;
                }
            }
        }
        if out.alarm_names.as_ref().is_some_and(Vec::is_empty) && planned.alerts.is_none() {
            out.alarm_names = Some(vec![]);
        }
        Ok(out)
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

#[async_trait]
impl Resource for Monitor {
    type Client = Clients;
    type State = MonitorState;
    const TYPE_NAME: &'static str = "mlops_monitor";

    fn timeouts(&self) -> TimeoutDefaults {
        TimeoutDefaults {
            create: Some(Duration::from_secs(20 * 60)),
            update: Some(Duration::from_secs(20 * 60)),
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
        let alerts = config.attr("alerts");
        if !alerts.is_null() && mq.is_null() {
            diags.error_at(
                AttrPath::attr("alerts"),
                "Alerts without model quality",
                "alerts watch model-quality metrics: add a model_quality block.",
            );
        }
        if let Value::Map(m) = alerts.attr("metric_thresholds") {
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
    }

    fn modify_plan(&self, plan: PlanCtx<'_, Clients>) {
        let mut plan = plan;
        plan_tags_all(&mut plan);
        if plan.config.is_null() {
            return;
        }
        // Content names of the definitions and the alarm names, when the inputs are known.
        let inputs_known = plan.planned.as_object().is_some_and(|o| {
            o.iter()
                .filter(|(k, _)| {
                    !matches!(
                        k.as_str(),
                        "tags_all"
                            | "data_quality_job_definition"
                            | "model_quality_job_definition"
                            | "data_quality_schedule_arn"
                            | "model_quality_schedule_arn"
                            | "alarm_names"
                            | "timeouts"
                    )
                })
                .all(|(_, v)| v.is_wholly_known())
        });
        if inputs_known {
            if let Ok(s) = mlops_framework::resource::to_model::<MonitorState>(plan.planned) {
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
        for kind in [Kind::Data, Kind::Model] {
            let sched = schedule_name(&current.name, kind);
            // The definition the schedule really uses (it may have drifted).
            let used = c
                .sagemaker
                .describe_monitoring_schedule()
                .monitoring_schedule_name(&sched)
                .send()
                .await
                .ok()
                .and_then(|d| {
                    d.monitoring_schedule_config()
                        .and_then(|x| x.monitoring_job_definition_name())
                        .map(String::from)
                });
            match c
                .sagemaker
                .delete_monitoring_schedule()
                .monitoring_schedule_name(&sched)
                .send()
                .await
            {
                Ok(_) => {}
                Err(e) if is_not_found(&e) => {}
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|x| x.to_string().contains("Pending")) =>
                {
                    self.wait_schedule(ctx, &sched, false).await?;
                    c.sagemaker
                        .delete_monitoring_schedule()
                        .monitoring_schedule_name(&sched)
                        .send()
                        .await
                        .map_err(|e| api_error("DeleteMonitoringSchedule", &sched, &e))?;
                }
                Err(e) => return Err(api_error("DeleteMonitoringSchedule", &sched, &e).into()),
            }
            self.wait_schedule(ctx, &sched, true).await?;
            let recorded = match kind {
                Kind::Data => current.data_quality_job_definition.clone(),
                Kind::Model => current.model_quality_job_definition.clone(),
            };
            for d in [used, recorded].into_iter().flatten() {
                self.delete_definition(&c, kind, &d).await?;
            }
        }
        Ok(())
    }

    async fn import(&self, _ctx: &mut Ctx<Clients>, id: &str) -> Result<MonitorState, Diagnostics> {
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
            endpoint_name: String::new(),
            schedule: None,
            output_s3_uri: String::new(),
            instance_type: None,
            instance_count: None,
            volume_size_gb: None,
            max_runtime_seconds: None,
            enable_network_isolation: None,
            data_quality: None,
            model_quality: None,
            alerts: None,
            tags: None,
            tags_all: None,
            data_quality_job_definition: None,
            model_quality_job_definition: None,
            data_quality_schedule_arn: None,
            model_quality_schedule_arn: None,
            alarm_names: None,
        })
    }
}
