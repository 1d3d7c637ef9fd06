//! The modules and the examples built on them, as users run them: the real binary from a
//! filesystem mirror, `terraform init` (which installs the local modules), apply,
//! plan-is-empty, out-of-band changes (a version approved, a new version rolled out), destroy,
//! and nothing left in the emulator.

use acceptance_tests::{
    count_hcl_lines, load_dir, load_example, raw, repo_root, Emulator, Install, Workspace,
};
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

/// Destroy whatever the steps left (even after a failed step), then report the steps' result,
/// the destroy's, and anything left in the emulator.
fn destroy_after(
    ws: &Workspace,
    emulator: &Emulator,
    steps: Result<()>,
    extra: &[&str],
) -> Result<()> {
    let mut args = vec!["destroy", "-auto-approve", "-no-color", "-input=false"];
    args.extend_from_slice(extra);
    let d = ws.tf(&args)?;
    steps?;
    ensure!(d.code == 0, "destroy failed:\n{}{}", d.stdout, d.stderr);
    emulator.assert_none_left(EVERYTHING)
}

fn describe_rule(emulator: &Emulator, name: &str) -> Result<serde_json::Value> {
    raw::events(
        emulator.port,
        "DescribeRule",
        serde_json::json!({ "Name": name }),
    )
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
        // the module passes the token write-only: it is nowhere in the state
        let state = std::fs::read_to_string(ws.work().join("terraform.tfstate"))?;
        ensure!(
            state.contains("\"trigger_token_wo_version\": 1"),
            "no write-only token version in the state"
        );
        ensure!(
            !state.contains("glptt-example-secret"),
            "the trigger token is in the state file"
        );
        let mut plan = vec!["plan", "-no-color", "-detailed-exitcode", "-input=false"];
        plan.extend_from_slice(&token);
        let r = ws.tf(&plan)?;
        ensure!(r.code == 0, "plan not empty after apply:\n{}", r.stdout);
        // What a refresh reads (2026-12-07): a group with an on_approval hook 9 calls (the
        // group, its policy and tags, the rule, its target, the connection, the API
        // destination, the role and its policy); a pipeline 2 plus 2 per trigger or
        // notification rule, 2 per trigger role and 1 per notification topic.
        let reads = acceptance_tests::refresh_reads(&ws, &token)?;
        acceptance_tests::ensure_reads_within(
            &reads,
            &[("mlops_model_package_group", 9.0), ("mlops_pipeline", 12.5)],
        )?;

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
        let arn = approve_version(
            &sm,
            &rt,
            "abalone",
            "s3://mlops-abalone/abalone/models/run-1/model.tar.gz",
            None,
        )?;
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
    destroy_after(&ws, &emulator, result, &token)
}

fn approve_version(
    sm: &aws_sdk_sagemaker::Client,
    rt: &tokio::runtime::Runtime,
    group: &str,
    artifact: &str,
    baseline: Option<&str>,
) -> Result<String> {
    use aws_sdk_sagemaker::types::{
        InferenceSpecification, MetricsSource, ModelApprovalStatus, ModelDataQuality, ModelMetrics,
        ModelPackageContainerDefinition,
    };
    let source = |f: &str| {
        MetricsSource::builder()
            .s3_uri(format!("{}/{f}", baseline.unwrap_or_default()))
            .content_type("application/json")
            .build()
    };
    let metrics = baseline.map(|_| {
        ModelMetrics::builder()
            .model_data_quality(
                ModelDataQuality::builder()
                    .statistics(source("statistics.json"))
                    .constraints(source("constraints.json"))
                    .build(),
            )
            .build()
    });
    rt.block_on(async {
        let v = sm
            .create_model_package()
            .model_package_group_name(group)
            .inference_specification(
                InferenceSpecification::builder()
                    .containers(
                        ModelPackageContainerDefinition::builder()
                            .image("683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1")
                            .model_data_url(artifact)
                            .build(),
                    )
                    .supported_content_types("text/csv")
                    .supported_response_mime_types("text/csv")
                    .build(),
            )
            .set_model_metrics(metrics)
            .model_approval_status(ModelApprovalStatus::Approved)
            .send()
            .await?;
        anyhow::Ok(v.model_package_arn().unwrap_or_default().to_string())
    })
}

