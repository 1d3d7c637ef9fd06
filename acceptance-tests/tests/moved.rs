//! Cross-type `moved` from the AWS provider's resources (MoveResourceState), with the real
//! Terraform 1.15 CLI: a state written as hashicorp/aws writes it (SDKv2 shapes: "" for
//! unset strings, [] for unset blocks) is taken over by `moved` blocks, nothing is created
//! or destroyed, and the objects stay. An unsupported source type is refused by name.
//!
//! Terraform needs the source provider to be installed to plan with a state that mentions
//! it (it reads its schema, nothing else): the test serves this provider's own binary as
//! `hashicorp/aws` through a dev override, as no registry is reachable here.

use acceptance_tests::{provider_bin, provider_block, Emulator, Install, Workspace};
use anyhow::{ensure, Context, Result};
use serde_json::{json, Value as Json};

const IMAGE: &str = acceptance_tests::objects::IMAGE;
const AWS: &str = "provider[\"registry.terraform.io/hashicorp/aws\"]";

fn resources() -> String {
    acceptance_tests::objects::one_of_each("mv")
}

const MOVES: &str = r#"
moved {
  from = aws_sagemaker_model_package_group.g
  to   = mlops_model_package_group.g
}
moved {
  from = aws_sagemaker_endpoint.e
  to   = mlops_endpoint.e
}
moved {
  from = aws_sagemaker_pipeline.p
  to   = mlops_pipeline.p
}
moved {
  from = aws_sagemaker_feature_group.f
  to   = mlops_feature_view.f
}
"#;

/// The attributes hashicorp/aws (v6, SDKv2) keeps for the object our state describes.
fn aws_attributes(ty: &str, a: &Json) -> Option<(&'static str, Json)> {
    let s = |k: &str| a[k].as_str().unwrap_or_default().to_string();
    Some(match ty {
        "mlops_model_package_group" => (
            "aws_sagemaker_model_package_group",
            json!({
                "arn": s("arn"), "id": s("name"), "model_package_group_name": s("name"),
                "model_package_group_description": "", "region": "us-east-1",
                "tags": null, "tags_all": {},
            }),
        ),
        "mlops_endpoint" => (
            "aws_sagemaker_endpoint",
            json!({
                "arn": s("arn"), "id": s("name"), "name": s("name"),
                "endpoint_config_name": s("endpoint_config_name"),
                "deployment_config": [], "region": "us-east-1", "tags": null, "tags_all": {},
            }),
        ),
        "mlops_pipeline" => (
            "aws_sagemaker_pipeline",
            json!({
                "arn": s("arn"), "id": s("name"), "pipeline_name": s("name"),
                "pipeline_display_name": s("name"), "pipeline_description": "",
                "pipeline_definition": s("definition_json"), "pipeline_definition_s3_location": [],
                "parallelism_configuration": [], "role_arn": s("role_arn"), "region": "us-east-1",
                "tags": null, "tags_all": {},
            }),
        ),
        "mlops_feature_view" => (
            "aws_sagemaker_feature_group",
            json!({
                "arn": s("arn"), "id": s("name"), "feature_group_name": s("name"), "description": "",
                "record_identifier_feature_name": "customer_id", "event_time_feature_name": "event_time",
                "role_arn": s("role_arn"),
                "feature_definition": [
                    {"collection_config": [], "collection_type": "", "feature_name": "customer_id", "feature_type": "String"},
                    {"collection_config": [], "collection_type": "", "feature_name": "event_time", "feature_type": "Fractional"},
                ],
                "online_store_config": [{"enable_online_store": true, "security_config": [], "storage_type": "Standard", "ttl_duration": []}],
                "offline_store_config": [], "throughput_config": [], "region": "us-east-1",
                "tags": null, "tags_all": {},
            }),
        ),
        _ => return None,
    })
}

/// Rewrite the state as if hashicorp/aws had managed these objects.
fn rewrite_as_aws(ws: &Workspace) -> Result<()> {
    let path = ws.work().join("terraform.tfstate");
    let mut state: Json = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
    for r in state["resources"].as_array_mut().context("resources")? {
        let ty = r["type"].as_str().unwrap_or_default().to_string();
        let attrs = r["instances"][0]["attributes"].clone();
        if let Some((aws_ty, aws_attrs)) = aws_attributes(&ty, &attrs) {
            r["type"] = json!(aws_ty);
            r["provider"] = json!(AWS);
            r["instances"] = json!([{
                "schema_version": 0, "attributes": aws_attrs,
                "sensitive_attributes": [], "private": "bnVsbA==",
            }]);
        }
    }
    state["serial"] = json!(state["serial"].as_i64().unwrap_or(1) + 1);
    std::fs::write(&path, serde_json::to_string_pretty(&state)?)?;
    Ok(())
}

