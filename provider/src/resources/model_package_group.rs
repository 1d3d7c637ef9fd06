//! `mlops_model_package_group`: a model registry group.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_sagemaker::types::ModelPackageGroupStatus;
use mlops_framework::{
    async_trait, wait_for, AttrPath, Backoff, Check, Ctx, Diagnostic, Diagnostics, Failure,
    PlanCtx, Resource, TimeoutDefaults, Value,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::time::Duration;

use crate::aws::{
    api_error, error_code, gone_check, is_not_found, list_tags, merge_tags, plan_tags_all,
    sdk_tags, timestamp, update_tags, user_tags, Clients,
};
use crate::validation::{
    validate_tags, ACCOUNT_ID, ENTITY_DESCRIPTION, ENTITY_NAME, ENTITY_NAME_RE,
};

/// A model registry group (SageMaker model package group): the place where a model's
/// versions are registered, reviewed and approved. Versions are registered with
/// `mlops_model_package`; the latest approved one is found with the `mlops_model_package`
/// data source.
///
/// Import with the group name: `terraform import mlops_model_package_group.churn churn-model`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ModelPackageGroupState {
    /// Name of the group: 1-63 letters, digits and hyphens, starting and ending with a letter
    /// or digit. Changing it replaces the group.
    #[schemars(regex(pattern = ENTITY_NAME), length(min = 1, max = 63))]
    #[schemars(extend("x-tf" = ["requires_replace"]))]
    pub name: String,

    /// What the group holds. SageMaker cannot change a group's description, so a change
    /// replaces the group (which needs `force_destroy` when it holds versions).
    #[schemars(regex(pattern = ENTITY_DESCRIPTION), length(max = 1024))]
    #[schemars(extend("x-tf" = ["requires_replace"]))]
    pub description: Option<String>,

    /// AWS account IDs (12 digits) allowed to read this group's versions and deploy them,
    /// e.g. a production account. Realised as the group's resource policy.
    #[schemars(inner(regex(pattern = ACCOUNT_ID)), length(max = 100))]
    pub shared_with_accounts: Option<BTreeSet<String>>,

    /// Delete every model version in the group when the group is destroyed. Without it,
    /// destroying a group that still holds versions fails and deletes nothing.
    #[schemars(extend("x-tf-default" = false))]
    pub force_destroy: Option<bool>,

    /// Tags of the group. Provider `default_tags` are added; these win on conflicts.
    pub tags: Option<BTreeMap<String, String>>,

    /// All tags of the group, including the provider's `default_tags`.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub tags_all: Option<BTreeMap<String, String>>,

    /// ARN of the group.
    #[schemars(extend("x-tf" = ["computed", "use_state_for_unknown"]))]
    pub arn: Option<String>,

    /// When the group was created (RFC 3339).
    #[schemars(extend("x-tf" = ["computed", "use_state_for_unknown"]))]
    pub created_time: Option<String>,

    /// The group's resource policy as JSON (from `shared_with_accounts`), or null.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub resource_policy: Option<String>,
}

/// The resource.
pub struct ModelPackageGroup;

/// Model package ARNs name the group in lower case.
fn policy_for(group_arn: &str, name: &str, accounts: &BTreeSet<String>) -> Option<String> {
    if accounts.is_empty() {
        return None;
    }
    // arn:<partition>:sagemaker:<region>:<account>:model-package-group/<name>
    let parts: Vec<&str> = group_arn.splitn(6, ':').collect();
    let (partition, region, owner) = (parts.get(1)?, parts.get(3)?, parts.get(4)?);
    let principals: Vec<String> = accounts
        .iter()
        .map(|a| format!("arn:{partition}:iam::{a}:root"))
        .collect();
    let packages = format!(
        "arn:{partition}:sagemaker:{region}:{owner}:model-package/{}/*",
        name.to_ascii_lowercase()
    );
    let doc = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "MlopsSharedGroupRead",
                "Effect": "Allow",
                "Principal": {"AWS": principals},
                "Action": ["sagemaker:DescribeModelPackageGroup"],
                "Resource": group_arn,
            },
            {
                "Sid": "MlopsSharedVersionsReadDeploy",
                "Effect": "Allow",
                "Principal": {"AWS": principals},
                "Action": [
                    "sagemaker:DescribeModelPackage",
                    "sagemaker:ListModelPackages",
                    "sagemaker:CreateModel"
                ],
                "Resource": packages,
            }
        ]
    });
    serde_json::to_string(&doc).ok()
}

