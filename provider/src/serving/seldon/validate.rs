//! Plan-time checks of a Seldon Core endpoint: the shared ones of
//! [`crate::serving::kube_checks`], then Seldon's own: a model format or a custom image,
//! and a shadow that names only its model. Unknown values are skipped.

use mlops_framework::{AttrPath, Diagnostics, Value};

use crate::serving::kube_checks::{self as checks, is_set, Platform};

/// Seldon Core, for the shared checks' messages.
const SELDON: Platform = Platform {
    block: "seldon",
    name: "Kubernetes (Seldon Core)",
    object: "SeldonDeployment",
    also_takes: &["shadow"],
};

/// What a shadow may set: its model's files (its predictor is named `shadow`).
const SHADOW_TAKES: [&str; 2] = ["model_data_url", "model_name"];

/// Checks of an `mlops_endpoint` configuration with a `seldon` block.
pub fn validate(config: &Value, diags: &mut Diagnostics) {
    let k = config.attr("seldon");
    let m = config.attr("model");
    checks::sagemaker_only(SELDON, config, diags);
    checks::object_name(SELDON, config, diags);
    checks::source(m, &AttrPath::attr("model"), diags);
    let image = is_set(m.attr("image"));
    let served = image
        || ["model_package_group", "model_package_arn", "model_data_url"]
            .iter()
            .any(|a| is_set(m.attr(a)));
    if image && is_set(k.attr("model_format")) {
        diags.error_at(
            AttrPath::attrs(["seldon", "model_format"]),
            "Not for a custom image",
            "model_format picks one of Seldon's prepackaged servers; a custom image serves itself.",
        );
    } else if served && !image && k.attr("model_format").is_null() {
        diags.error_at(
            AttrPath::attrs(["seldon", "model_format"]),
            "Missing model format",
            "A model artifact needs model_format (sklearn, xgboost, mlflow, tensorflow, triton or huggingface) so Seldon picks its prepackaged server.",
        );
    }
    let shadow = config.attr("shadow");
    if is_set(shadow) {
        if let Value::Object(o) = shadow {
            for (a, v) in o {
                if is_set(v) && !SHADOW_TAKES.contains(&a.as_str()) {
                    diags.error_at(
                        AttrPath::attrs(["shadow", a.as_str()]),
                        "Not for a Seldon shadow",
                        format!("shadow.{a} does not apply on Seldon Core: the shadow predictor (named shadow) runs the model's server on shadow.model_data_url, sized like the main one."),
                    );
                }
            }
        }
        if shadow.attr("model_data_url").is_null() {
            diags.error_at(
                AttrPath::attrs(["shadow", "model_data_url"]),
                "Shadow without a model",
                "A Seldon shadow predictor serves shadow.model_data_url (the artifact to try on a copy of the traffic).",
            );
        }
    }
    checks::resources("seldon", k, diags);
    checks::metadata("seldon", k, diags);
}
