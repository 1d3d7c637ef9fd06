"""CreateModelPackageGroup / Describe / Delete / List and the group resource policy."""

from __future__ import annotations

import datetime
import json

from conftest import ACCOUNT, REGION
from helpers import aws_error

GROUP_ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package-group/"
POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AllowDescribe",
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
                "Action": ["sagemaker:DescribeModelPackageGroup"],
                "Resource": GROUP_ARN + "shared",
            }
        ],
    }
)


def test_create_and_describe(sm):
    arn = sm.create_model_package_group(
        ModelPackageGroupName="Churn-Models", ModelPackageGroupDescription="churn"
    )["ModelPackageGroupArn"]
    assert arn == GROUP_ARN + "churn-models"  # SageMaker renders ARNs lowercased
    for ref in ("Churn-Models", "churn-models", arn):
        out = sm.describe_model_package_group(ModelPackageGroupName=ref)
        assert out["ModelPackageGroupName"] == "Churn-Models"
        assert out["ModelPackageGroupArn"] == arn
        assert out["ModelPackageGroupDescription"] == "churn"
        assert out["ModelPackageGroupStatus"] == "Completed"
        assert isinstance(out["CreationTime"], datetime.datetime)
        assert "CreatedBy" in out


def test_create_duplicate_is_rejected(sm):
    arn = sm.create_model_package_group(ModelPackageGroupName="dup")["ModelPackageGroupArn"]
    with aws_error("ValidationException", f"Model Package Group already exists: {arn}"):
        sm.create_model_package_group(ModelPackageGroupName="dup")
    with aws_error("ValidationException", "already exists"):
        sm.create_model_package_group(ModelPackageGroupName="DUP")


def test_create_validates_name_and_description(sm, emulator):
    with aws_error(
        "ValidationException",
        "1 validation error detected: Value 'bad--' at 'modelPackageGroupName' failed to "
        "satisfy constraint: Member must satisfy regular expression pattern: "
        "[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}",
    ):
        sm.create_model_package_group(ModelPackageGroupName="bad--")
    with aws_error("ValidationException", "Member must have length less than or equal to 63"):
        sm.create_model_package_group(ModelPackageGroupName="a" * 64)
    with aws_error("ValidationException", "at 'modelPackageGroupDescription' failed to satisfy constraint: Member must have length less than or equal to 1024"):
        sm.create_model_package_group(ModelPackageGroupName="ok", ModelPackageGroupDescription="d" * 1025)
    with aws_error("ValidationException", "at 'tags.1.member.key' failed to satisfy constraint"):
        sm.create_model_package_group(ModelPackageGroupName="ok", Tags=[{"Key": "k" * 129, "Value": "v"}])
    raw = emulator.client(parameter_validation=False)
    with aws_error(
        "ValidationException",
        "Value null at 'modelPackageGroupName' failed to satisfy constraint: Member must not be null",
    ):
        raw.create_model_package_group()


def test_describe_missing_group(sm):
    with aws_error("ValidationException", f"ModelPackageGroup {GROUP_ARN}nope does not exist."):
        sm.describe_model_package_group(ModelPackageGroupName="nope")


def test_delete_group(sm):
    sm.create_model_package_group(ModelPackageGroupName="gone")
    sm.delete_model_package_group(ModelPackageGroupName="gone")
    with aws_error("ValidationException", "does not exist"):
        sm.describe_model_package_group(ModelPackageGroupName="gone")
    with aws_error("ValidationException", "does not exist"):
        sm.delete_model_package_group(ModelPackageGroupName="gone")
    # the name can be reused afterwards
    sm.create_model_package_group(ModelPackageGroupName="gone")


def test_delete_group_by_arn(sm):
    arn = sm.create_model_package_group(ModelPackageGroupName="byarn")["ModelPackageGroupArn"]
    sm.delete_model_package_group(ModelPackageGroupName=arn)
    assert sm.list_model_package_groups()["ModelPackageGroupSummaryList"] == []


def test_delete_non_empty_group_conflicts(sm):
    arn = sm.create_model_package_group(ModelPackageGroupName="busy")["ModelPackageGroupArn"]
    v1 = sm.create_model_package(ModelPackageGroupName="busy")["ModelPackageArn"]
    v2 = sm.create_model_package(ModelPackageGroupName="busy")["ModelPackageArn"]
    with aws_error("ConflictException", f"Model Package Group {arn} cannot be deleted because it contains 2 model package version(s)"):
        sm.delete_model_package_group(ModelPackageGroupName="busy")
    sm.delete_model_package(ModelPackageName=v1)
    with aws_error("ConflictException"):
        sm.delete_model_package_group(ModelPackageGroupName="busy")
    sm.delete_model_package(ModelPackageName=v2)
    sm.delete_model_package_group(ModelPackageGroupName="busy")


