//! SNS topics and e-mail subscriptions the provider owns.

use std::collections::{BTreeMap, BTreeSet};

use mlops_framework::Diagnostics;

use aws_sdk_sagemaker::error::ProvideErrorMetadata;

use super::error::{is_missing, service_error};
use super::tags::sns_tags;
use crate::clients::Clients;

/// Create an owned topic (`arn` is the ARN it has), or adopt the one of that name an
/// interrupted apply left: CreateTopic returns an existing topic when its tags are the same,
/// and refuses when they differ ("Topic already exists with different tags"); then the
/// tags are converged. Returns the topic's ARN.
pub async fn ensure_topic(
    c: &Clients,
    name: &str,
    arn: &str,
    tags: &BTreeMap<String, String>,
) -> Result<String, Diagnostics> {
    let tags = Some(sns_tags(tags)).filter(|t| !t.is_empty());
    match c
        .sns
        .create_topic()
        .name(name)
        .set_tags(tags.clone())
        .send()
        .await
    {
        Ok(out) => Ok(out.topic_arn().unwrap_or(arn).to_string()),
        Err(e)
            if e.as_service_error()
                .and_then(|s| s.message())
                .is_some_and(|m| m.contains("already exists with different tags")) =>
        {
            tracing::info!(topic = %name, "SNS topic exists already with other tags; adopting it");
            c.sns
                .tag_resource()
                .resource_arn(arn)
                .set_tags(tags)
                .send()
                .await
                .map_err(|e| service_error("SNS", "TagResource", arn, &e))?;
            Ok(arn.to_string())
        }
        Err(e) => Err(service_error("SNS", "CreateTopic", name, &e).into()),
    }
}

// ------------------------------------------------- SNS topics and e-mail subscriptions

/// Confirmed and pending e-mail subscriptions of an SNS topic (`None` when the topic is gone): address -> subscription ARN
/// (`None` while pending).
pub async fn email_subscriptions(
    c: &Clients,
    topic: &str,
) -> Result<Option<BTreeMap<String, Option<String>>>, Diagnostics> {
    let mut out = BTreeMap::new();
    let mut token = None;
    loop {
        let resp = match c
            .sns
            .list_subscriptions_by_topic()
            .topic_arn(topic)
            .set_next_token(token.take())
            .send()
            .await
        {
            Ok(r) => r,
            Err(e) if is_missing(&e) => return Ok(None),
            Err(e) => {
                return Err(service_error("SNS", "ListSubscriptionsByTopic", topic, &e).into())
            }
        };
        for s in resp.subscriptions() {
            if s.protocol() != Some("email") {
                continue;
            }
            if let Some(ep) = s.endpoint() {
                let arn = s
                    .subscription_arn()
                    .filter(|a| a.starts_with("arn:"))
                    .map(String::from);
                out.insert(ep.to_string(), arn);
            }
        }
        match resp.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => break,
        }
    }
    Ok(Some(out))
}

pub async fn subscribe(c: &Clients, topic: &str, email: &str) -> Result<(), Diagnostics> {
    c.sns
        .subscribe()
        .topic_arn(topic)
        .protocol("email")
        .endpoint(email)
        .send()
        .await
        .map_err(|e| service_error("SNS", "Subscribe", topic, &e))?;
    tracing::info!(topic = %topic, "e-mail subscription requested");
    Ok(())
}

pub async fn unsubscribe(
    c: &Clients,
    topic: &str,
    emails: &BTreeSet<String>,
) -> Result<(), Diagnostics> {
    if emails.is_empty() {
        return Ok(());
    }
    let Some(subs) = email_subscriptions(c, topic).await? else {
        return Ok(());
    };
    for e in emails {
        match subs.get(e) {
            Some(Some(arn)) => match c.sns.unsubscribe().subscription_arn(arn).send().await {
                Ok(_) => tracing::info!(topic = %topic, "e-mail subscription removed"),
                Err(err) if is_missing(&err) => {}
                Err(err) => return Err(service_error("SNS", "Unsubscribe", topic, &err).into()),
            },
            Some(None) => tracing::warn!(
                topic = %topic,
                "an e-mail subscription is still pending confirmation and cannot be removed; AWS deletes it after three days"
            ),
            None => {}
        }
    }
    Ok(())
}

pub async fn delete_topic(c: &Clients, topic: &str) -> Result<(), Diagnostics> {
    match c.sns.delete_topic().topic_arn(topic).send().await {
        Ok(_) => {
            tracing::info!(topic = %topic, "SNS topic deleted");
            Ok(())
        }
        Err(e) if is_missing(&e) => Ok(()),
        Err(e) => Err(service_error("SNS", "DeleteTopic", topic, &e).into()),
    }
}
