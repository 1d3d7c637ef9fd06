//! `mlops_endpoint` against the real Terraform CLI and the emulator's endpoint lifecycle.

use std::time::Instant;

use acceptance_tests::{
    ensure_rejected, provider_block, re, Emulator, Install, Step, StepCtx, TestCase, Workspace,
};
use anyhow::{ensure, Context, Result};
use aws_sdk_sagemaker::types::EndpointStatus;
use serde_json::json;

const ROLE: &str = "arn:aws:iam::123456789012:role/SageMakerExecution";
const IMAGE: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com/churn:1";
const BAD_IMAGE: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com/churn:mlops-fail";

fn group_with_versions() -> String {
    format!(
        r#"resource "mlops_model_package_group" "g" {{
  name          = "churn"
  force_destroy = true
}}
resource "mlops_model_package" "v1" {{
  model_package_group_name = mlops_model_package_group.g.name
  image                    = "{IMAGE}"
  model_data_url           = "s3://models/v1/model.tar.gz"
  approval_status          = "Approved"
}}
resource "mlops_model_package" "v2" {{
  model_package_group_name = mlops_model_package_group.g.name
  image                    = "{IMAGE}"
  model_data_url           = "s3://models/v2/model.tar.gz"
  depends_on               = [mlops_model_package.v1]
  # approved by a human in the registry, not by Terraform
  lifecycle {{
    ignore_changes = [approval_status]
  }}
}}
"#
    )
}

fn endpoint(body: &str) -> String {
    format!("resource \"mlops_endpoint\" \"e\" {{\n  name     = \"churn\"\n  role_arn = \"{ROLE}\"\n{body}}}\n")
}

fn byo(image: &str, extra: &str) -> String {
    endpoint(&format!(
        "  model {{\n    image          = \"{image}\"\n    model_data_url = \"s3://models/byo/model.tar.gz\"\n    instance_type  = \"ml.m5.large\"\n  }}\n  rollout {{\n    wait_seconds = 0\n  }}\n{extra}"
    ))
}

fn describe(
    ctx: &StepCtx<'_>,
) -> Result<aws_sdk_sagemaker::operation::describe_endpoint::DescribeEndpointOutput> {
    Ok(ctx.rt.block_on(
        ctx.sagemaker()
            .describe_endpoint()
            .endpoint_name("churn")
            .send(),
    )?)
}

/// (model name, model package ARN or image, initial instance count) of a config's variants.
type ServedVariant = (String, Option<String>, Option<i32>);

fn config_models(ctx: &StepCtx<'_>, config: &str) -> Result<Vec<ServedVariant>> {
    let sm = ctx.sagemaker();
    let c = ctx.rt.block_on(
        sm.describe_endpoint_config()
            .endpoint_config_name(config)
            .send(),
    )?;
    let mut out = vec![];
    for v in c.production_variants() {
        let m = v.model_name().unwrap_or_default().to_string();
        let d = ctx.rt.block_on(sm.describe_model().model_name(&m).send())?;
        let pkg = d
            .primary_container()
            .and_then(|c| c.model_package_name().or(c.image()))
            .map(String::from);
        out.push((m, pkg, v.initial_instance_count()));
    }
    Ok(out)
}

fn inventory_empty(ctx: &StepCtx<'_>) -> Result<()> {
    ctx.emulator.assert_none_left(&[
        ("sagemaker", "endpoints"),
        ("sagemaker", "endpoint_configs"),
        ("sagemaker", "models"),
        ("cloudwatch", "alarms"),
        ("application-autoscaling", "scalable_targets"),
        ("application-autoscaling", "scaling_policies"),
    ])
}

