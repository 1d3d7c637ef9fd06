"""SageMaker Model Monitor on top of moto 5.2.5: data quality and model quality
job definitions and monitoring schedules.

moto 5.2.5 has the job definition operations but keeps them under
case-sensitive names, silently replaces a definition created twice, fills no
defaults, lets any definition be deleted, answers a missing data quality
definition with a message unlike the model quality one, returns a fake
``EndpointName`` in list summaries and validates nothing; it has no monitoring
schedules at all.  ``install()`` replaces/adds those operations of moto's
``SageMakerResponse``; state lives on moto's per-account/per-region SageMaker
backend (``data_quality_job_definitions``, ``model_quality_job_definitions``
and a ``monitoring_schedules`` dict this module adds), so moto's reset clears it.

Behaviour (kept in step with the emulator's README and tests):

* ARNs ``arn:<partition>:sagemaker:<region>:<account>:data-quality-job-definition/<name lowercased>``,
  ``...:model-quality-job-definition/<name lowercased>``,
  ``...:monitoring-schedule/<name lowercased>``; names are unique
  case-insensitively, lookups ignore case.
* Job definitions are immutable; Describe returns what was created plus the
  defaults AWS fills (S3InputMode ``File``, S3DataDistributionType
  ``FullyReplicated``, S3UploadMode ``EndOfJob``, StoppingCondition).  A
  definition a monitoring schedule uses cannot be deleted.
* Schedules move by time, like endpoints (same delay setting): Create, Update,
  Start and Stop put the schedule in ``Pending``; one delay later it is
  ``Scheduled`` (``Stopped`` after Stop); DeleteMonitoringSchedule shows
  ``Pending`` for one delay, then the schedule is gone.
"""

from __future__ import annotations

import copy
import datetime
import hashlib
import re
import uuid
from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.sagemaker import models as sm_models
from moto.sagemaker.exceptions import SagemakerClientError

from . import sagemaker_endpoint_ext as hosting
from . import sagemaker_ext as ext
from .middleware import ControlNotFound
from .sagemaker_ext import ValidationException

Response = ext.Response

MONITORING_TYPES = ("DataQuality", "ModelQuality", "ModelBias", "ModelExplainability")
SCHEDULE_STATUSES = ("Pending", "Failed", "Scheduled", "Stopped")
EXECUTION_STATUSES = ("Pending", "Completed", "CompletedWithViolations", "InProgress", "Failed", "Stopping", "Stopped")

# Per definition type: request member prefix, ARN resource type, backend dict, words.
KINDS: dict[str, dict[str, str]] = {
    "DataQuality": {
        "prefix": "DataQuality",
        "arn": "data-quality-job-definition",
        "attr": "data_quality_job_definitions",
        "label": "data quality",
    },
    "ModelQuality": {
        "prefix": "ModelQuality",
        "arn": "model-quality-job-definition",
        "attr": "model_quality_job_definitions",
        "label": "model quality",
    },
}
# AWS's default StoppingCondition: 3600 s for data quality (what AWS returns for a
# definition created without one); model quality hourly jobs may run at most 1800 s
# (ScheduleConfig documentation), so that is its default.
DEFAULT_MAX_RUNTIME = {"DataQuality": 3600, "ModelQuality": 1800, "ModelBias": 1800, "ModelExplainability": 3600}
# "For data quality and model explainability, this can be up to 3600 seconds for an
# hourly schedule. For model bias and model quality hourly schedules, this can be up
# to 1800 seconds." (MonitoringStoppingCondition)
HOURLY_MAX_RUNTIME = DEFAULT_MAX_RUNTIME


class ResourceNotFound(SagemakerClientError):
    code = "ResourceNotFound"


class ResourceInUse(SagemakerClientError):
    code = "ResourceInUse"


def _schedules(backend: Any) -> dict[str, "EmuMonitoringSchedule"]:
    return backend.__dict__.setdefault("monitoring_schedules", {})


# --------------------------------------------------------------------------
# Defaults AWS fills in
# --------------------------------------------------------------------------


