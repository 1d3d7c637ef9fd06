//! Triggers and notifications of `mlops_pipeline`: the `trigger` and `notification` blocks,
//! realised as EventBridge rules (plus an IAM role per trigger and, unless an existing topic
//! is given, an SNS topic per notification) that the pipeline resource owns.
//!
//! Owned objects have deterministic names derived from the pipeline and block names
//! ([`owned_name`]), are tagged `mlops:pipeline` = pipeline name and `mlops:block` =
//! `trigger.<name>` / `notification.<name>`, are updated in place when a block changes and
//! deleted when the block is removed or the pipeline destroyed.

//!
//! | File | Holds |
//! | --- | --- |
//! | [`model`] | the `trigger` and `notification` blocks (schema and docs) |
//! | [`triggers`] | the `trigger` block; its rule, role and target |
//! | [`notifications`] | the `notification` block; its rules, topic and subscriptions |
//! | [`patterns`] | the event patterns the blocks write, and the blocks read back from them |
//! | [`schedule`] | schedule expressions (`cron(...)`, `rate(...)`) |
//! | [`validate`] | plan-time checks of the blocks |
//! | [`plan`] | plan refinement: computed ARNs of unchanged blocks stay known |
//!
//! This file applies, reads and deletes the blocks of one pipeline together.

pub mod model;
pub mod notifications;
pub mod patterns;
pub mod plan;
pub mod schedule;
pub mod triggers;
pub mod validate;

use std::collections::BTreeMap;

use aws_sdk_eventbridge::operation::describe_rule::DescribeRuleOutput;
use aws_sdk_eventbridge::types::{RuleState, Target};
use mlops_framework::{CancellationToken, Diagnostic, Diagnostics, Value};
use serde_json::Value as Json;

use crate::aws::{
    delete_role, delete_rule, delete_topic, found_in, owned_name, service_error, Clients, ROLE_PATH,
};
pub use model::{ExecutionStatus, Notification, StepStatus, Trigger, TriggerKind, BLOCK_NAME};
use notifications::{delete_notification, ensure_notification, read_notification};
pub use plan::refine_plan;
use triggers::{delete_trigger, ensure_trigger, read_trigger};
pub use validate::validate;

/// Tag naming the pipeline an owned object belongs to.
pub const PIPELINE_TAG: &str = "mlops:pipeline";

/// Longest EventBridge rule name.
const MAX_RULE: usize = 64;
/// Longest IAM role name.
const MAX_ROLE: usize = 64;
/// Longest SNS topic name.
const MAX_TOPIC: usize = 256;

/// The pipeline the blocks belong to.
pub struct PipelineRef<'a> {
    pub name: &'a str,
    pub arn: &'a str,
}

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

/// The elements of a known list/set value (`None` when unknown or null).
fn elements(v: &Value) -> Option<&[Value]> {
    match v {
        Value::List(x) | Value::Set(x) | Value::Tuple(x) => Some(x),
        _ => None,
    }
}

/// An EventBridge rule as a block reads it back.
struct RemoteRule {
    arn: String,
    description: Option<String>,
    enabled: bool,
    schedule: Option<String>,
    pattern: Option<Json>,
}

/// The EventBridge rule named `name`, `None` when there is none.
async fn find_rule(c: &Clients, name: &str) -> Result<Option<DescribeRuleOutput>, Diagnostics> {
    found_in(
        "EventBridge",
        "DescribeRule",
        name,
        c.events.describe_rule().name(name).send().await,
    )
}

/// The rule named `name` as a block reads it, `None` when there is none.
async fn read_rule(c: &Clients, name: &str) -> Result<Option<RemoteRule>, Diagnostics> {
    Ok(find_rule(c, name).await?.map(|r| RemoteRule {
        arn: r.arn().unwrap_or_default().to_string(),
        description: r.description().filter(|d| !d.is_empty()).map(String::from),
        enabled: r.state() != Some(&RuleState::Disabled),
        schedule: r
            .schedule_expression()
            .filter(|s| !s.is_empty())
            .map(String::from),
        pattern: r.event_pattern().and_then(|s| serde_json::from_str(s).ok()),
    }))
}

