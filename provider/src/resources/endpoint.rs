//! `mlops_endpoint`: real-time serving of a registry version or a bring-your-own image, as one
//! resource (models + endpoint config + endpoint + autoscaling + rollback alarms).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use aws_sdk_sagemaker::types::{
    Alarm, AutoRollbackConfig, BlueGreenUpdatePolicy, CapacitySize, CapacitySizeType, CaptureMode,
    CaptureOption, ContainerDefinition, DataCaptureConfig, DeploymentConfig, EndpointStatus,
    ProductionVariant, ProductionVariantInstanceType, ProductionVariantServerlessConfig,
    TrafficRoutingConfig, TrafficRoutingConfigType,
};
use mlops_framework::{
    async_trait, wait_for, AttrPath, Backoff, Check, Ctx, Diagnostic, Diagnostics, Failure,
    PathStep, PlanCtx, Resource, TimeoutDefaults, Value,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::aws::{
    api_error, cloudwatch_tags, delete_alarms, is_not_found, list_tags, merge_tags, plan_tags_all,
    sdk_tags, stable_hash, update_tags, user_tags, Clients,
};
use crate::kserve::{self, KubernetesServing};
use crate::validation::{validate_tags, ENTITY_NAME, ROLE_ARN};

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
    /// Variant name, unique in the endpoint.
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
    /// Further variants sharing the traffic by weight (A/B tests).
    #[schemars(extend("x-tf" = ["block"]), length(max = 9))]
    pub variant: Option<Vec<Variant>>,
    /// A shadow variant: receives a copy of the traffic (its `weight` is the copied share
    /// relative to the variants), its responses are not returned.
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
}

/// The resource.
pub struct Endpoint;

const DEFAULT_VARIANT: &str = "primary";

impl EndpointState {
    fn role(&self) -> &str {
        self.role_arn.as_deref().unwrap_or_default()
    }
}

impl Variant {
    fn name(&self) -> &str {
        self.name.as_deref().unwrap_or(DEFAULT_VARIANT)
    }
}

/// All variants with their role: (path of the block, variant, shadow?).
fn variants(s: &EndpointState) -> Vec<(AttrPath, &Variant, bool)> {
    let mut v = vec![(AttrPath::attr("model"), &s.model, false)];
    for (i, x) in s.variant.iter().flatten().enumerate() {
        v.push((
            AttrPath(vec![
                PathStep::Attr("variant".into()),
                PathStep::Index(i as i64),
            ]),
            x,
            false,
        ));
    }
    if let Some(x) = &s.shadow {
        v.push((AttrPath::attr("shadow"), x, true));
    }
    v
}

/// Content name of a variant's model: the endpoint, the variant and a hash of what it
/// serves (so a change makes a new model and the old one stays until the switch).
fn model_name(endpoint: &str, role: &str, v: &Variant) -> Option<String> {
    let content = serde_json::json!({
        "role": role,
        "package": v.model_package_arn,
        "image": v.image,
        "data": v.model_data_url,
        "env": v.environment,
    })
    .to_string();
    if v.model_package_arn.is_none() && v.image.is_none() {
        return None;
    }
    Some(short_name(&[endpoint, v.name()], stable_hash(&content)))
}

/// `<a>-<b>-<hash>` within SageMaker's 63 characters.
fn short_name(parts: &[&str], hash: u64) -> String {
    let h = format!("{:010x}", hash & 0xff_ffff_ffff);
    let mut base = parts.join("-");
    let max = 63 - h.len() - 1;
    if base.len() > max {
        base.truncate(max);
        while base.ends_with('-') {
            base.pop();
        }
    }
    format!("{base}-{h}")
}

/// Content name of the endpoint config (autoscaled instance counts are left out: the
/// autoscaler owns them).
fn config_name(s: &EndpointState) -> Option<String> {
    let mut parts = vec![];
    for (_, v, shadow) in variants(s) {
        parts.push(serde_json::json!({
            "shadow": shadow,
            "name": v.name(),
            "model": v.model_name.clone().or_else(|| model_name(&s.name, s.role(), v))?,
            "weight": v.weight.unwrap_or(1.0),
            "type": v.instance_type,
            "count": if v.autoscaling.is_some() || v.serverless.is_some() { None } else { v.instance_count },
            "serverless": v.serverless.as_ref().map(|x| (x.memory_mb, x.max_concurrency)),
        }));
    }
    let dc = s.data_capture.as_ref().map(|d| {
        serde_json::json!([
            d.destination,
            d.sampling_percentage,
            d.capture_request,
            d.capture_response
        ])
    });
    let content = serde_json::json!({"variants": parts, "capture": dc}).to_string();
    Some(short_name(&[&s.name], stable_hash(&content)))
}

fn alarm_names_for(s: &EndpointState) -> Vec<String> {
    let r = s.rollout.as_ref();
    if r.and_then(|r| r.default_alarms) == Some(false) || is_serverless(s) {
        return vec![];
    }
    vec![
        format!("mlops-{}-5xx-errors", s.name),
        format!("mlops-{}-model-latency", s.name),
    ]
}

fn num(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.to_i64(),
        _ => None,
    }
}

fn is_serverless(s: &EndpointState) -> bool {
    variants(s).iter().any(|(_, v, _)| v.serverless.is_some())
}

impl Endpoint {
    async fn ensure_model(
        &self,
        c: &Clients,
        s: &EndpointState,
        v: &Variant,
        tags: &BTreeMap<String, String>,
    ) -> Result<String, Diagnostics> {
        let Some(name) = model_name(&s.name, s.role(), v) else {
            return Err(Diagnostic::error(
                "Variant without a model",
                format!("Variant {} serves nothing.", v.name()),
            )
            .into());
        };
        match c.sagemaker.describe_model().model_name(&name).send().await {
            Ok(_) => return Ok(name),
            Err(e) if is_not_found(&e) => {}
            Err(e) => return Err(api_error("DescribeModel", &name, &e).into()),
        }
        let mut cont = ContainerDefinition::builder();
        if let Some(p) = &v.model_package_arn {
            cont = cont.model_package_name(p);
        } else {
            cont = cont
                .set_image(v.image.clone())
                .set_model_data_url(v.model_data_url.clone())
                .set_environment(v.environment.clone().map(|m| m.into_iter().collect()));
        }
        c.sagemaker
            .create_model()
            .model_name(&name)
            .primary_container(cont.build())
            .execution_role_arn(s.role())
            .set_tags(sdk_tags(tags))
            .send()
            .await
            .map_err(|e| api_error("CreateModel", &name, &e))?;
        tracing::info!(endpoint = %s.name, model = %name, "model created");
        Ok(name)
    }

