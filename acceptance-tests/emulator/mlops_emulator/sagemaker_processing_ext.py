"""SageMaker processing jobs on top of moto 5.2.5 (what Model Monitor's baselining
jobs are).

moto 5.2.5 creates a processing job already ``Completed``, drops
``ProcessingResources`` and ``Environment``, silently replaces a job created twice
and answers a missing job with ``ValidationError``.  ``install()`` replaces
CreateProcessingJob, DescribeProcessingJob, StopProcessingJob and
ListProcessingJobs; jobs live on moto's per-account/per-region SageMaker backend
(``processing_jobs``), so moto's reset clears them.

Behaviour (kept in step with the emulator's README and tests):

* ARN ``arn:<partition>:sagemaker:<region>:<account>:processing-job/<name lowercased>``;
  names are unique case-insensitively (a second create → ``ResourceInUse``); jobs
  cannot be deleted (as on AWS).
* A job is ``InProgress`` for one lifecycle delay (the endpoint delay setting),
  then ``Completed``; a job one of whose ProcessingInputs' ``S3Uri`` contains the
  failure marker ``mlops-fail`` ends ``Failed`` with a FailureReason and
  ExitMessage instead.
* StopProcessingJob: ``InProgress`` → ``Stopping`` → (one delay) ``Stopped``; a job
  not in progress → ``ValidationException``.
* Describe returns the request as given plus the job's status and times
  (ProcessingStartTime once started, ProcessingEndTime once finished).
"""

from __future__ import annotations

import copy
import datetime
from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.sagemaker import models as sm_models

from . import sagemaker_endpoint_ext as hosting
from . import sagemaker_ext as ext
from .sagemaker_ext import ValidationException
from .sagemaker_monitor_ext import ResourceInUse, ResourceNotFound

Response = ext.Response

FAIL_MARKER = hosting.FAIL_MARKER
STATUSES = ("InProgress", "Completed", "Failed", "Stopping", "Stopped")

# Request members echoed by DescribeProcessingJob.
_ECHOED = (
    "ProcessingInputs",
    "ProcessingOutputConfig",
    "ProcessingJobName",
    "ProcessingResources",
    "StoppingCondition",
    "AppSpecification",
    "Environment",
    "NetworkConfig",
    "RoleArn",
    "ExperimentConfig",
)


def _jobs(backend: Any) -> dict[str, Any]:
    return backend.processing_jobs


