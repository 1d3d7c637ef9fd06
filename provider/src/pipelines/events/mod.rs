//! Triggers and notifications of `mlops_pipeline`: the `trigger` and `notification` blocks,
//! realised as EventBridge rules (plus an IAM role per trigger and, unless an existing topic
//! is given, an SNS topic per notification) that the pipeline resource owns.
//!
//! Owned objects have deterministic names derived from the pipeline and block names
//! ([`owned_name`]), are tagged `mlops:pipeline` = pipeline name and `mlops:block` =
//! `trigger.<name>` / `notification.<name>`, are updated in place when a block changes and
//! deleted when the block is removed or the pipeline destroyed.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use aws_sdk_eventbridge::types::{
    InputTransformer, RuleState, SageMakerPipelineParameter, SageMakerPipelineParameters, Target,
};
use mlops_framework::{AttrPath, Diagnostic, Diagnostics, PathStep, Value};
use regex::Regex;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value as Json};

use crate::aws::{
    arn_parts, check_events_role, delete_role, delete_rule, delete_topic, email_subscriptions,
    ensure_events_role, events_tags, is_missing, owned_name, owned_tags, put_targets, rule_arn_for,
    service_error, sns_tags, subscribe, unsubscribe, Clients,
};
use crate::validation::validate_emails;

/// Trigger and notification names: 1-32 letters, digits and hyphens inside.
pub const BLOCK_NAME: &str = r"^[a-zA-Z0-9](-*[a-zA-Z0-9])*$";
/// Tag naming the pipeline an owned object belongs to.
pub const PIPELINE_TAG: &str = "mlops:pipeline";
/// The target id of a trigger's rule.
const PIPELINE_TARGET: &str = "start-pipeline";
/// The target id of a notification's rules.
const TOPIC_TARGET: &str = "sns-topic";
/// The inline policy of a trigger's role.
const TRIGGER_POLICY: &str = "start-pipeline-execution";

const MAX_RULE: usize = 64;
const MAX_ROLE: usize = 64;
const MAX_TOPIC: usize = 256;

const SAGEMAKER: &str = "aws.sagemaker";
const EXECUTION_CHANGE: &str = "SageMaker Model Building Pipeline Execution Status Change";
const STEP_CHANGE: &str = "SageMaker Model Building Pipeline Execution Step Status Change";
const PACKAGE_CHANGE: &str = "SageMaker Model Package State Change";

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

// ------------------------------------------------------------------------------ models

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

/// Pipeline execution statuses.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
pub enum ExecutionStatus {
    Executing,
    Stopping,
    Stopped,
    Failed,
    Succeeded,
}

/// Pipeline step statuses.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
pub enum StepStatus {
    Starting,
    Executing,
    Stopping,
    Stopped,
    Failed,
    Succeeded,
}

impl ExecutionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Executing => "Executing",
            Self::Stopping => "Stopping",
            Self::Stopped => "Stopped",
            Self::Failed => "Failed",
            Self::Succeeded => "Succeeded",
        }
    }
    fn parse(s: &str) -> Option<Self> {
        [
            Self::Executing,
            Self::Stopping,
            Self::Stopped,
            Self::Failed,
            Self::Succeeded,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

impl StepStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Starting => "Starting",
            Self::Executing => "Executing",
            Self::Stopping => "Stopping",
            Self::Stopped => "Stopped",
            Self::Failed => "Failed",
            Self::Succeeded => "Succeeded",
        }
    }
    fn parse(s: &str) -> Option<Self> {
        [
            Self::Starting,
            Self::Executing,
            Self::Stopping,
            Self::Stopped,
            Self::Failed,
            Self::Succeeded,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// Sends a message to an SNS topic (and so to e-mail subscribers) when an execution or a
/// step of this pipeline reaches a status. Write `emails`, `topic_arn` or both, and
/// `execution_statuses`, `step_statuses` or both.
///
/// Execution events go through the rule `mlops_<pipeline>_notify_<name>_execution`, step
/// events through `..._step`. Without `topic_arn` the provider creates the topic
/// `mlops_<pipeline>_notify_<name>` with a policy that lets only these rules publish, and
/// deletes it with the block. E-mail addresses get a confirmation mail from AWS and receive
/// nothing until the subscription is confirmed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Notification {
    /// Name of the notification, unique among the pipeline's notifications: 1-32 letters,
    /// digits and hyphens, starting and ending with a letter or digit.
    #[schemars(regex(pattern = BLOCK_NAME), length(min = 1, max = 32))]
    pub name: String,

    /// E-mail addresses subscribed to the topic. AWS sends each a confirmation mail; nothing
    /// is delivered before it is confirmed. Adding an address subscribes it, removing
    /// it unsubscribes it (a subscription still waiting for confirmation cannot be removed
    /// through the API; AWS drops unconfirmed ones after three days).
    pub emails: Option<BTreeSet<String>>,

    /// An existing SNS topic to publish to, instead of one created by the provider. Its
    /// policy must allow `events.amazonaws.com` to `sns:Publish`; the provider never changes
    /// or deletes it (it only subscribes and unsubscribes `emails`). Without it, the provider
    /// creates the topic `mlops_<pipeline>_notify_<name>` with a policy that lets only this
    /// notification's rules publish, deletes it with the block, and this is its ARN.
    #[schemars(regex(
        pattern = r"^arn:aws[a-z\-]*:sns:[a-z0-9\-]+:[0-9]{12}:[A-Za-z0-9_\-]{1,256}$"
    ))]
    #[schemars(extend("x-tf" = ["optional_computed"]))]
    pub topic_arn: Option<String>,

    /// Notify when a pipeline execution reaches one of these statuses.
    pub execution_statuses: Option<BTreeSet<ExecutionStatus>>,

    /// Notify when a step reaches one of these statuses.
    pub step_statuses: Option<BTreeSet<StepStatus>>,

    /// Only these steps (with `step_statuses`); default all steps.
    pub steps: Option<BTreeSet<String>>,

    /// Text of the message instead of the default (`Pipeline <pipeline name> execution
    /// <execution ARN> is now Failed.`, for steps `Pipeline <pipeline name> execution
    /// <execution ARN>: step Train is now Failed.`). Placeholders: `<pipeline>` (pipeline
    /// ARN), `<execution>` (execution ARN), `<status>`, and `<step>` (step name, only when
    /// `execution_statuses` is not set).
    #[schemars(length(min = 1, max = 4000))]
    pub message: Option<String>,

    /// ARN of the rule for execution events, `mlops_<pipeline>_notify_<name>_execution`
    /// (null without `execution_statuses`).
    #[schemars(extend("x-tf" = ["computed"]))]
    pub execution_rule_arn: Option<String>,

    /// ARN of the rule for step events, `mlops_<pipeline>_notify_<name>_step` (null without
    /// `step_statuses`).
    #[schemars(extend("x-tf" = ["computed"]))]
    pub step_rule_arn: Option<String>,
}

/// The pipeline the blocks belong to.
pub struct PipelineRef<'a> {
    pub name: &'a str,
    pub arn: &'a str,
}

// ------------------------------------------------------------------------------ names

/// Names of the objects one trigger owns.
#[derive(Debug, Clone, PartialEq)]
pub struct TriggerNames {
    pub rule: String,
    pub role: String,
}

/// Names of the objects one notification owns.
#[derive(Debug, Clone, PartialEq)]
pub struct NotificationNames {
    pub execution_rule: String,
    pub step_rule: String,
    pub topic: String,
}

pub fn trigger_names(pipeline: &str, trigger: &str) -> TriggerNames {
    TriggerNames {
        rule: owned_name(&[pipeline, "trigger", trigger], MAX_RULE),
        role: owned_name(&[pipeline, "trigger", trigger], MAX_ROLE),
    }
}

