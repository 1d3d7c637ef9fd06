"""SageMaker model-registry operations on top of moto 5.2.5.

moto 5.2.5 lacks DeleteModelPackageGroup, Put/Get/DeleteModelPackageGroupPolicy
and DeleteModelPackage, and gets several others wrong (duplicate groups are
silently overwritten, version numbers are reused after a delete, tags on
model-package ARNs crash with a 500, AddTags appends duplicate keys, no input
validation).  ``install()`` patches moto's ``SageMakerModelBackend`` and
``SageMakerResponse`` classes in place for the operations below; every other
SageMaker operation stays moto's.  State lives on moto's per-account/per-region
backend objects, so moto's reset clears it.

Behaviour (kept in step with the emulator's README and tests):

* Group ARN  ``arn:<partition>:sagemaker:<region>:<account>:model-package-group/<name lowercased>``
* Version ARN ``arn:<partition>:sagemaker:<region>:<account>:model-package/<group name lowercased>/<version>``
* Unversioned package ARN ``...:model-package/<name lowercased>``
* Names are unique case-insensitively (the ARN is lowercased); lookups by name
  or ARN are case-insensitive.
* Versions are numbered 1, 2, 3 ... per group and never reused.
"""

from __future__ import annotations

import base64
import datetime
import functools
import itertools
import json
import threading
from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow
from moto.sagemaker import models as sm_models
from moto.sagemaker import responses as sm_responses
from moto.sagemaker.exceptions import SagemakerClientError
from moto.utilities.utils import get_partition

from .validation import ValidationFailure, validate_input

Backend = sm_models.SageMakerModelBackend
Response = sm_responses.SageMakerResponse

DEFAULT_MAX_RESULTS = 10  # SageMaker's usual List* default page size
MAX_TAGS_PER_RESOURCE = 50
_SEQUENCE = itertools.count(1)  # tie-breaker for identical creation times


class ValidationException(SagemakerClientError):
    code = "ValidationException"


class ConflictException(SagemakerClientError):
    code = "ConflictException"


class SerializationException(SagemakerClientError):
    code = "SerializationException"


class ResourceLimitExceeded(SagemakerClientError):
    code = "ResourceLimitExceeded"


def _arn(backend: Any, resource: str) -> str:
    return (
        f"arn:{get_partition(backend.region_name)}:sagemaker:{backend.region_name}:"
        f"{backend.account_id}:{resource}"
    )


def _user_context(backend: Any) -> dict[str, str]:
    return {
        "UserProfileArn": _arn(
            backend, "user-profile/fake-domain-id/fake-user-profile-name"
        ),
        "UserProfileName": "fake-user-profile-name",
        "DomainId": "fake-domain-id",
    }


def _to_datetime(value: Any) -> datetime.datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value if value.tzinfo else value.replace(tzinfo=datetime.timezone.utc)
    if isinstance(value, (int, float)):
        return datetime.datetime.fromtimestamp(value, tz=datetime.timezone.utc)
    text = str(value)
    try:
        return datetime.datetime.fromtimestamp(float(text), tz=datetime.timezone.utc)
    except ValueError:
        parsed = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.timezone.utc)


def _now() -> datetime.datetime:
    """utcnow truncated to milliseconds: the precision the JSON wire format carries,
    so CreationTimeAfter/Before filters agree with the timestamps clients saw."""
    now = utcnow()
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _aware(dt: datetime.datetime) -> datetime.datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=datetime.timezone.utc)


def _name_from(name_or_arn: str) -> str:
    """The trailing name of ``arn:...:model-package-group/<name>`` or the input."""
    if name_or_arn.startswith("arn:"):
        return name_or_arn.rsplit("/", 1)[-1]
    return name_or_arn