class EmuProcessingJob(sm_models.BaseObject):
    def __init__(self, backend: Any, params: dict[str, Any]):
        self.name: str = params["ProcessingJobName"]
        self.arn = ext._arn(backend, f"processing-job/{self.name.lower()}")
        self.request = {k: copy.deepcopy(params[k]) for k in _ECHOED if params.get(k) is not None}
        self.tags = list(params.get("Tags") or [])
        self.creation_time = ext._now()
        self.last_modified_time = self.creation_time
        self.start_time = self.creation_time
        self.end_time: datetime.datetime | None = None
        self.failure_reason: str | None = None
        self.exit_message: str | None = None
        self.seq = next(ext._SEQUENCE)
        self.status = "InProgress"
        self.ready_at: datetime.datetime | None = self.creation_time + hosting._delay()

    @property
    def processing_job_name(self) -> str:
        return self.name

    def _failing_input(self) -> str | None:
        for item in self.request.get("ProcessingInputs") or []:
            uri = ((item or {}).get("S3Input") or {}).get("S3Uri") or ""
            if FAIL_MARKER in uri:
                return uri
        return None

    def advance(self, now: datetime.datetime | None = None) -> None:
        now = now or ext._now()
        if self.ready_at is None or now < self.ready_at:
            return
        at, self.ready_at = self.ready_at, None
        if self.status == "Stopping":
            self.status = "Stopped"
        elif self.status == "InProgress":
            bad = self._failing_input()
            if bad is None:
                self.status = "Completed"
            else:
                self.status = "Failed"
                self.failure_reason = (
                    f"AlgorithmError: Error for Processing job {self.name}: the input {bad} could "
                    "not be read as the configured dataset format"
                )
                self.exit_message = f"Error: the input {bad} could not be read"
        self.end_time = at
        self.last_modified_time = at

    def stop(self) -> None:
        if self.status != "InProgress":
            raise ValidationException(
                f"The processing job {self.name} is in status {self.status} and cannot be stopped."
            )
        self.status = "Stopping"
        self.last_modified_time = ext._now()
        self.ready_at = self.last_modified_time + hosting._delay()

    def _outcome(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.end_time is not None:
            out["ProcessingEndTime"] = self.end_time
        if self.failure_reason is not None:
            out["FailureReason"] = self.failure_reason
        if self.exit_message is not None:
            out["ExitMessage"] = self.exit_message
        return out

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = copy.deepcopy(self.request)
        out.update(self.summary())
        out["ProcessingStartTime"] = self.start_time
        return out

    def summary(self) -> dict[str, Any]:
        return {
            "ProcessingJobName": self.name,
            "ProcessingJobArn": self.arn,
            "CreationTime": self.creation_time,
            "LastModifiedTime": self.last_modified_time,
            "ProcessingJobStatus": self.status,
            **self._outcome(),
        }


def all_jobs(backend: Any) -> list[EmuProcessingJob]:
    out = []
    for job in list(_jobs(backend).values()):
        if isinstance(job, EmuProcessingJob):
            job.advance()
            out.append(job)
    return out


def job_or_none(backend: Any, name_or_arn: str) -> EmuProcessingJob | None:
    wanted = name_or_arn.lower()
    for job in all_jobs(backend):
        if job.name.lower() == wanted or job.arn.lower() == wanted:
            return job
    return None


def require_job(backend: Any, name: str) -> EmuProcessingJob:
    job = job_or_none(backend, name)
    if job is None:
        arn = ext._arn(backend, f"processing-job/{name.lower()}")
        raise ResourceNotFound(f"Could not find processing job '{arn}'.")
    return job


def create_job(backend: Any, params: dict[str, Any]) -> str:
    existing = job_or_none(backend, params["ProcessingJobName"])
    if existing is not None:
        raise ResourceInUse(f"Processing job {existing.arn} already exists.")
    ext._check_tag_keys(params.get("Tags") or [])
    job = EmuProcessingJob(backend, params)
    _jobs(backend)[job.name] = job
    return job.arn


def list_jobs(backend: Any, params: dict[str, Any]) -> dict[str, Any]:
    items = hosting._filtered(all_jobs(backend), params, lambda j: j.name)
    return hosting._page(items, params, "ProcessingJobSummaries")


def r_create_processing_job(self: Any) -> ActionResult:
    p = ext._params(self)
    return ActionResult({"ProcessingJobArn": create_job(self.sagemaker_backend, p)})


def r_describe_processing_job(self: Any) -> ActionResult:
    p = ext._params(self)
    return ActionResult(require_job(self.sagemaker_backend, p["ProcessingJobName"]).describe())


def r_stop_processing_job(self: Any) -> EmptyResult:
    p = ext._params(self)
    require_job(self.sagemaker_backend, p["ProcessingJobName"]).stop()
    return EmptyResult()


def r_list_processing_jobs(self: Any) -> ActionResult:
    p = ext._params(self)
    return ActionResult(list_jobs(self.sagemaker_backend, p))


RESPONSE_METHODS = {
    "create_processing_job": r_create_processing_job,
    "describe_processing_job": r_describe_processing_job,
    "stop_processing_job": r_stop_processing_job,
    "list_processing_jobs": r_list_processing_jobs,
}

_installed = False


def install() -> None:
    """Patch moto's SageMaker responses (idempotent)."""
    global _installed
    if _installed:
        return
    for name, func in RESPONSE_METHODS.items():
        setattr(Response, name, ext._locked(func))
    ext.TAG_RESOLVERS["processing-job"] = lambda backend, arn: job_or_none(backend, arn)
    _installed = True
