//! The approval loop of the reference architecture, on Terraform 1.15 and 1.0.3: versions
//! whose approval is left to reviewers (no `approval_status`) are approved in the registry;
//! the next plan shows only the endpoint's rollout to the newly approved version, never an
//! approval change back; a version with `ignore_changes` on its approval is never planned
//! for replacement; replacing an approved version is announced by a warning.

use std::path::PathBuf;

use acceptance_tests::{
    provider_block, re, repo_root, terraform_bin, Emulator, Install, Workspace,
};
use anyhow::{ensure, Result};
use aws_sdk_sagemaker::types::ModelApprovalStatus;

const IMAGE: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com/fraud:1";
const ROLE: &str = "arn:aws:iam::123456789012:role/SageMakerExecution";

fn config(v1_extra: &str) -> String {
    format!(
        r#"{}resource "mlops_model_package_group" "g" {{
  name          = "fraud"
  force_destroy = true
}}

resource "mlops_model_package" "v1" {{
  model_package_group_name = mlops_model_package_group.g.name
  image                    = "{IMAGE}"
  model_data_url           = "s3://models/fraud/v1/model.tar.gz"
  approval_status          = "Approved"
{v1_extra}}}

# approval left to reviewers
resource "mlops_model_package" "v2" {{
  model_package_group_name = mlops_model_package_group.g.name
  image                    = "{IMAGE}"
  model_data_url           = "s3://models/fraud/v2/model.tar.gz"
  depends_on               = [mlops_model_package.v1]
}}

# the older recipe: Terraform sets a status, then ignores what reviewers do
resource "mlops_model_package" "v3" {{
  model_package_group_name = mlops_model_package_group.g.name
  image                    = "{IMAGE}"
  model_data_url           = "s3://models/fraud/v3/model.tar.gz"
  approval_status          = "PendingManualApproval"
  depends_on               = [mlops_model_package.v2]
  lifecycle {{
    ignore_changes = [approval_status, approval_description]
  }}
}}

resource "mlops_endpoint" "e" {{
  name     = "fraud"
  role_arn = "{ROLE}"
  model {{
    model_package_group = mlops_model_package_group.g.name
    instance_type       = "ml.m5.large"
  }}
  rollout {{
    wait_seconds = 0
  }}
  depends_on = [mlops_model_package.v1, mlops_model_package.v2, mlops_model_package.v3]
}}
"#,
        provider_block("")
    )
}

fn served(ws: &Workspace) -> Result<String> {
    let model = ws.state()?.attr("mlops_endpoint.e", "model")?;
    Ok(model["model_package_arn"]
        .as_str()
        .unwrap_or_default()
        .to_string())
}

