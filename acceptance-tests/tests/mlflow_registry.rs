//! The model registry on MLflow: `mlops_model_package_group`, `mlops_model_package` and the
//! `mlops_model_package` data source with an `mlflow` block, driven by the real Terraform
//! CLI against a real `mlflow server` (one per test), read back through MLflow's REST API
//! and changed out of band by the real MLflow Python client, as training code does.

use std::rc::Rc;
use std::time::{Duration, Instant};

use acceptance_tests::mlflow::MlflowServer;
use acceptance_tests::{provider_block, re, Emulator, Install, Step, TestCase, Workspace};
use anyhow::{ensure, Result};
use serde_json::{json, Value as Json};

fn mlflow_provider(uri: &str) -> String {
    provider_block(&format!(
        "  mlflow {{\n    tracking_uri    = \"{uri}\"\n    request_timeout = \"5s\"\n  }}\n"
    ))
}

fn group(extra: &str) -> String {
    format!("resource \"mlops_model_package_group\" \"g\" {{\n  name = \"churn\"\n  mlflow {{}}\n{extra}}}\n")
}

/// Version `n` of `churn`: `v2` is registered after `v1`, so the numbers are 1 and 2.
fn version(label: &str, n: u32, extra: &str) -> String {
    let after = if label == "v2" {
        "  depends_on = [mlops_model_package.v1]\n"
    } else {
        ""
    };
    format!(
        "resource \"mlops_model_package\" \"{label}\" {{\n  model_package_group_name = mlops_model_package_group.g.name\n{extra}{after}  mlflow {{\n    source = \"s3://models/churn/{n}\"\n  }}\n}}\n"
    )
}

const CHAMPION: &str = r#"
data "mlops_model_package" "champion" {
  model_package_group_name = mlops_model_package_group.g.name
  mlflow {}
  depends_on = [mlops_model_package.v1, mlops_model_package.v2]
}
output "champion_version" {
  value = data.mlops_model_package.champion.version_number
}
output "champion_files" {
  value = data.mlops_model_package.champion.model_data_url
}
"#;

/// Which version holds `alias` of `churn` (None: none does).
fn holder(s: &MlflowServer, alias: &str) -> Result<Option<String>> {
    let m = s.api("GET", "registered-models/get?name=churn", None)?;
    Ok(m["registered_model"]["aliases"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|a| a["alias"] == alias)
        .and_then(|a| a["version"].as_str().map(String::from)))
}

fn version_tags(s: &MlflowServer, v: u32) -> Result<Json> {
    let j = s.api(
        "GET",
        &format!("model-versions/get?name=churn&version={v}"),
        None,
    )?;
    Ok(Json::Object(
        j["model_version"]["tags"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|t| {
                (
                    t["key"].as_str().unwrap_or_default().to_string(),
                    t["value"].clone(),
                )
            })
            .collect(),
    ))
}

fn no_model_left(s: Rc<MlflowServer>) -> acceptance_tests::Check {
    Box::new(move |_| {
        let r = s.api("GET", "registered-models/search?max_results=100", None)?;
        ensure!(
            r["registered_models"]
                .as_array()
                .is_none_or(|a| a.is_empty()),
            "registered models left after destroy: {r}"
        );
        Ok(())
    })
}

/// Train and register a version of `churn` as a training job does; its version number.
const TRAIN: &str = r#"
import mlflow
from sklearn.linear_model import LogisticRegression
mlflow.set_experiment("churn")
with mlflow.start_run():
    m = LogisticRegression().fit([[0], [1]], [0, 1])
    info = mlflow.sklearn.log_model(m, name="model", registered_model_name="churn")
print(info.registered_model_version)
"#;

