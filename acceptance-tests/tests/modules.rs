//! The modules and the examples built on them, as users run them: the real binary from a
//! filesystem mirror, `terraform init` (which installs the local modules), apply,
//! plan-is-empty, out-of-band changes (a version approved, a new version rolled out), destroy,
//! and nothing left in the emulator.

use std::path::Path;

use acceptance_tests::{raw, repo_root, Emulator, Install, Workspace};
use anyhow::{ensure, Context, Result};

/// Every object kind the modules can create.
const EVERYTHING: &[(&str, &str)] = &[
    ("sagemaker", "pipelines"),
    ("sagemaker", "model_package_groups"),
    ("sagemaker", "model_packages"),
    ("sagemaker", "models"),
    ("sagemaker", "endpoint_configs"),
    ("sagemaker", "endpoints"),
    ("sagemaker", "data_quality_job_definitions"),
    ("sagemaker", "model_quality_job_definitions"),
    ("sagemaker", "monitoring_schedules"),
    ("sagemaker", "feature_groups"),
    ("events", "rules"),
    ("events", "connections"),
    ("events", "api_destinations"),
    ("sns", "topics"),
    ("iam", "roles"),
    ("cloudwatch", "alarms"),
    ("application-autoscaling", "scalable_targets"),
    ("application-autoscaling", "scaling_policies"),
];

/// Copy an example's `.tf` files into the workspace, pointing its module sources at this
/// checkout (the workspace lives in a temporary directory).
fn load_example(ws: &Workspace, example: &str) -> Result<()> {
    let dir = repo_root().join("examples").join(example);
    let modules = repo_root().join("modules");
    for entry in std::fs::read_dir(&dir).with_context(|| dir.display().to_string())? {
        let path = entry?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("tf") {
            continue;
        }
        let text = std::fs::read_to_string(&path)?
            .replace("\"../../modules/", &format!("\"{}/", modules.display()));
        std::fs::write(ws.work().join(path.file_name().expect("file name")), text)?;
    }
    Ok(())
}

fn apply(ws: &Workspace, extra: &[&str]) -> Result<String> {
    let mut args = vec!["apply", "-auto-approve", "-no-color", "-input=false"];
    args.extend_from_slice(extra);
    Ok(ws.tf_ok(&args)?.stdout)
}

fn output(ws: &Workspace) -> Result<serde_json::Value> {
    Ok(serde_json::from_str(
        &ws.tf_ok(&["output", "-json"])?.stdout,
    )?)
}

fn describe_rule(emulator: &Emulator, name: &str) -> Result<serde_json::Value> {
    raw::events(
        emulator.port,
        "DescribeRule",
        serde_json::json!({ "Name": name }),
    )
}

fn count_hcl_lines(dir: &Path, file: &str) -> Result<usize> {
    let text = std::fs::read_to_string(dir.join(file))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .count())
}

