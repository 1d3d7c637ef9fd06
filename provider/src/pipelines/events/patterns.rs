//! The EventBridge event patterns of the blocks: what a trigger's rule matches (S3 object
//! creation, a pipeline or step status, a model approval) and the status events a
//! notification's rules match; and the way back, from a rule's pattern to the block it
//! stands for (to show drift on refresh).

use std::collections::BTreeSet;

use serde_json::{json, Value as Json};

use super::model::{
    ExecutionStatus, ModelApprovedTrigger, PipelineStepTrigger, S3Trigger, StepStatus, Trigger,
    TriggerKind,
};
use super::PipelineRef;

/// The ARN of another pipeline of the same account and region (SageMaker writes pipeline
/// names in lower case in ARNs).
pub fn pipeline_arn(p: &PipelineRef<'_>, name: &str) -> String {
    if name.eq_ignore_ascii_case(p.name) {
        return p.arn.to_string();
    }
    match p.arn.rsplit_once('/') {
        Some((head, _)) => format!("{head}/{}", name.to_ascii_lowercase()),
        None => p.arn.to_string(),
    }
}

/// The `source` of SageMaker events.
const SAGEMAKER: &str = "aws.sagemaker";
pub(super) const EXECUTION_CHANGE: &str =
    "SageMaker Model Building Pipeline Execution Status Change";
pub(super) const STEP_CHANGE: &str =
    "SageMaker Model Building Pipeline Execution Step Status Change";
const PACKAGE_CHANGE: &str = "SageMaker Model Package State Change";

fn default_statuses() -> BTreeSet<String> {
    ["Failed".to_string()].into_iter().collect()
}

/// Escape `*` and `\` for an EventBridge `wildcard` pattern.
fn wildcard_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c == '*' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Split a `prefix*suffix` wildcard written by [`wildcard_escape`] back into its parts.
fn wildcard_split(w: &str) -> Option<(String, String)> {
    let mut parts = vec![String::new()];
    let mut chars = w.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => parts.last_mut()?.push(chars.next()?),
            '*' => parts.push(String::new()),
            c => parts.last_mut()?.push(c),
        }
    }
    match <[String; 2]>::try_from(parts) {
        Ok([a, b]) => Some((a, b)),
        Err(_) => None,
    }
}

/// The event pattern of a trigger kind (`None` for schedules).
pub fn trigger_pattern(kind: &TriggerKind, p: &PipelineRef<'_>) -> Option<Json> {
    match kind {
        TriggerKind::Schedule(_) => None,
        TriggerKind::S3(s3) => {
            let mut detail = json!({"bucket": {"name": [s3.bucket]}});
            let key = match (&s3.prefix, &s3.suffix) {
                (Some(pre), Some(suf)) => Some(json!({
                    "wildcard": format!("{}*{}", wildcard_escape(pre), wildcard_escape(suf))
                })),
                (Some(pre), None) => Some(json!({ "prefix": pre })),
                (None, Some(suf)) => Some(json!({ "suffix": suf })),
                (None, None) => None,
            };
            if let (Some(k), Some(o)) = (key, detail.as_object_mut()) {
                o.insert("object".into(), json!({ "key": [k] }));
            }
            Some(json!({
                "source": ["aws.s3"],
                "detail-type": ["Object Created"],
                "detail": detail,
            }))
        }
        TriggerKind::PipelineStep(ps) => {
            let statuses: Vec<&String> = match &ps.statuses {
                Some(s) => s.iter().collect(),
                None => vec![],
            };
            let statuses: Vec<String> = if statuses.is_empty() {
                default_statuses().into_iter().collect()
            } else {
                statuses.into_iter().cloned().collect()
            };
            let arn = pipeline_arn(p, &ps.pipeline);
            Some(match &ps.step {
                Some(step) => json!({
                    "source": [SAGEMAKER],
                    "detail-type": [STEP_CHANGE],
                    "detail": {
                        "pipelineArn": [arn],
                        "stepName": [step],
                        "currentStepStatus": statuses,
                    },
                }),
                None => json!({
                    "source": [SAGEMAKER],
                    "detail-type": [EXECUTION_CHANGE],
                    "detail": {
                        "pipelineArn": [arn],
                        "currentPipelineExecutionStatus": statuses,
                    },
                }),
            })
        }
        TriggerKind::ModelApproved(m) => Some(json!({
            "source": [SAGEMAKER],
            "detail-type": [PACKAGE_CHANGE],
            "detail": {
                "ModelPackageGroupName": [m.model_package_group],
                "ModelApprovalStatus": ["Approved"],
            },
        })),
    }
}

/// A one-element list of strings in a pattern.
fn single_string(v: Option<&Json>) -> Option<&str> {
    match v?.as_array()?.as_slice() {
        [x] => x.as_str(),
        _ => None,
    }
}

pub(super) fn strings(v: Option<&Json>) -> Option<Vec<String>> {
    v?.as_array()?
        .iter()
        .map(|x| x.as_str().map(String::from))
        .collect()
}

