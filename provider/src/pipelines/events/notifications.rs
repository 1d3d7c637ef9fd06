//! The `notification` block: one EventBridge rule per kind of status event (executions,
//! steps) whose target publishes a plain-text message to an SNS topic (owned by the block
//! unless `topic_arn` names an existing one), and the e-mail subscriptions of that topic.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use aws_sdk_eventbridge::types::{InputTransformer, RuleState, Target};
use mlops_framework::{CancellationToken, Diagnostics};
use regex::Regex;
use serde_json::{json, Value as Json};

use super::model::{ExecutionStatus, Notification, StepStatus};
use super::patterns::{
    execution_pattern, statuses_from_pattern, step_pattern, strings, EXECUTION_CHANGE, STEP_CHANGE,
};
use super::{
    builder_error, find_rule_target, notification_names, read_rule, PipelineRef, PIPELINE_TAG,
};
use crate::aws::{
    arn_parts, delete_rule, delete_topic, email_subscriptions, ensure_topic, events_tags,
    owned_tags, put_targets, rule_arn_for, service_error, subscribe, unsubscribe, Clients,
};

/// The target id of a notification's rules.
const TOPIC_TARGET: &str = "sns-topic";

/// The status events one rule of a notification carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusEvents {
    /// Pipeline execution status changes (`execution_statuses`).
    Execution,
    /// Step status changes (`step_statuses`).
    Step,
}

impl StatusEvents {
    /// Both rules, execution first.
    const BOTH: [StatusEvents; 2] = [StatusEvents::Execution, StatusEvents::Step];
}

fn topic_arn_for(p: &PipelineRef<'_>, topic: &str) -> Option<String> {
    let (partition, region, account) = arn_parts(p.arn)?;
    Some(format!("arn:{partition}:sns:{region}:{account}:{topic}"))
}

pub(super) fn topic_name(arn: &str) -> &str {
    arn.rsplit(':').next().unwrap_or(arn)
}

/// A placeholder of a message: `<name>`.
pub(super) static PLACEHOLDER_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"<([A-Za-z0-9_.\-]+)>").expect("static regex"));

/// The InputTransformer of a notification rule: input paths and a template that makes the
/// SNS message a plain text.
pub fn message_transformer(
    pipeline: &str,
    message: Option<&str>,
    events: StatusEvents,
) -> (BTreeMap<String, String>, String) {
    let text = match message {
        Some(m) => m.to_string(),
        None if events == StatusEvents::Step => {
            format!("Pipeline {pipeline} execution <execution>: step <step> is now <status>.")
        }
        None => format!("Pipeline {pipeline} execution <execution> is now <status>."),
    };
    let mut paths = BTreeMap::new();
    for cap in PLACEHOLDER_RE.captures_iter(&text) {
        let path = match &cap[1] {
            "pipeline" => "$.detail.pipelineArn",
            "execution" => "$.detail.pipelineExecutionArn",
            "status" if events == StatusEvents::Step => "$.detail.currentStepStatus",
            "status" => "$.detail.currentPipelineExecutionStatus",
            "step" if events == StatusEvents::Step => "$.detail.stepName",
            _ => continue,
        };
        paths.insert(cap[1].to_string(), path.to_string());
    }
    let template = serde_json::to_string(&text).unwrap_or_else(|_| "\"\"".into());
    (paths, template)
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
    events: StatusEvents,
) -> Result<Target, Diagnostics> {
    let (paths, template) = message_transformer(pipeline, message, events);
    let mut t = InputTransformer::builder().input_template(template);
    for (k, v) in paths {
        t = t.input_paths_map(k, v);
    }
    let t = t
        .build()
        .map_err(|e| builder_error("Invalid input transformer", e))?;
    Target::builder()
        .id(TOPIC_TARGET)
        .arn(topic)
        .input_transformer(t)
        .build()
        .map_err(|e| builder_error("Invalid EventBridge target", e))
}

/// Create or update one notification. The error carries the block as far as it exists.
pub(super) async fn ensure_notification(
    c: &Clients,
    cancel: &CancellationToken,
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
            let arn = ensure_topic(c, &names.topic, &owned_arn, &tags)
                .await
                .map_err(|d| (prior.cloned(), d))?;
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
    for events in StatusEvents::BOTH {
        let (rule_name, has) = if events == StatusEvents::Step {
            (&names.step_rule, !want.step().is_empty())
        } else {
            (&names.execution_rule, !want.execution().is_empty())
        };
        if !has {
            delete_rule(c, rule_name).await.map_err(|d| fail(&cur, d))?;
            if events == StatusEvents::Step {
                cur.step_rule_arn = None;
                cur.step_statuses = want.step_statuses.clone();
                cur.steps = want.steps.clone();
            } else {
                cur.execution_rule_arn = None;
                cur.execution_statuses = want.execution_statuses.clone();
            }
            continue;
        }
        let pattern = if events == StatusEvents::Step {
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
                if events == StatusEvents::Step {
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
        if events == StatusEvents::Step {
            cur.step_rule_arn = arn;
        } else {
            cur.execution_rule_arn = arn;
        }
        let target = notification_target(&topic, p.name, want.message.as_deref(), events)
            .map_err(|d| fail(&cur, d))?;
        put_targets(c, cancel, rule_name, vec![target])
            .await
            .map_err(|d| fail(&cur, d))?;
        cur.topic_arn = Some(topic.clone());
        if events == StatusEvents::Step {
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

pub(super) async fn delete_notification(
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

pub(super) async fn read_notification(
    c: &Clients,
    p: &PipelineRef<'_>,
    n: &Notification,
) -> Result<Option<Notification>, Diagnostics> {
    let names = notification_names(p.name, &n.name);
    let mut out = n.clone();
    let mut topic = n.topic_arn.clone();
    for events in StatusEvents::BOTH {
        let (rule_name, had) = if events == StatusEvents::Step {
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
        let Some(rule) = read_rule(c, rule_name).await? else {
            return Ok(None);
        };
        let Some(target) = find_rule_target(c, rule_name, TOPIC_TARGET).await? else {
            return Ok(None);
        };
        topic = Some(target.arn().to_string());
        let pattern = rule.pattern.unwrap_or(Json::Null);
        if events == StatusEvents::Step {
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
            if events == StatusEvents::Step {
                out.step_statuses = Some(BTreeSet::new());
            } else {
                out.execution_statuses = Some(BTreeSet::new());
            }
        }
        let template = target
            .input_transformer()
            .map(|t| t.input_template().to_string());
        let (_, ours) = message_transformer(p.name, n.message.as_deref(), events);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages() {
        let (paths, t) = message_transformer("churn", None, StatusEvents::Step);
        assert_eq!(
            t,
            "\"Pipeline churn execution <execution>: step <step> is now <status>.\""
        );
        assert_eq!(paths["step"], "$.detail.stepName");
        assert_eq!(paths["status"], "$.detail.currentStepStatus");
        let (paths, t) = message_transformer(
            "churn",
            Some("Say \"hi\"\n<status> <pipeline>"),
            StatusEvents::Execution,
        );
        assert_eq!(t, "\"Say \\\"hi\\\"\\n<status> <pipeline>\"");
        assert_eq!(paths.len(), 2);
        assert_eq!(paths["status"], "$.detail.currentPipelineExecutionStatus");
    }

    #[test]
    fn topic_policy_lets_only_the_rules_publish() {
        let tp = topic_policy("arn:aws:sns:us-east-1:1:t", &["arn:r1".into()]);
        assert!(tp.contains("events.amazonaws.com") && tp.contains("arn:r1"));
    }
}
