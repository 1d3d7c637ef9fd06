"""Application Auto Scaling and CloudWatch alarm fixes on top of moto 5.2.5, for
SageMaker endpoint variants (``sagemaker:variant:DesiredInstanceCount``).

moto 5.2.5 accepts PutScalingPolicy for targets that were never registered
(AWS: ``ObjectNotFoundException``), gives a policy a new ARN on every update and
leaks the old policy's alarms, creates no target-tracking alarms for SageMaker,
keeps a target's policies when it is deregistered (AWS deletes them), matches
DescribeScalingPolicies' ResourceId as a substring and ignores PolicyNames,
pages DescribeScalableTargets wrongly, answers ListTagsForResource /
TagResource / UntagResource / DescribeScalingActivities with a 500, accepts
MinCapacity > MaxCapacity and new targets without capacities, and validates few
request members.  For CloudWatch it starts new alarms ``OK`` (AWS:
``INSUFFICIENT_DATA``), resets an alarm's state and merges its tags when
PutMetricAlarm updates it (AWS keeps the state and ignores the tags),
keeps tags of deleted alarms, answers ListTagsForResource for unknown alarms
with no tags and SetAlarmState for unknown alarms without a message.
``install()`` patches those operations of moto's ``ApplicationAutoScalingResponse``
and ``CloudWatchBackend``; state stays on moto's backends, so moto's reset
clears it.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from moto.applicationautoscaling import models as aas_models
from moto.applicationautoscaling import responses as aas_responses
from moto.cloudwatch import models as cw_models
from moto.cloudwatch.exceptions import ResourceNotFound, ResourceNotFoundException
from moto.core.exceptions import JsonRESTError
from moto.moto_api._internal import mock_random

from . import sagemaker_endpoint_ext as ep
from . import sagemaker_ext
from .middleware import ControlNotFound
from .validation import ValidationFailure, validate_input

Response = aas_responses.ApplicationAutoScalingResponse
Backend = aas_models.ApplicationAutoscalingBackend
CloudWatchBackend = cw_models.CloudWatchBackend

SAGEMAKER_ROLE = (
    "arn:aws:iam::{account}:role/aws-service-role/sagemaker.application-autoscaling.amazonaws.com/"
    "AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint"
)
# PredefinedMetricType -> (CloudWatch metric, statistic) for the alarms target tracking creates
SAGEMAKER_METRICS = {
    "SageMakerVariantInvocationsPerInstance": ("InvocationsPerInstance", "Sum"),
    "SageMakerVariantProvisionedConcurrencyUtilization": ("ServerlessProvisionedConcurrencyUtilization", "Average"),
    "SageMakerVariantConcurrentRequestsPerModelHighResolution": ("ConcurrentRequestsPerModel", "Maximum"),
    "SageMakerInferenceComponentInvocationsPerCopy": ("InvocationsPerCopy", "Sum"),
    "SageMakerInferenceComponentConcurrentRequestsPerCopyHighResolution": ("ConcurrentRequestsPerCopy", "Maximum"),
}


class AASError(JsonRESTError):
    code = 400

    def __init__(self, error_type: str, message: str):
        super().__init__(error_type, message)


def _validation(message: str) -> AASError:
    return AASError("ValidationException", message)


def _not_registered(namespace: str, resource_id: str, dimension: str) -> AASError:
    return AASError(
        "ObjectNotFoundException",
        f"No scalable target registered for service namespace: {namespace}, resource ID: "
        f"{resource_id}, scalable dimension: {dimension}",
    )


def _json(payload: dict[str, Any]) -> tuple[int, dict[str, str], str]:
    return 200, {"Content-Type": "application/x-amz-json-1.1"}, json.dumps(payload)


def _params(self: Any) -> dict[str, Any]:
    try:
        return validate_input("application-autoscaling", self._get_action(), self.body)
    except ValidationFailure as failure:
        raise AASError(failure.code, failure.message)


def _backend(self: Any) -> Any:
    return self.applicationautoscaling_backend


def _target(backend: Any, resource_id: str, dimension: str) -> Any:
    return backend.targets.get(dimension, {}).get(resource_id)


# --------------------------------------------------------------------------
# Target-tracking alarms (AWS creates them; moto only does for ECS/DynamoDB)
# --------------------------------------------------------------------------


def _create_alarms(policy: Any) -> None:
    """SageMaker target tracking: AlarmHigh (3 x 1 min above target) and, unless
    scale-in is disabled, AlarmLow (15 x 1 min below 90 % of target)."""
    if policy.policy_type != "TargetTrackingScaling" or policy.service_namespace != "sagemaker":
        return
    from moto.cloudwatch.models import cloudwatch_backends

    cloudwatch = cloudwatch_backends[policy.account_id][policy.region_name]
    config = policy.target_tracking_scaling_policy_configuration or {}
    target = float(config.get("TargetValue", 0))
    predefined = (config.get("PredefinedMetricSpecification") or {}).get("PredefinedMetricType")
    custom = config.get("CustomizedMetricSpecification") or {}
    parts = policy.resource_id.split("/")
    dimensions = [{"Name": "EndpointName", "Value": parts[1] if len(parts) > 1 else ""}]
    if len(parts) > 3:
        dimensions.append({"Name": "VariantName", "Value": parts[3]})
    namespace = "AWS/SageMaker"
    metric, statistic = SAGEMAKER_METRICS.get(predefined or "", ("InvocationsPerInstance", "Sum"))
    if custom and custom.get("MetricName"):
        metric = custom["MetricName"]
        namespace = custom.get("Namespace", namespace)
        dimensions = list(custom.get("Dimensions") or dimensions)
        statistic = custom.get("Statistic", "Average")
    action = f"{policy.policy_arn}:createdBy/{mock_random.uuid4()}"
    description = f"DO NOT EDIT OR DELETE. For TargetTrackingScaling policy {action}."
    specs = [("AlarmHigh", "GreaterThanThreshold", 3, target)]
    if not config.get("DisableScaleIn"):
        specs.append(("AlarmLow", "LessThanThreshold", 15, round(target * 0.9, 6)))
    for suffix, operator, periods, threshold in specs:
        alarm = cloudwatch.put_metric_alarm(
            name=f"TargetTracking-{policy.resource_id}-{suffix}-{mock_random.uuid4()}",
            namespace=namespace,
            metric_name=metric,
            metric_data_queries=[],
            comparison_operator=operator,
            evaluation_periods=periods,
            datapoints_to_alarm=periods,
            period=60,
            threshold=threshold,
            statistic=statistic,
            description=description,
            dimensions=dimensions,
            alarm_actions=[action],
        )
        policy.alarms.append(alarm)


def _delete_policy(backend: Any, key: str) -> None:
    policy = backend.policies.pop(key)
    policy.delete_alarms(backend.account_id, backend.region_name)


def _deregister(backend: Any, resource_id: str, dimension: str) -> None:
    """AWS: deregistering a target deletes its scaling policies and scheduled actions."""
    target = _target(backend, resource_id, dimension)
    for key, policy in list(backend.policies.items()):
        if policy.resource_id == resource_id and policy.scalable_dimension == dimension:
            _delete_policy(backend, key)
    backend.scheduled_actions = [
        a
        for a in backend.scheduled_actions
        if not (a.resource_id == resource_id and a.scalable_dimension == dimension)
    ]
    if target is not None:
        del backend.targets[dimension][resource_id]


def deregister_endpoint_targets(account_id: str, region: str, endpoint_name: str) -> None:
    """Called by DeleteEndpoint: SageMaker deregisters the endpoint's variants."""
    try:
        backend = aas_models.applicationautoscaling_backends[account_id][region]
    except KeyError:
        return
    prefix = f"endpoint/{endpoint_name.lower()}/variant/"
    for dimension, targets in list(backend.targets.items()):
        for resource_id, target in list(targets.items()):
            if target.service_namespace == "sagemaker" and resource_id.lower().startswith(prefix):
                _deregister(backend, resource_id, dimension)


