"""SageMaker Model Monitor: data/model quality job definitions and monitoring schedules."""

from __future__ import annotations

import time

import pytest

from conftest import ACCOUNT, REGION
from helpers import aws_error
from hosting import DELAY, fast, in_service

ROLE = f"arn:aws:iam::{ACCOUNT}:role/sagemaker-monitor"
ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:"
IMAGE = f"156813124566.dkr.ecr.{REGION}.amazonaws.com/sagemaker-model-monitor-analyzer"
RESOURCES = {"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 20}}
OUTPUT = {"MonitoringOutputs": [{"S3Output": {"S3Uri": "s3://monitor/reports", "LocalPath": "/opt/ml/processing/output"}}]}


def _endpoint_input(**extra):
    return {"EndpointName": "churn", "LocalPath": "/opt/ml/processing/input/endpoint", **extra}


def _data_quality(sm, name="churn-dq", endpoint=True, **extra):
    job_input = {"EndpointInput": _endpoint_input()} if endpoint else {
        "BatchTransformInput": {
            "DataCapturedDestinationS3Uri": "s3://capture/batch",
            "DatasetFormat": {"Csv": {"Header": True}},
            "LocalPath": "/opt/ml/processing/input",
        }
    }
    params = {
        "JobDefinitionName": name,
        "DataQualityAppSpecification": {"ImageUri": IMAGE},
        "DataQualityJobInput": job_input,
        "DataQualityJobOutputConfig": OUTPUT,
        "JobResources": RESOURCES,
        "RoleArn": ROLE,
        **extra,
    }
    return sm.create_data_quality_job_definition(**params)["JobDefinitionArn"]


def _model_quality(sm, name="churn-mq", **extra):
    params = {
        "JobDefinitionName": name,
        "ModelQualityAppSpecification": {"ImageUri": IMAGE, "ProblemType": "BinaryClassification"},
        "ModelQualityJobInput": {
            "EndpointInput": _endpoint_input(InferenceAttribute="0", ProbabilityAttribute="1", ProbabilityThresholdAttribute=0.5),
            "GroundTruthS3Input": {"S3Uri": "s3://monitor/ground-truth"},
        },
        "ModelQualityJobOutputConfig": OUTPUT,
        "JobResources": RESOURCES,
        "RoleArn": ROLE,
        **extra,
    }
    return sm.create_model_quality_job_definition(**params)["JobDefinitionArn"]


def _schedule(sm, name="churn-monitor", definition="churn-dq", kind="DataQuality", expression="cron(0 * ? * * *)", **extra):
    config = {"MonitoringJobDefinitionName": definition, "MonitoringType": kind}
    if expression is not None:
        config["ScheduleConfig"] = {"ScheduleExpression": expression}
    config.update(extra.pop("config", {}))
    return sm.create_monitoring_schedule(MonitoringScheduleName=name, MonitoringScheduleConfig=config, **extra)[
        "MonitoringScheduleArn"
    ]


def _status(sm, name="churn-monitor"):
    return sm.describe_monitoring_schedule(MonitoringScheduleName=name)["MonitoringScheduleStatus"]


def _wait(sm, name, *statuses, timeout=5.0):
    deadline = time.monotonic() + timeout
    while True:
        out = sm.describe_monitoring_schedule(MonitoringScheduleName=name)
        if out["MonitoringScheduleStatus"] in statuses:
            return out
        assert time.monotonic() < deadline, out["MonitoringScheduleStatus"]
        time.sleep(0.05)


@pytest.fixture
def endpoint(emulator, sm):
    fast(emulator, 0)
    in_service(sm)
    fast(emulator)
    return "churn"


# -- job definitions ------------------------------------------------------------


def test_data_quality_definition_create_describe_defaults(sm):
    arn = _data_quality(
        sm,
        name="Churn-DQ",
        DataQualityBaselineConfig={
            "ConstraintsResource": {"S3Uri": "s3://monitor/baseline/constraints.json"},
            "StatisticsResource": {"S3Uri": "s3://monitor/baseline/statistics.json"},
        },
        NetworkConfig={"EnableNetworkIsolation": True},
        Tags=[{"Key": "team", "Value": "ml"}],
    )
    assert arn == ARN + "data-quality-job-definition/churn-dq"
    for ref in ("Churn-DQ", "churn-dq"):
        out = sm.describe_data_quality_job_definition(JobDefinitionName=ref)
        assert out["JobDefinitionArn"] == arn
        assert out["JobDefinitionName"] == "Churn-DQ"
        assert out["DataQualityAppSpecification"] == {"ImageUri": IMAGE}
        assert out["DataQualityBaselineConfig"]["StatisticsResource"] == {"S3Uri": "s3://monitor/baseline/statistics.json"}
        # the defaults AWS fills in
        assert out["DataQualityJobInput"]["EndpointInput"] == {
            **_endpoint_input(), "S3InputMode": "File", "S3DataDistributionType": "FullyReplicated"
        }
        assert out["DataQualityJobOutputConfig"]["MonitoringOutputs"][0]["S3Output"]["S3UploadMode"] == "EndOfJob"
        assert out["StoppingCondition"] == {"MaxRuntimeInSeconds": 3600}
        assert out["NetworkConfig"] == {"EnableNetworkIsolation": True}
        assert out["JobResources"] == RESOURCES and out["RoleArn"] == ROLE
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "ml"}]
    # no endpoint check at definition time, and batch transform input works
    _data_quality(sm, name="batch", endpoint=False)
    out = sm.describe_data_quality_job_definition(JobDefinitionName="batch")["DataQualityJobInput"]["BatchTransformInput"]
    assert out["DatasetFormat"] == {"Csv": {"Header": True}} and out["S3InputMode"] == "File"