pub fn notification_names(pipeline: &str, notification: &str) -> NotificationNames {
    NotificationNames {
        execution_rule: owned_name(&[pipeline, "notify", notification, "execution"], MAX_RULE),
        step_rule: owned_name(&[pipeline, "notify", notification, "step"], MAX_RULE),
        topic: owned_name(&[pipeline, "notify", notification], MAX_TOPIC),
    }
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

fn topic_arn_for(p: &PipelineRef<'_>, topic: &str) -> Option<String> {
    let (partition, region, account) = arn_parts(p.arn)?;
    Some(format!("arn:{partition}:sns:{region}:{account}:{topic}"))
}

fn topic_name(arn: &str) -> &str {
    arn.rsplit(':').next().unwrap_or(arn)
}

// ------------------------------------------------------------------------------ schedules

const CRON_FIELDS: [(&str, u32, u32); 6] = [
    ("minutes", 0, 59),
    ("hours", 0, 23),
    ("day-of-month", 1, 31),
    ("month", 1, 12),
    ("day-of-week", 1, 7),
    ("year", 1970, 2199),
];
const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// Check an EventBridge schedule expression: `cron(...)` or `rate(...)`.
pub fn check_schedule(s: &str) -> Result<(), String> {
    if let Some(inner) = s.strip_prefix("cron(").and_then(|r| r.strip_suffix(')')) {
        return check_cron(inner);
    }
    if let Some(inner) = s.strip_prefix("rate(").and_then(|r| r.strip_suffix(')')) {
        return check_rate(inner);
    }
    Err(format!(
        "{s:?} is not a schedule expression: write cron(minutes hours day-of-month month day-of-week year), e.g. cron(0 3 * * ? *), or rate(value unit), e.g. rate(1 day)."
    ))
}

fn check_rate(inner: &str) -> Result<(), String> {
    let parts: Vec<&str> = inner.split(' ').collect();
    let [value, unit] = parts.as_slice() else {
        return Err(format!(
            "rate({inner}) must be a number and a unit separated by one space, e.g. rate(5 minutes)."
        ));
    };
    let n = if value.bytes().all(|b| b.is_ascii_digit()) && !value.starts_with('0') {
        value.parse::<u32>().ok()
    } else {
        None
    };
    let Some(n) = n.filter(|n| *n > 0) else {
        return Err(format!(
            "rate({inner}): the value must be a positive whole number, got {value:?}."
        ));
    };
    let (singular, plural) = match *unit {
        "minute" | "minutes" => ("minute", "minutes"),
        "hour" | "hours" => ("hour", "hours"),
        "day" | "days" => ("day", "days"),
        _ => {
            return Err(format!(
                "rate({inner}): the unit must be minute(s), hour(s) or day(s), got {unit:?}."
            ))
        }
    };
    if n == 1 && *unit != singular {
        return Err(format!(
            "rate({inner}): a value of 1 takes the singular unit: rate(1 {singular})."
        ));
    }
    if n > 1 && *unit != plural {
        return Err(format!(
            "rate({inner}): a value above 1 takes the plural unit: rate({n} {plural})."
        ));
    }
    Ok(())
}

fn check_cron(inner: &str) -> Result<(), String> {
    let fields: Vec<&str> = inner.split_whitespace().collect();
    if fields.len() != 6 {
        return Err(format!(
            "cron({inner}) has {} field(s); it needs 6: minutes hours day-of-month month day-of-week year, e.g. cron(0 3 * * ? *).",
            fields.len()
        ));
    }
    for (i, f) in fields.iter().enumerate() {
        check_cron_field(i, f).map_err(|e| {
            format!(
                "cron({inner}): the {} field {f:?} is not valid: {e}",
                CRON_FIELDS[i].0
            )
        })?;
    }
    let (dom, dow) = (fields[2] == "?", fields[4] == "?");
    if dom == dow {
        return Err(format!(
            "cron({inner}): exactly one of day-of-month (3rd field) and day-of-week (5th field) must be ?, e.g. cron(0 3 * * ? *) or cron(0 3 ? * MON-FRI *)."
        ));
    }
    Ok(())
}

fn cron_value(i: usize, s: &str) -> Result<u32, String> {
    let (_, min, max) = CRON_FIELDS[i];
    let named = match i {
        3 => MONTHS.iter().position(|m| m.eq_ignore_ascii_case(s)),
        4 => DAYS.iter().position(|d| d.eq_ignore_ascii_case(s)),
        _ => None,
    };
    if let Some(pos) = named {
        return Ok(min + pos as u32);
    }
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || s.len() > 4 {
        let hint = match i {
            3 => " (1-12 or JAN-DEC)",
            4 => " (1-7 or SUN-SAT)",
            _ => "",
        };
        return Err(format!("{s:?} is not a number{hint}"));
    }
    let v: u32 = s.parse().map_err(|_| format!("{s:?} is not a number"))?;
    if v < min || v > max {
        return Err(format!("{v} is outside {min}-{max}"));
    }
    Ok(v)
}

fn check_cron_field(i: usize, f: &str) -> Result<(), String> {
    let (_, min, max) = CRON_FIELDS[i];
    if f == "?" {
        return if i == 2 || i == 4 {
            Ok(())
        } else {
            Err("? is only allowed in day-of-month and day-of-week".into())
        };
    }
    // Special forms, allowed alone.
    if i == 2 {
        if f == "L" || f == "LW" {
            return Ok(());
        }
        if let Some(d) = f.strip_suffix('W') {
            return cron_value(i, d).map(|_| ());
        }
    }
    if i == 4 {
        if f == "L" {
            return Ok(());
        }
        if let Some((d, n)) = f.split_once('#') {
            cron_value(i, d)?;
            return match n.parse::<u32>() {
                Ok(1..=5) if n.len() == 1 => Ok(()),
                _ => Err(format!(
                    "{n:?} after # must be 1-5 (the nth weekday of the month)"
                )),
            };
        }
        if let Some(d) = f.strip_suffix('L') {
            return cron_value(i, d).map(|_| ());
        }
    }
    if f.contains('?') {
        return Err("? must stand alone".into());
    }
    for item in f.split(',') {
        if item.is_empty() {
            return Err("empty list element".into());
        }
        let (base, step) = match item.split_once('/') {
            Some((b, s)) => (b, Some(s)),
            None => (item, None),
        };
        if base != "*" {
            match base.split_once('-') {
                Some((a, b)) => {
                    cron_value(i, a)?;
                    cron_value(i, b)?;
                }
                None => {
                    cron_value(i, base)?;
                }
            }
        }
        if let Some(s) = step {
            let ok = !s.is_empty()
                && s.len() <= 4
                && s.bytes().all(|b| b.is_ascii_digit())
                && s.parse::<u32>().is_ok_and(|n| n >= 1 && n <= max - min + 1);
            if !ok {
                return Err(format!(
                    "the increment after / must be a whole number from 1 to {}",
                    max - min + 1
                ));
            }
        }
        if (item.contains('L') || item.contains('W') || item.contains('#'))
            && !item
                .chars()
                .all(|c| c.is_ascii_alphabetic() || c == '-' || c == ',')
        {
            return Err("L, W and # must stand alone".into());
        }
    }
    Ok(())
}

// ------------------------------------------------------------------------------ patterns

/// What starts a trigger's rule.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Schedule(String),
    S3(S3Trigger),
    PipelineStep(PipelineStepTrigger),
    ModelApproved(ModelApprovedTrigger),
}

impl Trigger {
    /// The kind, when exactly one is set.
    pub fn kind(&self) -> Option<Kind> {
        let mut kinds = Vec::new();
        if let Some(s) = &self.schedule {
            kinds.push(Kind::Schedule(s.clone()));
        }
        if let Some(s) = &self.s3 {
            kinds.push(Kind::S3(s.clone()));
        }
        if let Some(s) = &self.pipeline_step {
            kinds.push(Kind::PipelineStep(s.clone()));
        }
        if let Some(s) = &self.model_approved {
            kinds.push(Kind::ModelApproved(s.clone()));
        }
        if kinds.len() == 1 {
            kinds.pop()
        } else {
            None
        }
    }

    fn set_kind(&mut self, k: Option<Kind>) {
        self.schedule = None;
        self.s3 = None;
        self.pipeline_step = None;
        self.model_approved = None;
        match k {
            Some(Kind::Schedule(s)) => self.schedule = Some(s),
            Some(Kind::S3(s)) => self.s3 = Some(s),
            Some(Kind::PipelineStep(s)) => self.pipeline_step = Some(s),
            Some(Kind::ModelApproved(s)) => self.model_approved = Some(s),
            None => {}
        }
    }

    /// The block without what the provider computes.
    fn inputs(&self) -> Trigger {
        Trigger {
            rule_arn: None,
            role_arn: None,
            enabled: Some(self.enabled.unwrap_or(true)),
            ..self.clone()
        }
    }
}

fn default_statuses() -> BTreeSet<String> {
    ["Failed".to_string()].into_iter().collect()
}

/// Escape `*` and `\` for an EventBridge `wildcard` pattern.
fn wildcard_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c == '*' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Split a `prefix*suffix` wildcard written by [`wildcard_escape`] back into its parts.
fn wildcard_split(w: &str) -> Option<(String, String)> {
    let mut parts = vec![String::new()];
    let mut chars = w.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => parts.last_mut()?.push(chars.next()?),
            '*' => parts.push(String::new()),
            c => parts.last_mut()?.push(c),
        }
    }
    match <[String; 2]>::try_from(parts) {
        Ok([a, b]) => Some((a, b)),
        Err(_) => None,
    }
}

/// The event pattern of a trigger kind (`None` for schedules).
pub fn trigger_pattern(kind: &Kind, p: &PipelineRef<'_>) -> Option<Json> {
    match kind {
        Kind::Schedule(_) => None,
        Kind::S3(s3) => {
            let mut detail = json!({"bucket": {"name": [s3.bucket]}});
            let key = match (&s3.prefix, &s3.suffix) {
                (Some(pre), Some(suf)) => Some(json!({
                    "wildcard": format!("{}*{}", wildcard_escape(pre), wildcard_escape(suf))
                })),
                (Some(pre), None) => Some(json!({ "prefix": pre })),
                (None, Some(suf)) => Some(json!({ "suffix": suf })),
                (None, None) => None,
            };
            if let (Some(k), Some(o)) = (key, detail.as_object_mut()) {
                o.insert("object".into(), json!({ "key": [k] }));
            }
            Some(json!({
                "source": ["aws.s3"],
                "detail-type": ["Object Created"],
                "detail": detail,
            }))
        }
        Kind::PipelineStep(ps) => {
            let statuses: Vec<&String> = match &ps.statuses {
                Some(s) => s.iter().collect(),
                None => vec![],
            };
            let statuses: Vec<String> = if statuses.is_empty() {
                default_statuses().into_iter().collect()
            } else {
                statuses.into_iter().cloned().collect()
            };
            let arn = pipeline_arn(p, &ps.pipeline);
            Some(match &ps.step {
                Some(step) => json!({
                    "source": [SAGEMAKER],
                    "detail-type": [STEP_CHANGE],
                    "detail": {
                        "pipelineArn": [arn],
                        "stepName": [step],
                        "currentStepStatus": statuses,
                    },
                }),
                None => json!({
                    "source": [SAGEMAKER],
                    "detail-type": [EXECUTION_CHANGE],
                    "detail": {
                        "pipelineArn": [arn],
                        "currentPipelineExecutionStatus": statuses,
                    },
                }),
            })
        }
        Kind::ModelApproved(m) => Some(json!({
            "source": [SAGEMAKER],
            "detail-type": [PACKAGE_CHANGE],
            "detail": {
                "ModelPackageGroupName": [m.model_package_group],
                "ModelApprovalStatus": ["Approved"],
            },
        })),
    }
}

/// A one-element list of strings in a pattern.
fn one(v: Option<&Json>) -> Option<&str> {
    match v?.as_array()?.as_slice() {
        [x] => x.as_str(),
        _ => None,
    }
}

fn strings(v: Option<&Json>) -> Option<Vec<String>> {
    v?.as_array()?
        .iter()
        .map(|x| x.as_str().map(String::from))
        .collect()
}

