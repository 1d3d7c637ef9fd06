//! Plan-time checks of a monitor's configuration that its schema cannot express: which
//! checks and targets are set (framework [`Rule`]s), schedule forms and their runtime
//! limit, format options, network IDs, and the alerts' recipients and thresholds. Unknown
//! values are skipped.

use mlops_framework::suggest::did_you_mean_sentence;
use mlops_framework::{AttrPath, Diagnostics, Rule, Value};

use super::alerts::METRICS;
use super::schedules::{expression, ScheduleExpression};
use crate::sagemaker::catalog::PROCESSING;
use crate::validation::{validate_emails, validate_tags};

/// The configuration checks of `mlops_monitor`.
pub(super) fn validate(config: &Value, diags: &mut Diagnostics) {
    let root = AttrPath::root();
    for (a, what) in [
        ("role_arn", "the IAM role its jobs run as"),
        ("output_s3_uri", "the S3 URI its reports go to"),
    ] {
        if config.attr(a).is_null() {
            diags.error_at(
                AttrPath::attr(a),
                format!("Missing {a}"),
                format!("SageMaker Model Monitor needs {a}, {what}. For an endpoint on Kubernetes, add a prometheus block instead."),
            );
        }
    }
    validate_tags(config, "tags", diags);
    Rule::at_least_one_of(&["data_quality", "model_quality"])
        .hint("A monitor needs a data_quality block, a model_quality block, or both.")
        .check(config, &root, diags);
    Rule::exactly_one_of(&["endpoint_name", "batch_transform"])
        .hint("A monitor watches a real-time endpoint with data capture (endpoint_name) or a batch transform's captured data (a batch_transform block), not both.")
        .check(config, &root, diags);
    check_format_options(
        config.attr("batch_transform"),
        &AttrPath::attr("batch_transform"),
        diags,
    );
    let dq = config.attr("data_quality");
    let ds = dq.attr("baseline_dataset");
    if !ds.is_null() && !ds.is_unknown() {
        Rule::conflicts_with(&[
            "baseline_dataset",
            "baseline_statistics",
            "baseline_constraints",
        ])
        .hint("Give baseline_dataset (the provider baselines it) or baseline_statistics and baseline_constraints (a finished baseline).")
        .check(dq, &AttrPath::attr("data_quality"), diags);
        check_format_options(
            ds,
            &AttrPath::attr("data_quality").field("baseline_dataset"),
            diags,
        );
    }
    if let Some(s) = config.attr("schedule").as_str() {
        if expression(s).is_none() {
            diags.error_at(
                AttrPath::attr("schedule"),
                "Unsupported schedule",
                format!("{s:?} is not a schedule SageMaker Model Monitor accepts. Use \"hourly\", \"daily\", cron(0 * ? * * *) (hourly), cron(0 H ? * * *) (daily at hour H, 0-23) or cron(0 H/N ? * * *) (every N hours, 1-24)."),
            );
        }
    }
    if let Some(t) = config.attr("instance_type").as_str() {
        if !PROCESSING.contains(&t) {
            diags.error_at(
                AttrPath::attr("instance_type"),
                "Unsupported instance type",
                format!(
                    "{t:?} is not a processing instance type (e.g. ml.m5.xlarge).{}",
                    did_you_mean_sentence(t, PROCESSING.iter().copied())
                ),
            );
        }
    }
    check_hourly_runtime(config, diags);
    check_network(config.attr("network"), diags);
    check_alerts(config, diags);
}

fn check_hourly_runtime(config: &Value, diags: &mut Diagnostics) {
    let Some(sched) = (match config.attr("schedule") {
        Value::Null => Some("daily"),
        v => v.as_str(),
    }) else {
        return;
    };
    let Some(ScheduleExpression { hourly: true, .. }) = expression(sched) else {
        return;
    };
    let runtime = match config.attr("max_runtime_seconds") {
        Value::Null => Some(3600),
        Value::Number(n) => n.to_i64(),
        _ => None,
    };
    let Some(runtime) = runtime else { return };
    for (block, max, what) in [
        ("data_quality", 3600, "data quality"),
        ("model_quality", 1800, "model quality"),
    ] {
        if !config.attr(block).is_null() && runtime > max {
            diags.error_at(
                AttrPath::attr("max_runtime_seconds"),
                "Monitoring job too long for an hourly schedule",
                format!("An hourly {what} schedule allows max_runtime_seconds of at most {max}; got {runtime}."),
            );
        }
    }
}

/// `csv_header` only with `csv`, `json_lines` only with `json` (in `block`, at `at`).
fn check_format_options(block: &Value, at: &AttrPath, diags: &mut Diagnostics) {
    let Some(format) = block
        .attr("format")
        .as_str()
        .or(match block.attr("format") {
            Value::Null => Some("csv"),
            _ => None,
        })
    else {
        return;
    };
    for (attr, needs) in [("csv_header", "csv"), ("json_lines", "json")] {
        if !block.attr(attr).is_null() && format != needs {
            diags.error_at(
                at.clone().field(attr),
                "Option of another format",
                format!("{attr} applies to format \"{needs}\" only; this dataset is {format:?}."),
            );
        }
    }
}

