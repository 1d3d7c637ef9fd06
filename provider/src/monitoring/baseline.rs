//! The baselining job of `data_quality.baseline_dataset`: a SageMaker processing job running
//! the Model Monitor analyzer on the dataset (what the SageMaker SDK's `suggest_baseline`
//! does), named after its inputs, started (or adopted) and waited for before the data
//! quality definition that uses its `statistics.json` and `constraints.json`.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_sagemaker::operation::describe_processing_job::DescribeProcessingJobOutput;
use aws_sdk_sagemaker::types::{
    AppSpecification, ProcessingClusterConfig, ProcessingInput, ProcessingOutput,
    ProcessingOutputConfig, ProcessingResources, ProcessingS3DataDistributionType,
    ProcessingS3DataType, ProcessingS3Input, ProcessingS3InputMode, ProcessingS3Output,
    ProcessingS3UploadMode, ProcessingStoppingCondition,
};
use mlops_framework::{wait_until, AttrPath, Ctx, Diagnostic, Diagnostics, Waited, Want};

use super::analyzer::{analyzer_image, JobResources, OUTPUT_PATH, PUBLISH_METRICS};
use super::model::{without_trailing_slash, BaselineDataset, MonitorState};
use super::network::processing_network;
use crate::aws::{sdk_tags, stable_hash};
use crate::clients::Clients;
use crate::sagemaker::monitoring::{created, find_processing_job, processing_job_phase, Created};

/// Input name and container path of the dataset (as the SageMaker SDK uses them).
const BASELINE_INPUT: &str = "baseline_dataset_input";
const BASELINE_INPUT_PATH: &str = "/opt/ml/processing/input/baseline_dataset_input";

/// Name of the baselining job of a dataset: its inputs (and where it writes) hashed.
pub(super) fn baselining_job_name(name: &str, output_s3_uri: &str, d: &BaselineDataset) -> String {
    let content = serde_json::json!([
        d.s3_uri,
        d.format,
        d.csv_header,
        d.json_lines,
        without_trailing_slash(output_s3_uri)
    ]);
    let h = stable_hash(&content.to_string()) & 0xff_ffff_ffff;
    format!("{name}-baseline-{h:010x}")
}

/// Where a baselining job writes, and its statistics and constraints files.
pub(super) fn baseline_output(output_s3_uri: &str, job: &str) -> (String, String, String) {
    let out = format!("{}/baselines/{job}", without_trailing_slash(output_s3_uri));
    (
        out.clone(),
        format!("{out}/statistics.json"),
        format!("{out}/constraints.json"),
    )
}

/// The `dataset_format` environment value of a baselining job (the SDK's `DatasetFormat`).
fn baseline_format_env(d: &BaselineDataset) -> String {
    match d.format.as_deref() {
        Some("json") => serde_json::json!({"json": {"lines": d.json_lines.unwrap_or(true)}}),
        _ => serde_json::json!({"csv": {"header": d.csv_header.unwrap_or(true), "output_columns_position": "START"}}),
    }
    .to_string()
}

/// A dataset back from its baselining job's request (import, drift).
fn dataset_from_job(d: &DescribeProcessingJobOutput) -> Option<BaselineDataset> {
    let uri = d
        .processing_inputs()
        .iter()
        .find(|i| i.input_name() == Some(BASELINE_INPUT))
        .and_then(|i| i.s3_input())
        .and_then(|s| s.s3_uri())?;
    let env: serde_json::Value = d
        .environment()
        .and_then(|e| e.get("dataset_format"))
        .and_then(|f| serde_json::from_str(f).ok())
        .unwrap_or_default();
    let json = env.get("json");
    Some(BaselineDataset {
        s3_uri: uri.to_string(),
        format: Some(if json.is_some() { "json" } else { "csv" }.into()),
        csv_header: Some(
            env.pointer("/csv/header")
                .and_then(|h| h.as_bool())
                .unwrap_or(true),
        ),
        json_lines: Some(
            json.and_then(|j| j.get("lines"))
                .and_then(|l| l.as_bool())
                .unwrap_or(true),
        ),
    })
}

/// Run (or adopt) the baselining job `job` of dataset `d` and wait until it completed.
pub(super) async fn ensure_baseline(
    ctx: &Ctx<Clients>,
    s: &MonitorState,
    d: &BaselineDataset,
    job: &str,
    tags: &BTreeMap<String, String>,
) -> Result<(), Diagnostics> {
    let c: &Clients = &ctx.client;
    if find_processing_job(c, job).await?.is_some() {
        tracing::info!(job = %job, "baselining job exists already; using it");
    } else {
        start_baselining_job(c, s, d, job, tags).await?;
    }
    wait_baselined(ctx, job).await
}

