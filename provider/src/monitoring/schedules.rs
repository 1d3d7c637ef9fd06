//! Monitoring schedules: one per check (`<name>-data-quality`, `<name>-model-quality`), the
//! `schedule` attribute as a SageMaker schedule expression, and claiming (before a create
//! makes anything), creating, switching (to a new job definition or expression), reading
//! and deleting a schedule.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use aws_sdk_sagemaker::error::ProvideErrorMetadata;
use aws_sdk_sagemaker::types::{MonitoringScheduleConfig, MonitoringType, ScheduleConfig};
use mlops_framework::{wait_until, AttrPath, Ctx, Diagnostic, Diagnostics, Waited, Want};

use super::model::{CheckKind, MonitorState};
use crate::aws::{api_error, is_not_found, sagemaker_existing, sdk_tags};
use crate::clients::Clients;
use crate::ownership::{log_adopting, marked_tags, Existing, Taken, MARKER_TAG};
use crate::sagemaker::monitoring::{
    created, find_monitoring_schedule, schedule_deletion_phase, schedule_phase, Created,
};

const HOURLY: &str = "cron(0 * ? * * *)";
const DAILY: &str = "cron(0 0 ? * * *)";

static CRON_RE: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"^cron\(0 (\*|([0-9]{1,2})(/([0-9]{1,2}))?) (\? \* \*|\* \* \?) \*\)$")
        .expect("static regex")
});

/// A `schedule` value as SageMaker takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ScheduleExpression {
    /// The ScheduleExpression.
    pub cron: String,
    /// Whether it runs every hour (hourly schedules limit the jobs' runtime).
    pub hourly: bool,
}

/// The ScheduleExpression of a `schedule` value; `None` when not a form SageMaker accepts.
pub(super) fn expression(schedule: &str) -> Option<ScheduleExpression> {
    let of = |cron: &str, hourly| {
        Some(ScheduleExpression {
            cron: cron.into(),
            hourly,
        })
    };
    match schedule {
        "hourly" => return of(HOURLY, true),
        "daily" => return of(DAILY, false),
        _ => {}
    }
    let c = CRON_RE.captures(schedule)?;
    if c.get(2).is_none() {
        return of(schedule, true);
    }
    let h: u32 = c[2].parse().ok()?;
    if h > 23 {
        return None;
    }
    match c.get(4) {
        Some(n) => {
            let n: u32 = n.as_str().parse().ok()?;
            (1..=24).contains(&n).then(|| of(schedule, n == 1))?
        }
        None => of(schedule, false),
    }
}

/// The ScheduleExpression of a monitor's `schedule` (`daily` when unset).
pub(super) fn cron_of(s: &MonitorState) -> Option<String> {
    expression(s.schedule.as_deref().unwrap_or("daily")).map(|x| x.cron)
}

pub(super) fn schedule_name(name: &str, kind: CheckKind) -> String {
    match kind {
        CheckKind::Data => format!("{name}-data-quality"),
        CheckKind::Model => format!("{name}-model-quality"),
    }
}

fn monitoring_type(kind: CheckKind) -> MonitoringType {
    match kind {
        CheckKind::Data => MonitoringType::DataQuality,
        CheckKind::Model => MonitoringType::ModelQuality,
    }
}

fn schedule_config(
    s: &MonitorState,
    kind: CheckKind,
    definition: &str,
) -> MonitoringScheduleConfig {
    let expr = cron_of(s).unwrap_or_else(|| DAILY.into());
    MonitoringScheduleConfig::builder()
        .schedule_config(ScheduleConfig::builder().schedule_expression(expr).build())
        .monitoring_job_definition_name(definition)
        .monitoring_type(monitoring_type(kind))
        .build()
}

