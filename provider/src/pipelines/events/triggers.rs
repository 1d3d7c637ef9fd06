//! The `trigger` block: an EventBridge rule (a schedule or an event pattern, see
//! [`super::patterns`]) whose one target starts this pipeline through an IAM role that may
//! only start this pipeline.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_eventbridge::types::{
    RuleState, SageMakerPipelineParameter, SageMakerPipelineParameters, Target,
};
use mlops_framework::{Diagnostic, Diagnostics};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::patterns::{kind_from_pattern, trigger_pattern};
use super::{
    builder_error, find_rule_target, read_rule, trigger_names, PipelineRef, BLOCK_NAME,
    PIPELINE_TAG,
};
use crate::aws::{
    arn_parts, check_events_role, delete_role, delete_rule, ensure_events_role, events_tags,
    owned_tags, put_targets, service_error, Clients,
};

/// The target id of a trigger's rule.
const PIPELINE_TARGET: &str = "start-pipeline";
/// The inline policy of a trigger's role.
const TRIGGER_POLICY: &str = "start-pipeline-execution";

/// Pipeline execution statuses (`currentPipelineExecutionStatus`).
pub const EXECUTION_STATUSES: &[&str] =
    &["Executing", "Stopping", "Stopped", "Failed", "Succeeded"];
/// Pipeline step statuses (`currentStepStatus`).
pub const STEP_STATUSES: &[&str] = &[
    "Starting",
    "Executing",
    "Stopping",
    "Stopped",
    "Failed",
    "Succeeded",
];

/// Starts the pipeline on a schedule or on an event. Write exactly one of `schedule`, `s3`,
/// `pipeline_step` or `model_approved`.
///
/// Each trigger is an EventBridge rule (`mlops_<pipeline>_trigger_<name>`) with one target,
/// the pipeline, started with `parameters`, through its own IAM role (same name, path
/// `/mlops/`) that trusts `events.amazonaws.com` and may only call
/// `sagemaker:StartPipelineExecution` on this pipeline. Names longer than 64 characters are
/// shortened with a stable hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Trigger {
    /// Name of the trigger, unique among the pipeline's triggers: 1-32 letters, digits and
    /// hyphens, starting and ending with a letter or digit. It names the rule and the role.
    #[schemars(regex(pattern = BLOCK_NAME), length(min = 1, max = 32))]
    pub name: String,

    /// Description of the EventBridge rule. Default: `Starts SageMaker pipeline <pipeline>
    /// (trigger <name>)`.
    #[schemars(length(max = 512))]
    pub description: Option<String>,

    /// Whether the rule is enabled. `false` keeps the rule and role but starts nothing.
    #[schemars(extend("x-tf-default" = true))]
    pub enabled: Option<bool>,

    /// Values of pipeline parameters for the executions this trigger starts (parameter name
    /// to value); parameters left out take their defaults. With `parameter` blocks, every
    /// name must be a declared parameter.
    pub parameters: Option<BTreeMap<String, String>>,

    /// Start on a schedule (UTC): `cron(minutes hours day-of-month month day-of-week year)`,
    /// e.g. `cron(0 3 * * ? *)` (every day at 03:00), where exactly one of day-of-month and
    /// day-of-week is `?`; or `rate(value unit)` with unit `minute(s)`, `hour(s)` or
    /// `day(s)`, e.g. `rate(1 day)`, `rate(6 hours)`.
    pub schedule: Option<String>,

    /// Start when an object is created in an S3 bucket (S3 `Object Created` events through
    /// EventBridge). The bucket must send its events to EventBridge (bucket property *Amazon
    /// EventBridge: On*, e.g. `aws_s3_bucket_notification` with `eventbridge = true`);
    /// otherwise nothing arrives.
    #[schemars(extend("x-tf" = ["block"]))]
    pub s3: Option<S3Trigger>,

    /// Start when a pipeline (another one of this account and region, or this one) or one of
    /// its steps reaches a status.
    #[schemars(extend("x-tf" = ["block"]))]
    pub pipeline_step: Option<PipelineStepTrigger>,

    /// Start when a model version in a model registry group is approved.
    #[schemars(extend("x-tf" = ["block"]))]
    pub model_approved: Option<ModelApprovedTrigger>,

    /// ARN of the trigger's EventBridge rule, `mlops_<pipeline>_trigger_<name>` (names
    /// longer than 64 characters end with a stable hash).
    #[schemars(extend("x-tf" = ["computed"]))]
    pub rule_arn: Option<String>,

    /// ARN of the IAM role EventBridge uses to start the pipeline (the rule's name, path
    /// `/mlops/`): it trusts `events.amazonaws.com` of this account only and may only call
    /// `sagemaker:StartPipelineExecution` on this pipeline.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub role_arn: Option<String>,
}