# "If you delete an endpoint, Application Auto Scaling ... deregisters those variants"
# (SageMaker developer guide): targets, their policies and alarms go.
ep.ENDPOINT_DELETED.append(deregister_endpoint_targets)


# --------------------------------------------------------------------------
# SageMaker variants as scalable targets
# --------------------------------------------------------------------------


def _sagemaker_variant(backend: Any, resource_id: str) -> Any:
    """(endpoint, variant) for endpoint/<name>/variant/<variant>, or raise like AWS."""
    from moto.sagemaker.models import sagemaker_backends

    parts = resource_id.split("/")
    sm = sagemaker_backends[backend.account_id][backend.region_name]
    endpoint = ep.endpoint_or_none(sm, parts[1]) if len(parts) == 4 else None
    variant = None
    if endpoint is not None:
        deployment = endpoint.current or endpoint.pending
        variant = deployment.variant(parts[3]) if deployment else None
    if endpoint is None or variant is None:
        raise _validation(f"The SageMaker endpoint variant {resource_id} does not exist.")
    return endpoint, variant


def _clamp(endpoint: Any, variant: Any, low: int | None, high: int | None) -> None:
    """Registering moves the variant's instance count inside [min, max], as
    Application Auto Scaling does right after registration."""
    if variant.count is None or endpoint.current is None:
        return
    count = variant.count
    if low is not None and count < low:
        count = low
    if high is not None and count > high:
        count = high
    if count != variant.count:
        variant.count = variant.desired_count = count


