//! The `trigger` block: an EventBridge rule (a schedule or an event pattern, see
//! [`super::patterns`]) whose one target starts this pipeline through an IAM role that may
//! only start this pipeline.

use std::collections::BTreeMap;

use aws_sdk_eventbridge::types::{
    RuleState, SageMakerPipelineParameter, SageMakerPipelineParameters, Target,
};
use mlops_framework::{CancellationToken, Diagnostic, Diagnostics};
use serde_json::json;

use super::model::{Trigger, TriggerKind};
use super::patterns::{kind_from_pattern, trigger_pattern};
use super::{builder_error, find_rule_target, read_rule, trigger_names, PipelineRef, PIPELINE_TAG};
use crate::aws::{
    arn_parts, check_events_role, delete_role, delete_rule, ensure_events_role, events_tags,
    owned_tags, put_targets, service_error, Clients,
};

/// The target id of a trigger's rule.
const PIPELINE_TARGET: &str = "start-pipeline";
/// The inline policy of a trigger's role.
const TRIGGER_POLICY: &str = "start-pipeline-execution";

fn default_trigger_description(p: &PipelineRef<'_>, t: &str) -> String {
    format!("Starts SageMaker pipeline {} (trigger {t})", p.name)
}

fn trigger_policy(pipeline_arn: &str) -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "StartThisPipeline",
            "Effect": "Allow",
            "Action": "sagemaker:StartPipelineExecution",
            "Resource": pipeline_arn,
        }]
    })
    .to_string()
}

fn trigger_target(p: &PipelineRef<'_>, t: &Trigger, role_arn: &str) -> Result<Target, Diagnostics> {
    let mut params = SageMakerPipelineParameters::builder();
    for (k, v) in t.parameters.iter().flatten() {
        let param = SageMakerPipelineParameter::builder()
            .name(k)
            .value(v)
            .build()
            .map_err(|e| builder_error("Invalid pipeline parameter", e))?;
        params = params.pipeline_parameter_list(param);
    }
    let mut b = Target::builder()
        .id(PIPELINE_TARGET)
        .arn(p.arn)
        .role_arn(role_arn);
    if t.parameters.as_ref().is_some_and(|m| !m.is_empty()) {
        b = b.sage_maker_pipeline_parameters(params.build());
    }
    b.build()
        .map_err(|e| builder_error("Invalid EventBridge target", e))
}

/// Create or update one trigger. The error carries the block as far as it exists.
pub(super) async fn ensure_trigger(
    c: &Clients,
    cancel: &CancellationToken,
    p: &PipelineRef<'_>,
    prior: Option<&Trigger>,
    want: Trigger,
) -> Result<Trigger, (Option<Trigger>, Diagnostics)> {
    let names = trigger_names(p.name, &want.name);
    if let Some(prev) = prior {
        if prev.inputs() == want.inputs() && prev.rule_arn.is_some() && prev.role_arn.is_some() {
            return Ok(Trigger {
                rule_arn: prev.rule_arn.clone(),
                role_arn: prev.role_arn.clone(),
                ..want
            });
        }
    }
    let Some(kind) = want.kind() else {
        return Err((
            prior.cloned(),
            Diagnostic::error(
                "Trigger without a kind",
                format!(
                    "Trigger {} needs exactly one of schedule, s3, pipeline_step or model_approved.",
                    want.name
                ),
            )
            .into(),
        ));
    };
    let Some((_, _, account)) = arn_parts(p.arn) else {
        return Err((
            prior.cloned(),
            Diagnostic::error(
                "Pipeline ARN unknown",
                format!(
                    "Cannot create trigger {}: the pipeline's ARN {:?} is not an ARN.",
                    want.name, p.arn
                ),
            )
            .into(),
        ));
    };
    let block = format!("trigger.{}", want.name);
    let tags = owned_tags(c, PIPELINE_TAG, p.name, &block);
    let mut cur = Trigger {
        rule_arn: prior.and_then(|x| x.rule_arn.clone()),
        role_arn: prior.and_then(|x| x.role_arn.clone()),
        ..want.clone()
    };
    // The role depends only on the pipeline: made once.
    let role_arn = match &cur.role_arn {
        Some(r) if prior.is_some() => r.clone(),
        _ => {
            let arn = ensure_events_role(
                c,
                &names.role,
                &account,
                &format!(
                    "EventBridge starts SageMaker pipeline {} (trigger {})",
                    p.name, want.name
                ),
                TRIGGER_POLICY,
                &trigger_policy(p.arn),
                &tags,
            )
            .await
            .map_err(|d| (prior.cloned().or(Some(cur.clone())), d))?;
            cur.role_arn = Some(arn.clone());
            arn
        }
    };
    let mut rule = c
        .events
        .put_rule()
        .name(&names.rule)
        .description(
            want.description
                .clone()
                .unwrap_or_else(|| default_trigger_description(p, &want.name)),
        )
        .state(if want.enabled.unwrap_or(true) {
            RuleState::Enabled
        } else {
            RuleState::Disabled
        })
        .set_tags(Some(events_tags(&tags)).filter(|t| !t.is_empty()));
    match &kind {
        TriggerKind::Schedule(s) => rule = rule.schedule_expression(s),
        k => {
            if let Some(pat) = trigger_pattern(k, p) {
                rule = rule.event_pattern(pat.to_string());
            }
        }
    }
    let out = rule.send().await.map_err(|e| {
        (
            Some(cur.clone()),
            Diagnostics::from(service_error("EventBridge", "PutRule", &names.rule, &e)),
        )
    })?;
    cur.rule_arn = out.rule_arn().map(String::from);
    tracing::info!(pipeline = %p.name, trigger = %want.name, rule = %names.rule, "trigger rule written");
    let target = trigger_target(p, &want, &role_arn).map_err(|d| (Some(cur.clone()), d))?;
    put_targets(c, cancel, &names.rule, vec![target])
        .await
        .map_err(|d| (Some(cur.clone()), d))?;
    Ok(cur)
}

