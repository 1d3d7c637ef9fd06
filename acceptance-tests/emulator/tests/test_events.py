"""EventBridge: rules, targets, tags, connections and API destinations."""

from __future__ import annotations

import datetime
import json

import pytest

from conftest import ACCOUNT, REGION
from helpers import aws_error

ROLE = f"arn:aws:iam::{ACCOUNT}:role/events-invoke"
RULE_ARN = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/"
PIPELINE = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:pipeline/churn"
PATTERN = json.dumps({"source": ["aws.sagemaker"], "detail-type": ["SageMaker Model Package State Change"]})


@pytest.fixture
def ev(emulator):
    return emulator.client("events")


def test_put_describe_schedule_rule(ev):
    arn = ev.put_rule(
        Name="nightly-retrain",
        ScheduleExpression="cron(0 3 * * ? *)",
        State="ENABLED",
        Description="retrain every night",
        RoleArn=ROLE,
        Tags=[{"Key": "team", "Value": "ml"}],
    )["RuleArn"]
    assert arn == RULE_ARN + "nightly-retrain"
    out = ev.describe_rule(Name="nightly-retrain")
    assert out == {
        "Name": "nightly-retrain",
        "Arn": arn,
        "ScheduleExpression": "cron(0 3 * * ? *)",
        "State": "ENABLED",
        "Description": "retrain every night",
        "RoleArn": ROLE,
        "EventBusName": "default",
        "CreatedBy": ACCOUNT,
        "ResponseMetadata": out["ResponseMetadata"],
    }
    assert ev.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "team", "Value": "ml"}]


def test_event_pattern_rule_and_put_rule_replaces_fields(ev):
    ev.put_rule(Name="on-approval", EventPattern=PATTERN, State="DISABLED", Description="d")
    out = ev.describe_rule(Name="on-approval")
    assert out["EventPattern"] == PATTERN and out["State"] == "DISABLED"
    assert "ScheduleExpression" not in out
    # AWS: PutRule on an existing rule replaces it; omitted fields are cleared
    ev.put_rule(Name="on-approval", EventPattern=PATTERN)
    out = ev.describe_rule(Name="on-approval")
    assert out["State"] == "ENABLED" and "Description" not in out


@pytest.mark.parametrize(
    "expression",
    [
        "cron(0 12 * * ? *)",
        "cron(15 10 ? * 6L 2022-2030)",
        "cron(0/15 * * * ? *)",
        "cron(0 8 1 * ? *)",
        "cron(0 9 ? * MON-FRI *)",
        "cron(0 18 ? * 2#1 *)",
        "cron(0 0 L * ? *)",
        "cron(0 0 15W JAN,JUL ? *)",
        "rate(1 minute)",
        "rate(5 minutes)",
        "rate(1 hour)",
        "rate(12 hours)",
        "rate(1 day)",
        "rate(7 days)",
    ],
)
def test_valid_schedule_expressions(ev, expression):
    ev.put_rule(Name="r", ScheduleExpression=expression)
    assert ev.describe_rule(Name="r")["ScheduleExpression"] == expression


@pytest.mark.parametrize(
    "expression",
    [
        "cron(0 12 * * *)",  # five fields (Unix cron)
        "cron(0 12 * * * *)",  # day-of-month and day-of-week both set
        "cron(0 12 ? * ? *)",  # both '?'
        "cron(60 12 * * ? *)",
        "cron(0 24 * * ? *)",
        "cron(0 12 32 * ? *)",
        "cron(0 12 * 13 ? *)",
        "cron(0 12 ? * 8 *)",
        "cron(0 12 ? * FOO *)",
        "cron(0 12 * * ? 1800)",
        "cron(0/0 * * * ? *)",
        "cron()",
        "rate(1 minutes)",
        "rate(5 minute)",
        "rate(0 minutes)",
        "rate(1 week)",
        "every 5 minutes",
    ],
)
def test_invalid_schedule_expressions(ev, expression):
    with aws_error("ValidationException", "Parameter ScheduleExpression is not valid."):
        ev.put_rule(Name="r", ScheduleExpression=expression)
    with aws_error("ResourceNotFoundException"):
        ev.describe_rule(Name="r")


def test_put_rule_errors(ev):
    with aws_error("ValidationException", "Parameter(s) EventPattern or ScheduleExpression must be specified."):
        ev.put_rule(Name="r")
    with aws_error("InvalidEventPatternException", "Event pattern is not valid."):
        ev.put_rule(Name="r", EventPattern="{not json")
    with aws_error("ValidationException", "Value 'bad name' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern"):
        ev.put_rule(Name="bad name", ScheduleExpression="rate(1 day)")
    with aws_error("ValidationException", "at 'state' failed to satisfy constraint: Member must satisfy enum value set"):
        ev.put_rule(Name="r", ScheduleExpression="rate(1 day)", State="ON")