def test_definition_errors(sm):
    _data_quality(sm)
    with aws_error("ResourceInUse", f"Job definition {ARN}data-quality-job-definition/churn-dq already exists."):
        _data_quality(sm, name="CHURN-DQ")
    with aws_error("ResourceNotFound", "Could not find data quality job definition 'nope'."):
        sm.describe_data_quality_job_definition(JobDefinitionName="nope")
    with aws_error("ResourceNotFound", "Could not find model quality job definition 'nope'."):
        sm.delete_model_quality_job_definition(JobDefinitionName="nope")
    with aws_error("ValidationException", "Exactly one of EndpointInput or BatchTransformInput must be specified in DataQualityJobInput."):
        sm.create_data_quality_job_definition(
            JobDefinitionName="x", DataQualityAppSpecification={"ImageUri": IMAGE}, DataQualityJobInput={},
            DataQualityJobOutputConfig=OUTPUT, JobResources=RESOURCES, RoleArn=ROLE,
        )
    with aws_error("ValidationException", "at 'jobDefinitionName' failed to satisfy constraint"):
        _data_quality(sm, name="bad_name")
    with aws_error("ValidationException", "at 'jobResources.clusterConfig.volumeSizeInGB' failed to satisfy constraint"):
        _data_quality(sm, name="x", JobResources={"ClusterConfig": {**RESOURCES["ClusterConfig"], "VolumeSizeInGB": 20000}})
    # the model quality job needs the inference attribute (AWS's own message format)
    with aws_error(
        "ValidationException",
        "InvalidParameter: 1 validation error(s) found.\n- missing required field, "
        "CreateModelQualityJobDefinitionInput.ModelQualityJobInputs.EndpointInput.InferenceAttribute.\n",
    ):
        _model_quality(sm, ModelQualityJobInput={"EndpointInput": _endpoint_input(), "GroundTruthS3Input": {"S3Uri": "s3://g/t"}})


