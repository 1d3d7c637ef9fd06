//! `mlops_model_package`: one registered model version, with its approval managed in place.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_sagemaker::operation::describe_model_package::DescribeModelPackageOutput;
use aws_sdk_sagemaker::types::{
    InferenceSpecification, MetricsSource, ModelApprovalStatus, ModelDataQuality, ModelMetrics,
    ModelPackageContainerDefinition, ModelPackageStatus, ModelQuality,
};
use mlops_framework::{
    async_trait, wait_for, AttrPath, Backoff, Check, Ctx, Diagnostic, Diagnostics, Failure,
    PlanCtx, Resource, TimeoutDefaults, Value,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::aws::{
    api_error, gone_check, is_not_found, list_tags, merge_tags, plan_tags_all, timestamp,
    update_tags, user_tags, Clients,
};
use crate::validation::{
    validate_tags, CONTAINER_IMAGE, ENTITY_DESCRIPTION, GROUP_ARN_OR_NAME, MODEL_PACKAGE_ARN_RE,
    S3_OR_HTTPS_URL,
};

/// Approval states of a model version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ApprovalStatus {
    /// Ready to deploy.
    Approved,
    /// Must not be deployed.
    Rejected,
    /// Waiting for a reviewer.
    PendingManualApproval,
}

impl ApprovalStatus {
    pub fn sdk(self) -> ModelApprovalStatus {
        match self {
            ApprovalStatus::Approved => ModelApprovalStatus::Approved,
            ApprovalStatus::Rejected => ModelApprovalStatus::Rejected,
            ApprovalStatus::PendingManualApproval => ModelApprovalStatus::PendingManualApproval,
        }
    }

    pub fn from_sdk(s: &ModelApprovalStatus) -> Option<Self> {
        match s {
            ModelApprovalStatus::Approved => Some(ApprovalStatus::Approved),
            ModelApprovalStatus::Rejected => Some(ApprovalStatus::Rejected),
            ModelApprovalStatus::PendingManualApproval => {
                Some(ApprovalStatus::PendingManualApproval)
            }
            _ => None,
        }
    }
}

/// Metric and baseline reports registered with the version (JSON files in S3, as written by
/// SageMaker quality checks and evaluation steps).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Metrics {
    /// Model quality statistics (e.g. an evaluation report).
    #[schemars(regex(pattern = S3_OR_HTTPS_URL), length(max = 1024))]
    pub model_quality_statistics: Option<String>,
    /// Model quality constraints.
    #[schemars(regex(pattern = S3_OR_HTTPS_URL), length(max = 1024))]
    pub model_quality_constraints: Option<String>,
    /// Data quality statistics baseline.
    #[schemars(regex(pattern = S3_OR_HTTPS_URL), length(max = 1024))]
    pub data_quality_statistics: Option<String>,
    /// Data quality constraints baseline.
    #[schemars(regex(pattern = S3_OR_HTTPS_URL), length(max = 1024))]
    pub data_quality_constraints: Option<String>,
}