/// The trigger kind an event pattern written by [`trigger_pattern`] stands for; `None` when
/// the pattern is something else (changed outside Terraform). `current` supplies the
/// user's spelling of names that AWS stores differently (pipeline names in ARNs).
pub fn kind_from_pattern(
    pattern: &Json,
    p: &PipelineRef<'_>,
    current: &Trigger,
) -> Option<TriggerKind> {
    let source = single_string(pattern.get("source"))?;
    let dtype = single_string(pattern.get("detail-type"))?;
    let detail = pattern.get("detail")?.as_object()?;
    match (source, dtype) {
        ("aws.s3", "Object Created") => {
            let bucket = single_string(detail.get("bucket")?.get("name"))?.to_string();
            let (mut prefix, mut suffix) = (None, None);
            if let Some(obj) = detail.get("object") {
                let key = match obj.get("key")?.as_array()?.as_slice() {
                    [k] => k.as_object()?.clone(),
                    _ => return None,
                };
                if key.len() != 1 {
                    return None;
                }
                let (op, v) = key.iter().next()?;
                let v = v.as_str()?.to_string();
                match op.as_str() {
                    "prefix" => prefix = Some(v),
                    "suffix" => suffix = Some(v),
                    "wildcard" => {
                        let (a, b) = wildcard_split(&v)?;
                        prefix = Some(a).filter(|s| !s.is_empty());
                        suffix = Some(b).filter(|s| !s.is_empty());
                    }
                    _ => return None,
                }
            }
            if detail.len() > 1 + usize::from(detail.contains_key("object")) {
                return None;
            }
            Some(TriggerKind::S3(S3Trigger {
                bucket,
                prefix,
                suffix,
            }))
        }
        (SAGEMAKER, EXECUTION_CHANGE) | (SAGEMAKER, STEP_CHANGE) => {
            let arn = single_string(detail.get("pipelineArn"))?;
            let remote_name = arn.rsplit('/').next()?;
            let pipeline = match &current.pipeline_step {
                Some(ps) if ps.pipeline.eq_ignore_ascii_case(remote_name) => ps.pipeline.clone(),
                _ if arn == p.arn => p.name.to_string(),
                _ => remote_name.to_string(),
            };
            let (step, statuses, expected_len) = if dtype == STEP_CHANGE {
                (
                    Some(single_string(detail.get("stepName"))?.to_string()),
                    strings(detail.get("currentStepStatus"))?,
                    3,
                )
            } else {
                (
                    None,
                    strings(detail.get("currentPipelineExecutionStatus"))?,
                    2,
                )
            };
            if detail.len() != expected_len {
                return None;
            }
            Some(TriggerKind::PipelineStep(PipelineStepTrigger {
                pipeline,
                step,
                statuses: Some(statuses.into_iter().collect()),
            }))
        }
        (SAGEMAKER, PACKAGE_CHANGE) => {
            let group = single_string(detail.get("ModelPackageGroupName"))?.to_string();
            if single_string(detail.get("ModelApprovalStatus"))? != "Approved" || detail.len() != 2
            {
                return None;
            }
            Some(TriggerKind::ModelApproved(ModelApprovedTrigger {
                model_package_group: group,
            }))
        }
        _ => None,
    }
}

/// The event pattern of a notification's execution rule.
pub fn execution_pattern(p: &PipelineRef<'_>, statuses: &BTreeSet<ExecutionStatus>) -> Json {
    json!({
        "source": [SAGEMAKER],
        "detail-type": [EXECUTION_CHANGE],
        "detail": {
            "pipelineArn": [p.arn],
            "currentPipelineExecutionStatus":
                statuses.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        },
    })
}

/// The event pattern of a notification's step rule.
pub fn step_pattern(
    p: &PipelineRef<'_>,
    statuses: &BTreeSet<StepStatus>,
    steps: Option<&BTreeSet<String>>,
) -> Json {
    let mut detail = json!({
        "pipelineArn": [p.arn],
        "currentStepStatus": statuses.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
    });
    if let (Some(steps), Some(o)) = (steps.filter(|s| !s.is_empty()), detail.as_object_mut()) {
        o.insert("stepName".into(), json!(steps));
    }
    json!({
        "source": [SAGEMAKER],
        "detail-type": [STEP_CHANGE],
        "detail": detail,
    })
}