/// The trigger kind an event pattern written by [`trigger_pattern`] stands for; `None` when
/// the pattern is something else (changed outside Terraform). `current` supplies the
/// user's spelling of names that AWS stores differently (pipeline names in ARNs).
pub fn kind_from_pattern(pattern: &Json, p: &PipelineRef<'_>, current: &Trigger) -> Option<Kind> {
    let source = one(pattern.get("source"))?;
    let dtype = one(pattern.get("detail-type"))?;
    let detail = pattern.get("detail")?.as_object()?;
    match (source, dtype) {
        ("aws.s3", "Object Created") => {
            let bucket = one(detail.get("bucket")?.get("name"))?.to_string();
            let (mut prefix, mut suffix) = (None, None);
            if let Some(obj) = detail.get("object") {
                let key = match obj.get("key")?.as_array()?.as_slice() {
                    [k] => k.as_object()?.clone(),
                    _ => return None,
                };
                if key.len() != 1 {
                    return None;
                }
                let (op, v) = key.iter().next()?;
                let v = v.as_str()?.to_string();
                match op.as_str() {
                    "prefix" => prefix = Some(v),
                    "suffix" => suffix = Some(v),
                    "wildcard" => {
                        let (a, b) = wildcard_split(&v)?;
                        prefix = Some(a).filter(|s| !s.is_empty());
                        suffix = Some(b).filter(|s| !s.is_empty());
                    }
                    _ => return None,
                }
            }
            if detail.len() > 1 + usize::from(detail.contains_key("object")) {
                return None;
            }
            Some(Kind::S3(S3Trigger {
                bucket,
                prefix,
                suffix,
            }))
        }
        (SAGEMAKER, EXECUTION_CHANGE) | (SAGEMAKER, STEP_CHANGE) => {
            let arn = one(detail.get("pipelineArn"))?;
            let remote_name = arn.rsplit('/').next()?;
            let pipeline = match &current.pipeline_step {
                Some(ps) if ps.pipeline.eq_ignore_ascii_case(remote_name) => ps.pipeline.clone(),
                _ if arn == p.arn => p.name.to_string(),
                _ => remote_name.to_string(),
            };
            let (step, statuses, expected_len) = if dtype == STEP_CHANGE {
                (
                    Some(one(detail.get("stepName"))?.to_string()),
                    strings(detail.get("currentStepStatus"))?,
                    3,
                )
            } else {
                (
                    None,
                    strings(detail.get("currentPipelineExecutionStatus"))?,
                    2,
                )
            };
            if detail.len() != expected_len {
                return None;
            }
            Some(Kind::PipelineStep(PipelineStepTrigger {
                pipeline,
                step,
                statuses: Some(statuses.into_iter().collect()),
            }))
        }
        (SAGEMAKER, PACKAGE_CHANGE) => {
            let group = one(detail.get("ModelPackageGroupName"))?.to_string();
            if one(detail.get("ModelApprovalStatus"))? != "Approved" || detail.len() != 2 {
                return None;
            }
            Some(Kind::ModelApproved(ModelApprovedTrigger {
                model_package_group: group,
            }))
        }
        _ => None,
    }
}

/// The event pattern of a notification's execution rule.
pub fn execution_pattern(p: &PipelineRef<'_>, statuses: &BTreeSet<ExecutionStatus>) -> Json {
    json!({
        "source": [SAGEMAKER],
        "detail-type": [EXECUTION_CHANGE],
        "detail": {
            "pipelineArn": [p.arn],
            "currentPipelineExecutionStatus":
                statuses.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        },
    })
}

/// The event pattern of a notification's step rule.
pub fn step_pattern(
    p: &PipelineRef<'_>,
    statuses: &BTreeSet<StepStatus>,
    steps: Option<&BTreeSet<String>>,
) -> Json {
    let mut detail = json!({
        "pipelineArn": [p.arn],
        "currentStepStatus": statuses.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
    });
    if let (Some(steps), Some(o)) = (steps.filter(|s| !s.is_empty()), detail.as_object_mut()) {
        o.insert("stepName".into(), json!(steps));
    }
    json!({
        "source": [SAGEMAKER],
        "detail-type": [STEP_CHANGE],
        "detail": detail,
    })
}

fn statuses_from_pattern(pattern: &Json, dtype: &str, field: &str) -> Option<Vec<String>> {
    if one(pattern.get("source"))? != SAGEMAKER || one(pattern.get("detail-type"))? != dtype {
        return None;
    }
    strings(pattern.get("detail")?.get(field))
}

static PLACEHOLDER_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"<([A-Za-z0-9_.\-]+)>").expect("static regex"));

/// The InputTransformer of a notification rule: input paths and a template that makes the
/// SNS message a plain text.
pub fn message_transformer(
    pipeline: &str,
    message: Option<&str>,
    step_events: bool,
) -> (BTreeMap<String, String>, String) {
    let text = match message {
        Some(m) => m.to_string(),
        None if step_events => {
            format!("Pipeline {pipeline} execution <execution>: step <step> is now <status>.")
        }
        None => format!("Pipeline {pipeline} execution <execution> is now <status>."),
    };
    let mut paths = BTreeMap::new();
    for cap in PLACEHOLDER_RE.captures_iter(&text) {
        let path = match &cap[1] {
            "pipeline" => "$.detail.pipelineArn",
            "execution" => "$.detail.pipelineExecutionArn",
            "status" if step_events => "$.detail.currentStepStatus",
            "status" => "$.detail.currentPipelineExecutionStatus",
            "step" if step_events => "$.detail.stepName",
            _ => continue,
        };
        paths.insert(cap[1].to_string(), path.to_string());
    }
    let template = serde_json::to_string(&text).unwrap_or_else(|_| "\"\"".into());
    (paths, template)
}

// ------------------------------------------------------------------------------ validation

static BLOCK_NAME_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(BLOCK_NAME).expect("static regex"));

fn at(parts: &[PathStep]) -> AttrPath {
    AttrPath(parts.to_vec())
}

fn attr(s: &str) -> PathStep {
    PathStep::Attr(s.into())
}

/// The elements of a known list/set value (`None` when unknown or null).
fn elements(v: &Value) -> Option<&[Value]> {
    match v {
        Value::List(x) | Value::Set(x) | Value::Tuple(x) => Some(x),
        _ => None,
    }
}

/// Plan-time checks (no API calls). `config` is the whole `mlops_pipeline` configuration;
/// diagnostics point at `trigger[i].<attr>` / `notification[i].<attr>`. `params` are the
/// declared pipeline parameter names and `steps` the declared step names (`None` when the
/// pipeline uses a raw `definition`: those checks are skipped). Unknown values are skipped.
pub fn validate(
    config: &Value,
    params: Option<&BTreeSet<String>>,
    steps: Option<&BTreeSet<String>>,
    diags: &mut Diagnostics,
) {
    let this_pipeline = config.attr("name").as_str();
    if let Some(items) = elements(config.attr("trigger")) {
        let mut seen = BTreeMap::new();
        for (i, t) in items.iter().enumerate() {
            let base = vec![attr("trigger"), PathStep::Index(i as i64)];
            validate_trigger(t, &base, this_pipeline, params, steps, &mut seen, diags);
        }
    }
    if let Some(items) = elements(config.attr("notification")) {
        let mut seen = BTreeMap::new();
        for (i, n) in items.iter().enumerate() {
            let base = vec![attr("notification"), PathStep::Index(i as i64)];
            validate_notification(n, &base, steps, &mut seen, diags);
        }
    }
}

fn check_block_name(
    v: &Value,
    base: &[PathStep],
    what: &str,
    seen: &mut BTreeMap<String, usize>,
    index: usize,
    diags: &mut Diagnostics,
) {
    let Some(name) = v.attr("name").as_str() else {
        return;
    };
    let path = at(&[base, &[attr("name")]].concat());
    if !BLOCK_NAME_RE.is_match(name) || name.len() > 32 {
        diags.error_at(
            path.clone(),
            format!("Invalid {what} name"),
            format!("{what} name {name:?} must be 1-32 letters, digits and hyphens, starting and ending with a letter or digit."),
        );
    }
    if let Some(first) = seen.insert(name.to_string(), index) {
        diags.error_at(
            path,
            format!("Duplicate {what} name"),
            format!(
                "{what} name {name:?} is used by {what}[{first}] already; names must be unique."
            ),
        );
    }
}

fn validate_trigger(
    t: &Value,
    base: &[PathStep],
    this_pipeline: Option<&str>,
    params: Option<&BTreeSet<String>>,
    steps: Option<&BTreeSet<String>>,
    seen: &mut BTreeMap<String, usize>,
    diags: &mut Diagnostics,
) {
    if t.as_object().is_none() {
        return;
    }
    let index = match base.last() {
        Some(PathStep::Index(i)) => *i as usize,
        _ => 0,
    };
    check_block_name(t, base, "trigger", seen, index, diags);
    let p = |rest: &[&str]| -> AttrPath {
        let mut v = base.to_vec();
        v.extend(rest.iter().map(|s| attr(s)));
        AttrPath(v)
    };
    // exactly one kind
    let kinds = ["schedule", "s3", "pipeline_step", "model_approved"];
    if kinds.iter().any(|k| t.attr(k).is_unknown()) {
        // decided at apply
    } else {
        let set: Vec<&str> = kinds
            .iter()
            .copied()
            .filter(|k| !t.attr(k).is_null())
            .collect();
        match set.as_slice() {
            [] => diags.error_at(
                AttrPath(base.to_vec()),
                "Trigger without a kind",
                "A trigger needs exactly one of schedule, s3, pipeline_step or model_approved.",
            ),
            [_] => {}
            [first, rest @ ..] => {
                for k in rest {
                    diags.error_at(
                        p(&[k]),
                        "Conflicting trigger kinds",
                        format!("A trigger needs exactly one of schedule, s3, pipeline_step or model_approved; this one has {first} and {k}."),
                    );
                }
            }
        }
    }
    if let Some(s) = t.attr("schedule").as_str() {
        if let Err(e) = check_schedule(s) {
            diags.error_at(p(&["schedule"]), "Invalid schedule", e);
        }
    }
    let s3 = t.attr("s3");
    for part in ["prefix", "suffix"] {
        if s3.attr(part).as_str() == Some("") {
            diags.error_at(
                p(&["s3", part]),
                "Invalid attribute value",
                format!("s3.{part} must not be empty; leave it out instead."),
            );
        }
    }
    let ps = t.attr("pipeline_step");
    if ps.as_object().is_some() {
        let step = ps.attr("step");
        let allowed: &[&str] = if step.is_null() {
            EXECUTION_STATUSES
        } else {
            STEP_STATUSES
        };
        if !step.is_unknown() {
            if let Some(statuses) = elements(ps.attr("statuses")) {
                if statuses.is_empty() {
                    diags.error_at(
                        p(&["pipeline_step", "statuses"]),
                        "No statuses",
                        "pipeline_step.statuses needs at least one status.",
                    );
                }
                for s in statuses.iter().filter_map(Value::as_str) {
                    if !allowed.contains(&s) {
                        diags.error_at(
                            p(&["pipeline_step", "statuses"]),
                            "Invalid status",
                            format!(
                                "{s:?} is not a {} status. Expected one of: {}.",
                                if step.is_null() {
                                    "pipeline execution"
                                } else {
                                    "step"
                                },
                                allowed.join(", ")
                            ),
                        );
                    }
                }
            }
        }
        // a step of this pipeline must exist
        if let (Some(pipe), Some(this), Some(step), Some(steps)) = (
            ps.attr("pipeline").as_str(),
            this_pipeline,
            step.as_str(),
            steps,
        ) {
            if pipe.eq_ignore_ascii_case(this) && !steps.contains(step) {
                diags.error_at(
                    p(&["pipeline_step", "step"]),
                    "Unknown step",
                    format!(
                        "Pipeline {this} has no step {step:?}. Its steps: {}.",
                        list_or_none(steps)
                    ),
                );
            }
        }
    }
    if let Value::Map(m) = t.attr("parameters") {
        if m.len() > 200 {
            diags.error_at(
                p(&["parameters"]),
                "Too many parameters",
                format!(
                    "EventBridge passes at most 200 pipeline parameters, got {}.",
                    m.len()
                ),
            );
        }
        for (k, v) in m {
            let kp = p(&["parameters"]).child(PathStep::Key(k.clone()));
            if let Some(declared) = params {
                if !declared.contains(k) {
                    diags.error_at(
                        kp.clone(),
                        "Unknown pipeline parameter",
                        format!(
                            "The pipeline declares no parameter {k:?}. Declared: {}.",
                            list_or_none(declared)
                        ),
                    );
                }
            } else if k.is_empty()
                || k.len() > 256
                || !k
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                diags.error_at(
                    kp.clone(),
                    "Invalid pipeline parameter name",
                    format!(
                        "{k:?} is not a valid parameter name (1-256 letters, digits, - and _)."
                    ),
                );
            }
            if v.as_str().is_some_and(|s| s.chars().count() > 1024) {
                diags.error_at(
                    kp,
                    "Parameter value too long",
                    format!("The value of parameter {k:?} is longer than 1024 characters."),
                );
            }
        }
    }
}