/// A registered model version (SageMaker model package) in a `mlops_model_package_group`:
/// an inference image plus a model artifact, with optional metric and baseline reports.
/// `approval_status` and `approval_description` change in place; everything that defines the
/// model itself replaces the version.
///
/// Import with the version's ARN:
/// `terraform import mlops_model_package.v1 arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/1`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ModelPackageState {
    /// Name or ARN of the group to register the version in.
    #[schemars(regex(pattern = GROUP_ARN_OR_NAME), length(min = 1, max = 170))]
    #[schemars(extend("x-tf" = ["requires_replace"]))]
    pub model_package_group_name: String,

    /// Inference container image URI (e.g. an ECR image).
    #[schemars(regex(pattern = CONTAINER_IMAGE), length(min = 1, max = 255))]
    #[schemars(extend("x-tf" = ["requires_replace"]))]
    pub image: String,

    /// Location of the model artifact (`s3://bucket/path/model.tar.gz`).
    #[schemars(regex(pattern = S3_OR_HTTPS_URL), length(max = 1024))]
    #[schemars(extend("x-tf" = ["requires_replace"]))]
    pub model_data_url: String,

    /// Environment variables of the inference container.
    #[schemars(extend("x-tf" = ["requires_replace"]), length(max = 100))]
    pub environment: Option<BTreeMap<String, String>>,

    /// MIME types the model accepts, e.g. `["text/csv"]`.
    #[schemars(extend("x-tf" = ["requires_replace"]))]
    pub supported_content_types: Option<Vec<String>>,

    /// MIME types the model answers with.
    #[schemars(extend("x-tf" = ["requires_replace"]))]
    pub supported_response_mime_types: Option<Vec<String>>,

    /// Description of the version.
    #[schemars(regex(pattern = ENTITY_DESCRIPTION), length(max = 1024))]
    #[schemars(extend("x-tf" = ["requires_replace"]))]
    pub description: Option<String>,

    /// Approval state: `Approved`, `Rejected` or `PendingManualApproval`. Changes in place.
    #[schemars(extend("x-tf-default" = "PendingManualApproval"))]
    pub approval_status: Option<ApprovalStatus>,

    /// Why the version was approved or rejected. Changes in place.
    #[schemars(length(max = 1024))]
    pub approval_description: Option<String>,

    /// Free-form key/value metadata of the version (e.g. git commit, dataset). Changes in place.
    #[schemars(length(max = 50))]
    pub customer_metadata: Option<BTreeMap<String, String>>,

    /// Metric and baseline reports.
    #[schemars(extend("x-tf" = ["block", "requires_replace"]))]
    pub metrics: Option<Metrics>,

    /// Tags of the version. Provider `default_tags` are added.
    pub tags: Option<BTreeMap<String, String>>,

    /// All tags, including the provider's `default_tags`.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub tags_all: Option<BTreeMap<String, String>>,

    /// ARN of the version.
    #[schemars(extend("x-tf" = ["computed", "use_state_for_unknown"]))]
    pub arn: Option<String>,

    /// Version number within the group (1, 2, ...).
    #[schemars(extend("x-tf" = ["computed", "use_state_for_unknown"]))]
    pub version: Option<i64>,

    /// When the version was registered (RFC 3339).
    #[schemars(extend("x-tf" = ["computed", "use_state_for_unknown"]))]
    pub created_time: Option<String>,
}

/// The resource.
pub struct ModelPackage;

fn metrics_source(uri: &Option<String>) -> Option<MetricsSource> {
    uri.as_ref().map(|u| {
        MetricsSource::builder()
            .s3_uri(u)
            .content_type("application/json")
            .build()
    })
}

fn sdk_metrics(m: &Metrics) -> ModelMetrics {
    let mq = (m.model_quality_statistics.is_some() || m.model_quality_constraints.is_some()).then(
        || {
            ModelQuality::builder()
                .set_statistics(metrics_source(&m.model_quality_statistics))
                .set_constraints(metrics_source(&m.model_quality_constraints))
                .build()
        },
    );
    let dq =
        (m.data_quality_statistics.is_some() || m.data_quality_constraints.is_some()).then(|| {
            ModelDataQuality::builder()
                .set_statistics(metrics_source(&m.data_quality_statistics))
                .set_constraints(metrics_source(&m.data_quality_constraints))
                .build()
        });
    ModelMetrics::builder()
        .set_model_quality(mq)
        .set_model_data_quality(dq)
        .build()
}

fn none_if_empty<T>(v: Vec<T>) -> Option<Vec<T>> {
    (!v.is_empty()).then_some(v)
}

/// The state described by SageMaker, keeping the user's spelling where values are equal.
/// The metric and baseline reports of a version (None when it has none).
pub(crate) fn metrics_from(d: &DescribeModelPackageOutput) -> Option<Metrics> {
    let metrics = d.model_metrics().map(|m| Metrics {
        model_quality_statistics: m
            .model_quality()
            .and_then(|q| q.statistics())
            .and_then(|s| s.s3_uri().map(String::from)),
        model_quality_constraints: m
            .model_quality()
            .and_then(|q| q.constraints())
            .and_then(|s| s.s3_uri().map(String::from)),
        data_quality_statistics: m
            .model_data_quality()
            .and_then(|q| q.statistics())
            .and_then(|s| s.s3_uri().map(String::from)),
        data_quality_constraints: m
            .model_data_quality()
            .and_then(|q| q.constraints())
            .and_then(|s| s.s3_uri().map(String::from)),
    });
    metrics.filter(|m| *m != Metrics::default())
}

