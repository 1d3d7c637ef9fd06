//! `mlops_pipeline` creates and destroys that were interrupted (issue 13), against the real
//! Terraform CLI and the emulator: a pipeline left half-made (with the marker) by
//! an apply killed with `kill -9` is adopted by the next plain apply, with its triggers,
//! notifications and first execution; someone else's pipeline fails before any write,
//! naming the import block that really imports it; lost answers to CreatePipeline and
//! StartPipelineExecution make no duplicates; a destroy killed half-way converges.

use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use acceptance_tests::{provider_block, re, Emulator, Step, StepCtx, TestCase, Workspace};
use anyhow::{bail, ensure, Result};
use serde_json::{json, Value as Json};

const ROLE: &str = "arn:aws:iam::123456789012:role/SageMakerExecution";
const MARKER: &str = "mlops:created-by";
const DEFINITION: &str = r#"{"Version":"2020-12-01","Parameters":[{"Name":"InputDataUrl","Type":"String","DefaultValue":"s3://mlops-test/data.csv"}],"Steps":[{"Name":"Stop","Type":"Fail","Arguments":{"ErrorMessage":"stop"}}]}"#;

/// A pipeline `name` with a raw definition and `extra` HCL (triggers, notifications...).
fn pipeline(name: &str, extra: &str) -> String {
    format!(
        r#"resource "mlops_pipeline" "p" {{
  name        = "{name}"
  role_arn    = "{ROLE}"
  description = "Churn training"
  tags        = {{ team = "ml" }}
  definition = jsonencode({{
    Version    = "2020-12-01"
    Parameters = [{{ Name = "InputDataUrl", Type = "String", DefaultValue = "s3://mlops-test/data.csv" }}]
    Steps      = [{{ Name = "Stop", Type = "Fail", Arguments = {{ ErrorMessage = "stop" }} }}]
  }})
{extra}}}
"#
    )
}

/// A trigger, a notification (owned topic) and a first execution.
const EVERYTHING: &str = r#"  start_on_change = true
  trigger {
    name     = "nightly"
    schedule = "cron(0 3 * * ? *)"
  }
  notification {
    name               = "failures"
    execution_statuses = ["Failed"]
    emails             = ["ml-team@example.com"]
  }
"#;

/// Start `terraform apply` in its own process group, wait until `until` holds (polled
/// every 50 ms, at most 60 s), then `kill -9` the whole group (terraform and the provider),
/// as a dead CI runner. (The idea of `signal_apply_when` in `adoption.rs`.)
fn kill_apply_when(ws: &Workspace, emulator: &Emulator, until: impl Fn() -> bool) -> Result<()> {
    signal_apply_when(ws, emulator, "-9", until).map(|_| ())
}