    /// Create the endpoint config for `s` (with `capacity` for autoscaled variants).
    async fn create_config(
        &self,
        c: &Clients,
        s: &EndpointState,
        name: &str,
        capacity: &BTreeMap<String, i32>,
        tags: &BTreeMap<String, String>,
    ) -> Result<(), Diagnostics> {
        // Content-named: one left by an interrupted apply is the same config, reuse it.
        if c.sagemaker
            .describe_endpoint_config()
            .endpoint_config_name(name)
            .send()
            .await
            .is_ok()
        {
            tracing::info!(endpoint = %s.name, config = %name, "endpoint config exists already; reused");
            return Ok(());
        }
        let mut prod = vec![];
        let mut shadows = vec![];
        for (_, v, shadow) in variants(s) {
            let mut b = ProductionVariant::builder()
                .variant_name(v.name())
                .set_model_name(v.model_name.clone())
                .initial_variant_weight(v.weight.unwrap_or(1.0) as f32);
            if let Some(sv) = &v.serverless {
                b = b.serverless_config(
                    ProductionVariantServerlessConfig::builder()
                        .memory_size_in_mb(sv.memory_mb as i32)
                        .max_concurrency(sv.max_concurrency as i32)
                        .build(),
                );
            } else {
                let count = capacity
                    .get(v.name())
                    .copied()
                    .unwrap_or(v.instance_count.unwrap_or(1) as i32);
                b = b
                    .set_instance_type(
                        v.instance_type
                            .as_deref()
                            .map(ProductionVariantInstanceType::from),
                    )
                    .initial_instance_count(count);
            }
            let pv = b.build();
            if shadow {
                shadows.push(pv);
            } else {
                prod.push(pv);
            }
        }
        let dc = match &s.data_capture {
            Some(d) => {
                let mut opts = vec![];
                if d.capture_request != Some(false) {
                    opts.push(
                        CaptureOption::builder()
                            .capture_mode(CaptureMode::Input)
                            .build(),
                    );
                }
                if d.capture_response != Some(false) {
                    opts.push(
                        CaptureOption::builder()
                            .capture_mode(CaptureMode::Output)
                            .build(),
                    );
                }
                Some(
                    DataCaptureConfig::builder()
                        .enable_capture(true)
                        .initial_sampling_percentage(d.sampling_percentage.unwrap_or(100) as i32)
                        .destination_s3_uri(&d.destination)
                        .set_capture_options(Some(opts))
                        .build(),
                )
            }
            None => None,
        };
        c.sagemaker
            .create_endpoint_config()
            .endpoint_config_name(name)
            .set_production_variants(Some(prod))
            .set_shadow_production_variants((!shadows.is_empty()).then_some(shadows))
            .set_data_capture_config(dc)
            .set_tags(sdk_tags(tags))
            .send()
            .await
            .map_err(|e| api_error("CreateEndpointConfig", name, &e))?;
        tracing::info!(endpoint = %s.name, config = %name, "endpoint config created");
        Ok(())
    }

    fn deployment(s: &EndpointState, alarms: &[String]) -> Option<DeploymentConfig> {
        if is_serverless(s) {
            return None;
        }
        let r = s.rollout.clone().unwrap_or(Rollout {
            strategy: None,
            step_percent: None,
            wait_seconds: None,
            termination_wait_seconds: None,
            default_alarms: None,
            error_threshold: None,
            latency_threshold_ms: None,
            alarm_names: None,
        });
        let step = CapacitySize::builder()
            .r#type(CapacitySizeType::CapacityPercent)
            .value(r.step_percent.unwrap_or(10) as i32)
            .build();
        let mut t = TrafficRoutingConfig::builder()
            .wait_interval_in_seconds(r.wait_seconds.unwrap_or(300) as i32);
        t = match r.strategy.as_deref().unwrap_or("canary") {
            "linear" => t
                .r#type(TrafficRoutingConfigType::Linear)
                .linear_step_size(step),
            "all_at_once" => t.r#type(TrafficRoutingConfigType::AllAtOnce),
            _ => t.r#type(TrafficRoutingConfigType::Canary).canary_size(step),
        };
        let bg = BlueGreenUpdatePolicy::builder()
            .traffic_routing_configuration(t.build())
            .termination_wait_in_seconds(r.termination_wait_seconds.unwrap_or(0) as i32)
            .build();
        let mut all: Vec<String> = alarms.to_vec();
        all.extend(r.alarm_names.iter().flatten().cloned());
        let rollback = (!all.is_empty()).then(|| {
            AutoRollbackConfig::builder()
                .set_alarms(Some(
                    all.iter()
                        .map(|a| Alarm::builder().alarm_name(a).build())
                        .collect(),
                ))
                .build()
        });
        Some(
            DeploymentConfig::builder()
                .blue_green_update_policy(bg)
                .set_auto_rollback_configuration(rollback)
                .build(),
        )
    }

    async fn ensure_alarms(
        &self,
        c: &Clients,
        s: &EndpointState,
        tags: &BTreeMap<String, String>,
    ) -> Result<Vec<String>, Diagnostics> {
        let names = alarm_names_for(s);
        let r = s.rollout.as_ref();
        let errors = r.and_then(|r| r.error_threshold).unwrap_or(1) as f64;
        let latency_us = (r.and_then(|r| r.latency_threshold_ms).unwrap_or(2000) * 1000) as f64;
        let dims = vec![
            aws_sdk_cloudwatch::types::Dimension::builder()
                .name("EndpointName")
                .value(&s.name)
                .build(),
            aws_sdk_cloudwatch::types::Dimension::builder()
                .name("VariantName")
                .value(s.model.name())
                .build(),
        ];
        let cw_tags = cloudwatch_tags(tags);
        for (name, metric, stat, threshold, what) in names
            .iter()
            .zip([
                (
                    "Invocation5XXErrors",
                    aws_sdk_cloudwatch::types::Statistic::Sum,
                    errors,
                    "5xx errors",
                ),
                (
                    "ModelLatency",
                    aws_sdk_cloudwatch::types::Statistic::Average,
                    latency_us,
                    "model latency (µs)",
                ),
            ])
            .map(|(n, (m, st, t, w))| (n, m, st, t, w))
        {
            c.cloudwatch
                .put_metric_alarm()
                .alarm_name(name)
                .alarm_description(format!("Rolls back deployments of SageMaker endpoint {} on {what} (terraform-provider-mlops)", s.name))
                .namespace("AWS/SageMaker")
                .metric_name(metric)
                .statistic(stat)
                .set_dimensions(Some(dims.clone()))
                .period(60)
                .evaluation_periods(1)
                .threshold(threshold)
                .comparison_operator(aws_sdk_cloudwatch::types::ComparisonOperator::GreaterThanOrEqualToThreshold)
                .treat_missing_data("notBreaching")
                .set_tags(cw_tags.clone())
                .send()
                .await
                .map_err(|e| api_error("PutMetricAlarm", name, &e))?;
        }
        Ok(names)
    }

