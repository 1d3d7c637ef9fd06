"""SageMaker real-time hosting on top of moto 5.2.5: models, endpoint configs,
endpoints with a timed lifecycle, UpdateEndpoint with rollback, and the
sagemaker-runtime InvokeEndpoint.

moto 5.2.5 keeps models/configs/endpoints under case-sensitive names with
mixed-case ARNs, quotes ARNs with ``'`` where AWS uses ``"``, silently replaces
a model or endpoint config created twice, puts every endpoint ``InService`` at
once, has no UpdateEndpoint, no failures, no DeployedImages, no
LastDeploymentConfig or PendingDeploymentSummary, no filters/sorting/paging on
the List operations, no input validation, and answers every InvokeEndpoint
(even for endpoints that do not exist) with static data.  ``install()``
replaces those operations of moto's ``SageMakerResponse`` and
``SageMakerRuntimeResponse``; state stays on moto's per-account/per-region
SageMaker backend (``_models``, ``endpoint_configs``, ``endpoints``), so
moto's reset clears it.

Behaviour (kept in step with the emulator's README and tests):

* ARNs ``arn:<partition>:sagemaker:<region>:<account>:model/<name lowercased>``,
  ``...:endpoint-config/<name lowercased>``, ``...:endpoint/<name lowercased>``;
  names are unique case-insensitively, lookups ignore case.
* Endpoints move by time, never by blocking a request: every operation that
  reads an endpoint first advances it to where the clock says it is.
  ``Creating`` -> ``InService`` (or ``Failed``) after the endpoint delay;
  ``Updating`` -> ``InService`` on the new config, or back on the old one with
  ``FailureReason`` (``RollingBack`` for one more delay first);
  ``Deleting`` -> gone.  The delay defaults to 1 s
  (``MLOPS_EMULATOR_ENDPOINT_DELAY_SECONDS``) and is set at run time through
  ``POST /_emulator/config``.
* A container image URI containing ``mlops-fail`` never passes the ping health
  check: creation ends ``Failed``, an update rolls back.  An
  AutoRollbackConfiguration alarm in state ``ALARM`` while an update runs rolls
  it back too.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import urllib.parse
from typing import Any, Callable

from moto.core.responses import ActionResult, EmptyResult
from moto.sagemaker import models as sm_models
from moto.sagemaker.exceptions import SagemakerClientError
from moto.sagemakerruntime import responses as rt_responses

from . import sagemaker_ext as ext
from .middleware import ControlNotFound
from .sagemaker_ext import ValidationException
from .validation import ValidationFailure, validate_params

Response = ext.Response

# Called with (account_id, region, endpoint_name) once DeleteEndpoint has accepted a
# deletion. Other services' extensions register here (Application Auto Scaling deregisters
# the endpoint's variants), so this module imports none of them.
ENDPOINT_DELETED: list[Callable[[str, str, str], None]] = []
RuntimeResponse = rt_responses.SageMakerRuntimeResponse

FAIL_MARKER = "mlops-fail"
DELAY_ENV = "MLOPS_EMULATOR_ENDPOINT_DELAY_SECONDS"
DEFAULT_DELAY_SECONDS = 1.0
IN_PROGRESS = ("Creating", "Updating", "SystemUpdating", "RollingBack", "Deleting")
# Statuses in which the endpoint keeps serving traffic (UpdateEndpoint has "no
# availability loss": the old fleet serves until the new one takes over).
SERVING = ("InService", "Updating", "SystemUpdating", "RollingBack")
SERVERLESS_MEMORY = (1024, 2048, 3072, 4096, 5120, 6144)


def _default_delay() -> float:
    raw = os.environ.get(DELAY_ENV)
    if raw is None or raw.strip() == "":
        return DEFAULT_DELAY_SECONDS
    try:
        value = float(raw)
    except ValueError:
        return DEFAULT_DELAY_SECONDS
    return value if value >= 0 else DEFAULT_DELAY_SECONDS


def _defaults() -> dict[str, Any]:
    return {"endpoint_delay_seconds": _default_delay(), "endpoint_rollback_status": True}


# Run-time knobs (POST /_emulator/config) and per-endpoint invocation responses
# (POST /_emulator/sagemaker/invocation-response); both cleared by reset().
CONFIG: dict[str, Any] = _defaults()
INVOCATION_RESPONSES: dict[str, dict[str, Any]] = {}


class ValidationError(SagemakerClientError):
    """sagemaker-runtime's 400 error code (not ValidationException)."""

    code = "ValidationError"


class ModelError(SagemakerClientError):
    """sagemaker-runtime: the container answered with an error (HTTP 424)."""

    code = "ModelError"

    def __init__(self, message: str, original_status: int, original_message: str, log_stream_arn: str):
        super().__init__(message)
        self.OriginalStatusCode = original_status
        self.OriginalMessage = original_message
        self.LogStreamArn = log_stream_arn


def _delay() -> datetime.timedelta:
    return datetime.timedelta(seconds=float(CONFIG["endpoint_delay_seconds"]))


def _quoted(arn: str) -> str:
    return f'"{arn}"'


# --------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------

_MODEL_ECHO = (
    "PrimaryContainer",
    "Containers",
    "InferenceExecutionConfig",
    "ExecutionRoleArn",
    "VpcConfig",
)


class EmuModel(sm_models.BaseObject):
    def __init__(self, backend: Any, params: dict[str, Any]):
        self.model_name: str = params["ModelName"]
        self.arn = ext._arn(backend, f"model/{self.model_name.lower()}")
        self.extra = {k: params[k] for k in _MODEL_ECHO if params.get(k) is not None}
        self.enable_network_isolation = bool(params.get("EnableNetworkIsolation", False))
        self.tags = list(params.get("Tags") or [])
        self.creation_time = ext._now()
        self.seq = next(ext._SEQUENCE)

    # moto's own code paths read these
    @property
    def execution_role_arn(self) -> str | None:
        return self.extra.get("ExecutionRoleArn")

    def containers(self) -> list[dict[str, Any]]:
        if "PrimaryContainer" in self.extra:
            return [self.extra["PrimaryContainer"]]
        return list(self.extra.get("Containers") or [])

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "ModelName": self.model_name,
            "ModelArn": self.arn,
            "CreationTime": self.creation_time,
            "EnableNetworkIsolation": self.enable_network_isolation,
        }
        out.update(self.extra)
        return out

    def summary(self) -> dict[str, Any]:
        return {"ModelName": self.model_name, "ModelArn": self.arn, "CreationTime": self.creation_time}