fn approval_loop(terraform: PathBuf) -> Result<()> {
    let emulator = Emulator::start()?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let ws = Workspace::with_terraform(&emulator, Install::DevOverride, terraform)?;
    ws.write_config(&config(""))?;
    ws.tf_ok(&["apply", "-auto-approve", "-no-color", "-input=false"])?;
    ws.assert_plan_empty()?;
    let state = ws.state()?;
    let (v1, v2) = (
        state.str("mlops_model_package.v1", "arn")?,
        state.str("mlops_model_package.v2", "arn")?,
    );
    ensure!(
        state.str("mlops_model_package.v2", "approval_status")? == "PendingManualApproval",
        "a version without approval_status starts pending"
    );
    ensure!(
        served(&ws)? == v1,
        "serves {} before the approval",
        served(&ws)?
    );

    // a reviewer rejects v3 (whose approval Terraform ignores) and approves v2
    let v3 = state.str("mlops_model_package.v3", "arn")?;
    rt.block_on(
        emulator
            .sagemaker(&rt)
            .update_model_package()
            .model_package_arn(&v3)
            .model_approval_status(ModelApprovalStatus::Rejected)
            .send(),
    )?;
    rt.block_on(
        emulator
            .sagemaker(&rt)
            .update_model_package()
            .model_package_arn(&v2)
            .model_approval_status(ModelApprovalStatus::Approved)
            .approval_description("holdout F1 0.91")
            .send(),
    )?;
    let plan = ws.tf(&["plan", "-no-color", "-detailed-exitcode", "-input=false"])?;
    ensure!(
        plan.code == 2,
        "the approval must show as a rollout:\n{}",
        plan.all()
    );
    let shown = acceptance_tests::normalize(&plan.stdout);
    ensure!(
        re(&format!(
            r#"mlops_endpoint\.e will be updated in-place.*model_package_arn = "{v1}" -> "{v2}""#
        ))
        .is_match(&shown),
        "plan does not roll the endpoint to v2:\n{}",
        plan.stdout
    );
    ensure!(!plan.stdout.contains("must be replaced"), "{}", plan.stdout);
    // what the plan will do (Terraform 1.0 prints the detected drift before it)
    let actions = plan
        .stdout
        .split("Terraform will perform the following actions:")
        .nth(1)
        .unwrap_or_default();
    ensure!(
        !re(r"approval_(status|description)\s*=[^\n]*->").is_match(actions)
            && !actions.contains("mlops_model_package.v2 will be"),
        "the plan reverts the reviewer's approval:\n{}",
        plan.stdout
    );
    // Terraform 1.0 hands `{}` for the unset maps of an object whose ignore_changes it
    // processed: v3 may show them once as `+ x = {}` (planned as the configuration says),
    // an update that calls no API; never a replacement or any other change.
    if let Some(v3_block) = actions
        .split("# mlops_model_package.v3 will be updated in-place")
        .nth(1)
    {
        let body = v3_block.split("\n    }").next().unwrap_or_default();
        for line in body
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with(['+', '~', '-']) && !l.contains("resource \""))
        {
            ensure!(
                re(r"^\+ \w+\s*= \{\}$").is_match(line),
                "v3 changes: {line}\n{}",
                plan.stdout
            );
        }
    }
    println!("plan after the out-of-band approval:\n{}", plan.stdout);
    let updates_before = emulator
        .calls()?
        .get("sagemaker.UpdateModelPackage")
        .copied()
        .unwrap_or(0);
    ws.tf_ok(&["apply", "-auto-approve", "-no-color", "-input=false"])?;
    ws.assert_plan_empty()?;
    ensure!(
        served(&ws)? == v2,
        "serves {} after the approval",
        served(&ws)?
    );
    let updates = emulator
        .calls()?
        .get("sagemaker.UpdateModelPackage")
        .copied()
        .unwrap_or(0);
    ensure!(
        updates == updates_before,
        "the apply changed a model version ({} UpdateModelPackage calls)",
        updates - updates_before
    );
    let d = rt.block_on(
        emulator
            .sagemaker(&rt)
            .describe_model_package()
            .model_package_name(&v2)
            .send(),
    )?;
    ensure!(
        d.model_approval_status() == Some(&ModelApprovalStatus::Approved)
            && d.approval_description() == Some("holdout F1 0.91"),
        "the apply changed the reviewer's decision: {:?}",
        d.model_approval_status()
    );
    ensure!(
        ws.state()?
            .str("mlops_model_package.v2", "approval_description")?
            == "holdout F1 0.91",
        "the reviewer's description is recorded"
    );

    // metrics cannot be added in place: replacing approved v1 is announced
    ws.write_config(&config(
        "  metrics {\n    model_quality_statistics = \"s3://models/fraud/v1/evaluation.json\"\n  }\n",
    ))?;
    let plan = ws.tf(&["plan", "-no-color", "-input=false"])?;
    ensure!(plan.code == 0, "{}", plan.all());
    let all = acceptance_tests::normalize(&plan.all());
    ensure!(
        all.contains("mlops_model_package.v1 must be replaced")
            && all.contains("Warning: An approved model version will be replaced")
            && all.contains(&format!("{v1} is Approved")),
        "replacing an approved version must be announced:\n{}",
        plan.all()
    );
    ws.write_config(&config(""))?;
    ws.tf_ok(&["destroy", "-auto-approve", "-no-color", "-input=false"])?;
    Ok(())
}

