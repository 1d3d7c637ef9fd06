"""SNS topics and subscriptions on top of moto 5.2.5.

moto 5.2.5 returns the existing topic when CreateTopic repeats a name with
different attributes or tags (AWS: ``InvalidParameter``), accepts and silently
drops unknown topic attribute names, answers a Policy that is not JSON with a
500, confirms every subscription at once (AWS: email, email-json, http and
https subscriptions stay pending; Subscribe returns ``pending confirmation``
unless ReturnSubscriptionArn is set; ListSubscriptionsByTopic shows
``PendingConfirmation``; Unsubscribe refuses them), accepts any email address
and any SubscriptionArn in Unsubscribe, and reports SubscriptionsPending /
SubscriptionsConfirmed as 0 forever.  ``install()`` replaces those operations
of moto's ``SNSResponse``; the request parameters (parsed by moto from the
query-protocol form) are validated against the botocore API model first.
State stays on moto's ``SNSBackend`` (topics, subscriptions), so moto's reset
clears it.
"""

from __future__ import annotations

import functools
import json
import re
import threading
from typing import Any

from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult, EmptyResult
from moto.sns import models as sns_models
from moto.sns import responses as sns_responses
from moto.sns.exceptions import SNSInvalidParameter

from .validation import ValidationFailure, validate_params

Response = sns_responses.SNSResponse

PENDING_PROTOCOLS = ("email", "email-json", "http", "https")
PENDING_ARN = "pending confirmation"
PENDING_LISTED = "PendingConfirmation"

# SetTopicAttributes AttributeName values (API reference); FifoTopic only at creation.
SETTABLE = frozenset(
    [
        "DeliveryPolicy",
        "DisplayName",
        "Policy",
        "TracingConfig",
        "KmsMasterKeyId",
        "SignatureVersion",
        "ContentBasedDeduplication",
        "ArchivePolicy",
        "FifoThroughputScope",
    ]
    + [
        f"{proto}{kind}"
        for proto in ("Application", "HTTP", "Lambda", "Firehose", "SQS")
        for kind in ("SuccessFeedbackRoleArn", "SuccessFeedbackSampleRate", "FailureFeedbackRoleArn")
    ]
)
CREATABLE = SETTABLE | {"FifoTopic"}
_EMAIL = re.compile(r"[^@\s;,]+@[^@\s;,]+\.[^@\s;,]+")


class SnsValidationError(ServiceException):
    code = "ValidationError"


def _params(self: Any, operation: str) -> dict[str, Any]:
    try:
        return validate_params("sns", operation, self.params)
    except ValidationFailure as failure:
        raise SnsValidationError(failure.message)


# --------------------------------------------------------------------------
# Topic attributes
# --------------------------------------------------------------------------


def _normalized_policy(value: str) -> str:
    """SNS re-serializes the policy compactly and adds the Version it defaults to."""
    try:
        policy = json.loads(value)
    except ValueError:
        policy = None
    if not isinstance(policy, dict):
        raise SNSInvalidParameter("Invalid parameter: Policy Error: null")
    if "Version" not in policy:
        policy = {"Version": "2008-10-17", **policy}
    return json.dumps(policy, separators=(",", ":"))


def _extra(topic: Any) -> dict[str, str]:
    return topic.__dict__.setdefault("_emu_attrs", {})


def _set_attribute(topic: Any, name: str, value: str) -> None:
    if name == "Policy":
        topic.policy = _normalized_policy(value)
    elif name == "DisplayName":
        topic.display_name = value
    elif name == "DeliveryPolicy":
        topic.delivery_policy = value
    elif name == "KmsMasterKeyId":
        topic.kms_master_key_id = value
    elif name == "ContentBasedDeduplication":
        topic.content_based_deduplication = str(value).lower() == "true"
    elif name == "FifoTopic":
        topic.fifo_topic = str(value).lower() == "true"
    else:
        _extra(topic)[name] = value


