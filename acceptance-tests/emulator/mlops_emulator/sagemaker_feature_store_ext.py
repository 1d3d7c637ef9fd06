"""SageMaker Feature Store feature groups on top of moto 5.2.5.

moto 5.2.5 has CreateFeatureGroup and DescribeFeatureGroup only: no
UpdateFeatureGroup, DeleteFeatureGroup, ListFeatureGroups or feature metadata;
groups are ``Created`` at once; OnlineStoreConfig, Description, ThroughputConfig
and feature metadata are dropped; a group without OfflineStoreConfig crashes
CreateFeatureGroup; a missing group is a 500 (KeyError); nothing is validated.
``install()`` replaces those operations of moto's ``SageMakerResponse``; groups
live in moto's per-account/per-region ``feature_groups`` dict (keyed by ARN,
as moto keys it), so moto's reset clears them.

Behaviour (kept in step with the emulator's README and tests):

* ARN ``arn:<partition>:sagemaker:<region>:<account>:feature-group/<name lowercased>``;
  names are unique case-insensitively; lookups by name or ARN ignore case.
* ``Creating`` -> ``Created`` after the endpoint delay (``CreateFailed`` with a
  FailureReason when the offline store S3Uri contains ``mlops-fail``);
  ``Deleting`` -> gone after one delay; an update shows
  ``LastUpdateStatus: InProgress`` for one delay and is applied when it turns
  ``Successful``.
"""

from __future__ import annotations

import copy
import datetime
from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.sagemaker import models as sm_models
from moto.sagemaker.exceptions import SagemakerClientError

from . import sagemaker_endpoint_ext as hosting
from . import sagemaker_ext as ext
from .sagemaker_ext import ValidationException

Response = ext.Response

FAIL_MARKER = hosting.FAIL_MARKER
RESERVED_FEATURE_NAMES = ("is_deleted", "write_time", "api_invocation_time")
MAX_FEATURES = 2500
MAX_PARAMETERS = 25


class ResourceNotFound(SagemakerClientError):
    code = "ResourceNotFound"


class ResourceInUse(SagemakerClientError):
    code = "ResourceInUse"


class ResourceLimitExceeded(SagemakerClientError):
    code = "ResourceLimitExceeded"


def _not_found(name: str) -> ResourceNotFound:
    # the featurestore-runtime text for an unknown group (sagemaker-python-sdk #2606)
    return ResourceNotFound(f"Resource Not Found: Amazon SageMaker can't find a FeatureGroup with name {name}")


class Feature:
    def __init__(self, definition: dict[str, Any], at: datetime.datetime):
        self.definition = copy.deepcopy(definition)
        self.creation_time = at
        self.last_modified_time = at
        self.description: str | None = None
        self.parameters: dict[str, str] = {}

    @property
    def name(self) -> str:
        return self.definition["FeatureName"]


