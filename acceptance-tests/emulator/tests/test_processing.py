"""SageMaker processing jobs (Model Monitor baselining jobs): lifecycle, failure marker,
stop, duplicates, list, tags."""

from __future__ import annotations

import time

from conftest import ACCOUNT, REGION
from helpers import aws_error
from hosting import DELAY, fast

ROLE = f"arn:aws:iam::{ACCOUNT}:role/sagemaker-monitor"
ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:"
IMAGE = f"156813124566.dkr.ecr.{REGION}.amazonaws.com/sagemaker-model-monitor-analyzer"


def _job(sm, name="churn-baseline", dataset="s3://data/train.csv", **extra):
    params = {
        "ProcessingJobName": name,
        "ProcessingInputs": [
            {
                "InputName": "baseline_dataset_input",
                "S3Input": {
                    "S3Uri": dataset,
                    "LocalPath": "/opt/ml/processing/input/baseline_dataset_input",
                    "S3DataType": "S3Prefix",
                    "S3InputMode": "File",
                },
            }
        ],
        "ProcessingOutputConfig": {
            "Outputs": [
                {
                    "OutputName": "monitoring_output",
                    "S3Output": {
                        "S3Uri": "s3://monitor/baselines/churn",
                        "LocalPath": "/opt/ml/processing/output",
                        "S3UploadMode": "EndOfJob",
                    },
                }
            ]
        },
        "ProcessingResources": {
            "ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.xlarge", "VolumeSizeInGB": 20}
        },
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        "AppSpecification": {"ImageUri": IMAGE},
        "Environment": {
            "dataset_format": '{"csv": {"header": true, "output_columns_position": "START"}}',
            "dataset_source": "/opt/ml/processing/input/baseline_dataset_input",
            "output_path": "/opt/ml/processing/output",
            "publish_cloudwatch_metrics": "Disabled",
        },
        "RoleArn": ROLE,
        **extra,
    }
    return sm.create_processing_job(**params)["ProcessingJobArn"]


def _wait(sm, name, *statuses, timeout=5.0):
    deadline = time.monotonic() + timeout
    while True:
        out = sm.describe_processing_job(ProcessingJobName=name)
        if out["ProcessingJobStatus"] in statuses:
            return out
        assert time.monotonic() < deadline, out["ProcessingJobStatus"]
        time.sleep(0.05)


def test_job_runs_then_completes_and_echoes_the_request(emulator, sm):
    fast(emulator)
    arn = _job(sm, Tags=[{"Key": "team", "Value": "ds"}])
    assert arn == f"{ARN}processing-job/churn-baseline"
    out = sm.describe_processing_job(ProcessingJobName="churn-baseline")
    assert out["ProcessingJobStatus"] == "InProgress"
    assert "ProcessingEndTime" not in out
    assert out["ProcessingResources"]["ClusterConfig"]["InstanceType"] == "ml.m5.xlarge"
    assert out["Environment"]["dataset_source"] == "/opt/ml/processing/input/baseline_dataset_input"
    assert out["ProcessingInputs"][0]["S3Input"]["S3Uri"] == "s3://data/train.csv"
    done = _wait(sm, "churn-baseline", "Completed")
    assert done["ProcessingEndTime"] >= done["ProcessingStartTime"]
    assert "FailureReason" not in done
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "ds"}]


def test_failure_marker_fails_the_job_with_a_reason(emulator, sm):
    fast(emulator)
    _job(sm, dataset="s3://data/mlops-fail/train.csv")
    out = _wait(sm, "churn-baseline", "Failed", "Completed")
    assert out["ProcessingJobStatus"] == "Failed"
    assert "s3://data/mlops-fail/train.csv" in out["FailureReason"]
    assert out["ExitMessage"]


def test_duplicate_names_and_missing_jobs(emulator, sm):
    _job(sm)
    with aws_error("ResourceInUse", "already exists"):
        _job(sm, name="CHURN-baseline")
    with aws_error("ResourceNotFound", f"Could not find processing job '{ARN}processing-job/nope'."):
        sm.describe_processing_job(ProcessingJobName="nope")
    with aws_error("ResourceNotFound"):
        sm.stop_processing_job(ProcessingJobName="nope")


def test_stop_goes_through_stopping(emulator, sm):
    fast(emulator)
    _job(sm)
    sm.stop_processing_job(ProcessingJobName="churn-baseline")
    assert sm.describe_processing_job(ProcessingJobName="churn-baseline")["ProcessingJobStatus"] == "Stopping"
    _wait(sm, "churn-baseline", "Stopped")
    with aws_error("ValidationException", "cannot be stopped"):
        sm.stop_processing_job(ProcessingJobName="churn-baseline")


def test_list_filters_by_name_and_status(emulator, sm):
    fast(emulator, 0.2)
    _job(sm, name="a-baseline")
    _job(sm, name="b-baseline", dataset="s3://x/mlops-fail")
    time.sleep(DELAY)
    jobs = sm.list_processing_jobs(SortBy="Name", SortOrder="Ascending")["ProcessingJobSummaries"]
    assert [(j["ProcessingJobName"], j["ProcessingJobStatus"]) for j in jobs] == [
        ("a-baseline", "Completed"),
        ("b-baseline", "Failed"),
    ]
    failed = sm.list_processing_jobs(StatusEquals="Failed")["ProcessingJobSummaries"]
    assert [j["ProcessingJobName"] for j in failed] == ["b-baseline"]
    assert sm.list_processing_jobs(NameContains="A-BASE")["ProcessingJobSummaries"][0]["ProcessingJobName"] == "a-baseline"
