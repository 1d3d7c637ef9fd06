"""SageMaker Pipelines: Create/Describe/Update/Delete, executions, tags."""

from __future__ import annotations

import datetime
import json

import pytest

from conftest import ACCOUNT, REGION
from helpers import aws_error

ROLE = f"arn:aws:iam::{ACCOUNT}:role/sagemaker-pipelines"
PIPELINE_ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:pipeline/"
# indented on purpose: Describe must return the definition byte for byte
DEFINITION = json.dumps(
    {
        "Version": "2020-12-01",
        "Parameters": [
            {"Name": "Epochs", "Type": "Integer", "DefaultValue": 3},
            {"Name": "LearningRate", "Type": "Float", "DefaultValue": 0.1},
            {"Name": "Shuffle", "Type": "Boolean", "DefaultValue": True},
            {"Name": "InputUri", "Type": "String"},
            {"Name": "Mode", "Type": "String", "DefaultValue": "fast", "EnumValues": ["fast", "slow"]},
        ],
        "Steps": [{"Name": "Stop", "Type": "Fail", "Arguments": {"ErrorMessage": "not a real pipeline"}}],
    },
    indent=2,
)


def _create(sm, name="Churn-Pipeline", **extra):
    params = {"PipelineName": name, "PipelineDefinition": DEFINITION, "RoleArn": ROLE, **extra}
    return sm.create_pipeline(**params)["PipelineArn"]


def _start(sm, name="Churn-Pipeline", **extra):
    params = {"PipelineName": name, "PipelineParameters": [{"Name": "InputUri", "Value": "s3://b/k"}], **extra}
    return sm.start_pipeline_execution(**params)["PipelineExecutionArn"]


def test_create_and_describe(sm):
    arn = _create(
        sm,
        PipelineDisplayName="Churn-Display",
        PipelineDescription="trains the churn model",
        ParallelismConfiguration={"MaxParallelExecutionSteps": 4},
        Tags=[{"Key": "team", "Value": "ml"}],
        ClientRequestToken="t" * 32,
    )
    assert arn == PIPELINE_ARN + "churn-pipeline"  # AWS lowercases the name in the ARN
    for ref in ("Churn-Pipeline", "churn-pipeline", "CHURN-PIPELINE", arn, arn.replace("churn-pipeline", "Churn-Pipeline")):
        out = sm.describe_pipeline(PipelineName=ref)
        assert out["PipelineArn"] == arn
        assert out["PipelineName"] == "Churn-Pipeline"
        assert out["PipelineDisplayName"] == "Churn-Display"
        assert out["PipelineDefinition"] == DEFINITION
        assert out["PipelineDescription"] == "trains the churn model"
        assert out["RoleArn"] == ROLE
        assert out["PipelineStatus"] == "Active"
        assert out["ParallelismConfiguration"] == {"MaxParallelExecutionSteps": 4}
        assert isinstance(out["CreationTime"], datetime.datetime)
        assert out["LastModifiedTime"] == out["CreationTime"]
        assert "LastRunTime" not in out
        assert out["CreatedBy"]["UserProfileName"]


def test_display_name_defaults_to_name_and_optional_fields_are_omitted(sm):
    _create(sm, name="plain")
    out = sm.describe_pipeline(PipelineName="plain")
    assert out["PipelineDisplayName"] == "plain"
    assert "PipelineDescription" not in out and "ParallelismConfiguration" not in out


def test_create_duplicate_and_client_token(sm):
    arn = _create(sm, ClientRequestToken="a" * 32)
    # same token: idempotent retry of the same request
    assert _create(sm, ClientRequestToken="a" * 32) == arn
    with aws_error(
        "ValidationException",
        "Pipeline names must be unique within an AWS account and region. Pipeline with name (churn-pipeline) already exists.",
    ):
        _create(sm, name="churn-pipeline")


