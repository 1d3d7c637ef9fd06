//! Step values: literal text, `{{ }}` references and joins of both, and the typed values
//! (whole numbers, S3 URIs, instance types, enumerations) checked where they are written.

use std::collections::BTreeMap;

use mlops_framework::AttrPath;
use serde_json::{json, Map, Value as Json};

use super::kind::StepKind;
use super::refs::{self, Piece, Ref};
use super::{is_unknown, join, Compiler, UNKNOWN};

impl Compiler<'_> {
    /// Resolve one reference expression.
    pub(super) fn resolve(&mut self, expr: &str, path: &AttrPath) -> Option<Json> {
        let r = match refs::parse(expr) {
            Ok(r) => r,
            Err(e) => {
                self.err(path.clone(), "Invalid reference", e);
                return None;
            }
        };
        match r {
            Ref::Parameter(name) => {
                if !self.params.contains_key(name.as_str()) {
                    let known: Vec<&str> = self.params.keys().copied().collect();
                    self.err(
                        path.clone(),
                        "Reference to an undefined parameter",
                        format!(
                            "`{{{{ {expr} }}}}`: there is no parameter named {name:?}. Declared parameters: {}.",
                            if known.is_empty() { "none".into() } else { known.join(", ") }
                        ),
                    );
                    return None;
                }
                Some(json!({"Get": format!("Parameters.{name}")}))
            }
            Ref::Execution(p) => Some(json!({"Get": format!("Execution.{p}")})),
            Ref::Step { step, rest } => self.step_ref(&step, &rest, expr, path),
        }
    }

    pub(super) fn step_ref(
        &mut self,
        step: &str,
        rest: &str,
        expr: &str,
        path: &AttrPath,
    ) -> Option<Json> {
        let Some(info) = self.steps.get(step) else {
            self.undefined_step(path.clone(), step);
            return None;
        };
        let s = info.step;
        let kind = info.kind?;
        self.referenced.insert(step.to_string());
        let get = |p: String| Some(json!({"Get": format!("Steps.{step}.{p}")}));
        let bad = |c: &mut Self, why: String| {
            c.err(
                path.clone(),
                "Invalid step reference",
                format!("`{{{{ {expr} }}}}`: {why}"),
            );
            None
        };
        match (kind, rest) {
            (StepKind::Processing, r) if r.starts_with("outputs.") => {
                let out = &r["outputs.".len()..];
                let outputs = s.processing.as_ref().and_then(|p| p.output.as_ref());
                if !outputs.into_iter().flatten().any(|o| o.name == out) {
                    return bad(self, format!("step {step:?} has no output named {out:?}."));
                }
                get(format!(
                    "ProcessingOutputConfig.Outputs['{out}'].S3Output.S3Uri"
                ))
            }
            (StepKind::Processing, r) if r.starts_with("files.") => {
                let r = &r["files.".len()..];
                let Some((file, jpath)) = r.split_once('.') else {
                    return bad(self, "write `files.FILE.json.path`.".into());
                };
                let files = s.processing.as_ref().and_then(|p| p.property_file.as_ref());
                if !files.into_iter().flatten().any(|f| f.name == file) {
                    return bad(
                        self,
                        format!("step {step:?} has no property_file named {file:?}."),
                    );
                }
                Some(json!({"Std:JsonGet": {
                    "PropertyFile": {"Get": format!("Steps.{step}.PropertyFiles.{file}")},
                    "Path": jpath,
                }}))
            }
            (StepKind::Training, "model_artifacts") => {
                get("ModelArtifacts.S3ModelArtifacts".into())
            }
            (StepKind::CreateModel, "model_name") => get("ModelName".into()),
            (StepKind::RegisterModel, "model_package_arn") => get("ModelPackageArn".into()),
            (StepKind::Transform, "transform_output") => get("TransformOutput.S3OutputPath".into()),
            (StepKind::Tuning, "best_model_artifacts") => {
                let out = s
                    .tuning
                    .as_ref()
                    .map(|t| t.training.output_path.clone())
                    .unwrap_or_default();
                let base = out.trim_end_matches('/');
                let mut v = self.value(base, path).map(|j| vec![j]).unwrap_or_default();
                v.push(json!("/"));
                v.push(
                    json!({"Get": format!("Steps.{step}.TrainingJobSummaries[0].TrainingJobName")}),
                );
                v.push(json!("/output/model.tar.gz"));
                Some(join(v))
            }
            (k, r) => {
                let head = r.split(['.', '[']).next().unwrap_or(r);
                if k.properties().contains(&head) {
                    get(r.to_string())
                } else {
                    bad(
                        self,
                        format!(
                            "a {} step has no property {head:?}. Shorthands: {}; properties: {}.",
                            k.block(),
                            k.shorthands(),
                            if k.properties().is_empty() {
                                "none".into()
                            } else {
                                k.properties().join(", ")
                            }
                        ),
                    )
                }
            }
        }
    }

    /// A value: literal text, one reference, or a join of both.
    pub(super) fn value(&mut self, s: &str, path: &AttrPath) -> Option<Json> {
        if is_unknown(s) {
            return Some(json!(UNKNOWN));
        }
        let pieces = match refs::split(s) {
            Ok(p) => p,
            Err(e) => {
                self.err(path.clone(), "Invalid reference", e);
                return None;
            }
        };
        let mut parts = vec![];
        let mut ok = true;
        for p in pieces {
            match p {
                Piece::Text(t) => parts.push(json!(t)),
                Piece::Ref(r) => match self.resolve(&r, path) {
                    Some(j) => parts.push(j),
                    None => ok = false,
                },
            }
        }
        ok.then(|| join(parts))
    }

    pub(super) fn is_ref(s: &str) -> bool {
        s.contains("{{")
    }

    /// A value that must be an integer (or a reference).
    pub(super) fn int(&mut self, s: &str, path: &AttrPath, min: i64) -> Option<Json> {
        if is_unknown(s) || Self::is_ref(s) {
            return self.value(s, path);
        }
        match s.trim().parse::<i64>() {
            Ok(n) if n >= min => Some(json!(n)),
            _ => {
                self.err(path.clone(), "Not a whole number", format!("{s:?} must be a whole number ≥ {min}, or a reference such as `{{{{ parameters.NAME }}}}`."));
                None
            }
        }
    }

    pub(super) fn opt_int(
        &mut self,
        s: &Option<String>,
        default: Option<i64>,
        path: &AttrPath,
        min: i64,
    ) -> Option<Json> {
        match s {
            Some(s) => self.int(s, path, min),
            None => default.map(|d| json!(d)),
        }
    }

    /// A number kept as text (hyperparameter ranges are strings in the API).
    pub(super) fn number_text(&mut self, s: &str, path: &AttrPath) -> Option<Json> {
        if is_unknown(s) || Self::is_ref(s) {
            return self.value(s, path);
        }
        if s.trim().parse::<f64>().is_ok() {
            Some(json!(s.trim()))
        } else {
            self.err(
                path.clone(),
                "Not a number",
                format!("{s:?} must be a number or a reference."),
            );
            None
        }
    }

    /// An instance type from SageMaker's list for this job kind.
    pub(super) fn instance_type(
        &mut self,
        s: &str,
        path: &AttrPath,
        allowed: &[&str],
        what: &str,
    ) -> Option<Json> {
        if is_unknown(s) || Self::is_ref(s) {
            return self.value(s, path);
        }
        if !allowed.contains(&s) {
            let hint = allowed
                .iter()
                .filter(|a| a.split('.').nth(1) == s.split('.').nth(1))
                .take(6)
                .copied()
                .collect::<Vec<_>>();
            self.err(
                path.clone(),
                "Unsupported instance type",
                format!(
                    "{s:?} is not an instance type for {what} jobs{}.{}",
                    if hint.is_empty() {
                        String::new()
                    } else {
                        format!(" (same family: {})", hint.join(", "))
                    },
                    mlops_framework::suggest::did_you_mean_sentence(s, allowed.iter().copied())
                ),
            );
            return None;
        }
        Some(json!(s))
    }

    /// An S3 URI value: literals must start with s3://.
    pub(super) fn s3(&mut self, s: &str, path: &AttrPath) -> Option<Json> {
        if !is_unknown(s) && !Self::is_ref(s) && !s.starts_with("s3://") {
            self.err(
                path.clone(),
                "Not an S3 URI",
                format!("{s:?} must be an S3 URI (s3://bucket/key) or a reference."),
            );
            return None;
        }
        self.value(s, path)
    }

    pub(super) fn map(
        &mut self,
        m: &Option<BTreeMap<String, String>>,
        path: &AttrPath,
        attr: &str,
    ) -> Option<Json> {
        let m = m.as_ref()?;
        let mut o = Map::new();
        for (k, v) in m {
            if let Some(j) = self.value(v, &path.clone().field(attr).key(k)) {
                o.insert(k.clone(), j);
            }
        }
        Some(Json::Object(o))
    }

    pub(super) fn role(&mut self, r: &Option<String>, path: &AttrPath) -> Json {
        match r {
            Some(r) => self
                .value(r, &path.clone().field("role_arn"))
                .unwrap_or(Json::Null),
            None => json!(self.spec.role_arn),
        }
    }

    pub(super) fn one_of(&mut self, s: &str, allowed: &[&str], path: &AttrPath) -> Option<Json> {
        if is_unknown(s) || Self::is_ref(s) {
            return self.value(s, path);
        }
        if allowed.contains(&s) {
            Some(json!(s))
        } else {
            self.err(
                path.clone(),
                "Invalid value",
                format!("{s:?} must be one of {}.", allowed.join(", ")),
            );
            None
        }
    }
}
