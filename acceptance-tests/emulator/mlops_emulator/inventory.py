"""``GET /_emulator/inventory``: what exists right now, across every account and
region moto has a backend for, for "after destroy nothing is left" checks.

Shape (every list sorted, every key present even when empty)::

    {
      "sagemaker": {"pipelines": [name], "model_package_groups": [name],
                    "model_packages": [arn], "models": [name],
                    "endpoint_configs": [name], "endpoints": [name],
                    "data_quality_job_definitions": [name],
                    "model_quality_job_definitions": [name],
                    "monitoring_schedules": [name], "feature_groups": [name]},
      "events": {"rules": {rule: [target id]}, "connections": [name],
                 "api_destinations": [name]},
      "sns": {"topics": {topic arn: [subscription arn]}},
      "iam": {"roles": {role: [inline policy name]}},
      "cloudwatch": {"alarms": [name]},
      "application-autoscaling": {"scalable_targets": {resource id: [dimension]},
                                  "scaling_policies": {resource id: [policy name]}}
    }

Rules on a custom event bus are keyed ``<bus>/<rule>``.  Pending SNS
subscriptions are listed by their real ARN.  Endpoints, monitoring schedules
and feature groups are advanced to where their clock says they are first, so
one whose deletion has finished is gone; one still being deleted is listed.
"""

from __future__ import annotations

from typing import Any


def _backends(backend_dict: Any) -> list[Any]:
    # iter_backends only walks backends that already exist (it never creates one)
    return [backend for _, _, backend in list(backend_dict.iter_backends())]


def inventory() -> dict[str, Any]:
    from moto.applicationautoscaling.models import applicationautoscaling_backends
    from moto.cloudwatch.models import cloudwatch_backends
    from moto.events.models import events_backends
    from moto.iam.models import iam_backends
    from moto.sagemaker.models import sagemaker_backends
    from moto.sns.models import sns_backends

    from . import (
        sagemaker_endpoint_ext,
        sagemaker_ext,
        sagemaker_feature_store_ext,
        sagemaker_monitor_ext,
    )

    pipelines: set[str] = set()
    groups: set[str] = set()
    packages: set[str] = set()
    models: set[str] = set()
    configs: set[str] = set()
    endpoints: set[str] = set()
    quality: dict[str, set[str]] = {"DataQuality": set(), "ModelQuality": set()}
    schedules: set[str] = set()
    feature_groups: set[str] = set()
    with sagemaker_ext._LOCK:
        for backend in _backends(sagemaker_backends):
            pipelines.update(p.pipeline_name for p in list(backend.pipelines.values()))
            for group in list(backend.model_package_groups.values()):
                if isinstance(group, sagemaker_ext.EmuModelPackageGroup):
                    groups.add(group.model_package_group_name)
            packages.update(list(backend.model_packages))
            models.update(m.model_name for m in list(backend._models.values()))
            configs.update(c.endpoint_config_name for c in list(backend.endpoint_configs.values()))
            endpoints.update(e.endpoint_name for e in sagemaker_endpoint_ext.all_endpoints(backend))
            for kind, names in quality.items():
                for item in list(sagemaker_monitor_ext._definitions(backend, kind).values()):
                    names.add(item.job_definition_name)
            schedules.update(s.name for s in sagemaker_monitor_ext.all_schedules(backend))
            feature_groups.update(
                g.feature_group_name for g in sagemaker_feature_store_ext.all_groups(backend)
            )

    rules: dict[str, list[str]] = {}
    connections: set[str] = set()
    destinations: set[str] = set()
    for backend in _backends(events_backends):
        for bus in list(backend.event_buses.values()):
            for rule in list(bus.rules.values()):
                key = rule.name if bus.name == "default" else f"{bus.name}/{rule.name}"
                rules[key] = sorted(t["Id"] for t in rule.targets)
        connections.update(backend.connections)
        destinations.update(backend.destinations)

    topics: dict[str, list[str]] = {}
    for backend in _backends(sns_backends):
        for arn, topic in list(backend.topics.items()):
            topics[arn] = sorted(
                s.arn for s in list(backend.subscriptions.values()) if s.topic is topic
            )

    roles: dict[str, list[str]] = {}
    for backend in _backends(iam_backends):
        for role in list(backend.roles.values()):
            roles[role.name] = sorted(role.policies)

    alarms: set[str] = set()
    for backend in _backends(cloudwatch_backends):
        alarms.update(list(backend.alarms))

    targets: dict[str, list[str]] = {}
    policies: dict[str, list[str]] = {}
    for backend in _backends(applicationautoscaling_backends):
        for dimension, by_resource in list(backend.targets.items()):
            for resource_id in list(by_resource):
                targets.setdefault(resource_id, []).append(dimension)
        for policy in list(backend.policies.values()):
            policies.setdefault(policy.resource_id, []).append(policy.policy_name)

    return {
        "sagemaker": {
            "pipelines": sorted(pipelines),
            "model_package_groups": sorted(groups),
            "model_packages": sorted(packages),
            "models": sorted(models),
            "endpoint_configs": sorted(configs),
            "endpoints": sorted(endpoints),
            "data_quality_job_definitions": sorted(quality["DataQuality"]),
            "model_quality_job_definitions": sorted(quality["ModelQuality"]),
            "monitoring_schedules": sorted(schedules),
            "feature_groups": sorted(feature_groups),
        },
        "events": {
            "rules": dict(sorted(rules.items())),
            "connections": sorted(connections),
            "api_destinations": sorted(destinations),
        },
        "sns": {"topics": dict(sorted(topics.items()))},
        "iam": {"roles": dict(sorted(roles.items()))},
        "cloudwatch": {"alarms": sorted(alarms)},
        "application-autoscaling": {
            "scalable_targets": {k: sorted(v) for k, v in sorted(targets.items())},
            "scaling_policies": {k: sorted(v) for k, v in sorted(policies.items())},
        },
    }