def test_create_validates_definition_and_members(sm, emulator):
    with aws_error("ValidationException", "Unable to parse pipeline definition."):
        sm.create_pipeline(PipelineName="bad", PipelineDefinition="{not json", RoleArn=ROLE)
    with aws_error("ValidationException", "Unable to parse pipeline definition."):
        sm.create_pipeline(PipelineName="bad", PipelineDefinition="[1, 2]", RoleArn=ROLE)
    with aws_error("ValidationException", "Either Pipeline Definition or Pipeline Definition S3 location should be provided"):
        sm.create_pipeline(PipelineName="bad", RoleArn=ROLE)
    with aws_error(
        "ValidationException",
        "Value 'bad_name' at 'pipelineName' failed to satisfy constraint: Member must satisfy regular expression pattern",
    ):
        sm.create_pipeline(PipelineName="bad_name", PipelineDefinition=DEFINITION, RoleArn=ROLE)
    with aws_error("ValidationException", "at 'roleArn' failed to satisfy constraint"):
        sm.create_pipeline(PipelineName="bad", PipelineDefinition=DEFINITION, RoleArn="arn:aws:iam::123:user/nope")
    with aws_error("ValidationException", "at 'parallelismConfiguration.maxParallelExecutionSteps' failed to satisfy constraint: Member must have value greater than or equal to 1"):
        emulator.client(parameter_validation=False).create_pipeline(
            PipelineName="bad", PipelineDefinition=DEFINITION, RoleArn=ROLE,
            ParallelismConfiguration={"MaxParallelExecutionSteps": 0},
        )
    with aws_error("ValidationException", "Value null at 'roleArn' failed to satisfy constraint: Member must not be null"):
        emulator.client(parameter_validation=False).create_pipeline(
            PipelineName="bad", PipelineDefinition=DEFINITION, ClientRequestToken="c" * 32
        )
    assert sm.list_pipelines()["PipelineSummaries"] == []


def test_definition_from_s3(sm, emulator):
    s3 = emulator.client("s3")
    s3.create_bucket(Bucket="defs")
    s3.put_object(Bucket="defs", Key="p.json", Body=DEFINITION.encode())
    sm.create_pipeline(
        PipelineName="from-s3", RoleArn=ROLE, PipelineDefinitionS3Location={"Bucket": "defs", "ObjectKey": "p.json"}
    )
    assert sm.describe_pipeline(PipelineName="from-s3")["PipelineDefinition"] == DEFINITION
    with aws_error("ValidationException", "s3://defs/missing.json"):
        sm.create_pipeline(
            PipelineName="other", RoleArn=ROLE, PipelineDefinitionS3Location={"Bucket": "defs", "ObjectKey": "missing.json"}
        )


def test_describe_missing(sm):
    with aws_error("ResourceNotFound", f"Pipeline '{PIPELINE_ARN}nope' does not exist."):
        sm.describe_pipeline(PipelineName="nope")
    with aws_error("ResourceNotFound", f"Pipeline '{PIPELINE_ARN}Nope-Two' does not exist."):
        sm.describe_pipeline(PipelineName=f"{PIPELINE_ARN}Nope-Two")


def test_update_changes_only_fields_present(sm):
    arn = _create(sm, PipelineDisplayName="D1", PipelineDescription="first", ParallelismConfiguration={"MaxParallelExecutionSteps": 2})
    before = sm.describe_pipeline(PipelineName="Churn-Pipeline")
    out = sm.update_pipeline(PipelineName="churn-pipeline", PipelineDescription="second")
    assert out["PipelineArn"] == arn and out["PipelineVersionId"] == 2
    after = sm.describe_pipeline(PipelineName="Churn-Pipeline")
    assert after["PipelineDescription"] == "second"
    for key in ("PipelineDisplayName", "PipelineDefinition", "RoleArn", "ParallelismConfiguration", "CreationTime"):
        assert after[key] == before[key], key
    assert after["LastModifiedTime"] > before["LastModifiedTime"]

    new_definition = json.dumps({"Version": "2020-12-01", "Steps": []})
    other_role = f"arn:aws:iam::{ACCOUNT}:role/other"
    out = sm.update_pipeline(
        PipelineName="Churn-Pipeline", PipelineDefinition=new_definition, PipelineDisplayName="D2",
        RoleArn=other_role, ParallelismConfiguration={"MaxParallelExecutionSteps": 9},
    )
    assert out["PipelineVersionId"] == 3
    after = sm.describe_pipeline(PipelineName="Churn-Pipeline")
    assert (after["PipelineDefinition"], after["PipelineDisplayName"], after["RoleArn"]) == (new_definition, "D2", other_role)
    assert after["ParallelismConfiguration"] == {"MaxParallelExecutionSteps": 9}
    # earlier versions stay readable
    assert sm.describe_pipeline(PipelineName="Churn-Pipeline", PipelineVersionId=1)["PipelineDefinition"] == DEFINITION
    with aws_error("ResourceNotFound"):
        sm.describe_pipeline(PipelineName="Churn-Pipeline", PipelineVersionId=7)


def test_update_errors(sm):
    with aws_error("ResourceNotFound", f"Pipeline '{PIPELINE_ARN}missing' does not exist."):
        sm.update_pipeline(PipelineName="missing", PipelineDescription="x")
    _create(sm)
    with aws_error("ValidationException", "Unable to parse pipeline definition."):
        sm.update_pipeline(PipelineName="Churn-Pipeline", PipelineDefinition="nope")
    assert sm.describe_pipeline(PipelineName="Churn-Pipeline")["PipelineDefinition"] == DEFINITION


