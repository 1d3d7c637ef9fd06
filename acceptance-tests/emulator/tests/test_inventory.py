"""GET /_emulator/inventory, and the request log / fault injection for the
EventBridge, SNS and IAM operations."""

from __future__ import annotations

import json

from conftest import ACCOUNT
from helpers import aws_error
from hosting import fast, in_service

ROLE = f"arn:aws:iam::{ACCOUNT}:role/r"
TRUST = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
)
POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sns:Publish", "Resource": "*"}]})
EMPTY = {
    "sagemaker": {
        "pipelines": [],
        "model_package_groups": [],
        "model_packages": [],
        "models": [],
        "endpoint_configs": [],
        "endpoints": [],
        "data_quality_job_definitions": [],
        "model_quality_job_definitions": [],
        "monitoring_schedules": [],
        "feature_groups": [],
    },
    "events": {"rules": {}, "connections": [], "api_destinations": []},
    "sns": {"topics": {}},
    "iam": {"roles": {}},
    "cloudwatch": {"alarms": []},
    "application-autoscaling": {"scalable_targets": {}, "scaling_policies": {}},
}
RESOURCE = "endpoint/churn/variant/AllTraffic"
TARGET = {"ServiceNamespace": "sagemaker", "ResourceId": RESOURCE, "ScalableDimension": "sagemaker:variant:DesiredInstanceCount"}


def _build_everything(emulator) -> dict:
    sm, ev, sns, iam = (emulator.client(s) for s in ("sagemaker", "events", "sns", "iam"))
    sm.create_pipeline(PipelineName="Train", PipelineDefinition='{"Version": "2020-12-01", "Steps": []}', RoleArn=ROLE)
    sm.create_model_package_group(ModelPackageGroupName="churn")
    version = sm.create_model_package(ModelPackageGroupName="churn")["ModelPackageArn"]
    ev.put_rule(Name="nightly", ScheduleExpression="rate(1 day)")
    ev.put_targets(Rule="nightly", Targets=[{"Id": "b", "Arn": "arn:aws:sns:us-east-1:123456789012:t"}, {"Id": "a", "Arn": ROLE}])
    ev.put_rule(Name="idle", EventPattern='{"source": ["aws.sagemaker"]}')
    conn = ev.create_connection(
        Name="hook", AuthorizationType="API_KEY", AuthParameters={"ApiKeyAuthParameters": {"ApiKeyName": "k", "ApiKeyValue": "v"}}
    )["ConnectionArn"]
    ev.create_api_destination(Name="slack", ConnectionArn=conn, InvocationEndpoint="https://example.com", HttpMethod="POST")
    topic = sns.create_topic(Name="alerts")["TopicArn"]
    pending = sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="a@example.com", ReturnSubscriptionArn=True)["SubscriptionArn"]
    iam.create_role(RoleName="Invoker", AssumeRolePolicyDocument=TRUST)
    iam.put_role_policy(RoleName="Invoker", PolicyName="publish", PolicyDocument=POLICY)
    iam.create_role(RoleName="Bare", AssumeRolePolicyDocument=TRUST)
    # another region and account show up too
    emulator.client("sns", region_name="eu-west-1").create_topic(Name="alerts")
    # hosting: model, config, endpoint, autoscaling and an alarm
    fast(emulator, 0)
    in_service(sm)
    aas = emulator.client("application-autoscaling")
    aas.register_scalable_target(**TARGET, MinCapacity=1, MaxCapacity=2)
    alarms = aas.put_scaling_policy(
        PolicyName="invocations",
        **TARGET,
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={
            "TargetValue": 70.0,
            "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"},
        },
    )["Alarms"]
    emulator.client("cloudwatch").put_metric_alarm(
        AlarmName="churn-5xx", MetricName="Invocation5XXErrors", Namespace="AWS/SageMaker", Statistic="Average",
        Period=60, EvaluationPeriods=1, Threshold=1.0, ComparisonOperator="GreaterThanThreshold",
    )
    # model monitor and feature store
    monitor = {
        "JobResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 20}},
        "RoleArn": ROLE,
    }
    output = {"MonitoringOutputs": [{"S3Output": {"S3Uri": "s3://m/r", "LocalPath": "/opt/ml/processing/output"}}]}
    endpoint_input = {"EndpointName": "churn", "LocalPath": "/opt/ml/processing/input", "InferenceAttribute": "0"}
    sm.create_data_quality_job_definition(
        JobDefinitionName="churn-dq", DataQualityAppSpecification={"ImageUri": "monitor"},
        DataQualityJobInput={"EndpointInput": endpoint_input}, DataQualityJobOutputConfig=output, **monitor,
    )
    sm.create_model_quality_job_definition(
        JobDefinitionName="churn-mq", ModelQualityAppSpecification={"ImageUri": "monitor"},
        ModelQualityJobInput={"EndpointInput": endpoint_input, "GroundTruthS3Input": {"S3Uri": "s3://m/g"}},
        ModelQualityJobOutputConfig=output, **monitor,
    )
    sm.create_monitoring_schedule(
        MonitoringScheduleName="churn-monitor",
        MonitoringScheduleConfig={"MonitoringJobDefinitionName": "churn-dq", "MonitoringType": "DataQuality"},
    )
    sm.create_feature_group(
        FeatureGroupName="churn-features", RecordIdentifierFeatureName="id", EventTimeFeatureName="ts",
        FeatureDefinitions=[{"FeatureName": "id", "FeatureType": "String"}, {"FeatureName": "ts", "FeatureType": "Fractional"}],
        OnlineStoreConfig={"EnableOnlineStore": True},
    )
    return {"version": version, "topic": topic, "pending": pending, "alarms": sorted(["churn-5xx"] + [a["AlarmName"] for a in alarms])}


