//! Plan-time checks of a Kubernetes (KServe) endpoint: no SageMaker-only settings, what is
//! served, DNS-1123 names, Kubernetes quantities, label and annotation keys, replica bounds.
//! Unknown values are skipped.

use std::sync::LazyLock;

use mlops_framework::{validators::check_all, AttrPath, Diagnostics, Rule, Value};
use regex::Regex;

use super::object::ANNOTATION_PREFIX;

static DNS_LABEL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$").expect("static regex"));
/// KServe names its InferenceServices like DNS-1035 labels: a letter first.
static ISVC_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-z]([-a-z0-9]*[a-z0-9])?$").expect("static regex"));
static QUANTITY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+|[KMGTPE]i|[numkMGTPE])?$").expect("static regex")
});
static QUALIFIED_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
        .expect("static regex")
});
static LABEL_VALUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$").expect("static regex")
});

/// A DNS-1123 label: 1-63 lowercase letters, digits and inner hyphens.
pub fn is_dns_label(s: &str) -> bool {
    (1..=63).contains(&s.len()) && DNS_LABEL.is_match(s)
}

/// A Kubernetes quantity as a number (`500m` = 0.5, `2Gi` = 2^31), for comparisons.
pub fn quantity(s: &str) -> Option<f64> {
    let c = QUANTITY.captures(s)?;
    let n: f64 = c.get(1)?.as_str().parse().ok()?;
    let mult = match c.get(3).map(|m| m.as_str()) {
        None => 1.0,
        Some(x) if x.starts_with(['e', 'E']) => 10f64.powi(x[1..].parse().ok()?),
        Some(x) => match x {
            "n" => 1e-9,
            "u" => 1e-6,
            "m" => 1e-3,
            "k" => 1e3,
            "M" => 1e6,
            "G" => 1e9,
            "T" => 1e12,
            "P" => 1e15,
            "E" => 1e18,
            "Ki" => 1024f64,
            "Mi" => 1024f64.powi(2),
            "Gi" => 1024f64.powi(3),
            "Ti" => 1024f64.powi(4),
            "Pi" => 1024f64.powi(5),
            "Ei" => 1024f64.powi(6),
            _ => return None,
        },
    };
    Some(n * mult)
}

/// Attributes of `mlops_endpoint` that only mean something on SageMaker.
const SAGEMAKER_ONLY: [&str; 7] = [
    "role_arn",
    "variant",
    "shadow",
    "data_capture",
    "rollout",
    "smoke_test",
    "tags",
];
const SAGEMAKER_ONLY_MODEL: [&str; 6] = [
    "name",
    "weight",
    "instance_type",
    "instance_count",
    "serverless",
    "autoscaling",
];
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

/// What the model block serves: something, and not two things at once.
fn source_rules() -> [Rule; 4] {
    const REGISTRY: &str = "A registry version brings its artifact and is served by a KServe runtime for its model_format; a custom image serves model_data_url (as STORAGE_URI).";
    [
        Rule::at_least_one_of(&[
            "model_package_group",
            "model_package_arn",
            "image",
            "model_data_url",
        ])
        .hint("model_package_group and model_package_arn serve a registry version, model_data_url an artifact, image a custom container."),
        Rule::conflicts_with(&["model_package_group", "model_package_arn"])
            .hint("model_package_group serves its latest approved version."),
        Rule::conflicts_with(&["model_package_group", "image", "model_data_url"]).hint(REGISTRY),
        Rule::conflicts_with(&["model_package_arn", "image", "model_data_url"]).hint(REGISTRY),
    ]
}

fn is_set(v: &Value) -> bool {
    !v.is_null() && !matches!(v, Value::List(l) if l.is_empty())
}

