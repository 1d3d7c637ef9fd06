//! Plan-time checks every Kubernetes backend of `mlops_endpoint` shares (KServe, Seldon
//! Core): SageMaker-only settings refused, what the `model` block serves, the object's name,
//! Kubernetes quantities, label and annotation keys and values. A leaf: it imports no
//! backend. Unknown values are skipped.

use std::sync::LazyLock;

use mlops_framework::{validators::check_all, AttrPath, Diagnostics, Rule, Value};
use regex::Regex;

/// Annotations under this prefix are the provider's (the marker, the version served).
pub const ANNOTATION_PREFIX: &str = "mlops.terraform.io/";

/// Names of serving objects: DNS-1035 labels (a letter first), as KServe and Seldon need
/// for the Services they derive from them.
static OBJECT_NAME: LazyLock<Regex> =
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

/// Set in the configuration: not null, and not an empty list of blocks (what Terraform
/// sends for none).
pub fn is_set(v: &Value) -> bool {
    !v.is_null() && !matches!(v, Value::List(l) if l.is_empty())
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

/// The platform a Kubernetes backend is, for messages: its block and its name.
#[derive(Debug, Clone, Copy)]
pub struct Platform {
    /// The block selecting it: `kubernetes`, `seldon`.
    pub block: &'static str,
    /// In words: `Kubernetes (KServe)`.
    pub name: &'static str,
    /// The object it manages, in words: `InferenceService`.
    pub object: &'static str,
    /// Top-level attributes it takes although SageMaker has them too (Seldon: `shadow`).
    pub also_takes: &'static [&'static str],
}

/// SageMaker-only settings, each refused at its own path with where its counterpart is.
pub fn sagemaker_only(p: Platform, config: &Value, diags: &mut Diagnostics) {
    let block = p.block;
    for a in SAGEMAKER_ONLY {
        if p.also_takes.contains(&a) || !is_set(config.attr(a)) {
            continue;
        }
        let hint = if a == "tags" {
            format!(" Use labels in the {block} block.")
        } else {
            String::new()
        };
        diags.error_at(
            AttrPath::attr(a),
            "SageMaker-only setting",
            format!(
                "{a} does not apply to a {} endpoint; remove it or remove the {block} block.{hint}",
                p.name
            ),
        );
    }
    let m = config.attr("model");
    for a in SAGEMAKER_ONLY_MODEL {
        if is_set(m.attr(a)) {
            diags.error_at(
                AttrPath::attrs(["model", a]),
                "SageMaker-only setting",
                format!(
                    "model.{a} does not apply to a {} endpoint; size and scale it in the {block} block.",
                    p.name
                ),
            );
        }
    }
}

/// The endpoint's name, as the object's name.
pub fn object_name(p: Platform, config: &Value, diags: &mut Diagnostics) {
    if let Some(n) = config.attr("name").as_str() {
        if n.len() > 63 || !OBJECT_NAME.is_match(n) {
            diags.error_at(
                AttrPath::attr("name"),
                format!("Invalid {} name", p.object),
                format!("{n:?} must be a DNS-1123 label starting with a letter: lowercase letters, digits and '-', at most 63 characters."),
            );
        }
    }
}

/// What a model block (`model`, or Seldon's `shadow`) serves: something, and not two
/// things at once.
pub fn source(m: &Value, at: &AttrPath, diags: &mut Diagnostics) {
    const REGISTRY: &str = "A registry version brings its artifact and is served by the runtime for its model_format; a custom image serves model_data_url (as STORAGE_URI).";
    let rules = [
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
    ];
    check_all(&rules, m, at, diags);
}

/// The `resources` block of `block`: quantities, and requests within limits.
pub fn resources(block: &str, k: &Value, diags: &mut Diagnostics) {
    let r = k.attr("resources");
    for a in ["cpu", "memory", "cpu_limit", "memory_limit"] {
        if let Some(q) = r.attr(a).as_str() {
            if quantity(q).is_none() {
                diags.error_at(
                    AttrPath::attrs([block, "resources", a]),
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
                        AttrPath::attrs([block, "resources", req]),
                        "Request above limit",
                        format!("{req} {a} is more than {lim} {b}."),
                    );
                }
            }
        }
    }
}

/// `labels` and `annotations` of `block`: Kubernetes keys and label values; the provider's
/// annotation prefix is reserved.
pub fn metadata(block: &str, k: &Value, diags: &mut Diagnostics) {
    for (attr, values) in [("labels", true), ("annotations", false)] {
        let Value::Map(map) = k.attr(attr) else {
            continue;
        };
        for (key, v) in map {
            let path = AttrPath::attrs([block, attr]).key(key.clone());
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
                    format!("Annotations under {ANNOTATION_PREFIX} are set by the provider."),
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
}
