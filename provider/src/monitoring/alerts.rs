//! `alerts`: CloudWatch alarms on the metrics the checks publish (model-quality metrics and
//! feature drift), notifying an SNS topic: the given one, or a topic the monitor owns
//! (`mlops_<name>_alerts`) with the e-mail subscriptions of `emails`.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_cloudwatch::types::{ComparisonOperator, Dimension, Statistic};
use aws_sdk_sns::operation::get_topic_attributes::GetTopicAttributesOutput;
use mlops_framework::Diagnostics;

use super::model::{Alerts, CheckKind, MonitorState};
use super::schedules::schedule_name;
use crate::aws::{
    api_error, arn_parts, cloudwatch_tags, delete_alarms, delete_topic, email_subscriptions,
    found_in, owned_name, owned_tags, service_error, sns_tags, subscribe, unsubscribe,
};
use crate::clients::Clients;

/// Tag naming the monitor an owned SNS topic belongs to.
const MONITOR_TAG: &str = "mlops:monitor";
/// Prefix of the drift metric of a feature.
const DRIFT_METRIC: &str = "feature_baseline_drift_";
/// Known model-quality metrics: (name, an error metric: alarm when greater).
pub(super) const METRICS: &[(&str, bool)] = &[
    ("mse", true),
    ("rmse", true),
    ("mae", true),
    ("r2", false),
    ("accuracy", false),
    ("precision", false),
    ("recall", false),
    ("f1", false),
    ("auc", false),
];

/// One CloudWatch alarm of `alerts`.
struct AlarmSpec {
    name: String,
    kind: CheckKind,
    namespace: String,
    metric: String,
    threshold: f64,
    greater: bool,
    statistic: Statistic,
    description: String,
}

fn alarm_prefix(name: &str) -> String {
    format!("mlops-{name}-")
}

/// The alarms `alerts` asks for: model-quality metrics (`mlops-<name>-<metric>`) and
/// feature drift (`mlops-<name>-drift-<feature>`), in the namespaces Model Monitor publishes
/// to (`aws/sagemaker/Endpoints/...` for endpoints, `aws/sagemaker/ModelMonitoring/...` for
/// batch transform).
fn alarm_specs(s: &MonitorState) -> Vec<AlarmSpec> {
    let Some(a) = &s.alerts else { return vec![] };
    let scope = if s.endpoint_name.is_some() {
        "Endpoints"
    } else {
        "ModelMonitoring"
    };
    let target = match &s.endpoint_name {
        Some(e) => format!("endpoint {e}"),
        None => "batch transform output".into(),
    };
    let prefix = alarm_prefix(&s.name);
    let mut out = vec![];
    for (metric, threshold) in a.metric_thresholds.iter().flatten() {
        let greater = METRICS.iter().any(|(m, e)| m == metric && *e);
        out.push(AlarmSpec {
            name: format!("{prefix}{metric}"),
            kind: CheckKind::Model,
            namespace: format!("aws/sagemaker/{scope}/model-metrics"),
            metric: metric.clone(),
            threshold: *threshold,
            greater,
            statistic: Statistic::Average,
            description: format!(
                "Model quality {metric} of {target} (terraform-provider-mlops monitor {})",
                s.name
            ),
        });
    }
    for (feature, threshold) in a.drift_thresholds.iter().flatten() {
        out.push(AlarmSpec {
            name: format!("{prefix}drift-{feature}"),
            kind: CheckKind::Data,
            namespace: format!("aws/sagemaker/{scope}/data-metrics"),
            metric: format!("{DRIFT_METRIC}{feature}"),
            threshold: *threshold,
            greater: true,
            statistic: Statistic::Maximum,
            description: format!(
                "Baseline drift of feature {feature} of {target} (terraform-provider-mlops monitor {})",
                s.name
            ),
        });
    }
    out
}

pub(super) fn alarm_names_for(s: &MonitorState) -> Vec<String> {
    alarm_specs(s).into_iter().map(|a| a.name).collect()
}

pub(super) fn owned_topic_name(name: &str) -> String {
    owned_name(&[name, "alerts"], 256)
}

pub(super) fn topic_name(arn: &str) -> &str {
    arn.rsplit(':').next().unwrap_or_default()
}

