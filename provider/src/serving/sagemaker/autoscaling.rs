//! Target-tracking autoscaling of variants' instance counts (Application Auto Scaling), and
//! the capacity the autoscaler chose, kept across model updates.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_applicationautoscaling::types::{
    MetricType, PolicyType, PredefinedMetricSpecification, ScalableDimension, ServiceNamespace,
    TargetTrackingScalingPolicyConfiguration,
};
use mlops_framework::{Diagnostic, Diagnostics};

use crate::aws::api_error;
use crate::clients::Clients;
use crate::sagemaker::endpoint::find_endpoint;
use crate::serving::model::{Autoscaling, EndpointState, VariantRole};

/// Application Auto Scaling's ID of a variant.
fn resource_id(endpoint: &str, variant: &str) -> String {
    format!("endpoint/{endpoint}/variant/{variant}")
}

/// Instance counts of the autoscaled variants of `s` as the endpoint runs now (within each
/// variant's range), for the next endpoint config; empty when the endpoint does not exist.
pub async fn current_capacity(
    c: &Clients,
    s: &EndpointState,
) -> Result<BTreeMap<String, i32>, Diagnostics> {
    let mut out = BTreeMap::new();
    let Some(d) = find_endpoint(c, &s.name).await? else {
        return Ok(out);
    };
    let blocks = s.variant_blocks();
    for pv in d.production_variants() {
        let Some(name) = pv.variant_name() else {
            continue;
        };
        let auto = blocks
            .iter()
            .find(|b| b.variant.name() == name)
            .and_then(|b| b.variant.autoscaling.clone());
        if let (Some(a), Some(n)) = (
            auto,
            pv.desired_instance_count().or(pv.current_instance_count()),
        ) {
            let n = n.clamp(a.min_capacity as i32, a.max_capacity as i32);
            out.insert(name.to_string(), n);
        }
    }
    Ok(out)
}

/// Register the autoscaled variants of `s` and their scaling policies; deregister those
/// that `prior` autoscaled and `s` no longer does.
pub async fn apply_autoscaling(
    c: &Clients,
    s: &EndpointState,
    prior: Option<&EndpointState>,
) -> Result<(), Diagnostics> {
    let wanted: BTreeMap<String, Autoscaling> = s
        .variant_blocks()
        .into_iter()
        .filter(|b| b.role == VariantRole::Production)
        .filter_map(|b| {
            b.variant
                .autoscaling
                .clone()
                .map(|a| (b.variant.name().to_string(), a))
        })
        .collect();
    let had: BTreeSet<String> = prior
        .map(|p| {
            p.variant_blocks()
                .into_iter()
                .filter(|b| b.variant.autoscaling.is_some())
                .map(|b| b.variant.name().to_string())
                .collect()
        })
        .unwrap_or_default();
    for gone in had.iter().filter(|n| !wanted.contains_key(*n)) {
        deregister(c, &s.name, gone).await?;
    }
    for (variant, a) in &wanted {
        let rid = resource_id(&s.name, variant);
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
            .policy_type(PolicyType::TargetTrackingScaling)
            .target_tracking_scaling_policy_configuration(cfg)
            .send()
            .await
            .map_err(|e| api_error("PutScalingPolicy", &rid, &e))?;
    }
    Ok(())
}

/// Deregister every autoscaled variant of `s` (before deleting the endpoint).
pub async fn deregister_all(c: &Clients, s: &EndpointState) -> Result<(), Diagnostics> {
    for b in s.variant_blocks() {
        if b.role == VariantRole::Production && b.variant.autoscaling.is_some() {
            deregister(c, &s.name, b.variant.name()).await?;
        }
    }
    Ok(())
}

/// Deregister a variant's scalable target (and so its policy); one not registered is fine.
async fn deregister(c: &Clients, endpoint: &str, variant: &str) -> Result<(), Diagnostics> {
    let rid = resource_id(endpoint, variant);
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
