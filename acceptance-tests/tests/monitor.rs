//! `mlops_monitor` against the real Terraform CLI and the emulator's Model Monitor.

use acceptance_tests::{
    plan_rejections, re, Emulator, Install, Step, StepCtx, TestCase, Workspace,
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
        "  data_quality {{\n    baseline_statistics  = \"s3://baselines/{stats}/statistics.json\"\n    baseline_constraints = \"s3://baselines/{stats}/constraints.json\"\n  }}\n  model_quality {{\n    problem_type        = \"Regression\"\n    ground_truth_s3_uri = \"s3://labels/churn\"\n    inference_attribute = \"0\"\n  }}\n  alerts {{\n    topic_arn         = \"{TOPIC}\"\n    metric_thresholds = {{ rmse = {rmse}, r2 = 0.5 }}\n  }}\n  tags = {{ team = \"ds\" }}\n"
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

#[test]
fn endpoint_without_capture_is_rejected_at_plan() -> Result<()> {
    TestCase::new("monitor without capture")
        .step(Step {
            config: endpoint(false),
            ..Default::default()
        })
        .step(Step {
            config: format!("{}{}", endpoint(false), monitor(&checks("v1", "5"))),
            plan_only: true,
            expect_error: Some(re(r"(?s)Endpoint does not capture data.*data_capture")),
            ..Default::default()
        })
        // (destroy plans the whole configuration: leave the rejected monitor out)
        .step(Step {
            config: endpoint(false),
            ..Default::default()
        })
        .run()
}

#[test]
fn invalid_monitors_are_rejected_at_plan_without_api_calls() -> Result<()> {
    let emulator = Emulator::start()?;
    let ws = Workspace::new(&emulator, Install::DevOverride)?;
    let lit = |body: &str| monitor(body).replace("mlops_endpoint.e.name", "\"churn\"");
    let good = checks("v1", "5");
    let cases = vec![
        ("no check", lit(""), r"(?s)No check configured"),
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
    ];
    let failures = plan_rejections(&ws, &emulator, &["mlops_monitor.m"], &cases, &|_, _| None)?;
    ensure!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
    Ok(())
}
