//! Plan-time checks of a monitor with a `prometheus` block: an endpoint, at least one alert,
//! no SageMaker Model Monitor settings, a name Kubernetes takes, drift only where the
//! runtime exports it, label keys. Unknown values are skipped.

use std::sync::LazyLock;

use mlops_framework::{AttrPath, Diagnostics, Rule, Value};
use regex::Regex;

use crate::kubernetes::objects::is_dns_label;

static LABEL_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-zA-Z_][a-zA-Z0-9_]*$").expect("static regex"));

/// Settings of SageMaker Model Monitor.
const SAGEMAKER_ONLY: [&str; 12] = [
    "role_arn",
    "batch_transform",
    "schedule",
    "output_s3_uri",
    "instance_type",
    "instance_count",
    "volume_size_gb",
    "max_runtime_seconds",
    "network",
    "data_quality",
    "model_quality",
    "alerts",
];

/// Labels the rules set themselves.
const OWN_LABELS: [&str; 3] = ["severity", "endpoint", "namespace"];

/// The checks of an `mlops_monitor` configuration with a `prometheus` block.
pub fn validate(config: &Value, diags: &mut Diagnostics) {
    let p = config.attr("prometheus");
    for a in SAGEMAKER_ONLY {
        if !config.attr(a).is_null() && !config.attr(a).is_empty_collection() {
            diags.error_at(
                AttrPath::attr(a),
                "SageMaker-only setting",
                format!("{a} configures SageMaker Model Monitor; a monitor with a prometheus block only writes alerting rules. Remove {a} or the prometheus block."),
            );
        }
    }
    if !config.attr("tags").is_null() {
        diags.error_at(
            AttrPath::attr("tags"),
            "SageMaker-only setting",
            "tags are AWS tags; label the rules with prometheus.labels (each alert) or prometheus.rule_labels (the PrometheusRule).",
        );
    }
    if config.attr("endpoint_name").is_null() {
        diags.error_at(
            AttrPath::attr("endpoint_name"),
            "Missing endpoint",
            "Set endpoint_name to the KServe or Seldon endpoint the alerts watch (e.g. mlops_endpoint.churn.name).",
        );
    }
    if let Some(n) = config.attr("name").as_str() {
        if !is_dns_label(n) {
            diags.error_at(
                AttrPath::attr("name"),
                "Invalid PrometheusRule name",
                format!("{n:?} names the PrometheusRule: lowercase letters, digits and '-', at most 63 characters."),
            );
        }
    }
    Rule::at_least_one_of(&["error_rate", "latency", "no_traffic", "drift"])
        .hint("Give at least one alert: error_rate, latency, no_traffic or drift.")
        .check(p, &AttrPath::attr("prometheus"), diags);
    if p.attr("runtime").as_str() == Some("kserve") && !p.attr("drift").is_null() {
        diags.error_at(
            AttrPath::attrs(["prometheus", "drift"]),
            "No drift metric",
            "KServe exports no drift metric of its own; drift alerts read Seldon's alibi-detect server (runtime = \"seldon\").",
        );
    }
    if let Value::Map(labels) = p.attr("labels") {
        for key in labels.keys() {
            let path = AttrPath::attrs(["prometheus", "labels"]).key(key.clone());
            if !LABEL_NAME.is_match(key) || key.starts_with("__") {
                diags.error_at(
                    path,
                    "Invalid label name",
                    format!("{key:?} is not a Prometheus label name: letters, digits and '_', not starting with a digit or '__'."),
                );
            } else if OWN_LABELS.contains(&key.as_str()) {
                diags.error_at(
                    path,
                    "Reserved label",
                    format!("{key} is set by the rules (severity per alert block, endpoint and namespace from the monitor)."),
                );
            }
        }
    }
}