def _input_defaults(job_input: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(job_input)
    for key in ("EndpointInput", "BatchTransformInput"):
        if isinstance(out.get(key), dict):
            out[key].setdefault("S3InputMode", "File")
            out[key].setdefault("S3DataDistributionType", "FullyReplicated")
    return out


def _output_defaults(output_config: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(output_config)
    for item in out.get("MonitoringOutputs") or []:
        if isinstance(item.get("S3Output"), dict):
            item["S3Output"].setdefault("S3UploadMode", "EndOfJob")
    return out


def _one_input(job_input: dict[str, Any], where: str) -> None:
    present = [k for k in ("EndpointInput", "BatchTransformInput") if job_input.get(k) is not None]
    if len(present) != 1:
        raise ValidationException(
            f"Exactly one of EndpointInput or BatchTransformInput must be specified in {where}."
        )


def _endpoint_of(job_input: dict[str, Any] | None) -> str | None:
    endpoint_input = (job_input or {}).get("EndpointInput") or {}
    return endpoint_input.get("EndpointName")


# --------------------------------------------------------------------------
# Job definitions
# --------------------------------------------------------------------------


class EmuJobDefinition(sm_models.BaseObject):
    def __init__(self, backend: Any, kind: str, params: dict[str, Any]):
        spec = KINDS[kind]
        prefix = spec["prefix"]
        self.kind = kind
        self.job_definition_name: str = params["JobDefinitionName"]
        self.arn = ext._arn(backend, f"{spec['arn']}/{self.job_definition_name.lower()}")
        self.creation_time = ext._now()
        self.tags = list(params.get("Tags") or [])
        self.seq = next(ext._SEQUENCE)
        body: dict[str, Any] = {}
        for member in (
            f"{prefix}BaselineConfig",
            f"{prefix}AppSpecification",
            f"{prefix}JobInput",
            f"{prefix}JobOutputConfig",
            "JobResources",
            "NetworkConfig",
            "RoleArn",
            "StoppingCondition",
        ):
            if params.get(member) is not None:
                body[member] = copy.deepcopy(params[member])
        body[f"{prefix}JobInput"] = _input_defaults(body[f"{prefix}JobInput"])
        body[f"{prefix}JobOutputConfig"] = _output_defaults(body[f"{prefix}JobOutputConfig"])
        body.setdefault("StoppingCondition", {"MaxRuntimeInSeconds": DEFAULT_MAX_RUNTIME[kind]})
        self.body = body

    @property
    def job_input(self) -> dict[str, Any]:
        return self.body[f"{KINDS[self.kind]['prefix']}JobInput"]

    @property
    def endpoint_name(self) -> str | None:
        return _endpoint_of(self.job_input)

    @property
    def max_runtime(self) -> int:
        return int(self.body["StoppingCondition"]["MaxRuntimeInSeconds"])

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "JobDefinitionArn": self.arn,
            "JobDefinitionName": self.job_definition_name,
            "CreationTime": self.creation_time,
        }
        out.update(copy.deepcopy(self.body))
        return out

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "MonitoringJobDefinitionName": self.job_definition_name,
            "MonitoringJobDefinitionArn": self.arn,
            "CreationTime": self.creation_time,
        }
        if self.endpoint_name is not None:
            out["EndpointName"] = self.endpoint_name
        return out


def _definitions(backend: Any, kind: str) -> dict[str, Any]:
    return getattr(backend, KINDS[kind]["attr"])


def definition_or_none(backend: Any, kind: str, name: str) -> EmuJobDefinition | None:
    wanted = name.lower()
    for item in list(_definitions(backend, kind).values()):
        if isinstance(item, EmuJobDefinition) and item.job_definition_name.lower() == wanted:
            return item
    return None


def _definition_missing(kind: str, name: str, error: type = ResourceNotFound) -> Exception:
    return error(f"Could not find {KINDS[kind]['label']} job definition '{name}'.")


def require_definition(backend: Any, kind: str, name: str) -> EmuJobDefinition:
    item = definition_or_none(backend, kind, name)
    if item is None:
        raise _definition_missing(kind, name)
    return item