fn list_or_none(s: &BTreeSet<String>) -> String {
    if s.is_empty() {
        "(none)".into()
    } else {
        s.iter().cloned().collect::<Vec<_>>().join(", ")
    }
}

fn validate_notification(
    n: &Value,
    base: &[PathStep],
    steps: Option<&BTreeSet<String>>,
    seen: &mut BTreeMap<String, usize>,
    diags: &mut Diagnostics,
) {
    if n.as_object().is_none() {
        return;
    }
    let index = match base.last() {
        Some(PathStep::Index(i)) => *i as usize,
        _ => 0,
    };
    check_block_name(n, base, "notification", seen, index, diags);
    let p = |name: &str| -> AttrPath {
        let mut v = base.to_vec();
        v.push(attr(name));
        AttrPath(v)
    };
    let emails = n.attr("emails");
    let topic = n.attr("topic_arn");
    validate_emails(emails, p("emails"), diags);
    let no_emails = emails.is_null() || elements(emails).is_some_and(|l| l.is_empty());
    if no_emails && topic.is_null() {
        diags.error_at(
            AttrPath(base.to_vec()),
            "Notification without recipients",
            "A notification needs `emails`, `topic_arn` or both.",
        );
    }
    let ex = n.attr("execution_statuses");
    let st = n.attr("step_statuses");
    let empty = |v: &Value| v.is_null() || elements(v).is_some_and(|l| l.is_empty());
    if !ex.is_unknown() && !st.is_unknown() && empty(ex) && empty(st) {
        diags.error_at(
            AttrPath(base.to_vec()),
            "Notification without statuses",
            "A notification needs `execution_statuses`, `step_statuses` or both (e.g. execution_statuses = [\"Failed\"]).",
        );
    }
    let filter = n.attr("steps");
    if let Some(list) = elements(filter) {
        if !st.is_unknown() && empty(st) && !list.is_empty() {
            diags.error_at(
                p("steps"),
                "steps without step_statuses",
                "`steps` filters step events: set `step_statuses` too.",
            );
        }
        if let Some(declared) = steps {
            for s in list.iter().filter_map(Value::as_str) {
                if !declared.contains(s) {
                    diags.error_at(
                        p("steps"),
                        "Unknown step",
                        format!(
                            "The pipeline has no step {s:?}. Its steps: {}.",
                            list_or_none(declared)
                        ),
                    );
                }
            }
        }
    }
    if let Some(m) = n.attr("message").as_str() {
        for cap in PLACEHOLDER_RE.captures_iter(m) {
            let name = &cap[1];
            let ok = matches!(name, "pipeline" | "execution" | "status" | "step")
                || name.starts_with("aws.events.");
            if !ok {
                diags.error_at(
                    p("message"),
                    "Unknown placeholder",
                    format!("<{name}> is not a placeholder; use <pipeline>, <execution>, <status> or <step>."),
                );
            } else if name == "step" && !ex.is_unknown() && !empty(ex) {
                diags.error_at(
                    p("message"),
                    "<step> in an execution notification",
                    "<step> only exists in step events; this notification also sends execution events (execution_statuses). Use a separate notification for steps.",
                );
            }
        }
    }
}

// ------------------------------------------------------------------------------ plan

/// Optional refinement for `mlops_pipeline`'s `modify_plan`: the ARNs of blocks that keep
/// their name stay known in the plan (the framework correlates list blocks by position, so
/// it plans them unknown whenever the pipeline changes), rules of removed status lists are
/// planned null, and a notification whose `topic_arn` was removed from the configuration gets
/// a provider-created topic again. Only unknown planned values are filled in, except that.
pub fn refine_plan(prior: &Value, config: &Value, planned: &mut Value) {
    let pipeline = planned.attr("name").as_str().map(String::from);
    let prior_named = |block: &str| -> BTreeMap<String, Value> {
        elements(prior.attr(block))
            .map(|items| {
                items
                    .iter()
                    .filter_map(|it| Some((it.attr("name").as_str()?.to_string(), it.clone())))
                    .collect()
            })
            .unwrap_or_default()
    };
    let prior_t = prior_named("trigger");
    let prior_n = prior_named("notification");
    let cfg_items = |block: &str| elements(config.attr(block)).map(|x| x.to_vec());
    let Some(obj) = planned.as_object_mut() else {
        return;
    };
    if let Some(Value::List(items)) = obj.get_mut("trigger") {
        for it in items.iter_mut() {
            let Some(name) = it.attr("name").as_str().map(String::from) else {
                continue;
            };
            let Some(prev) = prior_t.get(&name) else {
                continue;
            };
            if let Some(o) = it.as_object_mut() {
                for k in ["rule_arn", "role_arn"] {
                    let pv = prev.attr(k);
                    if o.get(k).is_some_and(Value::is_unknown) && pv.as_str().is_some() {
                        o.insert(k.into(), pv.clone());
                    }
                }
            }
        }
    }
    if let (Some(Value::List(items)), cfg) =
        (obj.get_mut("notification"), cfg_items("notification"))
    {
        for (i, it) in items.iter_mut().enumerate() {
            let Some(name) = it.attr("name").as_str().map(String::from) else {
                continue;
            };
            let c = cfg
                .as_ref()
                .and_then(|c| c.get(i))
                .cloned()
                .unwrap_or(Value::Null);
            if c.attr("name").as_str() != Some(name.as_str()) {
                continue;
            }
            let prev = prior_n.get(&name);
            let Some(o) = it.as_object_mut() else {
                continue;
            };
            for (k, statuses) in [
                ("execution_rule_arn", "execution_statuses"),
                ("step_rule_arn", "step_statuses"),
            ] {
                let s = c.attr(statuses);
                if s.is_unknown() || !o.get(k).is_some_and(Value::is_unknown) {
                    continue;
                }
                if s.is_null() || elements(s).is_some_and(|l| l.is_empty()) {
                    o.insert(k.into(), Value::Null);
                } else if let Some(pv) = prev.map(|p| p.attr(k)).filter(|v| v.as_str().is_some()) {
                    o.insert(k.into(), pv.clone());
                }
            }
            if c.attr("topic_arn").is_null() {
                let owned = pipeline
                    .as_deref()
                    .map(|pn| notification_names(pn, &name).topic);
                let prev_topic = prev.and_then(|p| p.attr("topic_arn").as_str());
                if let (Some(t), Some(owned)) = (prev_topic, owned) {
                    let planned_unknown = o.get("topic_arn").is_some_and(Value::is_unknown);
                    if topic_name(t) != owned {
                        // back from an existing topic to a provider-created one
                        o.insert("topic_arn".into(), Value::UNKNOWN);
                    } else if planned_unknown {
                        o.insert("topic_arn".into(), Value::string(t));
                    }
                }
            }
        }
    }
}

// ------------------------------------------------------------------------------ apply

type Blocks = (Vec<Trigger>, Vec<Notification>);

fn err_d(summary: &str, detail: String) -> Diagnostics {
    Diagnostic::error(summary, detail).into()
}

/// Keep a block list in the desired order, with leftovers (not yet deleted) after it.
fn merged<T: Clone>(
    desired_order: &[String],
    done: &BTreeMap<String, T>,
    leftovers: &[(String, T)],
) -> Vec<T> {
    let mut out: Vec<T> = desired_order
        .iter()
        .filter_map(|n| done.get(n).cloned())
        .collect();
    out.extend(
        leftovers
            .iter()
            .filter(|(n, _)| !desired_order.contains(n))
            .map(|(_, t)| t.clone()),
    );
    out
}

