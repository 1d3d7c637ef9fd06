//! The SageMaker backend of `mlops_model_package_group`: a model package group, its
//! cross-account resource policy ([`super::policy`]) and its GitLab hook
//! ([`super::on_approval`]).

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_sagemaker::types::ModelPackageGroupStatus;
use mlops_framework::{
    async_trait, wait_for, wait_until, AttrPath, Backend, Backoff, Check, Ctx, Diagnostic,
    Diagnostics, Failure, PlanCtx, PrivateState, Value, Waited, Want,
};

use super::on_approval::{
    delete_hook, ensure_hook, hook_inputs, read_hook, validate_hook, DEFAULT_GITLAB, DISCOVER_HOOK,
};
use super::policy::{accounts_in_policy, policy_for};
use super::{replace_when_description_changes, SageMakerRegistry};
use crate::aws::{
    api_error, error_code, is_already_exists, is_not_found, list_all_tags, list_tags, merge_tags,
    plan_tags_all, sdk_tags, timestamp, update_tags, user_tags,
};
use crate::clients::Clients;
use crate::ownership::{existing, log_adopting, marked_tags, Existing, Taken, MARKER_TAG};
use crate::registry::group::{ModelPackageGroupState, OnApproval};
use crate::sagemaker::model_package::{find_group_policy, find_model_package_group, group_phase};
use crate::validation::{validate_tags, ENTITY_NAME_RE};

/// Create the group (with the marker), or adopt the one of its name an interrupted
/// apply left half-made (converging its tags; its description cannot change); its ARN.
/// Anyone else's group fails the create, naming it and its import block.
async fn create_or_adopt(
    c: &Clients,
    planned: &ModelPackageGroupState,
    tags_all: &BTreeMap<String, String>,
) -> Result<String, Diagnostics> {
    let name = &planned.name;
    let tags = marked_tags(tags_all);
    let answer = c
        .sagemaker
        .create_model_package_group()
        .model_package_group_name(name)
        .set_model_package_group_description(planned.description.clone())
        .set_tags(sdk_tags(&tags))
        .send()
        .await;
    let e = match answer {
        Ok(r) => {
            let arn = r.model_package_group_arn().unwrap_or_default().to_string();
            tracing::info!(name = %name, arn = %arn, "model package group created");
            return Ok(arn);
        }
        Err(e) if is_already_exists(&e) => e,
        Err(e) => return Err(api_error("CreateModelPackageGroup", name, &e).into()),
    };
    let Some(d) = find_model_package_group(c, name).await? else {
        return Err(api_error("CreateModelPackageGroup", name, &e).into());
    };
    let arn = d.model_package_group_arn().unwrap_or_default().to_string();
    let have = list_all_tags(&c.sagemaker, &arn).await?;
    if existing(&have) == Existing::Foreign {
        return Err(Taken {
            kind: "Model package group",
            name,
            resource_type: "mlops_model_package_group",
            import_id: name,
            marker: MARKER_TAG,
            at: AttrPath::attr("name"),
        }
        .diagnostic()
        .into());
    }
    log_adopting("Model package group", name);
    if d.model_package_group_description() != planned.description.as_deref() {
        return Err(Diagnostic::error(
            "Half-made group has another description",
            format!("Model package group {name} was left by an interrupted apply with description {:?}; SageMaker cannot change a group's description: set description to that value, or delete the group and apply again.", d.model_package_group_description().unwrap_or_default()),
        )
        .at(AttrPath::attr("description"))
        .into());
    }
    update_tags(&c.sagemaker, &arn, &have, &tags).await?;
    Ok(arn)
}

