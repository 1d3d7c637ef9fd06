//! `mlops_monitor` against the real Terraform CLI and the emulator's Model Monitor.

use acceptance_tests::{
    ensure_rejected, provider_block, raw, re, Emulator, Install, Step, StepCtx, TestCase, Workspace,
};
use anyhow::{ensure, Result};

const ROLE: &str = "arn:aws:iam::123456789012:role/SageMakerExecution";
const IMAGE: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com/churn:1";
const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:alerts";

fn endpoint(capture: bool) -> String {
    let dc = if capture {
        "  data_capture {\n    destination = \"s3://capture/churn\"\n  }\n"
    } else {
        ""
    };
    format!(
        "resource \"mlops_endpoint\" \"e\" {{\n  name     = \"churn\"\n  role_arn = \"{ROLE}\"\n  model {{\n    image          = \"{IMAGE}\"\n    model_data_url = \"s3://models/byo/model.tar.gz\"\n    instance_type  = \"ml.m5.large\"\n  }}\n  rollout {{\n    wait_seconds = 0\n  }}\n{dc}}}\n"
    )
}

fn monitor(body: &str) -> String {
    format!(
        "resource \"mlops_monitor\" \"m\" {{\n  name          = \"churn\"\n  role_arn      = \"{ROLE}\"\n  endpoint_name = mlops_endpoint.e.name\n  output_s3_uri = \"s3://monitoring/churn\"\n{body}}}\n"
    )
}

fn checks(stats: &str, rmse: &str) -> String {
    format!(
        "  data_quality {{\n    baseline_statistics  = \"s3://baselines/{stats}/statistics.json\"\n    baseline_constraints = \"s3://baselines/{stats}/constraints.json\"\n  }}\n{MQ}  alerts {{\n    topic_arn         = \"{TOPIC}\"\n    metric_thresholds = {{ rmse = {rmse}, r2 = 0.5 }}\n  }}\n  tags = {{ team = \"ds\" }}\n"
    )
}

