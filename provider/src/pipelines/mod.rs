//! `mlops_pipeline`: a SageMaker pipeline written as typed step blocks. This file is the
//! resource (schema and create/read/update/delete/import); around it:
//!
//! | Module | Holds |
//! | --- | --- |
//! | [`compiler`] | step and parameter blocks -> SageMaker pipeline definition, with its checks |
//! | `create.rs` | the create: adopting a half-made pipeline, idempotency tokens, the marker |
//! | `definition.rs` | the definition of a configuration (compiled, or a raw `definition`) |
//! | `upload.rs` | the upload of local `code` scripts at apply |
//! | [`events`] | the `trigger` and `notification` blocks and the AWS objects they own |
//!
//! SageMaker pipelines are found with [`crate::sagemaker::pipeline::find_pipeline`].

pub mod compiler;
mod create;
mod definition;
pub mod events;
pub mod function;
pub mod list;
mod upload;

use std::collections::BTreeMap;
use std::sync::LazyLock;

use mlops_framework::{
    async_trait, Ctx, Diagnostic, Diagnostics, Failure, PlanCtx, Resource, Value,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::aws::{
    api_error, is_not_found, list_tags, merge_tags, plan_tags_all, update_tags, user_tags, Clients,
};
use crate::sagemaker::pipeline::find_pipeline;
use crate::validation::{validate_tags, PIPELINE_NAME, ROLE_ARN};
use compiler::{Parameter, Step};
use definition::{
    canonical, declared_names, decode_config, definition_of, same_definition, Compiled,
};
use events::{Notification, PipelineRef, Trigger};

/// A SageMaker pipeline, written as typed `step` blocks that the provider compiles into the
/// pipeline definition (or as a raw `definition` for steps not modelled yet).
///
/// ## References
/// Step values (attributes documented as *value*) may hold references in `{{ }}`:
///
/// | Write | Means |
/// | --- | --- |
/// | `{{ parameters.InputDataUrl }}` | a pipeline parameter |
/// | `{{ execution.PipelineExecutionId }}` | a property of the running execution (`PipelineExecutionId`, `PipelineExecutionArn`, `PipelineName`, `PipelineArn`, `StartDateTime`, `CurrentDateTime`) |
/// | `{{ steps.Preprocess.outputs.train }}` | the S3 URI of a processing step's output |
/// | `{{ steps.Train.model_artifacts }}` | a training step's model artifact |
/// | `{{ steps.Tune.best_model_artifacts }}` | the best model of a tuning step |
/// | `{{ steps.CreateModel.model_name }}` | the model created by a `create_model` step |
/// | `{{ steps.Register.model_package_arn }}` | the version registered by a `register_model` step |
/// | `{{ steps.Transform.transform_output }}` | a transform step's output prefix |
/// | `{{ steps.Evaluate.files.EvaluationReport.regression_metrics.mse.value }}` | a value in a step's property file (JSON path after the file name) |
/// | `{{ steps.DataQuality.CalculatedBaselineStatistics }}` | any SageMaker property of the step (the job's Describe response, e.g. `ModelArtifacts.S3ModelArtifacts`) |
///
/// Text around references joins them: `"s3://bucket/{{ execution.PipelineExecutionId }}/out"`.
/// A reference to a step or parameter that does not exist is an error at plan time, and
/// references order the steps (as do `depends_on` and condition branches): cycles are
/// rejected.
///
/// The compiled definition is `definition_json`; the plan shows a change to one step as a
/// change to that step inside it.
///
/// Import with the pipeline name: `terraform import mlops_pipeline.training TrainingPipeline`.
/// The step blocks cannot be read back from SageMaker: after an import the first plan adds
/// them to state, and the apply calls no API when the compiled definition equals the
/// imported one.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct PipelineState {
    /// Pipeline name (1-256 letters, digits and hyphens). Changing it replaces the pipeline.
    #[schemars(regex(pattern = PIPELINE_NAME), length(min = 1, max = 256))]
    #[schemars(extend("x-tf" = ["requires_replace"]))]
    pub name: String,

    /// Name shown in SageMaker Studio.
    #[schemars(regex(pattern = PIPELINE_NAME), length(min = 1, max = 256))]
    pub display_name: Option<String>,

    /// What the pipeline does.
    #[schemars(length(max = 3072))]
    pub description: Option<String>,

    /// IAM role the pipeline runs as; also the default role of its job steps.
    #[schemars(regex(pattern = ROLE_ARN), length(min = 20, max = 2048))]
    pub role_arn: String,

    /// Steps running at once at most.
    #[schemars(range(min = 1, max = 1000))]
    pub max_parallel_steps: Option<i64>,

    /// Bucket for processing outputs without a `destination`
    /// (`s3://<bucket>/<pipeline>/<execution id>/<step>/output/<output>`) and for local `code`
    /// scripts, uploaded at apply to `s3://<bucket>/<pipeline>/code/<sha256>/<file>`.
    #[schemars(regex(pattern = r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$"))]
    pub default_bucket: Option<String>,

    /// Pipeline parameters.
    #[schemars(extend("x-tf" = ["block"]))]
    pub parameter: Option<Vec<Parameter>>,

    /// The steps, in order.
    #[schemars(extend("x-tf" = ["block"]))]
    pub step: Option<Vec<Step>>,

    /// A raw pipeline definition (JSON) instead of `step` and `parameter` blocks, for steps
    /// the provider does not model yet.
    pub definition: Option<String>,

    /// Start the pipeline on a schedule, on S3 object arrival, when a step of a pipeline
    /// reaches a status, or when a model version is approved. Each trigger gets its own
    /// EventBridge rule and an IAM role allowed only to start this pipeline.
    #[schemars(extend("x-tf" = ["block"]))]
    pub trigger: Option<Vec<Trigger>>,

    /// E-mail or SNS notifications of execution and step status changes.
    #[schemars(extend("x-tf" = ["block"]))]
    pub notification: Option<Vec<Notification>>,

    /// Start an execution (with default parameters) after every create or update that changes
    /// the definition, e.g. in CI. Its ARN is `last_execution_arn`.
    #[schemars(extend("x-tf-default" = false))]
    pub start_on_change: Option<bool>,

    /// Tags of the pipeline. Provider `default_tags` are added; these win on conflicts.
    pub tags: Option<BTreeMap<String, String>>,

    /// All tags, including the provider's `default_tags`.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub tags_all: Option<BTreeMap<String, String>>,

    /// ARN of the pipeline.
    #[schemars(extend("x-tf" = ["computed", "use_state_for_unknown"]))]
    pub arn: Option<String>,

    /// The pipeline definition as SageMaker runs it (compiled from the blocks, or
    /// `definition` normalised).
    #[schemars(extend("x-tf" = ["computed"]))]
    pub definition_json: Option<String>,

    /// ARN of the execution started by `start_on_change`.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub last_execution_arn: Option<String>,
}

