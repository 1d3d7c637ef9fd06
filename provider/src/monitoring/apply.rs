//! Create and update: the monitored endpoint's data capture checked and the schedules'
//! names claimed before anything is made, then each check brought to the planned state
//! (baselining job, job definition, schedule), then the alerts, then changed tags. What exists is
//! recorded as it is created, so a failure never loses a remote object.

use std::collections::BTreeMap;

use mlops_framework::{AttrPath, Ctx, Diagnostic, Diagnostics, Failure};

use super::alerts::apply_alerts;
use super::baseline::ensure_baseline;
use super::definitions::{
    create_definition, definition_arn, definition_name, delete_definition, is_ours, own_definitions,
};
use super::model::{CheckKind, MonitorState};
use super::schedules::{
    claim_schedule, create_schedule, cron_of, delete_schedule, schedule_name, switch_schedule,
};
use crate::aws::{merge_tags, update_tags};
use crate::clients::Clients;
use crate::sagemaker::endpoint::find_endpoint;

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
    // Checks that need remote objects run here, not at plan: the endpoint may be created
    // by the same apply (and exists now), and schedules left by an interrupted create are
    // told from anyone else's before anything is made.
    let endpoint = planned.endpoint_name.as_deref();
    if endpoint.is_some() && endpoint != prior.and_then(|p| p.endpoint_name.as_deref()) {
        if let Err(d) = check_endpoint_captures(c, endpoint.unwrap_or_default()).await {
            return Err(fail(cur, d));
        }
    }
    let new_schedules = CheckKind::ALL
        .into_iter()
        .filter(|k| cur.schedule_arn(*k).is_none() && definition_name(planned, *k).is_some());
    for kind in new_schedules {
        if let Err(d) = claim_schedule(c, &planned.name, kind).await {
            return Err(fail(cur, d));
        }
    }
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

/// The monitored endpoint must exist and capture data: Model Monitor has nothing to
/// analyse otherwise.
async fn check_endpoint_captures(c: &Clients, endpoint: &str) -> Result<(), Diagnostics> {
    let at = AttrPath::attr("endpoint_name");
    let Some(d) = find_endpoint(c, endpoint).await? else {
        return Err(Diagnostic::error(
            "Endpoint not found",
            format!("Endpoint {endpoint} does not exist. A monitor watches an existing endpoint: create it first (refer to it as mlops_endpoint.<name>.name, so that Terraform creates the endpoint before the monitor)."),
        )
        .at(at)
        .into());
    };
    if d.data_capture_config()
        .is_some_and(|x| x.enable_capture() == Some(true))
    {
        return Ok(());
    }
    Err(Diagnostic::error(
        "Endpoint does not capture data",
        format!("Endpoint {endpoint} has no data capture enabled, so Model Monitor has nothing to analyse. Add a data_capture block to the mlops_endpoint (e.g. data_capture {{ destination = \"s3://bucket/capture\" }})."),
    )
    .at(at)
    .into())
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