# --------------------------------------------------------------------------
# Response methods
# --------------------------------------------------------------------------


def _build_target(target: Any) -> dict[str, Any]:
    out = {
        "ServiceNamespace": target.service_namespace,
        "ResourceId": target.resource_id,
        "ScalableDimension": target.scalable_dimension,
        "MinCapacity": target.min_capacity,
        "MaxCapacity": target.max_capacity,
        "RoleARN": target.role_arn,
        "CreationTime": target.creation_time,
        "SuspendedState": target.suspended_state
        or {
            "DynamicScalingInSuspended": False,
            "DynamicScalingOutSuspended": False,
            "ScheduledScalingSuspended": False,
        },
        "ScalableTargetARN": target.arn,
    }
    return {k: v for k, v in out.items() if v is not None}


def _page(items: list[Any], params: dict[str, Any], default: int) -> tuple[list[Any], str | None]:
    start = 0
    token = params.get("NextToken")
    if token:
        try:
            start = int(token)
        except ValueError:
            raise _validation(f"Invalid NextToken: {token}")
    size = params.get("MaxResults") or default
    page = items[start : start + size]
    return page, (str(start + size) if start + size < len(items) else None)


def r_register_scalable_target(self: Any) -> tuple[int, dict[str, str], str]:
    p = _params(self)
    backend = _backend(self)
    namespace, resource_id, dimension = p["ServiceNamespace"], p["ResourceId"], p["ScalableDimension"]
    aas_models._target_params_are_valid(namespace, resource_id, dimension)
    existing = _target(backend, resource_id, dimension)
    low, high = p.get("MinCapacity"), p.get("MaxCapacity")
    if existing is None and (low is None or high is None):
        raise _validation(
            "MinCapacity and MaxCapacity are required when registering a new scalable target."
        )
    eff_low = low if low is not None else existing.min_capacity
    eff_high = high if high is not None else existing.max_capacity
    if eff_low is not None and eff_high is not None and eff_low > eff_high:
        raise _validation("Minimum capacity cannot be greater than maximum capacity.")
    variant = None
    if namespace == "sagemaker" and dimension == "sagemaker:variant:DesiredInstanceCount":
        variant = _sagemaker_variant(backend, resource_id)
    if namespace == "ecs":
        backend._ecs_service_exists_for_target(resource_id)
    if existing is not None:
        existing.update(low, high, p.get("SuspendedState"))
        target = existing
    else:
        role = p.get("RoleARN")
        if role is None and namespace == "sagemaker":
            role = SAGEMAKER_ROLE.format(account=backend.account_id)
        target = aas_models.FakeScalableTarget(
            backend, namespace, resource_id, dimension, low, high, role, p.get("SuspendedState")
        )
        target.tags = {}
        backend._add_scalable_target(target)
    if p.get("Tags"):
        target.__dict__.setdefault("tags", {}).update(p["Tags"])
    if variant is not None:
        _clamp(variant[0], variant[1], target.min_capacity, target.max_capacity)
    return _json({"ScalableTargetARN": target.arn})


