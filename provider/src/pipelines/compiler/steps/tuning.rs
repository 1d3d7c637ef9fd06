//! Hyperparameter tuning steps: a training definition and the ranges to search.

use std::collections::BTreeSet;

use mlops_framework::AttrPath;
use serde_json::{json, Map, Value as Json};

use super::training::TrainingFor;
use crate::pipelines::compiler::model::{NumericRange, Tuning};
use crate::pipelines::compiler::{is_unknown, Compiler};

/// The two kinds of numeric hyperparameter range.
#[derive(Clone, Copy, PartialEq, Eq)]
enum NumericRangeKind {
    Continuous,
    Integer,
}

impl NumericRangeKind {
    fn block(self) -> &'static str {
        match self {
            NumericRangeKind::Continuous => "continuous_range",
            NumericRangeKind::Integer => "integer_range",
        }
    }

    /// The list of `ParameterRanges` in the tuning job configuration.
    fn ranges_key(self) -> &'static str {
        match self {
            NumericRangeKind::Continuous => "ContinuousParameterRanges",
            NumericRangeKind::Integer => "IntegerParameterRanges",
        }
    }
}

impl Compiler<'_> {
    pub(super) fn tuning(&mut self, t: &Tuning, base: &AttrPath) -> Map<String, Json> {
        let def = self.training(
            &t.training,
            &base.clone().field("training"),
            TrainingFor::Tuning,
        );
        let mut ranges = Map::new();
        let mut names = BTreeSet::new();
        let mut numeric = |c: &mut Self,
                           list: &Option<Vec<NumericRange>>,
                           kind: NumericRangeKind| {
            let mut v = vec![];
            for (k, r) in list.iter().flatten().enumerate() {
                let rp = base.clone().field(kind.block()).index(k);
                if !names.insert(r.name.clone()) {
                    c.err(
                        rp.clone().field("name"),
                        "Duplicate hyperparameter range",
                        format!("Hyperparameter {:?} has more than one range.", r.name),
                    );
                }
                let (lo, hi) = (
                    c.number_text(&r.min, &rp.clone().field("min")),
                    c.number_text(&r.max, &rp.clone().field("max")),
                );
                if kind == NumericRangeKind::Integer {
                    for (s, attr) in [(&r.min, "min"), (&r.max, "max")] {
                        if !Self::is_ref(s)
                            && !is_unknown(s)
                            && s.trim().parse::<i64>().is_err()
                            && s.trim().parse::<f64>().is_ok()
                        {
                            c.err(
                                rp.clone().field(attr),
                                "Not a whole number",
                                format!("Integer range bound {s:?} must be a whole number."),
                            );
                        }
                    }
                }
                if let (Ok(l), Ok(h)) = (r.min.trim().parse::<f64>(), r.max.trim().parse::<f64>()) {
                    if l > h {
                        c.err(
                            rp.clone().field("min"),
                            "Empty range",
                            format!("min {} is above max {} for {:?}.", r.min, r.max, r.name),
                        );
                    }
                }
                v.push(json!({"Name": r.name, "MinValue": lo, "MaxValue": hi, "ScalingType": r.scaling.as_deref().unwrap_or("Auto")}));
            }
            ranges.insert(kind.ranges_key().into(), Json::Array(v));
        };
        numeric(self, &t.continuous_range, NumericRangeKind::Continuous);
        numeric(self, &t.integer_range, NumericRangeKind::Integer);
        let mut cats = vec![];
        for (k, r) in t.categorical_range.iter().flatten().enumerate() {
            if !names.insert(r.name.clone()) {
                self.err(
                    base.clone()
                        .field("categorical_range")
                        .index(k)
                        .field("name"),
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
                    base.clone()
                        .field("training")
                        .field("hyperparameters")
                        .key(n),
                    "Hyperparameter both static and tuned",
                    format!("{n:?} has a range; remove it from the static hyperparameters."),
                );
            }
        }
        let par = t.max_parallel_jobs.unwrap_or(1);
        if par > t.max_jobs {
            self.err(
                base.clone().field("max_parallel_jobs"),
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
}