def _check_model_quality_input(job_input: dict[str, Any]) -> None:
    """AWS: ``InvalidParameter: 1 validation error(s) found.\\n- missing required field,
    CreateModelQualityJobDefinitionInput.ModelQualityJobInputs.EndpointInput.InferenceAttribute.\\n``
    (sagemaker-python-sdk #3959)."""
    missing = []
    for key in ("EndpointInput", "BatchTransformInput"):
        if job_input.get(key) is not None and not job_input[key].get("InferenceAttribute"):
            missing.append(f"CreateModelQualityJobDefinitionInput.ModelQualityJobInputs.{key}.InferenceAttribute")
    if not (job_input.get("GroundTruthS3Input") or {}).get("S3Uri"):
        missing.append("CreateModelQualityJobDefinitionInput.ModelQualityJobInputs.GroundTruthS3Input.S3Uri")
    if missing:
        count = len(missing)
        lines = "".join(f"- missing required field, {field}.\n" for field in missing)
        raise ValidationException(f"InvalidParameter: {count} validation error(s) found.\n{lines}")


def create_definition(backend: Any, kind: str, params: dict[str, Any]) -> str:
    name = params["JobDefinitionName"]
    existing = definition_or_none(backend, kind, name)
    if existing is not None:
        raise ResourceInUse(f"Job definition {existing.arn} already exists.")
    prefix = KINDS[kind]["prefix"]
    job_input = params[f"{prefix}JobInput"]
    _one_input(job_input, f"{prefix}JobInput")
    if kind == "ModelQuality":
        _check_model_quality_input(job_input)
    ext._check_tag_keys(params.get("Tags") or [])
    item = EmuJobDefinition(backend, kind, params)
    _definitions(backend, kind)[item.job_definition_name] = item
    return item.arn


def delete_definition(backend: Any, kind: str, name: str) -> None:
    item = require_definition(backend, kind, name)
    users = sorted(
        s.name
        for s in all_schedules(backend)
        if s.job_definition_name is not None
        and s.job_definition_name.lower() == item.job_definition_name.lower()
        and s.monitoring_type == kind
    )
    if users:
        # "Job definition is locked by schedule" (sagemaker-python-sdk, which waits for the
        # schedule deletion to finish before deleting the definition).
        raise ResourceInUse(
            f"Job definition {item.job_definition_name} is in use by monitoring schedule(s) "
            f"{', '.join(users)} and cannot be deleted. Delete the monitoring schedule(s) first."
        )
    for key, value in list(_definitions(backend, kind).items()):
        if value is item:
            del _definitions(backend, kind)[key]


def list_definitions(backend: Any, kind: str, params: dict[str, Any]) -> dict[str, Any]:
    items = [d for d in list(_definitions(backend, kind).values()) if isinstance(d, EmuJobDefinition)]
    endpoint = params.get("EndpointName")
    if endpoint:
        items = [d for d in items if (d.endpoint_name or "").lower() == endpoint.lower()]
    items = hosting._filtered(items, params, lambda d: d.job_definition_name)
    return hosting._page(items, params, "JobDefinitionSummaries")


# --------------------------------------------------------------------------
# Schedule expressions
# --------------------------------------------------------------------------

_CRON = re.compile(r"cron\((\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\)")
_HOUR = re.compile(r"(\d{1,2})(?:/(\d{1,2}))?")
_DURATION = re.compile(r"([+-]?)P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?")


def _cron_hours(expression: str) -> int | None:
    """Hours between runs for a supported expression (0 for NOW); None if unsupported.

    Supported (ScheduleConfig reference and the Model Monitor guide): hourly
    ``cron(0 * ? * * *)``, daily ``cron(0 [00-23] ? * * *)``, every N hours
    ``cron(0 [00-23]/[01-24] ? * * *)`` ("SageMaker AI only supports hourly integer
    rates between 1 hour and 24 hours") and ``NOW``.  Day-of-month and day-of-week
    may swap ``?`` and ``*``: AWS accepts ``cron(0 * * * ? *)`` (aws-controllers-k8s
    sagemaker-controller e2e test)."""
    if expression == "NOW":
        return 0
    match = _CRON.fullmatch(expression)
    if match is None:
        return None
    minute, hour, dom, month, dow, year = match.groups()
    if minute != "0" or month != "*" or year != "*" or {dom, dow} != {"?", "*"}:
        return None
    if hour == "*":
        return 1
    hour_match = _HOUR.fullmatch(hour)
    if hour_match is None or not 0 <= int(hour_match.group(1)) <= 23:
        return None
    if hour_match.group(2) is None:
        return 24
    step = int(hour_match.group(2))
    return step if 1 <= step <= 24 else None


