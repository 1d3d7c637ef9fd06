//! Tags: default tags merged with a resource's own, SageMaker tag reads and updates, the
//! user's view of remote tags, and the owned-object tags in each service's shape.

use std::collections::BTreeMap;

use aws_sdk_sagemaker::types::Tag;
use mlops_framework::{Diagnostics, PlanCtx, Value};

use super::error::api_error;
use super::naming::BLOCK_TAG;
use crate::clients::Clients;

/// Default tags overlaid with the resource's own tags.
pub fn merge_tags(
    defaults: &BTreeMap<String, String>,
    tags: Option<&BTreeMap<String, String>>,
) -> BTreeMap<String, String> {
    let mut all = defaults.clone();
    if let Some(t) = tags {
        all.extend(t.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    all
}

pub fn sdk_tags(tags: &BTreeMap<String, String>) -> Option<Vec<Tag>> {
    if tags.is_empty() {
        return None;
    }
    Some(
        tags.iter()
            .map(|(k, v)| Tag::builder().key(k).value(v).build())
            .collect(),
    )
}

/// The tags of an ARN as the user sees them: AWS-reserved `aws:` tags and the provider's
/// marker ([`crate::ownership::MARKER_TAG`]) excluded, so neither is drift nor ever removed
/// by [`update_tags`].
pub async fn list_tags(
    sm: &aws_sdk_sagemaker::Client,
    arn: &str,
) -> Result<BTreeMap<String, String>, Diagnostics> {
    let mut t = list_all_tags(sm, arn).await?;
    t.remove(crate::ownership::MARKER_TAG);
    Ok(t)
}

/// All tags of an ARN but the AWS-reserved `aws:` ones, the marker included.
pub async fn list_all_tags(
    sm: &aws_sdk_sagemaker::Client,
    arn: &str,
) -> Result<BTreeMap<String, String>, Diagnostics> {
    let mut out = BTreeMap::new();
    let mut token: Option<String> = None;
    loop {
        let resp = sm
            .list_tags()
            .resource_arn(arn)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| Diagnostics::from(api_error("ListTags", arn, &e)))?;
        for t in resp.tags() {
            if let (Some(k), Some(v)) = (t.key(), t.value()) {
                if !k.starts_with("aws:") {
                    out.insert(k.to_string(), v.to_string());
                }
            }
        }
        match resp.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => break,
        }
    }
    Ok(out)
}

/// Make an ARN's tags equal `want`, given that it has `have`.
pub async fn update_tags(
    sm: &aws_sdk_sagemaker::Client,
    arn: &str,
    have: &BTreeMap<String, String>,
    want: &BTreeMap<String, String>,
) -> Result<(), Diagnostics> {
    let remove: Vec<String> = have
        .keys()
        .filter(|k| !want.contains_key(*k))
        .cloned()
        .collect();
    if !remove.is_empty() {
        sm.delete_tags()
            .resource_arn(arn)
            .set_tag_keys(Some(remove))
            .send()
            .await
            .map_err(|e| Diagnostics::from(api_error("DeleteTags", arn, &e)))?;
    }
    let changed: BTreeMap<String, String> = want
        .iter()
        .filter(|(k, v)| have.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if let Some(tags) = sdk_tags(&changed) {
        sm.add_tags()
            .resource_arn(arn)
            .set_tags(Some(tags))
            .send()
            .await
            .map_err(|e| Diagnostics::from(api_error("AddTags", arn, &e)))?;
    }
    Ok(())
}

/// The user's view of remote tags: everything except unchanged default tags the user did not
/// set themselves. `None` when the user never set tags and nothing of theirs is there.
pub fn user_tags(
    remote: &BTreeMap<String, String>,
    defaults: &BTreeMap<String, String>,
    prior: Option<&BTreeMap<String, String>>,
) -> Option<BTreeMap<String, String>> {
    let out: BTreeMap<String, String> = remote
        .iter()
        .filter(|(k, v)| prior.is_some_and(|p| p.contains_key(*k)) || defaults.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if out.is_empty() && prior.is_none_or(|p| p.is_empty()) {
        prior.cloned().filter(|p| p.is_empty())
    } else {
        Some(out)
    }
}

/// Plan `tags_all` as default tags plus configured tags, when both are known.
pub fn plan_tags_all(plan: &mut PlanCtx<'_, Clients>) {
    let cfg_tags = plan.config.attr("tags");
    let Some(clients) = plan.client else { return };
    if !cfg_tags.is_wholly_known() {
        return;
    }
    let mut all: BTreeMap<String, Value> = clients
        .default_tags
        .iter()
        .map(|(k, v)| (k.clone(), Value::string(v)))
        .collect();
    if let Value::Map(m) = cfg_tags {
        all.extend(m.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    let planned_all = Value::Map(all);
    let Some(obj) = plan.planned.as_object_mut() else {
        return;
    };
    let prior_all = plan.prior.attr("tags_all");
    obj.insert(
        "tags_all".into(),
        if prior_all.semantic_eq(&planned_all) {
            prior_all.clone()
        } else {
            planned_all
        },
    );
}

/// Tags of an owned object: the provider's default tags, `owner_key` = the owning
/// resource's name (e.g. `mlops:pipeline`), and [`BLOCK_TAG`] = the block it realises.
pub fn owned_tags(
    c: &Clients,
    owner_key: &str,
    owner: &str,
    block: &str,
) -> BTreeMap<String, String> {
    let mut t = c.default_tags.clone();
    t.insert(owner_key.into(), owner.into());
    t.insert(BLOCK_TAG.into(), block.into());
    t
}

pub fn events_tags(tags: &BTreeMap<String, String>) -> Vec<aws_sdk_eventbridge::types::Tag> {
    tags.iter()
        .filter_map(|(k, v)| {
            aws_sdk_eventbridge::types::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .ok()
        })
        .collect()
}

pub fn iam_tags(tags: &BTreeMap<String, String>) -> Vec<aws_sdk_iam::types::Tag> {
    tags.iter()
        .filter_map(|(k, v)| {
            aws_sdk_iam::types::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .ok()
        })
        .collect()
}

pub fn sns_tags(tags: &BTreeMap<String, String>) -> Vec<aws_sdk_sns::types::Tag> {
    tags.iter()
        .filter_map(|(k, v)| {
            aws_sdk_sns::types::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .ok()
        })
        .collect()
}

/// Whether a SageMaker object found under a create's name is one this provider made (see
/// [`crate::ownership`]).
pub async fn sagemaker_existing(
    sm: &aws_sdk_sagemaker::Client,
    arn: &str,
) -> Result<crate::ownership::Existing, Diagnostics> {
    Ok(crate::ownership::existing(&list_all_tags(sm, arn).await?))
}
