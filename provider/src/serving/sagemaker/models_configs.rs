//! The SageMaker models and endpoint configs of an endpoint. Both are content-named: a
//! change of what is served makes new ones, and the old ones stay until the switch. Their
//! names follow from the configuration, so they are planned exactly.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_sagemaker::error::DisplayErrorContext;
use aws_sdk_sagemaker::types::{
    CaptureMode, CaptureOption, ContainerDefinition, DataCaptureConfig, ProductionVariant,
    ProductionVariantInstanceType, ProductionVariantServerlessConfig,
};
use mlops_framework::{AttrPath, Diagnostic, Diagnostics, Value};

use super::rollout::alarm_names_for;
use crate::aws::{api_error, is_not_found, sdk_tags, stable_hash};
use crate::clients::Clients;
use crate::sagemaker::endpoint::find_endpoint_config;
use crate::sagemaker::model::find_model;
use crate::sagemaker::model_package::latest_approved;
use crate::serving::model::{config_variant_blocks, EndpointState, Variant, VariantRole};

/// Content name of a variant's model: the endpoint, the variant and a hash of what it
/// serves (so a change makes a new model and the old one stays until the switch).
pub fn model_name(endpoint: &str, role: &str, v: &Variant) -> Option<String> {
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
pub fn config_name(s: &EndpointState) -> Option<String> {
    let mut parts = vec![];
    for block in s.variant_blocks() {
        let v = block.variant;
        parts.push(serde_json::json!({
            "shadow": block.role == VariantRole::Shadow,
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

/// The models a state's variants name.
pub fn model_names(s: &EndpointState) -> BTreeSet<String> {
    s.variant_blocks()
        .iter()
        .filter_map(|b| b.variant.model_name.clone())
        .collect()
}

/// The model of variant `v` (created unless it exists: content-named, so an existing one
/// is the same model).
async fn ensure_model(
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
    if find_model(c, &name).await?.is_some() {
        return Ok(name);
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

/// The models of the planned state (creating what is missing; a group's version is looked
/// up again when the plan could not know it). Returns the state with model names and the
/// config name filled.
pub async fn build_models(
    c: &Clients,
    planned: &EndpointState,
    tags: &BTreeMap<String, String>,
) -> Result<EndpointState, Diagnostics> {
    let mut s = planned.clone();
    for block in s.variant_blocks_mut() {
        let v = block.variant;
        if let (Some(group), None) = (&v.model_package_group, &v.model_package_arn) {
            match latest_approved(c, group).await? {
                Some(arn) => v.model_package_arn = Some(arn),
                None => {
                    return Err(Diagnostic::error(
                        "No approved model version",
                        format!("Model package group {group:?} has no approved version to serve. Approve one (mlops_model_package approval_status = \"Approved\"), or serve a model_package_arn or image."),
                    )
                    .at(block.path.field("model_package_group"))
                    .into())
                }
            }
        }
    }
    let resolved = s.clone();
    for block in s.variant_blocks_mut() {
        let name = ensure_model(c, &resolved, block.variant, tags).await?;
        block.variant.model_name = Some(name);
    }
    s.endpoint_config_name = Some(config_name(&s).unwrap_or_default());
    Ok(s)
}

/// Create the endpoint config `name` for `s` (with `capacity` for autoscaled variants).
pub async fn create_config(
    c: &Clients,
    s: &EndpointState,
    name: &str,
    capacity: &BTreeMap<String, i32>,
    tags: &BTreeMap<String, String>,
) -> Result<(), Diagnostics> {
    // Content-named: one left by an interrupted apply is the same config, reuse it.
    if find_endpoint_config(c, name).await?.is_some() {
        tracing::info!(endpoint = %s.name, config = %name, "endpoint config exists already; reused");
        return Ok(());
    }
    let mut prod = vec![];
    let mut shadows = vec![];
    for block in s.variant_blocks() {
        let v = block.variant;
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
        match block.role {
            VariantRole::Production => prod.push(b.build()),
            VariantRole::Shadow => shadows.push(b.build()),
        }
    }
    let dc = s.data_capture.as_ref().map(|d| {
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
        DataCaptureConfig::builder()
            .enable_capture(true)
            .initial_sampling_percentage(d.sampling_percentage.unwrap_or(100) as i32)
            .destination_s3_uri(&d.destination)
            .set_capture_options(Some(opts))
            .build()
    });
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

/// Clean-up after a switch, a rollback or a deletion: the endpoint config `config` and its
/// models but `keep_models`. Best effort: what cannot be deleted is logged and left.
pub async fn delete_config_and_models(c: &Clients, config: &str, keep_models: &BTreeSet<String>) {
    let models: Vec<String> = match find_endpoint_config(c, config).await {
        Ok(Some(d)) => d
            .production_variants()
            .iter()
            .chain(d.shadow_production_variants())
            .filter_map(|v| v.model_name().map(String::from))
            .collect(),
        Ok(None) => vec![],
        Err(d) => {
            tracing::warn!(config, error = ?d, "models of the old endpoint config not known; not deleted");
            vec![]
        }
    };
    if let Err(e) = c
        .sagemaker
        .delete_endpoint_config()
        .endpoint_config_name(config)
        .send()
        .await
    {
        if !is_not_found(&e) {
            tracing::warn!(config, error = %DisplayErrorContext(&e), "old endpoint config not deleted");
        }
    }
    for m in models.iter().filter(|m| !keep_models.contains(*m)) {
        delete_model_best_effort(c, m).await;
    }
}

/// Delete a model no longer served; a failure is logged (the model is left), one already
/// gone is fine.
pub async fn delete_model_best_effort(c: &Clients, model: &str) {
    if let Err(e) = c.sagemaker.delete_model().model_name(model).send().await {
        if !is_not_found(&e) {
            tracing::warn!(model, error = %DisplayErrorContext(&e), "old model not deleted");
        }
    }
}

/// The content names (models, endpoint config) and alarms follow from the plan: plan them
/// exactly, so the plan shows what an update creates; unknown while an input is unknown.
pub fn plan_names(planned: &mut Value, config: &Value) {
    let blocks: Vec<AttrPath> = config_variant_blocks(config)
        .into_iter()
        .map(|b| b.path)
        .collect();
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
    for p in &blocks {
        if let Some(o) = inputs.get_path_mut(p).and_then(Value::as_object_mut) {
            o.insert("model_name".into(), Value::Null);
        }
    }
    let model = if inputs.is_wholly_known() {
        mlops_framework::resource::to_model::<EndpointState>(&inputs).ok()
    } else {
        None
    };
    let name_of = |v: Option<String>| v.map(Value::string).unwrap_or(Value::UNKNOWN);
    let mut names = vec![];
    if let Some(m) = &model {
        for block in m.variant_blocks() {
            names.push(name_of(model_name(&m.name, m.role(), block.variant)));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_names_fit_sagemaker_and_follow_the_content() {
        let long = "e".repeat(70);
        let n = short_name(&[&long, "primary"], 0x1234);
        assert!(n.len() <= 63 && n.ends_with("-0000001234"), "{n}");
        let mut v = Variant {
            image: Some("img:1".into()),
            ..Default::default()
        };
        let a = model_name("churn", "role", &v);
        v.image = Some("img:2".into());
        let b = model_name("churn", "role", &v);
        assert!(a
            .as_deref()
            .is_some_and(|a| a.starts_with("churn-primary-")));
        assert_ne!(a, b);
        assert_eq!(model_name("churn", "role", &Variant::default()), None);
    }
}
