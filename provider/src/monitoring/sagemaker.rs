//! The SageMaker backend of `mlops_monitor`: Model Monitor job definitions and schedules,
//! the baselining job, CloudWatch alarms and the SNS topic (the modules beside this one).

use mlops_framework::{async_trait, Backend, Ctx, Diagnostics, Failure, PlanCtx, Value};

use super::model::{CheckKind, MonitorState};
use crate::clients::Clients;

/// The backend.
pub struct SageMakerMonitor;

#[async_trait]
impl Backend<Clients, MonitorState> for SageMakerMonitor {
    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        super::validate::validate(config, diags);
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
        super::plan::modify_plan(PlanCtx {
            client,
            prior,
            config,
            planned: &mut *planned,
            requires_replace: &mut *requires_replace,
            private: &mut *private,
            diags: &mut *diags,
        });
        super::leftovers::plan_cleanup(&mut PlanCtx {
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
        super::apply::apply(ctx, None, &planned).await
    }

    async fn read(
        &self,
        ctx: &mut Ctx<Clients>,
        current: MonitorState,
    ) -> Result<Option<MonitorState>, Diagnostics> {
        let read = super::read::read_remote(&ctx.client, &current).await?;
        if let Some(s) = &read {
            super::leftovers::note(&mut ctx.private, &current, s);
        }
        Ok(read)
    }

    async fn update(
        &self,
        ctx: &mut Ctx<Clients>,
        prior: MonitorState,
        planned: MonitorState,
    ) -> Result<MonitorState, Failure<MonitorState>> {
        let next = super::apply::apply(ctx, Some(&prior), &planned).await?;
        super::leftovers::forget(&mut ctx.private);
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
        super::alerts::delete_alerts(c, &current).await?;
        for kind in CheckKind::ALL {
            super::schedules::delete_schedule(
                ctx,
                &super::schedules::schedule_name(&current.name, kind),
            )
            .await?;
            let mut defs = super::definitions::own_definitions(c, &current.name, kind).await?;
            defs.extend(
                current
                    .job_definition(kind)
                    .filter(|d| super::definitions::is_ours(&current.name, kind, d))
                    .cloned(),
            );
            defs.sort();
            defs.dedup();
            for d in defs {
                super::definitions::delete_definition(c, kind, &d).await?;
            }
        }
        Ok(())
    }

    async fn import(&self, _ctx: &mut Ctx<Clients>, id: &str) -> Result<MonitorState, Diagnostics> {
        super::import_stub(id)
    }
}
