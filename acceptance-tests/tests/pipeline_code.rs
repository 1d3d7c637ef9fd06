//! `mlops_pipeline` with local `code` (a script in the repository instead of an S3 URI),
//! against the real Terraform CLI and the emulator's S3: the script is uploaded
//! content-addressed (`s3://<default_bucket>/<pipeline>/code/<sha256>/<file>`), a changed
//! script plans as a new key, old keys stay, a saved plan whose script changed since is
//! refused before any write, and a missing file or bucket fails at plan with the path.

use std::path::Path;

use acceptance_tests::{re, Step, StepCtx, TestCase};
use anyhow::{ensure, Context, Result};
use serde_json::Value as Json;

const ROLE: &str = "arn:aws:iam::123456789012:role/SageMakerExecution";
const IMAGE: &str =
    "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3";
const BUCKET: &str = "mlops-code";
const PIPELINE: &str = "churn-code";

const V1: &str = "print('preprocess v1')\n";
const V2: &str = "import sys\nprint('preprocess v2', sys.argv)\n";

/// The child module: one pipeline whose processing step runs `scripts/preprocess.py` next to
/// the module (`${path.module}`), the way a team keeps its scripts beside its HCL.
fn module_hcl(bucket: &str) -> String {
    format!(
        r#"terraform {{
  required_providers {{
    mlops = {{ source = "mlops/mlops" }}
  }}
}}

variable "script" {{
  type    = string
  default = "preprocess.py"
}}

resource "mlops_pipeline" "p" {{
  name           = "{PIPELINE}"
  role_arn       = "{ROLE}"
  default_bucket = "{bucket}"

  step {{
    name = "Preprocess"
    processing {{
      image_uri     = "{IMAGE}"
      instance_type = "ml.m5.xlarge"
      code          = "${{path.module}}/scripts/${{var.script}}"
      arguments     = ["--split", "0.2"]
      output {{
        name        = "train"
        source      = "/opt/ml/processing/train"
        destination = "s3://{bucket}/data/train"
      }}
    }}
  }}
}}

output "definition" {{
  value = mlops_pipeline.p.definition_json
}}
"#
    )
}

const ROOT: &str = "module \"train\" {\n  source = \"./modules/train\"\n}\n";

fn sha256_hex(s: &str) -> String {
    // The test computes the digest on its own (python's hashlib), not with the provider's
    // code, so a wrong digest in the provider cannot agree with itself.
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import hashlib,sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().expect("stdin").write_all(s.as_bytes())?;
            c.wait_with_output()
        })
        .expect("python3 runs");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn key_of(content: &str) -> String {
    format!("{PIPELINE}/code/{}/preprocess.py", sha256_hex(content))
}

fn write_module(dir: &Path, bucket: &str, script: Option<&str>) -> Result<()> {
    let m = dir.join("modules/train");
    std::fs::create_dir_all(m.join("scripts"))?;
    std::fs::write(m.join("main.tf"), module_hcl(bucket))?;
    if let Some(s) = script {
        std::fs::write(m.join("scripts/preprocess.py"), s)?;
    }
    Ok(())
}

fn set_script(ctx: &StepCtx<'_>, content: &str) -> Result<()> {
    std::fs::write(
        ctx.ws.work().join("modules/train/scripts/preprocess.py"),
        content,
    )?;
    Ok(())
}

/// The content of `s3://BUCKET/<key>`, `None` when absent.
fn object(ctx: &StepCtx<'_>, key: &str) -> Result<Option<String>> {
    let s3 = ctx.s3();
    match ctx
        .rt
        .block_on(s3.get_object().bucket(BUCKET).key(key).send())
    {
        Ok(o) => {
            let body = ctx.rt.block_on(o.body.collect())?.into_bytes();
            Ok(Some(String::from_utf8_lossy(&body).into_owned()))
        }
        Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => Ok(None),
        Err(e) => Err(anyhow::Error::new(e).context(format!("GetObject {key}"))),
    }
}

fn processing_args(ctx: &StepCtx<'_>) -> Result<Json> {
    let d = ctx.rt.block_on(
        ctx.sagemaker()
            .describe_pipeline()
            .pipeline_name(PIPELINE)
            .send(),
    )?;
    let def: Json = serde_json::from_str(d.pipeline_definition().unwrap_or("null"))?;
    Ok(def["Steps"][0]["Arguments"].clone())
}

fn code_uri(args: &Json) -> Result<String> {
    let inputs = args["ProcessingInputs"].as_array().context("inputs")?;
    let code = inputs
        .iter()
        .find(|i| i["InputName"] == "code")
        .context("no code input")?;
    ensure!(code["S3Input"]["LocalPath"] == "/opt/ml/processing/input/code");
    code["S3Input"]["S3Uri"]
        .as_str()
        .map(String::from)
        .context("S3Uri")
}