/// S3 `Object Created` events, delivered through EventBridge. The bucket must send its
/// events to EventBridge (S3 bucket property *Amazon EventBridge: On*, e.g.
/// `aws_s3_bucket_notification` with `eventbridge = true`); otherwise nothing arrives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct S3Trigger {
    /// Bucket name.
    #[schemars(regex(pattern = r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$"))]
    pub bucket: String,
    /// Only keys starting with this, e.g. `incoming/`.
    #[schemars(length(min = 1, max = 1024))]
    pub prefix: Option<String>,
    /// Only keys ending with this, e.g. `.csv`.
    #[schemars(length(min = 1, max = 1024))]
    pub suffix: Option<String>,
}

/// SageMaker pipeline status events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PipelineStepTrigger {
    /// Name of the pipeline to watch: another pipeline, or this one.
    #[schemars(
        regex(pattern = r"^[a-zA-Z0-9](-*[a-zA-Z0-9])*$"),
        length(min = 1, max = 256)
    )]
    pub pipeline: String,
    /// Name of a step of that pipeline. Without it, the status of the pipeline execution is
    /// watched.
    #[schemars(regex(pattern = r"^[A-Za-z0-9\-_]+$"), length(min = 1, max = 64))]
    pub step: Option<String>,
    /// Statuses that start this pipeline. Executions: `Executing`, `Stopping`, `Stopped`,
    /// `Failed`, `Succeeded`; steps also `Starting`.
    #[schemars(extend("x-tf-default" = ["Failed"]))]
    pub statuses: Option<BTreeSet<String>>,
}

/// Model registry approval events (`SageMaker Model Package State Change` with
/// `ModelApprovalStatus` = `Approved`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ModelApprovedTrigger {
    /// Name of the model package group.
    #[schemars(
        regex(pattern = r"^[a-zA-Z0-9](-*[a-zA-Z0-9])*$"),
        length(min = 1, max = 63)
    )]
    pub model_package_group: String,
}

/// The ARN of another pipeline of the same account and region (SageMaker writes pipeline
/// names in lower case in ARNs).
pub fn pipeline_arn(p: &PipelineRef<'_>, name: &str) -> String {
    if name.eq_ignore_ascii_case(p.name) {
        return p.arn.to_string();
    }
    match p.arn.rsplit_once('/') {
        Some((head, _)) => format!("{head}/{}", name.to_ascii_lowercase()),
        None => p.arn.to_string(),
    }
}

/// What starts a trigger's rule.
#[derive(Debug, Clone, PartialEq)]
pub enum TriggerKind {
    Schedule(String),
    S3(S3Trigger),
    PipelineStep(PipelineStepTrigger),
    ModelApproved(ModelApprovedTrigger),
}

impl Trigger {
    /// The kind, when exactly one is set.
    pub fn kind(&self) -> Option<TriggerKind> {
        let mut kinds = Vec::new();
        if let Some(s) = &self.schedule {
            kinds.push(TriggerKind::Schedule(s.clone()));
        }
        if let Some(s) = &self.s3 {
            kinds.push(TriggerKind::S3(s.clone()));
        }
        if let Some(s) = &self.pipeline_step {
            kinds.push(TriggerKind::PipelineStep(s.clone()));
        }
        if let Some(s) = &self.model_approved {
            kinds.push(TriggerKind::ModelApproved(s.clone()));
        }
        if kinds.len() == 1 {
            kinds.pop()
        } else {
            None
        }
    }

    pub(super) fn set_kind(&mut self, k: Option<TriggerKind>) {
        self.schedule = None;
        self.s3 = None;
        self.pipeline_step = None;
        self.model_approved = None;
        match k {
            Some(TriggerKind::Schedule(s)) => self.schedule = Some(s),
            Some(TriggerKind::S3(s)) => self.s3 = Some(s),
            Some(TriggerKind::PipelineStep(s)) => self.pipeline_step = Some(s),
            Some(TriggerKind::ModelApproved(s)) => self.model_approved = Some(s),
            None => {}
        }
    }

    /// The block without what the provider computes.
    pub(super) fn inputs(&self) -> Trigger {
        Trigger {
            rule_arn: None,
            role_arn: None,
            enabled: Some(self.enabled.unwrap_or(true)),
            ..self.clone()
        }
    }
}

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
    put_targets(c, &names.rule, vec![target])
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
    use crate::pipelines::events::test_support::{pref, trig};

    #[test]
    fn other_pipeline_arns_are_lower_case() {
        let p = pref();
        assert_eq!(pipeline_arn(&p, "churn-TRAIN"), p.arn);
        assert_eq!(
            pipeline_arn(&p, "Feature-Build"),
            "arn:aws:sagemaker:eu-west-1:123456789012:pipeline/feature-build"
        );
    }

    #[test]
    fn unchanged_inputs_ignore_computed_attributes() {
        let mut a = trig(TriggerKind::Schedule("rate(1 day)".into()));
        a.rule_arn = Some("arn:r".into());
        a.role_arn = Some("arn:role".into());
        let mut b = a.clone();
        b.rule_arn = None;
        b.role_arn = None;
        assert_eq!(a.inputs(), b.inputs());
        b.enabled = None; // default true
        assert_eq!(a.inputs(), b.inputs());
        b.parameters = Some([("X".to_string(), "1".to_string())].into_iter().collect());
        assert_ne!(a.inputs(), b.inputs());
    }

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
