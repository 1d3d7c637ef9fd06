"""SNS: topics, attributes, policy, subscriptions (pending confirmation), tags."""

from __future__ import annotations

import json

import pytest

from conftest import ACCOUNT, REGION
from helpers import aws_error

TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:"


@pytest.fixture
def sns(emulator):
    return emulator.client("sns")


def _policy(arn: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "events",
                    "Effect": "Allow",
                    "Principal": {"Service": "events.amazonaws.com"},
                    "Action": "sns:Publish",
                    "Resource": arn,
                }
            ],
        },
        indent=2,
    )


def test_create_topic_with_tags_and_attributes(sns):
    arn = sns.create_topic(
        Name="model-alerts", Attributes={"DisplayName": "Model alerts"}, Tags=[{"Key": "team", "Value": "ml"}]
    )["TopicArn"]
    assert arn == TOPIC_ARN + "model-alerts"
    attrs = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attrs["TopicArn"] == arn
    assert attrs["DisplayName"] == "Model alerts"
    assert attrs["Owner"] == ACCOUNT
    assert (attrs["SubscriptionsPending"], attrs["SubscriptionsConfirmed"], attrs["SubscriptionsDeleted"]) == ("0", "0", "0")
    default_policy = json.loads(attrs["Policy"])
    assert default_policy["Statement"][0]["Resource"] == arn
    assert "DeliveryPolicy" not in attrs
    assert sns.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "ml"}]


def test_create_topic_is_idempotent_only_for_the_same_attributes_and_tags(sns):
    args = {"Name": "t", "Attributes": {"DisplayName": "d"}, "Tags": [{"Key": "a", "Value": "1"}]}
    arn = sns.create_topic(**args)["TopicArn"]
    assert sns.create_topic(**args)["TopicArn"] == arn
    assert sns.create_topic(Name="t")["TopicArn"] == arn
    with aws_error("InvalidParameter", "Invalid parameter: Attributes Reason: Topic already exists with different attributes"):
        sns.create_topic(Name="t", Attributes={"DisplayName": "other"})
    with aws_error("InvalidParameter", "Invalid parameter: Tags Reason: Topic already exists with different tags"):
        sns.create_topic(Name="t", Tags=[{"Key": "a", "Value": "2"}])


def test_topic_attribute_errors(sns):
    arn = sns.create_topic(Name="t")["TopicArn"]
    with aws_error("InvalidParameter", "Invalid parameter: AttributeName"):
        sns.set_topic_attributes(TopicArn=arn, AttributeName="Bogus", AttributeValue="x")
    with aws_error("InvalidParameter", "Invalid parameter: AttributeName"):
        sns.set_topic_attributes(TopicArn=arn, AttributeName="FifoTopic", AttributeValue="true")
    with aws_error("InvalidParameter", "Invalid parameter: Policy Error: null"):
        sns.set_topic_attributes(TopicArn=arn, AttributeName="Policy", AttributeValue="{not json")
    with aws_error("InvalidParameter", "Unknown attribute: Bogus"):
        sns.create_topic(Name="u", Attributes={"Bogus": "x"})
    with aws_error("InvalidParameter", "Invalid parameter: Policy Error: null"):
        sns.create_topic(Name="u", Attributes={"Policy": "[]"})
    with aws_error("NotFound", "Topic does not exist", status=404):
        sns.get_topic_attributes(TopicArn=TOPIC_ARN + "missing")
    with aws_error("NotFound", "Topic does not exist", status=404):
        sns.set_topic_attributes(TopicArn=TOPIC_ARN + "missing", AttributeName="DisplayName", AttributeValue="x")


def test_set_topic_policy_and_other_attributes(sns):
    arn = sns.create_topic(Name="t")["TopicArn"]
    policy = _policy(arn)
    sns.set_topic_attributes(TopicArn=arn, AttributeName="Policy", AttributeValue=policy)
    attrs = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    # SNS stores the policy re-serialized (compact); it is the same document
    assert json.loads(attrs["Policy"]) == json.loads(policy)
    assert attrs["Policy"] == json.dumps(json.loads(policy), separators=(",", ":"))
    # without a Version SNS adds its default one
    no_version = {"Statement": json.loads(policy)["Statement"]}
    sns.set_topic_attributes(TopicArn=arn, AttributeName="Policy", AttributeValue=json.dumps(no_version))
    assert json.loads(sns.get_topic_attributes(TopicArn=arn)["Attributes"]["Policy"])["Version"] == "2008-10-17"
    for name, value in (
        ("DisplayName", "Alerts"),
        ("KmsMasterKeyId", "alias/aws/sns"),
        ("TracingConfig", "Active"),
        ("SignatureVersion", "2"),
        ("DeliveryPolicy", json.dumps({"http": {"defaultHealthyRetryPolicy": {"numRetries": 5}}})),
        ("SQSFailureFeedbackRoleArn", f"arn:aws:iam::{ACCOUNT}:role/feedback"),
    ):
        sns.set_topic_attributes(TopicArn=arn, AttributeName=name, AttributeValue=value)
        assert sns.get_topic_attributes(TopicArn=arn)["Attributes"][name] == value, name
    # attributes given at creation are returned too
    other = sns.create_topic(Name="o", Attributes={"Policy": policy, "TracingConfig": "PassThrough"})["TopicArn"]
    attrs = sns.get_topic_attributes(TopicArn=other)["Attributes"]
    assert json.loads(attrs["Policy"]) == json.loads(policy) and attrs["TracingConfig"] == "PassThrough"