def test_inventory_empty_after_reset(emulator):
    assert emulator.control("GET", "/_emulator/inventory") == EMPTY


def test_inventory_lists_what_exists(emulator):
    made = _build_everything(emulator)
    assert emulator.control("GET", "/_emulator/inventory") == {
        "sagemaker": {
            "pipelines": ["Train"],
            "model_package_groups": ["churn"],
            "model_packages": [made["version"]],
            "models": ["churn-model"],
            "endpoint_configs": ["churn-config-1"],
            "endpoints": ["churn"],
            "data_quality_job_definitions": ["churn-dq"],
            "model_quality_job_definitions": ["churn-mq"],
            "monitoring_schedules": ["churn-monitor"],
            "feature_groups": ["churn-features"],
        },
        "events": {"rules": {"idle": [], "nightly": ["a", "b"]}, "connections": ["hook"], "api_destinations": ["slack"]},
        "sns": {
            "topics": {
                f"arn:aws:sns:eu-west-1:{ACCOUNT}:alerts": [],
                made["topic"]: [made["pending"]],
            }
        },
        "iam": {"roles": {"Bare": [], "Invoker": ["publish"]}},
        "cloudwatch": {"alarms": made["alarms"]},
        "application-autoscaling": {
            "scalable_targets": {RESOURCE: ["sagemaker:variant:DesiredInstanceCount"]},
            "scaling_policies": {RESOURCE: ["invocations"]},
        },
    }
    # requests to the control API are not logged
    assert "_emulator" not in json.dumps(emulator.control("GET", "/_emulator/requests"))