def _paginate(items: list[Any], max_results: int | None, token: str | None) -> tuple[list[Any], str | None]:
    start = 0
    if token:
        try:
            start = int(json.loads(base64.b64decode(token))["o"])
        except Exception:
            raise ValidationException("Invalid pagination token: " + token)
    size = max_results or DEFAULT_MAX_RESULTS
    page = items[start : start + size]
    nxt = start + size
    next_token = (
        base64.b64encode(json.dumps({"o": nxt}).encode()).decode()
        if nxt < len(items)
        else None
    )
    return page, next_token


# --------------------------------------------------------------------------
# Model objects
# --------------------------------------------------------------------------


class EmuModelPackageGroup(sm_models.BaseObject):
    def __init__(self, backend: Any, name: str, description: str | None, tags: list[dict[str, str]]):
        self.model_package_group_name = name
        self.model_package_group_description = description
        self.arn = _arn(backend, f"model-package-group/{name.lower()}")
        self.creation_time = _now()
        self.created_by = _user_context(backend)
        self.model_package_group_status = "Completed"
        self.tags = list(tags)
        self.resource_policy: str | None = None
        self.next_version = 1
        self.seq = next(_SEQUENCE)

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "ModelPackageGroupName": self.model_package_group_name,
            "ModelPackageGroupArn": self.arn,
            "CreationTime": self.creation_time,
            "CreatedBy": self.created_by,
            "ModelPackageGroupStatus": self.model_package_group_status,
        }
        if self.model_package_group_description is not None:
            out["ModelPackageGroupDescription"] = self.model_package_group_description
        return out

    def summary(self) -> dict[str, Any]:
        out = self.describe()
        out.pop("CreatedBy")
        return out


# Input members of CreateModelPackage that DescribeModelPackage echoes back.
_ECHOED = (
    "InferenceSpecification",
    "ValidationSpecification",
    "SourceAlgorithmSpecification",
    "MetadataProperties",
    "ModelMetrics",
    "Domain",
    "Task",
    "SamplePayloadUrl",
    "DriftCheckBaselines",
    "AdditionalInferenceSpecifications",
    "SkipModelValidation",
    "SourceUri",
    "SecurityConfig",
    "ModelCard",
    "ModelLifeCycle",
    "ModelPackageRegistrationType",
)


class EmuModelPackage(sm_models.BaseObject):
    def __init__(
        self,
        backend: Any,
        params: dict[str, Any],
        group: EmuModelPackageGroup | None,
        version: int | None,
    ):
        self.group = group
        if group is not None:
            self.model_package_type = "Versioned"
            self.model_package_name = group.model_package_group_name
            self.model_package_group_name: str | None = group.model_package_group_name
            self.model_package_version = version
            self.arn = _arn(backend, f"model-package/{self.model_package_name.lower()}/{version}")
            self.model_approval_status: str | None = params.get(
                "ModelApprovalStatus", "PendingManualApproval"
            )
            self.certify_for_marketplace = False
        else:
            self.model_package_type = "Unversioned"
            self.model_package_name = params["ModelPackageName"]
            self.model_package_group_name = None
            self.model_package_version = None
            self.arn = _arn(backend, f"model-package/{self.model_package_name.lower()}")
            self.model_approval_status = None
            self.certify_for_marketplace = bool(params.get("CertifyForMarketplace", False))
        self.model_package_description = params.get("ModelPackageDescription")
        self.customer_metadata_properties: dict[str, str] | None = (
            dict(params["CustomerMetadataProperties"])
            if params.get("CustomerMetadataProperties")
            else None
        )
        self.extra = {k: params[k] for k in _ECHOED if params.get(k) is not None}
        self.approval_description: str | None = None
        self.creation_time = _now()
        self.created_by = _user_context(backend)
        self.last_modified_time: datetime.datetime | None = None
        self.last_modified_by: dict[str, str] | None = None
        self.model_package_status = "Completed"
        self.tags = list(params.get("Tags") or [])
        self.client_token = params.get("ClientToken")
        self.seq = next(_SEQUENCE)

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "ModelPackageName": self.model_package_name,
            "ModelPackageArn": self.arn,
            "CreationTime": self.creation_time,
            "ModelPackageStatus": self.model_package_status,
            "ModelPackageStatusDetails": {"ValidationStatuses": [], "ImageScanStatuses": []},
            "CertifyForMarketplace": self.certify_for_marketplace,
            "CreatedBy": self.created_by,
        }
        if self.model_package_group_name is not None:
            out["ModelPackageGroupName"] = self.model_package_group_name
            out["ModelPackageVersion"] = self.model_package_version
        optional = {
            "ModelPackageDescription": self.model_package_description,
            "ModelApprovalStatus": self.model_approval_status,
            "ApprovalDescription": self.approval_description,
            "CustomerMetadataProperties": self.customer_metadata_properties,
            "LastModifiedTime": self.last_modified_time,
            "LastModifiedBy": self.last_modified_by,
        }
        out.update({k: v for k, v in optional.items() if v is not None})
        out.update(self.extra)
        return out

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "ModelPackageArn": self.arn,
            "CreationTime": self.creation_time,
            "ModelPackageStatus": self.model_package_status,
        }
        if self.model_package_group_name is not None:
            out["ModelPackageGroupName"] = self.model_package_group_name
            out["ModelPackageVersion"] = self.model_package_version
            out["ModelApprovalStatus"] = self.model_approval_status
        else:
            out["ModelPackageName"] = self.model_package_name
        if self.model_package_description is not None:
            out["ModelPackageDescription"] = self.model_package_description
        for key in ("ModelLifeCycle", "ModelPackageRegistrationType"):
            if key in self.extra:
                out[key] = self.extra[key]
        return out


