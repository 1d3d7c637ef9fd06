//! Triggers and notifications of `mlops_pipeline` (EventBridge rules, IAM roles, SNS topics)
//! against the real Terraform CLI and the emulator: every trigger kind with its pattern,
//! schedule, parameters and least-privilege role; notifications with provider-created and
//! existing topics; adding, removing and updating blocks in place; e-mail changes; drift;
//! destroy; invalid configurations rejected at plan without API calls.

use acceptance_tests::{
    plan_rejections, provider_block, re, Emulator, Install, Step, StepCtx, TestCase, Workspace,
};
use anyhow::{anyhow, bail, ensure, Context, Result};
use serde_json::{json, Value as Json};

const ROLE: &str = "arn:aws:iam::123456789012:role/SageMakerExecution";
const PIPELINE_ARN: &str = "arn:aws:sagemaker:us-east-1:123456789012:pipeline/churn-train";
const EXTERNAL_TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:team-alerts";

/// A pipeline with a raw definition plus `blocks` (triggers, notifications).
fn pipeline(blocks: &str) -> String {
    format!(
        r#"resource "mlops_pipeline" "p" {{
  name     = "Churn-Train"
  role_arn = "{ROLE}"
  definition = jsonencode({{
    Version    = "2020-12-01"
    Parameters = [{{ Name = "InputDataUrl", Type = "String", DefaultValue = "s3://mlops-test/data.csv" }}]
    Steps      = [{{ Name = "Stop", Type = "Fail", Arguments = {{ ErrorMessage = "stop" }} }}]
  }})
{blocks}}}
"#
    )
}

/// A pipeline written as blocks (declared parameter `InputDataUrl`, step `Stop`).
fn typed_pipeline(blocks: &str) -> String {
    format!(
        r#"resource "mlops_pipeline" "p" {{
  name     = "churn-typed"
  role_arn = "{ROLE}"
  parameter {{
    name    = "InputDataUrl"
    default = "s3://mlops-test/data.csv"
  }}
  step {{
    name = "Stop"
    fail {{
      error_message = "stop"
    }}
  }}
{blocks}}}
"#
    )
}

// ------------------------------------------------------------------ raw AWS calls

use acceptance_tests::raw;

fn events(ctx: &StepCtx, op: &str, body: Json) -> Result<Json> {
    raw::events(ctx.emulator.port, op, body)
}

fn iam(ctx: &StepCtx, op: &str, params: &[(&str, &str)]) -> Result<String> {
    raw::query(ctx.emulator.port, "iam", "2010-05-08", op, params)
}

fn sns(ctx: &StepCtx, op: &str, params: &[(&str, &str)]) -> Result<String> {
    raw::query(ctx.emulator.port, "sns", "2010-03-31", op, params)
}

fn rule_name(block: &str) -> String {
    format!("mlops_Churn-Train_trigger_{block}")
}

fn notify_rule(block: &str, kind: &str) -> String {
    format!("mlops_Churn-Train_notify_{block}_{kind}")
}

fn owned_topic(block: &str) -> String {
    format!("arn:aws:sns:us-east-1:123456789012:mlops_Churn-Train_notify_{block}")
}

/// A rule's schedule or parsed pattern, and its single target.
fn rule_and_target(ctx: &StepCtx, rule: &str) -> Result<(Json, Json)> {
    let r = events(ctx, "DescribeRule", json!({"Name": rule}))?;
    let t = events(ctx, "ListTargetsByRule", json!({"Rule": rule}))?;
    let targets = t["Targets"].as_array().cloned().unwrap_or_default();
    ensure!(targets.len() == 1, "rule {rule}: targets {t}");
    Ok((r, targets[0].clone()))
}

fn pattern_of(rule: &Json) -> Result<Json> {
    Ok(serde_json::from_str(
        rule["EventPattern"].as_str().context("no EventPattern")?,
    )?)
}

