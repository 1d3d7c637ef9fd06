//! `mlops_feature_view` against the real Terraform CLI and the emulator: schema evolution
//! without data loss.

use acceptance_tests::{
    ensure_rejected, re, Emulator, Install, Step, StepCtx, TestCase, Workspace,
};
use anyhow::{ensure, Result};

const ROLE: &str = "arn:aws:iam::123456789012:role/FeatureStore";

fn view(features: &str, extra: &str) -> String {
    format!(
        r#"resource "mlops_feature_view" "customers" {{
  name        = "customers"
  description = "Customer features"
  entity_key  = "customer_id"
  event_time  = "event_time"
  role_arn    = "{ROLE}"
  feature {{
    name = "customer_id"
    type = "String"
  }}
  feature {{
    name = "event_time"
    type = "Fractional"
  }}
{features}
  online_store {{
    ttl_value = 30
  }}
  offline_store {{
    s3_uri = "s3://features/customers"
  }}
{extra}}}
"#
    )
}

const AGE: &str = "  feature {\n    name        = \"age\"\n    type        = \"Integral\"\n    description = \"Age in years\"\n  }\n";

fn remote_features(ctx: &StepCtx<'_>) -> Result<Vec<(String, String)>> {
    let d = ctx.rt.block_on(
        ctx.sagemaker()
            .describe_feature_group()
            .feature_group_name("customers")
            .send(),
    )?;
    Ok(d.feature_definitions()
        .iter()
        .map(|f| {
            (
                f.feature_name().unwrap_or_default().to_string(),
                f.feature_type()
                    .map(|t| t.as_str().to_string())
                    .unwrap_or_default(),
            )
        })
        .collect())
}

fn nothing_left(ctx: &StepCtx<'_>) -> Result<()> {
    ctx.emulator
        .assert_none_left(&[("sagemaker", "feature_groups")])
}

