"""Tests of the SageMaker SDK oracle (acceptance-tests/oracle).

    .venv/bin/python -m pytest -q acceptance-tests/oracle/tests

- the checked-in sdk/*.json are what the real SDK (sagemaker==2.257.7) emits
  now (regenerated against a private emulator, byte for byte);
- sdk/training.json equals the shared reference after normalisation;
- every SDK output validates against the corrected schema, and the published
  schema rejects each of them at the paths the corrections are about;
- the corrected schema is exactly the published one plus the commented
  corrections, each one needed, none loosening it;
- normalize.py and validate.py behave (unit tests and CLIs).

Tests that need ../shared/reference (the published schema, the reference
training pipeline) skip with a message when it is absent; the others only
need checked-in files.
"""
from __future__ import annotations

import copy
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ORACLE = Path(__file__).resolve().parent.parent
REPO = ORACLE.parent.parent
REFERENCE = REPO.parent / "shared" / "reference"
REFERENCE_TRAINING = REFERENCE / "sagemaker-sdk-oracle" / "training_pipeline.json"
PUBLISHED_SCHEMA = REFERENCE / "sagemaker-pipeline-definition.schema.json"

sys.path.insert(0, str(ORACLE))
import normalize as nz  # noqa: E402
import schema_corrections as sc  # noqa: E402
import validate as vd  # noqa: E402

NAMES = ("training", "hpo_training", "batch_inference")

requires_reference = pytest.mark.skipif(
    not REFERENCE.is_dir(),
    reason=f"shared reference data absent ({REFERENCE}): published schema / reference pipeline not available",
)


def load(path: Path) -> dict:
    return json.loads(Path(path).read_text())


def sdk(name: str) -> dict:
    return load(ORACLE / "sdk" / f"{name}.json")


@pytest.fixture(scope="module")
def corrected_schema() -> dict:
    return vd.load_schema()


@pytest.fixture(scope="module")
def published_schema() -> dict:
    return load(PUBLISHED_SCHEMA)


def resolve(doc, path: str):
    """Value at a "$.a.b[0]["c-d"]" path (as printed by validate/normalize)."""
    assert path.startswith("$")
    node = doc
    for m in re.finditer(r'\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]', path[1:]):
        name, index, quoted = m.groups()
        node = node[int(index)] if index is not None else node[name if name is not None else json.loads(quoted)]
    return node