def _offset_seconds(value: str, field: str) -> int:
    match = _DURATION.fullmatch(value)
    if match is None or not any(match.group(i) for i in range(2, 6)):
        raise ValidationException(
            f"Invalid {field} '{value}': specify an ISO 8601 duration offset such as -PT1H."
        )
    sign = -1 if match.group(1) == "-" else 1
    days, hours, minutes, seconds = (int(match.group(i) or 0) for i in range(2, 6))
    return sign * (((days * 24 + hours) * 60 + minutes) * 60 + seconds)


def _check_schedule_config(config: dict[str, Any]) -> int | None:
    """Validates ScheduleConfig; returns the interval in hours (None without ScheduleConfig)."""
    schedule = config.get("ScheduleConfig")
    if schedule is None:
        return None
    expression = schedule["ScheduleExpression"]
    hours = _cron_hours(expression)
    if hours is None:
        raise ValidationException(
            f"Invalid ScheduleExpression {expression}. Supported expressions are cron(0 * ? * * *) "
            "(hourly), cron(0 [00-23] ? * * *) (daily), cron(0 [00-23]/[01-24] ? * * *) (every N "
            "hours) and NOW (one time, with DataAnalysisStartTime and DataAnalysisEndTime)."
        )
    start = schedule.get("DataAnalysisStartTime")
    end = schedule.get("DataAnalysisEndTime")
    if expression == "NOW" and (start is None or end is None):
        raise ValidationException(
            "DataAnalysisStartTime and DataAnalysisEndTime are required when ScheduleExpression is NOW."
        )
    if (start is None) != (end is None):
        raise ValidationException(
            "DataAnalysisStartTime and DataAnalysisEndTime must be specified together."
        )
    if start is not None and end is not None:
        start_s = _offset_seconds(start, "DataAnalysisStartTime")
        end_s = _offset_seconds(end, "DataAnalysisEndTime")
        if start_s > end_s:
            raise ValidationException(
                f"DataAnalysisStartTime {start} must not be later than DataAnalysisEndTime {end}."
            )
        if end_s - start_s > 24 * 3600:
            raise ValidationException(
                f"DataAnalysisStartTime {start} must not precede DataAnalysisEndTime {end} by more than 24 hours."
            )
    return hours


# --------------------------------------------------------------------------
# Monitoring schedules
# --------------------------------------------------------------------------


class _ResolvedConfig:
    """A validated MonitoringScheduleConfig, with AWS's defaults applied."""

    def __init__(self, config: dict[str, Any], monitoring_type: str, definition_name: str | None,
                 endpoint_name: str | None, max_runtime: int | None):
        self.config = config
        self.monitoring_type = monitoring_type
        self.definition_name = definition_name
        self.endpoint_name = endpoint_name
        self.max_runtime = max_runtime


def _other_definition(backend: Any, monitoring_type: str, name: str) -> Any:
    """ModelBias / ModelExplainability definitions live in moto's own dicts."""
    attr = {"ModelBias": "model_bias_job_definitions", "ModelExplainability": "model_explainability_job_definitions"}[
        monitoring_type
    ]
    for key, value in list(getattr(backend, attr, {}).items()):
        if key.lower() == name.lower():
            return value
    return None


def _default_daily(name: str) -> str:
    """"If you would like a daily schedule, you do not provide this parameter. SageMaker
    AI will pick a time" -- a stable hour derived from the schedule name."""
    hour = int(hashlib.sha256(name.lower().encode()).hexdigest(), 16) % 24
    return f"cron(0 {hour} ? * * *)"


