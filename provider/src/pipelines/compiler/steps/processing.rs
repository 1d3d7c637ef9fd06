//! Processing steps: a container run with inputs from and outputs to S3.

use std::collections::BTreeSet;

use mlops_framework::AttrPath;
use serde_json::{json, Map, Value as Json};

use super::processing_input;
use crate::pipelines::compiler::code;
use crate::pipelines::compiler::model::Processing;
use crate::pipelines::compiler::{is_unknown, join, Compiler};

impl Compiler<'_> {
    pub(super) fn processing(
        &mut self,
        i: usize,
        p: &Processing,
        base: &AttrPath,
    ) -> Map<String, Json> {
        let step_name = &self.spec.steps[i].name;
        let mut a = Map::new();
        let resources =
            self.processing_resources(&p.instance_type, &p.instance_count, &p.volume_size_gb, base);
        a.insert("ProcessingResources".into(), resources);
        let mut app = Map::new();
        app.insert(
            "ImageUri".into(),
            self.value(&p.image_uri, &base.clone().field("image_uri"))
                .unwrap_or(Json::Null),
        );
        if let Some(code) = &p.code {
            if p.entrypoint.is_some() {
                self.err(
                    base.clone().field("entrypoint"),
                    "Conflicting attributes",
                    "Set `code` (a script run with `command`) or `entrypoint`, not both.",
                );
            }
            let file = code::file_name(code);
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
                .filter_map(|(k, s)| self.value(s, &base.clone().field("arguments").index(k)))
                .collect();
            app.insert("ContainerArguments".into(), Json::Array(v));
        }
        a.insert("AppSpecification".into(), Json::Object(app));
        a.insert("RoleArn".into(), self.role(&p.role_arn, base));
        let mut inputs = vec![];
        let mut names = BTreeSet::new();
        for (k, inp) in p.input.iter().flatten().enumerate() {
            let ip = base.clone().field("input").index(k);
            let name = inp
                .name
                .clone()
                .unwrap_or_else(|| format!("input-{}", k + 1));
            if !names.insert(name.clone()) {
                self.err(
                    ip.clone().field("name"),
                    "Duplicate input name",
                    format!("Input name {name:?} is used twice in this step."),
                );
            }
            let src = self.s3(&inp.source, &ip.clone().field("source"));
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
                    base.clone().field("code"),
                    "Duplicate input name",
                    "`code` adds an input named \"code\"; rename the other input.",
                );
            }
            let at = base.clone().field("code");
            let src = if code::is_local(code) {
                self.local_code(code, &at)
            } else {
                self.s3(code, &at)
            };
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
            let op = base.clone().field("output").index(k);
            if !onames.insert(out.name.clone()) {
                self.err(
                    op.clone().field("name"),
                    "Duplicate output name",
                    format!("Output name {:?} is used twice in this step.", out.name),
                );
            }
            let dest = match &out.destination {
                Some(d) => self.s3(d, &op.clone().field("destination")),
                None => match self.spec.default_bucket {
                    Some(b) => Some(join(vec![
                        json!(format!("s3://{b}/{}/", self.spec.pipeline_name)),
                        json!({"Get": "Execution.PipelineExecutionId"}),
                        json!(format!("/{step_name}/output/{}", out.name)),
                    ])),
                    None => {
                        self.err(op.clone().field("destination"), "Missing output destination", format!("Output {:?} has no destination; set `destination` or the pipeline's `default_bucket`.", out.name));
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
                self.err(base.clone().field("property_file").index(k).field("output"), "Unknown output", format!("Property file {:?} is read from output {:?}, which this step does not have.", f.name, f.output));
            }
        }
        if let Some(m) = &p.max_runtime_seconds {
            if let Some(v) = self.int(m, &base.clone().field("max_runtime_seconds"), 1) {
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
}