    /// Wait until no endpoint of this name exists (returns at once when there is none).
    async fn wait_gone(&self, ctx: &Ctx<Clients>, name: &str) -> Result<(), Diagnostics> {
        let c2 = ctx.client.clone();
        let name = name.to_string();
        wait_for(
            &format!("endpoint {name} to be deleted"),
            ctx.timeout,
            &ctx.cancel,
            Backoff::default(),
            || {
                let c = c2.clone();
                let name = name.clone();
                async move {
                    match c
                        .sagemaker
                        .describe_endpoint()
                        .endpoint_name(&name)
                        .send()
                        .await
                    {
                        Ok(d) => Ok(Check::Pending(format!(
                            "status {}",
                            d.endpoint_status().map(|s| s.as_str()).unwrap_or("?")
                        ))),
                        Err(e) if is_not_found(&e) => Ok(Check::Done(())),
                        Err(e) => Err(Diagnostics::from(api_error("DescribeEndpoint", &name, &e))),
                    }
                }
            },
        )
        .await
    }

    /// Wait while the endpoint is Creating/Updating/...; returns its final description.
    async fn wait_settled(
        &self,
        ctx: &Ctx<Clients>,
        name: &str,
        what: &str,
    ) -> Result<aws_sdk_sagemaker::operation::describe_endpoint::DescribeEndpointOutput, Diagnostics>
    {
        let c = ctx.client.clone();
        wait_for(what, ctx.timeout, &ctx.cancel, Backoff::default(), || {
            let c = c.clone();
            let name = name.to_string();
            async move {
                let d = c
                    .sagemaker
                    .describe_endpoint()
                    .endpoint_name(&name)
                    .send()
                    .await
                    .map_err(|e| Diagnostics::from(api_error("DescribeEndpoint", &name, &e)))?;
                match d.endpoint_status() {
                    Some(EndpointStatus::InService) | Some(EndpointStatus::Failed) => {
                        Ok(Check::Done(d))
                    }
                    Some(s) => Ok(Check::Pending(format!("status {}", s.as_str()))),
                    None => Ok(Check::Pending("no status yet".into())),
                }
            }
        })
        .await
    }

    async fn current_capacity(&self, c: &Clients, s: &EndpointState) -> BTreeMap<String, i32> {
        let mut out = BTreeMap::new();
        if let Ok(d) = c
            .sagemaker
            .describe_endpoint()
            .endpoint_name(&s.name)
            .send()
            .await
        {
            for pv in d.production_variants() {
                let Some(name) = pv.variant_name() else {
                    continue;
                };
                let auto = variants(s)
                    .iter()
                    .find(|(_, v, _)| v.name() == name)
                    .and_then(|(_, v, _)| v.autoscaling.clone());
                if let (Some(a), Some(n)) = (
                    auto,
                    pv.desired_instance_count().or(pv.current_instance_count()),
                ) {
                    let n = n.clamp(a.min_capacity as i32, a.max_capacity as i32);
                    out.insert(name.to_string(), n);
                }
            }
        }
        out
    }

    async fn apply_autoscaling(
        &self,
        c: &Clients,
        s: &EndpointState,
        prior: Option<&EndpointState>,
    ) -> Result<(), Diagnostics> {
        use aws_sdk_applicationautoscaling::types::{
            MetricType, PredefinedMetricSpecification, ScalableDimension, ServiceNamespace,
            TargetTrackingScalingPolicyConfiguration,
        };
        let wanted: BTreeMap<String, Autoscaling> = variants(s)
            .into_iter()
            .filter(|(_, _, shadow)| !shadow)
            .filter_map(|(_, v, _)| v.autoscaling.clone().map(|a| (v.name().to_string(), a)))
            .collect();
        let had: BTreeSet<String> = prior
            .map(|p| {
                variants(p)
                    .into_iter()
                    .filter(|(_, v, _)| v.autoscaling.is_some())
                    .map(|(_, v, _)| v.name().to_string())
                    .collect()
            })
            .unwrap_or_default();
        for gone in had.iter().filter(|n| !wanted.contains_key(*n)) {
            self.deregister(c, &s.name, gone).await?;
        }
        for (variant, a) in &wanted {
            let rid = format!("endpoint/{}/variant/{variant}", s.name);
            c.autoscaling
                .register_scalable_target()
                .service_namespace(ServiceNamespace::Sagemaker)
                .resource_id(&rid)
                .scalable_dimension(ScalableDimension::SageMakerVariantDesiredInstanceCount)
                .min_capacity(a.min_capacity as i32)
                .max_capacity(a.max_capacity as i32)
                .send()
                .await
                .map_err(|e| api_error("RegisterScalableTarget", &rid, &e))?;
            let metric = PredefinedMetricSpecification::builder()
                .predefined_metric_type(MetricType::SageMakerVariantInvocationsPerInstance)
                .build()
                .map_err(|e| Diagnostic::error("Invalid autoscaling", e.to_string()))?;
            let cfg = TargetTrackingScalingPolicyConfiguration::builder()
                .target_value(a.target_invocations_per_instance)
                .predefined_metric_specification(metric)
                .scale_in_cooldown(a.scale_in_cooldown_seconds.unwrap_or(300) as i32)
                .scale_out_cooldown(a.scale_out_cooldown_seconds.unwrap_or(60) as i32)
                .build()
                .map_err(|e| Diagnostic::error("Invalid autoscaling", e.to_string()))?;
            c.autoscaling
                .put_scaling_policy()
                .policy_name(format!("mlops-{}-{variant}-invocations", s.name))
                .service_namespace(ServiceNamespace::Sagemaker)
                .resource_id(&rid)
                .scalable_dimension(ScalableDimension::SageMakerVariantDesiredInstanceCount)
                .policy_type(
                    aws_sdk_applicationautoscaling::types::PolicyType::TargetTrackingScaling,
                )
                .target_tracking_scaling_policy_configuration(cfg)
                .send()
                .await
                .map_err(|e| api_error("PutScalingPolicy", &rid, &e))?;
        }
        Ok(())
    }

