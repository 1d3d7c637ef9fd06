"""The corrections that turn the published pipeline-definition schema into
pipeline-definition.schema.json (beside this file).

    python acceptance-tests/oracle/schema_corrections.py [--original PATH]

rewrites pipeline-definition.schema.json from the published schema
(default: ../shared/reference/sagemaker-pipeline-definition.schema.json
relative to the repository root).  The test suite checks that the checked-in
file is exactly this function of the original, so every difference between
the two is one of the CORRECTIONS below, each with a "$comment" in the schema
saying what was wrong and which SDK output proves it.

Principles: a field the SDK emits is added with the shape the SageMaker API
gives it (botocore's sagemaker service-2.json); a value form (Join, JsonGet,
null, a list) is admitted only where an SDK output shows it.  Nothing is
opened up wholesale: every object that was closed (additionalProperties:
false) stays closed.
"""
from __future__ import annotations

import argparse
import copy
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
ORIGINAL = REPO.parent / "shared" / "reference" / "sagemaker-pipeline-definition.schema.json"
CORRECTED = HERE / "pipeline-definition.schema.json"

REF = "#/definitions/"
STR = {"$ref": REF + "StringArgumentValue"}
INT = {"$ref": REF + "IntegerArgumentValue"}
BOOL = {"$ref": REF + "BooleanArgumentValue"}
GET = {"$ref": REF + "GetFunction"}
JOIN = {"$ref": REF + "JoinFunction"}


@dataclass(frozen=True)
class Correction:
    id: str
    what: str  # what was wrong, and the fix
    evidence: tuple  # ((sdk file, JSON path), ...): where SDK output shows it
    apply: Callable[[dict], list]  # edits the schema; returns the subschemas to comment


def _defs(schema: dict) -> dict:
    return schema["definitions"]


def _processing_args(schema: dict) -> dict:
    return _defs(schema)["ProcessingArgs"]["properties"]


def _register_args(schema: dict) -> dict:
    return _defs(schema)["RegisterModelStep"]["properties"]["Arguments"]


# ---------------------------------------------------------------------------


def _join(schema):
    new = {
        "type": "object",
        "properties": {
            "Std:Join": {
                "type": "object",
                "properties": {
                    "On": {"type": "string"},
                    "Values": {"type": "array", "items": {"oneOf": [{"type": "string"}, GET]}},
                },
                "required": ["On", "Values"],
                "additionalProperties": False,
            }
        },
        "required": ["Std:Join"],
        "additionalProperties": False,
    }
    _defs(schema)["JoinFunction"] = new
    return [new]


def _string_join(schema):
    value = _defs(schema)["StringArgumentValue"]
    value["oneOf"].append(copy.deepcopy(JOIN))
    return [value]


def _json_get(schema):
    new = {
        "type": "object",
        "properties": {
            "Std:JsonGet": {
                "type": "object",
                "properties": {"PropertyFile": GET, "Path": {"type": "string"}},
                "required": ["PropertyFile", "Path"],
                "additionalProperties": False,
            }
        },
        "required": ["Std:JsonGet"],
        "additionalProperties": False,
    }
    _defs(schema)["JsonGetFunction"] = new
    touched = [new]
    for side in ("LeftValue", "RightValue"):
        operand = _defs(schema)["BinaryCondition"]["properties"][side]
        operand["anyOf"].append({"$ref": REF + "JsonGetFunction"})
        touched.append(operand)
    return touched


def _experiment_config(schema):
    new = {
        "type": "object",
        "properties": {"ExperimentName": copy.deepcopy(STR), "TrialName": copy.deepcopy(STR)},
        "additionalProperties": False,
    }
    schema["properties"]["PipelineExperimentConfig"] = new
    return [new]


def _app_managed(schema):
    args = _processing_args(schema)
    inputs = args["ProcessingInputs"]["items"]["properties"]
    outputs = args["ProcessingOutputConfig"]["properties"]["Outputs"]["items"]["properties"]
    inputs["AppManaged"] = copy.deepcopy(BOOL)
    outputs["AppManaged"] = copy.deepcopy(BOOL)
    return [inputs["AppManaged"], outputs["AppManaged"]]


def _property_files(schema):
    new = {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "PropertyFileName": {"type": "string"},
                "OutputName": {"type": "string"},
                "FilePath": {"type": "string"},
            },
            "required": ["PropertyFileName", "OutputName", "FilePath"],
            "additionalProperties": False,
        },
    }
    _defs(schema)["ProcessingStep"]["properties"]["PropertyFiles"] = new
    return [new]