def _model_arn(backend: Any, name_or_arn: str) -> str:
    if name_or_arn.startswith("arn:"):
        return name_or_arn
    return ext._arn(backend, f"model/{name_or_arn.lower()}")


def model_or_none(backend: Any, name_or_arn: str) -> EmuModel | None:
    wanted = _model_arn(backend, name_or_arn).lower()
    for model in list(backend._models.values()):
        if isinstance(model, EmuModel) and model.arn.lower() == wanted:
            return model
    return None


def require_model(backend: Any, name: str) -> EmuModel:
    model = model_or_none(backend, name)
    if model is None:
        raise ValidationException(f"Could not find model {_quoted(_model_arn(backend, name))}.")
    return model


def _images(backend: Any, model: EmuModel) -> list[str]:
    """Container image URIs a model runs (a model package's images for
    containers that name a ModelPackageName)."""
    images: list[str] = []
    for container in model.containers():
        if container.get("Image"):
            images.append(container["Image"])
        package_ref = container.get("ModelPackageName")
        if package_ref:
            package = ext._package_or_none(backend, package_ref)
            spec = (package.extra.get("InferenceSpecification") if package else None) or {}
            images.extend(c["Image"] for c in spec.get("Containers") or [] if c.get("Image"))
    return images


def create_model(backend: Any, params: dict[str, Any]) -> str:
    name = params["ModelName"]
    existing = model_or_none(backend, name)
    if existing is not None:
        raise ValidationException(f"Cannot create already existing model {_quoted(existing.arn)}.")
    primary = params.get("PrimaryContainer")
    containers = params.get("Containers")
    if primary is not None and containers:
        raise ValidationException(
            "PrimaryContainer and Containers cannot be specified at the same time. Specify "
            "PrimaryContainer for a single-container model or Containers for a multi-container model."
        )
    if primary is None and not containers:
        raise ValidationException("Either PrimaryContainer or Containers must be specified.")
    for container in [primary] if primary is not None else containers:
        if not container.get("Image") and not container.get("ModelPackageName"):
            raise ValidationException(
                "Either Image or ModelPackageName must be specified in a container definition."
            )
        package_ref = container.get("ModelPackageName")
        if package_ref and ext._package_or_none(backend, package_ref) is None:
            shown = package_ref if package_ref.startswith("arn:") else ext._arn(
                backend, f"model-package/{package_ref.lower()}"
            )
            raise ValidationException(f"ModelPackage {shown} does not exist.")
    ext._check_tag_keys(params.get("Tags") or [])
    model = EmuModel(backend, params)
    backend._models[model.model_name] = model
    return model.arn


def delete_model(backend: Any, name: str) -> None:
    model = require_model(backend, name)
    for key, value in list(backend._models.items()):
        if value is model:
            del backend._models[key]


# --------------------------------------------------------------------------
# Endpoint configs
# --------------------------------------------------------------------------

_CONFIG_ECHO = (
    "DataCaptureConfig",
    "KmsKeyId",
    "AsyncInferenceConfig",
    "ExplainerConfig",
    "ExecutionRoleArn",
    "VpcConfig",
    "EnableNetworkIsolation",
    "MetricsConfig",
)


def _with_defaults(variant: dict[str, Any]) -> dict[str, Any]:
    out = dict(variant)
    out.setdefault("InitialVariantWeight", 1.0)
    return out


class EmuEndpointConfig(sm_models.BaseObject):
    def __init__(self, backend: Any, params: dict[str, Any]):
        self.endpoint_config_name: str = params["EndpointConfigName"]
        self.arn = ext._arn(backend, f"endpoint-config/{self.endpoint_config_name.lower()}")
        # moto's code reads endpoint_config_arn
        self.endpoint_config_arn = self.arn
        self.production_variants = [_with_defaults(v) for v in params["ProductionVariants"]]
        self.shadow_production_variants = [
            _with_defaults(v) for v in params.get("ShadowProductionVariants") or []
        ]
        self.extra = {k: params[k] for k in _CONFIG_ECHO if params.get(k) is not None}
        self.tags = list(params.get("Tags") or [])
        self.creation_time = ext._now()
        self.seq = next(ext._SEQUENCE)

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "EndpointConfigName": self.endpoint_config_name,
            "EndpointConfigArn": self.arn,
            "ProductionVariants": self.production_variants,
            "CreationTime": self.creation_time,
        }
        if self.shadow_production_variants:
            out["ShadowProductionVariants"] = self.shadow_production_variants
        out.update(self.extra)
        return out

    def summary(self) -> dict[str, Any]:
        return {
            "EndpointConfigName": self.endpoint_config_name,
            "EndpointConfigArn": self.arn,
            "CreationTime": self.creation_time,
        }


def _config_arn(backend: Any, name_or_arn: str) -> str:
    if name_or_arn.startswith("arn:"):
        return name_or_arn
    return ext._arn(backend, f"endpoint-config/{name_or_arn.lower()}")


def config_or_none(backend: Any, name_or_arn: str) -> EmuEndpointConfig | None:
    wanted = _config_arn(backend, name_or_arn).lower()
    for config in list(backend.endpoint_configs.values()):
        if isinstance(config, EmuEndpointConfig) and config.arn.lower() == wanted:
            return config
    return None


def _config_missing(arn: str) -> ValidationException:
    return ValidationException(f"Could not find endpoint configuration {_quoted(arn)}.")


def require_config(backend: Any, name: str) -> EmuEndpointConfig:
    config = config_or_none(backend, name)
    if config is None:
        raise _config_missing(_config_arn(backend, name))
    return config


def _check_variants(backend: Any, variants: list[dict[str, Any]], field: str) -> None:
    seen: set[str] = set()
    for index, variant in enumerate(variants, start=1):
        name = variant["VariantName"]
        if name.lower() in seen:
            raise ValidationException(
                f"The variant name(s) [{name}] are not unique within the endpoint configuration."
            )
        seen.add(name.lower())
        has_instances = variant.get("InstanceType") is not None
        serverless = variant.get("ServerlessConfig")
        if has_instances and serverless is not None:
            raise ValidationException(
                f"Production variant {name} specifies both InstanceType and ServerlessConfig. "
                "Specify InstanceType for instance-based hosting or ServerlessConfig for serverless hosting."
            )
        if not has_instances and serverless is None:
            raise ValidationException(
                f"Production variant {name} must specify either InstanceType or ServerlessConfig."
            )
        if has_instances and variant.get("InitialInstanceCount") is None:
            raise ValidationException(
                f"InitialInstanceCount must be specified for production variant {name} with InstanceType."
            )
        if serverless is not None and serverless["MemorySizeInMB"] not in SERVERLESS_MEMORY:
            raise ValidationException(
                f"1 validation error detected: Value '{serverless['MemorySizeInMB']}' at "
                f"'{field}.{index}.member.serverlessConfig.memorySizeInMB' failed to satisfy constraint: "
                "Member must satisfy enum value set: [" + ", ".join(str(m) for m in SERVERLESS_MEMORY) + "]"
            )
        if variant.get("ModelName"):
            require_model(backend, variant["ModelName"])