/// A trigger's rule starts this pipeline through its own least-privilege role.
fn check_trigger(ctx: &StepCtx, block: &str, params: Json) -> Result<(Json, Json)> {
    let name = rule_name(block);
    let (rule, target) = rule_and_target(ctx, &name)?;
    ensure!(target["Id"] == "start-pipeline", "{target}");
    ensure!(target["Arn"] == PIPELINE_ARN, "{target}");
    ensure!(
        target["RoleArn"] == format!("arn:aws:iam::123456789012:role/mlops/{name}"),
        "{target}"
    );
    let got_params: Json = target["SageMakerPipelineParameters"]["PipelineParameterList"]
        .as_array()
        .map(|l| {
            l.iter()
                .map(|p| {
                    (
                        p["Name"].as_str().unwrap_or_default().to_string(),
                        p["Value"].clone(),
                    )
                })
                .collect::<serde_json::Map<_, _>>()
                .into()
        })
        .unwrap_or(json!({}));
    ensure!(
        got_params == params,
        "{block}: parameters {got_params}, want {params}"
    );
    // least privilege: one inline policy, StartPipelineExecution on this pipeline only
    let xml = iam(
        ctx,
        "GetRolePolicy",
        &[
            ("RoleName", &name),
            ("PolicyName", "start-pipeline-execution"),
        ],
    )?;
    let doc = raw::xml_all(&xml, "PolicyDocument")
        .pop()
        .ok_or_else(|| anyhow!("no policy document: {xml}"))?;
    let policy: Json = serde_json::from_str(&raw::percent_decode(&doc))?;
    ensure!(
        policy["Statement"]
            == json!([{"Sid": "StartThisPipeline", "Effect": "Allow",
                       "Action": "sagemaker:StartPipelineExecution", "Resource": PIPELINE_ARN}]),
        "{policy}"
    );
    let role = iam(ctx, "GetRole", &[("RoleName", &name)])?;
    let trust = raw::xml_all(&role, "AssumeRolePolicyDocument")
        .pop()
        .ok_or_else(|| anyhow!("no trust policy: {role}"))?;
    let trust: Json = serde_json::from_str(&raw::percent_decode(&trust))?;
    ensure!(
        trust["Statement"][0]["Principal"] == json!({"Service": "events.amazonaws.com"}),
        "{trust}"
    );
    let inv = ctx.emulator.inventory()?;
    ensure!(
        inv["iam"]["roles"][&name] == json!(["start-pipeline-execution"]),
        "{inv}"
    );
    Ok((rule, target))
}

fn trigger_in_state(ctx: &StepCtx, block: &str) -> Result<serde_json::Map<String, Json>> {
    let ts = ctx.state.attr("mlops_pipeline.p", "trigger")?;
    ts.as_array()
        .into_iter()
        .flatten()
        .find(|t| t["name"] == block)
        .and_then(|t| t.as_object().cloned())
        .ok_or_else(|| anyhow!("trigger {block} not in state: {ts}"))
}