# --------------------------------------------------------------------------
# Backend methods
# --------------------------------------------------------------------------


def _group_or_none(self: Any, name_or_arn: str) -> EmuModelPackageGroup | None:
    wanted = name_or_arn.lower()
    for group in self.model_package_groups.values():
        if not isinstance(group, EmuModelPackageGroup):
            continue
        if wanted.startswith("arn:"):
            if group.arn.lower() == wanted:
                return group
        elif group.model_package_group_name.lower() == wanted:
            return group
    return None


def _group_arn_for(self: Any, name_or_arn: str) -> str:
    if name_or_arn.startswith("arn:"):
        return name_or_arn
    return _arn(self, f"model-package-group/{name_or_arn.lower()}")


def _require_group(self: Any, name_or_arn: str) -> EmuModelPackageGroup:
    group = _group_or_none(self, name_or_arn)
    if group is None:
        raise ValidationException(
            f"ModelPackageGroup {_group_arn_for(self, name_or_arn)} does not exist."
        )
    return group


def _package_or_none(self: Any, name_or_arn: str) -> EmuModelPackage | None:
    wanted = name_or_arn.lower()
    if not wanted.startswith("arn:"):
        # "<group>/<version>" or an unversioned package name
        wanted = _arn(self, f"model-package/{wanted}")
    for package in self.model_packages.values():
        if isinstance(package, EmuModelPackage) and package.arn.lower() == wanted:
            return package
    return None


def _require_package(self: Any, name_or_arn: str) -> EmuModelPackage:
    package = _package_or_none(self, name_or_arn)
    if package is None:
        shown = (
            name_or_arn
            if name_or_arn.startswith("arn:")
            else _arn(self, f"model-package/{name_or_arn.lower()}")
        )
        raise ValidationException(f"ModelPackage {shown} does not exist.")
    return package


def create_model_package_group(self: Any, params: dict[str, Any]) -> str:
    name = params["ModelPackageGroupName"]
    existing = _group_or_none(self, name)
    if existing is not None:
        raise ValidationException(f"Model Package Group already exists: {existing.arn}")
    group = EmuModelPackageGroup(
        self, name, params.get("ModelPackageGroupDescription"), params.get("Tags") or []
    )
    _check_tag_keys(group.tags)
    self.model_package_groups[name] = group
    return group.arn