def _resolve_config(backend: Any, name: str, raw: dict[str, Any]) -> _ResolvedConfig:
    config = copy.deepcopy(raw)
    inline = config.get("MonitoringJobDefinition")
    definition_name = config.get("MonitoringJobDefinitionName")
    if inline is not None and definition_name is not None:
        raise ValidationException(
            "Only one of MonitoringJobDefinition or MonitoringJobDefinitionName can be specified in MonitoringScheduleConfig."
        )
    if inline is None and definition_name is None:
        raise ValidationException(
            "Either MonitoringJobDefinition or MonitoringJobDefinitionName must be specified in MonitoringScheduleConfig."
        )
    # AWS assigns DataQuality when MonitoringType is omitted (what DescribeMonitoringSchedule
    # returns for an inline definition created without one).
    monitoring_type = config.setdefault("MonitoringType", "DataQuality")
    hours = _check_schedule_config(config)
    if inline is not None:
        inputs = inline["MonitoringInputs"]
        _one_input(inputs[0], "MonitoringJobDefinition.MonitoringInputs")
        inline["MonitoringInputs"] = [_input_defaults(i) for i in inputs]
        inline["MonitoringOutputConfig"] = _output_defaults(inline["MonitoringOutputConfig"])
        inline.setdefault("StoppingCondition", {"MaxRuntimeInSeconds": DEFAULT_MAX_RUNTIME[monitoring_type]})
        endpoint_name = _endpoint_of(inputs[0])
        max_runtime: int | None = int(inline["StoppingCondition"]["MaxRuntimeInSeconds"])
    elif monitoring_type in KINDS:
        definition = definition_or_none(backend, monitoring_type, definition_name)
        if definition is None:
            raise _definition_missing(monitoring_type, definition_name, ValidationException)
        endpoint_name = definition.endpoint_name
        max_runtime = definition.max_runtime
        config["MonitoringJobDefinitionName"] = definition.job_definition_name
    else:
        other = _other_definition(backend, monitoring_type, definition_name)
        if other is None:
            label = "model bias" if monitoring_type == "ModelBias" else "model explainability"
            raise ValidationException(f"Could not find {label} job definition '{definition_name}'.")
        job_input = next(
            (v for k, v in vars(other).items() if k.endswith("_job_input") and isinstance(v, dict)), {}
        )
        endpoint_name = _endpoint_of(job_input)
        condition = getattr(other, "stopping_condition", None) or {}
        max_runtime = int(condition.get("MaxRuntimeInSeconds") or DEFAULT_MAX_RUNTIME[monitoring_type])
    if endpoint_name is not None and hosting.endpoint_or_none(backend, endpoint_name) is None:
        # SageMaker "verifies that an endpoint exists in the same workspace as the
        # monitoring schedule" (sagemaker-python-sdk #4873)
        raise ValidationException(
            f"Could not find endpoint {hosting._quoted(hosting._endpoint_arn(backend, endpoint_name))}."
        )
    if hours == 1 and max_runtime is not None and max_runtime > HOURLY_MAX_RUNTIME[monitoring_type]:
        raise ValidationException(
            f"MaxRuntimeInSeconds {max_runtime} exceeds the maximum of {HOURLY_MAX_RUNTIME[monitoring_type]} "
            f"seconds for an hourly {monitoring_type} monitoring schedule: MaxRuntimeInSeconds cannot "
            "exceed the frequency of the job."
        )
    if config.get("ScheduleConfig") is None:
        config["ScheduleConfig"] = {"ScheduleExpression": _default_daily(name)}
    return _ResolvedConfig(config, monitoring_type, config.get("MonitoringJobDefinitionName"), endpoint_name, max_runtime)


