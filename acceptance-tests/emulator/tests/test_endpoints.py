"""SageMaker endpoints: timed lifecycle, failures, UpdateEndpoint (blue/green,
rollback, auto-rollback alarms, retained variant properties), capacity changes,
deletion, listing, tags, the control routes."""

from __future__ import annotations

import datetime
import json
import os
import time
import urllib.error
import urllib.request

import pytest

from conftest import start_emulator, stop
from helpers import aws_error
from hosting import ARN, BAD_IMAGE, DELAY, IMAGE, config, fast, in_service, model, variant, wait_for

PING = (
    "The primary container for production variant AllTraffic did not pass the ping health check. "
    "Please check CloudWatch logs for this endpoint."
)
BLUE_GREEN = {
    "BlueGreenUpdatePolicy": {
        "TrafficRoutingConfiguration": {
            "Type": "CANARY",
            "WaitIntervalInSeconds": 60,
            "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": 10},
        },
        "TerminationWaitInSeconds": 120,
        "MaximumExecutionTimeoutInSeconds": 1800,
    },
    "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "churn-5xx"}]},
}


@pytest.fixture(autouse=True)
def _fast(emulator):
    fast(emulator)


def test_create_goes_creating_then_in_service(sm):
    model(sm)
    config(sm, variants=[variant(count=2)])
    arn = sm.create_endpoint(EndpointName="Churn", EndpointConfigName="churn-config-1", Tags=[{"Key": "k", "Value": "v"}])[
        "EndpointArn"
    ]
    assert arn == ARN + "endpoint/churn"
    out = sm.describe_endpoint(EndpointName="churn")
    assert out["EndpointStatus"] == "Creating"
    assert out["EndpointName"] == "Churn" and out["EndpointConfigName"] == "churn-config-1"
    assert "ProductionVariants" not in out and "FailureReason" not in out
    pending = out["PendingDeploymentSummary"]
    assert pending["EndpointConfigName"] == "churn-config-1"
    (pv,) = pending["ProductionVariants"]
    assert pv["VariantName"] == "AllTraffic" and pv["DesiredInstanceCount"] == 2 and pv["InstanceType"] == "ml.m5.large"
    assert pv["VariantStatus"][0]["Status"] == "Creating"
    started = time.monotonic()
    out = wait_for(sm, "Churn", "InService")
    assert time.monotonic() - started < DELAY + 1
    assert "PendingDeploymentSummary" not in out
    (pv,) = out["ProductionVariants"]
    assert pv["CurrentWeight"] == 1.0 and pv["DesiredWeight"] == 1.0
    assert pv["CurrentInstanceCount"] == 2 and pv["DesiredInstanceCount"] == 2
    (image,) = pv["DeployedImages"]
    assert image["SpecifiedImage"] == IMAGE
    assert image["ResolvedImage"].startswith(IMAGE.rsplit(":", 1)[0] + "@sha256:") and len(image["ResolvedImage"].split(":")[-1]) == 64
    assert out["LastModifiedTime"] > out["CreationTime"]
    assert "LastDeploymentConfig" not in out
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "k", "Value": "v"}]


def test_serverless_shadow_and_data_capture_summary(sm):
    model(sm)
    model(sm, name="shadow-model")
    config(
        sm,
        variants=[{"VariantName": "AllTraffic", "ModelName": "churn-model", "ServerlessConfig": {"MemorySizeInMB": 1024, "MaxConcurrency": 2}}],
        ShadowProductionVariants=[variant(model_name="shadow-model", name="Shadow")],
        DataCaptureConfig={
            "EnableCapture": True,
            "InitialSamplingPercentage": 30,
            "DestinationS3Uri": "s3://capture/churn",
            "CaptureOptions": [{"CaptureMode": "Input"}],
        },
    )
    sm.create_endpoint(EndpointName="churn", EndpointConfigName="churn-config-1")
    out = wait_for(sm, "churn", "InService")
    (pv,) = out["ProductionVariants"]
    assert pv["CurrentServerlessConfig"] == {"MemorySizeInMB": 1024, "MaxConcurrency": 2}
    assert pv["DesiredServerlessConfig"] == {"MemorySizeInMB": 1024, "MaxConcurrency": 2}
    assert "CurrentInstanceCount" not in pv
    assert [v["VariantName"] for v in out["ShadowProductionVariants"]] == ["Shadow"]
    assert out["DataCaptureConfig"] == {
        "EnableCapture": True,
        "CaptureStatus": "Started",
        "CurrentSamplingPercentage": 30,
        "DestinationS3Uri": "s3://capture/churn",
    }


