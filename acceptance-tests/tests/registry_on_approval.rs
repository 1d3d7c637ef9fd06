//! `on_approval` of `mlops_model_package_group` (a GitLab pipeline trigger called through an
//! EventBridge rule, connection and API destination) against the real Terraform CLI and the
//! emulator: create, in-place updates (ref, variables, token, endpoint), drift, import,
//! removal, destroy, secrets kept out of logs, invalid configurations.

use acceptance_tests::{
    plan_rejections, provider_block, re, repo_root, Emulator, Install, Step, StepCtx, TestCase,
    Workspace,
};
use anyhow::{anyhow, bail, ensure, Context, Result};
use serde_json::{json, Value as Json};

const HOOK: &str = "mlops_churn_on-approval";
const TOKEN_1: &str = "glptt-SECRET-first-0123456789";
const TOKEN_2: &str = "glptt-SECRET-second-9876543210";

fn group(extra: &str) -> String {
    format!(
        "resource \"mlops_model_package_group\" \"g\" {{\n  name = \"churn\"\n  force_destroy = true\n{extra}}}\n"
    )
}

fn hook(body: &str) -> String {
    group(&format!("  on_approval {{\n{body}  }}\n"))
}

// ------------------------------------------------------------------ raw AWS calls

use acceptance_tests::raw;

fn events(ctx: &StepCtx, op: &str, body: Json) -> Result<Json> {
    raw::events(ctx.emulator.port, op, body)
}

fn role_policy(ctx: &StepCtx, role: &str, policy: &str) -> Result<Json> {
    let xml = raw::query(
        ctx.emulator.port,
        "iam",
        "2010-05-08",
        "GetRolePolicy",
        &[("RoleName", role), ("PolicyName", policy)],
    )?;
    let doc = raw::xml_text(&xml, "PolicyDocument")
        .ok_or_else(|| anyhow!("no PolicyDocument in {xml}"))?;
    Ok(serde_json::from_str(&raw::percent_decode(&doc))?)
}

fn hook_attrs(ctx: &StepCtx) -> Result<serde_json::Map<String, Json>> {
    let h = ctx
        .state
        .attr("mlops_model_package_group.g", "on_approval")?;
    let first = match &h {
        Json::Array(a) => a.first().cloned(),
        Json::Object(_) => Some(h.clone()),
        _ => None,
    };
    first
        .and_then(|x| x.as_object().cloned())
        .ok_or_else(|| anyhow!("no on_approval in state: {h}"))
}

/// The hook's four objects exist (or none of them does).
fn hook_objects(ctx: &StepCtx, present: bool) -> Result<()> {
    let inv = ctx.emulator.inventory()?;
    let checks = [
        ("rule", inv["events"]["rules"].get(HOOK).is_some()),
        (
            "connection",
            inv["events"]["connections"]
                .as_array()
                .is_some_and(|a| a.iter().any(|x| x == HOOK)),
        ),
        (
            "api destination",
            inv["events"]["api_destinations"]
                .as_array()
                .is_some_and(|a| a.iter().any(|x| x == HOOK)),
        ),
        ("role", inv["iam"]["roles"].get(HOOK).is_some()),
    ];
    for (what, exists) in checks {
        ensure!(
            exists == present,
            "{what} {HOOK}: exists = {exists}, expected {present}; inventory {inv}"
        );
    }
    if present {
        ensure!(inv["events"]["rules"][HOOK] == json!(["gitlab"]), "{inv}");
        ensure!(
            inv["iam"]["roles"][HOOK] == json!(["invoke-api-destination"]),
            "{inv}"
        );
    }
    Ok(())
}