def test_describe_and_list_rules(ev):
    with aws_error("ResourceNotFoundException", "Rule missing does not exist on EventBus default."):
        ev.describe_rule(Name="missing")
    for name in ("mlops.b", "mlops.a", "mlopsXa", "other"):
        ev.put_rule(Name=name, ScheduleExpression="rate(1 day)")
    # NamePrefix is a plain prefix ('.' is not a wildcard)
    assert [r["Name"] for r in ev.list_rules(NamePrefix="mlops.")["Rules"]] == ["mlops.a", "mlops.b"]
    page = ev.list_rules(Limit=3)
    assert [r["Name"] for r in page["Rules"]] == ["mlops.a", "mlops.b", "mlopsXa"]
    rest = ev.list_rules(Limit=3, NextToken=page["NextToken"])
    assert [r["Name"] for r in rest["Rules"]] == ["other"] and "NextToken" not in rest
    assert rest["Rules"][0]["Arn"] == RULE_ARN + "other"


def test_targets_round_trip(ev):
    ev.put_rule(Name="r", ScheduleExpression="rate(1 day)")
    targets = [
        {
            "Id": "pipeline",
            "Arn": PIPELINE,
            "RoleArn": ROLE,
            "SageMakerPipelineParameters": {
                "PipelineParameterList": [{"Name": "InputUri", "Value": "s3://b/k"}, {"Name": "Epochs", "Value": "3"}]
            },
        },
        {
            "Id": "transformed",
            "Arn": f"arn:aws:sns:{REGION}:{ACCOUNT}:alerts",
            "InputTransformer": {
                "InputPathsMap": {"group": "$.detail.ModelPackageGroupName", "status": "$.detail.ModelApprovalStatus"},
                "InputTemplate": '"Model in <group> is now <status>"',
            },
        },
        {"Id": "constant", "Arn": f"arn:aws:sns:{REGION}:{ACCOUNT}:alerts", "Input": '{"k": [1, 2]}'},
        {
            "Id": "webhook",
            "Arn": f"arn:aws:events:{REGION}:{ACCOUNT}:api-destination/hook/0000",
            "RoleArn": ROLE,
            "HttpParameters": {
                "PathParameterValues": ["v1"],
                "HeaderParameters": {"X-Source": "mlops"},
                "QueryStringParameters": {"env": "dev"},
            },
        },
    ]
    out = ev.put_targets(Rule="r", Targets=targets)
    assert out["FailedEntryCount"] == 0 and out["FailedEntries"] == []
    assert ev.list_targets_by_rule(Rule="r")["Targets"] == targets
    # PutTargets with an existing Id replaces that target
    ev.put_targets(Rule="r", Targets=[{"Id": "constant", "Arn": targets[2]["Arn"], "Input": "{}"}])
    listed = ev.list_targets_by_rule(Rule="r")["Targets"]
    assert [t["Id"] for t in listed] == ["pipeline", "transformed", "constant", "webhook"]
    assert listed[2] == {"Id": "constant", "Arn": targets[2]["Arn"], "Input": "{}"}
    page = ev.list_targets_by_rule(Rule="r", Limit=3)
    assert len(page["Targets"]) == 3
    assert len(ev.list_targets_by_rule(Rule="r", NextToken=page["NextToken"])["Targets"]) == 1
    out = ev.remove_targets(Rule="r", Ids=["constant", "webhook"])
    assert out["FailedEntryCount"] == 0
    assert [t["Id"] for t in ev.list_targets_by_rule(Rule="r")["Targets"]] == ["pipeline", "transformed"]