def test_email_subscription_is_pending_confirmation(sns):
    arn = sns.create_topic(Name="t")["TopicArn"]
    assert sns.subscribe(TopicArn=arn, Protocol="email", Endpoint="ops@example.com")["SubscriptionArn"] == "pending confirmation"
    # subscribing again is idempotent, still pending
    assert sns.subscribe(TopicArn=arn, Protocol="email", Endpoint="ops@example.com")["SubscriptionArn"] == "pending confirmation"
    sub_arn = sns.subscribe(
        TopicArn=arn, Protocol="email-json", Endpoint="bot@example.com", ReturnSubscriptionArn=True
    )["SubscriptionArn"]
    assert sub_arn.startswith(arn + ":")
    queue = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=f"arn:aws:sqs:{REGION}:{ACCOUNT}:q")["SubscriptionArn"]
    assert queue.startswith(arn + ":")
    subs = sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
    assert [(s["Protocol"], s["Endpoint"], s["SubscriptionArn"]) for s in subs] == [
        ("email", "ops@example.com", "PendingConfirmation"),
        ("email-json", "bot@example.com", "PendingConfirmation"),
        ("sqs", f"arn:aws:sqs:{REGION}:{ACCOUNT}:q", queue),
    ]
    assert all(s["TopicArn"] == arn and s["Owner"] == ACCOUNT for s in subs)
    attrs = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert (attrs["SubscriptionsPending"], attrs["SubscriptionsConfirmed"]) == ("2", "1")
    assert sns.get_subscription_attributes(SubscriptionArn=sub_arn)["Attributes"]["PendingConfirmation"] == "true"


def test_unsubscribe(sns):
    arn = sns.create_topic(Name="t")["TopicArn"]
    pending = sns.subscribe(TopicArn=arn, Protocol="email", Endpoint="a@example.com", ReturnSubscriptionArn=True)["SubscriptionArn"]
    queue = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=f"arn:aws:sqs:{REGION}:{ACCOUNT}:q")["SubscriptionArn"]
    with aws_error("InvalidParameter", "Invalid parameter: SubscriptionArn Reason: An ARN must have at least 6 elements, not 1"):
        sns.unsubscribe(SubscriptionArn="pending confirmation")
    with aws_error("InvalidParameter", "Cannot unsubscribe a subscription that is pending confirmation"):
        sns.unsubscribe(SubscriptionArn=pending)
    sns.unsubscribe(SubscriptionArn=queue)
    assert [s["Protocol"] for s in sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]] == ["email"]
    # deleting the topic deletes its subscriptions, pending ones included
    sns.delete_topic(TopicArn=arn)
    sns.delete_topic(TopicArn=arn)  # AWS: deleting a topic that does not exist is not an error
    assert sns.list_subscriptions()["Subscriptions"] == []
    with aws_error("NotFound", "Topic does not exist", status=404):
        sns.list_subscriptions_by_topic(TopicArn=arn)


def test_subscribe_errors(sns):
    arn = sns.create_topic(Name="t")["TopicArn"]
    for endpoint in ("not-an-email", "a@b", "a@example.com;b@example.com"):
        with aws_error("InvalidParameter", "Invalid parameter: Email address"):
            sns.subscribe(TopicArn=arn, Protocol="email", Endpoint=endpoint)
    with aws_error("NotFound", "Topic does not exist", status=404):
        sns.subscribe(TopicArn=TOPIC_ARN + "missing", Protocol="email", Endpoint="a@example.com")
    assert sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"] == []


def test_list_tags_for_missing_topic(sns):
    with aws_error("ResourceNotFound", "Resource does not exist", status=404):
        sns.list_tags_for_resource(ResourceArn=TOPIC_ARN + "missing")