#[test]
fn feature_view_evolves_without_data_loss() -> Result<()> {
    let spend = "  feature {\n    name        = \"spend_30d\"\n    type        = \"Fractional\"\n    description = \"Spend over 30 days\"\n  }\n";
    let mut tc = TestCase::new("feature view");
    tc.check_destroyed = Some(Box::new(nothing_left));
    tc.step(Step {
        config: format!(
            "{}data \"mlops_feature_view\" \"read\" {{\n  name = mlops_feature_view.customers.name\n}}\n",
            view(AGE, "  tags = { team = \"ds\" }\n")
        ),
        check: Some(Box::new(|ctx| {
            // the data source reads the schema back
            let f = ctx.state.attr("data.mlops_feature_view.read", "features")?;
            ensure!(f[2]["name"] == "age" && f[2]["description"] == "Age in years", "{f}");
            ensure!(ctx.state.str("data.mlops_feature_view.read", "entity_key")? == "customer_id");
            let f = remote_features(ctx)?;
            ensure!(f.len() == 3 && f[2] == ("age".into(), "Integral".into()), "{f:?}");
            let m = ctx.rt.block_on(
                ctx.sagemaker()
                    .describe_feature_metadata()
                    .feature_group_name("customers")
                    .feature_name("age")
                    .send(),
            )?;
            ensure!(m.description() == Some("Age in years"));
            Ok(())
        })),
        ..Default::default()
    })
    // a new feature (listed before an existing one) and a new description: in place
    .step(Step {
        config: view(&format!("{spend}{}", AGE.replace("Age in years", "Age (years)")), "  tags = { team = \"ds\" }\n"),
        expect_plan: Some(re(r"(?s)mlops_feature_view\.customers will be updated in-place.*Plan: 0 to add, 1 to change, 0 to destroy")),
        check: Some(Box::new(|ctx| {
            let f = remote_features(ctx)?;
            ensure!(f.iter().any(|x| x.0 == "spend_30d" && x.1 == "Fractional"), "{f:?}");
            let calls = ctx.emulator.calls()?;
            ensure!(!calls.contains_key("sagemaker.DeleteFeatureGroup"), "group deleted: {calls:?}");
            Ok(())
        })),
        ..Default::default()
    })
    // retyping loses data: refused at plan with an explanation
    .step(Step {
        config: view(&format!("{spend}{}", AGE.replace("Age in years", "Age (years)").replace("Integral", "Fractional")), "  tags = { team = \"ds\" }\n"),
        plan_only: true,
        expect_error: Some(re(r#"(?s)Change would lose the feature group's data.*Feature "age" changes type from Integral to Fractional.*allow_replacement = true"#)),
        ..Default::default()
    })
    // removing a feature too
    .step(Step {
        config: view(spend, "  tags = { team = \"ds\" }\n"),
        plan_only: true,
        expect_error: Some(re(r#"(?s)Change would lose the feature group's data.*Feature "age" is removed"#)),
        ..Default::default()
    })
    // features listed in SageMaker's order (additions last): a reorder, no API write
    .step(Step {
        config: view(
            &format!("{}{spend}", AGE.replace("Age in years", "Age (years)")),
            "  tags = { team = \"ds\" }\n",
        ),
        before: Some(Box::new(|ctx| ctx.emulator.clear_requests())),
        check: Some(Box::new(|ctx| {
            let calls = ctx.emulator.calls()?;
            let writes: Vec<_> = calls
                .keys()
                .filter(|k| k.contains("Update") || k.contains("Create") || k.contains("Delete"))
                .collect();
            ensure!(writes.is_empty(), "a reorder wrote: {writes:?}");
            Ok(())
        })),
        ..Default::default()
    })
    // import: everything comes back (import cannot know a configuration's feature order, so
    // it uses SageMaker's)
    .step(Step {
        config: view(&format!("{}{spend}", AGE.replace("Age in years", "Age (years)")), "  tags = { team = \"ds\" }\n"),
        import: Some(("mlops_feature_view.customers".into(), "customers".into(), vec![])),
        ..Default::default()
    })
    // a feature added and the online TTL changed in the same apply: two updates, in place
    .step(Step {
        config: view(
            &format!(
                "{}{spend}  feature {{\n    name = \"visits\"\n    type = \"Integral\"\n  }}\n",
                AGE.replace("Age in years", "Age (years)")
            ),
            "  tags = { team = \"ds\" }\n",
        )
        .replace("ttl_value = 30", "ttl_value = 7"),
        expect_plan: Some(re(r"(?s)will be updated in-place.*ttl_value\s*= 30 -> 7")),
        check: Some(Box::new(|ctx| {
            let f = remote_features(ctx)?;
            ensure!(f.iter().any(|x| x.0 == "visits"), "{f:?}");
            let d = ctx.rt.block_on(ctx.sagemaker().describe_feature_group().feature_group_name("customers").send())?;
            let ttl = d.online_store_config().and_then(|o| o.ttl_duration()).and_then(|t| t.value());
            ensure!(ttl == Some(7), "ttl {ttl:?}");
            Ok(())
        })),
        ..Default::default()
    })
    // opt-in replacement
    .step(Step {
        config: view(spend, "  tags = { team = \"ds\" }\n  allow_replacement = true\n"),
        expect_plan: Some(re(r"(?s)mlops_feature_view\.customers must be replaced")),
        check: Some(Box::new(|ctx| {
            let f = remote_features(ctx)?;
            ensure!(!f.iter().any(|x| x.0 == "age"), "{f:?}");
            Ok(())
        })),
        ..Default::default()
    })
    // deleted out of band: planned again
    .step(Step {
        config: view(spend, "  tags = { team = \"ds\" }\n  allow_replacement = true\n"),
        before: Some(Box::new(|ctx| {
            ctx.rt.block_on(
                ctx.sagemaker()
                    .delete_feature_group()
                    .feature_group_name("customers")
                    .send(),
            )?;
            std::thread::sleep(std::time::Duration::from_secs(2));
            Ok(())
        })),
        expect_plan: Some(re(r"(?s)mlops_feature_view\.customers will be created")),
        ..Default::default()
    })
    .run()
}

#[test]
fn invalid_feature_views_are_rejected_at_plan_without_api_calls() -> Result<()> {
    let emulator = Emulator::start()?;
    let ws = Workspace::new(&emulator, Install::DevOverride)?;
    let cases = vec![
        (
            "entity key not a feature",
            view("", "").replace("entity_key  = \"customer_id\"", "entity_key  = \"id\""),
            r#"(?s)Unknown entity key.*"id" must be one of the features"#,
        ),
        (
            "integral event time",
            view("", "").replace("type = \"Fractional\"", "type = \"Integral\""),
            r"(?s)Event time of the wrong type",
        ),
        (
            "bad type",
            view(
                "  feature {\n    name = \"x\"\n    type = \"Double\"\n  }\n",
                "",
            ),
            r#"(?s)"Double" is not a valid value for feature\[2\]\.type"#,
        ),
        (
            "duplicate feature",
            view(
                "  feature {\n    name = \"Customer_ID\"\n    type = \"String\"\n  }\n",
                "",
            ),
            r"(?s)Duplicate feature.*case-insensitive",
        ),
        (
            "bad name",
            view("", "").replace(
                "name        = \"customers\"",
                "name        = \"customers!\"",
            ),
            r#"(?s)"customers!" is not valid for name"#,
        ),
        (
            "offline without role",
            view("", "").replace(&format!("  role_arn    = \"{ROLE}\"\n"), ""),
            r"(?s)Missing role",
        ),
        (
            "bad ttl unit",
            view("", "").replace(
                "ttl_value = 30",
                "ttl_value = 30\n    ttl_unit = \"Months\"",
            ),
            r#"(?s)"Months" is not a valid value for online_store\.ttl_unit"#,
        ),
    ];
    ensure_rejected(
        &ws,
        &emulator,
        &["mlops_feature_view.customers"],
        &cases,
        &|_, _| None,
    )?;
    Ok(())
}

const MARKER: &str = "mlops:created-by";

/// Create the group `view("", ..)` describes (without `age`) through the SDK, with `tags`:
/// as an interrupted apply leaves it (with the creating tag), or as someone else made it.
fn create_out_of_band(ctx: &StepCtx<'_>, tags: &[(&str, &str)]) -> Result<String> {
    use aws_sdk_sagemaker::types::{
        FeatureDefinition, FeatureType, OfflineStoreConfig, OnlineStoreConfig, S3StorageConfig,
        Tag, TtlDuration, TtlDurationUnit,
    };
    let feature = |n: &str, t: &str| {
        FeatureDefinition::builder()
            .feature_name(n)
            .feature_type(FeatureType::from(t))
            .build()
    };
    let mut create = ctx
        .sagemaker()
        .create_feature_group()
        .feature_group_name("customers")
        .description("Customer features")
        .record_identifier_feature_name("customer_id")
        .event_time_feature_name("event_time")
        .feature_definitions(feature("customer_id", "String"))
        .feature_definitions(feature("event_time", "Fractional"))
        .online_store_config(
            OnlineStoreConfig::builder()
                .enable_online_store(true)
                .ttl_duration(
                    TtlDuration::builder()
                        .unit(TtlDurationUnit::Days)
                        .value(30)
                        .build(),
                )
                .build(),
        )
        .offline_store_config(
            OfflineStoreConfig::builder()
                .s3_storage_config(
                    S3StorageConfig::builder()
                        .s3_uri("s3://features/customers")
                        .build(),
                )
                .build(),
        )
        .role_arn(ROLE);
    for (k, v) in tags {
        create = create.tags(Tag::builder().key(*k).value(*v).build());
    }
    let r = ctx.rt.block_on(create.send())?;
    Ok(r.feature_group_arn().unwrap_or_default().to_string())
}

/// The configuration's tags plus the marker, as a group this provider made carries them.
fn marked_ds() -> Vec<(String, String)> {
    vec![
        (MARKER.to_string(), "terraform-provider-mlops".to_string()),
        ("team".to_string(), "ds".to_string()),
    ]
}

fn remote_tags(ctx: &StepCtx<'_>, arn: &str) -> Result<Vec<(String, String)>> {
    let r = ctx
        .rt
        .block_on(ctx.sagemaker().list_tags().resource_arn(arn).send())?;
    Ok(r.tags()
        .iter()
        .map(|t| {
            (
                t.key().unwrap_or_default().to_string(),
                t.value().unwrap_or_default().to_string(),
            )
        })
        .collect())
}

/// Since the requests were cleared, the provider wrote nothing (no update, tag or delete
/// call) but the one CreateFeatureGroup that met the group.
fn no_writes_but_the_create(ctx: &StepCtx<'_>) -> Result<()> {
    let calls = ctx.emulator.calls()?;
    let writes: Vec<_> = calls
        .keys()
        .filter(|k| k.contains("Update") || k.contains("Delete") || k.contains("AddTags"))
        .collect();
    ensure!(writes.is_empty(), "wrote to the group: {calls:?}");
    ensure!(
        calls.get("sagemaker.CreateFeatureGroup") == Some(&1),
        "{calls:?}"
    );
    Ok(())
}

fn groups(ctx: &StepCtx<'_>) -> Result<serde_json::Value> {
    Ok(ctx.emulator.inventory()?["sagemaker"]["feature_groups"].clone())
}

/// An interrupted apply (kill -9 after CreateFeatureGroup) left the group with the creating
/// tag and no state entry. If the configuration changed since in a way SageMaker cannot
/// apply, the apply says so and leaves the group alone; once it matches, a plain apply adopts
/// the group (the same one), converges it (a feature added, the TTL, tags), removes the tag.
#[test]
fn half_made_feature_group_is_adopted() -> Result<()> {
    let mut tc = TestCase::new("feature view half-made");
    tc.check_destroyed = Some(Box::new(nothing_left));
    let arn = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let (arn1, arn2) = (arn.clone(), arn.clone());
    let tags = "  tags = { team = \"ds\" }\n";
    tc.step(Step {
        config: view(AGE, tags).replace("\"Customer features\"", "\"Customers\""),
        before: Some(Box::new(move |ctx| {
            let a = create_out_of_band(ctx, &[(MARKER, "terraform-provider-mlops"), ("team", "old")])?;
            *arn1.lock().unwrap_or_else(|e| e.into_inner()) = a;
            ctx.emulator.clear_requests()
        })),
        expect_error: Some(re(r#"(?s)Half-made feature group differs from the configuration.*Feature group customers was left half-made by an interrupted apply with the description "Customer features" \(the configuration has "Customers"\).*delete-feature-group"#)),
        check: Some(Box::new(move |ctx| {
            ensure!(!ctx.state.has("mlops_feature_view.customers"), "nothing may be recorded");
            no_writes_but_the_create(ctx)?;
            let a = arn2.lock().unwrap_or_else(|e| e.into_inner()).clone();
            ensure!(remote_tags(ctx, &a)?.iter().any(|t| t.0 == MARKER), "the marker stays");
            Ok(())
        })),
        ..Default::default()
    })
    .step(Step {
        config: view(AGE, tags).replace("ttl_value = 30", "ttl_value = 7"),
        check: Some(Box::new(move |ctx| {
            let a = arn.lock().unwrap_or_else(|e| e.into_inner()).clone();
            ensure!(ctx.state.str("mlops_feature_view.customers", "arn")? == a, "not the same group");
            ensure!(groups(ctx)? == serde_json::json!(["customers"]), "{}", groups(ctx)?);
            ensure!(remote_tags(ctx, &a)? == marked_ds(), "{:?}", remote_tags(ctx, &a)?);
            let f = remote_features(ctx)?;
            ensure!(f.contains(&("age".into(), "Integral".into())), "{f:?}");
            let d = ctx.rt.block_on(ctx.sagemaker().describe_feature_group().feature_group_name("customers").send())?;
            let ttl = d.online_store_config().and_then(|o| o.ttl_duration()).and_then(|t| t.value());
            ensure!(ttl == Some(7), "ttl {ttl:?}");
            let m = ctx.rt.block_on(ctx.sagemaker().describe_feature_metadata().feature_group_name("customers").feature_name("age").send())?;
            ensure!(m.description() == Some("Age in years"));
            let log = std::fs::read_to_string(ctx.ws.dir.path().join("terraform.log"))?;
            ensure!(log.contains("adopting it"), "no adoption logged");
            Ok(())
        })),
        ..Default::default()
    })
    // a group still being deleted (here out of band, with no state entry left) is waited
    // out, then created
    .step(Step {
        config: view(AGE, tags).replace("ttl_value = 30", "ttl_value = 7"),
        before: Some(Box::new(|ctx| {
            ctx.emulator.set_endpoint_delay(5.0)?;
            ctx.rt.block_on(ctx.sagemaker().delete_feature_group().feature_group_name("customers").send())?;
            ctx.ws.tf_ok(&["state", "rm", "-no-color", "mlops_feature_view.customers"])?;
            Ok(())
        })),
        check: Some(Box::new(|ctx| {
            ctx.emulator.set_endpoint_delay(1.0)?;
            let log = std::fs::read_to_string(ctx.ws.dir.path().join("terraform.log"))?;
            ensure!(log.contains("feature group still being deleted"), "the deletion was not waited out");
            ensure!(groups(ctx)? == serde_json::json!(["customers"]), "{}", groups(ctx)?);
            let a = ctx.state.str("mlops_feature_view.customers", "arn")?;
            ensure!(remote_tags(ctx, &a)? == marked_ds(), "{:?}", remote_tags(ctx, &a)?);
            Ok(())
        })),
        ..Default::default()
    })
    .run()
}

/// A group of the same name made by someone else (no creating tag): the apply fails naming
/// it and the import block, without writing to it; the import block from the message
/// imports it and the plan is empty.
#[test]
fn someone_elses_feature_group_is_not_taken_over() -> Result<()> {
    let mut tc = TestCase::new("feature view foreign group");
    tc.check_destroyed = Some(Box::new(nothing_left));
    let tags = "  tags = { team = \"ds\" }\n";
    let import = "import {\n  to = mlops_feature_view.customers\n  id = \"customers\"\n}\n";
    let arn = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let arn1 = arn.clone();
    tc.step(Step {
        config: view("", tags),
        before: Some(Box::new(move |ctx| {
            *arn1.lock().unwrap_or_else(|e| e.into_inner()) = create_out_of_band(ctx, &[("team", "ds")])?;
            ctx.emulator.clear_requests()
        })),
        expect_error: Some(re(r#"(?s)Feature group customers already exists.*does not carry the mlops:created-by marker.*import \{\s*to = mlops_feature_view\.<name>\s*id = "customers"\s*\}"#)),
        check: Some(Box::new(move |ctx| {
            ensure!(!ctx.state.has("mlops_feature_view.customers"), "nothing may be recorded");
            no_writes_but_the_create(ctx)?;
            let a = arn.lock().unwrap_or_else(|e| e.into_inner()).clone();
            ensure!(remote_tags(ctx, &a)? == vec![("team".to_string(), "ds".to_string())]);
            Ok(())
        })),
        ..Default::default()
    })
    .step(Step {
        config: format!("{}{import}", view("", tags)),
        check: Some(Box::new(|ctx| {
            ensure!(ctx.state.str("mlops_feature_view.customers", "description")? == "Customer features");
            Ok(())
        })),
        ..Default::default()
    })
    .run()
}

/// CreateFeatureGroup has no client token: when its answer is lost (the group made, a 500
/// returned) the SDK's retry meets the group, which the creating tag identifies as this
/// create's own: it is adopted, and there is still one group.
#[test]
fn lost_create_answer_makes_no_duplicate() -> Result<()> {
    let mut tc = TestCase::new("feature view lost create answer");
    tc.check_destroyed = Some(Box::new(nothing_left));
    tc.step(Step {
        config: view(AGE, "  tags = { team = \"ds\" }\n"),
        before: Some(Box::new(|ctx| {
            ctx.emulator.fault(serde_json::json!({
                "operation": "CreateFeatureGroup", "kind": "lost_response", "count": 1
            }))
        })),
        check: Some(Box::new(|ctx| {
            let calls = ctx.emulator.calls()?;
            ensure!(
                calls.get("sagemaker.CreateFeatureGroup") == Some(&2),
                "no retry happened: {calls:?}"
            );
            ensure!(
                groups(ctx)? == serde_json::json!(["customers"]),
                "{}",
                groups(ctx)?
            );
            let a = ctx.state.str("mlops_feature_view.customers", "arn")?;
            ensure!(
                remote_tags(ctx, &a)? == marked_ds(),
                "{:?}",
                remote_tags(ctx, &a)?
            );
            Ok(())
        })),
        ..Default::default()
    })
    .run()
}

/// A create stopped while the group is still Creating (here by its timeout; Ctrl-C stops
/// it at the same point) leaves the group in state, tainted. The next apply replaces it:
/// SageMaker refuses to delete a Creating group, so the delete waits until it settles,
/// then deletes it and creates it anew. (Found by the crash suite's SIGINT round.)
#[test]
fn a_group_still_creating_is_replaced_once_it_settles() -> Result<()> {
    let mut tc = TestCase::new("feature view replaced while creating");
    tc.check_destroyed = Some(Box::new(nothing_left));
    let timeout = "  timeouts {\n    create = \"1s\"\n  }\n";
    tc.step(Step {
        config: view(AGE, timeout),
        before: Some(Box::new(|ctx| ctx.emulator.set_endpoint_delay(5.0))),
        expect_error: Some(re(
            r"(?s)Timed out waiting for\s+feature\s+group\s+customers\s+to\s+be\s+created",
        )),
        check: Some(Box::new(|ctx| {
            ensure!(
                ctx.state.has("mlops_feature_view.customers"),
                "the group must be kept in state"
            );
            Ok(())
        })),
        ..Default::default()
    })
    .step(Step {
        config: view(AGE, ""),
        check: Some(Box::new(|ctx| {
            ctx.emulator.set_endpoint_delay(1.0)?;
            let calls = ctx.emulator.calls()?;
            ensure!(
                calls.get("sagemaker.DeleteFeatureGroup") == Some(&2)
                    && calls.get("sagemaker.CreateFeatureGroup") == Some(&2),
                "refused once, deleted after settling, created anew: {calls:?}"
            );
            let log = std::fs::read_to_string(ctx.ws.dir.path().join("terraform.log"))?;
            ensure!(
                log.contains("feature group customers to settle before deleting it"),
                "the delete did not wait for the group to settle"
            );
            ensure!(
                groups(ctx)? == serde_json::json!(["customers"]),
                "{}",
                groups(ctx)?
            );
            Ok(())
        })),
        ..Default::default()
    })
    .run()
}