def test_failing_image_ends_failed_with_ping_failure(sm):
    model(sm, image=BAD_IMAGE)
    config(sm)
    sm.create_endpoint(EndpointName="churn", EndpointConfigName="churn-config-1")
    out = wait_for(sm, "churn", "Failed")
    assert out["FailureReason"] == PING
    assert "ProductionVariants" not in out
    # only DeleteEndpoint works on a failed endpoint
    with aws_error("ValidationException", f'Cannot update failed endpoint "{ARN}endpoint/churn".'):
        sm.update_endpoint(EndpointName="churn", EndpointConfigName="churn-config-1")
    sm.delete_endpoint(EndpointName="churn")
    wait_gone(sm, "churn")


def test_failing_image_in_a_model_package_and_variant_name_in_reason(sm):
    sm.create_model_package_group(ModelPackageGroupName="churn")
    package = sm.create_model_package(
        ModelPackageGroupName="churn",
        InferenceSpecification={
            "Containers": [{"Image": BAD_IMAGE}],
            "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["text/csv"],
        },
    )["ModelPackageArn"]
    sm.create_model(ModelName="pkg", PrimaryContainer={"ModelPackageName": package})
    config(sm, variants=[variant(model_name="pkg", name="Blue")])
    sm.create_endpoint(EndpointName="churn", EndpointConfigName="churn-config-1")
    assert wait_for(sm, "churn", "Failed")["FailureReason"] == PING.replace("AllTraffic", "Blue")


def wait_gone(sm, name, timeout=10.0):
    deadline = time.monotonic() + timeout
    while True:
        try:
            status = sm.describe_endpoint(EndpointName=name)["EndpointStatus"]
        except sm.exceptions.ClientError as err:
            assert err.response["Error"]["Message"] == f'Could not find endpoint "{ARN}endpoint/{name.lower()}".'
            return
        assert status == "Deleting"
        assert time.monotonic() < deadline, "endpoint was never deleted"
        time.sleep(0.05)


def test_delete_goes_deleting_then_gone(sm, emulator):
    in_service(sm)
    sm.delete_endpoint(EndpointName="CHURN")
    assert sm.describe_endpoint(EndpointName="churn")["EndpointStatus"] == "Deleting"
    assert emulator.control("GET", "/_emulator/inventory")["sagemaker"]["endpoints"] == ["churn"]
    with aws_error("ValidationException", f'Cannot create already existing endpoint "{ARN}endpoint/churn".'):
        sm.create_endpoint(EndpointName="churn", EndpointConfigName="churn-config-1")
    with aws_error("ValidationException", f'Cannot update in-progress endpoint "{ARN}endpoint/churn".'):
        sm.delete_endpoint(EndpointName="churn")
    wait_gone(sm, "churn")
    with aws_error("ValidationException", f'Could not find endpoint "{ARN}endpoint/churn".'):
        sm.delete_endpoint(EndpointName="churn")
    assert emulator.control("GET", "/_emulator/inventory")["sagemaker"]["endpoints"] == []
    # the name can be used again, and tags do not come back
    sm.create_endpoint(EndpointName="churn", EndpointConfigName="churn-config-1")
    assert sm.list_tags(ResourceArn=ARN + "endpoint/churn")["Tags"] == []