class EmuFeatureGroup(sm_models.BaseObject):
    def __init__(self, backend: Any, params: dict[str, Any]):
        self.backend = backend
        self.feature_group_name: str = params["FeatureGroupName"]
        self.arn = ext._arn(backend, f"feature-group/{self.feature_group_name.lower()}")
        self.creation_time = ext._now()
        self.last_modified_time: datetime.datetime | None = None
        self.record_identifier_feature_name: str = params["RecordIdentifierFeatureName"]
        self.event_time_feature_name: str = params["EventTimeFeatureName"]
        self.features = [Feature(d, self.creation_time) for d in params["FeatureDefinitions"]]
        self.online_store_config = copy.deepcopy(params.get("OnlineStoreConfig"))
        self.offline_store_config = self._offline(params.get("OfflineStoreConfig"))
        throughput = copy.deepcopy(params.get("ThroughputConfig")) or {"ThroughputMode": "OnDemand"}
        self.throughput_config = throughput
        self.role_arn: str | None = params.get("RoleArn")
        self.description: str | None = params.get("Description")
        self.tags = list(params.get("Tags") or [])
        self.status = "Creating"
        self.failure_reason: str | None = None
        self.last_update: dict[str, Any] | None = None
        self.pending_update: dict[str, Any] | None = None
        self.phase: str | None = "create"
        self.ready_at: datetime.datetime | None = self.creation_time + hosting._delay()
        self.gone = False
        self.seq = next(ext._SEQUENCE)

    def _offline(self, config: dict[str, Any] | None) -> dict[str, Any] | None:
        """OfflineStoreConfig as DescribeFeatureGroup returns it: ResolvedOutputS3Uri and,
        unless DisableGlueTableCreation, the Glue table Feature Store creates
        (formats from a DescribeFeatureGroup response in aws-controllers-k8s)."""
        if config is None:
            return None
        out = copy.deepcopy(config)
        stamp = int(self.creation_time.timestamp())
        s3 = out["S3StorageConfig"]
        region, account = self.backend.region_name, self.backend.account_id
        s3["ResolvedOutputS3Uri"] = (
            f"{s3['S3Uri'].rstrip('/')}/{account}/sagemaker/{region}/offline-store/"
            f"{self.feature_group_name}-{stamp}/data"
        )
        out.setdefault("DisableGlueTableCreation", False)
        if "DataCatalogConfig" not in out and not out["DisableGlueTableCreation"]:
            # "Feature Store auto-generates the table name following Athena's naming recommendations"
            out["DataCatalogConfig"] = {
                "TableName": f"{self.feature_group_name.lower().replace('-', '_')}_{stamp}",
                "Catalog": "AwsDataCatalog",
                "Database": "sagemaker_featurestore",
            }
        return out

    # moto's own code paths read these
    @property
    def feature_definitions(self) -> list[dict[str, Any]]:
        return [copy.deepcopy(f.definition) for f in self.features]

    @property
    def feature_group_status(self) -> str:
        return self.status

    @property
    def online_enabled(self) -> bool:
        return bool((self.online_store_config or {}).get("EnableOnlineStore"))

    @property
    def offline_store_status(self) -> str | None:
        if self.offline_store_config is None or self.status != "Created":
            return None
        return "Active"

    def feature(self, name: str) -> Feature | None:
        return next((f for f in self.features if f.name == name), None)

    # -- the clock ---------------------------------------------------------

    def advance(self, now: datetime.datetime | None = None) -> None:
        now = now or ext._now()
        if self.gone or self.ready_at is None or now < self.ready_at:
            return
        at = self.ready_at
        self.ready_at = None
        phase, self.phase = self.phase, None
        if phase == "create":
            uri = ((self.offline_store_config or {}).get("S3StorageConfig") or {}).get("S3Uri", "")
            if FAIL_MARKER in uri:
                self.status = "CreateFailed"
                self.failure_reason = (
                    f"Failed to create the offline store for feature group {self.feature_group_name}: "
                    f"Access Denied for {uri}."
                )
            else:
                self.status = "Created"
        elif phase == "update":
            self._apply(self.pending_update or {}, at)
            self.pending_update = None
            self.last_update = {"Status": "Successful"}
        elif phase == "delete":
            self.gone = True
            for key, value in list(self.backend.feature_groups.items()):
                if value is self:
                    del self.backend.feature_groups[key]

    def _apply(self, update: dict[str, Any], at: datetime.datetime) -> None:
        for definition in update.get("FeatureAdditions") or []:
            self.features.append(Feature(definition, at))
        online = update.get("OnlineStoreConfig")
        if online is not None:
            config = self.online_store_config if self.online_store_config is not None else {}
            if "TtlDuration" in online:
                ttl = online["TtlDuration"] or {}
                if ttl.get("Unit") is None and ttl.get("Value") is None:
                    config.pop("TtlDuration", None)  # "set the TtlDuration Unit and Value to null"
                else:
                    config["TtlDuration"] = dict(ttl)
            if online.get("StorageType") is not None:
                config["StorageType"] = online["StorageType"]
            self.online_store_config = config
        throughput = update.get("ThroughputConfig")
        if throughput is not None:
            config = dict(self.throughput_config)
            config.update(throughput)
            if config.get("ThroughputMode") == "OnDemand":
                config.pop("ProvisionedReadCapacityUnits", None)
                config.pop("ProvisionedWriteCapacityUnits", None)
            self.throughput_config = config

    # -- output ----------------------------------------------------------------

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "FeatureGroupArn": self.arn,
            "FeatureGroupName": self.feature_group_name,
            "RecordIdentifierFeatureName": self.record_identifier_feature_name,
            "EventTimeFeatureName": self.event_time_feature_name,
            "FeatureDefinitions": self.feature_definitions,
            "CreationTime": self.creation_time,
            "ThroughputConfig": copy.deepcopy(self.throughput_config),
            "FeatureGroupStatus": self.status,
        }
        optional = {
            "LastModifiedTime": self.last_modified_time,
            "OnlineStoreConfig": copy.deepcopy(self.online_store_config),
            "OfflineStoreConfig": copy.deepcopy(self.offline_store_config),
            "RoleArn": self.role_arn,
            "LastUpdateStatus": copy.deepcopy(self.last_update),
            "FailureReason": self.failure_reason,
            "Description": self.description,
        }
        out.update({k: v for k, v in optional.items() if v is not None})
        if self.offline_store_status is not None:
            out["OfflineStoreStatus"] = {"Status": self.offline_store_status}
        if self.online_enabled and self.status == "Created":
            out["OnlineStoreTotalSizeBytes"] = 0
        return out

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "FeatureGroupName": self.feature_group_name,
            "FeatureGroupArn": self.arn,
            "CreationTime": self.creation_time,
            "FeatureGroupStatus": self.status,
        }
        if self.offline_store_status is not None:
            out["OfflineStoreStatus"] = {"Status": self.offline_store_status}
        return out


