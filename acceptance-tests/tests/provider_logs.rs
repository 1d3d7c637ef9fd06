//! The provider's log lines reach Terraform's log with their level: go-plugin parses each
//! stderr line as hclog JSON, and a line it cannot parse (e.g. a timestamp with nine
//! decimals) is demoted to a raw DEBUG string, so progress would never show at INFO.

use acceptance_tests::{provider_block, re, Emulator, Install, Workspace};
use anyhow::{ensure, Result};

#[test]
fn progress_of_an_endpoint_wait_shows_at_info() -> Result<()> {
    let emulator = Emulator::start()?;
    emulator.set_endpoint_delay(2.0)?;
    let mut ws = Workspace::new(&emulator, Install::DevOverride)?;
    for (k, v) in ws.env.iter_mut() {
        if k == "TF_LOG_PROVIDER" {
            *v = "INFO".into();
        }
    }
    ws.write_config(&format!(
        r#"{}resource "mlops_endpoint" "e" {{
  name     = "logs"
  role_arn = "arn:aws:iam::123456789012:role/SageMakerExecution"
  model {{
    image          = "123456789012.dkr.ecr.us-east-1.amazonaws.com/churn:1"
    model_data_url = "s3://models/byo/model.tar.gz"
    instance_type  = "ml.m5.large"
  }}
  rollout {{
    wait_seconds = 0
  }}
}}
"#,
        provider_block("")
    ))?;
    ws.tf_ok(&["apply", "-auto-approve", "-no-color"])?;
    let log = std::fs::read_to_string(ws.dir.path().join("terraform.log"))?;
    let ours: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("provider.terraform-provider-mlops"))
        .collect();
    ensure!(
        ours.iter().any(|l| re(
            r"\[INFO\]\s+provider\.terraform-provider-mlops[^:]*: still waiting:.*what="
        )
        .is_match(l)),
        "no INFO progress line of the endpoint wait in Terraform's log; provider lines:\n{}",
        ours.join("\n")
    );
    ensure!(
        !ours.iter().any(|l| l.contains("\"@level\"")),
        "some provider lines were not parsed as hclog (shown raw):\n{}",
        ours.iter()
            .filter(|l| l.contains("\"@level\""))
            .copied()
            .collect::<Vec<_>>()
            .join("\n")
    );
    ws.tf_ok(&["destroy", "-auto-approve", "-no-color"])?;
    Ok(())
}
