//! IAM service roles the provider owns on behalf of a resource (EventBridge targets).

use std::collections::BTreeMap;

use mlops_framework::Diagnostics;

use super::error::{error_code, is_missing, service_error};
use super::naming::{same_json, ROLE_PATH};
use super::tags::iam_tags;
use crate::clients::Clients;

/// Trust policy of a role only EventBridge rules of `account` can assume.
pub fn events_trust_policy(account: &str) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": account}}
        }]
    })
    .to_string()
}

/// Create a role EventBridge assumes, with exactly one inline policy, or adopt the role of
/// that name left by an earlier, interrupted apply (its trust policy, description, tags and
/// inline policy converged). Returns the role's ARN.
pub async fn ensure_events_role(
    c: &Clients,
    name: &str,
    account: &str,
    description: &str,
    policy_name: &str,
    policy: &str,
    tags: &BTreeMap<String, String>,
) -> Result<String, Diagnostics> {
    let trust = events_trust_policy(account);
    let arn = match c
        .iam
        .create_role()
        .role_name(name)
        .path(ROLE_PATH)
        .description(description)
        .assume_role_policy_document(&trust)
        .set_tags(Some(iam_tags(tags)).filter(|t| !t.is_empty()))
        .send()
        .await
    {
        Ok(r) => {
            tracing::info!(role = %name, "IAM role created");
            r.role().map(|r| r.arn().to_string()).unwrap_or_default()
        }
        Err(e) if error_code(&e) == Some("EntityAlreadyExists") => {
            // Named after its owner: left by an interrupted apply (or an earlier owner of
            // that name); converged to what the create would have made.
            tracing::info!(role = %name, "IAM role exists already; adopting it");
            c.iam
                .update_assume_role_policy()
                .role_name(name)
                .policy_document(&trust)
                .send()
                .await
                .map_err(|e| service_error("IAM", "UpdateAssumeRolePolicy", name, &e))?;
            c.iam
                .update_role()
                .role_name(name)
                .description(description)
                .send()
                .await
                .map_err(|e| service_error("IAM", "UpdateRole", name, &e))?;
            if !tags.is_empty() {
                c.iam
                    .tag_role()
                    .role_name(name)
                    .set_tags(Some(iam_tags(tags)))
                    .send()
                    .await
                    .map_err(|e| service_error("IAM", "TagRole", name, &e))?;
            }
            c.iam
                .get_role()
                .role_name(name)
                .send()
                .await
                .map_err(|e| service_error("IAM", "GetRole", name, &e))?
                .role()
                .map(|r| r.arn().to_string())
                .unwrap_or_default()
        }
        Err(e) => return Err(service_error("IAM", "CreateRole", name, &e).into()),
    };
    c.iam
        .put_role_policy()
        .role_name(name)
        .policy_name(policy_name)
        .policy_document(policy)
        .send()
        .await
        .map_err(|e| service_error("IAM", "PutRolePolicy", name, &e))?;
    Ok(arn)
}

/// The ARN of an owned role when it exists and carries exactly `policy` as `policy_name`;
/// `None` when the role or its policy is gone or the policy was changed.
pub async fn check_events_role(
    c: &Clients,
    name: &str,
    policy_name: &str,
    policy: &str,
) -> Result<Option<String>, Diagnostics> {
    let arn = match c.iam.get_role().role_name(name).send().await {
        Ok(r) => r.role().map(|r| r.arn().to_string()).unwrap_or_default(),
        Err(e) if is_missing(&e) => return Ok(None),
        Err(e) => return Err(service_error("IAM", "GetRole", name, &e).into()),
    };
    match c
        .iam
        .get_role_policy()
        .role_name(name)
        .policy_name(policy_name)
        .send()
        .await
    {
        Ok(p) if same_json(p.policy_document(), policy) => Ok(Some(arn)),
        Ok(_) => {
            tracing::info!(role = %name, "the role's policy was changed outside Terraform");
            Ok(None)
        }
        Err(e) if is_missing(&e) => Ok(None),
        Err(e) => Err(service_error("IAM", "GetRolePolicy", name, &e).into()),
    }
}

/// Delete an owned role with its inline and attached policies. A missing role is fine.
pub async fn delete_role(c: &Clients, name: &str) -> Result<(), Diagnostics> {
    let iam = &c.iam;
    let inline = match iam.list_role_policies().role_name(name).send().await {
        Ok(r) => r.policy_names().to_vec(),
        Err(e) if is_missing(&e) => return Ok(()),
        Err(e) => return Err(service_error("IAM", "ListRolePolicies", name, &e).into()),
    };
    for p in inline {
        match iam
            .delete_role_policy()
            .role_name(name)
            .policy_name(&p)
            .send()
            .await
        {
            Ok(_) => {}
            Err(e) if is_missing(&e) => {}
            Err(e) => return Err(service_error("IAM", "DeleteRolePolicy", name, &e).into()),
        }
    }
    let attached = match iam
        .list_attached_role_policies()
        .role_name(name)
        .send()
        .await
    {
        Ok(r) => r
            .attached_policies()
            .iter()
            .filter_map(|p| p.policy_arn().map(String::from))
            .collect(),
        Err(e) if is_missing(&e) => return Ok(()),
        Err(e) => return Err(service_error("IAM", "ListAttachedRolePolicies", name, &e).into()),
    };
    let attached: Vec<String> = attached;
    for p in attached {
        match iam
            .detach_role_policy()
            .role_name(name)
            .policy_arn(&p)
            .send()
            .await
        {
            Ok(_) => {}
            Err(e) if is_missing(&e) => {}
            Err(e) => return Err(service_error("IAM", "DetachRolePolicy", name, &e).into()),
        }
    }
    match iam.delete_role().role_name(name).send().await {
        Ok(_) => {
            tracing::info!(role = %name, "IAM role deleted");
            Ok(())
        }
        Err(e) if is_missing(&e) => Ok(()),
        Err(e) => Err(service_error("IAM", "DeleteRole", name, &e).into()),
    }
}

/// A just-created role is not usable everywhere at once (IAM is eventually consistent):
/// EventBridge may refuse it for a few seconds.
pub(crate) fn role_not_ready(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("role")
        && (m.contains("assume")
            || m.contains("not authorized")
            || m.contains("does not exist")
            || m.contains("invalid"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_propagation_errors_are_retried() {
        assert!(role_not_ready(
            "Provided role 'arn:aws:iam::1:role/x' cannot be assumed by principal 'events.amazonaws.com'."
        ));
        assert!(role_not_ready("Invalid RoleArn: role does not exist"));
        assert!(!role_not_ready(
            "Parameter ScheduleExpression is not valid."
        ));
    }

    #[test]
    fn events_trust_policy_is_scoped_to_the_account() {
        let trust: serde_json::Value =
            serde_json::from_str(&events_trust_policy("123456789012")).unwrap();
        assert_eq!(
            trust["Statement"][0]["Principal"]["Service"],
            "events.amazonaws.com"
        );
        assert_eq!(
            trust["Statement"][0]["Condition"]["StringEquals"]["aws:SourceAccount"],
            "123456789012"
        );
    }
}
