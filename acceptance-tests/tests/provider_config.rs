//! Provider configuration: assume_role through STS, profiles from shared config files,
//! endpoint precedence.

use acceptance_tests::{provider_block, Emulator, Install, Workspace};
use anyhow::{ensure, Result};

const GROUP: &str = "resource \"mlops_model_package_group\" \"g\" {\n  name = \"cfg-test\"\n}\n";

#[test]
fn assume_role_goes_through_sts() -> Result<()> {
    let emulator = Emulator::start()?;
    let ws = Workspace::new(&emulator, Install::DevOverride)?;
    ws.write_config(&format!(
        "{}{GROUP}",
        provider_block(
            "  assume_role {\n    role_arn     = \"arn:aws:iam::123456789012:role/mlops-deployer\"\n    session_name = \"acceptance\"\n    external_id  = \"s3cr3t-external\"\n  }\n"
        )
    ))?;
    let r = ws.tf_ok(&["apply", "-auto-approve", "-no-color"])?;
    ensure!(
        !r.all().contains("s3cr3t-external"),
        "external_id must not be shown"
    );
    let calls = emulator.calls()?;
    ensure!(
        calls.get("sts.AssumeRole").copied().unwrap_or(0) >= 1,
        "AssumeRole was not called: {calls:?}"
    );
    ensure!(
        calls.contains_key("sagemaker.CreateModelPackageGroup"),
        "{calls:?}"
    );
    // secrets never reach the provider log
    let log = std::fs::read_to_string(ws.dir.path().join("terraform.log"))?;
    ensure!(
        !log.contains("s3cr3t-external"),
        "external_id leaked into logs"
    );
    ws.tf_ok(&["destroy", "-auto-approve", "-no-color"])?;
    Ok(())
}

#[test]
fn profile_from_shared_config_and_endpoint_precedence() -> Result<()> {
    let emulator = Emulator::start()?;
    let mut ws = Workspace::new(&emulator, Install::DevOverride)?;
    let config = ws.dir.path().join("aws-config");
    let creds = ws.dir.path().join("aws-credentials");
    std::fs::write(&config, "[profile ci]\nregion = us-east-1\n")?;
    std::fs::write(
        &creds,
        "[ci]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = profile-secret\n",
    )?;
    // no region and no credentials in the environment: both must come from the profile
    ws.env.retain(|(k, _)| {
        !matches!(
            k.as_str(),
            "AWS_REGION" | "AWS_ACCESS_KEY_ID" | "AWS_SECRET_ACCESS_KEY" | "AWS_ENDPOINT_URL"
        )
    });
    ws.env
        .push(("AWS_CONFIG_FILE".into(), config.display().to_string()));
    ws.env.push((
        "AWS_SHARED_CREDENTIALS_FILE".into(),
        creds.display().to_string(),
    ));
    // endpoint_url points nowhere; the per-service override must win for SageMaker
    let hcl = format!(
        "terraform {{\n  required_providers {{\n    mlops = {{ source = \"mlops/mlops\" }}\n  }}\n}}\nprovider \"mlops\" {{\n  profile      = \"ci\"\n  endpoint_url = \"http://127.0.0.1:9\"\n  endpoints {{\n    sagemaker = \"{}\"\n  }}\n}}\n{GROUP}",
        emulator.endpoint()
    );
    ws.write_config(&hcl)?;
    ws.tf_ok(&["apply", "-auto-approve", "-no-color"])?;
    let arn = ws.state()?.str("mlops_model_package_group.g", "arn")?;
    ensure!(arn.starts_with("arn:aws:sagemaker:us-east-1:"), "{arn}");
    ws.assert_plan_empty()?;
    ws.tf_ok(&["destroy", "-auto-approve", "-no-color"])?;
    Ok(())
}