#[test]
fn registry_on_mlflow_lifecycle_alias_drift_import_force_destroy() -> Result<()> {
    let s = Rc::new(MlflowServer::start()?);
    let mut tc = TestCase::new("mlflow registry");
    tc.provider_block = mlflow_provider(&s.uri());
    tc.check_destroyed = Some(no_model_left(s.clone()));
    let base = |v1: &str, v2: &str| {
        format!(
            "{}{}{}",
            group("  description = \"Churn model\"\n  tags = { team = \"ml\" }\n"),
            version("v1", 1, v1),
            version("v2", 2, v2)
        )
    };
    let step1 = base(
        "  approval_status = \"Approved\"\n",
        "  tags = { stage = \"candidate\" }\n",
    );
    let sv = s.clone();
    let tc = tc
        // create: a registered model, two versions, v1 approved (holds champion)
        .step(Step {
            config: format!("{step1}{CHAMPION}"),
            check: Some(Box::new(move |ctx| {
                let m = sv.api("GET", "registered-models/get?name=churn", None)?;
                let m = &m["registered_model"];
                ensure!(m["description"] == "Churn model", "{m}");
                let tags: Vec<(String, String)> = m["tags"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|t| {
                        (
                            t["key"].as_str().unwrap_or_default().into(),
                            t["value"].as_str().unwrap_or_default().into(),
                        )
                    })
                    .collect();
                ensure!(
                    tags.contains(&("team".into(), "ml".into()))
                        && tags.contains(&(
                            "mlops:created-by".into(),
                            "terraform-provider-mlops".into()
                        )),
                    "tags {tags:?}"
                );
                ensure!(holder(&sv, "champion")?.as_deref() == Some("1"), "{m}");
                let st = &ctx.state;
                ensure!(st.str("mlops_model_package.v1", "approval_status")? == "Approved");
                ensure!(
                    st.str("mlops_model_package.v2", "approval_status")? == "PendingManualApproval"
                );
                ensure!(st.attr("mlops_model_package.v2", "version")? == json!(2));
                ensure!(
                    st.str("mlops_model_package.v1", "model_data_url")? == "s3://models/churn/1"
                );
                ensure!(st.attr("mlops_model_package.v1", "arn")?.is_null());
                let ui = st.attr("mlops_model_package_group.g", "mlflow")?;
                ensure!(
                    ui.to_string()
                        .contains(&format!("{}/#/models/churn", sv.uri())),
                    "ui_url {ui}"
                );
                // tags are the user's: the provider's own stay hidden
                ensure!(
                    st.attr("mlops_model_package.v2", "tags_all")? == json!({"stage": "candidate"}),
                    "{:?}",
                    st.attr("mlops_model_package.v2", "tags_all")
                );
                let v2 = version_tags(&sv, 2)?;
                ensure!(
                    v2["stage"] == "candidate"
                        && v2["mlops:created-by"] == "terraform-provider-mlops",
                    "{v2}"
                );
                ensure!(
                    v2["mlops:request"].is_string(),
                    "the request hash tag: {v2}"
                );
                let out = ctx.ws.tf_ok(&["output", "-json"])?.stdout;
                let out: Json = serde_json::from_str(&out)?;
                ensure!(out["champion_version"]["value"] == 1, "{out}");
                ensure!(
                    out["champion_files"]["value"] == "s3://models/churn/1",
                    "{out}"
                );
                Ok(())
            })),
            ..Default::default()
        });
    // update in place: description, tags, approval moves to v2 (v1 rejected)
    let step2 = format!(
        "{}{}{}",
        group("  description = \"Churn classifier\"\n  tags = { team = \"ml\", env = \"prod\" }\n"),
        version("v1", 1, "  approval_status = \"Rejected\"\n"),
        version(
            "v2",
            2,
            "  approval_status = \"Approved\"\n  approval_description = \"AUC 0.91\"\n  description = \"retrained\"\n  tags = { stage = \"prod\" }\n"
        )
    );
    let sv = s.clone();
    let tc = tc
        .step(Step {
            config: format!("{step2}{CHAMPION}"),
            expect_plan: Some(re(r#"(?s)mlops_model_package\.v1 will be updated in-place.*approval_status\s+= "Approved" -> "Rejected".*mlops_model_package\.v2 will be updated in-place.*mlops_model_package_group\.g will be updated in-place.*description\s+= "Churn model" -> "Churn classifier""#)),
            check: Some(Box::new(move |ctx| {
                let m = sv.api("GET", "registered-models/get?name=churn", None)?;
                ensure!(m["registered_model"]["description"] == "Churn classifier", "{m}");
                ensure!(holder(&sv, "champion")?.as_deref() == Some("2"), "{m}");
                let v1 = version_tags(&sv, 1)?;
                ensure!(v1["mlops:approval-status"] == "Rejected", "{v1}");
                let v2 = version_tags(&sv, 2)?;
                ensure!(v2["mlops:approval-description"] == "AUC 0.91" && v2["stage"] == "prod", "{v2}");
                let d = sv.api("GET", "model-versions/get?name=churn&version=2", None)?;
                ensure!(d["model_version"]["description"] == "retrained", "{d}");
                ensure!(ctx.state.attr("mlops_model_package.v2", "version")? == json!(2), "not replaced");
                Ok(())
            })),
            ..Default::default()
        });
    // drift: training code moves champion back to v1 -> the plan shows it, apply repairs it
    let sv = s.clone();
    let sv2 = s.clone();
    let tc = tc
        .step(Step {
            config: format!("{step2}{CHAMPION}"),
            before: Some(Box::new(move |_| {
                sv.client(r#"from mlflow import MlflowClient; MlflowClient().set_registered_model_alias("churn", "champion", "1")"#)?;
                Ok(())
            })),
            expect_plan: Some(re(r#"(?s)mlops_model_package\.v1 will be updated in-place.*approval_status\s+= "Approved" -> "Rejected".*mlops_model_package\.v2 will be updated in-place.*approval_status\s+= "PendingManualApproval" -> "Approved""#)),
            check: Some(Box::new(move |_| {
                ensure!(holder(&sv2, "champion")?.as_deref() == Some("2"), "champion back on v2");
                Ok(())
            })),
            ..Default::default()
        })
        // import, by mlflow:<name> and mlflow:<name>/<version>
        .step(Step {
            config: format!("{step2}{CHAMPION}"),
            import: Some(("mlops_model_package_group.g".into(), "mlflow:churn".into(), vec![])),
            ..Default::default()
        })
        .step(Step {
            config: format!("{step2}{CHAMPION}"),
            import: Some(("mlops_model_package.v2".into(), "mlflow:churn/2".into(), vec![])),
            ..Default::default()
        });
    // deleted out of band: planned for re-creation, registered again (a new number)
    let sv = s.clone();
    let tc = tc.step(Step {
        config: format!("{step2}{CHAMPION}"),
        before: Some(Box::new(move |_| {
            sv.api(
                "DELETE",
                "model-versions/delete",
                Some(&json!({"name": "churn", "version": "1"})),
            )?;
            Ok(())
        })),
        expect_plan: Some(re(r"mlops_model_package\.v1 will be created")),
        check: Some(Box::new(|ctx| {
            ensure!(ctx.state.attr("mlops_model_package.v1", "version")? == json!(3));
            Ok(())
        })),
        ..Default::default()
    });
    // reviewers (training code) own approval: a version registered and promoted out of
    // band shows in the next plan through the data source, and nothing else changes
    let reviewers = format!(
        "{}{}{}{CHAMPION}",
        group("  description = \"Churn classifier\"\n  tags = { team = \"ml\", env = \"prod\" }\n"),
        version("v1", 1, ""),
        version(
            "v2",
            2,
            "  approval_description = \"AUC 0.91\"\n  description = \"retrained\"\n  tags = { stage = \"prod\" }\n"
        )
    );
    let sv = s.clone();
    let tc = tc.step(Step {
        config: reviewers.clone(),
        before: Some(Box::new(move |_| {
            let v = sv.client(TRAIN)?;
            let v = v.lines().last().unwrap_or_default().trim().to_string();
            ensure!(v == "4", "training registered version {v}");
            sv.client(r#"from mlflow import MlflowClient; MlflowClient().set_registered_model_alias("churn", "champion", "4")"#)?;
            Ok(())
        })),
        expect_plan: Some(re(r"(?s)champion_version\s+= 2 -> 4")),
        check: Some(Box::new(|ctx| {
            let st = &ctx.state;
            ensure!(st.str("mlops_model_package.v2", "approval_status")? == "PendingManualApproval");
            let out: Json = serde_json::from_str(&ctx.ws.tf_ok(&["output", "-json"])?.stdout)?;
            let files = out["champion_files"]["value"].as_str().unwrap_or_default();
            ensure!(files.contains("/artifacts") && !files.starts_with("models:/"), "download URI {files}");
            Ok(())
        })),
        ..Default::default()
    });
    // destroying the model while training code's version 4 is in it is refused...
    let tc = tc.step(Step {
        config: String::new(),
        expect_error: Some(re(
            r"(?s)Registered model still holds versions.*versions 4.*force_destroy",
        )),
        ..Default::default()
    });
    // ...until force_destroy is set (the final destroy deletes the model and version 4)
    tc.step(Step {
        config: group("  description = \"Churn classifier\"\n  tags = { team = \"ml\", env = \"prod\" }\n  force_destroy = true\n"),
        ..Default::default()
    })
    .run()
}

/// Bad MLflow configurations fail at plan with the attribute named, and reach neither the
/// MLflow server nor AWS.
#[test]
fn invalid_mlflow_configs_are_refused_at_plan_with_no_api_call() -> Result<()> {
    let s = MlflowServer::start()?;
    let emulator = Emulator::start()?;
    let ws = Workspace::new(&emulator, Install::DevOverride)?;
    let cases: &[(&str, String, &str)] = &[
        (
            "group shared with accounts",
            group("  shared_with_accounts = [\"111111111111\"]\n"),
            r"(?s)Not available with MLflow.*shared_with_accounts",
        ),
        (
            "version with an image",
            format!("{}{}", group(""), version("v", 1, "  image = \"example/image:1\"\n")),
            r"(?s)Not available with MLflow.*image",
        ),
        (
            "version with metrics",
            format!("{}{}", group(""), version("v", 1, "  customer_metadata = { a = \"b\" }\n")),
            r"(?s)Not available with MLflow.*customer_metadata",
        ),
        (
            "reserved alias",
            format!("{}{}", group(""), version("v", 1, "").replace("    source", "    alias  = \"latest\"\n    source")),
            r"(?s)Reserved MLflow alias.*latest",
        ),
        (
            "alias with a dot",
            format!("{}{}", group(""), version("v", 1, "").replace("    source", "    alias  = \"prod.1\"\n    source")),
            r"(?s)Invalid.*alias",
        ),
        (
            "registered model as an ARN",
            "resource \"mlops_model_package\" \"v\" {\n  model_package_group_name = \"arn:aws:sagemaker:us-east-1:123456789012:model-package-group/churn\"\n  mlflow {\n    source = \"s3://m/1\"\n  }\n}\n".to_string(),
            r"(?s)Not an MLflow registered model",
        ),
        (
            "SageMaker version without image",
            "resource \"mlops_model_package\" \"v\" {\n  model_package_group_name = \"churn\"\n  model_data_url = \"s3://m/1.tar.gz\"\n}\n".to_string(),
            r"(?s)needs image.*mlflow block",
        ),
        (
            "lookup with a reserved alias",
            "data \"mlops_model_package\" \"c\" {\n  model_package_group_name = \"churn\"\n  mlflow {\n    alias = \"v2\"\n  }\n}\n".to_string(),
            r"(?s)Reserved MLflow alias",
        ),
    ];
    let mut failures = Vec::new();
    for (label, cfg, pattern) in cases {
        emulator.clear_requests()?;
        std::thread::sleep(Duration::from_millis(200));
        let before = s.api_calls();
        ws.write_config(&format!("{}{cfg}", mlflow_provider(&s.uri())))?;
        let r = ws.tf(&["plan", "-no-color", "-input=false"])?;
        let out = r.all();
        if r.code == 0 || !re(pattern).is_match(&out) {
            failures.push(format!("{label}: exit {} output:\n{out}", r.code));
            continue;
        }
        if !out.contains("with mlops_model_package")
            && !out.contains("with data.mlops_model_package")
        {
            failures.push(format!("{label}: no attribute location in:\n{out}"));
        }
        std::thread::sleep(Duration::from_millis(200));
        let after = s.api_calls();
        if after != before {
            failures.push(format!(
                "{label}: {} MLflow API calls at plan",
                after - before
            ));
        }
        let calls = emulator.calls()?;
        if !calls.is_empty() {
            failures.push(format!("{label}: AWS API calls were made: {calls:?}"));
        }
    }
    ensure!(failures.is_empty(), "{}", failures.join("\n\n"));
    Ok(())
}

/// A tracking server that is down fails the apply with a clear message within the request
/// timeout and its retries, and leaves nothing in state.
#[test]
fn a_server_that_is_down_is_a_clear_error_within_the_timeout() -> Result<()> {
    let port = std::net::TcpListener::bind(("127.0.0.1", 0))?
        .local_addr()?
        .port();
    let emulator = Emulator::start()?;
    let ws = Workspace::new(&emulator, Install::DevOverride)?;
    ws.write_config(&format!(
        "{}{}",
        mlflow_provider(&format!("http://127.0.0.1:{port}")),
        group("")
    ))?;
    let started = Instant::now();
    let r = ws.tf(&["apply", "-auto-approve", "-no-color", "-input=false"])?;
    let took = started.elapsed();
    let out = r.all();
    ensure!(r.code != 0, "apply succeeded against nothing:\n{out}");
    ensure!(
        out.contains("MLflow server unreachable") && out.contains(&format!("127.0.0.1:{port}")),
        "{out}"
    );
    ensure!(!out.contains("panicked"), "{out}");
    ensure!(took < Duration::from_secs(30), "took {took:?}");
    ensure!(
        !ws.state()?.has("mlops_model_package_group.g"),
        "nothing in state"
    );
    eprintln!("server down: apply failed after {:.1}s", took.as_secs_f64());
    Ok(())
}

/// The docs' example (examples/resources/mlops_model_package_group/mlflow.tf), as written.
#[test]
fn mlflow_example_applies() -> Result<()> {
    let s = Rc::new(MlflowServer::start()?);
    let hcl = std::fs::read_to_string(
        acceptance_tests::repo_root()
            .join("examples/resources/mlops_model_package_group/mlflow.tf"),
    )?;
    let mut tc = TestCase::new("mlflow example");
    tc.provider_block = mlflow_provider(&s.uri());
    tc.check_destroyed = Some(no_model_left(s.clone()));
    let sv = s.clone();
    tc.step(Step {
        config: hcl,
        check: Some(Box::new(move |ctx| {
            let m = sv.api("GET", "registered-models/get?name=churn-prediction", None)?;
            ensure!(
                m["registered_model"]["aliases"] == json!([{"alias": "champion", "version": "1"}]),
                "{m}"
            );
            let out: Json = serde_json::from_str(&ctx.ws.tf_ok(&["output", "-json"])?.stdout)?;
            let c = &out["champion"]["value"];
            ensure!(
                c["version"] == 1 && c["files"] == "s3://my-ml-bucket/churn/model-v1",
                "{out}"
            );
            ensure!(
                c["page"] == format!("{}/#/models/churn-prediction/versions/1", sv.uri()),
                "{out}"
            );
            Ok(())
        })),
        ..Default::default()
    })
    .run()
}