/// Account IDs named as principals in Allow statements of a policy document.
fn accounts_in_policy(policy: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let Ok(doc) = serde_json::from_str::<serde_json::Value>(policy) else {
        return out;
    };
    let stmts = match doc.get("Statement") {
        Some(serde_json::Value::Array(a)) => a.clone(),
        Some(s) => vec![s.clone()],
        None => vec![],
    };
    for s in stmts {
        if s.get("Effect").and_then(|e| e.as_str()) != Some("Allow") {
            continue;
        }
        let p = s.get("Principal").and_then(|p| p.get("AWS")).cloned();
        let list = match p {
            Some(serde_json::Value::String(x)) => vec![x],
            Some(serde_json::Value::Array(a)) => a
                .into_iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect(),
            _ => vec![],
        };
        for p in list {
            // "123456789012" or "arn:aws:iam::123456789012:root"
            let id = p.split(':').nth(4).unwrap_or(&p).to_string();
            if id.len() == 12 && id.chars().all(|c| c.is_ascii_digit()) {
                out.insert(id);
            }
        }
    }
    out
}

impl ModelPackageGroup {
    /// Read the group as it is remotely; `None` when it does not exist.
    async fn read_remote(
        &self,
        c: &Clients,
        prior: &ModelPackageGroupState,
    ) -> Result<Option<ModelPackageGroupState>, Diagnostics> {
        let sm = &c.sagemaker;
        let d = match sm
            .describe_model_package_group()
            .model_package_group_name(&prior.name)
            .send()
            .await
        {
            Ok(d) => d,
            Err(e) if is_not_found(&e) => return Ok(None),
            Err(e) => return Err(api_error("DescribeModelPackageGroup", &prior.name, &e).into()),
        };
        if matches!(
            d.model_package_group_status(),
            Some(ModelPackageGroupStatus::Deleting)
        ) {
            return Ok(None);
        }
        let arn = d.model_package_group_arn().unwrap_or_default().to_string();
        let remote_tags = list_tags(sm, &arn).await?;
        let policy = match sm
            .get_model_package_group_policy()
            .model_package_group_name(&prior.name)
            .send()
            .await
        {
            Ok(p) => p.resource_policy().map(String::from),
            Err(e) if is_not_found(&e) || error_code(&e) == Some("ResourceNotFound") => None,
            Err(e) => return Err(api_error("GetModelPackageGroupPolicy", &prior.name, &e).into()),
        };
        let accounts = policy
            .as_deref()
            .map(accounts_in_policy)
            .unwrap_or_default();
        let description = d
            .model_package_group_description()
            .filter(|s| !s.is_empty())
            .map(String::from);
        Ok(Some(ModelPackageGroupState {
            name: d
                .model_package_group_name()
                .unwrap_or(&prior.name)
                .to_string(),
            // keep the user's "" spelling when SageMaker returns nothing
            description: match (&prior.description, description) {
                (Some(p), None) if p.is_empty() => Some(String::new()),
                (_, d) => d,
            },
            shared_with_accounts: if accounts.is_empty() && prior.shared_with_accounts.is_none() {
                None
            } else {
                Some(accounts)
            },
            force_destroy: Some(prior.force_destroy.unwrap_or(false)),
            tags: user_tags(&remote_tags, &c.default_tags, prior.tags.as_ref()),
            tags_all: Some(remote_tags),
            arn: Some(arn),
            created_time: timestamp(d.creation_time()),
            resource_policy: policy,
        }))
    }

    async fn put_policy(
        &self,
        c: &Clients,
        name: &str,
        arn: &str,
        accounts: &BTreeSet<String>,
    ) -> Result<(), Diagnostics> {
        let sm = &c.sagemaker;
        match policy_for(arn, name, accounts) {
            Some(policy) => sm
                .put_model_package_group_policy()
                .model_package_group_name(name)
                .resource_policy(policy)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| api_error("PutModelPackageGroupPolicy", name, &e).into()),
            None => match sm
                .delete_model_package_group_policy()
                .model_package_group_name(name)
                .send()
                .await
            {
                Ok(_) => Ok(()),
                Err(e) if is_not_found(&e) || error_code(&e) == Some("ResourceNotFound") => Ok(()),
                Err(e) => Err(api_error("DeleteModelPackageGroupPolicy", name, &e).into()),
            },
        }
    }

    /// ARNs of all versions in the group.
    async fn versions(&self, c: &Clients, name: &str) -> Result<Vec<String>, Diagnostics> {
        let mut out = Vec::new();
        let mut token = None;
        loop {
            let resp = c
                .sagemaker
                .list_model_packages()
                .model_package_group_name(name)
                .model_package_type(aws_sdk_sagemaker::types::ModelPackageType::Both)
                .max_results(100)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| Diagnostics::from(api_error("ListModelPackages", name, &e)))?;
            out.extend(
                resp.model_package_summary_list()
                    .iter()
                    .filter_map(|s| s.model_package_arn().map(String::from)),
            );
            match resp.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => break,
            }
        }
        Ok(out)
    }
}