def _pending(subscription: Any) -> bool:
    return bool(subscription.__dict__.get("_emu_pending"))


def topic_attributes(backend: Any, topic: Any) -> dict[str, str]:
    subs = [s for s in backend.subscriptions.values() if s.topic is topic]
    pending = sum(1 for s in subs if _pending(s))
    out = {
        "Owner": topic.account_id,
        "Policy": topic.policy,
        "TopicArn": topic.arn,
        "DisplayName": topic.display_name,
        "SubscriptionsPending": str(pending),
        "SubscriptionsConfirmed": str(len(subs) - pending),
        "SubscriptionsDeleted": "0",
        "EffectiveDeliveryPolicy": topic.effective_delivery_policy,
    }
    if topic.delivery_policy:
        out["DeliveryPolicy"] = topic.delivery_policy
    if topic.kms_master_key_id:
        out["KmsMasterKeyId"] = topic.kms_master_key_id
    if topic.fifo_topic:
        out["FifoTopic"] = "true"
        out["ContentBasedDeduplication"] = "true" if topic.content_based_deduplication else "false"
    out.update(_extra(topic))
    return out


def _same(name: str, given: str, current: str | None) -> bool:
    if current is None:
        return False
    if name == "Policy":
        return _normalized_policy(given) == current
    if name in ("FifoTopic", "ContentBasedDeduplication"):
        return str(given).lower() == str(current).lower()
    return given == current


# --------------------------------------------------------------------------
# Response (wire) methods
# --------------------------------------------------------------------------


def r_create_topic(self: Any) -> ActionResult:
    p = _params(self, "CreateTopic")
    backend = self.backend
    attributes: dict[str, str] = p.get("Attributes") or {}
    for name, value in attributes.items():
        if name not in CREATABLE:
            raise SNSInvalidParameter(f"Invalid parameter: Attributes Reason: Unknown attribute: {name}")
        if name == "Policy":
            _normalized_policy(value)
    tags = {t["Key"]: t["Value"] for t in p.get("Tags") or []}
    arn = sns_models.make_arn_for_topic(backend.account_id, p["Name"], backend.region_name)
    existing = backend.topics.get(arn)
    if existing is not None:
        current = topic_attributes(backend, existing)
        if any(not _same(n, v, current.get(n)) for n, v in attributes.items()):
            raise SNSInvalidParameter(
                "Invalid parameter: Attributes Reason: Topic already exists with different attributes"
            )
        if tags and tags != existing._tags:
            raise SNSInvalidParameter(
                "Invalid parameter: Tags Reason: Topic already exists with different tags"
            )
        return ActionResult({"TopicArn": existing.arn})
    fifo = {"FifoTopic": str(attributes["FifoTopic"]).lower() == "true"} if "FifoTopic" in attributes else {}
    topic = backend.create_topic(p["Name"], fifo, tags)
    for name, value in attributes.items():
        _set_attribute(topic, name, value)
    return ActionResult({"TopicArn": topic.arn})


def r_get_topic_attributes(self: Any) -> ActionResult:
    p = _params(self, "GetTopicAttributes")
    topic = self.backend.get_topic(p["TopicArn"])
    return ActionResult({"Attributes": topic_attributes(self.backend, topic)})


def r_set_topic_attributes(self: Any) -> EmptyResult:
    p = _params(self, "SetTopicAttributes")
    topic = self.backend.get_topic(p["TopicArn"])
    name = p["AttributeName"]
    if name not in SETTABLE:
        raise SNSInvalidParameter("Invalid parameter: AttributeName")
    _set_attribute(topic, name, p.get("AttributeValue") or "")
    return EmptyResult()