pub(super) async fn delete_trigger(
    c: &Clients,
    p: &PipelineRef<'_>,
    t: &Trigger,
) -> Result<(), Diagnostics> {
    let names = trigger_names(p.name, &t.name);
    delete_rule(c, &names.rule).await?;
    delete_role(c, &names.role).await?;
    tracing::info!(pipeline = %p.name, trigger = %t.name, "trigger deleted");
    Ok(())
}

pub(super) async fn read_trigger(
    c: &Clients,
    p: &PipelineRef<'_>,
    t: &Trigger,
) -> Result<Option<Trigger>, Diagnostics> {
    let names = trigger_names(p.name, &t.name);
    let Some(rule) = read_rule(c, &names.rule).await? else {
        return Ok(None);
    };
    let Some(target) = find_rule_target(c, &names.rule, PIPELINE_TARGET).await? else {
        return Ok(None);
    };
    if target.arn() != p.arn {
        return Ok(None);
    }
    let Some(role_arn) =
        check_events_role(c, &names.role, TRIGGER_POLICY, &trigger_policy(p.arn)).await?
    else {
        return Ok(None);
    };
    if target.role_arn() != Some(role_arn.as_str()) {
        return Ok(None);
    }
    let mut out = t.clone();
    out.rule_arn = Some(rule.arn);
    out.role_arn = Some(role_arn);
    out.enabled = Some(rule.enabled);
    out.description = match rule.description {
        Some(d) if d == default_trigger_description(p, &t.name) && t.description.is_none() => None,
        d => d,
    };
    let kind = match (&rule.schedule, &rule.pattern) {
        (Some(s), _) => Some(TriggerKind::Schedule(s.clone())),
        (None, Some(pat)) => {
            let k = kind_from_pattern(pat, p, t);
            // keep the user's spelling when the pattern is the one we wrote
            match (&k, t.kind()) {
                (Some(_), Some(ck)) if trigger_pattern(&ck, p).as_ref() == Some(pat) => Some(ck),
                _ => k,
            }
        }
        (None, None) => None,
    };
    out.set_kind(kind);
    let params: BTreeMap<String, String> = target
        .sage_maker_pipeline_parameters()
        .map(|given| {
            given
                .pipeline_parameter_list()
                .iter()
                .map(|x| (x.name().to_string(), x.value().to_string()))
                .collect()
        })
        .unwrap_or_default();
    out.parameters = if params.is_empty() && t.parameters.as_ref().is_none_or(|m| m.is_empty()) {
        t.parameters.clone()
    } else {
        Some(params)
    };
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use serde_json::Value as Json;

    use super::*;

    #[test]
    fn role_policy_allows_only_starting_this_pipeline() {
        let p = trigger_policy("arn:aws:sagemaker:us-east-1:123456789012:pipeline/x");
        assert!(crate::aws::same_json(&p, &crate::aws::percent_encode(&p)));
        let doc: Json = serde_json::from_str(&p).unwrap();
        assert_eq!(
            doc["Statement"][0]["Action"],
            "sagemaker:StartPipelineExecution"
        );
        assert_eq!(doc["Statement"].as_array().unwrap().len(), 1);
    }
}
