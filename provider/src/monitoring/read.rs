//! Refresh: the monitor back from its schedules, the job definitions they run, the
//! alarms and the owned topic; gone when neither a schedule nor a recorded definition is
//! left.

use mlops_framework::Diagnostics;

use super::alerts::{alarm_names_for, read_alerts};
use super::definitions::{definition_exists, read_definition};
use super::model::{CheckKind, MonitorState};
use super::schedules::read_schedule;
use crate::aws::{delete_alarms, list_tags, user_tags};
use crate::clients::Clients;

/// The monitor as it is, `None` when it is gone.
pub(super) async fn read_remote(
    c: &Clients,
    prior: &MonitorState,
) -> Result<Option<MonitorState>, Diagnostics> {
    let mut s = prior.clone();
    let mut arns = vec![];
    let mut exists = false;
    // An imported monitor (no check block yet) is probed for both checks; otherwise a check
    // that is neither configured nor recorded has nothing to read (one DescribeMonitoringSchedule
    // less per refresh for a monitor with one check).
    let imported = prior.data_quality.is_none() && prior.model_quality.is_none();
    for kind in CheckKind::ALL {
        let configured = match kind {
            CheckKind::Data => prior.data_quality.is_some(),
            CheckKind::Model => prior.model_quality.is_some(),
        };
        if !imported
            && !configured
            && prior.job_definition(kind).is_none()
            && prior.schedule_arn(kind).is_none()
        {
            s.set_check(kind, None, None);
            continue;
        }
        let arn = match read_schedule(c, &mut s, kind).await? {
            None => None,
            Some(scheduled) => {
                s.set_check(
                    kind,
                    Some(scheduled.definition.clone()),
                    scheduled.arn.clone(),
                );
                read_definition(c, &mut s, prior, kind, &scheduled.definition).await?;
                scheduled.arn
            }
        };
        match arn {
            Some(arn) => {
                arns.push(arn);
                exists = true;
            }
            None => {
                // A definition created by a failed apply stays in state until deleted.
                let mut keep = None;
                if let Some(d) = prior.job_definition(kind) {
                    if definition_exists(c, kind, d).await? {
                        keep = Some(d.clone());
                        exists = true;
                    }
                }
                s.set_check(kind, keep, None);
            }
        }
    }
    if !exists {
        // Only alarms (and the owned topic) could be left: the monitor itself is gone.
        let _ = delete_alarms(c, &alarm_names_for(prior)).await;
        return Ok(None);
    }
    read_alerts(c, &mut s, prior).await?;
    if let Some(arn) = arns.first() {
        let remote = list_tags(&c.sagemaker, arn).await?;
        s.tags = user_tags(&remote, &c.default_tags, prior.tags.as_ref());
        s.tags_all = Some(remote);
    }
    Ok(Some(s))
}