/// The request the hook would send: endpoint, method, body template, token parameter.
fn check_request(ctx: &StepCtx, endpoint: &str, git_ref: &str, vars: Json) -> Result<()> {
    let dest = events(ctx, "DescribeApiDestination", json!({"Name": HOOK}))?;
    ensure!(dest["InvocationEndpoint"] == endpoint, "{dest}");
    ensure!(dest["HttpMethod"] == "POST", "{dest}");
    let conn = events(ctx, "DescribeConnection", json!({"Name": HOOK}))?;
    ensure!(
        dest["ConnectionArn"] == conn["ConnectionArn"],
        "{dest} {conn}"
    );
    ensure!(conn["AuthorizationType"] == "API_KEY", "{conn}");
    let q = &conn["AuthParameters"]["InvocationHttpParameters"]["QueryStringParameters"];
    ensure!(
        q.as_array().is_some_and(|a| a.len() == 1
            && a[0]["Key"] == "token"
            && a[0]["IsValueSecret"] == true),
        "token must be one secret query parameter: {conn}"
    );
    let targets = events(ctx, "ListTargetsByRule", json!({"Rule": HOOK}))?;
    let t = &targets["Targets"][0];
    ensure!(t["Arn"] == dest["ApiDestinationArn"], "{targets}");
    let body: Json = serde_json::from_str(
        t["InputTransformer"]["InputTemplate"]
            .as_str()
            .context("InputTemplate")?,
    )?;
    let mut want_vars = json!({
        "MODEL_PACKAGE_ARN": "<model_package_arn>",
        "MODEL_PACKAGE_VERSION": "<model_package_version>",
        "MODEL_PACKAGE_GROUP": "<model_package_group>",
    });
    for (k, v) in vars.as_object().into_iter().flatten() {
        want_vars[k] = v.clone();
    }
    ensure!(
        body == json!({"ref": git_ref, "variables": want_vars}),
        "body {body}"
    );
    let paths = &t["InputTransformer"]["InputPathsMap"];
    ensure!(
        paths["model_package_arn"] == "$.detail.ModelPackageArn",
        "{paths}"
    );
    ensure!(
        paths["model_package_version"] == "$.detail.ModelPackageVersion",
        "{paths}"
    );
    // the rule: approvals in this group
    let rule = events(ctx, "DescribeRule", json!({"Name": HOOK}))?;
    let pattern: Json = serde_json::from_str(rule["EventPattern"].as_str().context("pattern")?)?;
    ensure!(
        pattern
            == json!({"source": ["aws.sagemaker"], "detail-type": ["SageMaker Model Package State Change"],
                      "detail": {"ModelPackageGroupName": ["churn"], "ModelApprovalStatus": ["Approved"]}}),
        "{pattern}"
    );
    ensure!(rule["State"] == "ENABLED", "{rule}");
    // least privilege: only InvokeApiDestination on this destination
    let role_arn = t["RoleArn"].as_str().context("RoleArn")?;
    ensure!(
        role_arn.ends_with(&format!(":role/mlops/{HOOK}")),
        "{role_arn}"
    );
    let policy = role_policy(ctx, HOOK, "invoke-api-destination")?;
    ensure!(
        policy["Statement"]
            == json!([{"Sid": "InvokeThisApiDestination", "Effect": "Allow", "Action": "events:InvokeApiDestination",
                       "Resource": format!("arn:aws:events:us-east-1:123456789012:api-destination/{HOOK}/*")}]),
        "{policy}"
    );
    Ok(())
}

/// Nothing of the hook or the group is left.
fn nothing_left() -> acceptance_tests::Check {
    Box::new(|ctx| {
        hook_objects(ctx, false)?;
        let inv = ctx.emulator.inventory()?;
        ensure!(
            inv["sagemaker"]["model_package_groups"] == json!([]),
            "{inv}"
        );
        let log = std::fs::read_to_string(ctx.ws.dir.path().join("terraform.log"))?;
        ensure!(!log.is_empty(), "no provider log written");
        for t in [TOKEN_1, TOKEN_2, "SECRET"] {
            ensure!(
                !log.contains(t),
                "the trigger token appears in the provider log"
            );
        }
        Ok(())
    })
}

const V1: &str = "    project       = \"ml-platform/churn-deploy\"\n    ref           = \"main\"\n    trigger_token = \"glptt-SECRET-first-0123456789\"\n    variables     = { ENVIRONMENT = \"prod\" }\n";

