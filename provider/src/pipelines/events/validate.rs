//! Plan-time checks of the `trigger` and `notification` blocks that their schema cannot
//! express (no API calls; unknown values are skipped): unique names, one trigger kind,
//! schedules, statuses, and the parameters and steps they name.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use mlops_framework::{AttrPath, Diagnostics, Rule, Value};
use regex::Regex;

use super::elements;
use super::model::{BLOCK_NAME, EXECUTION_STATUSES, STEP_STATUSES};
use super::notifications::PLACEHOLDER_RE;
use super::schedule::check_schedule;
use crate::validation::validate_emails;

/// A trigger starts the pipeline on exactly one kind of event.
fn trigger_kind() -> Rule {
    Rule::exactly_one_of(&["schedule", "s3", "pipeline_step", "model_approved"])
        .hint("A trigger starts the pipeline on a schedule, on S3 object arrival (s3), on a pipeline or step status (pipeline_step) or on a model approval (model_approved).")
}

static BLOCK_NAME_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(BLOCK_NAME).expect("static regex"));

/// Plan-time checks (no API calls). `config` is the whole `mlops_pipeline` configuration;
/// diagnostics point at `trigger[i].<attr>` / `notification[i].<attr>`. `params` are the
/// declared pipeline parameter names and `steps` the declared step names (`None` when the
/// pipeline uses a raw `definition`: those checks are skipped). Unknown values are skipped.
pub fn validate(
    config: &Value,
    params: Option<&BTreeSet<String>>,
    steps: Option<&BTreeSet<String>>,
    diags: &mut Diagnostics,
) {
    let this_pipeline = config.attr("name").as_str();
    if let Some(items) = elements(config.attr("trigger")) {
        let mut seen = BTreeMap::new();
        for (i, t) in items.iter().enumerate() {
            validate_trigger(t, i, this_pipeline, params, steps, &mut seen, diags);
        }
    }
    if let Some(items) = elements(config.attr("notification")) {
        let mut seen = BTreeMap::new();
        for (i, n) in items.iter().enumerate() {
            validate_notification(n, i, steps, &mut seen, diags);
        }
    }
}

fn check_block_name(
    v: &Value,
    base: &AttrPath,
    what: &str,
    seen: &mut BTreeMap<String, usize>,
    index: usize,
    diags: &mut Diagnostics,
) {
    let Some(name) = v.attr("name").as_str() else {
        return;
    };
    let path = base.clone().field("name");
    if !BLOCK_NAME_RE.is_match(name) || name.len() > 32 {
        diags.error_at(
            path.clone(),
            format!("Invalid {what} name"),
            format!("{what} name {name:?} must be 1-32 letters, digits and hyphens, starting and ending with a letter or digit."),
        );
    }
    if let Some(first) = seen.insert(name.to_string(), index) {
        diags.error_at(
            path,
            format!("Duplicate {what} name"),
            format!(
                "{what} name {name:?} is used by {what}[{first}] already; names must be unique."
            ),
        );
    }
}

