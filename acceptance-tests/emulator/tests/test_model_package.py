"""CreateModelPackage / Describe / Update / Delete / List (versioned and unversioned)."""

from __future__ import annotations

import datetime

import pytest

from conftest import ACCOUNT, REGION
from helpers import aws_error

PKG_ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/"
INFERENCE = {
    "Containers": [
        {
            "Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/churn:1",
            "ModelDataUrl": "s3://models/churn/model.tar.gz",
        }
    ],
    "SupportedContentTypes": ["text/csv"],
    "SupportedResponseMIMETypes": ["text/csv"],
}


@pytest.fixture
def group(sm):
    sm.create_model_package_group(ModelPackageGroupName="Churn")
    return "Churn"


def test_versions_are_numbered_per_group(sm, group):
    arns = [sm.create_model_package(ModelPackageGroupName=group)["ModelPackageArn"] for _ in range(3)]
    assert arns == [f"{PKG_ARN}churn/{v}" for v in (1, 2, 3)]
    sm.create_model_package_group(ModelPackageGroupName="other")
    assert sm.create_model_package(ModelPackageGroupName="other")["ModelPackageArn"] == f"{PKG_ARN}other/1"


def test_versions_are_not_reused_after_delete(sm, group):
    arns = [sm.create_model_package(ModelPackageGroupName=group)["ModelPackageArn"] for _ in range(3)]
    sm.delete_model_package(ModelPackageName=arns[2])
    assert sm.create_model_package(ModelPackageGroupName=group)["ModelPackageArn"] == f"{PKG_ARN}churn/4"


def test_create_in_group_by_arn(sm, group):
    group_arn = sm.describe_model_package_group(ModelPackageGroupName=group)["ModelPackageGroupArn"]
    assert sm.create_model_package(ModelPackageGroupName=group_arn)["ModelPackageArn"] == f"{PKG_ARN}churn/1"


def test_describe_versioned_package(sm, group):
    arn = sm.create_model_package(
        ModelPackageGroupName=group,
        ModelPackageDescription="first",
        InferenceSpecification=INFERENCE,
        CustomerMetadataProperties={"team": "ml", "stage": "dev"},
        MetadataProperties={"CommitId": "abc123"},
        Domain="MACHINE_LEARNING",
        Task="CLASSIFICATION",
    )["ModelPackageArn"]
    for ref in (arn, "churn/1", "Churn/1", arn.replace("churn/1", "Churn/1")):
        out = sm.describe_model_package(ModelPackageName=ref)
        assert out["ModelPackageArn"] == arn
    assert out["ModelPackageName"] == "Churn"
    assert out["ModelPackageGroupName"] == "Churn"
    assert out["ModelPackageVersion"] == 1
    assert out["ModelPackageDescription"] == "first"
    assert out["ModelPackageStatus"] == "Completed"
    assert out["ModelPackageStatusDetails"]["ValidationStatuses"] == []
    assert out["ModelApprovalStatus"] == "PendingManualApproval"  # default for versions
    assert out["InferenceSpecification"] == INFERENCE
    assert out["CustomerMetadataProperties"] == {"team": "ml", "stage": "dev"}
    assert out["MetadataProperties"] == {"CommitId": "abc123"}
    assert out["Domain"] == "MACHINE_LEARNING" and out["Task"] == "CLASSIFICATION"
    assert isinstance(out["CreationTime"], datetime.datetime)
    assert "LastModifiedTime" not in out and "ApprovalDescription" not in out


def test_create_with_approval_status(sm, group):
    arn = sm.create_model_package(ModelPackageGroupName=group, ModelApprovalStatus="Approved")["ModelPackageArn"]
    assert sm.describe_model_package(ModelPackageName=arn)["ModelApprovalStatus"] == "Approved"
    with aws_error("ValidationException", "at 'modelApprovalStatus' failed to satisfy constraint: Member must satisfy enum value set: [Approved, Rejected, PendingManualApproval]"):
        sm.create_model_package(ModelPackageGroupName=group, ModelApprovalStatus="Yes")


