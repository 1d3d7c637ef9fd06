//! `pipeline_definition`: the SageMaker pipeline definition JSON that `mlops_pipeline`'s
//! step and parameter blocks compile to, without a pipeline: to diff it with `jsondecode`,
//! hand it to other tools, or review it in a pull request.

use std::sync::LazyLock;

use mlops_framework::function::{unexpected_attributes, Function, FunctionError, Param, Signature};
use mlops_framework::{resource, Diagnostic, Diagnostics, DynResource, Type, Value};
use serde_json::Value as Json;

use super::definition::{decode_config, definition_of};
use super::Pipeline;
use crate::clients::Clients;

pub struct PipelineDefinition;

/// The pipeline resource as the server sees it: its schema validation and checks.
static PIPELINE: LazyLock<Box<dyn DynResource<Clients>>> = LazyLock::new(|| resource(Pipeline));

/// Not a pipeline argument: the region default images come from.
const REGION: &str = "region";

impl Function for PipelineDefinition {
    fn name(&self) -> &'static str {
        "pipeline_definition"
    }

    fn signature(&self) -> Signature {
        Signature {
            params: vec![Param::new(
                "pipeline",
                Type::Dynamic,
                "An object with the arguments of an `mlops_pipeline` (`name`, `role_arn`, `default_bucket`, `parameter` and `step` as lists of objects), plus an optional `region` for steps that use a default image.",
            )],
            ret: Type::String,
            summary: "The SageMaker pipeline definition that mlops_pipeline steps compile to",
            description: "Compiles the steps and parameters as `mlops_pipeline` does and returns \
the definition JSON (compact, the same string as the resource's `definition_json`). Blocks are \
written as attributes: `step = [{ name = \"preprocess\", processing = { ... } }]`. The argument \
gets the checks a pipeline configuration gets, and an error names the attribute \
(`pipeline.step[0].processing.code`). A local `code` path is hashed (relative to the directory \
Terraform runs in), so the definition names the key it would be uploaded to; nothing is \
uploaded or created.",
        }
    }

    fn call(&self, args: Vec<Value>) -> Result<Value, FunctionError> {
        let arg = |d: &Diagnostics| FunctionError::from_diags(0, "pipeline", d);
        let mut j = args.first().map(Value::to_model_json).unwrap_or(Json::Null);
        let Some(obj) = j.as_object_mut() else {
            return Err(FunctionError::arg(
                0,
                "pipeline must be an object with the arguments of an mlops_pipeline (name, role_arn, step...)",
            ));
        };
        let region = match obj.remove(REGION) {
            Some(Json::String(r)) => Some(r),
            Some(Json::Null) | None => None,
            Some(_) => return Err(FunctionError::arg(0, "pipeline.region must be a string")),
        };
        let ty = PIPELINE.implied_type();
        let mut diags = Diagnostics::new();
        for p in unexpected_attributes(&j, ty) {
            diags.push(
                Diagnostic::error(
                    "Unsupported argument",
                    "mlops_pipeline has no argument of this name",
                )
                .at(p),
            );
        }
        if diags.has_errors() {
            return Err(arg(&diags));
        }
        let config = Value::from_model_json(&j, ty)
            .map_err(|e| FunctionError::arg(0, format!("pipeline.{}: {}", e.path, e.message)))?;
        let diags = PIPELINE.validate(&config);
        if diags.has_errors() {
            return Err(arg(&diags));
        }
        let Some(model) = decode_config(&config) else {
            return Err(FunctionError::arg(
                0,
                "pipeline does not fit mlops_pipeline's arguments",
            ));
        };
        match definition_of(&model, region.as_deref()) {
            Ok(Some(c)) => Ok(Value::string(c.json)),
            Ok(None) => Err(FunctionError::arg(
                0,
                "pipeline holds a value not known yet",
            )),
            Err(d) => Err(arg(&d)),
        }
    }
}
