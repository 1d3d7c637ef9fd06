//! The SageMaker backend of `mlops_model_package`: a model package in a group, its
//! approval, metadata, metric reports and tags.

use std::collections::BTreeMap;

use aws_sdk_sagemaker::operation::describe_model_package::DescribeModelPackageOutput;
use aws_sdk_sagemaker::types::{
    InferenceSpecification, MetricsSource, ModelApprovalStatus, ModelDataQuality, ModelMetrics,
    ModelPackageContainerDefinition, ModelPackageStatus, ModelQuality,
};
use mlops_framework::{
    async_trait, wait_until, AttrPath, Backend, Ctx, Diagnostic, Diagnostics, Failure, Phase,
    PlanCtx, Value, Waited, Want,
};

use super::{replace_when_description_changes, SageMakerRegistry};
use crate::aws::{
    api_error, is_not_found, list_tags, merge_tags, plan_tags_all, stable_hash, timestamp,
    update_tags, user_tags,
};
use crate::clients::Clients;
use crate::registry::version::{
    warn_description_without_status, ApprovalStatus, Metrics, ModelPackageState,
};
use crate::sagemaker::model_package::{
    find_model_package, find_model_package_group, package_phase,
};
use crate::validation::{validate_tags, MODEL_PACKAGE_ARN_RE};

/// SageMaker cannot change a registered version's image, artifact, environment, content
/// types, description or metric reports (UpdateModelPackage takes none of them): the plan
/// replaces the version. For an `Approved` version that is never silent: whatever serves
/// the group's latest approved version moves when the old version is deleted.
fn warn_before_replacing_approved(plan: &mut PlanCtx<'_, Clients>) {
    if plan.requires_replace.is_empty()
        || plan.prior.attr("approval_status").as_str() != Some("Approved")
    {
        return;
    }
    let arn = plan.prior.attr("arn").as_str().unwrap_or("(unknown ARN)");
    let group = plan
        .prior
        .attr("model_package_group_name")
        .as_str()
        .unwrap_or("?");
    let forced: Vec<String> = plan
        .requires_replace
        .iter()
        .map(|p| p.to_string())
        .collect();
    plan.diags.push(
        Diagnostic::warning(
            "An approved model version will be replaced",
            format!(
                "{arn} is Approved. SageMaker cannot change {} of a registered version, so this plan deletes it and registers a new version (PendingManualApproval unless approval_status says otherwise). Endpoints, batch pipelines and `mlops_model_package` lookups that follow the latest approved version of group {group} move to another version (or find none) once it is deleted. To keep it, register the change as a new mlops_model_package resource instead, or add lifecycle {{ create_before_destroy = true }} and approve the new version first.",
                forced.join(", ")
            ),
        )
        .at(plan.requires_replace[0].clone()),
    );
}

/// The idempotency token of a version's registration: a hash of everything the
/// CreateModelPackage request carries, so a create retried after a lost answer or an
/// interrupted apply gets the version the first attempt registered instead of a duplicate
/// (the same request twice in one group is one version; deleting it frees the token).
/// Changing the request between the interrupted apply and the next one registers anew.
/// Tokens are at most 36 characters of `[a-zA-Z0-9-]`.
fn client_token(planned: &ModelPackageState) -> String {
    let request = serde_json::json!({
        "group": planned.model_package_group_name,
        "description": planned.description,
        "image": planned.image,
        "data": planned.model_data_url,
        "environment": planned.environment,
        "content_types": planned.supported_content_types,
        "response_types": planned.supported_response_mime_types,
        "approval": planned.approval_status.map(|a| a.sdk().as_str().to_string()),
        "metadata": planned.customer_metadata,
        "metrics": planned.metrics,
    });
    format!("mlops-{:016x}", stable_hash(&request.to_string()))
}

/// The registry's approval states in SageMaker's words.
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
        image: Some(
            container
                .map(|c| c.image().unwrap_or_default().to_string())
                .unwrap_or_default(),
        ),
        model_data_url: Some(
            container
                .and_then(|c| c.model_data_url())
                .unwrap_or_default()
                .to_string(),
        ),
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
        mlflow: None,
    }
}

async fn read_version(
    c: &Clients,
    arn: &str,
    prior: Option<&ModelPackageState>,
) -> Result<Option<ModelPackageState>, Diagnostics> {
    let Some(d) = find_model_package(c, arn).await? else {
        return Ok(None);
    };
    if matches!(d.model_package_status(), Some(ModelPackageStatus::Deleting)) {
        return Ok(None);
    }
    let tags = list_tags(&c.sagemaker, arn).await?;
    Ok(Some(state_from(&d, tags, &c.default_tags, prior)))
}

