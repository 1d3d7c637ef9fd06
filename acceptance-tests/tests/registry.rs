//! Model registry resources against the real Terraform CLI and the emulator.

use acceptance_tests::{
    plan_rejections, provider_block, re, Emulator, Install, Step, TestCase, Workspace,
};
use anyhow::{ensure, Context, Result};
use aws_sdk_sagemaker::types::{ModelApprovalStatus, ModelPackageType};

const IMAGE: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com/xgboost:1.7";

fn group(name: &str, extra: &str) -> String {
    format!("resource \"mlops_model_package_group\" \"g\" {{\n  name = \"{name}\"\n{extra}}}\n")
}

fn version(label: &str, extra: &str) -> String {
    format!(
        "resource \"mlops_model_package\" \"{label}\" {{\n  model_package_group_name = mlops_model_package_group.g.name\n  image          = \"{IMAGE}\"\n  model_data_url = \"s3://models/{label}/model.tar.gz\"\n{extra}}}\n"
    )
}

/// No group may be left in the emulator.
fn nothing_left() -> acceptance_tests::Check {
    Box::new(|ctx| {
        let sm = ctx.sagemaker();
        let groups = ctx.rt.block_on(sm.list_model_package_groups().send())?;
        ensure!(
            groups.model_package_group_summary_list().is_empty(),
            "groups left after destroy: {:?}",
            groups.model_package_group_summary_list()
        );
        let pkgs = ctx.rt.block_on(
            sm.list_model_packages()
                .model_package_type(ModelPackageType::Both)
                .send(),
        )?;
        ensure!(
            pkgs.model_package_summary_list().is_empty(),
            "model packages left after destroy"
        );
        Ok(())
    })
}

