"""SageMaker Pipelines operations on top of moto 5.2.5.

moto 5.2.5 keeps pipelines under their case-sensitive name with a mixed-case
ARN, answers a missing pipeline with ``ValidationException`` (AWS:
``ResourceNotFound``), accepts any PipelineDefinition string, ignores
ClientRequestToken, cannot set an UpdatePipeline field to an empty value, has no
pipeline versions and no StopPipelineExecution, never validates
PipelineParameters or request members, marks every execution ``Succeeded`` at
once and fails on execution ARNs of mixed-case pipelines.  ``install()`` replaces the pipeline
operations of moto's ``SageMakerResponse`` with the ones below; state lives on
moto's per-account/per-region SageMaker backend (``backend.pipelines``), so
moto's reset clears it.

Behaviour (kept in step with the emulator's README and tests):

* Pipeline ARN ``arn:<partition>:sagemaker:<region>:<account>:pipeline/<name lowercased>``
* Execution ARN ``<pipeline ARN>/execution/<12 lowercase letters/digits>``
* Names are unique case-insensitively; lookups by name or ARN are
  case-insensitive; DescribePipeline returns the name as created.
* PipelineDefinition must be a JSON object; it is stored and returned verbatim.
* Every UpdatePipeline creates a new pipeline version (1, 2, 3 ...).
* Executions start ``Executing``; StopPipelineExecution moves them to
  ``Stopping`` (seen by the next read) and then ``Stopped``; the control API
  (``POST /_emulator/sagemaker/pipeline-execution``) can set any status.
"""

from __future__ import annotations

import json
import random
import re
import string
from typing import Any

from moto.core.responses import ActionResult
from moto.sagemaker import models as sm_models
from moto.sagemaker.exceptions import SagemakerClientError

from . import sagemaker_ext as ext
from .middleware import ControlNotFound
from .sagemaker_ext import ConflictException, ValidationException

Response = ext.Response

EXECUTION_STATUSES = ("Executing", "Stopping", "Stopped", "Failed", "Succeeded", "CompletedWithFailures")
TERMINAL_STATUSES = ("Stopped", "Failed", "Succeeded", "CompletedWithFailures")
_INTEGER = re.compile(r"[+-]?\d+")


class ResourceNotFound(SagemakerClientError):
    code = "ResourceNotFound"


# --------------------------------------------------------------------------
# Model objects
# --------------------------------------------------------------------------


class EmuPipeline(sm_models.BaseObject):
    def __init__(self, backend: Any, params: dict[str, Any], definition: str):
        self.pipeline_name: str = params["PipelineName"]
        self.arn = ext._arn(backend, f"pipeline/{self.pipeline_name.lower()}")
        self.pipeline_display_name: str = params.get("PipelineDisplayName") or self.pipeline_name
        self.pipeline_definition = definition
        self.pipeline_description: str | None = params.get("PipelineDescription")
        self.role_arn: str = params["RoleArn"]
        self.parallelism_configuration: dict[str, Any] | None = params.get("ParallelismConfiguration")
        self.tags = list(params.get("Tags") or [])
        self.creation_time = ext._now()
        self.last_modified_time = self.creation_time
        self.last_run_time = None
        self.created_by = ext._user_context(backend)
        self.last_modified_by = self.created_by
        self.pipeline_status = "Active"
        self.version_id = 1
        self.versions: dict[int, dict[str, Any]] = {1: self._snapshot()}
        self.executions: dict[str, EmuPipelineExecution] = {}
        self.seq = next(ext._SEQUENCE)

    # moto's own helpers (resource-groups tagging, list_pipelines) read these
    @property
    def pipeline_executions(self) -> dict[str, "EmuPipelineExecution"]:
        return self.executions

    @property
    def last_execution_time(self) -> Any:
        return self.last_run_time

    def _snapshot(self) -> dict[str, Any]:
        return {
            "PipelineDisplayName": self.pipeline_display_name,
            "PipelineDefinition": self.pipeline_definition,
            "PipelineDescription": self.pipeline_description,
            "RoleArn": self.role_arn,
            "ParallelismConfiguration": self.parallelism_configuration,
        }

    def new_version(self) -> int:
        self.version_id += 1
        self.versions[self.version_id] = self._snapshot()
        return self.version_id

    def describe(self, version_id: int | None = None) -> dict[str, Any]:
        fields = self._snapshot() if version_id is None else self.versions[version_id]
        out: dict[str, Any] = {
            "PipelineArn": self.arn,
            "PipelineName": self.pipeline_name,
            "PipelineDisplayName": fields["PipelineDisplayName"],
            "PipelineDefinition": fields["PipelineDefinition"],
            "RoleArn": fields["RoleArn"],
            "PipelineStatus": self.pipeline_status,
            "CreationTime": self.creation_time,
            "LastModifiedTime": self.last_modified_time,
            "CreatedBy": self.created_by,
            "LastModifiedBy": self.last_modified_by,
        }
        if fields["PipelineDescription"] is not None:
            out["PipelineDescription"] = fields["PipelineDescription"]
        if fields["ParallelismConfiguration"] is not None:
            out["ParallelismConfiguration"] = fields["ParallelismConfiguration"]
        if self.last_run_time is not None:
            out["LastRunTime"] = self.last_run_time
        return out

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "PipelineArn": self.arn,
            "PipelineName": self.pipeline_name,
            "PipelineDisplayName": self.pipeline_display_name,
            "RoleArn": self.role_arn,
            "CreationTime": self.creation_time,
            "LastModifiedTime": self.last_modified_time,
        }
        if self.pipeline_description is not None:
            out["PipelineDescription"] = self.pipeline_description
        if self.last_run_time is not None:
            out["LastExecutionTime"] = self.last_run_time
        return out