def test_endpoint_errors(sm):
    model(sm)
    config(sm)
    with aws_error("ValidationException", f'Could not find endpoint configuration "{ARN}endpoint-config/missing".'):
        sm.create_endpoint(EndpointName="churn", EndpointConfigName="Missing")
    sm.create_endpoint(EndpointName="churn", EndpointConfigName="churn-config-1")
    with aws_error("ValidationException", f'Cannot create already existing endpoint "{ARN}endpoint/churn".'):
        sm.create_endpoint(EndpointName="CHURN", EndpointConfigName="churn-config-1")
    # Creating: neither update nor delete
    with aws_error("ValidationException", f'Cannot update in-progress endpoint "{ARN}endpoint/churn".'):
        sm.update_endpoint(EndpointName="churn", EndpointConfigName="churn-config-1")
    with aws_error("ValidationException", f'Cannot update in-progress endpoint "{ARN}endpoint/churn".'):
        sm.delete_endpoint(EndpointName="churn")
    with aws_error("ValidationException", f'Cannot update in-progress endpoint "{ARN}endpoint/churn".'):
        sm.update_endpoint_weights_and_capacities(
            EndpointName="churn", DesiredWeightsAndCapacities=[{"VariantName": "AllTraffic", "DesiredInstanceCount": 2}]
        )
    for call in (
        lambda: sm.describe_endpoint(EndpointName="nope"),
        lambda: sm.update_endpoint(EndpointName="nope", EndpointConfigName="churn-config-1"),
        lambda: sm.delete_endpoint(EndpointName="Nope"),
    ):
        with aws_error("ValidationException", f'Could not find endpoint "{ARN}endpoint/nope".'):
            call()
    # the models of the config must exist when the endpoint is created
    model(sm, name="temp")
    config(sm, name="orphan", variants=[variant(model_name="temp")])
    sm.delete_model(ModelName="temp")
    with aws_error("ValidationException", f'Could not find model "{ARN}model/temp".'):
        sm.create_endpoint(EndpointName="orphan", EndpointConfigName="orphan")
    with aws_error("ValidationException", "at 'endpointName' failed to satisfy constraint: Member must satisfy regular expression pattern"):
        sm.create_endpoint(EndpointName="bad_name", EndpointConfigName="churn-config-1")


def test_update_endpoint_moves_to_new_config(sm):
    before = in_service(sm)
    model(sm, name="churn-model-v2", image=IMAGE.replace(":1.4", ":1.5"))
    config(sm, "churn-config-2", variants=[variant(model_name="churn-model-v2", count=3)])
    sm.update_endpoint(EndpointName="churn", EndpointConfigName="churn-config-2", DeploymentConfig=BLUE_GREEN)
    out = sm.describe_endpoint(EndpointName="churn")
    assert out["EndpointStatus"] == "Updating"
    # the old config keeps serving until the new fleet takes over
    assert out["EndpointConfigName"] == "churn-config-1"
    assert out["ProductionVariants"][0]["CurrentInstanceCount"] == 1
    assert out["PendingDeploymentSummary"]["EndpointConfigName"] == "churn-config-2"
    assert out["LastDeploymentConfig"] == BLUE_GREEN
    out = wait_for(sm, "churn", "InService")
    assert out["EndpointConfigName"] == "churn-config-2"
    (pv,) = out["ProductionVariants"]
    assert pv["CurrentInstanceCount"] == 3 and pv["DeployedImages"][0]["SpecifiedImage"].endswith(":1.5")
    assert "FailureReason" not in out
    assert out["LastDeploymentConfig"] == BLUE_GREEN
    assert out["LastModifiedTime"] > before["LastModifiedTime"]
    # RetainDeploymentConfig keeps it, an update without it clears it
    sm.update_endpoint(EndpointName="churn", EndpointConfigName="churn-config-1", RetainDeploymentConfig=True)
    assert wait_for(sm, "churn", "InService")["LastDeploymentConfig"] == BLUE_GREEN
    sm.update_endpoint(EndpointName="churn", EndpointConfigName="churn-config-2")
    assert "LastDeploymentConfig" not in wait_for(sm, "churn", "InService")