def test_create_errors(sm, group, emulator):
    with aws_error("ValidationException", f"ModelPackageGroup arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package-group/missing does not exist."):
        sm.create_model_package(ModelPackageGroupName="missing")
    with aws_error("ValidationException", "Both ModelPackageName and ModelPackageGroupName are provided"):
        sm.create_model_package(ModelPackageGroupName=group, ModelPackageName="x")
    with aws_error("ValidationException", "Missing ARN"):
        sm.create_model_package()
    with aws_error("ValidationException", "Tags cannot be specified for a versioned model package"):
        sm.create_model_package(ModelPackageGroupName=group, Tags=[{"Key": "a", "Value": "b"}])
    with aws_error("ValidationException", "at 'inferenceSpecification.containers' failed to satisfy constraint: Member must have length greater than or equal to 1"):
        emulator.client(parameter_validation=False).create_model_package(
            ModelPackageGroupName=group, InferenceSpecification={"Containers": []}
        )
    with aws_error("ValidationException", "Value null at 'inferenceSpecification.containers' failed to satisfy constraint: Member must not be null"):
        emulator.client(parameter_validation=False).create_model_package(
            ModelPackageGroupName=group, InferenceSpecification={}
        )
    with aws_error("ValidationException", "at 'customerMetadataProperties' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 256]"):
        sm.create_model_package(ModelPackageGroupName=group, CustomerMetadataProperties={"k": "v" * 257})


def test_client_token_is_idempotent(sm, group):
    first = sm.create_model_package(ModelPackageGroupName=group, ClientToken="tok-1")["ModelPackageArn"]
    again = sm.create_model_package(ModelPackageGroupName=group, ClientToken="tok-1")["ModelPackageArn"]
    other = sm.create_model_package(ModelPackageGroupName=group, ClientToken="tok-2")["ModelPackageArn"]
    assert first == again == f"{PKG_ARN}churn/1"
    assert other == f"{PKG_ARN}churn/2"


def test_unversioned_package(sm):
    arn = sm.create_model_package(ModelPackageName="Standalone", CertifyForMarketplace=False)["ModelPackageArn"]
    assert arn == f"{PKG_ARN}standalone"
    out = sm.describe_model_package(ModelPackageName="Standalone")
    assert out["ModelPackageName"] == "Standalone" and "ModelPackageGroupName" not in out
    assert "ModelPackageVersion" not in out and "ModelApprovalStatus" not in out
    with aws_error("ValidationException", f"Model Package already exists: {arn}"):
        sm.create_model_package(ModelPackageName="standalone")


def test_describe_missing_package(sm, group):
    with aws_error("ValidationException", f"ModelPackage {PKG_ARN}churn/7 does not exist."):
        sm.describe_model_package(ModelPackageName=f"{PKG_ARN}churn/7")
    with aws_error("ValidationException", f"ModelPackage {PKG_ARN}nothing does not exist."):
        sm.describe_model_package(ModelPackageName="nothing")
    with aws_error("ValidationException", "Member must satisfy regular expression pattern"):
        sm.describe_model_package(ModelPackageName="not a name")


def test_update_model_package(sm, group):
    arn = sm.create_model_package(
        ModelPackageGroupName=group, CustomerMetadataProperties={"a": "1", "b": "2"}
    )["ModelPackageArn"]
    out = sm.update_model_package(ModelPackageArn=arn, ModelApprovalStatus="Approved", ApprovalDescription="lgtm")
    assert out["ModelPackageArn"] == arn
    desc = sm.describe_model_package(ModelPackageName=arn)
    assert desc["ModelApprovalStatus"] == "Approved"
    assert desc["ApprovalDescription"] == "lgtm"
    assert desc["CustomerMetadataProperties"] == {"a": "1", "b": "2"}
    assert desc["LastModifiedTime"] >= desc["CreationTime"]
    assert "LastModifiedBy" in desc

    sm.update_model_package(
        ModelPackageArn=arn,
        CustomerMetadataProperties={"b": "20", "c": "3"},
        CustomerMetadataPropertiesToRemove=["a"],
    )
    desc = sm.describe_model_package(ModelPackageName=arn)
    assert desc["CustomerMetadataProperties"] == {"b": "20", "c": "3"}
    assert desc["ModelApprovalStatus"] == "Approved" and desc["ApprovalDescription"] == "lgtm"  # untouched

    sm.update_model_package(ModelPackageArn=arn, ModelApprovalStatus="Rejected", ApprovalDescription="")
    desc = sm.describe_model_package(ModelPackageName=arn)
    assert desc["ModelApprovalStatus"] == "Rejected" and desc["ApprovalDescription"] == ""

    with aws_error("ValidationException", "Member must satisfy enum value set"):
        sm.update_model_package(ModelPackageArn=arn, ModelApprovalStatus="approved")
    with aws_error("ValidationException", f"ModelPackage {PKG_ARN}churn/9 does not exist."):
        sm.update_model_package(ModelPackageArn=f"{PKG_ARN}churn/9", ModelApprovalStatus="Approved")
    with aws_error("ValidationException", "at 'modelPackageArn' failed to satisfy constraint: Member must satisfy regular expression pattern"):
        sm.update_model_package(ModelPackageArn="churn/1", ModelApprovalStatus="Approved")


