//! How an update reaches the endpoint: SageMaker's blue/green deployment config (canary,
//! linear or all at once), the rollback alarms the provider creates, and the switch to a new
//! endpoint config with rollback detection (SageMaker's own rollback, or the provider's after
//! a failed smoke test).

use std::collections::BTreeMap;

use aws_sdk_cloudwatch::types::{ComparisonOperator, Dimension, Statistic};
use aws_sdk_sagemaker::types::{
    Alarm, AutoRollbackConfig, BlueGreenUpdatePolicy, CapacitySize, CapacitySizeType,
    DeploymentConfig, TrafficRoutingConfig, TrafficRoutingConfigType,
};
use mlops_framework::{Ctx, Diagnostic, Diagnostics, Failure};

use super::models_configs::{create_config, delete_config_and_models, model_names};
use super::smoke_test::smoke_test;
use crate::aws::{api_error, cloudwatch_tags};
use crate::clients::Clients;
use crate::sagemaker::endpoint::wait_settled;
use crate::serving::model::{EndpointState, Rollout};

/// Some variant is serverless (SageMaker then deploys all at once, without alarms).
pub fn is_serverless(s: &EndpointState) -> bool {
    s.variant_blocks()
        .iter()
        .any(|b| b.variant.serverless.is_some())
}

/// Names of the default rollback alarms of endpoint `endpoint` (5xx errors, model latency).
pub fn default_alarm_names(endpoint: &str) -> [String; 2] {
    [
        format!("mlops-{endpoint}-5xx-errors"),
        format!("mlops-{endpoint}-model-latency"),
    ]
}

/// The rollback alarms the provider creates for `s`.
pub fn alarm_names_for(s: &EndpointState) -> Vec<String> {
    let r = s.rollout.as_ref();
    if r.and_then(|r| r.default_alarms) == Some(false) || is_serverless(s) {
        return vec![];
    }
    default_alarm_names(&s.name).to_vec()
}

/// The deployment config of an update (none for serverless endpoints).
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

/// Create (or update) the provider's rollback alarms of `s`; their names.
pub async fn ensure_alarms(
    c: &Clients,
    s: &EndpointState,
    tags: &BTreeMap<String, String>,
) -> Result<Vec<String>, Diagnostics> {
    let names = alarm_names_for(s);
    let r = s.rollout.as_ref();
    let errors = r.and_then(|r| r.error_threshold).unwrap_or(1) as f64;
    let latency_us = (r.and_then(|r| r.latency_threshold_ms).unwrap_or(2000) * 1000) as f64;
    let dims = vec![
        Dimension::builder()
            .name("EndpointName")
            .value(&s.name)
            .build(),
        Dimension::builder()
            .name("VariantName")
            .value(s.model.name())
            .build(),
    ];
    let cw_tags = cloudwatch_tags(tags);
    let alarms = [
        ("Invocation5XXErrors", Statistic::Sum, errors, "5xx errors"),
        (
            "ModelLatency",
            Statistic::Average,
            latency_us,
            "model latency (µs)",
        ),
    ];
    for (name, (metric, stat, threshold, what)) in names.iter().zip(alarms) {
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
            .comparison_operator(ComparisonOperator::GreaterThanOrEqualToThreshold)
            .treat_missing_data("notBreaching")
            .set_tags(cw_tags.clone())
            .send()
            .await
            .map_err(|e| api_error("PutMetricAlarm", name, &e))?;
    }
    Ok(names)
}

/// What [`switch_config`] needs besides the two states.
pub struct Switch<'a> {
    /// Instance counts of autoscaled variants, kept across the switch.
    pub capacity: &'a BTreeMap<String, i32>,
    /// The provider's rollback alarms.
    pub alarms: &'a [String],
    pub tags: &'a BTreeMap<String, String>,
}

/// Move the endpoint from `prior`'s config to `next`'s: create the new config, update the
/// endpoint with the deployment config, wait, and check that the new config really serves
/// (SageMaker rolls back on an alarm) and passes the smoke test (else roll back to the old
/// config). The old config and models go only after that; after a rollback the new ones
/// go. On failure the partial state is what serves.
pub async fn switch_config(
    ctx: &Ctx<Clients>,
    prior: &EndpointState,
    next: &EndpointState,
    switch: Switch<'_>,
) -> Result<(), Failure<EndpointState>> {
    let c = &ctx.client;
    let keep = |d: Diagnostics| Failure::with_partial(prior.clone(), d);
    let old_cfg = prior.endpoint_config_name.clone().unwrap_or_default();
    let new_cfg = next.endpoint_config_name.clone().unwrap_or_default();
    create_config(c, next, &new_cfg, switch.capacity, switch.tags)
        .await
        .map_err(keep)?;
    // An interrupted apply may have left this very switch in flight, or done: let it
    // settle, and switch only when the endpoint does not serve the new config yet.
    let now = wait_settled(
        ctx,
        &next.name,
        &format!("endpoint {} to settle before the switch", next.name),
    )
    .await
    .map_err(keep)?;
    if now.endpoint_config_name() == Some(new_cfg.as_str()) {
        tracing::info!(endpoint = %next.name, config = %new_cfg, "endpoint serves the new config already (an interrupted apply switched it)");
    } else {
        tracing::info!(endpoint = %next.name, from = %old_cfg, to = %new_cfg, capacity = ?switch.capacity, "updating endpoint");
        c.sagemaker
            .update_endpoint()
            .endpoint_name(&next.name)
            .endpoint_config_name(&new_cfg)
            .set_deployment_config(deployment(next, switch.alarms))
            .send()
            .await
            .map_err(|e| keep(api_error("UpdateEndpoint", &next.name, &e).into()))?;
    }
    let d = wait_settled(
        ctx,
        &next.name,
        &format!("endpoint {} to serve {new_cfg}", next.name),
    )
    .await
    .map_err(keep)?;
    let serving = d.endpoint_config_name().unwrap_or_default().to_string();
    if serving != new_cfg {
        // SageMaker rolled back: state keeps the old config; the new one is removed.
        delete_config_and_models(c, &new_cfg, &model_names(prior)).await;
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
    if let Err(mut diags) = smoke_test(c, next).await {
        tracing::warn!(endpoint = %next.name, "smoke test failed: rolling back to {old_cfg}");
        let back = c
            .sagemaker
            .update_endpoint()
            .endpoint_name(&next.name)
            .endpoint_config_name(&old_cfg)
            .send()
            .await;
        if let Err(e) = back {
            diags.push(api_error("UpdateEndpoint (rollback)", &next.name, &e));
            return Err(Failure::with_partial(next.clone(), diags));
        }
        let rolled_back = wait_settled(
            ctx,
            &next.name,
            &format!("endpoint {} to roll back", next.name),
        )
        .await;
        if let Err(wait) = rolled_back {
            diags.extend(wait);
        }
        delete_config_and_models(c, &new_cfg, &model_names(prior)).await;
        return Err(keep(diags));
    }
    // Only now the old config and models go.
    delete_config_and_models(c, &old_cfg, &model_names(next)).await;
    Ok(())
}