def delete_model_package_group(self: Any, name_or_arn: str) -> None:
    group = _require_group(self, name_or_arn)
    versions = [
        p
        for p in self.model_packages.values()
        if isinstance(p, EmuModelPackage) and p.group is group
    ]
    if versions:
        raise ConflictException(
            f"Model Package Group {group.arn} cannot be deleted because it contains "
            f"{len(versions)} model package version(s). Delete all model package "
            "versions in the group first."
        )
    for key, value in list(self.model_package_groups.items()):
        if value is group:
            del self.model_package_groups[key]


def list_model_package_groups_emu(self: Any, params: dict[str, Any]) -> tuple[list[dict], str | None]:
    if params.get("CrossAccountFilterOption") == "CrossAccount":
        return [], None
    after = _to_datetime(params.get("CreationTimeAfter"))
    before = _to_datetime(params.get("CreationTimeBefore"))
    contains = (params.get("NameContains") or "").lower()
    groups = [
        g
        for g in self.model_package_groups.values()
        if isinstance(g, EmuModelPackageGroup)
        and (after is None or _aware(g.creation_time) > after)
        and (before is None or _aware(g.creation_time) < before)
        and contains in g.model_package_group_name.lower()
    ]
    if params.get("SortBy") == "Name":
        groups.sort(key=lambda g: (g.model_package_group_name.lower(), g.seq))
    else:
        groups.sort(key=lambda g: (g.creation_time, g.seq))
    if params.get("SortOrder") == "Descending":
        groups.reverse()
    page, token = _paginate(groups, params.get("MaxResults"), params.get("NextToken"))
    return [g.summary() for g in page], token


def put_model_package_group_policy(self: Any, name: str, policy: str) -> str:
    group = _group_or_none(self, name)
    if group is None:
        raise ValidationException(
            f"Cannot find Model Package Group: {_group_arn_for(self, name)}"
        )
    try:
        parsed = json.loads(policy)
    except ValueError as exc:
        raise ValidationException(f"Invalid resource policy: the policy is not valid JSON ({exc})")
    if not isinstance(parsed, dict):
        raise ValidationException("Invalid resource policy: the policy must be a JSON object")
    group.resource_policy = policy
    return group.arn


def get_model_package_group_policy(self: Any, name: str) -> str:
    group = _group_or_none(self, name)
    if group is None:
        raise ValidationException(
            f"Cannot find Model Package Group: {_group_arn_for(self, name)}"
        )
    if group.resource_policy is None:
        raise ValidationException(f"Cannot find resource policy for: {group.arn}")
    return group.resource_policy


def delete_model_package_group_policy(self: Any, name: str) -> None:
    group = _group_or_none(self, name)
    if group is None:
        raise ValidationException(
            f"Cannot find Model Package Group: {_group_arn_for(self, name)}"
        )
    if group.resource_policy is None:
        raise ValidationException(f"Cannot find resource policy for: {group.arn}")
    group.resource_policy = None


def create_model_package_emu(self: Any, params: dict[str, Any]) -> str:
    name = params.get("ModelPackageName")
    group_ref = params.get("ModelPackageGroupName")
    if name and group_ref:
        raise ValidationException(
            "Both ModelPackageName and ModelPackageGroupName are provided in the "
            "input. Cannot determine which one to use."
        )
    if not name and not group_ref:
        raise ValidationException(
            "Missing ARN. Either ModelPackageName (unversioned model package) or "
            "ModelPackageGroupName (model package version) must be provided."
        )
    tokens = self.__dict__.setdefault("_emu_client_tokens", {})
    token = params.get("ClientToken")
    if token and token in tokens:
        previous = _package_or_none(self, tokens[token])
        if previous is not None:
            return previous.arn
    if group_ref:
        group = _require_group(self, group_ref)
        if params.get("Tags"):
            raise ValidationException(
                "Tags cannot be specified for a versioned model package: it uses "
                "the tags of its model package group "
                f"{group.arn}. Tag the model package group instead."
            )
        version = group.next_version
        package = EmuModelPackage(self, params, group, version)
        group.next_version += 1
    else:
        if _package_or_none(self, name) is not None:
            raise ValidationException(
                f"Model Package already exists: {_arn(self, 'model-package/' + name.lower())}"
            )
        package = EmuModelPackage(self, params, None, None)
        _check_tag_keys(package.tags)
    self.model_packages[package.arn] = package
    # keep moto's own name mapping consistent for moto code paths
    self.model_package_name_mapping[package.arn] = package.arn
    if token:
        tokens[token] = package.arn
    return package.arn


