//! Plan modification: what the provider derives from the configuration is planned as
//! known values where the inputs are known (the baselining job and its baseline, the alerts
//! topic, content names of the job definitions, alarm names), and the monitored endpoint
//! must capture data.

use mlops_framework::resource::to_model;
use mlops_framework::{PlanCtx, Value};

use super::alerts::{alarm_names_for, owned_topic_name, topic_name};
use super::baseline::{baseline_output, baselining_job_name};
use super::definitions::definition_name;
use super::model::{BaselineDataset, CheckKind, MonitorState};
use crate::aws::plan_tags_all;
use crate::clients::Clients;

/// Attributes the provider computes (and `alerts`, whose `topic_arn` may be computed): the
/// content names are derived once every other attribute is known.
const DERIVED: &[&str] = &[
    "tags_all",
    "baselining_job_name",
    "data_quality_job_definition",
    "model_quality_job_definition",
    "data_quality_schedule_arn",
    "model_quality_schedule_arn",
    "alarm_names",
    "timeouts",
    "alerts",
];

pub(super) fn modify_plan(mut plan: PlanCtx<'_, Clients>) {
    plan_tags_all(&mut plan);
    if plan.config.is_null() {
        return;
    }
    plan_baseline(&mut plan);
    plan_alerts_topic(&mut plan);
    plan_content_names(&mut plan);
}

/// The baselining job of `data_quality.baseline_dataset` as far as the plan knows it.
enum PlannedBaseline {
    /// No dataset to baseline.
    Absent,
    /// Its name depends on values known after apply.
    Unknown,
    Known {
        job: String,
        statistics: String,
        constraints: String,
    },
}

impl PlannedBaseline {
    fn value(&self, part: impl Fn(&str, &str, &str) -> String) -> Value {
        match self {
            PlannedBaseline::Absent => Value::Null,
            PlannedBaseline::Unknown => Value::UNKNOWN,
            PlannedBaseline::Known {
                job,
                statistics,
                constraints,
            } => Value::string(part(job, statistics, constraints)),
        }
    }
}

/// The baselining job and the baseline it produces, from the dataset.
fn plan_baseline(plan: &mut PlanCtx<'_, Clients>) {
    let config = plan.config;
    let name = config.attr("name").as_str();
    let output = config.attr("output_s3_uri").as_str();
    let dq_cfg = config.attr("data_quality");
    let o = plan.planned.as_object_mut().expect("object");
    let mut job = Value::Null;
    if let Some(dq) = o.get_mut("data_quality").filter(|v| !v.is_null()) {
        let ds = dq.attr("baseline_dataset").clone();
        let baseline = match (name, output) {
            _ if ds.is_null() => PlannedBaseline::Absent,
            (Some(n), Some(out)) if ds.is_wholly_known() => {
                match to_model::<BaselineDataset>(&ds) {
                    Ok(d) => {
                        let job = baselining_job_name(n, out, &d);
                        let (_, statistics, constraints) = baseline_output(out, &job);
                        PlannedBaseline::Known {
                            job,
                            statistics,
                            constraints,
                        }
                    }
                    Err(_) => PlannedBaseline::Absent,
                }
            }
            _ => PlannedBaseline::Unknown,
        };
        job = baseline.value(|job, _, _| job.into());
        if let Some(m) = dq.as_object_mut() {
            if dq_cfg.attr("baseline_statistics").is_null() {
                m.insert(
                    "baseline_statistics".into(),
                    baseline.value(|_, statistics, _| statistics.into()),
                );
            }
            if dq_cfg.attr("baseline_constraints").is_null() {
                m.insert(
                    "baseline_constraints".into(),
                    baseline.value(|_, _, constraints| constraints.into()),
                );
            }
        }
    }
    o.insert("baselining_job_name".into(), job);
}

/// The alerts topic: the given one, else the owned one once it exists.
fn plan_alerts_topic(plan: &mut PlanCtx<'_, Clients>) {
    let config = plan.config;
    let name = config.attr("name").as_str();
    let prior_topic = plan.prior.attr("alerts").attr("topic_arn").as_str();
    let alerts_cfg = config.attr("alerts");
    let o = plan.planned.as_object_mut().expect("object");
    let Some(a) = o.get_mut("alerts").and_then(|a| a.as_object_mut()) else {
        return;
    };
    if !alerts_cfg.attr("topic_arn").is_null() {
        return;
    }
    let emails = !alerts_cfg.attr("emails").is_null();
    let owned = name.map(owned_topic_name);
    let keep = prior_topic
        .filter(|t| owned.as_deref() == Some(topic_name(t)))
        .filter(|_| emails);
    a.insert(
        "topic_arn".into(),
        match keep {
            Some(t) => Value::string(t),
            None if !emails => Value::Null,
            None => Value::UNKNOWN,
        },
    );
}

/// Content names of the definitions and the alarm names, when the inputs are known. A
/// check that is not configured has no definition and no schedule, known or not.
fn plan_content_names(plan: &mut PlanCtx<'_, Clients>) {
    for (block, definition_attr, schedule_attr) in [
        (
            "data_quality",
            "data_quality_job_definition",
            "data_quality_schedule_arn",
        ),
        (
            "model_quality",
            "model_quality_job_definition",
            "model_quality_schedule_arn",
        ),
    ] {
        if plan.config.attr(block).is_null() {
            if let Some(o) = plan.planned.as_object_mut() {
                o.insert(definition_attr.into(), Value::Null);
                o.insert(schedule_attr.into(), Value::Null);
            }
        }
    }
    let o = plan.planned.as_object().expect("object");
    let inputs_known = o
        .iter()
        .filter(|(k, _)| !DERIVED.contains(&k.as_str()))
        .all(|(_, v)| v.is_wholly_known())
        && o.get("alerts").is_none_or(|a| match a.as_object() {
            Some(m) => m
                .iter()
                .filter(|(k, _)| *k != "topic_arn")
                .all(|(_, v)| v.is_wholly_known()),
            None => a.is_wholly_known(),
        })
        && o.get("baselining_job_name")
            .is_none_or(Value::is_wholly_known);
    if !inputs_known {
        return;
    }
    let mut known = plan.planned.clone();
    if let Some(a) = known
        .as_object_mut()
        .and_then(|o| o.get_mut("alerts"))
        .and_then(|a| a.as_object_mut())
    {
        a.insert("topic_arn".into(), Value::Null);
    }
    let Ok(s) = to_model::<MonitorState>(&known) else {
        return;
    };
    let prior = to_model::<MonitorState>(plan.prior).ok();
    let o = plan.planned.as_object_mut().expect("object");
    for (kind, definition_attr, schedule_attr) in [
        (
            CheckKind::Data,
            "data_quality_job_definition",
            "data_quality_schedule_arn",
        ),
        (
            CheckKind::Model,
            "model_quality_job_definition",
            "model_quality_schedule_arn",
        ),
    ] {
        let def = definition_name(&s, kind);
        let prior_arn = prior.as_ref().and_then(|p| p.schedule_arn(kind).cloned());
        o.insert(
            definition_attr.into(),
            def.clone().map(Value::string).unwrap_or(Value::Null),
        );
        o.insert(
            schedule_attr.into(),
            match (def, prior_arn) {
                (None, _) => Value::Null,
                (Some(_), Some(a)) => Value::string(a),
                (Some(_), None) => Value::UNKNOWN,
            },
        );
    }
    o.insert(
        "alarm_names".into(),
        Value::List(alarm_names_for(&s).into_iter().map(Value::string).collect()),
    );
}