class EmuPipelineExecution(sm_models.BaseObject):
    def __init__(self, backend: Any, pipeline: EmuPipeline, params: dict[str, Any], version_id: int):
        execution_id = "".join(random.choices(string.ascii_lowercase + string.digits, k=12))
        self.arn = f"{pipeline.arn}/execution/{execution_id}"
        self.pipeline = pipeline
        self.creation_time = ext._now()
        self.display_name: str = params.get("PipelineExecutionDisplayName") or (
            f"execution-{int(self.creation_time.timestamp() * 1000)}"
        )
        self.description: str | None = params.get("PipelineExecutionDescription")
        self.parameters = list(params.get("PipelineParameters") or [])
        self.parallelism_configuration = (
            params.get("ParallelismConfiguration") or pipeline.versions[version_id]["ParallelismConfiguration"]
        )
        self.definition = pipeline.versions[version_id]["PipelineDefinition"]
        self.version_id = version_id
        self.status = "Executing"
        self.failure_reason: str | None = None
        self.last_modified_time = self.creation_time
        self.created_by = ext._user_context(backend)
        self.last_modified_by = self.created_by
        self.seq = next(ext._SEQUENCE)

    def set_status(self, status: str, failure_reason: str | None = None) -> None:
        self.status = status
        self.failure_reason = failure_reason
        self.last_modified_time = ext._now()

    def observe(self) -> None:
        """Called after a read: Stopping is seen by exactly one read, then it is Stopped."""
        if self.status == "Stopping":
            self.set_status("Stopped")

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "PipelineArn": self.pipeline.arn,
            "PipelineExecutionArn": self.arn,
            "PipelineExecutionDisplayName": self.display_name,
            "PipelineExecutionStatus": self.status,
            "CreationTime": self.creation_time,
            "LastModifiedTime": self.last_modified_time,
            "CreatedBy": self.created_by,
            "LastModifiedBy": self.last_modified_by,
            "PipelineVersionId": self.version_id,
        }
        if self.description is not None:
            out["PipelineExecutionDescription"] = self.description
        if self.failure_reason is not None:
            out["FailureReason"] = self.failure_reason
        if self.parallelism_configuration is not None:
            out["ParallelismConfiguration"] = self.parallelism_configuration
        return out

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "PipelineExecutionArn": self.arn,
            "StartTime": self.creation_time,
            "PipelineExecutionStatus": self.status,
            "PipelineExecutionDisplayName": self.display_name,
        }
        if self.description is not None:
            out["PipelineExecutionDescription"] = self.description
        if self.failure_reason is not None:
            out["PipelineExecutionFailureReason"] = self.failure_reason
        return out


# --------------------------------------------------------------------------
# Lookups
# --------------------------------------------------------------------------