def test_update_to_failing_image_rolls_back(sm):
    in_service(sm)
    model(sm, name="broken", image=BAD_IMAGE)
    config(sm, "churn-config-2", variants=[variant(model_name="broken", count=2)])
    sm.update_endpoint(EndpointName="churn", EndpointConfigName="churn-config-2", DeploymentConfig=BLUE_GREEN)
    assert wait_for(sm, "churn", "Updating", "RollingBack")["EndpointStatus"] == "Updating"
    rolling = wait_for(sm, "churn", "RollingBack", "InService")
    assert rolling["EndpointStatus"] == "RollingBack"
    assert rolling["FailureReason"] == PING
    out = wait_for(sm, "churn", "InService")
    # back on the old config, with the reason and the deployment config that failed
    assert out["EndpointConfigName"] == "churn-config-1"
    assert out["FailureReason"] == PING
    assert out["LastDeploymentConfig"] == BLUE_GREEN
    assert out["ProductionVariants"][0]["CurrentInstanceCount"] == 1
    assert out["ProductionVariants"][0]["DeployedImages"][0]["SpecifiedImage"] == IMAGE
    # the reason goes as soon as the next update starts
    config(sm, "churn-config-3")
    sm.update_endpoint(EndpointName="churn", EndpointConfigName="churn-config-3")
    assert "FailureReason" not in wait_for(sm, "churn", "Updating")
    out = wait_for(sm, "churn", "InService")
    assert out["EndpointConfigName"] == "churn-config-3" and "FailureReason" not in out


def test_rollback_without_rolling_back_status(sm, emulator):
    emulator.control("POST", "/_emulator/config", {"endpoint_rollback_status": False})
    in_service(sm)
    model(sm, name="broken", image=BAD_IMAGE)
    config(sm, "churn-config-2", variants=[variant(model_name="broken")])
    sm.update_endpoint(EndpointName="churn", EndpointConfigName="churn-config-2")
    seen = set()
    deadline = time.monotonic() + 5
    while True:
        out = sm.describe_endpoint(EndpointName="churn")
        seen.add(out["EndpointStatus"])
        if out["EndpointStatus"] == "InService" or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert seen == {"Updating", "InService"}
    assert out["FailureReason"] == PING and out["EndpointConfigName"] == "churn-config-1"