def _fail_on_violation(schema):
    props = _defs(schema)["QualityCheckStep"]["properties"]
    props["FailOnViolation"] = copy.deepcopy(BOOL)
    return [props["FailOnViolation"]]


def _nullable_baselines(schema):
    props = _defs(schema)["QualityCheckStep"]["properties"]
    touched = []
    for key in ("SuppliedBaselineStatistics", "SuppliedBaselineConstraints"):
        props[key] = {"oneOf": [props[key], {"type": "null"}]}
        touched.append(props[key])
    return touched


def _profiler_config(schema):
    new = {
        "type": "object",
        "properties": {
            "S3OutputPath": copy.deepcopy(STR),
            "ProfilingIntervalInMilliseconds": copy.deepcopy(INT),
            "ProfilingParameters": {"type": "object", "patternProperties": {".*": copy.deepcopy(STR)}},
            "DisableProfiler": copy.deepcopy(BOOL),
        },
        "additionalProperties": False,
    }
    _defs(schema)["TrainingStep"]["properties"]["Arguments"]["properties"]["ProfilerConfig"] = new
    return [new]


def _metrics_source(required):
    return {
        "type": "object",
        "properties": {
            "ContentType": copy.deepcopy(STR),
            "ContentDigest": copy.deepcopy(STR),
            "S3Uri": copy.deepcopy(STR),
        },
        "required": required,
        "additionalProperties": False,
    }


def _register_model_fields(schema):
    defs = _defs(schema)
    defs["MetricsSource"] = _metrics_source(["ContentType", "S3Uri"])
    defs["FileSource"] = _metrics_source(["S3Uri"])
    metrics = {"$ref": REF + "MetricsSource"}
    files = {"$ref": REF + "FileSource"}

    def closed(props):
        return {"type": "object", "properties": props, "additionalProperties": False}

    props = _register_args(schema)["properties"]
    props["DriftCheckBaselines"] = closed(
        {
            "Bias": closed({"ConfigFile": files, "PreTrainingConstraints": metrics, "PostTrainingConstraints": metrics}),
            "Explainability": closed({"Constraints": metrics, "ConfigFile": files}),
            "ModelQuality": closed({"Statistics": metrics, "Constraints": metrics}),
            "ModelDataQuality": closed({"Statistics": metrics, "Constraints": metrics}),
        }
    )
    props["ModelApprovalStatus"] = {
        "oneOf": [{"type": "string", "enum": ["Approved", "Rejected", "PendingManualApproval"]}, copy.deepcopy(GET)]
    }
    props["SkipModelValidation"] = {"type": "string", "enum": ["All", "None"]}
    return [props["DriftCheckBaselines"], props["ModelApprovalStatus"], props["SkipModelValidation"]]


def _register_container_environment(schema):
    container = _register_args(schema)["properties"]["InferenceSpecification"]["properties"]["Containers"]["items"]
    container["properties"]["Environment"] = {"type": "object", "patternProperties": {".*": copy.deepcopy(STR)}}
    return [container["properties"]["Environment"]]


def _tuning_resource_config(schema):
    definition = _defs(schema)["HyperParameterTrainingJobDefinition"]
    definition["properties"]["HyperParameterTuningResourceConfig"] = {
        "type": "object",
        "properties": {
            "InstanceType": copy.deepcopy(STR),
            "InstanceCount": copy.deepcopy(INT),
            "VolumeSizeInGB": copy.deepcopy(INT),
            "VolumeKmsKeyId": copy.deepcopy(STR),
            "AllocationStrategy": {"type": "string", "enum": ["Prioritized"]},
            "InstanceConfigs": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "InstanceType": copy.deepcopy(STR),
                        "InstanceCount": copy.deepcopy(INT),
                        "VolumeSizeInGB": copy.deepcopy(INT),
                    },
                    "required": ["InstanceType", "InstanceCount", "VolumeSizeInGB"],
                    "additionalProperties": False,
                },
            },
        },
        "additionalProperties": False,
    }
    definition["required"].remove("ResourceConfig")
    definition["oneOf"] = [{"required": ["ResourceConfig"]}, {"required": ["HyperParameterTuningResourceConfig"]}]
    return [definition["properties"]["HyperParameterTuningResourceConfig"], definition]