class EmuMonitoringSchedule(sm_models.BaseObject):
    def __init__(self, backend: Any, name: str, resolved: _ResolvedConfig, tags: list[dict[str, str]]):
        self.backend = backend
        self.name = name
        self.arn = ext._arn(backend, f"monitoring-schedule/{name.lower()}")
        self.tags = list(tags)
        self.creation_time = ext._now()
        self.last_modified_time = self.creation_time
        self.failure_reason: str | None = None
        self.last_execution: dict[str, Any] | None = None
        self.seq = next(ext._SEQUENCE)
        self.gone = False
        self.status = "Pending"
        self.phase: str | None = None
        self.target: str | None = None
        self.ready_at: datetime.datetime | None = None
        self.apply(resolved)
        self.start("Scheduled")

    # moto-style attribute names for its generic helpers
    @property
    def monitoring_schedule_name(self) -> str:
        return self.name

    def apply(self, resolved: _ResolvedConfig) -> None:
        self.config = resolved.config
        self.monitoring_type = resolved.monitoring_type
        self.job_definition_name = resolved.definition_name
        self.endpoint_name = resolved.endpoint_name

    # -- the clock ---------------------------------------------------------

    def start(self, target: str, phase: str = "change") -> None:
        self.status = "Pending"
        self.phase = phase
        self.target = target
        self.last_modified_time = ext._now()
        self.ready_at = self.last_modified_time + hosting._delay()

    def advance(self, now: datetime.datetime | None = None) -> None:
        now = now or ext._now()
        if self.gone or self.ready_at is None or now < self.ready_at:
            return
        at = self.ready_at
        self.ready_at = None
        phase, self.phase = self.phase, None
        if phase == "delete":
            self.gone = True
            schedules = _schedules(self.backend)
            for key, value in list(schedules.items()):
                if value is self:
                    del schedules[key]
            return
        assert self.target is not None
        self.status = self.target
        self.target = None
        self.last_modified_time = at

    # -- output ----------------------------------------------------------------

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "MonitoringScheduleArn": self.arn,
            "MonitoringScheduleName": self.name,
            "MonitoringScheduleStatus": self.status,
            "MonitoringType": self.monitoring_type,
            "CreationTime": self.creation_time,
            "LastModifiedTime": self.last_modified_time,
            "MonitoringScheduleConfig": copy.deepcopy(self.config),
        }
        if self.failure_reason is not None:
            out["FailureReason"] = self.failure_reason
        if self.endpoint_name is not None:
            out["EndpointName"] = self.endpoint_name
        if self.last_execution is not None:
            out["LastMonitoringExecutionSummary"] = dict(self.last_execution)
        return out

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "MonitoringScheduleName": self.name,
            "MonitoringScheduleArn": self.arn,
            "CreationTime": self.creation_time,
            "LastModifiedTime": self.last_modified_time,
            "MonitoringScheduleStatus": self.status,
            "MonitoringType": self.monitoring_type,
        }
        if self.endpoint_name is not None:
            out["EndpointName"] = self.endpoint_name
        if self.job_definition_name is not None:
            out["MonitoringJobDefinitionName"] = self.job_definition_name
        return out


def _schedule_arn(backend: Any, name: str) -> str:
    return ext._arn(backend, f"monitoring-schedule/{name.lower()}")


def schedule_or_none(backend: Any, name_or_arn: str) -> EmuMonitoringSchedule | None:
    wanted = (name_or_arn if name_or_arn.startswith("arn:") else _schedule_arn(backend, name_or_arn)).lower()
    for schedule in list(_schedules(backend).values()):
        if schedule.arn.lower() == wanted:
            schedule.advance()
            if not schedule.gone:
                return schedule
    return None


def require_schedule(backend: Any, name: str) -> EmuMonitoringSchedule:
    schedule = schedule_or_none(backend, name)
    if schedule is None:
        raise ResourceNotFound(f"Could not find monitoring schedule '{name}'.")
    return schedule


def all_schedules(backend: Any) -> list[EmuMonitoringSchedule]:
    out = []
    for schedule in list(_schedules(backend).values()):
        schedule.advance()
        if not schedule.gone:
            out.append(schedule)
    return out


def _not_pending(schedule: EmuMonitoringSchedule) -> None:
    if schedule.status == "Pending":
        raise ValidationException(
            f"Monitoring schedule {schedule.arn} is in Pending status and cannot be modified. "
            "Retry when the pending change has been applied."
        )


def create_schedule(backend: Any, params: dict[str, Any]) -> str:
    name = params["MonitoringScheduleName"]
    existing = schedule_or_none(backend, name)
    if existing is not None:
        raise ResourceInUse(f"Monitoring schedule {existing.arn} already exists.")
    resolved = _resolve_config(backend, name, params["MonitoringScheduleConfig"])
    ext._check_tag_keys(params.get("Tags") or [])
    schedule = EmuMonitoringSchedule(backend, name, resolved, params.get("Tags") or [])
    _schedules(backend)[schedule.name] = schedule
    return schedule.arn


def update_schedule(backend: Any, params: dict[str, Any]) -> str:
    schedule = require_schedule(backend, params["MonitoringScheduleName"])
    _not_pending(schedule)
    resolved = _resolve_config(backend, schedule.name, params["MonitoringScheduleConfig"])
    schedule.apply(resolved)
    schedule.failure_reason = None
    schedule.start("Stopped" if schedule.status == "Stopped" else "Scheduled")
    return schedule.arn


def delete_schedule(backend: Any, name: str) -> None:
    schedule = require_schedule(backend, name)
    _not_pending(schedule)
    schedule.start("", phase="delete")


def start_schedule(backend: Any, name: str) -> None:
    schedule = require_schedule(backend, name)
    _not_pending(schedule)
    schedule.failure_reason = None
    schedule.start("Scheduled")


