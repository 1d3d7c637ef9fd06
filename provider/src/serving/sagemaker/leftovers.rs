//! Endpoint configs an interrupted update left behind. An apply killed after SageMaker
//! switched the endpoint to the new config but before the provider deleted the old one
//! leaves the old config and its models; the next refresh reads the new config into state,
//! so the plan alone would look empty and they would stay forever. The refresh notes them
//! in the resource's private state, the plan shows an update that deletes them (with a
//! warning saying why), and the update deletes them.

use std::collections::BTreeSet;

use mlops_framework::{Diagnostic, PlanCtx, PrivateState, Value};

use super::models_configs::{delete_config_and_models, model_names};
use crate::clients::Clients;
use crate::serving::model::EndpointState;

/// Private-state key: the leftover config names.
const KEY: &str = "leftover_endpoint_configs";

fn noted(private: &PrivateState) -> BTreeSet<String> {
    private
        .get(KEY)
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|n| n.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// After a refresh: the config recorded in state is a leftover when the endpoint serves
/// another one now.
pub fn note(private: &mut PrivateState, recorded: &EndpointState, read: &EndpointState) {
    let (Some(old), Some(now)) = (&recorded.endpoint_config_name, &read.endpoint_config_name)
    else {
        return;
    };
    if old == now {
        return;
    }
    let mut names = noted(private);
    names.insert(old.clone());
    names.remove(now);
    private.insert(KEY.into(), serde_json::json!(names));
}

/// Plan the deletion of noted leftovers: an update (the config name is planned unknown) and
/// a warning naming them.
pub fn plan_cleanup(plan: &mut PlanCtx<'_, Clients>) {
    let names = noted(plan.private);
    if names.is_empty() || plan.prior.is_null() {
        return;
    }
    let endpoint = plan.prior.attr("name").as_str().unwrap_or("?").to_string();
    if let Some(o) = plan.planned.as_object_mut() {
        o.insert("endpoint_config_name".into(), Value::UNKNOWN);
    }
    plan.diags.push(Diagnostic::warning(
        "Leftover endpoint configs will be deleted",
        format!(
            "Endpoint {endpoint} serves another endpoint config than the one recorded (an interrupted update switched it, or it was changed outside Terraform). This apply deletes the one it no longer uses and its models: {}.",
            names.into_iter().collect::<Vec<_>>().join(", ")
        ),
    ));
}

/// Delete the noted leftovers that `next` does not use; forget them.
pub async fn delete_leftovers(c: &Clients, private: &mut PrivateState, next: &EndpointState) {
    let keep = model_names(next);
    for name in noted(private) {
        if next.endpoint_config_name.as_deref() != Some(name.as_str()) {
            tracing::info!(endpoint = %next.name, config = %name, "deleting a leftover endpoint config");
            delete_config_and_models(c, &name, &keep).await;
        }
    }
    private.remove(KEY);
}