#[async_trait]
impl Backend<Clients, ModelPackageState> for SageMakerRegistry {
    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        validate_tags(config, "tags", diags);
        if let Value::Map(m) = config.attr("customer_metadata") {
            for k in m.keys() {
                if k.is_empty() || k.chars().count() > 128 {
                    diags.error_at(
                        AttrPath::attr("customer_metadata").key(k),
                        "Invalid metadata key",
                        "customer_metadata keys must be 1-128 characters.",
                    );
                }
            }
        }
        for a in ["image", "model_data_url"] {
            if config.attr(a).is_null() {
                diags.error_at(
                    AttrPath::attr(a),
                    "Missing required argument",
                    format!("A SageMaker model version needs {a} (or add an mlflow block to register the version in MLflow)."),
                );
            }
        }
        warn_description_without_status(config, diags);
    }

    fn modify_plan(&self, mut plan: PlanCtx<'_, Clients>) {
        plan_tags_all(&mut plan);
        replace_when_description_changes(&mut plan);
        warn_before_replacing_approved(&mut plan);
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
            .set_image(planned.image.clone())
            .set_model_data_url(planned.model_data_url.clone())
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
            .client_token(client_token(&planned))
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
        let waited = wait_until(
            &format!("model version {arn} to be registered"),
            ctx.timeout,
            &ctx.cancel,
            Want::Present,
            || find_model_package(&c, &arn),
            package_phase,
        )
        .await
        .map_err(fail)?;
        if let Waited::Failed { reason, .. } = waited {
            return Err(fail(
                Diagnostic::error(
                    "Model version registration failed",
                    format!("SageMaker reports {arn} as Failed: {reason}"),
                )
                .into(),
            ));
        }
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
            read_version(&c, &arn, Some(&planned)).await,
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
        read_version(&ctx.client, &arn, Some(&current)).await
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
            // The approval is sent only when it changes: an unmanaged approval (no
            // approval_status in the configuration) is the reviewers', never overwritten.
            let approval_changes = prior.approval_status != planned.approval_status
                || prior.approval_description != planned.approval_description;
            c.sagemaker
                .update_model_package()
                .model_package_arn(&arn)
                .set_model_approval_status(approval_changes.then(|| status.sdk()))
                .set_approval_description(
                    planned
                        .approval_description
                        .clone()
                        .filter(|_| approval_changes),
                )
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
        match read_version(&c, &arn, Some(&planned)).await {
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
        wait_until(
            &format!("model version {arn} to be deleted"),
            ctx.timeout,
            &ctx.cancel,
            Want::Absent,
            || find_model_package(&c, &arn),
            |d| {
                Phase::Pending(
                    d.model_package_status()
                        .map_or("Deleting", |s| s.as_str())
                        .to_string(),
                )
            },
        )
        .await
        .map(|_| ())
    }

    async fn import(
        &self,
        ctx: &mut Ctx<Clients>,
        id: &str,
    ) -> Result<ModelPackageState, Diagnostics> {
        // `<group>/<version>` (an identity): the version's ARN is its group's, renamed.
        let resolved = match group_and_version(id) {
            Some((group, v)) => match find_model_package_group(&ctx.client, group).await? {
                Some(g) => g.model_package_group_arn().map(|a| {
                    format!(
                        "{}/{v}",
                        a.replacen(":model-package-group/", ":model-package/", 1)
                    )
                }),
                None => {
                    return Err(Diagnostic::error(
                        "Cannot import non-existent model version",
                        format!("There is no model package group {group:?}."),
                    )
                    .into())
                }
            },
            None => None,
        };
        let id = resolved.as_deref().unwrap_or(id);
        if id.len() > 2048 || !MODEL_PACKAGE_ARN_RE.is_match(id) {
            return Err(Diagnostic::error(
                "Invalid import ID",
                format!("Import a model version by its ARN (arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>) or as <group>/<version>; got {id:?}."),
            )
            .into());
        }
        match read_version(&ctx.client, id, None).await? {
            Some(s) => Ok(s),
            None => Err(Diagnostic::error(
                "Cannot import non-existent model version",
                format!("{id} does not exist."),
            )
            .into()),
        }
    }
}

/// `("churn", 3)` of an import ID `churn/3`.
fn group_and_version(id: &str) -> Option<(&str, u64)> {
    let (group, v) = id.split_once('/')?;
    let valid = !group.is_empty()
        && group.len() <= 63
        && group
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    Some((group, v.parse().ok()?)).filter(|_| valid)
}