pub(crate) fn state_from(
    d: &DescribeModelPackageOutput,
    tags: BTreeMap<String, String>,
    defaults: &BTreeMap<String, String>,
    prior: Option<&ModelPackageState>,
) -> ModelPackageState {
    let container = d
        .inference_specification()
        .and_then(|s| s.containers().first());
    let spec = d.inference_specification();
    let env = container
        .and_then(|c| c.environment())
        .filter(|e| !e.is_empty())
        .map(|e| e.iter().map(|(k, v)| (k.clone(), v.clone())).collect());
    let metrics = metrics_from(d);
    let group = d.model_package_group_name().unwrap_or_default().to_string();
    let customer: Option<BTreeMap<String, String>> = d
        .customer_metadata_properties()
        .filter(|m| !m.is_empty())
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect());
    let description = d
        .model_package_description()
        .filter(|s| !s.is_empty())
        .map(String::from);
    ModelPackageState {
        // the user may have given the group's ARN
        model_package_group_name: match prior {
            Some(p) if p.model_package_group_name.ends_with(&format!("/{group}")) => {
                p.model_package_group_name.clone()
            }
            _ => group,
        },
        image: container
            .map(|c| c.image().unwrap_or_default().to_string())
            .unwrap_or_default(),
        model_data_url: container
            .and_then(|c| c.model_data_url())
            .unwrap_or_default()
            .to_string(),
        environment: env,
        supported_content_types: spec
            .and_then(|s| none_if_empty(s.supported_content_types().to_vec())),
        supported_response_mime_types: spec
            .and_then(|s| none_if_empty(s.supported_response_mime_types().to_vec())),
        description: match (prior.and_then(|p| p.description.clone()), description) {
            (Some(p), None) if p.is_empty() => Some(p),
            (_, d) => d,
        },
        approval_status: d.model_approval_status().and_then(ApprovalStatus::from_sdk),
        approval_description: match (
            prior.and_then(|p| p.approval_description.clone()),
            d.approval_description().filter(|s| !s.is_empty()),
        ) {
            (Some(p), None) if p.is_empty() => Some(p),
            (_, d) => d.map(String::from),
        },
        customer_metadata: customer,
        metrics,
        tags: user_tags(&tags, defaults, prior.and_then(|p| p.tags.as_ref())),
        tags_all: Some(tags),
        arn: d.model_package_arn().map(String::from),
        version: d.model_package_version().map(i64::from),
        created_time: timestamp(d.creation_time()),
    }
}

impl ModelPackage {
    async fn read_remote(
        &self,
        c: &Clients,
        arn: &str,
        prior: Option<&ModelPackageState>,
    ) -> Result<Option<ModelPackageState>, Diagnostics> {
        let d = match c
            .sagemaker
            .describe_model_package()
            .model_package_name(arn)
            .send()
            .await
        {
            Ok(d) => d,
            Err(e) if is_not_found(&e) => return Ok(None),
            Err(e) => return Err(api_error("DescribeModelPackage", arn, &e).into()),
        };
        if matches!(d.model_package_status(), Some(ModelPackageStatus::Deleting)) {
            return Ok(None);
        }
        let tags = list_tags(&c.sagemaker, arn).await?;
        Ok(Some(state_from(&d, tags, &c.default_tags, prior)))
    }
}

#[async_trait]
impl Resource for ModelPackage {
    type Client = Clients;
    type State = ModelPackageState;
    const TYPE_NAME: &'static str = "mlops_model_package";

    fn timeouts(&self) -> TimeoutDefaults {
        TimeoutDefaults {
            create: Some(Duration::from_secs(15 * 60)),
            delete: Some(Duration::from_secs(15 * 60)),
            ..Default::default()
        }
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        validate_tags(config, "tags", diags);
        if let Value::Map(m) = config.attr("customer_metadata") {
            for k in m.keys() {
                if k.is_empty() || k.chars().count() > 128 {
                    diags.error_at(
                        AttrPath(vec![
                            mlops_framework::PathStep::Attr("customer_metadata".into()),
                            mlops_framework::PathStep::Key(k.clone()),
                        ]),
                        "Invalid metadata key",
                        "customer_metadata keys must be 1-128 characters.",
                    );
                }
            }
        }
        let desc = config.attr("approval_description");
        let status = config.attr("approval_status");
        if desc.as_str().is_some_and(|s| !s.is_empty()) && status.is_null() {
            diags.push(
                Diagnostic::warning(
                    "Approval description without approval status",
                    "approval_description explains an approval decision; the version stays PendingManualApproval unless approval_status is set.",
                )
                .at(AttrPath::attr("approval_description")),
            );
        }
    }

