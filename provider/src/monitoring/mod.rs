//! `mlops_monitor`: SageMaker Model Monitor for an endpoint or a batch transform's captured
//! data: data quality and/or model quality job definitions with their monitoring schedules,
//! an optional baselining job, and CloudWatch alarms on drift and model-quality metrics that
//! notify an SNS topic (given, or created with e-mail subscriptions).
//!
//! | file | what |
//! |---|---|
//! | [`model`] | the state: schema and docs |
//! | `validate` | configuration checks |
//! | `plan` | plan modification (no remote reads) |
//! | `apply` | create and update, check by check, after the endpoint's data capture is checked |
//! | `read` | refresh |
//! | `definitions` | data and model quality job definitions |
//! | `schedules` | monitoring schedules and the `schedule` expression |
//! | `baseline` | the baselining job of `data_quality.baseline_dataset` |
//! | `alerts` | SNS topic, e-mail subscriptions, CloudWatch alarms |
//! | `analyzer`, `network` | the image, instances and network of the analyzer's jobs |

mod alerts;
mod analyzer;
mod apply;
mod baseline;
mod definitions;
mod leftovers;
pub mod model;
mod network;
mod plan;
mod read;
mod schedules;
mod validate;

use std::time::Duration;

use mlops_framework::{
    async_trait, Ctx, Diagnostic, Diagnostics, Failure, PlanCtx, Resource, TimeoutDefaults, Value,
};

use crate::clients::Clients;
use model::CheckKind;
pub use model::{
    Alerts, BaselineDataset, BatchTransform, DataQuality, ModelQuality, MonitorState, Network,
};

/// The resource.
pub struct Monitor;

/// The state `import` hands to `read`: only the name.
fn import_stub(id: &str) -> Result<MonitorState, Diagnostics> {
    let ok = regex::Regex::new(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,39}$").expect("static regex");
    if id.len() > 40 || !ok.is_match(id) {
        return Err(Diagnostic::error(
            "Invalid import ID",
            format!("Import a monitor by its name; got {id:?}."),
        )
        .into());
    }
    Ok(MonitorState::named(id))
}

#[async_trait]
impl Resource for Monitor {
    type Client = Clients;
    type State = MonitorState;
    const TYPE_NAME: &'static str = "mlops_monitor";

    fn timeouts(&self) -> TimeoutDefaults {
        // a baselining job runs for minutes to an hour
        TimeoutDefaults {
            create: Some(Duration::from_secs(60 * 60)),
            update: Some(Duration::from_secs(60 * 60)),
            delete: Some(Duration::from_secs(20 * 60)),
            ..Default::default()
        }
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        validate::validate(config, diags);
    }

    fn modify_plan(&self, plan: PlanCtx<'_, Clients>) {
        let PlanCtx {
            client,
            prior,
            config,
            planned,
            requires_replace,
            private,
            diags,
        } = plan;
        plan::modify_plan(PlanCtx {
            client,
            prior,
            config,
            planned: &mut *planned,
            requires_replace: &mut *requires_replace,
            private: &mut *private,
            diags: &mut *diags,
        });
        leftovers::plan_cleanup(&mut PlanCtx {
            client,
            prior,
            config,
            planned,
            requires_replace,
            private,
            diags,
        });
    }

    async fn create(
        &self,
        ctx: &mut Ctx<Clients>,
        planned: MonitorState,
    ) -> Result<MonitorState, Failure<MonitorState>> {
        apply::apply(ctx, None, &planned).await
    }

    async fn read(
        &self,
        ctx: &mut Ctx<Clients>,
        current: MonitorState,
    ) -> Result<Option<MonitorState>, Diagnostics> {
        let read = read::read_remote(&ctx.client, &current).await?;
        if let Some(s) = &read {
            leftovers::note(&mut ctx.private, &current, s);
        }
        Ok(read)
    }

    async fn update(
        &self,
        ctx: &mut Ctx<Clients>,
        prior: MonitorState,
        planned: MonitorState,
    ) -> Result<MonitorState, Failure<MonitorState>> {
        let next = apply::apply(ctx, Some(&prior), &planned).await?;
        leftovers::forget(&mut ctx.private);
        Ok(next)
    }

    /// Alarms and the owned topic, then per check the schedule and every definition of
    /// ours: the recorded one and any the state lost track of (e.g. after the schedule was
    /// pointed elsewhere out of band).
    async fn delete(
        &self,
        ctx: &mut Ctx<Clients>,
        current: MonitorState,
    ) -> Result<(), Diagnostics> {
        let c: &Clients = &ctx.client;
        alerts::delete_alerts(c, &current).await?;
        for kind in CheckKind::ALL {
            schedules::delete_schedule(ctx, &schedules::schedule_name(&current.name, kind)).await?;
            let mut defs = definitions::own_definitions(c, &current.name, kind).await?;
            defs.extend(
                current
                    .job_definition(kind)
                    .filter(|d| definitions::is_ours(&current.name, kind, d))
                    .cloned(),
            );
            defs.sort();
            defs.dedup();
            for d in defs {
                definitions::delete_definition(c, kind, &d).await?;
            }
        }
        Ok(())
    }

    async fn import(&self, _ctx: &mut Ctx<Clients>, id: &str) -> Result<MonitorState, Diagnostics> {
        import_stub(id)
    }
}