def _create_model_data_url(schema):
    container = _defs(schema)["ContainerDefinition"]["properties"]
    container["ModelDataUrl"] = {"oneOf": [container["ModelDataUrl"], copy.deepcopy(GET), copy.deepcopy(JOIN)]}
    return [container["ModelDataUrl"]]


def _retry_exception_type(schema):
    props = _defs(schema)["RetryPolicy"]["properties"]
    single = props["ExceptionType"]
    props["ExceptionType"] = {"type": "array", "items": single, "minItems": 1}
    return [props["ExceptionType"]]


def _condition_branch_quality_check(schema):
    args = _defs(schema)["ConditionStep"]["properties"]["Arguments"]["properties"]
    touched = []
    for branch in ("IfSteps", "ElseSteps"):
        args[branch]["items"]["oneOf"].append({"$ref": REF + "QualityCheckStep"})
        touched.append(args[branch])
    return touched


T = "sdk/training.json"
H = "sdk/hpo_training.json"
B = "sdk/batch_inference.json"

CORRECTIONS = (
    Correction(
        "join-shape",
        "Std:Join was malformed: its object listed 'Values' and 'required' as if they were "
        "properties and closed itself with additionalProperties false, so every Join was "
        "rejected. The SDK writes {'Std:Join': {'On': <separator>, 'Values': [string | Get, ...]}}.",
        ((T, "$.Steps[0].Arguments.ProcessingOutputConfig.Outputs[0].S3Output.S3Uri"),),
        _join,
    ),
    Correction(
        "string-join",
        "No string-valued argument referenced JoinFunction, so a Join was rejected wherever "
        "a string may stand (S3 URIs, Fail ErrorMessage, model metrics URIs, ...). Added Join "
        "as a third form of StringArgumentValue.",
        (
            (T, "$.Steps[0].Arguments.ProcessingOutputConfig.Outputs[0].S3Output.S3Uri"),
            (T, "$.Steps[4].Arguments.ElseSteps[0].Arguments.ErrorMessage"),
            (T, "$.Steps[4].Arguments.IfSteps[0].Arguments.ModelMetrics.ModelQuality.Statistics.S3Uri"),
            (H, "$.Steps[3].Arguments.ProcessingInputs[0].S3Input.S3Uri"),
            (B, "$.Steps[3].Arguments.TransformOutput.S3OutputPath"),
        ),
        _string_join,
    ),
    Correction(
        "json-get",
        "Std:JsonGet (reading a property file, here in a condition) was missing. Added "
        "JsonGetFunction {'Std:JsonGet': {'PropertyFile': Get, 'Path': string}} as a "
        "binary-condition operand.",
        ((T, "$.Steps[4].Arguments.Conditions[0].LeftValue"), (H, "$.Steps[4].Arguments.Conditions[0].LeftValue")),
        _json_get,
    ),
    Correction(
        "pipeline-experiment-config",
        "The top-level PipelineExperimentConfig {ExperimentName, TrialName} that the SDK writes "
        "by default was missing.",
        ((T, "$.PipelineExperimentConfig"), (H, "$.PipelineExperimentConfig"), (B, "$.PipelineExperimentConfig")),
        _experiment_config,
    ),
    Correction(
        "app-managed",
        "AppManaged (API ProcessingInput/ProcessingOutput member, boolean) was missing on "
        "processing inputs and outputs; the SDK always writes it.",
        (
            (T, "$.Steps[0].Arguments.ProcessingInputs[0].AppManaged"),
            (T, "$.Steps[0].Arguments.ProcessingOutputConfig.Outputs[0].AppManaged"),
        ),
        _app_managed,
    ),
    Correction(
        "property-files",
        "The step-level PropertyFiles list of a Processing step (PropertyFileName, OutputName, "
        "FilePath; what Std:JsonGet reads) was missing.",
        ((T, "$.Steps[3].PropertyFiles"), (H, "$.Steps[3].PropertyFiles")),
        _property_files,
    ),
    Correction(
        "fail-on-violation",
        "FailOnViolation (boolean or Get) was missing on QualityCheck steps.",
        ((T, "$.Steps[1].FailOnViolation"), (B, "$.Steps[1].FailOnViolation")),
        _fail_on_violation,
    ),
    Correction(
        "nullable-baselines",
        "SuppliedBaselineStatistics/SuppliedBaselineConstraints of a QualityCheck step are "
        "null when no baseline is supplied (the SDK writes null, not an absent key); a string "
        "or Get otherwise.",
        ((T, "$.Steps[1].SuppliedBaselineStatistics"), (T, "$.Steps[1].SuppliedBaselineConstraints")),
        _nullable_baselines,
    ),
    Correction(
        "profiler-config",
        "ProfilerConfig (API members S3OutputPath, ProfilingIntervalInMilliseconds, "
        "ProfilingParameters, DisableProfiler) was missing on Training steps; the SDK adds it "
        "by default.",
        ((T, "$.Steps[2].Arguments.ProfilerConfig"),),
        _profiler_config,
    ),
    Correction(
        "register-model-fields",
        "RegisterModel lacked DriftCheckBaselines (API shape: Bias, Explainability, "
        "ModelQuality, ModelDataQuality of MetricsSource/FileSource), ModelApprovalStatus "
        "(API enum or a Get of a parameter) and SkipModelValidation (API enum All | None; "
        "the SDK writes 'None').",
        (
            (T, "$.Steps[4].Arguments.IfSteps[0].Arguments.DriftCheckBaselines"),
            (T, "$.Steps[4].Arguments.IfSteps[0].Arguments.ModelApprovalStatus"),
            (T, "$.Steps[4].Arguments.IfSteps[0].Arguments.SkipModelValidation"),
            (H, "$.Steps[4].Arguments.IfSteps[0].Arguments.ModelApprovalStatus"),
        ),
        _register_model_fields,
    ),
    Correction(
        "register-container-environment",
        "Environment (API ModelPackageContainerDefinition member, string map) was missing on "
        "RegisterModel inference containers; the SDK writes it (often {}).",
        ((T, "$.Steps[4].Arguments.IfSteps[0].Arguments.InferenceSpecification.Containers[0].Environment"),),
        _register_container_environment,
    ),
    Correction(
        "tuning-resource-config",
        "A tuning job definition had to carry ResourceConfig; the SDK writes "
        "HyperParameterTuningResourceConfig instead (API: exactly one of the two). Added its "
        "API shape and required one of them.",
        ((H, "$.Steps[2].Arguments.TrainingJobDefinition.HyperParameterTuningResourceConfig"),),
        _tuning_resource_config,
    ),
    Correction(
        "create-model-data-url",
        "CreateModel ModelDataUrl was a plain string only; it may be a Get (a parameter or a "
        "training step's ModelArtifacts) or a Join.",
        ((B, "$.Steps[2].Arguments.PrimaryContainer.ModelDataUrl"),),
        _create_model_data_url,
    ),
    Correction(
        "retry-exception-type",
        "RetryPolicy ExceptionType was a single string; the SDK (RetryPolicy.to_request) always "
        "writes a list of exception types.",
        ((H, "$.Steps[2].RetryPolicies[0].ExceptionType"), (B, "$.Steps[3].RetryPolicies[1].ExceptionType")),
        _retry_exception_type,
    ),
    Correction(
        "condition-branch-quality-check",
        "A condition's IfSteps/ElseSteps admitted only Training, Fail, Processing, Transform "
        "and RegisterModel steps; the SDK puts any step there, here a QualityCheck step.",
        ((B, "$.Steps[4].Arguments.IfSteps[0]"),),
        _condition_branch_quality_check,
    ),
)


