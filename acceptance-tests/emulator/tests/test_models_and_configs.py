"""SageMaker models and endpoint configs: Create/Describe/List/Delete, errors, tags."""

from __future__ import annotations

import datetime

import pytest

from helpers import aws_error
from hosting import ARN, IMAGE, ROLE, config, model, variant


def test_create_and_describe_model(sm):
    arn = model(
        sm,
        name="Churn-Model",
        PrimaryContainer={
            "Image": IMAGE,
            "ModelDataUrl": "s3://models/churn/model.tar.gz",
            "Environment": {"SAGEMAKER_PROGRAM": "inference.py"},
        },
        Tags=[{"Key": "team", "Value": "ml"}],
    )
    assert arn == ARN + "model/churn-model"  # the name is lowercased in the ARN
    for ref in ("Churn-Model", "churn-model", "CHURN-MODEL"):
        out = sm.describe_model(ModelName=ref)
        assert out["ModelName"] == "Churn-Model"
        assert out["ModelArn"] == arn
        assert out["PrimaryContainer"] == {
            "Image": IMAGE,
            "ModelDataUrl": "s3://models/churn/model.tar.gz",
            "Environment": {"SAGEMAKER_PROGRAM": "inference.py"},
        }
        assert out["ExecutionRoleArn"] == ROLE
        assert out["EnableNetworkIsolation"] is False
        assert isinstance(out["CreationTime"], datetime.datetime)
        assert "Containers" not in out
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "ml"}]


def test_model_errors(sm, emulator):
    model(sm)
    with aws_error("ValidationException", f'Cannot create already existing model "{ARN}model/churn-model".'):
        model(sm, name="CHURN-MODEL")
    with aws_error("ValidationException", f'Could not find model "{ARN}model/missing".'):
        sm.describe_model(ModelName="missing")
    with aws_error("ValidationException", f'Could not find model "{ARN}model/missing".'):
        sm.delete_model(ModelName="Missing")
    with aws_error("ValidationException", "Either PrimaryContainer or Containers must be specified."):
        sm.create_model(ModelName="bare", ExecutionRoleArn=ROLE)
    with aws_error("ValidationException", "cannot be specified at the same time"):
        sm.create_model(
            ModelName="both", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMAGE}, Containers=[{"Image": IMAGE}]
        )
    with aws_error("ValidationException", "Either Image or ModelPackageName must be specified"):
        sm.create_model(ModelName="noimage", ExecutionRoleArn=ROLE, PrimaryContainer={"ModelDataUrl": "s3://b/k"})
    with aws_error(
        "ValidationException",
        "1 validation error detected: Value 'bad_name' at 'modelName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern",
    ):
        sm.create_model(ModelName="bad_name", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMAGE})
    with aws_error("ValidationException", "at 'executionRoleArn' failed to satisfy constraint"):
        sm.create_model(ModelName="badrole", ExecutionRoleArn="arn:aws:iam::123:role/x", PrimaryContainer={"Image": IMAGE})
    with aws_error("SerializationException"):
        emulator.client(parameter_validation=False).create_model(
            ModelName="wrongtype", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": ["not", "a", "string"]}
        )


def test_model_from_model_package_and_multi_container(sm):
    sm.create_model_package_group(ModelPackageGroupName="churn")
    package = sm.create_model_package(
        ModelPackageGroupName="churn",
        InferenceSpecification={
            "Containers": [{"Image": IMAGE, "ModelDataUrl": "s3://models/churn/v1.tar.gz"}],
            "SupportedContentTypes": ["application/json"],
            "SupportedResponseMIMETypes": ["application/json"],
        },
    )["ModelPackageArn"]
    sm.create_model(ModelName="from-package", ExecutionRoleArn=ROLE, PrimaryContainer={"ModelPackageName": package})
    assert sm.describe_model(ModelName="from-package")["PrimaryContainer"] == {"ModelPackageName": package}
    with aws_error("ValidationException", f"ModelPackage {ARN}model-package/churn/9 does not exist."):
        sm.create_model(
            ModelName="ghost", ExecutionRoleArn=ROLE, PrimaryContainer={"ModelPackageName": ARN + "model-package/churn/9"}
        )
    containers = [
        {"ContainerHostname": "pre", "Image": IMAGE},
        {"ContainerHostname": "main", "Image": IMAGE, "Environment": {"A": "1"}},
    ]
    sm.create_model(
        ModelName="pipeline",
        ExecutionRoleArn=ROLE,
        Containers=containers,
        InferenceExecutionConfig={"Mode": "Serial"},
        EnableNetworkIsolation=True,
    )
    out = sm.describe_model(ModelName="pipeline")
    assert out["Containers"] == containers
    assert out["InferenceExecutionConfig"] == {"Mode": "Serial"}
    assert out["EnableNetworkIsolation"] is True
    assert "PrimaryContainer" not in out