# ---------------------------------------------------------------------------
# The oracle files come from the real SDK
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    if importlib.util.find_spec("sagemaker") is None:
        pytest.fail(
            "the SageMaker Python SDK is not installed in this interpreter "
            f"({sys.executable}): run scripts/setup-python.sh (acceptance-tests/oracle/requirements.txt)"
        )
    out = tmp_path_factory.mktemp("sdk")
    env = dict(os.environ)
    env.pop("MLOPS_ORACLE_ENDPOINT", None)  # a private, fresh emulator: stable registry lookups
    proc = subprocess.run(
        [sys.executable, str(ORACLE / "sdk_pipelines.py"), "--out-dir", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, f"sdk_pipelines.py failed:\n{proc.stdout}\n{proc.stderr[-6000:]}"
    return out


@pytest.mark.parametrize("name", NAMES)
def test_regenerated_sdk_output_equals_checked_in(regenerated, name):
    fresh = (regenerated / f"{name}.json").read_text()
    checked_in = (ORACLE / "sdk" / f"{name}.json").read_text()
    if fresh != checked_in:
        lines = nz.diff(json.loads(checked_in), json.loads(fresh))
        pytest.fail(
            f"sdk/{name}.json is not what the SDK emits now (regenerate with "
            f"`python acceptance-tests/oracle/sdk_pipelines.py`):\n" + "\n".join(lines or ["(formatting only)"])
        )


def test_sdk_outputs_name_the_sdk_version():
    requirements = (ORACLE / "requirements.txt").read_text()
    assert re.search(r"^sagemaker==2\.257\.7$", requirements, re.M)
    assert re.search(r"^jsonschema==\S+$", requirements, re.M)


# ---------------------------------------------------------------------------
# training == the shared reference
# ---------------------------------------------------------------------------


@requires_reference
def test_training_equals_shared_reference_after_normalisation():
    assert nz.compare(sdk("training"), load(REFERENCE_TRAINING)) == []


@requires_reference
def test_training_differs_from_reference_only_in_code_hashes():
    """Before normalisation the only differences are the uploaded code URIs
    (the SDK hashes the code path string + bytes; our code/ files are ours)."""
    lines = nz.diff(sdk("training"), load(REFERENCE_TRAINING))
    paths = [line.split(": ", 1)[0] for line in lines]
    assert paths == [
        "$.Steps[0].Arguments.ProcessingInputs[1].S3Input.S3Uri",
        "$.Steps[3].Arguments.ProcessingInputs[2].S3Input.S3Uri",
    ], lines
    for line in lines:
        assert re.search(r'ours "s3://mlops-ref/TrainingPipeline/code/[0-9a-f]{64}/\w+\.py"', line), line


# ---------------------------------------------------------------------------
# Corrected schema
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_sdk_output_validates_against_corrected_schema(corrected_schema, name):
    assert vd.errors(sdk(name), corrected_schema) == []


@requires_reference
def test_reference_training_validates_against_corrected_schema(corrected_schema):
    assert vd.errors(load(REFERENCE_TRAINING), corrected_schema) == []


def _processing_step_errors(step: int, inputs: int, outputs: int, join_outputs=True) -> dict:
    base = f"$.Steps[{step}].Arguments"
    out = {f"{base}.ProcessingInputs[{i}]": "'AppManaged' was unexpected" for i in range(inputs)}
    for i in range(outputs):
        out[f"{base}.ProcessingOutputConfig.Outputs[{i}]"] = "'AppManaged' was unexpected"
        if join_outputs:
            out[f"{base}.ProcessingOutputConfig.Outputs[{i}].S3Output.S3Uri"] = "{'Std:Join': {'On': '/'"
    return out


def _baseline_check_errors() -> dict:
    return {
        **_processing_step_errors(1, 1, 1),
        "$.Steps[1]": "'FailOnViolation' was unexpected",
        "$.Steps[1].SuppliedBaselineStatistics": "None is not of type 'string'",
        "$.Steps[1].SuppliedBaselineConstraints": "None is not of type 'string'",
    }


def _register_errors() -> dict:
    register = "$.Steps[4].Arguments.IfSteps[0].Arguments"
    return {
        "$": "'PipelineExperimentConfig' was unexpected",
        "$.Steps[4].Arguments.Conditions[0].LeftValue": "{'Std:JsonGet': {'PropertyFile'",
        "$.Steps[4].Arguments.ElseSteps[0].Arguments.ErrorMessage": "{'Std:Join': {'On': ' '",
        register: "'DriftCheckBaselines', 'ModelApprovalStatus', 'SkipModelValidation' were unexpected",
        f"{register}.InferenceSpecification.Containers[0]": "'Environment' was unexpected",
        f"{register}.ModelMetrics.ModelQuality.Statistics.S3Uri": "{'Std:Join': {'On': '/'",
        "$.Steps[3]": "'PropertyFiles' was unexpected",
    }


# Where the PUBLISHED schema rejects each SDK output (most specific error per
# failing branch, as validate.py reports it) and a fragment of the message.
PUBLISHED_SCHEMA_ERRORS = {
    "training": {
        **_processing_step_errors(0, 2, 3),
        **_baseline_check_errors(),
        "$.Steps[2].Arguments": "'ProfilerConfig' was unexpected",
        **_processing_step_errors(3, 3, 1),
        **_register_errors(),
    },
    "hpo_training": {
        **_processing_step_errors(0, 2, 3),
        **_baseline_check_errors(),
        "$.Steps[2].Arguments.TrainingJobDefinition": "'ResourceConfig' is a required property",
        "$.Steps[2].RetryPolicies[0].ExceptionType": "['Step.SERVICE_FAULT', 'Step.THROTTLING'] is not of type 'string'",
        "$.Steps[2].RetryPolicies[1].ExceptionType": "is not of type 'string'",
        **_processing_step_errors(3, 3, 1),
        "$.Steps[3].Arguments.ProcessingInputs[0].S3Input.S3Uri": "{'Std:Join': {'On': '/'",
        **_register_errors(),
        "$.Steps[4].Arguments.IfSteps[0].Arguments.InferenceSpecification.Containers[0].ModelDataUrl": "{'Std:Join'",
    },
    "batch_inference": {
        "$": "'PipelineExperimentConfig' was unexpected",
        **_processing_step_errors(0, 2, 1),
        **_processing_step_errors(1, 1, 1),
        "$.Steps[1]": "'FailOnViolation' was unexpected",
        "$.Steps[2].Arguments.PrimaryContainer.ModelDataUrl": "{'Get': 'Parameters.ModelDataUrl'} is not of type 'string'",
        "$.Steps[3].Arguments.TransformOutput.S3OutputPath": "{'Std:Join': {'On': '/'",
        "$.Steps[3].RetryPolicies[0].ExceptionType": "['Step.THROTTLING'] is not of type 'string'",
        "$.Steps[3].RetryPolicies[1].ExceptionType": "is not of type 'string'",
        # QualityCheck is not among the published IfSteps types: no branch fits.
        "$.Steps[4].Arguments.IfSteps[0]": "Additional properties are not allowed ('CheckType'",
    },
}


@requires_reference
@pytest.mark.parametrize("name", NAMES)
def test_published_schema_rejects_sdk_output(published_schema, name):
    doc = sdk(name)
    lines = vd.errors(doc, published_schema)
    expected = PUBLISHED_SCHEMA_ERRORS[name]
    assert vd.failing_paths(doc, published_schema) == set(expected), "\n".join(lines)
    for path, fragment in expected.items():
        assert any(line.startswith(f"{path}: ") and fragment in line for line in lines), (path, fragment, lines)


@requires_reference
def test_published_schema_rejects_reference_training(published_schema):
    assert vd.failing_paths(load(REFERENCE_TRAINING), published_schema) == set(PUBLISHED_SCHEMA_ERRORS["training"])


@requires_reference
def test_corrected_schema_is_published_schema_plus_corrections(published_schema):
    expected = sc.dump(sc.corrected(published_schema))
    actual = (ORACLE / "pipeline-definition.schema.json").read_text()
    assert actual == expected, "regenerate with `python acceptance-tests/oracle/schema_corrections.py`"


def test_every_correction_is_commented_with_its_evidence(corrected_schema):
    comments = []

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("$comment"), str):
                comments.append(node["$comment"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(corrected_schema)
    text = "\n".join(comments)
    for c in sc.CORRECTIONS:
        assert f"CORRECTION {c.id}: " in text, c.id
        for file, path in c.evidence:
            assert f"{file} {path}" in text, (c.id, file, path)


def test_correction_evidence_exists_in_sdk_output():
    for c in sc.CORRECTIONS:
        assert c.evidence, c.id
        for file, path in c.evidence:
            resolve(load(ORACLE / file), path)  # KeyError/IndexError if the path is not there


@requires_reference
@pytest.mark.parametrize("correction", sc.CORRECTIONS, ids=lambda c: c.id)
def test_each_correction_is_needed(published_schema, correction, monkeypatch):
    """Without this one correction some SDK output is rejected, at (or around)
    the path its evidence names."""
    monkeypatch.setattr(sc, "CORRECTIONS", tuple(c for c in sc.CORRECTIONS if c is not correction))
    schema = sc.corrected(published_schema)
    for file, path in correction.evidence:
        failing = vd.failing_paths(load(ORACLE / file), schema)
        assert any(path == p or path.startswith(p + ".") or path.startswith(p + "[") for p in failing), (
            correction.id,
            file,
            path,
            sorted(failing),
        )


@requires_reference
def test_corrections_do_not_open_closed_objects(published_schema, corrected_schema):
    """Every additionalProperties:false of the published schema is still there,
    and nothing says additionalProperties:true."""

    def closed(node, pointer=""):
        if isinstance(node, dict):
            if node.get("additionalProperties") is False:
                yield pointer
            for key, value in node.items():
                yield from closed(value, f"{pointer}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                yield from closed(value, f"{pointer}/{i}")

    before = set(closed(published_schema))
    after = set(closed(corrected_schema))
    assert before <= after, sorted(before - after)
    assert '"additionalProperties": true' not in (ORACLE / "pipeline-definition.schema.json").read_text()


def _mutated(name, path, mutate):
    doc = copy.deepcopy(sdk(name))
    parent_path, _, last = path.rpartition(".")
    mutate(resolve(doc, parent_path) if parent_path else doc, last)
    return doc


def _set(value):
    def apply(parent, key):
        parent[key] = value

    return apply


def _delete(parent, key):
    del parent[key]


STILL_REJECTED = [
    # (file, path of the parent + "." + key, mutation, path of the reported error, message fragment)
    ("training", "$.Steps[0].Arguments.ProcessingInputs[0].Bogus", _set(1), "$.Steps[0].Arguments.ProcessingInputs[0]", "'Bogus' was unexpected"),
    ("training", "$.Steps[0].Arguments.ProcessingInputs[0].AppManaged", _set("false"), "$.Steps[0].Arguments.ProcessingInputs[0].AppManaged", "'false'"),
    ("training", "$.Steps[4].Arguments.Conditions[0].LeftValue", _set({"Std:JsonGet": {"Path": "a.b"}}), "$.Steps[4].Arguments.Conditions[0].LeftValue", None),
    ("training", "$.Steps[4].Arguments.IfSteps[0].Arguments.SkipModelValidation", _set("Sometimes"), "$.Steps[4].Arguments.IfSteps[0].Arguments.SkipModelValidation", "'Sometimes'"),
    ("training", "$.Steps[4].Arguments.IfSteps[0].Arguments.ModelApprovalStatus", _set("Maybe"), "$.Steps[4].Arguments.IfSteps[0].Arguments.ModelApprovalStatus", "'Maybe'"),
    ("training", "$.Steps[4].Arguments.IfSteps[0].Arguments.DriftCheckBaselines.ModelDataQuality.Statistics.ContentType", _delete, "$.Steps[4].Arguments.IfSteps[0].Arguments.DriftCheckBaselines.ModelDataQuality.Statistics", "'ContentType' is a required property"),
    ("training", "$.Steps[2].Arguments.ProfilerConfig.Enabled", _set(True), "$.Steps[2].Arguments.ProfilerConfig", "'Enabled' was unexpected"),
    ("training", "$.PipelineExperimentConfig.RunName", _set("x"), "$.PipelineExperimentConfig", "'RunName' was unexpected"),
    ("training", "$.Steps[1].SuppliedBaselineStatistics", _set(5), "$.Steps[1].SuppliedBaselineStatistics", "5"),
    ("training", "$.Steps[3].PropertyFiles[0].FilePath", _delete, "$.Steps[3].PropertyFiles[0]", "'FilePath' is a required property"),
    ("hpo_training", "$.Steps[2].RetryPolicies[0].ExceptionType", _set("Step.THROTTLING"), "$.Steps[2].RetryPolicies[0].ExceptionType", "is not of type 'array'"),
    ("hpo_training", "$.Steps[2].RetryPolicies[0].ExceptionType", _set(["Step.NOPE"]), "$.Steps[2].RetryPolicies[0].ExceptionType[0]", "'Step.NOPE' is not one of"),
    ("hpo_training", "$.Steps[2].Arguments.TrainingJobDefinition.ResourceConfig", _set({"InstanceCount": 1}), "$.Steps[2].Arguments.TrainingJobDefinition", "is valid under each of"),
    ("hpo_training", "$.Steps[2].Arguments.TrainingJobDefinition.HyperParameterTuningResourceConfig", _delete, "$.Steps[2].Arguments.TrainingJobDefinition", "'ResourceConfig' is a required property"),
    ("batch_inference", "$.Steps[2].Arguments.PrimaryContainer.ModelDataUrl", _set("ftp://x/model.tar.gz"), "$.Steps[2].Arguments.PrimaryContainer.ModelDataUrl", None),
    ("batch_inference", "$.Steps[4].Arguments.IfSteps[0].FailOnViolation", _set("yes"), "$.Steps[4].Arguments.IfSteps[0].FailOnViolation", "'yes'"),
]


@pytest.mark.parametrize("case", STILL_REJECTED, ids=lambda c: f"{c[0]}:{c[1]}")
def test_corrected_schema_still_rejects_wrong_shapes(corrected_schema, case):
    name, path, mutate, error_path, fragment = case
    doc = _mutated(name, path, mutate)
    lines = vd.errors(doc, corrected_schema)
    assert lines, f"mutation {path} was accepted"
    matching = [line for line in lines if line.startswith(f"{error_path}: ")]
    assert matching, lines
    if fragment:
        assert any(fragment in line for line in matching), lines


@pytest.mark.parametrize(
    "mutate",
    [
        lambda j: j["Std:Join"].pop("On"),
        lambda j: j["Std:Join"]["Values"].append({"Set": "x"}),
        lambda j: j["Std:Join"].update(Separator="/"),
        lambda j: j.update({"Std:Join": "s3://b/k"}),
    ],
    ids=["no-On", "value-not-string-or-Get", "extra-key", "not-an-object"],
)
def test_corrected_schema_still_rejects_malformed_joins(corrected_schema, mutate):
    doc = sdk("training")
    uri = "$.Steps[0].Arguments.ProcessingOutputConfig.Outputs[0].S3Output.S3Uri"
    mutate(resolve(doc, uri))
    failing = vd.failing_paths(doc, corrected_schema)
    assert failing and all(p == uri or p.startswith(uri) for p in failing), sorted(failing)


# ---------------------------------------------------------------------------
# validate.py CLI
# ---------------------------------------------------------------------------


def run(script: str, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ORACLE / script), *map(str, args)], capture_output=True, text=True, timeout=120)


def test_validate_cli_accepts_sdk_outputs():
    proc = run("validate.py", *(ORACLE / "sdk" / f"{n}.json" for n in NAMES))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count(": valid") == 3


def test_validate_cli_reports_paths(tmp_path):
    doc = sdk("training")
    doc["Steps"][2]["Arguments"]["ResourceConfig"]["VolumeSizeInGB"] = "30"
    doc["Steps"][4]["Arguments"]["IfSteps"][0]["Arguments"]["SkipModelValidation"] = "Never"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    proc = run("validate.py", bad)
    assert proc.returncode == 1
    assert f"{bad}: $.Steps[2].Arguments.ResourceConfig.VolumeSizeInGB: '30' is not of type 'integer'" in proc.stdout
    assert f"{bad}: $.Steps[4].Arguments.IfSteps[0].Arguments.SkipModelValidation: 'Never' is not one of ['All', 'None']" in proc.stdout


def test_validate_cli_unreadable(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    assert run("validate.py", broken).returncode == 2
    assert run("validate.py", tmp_path / "missing.json").returncode == 2


# ---------------------------------------------------------------------------
# normalize
# ---------------------------------------------------------------------------

GET_X = {"Get": "Execution.PipelineExecutionId"}


def join(on, values):
    return {"Std:Join": {"On": on, "Values": values}}


def test_join_forms_are_canonical():
    a = nz.normalize({"V": join("/", ["s3:/", "b", GET_X, "out"])})["V"]
    b = nz.normalize({"V": join("", ["s3://b/", GET_X, "/out"])})["V"]
    assert a == b == {"Join": ["s3://b/", GET_X, "/out"]}


def test_join_of_literals_is_a_string_and_nested_joins_splice():
    assert nz.normalize({"V": join("/", ["s3:/", "b", "k"])})["V"] == "s3://b/k"
    assert nz.normalize({"V": join("/", [])})["V"] == ""
    nested = join("/", ["s3:/", join("-", ["a", GET_X]), "k"])
    assert nz.normalize({"V": nested})["V"] == {"Join": ["s3://a-", GET_X, "/k"]}
    assert nz.normalize({"V": join(" ", ["MSE >", {"Get": "Parameters.T"}])})["V"] == {
        "Join": ["MSE > ", {"Get": "Parameters.T"}]
    }


def test_join_keeps_typed_literals_and_malformed_joins():
    assert nz.normalize({"V": join("", ["n=", 5])})["V"] == {"Join": ["n=", 5]}
    assert nz.diff(nz.normalize({"V": join("", ["n=", 5])}), nz.normalize({"V": "n=5"}))
    malformed = {"Std:Join": {"Values": ["a"]}}
    assert nz.normalize({"V": malformed})["V"] == malformed


def test_join_difference_is_reported_with_path():
    ours = {"Steps": [{"Name": "S", "Type": "Processing", "Arguments": {"U": join("/", ["s3:/", "b", GET_X, "out"])}}]}
    theirs = {"Steps": [{"Name": "S", "Type": "Processing", "Arguments": {"U": join("/", ["s3:/", "b", GET_X, "output"])}}]}
    assert nz.compare(ours, theirs) == ['$.Steps.S.Arguments.U.Join[2]: ours "/out" != sdk "/output"']


def test_step_order_does_not_matter():
    doc = sdk("training")
    shuffled = copy.deepcopy(doc)
    shuffled["Steps"].reverse()
    cond = shuffled["Steps"][0]
    assert cond["Type"] == "Condition"
    cond["Arguments"]["IfSteps"], cond["Arguments"]["ElseSteps"] = cond["Arguments"]["IfSteps"][::-1], cond["Arguments"]["ElseSteps"][::-1]
    assert nz.compare(shuffled, doc) == []
    assert list(nz.normalize(doc)["Steps"]) == [
        "PreprocessAbaloneData",
        "DataQualityCheck",
        "TrainAbaloneModel",
        "EvaluateAbaloneModel",
        "CheckMseAbaloneEvaluation",
    ]


def test_branch_steps_are_maps_and_moving_a_step_is_a_difference():
    doc = sdk("training")
    moved = copy.deepcopy(doc)
    cond = moved["Steps"][4]["Arguments"]
    cond["IfSteps"], cond["ElseSteps"] = cond["ElseSteps"], cond["IfSteps"]
    lines = nz.compare(moved, doc)
    assert '$.Steps.CheckMseAbaloneEvaluation.Arguments.IfSteps.MseThresholdExceeded: only in ours: {"Arguments"' in "\n".join(lines)
    assert any(line.startswith('$.Steps.CheckMseAbaloneEvaluation.Arguments.IfSteps["RegisterAbaloneModel-RegisterModel"]: only in sdk') for line in lines)


def test_real_difference_is_detected_with_its_path():
    doc = sdk("training")
    ours = copy.deepcopy(doc)
    ours["Steps"][2]["Arguments"]["ResourceConfig"]["VolumeSizeInGB"] = 20
    ours["Steps"][0]["Arguments"]["ProcessingInputs"][0]["S3Input"]["LocalPath"] = "/opt/ml/processing/data"
    del ours["Steps"][2]["Arguments"]["StoppingCondition"]
    assert nz.compare(ours, doc) == [
        '$.Steps.PreprocessAbaloneData.Arguments.ProcessingInputs[0].S3Input.LocalPath: ours "/opt/ml/processing/data" != sdk "/opt/ml/processing/input"',
        "$.Steps.TrainAbaloneModel.Arguments.ResourceConfig.VolumeSizeInGB: ours 20 != sdk 30",
        '$.Steps.TrainAbaloneModel.Arguments.StoppingCondition: only in sdk: {"MaxRuntimeInSeconds": 86400}',
    ]


def test_code_uri_hash_and_ecr_region_are_normalised_but_not_the_rest():
    doc = sdk("training")
    ours = copy.deepcopy(doc)
    s3 = ours["Steps"][0]["Arguments"]["ProcessingInputs"][1]["S3Input"]
    s3["S3Uri"] = "s3://mlops-ref/TrainingPipeline/code/" + "0" * 64 + "/preprocess.py"
    app = ours["Steps"][0]["Arguments"]["AppSpecification"]
    app["ImageUri"] = "746614075791.dkr.ecr.us-west-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
    assert nz.compare(ours, doc) == []
    s3["S3Uri"] = "s3://mlops-ref/TrainingPipeline/code/" + "0" * 64 + "/prep.py"
    app["ImageUri"] = "746614075791.dkr.ecr.us-west-1.amazonaws.com/sagemaker-scikit-learn:1.0-1-cpu-py3"
    lines = nz.compare(ours, doc)
    assert lines == [
        '$.Steps.PreprocessAbaloneData.Arguments.AppSpecification.ImageUri: ours "<account>.dkr.ecr.<region>.amazonaws.com/sagemaker-scikit-learn:1.0-1-cpu-py3" != sdk "<account>.dkr.ecr.<region>.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"',
        '$.Steps.PreprocessAbaloneData.Arguments.ProcessingInputs[1].S3Input.S3Uri: ours "s3://mlops-ref/TrainingPipeline/code/prep.py" != sdk "s3://mlops-ref/TrainingPipeline/code/preprocess.py"',
    ]


def test_sdk_defaults_are_dropped_only_in_their_default_form():
    doc = sdk("training")
    bare = copy.deepcopy(doc)
    del bare["Metadata"], bare["PipelineExperimentConfig"]
    train = bare["Steps"][2]["Arguments"]
    del train["DebugHookConfig"], train["ProfilerConfig"]
    register = bare["Steps"][4]["Arguments"]["IfSteps"][0]["Arguments"]
    del register["ModelMetrics"]["Bias"], register["ModelMetrics"]["Explainability"], register["SkipModelValidation"]
    del register["InferenceSpecification"]["Containers"][0]["Environment"]
    assert nz.compare(bare, doc) == []

    changed = copy.deepcopy(doc)
    changed["Steps"][2]["Arguments"]["ProfilerConfig"]["DisableProfiler"] = True
    changed["PipelineExperimentConfig"]["ExperimentName"] = "abalone"
    changed["Steps"][4]["Arguments"]["IfSteps"][0]["Arguments"]["SkipModelValidation"] = "All"
    changed["Steps"][4]["Arguments"]["IfSteps"][0]["Arguments"]["InferenceSpecification"]["Containers"][0]["Environment"] = {"A": "1"}
    assert nz.compare(changed, doc) == [
        '$.PipelineExperimentConfig: only in ours: {"ExperimentName": "abalone", "TrialName": {"Get": "Execution.PipelineExecutionId"}}',
        '$.Steps.TrainAbaloneModel.Arguments.ProfilerConfig: only in ours: {"DisableProfiler": true, "S3OutputPath": "s3://mlops-ref/abalone/training/models"}',
        '$.Steps.CheckMseAbaloneEvaluation.Arguments.IfSteps["RegisterAbaloneModel-RegisterModel"].Arguments.InferenceSpecification.Containers[0].Environment: only in ours: {"A": "1"}',
        '$.Steps.CheckMseAbaloneEvaluation.Arguments.IfSteps["RegisterAbaloneModel-RegisterModel"].Arguments.SkipModelValidation: only in ours: "All"',
    ]


def test_numbers_equal_only_in_float_places():
    doc = sdk("hpo_training")
    ours = copy.deepcopy(doc)
    ours["Parameters"][-1]["DefaultValue"] = 6.5  # unchanged
    for p in ours["Parameters"]:
        if p["Name"] == "MseThreshold":
            p["DefaultValue"] = 6.5
    ours["Steps"][2]["RetryPolicies"][0]["BackoffRate"] = 2  # SDK wrote 2.0
    assert nz.compare(ours, doc) == []

    ours["Steps"][0]["Arguments"]["ProcessingResources"]["ClusterConfig"]["VolumeSizeInGB"] = 30.0  # SDK wrote 30
    ours["Steps"][3]["Arguments"]["ProcessingInputs"][0]["AppManaged"] = 0  # SDK wrote false
    assert nz.compare(ours, doc) == [
        "$.Steps.PreprocessAbaloneData.Arguments.ProcessingResources.ClusterConfig.VolumeSizeInGB: ours 30.0 != sdk 30",
        "$.Steps.EvaluateTopModel.Arguments.ProcessingInputs[0].AppManaged: ours 0 != sdk false",
    ]
    a = {"Parameters": [{"Name": "T", "Type": "Float", "DefaultValue": 10}]}
    b = {"Parameters": [{"Name": "T", "Type": "Float", "DefaultValue": 10.0}]}
    assert nz.compare(a, b) == []
    cond = lambda v: {"Steps": [{"Name": "C", "Type": "Condition", "Arguments": {"Conditions": [{"Type": "GreaterThan", "LeftValue": {"Get": "Parameters.T"}, "RightValue": v}], "IfSteps": [], "ElseSteps": []}}]}  # noqa: E731
    assert nz.compare(cond(1), cond(1.0)) == []
    assert nz.compare(cond(True), cond(1)) != []


def test_normalize_does_not_modify_its_input():
    doc = sdk("batch_inference")
    before = copy.deepcopy(doc)
    nz.normalize(doc)
    assert doc == before


@requires_reference
def test_normalize_cli_equal_to_reference():
    proc = run("normalize.py", ORACLE / "sdk" / "training.json", REFERENCE_TRAINING)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "(after normalisation)" in proc.stdout


def test_normalize_cli_prints_paths(tmp_path):
    ours = sdk("training")
    ours["Steps"][2]["Arguments"]["HyperParameters"]["eta"] = "0.3"
    path = tmp_path / "ours.json"
    path.write_text(json.dumps(ours))
    proc = run("normalize.py", path, ORACLE / "sdk" / "training.json")
    assert proc.returncode == 1
    assert '$.Steps.TrainAbaloneModel.Arguments.HyperParameters.eta: ours "0.3" != sdk "0.2"' in proc.stdout
    assert "1 difference(s)" in proc.stdout
    assert run("normalize.py", tmp_path / "missing.json", path).returncode == 2


# ---------------------------------------------------------------------------
# README spells out the pipelines the SDK files contain
# ---------------------------------------------------------------------------


def _names(steps):
    for step in steps:
        yield step["Name"]
        if step["Type"] == "Condition":
            yield from _names(step["Arguments"]["IfSteps"])
            yield from _names(step["Arguments"]["ElseSteps"])


@pytest.mark.parametrize("name", NAMES)
def test_readme_names_every_step_and_parameter(name):
    readme = (ORACLE / "README.md").read_text()
    doc = sdk(name)
    missing = [n for n in _names(doc["Steps"]) if f"`{n}`" not in readme]
    missing += [p["Name"] for p in doc["Parameters"] if f"`{p['Name']}`" not in readme]
    assert not missing, f"README.md does not describe {missing}"