/// Make the owned EventBridge/SNS/IAM objects match `desired`, given what `prior` recorded:
/// create new blocks, update changed ones in place, delete those whose block was removed.
/// Returns the blocks with their computed attributes. On error, returns what exists so far
/// (blocks created or changed so far, blocks not yet deleted) so nothing is orphaned.
pub async fn apply(
    c: &Clients,
    p: &PipelineRef<'_>,
    prior: (&[Trigger], &[Notification]),
    desired: (Vec<Trigger>, Vec<Notification>),
) -> Result<Blocks, (Blocks, Diagnostics)> {
    let (prior_t, prior_n) = prior;
    let (want_t, want_n) = desired;
    let t_order: Vec<String> = want_t.iter().map(|t| t.name.clone()).collect();
    let n_order: Vec<String> = want_n.iter().map(|n| n.name.clone()).collect();
    // What exists, by name: starts as the prior state.
    let mut have_t: BTreeMap<String, Trigger> = prior_t
        .iter()
        .map(|t| (t.name.clone(), t.clone()))
        .collect();
    let mut have_n: BTreeMap<String, Notification> = prior_n
        .iter()
        .map(|n| (n.name.clone(), n.clone()))
        .collect();
    let snapshot = |have_t: &BTreeMap<String, Trigger>, have_n: &BTreeMap<String, Notification>| {
        let lt: Vec<(String, Trigger)> =
            have_t.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        let ln: Vec<(String, Notification)> =
            have_n.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        (merged(&t_order, have_t, &lt), merged(&n_order, have_n, &ln))
    };

    // 1. removed blocks
    for t in prior_t.iter().filter(|t| !t_order.contains(&t.name)) {
        if let Err(d) = delete_trigger(c, p, t).await {
            return Err((snapshot(&have_t, &have_n), d));
        }
        have_t.remove(&t.name);
    }
    for n in prior_n.iter().filter(|n| !n_order.contains(&n.name)) {
        if let Err(d) = delete_notification(c, p, n).await {
            return Err((snapshot(&have_t, &have_n), d));
        }
        have_n.remove(&n.name);
    }
    // 2. new and changed blocks
    for t in want_t {
        let before = have_t.get(&t.name).cloned();
        match ensure_trigger(c, p, before.as_ref(), t).await {
            Ok(done) => {
                have_t.insert(done.name.clone(), done);
            }
            Err((partial, d)) => {
                if let Some(x) = partial {
                    have_t.insert(x.name.clone(), x);
                }
                return Err((snapshot(&have_t, &have_n), d));
            }
        }
    }
    for n in want_n {
        let before = have_n.get(&n.name).cloned();
        match ensure_notification(c, p, before.as_ref(), n).await {
            Ok(done) => {
                have_n.insert(done.name.clone(), done);
            }
            Err((partial, d)) => {
                if let Some(x) = partial {
                    have_n.insert(x.name.clone(), x);
                }
                return Err((snapshot(&have_t, &have_n), d));
            }
        }
    }
    Ok(snapshot(&have_t, &have_n))
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
            .map_err(|e| err_d("Invalid pipeline parameter", e.to_string()))?;
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
        .map_err(|e| err_d("Invalid EventBridge target", e.to_string()))
}

/// Create or update one trigger. The error carries the block as far as it exists.
async fn ensure_trigger(
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
            err_d(
                "Trigger without a kind",
                format!(
                    "Trigger {} needs exactly one of schedule, s3, pipeline_step or model_approved.",
                    want.name
                ),
            ),
        ));
    };
    let Some((_, _, account)) = arn_parts(p.arn) else {
        return Err((
            prior.cloned(),
            err_d(
                "Pipeline ARN unknown",
                format!(
                    "Cannot create trigger {}: the pipeline's ARN {:?} is not an ARN.",
                    want.name, p.arn
                ),
            ),
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
        Kind::Schedule(s) => rule = rule.schedule_expression(s),
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

async fn delete_trigger(c: &Clients, p: &PipelineRef<'_>, t: &Trigger) -> Result<(), Diagnostics> {
    let names = trigger_names(p.name, &t.name);
    delete_rule(c, &names.rule).await?;
    delete_role(c, &names.role).await?;
    tracing::info!(pipeline = %p.name, trigger = %t.name, "trigger deleted");
    Ok(())
}

impl Notification {
    fn inputs(&self) -> Notification {
        Notification {
            execution_rule_arn: None,
            step_rule_arn: None,
            ..self.clone()
        }
    }
    fn execution(&self) -> BTreeSet<ExecutionStatus> {
        self.execution_statuses.clone().unwrap_or_default()
    }
    fn step(&self) -> BTreeSet<StepStatus> {
        self.step_statuses.clone().unwrap_or_default()
    }
}

fn topic_policy(topic_arn: &str, rules: &[String]) -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "MlopsEventBridgePublish",
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": "sns:Publish",
            "Resource": topic_arn,
            "Condition": {"ArnEquals": {"aws:SourceArn": rules}},
        }]
    })
    .to_string()
}

fn notification_target(
    topic: &str,
    pipeline: &str,
    message: Option<&str>,
    step_events: bool,
) -> Result<Target, Diagnostics> {
    let (paths, template) = message_transformer(pipeline, message, step_events);
    let mut t = InputTransformer::builder().input_template(template);
    for (k, v) in paths {
        t = t.input_paths_map(k, v);
    }
    let t = t
        .build()
        .map_err(|e| err_d("Invalid input transformer", e.to_string()))?;
    Target::builder()
        .id(TOPIC_TARGET)
        .arn(topic)
        .input_transformer(t)
        .build()
        .map_err(|e| err_d("Invalid EventBridge target", e.to_string()))
}

/// Create or update one notification. The error carries the block as far as it exists.
async fn ensure_notification(
    c: &Clients,
    p: &PipelineRef<'_>,
    prior: Option<&Notification>,
    want: Notification,
) -> Result<Notification, (Option<Notification>, Diagnostics)> {
    let names = notification_names(p.name, &want.name);
    let owned_arn = topic_arn_for(p, &names.topic).unwrap_or_default();
    let want_owned = want
        .topic_arn
        .as_deref()
        .is_none_or(|a| topic_name(a) == names.topic);
    let prior_topic = prior.and_then(|x| x.topic_arn.clone());
    let prior_owned = prior_topic
        .as_deref()
        .is_some_and(|a| topic_name(a) == names.topic);
    if let Some(prev) = prior {
        let same_topic = if want_owned {
            prior_owned
        } else {
            prev.topic_arn == want.topic_arn
        };
        let want_cmp = Notification {
            topic_arn: prev.topic_arn.clone(),
            ..want.inputs()
        };
        if same_topic
            && prev.inputs() == want_cmp
            && prev.execution().is_empty() == prev.execution_rule_arn.is_none()
            && prev.step().is_empty() == prev.step_rule_arn.is_none()
        {
            return Ok(prev.clone());
        }
    }
    let block = format!("notification.{}", want.name);
    let tags = owned_tags(c, PIPELINE_TAG, p.name, &block);
    let mut cur = match prior {
        Some(prev) => prev.clone(),
        None => Notification {
            emails: None,
            execution_rule_arn: None,
            step_rule_arn: None,
            ..want.clone()
        },
    };
    let fail = |cur: &Notification, d: Diagnostics| (Some(cur.clone()), d);

    // 1. the topic
    let topic = if want_owned {
        if prior_owned {
            prior_topic.clone().unwrap_or(owned_arn)
        } else {
            let out = c
                .sns
                .create_topic()
                .name(&names.topic)
                .set_tags(Some(sns_tags(&tags)).filter(|t| !t.is_empty()))
                .send()
                .await
                .map_err(|e| {
                    (
                        prior.cloned(),
                        Diagnostics::from(service_error("SNS", "CreateTopic", &names.topic, &e)),
                    )
                })?;
            let arn = out.topic_arn().unwrap_or(&owned_arn).to_string();
            tracing::info!(pipeline = %p.name, notification = %want.name, topic = %arn, "SNS topic created");
            let rules: Vec<String> = [&names.execution_rule, &names.step_rule]
                .iter()
                .filter_map(|r| rule_arn_for(p.arn, r))
                .collect();
            // Until the rules point at the new topic, the old one is kept in state.
            let mut with_topic = cur.clone();
            with_topic.topic_arn = Some(arn.clone());
            c.sns
                .set_topic_attributes()
                .topic_arn(&arn)
                .attribute_name("Policy")
                .attribute_value(topic_policy(&arn, &rules))
                .send()
                .await
                .map_err(|e| {
                    fail(
                        &with_topic,
                        service_error("SNS", "SetTopicAttributes", &arn, &e).into(),
                    )
                })?;
            arn
        }
    } else {
        want.topic_arn.clone().unwrap_or_default()
    };
    let old_topic = cur.topic_arn.clone();
    let topic_changed = old_topic.as_deref() != Some(topic.as_str());

    // 2. the rules
    for step_events in [false, true] {
        let (rule_name, has) = if step_events {
            (&names.step_rule, !want.step().is_empty())
        } else {
            (&names.execution_rule, !want.execution().is_empty())
        };
        if !has {
            delete_rule(c, rule_name).await.map_err(|d| fail(&cur, d))?;
            if step_events {
                cur.step_rule_arn = None;
                cur.step_statuses = want.step_statuses.clone();
                cur.steps = want.steps.clone();
            } else {
                cur.execution_rule_arn = None;
                cur.execution_statuses = want.execution_statuses.clone();
            }
            continue;
        }
        let pattern = if step_events {
            step_pattern(p, &want.step(), want.steps.as_ref())
        } else {
            execution_pattern(p, &want.execution())
        };
        let out = c
            .events
            .put_rule()
            .name(rule_name)
            .description(format!(
                "Notifies {} of SageMaker pipeline {} {} (notification {})",
                topic_name(&topic),
                p.name,
                if step_events {
                    "step statuses"
                } else {
                    "execution statuses"
                },
                want.name
            ))
            .event_pattern(pattern.to_string())
            .state(RuleState::Enabled)
            .set_tags(Some(events_tags(&tags)).filter(|t| !t.is_empty()))
            .send()
            .await
            .map_err(|e| {
                fail(
                    &cur,
                    service_error("EventBridge", "PutRule", rule_name, &e).into(),
                )
            })?;
        let arn = out.rule_arn().map(String::from);
        if step_events {
            cur.step_rule_arn = arn;
        } else {
            cur.execution_rule_arn = arn;
        }
        let target = notification_target(&topic, p.name, want.message.as_deref(), step_events)
            .map_err(|d| fail(&cur, d))?;
        put_targets(c, rule_name, vec![target])
            .await
            .map_err(|d| fail(&cur, d))?;
        cur.topic_arn = Some(topic.clone());
        if step_events {
            cur.step_statuses = want.step_statuses.clone();
            cur.steps = want.steps.clone();
        } else {
            cur.execution_statuses = want.execution_statuses.clone();
        }
        cur.message = want.message.clone();
    }
    cur.topic_arn = Some(topic.clone());

    // 3. subscriptions
    let want_emails = want.emails.clone().unwrap_or_default();
    let had_emails = cur.emails.clone().unwrap_or_default();
    if topic_changed {
        for e in &want_emails {
            subscribe(c, &topic, e).await.map_err(|d| fail(&cur, d))?;
        }
        cur.emails = want.emails.clone();
        if let Some(old) = old_topic.as_deref() {
            if topic_name(old) == names.topic {
                delete_topic(c, old).await.map_err(|d| fail(&cur, d))?;
            } else {
                unsubscribe(c, old, &had_emails)
                    .await
                    .map_err(|d| fail(&cur, d))?;
            }
        }
    } else {
        for e in want_emails.difference(&had_emails) {
            subscribe(c, &topic, e).await.map_err(|d| fail(&cur, d))?;
        }
        let removed: BTreeSet<String> = had_emails.difference(&want_emails).cloned().collect();
        unsubscribe(c, &topic, &removed)
            .await
            .map_err(|d| fail(&cur, d))?;
        cur.emails = want.emails.clone();
    }
    cur.name = want.name.clone();
    cur.message = want.message.clone();
    cur.execution_statuses = want.execution_statuses.clone();
    cur.step_statuses = want.step_statuses.clone();
    cur.steps = want.steps.clone();
    tracing::info!(pipeline = %p.name, notification = %want.name, "notification written");
    Ok(cur)
}