    async fn deregister(
        &self,
        c: &Clients,
        endpoint: &str,
        variant: &str,
    ) -> Result<(), Diagnostics> {
        use aws_sdk_applicationautoscaling::types::{ScalableDimension, ServiceNamespace};
        let rid = format!("endpoint/{endpoint}/variant/{variant}");
        match c
            .autoscaling
            .deregister_scalable_target()
            .service_namespace(ServiceNamespace::Sagemaker)
            .resource_id(&rid)
            .scalable_dimension(ScalableDimension::SageMakerVariantDesiredInstanceCount)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|x| x.is_object_not_found_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(api_error("DeregisterScalableTarget", &rid, &e).into()),
        }
    }

    async fn smoke(&self, c: &Clients, s: &EndpointState) -> Result<(), Diagnostics> {
        let Some(t) = &s.smoke_test else {
            return Ok(());
        };
        for (i, r) in t.request.iter().enumerate() {
            let resp = c
                .runtime
                .invoke_endpoint()
                .endpoint_name(&s.name)
                .content_type(r.content_type.as_deref().unwrap_or("application/json"))
                .body(aws_smithy_types::Blob::new(r.body.as_bytes().to_vec()))
                .send()
                .await
                .map_err(|e| {
                    Diagnostic::error(
                        "Smoke test failed",
                        format!(
                            "Request {} to endpoint {} failed: {}",
                            i + 1,
                            s.name,
                            aws_sdk_sagemaker::error::DisplayErrorContext(&e)
                        ),
                    )
                    .at(AttrPath(vec![
                        PathStep::Attr("smoke_test".into()),
                        PathStep::Attr("request".into()),
                        PathStep::Index(i as i64),
                    ]))
                })?;
            let body = resp
                .body()
                .map(|b| String::from_utf8_lossy(b.as_ref()).into_owned())
                .unwrap_or_default();
            if let Some(p) = &r.expect {
                let re = regex::Regex::new(p)
                    .map_err(|e| Diagnostic::error("Invalid expect pattern", e.to_string()))?;
                if !re.is_match(&body) {
                    return Err(Diagnostic::error(
                        "Smoke test failed",
                        format!(
                            "Response {} of endpoint {} does not match {p:?}: {}",
                            i + 1,
                            s.name,
                            body.chars().take(500).collect::<String>()
                        ),
                    )
                    .into());
                }
            }
            tracing::info!(endpoint = %s.name, request = i + 1, "smoke test request passed");
        }
        Ok(())
    }

    async fn delete_config_and_models(
        &self,
        c: &Clients,
        config: &str,
        keep_models: &BTreeSet<String>,
    ) {
        let models: Vec<String> = match c
            .sagemaker
            .describe_endpoint_config()
            .endpoint_config_name(config)
            .send()
            .await
        {
            Ok(d) => d
                .production_variants()
                .iter()
                .chain(d.shadow_production_variants())
                .filter_map(|v| v.model_name().map(String::from))
                .collect(),
            Err(_) => vec![],
        };
        if let Err(e) = c
            .sagemaker
            .delete_endpoint_config()
            .endpoint_config_name(config)
            .send()
            .await
        {
            if !is_not_found(&e) {
                tracing::warn!(config, error = %aws_sdk_sagemaker::error::DisplayErrorContext(&e), "old endpoint config not deleted");
            }
        }
        for m in models.iter().filter(|m| !keep_models.contains(*m)) {
            if let Err(e) = c.sagemaker.delete_model().model_name(m).send().await {
                tracing::warn!(model = %m, error = %aws_sdk_sagemaker::error::DisplayErrorContext(&e), "old model not deleted");
            }
        }
    }

    /// Models and config of the planned state (creating what is missing). Returns the state
    /// with model names and the config name filled.
    async fn build(
        &self,
        c: &Clients,
        planned: &EndpointState,
        capacity: &BTreeMap<String, i32>,
        tags: &BTreeMap<String, String>,
        create_config: bool,
    ) -> Result<EndpointState, Diagnostics> {
        let mut s = planned.clone();
        for (path, v) in [(AttrPath::attr("model"), &mut s.model)]
            .into_iter()
            .chain(s.variant.iter_mut().flatten().enumerate().map(|(i, v)| {
                (
                    AttrPath(vec![
                        PathStep::Attr("variant".into()),
                        PathStep::Index(i as i64),
                    ]),
                    v,
                )
            }))
            .chain(s.shadow.iter_mut().map(|v| (AttrPath::attr("shadow"), v)))
        {
            if let (Some(group), None) = (&v.model_package_group, &v.model_package_arn) {
                match crate::sagemaker::model_package::latest_approved(c, group).await? {
                    Some(arn) => v.model_package_arn = Some(arn),
                    None => {
                        return Err(Diagnostic::error(
                            "No approved model version",
                            format!("Model package group {group:?} has no approved version to serve. Approve one (mlops_model_package approval_status = \"Approved\"), or serve a model_package_arn or image."),
                        )
                        .at(path.child(PathStep::Attr("model_package_group".into())))
                        .into())
                    }
                }
            }
        }
        let planned = &s.clone();
        s.model.model_name = Some(self.ensure_model(c, planned, &planned.model, tags).await?);
        if let Some(vs) = &mut s.variant {
            for v in vs.iter_mut() {
                v.model_name = Some(self.ensure_model(c, planned, v, tags).await?);
            }
        }
        if let Some(v) = &mut s.shadow {
            v.model_name = Some(self.ensure_model(c, planned, v, tags).await?);
        }
        let cfg = config_name(&s).unwrap_or_default();
        if create_config {
            self.create_config(c, &s, &cfg, capacity, tags).await?;
        }
        s.endpoint_config_name = Some(cfg);
        Ok(s)
    }

    async fn read_remote(
        &self,
        c: &Clients,
        prior: &EndpointState,
    ) -> Result<Option<EndpointState>, Diagnostics> {
        let d = match c
            .sagemaker
            .describe_endpoint()
            .endpoint_name(&prior.name)
            .send()
            .await
        {
            Ok(d) => d,
            Err(e) if is_not_found(&e) => return Ok(None),
            Err(e) => return Err(api_error("DescribeEndpoint", &prior.name, &e).into()),
        };
        if matches!(d.endpoint_status(), Some(EndpointStatus::Deleting)) {
            return Ok(None);
        }
        let arn = d.endpoint_arn().unwrap_or_default().to_string();
        let cfg_name = d.endpoint_config_name().unwrap_or_default().to_string();
        let mut s = prior.clone();
        s.arn = Some(arn.clone());
        if prior.endpoint_config_name.as_deref() != Some(cfg_name.as_str()) {
            // Serving something else than we recorded: read that config into state.
            let cfg = c
                .sagemaker
                .describe_endpoint_config()
                .endpoint_config_name(&cfg_name)
                .send()
                .await
                .map_err(|e| api_error("DescribeEndpointConfig", &cfg_name, &e))?;
            let prod = cfg.production_variants();
            let find = |n: Option<&str>, list: &[Variant]| {
                list.iter().find(|v| Some(v.name()) == n).cloned()
            };
            let mut all_prior: Vec<Variant> = vec![prior.model.clone()];
            all_prior.extend(prior.variant.clone().unwrap_or_default());
            if let Some(first) = prod.first() {
                let pv = find(first.variant_name(), &all_prior);
                s.model = read_variant(c, first, pv.as_ref().or(Some(&prior.model))).await;
            }
            let mut rest = vec![];
            for pv in prod.iter().skip(1) {
                let p = find(pv.variant_name(), &all_prior);
                rest.push(read_variant(c, pv, p.as_ref()).await);
            }
            s.variant = (!rest.is_empty() || prior.variant.is_some()).then_some(rest);
            s.shadow = match cfg.shadow_production_variants().first() {
                Some(pv) => Some(read_variant(c, pv, prior.shadow.as_ref()).await),
                None => None,
            };
            s.data_capture = cfg
                .data_capture_config()
                .filter(|d| d.enable_capture().unwrap_or(true))
                .map(|d| DataCapture {
                    destination: d.destination_s3_uri().unwrap_or_default().to_string(),
                    sampling_percentage: d.initial_sampling_percentage().map(i64::from),
                    capture_request: Some(
                        d.capture_options()
                            .iter()
                            .any(|o| o.capture_mode() == Some(&CaptureMode::Input)),
                    ),
                    capture_response: Some(
                        d.capture_options()
                            .iter()
                            .any(|o| o.capture_mode() == Some(&CaptureMode::Output)),
                    ),
                });
            s.endpoint_config_name = Some(cfg_name);
            if let Some(m) = &s.model.model_name {
                if let Ok(d) = c.sagemaker.describe_model().model_name(m).send().await {
                    if let Some(r) = d.execution_role_arn() {
                        s.role_arn = Some(r.to_string());
                    }
                }
            }
        }
        if prior.alarm_names.is_none() {
            // Imported: find the provider's rollback alarms by name.
            let names = [
                format!("mlops-{}-5xx-errors", s.name),
                format!("mlops-{}-model-latency", s.name),
            ];
            let found = c
                .cloudwatch
                .describe_alarms()
                .set_alarm_names(Some(names.to_vec()))
                .send()
                .await
                .map_err(|e| api_error("DescribeAlarms", &s.name, &e))?;
            let have: Vec<String> = found
                .metric_alarms()
                .iter()
                .filter_map(|a| a.alarm_name().map(String::from))
                .collect();
            s.alarm_names = Some(names.into_iter().filter(|n| have.contains(n)).collect());
        }
        let remote_tags = list_tags(&c.sagemaker, &arn).await?;
        s.tags = user_tags(&remote_tags, &c.default_tags, prior.tags.as_ref());
        s.tags_all = Some(remote_tags);
        Ok(Some(s))
    }
}