/// The resource.
pub struct Pipeline;

impl Pipeline {
    async fn read_remote(
        &self,
        c: &Clients,
        prior: &PipelineState,
    ) -> Result<Option<PipelineState>, Diagnostics> {
        let Some(d) = find_pipeline(c, &prior.name).await? else {
            return Ok(None);
        };
        if matches!(
            d.pipeline_status(),
            Some(aws_sdk_sagemaker::types::PipelineStatus::Deleting)
        ) {
            return Ok(None);
        }
        let arn = d.pipeline_arn().unwrap_or_default().to_string();
        let remote_tags = list_tags(&c.sagemaker, &arn).await?;
        let remote_def = d.pipeline_definition().unwrap_or_default();
        let definition_json = match &prior.definition_json {
            Some(ours) if same_definition(ours, remote_def) => Some(ours.clone()),
            _ => serde_json::from_str::<Json>(remote_def)
                .map(|j| canonical(&j))
                .ok()
                .or_else(|| Some(remote_def.to_string())),
        };
        let name = d.pipeline_name().unwrap_or(&prior.name).to_string();
        // Imported (or moved, or found by a query): typed steps cannot be read back, so the
        // state holds the definition as a raw `definition`, which a generated configuration
        // then carries; a configuration with steps replaces it in place with no API call.
        let definition = match (&prior.definition, &prior.step) {
            (None, None) => definition_json.clone(),
            _ => prior.definition.clone(),
        };
        // SageMaker shows the name as display name when none was set.
        let display_name = d
            .pipeline_display_name()
            .filter(|x| !(prior.display_name.is_none() && *x == name))
            .map(String::from);
        Ok(Some(PipelineState {
            display_name,
            description: d
                .pipeline_description()
                .filter(|s| !s.is_empty())
                .map(String::from),
            role_arn: d.role_arn().unwrap_or_default().to_string(),
            max_parallel_steps: d
                .parallelism_configuration()
                .and_then(|p| p.max_parallel_execution_steps().map(i64::from)),
            tags: user_tags(&remote_tags, &c.default_tags, prior.tags.as_ref()),
            tags_all: Some(remote_tags),
            arn: Some(arn),
            definition_json,
            definition,
            name,
            ..prior.clone()
        }))
    }

