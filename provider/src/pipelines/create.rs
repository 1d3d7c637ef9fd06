//! The create of `mlops_pipeline`, crash-safe by construction (see [`crate::ownership`]):
//!
//! 1. Look first: a pipeline of the planned name that carries the marker was made by an
//!    interrupted apply and is adopted (converged to the plan with at most one
//!    UpdatePipeline, its tags converged); one without the marker is someone else's, and
//!    the create fails before writing anything, naming its import block.
//! 2. Otherwise CreatePipeline, with the marker in its tags and a ClientRequestToken that
//!    is a hash of the whole request: the SDK's retry after a lost answer gets the same
//!    pipeline back.
//! 3. The triggers and notifications (owned objects, named after the pipeline: adopted as
//!    they are and converged with put semantics), then the first execution when
//!    `start_on_change` is set, with a token from the pipeline's ARN and creation time: a
//!    create re-run after a kill finds the execution the first run started.
//! 4. The pipeline is read back (the marker stays: see [`crate::ownership`]).

use std::collections::BTreeMap;

use aws_sdk_sagemaker::operation::describe_pipeline::DescribePipelineOutput;
use aws_sdk_sagemaker::types::PipelineStatus;
use mlops_framework::{wait_until, AttrPath, Ctx, Diagnostic, Diagnostics, Failure, Phase, Want};

use super::definition::{same_definition, Compiled};
use super::events::{self, PipelineRef};
use super::upload::upload_code;
use super::{set_blocks, Pipeline, PipelineState};
use crate::aws::{
    api_error, list_all_tags, merge_tags, sdk_tags, stable_hash, timestamp, update_tags, Clients,
};
use crate::ownership::{existing, log_adopting, marked_tags, Existing, Taken, MARKER_TAG};
use crate::sagemaker::pipeline::find_pipeline;

/// The idempotency token of a CreatePipeline request: a hash of everything it carries
/// (name, display name, description, definition, role, parallelism, tags with the marker).
/// The SDK retries a request whose answer was lost with the same token, and SageMaker
/// answers with the pipeline the first attempt made. Tokens are 32-128 characters.
pub(super) fn create_token(
    planned: &PipelineState,
    definition: &str,
    tags: &BTreeMap<String, String>,
) -> String {
    let request = serde_json::json!({
        "name": planned.name,
        "display_name": planned.display_name,
        "description": planned.description,
        "definition": definition,
        "role": planned.role_arn,
        "parallelism": planned.max_parallel_steps,
        "tags": tags,
    });
    format!(
        "mlops-create-pipeline-{:016x}",
        stable_hash(&request.to_string())
    )
}

/// The token of the first execution a create starts (`start_on_change`): from the
/// pipeline's ARN and creation time, so a create re-run after a kill (same pipeline) gets
/// the execution the first run started, and a pipeline re-created under the same name gets
/// a new one.
pub(super) fn first_execution_token(arn: &str, created: Option<&str>) -> String {
    let seed = serde_json::json!({ "pipeline": arn, "created": created });
    format!(
        "mlops-first-execution-{:016x}",
        stable_hash(&seed.to_string())
    )
}

/// A token for a request that must not be deduplicated against earlier ones (a later
/// execution, a delete): unique per call; the SDK's retries of that call still share it.
pub(super) fn fresh_token(kind: &str, seed: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    static CALLS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let unique = format!("{seed}/{nanos}/{}/{n}", std::process::id());
    format!("mlops-{kind}-{:016x}", stable_hash(&unique))
}

/// What the create found under the planned name.
enum Found {
    /// No pipeline of that name.
    Nothing,
    /// One left half-made by an interrupted apply of this provider, with its tags.
    Ours(Box<DescribePipelineOutput>, BTreeMap<String, String>),
}