#[test]
fn reviewers_approve_terraform_rolls_out() -> Result<()> {
    approval_loop(terraform_bin())
}

#[test]
fn reviewers_approve_terraform_rolls_out_on_terraform_1_0() -> Result<()> {
    approval_loop(repo_root().join("scripts/terraform-1.0"))
}

/// Messages for bad values say what is allowed in plain words and suggest the near miss.
#[test]
fn invalid_values_are_explained_in_plain_words() -> Result<()> {
    let emulator = Emulator::start()?;
    let ws = Workspace::new(&emulator, Install::DevOverride)?;
    ws.write_config(&format!(
        r#"{}resource "mlops_model_package_group" "g" {{
  name = "churn_model"
}}
resource "mlops_model_package" "v" {{
  model_package_group_name = "churn"
  image                    = "{IMAGE}"
  model_data_url           = "s3://models/v/model.tar.gz"
  approval_status          = "approved"
}}
"#,
        provider_block("")
    ))?;
    let plan = ws.tf(&["plan", "-no-color", "-input=false"])?;
    let all = acceptance_tests::normalize(&plan.all());
    ensure!(plan.code != 0, "{all}");
    ensure!(
        all.contains(
            r#""churn_model" is not valid for name: use 1-63 letters, digits and hyphens"#
        ) && !all.contains("must match"),
        "no plain-words pattern message:\n{all}"
    );
    ensure!(
        all.contains(
            r#""approved" is not a valid value for approval_status. Did you mean "Approved"?"#
        ),
        "no suggestion for the near miss:\n{all}"
    );
    ensure!(
        emulator
            .calls()?
            .keys()
            .all(|k| !k.starts_with("sagemaker.")),
        "API called at plan"
    );
    Ok(())
}

/// The README's lookup pattern: a pending change elsewhere does not defer the lookup (a
/// `depends_on` on the data source would make every value read from it "known after
/// apply" in such plans).
#[test]
fn latest_approved_lookup_stays_known_in_plans() -> Result<()> {
    let emulator = Emulator::start()?;
    let ws = Workspace::new(&emulator, Install::DevOverride)?;
    let config = |team: &str| {
        format!(
            r#"{}resource "mlops_model_package_group" "churn" {{
  name = "churn-prediction"
  tags = {{ team = "{team}" }}
}}
resource "mlops_model_package" "v1" {{
  model_package_group_name = mlops_model_package_group.churn.name
  image                    = "{IMAGE}"
  model_data_url           = "s3://my-ml-bucket/churn/model-v1/model.tar.gz"
  approval_status          = "Approved"
}}
data "mlops_model_package" "serving" {{
  model_package_group_name = mlops_model_package.v1.model_package_group_name
}}
output "serving" {{
  value = data.mlops_model_package.serving.arn
}}
"#,
            provider_block("")
        )
    };
    ws.write_config(&config("ml"))?;
    ws.tf_ok(&["apply", "-auto-approve", "-no-color", "-input=false"])?;
    ws.assert_plan_empty()?;
    ws.write_config(&config("ml-platform"))?;
    let plan = ws.tf(&["plan", "-no-color", "-input=false"])?;
    ensure!(plan.code == 0, "{}", plan.all());
    ensure!(
        plan.stdout
            .contains("mlops_model_package_group.churn will be updated in-place")
            && !plan.stdout.contains("known after apply"),
        "a pending change deferred the lookup:\n{}",
        plan.stdout
    );
    ws.tf_ok(&["destroy", "-auto-approve", "-no-color", "-input=false"])?;
    Ok(())
}
