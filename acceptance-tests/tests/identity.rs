//! Resource identity (Terraform 1.12+) with the real Terraform 1.15 CLI: every resource
//! records its identity in state, `import { identity = {...} }` adopts existing objects
//! (with `-generate-config-out` too), a bad identity is refused with the attribute named,
//! and Terraform 1.0.3 works on as before, without identities (and ignores query files).

use acceptance_tests::{provider_block, repo_root, Emulator, Install, Workspace};
use anyhow::{ensure, Context, Result};
use serde_json::{json, Value as Json};

fn resources() -> String {
    acceptance_tests::objects::one_of_each("id")
}

/// Identities as the state file records them, by address.
fn identities(ws: &Workspace) -> Result<Json> {
    let raw = std::fs::read_to_string(ws.work().join("terraform.tfstate"))?;
    let state: Json = serde_json::from_str(&raw)?;
    let mut out = serde_json::Map::new();
    for r in state["resources"].as_array().context("resources")? {
        let addr = format!(
            "{}.{}",
            r["type"].as_str().unwrap_or(""),
            r["name"].as_str().unwrap_or("")
        );
        out.insert(addr, r["instances"][0]["identity"].clone());
    }
    Ok(Json::Object(out))
}

fn expected() -> Json {
    json!({
        "mlops_model_package_group.g": {"name": "id-churn", "platform": "sagemaker"},
        "mlops_model_package.v": {"group": "id-churn", "version": 1, "platform": "sagemaker"},
        "mlops_endpoint.e": {"name": "id-churn", "namespace": null, "platform": "sagemaker"},
        "mlops_pipeline.p": {"name": "id-training"},
        "mlops_feature_view.f": {"name": "id-customers", "project": null, "platform": "sagemaker"},
    })
}

const IMPORTS: &str = r#"
import {
  to       = mlops_model_package_group.g
  identity = { name = "id-churn" }
}
import {
  to       = mlops_model_package.v
  identity = { group = "id-churn", version = 1 }
}
import {
  to       = mlops_endpoint.e
  identity = { name = "id-churn", platform = "sagemaker" }
}
import {
  to       = mlops_pipeline.p
  identity = { name = "id-training" }
}
import {
  to       = mlops_feature_view.f
  identity = { name = "id-customers" }
}
"#;

#[test]
fn identities_are_recorded_and_import_by_identity_adopts() -> Result<()> {
    let emulator = Emulator::start()?;
    let ws = Workspace::new(&emulator, Install::DevOverride)?;
    ws.write_config(&format!("{}{}", provider_block(""), resources()))?;
    ws.tf_ok(&["apply", "-auto-approve", "-no-color"])?;
    let ids = identities(&ws)?;
    ensure!(ids == expected(), "identities in state:\n{ids:#}");
    ws.assert_plan_empty()?;
    // A refresh keeps them.
    ws.tf_ok(&["apply", "-refresh-only", "-auto-approve", "-no-color"])?;
    ensure!(
        identities(&ws)? == expected(),
        "after refresh: {:#}",
        identities(&ws)?
    );

    // Forget everything, then adopt it again by identity alone.
    for a in [
        "mlops_endpoint.e",
        "mlops_feature_view.f",
        "mlops_pipeline.p",
        "mlops_model_package.v",
        "mlops_model_package_group.g",
    ] {
        ws.tf_ok(&["state", "rm", a])?;
    }
    ws.write_config(&format!("{}{}{IMPORTS}", provider_block(""), resources()))?;
    let plan = ws.tf_ok(&["plan", "-no-color"])?;
    let all = plan.all();
    // Nothing is created or destroyed. (An imported pipeline's step blocks and a feature
    // view's defaults are written back by an in-place update, as with an import by ID.)
    ensure!(
        all.contains("Plan: 5 to import, 0 to add,") && all.contains(" to change, 0 to destroy."),
        "{all}"
    );
    ws.tf_ok(&["apply", "-auto-approve", "-no-color"])?;
    let ids = identities(&ws)?;
    ensure!(ids == expected(), "identities after import:\n{ids:#}");
    ws.assert_plan_empty()?;
    ws.tf_ok(&["destroy", "-auto-approve", "-no-color"])?;
    Ok(())
}

