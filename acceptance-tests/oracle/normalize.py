"""Normalise SageMaker pipeline definitions so ours and the SDK's can be compared.

    python acceptance-tests/oracle/normalize.py OURS.json SDK.json [--dump]

normalises both, prints the differences path by path and exits 0 when they
are equal, 1 when not (2 on unreadable input).  ``--dump`` also prints both
normalised documents.

``normalize(definition) -> dict`` rewrites ONLY the parts listed below; each
rule says why the difference cannot matter to SageMaker (or cannot be
reproduced by a second implementation).  Everything else must compare
exactly, including JSON types: ``1`` (integer) and ``1.0`` (float) differ
except in the float-typed places of rule N1, and ``true`` never equals ``1``.

Rules
  U1 code URIs    s3://<bucket>/<prefix>/code/<sha256>/<file> -> s3://<bucket>/<prefix>/code/<file>
  U2 ECR images   <account>.dkr.ecr.<region>.amazonaws.com[.cn]/<repo>:<tag>
                  -> <account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag> (literal placeholders)
  D1 "Metadata": {} at the top level is dropped
  D2 the SDK's default PipelineExperimentConfig is dropped
  D3 the SDK's default DebugHookConfig / ProfilerConfig of a training job are dropped
  D4 empty {} members of ModelMetrics / DriftCheckBaselines are dropped
  D5 "Environment": {} is dropped wherever it appears
  D6 "SkipModelValidation": "None" of a RegisterModel step is dropped
  S1 "Steps" (and a condition's "IfSteps"/"ElseSteps") become maps keyed by step Name
  J1 {"Std:Join": {"On": sep, "Values": [...]}} -> {"Join": [parts]} (or a plain string)
  N1 integral numbers in float-typed places become floats (10 -> 10.0)

Not normalised, on purpose: VolumeSizeInGB (see D-notes below), parameter
order, DependsOn / Conditions / inputs / outputs order, the SDK's default
output locations (a Join over bucket/pipeline/execution id/step/"output"/
name: a second implementation can and must produce the same URI; J1 makes the
spelling of the Join irrelevant), StoppingCondition, S3 input/output mode
defaults (S3DataDistributionType, S3InputMode, S3CompressionType,
S3UploadMode, AppManaged), TrainingJobEarlyStoppingType.
"""
from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from pathlib import Path
from typing import Any

# --------------------------------------------------------------------------
# U1: the SDK uploads processing code (and source_dir tarballs) to
# s3://<default bucket>/<pipeline name>/code/<hash>/<file>, where <hash> is
# sagemaker.workflow.utilities.hash_files_or_dirs(): sha256 over the *path
# string the user passed* plus the file bytes.  The same file passed as
# "code/x.py" or "/abs/x.py" gets different hashes, so no second
# implementation can reproduce it; it only makes the key content-addressed.
# Bucket, prefix, the "code" segment and the file name still compare exactly.
_CODE_URI = re.compile(r"^(s3://[^/]+/(?:[^/]+/)*code)/[0-9a-f]{64}(/.*)?$")

# U2: SageMaker-owned images live in a per-region registry account
# (us-east-1: 683313688378 for sagemaker-xgboost/scikit-learn, 156813124566
# for the model-monitor analyzer; other regions use other accounts), looked up
# from tables that change with SDK releases.  Comparing repository:tag keeps
# the meaning (which framework image/version) and lets the provider be tested
# against SDK output produced for another region.
_ECR_URI = re.compile(r"^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?/(.+)$")
ECR_PLACEHOLDER = "<account>.dkr.ecr.<region>.amazonaws.com/"

# D2: sagemaker.workflow.pipeline_experiment_config default
# (PipelineExperimentConfig(ExecutionVariables.PIPELINE_NAME,
# ExecutionVariables.PIPELINE_EXECUTION_ID)), added by the SDK to every
# definition unless the user passes pipeline_experiment_config=None.  It only
# asks SageMaker to file each execution under a SageMaker Experiments
# experiment/trial; no step's job changes.  Only this exact default is
# dropped: a user-chosen experiment name still compares.
SDK_DEFAULT_EXPERIMENT_CONFIG = {
    "ExperimentName": {"Get": "Execution.PipelineName"},
    "TrialName": {"Get": "Execution.PipelineExecutionId"},
}

_MODEL_METRICS_KEYS = ("ModelMetrics", "DriftCheckBaselines")
_JOIN = "Std:Join"


def _rewrite_string(value: str) -> str:
    m = _CODE_URI.match(value)
    if m:
        return m.group(1) + (m.group(2) or "")
    m = _ECR_URI.match(value)
    if m:
        return ECR_PLACEHOLDER + m.group(1)
    return value


