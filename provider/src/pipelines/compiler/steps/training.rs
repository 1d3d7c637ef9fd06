//! Training steps (and the training definition of a tuning step).

use std::collections::BTreeSet;

use mlops_framework::AttrPath;
use serde_json::{json, Map, Value as Json};

use crate::pipelines::compiler::model::Training;
use crate::pipelines::compiler::Compiler;
use crate::sagemaker::catalog;

/// What training arguments are written for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum TrainingFor {
    /// A training step's job.
    Step,
    /// The training job definition of a tuning step.
    Tuning,
}

impl Compiler<'_> {
    /// Training arguments, shaped for a training step or as a tuning job's training
    /// definition.
    pub(super) fn training(
        &mut self,
        t: &Training,
        base: &AttrPath,
        purpose: TrainingFor,
    ) -> Map<String, Json> {
        let mut a = Map::new();
        let mut alg = Map::new();
        alg.insert(
            "TrainingInputMode".into(),
            json!(t.input_mode.as_deref().unwrap_or("File")),
        );
        alg.insert(
            "TrainingImage".into(),
            self.value(&t.image_uri, &base.clone().field("image_uri"))
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
        let out = self.s3(&t.output_path, &base.clone().field("output_path"));
        a.insert("OutputDataConfig".into(), json!({"S3OutputPath": out}));
        let mr = self.opt_int(
            &t.max_runtime_seconds,
            Some(86400),
            &base.clone().field("max_runtime_seconds"),
            1,
        );
        a.insert(
            "StoppingCondition".into(),
            json!({"MaxRuntimeInSeconds": mr}),
        );
        let it = self.instance_type(
            &t.instance_type,
            &base.clone().field("instance_type"),
            catalog::TRAINING,
            "training",
        );
        let ic = self.opt_int(
            &t.instance_count,
            Some(1),
            &base.clone().field("instance_count"),
            1,
        );
        let vs = self.opt_int(
            &t.volume_size_gb,
            Some(30),
            &base.clone().field("volume_size_gb"),
            1,
        );
        let res = json!({"VolumeSizeInGB": vs, "InstanceCount": ic, "InstanceType": it});
        a.insert(
            if purpose == TrainingFor::Tuning {
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
            let ip = base.clone().field("input").index(k);
            if !seen.insert(inp.channel.clone()) {
                self.err(
                    ip.clone().field("channel"),
                    "Duplicate channel",
                    format!("Channel {:?} is given twice.", inp.channel),
                );
            }
            let uri = self.s3(&inp.s3_uri, &ip.clone().field("s3_uri"));
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
                if purpose == TrainingFor::Tuning {
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
}
