"""Control API: fault injection, request log, reset."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest
from botocore.exceptions import ClientError

from helpers import aws_error

SIGV4 = "AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0"


def raw_request(emulator, body: bytes, headers: dict) -> tuple[int, dict, bytes]:
    req = urllib.request.Request(emulator.url + "/", data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def add_fault(emulator, **spec):
    return emulator.control("POST", "/_emulator/faults", spec)["id"]


def test_throttle_n_times_then_boto3_retries_succeed(emulator):
    add_fault(emulator, service="sagemaker", operation="ListModelPackageGroups", kind="throttle", count=2)
    sm = emulator.client(retries={"mode": "standard", "total_max_attempts": 3})
    out = sm.list_model_package_groups()
    assert out["ResponseMetadata"]["RetryAttempts"] == 2
    assert emulator.control("GET", "/_emulator/requests/summary") == {"sagemaker.ListModelPackageGroups": 3}
    log = emulator.control("GET", "/_emulator/requests")["requests"]
    assert [e["status"] for e in log] == [400, 400, 200]
    assert [e["fault"] for e in log] == ["throttle", "throttle", None]
    rule = emulator.control("GET", "/_emulator/faults")["faults"][0]
    assert rule["remaining"] == 0 and rule["fired"] == 2


def test_throttle_wire_format_json(emulator):
    add_fault(emulator, kind="throttle", count=1)
    status, headers, body = raw_request(
        emulator,
        b"{}",
        {
            "X-Amz-Target": "SageMaker.ListModelPackageGroups",
            "Content-Type": "application/x-amz-json-1.1",
            "Authorization": SIGV4.format(service="sagemaker"),
        },
    )
    assert status == 400
    assert json.loads(body) == {"__type": "ThrottlingException", "message": "Rate exceeded"}
    assert {k.lower(): v for k, v in headers.items()}["x-amzn-errortype"] == "ThrottlingException"
    # without retries boto3 surfaces it as ThrottlingException
    emulator.control("POST", "/_emulator/faults", {"kind": "throttle", "count": 1})
    with aws_error("ThrottlingException", "Rate exceeded"):
        emulator.client().list_model_package_groups()


def test_throttle_query_protocol_iam(emulator):
    add_fault(emulator, service="iam", operation="ListUsers", kind="throttle", count=2)
    iam = emulator.client("iam", retries={"mode": "standard", "total_max_attempts": 3})
    assert iam.list_users()["ResponseMetadata"]["RetryAttempts"] == 2
    add_fault(emulator, service="iam", kind="throttle", count=1)
    with aws_error("Throttling", "Rate exceeded"):
        emulator.client("iam").list_users()
    status, headers, body = raw_request(
        emulator,
        b"Action=ListUsers&Version=2010-05-08",
        {"Content-Type": "application/x-www-form-urlencoded", "Authorization": SIGV4.format(service="iam")},
    )
    assert status == 200  # rule exhausted
    summary = emulator.control("GET", "/_emulator/requests/summary")
    assert summary == {"iam.ListUsers": 5}


def test_server_error_503_and_500(emulator):
    add_fault(emulator, operation="ListModelPackageGroups", kind="server_error", status=503, count=1)
    with aws_error("ServiceUnavailable", status=503):
        emulator.client().list_model_package_groups()
    add_fault(emulator, operation="ListModelPackageGroups", kind="server_error", count=1)
    with aws_error("InternalFailure", status=500):
        emulator.client().list_model_package_groups()
    add_fault(emulator, operation="ListModelPackageGroups", kind="server_error", count=1)
    sm = emulator.client(retries={"mode": "standard", "total_max_attempts": 2})
    assert sm.list_model_package_groups()["ResponseMetadata"]["RetryAttempts"] == 1


def test_fault_filters_by_service_and_operation(emulator):
    add_fault(emulator, service="sagemaker", operation="CreateModelPackage", kind="throttle")
    sm = emulator.client()
    sm.create_model_package_group(ModelPackageGroupName="g")  # other operation: unaffected
    emulator.client("iam").list_users()  # other service: unaffected
    with aws_error("ThrottlingException"):
        sm.create_model_package(ModelPackageGroupName="g")
    with aws_error("ThrottlingException"):  # no count: fires every time
        sm.create_model_package(ModelPackageGroupName="g")
    emulator.control("DELETE", "/_emulator/faults")
    assert emulator.control("GET", "/_emulator/faults") == {"faults": []}
    assert sm.create_model_package(ModelPackageGroupName="g")["ModelPackageArn"].endswith("/g/1")


def test_probability(emulator):
    add_fault(emulator, operation="ListModelPackageGroups", kind="throttle", probability=0)
    sm = emulator.client()
    for _ in range(5):
        sm.list_model_package_groups()
    emulator.control("DELETE", "/_emulator/faults")
    add_fault(emulator, operation="ListModelPackageGroups", kind="throttle", probability=0.5)
    outcomes = []
    for _ in range(40):
        try:
            sm.list_model_package_groups()
            outcomes.append(True)
        except ClientError:
            outcomes.append(False)
    fired = emulator.control("GET", "/_emulator/faults")["faults"][0]["fired"]
    assert fired == outcomes.count(False)
    assert 4 <= fired <= 36, fired


def test_latency(emulator):
    add_fault(emulator, operation="ListModelPackageGroups", kind="latency", latency_ms=400, count=1)
    sm = emulator.client()
    sm.list_model_package_groups()  # warm up connection/app
    started = time.monotonic()
    sm.list_model_package_groups()
    fast = time.monotonic() - started
    assert fast < 0.4
    emulator.control("DELETE", "/_emulator/requests")
    add_fault(emulator, operation="ListModelPackageGroups", kind="latency", latency_ms=400, count=1)
    started = time.monotonic()
    sm.list_model_package_groups()
    assert time.monotonic() - started >= 0.4
    entry = emulator.control("GET", "/_emulator/requests")["requests"][0]
    assert entry["status"] == 200 and entry["fault"] == "latency" and entry["duration_ms"] >= 400


def test_invalid_fault_specs_are_rejected(emulator):
    for spec in (
        {"kind": "explode"},
        {"kind": "latency"},
        {"kind": "server_error", "status": 502},
        {"kind": "throttle", "probability": 2},
        {"kind": "throttle", "count": -1},
    ):
        with pytest.raises(urllib.error.HTTPError) as info:
            emulator.control("POST", "/_emulator/faults", spec)
        assert info.value.code == 400


def test_request_log(emulator):
    sm = emulator.client()
    sm.create_model_package_group(ModelPackageGroupName="g")
    with pytest.raises(ClientError):
        sm.describe_model_package_group(ModelPackageGroupName="missing")
    s3 = emulator.client("s3")
    s3.create_bucket(Bucket="logbucket")
    s3.put_object(Bucket="logbucket", Key="k", Body=b"x")
    emulator.client("sts").get_caller_identity()
    log = emulator.control("GET", "/_emulator/requests")["requests"]
    assert [(e["service"], e["operation"], e["status"]) for e in log] == [
        ("sagemaker", "CreateModelPackageGroup", 200),
        ("sagemaker", "DescribeModelPackageGroup", 400),
        ("s3", "CreateBucket", 200),
        ("s3", "PutObject", 200),
        ("sts", "GetCallerIdentity", 200),
    ]
    assert all(isinstance(e["time"], float) for e in log)
    assert emulator.control("GET", "/_emulator/requests/summary") == {
        "sagemaker.CreateModelPackageGroup": 1,
        "sagemaker.DescribeModelPackageGroup": 1,
        "s3.CreateBucket": 1,
        "s3.PutObject": 1,
        "sts.GetCallerIdentity": 1,
    }
    emulator.control("DELETE", "/_emulator/requests")
    assert emulator.control("GET", "/_emulator/requests") == {"requests": []}


def test_control_paths_are_never_faulted_or_logged(emulator):
    add_fault(emulator, kind="server_error")  # matches everything
    assert emulator.control("GET", "/_emulator/faults")["faults"][0]["fired"] == 0
    assert emulator.control("GET", "/_emulator/requests") == {"requests": []}
    with pytest.raises(urllib.error.HTTPError) as info:
        emulator.control("GET", "/_emulator/nope")
    assert info.value.code == 404


def test_reset_clears_state_faults_and_log(emulator):
    sm = emulator.client()
    sm.create_model_package_group(ModelPackageGroupName="g")
    sm.create_model_package(ModelPackageGroupName="g")
    emulator.client("s3").create_bucket(Bucket="resetbucket")
    add_fault(emulator, operation="DescribeModelPackageGroup", kind="throttle")
    assert emulator.control("POST", "/_emulator/reset") == {"reset": True}
    assert emulator.control("GET", "/_emulator/faults") == {"faults": []}
    assert emulator.control("GET", "/_emulator/requests") == {"requests": []}
    assert sm.list_model_package_groups()["ModelPackageGroupSummaryList"] == []
    assert emulator.client("s3").list_buckets()["Buckets"] == []
    # numbering starts again after a reset
    sm.create_model_package_group(ModelPackageGroupName="g")
    assert sm.create_model_package(ModelPackageGroupName="g")["ModelPackageArn"].endswith("/g/1")


def test_unsigned_web_identity_exchange_is_logged_as_sts(emulator):
    """AssumeRoleWithWebIdentity carries no signature (GitLab OIDC, IRSA): the request log
    still names its service, and moto's STS answers it with temporary credentials."""
    emulator.control("DELETE", "/_emulator/requests")
    body = ("Action=AssumeRoleWithWebIdentity&Version=2011-06-15"
            "&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fci&RoleSessionName=ci"
            "&WebIdentityToken=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjaSJ9.c2ln").encode()
    status, _, payload = raw_request(
        emulator, body, {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    assert status == 200, payload
    assert b"<AccessKeyId>" in payload and b"<SessionToken>" in payload
    assert emulator.control("GET", "/_emulator/requests/summary") == {"sts.AssumeRoleWithWebIdentity": 1}


def test_lost_response_performs_the_operation_then_answers_500(emulator):
    add_fault(emulator, operation="CreateModelPackageGroup", kind="lost_response", count=1)
    sm = emulator.client(retries={"mode": "standard", "total_max_attempts": 1})
    with pytest.raises(ClientError) as err:
        sm.create_model_package_group(ModelPackageGroupName="lost")
    assert err.value.response["Error"]["Code"] == "InternalFailure"
    # the group was created all the same: a retry without a token meets it
    assert sm.describe_model_package_group(ModelPackageGroupName="lost")["ModelPackageGroupName"] == "lost"
    log = emulator.control("GET", "/_emulator/requests")["requests"]
    assert [(e["operation"], e["status"], e["fault"]) for e in log][0] == ("CreateModelPackageGroup", 500, "lost_response")
