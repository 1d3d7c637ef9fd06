"""CloudWatch over Smithy RPC v2 CBOR (what aws-sdk-cloudwatch for Rust sends),
driven by botocore's own CBOR serializer and parser."""

from __future__ import annotations

import datetime
import struct

import botocore.model
import pytest

from conftest import ACCOUNT, REGION
from helpers import aws_error
from mlops_emulator import rpcv2


@pytest.fixture
def cw_cbor(emulator, monkeypatch):
    monkeypatch.setattr(
        botocore.model,
        "PRIORITY_ORDERED_SUPPORTED_PROTOCOLS",
        ("smithy-rpc-v2-cbor", "json", "rest-json", "rest-xml", "query", "ec2"),
    )
    client = emulator.client("cloudwatch")
    assert client.meta.service_model.resolved_protocol == "smithy-rpc-v2-cbor"
    return client


def test_alarm_lifecycle_over_cbor(cw_cbor, emulator):
    cw = cw_cbor
    cw.put_metric_alarm(
        AlarmName="churn-5xx",
        MetricName="Invocation5XXErrors",
        Namespace="AWS/SageMaker",
        Statistic="Average",
        Dimensions=[{"Name": "EndpointName", "Value": "churn"}],
        Period=60,
        EvaluationPeriods=2,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        Tags=[{"Key": "team", "Value": "ml"}],
    )
    (alarm,) = cw.describe_alarms(AlarmNames=["churn-5xx"])["MetricAlarms"]
    assert alarm["Threshold"] == 1.0 and isinstance(alarm["Threshold"], float)
    assert alarm["EvaluationPeriods"] == 2
    assert isinstance(alarm["StateUpdatedTimestamp"], datetime.datetime)
    assert alarm["Dimensions"] == [{"Name": "EndpointName", "Value": "churn"}]
    cw.set_alarm_state(AlarmName="churn-5xx", StateValue="ALARM", StateReason="test")
    assert cw.describe_alarms(StateValue="ALARM")["MetricAlarms"][0]["AlarmName"] == "churn-5xx"
    arn = alarm["AlarmArn"]
    assert arn == f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:churn-5xx"
    assert cw.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "team", "Value": "ml"}]
    with aws_error("ResourceNotFound", "Alarm nope not found", status=404):
        cw.set_alarm_state(AlarmName="nope", StateValue="OK", StateReason="x")
    cw.delete_alarms(AlarmNames=["churn-5xx"])
    assert cw.describe_alarms()["MetricAlarms"] == []
    log = emulator.control("GET", "/_emulator/requests/summary")
    assert log["monitoring.PutMetricAlarm"] == 1 and log["monitoring.SetAlarmState"] == 2


def test_faults_reach_cbor_clients_as_cbor(cw_cbor, emulator):
    emulator.control("POST", "/_emulator/faults", {"service": "monitoring", "kind": "throttle", "count": 1})
    with aws_error("ThrottlingException", "Rate exceeded"):
        cw_cbor.describe_alarms()
    assert cw_cbor.describe_alarms()["MetricAlarms"] == []


def test_codec_round_trip_and_indefinite_lengths():
    value = {
        "s": "héllo",
        "i": [0, 23, 24, 255, 256, 65536, 2**40, -1, -500],
        "f": 1.5,
        "b": b"\x00\xff",
        "t": rpcv2.Tagged(1, 1700000000.25),
        "n": None,
        "yes": True,
        "no": False,
    }
    decoded = rpcv2.decode(rpcv2.encode(value))
    assert {k: v for k, v in decoded.items() if k != "t"} == {k: v for k, v in value.items() if k != "t"}
    assert decoded["t"].tag == 1 and decoded["t"].value == 1700000000.25
    # indefinite map/array/text, half and single floats, as other encoders produce them
    raw = (
        b"\xbf"  # map, indefinite
        + b"\x61a" + b"\x9f\x01\x02\xff"  # "a": [1, 2] indefinite array
        + b"\x61h" + b"\xf9" + struct.pack(">e", 0.5)  # "h": f16 0.5
        + b"\x61f" + b"\xfa" + struct.pack(">f", 2.25)  # "f": f32 2.25
        + b"\x61s" + b"\x7f\x62ab\x61c\xff"  # "s": "abc" indefinite text
        + b"\xff"
    )
    assert rpcv2.decode(raw) == {"a": [1, 2], "h": 0.5, "f": 2.25, "s": "abc"}
    assert rpcv2.decode(b"") == {}


def test_gzip_compressed_cbor_request(emulator):
    import gzip
    import urllib.request

    body = gzip.compress(rpcv2.encode({"Namespace": "App", "MetricData": [{"MetricName": "m", "Value": 1.0}]}))
    req = urllib.request.Request(
        emulator.url + "/service/GraniteServiceVersion20100801/operation/PutMetricData",
        data=body,
        method="POST",
        headers={
            "smithy-protocol": "rpc-v2-cbor",
            "Content-Type": "application/cbor",
            "Content-Encoding": "gzip",
            "Authorization": f"AWS4-HMAC-SHA256 Credential=test/20250101/{REGION}/monitoring/aws4_request, SignedHeaders=host, Signature=0",
        },
    )
    with urllib.request.urlopen(req, timeout=5) as resp:
        assert resp.status == 200
        assert resp.headers["smithy-protocol"] == "rpc-v2-cbor"
    assert emulator.client("cloudwatch").list_metrics(Namespace="App")["Metrics"][0]["MetricName"] == "m"
