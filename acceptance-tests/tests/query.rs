//! List resources (`terraform query`, Terraform 1.14+) with the real Terraform 1.15 CLI:
//! objects made elsewhere are found with their identities, filters and limits apply, and
//! `-generate-config-out` writes resource and `import` blocks that adopt them.

use acceptance_tests::{provider_block, Emulator, Install, Workspace};
use anyhow::{ensure, Result};

const IMAGE: &str = acceptance_tests::objects::IMAGE;

/// Objects another team made (here: another workspace), none managed by the query's: one of
/// each, two more groups and an unapproved version 2.
fn elsewhere() -> String {
    let mut hcl = acceptance_tests::objects::one_of_each("q");
    for g in ["q-fraud", "other"] {
        hcl +=
            &format!("resource \"mlops_model_package_group\" \"{g}\" {{\n  name = \"{g}\"\n}}\n");
    }
    hcl += &format!(
        r#"resource "mlops_model_package" "v2" {{
  model_package_group_name = mlops_model_package_group.g.name
  image                    = "{IMAGE}"
  model_data_url           = "s3://mlops-test/models/2.tar.gz"
  depends_on               = [mlops_model_package.v]
}}
"#
    );
    hcl
}

const QUERY: &str = r#"
list "mlops_model_package_group" "groups" {
  provider = mlops
  config {
    name_contains = "q-"
  }
}

list "mlops_model_package" "approved" {
  provider = mlops
  config {
    model_package_group_name = "q-churn"
    approval_status          = "Approved"
  }
}

list "mlops_endpoint" "all" {
  provider = mlops
}

list "mlops_pipeline" "training" {
  provider = mlops
  config {
    name_prefix = "q"
  }
}

list "mlops_feature_view" "all" {
  provider = mlops
  limit    = 5
}
"#;

#[test]
fn query_finds_objects_and_generates_config_that_imports_them() -> Result<()> {
    let emulator = Emulator::start()?;
    let other = Workspace::new(&emulator, Install::DevOverride)?;
    other.write_config(&format!("{}{}", provider_block(""), elsewhere()))?;
    other.tf_ok(&["apply", "-auto-approve", "-no-color"])?;

    let mut ws = Workspace::new(&emulator, Install::DevOverride)?;
    // One object per page: the listers follow SageMaker's NextToken.
    ws.env.push(("MLOPS_LIST_PAGE_SIZE".into(), "1".into()));
    ws.write_config(&provider_block(""))?;
    std::fs::write(ws.work().join("discover.tfquery.hcl"), QUERY)?;
    let q = ws.tf_ok(&["query", "-no-color"])?;
    let all = q.all();
    for want in [
        "list.mlops_model_package_group.groups",
        "q-churn",
        "q-fraud",
        "q-churn version 1",
        "list.mlops_endpoint.all",
        "q-training",
        "q-customers",
    ] {
        ensure!(
            all.contains(want),
            "{want:?} not found by the query:\n{all}"
        );
    }
    // Filters: the group "other" and the unapproved version 2 are left out.
    ensure!(!all.contains(" other"), "name_contains ignored:\n{all}");
    ensure!(
        !all.contains("q-churn version 2"),
        "approval_status ignored:\n{all}"
    );

    ws.tf_ok(&["query", "-no-color", "-generate-config-out=generated.tf"])?;
    let generated = std::fs::read_to_string(ws.work().join("generated.tf"))?;
    for want in [
        "resource \"mlops_model_package_group\"",
        "resource \"mlops_endpoint\"",
        "resource \"mlops_pipeline\"",
        "resource \"mlops_feature_view\"",
        "import {",
        "identity = {",
    ] {
        ensure!(
            generated.contains(want),
            "{want:?} not in generated config:\n{generated}"
        );
    }
    std::fs::remove_file(ws.work().join("discover.tfquery.hcl"))?;
    let plan = ws.tf_ok(&["plan", "-no-color"])?;
    let p = plan.all();
    ensure!(
        p.contains("Plan: 6 to import, 0 to add,") && p.contains(" 0 to destroy"),
        "the generated configuration adopts the 6 objects found:\n{p}"
    );
    ws.tf_ok(&["apply", "-auto-approve", "-no-color"])?;
    ensure!(ws.state()?.resources().len() == 6, "six imported");
    Ok(())
}

#[test]
fn query_config_is_validated() -> Result<()> {
    let emulator = Emulator::start()?;
    let ws = Workspace::new(&emulator, Install::DevOverride)?;
    ws.write_config(&provider_block(""))?;
    std::fs::write(
        ws.work().join("bad.tfquery.hcl"),
        "list \"mlops_model_package\" \"v\" {\n  provider = mlops\n  config {\n    model_package_group_name = \"bad name!\"\n    approval_status = \"Maybe\"\n  }\n}\nlist \"mlops_pipeline\" \"p\" {\n  provider = mlops\n  config {\n    name_prefix = \"q-\"\n  }\n}\n",
    )?;
    let r = ws.tf(&["query", "-no-color"])?;
    let all = r.all();
    ensure!(r.code != 0, "a bad list config was accepted:\n{all}");
    for want in ["model_package_group_name", "approval_status", "name_prefix"] {
        ensure!(all.contains(want), "{want} not named:\n{all}");
    }
    ensure!(
        !all.contains("ListPipelines"),
        "refused before any API call:\n{all}"
    );
    Ok(())
}

/// The docs' examples (examples/list-resources/*/query.tfquery.hcl) run as written; the
/// monitor's finds the monitor whose schedules an endpoint has.
#[test]
fn list_resource_examples_run() -> Result<()> {
    let emulator = Emulator::start()?;
    let dir = acceptance_tests::repo_root().join("examples/list-resources");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir)? {
        let path = entry?.path().join("query.tfquery.hcl");
        let ws = Workspace::new(&emulator, Install::DevOverride)?;
        ws.write_config(&provider_block(""))?;
        std::fs::copy(&path, ws.work().join("example.tfquery.hcl"))?;
        let r = ws.tf_ok(&["query", "-no-color"])?;
        ensure!(r.code == 0, "{}: {}", path.display(), r.all());
        seen += 1;
    }
    ensure!(seen == 6, "expected 6 list examples, found {seen}");
    Ok(())
}