/// The content names (models, endpoint config) and alarms follow from the plan: plan them
/// exactly, so the plan shows what an update creates; unknown while an input is unknown.
fn plan_names(planned: &mut Value, blocks: &[AttrPath]) {
    let mut inputs = planned.clone();
    if let Some(o) = inputs.as_object_mut() {
        for k in [
            "arn",
            "endpoint_config_name",
            "alarm_names",
            "tags_all",
            "timeouts",
        ] {
            o.insert(k.into(), Value::Null);
        }
    }
    for p in blocks {
        if let Some(o) = inputs.get_path_mut(p).and_then(Value::as_object_mut) {
            o.insert("model_name".into(), Value::Null);
        }
    }
    let known = inputs.is_wholly_known();
    let model = if known {
        mlops_framework::resource::to_model::<EndpointState>(&inputs).ok()
    } else {
        None
    };
    let name_of = |v: Option<String>| v.map(Value::string).unwrap_or(Value::UNKNOWN);
    let mut names = vec![];
    if let Some(m) = &model {
        for (_, v, _) in variants(m) {
            names.push(name_of(model_name(&m.name, m.role(), v)));
        }
    }
    for (i, p) in blocks.iter().enumerate() {
        if let Some(o) = planned.get_path_mut(p).and_then(Value::as_object_mut) {
            o.insert(
                "model_name".into(),
                names.get(i).cloned().unwrap_or(Value::UNKNOWN),
            );
        }
    }
    let (cfg, alarms) = match &model {
        Some(m) => (
            name_of(config_name(m)),
            Value::List(alarm_names_for(m).into_iter().map(Value::string).collect()),
        ),
        None => (Value::UNKNOWN, Value::UNKNOWN),
    };
    if let Some(o) = planned.as_object_mut() {
        o.insert("endpoint_config_name".into(), cfg);
        o.insert("alarm_names".into(), alarms);
    }
}

/// A variant as configured remotely (`prior` keeps what SageMaker does not store: the
/// group, autoscaling, and the instance count of autoscaled or serverless variants).
async fn read_variant(
    c: &Clients,
    pv: &aws_sdk_sagemaker::types::ProductionVariant,
    prior_v: Option<&Variant>,
) -> Variant {
    let model = pv.model_name().unwrap_or_default().to_string();
    let m = c
        .sagemaker
        .describe_model()
        .model_name(&model)
        .send()
        .await
        .ok();
    let cont = m.as_ref().and_then(|m| m.primary_container().cloned());
    let base = prior_v.cloned();
    Variant {
        name: pv.variant_name().map(String::from),
        weight: pv.initial_variant_weight().map(f64::from),
        model_package_group: base.as_ref().and_then(|b| b.model_package_group.clone()),
        model_package_arn: cont
            .as_ref()
            .and_then(|c| c.model_package_name().map(String::from)),
        image: cont
            .as_ref()
            .filter(|c| c.model_package_name().is_none())
            .and_then(|c| c.image().map(String::from)),
        model_data_url: cont
            .as_ref()
            .filter(|c| c.model_package_name().is_none())
            .and_then(|c| c.model_data_url().map(String::from)),
        environment: cont
            .as_ref()
            .and_then(|c| c.environment().cloned())
            .filter(|e| !e.is_empty())
            .map(|e| e.into_iter().collect()),
        instance_type: pv.instance_type().map(|t| t.as_str().to_string()),
        instance_count: if pv.serverless_config().is_some() {
            base.as_ref().and_then(|b| b.instance_count)
        } else if base.as_ref().is_some_and(|b| b.autoscaling.is_some()) {
            base.as_ref().and_then(|b| b.instance_count)
        } else {
            // 1 is the default: keep it unset when it was (e.g. on import).
            pv.initial_instance_count()
                .map(i64::from)
                .filter(|n| *n != 1 || base.as_ref().is_some_and(|b| b.instance_count.is_some()))
        },
        serverless: pv.serverless_config().map(|x| Serverless {
            memory_mb: i64::from(x.memory_size_in_mb().unwrap_or_default()),
            max_concurrency: i64::from(x.max_concurrency().unwrap_or_default()),
        }),
        autoscaling: base.and_then(|b| b.autoscaling),
        model_name: Some(model),
    }
}