# --------------------------------------------------------------------------
# Lookups
# --------------------------------------------------------------------------


def _name_of(name_or_arn: str) -> str:
    return name_or_arn.rsplit("/", 1)[-1] if name_or_arn.startswith("arn:") else name_or_arn


def group_or_none(backend: Any, name_or_arn: str) -> EmuFeatureGroup | None:
    if name_or_arn.startswith("arn:"):
        wanted = name_or_arn.lower()
    else:
        wanted = ext._arn(backend, f"feature-group/{name_or_arn.lower()}").lower()
    for group in list(backend.feature_groups.values()):
        if isinstance(group, EmuFeatureGroup) and group.arn.lower() == wanted:
            group.advance()
            if not group.gone:
                return group
    return None


def require_group(backend: Any, name_or_arn: str) -> EmuFeatureGroup:
    group = group_or_none(backend, name_or_arn)
    if group is None:
        raise _not_found(_name_of(name_or_arn))
    return group


def all_groups(backend: Any) -> list[EmuFeatureGroup]:
    out = []
    for group in list(backend.feature_groups.values()):
        if isinstance(group, EmuFeatureGroup):
            group.advance()
            if not group.gone:
                out.append(group)
    return out


# --------------------------------------------------------------------------
# Validation (the rules of the CreateFeatureGroup / UpdateFeatureGroup reference)
# --------------------------------------------------------------------------


def _check_definitions(definitions: list[dict[str, Any]], existing: list[str]) -> None:
    seen = {name.lower(): name for name in existing}
    for definition in definitions:
        name = definition["FeatureName"]
        if name in RESERVED_FEATURE_NAMES:
            raise ValidationException(
                f"The feature name {name} is reserved. FeatureName cannot be any of the following: "
                + ", ".join(RESERVED_FEATURE_NAMES)
                + "."
            )
        if name.lower() in seen:
            raise ValidationException(
                f"Feature name {name} is duplicated: feature {seen[name.lower()]} already exists in the "
                "feature group. Feature names must be unique (case-insensitive)."
            )
        seen[name.lower()] = name
        collection = definition.get("CollectionType")
        vector = (definition.get("CollectionConfig") or {}).get("VectorConfig")
        if collection == "Vector":
            if vector is None:
                raise ValidationException(
                    f"CollectionConfig with VectorConfig must be specified for feature {name} of CollectionType Vector."
                )
            if definition["FeatureType"] != "Fractional":
                raise ValidationException(
                    f"Feature {name} of CollectionType Vector must have FeatureType Fractional."
                )
        elif definition.get("CollectionConfig") is not None:
            raise ValidationException(
                f"CollectionConfig can only be specified for feature {name} when its CollectionType is Vector."
            )