fn validate_trigger(
    t: &Value,
    index: usize,
    this_pipeline: Option<&str>,
    params: Option<&BTreeSet<String>>,
    steps: Option<&BTreeSet<String>>,
    seen: &mut BTreeMap<String, usize>,
    diags: &mut Diagnostics,
) {
    if t.as_object().is_none() {
        return;
    }
    let base = AttrPath::attr("trigger").index(index);
    check_block_name(t, &base, "trigger", seen, index, diags);
    trigger_kind().check(t, &base, diags);
    if let Some(s) = t.attr("schedule").as_str() {
        if let Err(e) = check_schedule(s) {
            diags.error_at(base.clone().field("schedule"), "Invalid schedule", e);
        }
    }
    let s3 = t.attr("s3");
    for part in ["prefix", "suffix"] {
        if s3.attr(part).as_str() == Some("") {
            diags.error_at(
                base.clone().fields(["s3", part]),
                "Invalid attribute value",
                format!("s3.{part} must not be empty; leave it out instead."),
            );
        }
    }
    let ps = t.attr("pipeline_step");
    if ps.as_object().is_some() {
        let step = ps.attr("step");
        let allowed: &[&str] = if step.is_null() {
            EXECUTION_STATUSES
        } else {
            STEP_STATUSES
        };
        if !step.is_unknown() {
            if let Some(statuses) = elements(ps.attr("statuses")) {
                if statuses.is_empty() {
                    diags.error_at(
                        base.clone().fields(["pipeline_step", "statuses"]),
                        "No statuses",
                        "pipeline_step.statuses needs at least one status.",
                    );
                }
                for s in statuses.iter().filter_map(Value::as_str) {
                    if !allowed.contains(&s) {
                        diags.error_at(
                            base.clone().fields(["pipeline_step", "statuses"]),
                            "Invalid status",
                            format!(
                                "{s:?} is not a {} status. Expected one of: {}.",
                                if step.is_null() {
                                    "pipeline execution"
                                } else {
                                    "step"
                                },
                                allowed.join(", ")
                            ),
                        );
                    }
                }
            }
        }
        // a step of this pipeline must exist
        if let (Some(pipe), Some(this), Some(step), Some(steps)) = (
            ps.attr("pipeline").as_str(),
            this_pipeline,
            step.as_str(),
            steps,
        ) {
            if pipe.eq_ignore_ascii_case(this) && !steps.contains(step) {
                diags.error_at(
                    base.clone().fields(["pipeline_step", "step"]),
                    "Unknown step",
                    format!(
                        "Pipeline {this} has no step {step:?}. Its steps: {}.",
                        list_or_none(steps)
                    ),
                );
            }
        }
    }
    if let Value::Map(m) = t.attr("parameters") {
        if m.len() > 200 {
            diags.error_at(
                base.clone().field("parameters"),
                "Too many parameters",
                format!(
                    "EventBridge passes at most 200 pipeline parameters, got {}.",
                    m.len()
                ),
            );
        }
        for (k, v) in m {
            let kp = base.clone().field("parameters").key(k);
            if let Some(declared) = params {
                if !declared.contains(k) {
                    diags.error_at(
                        kp.clone(),
                        "Unknown pipeline parameter",
                        format!(
                            "The pipeline declares no parameter {k:?}. Declared: {}.",
                            list_or_none(declared)
                        ),
                    );
                }
            } else if k.is_empty()
                || k.len() > 256
                || !k
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                diags.error_at(
                    kp.clone(),
                    "Invalid pipeline parameter name",
                    format!(
                        "{k:?} is not a valid parameter name (1-256 letters, digits, - and _)."
                    ),
                );
            }
            if v.as_str().is_some_and(|s| s.chars().count() > 1024) {
                diags.error_at(
                    kp,
                    "Parameter value too long",
                    format!("The value of parameter {k:?} is longer than 1024 characters."),
                );
            }
        }
    }
}

fn list_or_none(s: &BTreeSet<String>) -> String {
    if s.is_empty() {
        "(none)".into()
    } else {
        s.iter().cloned().collect::<Vec<_>>().join(", ")
    }
}

