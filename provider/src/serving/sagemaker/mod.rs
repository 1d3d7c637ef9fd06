//! The SageMaker backend of `mlops_endpoint`: content-named models and endpoint config
//! ([`models_configs`]), the endpoint, autoscaling ([`autoscaling`]), rollback alarms and
//! safe updates ([`rollout`]), the smoke test ([`smoke_test`](mod@smoke_test)), reading back ([`read`]) and
//! plan-time checks ([`validate`]).
//!
//! An update creates the new models and endpoint config first, switches the endpoint with a
//! blue/green deployment watched by rollback alarms, checks that the new config really
//! serves, and deletes the old config only afterwards; state always records what serves.

pub mod autoscaling;
pub mod existing;
pub mod leftovers;
pub mod models_configs;
pub mod read;
pub mod rollout;
pub mod smoke_test;
pub mod validate;

use std::collections::{BTreeMap, BTreeSet};

use mlops_framework::{
    async_trait, Backend, Ctx, Diagnostic, Diagnostics, Failure, PlanCtx, Value,
};

use self::autoscaling::{apply_autoscaling, current_capacity, deregister_all};
use self::models_configs::{
    build_models, create_config, delete_config_and_models, delete_model_best_effort, model_names,
    plan_names,
};
use self::read::read_endpoint;
use self::rollout::{ensure_alarms, switch_config, Switch};
use self::smoke_test::smoke_test;
use super::model::EndpointState;
use crate::aws::{
    api_error, delete_alarms, is_in_progress, is_not_found, merge_tags, plan_tags_all, update_tags,
};
use crate::clients::Clients;
use crate::sagemaker::endpoint::{wait_deleted, wait_settled};

/// The backend.
pub struct SageMaker;