async fn delete_notification(
    c: &Clients,
    p: &PipelineRef<'_>,
    n: &Notification,
) -> Result<(), Diagnostics> {
    let names = notification_names(p.name, &n.name);
    delete_rule(c, &names.execution_rule).await?;
    delete_rule(c, &names.step_rule).await?;
    match n.topic_arn.as_deref() {
        Some(t) if topic_name(t) == names.topic => delete_topic(c, t).await?,
        Some(t) => unsubscribe(c, t, &n.emails.clone().unwrap_or_default()).await?,
        None => {
            if let Some(t) = topic_arn_for(p, &names.topic) {
                delete_topic(c, &t).await?;
            }
        }
    }
    tracing::info!(pipeline = %p.name, notification = %n.name, "notification deleted");
    Ok(())
}

// ------------------------------------------------------------------------------ read

struct RemoteRule {
    arn: String,
    description: Option<String>,
    enabled: bool,
    schedule: Option<String>,
    pattern: Option<Json>,
}

async fn describe_rule(c: &Clients, name: &str) -> Result<Option<RemoteRule>, Diagnostics> {
    match c.events.describe_rule().name(name).send().await {
        Ok(r) => Ok(Some(RemoteRule {
            arn: r.arn().unwrap_or_default().to_string(),
            description: r.description().filter(|d| !d.is_empty()).map(String::from),
            enabled: r.state() != Some(&RuleState::Disabled),
            schedule: r
                .schedule_expression()
                .filter(|s| !s.is_empty())
                .map(String::from),
            pattern: r.event_pattern().and_then(|s| serde_json::from_str(s).ok()),
        })),
        Err(e) if is_missing(&e) => Ok(None),
        Err(e) => Err(service_error("EventBridge", "DescribeRule", name, &e).into()),
    }
}

async fn rule_target(c: &Clients, rule: &str, id: &str) -> Result<Option<Target>, Diagnostics> {
    let mut token = None;
    loop {
        let r = match c
            .events
            .list_targets_by_rule()
            .rule(rule)
            .set_next_token(token.take())
            .send()
            .await
        {
            Ok(r) => r,
            Err(e) if is_missing(&e) => return Ok(None),
            Err(e) => {
                return Err(service_error("EventBridge", "ListTargetsByRule", rule, &e).into())
            }
        };
        if let Some(t) = r.targets().iter().find(|t| t.id() == id) {
            return Ok(Some(t.clone()));
        }
        match r.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => return Ok(None),
        }
    }
}

/// Refresh: blocks whose rule, target or role is gone are dropped (the plan re-creates
/// them); changed schedules, patterns, parameters, topics and e-mail subscriptions are
/// reflected so the plan shows the drift.
pub async fn read(
    c: &Clients,
    p: &PipelineRef<'_>,
    current: (Vec<Trigger>, Vec<Notification>),
) -> Result<Blocks, Diagnostics> {
    let (cur_t, cur_n) = current;
    let mut out_t = Vec::with_capacity(cur_t.len());
    for t in cur_t {
        match read_trigger(c, p, &t).await? {
            Some(x) => out_t.push(x),
            None => {
                tracing::info!(pipeline = %p.name, trigger = %t.name, "trigger's rule, target or role is gone; dropping it from state")
            }
        }
    }
    let mut out_n = Vec::with_capacity(cur_n.len());
    for n in cur_n {
        match read_notification(c, p, &n).await? {
            Some(x) => out_n.push(x),
            None => {
                tracing::info!(pipeline = %p.name, notification = %n.name, "notification's rule, target or topic is gone; dropping it from state")
            }
        }
    }
    Ok((out_t, out_n))
}

