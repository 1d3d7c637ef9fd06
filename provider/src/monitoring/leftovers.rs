//! Job definitions an interrupted update left behind. An apply killed after the schedule
//! switched to the new (content-named) definition but before the provider deleted the old
//! one leaves the old one; the next refresh reads the new definition from the schedule into
//! state, so the plan alone would look empty and the old one would stay until a destroy.
//! The refresh notes it in the resource's private state, the plan shows an update (with a
//! warning saying why), and the update deletes every definition of the monitor but the one
//! in use ([`super::apply`]). Found by the crash suite (acceptance-tests/tests/crash.rs).

use std::collections::BTreeSet;

use mlops_framework::{Diagnostic, PlanCtx, PrivateState, Value};

use super::definitions::is_ours;
use super::model::{CheckKind, MonitorState};
use crate::clients::Clients;

/// Private-state key: the leftover definition names.
const KEY: &str = "leftover_job_definitions";

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

/// After a refresh: the definition recorded in state is a leftover when the schedule uses
/// another definition of ours now.
pub(super) fn note(private: &mut PrivateState, recorded: &MonitorState, read: &MonitorState) {
    let mut names = noted(private);
    for kind in CheckKind::ALL {
        let (Some(old), Some(now)) = (recorded.job_definition(kind), read.job_definition(kind))
        else {
            continue;
        };
        if old != now && is_ours(&recorded.name, kind, old) && is_ours(&recorded.name, kind, now) {
            names.insert(old.clone());
            names.remove(now);
        }
    }
    if !names.is_empty() {
        private.insert(KEY.into(), serde_json::json!(names));
    }
}

/// Plan the deletion of noted leftovers: an update (the definitions in use planned unknown,
/// the update settles them) and a warning naming them.
pub(super) fn plan_cleanup(plan: &mut PlanCtx<'_, Clients>) {
    let names = noted(plan.private);
    if names.is_empty() || plan.prior.is_null() || plan.config.is_null() {
        return;
    }
    let monitor = plan.prior.attr("name").as_str().unwrap_or("?").to_string();
    if let Some(o) = plan.planned.as_object_mut() {
        for attr in [
            "data_quality_job_definition",
            "model_quality_job_definition",
        ] {
            if o.get(attr).is_some_and(|v| !v.is_null()) {
                o.insert(attr.into(), Value::UNKNOWN);
            }
        }
    }
    plan.diags.push(Diagnostic::warning(
        "Leftover monitoring job definitions will be deleted",
        format!(
            "Monitor {monitor}'s schedule uses another job definition than the one recorded (an interrupted update switched it). This apply deletes the one it no longer uses: {}.",
            names.into_iter().collect::<Vec<_>>().join(", ")
        ),
    ));
}

/// After an update (which deleted every unused definition of ours): forget them.
pub(super) fn forget(private: &mut PrivateState) {
    private.remove(KEY);
}