def test_list_models_filters_sorting_paging(sm):
    for name in ("b-model", "a-model", "c-other"):
        model(sm, name=name)
    names = [m["ModelName"] for m in sm.list_models()["Models"]]
    assert names == ["c-other", "a-model", "b-model"]  # default: CreationTime, Descending
    out = sm.list_models(SortBy="Name", SortOrder="Ascending")["Models"]
    assert [m["ModelName"] for m in out] == ["a-model", "b-model", "c-other"]
    assert set(out[0]) == {"ModelName", "ModelArn", "CreationTime"}
    assert [m["ModelName"] for m in sm.list_models(NameContains="MODEL", SortBy="Name")["Models"]] == [
        "b-model",
        "a-model",
    ]
    page = sm.list_models(MaxResults=2, SortBy="Name", SortOrder="Ascending")
    assert len(page["Models"]) == 2 and page["NextToken"]
    rest = sm.list_models(MaxResults=2, SortBy="Name", SortOrder="Ascending", NextToken=page["NextToken"])
    assert [m["ModelName"] for m in rest["Models"]] == ["c-other"] and "NextToken" not in rest
    sm.delete_model(ModelName="A-MODEL")
    assert [m["ModelName"] for m in sm.list_models(SortBy="Name")["Models"]] == ["c-other", "b-model"]


def test_create_and_describe_endpoint_config(sm):
    model(sm)
    model(sm, name="shadow-model")
    capture = {
        "EnableCapture": True,
        "InitialSamplingPercentage": 20,
        "DestinationS3Uri": "s3://capture/churn",
        "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
        "CaptureContentTypeHeader": {"JsonContentTypes": ["application/json"]},
    }
    arn = config(
        sm,
        name="Churn-Config-1",
        variants=[variant(count=2), variant(name="Canary", count=1, InitialVariantWeight=0.1)],
        ShadowProductionVariants=[variant(model_name="shadow-model", name="Shadow")],
        DataCaptureConfig=capture,
        KmsKeyId="alias/sagemaker",
        Tags=[{"Key": "env", "Value": "dev"}],
    )
    assert arn == ARN + "endpoint-config/churn-config-1"
    out = sm.describe_endpoint_config(EndpointConfigName="churn-config-1")
    assert out["EndpointConfigName"] == "Churn-Config-1"
    assert out["EndpointConfigArn"] == arn
    assert out["ProductionVariants"] == [
        {**variant(count=2), "InitialVariantWeight": 1.0},  # AWS fills in the default weight
        {**variant(name="Canary", count=1), "InitialVariantWeight": 0.1},
    ]
    assert out["ShadowProductionVariants"] == [
        {**variant(model_name="shadow-model", name="Shadow"), "InitialVariantWeight": 1.0}
    ]
    assert out["DataCaptureConfig"] == capture
    assert out["KmsKeyId"] == "alias/sagemaker"
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "env", "Value": "dev"}]