def update_model_package_emu(self: Any, params: dict[str, Any]) -> str:
    package = _require_package(self, params["ModelPackageArn"])
    if "ModelApprovalStatus" in params:
        package.model_approval_status = params["ModelApprovalStatus"]
    if "ApprovalDescription" in params:
        package.approval_description = params["ApprovalDescription"]
    if params.get("CustomerMetadataProperties"):
        merged = dict(package.customer_metadata_properties or {})
        merged.update(params["CustomerMetadataProperties"])
        package.customer_metadata_properties = merged
    for key in params.get("CustomerMetadataPropertiesToRemove") or []:
        if package.customer_metadata_properties:
            package.customer_metadata_properties.pop(key, None)
    if package.customer_metadata_properties == {}:
        package.customer_metadata_properties = None
    to_add = params.get("AdditionalInferenceSpecificationsToAdd")
    if to_add:
        current = list(package.extra.get("AdditionalInferenceSpecifications") or [])
        if len(current) + len(to_add) > 15:
            raise ValidationException(
                "The total number of additional inference specifications cannot exceed 15."
            )
        package.extra["AdditionalInferenceSpecifications"] = current + list(to_add)
    for key in ("InferenceSpecification", "SourceUri", "ModelCard", "ModelLifeCycle", "ModelPackageRegistrationType"):
        if params.get(key) is not None:
            package.extra[key] = params[key]
    package.last_modified_time = _now()
    package.last_modified_by = package.created_by
    return package.arn


def delete_model_package_emu(self: Any, name_or_arn: str) -> None:
    package = _require_package(self, name_or_arn)
    del self.model_packages[package.arn]
    for key, value in list(self.model_package_name_mapping.items()):
        if value == package.arn:
            del self.model_package_name_mapping[key]


def list_model_packages_emu(self: Any, params: dict[str, Any]) -> tuple[list[dict], str | None]:
    after = _to_datetime(params.get("CreationTimeAfter"))
    before = _to_datetime(params.get("CreationTimeBefore"))
    contains = (params.get("NameContains") or "").lower()
    status = params.get("ModelApprovalStatus")
    group_ref = params.get("ModelPackageGroupName")
    package_type = params.get("ModelPackageType")
    group = None
    if group_ref:
        group = _group_or_none(self, group_ref)
        if group is None:
            return [], None
        package_type = package_type or "Versioned"
    package_type = package_type or "Unversioned"

    def wanted(p: EmuModelPackage) -> bool:
        if package_type != "Both" and p.model_package_type != package_type:
            return False
        if group is not None and p.group is not group:
            return False
        if status is not None and p.model_approval_status != status:
            return False
        if contains and contains not in p.model_package_name.lower():
            return False
        if after is not None and not _aware(p.creation_time) > after:
            return False
        if before is not None and not _aware(p.creation_time) < before:
            return False
        return True

    packages = [
        p for p in self.model_packages.values() if isinstance(p, EmuModelPackage) and wanted(p)
    ]
    if params.get("SortBy") == "Name":
        packages.sort(
            key=lambda p: (p.model_package_name.lower(), p.model_package_version or 0, p.seq)
        )
    else:
        packages.sort(key=lambda p: (p.creation_time, p.seq))
    if params.get("SortOrder") == "Descending":
        packages.reverse()
    page, token = _paginate(packages, params.get("MaxResults"), params.get("NextToken"))
    return [p.summary() for p in page], token


# -- tags ------------------------------------------------------------------

_original_get_resource_from_arn = Backend._get_resource_from_arn