#[async_trait]
impl Backend<Clients, EndpointState> for SageMaker {
    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        validate::validate(config, diags);
    }

    fn modify_plan(&self, mut plan: PlanCtx<'_, Clients>) {
        plan_tags_all(&mut plan);
        plan_names(plan.planned, plan.config);
        leftovers::plan_cleanup(&mut plan);
    }

    async fn create(
        &self,
        ctx: &mut Ctx<Clients>,
        planned: EndpointState,
    ) -> Result<EndpointState, Failure<EndpointState>> {
        let c = ctx.client.clone();
        // Someone else's endpoint of this name fails the create before anything is made.
        let found = existing::look(&c, &planned.name)
            .await
            .map_err(Failure::new)?;
        let tags = merge_tags(&c.default_tags, planned.tags.as_ref());
        let mut s = build_models(&c, &planned, &tags)
            .await
            .map_err(Failure::new)?;
        let cfg = s.endpoint_config_name.clone().unwrap_or_default();
        create_config(&c, &s, &cfg, &BTreeMap::new(), &tags)
            .await
            .map_err(Failure::new)?;
        s.tags_all = Some(tags.clone());
        let partial = |s: &EndpointState| {
            let s = s.clone();
            move |d: Diagnostics| Failure::with_partial(s, d)
        };
        s.alarm_names = Some(ensure_alarms(&c, &s, &tags).await.map_err(partial(&s))?);
        s.arn = Some(
            existing::create_or_adopt(ctx, found, &s, &tags)
                .await
                .map_err(partial(&s))?,
        );
        let d = wait_settled(
            ctx,
            &s.name,
            &format!("endpoint {} to be InService", s.name),
        )
        .await
        .map_err(partial(&s))?;
        if d.endpoint_status() == Some(&aws_sdk_sagemaker::types::EndpointStatus::Failed) {
            return Err(Failure::with_partial(
                s.clone(),
                Diagnostic::error(
                    "Endpoint creation failed",
                    format!(
                        "SageMaker could not create endpoint {}: {}",
                        s.name,
                        d.failure_reason().unwrap_or("(no reason given)")
                    ),
                ),
            ));
        }
        apply_autoscaling(&c, &s, None).await.map_err(partial(&s))?;
        smoke_test(&c, &s).await.map_err(partial(&s))?;
        let read = read_endpoint(&c, &s).await;
        Failure::read_back(
            read,
            || {
                Diagnostic::error(
                    "Endpoint vanished",
                    format!(
                        "Endpoint {} was created but cannot be read back.",
                        planned.name
                    ),
                )
            },
            partial(&s),
        )
    }

    async fn read(
        &self,
        ctx: &mut Ctx<Clients>,
        current: EndpointState,
    ) -> Result<Option<EndpointState>, Diagnostics> {
        let read = read_endpoint(&ctx.client, &current).await?;
        if let Some(s) = &read {
            leftovers::note(&mut ctx.private, &current, s);
        }
        Ok(read)
    }

    async fn update(
        &self,
        ctx: &mut Ctx<Clients>,
        prior: EndpointState,
        planned: EndpointState,
    ) -> Result<EndpointState, Failure<EndpointState>> {
        let c = ctx.client.clone();
        let tags = merge_tags(&c.default_tags, planned.tags.as_ref());
        // What serves now stays in state until the new config really serves.
        let keep = |d: Diagnostics| Failure::with_partial(prior.clone(), d);
        let mut next = build_models(&c, &planned, &tags).await.map_err(keep)?;
        next.arn = prior.arn.clone();
        next.tags_all = Some(tags.clone());
        let alarms = ensure_alarms(&c, &next, &tags).await.map_err(keep)?;
        let stale_alarms: Vec<String> = prior
            .alarm_names
            .iter()
            .flatten()
            .filter(|a| !alarms.contains(a))
            .cloned()
            .collect();
        next.alarm_names = Some(alarms.clone());
        let serving_config = prior.endpoint_config_name.as_deref().unwrap_or_default();
        if next.endpoint_config_name.as_deref().unwrap_or_default() != serving_config {
            let capacity = current_capacity(&c, &planned).await.map_err(keep)?;
            let switch = Switch {
                capacity: &capacity,
                alarms: &alarms,
                tags: &tags,
            };
            switch_config(ctx, &prior, &next, switch).await?;
        }
        let recorded = |d: Diagnostics| Failure::with_partial(next.clone(), d);
        apply_autoscaling(&c, &next, Some(&prior))
            .await
            .map_err(recorded)?;
        delete_alarms(&c, &stale_alarms).await.map_err(recorded)?;
        leftovers::delete_leftovers(&c, &mut ctx.private, &next).await;
        if prior.tags_all.as_ref() != Some(&tags) {
            let arn = next.arn.clone().unwrap_or_default();
            update_tags(
                &c.sagemaker,
                &arn,
                prior.tags_all.as_ref().unwrap_or(&BTreeMap::new()),
                &tags,
            )
            .await
            .map_err(recorded)?;
        }
        match read_endpoint(&c, &next).await {
            Ok(Some(s)) => Ok(s),
            Ok(None) => Err(Failure::new(Diagnostic::error(
                "Endpoint vanished",
                format!("Endpoint {} disappeared during the update.", next.name),
            ))),
            Err(d) => Err(Failure::with_partial(next, d)),
        }
    }

    async fn delete(
        &self,
        ctx: &mut Ctx<Clients>,
        current: EndpointState,
    ) -> Result<(), Diagnostics> {
        let c = ctx.client.clone();
        deregister_all(&c, &current).await?;
        // What the endpoint owns goes first (SageMaker lets the config and models of a live
        // endpoint go), so a destroy interrupted anywhere leaves at most the endpoint:
        // still in state before DeleteEndpoint, deleting by itself after it.
        if let Some(cfg) = &current.endpoint_config_name {
            delete_config_and_models(&c, cfg, &BTreeSet::new()).await;
        }
        // Models recorded in state but no longer in the config (e.g. after drift).
        for m in model_names(&current) {
            delete_model_best_effort(&c, &m).await;
        }
        delete_alarms(&c, current.alarm_names.as_deref().unwrap_or_default()).await?;
        let delete = || {
            c.sagemaker
                .delete_endpoint()
                .endpoint_name(&current.name)
                .send()
        };
        match delete().await {
            Ok(_) => {}
            Err(e) if is_not_found(&e) => {}
            // Still being created or updated (e.g. an apply interrupted with Ctrl-C left it
            // tainted mid-create): SageMaker deletes only a settled endpoint.
            Err(e) if is_in_progress(&e) => {
                let what = format!("endpoint {} to settle before deleting it", current.name);
                wait_settled(ctx, &current.name, &what).await?;
                delete()
                    .await
                    .map_err(|e| api_error("DeleteEndpoint", &current.name, &e))?;
            }
            Err(e) => return Err(api_error("DeleteEndpoint", &current.name, &e).into()),
        }
        wait_deleted(ctx, &current.name).await?;
        Ok(())
    }

    async fn import(
        &self,
        _ctx: &mut Ctx<Clients>,
        id: &str,
    ) -> Result<EndpointState, Diagnostics> {
        if !(1..=63).contains(&id.len()) || !crate::validation::ENTITY_NAME_RE.is_match(id) {
            return Err(Diagnostic::error(
                "Invalid import ID",
                format!("Import an endpoint by its name; got {id:?}."),
            )
            .into());
        }
        Ok(EndpointState {
            name: id.to_string(),
            ..Default::default()
        })
    }
}