    fn parallelism(
        m: &PipelineState,
    ) -> Option<aws_sdk_sagemaker::types::ParallelismConfiguration> {
        let n = i32::try_from(m.max_parallel_steps?).ok()?;
        aws_sdk_sagemaker::types::ParallelismConfiguration::builder()
            .max_parallel_execution_steps(n)
            .build()
            .into()
    }

    /// Start an execution (`start_on_change`) with the idempotency token `token`.
    async fn start(&self, c: &Clients, name: &str, token: String) -> Result<String, Diagnostics> {
        let r = c
            .sagemaker
            .start_pipeline_execution()
            .pipeline_name(name)
            .client_request_token(token)
            .pipeline_execution_description("Started by terraform-provider-mlops (start_on_change)")
            .send()
            .await
            .map_err(|e| api_error("StartPipelineExecution", name, &e))?;
        let arn = r.pipeline_execution_arn().unwrap_or_default().to_string();
        tracing::info!(pipeline = %name, execution = %arn, "pipeline execution started");
        Ok(arn)
    }

    /// The definition to apply and the local scripts it points at.
    fn compiled(&self, c: &Clients, m: &PipelineState) -> Result<Compiled, Diagnostics> {
        match definition_of(m, Some(&c.region))? {
            Some(d) => Ok(d),
            None => Err(Diagnostic::error(
                "Pipeline definition not known",
                "A value of the pipeline is still unknown at apply time. This is a bug in the provider.",
            )
            .into()),
        }
    }
}

#[async_trait]
impl Resource for Pipeline {
    type Client = Clients;
    type State = PipelineState;
    const TYPE_NAME: &'static str = "mlops_pipeline";

    fn identity_schema(&self) -> Option<mlops_framework::IdentitySchema> {
        Some(mlops_framework::IdentitySchema::new(
            0,
            vec![mlops_framework::IdentityAttr::required(
                "name",
                "The pipeline's name.",
            )],
        ))
    }

    fn identity(&self, s: &PipelineState) -> Option<Json> {
        Some(serde_json::json!({ "name": s.name }))
    }

    fn import_id(&self, id: &Json) -> Result<String, Diagnostics> {
        Ok(mlops_framework::identity::attr(id, "name")
            .unwrap_or_default()
            .to_string())
    }