def r_deregister_scalable_target(self: Any) -> tuple[int, dict[str, str], str]:
    p = _params(self)
    backend = _backend(self)
    if _target(backend, p["ResourceId"], p["ScalableDimension"]) is None:
        raise _not_registered(p["ServiceNamespace"], p["ResourceId"], p["ScalableDimension"])
    _deregister(backend, p["ResourceId"], p["ScalableDimension"])
    return _json({})


def r_describe_scalable_targets(self: Any) -> tuple[int, dict[str, str], str]:
    p = _params(self)
    targets = _backend(self).describe_scalable_targets(
        p["ServiceNamespace"], p.get("ResourceIds"), p.get("ScalableDimension")
    )
    page, token = _page(list(targets), p, 50)
    out: dict[str, Any] = {"ScalableTargets": [_build_target(t) for t in page]}
    if token:
        out["NextToken"] = token
    return _json(out)


def r_put_scaling_policy(self: Any) -> tuple[int, dict[str, str], str]:
    p = _params(self)
    backend = _backend(self)
    namespace, resource_id, dimension = p["ServiceNamespace"], p["ResourceId"], p["ScalableDimension"]
    if _target(backend, resource_id, dimension) is None:
        raise _not_registered(namespace, resource_id, dimension)
    policy_type = p.get("PolicyType", "StepScaling")
    body = (
        p.get("TargetTrackingScalingPolicyConfiguration")
        if policy_type == "TargetTrackingScaling"
        else p.get("StepScalingPolicyConfiguration")
        if policy_type == "StepScaling"
        else p.get("PredictiveScalingPolicyConfiguration")
    )
    if body is None:
        config = {
            "TargetTrackingScaling": "TargetTrackingScalingPolicyConfiguration",
            "StepScaling": "StepScalingPolicyConfiguration",
        }.get(policy_type, "PredictiveScalingPolicyConfiguration")
        raise _validation(f"{config} is required for a policy of type {policy_type}.")
    if policy_type == "TargetTrackingScaling" and not (
        body.get("PredefinedMetricSpecification") or body.get("CustomizedMetricSpecification")
    ):
        raise _validation(
            "Either PredefinedMetricSpecification or CustomizedMetricSpecification must be specified."
        )
    key = aas_models.FakeApplicationAutoscalingPolicy.formulate_key(
        namespace, resource_id, dimension, p["PolicyName"]
    )
    old = backend.policies.get(key)
    if old is not None:
        old.delete_alarms(backend.account_id, backend.region_name)
    policy = aas_models.FakeApplicationAutoscalingPolicy(
        account_id=backend.account_id,
        region_name=backend.region_name,
        policy_name=p["PolicyName"],
        service_namespace=namespace,
        resource_id=resource_id,
        scalable_dimension=dimension,
        policy_type=policy_type,
        policy_body=body,
    )
    if old is not None:  # an update keeps the policy's ARN and creation time
        policy._guid = old._guid
        policy.policy_arn = old.policy_arn
        policy.creation_time = old.creation_time
        for alarm in policy.alarms:  # moto's own ECS/DynamoDB alarms name the new ARN
            alarm.alarm_actions = [a.replace(str(policy._guid), str(old._guid)) for a in alarm.alarm_actions]
    _create_alarms(policy)
    backend.policies[key] = policy
    return _json({"PolicyARN": policy.policy_arn, "Alarms": aas_responses._build_alarms(policy)})


