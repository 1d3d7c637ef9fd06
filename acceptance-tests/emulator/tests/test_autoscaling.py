"""Application Auto Scaling for SageMaker variants and CloudWatch alarms, with the
request shapes the provider sends."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from conftest import ACCOUNT, REGION
from helpers import aws_error
from hosting import config, fast, in_service, model, variant, wait_for

RESOURCE = "endpoint/churn/variant/AllTraffic"
DIMENSION = "sagemaker:variant:DesiredInstanceCount"
TARGET = {"ServiceNamespace": "sagemaker", "ResourceId": RESOURCE, "ScalableDimension": DIMENSION}
TRACKING = {
    "TargetValue": 70.0,
    "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"},
    "ScaleInCooldown": 300,
    "ScaleOutCooldown": 60,
}


@pytest.fixture(autouse=True)
def _fast(emulator):
    fast(emulator)


@pytest.fixture
def aas(emulator):
    return emulator.client("application-autoscaling")


@pytest.fixture
def cw(emulator):
    return emulator.client("cloudwatch")


def register(aas, low=1, high=4, **extra):
    return aas.register_scalable_target(**TARGET, MinCapacity=low, MaxCapacity=high, **extra)["ScalableTargetARN"]


def put_policy(aas, name="invocations", **config):
    return aas.put_scaling_policy(
        PolicyName=name,
        **TARGET,
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={**TRACKING, **config},
    )


def test_register_describe_and_tags(aas, sm):
    in_service(sm)
    arn = register(aas, Tags={"team": "ml"})
    assert arn.startswith(f"arn:aws:application-autoscaling:{REGION}:{ACCOUNT}:scalable-target/")
    (target,) = aas.describe_scalable_targets(ServiceNamespace="sagemaker", ResourceIds=[RESOURCE])["ScalableTargets"]
    assert {k: target[k] for k in ("ResourceId", "ScalableDimension", "MinCapacity", "MaxCapacity", "ScalableTargetARN")} == {
        "ResourceId": RESOURCE,
        "ScalableDimension": DIMENSION,
        "MinCapacity": 1,
        "MaxCapacity": 4,
        "ScalableTargetARN": arn,
    }
    assert target["RoleARN"].endswith("/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint")
    assert target["SuspendedState"] == {
        "DynamicScalingInSuspended": False,
        "DynamicScalingOutSuspended": False,
        "ScheduledScalingSuspended": False,
    }
    # registering again updates in place, same ARN
    assert aas.register_scalable_target(**TARGET, MaxCapacity=6)["ScalableTargetARN"] == arn
    (target,) = aas.describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"]
    assert (target["MinCapacity"], target["MaxCapacity"], target["ScalableTargetARN"]) == (1, 6, arn)
    assert aas.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"team": "ml"}
    aas.tag_resource(ResourceARN=arn, Tags={"env": "dev"})
    aas.untag_resource(ResourceARN=arn, TagKeys=["team"])
    assert aas.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"env": "dev"}
    with aws_error("ResourceNotFoundException"):
        aas.list_tags_for_resource(ResourceARN=arn[:-4] + "zzzz")
    assert aas.describe_scaling_activities(ServiceNamespace="sagemaker", ResourceId=RESOURCE)["ScalingActivities"] == []


def test_register_errors(aas, sm):
    with aws_error("ValidationException", f"The SageMaker endpoint variant {RESOURCE} does not exist."):
        register(aas)
    in_service(sm)
    with aws_error("ValidationException", "MinCapacity and MaxCapacity are required"):
        aas.register_scalable_target(**TARGET)
    with aws_error("ValidationException", "Minimum capacity cannot be greater than maximum capacity."):
        register(aas, low=5, high=2)
    with aws_error("ValidationException", "Unsupported service namespace, resource type or scalable dimension"):
        aas.register_scalable_target(**{**TARGET, "ResourceId": "churn"}, MinCapacity=1, MaxCapacity=2)
    with aws_error("ValidationException", "at 'scalableDimension' failed to satisfy constraint: Member must satisfy enum value set"):
        aas.register_scalable_target(**{**TARGET, "ScalableDimension": "sagemaker:variant:Bogus"}, MinCapacity=1, MaxCapacity=2)
    with aws_error("ValidationException", f"The SageMaker endpoint variant endpoint/churn/variant/Other does not exist."):
        aas.register_scalable_target(**{**TARGET, "ResourceId": "endpoint/churn/variant/Other"}, MinCapacity=1, MaxCapacity=2)


def test_register_moves_capacity_inside_the_bounds(aas, sm):
    in_service(sm)
    register(aas, low=2, high=4)
    assert sm.describe_endpoint(EndpointName="churn")["ProductionVariants"][0]["CurrentInstanceCount"] == 2
    register(aas, low=1, high=1)
    assert sm.describe_endpoint(EndpointName="churn")["ProductionVariants"][0]["CurrentInstanceCount"] == 1


def test_target_tracking_policy_creates_alarms(aas, cw, sm):
    in_service(sm)
    register(aas)
    out = put_policy(aas)
    arn = out["PolicyARN"]
    assert arn.startswith(f"arn:aws:autoscaling:{REGION}:{ACCOUNT}:scalingPolicy:")
    assert arn.endswith(f":resource/sagemaker/{RESOURCE}:policyName/invocations")
    high, low = out["Alarms"]
    assert high["AlarmName"].startswith(f"TargetTracking-{RESOURCE}-AlarmHigh-")
    assert low["AlarmName"].startswith(f"TargetTracking-{RESOURCE}-AlarmLow-")
    alarms = {a["AlarmName"]: a for a in cw.describe_alarms()["MetricAlarms"]}
    assert set(alarms) == {high["AlarmName"], low["AlarmName"]}
    alarm = alarms[high["AlarmName"]]
    assert (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"], alarm["Threshold"]) == (
        "AWS/SageMaker",
        "InvocationsPerInstance",
        "Sum",
        70.0,
    )
    assert alarm["Dimensions"] == [{"Name": "EndpointName", "Value": "churn"}, {"Name": "VariantName", "Value": "AllTraffic"}]
    assert alarms[low["AlarmName"]]["Threshold"] == 63.0
    (policy,) = aas.describe_scaling_policies(ServiceNamespace="sagemaker", ResourceId=RESOURCE)["ScalingPolicies"]
    assert policy["PolicyARN"] == arn and policy["PolicyType"] == "TargetTrackingScaling"
    assert policy["TargetTrackingScalingPolicyConfiguration"] == TRACKING
    assert policy["Alarms"] == out["Alarms"]
    # an update keeps the ARN and replaces the alarms; no scale-in -> no AlarmLow
    updated = put_policy(aas, TargetValue=50.0, DisableScaleIn=True)
    assert updated["PolicyARN"] == arn
    (only,) = updated["Alarms"]
    assert "AlarmHigh" in only["AlarmName"]
    assert [a["AlarmName"] for a in cw.describe_alarms()["MetricAlarms"]] == [only["AlarmName"]]
    # filters are exact
    put_policy(aas, name="second")
    assert len(aas.describe_scaling_policies(ServiceNamespace="sagemaker")["ScalingPolicies"]) == 2
    assert [p["PolicyName"] for p in aas.describe_scaling_policies(ServiceNamespace="sagemaker", PolicyNames=["second"])["ScalingPolicies"]] == ["second"]
    assert aas.describe_scaling_policies(ServiceNamespace="sagemaker", ResourceId="endpoint/churn/variant/All")["ScalingPolicies"] == []
    aas.delete_scaling_policy(PolicyName="invocations", **TARGET)
    assert [p["PolicyName"] for p in aas.describe_scaling_policies(ServiceNamespace="sagemaker")["ScalingPolicies"]] == ["second"]
    assert len(cw.describe_alarms()["MetricAlarms"]) == 2


def test_policy_errors(aas, sm):
    with aws_error(
        "ObjectNotFoundException",
        f"No scalable target registered for service namespace: sagemaker, resource ID: {RESOURCE}, "
        f"scalable dimension: {DIMENSION}",
    ):
        put_policy(aas)
    in_service(sm)
    register(aas)
    with aws_error("ObjectNotFoundException", "No scaling policy found for service namespace: sagemaker"):
        aas.delete_scaling_policy(PolicyName="nope", **TARGET)
    with aws_error("ValidationException", "TargetTrackingScalingPolicyConfiguration is required"):
        aas.put_scaling_policy(PolicyName="p", **TARGET, PolicyType="TargetTrackingScaling")
    with aws_error("ValidationException", "Either PredefinedMetricSpecification or CustomizedMetricSpecification"):
        aas.put_scaling_policy(
            PolicyName="p", **TARGET, PolicyType="TargetTrackingScaling", TargetTrackingScalingPolicyConfiguration={"TargetValue": 1.0}
        )
    with aws_error("ValidationException", "Member must satisfy enum value set"):
        put_policy(aas, PredefinedMetricSpecification={"PredefinedMetricType": "Bogus"})


def test_deregister_deletes_policies_and_alarms(aas, cw, sm, emulator):
    in_service(sm)
    register(aas)
    put_policy(aas)
    aas.deregister_scalable_target(**TARGET)
    assert aas.describe_scaling_policies(ServiceNamespace="sagemaker")["ScalingPolicies"] == []
    assert cw.describe_alarms()["MetricAlarms"] == []
    with aws_error("ObjectNotFoundException", "No scalable target registered for service namespace: sagemaker"):
        aas.deregister_scalable_target(**TARGET)
    inventory = emulator.control("GET", "/_emulator/inventory")
    assert inventory["application-autoscaling"] == {"scalable_targets": {}, "scaling_policies": {}}


def test_delete_endpoint_deregisters_its_variants(aas, cw, sm, emulator):
    in_service(sm)
    register(aas)
    put_policy(aas)
    inventory = emulator.control("GET", "/_emulator/inventory")
    assert inventory["application-autoscaling"] == {
        "scalable_targets": {RESOURCE: [DIMENSION]},
        "scaling_policies": {RESOURCE: ["invocations"]},
    }
    assert len(inventory["cloudwatch"]["alarms"]) == 2
    sm.delete_endpoint(EndpointName="churn")
    assert aas.describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"] == []
    assert cw.describe_alarms()["MetricAlarms"] == []


def test_update_endpoint_cannot_change_instance_type_of_a_scalable_variant(aas, sm):
    in_service(sm)
    register(aas)
    model(sm, name="churn-model-v2")
    config(sm, "new-model", variants=[variant(model_name="churn-model-v2")])
    config(sm, "new-type", variants=[variant(InstanceType="ml.c5.xlarge")])
    # a new model on the same instance type is allowed
    sm.update_endpoint(EndpointName="churn", EndpointConfigName="new-model", RetainAllVariantProperties=True)
    wait_for(sm, "churn", "InService")
    with aws_error("ValidationException", "is registered as a scalable target with Application Auto Scaling"):
        sm.update_endpoint(EndpointName="churn", EndpointConfigName="new-type")
    aas.deregister_scalable_target(**TARGET)
    sm.update_endpoint(EndpointName="churn", EndpointConfigName="new-type")
    assert wait_for(sm, "churn", "InService")["EndpointConfigName"] == "new-type"


def test_cloudwatch_alarms(cw, emulator):
    alarm = dict(
        AlarmName="churn-5xx",
        MetricName="Invocation5XXErrors",
        Namespace="AWS/SageMaker",
        Statistic="Average",
        Dimensions=[{"Name": "EndpointName", "Value": "churn"}, {"Name": "VariantName", "Value": "AllTraffic"}],
        Period=60,
        EvaluationPeriods=1,
        Threshold=1.0,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        TreatMissingData="notBreaching",
    )
    cw.put_metric_alarm(**alarm, Tags=[{"Key": "team", "Value": "ml"}])
    (described,) = cw.describe_alarms(AlarmNames=["churn-5xx"])["MetricAlarms"]
    arn = described["AlarmArn"]
    assert arn == f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:churn-5xx"
    assert described["StateValue"] == "INSUFFICIENT_DATA"
    cw.set_alarm_state(AlarmName="churn-5xx", StateValue="ALARM", StateReason="test")
    # an update keeps the state and ignores Tags
    cw.put_metric_alarm(**{**alarm, "Threshold": 2.0}, Tags=[{"Key": "ignored", "Value": "x"}])
    (described,) = cw.describe_alarms(AlarmNames=["churn-5xx"])["MetricAlarms"]
    assert (described["StateValue"], described["Threshold"]) == ("ALARM", 2.0)
    assert cw.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "team", "Value": "ml"}]
    cw.tag_resource(ResourceARN=arn, Tags=[{"Key": "env", "Value": "dev"}])
    cw.untag_resource(ResourceARN=arn, TagKeys=["team"])
    assert cw.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "env", "Value": "dev"}]
    assert emulator.control("GET", "/_emulator/inventory")["cloudwatch"] == {"alarms": ["churn-5xx"]}
    with aws_error("ResourceNotFound", "Alarm nope not found", status=404):
        cw.set_alarm_state(AlarmName="nope", StateValue="ALARM", StateReason="test")
    cw.delete_alarms(AlarmNames=["churn-5xx"])
    with aws_error("ResourceNotFoundException", status=404):
        cw.list_tags_for_resource(ResourceARN=arn)
    cw.put_metric_alarm(**alarm)  # same name again: no old tags
    assert cw.list_tags_for_resource(ResourceARN=arn)["Tags"] == []


def test_alarm_state_control_route(cw, emulator):
    cw.put_metric_alarm(
        AlarmName="churn-latency", MetricName="ModelLatency", Namespace="AWS/SageMaker", Statistic="Average",
        Period=60, EvaluationPeriods=1, Threshold=100.0, ComparisonOperator="GreaterThanThreshold",
    )
    out = emulator.control("POST", "/_emulator/cloudwatch/alarm-state", {"alarm": "churn-latency", "state": "ALARM"})
    assert out == {"alarm": "churn-latency", "state": "ALARM", "region": REGION, "account": ACCOUNT}
    (alarm,) = cw.describe_alarms(AlarmNames=["churn-latency"])["MetricAlarms"]
    assert (alarm["StateValue"], alarm["StateReason"]) == ("ALARM", "Set through the emulator control API")
    for body, code in (({"alarm": "nope", "state": "OK"}, 404), ({"alarm": "churn-latency", "state": "RED"}, 400)):
        req = urllib.request.Request(
            emulator.url + "/_emulator/cloudwatch/alarm-state", data=json.dumps(body).encode(), method="POST"
        )
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(req, timeout=5)
        assert info.value.code == code
