//! Model steps: `create_model` (a SageMaker model) and `register_model` (a version in a
//! model registry group, with its metrics and drift-check baselines).

use mlops_framework::AttrPath;
use serde_json::{json, Map, Value as Json};

use crate::pipelines::compiler::model::{CreateModel, ModelReports, RegisterModel};
use crate::pipelines::compiler::{is_unknown, Compiler};
use crate::sagemaker::catalog;

impl Compiler<'_> {
    pub(super) fn create_model(&mut self, m: &CreateModel, base: &AttrPath) -> Map<String, Json> {
        let mut a = Map::new();
        a.insert("ExecutionRoleArn".into(), self.role(&m.role_arn, base));
        let mut c = Map::new();
        match (&m.model_package_arn, &m.image_uri) {
            (Some(p), None) => {
                if m.model_data_url.is_some() {
                    self.err(base.clone().field("model_data_url"), "Conflicting attributes", "A model package brings its own artifact; remove model_data_url.");
                }
                c.insert("ModelPackageName".into(), self.value(p, &base.clone().field("model_package_arn")).unwrap_or(Json::Null));
            }
            (None, Some(img)) => {
                c.insert("Image".into(), self.value(img, &base.clone().field("image_uri")).unwrap_or(Json::Null));
                if let Some(d) = &m.model_data_url {
                    c.insert("ModelDataUrl".into(), self.s3(d, &base.clone().field("model_data_url")).unwrap_or(Json::Null));
                }
            }
            (Some(_), Some(_)) => self.err(base.clone().field("image_uri"), "Conflicting attributes", "Set model_package_arn or image_uri, not both."),
            (None, None) => self.err(base.clone(), "Missing model source", "create_model needs model_package_arn (a registry version) or image_uri (with model_data_url)."),
        }
        if let Some(env) = self.map(&m.environment, base, "environment") {
            c.insert("Environment".into(), env);
        }
        a.insert("PrimaryContainer".into(), Json::Object(c));
        a
    }

    pub(super) fn reports(&mut self, r: &ModelReports, base: &AttrPath) -> Map<String, Json> {
        let mut o = Map::new();
        let one = |c: &mut Self, v: &Option<String>, attr: &str| -> Option<Json> {
            let v = v.as_ref()?;
            let uri = c.s3(v, &base.clone().field(attr))?;
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

    pub(super) fn register_model(
        &mut self,
        m: &RegisterModel,
        base: &AttrPath,
    ) -> Map<String, Json> {
        let mut a = Map::new();
        let g = &m.model_package_group;
        if !is_unknown(g)
            && !Self::is_ref(g)
            && !crate::validation::GROUP_ARN_OR_NAME_RE.is_match(g)
        {
            self.err(base.clone().field("model_package_group"), "Invalid model package group", format!("{g:?} is not a model package group name (1-63 letters, digits, hyphens) or ARN."));
        }
        a.insert(
            "ModelPackageGroupName".into(),
            self.value(g, &base.clone().field("model_package_group"))
                .unwrap_or(Json::Null),
        );
        if let Some(d) = &m.description {
            a.insert("ModelPackageDescription".into(), json!(d));
        }
        if let Some(r) = &m.model_metrics {
            let o = self.reports(r, &base.clone().field("model_metrics"));
            a.insert("ModelMetrics".into(), Json::Object(o));
        }
        if let Some(r) = &m.drift_check_baselines {
            let o = self.reports(r, &base.clone().field("drift_check_baselines"));
            a.insert("DriftCheckBaselines".into(), Json::Object(o));
        }
        let mut c = Map::new();
        c.insert(
            "Image".into(),
            self.value(&m.image_uri, &base.clone().field("image_uri"))
                .unwrap_or(Json::Null),
        );
        c.insert(
            "Environment".into(),
            self.map(&m.environment, base, "environment")
                .unwrap_or_else(|| json!({})),
        );
        c.insert(
            "ModelDataUrl".into(),
            self.s3(&m.model_data_url, &base.clone().field("model_data_url"))
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
                            base.clone().field(attr).index(j),
                            "Unsupported instance type",
                            format!(
                                "{t:?} is not a SageMaker instance type for this use.{}",
                                mlops_framework::suggest::did_you_mean_sentence(
                                    t,
                                    allowed.iter().copied()
                                )
                            ),
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
            &base.clone().field("approval_status"),
        );
        a.insert("ModelApprovalStatus".into(), st.unwrap_or(Json::Null));
        a.insert("SkipModelValidation".into(), json!("None"));
        a
    }
}
