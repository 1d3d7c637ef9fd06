//! The pipeline compiler: typed step blocks -> SageMaker pipeline definition JSON
//! (schema version 2020-12-01), with every plan-time check (names, references, cycles,
//! required fields per kind, instance types, enums) reported at the attribute path.
//!
//! Values that are not known yet (at validate/plan time) arrive as [`UNKNOWN`]; checks skip
//! them and the definition they end up in is reported as unknown.

pub mod model;
pub mod refs;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use mlops_framework::{AttrPath, Diagnostic, Diagnostics, PathStep};
use serde_json::{json, Map, Value as Json};

pub use model::*;
use refs::{Piece, Ref};

use crate::sagemaker::catalog::{self, analyzer_image};

/// Stands for a value Terraform does not know yet.
pub const UNKNOWN: &str = "\u{1}mlops-unknown\u{1}";

/// Pipeline definition schema version the compiler emits.
pub const DEFINITION_VERSION: &str = "2020-12-01";

/// What the compiler needs besides the steps.
pub struct Spec<'a> {
    pub pipeline_name: &'a str,
    /// The pipeline's execution role: default role of every job step.
    pub role_arn: &'a str,
    pub default_bucket: Option<&'a str>,
    /// Region of the provider (for default images), when known.
    pub region: Option<&'a str>,
    pub parameters: &'a [Parameter],
    pub steps: &'a [Step],
}

/// True when the JSON holds a value not known yet.
pub fn contains_unknown(j: &Json) -> bool {
    match j {
        Json::String(s) => s.contains(UNKNOWN),
        Json::Array(a) => a.iter().any(contains_unknown),
        Json::Object(o) => o.values().any(contains_unknown),
        _ => false,
    }
}

fn is_unknown(s: &str) -> bool {
    s.contains(UNKNOWN)
}

/// The kind of a step, from its kind block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Processing,
    Training,
    Tuning,
    Transform,
    CreateModel,
    RegisterModel,
    Condition,
    QualityCheck,
    Fail,
}

impl Kind {
    fn block(self) -> &'static str {
        match self {
            Kind::Processing => "processing",
            Kind::Training => "training",
            Kind::Tuning => "tuning",
            Kind::Transform => "transform",
            Kind::CreateModel => "create_model",
            Kind::RegisterModel => "register_model",
            Kind::Condition => "condition",
            Kind::QualityCheck => "quality_check",
            Kind::Fail => "fail",
        }
    }

    /// Top-level properties a step of this kind exposes (the Describe* response of its job).
    fn properties(self) -> &'static [&'static str] {
        match self {
            Kind::Processing => &[
                "ProcessingJobName",
                "ProcessingJobArn",
                "ProcessingJobStatus",
                "ProcessingInputs",
                "ProcessingOutputConfig",
                "ProcessingResources",
                "StoppingCondition",
                "AppSpecification",
                "Environment",
                "NetworkConfig",
                "RoleArn",
                "ExitMessage",
                "FailureReason",
                "ProcessingStartTime",
                "ProcessingEndTime",
                "CreationTime",
                "LastModifiedTime",
            ],
            Kind::Training => &[
                "TrainingJobName",
                "TrainingJobArn",
                "TrainingJobStatus",
                "SecondaryStatus",
                "ModelArtifacts",
                "HyperParameters",
                "AlgorithmSpecification",
                "RoleArn",
                "InputDataConfig",
                "OutputDataConfig",
                "ResourceConfig",
                "StoppingCondition",
                "FinalMetricDataList",
                "FailureReason",
                "TrainingStartTime",
                "TrainingEndTime",
                "TrainingTimeInSeconds",
                "BillableTimeInSeconds",
                "CreationTime",
                "LastModifiedTime",
            ],
            Kind::Tuning => &[
                "HyperParameterTuningJobName",
                "HyperParameterTuningJobArn",
                "HyperParameterTuningJobStatus",
                "BestTrainingJob",
                "TrainingJobSummaries",
                "TrainingJobStatusCounters",
                "ObjectiveStatusCounters",
                "FailureReason",
                "CreationTime",
                "LastModifiedTime",
            ],
            Kind::Transform => &[
                "TransformJobName",
                "TransformJobArn",
                "TransformJobStatus",
                "ModelName",
                "TransformInput",
                "TransformOutput",
                "TransformResources",
                "FailureReason",
                "CreationTime",
                "TransformStartTime",
                "TransformEndTime",
            ],
            Kind::CreateModel => &[
                "ModelName",
                "ModelArn",
                "PrimaryContainer",
                "Containers",
                "ExecutionRoleArn",
                "CreationTime",
            ],
            Kind::RegisterModel => &[
                "ModelPackageArn",
                "ModelPackageName",
                "ModelPackageGroupName",
                "ModelPackageVersion",
                "ModelApprovalStatus",
                "ModelPackageStatus",
                "CreationTime",
            ],
            Kind::Condition => &["Outcome"],
            Kind::QualityCheck => &[
                "CalculatedBaselineStatistics",
                "CalculatedBaselineConstraints",
                "BaselineUsedForDriftCheckStatistics",
                "BaselineUsedForDriftCheckConstraints",
            ],
            Kind::Fail => &[],
        }
    }

    fn shorthands(self) -> &'static str {
        match self {
            Kind::Processing => "`outputs.NAME`, `files.FILE.json.path`",
            Kind::Training => "`model_artifacts`",
            Kind::Tuning => "`best_model_artifacts`",
            Kind::Transform => "`transform_output`",
            Kind::CreateModel => "`model_name`",
            Kind::RegisterModel => "`model_package_arn`",
            _ => "none",
        }
    }
}

/// The kind blocks set on a step.
pub fn kinds_of(s: &Step) -> Vec<Kind> {
    let mut k = vec![];
    if s.processing.is_some() {
        k.push(Kind::Processing);
    }
    if s.training.is_some() {
        k.push(Kind::Training);
    }
    if s.tuning.is_some() {
        k.push(Kind::Tuning);
    }
    if s.transform.is_some() {
        k.push(Kind::Transform);
    }
    if s.create_model.is_some() {
        k.push(Kind::CreateModel);
    }
    if s.register_model.is_some() {
        k.push(Kind::RegisterModel);
    }
    if s.condition.is_some() {
        k.push(Kind::Condition);
    }
    if s.quality_check.is_some() {
        k.push(Kind::QualityCheck);
    }
    if s.fail.is_some() {
        k.push(Kind::Fail);
    }
    k
}

/// A path below `step[i]`.
fn sp(i: usize, tail: &[&str]) -> AttrPath {
    let mut p = AttrPath(vec![
        PathStep::Attr("step".into()),
        PathStep::Index(i as i64),
    ]);
    for t in tail {
        p.push(PathStep::Attr((*t).into()));
    }
    p
}

fn with(p: &AttrPath, tail: &str) -> AttrPath {
    p.child(PathStep::Attr(tail.into()))
}

fn idx(p: &AttrPath, block: &str, i: usize) -> AttrPath {
    with(p, block).child(PathStep::Index(i as i64))
}

fn key(p: &AttrPath, attr: &str, k: &str) -> AttrPath {
    with(p, attr).child(PathStep::Key(k.into()))
}

struct StepInfo<'a> {
    index: usize,
    kind: Option<Kind>,
    step: &'a Step,
}

struct Compiler<'a> {
    spec: &'a Spec<'a>,
    steps: HashMap<&'a str, StepInfo<'a>>,
    params: BTreeMap<&'a str, &'a str>,
    diags: Diagnostics,
    /// Steps referenced by the step being compiled.
    referenced: BTreeSet<String>,
}

