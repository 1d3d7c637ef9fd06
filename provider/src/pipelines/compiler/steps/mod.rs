//! One file per step kind: each turns its kind block into the step's `Arguments` (and the
//! extra top-level fields some kinds have), checking fields at their attribute paths. This
//! file assembles a step from its kind and the fields every step has (retries, caching,
//! dependencies, property files).

mod condition;
mod model;
mod processing;
mod quality_check;
mod training;
mod transform;
mod tuning;

use training::TrainingFor;

use mlops_framework::AttrPath;
use serde_json::{json, Map, Value as Json};

use super::kind::StepKind;
use super::model::{Retry, Step};
use super::{is_unknown, step_path, Compiler};
use crate::sagemaker::catalog;

impl<'a> Compiler<'a> {
    pub(super) fn step(&mut self, i: usize, s: &'a Step) -> Option<Map<String, Json>> {
        let kind = self
            .steps
            .get(s.name.as_str())
            .filter(|x| x.index == i)
            .and_then(|x| x.kind)?;
        let base = step_path(i).field(kind.block());
        let (ty, args, extra) = match kind {
            StepKind::Processing => (
                "Processing",
                self.processing(i, s.processing.as_ref()?, &base),
                Map::new(),
            ),
            StepKind::Training => (
                "Training",
                self.training(s.training.as_ref()?, &base, TrainingFor::Step),
                Map::new(),
            ),
            StepKind::Tuning => ("Tuning", self.tuning(s.tuning.as_ref()?, &base), Map::new()),
            StepKind::Transform => (
                "Transform",
                self.transform(s.transform.as_ref()?, &base),
                Map::new(),
            ),
            StepKind::CreateModel => (
                "Model",
                self.create_model(s.create_model.as_ref()?, &base),
                Map::new(),
            ),
            StepKind::RegisterModel => (
                "RegisterModel",
                self.register_model(s.register_model.as_ref()?, &base),
                Map::new(),
            ),
            StepKind::Condition => ("Condition", self.condition(i, s, &base), Map::new()),
            StepKind::QualityCheck => {
                let (a, e) = self.quality_check(s.quality_check.as_ref()?, &base);
                ("QualityCheck", a, e)
            }
            StepKind::Fail => {
                let f = s.fail.as_ref()?;
                let mut a = Map::new();
                if let Some(m) = &f.error_message {
                    if let Some(v) = self.value(m, &base.clone().field("error_message")) {
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

    pub(super) fn retries(&mut self, i: usize, kind: StepKind, rs: &[Retry]) -> Vec<Json> {
        const STEP: &[&str] = &["Step.SERVICE_FAULT", "Step.THROTTLING"];
        const JOB: &[&str] = &[
            "SageMaker.JOB_INTERNAL_ERROR",
            "SageMaker.CAPACITY_ERROR",
            "SageMaker.RESOURCE_LIMIT",
        ];
        let job_step = matches!(
            kind,
            StepKind::Processing | StepKind::Training | StepKind::Tuning | StepKind::Transform
        );
        let mut out = vec![];
        if matches!(
            kind,
            StepKind::Condition | StepKind::Fail | StepKind::QualityCheck
        ) && !rs.is_empty()
        {
            // SageMaker (and the SDK) take no retry policy on these steps.
            self.err(
                step_path(i).field("retry").index(0),
                "Step kind cannot retry",
                format!(
                    "A {} step takes no retry policy; remove the retry block.",
                    kind.block()
                ),
            );
            return out;
        }
        for (j, r) in rs.iter().enumerate() {
            let p = step_path(i).field("retry").index(j);
            for (k, e) in r.exception_types.iter().enumerate() {
                let ep = p.clone().field("exception_types").index(k);
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
                    p.clone().field("expire_after_minutes"),
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
}

impl Compiler<'_> {
    /// The `ProcessingResources` of a processing job (processing and quality check steps).
    fn processing_resources(
        &mut self,
        instance_type: &str,
        instance_count: &Option<String>,
        volume_size_gb: &Option<String>,
        base: &AttrPath,
    ) -> Json {
        let it = self.instance_type(
            instance_type,
            &base.clone().field("instance_type"),
            catalog::PROCESSING,
            "processing",
        );
        let ic = self.opt_int(
            instance_count,
            Some(1),
            &base.clone().field("instance_count"),
            1,
        );
        let vs = self.opt_int(
            volume_size_gb,
            Some(30),
            &base.clone().field("volume_size_gb"),
            1,
        );
        json!({"ClusterConfig": {"InstanceType": it, "InstanceCount": ic, "VolumeSizeInGB": vs}})
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
