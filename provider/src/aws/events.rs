//! EventBridge rules the provider owns: targets (retried while IAM propagates a new role)
//! and deletion.

use aws_sdk_sagemaker::error::ProvideErrorMetadata;
use mlops_framework::{wait::cancelled, CancellationToken, Diagnostic, Diagnostics};

use super::error::{is_missing, service_error};
use super::iam::role_not_ready;
use crate::clients::Clients;

/// PutTargets, retried for a short while when EventBridge does not accept a role yet.
/// PutTargets replaces targets by id, so it converges a rule an interrupted apply left
/// half-targeted. `cancel` (StopProvider) ends the call and the retries at once.
pub async fn put_targets(
    c: &Clients,
    cancel: &CancellationToken,
    rule: &str,
    targets: Vec<aws_sdk_eventbridge::types::Target>,
) -> Result<(), Diagnostics> {
    const ATTEMPTS: u32 = 8;
    let mut delay = std::env::var("MLOPS_POLL_INTERVAL_MS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .map(std::time::Duration::from_millis)
        .unwrap_or(std::time::Duration::from_secs(1));
    let what = || format!("EventBridge to take the targets of rule {rule}");
    for attempt in 1..=ATTEMPTS {
        let send = c
            .events
            .put_targets()
            .rule(rule)
            .set_targets(Some(targets.clone()))
            .send();
        // Abandoning the call is safe: the next apply puts the same targets again.
        let answer = tokio::select! {
            a = send => a,
            _ = cancel.cancelled() => return Err(cancelled(&what())),
        };
        let retry = match answer {
            Ok(out) if out.failed_entry_count() == 0 => return Ok(()),
            Ok(out) => {
                let msgs: Vec<String> = out
                    .failed_entries()
                    .iter()
                    .map(|f| {
                        format!(
                            "target {}: {}: {}",
                            f.target_id().unwrap_or("?"),
                            f.error_code().unwrap_or("error"),
                            f.error_message().unwrap_or("(no message)")
                        )
                    })
                    .collect();
                if attempt == ATTEMPTS || !msgs.iter().any(|m| role_not_ready(m)) {
                    return Err(Diagnostic::error(
                        "EventBridge PutTargets failed",
                        format!("PutTargets for rule {rule} failed: {}", msgs.join("; ")),
                    )
                    .into());
                }
                msgs.join("; ")
            }
            Err(e) => {
                let msg = e
                    .as_service_error()
                    .and_then(|s| s.message())
                    .unwrap_or_default()
                    .to_string();
                if attempt == ATTEMPTS || !role_not_ready(&msg) {
                    return Err(service_error("EventBridge", "PutTargets", rule, &e).into());
                }
                msg
            }
        };
        tracing::info!(rule = %rule, attempt, reason = %retry, "role not accepted yet; retrying PutTargets");
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = cancel.cancelled() => return Err(cancelled(&what())),
        }
        delay = (delay * 2).min(std::time::Duration::from_secs(8));
    }
    Ok(())
}

/// Delete an owned rule after removing all its targets. A missing rule is fine.
pub async fn delete_rule(c: &Clients, name: &str) -> Result<(), Diagnostics> {
    let ev = &c.events;
    let mut ids = Vec::new();
    let mut token = None;
    loop {
        match ev
            .list_targets_by_rule()
            .rule(name)
            .set_next_token(token.take())
            .send()
            .await
        {
            Ok(r) => {
                ids.extend(r.targets().iter().map(|t| t.id().to_string()));
                match r.next_token() {
                    Some(t) if !t.is_empty() => token = Some(t.to_string()),
                    _ => break,
                }
            }
            Err(e) if is_missing(&e) => return Ok(()),
            Err(e) => {
                return Err(service_error("EventBridge", "ListTargetsByRule", name, &e).into())
            }
        }
    }
    for chunk in ids.chunks(100) {
        match ev
            .remove_targets()
            .rule(name)
            .set_ids(Some(chunk.to_vec()))
            .force(false)
            .send()
            .await
        {
            Ok(_) => {}
            Err(e) if is_missing(&e) => return Ok(()),
            Err(e) => return Err(service_error("EventBridge", "RemoveTargets", name, &e).into()),
        }
    }
    match ev.delete_rule().name(name).send().await {
        Ok(_) => {
            tracing::info!(rule = %name, "EventBridge rule deleted");
            Ok(())
        }
        Err(e) if is_missing(&e) => Ok(()),
        Err(e) => Err(service_error("EventBridge", "DeleteRule", name, &e).into()),
    }
}
