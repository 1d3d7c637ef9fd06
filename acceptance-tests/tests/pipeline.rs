//! `mlops_pipeline` against the real Terraform CLI and the emulator: lifecycle, drift,
//! import, invalid configurations, and the reference pipelines compared with the SageMaker
//! Python SDK's output.

use std::path::PathBuf;
use std::process::Command;

use acceptance_tests::{
    ensure_rejected, re, repo_root, Emulator, Install, Step, TestCase, Workspace,
};
use anyhow::{bail, ensure, Context, Result};
use serde_json::Value as Json;

const ROLE: &str = "arn:aws:iam::123456789012:role/SageMakerExecution";
const IMAGE: &str = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1";

/// A small pipeline: preprocess -> train -> evaluate -> condition -> register / fail.
fn small(name: &str, eta: &str, extra_steps: &str, extra: &str) -> String {
    format!(
        r#"resource "mlops_pipeline" "p" {{
  name           = "{name}"
  role_arn       = "{ROLE}"
  default_bucket = "mlops-test"
{extra}
  parameter {{
    name    = "InputDataUrl"
    default = "s3://mlops-test/data.csv"
  }}
  parameter {{
    name    = "MseThreshold"
    type    = "Float"
    default = "7.5"
  }}

  step {{
    name = "Preprocess"
    processing {{
      image_uri     = "{IMAGE}"
      instance_type = "ml.m5.xlarge"
      code          = "s3://mlops-test/code/preprocess.py"
      input {{
        source      = "{{{{ parameters.InputDataUrl }}}}"
        destination = "/opt/ml/processing/input"
      }}
      output {{
        name   = "train"
        source = "/opt/ml/processing/train"
      }}
      output {{
        name   = "evaluation"
        source = "/opt/ml/processing/evaluation"
      }}
      property_file {{
        name   = "Report"
        output = "evaluation"
        path   = "evaluation.json"
      }}
    }}
  }}
  step {{
    name = "Train"
    retry {{
      exception_types = ["SageMaker.CAPACITY_ERROR"]
      max_attempts    = 3
    }}
    training {{
      image_uri     = "{IMAGE}"
      instance_type = "ml.m5.xlarge"
      output_path   = "s3://mlops-test/models"
      hyperparameters = {{
        eta       = "{eta}"
        num_round = "50"
      }}
      input {{
        channel      = "train"
        s3_uri       = "{{{{ steps.Preprocess.outputs.train }}}}"
        content_type = "text/csv"
      }}
    }}
  }}
  step {{
    name = "Check"
    condition {{
      comparison {{
        type  = "LessThanOrEqualTo"
        left  = "{{{{ steps.Preprocess.files.Report.regression_metrics.mse.value }}}}"
        right = "{{{{ parameters.MseThreshold }}}}"
      }}
      if_steps   = ["Register"]
      else_steps = ["TooBad"]
    }}
  }}
  step {{
    name = "Register"
    register_model {{
      model_package_group = "churn"
      image_uri           = "{IMAGE}"
      model_data_url      = "{{{{ steps.Train.model_artifacts }}}}"
      content_types       = ["text/csv"]
      response_types      = ["text/csv"]
    }}
  }}
  step {{
    name = "TooBad"
    fail {{
      error_message = "MSE above {{{{ parameters.MseThreshold }}}}"
    }}
  }}
{extra_steps}}}
"#
    )
}

fn remote_definition(ctx: &acceptance_tests::StepCtx<'_>, name: &str) -> Result<Json> {
    let sm = ctx.sagemaker();
    let d = ctx
        .rt
        .block_on(sm.describe_pipeline().pipeline_name(name).send())?;
    Ok(serde_json::from_str(
        d.pipeline_definition().unwrap_or("null"),
    )?)
}

fn find_step<'a>(steps: &'a Json, name: &str) -> Option<&'a Json> {
    steps.as_array()?.iter().find_map(|s| {
        if s["Name"] == name {
            return Some(s);
        }
        let a = &s["Arguments"];
        find_step(&a["IfSteps"], name).or_else(|| find_step(&a["ElseSteps"], name))
    })
}

fn no_pipeline_left() -> acceptance_tests::Check {
    Box::new(|ctx| {
        let sm = ctx.sagemaker();
        let l = ctx.rt.block_on(sm.list_pipelines().send())?;
        ensure!(
            l.pipeline_summaries().is_empty(),
            "pipelines left after destroy: {:?}",
            l.pipeline_summaries()
        );
        Ok(())
    })
}