def test_model_quality_definition_and_list(sm):
    arn = _model_quality(sm)
    assert arn == ARN + "model-quality-job-definition/churn-mq"
    out = sm.describe_model_quality_job_definition(JobDefinitionName="churn-mq")
    assert out["ModelQualityAppSpecification"]["ProblemType"] == "BinaryClassification"
    assert out["ModelQualityJobInput"]["GroundTruthS3Input"] == {"S3Uri": "s3://monitor/ground-truth"}
    assert out["ModelQualityJobInput"]["EndpointInput"]["ProbabilityThresholdAttribute"] == 0.5
    assert out["StoppingCondition"] == {"MaxRuntimeInSeconds": 1800}
    _model_quality(sm, name="other-mq", ModelQualityJobInput={
        "EndpointInput": {**_endpoint_input(EndpointName="other"), "InferenceAttribute": "0"},
        "GroundTruthS3Input": {"S3Uri": "s3://g/t"},
    })
    summaries = sm.list_model_quality_job_definitions()["JobDefinitionSummaries"]
    assert [s["MonitoringJobDefinitionName"] for s in summaries] == ["other-mq", "churn-mq"]  # newest first
    assert summaries[1] == {
        "MonitoringJobDefinitionName": "churn-mq", "MonitoringJobDefinitionArn": arn,
        "CreationTime": summaries[1]["CreationTime"], "EndpointName": "churn",
    }
    listed = sm.list_model_quality_job_definitions(EndpointName="other", SortBy="Name", SortOrder="Ascending")
    assert [s["MonitoringJobDefinitionName"] for s in listed["JobDefinitionSummaries"]] == ["other-mq"]
    page = sm.list_model_quality_job_definitions(MaxResults=1, NameContains="MQ")
    assert len(page["JobDefinitionSummaries"]) == 1 and page["NextToken"]
    assert sm.list_data_quality_job_definitions()["JobDefinitionSummaries"] == []
    sm.delete_model_quality_job_definition(JobDefinitionName="CHURN-MQ")
    with aws_error("ResourceNotFound"):
        sm.describe_model_quality_job_definition(JobDefinitionName="churn-mq")


# -- schedules ---------------------------------------------------------------------


def test_schedule_lifecycle(emulator, sm, endpoint):
    _data_quality(sm)
    arn = _schedule(sm, name="Churn-Monitor", Tags=[{"Key": "team", "Value": "ml"}])
    assert arn == ARN + "monitoring-schedule/churn-monitor"
    out = sm.describe_monitoring_schedule(MonitoringScheduleName="churn-monitor")
    assert out["MonitoringScheduleStatus"] == "Pending"
    assert out["MonitoringScheduleName"] == "Churn-Monitor"
    assert out["MonitoringType"] == "DataQuality"
    assert out["EndpointName"] == "churn"
    assert out["MonitoringScheduleConfig"] == {
        "ScheduleConfig": {"ScheduleExpression": "cron(0 * ? * * *)"},
        "MonitoringJobDefinitionName": "churn-dq",
        "MonitoringType": "DataQuality",
    }
    assert "LastMonitoringExecutionSummary" not in out and "FailureReason" not in out
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "ml"}]
    with aws_error("ValidationException", "is in Pending status"):
        sm.stop_monitoring_schedule(MonitoringScheduleName="churn-monitor")
    out = _wait(sm, "churn-monitor", "Scheduled")
    assert out["LastModifiedTime"] >= out["CreationTime"]

    # only the config changes; Pending again, then Scheduled
    sm.update_monitoring_schedule(
        MonitoringScheduleName="churn-monitor",
        MonitoringScheduleConfig={
            "MonitoringJobDefinitionName": "churn-dq", "MonitoringType": "DataQuality",
            "ScheduleConfig": {"ScheduleExpression": "cron(0 * * * ? *)"},
        },
    )
    assert _status(sm) == "Pending"
    out = _wait(sm, "churn-monitor", "Scheduled")
    assert out["MonitoringScheduleConfig"]["ScheduleConfig"] == {"ScheduleExpression": "cron(0 * * * ? *)"}
    assert out["CreationTime"] < out["LastModifiedTime"]

    sm.stop_monitoring_schedule(MonitoringScheduleName="churn-monitor")
    assert _status(sm) == "Pending"
    _wait(sm, "churn-monitor", "Stopped")
    sm.start_monitoring_schedule(MonitoringScheduleName="churn-monitor")
    _wait(sm, "churn-monitor", "Scheduled")

    # the definition is locked while the schedule exists (also while it is being deleted)
    with aws_error("ResourceInUse", "is in use by monitoring schedule(s) Churn-Monitor"):
        sm.delete_data_quality_job_definition(JobDefinitionName="churn-dq")
    sm.delete_monitoring_schedule(MonitoringScheduleName="churn-monitor")
    assert _status(sm) == "Pending"
    with aws_error("ResourceInUse"):
        sm.delete_data_quality_job_definition(JobDefinitionName="churn-dq")
    time.sleep(DELAY + 0.05)
    with aws_error("ResourceNotFound", "Could not find monitoring schedule 'churn-monitor'."):
        sm.describe_monitoring_schedule(MonitoringScheduleName="churn-monitor")
    with aws_error("ResourceNotFound"):
        sm.delete_monitoring_schedule(MonitoringScheduleName="churn-monitor")
    sm.delete_data_quality_job_definition(JobDefinitionName="churn-dq")