def test_delete(sm):
    arn = _create(sm)
    _start(sm)
    assert sm.delete_pipeline(PipelineName="churn-pipeline")["PipelineArn"] == arn
    with aws_error("ResourceNotFound", f"Pipeline '{arn}' does not exist."):
        sm.describe_pipeline(PipelineName="Churn-Pipeline")
    with aws_error("ResourceNotFound", f"Pipeline '{arn}' does not exist."):
        sm.delete_pipeline(PipelineName="Churn-Pipeline")
    # DeletePipeline takes a name only (the API model's pattern rejects an ARN)
    with aws_error("ValidationException", "at 'pipelineName' failed to satisfy constraint"):
        sm.delete_pipeline(PipelineName=arn)
    # the name is free again
    assert _create(sm) == arn


def test_list_pipelines(sm):
    for name in ("b-pipe", "a-pipe", "other"):
        _create(sm, name=name)
    names = [p["PipelineName"] for p in sm.list_pipelines()["PipelineSummaries"]]
    assert names == ["other", "a-pipe", "b-pipe"]  # default: CreationTime, Descending
    out = sm.list_pipelines(PipelineNamePrefix="a", SortBy="Name", SortOrder="Ascending")
    assert [p["PipelineName"] for p in out["PipelineSummaries"]] == ["a-pipe"]
    page = sm.list_pipelines(MaxResults=2, SortBy="Name", SortOrder="Ascending")
    assert [p["PipelineName"] for p in page["PipelineSummaries"]] == ["a-pipe", "b-pipe"]
    rest = sm.list_pipelines(MaxResults=2, SortBy="Name", SortOrder="Ascending", NextToken=page["NextToken"])
    assert [p["PipelineName"] for p in rest["PipelineSummaries"]] == ["other"] and "NextToken" not in rest


def test_start_describe_list_executions(sm):
    arn = _create(sm, ParallelismConfiguration={"MaxParallelExecutionSteps": 2})
    execution = _start(
        sm,
        PipelineExecutionDisplayName="nightly-1",
        PipelineExecutionDescription="first run",
        PipelineParameters=[
            {"Name": "InputUri", "Value": "s3://b/k"},
            {"Name": "Epochs", "Value": "10"},
            {"Name": "LearningRate", "Value": "0.01"},
            {"Name": "Shuffle", "Value": "false"},
            {"Name": "Mode", "Value": "slow"},
        ],
        ClientRequestToken="r" * 32,
    )
    assert execution.startswith(arn + "/execution/")
    assert len(execution.rsplit("/", 1)[1]) == 12
    # same token: same execution
    assert _start(sm, ClientRequestToken="r" * 32) == execution
    out = sm.describe_pipeline_execution(PipelineExecutionArn=execution)
    assert out["PipelineArn"] == arn
    assert out["PipelineExecutionArn"] == execution
    assert out["PipelineExecutionDisplayName"] == "nightly-1"
    assert out["PipelineExecutionDescription"] == "first run"
    assert out["PipelineExecutionStatus"] == "Executing"
    assert out["ParallelismConfiguration"] == {"MaxParallelExecutionSteps": 2}
    assert out["PipelineVersionId"] == 1
    assert "FailureReason" not in out
    second = _start(sm)
    assert sm.describe_pipeline_execution(PipelineExecutionArn=second)["PipelineExecutionDisplayName"].startswith("execution-")
    summaries = sm.list_pipeline_executions(PipelineName="Churn-Pipeline")["PipelineExecutionSummaries"]
    assert [s["PipelineExecutionArn"] for s in summaries] == [second, execution]  # newest first
    assert summaries[1]["PipelineExecutionStatus"] == "Executing"
    assert summaries[1]["PipelineExecutionDescription"] == "first run"
    ascending = sm.list_pipeline_executions(PipelineName=arn, SortOrder="Ascending", MaxResults=1)
    assert [s["PipelineExecutionArn"] for s in ascending["PipelineExecutionSummaries"]] == [execution]
    assert sm.describe_pipeline(PipelineName=arn)["LastRunTime"] == summaries[0]["StartTime"]
    params = sm.list_pipeline_parameters_for_execution(PipelineExecutionArn=execution)["PipelineParameters"]
    assert {"Name": "Epochs", "Value": "10"} in params
    assert sm.describe_pipeline_definition_for_execution(PipelineExecutionArn=execution)["PipelineDefinition"] == DEFINITION