#[test]
fn group_lifecycle_update_drift_import() -> Result<()> {
    let mut tc = TestCase::new("group lifecycle");
    tc.provider_block =
        provider_block("  default_tags {\n    tags = { team = \"ml-platform\" }\n  }\n");
    tc.check_destroyed = Some(nothing_left());
    tc.step(Step {
        config: group(
            "churn",
            "  description = \"Churn model\"\n  tags = { env = \"dev\" }\n",
        ),
        check: Some(Box::new(|ctx| {
            let arn = ctx.state.str("mlops_model_package_group.g", "arn")?;
            ensure!(arn.ends_with(":model-package-group/churn"), "arn {arn}");
            ensure!(!ctx.state.str("mlops_model_package_group.g", "created_time")?.is_empty());
            // read back through the API
            let sm = ctx.sagemaker();
            let d = ctx
                .rt
                .block_on(sm.describe_model_package_group().model_package_group_name("churn").send())?;
            ensure!(d.model_package_group_description() == Some("Churn model"));
            let tags = ctx.rt.block_on(sm.list_tags().resource_arn(&arn).send())?;
            let mut kv: Vec<(String, String)> = tags
                .tags()
                .iter()
                .map(|t| (t.key().unwrap_or_default().into(), t.value().unwrap_or_default().into()))
                .collect();
            kv.sort();
            ensure!(
                kv == vec![
                    ("env".into(), "dev".into()),
                    ("mlops:created-by".into(), "terraform-provider-mlops".into()),
                    ("team".into(), "ml-platform".into())
                ],
                "tags {kv:?}"
            );
            Ok(())
        })),
        ..Default::default()
    })
    // update in place: tags and sharing
    .step(Step {
        config: group(
            "churn",
            "  description = \"Churn model\"\n  tags = { env = \"prod\", owner = \"ds\" }\n  shared_with_accounts = [\"111111111111\", \"222222222222\"]\n",
        ),
        expect_plan: Some(re(r"(?s)mlops_model_package_group\.g will be updated in-place.*shared_with_accounts")),
        check: Some(Box::new(|ctx| {
            let sm = ctx.sagemaker();
            let p = ctx.rt.block_on(
                sm.get_model_package_group_policy()
                    .model_package_group_name("churn")
                    .send(),
            )?;
            let policy = p.resource_policy().unwrap_or_default();
            ensure!(policy.contains("arn:aws:iam::111111111111:root"), "{policy}");
            ensure!(policy.contains("arn:aws:iam::222222222222:root"), "{policy}");
            ensure!(policy.contains("model-package/churn/*"), "{policy}");
            let arn = ctx.state.str("mlops_model_package_group.g", "arn")?;
            let tags = ctx.rt.block_on(sm.list_tags().resource_arn(&arn).send())?;
            // env, owner, the default tag team, and the marker
            ensure!(tags.tags().len() == 4, "tags {:?}", tags.tags());
            Ok(())
        })),
        ..Default::default()
    })
    // drift: tag changed and policy removed out of band -> plan shows it, apply repairs it
    .step(Step {
        config: group(
            "churn",
            "  description = \"Churn model\"\n  tags = { env = \"prod\", owner = \"ds\" }\n  shared_with_accounts = [\"111111111111\", \"222222222222\"]\n",
        ),
        before: Some(Box::new(|ctx| {
            let sm = ctx.sagemaker();
            let st = ctx.ws.state()?;
            let arn = st.str("mlops_model_package_group.g", "arn")?;
            ctx.rt.block_on(
                sm.add_tags()
                    .resource_arn(&arn)
                    .tags(aws_sdk_sagemaker::types::Tag::builder().key("env").value("hacked").build())
                    .send(),
            )?;
            ctx.rt.block_on(
                sm.delete_model_package_group_policy()
                    .model_package_group_name("churn")
                    .send(),
            )?;
            Ok(())
        })),
        expect_plan: Some(re(r#"(?s)shared_with_accounts = \[ \+ "111111111111".*"env" = "hacked" -> "prod""#)),
        ..Default::default()
    })
    // description cannot change in place: replacement
    .step(Step {
        config: group(
            "churn",
            "  description = \"Churn model v2\"\n  tags = { env = \"prod\", owner = \"ds\" }\n",
        ),
        expect_plan: Some(re(r"(?s)must be replaced.*description.*forces replacement")),
        check: Some(Box::new(|ctx| {
            let sm = ctx.sagemaker();
            let d = ctx
                .rt
                .block_on(sm.describe_model_package_group().model_package_group_name("churn").send())?;
            ensure!(d.model_package_group_description() == Some("Churn model v2"));
            Ok(())
        })),
        ..Default::default()
    })
    // import by name and verify every attribute
    .step(Step {
        config: group(
            "churn",
            "  description = \"Churn model v2\"\n  tags = { env = \"prod\", owner = \"ds\" }\n",
        ),
        import: Some(("mlops_model_package_group.g".into(), "churn".into(), vec![])),
        ..Default::default()
    })
    // deleted out of band: dropped from state and planned for re-creation
    .step(Step {
        config: group(
            "churn",
            "  description = \"Churn model v2\"\n  tags = { env = \"prod\", owner = \"ds\" }\n",
        ),
        before: Some(Box::new(|ctx| {
            let sm = ctx.sagemaker();
            ctx.rt.block_on(
                sm.delete_model_package_group()
                    .model_package_group_name("churn")
                    .send(),
            )?;
            Ok(())
        })),
        expect_plan: Some(re(r"mlops_model_package_group\.g will be created")),
        ..Default::default()
    })
    .run()
}

#[test]
fn versions_approval_data_source_and_force_destroy() -> Result<()> {
    let mut tc = TestCase::new("versions");
    tc.check_destroyed = Some(nothing_left());
    let data = "data \"mlops_model_package\" \"approved\" {\n  model_package_group_name = mlops_model_package_group.g.name\n  depends_on = [mlops_model_package.v1, mlops_model_package.v2]\n}\noutput \"serving\" {\n  value = data.mlops_model_package.approved.model_data_url\n}\n";
    let base = |v1: &str, v2: &str| {
        format!(
            "{}{}{}{}",
            group("fraud", "  force_destroy = true\n"),
            version("v1", v1),
            version(
                "v2",
                &format!("  depends_on = [mlops_model_package.v1]\n{v2}")
            ),
            data
        )
    };
    tc.step(Step {
        config: base(
            "  approval_status = \"Approved\"\n  approval_description = \"baseline\"\n  customer_metadata = { commit = \"abc123\" }\n  metrics {\n    model_quality_statistics = \"s3://models/v1/evaluation.json\"\n  }\n",
            "",
        ),
        check: Some(Box::new(|ctx| {
            ensure!(ctx.state.attr("mlops_model_package.v1", "version")? == 1);
            ensure!(ctx.state.attr("mlops_model_package.v2", "version")? == 2);
            ensure!(
                ctx.state.str("mlops_model_package.v2", "approval_status")? == "PendingManualApproval"
            );
            // the data source picks the newest Approved version: v1
            ensure!(
                ctx.state.str("data.mlops_model_package.approved", "model_data_url")?
                    == "s3://models/v1/model.tar.gz"
            );
            let sm = ctx.sagemaker();
            let arn = ctx.state.str("mlops_model_package.v1", "arn")?;
            let d = ctx.rt.block_on(sm.describe_model_package().model_package_name(&arn).send())?;
            ensure!(d.approval_description() == Some("baseline"));
            ensure!(
                d.model_metrics()
                    .and_then(|m| m.model_quality())
                    .and_then(|q| q.statistics())
                    .and_then(|s| s.s3_uri())
                    == Some("s3://models/v1/evaluation.json")
            );
            Ok(())
        })),
        ..Default::default()
    })
    // approve v2 in place: the data source moves to v2
    .step(Step {
        config: base(
            "  approval_status = \"Approved\"\n  approval_description = \"baseline\"\n  customer_metadata = { commit = \"abc123\" }\n  metrics {\n    model_quality_statistics = \"s3://models/v1/evaluation.json\"\n  }\n",
            "  approval_status = \"Approved\"\n  approval_description = \"beats v1 on F1\"\n",
        ),
        expect_plan: Some(re(r#"(?s)mlops_model_package\.v2 will be updated in-place.*"PendingManualApproval" -> "Approved""#)),
        check: Some(Box::new(|ctx| {
            ensure!(
                ctx.state.str("data.mlops_model_package.approved", "model_data_url")?
                    == "s3://models/v2/model.tar.gz"
            );
            ensure!(ctx.state.attr("mlops_model_package.v2", "version")? == 2, "version kept");
            Ok(())
        })),
        ..Default::default()
    })
    // drift: v1 rejected out of band -> plan shows it
    .step(Step {
        config: base(
            "  approval_status = \"Approved\"\n  approval_description = \"baseline\"\n  customer_metadata = { commit = \"abc123\" }\n  metrics {\n    model_quality_statistics = \"s3://models/v1/evaluation.json\"\n  }\n",
            "  approval_status = \"Approved\"\n  approval_description = \"beats v1 on F1\"\n",
        ),
        before: Some(Box::new(|ctx| {
            ctx.set_approval("mlops_model_package.v1", ModelApprovalStatus::Rejected)
        })),
        expect_plan: Some(re(r#""Rejected" -> "Approved""#)),
        ..Default::default()
    })
    // import a version by ARN
    .step(Step {
        config: base(
            "  approval_status = \"Approved\"\n  approval_description = \"baseline\"\n  customer_metadata = { commit = \"abc123\" }\n  metrics {\n    model_quality_statistics = \"s3://models/v1/evaluation.json\"\n  }\n",
            "  approval_status = \"Approved\"\n  approval_description = \"beats v1 on F1\"\n",
        ),
        before: None,
        import: None,
        check: Some(Box::new(|ctx| {
            let arn = ctx.state.str("mlops_model_package.v1", "arn")?;
            acceptance_tests::import_verify(ctx.ws, "mlops_model_package.v1", &arn, &[])
        })),
        ..Default::default()
    })
    // a changed artifact replaces the version (a new version number)
    .step(Step {
        config: base(
            "  approval_status = \"Approved\"\n  approval_description = \"baseline\"\n  customer_metadata = { commit = \"abc123\" }\n  metrics {\n    model_quality_statistics = \"s3://models/v1/evaluation.json\"\n  }\n",
            "  approval_status = \"Approved\"\n  approval_description = \"beats v1 on F1\"\n  environment = { SAGEMAKER_PROGRAM = \"serve.py\" }\n",
        ),
        expect_plan: Some(re(r"(?s)mlops_model_package\.v2 must be replaced.*forces replacement")),
        check: Some(Box::new(|ctx| {
            ensure!(ctx.state.attr("mlops_model_package.v2", "version")? == 3);
            Ok(())
        })),
        ..Default::default()
    })
    // the destroy at the end goes through force_destroy with versions still inside, because
    // the group is destroyed after the versions... make sure force_destroy itself works too:
    // remove the versions from state only, then destroy the group that still holds them.
    .step(Step {
        config: group("fraud", "  force_destroy = true\n"),
        before: Some(Box::new(|ctx| {
            ctx.ws.tf_ok(&["state", "rm", "-no-color", "mlops_model_package.v1", "mlops_model_package.v2"])?;
            Ok(())
        })),
        check: Some(Box::new(|ctx| {
            let pkgs = ctx.rt.block_on(
                ctx.sagemaker()
                    .list_model_packages()
                    .model_package_group_name("fraud")
                    .send(),
            )?;
            ensure!(pkgs.model_package_summary_list().len() == 2, "versions still inside the group");
            Ok(())
        })),
        ..Default::default()
    })
    .run()
}

#[test]
fn non_empty_group_without_force_destroy_fails_cleanly() -> Result<()> {
    let emulator = Emulator::start()?;
    let ws = Workspace::new(&emulator, Install::DevOverride)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    ws.write_config(&format!("{}{}", provider_block(""), group("keep", "")))?;
    ws.tf_ok(&["apply", "-auto-approve", "-no-color"])?;
    let sm = emulator.sagemaker(&rt);
    rt.block_on(
        sm.create_model_package()
            .model_package_group_name("keep")
            .inference_specification(
                aws_sdk_sagemaker::types::InferenceSpecification::builder()
                    .containers(
                        aws_sdk_sagemaker::types::ModelPackageContainerDefinition::builder()
                            .image(IMAGE)
                            .build(),
                    )
                    .build(),
            )
            .send(),
    )?;
    let r = ws.tf(&["destroy", "-auto-approve", "-no-color"])?;
    ensure!(r.code != 0, "destroy of a non-empty group must fail");
    ensure!(
        re(r"(?s)Model package group is not empty.*still holds 1 model version.*Nothing was deleted.*force_destroy").is_match(&r.all()),
        "{}",
        r.all()
    );
    // nothing deleted, still tracked
    ensure!(ws.state()?.has("mlops_model_package_group.g"));
    let groups = rt.block_on(sm.list_model_package_groups().send())?;
    ensure!(groups.model_package_group_summary_list().len() == 1);
    // opting in to force_destroy deletes both
    ws.write_config(&format!(
        "{}{}",
        provider_block(""),
        group("keep", "  force_destroy = true\n")
    ))?;
    ws.tf_ok(&["apply", "-auto-approve", "-no-color"])?;
    ws.tf_ok(&["destroy", "-auto-approve", "-no-color"])?;
    let groups = rt.block_on(sm.list_model_package_groups().send())?;
    ensure!(groups.model_package_group_summary_list().is_empty());
    Ok(())
}

#[test]
fn data_source_without_match_fails_clearly() -> Result<()> {
    TestCase::new("data source no match")
        .step(Step {
            config: format!(
                "{}{}data \"mlops_model_package\" \"x\" {{\n  model_package_group_name = mlops_model_package_group.g.name\n  depends_on = [mlops_model_package.v1]\n}}\n",
                group("empty-approved", "  force_destroy = true\n"),
                version("v1", "")
            ),
            expect_error: Some(re(
                r#"(?s)No matching model version.*"empty-approved" has no version with approval status Approved"#,
            )),
            ..Default::default()
        })
        // a failing data source blocks every plan (destroy too) until it is fixed or removed
        .step(Step {
            config: format!(
                "{}{}",
                group("empty-approved", "  force_destroy = true\n"),
                version("v1", "")
            ),
            ..Default::default()
        })
        .run()
}

#[test]
fn survives_throttling_and_server_errors() -> Result<()> {
    let emulator = Emulator::start()?;
    let ws = Workspace::new(&emulator, Install::DevOverride)?;
    emulator.fault(
        serde_json::json!({"operation": "CreateModelPackageGroup", "kind": "throttle", "count": 2}),
    )?;
    emulator.fault(serde_json::json!({"operation": "DescribeModelPackageGroup", "kind": "server_error", "status": 503, "count": 2}))?;
    emulator.fault(
        serde_json::json!({"operation": "CreateModelPackage", "kind": "server_error", "count": 1}),
    )?;
    emulator.fault(
        serde_json::json!({"operation": "ListTags", "kind": "throttle", "probability": 0.3}),
    )?;
    ws.write_config(&format!(
        "{}{}{}",
        provider_block(""),
        group(
            "resilient",
            "  force_destroy = true\n  tags = { a = \"b\" }\n"
        ),
        version("v1", "  approval_status = \"Approved\"\n")
    ))?;
    let r = ws.tf_ok(&["apply", "-auto-approve", "-no-color"])?;
    ensure!(r.stdout.contains("2 added"), "{}", r.stdout);
    let calls = emulator.calls()?;
    ensure!(
        calls.get("sagemaker.CreateModelPackageGroup") == Some(&3),
        "2 throttles + 1 success, got {calls:?}"
    );
    ensure!(
        calls.get("sagemaker.CreateModelPackage") == Some(&2),
        "{calls:?}"
    );
    ensure!(
        calls.get("sagemaker.CreateModelPackage") == Some(&2),
        "{calls:?}"
    );
    emulator.clear_faults()?;
    ws.assert_plan_empty()?;
    ws.tf_ok(&["destroy", "-auto-approve", "-no-color"])?;
    Ok(())
}

#[test]
fn invalid_configs_are_rejected_at_plan_without_api_calls() -> Result<()> {
    let emulator = Emulator::start()?;
    let ws = Workspace::new(&emulator, Install::DevOverride)?;
    let cases: Vec<(&str, String, &str)> = vec![
        ("name with underscore", group("bad_name", ""), r#"(?s)Invalid attribute value.*name = "bad_name".*"bad_name" is not valid for name"#),
        ("name too long", group(&"a".repeat(64), ""), r"(?s)name must be at most 63 characters long, got 64"),
        ("name ends with hyphen", group("churn-", ""), r#"(?s)"churn-" is not valid for name"#),
        ("description too long", group("ok", &format!("  description = \"{}\"\n", "d".repeat(1025))), r"(?s)description must be at most 1024 characters long"),
        ("bad account id", group("ok", "  shared_with_accounts = [\"12345\"]\n"), r#"(?s)"12345" is not valid for shared_with_accounts"#),
        ("reserved tag key", group("ok", "  tags = { \"aws:owner\" = \"x\" }\n"), r#"(?s)Invalid tag key.*aws:owner"#),
        ("bad timeout", group("ok", "  timeouts {\n    create = \"ten minutes\"\n  }\n"), r#"(?s)Invalid timeout.*"ten minutes" is not a duration"#),
        ("bad approval status", format!("{}{}", group("ok", ""), version("v", "  approval_status = \"Approved!\"\n")), r#"(?s)"Approved!" is not a valid value for approval_status. Did you mean "Approved"\? Expected one of: Approved, Rejected, PendingManualApproval"#),
        ("bad artifact url", format!("{}{}", group("ok", ""), version("v", "").replace("s3://models/v/model.tar.gz", "ftp://models/model.tar.gz")), r#"(?s)"ftp://models/model.tar.gz" is not valid for model_data_url"#),
        ("image with whitespace", format!("{}{}", group("ok", ""), version("v", "").replace(IMAGE, "my image")), r#"(?s)"my image" is not valid for image"#),
        ("bad metrics uri", format!("{}{}", group("ok", ""), version("v", "  metrics {\n    data_quality_statistics = \"file:///tmp/x.json\"\n  }\n")), r"(?s)is not valid for metrics.data_quality_statistics"),
        ("data source version 0", "data \"mlops_model_package\" \"x\" {\n  model_package_group_name = \"g\"\n  version = 0\n}\n".to_string(), r"(?s)version must be at least 1"),
    ];
    let mut failures = plan_rejections(
        &ws,
        &emulator,
        &[
            "mlops_model_package_group.g",
            "mlops_model_package.v",
            "mlops_model_package.x",
        ],
        &cases,
        &|_, _| None,
    )?;
    // provider-level validation
    for (label, block, pattern) in [
        (
            "bad region",
            "  region = \"narnia\"\n",
            r#"(?s)"narnia" is not valid for region"#,
        ),
        (
            "half static credentials",
            "  access_key = \"AKIA\"\n",
            r"(?s)Incomplete static credentials",
        ),
    ] {
        let hcl = format!(
            "terraform {{\n  required_providers {{\n    mlops = {{ source = \"mlops/mlops\" }}\n  }}\n}}\nprovider \"mlops\" {{\n{block}}}\n{}",
            group("ok", "")
        );
        ws.write_config(&hcl)?;
        emulator.clear_requests()?;
        let r = ws.tf(&["plan", "-no-color", "-input=false"])?;
        if r.code == 0 || !re(pattern).is_match(&r.all()) {
            failures.push(format!("{label}: exit {} output:\n{}", r.code, r.all()));
        }
        if !emulator.calls()?.is_empty() {
            failures.push(format!("{label}: API calls were made"));
        }
    }
    ensure!(failures.is_empty(), "{}", failures.join("\n\n"));
    Ok(())
}

#[test]
fn failed_create_is_tracked_and_tainted() -> Result<()> {
    // The group is created, but putting its policy fails: it must stay in state (tainted) and
    // be replaced on the next apply, never orphaned.
    let emulator = Emulator::start()?;
    let ws = Workspace::new(&emulator, Install::DevOverride)?;
    emulator.fault(serde_json::json!({"operation": "PutModelPackageGroupPolicy", "kind": "server_error", "count": 50}))?;
    let cfg = format!(
        "{}{}",
        provider_block("  max_retries = 2\n"),
        group("partial", "  shared_with_accounts = [\"111111111111\"]\n")
    );
    ws.write_config(&cfg)?;
    let r = ws.tf(&["apply", "-auto-approve", "-no-color"])?;
    ensure!(r.code != 0, "apply must fail");
    ensure!(
        r.all().contains("PutModelPackageGroupPolicy"),
        "{}",
        r.all()
    );
    let show = ws.tf_ok(&["state", "show", "-no-color", "mlops_model_package_group.g"])?;
    ensure!(show.stdout.contains("tainted"), "{}", show.stdout);
    ensure!(
        show.stdout.contains("model-package-group/partial"),
        "{}",
        show.stdout
    );
    emulator.clear_faults()?;
    let r = ws.tf_ok(&["apply", "-auto-approve", "-no-color"])?;
    ensure!(
        r.stdout.contains("1 added") && r.stdout.contains("1 destroyed"),
        "{}",
        r.stdout
    );
    ws.assert_plan_empty()?;
    ws.tf_ok(&["destroy", "-auto-approve", "-no-color"])
        .context("destroy")?;
    Ok(())
}

#[test]
fn unknown_values_at_plan_time_are_not_errors() -> Result<()> {
    // The name is only known at apply (it depends on another resource's computed id):
    // validation must skip it at plan and check it once known.
    TestCase::new("unknown at plan")
        .step(Step {
            config: "resource \"terraform_data\" \"suffix\" {\n  input = \"x\"\n}\nresource \"mlops_model_package_group\" \"g\" {\n  name = \"grp-${terraform_data.suffix.id}\"\n  tags = { source = terraform_data.suffix.id }\n}\n".into(),
            expect_plan: Some(re(r"(?s)mlops_model_package_group\.g will be created.*name\s+= \(known after apply\)")),
            check: Some(Box::new(|ctx| {
                let name = ctx.state.str("mlops_model_package_group.g", "name")?;
                ensure!(name.starts_with("grp-") && name.len() == 40, "{name}");
                Ok(())
            })),
            ..Default::default()
        })
        .run()
}

#[test]
fn version_deleted_out_of_band_is_dropped_on_refresh_and_recreated() -> Result<()> {
    let cfg = format!(
        "{}{}",
        group("gone", "  force_destroy = true\n"),
        version("v1", "  approval_status = \"Approved\"\n")
    );
    let mut tc = TestCase::new("version deleted out of band");
    tc.check_destroyed = Some(nothing_left());
    tc.step(Step {
        config: cfg.clone(),
        ..Default::default()
    })
    .step(Step {
        config: cfg.clone(),
        before: Some(Box::new(|ctx| {
            let arn = ctx.ws.state()?.str("mlops_model_package.v1", "arn")?;
            ctx.rt.block_on(
                ctx.sagemaker()
                    .delete_model_package()
                    .model_package_name(arn)
                    .send(),
            )?;
            Ok(())
        })),
        refresh_only: true,
        check: Some(Box::new(|ctx| {
            ensure!(
                !ctx.state.has("mlops_model_package.v1"),
                "refresh must drop the deleted version"
            );
            ensure!(ctx.state.has("mlops_model_package_group.g"));
            Ok(())
        })),
        ..Default::default()
    })
    .step(Step {
        config: cfg,
        expect_plan: Some(re(r"mlops_model_package\.v1 will be created")),
        check: Some(Box::new(|ctx| {
            // versions are never reused: the re-created one is version 2
            ensure!(ctx.state.attr("mlops_model_package.v1", "version")? == 2);
            Ok(())
        })),
        ..Default::default()
    })
    .run()
}