def _join(node: dict) -> Any:
    """J1: SageMaker evaluates Std:Join as the Values (Gets resolved, rendered as
    strings) concatenated with On between them.  So the separator is inserted,
    adjacent literal strings are merged, empty strings dropped and nested Joins
    (themselves strings) spliced in; a Join of literals only is that string.
    "s3:/" + "/" + "b" and "s3://b" are then the same thing.  Number/boolean
    literals stay typed parts (their rendering is not documented)."""
    body = node[_JOIN]
    if not (
        isinstance(body, dict)
        and set(body) == {"On", "Values"}
        and isinstance(body["On"], str)
        and isinstance(body["Values"], list)
    ):
        return {_JOIN: _normalize(body)}  # malformed: keep, compare exactly
    sep = body["On"]
    parts: list = []
    for i, value in enumerate(body["Values"]):
        if i and sep:
            parts.append(sep)
        value = _normalize(value)
        if isinstance(value, dict) and set(value) == {"Join"}:
            parts.extend(value["Join"])
        else:
            parts.append(value)
    merged: list = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        else:
            merged.append(part)
    merged = [_rewrite_string(p) if isinstance(p, str) else p for p in merged if p != ""]
    if not merged:
        return ""
    if len(merged) == 1 and isinstance(merged[0], str):
        return merged[0]
    return {"Join": merged}


def _steps_map(steps: Any) -> Any:
    """S1: SageMaker runs steps by their dependency graph (data references and
    DependsOn), never by list position, and names are unique in a pipeline;
    IfSteps/ElseSteps are sets of steps released by the condition."""
    if not isinstance(steps, list):
        return _normalize(steps)
    out: dict = {}
    for i, step in enumerate(steps):
        name = step.get("Name") if isinstance(step, dict) else None
        key = name if isinstance(name, str) else f"<unnamed #{i}>"
        while key in out:  # duplicate names: keep both so the diff shows them
            key += " (duplicate)"
        out[key] = _normalize_step(step)
    return out