def test_target_errors(ev):
    target = {"Id": "t", "Arn": PIPELINE}
    with aws_error("ResourceNotFoundException", "Rule missing does not exist on EventBus default."):
        ev.put_targets(Rule="missing", Targets=[target])
    with aws_error("ResourceNotFoundException", "Rule missing does not exist on EventBus default."):
        ev.list_targets_by_rule(Rule="missing")
    with aws_error("ResourceNotFoundException", "Rule missing does not exist on EventBus default."):
        ev.remove_targets(Rule="missing", Ids=["t"])
    ev.put_rule(Name="r", ScheduleExpression="rate(1 day)")
    with aws_error("ValidationException", "at 'targets.1.member.id' failed to satisfy constraint"):
        ev.put_targets(Rule="r", Targets=[{"Id": "bad id", "Arn": PIPELINE}])
    with aws_error("ValidationException", "Provided Arn is not in correct format."):
        ev.put_targets(Rule="r", Targets=[{"Id": "t", "Arn": "not-an-arn"}])
    with aws_error("ValidationException", "Only one of Input, InputPath, or InputTransformer"):
        ev.put_targets(Rule="r", Targets=[{**target, "Input": "{}", "InputPath": "$.detail"}])
    with aws_error(
        "ValidationException",
        "at 'targets.1.member.sageMakerPipelineParameters.pipelineParameterList.1.member.name' failed to satisfy constraint",
    ):
        ev.put_targets(
            Rule="r",
            Targets=[{**target, "SageMakerPipelineParameters": {"PipelineParameterList": [{"Name": "bad_name", "Value": "1"}]}}],
        )
    with aws_error("ValidationException", "Member must have length less than or equal to 100"):
        ev.put_targets(Rule="r", Targets=[{"Id": f"t{i}", "Arn": PIPELINE} for i in range(101)])
    # at most 5 targets per rule (a hard EventBridge quota)
    ev.put_targets(Rule="r", Targets=[{"Id": f"t{i}", "Arn": PIPELINE} for i in range(4)])
    with aws_error("LimitExceededException", "The requested resource exceeds the maximum number allowed."):
        ev.put_targets(Rule="r", Targets=[{"Id": f"n{i}", "Arn": PIPELINE} for i in range(2)])
    ev.put_targets(Rule="r", Targets=[{"Id": "t0", "Arn": PIPELINE, "Input": "{}"}, {"Id": "t4", "Arn": PIPELINE}])
    assert [t["Id"] for t in ev.list_targets_by_rule(Rule="r")["Targets"]] == ["t0", "t1", "t2", "t3", "t4"]


def test_delete_rule(ev):
    ev.put_rule(Name="r", ScheduleExpression="rate(1 day)", Tags=[{"Key": "a", "Value": "b"}])
    ev.put_targets(Rule="r", Targets=[{"Id": "t", "Arn": PIPELINE}])
    with aws_error("ValidationException", "Rule can't be deleted since it has targets."):
        ev.delete_rule(Name="r")
    ev.remove_targets(Rule="r", Ids=["t"])
    ev.delete_rule(Name="r")
    with aws_error("ResourceNotFoundException"):
        ev.describe_rule(Name="r")
    ev.delete_rule(Name="r")  # AWS: deleting a rule that does not exist succeeds
    with aws_error("ResourceNotFoundException", "Event bus nope does not exist."):
        ev.delete_rule(Name="r", EventBusName="nope")
    # the tags went with the rule
    ev.put_rule(Name="r", ScheduleExpression="rate(1 day)")
    assert ev.list_tags_for_resource(ResourceARN=RULE_ARN + "r")["Tags"] == []


def test_tags(ev):
    arn = ev.put_rule(Name="r", EventPattern=PATTERN, Tags=[{"Key": "a", "Value": "1"}])["RuleArn"]
    ev.tag_resource(ResourceARN=arn, Tags=[{"Key": "a", "Value": "2"}, {"Key": "b", "Value": "3"}])
    assert {t["Key"]: t["Value"] for t in ev.list_tags_for_resource(ResourceARN=arn)["Tags"]} == {"a": "2", "b": "3"}
    ev.untag_resource(ResourceARN=arn, TagKeys=["a"])
    assert ev.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "b", "Value": "3"}]
    with aws_error("ResourceNotFoundException", "Rule nope does not exist on EventBus default."):
        ev.list_tags_for_resource(ResourceARN=RULE_ARN + "nope")
    with aws_error("ResourceNotFoundException", "Rule r does not exist on EventBus other."):
        ev.tag_resource(ResourceARN=RULE_ARN + "other/r", Tags=[{"Key": "a", "Value": "b"}])
    # rules on a custom bus
    ev.create_event_bus(Name="other")
    custom = ev.put_rule(Name="r", EventPattern=PATTERN, EventBusName="other")["RuleArn"]
    assert custom == RULE_ARN + "other/r"
    ev.tag_resource(ResourceARN=custom, Tags=[{"Key": "bus", "Value": "other"}])
    assert ev.list_tags_for_resource(ResourceARN=custom)["Tags"] == [{"Key": "bus", "Value": "other"}]
    assert ev.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "b", "Value": "3"}]