/// Rules, roles and topics of the pipeline that exist now.
fn owned(ctx: &StepCtx) -> Result<(Vec<String>, Vec<String>, Vec<String>)> {
    let inv = ctx.emulator.inventory()?;
    let keys = |v: &Json| -> Vec<String> {
        v.as_object()
            .map(|m| {
                m.keys()
                    .filter(|k| k.starts_with("mlops_"))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    };
    let topics = inv["sns"]["topics"]
        .as_object()
        .map(|m| {
            m.keys()
                .filter(|k| k.contains(":mlops_"))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    Ok((
        keys(&inv["events"]["rules"]),
        keys(&inv["iam"]["roles"]),
        topics,
    ))
}

fn nothing_left() -> acceptance_tests::Check {
    Box::new(|ctx| {
        let (rules, roles, topics) = owned(ctx)?;
        ensure!(
            rules.is_empty() && roles.is_empty() && topics.is_empty(),
            "left after destroy: rules {rules:?}, roles {roles:?}, topics {topics:?}"
        );
        let inv = ctx.emulator.inventory()?;
        ensure!(inv["sagemaker"]["pipelines"] == json!([]), "{inv}");
        Ok(())
    })
}

const NIGHTLY: &str = r#"
  trigger {
    name       = "nightly"
    schedule   = "cron(0 3 * * ? *)"
    parameters = { InputDataUrl = "s3://mlops-test/nightly.csv" }
  }
"#;
const ON_DATA: &str = r#"
  trigger {
    name = "on-data"
    s3 {
      bucket = "raw-data"
      prefix = "incoming/"
      suffix = ".csv"
    }
  }
"#;
const AFTER_FEATURES: &str = r#"
  trigger {
    name = "after-features"
    pipeline_step {
      pipeline = "Feature-Build"
      statuses = ["Succeeded"]
    }
  }
"#;
const ON_APPROVED: &str = r#"
  trigger {
    name        = "on-approved"
    description = "Retrain on approval"
    enabled     = false
    model_approved {
      model_package_group = "churn"
    }
  }
"#;

#[test]
fn triggers_lifecycle() -> Result<()> {
    let v1 = pipeline(&format!("{NIGHTLY}{ON_DATA}{AFTER_FEATURES}{ON_APPROVED}"));
    // in place: schedule, parameters, S3 filter, enabled, the watched step
    let nightly2 = NIGHTLY
        .replace("cron(0 3 * * ? *)", "rate(6 hours)")
        .replace("nightly.csv", "six-hourly.csv");
    let on_data2 = ON_DATA.replace("      suffix = \".csv\"\n", "");
    let after2 = AFTER_FEATURES.replace(
        "      statuses = [\"Succeeded\"]\n",
        "      step     = \"Train\"\n      statuses = [\"Failed\", \"Stopped\"]\n",
    );
    let approved2 = ON_APPROVED.replace("false", "true");
    let v2 = pipeline(&format!("{nightly2}{on_data2}{after2}{approved2}"));
    // one removed from the middle, one added at the end
    let weekly =
        "\n  trigger {\n    name     = \"weekly\"\n    schedule = \"cron(0 6 ? * MON *)\"\n  }\n";
    let v3 = pipeline(&format!("{nightly2}{on_data2}{approved2}{weekly}"));
    let mut tc = TestCase::new("triggers");
    tc.check_destroyed = Some(nothing_left());
    tc.step(Step {
        config: v1,
        check: Some(Box::new(|ctx| {
            let (rule, _) = check_trigger(ctx, "nightly", json!({"InputDataUrl": "s3://mlops-test/nightly.csv"}))?;
            ensure!(rule["ScheduleExpression"] == "cron(0 3 * * ? *)", "{rule}");
            ensure!(rule["State"] == "ENABLED", "{rule}");
            ensure!(rule["Description"] == "Starts SageMaker pipeline Churn-Train (trigger nightly)", "{rule}");
            let (rule, _) = check_trigger(ctx, "on-data", json!({}))?;
            ensure!(
                pattern_of(&rule)?
                    == json!({"source": ["aws.s3"], "detail-type": ["Object Created"],
                              "detail": {"bucket": {"name": ["raw-data"]},
                                         "object": {"key": [{"wildcard": "incoming/*.csv"}]}}}),
                "{rule}"
            );
            let (rule, _) = check_trigger(ctx, "after-features", json!({}))?;
            ensure!(
                pattern_of(&rule)?
                    == json!({"source": ["aws.sagemaker"],
                              "detail-type": ["SageMaker Model Building Pipeline Execution Status Change"],
                              "detail": {"pipelineArn": ["arn:aws:sagemaker:us-east-1:123456789012:pipeline/feature-build"],
                                         "currentPipelineExecutionStatus": ["Succeeded"]}}),
                "{rule}"
            );
            let (rule, _) = check_trigger(ctx, "on-approved", json!({}))?;
            ensure!(rule["State"] == "DISABLED", "{rule}");
            ensure!(rule["Description"] == "Retrain on approval", "{rule}");
            ensure!(
                pattern_of(&rule)?
                    == json!({"source": ["aws.sagemaker"], "detail-type": ["SageMaker Model Package State Change"],
                              "detail": {"ModelPackageGroupName": ["churn"], "ModelApprovalStatus": ["Approved"]}}),
                "{rule}"
            );
            // computed attributes in state; tags on the rule
            let t = trigger_in_state(ctx, "nightly")?;
            ensure!(t["rule_arn"] == format!("arn:aws:events:us-east-1:123456789012:rule/{}", rule_name("nightly")), "{t:?}");
            ensure!(t["role_arn"].as_str().is_some_and(|r| r.ends_with(&format!("role/mlops/{}", rule_name("nightly")))), "{t:?}");
            ensure!(t["enabled"] == true, "{t:?}");
            let tags = events(ctx, "ListTagsForResource", json!({"ResourceARN": t["rule_arn"]}))?;
            ensure!(
                tags["Tags"].as_array().is_some_and(|a| a.iter().any(|x| x["Key"] == "mlops:pipeline" && x["Value"] == "Churn-Train")),
                "{tags}"
            );
            let (rules, roles, _) = owned(ctx)?;
            ensure!(rules.len() == 4 && roles.len() == 4, "{rules:?} {roles:?}");
            Ok(())
        })),
        ..Default::default()
    })
    .step(Step {
        config: v2,
        before: Some(Box::new(|ctx| ctx.emulator.clear_requests())),
        expect_plan: Some(re(r#"(?s)mlops_pipeline\.p will be updated in-place.*~ schedule\s*= "cron\(0 3 \* \* \? \*\)" -> "rate\(6 hours\)""#)),
        check: Some(Box::new(|ctx| {
            let calls = ctx.emulator.calls()?;
            for op in ["iam.CreateRole", "iam.DeleteRole", "events.DeleteRule", "iam.PutRolePolicy"] {
                ensure!(!calls.contains_key(op), "{op} during an in-place update: {calls:?}");
            }
            ensure!(calls.get("events.PutRule") == Some(&4), "{calls:?}");
            let (rule, _) = check_trigger(ctx, "nightly", json!({"InputDataUrl": "s3://mlops-test/six-hourly.csv"}))?;
            ensure!(rule["ScheduleExpression"] == "rate(6 hours)", "{rule}");
            let (rule, _) = check_trigger(ctx, "on-data", json!({}))?;
            ensure!(pattern_of(&rule)?["detail"]["object"] == json!({"key": [{"prefix": "incoming/"}]}), "{rule}");
            let (rule, _) = check_trigger(ctx, "after-features", json!({}))?;
            ensure!(
                pattern_of(&rule)?
                    == json!({"source": ["aws.sagemaker"],
                              "detail-type": ["SageMaker Model Building Pipeline Execution Step Status Change"],
                              "detail": {"pipelineArn": ["arn:aws:sagemaker:us-east-1:123456789012:pipeline/feature-build"],
                                         "stepName": ["Train"], "currentStepStatus": ["Failed", "Stopped"]}}),
                "{rule}"
            );
            let (rule, _) = check_trigger(ctx, "on-approved", json!({}))?;
            ensure!(rule["State"] == "ENABLED", "{rule}");
            Ok(())
        })),
        ..Default::default()
    })
    .step(Step {
        config: v3.clone(),
        expect_plan: Some(re(r#"(?s)updated in-place.*~ name\s*= "after-features" -> "on-approved".*~ name\s*= "on-approved" -> "weekly""#)),
        check: Some(Box::new(|ctx| {
            let (rules, roles, _) = owned(ctx)?;
            ensure!(!rules.contains(&rule_name("after-features")), "{rules:?}");
            ensure!(!roles.contains(&rule_name("after-features")), "{roles:?}");
            ensure!(rules.len() == 4 && roles.len() == 4, "{rules:?} {roles:?}");
            let (rule, _) = check_trigger(ctx, "weekly", json!({}))?;
            ensure!(rule["ScheduleExpression"] == "cron(0 6 ? * MON *)", "{rule}");
            // the blocks that moved keep their objects
            check_trigger(ctx, "on-approved", json!({}))?;
            Ok(())
        })),
        ..Default::default()
    })
    // drift: a rule deleted out of band -> the trigger is planned again and re-created
    .step(Step {
        config: v3.clone(),
        before: Some(Box::new(|ctx| {
            events(ctx, "RemoveTargets", json!({"Rule": rule_name("nightly"), "Ids": ["start-pipeline"]}))?;
            events(ctx, "DeleteRule", json!({"Name": rule_name("nightly")}))?;
            Ok(())
        })),
        // list blocks are compared by position: the dropped first trigger shifts the others
        expect_plan: Some(re(r#"(?s)updated in-place.*~ name\s*= "on-data" -> "nightly".*\+ trigger \{"#)),
        check: Some(Box::new(|ctx| {
            check_trigger(ctx, "nightly", json!({"InputDataUrl": "s3://mlops-test/six-hourly.csv"}))?;
            Ok(())
        })),
        ..Default::default()
    })
    // drift: schedule and parameters changed out of band -> shown, and repaired in place
    .step(Step {
        config: v3.clone(),
        before: Some(Box::new(|ctx| {
            let name = rule_name("nightly");
            events(ctx, "PutRule", json!({"Name": name, "ScheduleExpression": "rate(1 day)",
                                          "Description": "Starts SageMaker pipeline Churn-Train (trigger nightly)"}))?;
            let (_, mut target) = rule_and_target(ctx, &name)?;
            target["SageMakerPipelineParameters"] = json!({"PipelineParameterList": [{"Name": "InputDataUrl", "Value": "s3://elsewhere"}]});
            events(ctx, "PutTargets", json!({"Rule": name, "Targets": [target]}))?;
            Ok(())
        })),
        expect_plan: Some(re(r#"(?s)updated in-place.*"InputDataUrl" = "s3://elsewhere" -> "s3://mlops-test/six-hourly.csv".*~ schedule\s*= "rate\(1 day\)" -> "rate\(6 hours\)""#)),
        check: Some(Box::new(|ctx| {
            let (rule, _) = check_trigger(ctx, "nightly", json!({"InputDataUrl": "s3://mlops-test/six-hourly.csv"}))?;
            ensure!(rule["ScheduleExpression"] == "rate(6 hours)", "{rule}");
            Ok(())
        })),
        ..Default::default()
    })
    // drift: the role's policy widened out of band -> the trigger is re-created, least
    // privilege restored
    .step(Step {
        config: v3,
        before: Some(Box::new(|ctx| {
            iam(ctx, "PutRolePolicy", &[
                ("RoleName", &rule_name("weekly")),
                ("PolicyName", "start-pipeline-execution"),
                ("PolicyDocument", r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sagemaker:*","Resource":"*"}]}"#),
            ])?;
            Ok(())
        })),
        expect_plan: Some(re(r#"(?s)updated in-place.*\+ trigger \{.*name\s*= "weekly""#)),
        check: Some(Box::new(|ctx| {
            check_trigger(ctx, "weekly", json!({}))?;
            Ok(())
        })),
        ..Default::default()
    })
    .run()
}

const FAILURES: &str = r#"
  notification {
    name               = "failures"
    emails             = ["oncall@example.com", "lead@example.com"]
    execution_statuses = ["Failed", "Stopped"]
  }
"#;
const STEPS_TO_TEAM: &str = r#"
  notification {
    name          = "steps"
    topic_arn     = "arn:aws:sns:us-east-1:123456789012:team-alerts"
    step_statuses = ["Failed"]
    steps         = ["Stop"]
    message       = "Step <step> of <pipeline> is <status> (execution <execution>)"
  }
"#;

fn create_external_topic(ctx: &StepCtx) -> Result<()> {
    sns(ctx, "CreateTopic", &[("Name", "team-alerts")])?;
    Ok(())
}

/// E-mail subscriptions of a topic: (endpoint, subscription arn).
fn email_subscriptions(ctx: &StepCtx, topic: &str) -> Result<Vec<(String, String)>> {
    let xml = sns(ctx, "ListSubscriptionsByTopic", &[("TopicArn", topic)])?;
    let eps = raw::xml_all(&xml, "Endpoint");
    let arns = raw::xml_all(&xml, "SubscriptionArn");
    let protos = raw::xml_all(&xml, "Protocol");
    Ok(eps
        .into_iter()
        .zip(arns)
        .zip(protos)
        .filter(|(_, p)| p == "email")
        .map(|((e, a), _)| (e, a))
        .collect())
}

fn notification_in_state(ctx: &StepCtx, block: &str) -> Result<serde_json::Map<String, Json>> {
    let ns = ctx.state.attr("mlops_pipeline.p", "notification")?;
    ns.as_array()
        .into_iter()
        .flatten()
        .find(|t| t["name"] == block)
        .and_then(|t| t.as_object().cloned())
        .ok_or_else(|| anyhow!("notification {block} not in state: {ns}"))
}

#[test]
fn notifications_lifecycle() -> Result<()> {
    let v1 = pipeline(&format!("{FAILURES}{STEPS_TO_TEAM}"));
    // e-mails: one removed (still pending: it stays until AWS drops it), one added; a status
    // added; step events added to the same notification; the other notification removed
    let failures2 = FAILURES
        .replace("\"lead@example.com\"", "\"ds-team@example.com\"")
        .replace(
            "[\"Failed\", \"Stopped\"]",
            "[\"Failed\", \"Stopped\", \"Succeeded\"]",
        );
    let v2 = pipeline(&failures2);
    let failures3 = failures2.replace("  }\n", "    step_statuses      = [\"Failed\"]\n  }\n");
    let v3 = pipeline(&failures3);
    let failures4 = failures3.replace(
        "    emails",
        "    topic_arn          = \"arn:aws:sns:us-east-1:123456789012:team-alerts\"\n    emails",
    );
    let v4 = pipeline(&failures4);
    let v5 = pipeline(&failures3);
    let mut tc = TestCase::new("notifications");
    tc.check_destroyed = Some(Box::new(|ctx| {
        (nothing_left())(ctx)?;
        // the existing topic is never deleted
        let inv = ctx.emulator.inventory()?;
        ensure!(inv["sns"]["topics"].get(EXTERNAL_TOPIC).is_some(), "{inv}");
        Ok(())
    }));
    tc.step(Step {
        config: v1,
        before: Some(Box::new(create_external_topic)),
        check: Some(Box::new(|ctx| {
            let topic = owned_topic("failures");
            let n = notification_in_state(ctx, "failures")?;
            ensure!(n["topic_arn"] == topic, "{n:?}");
            ensure!(n["execution_rule_arn"].as_str().is_some_and(|a| a.ends_with(&notify_rule("failures", "execution"))), "{n:?}");
            ensure!(n["step_rule_arn"].is_null(), "{n:?}");
            let (rule, target) = rule_and_target(ctx, &notify_rule("failures", "execution"))?;
            ensure!(
                pattern_of(&rule)?
                    == json!({"source": ["aws.sagemaker"],
                              "detail-type": ["SageMaker Model Building Pipeline Execution Status Change"],
                              "detail": {"pipelineArn": [PIPELINE_ARN],
                                         "currentPipelineExecutionStatus": ["Stopped", "Failed"]}}),
                "{rule}"
            );
            ensure!(target["Id"] == "sns-topic" && target["Arn"] == topic, "{target}");
            ensure!(
                target["InputTransformer"]["InputTemplate"]
                    == "\"Pipeline Churn-Train execution <execution> is now <status>.\"",
                "{target}"
            );
            ensure!(
                target["InputTransformer"]["InputPathsMap"]
                    == json!({"execution": "$.detail.pipelineExecutionArn", "status": "$.detail.currentPipelineExecutionStatus"}),
                "{target}"
            );
            // the created topic lets only these rules publish
            let attrs = sns(ctx, "GetTopicAttributes", &[("TopicArn", &topic)])?;
            let values = raw::xml_all(&attrs, "value");
            let policy = values
                .iter()
                .find(|v| v.contains("sns:Publish"))
                .ok_or_else(|| anyhow!("no policy: {attrs}"))?;
            let policy: Json = serde_json::from_str(policy)?;
            let st = &policy["Statement"][0];
            ensure!(st["Principal"] == json!({"Service": "events.amazonaws.com"}), "{policy}");
            ensure!(
                st["Condition"]["ArnEquals"]["aws:SourceArn"]
                    == json!([
                        format!("arn:aws:events:us-east-1:123456789012:rule/{}", notify_rule("failures", "execution")),
                        format!("arn:aws:events:us-east-1:123456789012:rule/{}", notify_rule("failures", "step")),
                    ]),
                "{policy}"
            );
            let mut subs: Vec<String> = email_subscriptions(ctx, &topic)?.into_iter().map(|(e, _)| e).collect();
            subs.sort();
            ensure!(subs == ["lead@example.com", "oncall@example.com"], "{subs:?}");
            // the notification on an existing topic
            let (rule, target) = rule_and_target(ctx, &notify_rule("steps", "step"))?;
            ensure!(target["Arn"] == EXTERNAL_TOPIC, "{target}");
            ensure!(pattern_of(&rule)?["detail"]["stepName"] == json!(["Stop"]), "{rule}");
            ensure!(
                target["InputTransformer"]["InputTemplate"]
                    == "\"Step <step> of <pipeline> is <status> (execution <execution>)\"",
                "{target}"
            );
            ensure!(target["InputTransformer"]["InputPathsMap"]["step"] == "$.detail.stepName", "{target}");
            let inv = ctx.emulator.inventory()?;
            ensure!(inv["sns"]["topics"].get(owned_topic("steps")).is_none(), "no topic is created next to an existing one: {inv}");
            Ok(())
        })),
        ..Default::default()
    })
    .step(Step {
        config: v2,
        before: Some(Box::new(|ctx| ctx.emulator.clear_requests())),
        expect_plan: Some(re(r#"(?s)updated in-place.*- notification \{.*name\s*= "steps""#)),
        check: Some(Box::new(|ctx| {
            let calls = ctx.emulator.calls()?;
            ensure!(calls.get("sns.Subscribe") == Some(&1), "{calls:?}");
            ensure!(!calls.contains_key("sns.CreateTopic") && !calls.contains_key("sns.DeleteTopic"), "{calls:?}");
            let subs: Vec<String> = email_subscriptions(ctx, &owned_topic("failures"))?.into_iter().map(|(e, _)| e).collect();
            ensure!(subs.contains(&"ds-team@example.com".to_string()), "{subs:?}");
            let n = notification_in_state(ctx, "failures")?;
            ensure!(n["emails"] == json!(["ds-team@example.com", "oncall@example.com"]), "{n:?}");
            let (rule, _) = rule_and_target(ctx, &notify_rule("failures", "execution"))?;
            ensure!(pattern_of(&rule)?["detail"]["currentPipelineExecutionStatus"] == json!(["Stopped", "Failed", "Succeeded"]), "{rule}");
            let (rules, _, _) = owned(ctx)?;
            ensure!(rules == vec![notify_rule("failures", "execution")], "{rules:?}");
            Ok(())
        })),
        ..Default::default()
    })
    .step(Step {
        config: v3.clone(),
        expect_plan: Some(re(r#"(?s)updated in-place.*\+ step_statuses\s*= \[.*"Failed""#)),
        check: Some(Box::new(|ctx| {
            let (rule, target) = rule_and_target(ctx, &notify_rule("failures", "step"))?;
            ensure!(pattern_of(&rule)?["detail"].get("stepName").is_none(), "all steps: {rule}");
            ensure!(target["Arn"] == owned_topic("failures"), "{target}");
            ensure!(
                target["InputTransformer"]["InputTemplate"]
                    == "\"Pipeline Churn-Train execution <execution>: step <step> is now <status>.\"",
                "{target}"
            );
            let n = notification_in_state(ctx, "failures")?;
            ensure!(n["step_rule_arn"].as_str().is_some(), "{n:?}");
            Ok(())
        })),
        ..Default::default()
    })
    // drift: the topic deleted out of band -> the notification is re-created
    .step(Step {
        config: v3.clone(),
        before: Some(Box::new(|ctx| {
            sns(ctx, "DeleteTopic", &[("TopicArn", &owned_topic("failures"))])?;
            Ok(())
        })),
        expect_plan: Some(re(r#"(?s)updated in-place.*\+ notification \{.*name\s*= "failures""#)),
        check: Some(Box::new(|ctx| {
            let subs = email_subscriptions(ctx, &owned_topic("failures"))?;
            ensure!(subs.len() == 2, "{subs:?}");
            Ok(())
        })),
        ..Default::default()
    })
    // drift: statuses changed out of band -> shown and repaired in place
    .step(Step {
        config: v3,
        before: Some(Box::new(|ctx| {
            let name = notify_rule("failures", "execution");
            let (rule, _) = rule_and_target(ctx, &name)?;
            let mut p = pattern_of(&rule)?;
            p["detail"]["currentPipelineExecutionStatus"] = json!(["Failed"]);
            events(ctx, "PutRule", json!({"Name": name, "EventPattern": p.to_string(), "Description": rule["Description"]}))?;
            Ok(())
        })),
        expect_plan: Some(re(r#"(?s)updated in-place.*execution_statuses\s*= \[.*\+ "Stopped""#)),
        check: Some(Box::new(|ctx| {
            let (rule, _) = rule_and_target(ctx, &notify_rule("failures", "execution"))?;
            ensure!(pattern_of(&rule)?["detail"]["currentPipelineExecutionStatus"] == json!(["Stopped", "Failed", "Succeeded"]), "{rule}");
            Ok(())
        })),
        ..Default::default()
    })
    // moved to an existing topic: the created topic goes, the e-mails follow
    .step(Step {
        config: v4,
        expect_plan: Some(re(r#"(?s)updated in-place.*~ topic_arn\s*= "arn:aws:sns:us-east-1:123456789012:mlops_Churn-Train_notify_failures" -> "arn:aws:sns:us-east-1:123456789012:team-alerts""#)),
        check: Some(Box::new(|ctx| {
            let inv = ctx.emulator.inventory()?;
            ensure!(inv["sns"]["topics"].get(owned_topic("failures")).is_none(), "{inv}");
            for kind in ["execution", "step"] {
                let (_, target) = rule_and_target(ctx, &notify_rule("failures", kind))?;
                ensure!(target["Arn"] == EXTERNAL_TOPIC, "{target}");
            }
            let mut subs: Vec<String> = email_subscriptions(ctx, EXTERNAL_TOPIC)?.into_iter().map(|(e, _)| e).collect();
            subs.sort();
            ensure!(subs == ["ds-team@example.com", "oncall@example.com"], "{subs:?}");
            Ok(())
        })),
        ..Default::default()
    })
    // topic_arn removed again: a provider-created topic comes back
    .step(Step {
        config: v5,
        expect_plan: Some(re(r#"(?s)updated in-place.*~ topic_arn\s*= "arn:aws:sns:us-east-1:123456789012:team-alerts" -> \(known after apply\)"#)),
        check: Some(Box::new(|ctx| {
            let n = notification_in_state(ctx, "failures")?;
            ensure!(n["topic_arn"] == owned_topic("failures"), "{n:?}");
            for kind in ["execution", "step"] {
                let (_, target) = rule_and_target(ctx, &notify_rule("failures", kind))?;
                ensure!(target["Arn"] == owned_topic("failures"), "{target}");
            }
            let subs = email_subscriptions(ctx, &owned_topic("failures"))?;
            ensure!(subs.len() == 2, "{subs:?}");
            Ok(())
        })),
        ..Default::default()
    })
    .run()
}

#[test]
fn invalid_triggers_and_notifications_rejected_at_plan_without_api_calls() -> Result<()> {
    let emulator = Emulator::start()?;
    let ws = Workspace::new(&emulator, Install::DevOverride)?;
    let trig =
        |body: &str| typed_pipeline(&format!("  trigger {{\n    name = \"t\"\n{body}  }}\n"));
    let note = |body: &str| {
        typed_pipeline(&format!(
            "  notification {{\n    name = \"n\"\n{body}  }}\n"
        ))
    };
    let ok_note = "    emails = [\"a@example.com\"]\n    execution_statuses = [\"Failed\"]\n";
    let cases: Vec<(&str, String, &str)> = vec![
        ("cron with 5 fields", trig("    schedule = \"cron(0 3 * * *)\"\n"), r#"(?s)Invalid schedule.*schedule = "cron\(0 3 \* \* \*\)".*has 5 field\(s\); it needs 6"#),
        ("cron with two ?", trig("    schedule = \"cron(0 3 ? * ? *)\"\n"), r"(?s)Invalid schedule.*exactly one of day-of-month"),
        ("cron minute 60", trig("    schedule = \"cron(60 3 * * ? *)\"\n"), r"(?s)Invalid schedule.*minutes field .*60 is outside 0-59"),
        ("rate plural", trig("    schedule = \"rate(1 days)\"\n"), r"(?s)Invalid schedule.*singular unit: rate\(1 day\)"),
        ("not a schedule", trig("    schedule = \"daily\"\n"), r#"(?s)Invalid schedule.*"daily" is not a schedule expression"#),
        ("two kinds", trig("    schedule = \"rate(1 day)\"\n    model_approved {\n      model_package_group = \"churn\"\n    }\n"), r"(?s)Exactly one attribute required.*model_approved \{.*got\s+schedule\s+and\s+model_approved"),
        ("no kind", trig(""), r"(?s)Exactly one attribute required.*exactly\s+one\s+of\s+schedule,\s+s3,\s+pipeline_step\s+or\s+model_approved"),
        ("unknown parameter", trig("    schedule = \"rate(1 day)\"\n    parameters = { Nope = \"1\" }\n"), r#"(?s)Unknown pipeline parameter.*no parameter "Nope". Declared: InputDataUrl"#),
        ("duplicate names", typed_pipeline("  trigger {\n    name = \"t\"\n    schedule = \"rate(1 day)\"\n  }\n  trigger {\n    name = \"t\"\n    schedule = \"rate(2 days)\"\n  }\n"), r#"(?s)Duplicate trigger name.*"t" is used by trigger\[0\]"#),
        ("name with underscore", typed_pipeline("  trigger {\n    name = \"my_trigger\"\n    schedule = \"rate(1 day)\"\n  }\n"), r#"(?s)"my_trigger" is not valid for trigger\[0\].name"#),
        ("bad bucket", trig("    s3 {\n      bucket = \"Bad_Bucket\"\n    }\n"), r#"(?s)"Bad_Bucket" is not valid for trigger\[0\].s3.bucket"#),
        ("step status for an execution", trig("    pipeline_step {\n      pipeline = \"other\"\n      statuses = [\"Starting\"]\n    }\n"), r#"(?s)Invalid status.*"Starting" is not a pipeline execution status"#),
        ("unknown step of this pipeline", trig("    pipeline_step {\n      pipeline = \"churn-typed\"\n      step = \"Train\"\n    }\n"), r#"(?s)Unknown step.*has no step "Train". Its steps: Stop"#),
        ("bad email", note("    emails = [\"not-an-email\"]\n    execution_statuses = [\"Failed\"]\n"), r#"(?s)Invalid e-mail address.*"not-an-email" is not an e-mail address"#),
        ("no recipients", note("    execution_statuses = [\"Failed\"]\n"), r"(?s)Notification without recipients"),
        ("no statuses", note("    emails = [\"a@example.com\"]\n"), r"(?s)Notification without statuses"),
        ("bad status", note("    emails = [\"a@example.com\"]\n    execution_statuses = [\"Failing\"]\n"), r#"(?s)"Failing" is not a valid value for notification\[0\].execution_statuses"#),
        ("bad topic arn", note(&format!("    topic_arn = \"arn:aws:sqs:us-east-1:123456789012:q\"\n{ok_note}")), r#"(?s)"arn:aws:sqs:us-east-1:123456789012:q" is not valid for notification\[0\].topic_arn"#),
        ("unknown step filter", note("    emails = [\"a@example.com\"]\n    step_statuses = [\"Failed\"]\n    steps = [\"Ghost\"]\n"), r#"(?s)Unknown step.*no step "Ghost""#),
        ("steps without step statuses", note(&format!("{ok_note}    steps = [\"Stop\"]\n")), r"(?s)steps without step_statuses"),
        ("bad placeholder", note(&format!("{ok_note}    message = \"failed: <reason>\"\n")), r"(?s)Unknown placeholder.*<reason> is not a placeholder"),
        ("duplicate notifications", typed_pipeline(&format!("  notification {{\n    name = \"n\"\n{ok_note}  }}\n  notification {{\n    name = \"n\"\n{ok_note}  }}\n")), r"(?s)Duplicate notification name"),
    ];
    let mut failures =
        plan_rejections(&ws, &emulator, &["mlops_pipeline.p"], &cases, &|_, _| None)?;
    // a raw definition: parameter and step names are not checked (nothing is declared)
    emulator.clear_requests()?;
    ws.write_config(&format!(
        "{}{}",
        provider_block(""),
        pipeline("  trigger {\n    name = \"t\"\n    schedule = \"rate(1 day)\"\n    parameters = { Anything = \"1\" }\n  }\n")
    ))?;
    let r = ws.tf(&["plan", "-no-color", "-input=false"])?;
    if r.code != 0 {
        failures.push(format!(
            "raw definition with parameters: plan failed:\n{}",
            r.all()
        ));
    }
    if failures.is_empty() {
        Ok(())
    } else {
        bail!("{}", failures.join("\n\n"))
    }
}