    fn modify_plan(&self, mut plan: PlanCtx<'_, Clients>) {
        plan_tags_all(&mut plan);
    }

    async fn create(
        &self,
        ctx: &mut Ctx<Clients>,
        planned: ModelPackageState,
    ) -> Result<ModelPackageState, Failure<ModelPackageState>> {
        let c = ctx.client.clone();
        let sm = &c.sagemaker;
        let group = planned.model_package_group_name.clone();
        let container = ModelPackageContainerDefinition::builder()
            .image(&planned.image)
            .model_data_url(&planned.model_data_url)
            .set_environment(planned.environment.clone().map(|e| e.into_iter().collect()))
            .build();
        let spec = InferenceSpecification::builder()
            .containers(container)
            .set_supported_content_types(planned.supported_content_types.clone())
            .set_supported_response_mime_types(planned.supported_response_mime_types.clone())
            .build();
        let tags_all = merge_tags(&c.default_tags, planned.tags.as_ref());
        let status = planned
            .approval_status
            .unwrap_or(ApprovalStatus::PendingManualApproval);
        let resp = sm
            .create_model_package()
            .model_package_group_name(&group)
            .set_model_package_description(planned.description.clone())
            .inference_specification(spec)
            .model_approval_status(status.sdk())
            .set_customer_metadata_properties(
                planned
                    .customer_metadata
                    .clone()
                    .filter(|m| !m.is_empty())
                    .map(|m| m.into_iter().collect()),
            )
            .set_model_metrics(planned.metrics.as_ref().map(sdk_metrics))
            .send()
            .await
            .map_err(|e| Failure::new(api_error("CreateModelPackage", &group, &e)))?;
        let arn = resp.model_package_arn().unwrap_or_default().to_string();
        tracing::info!(group = %group, arn = %arn, "model version registered");
        let partial = ModelPackageState {
            arn: Some(arn.clone()),
            version: arn.rsplit('/').next().and_then(|v| v.parse().ok()),
            tags_all: Some(BTreeMap::new()),
            ..planned.clone()
        };
        let fail = |d: Diagnostics| Failure::with_partial(partial.clone(), d);
        wait_for(
            &format!("model version {arn} to be registered"),
            ctx.timeout,
            &ctx.cancel,
            Backoff::default(),
            || async {
                let d = sm
                    .describe_model_package()
                    .model_package_name(&arn)
                    .send()
                    .await
                    .map_err(|e| Diagnostics::from(api_error("DescribeModelPackage", &arn, &e)))?;
                match d.model_package_status() {
                    Some(ModelPackageStatus::Completed) | None => Ok(Check::Done(())),
                    Some(ModelPackageStatus::Failed) => Err(Diagnostic::error(
                        "Model version registration failed",
                        format!(
                            "SageMaker reports {arn} as Failed: {:?}",
                            d.model_package_status_details()
                        ),
                    )
                    .into()),
                    Some(s) => Ok(Check::Pending(s.as_str().to_string())),
                }
            },
        )
        .await
        .map_err(fail)?;
        // Versions registered into a group cannot take tags at creation (they would inherit
        // the group's): tag them afterwards.
        if !tags_all.is_empty() {
            update_tags(sm, &arn, &BTreeMap::new(), &tags_all)
                .await
                .map_err(fail)?;
        }
        if let Some(desc) = planned
            .approval_description
            .as_ref()
            .filter(|d| !d.is_empty())
        {
            sm.update_model_package()
                .model_package_arn(&arn)
                .model_approval_status(status.sdk())
                .approval_description(desc)
                .send()
                .await
                .map_err(|e| fail(api_error("UpdateModelPackage", &arn, &e).into()))?;
        }
        Failure::read_back(
            self.read_remote(&c, &arn, Some(&planned)).await,
            || {
                Diagnostic::error(
                    "Model version vanished",
                    format!("{arn} could not be read back."),
                )
            },
            fail,
        )
    }