@pytest.mark.parametrize(
    "expression",
    ["cron(0 * ? * * *)", "cron(0 12 ? * * *)", "cron(0 00 ? * * *)", "cron(0 17/12 ? * * *)", "cron(0 0/2 ? * * *)",
     "cron(0 * * * ? *)", "cron(0 23/24 ? * * *)"],
)
def test_supported_schedule_expressions(emulator, sm, endpoint, expression):
    fast(emulator, 0)
    _data_quality(sm, StoppingCondition={"MaxRuntimeInSeconds": 1800})
    _schedule(sm, expression=expression)
    assert _status(sm) == "Scheduled"


@pytest.mark.parametrize(
    "expression",
    ["Hourly: cron(0 * ? * * *)", "cron(5 * ? * * *)", "cron(0 24 ? * * *)", "cron(0 0/25 ? * * *)", "cron(0 0/0 ? * * *)",
     "cron(0 * ? * MON *)", "cron(0 * 1 * ? *)", "cron(0 * ? * *)", "rate(1 hour)", "now"],
)
def test_unsupported_schedule_expressions(sm, endpoint, expression):
    _data_quality(sm)
    with aws_error("ValidationException", f"Invalid ScheduleExpression {expression}."):
        _schedule(sm, expression=expression)


def test_now_needs_the_analysis_window(sm, endpoint):
    _data_quality(sm)
    with aws_error("ValidationException", "DataAnalysisStartTime and DataAnalysisEndTime are required when ScheduleExpression is NOW."):
        _schedule(sm, expression="NOW")
    with aws_error("ValidationException", "must not precede DataAnalysisEndTime -PT1H by more than 24 hours"):
        _schedule(sm, expression=None, config={"ScheduleConfig": {
            "ScheduleExpression": "NOW", "DataAnalysisStartTime": "-PT26H", "DataAnalysisEndTime": "-PT1H"}})
    with aws_error("ValidationException", "Invalid DataAnalysisStartTime '-1h'"):
        _schedule(sm, expression=None, config={"ScheduleConfig": {
            "ScheduleExpression": "NOW", "DataAnalysisStartTime": "-1h", "DataAnalysisEndTime": "-PT1H"}})
    _schedule(sm, expression=None, config={"ScheduleConfig": {
        "ScheduleExpression": "NOW", "DataAnalysisStartTime": "-PT5H", "DataAnalysisEndTime": "-PT1H"}})
    out = sm.describe_monitoring_schedule(MonitoringScheduleName="churn-monitor")
    assert out["MonitoringScheduleConfig"]["ScheduleConfig"] == {
        "ScheduleExpression": "NOW", "DataAnalysisStartTime": "-PT5H", "DataAnalysisEndTime": "-PT1H"}