/// Read the group as it is remotely; `None` when it does not exist.
pub(super) async fn read_group(
    c: &Clients,
    prior: &ModelPackageGroupState,
) -> Result<Option<ModelPackageGroupState>, Diagnostics> {
    let sm = &c.sagemaker;
    let Some(d) = find_model_package_group(c, &prior.name).await? else {
        return Ok(None);
    };
    if matches!(
        d.model_package_group_status(),
        Some(ModelPackageGroupStatus::Deleting)
    ) {
        return Ok(None);
    }
    let arn = d.model_package_group_arn().unwrap_or_default().to_string();
    let remote_tags = list_tags(sm, &arn).await?;
    let policy = find_group_policy(c, &prior.name).await?;
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
        on_approval: prior.on_approval.clone(),
        mlflow: None,
    }))
}

async fn put_policy(
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
async fn version_arns(c: &Clients, name: &str) -> Result<Vec<String>, Diagnostics> {
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

#[async_trait]
impl Backend<Clients, ModelPackageGroupState> for SageMakerRegistry {
    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        validate_tags(config, "tags", diags);
        validate_hook(config, diags);
    }

    fn modify_plan(&self, mut plan: PlanCtx<'_, Clients>) {
        plan_tags_all(&mut plan);
        replace_when_description_changes(&mut plan);
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
        let name = planned.name.clone();
        let tags_all = merge_tags(&c.default_tags, planned.tags.as_ref());
        let arn = create_or_adopt(&c, &planned, &tags_all)
            .await
            .map_err(Failure::new)?;
        // From here on the group exists: failures keep it in state (tainted).
        let partial = ModelPackageGroupState {
            arn: Some(arn.clone()),
            tags_all: Some(tags_all),
            ..planned.clone()
        };
        let fail = |d: Diagnostics| Failure::with_partial(partial.clone(), d);
        let waited = wait_until(
            &format!("model package group {name} to be ready"),
            ctx.timeout,
            &ctx.cancel,
            Want::Present,
            || find_model_package_group(&c, &name),
            group_phase,
        )
        .await
        .map_err(fail)?;
        if let Waited::Failed { .. } = waited {
            return Err(fail(
                Diagnostic::error(
                    "Model package group creation failed",
                    format!("SageMaker reports group {name} as Failed."),
                )
                .into(),
            ));
        }
        if let Some(accts) = planned
            .shared_with_accounts
            .as_ref()
            .filter(|a| !a.is_empty())
        {
            put_policy(&c, &name, &arn, accts).await.map_err(fail)?;
        }
        let hook = match &planned.on_approval {
            Some(want) => match ensure_hook(ctx, &name, &arn, None, want).await {
                Ok(h) => Some(h),
                Err((h, d)) => {
                    return Err(Failure::with_partial(
                        ModelPackageGroupState {
                            on_approval: h,
                            ..partial.clone()
                        },
                        d,
                    ))
                }
            },
            None => None,
        };
        let with_hook = ModelPackageGroupState {
            on_approval: hook.clone(),
            ..partial.clone()
        };
        let fail = |d: Diagnostics| Failure::with_partial(with_hook.clone(), d);
        let read = read_group(&c, &planned).await.map(|s| {
            s.map(|s| ModelPackageGroupState {
                on_approval: hook,
                ..s
            })
        });
        Failure::read_back(
            read,
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
        let c = ctx.client.clone();
        let discover = ctx.private.remove(DISCOVER_HOOK).is_some();
        let Some(mut s) = read_group(&c, &current).await? else {
            tracing::info!(name = %current.name, "model package group is gone; removing it from state");
            return Ok(None);
        };
        let arn = s.arn.clone().unwrap_or_default();
        s.on_approval = match &current.on_approval {
            Some(h) => {
                let h = read_hook(&c, &s.name, &arn, h).await?;
                if h.is_none() {
                    tracing::info!(name = %s.name, "a part of the on_approval hook is gone; the plan re-creates it");
                }
                h
            }
            None if discover => {
                // import: restore the hook, all but its token
                let blank = OnApproval {
                    gitlab_url: Some(DEFAULT_GITLAB.into()),
                    project: String::new(),
                    git_ref: String::new(),
                    trigger_token: None,
                    trigger_token_wo: None,
                    trigger_token_wo_version: None,
                    variables: None,
                    rule_arn: None,
                    connection_arn: None,
                    api_destination_arn: None,
                    role_arn: None,
                };
                match read_hook(&c, &s.name, &arn, &blank).await {
                    Ok(h) => h,
                    Err(d) => {
                        tracing::warn!(name = %s.name, error = ?d.0.first().map(|x| &x.detail), "could not look for an on_approval hook");
                        None
                    }
                }
            }
            None => None,
        };
        Ok(Some(s))
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
            put_policy(&c, &planned.name, &arn, &want_accts)
                .await
                .map_err(keep)?;
        }
        let hook = match (&prior.on_approval, &planned.on_approval) {
            (Some(_), None) => {
                delete_hook(&c, &planned.name).await.map_err(keep)?;
                tracing::info!(name = %planned.name, "on_approval hook removed");
                None
            }
            (None, None) => None,
            (before, Some(want)) => {
                let unchanged = before
                    .as_ref()
                    .is_some_and(|b| hook_inputs(b) == hook_inputs(want) && b.rule_arn.is_some());
                if unchanged {
                    before.clone()
                } else {
                    match ensure_hook(ctx, &planned.name, &arn, before.as_ref(), want).await {
                        Ok(h) => Some(h),
                        Err((h, d)) => {
                            return Err(Failure::with_partial(
                                ModelPackageGroupState {
                                    on_approval: h,
                                    ..prior.clone()
                                },
                                d,
                            ))
                        }
                    }
                }
            }
        };
        match read_group(&c, &planned).await {
            Ok(Some(s)) => Ok(ModelPackageGroupState {
                on_approval: hook,
                ..s
            }),
            Ok(None) => Err(Failure::new(Diagnostic::error(
                "Model package group vanished",
                format!("Group {} disappeared during the update.", planned.name),
            ))),
            Err(d) => Err(Failure::with_partial(
                ModelPackageGroupState {
                    on_approval: hook,
                    ..prior.clone()
                },
                d,
            )),
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
        let versions = version_arns(&c, &name).await?;
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
        if current.on_approval.is_some() {
            delete_hook(&c, &name).await?;
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
                Ok(match find_model_package_group(&c, &name).await? {
                    None => Check::Done(()),
                    Some(d) => Check::Pending(
                        d.model_package_group_status()
                            .map_or("Deleting", |s| s.as_str())
                            .to_string(),
                    ),
                })
            },
        )
        .await
    }

    async fn import(
        &self,
        ctx: &mut Ctx<Clients>,
        id: &str,
    ) -> Result<ModelPackageGroupState, Diagnostics> {
        let (state, private) = import_start(id)?;
        ctx.private.extend(private);
        Ok(state)
    }
}

/// The state an import (or a `moved` from `aws_sagemaker_model_package_group`) of group
/// `id` starts from, and the private flag that makes the next read look for the group's
/// on_approval hook.
pub(crate) fn import_start(
    id: &str,
) -> Result<(ModelPackageGroupState, PrivateState), Diagnostics> {
    if !(1..=63).contains(&id.len()) || !ENTITY_NAME_RE.is_match(id) {
        return Err(Diagnostic::error(
            "Invalid import ID",
            format!("Import a model package group by its name (1-63 letters, digits and hyphens); got {id:?}."),
        )
        .into());
    }
    let mut private = PrivateState::new();
    private.insert(DISCOVER_HOOK.into(), serde_json::Value::Bool(true));
    let state = ModelPackageGroupState {
        name: id.to_string(),
        description: None,
        shared_with_accounts: None,
        force_destroy: Some(false),
        tags: None,
        tags_all: None,
        arn: None,
        created_time: None,
        resource_policy: None,
        on_approval: None,
        mlflow: None,
    };
    Ok((state, private))
}