def _comment(node: dict, text: str) -> None:
    node["$comment"] = f"{node['$comment']} | {text}" if "$comment" in node else text


def corrected(original: dict) -> dict:
    """The published schema with every correction applied and commented."""
    schema = copy.deepcopy(original)
    schema["$comment"] = (
        "Corrected copy of the published SageMaker pipeline definition schema "
        "(aws-sagemaker-mlops, commit b4012b0). Generated by "
        "acceptance-tests/oracle/schema_corrections.py; every change carries a "
        "'$comment' starting with 'CORRECTION <id>:' naming the SDK output "
        "(acceptance-tests/oracle/sdk/*.json, SageMaker Python SDK 2.257.7) that proves it."
    )
    for c in CORRECTIONS:
        evidence = "; ".join(f"{file} {path}" for file, path in c.evidence)
        for node in c.apply(schema):
            _comment(node, f"CORRECTION {c.id}: {c.what} Evidence: {evidence}")
    return schema


def dump(schema: dict) -> str:
    return json.dumps(schema, indent=2) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Regenerate pipeline-definition.schema.json.")
    parser.add_argument("--original", type=Path, default=ORIGINAL)
    parser.add_argument("--out", type=Path, default=CORRECTED)
    args = parser.parse_args(argv)
    original = json.loads(args.original.read_text())
    args.out.write_text(dump(corrected(original)))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