#[test]
fn on_approval_lifecycle() -> Result<()> {
    let v2 = "    project       = \"ml-platform/churn-deploy\"\n    ref           = \"release\"\n    trigger_token = \"glptt-SECRET-first-0123456789\"\n    variables     = { ENVIRONMENT = \"staging\", DRY_RUN = \"1\" }\n";
    let v3 = v2.replace(TOKEN_1, TOKEN_2);
    let v4 = format!(
        "    gitlab_url    = \"https://gitlab.example.com\"\n{}",
        v3.replace("ml-platform/churn-deploy", "4711")
    );
    let v4_cfg = hook(&v4);
    let mut tc = TestCase::new("on_approval lifecycle");
    tc.check_destroyed = Some(nothing_left());
    tc.step(Step {
        config: hook(V1),
        check: Some(Box::new(|ctx| {
            hook_objects(ctx, true)?;
            check_request(
                ctx,
                "https://gitlab.com/api/v4/projects/ml-platform%2Fchurn-deploy/trigger/pipeline",
                "main",
                json!({"ENVIRONMENT": "prod"}),
            )?;
            let h = hook_attrs(ctx)?;
            ensure!(h["gitlab_url"] == "https://gitlab.com", "{h:?}");
            for k in ["rule_arn", "connection_arn", "api_destination_arn", "role_arn"] {
                ensure!(h[k].as_str().is_some_and(|s| s.starts_with("arn:aws:")), "{k}: {h:?}");
            }
            ensure!(h["rule_arn"] == format!("arn:aws:events:us-east-1:123456789012:rule/{HOOK}"));
            Ok(())
        })),
        ..Default::default()
    })
    // ref and variables change in place: only the target is rewritten
    .step(Step {
        config: hook(v2),
        before: Some(Box::new(|ctx| ctx.emulator.clear_requests())),
        expect_plan: Some(re(r#"(?s)mlops_model_package_group\.g will be updated in-place.*~ ref\s*= "main" -> "release""#)),
        check: Some(Box::new(|ctx| {
            check_request(
                ctx,
                "https://gitlab.com/api/v4/projects/ml-platform%2Fchurn-deploy/trigger/pipeline",
                "release",
                json!({"ENVIRONMENT": "staging", "DRY_RUN": "1"}),
            )?;
            let calls = ctx.emulator.calls()?;
            ensure!(calls.get("events.PutTargets") == Some(&1), "{calls:?}");
            for op in ["events.CreateConnection", "events.UpdateConnection", "events.CreateApiDestination", "iam.CreateRole", "events.DeleteRule"] {
                ensure!(!calls.contains_key(op), "{op} called for a ref/variables change: {calls:?}");
            }
            Ok(())
        })),
        ..Default::default()
    })
    // token rotated in place: only the connection changes, the ARNs stay
    .step(Step {
        config: hook(&v3),
        before: Some(Box::new(|ctx| ctx.emulator.clear_requests())),
        expect_plan: Some(re(r"(?s)updated in-place.*~ trigger_token\s*= \(sensitive value\)")),
        check: Some(Box::new(|ctx| {
            let calls = ctx.emulator.calls()?;
            ensure!(calls.get("events.UpdateConnection") == Some(&1), "{calls:?}");
            for op in ["events.CreateConnection", "events.PutTargets", "events.PutRule", "events.UpdateApiDestination"] {
                ensure!(!calls.contains_key(op), "{op} called for a token rotation: {calls:?}");
            }
            check_request(
                ctx,
                "https://gitlab.com/api/v4/projects/ml-platform%2Fchurn-deploy/trigger/pipeline",
                "release",
                json!({"ENVIRONMENT": "staging", "DRY_RUN": "1"}),
            )
        })),
        ..Default::default()
    })
    // another GitLab and a numeric project: the API destination is updated in place
    .step(Step {
        config: v4_cfg.clone(),
        before: Some(Box::new(|ctx| ctx.emulator.clear_requests())),
        expect_plan: Some(re(r#"(?s)updated in-place.*~ project\s*= "ml-platform/churn-deploy" -> "4711""#)),
        check: Some(Box::new(|ctx| {
            let calls = ctx.emulator.calls()?;
            ensure!(calls.get("events.UpdateApiDestination") == Some(&1), "{calls:?}");
            ensure!(!calls.contains_key("events.CreateApiDestination"), "{calls:?}");
            check_request(
                ctx,
                "https://gitlab.example.com/api/v4/projects/4711/trigger/pipeline",
                "release",
                json!({"ENVIRONMENT": "staging", "DRY_RUN": "1"}),
            )
        })),
        ..Default::default()
    })
    // drift: the rule deleted out of band -> the plan re-creates the hook
    .step(Step {
        config: v4_cfg.clone(),
        before: Some(Box::new(|ctx| {
            events(ctx, "RemoveTargets", json!({"Rule": HOOK, "Ids": ["gitlab"]}))?;
            events(ctx, "DeleteRule", json!({"Name": HOOK}))?;
            Ok(())
        })),
        expect_plan: Some(re(r"(?s)updated in-place.*\+ on_approval \{")),
        check: Some(Box::new(|ctx| {
            hook_objects(ctx, true)?;
            check_request(
                ctx,
                "https://gitlab.example.com/api/v4/projects/4711/trigger/pipeline",
                "release",
                json!({"ENVIRONMENT": "staging", "DRY_RUN": "1"}),
            )
        })),
        ..Default::default()
    })
    // drift: the connection deleted out of band -> re-created, the destination follows
    .step(Step {
        config: v4_cfg.clone(),
        before: Some(Box::new(|ctx| {
            events(ctx, "DeleteConnection", json!({"Name": HOOK}))?;
            Ok(())
        })),
        expect_plan: Some(re(r"(?s)updated in-place.*\+ on_approval \{")),
        check: Some(Box::new(|ctx| {
            hook_objects(ctx, true)?;
            check_request(
                ctx,
                "https://gitlab.example.com/api/v4/projects/4711/trigger/pipeline",
                "release",
                json!({"ENVIRONMENT": "staging", "DRY_RUN": "1"}),
            )
        })),
        ..Default::default()
    })
    // drift: the target's variables changed by hand -> shown and repaired in place
    .step(Step {
        config: v4_cfg.clone(),
        before: Some(Box::new(|ctx| {
            let targets = events(ctx, "ListTargetsByRule", json!({"Rule": HOOK}))?;
            let mut t = targets["Targets"][0].clone();
            let tpl = t["InputTransformer"]["InputTemplate"].as_str().context("tpl")?.replace("staging", "hacked");
            t["InputTransformer"]["InputTemplate"] = Json::String(tpl);
            events(ctx, "PutTargets", json!({"Rule": HOOK, "Targets": [t]}))?;
            Ok(())
        })),
        expect_plan: Some(re(r#"(?s)updated in-place.*~ "ENVIRONMENT"\s*= "hacked" -> "staging""#)),
        ..Default::default()
    })
    // import: the hook comes back except the token, which the next apply sets
    .step(Step {
        config: v4_cfg.clone(),
        check: Some(Box::new(|ctx| {
            let before = hook_attrs(ctx)?;
            ctx.ws.tf_ok(&["state", "rm", "-no-color", "mlops_model_package_group.g"])?;
            ctx.ws.tf_ok(&["import", "-no-color", "-input=false", "mlops_model_package_group.g", "churn"])?;
            let st = ctx.ws.state()?;
            let h = st.attr("mlops_model_package_group.g", "on_approval")?;
            let h = h.get(0).or(Some(&h)).and_then(|x| x.as_object()).context("on_approval not imported")?;
            for k in ["gitlab_url", "project", "ref", "variables", "rule_arn", "connection_arn", "api_destination_arn", "role_arn"] {
                ensure!(h.get(k) == before.get(k), "{k}: imported {:?}, was {:?}", h.get(k), before.get(k));
            }
            ensure!(h["trigger_token"].is_null(), "the token cannot be read back: {:?}", h["trigger_token"]);
            let plan = ctx.ws.tf(&["plan", "-no-color", "-detailed-exitcode", "-input=false"])?;
            ensure!(plan.code == 2, "the token must be planned: {}", plan.all());
            ensure!(
                re(r"(?s)updated in-place.*[~+] trigger_token\s*= \(sensitive value\)").is_match(&plan.all()),
                "{}",
                plan.all()
            );
            ensure!(!plan.all().contains("on_approval {") || !plan.all().contains("+ on_approval"), "{}", plan.all());
            ctx.emulator.clear_requests()?;
            ctx.ws.tf_ok(&["apply", "-auto-approve", "-no-color", "-input=false"])?;
            let calls = ctx.emulator.calls()?;
            ensure!(calls.get("events.UpdateConnection") == Some(&1), "{calls:?}");
            ctx.ws.assert_plan_empty()
        })),
        ..Default::default()
    })
    // removing the block removes the rule, targets, connection, destination and role
    .step(Step {
        config: group(""),
        expect_plan: Some(re(r"(?s)updated in-place.*- on_approval \{")),
        check: Some(Box::new(|ctx| {
            hook_objects(ctx, false)?;
            ensure!(ctx.state.attr("mlops_model_package_group.g", "on_approval")?.as_array().is_none_or(|a| a.is_empty()));
            Ok(())
        })),
        ..Default::default()
    })
    // added again; the destroy at the end removes it with the group
    .step(Step {
        config: hook(V1),
        check: Some(Box::new(|ctx| hook_objects(ctx, true))),
        ..Default::default()
    })
    .run()
}

#[test]
fn on_approval_with_a_new_group_and_replacement() -> Result<()> {
    // created together with the group; a group replacement (new name) moves the hook
    let cfg = |name: &str| {
        format!(
            "resource \"mlops_model_package_group\" \"g\" {{\n  name = \"{name}\"\n  on_approval {{\n    project = \"42\"\n    ref = \"main\"\n    trigger_token = \"glptt-SECRET-x\"\n  }}\n}}\n"
        )
    };
    let mut tc = TestCase::new("on_approval replacement");
    tc.check_destroyed = Some(Box::new(|ctx| {
        let inv = ctx.emulator.inventory()?;
        ensure!(inv["events"]["rules"] == json!({}), "{inv}");
        ensure!(inv["events"]["connections"] == json!([]), "{inv}");
        ensure!(inv["events"]["api_destinations"] == json!([]), "{inv}");
        ensure!(inv["iam"]["roles"] == json!({}), "{inv}");
        Ok(())
    }));
    tc.step(Step {
        config: cfg("fraud"),
        check: Some(Box::new(|ctx| {
            let inv = ctx.emulator.inventory()?;
            ensure!(
                inv["events"]["rules"]
                    .get("mlops_fraud_on-approval")
                    .is_some(),
                "{inv}"
            );
            let h = hook_attrs(ctx)?;
            ensure!(h.get("variables").is_none_or(Json::is_null), "{h:?}");
            Ok(())
        })),
        ..Default::default()
    })
    .step(Step {
        config: cfg("fraud-v2"),
        expect_plan: Some(re(r"(?s)must be replaced")),
        check: Some(Box::new(|ctx| {
            let inv = ctx.emulator.inventory()?;
            ensure!(
                inv["events"]["rules"]
                    .get("mlops_fraud_on-approval")
                    .is_none(),
                "{inv}"
            );
            ensure!(
                inv["events"]["rules"]
                    .get("mlops_fraud-v2_on-approval")
                    .is_some(),
                "{inv}"
            );
            ensure!(
                inv["iam"]["roles"].get("mlops_fraud_on-approval").is_none(),
                "{inv}"
            );
            Ok(())
        })),
        ..Default::default()
    })
    .run()
}

#[test]
fn invalid_on_approval_rejected_at_plan_without_api_calls() -> Result<()> {
    let emulator = Emulator::start()?;
    let ws = Workspace::new(&emulator, Install::DevOverride)?;
    let ok = "    project       = \"ml/deploy\"\n    ref           = \"main\"\n    trigger_token = \"glptt-SECRET-x\"\n";
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "http gitlab",
            hook(&format!("    gitlab_url = \"http://gitlab.com\"\n{ok}")),
            r#"(?s)"http://gitlab.com" is not valid for on_approval.gitlab_url"#,
        ),
        (
            "gitlab url with query",
            hook(&format!(
                "    gitlab_url = \"https://gitlab.com/?x=1\"\n{ok}"
            )),
            r"(?s)is not valid for on_approval.gitlab_url",
        ),
        (
            "bad project",
            hook(&ok.replace("ml/deploy", "not a project")),
            r#"(?s)"not a project" is not valid for on_approval.project"#,
        ),
        (
            "project without group",
            hook(&ok.replace("ml/deploy", "deploy")),
            r#"(?s)"deploy" is not valid for on_approval.project"#,
        ),
        (
            "ref with space",
            hook(&ok.replace("\"main\"", "\"my branch\"")),
            r#"(?s)"my branch" is not valid for on_approval.ref"#,
        ),
        (
            "empty token",
            hook(&ok.replace("glptt-SECRET-x", "")),
            r"(?s)on_approval.trigger_token must be at least 1 characters long",
        ),
        (
            "token too long",
            hook(&ok.replace("glptt-SECRET-x", &"t".repeat(600))),
            r"(?s)on_approval.trigger_token must be at least|on_approval.trigger_token must be at most 512 characters long, got 600",
        ),
        (
            "reserved variable",
            hook(&format!(
                "{ok}    variables = {{ MODEL_PACKAGE_ARN = \"x\" }}\n"
            )),
            r"(?s)Reserved variable.*MODEL_PACKAGE_ARN is always passed",
        ),
        (
            "bad variable name",
            hook(&format!("{ok}    variables = {{ \"bad-name\" = \"x\" }}\n")),
            r#"(?s)Invalid variable name.*"bad-name""#,
        ),
        (
            "missing token",
            hook("    project = \"1\"\n    ref = \"main\"\n"),
            r"(?s)Missing trigger token.*on_approval \{.*trigger_token_wo \(Terraform 1.11\+.*or trigger_token",
        ),
        (
            "two tokens",
            hook(&format!("{ok}    trigger_token_wo = \"glptt-SECRET-y\"\n")),
            r"(?s)Two trigger tokens.*not both",
        ),
        (
            "version without a write-only token",
            hook(&format!("{ok}    trigger_token_wo_version = 1\n")),
            r"(?s)Version without a write-only token.*trigger_token_wo_version = 1",
        ),
        (
            "empty write-only token",
            hook("    project = \"1\"\n    ref = \"main\"\n    trigger_token_wo = \"\"\n"),
            r"(?s)on_approval.trigger_token_wo must be at least 1 characters long",
        ),
        (
            "two blocks",
            group(&format!(
                "  on_approval {{\n{ok}  }}\n  on_approval {{\n{ok}  }}\n"
            )),
            r#"(?s)Duplicate on_approval block.*Only one block of type "on_approval" is allowed"#,
        ),
    ];
    let failures = plan_rejections(
        &ws,
        &emulator,
        &["mlops_model_package_group.g"],
        &cases,
        &|label, out| {
            // sensitive values are never echoed in our messages
            let messages: String = out
                .split("Error:")
                .skip(1)
                .map(|m| m.split(" on main.tf").next().unwrap_or(m).to_string())
                .collect();
            messages
                .contains("glptt-SECRET")
                .then(|| format!("{label}: the token appears in a diagnostic:\n{out}"))
        },
    )?;
    ensure!(failures.is_empty(), "{}", failures.join("\n\n"));
    Ok(())
}

#[test]
fn failed_hook_creation_keeps_what_exists() -> Result<()> {
    // The API destination cannot be created: the group and the connection must stay in state
    // (tainted), and the next apply replaces them without leaving anything behind.
    let emulator = Emulator::start()?;
    let ws = Workspace::new(&emulator, Install::DevOverride)?;
    emulator
        .fault(json!({"operation": "CreateApiDestination", "kind": "server_error", "count": 50}))?;
    ws.write_config(&format!(
        "{}{}",
        provider_block("  max_retries = 2\n"),
        hook(V1)
    ))?;
    let r = ws.tf(&["apply", "-auto-approve", "-no-color"])?;
    ensure!(r.code != 0, "apply must fail");
    ensure!(r.all().contains("CreateApiDestination"), "{}", r.all());
    let show = ws.tf_ok(&["state", "show", "-no-color", "mlops_model_package_group.g"])?;
    ensure!(show.stdout.contains("tainted"), "{}", show.stdout);
    ensure!(show.stdout.contains("connection_arn"), "{}", show.stdout);
    emulator.clear_faults()?;
    ws.tf_ok(&["apply", "-auto-approve", "-no-color"])?;
    ws.assert_plan_empty()?;
    let inv = emulator.inventory()?;
    ensure!(inv["events"]["connections"] == json!([HOOK]), "{inv}");
    ws.tf_ok(&["destroy", "-auto-approve", "-no-color"])?;
    let inv = emulator.inventory()?;
    if inv["events"]["connections"] != json!([])
        || inv["iam"]["roles"] != json!({})
        || inv["events"]["rules"] != json!({})
    {
        bail!("left after destroy: {inv}");
    }
    Ok(())
}

#[test]
fn service_endpoints_from_the_provider_block() -> Result<()> {
    // endpoint_url points nowhere: the hook only works if the per-service `events` and `iam`
    // endpoints of the provider block are used (and `sagemaker` for the group).
    let emulator = Emulator::start()?;
    let ws = Workspace::new(&emulator, Install::DevOverride)?;
    let e = emulator.endpoint();
    let block = format!(
        "  max_retries  = 1\n  endpoint_url = \"http://127.0.0.1:9\"\n  endpoints {{\n    sagemaker = \"{e}\"\n    events    = \"{e}\"\n    iam       = \"{e}\"\n    sns       = \"{e}\"\n  }}\n"
    );
    ws.write_config(&format!("{}{}", provider_block(&block), hook(V1)))?;
    ws.tf_ok(&["apply", "-auto-approve", "-no-color"])?;
    let calls = emulator.calls()?;
    for op in [
        "events.PutRule",
        "events.CreateConnection",
        "iam.CreateRole",
    ] {
        ensure!(
            calls.contains_key(op),
            "{op} did not reach the emulator: {calls:?}"
        );
    }
    ws.assert_plan_empty()?;
    ws.tf_ok(&["destroy", "-auto-approve", "-no-color"])?;
    let inv = emulator.inventory()?;
    ensure!(
        inv["events"]["rules"] == json!({}) && inv["iam"]["roles"] == json!({}),
        "{inv}"
    );
    Ok(())
}

// ------------------------------------------------------------------ write-only token

/// A hook whose token comes from an ephemeral variable through `trigger_token_wo`.
fn write_only_hook(version: u32) -> String {
    format!(
        "{}variable \"gitlab_token\" {{\n  type      = string\n  sensitive = true\n  ephemeral = true\n}}\n\n{}",
        provider_block(""),
        hook(&format!(
            "    project                  = \"ml-platform/churn-deploy\"\n    ref                      = \"main\"\n    trigger_token_wo         = var.gitlab_token\n    trigger_token_wo_version = {version}\n"
        ))
    )
}

/// The token the hook's connection holds, read from the Secrets Manager secret EventBridge
/// keeps its credentials in.
fn connection_token(emulator: &Emulator) -> Result<String> {
    let conn = raw::events(emulator.port, "DescribeConnection", json!({"Name": HOOK}))?;
    let secret = raw::secretsmanager(
        emulator.port,
        "GetSecretValue",
        json!({"SecretId": conn["SecretArn"]}),
    )?;
    let value: Json =
        serde_json::from_str(secret["SecretString"].as_str().context("SecretString")?)?;
    value["invocation_http_parameters"]["query_string_parameters"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["key"] == "token"))
        .and_then(|p| p["value"].as_str())
        .map(String::from)
        .ok_or_else(|| anyhow!("no token parameter in the connection's secret: {value}"))
}

/// Neither token is in the state file or the Terraform log (provider at DEBUG).
fn no_token_stored(ws: &Workspace) -> Result<()> {
    let state = std::fs::read_to_string(ws.work().join("terraform.tfstate"))?;
    let log = std::fs::read_to_string(ws.dir.path().join("terraform.log"))?;
    for (what, text) in [("state file", &state), ("Terraform log", &log)] {
        for t in [TOKEN_1, TOKEN_2] {
            ensure!(!text.contains(t), "the write-only token is in the {what}");
        }
    }
    let st: Json = serde_json::from_str(&state)?;
    let h = &st["resources"][0]["instances"][0]["attributes"]["on_approval"];
    ensure!(h.is_object(), "no on_approval in the state file: {st}");
    ensure!(
        h["trigger_token_wo"].is_null() && h["trigger_token"].is_null(),
        "{h}"
    );
    Ok(())
}

fn set_env(ws: &mut Workspace, key: &str, value: &str) {
    ws.env.retain(|(k, _)| k != key);
    ws.env.push((key.into(), value.into()));
}

#[test]
fn write_only_token_never_stored_and_rotated_by_version() -> Result<()> {
    let emulator = Emulator::start()?;
    let mut ws = Workspace::new(&emulator, Install::DevOverride)?;
    set_env(&mut ws, "TF_VAR_gitlab_token", TOKEN_1);
    ws.write_config(&write_only_hook(1))?;
    let plan = ws.tf_ok(&["plan", "-no-color"])?;
    ensure!(
        re(r"(?s)\+ trigger_token_wo\s*= \(write-only attribute\)").is_match(&plan.stdout),
        "{}",
        plan.stdout
    );
    ws.tf_ok(&["apply", "-auto-approve", "-no-color"])?;
    ensure!(
        connection_token(&emulator)? == TOKEN_1,
        "the connection must hold the token"
    );
    no_token_stored(&ws)?;
    let st = ws.state()?;
    let h = st.attr("mlops_model_package_group.g", "on_approval")?;
    ensure!(h["trigger_token_wo_version"] == 1, "{h}");
    ws.assert_plan_empty()?;

    // a new token without a new version: Terraform cannot see it, nothing is sent
    set_env(&mut ws, "TF_VAR_gitlab_token", TOKEN_2);
    emulator.clear_requests()?;
    ws.assert_plan_empty()?;
    ensure!(connection_token(&emulator)? == TOKEN_1);

    // the version bump sends it: one UpdateConnection, the ARNs stay
    let arn_before = h["connection_arn"].clone();
    ws.write_config(&write_only_hook(2))?;
    let plan = ws.tf_ok(&["plan", "-no-color"])?;
    ensure!(
        re(r"(?s)updated in-place.*~ trigger_token_wo_version\s*= 1 -> 2").is_match(&plan.stdout),
        "{}",
        plan.stdout
    );
    emulator.clear_requests()?;
    ws.tf_ok(&["apply", "-auto-approve", "-no-color"])?;
    let calls = emulator.calls()?;
    ensure!(
        calls.get("events.UpdateConnection") == Some(&1),
        "{calls:?}"
    );
    for op in [
        "events.CreateConnection",
        "events.PutTargets",
        "events.UpdateApiDestination",
    ] {
        ensure!(
            !calls.contains_key(op),
            "{op} called for a token rotation: {calls:?}"
        );
    }
    ensure!(
        connection_token(&emulator)? == TOKEN_2,
        "the rotated token must reach the connection"
    );
    no_token_stored(&ws)?;
    let h = ws
        .state()?
        .attr("mlops_model_package_group.g", "on_approval")?;
    ensure!(h["connection_arn"] == arn_before, "{h}");
    ws.assert_plan_empty()?;

    // moving to the stored token is an in-place change too
    ws.write_config(&hook_with_provider(V1))?;
    ws.tf_ok(&["apply", "-auto-approve", "-no-color"])?;
    ensure!(connection_token(&emulator)? == TOKEN_1);
    ws.assert_plan_empty()?;

    ws.tf_ok(&["destroy", "-auto-approve", "-no-color"])?;
    hook_objects_gone(&emulator)
}

fn hook_with_provider(body: &str) -> String {
    format!("{}{}", provider_block(""), hook(body))
}

fn hook_objects_gone(emulator: &Emulator) -> Result<()> {
    let inv = emulator.inventory()?;
    ensure!(
        inv["events"]["connections"] == json!([])
            && inv["events"]["rules"] == json!({})
            && inv["iam"]["roles"] == json!({}),
        "left after destroy: {inv}"
    );
    Ok(())
}

#[test]
fn write_only_token_refused_on_terraform_1_0() -> Result<()> {
    // Terraform 1.0.3 does not know write-only attributes: it would store the value
    let emulator = Emulator::start()?;
    let ws = Workspace::with_terraform(
        &emulator,
        Install::DevOverride,
        repo_root().join("scripts/terraform-1.0"),
    )?;
    ws.write_config(&hook_with_provider(
        "    project          = \"ml/deploy\"\n    ref              = \"main\"\n    trigger_token_wo = \"glptt-SECRET-first-0123456789\"\n",
    ))?;
    emulator.clear_requests()?;
    let r = ws.tf(&["plan", "-no-color"])?;
    ensure!(r.code != 0, "plan must fail:\n{}", r.stdout);
    ensure!(
        re(r"(?s)Write-only attribute needs Terraform 1.11 or later.*trigger_token_wo is write-only.*use the\s+attribute of the same name without the _wo suffix")
            .is_match(&r.all()),
        "{}",
        r.all()
    );
    ensure!(
        r.all()
            .contains("in resource \"mlops_model_package_group\" \"g\"")
            && r.all().contains("trigger_token_wo ="),
        "the diagnostic points at the attribute: {}",
        r.all()
    );
    ensure!(
        emulator.calls()?.is_empty(),
        "no API call: {:?}",
        emulator.calls()?
    );
    // the stored token still works there
    ws.write_config(&hook_with_provider(V1))?;
    ws.tf_ok(&["apply", "-auto-approve", "-no-color"])?;
    ensure!(connection_token(&emulator)? == TOKEN_1);
    ws.tf_ok(&["destroy", "-auto-approve", "-no-color"])?;
    hook_objects_gone(&emulator)
}