/// Make an owned topic's tags equal `want` (default tags change).
async fn sync_topic_tags(
    c: &Clients,
    topic: &str,
    want: &BTreeMap<String, String>,
) -> Result<(), Diagnostics> {
    let have: BTreeMap<String, String> = c
        .sns
        .list_tags_for_resource()
        .resource_arn(topic)
        .send()
        .await
        .map_err(|e| service_error("SNS", "ListTagsForResource", topic, &e))?
        .tags()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect();
    let stale: Vec<String> = have
        .keys()
        .filter(|k| !want.contains_key(*k))
        .cloned()
        .collect();
    if !stale.is_empty() {
        c.sns
            .untag_resource()
            .resource_arn(topic)
            .set_tag_keys(Some(stale))
            .send()
            .await
            .map_err(|e| service_error("SNS", "UntagResource", topic, &e))?;
    }
    let changed: BTreeMap<String, String> = want
        .iter()
        .filter(|(k, v)| have.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if !changed.is_empty() {
        c.sns
            .tag_resource()
            .resource_arn(topic)
            .set_tags(Some(sns_tags(&changed)))
            .send()
            .await
            .map_err(|e| service_error("SNS", "TagResource", topic, &e))?;
    }
    Ok(())
}

/// The owned topic's ARN, from the recorded one or any ARN of the monitor's account.
fn owned_topic_arn(cur: &MonitorState, c: &Clients) -> Option<String> {
    let owned = owned_topic_name(&cur.name);
    if let Some(t) = cur
        .alerts
        .as_ref()
        .and_then(|a| a.topic_arn.clone())
        .filter(|t| topic_name(t) == owned)
    {
        return Some(t);
    }
    let any = [
        &cur.data_quality_schedule_arn,
        &cur.model_quality_schedule_arn,
    ]
    .into_iter()
    .flatten()
    .next()?;
    let (partition, _, account) = arn_parts(any)?;
    Some(format!(
        "arn:{partition}:sns:{}:{account}:{owned}",
        c.region
    ))
}

/// Alerts back from the alarms (found by name prefix and schedule dimension) and, for
/// the owned topic, its e-mail subscriptions.
pub(super) async fn read_alerts(
    c: &Clients,
    s: &mut MonitorState,
    prior: &MonitorState,
) -> Result<(), Diagnostics> {
    let prefix = alarm_prefix(&s.name);
    let schedules = [
        schedule_name(&s.name, CheckKind::Data),
        schedule_name(&s.name, CheckKind::Model),
    ];
    let mut metrics = BTreeMap::new();
    let mut drift = BTreeMap::new();
    let mut names = vec![];
    let mut topic = None;
    let mut token = None;
    loop {
        let r = c
            .cloudwatch
            .describe_alarms()
            .alarm_name_prefix(&prefix)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| api_error("DescribeAlarms", &prefix, &e))?;
        for a in r.metric_alarms() {
            let Some(n) = a.alarm_name() else { continue };
            let ours = a.dimensions().iter().any(|d| {
                d.name() == Some("MonitoringSchedule")
                    && d.value().is_some_and(|v| schedules.iter().any(|x| x == v))
            });
            let (Some(t), true) = (a.threshold(), ours) else {
                continue;
            };
            let Some(rest) = n.strip_prefix(&prefix) else {
                continue;
            };
            let metric = a.metric_name().unwrap_or_default();
            if let Some(f) = rest
                .strip_prefix("drift-")
                .filter(|f| metric == format!("{DRIFT_METRIC}{f}"))
            {
                drift.insert(f.to_string(), t);
            } else if METRICS.iter().any(|(m, _)| *m == rest) && metric == rest {
                metrics.insert(rest.to_string(), t);
            } else {
                continue;
            }
            topic = topic.or(a.alarm_actions().first().cloned());
            names.push(n.to_string());
        }
        match r.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => break,
        }
    }
    let pa = prior.alerts.as_ref();
    let map_or_prior = |m: BTreeMap<String, f64>, p: Option<&BTreeMap<String, f64>>| {
        if m.is_empty() {
            p.filter(|p| p.is_empty()).cloned()
        } else {
            Some(m)
        }
    };
    s.alerts = match topic {
        _ if names.is_empty() => None,
        None => None,
        Some(t) => {
            let owned = topic_name(&t) == owned_topic_name(&s.name);
            let emails = if owned {
                let subs = email_subscriptions(c, &t).await?.unwrap_or_default();
                let had = pa.and_then(|a| a.emails.as_ref());
                // pending ones stay as configured (they cannot be removed through the
                // API); on import every address shows
                Some(
                    subs.iter()
                        .filter(|(addr, arn)| {
                            had.is_none_or(|h| h.contains(*addr) || arn.is_some())
                        })
                        .map(|(a, _)| a.clone())
                        .collect(),
                )
            } else {
                None
            };
            Some(Alerts {
                topic_arn: Some(t),
                emails,
                metric_thresholds: map_or_prior(
                    metrics,
                    pa.and_then(|a| a.metric_thresholds.as_ref()),
                ),
                drift_thresholds: map_or_prior(drift, pa.and_then(|a| a.drift_thresholds.as_ref())),
            })
        }
    };
    names.sort();
    let mut recorded = alarm_names_for(s);
    recorded.retain(|n| names.contains(n));
    s.alarm_names = Some(recorded);
    Ok(())
}