/// Wait until the schedule is Scheduled; its ARN.
async fn wait_scheduled(ctx: &Ctx<Clients>, name: &str) -> Result<Option<String>, Diagnostics> {
    let c: &Clients = &ctx.client;
    let what = format!("monitoring schedule {name} to be Scheduled");
    let waited = wait_until(
        &what,
        ctx.timeout,
        &ctx.cancel,
        Want::Present,
        || find_monitoring_schedule(c, name),
        schedule_phase,
    )
    .await?;
    match waited {
        Waited::Reached(d) => Ok(d.and_then(|d| d.monitoring_schedule_arn().map(String::from))),
        Waited::Failed { reason, .. } => Err(Diagnostic::error(
            "Monitoring schedule failed",
            format!("Monitoring schedule {name} failed: {reason}"),
        )
        .into()),
    }
}

/// Wait until the schedule is gone.
async fn wait_schedule_deleted(ctx: &Ctx<Clients>, name: &str) -> Result<(), Diagnostics> {
    let c: &Clients = &ctx.client;
    let what = format!("monitoring schedule {name} to be deleted");
    wait_until(
        &what,
        ctx.timeout,
        &ctx.cancel,
        Want::Absent,
        || find_monitoring_schedule(c, name),
        schedule_deletion_phase,
    )
    .await?;
    Ok(())
}

/// Point the schedule at `definition` with the planned expression.
async fn update_schedule(
    c: &Clients,
    s: &MonitorState,
    kind: CheckKind,
    definition: &str,
) -> Result<(), Diagnostics> {
    let sched = schedule_name(&s.name, kind);
    c.sagemaker
        .update_monitoring_schedule()
        .monitoring_schedule_name(&sched)
        .monitoring_schedule_config(schedule_config(s, kind, definition))
        .send()
        .await
        .map_err(|e| api_error("UpdateMonitoringSchedule", &sched, &e))?;
    Ok(())
}

/// Before a schedule is created: a schedule of its name must be one an interrupted apply
/// left (it carries the marker, and is adopted by [`create_schedule`]); anyone
/// else's fails here, naming it and the import block, before anything is made.
pub(super) async fn claim_schedule(
    c: &Clients,
    monitor: &str,
    kind: CheckKind,
) -> Result<(), Diagnostics> {
    let sched = schedule_name(monitor, kind);
    let Some(arn) = find_monitoring_schedule(c, &sched)
        .await?
        .and_then(|d| d.monitoring_schedule_arn().map(String::from))
    else {
        return Ok(());
    };
    match sagemaker_existing(&c.sagemaker, &arn).await? {
        Existing::Ours => {
            log_adopting("Monitoring schedule", &sched);
            Ok(())
        }
        Existing::Foreign => Err(Taken {
            kind: "Monitoring schedule",
            name: &sched,
            resource_type: "mlops_monitor",
            import_id: monitor,
            marker: MARKER_TAG,
            at: AttrPath::attr("name"),
        }
        .diagnostic()
        .into()),
    }
}

/// Create the check's schedule on `definition` with the marker (or adopt the one
/// [`claim_schedule`] found half-made) and wait until it is Scheduled; its ARN.
pub(super) async fn create_schedule(
    ctx: &Ctx<Clients>,
    s: &MonitorState,
    kind: CheckKind,
    definition: &str,
    tags: &BTreeMap<String, String>,
) -> Result<Option<String>, Diagnostics> {
    let sched = schedule_name(&s.name, kind);
    let answer = ctx
        .client
        .sagemaker
        .create_monitoring_schedule()
        .monitoring_schedule_name(&sched)
        .monitoring_schedule_config(schedule_config(s, kind, definition))
        .set_tags(sdk_tags(&marked_tags(tags)))
        .send()
        .await;
    match created("CreateMonitoringSchedule", &sched, answer)? {
        Created::New => tracing::info!(schedule = %sched, "monitoring schedule created"),
        // Half-made by an interrupted create (claimed before anything was made).
        Created::Existing => {
            wait_scheduled(ctx, &sched).await?;
            update_schedule(&ctx.client, s, kind, definition).await?;
        }
    }
    wait_scheduled(ctx, &sched).await
}