def create_endpoint_config(backend: Any, params: dict[str, Any]) -> str:
    existing = config_or_none(backend, params["EndpointConfigName"])
    if existing is not None:
        raise ValidationException(
            f"Cannot create already existing endpoint configuration {_quoted(existing.arn)}."
        )
    _check_variants(backend, params["ProductionVariants"], "productionVariants")
    shadows = params.get("ShadowProductionVariants") or []
    _check_variants(backend, shadows, "shadowProductionVariants")
    names = {v["VariantName"].lower() for v in params["ProductionVariants"]}
    clash = [v["VariantName"] for v in shadows if v["VariantName"].lower() in names]
    if clash:
        raise ValidationException(
            f"The variant name(s) [{', '.join(clash)}] are not unique within the endpoint configuration."
        )
    ext._check_tag_keys(params.get("Tags") or [])
    config = EmuEndpointConfig(backend, params)
    backend.endpoint_configs[config.endpoint_config_name] = config
    return config.arn


def delete_endpoint_config(backend: Any, name: str) -> None:
    """AWS lets you delete a config an endpoint still runs (see README)."""
    config = require_config(backend, name)
    for key, value in list(backend.endpoint_configs.items()):
        if value is config:
            del backend.endpoint_configs[key]


# --------------------------------------------------------------------------
# Endpoints
# --------------------------------------------------------------------------


def _resolved(image: str) -> str:
    """A stable fake digest: ``<repository>@sha256:<64 hex>``."""
    repository = image.split("@", 1)[0]
    last = repository.rsplit("/", 1)[-1]
    if ":" in last:
        repository = repository[: len(repository) - len(last)] + last.split(":", 1)[0]
    return f"{repository}@sha256:{hashlib.sha256(image.encode()).hexdigest()}"


class Variant:
    """One production (or shadow) variant of a deployment."""

    def __init__(self, backend: Any, spec: dict[str, Any], started: datetime.datetime):
        self.name: str = spec["VariantName"]
        self.model_name: str | None = spec.get("ModelName")
        self.instance_type: str | None = spec.get("InstanceType")
        self.serverless: dict[str, Any] | None = spec.get("ServerlessConfig")
        self.weight = float(spec.get("InitialVariantWeight", 1.0))
        self.desired_weight = self.weight
        count = spec.get("InitialInstanceCount")
        self.count: int | None = None if self.serverless is not None else int(count or 1)
        self.desired_count = self.count
        model = model_or_none(backend, self.model_name) if self.model_name else None
        self.images = _images(backend, model) if model else []
        self.resolution_time = started

    @property
    def failing(self) -> bool:
        return any(FAIL_MARKER in image for image in self.images)

    def _images_out(self) -> list[dict[str, Any]]:
        return [
            {"SpecifiedImage": i, "ResolvedImage": _resolved(i), "ResolutionTime": self.resolution_time}
            for i in self.images
        ]

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {"VariantName": self.name}
        if self.images:
            out["DeployedImages"] = self._images_out()
        out["CurrentWeight"] = self.weight
        out["DesiredWeight"] = self.desired_weight
        if self.serverless is not None:
            out["CurrentServerlessConfig"] = self.serverless
            out["DesiredServerlessConfig"] = self.serverless
        else:
            out["CurrentInstanceCount"] = self.count
            out["DesiredInstanceCount"] = self.desired_count
        return out

    def pending_summary(self, status: str, message: str, since: datetime.datetime) -> dict[str, Any]:
        out: dict[str, Any] = {"VariantName": self.name}
        if self.images:
            out["DeployedImages"] = self._images_out()
        out["CurrentWeight"] = 0.0
        out["DesiredWeight"] = self.desired_weight
        if self.serverless is not None:
            out["DesiredServerlessConfig"] = self.serverless
        else:
            out["CurrentInstanceCount"] = 0
            out["DesiredInstanceCount"] = self.desired_count
            out["InstanceType"] = self.instance_type
        out["VariantStatus"] = [{"Status": status, "StatusMessage": message, "StartTime": since}]
        return out


class Deployment:
    """What an endpoint runs (or is moving to): a snapshot of an endpoint config."""

    def __init__(self, backend: Any, config: EmuEndpointConfig, started: datetime.datetime):
        self.config_name = config.endpoint_config_name
        self.config_arn = config.arn
        self.config = config  # identity: deleting the config is noticed
        self.variants = [Variant(backend, v, started) for v in config.production_variants]
        self.shadows = [Variant(backend, v, started) for v in config.shadow_production_variants]
        self.data_capture: dict[str, Any] | None = config.extra.get("DataCaptureConfig")
        self.started = started

    def all_variants(self) -> list[Variant]:
        return self.variants + self.shadows

    def failing_variant(self) -> Variant | None:
        return next((v for v in self.all_variants() if v.failing), None)

    def variant(self, name: str) -> Variant | None:
        return next((v for v in self.variants if v.name.lower() == name.lower()), None)


def _config_exists(backend: Any, deployment: Deployment) -> bool:
    return any(c is deployment.config for c in list(backend.endpoint_configs.values()))


def _ping_failure(variant: Variant) -> str:
    return (
        f"The primary container for production variant {variant.name} did not pass the ping "
        "health check. Please check CloudWatch logs for this endpoint."
    )


def _alarms_in_alarm(backend: Any, deployment_config: dict[str, Any] | None) -> list[str]:
    names = [
        a["AlarmName"]
        for a in ((deployment_config or {}).get("AutoRollbackConfiguration") or {}).get("Alarms") or []
    ]
    if not names:
        return []
    from moto.cloudwatch.models import cloudwatch_backends

    try:
        alarms = cloudwatch_backends[backend.account_id][backend.region_name].alarms
    except KeyError:
        return []
    return [n for n in names if n in alarms and alarms[n].state_value == "ALARM"]