#[test]
fn pipeline_lifecycle_update_drift_import_rename() -> Result<()> {
    let mut tc = TestCase::new("pipeline lifecycle");
    tc.check_destroyed = Some(no_pipeline_left());
    tc.step(Step {
        config: small("churn-training", "0.2", "", "  tags = { team = \"ds\" }\n"),
        check: Some(Box::new(|ctx| {
            let arn = ctx.state.str("mlops_pipeline.p", "arn")?;
            ensure!(arn.ends_with(":pipeline/churn-training"), "arn {arn}");
            let def = remote_definition(ctx, "churn-training")?;
            let ours: Json =
                serde_json::from_str(&ctx.state.str("mlops_pipeline.p", "definition_json")?)?;
            ensure!(def == ours, "remote definition differs from state");
            // top level: Preprocess, Train, Check; Register/TooBad nested in Check
            let names: Vec<&str> = def["Steps"]
                .as_array()
                .context("steps")?
                .iter()
                .filter_map(|s| s["Name"].as_str())
                .collect();
            ensure!(names == ["Preprocess", "Train", "Check"], "top-level steps {names:?}");
            let check = find_step(&def["Steps"], "Check").context("Check")?;
            ensure!(check["Arguments"]["IfSteps"][0]["Name"] == "Register");
            ensure!(check["Arguments"]["ElseSteps"][0]["Type"] == "Fail");
            ensure!(
                check["Arguments"]["Conditions"][0]["LeftValue"]["Std:JsonGet"]["PropertyFile"]["Get"]
                    == "Steps.Preprocess.PropertyFiles.Report"
            );
            let reg = find_step(&def["Steps"], "Register").context("Register")?;
            ensure!(
                reg["Arguments"]["InferenceSpecification"]["Containers"][0]["ModelDataUrl"]["Get"]
                    == "Steps.Train.ModelArtifacts.S3ModelArtifacts"
            );
            let train = find_step(&def["Steps"], "Train").context("Train")?;
            ensure!(train["RetryPolicies"][0]["MaxAttempts"] == 3);
            // default output location under default_bucket
            let pre = find_step(&def["Steps"], "Preprocess").context("Preprocess")?;
            let uri = &pre["Arguments"]["ProcessingOutputConfig"]["Outputs"][0]["S3Output"]["S3Uri"];
            ensure!(
                uri["Std:Join"]["Values"][0] == "s3://mlops-test/churn-training/",
                "default output {uri}"
            );
            let d = ctx.rt.block_on(
                ctx.sagemaker()
                    .describe_pipeline()
                    .pipeline_name("churn-training")
                    .send(),
            )?;
            ensure!(d.role_arn() == Some(ROLE));
            Ok(())
        })),
        ..Default::default()
    })
    // one step changes: an in-place update whose plan names that step's value
    .step(Step {
        config: small("churn-training", "0.3", "", "  tags = { team = \"ds\" }\n"),
        expect_plan: Some(re(
            r#"(?s)mlops_pipeline\.p will be updated in-place.*~ definition_json\s*= jsonencode\(.*~ \{ ~ Arguments = \{ ~ HyperParameters = \{ ~ eta\s*= "0\.2" -> "0\.3".*~ step \{ name = "Train".*~ "eta"\s*= "0\.2" -> "0\.3""#,
        )),
        check: Some(Box::new(|ctx| {
            let def = remote_definition(ctx, "churn-training")?;
            let train = find_step(&def["Steps"], "Train").context("Train")?;
            ensure!(train["Arguments"]["HyperParameters"]["eta"] == "0.3");
            Ok(())
        })),
        ..Default::default()
    })
    // add a step, start an execution on change
    .step(Step {
        config: small(
            "churn-training",
            "0.3",
            "  step {\n    name       = \"Notify\"\n    depends_on = [\"Train\"]\n    fail {\n      error_message = \"stop\"\n    }\n  }\n",
            "  tags = { team = \"ds\" }\n  start_on_change = true\n  description = \"Churn\"\n",
        ),
        expect_plan: Some(re(r"(?s)updated in-place.*last_execution_arn\s*=.*known after apply")),
        check: Some(Box::new(|ctx| {
            let exec = ctx.state.str("mlops_pipeline.p", "last_execution_arn")?;
            ensure!(exec.contains(":pipeline/churn-training/execution/"), "execution {exec}");
            let def = remote_definition(ctx, "churn-training")?;
            let n = find_step(&def["Steps"], "Notify").context("Notify")?;
            ensure!(n["DependsOn"] == serde_json::json!(["Train"]));
            Ok(())
        })),
        ..Default::default()
    })
    // drift: definition changed out of band -> plan restores it
    .step(Step {
        config: small(
            "churn-training",
            "0.3",
            "  step {\n    name       = \"Notify\"\n    depends_on = [\"Train\"]\n    fail {\n      error_message = \"stop\"\n    }\n  }\n",
            "  tags = { team = \"ds\" }\n  start_on_change = true\n  description = \"Churn\"\n",
        ),
        before: Some(Box::new(|ctx| {
            let mut def = remote_definition(ctx, "churn-training")?;
            def["Steps"][1]["Arguments"]["HyperParameters"]["eta"] = Json::from("0.9");
            ctx.rt.block_on(
                ctx.sagemaker()
                    .update_pipeline()
                    .pipeline_name("churn-training")
                    .pipeline_definition(def.to_string())
                    .pipeline_description("changed by hand")
                    .send(),
            )?;
            Ok(())
        })),
        expect_plan: Some(re(
            r#"(?s)updated in-place.*~ definition_json\s*= jsonencode\(.*~ eta\s*= "0\.9" -> "0\.3".*~ description\s*= "changed by hand" -> "Churn""#,
        )),
        check: Some(Box::new(|ctx| {
            let def = remote_definition(ctx, "churn-training")?;
            let train = find_step(&def["Steps"], "Train").context("Train")?;
            ensure!(train["Arguments"]["HyperParameters"]["eta"] == "0.3");
            Ok(())
        })),
        ..Default::default()
    })
    // deleted out of band -> re-created
    .step(Step {
        config: small("churn-training", "0.3", "", "  tags = { team = \"ds\" }\n"),
        before: Some(Box::new(|ctx| {
            ctx.rt.block_on(
                ctx.sagemaker()
                    .delete_pipeline()
                    .pipeline_name("churn-training")
                    .client_request_token("drift-delete-00000000000000000000000001")
                    .send(),
            )?;
            Ok(())
        })),
        expect_plan: Some(re(r"(?s)mlops_pipeline\.p will be created")),
        ..Default::default()
    })
    // import by name: the typed blocks cannot be read back from SageMaker, everything else
    // matches; the first apply after import records the blocks without any API write.
    .step(Step {
        config: small("churn-training", "0.3", "", "  tags = { team = \"ds\" }\n"),
        check: Some(Box::new(|ctx| {
            let before = ctx.state.attrs("mlops_pipeline.p")?.clone();
            ctx.ws.tf_ok(&["state", "rm", "-no-color", "mlops_pipeline.p"])?;
            ctx.ws.tf_ok(&["import", "-no-color", "-input=false", "mlops_pipeline.p", "churn-training"])?;
            let after = ctx.ws.state()?;
            let after = after.attrs("mlops_pipeline.p")?;
            for k in ["name", "arn", "role_arn", "definition_json", "tags", "tags_all", "description", "display_name", "max_parallel_steps"] {
                ensure!(before.get(k) == after.get(k), "imported {k}: {:?} != {:?}", after.get(k), before.get(k));
            }
            let plan = ctx.ws.tf(&["plan", "-no-color", "-detailed-exitcode", "-input=false"])?;
            ensure!(plan.code == 2, "plan after import: {}", plan.all());
            let out = plan.all();
            ensure!(out.contains("1 to change, 0 to destroy"), "plan after import: {out}");
            ensure!(!out.contains("~ definition_json"), "definition changes after import: {out}");
            ctx.emulator.clear_requests()?;
            ctx.ws.tf_ok(&["apply", "-auto-approve", "-no-color", "-input=false"])?;
            let calls = ctx.emulator.calls()?;
            let writes: Vec<_> = calls.keys().filter(|c| !c.contains(".Describe") && !c.contains(".List")).collect();
            ensure!(writes.is_empty(), "apply after import wrote: {writes:?}");
            ctx.ws.assert_plan_empty()
        })),
        ..Default::default()
    })
    // rename replaces
    .step(Step {
        config: small("churn-training-v2", "0.3", "", "  tags = { team = \"ds\" }\n"),
        expect_plan: Some(re(r#"(?s)must be replaced.*name\s*= "churn-training" -> "churn-training-v2" # forces replacement"#)),
        check: Some(Box::new(|ctx| {
            let l = ctx.rt.block_on(ctx.sagemaker().list_pipelines().send())?;
            let names: Vec<&str> = l
                .pipeline_summaries()
                .iter()
                .filter_map(|p| p.pipeline_name())
                .collect();
            ensure!(names == ["churn-training-v2"], "pipelines {names:?}");
            Ok(())
        })),
        ..Default::default()
    })
    .run()
}

#[test]
fn raw_definition_alternative() -> Result<()> {
    let def = r#"{"Version":"2020-12-01","Metadata":{},"Parameters":[],"Steps":[{"Name":"Stop","Type":"Fail","Arguments":{"ErrorMessage":"x"}}]}"#;
    let cfg = |msg: &str| {
        format!(
            "resource \"mlops_pipeline\" \"raw\" {{\n  name = \"raw-one\"\n  role_arn = \"{ROLE}\"\n  definition = jsonencode({{\n    Version = \"2020-12-01\"\n    Steps = [{{ Name = \"Stop\", Type = \"Fail\", Arguments = {{ ErrorMessage = \"{msg}\" }} }}]\n  }})\n}}\n"
        )
    };
    let _ = def;
    TestCase::new("raw definition")
        .step(Step {
            config: cfg("x"),
            check: Some(Box::new(|ctx| {
                let d = remote_definition(ctx, "raw-one")?;
                ensure!(d["Steps"][0]["Arguments"]["ErrorMessage"] == "x");
                Ok(())
            })),
            ..Default::default()
        })
        .step(Step {
            config: cfg("y"),
            expect_plan: Some(re(r#"(?s)~ ErrorMessage = "x" -> "y""#)),
            ..Default::default()
        })
        .run()
}

/// Invalid pipelines: each fails at plan with a diagnostic at the attribute, and no API call.
#[test]
fn invalid_pipelines_are_rejected_at_plan_without_api_calls() -> Result<()> {
    let emulator = Emulator::start()?;
    let ws = Workspace::new(&emulator, Install::DevOverride)?;
    let base = small("p", "0.2", "", "");
    let sub = |from: &str, to: &str| -> String {
        assert!(base.contains(from), "fixture lacks {from:?}");
        base.replacen(from, to, 1)
    };
    let extra = |steps: &str| small("p", "0.2", steps, "");
    let cases: Vec<(&str, String, &str)> = vec![
        ("reference to an undefined step", sub("steps.Train.model_artifacts", "steps.Trian.model_artifacts"),
            r#"(?s)Reference to an undefined step.*model_data_url = "\{\{ steps\.Trian\.model_artifacts \}\}".*no step named "Trian""#),
        ("reference to an undefined parameter", sub("parameters.InputDataUrl", "parameters.InputUrl"),
            r#"(?s)Reference to an undefined parameter.*no parameter named "InputUrl""#),
        ("unknown processing output", sub("steps.Preprocess.outputs.train", "steps.Preprocess.outputs.tran"),
            r#"(?s)Invalid step reference.*step "Preprocess" has no output named "tran""#),
        ("unknown property file", sub("files.Report.", "files.Rep."),
            r#"(?s)has no property_file named "Rep""#),
        ("wrong property for the step kind", sub("steps.Train.model_artifacts", "steps.Train.ModelArtefacts.S3"),
            r#"(?s)a training step has no property "ModelArtefacts""#),
        ("unclosed reference", sub("{{ parameters.InputDataUrl }}", "{{ parameters.InputDataUrl"),
            r"(?s)Invalid reference.*has no closing"),
        ("duplicate step name", sub("name = \"TooBad\"", "name = \"Train\""),
            r#"(?s)Duplicate step name.*"Train" is already used by step\[1\]"#),
        ("dependency cycle", sub("name = \"Preprocess\"\n", "name = \"Preprocess\"\n    depends_on = [\"Train\"]\n"),
            r"(?s)Dependency cycle.*These steps wait for each other: (Preprocess -> Train -> Preprocess|Train -> Preprocess -> Train)"),
        ("depends_on an unknown step", sub("name = \"Train\"\n", "name = \"Train\"\n    depends_on = [\"Nope\"]\n"),
            r#"(?s)depends_on = \["Nope"\].*no step named "Nope""#),
        ("condition branch to an undefined step", sub("else_steps = [\"TooBad\"]", "else_steps = [\"TooBadd\"]"),
            r#"(?s)else_steps = \["TooBadd"\].*no step named "TooBadd""#),
        ("step without a kind", extra("  step {\n    name = \"Empty\"\n  }\n"),
            r#"(?s)Step without a kind.*"Empty" needs exactly one of"#),
        ("step with two kinds", extra("  step {\n    name = \"Two\"\n    fail {}\n    processing {\n      image_uri = \"x\"\n      instance_type = \"ml.m5.xlarge\"\n    }\n  }\n"),
            r"(?s)Step with several kinds"),
        ("missing required field of a training step", sub("      output_path   = \"s3://mlops-test/models\"\n", ""),
            r#"(?s)Missing required argument.*"output_path" is required"#),
        ("bad instance type", sub("instance_type = \"ml.m5.xlarge\"\n      code", "instance_type = \"ml.m5.huge\"\n      code"),
            r#"(?s)Unsupported instance type.*"ml\.m5\.huge" is not an instance type for processing jobs"#),
        ("near-miss instance type", sub("instance_type = \"ml.m5.xlarge\"\n      code", "instance_type = \"ml.m5.xlarg\"\n      code"),
            r#"(?s)Unsupported instance type.*"ml\.m5\.xlarg" is not an instance type for processing jobs.*Did you mean "ml\.m5\.xlarge"\?"#),
        ("bad comparison type", sub("LessThanOrEqualTo", "LessOrEqual"),
            r#"(?s)"LessOrEqual" is not a valid value for step\[2\]\.condition\.comparison\[0\]\.type"#),
        ("bad parameter default", sub("default = \"7.5\"", "default = \"seven\""),
            r#"(?s)Default does not match the parameter type.*type Float"#),
        ("bad retry exception type", sub("SageMaker.CAPACITY_ERROR", "SageMaker.OOPS"),
            r#"(?s)Invalid retry exception type.*"SageMaker\.OOPS""#),
        ("job retry on a non-job step", sub("    register_model {", "    retry {\n      exception_types = [\"SageMaker.JOB_INTERNAL_ERROR\"]\n    }\n    register_model {"),
            r"(?s)Retry kind not available for this step.*not to a register_model step"),
        ("retry on a fail step", sub("    fail {\n      error_message = \"MSE", "    retry {\n      exception_types = [\"Step.THROTTLING\"]\n    }\n    fail {\n      error_message = \"MSE"),
            r"(?s)Step kind cannot retry.*A fail step takes no retry policy"),
        ("non-S3 input", sub("source      = \"{{ parameters.InputDataUrl }}\"", "source      = \"/tmp/data.csv\""),
            r#"(?s)Not an S3 URI.*"/tmp/data\.csv""#),
        ("local code that does not exist", sub("s3://mlops-test/code/preprocess.py", "/tmp/no-such-dir/preprocess.py"),
            r#"(?s)Cannot read pipeline code.*Cannot read "/tmp/no-such-dir/preprocess\.py""#),
        ("bad step name", sub("name = \"TooBad\"", "name = \"Too Bad\""),
            r#"(?s)"Too Bad" is not valid for step\[4\]\.name"#),
        ("bad instance count", sub("instance_type = \"ml.m5.xlarge\"\n      output_path", "instance_type = \"ml.m5.xlarge\"\n      instance_count = \"two\"\n      output_path"),
            r#"(?s)Not a whole number.*"two""#),
        ("steps and raw definition together", sub("  default_bucket = \"mlops-test\"\n", "  default_bucket = \"mlops-test\"\n  definition = \"{}\"\n"),
            r"(?s)Conflicting definition"),
        ("bad role ARN", sub(ROLE, "role/SageMaker"),
            r#"(?s)"role/SageMaker" is not valid for role_arn"#),
        ("bad cache duration", sub("name = \"Train\"\n", "name = \"Train\"\n    cache_expire_after = \"30 days\"\n"),
            r#"(?s)"30 days" is not valid for step\[1\]\.cache_expire_after"#),
    ];
    ensure_rejected(&ws, &emulator, &["mlops_pipeline.p"], &cases, &|_, _| None)?;
    Ok(())
}

/// The oracle's Python (for normalize.py / validate.py) and files.
fn oracle() -> Option<(PathBuf, PathBuf)> {
    let root = repo_root();
    let py = root.join(".venv/bin/python");
    let dir = root.join("acceptance-tests/oracle");
    (py.exists() && dir.join("normalize.py").exists()).then_some((py, dir))
}

/// Apply an example pipeline, then compare its definition with the SDK's output for the same
/// pipeline (after the documented normalisation) and validate it against the corrected schema.
fn compare_with_sdk(example: &str, output: &str, sdk_file: &str) -> Result<()> {
    let Some((py, dir)) = oracle() else {
        eprintln!("SKIP: acceptance-tests/oracle is not set up (run scripts/setup-python.sh)");
        return Ok(());
    };
    let sdk = dir.join("sdk").join(sdk_file);
    if !sdk.exists() {
        bail!("SDK output {} is missing", sdk.display());
    }
    let hcl = std::fs::read_to_string(
        repo_root()
            .join("examples/pipelines")
            .join(example)
            .join("main.tf"),
    )?;
    let out = std::env::temp_dir().join(format!(
        "mlops-oracle-{example}-{}.json",
        std::process::id()
    ));
    let out2 = out.clone();
    let output = output.to_string();
    let scripts = repo_root()
        .join("examples/pipelines")
        .join(example)
        .join("scripts");
    TestCase::new(&format!("oracle {example}"))
        .step(Step {
            config: hcl,
            // Local `code` (scripts/ beside the example) is uploaded to the default bucket.
            before: Some(Box::new(move |ctx| {
                if scripts.is_dir() {
                    acceptance_tests::copy_dir(&scripts, &ctx.ws.work().join("scripts"))?;
                }
                ctx.rt
                    .block_on(ctx.s3().create_bucket().bucket("mlops-ref").send())?;
                Ok(())
            })),
            check: Some(Box::new(move |ctx| {
                let r = ctx.ws.tf_ok(&["output", "-raw", &output])?;
                let def: Json = serde_json::from_str(&r.stdout)?;
                std::fs::write(&out2, serde_json::to_string_pretty(&def)?)?;
                Ok(())
            })),
            ..Default::default()
        })
        .run()?;
    let cmp = Command::new(&py)
        .arg(dir.join("normalize.py"))
        .arg(&out)
        .arg(&sdk)
        .output()?;
    ensure!(
        cmp.status.success(),
        "{example}: our definition differs from the SDK's:\n{}{}",
        String::from_utf8_lossy(&cmp.stdout),
        String::from_utf8_lossy(&cmp.stderr)
    );
    let val = Command::new(&py)
        .arg(dir.join("validate.py"))
        .arg(&out)
        .output()?;
    ensure!(
        val.status.success(),
        "{example}: definition fails the corrected schema:\n{}{}",
        String::from_utf8_lossy(&val.stdout),
        String::from_utf8_lossy(&val.stderr)
    );
    let _ = std::fs::remove_file(&out);
    Ok(())
}

#[test]
fn training_pipeline_matches_the_sdk() -> Result<()> {
    compare_with_sdk("training", "definition_json", "training.json")
}

/// The registry docs example (typed steps, two triggers, a notification) applies, plans
/// empty, and leaves nothing behind: no pipeline, rule, role, topic or subscription.
#[test]
fn docs_example_applies_and_cleans_up() -> Result<()> {
    let hcl =
        std::fs::read_to_string(repo_root().join("examples/resources/mlops_pipeline/resource.tf"))?;
    let mut tc = TestCase::new("docs example");
    tc.check_destroyed = Some(Box::new(|ctx| {
        ctx.emulator.assert_none_left(&[
            ("sagemaker", "pipelines"),
            ("events", "rules"),
            ("sns", "topics"),
            ("iam", "roles"),
        ])
    }));
    tc.step(Step {
        config: hcl,
        check: Some(Box::new(|ctx| {
            let inv = ctx.emulator.inventory()?;
            let rules = inv["events"]["rules"].to_string();
            ensure!(
                rules.contains("nightly") && rules.contains("new-data"),
                "rules: {rules}"
            );
            let t = ctx.state.attr("mlops_pipeline.retrain", "trigger")?;
            ensure!(
                t[0]["rule_arn"]
                    .as_str()
                    .is_some_and(|a| a.contains(":rule/")),
                "trigger {t}"
            );
            let n = ctx.state.attr("mlops_pipeline.retrain", "notification")?;
            ensure!(
                n[0]["topic_arn"]
                    .as_str()
                    .is_some_and(|a| a.contains(":sns:")),
                "notification {n}"
            );
            Ok(())
        })),
        ..Default::default()
    })
    .run()
}

#[test]
fn hpo_training_pipeline_matches_the_sdk() -> Result<()> {
    compare_with_sdk("hpo-training", "definition_json", "hpo_training.json")
}

#[test]
fn batch_inference_pipeline_matches_the_sdk() -> Result<()> {
    compare_with_sdk("batch-inference", "definition_json", "batch_inference.json")
}