/// Switch the check's schedule to `definition` and the planned expression (once a pending
/// change settled); its ARN.
pub(super) async fn switch_schedule(
    ctx: &Ctx<Clients>,
    s: &MonitorState,
    kind: CheckKind,
    definition: &str,
) -> Result<Option<String>, Diagnostics> {
    let sched = schedule_name(&s.name, kind);
    wait_scheduled(ctx, &sched).await?;
    update_schedule(&ctx.client, s, kind, definition).await?;
    tracing::info!(schedule = %sched, definition = %definition, "monitoring schedule switched");
    wait_scheduled(ctx, &sched).await
}

/// Delete a schedule (waiting out a pending change first) and wait until it is gone.
pub(super) async fn delete_schedule(ctx: &Ctx<Clients>, sched: &str) -> Result<(), Diagnostics> {
    let c = &ctx.client;
    let send = || {
        c.sagemaker
            .delete_monitoring_schedule()
            .monitoring_schedule_name(sched)
            .send()
    };
    match send().await {
        Ok(_) => {}
        Err(e) if is_not_found(&e) => return Ok(()),
        // A pending change: an update, or a delete an interrupted apply already sent (the
        // schedule is Pending until it is gone). The message says so; the error's Display
        // does not carry it.
        Err(e)
            if e.as_service_error()
                .and_then(|x| x.message())
                .is_some_and(|m| m.contains("Pending")) =>
        {
            if let Err(d) = wait_scheduled(ctx, sched).await {
                if find_monitoring_schedule(c, sched).await?.is_none() {
                    tracing::info!(schedule = %sched, "monitoring schedule deleted (by an earlier delete)");
                    return Ok(());
                }
                return Err(d);
            }
            match send().await {
                Ok(_) => {}
                Err(e) if is_not_found(&e) => return Ok(()),
                Err(e) => return Err(api_error("DeleteMonitoringSchedule", sched, &e).into()),
            }
        }
        Err(e) => return Err(api_error("DeleteMonitoringSchedule", sched, &e).into()),
    }
    wait_schedule_deleted(ctx, sched).await?;
    tracing::info!(schedule = %sched, "monitoring schedule deleted");
    Ok(())
}

/// What a check's schedule runs.
pub(super) struct ScheduledCheck {
    /// The job definition it runs.
    pub definition: String,
    pub arn: Option<String>,
}

/// Read a check's schedule into `s` (its expression, spelled as configured when it is the
/// same); `None` when the schedule is gone.
pub(super) async fn read_schedule(
    c: &Clients,
    s: &mut MonitorState,
    kind: CheckKind,
) -> Result<Option<ScheduledCheck>, Diagnostics> {
    let sched = schedule_name(&s.name, kind);
    let Some(d) = find_monitoring_schedule(c, &sched).await? else {
        return Ok(None);
    };
    let cfg = d.monitoring_schedule_config();
    if let Some(expr) = cfg
        .and_then(|c| c.schedule_config())
        .and_then(|x| x.schedule_expression())
    {
        let same = s
            .schedule
            .as_deref()
            .and_then(expression)
            .is_some_and(|x| x.cron == expr);
        if !same {
            s.schedule = Some(match expr {
                DAILY => "daily".into(),
                HOURLY => "hourly".into(),
                x => x.to_string(),
            });
        }
    }
    Ok(Some(ScheduledCheck {
        definition: cfg
            .and_then(|c| c.monitoring_job_definition_name())
            .unwrap_or_default()
            .to_string(),
        arn: d.monitoring_schedule_arn().map(String::from),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_sagemaker_accepts() {
        let hourly = |s: &str| expression(s).map(|x| x.hourly);
        assert_eq!(hourly("hourly"), Some(true));
        assert_eq!(expression("daily").map(|x| x.cron).as_deref(), Some(DAILY));
        assert_eq!(hourly("cron(0 * ? * * *)"), Some(true));
        assert_eq!(hourly("cron(0 3 ? * * *)"), Some(false));
        assert_eq!(hourly("cron(0 0/1 ? * * *)"), Some(true));
        assert_eq!(hourly("cron(0 0/6 ? * * *)"), Some(false));
        assert_eq!(hourly("cron(0 24 ? * * *)"), None);
        assert_eq!(hourly("cron(5 * ? * * *)"), None);
        assert_eq!(hourly("rate(1 hour)"), None);
    }
}