#[test]
fn local_code_is_uploaded_content_addressed_and_old_keys_stay() -> Result<()> {
    let mut tc = TestCase::new("pipeline local code");
    tc.check_destroyed = Some(Box::new(|ctx| {
        let l = ctx.rt.block_on(ctx.sagemaker().list_pipelines().send())?;
        ensure!(l.pipeline_summaries().is_empty(), "pipeline left");
        // Code objects are kept: an execution started before the destroy may still read them.
        ensure!(
            object(ctx, &key_of(V1))?.as_deref() == Some(V1),
            "v1 code removed"
        );
        ensure!(
            object(ctx, &key_of(V2))?.as_deref() == Some(V2),
            "v2 code removed"
        );
        Ok(())
    }));
    tc.step(Step {
        config: ROOT.into(),
        before: Some(Box::new(|ctx| {
            write_module(&ctx.ws.work(), BUCKET, Some(V1))?;
            ctx.rt
                .block_on(ctx.s3().create_bucket().bucket(BUCKET).send())?;
            ctx.ws.tf_ok(&["get", "-no-color"])?;
            ctx.emulator.clear_requests()?;
            Ok(())
        })),
        check: Some(Box::new(|ctx| {
            let key = key_of(V1);
            ensure!(object(ctx, &key)?.as_deref() == Some(V1), "v1 not at {key}");
            let args = processing_args(ctx)?;
            ensure!(code_uri(&args)? == format!("s3://{BUCKET}/{key}"), "code uri {args}");
            ensure!(
                args["AppSpecification"]["ContainerEntrypoint"]
                    == serde_json::json!(["python3", "/opt/ml/processing/input/code/preprocess.py"]),
                "entrypoint {args}"
            );
            let ours = ctx.state.str("module.train.mlops_pipeline.p", "definition_json")?;
            ensure!(ours.contains(&key), "state definition lacks {key}: {ours}");
            // One upload, and it came before the pipeline existed.
            let log = ctx.emulator.requests()?;
            let ops: Vec<String> = log
                .iter()
                .filter_map(|r| Some(format!("{}.{}", r["service"].as_str()?, r["operation"].as_str()?)))
                .collect();
            let put = ops.iter().position(|o| o == "s3.PutObject").context(format!("no PutObject in {ops:?}"))?;
            let create = ops
                .iter()
                .position(|o| o == "sagemaker.CreatePipeline")
                .context("no CreatePipeline")?;
            ensure!(put < create, "PutObject after CreatePipeline: {ops:?}");
            ensure!(ops.iter().filter(|o| *o == "s3.PutObject").count() == 1, "{ops:?}");
            Ok(())
        })),
        ..Default::default()
    })
    // The script changes: the plan shows the new key; the apply uploads it, the old one stays.
    .step(Step {
        config: ROOT.into(),
        before: Some(Box::new(|ctx| set_script(ctx, V2))),
        expect_plan: Some(re(&format!(
            r#"(?s)module\.train\.mlops_pipeline\.p will be updated in-place.*~ definition_json\s*= jsonencode\(.*"s3://{BUCKET}/{}" -> "s3://{BUCKET}/{}""#,
            regex::escape(&key_of(V1)),
            regex::escape(&key_of(V2)),
        ))),
        check: Some(Box::new(|ctx| {
            ensure!(object(ctx, &key_of(V2))?.as_deref() == Some(V2), "v2 not uploaded");
            ensure!(object(ctx, &key_of(V1))?.as_deref() == Some(V1), "v1 was removed");
            let args = processing_args(ctx)?;
            ensure!(code_uri(&args)? == format!("s3://{BUCKET}/{}", key_of(V2)));
            // No change, no call: a refresh-free plan reads no file from S3.
            ctx.emulator.clear_requests()?;
            ctx.ws.tf_ok(&["plan", "-refresh=false", "-no-color", "-input=false"])?;
            let calls = ctx.emulator.calls()?;
            ensure!(calls.is_empty(), "plan made API calls: {calls:?}");
            Ok(())
        })),
        ..Default::default()
    })
    // The script changes between plan and apply: the saved plan is refused before any write.
    .step(Step {
        config: ROOT.into(),
        check: Some(Box::new(|ctx| {
            let v3 = "print('edited after the plan')\n";
            set_script(ctx, "print('planned v3')\n")?;
            ctx.ws
                .tf_ok(&["plan", "-out=code.tfplan", "-no-color", "-input=false"])?;
            set_script(ctx, v3)?;
            ctx.emulator.clear_requests()?;
            let r = ctx.ws.tf(&["apply", "-no-color", "-input=false", "code.tfplan"])?;
            let out = r.all();
            ensure!(r.code != 0, "apply of a stale plan succeeded: {out}");
            // Terraform plans again at apply and compares: the new key differs from the saved
            // plan's, so Terraform itself refuses the plan (the provider's own check at apply,
            // "Pipeline code changed after the plan", covers a change after that re-plan).
            ensure!(
                re(r"(?s)inconsistent final plan.*module\.train\.mlops_pipeline\.p.*definition_json").is_match(&out),
                "{out}"
            );
            let calls = ctx.emulator.calls()?;
            let writes: Vec<_> = calls
                .keys()
                .filter(|k| k.contains("Put") || k.contains("Update") || k.contains("Create"))
                .collect();
            ensure!(writes.is_empty(), "stale apply wrote: {writes:?}");
            ensure!(object(ctx, &key_of(v3))?.is_none(), "stale content uploaded");
            // Back to the applied content: nothing to do.
            set_script(ctx, V2)?;
            ctx.ws.assert_plan_empty()
        })),
        ..Default::default()
    })
    .run()
}