fn set_len(v: &Value) -> Option<usize> {
    match v {
        Value::Set(x) | Value::List(x) => Some(x.len()),
        _ => None,
    }
}

fn check_network(n: &Value, diags: &mut Diagnostics) {
    if n.is_null() {
        return;
    }
    let at = AttrPath::attr("network");
    let subnets = n.attr("subnet_ids");
    let groups = n.attr("security_group_ids");
    // Both or neither: no framework Rule says "required together".
    if subnets.is_null() != groups.is_null() && !subnets.is_unknown() && !groups.is_unknown() {
        let missing = if subnets.is_null() {
            "subnet_ids"
        } else {
            "security_group_ids"
        };
        diags.error_at(
            at.clone().field(missing),
            "Incomplete VPC configuration",
            "The jobs run in a VPC when both subnet_ids and security_group_ids are set; set both or neither.",
        );
    }
    for (attr, prefix, max) in [
        ("subnet_ids", "subnet-", 16),
        ("security_group_ids", "sg-", 5),
    ] {
        let v = n.attr(attr);
        if let Some(len) = set_len(v) {
            if len == 0 || len > max {
                diags.error_at(
                    at.clone().field(attr),
                    "Wrong number of IDs",
                    format!("{attr} takes 1 to {max} IDs; got {len}."),
                );
            }
        }
        if let Value::Set(items) | Value::List(items) = v {
            for id in items.iter().filter_map(Value::as_str) {
                let ok = id
                    .strip_prefix(prefix)
                    .is_some_and(|r| !r.is_empty() && r.bytes().all(|b| b.is_ascii_alphanumeric()));
                if !ok {
                    diags.error_at(
                        at.clone().field(attr),
                        "Invalid ID",
                        format!("{id:?} is not a {prefix}... ID."),
                    );
                }
            }
        }
    }
}

fn check_alerts(config: &Value, diags: &mut Diagnostics) {
    let alerts = config.attr("alerts");
    if alerts.is_null() {
        return;
    }
    let at = AttrPath::attr("alerts");
    let emails = alerts.attr("emails");
    validate_emails(emails, at.clone().field("emails"), diags);
    Rule::exactly_one_of(&["emails", "topic_arn"])
        .hint("Write emails (the provider creates a topic and subscribes them) or topic_arn (an existing topic). To mail from an existing topic, subscribe the addresses to it.")
        .check(alerts, &at, diags);
    if set_len(emails) == Some(0) {
        diags.error_at(
            at.clone().field("emails"),
            "No e-mail address",
            "emails needs at least one address.",
        );
    }
    let metrics = alerts.attr("metric_thresholds");
    let drift = alerts.attr("drift_thresholds");
    let empty = |v: &Value| v.is_null() || matches!(v, Value::Map(m) if m.is_empty());
    // Not Rule::at_least_one_of: an empty map counts as no thresholds here.
    if empty(metrics) && empty(drift) {
        diags.error_at(
            at.clone(),
            "No thresholds",
            "alerts needs metric_thresholds (model quality) or drift_thresholds (data quality), or both.",
        );
    }
    if !empty(metrics) && config.attr("model_quality").is_null() {
        diags.error_at(
            at.clone().field("metric_thresholds"),
            "Metric thresholds without model quality",
            "metric_thresholds watch model-quality metrics: add a model_quality block.",
        );
    }
    if !empty(drift) && config.attr("data_quality").is_null() {
        diags.error_at(
            at.clone().field("drift_thresholds"),
            "Drift thresholds without data quality",
            "drift_thresholds watch the data quality check's drift metrics: add a data_quality block.",
        );
    }
    if let Value::Map(m) = metrics {
        for k in m.keys() {
            if !METRICS.iter().any(|(n, _)| n == k) {
                diags.error_at(
                    at.clone().field("metric_thresholds"),
                    "Unknown metric",
                    format!(
                        "{k:?} is not a model-quality metric. Known metrics: {}.",
                        METRICS
                            .iter()
                            .map(|(n, _)| *n)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
        }
    }
    if let Value::Map(m) = drift {
        for (k, v) in m {
            if k.is_empty()
                || k.len() > 200
                || k.chars().any(|c| c.is_whitespace() || c.is_control())
            {
                diags.error_at(
                    at.clone().field("drift_thresholds"),
                    "Invalid feature name",
                    format!("{k:?} is not a feature name: 1-200 characters without spaces."),
                );
            }
            if let Value::Number(n) = v {
                if n.to_f64_lossy() < 0.0 {
                    diags.error_at(
                        at.clone().field("drift_thresholds"),
                        "Negative drift threshold",
                        format!(
                            "The drift of {k:?} is a distance (0 or more); got {}.",
                            n.to_f64_lossy()
                        ),
                    );
                }
            }
        }
    }
}
