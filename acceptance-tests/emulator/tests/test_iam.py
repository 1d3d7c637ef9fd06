"""IAM roles and inline role policies (IAM is global: any region works)."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

import pytest

from conftest import ACCOUNT
from helpers import aws_error

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)
POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sagemaker:StartPipelineExecution", "Resource": "*"}],
    }
)


@pytest.fixture
def iam(emulator):
    return emulator.client("iam")


def test_create_and_get_role(iam):
    role = iam.create_role(
        RoleName="MlopsPipelineRole",
        Path="/mlops/",
        AssumeRolePolicyDocument=TRUST,
        Description="runs pipelines",
        Tags=[{"Key": "team", "Value": "ml"}],
    )["Role"]
    assert role["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/mlops/MlopsPipelineRole"
    assert role["RoleId"].startswith("AROA")
    for name in ("MlopsPipelineRole", "mlopspipelinerole"):  # IAM names are case-insensitive
        got = iam.get_role(RoleName=name)["Role"]
        assert got["RoleName"] == "MlopsPipelineRole"
        assert got["Path"] == "/mlops/"
        assert got["Description"] == "runs pipelines"
        assert got["AssumeRolePolicyDocument"] == json.loads(TRUST)  # boto3 decodes the URL-encoded JSON
        assert got["Tags"] == [{"Key": "team", "Value": "ml"}]
        assert got["MaxSessionDuration"] == 3600


def test_get_role_returns_url_encoded_policy_on_the_wire(emulator):
    iam = emulator.client("iam")
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=TRUST)
    body = urllib.parse.urlencode({"Action": "GetRole", "Version": "2010-05-08", "RoleName": "r"}).encode()
    req = urllib.request.Request(
        emulator.url + "/",
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": "AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0",
        },
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        xml = resp.read().decode()
    raw = xml.split("<AssumeRolePolicyDocument>", 1)[1].split("</AssumeRolePolicyDocument>", 1)[0]
    assert json.loads(urllib.parse.unquote(raw)) == json.loads(TRUST)


def test_create_role_errors(iam, emulator):
    iam.create_role(RoleName="Dup", AssumeRolePolicyDocument=TRUST)
    with aws_error("EntityAlreadyExists", "Role with name Dup already exists.", status=409):
        iam.create_role(RoleName="Dup", AssumeRolePolicyDocument=TRUST)
    with aws_error("EntityAlreadyExists", "Role with name DUP already exists.", status=409):
        iam.create_role(RoleName="DUP", AssumeRolePolicyDocument=TRUST)
    with aws_error("MalformedPolicyDocument", "This policy contains invalid Json"):
        iam.create_role(RoleName="bad", AssumeRolePolicyDocument="{not json")
    with aws_error("MalformedPolicyDocument", "Has prohibited field Resource"):
        iam.create_role(
            RoleName="bad",
            AssumeRolePolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "x.amazonaws.com"}, "Action": "sts:AssumeRole", "Resource": "*"}]}
            ),
        )
    with aws_error(
        "ValidationError",
        "1 validation error detected: Value 'bad name' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern",
    ):
        iam.create_role(RoleName="bad name", AssumeRolePolicyDocument=TRUST)
    with aws_error("ValidationError", "at 'path' failed to satisfy constraint"):
        iam.create_role(RoleName="ok", Path="no-slashes", AssumeRolePolicyDocument=TRUST)
    with aws_error("ValidationError", "at 'roleName' failed to satisfy constraint: Member must have length less than or equal to 64"):
        iam.create_role(RoleName="r" * 65, AssumeRolePolicyDocument=TRUST)
    assert [r["RoleName"] for r in iam.list_roles()["Roles"]] == ["Dup"]


def test_update_assume_role_policy(iam):
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=TRUST)
    events_trust = TRUST.replace("sagemaker.amazonaws.com", "events.amazonaws.com")
    iam.update_assume_role_policy(RoleName="R", PolicyDocument=events_trust)
    assert iam.get_role(RoleName="r")["Role"]["AssumeRolePolicyDocument"] == json.loads(events_trust)
    with aws_error("MalformedPolicyDocument", "This policy contains invalid Json"):
        iam.update_assume_role_policy(RoleName="r", PolicyDocument="nope")
    with aws_error("NoSuchEntity", "The role with name missing cannot be found.", status=404):
        iam.update_assume_role_policy(RoleName="missing", PolicyDocument=TRUST)


def test_inline_policies_and_delete_conflict(iam):
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=TRUST)
    iam.put_role_policy(RoleName="r", PolicyName="start-pipelines", PolicyDocument=POLICY)
    iam.put_role_policy(RoleName="R", PolicyName="second", PolicyDocument=POLICY)
    got = iam.get_role_policy(RoleName="r", PolicyName="start-pipelines")
    assert got["RoleName"] == "r" and got["PolicyName"] == "start-pipelines"
    assert got["PolicyDocument"] == json.loads(POLICY)
    assert sorted(iam.list_role_policies(RoleName="r")["PolicyNames"]) == ["second", "start-pipelines"]
    with aws_error("DeleteConflict", "Cannot delete entity, must delete policies first.", status=409):
        iam.delete_role(RoleName="r")
    with aws_error("NoSuchEntity", "The role policy with name nope cannot be found.", status=404):
        iam.get_role_policy(RoleName="r", PolicyName="nope")
    with aws_error("MalformedPolicyDocument"):
        iam.put_role_policy(RoleName="r", PolicyName="bad", PolicyDocument="{not json")
    iam.delete_role_policy(RoleName="r", PolicyName="start-pipelines")
    iam.delete_role_policy(RoleName="r", PolicyName="second")
    with aws_error("NoSuchEntity", "The role policy with name second cannot be found.", status=404):
        iam.delete_role_policy(RoleName="r", PolicyName="second")
    assert iam.list_role_policies(RoleName="r")["PolicyNames"] == []
    iam.delete_role(RoleName="r")
    with aws_error("NoSuchEntity", "The role with name r cannot be found.", status=404):
        iam.get_role(RoleName="r")
    with aws_error("NoSuchEntity", "The role with name r cannot be found.", status=404):
        iam.delete_role(RoleName="r")
    with aws_error("NoSuchEntity", "The role with name r cannot be found.", status=404):
        iam.put_role_policy(RoleName="r", PolicyName="p", PolicyDocument=POLICY)


def test_role_tags(iam):
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=TRUST, Tags=[{"Key": "a", "Value": "1"}])
    iam.tag_role(RoleName="r", Tags=[{"Key": "a", "Value": "2"}, {"Key": "b", "Value": "3"}])
    out = iam.list_role_tags(RoleName="r")
    assert out["Tags"] == [{"Key": "a", "Value": "2"}, {"Key": "b", "Value": "3"}] and out["IsTruncated"] is False
    with aws_error("NoSuchEntity", status=404):
        iam.tag_role(RoleName="missing", Tags=[{"Key": "a", "Value": "b"}])


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1", "ap-southeast-2", "us-gov-west-1"])
def test_iam_is_global_whatever_region_the_client_signs_for(emulator, region):
    writer = emulator.client("iam", region_name=region)
    writer.create_role(RoleName=f"role-{region}", AssumeRolePolicyDocument=TRUST)
    reader = emulator.client("iam", region_name="us-east-1" if region != "us-gov-west-1" else region)
    assert reader.get_role(RoleName=f"role-{region}")["Role"]["RoleName"] == f"role-{region}"
    summary = emulator.control("GET", "/_emulator/requests/summary")
    assert summary["iam.CreateRole"] == 1 and summary["iam.GetRole"] == 1
