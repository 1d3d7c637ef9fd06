//! Plan-time checks of a Kubernetes (KServe) endpoint: the shared ones of
//! [`crate::serving::kube_checks`], then KServe's own: a model format or a custom
//! container's settings, probes, replica bounds, the autoscaling metric. Unknown values are
//! skipped.

use mlops_framework::{AttrPath, Diagnostics, Value};

use crate::serving::kube_checks::{self as checks, is_set, Platform};

/// KServe, for the shared checks' messages.
const KSERVE: Platform = Platform {
    block: "kubernetes",
    name: "Kubernetes (KServe)",
    object: "InferenceService",
    also_takes: &[],
};

/// Settings of a custom container (`image`).
const CONTAINER_ONLY: [&str; 5] = [
    "port",
    "command",
    "args",
    "readiness_probe",
    "liveness_probe",
];
/// Settings of a model-format predictor (no `image`).
const FORMAT_ONLY: [&str; 3] = ["model_format", "model_format_version", "runtime"];

/// Checks of an `mlops_endpoint` configuration with a `kubernetes` block.
pub fn validate(config: &Value, diags: &mut Diagnostics) {
    let k = config.attr("kubernetes");
    let m = config.attr("model");
    checks::sagemaker_only(KSERVE, config, diags);
    checks::object_name(KSERVE, config, diags);
    checks::source(m, &AttrPath::attr("model"), diags);
    // What is served.
    let set = |a: &str| is_set(m.attr(a));
    let image = set("image");
    let registry = set("model_package_group") || set("model_package_arn");
    let served = image || registry || set("model_data_url");
    if image {
        for a in FORMAT_ONLY {
            if is_set(k.attr(a)) {
                diags.error_at(
                    AttrPath::attrs(["kubernetes", a]),
                    "Not for a custom image",
                    format!("{a} selects a KServe serving runtime; a custom image serves itself."),
                );
            }
        }
    } else if served {
        for a in CONTAINER_ONLY {
            if is_set(k.attr(a)) {
                diags.error_at(
                    AttrPath::attrs(["kubernetes", a]),
                    "Only for a custom image",
                    format!("{a} configures a custom container; set model.image or remove {a}."),
                );
            }
        }
        if k.attr("model_format").is_null() {
            diags.error_at(
                AttrPath::attrs(["kubernetes", "model_format"]),
                "Missing model format",
                "A model artifact needs model_format (e.g. sklearn, xgboost, pytorch) so KServe picks a serving runtime.",
            );
        }
    }
    if image {
        for p in ["readiness_probe", "liveness_probe"] {
            let probe = k.attr(p);
            if is_set(probe) && probe.attr("port").is_null() && k.attr("port").is_null() {
                diags.error_at(
                    AttrPath::attrs(["kubernetes", p, "port"]),
                    "Probe without a port",
                    format!("Set port in {p} or the container's port."),
                );
            }
        }
    }
    checks::resources("kubernetes", k, diags);
    // Replicas.
    let integer = |a: &str| match k.attr(a) {
        Value::Number(n) => n.to_i64(),
        _ => None,
    };
    if let (Some(lo), Some(hi)) = (integer("min_replicas"), integer("max_replicas")) {
        if lo > hi {
            diags.error_at(
                AttrPath::attrs(["kubernetes", "min_replicas"]),
                "Empty replica range",
                format!("min_replicas {lo} is above max_replicas {hi}."),
            );
        }
    }
    if k.attr("scale_metric").as_str().is_some() && k.attr("scale_target").is_null() {
        diags.error_at(
            AttrPath::attrs(["kubernetes", "scale_target"]),
            "Scale metric without a target",
            "scale_metric needs scale_target (the metric's value per replica).",
        );
    }
    checks::metadata("kubernetes", k, diags);
}
