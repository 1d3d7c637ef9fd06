//! The quickstart example, exactly as a user runs it: the real binary installed from a
//! filesystem mirror, `terraform init`, apply, plan-is-empty, destroy. Also with the old
//! Terraform 1.0.3 client.

use acceptance_tests::{re, repo_root, Emulator, Install, Step, TestCase, Workspace};
use anyhow::{ensure, Result};

fn quickstart_config() -> String {
    std::fs::read_to_string(repo_root().join("examples/quickstart/main.tf")).expect("quickstart")
}

#[test]
fn quickstart_through_mirror_and_init() -> Result<()> {
    let mut tc = TestCase::new("quickstart");
    tc.install = Install::Mirror;
    tc.check_destroyed = Some(Box::new(|ctx| {
        let groups = ctx
            .rt
            .block_on(ctx.sagemaker().list_model_package_groups().send())?;
        ensure!(
            groups.model_package_group_summary_list().is_empty(),
            "group left behind"
        );
        ctx.emulator.assert_none_left(&[
            ("sagemaker", "pipelines"),
            ("sagemaker", "endpoints"),
            ("sagemaker", "endpoint_configs"),
            ("sagemaker", "models"),
            ("sagemaker", "monitoring_schedules"),
            ("sagemaker", "data_quality_job_definitions"),
            ("sagemaker", "feature_groups"),
            ("cloudwatch", "alarms"),
        ])
    }));
    tc.step(Step {
        config: quickstart_config(),
        raw_config: true,
        check: Some(Box::new(|ctx| {
            let out = ctx.ws.tf_ok(&["output", "-json"])?;
            let j: serde_json::Value = serde_json::from_str(&out.stdout)?;
            ensure!(j["approved_version"]["value"] == 1, "{j}");
            ensure!(
                j["approved_model_data_url"]["value"]
                    == "s3://my-ml-bucket/churn/model-v1/model.tar.gz",
                "{j}"
            );
            ensure!(re(r"model-package-group/churn-prediction$")
                .is_match(j["group_arn"]["value"].as_str().unwrap_or_default()));
            ensure!(
                j["served_version"]["value"]
                    .as_str()
                    .is_some_and(|a| a.ends_with("model-package/churn-prediction/1")),
                "{j}"
            );
            ensure!(
                j["monitoring_schedule"]["value"]
                    .as_str()
                    .is_some_and(|a| a.ends_with("monitoring-schedule/churn-data-quality")),
                "{j}"
            );
            let inv = ctx.emulator.inventory()?;
            for (svc, key, want) in [
                ("sagemaker", "pipelines", "churn-training"),
                ("sagemaker", "endpoints", "churn"),
                ("sagemaker", "feature_groups", "customers"),
            ] {
                ensure!(
                    inv[svc][key] == serde_json::json!([want]),
                    "{svc}.{key}: {inv}"
                );
            }
            // the provider really came from the mirror through init
            let lock = std::fs::read_to_string(ctx.ws.work().join(".terraform.lock.hcl"))?;
            ensure!(lock.contains("registry.terraform.io/mlops/mlops"), "{lock}");
            Ok(())
        })),
        ..Default::default()
    })
    .run()
}

#[test]
fn quickstart_with_terraform_1_0_3() -> Result<()> {
    let tf10 = repo_root().join("scripts/terraform-1.0");
    let emulator = Emulator::start()?;
    let ws = Workspace::with_terraform(&emulator, Install::Mirror, tf10)?;
    ws.write_config(&quickstart_config())?;
    let v = ws.tf_ok(&["version"])?;
    ensure!(v.stdout.contains("Terraform v1.0.3"), "{}", v.stdout);
    ws.init()?;
    let r = ws.tf_ok(&["apply", "-auto-approve", "-no-color", "-input=false"])?;
    ensure!(r.stdout.contains("Resources: 6 added"), "{}", r.stdout);
    ws.assert_plan_empty()?;
    let out = ws.tf_ok(&["output", "-raw", "approved_version"])?;
    ensure!(out.stdout.trim() == "1", "{}", out.stdout);
    ws.tf_ok(&["destroy", "-auto-approve", "-no-color", "-input=false"])?;
    Ok(())
}