    fn moves_from(&self) -> &'static [&'static str] {
        &["aws_sagemaker_pipeline"]
    }

    /// The pipeline an `aws_sagemaker_pipeline` names; the read that follows fills in its
    /// definition, role and tags, and the plan compares them with the configuration.
    fn moved_from(
        &self,
        src: &mlops_framework::moved::MovedFrom<'_>,
    ) -> Option<Result<(PipelineState, mlops_framework::PrivateState), Diagnostics>> {
        src.is("aws", "aws_sagemaker_pipeline").then(|| {
            let name = src.required("pipeline_name")?;
            Ok((stub(name), Default::default()))
        })
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        validate_tags(config, "tags", diags);
        let Some(m) = decode_config(config) else {
            events::validate(config, None, None, diags);
            return;
        };
        let (params, steps) = declared_names(&m);
        events::validate(config, params.as_ref(), steps.as_ref(), diags);
        if let Err(d) = definition_of(&m, None) {
            diags.extend(d);
        }
    }

    fn modify_plan(&self, mut plan: PlanCtx<'_, Clients>) {
        plan_tags_all(&mut plan);
        if plan.config.is_null() {
            return;
        }
        events::refine_plan(plan.prior, plan.config, plan.planned);
        let region = plan.client.map(|c| c.region.clone());
        let def = match decode_config(plan.config) {
            Some(m) => match definition_of(&m, region.as_deref()) {
                Ok(d) => d.map(|d| d.json),
                Err(d) => {
                    plan.diags.extend(d);
                    return;
                }
            },
            None => None,
        };
        let prior_def = plan
            .prior
            .attr("definition_json")
            .as_str()
            .map(String::from);
        let changed = match (&def, &prior_def) {
            (Some(d), Some(p)) => !same_definition(d, p),
            _ => true,
        };
        let start = plan.config.attr("start_on_change").as_bool() == Some(true);
        let prior_exec = plan.prior.attr("last_execution_arn").clone();
        let Some(o) = plan.planned.as_object_mut() else {
            return;
        };
        match (&def, &prior_def) {
            // Keep the prior text when only formatting differs: no diff.
            (Some(_), Some(p)) if !changed => {
                o.insert("definition_json".into(), Value::string(p.clone()));
            }
            (Some(d), _) => {
                o.insert("definition_json".into(), Value::string(d.clone()));
            }
            (None, _) => {
                o.insert("definition_json".into(), Value::UNKNOWN);
            }
        }
        let exec = if start && changed {
            Value::UNKNOWN
        } else if plan.prior.is_null() {
            Value::Null
        } else {
            prior_exec
        };
        o.insert("last_execution_arn".into(), exec);
    }

    async fn create(
        &self,
        ctx: &mut Ctx<Clients>,
        planned: PipelineState,
    ) -> Result<PipelineState, Failure<PipelineState>> {
        create::create(self, ctx, planned).await
    }

    async fn read(
        &self,
        ctx: &mut Ctx<Clients>,
        current: PipelineState,
    ) -> Result<Option<PipelineState>, Diagnostics> {
        let c = ctx.client.clone();
        let Some(mut s) = self.read_remote(&c, &current).await? else {
            return Ok(None);
        };
        let arn = s.arn.clone().unwrap_or_default();
        let pref = PipelineRef {
            name: &current.name,
            arn: &arn,
        };
        let (t, n) = events::read(
            &c,
            &pref,
            (
                current.trigger.clone().unwrap_or_default(),
                current.notification.clone().unwrap_or_default(),
            ),
        )
        .await?;
        set_blocks(&mut s, t, n);
        Ok(Some(s))
    }

    async fn update(
        &self,
        ctx: &mut Ctx<Clients>,
        prior: PipelineState,
        planned: PipelineState,
    ) -> Result<PipelineState, Failure<PipelineState>> {
        let c = ctx.client.clone();
        let Compiled { json: def, uploads } = self.compiled(&c, &planned)?;
        let def_changed = prior
            .definition_json
            .as_deref()
            .is_none_or(|p| !same_definition(p, &def));
        if def_changed {
            let planned_def = planned.definition_json.as_deref();
            upload::upload_code(&c, &ctx.cancel, &uploads, planned_def).await?;
        }
        let attrs_changed = prior.display_name != planned.display_name
            || prior.description != planned.description
            || prior.role_arn != planned.role_arn
            || prior.max_parallel_steps != planned.max_parallel_steps;
        let arn = prior.arn.clone().unwrap_or_default();
        let mut next = PipelineState {
            arn: prior.arn.clone(),
            definition_json: Some(if def_changed {
                def.clone()
            } else {
                prior.definition_json.clone().unwrap_or_default()
            }),
            last_execution_arn: prior.last_execution_arn.clone(),
            ..planned.clone()
        };
        if def_changed || attrs_changed {
            let mut req = c
                .sagemaker
                .update_pipeline()
                .pipeline_name(&planned.name)
                .role_arn(&planned.role_arn)
                .set_parallelism_configuration(Self::parallelism(&planned));
            if def_changed {
                req = req.pipeline_definition(&def);
            }
            if planned.display_name != prior.display_name {
                req = req.pipeline_display_name(
                    planned
                        .display_name
                        .clone()
                        .unwrap_or_else(|| planned.name.clone()),
                );
            }
            if planned.description != prior.description {
                req = req.pipeline_description(planned.description.clone().unwrap_or_default());
            }
            req.send().await.map_err(|e| {
                Failure::with_partial(
                    PipelineState {
                        definition_json: prior.definition_json.clone(),
                        ..prior.clone()
                    },
                    api_error("UpdatePipeline", &planned.name, &e),
                )
            })?;
            tracing::info!(name = %planned.name, definition_changed = def_changed, "pipeline updated");
        } else {
            tracing::debug!(name = %planned.name, "pipeline unchanged remotely; no API call");
        }
        let tags_all = merge_tags(&c.default_tags, planned.tags.as_ref());
        if prior.tags_all.as_ref() != Some(&tags_all) {
            let have = prior.tags_all.clone().unwrap_or_default();
            update_tags(&c.sagemaker, &arn, &have, &tags_all)
                .await
                .map_err(|d| Failure::with_partial(next.clone(), d))?;
        }
        next.tags_all = Some(tags_all);
        let pref = PipelineRef {
            name: &planned.name,
            arn: &arn,
        };
        let prior_t = prior.trigger.clone().unwrap_or_default();
        let prior_n = prior.notification.clone().unwrap_or_default();
        let desired = (
            planned.trigger.clone().unwrap_or_default(),
            planned.notification.clone().unwrap_or_default(),
        );
        match events::apply(&c, &ctx.cancel, &pref, (&prior_t, &prior_n), desired).await {
            Ok((t, n)) => set_blocks(&mut next, t, n),
            Err(((t, n), d)) => {
                set_blocks(&mut next, t, n);
                return Err(Failure::with_partial(next, d));
            }
        }
        if def_changed && planned.start_on_change == Some(true) {
            let token = create::fresh_token("execution", &arn);
            match self.start(&c, &planned.name, token).await {
                Ok(a) => next.last_execution_arn = Some(a),
                Err(d) => return Err(Failure::with_partial(next, d)),
            }
        }
        let read = self.read_remote(&c, &next).await;
        match read {
            Ok(Some(s)) => Ok(s),
            Ok(None) => Err(Failure::new(Diagnostic::error(
                "Pipeline vanished",
                format!("Pipeline {} disappeared during the update.", planned.name),
            ))),
            Err(d) => Err(Failure::with_partial(next, d)),
        }
    }

    async fn delete(
        &self,
        ctx: &mut Ctx<Clients>,
        current: PipelineState,
    ) -> Result<(), Diagnostics> {
        let c = ctx.client.clone();
        let arn = current.arn.clone().unwrap_or_default();
        let pref = PipelineRef {
            name: &current.name,
            arn: &arn,
        };
        events::delete_all(
            &c,
            &pref,
            (
                current.trigger.as_deref().unwrap_or_default(),
                current.notification.as_deref().unwrap_or_default(),
            ),
        )
        .await?;
        match c
            .sagemaker
            .delete_pipeline()
            .pipeline_name(&current.name)
            .client_request_token(create::fresh_token("delete-pipeline", &current.name))
            .send()
            .await
        {
            Ok(_) => {
                tracing::info!(name = %current.name, "pipeline deleted");
                Ok(())
            }
            Err(e) if is_not_found(&e) => Ok(()),
            Err(e) => Err(api_error("DeletePipeline", &current.name, &e).into()),
        }
    }

    async fn import(
        &self,
        _ctx: &mut Ctx<Clients>,
        id: &str,
    ) -> Result<PipelineState, Diagnostics> {
        static RE: LazyLock<regex::Regex> =
            LazyLock::new(|| regex::Regex::new(PIPELINE_NAME).expect("static regex"));
        if !(1..=256).contains(&id.len()) || !RE.is_match(id) {
            return Err(Diagnostic::error(
                "Invalid import ID",
                format!("Import a pipeline by its name (1-256 letters, digits and hyphens); got {id:?}."),
            )
            .into());
        }
        Ok(stub(id))
    }
}

/// A pipeline known only by its name (an import's start).
fn stub(name: &str) -> PipelineState {
    PipelineState {
        name: name.to_string(),
        display_name: None,
        description: None,
        role_arn: String::new(),
        max_parallel_steps: None,
        default_bucket: None,
        parameter: None,
        step: None,
        definition: None,
        trigger: None,
        notification: None,
        start_on_change: Some(false),
        tags: None,
        tags_all: None,
        arn: None,
        definition_json: None,
        last_execution_arn: None,
    }
}

/// Record the event blocks as they exist (an empty list stays null, as in the config).
fn set_blocks(s: &mut PipelineState, t: Vec<Trigger>, n: Vec<Notification>) {
    s.trigger = (!t.is_empty() || s.trigger.is_some()).then_some(t);
    s.notification = (!n.is_empty() || s.notification.is_some()).then_some(n);
}