class EmuEndpoint(sm_models.BaseObject):
    def __init__(self, backend: Any, params: dict[str, Any], config: EmuEndpointConfig):
        self.backend = backend
        self.endpoint_name: str = params["EndpointName"]
        self.arn = ext._arn(backend, f"endpoint/{self.endpoint_name.lower()}")
        self.tags = list(params.get("Tags") or [])
        self.creation_time = ext._now()
        self.last_modified_time = self.creation_time
        self.status = "Creating"
        self.failure_reason: str | None = None
        self.current: Deployment | None = None
        self.pending: Deployment | None = Deployment(backend, config, self.creation_time)
        self.config_name = config.endpoint_config_name
        self.phase = "create"
        self.ready_at = self.creation_time + _delay()
        self.last_deployment_config: dict[str, Any] | None = params.get("DeploymentConfig")
        self.update_deployment_config: dict[str, Any] | None = None
        self.tripped_alarms: list[str] = []
        self.rollback_reason: str | None = None
        self.weight_changes: dict[str, dict[str, Any]] = {}
        self.seq = next(ext._SEQUENCE)
        self.gone = False

    # moto's own helpers (search, CloudFormation) read these
    @property
    def endpoint_status(self) -> str:
        return self.status

    @property
    def endpoint_config_name(self) -> str:
        return self.config_name

    # -- the clock ---------------------------------------------------------

    def advance(self, now: datetime.datetime | None = None) -> None:
        """Move the endpoint to where the clock says it is (possibly several steps)."""
        now = now or ext._now()
        while not self.gone and self.ready_at is not None:
            if self.status == "Updating" and self.phase == "update":
                self._latch_alarms()
            if now < self.ready_at:
                return
            self._step()

    def _latch_alarms(self) -> None:
        for name in _alarms_in_alarm(self.backend, self.update_deployment_config):
            if name not in self.tripped_alarms:
                self.tripped_alarms.append(name)

    def _step(self) -> None:
        at = self.ready_at
        assert at is not None
        phase = self.phase
        self.ready_at = None
        self.phase = ""
        self.last_modified_time = at
        if phase == "create":
            pending = self.pending
            assert pending is not None
            self.pending = None
            failing = pending.failing_variant()
            if not _config_exists(self.backend, pending):
                self.status = "Failed"
                self.failure_reason = f"Could not find endpoint configuration {_quoted(pending.config_arn)}."
            elif failing is not None:
                self.status = "Failed"
                self.failure_reason = _ping_failure(failing)
            else:
                self.status = "InService"
                self.current = pending
        elif phase == "update":
            pending = self.pending
            assert pending is not None
            self.pending = None
            reason = self._update_failure(pending)
            if reason is None:
                self.current = pending
                self.config_name = pending.config_name
                self.failure_reason = None
                self.status = "InService"
            else:
                self._roll_back(at, reason)
        elif phase == "weights":
            current = self.current
            self.weight_changes = {}
            if current is not None and not _config_exists(self.backend, current):
                # SageMaker needs the config the endpoint runs to change its capacity
                # (terraform-provider-aws #40048): the change is rolled back.
                for variant in current.variants:
                    variant.desired_weight = variant.weight
                    variant.desired_count = variant.count
                self._roll_back(
                    at,
                    f"ValidationException: Could not find endpoint configuration {_quoted(current.config_arn)}.",
                )
            else:
                for variant in (current.variants if current else []):
                    variant.weight = variant.desired_weight
                    variant.count = variant.desired_count
                self.failure_reason = None
                self.status = "InService"
        elif phase == "rollback":
            self.status = "InService"
        elif phase == "delete":
            self.gone = True
            for key, value in list(self.backend.endpoints.items()):
                if value is self:
                    del self.backend.endpoints[key]

    def _update_failure(self, pending: Deployment) -> str | None:
        if not _config_exists(self.backend, pending):
            return f"Could not find endpoint configuration {_quoted(pending.config_arn)}."
        failing = pending.failing_variant()
        if failing is not None:
            return _ping_failure(failing)
        self._latch_alarms()
        if self.tripped_alarms:
            return (
                "The endpoint update was rolled back because the following CloudWatch alarm(s) in "
                "AutoRollbackConfiguration went into ALARM state: " + ", ".join(self.tripped_alarms) + "."
            )
        return None

    def _roll_back(self, at: datetime.datetime, reason: str) -> None:
        """Back on the old deployment with FailureReason; RollingBack for one more
        delay first (unless turned off with endpoint_rollback_status=false)."""
        self.failure_reason = reason
        if CONFIG.get("endpoint_rollback_status", True) and _delay().total_seconds() > 0:
            self.status = "RollingBack"
            self.phase = "rollback"
            self.ready_at = at + _delay()
        else:
            self.status = "InService"

    # -- operations ----------------------------------------------------------

    def start(self, phase: str, status: str) -> None:
        self.phase = phase
        self.status = status
        self.last_modified_time = ext._now()
        self.ready_at = self.last_modified_time + _delay()

    # -- output ----------------------------------------------------------------

    def _data_capture_summary(self, deployment: Deployment) -> dict[str, Any] | None:
        config = deployment.data_capture
        if not config:
            return None
        enabled = bool(config.get("EnableCapture", True))
        out: dict[str, Any] = {
            "EnableCapture": enabled,
            "CaptureStatus": "Started" if enabled else "Stopped",
            "CurrentSamplingPercentage": config["InitialSamplingPercentage"],
            "DestinationS3Uri": config["DestinationS3Uri"],
        }
        if config.get("KmsKeyId"):
            out["KmsKeyId"] = config["KmsKeyId"]
        return out

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "EndpointName": self.endpoint_name,
            "EndpointArn": self.arn,
            "EndpointConfigName": self.endpoint_config_name,
            "EndpointStatus": self.status,
            "CreationTime": self.creation_time,
            "LastModifiedTime": self.last_modified_time,
        }
        current = self.current
        if current is not None:
            variants = []
            for variant in current.variants:
                summary = variant.summary()
                change = self.weight_changes.get(variant.name)
                if change is not None and self.status == "Updating":
                    summary["VariantStatus"] = [change]
                variants.append(summary)
            out["ProductionVariants"] = variants
            if current.shadows:
                out["ShadowProductionVariants"] = [v.summary() for v in current.shadows]
            capture = self._data_capture_summary(current)
            if capture:
                out["DataCaptureConfig"] = capture
        if self.failure_reason is not None:
            out["FailureReason"] = self.failure_reason
        if self.last_deployment_config is not None:
            out["LastDeploymentConfig"] = self.last_deployment_config
        pending = self.pending
        if pending is not None and self.status in ("Creating", "Updating"):
            verb = "Creating"
            summary: dict[str, Any] = {
                "EndpointConfigName": pending.config_name,
                "StartTime": pending.started,
            }
            if pending.variants:
                summary["ProductionVariants"] = [
                    v.pending_summary(
                        verb,
                        f"Launching {v.desired_count} instance(s)." if v.desired_count else "Launching serverless capacity.",
                        pending.started,
                    )
                    for v in pending.variants
                ]
            if pending.shadows:
                summary["ShadowProductionVariants"] = [
                    v.pending_summary(
                        verb,
                        f"Launching {v.desired_count} instance(s)." if v.desired_count else "Launching serverless capacity.",
                        pending.started,
                    )
                    for v in pending.shadows
                ]
            out["PendingDeploymentSummary"] = summary
        return out

    def summary(self) -> dict[str, Any]:
        return {
            "EndpointName": self.endpoint_name,
            "EndpointArn": self.arn,
            "CreationTime": self.creation_time,
            "LastModifiedTime": self.last_modified_time,
            "EndpointStatus": self.status,
        }