def _check_ttl(ttl: dict[str, Any] | None, allow_removal: bool) -> None:
    if ttl is None:
        return
    unit, value = ttl.get("Unit"), ttl.get("Value")
    if unit is None and value is None and allow_removal:
        return
    if unit is None or value is None:
        raise ValidationException("TtlDuration must specify both Unit and Value.")


def _check_throughput(throughput: dict[str, Any] | None, online: dict[str, Any] | None) -> None:
    if throughput is None:
        return
    mode = throughput.get("ThroughputMode")
    read = throughput.get("ProvisionedReadCapacityUnits")
    write = throughput.get("ProvisionedWriteCapacityUnits")
    if mode == "OnDemand" and (read is not None or write is not None):
        raise ValidationException(
            "ProvisionedReadCapacityUnits and ProvisionedWriteCapacityUnits are not applicable for ThroughputMode OnDemand."
        )
    if mode == "Provisioned":
        if (online or {}).get("StorageType") == "InMemory":
            raise ValidationException(
                "ThroughputMode Provisioned is supported only for feature groups that are offline-only, or use "
                "the Standard tier online store."
            )
        if write is None:
            raise ValidationException("ProvisionedWriteCapacityUnits must be specified for ThroughputMode Provisioned.")
        if (online or {}).get("EnableOnlineStore") and read is None:
            raise ValidationException(
                "ProvisionedReadCapacityUnits must be specified for ThroughputMode Provisioned when the online store is enabled."
            )


def create_group(backend: Any, params: dict[str, Any]) -> str:
    name = params["FeatureGroupName"]
    existing = group_or_none(backend, name)
    if existing is not None:
        # moto's text (its wording for the AWS error; not confirmed from AWS itself)
        raise ResourceInUse(
            f"Resource Already Exists: FeatureGroup with name {name} already exists. Choose a different name.\n"
            f"Info: Feature Group '{name}' already exists."
        )
    online = params.get("OnlineStoreConfig")
    offline = params.get("OfflineStoreConfig")
    if online is None and offline is None:
        raise ValidationException(
            "You must include at least one of OnlineStoreConfig and OfflineStoreConfig to create a FeatureGroup."
        )
    definitions = params["FeatureDefinitions"]
    _check_definitions(definitions, [])
    by_name = {d["FeatureName"]: d for d in definitions}
    record = params["RecordIdentifierFeatureName"]
    if record not in by_name:
        raise ValidationException(
            f"The RecordIdentifierFeatureName {record} must be one of the feature definitions' names."
        )
    event_time = params["EventTimeFeatureName"]
    if event_time not in by_name:
        raise ValidationException(
            f"The EventTimeFeatureName {event_time} must be one of the feature definitions' names."
        )
    event_def = by_name[event_time]
    if event_def["FeatureType"] not in ("String", "Fractional") or event_def.get("CollectionType"):
        raise ValidationException(
            f"The EventTimeFeatureName {event_time} has FeatureType {event_def['FeatureType']}"
            + (f" with CollectionType {event_def['CollectionType']}" if event_def.get("CollectionType") else "")
            + ": an EventTime can be a String or Fractional."
        )
    if online is not None:
        _check_ttl(online.get("TtlDuration"), allow_removal=False)
    if offline is not None:
        if not params.get("RoleArn"):
            raise ValidationException(
                "RoleArn must be specified when OfflineStoreConfig is provided: the execution role is used to "
                "persist data into the OfflineStore."
            )
        if offline.get("TableFormat") == "Iceberg" and offline.get("DisableGlueTableCreation"):
            raise ValidationException(
                "The Iceberg table format is only supported when DisableGlueTableCreation is set to False."
            )
    _check_throughput(params.get("ThroughputConfig"), online)
    ext._check_tag_keys(params.get("Tags") or [])
    group = EmuFeatureGroup(backend, params)
    backend.feature_groups[group.arn] = group
    return group.arn