def _to_float(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def _normalize_step(step: Any) -> Any:
    if not isinstance(step, dict):
        return _normalize(step)
    out = {}
    for key, value in step.items():
        if key == "RetryPolicies" and isinstance(value, list):
            # N1: BackoffRate is a Float in the API (and the SDK writes 2.0).
            value = [
                {k: (_to_float(v) if k == "BackoffRate" else v) for k, v in p.items()} if isinstance(p, dict) else p
                for p in value
            ]
        out[key] = _normalize(value)
    args = out.get("Arguments")
    stype = out.get("Type")
    if isinstance(args, dict):
        if stype == "Condition":
            for branch in ("IfSteps", "ElseSteps"):
                if branch in step.get("Arguments", {}):
                    args[branch] = _steps_map(step["Arguments"][branch])
            if isinstance(args.get("Conditions"), list):
                args["Conditions"] = [_condition(c) for c in args["Conditions"]]
        if stype == "Training":
            _drop_training_defaults(args)
        if stype == "RegisterModel" and args.get("SkipModelValidation") == "None":
            # D6: the SDK writes str(None) when skip_model_validation is not
            # given; "None" is the API's default value of SkipModelValidation
            # (enum All | None), so the field being absent means the same.
            del args["SkipModelValidation"]
        if stype == "Tuning":
            criteria = args.get("HyperParameterTuningJobConfig", {}).get("TuningJobCompletionCriteria")
            if isinstance(criteria, dict) and "TargetObjectiveMetricValue" in criteria:
                criteria["TargetObjectiveMetricValue"] = _to_float(criteria["TargetObjectiveMetricValue"])
    return out


def _condition(cond: Any) -> Any:
    """N1: condition operands are compared by numeric value by SageMaker
    (LessThanOrEqualTo 10 and 10.0 are the same test)."""
    if not isinstance(cond, dict):
        return cond
    out = dict(cond)
    for key in ("LeftValue", "RightValue", "Value"):
        if key in out:
            out[key] = _to_float(out[key])
    if isinstance(out.get("In"), list):
        out["In"] = [_to_float(v) for v in out["In"]]
    if isinstance(out.get("Conditions"), list):  # Or / Not
        out["Conditions"] = [_condition(c) for c in out["Conditions"]]
    if isinstance(out.get("Condition"), dict):
        out["Condition"] = _condition(out["Condition"])
    return out


def _drop_training_defaults(args: dict) -> None:
    """D3: an Estimator without debugger/profiler arguments makes the SDK add
    DebugHookConfig {S3OutputPath: <output_path>, CollectionConfigurations: []}
    and ProfilerConfig {S3OutputPath: <output_path>, DisableProfiler: false}.
    Neither is required by CreateTrainingJob, they only configure SageMaker
    Debugger/Profiler side outputs (not the training), and a user who never
    asked for the debugger or profiler never wrote them.  Only these exact
    default forms are dropped: any other value (rules, collections, another
    path, DisableProfiler true) stays and compares."""
    output = args.get("OutputDataConfig", {}).get("S3OutputPath") if isinstance(args.get("OutputDataConfig"), dict) else None
    if output is None:
        return
    if args.get("DebugHookConfig") == {"S3OutputPath": output, "CollectionConfigurations": []}:
        del args["DebugHookConfig"]
    if args.get("ProfilerConfig") == {"S3OutputPath": output, "DisableProfiler": False}:
        del args["ProfilerConfig"]


def _normalize(node: Any) -> Any:
    if isinstance(node, dict):
        if set(node) == {_JOIN}:
            return _join(node)
        out = {}
        for key, value in node.items():
            if key == "Environment" and value == {}:
                # D5: an empty environment map is the same as none (the API's
                # Environment members are optional maps); the SDK writes {}
                # for containers (sagemaker.session.container_def) and drops
                # it elsewhere.
                continue
            value = _normalize(value)
            if key in _MODEL_METRICS_KEYS and isinstance(value, dict):
                # D4: ModelMetrics._to_request_dict always writes "Bias": {} and
                # "Explainability": {}; an empty structure with only optional
                # members is the same as an absent one.
                value = {k: v for k, v in value.items() if v != {}}
            out[key] = value
        return out
    if isinstance(node, list):
        return [_normalize(v) for v in node]
    if isinstance(node, str):
        return _rewrite_string(node)
    return node


def normalize(definition: dict) -> dict:
    """The normalised copy of a pipeline definition (the input is not modified)."""
    definition = copy.deepcopy(definition)
    out: dict = {}
    for key, value in definition.items():
        if key == "Metadata" and value == {}:
            continue  # D1: an empty Metadata object carries nothing; the SDK always writes it.
        if key == "PipelineExperimentConfig" and value == SDK_DEFAULT_EXPERIMENT_CONFIG:
            continue  # D2 (see SDK_DEFAULT_EXPERIMENT_CONFIG)
        if key == "Steps":
            out[key] = _steps_map(value)
        elif key == "Parameters" and isinstance(value, list):
            params = []
            for p in value:
                p = _normalize(p)
                if isinstance(p, dict) and p.get("Type") == "Float" and "DefaultValue" in p:
                    # N1: a Float parameter's default 10 and 10.0 are one value.
                    p["DefaultValue"] = _to_float(p["DefaultValue"])
                params.append(p)
            out[key] = params
        else:
            out[key] = _normalize(value)
    return out


# --------------------------------------------------------------------------
# Diff
# --------------------------------------------------------------------------

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_MISSING = object()


def _key_path(path: str, key: str) -> str:
    return f"{path}.{key}" if _IDENT.match(key) else f"{path}[{json.dumps(key)}]"


def _show(value: Any, limit: int = 200) -> str:
    if value is _MISSING:
        return "(absent)"
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _same_scalar(a: Any, b: Any) -> bool:
    # Type-strict: bool vs int and int vs float differ (Python's == would not tell).
    return type(a) is type(b) and a == b


def diff(ours: Any, sdk: Any, path: str = "$") -> list[str]:
    """Differences between two (normalised) documents, one line per path."""
    if isinstance(ours, dict) and isinstance(sdk, dict):
        lines = []
        for key in list(ours) + [k for k in sdk if k not in ours]:
            sub = _key_path(path, key)
            if key not in sdk:
                lines.append(f"{sub}: only in ours: {_show(ours[key])}")
            elif key not in ours:
                lines.append(f"{sub}: only in sdk: {_show(sdk[key])}")
            else:
                lines.extend(diff(ours[key], sdk[key], sub))
        return lines
    if isinstance(ours, list) and isinstance(sdk, list):
        lines = []
        for i in range(max(len(ours), len(sdk))):
            sub = f"{path}[{i}]"
            if i >= len(sdk):
                lines.append(f"{sub}: only in ours: {_show(ours[i])}")
            elif i >= len(ours):
                lines.append(f"{sub}: only in sdk: {_show(sdk[i])}")
            else:
                lines.extend(diff(ours[i], sdk[i], sub))
        return lines
    if isinstance(ours, (dict, list)) or isinstance(sdk, (dict, list)) or not _same_scalar(ours, sdk):
        return [f"{path}: ours {_show(ours)} != sdk {_show(sdk)}"]
    return []


def compare(ours: dict, sdk: dict) -> list[str]:
    """normalise both, then diff."""
    return diff(normalize(ours), normalize(sdk))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Compare two pipeline definitions after normalisation.")
    parser.add_argument("ours", type=Path)
    parser.add_argument("sdk", type=Path)
    parser.add_argument("--dump", action="store_true", help="also print both normalised documents")
    args = parser.parse_args(argv)
    docs = []
    for path in (args.ours, args.sdk):
        try:
            docs.append(json.loads(path.read_text()))
        except (OSError, ValueError) as e:
            print(f"{path}: cannot read JSON: {e}", file=sys.stderr)
            return 2
    ours, sdk = (normalize(d) for d in docs)
    if args.dump:
        print(f"--- normalised {args.ours}")
        print(json.dumps(ours, indent=2, sort_keys=True))
        print(f"--- normalised {args.sdk}")
        print(json.dumps(sdk, indent=2, sort_keys=True))
    lines = diff(ours, sdk)
    if not lines:
        print(f"{args.ours} == {args.sdk} (after normalisation)")
        return 0
    print(f"{args.ours} != {args.sdk}: {len(lines)} difference(s) after normalisation")
    for line in lines:
        print(f"  {line}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