/// Compile the pipeline. Errors carry attribute paths; a definition is returned only when
/// there are none.
pub fn compile(spec: &Spec<'_>) -> Result<Json, Diagnostics> {
    let mut c = Compiler {
        spec,
        steps: HashMap::new(),
        params: BTreeMap::new(),
        diags: Diagnostics::new(),
        referenced: BTreeSet::new(),
    };
    c.index();
    let params = c.parameters();
    let mut compiled: Vec<Option<Map<String, Json>>> = Vec::new();
    let mut edges: Vec<BTreeSet<String>> = Vec::new();
    for (i, s) in spec.steps.iter().enumerate() {
        c.referenced.clear();
        let body = c.step(i, s);
        let mut deps = std::mem::take(&mut c.referenced);
        for (j, d) in s.depends_on.iter().flatten().enumerate() {
            let p = idx(&sp(i, &[]), "depends_on", j);
            if is_unknown(d) {
                continue;
            }
            if d == &s.name {
                c.err(
                    p,
                    "Step depends on itself",
                    format!("Step {:?} lists itself in depends_on.", s.name),
                );
            } else if !c.steps.contains_key(d.as_str()) {
                c.undefined_step(p, d);
            } else {
                deps.insert(d.clone());
            }
        }
        compiled.push(body);
        edges.push(deps);
    }
    let branch_of = c.branches();
    c.cycles(&edges, &branch_of);
    if c.diags.has_errors() {
        return Err(c.diags);
    }
    let compiled: Vec<Map<String, Json>> = compiled
        .into_iter()
        .map(Option::unwrap_or_default)
        .collect();
    // Steps inside condition branches are nested in their condition, not listed on top.
    let mut by_name: HashMap<String, Map<String, Json>> = spec
        .steps
        .iter()
        .zip(compiled)
        .map(|(s, j)| (s.name.clone(), j))
        .collect();
    let order: Vec<String> = spec.steps.iter().map(|s| s.name.clone()).collect();
    for name in order.iter().rev() {
        let Some(st) = spec.steps.iter().find(|s| &s.name == name) else {
            continue;
        };
        let Some(cond) = &st.condition else { continue };
        let mut take = |names: &Option<Vec<String>>| -> Vec<Json> {
            names
                .iter()
                .flatten()
                .filter_map(|n| by_name.remove(n).map(Json::Object))
                .collect()
        };
        let ifs = take(&cond.if_steps);
        let elses = take(&cond.else_steps);
        if let Some(Json::Object(args)) = by_name.get_mut(name).and_then(|m| m.get_mut("Arguments"))
        {
            args.insert("IfSteps".into(), Json::Array(ifs));
            args.insert("ElseSteps".into(), Json::Array(elses));
        }
    }
    let top: Vec<Json> = order
        .iter()
        .filter(|n| !branch_of.contains_key(n.as_str()))
        .filter_map(|n| by_name.remove(n).map(Json::Object))
        .collect();
    Ok(json!({
        "Version": DEFINITION_VERSION,
        "Metadata": {},
        "Parameters": params,
        "Steps": top,
    }))
}

impl<'a> Compiler<'a> {
    fn err(&mut self, path: AttrPath, summary: &str, detail: impl Into<String>) {
        self.diags.push(Diagnostic::error(summary, detail).at(path));
    }

    fn undefined_step(&mut self, path: AttrPath, name: &str) {
        let mut known: Vec<&str> = self.steps.keys().copied().collect();
        known.sort();
        self.err(
            path,
            "Reference to an undefined step",
            format!(
                "There is no step named {name:?} in this pipeline. Defined steps: {}.",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ),
        );
    }

    /// Index steps by name; unique names and exactly one kind each.
    fn index(&mut self) {
        let spec = self.spec;
        for (i, s) in spec.steps.iter().enumerate() {
            let kinds = kinds_of(s);
            let kind = match kinds.as_slice() {
                [k] => Some(*k),
                [] => {
                    self.err(
                        sp(i, &[]),
                        "Step without a kind",
                        format!(
                            "Step {:?} needs exactly one of the blocks processing, training, tuning, transform, create_model, register_model, condition, quality_check or fail.",
                            s.name
                        ),
                    );
                    None
                }
                many => {
                    let names: Vec<&str> = many.iter().map(|k| k.block()).collect();
                    self.err(
                        sp(i, &[many[1].block()]),
                        "Step with several kinds",
                        format!(
                            "Step {:?} has the blocks {}; a step has exactly one kind. Split it into several steps.",
                            s.name,
                            names.join(" and ")
                        ),
                    );
                    None
                }
            };
            if is_unknown(&s.name) {
                continue;
            }
            if let Some(prev) = self.steps.get(s.name.as_str()) {
                let first = prev.index;
                self.err(
                    sp(i, &["name"]),
                    "Duplicate step name",
                    format!("Step name {:?} is already used by step[{first}]; step names must be unique.", s.name),
                );
                continue;
            }
            self.steps.insert(
                &s.name,
                StepInfo {
                    index: i,
                    kind,
                    step: s,
                },
            );
        }
    }

    fn parameters(&mut self) -> Vec<Json> {
        let spec = self.spec;
        let mut out = vec![];
        for (i, p) in spec.parameters.iter().enumerate() {
            let path = AttrPath(vec![
                PathStep::Attr("parameter".into()),
                PathStep::Index(i as i64),
            ]);
            let ty = p.r#type.as_deref().unwrap_or("String");
            if !is_unknown(&p.name) && self.params.insert(&p.name, ty).is_some() {
                self.err(
                    with(&path, "name"),
                    "Duplicate parameter name",
                    format!("Parameter {:?} is declared twice.", p.name),
                );
            }
            let mut o = Map::new();
            o.insert("Name".into(), json!(p.name));
            o.insert("Type".into(), json!(ty));
            if let Some(d) = &p.default {
                let v = if is_unknown(d) {
                    Some(json!(d))
                } else {
                    typed_literal(ty, d)
                };
                match v {
                    Some(v) => {
                        o.insert("DefaultValue".into(), v);
                    }
                    None => self.err(
                        with(&path, "default"),
                        "Default does not match the parameter type",
                        format!(
                            "Parameter {:?} is of type {ty}, but its default {d:?} is not a {}.",
                            p.name,
                            ty.to_lowercase()
                        ),
                    ),
                }
            }
            out.push(Json::Object(o));
        }
        out
    }

    // ------------------------------------------------------------------ values

