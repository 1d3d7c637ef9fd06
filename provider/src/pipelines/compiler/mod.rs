//! The pipeline compiler: typed step blocks -> SageMaker pipeline definition JSON
//! (schema version 2020-12-01), with every plan-time check (names, references, cycles,
//! required fields per kind, instance types, enums) reported at the attribute path.
//!
//! Values that are not known yet (at validate/plan time) arrive as [`UNKNOWN`]; checks skip
//! them and the definition they end up in is reported as unknown.
//!
//! | File | Holds |
//! | --- | --- |
//! | [`model`] | the step and parameter blocks (schema and docs) |
//! | [`refs`] | the `{{ }}` reference syntax |
//! | `values.rs` | values, references and typed values of steps |
//! | `kind.rs` | step kinds and the properties they expose |
//! | `steps/` | one file per step kind |
//! | `graph.rs` | dependencies, branches, cycles, nesting of branch steps |
//!
//! The cross-field checks here (one kind block per step, `code` or `entrypoint`, ...) run
//! on the typed model, also at apply time, and name the step in their details; the
//! framework's value-level `Rule`s do not fit them.

pub mod code;
mod graph;
mod kind;
pub mod model;
pub mod refs;
mod steps;
mod values;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use mlops_framework::{AttrPath, Diagnostic, Diagnostics};
use serde_json::{json, Map, Value as Json};

pub use code::CodeUpload;
pub use kind::{kinds_of, StepKind};
pub use model::*;

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

/// The path of `step[i]`.
fn step_path(i: usize) -> AttrPath {
    AttrPath::attr("step").index(i)
}

struct StepInfo<'a> {
    index: usize,
    kind: Option<StepKind>,
    step: &'a Step,
}

struct Compiler<'a> {
    spec: &'a Spec<'a>,
    steps: HashMap<&'a str, StepInfo<'a>>,
    params: BTreeMap<&'a str, &'a str>,
    diags: Diagnostics,
    /// Steps referenced by the step being compiled.
    referenced: BTreeSet<String>,
    /// Local scripts the definition points at, to upload before it is used.
    uploads: Vec<CodeUpload>,
}

/// Compile the pipeline. Errors carry attribute paths; a definition is returned only when
/// there are none.
pub fn compile(spec: &Spec<'_>) -> Result<Json, Diagnostics> {
    compile_with_code(spec).map(|(j, _)| j)
}

/// [`compile`], with the local scripts (`code` paths) the definition points at.
pub fn compile_with_code(spec: &Spec<'_>) -> Result<(Json, Vec<CodeUpload>), Diagnostics> {
    let mut c = Compiler {
        spec,
        steps: HashMap::new(),
        params: BTreeMap::new(),
        diags: Diagnostics::new(),
        referenced: BTreeSet::new(),
        uploads: Vec::new(),
    };
    c.index();
    let params = c.parameters();
    let mut compiled: Vec<Option<Map<String, Json>>> = Vec::new();
    let mut edges: Vec<BTreeSet<String>> = Vec::new();
    for (i, s) in spec.steps.iter().enumerate() {
        c.referenced.clear();
        let body = c.step(i, s);
        let mut deps = std::mem::take(&mut c.referenced);
        c.depends_on(i, s, &mut deps);
        compiled.push(body);
        edges.push(deps);
    }
    let branch_of = c.branches();
    c.cycles(&edges, &branch_of);
    if c.diags.has_errors() {
        return Err(c.diags);
    }
    let top = graph::nest_branches(spec.steps, compiled, &branch_of);
    let definition = json!({
        "Version": DEFINITION_VERSION,
        "Metadata": {},
        "Parameters": params,
        "Steps": top,
    });
    Ok((definition, c.uploads))
}

impl<'a> Compiler<'a> {
    fn err(&mut self, path: AttrPath, summary: &str, detail: impl Into<String>) {
        self.diags.push(Diagnostic::error(summary, detail).at(path));
    }

    /// Whether `name`, written at `path` in step `own`, is another step of the pipeline;
    /// reports the step naming itself (with `itself`: summary and detail) or a step that
    /// does not exist. An unknown name is no step yet.
    fn names_other_step(
        &mut self,
        path: AttrPath,
        name: &str,
        own: &str,
        itself: (&str, String),
    ) -> bool {
        if is_unknown(name) {
            return false;
        }
        if name == own {
            self.err(path, itself.0, itself.1);
            false
        } else if !self.steps.contains_key(name) {
            self.undefined_step(path, name);
            false
        } else {
            true
        }
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
                        step_path(i),
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
                        step_path(i).field(many[1].block()),
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
                    step_path(i).field("name"),
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
            let path = AttrPath::attr("parameter").index(i);
            let ty = p.r#type.as_deref().unwrap_or("String");
            if !is_unknown(&p.name) && self.params.insert(&p.name, ty).is_some() {
                self.err(
                    path.clone().field("name"),
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
                        path.clone().field("default"),
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
mod tests;
