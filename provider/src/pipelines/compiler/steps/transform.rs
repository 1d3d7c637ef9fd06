//! Batch transform steps.

use mlops_framework::AttrPath;
use serde_json::{json, Map, Value as Json};

use crate::pipelines::compiler::model::Transform;
use crate::pipelines::compiler::Compiler;
use crate::sagemaker::catalog;

impl Compiler<'_> {
    pub(super) fn transform(&mut self, t: &Transform, base: &AttrPath) -> Map<String, Json> {
        let mut a = Map::new();
        a.insert(
            "ModelName".into(),
            self.value(&t.model_name, &base.clone().field("model_name"))
                .unwrap_or(Json::Null),
        );
        let src = self.s3(&t.input, &base.clone().field("input"));
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
        let out = self.s3(&t.output_path, &base.clone().field("output_path"));
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
            &base.clone().field("instance_type"),
            catalog::TRANSFORM,
            "transform",
        );
        let ic = self.opt_int(
            &t.instance_count,
            Some(1),
            &base.clone().field("instance_count"),
            1,
        );
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
}