def _pipeline_arn_for(backend: Any, name_or_arn: str) -> str:
    if name_or_arn.startswith("arn:"):
        return name_or_arn
    return ext._arn(backend, f"pipeline/{name_or_arn.lower()}")


def pipeline_or_none(backend: Any, name_or_arn: str) -> EmuPipeline | None:
    wanted = _pipeline_arn_for(backend, name_or_arn).lower()
    for pipeline in backend.pipelines.values():
        if isinstance(pipeline, EmuPipeline) and pipeline.arn.lower() == wanted:
            return pipeline
    return None


def require_pipeline(backend: Any, name_or_arn: str) -> EmuPipeline:
    pipeline = pipeline_or_none(backend, name_or_arn)
    if pipeline is None:
        raise ResourceNotFound(f"Pipeline '{_pipeline_arn_for(backend, name_or_arn)}' does not exist.")
    return pipeline


def require_execution(backend: Any, arn: str) -> EmuPipelineExecution:
    pipeline_arn = arn.lower().split("/execution/", 1)[0]
    pipeline = pipeline_or_none(backend, pipeline_arn) if pipeline_arn.startswith("arn:") else None
    if pipeline is not None:
        for execution in pipeline.executions.values():
            if execution.arn.lower() == arn.lower():
                return execution
    raise ResourceNotFound(f"Pipeline execution '{arn}' does not exist.")


def _tag_resolver(backend: Any, arn: str) -> Any:
    if "/execution/" in arn.lower():
        return None  # executions are not taggable
    return pipeline_or_none(backend, arn)


# --------------------------------------------------------------------------
# Definition and parameter checks
# --------------------------------------------------------------------------


def _parse_definition(text: str) -> dict[str, Any]:
    """AWS rejects definitions it cannot parse with ``Unable to parse pipeline definition.``"""
    try:
        parsed = json.loads(text)
    except ValueError as exc:
        raise ValidationException(f"Unable to parse pipeline definition. Invalid JSON: {exc}")
    if not isinstance(parsed, dict):
        raise ValidationException(
            "Unable to parse pipeline definition. The definition must be a JSON object."
        )
    declared = parsed.get("Parameters", [])
    if not isinstance(declared, list) or any(
        not isinstance(p, dict) or not isinstance(p.get("Name"), str) for p in declared
    ):
        raise ValidationException(
            "Unable to parse pipeline definition. Parameters must be a list of objects "
            "with a Name."
        )
    steps = parsed.get("Steps", [])
    if not isinstance(steps, list):
        raise ValidationException("Unable to parse pipeline definition. Steps must be a list.")
    return parsed


def _definition_from(backend: Any, params: dict[str, Any], operation: str) -> str | None:
    inline = params.get("PipelineDefinition")
    location = params.get("PipelineDefinitionS3Location")
    if inline is not None and location is not None:
        raise ValidationException(
            "Both Pipeline Definition and Pipeline Definition S3 Location shouldn't be present"
        )
    if location is not None:
        from moto.s3.models import s3_backends
        from moto.utilities.utils import get_partition

        s3 = s3_backends[backend.account_id][get_partition(backend.region_name)]
        try:
            obj = s3.get_object(
                bucket_name=location["Bucket"],
                key_name=location["ObjectKey"],
                version_id=location.get("VersionId"),
            )
        except Exception:
            obj = None
        if obj is None:
            raise ValidationException(
                "Unable to read the pipeline definition from "
                f"s3://{location['Bucket']}/{location['ObjectKey']}."
            )
        inline = obj.value.decode("utf-8")
    if inline is None and operation == "CreatePipeline":
        raise ValidationException(
            "Either Pipeline Definition or Pipeline Definition S3 location should be provided"
        )
    if inline is not None:
        _parse_definition(inline)
    return inline