def update_group(backend: Any, params: dict[str, Any]) -> str:
    group = require_group(backend, params["FeatureGroupName"])
    if group.status != "Created":
        raise ValidationException(
            f"Feature group {group.feature_group_name} is in status {group.status}. Only feature groups in "
            "status Created can be updated."
        )
    if group.last_update is not None and group.last_update.get("Status") == "InProgress":
        raise ValidationException(
            f"An update of feature group {group.feature_group_name} is in progress. You cannot update a "
            "feature group while another update is in progress."
        )
    given = [k for k in ("FeatureAdditions", "OnlineStoreConfig", "ThroughputConfig") if params.get(k) is not None]
    if not given:
        raise ValidationException(
            "One of FeatureAdditions, OnlineStoreConfig or ThroughputConfig must be specified."
        )
    if len(given) > 1:
        raise ValidationException(
            "Use only one of FeatureAdditions, OnlineStoreConfig or ThroughputConfig at a time in UpdateFeatureGroup."
        )
    additions = params.get("FeatureAdditions")
    if additions is not None:
        _check_definitions(additions, [f.name for f in group.features])
        if len(group.features) + len(additions) > MAX_FEATURES:
            raise ResourceLimitExceeded(
                f"A feature group can have at most {MAX_FEATURES} features: {group.feature_group_name} has "
                f"{len(group.features)} and {len(additions)} were added."
            )
    online = params.get("OnlineStoreConfig")
    if online is not None:
        if not group.online_enabled:
            raise ValidationException(
                f"Feature group {group.feature_group_name} has no online store: OnlineStoreConfig cannot be updated."
            )
        _check_ttl(online.get("TtlDuration"), allow_removal=True)
        storage = online.get("StorageType")
        current = (group.online_store_config or {}).get("StorageType", "Standard")
        if storage is not None and storage != current and not (current == "Standard" and storage == "Standard_V2"):
            raise ValidationException(
                f"The online store of feature group {group.feature_group_name} cannot be migrated from "
                f"{current} to {storage}: only Standard to Standard_V2 is supported."
            )
    throughput = params.get("ThroughputConfig")
    if throughput is not None:
        merged = dict(group.throughput_config)
        merged.update(throughput)
        if throughput.get("ThroughputMode") == "OnDemand":
            merged.pop("ProvisionedReadCapacityUnits", None)
            merged.pop("ProvisionedWriteCapacityUnits", None)
            merged.update({k: v for k, v in throughput.items() if k != "ThroughputMode"})
        _check_throughput(merged, group.online_store_config)
    now = ext._now()
    group.pending_update = copy.deepcopy({k: params[k] for k in given})
    group.last_update = {"Status": "InProgress"}
    group.last_modified_time = now
    group.phase = "update"
    group.ready_at = now + hosting._delay()
    return group.arn


def delete_group(backend: Any, name: str) -> None:
    group = require_group(backend, name)
    if group.status in ("Creating", "Deleting"):
        raise ValidationException(
            f"Feature group {group.feature_group_name} is in status {group.status} and cannot be deleted."
        )
    now = ext._now()
    group.status = "Deleting"
    group.pending_update = None
    group.phase = "delete"
    group.ready_at = now + hosting._delay()


def list_groups(backend: Any, params: dict[str, Any]) -> dict[str, Any]:
    items = all_groups(backend)
    status = params.get("FeatureGroupStatusEquals")
    if status:
        items = [g for g in items if g.status == status]
    offline = params.get("OfflineStoreStatusEquals")
    if offline:
        items = [g for g in items if g.offline_store_status == offline]
    items = hosting._filtered(items, {k: v for k, v in params.items() if k not in ("SortBy", "SortOrder")},
                              lambda g: g.feature_group_name)
    sort_by = params.get("SortBy", "CreationTime")
    keys = {
        "Name": lambda g: (g.feature_group_name.lower(), g.seq),
        "FeatureGroupStatus": lambda g: (g.status, g.seq),
        "OfflineStoreStatus": lambda g: (g.offline_store_status or "", g.seq),
    }
    items.sort(key=keys.get(sort_by, lambda g: (g.creation_time, g.seq)))
    if params.get("SortOrder", "Descending") == "Descending":
        items.reverse()
    return hosting._page(items, params, "FeatureGroupSummaries")