# Other SageMaker extension modules register ARN resource types they own here:
# {"pipeline": lambda backend, arn: <object with .tags> or None}.
TAG_RESOLVERS: dict[str, Any] = {}


def _resource_for_tags(self: Any, arn: str) -> Any:
    resource_part = arn.split(":", 5)[-1] if arn.count(":") >= 5 else ""
    kind = resource_part.split("/", 1)[0]
    resource = None
    if kind == "model-package-group":
        resource = _group_or_none(self, arn)
    elif kind == "model-package":
        resource = _package_or_none(self, arn)
    elif kind in TAG_RESOLVERS:
        resource = TAG_RESOLVERS[kind](self, arn)
    else:
        try:
            resource = _original_get_resource_from_arn(self, arn)
        except Exception:
            resource = None
    if resource is None or not hasattr(resource, "tags"):
        raise ValidationException(f"Resource does not exist: {arn}")
    if resource.tags is None:
        resource.tags = []
    return resource


def _check_tag_keys(tags: list[dict[str, str]]) -> None:
    for tag in tags:
        if tag.get("Key", "").lower().startswith("aws:"):
            raise ValidationException(
                f"Tag key '{tag['Key']}' is not allowed: keys starting with 'aws:' are reserved for AWS use."
            )


def add_tags_emu(self: Any, arn: str, tags: list[dict[str, str]]) -> list[dict[str, str]]:
    resource = _resource_for_tags(self, arn)
    _check_tag_keys(tags)
    merged = {t["Key"]: t.get("Value", "") for t in resource.tags}
    for tag in tags:
        merged[tag["Key"]] = tag.get("Value", "")
    if len(merged) > MAX_TAGS_PER_RESOURCE:
        raise ValidationException(
            f"Too many tags: a resource can have at most {MAX_TAGS_PER_RESOURCE} tags."
        )
    resource.tags = [{"Key": k, "Value": v} for k, v in merged.items()]
    return tags


def list_tags_emu(self: Any, arn: str, max_results: int | None, token: str | None) -> tuple[list[dict], str | None]:
    resource = _resource_for_tags(self, arn)
    return _paginate(list(resource.tags), max_results or 50, token)


def delete_tags_emu(self: Any, arn: str, keys: list[str]) -> None:
    resource = _resource_for_tags(self, arn)
    resource.tags = [t for t in resource.tags if t["Key"] not in set(keys)]


# --------------------------------------------------------------------------
# Response (wire) methods
# --------------------------------------------------------------------------


def _params(self: Any) -> dict[str, Any]:
    try:
        return validate_input("sagemaker", self._get_action(), self.body)
    except ValidationFailure as failure:
        if failure.code == "SerializationException":
            raise SerializationException(failure.message)
        raise ValidationException(failure.message)


def r_create_model_package_group(self: Any) -> ActionResult:
    p = _params(self)
    return ActionResult({"ModelPackageGroupArn": create_model_package_group(self.sagemaker_backend, p)})


def r_describe_model_package_group(self: Any) -> ActionResult:
    p = _params(self)
    return ActionResult(_require_group(self.sagemaker_backend, p["ModelPackageGroupName"]).describe())


def r_delete_model_package_group(self: Any) -> EmptyResult:
    p = _params(self)
    delete_model_package_group(self.sagemaker_backend, p["ModelPackageGroupName"])
    return EmptyResult()


def r_list_model_package_groups(self: Any) -> ActionResult:
    p = _params(self)
    items, token = list_model_package_groups_emu(self.sagemaker_backend, p)
    out: dict[str, Any] = {"ModelPackageGroupSummaryList": items}
    if token:
        out["NextToken"] = token
    return ActionResult(out)


def r_put_model_package_group_policy(self: Any) -> ActionResult:
    p = _params(self)
    arn = put_model_package_group_policy(
        self.sagemaker_backend, p["ModelPackageGroupName"], p["ResourcePolicy"]
    )
    return ActionResult({"ModelPackageGroupArn": arn})