def stop_schedule(backend: Any, name: str) -> None:
    schedule = require_schedule(backend, name)
    _not_pending(schedule)
    schedule.start("Stopped")


def list_schedules(backend: Any, params: dict[str, Any]) -> dict[str, Any]:
    items = all_schedules(backend)
    endpoint = params.get("EndpointName")
    if endpoint:
        items = [s for s in items if (s.endpoint_name or "").lower() == endpoint.lower()]
    definition = params.get("MonitoringJobDefinitionName")
    if definition:
        items = [s for s in items if (s.job_definition_name or "").lower() == definition.lower()]
    kind = params.get("MonitoringTypeEquals")
    if kind:
        items = [s for s in items if s.monitoring_type == kind]
    items = hosting._filtered(items, params, lambda s: s.name)
    return hosting._page(items, params, "MonitoringScheduleSummaries")


# --------------------------------------------------------------------------
# Tags
# --------------------------------------------------------------------------


def _definition_tags(kind: str) -> Any:
    def resolve(backend: Any, arn: str) -> Any:
        for item in list(_definitions(backend, kind).values()):
            if isinstance(item, EmuJobDefinition) and item.arn.lower() == arn.lower():
                return item
        return None

    return resolve


def _schedule_tags(backend: Any, arn: str) -> Any:
    return schedule_or_none(backend, arn)


# --------------------------------------------------------------------------
# Control API
# --------------------------------------------------------------------------


def _find_schedule(spec: dict[str, Any]) -> EmuMonitoringSchedule:
    from moto.sagemaker.models import sagemaker_backends

    ref = spec.get("name")
    if not isinstance(ref, str) or not ref:
        raise ValueError('"name" (monitoring schedule name or ARN) is required')
    region, account = spec.get("region"), spec.get("account")
    if ref.startswith("arn:"):
        parts = ref.split(":")
        if len(parts) < 6:
            raise ValueError(f"not a monitoring schedule ARN: {ref}")
        region, account = parts[3], parts[4]
    found = []
    for acct, reg, backend in list(sagemaker_backends.iter_backends()):
        if (region and reg != region) or (account and acct != account):
            continue
        schedule = schedule_or_none(backend, ref)
        if schedule is not None:
            found.append(schedule)
    if not found:
        raise ControlNotFound(f"no monitoring schedule {ref}")
    if len(found) > 1:
        raise ValueError(f'monitoring schedule {ref} exists in several regions/accounts: give "region" and "account"')
    return found[0]


def set_schedule_state(spec: dict[str, Any]) -> dict[str, Any]:
    """POST /_emulator/sagemaker/monitoring-schedule {"name", "status"?, "failure_reason"?,
    "execution"?: {"status", "failure_reason"?}, "region"?, "account"?}."""
    status = spec.get("status")
    if status is not None and status not in SCHEDULE_STATUSES:
        raise ValueError(f'"status" must be one of {", ".join(SCHEDULE_STATUSES)}')
    execution = spec.get("execution")
    if execution is not None:
        if not isinstance(execution, dict) or execution.get("status") not in EXECUTION_STATUSES:
            raise ValueError(f'"execution" must be an object with "status" one of {", ".join(EXECUTION_STATUSES)}')
    if status is None and execution is None:
        raise ValueError('give "status" and/or "execution"')
    with ext._LOCK:
        schedule = _find_schedule(spec)
        now = ext._now()
        if status is not None:
            schedule.status = status
            schedule.ready_at = None
            schedule.phase = schedule.target = None
            schedule.failure_reason = spec.get("failure_reason") if status == "Failed" else None
            schedule.last_modified_time = now
        if execution is not None:
            summary: dict[str, Any] = {
                "MonitoringScheduleName": schedule.name,
                "ScheduledTime": now.replace(minute=0, second=0, microsecond=0),
                "CreationTime": now,
                "LastModifiedTime": now,
                "MonitoringExecutionStatus": execution["status"],
                "ProcessingJobArn": ext._arn(
                    schedule.backend,
                    f"processing-job/model-monitoring-{now:%Y%m%d%H%M}-{uuid.uuid4().hex[:24]}",
                ),
                "MonitoringType": schedule.monitoring_type,
            }
            if schedule.endpoint_name is not None:
                summary["EndpointName"] = schedule.endpoint_name
            if schedule.job_definition_name is not None:
                summary["MonitoringJobDefinitionName"] = schedule.job_definition_name
            if execution.get("failure_reason"):
                summary["FailureReason"] = execution["failure_reason"]
            schedule.last_execution = summary
        return {
            "name": schedule.name,
            "status": schedule.status,
            "execution": (schedule.last_execution or {}).get("MonitoringExecutionStatus"),
        }