#[async_trait]
impl Resource for ModelPackageGroup {
    type Client = Clients;
    type State = ModelPackageGroupState;
    const TYPE_NAME: &'static str = "mlops_model_package_group";

    fn timeouts(&self) -> TimeoutDefaults {
        TimeoutDefaults {
            create: Some(Duration::from_secs(10 * 60)),
            delete: Some(Duration::from_secs(30 * 60)),
            ..Default::default()
        }
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        validate_tags(config, "tags", diags);
    }

    fn modify_plan(&self, mut plan: PlanCtx<'_, Clients>) {
        plan_tags_all(&mut plan);
        // The policy text follows shared_with_accounts: known when unchanged.
        if !plan.prior.is_null()
            && plan
                .prior
                .attr("shared_with_accounts")
                .semantic_eq(plan.planned.attr("shared_with_accounts"))
        {
            let prior_policy = plan.prior.attr("resource_policy").clone();
            if let Some(o) = plan.planned.as_object_mut() {
                o.insert("resource_policy".into(), prior_policy);
            }
        }
    }

    async fn create(
        &self,
        ctx: &mut Ctx<Clients>,
        planned: ModelPackageGroupState,
    ) -> Result<ModelPackageGroupState, Failure<ModelPackageGroupState>> {
        let c = ctx.client.clone();
        let sm = &c.sagemaker;
        let name = planned.name.clone();
        let tags_all = merge_tags(&c.default_tags, planned.tags.as_ref());
        let resp = sm
            .create_model_package_group()
            .model_package_group_name(&name)
            .set_model_package_group_description(planned.description.clone())
            .set_tags(sdk_tags(&tags_all))
            .send()
            .await
            .map_err(|e| Failure::new(api_error("CreateModelPackageGroup", &name, &e)))?;
        let arn = resp
            .model_package_group_arn()
            .unwrap_or_default()
            .to_string();
        tracing::info!(name = %name, arn = %arn, "model package group created");
        // From here on the group exists: failures keep it in state (tainted).
        let partial = ModelPackageGroupState {
            arn: Some(arn.clone()),
            tags_all: Some(tags_all),
            ..planned.clone()
        };
        let fail = |d: Diagnostics| Failure::with_partial(partial.clone(), d);
        wait_for(
            &format!("model package group {name} to be ready"),
            ctx.timeout,
            &ctx.cancel,
            Backoff::default(),
            || async {
                let d = sm
                    .describe_model_package_group()
                    .model_package_group_name(&name)
                    .send()
                    .await
                    .map_err(|e| {
                        Diagnostics::from(api_error("DescribeModelPackageGroup", &name, &e))
                    })?;
                match d.model_package_group_status() {
                    Some(ModelPackageGroupStatus::Completed) | None => Ok(Check::Done(())),
                    Some(ModelPackageGroupStatus::Failed) => Err(Diagnostic::error(
                        "Model package group creation failed",
                        format!("SageMaker reports group {name} as Failed."),
                    )
                    .into()),
                    Some(s) => Ok(Check::Pending(s.as_str().to_string())),
                }
            },
        )
        .await
        .map_err(fail)?;
        if let Some(accts) = planned
            .shared_with_accounts
            .as_ref()
            .filter(|a| !a.is_empty())
        {
            self.put_policy(&c, &name, &arn, accts)
                .await
                .map_err(fail)?;
        }
        Failure::read_back(
            self.read_remote(&c, &planned).await,
            || {
                Diagnostic::error(
                    "Model package group vanished",
                    format!("Group {name} was created but could not be read back."),
                )
            },
            fail,
        )
    }

    async fn read(
        &self,
        ctx: &mut Ctx<Clients>,
        current: ModelPackageGroupState,
    ) -> Result<Option<ModelPackageGroupState>, Diagnostics> {
        let s = self.read_remote(&ctx.client, &current).await?;
        if s.is_none() {
            tracing::info!(name = %current.name, "model package group is gone; removing it from state");
        }
        Ok(s)
    }