def _check_parameters(definition: str, given: list[dict[str, str]]) -> None:
    """Validate PipelineParameters against the definition's declared Parameters.

    AWS validates them with a JSON schema derived from the definition and
    reports the schema validator's messages in brackets, e.g.
    ``[string "" is too short (length: 0, required minimum: 1)]``.
    """
    declared = {p["Name"]: p for p in _parse_definition(definition).get("Parameters", [])}
    names = [p["Name"] for p in given]
    problems: list[str] = []
    unknown = sorted({n for n in names if n not in declared})
    if unknown:
        problems.append(
            "object instance has properties which are not allowed by the schema: ["
            + ",".join(f'"{n}"' for n in unknown)
            + "]"
        )
    missing = [n for n, p in declared.items() if "DefaultValue" not in p and n not in names]
    if missing:
        problems.append(
            "object has missing required properties (["
            + ",".join(f'"{n}"' for n in missing)
            + "])"
        )
    for item in given:
        spec = declared.get(item["Name"])
        if spec is None:
            continue
        value = item["Value"]
        kind = spec.get("Type", "String")
        if kind == "String":
            if value == "":
                problems.append('string "" is too short (length: 0, required minimum: 1)')
            enum = spec.get("EnumValues")
            if isinstance(enum, list) and enum and value not in enum:
                problems.append(
                    f'instance value ("{value}") not found in enum (possible values: ['
                    + ",".join(f'"{e}"' for e in enum)
                    + "])"
                )
        elif kind == "Integer":
            if not _INTEGER.fullmatch(value):
                problems.append(f'instance value ("{value}") of parameter "{item["Name"]}" is not a valid Integer')
        elif kind == "Float":
            try:
                number = float(value)
                valid = number == number and number not in (float("inf"), float("-inf"))
            except ValueError:
                valid = False
            if not valid:
                problems.append(f'instance value ("{value}") of parameter "{item["Name"]}" is not a valid Float')
        elif kind == "Boolean":
            if value.lower() not in ("true", "false"):
                problems.append(f'instance value ("{value}") of parameter "{item["Name"]}" is not a valid Boolean')
    if problems:
        raise ValidationException("[" + ", ".join(problems) + "]")


# --------------------------------------------------------------------------
# Backend operations
# --------------------------------------------------------------------------


def _tokens(backend: Any) -> dict[str, str]:
    return backend.__dict__.setdefault("_emu_pipeline_tokens", {})


def create_pipeline(backend: Any, params: dict[str, Any]) -> str:
    token = params.get("ClientRequestToken")
    tokens = _tokens(backend)
    if token and ("create", token) in tokens:
        previous = pipeline_or_none(backend, tokens[("create", token)])
        if previous is not None and previous.pipeline_name.lower() == params["PipelineName"].lower():
            return previous.arn
    existing = pipeline_or_none(backend, params["PipelineName"])
    if existing is not None:
        raise ValidationException(
            "Pipeline names must be unique within an AWS account and region. Pipeline "
            f"with name ({params['PipelineName']}) already exists."
        )
    definition = _definition_from(backend, params, "CreatePipeline")
    ext._check_tag_keys(params.get("Tags") or [])
    pipeline = EmuPipeline(backend, params, definition or "")
    backend.pipelines[pipeline.pipeline_name] = pipeline
    if token:
        tokens[("create", token)] = pipeline.arn
    return pipeline.arn


def update_pipeline(backend: Any, params: dict[str, Any]) -> tuple[str, int]:
    pipeline = require_pipeline(backend, params["PipelineName"])
    definition = _definition_from(backend, params, "UpdatePipeline")
    if definition is not None:
        pipeline.pipeline_definition = definition
    if "PipelineDisplayName" in params:
        pipeline.pipeline_display_name = params["PipelineDisplayName"]
    if "PipelineDescription" in params:
        pipeline.pipeline_description = params["PipelineDescription"]
    if "RoleArn" in params:
        pipeline.role_arn = params["RoleArn"]
    if "ParallelismConfiguration" in params:
        pipeline.parallelism_configuration = params["ParallelismConfiguration"]
    pipeline.last_modified_time = ext._now()
    return pipeline.arn, pipeline.new_version()


def delete_pipeline(backend: Any, name: str) -> str:
    pipeline = require_pipeline(backend, name)
    for key, value in list(backend.pipelines.items()):
        if value is pipeline:
            del backend.pipelines[key]
    return pipeline.arn