def test_auto_rollback_alarm(sm, emulator):
    cw = emulator.client("cloudwatch")
    cw.put_metric_alarm(
        AlarmName="churn-5xx",
        MetricName="Invocation5XXErrors",
        Namespace="AWS/SageMaker",
        Statistic="Average",
        Dimensions=[{"Name": "EndpointName", "Value": "churn"}, {"Name": "VariantName", "Value": "AllTraffic"}],
        Period=60,
        EvaluationPeriods=1,
        Threshold=1.0,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    in_service(sm)
    config(sm, "churn-config-2", variants=[variant(count=2)])
    # alarm OK during the update: the update goes through
    sm.update_endpoint(EndpointName="churn", EndpointConfigName="churn-config-2", DeploymentConfig=BLUE_GREEN)
    out = wait_for(sm, "churn", "InService")
    assert out["EndpointConfigName"] == "churn-config-2" and "FailureReason" not in out
    # alarm trips while updating: rolled back, the reason names the alarm
    config(sm, "churn-config-3", variants=[variant(count=4)])
    sm.update_endpoint(EndpointName="churn", EndpointConfigName="churn-config-3", RetainDeploymentConfig=True)
    cw.set_alarm_state(AlarmName="churn-5xx", StateValue="ALARM", StateReason="5xx above 1%")
    assert sm.describe_endpoint(EndpointName="churn")["EndpointStatus"] == "Updating"
    cw.set_alarm_state(AlarmName="churn-5xx", StateValue="OK", StateReason="recovered")  # seen once is enough
    out = wait_for(sm, "churn", "InService")
    assert out["EndpointConfigName"] == "churn-config-2"
    assert out["FailureReason"] == (
        "The endpoint update was rolled back because the following CloudWatch alarm(s) in "
        "AutoRollbackConfiguration went into ALARM state: churn-5xx."
    )
    assert out["ProductionVariants"][0]["CurrentInstanceCount"] == 2
    # an alarm already in ALARM when the update starts rolls it back too
    cw.set_alarm_state(AlarmName="churn-5xx", StateValue="ALARM", StateReason="again")
    sm.update_endpoint(EndpointName="churn", EndpointConfigName="churn-config-3", RetainDeploymentConfig=True)
    assert "churn-5xx" in wait_for(sm, "churn", "InService")["FailureReason"]
    # alarms only count when named in AutoRollbackConfiguration
    sm.update_endpoint(EndpointName="churn", EndpointConfigName="churn-config-3")
    out = wait_for(sm, "churn", "InService")
    assert out["EndpointConfigName"] == "churn-config-3" and "FailureReason" not in out


def test_retain_all_variant_properties_keeps_autoscaled_capacity(sm, emulator):
    in_service(sm)
    # Application Auto Scaling scaled the variant out to 4
    out = emulator.control(
        "POST", "/_emulator/sagemaker/endpoint-capacity", {"endpoint": "churn", "variant": "AllTraffic", "count": 4}
    )
    assert out["CurrentInstanceCount"] == 4 and out["DesiredInstanceCount"] == 4
    pv = sm.describe_endpoint(EndpointName="churn")["ProductionVariants"][0]
    assert (pv["CurrentInstanceCount"], pv["DesiredInstanceCount"]) == (4, 4)
    model(sm, name="churn-model-v2")
    config(sm, "churn-config-2", variants=[variant(model_name="churn-model-v2", count=1, InitialVariantWeight=2.0)])
    # RetainAllVariantProperties: capacity and weight the endpoint has now survive the update
    sm.update_endpoint(EndpointName="churn", EndpointConfigName="churn-config-2", RetainAllVariantProperties=True)
    pv = wait_for(sm, "churn", "InService")["ProductionVariants"][0]
    assert (pv["CurrentInstanceCount"], pv["DesiredInstanceCount"], pv["CurrentWeight"]) == (4, 4, 1.0)
    # ... except the excluded properties
    config(sm, "churn-config-3", variants=[variant(model_name="churn-model-v2", count=1, InitialVariantWeight=2.0)])
    sm.update_endpoint(
        EndpointName="churn",
        EndpointConfigName="churn-config-3",
        RetainAllVariantProperties=True,
        ExcludeRetainedVariantProperties=[{"VariantPropertyType": "DesiredWeight"}],
    )
    pv = wait_for(sm, "churn", "InService")["ProductionVariants"][0]
    assert (pv["CurrentInstanceCount"], pv["CurrentWeight"]) == (4, 2.0)
    # without it, the new config's InitialInstanceCount wins (the autoscaler's choice is lost)
    sm.update_endpoint(EndpointName="churn", EndpointConfigName="churn-config-2")
    pv = wait_for(sm, "churn", "InService")["ProductionVariants"][0]
    assert (pv["CurrentInstanceCount"], pv["DesiredInstanceCount"]) == (1, 1)


def test_capacity_route_errors(emulator, sm):
    def post(body):
        req = urllib.request.Request(
            emulator.url + "/_emulator/sagemaker/endpoint-capacity",
            data=json.dumps(body).encode(),
            method="POST",
        )
        try:
            with urllib.request.urlopen(req, timeout=5) as resp:
                return resp.status
        except urllib.error.HTTPError as err:
            return err.code

    assert post({"endpoint": "nope", "variant": "AllTraffic", "count": 2}) == 404
    in_service(sm)
    assert post({"endpoint": "churn", "variant": "Other", "count": 2}) == 404
    assert post({"endpoint": "churn", "variant": "AllTraffic", "count": -1}) == 400
    assert post({"endpoint": ARN + "endpoint/churn", "variant": "AllTraffic", "count": 3}) == 200
    assert sm.describe_endpoint(EndpointName="churn")["ProductionVariants"][0]["CurrentInstanceCount"] == 3


def test_update_weights_and_capacities(sm):
    model(sm)
    config(sm, variants=[variant(count=2), variant(name="Canary", count=1, InitialVariantWeight=0.5)])
    sm.create_endpoint(EndpointName="churn", EndpointConfigName="churn-config-1")
    wait_for(sm, "churn", "InService")
    sm.update_endpoint_weights_and_capacities(
        EndpointName="churn",
        DesiredWeightsAndCapacities=[
            {"VariantName": "AllTraffic", "DesiredInstanceCount": 5},
            {"VariantName": "Canary", "DesiredWeight": 0.0},
        ],
    )
    out = sm.describe_endpoint(EndpointName="churn")
    assert out["EndpointStatus"] == "Updating"
    all_traffic, canary = out["ProductionVariants"]
    assert (all_traffic["CurrentInstanceCount"], all_traffic["DesiredInstanceCount"]) == (2, 5)
    assert all_traffic["VariantStatus"][0]["StatusMessage"] == "Scaling out desired instance count to 5."
    assert (canary["CurrentWeight"], canary["DesiredWeight"]) == (0.5, 0.0)
    out = wait_for(sm, "churn", "InService")
    all_traffic, canary = out["ProductionVariants"]
    assert (all_traffic["CurrentInstanceCount"], all_traffic["DesiredInstanceCount"]) == (5, 5)
    assert canary["CurrentWeight"] == 0.0 and "VariantStatus" not in all_traffic
    with aws_error("ValidationException", 'The variant name(s) "Nope" is/are not present within endpoint configuration "churn-config-1".'):
        sm.update_endpoint_weights_and_capacities(
            EndpointName="churn", DesiredWeightsAndCapacities=[{"VariantName": "Nope", "DesiredWeight": 1.0}]
        )
    with aws_error("ValidationException", 'The variant name "Canary" was non-unique within the request.'):
        sm.update_endpoint_weights_and_capacities(
            EndpointName="churn",
            DesiredWeightsAndCapacities=[{"VariantName": "Canary", "DesiredWeight": 1.0}, {"VariantName": "Canary", "DesiredWeight": 2.0}],
        )
    with aws_error("ValidationException", "At least one of DesiredWeight, DesiredInstanceCount"):
        sm.update_endpoint_weights_and_capacities(EndpointName="churn", DesiredWeightsAndCapacities=[{"VariantName": "Canary"}])


def test_deleted_config_breaks_later_updates_and_scaling(sm):
    """terraform-provider-aws #40048 / #48997: SageMaker lets you delete the config an
    endpoint runs; what needs that config afterwards fails."""
    in_service(sm)
    config(sm, "churn-config-2")
    sm.delete_endpoint_config(EndpointConfigName="churn-config-1")
    out = sm.describe_endpoint(EndpointName="churn")
    assert out["EndpointStatus"] == "InService" and out["EndpointConfigName"] == "churn-config-1"
    with aws_error("ValidationException", f'Could not find endpoint configuration "{ARN}endpoint-config/churn-config-1".'):
        sm.update_endpoint(EndpointName="churn", EndpointConfigName="churn-config-2")
    # a capacity change is accepted, then rolled back
    sm.update_endpoint_weights_and_capacities(
        EndpointName="churn", DesiredWeightsAndCapacities=[{"VariantName": "AllTraffic", "DesiredInstanceCount": 3}]
    )
    assert wait_for(sm, "churn", "RollingBack", "InService")["EndpointStatus"] == "RollingBack"
    out = wait_for(sm, "churn", "InService")
    assert out["FailureReason"] == f'ValidationException: Could not find endpoint configuration "{ARN}endpoint-config/churn-config-1".'
    pv = out["ProductionVariants"][0]
    assert (pv["CurrentInstanceCount"], pv["DesiredInstanceCount"]) == (1, 1)


def test_config_deleted_while_creating_or_updating(sm):
    model(sm)
    config(sm)
    sm.create_endpoint(EndpointName="churn", EndpointConfigName="churn-config-1")
    sm.delete_endpoint_config(EndpointConfigName="churn-config-1")
    out = wait_for(sm, "churn", "Failed")
    assert out["FailureReason"] == f'Could not find endpoint configuration "{ARN}endpoint-config/churn-config-1".'
    config(sm, "a")
    config(sm, "b")
    sm.create_endpoint(EndpointName="other", EndpointConfigName="a")
    wait_for(sm, "other", "InService")
    sm.update_endpoint(EndpointName="other", EndpointConfigName="b")
    sm.delete_endpoint_config(EndpointConfigName="b")
    out = wait_for(sm, "other", "InService")
    assert out["EndpointConfigName"] == "a"
    assert out["FailureReason"] == f'Could not find endpoint configuration "{ARN}endpoint-config/b".'


def test_update_endpoint_validation(sm):
    in_service(sm)
    with aws_error("ValidationException", f'Could not find endpoint configuration "{ARN}endpoint-config/nope".'):
        sm.update_endpoint(EndpointName="churn", EndpointConfigName="nope")
    with aws_error("ValidationException", "CanarySize must be specified"):
        sm.update_endpoint(
            EndpointName="churn",
            EndpointConfigName="churn-config-1",
            DeploymentConfig={"BlueGreenUpdatePolicy": {"TrafficRoutingConfiguration": {"Type": "CANARY", "WaitIntervalInSeconds": 1}}},
        )
    with aws_error("ValidationException", "LinearStepSize must be specified"):
        sm.update_endpoint(
            EndpointName="churn",
            EndpointConfigName="churn-config-1",
            DeploymentConfig={"BlueGreenUpdatePolicy": {"TrafficRoutingConfiguration": {"Type": "LINEAR", "WaitIntervalInSeconds": 1}}},
        )
    with aws_error("ValidationException", "at 'deploymentConfig.blueGreenUpdatePolicy.trafficRoutingConfiguration.waitIntervalInSeconds'"):
        sm.update_endpoint(
            EndpointName="churn",
            EndpointConfigName="churn-config-1",
            DeploymentConfig={"BlueGreenUpdatePolicy": {"TrafficRoutingConfiguration": {"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": 4000}}},
        )
    with aws_error("ValidationException", "Member must satisfy enum value set: [DesiredInstanceCount, DesiredWeight, DataCaptureConfig]"):
        sm.update_endpoint(
            EndpointName="churn",
            EndpointConfigName="churn-config-1",
            RetainAllVariantProperties=True,
            ExcludeRetainedVariantProperties=[{"VariantPropertyType": "Weight"}],
        )
    assert sm.describe_endpoint(EndpointName="churn")["EndpointStatus"] == "InService"
    sm.update_endpoint(EndpointName="churn", EndpointConfigName="churn-config-1")
    with aws_error("ValidationException", f'Cannot update in-progress endpoint "{ARN}endpoint/churn".'):
        sm.update_endpoint(EndpointName="churn", EndpointConfigName="churn-config-1")


def test_list_endpoints(sm):
    model(sm)
    config(sm)
    model(sm, name="broken", image=BAD_IMAGE)
    config(sm, "broken-config", variants=[variant(model_name="broken")])
    for name in ("b-churn", "a-churn"):
        sm.create_endpoint(EndpointName=name, EndpointConfigName="churn-config-1")
    sm.create_endpoint(EndpointName="c-broken", EndpointConfigName="broken-config")
    assert [e["EndpointName"] for e in sm.list_endpoints()["Endpoints"]] == ["c-broken", "a-churn", "b-churn"]
    assert {e["EndpointStatus"] for e in sm.list_endpoints()["Endpoints"]} == {"Creating"}
    wait_for(sm, "c-broken", "Failed")
    out = sm.list_endpoints(StatusEquals="InService", SortBy="Name", SortOrder="Ascending")["Endpoints"]
    assert [e["EndpointName"] for e in out] == ["a-churn", "b-churn"]
    assert set(out[0]) == {"EndpointName", "EndpointArn", "CreationTime", "LastModifiedTime", "EndpointStatus"}
    assert [e["EndpointName"] for e in sm.list_endpoints(NameContains="CHURN", SortBy="Name")["Endpoints"]] == ["b-churn", "a-churn"]
    assert [e["EndpointName"] for e in sm.list_endpoints(SortBy="Status", SortOrder="Ascending")["Endpoints"]] == [
        "c-broken",
        "b-churn",
        "a-churn",
    ]
    page = sm.list_endpoints(MaxResults=2)
    assert len(page["Endpoints"]) == 2
    assert len(sm.list_endpoints(MaxResults=2, NextToken=page["NextToken"])["Endpoints"]) == 1
    future = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
    assert sm.list_endpoints(CreationTimeAfter=future)["Endpoints"] == []


def test_endpoint_tags(sm):
    in_service(sm, Tags=[{"Key": "team", "Value": "ml"}])
    arn = ARN + "endpoint/churn"
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "stage", "Value": "prod"}])
    assert sm.list_tags(ResourceArn=arn.replace("churn", "CHURN"))["Tags"] == [
        {"Key": "team", "Value": "ml"},
        {"Key": "stage", "Value": "prod"},
    ]
    sm.delete_tags(ResourceArn=arn, TagKeys=["team"])
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "stage", "Value": "prod"}]
    with aws_error("ValidationException", f"Resource does not exist: {ARN}endpoint/nope"):
        sm.add_tags(ResourceArn=ARN + "endpoint/nope", Tags=[{"Key": "a", "Value": "b"}])


