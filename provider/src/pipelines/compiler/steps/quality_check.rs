//! Quality check steps: a Model Monitor analyzer job that baselines a dataset and checks it
//! against a baseline (data or model quality).

use mlops_framework::AttrPath;
use serde_json::{json, Map, Value as Json};

use super::processing_input;
use crate::pipelines::compiler::model::QualityCheck;
use crate::pipelines::compiler::{Compiler, UNKNOWN};
use crate::sagemaker::catalog::analyzer_image;

impl Compiler<'_> {
    pub(super) fn quality_check(
        &mut self,
        q: &QualityCheck,
        base: &AttrPath,
    ) -> (Map<String, Json>, Map<String, Json>) {
        let model = q.check_type == "MODEL_QUALITY";
        let mut a = Map::new();
        let resources =
            self.processing_resources(&q.instance_type, &q.instance_count, &q.volume_size_gb, base);
        a.insert("ProcessingResources".into(), resources);
        let image = match &q.image_uri {
            Some(i) => self.value(i, &base.clone().field("image_uri")),
            None => match self.spec.region.and_then(analyzer_image) {
                Some(i) => Some(json!(i)),
                None if self.spec.region.is_none() => Some(json!(UNKNOWN)),
                None => {
                    self.err(base.clone().field("image_uri"), "No default analyzer image", format!("There is no known Model Monitor analyzer image for region {:?}; set image_uri.", self.spec.region.unwrap_or_default()));
                    None
                }
            },
        };
        a.insert("AppSpecification".into(), json!({"ImageUri": image}));
        a.insert("RoleArn".into(), self.role(&q.role_arn, base));
        let ds = self.s3(&q.dataset, &base.clone().field("dataset"));
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
        let out = self.s3(&q.output_s3_uri, &base.clone().field("output_s3_uri"));
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
                None => self.err(base.clone().field("problem_type"), "Missing problem type", "A MODEL_QUALITY check needs problem_type (Regression, BinaryClassification or MulticlassClassification)."),
            }
            if q.ground_truth_attribute.is_none() {
                self.err(base.clone().field("ground_truth_attribute"), "Missing ground truth", "A MODEL_QUALITY check needs ground_truth_attribute: the column with the true labels.");
            }
            if q.inference_attribute.is_none() && q.probability_attribute.is_none() {
                self.err(
                    base.clone().field("inference_attribute"),
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
                        base.clone().field(attr),
                        "Attribute only for model quality",
                        format!(
                            "{attr} applies to MODEL_QUALITY checks; this is a DATA_QUALITY check."
                        ),
                    );
                }
            }
        }
        if let Some(m) = &q.max_runtime_seconds {
            if let Some(v) = self.int(m, &base.clone().field("max_runtime_seconds"), 1) {
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
                base.clone().field("baseline_constraints"),
                "No baseline to check against",
                "The check compares with a baseline: set baseline_statistics/baseline_constraints, or model_package_group (its latest approved version's baseline), or skip_check = true to only compute one.",
            );
        }
        let mut e = Map::new();
        e.insert("CheckType".into(), json!(q.check_type));
        if let Some(g) = &q.model_package_group {
            e.insert(
                "ModelPackageGroupName".into(),
                self.value(g, &base.clone().field("model_package_group"))
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
            .and_then(|s| self.s3(s, &base.clone().field("baseline_statistics")));
        let cons = q
            .baseline_constraints
            .as_ref()
            .and_then(|s| self.s3(s, &base.clone().field("baseline_constraints")));
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
}