#[test]
fn identity_import_generates_config_and_refuses_bad_identities() -> Result<()> {
    let emulator = Emulator::start()?;
    let ws = Workspace::new(&emulator, Install::DevOverride)?;
    ws.write_config(&format!("{}{}", provider_block(""), resources()))?;
    ws.tf_ok(&[
        "apply",
        "-auto-approve",
        "-no-color",
        "-target=mlops_model_package.v",
    ])?;
    ws.tf_ok(&[
        "state",
        "rm",
        "mlops_model_package.v",
        "mlops_model_package_group.g",
    ])?;

    // -generate-config-out from an identity
    ws.write_config(&format!(
        "{}import {{\n  to       = mlops_model_package_group.g\n  identity = {{ name = \"id-churn\" }}\n}}\n",
        provider_block("")
    ))?;
    ws.tf_ok(&["plan", "-no-color", "-generate-config-out=generated.tf"])?;
    let generated = std::fs::read_to_string(ws.work().join("generated.tf"))?;
    ensure!(
        generated.contains("resource \"mlops_model_package_group\" \"g\"")
            && generated.contains("name")
            && generated.contains("\"id-churn\""),
        "{generated}"
    );
    std::fs::remove_file(ws.work().join("generated.tf"))?;

    let cases: &[(&str, &str, &[&str])] = &[
        (
            "mlops_model_package_group",
            "{ name = \"id-churn\", platform = \"gcp\" }",
            &[
                "Unknown platform in import identity",
                "\"gcp\" is not one of \"sagemaker\", \"mlflow\"",
            ],
        ),
        (
            "mlops_endpoint",
            "{ name = \"churn\", platform = \"kserve\" }",
            &["Incomplete import identity", "needs its `namespace`"],
        ),
        (
            "mlops_model_package",
            "{ group = \"nope\", version = 1 }",
            &[
                "Cannot import non-existent model version",
                "no model package group \"nope\"",
            ],
        ),
        ("mlops_pipeline", "{ nmae = \"x\" }", &["nmae"]),
    ];
    for (ty, identity, want) in cases {
        ws.write_config(&format!(
            "{}import {{\n  to       = {ty}.x\n  identity = {identity}\n}}\n",
            provider_block("")
        ))?;
        let r = ws.tf(&["plan", "-no-color", "-generate-config-out=bad.tf"])?;
        let all = r.all();
        ensure!(r.code != 0, "{ty} {identity}: plan succeeded:\n{all}");
        for w in *want {
            ensure!(all.contains(w), "{ty} {identity}: {w:?} not in:\n{all}");
        }
    }
    ws.write_config(&format!("{}{}", provider_block(""), resources()))?;
    ws.tf_ok(&["destroy", "-auto-approve", "-no-color"])?;
    Ok(())
}

#[test]
fn terraform_1_0_applies_without_identities() -> Result<()> {
    let emulator = Emulator::start()?;
    let ws = Workspace::with_terraform(
        &emulator,
        Install::DevOverride,
        repo_root().join("scripts/terraform-1.0"),
    )?;
    ws.write_config(&format!("{}{}", provider_block(""), resources()))?;
    // A query file beside the configuration is not Terraform 1.0's business.
    std::fs::write(
        ws.work().join("all.tfquery.hcl"),
        "list \"mlops_endpoint\" \"all\" {\n  provider = mlops\n}\n",
    )?;
    ws.tf_ok(&["apply", "-auto-approve", "-no-color"])?;
    let ids = identities(&ws)?;
    ensure!(
        ids.as_object()
            .is_some_and(|o| o.len() == 5 && o.values().all(Json::is_null)),
        "Terraform 1.0.3 has no identities: {ids}"
    );
    ws.assert_plan_empty()?;
    ws.tf_ok(&["destroy", "-auto-approve", "-no-color"])?;
    Ok(())
}