fn list(inv: &serde_json::Value, a: &str, b: &str) -> Vec<String> {
    inv[a][b]
        .as_array()
        .map(|v| {
            v.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn nothing_left(ctx: &StepCtx<'_>) -> Result<()> {
    let inv = ctx.emulator.inventory()?;
    for (a, b) in [
        ("sagemaker", "data_quality_job_definitions"),
        ("sagemaker", "model_quality_job_definitions"),
        ("sagemaker", "monitoring_schedules"),
        ("sagemaker", "endpoints"),
        ("cloudwatch", "alarms"),
    ] {
        let l = list(&inv, a, b);
        ensure!(l.is_empty(), "{a}.{b} left: {l:?}");
    }
    Ok(())
}

#[test]
fn monitor_lifecycle_swaps_definitions_without_gaps() -> Result<()> {
    let cfg1 = format!("{}{}", endpoint(true), monitor(&checks("v1", "5")));
    let cfg2 = format!("{}{}", endpoint(true), monitor(&checks("v2", "4")));
    let mut tc = TestCase::new("monitor");
    tc.check_destroyed = Some(Box::new(nothing_left));
    tc.step(Step {
        config: cfg1,
        check: Some(Box::new(|ctx| {
            let inv = ctx.emulator.inventory()?;
            let dq = list(&inv, "sagemaker", "data_quality_job_definitions");
            let mq = list(&inv, "sagemaker", "model_quality_job_definitions");
            ensure!(dq.len() == 1 && dq[0].starts_with("churn-dq-"), "{dq:?}");
            ensure!(mq.len() == 1 && mq[0].starts_with("churn-mq-"), "{mq:?}");
            let s = list(&inv, "sagemaker", "monitoring_schedules");
            ensure!(s == ["churn-data-quality", "churn-model-quality"], "{s:?}");
            let a = list(&inv, "cloudwatch", "alarms");
            ensure!(a.contains(&"mlops-churn-rmse".to_string()) && a.contains(&"mlops-churn-r2".to_string()), "{a:?}");
            ensure!(ctx.state.str("mlops_monitor.m", "data_quality_job_definition")? == dq[0]);
            let d = ctx.rt.block_on(ctx.sagemaker().describe_monitoring_schedule().monitoring_schedule_name("churn-data-quality").send())?;
            ensure!(d.monitoring_schedule_status().map(|s| s.as_str()) == Some("Scheduled"));
            let expr = d.monitoring_schedule_config().and_then(|c| c.schedule_config()).and_then(|c| c.schedule_expression());
            ensure!(expr == Some("cron(0 0 ? * * *)"), "{expr:?}");
            Ok(())
        })),
        ..Default::default()
    })
    // a new baseline and a new threshold: new definition, schedule switched, old one deleted
    .step(Step {
        config: cfg2.clone(),
        before: Some(Box::new(|ctx| ctx.emulator.clear_requests())),
        expect_plan: Some(re(r"(?s)mlops_monitor\.m will be updated in-place.*Plan: 0 to add, 1 to change, 0 to destroy")),
        check: Some(Box::new(|ctx| {
            let calls = ctx.emulator.calls()?;
            ensure!(!calls.contains_key("sagemaker.DeleteMonitoringSchedule"), "schedule deleted: {calls:?}");
            ensure!(calls.contains_key("sagemaker.UpdateMonitoringSchedule"), "{calls:?}");
            ensure!(!calls.contains_key("sagemaker.CreateModelQualityJobDefinition"), "mq changed: {calls:?}");
            let inv = ctx.emulator.inventory()?;
            let dq = list(&inv, "sagemaker", "data_quality_job_definitions");
            ensure!(dq.len() == 1 && ctx.state.str("mlops_monitor.m", "data_quality_job_definition")? == dq[0], "{dq:?}");
            Ok(())
        })),
        ..Default::default()
    })
    .step(Step {
        // the import reads thresholds back from the alarms (rmse = 4 now)
        config: cfg2.clone(),
        import: Some(("mlops_monitor.m".into(), "churn".into(), vec![])),
        ..Default::default()
    })
    // schedule deleted out of band: planned again
    .step(Step {
        config: cfg2,
        before: Some(Box::new(|ctx| {
            ctx.rt.block_on(ctx.sagemaker().delete_monitoring_schedule().monitoring_schedule_name("churn-model-quality").send())?;
            std::thread::sleep(std::time::Duration::from_secs(2));
            Ok(())
        })),
        expect_plan: Some(re(r"(?s)mlops_monitor\.m will be updated in-place")),
        ..Default::default()
    })
    .run()
}

/// Writes the emulator saw since its requests were cleared (reads are Describe/List).
fn writes(ctx: &StepCtx<'_>) -> Result<Vec<String>> {
    Ok(ctx
        .emulator
        .calls()?
        .into_keys()
        .filter(|k| {
            let op = k.rsplit('.').next().unwrap_or_default();
            !(op.starts_with("Describe") || op.starts_with("List") || op.starts_with("Get"))
        })
        .collect())
}

/// The data-capture check needs the endpoint, which the same plan may create: it runs at
/// apply, before the monitor makes anything (a plan-time read would see no endpoint, or a
/// half-made one an interrupted apply left).
#[test]
fn endpoint_without_capture_is_rejected_before_anything_is_made() -> Result<()> {
    TestCase::new("monitor without capture")
        .step(Step {
            config: endpoint(false),
            ..Default::default()
        })
        .step(Step {
            config: format!("{}{}", endpoint(false), monitor(&checks("v1", "5"))),
            before: Some(Box::new(|ctx| ctx.emulator.clear_requests())),
            expect_error: Some(re(
                r"(?s)Endpoint does not capture data.*endpoint_name = mlops_endpoint.e.name.*churn has no data capture.*data_capture",
            )),
            check: Some(Box::new(|ctx| {
                let w = writes(ctx)?;
                ensure!(w.is_empty(), "the monitor wrote before failing: {w:?}");
                ensure!(!ctx.state.has("mlops_monitor.m"), "a failed create left a monitor in state");
                Ok(())
            })),
            ..Default::default()
        })
        // (destroy plans the whole configuration: leave the rejected monitor out)
        .step(Step {
            config: endpoint(false),
            ..Default::default()
        })
        .run()
}

/// A monitor and the endpoint it watches planned together: the plan reads neither (the
/// endpoint does not exist yet), the apply creates the endpoint, then checks and creates
/// the monitor.
#[test]
fn monitor_and_its_new_endpoint_in_one_apply() -> Result<()> {
    TestCase::new("monitor with its endpoint")
        .step(Step {
            config: format!("{}{}", endpoint(true), monitor(&checks("v1", "5"))),
            before: Some(Box::new(|ctx| ctx.emulator.clear_requests())),
            check: Some(Box::new(|ctx| {
                ensure!(ctx.state.has("mlops_monitor.m"));
                Ok(())
            })),
            ..Default::default()
        })
        .run()
}

/// The issue-13 case: an apply killed while creating the endpoint left it half-made (with
/// the creating marker, serving a config without data capture yet, not in state). The next
/// plan must not read it (it used to fail at plan: "Endpoint does not capture data"); the
/// apply adopts the endpoint, switches it to the planned config with capture, then creates
/// the monitor.
#[test]
fn monitor_on_a_half_made_endpoint_converges() -> Result<()> {
    TestCase::new("monitor on a half-made endpoint")
        .step(Step {
            config: endpoint(false),
            ..Default::default()
        })
        .step(Step {
            config: format!("{}{}", endpoint(true), monitor(&checks("v1", "5"))),
            before: Some(Box::new(|ctx| {
                let arn = ctx.ws.state()?.str("mlops_endpoint.e", "arn")?;
                ctx.ws.tf_ok(&["state", "rm", "mlops_endpoint.e"])?;
                ctx.rt.block_on(
                    ctx.sagemaker()
                        .add_tags()
                        .resource_arn(&arn)
                        .tags(creating_tag())
                        .send(),
                )?;
                Ok(())
            })),
            check: Some(Box::new(|ctx| {
                ensure!(ctx.state.has("mlops_monitor.m"));
                let d = ctx.rt.block_on(
                    ctx.sagemaker()
                        .describe_endpoint()
                        .endpoint_name("churn")
                        .send(),
                )?;
                ensure!(
                    d.data_capture_config()
                        .is_some_and(|c| c.enable_capture() == Some(true)),
                    "the adopted endpoint does not capture data: {d:?}"
                );
                Ok(())
            })),
            ..Default::default()
        })
        .run()
}

fn creating_tag() -> aws_sdk_sagemaker::types::Tag {
    aws_sdk_sagemaker::types::Tag::builder()
        .key("mlops:created-by")
        .value("terraform-provider-mlops")
        .build()
}

/// Schedules of the monitor's names exist without a state entry. Without the marker they
/// are someone else's: the create names them and the import block, and writes nothing.
/// With it (made by this provider, as an interrupted create leaves them), the create adopts
/// them, points them at the planned definitions, and the marker stays.
#[test]
fn schedules_are_adopted_only_with_the_marker() -> Result<()> {
    let both = format!("{}{}", endpoint(true), monitor(&checks("v1", "5")));
    TestCase::new("monitor schedules adoption")
        .step(Step {
            config: both.clone(),
            ..Default::default()
        })
        .step(Step {
            config: both.clone(),
            before: Some(Box::new(|ctx| {
                ctx.ws.tf_ok(&["state", "rm", "mlops_monitor.m"])?;
                // as if a person had made them: no marker
                let sm = ctx.sagemaker();
                for s in ["churn-data-quality", "churn-model-quality"] {
                    let arn = ctx
                        .rt
                        .block_on(sm.describe_monitoring_schedule().monitoring_schedule_name(s).send())?
                        .monitoring_schedule_arn()
                        .unwrap_or_default()
                        .to_string();
                    ctx.rt.block_on(
                        sm.delete_tags()
                            .resource_arn(&arn)
                            .tag_keys("mlops:created-by")
                            .send(),
                    )?;
                }
                ctx.emulator.clear_requests()
            })),
            expect_error: Some(re(
                r#"(?s)Monitoring schedule churn-(data|model)-quality already exists.*not made by this provider.*import \{\s*to = mlops_monitor.<name>\s*id = "churn"\s*\}"#,
            )),
            check: Some(Box::new(|ctx| {
                let w = writes(ctx)?;
                ensure!(w.is_empty(), "wrote to someone else's schedules: {w:?}");
                ensure!(!ctx.state.has("mlops_monitor.m"));
                Ok(())
            })),
            ..Default::default()
        })
        .step(Step {
            config: both,
            before: Some(Box::new(|ctx| {
                let sm = ctx.sagemaker();
                for s in ["churn-data-quality", "churn-model-quality"] {
                    let arn = ctx
                        .rt
                        .block_on(sm.describe_monitoring_schedule().monitoring_schedule_name(s).send())?
                        .monitoring_schedule_arn()
                        .unwrap_or_default()
                        .to_string();
                    ctx.rt.block_on(
                        sm.add_tags()
                            .resource_arn(&arn)
                            .tags(creating_tag())
                            .send(),
                    )?;
                }
                ctx.emulator.clear_requests()
            })),
            check: Some(Box::new(|ctx| {
                let calls = ctx.emulator.calls()?;
                ensure!(
                    !calls.contains_key("sagemaker.DeleteMonitoringSchedule"),
                    "adoption deleted a schedule: {calls:?}"
                );
                let sm = ctx.sagemaker();
                for s in ["churn-data-quality", "churn-model-quality"] {
                    let arn = ctx.state.str("mlops_monitor.m", &format!("{}_schedule_arn", s.trim_start_matches("churn-").replace('-', "_")))?;
                    let tags = ctx.rt.block_on(sm.list_tags().resource_arn(&arn).send())?;
                    ensure!(
                        tags.tags().iter().any(|t| t.key() == Some("mlops:created-by")),
                        "{s} lost the marker: {tags:?}"
                    );
                    ensure!(
                        tags.tags().iter().any(|t| t.key() == Some("team")),
                        "{s} lost its tags: {tags:?}"
                    );
                }
                Ok(())
            })),
            ..Default::default()
        })
        .run()
}

#[test]
fn invalid_monitors_are_rejected_at_plan_without_api_calls() -> Result<()> {
    let emulator = Emulator::start()?;
    let ws = Workspace::new(&emulator, Install::DevOverride)?;
    let lit = |body: &str| monitor(body).replace("mlops_endpoint.e.name", "\"churn\"");
    let alert_case = |check: &str, thresholds: &str| {
        lit(&format!(
            "{check}  alerts {{\n    topic_arn = \"{TOPIC}\"\n    {thresholds}\n  }}\n"
        ))
    };
    let good = checks("v1", "5");
    let cases = vec![
        ("no check", lit(""), r"(?s)At least one attribute required.*data_quality\s+or\s+model_quality;\s+got\s+none"),
        (
            "bad schedule",
            lit(&format!("  schedule = \"rate(1 hour)\"\n{good}")),
            r"(?s)Unsupported schedule",
        ),
        (
            "bad cron minute",
            lit(&format!("  schedule = \"cron(5 * ? * * *)\"\n{good}")),
            r"(?s)Unsupported schedule",
        ),
        (
            "unknown metric",
            lit(&good.replace("r2 = 0.5", "bleu = 0.5")),
            r"(?s)Unknown metric.*bleu.*Known metrics: mse, rmse",
        ),
        (
            "hourly too long",
            lit(&format!(
                "  schedule = \"hourly\"\n  max_runtime_seconds = 2400\n{good}"
            )),
            r"(?s)too long for an hourly schedule.*model quality.*1800",
        ),
        (
            "bad problem type",
            lit(&good.replace("Regression", "Ranking")),
            r#"(?s)"Ranking" is not a valid value for model_quality\.problem_type"#,
        ),
        (
            "bad instance type",
            lit(&format!("  instance_type = \"ml.t9.huge\"\n{good}")),
            r"(?s)Unsupported instance type",
        ),
        (
            "near-miss instance type",
            lit(&format!("  instance_type = \"ml.m5.xlarg\"\n{good}")),
            r#"(?s)Unsupported instance type.*Did you mean "ml.m5.xlarge"\?"#,
        ),
        (
            "endpoint and batch transform",
            lit(&format!("{BATCH}{good}")),
            r"(?s)Exactly one attribute required.*got\s+endpoint_name\s+and\s+batch_transform.*not\s+both",
        ),
        (
            "no target",
            monitor_batch(DQ).replace(BATCH, ""),
            r"(?s)Exactly one attribute required.*endpoint_name\s+or\s+batch_transform;\s+got\s+none",
        ),
        (
            "csv header on parquet",
            monitor_batch(DQ).replace("\"csv\"", "\"parquet\""),
            r#"(?s)Option of another format.*csv_header applies to format "csv" only; this dataset is "parquet""#,
        ),
        (
            "dataset and statistics",
            lit("  data_quality {\n    baseline_statistics = \"s3://b/statistics.json\"\n    baseline_dataset {\n      s3_uri = \"s3://data/train.csv\"\n    }\n  }\n"),
            r"(?s)Conflicting attributes.*Set\s+baseline_dataset\s+or\s+baseline_statistics,\s+not\s+both",
        ),
        (
            "json lines on csv dataset",
            lit("  data_quality {\n    baseline_dataset {\n      s3_uri     = \"s3://data/train.csv\"\n      json_lines = false\n    }\n  }\n"),
            r#"(?s)json_lines applies to format "json" only"#,
        ),
        (
            "bad dataset format",
            lit("  data_quality {\n    baseline_dataset {\n      s3_uri = \"s3://data/train.csv\"\n      format = \"xml\"\n    }\n  }\n"),
            r#"(?s)"xml" is not a valid value for data_quality\.baseline_dataset\.format"#,
        ),
        (
            "emails and topic",
            lit(&good.replace("topic_arn         =", "emails = [\"a@example.com\"]\n    topic_arn =")),
            r"(?s)Exactly one attribute required.*got\s+emails\s+and\s+topic_arn",
        ),
        (
            "no recipient",
            lit(&good.replace("    topic_arn         = \"arn:aws:sns:us-east-1:123456789012:alerts\"\n", "")),
            r"(?s)Exactly one attribute required.*emails\s+or\s+topic_arn;\s+got\s+none",
        ),
        (
            "bad email",
            lit(&good.replace("topic_arn         = \"arn:aws:sns:us-east-1:123456789012:alerts\"", "emails = [\"not-an-address\"]")),
            r#"(?s)Invalid e-mail address.*"not-an-address""#,
        ),
        (
            "no thresholds",
            lit(&good.replace("    metric_thresholds = { rmse = 5, r2 = 0.5 }\n", "")),
            r"(?s)No thresholds",
        ),
        (
            "metric thresholds without model quality",
            alert_case(DQ, "metric_thresholds = { rmse = 5 }"),
            r"(?s)Metric thresholds without model quality",
        ),
        (
            "drift thresholds without data quality",
            alert_case(MQ, "drift_thresholds = { age = 0.1 }"),
            r"(?s)Drift thresholds without data quality",
        ),
        (
            "negative drift threshold",
            alert_case(DQ, "drift_thresholds = { age = -0.1 }"),
            r"(?s)Negative drift threshold",
        ),
        (
            "subnets without security groups",
            lit(&format!("  network {{\n    subnet_ids = [\"subnet-0a1b\"]\n  }}\n{good}")),
            r"(?s)Incomplete VPC configuration",
        ),
        (
            "empty e-mail list",
            lit(&good.replace(
                "topic_arn         = \"arn:aws:sns:us-east-1:123456789012:alerts\"",
                "emails = []",
            )),
            r"(?s)No e-mail address",
        ),
        (
            "feature name with a space",
            alert_case(DQ, "drift_thresholds = { \"monthly charges\" = 0.1 }"),
            r#"(?s)Invalid feature name.*"monthly charges""#,
        ),
        (
            "too many security groups",
            lit(&format!(
                "  network {{\n    subnet_ids = [\"subnet-1\"]\n    security_group_ids = [\"sg-1\", \"sg-2\", \"sg-3\", \"sg-4\", \"sg-5\", \"sg-6\"]\n  }}\n{good}"
            )),
            r"(?s)Wrong number of IDs.*security_group_ids takes 1 to 5 IDs; got 6",
        ),
        (
            "bad security group id",
            lit(&format!("  network {{\n    subnet_ids = [\"subnet-0a1b\"]\n    security_group_ids = [\"group-1\"]\n  }}\n{good}")),
            r#"(?s)Invalid ID.*"group-1" is not a sg-"#,
        ),
    ];
    ensure_rejected(&ws, &emulator, &["mlops_monitor.m"], &cases, &|_, _| None)?;
    Ok(())
}

// ---------------------------------------------------------------- baselines, targets, alerts

fn sns(ctx: &StepCtx<'_>, op: &str, params: &[(&str, &str)]) -> Result<String> {
    raw::query(ctx.emulator.port, "sns", "2010-03-31", op, params)
}

/// DescribeAlarms (query protocol) of the monitor's alarms, as XML.
fn alarms_xml(ctx: &StepCtx<'_>) -> Result<String> {
    raw::query(
        ctx.emulator.port,
        "monitoring",
        "2010-08-01",
        "DescribeAlarms",
        &[("AlarmNamePrefix", "mlops-churn-")],
    )
}

const BATCH: &str = "  batch_transform {\n    data_captured_destination_s3_uri = \"s3://capture/batch\"\n    format                           = \"csv\"\n    csv_header                       = true\n  }\n";

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn monitor_batch(body: &str) -> String {
    format!(
        "resource \"mlops_monitor\" \"m\" {{\n  name          = \"churn\"\n  role_arn      = \"{ROLE}\"\n  output_s3_uri = \"s3://monitoring/churn\"\n{BATCH}{body}}}\n"
    )
}

fn dataset_check(uri: &str) -> String {
    format!("  data_quality {{\n    baseline_dataset {{\n      s3_uri = \"{uri}\"\n    }}\n  }}\n")
}

/// A data quality check with a given baseline, and a regression model quality check.
const DQ: &str = "  data_quality {\n    baseline_statistics  = \"s3://baselines/v1/statistics.json\"\n    baseline_constraints = \"s3://baselines/v1/constraints.json\"\n  }\n";
const MQ: &str = "  model_quality {\n    problem_type        = \"Regression\"\n    ground_truth_s3_uri = \"s3://labels/churn\"\n    inference_attribute = \"0\"\n  }\n";

const NETWORK: &str = "  network {\n    subnet_ids                                = [\"subnet-0a1b2c\"]\n    security_group_ids                        = [\"sg-0d1e2f\"]\n    enable_network_isolation                  = true\n    enable_inter_container_traffic_encryption = true\n  }\n";

fn dq_definition(
    ctx: &StepCtx<'_>,
    name: &str,
) -> Result<aws_sdk_sagemaker::operation::describe_data_quality_job_definition::DescribeDataQualityJobDefinitionOutput>{
    Ok(ctx.rt.block_on(
        ctx.sagemaker()
            .describe_data_quality_job_definition()
            .job_definition_name(name)
            .send(),
    )?)
}

/// The `publish_cloudwatch_metrics` setting of the data quality definition in state.
fn dq_publish_setting(ctx: &StepCtx<'_>) -> Result<Option<String>> {
    let def = ctx
        .state
        .str("mlops_monitor.m", "data_quality_job_definition")?;
    Ok(dq_definition(ctx, &def)?
        .data_quality_app_specification()
        .and_then(|a| a.environment())
        .and_then(|e| e.get("publish_cloudwatch_metrics").cloned()))
}

fn schedule_definition(ctx: &StepCtx<'_>, schedule: &str) -> Result<Option<String>> {
    let d = ctx.rt.block_on(
        ctx.sagemaker()
            .describe_monitoring_schedule()
            .monitoring_schedule_name(schedule)
            .send(),
    )?;
    Ok(d.monitoring_schedule_config()
        .and_then(|c| c.monitoring_job_definition_name())
        .map(String::from))
}

#[test]
fn baseline_dataset_starts_a_baselining_job_and_uses_its_output() -> Result<()> {
    let cfg = |uri: &str| {
        format!(
            "{}{}",
            endpoint(true),
            monitor(&format!("{NETWORK}{}", dataset_check(uri)))
        )
    };
    let mut tc = TestCase::new("monitor baseline dataset");
    tc.check_destroyed = Some(Box::new(nothing_left));
    tc.step(Step {
        config: cfg("s3://data/churn/train-v1.csv"),
        check: Some(Box::new(|ctx| {
            let job = ctx.state.str("mlops_monitor.m", "baselining_job_name")?;
            ensure!(job.starts_with("churn-baseline-"), "{job}");
            let j = ctx.rt.block_on(ctx.sagemaker().describe_processing_job().processing_job_name(&job).send())?;
            ensure!(j.processing_job_status().map(|s| s.as_str()) == Some("Completed"));
            let input = j.processing_inputs().first().and_then(|i| i.s3_input()).and_then(|i| i.s3_uri());
            ensure!(input == Some("s3://data/churn/train-v1.csv"), "{input:?}");
            let env = j.environment().cloned().unwrap_or_default();
            ensure!(env.get("dataset_source").map(String::as_str) == Some("/opt/ml/processing/input/baseline_dataset_input"), "{env:?}");
            ensure!(env.get("output_path").map(String::as_str) == Some("/opt/ml/processing/output"), "{env:?}");
            ensure!(env.get("publish_cloudwatch_metrics").map(String::as_str) == Some("Disabled"), "{env:?}");
            let fmt: serde_json::Value = serde_json::from_str(env.get("dataset_format").map(String::as_str).unwrap_or("null"))?;
            ensure!(fmt["csv"]["header"] == true, "{fmt}");
            let out = j.processing_output_config().and_then(|o| o.outputs().first()).and_then(|o| o.s3_output()).and_then(|o| o.s3_uri());
            let want_out = format!("s3://monitoring/churn/baselines/{job}");
            ensure!(out == Some(want_out.as_str()), "{out:?}");
            let net = j.network_config().and_then(|n| n.vpc_config()).map(|v| v.subnets().to_vec());
            ensure!(net == Some(vec!["subnet-0a1b2c".to_string()]), "{net:?}");
            // the data quality definition uses the job's output as its baseline
            let def = ctx.state.str("mlops_monitor.m", "data_quality_job_definition")?;
            let d = dq_definition(ctx, &def)?;
            let b = d.data_quality_baseline_config().ok_or_else(|| anyhow::anyhow!("no baseline"))?;
            ensure!(b.baselining_job_name() == Some(job.as_str()));
            let stats = b.statistics_resource().and_then(|r| r.s3_uri());
            ensure!(stats == Some(format!("{want_out}/statistics.json").as_str()), "{stats:?}");
            let cons = b.constraints_resource().and_then(|r| r.s3_uri());
            ensure!(cons == Some(format!("{want_out}/constraints.json").as_str()), "{cons:?}");
            let dq = ctx.state.attr("mlops_monitor.m", "data_quality")?;
            ensure!(dq["baseline_statistics"].as_str() == stats, "{dq}");
            let n = d.network_config().ok_or_else(|| anyhow::anyhow!("no network config"))?;
            ensure!(n.enable_network_isolation() == Some(true) && n.enable_inter_container_traffic_encryption() == Some(true), "{n:?}");
            ensure!(n.vpc_config().map(|v| v.security_group_ids().to_vec()) == Some(vec!["sg-0d1e2f".to_string()]), "{n:?}");
            Ok(())
        })),
        ..Default::default()
    })
    // a new dataset: a new job and a definition swap under the schedule
    .step(Step {
        config: cfg("s3://data/churn/train-v2.csv"),
        before: Some(Box::new(|ctx| ctx.emulator.clear_requests())),
        expect_plan: Some(re(r"(?s)~ baselining_job_name\s+= .churn-baseline-.*Plan: 0 to add, 1 to change, 0 to destroy")),
        check: Some(Box::new(|ctx| {
            let calls = ctx.emulator.calls()?;
            ensure!(calls.get("sagemaker.CreateProcessingJob") == Some(&1), "{calls:?}");
            ensure!(calls.contains_key("sagemaker.UpdateMonitoringSchedule"), "{calls:?}");
            ensure!(!calls.contains_key("sagemaker.DeleteMonitoringSchedule"), "{calls:?}");
            let inv = ctx.emulator.inventory()?;
            let dq = list(&inv, "sagemaker", "data_quality_job_definitions");
            let def = ctx.state.str("mlops_monitor.m", "data_quality_job_definition")?;
            ensure!(dq == [def.clone()], "old definition left: {dq:?}");
            ensure!(schedule_definition(ctx, "churn-data-quality")?.as_deref() == Some(def.as_str()));
            let job = ctx.state.str("mlops_monitor.m", "baselining_job_name")?;
            let b = dq_definition(ctx, &def)?;
            ensure!(b.data_quality_baseline_config().and_then(|b| b.baselining_job_name()) == Some(job.as_str()));
            Ok(())
        })),
        ..Default::default()
    })
    // import rebuilds baseline_dataset from the baselining job
    .step(Step {
        config: cfg("s3://data/churn/train-v2.csv"),
        import: Some(("mlops_monitor.m".into(), "churn".into(), vec![])),
        ..Default::default()
    })
    // a dataset the analyzer cannot read: the apply fails with the job's reason, and the
    // monitor keeps running on the previous baseline
    .step(Step {
        config: cfg("s3://data/mlops-fail/train-v3.csv"),
        expect_error: Some(re(r"(?s)Baselining job failed.*churn-baseline-[0-9a-f]{10} ended Failed: AlgorithmError.*mlops-fail/train-v3\.csv")),
        check: Some(Box::new(|ctx| {
            let def = ctx.state.str("mlops_monitor.m", "data_quality_job_definition")?;
            ensure!(schedule_definition(ctx, "churn-data-quality")?.as_deref() == Some(def.as_str()));
            let ds = ctx.state.attr("mlops_monitor.m", "data_quality")?;
            ensure!(ds["baseline_dataset"]["s3_uri"] == "s3://data/churn/train-v2.csv", "{ds}");
            Ok(())
        })),
        ..Default::default()
    })
    .step(Step {
        config: cfg("s3://data/churn/train-v2.csv"),
        ..Default::default()
    })
    .run()
}

#[test]
fn batch_transform_output_is_monitored_with_alarms_in_the_batch_namespaces() -> Result<()> {
    let body = format!(
        "{DQ}  model_quality {{\n    problem_type        = \"BinaryClassification\"\n    ground_truth_s3_uri = \"s3://labels/churn\"\n    inference_attribute = \"0\"\n    probability_attribute = \"1\"\n    probability_threshold = 0.5\n  }}\n  alerts {{\n    topic_arn         = \"{TOPIC}\"\n    metric_thresholds = {{ f1 = 0.7 }}\n    drift_thresholds  = {{ tenure = 0.2 }}\n  }}\n"
    );
    let mut tc = TestCase::new("monitor batch transform");
    tc.check_destroyed = Some(Box::new(nothing_left));
    tc.step(Step {
        config: monitor_batch(&body),
        before: Some(Box::new(|ctx| ctx.emulator.clear_requests())),
        check: Some(Box::new(|ctx| {
            let calls = ctx.emulator.calls()?;
            ensure!(
                !calls.contains_key("sagemaker.DescribeEndpoint"),
                "capture check ran: {calls:?}"
            );
            let def = ctx
                .state
                .str("mlops_monitor.m", "data_quality_job_definition")?;
            let d = dq_definition(ctx, &def)?;
            let input = d
                .data_quality_job_input()
                .ok_or_else(|| anyhow::anyhow!("no input"))?;
            ensure!(input.endpoint_input().is_none(), "{input:?}");
            let b = input
                .batch_transform_input()
                .ok_or_else(|| anyhow::anyhow!("no batch input"))?;
            ensure!(
                b.data_captured_destination_s3_uri() == Some("s3://capture/batch"),
                "{b:?}"
            );
            ensure!(
                b.dataset_format()
                    .and_then(|f| f.csv())
                    .and_then(|c| c.header())
                    == Some(true),
                "{b:?}"
            );
            ensure!(dq_publish_setting(ctx)?.as_deref() == Some("Enabled"));
            let mq = ctx
                .state
                .str("mlops_monitor.m", "model_quality_job_definition")?;
            let m = ctx.rt.block_on(
                ctx.sagemaker()
                    .describe_model_quality_job_definition()
                    .job_definition_name(&mq)
                    .send(),
            )?;
            let mb = m
                .model_quality_job_input()
                .and_then(|i| i.batch_transform_input())
                .ok_or_else(|| anyhow::anyhow!("no mq batch input"))?;
            ensure!(
                mb.inference_attribute() == Some("0")
                    && mb.probability_threshold_attribute() == Some(0.5),
                "{mb:?}"
            );
            let xml = alarms_xml(ctx)?;
            let names = sorted(raw::xml_all(&xml, "AlarmName"));
            ensure!(
                names == ["mlops-churn-drift-tenure", "mlops-churn-f1"],
                "{names:?}"
            );
            let ns = sorted(raw::xml_all(&xml, "Namespace"));
            ensure!(
                ns == [
                    "aws/sagemaker/ModelMonitoring/data-metrics",
                    "aws/sagemaker/ModelMonitoring/model-metrics"
                ],
                "{ns:?}"
            );
            let metrics = sorted(raw::xml_all(&xml, "MetricName"));
            ensure!(
                metrics == ["f1", "feature_baseline_drift_tenure"],
                "{metrics:?}"
            );
            let dims = raw::xml_all(&xml, "Name");
            ensure!(
                !dims.contains(&"Endpoint".to_string())
                    && dims.contains(&"MonitoringSchedule".to_string()),
                "{dims:?}"
            );
            ensure!(
                xml.contains("<Value>churn-data-quality</Value>")
                    && xml.contains("GreaterThanThreshold")
                    && xml.contains("LessThanThreshold"),
                "{xml}"
            );
            Ok(())
        })),
        ..Default::default()
    })
    .step(Step {
        config: monitor_batch(&body),
        import: Some(("mlops_monitor.m".into(), "churn".into(), vec![])),
        ..Default::default()
    })
    // new tags: on the schedules and their definitions, no definition swap
    .step(Step {
        config: monitor_batch(&format!("{body}  tags = {{ team = \"ml\" }}\n")),
        before: Some(Box::new(|ctx| ctx.emulator.clear_requests())),
        check: Some(Box::new(|ctx| {
            let calls = ctx.emulator.calls()?;
            ensure!(
                !calls.contains_key("sagemaker.UpdateMonitoringSchedule"),
                "{calls:?}"
            );
            let def = ctx
                .state
                .str("mlops_monitor.m", "model_quality_job_definition")?;
            let arn = ctx
                .rt
                .block_on(
                    ctx.sagemaker()
                        .describe_model_quality_job_definition()
                        .job_definition_name(&def)
                        .send(),
                )?
                .job_definition_arn()
                .unwrap_or_default()
                .to_string();
            let tags = ctx
                .rt
                .block_on(ctx.sagemaker().list_tags().resource_arn(&arn).send())?;
            let team: Vec<_> = tags
                .tags()
                .iter()
                .filter(|t| t.key() == Some("team"))
                .filter_map(|t| t.value())
                .collect();
            ensure!(team == ["ml"], "{tags:?}");
            Ok(())
        })),
        ..Default::default()
    })
    .run()
}

#[test]
fn email_alerts_own_a_topic_and_violation_alarms_come_and_go() -> Result<()> {
    let alerts = |recipients: &str| {
        format!(
            "{DQ}{MQ}  alerts {{\n{recipients}    metric_thresholds = {{ rmse = 5 }}\n    drift_thresholds  = {{ age = 0.1, income = 0.25 }}\n  }}\n"
        )
    };
    let two = alerts("    emails = [\"ops@example.com\", \"ds@example.com\"]\n");
    let one = alerts("    emails = [\"ops@example.com\"]\n");
    let topic = alerts(&format!("    topic_arn = \"{TOPIC}\"\n"));
    let none = format!("{DQ}{MQ}");
    let owned = "arn:aws:sns:us-east-1:123456789012:mlops_churn_alerts";
    let mut tc = TestCase::new("monitor e-mail alerts");
    tc.check_destroyed = Some(Box::new(|ctx| {
        nothing_left(ctx)?;
        ctx.emulator.assert_none_left(&[("sns", "topics")])
    }));
    tc.step(Step {
        config: format!("{}{}", endpoint(true), monitor(&two)),
        check: Some(Box::new(move |ctx| {
            let inv = ctx.emulator.inventory()?;
            let subs = inv["sns"]["topics"][owned].as_array().map(Vec::len);
            ensure!(subs == Some(2), "{}", inv["sns"]);
            ensure!(ctx.state.attr("mlops_monitor.m", "alerts")?["topic_arn"] == owned);
            let tags = sns(ctx, "ListTagsForResource", &[("ResourceArn", owned)])?;
            ensure!(
                tags.contains("mlops:monitor") && tags.contains("churn"),
                "{tags}"
            );
            let xml = alarms_xml(ctx)?;
            let mut names = sorted(raw::xml_all(&xml, "AlarmName"));
            // (the endpoint's own rollback alarms share the prefix)
            names.retain(|n| !n.ends_with("-5xx-errors") && !n.ends_with("-model-latency"));
            ensure!(
                names
                    == [
                        "mlops-churn-drift-age",
                        "mlops-churn-drift-income",
                        "mlops-churn-rmse"
                    ],
                "{names:?}"
            );
            ensure!(
                sorted(raw::xml_all(&xml, "Namespace"))
                    .contains(&"aws/sagemaker/Endpoints/data-metrics".to_string()),
                "{xml}"
            );
            ensure!(
                sorted(raw::xml_all(&xml, "MetricName"))
                    .contains(&"feature_baseline_drift_income".to_string()),
                "{xml}"
            );
            ensure!(xml.matches(owned).count() == 3, "{xml}");
            // both definitions publish metrics for the alarms
            ensure!(dq_publish_setting(ctx)?.as_deref() == Some("Enabled"));
            Ok(())
        })),
        ..Default::default()
    })
    // import finds the topic through the alarms and the addresses through its subscriptions
    .step(Step {
        config: format!("{}{}", endpoint(true), monitor(&two)),
        import: Some(("mlops_monitor.m".into(), "churn".into(), vec![])),
        ..Default::default()
    })
    // one address fewer: unsubscribed where possible (pending ones cannot be), no diff left
    .step(Step {
        config: format!("{}{}", endpoint(true), monitor(&one)),
        expect_plan: Some(re(r"(?s)~ alerts \{.*- \x22ds@example\.com\x22")),
        check: Some(Box::new(|ctx| {
            let a = ctx.state.attr("mlops_monitor.m", "alerts")?;
            ensure!(a["emails"] == serde_json::json!(["ops@example.com"]), "{a}");
            Ok(())
        })),
        ..Default::default()
    })
    // an existing topic instead: the owned topic goes, the alarms notify the given one
    .step(Step {
        config: format!("{}{}", endpoint(true), monitor(&topic)),
        check: Some(Box::new(move |ctx| {
            let inv = ctx.emulator.inventory()?;
            ensure!(
                inv["sns"]["topics"].get(owned).is_none(),
                "owned topic left: {}",
                inv["sns"]
            );
            let xml = alarms_xml(ctx)?;
            ensure!(xml.contains(TOPIC) && !xml.contains(owned), "{xml}");
            Ok(())
        })),
        ..Default::default()
    })
    // alerts removed: alarms gone, definitions swapped to ones that publish no metrics
    .step(Step {
        config: format!("{}{}", endpoint(true), monitor(&none)),
        check: Some(Box::new(|ctx| {
            let a = list(&ctx.emulator.inventory()?, "cloudwatch", "alarms");
            ensure!(
                a == ["mlops-churn-5xx-errors", "mlops-churn-model-latency"],
                "only the endpoint's alarms should be left: {a:?}"
            );
            ensure!(dq_publish_setting(ctx)?.is_none());
            Ok(())
        })),
        ..Default::default()
    })
    // and back to e-mails, then destroy removes the topic
    .step(Step {
        config: format!("{}{}", endpoint(true), monitor(&one)),
        ..Default::default()
    })
    // new provider default tags reach the topic the monitor owns
    .step(Step {
        config: format!(
            "{}{}{}",
            acceptance_tests::provider_block(
                "  default_tags {\n    tags = { env = \"prod\" }\n  }\n"
            ),
            endpoint(true),
            monitor(&one)
        ),
        raw_config: true,
        check: Some(Box::new(move |ctx| {
            let tags = sns(ctx, "ListTagsForResource", &[("ResourceArn", owned)])?;
            let values = raw::xml_all(&tags, "Value");
            ensure!(values.contains(&"prod".to_string()), "{tags}");
            Ok(())
        })),
        ..Default::default()
    })
    .run()
}

#[test]
fn removing_a_check_and_repointing_a_schedule_out_of_band() -> Result<()> {
    let both = format!("{}{}", endpoint(true), monitor(&checks("v1", "5").replace("  alerts {\n    topic_arn         = \"arn:aws:sns:us-east-1:123456789012:alerts\"\n    metric_thresholds = { rmse = 5, r2 = 0.5 }\n  }\n", "")));
    let dq_only = format!(
        "{}{}",
        endpoint(true),
        monitor(&format!("{DQ}  tags = {{ team = \"ds\" }}\n"))
    );
    let dq_only_again = dq_only.clone();
    let mut tc = TestCase::new("monitor remove check, repoint");
    // destroy right after another out-of-band repoint: the monitor's own definitions go (even
    // the one the state lost track of), the hand-made one stays
    tc.check_destroyed = Some(Box::new(|ctx| {
        let dq = list(
            &ctx.emulator.inventory()?,
            "sagemaker",
            "data_quality_job_definitions",
        );
        ensure!(dq == ["hand-made-dq"], "{dq:?}");
        ctx.rt.block_on(
            ctx.sagemaker()
                .delete_data_quality_job_definition()
                .job_definition_name("hand-made-dq")
                .send(),
        )?;
        nothing_left(ctx)
    }));
    tc.step(Step {
        config: both,
        ..Default::default()
    })
    .step(Step {
        config: dq_only.clone(),
        before: Some(Box::new(|ctx| ctx.emulator.clear_requests())),
        expect_plan: Some(re(r"(?s)- model_quality \{.*Plan: 0 to add, 1 to change, 0 to destroy")),
        check: Some(Box::new(|ctx| {
            let calls = ctx.emulator.calls()?;
            ensure!(calls.get("sagemaker.DeleteMonitoringSchedule") == Some(&1), "{calls:?}");
            ensure!(!calls.contains_key("sagemaker.UpdateMonitoringSchedule"), "data quality touched: {calls:?}");
            ensure!(!calls.contains_key("sagemaker.CreateDataQualityJobDefinition"), "{calls:?}");
            let inv = ctx.emulator.inventory()?;
            ensure!(list(&inv, "sagemaker", "monitoring_schedules") == ["churn-data-quality"]);
            ensure!(list(&inv, "sagemaker", "model_quality_job_definitions").is_empty());
            ensure!(list(&inv, "sagemaker", "data_quality_job_definitions").len() == 1);
            ensure!(ctx.state.attr("mlops_monitor.m", "model_quality_schedule_arn")?.is_null());
            Ok(())
        })),
        ..Default::default()
    })
    // someone points the schedule at their own definition: drift shown, schedule repaired,
    // their definition left alone
    .step(Step {
        config: dq_only.clone(),
        before: Some(Box::new(|ctx| {
            let sm = ctx.sagemaker();
            let ours = schedule_definition(ctx, "churn-data-quality")?.unwrap_or_default();
            let d = dq_definition(ctx, &ours)?;
            let mut res = d.job_resources().cloned();
            if let Some(r) = res.as_mut() {
                *r = aws_sdk_sagemaker::types::MonitoringResources::builder()
                    .cluster_config(aws_sdk_sagemaker::types::MonitoringClusterConfig::builder().instance_count(2).instance_type(aws_sdk_sagemaker::types::ProcessingInstanceType::MlM5Large).volume_size_in_gb(50).build())
                    .build();
            }
            ctx.rt.block_on(
                sm.create_data_quality_job_definition()
                    .job_definition_name("hand-made-dq")
                    .set_data_quality_app_specification(d.data_quality_app_specification().cloned())
                    .set_data_quality_job_input(d.data_quality_job_input().cloned())
                    .set_data_quality_job_output_config(d.data_quality_job_output_config().cloned())
                    .set_job_resources(res)
                    .role_arn(ROLE)
                    .send(),
            )?;
            repoint(ctx, "hand-made-dq")
        })),
        expect_plan: Some(re(r"(?s)~ data_quality_job_definition\s+= .hand-made-dq. -> .churn-dq-[0-9a-f]{10}..*~ instance_count\s+= 2 -> 1")),
        check: Some(Box::new(|ctx| {
            let def = ctx.state.str("mlops_monitor.m", "data_quality_job_definition")?;
            ensure!(def.starts_with("churn-dq-"), "{def}");
            ensure!(schedule_definition(ctx, "churn-data-quality")?.as_deref() == Some(def.as_str()));
            let dq = list(&ctx.emulator.inventory()?, "sagemaker", "data_quality_job_definitions");
            ensure!(dq.contains(&"hand-made-dq".to_string()) && dq.contains(&def), "{dq:?}");
            Ok(())
        })),
        ..Default::default()
    })
    .step(Step {
        config: dq_only_again,
        before: Some(Box::new(|ctx| repoint(ctx, "hand-made-dq"))),
        plan_only: true,
        ..Default::default()
    })
    .run()
}

/// Point the data quality schedule at another definition, out of band (and wait out the
/// schedule's Pending state).
fn repoint(ctx: &StepCtx<'_>, definition: &str) -> Result<()> {
    use aws_sdk_sagemaker::types::{MonitoringScheduleConfig, MonitoringType, ScheduleConfig};
    ctx.rt.block_on(
        ctx.sagemaker()
            .update_monitoring_schedule()
            .monitoring_schedule_name("churn-data-quality")
            .monitoring_schedule_config(
                MonitoringScheduleConfig::builder()
                    .monitoring_job_definition_name(definition)
                    .monitoring_type(MonitoringType::DataQuality)
                    .schedule_config(
                        ScheduleConfig::builder()
                            .schedule_expression("cron(0 0 ? * * *)")
                            .build(),
                    )
                    .build(),
            )
            .send(),
    )?;
    std::thread::sleep(std::time::Duration::from_millis(1500));
    Ok(())
}

#[test]
fn a_failed_apply_keeps_what_it_created_and_the_next_one_completes() -> Result<()> {
    let cfg = format!("{}{}", endpoint(true), monitor(&checks("v1", "5")));
    let mut tc = TestCase::new("monitor partial failure");
    // one attempt per call, so an injected server error fails the apply
    tc.provider_block = acceptance_tests::provider_block("  max_retries = 1\n");
    tc.check_destroyed = Some(Box::new(|ctx| {
        nothing_left(ctx)?;
        ctx.emulator.assert_none_left(&[("sns", "topics")])
    }));
    tc.step(Step {
        config: endpoint(true),
        ..Default::default()
    })
    .step(Step {
        config: cfg.clone(),
        before: Some(Box::new(|ctx| {
            ctx.emulator.fault(serde_json::json!({"operation": "CreateMonitoringSchedule", "kind": "server_error", "count": 1}))
        })),
        expect_error: Some(re(r"(?s)CreateMonitoringSchedule.*churn-data-quality")),
        check: Some(Box::new(|ctx| {
            // the data quality definition was created before the failure: it is in state
            let inv = ctx.emulator.inventory()?;
            let dq = list(&inv, "sagemaker", "data_quality_job_definitions");
            ensure!(dq.len() == 1, "{dq:?}");
            ensure!(ctx.state.str("mlops_monitor.m", "data_quality_job_definition")? == dq[0]);
            ensure!(list(&inv, "sagemaker", "monitoring_schedules").is_empty());
            Ok(())
        })),
        ..Default::default()
    })
    .step(Step {
        config: cfg,
        check: Some(Box::new(|ctx| {
            let inv = ctx.emulator.inventory()?;
            ensure!(list(&inv, "sagemaker", "monitoring_schedules") == ["churn-data-quality", "churn-model-quality"]);
            ensure!(list(&inv, "sagemaker", "data_quality_job_definitions").len() == 1);
            Ok(())
        })),
        ..Default::default()
    })
    .run()
}

/// The docs example (baseline dataset, network, e-mail alerts with drift and metric alarms,
/// and a batch transform monitor) applies on an endpoint that captures data, plans empty and
/// leaves nothing behind.
#[test]
fn docs_example_applies_and_cleans_up() -> Result<()> {
    let example = std::fs::read_to_string(
        acceptance_tests::repo_root().join("examples/resources/mlops_monitor/resource.tf"),
    )?;
    let cfg = format!(
        "{}{example}",
        endpoint(true).replace("\"mlops_endpoint\" \"e\"", "\"mlops_endpoint\" \"churn\"")
    );
    let mut tc = TestCase::new("monitor docs example");
    tc.check_destroyed = Some(Box::new(|ctx| {
        nothing_left(ctx)?;
        ctx.emulator.assert_none_left(&[("sns", "topics")])
    }));
    tc.step(Step {
        config: cfg,
        check: Some(Box::new(|ctx| {
            let inv = ctx.emulator.inventory()?;
            let s = list(&inv, "sagemaker", "monitoring_schedules");
            ensure!(
                s == [
                    "churn-batch-data-quality",
                    "churn-data-quality",
                    "churn-model-quality"
                ],
                "{s:?}"
            );
            ensure!(inv["sns"]["topics"]
                .as_object()
                .is_some_and(|t| t.keys().any(|k| k.ends_with(":mlops_churn_alerts"))));
            let job = ctx
                .state
                .str("mlops_monitor.churn", "baselining_job_name")?;
            ensure!(job.starts_with("churn-baseline-"), "{job}");
            // `terraform query` for the endpoint's monitors: `churn` once (its data- and
            // model-quality schedules), not the batch transform monitor.
            let q = acceptance_tests::Workspace::new(
                ctx.emulator,
                acceptance_tests::Install::DevOverride,
            )?;
            q.write_config(&acceptance_tests::provider_block(""))?;
            std::fs::copy(
                acceptance_tests::repo_root()
                    .join("examples/list-resources/mlops_monitor/query.tfquery.hcl"),
                q.work().join("monitors.tfquery.hcl"),
            )?;
            let found = q.tf_ok(&["query", "-no-color"])?.all();
            ensure!(
                found.contains(
                    "list.mlops_monitor.churn name=churn,namespace=<null>,platform=sagemaker churn"
                ) && !found.contains("churn-batch"),
                "{found}"
            );
            ensure!(
                found.matches("list.mlops_monitor.churn").count() == 1,
                "{found}"
            );
            Ok(())
        })),
        ..Default::default()
    })
    .run()
}

/// A baselining job that outlives the apply's timeout: the apply fails saying so (nothing of
/// the monitor is created), the job keeps running, and the next apply waits for that same
/// job instead of starting another.
#[test]
fn a_slow_baselining_job_times_out_and_the_next_apply_adopts_it() -> Result<()> {
    let cfg = |timeout: &str| {
        format!(
            "{}{}",
            endpoint(true),
            monitor(&format!(
                "{}  timeouts {{\n    create = \"{timeout}\"\n  }}\n",
                dataset_check("s3://data/churn/train.csv")
            ))
        )
    };
    let mut tc = TestCase::new("monitor slow baseline");
    tc.check_destroyed = Some(Box::new(nothing_left));
    tc.step(Step {
        config: endpoint(true),
        ..Default::default()
    })
    .step(Step {
        config: cfg("2s"),
        before: Some(Box::new(|ctx| ctx.emulator.set_endpoint_delay(8.0))),
        expect_error: Some(re(
            r"(?s)Timed out waiting for baselining job churn-baseline-[0-9a-f]{10} to complete.*Still status InProgress",
        )),
        check: Some(Box::new(|ctx| {
            let inv = ctx.emulator.inventory()?;
            ensure!(list(&inv, "sagemaker", "data_quality_job_definitions").is_empty());
            ensure!(list(&inv, "sagemaker", "monitoring_schedules").is_empty());
            // nothing was created, so nothing (not even a tainted stub) is in state
            ensure!(!ctx.state.has("mlops_monitor.m"), "a stub is in state");
            Ok(())
        })),
        ..Default::default()
    })
    .step(Step {
        config: cfg("10m"),
        before: Some(Box::new(|ctx| {
            ctx.emulator.set_endpoint_delay(1.0)?;
            ctx.emulator.clear_requests()
        })),
        check: Some(Box::new(|ctx| {
            let calls = ctx.emulator.calls()?;
            ensure!(!calls.contains_key("sagemaker.CreateProcessingJob"), "a second job: {calls:?}");
            let job = ctx.state.str("mlops_monitor.m", "baselining_job_name")?;
            let j = ctx.rt.block_on(ctx.sagemaker().describe_processing_job().processing_job_name(&job).send())?;
            ensure!(j.processing_job_status().map(|s| s.as_str()) == Some("Completed"));
            Ok(())
        })),
        ..Default::default()
    })
    .run()
}

/// A check that is not configured plans no job definition or schedule, also when other
/// inputs are known only after apply (before: `+ model_quality_job_definition = (known
/// after apply)` with no model_quality block).
#[test]
fn unconfigured_check_plans_nothing_for_it() -> Result<()> {
    let emulator = Emulator::start()?;
    let ws = Workspace::new(&emulator, Install::DevOverride)?;
    ws.write_config(&format!(
        "{}resource \"mlops_model_package_group\" \"g\" {{\n  name = \"churn\"\n}}\n{}{}",
        provider_block(""),
        endpoint(true),
        monitor(&format!(
            "{DQ}  tags = {{ group = mlops_model_package_group.g.arn }}\n"
        ))
    ))?;
    let plan = ws.tf(&["plan", "-no-color", "-input=false"])?;
    ensure!(plan.code == 0, "{}", plan.all());
    ensure!(
        plan.stdout.contains("data_quality_job_definition")
            && !plan.stdout.contains("model_quality_job_definition")
            && !plan.stdout.contains("model_quality_schedule_arn"),
        "the plan shows a model-quality definition without a model_quality block:\n{}",
        plan.stdout
    );
    Ok(())
}