#[test]
fn realtime_serving_example_rolls_out_a_new_approved_version() -> Result<()> {
    let emulator = Emulator::start()?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let ws = Workspace::new(&emulator, Install::Mirror)?;
    load_example(&ws, "realtime-serving")?;
    // the model's answer to the example's smoke test (a churn probability)
    emulator.set_invocation_response("churn", 200, "0.87")?;
    let sm = emulator.sagemaker(&rt);
    let plan = ["plan", "-no-color", "-detailed-exitcode", "-input=false"];
    let result = (|| -> Result<()> {
        ws.init()?;
        apply(&ws, &[])?;
        ws.assert_plan_empty()?;
        // What a refresh reads per resource (2026-12-07): each object once, with its tags;
        // the monitor only the check it has (its model-quality schedule is not probed).
        let reads = acceptance_tests::refresh_reads(&ws, &[])?;
        acceptance_tests::ensure_reads_within(
            &reads,
            &[
                ("mlops_endpoint", 2.0),
                ("mlops_model_package", 2.0),
                ("mlops_model_package_group", 3.0),
                ("mlops_monitor", 5.0),
            ],
        )?;
        let inv = emulator.inventory()?;
        ensure!(
            inv["sagemaker"]["endpoints"] == serde_json::json!(["churn"]),
            "{inv}"
        );
        ensure!(
            inv["sagemaker"]["monitoring_schedules"] == serde_json::json!(["churn-data-quality"]),
            "{inv}"
        );
        ensure!(
            inv["application-autoscaling"]["scalable_targets"]
                .as_object()
                .is_some_and(|t| t.contains_key("endpoint/churn/variant/primary")),
            "{inv}"
        );
        // drift alarm on the watched feature, notifying a topic with the on-call address
        ensure!(
            inv["cloudwatch"]["alarms"].as_array().is_some_and(|a| a
                .iter()
                .any(|n| n.as_str().is_some_and(|n| n.contains("tenure_months")))),
            "{inv}"
        );
        ensure!(
            inv["sns"]["topics"]
                .as_object()
                .is_some_and(|t| t.keys().any(|k| k.ends_with(":mlops_churn_alerts"))),
            "{inv}"
        );
        let v1 = output(&ws)?["serving_version"]["value"].clone();
        ensure!(v1.as_str().is_some_and(|a| a.ends_with("/churn/1")), "{v1}");

        // a newer version is approved (by the training pipeline and a reviewer)
        let v2 = approve_version(
            &sm,
            &rt,
            "churn",
            "s3://mlops-churn/churn/models/v2/model.tar.gz",
            Some("s3://mlops-churn/churn/baselines/v2"),
        )?;
        let r = ws.tf(&plan)?;
        ensure!(
            r.code == 2,
            "new version not in the plan:\n{}{}",
            r.stdout,
            r.stderr
        );
        ensure!(r.stdout.contains(&v2), "{}", r.stdout);
        ensure!(
            r.stdout.contains("baselines/v2/statistics.json"),
            "monitor baseline: {}",
            r.stdout
        );
        ensure!(!r.stdout.contains("must be replaced"), "{}", r.stdout);
        apply(&ws, &[])?;
        ws.assert_plan_empty()?;
        ensure!(output(&ws)?["serving_version"]["value"] == v2.as_str());
        // the endpoint really serves v2
        let ep = rt.block_on(sm.describe_endpoint().endpoint_name("churn").send())?;
        let cfg = rt.block_on(
            sm.describe_endpoint_config()
                .endpoint_config_name(ep.endpoint_config_name().unwrap_or_default())
                .send(),
        )?;
        let model = cfg.production_variants()[0]
            .model_name()
            .unwrap_or_default()
            .to_string();
        let m = rt.block_on(sm.describe_model().model_name(&model).send())?;
        let served = m
            .primary_container()
            .and_then(|c| c.model_package_name())
            .unwrap_or_default()
            .to_string();
        ensure!(served == v2, "serving {served}, want {v2}");
        // the smoke test ran after the create and after the rollout
        let invocations = emulator.calls()?.get("sagemaker.InvokeEndpoint").copied();
        ensure!(
            invocations >= Some(2),
            "smoke test invocations: {invocations:?}"
        );
        Ok(())
    })();
    destroy_after(&ws, &emulator, result, &[])
}