def _require_feature(group: EmuFeatureGroup, name: str) -> Feature:
    feature = group.feature(name)
    if feature is None:
        raise ResourceNotFound(
            f"Resource Not Found: Amazon SageMaker can't find a Feature with name {name} in FeatureGroup "
            f"{group.feature_group_name}"
        )
    return feature


def describe_feature(backend: Any, params: dict[str, Any]) -> dict[str, Any]:
    group = require_group(backend, params["FeatureGroupName"])
    feature = _require_feature(group, params["FeatureName"])
    out: dict[str, Any] = {
        "FeatureGroupArn": group.arn,
        "FeatureGroupName": group.feature_group_name,
        "FeatureName": feature.name,
        "FeatureType": feature.definition["FeatureType"],
        "CreationTime": feature.creation_time,
        "LastModifiedTime": feature.last_modified_time,
    }
    if feature.description is not None:
        out["Description"] = feature.description
    if feature.parameters:
        out["Parameters"] = [{"Key": k, "Value": v} for k, v in feature.parameters.items()]
    return out


def update_feature(backend: Any, params: dict[str, Any]) -> None:
    group = require_group(backend, params["FeatureGroupName"])
    feature = _require_feature(group, params["FeatureName"])
    parameters = dict(feature.parameters)
    for key in params.get("ParameterRemovals") or []:
        parameters.pop(key, None)
    for item in params.get("ParameterAdditions") or []:
        parameters[item["Key"]] = item["Value"]
    if len(parameters) > MAX_PARAMETERS:
        raise ValidationException(
            f"A feature can have at most {MAX_PARAMETERS} parameters: {feature.name} would have {len(parameters)}."
        )
    if "Description" in params:
        feature.description = params["Description"]
    feature.parameters = parameters
    feature.last_modified_time = ext._now()


def _group_tags(backend: Any, arn: str) -> Any:
    return group_or_none(backend, arn)


# --------------------------------------------------------------------------
# Response (wire) methods
# --------------------------------------------------------------------------


def r_create_feature_group(self: Any) -> ActionResult:
    p = ext._params(self)
    return ActionResult({"FeatureGroupArn": create_group(self.sagemaker_backend, p)})


def r_describe_feature_group(self: Any) -> ActionResult:
    p = ext._params(self)
    return ActionResult(require_group(self.sagemaker_backend, p["FeatureGroupName"]).describe())


def r_update_feature_group(self: Any) -> ActionResult:
    p = ext._params(self)
    return ActionResult({"FeatureGroupArn": update_group(self.sagemaker_backend, p)})


def r_delete_feature_group(self: Any) -> EmptyResult:
    p = ext._params(self)
    delete_group(self.sagemaker_backend, p["FeatureGroupName"])
    return EmptyResult()


def r_list_feature_groups(self: Any) -> ActionResult:
    p = ext._params(self)
    return ActionResult(list_groups(self.sagemaker_backend, p))


def r_describe_feature_metadata(self: Any) -> ActionResult:
    p = ext._params(self)
    return ActionResult(describe_feature(self.sagemaker_backend, p))


def r_update_feature_metadata(self: Any) -> EmptyResult:
    p = ext._params(self)
    update_feature(self.sagemaker_backend, p)
    return EmptyResult()


RESPONSE_METHODS = {
    "create_feature_group": r_create_feature_group,
    "describe_feature_group": r_describe_feature_group,
    "update_feature_group": r_update_feature_group,
    "delete_feature_group": r_delete_feature_group,
    "list_feature_groups": r_list_feature_groups,
    "describe_feature_metadata": r_describe_feature_metadata,
    "update_feature_metadata": r_update_feature_metadata,
}

_installed = False


def install() -> None:
    """Patch moto's SageMaker responses (idempotent)."""
    global _installed
    if _installed:
        return
    ext.install()
    for name, func in RESPONSE_METHODS.items():
        setattr(Response, name, ext._locked(func))
    ext.TAG_RESOLVERS["feature-group"] = _group_tags
    _installed = True