CONTROL_ROUTES = {("POST", "/sagemaker/monitoring-schedule"): set_schedule_state}


# --------------------------------------------------------------------------
# Response (wire) methods
# --------------------------------------------------------------------------


def _definition_methods(kind: str) -> dict[str, Any]:
    snake = {"DataQuality": "data_quality", "ModelQuality": "model_quality"}[kind]

    def r_create(self: Any) -> ActionResult:
        p = ext._params(self)
        return ActionResult({"JobDefinitionArn": create_definition(self.sagemaker_backend, kind, p)})

    def r_describe(self: Any) -> ActionResult:
        p = ext._params(self)
        return ActionResult(require_definition(self.sagemaker_backend, kind, p["JobDefinitionName"]).describe())

    def r_delete(self: Any) -> EmptyResult:
        p = ext._params(self)
        delete_definition(self.sagemaker_backend, kind, p["JobDefinitionName"])
        return EmptyResult()

    def r_list(self: Any) -> ActionResult:
        p = ext._params(self)
        return ActionResult(list_definitions(self.sagemaker_backend, kind, p))

    return {
        f"create_{snake}_job_definition": r_create,
        f"describe_{snake}_job_definition": r_describe,
        f"delete_{snake}_job_definition": r_delete,
        f"list_{snake}_job_definitions": r_list,
    }


def r_create_monitoring_schedule(self: Any) -> ActionResult:
    p = ext._params(self)
    return ActionResult({"MonitoringScheduleArn": create_schedule(self.sagemaker_backend, p)})


def r_describe_monitoring_schedule(self: Any) -> ActionResult:
    p = ext._params(self)
    return ActionResult(require_schedule(self.sagemaker_backend, p["MonitoringScheduleName"]).describe())


def r_update_monitoring_schedule(self: Any) -> ActionResult:
    p = ext._params(self)
    return ActionResult({"MonitoringScheduleArn": update_schedule(self.sagemaker_backend, p)})


def r_delete_monitoring_schedule(self: Any) -> EmptyResult:
    p = ext._params(self)
    delete_schedule(self.sagemaker_backend, p["MonitoringScheduleName"])
    return EmptyResult()


def r_start_monitoring_schedule(self: Any) -> EmptyResult:
    p = ext._params(self)
    start_schedule(self.sagemaker_backend, p["MonitoringScheduleName"])
    return EmptyResult()


def r_stop_monitoring_schedule(self: Any) -> EmptyResult:
    p = ext._params(self)
    stop_schedule(self.sagemaker_backend, p["MonitoringScheduleName"])
    return EmptyResult()


def r_list_monitoring_schedules(self: Any) -> ActionResult:
    p = ext._params(self)
    return ActionResult(list_schedules(self.sagemaker_backend, p))


RESPONSE_METHODS = {
    **_definition_methods("DataQuality"),
    **_definition_methods("ModelQuality"),
    "create_monitoring_schedule": r_create_monitoring_schedule,
    "describe_monitoring_schedule": r_describe_monitoring_schedule,
    "update_monitoring_schedule": r_update_monitoring_schedule,
    "delete_monitoring_schedule": r_delete_monitoring_schedule,
    "start_monitoring_schedule": r_start_monitoring_schedule,
    "stop_monitoring_schedule": r_stop_monitoring_schedule,
    "list_monitoring_schedules": r_list_monitoring_schedules,
}

_installed = False


def install() -> None:
    """Patch moto's SageMaker responses (idempotent)."""
    global _installed
    if _installed:
        return
    hosting.install()
    for name, func in RESPONSE_METHODS.items():
        setattr(Response, name, ext._locked(func))
    ext.TAG_RESOLVERS["data-quality-job-definition"] = _definition_tags("DataQuality")
    ext.TAG_RESOLVERS["model-quality-job-definition"] = _definition_tags("ModelQuality")
    ext.TAG_RESOLVERS["monitoring-schedule"] = _schedule_tags
    _installed = True