def _endpoint_arn(backend: Any, name_or_arn: str) -> str:
    if name_or_arn.startswith("arn:"):
        return name_or_arn
    return ext._arn(backend, f"endpoint/{name_or_arn.lower()}")


def endpoint_or_none(backend: Any, name_or_arn: str) -> EmuEndpoint | None:
    wanted = _endpoint_arn(backend, name_or_arn).lower()
    for endpoint in list(backend.endpoints.values()):
        if isinstance(endpoint, EmuEndpoint) and endpoint.arn.lower() == wanted:
            endpoint.advance()
            if not endpoint.gone:
                return endpoint
    return None


def require_endpoint(backend: Any, name: str) -> EmuEndpoint:
    endpoint = endpoint_or_none(backend, name)
    if endpoint is None:
        raise ValidationException(f"Could not find endpoint {_quoted(_endpoint_arn(backend, name))}.")
    return endpoint


def all_endpoints(backend: Any) -> list[EmuEndpoint]:
    out = []
    for endpoint in list(backend.endpoints.values()):
        if isinstance(endpoint, EmuEndpoint):
            endpoint.advance()
            if not endpoint.gone:
                out.append(endpoint)
    return out


def _in_progress(endpoint: EmuEndpoint) -> ValidationException:
    return ValidationException(f"Cannot update in-progress endpoint {_quoted(endpoint.arn)}.")


def _check_models(backend: Any, config: EmuEndpointConfig) -> None:
    for variant in config.production_variants + config.shadow_production_variants:
        if variant.get("ModelName"):
            require_model(backend, variant["ModelName"])


def _check_deployment_config(config: dict[str, Any] | None) -> None:
    if not config:
        return
    if config.get("BlueGreenUpdatePolicy") and config.get("RollingUpdatePolicy"):
        raise ValidationException(
            "Only one of BlueGreenUpdatePolicy and RollingUpdatePolicy can be specified in DeploymentConfig."
        )
    routing = (config.get("BlueGreenUpdatePolicy") or {}).get("TrafficRoutingConfiguration") or {}
    kind = routing.get("Type")
    if kind == "CANARY" and not routing.get("CanarySize"):
        raise ValidationException("CanarySize must be specified when TrafficRoutingConfiguration Type is CANARY.")
    if kind == "LINEAR" and not routing.get("LinearStepSize"):
        raise ValidationException("LinearStepSize must be specified when TrafficRoutingConfiguration Type is LINEAR.")


def create_endpoint(backend: Any, params: dict[str, Any]) -> str:
    existing = endpoint_or_none(backend, params["EndpointName"])
    if existing is not None:
        raise ValidationException(f"Cannot create already existing endpoint {_quoted(existing.arn)}.")
    config = require_config(backend, params["EndpointConfigName"])
    _check_models(backend, config)
    _check_deployment_config(params.get("DeploymentConfig"))
    ext._check_tag_keys(params.get("Tags") or [])
    endpoint = EmuEndpoint(backend, params, config)
    backend.endpoints[endpoint.endpoint_name] = endpoint
    return endpoint.arn


def _scalable_variants(backend: Any, endpoint: EmuEndpoint) -> set[str]:
    """Lower-cased variant names registered with Application Auto Scaling."""
    from moto.applicationautoscaling.models import applicationautoscaling_backends

    try:
        aas = applicationautoscaling_backends[backend.account_id][backend.region_name]
    except KeyError:
        return set()
    prefix = f"endpoint/{endpoint.endpoint_name.lower()}/variant/"
    out: set[str] = set()
    for targets in list(aas.targets.values()):
        for resource_id, target in list(targets.items()):
            if target.service_namespace == "sagemaker" and resource_id.lower().startswith(prefix):
                out.add(resource_id[len(prefix):].lower())
    return out


def update_endpoint(backend: Any, params: dict[str, Any]) -> str:
    endpoint = require_endpoint(backend, params["EndpointName"])
    if endpoint.status == "Failed":
        raise ValidationException(
            f"Cannot update failed endpoint {_quoted(endpoint.arn)}. DeleteEndpoint is the only "
            "operation that can be performed on a failed endpoint."
        )
    if endpoint.status != "InService":
        raise _in_progress(endpoint)
    current = endpoint.current
    assert current is not None
    if not _config_exists(backend, current):
        # terraform-provider-aws #48997 / #49020: once the config an endpoint runs is
        # deleted, the next UpdateEndpoint fails with this error.
        raise _config_missing(current.config_arn)
    config = require_config(backend, params["EndpointConfigName"])
    _check_models(backend, config)
    deployment_config = params.get("DeploymentConfig")
    _check_deployment_config(deployment_config)
    scalable = _scalable_variants(backend, endpoint)
    if scalable:
        new = {v["VariantName"].lower(): v for v in config.production_variants}
        for variant in current.variants:
            if variant.name.lower() not in scalable:
                continue
            spec = new.get(variant.name.lower())
            if spec is None or spec.get("InstanceType") != variant.instance_type:
                change = "removes it" if spec is None else "changes its instance type"
                raise ValidationException(
                    f"Endpoint {_quoted(endpoint.arn)} cannot be updated: production variant "
                    f"{variant.name} is registered as a scalable target with Application Auto Scaling "
                    f"(resource ID endpoint/{endpoint.endpoint_name}/variant/{variant.name}) and the "
                    f"update {change}. Deregister the scalable target before updating the endpoint."
                )
    now = ext._now()
    pending = Deployment(backend, config, now)
    if params.get("RetainAllVariantProperties"):
        excluded = {p["VariantPropertyType"] for p in params.get("ExcludeRetainedVariantProperties") or []}
        for variant in pending.variants:
            old = current.variant(variant.name)
            if old is None:
                continue
            if "DesiredWeight" not in excluded:
                variant.weight = variant.desired_weight = old.desired_weight
            if "DesiredInstanceCount" not in excluded and variant.count is not None and old.desired_count is not None:
                variant.count = variant.desired_count = old.desired_count
        if "DataCaptureConfig" not in excluded:
            pending.data_capture = current.data_capture
    if deployment_config is not None:
        endpoint.last_deployment_config = deployment_config
    elif not params.get("RetainDeploymentConfig"):
        endpoint.last_deployment_config = None
    endpoint.update_deployment_config = endpoint.last_deployment_config
    endpoint.tripped_alarms = []
    # the reason of an earlier failed update goes as soon as a new update starts
    # (aws-controllers-k8s/sagemaker-controller #7)
    endpoint.failure_reason = None
    endpoint.pending = pending
    endpoint.start("update", "Updating")
    endpoint._latch_alarms()
    return endpoint.arn