#[test]
fn missing_file_or_bucket_fails_at_plan_with_the_path() -> Result<()> {
    let mut tc = TestCase::new("pipeline local code errors");
    tc.check_destroyed = Some(Box::new(|ctx| {
        let l = ctx.rt.block_on(ctx.sagemaker().list_pipelines().send())?;
        ensure!(l.pipeline_summaries().is_empty(), "pipeline left");
        Ok(())
    }));
    tc.step(Step {
        config: ROOT.into(),
        plan_only: true,
        before: Some(Box::new(|ctx| {
            write_module(&ctx.ws.work(), BUCKET, None)?;
            ctx.ws.tf_ok(&["get", "-no-color"])?;
            ctx.emulator.clear_requests()?;
            Ok(())
        })),
        expect_error: Some(re(
            r#"(?s)Error: Cannot read pipeline code.*with module\.train\.mlops_pipeline\.p.*code\s+=.*Cannot read "modules/train/scripts/preprocess\.py" \(resolved to /.*/modules/train/scripts/preprocess\.py\).*path\.module"#,
        )),
        check: Some(Box::new(|ctx| {
            let calls = ctx.emulator.calls()?;
            ensure!(calls.is_empty(), "API calls at plan: {calls:?}");
            // A directory is not a script (checked at plan: the path uses a module variable,
            // unknown to `terraform validate`).
            std::fs::create_dir_all(ctx.ws.work().join("modules/train/scripts/preprocess.py"))?;
            let r = ctx.ws.tf(&["plan", "-no-color", "-input=false"])?;
            ensure!(r.code != 0 && r.all().contains("is not a file"), "{}", r.all());
            std::fs::remove_dir(ctx.ws.work().join("modules/train/scripts/preprocess.py"))?;
            Ok(())
        })),
        ..Default::default()
    })
    // The bucket does not exist: the apply fails at the upload and creates no pipeline.
    .step(Step {
        config: ROOT.into(),
        before: Some(Box::new(|ctx| {
            write_module(&ctx.ws.work(), "no-such-bucket-here", Some(V1))?;
            Ok(())
        })),
        expect_error: Some(re(
            r"(?s)Bucket does not exist.*s3://no-such-bucket-here/churn-code/code/[0-9a-f]{64}/preprocess\.py",
        )),
        check: Some(Box::new(|ctx| {
            let l = ctx.rt.block_on(ctx.sagemaker().list_pipelines().send())?;
            ensure!(l.pipeline_summaries().is_empty(), "pipeline created without its code");
            ensure!(
                !ctx.state.has("module.train.mlops_pipeline.p"),
                "failed create left state"
            );
            Ok(())
        })),
        ..Default::default()
    })
    .run()
}

#[test]
fn local_code_without_default_bucket_is_refused_at_validate() -> Result<()> {
    let tc = TestCase::new("pipeline local code without bucket");
    tc.step(Step {
        config: format!(
            r#"resource "mlops_pipeline" "p" {{
  name     = "{PIPELINE}"
  role_arn = "{ROLE}"
  step {{
    name = "Preprocess"
    processing {{
      image_uri     = "{IMAGE}"
      instance_type = "ml.m5.xlarge"
      code          = "preprocess.py"
    }}
  }}
}}
"#
        ),
        before: Some(Box::new(|ctx| {
            std::fs::write(ctx.ws.work().join("preprocess.py"), V1)?;
            let r = ctx.ws.tf(&["validate", "-no-color"])?;
            let out = r.all();
            ensure!(
                r.code != 0
                    && re(r#"(?s)No bucket for local code.*with mlops_pipeline\.p.*code\s+=.*set the pipeline's `default_bucket`.*s3://<default_bucket>/churn-code/code/<sha256>/preprocess\.py"#)
                        .is_match(&out),
                "{out}"
            );
            Ok(())
        })),
        plan_only: true,
        expect_error: Some(re(r"No bucket for local code")),
        ..Default::default()
    })
    // An empty configuration, so the harness's destroy has a valid one.
    .step(Step {
        config: String::new(),
        ..Default::default()
    })
    .run()
}