#[test]
fn latest_approved_version_canary_update_keeps_capacity() -> Result<()> {
    let serve = || {
        format!(
            "{}{}",
            group_with_versions(),
            endpoint(
                "  model {\n    model_package_group = mlops_model_package_group.g.name\n    instance_type       = \"ml.m5.large\"\n    instance_count      = 1\n    autoscaling {\n      min_capacity                    = 1\n      max_capacity                    = 4\n      target_invocations_per_instance = 100\n    }\n  }\n  data_capture {\n    destination = \"s3://capture/churn\"\n  }\n  rollout {\n    wait_seconds = 1\n  }\n  depends_on = [mlops_model_package.v1, mlops_model_package.v2]\n"
            )
        )
    };
    let mut tc = TestCase::new("endpoint latest approved");
    tc.check_destroyed = Some(Box::new(inventory_empty));
    tc.step(Step {
        config: serve(),
        check: Some(Box::new(|ctx| {
            let d = describe(ctx)?;
            ensure!(d.endpoint_status() == Some(&EndpointStatus::InService));
            let cfg = ctx.state.str("mlops_endpoint.e", "endpoint_config_name")?;
            ensure!(d.endpoint_config_name() == Some(cfg.as_str()));
            let v1 = ctx.state.str("mlops_model_package.v1", "arn")?;
            let models = config_models(ctx, &cfg)?;
            ensure!(models[0].1.as_deref() == Some(v1.as_str()), "serves {models:?}, want {v1}");
            let inv = ctx.emulator.inventory()?;
            ensure!(inv["cloudwatch"]["alarms"].to_string().contains("mlops-churn-5xx-errors"), "{inv}");
            ensure!(inv["application-autoscaling"]["scalable_targets"].to_string().contains("endpoint/churn/variant/primary"), "{inv}");
            // the autoscaler scales out to 3 instances
            ctx.emulator.set_endpoint_capacity("churn", "primary", 3)?;
            Ok(())
        })),
        ..Default::default()
    })
    // a newer version is approved in the registry: the next plan shows the version change,
    // the apply rolls it out
    .step(Step {
        config: serve(),
        before: Some(Box::new(|ctx| {
            ctx.set_approval(
                "mlops_model_package.v2",
                aws_sdk_sagemaker::types::ModelApprovalStatus::Approved,
            )
        })),
        expect_plan: Some(re(r#"(?s)mlops_endpoint\.e will be updated in-place.*~ model_package_arn\s*= "arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/1" -> "arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/2""#)),
        check: Some(Box::new(|ctx| {
            let d = describe(ctx)?;
            let cfg = ctx.state.str("mlops_endpoint.e", "endpoint_config_name")?;
            ensure!(d.endpoint_config_name() == Some(cfg.as_str()), "serving {:?}, state {cfg}\n{}", d.endpoint_config_name(), ctx.ws.log_tail(400));
            let v2 = ctx.state.str("mlops_model_package.v2", "arn")?;
            let models = config_models(ctx, &cfg)?;
            ensure!(models[0].1.as_deref() == Some(v2.as_str()), "serves {models:?}");
            ensure!(models[0].2 == Some(3), "capacity reset: new config starts {:?} instances", models[0].2);
            let configs = ctx.emulator.inventory()?["sagemaker"]["endpoint_configs"].clone();
            ensure!(configs.as_array().map(Vec::len) == Some(1), "old config not deleted: {configs}");
            let dep = d.last_deployment_config().context("last deployment config")?;
            let t = dep.blue_green_update_policy().and_then(|b| b.traffic_routing_configuration()).context("routing")?;
            ensure!(t.r#type().map(|x| x.as_str()) == Some("CANARY"), "routing {t:?}");
            let alarms: Vec<&str> = dep.auto_rollback_configuration().map(|a| a.alarms().iter().filter_map(|x| x.alarm_name()).collect()).unwrap_or_default();
            ensure!(alarms.contains(&"mlops-churn-5xx-errors") && alarms.contains(&"mlops-churn-model-latency"), "alarms {alarms:?}");
            Ok(())
        })),
        ..Default::default()
    })
    .run()
}

#[test]
fn rolled_back_update_fails_and_state_keeps_what_serves() -> Result<()> {
    TestCase::new("endpoint rollback")
        .step(Step {
            config: byo(IMAGE, ""),
            ..Default::default()
        })
        .step(Step {
            config: byo(BAD_IMAGE, ""),
            expect_error: Some(re(
                r"(?s)Endpoint update rolled back.*rolled endpoint churn back to churn-",
            )),
            check: Some(Box::new(|ctx| {
                let d = describe(ctx)?;
                let cfg = ctx.state.str("mlops_endpoint.e", "endpoint_config_name")?;
                ensure!(
                    d.endpoint_config_name() == Some(cfg.as_str()),
                    "state {cfg} but serving {:?}",
                    d.endpoint_config_name()
                );
                let model = ctx.state.attr("mlops_endpoint.e", "model")?;
                let model = if model.is_array() {
                    model[0].clone()
                } else {
                    model
                };
                ensure!(model["image"] == IMAGE, "state image {model}");
                let configs = ctx.emulator.inventory()?["sagemaker"]["endpoint_configs"].clone();
                ensure!(
                    configs.as_array().map(Vec::len) == Some(1),
                    "failed config left: {configs}"
                );
                Ok(())
            })),
            ..Default::default()
        })
        // the plan still wants the bad image (nothing hidden); go back to the good one
        .step(Step {
            config: byo(IMAGE, ""),
            ..Default::default()
        })
        // a default rollback alarm fires during the next rollout: SageMaker rolls back
        .step(Step {
            config: byo(&format!("{IMAGE}-v2"), ""),
            before: Some(Box::new(|ctx| {
                ctx.emulator
                    .set_alarm_state("mlops-churn-5xx-errors", "ALARM")?;
                Ok(())
            })),
            expect_error: Some(re(
                r"(?s)Endpoint update rolled back.*mlops-churn-5xx-errors",
            )),
            check: Some(Box::new(|ctx| {
                let cfg = ctx.state.str("mlops_endpoint.e", "endpoint_config_name")?;
                ensure!(
                    config_models(ctx, &cfg)?[0].1.as_deref() == Some(IMAGE),
                    "state does not record the old image"
                );
                ctx.emulator
                    .set_alarm_state("mlops-churn-5xx-errors", "OK")?;
                Ok(())
            })),
            ..Default::default()
        })
        .step(Step {
            config: byo(&format!("{IMAGE}-v2"), ""),
            ..Default::default()
        })
        .run()
}

#[test]
fn failed_create_is_tainted_and_recreated() -> Result<()> {
    let mut tc = TestCase::new("endpoint failed create");
    tc.check_destroyed = Some(Box::new(inventory_empty));
    tc.step(Step {
        config: byo(BAD_IMAGE, ""),
        expect_error: Some(re(
            r"(?s)Endpoint creation failed.*SageMaker could not create endpoint churn",
        )),
        check: Some(Box::new(|ctx| {
            let show = ctx
                .ws
                .tf_ok(&["state", "show", "-no-color", "mlops_endpoint.e"])?;
            ensure!(
                show.stdout.contains("tainted"),
                "failed endpoint not tainted: {}",
                show.stdout
            );
            ensure!(
                show.stdout.contains(":endpoint/churn"),
                "endpoint ARN not recorded: {}",
                show.stdout
            );
            Ok(())
        })),
        ..Default::default()
    })
    .step(Step {
        config: byo(IMAGE, ""),
        expect_plan: Some(re(r"(?s)mlops_endpoint\.e is tainted, so must be replaced")),
        check: Some(Box::new(|ctx| {
            ensure!(describe(ctx)?.endpoint_status() == Some(&EndpointStatus::InService));
            Ok(())
        })),
        ..Default::default()
    })
    .run()
}

#[test]
fn serverless_ab_and_shadow_variants_import_drift() -> Result<()> {
    let ab = endpoint(&format!(
        "  model {{\n    name          = \"a\"\n    image         = \"{IMAGE}\"\n    instance_type = \"ml.m5.large\"\n    weight        = 3\n  }}\n  variant {{\n    name          = \"b\"\n    image         = \"{IMAGE}-b\"\n    instance_type = \"ml.m5.large\"\n    weight        = 1\n  }}\n  shadow {{\n    name          = \"s\"\n    image         = \"{IMAGE}-s\"\n    instance_type = \"ml.m5.large\"\n  }}\n  tags = {{ team = \"ds\" }}\n"
    ));
    let serverless = endpoint(&format!(
        "  model {{\n    image = \"{IMAGE}\"\n    serverless {{\n      memory_mb       = 2048\n      max_concurrency = 5\n    }}\n  }}\n"
    ));
    let mut tc = TestCase::new("endpoint variants");
    tc.check_destroyed = Some(Box::new(inventory_empty));
    let with_lookup =
        format!("{ab}data \"mlops_endpoint\" \"d\" {{\n  name = mlops_endpoint.e.name\n}}\n");
    tc.step(Step {
        config: with_lookup,
        check: Some(Box::new(|ctx| {
            // the data source reads what runs: both variants and the shadow, with their images
            let vs = ctx.state.attr("data.mlops_endpoint.d", "variants")?;
            let names: Vec<(&str, bool)> = vs
                .as_array()
                .context("variants")?
                .iter()
                .filter_map(|v| Some((v["name"].as_str()?, v["shadow"].as_bool()?)))
                .collect();
            ensure!(
                names == [("a", false), ("b", false), ("s", true)],
                "data source variants {vs}"
            );
            ensure!(vs[1]["image"] == format!("{IMAGE}-b"), "{vs}");
            ensure!(ctx.state.str("data.mlops_endpoint.d", "status")? == "InService");
            let cfg = ctx.state.str("mlops_endpoint.e", "endpoint_config_name")?;
            let c = ctx.rt.block_on(
                ctx.sagemaker()
                    .describe_endpoint_config()
                    .endpoint_config_name(&cfg)
                    .send(),
            )?;
            let w: Vec<(String, f32)> = c
                .production_variants()
                .iter()
                .map(|v| {
                    (
                        v.variant_name().unwrap_or_default().to_string(),
                        v.initial_variant_weight().unwrap_or_default(),
                    )
                })
                .collect();
            ensure!(
                w == vec![("a".to_string(), 3.0), ("b".to_string(), 1.0)],
                "weights {w:?}"
            );
            ensure!(c.shadow_production_variants().len() == 1, "shadow");
            Ok(())
        })),
        ..Default::default()
    })
    .step(Step {
        config: ab.clone(),
        import: Some(("mlops_endpoint.e".into(), "churn".into(), vec![])),
        ..Default::default()
    })
    // drift: deleted out of band -> re-created
    .step(Step {
        config: ab,
        before: Some(Box::new(|ctx| {
            ctx.rt.block_on(
                ctx.sagemaker()
                    .delete_endpoint()
                    .endpoint_name("churn")
                    .send(),
            )?;
            Ok(())
        })),
        expect_plan: Some(re(r"(?s)mlops_endpoint\.e will be created")),
        ..Default::default()
    })
    // serverless, bring-your-own image
    .step(Step {
        config: serverless,
        check: Some(Box::new(|ctx| {
            let d = describe(ctx)?;
            let v = &d.production_variants()[0];
            ensure!(
                v.current_serverless_config().is_some(),
                "not serverless: {v:?}"
            );
            ensure!(ctx.state.attr("mlops_endpoint.e", "alarm_names")? == json!([]));
            Ok(())
        })),
        ..Default::default()
    })
    .run()
}

#[test]
fn smoke_test_failure_rolls_back() -> Result<()> {
    let smoke = |image: &str| {
        byo(image, "  smoke_test {\n    request {\n      body   = \"{\\\"x\\\": 1}\"\n      expect = \"prediction\"\n    }\n  }\n")
    };
    TestCase::new("endpoint smoke test")
        .step(Step {
            config: smoke(IMAGE),
            before: Some(Box::new(|ctx| {
                ctx.emulator
                    .set_invocation_response("churn", 200, "{\"prediction\": 0.4}")?;
                Ok(())
            })),
            ..Default::default()
        })
        .step(Step {
            config: smoke(&format!("{IMAGE}-v2")),
            before: Some(Box::new(|ctx| {
                ctx.emulator
                    .set_invocation_response("churn", 200, "{\"oops\": true}")?;
                Ok(())
            })),
            expect_error: Some(re(r#"(?s)Smoke test failed.*does not match "prediction""#)),
            check: Some(Box::new(|ctx| {
                let d = describe(ctx)?;
                let cfg = ctx.state.str("mlops_endpoint.e", "endpoint_config_name")?;
                ensure!(
                    d.endpoint_config_name() == Some(cfg.as_str()),
                    "rolled back? state {cfg}, serving {:?}",
                    d.endpoint_config_name()
                );
                let models = config_models(ctx, &cfg)?;
                ensure!(models[0].1.as_deref() == Some(IMAGE), "serves {models:?}");
                ctx.emulator
                    .set_invocation_response("churn", 200, "{\"prediction\": 0.4}")?;
                Ok(())
            })),
            ..Default::default()
        })
        .step(Step {
            config: smoke(IMAGE),
            ..Default::default()
        })
        .run()
}

#[test]
fn rollout_survives_throttling_and_server_errors() -> Result<()> {
    TestCase::new("endpoint faults")
        .step(Step {
            config: byo(IMAGE, ""),
            ..Default::default()
        })
        .step(Step {
            config: byo(&format!("{IMAGE}-v2"), ""),
            before: Some(Box::new(|ctx| {
                for op in [
                    "CreateEndpointConfig",
                    "UpdateEndpoint",
                    "DescribeEndpoint",
                    "CreateModel",
                ] {
                    ctx.emulator
                        .fault(json!({"operation": op, "kind": "throttle", "count": 2}))?;
                }
                ctx.emulator.fault(
                    json!({"operation": "DescribeEndpoint", "kind": "server_error", "count": 1}),
                )?;
                Ok(())
            })),
            check: Some(Box::new(|ctx| {
                ctx.emulator.clear_faults()?;
                let cfg = ctx.state.str("mlops_endpoint.e", "endpoint_config_name")?;
                ensure!(
                    config_models(ctx, &cfg)?[0].1.as_deref()
                        == Some(format!("{IMAGE}-v2").as_str())
                );
                Ok(())
            })),
            ..Default::default()
        })
        .run()
}

#[test]
fn invalid_endpoints_are_rejected_at_plan_without_api_calls() -> Result<()> {
    let emulator = Emulator::start()?;
    let ws = Workspace::new(&emulator, Install::DevOverride)?;
    let m = |body: &str| endpoint(&format!("  model {{\n{body}  }}\n"));
    let cases = vec![
        ("no source", m("    instance_type = \"ml.m5.large\"\n"), r"(?s)Exactly one attribute required.*model_package_arn or image; got none"),
        ("two sources", m(&format!("    image = \"{IMAGE}\"\n    model_package_group = \"churn\"\n    instance_type = \"ml.m5.large\"\n")), r"(?s)Exactly one attribute required.*model_package_group and image"),
        ("no compute", m(&format!("    image = \"{IMAGE}\"\n")), r"(?s)Exactly one attribute required.*instance_type or serverless; got none"),
        ("instances and serverless", m(&format!("    image = \"{IMAGE}\"\n    instance_type = \"ml.m5.large\"\n    serverless {{\n      memory_mb = 2048\n      max_concurrency = 1\n    }}\n")), r"(?s)Exactly one attribute required.*instance_type or serverless, not several"),
        ("bad instance type", m(&format!("    image = \"{IMAGE}\"\n    instance_type = \"ml.m5.huge\"\n")), r#"(?s)"ml\.m5\.huge" is not an instance type for real-time endpoints"#),
        ("near-miss instance type", m(&format!("    image = \"{IMAGE}\"\n    instance_type = \"ml.m5.larg\"\n")), r#"(?s)"ml\.m5\.larg" is not an instance type for real-time endpoints\. Did you mean "ml\.m5\.large"\?"#),
        ("near-miss rollout strategy", byo(IMAGE, "").replace("wait_seconds = 0", "strategy = \"Linear\""), r#"(?s)"Linear" is not a valid value for rollout.strategy\. Did you mean "linear"\?"#),
        ("bad serverless memory", m(&format!("    image = \"{IMAGE}\"\n    serverless {{\n      memory_mb = 1500\n      max_concurrency = 1\n    }}\n")), r"(?s)Invalid serverless memory"),
        ("autoscaling range", m(&format!("    image = \"{IMAGE}\"\n    instance_type = \"ml.m5.large\"\n    autoscaling {{\n      min_capacity = 5\n      max_capacity = 2\n      target_invocations_per_instance = 10\n    }}\n")), r"(?s)Empty capacity range.*min_capacity 5 is above max_capacity 2"),
        ("serverless autoscaling", m(&format!("    image = \"{IMAGE}\"\n    serverless {{\n      memory_mb = 2048\n      max_concurrency = 1\n    }}\n    autoscaling {{\n      min_capacity = 1\n      max_capacity = 2\n      target_invocations_per_instance = 10\n    }}\n")), r"(?s)Conflicting attributes.*Set serverless or autoscaling, not both"),
        ("bad rollout strategy", byo(IMAGE, "").replace("wait_seconds = 0", "strategy = \"bluegreen\""), r#"(?s)"bluegreen" is not a valid value for rollout.strategy"#),
        ("bad name", endpoint(&format!("  model {{\n    image = \"{IMAGE}\"\n    instance_type = \"ml.m5.large\"\n  }}\n")).replace("\"churn\"", "\"churn_v1\""), r#"(?s)"churn_v1" is not valid for name"#),
        ("bad sampling", byo(IMAGE, "  data_capture {\n    destination = \"s3://c/x\"\n    sampling_percentage = 101\n  }\n"), r"(?s)data_capture.sampling_percentage must be at most 100"),
        ("bad smoke regex", byo(IMAGE, "  smoke_test {\n    request {\n      body = \"x\"\n      expect = \"(\"\n    }\n  }\n"), r"(?s)Invalid regular expression"),
        ("duplicate variant names", endpoint(&format!("  model {{\n    image = \"{IMAGE}\"\n    instance_type = \"ml.m5.large\"\n  }}\n  variant {{\n    image = \"{IMAGE}\"\n    instance_type = \"ml.m5.large\"\n  }}\n")), r#"(?s)Duplicate variant name.*"primary".*default name of the model block"#),
        ("rollout of serverless", endpoint(&format!("  model {{\n    image = \"{IMAGE}\"\n    serverless {{\n      memory_mb = 2048\n      max_concurrency = 1\n    }}\n  }}\n  rollout {{\n    strategy = \"canary\"\n  }}\n")), r"(?s)Rollout of a serverless endpoint"),
    ];
    ensure_rejected(&ws, &emulator, &["mlops_endpoint.e"], &cases, &|_, _| None)?;
    // no approved version in the group: an error naming the group, before anything is created
    ws.write_config(&format!(
        "{}resource \"mlops_model_package_group\" \"g\" {{\n  name = \"empty\"\n}}\n",
        provider_block("")
    ))?;
    ws.tf_ok(&["apply", "-auto-approve", "-no-color", "-input=false"])?;
    ws.write_config(&format!(
        "{}resource \"mlops_model_package_group\" \"g\" {{\n  name = \"empty\"\n}}\n{}",
        provider_block(""),
        endpoint("  model {\n    model_package_group = mlops_model_package_group.g.name\n    instance_type = \"ml.m5.large\"\n  }\n")
    ))?;
    let r = ws.tf(&["apply", "-auto-approve", "-no-color", "-input=false"])?;
    ensure!(
        r.code != 0
            && re(r#"(?s)No approved model version.*"empty" has no approved version"#)
                .is_match(&r.all()),
        "{}",
        r.all()
    );
    ensure!(
        !ws.state()?.has("mlops_endpoint.e"),
        "nothing may be created without a version to serve"
    );
    ws.write_config(&format!(
        "{}resource \"mlops_model_package_group\" \"g\" {{\n  name = \"empty\"\n}}\n",
        provider_block("")
    ))?;
    ws.tf_ok(&["destroy", "-auto-approve", "-no-color", "-input=false"])?;
    Ok(())
}

/// Ten endpoints take about as long as one: the waits run in parallel (Terraform applies
/// resources concurrently and the provider's waits do not block each other).
#[test]
fn ten_endpoints_wait_in_parallel() -> Result<()> {
    let emulator = Emulator::start()?;
    emulator.set_endpoint_delay(3.0)?;
    let ws = Workspace::new(&emulator, Install::DevOverride)?;
    let many = |n: usize| -> String {
        (0..n)
            .map(|i| {
                format!("resource \"mlops_endpoint\" \"e{i}\" {{\n  name     = \"ep-{i}\"\n  role_arn = \"{ROLE}\"\n  model {{\n    image         = \"{IMAGE}\"\n    instance_type = \"ml.m5.large\"\n  }}\n}}\n")
            })
            .collect()
    };
    let mut times = vec![];
    for n in [1, 10] {
        ws.write_config(&format!("{}{}", provider_block(""), many(n)))?;
        let t = Instant::now();
        ws.tf_ok(&["apply", "-auto-approve", "-no-color", "-input=false"])?;
        times.push(t.elapsed().as_secs_f64());
        ws.tf_ok(&["destroy", "-auto-approve", "-no-color", "-input=false"])?;
    }
    eprintln!(
        "apply with a 3 s endpoint lifecycle: 1 endpoint {:.1} s, 10 endpoints {:.1} s",
        times[0], times[1]
    );
    ensure!(
        times[1] < times[0] * 2.5,
        "10 endpoints took {:.1} s vs {:.1} s for one: waits do not overlap",
        times[1],
        times[0]
    );
    Ok(())
}
