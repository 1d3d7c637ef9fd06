//! Reading a SageMaker endpoint back into state: what serves now (the endpoint config and
//! its models, when it is not the one recorded), the provider's alarms after an import, and
//! tags.

use aws_sdk_sagemaker::types::{CaptureMode, DataCaptureConfig, ProductionVariant};
use mlops_framework::{Diagnostic, Diagnostics};

use super::rollout::default_alarm_names;
use crate::aws::{api_error, list_tags, user_tags};
use crate::clients::Clients;
use crate::sagemaker::endpoint::{find_endpoint, find_endpoint_config};
use crate::sagemaker::model::find_model;
use crate::serving::model::{DataCapture, EndpointState, Serverless, Variant};

/// The endpoint as it is, `None` when it is gone or being deleted (`prior` keeps what
/// SageMaker does not store).
pub async fn read_endpoint(
    c: &Clients,
    prior: &EndpointState,
) -> Result<Option<EndpointState>, Diagnostics> {
    let Some(d) = find_endpoint(c, &prior.name).await? else {
        return Ok(None);
    };
    if matches!(
        d.endpoint_status(),
        Some(aws_sdk_sagemaker::types::EndpointStatus::Deleting)
    ) {
        return Ok(None);
    }
    let arn = d.endpoint_arn().unwrap_or_default().to_string();
    let cfg_name = d.endpoint_config_name().unwrap_or_default().to_string();
    let mut s = prior.clone();
    s.arn = Some(arn.clone());
    if prior.endpoint_config_name.as_deref() != Some(cfg_name.as_str()) {
        // Serving something else than we recorded: read that config into state.
        read_serving_config(c, prior, &cfg_name, &mut s).await?;
    }
    if prior.alarm_names.is_none() {
        // Imported: find the provider's rollback alarms by name.
        let names = default_alarm_names(&s.name);
        let described = c
            .cloudwatch
            .describe_alarms()
            .set_alarm_names(Some(names.to_vec()))
            .send()
            .await
            .map_err(|e| api_error("DescribeAlarms", &s.name, &e))?;
        let have: Vec<String> = described
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

/// Fill `s` from the endpoint config `cfg_name` that serves now: variants, data capture,
/// the config name and the role of the main variant's model.
async fn read_serving_config(
    c: &Clients,
    prior: &EndpointState,
    cfg_name: &str,
    s: &mut EndpointState,
) -> Result<(), Diagnostics> {
    let Some(cfg) = find_endpoint_config(c, cfg_name).await? else {
        return Err(Diagnostic::error(
            "Endpoint config not found",
            format!(
                "Endpoint {} serves endpoint config {cfg_name}, which does not exist.",
                prior.name
            ),
        )
        .into());
    };
    let prod = cfg.production_variants();
    let prior_named =
        |n: Option<&str>, list: &[Variant]| list.iter().find(|v| Some(v.name()) == n).cloned();
    let mut all_prior: Vec<Variant> = vec![prior.model.clone()];
    all_prior.extend(prior.variant.clone().unwrap_or_default());
    if let Some(first) = prod.first() {
        let pv = prior_named(first.variant_name(), &all_prior);
        s.model = read_variant(c, first, pv.as_ref().or(Some(&prior.model))).await?;
    }
    let mut rest = vec![];
    for pv in prod.iter().skip(1) {
        let p = prior_named(pv.variant_name(), &all_prior);
        rest.push(read_variant(c, pv, p.as_ref()).await?);
    }
    s.variant = (!rest.is_empty() || prior.variant.is_some()).then_some(rest);
    s.shadow = match cfg.shadow_production_variants().first() {
        Some(pv) => Some(read_variant(c, pv, prior.shadow.as_ref()).await?),
        None => None,
    };
    s.data_capture = cfg
        .data_capture_config()
        .filter(|d| d.enable_capture().unwrap_or(true))
        .map(read_data_capture);
    s.endpoint_config_name = Some(cfg_name.to_string());
    if let Some(m) = &s.model.model_name {
        if let Some(r) = find_model(c, m)
            .await?
            .and_then(|d| d.execution_role_arn().map(String::from))
        {
            s.role_arn = Some(r);
        }
    }
    Ok(())
}

fn read_data_capture(d: &DataCaptureConfig) -> DataCapture {
    let captures = |mode: CaptureMode| {
        Some(
            d.capture_options()
                .iter()
                .any(|o| o.capture_mode() == Some(&mode)),
        )
    };
    DataCapture {
        destination: d.destination_s3_uri().unwrap_or_default().to_string(),
        sampling_percentage: d.initial_sampling_percentage().map(i64::from),
        capture_request: captures(CaptureMode::Input),
        capture_response: captures(CaptureMode::Output),
    }
}

/// A variant as configured remotely (`prior_v` keeps what SageMaker does not store: the
/// group, autoscaling, and the instance count of autoscaled or serverless variants).
async fn read_variant(
    c: &Clients,
    pv: &ProductionVariant,
    prior_v: Option<&Variant>,
) -> Result<Variant, Diagnostics> {
    let model = pv.model_name().unwrap_or_default().to_string();
    let m = find_model(c, &model).await?;
    let cont = m.as_ref().and_then(|m| m.primary_container().cloned());
    let base = prior_v.cloned();
    Ok(Variant {
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
    })
}