#[async_trait]
impl Resource for Endpoint {
    type Client = Clients;
    type State = EndpointState;
    const TYPE_NAME: &'static str = "mlops_endpoint";

    fn timeouts(&self) -> TimeoutDefaults {
        TimeoutDefaults {
            create: Some(Duration::from_secs(60 * 60)),
            update: Some(Duration::from_secs(3 * 60 * 60)),
            delete: Some(Duration::from_secs(30 * 60)),
            ..Default::default()
        }
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        if config.attr("kubernetes").is_unknown() {
            return;
        }
        if kserve::is_kube(config) {
            return kserve::validate(config, diags);
        }
        if config.attr("role_arn").is_null() {
            diags.error_at(
                AttrPath::attr("role_arn"),
                "Missing role_arn",
                "A SageMaker endpoint needs role_arn (the IAM role SageMaker assumes); or add a kubernetes block to serve on KServe.",
            );
        }
        validate_tags(config, "tags", diags);
        let mut names = BTreeMap::new();
        let mut blocks: Vec<(AttrPath, &Value)> =
            vec![(AttrPath::attr("model"), config.attr("model"))];
        if let Value::List(xs) = config.attr("variant") {
            for (i, x) in xs.iter().enumerate() {
                blocks.push((
                    AttrPath(vec![
                        PathStep::Attr("variant".into()),
                        PathStep::Index(i as i64),
                    ]),
                    x,
                ));
            }
        }
        if !config.attr("shadow").is_null() {
            blocks.push((AttrPath::attr("shadow"), config.attr("shadow")));
        }
        let has_serverless = blocks.iter().any(|(_, b)| !b.attr("serverless").is_null());
        for (path, b) in &blocks {
            if b.is_null() || b.is_unknown() {
                continue;
            }
            let at = |a: &str| path.child(PathStep::Attr(a.into()));
            let set = |a: &str| !b.attr(a).is_null();
            let sources: Vec<&str> = ["model_package_group", "model_package_arn", "image"]
                .into_iter()
                .filter(|a| set(a))
                .collect();
            if sources.len() != 1 {
                diags.error_at(
                    path.clone(),
                    "What to serve",
                    format!("Give exactly one of model_package_group (latest approved version), model_package_arn or image; got {}.", if sources.is_empty() { "none".to_string() } else { sources.join(" and ") }),
                );
            }
            if !set("image")
                && (set("model_data_url") || set("environment"))
                && !set("model_package_group")
                && !set("model_package_arn")
            {
                diags.error_at(
                    at("model_data_url"),
                    "Artifact without image",
                    "model_data_url and environment go with image.",
                );
            }
            if set("image") && set("model_package_arn") {
                diags.error_at(
                    at("image"),
                    "Conflicting attributes",
                    "model_package_arn brings its own image.",
                );
            }
            match (set("instance_type"), set("serverless")) {
                (true, true) => diags.error_at(
                    at("serverless"),
                    "Conflicting compute",
                    "Use instance_type or serverless, not both.",
                ),
                (false, false) => diags.error_at(
                    path.clone(),
                    "No compute",
                    "Give instance_type (with instance_count) or a serverless block.",
                ),
                _ => {}
            }
            if let Some(t) = b.attr("instance_type").as_str() {
                if !crate::sagemaker::catalog::REALTIME.contains(&t) {
                    diags.error_at(
                        at("instance_type"),
                        "Unsupported instance type",
                        format!("{t:?} is not an instance type for real-time endpoints."),
                    );
                }
            }
            if set("serverless") && set("autoscaling") {
                diags.error_at(
                    at("autoscaling"),
                    "Autoscaling of a serverless variant",
                    "Serverless variants scale by themselves; remove autoscaling.",
                );
            }
            if let Some(a) = b.attr("autoscaling").as_object() {
                let n = |k: &str| a.get(k).and_then(num);
                if let (Some(lo), Some(hi)) = (n("min_capacity"), n("max_capacity")) {
                    if lo > hi {
                        diags.error_at(
                            at("autoscaling").child(PathStep::Attr("min_capacity".into())),
                            "Empty capacity range",
                            format!("min_capacity {lo} is above max_capacity {hi}."),
                        );
                    }
                    if let Some(c) = num(b.attr("instance_count")) {
                        if c < lo || c > hi {
                            diags.error_at(
                                at("instance_count"),
                                "Instance count outside the autoscaling range",
                                format!("instance_count {c} must be within {lo}..{hi}."),
                            );
                        }
                    }
                }
            }
            if let Some(m) = num(b.attr("serverless").attr("memory_mb")) {
                if m % 1024 != 0 {
                    diags.error_at(
                        at("serverless").child(PathStep::Attr("memory_mb".into())),
                        "Invalid serverless memory",
                        format!("{m} must be one of 1024, 2048, 3072, 4096, 5120, 6144."),
                    );
                }
            }
            let name = b
                .attr("name")
                .as_str()
                .map(String::from)
                .or_else(|| (b.attr("name").is_null()).then(|| DEFAULT_VARIANT.to_string()));
            if let Some(n) = name {
                if let Some(prev) = names.insert(n.clone(), path.clone()) {
                    let _ = prev;
                    diags.error_at(
                        at("name"),
                        "Duplicate variant name",
                        format!(
                            "Variant name {n:?} is used twice; give the variants distinct names."
                        ),
                    );
                }
            }
        }
        if has_serverless && !config.attr("rollout").is_null() {
            let s = config.attr("rollout").attr("strategy").as_str();
            if s.is_some() && s != Some("all_at_once") {
                diags.error_at(AttrPath::attrs(["rollout", "strategy"]), "Rollout of a serverless endpoint", "SageMaker deploys serverless endpoints all at once; remove the rollout block or set strategy = \"all_at_once\".");
            }
        }
        if let Value::List(reqs) = config.attr("smoke_test").attr("request") {
            for (i, r) in reqs.iter().enumerate() {
                if let Some(p) = r.attr("expect").as_str() {
                    if let Err(e) = regex::Regex::new(p) {
                        diags.error_at(
                            AttrPath(vec![
                                PathStep::Attr("smoke_test".into()),
                                PathStep::Attr("request".into()),
                                PathStep::Index(i as i64),
                                PathStep::Attr("expect".into()),
                            ]),
                            "Invalid regular expression",
                            e.to_string(),
                        );
                    }
                }
            }
        }
    }