/// Look at what exists under `name`, before writing anything: an error naming it when it
/// is someone else's.
async fn look(ctx: &Ctx<Clients>, name: &str) -> Result<Found, Diagnostics> {
    let c = &ctx.client;
    let Some(d) = find_pipeline(c, name).await? else {
        return Ok(Found::Nothing);
    };
    if d.pipeline_status() == Some(&PipelineStatus::Deleting) {
        // Being deleted (an earlier destroy): gone in a moment, then created anew.
        let what = format!("pipeline {name} being deleted to be gone");
        wait_until(
            &what,
            ctx.timeout,
            &ctx.cancel,
            Want::Absent,
            || find_pipeline(c, name),
            |_| Phase::Pending("Deleting".into()),
        )
        .await?;
        return Ok(Found::Nothing);
    }
    let have = list_all_tags(&c.sagemaker, d.pipeline_arn().unwrap_or_default()).await?;
    match existing(&have) {
        Existing::Ours => Ok(Found::Ours(Box::new(d), have)),
        Existing::Foreign => Err(Taken {
            kind: "Pipeline",
            name,
            resource_type: "mlops_pipeline",
            import_id: name,
            marker: MARKER_TAG,
            at: AttrPath::attr("name"),
        }
        .diagnostic()
        .into()),
    }
}

/// Converge an adopted pipeline to the plan: one UpdatePipeline when its definition, role,
/// description, display name or parallelism differ; its tags to the planned ones (the
/// marker stays).
async fn adopt(
    c: &Clients,
    d: &DescribePipelineOutput,
    planned: &PipelineState,
    def: &str,
    (have, want): (&BTreeMap<String, String>, &BTreeMap<String, String>),
) -> Result<String, Diagnostics> {
    let name = &planned.name;
    log_adopting("Pipeline", name);
    let arn = d.pipeline_arn().unwrap_or_default().to_string();
    let display = planned.display_name.clone().unwrap_or_else(|| name.clone());
    let description = planned.description.clone().unwrap_or_default();
    let parallelism = d
        .parallelism_configuration()
        .and_then(|p| p.max_parallel_execution_steps().map(i64::from));
    let differs = !same_definition(def, d.pipeline_definition().unwrap_or_default())
        || d.role_arn() != Some(planned.role_arn.as_str())
        || d.pipeline_description().unwrap_or_default() != description
        || d.pipeline_display_name().unwrap_or(name) != display
        || (planned.max_parallel_steps.is_some() && parallelism != planned.max_parallel_steps);
    if differs {
        c.sagemaker
            .update_pipeline()
            .pipeline_name(name)
            .pipeline_definition(def)
            .role_arn(&planned.role_arn)
            .pipeline_display_name(display)
            .pipeline_description(description)
            .set_parallelism_configuration(Pipeline::parallelism(planned))
            .send()
            .await
            .map_err(|e| api_error("UpdatePipeline", name, &e))?;
        tracing::info!(name = %name, "adopted pipeline updated to the plan");
    }
    update_tags(&c.sagemaker, &arn, have, want).await?;
    Ok(arn)
}

