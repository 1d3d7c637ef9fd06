//! Create and update: each check brought to the planned state (baselining job, job
//! definition, schedule), then the alerts, then changed tags. What exists is recorded as it
//! is created, so a failure never loses a remote object.

use std::collections::BTreeMap;

use mlops_framework::{Ctx, Diagnostics, Failure};

use super::alerts::apply_alerts;
use super::baseline::ensure_baseline;
use super::definitions::{
    create_definition, definition_arn, definition_name, delete_definition, is_ours, own_definitions,
};
use super::model::{CheckKind, MonitorState};
use super::schedules::{create_schedule, cron_of, delete_schedule, schedule_name, switch_schedule};
use crate::aws::{merge_tags, update_tags};
use crate::clients::Clients;

/// Bring the monitor from `prior` (`None` on create) to `planned`.
pub(super) async fn apply(
    ctx: &Ctx<Clients>,
    prior: Option<&MonitorState>,
    planned: &MonitorState,
) -> Result<MonitorState, Failure<MonitorState>> {
    let c: &Clients = &ctx.client;
    let tags = merge_tags(&c.default_tags, planned.tags.as_ref());
    // What exists so far is recorded as it is created: nothing is lost on a failure.
    let mut cur = match prior {
        Some(p) => p.clone(),
        None => MonitorState {
            baselining_job_name: None,
            data_quality_job_definition: None,
            model_quality_job_definition: None,
            data_quality_schedule_arn: None,
            model_quality_schedule_arn: None,
            alerts: None,
            alarm_names: Some(vec![]),
            tags_all: Some(tags.clone()),
            ..planned.clone()
        },
    };
    // A create that failed before making anything leaves nothing (no tainted stub).
    let fail = |cur: MonitorState, d: Diagnostics| {
        let made = cur.data_quality_job_definition.is_some()
            || cur.model_quality_job_definition.is_some()
            || cur.alerts.is_some()
            || cur.alarm_names.as_ref().is_some_and(|a| !a.is_empty());
        if prior.is_none() && !made {
            Failure::new(d)
        } else {
            Failure::with_partial(cur, d)
        }
    };
    for kind in CheckKind::ALL {
        if let Err(d) = apply_check(ctx, &mut cur, planned, kind, &tags).await {
            return Err(fail(cur, d));
        }
    }
    if let Err(d) = apply_alerts(c, &mut cur, planned, &tags).await {
        return Err(fail(cur, d));
    }
    if let Some(p) = prior {
        if p.tags_all.as_ref() != Some(&tags) {
            retag(
                c,
                &cur,
                p.tags_all.as_ref().unwrap_or(&BTreeMap::new()),
                &tags,
            )
            .await
            .map_err(|d| Failure::with_partial(cur.clone(), d))?;
        }
    }
    Ok(MonitorState {
        baselining_job_name: planned.baselining_job_name.clone(),
        data_quality_job_definition: cur.data_quality_job_definition.clone(),
        model_quality_job_definition: cur.model_quality_job_definition.clone(),
        data_quality_schedule_arn: cur.data_quality_schedule_arn.clone(),
        model_quality_schedule_arn: cur.model_quality_schedule_arn.clone(),
        alerts: cur.alerts.clone(),
        alarm_names: cur.alarm_names.clone(),
        tags_all: Some(tags),
        ..planned.clone()
    })
}

/// Tags of the schedules and their (immutable, but taggable) definitions from `had` to
/// `want`.
async fn retag(
    c: &Clients,
    cur: &MonitorState,
    had: &BTreeMap<String, String>,
    want: &BTreeMap<String, String>,
) -> Result<(), Diagnostics> {
    let mut arns = vec![];
    for kind in CheckKind::ALL {
        if let Some(a) = cur.schedule_arn(kind) {
            arns.extend(
                cur.job_definition(kind)
                    .and_then(|d| definition_arn(a, kind, d)),
            );
            arns.push(a.clone());
        }
    }
    for arn in &arns {
        update_tags(&c.sagemaker, arn, had, want).await?;
    }
    Ok(())
}

/// Bring one check to the planned state, recording in `cur` what exists as it goes.
async fn apply_check(
    ctx: &Ctx<Clients>,
    cur: &mut MonitorState,
    s: &MonitorState,
    kind: CheckKind,
    tags: &BTreeMap<String, String>,
) -> Result<(), Diagnostics> {
    let c: &Clients = &ctx.client;
    let old_def = cur.job_definition(kind).cloned();
    let old_arn = cur.schedule_arn(kind).cloned();
    let Some(new_def) = definition_name(s, kind) else {
        // Check removed: schedule first, then its definition.
        if old_arn.is_some() {
            delete_schedule(ctx, &schedule_name(&s.name, kind)).await?;
            cur.set_check(kind, old_def.clone(), None);
        }
        if let Some(d) = old_def.filter(|d| is_ours(&s.name, kind, d)) {
            delete_definition(c, kind, &d).await?;
        }
        cur.set_check(kind, None, None);
        return Ok(());
    };
    let schedule_changed = cron_of(cur) != cron_of(s);
    let def_changed = old_def.as_deref() != Some(new_def.as_str());
    if def_changed || old_arn.is_none() {
        if kind == CheckKind::Data {
            if let (Some(d), Some(job)) = (
                s.data_quality
                    .as_ref()
                    .and_then(|q| q.baseline_dataset.as_ref()),
                s.baselining_job_name.as_deref(),
            ) {
                ensure_baseline(ctx, s, d, job, tags).await?;
                cur.baselining_job_name = Some(job.to_string());
            }
        }
        create_definition(c, s, kind, &new_def, tags).await?;
        if old_arn.is_none() {
            // not used by a schedule yet: recorded so a failure never loses it
            if let Some(old) = old_def
                .as_deref()
                .filter(|d| *d != new_def && is_ours(&s.name, kind, d))
            {
                delete_definition(c, kind, old).await?;
            }
            cur.set_check(kind, Some(new_def.clone()), None);
        }
    }
    let arn = if old_arn.is_none() {
        create_schedule(ctx, s, kind, &new_def, tags).await?
    } else if def_changed || schedule_changed {
        switch_schedule(ctx, s, kind, &new_def).await?
    } else {
        old_arn
    };
    cur.set_check(kind, Some(new_def.clone()), arn);
    // Every other definition of ours goes: the one replaced, and any an interrupted update
    // left (killed after the schedule switched, before this delete: the refresh then reads
    // the new definition from the schedule and state has lost track of the old one).
    let mut stale = own_definitions(c, &s.name, kind).await?;
    stale.extend(old_def.filter(|d| is_ours(&s.name, kind, d)));
    stale.sort();
    stale.dedup();
    for old in stale.iter().filter(|d| **d != new_def) {
        delete_definition(c, kind, old).await?;
    }
    Ok(())
}
