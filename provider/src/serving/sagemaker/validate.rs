//! Plan-time checks of a SageMaker endpoint: the role, what each variant serves and on which
//! compute, instance types, autoscaling ranges, distinct variant names, the rollout of a
//! serverless endpoint, smoke-test patterns. Unknown values are skipped.

use std::collections::BTreeSet;

use mlops_framework::suggest::did_you_mean_sentence;
use mlops_framework::{validators::check_all, AttrPath, Diagnostics, Rule, Value};

use crate::sagemaker::catalog::REALTIME;
use crate::serving::model::{config_variant_blocks, DEFAULT_VARIANT};
use crate::validation::validate_tags;

/// Cross-attribute rules of every variant block.
fn variant_rules() -> [Rule; 4] {
    [
        Rule::exactly_one_of(&["model_package_group", "model_package_arn", "image"])
            .hint("model_package_group serves its latest approved version."),
        Rule::conflicts_with(&["model_package_arn", "image"])
            .hint("model_package_arn brings its own image."),
        Rule::exactly_one_of(&["instance_type", "serverless"])
            .hint("Give instance_type (with instance_count) or a serverless block."),
        Rule::conflicts_with(&["serverless", "autoscaling"])
            .hint("Serverless variants scale by themselves; remove autoscaling."),
    ]
}

fn integer(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.to_i64(),
        _ => None,
    }
}

/// Checks of an `mlops_endpoint` configuration without a `kubernetes` block.
pub fn validate(config: &Value, diags: &mut Diagnostics) {
    if config.attr("role_arn").is_null() {
        diags.error_at(
            AttrPath::attr("role_arn"),
            "Missing role_arn",
            "A SageMaker endpoint needs role_arn (the IAM role SageMaker assumes); or add a kubernetes block to serve on KServe.",
        );
    }
    validate_tags(config, "tags", diags);
    let blocks = config_variant_blocks(config);
    let rules = variant_rules();
    let mut names = BTreeSet::new();
    for block in &blocks {
        let (path, b) = (&block.path, block.variant);
        if b.is_null() || b.is_unknown() {
            continue;
        }
        check_all(&rules, b, path, diags);
        let set = |a: &str| !b.attr(a).is_null();
        // Not a Rule: model_data_url and environment need image only when no registry
        // source is given either (a registry source is checked by the rules above).
        if !set("image")
            && (set("model_data_url") || set("environment"))
            && !set("model_package_group")
            && !set("model_package_arn")
        {
            diags.error_at(
                path.clone().field("model_data_url"),
                "Artifact without image",
                "model_data_url and environment go with image.",
            );
        }
        if let Some(t) = b.attr("instance_type").as_str() {
            if !REALTIME.contains(&t) {
                diags.error_at(
                    path.clone().field("instance_type"),
                    "Unsupported instance type",
                    format!(
                        "{t:?} is not an instance type for real-time endpoints.{}",
                        did_you_mean_sentence(t, REALTIME.iter().copied())
                    ),
                );
            }
        }
        if let Some(a) = b.attr("autoscaling").as_object() {
            let capacity = |k: &str| a.get(k).and_then(integer);
            if let (Some(lo), Some(hi)) = (capacity("min_capacity"), capacity("max_capacity")) {
                if lo > hi {
                    diags.error_at(
                        path.clone().fields(["autoscaling", "min_capacity"]),
                        "Empty capacity range",
                        format!("min_capacity {lo} is above max_capacity {hi}."),
                    );
                }
                if let Some(c) = integer(b.attr("instance_count")) {
                    if c < lo || c > hi {
                        diags.error_at(
                            path.clone().field("instance_count"),
                            "Instance count outside the autoscaling range",
                            format!("instance_count {c} must be within {lo}..{hi}."),
                        );
                    }
                }
            }
        }
        if let Some(m) = integer(b.attr("serverless").attr("memory_mb")) {
            if m % 1024 != 0 {
                diags.error_at(
                    path.clone().fields(["serverless", "memory_mb"]),
                    "Invalid serverless memory",
                    format!("{m} must be one of 1024, 2048, 3072, 4096, 5120, 6144."),
                );
            }
        }
        let name = match b.attr("name") {
            Value::Null => Some(DEFAULT_VARIANT),
            other => other.as_str(),
        };
        if let Some(n) = name {
            if !names.insert(n.to_string()) {
                diags.error_at(
                    path.clone().field("name"),
                    "Duplicate variant name",
                    format!(
                        "Variant name {n:?} is used twice; give the variants distinct names{}.",
                        if n == DEFAULT_VARIANT {
                            " (\"primary\" is the default name of the model block: set name in this variant or shadow block, e.g. name = \"shadow\")"
                        } else {
                            ""
                        }
                    ),
                );
            }
        }
    }
    let has_serverless = blocks
        .iter()
        .any(|b| !b.variant.attr("serverless").is_null());
    if has_serverless && !config.attr("rollout").is_null() {
        let s = config.attr("rollout").attr("strategy").as_str();
        if s.is_some() && s != Some("all_at_once") {
            diags.error_at(AttrPath::attrs(["rollout", "strategy"]), "Rollout of a serverless endpoint", "SageMaker deploys serverless endpoints all at once; remove the rollout block or set strategy = \"all_at_once\".");
        }
    }
    if let Value::List(reqs) = config.attr("smoke_test").attr("request") {
        for (i, r) in reqs.iter().enumerate() {
            if let Some(p) = r.attr("expect").as_str() {
                if let Err(e) = regex::Regex::new(p) {
                    diags.error_at(
                        AttrPath::attrs(["smoke_test", "request"])
                            .index(i)
                            .field("expect"),
                        "Invalid regular expression",
                        e.to_string(),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn variant(pairs: &[(&str, Value)]) -> Value {
        Value::Object(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    fn summaries(model: Value) -> Vec<String> {
        let config = variant(&[
            (
                "role_arn",
                Value::string("arn:aws:iam::123456789012:role/x"),
            ),
            ("model", model),
        ]);
        let mut d = Diagnostics::new();
        validate(&config, &mut d);
        d.0.into_iter().map(|d| d.summary).collect()
    }

    #[test]
    fn sources_and_compute() {
        let image = || ("image", Value::string("img"));
        let instances = || ("instance_type", Value::string("ml.m5.large"));
        assert!(summaries(variant(&[image(), instances()])).is_empty());
        assert_eq!(
            summaries(variant(&[instances()])),
            ["Exactly one attribute required"]
        );
        assert_eq!(
            summaries(variant(&[
                image(),
                ("model_package_arn", Value::string("arn")),
                instances()
            ])),
            ["Exactly one attribute required", "Conflicting attributes"]
        );
        assert_eq!(
            summaries(variant(&[image()])),
            ["Exactly one attribute required"]
        );
        // unknown sources may be set: no error yet
        assert!(summaries(variant(&[("image", Value::UNKNOWN), instances()])).is_empty());
        assert_eq!(
            summaries(variant(&[("model_data_url", Value::string("s3://b/m"))])),
            [
                "Exactly one attribute required",
                "Exactly one attribute required",
                "Artifact without image"
            ]
        );
    }
}