/// [`kill_apply_when`] with another signal (`-INT`: Ctrl-C); how long the apply took to
/// end after it.
fn signal_apply_when(
    ws: &Workspace,
    emulator: &Emulator,
    signal: &str,
    until: impl Fn() -> bool,
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
    while !until() {
        if let Some(status) = child.try_wait()? {
            bail!(
                "apply ended ({status}) before the moment to kill it came: {}",
                emulator.inventory()?
            );
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = Command::new("kill")
                .args(["-9", "--", &format!("-{pgid}")])
                .status();
            bail!("the moment to kill the apply never came");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let killed = Command::new("kill")
        .args([signal, "--", &format!("-{pgid}")])
        .status()?;
    ensure!(
        killed.success(),
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

fn tags(ctx: &StepCtx, name: &str) -> Result<Vec<(String, String)>> {
    let arn = format!(
        "arn:aws:sagemaker:us-east-1:123456789012:pipeline/{}",
        name.to_lowercase()
    );
    let t = ctx
        .rt
        .block_on(ctx.sagemaker().list_tags().resource_arn(arn).send())?;
    Ok(t.tags()
        .iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
        .collect())
}

/// ARNs of the pipeline's executions (none when the pipeline does not exist).
fn executions(ctx: &StepCtx, name: &str) -> Vec<String> {
    ctx.rt
        .block_on(
            ctx.sagemaker()
                .list_pipeline_executions()
                .pipeline_name(name)
                .send(),
        )
        .map(|r| {
            r.pipeline_execution_summaries()
                .iter()
                .filter_map(|s| s.pipeline_execution_arn().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// Make pipeline `name` out of band, with the marker (as an interrupted apply
/// leaves it) or without (someone else's), then forget the calls made so far.
fn make_pipeline(ctx: &StepCtx, name: &str, marker: bool, description: &str) -> Result<()> {
    let tag = |k: &str, v: &str| {
        aws_sdk_sagemaker::types::Tag::builder()
            .key(k)
            .value(v)
            .build()
    };
    let mut req = ctx
        .sagemaker()
        .create_pipeline()
        .pipeline_name(name)
        .pipeline_description(description)
        .pipeline_definition(DEFINITION)
        .role_arn(ROLE)
        .client_request_token(format!("made-out-of-band-{name}-0000000000000000"))
        .tags(tag("stale", "x"));
    if marker {
        req = req.tags(tag(MARKER, "terraform-provider-mlops"));
    }
    ctx.rt.block_on(req.send())?;
    ctx.emulator.clear_requests()
}

/// Owned objects and pipelines as the emulator has them.
struct Objects {
    rules: Vec<String>,
    roles: Vec<String>,
    topics: Vec<String>,
    pipelines: Json,
}

/// EventBridge rules, IAM roles, SNS topics and pipelines that exist now.
fn inventory(ctx: &StepCtx) -> Result<Objects> {
    let inv = ctx.emulator.inventory()?;
    let keys = |v: &Json| -> Vec<String> {
        v.as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    };
    Ok(Objects {
        rules: keys(&inv["events"]["rules"]),
        roles: keys(&inv["iam"]["roles"]),
        topics: keys(&inv["sns"]["topics"]),
        pipelines: inv["sagemaker"]["pipelines"].clone(),
    })
}

/// Exactly what the configuration makes exists, once: one pipeline (with the marker), one
/// trigger (rule and role), one notification (rule and topic), one execution, and state
/// naming that execution.
fn converged(name: &'static str) -> acceptance_tests::Check {
    Box::new(move |ctx| {
        let Objects {
            rules,
            roles,
            topics,
            pipelines,
        } = inventory(ctx)?;
        ensure!(pipelines == json!([name]), "pipelines {pipelines}");
        ensure!(
            rules
                == vec![
                    format!("mlops_{name}_notify_failures_execution"),
                    format!("mlops_{name}_trigger_nightly"),
                ],
            "rules {rules:?}"
        );
        ensure!(
            roles == vec![format!("mlops_{name}_trigger_nightly")],
            "roles {roles:?}"
        );
        ensure!(topics.len() == 1, "topics {topics:?}");
        let t = tags(ctx, name)?;
        ensure!(
            t == vec![
                (MARKER.to_string(), "terraform-provider-mlops".to_string()),
                ("team".to_string(), "ml".to_string())
            ],
            "tags {t:?}"
        );
        let runs = executions(ctx, name);
        ensure!(runs.len() == 1, "executions {runs:?}");
        ensure!(
            ctx.state.str("mlops_pipeline.p", "last_execution_arn")? == runs[0],
            "state names another execution"
        );
        Ok(())
    })
}

fn nothing_left() -> acceptance_tests::Check {
    Box::new(|ctx| {
        let Objects {
            rules,
            roles,
            topics,
            pipelines,
        } = inventory(ctx)?;
        ensure!(
            rules.is_empty() && roles.is_empty() && topics.is_empty() && pipelines == json!([]),
            "left: rules {rules:?}, roles {roles:?}, topics {topics:?}, pipelines {pipelines}"
        );
        Ok(())
    })
}

/// A test case whose destroy must leave nothing of the pipeline.
fn case(name: &str) -> TestCase {
    let mut c = TestCase::new(name);
    c.check_destroyed = Some(nothing_left());
    c
}

fn and(a: acceptance_tests::Check, b: acceptance_tests::Check) -> acceptance_tests::Check {
    Box::new(move |ctx| {
        a(ctx)?;
        b(ctx)
    })
}

#[test]
fn half_made_pipeline_is_adopted_and_converged() -> Result<()> {
    case("pipeline-adopt")
        .step(Step {
            config: pipeline("Churn-Adopt", EVERYTHING),
            // Left by an interrupted apply: the marker, another description, a stale tag.
            before: Some(Box::new(|ctx| {
                make_pipeline(ctx, "Churn-Adopt", true, "an older description")
            })),
            check: Some(and(
                converged("Churn-Adopt"),
                Box::new(|ctx| {
                    ensure!(count(ctx, "sagemaker.CreatePipeline")? == 0, "created anew");
                    ensure!(
                        count(ctx, "sagemaker.UpdatePipeline")? == 1,
                        "{:?}",
                        ctx.emulator.calls()?
                    );
                    let d = ctx.rt.block_on(
                        ctx.sagemaker()
                            .describe_pipeline()
                            .pipeline_name("Churn-Adopt")
                            .send(),
                    )?;
                    ensure!(d.pipeline_description() == Some("Churn training"));
                    let log = std::fs::read_to_string(ctx.ws.dir.path().join("terraform.log"))?;
                    ensure!(log.contains("adopting it"), "no adoption logged");
                    Ok(())
                }),
            )),
            ..Default::default()
        })
        .run()
}

#[test]
fn apply_killed_while_the_trigger_is_made_is_adopted() -> Result<()> {
    case("pipeline-killed-trigger")
        .step(Step {
            config: pipeline("Churn-Kill", EVERYTHING),
            // kill -9 while the trigger's target is written (slowed to 5 s): pipeline, role
            // and rule exist, state has nothing.
            before: Some(Box::new(|ctx| {
                ctx.emulator.fault(json!({
                    "service": "events", "operation": "PutTargets", "kind": "latency",
                    "latency_ms": 5000, "count": 1
                }))?;
                kill_apply_when(ctx.ws, ctx.emulator, || {
                    ctx.emulator.inventory().is_ok_and(|inv| {
                        inv["events"]["rules"]
                            .get("mlops_Churn-Kill_trigger_nightly")
                            .is_some()
                    })
                })?;
                let state = ctx.ws.state().map(|s| s.has("mlops_pipeline.p"));
                ensure!(
                    !state.unwrap_or(false),
                    "the killed apply recorded the pipeline"
                );
                let t = tags(ctx, "Churn-Kill")?;
                ensure!(t.iter().any(|(k, _)| k == MARKER), "no marker: {t:?}");
                ctx.emulator.clear_faults()
            })),
            check: Some(and(
                converged("Churn-Kill"),
                Box::new(|ctx| {
                    ensure!(
                        count(ctx, "sagemaker.CreatePipeline")? == 1,
                        "{:?}",
                        ctx.emulator.calls()?
                    );
                    ensure!(
                        count(ctx, "sagemaker.UpdatePipeline")? == 0,
                        "nothing to converge"
                    );
                    ensure!(
                        count(ctx, "iam.CreateRole")? == 2,
                        "the role was not met again"
                    );
                    Ok(())
                }),
            )),
            ..Default::default()
        })
        .run()
}

#[test]
fn ctrl_c_while_the_trigger_is_made_ends_the_apply_and_the_next_converges() -> Result<()> {
    case("pipeline-sigint")
        .step(Step {
            config: pipeline("Churn-Int", EVERYTHING),
            // Ctrl-C (Terraform calls StopProvider) while the trigger's target is written
            // (slowed to 60 s, so the abandoned call lands after the test): the apply ends
            // within seconds with the pipeline in state (tainted); the next one replaces it.
            before: Some(Box::new(|ctx| {
                ctx.emulator.fault(json!({
                    "service": "events", "operation": "PutTargets", "kind": "latency",
                    "latency_ms": 60000, "count": 1
                }))?;
                let took = signal_apply_when(ctx.ws, ctx.emulator, "-INT", || {
                    ctx.emulator.inventory().is_ok_and(|inv| {
                        inv["events"]["rules"]
                            .get("mlops_Churn-Int_trigger_nightly")
                            .is_some()
                    })
                })?;
                ensure!(took < Duration::from_secs(10), "Ctrl-C took {took:?}");
                ensure!(
                    ctx.ws.state()?.has("mlops_pipeline.p"),
                    "partial state lost"
                );
                ctx.emulator.clear_faults()
            })),
            check: Some(converged("Churn-Int")),
            ..Default::default()
        })
        .run()
}

#[test]
fn apply_killed_after_the_first_execution_started_starts_no_second() -> Result<()> {
    case("pipeline-killed-execution")
        .step(Step {
            config: pipeline("Churn-Run", EVERYTHING),
            // kill -9 once the first execution runs, while the create reads the pipeline
            // back (its ListTags slowed to 60 s, so the killed call lands after the re-run).
            before: Some(Box::new(|ctx| {
                ctx.emulator.fault(json!({
                    "service": "sagemaker", "operation": "ListTags", "kind": "latency",
                    "latency_ms": 60000, "count": 1
                }))?;
                kill_apply_when(ctx.ws, ctx.emulator, || {
                    !executions(ctx, "Churn-Run").is_empty()
                })?;
                ensure!(!ctx
                    .ws
                    .state()
                    .map(|s| s.has("mlops_pipeline.p"))
                    .unwrap_or(false));
                ctx.emulator.clear_faults()
            })),
            check: Some(and(
                converged("Churn-Run"),
                Box::new(|ctx| {
                    ensure!(
                        count(ctx, "sagemaker.StartPipelineExecution")? == 2,
                        "the re-run did not ask again: {:?}",
                        ctx.emulator.calls()?
                    );
                    Ok(())
                }),
            )),
            ..Default::default()
        })
        .run()
}

#[test]
fn someone_elses_pipeline_is_named_not_taken_over() -> Result<()> {
    let import = format!(
        "{}\nimport {{\n  to = mlops_pipeline.p\n  id = \"Theirs\"\n}}\n",
        pipeline("Theirs", "")
    );
    case("pipeline-foreign")
        .step(Step {
            config: pipeline("Theirs", EVERYTHING),
            before: Some(Box::new(|ctx| {
                make_pipeline(ctx, "Theirs", false, "their pipeline")
            })),
            expect_error: Some(re(
                r#"Pipeline Theirs already exists.*not made by this provider.*mlops:created-by.*import \{ to = mlops_pipeline.<name> id = "Theirs" \}"#,
            )),
            check: Some(Box::new(|ctx| {
                let calls = ctx.emulator.calls()?;
                let writes: Vec<_> = calls
                    .keys()
                    .filter(|k| {
                        let op = k.split('.').nth(1).unwrap_or_default();
                        !(op.starts_with("Describe") || op.starts_with("List") || op.starts_with("Get"))
                    })
                    .collect();
                ensure!(writes.is_empty(), "writes before failing: {writes:?}");
                let Objects { rules, roles, topics, .. } = inventory(ctx)?;
                ensure!(rules.is_empty() && roles.is_empty() && topics.is_empty());
                let d = ctx.rt.block_on(
                    ctx.sagemaker()
                        .describe_pipeline()
                        .pipeline_name("Theirs")
                        .send(),
                )?;
                ensure!(d.pipeline_description() == Some("their pipeline"));
                Ok(())
            })),
            ..Default::default()
        })
        // The import block the message gives really brings it under management.
        .step(Step {
            config: import,
            check: Some(Box::new(|ctx| {
                ensure!(ctx.state.has("mlops_pipeline.p"));
                ensure!(count(ctx, "sagemaker.CreatePipeline")? == 0);
                let t = tags(ctx, "Theirs")?;
                ensure!(t == vec![("team".to_string(), "ml".to_string())], "tags {t:?}");
                Ok(())
            })),
            ..Default::default()
        })
        .run()
}

#[test]
fn lost_create_pipeline_answer_is_retried_into_the_same_pipeline() -> Result<()> {
    case("pipeline-lost-create")
        .step(Step {
            config: pipeline("Churn-Lost", EVERYTHING),
            // CreatePipeline creates, then its answer is lost; the SDK retries (same token).
            before: Some(Box::new(|ctx| {
                ctx.emulator.fault(json!({
                    "service": "sagemaker", "operation": "CreatePipeline",
                    "kind": "lost_response", "count": 1
                }))
            })),
            check: Some(and(
                converged("Churn-Lost"),
                Box::new(|ctx| {
                    ensure!(
                        count(ctx, "sagemaker.CreatePipeline")? == 2,
                        "no retry happened: {:?}",
                        ctx.emulator.calls()?
                    );
                    Ok(())
                }),
            )),
            ..Default::default()
        })
        .run()
}

#[test]
fn apply_failed_by_lost_create_answers_is_converged_by_the_next() -> Result<()> {
    let mut case = case("pipeline-lost-all");
    // Two attempts, both answers lost: the apply fails with nothing in state.
    case.provider_block = provider_block("  max_retries = 2\n");
    case.step(Step {
        config: pipeline("Churn-Gone", EVERYTHING),
        before: Some(Box::new(|ctx| {
            ctx.emulator.fault(json!({
                "service": "sagemaker", "operation": "CreatePipeline",
                "kind": "lost_response", "count": 2
            }))
        })),
        expect_error: Some(re(r"CreatePipeline")),
        check: Some(Box::new(|ctx| {
            ensure!(!ctx.state.has("mlops_pipeline.p"));
            let pipelines = inventory(ctx)?.pipelines;
            ensure!(pipelines == json!(["Churn-Gone"]), "{pipelines}");
            Ok(())
        })),
        ..Default::default()
    })
    .step(Step {
        config: pipeline("Churn-Gone", EVERYTHING),
        check: Some(and(
            converged("Churn-Gone"),
            Box::new(|ctx| {
                ensure!(
                    count(ctx, "sagemaker.CreatePipeline")? == 2,
                    "created again"
                );
                Ok(())
            }),
        )),
        ..Default::default()
    })
    .run()
}

#[test]
fn lost_start_execution_answer_starts_one_execution() -> Result<()> {
    case("pipeline-lost-start")
        .step(Step {
            config: pipeline("Churn-Start", EVERYTHING),
            before: Some(Box::new(|ctx| {
                ctx.emulator.fault(json!({
                    "service": "sagemaker", "operation": "StartPipelineExecution",
                    "kind": "lost_response", "count": 1
                }))
            })),
            check: Some(and(
                converged("Churn-Start"),
                Box::new(|ctx| {
                    ensure!(
                        count(ctx, "sagemaker.StartPipelineExecution")? == 2,
                        "no retry happened: {:?}",
                        ctx.emulator.calls()?
                    );
                    Ok(())
                }),
            )),
            ..Default::default()
        })
        .run()
}

/// A destroy (the resource removed from the configuration) killed with `kill -9` while
/// `op` of `service` runs (slowed to 60 s, so the killed call lands after the re-run) once
/// `until` holds; the next plain apply deletes what is left.
fn destroy_killed_during(service: &str, op: &str, until: fn(&Json) -> bool) -> Step {
    let (service, op) = (service.to_string(), op.to_string());
    Step {
        config: String::new(),
        before: Some(Box::new(move |ctx| {
            ctx.emulator.fault(json!({
                "service": service, "operation": op, "kind": "latency",
                "latency_ms": 60000, "count": 1
            }))?;
            kill_apply_when(ctx.ws, ctx.emulator, || {
                ctx.emulator.inventory().is_ok_and(|inv| until(&inv))
            })?;
            ensure!(
                ctx.ws.state()?.has("mlops_pipeline.p"),
                "the killed destroy finished"
            );
            ctx.emulator.clear_faults()
        })),
        check: Some(nothing_left()),
        ..Default::default()
    }
}

#[test]
fn destroy_killed_between_a_triggers_rule_and_role_converges() -> Result<()> {
    case("pipeline-killed-destroy-role")
        .step(Step {
            config: pipeline("Churn-Del", EVERYTHING),
            ..Default::default()
        })
        .step(destroy_killed_during("iam", "DeleteRole", |inv| {
            inv["events"]["rules"]
                .get("mlops_Churn-Del_trigger_nightly")
                .is_none()
        }))
        .run()
}

#[test]
fn destroy_killed_between_a_notifications_rules_and_topic_converges() -> Result<()> {
    case("pipeline-killed-destroy-topic")
        .step(Step {
            config: pipeline("Churn-Del", EVERYTHING),
            ..Default::default()
        })
        .step(destroy_killed_during("sns", "DeleteTopic", |inv| {
            inv["events"]["rules"]
                .get("mlops_Churn-Del_notify_failures_execution")
                .is_none()
        }))
        .run()
}