def test_serverless_endpoint_config(sm):
    model(sm)
    serverless = {"VariantName": "AllTraffic", "ModelName": "churn-model", "ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 5}}
    config(sm, variants=[serverless])
    assert sm.describe_endpoint_config(EndpointConfigName="churn-config-1")["ProductionVariants"] == [
        {**serverless, "InitialVariantWeight": 1.0}
    ]
    with aws_error("ValidationException", "Member must satisfy enum value set: [1024, 2048, 3072, 4096, 5120, 6144]"):
        config(sm, name="odd", variants=[{**serverless, "ServerlessConfig": {"MemorySizeInMB": 1500, "MaxConcurrency": 1}}])
    with aws_error("ValidationException", "at 'productionVariants.1.member.serverlessConfig.memorySizeInMB'"):
        config(sm, name="big", variants=[{**serverless, "ServerlessConfig": {"MemorySizeInMB": 8192, "MaxConcurrency": 1}}])


def test_endpoint_config_errors(sm):
    model(sm)
    config(sm)
    with aws_error(
        "ValidationException",
        f'Cannot create already existing endpoint configuration "{ARN}endpoint-config/churn-config-1".',
    ):
        config(sm, name="CHURN-CONFIG-1")
    with aws_error("ValidationException", f'Could not find model "{ARN}model/nope".'):
        config(sm, name="c2", variants=[variant(model_name="nope")])
    with aws_error("ValidationException", f'Could not find model "{ARN}model/nope".'):
        config(sm, name="c2", ShadowProductionVariants=[variant(model_name="nope", name="Shadow")])
    with aws_error("ValidationException", f'Could not find endpoint configuration "{ARN}endpoint-config/missing".'):
        sm.describe_endpoint_config(EndpointConfigName="missing")
    with aws_error("ValidationException", f'Could not find endpoint configuration "{ARN}endpoint-config/missing".'):
        sm.delete_endpoint_config(EndpointConfigName="Missing")
    with aws_error("ValidationException", "are not unique within the endpoint configuration"):
        config(sm, name="c3", variants=[variant(), variant()])
    with aws_error("ValidationException", "must specify either InstanceType or ServerlessConfig"):
        config(sm, name="c4", variants=[{"VariantName": "v", "ModelName": "churn-model"}])
    with aws_error("ValidationException", "InitialInstanceCount must be specified"):
        config(sm, name="c5", variants=[{"VariantName": "v", "ModelName": "churn-model", "InstanceType": "ml.m5.large"}])
    with aws_error("ValidationException", "Member must satisfy enum value set"):
        config(sm, name="c6", variants=[variant(InstanceType="ml.m5.huge")])
    with aws_error("ValidationException", "at 'dataCaptureConfig.initialSamplingPercentage' failed to satisfy constraint"):
        config(
            sm,
            name="c7",
            DataCaptureConfig={"InitialSamplingPercentage": 101, "DestinationS3Uri": "s3://b/c", "CaptureOptions": [{"CaptureMode": "Input"}]},
        )


def test_list_and_delete_endpoint_configs(sm):
    model(sm)
    for name in ("cfg-b", "cfg-a", "other"):
        config(sm, name=name)
    assert [c["EndpointConfigName"] for c in sm.list_endpoint_configs()["EndpointConfigs"]] == ["other", "cfg-a", "cfg-b"]
    out = sm.list_endpoint_configs(NameContains="cfg", SortBy="Name", SortOrder="Ascending")["EndpointConfigs"]
    assert [c["EndpointConfigName"] for c in out] == ["cfg-a", "cfg-b"]
    assert set(out[0]) == {"EndpointConfigName", "EndpointConfigArn", "CreationTime"}
    sm.delete_endpoint_config(EndpointConfigName="CFG-A")
    assert [c["EndpointConfigName"] for c in sm.list_endpoint_configs(SortBy="Name")["EndpointConfigs"]] == ["other", "cfg-b"]
    # models can be deleted while configs still name them, as on AWS
    sm.delete_model(ModelName="churn-model")
    assert sm.describe_endpoint_config(EndpointConfigName="cfg-b")["ProductionVariants"][0]["ModelName"] == "churn-model"


@pytest.mark.parametrize("kind", ["model", "endpoint-config"])
def test_tags_on_models_and_configs(sm, kind):
    model(sm)
    arn = ARN + "model/churn-model" if kind == "model" else config(sm)
    sm.add_tags(ResourceArn=arn.replace("churn", "CHURN"), Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "a", "Value": "3"}])
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "a", "Value": "3"}, {"Key": "b", "Value": "2"}]
    sm.delete_tags(ResourceArn=arn, TagKeys=["a"])
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "b", "Value": "2"}]
    missing = ARN + f"{kind}/missing"
    with aws_error("ValidationException", f"Resource does not exist: {missing}"):
        sm.list_tags(ResourceArn=missing)