/// The SNS topic `arn`, `None` when it does not exist.
async fn find_topic(
    c: &Clients,
    arn: &str,
) -> Result<Option<GetTopicAttributesOutput>, Diagnostics> {
    found_in(
        "SNS",
        "GetTopicAttributes",
        arn,
        c.sns.get_topic_attributes().topic_arn(arn).send().await,
    )
}

/// Topic, subscriptions and alarms of `alerts`, recording in `cur` what exists.
pub(super) async fn apply_alerts(
    c: &Clients,
    cur: &mut MonitorState,
    s: &MonitorState,
    tags: &BTreeMap<String, String>,
) -> Result<(), Diagnostics> {
    let owned = owned_topic_name(&s.name);
    let had_topic = cur.alerts.as_ref().and_then(|a| a.topic_arn.clone());
    let had_owned = had_topic.as_deref().is_some_and(|t| topic_name(t) == owned);
    let topic = match &s.alerts {
        None => None,
        Some(a) if a.emails.is_some() => {
            let had_owned_topic = had_topic.as_deref().filter(|_| had_owned);
            Some(apply_owned_topic(c, cur, s, a, had_owned_topic).await?)
        }
        Some(a) => a.topic_arn.clone(),
    };
    apply_alarms(c, cur, s, topic.as_deref(), tags).await?;
    // the owned topic goes when nothing uses it any more
    let keep_owned = topic.as_deref().is_some_and(|t| topic_name(t) == owned);
    if had_owned && !keep_owned {
        if let Some(t) = &had_topic {
            delete_topic(c, t).await?;
        }
    }
    cur.alerts = match (&s.alerts, topic) {
        (Some(a), t) => Some(Alerts {
            topic_arn: t,
            ..a.clone()
        }),
        (None, _) => None,
    };
    Ok(())
}

/// The owned topic (kept when it exists, created otherwise) with the subscriptions of
/// `a.emails`, recording in `cur` what exists; its ARN.
async fn apply_owned_topic(
    c: &Clients,
    cur: &mut MonitorState,
    s: &MonitorState,
    a: &Alerts,
    had_owned_topic: Option<&str>,
) -> Result<String, Diagnostics> {
    let owned = owned_topic_name(&s.name);
    let exists = match had_owned_topic {
        Some(t) => find_topic(c, t).await?.is_some(),
        None => false,
    };
    let t = owned_tags(c, MONITOR_TAG, &s.name, "alerts");
    let arn = match had_owned_topic.filter(|_| exists) {
        Some(arn) => {
            sync_topic_tags(c, arn, &t).await?;
            arn.to_string()
        }
        None => {
            let out = c
                .sns
                .create_topic()
                .name(&owned)
                .set_tags(Some(sns_tags(&t)).filter(|t| !t.is_empty()))
                .send()
                .await
                .map_err(|e| service_error("SNS", "CreateTopic", &owned, &e))?;
            let arn = out.topic_arn().unwrap_or_default().to_string();
            tracing::info!(topic = %arn, "SNS topic for alerts created");
            arn
        }
    };
    let had_emails: BTreeSet<String> = if exists {
        cur.alerts
            .as_ref()
            .and_then(|a| a.emails.clone())
            .unwrap_or_default()
    } else {
        BTreeSet::new()
    };
    let want = a.emails.clone().unwrap_or_default();
    let mut rec = cur.alerts.clone().unwrap_or_else(|| Alerts {
        metric_thresholds: None,
        drift_thresholds: None,
        ..a.clone()
    });
    rec.topic_arn = Some(arn.clone());
    rec.emails = Some(had_emails.clone());
    cur.alerts = Some(rec.clone());
    for e in want.difference(&had_emails) {
        subscribe(c, &arn, e).await?;
        rec.emails
            .get_or_insert_with(BTreeSet::new)
            .insert(e.clone());
        cur.alerts = Some(rec.clone());
    }
    let removed: BTreeSet<String> = had_emails.difference(&want).cloned().collect();
    unsubscribe(c, &arn, &removed).await?;
    rec.emails = Some(want);
    cur.alerts = Some(rec);
    Ok(arn)
}