def test_inventory_empty_after_teardown(emulator):
    made = _build_everything(emulator)
    sm, ev, sns, iam = (emulator.client(s) for s in ("sagemaker", "events", "sns", "iam"))
    sm.delete_pipeline(PipelineName="Train")
    sm.delete_model_package(ModelPackageName=made["version"])
    sm.delete_model_package_group(ModelPackageGroupName="churn")
    ev.remove_targets(Rule="nightly", Ids=["a", "b"])
    for rule in ("nightly", "idle"):
        ev.delete_rule(Name=rule)
    ev.delete_api_destination(Name="slack")
    ev.delete_connection(Name="hook")
    sns.delete_topic(TopicArn=made["topic"])
    emulator.client("sns", region_name="eu-west-1").delete_topic(TopicArn=f"arn:aws:sns:eu-west-1:{ACCOUNT}:alerts")
    iam.delete_role_policy(RoleName="Invoker", PolicyName="publish")
    iam.delete_role(RoleName="Invoker")
    iam.delete_role(RoleName="Bare")
    emulator.client("cloudwatch").delete_alarms(AlarmNames=["churn-5xx"])
    sm.delete_monitoring_schedule(MonitoringScheduleName="churn-monitor")  # gone after the (zero) delay
    sm.delete_data_quality_job_definition(JobDefinitionName="churn-dq")
    sm.delete_model_quality_job_definition(JobDefinitionName="churn-mq")
    sm.delete_feature_group(FeatureGroupName="churn-features")
    sm.delete_endpoint(EndpointName="churn")  # deregisters the variant: policy and its alarms go too
    sm.delete_endpoint_config(EndpointConfigName="churn-config-1")
    sm.delete_model(ModelName="churn-model")
    assert emulator.control("GET", "/_emulator/inventory") == EMPTY


def test_request_log_names_new_services(emulator):
    emulator.client("events").put_rule(Name="r", ScheduleExpression="rate(1 day)")
    emulator.client("sns").create_topic(Name="t")
    emulator.client("iam", region_name="eu-west-1").create_role(RoleName="r", AssumeRolePolicyDocument=TRUST)
    emulator.client("sagemaker").list_pipelines()
    assert emulator.control("GET", "/_emulator/requests/summary") == {
        "events.PutRule": 1,
        "sns.CreateTopic": 1,
        "iam.CreateRole": 1,
        "sagemaker.ListPipelines": 1,
    }


def test_faults_on_new_services(emulator):
    emulator.control("POST", "/_emulator/faults", {"service": "events", "operation": "PutTargets", "kind": "throttle", "count": 2})
    ev = emulator.client("events", retries={"mode": "standard", "total_max_attempts": 3})
    ev.put_rule(Name="r", ScheduleExpression="rate(1 day)")
    out = ev.put_targets(Rule="r", Targets=[{"Id": "t", "Arn": ROLE}])
    assert out["ResponseMetadata"]["RetryAttempts"] == 2
    log = [(e["operation"], e["status"], e["fault"]) for e in emulator.control("GET", "/_emulator/requests")["requests"]]
    assert log == [("PutRule", 200, None), ("PutTargets", 400, "throttle"), ("PutTargets", 400, "throttle"), ("PutTargets", 200, None)]

    emulator.control("POST", "/_emulator/faults", {"service": "events", "operation": "PutTargets", "kind": "throttle", "count": 1})
    with aws_error("ThrottlingException", "Rate exceeded"):
        emulator.client("events").put_targets(Rule="r", Targets=[{"Id": "t", "Arn": ROLE}])

    emulator.control("POST", "/_emulator/faults", {"service": "sns", "operation": "Subscribe", "kind": "throttle", "count": 1})
    sns = emulator.client("sns")
    topic = sns.create_topic(Name="t")["TopicArn"]
    with aws_error("Throttling", "Rate exceeded"):
        sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="a@example.com")

    emulator.control("POST", "/_emulator/faults", {"service": "iam", "operation": "CreateRole", "kind": "server_error", "status": 503, "count": 1})
    iam = emulator.client("iam", retries={"mode": "standard", "total_max_attempts": 2})
    out = iam.create_role(RoleName="r", AssumeRolePolicyDocument=TRUST)
    assert out["ResponseMetadata"]["RetryAttempts"] == 1

    emulator.control("POST", "/_emulator/faults", {"service": "sagemaker", "operation": "StartPipelineExecution", "kind": "throttle", "count": 1})
    with aws_error("ThrottlingException"):
        emulator.client("sagemaker").start_pipeline_execution(PipelineName="p")