fn validate_notification(
    n: &Value,
    index: usize,
    steps: Option<&BTreeSet<String>>,
    seen: &mut BTreeMap<String, usize>,
    diags: &mut Diagnostics,
) {
    if n.as_object().is_none() {
        return;
    }
    let base = AttrPath::attr("notification").index(index);
    check_block_name(n, &base, "notification", seen, index, diags);
    let emails = n.attr("emails");
    let topic = n.attr("topic_arn");
    validate_emails(emails, base.clone().field("emails"), diags);
    // Not Rule::at_least_one_of: an empty `emails` set counts as no recipients here.
    let no_emails = emails.is_null() || elements(emails).is_some_and(|l| l.is_empty());
    if no_emails && topic.is_null() {
        diags.error_at(
            base.clone(),
            "Notification without recipients",
            "A notification needs `emails`, `topic_arn` or both.",
        );
    }
    let ex = n.attr("execution_statuses");
    let st = n.attr("step_statuses");
    // Not Rule::at_least_one_of either: an empty status set counts as none.
    let empty = |v: &Value| v.is_null() || elements(v).is_some_and(|l| l.is_empty());
    if !ex.is_unknown() && !st.is_unknown() && empty(ex) && empty(st) {
        diags.error_at(
            base.clone(),
            "Notification without statuses",
            "A notification needs `execution_statuses`, `step_statuses` or both (e.g. execution_statuses = [\"Failed\"]).",
        );
    }
    let filter = n.attr("steps");
    if let Some(list) = elements(filter) {
        if !st.is_unknown() && empty(st) && !list.is_empty() {
            diags.error_at(
                base.clone().field("steps"),
                "steps without step_statuses",
                "`steps` filters step events: set `step_statuses` too.",
            );
        }
        if let Some(declared) = steps {
            for s in list.iter().filter_map(Value::as_str) {
                if !declared.contains(s) {
                    diags.error_at(
                        base.clone().field("steps"),
                        "Unknown step",
                        format!(
                            "The pipeline has no step {s:?}. Its steps: {}.",
                            list_or_none(declared)
                        ),
                    );
                }
            }
        }
    }
    if let Some(m) = n.attr("message").as_str() {
        for cap in PLACEHOLDER_RE.captures_iter(m) {
            let name = &cap[1];
            let ok = matches!(name, "pipeline" | "execution" | "status" | "step")
                || name.starts_with("aws.events.");
            if !ok {
                diags.error_at(
                    base.clone().field("message"),
                    "Unknown placeholder",
                    format!("<{name}> is not a placeholder; use <pipeline>, <execution>, <status> or <step>."),
                );
            } else if name == "step" && !ex.is_unknown() && !empty(ex) {
                diags.error_at(
                    base.clone().field("message"),
                    "<step> in an execution notification",
                    "<step> only exists in step events; this notification also sends execution events (execution_statuses). Use a separate notification for steps.",
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipelines::events::test_support::{object, string, string_set};

    fn paths(d: &Diagnostics) -> Vec<String> {
        d.0.iter()
            .map(|x| {
                format!(
                    "{}: {}",
                    x.path.as_ref().map(|p| p.to_string()).unwrap_or_default(),
                    x.summary
                )
            })
            .collect()
    }

    #[test]
    fn validation_paths() {
        let cfg = object(vec![
            ("name", string("churn")),
            (
                "trigger",
                Value::List(vec![
                    object(vec![
                        ("name", string("nightly")),
                        ("schedule", string("cron(0 3 * * *)")),
                    ]),
                    object(vec![
                        ("name", string("nightly")),
                        ("schedule", string("rate(1 day)")),
                        (
                            "model_approved",
                            object(vec![("model_package_group", string("g"))]),
                        ),
                    ]),
                    object(vec![("name", string("none"))]),
                    object(vec![
                        ("name", string("p")),
                        ("schedule", string("rate(1 day)")),
                        (
                            "parameters",
                            Value::Map(
                                [
                                    ("Nope".to_string(), string("1")),
                                    ("Known".to_string(), string("2")),
                                ]
                                .into_iter()
                                .collect(),
                            ),
                        ),
                    ]),
                    object(vec![
                        ("name", string("step")),
                        (
                            "pipeline_step",
                            object(vec![
                                ("pipeline", string("churn")),
                                ("step", string("Missing")),
                                ("statuses", string_set(&["Starting", "Bogus"])),
                            ]),
                        ),
                    ]),
                    object(vec![
                        ("name", string("exec")),
                        (
                            "pipeline_step",
                            object(vec![
                                ("pipeline", string("other")),
                                ("step", Value::Null),
                                ("statuses", string_set(&["Starting"])),
                            ]),
                        ),
                    ]),
                    object(vec![
                        ("name", string("later")),
                        ("schedule", Value::UNKNOWN),
                    ]),
                ]),
            ),
            (
                "notification",
                Value::List(vec![
                    object(vec![
                        ("name", string("a")),
                        ("emails", string_set(&["not-an-email"])),
                        ("execution_statuses", string_set(&["Failed"])),
                    ]),
                    object(vec![("name", string("b")), ("step_statuses", Value::Null)]),
                    object(vec![
                        ("name", string("c")),
                        ("topic_arn", string("arn:aws:sns:us-east-1:123456789012:t")),
                        ("execution_statuses", string_set(&["Failed"])),
                        ("steps", string_set(&["Train", "Ghost"])),
                        ("message", string("<step> failed: <reason>")),
                    ]),
                    object(vec![
                        ("name", string("c")),
                        ("emails", string_set(&["a@b.co"])),
                        ("step_statuses", string_set(&["Failed"])),
                    ]),
                ]),
            ),
        ]);
        let params: BTreeSet<String> = ["Known".to_string()].into_iter().collect();
        let steps: BTreeSet<String> = ["Train".to_string()].into_iter().collect();
        let mut d = Diagnostics::new();
        validate(&cfg, Some(&params), Some(&steps), &mut d);
        let got = paths(&d);
        for want in [
            "trigger[0].schedule: Invalid schedule",
            "trigger[1].name: Duplicate trigger name",
            "trigger[1].model_approved: Exactly one attribute required",
            "trigger[2].schedule: Exactly one attribute required",
            "trigger[3].parameters[\"Nope\"]: Unknown pipeline parameter",
            "trigger[4].pipeline_step.step: Unknown step",
            "trigger[4].pipeline_step.statuses: Invalid status",
            "trigger[5].pipeline_step.statuses: Invalid status",
            "notification[0].emails: Invalid e-mail address",
            "notification[1]: Notification without recipients",
            "notification[1]: Notification without statuses",
            "notification[2].steps: steps without step_statuses",
            "notification[2].steps: Unknown step",
            "notification[2].message: Unknown placeholder",
            "notification[2].message: <step> in an execution notification",
            "notification[3].name: Duplicate notification name",
        ] {
            assert!(
                got.iter().any(|g| g == want),
                "missing {want:?} in {got:#?}"
            );
        }
        assert_eq!(got.len(), 16, "{got:#?}");
        // without declared parameters/steps (raw definition), those checks are skipped
        let mut d = Diagnostics::new();
        validate(&cfg, None, None, &mut d);
        let got = paths(&d);
        assert!(!got
            .iter()
            .any(|g| g.contains("Unknown pipeline parameter") || g.contains("Unknown step")));
    }
}
