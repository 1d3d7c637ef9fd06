//! Creates that meet an object of their name (issue 13): one left half-made by an apply
//! killed with `kill -9` is adopted by the next plain apply; anyone else's fails before any
//! write, naming the object and the import block that really imports it; a create whose
//! answer is lost is retried without a duplicate (idempotency token).

use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use acceptance_tests::{re, Emulator, Step, StepCtx, TestCase, Workspace};
use anyhow::{bail, ensure, Result};
use serde_json::json;

const IMAGE: &str = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1";
const ROLE: &str = "arn:aws:iam::123456789012:role/SageMakerExecution";

fn endpoint_config(name: &str) -> String {
    endpoint_serving(name, "model", "")
}

/// An endpoint serving `s3://bucket/<name>/<artifact>.tar.gz`, with `extra` HCL inside.
fn endpoint_serving(name: &str, artifact: &str, extra: &str) -> String {
    format!(
        r#"
resource "mlops_endpoint" "e" {{
  name     = "{name}"
  role_arn = "{ROLE}"
  model {{
    image          = "{IMAGE}"
    model_data_url = "s3://bucket/{name}/{artifact}.tar.gz"
    instance_type  = "ml.m5.large"
    instance_count = 1
  }}
{extra}}}
"#
    )
}

/// Start `terraform apply` in its own process group, wait until `until` holds (polled
/// every 50 ms, at most 60 s), then send `signal` to the whole group (terraform and the
/// provider): `-9` as a dead runner, `-INT` as Ctrl-C in a terminal. Returns how long the
/// apply took to end after the signal.
fn signal_apply_when(
    ws: &Workspace,
    emulator: &Emulator,
    signal: &str,
    until: impl Fn(&serde_json::Value) -> Result<bool>,
) -> Result<Duration> {
    let mut cmd = Command::new(&ws.terraform);
    cmd.args(["apply", "-auto-approve", "-no-color", "-input=false"])
        .current_dir(ws.work())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0);
    for (k, v) in &ws.env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn()?;
    let pgid = child.id();
    let start = Instant::now();
    loop {
        if until(&emulator.inventory()?)? {
            break;
        }
        if let Some(status) = child.try_wait()? {
            bail!("apply ended ({status}) before the moment to kill it came");
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = Command::new("kill")
                .args(["-9", "--", &format!("-{pgid}")])
                .status();
            bail!("the moment to kill the apply never came");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let signalled = Command::new("kill")
        .args([signal, "--", &format!("-{pgid}")])
        .status()?;
    ensure!(
        signalled.success(),
        "kill {signal} of process group {pgid} failed"
    );
    let sent = Instant::now();
    let status = child.wait()?;
    eprintln!(
        "kill {signal} after {:.1}s; the apply ended ({status}) {:.1}s later",
        (sent - start).as_secs_f64(),
        sent.elapsed().as_secs_f64()
    );
    Ok(sent.elapsed())
}

fn count(ctx: &StepCtx, op: &str) -> Result<u64> {
    Ok(ctx.emulator.calls()?.get(op).copied().unwrap_or(0))
}

fn tag_keys(ctx: &StepCtx, arn: &str) -> Result<Vec<String>> {
    let tags = ctx
        .rt
        .block_on(ctx.sagemaker().list_tags().resource_arn(arn).send())?;
    Ok(tags
        .tags()
        .iter()
        .filter_map(|t| t.key().map(String::from))
        .collect())
}

#[test]
fn endpoint_half_made_by_a_killed_apply_is_adopted() -> Result<()> {
    TestCase::new("endpoint-adopt")
        .step(Step {
            config: endpoint_config("adopt"),
            // kill -9 while the endpoint is Creating; the step's own apply then recovers.
            before: Some(Box::new(|ctx| {
                ctx.emulator.set_endpoint_delay(3.0)?;
                signal_apply_when(ctx.ws, ctx.emulator, "-9", |inv| {
                    Ok(inv["sagemaker"]["endpoints"] == json!(["adopt"]))
                })?;
                ensure!(
                    !ctx.ws
                        .state()
                        .map(|s| s.has("mlops_endpoint.e"))
                        .unwrap_or(false),
                    "the killed apply recorded the endpoint"
                );
                Ok(())
            })),
            check: Some(Box::new(|ctx| {
                let inv = ctx.emulator.inventory()?;
                ensure!(inv["sagemaker"]["endpoints"] == json!(["adopt"]), "{inv}");
                let configs = inv["sagemaker"]["endpoint_configs"]
                    .as_array()
                    .map(Vec::len);
                let models = inv["sagemaker"]["models"].as_array().map(Vec::len);
                ensure!(configs == Some(1) && models == Some(1), "{inv}");
                ensure!(
                    count(ctx, "sagemaker.CreateEndpoint")? == 1,
                    "the endpoint was created twice: {:?}",
                    ctx.emulator.calls()?
                );
                let arn = ctx.state.str("mlops_endpoint.e", "arn")?;
                let keys = tag_keys(ctx, &arn)?;
                ensure!(
                    keys.iter().any(|k| k == "mlops:created-by"),
                    "the marker must stay: {keys:?}"
                );
                let log = std::fs::read_to_string(ctx.ws.dir.path().join("terraform.log"))?;
                ensure!(log.contains("adopting it"), "no adoption logged");
                Ok(())
            })),
            ..Default::default()
        })
        .run()
}

#[test]
fn update_killed_after_the_switch_leaves_no_old_config() -> Result<()> {
    let smoke = "  smoke_test {\n    request {\n      body   = \"ping\"\n      expect = \"ping\"\n    }\n  }\n";
    TestCase::new("endpoint-leftovers")
        .step(Step {
            config: endpoint_serving("switched", "v1", smoke),
            ..Default::default()
        })
        .step(Step {
            config: endpoint_serving("switched", "v2", smoke),
            // kill -9 once SageMaker serves the new config, while the smoke test (slowed to
            // 3 s) runs, before the provider deletes the old config.
            before: Some(Box::new(|ctx| {
                let old = ctx
                    .ws
                    .state()?
                    .str("mlops_endpoint.e", "endpoint_config_name")?;
                ctx.emulator.fault(json!({
                    "operation": "InvokeEndpoint", "kind": "latency", "latency_ms": 3000
                }))?;
                let sm = ctx.sagemaker();
                signal_apply_when(ctx.ws, ctx.emulator, "-9", |_| {
                    let d = ctx
                        .rt
                        .block_on(sm.describe_endpoint().endpoint_name("switched").send())?;
                    Ok(d.endpoint_status()
                        == Some(&aws_sdk_sagemaker::types::EndpointStatus::InService)
                        && d.endpoint_config_name() != Some(old.as_str()))
                })?;
                ctx.emulator.clear_faults()?;
                let inv = ctx.emulator.inventory()?;
                ensure!(
                    inv["sagemaker"]["endpoint_configs"]
                        .as_array()
                        .map(Vec::len)
                        == Some(2),
                    "the kill came too late to leave the old config: {inv}"
                );
                Ok(())
            })),
            check: Some(Box::new(|ctx| {
                let inv = ctx.emulator.inventory()?;
                let configs = inv["sagemaker"]["endpoint_configs"].clone();
                let want = ctx.state.str("mlops_endpoint.e", "endpoint_config_name")?;
                ensure!(configs == json!([want]), "{inv}");
                ensure!(
                    inv["sagemaker"]["models"].as_array().map(Vec::len) == Some(1),
                    "{inv}"
                );
                Ok(())
            })),
            ..Default::default()
        })
        .run()
}

#[test]
fn ctrl_c_stops_the_endpoint_wait_at_once_and_state_keeps_the_endpoint() -> Result<()> {
    TestCase::new("endpoint-sigint")
        .step(Step {
            config: endpoint_config("interrupted"),
            // Ctrl-C while the endpoint is Creating (it would take 12 s): Terraform calls
            // StopProvider; the wait stops and the endpoint is recorded (tainted). The step's
            // own apply then replaces it.
            before: Some(Box::new(|ctx| {
                ctx.emulator.set_endpoint_delay(12.0)?;
                let took = signal_apply_when(ctx.ws, ctx.emulator, "-INT", |inv| {
                    Ok(inv["sagemaker"]["endpoints"] == json!(["interrupted"]))
                })?;
                ensure!(took < Duration::from_secs(10), "Ctrl-C took {took:?}");
                let state = ctx.ws.state()?;
                ensure!(
                    state.has("mlops_endpoint.e"),
                    "the interrupted create lost the endpoint"
                );
                ctx.emulator.set_endpoint_delay(1.0)
            })),
            check: Some(Box::new(|ctx| {
                let inv = ctx.emulator.inventory()?;
                ensure!(
                    inv["sagemaker"]["endpoints"] == json!(["interrupted"]),
                    "{inv}"
                );
                ensure!(
                    inv["sagemaker"]["endpoint_configs"]
                        .as_array()
                        .map(Vec::len)
                        == Some(1),
                    "{inv}"
                );
                Ok(())
            })),
            ..Default::default()
        })
        .run()
}

#[test]
fn someone_elses_endpoint_is_named_not_taken_over() -> Result<()> {
    let import = format!(
        "{}\nimport {{\n  to = mlops_endpoint.e\n  id = \"theirs\"\n}}\n",
        endpoint_config("theirs")
    );
    TestCase::new("endpoint-foreign")
        .step(Step {
            config: endpoint_config("theirs"),
            before: Some(Box::new(|ctx| {
                let sm = ctx.sagemaker();
                ctx.rt.block_on(async {
                    sm.create_model()
                        .model_name("their-model")
                        .execution_role_arn(ROLE)
                        .primary_container(
                            aws_sdk_sagemaker::types::ContainerDefinition::builder()
                                .image(IMAGE)
                                .build(),
                        )
                        .send()
                        .await?;
                    sm.create_endpoint_config()
                        .endpoint_config_name("their-config")
                        .production_variants(
                            aws_sdk_sagemaker::types::ProductionVariant::builder()
                                .variant_name("primary")
                                .model_name("their-model")
                                .instance_type(
                                    aws_sdk_sagemaker::types::ProductionVariantInstanceType::MlM5Large,
                                )
                                .initial_instance_count(1)
                                .build(),
                        )
                        .send()
                        .await?;
                    sm.create_endpoint()
                        .endpoint_name("theirs")
                        .endpoint_config_name("their-config")
                        .send()
                        .await?;
                    anyhow::Ok(())
                })?;
                ctx.emulator.clear_requests()
            })),
            expect_error: Some(re(
                r#"Endpoint theirs already exists.*not made by this provider.*import \{ to = mlops_endpoint.<name> id = "theirs" \}"#,
            )),
            check: Some(Box::new(|ctx| {
                let calls = ctx.emulator.calls()?;
                let writes: Vec<_> = calls
                    .keys()
                    .filter(|k| {
                        ["Create", "Put", "Update", "Delete", "Add"]
                            .iter()
                            .any(|w| k.split('.').nth(1).is_some_and(|op| op.starts_with(w)))
                    })
                    .collect();
                ensure!(writes.is_empty(), "writes before failing: {writes:?}");
                let inv = ctx.emulator.inventory()?;
                ensure!(
                    inv["sagemaker"]["models"] == json!(["their-model"])
                        && inv["sagemaker"]["endpoint_configs"] == json!(["their-config"]),
                    "{inv}"
                );
                Ok(())
            })),
            ..Default::default()
        })
        // The import block the message gives really brings it under management.
        .step(Step {
            config: import,
            check: Some(Box::new(|ctx| {
                ensure!(ctx.state.has("mlops_endpoint.e"));
                ensure!(count(ctx, "sagemaker.CreateEndpoint")? == 0);
                Ok(())
            })),
            ..Default::default()
        })
        .run()
}

fn group_config(name: &str) -> String {
    format!(
        r#"
resource "mlops_model_package_group" "g" {{
  name        = "{name}"
  description = "churn models"
  tags        = {{ team = "ml" }}
}}

resource "mlops_model_package" "v1" {{
  model_package_group_name = mlops_model_package_group.g.name
  image                    = "{IMAGE}"
  model_data_url           = "s3://bucket/{name}/v1/model.tar.gz"
  approval_status          = "Approved"
}}
"#
    )
}

fn create_group(ctx: &StepCtx, name: &str, marker: bool) -> Result<()> {
    let mut req = ctx
        .sagemaker()
        .create_model_package_group()
        .model_package_group_name(name)
        .model_package_group_description("churn models");
    if marker {
        req = req.tags(
            aws_sdk_sagemaker::types::Tag::builder()
                .key("mlops:created-by")
                .value("terraform-provider-mlops")
                .build(),
        );
    }
    ctx.rt.block_on(req.send())?;
    ctx.emulator.clear_requests()
}

#[test]
fn half_made_group_is_adopted_and_a_lost_answer_makes_no_duplicate_version() -> Result<()> {
    TestCase::new("group-adopt")
        .step(Step {
            config: group_config("adopted"),
            before: Some(Box::new(|ctx| {
                create_group(ctx, "adopted", true)?;
                // CreateModelPackage registers, then its answer is lost; the SDK retries.
                ctx.emulator.fault(json!({
                    "operation": "CreateModelPackage", "kind": "lost_response", "count": 1
                }))
            })),
            check: Some(Box::new(|ctx| {
                let arn = ctx.state.str("mlops_model_package_group.g", "arn")?;
                let keys = tag_keys(ctx, &arn)?;
                // converged to the configuration's tags; the marker stays
                ensure!(
                    keys == vec!["mlops:created-by".to_string(), "team".to_string()],
                    "tags: {keys:?}"
                );
                ensure!(
                    count(ctx, "sagemaker.CreateModelPackage")? == 2,
                    "no retry happened"
                );
                let inv = ctx.emulator.inventory()?;
                ensure!(
                    inv["sagemaker"]["model_packages"].as_array().map(Vec::len) == Some(1),
                    "duplicate version: {inv}"
                );
                let v = ctx.state.str("mlops_model_package.v1", "arn")?;
                ensure!(v.ends_with("/adopted/1"), "{v}");
                Ok(())
            })),
            ..Default::default()
        })
        .run()
}

#[test]
fn someone_elses_group_is_named_not_taken_over() -> Result<()> {
    TestCase::new("group-foreign")
        .step(Step {
            config: group_config("theirs"),
            before: Some(Box::new(|ctx| create_group(ctx, "theirs", false))),
            expect_error: Some(re(
                r#"Model package group theirs already exists.*import \{ to = mlops_model_package_group.<name> id = "theirs" \}"#,
            )),
            check: Some(Box::new(|ctx| {
                let calls = ctx.emulator.calls()?;
                ensure!(
                    calls.keys().all(|k| k == "sagemaker.CreateModelPackageGroup"
                        || k.contains(".Describe")
                        || k.contains(".List")),
                    "writes after the failed create: {calls:?}"
                );
                Ok(())
            })),
            ..Default::default()
        })
        .run()
}