#[test]
fn batch_inference_retraining_example() -> Result<()> {
    let dir = repo_root().join("examples/batch-inference-retraining");
    let lines = count_hcl_lines(&dir, "main.tf")?;
    eprintln!("batch-inference-retraining main.tf: {lines} lines of HCL");
    ensure!(lines < 50, "the reference architecture takes {lines} lines");

    let emulator = Emulator::start()?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let ws = Workspace::new(&emulator, Install::Mirror)?;
    load_example(&ws, "batch-inference-retraining")?;
    let token = ["-var", "gitlab_trigger_token=glptt-example-secret"];
    let mut destroy = vec!["destroy", "-auto-approve", "-no-color", "-input=false"];
    destroy.extend_from_slice(&token);
    let result = (|| -> Result<()> {
        ws.init()?;
        // nothing approved yet: everything is created, batch triggers wait for a version
        let out = apply(&ws, &token)?;
        ensure!(out.contains("Apply complete!"), "{out}");
        let mut plan = vec!["plan", "-no-color", "-detailed-exitcode", "-input=false"];
        plan.extend_from_slice(&token);
        let r = ws.tf(&plan)?;
        ensure!(r.code == 0, "plan not empty after apply:\n{}", r.stdout);

        let inv = emulator.inventory()?;
        let pipelines = &inv["sagemaker"]["pipelines"];
        for p in ["abalone-training", "abalone-hpo", "abalone-batch"] {
            ensure!(
                pipelines
                    .as_array()
                    .is_some_and(|a| a.iter().any(|x| x == p)),
                "{p} missing: {pipelines}"
            );
        }
        let rules = inv["events"]["rules"].as_object().context("rules")?;
        for r in [
            "mlops_abalone-training_trigger_schedule",
            "mlops_abalone-training_trigger_new-data",
            "mlops_abalone-hpo_trigger_retrain-1",
            "mlops_abalone-batch_trigger_schedule",
            "mlops_abalone-batch_trigger_new-data",
            "mlops_abalone-batch_notify_status_execution",
            "mlops_abalone-batch_notify_status_step",
        ] {
            ensure!(
                rules.contains_key(r),
                "rule {r} missing: {:?}",
                rules.keys()
            );
        }
        ensure!(
            inv["events"]["api_destinations"]
                .as_array()
                .is_some_and(|a| a.len() == 1),
            "approval hook: {}",
            inv["events"]["api_destinations"]
        );
        // the retraining trigger watches the batch pipeline's model-quality step
        let sm = emulator.sagemaker(&rt);
        let retrain = describe_rule(&emulator, "mlops_abalone-hpo_trigger_retrain-1")?;
        let pattern = retrain["EventPattern"].as_str().unwrap_or_default();
        ensure!(
            pattern.contains("abalone-batch") && pattern.contains("ModelQualityCheck"),
            "{pattern}"
        );
        // batch triggers are disabled until a version is approved
        let sched = describe_rule(&emulator, "mlops_abalone-batch_trigger_schedule")?;
        ensure!(sched["State"] == "DISABLED", "{sched}");
        ensure!(output(&ws)?["serving_version"]["value"].is_null());

        // a training run registers a version and a reviewer approves it (out of band)
        let arn = rt.block_on(async {
            let v = sm
                .create_model_package()
                .model_package_group_name("abalone")
                .inference_specification(
                    aws_sdk_sagemaker::types::InferenceSpecification::builder()
                        .containers(
                            aws_sdk_sagemaker::types::ModelPackageContainerDefinition::builder()
                                .image("683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1")
                                .model_data_url("s3://mlops-abalone/abalone/models/run-1/model.tar.gz")
                                .build(),
                        )
                        .supported_content_types("text/csv")
                        .supported_response_mime_types("text/csv")
                        .build(),
                )
                .model_approval_status(aws_sdk_sagemaker::types::ModelApprovalStatus::Approved)
                .send()
                .await?;
            anyhow::Ok(v.model_package_arn().unwrap_or_default().to_string())
        })?;
        // the deployment (what the approval hook's GitLab pipeline runs) picks it up
        let r = ws.tf(&plan)?;
        ensure!(
            r.code == 2,
            "approval not visible in the plan:\n{}{}",
            r.stdout,
            r.stderr
        );
        ensure!(r.stdout.contains(&arn), "{}", r.stdout);
        apply(&ws, &token)?;
        let r = ws.tf(&plan)?;
        ensure!(r.code == 0, "plan not empty after deploying:\n{}", r.stdout);
        ensure!(output(&ws)?["serving_version"]["value"] == arn.as_str());
        let sched = describe_rule(&emulator, "mlops_abalone-batch_trigger_schedule")?;
        ensure!(sched["State"] == "ENABLED", "{sched}");
        let def = rt.block_on(sm.describe_pipeline().pipeline_name("abalone-batch").send())?;
        let def: serde_json::Value =
            serde_json::from_str(def.pipeline_definition().unwrap_or_default())?;
        let params = def["Parameters"].as_array().context("parameters")?;
        ensure!(
            params
                .iter()
                .any(|p| p["Name"] == "ModelPackageArn" && p["DefaultValue"] == arn.as_str()),
            "{params:?}"
        );
        // the token never reached the provider log
        let log = std::fs::read_to_string(ws.dir.path().join("terraform.log"))?;
        ensure!(!log.contains("glptt-example-secret"), "token in the log");
        // registered versions protect the group (force_destroy is off): destroy stops there
        let d = ws.tf(&destroy)?;
        ensure!(
            d.code == 1 && d.all().contains("still holds 1 model version(s)"),
            "{}{}",
            d.stdout,
            d.stderr
        );
        rt.block_on(sm.delete_model_package().model_package_name(&arn).send())?;
        Ok(())
    })();
    let d = ws.tf(&destroy)?;
    result?;
    ensure!(d.code == 0, "destroy failed:\n{}{}", d.stdout, d.stderr);
    emulator.assert_none_left(EVERYTHING)
}