def test_delay_is_configurable_and_reset(emulator, sm):
    assert emulator.control("GET", "/_emulator/config") == {"endpoint_delay_seconds": DELAY, "endpoint_rollback_status": True}
    emulator.control("POST", "/_emulator/config", {"endpoint_delay_seconds": 0})
    in_service(sm)  # immediately
    assert sm.describe_endpoint(EndpointName="churn")["EndpointStatus"] == "InService"
    emulator.control("POST", "/_emulator/config", {"endpoint_delay_seconds": 60})
    sm.create_endpoint(EndpointName="slow", EndpointConfigName="churn-config-1")
    time.sleep(0.2)
    assert sm.describe_endpoint(EndpointName="slow")["EndpointStatus"] == "Creating"
    for bad in ({"endpoint_delay_seconds": -1}, {"endpoint_delay_seconds": "1"}, {"nope": 1}, {"endpoint_rollback_status": 1}):
        req = urllib.request.Request(
            emulator.url + "/_emulator/config", data=json.dumps(bad).encode(), method="POST"
        )
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(req, timeout=5)
        assert info.value.code == 400
    emulator.control("POST", "/_emulator/reset")
    assert emulator.control("GET", "/_emulator/config")["endpoint_delay_seconds"] == 1.0


def test_delay_from_environment():
    env = dict(os.environ, MLOPS_EMULATOR_ENDPOINT_DELAY_SECONDS="2.5")
    proc, line, _ = start_emulator("--port", "0", env=env)
    try:
        port = int(line.strip().split("=", 1)[1])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_emulator/config", timeout=5) as resp:
            assert json.loads(resp.read())["endpoint_delay_seconds"] == 2.5
    finally:
        assert stop(proc) == 0


def test_request_log_and_faults(emulator, sm):
    in_service(sm)
    emulator.control("POST", "/_emulator/faults", {"service": "sagemaker", "operation": "UpdateEndpoint", "kind": "throttle", "count": 1})
    with aws_error("ThrottlingException"):
        sm.update_endpoint(EndpointName="churn", EndpointConfigName="churn-config-1")
    summary = emulator.control("GET", "/_emulator/requests/summary")
    assert summary["sagemaker.CreateEndpoint"] == 1 and summary["sagemaker.UpdateEndpoint"] == 1
    assert summary["sagemaker.DescribeEndpoint"] >= 2
