//! The pipeline definition of a configuration: compiled from the step and parameter blocks
//! (by [`super::compiler`]) or taken from a raw `definition`, in the compact JSON form kept
//! in `definition_json`.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use mlops_framework::{resource::resource_schema, AttrPath, Diagnostic, Diagnostics, Type, Value};
use serde_json::Value as Json;

use super::compiler::{self, contains_unknown, CodeUpload, Spec, UNKNOWN};
use super::{Pipeline, PipelineState};

static CONFIG_TYPE: LazyLock<Type> =
    LazyLock::new(|| resource_schema(&Pipeline).block.implied_type());

/// Config value -> model, with unknown strings kept as [`UNKNOWN`]. `None` when an unknown
/// sits where a string cannot stand for it (a list, a number, a dynamic block...).
pub(super) fn decode_config(config: &Value) -> Option<PipelineState> {
    fn walk(v: &Value, t: &Type, opaque: &mut bool) -> Json {
        match (v, t) {
            (Value::Unknown { .. }, Type::String) => Json::String(UNKNOWN.into()),
            (Value::Unknown { .. }, _) => {
                *opaque = true;
                Json::Null
            }
            (Value::Object(m), Type::Object { attrs, .. }) => Json::Object(
                m.iter()
                    .map(|(k, v)| {
                        let t = attrs.get(k).unwrap_or(&Type::Dynamic);
                        (k.clone(), walk(v, t, opaque))
                    })
                    .collect(),
            ),
            (Value::List(xs) | Value::Set(xs), Type::List(t) | Type::Set(t)) => {
                Json::Array(xs.iter().map(|x| walk(x, t, opaque)).collect())
            }
            (Value::Map(m), Type::Map(t)) => Json::Object(
                m.iter()
                    .map(|(k, v)| (k.clone(), walk(v, t, opaque)))
                    .collect(),
            ),
            _ => v.to_model_json(),
        }
    }
    let mut opaque = false;
    let mut j = walk(config, &CONFIG_TYPE, &mut opaque);
    if let Some(o) = j.as_object_mut() {
        o.remove("timeouts");
    }
    if opaque {
        return None;
    }
    serde_json::from_value(j).ok()
}

/// A definition and the local scripts it points at.
pub(super) struct Compiled {
    /// Compact JSON.
    pub json: String,
    /// Scripts to upload before the definition is used.
    pub uploads: Vec<CodeUpload>,
}

/// Compile the definition of a (possibly partly unknown) model: `Ok(None)` when it cannot be
/// known yet.
pub(super) fn definition_of(
    m: &PipelineState,
    region: Option<&str>,
) -> Result<Option<Compiled>, Diagnostics> {
    // Not framework Rules: empty block lists count as none, and this runs on the model at
    // plan and apply time too.
    let has_blocks = m.step.as_ref().is_some_and(|s| !s.is_empty())
        || m.parameter.as_ref().is_some_and(|p| !p.is_empty());
    match (&m.definition, has_blocks) {
        (Some(_), true) => Err(Diagnostic::error(
            "Conflicting definition",
            "Write the pipeline either as step/parameter blocks or as a raw `definition`, not both.",
        )
        .at(AttrPath::attr("definition"))
        .into()),
        (None, false) => Err(Diagnostic::error(
            "Pipeline without steps",
            "Add at least one `step` block (or a raw `definition`).",
        )
        .at(AttrPath::attr("step"))
        .into()),
        (Some(d), false) => {
            if d.contains(UNKNOWN) {
                return Ok(None);
            }
            let j: Json = serde_json::from_str(d).map_err(|e| {
                Diagnostics::from(
                    Diagnostic::error(
                        "Invalid pipeline definition",
                        format!("`definition` is not valid JSON: {e}."),
                    )
                    .at(AttrPath::attr("definition")),
                )
            })?;
            if j.get("Steps").and_then(Json::as_array).is_none() {
                return Err(Diagnostic::error(
                    "Invalid pipeline definition",
                    "`definition` must be a JSON object with a `Steps` list (SageMaker pipeline definition schema 2020-12-01).",
                )
                .at(AttrPath::attr("definition"))
                .into());
            }
            Ok(Some(Compiled {
                json: canonical(&j),
                uploads: Vec::new(),
            }))
        }
        (None, true) => {
            let spec = Spec {
                pipeline_name: &m.name,
                role_arn: &m.role_arn,
                default_bucket: m.default_bucket.as_deref(),
                region,
                parameters: m.parameter.as_deref().unwrap_or_default(),
                steps: m.step.as_deref().unwrap_or_default(),
            };
            let (j, uploads) = compiler::compile_with_code(&spec)?;
            if contains_unknown(&j) || m.name.contains(UNKNOWN) {
                return Ok(None);
            }
            Ok(Some(Compiled {
                json: canonical(&j),
                uploads,
            }))
        }
    }
}

/// The stored form of a definition: compact JSON.
pub(super) fn canonical(j: &Json) -> String {
    serde_json::to_string(j).unwrap_or_default()
}

/// Same definition, whatever the formatting and key order.
pub(super) fn same_definition(a: &str, b: &str) -> bool {
    match (
        serde_json::from_str::<Json>(a),
        serde_json::from_str::<Json>(b),
    ) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// Names of declared parameters and steps (for trigger checks), when written as blocks.
pub(super) fn declared_names(
    m: &PipelineState,
) -> (Option<BTreeSet<String>>, Option<BTreeSet<String>>) {
    if m.definition.is_some() {
        return (None, None);
    }
    let p = m
        .parameter
        .iter()
        .flatten()
        .map(|p| p.name.clone())
        .collect();
    let s = m.step.iter().flatten().map(|s| s.name.clone()).collect();
    (Some(p), Some(s))
}