/// The create; see the module documentation.
pub(super) async fn create(
    p: &Pipeline,
    ctx: &Ctx<Clients>,
    planned: PipelineState,
) -> Result<PipelineState, Failure<PipelineState>> {
    let c = ctx.client.clone();
    let Compiled { json: def, uploads } = p.compiled(&c, &planned)?;
    // Before the pipeline exists: no execution can start on code that is not there.
    let planned_def = planned.definition_json.as_deref();
    upload_code(&c, &ctx.cancel, &uploads, planned_def)
        .await
        .map_err(Failure::new)?;
    let tags_all = merge_tags(&c.default_tags, planned.tags.as_ref());
    let tags = marked_tags(&tags_all);
    let (arn, created) = match look(ctx, &planned.name).await.map_err(Failure::new)? {
        Found::Ours(d, have) => {
            let arn = adopt(&c, &d, &planned, &def, (&have, &tags))
                .await
                .map_err(Failure::new)?;
            (arn, timestamp(d.creation_time()))
        }
        Found::Nothing => {
            let resp = c
                .sagemaker
                .create_pipeline()
                .pipeline_name(&planned.name)
                .set_pipeline_display_name(planned.display_name.clone())
                .set_pipeline_description(planned.description.clone())
                .pipeline_definition(&def)
                .role_arn(&planned.role_arn)
                .set_parallelism_configuration(Pipeline::parallelism(&planned))
                .set_tags(sdk_tags(&tags))
                .client_request_token(create_token(&planned, &def, &tags))
                .send()
                .await
                .map_err(|e| Failure::new(api_error("CreatePipeline", &planned.name, &e)))?;
            let arn = resp.pipeline_arn().unwrap_or_default().to_string();
            tracing::info!(name = %planned.name, arn = %arn, "pipeline created");
            (arn, None)
        }
    };
    // From here on the pipeline exists: failures keep it in state (tainted).
    let mut partial = PipelineState {
        arn: Some(arn.clone()),
        definition_json: Some(def),
        tags_all: Some(tags_all),
        last_execution_arn: None,
        ..planned.clone()
    };
    let pref = PipelineRef {
        name: &planned.name,
        arn: &arn,
    };
    let desired = (
        planned.trigger.clone().unwrap_or_default(),
        planned.notification.clone().unwrap_or_default(),
    );
    match events::apply(&c, &ctx.cancel, &pref, (&[], &[]), desired).await {
        Ok((t, n)) => set_blocks(&mut partial, t, n),
        Err(((t, n), d)) => {
            set_blocks(&mut partial, t, n);
            return Err(Failure::with_partial(partial, d));
        }
    }
    if planned.start_on_change == Some(true) {
        let created = match created {
            Some(t) => Some(t),
            None => find_pipeline(&c, &planned.name)
                .await
                .map_err(|d| Failure::with_partial(partial.clone(), d))?
                .and_then(|d| timestamp(d.creation_time())),
        };
        let token = first_execution_token(&arn, created.as_deref());
        match p.start(&c, &planned.name, token).await {
            Ok(a) => partial.last_execution_arn = Some(a),
            Err(d) => return Err(Failure::with_partial(partial, d)),
        }
    }
    let read = p.read_remote(&c, &partial).await;
    Failure::read_back(
        read,
        || {
            Diagnostic::error(
                "Pipeline vanished",
                format!(
                    "Pipeline {} was created but cannot be read back.",
                    planned.name
                ),
            )
        },
        |d| Failure::with_partial(partial.clone(), d),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn planned() -> PipelineState {
        super::super::stub("churn-train")
    }

    #[test]
    fn create_token_follows_the_whole_request() {
        let p = planned();
        let tags = marked_tags(&BTreeMap::new());
        let t = create_token(&p, "{}", &tags);
        assert_eq!(t, create_token(&p, "{}", &tags), "stable");
        assert!((32..=128).contains(&t.len()), "{t}");
        assert_ne!(t, create_token(&p, "{\"Steps\":[]}", &tags));
        let mut other = p.clone();
        other.role_arn = "arn:aws:iam::123456789012:role/Other".into();
        assert_ne!(t, create_token(&other, "{}", &tags));
        let mut more = tags.clone();
        more.insert("team".into(), "ml".into());
        assert_ne!(t, create_token(&p, "{}", &more));
    }

    #[test]
    fn first_execution_token_follows_the_pipeline_not_the_clock() {
        let arn = "arn:aws:sagemaker:us-east-1:123456789012:pipeline/churn-train";
        let a = first_execution_token(arn, Some("2026-12-03T18:00:00Z"));
        assert_eq!(a, first_execution_token(arn, Some("2026-12-03T18:00:00Z")));
        assert!((32..=128).contains(&a.len()), "{a}");
        assert_ne!(a, first_execution_token(arn, Some("2026-12-03T18:05:00Z")));
        let f = fresh_token("execution", arn);
        assert!((32..=128).contains(&f.len()), "{f}");
        assert_ne!(f, fresh_token("execution", arn));
    }
}