def r_describe_scaling_policies(self: Any) -> tuple[int, dict[str, str], str]:
    p = _params(self)
    names = p.get("PolicyNames")
    policies = [
        policy
        for policy in _backend(self).policies.values()
        if policy.service_namespace == p["ServiceNamespace"]
        and (p.get("ResourceId") is None or policy.resource_id == p["ResourceId"])
        and (p.get("ScalableDimension") is None or policy.scalable_dimension == p["ScalableDimension"])
        and (not names or policy.policy_name in names)
    ]
    page, token = _page(policies, p, 50)
    out: dict[str, Any] = {"ScalingPolicies": [aas_responses._build_policy(x) for x in page]}
    if token:
        out["NextToken"] = token
    return _json(out)


def r_delete_scaling_policy(self: Any) -> tuple[int, dict[str, str], str]:
    p = _params(self)
    backend = _backend(self)
    key = aas_models.FakeApplicationAutoscalingPolicy.formulate_key(
        p["ServiceNamespace"], p["ResourceId"], p["ScalableDimension"], p["PolicyName"]
    )
    if key not in backend.policies:
        raise AASError(
            "ObjectNotFoundException",
            f"No scaling policy found for service namespace: {p['ServiceNamespace']}, resource ID: "
            f"{p['ResourceId']}, scalable dimension: {p['ScalableDimension']}, policy name: {p['PolicyName']}",
        )
    _delete_policy(backend, key)
    return _json({})


def r_describe_scaling_activities(self: Any) -> tuple[int, dict[str, str], str]:
    """The emulator runs no scaling activities (the capacity control route changes
    counts directly), so the history is always empty."""
    _params(self)
    return _json({"ScalingActivities": []})


def _target_by_arn(backend: Any, arn: str) -> Any:
    for targets in backend.targets.values():
        for target in targets.values():
            if target.arn == arn:
                return target
    raise AASError("ResourceNotFoundException", f"No scalable target found for ARN: {arn}")


def r_list_tags_for_resource(self: Any) -> tuple[int, dict[str, str], str]:
    p = _params(self)
    target = _target_by_arn(_backend(self), p["ResourceARN"])
    return _json({"Tags": dict(getattr(target, "tags", {}) or {})})


def r_tag_resource(self: Any) -> tuple[int, dict[str, str], str]:
    p = _params(self)
    target = _target_by_arn(_backend(self), p["ResourceARN"])
    tags = target.__dict__.setdefault("tags", {})
    tags.update(p["Tags"])
    if len(tags) > 50:
        raise AASError("TooManyTagsException", "A resource can have at most 50 tags.")
    return _json({})


def r_untag_resource(self: Any) -> tuple[int, dict[str, str], str]:
    p = _params(self)
    target = _target_by_arn(_backend(self), p["ResourceARN"])
    tags = target.__dict__.setdefault("tags", {})
    for key in p["TagKeys"]:
        tags.pop(key, None)
    return _json({})


RESPONSE_METHODS = {
    "register_scalable_target": r_register_scalable_target,
    "deregister_scalable_target": r_deregister_scalable_target,
    "describe_scalable_targets": r_describe_scalable_targets,
    "put_scaling_policy": r_put_scaling_policy,
    "describe_scaling_policies": r_describe_scaling_policies,
    "delete_scaling_policy": r_delete_scaling_policy,
    "describe_scaling_activities": r_describe_scaling_activities,
    "list_tags_for_resource": r_list_tags_for_resource,
    "tag_resource": r_tag_resource,
    "untag_resource": r_untag_resource,
}


# --------------------------------------------------------------------------
# CloudWatch
# --------------------------------------------------------------------------

_original_put_metric_alarm = CloudWatchBackend.put_metric_alarm
_original_delete_alarms = CloudWatchBackend.delete_alarms
_original_set_alarm_state = CloudWatchBackend.set_alarm_state
_original_list_tags = CloudWatchBackend.list_tags_for_resource


