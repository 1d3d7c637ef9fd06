//! Provider-defined functions, called by the real Terraform CLI: `provider::mlops::...` in
//! outputs, checked against the resources they stand beside; errors name the argument; an
//! old client (1.0.3) refuses the syntax before the provider is involved.

use acceptance_tests::{provider_block, repo_root, Emulator, Install, Workspace};
use anyhow::{ensure, Result};
use serde_json::Value as Json;

const IMAGE: &str =
    "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3";

/// A pipeline written once as blocks (the resource) and once as an object (the function).
fn config() -> String {
    format!(
        r#"{provider}
resource "mlops_model_package_group" "g" {{
  name = "fn-churn"
}}

resource "mlops_model_package" "v" {{
  model_package_group_name = mlops_model_package_group.g.name
  image                    = "{IMAGE}"
  model_data_url           = "s3://mlops-test/models/model.tar.gz"
}}

resource "mlops_pipeline" "p" {{
  name           = "fn-pipeline"
  role_arn       = "arn:aws:iam::123456789012:role/pipeline"
  default_bucket = "mlops-test"
  parameter {{
    name    = "InputDataUrl"
    default = "s3://mlops-test/data.csv"
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
    }}
  }}
}}

locals {{
  pipeline = {{
    name           = "fn-pipeline"
    role_arn       = "arn:aws:iam::123456789012:role/pipeline"
    default_bucket = "mlops-test"
    parameter = [{{ name = "InputDataUrl", default = "s3://mlops-test/data.csv" }}]
    step = [{{
      name = "Preprocess"
      processing = {{
        image_uri     = "{IMAGE}"
        instance_type = "ml.m5.xlarge"
        code          = "s3://mlops-test/code/preprocess.py"
        input  = [{{ source = "{{{{ parameters.InputDataUrl }}}}", destination = "/opt/ml/processing/input" }}]
        output = [{{ name = "train", source = "/opt/ml/processing/train" }}]
      }}
    }}]
  }}
}}

output "version" {{
  value = provider::mlops::model_package_arn_parse(mlops_model_package.v.arn)
}}

output "literal" {{
  value = provider::mlops::model_package_arn_parse("arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/12")
}}

output "definition" {{
  value = provider::mlops::pipeline_definition(local.pipeline)
}}

output "same_definition" {{
  value = provider::mlops::pipeline_definition(local.pipeline) == mlops_pipeline.p.definition_json
}}

output "data" {{
  value = provider::mlops::s3_uri_parse("s3://mlops-test/data/train.csv")
}}
"#,
        provider = provider_block("")
    )
}

fn outputs(ws: &Workspace) -> Result<Json> {
    let r = ws.tf_ok(&["output", "-json"])?;
    Ok(serde_json::from_str(&r.stdout)?)
}

#[test]
fn functions_compute_what_the_resources_hold() -> Result<()> {
    let emulator = Emulator::start()?;
    let ws = Workspace::new(&emulator, Install::DevOverride)?;
    ws.write_config(&config())?;
    ws.tf_ok(&["apply", "-auto-approve", "-no-color"])?;
    let out = outputs(&ws)?;
    let v = &out["version"]["value"];
    ensure!(v["group"] == "fn-churn" && v["version"] == 1, "{v}");
    ensure!(v["region"] == "us-east-1" && v["partition"] == "aws", "{v}");
    let lit = &out["literal"]["value"];
    ensure!(
        lit == &serde_json::json!({"partition": "aws", "region": "eu-west-1", "account_id": "123456789012", "group": "churn", "version": 12}),
        "{lit}"
    );
    ensure!(out["same_definition"]["value"] == true, "{out}");
    let def: Json = serde_json::from_str(out["definition"]["value"].as_str().unwrap_or("{}"))?;
    ensure!(
        def["Steps"][0]["Name"] == "Preprocess" && def["Steps"][0]["Type"] == "Processing",
        "{def}"
    );
    ensure!(def["Parameters"][0]["Name"] == "InputDataUrl", "{def}");
    ensure!(
        out["data"]["value"]
            == serde_json::json!({"bucket": "mlops-test", "key": "data/train.csv"}),
        "{out}"
    );
    ws.assert_plan_empty()?;
    ws.tf_ok(&["destroy", "-auto-approve", "-no-color"])?;
    Ok(())
}

