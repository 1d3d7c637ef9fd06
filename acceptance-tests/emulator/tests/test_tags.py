"""AddTags / ListTags / DeleteTags on model package group and model package ARNs."""

from __future__ import annotations

from conftest import ACCOUNT, REGION
from helpers import aws_error


def _tags(sm, arn):
    return {t["Key"]: t["Value"] for t in sm.list_tags(ResourceArn=arn)["Tags"]}


def test_group_tags_from_create_are_listable(sm):
    arn = sm.create_model_package_group(
        ModelPackageGroupName="Tagged", Tags=[{"Key": "team", "Value": "ml"}, {"Key": "env", "Value": "dev"}]
    )["ModelPackageGroupArn"]
    assert _tags(sm, arn) == {"team": "ml", "env": "dev"}
    assert _tags(sm, arn.replace("tagged", "Tagged")) == {"team": "ml", "env": "dev"}


def test_add_overwrite_and_delete_tags_on_group(sm):
    arn = sm.create_model_package_group(ModelPackageGroupName="g", Tags=[{"Key": "a", "Value": "1"}])["ModelPackageGroupArn"]
    out = sm.add_tags(ResourceArn=arn, Tags=[{"Key": "a", "Value": "2"}, {"Key": "b", "Value": ""}])
    assert out["Tags"] == [{"Key": "a", "Value": "2"}, {"Key": "b", "Value": ""}]
    assert _tags(sm, arn) == {"a": "2", "b": ""}
    sm.delete_tags(ResourceArn=arn, TagKeys=["a", "not-there"])
    assert _tags(sm, arn) == {"b": ""}


def test_tags_on_model_package_versions(sm):
    sm.create_model_package_group(ModelPackageGroupName="g", Tags=[{"Key": "grp", "Value": "1"}])
    arn = sm.create_model_package(ModelPackageGroupName="g")["ModelPackageArn"]
    assert sm.list_tags(ResourceArn=arn)["Tags"] == []
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "stage", "Value": "prod"}])
    assert _tags(sm, arn) == {"stage": "prod"}
    sm.delete_tags(ResourceArn=arn, TagKeys=["stage"])
    assert _tags(sm, arn) == {}
    unversioned = sm.create_model_package(ModelPackageName="solo", Tags=[{"Key": "k", "Value": "v"}])["ModelPackageArn"]
    assert _tags(sm, unversioned) == {"k": "v"}


def test_tag_errors(sm, emulator):
    missing = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package-group/missing"
    with aws_error("ValidationException", f"Resource does not exist: {missing}"):
        sm.list_tags(ResourceArn=missing)
    with aws_error("ValidationException", "Resource does not exist"):
        sm.add_tags(ResourceArn=missing, Tags=[{"Key": "a", "Value": "b"}])
    with aws_error("ValidationException", "Resource does not exist"):
        sm.list_tags(ResourceArn=f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/missing/1")
    arn = sm.create_model_package_group(ModelPackageGroupName="g")["ModelPackageGroupArn"]
    with aws_error("ValidationException", "reserved for AWS use"):
        sm.add_tags(ResourceArn=arn, Tags=[{"Key": "aws:owner", "Value": "x"}])
    with aws_error("ValidationException", "at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 50"):
        emulator.client(parameter_validation=False).list_tags(ResourceArn=arn, MaxResults=10)
    with aws_error("ValidationException", "Member must satisfy regular expression pattern"):
        sm.list_tags(ResourceArn="not-an-arn")
    with aws_error("ValidationException", "Too many tags"):
        sm.add_tags(ResourceArn=arn, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)])
        sm.add_tags(ResourceArn=arn, Tags=[{"Key": "one-more", "Value": "v"}])


def test_list_tags_paginates(sm):
    arn = sm.create_model_package_group(ModelPackageGroupName="many")["ModelPackageGroupArn"]
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": f"k{i:02d}", "Value": str(i)} for i in range(50)])
    page = sm.list_tags(ResourceArn=arn, MaxResults=50)
    assert len(page["Tags"]) == 50 and "NextToken" not in page
    sm.delete_tags(ResourceArn=arn, TagKeys=["k00"])
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "z", "Value": "1"}])
    assert len(_tags(sm, arn)) == 50