def put_metric_alarm(self: Any, name: str, *args: Any, **kwargs: Any) -> Any:
    """AWS: a new alarm starts INSUFFICIENT_DATA; updating an alarm keeps its state;
    Tags are ignored on update."""
    old = self.alarms.get(name)
    if old is not None:
        kwargs["tags"] = None
    alarm = _original_put_metric_alarm(self, name, *args, **kwargs)
    if old is not None:
        for attr in ("state_value", "state_reason", "state_reason_data", "state_updated_timestamp", "history"):
            if hasattr(old, attr):
                setattr(alarm, attr, getattr(old, attr))
    else:
        # "When this operation creates an alarm, the alarm state is immediately set to
        # INSUFFICIENT_DATA" (PutMetricAlarm reference); moto says OK.
        alarm.state_value = "INSUFFICIENT_DATA"
    return alarm


def delete_alarms(self: Any, alarm_names: list[str]) -> None:
    for name in alarm_names:
        alarm = self.alarms.get(name)
        if alarm is not None:
            self.tagger.delete_all_tags_for_resource(alarm.alarm_arn)
    _original_delete_alarms(self, alarm_names)


def set_alarm_state(self: Any, alarm_name: str, reason: str, reason_data: str, state_value: str) -> None:
    if alarm_name not in self.alarms and state_value in ("OK", "ALARM", "INSUFFICIENT_DATA"):
        raise ResourceNotFound(f"Alarm {alarm_name} not found")
    _original_set_alarm_state(self, alarm_name, reason, reason_data, state_value)


def list_tags_for_resource(self: Any, arn: str) -> dict[str, str]:
    known = {a.alarm_arn for a in self.alarms.values()} | {r.rule_arn for r in self.insight_rules.values()}
    if arn not in known:
        raise ResourceNotFoundException("The named resource does not exist.")
    return _original_list_tags(self, arn)


# --------------------------------------------------------------------------
# Control API
# --------------------------------------------------------------------------


def set_alarm_state_route(spec: dict[str, Any]) -> dict[str, Any]:
    """POST /_emulator/cloudwatch/alarm-state {"alarm", "state", "reason"?, "region"?,
    "account"?}: SetAlarmState for harnesses without a CloudWatch client."""
    from moto.cloudwatch.models import cloudwatch_backends

    name = spec.get("alarm")
    state = spec.get("state")
    if not isinstance(name, str) or not name or state not in ("OK", "ALARM", "INSUFFICIENT_DATA"):
        raise ValueError('body must be {"alarm": <name>, "state": "OK"|"ALARM"|"INSUFFICIENT_DATA", "reason"?: <string>}')
    reason = spec.get("reason") or "Set through the emulator control API"
    with sagemaker_ext._LOCK:
        found = [
            backend
            for account, region, backend in list(cloudwatch_backends.iter_backends())
            if name in backend.alarms
            and spec.get("region") in (None, region)
            and spec.get("account") in (None, account)
        ]
        if not found:
            raise ControlNotFound(f"no alarm {name}")
        if len(found) > 1:
            raise ValueError(f'alarm {name} exists in several regions/accounts: give "region" and "account"')
        found[0].alarms[name].update_state(reason, "{}", state)
        return {"alarm": name, "state": state, "region": found[0].region_name, "account": found[0].account_id}


CONTROL_ROUTES = {("POST", "/cloudwatch/alarm-state"): set_alarm_state_route}


def _locked(func: Any) -> Any:
    """Serialized with the SageMaker operations (one lock: DeleteEndpoint and
    UpdateEndpoint read and change Application Auto Scaling state)."""

    @functools.wraps(func)
    def wrapper(self: Any) -> Any:
        with sagemaker_ext._LOCK:
            return func(self)

    return wrapper


_installed = False


def install() -> None:
    """Patch moto's Application Auto Scaling responses and CloudWatch backend (idempotent)."""
    global _installed
    if _installed:
        return
    for name, func in RESPONSE_METHODS.items():
        setattr(Response, name, _locked(func))
    CloudWatchBackend.put_metric_alarm = put_metric_alarm
    CloudWatchBackend.delete_alarms = delete_alarms
    CloudWatchBackend.set_alarm_state = set_alarm_state
    CloudWatchBackend.list_tags_for_resource = list_tags_for_resource
    _installed = True