def r_subscribe(self: Any) -> ActionResult:
    p = _params(self, "Subscribe")
    backend = self.backend
    topic_arn, protocol, endpoint = p["TopicArn"], p["Protocol"], p.get("Endpoint")
    backend.get_topic(topic_arn)  # NotFound: Topic does not exist
    if protocol in ("email", "email-json") and not _EMAIL.fullmatch(endpoint or ""):
        raise SNSInvalidParameter("Invalid parameter: Email address")
    existing = backend._find_subscription(topic_arn, endpoint, protocol)
    subscription = backend.subscribe(topic_arn, endpoint, protocol)
    if existing is None and protocol in PENDING_PROTOCOLS:
        subscription._emu_pending = True
        subscription.attributes["PendingConfirmation"] = "true"
        subscription.attributes["ConfirmationWasAuthenticated"] = "false"
    attributes = dict(p.get("Attributes") or {})
    if "FilterPolicyScope" in attributes:
        backend.set_subscription_attributes(
            subscription.arn, "FilterPolicyScope", attributes.pop("FilterPolicyScope")
        )
    for name, value in attributes.items():
        backend.set_subscription_attributes(subscription.arn, name, value)
    if _pending(subscription) and not p.get("ReturnSubscriptionArn"):
        return ActionResult({"SubscriptionArn": PENDING_ARN})
    return ActionResult({"SubscriptionArn": subscription.arn})


def r_unsubscribe(self: Any) -> EmptyResult:
    p = _params(self, "Unsubscribe")
    arn = p["SubscriptionArn"]
    elements = len(arn.split(":"))
    if elements < 6:
        raise SNSInvalidParameter(
            f"Invalid parameter: SubscriptionArn Reason: An ARN must have at least 6 elements, not {elements}"
        )
    subscription = self.backend.subscriptions.get(arn)
    if subscription is not None and _pending(subscription):
        raise SNSInvalidParameter(
            "Invalid parameter: SubscriptionArn Reason: Cannot unsubscribe a subscription "
            "that is pending confirmation"
        )
    self.backend.unsubscribe(arn)
    return EmptyResult()


def _listed(subscription: Any) -> dict[str, str]:
    return {
        "SubscriptionArn": PENDING_LISTED if _pending(subscription) else subscription.arn,
        "Owner": subscription.owner,
        "Protocol": subscription.protocol,
        "Endpoint": subscription.endpoint,
        "TopicArn": subscription.topic.arn,
    }


def r_list_subscriptions_by_topic(self: Any) -> ActionResult:
    p = _params(self, "ListSubscriptionsByTopic")
    subs, token = self.backend.list_subscriptions_by_topic(p["TopicArn"], next_token=p.get("NextToken"))
    out: dict[str, Any] = {"Subscriptions": [_listed(s) for s in subs]}
    if token:
        out["NextToken"] = str(token)
    return ActionResult(out)


def r_list_subscriptions(self: Any) -> ActionResult:
    p = _params(self, "ListSubscriptions")
    subs, token = self.backend.list_subscriptions(next_token=p.get("NextToken"))
    out: dict[str, Any] = {"Subscriptions": [_listed(s) for s in subs]}
    if token:
        out["NextToken"] = str(token)
    return ActionResult(out)


RESPONSE_METHODS = {
    "create_topic": r_create_topic,
    "get_topic_attributes": r_get_topic_attributes,
    "set_topic_attributes": r_set_topic_attributes,
    "subscribe": r_subscribe,
    "unsubscribe": r_unsubscribe,
    "list_subscriptions_by_topic": r_list_subscriptions_by_topic,
    "list_subscriptions": r_list_subscriptions,
}

_LOCK = threading.RLock()


def _locked(func: Any) -> Any:
    @functools.wraps(func)
    def wrapper(self: Any) -> Any:
        with _LOCK:
            return func(self)

    return wrapper


_installed = False


def install() -> None:
    """Patch moto's SNSResponse (idempotent)."""
    global _installed
    if _installed:
        return
    for name, func in RESPONSE_METHODS.items():
        setattr(Response, name, _locked(func))
    _installed = True