def test_start_validates_parameters_against_definition(sm):
    _create(sm)
    with aws_error("ValidationException", '"Bogus"') as info:
        _start(sm, PipelineParameters=[{"Name": "InputUri", "Value": "s3://b/k"}, {"Name": "Bogus", "Value": "1"}])
    assert "not allowed by the schema" in info.value.response["Error"]["Message"]
    with aws_error("ValidationException", 'object has missing required properties (["InputUri"])'):
        _start(sm, PipelineParameters=[])
    with aws_error("ValidationException", 'string "" is too short (length: 0, required minimum: 1)'):
        _start(sm, PipelineParameters=[{"Name": "InputUri", "Value": ""}])
    for name, value in (("Epochs", "ten"), ("LearningRate", "fast"), ("Shuffle", "maybe"), ("Mode", "medium")):
        with aws_error("ValidationException", f'"{value}"'):
            _start(sm, PipelineParameters=[{"Name": "InputUri", "Value": "s3://b/k"}, {"Name": name, "Value": value}])
    with aws_error("ValidationException", "at 'pipelineParameters.1.member.name' failed to satisfy constraint"):
        _start(sm, PipelineParameters=[{"Name": "bad name!", "Value": "x"}])
    with aws_error("ResourceNotFound", f"Pipeline '{PIPELINE_ARN}missing' does not exist."):
        _start(sm, name="missing")
    assert sm.list_pipeline_executions(PipelineName="Churn-Pipeline")["PipelineExecutionSummaries"] == []


def test_executions_use_the_definition_of_their_version(sm):
    _create(sm)
    sm.update_pipeline(PipelineName="Churn-Pipeline", PipelineDefinition=json.dumps({"Version": "2020-12-01", "Steps": []}))
    with aws_error("ValidationException", '"InputUri"'):  # version 2 declares no parameters
        _start(sm)
    old = _start(sm, PipelineVersionId=1)
    assert sm.describe_pipeline_execution(PipelineExecutionArn=old)["PipelineVersionId"] == 1
    assert sm.describe_pipeline_definition_for_execution(PipelineExecutionArn=old)["PipelineDefinition"] == DEFINITION


def test_stop_execution(sm, emulator):
    _create(sm)
    execution = _start(sm)
    assert sm.stop_pipeline_execution(PipelineExecutionArn=execution)["PipelineExecutionArn"] == execution
    statuses = [sm.describe_pipeline_execution(PipelineExecutionArn=execution)["PipelineExecutionStatus"] for _ in range(2)]
    assert statuses == ["Stopping", "Stopped"]
    with aws_error("ConflictException", "cannot be stopped"):
        sm.stop_pipeline_execution(PipelineExecutionArn=execution)
    missing = execution[:-12] + "zzzzzzzzzzzz"
    with aws_error("ResourceNotFound", f"Pipeline execution '{missing}' does not exist."):
        sm.stop_pipeline_execution(PipelineExecutionArn=missing)
    with aws_error("ResourceNotFound"):
        sm.describe_pipeline_execution(PipelineExecutionArn=missing)


def test_control_api_sets_execution_status(sm, emulator):
    _create(sm)
    execution = _start(sm)
    out = emulator.control(
        "POST", "/_emulator/sagemaker/pipeline-execution",
        {"arn": execution, "status": "Failed", "failure_reason": "step Train failed"},
    )
    assert out == {"arn": execution, "status": "Failed"}
    desc = sm.describe_pipeline_execution(PipelineExecutionArn=execution)
    assert desc["PipelineExecutionStatus"] == "Failed" and desc["FailureReason"] == "step Train failed"
    summary = sm.list_pipeline_executions(PipelineName="Churn-Pipeline")["PipelineExecutionSummaries"][0]
    assert summary["PipelineExecutionFailureReason"] == "step Train failed"
    import urllib.error

    with pytest.raises(urllib.error.HTTPError) as info:
        emulator.control("POST", "/_emulator/sagemaker/pipeline-execution", {"arn": execution + "x", "status": "Succeeded"})
    assert info.value.code == 404
    with pytest.raises(urllib.error.HTTPError) as info:
        emulator.control("POST", "/_emulator/sagemaker/pipeline-execution", {"arn": execution, "status": "Done"})
    assert info.value.code == 400


def test_pipeline_tags(sm):
    arn = _create(sm, Tags=[{"Key": "team", "Value": "ml"}])
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "ml"}]
    sm.add_tags(ResourceArn=arn.replace("churn-pipeline", "Churn-Pipeline"), Tags=[{"Key": "team", "Value": "ds"}, {"Key": "env", "Value": "dev"}])
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "ds"}, {"Key": "env", "Value": "dev"}]
    sm.delete_tags(ResourceArn=arn, TagKeys=["team"])
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "env", "Value": "dev"}]
    sm.delete_pipeline(PipelineName="Churn-Pipeline")
    with aws_error("ValidationException", f"Resource does not exist: {arn}"):
        sm.list_tags(ResourceArn=arn)