#[test]
fn function_errors_name_the_argument_and_the_problem() -> Result<()> {
    let emulator = Emulator::start()?;
    let ws = Workspace::new(&emulator, Install::DevOverride)?;
    let cases: &[(&str, &[&str])] = &[
        (
            r#"provider::mlops::model_package_arn_parse("arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn")"#,
            &["model_package_arn_parse", "unversioned"],
        ),
        (
            r#"provider::mlops::s3_uri_parse("https://bucket/key")"#,
            &["s3_uri_parse", "must start with s3://"],
        ),
        (
            r#"provider::mlops::pipeline_definition({ name = "p", role_arn = "arn:aws:iam::123456789012:role/r", step = [{ name = "S", processing = { image_uri = "x", instance_type = "ml.m5.xlarge", nmae = "typo" } }] })"#,
            &[
                "pipeline_definition",
                "pipeline.step[0].processing.nmae",
                "Unsupported argument",
            ],
        ),
        (
            r#"provider::mlops::pipeline_definition({ name = "p", role_arn = "arn:aws:iam::123456789012:role/r", step = [{ name = "S", processing = { image_uri = "x", instance_type = "ml.m5.huge" } }] })"#,
            &["pipeline.step[0].processing.instance_type", "ml.m5.huge"],
        ),
    ];
    for (call, want) in cases {
        ws.write_config(&format!(
            "{}output \"x\" {{\n  value = {call}\n}}\n",
            provider_block("")
        ))?;
        let r = ws.tf(&["plan", "-no-color"])?;
        let all = r.all();
        ensure!(r.code != 0, "{call}: plan succeeded");
        for w in *want {
            ensure!(all.contains(w), "{call}: {w:?} not in:\n{all}");
        }
        ensure!(!all.contains("panic"), "{all}");
    }
    Ok(())
}

#[test]
fn an_old_terraform_refuses_function_calls_before_the_provider() -> Result<()> {
    let emulator = Emulator::start()?;
    let ws = Workspace::with_terraform(
        &emulator,
        Install::DevOverride,
        repo_root().join("scripts/terraform-1.0"),
    )?;
    ws.write_config(&format!(
        "{}output \"x\" {{\n  value = provider::mlops::s3_uri_parse(\"s3://b-1/k\")\n}}\n",
        provider_block("")
    ))?;
    let r = ws.tf(&["plan", "-no-color"])?;
    ensure!(r.code != 0, "Terraform 1.0.3 accepted a provider function");
    // Terraform 1.0's parser stops at `provider::` (the docs say functions need 1.8+): the
    // error points at the call, and nothing reaches the provider.
    let all = r.all();
    ensure!(
        all.contains("Missing newline after argument")
            && all.contains("value = provider::mlops::s3_uri_parse(\"s3://b-1/k\")"),
        "{all}"
    );
    Ok(())
}

/// The docs' examples (examples/functions/*/function.tf), applied as written.
#[test]
fn function_examples_apply() -> Result<()> {
    let emulator = Emulator::start()?;
    let dir = repo_root().join("examples/functions");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir)? {
        let path = entry?.path().join("function.tf");
        let hcl = std::fs::read_to_string(&path)?;
        let ws = Workspace::new(&emulator, Install::DevOverride)?;
        ws.write_config(&format!("{}{hcl}", provider_block("")))?;
        ws.tf_ok(&["apply", "-auto-approve", "-no-color"])?;
        let out = outputs(&ws)?;
        let outs = out.as_object().map(|o| o.len()).unwrap_or(0);
        ensure!(outs > 0, "{}: no outputs: {out}", path.display());
        if let Some(tag) = out.get("release_tag") {
            ensure!(tag["value"] == "churn-v3", "{tag}");
        }
        if let Some(d) = out.get("definition") {
            ensure!(d["value"]["Steps"][0]["Name"] == "Preprocess", "{d}");
        }
        seen += 1;
    }
    ensure!(seen == 3, "expected 3 function examples, found {seen}");
    Ok(())
}