def update_weights_and_capacities(backend: Any, params: dict[str, Any]) -> str:
    endpoint = require_endpoint(backend, params["EndpointName"])
    if endpoint.status == "Failed":
        raise ValidationException(
            f"Cannot update failed endpoint {_quoted(endpoint.arn)}. DeleteEndpoint is the only "
            "operation that can be performed on a failed endpoint."
        )
    if endpoint.status != "InService":
        raise _in_progress(endpoint)
    current = endpoint.current
    assert current is not None
    seen: list[str] = []
    missing: list[str] = []
    for item in params["DesiredWeightsAndCapacities"]:
        name = item["VariantName"]
        if name.lower() in seen:
            raise ValidationException(f'The variant name "{name}" was non-unique within the request.')
        seen.append(name.lower())
        if current.variant(name) is None:
            missing.append(name)
        if (
            item.get("DesiredWeight") is None
            and item.get("DesiredInstanceCount") is None
            and item.get("ServerlessUpdateConfig") is None
        ):
            raise ValidationException(
                f"At least one of DesiredWeight, DesiredInstanceCount or ServerlessUpdateConfig must be "
                f"specified for variant {name}."
            )
    if missing:
        raise ValidationException(
            f'The variant name(s) "{", ".join(missing)}" is/are not present within endpoint configuration '
            f'"{current.config_name}".'
        )
    now = ext._now()
    changes: dict[str, dict[str, Any]] = {}
    for item in params["DesiredWeightsAndCapacities"]:
        variant = current.variant(item["VariantName"])
        assert variant is not None
        if item.get("DesiredWeight") is not None:
            variant.desired_weight = float(item["DesiredWeight"])
        message = "Updating variant weight."
        if item.get("DesiredInstanceCount") is not None:
            if variant.serverless is not None:
                raise ValidationException(
                    f"DesiredInstanceCount cannot be specified for serverless variant {variant.name}."
                )
            variant.desired_count = int(item["DesiredInstanceCount"])
            verb = "out" if variant.desired_count >= (variant.count or 0) else "in"
            message = f"Scaling {verb} desired instance count to {variant.desired_count}."
        changes[variant.name] = {"Status": "Updating", "StatusMessage": message, "StartTime": now}
    endpoint.weight_changes = changes
    endpoint.failure_reason = None
    endpoint.start("weights", "Updating")
    return endpoint.arn


def delete_endpoint(backend: Any, name: str) -> None:
    endpoint = require_endpoint(backend, name)
    if endpoint.status in IN_PROGRESS:
        raise _in_progress(endpoint)
    for hook in ENDPOINT_DELETED:
        hook(backend.account_id, backend.region_name, endpoint.endpoint_name)
    endpoint.pending = None
    endpoint.start("delete", "Deleting")


def _filtered(items: list[Any], params: dict[str, Any], name_of: Any) -> list[Any]:
    after = ext._to_datetime(params.get("CreationTimeAfter"))
    before = ext._to_datetime(params.get("CreationTimeBefore"))
    m_after = ext._to_datetime(params.get("LastModifiedTimeAfter"))
    m_before = ext._to_datetime(params.get("LastModifiedTimeBefore"))
    contains = (params.get("NameContains") or "").lower()
    status = params.get("StatusEquals")
    out = []
    for item in items:
        if contains and contains not in name_of(item).lower():
            continue
        if after is not None and not ext._aware(item.creation_time) > after:
            continue
        if before is not None and not ext._aware(item.creation_time) < before:
            continue
        modified = getattr(item, "last_modified_time", item.creation_time)
        if m_after is not None and not ext._aware(modified) > m_after:
            continue
        if m_before is not None and not ext._aware(modified) < m_before:
            continue
        if status is not None and getattr(item, "status", None) != status:
            continue
        out.append(item)
    sort_by = params.get("SortBy", "CreationTime")
    if sort_by == "Name":
        out.sort(key=lambda i: (name_of(i).lower(), i.seq))
    elif sort_by == "Status":
        out.sort(key=lambda i: (i.status, i.seq))
    else:
        out.sort(key=lambda i: (i.creation_time, i.seq))
    if params.get("SortOrder", "Descending") == "Descending":
        out.reverse()
    return out


def _page(items: list[Any], params: dict[str, Any], key: str) -> dict[str, Any]:
    page, token = ext._paginate(items, params.get("MaxResults"), params.get("NextToken"))
    out: dict[str, Any] = {key: [i.summary() for i in page]}
    if token:
        out["NextToken"] = token
    return out


# --------------------------------------------------------------------------
# Tags
# --------------------------------------------------------------------------


def _model_tags(backend: Any, arn: str) -> Any:
    return model_or_none(backend, arn)


def _config_tags(backend: Any, arn: str) -> Any:
    return config_or_none(backend, arn)


def _endpoint_tags(backend: Any, arn: str) -> Any:
    return endpoint_or_none(backend, arn)


# --------------------------------------------------------------------------
# sagemaker-runtime InvokeEndpoint
# --------------------------------------------------------------------------