def list_pipelines(backend: Any, params: dict[str, Any]) -> tuple[list[dict], str | None]:
    prefix = (params.get("PipelineNamePrefix") or "").lower()
    after = ext._to_datetime(params.get("CreatedAfter"))
    before = ext._to_datetime(params.get("CreatedBefore"))
    pipelines = [
        p
        for p in backend.pipelines.values()
        if isinstance(p, EmuPipeline)
        and p.pipeline_name.lower().startswith(prefix)
        and (after is None or ext._aware(p.creation_time) > after)
        and (before is None or ext._aware(p.creation_time) < before)
    ]
    if params.get("SortBy") == "Name":
        pipelines.sort(key=lambda p: (p.pipeline_name.lower(), p.seq))
    else:
        pipelines.sort(key=lambda p: (p.creation_time, p.seq))
    if params.get("SortOrder", "Descending") == "Descending":
        pipelines.reverse()
    page, token = ext._paginate(pipelines, params.get("MaxResults"), params.get("NextToken"))
    return [p.summary() for p in page], token


def start_execution(backend: Any, params: dict[str, Any]) -> str:
    pipeline = require_pipeline(backend, params["PipelineName"])
    token = params.get("ClientRequestToken")
    tokens = _tokens(backend)
    if token and ("start", token) in tokens:
        for execution in pipeline.executions.values():
            if execution.arn == tokens[("start", token)]:
                return execution.arn
    version_id = params.get("PipelineVersionId") or pipeline.version_id
    if version_id not in pipeline.versions:
        raise ResourceNotFound(
            f"Pipeline version {version_id} of pipeline '{pipeline.arn}' does not exist."
        )
    given = params.get("PipelineParameters") or []
    _check_parameters(pipeline.versions[version_id]["PipelineDefinition"], given)
    execution = EmuPipelineExecution(backend, pipeline, params, version_id)
    pipeline.executions[execution.arn] = execution
    pipeline.last_run_time = execution.creation_time
    if token:
        tokens[("start", token)] = execution.arn
    return execution.arn


def stop_execution(backend: Any, arn: str) -> str:
    execution = require_execution(backend, arn)
    if execution.status in ("Stopping",):
        return execution.arn
    if execution.status in TERMINAL_STATUSES:
        raise ConflictException(
            f"Pipeline execution '{execution.arn}' is in status {execution.status} and "
            "cannot be stopped. Only executions in status Executing can be stopped."
        )
    execution.set_status("Stopping")
    return execution.arn


def list_executions(backend: Any, params: dict[str, Any]) -> tuple[list[dict], str | None]:
    pipeline = require_pipeline(backend, params["PipelineName"])
    after = ext._to_datetime(params.get("CreatedAfter"))
    before = ext._to_datetime(params.get("CreatedBefore"))
    executions = [
        e
        for e in pipeline.executions.values()
        if (after is None or ext._aware(e.creation_time) > after)
        and (before is None or ext._aware(e.creation_time) < before)
    ]
    if params.get("SortBy") == "PipelineExecutionArn":
        executions.sort(key=lambda e: (e.arn, e.seq))
    else:
        executions.sort(key=lambda e: (e.creation_time, e.seq))
    if params.get("SortOrder", "Descending") == "Descending":
        executions.reverse()
    page, token = ext._paginate(executions, params.get("MaxResults"), params.get("NextToken"))
    summaries = [e.summary() for e in page]
    for execution in page:
        execution.observe()
    return summaries, token


def set_execution_status(spec: dict[str, Any]) -> dict[str, Any]:
    """Control API: {"arn", "status", "failure_reason"?} for any account/region."""
    from moto.sagemaker.models import sagemaker_backends

    arn = spec.get("arn")
    status = spec.get("status")
    if not isinstance(arn, str) or status not in EXECUTION_STATUSES:
        raise ValueError(
            "body must be {\"arn\": <execution ARN>, \"status\": one of "
            + ", ".join(EXECUTION_STATUSES)
            + ", \"failure_reason\"?: <string>}"
        )
    parts = arn.split(":")
    if len(parts) < 6:
        raise ValueError(f"not a pipeline execution ARN: {arn}")
    region, account = parts[3], parts[4]
    with ext._LOCK:
        try:
            backend = sagemaker_backends[account][region]
            execution = require_execution(backend, arn)
        except (KeyError, ResourceNotFound):
            raise ControlNotFound(f"no pipeline execution {arn}")
        execution.set_status(status, spec.get("failure_reason"))
        return {"arn": execution.arn, "status": execution.status}


# --------------------------------------------------------------------------
# Response (wire) methods
# --------------------------------------------------------------------------


