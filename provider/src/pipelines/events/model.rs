//! The `trigger` and `notification` blocks as Terraform sees them (schema and docs), with
//! the small accessors the rest of `events` works with.

use std::collections::{BTreeMap, BTreeSet};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Trigger and notification names: 1-32 letters, digits and hyphens inside.
pub const BLOCK_NAME: &str = r"^[a-zA-Z0-9](-*[a-zA-Z0-9])*$";

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
    pub(super) fn parse(s: &str) -> Option<Self> {
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
    pub(super) fn parse(s: &str) -> Option<Self> {
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

impl Notification {
    pub(super) fn inputs(&self) -> Notification {
        Notification {
            execution_rule_arn: None,
            step_rule_arn: None,
            ..self.clone()
        }
    }
    pub(super) fn execution(&self) -> BTreeSet<ExecutionStatus> {
        self.execution_statuses.clone().unwrap_or_default()
    }
    pub(super) fn step(&self) -> BTreeSet<StepStatus> {
        self.step_statuses.clone().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipelines::events::test_support::trigger_of;

    #[test]
    fn unchanged_inputs_ignore_computed_attributes() {
        let mut a = trigger_of(TriggerKind::Schedule("rate(1 day)".into()));
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
}