    fn modify_plan(&self, mut plan: PlanCtx<'_, Clients>) {
        plan_tags_all(&mut plan);
        if plan.config.is_null() {
            return;
        }
        // Latest approved version of groups: one ListModelPackages per group, only here.
        let mut paths = vec![AttrPath::attr("model")];
        if let Value::List(xs) = plan.config.attr("variant") {
            for i in 0..xs.len() {
                paths.push(AttrPath(vec![
                    PathStep::Attr("variant".into()),
                    PathStep::Index(i as i64),
                ]));
            }
        }
        if !plan.config.attr("shadow").is_null() {
            paths.push(AttrPath::attr("shadow"));
        }
        for p in &paths {
            let Some(cfg_block) = plan.config.get_path(p) else {
                continue;
            };
            let Some(group) = cfg_block
                .attr("model_package_group")
                .as_str()
                .map(String::from)
            else {
                continue;
            };
            if !cfg_block.attr("model_package_arn").is_null() {
                continue;
            }
            let Some(c) = plan.client else { continue };
            let latest = tokio::task::block_in_place(|| {
                tokio::runtime::Handle::current()
                    .block_on(crate::sagemaker::model_package::latest_approved(c, &group))
            });
            match latest {
                Ok(Some(arn)) => {
                    if let Some(b) = plan.planned.get_path_mut(p) {
                        if let Some(o) = b.as_object_mut() {
                            o.insert("model_package_arn".into(), Value::string(arn));
                        }
                    }
                }
                // Nothing approved yet (or the group is created by this apply): looked up
                // again when applying.
                Ok(None) => {
                    if let Some(o) = plan.planned.get_path_mut(p).and_then(Value::as_object_mut) {
                        o.insert("model_package_arn".into(), Value::UNKNOWN);
                    }
                }
                Err(d) => plan.diags.extend(d),
            }
        }
        if !plan.prior.is_null() && kserve::is_kube(plan.prior) != kserve::is_kube(plan.config) {
            // SageMaker <-> Kubernetes: a different object altogether.
            plan.requires_replace.push(AttrPath::attr("kubernetes"));
        }
        if kserve::is_kube(plan.config) {
            kserve::modify_plan(&mut plan);
        } else {
            plan_names(plan.planned, &paths);
        }
    }

    async fn create(
        &self,
        ctx: &mut Ctx<Clients>,
        planned: EndpointState,
    ) -> Result<EndpointState, Failure<EndpointState>> {
        if planned.kubernetes.is_some() {
            return kserve::create(ctx, planned).await;
        }
        let c = ctx.client.clone();
        let tags = merge_tags(&c.default_tags, planned.tags.as_ref());
        let mut s = self
            .build(&c, &planned, &BTreeMap::new(), &tags, true)
            .await
            .map_err(Failure::new)?;
        s.tags_all = Some(tags.clone());
        let alarms = self
            .ensure_alarms(&c, &s, &tags)
            .await
            .map_err(|d| Failure::with_partial(s.clone(), d))?;
        s.alarm_names = Some(alarms);
        let cfg = s.endpoint_config_name.clone().unwrap_or_default();
        // An endpoint of this name still being deleted (e.g. deleted out of band): wait.
        self.wait_gone(ctx, &s.name)
            .await
            .map_err(|d| Failure::with_partial(s.clone(), d))?;
        let r = c
            .sagemaker
            .create_endpoint()
            .endpoint_name(&s.name)
            .endpoint_config_name(&cfg)
            .set_tags(sdk_tags(&tags))
            .send()
            .await
            .map_err(|e| {
                Failure::with_partial(s.clone(), api_error("CreateEndpoint", &planned.name, &e))
            })?;
        s.arn = r.endpoint_arn().map(String::from);
        tracing::info!(endpoint = %s.name, config = %cfg, "endpoint creating");
        let d = self
            .wait_settled(
                ctx,
                &s.name,
                &format!("endpoint {} to be InService", s.name),
            )
            .await
            .map_err(|d| Failure::with_partial(s.clone(), d))?;
        if d.endpoint_status() == Some(&EndpointStatus::Failed) {
            return Err(Failure::with_partial(
                s.clone(),
                Diagnostic::error(
                    "Endpoint creation failed",
                    format!(
                        "SageMaker could not create endpoint {}: {}",
                        s.name,
                        d.failure_reason().unwrap_or("(no reason given)")
                    ),
                ),
            ));
        }
        self.apply_autoscaling(&c, &s, None)
            .await
            .map_err(|d| Failure::with_partial(s.clone(), d))?;
        self.smoke(&c, &s)
            .await
            .map_err(|d| Failure::with_partial(s.clone(), d))?;
        let read = self.read_remote(&c, &s).await;
        Failure::read_back(
            read,
            || {
                Diagnostic::error(
                    "Endpoint vanished",
                    format!(
                        "Endpoint {} was created but cannot be read back.",
                        planned.name
                    ),
                )
            },
            |d| Failure::with_partial(s.clone(), d),
        )
    }

    async fn read(
        &self,
        ctx: &mut Ctx<Clients>,
        current: EndpointState,
    ) -> Result<Option<EndpointState>, Diagnostics> {
        if current.kubernetes.is_some() {
            return kserve::read(ctx, current).await;
        }
        self.read_remote(&ctx.client, &current).await
    }