/// The target `id` of rule `rule`, `None` when the rule or the target is gone.
async fn find_rule_target(
    c: &Clients,
    rule: &str,
    id: &str,
) -> Result<Option<Target>, Diagnostics> {
    let mut token = None;
    loop {
        let answer = c
            .events
            .list_targets_by_rule()
            .rule(rule)
            .set_next_token(token.take())
            .send()
            .await;
        let Some(r) = found_in("EventBridge", "ListTargetsByRule", rule, answer)? else {
            return Ok(None);
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

/// A request that could not be built from a block (an SDK builder's error).
fn builder_error(summary: &str, e: impl std::fmt::Display) -> Diagnostics {
    Diagnostic::error(summary, e.to_string()).into()
}

/// The blocks of a pipeline, as they exist.
type Blocks = (Vec<Trigger>, Vec<Notification>);

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
/// Owned objects found under their names (an interrupted apply made them) are adopted and
/// converged; `cancel` (StopProvider) ends the waits for IAM.
pub async fn apply(
    c: &Clients,
    cancel: &CancellationToken,
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
        match ensure_trigger(c, cancel, p, before.as_ref(), t).await {
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
        match ensure_notification(c, cancel, p, before.as_ref(), n).await {
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

/// Rules, trigger roles and notification topics named for this pipeline and tagged with
/// it, left by blocks dropped from state (an interrupted destroy or update deleted part of
/// a block; the refresh then dropped it).
async fn sweep(c: &Clients, p: &PipelineRef<'_>) -> Result<(), Diagnostics> {
    let prefix = format!("mlops_{}_", p.name);
    if prefix.len() > MAX_RULE - 13 {
        return Ok(());
    }
    let mut token = None;
    let mut rules = Vec::new();
    loop {
        let r = c
            .events
            .list_rules()
            .name_prefix(&prefix)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| service_error("EventBridge", "ListRules", &prefix, &e))?;
        rules.extend(
            r.rules()
                .iter()
                .filter_map(|x| Some((x.name()?.to_string(), x.arn()?.to_string()))),
        );
        match r.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => break,
        }
    }
    for (name, arn) in rules {
        let answer = c
            .events
            .list_tags_for_resource()
            .resource_arn(&arn)
            .send()
            .await;
        let Some(tags) = found_in("EventBridge", "ListTagsForResource", &arn, answer)? else {
            continue;
        };
        if !tagged_for(p, tags.tags().iter().map(|t| (t.key(), t.value()))) {
            continue;
        }
        tracing::info!(pipeline = %p.name, rule = %name, "deleting a leftover rule of this pipeline");
        delete_rule(c, &name).await?;
        if name.contains("_trigger_") {
            delete_role(c, &name).await?;
        }
    }
    sweep_roles(c, p, &format!("{prefix}trigger_")).await?;
    sweep_topics(c, p, &format!("{prefix}notify_")).await
}

/// Whether owned-object tags name this pipeline.
fn tagged_for<'t>(p: &PipelineRef<'_>, mut tags: impl Iterator<Item = (&'t str, &'t str)>) -> bool {
    tags.any(|(k, v)| k == PIPELINE_TAG && v == p.name)
}

/// Trigger roles of this pipeline whose rule is gone (a destroy interrupted between the
/// two left them, and the refresh dropped their block from state).
async fn sweep_roles(c: &Clients, p: &PipelineRef<'_>, prefix: &str) -> Result<(), Diagnostics> {
    let mut marker = None;
    let mut names = Vec::new();
    loop {
        let r = c
            .iam
            .list_roles()
            .path_prefix(ROLE_PATH)
            .set_marker(marker.take())
            .send()
            .await
            .map_err(|e| service_error("IAM", "ListRoles", ROLE_PATH, &e))?;
        names.extend(
            r.roles()
                .iter()
                .map(|x| x.role_name().to_string())
                .filter(|n| n.starts_with(prefix)),
        );
        match r.marker() {
            Some(m) if r.is_truncated() => marker = Some(m.to_string()),
            _ => break,
        }
    }
    for name in names {
        let answer = c.iam.list_role_tags().role_name(&name).send().await;
        let Some(tags) = found_in("IAM", "ListRoleTags", &name, answer)? else {
            continue;
        };
        if tagged_for(p, tags.tags().iter().map(|t| (t.key(), t.value()))) {
            tracing::info!(pipeline = %p.name, role = %name, "deleting a leftover role of this pipeline");
            delete_role(c, &name).await?;
        }
    }
    Ok(())
}

/// Notification topics of this pipeline whose rules are gone (left like the roles above).
async fn sweep_topics(c: &Clients, p: &PipelineRef<'_>, prefix: &str) -> Result<(), Diagnostics> {
    let mut token = None;
    let mut arns = Vec::new();
    loop {
        let r = c
            .sns
            .list_topics()
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| service_error("SNS", "ListTopics", prefix, &e))?;
        arns.extend(
            r.topics()
                .iter()
                .filter_map(|t| t.topic_arn())
                .filter(|a| notifications::topic_name(a).starts_with(prefix))
                .map(String::from),
        );
        match r.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => break,
        }
    }
    for arn in arns {
        let answer = c
            .sns
            .list_tags_for_resource()
            .resource_arn(&arn)
            .send()
            .await;
        let Some(tags) = found_in("SNS", "ListTagsForResource", &arn, answer)? else {
            continue;
        };
        if tagged_for(p, tags.tags().iter().map(|t| (t.key(), t.value()))) {
            tracing::info!(pipeline = %p.name, topic = %arn, "deleting a leftover topic of this pipeline");
            delete_topic(c, &arn).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Fixtures shared by the unit tests of the blocks.

    use mlops_framework::Value;

    use super::model::{Trigger, TriggerKind};
    use super::PipelineRef;

    pub fn churn_train() -> PipelineRef<'static> {
        PipelineRef {
            name: "Churn-Train",
            arn: "arn:aws:sagemaker:eu-west-1:123456789012:pipeline/churn-train",
        }
    }

    /// A trigger named `t` of this kind.
    pub fn trigger_of(kind: TriggerKind) -> Trigger {
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

    pub fn object(pairs: Vec<(&str, Value)>) -> Value {
        Value::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }

    pub fn string(x: &str) -> Value {
        Value::string(x)
    }

    pub fn string_set(xs: &[&str]) -> Value {
        Value::Set(xs.iter().map(|x| string(x)).collect())
    }
}

#[cfg(test)]
mod tests {
    use regex::Regex;

    use super::*;

    const HASH_OF_MLOPS: u64 = 0xbee3_a77b_5edb_d4d8;

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
    fn merged_keeps_the_desired_order_then_leftovers() {
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

    /// The futures run inside the resource's async_trait methods: they must be Send.
    #[test]
    fn futures_are_send() {
        fn is_send<T: Send>(_: &T) {}
        let c: Option<&Clients> = None;
        if let Some(c) = c {
            let p = PipelineRef { name: "", arn: "" };
            let cancel = CancellationToken::new();
            is_send(&apply(c, &cancel, &p, (&[], &[]), (vec![], vec![])));
            is_send(&read(c, &p, (vec![], vec![])));
            is_send(&delete_all(c, &p, (&[], &[])));
        }
    }
}