/// Checks of an `mlops_endpoint` configuration with a `kubernetes` block.
pub fn validate(config: &Value, diags: &mut Diagnostics) {
    let k = config.attr("kubernetes");
    let m = config.attr("model");
    // Not Rules: each setting's message says where its Kubernetes counterpart is, and an
    // empty list of `variant` blocks (what Terraform sends for none) is not a setting.
    for a in SAGEMAKER_ONLY {
        if is_set(config.attr(a)) {
            let hint = if a == "tags" {
                " Use labels in the kubernetes block."
            } else {
                ""
            };
            diags.error_at(
                AttrPath::attr(a),
                "SageMaker-only setting",
                format!("{a} does not apply to a Kubernetes (KServe) endpoint; remove it or remove the kubernetes block.{hint}"),
            );
        }
    }
    for a in SAGEMAKER_ONLY_MODEL {
        if is_set(m.attr(a)) {
            diags.error_at(
                AttrPath::attrs(["model", a]),
                "SageMaker-only setting",
                format!("model.{a} does not apply to a Kubernetes (KServe) endpoint; size and scale it in the kubernetes block (resources, min_replicas, max_replicas)."),
            );
        }
    }
    if let Some(n) = config.attr("name").as_str() {
        if n.len() > 63 || !ISVC_NAME.is_match(n) {
            diags.error_at(
                AttrPath::attr("name"),
                "Invalid InferenceService name",
                format!("{n:?} must be a DNS-1123 label starting with a letter: lowercase letters, digits and '-', at most 63 characters."),
            );
        }
    }
    // What is served.
    check_all(&source_rules(), m, &AttrPath::attr("model"), diags);
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
    // Quantities.
    let r = k.attr("resources");
    for a in ["cpu", "memory", "cpu_limit", "memory_limit"] {
        if let Some(q) = r.attr(a).as_str() {
            if quantity(q).is_none() {
                diags.error_at(
                    AttrPath::attrs(["kubernetes", "resources", a]),
                    "Invalid quantity",
                    format!("{q:?} is not a Kubernetes quantity such as \"500m\", \"2\", \"512Mi\" or \"2Gi\"."),
                );
            }
        }
    }
    for (req, lim) in [("cpu", "cpu_limit"), ("memory", "memory_limit")] {
        if let (Some(a), Some(b)) = (r.attr(req).as_str(), r.attr(lim).as_str()) {
            if let (Some(x), Some(y)) = (quantity(a), quantity(b)) {
                if x > y {
                    diags.error_at(
                        AttrPath::attrs(["kubernetes", "resources", req]),
                        "Request above limit",
                        format!("{req} {a} is more than {lim} {b}."),
                    );
                }
            }
        }
    }
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
    // Labels and annotations.
    for (attr, values) in [("labels", true), ("annotations", false)] {
        let Value::Map(map) = k.attr(attr) else {
            continue;
        };
        for (key, v) in map {
            let path = AttrPath::attrs(["kubernetes", attr]).key(key.clone());
            let name_len = key.rsplit('/').next().map(str::len).unwrap_or(0);
            if !QUALIFIED_NAME.is_match(key) || name_len > 63 || key.len() > 253 + 64 {
                diags.error_at(
                    path.clone(),
                    "Invalid key",
                    format!("{key:?} is not a Kubernetes {attr} key: an optional DNS prefix and '/', then up to 63 letters, digits, '-', '_' or '.'."),
                );
            }
            if !values && key.starts_with(ANNOTATION_PREFIX) {
                diags.error_at(
                    path.clone(),
                    "Reserved annotation",
                    format!(
                        "Annotations under {} are set by the provider.",
                        ANNOTATION_PREFIX
                    ),
                );
            }
            if values {
                if let Some(s) = v.as_str() {
                    if s.len() > 63 || !LABEL_VALUE.is_match(s) {
                        diags.error_at(
                            path,
                            "Invalid label value",
                            format!("{s:?} must be at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit."),
                        );
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities() {
        assert_eq!(quantity("500m"), Some(0.5));
        assert_eq!(quantity("2"), Some(2.0));
        assert_eq!(quantity("2Gi"), Some(2.0 * 1024f64.powi(3)));
        assert_eq!(quantity("1.5"), Some(1.5));
        assert_eq!(quantity("1e3"), Some(1000.0));
        assert_eq!(quantity("128k"), Some(128_000.0));
        for bad in ["", "-1", "2GB", "1K", "abc", "1 Gi", "m"] {
            assert_eq!(quantity(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn dns_labels() {
        assert!(is_dns_label("ml"));
        assert!(is_dns_label("team-a1"));
        assert!(!is_dns_label("Ml"));
        assert!(!is_dns_label("-a"));
        assert!(!is_dns_label("a_b"));
        assert!(!is_dns_label(&"a".repeat(64)));
    }
}
