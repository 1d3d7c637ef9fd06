//! Pure status classifiers of a live InferenceService, for
//! [`mlops_framework::wait_until`]: [`readiness`] (Ready for its current generation, on its
//! way, or failed with the `Ready` condition's reason).

use mlops_framework::Phase;
use serde_json::Value as Json;

/// The condition of type `ty` in the object's status.
fn condition<'a>(obj: &'a Json, ty: &str) -> Option<&'a Json> {
    obj.pointer("/status/conditions")?
        .as_array()?
        .iter()
        .find(|c| c.get("type").and_then(Json::as_str) == Some(ty))
}

/// What a live object says about readiness for its current generation: `Target` when
/// `Ready=True` for the generation KServe observed, `Failed("reason: message")` when
/// `Ready=False`, `Pending` otherwise.
pub fn readiness(obj: &Json) -> Phase {
    let generation = obj.pointer("/metadata/generation").and_then(Json::as_i64);
    let observed = obj
        .pointer("/status/observedGeneration")
        .and_then(Json::as_i64);
    if let (Some(g), o) = (generation, observed) {
        if o.unwrap_or(0) < g {
            return Phase::Pending(format!(
                "waiting for KServe to observe generation {g} (observed {})",
                o.map(|o| o.to_string()).unwrap_or_else(|| "none".into())
            ));
        }
    }
    let Some(c) = condition(obj, "Ready") else {
        return Phase::Pending("no Ready condition yet".into());
    };
    let text = |key: &str| c.get(key).and_then(Json::as_str).unwrap_or_default();
    let (reason, message) = (text("reason"), text("message"));
    match c.get("status").and_then(Json::as_str) {
        Some("True") => Phase::Target,
        Some("False") => Phase::Failed(format!(
            "{}: {}",
            if reason.is_empty() {
                "(no reason)"
            } else {
                reason
            },
            if message.is_empty() {
                "(no message)"
            } else {
                message
            },
        )),
        _ => Phase::Pending(format!(
            "Ready=Unknown{}{}",
            if reason.is_empty() {
                String::new()
            } else {
                format!(" ({reason})")
            },
            if message.is_empty() {
                String::new()
            } else {
                format!(": {message}")
            }
        )),
    }
}