    async fn update(
        &self,
        ctx: &mut Ctx<Clients>,
        prior: ModelPackageGroupState,
        planned: ModelPackageGroupState,
    ) -> Result<ModelPackageGroupState, Failure<ModelPackageGroupState>> {
        let c = ctx.client.clone();
        let arn = prior.arn.clone().unwrap_or_default();
        let keep = |d: Diagnostics| Failure::with_partial(prior.clone(), d);
        let want = merge_tags(&c.default_tags, planned.tags.as_ref());
        let have = prior.tags_all.clone().unwrap_or_default();
        if want != have {
            update_tags(&c.sagemaker, &arn, &have, &want)
                .await
                .map_err(keep)?;
        }
        let want_accts = planned.shared_with_accounts.clone().unwrap_or_default();
        let have_accts = prior.shared_with_accounts.clone().unwrap_or_default();
        if want_accts != have_accts || (want_accts.is_empty() && prior.resource_policy.is_some()) {
            self.put_policy(&c, &planned.name, &arn, &want_accts)
                .await
                .map_err(keep)?;
        }
        match self.read_remote(&c, &planned).await {
            Ok(Some(s)) => Ok(s),
            Ok(None) => Err(Failure::new(Diagnostic::error(
                "Model package group vanished",
                format!("Group {} disappeared during the update.", planned.name),
            ))),
            Err(d) => Err(keep(d)),
        }
    }

    async fn delete(
        &self,
        ctx: &mut Ctx<Clients>,
        current: ModelPackageGroupState,
    ) -> Result<(), Diagnostics> {
        let c = ctx.client.clone();
        let sm = &c.sagemaker;
        let name = current.name.clone();
        let versions = self.versions(&c, &name).await?;
        if !versions.is_empty() {
            if current.force_destroy != Some(true) {
                let shown: Vec<&str> = versions
                    .iter()
                    .take(5)
                    .map(|a| a.rsplit('/').next().unwrap_or(a))
                    .collect();
                return Err(Diagnostic::error(
                    "Model package group is not empty",
                    format!(
                        "Group {name} still holds {} model version(s) (versions {}{}). Nothing was deleted. Set force_destroy = true and apply to delete the versions with the group, or delete the versions first.",
                        versions.len(),
                        shown.join(", "),
                        if versions.len() > 5 { ", ..." } else { "" }
                    ),
                )
                .at(AttrPath::attr("force_destroy"))
                .into());
            }
            tracing::info!(name = %name, count = versions.len(), "force_destroy: deleting model versions");
            for arn in &versions {
                match sm
                    .delete_model_package()
                    .model_package_name(arn)
                    .send()
                    .await
                {
                    Ok(_) => {}
                    Err(e) if is_not_found(&e) => {}
                    Err(e) => return Err(api_error("DeleteModelPackage", arn, &e).into()),
                }
            }
        }
        wait_for(
            &format!("model package group {name} to be deleted"),
            ctx.timeout,
            &ctx.cancel,
            Backoff::default(),
            || async {
                match sm
                    .delete_model_package_group()
                    .model_package_group_name(&name)
                    .send()
                    .await
                {
                    Ok(_) => {}
                    Err(e) if is_not_found(&e) => return Ok(Check::Done(())),
                    // versions still being deleted
                    Err(e) if error_code(&e) == Some("ConflictException") => {
                        return Ok(Check::Pending(
                            "waiting for its versions to be deleted".into(),
                        ))
                    }
                    Err(e) => return Err(api_error("DeleteModelPackageGroup", &name, &e).into()),
                }
                gone_check(
                    "DescribeModelPackageGroup",
                    &name,
                    sm.describe_model_package_group()
                        .model_package_group_name(&name)
                        .send()
                        .await,
                    |d| {
                        d.model_package_group_status()
                            .map(|s| s.as_str().to_string())
                    },
                )
            },
        )
        .await
    }

    async fn import(
        &self,
        _ctx: &mut Ctx<Clients>,
        id: &str,
    ) -> Result<ModelPackageGroupState, Diagnostics> {
        if !(1..=63).contains(&id.len()) || !ENTITY_NAME_RE.is_match(id) {
            return Err(Diagnostic::error(
                "Invalid import ID",
                format!("Import a model package group by its name (1-63 letters, digits and hyphens); got {id:?}."),
            )
            .into());
        }
        Ok(ModelPackageGroupState {
            name: id.to_string(),
            description: None,
            shared_with_accounts: None,
            force_destroy: Some(false),
            tags: None,
            tags_all: None,
            arn: None,
            created_time: None,
            resource_policy: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_round_trip() {
        let accts: BTreeSet<String> = ["111111111111", "222222222222"]
            .into_iter()
            .map(String::from)
            .collect();
        let p = policy_for(
            "arn:aws:sagemaker:eu-west-1:123456789012:model-package-group/Churn",
            "Churn",
            &accts,
        )
        .unwrap();
        assert!(p.contains("model-package/churn/*"));
        assert!(p.contains("arn:aws:iam::111111111111:root"));
        assert_eq!(accounts_in_policy(&p), accts);
        assert!(policy_for("arn:aws:x", "n", &BTreeSet::new()).is_none());
    }
}