def test_schedule_errors(sm, endpoint):
    _data_quality(sm)
    _model_quality(sm)
    with aws_error("ValidationException", "Could not find data quality job definition 'nope'."):
        _schedule(sm, definition="nope")
    # a model quality definition is not a data quality one
    with aws_error("ValidationException", "Could not find data quality job definition 'churn-mq'."):
        _schedule(sm, definition="churn-mq")
    with aws_error("ValidationException", "MaxRuntimeInSeconds 3600 exceeds the maximum of 1800 seconds for an hourly ModelQuality"):
        sm.create_model_quality_job_definition(
            JobDefinitionName="long-mq",
            ModelQualityAppSpecification={"ImageUri": IMAGE, "ProblemType": "Regression"},
            ModelQualityJobInput={"EndpointInput": _endpoint_input(InferenceAttribute="0"), "GroundTruthS3Input": {"S3Uri": "s3://g/t"}},
            ModelQualityJobOutputConfig=OUTPUT, JobResources=RESOURCES, RoleArn=ROLE,
            StoppingCondition={"MaxRuntimeInSeconds": 3600},
        )
        _schedule(sm, definition="long-mq", kind="ModelQuality")
    _schedule(sm, definition="long-mq", kind="ModelQuality", name="daily", expression="cron(0 3 ? * * *)")
    with aws_error("ValidationException", "Only one of MonitoringJobDefinition or MonitoringJobDefinitionName"):
        _schedule(sm, config={"MonitoringJobDefinition": _inline()})
    with aws_error("ValidationException", "Either MonitoringJobDefinition or MonitoringJobDefinitionName must be specified"):
        sm.create_monitoring_schedule(MonitoringScheduleName="x", MonitoringScheduleConfig={"MonitoringType": "DataQuality"})
    with aws_error("ValidationException", "at 'monitoringScheduleConfig.monitoringType' failed to satisfy constraint"):
        _schedule(sm, kind="Drift")
    _schedule(sm)
    with aws_error("ResourceInUse", f"Monitoring schedule {ARN}monitoring-schedule/churn-monitor already exists."):
        _schedule(sm, name="CHURN-MONITOR")
    with aws_error("ResourceNotFound", "Could not find monitoring schedule 'nope'."):
        sm.update_monitoring_schedule(MonitoringScheduleName="nope", MonitoringScheduleConfig={"MonitoringJobDefinitionName": "churn-dq"})
    for op in (sm.start_monitoring_schedule, sm.stop_monitoring_schedule, sm.delete_monitoring_schedule):
        with aws_error("ResourceNotFound"):
            op(MonitoringScheduleName="nope")


def _inline(endpoint="churn"):
    return {
        "MonitoringInputs": [{"EndpointInput": _endpoint_input(EndpointName=endpoint)}],
        "MonitoringOutputConfig": OUTPUT,
        "MonitoringResources": RESOURCES,
        "MonitoringAppSpecification": {"ImageUri": IMAGE},
        "RoleArn": ROLE,
    }


def test_endpoint_must_exist_and_inline_definition(emulator, sm, endpoint):
    _data_quality(sm, name="ghost", DataQualityJobInput={"EndpointInput": _endpoint_input(EndpointName="ghost")})
    with aws_error("ValidationException", f'Could not find endpoint "{ARN}endpoint/ghost".'):
        _schedule(sm, definition="ghost")
    with aws_error("ValidationException", f'Could not find endpoint "{ARN}endpoint/ghost".'):
        sm.create_monitoring_schedule(MonitoringScheduleName="inline", MonitoringScheduleConfig={"MonitoringJobDefinition": _inline("ghost")})
    # inline definition, no ScheduleConfig: AWS fills MonitoringType, StoppingCondition and a daily time
    sm.create_monitoring_schedule(MonitoringScheduleName="inline", MonitoringScheduleConfig={"MonitoringJobDefinition": _inline()})
    out = sm.describe_monitoring_schedule(MonitoringScheduleName="inline")
    config = out["MonitoringScheduleConfig"]
    assert out["MonitoringType"] == config["MonitoringType"] == "DataQuality"
    assert config["MonitoringJobDefinition"]["StoppingCondition"] == {"MaxRuntimeInSeconds": 3600}
    assert config["MonitoringJobDefinition"]["MonitoringInputs"][0]["EndpointInput"]["S3InputMode"] == "File"
    expression = config["ScheduleConfig"]["ScheduleExpression"]
    assert expression.startswith("cron(0 ") and expression.endswith(" ? * * *)")
    assert out["EndpointName"] == "churn" and "MonitoringJobDefinitionName" not in config