def r_create_pipeline(self: Any) -> ActionResult:
    p = ext._params(self)
    return ActionResult({"PipelineArn": create_pipeline(self.sagemaker_backend, p)})


def r_describe_pipeline(self: Any) -> ActionResult:
    p = ext._params(self)
    pipeline = require_pipeline(self.sagemaker_backend, p["PipelineName"])
    version_id = p.get("PipelineVersionId")
    if version_id is not None and version_id not in pipeline.versions:
        raise ResourceNotFound(
            f"Pipeline version {version_id} of pipeline '{pipeline.arn}' does not exist."
        )
    return ActionResult(pipeline.describe(version_id))


def r_update_pipeline(self: Any) -> ActionResult:
    p = ext._params(self)
    arn, version_id = update_pipeline(self.sagemaker_backend, p)
    return ActionResult({"PipelineArn": arn, "PipelineVersionId": version_id})


def r_delete_pipeline(self: Any) -> ActionResult:
    p = ext._params(self)
    return ActionResult({"PipelineArn": delete_pipeline(self.sagemaker_backend, p["PipelineName"])})


def r_list_pipelines(self: Any) -> ActionResult:
    p = ext._params(self)
    items, token = list_pipelines(self.sagemaker_backend, p)
    out: dict[str, Any] = {"PipelineSummaries": items}
    if token:
        out["NextToken"] = token
    return ActionResult(out)


def r_start_pipeline_execution(self: Any) -> ActionResult:
    p = ext._params(self)
    return ActionResult({"PipelineExecutionArn": start_execution(self.sagemaker_backend, p)})


def r_stop_pipeline_execution(self: Any) -> ActionResult:
    p = ext._params(self)
    return ActionResult(
        {"PipelineExecutionArn": stop_execution(self.sagemaker_backend, p["PipelineExecutionArn"])}
    )


def r_describe_pipeline_execution(self: Any) -> ActionResult:
    p = ext._params(self)
    execution = require_execution(self.sagemaker_backend, p["PipelineExecutionArn"])
    out = execution.describe()
    execution.observe()
    return ActionResult(out)


def r_list_pipeline_executions(self: Any) -> ActionResult:
    p = ext._params(self)
    items, token = list_executions(self.sagemaker_backend, p)
    out: dict[str, Any] = {"PipelineExecutionSummaries": items}
    if token:
        out["NextToken"] = token
    return ActionResult(out)


def r_describe_pipeline_definition_for_execution(self: Any) -> ActionResult:
    p = ext._params(self)
    execution = require_execution(self.sagemaker_backend, p["PipelineExecutionArn"])
    return ActionResult(
        {"PipelineDefinition": execution.definition, "CreationTime": execution.creation_time}
    )


def r_list_pipeline_parameters_for_execution(self: Any) -> ActionResult:
    p = ext._params(self)
    execution = require_execution(self.sagemaker_backend, p["PipelineExecutionArn"])
    page, token = ext._paginate(execution.parameters, p.get("MaxResults"), p.get("NextToken"))
    out: dict[str, Any] = {"PipelineParameters": page}
    if token:
        out["NextToken"] = token
    return ActionResult(out)


RESPONSE_METHODS = {
    "create_pipeline": r_create_pipeline,
    "describe_pipeline": r_describe_pipeline,
    "update_pipeline": r_update_pipeline,
    "delete_pipeline": r_delete_pipeline,
    "list_pipelines": r_list_pipelines,
    "start_pipeline_execution": r_start_pipeline_execution,
    "stop_pipeline_execution": r_stop_pipeline_execution,
    "describe_pipeline_execution": r_describe_pipeline_execution,
    "list_pipeline_executions": r_list_pipeline_executions,
    "describe_pipeline_definition_for_execution": r_describe_pipeline_definition_for_execution,
    "list_pipeline_parameters_for_execution": r_list_pipeline_parameters_for_execution,
}

CONTROL_ROUTES = {("POST", "/sagemaker/pipeline-execution"): set_execution_status}

_installed = False


def install() -> None:
    """Patch moto's SageMaker response class (idempotent); needs sagemaker_ext."""
    global _installed
    if _installed:
        return
    ext.install()
    for name, func in RESPONSE_METHODS.items():
        setattr(Response, name, ext._locked(func))
    ext.TAG_RESOLVERS["pipeline"] = _tag_resolver
    _installed = True