    /// Resolve one reference expression.
    fn resolve(&mut self, expr: &str, path: &AttrPath) -> Option<Json> {
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

    fn step_ref(&mut self, step: &str, rest: &str, expr: &str, path: &AttrPath) -> Option<Json> {
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
            (Kind::Processing, r) if r.starts_with("outputs.") => {
                let out = &r["outputs.".len()..];
                let outputs = s.processing.as_ref().and_then(|p| p.output.as_ref());
                if !outputs.into_iter().flatten().any(|o| o.name == out) {
                    return bad(self, format!("step {step:?} has no output named {out:?}."));
                }
                get(format!(
                    "ProcessingOutputConfig.Outputs['{out}'].S3Output.S3Uri"
                ))
            }
            (Kind::Processing, r) if r.starts_with("files.") => {
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
            (Kind::Training, "model_artifacts") => get("ModelArtifacts.S3ModelArtifacts".into()),
            (Kind::CreateModel, "model_name") => get("ModelName".into()),
            (Kind::RegisterModel, "model_package_arn") => get("ModelPackageArn".into()),
            (Kind::Transform, "transform_output") => get("TransformOutput.S3OutputPath".into()),
            (Kind::Tuning, "best_model_artifacts") => {
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
    fn value(&mut self, s: &str, path: &AttrPath) -> Option<Json> {
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

    fn is_ref(s: &str) -> bool {
        s.contains("{{")
    }

    /// A value that must be an integer (or a reference).
    fn int(&mut self, s: &str, path: &AttrPath, min: i64) -> Option<Json> {
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

    fn opt_int(
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
    fn number_text(&mut self, s: &str, path: &AttrPath) -> Option<Json> {
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
    fn instance_type(
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
                    "{s:?} is not an instance type for {what} jobs{}.",
                    if hint.is_empty() {
                        String::new()
                    } else {
                        format!(" (same family: {})", hint.join(", "))
                    }
                ),
            );
            return None;
        }
        Some(json!(s))
    }

    /// An S3 URI value: literals must start with s3://.
    fn s3(&mut self, s: &str, path: &AttrPath) -> Option<Json> {
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

    fn map(
        &mut self,
        m: &Option<BTreeMap<String, String>>,
        path: &AttrPath,
        attr: &str,
    ) -> Option<Json> {
        let m = m.as_ref()?;
        let mut o = Map::new();
        for (k, v) in m {
            if let Some(j) = self.value(v, &key(path, attr, k)) {
                o.insert(k.clone(), j);
            }
        }
        Some(Json::Object(o))
    }

    fn role(&mut self, r: &Option<String>, path: &AttrPath) -> Json {
        match r {
            Some(r) => self.value(r, &with(path, "role_arn")).unwrap_or(Json::Null),
            None => json!(self.spec.role_arn),
        }
    }

    fn one_of(&mut self, s: &str, allowed: &[&str], path: &AttrPath) -> Option<Json> {
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

    // ------------------------------------------------------------------ steps

    fn step(&mut self, i: usize, s: &'a Step) -> Option<Map<String, Json>> {
        let kind = self
            .steps
            .get(s.name.as_str())
            .filter(|x| x.index == i)
            .and_then(|x| x.kind)?;
        let base = sp(i, &[kind.block()]);
        let (ty, args, extra) = match kind {
            Kind::Processing => (
                "Processing",
                self.processing(i, s.processing.as_ref()?, &base),
                Map::new(),
            ),
            Kind::Training => (
                "Training",
                self.training(s.training.as_ref()?, &base, false),
                Map::new(),
            ),
            Kind::Tuning => ("Tuning", self.tuning(s.tuning.as_ref()?, &base), Map::new()),
            Kind::Transform => (
                "Transform",
                self.transform(s.transform.as_ref()?, &base),
                Map::new(),
            ),
            Kind::CreateModel => (
                "Model",
                self.create_model(s.create_model.as_ref()?, &base),
                Map::new(),
            ),
            Kind::RegisterModel => (
                "RegisterModel",
                self.register_model(s.register_model.as_ref()?, &base),
                Map::new(),
            ),
            Kind::Condition => ("Condition", self.condition(i, s, &base), Map::new()),
            Kind::QualityCheck => {
                let (a, e) = self.quality_check(s.quality_check.as_ref()?, &base);
                ("QualityCheck", a, e)
            }
            Kind::Fail => {
                let f = s.fail.as_ref()?;
                let mut a = Map::new();
                if let Some(m) = &f.error_message {
                    if let Some(v) = self.value(m, &with(&base, "error_message")) {
                        a.insert("ErrorMessage".into(), v);
                    }
                }
                ("Fail", a, Map::new())
            }
        };
        let mut o = Map::new();
        o.insert("Name".into(), json!(s.name));
        o.insert("Type".into(), json!(ty));
        o.insert("Arguments".into(), Json::Object(args));
        if let Some(d) = &s.display_name {
            o.insert("DisplayName".into(), json!(d));
        }
        if let Some(d) = &s.description {
            o.insert("Description".into(), json!(d));
        }
        if let Some(d) = &s.depends_on {
            if !d.is_empty() {
                o.insert("DependsOn".into(), json!(d));
            }
        }
        if let Some(c) = &s.cache_expire_after {
            o.insert(
                "CacheConfig".into(),
                json!({"Enabled": true, "ExpireAfter": c}),
            );
        }
        if let Some(r) = &s.retry {
            let policies = self.retries(i, kind, r);
            if !policies.is_empty() {
                o.insert("RetryPolicies".into(), Json::Array(policies));
            }
        }
        if let Some(p) = s.processing.as_ref().and_then(|p| p.property_file.as_ref()) {
            let files: Vec<Json> = p
                .iter()
                .map(|f| json!({"PropertyFileName": f.name, "OutputName": f.output, "FilePath": f.path}))
                .collect();
            if !files.is_empty() {
                o.insert("PropertyFiles".into(), Json::Array(files));
            }
        }
        o.extend(extra);
        Some(o)
    }

    fn retries(&mut self, i: usize, kind: Kind, rs: &[Retry]) -> Vec<Json> {
        const STEP: &[&str] = &["Step.SERVICE_FAULT", "Step.THROTTLING"];
        const JOB: &[&str] = &[
            "SageMaker.JOB_INTERNAL_ERROR",
            "SageMaker.CAPACITY_ERROR",
            "SageMaker.RESOURCE_LIMIT",
        ];
        let job_step = matches!(
            kind,
            Kind::Processing | Kind::Training | Kind::Tuning | Kind::Transform
        );
        let mut out = vec![];
        if matches!(kind, Kind::Condition | Kind::Fail | Kind::QualityCheck) && !rs.is_empty() {
            // SageMaker (and the SDK) take no retry policy on these steps.
            self.err(
                idx(&sp(i, &[]), "retry", 0),
                "Step kind cannot retry",
                format!(
                    "A {} step takes no retry policy; remove the retry block.",
                    kind.block()
                ),
            );
            return out;
        }
        for (j, r) in rs.iter().enumerate() {
            let p = idx(&sp(i, &[]), "retry", j);
            for (k, e) in r.exception_types.iter().enumerate() {
                let ep = idx(&p, "exception_types", k);
                if is_unknown(e) {
                    continue;
                }
                if JOB.contains(&e.as_str()) && !job_step {
                    self.err(ep, "Retry kind not available for this step", format!("{e} applies to job steps (processing, training, tuning, transform), not to a {} step.", kind.block()));
                } else if !STEP.contains(&e.as_str()) && !JOB.contains(&e.as_str()) {
                    self.err(
                        ep,
                        "Invalid retry exception type",
                        format!(
                            "{e:?} must be one of {}, {}.",
                            STEP.join(", "),
                            JOB.join(", ")
                        ),
                    );
                }
            }
            let mut o = Map::new();
            o.insert("ExceptionType".into(), json!(r.exception_types));
            o.insert(
                "IntervalSeconds".into(),
                json!(r.interval_seconds.unwrap_or(1)),
            );
            o.insert("BackoffRate".into(), json!(r.backoff_rate.unwrap_or(2.0)));
            match (r.max_attempts, r.expire_after_minutes) {
                (Some(_), Some(_)) => self.err(
                    with(&p, "expire_after_minutes"),
                    "Conflicting retry limits",
                    "Set max_attempts or expire_after_minutes, not both.",
                ),
                (Some(m), None) => {
                    o.insert("MaxAttempts".into(), json!(m));
                }
                (None, Some(m)) => {
                    o.insert("ExpireAfterMin".into(), json!(m));
                }
                (None, None) => {}
            }
            out.push(Json::Object(o));
        }
        out
    }

    fn processing(&mut self, i: usize, p: &Processing, base: &AttrPath) -> Map<String, Json> {
        let step_name = &self.spec.steps[i].name;
        let mut a = Map::new();
        let it = self.instance_type(
            &p.instance_type,
            &with(base, "instance_type"),
            catalog::PROCESSING,
            "processing",
        );
        let ic = self.opt_int(&p.instance_count, Some(1), &with(base, "instance_count"), 1);
        let vs = self.opt_int(
            &p.volume_size_gb,
            Some(30),
            &with(base, "volume_size_gb"),
            1,
        );
        a.insert("ProcessingResources".into(), json!({"ClusterConfig": {"InstanceType": it, "InstanceCount": ic, "VolumeSizeInGB": vs}}));
        let mut app = Map::new();
        app.insert(
            "ImageUri".into(),
            self.value(&p.image_uri, &with(base, "image_uri"))
                .unwrap_or(Json::Null),
        );
        if let Some(code) = &p.code {
            if p.entrypoint.is_some() {
                self.err(
                    with(base, "entrypoint"),
                    "Conflicting attributes",
                    "Set `code` (a script run with `command`) or `entrypoint`, not both.",
                );
            }
            let file = code.rsplit('/').next().unwrap_or("script");
            let mut ep: Vec<Json> = p
                .command
                .clone()
                .unwrap_or_else(|| vec!["python3".into()])
                .into_iter()
                .map(Json::String)
                .collect();
            ep.push(json!(format!("/opt/ml/processing/input/code/{file}")));
            app.insert("ContainerEntrypoint".into(), Json::Array(ep));
        } else if let Some(ep) = &p.entrypoint {
            app.insert("ContainerEntrypoint".into(), json!(ep));
        }
        if let Some(args) = &p.arguments {
            let v: Vec<Json> = args
                .iter()
                .enumerate()
                .filter_map(|(k, s)| self.value(s, &idx(base, "arguments", k)))
                .collect();
            app.insert("ContainerArguments".into(), Json::Array(v));
        }
        a.insert("AppSpecification".into(), Json::Object(app));
        a.insert("RoleArn".into(), self.role(&p.role_arn, base));
        let mut inputs = vec![];
        let mut names = BTreeSet::new();
        for (k, inp) in p.input.iter().flatten().enumerate() {
            let ip = idx(base, "input", k);
            let name = inp
                .name
                .clone()
                .unwrap_or_else(|| format!("input-{}", k + 1));
            if !names.insert(name.clone()) {
                self.err(
                    with(&ip, "name"),
                    "Duplicate input name",
                    format!("Input name {name:?} is used twice in this step."),
                );
            }
            let src = self.s3(&inp.source, &with(&ip, "source"));
            inputs.push(processing_input(
                &name,
                src.unwrap_or(Json::Null),
                &inp.destination,
                inp.s3_data_type.as_deref().unwrap_or("S3Prefix"),
                inp.input_mode.as_deref().unwrap_or("File"),
                inp.distribution.as_deref().unwrap_or("FullyReplicated"),
                inp.compression.as_deref().unwrap_or("None"),
            ));
        }
        if let Some(code) = &p.code {
            if names.contains("code") {
                self.err(
                    with(base, "code"),
                    "Duplicate input name",
                    "`code` adds an input named \"code\"; rename the other input.",
                );
            }
            let src = self.s3(code, &with(base, "code"));
            inputs.push(processing_input(
                "code",
                src.unwrap_or(Json::Null),
                "/opt/ml/processing/input/code",
                "S3Prefix",
                "File",
                "FullyReplicated",
                "None",
            ));
        }
        if !inputs.is_empty() {
            a.insert("ProcessingInputs".into(), Json::Array(inputs));
        }
        let mut outputs = vec![];
        let mut onames = BTreeSet::new();
        for (k, out) in p.output.iter().flatten().enumerate() {
            let op = idx(base, "output", k);
            if !onames.insert(out.name.clone()) {
                self.err(
                    with(&op, "name"),
                    "Duplicate output name",
                    format!("Output name {:?} is used twice in this step.", out.name),
                );
            }
            let dest = match &out.destination {
                Some(d) => self.s3(d, &with(&op, "destination")),
                None => match self.spec.default_bucket {
                    Some(b) => Some(join(vec![
                        json!(format!("s3://{b}/{}/", self.spec.pipeline_name)),
                        json!({"Get": "Execution.PipelineExecutionId"}),
                        json!(format!("/{step_name}/output/{}", out.name)),
                    ])),
                    None => {
                        self.err(with(&op, "destination"), "Missing output destination", format!("Output {:?} has no destination; set `destination` or the pipeline's `default_bucket`.", out.name));
                        None
                    }
                },
            };
            outputs.push(json!({
                "OutputName": out.name,
                "AppManaged": false,
                "S3Output": {"S3Uri": dest, "LocalPath": out.source, "S3UploadMode": out.upload_mode.as_deref().unwrap_or("EndOfJob")},
            }));
        }
        if !outputs.is_empty() {
            a.insert("ProcessingOutputConfig".into(), json!({"Outputs": outputs}));
        }
        for (k, f) in p.property_file.iter().flatten().enumerate() {
            if !onames.contains(&f.output) && !is_unknown(&f.output) {
                self.err(with(&idx(base, "property_file", k), "output"), "Unknown output", format!("Property file {:?} is read from output {:?}, which this step does not have.", f.name, f.output));
            }
        }
        if let Some(m) = &p.max_runtime_seconds {
            if let Some(v) = self.int(m, &with(base, "max_runtime_seconds"), 1) {
                a.insert(
                    "StoppingCondition".into(),
                    json!({"MaxRuntimeInSeconds": v}),
                );
            }
        }
        if let Some(env) = self.map(&p.environment, base, "environment") {
            a.insert("Environment".into(), env);
        }
        a
    }

    /// Training arguments; `tuning` shapes them as a tuning job's training definition.
    fn training(&mut self, t: &Training, base: &AttrPath, tuning: bool) -> Map<String, Json> {
        let mut a = Map::new();
        let mut alg = Map::new();
        alg.insert(
            "TrainingInputMode".into(),
            json!(t.input_mode.as_deref().unwrap_or("File")),
        );
        alg.insert(
            "TrainingImage".into(),
            self.value(&t.image_uri, &with(base, "image_uri"))
                .unwrap_or(Json::Null),
        );
        if let Some(md) = &t.metric_definition {
            if !md.is_empty() {
                alg.insert(
                    "MetricDefinitions".into(),
                    Json::Array(
                        md.iter()
                            .map(|m| json!({"Name": m.name, "Regex": m.regex}))
                            .collect(),
                    ),
                );
            }
        }
        a.insert("AlgorithmSpecification".into(), Json::Object(alg));
        let out = self.s3(&t.output_path, &with(base, "output_path"));
        a.insert("OutputDataConfig".into(), json!({"S3OutputPath": out}));
        let mr = self.opt_int(
            &t.max_runtime_seconds,
            Some(86400),
            &with(base, "max_runtime_seconds"),
            1,
        );
        a.insert(
            "StoppingCondition".into(),
            json!({"MaxRuntimeInSeconds": mr}),
        );
        let it = self.instance_type(
            &t.instance_type,
            &with(base, "instance_type"),
            catalog::TRAINING,
            "training",
        );
        let ic = self.opt_int(&t.instance_count, Some(1), &with(base, "instance_count"), 1);
        let vs = self.opt_int(
            &t.volume_size_gb,
            Some(30),
            &with(base, "volume_size_gb"),
            1,
        );
        let res = json!({"VolumeSizeInGB": vs, "InstanceCount": ic, "InstanceType": it});
        a.insert(
            if tuning {
                "HyperParameterTuningResourceConfig"
            } else {
                "ResourceConfig"
            }
            .into(),
            res,
        );
        a.insert("RoleArn".into(), self.role(&t.role_arn, base));
        let mut chans = vec![];
        let mut seen = BTreeSet::new();
        for (k, inp) in t.input.iter().flatten().enumerate() {
            let ip = idx(base, "input", k);
            if !seen.insert(inp.channel.clone()) {
                self.err(
                    with(&ip, "channel"),
                    "Duplicate channel",
                    format!("Channel {:?} is given twice.", inp.channel),
                );
            }
            let uri = self.s3(&inp.s3_uri, &with(&ip, "s3_uri"));
            let mut ch = Map::new();
            ch.insert(
                "DataSource".into(),
                json!({"S3DataSource": {
                    "S3DataType": inp.s3_data_type.as_deref().unwrap_or("S3Prefix"),
                    "S3Uri": uri,
                    "S3DataDistributionType": inp.distribution.as_deref().unwrap_or("FullyReplicated"),
                }}),
            );
            if let Some(ct) = &inp.content_type {
                ch.insert("ContentType".into(), json!(ct));
            }
            ch.insert("ChannelName".into(), json!(inp.channel));
            chans.push(Json::Object(ch));
        }
        if !chans.is_empty() {
            a.insert("InputDataConfig".into(), Json::Array(chans));
        }
        if let Some(h) = self.map(&t.hyperparameters, base, "hyperparameters") {
            a.insert(
                if tuning {
                    "StaticHyperParameters"
                } else {
                    "HyperParameters"
                }
                .into(),
                h,
            );
        }
        if let Some(env) = self.map(&t.environment, base, "environment") {
            a.insert("Environment".into(), env);
        }
        a
    }

    fn tuning(&mut self, t: &Tuning, base: &AttrPath) -> Map<String, Json> {
        let def = self.training(&t.training, &with(base, "training"), true);
        let mut ranges = Map::new();
        let mut names = BTreeSet::new();
        let mut numeric = |c: &mut Self,
                           list: &Option<Vec<NumericRange>>,
                           block: &str,
                           key: &str,
                           int: bool| {
            let mut v = vec![];
            for (k, r) in list.iter().flatten().enumerate() {
                let rp = idx(base, block, k);
                if !names.insert(r.name.clone()) {
                    c.err(
                        with(&rp, "name"),
                        "Duplicate hyperparameter range",
                        format!("Hyperparameter {:?} has more than one range.", r.name),
                    );
                }
                let (lo, hi) = (
                    c.number_text(&r.min, &with(&rp, "min")),
                    c.number_text(&r.max, &with(&rp, "max")),
                );
                if int {
                    for (s, attr) in [(&r.min, "min"), (&r.max, "max")] {
                        if !Self::is_ref(s)
                            && !is_unknown(s)
                            && s.trim().parse::<i64>().is_err()
                            && s.trim().parse::<f64>().is_ok()
                        {
                            c.err(
                                with(&rp, attr),
                                "Not a whole number",
                                format!("Integer range bound {s:?} must be a whole number."),
                            );
                        }
                    }
                }
                if let (Ok(l), Ok(h)) = (r.min.trim().parse::<f64>(), r.max.trim().parse::<f64>()) {
                    if l > h {
                        c.err(
                            with(&rp, "min"),
                            "Empty range",
                            format!("min {} is above max {} for {:?}.", r.min, r.max, r.name),
                        );
                    }
                }
                v.push(json!({"Name": r.name, "MinValue": lo, "MaxValue": hi, "ScalingType": r.scaling.as_deref().unwrap_or("Auto")}));
            }
            ranges.insert(key.into(), Json::Array(v));
        };
        numeric(
            self,
            &t.continuous_range,
            "continuous_range",
            "ContinuousParameterRanges",
            false,
        );
        numeric(
            self,
            &t.integer_range,
            "integer_range",
            "IntegerParameterRanges",
            true,
        );
        let mut cats = vec![];
        for (k, r) in t.categorical_range.iter().flatten().enumerate() {
            if !names.insert(r.name.clone()) {
                self.err(
                    with(&idx(base, "categorical_range", k), "name"),
                    "Duplicate hyperparameter range",
                    format!("Hyperparameter {:?} has more than one range.", r.name),
                );
            }
            cats.push(json!({"Name": r.name, "Values": r.values}));
        }
        ranges.insert("CategoricalParameterRanges".into(), Json::Array(cats));
        if names.is_empty() {
            self.err(base.clone(), "Nothing to tune", "A tuning step needs at least one continuous_range, integer_range or categorical_range.");
        }
        for n in &names {
            if t.training
                .hyperparameters
                .as_ref()
                .is_some_and(|h| h.contains_key(n))
            {
                self.err(
                    key(&with(base, "training"), "hyperparameters", n),
                    "Hyperparameter both static and tuned",
                    format!("{n:?} has a range; remove it from the static hyperparameters."),
                );
            }
        }
        let par = t.max_parallel_jobs.unwrap_or(1);
        if par > t.max_jobs {
            self.err(
                with(base, "max_parallel_jobs"),
                "More parallel jobs than jobs",
                format!(
                    "max_parallel_jobs ({par}) exceeds max_jobs ({}).",
                    t.max_jobs
                ),
            );
        }
        let mut a = Map::new();
        a.insert(
            "HyperParameterTuningJobConfig".into(),
            json!({
                "Strategy": t.strategy.as_deref().unwrap_or("Bayesian"),
                "ResourceLimits": {"MaxNumberOfTrainingJobs": t.max_jobs, "MaxParallelTrainingJobs": par},
                "TrainingJobEarlyStoppingType": t.early_stopping.as_deref().unwrap_or("Off"),
                "HyperParameterTuningJobObjective": {"Type": t.objective_type, "MetricName": t.objective_metric},
                "ParameterRanges": ranges,
            }),
        );
        a.insert("TrainingJobDefinition".into(), Json::Object(def));
        a
    }

    fn transform(&mut self, t: &Transform, base: &AttrPath) -> Map<String, Json> {
        let mut a = Map::new();
        a.insert(
            "ModelName".into(),
            self.value(&t.model_name, &with(base, "model_name"))
                .unwrap_or(Json::Null),
        );
        let src = self.s3(&t.input, &with(base, "input"));
        let mut ti = Map::new();
        ti.insert(
            "DataSource".into(),
            json!({"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": src}}),
        );
        if let Some(c) = &t.content_type {
            ti.insert("ContentType".into(), json!(c));
        }
        if let Some(s) = &t.split_type {
            ti.insert("SplitType".into(), json!(s));
        }
        a.insert("TransformInput".into(), Json::Object(ti));
        let out = self.s3(&t.output_path, &with(base, "output_path"));
        let mut to = Map::new();
        to.insert("S3OutputPath".into(), out.unwrap_or(Json::Null));
        if let Some(x) = &t.accept {
            to.insert("Accept".into(), json!(x));
        }
        if let Some(x) = &t.assemble_with {
            to.insert("AssembleWith".into(), json!(x));
        }
        a.insert("TransformOutput".into(), Json::Object(to));
        let it = self.instance_type(
            &t.instance_type,
            &with(base, "instance_type"),
            catalog::TRANSFORM,
            "transform",
        );
        let ic = self.opt_int(&t.instance_count, Some(1), &with(base, "instance_count"), 1);
        a.insert(
            "TransformResources".into(),
            json!({"InstanceCount": ic, "InstanceType": it}),
        );
        let mut dp = Map::new();
        if let Some(x) = &t.input_filter {
            dp.insert("InputFilter".into(), json!(x));
        }
        if let Some(x) = &t.output_filter {
            dp.insert("OutputFilter".into(), json!(x));
        }
        if let Some(x) = &t.join_source {
            dp.insert("JoinSource".into(), json!(x));
        }
        if !dp.is_empty() {
            a.insert("DataProcessing".into(), Json::Object(dp));
        }
        if let Some(x) = &t.batch_strategy {
            a.insert("BatchStrategy".into(), json!(x));
        }
        if let Some(x) = t.max_payload_mb {
            a.insert("MaxPayloadInMB".into(), json!(x));
        }
        if let Some(env) = self.map(&t.environment, base, "environment") {
            a.insert("Environment".into(), env);
        }
        a
    }

    fn create_model(&mut self, m: &CreateModel, base: &AttrPath) -> Map<String, Json> {
        let mut a = Map::new();
        a.insert("ExecutionRoleArn".into(), self.role(&m.role_arn, base));
        let mut c = Map::new();
        match (&m.model_package_arn, &m.image_uri) {
            (Some(p), None) => {
                if m.model_data_url.is_some() {
                    self.err(with(base, "model_data_url"), "Conflicting attributes", "A model package brings its own artifact; remove model_data_url.");
                }
                c.insert("ModelPackageName".into(), self.value(p, &with(base, "model_package_arn")).unwrap_or(Json::Null));
            }
            (None, Some(img)) => {
                c.insert("Image".into(), self.value(img, &with(base, "image_uri")).unwrap_or(Json::Null));
                if let Some(d) = &m.model_data_url {
                    c.insert("ModelDataUrl".into(), self.s3(d, &with(base, "model_data_url")).unwrap_or(Json::Null));
                }
            }
            (Some(_), Some(_)) => self.err(with(base, "image_uri"), "Conflicting attributes", "Set model_package_arn or image_uri, not both."),
            (None, None) => self.err(base.clone(), "Missing model source", "create_model needs model_package_arn (a registry version) or image_uri (with model_data_url)."),
        }
        if let Some(env) = self.map(&m.environment, base, "environment") {
            c.insert("Environment".into(), env);
        }
        a.insert("PrimaryContainer".into(), Json::Object(c));
        a
    }

    fn reports(&mut self, r: &ModelReports, base: &AttrPath) -> Map<String, Json> {
        let mut o = Map::new();
        let one = |c: &mut Self, v: &Option<String>, attr: &str| -> Option<Json> {
            let v = v.as_ref()?;
            let uri = c.s3(v, &with(base, attr))?;
            Some(json!({"ContentType": "application/json", "S3Uri": uri}))
        };
        let pair = |c: &mut Self,
                    stats: &Option<String>,
                    cons: &Option<String>,
                    sa: &str,
                    ca: &str|
         -> Option<Json> {
            let mut p = Map::new();
            if let Some(s) = one(c, stats, sa) {
                p.insert("Statistics".into(), s);
            }
            if let Some(s) = one(c, cons, ca) {
                p.insert("Constraints".into(), s);
            }
            (!p.is_empty()).then_some(Json::Object(p))
        };
        if let Some(p) = pair(
            self,
            &r.model_quality_statistics,
            &r.model_quality_constraints,
            "model_quality_statistics",
            "model_quality_constraints",
        ) {
            o.insert("ModelQuality".into(), p);
        }
        if let Some(p) = pair(
            self,
            &r.data_quality_statistics,
            &r.data_quality_constraints,
            "data_quality_statistics",
            "data_quality_constraints",
        ) {
            o.insert("ModelDataQuality".into(), p);
        }
        o
    }

    fn register_model(&mut self, m: &RegisterModel, base: &AttrPath) -> Map<String, Json> {
        let mut a = Map::new();
        let g = &m.model_package_group;
        if !is_unknown(g)
            && !Self::is_ref(g)
            && !crate::validation::GROUP_ARN_OR_NAME_RE.is_match(g)
        {
            self.err(with(base, "model_package_group"), "Invalid model package group", format!("{g:?} is not a model package group name (1-63 letters, digits, hyphens) or ARN."));
        }
        a.insert(
            "ModelPackageGroupName".into(),
            self.value(g, &with(base, "model_package_group"))
                .unwrap_or(Json::Null),
        );
        if let Some(d) = &m.description {
            a.insert("ModelPackageDescription".into(), json!(d));
        }
        if let Some(r) = &m.model_metrics {
            let o = self.reports(r, &with(base, "model_metrics"));
            a.insert("ModelMetrics".into(), Json::Object(o));
        }
        if let Some(r) = &m.drift_check_baselines {
            let o = self.reports(r, &with(base, "drift_check_baselines"));
            a.insert("DriftCheckBaselines".into(), Json::Object(o));
        }
        let mut c = Map::new();
        c.insert(
            "Image".into(),
            self.value(&m.image_uri, &with(base, "image_uri"))
                .unwrap_or(Json::Null),
        );
        c.insert(
            "Environment".into(),
            self.map(&m.environment, base, "environment")
                .unwrap_or_else(|| json!({})),
        );
        c.insert(
            "ModelDataUrl".into(),
            self.s3(&m.model_data_url, &with(base, "model_data_url"))
                .unwrap_or(Json::Null),
        );
        let mut spec = Map::new();
        spec.insert("Containers".into(), json!([c]));
        spec.insert("SupportedContentTypes".into(), json!(m.content_types));
        spec.insert("SupportedResponseMIMETypes".into(), json!(m.response_types));
        for (k, list, attr) in [
            (
                "SupportedRealtimeInferenceInstanceTypes",
                &m.realtime_instance_types,
                "realtime_instance_types",
            ),
            (
                "SupportedTransformInstanceTypes",
                &m.transform_instance_types,
                "transform_instance_types",
            ),
        ] {
            if let Some(l) = list {
                let allowed = if attr == "transform_instance_types" {
                    catalog::TRANSFORM
                } else {
                    catalog::REALTIME
                };
                for (j, t) in l.iter().enumerate() {
                    if !is_unknown(t) && !allowed.contains(&t.as_str()) {
                        self.err(
                            idx(base, attr, j),
                            "Unsupported instance type",
                            format!("{t:?} is not a SageMaker instance type for this use."),
                        );
                    }
                }
                spec.insert(k.into(), json!(l));
            }
        }
        a.insert("InferenceSpecification".into(), Json::Object(spec));
        let st = m
            .approval_status
            .as_deref()
            .unwrap_or("PendingManualApproval");
        let st = self.one_of(
            st,
            &["PendingManualApproval", "Approved", "Rejected"],
            &with(base, "approval_status"),
        );
        a.insert("ModelApprovalStatus".into(), st.unwrap_or(Json::Null));
        a.insert("SkipModelValidation".into(), json!("None"));
        a
    }

    fn condition(&mut self, i: usize, s: &Step, base: &AttrPath) -> Map<String, Json> {
        let Some(c) = &s.condition else {
            return Map::new();
        };
        let mut conds = vec![];
        for (k, cmp) in c.comparison.iter().enumerate() {
            let cp = idx(base, "comparison", k);
            let l = self.operand(&cmp.left, &with(&cp, "left"));
            let r = self.operand(&cmp.right, &with(&cp, "right"));
            conds.push(json!({"Type": cmp.r#type, "LeftValue": l, "RightValue": r}));
        }
        for (attr, list) in [("if_steps", &c.if_steps), ("else_steps", &c.else_steps)] {
            for (k, n) in list.iter().flatten().enumerate() {
                let p = idx(base, attr, k);
                if is_unknown(n) {
                    continue;
                }
                if n == &s.name {
                    self.err(
                        p,
                        "Condition branches to itself",
                        format!("Condition {:?} cannot run itself.", s.name),
                    );
                } else if !self.steps.contains_key(n.as_str()) {
                    self.undefined_step(p, n);
                }
            }
        }
        if c.if_steps.as_ref().is_none_or(Vec::is_empty)
            && c.else_steps.as_ref().is_none_or(Vec::is_empty)
        {
            self.err(
                sp(i, &["condition", "if_steps"]),
                "Condition without branches",
                "Give if_steps, else_steps or both.",
            );
        }
        let mut a = Map::new();
        a.insert("Conditions".into(), Json::Array(conds));
        a.insert("IfSteps".into(), json!([]));
        a.insert("ElseSteps".into(), json!([]));
        a
    }

    /// A condition operand: a reference, or a literal typed as number/boolean/string.
    fn operand(&mut self, s: &str, path: &AttrPath) -> Json {
        if is_unknown(s) || Self::is_ref(s) {
            return self.value(s, path).unwrap_or(Json::Null);
        }
        let t = s.trim();
        if let Ok(n) = t.parse::<i64>() {
            return json!(n);
        }
        if let Ok(f) = t.parse::<f64>() {
            if f.is_finite() {
                if let Ok(n) = serde_json::from_str::<Json>(t) {
                    return n;
                }
                return json!(f);
            }
        }
        match t {
            "true" => json!(true),
            "false" => json!(false),
            _ => json!(s),
        }
    }

    fn quality_check(
        &mut self,
        q: &QualityCheck,
        base: &AttrPath,
    ) -> (Map<String, Json>, Map<String, Json>) {
        let model = q.check_type == "MODEL_QUALITY";
        let mut a = Map::new();
        let it = self.instance_type(
            &q.instance_type,
            &with(base, "instance_type"),
            catalog::PROCESSING,
            "processing",
        );
        let ic = self.opt_int(&q.instance_count, Some(1), &with(base, "instance_count"), 1);
        let vs = self.opt_int(
            &q.volume_size_gb,
            Some(30),
            &with(base, "volume_size_gb"),
            1,
        );
        a.insert("ProcessingResources".into(), json!({"ClusterConfig": {"InstanceType": it, "InstanceCount": ic, "VolumeSizeInGB": vs}}));
        let image = match &q.image_uri {
            Some(i) => self.value(i, &with(base, "image_uri")),
            None => match self.spec.region.and_then(analyzer_image) {
                Some(i) => Some(json!(i)),
                None if self.spec.region.is_none() => Some(json!(UNKNOWN)),
                None => {
                    self.err(with(base, "image_uri"), "No default analyzer image", format!("There is no known Model Monitor analyzer image for region {:?}; set image_uri.", self.spec.region.unwrap_or_default()));
                    None
                }
            },
        };
        a.insert("AppSpecification".into(), json!({"ImageUri": image}));
        a.insert("RoleArn".into(), self.role(&q.role_arn, base));
        let ds = self.s3(&q.dataset, &with(base, "dataset"));
        let input_name = "baseline_dataset_input";
        let local = format!("/opt/ml/processing/input/{input_name}");
        a.insert(
            "ProcessingInputs".into(),
            json!([processing_input(
                input_name,
                ds.unwrap_or(Json::Null),
                &local,
                "S3Prefix",
                "File",
                "FullyReplicated",
                "None"
            )]),
        );
        let out = self.s3(&q.output_s3_uri, &with(base, "output_s3_uri"));
        a.insert(
            "ProcessingOutputConfig".into(),
            json!({"Outputs": [{"OutputName": "quality_check_output", "AppManaged": false, "S3Output": {"S3Uri": out, "LocalPath": "/opt/ml/processing/output", "S3UploadMode": "EndOfJob"}}]}),
        );
        // The analyzer reads this JSON text; written as Python's json.dumps does (the SDK
        // writes it so), so the definition matches the SDK's byte for byte.
        let format = match q.dataset_format.as_deref().unwrap_or("csv") {
            "json" => r#"{"json": {"lines": true}}"#.to_string(),
            "parquet" => r#"{"parquet": {}}"#.to_string(),
            _ => format!(
                r#"{{"csv": {{"header": {}, "output_columns_position": "START"}}}}"#,
                q.csv_header.unwrap_or(false)
            ),
        };
        let mut env = Map::new();
        if model {
            env.insert("analysis_type".into(), json!("MODEL_QUALITY"));
            match &q.problem_type {
                Some(p) => {
                    env.insert("problem_type".into(), json!(p));
                }
                None => self.err(with(base, "problem_type"), "Missing problem type", "A MODEL_QUALITY check needs problem_type (Regression, BinaryClassification or MulticlassClassification)."),
            }
            if q.ground_truth_attribute.is_none() {
                self.err(with(base, "ground_truth_attribute"), "Missing ground truth", "A MODEL_QUALITY check needs ground_truth_attribute: the column with the true labels.");
            }
            if q.inference_attribute.is_none() && q.probability_attribute.is_none() {
                self.err(
                    with(base, "inference_attribute"),
                    "Missing prediction column",
                    "A MODEL_QUALITY check needs inference_attribute or probability_attribute.",
                );
            }
            for (k, v) in [
                ("inference_attribute", &q.inference_attribute),
                ("probability_attribute", &q.probability_attribute),
                ("ground_truth_attribute", &q.ground_truth_attribute),
                (
                    "probability_threshold_attribute",
                    &q.probability_threshold_attribute,
                ),
            ] {
                if let Some(v) = v {
                    env.insert(k.into(), json!(v));
                }
            }
        } else {
            for (attr, v) in [
                ("problem_type", &q.problem_type),
                ("inference_attribute", &q.inference_attribute),
                ("probability_attribute", &q.probability_attribute),
                ("ground_truth_attribute", &q.ground_truth_attribute),
                (
                    "probability_threshold_attribute",
                    &q.probability_threshold_attribute,
                ),
            ] {
                if v.is_some() {
                    self.err(
                        with(base, attr),
                        "Attribute only for model quality",
                        format!(
                            "{attr} applies to MODEL_QUALITY checks; this is a DATA_QUALITY check."
                        ),
                    );
                }
            }
        }
        if let Some(m) = &q.max_runtime_seconds {
            if let Some(v) = self.int(m, &with(base, "max_runtime_seconds"), 1) {
                a.insert(
                    "StoppingCondition".into(),
                    json!({"MaxRuntimeInSeconds": v}),
                );
            }
        }
        env.insert("output_path".into(), json!("/opt/ml/processing/output"));
        env.insert("publish_cloudwatch_metrics".into(), json!("Disabled"));
        env.insert("dataset_format".into(), json!(format));
        env.insert("dataset_source".into(), json!(local));
        a.insert("Environment".into(), Json::Object(env));
        let skip = q.skip_check.unwrap_or(false);
        let register = q.register_new_baseline.unwrap_or(false);
        if !skip
            && !register
            && q.baseline_statistics.is_none()
            && q.baseline_constraints.is_none()
            && q.model_package_group.is_none()
        {
            self.err(
                with(base, "baseline_constraints"),
                "No baseline to check against",
                "The check compares with a baseline: set baseline_statistics/baseline_constraints, or model_package_group (its latest approved version's baseline), or skip_check = true to only compute one.",
            );
        }
        let mut e = Map::new();
        e.insert("CheckType".into(), json!(q.check_type));
        if let Some(g) = &q.model_package_group {
            e.insert(
                "ModelPackageGroupName".into(),
                self.value(g, &with(base, "model_package_group"))
                    .unwrap_or(Json::Null),
            );
        }
        e.insert("SkipCheck".into(), json!(skip));
        e.insert(
            "FailOnViolation".into(),
            json!(q.fail_on_violation.unwrap_or(true)),
        );
        e.insert("RegisterNewBaseline".into(), json!(register));
        let stats = q
            .baseline_statistics
            .as_ref()
            .and_then(|s| self.s3(s, &with(base, "baseline_statistics")));
        let cons = q
            .baseline_constraints
            .as_ref()
            .and_then(|s| self.s3(s, &with(base, "baseline_constraints")));
        e.insert(
            "SuppliedBaselineStatistics".into(),
            stats.unwrap_or(Json::Null),
        );
        e.insert(
            "SuppliedBaselineConstraints".into(),
            cons.unwrap_or(Json::Null),
        );
        (a, e)
    }

    // ------------------------------------------------------------------ graph

    /// step name -> the condition whose branch holds it; each step in at most one branch.
    fn branches(&mut self) -> HashMap<&'a str, &'a str> {
        let spec = self.spec;
        let mut of: HashMap<&'a str, &'a str> = HashMap::new();
        for (i, s) in spec.steps.iter().enumerate() {
            let Some(c) = &s.condition else { continue };
            for (attr, list) in [("if_steps", &c.if_steps), ("else_steps", &c.else_steps)] {
                for (k, n) in list.iter().flatten().enumerate() {
                    if !self.steps.contains_key(n.as_str()) || n == &s.name {
                        continue;
                    }
                    if let Some(prev) = of.insert(n.as_str(), s.name.as_str()) {
                        self.err(
                            idx(&sp(i, &["condition"]), attr, k),
                            "Step in more than one branch",
                            format!("Step {n:?} is already a branch of condition {prev:?}; a step belongs to at most one branch."),
                        );
                    }
                }
            }
        }
        of
    }

    /// Report a dependency cycle (references, depends_on and condition branches).
    fn cycles(&mut self, edges: &[BTreeSet<String>], branch_of: &HashMap<&str, &str>) {
        let spec = self.spec;
        let n = spec.steps.len();
        let pos: HashMap<&str, usize> = self.steps.iter().map(|(k, v)| (*k, v.index)).collect();
        // after[i]: steps that must finish before step i.
        let mut after: Vec<Vec<usize>> = edges
            .iter()
            .map(|e| {
                e.iter()
                    .filter_map(|d| pos.get(d.as_str()).copied())
                    .collect()
            })
            .collect();
        for (b, c) in branch_of {
            if let (Some(&bi), Some(&ci)) = (pos.get(b), pos.get(c)) {
                after[bi].push(ci);
            }
        }
        // Iterative DFS with colours.
        let mut colour = vec![0u8; n];
        let mut stack_path: Vec<usize> = vec![];
        for start in 0..n {
            if colour[start] != 0 {
                continue;
            }
            let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
            colour[start] = 1;
            stack_path.push(start);
            while let Some(&mut (v, ref mut k)) = stack.last_mut() {
                if *k < after[v].len() {
                    let w = after[v][*k];
                    *k += 1;
                    if colour[w] == 1 {
                        let from = stack_path.iter().position(|&x| x == w).unwrap_or(0);
                        let mut cyc: Vec<&str> = stack_path[from..]
                            .iter()
                            .map(|&x| spec.steps[x].name.as_str())
                            .collect();
                        cyc.push(spec.steps[w].name.as_str());
                        cyc.reverse();
                        self.err(
                            sp(w, &[]),
                            "Dependency cycle",
                            format!("These steps wait for each other: {} (through references, depends_on or condition branches).", cyc.join(" -> ")),
                        );
                        return;
                    }
                    if colour[w] == 0 {
                        colour[w] = 1;
                        stack_path.push(w);
                        stack.push((w, 0));
                    }
                } else {
                    colour[v] = 2;
                    stack_path.pop();
                    stack.pop();
                }
            }
        }
    }
}

fn processing_input(
    name: &str,
    uri: Json,
    local: &str,
    data_type: &str,
    mode: &str,
    dist: &str,
    comp: &str,
) -> Json {
    json!({
        "InputName": name,
        "AppManaged": false,
        "S3Input": {
            "S3Uri": uri,
            "LocalPath": local,
            "S3DataType": data_type,
            "S3InputMode": mode,
            "S3DataDistributionType": dist,
            "S3CompressionType": comp,
        }
    })
}

/// Concatenate parts: a single part stays itself, literal-only parts become one string,
/// anything else a `Std:Join` on "".
fn join(parts: Vec<Json>) -> Json {
    let mut merged: Vec<Json> = vec![];
    for p in parts {
        match (merged.last_mut(), &p) {
            (Some(Json::String(a)), Json::String(b)) => a.push_str(b),
            (_, Json::String(b)) if b.is_empty() => {}
            _ => merged.push(p),
        }
    }
    match merged.len() {
        0 => json!(""),
        1 => merged.pop().unwrap_or(Json::Null),
        _ => json!({"Std:Join": {"On": "", "Values": merged}}),
    }
}

/// Parse a parameter default as its declared type.
fn typed_literal(ty: &str, s: &str) -> Option<Json> {
    match ty {
        "String" => Some(json!(s)),
        "Integer" => s.trim().parse::<i64>().ok().map(|n| json!(n)),
        "Float" => {
            let t = s.trim();
            t.parse::<f64>().ok().filter(|f| f.is_finite())?;
            serde_json::from_str::<Json>(t).ok().filter(Json::is_number)
        }
        "Boolean" => match s.trim() {
            "true" => Some(json!(true)),
            "false" => Some(json!(false)),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(name: &str, body: Json) -> Step {
        let mut j = json!({"name": name});
        if let (Some(o), Some(b)) = (j.as_object_mut(), body.as_object()) {
            o.extend(b.clone());
        }
        serde_json::from_value(j).expect("step fixture")
    }

    fn fail(name: &str, msg: &str) -> Step {
        step(name, json!({"fail": {"error_message": msg}}))
    }

    fn compile_steps(params: &[Parameter], steps: &[Step]) -> Result<Json, Diagnostics> {
        compile(&Spec {
            pipeline_name: "P",
            role_arn: "arn:aws:iam::123456789012:role/R",
            default_bucket: Some("b"),
            region: Some("eu-west-1"),
            parameters: params,
            steps,
        })
    }

    fn errors(r: Result<Json, Diagnostics>) -> Vec<String> {
        r.err()
            .map(|d| {
                d.0.iter()
                    .map(|x| format!("{}: {}", x.summary, x.detail))
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn join_merges_text_and_keeps_single_refs() {
        assert_eq!(join(vec![json!("a"), json!("b")]), json!("ab"));
        assert_eq!(join(vec![json!({"Get": "X"})]), json!({"Get": "X"}));
        assert_eq!(join(vec![]), json!(""));
        assert_eq!(
            join(vec![
                json!("s3://b/"),
                json!({"Get": "X"}),
                json!(""),
                json!("/o")
            ]),
            json!({"Std:Join": {"On": "", "Values": ["s3://b/", {"Get": "X"}, "/o"]}})
        );
    }

    #[test]
    fn parameter_defaults_are_typed() {
        assert_eq!(typed_literal("Integer", "3"), Some(json!(3)));
        assert_eq!(typed_literal("Integer", "3.5"), None);
        assert_eq!(
            typed_literal("Float", "10.0").map(|j| j.to_string()),
            Some("10.0".into())
        );
        assert_eq!(typed_literal("Boolean", "true"), Some(json!(true)));
        assert_eq!(typed_literal("Boolean", "yes"), None);
        assert_eq!(typed_literal("String", "x"), Some(json!("x")));
    }

    #[test]
    fn condition_branches_are_nested_and_removed_from_the_top() {
        let steps = vec![
            step(
                "C",
                json!({"condition": {"comparison": [{"type": "Equals", "left": "1", "right": "true"}], "if_steps": ["A"], "else_steps": ["B"]}}),
            ),
            fail("A", "a"),
            fail("B", "{{ execution.PipelineExecutionId }}"),
        ];
        let d = compile_steps(&[], &steps).expect("compiles");
        let top = d["Steps"].as_array().expect("steps");
        assert_eq!(top.len(), 1);
        let a = &top[0]["Arguments"];
        assert_eq!(a["IfSteps"][0]["Name"], "A");
        assert_eq!(
            a["ElseSteps"][0]["Arguments"]["ErrorMessage"],
            json!({"Get": "Execution.PipelineExecutionId"})
        );
        assert_eq!(a["Conditions"][0]["LeftValue"], json!(1));
        assert_eq!(a["Conditions"][0]["RightValue"], json!(true));
    }

    #[test]
    fn cycles_through_branches_are_found() {
        // C branches to A, and C waits for A: a cycle.
        let steps = vec![
            step(
                "C",
                json!({"depends_on": ["A"], "condition": {"comparison": [{"type": "Equals", "left": "1", "right": "1"}], "if_steps": ["A"]}}),
            ),
            fail("A", "a"),
        ];
        let e = errors(compile_steps(&[], &steps));
        assert!(e.iter().any(|x| x.contains("Dependency cycle")), "{e:?}");
    }

    #[test]
    fn a_step_in_two_branches_is_rejected() {
        let cond = |n: &str| {
            step(
                n,
                json!({"condition": {"comparison": [{"type": "Equals", "left": "1", "right": "1"}], "if_steps": ["A"]}}),
            )
        };
        let e = errors(compile_steps(
            &[],
            &[cond("C1"), cond("C2"), fail("A", "a")],
        ));
        assert!(
            e.iter().any(|x| x.contains("more than one branch")),
            "{e:?}"
        );
    }

    #[test]
    fn best_model_of_a_tuning_step() {
        let steps = vec![
            step(
                "Tune",
                json!({"tuning": {
                    "training": {"image_uri": "i", "instance_type": "ml.m5.xlarge", "output_path": "s3://b/models/"},
                    "objective_metric": "validation:rmse", "objective_type": "Minimize", "max_jobs": 4,
                    "continuous_range": [{"name": "eta", "min": "0", "max": "1"}]
                }}),
            ),
            step(
                "Eval",
                json!({"fail": {"error_message": "{{ steps.Tune.best_model_artifacts }}"}}),
            ),
        ];
        let d = compile_steps(&[], &steps).expect("compiles");
        assert_eq!(
            d["Steps"][1]["Arguments"]["ErrorMessage"],
            json!({"Std:Join": {"On": "", "Values": ["s3://b/models/", {"Get": "Steps.Tune.TrainingJobSummaries[0].TrainingJobName"}, "/output/model.tar.gz"]}})
        );
        let cfg = &d["Steps"][0]["Arguments"]["HyperParameterTuningJobConfig"];
        assert_eq!(
            cfg["ParameterRanges"]["ContinuousParameterRanges"][0]["MinValue"],
            "0"
        );
        assert!(d["Steps"][0]["Arguments"]["TrainingJobDefinition"]
            ["HyperParameterTuningResourceConfig"]
            .is_object());
    }

    #[test]
    fn unknown_values_pass_checks_and_mark_the_definition() {
        let steps = vec![step(
            "Train",
            json!({"training": {"image_uri": UNKNOWN, "instance_type": UNKNOWN, "output_path": UNKNOWN}}),
        )];
        let d = compile_steps(&[], &steps).expect("compiles");
        assert!(contains_unknown(&d));
    }
}