pub(super) fn statuses_from_pattern(
    pattern: &Json,
    dtype: &str,
    field: &str,
) -> Option<Vec<String>> {
    if single_string(pattern.get("source"))? != SAGEMAKER
        || single_string(pattern.get("detail-type"))? != dtype
    {
        return None;
    }
    strings(pattern.get("detail")?.get(field))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipelines::events::test_support::{churn_train, trigger_of};

    #[test]
    fn other_pipeline_arns_are_lower_case() {
        let p = churn_train();
        assert_eq!(pipeline_arn(&p, "churn-TRAIN"), p.arn);
        assert_eq!(
            pipeline_arn(&p, "Feature-Build"),
            "arn:aws:sagemaker:eu-west-1:123456789012:pipeline/feature-build"
        );
    }

    #[test]
    fn patterns_round_trip() {
        let p = churn_train();
        let kinds = vec![
            TriggerKind::S3(S3Trigger {
                bucket: "data".into(),
                prefix: None,
                suffix: None,
            }),
            TriggerKind::S3(S3Trigger {
                bucket: "data".into(),
                prefix: Some("in/".into()),
                suffix: None,
            }),
            TriggerKind::S3(S3Trigger {
                bucket: "data".into(),
                prefix: None,
                suffix: Some(".csv".into()),
            }),
            TriggerKind::S3(S3Trigger {
                bucket: "data".into(),
                prefix: Some("in*\\/".into()),
                suffix: Some(".csv".into()),
            }),
            TriggerKind::PipelineStep(PipelineStepTrigger {
                pipeline: "Feature-Build".into(),
                step: None,
                statuses: Some(["Succeeded".to_string()].into_iter().collect()),
            }),
            TriggerKind::PipelineStep(PipelineStepTrigger {
                pipeline: "Churn-Train".into(),
                step: Some("Train".into()),
                statuses: Some(
                    ["Failed".to_string(), "Stopped".to_string()]
                        .into_iter()
                        .collect(),
                ),
            }),
            TriggerKind::ModelApproved(ModelApprovedTrigger {
                model_package_group: "churn".into(),
            }),
        ];
        for k in kinds {
            let pat = trigger_pattern(&k, &p).unwrap();
            let back = kind_from_pattern(&pat, &p, &trigger_of(k.clone()));
            assert_eq!(back, Some(k.clone()), "{pat}");
            // without the user's spelling, names come from the ARN
            let blank = trigger_of(TriggerKind::Schedule("rate(1 day)".into()));
            assert!(kind_from_pattern(&pat, &p, &blank).is_some());
        }
        assert_eq!(
            trigger_pattern(&TriggerKind::Schedule("rate(1 day)".into()), &p),
            None
        );
    }

    #[test]
    fn pattern_shapes() {
        let p = churn_train();
        let s3 = trigger_pattern(
            &TriggerKind::S3(S3Trigger {
                bucket: "data".into(),
                prefix: Some("in/".into()),
                suffix: Some(".csv".into()),
            }),
            &p,
        )
        .unwrap();
        assert_eq!(
            s3,
            json!({"source": ["aws.s3"], "detail-type": ["Object Created"],
                   "detail": {"bucket": {"name": ["data"]}, "object": {"key": [{"wildcard": "in/*.csv"}]}}})
        );
        let step = trigger_pattern(
            &TriggerKind::PipelineStep(PipelineStepTrigger {
                pipeline: "Other".into(),
                step: Some("Train".into()),
                statuses: None,
            }),
            &p,
        )
        .unwrap();
        assert_eq!(
            step["detail"],
            json!({"pipelineArn": ["arn:aws:sagemaker:eu-west-1:123456789012:pipeline/other"],
                   "stepName": ["Train"], "currentStepStatus": ["Failed"]})
        );
        assert_eq!(step["detail-type"], json!([STEP_CHANGE]));
        let approved = trigger_pattern(
            &TriggerKind::ModelApproved(ModelApprovedTrigger {
                model_package_group: "churn".into(),
            }),
            &p,
        )
        .unwrap();
        assert_eq!(
            approved,
            json!({"source": ["aws.sagemaker"], "detail-type": ["SageMaker Model Package State Change"],
                   "detail": {"ModelPackageGroupName": ["churn"], "ModelApprovalStatus": ["Approved"]}})
        );
        // a pattern changed by hand is not mistaken for ours
        let mut changed = approved.clone();
        changed["detail"]["ModelApprovalStatus"] = json!(["Rejected"]);
        assert_eq!(
            kind_from_pattern(&changed, &p, &trigger_of(TriggerKind::Schedule("x".into()))),
            None
        );
        let ex = execution_pattern(
            &p,
            &[ExecutionStatus::Failed, ExecutionStatus::Stopped]
                .into_iter()
                .collect(),
        );
        assert_eq!(
            statuses_from_pattern(&ex, EXECUTION_CHANGE, "currentPipelineExecutionStatus"),
            Some(vec!["Stopped".into(), "Failed".into()])
        );
        let st = step_pattern(
            &p,
            &[StepStatus::Failed].into_iter().collect(),
            Some(&["Train".to_string()].into_iter().collect()),
        );
        assert_eq!(st["detail"]["stepName"], json!(["Train"]));
    }

    #[test]
    fn wildcard_escaping() {
        for (a, b) in [("in/", ".csv"), ("a*b", "c\\d"), ("", "x"), ("**", "")] {
            let w = format!("{}*{}", wildcard_escape(a), wildcard_escape(b));
            assert_eq!(
                wildcard_split(&w),
                Some((a.to_string(), b.to_string())),
                "{w}"
            );
        }
        assert_eq!(wildcard_split("a*b*c"), None);
        assert_eq!(wildcard_split("abc"), None);
    }
}