/// Start the baselining job (one started by a concurrent or interrupted apply is fine).
async fn start_baselining_job(
    c: &Clients,
    s: &MonitorState,
    d: &BaselineDataset,
    job: &str,
    tags: &BTreeMap<String, String>,
) -> Result<(), Diagnostics> {
    let (out, _, _) = baseline_output(s.output(), job);
    let env = HashMap::from([
        ("dataset_format".to_string(), baseline_format_env(d)),
        (
            "dataset_source".to_string(),
            BASELINE_INPUT_PATH.to_string(),
        ),
        ("output_path".to_string(), OUTPUT_PATH.to_string()),
        // only monitoring schedules publish metrics (as in the SDK)
        (PUBLISH_METRICS.to_string(), "Disabled".to_string()),
    ]);
    let size = JobResources::of(s);
    let answer = c
        .sagemaker
        .create_processing_job()
        .processing_job_name(job)
        .processing_inputs(
            ProcessingInput::builder()
                .input_name(BASELINE_INPUT)
                .s3_input(
                    ProcessingS3Input::builder()
                        .s3_uri(&d.s3_uri)
                        .local_path(BASELINE_INPUT_PATH)
                        .s3_data_type(ProcessingS3DataType::S3Prefix)
                        .s3_input_mode(ProcessingS3InputMode::File)
                        .s3_data_distribution_type(
                            ProcessingS3DataDistributionType::Fullyreplicated,
                        )
                        .build(),
                )
                .build(),
        )
        .processing_output_config(
            ProcessingOutputConfig::builder()
                .outputs(
                    ProcessingOutput::builder()
                        .output_name("monitoring_output")
                        .s3_output(
                            ProcessingS3Output::builder()
                                .s3_uri(out)
                                .local_path(OUTPUT_PATH)
                                .s3_upload_mode(ProcessingS3UploadMode::EndOfJob)
                                .build(),
                        )
                        .build(),
                )
                .build(),
        )
        .processing_resources(
            ProcessingResources::builder()
                .cluster_config(
                    ProcessingClusterConfig::builder()
                        .instance_count(size.instance_count)
                        .instance_type(size.instance_type)
                        .volume_size_in_gb(size.volume_size_gb)
                        .build(),
                )
                .build(),
        )
        .stopping_condition(
            ProcessingStoppingCondition::builder()
                .max_runtime_in_seconds(size.max_runtime_seconds)
                .build(),
        )
        .app_specification(
            AppSpecification::builder()
                .image_uri(analyzer_image(&c.region)?)
                .build(),
        )
        .set_environment(Some(env))
        .set_network_config(processing_network(s))
        .role_arn(s.role())
        .set_tags(sdk_tags(tags))
        .send()
        .await;
    match created("CreateProcessingJob", job, answer)? {
        Created::New => {
            tracing::info!(job = %job, dataset = %d.s3_uri, "baselining job started")
        }
        // started by a concurrent or interrupted apply: wait for it
        Created::Existing => {}
    }
    Ok(())
}

/// Wait until the baselining job completed; a failed or stopped job is an error on the
/// dataset, with SageMaker's reason.
async fn wait_baselined(ctx: &Ctx<Clients>, job: &str) -> Result<(), Diagnostics> {
    let c: &Clients = &ctx.client;
    let what = format!("baselining job {job} to complete");
    let waited = wait_until(
        &what,
        ctx.timeout,
        &ctx.cancel,
        Want::Present,
        || find_processing_job(c, job),
        processing_job_phase,
    )
    .await?;
    match waited {
        Waited::Reached(_) => Ok(()),
        Waited::Failed { reason, object } => Err(Diagnostic::error(
            "Baselining job failed",
            format!(
                "Baselining job {job} ended {}: {reason}. Nothing was changed on the monitor. Fix the dataset, then change data_quality.baseline_dataset (a new s3_uri or format starts a new job), or give baseline_statistics and baseline_constraints instead.",
                object.processing_job_status().map(|s| s.as_str()).unwrap_or("?"),
            ),
        )
        .at(AttrPath::attr("data_quality").field("baseline_dataset"))
        .into()),
    }
}

/// The dataset of the baselining job a data quality definition names: the prior one when
/// it is the recorded job, else read back from the job (`None` without a job, or for a job
/// that is gone or not one of ours).
pub(super) async fn read_baseline_dataset(
    c: &Clients,
    job: Option<&str>,
    prior: &MonitorState,
) -> Result<Option<BaselineDataset>, Diagnostics> {
    Ok(match job {
        None => None,
        Some(j) if prior.baselining_job_name.as_deref() == Some(j) => prior
            .data_quality
            .as_ref()
            .and_then(|q| q.baseline_dataset.clone()),
        Some(j) => find_processing_job(c, j)
            .await?
            .and_then(|p| dataset_from_job(&p)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dataset(uri: &str) -> BaselineDataset {
        BaselineDataset {
            s3_uri: uri.into(),
            format: Some("csv".into()),
            csv_header: Some(true),
            json_lines: Some(true),
        }
    }

    #[test]
    fn baselining_jobs_are_named_after_their_inputs() {
        let a = baselining_job_name("churn", "s3://m/churn", &dataset("s3://d/v1.csv"));
        assert_eq!(
            a,
            baselining_job_name("churn", "s3://m/churn/", &dataset("s3://d/v1.csv"))
        );
        assert!(a.starts_with("churn-baseline-") && a.len() == "churn-baseline-".len() + 10);
        assert_ne!(
            a,
            baselining_job_name("churn", "s3://m/churn", &dataset("s3://d/v2.csv"))
        );
        let mut json = dataset("s3://d/v1.csv");
        json.format = Some("json".into());
        assert_ne!(a, baselining_job_name("churn", "s3://m/churn", &json));
        // the longest monitor name still gives a legal processing job name (63 characters)
        assert!(baselining_job_name(&"x".repeat(40), "s3://m", &json).len() <= 63);
        let (out, stats, cons) = baseline_output("s3://m/churn/", &a);
        assert_eq!(out, format!("s3://m/churn/baselines/{a}"));
        assert_eq!(stats, format!("{out}/statistics.json"));
        assert_eq!(cons, format!("{out}/constraints.json"));
    }

    #[test]
    fn baseline_format_is_the_sdks() {
        let csv: serde_json::Value =
            serde_json::from_str(&baseline_format_env(&dataset("s3://d"))).unwrap();
        assert_eq!(
            csv,
            serde_json::json!({"csv": {"header": true, "output_columns_position": "START"}})
        );
        let mut d = dataset("s3://d");
        d.format = Some("json".into());
        d.json_lines = Some(false);
        let json: serde_json::Value = serde_json::from_str(&baseline_format_env(&d)).unwrap();
        assert_eq!(json, serde_json::json!({"json": {"lines": false}}));
    }
}