def test_list_groups_filter_sort_paginate(sm, emulator):
    names = ["alpha", "bravo", "charlie-x", "delta-x", "echo"]
    for name in names:
        sm.create_model_package_group(ModelPackageGroupName=name, ModelPackageGroupDescription=name.upper())
    out = sm.list_model_package_groups()
    summaries = out["ModelPackageGroupSummaryList"]
    assert [s["ModelPackageGroupName"] for s in summaries] == names  # default: CreationTime Ascending
    assert "NextToken" not in out
    first = summaries[0]
    assert first["ModelPackageGroupArn"] == GROUP_ARN + "alpha"
    assert first["ModelPackageGroupStatus"] == "Completed"
    assert first["ModelPackageGroupDescription"] == "ALPHA"

    desc = sm.list_model_package_groups(SortBy="Name", SortOrder="Descending")
    assert [s["ModelPackageGroupName"] for s in desc["ModelPackageGroupSummaryList"]] == sorted(names, reverse=True)

    filtered = sm.list_model_package_groups(NameContains="-X")
    assert [s["ModelPackageGroupName"] for s in filtered["ModelPackageGroupSummaryList"]] == ["charlie-x", "delta-x"]

    seen, token, pages = [], None, 0
    while True:
        kwargs = {"MaxResults": 2, **({"NextToken": token} if token else {})}
        page = sm.list_model_package_groups(**kwargs)
        pages += 1
        seen += [s["ModelPackageGroupName"] for s in page["ModelPackageGroupSummaryList"]]
        token = page.get("NextToken")
        if not token:
            break
    assert seen == names and pages == 3

    paginated = [
        s["ModelPackageGroupName"]
        for page in sm.get_paginator("list_model_package_groups").paginate(PaginationConfig={"PageSize": 2})
        for s in page["ModelPackageGroupSummaryList"]
    ]
    assert paginated == names

    created = [s["CreationTime"] for s in summaries]
    after = sm.list_model_package_groups(CreationTimeAfter=created[2])["ModelPackageGroupSummaryList"]
    assert {s["ModelPackageGroupName"] for s in after} <= {"delta-x", "echo"}
    assert sm.list_model_package_groups(CrossAccountFilterOption="CrossAccount")["ModelPackageGroupSummaryList"] == []

    raw = emulator.client(parameter_validation=False)
    with aws_error("ValidationException", "at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100"):
        sm.list_model_package_groups(MaxResults=101)
    with aws_error("ValidationException", "Member must have value greater than or equal to 1"):
        raw.list_model_package_groups(MaxResults=0)
    with aws_error("ValidationException", "Member must satisfy enum value set: [Name, CreationTime]"):
        sm.list_model_package_groups(SortBy="Size")


def test_group_policy_lifecycle(sm):
    arn = sm.create_model_package_group(ModelPackageGroupName="shared")["ModelPackageGroupArn"]
    with aws_error("ValidationException", f"Cannot find resource policy for: {arn}"):
        sm.get_model_package_group_policy(ModelPackageGroupName="shared")
    out = sm.put_model_package_group_policy(ModelPackageGroupName="shared", ResourcePolicy=POLICY)
    assert out["ModelPackageGroupArn"] == arn
    assert sm.get_model_package_group_policy(ModelPackageGroupName="shared")["ResourcePolicy"] == POLICY
    replaced = json.dumps({"Version": "2012-10-17", "Statement": []})
    sm.put_model_package_group_policy(ModelPackageGroupName="shared", ResourcePolicy=replaced)
    assert sm.get_model_package_group_policy(ModelPackageGroupName="shared")["ResourcePolicy"] == replaced
    sm.delete_model_package_group_policy(ModelPackageGroupName="shared")
    with aws_error("ValidationException", "Cannot find resource policy for"):
        sm.get_model_package_group_policy(ModelPackageGroupName="shared")
    with aws_error("ValidationException", "Cannot find resource policy for"):
        sm.delete_model_package_group_policy(ModelPackageGroupName="shared")


def test_group_policy_errors(sm):
    with aws_error("ValidationException", f"Cannot find Model Package Group: {GROUP_ARN}missing"):
        sm.put_model_package_group_policy(ModelPackageGroupName="missing", ResourcePolicy=POLICY)
    with aws_error("ValidationException", "Cannot find Model Package Group"):
        sm.get_model_package_group_policy(ModelPackageGroupName="missing")
    with aws_error("ValidationException", "Cannot find Model Package Group"):
        sm.delete_model_package_group_policy(ModelPackageGroupName="missing")
    sm.create_model_package_group(ModelPackageGroupName="p")
    with aws_error("ValidationException", "not valid JSON"):
        sm.put_model_package_group_policy(ModelPackageGroupName="p", ResourcePolicy="{not json")
    with aws_error("ValidationException", "must be a JSON object"):
        sm.put_model_package_group_policy(ModelPackageGroupName="p", ResourcePolicy="[]")
    # PolicyString's pattern is ".*" and, as on AWS (Java regex semantics), "."
    # does not match a line break: send policies as single-line JSON.
    with aws_error("ValidationException", "at 'resourcePolicy' failed to satisfy constraint: Member must satisfy regular expression pattern: .*"):
        sm.put_model_package_group_policy(ModelPackageGroupName="p", ResourcePolicy=json.dumps(json.loads(POLICY), indent=2))
    with aws_error("ValidationException", "Member must have length less than or equal to 20480"):
        sm.put_model_package_group_policy(ModelPackageGroupName="p", ResourcePolicy=" " * 20481)


def test_deleting_group_drops_policy(sm):
    sm.create_model_package_group(ModelPackageGroupName="pol")
    sm.put_model_package_group_policy(ModelPackageGroupName="pol", ResourcePolicy=POLICY)
    sm.delete_model_package_group(ModelPackageGroupName="pol")
    sm.create_model_package_group(ModelPackageGroupName="pol")
    with aws_error("ValidationException", "Cannot find resource policy for"):
        sm.get_model_package_group_policy(ModelPackageGroupName="pol")


def test_state_is_per_region(emulator):
    east = emulator.client()
    west = emulator.client(region_name="eu-west-1")
    east.create_model_package_group(ModelPackageGroupName="regional")
    assert west.list_model_package_groups()["ModelPackageGroupSummaryList"] == []
    arn = west.create_model_package_group(ModelPackageGroupName="regional")["ModelPackageGroupArn"]
    assert arn == f"arn:aws:sagemaker:eu-west-1:{ACCOUNT}:model-package-group/regional"