def test_delete_model_package(sm, group):
    arn = sm.create_model_package(ModelPackageGroupName=group)["ModelPackageArn"]
    sm.delete_model_package(ModelPackageName=arn)
    with aws_error("ValidationException", "does not exist"):
        sm.describe_model_package(ModelPackageName=arn)
    with aws_error("ValidationException", f"ModelPackage {arn} does not exist."):
        sm.delete_model_package(ModelPackageName=arn)
    sm.create_model_package(ModelPackageName="solo")
    sm.delete_model_package(ModelPackageName="solo")
    assert sm.list_model_packages()["ModelPackageSummaryList"] == []


def test_list_model_packages(sm, group):
    sm.create_model_package_group(ModelPackageGroupName="other")
    arns = [sm.create_model_package(ModelPackageGroupName=group, ModelPackageDescription=f"v{i}")["ModelPackageArn"] for i in range(1, 6)]
    sm.create_model_package(ModelPackageGroupName="other")
    sm.create_model_package(ModelPackageName="solo")
    sm.update_model_package(ModelPackageArn=arns[1], ModelApprovalStatus="Approved")
    sm.update_model_package(ModelPackageArn=arns[3], ModelApprovalStatus="Approved")

    out = sm.list_model_packages(ModelPackageGroupName=group)
    summaries = out["ModelPackageSummaryList"]
    assert [s["ModelPackageArn"] for s in summaries] == arns
    first = summaries[0]
    assert first["ModelPackageGroupName"] == "Churn" and first["ModelPackageVersion"] == 1
    assert first["ModelPackageStatus"] == "Completed" and first["ModelApprovalStatus"] == "PendingManualApproval"
    assert first["ModelPackageDescription"] == "v1"
    assert "ModelPackageName" not in first  # versions are listed by group + version

    approved = sm.list_model_packages(ModelPackageGroupName=group, ModelApprovalStatus="Approved")
    assert [s["ModelPackageArn"] for s in approved["ModelPackageSummaryList"]] == [arns[1], arns[3]]

    latest = sm.list_model_packages(
        ModelPackageGroupName=group, SortBy="CreationTime", SortOrder="Descending", MaxResults=1
    )
    assert [s["ModelPackageArn"] for s in latest["ModelPackageSummaryList"]] == [arns[4]]
    assert "NextToken" in latest

    group_arn = sm.describe_model_package_group(ModelPackageGroupName=group)["ModelPackageGroupArn"]
    seen, token = [], None
    while True:
        page = sm.list_model_packages(
            ModelPackageGroupName=group_arn, MaxResults=2, **({"NextToken": token} if token else {})
        )
        assert len(page["ModelPackageSummaryList"]) <= 2
        seen += [s["ModelPackageArn"] for s in page["ModelPackageSummaryList"]]
        token = page.get("NextToken")
        if not token:
            break
    assert seen == arns

    # without a group filter the default type is Unversioned
    default = sm.list_model_packages()["ModelPackageSummaryList"]
    assert [s["ModelPackageName"] for s in default] == ["solo"]
    versioned = sm.list_model_packages(ModelPackageType="Versioned", MaxResults=100)["ModelPackageSummaryList"]
    assert len(versioned) == 6
    both = sm.list_model_packages(ModelPackageType="Both", MaxResults=100)["ModelPackageSummaryList"]
    assert len(both) == 7
    assert sm.list_model_packages(ModelPackageGroupName=group, ModelPackageType="Unversioned")["ModelPackageSummaryList"] == []
    assert sm.list_model_packages(ModelPackageGroupName="nope")["ModelPackageSummaryList"] == []
    by_name = sm.list_model_packages(ModelPackageType="Both", NameContains="oth", MaxResults=100)["ModelPackageSummaryList"]
    assert [s["ModelPackageGroupName"] for s in by_name] == ["other"]
    with aws_error("ValidationException", "Member must satisfy enum value set: [Versioned, Unversioned, Both]"):
        sm.list_model_packages(ModelPackageType="All")
    with aws_error("ValidationException", "Invalid pagination token"):
        sm.list_model_packages(ModelPackageGroupName=group, NextToken="garbage")


def test_default_page_size_is_ten(sm, group):
    for _ in range(12):
        sm.create_model_package(ModelPackageGroupName=group)
    page = sm.list_model_packages(ModelPackageGroupName=group)
    assert len(page["ModelPackageSummaryList"]) == 10 and "NextToken" in page


def test_concurrent_creates_get_distinct_versions(sm, group, emulator):
    from concurrent.futures import ThreadPoolExecutor

    clients = [emulator.client() for _ in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        arns = list(pool.map(lambda c: c.create_model_package(ModelPackageGroupName=group)["ModelPackageArn"], clients * 2))
    assert sorted(int(a.rsplit("/", 1)[1]) for a in arns) == list(range(1, 17))