    async fn read(
        &self,
        ctx: &mut Ctx<Clients>,
        current: ModelPackageState,
    ) -> Result<Option<ModelPackageState>, Diagnostics> {
        let Some(arn) = current.arn.clone() else {
            return Ok(None);
        };
        self.read_remote(&ctx.client, &arn, Some(&current)).await
    }

    async fn update(
        &self,
        ctx: &mut Ctx<Clients>,
        prior: ModelPackageState,
        planned: ModelPackageState,
    ) -> Result<ModelPackageState, Failure<ModelPackageState>> {
        let c = ctx.client.clone();
        let arn = prior.arn.clone().unwrap_or_default();
        let keep = |d: Diagnostics| Failure::with_partial(prior.clone(), d);
        let status = planned
            .approval_status
            .unwrap_or(ApprovalStatus::PendingManualApproval);
        let old_meta = prior.customer_metadata.clone().unwrap_or_default();
        let new_meta = planned.customer_metadata.clone().unwrap_or_default();
        if prior.approval_status != planned.approval_status
            || prior.approval_description != planned.approval_description
            || old_meta != new_meta
        {
            let removed: Vec<String> = old_meta
                .keys()
                .filter(|k| !new_meta.contains_key(*k))
                .cloned()
                .collect();
            c.sagemaker
                .update_model_package()
                .model_package_arn(&arn)
                .model_approval_status(status.sdk())
                .set_approval_description(planned.approval_description.clone())
                .set_customer_metadata_properties(
                    (!new_meta.is_empty() && new_meta != old_meta)
                        .then(|| new_meta.clone().into_iter().collect()),
                )
                .set_customer_metadata_properties_to_remove(none_if_empty(removed))
                .send()
                .await
                .map_err(|e| keep(api_error("UpdateModelPackage", &arn, &e).into()))?;
            tracing::info!(arn = %arn, status = ?status, "model version updated");
        }
        let want = merge_tags(&c.default_tags, planned.tags.as_ref());
        let have = prior.tags_all.clone().unwrap_or_default();
        if want != have {
            update_tags(&c.sagemaker, &arn, &have, &want)
                .await
                .map_err(keep)?;
        }
        match self.read_remote(&c, &arn, Some(&planned)).await {
            Ok(Some(s)) => Ok(s),
            Ok(None) => Err(Failure::new(Diagnostic::error(
                "Model version vanished",
                format!("{arn} disappeared during the update."),
            ))),
            Err(d) => Err(keep(d)),
        }
    }

    async fn delete(
        &self,
        ctx: &mut Ctx<Clients>,
        current: ModelPackageState,
    ) -> Result<(), Diagnostics> {
        let c = ctx.client.clone();
        let Some(arn) = current.arn.clone() else {
            return Ok(());
        };
        match c
            .sagemaker
            .delete_model_package()
            .model_package_name(&arn)
            .send()
            .await
        {
            Ok(_) => {}
            Err(e) if is_not_found(&e) => return Ok(()),
            Err(e) => return Err(api_error("DeleteModelPackage", &arn, &e).into()),
        }
        let sm = &c.sagemaker;
        wait_for(
            &format!("model version {arn} to be deleted"),
            ctx.timeout,
            &ctx.cancel,
            Backoff::default(),
            || async {
                gone_check(
                    "DescribeModelPackage",
                    &arn,
                    sm.describe_model_package()
                        .model_package_name(&arn)
                        .send()
                        .await,
                    |d| d.model_package_status().map(|s| s.as_str().to_string()),
                )
            },
        )
        .await
    }

    async fn import(
        &self,
        ctx: &mut Ctx<Clients>,
        id: &str,
    ) -> Result<ModelPackageState, Diagnostics> {
        if id.len() > 2048 || !MODEL_PACKAGE_ARN_RE.is_match(id) {
            return Err(Diagnostic::error(
                "Invalid import ID",
                format!("Import a model version by its ARN (arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>); got {id:?}."),
            )
            .into());
        }
        match self.read_remote(&ctx.client, id, None).await? {
            Some(s) => Ok(s),
            None => Err(Diagnostic::error(
                "Cannot import non-existent model version",
                format!("{id} does not exist."),
            )
            .into()),
        }
    }
}