API_KEY_AUTH = {
    "ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "s3cr3t"},
    "InvocationHttpParameters": {
        "HeaderParameters": [
            {"Key": "X-Team", "Value": "ml", "IsValueSecret": False},
            {"Key": "X-Token", "Value": "hidden", "IsValueSecret": True},
        ],
        "QueryStringParameters": [{"Key": "env", "Value": "dev", "IsValueSecret": False}],
        "BodyParameters": [{"Key": "password", "Value": "hunter2", "IsValueSecret": True}],
    },
}


def test_connection_lifecycle(ev, emulator):
    out = ev.create_connection(Name="hook", Description="webhook", AuthorizationType="API_KEY", AuthParameters=API_KEY_AUTH)
    arn = out["ConnectionArn"]
    assert arn.startswith(f"arn:aws:events:{REGION}:{ACCOUNT}:connection/hook/")
    assert out["ConnectionState"] == "AUTHORIZED"
    assert isinstance(out["CreationTime"], datetime.datetime)
    desc = ev.describe_connection(Name="hook")
    assert desc["ConnectionArn"] == arn and desc["Name"] == "hook" and desc["Description"] == "webhook"
    assert desc["AuthorizationType"] == "API_KEY" and desc["ConnectionState"] == "AUTHORIZED"
    assert desc["SecretArn"].startswith(f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:events!connection/hook/")
    # secrets are never returned
    assert desc["AuthParameters"] == {
        "ApiKeyAuthParameters": {"ApiKeyName": "x-api-key"},
        "InvocationHttpParameters": {
            "HeaderParameters": [
                {"Key": "X-Team", "Value": "ml", "IsValueSecret": False},
                {"Key": "X-Token", "IsValueSecret": True},
            ],
            "QueryStringParameters": [{"Key": "env", "Value": "dev", "IsValueSecret": False}],
            "BodyParameters": [{"Key": "password", "IsValueSecret": True}],
        },
    }
    assert "s3cr3t" not in json.dumps(desc, default=str)

    up = ev.update_connection(Name="hook", Description="v2", AuthParameters={"ApiKeyAuthParameters": {"ApiKeyValue": "rotated"}})
    assert up["ConnectionArn"] == arn and up["LastModifiedTime"] >= out["LastModifiedTime"]
    desc2 = ev.describe_connection(Name="hook")
    assert desc2["Description"] == "v2"
    # the secret AWS keeps the parameters in follows the update
    secret = json.loads(emulator.client("secretsmanager").get_secret_value(SecretId=desc2["SecretArn"])["SecretString"])
    assert secret["api_key_value"] == "rotated" and secret["api_key_name"] == "x-api-key", secret
    # only the value changed: the key name and the invocation parameters stay
    assert desc2["AuthParameters"] == desc["AuthParameters"]
    assert desc2["LastModifiedTime"] > desc["LastModifiedTime"]
    ev.update_connection(Name="hook", AuthParameters={"InvocationHttpParameters": {"HeaderParameters": [{"Key": "X-New", "Value": "1"}]}})
    assert ev.describe_connection(Name="hook")["AuthParameters"]["InvocationHttpParameters"] == {
        "HeaderParameters": [{"Key": "X-New", "Value": "1", "IsValueSecret": False}]
    }
    ev.update_connection(Name="hook", AuthorizationType="BASIC", AuthParameters={"BasicAuthParameters": {"Username": "u", "Password": "p"}})
    basic = ev.describe_connection(Name="hook")
    assert basic["AuthorizationType"] == "BASIC"
    assert basic["AuthParameters"]["BasicAuthParameters"] == {"Username": "u"}
    assert "ApiKeyAuthParameters" not in basic["AuthParameters"]

    deleted = ev.delete_connection(Name="hook")
    assert deleted["ConnectionArn"] == arn and deleted["ConnectionState"] == "DELETING"
    with aws_error("ResourceNotFoundException", "Connection 'hook' does not exist."):
        ev.describe_connection(Name="hook")
    with aws_error("ResourceNotFoundException", "Connection 'hook' does not exist."):
        ev.delete_connection(Name="hook")


def test_connection_errors(ev):
    ev.create_connection(Name="hook", AuthorizationType="API_KEY", AuthParameters=API_KEY_AUTH)
    with aws_error("ResourceAlreadyExistsException", "Connection hook already exists."):
        ev.create_connection(Name="hook", AuthorizationType="API_KEY", AuthParameters=API_KEY_AUTH)
    with aws_error("ValidationException", "ApiKeyAuthParameters must be specified for authorization type API_KEY"):
        ev.create_connection(Name="other", AuthorizationType="API_KEY", AuthParameters={"BasicAuthParameters": {"Username": "u", "Password": "p"}})
    with aws_error("ValidationException", "BasicAuthParameters must be specified"):
        ev.update_connection(Name="hook", AuthorizationType="BASIC")
    with aws_error("ValidationException", "at 'authParameters.invocationHttpParameters.headerParameters.1.member.key' failed to satisfy constraint"):
        ev.create_connection(
            Name="other", AuthorizationType="API_KEY",
            AuthParameters={**API_KEY_AUTH, "InvocationHttpParameters": {"HeaderParameters": [{"Key": "bad key", "Value": "v"}]}},
        )
    with aws_error("ResourceNotFoundException", "Connection 'nope' does not exist."):
        ev.update_connection(Name="nope", Description="x")


def test_api_destination_lifecycle(ev):
    conn = ev.create_connection(Name="hook", AuthorizationType="API_KEY", AuthParameters=API_KEY_AUTH)["ConnectionArn"]
    out = ev.create_api_destination(
        Name="slack", Description="notify", ConnectionArn=conn,
        InvocationEndpoint="https://hooks.example.com/services/T000", HttpMethod="POST", InvocationRateLimitPerSecond=10,
    )
    arn = out["ApiDestinationArn"]
    assert arn.startswith(f"arn:aws:events:{REGION}:{ACCOUNT}:api-destination/slack/")
    assert out["ApiDestinationState"] == "ACTIVE"
    desc = ev.describe_api_destination(Name="slack")
    for key, value in {
        "ApiDestinationArn": arn, "Name": "slack", "Description": "notify", "ConnectionArn": conn,
        "InvocationEndpoint": "https://hooks.example.com/services/T000", "HttpMethod": "POST",
        "InvocationRateLimitPerSecond": 10, "ApiDestinationState": "ACTIVE",
    }.items():
        assert desc[key] == value, key
    up = ev.update_api_destination(Name="slack", HttpMethod="PUT", InvocationRateLimitPerSecond=1)
    assert up["ApiDestinationArn"] == arn
    desc2 = ev.describe_api_destination(Name="slack")
    assert (desc2["HttpMethod"], desc2["InvocationRateLimitPerSecond"], desc2["Description"]) == ("PUT", 1, "notify")
    assert desc2["LastModifiedTime"] > desc["LastModifiedTime"]
    ev.delete_api_destination(Name="slack")
    with aws_error("ResourceNotFoundException", "An api-destination 'slack' does not exist."):
        ev.describe_api_destination(Name="slack")
    with aws_error("ResourceNotFoundException", "An api-destination 'slack' does not exist."):
        ev.delete_api_destination(Name="slack")
    # InvocationRateLimitPerSecond defaults to 300
    ev.create_api_destination(Name="d", ConnectionArn=conn, InvocationEndpoint="https://example.com", HttpMethod="GET")
    assert ev.describe_api_destination(Name="d")["InvocationRateLimitPerSecond"] == 300


def test_api_destination_errors(ev, emulator):
    conn = ev.create_connection(Name="hook", AuthorizationType="API_KEY", AuthParameters=API_KEY_AUTH)["ConnectionArn"]
    ev.create_api_destination(Name="d", ConnectionArn=conn, InvocationEndpoint="https://example.com", HttpMethod="POST")
    with aws_error("ResourceAlreadyExistsException", "An api-destination 'd' already exists."):
        ev.create_api_destination(Name="d", ConnectionArn=conn, InvocationEndpoint="https://example.com", HttpMethod="POST")
    missing = conn.replace("/hook/", "/gone/")
    with aws_error("ResourceNotFoundException", "Connection 'gone' does not exist."):
        ev.create_api_destination(Name="e", ConnectionArn=missing, InvocationEndpoint="https://example.com", HttpMethod="POST")
    with aws_error("ResourceNotFoundException", "Connection 'gone' does not exist."):
        ev.update_api_destination(Name="d", ConnectionArn=missing)
    with aws_error("ValidationException", "at 'httpMethod' failed to satisfy constraint: Member must satisfy enum value set"):
        ev.create_api_destination(Name="e", ConnectionArn=conn, InvocationEndpoint="https://example.com", HttpMethod="FETCH")
    with aws_error("ValidationException", "at 'invocationRateLimitPerSecond' failed to satisfy constraint"):
        emulator.client("events", parameter_validation=False).create_api_destination(
            Name="e", ConnectionArn=conn, InvocationEndpoint="https://example.com", HttpMethod="POST", InvocationRateLimitPerSecond=0
        )