    async fn update(
        &self,
        ctx: &mut Ctx<Clients>,
        prior: EndpointState,
        planned: EndpointState,
    ) -> Result<EndpointState, Failure<EndpointState>> {
        if planned.kubernetes.is_some() {
            return kserve::update(ctx, prior, planned).await;
        }
        let c = ctx.client.clone();
        let tags = merge_tags(&c.default_tags, planned.tags.as_ref());
        // What serves now stays in state until the new config really serves.
        let keep = |d: Diagnostics| Failure::with_partial(prior.clone(), d);
        let mut next = self
            .build(&c, &planned, &BTreeMap::new(), &tags, false)
            .await
            .map_err(keep)?;
        let old_cfg = prior.endpoint_config_name.clone().unwrap_or_default();
        let new_cfg = next.endpoint_config_name.clone().unwrap_or_default();
        next.arn = prior.arn.clone();
        next.tags_all = Some(tags.clone());
        let alarms = self.ensure_alarms(&c, &next, &tags).await.map_err(keep)?;
        let stale_alarms: Vec<String> = prior
            .alarm_names
            .iter()
            .flatten()
            .filter(|a| !alarms.contains(a))
            .cloned()
            .collect();
        next.alarm_names = Some(alarms.clone());
        if new_cfg != old_cfg {
            let capacity = self.current_capacity(&c, &planned).await;
            self.create_config(&c, &next, &new_cfg, &capacity, &tags)
                .await
                .map_err(keep)?;
            tracing::info!(endpoint = %next.name, from = %old_cfg, to = %new_cfg, ?capacity, "updating endpoint");
            c.sagemaker
                .update_endpoint()
                .endpoint_name(&next.name)
                .endpoint_config_name(&new_cfg)
                .set_deployment_config(Self::deployment(&next, &alarms))
                .send()
                .await
                .map_err(|e| keep(api_error("UpdateEndpoint", &next.name, &e).into()))?;
            let d = self
                .wait_settled(
                    ctx,
                    &next.name,
                    &format!("endpoint {} to serve {new_cfg}", next.name),
                )
                .await
                .map_err(keep)?;
            let serving = d.endpoint_config_name().unwrap_or_default().to_string();
            if serving != new_cfg {
                // SageMaker rolled back: state keeps the old config; the new one is removed.
                let models: BTreeSet<String> = variants(&prior)
                    .iter()
                    .filter_map(|(_, v, _)| v.model_name.clone())
                    .collect();
                self.delete_config_and_models(&c, &new_cfg, &models).await;
                return Err(keep(
                    Diagnostic::error(
                        "Endpoint update rolled back",
                        format!(
                            "SageMaker rolled endpoint {} back to {serving}: {}",
                            next.name,
                            d.failure_reason().unwrap_or("(no reason given)")
                        ),
                    )
                    .into(),
                ));
            }
            if let Err(diag) = self.smoke(&c, &next).await {
                tracing::warn!(endpoint = %next.name, "smoke test failed: rolling back to {old_cfg}");
                let back = c
                    .sagemaker
                    .update_endpoint()
                    .endpoint_name(&next.name)
                    .endpoint_config_name(&old_cfg)
                    .send()
                    .await;
                if let Err(e) = back {
                    let mut d = diag;
                    d.push(api_error("UpdateEndpoint (rollback)", &next.name, &e));
                    return Err(Failure::with_partial(next, d));
                }
                let _ = self
                    .wait_settled(
                        ctx,
                        &next.name,
                        &format!("endpoint {} to roll back", next.name),
                    )
                    .await;
                let models: BTreeSet<String> = variants(&prior)
                    .iter()
                    .filter_map(|(_, v, _)| v.model_name.clone())
                    .collect();
                self.delete_config_and_models(&c, &new_cfg, &models).await;
                return Err(keep(diag));
            }
            // Only now the old config and models go.
            let models: BTreeSet<String> = variants(&next)
                .iter()
                .filter_map(|(_, v, _)| v.model_name.clone())
                .collect();
            self.delete_config_and_models(&c, &old_cfg, &models).await;
        }
        self.apply_autoscaling(&c, &next, Some(&prior))
            .await
            .map_err(|d| Failure::with_partial(next.clone(), d))?;
        delete_alarms(&c, &stale_alarms)
            .await
            .map_err(|d| Failure::with_partial(next.clone(), d))?;
        if prior.tags_all.as_ref() != Some(&tags) {
            let arn = next.arn.clone().unwrap_or_default();
            update_tags(
                &c.sagemaker,
                &arn,
                prior.tags_all.as_ref().unwrap_or(&BTreeMap::new()),
                &tags,
            )
            .await
            .map_err(|d| Failure::with_partial(next.clone(), d))?;
        }
        let read = self.read_remote(&c, &next).await;
        match read {
            Ok(Some(s)) => Ok(s),
            Ok(None) => Err(Failure::new(Diagnostic::error(
                "Endpoint vanished",
                format!("Endpoint {} disappeared during the update.", next.name),
            ))),
            Err(d) => Err(Failure::with_partial(next, d)),
        }
    }

    async fn delete(
        &self,
        ctx: &mut Ctx<Clients>,
        current: EndpointState,
    ) -> Result<(), Diagnostics> {
        if current.kubernetes.is_some() {
            return kserve::delete(ctx, current).await;
        }
        let c = ctx.client.clone();
        for (_, v, shadow) in variants(&current) {
            if !shadow && v.autoscaling.is_some() {
                self.deregister(&c, &current.name, v.name()).await?;
            }
        }
        match c
            .sagemaker
            .delete_endpoint()
            .endpoint_name(&current.name)
            .send()
            .await
        {
            Ok(_) => {}
            Err(e) if is_not_found(&e) => {}
            Err(e) => return Err(api_error("DeleteEndpoint", &current.name, &e).into()),
        }
        self.wait_gone(ctx, &current.name).await?;
        if let Some(cfg) = &current.endpoint_config_name {
            self.delete_config_and_models(&c, cfg, &BTreeSet::new())
                .await;
        }
        // Models recorded in state but no longer in the config (e.g. after drift).
        for (_, v, _) in variants(&current) {
            if let Some(m) = &v.model_name {
                let _ = c.sagemaker.delete_model().model_name(m).send().await;
            }
        }
        delete_alarms(&c, current.alarm_names.as_deref().unwrap_or_default()).await?;
        Ok(())
    }

    async fn import(
        &self,
        _ctx: &mut Ctx<Clients>,
        id: &str,
    ) -> Result<EndpointState, Diagnostics> {
        if id.contains('/') {
            return kserve::import(id);
        }
        if !(1..=63).contains(&id.len()) || !crate::validation::ENTITY_NAME_RE.is_match(id) {
            return Err(Diagnostic::error(
                "Invalid import ID",
                format!("Import an endpoint by its name; got {id:?}."),
            )
            .into());
        }
        Ok(EndpointState {
            name: id.to_string(),
            ..Default::default()
        })
    }
}