#[test]
fn feature_store_module_evolves_views_in_place() -> Result<()> {
    let emulator = Emulator::start()?;
    let ws = Workspace::new(&emulator, Install::Mirror)?;
    let module = repo_root().join("modules/feature-store");
    let config = |customer_features: &str| {
        format!(
            r#"
terraform {{
  required_providers {{
    mlops = {{
      source = "mlops/mlops"
    }}
  }}
}}

provider "mlops" {{
  region = "us-east-1"
}}

module "features" {{
  source   = "{}"
  role_arn = "arn:aws:iam::123456789012:role/FeatureStore"
  bucket   = "mlops-features"
  views = {{
    customers = {{
      entity_key   = "customer_id"
      event_time   = "event_time"
      features     = {{ {customer_features} }}
      descriptions = {{ tenure_months = "Months since sign-up" }}
      ttl_days     = 30
    }}
    orders = {{
      entity_key = "order_id"
      event_time = "ts"
      features   = {{ order_id = "String", ts = "Fractional", amount = "Fractional" }}
      offline    = false
    }}
  }}
}}
"#,
            module.display()
        )
    };
    let base = r#"customer_id = "String", event_time = "String", tenure_months = "Integral""#;
    let plan = ["plan", "-no-color", "-detailed-exitcode", "-input=false"];
    let result = (|| -> Result<()> {
        ws.write_config(&config(base))?;
        ws.init()?;
        apply(&ws, &[])?;
        ws.assert_plan_empty()?;
        // What a refresh reads per feature view (2026-12-07: 5 calls for the 2 views):
        // DescribeFeatureGroup and ListTags once each, DescribeFeatureMetadata only for
        // the view whose features carry descriptions.
        let reads = acceptance_tests::refresh_reads(&ws, &[])?;
        acceptance_tests::ensure_reads_within(&reads, &[("mlops_feature_view", 2.5)])?;
        let inv = emulator.inventory()?;
        ensure!(
            inv["sagemaker"]["feature_groups"] == serde_json::json!(["customers", "orders"]),
            "{inv}"
        );
        // a new feature: in place, no replacement
        ws.write_config(&config(&format!(r#"{base}, churn_score = "Fractional""#)))?;
        let r = ws.tf(&plan)?;
        ensure!(r.code == 2, "{}{}", r.stdout, r.stderr);
        ensure!(
            r.stdout.contains("update in-place") && !r.stdout.contains("must be replaced"),
            "{}",
            r.stdout
        );
        apply(&ws, &[])?;
        ws.assert_plan_empty()?;
        // dropping a feature loses data: the provider refuses at plan (description dropped
        // too, or the module's own check would stop first)
        ws.write_config(
            &config(r#"customer_id = "String", event_time = "String", churn_score = "Fractional""#)
                .replace(
                    "descriptions = { tenure_months = \"Months since sign-up\" }",
                    "",
                ),
        )?;
        let r = ws.tf(&plan)?;
        ensure!(
            r.code == 1
                && r.all()
                    .contains(r#"Change would lose the feature group's data"#)
                && r.all().contains(r#"Feature "tenure_months" is removed"#),
            "{}{}",
            r.stdout,
            r.stderr
        );
        // the module's own validation, before the provider sees anything
        ws.write_config(&config(&format!(
            r#"{base}, churn_score = "Fractional", last_login = "Timestamp""#
        )))?;
        let r = ws.tf(&plan)?;
        ensure!(
            r.code == 1
                && r.all()
                    .contains("Feature types must be Integral, Fractional or String"),
            "{}{}",
            r.stdout,
            r.stderr
        );
        ws.write_config(&config(&format!(r#"{base}, churn_score = "Fractional""#)))?;
        Ok(())
    })();
    destroy_after(&ws, &emulator, result, &[])
}

/// `terraform init -backend=false`, `validate` and `fmt -check` for every module and example.
#[test]
fn modules_and_examples_validate_and_are_formatted() -> Result<()> {
    let emulator = Emulator::start()?;
    let (mut checked, mut planned) = (0, 0);
    for parent in ["modules", "examples", "examples/pipelines"] {
        for entry in std::fs::read_dir(repo_root().join(parent))? {
            let dir = entry?.path();
            if !dir.join("main.tf").exists()
                || parent != "modules" && !dir.join("versions.tf").exists()
            {
                continue;
            }
            let ws = Workspace::new(&emulator, Install::Mirror)?;
            load_dir(&ws, &dir)?;
            ws.tf_ok(&["init", "-backend=false", "-no-color", "-input=false"])
                .with_context(|| dir.display().to_string())?;
            let v = ws.tf(&["validate", "-no-color"])?;
            ensure!(v.code == 0, "{}: {}{}", dir.display(), v.stdout, v.stderr);
            // the reference pipelines plan on their own, as their README says (against the
            // emulator: the provider block takes region and endpoint from the environment)
            if parent == "examples/pipelines" {
                let p = ws.tf(&["plan", "-no-color", "-input=false"])?;
                ensure!(p.code == 0, "{}: plan: {}", dir.display(), p.all());
                planned += 1;
            }
            let f = ws.tf(&[
                "fmt",
                "-check",
                "-diff",
                "-no-color",
                &dir.display().to_string(),
            ])?;
            ensure!(
                f.code == 0,
                "{} is not formatted:\n{}",
                dir.display(),
                f.stdout
            );
            checked += 1;
        }
    }
    ensure!(checked >= 11, "only {checked} modules and examples found");
    ensure!(planned == 3, "{planned} reference pipelines planned");
    Ok(())
}

/// Each module README's first usage block is its minimal use: fewer than 10 lines, and valid.
#[test]
fn module_readme_usage_is_minimal_and_valid() -> Result<()> {
    let emulator = Emulator::start()?;
    let modules = repo_root().join("modules");
    let module_ref = regex::Regex::new(r"module\.[a-z_]+\.[a-z_]+")?;
    let mut checked = 0;
    for entry in std::fs::read_dir(&modules)? {
        let dir = entry?.path();
        let Ok(readme) = std::fs::read_to_string(dir.join("README.md")) else {
            continue;
        };
        let usage = readme
            .split("```hcl\n")
            .nth(1)
            .and_then(|b| b.split("```").next())
            .with_context(|| format!("{}: no hcl usage block", dir.display()))?;
        let lines = usage.lines().filter(|l| !l.trim().is_empty()).count();
        ensure!(
            lines < 10,
            "{}: minimal use takes {lines} lines",
            dir.display()
        );
        let ws = Workspace::new(&emulator, Install::Mirror)?;
        let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let usage = usage.replace(
            &format!("\"../../modules/{name}\""),
            &format!("\"{}\"", dir.display()),
        );
        ensure!(
            usage.contains(&dir.display().to_string()),
            "{name}: source is not ../../modules/{name}"
        );
        // references to other modules in the usage (e.g. module.build.x) become plain values
        let usage = module_ref.replace_all(&usage, "\"churn\"");
        ws.write_config(&format!("{}{usage}", acceptance_tests::provider_block("")))?;
        ws.tf_ok(&["init", "-backend=false", "-no-color", "-input=false"])?;
        let v = ws.tf(&["validate", "-no-color"])?;
        ensure!(v.code == 0, "{name} usage: {}{}", v.stdout, v.stderr);
        checked += 1;
    }
    ensure!(checked == 5, "{checked} module READMEs checked");
    Ok(())
}

/// realtime-serving on a version registered without a baseline: refused at plan unless a
/// baseline dataset is given, which the monitor baselines with a processing job.
#[test]
fn realtime_serving_baselines_a_dataset_when_the_version_has_none() -> Result<()> {
    let emulator = Emulator::start()?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let ws = Workspace::new(&emulator, Install::Mirror)?;
    let sm = emulator.sagemaker(&rt);
    let config = |extra: &str| {
        format!(
            r#"{}
resource "mlops_model_package_group" "g" {{
  name          = "fraud"
  force_destroy = true
}}

module "serving" {{
  source              = "{}"
  name                = "fraud"
  role_arn            = "arn:aws:iam::123456789012:role/SageMakerExecution"
  bucket              = "mlops-fraud"
  model_package_group = mlops_model_package_group.g.name
  autoscaling         = null
  rollout             = {{ strategy = "all_at_once" }}
{extra}}}
"#,
            acceptance_tests::provider_block(""),
            repo_root().join("modules/realtime-serving").display()
        )
    };
    let result = (|| -> Result<()> {
        ws.write_config(&config(""))?;
        ws.init()?;
        apply(&ws, &["-target=mlops_model_package_group.g"])?;
        approve_version(
            &sm,
            &rt,
            "fraud",
            "s3://mlops-fraud/models/v1/model.tar.gz",
            None,
        )?;
        let r = ws.tf(&["plan", "-no-color", "-input=false"])?;
        ensure!(
            r.code == 1 && r.all().contains("No data-quality baseline"),
            "{}{}",
            r.stdout,
            r.stderr
        );
        ws.write_config(&config(
            "  baseline_dataset    = { s3_uri = \"s3://mlops-fraud/training-data/train.csv\" }\n",
        ))?;
        apply(&ws, &[])?;
        ws.assert_plan_empty()?;
        let job = ws
            .state()?
            .str("module.serving.mlops_monitor.this", "baselining_job_name")?;
        let d = rt.block_on(
            sm.describe_processing_job()
                .processing_job_name(&job)
                .send(),
        )?;
        let input = d.processing_inputs()[0]
            .s3_input()
            .and_then(|s| s.s3_uri())
            .unwrap_or_default()
            .to_string();
        ensure!(
            input == "s3://mlops-fraud/training-data/train.csv",
            "{input}"
        );
        Ok(())
    })();
    destroy_after(&ws, &emulator, result, &[])
}