def _invoked_variant(endpoint: EmuEndpoint, target: str | None) -> Variant:
    current = endpoint.current
    assert current is not None
    if target:
        variant = current.variant(target)
        if variant is None:
            raise ValidationError(
                f"Target variant {target} is not present in endpoint {endpoint.endpoint_name} of account "
                f"{endpoint.backend.account_id}."
            )
        return variant
    heaviest = max(v.weight for v in current.variants)
    return next(v for v in current.variants if v.weight == heaviest)


def invoke(backend: Any, name: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    endpoint = endpoint_or_none(backend, name)
    if endpoint is None or endpoint.status not in SERVING or endpoint.current is None:
        raise ValidationError(f"Endpoint {name} of account {backend.account_id} not found.")
    lowered = {k.lower(): v for k, v in headers.items()}
    variant = _invoked_variant(endpoint, lowered.get("x-amzn-sagemaker-target-variant"))
    spec = INVOCATION_RESPONSES.get(endpoint.endpoint_name.lower())
    status = 200
    content_type = "application/json"
    custom = None
    if spec is None:
        text = body.decode("utf-8", "replace")
        try:
            predictions: Any = json.loads(text)
        except ValueError:
            predictions = text
        payload = json.dumps({"predictions": predictions}).encode()
    else:
        status = int(spec.get("status", 200))
        raw = spec.get("body", "")
        payload = (raw if isinstance(raw, str) else json.dumps(raw)).encode()
        content_type = spec.get("content_type") or content_type
        custom = spec.get("custom_attributes")
        if spec.get("remaining") is not None:
            spec["remaining"] -= 1
            if spec["remaining"] <= 0:
                INVOCATION_RESPONSES.pop(endpoint.endpoint_name.lower(), None)
    if status >= 400:
        region = backend.region_name
        kind = "client" if status < 500 else "server"
        text = payload.decode("utf-8", "replace")
        group = f"/aws/sagemaker/Endpoints/{endpoint.endpoint_name}"
        raise ModelError(
            f'Received {kind} error ({status}) from primary with message "{text}". See '
            f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}#logEventViewer:group={group} "
            f"in account {backend.account_id} for more information.",
            status,
            text,
            f"arn:aws:logs:{region}:{backend.account_id}:log-group:{group}",
        )
    out_headers = {"Content-Type": content_type, "x-Amzn-Invoked-Production-Variant": variant.name}
    if custom:
        out_headers["X-Amzn-SageMaker-Custom-Attributes"] = custom
    return status, out_headers, payload


def r_invoke_endpoint(self: Any) -> Any:
    path = self.path.split("?", 1)[0]
    name = urllib.parse.unquote(path.split("/")[2]) if path.count("/") >= 3 else ""
    try:
        validate_params("sagemaker-runtime", "InvokeEndpoint", {"EndpointName": name, "Body": "x"})
    except ValidationFailure as failure:
        raise ValidationError(failure.message)
    from moto.sagemaker.models import sagemaker_backends

    backend = sagemaker_backends[self.current_account][self.region]
    raw = getattr(self, "raw_body", self.body)
    body = raw if isinstance(raw, bytes) else (raw or "").encode()
    with ext._LOCK:
        return invoke(backend, name, body, dict(self.headers))


# --------------------------------------------------------------------------
# Control API
# --------------------------------------------------------------------------


def set_config(spec: dict[str, Any]) -> dict[str, Any]:
    """POST /_emulator/config: {"endpoint_delay_seconds"?: number >= 0,
    "endpoint_rollback_status"?: bool}; returns the whole config."""
    unknown = sorted(set(spec) - set(CONFIG))
    if unknown:
        raise ValueError(f"unknown config key(s): {', '.join(unknown)}; known: {', '.join(sorted(CONFIG))}")
    if "endpoint_delay_seconds" in spec:
        value = spec["endpoint_delay_seconds"]
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
            raise ValueError("endpoint_delay_seconds must be a number >= 0")
        CONFIG["endpoint_delay_seconds"] = float(value)
    if "endpoint_rollback_status" in spec:
        if not isinstance(spec["endpoint_rollback_status"], bool):
            raise ValueError("endpoint_rollback_status must be a boolean")
        CONFIG["endpoint_rollback_status"] = spec["endpoint_rollback_status"]
    return dict(CONFIG)


def get_config(spec: dict[str, Any]) -> dict[str, Any]:
    return dict(CONFIG)


def _find_endpoint(spec: dict[str, Any]) -> EmuEndpoint:
    """An endpoint by ARN, or by name (+ optional "region"/"account") in any backend."""
    from moto.sagemaker.models import sagemaker_backends

    ref = spec.get("endpoint")
    if not isinstance(ref, str) or not ref:
        raise ValueError('"endpoint" (name or ARN) is required')
    region = spec.get("region")
    account = spec.get("account")
    if ref.startswith("arn:"):
        parts = ref.split(":")
        if len(parts) < 6:
            raise ValueError(f"not an endpoint ARN: {ref}")
        region, account = parts[3], parts[4]
    found = []
    for acct, reg, backend in list(sagemaker_backends.iter_backends()):
        if (region and reg != region) or (account and acct != account):
            continue
        endpoint = endpoint_or_none(backend, ref)
        if endpoint is not None:
            found.append(endpoint)
    if not found:
        raise ControlNotFound(f"no endpoint {ref}")
    if len(found) > 1:
        raise ValueError(f'endpoint {ref} exists in several regions/accounts: give "region" and "account"')
    return found[0]


def set_capacity(spec: dict[str, Any]) -> dict[str, Any]:
    """POST /_emulator/sagemaker/endpoint-capacity {"endpoint", "variant", "count"}:
    what Application Auto Scaling leaves behind after scaling a variant."""
    count = spec.get("count")
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise ValueError('"count" must be an integer >= 0')
    with ext._LOCK:
        endpoint = _find_endpoint(spec)
        if endpoint.current is None:
            raise ValueError(f"endpoint {endpoint.endpoint_name} has no deployed variants (status {endpoint.status})")
        name = spec.get("variant")
        variant = endpoint.current.variant(name) if isinstance(name, str) else None
        if variant is None:
            raise ControlNotFound(f"endpoint {endpoint.endpoint_name} has no variant {name}")
        if variant.serverless is not None:
            raise ValueError(f"variant {variant.name} is serverless")
        variant.count = variant.desired_count = count
        endpoint.last_modified_time = ext._now()
        return {
            "endpoint": endpoint.endpoint_name,
            "variant": variant.name,
            "CurrentInstanceCount": variant.count,
            "DesiredInstanceCount": variant.desired_count,
        }