def r_get_model_package_group_policy(self: Any) -> ActionResult:
    p = _params(self)
    policy = get_model_package_group_policy(self.sagemaker_backend, p["ModelPackageGroupName"])
    return ActionResult({"ResourcePolicy": policy})


def r_delete_model_package_group_policy(self: Any) -> EmptyResult:
    p = _params(self)
    delete_model_package_group_policy(self.sagemaker_backend, p["ModelPackageGroupName"])
    return EmptyResult()


def r_create_model_package(self: Any) -> ActionResult:
    p = _params(self)
    return ActionResult({"ModelPackageArn": create_model_package_emu(self.sagemaker_backend, p)})


def r_describe_model_package(self: Any) -> ActionResult:
    p = _params(self)
    return ActionResult(_require_package(self.sagemaker_backend, p["ModelPackageName"]).describe())


def r_update_model_package(self: Any) -> ActionResult:
    p = _params(self)
    return ActionResult({"ModelPackageArn": update_model_package_emu(self.sagemaker_backend, p)})


def r_delete_model_package(self: Any) -> EmptyResult:
    p = _params(self)
    delete_model_package_emu(self.sagemaker_backend, p["ModelPackageName"])
    return EmptyResult()


def r_list_model_packages(self: Any) -> ActionResult:
    p = _params(self)
    items, token = list_model_packages_emu(self.sagemaker_backend, p)
    out: dict[str, Any] = {"ModelPackageSummaryList": items}
    if token:
        out["NextToken"] = token
    return ActionResult(out)


def r_add_tags(self: Any) -> ActionResult:
    p = _params(self)
    tags = add_tags_emu(self.sagemaker_backend, p["ResourceArn"], p["Tags"])
    return ActionResult({"Tags": tags})


def r_list_tags(self: Any) -> ActionResult:
    p = _params(self)
    tags, token = list_tags_emu(
        self.sagemaker_backend, p["ResourceArn"], p.get("MaxResults"), p.get("NextToken")
    )
    out: dict[str, Any] = {"Tags": tags}
    if token:
        out["NextToken"] = token
    return ActionResult(out)


def r_delete_tags(self: Any) -> EmptyResult:
    p = _params(self)
    delete_tags_emu(self.sagemaker_backend, p["ResourceArn"], p["TagKeys"])
    return EmptyResult()


RESPONSE_METHODS = {
    "create_model_package_group": r_create_model_package_group,
    "describe_model_package_group": r_describe_model_package_group,
    "delete_model_package_group": r_delete_model_package_group,
    "list_model_package_groups": r_list_model_package_groups,
    "put_model_package_group_policy": r_put_model_package_group_policy,
    "get_model_package_group_policy": r_get_model_package_group_policy,
    "delete_model_package_group_policy": r_delete_model_package_group_policy,
    "create_model_package": r_create_model_package,
    "describe_model_package": r_describe_model_package,
    "update_model_package": r_update_model_package,
    "delete_model_package": r_delete_model_package,
    "list_model_packages": r_list_model_packages,
    "add_tags": r_add_tags,
    "list_tags": r_list_tags,
    "delete_tags": r_delete_tags,
}

# The server is threaded and Terraform applies resources in parallel: serialize
# the registry operations (e.g. two CreateModelPackage calls on one group must
# get distinct version numbers).
_LOCK = threading.RLock()


def _locked(func: Any) -> Any:
    @functools.wraps(func)
    def wrapper(self: Any) -> Any:
        with _LOCK:
            return func(self)

    return wrapper


_installed = False


def install() -> None:
    """Patch moto's SageMaker classes (idempotent)."""
    global _installed
    if _installed:
        return
    for name, func in RESPONSE_METHODS.items():
        setattr(Response, name, _locked(func))

    def _get_resource_from_arn(self: Any, arn: str) -> Any:
        return _resource_for_tags(self, arn)

    # moto's own helpers (e.g. the resource-groups tagging API) go through this.
    Backend._get_resource_from_arn = _get_resource_from_arn
    _installed = True