/// Serve this provider's binary as hashicorp/aws too (Terraform only reads its schema).
fn override_aws(ws: &Workspace) -> Result<()> {
    let dir = ws.dir.path().join("aws-plugin");
    std::fs::create_dir_all(&dir)?;
    std::os::unix::fs::symlink(provider_bin(), dir.join("terraform-provider-aws"))?;
    let bin = provider_bin();
    let cfg = format!(
        "provider_installation {{\n  dev_overrides {{\n    \"mlops/mlops\" = \"{}\"\n    \"hashicorp/aws\" = \"{}\"\n  }}\n  direct {{}}\n}}\n",
        bin.parent().context("bin dir")?.display(),
        dir.display()
    );
    std::fs::write(ws.dir.path().join("cli.tfrc"), cfg)?;
    Ok(())
}

#[test]
fn moved_blocks_take_over_aws_provider_state() -> Result<()> {
    let emulator = Emulator::start()?;
    let ws = Workspace::new(&emulator, Install::DevOverride)?;
    ws.write_config(&format!("{}{}", provider_block(""), resources()))?;
    ws.tf_ok(&["apply", "-auto-approve", "-no-color"])?;
    let before = emulator.inventory()?;
    rewrite_as_aws(&ws)?;
    override_aws(&ws)?;

    ws.write_config(&format!("{}{}{MOVES}", provider_block(""), resources()))?;
    let plan = ws.tf_ok(&["plan", "-no-color"])?;
    let all = plan.all();
    for (from, to) in [
        (
            "aws_sagemaker_model_package_group.g",
            "mlops_model_package_group.g",
        ),
        ("aws_sagemaker_endpoint.e", "mlops_endpoint.e"),
        ("aws_sagemaker_pipeline.p", "mlops_pipeline.p"),
        ("aws_sagemaker_feature_group.f", "mlops_feature_view.f"),
    ] {
        // "has moved to", or "(moved from ...)" on a resource the plan also updates in place
        // (a pipeline's `definition` and a feature view's defaults are recorded, as after an
        // import).
        ensure!(
            all.contains(&format!("# {from} has moved to {to}"))
                || all.contains(&format!(
                    "# {to} will be updated in-place # (moved from {from})"
                )),
            "{from}: {all}"
        );
    }
    ensure!(
        all.contains(" 0 to add, ") && all.contains(" 0 to destroy"),
        "a move creates and destroys nothing:\n{all}"
    );
    ws.tf_ok(&["apply", "-auto-approve", "-no-color"])?;
    let state = ws.state()?;
    for a in [
        "mlops_model_package_group.g",
        "mlops_endpoint.e",
        "mlops_pipeline.p",
        "mlops_feature_view.f",
    ] {
        ensure!(state.has(a), "{a} not in state after the move");
    }
    ensure!(
        !std::fs::read_to_string(ws.work().join("terraform.tfstate"))?.contains("hashicorp/aws"),
        "aws resources left in state"
    );
    ws.assert_plan_empty()?;
    let after = emulator.inventory()?;
    for k in [
        "model_package_groups",
        "endpoints",
        "pipelines",
        "feature_groups",
    ] {
        ensure!(
            before["sagemaker"][k] == after["sagemaker"][k],
            "{k} changed by the move: {} -> {}",
            before["sagemaker"][k],
            after["sagemaker"][k]
        );
    }
    ws.tf_ok(&["destroy", "-auto-approve", "-no-color"])?;
    Ok(())
}

#[test]
fn unsupported_moves_are_refused_by_name() -> Result<()> {
    let emulator = Emulator::start()?;
    let ws = Workspace::new(&emulator, Install::DevOverride)?;
    ws.write_config(&format!(
        "{}resource \"mlops_model_package_group\" \"churn\" {{\n  name = \"mv-refused\"\n}}\n",
        provider_block("")
    ))?;
    ws.tf_ok(&["apply", "-auto-approve", "-no-color"])?;
    // The group's state, filed under a type mlops_endpoint does not take over.
    let path = ws.work().join("terraform.tfstate");
    let mut state: Json = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
    state["resources"][0]["type"] = json!("aws_sagemaker_model");
    state["resources"][0]["provider"] = json!(AWS);
    state["resources"][0]["instances"][0] = json!({
        "schema_version": 0, "attributes": {"id": "mv-refused", "name": "mv-refused"},
        "sensitive_attributes": [], "private": "bnVsbA==",
    });
    state["serial"] = json!(state["serial"].as_i64().unwrap_or(1) + 1);
    std::fs::write(&path, serde_json::to_string_pretty(&state)?)?;
    override_aws(&ws)?;
    ws.write_config(&format!(
        "{}resource \"mlops_endpoint\" \"x\" {{\n  name     = \"mv-refused\"\n  role_arn = \"arn:aws:iam::123456789012:role/r\"\n  model {{\n    image         = \"{IMAGE}\"\n    instance_type = \"ml.m5.large\"\n  }}\n}}\nmoved {{\n  from = aws_sagemaker_model.churn\n  to   = mlops_endpoint.x\n}}\n",
        provider_block("")
    ))?;
    let r = ws.tf(&["plan", "-no-color"])?;
    let all = r.all();
    ensure!(r.code != 0, "the move was accepted:\n{all}");
    ensure!(
        all.contains("Unsupported move")
            && all.contains("mlops_endpoint takes over the state of aws_sagemaker_endpoint (hashicorp/aws), not aws_sagemaker_model"),
        "{all}"
    );
    Ok(())
}