async fn read_trigger(
    c: &Clients,
    p: &PipelineRef<'_>,
    t: &Trigger,
) -> Result<Option<Trigger>, Diagnostics> {
    let names = trigger_names(p.name, &t.name);
    let Some(rule) = describe_rule(c, &names.rule).await? else {
        return Ok(None);
    };
    let Some(target) = rule_target(c, &names.rule, PIPELINE_TARGET).await? else {
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
        (Some(s), _) => Some(Kind::Schedule(s.clone())),
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
        .map(|sp| {
            sp.pipeline_parameter_list()
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

async fn read_notification(
    c: &Clients,
    p: &PipelineRef<'_>,
    n: &Notification,
) -> Result<Option<Notification>, Diagnostics> {
    let names = notification_names(p.name, &n.name);
    let mut out = n.clone();
    let mut topic = n.topic_arn.clone();
    for step_events in [false, true] {
        let (rule_name, had) = if step_events {
            (
                &names.step_rule,
                n.step_rule_arn.is_some() || !n.step().is_empty(),
            )
        } else {
            (
                &names.execution_rule,
                n.execution_rule_arn.is_some() || !n.execution().is_empty(),
            )
        };
        if !had {
            continue;
        }
        let Some(rule) = describe_rule(c, rule_name).await? else {
            return Ok(None);
        };
        let Some(target) = rule_target(c, rule_name, TOPIC_TARGET).await? else {
            return Ok(None);
        };
        topic = Some(target.arn().to_string());
        let pattern = rule.pattern.unwrap_or(Json::Null);
        if step_events {
            out.step_rule_arn = Some(rule.arn);
            let statuses = statuses_from_pattern(&pattern, STEP_CHANGE, "currentStepStatus")
                .unwrap_or_default();
            out.step_statuses = Some(
                statuses
                    .iter()
                    .filter_map(|s| StepStatus::parse(s))
                    .collect(),
            );
            let steps: Option<BTreeSet<String>> = pattern
                .get("detail")
                .and_then(|d| strings(d.get("stepName")))
                .map(|v| v.into_iter().collect());
            out.steps = match steps {
                None if n.steps.as_ref().is_none_or(|s| s.is_empty()) => n.steps.clone(),
                s => s,
            };
        } else {
            out.execution_rule_arn = Some(rule.arn);
            let statuses =
                statuses_from_pattern(&pattern, EXECUTION_CHANGE, "currentPipelineExecutionStatus")
                    .unwrap_or_default();
            out.execution_statuses = Some(
                statuses
                    .iter()
                    .filter_map(|s| ExecutionStatus::parse(s))
                    .collect(),
            );
        }
        if !rule.enabled {
            // a disabled rule sends nothing: show it as no statuses, so apply re-enables it
            if step_events {
                out.step_statuses = Some(BTreeSet::new());
            } else {
                out.execution_statuses = Some(BTreeSet::new());
            }
        }
        let template = target
            .input_transformer()
            .map(|t| t.input_template().to_string());
        let (_, ours) = message_transformer(p.name, n.message.as_deref(), step_events);
        if template.as_deref() != Some(ours.as_str()) {
            out.message = template
                .and_then(|t| serde_json::from_str::<String>(&t).ok())
                .or_else(|| Some(String::new()));
        }
    }
    let Some(topic) = topic else {
        return Ok(Some(out));
    };
    let owned = topic_name(&topic) == names.topic;
    let subs = email_subscriptions(c, &topic).await?;
    if owned && subs.is_none() {
        return Ok(None);
    }
    let subs = subs.unwrap_or_default();
    let prior = n.emails.clone().unwrap_or_default();
    let emails: BTreeSet<String> = subs
        .iter()
        .filter(|(addr, arn)| prior.contains(*addr) || (owned && arn.is_some()))
        .map(|(a, _)| a.clone())
        .collect();
    out.emails = if emails.is_empty() && n.emails.is_none() {
        None
    } else {
        Some(emails)
    };
    out.topic_arn = Some(topic);
    Ok(Some(out))
}

// ------------------------------------------------------------------------------ delete

/// Delete everything the blocks own (idempotent: missing objects are fine), plus rules
/// tagged for this pipeline that the state lost track of.
pub async fn delete_all(
    c: &Clients,
    p: &PipelineRef<'_>,
    current: (&[Trigger], &[Notification]),
) -> Result<(), Diagnostics> {
    let (ts, ns) = current;
    for t in ts {
        delete_trigger(c, p, t).await?;
    }
    for n in ns {
        delete_notification(c, p, n).await?;
    }
    sweep(c, p).await
}

/// Rules named for this pipeline and tagged with it, left by blocks dropped from state
/// (their roles have the rule's name).
async fn sweep(c: &Clients, p: &PipelineRef<'_>) -> Result<(), Diagnostics> {
    let prefix = format!("mlops_{}_", p.name);
    if prefix.len() > MAX_RULE - 13 {
        return Ok(());
    }
    let mut token = None;
    let mut found = Vec::new();
    loop {
        let r = c
            .events
            .list_rules()
            .name_prefix(&prefix)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| service_error("EventBridge", "ListRules", &prefix, &e))?;
        found.extend(
            r.rules()
                .iter()
                .filter_map(|x| Some((x.name()?.to_string(), x.arn()?.to_string()))),
        );
        match r.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => break,
        }
    }
    for (name, arn) in found {
        let tags = match c
            .events
            .list_tags_for_resource()
            .resource_arn(&arn)
            .send()
            .await
        {
            Ok(t) => t.tags().to_vec(),
            Err(e) if is_missing(&e) => continue,
            Err(e) => {
                return Err(service_error("EventBridge", "ListTagsForResource", &arn, &e).into())
            }
        };
        let ours = tags
            .iter()
            .any(|t| t.key() == PIPELINE_TAG && t.value() == p.name);
        if !ours {
            continue;
        }
        tracing::info!(pipeline = %p.name, rule = %name, "deleting a leftover rule of this pipeline");
        delete_rule(c, &name).await?;
        if name.contains("_trigger_") {
            delete_role(c, &name).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH_OF_MLOPS: u64 = 0xbee3_a77b_5edb_d4d8;

    fn pref() -> PipelineRef<'static> {
        PipelineRef {
            name: "Churn-Train",
            arn: "arn:aws:sagemaker:eu-west-1:123456789012:pipeline/churn-train",
        }
    }

    #[test]
    fn schedules() {
        for ok in [
            "cron(0 3 * * ? *)",
            "cron(0/15 * * * ? *)",
            "cron(*/5 8-17 ? * MON-FRI *)",
            "cron(0 12 ? * 2#1 *)",
            "cron(0 12 L * ? *)",
            "cron(0 12 15W * ? *)",
            "cron(0 12 LW * ? *)",
            "cron(0 12 ? * 6L *)",
            "cron(0 12 ? * L *)",
            "cron(0 0 1 JAN,jul ? 2025-2030)",
            "cron(15 10 ? * 6 2030)",
            "cron(0,30 1,13 ? * SUN *)",
            "rate(1 minute)",
            "rate(5 minutes)",
            "rate(1 hour)",
            "rate(12 hours)",
            "rate(1 day)",
            "rate(7 days)",
        ] {
            assert_eq!(check_schedule(ok), Ok(()), "{ok}");
        }
        for (bad, why) in [
            ("cron(0 3 * * *)", "needs 6"),
            ("cron(0 3 * * * *)", "exactly one of day-of-month"),
            ("cron(0 3 ? * ? *)", "exactly one of day-of-month"),
            ("cron(60 3 * * ? *)", "outside 0-59"),
            ("cron(0 24 * * ? *)", "outside 0-23"),
            ("cron(0 3 0 * ? *)", "outside 1-31"),
            ("cron(0 3 * 13 ? *)", "outside 1-12"),
            ("cron(0 3 ? * 8 *)", "outside 1-7"),
            ("cron(0 3 ? * MOO *)", "1-7 or SUN-SAT"),
            ("cron(0 3 * FOO ? *)", "1-12 or JAN-DEC"),
            ("cron(0 3 * * ? 1969)", "outside 1970-2199"),
            ("cron(? 3 * * ? *)", "only allowed in day-of-month"),
            ("cron(0/0 3 * * ? *)", "increment"),
            ("cron(0/61 3 * * ? *)", "increment"),
            ("cron(0 3 ? * 2#6 *)", "1-5"),
            ("cron(0 3 1,,2 * ? *)", "empty list element"),
            ("cron(0 3 32W * ? *)", "outside 1-31"),
            ("rate(0 minutes)", "positive"),
            ("rate(1 minutes)", "singular"),
            ("rate(5 minute)", "plural"),
            ("rate(5 weeks)", "unit"),
            ("rate(05 minutes)", "positive"),
            ("rate(5  minutes)", "one space"),
            ("rate(-1 day)", "positive"),
            ("daily", "not a schedule expression"),
            ("cron 0 3 * * ? *", "not a schedule expression"),
        ] {
            let e = check_schedule(bad).expect_err(bad);
            assert!(e.contains(why), "{bad}: {e}");
        }
    }

    #[test]
    fn names_are_deterministic_and_bounded() {
        let n = trigger_names("churn-train", "nightly");
        assert_eq!(n.rule, "mlops_churn-train_trigger_nightly");
        assert_eq!(n.role, n.rule);
        let long = "p".repeat(200);
        let a = trigger_names(&long, "nightly");
        let b = trigger_names(&long, "nightly2");
        assert!(a.rule.len() <= 64 && b.rule.len() <= 64, "{}", a.rule);
        assert_ne!(a.rule, b.rule);
        assert_eq!(a, trigger_names(&long, "nightly"));
        assert!(a.rule.starts_with("mlops_ppp"));
        let re = Regex::new(r"^[\.\-_A-Za-z0-9]+$").unwrap();
        assert!(re.is_match(&a.rule));
        let nn = notification_names(&"p".repeat(256), "failures");
        assert!(nn.execution_rule.len() <= 64 && nn.step_rule.len() <= 64);
        assert_ne!(nn.execution_rule, nn.step_rule);
        assert_eq!(nn.topic.len(), 256);
        assert!(Regex::new(r"^[A-Za-z0-9_\-]{1,256}$")
            .unwrap()
            .is_match(&nn.topic));
        // no collision between hyphenated pipeline and block names
        assert_ne!(
            trigger_names("a-trigger", "x").rule,
            trigger_names("a", "trigger-x").rule
        );
        // the hash is stable across builds and machines (pinned value)
        assert_eq!(crate::aws::stable_hash("mlops"), HASH_OF_MLOPS);
    }

    #[test]
    fn other_pipeline_arns_are_lower_case() {
        let p = pref();
        assert_eq!(pipeline_arn(&p, "churn-TRAIN"), p.arn);
        assert_eq!(
            pipeline_arn(&p, "Feature-Build"),
            "arn:aws:sagemaker:eu-west-1:123456789012:pipeline/feature-build"
        );
    }

    fn trig(kind: Kind) -> Trigger {
        let mut t = Trigger {
            name: "t".into(),
            description: None,
            enabled: Some(true),
            parameters: None,
            schedule: None,
            s3: None,
            pipeline_step: None,
            model_approved: None,
            rule_arn: None,
            role_arn: None,
        };
        t.set_kind(Some(kind));
        t
    }

    #[test]
    fn patterns_round_trip() {
        let p = pref();
        let kinds = vec![
            Kind::S3(S3Trigger {
                bucket: "data".into(),
                prefix: None,
                suffix: None,
            }),
            Kind::S3(S3Trigger {
                bucket: "data".into(),
                prefix: Some("in/".into()),
                suffix: None,
            }),
            Kind::S3(S3Trigger {
                bucket: "data".into(),
                prefix: None,
                suffix: Some(".csv".into()),
            }),
            Kind::S3(S3Trigger {
                bucket: "data".into(),
                prefix: Some("in*\\/".into()),
                suffix: Some(".csv".into()),
            }),
            Kind::PipelineStep(PipelineStepTrigger {
                pipeline: "Feature-Build".into(),
                step: None,
                statuses: Some(["Succeeded".to_string()].into_iter().collect()),
            }),
            Kind::PipelineStep(PipelineStepTrigger {
                pipeline: "Churn-Train".into(),
                step: Some("Train".into()),
                statuses: Some(
                    ["Failed".to_string(), "Stopped".to_string()]
                        .into_iter()
                        .collect(),
                ),
            }),
            Kind::ModelApproved(ModelApprovedTrigger {
                model_package_group: "churn".into(),
            }),
        ];
        for k in kinds {
            let pat = trigger_pattern(&k, &p).unwrap();
            let back = kind_from_pattern(&pat, &p, &trig(k.clone()));
            assert_eq!(back, Some(k.clone()), "{pat}");
            // without the user's spelling, names come from the ARN
            let blank = trig(Kind::Schedule("rate(1 day)".into()));
            assert!(kind_from_pattern(&pat, &p, &blank).is_some());
        }
        assert_eq!(
            trigger_pattern(&Kind::Schedule("rate(1 day)".into()), &p),
            None
        );
    }

    #[test]
    fn pattern_shapes() {
        let p = pref();
        let s3 = trigger_pattern(
            &Kind::S3(S3Trigger {
                bucket: "data".into(),
                prefix: Some("in/".into()),
                suffix: Some(".csv".into()),
            }),
            &p,
        )
        .unwrap();
        assert_eq!(
            s3,
            json!({"source": ["aws.s3"], "detail-type": ["Object Created"],
                   "detail": {"bucket": {"name": ["data"]}, "object": {"key": [{"wildcard": "in/*.csv"}]}}})
        );
        let step = trigger_pattern(
            &Kind::PipelineStep(PipelineStepTrigger {
                pipeline: "Other".into(),
                step: Some("Train".into()),
                statuses: None,
            }),
            &p,
        )
        .unwrap();
        assert_eq!(
            step["detail"],
            json!({"pipelineArn": ["arn:aws:sagemaker:eu-west-1:123456789012:pipeline/other"],
                   "stepName": ["Train"], "currentStepStatus": ["Failed"]})
        );
        assert_eq!(step["detail-type"], json!([STEP_CHANGE]));
        let approved = trigger_pattern(
            &Kind::ModelApproved(ModelApprovedTrigger {
                model_package_group: "churn".into(),
            }),
            &p,
        )
        .unwrap();
        assert_eq!(
            approved,
            json!({"source": ["aws.sagemaker"], "detail-type": ["SageMaker Model Package State Change"],
                   "detail": {"ModelPackageGroupName": ["churn"], "ModelApprovalStatus": ["Approved"]}})
        );
        // a pattern changed by hand is not mistaken for ours
        let mut changed = approved.clone();
        changed["detail"]["ModelApprovalStatus"] = json!(["Rejected"]);
        assert_eq!(
            kind_from_pattern(&changed, &p, &trig(Kind::Schedule("x".into()))),
            None
        );
        let ex = execution_pattern(
            &p,
            &[ExecutionStatus::Failed, ExecutionStatus::Stopped]
                .into_iter()
                .collect(),
        );
        assert_eq!(
            statuses_from_pattern(&ex, EXECUTION_CHANGE, "currentPipelineExecutionStatus"),
            Some(vec!["Stopped".into(), "Failed".into()])
        );
        let st = step_pattern(
            &p,
            &[StepStatus::Failed].into_iter().collect(),
            Some(&["Train".to_string()].into_iter().collect()),
        );
        assert_eq!(st["detail"]["stepName"], json!(["Train"]));
    }

    #[test]
    fn wildcard_escaping() {
        for (a, b) in [("in/", ".csv"), ("a*b", "c\\d"), ("", "x"), ("**", "")] {
            let w = format!("{}*{}", wildcard_escape(a), wildcard_escape(b));
            assert_eq!(
                wildcard_split(&w),
                Some((a.to_string(), b.to_string())),
                "{w}"
            );
        }
        assert_eq!(wildcard_split("a*b*c"), None);
        assert_eq!(wildcard_split("abc"), None);
    }

    #[test]
    fn messages() {
        let (paths, t) = message_transformer("churn", None, true);
        assert_eq!(
            t,
            "\"Pipeline churn execution <execution>: step <step> is now <status>.\""
        );
        assert_eq!(paths["step"], "$.detail.stepName");
        assert_eq!(paths["status"], "$.detail.currentStepStatus");
        let (paths, t) =
            message_transformer("churn", Some("Say \"hi\"\n<status> <pipeline>"), false);
        assert_eq!(t, "\"Say \\\"hi\\\"\\n<status> <pipeline>\"");
        assert_eq!(paths.len(), 2);
        assert_eq!(paths["status"], "$.detail.currentPipelineExecutionStatus");
    }

    fn obj(pairs: Vec<(&str, Value)>) -> Value {
        Value::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }
    fn s(x: &str) -> Value {
        Value::string(x)
    }
    fn set(xs: &[&str]) -> Value {
        Value::Set(xs.iter().map(|x| s(x)).collect())
    }

    fn paths(d: &Diagnostics) -> Vec<String> {
        d.0.iter()
            .map(|x| {
                format!(
                    "{}: {}",
                    x.path.as_ref().map(|p| p.to_string()).unwrap_or_default(),
                    x.summary
                )
            })
            .collect()
    }

    #[test]
    fn validation_paths() {
        let cfg = obj(vec![
            ("name", s("churn")),
            (
                "trigger",
                Value::List(vec![
                    obj(vec![
                        ("name", s("nightly")),
                        ("schedule", s("cron(0 3 * * *)")),
                    ]),
                    obj(vec![
                        ("name", s("nightly")),
                        ("schedule", s("rate(1 day)")),
                        ("model_approved", obj(vec![("model_package_group", s("g"))])),
                    ]),
                    obj(vec![("name", s("none"))]),
                    obj(vec![
                        ("name", s("p")),
                        ("schedule", s("rate(1 day)")),
                        (
                            "parameters",
                            Value::Map(
                                [("Nope".to_string(), s("1")), ("Known".to_string(), s("2"))]
                                    .into_iter()
                                    .collect(),
                            ),
                        ),
                    ]),
                    obj(vec![
                        ("name", s("step")),
                        (
                            "pipeline_step",
                            obj(vec![
                                ("pipeline", s("churn")),
                                ("step", s("Missing")),
                                ("statuses", set(&["Starting", "Bogus"])),
                            ]),
                        ),
                    ]),
                    obj(vec![
                        ("name", s("exec")),
                        (
                            "pipeline_step",
                            obj(vec![
                                ("pipeline", s("other")),
                                ("step", Value::Null),
                                ("statuses", set(&["Starting"])),
                            ]),
                        ),
                    ]),
                    obj(vec![("name", s("later")), ("schedule", Value::UNKNOWN)]),
                ]),
            ),
            (
                "notification",
                Value::List(vec![
                    obj(vec![
                        ("name", s("a")),
                        ("emails", set(&["not-an-email"])),
                        ("execution_statuses", set(&["Failed"])),
                    ]),
                    obj(vec![("name", s("b")), ("step_statuses", Value::Null)]),
                    obj(vec![
                        ("name", s("c")),
                        ("topic_arn", s("arn:aws:sns:us-east-1:123456789012:t")),
                        ("execution_statuses", set(&["Failed"])),
                        ("steps", set(&["Train", "Ghost"])),
                        ("message", s("<step> failed: <reason>")),
                    ]),
                    obj(vec![
                        ("name", s("c")),
                        ("emails", set(&["a@b.co"])),
                        ("step_statuses", set(&["Failed"])),
                    ]),
                ]),
            ),
        ]);
        let params: BTreeSet<String> = ["Known".to_string()].into_iter().collect();
        let steps: BTreeSet<String> = ["Train".to_string()].into_iter().collect();
        let mut d = Diagnostics::new();
        validate(&cfg, Some(&params), Some(&steps), &mut d);
        let got = paths(&d);
        for want in [
            "trigger[0].schedule: Invalid schedule",
            "trigger[1].name: Duplicate trigger name",
            "trigger[1].model_approved: Conflicting trigger kinds",
            "trigger[2]: Trigger without a kind",
            "trigger[3].parameters[\"Nope\"]: Unknown pipeline parameter",
            "trigger[4].pipeline_step.step: Unknown step",
            "trigger[4].pipeline_step.statuses: Invalid status",
            "trigger[5].pipeline_step.statuses: Invalid status",
            "notification[0].emails: Invalid e-mail address",
            "notification[1]: Notification without recipients",
            "notification[1]: Notification without statuses",
            "notification[2].steps: steps without step_statuses",
            "notification[2].steps: Unknown step",
            "notification[2].message: Unknown placeholder",
            "notification[2].message: <step> in an execution notification",
            "notification[3].name: Duplicate notification name",
        ] {
            assert!(
                got.iter().any(|g| g == want),
                "missing {want:?} in {got:#?}"
            );
        }
        assert_eq!(got.len(), 16, "{got:#?}");
        // without declared parameters/steps (raw definition), those checks are skipped
        let mut d = Diagnostics::new();
        validate(&cfg, None, None, &mut d);
        let got = paths(&d);
        assert!(!got
            .iter()
            .any(|g| g.contains("Unknown pipeline parameter") || g.contains("Unknown step")));
    }

    #[test]
    fn apply_diff_keeps_unchanged_blocks() {
        let mut a = trig(Kind::Schedule("rate(1 day)".into()));
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
        // merge keeps the desired order, then what still exists
        let done: BTreeMap<String, u8> = [
            ("b".to_string(), 2),
            ("a".to_string(), 1),
            ("z".to_string(), 9),
        ]
        .into_iter()
        .collect();
        let left = vec![("z".to_string(), 9)];
        assert_eq!(
            merged(&["b".to_string(), "a".to_string()], &done, &left),
            vec![2, 1, 9]
        );
    }

    #[test]
    fn refine_plan_matches_by_name() {
        let tr = |name: &str, arn: Value| {
            obj(vec![
                ("name", s(name)),
                ("rule_arn", arn.clone()),
                ("role_arn", arn),
            ])
        };
        let prior = obj(vec![
            ("name", s("churn")),
            (
                "trigger",
                Value::List(vec![tr("a", s("arn:a")), tr("b", s("arn:b"))]),
            ),
            (
                "notification",
                Value::List(vec![obj(vec![
                    ("name", s("n")),
                    (
                        "topic_arn",
                        s("arn:aws:sns:us-east-1:123456789012:external"),
                    ),
                    ("execution_rule_arn", s("arn:x")),
                    ("step_rule_arn", Value::Null),
                ])]),
            ),
        ]);
        let config = obj(vec![
            ("name", s("churn")),
            ("trigger", Value::List(vec![tr("b", Value::Null)])),
            (
                "notification",
                Value::List(vec![obj(vec![
                    ("name", s("n")),
                    ("topic_arn", Value::Null),
                    ("execution_statuses", set(&["Failed"])),
                    ("step_statuses", Value::Null),
                ])]),
            ),
        ]);
        let mut planned = obj(vec![
            ("name", s("churn")),
            ("trigger", Value::List(vec![tr("b", Value::UNKNOWN)])),
            (
                "notification",
                Value::List(vec![obj(vec![
                    ("name", s("n")),
                    (
                        "topic_arn",
                        s("arn:aws:sns:us-east-1:123456789012:external"),
                    ),
                    ("execution_rule_arn", Value::UNKNOWN),
                    ("step_rule_arn", Value::UNKNOWN),
                ])]),
            ),
        ]);
        refine_plan(&prior, &config, &mut planned);
        let t0 = &elements(planned.attr("trigger")).unwrap()[0];
        assert_eq!(t0.attr("rule_arn"), &s("arn:b"));
        let n0 = &elements(planned.attr("notification")).unwrap()[0];
        assert_eq!(n0.attr("execution_rule_arn"), &s("arn:x"));
        assert_eq!(n0.attr("step_rule_arn"), &Value::Null);
        assert!(
            n0.attr("topic_arn").is_unknown(),
            "external topic removed: owned one planned"
        );
    }

    /// The futures run inside the resource's async_trait methods: they must be Send.
    #[test]
    fn futures_are_send() {
        fn is_send<T: Send>(_: &T) {}
        let c: Option<&Clients> = None;
        if let Some(c) = c {
            let p = PipelineRef { name: "", arn: "" };
            is_send(&apply(c, &p, (&[], &[]), (vec![], vec![])));
            is_send(&read(c, &p, (vec![], vec![])));
            is_send(&delete_all(c, &p, (&[], &[])));
        }
    }

    #[test]
    fn policies() {
        let p = trigger_policy("arn:aws:sagemaker:us-east-1:123456789012:pipeline/x");
        assert!(crate::aws::same_json(&p, &crate::aws::percent_encode(&p)));
        let doc: Json = serde_json::from_str(&p).unwrap();
        assert_eq!(
            doc["Statement"][0]["Action"],
            "sagemaker:StartPipelineExecution"
        );
        assert_eq!(doc["Statement"].as_array().unwrap().len(), 1);
        let tp = topic_policy("arn:aws:sns:us-east-1:1:t", &["arn:r1".into()]);
        assert!(tp.contains("events.amazonaws.com") && tp.contains("arn:r1"));
    }
}