def set_invocation_response(spec: dict[str, Any]) -> dict[str, Any]:
    """POST /_emulator/sagemaker/invocation-response {"endpoint", "status"?, "body"?,
    "content_type"?, "custom_attributes"?, "count"?}.  The endpoint need not exist yet."""
    name = spec.get("endpoint")
    if not isinstance(name, str) or not name:
        raise ValueError('"endpoint" (name) is required')
    status = spec.get("status", 200)
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise ValueError('"status" must be an HTTP status code')
    count = spec.get("count")
    if count is not None and (not isinstance(count, int) or isinstance(count, bool) or count < 1):
        raise ValueError('"count" must be an integer >= 1')
    body = spec.get("body", "")
    entry = {
        "status": status,
        "body": body,
        "content_type": spec.get("content_type") or "application/json",
        "custom_attributes": spec.get("custom_attributes"),
        "remaining": count,
    }
    with ext._LOCK:
        INVOCATION_RESPONSES[name.lower()] = entry
    return {"endpoint": name, **{k: v for k, v in entry.items() if v is not None}}


def clear_invocation_response(spec: dict[str, Any]) -> dict[str, Any]:
    """DELETE /_emulator/sagemaker/invocation-response {"endpoint"?}: back to the echo."""
    name = spec.get("endpoint")
    with ext._LOCK:
        if isinstance(name, str) and name:
            INVOCATION_RESPONSES.pop(name.lower(), None)
        else:
            INVOCATION_RESPONSES.clear()
    return {"deleted": True}


def reset_state() -> None:
    """Part of POST /_emulator/reset."""
    with ext._LOCK:
        CONFIG.clear()
        CONFIG.update(_defaults())
        INVOCATION_RESPONSES.clear()


CONTROL_ROUTES = {
    ("POST", "/config"): set_config,
    ("GET", "/config"): get_config,
    ("POST", "/sagemaker/endpoint-capacity"): set_capacity,
    ("POST", "/sagemaker/invocation-response"): set_invocation_response,
    ("DELETE", "/sagemaker/invocation-response"): clear_invocation_response,
}


# --------------------------------------------------------------------------
# Response (wire) methods
# --------------------------------------------------------------------------


def r_create_model(self: Any) -> ActionResult:
    p = ext._params(self)
    return ActionResult({"ModelArn": create_model(self.sagemaker_backend, p)})


def r_describe_model(self: Any) -> ActionResult:
    p = ext._params(self)
    return ActionResult(require_model(self.sagemaker_backend, p["ModelName"]).describe())


def r_delete_model(self: Any) -> EmptyResult:
    p = ext._params(self)
    delete_model(self.sagemaker_backend, p["ModelName"])
    return EmptyResult()


def r_list_models(self: Any) -> ActionResult:
    p = ext._params(self)
    models = [m for m in list(self.sagemaker_backend._models.values()) if isinstance(m, EmuModel)]
    return ActionResult(_page(_filtered(models, p, lambda m: m.model_name), p, "Models"))


def r_create_endpoint_config(self: Any) -> ActionResult:
    p = ext._params(self)
    return ActionResult({"EndpointConfigArn": create_endpoint_config(self.sagemaker_backend, p)})


def r_describe_endpoint_config(self: Any) -> ActionResult:
    p = ext._params(self)
    return ActionResult(require_config(self.sagemaker_backend, p["EndpointConfigName"]).describe())


def r_delete_endpoint_config(self: Any) -> EmptyResult:
    p = ext._params(self)
    delete_endpoint_config(self.sagemaker_backend, p["EndpointConfigName"])
    return EmptyResult()


def r_list_endpoint_configs(self: Any) -> ActionResult:
    p = ext._params(self)
    configs = [c for c in list(self.sagemaker_backend.endpoint_configs.values()) if isinstance(c, EmuEndpointConfig)]
    return ActionResult(_page(_filtered(configs, p, lambda c: c.endpoint_config_name), p, "EndpointConfigs"))


def r_create_endpoint(self: Any) -> ActionResult:
    p = ext._params(self)
    return ActionResult({"EndpointArn": create_endpoint(self.sagemaker_backend, p)})


def r_describe_endpoint(self: Any) -> ActionResult:
    p = ext._params(self)
    return ActionResult(require_endpoint(self.sagemaker_backend, p["EndpointName"]).describe())


def r_update_endpoint(self: Any) -> ActionResult:
    p = ext._params(self)
    return ActionResult({"EndpointArn": update_endpoint(self.sagemaker_backend, p)})


def r_update_endpoint_weights_and_capacities(self: Any) -> ActionResult:
    p = ext._params(self)
    return ActionResult({"EndpointArn": update_weights_and_capacities(self.sagemaker_backend, p)})


def r_delete_endpoint(self: Any) -> EmptyResult:
    p = ext._params(self)
    delete_endpoint(self.sagemaker_backend, p["EndpointName"])
    return EmptyResult()


def r_list_endpoints(self: Any) -> ActionResult:
    p = ext._params(self)
    endpoints = all_endpoints(self.sagemaker_backend)
    return ActionResult(_page(_filtered(endpoints, p, lambda e: e.endpoint_name), p, "Endpoints"))


RESPONSE_METHODS = {
    "create_model": r_create_model,
    "describe_model": r_describe_model,
    "delete_model": r_delete_model,
    "list_models": r_list_models,
    "create_endpoint_config": r_create_endpoint_config,
    "describe_endpoint_config": r_describe_endpoint_config,
    "delete_endpoint_config": r_delete_endpoint_config,
    "list_endpoint_configs": r_list_endpoint_configs,
    "create_endpoint": r_create_endpoint,
    "describe_endpoint": r_describe_endpoint,
    "update_endpoint": r_update_endpoint,
    "update_endpoint_weights_and_capacities": r_update_endpoint_weights_and_capacities,
    "delete_endpoint": r_delete_endpoint,
    "list_endpoints": r_list_endpoints,
}

_installed = False


def install() -> None:
    """Patch moto's SageMaker and SageMaker runtime responses (idempotent)."""
    global _installed
    if _installed:
        return
    ext.install()
    for name, func in RESPONSE_METHODS.items():
        setattr(Response, name, ext._locked(func))
    RuntimeResponse.invoke_endpoint = r_invoke_endpoint
    RuntimeResponse.use_raw_body = True  # payloads are binary (images, protobuf ...)
    ext.TAG_RESOLVERS["model"] = _model_tags
    ext.TAG_RESOLVERS["endpoint-config"] = _config_tags
    ext.TAG_RESOLVERS["endpoint"] = _endpoint_tags
    _installed = True