/// The wanted alarms (re)written to notify `topic`, then the others removed, recording in
/// `cur` what exists.
async fn apply_alarms(
    c: &Clients,
    cur: &mut MonitorState,
    s: &MonitorState,
    topic: Option<&str>,
    tags: &BTreeMap<String, String>,
) -> Result<(), Diagnostics> {
    let specs = alarm_specs(s);
    let wanted: Vec<String> = specs.iter().map(|a| a.name.clone()).collect();
    let mut names: Vec<String> = cur.alarm_names.clone().unwrap_or_default();
    if let Some(topic) = topic {
        let cw_tags = cloudwatch_tags(tags);
        for a in &specs {
            let sched = schedule_name(&s.name, a.kind);
            let mut req = c
                .cloudwatch
                .put_metric_alarm()
                .alarm_name(&a.name)
                .alarm_description(&a.description)
                .namespace(&a.namespace)
                .metric_name(&a.metric)
                .statistic(a.statistic.clone());
            if let Some(e) = &s.endpoint_name {
                req = req.dimensions(Dimension::builder().name("Endpoint").value(e).build());
            }
            req.dimensions(
                Dimension::builder()
                    .name("MonitoringSchedule")
                    .value(&sched)
                    .build(),
            )
            .period(3600)
            .evaluation_periods(1)
            .threshold(a.threshold)
            .comparison_operator(if a.greater {
                ComparisonOperator::GreaterThanThreshold
            } else {
                ComparisonOperator::LessThanThreshold
            })
            .treat_missing_data("notBreaching")
            .alarm_actions(topic)
            .set_tags(cw_tags.clone())
            .send()
            .await
            .map_err(|e| api_error("PutMetricAlarm", &a.name, &e))?;
            if !names.contains(&a.name) {
                names.push(a.name.clone());
                cur.alarm_names = Some(names.clone());
            }
        }
    }
    let stale: Vec<String> = names
        .iter()
        .filter(|a| !wanted.contains(a))
        .cloned()
        .collect();
    delete_alarms(c, &stale).await?;
    cur.alarm_names = Some(wanted);
    Ok(())
}

/// Delete the alarms (the recorded ones and those `alerts` asks for) and the owned topic.
pub(super) async fn delete_alerts(c: &Clients, current: &MonitorState) -> Result<(), Diagnostics> {
    let mut alarms = current.alarm_names.clone().unwrap_or_default();
    for a in alarm_names_for(current) {
        if !alarms.contains(&a) {
            alarms.push(a);
        }
    }
    delete_alarms(c, &alarms).await?;
    if let Some(t) = owned_topic_arn(current, c) {
        delete_topic(c, &t).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitoring::definitions::publishes_metrics;
    use crate::monitoring::model::{churn_on_endpoint, BatchTransform};

    #[test]
    fn alarms_follow_the_target() {
        let mut s = churn_on_endpoint();
        s.alerts = Some(Alerts {
            topic_arn: None,
            emails: Some(BTreeSet::from(["a@example.com".to_string()])),
            metric_thresholds: Some(BTreeMap::from([("rmse".to_string(), 5.0)])),
            drift_thresholds: Some(BTreeMap::from([("age".to_string(), 0.1)])),
        });
        let specs = alarm_specs(&s);
        let got: Vec<(&str, &str, &str, bool)> = specs
            .iter()
            .map(|a| {
                (
                    a.name.as_str(),
                    a.namespace.as_str(),
                    a.metric.as_str(),
                    a.greater,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    "mlops-churn-rmse",
                    "aws/sagemaker/Endpoints/model-metrics",
                    "rmse",
                    true
                ),
                (
                    "mlops-churn-drift-age",
                    "aws/sagemaker/Endpoints/data-metrics",
                    "feature_baseline_drift_age",
                    true
                ),
            ]
        );
        s.endpoint_name = None;
        s.batch_transform = Some(BatchTransform {
            data_captured_destination_s3_uri: "s3://c".into(),
            format: "csv".into(),
            csv_header: None,
            json_lines: None,
        });
        assert!(alarm_specs(&s)
            .iter()
            .all(|a| a.namespace.starts_with("aws/sagemaker/ModelMonitoring/")));
        assert!(publishes_metrics(&s, CheckKind::Data) && publishes_metrics(&s, CheckKind::Model));
        s.alerts = None;
        assert!(!publishes_metrics(&s, CheckKind::Data));
    }
}