def test_list_schedules_filters(emulator, sm, endpoint):
    fast(emulator, 0)
    _data_quality(sm)
    _model_quality(sm)
    _schedule(sm, name="dq-hourly")
    _schedule(sm, name="mq-daily", definition="churn-mq", kind="ModelQuality", expression="cron(0 4 ? * * *)")
    sm.stop_monitoring_schedule(MonitoringScheduleName="mq-daily")

    def names(**params):
        return [s["MonitoringScheduleName"] for s in sm.list_monitoring_schedules(**params)["MonitoringScheduleSummaries"]]

    assert names() == ["mq-daily", "dq-hourly"]  # CreationTime, Descending
    assert names(SortBy="Name", SortOrder="Ascending") == ["dq-hourly", "mq-daily"]
    assert names(EndpointName="churn") == ["mq-daily", "dq-hourly"]
    assert names(EndpointName="other") == []
    assert names(MonitoringJobDefinitionName="churn-mq") == ["mq-daily"]
    assert names(MonitoringTypeEquals="DataQuality") == ["dq-hourly"]
    assert names(NameContains="HOURLY") == ["dq-hourly"]
    assert names(StatusEquals="Stopped") == ["mq-daily"]
    summary = sm.list_monitoring_schedules(NameContains="mq")["MonitoringScheduleSummaries"][0]
    assert summary["MonitoringJobDefinitionName"] == "churn-mq" and summary["MonitoringType"] == "ModelQuality"
    assert summary["EndpointName"] == "churn" and summary["MonitoringScheduleStatus"] == "Stopped"
    page = sm.list_monitoring_schedules(MaxResults=1)
    assert len(page["MonitoringScheduleSummaries"]) == 1
    assert names(NextToken=page["NextToken"]) == ["dq-hourly"]


def test_control_route_sets_status_and_execution(emulator, sm, endpoint):
    fast(emulator, 0)
    _data_quality(sm)
    _schedule(sm)
    out = emulator.control("POST", "/_emulator/sagemaker/monitoring-schedule", {
        "name": "churn-monitor", "status": "Failed", "failure_reason": "role cannot be assumed",
        "execution": {"status": "CompletedWithViolations"},
    })
    assert out == {"name": "churn-monitor", "status": "Failed", "execution": "CompletedWithViolations"}
    desc = sm.describe_monitoring_schedule(MonitoringScheduleName="churn-monitor")
    assert desc["MonitoringScheduleStatus"] == "Failed" and desc["FailureReason"] == "role cannot be assumed"
    summary = desc["LastMonitoringExecutionSummary"]
    assert summary["MonitoringExecutionStatus"] == "CompletedWithViolations"
    assert summary["MonitoringScheduleName"] == "churn-monitor" and summary["EndpointName"] == "churn"
    assert summary["MonitoringJobDefinitionName"] == "churn-dq" and summary["MonitoringType"] == "DataQuality"
    assert summary["ProcessingJobArn"].startswith(ARN + "processing-job/model-monitoring-")
    sm.start_monitoring_schedule(MonitoringScheduleName="churn-monitor")
    desc = sm.describe_monitoring_schedule(MonitoringScheduleName="churn-monitor")
    assert desc["MonitoringScheduleStatus"] == "Scheduled" and "FailureReason" not in desc
    for bad in ({"name": "churn-monitor", "status": "Running"}, {"name": "churn-monitor"}, {"status": "Failed"}):
        with pytest.raises(Exception) as info:
            emulator.control("POST", "/_emulator/sagemaker/monitoring-schedule", bad)
        assert "400" in str(info.value)
    with pytest.raises(Exception) as info:
        emulator.control("POST", "/_emulator/sagemaker/monitoring-schedule", {"name": "nope", "status": "Failed"})
    assert "404" in str(info.value)


def test_request_log_and_faults(emulator, sm):
    emulator.control("POST", "/_emulator/faults", {"service": "sagemaker", "operation": "CreateDataQualityJobDefinition", "kind": "throttle", "count": 1})
    retrying = emulator.client("sagemaker", retries={"mode": "standard", "total_max_attempts": 2})
    out = retrying.create_data_quality_job_definition(
        JobDefinitionName="churn-dq", DataQualityAppSpecification={"ImageUri": IMAGE},
        DataQualityJobInput={"EndpointInput": _endpoint_input()}, DataQualityJobOutputConfig=OUTPUT,
        JobResources=RESOURCES, RoleArn=ROLE,
    )
    assert out["ResponseMetadata"]["RetryAttempts"] == 1
    emulator.control("POST", "/_emulator/faults", {"operation": "DescribeMonitoringSchedule", "kind": "server_error", "count": 1})
    with aws_error("InternalFailure", status=500):
        sm.describe_monitoring_schedule(MonitoringScheduleName="x")
    sm.list_monitoring_schedules()
    assert emulator.control("GET", "/_emulator/requests/summary") == {
        "sagemaker.CreateDataQualityJobDefinition": 2,
        "sagemaker.DescribeMonitoringSchedule": 1,
        "sagemaker.ListMonitoringSchedules": 1,
    }
