"""Build the oracle pipelines with the real SageMaker Python SDK (2.257.7).

    python acceptance-tests/oracle/sdk_pipelines.py [--out-dir DIR] [--endpoint URL] [NAME ...]

writes ``pipeline.definition()`` of each pipeline (training, hpo_training,
batch_inference; default all) as JSON, indent 2, to DIR/<name>.json
(default: acceptance-tests/oracle/sdk/).  README.md beside this file spells
out each pipeline in plain terms.

Nothing here talks to AWS:
- fake credentials (test/test), region us-east-1;
- every AWS call (S3 uploads of the processing code, the bucket check, STS,
  the model-registry lookup) goes to the local emulator: the one at
  --endpoint / $MLOPS_ORACLE_ENDPOINT, or else a private one started here
  (``python -m mlops_emulator``) and stopped at the end;
- the SDK's telemetry is opted out through its own config
  (SageMaker.PythonSDK.Modules.TelemetryOptOut: true, in a temp config file
  named by SAGEMAKER_USER_CONFIG_OVERRIDE), and any other HTTP(S) request
  is sent to a dead proxy so it fails fast instead of reaching the internet.

The output is deterministic: the processing scripts are the examples' own
(examples/pipelines/<example>/scripts/), hashed by the SDK together with the
path string it is given, so the script works from examples/pipelines and passes
relative paths ("training/scripts/preprocess.py").
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXAMPLES = HERE.parent.parent / "examples" / "pipelines"
DEFAULT_OUT = HERE / "sdk"
PIPELINE_NAMES = ("training", "hpo_training", "batch_inference")

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account
BUCKET = "mlops-ref"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/SageMakerExecution"
MODEL_PACKAGE_GROUP = "abalone-mpg"
XGBOOST_VERSION = "1.7-1"
SKLEARN_VERSION = "1.2-1"


# --------------------------------------------------------------------------
# Environment: must be in place before `import sagemaker`.
# --------------------------------------------------------------------------


def _prepare_environment(endpoint: str, config_dir: str) -> None:
    config_file = os.path.join(config_dir, "config.yaml")
    with open(config_file, "w") as f:
        # The SDK's own switch; JSON is valid YAML.
        json.dump(
            {
                "SchemaVersion": "1.0",
                "SageMaker": {"PythonSDK": {"Modules": {"TelemetryOptOut": True}}},
            },
            f,
        )
    admin_file = os.path.join(config_dir, "admin-config.yaml")
    with open(admin_file, "w") as f:
        json.dump({"SchemaVersion": "1.0"}, f)  # empty: no admin defaults
    # Only our config files: no admin/user config from the machine can leak defaults in.
    os.environ["SAGEMAKER_USER_CONFIG_OVERRIDE"] = config_file
    os.environ["SAGEMAKER_ADMIN_CONFIG_OVERRIDE"] = admin_file
    os.environ["SAGEMAKER_SUPPRESS_V2_WARNING"] = "1"
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            # botocore >= 1.31: one endpoint for every service client.
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": os.path.join(config_dir, "no-aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": os.path.join(config_dir, "no-aws-credentials"),
            # Belt and braces: anything not sent to the emulator hits a closed port.
            "HTTP_PROXY": "http://127.0.0.1:9",
            "HTTPS_PROXY": "http://127.0.0.1:9",
            "NO_PROXY": "127.0.0.1,localhost",
        }
    )
    for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "http_proxy", "https_proxy", "no_proxy"):
        os.environ.pop(var, None)


@contextlib.contextmanager
def _emulator(endpoint: str | None):
    """Yield the endpoint URL of an emulator (given, or a private one)."""
    if endpoint:
        yield endpoint
        return
    with tempfile.TemporaryDirectory(prefix="oracle-emu-") as tmp:
        port_file = os.path.join(tmp, "port")
        proc = subprocess.Popen(
            [sys.executable, "-m", "mlops_emulator", "--host", "127.0.0.1", "--port", "0", "--port-file", port_file],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            deadline = time.monotonic() + 60
            line = proc.stdout.readline()
            if not line.startswith("MLOPS_EMULATOR_READY port="):
                raise RuntimeError(f"emulator did not start (exit {proc.poll()}): {line!r}")
            port = int(line.strip().split("=", 1)[1])
            while not os.path.exists(port_file) and time.monotonic() < deadline:
                time.sleep(0.05)
            yield f"http://127.0.0.1:{port}"
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


# --------------------------------------------------------------------------
# Shared pieces.
# --------------------------------------------------------------------------


def _validate_sdk_config_once() -> None:
    """Speed only: the SDK re-validates its (unchanging) config against its JSON
    schema on every config lookup, ~0.3 s each with jsonschema 4.26 (80 lookups,
    ~25 s for one pipeline).  Validate each distinct config once; the output is
    unaffected."""
    import sagemaker.config.config as config_module
    import sagemaker.session
    import sagemaker.utils

    original = config_module.validate_sagemaker_config
    if getattr(original, "_oracle_once", False):
        return
    seen = set()

    def validate_once(sagemaker_config=None):
        key = json.dumps(sagemaker_config, sort_keys=True, default=str)
        if key not in seen:
            original(sagemaker_config)
            seen.add(key)

    validate_once._oracle_once = True
    for module in (config_module, sagemaker.session, sagemaker.utils):
        module.validate_sagemaker_config = validate_once


def _session():
    import boto3
    from sagemaker.workflow.pipeline_context import PipelineSession

    _validate_sdk_config_once()
    boto_session = boto3.Session(region_name=REGION)
    return PipelineSession(boto_session=boto_session, default_bucket=BUCKET)


def _xgboost_image() -> str:
    from sagemaker import image_uris

    return image_uris.retrieve(framework="xgboost", region=REGION, version=XGBOOST_VERSION)


def _preprocess_step(session, pipeline_name, processing_instance_type, processing_instance_count, input_data):
    """PreprocessAbaloneData: SKLearn processing -> train/validation/test."""
    from sagemaker.processing import ProcessingInput, ProcessingOutput
    from sagemaker.sklearn.processing import SKLearnProcessor
    from sagemaker.workflow.steps import ProcessingStep

    processor = SKLearnProcessor(
        framework_version=SKLEARN_VERSION,
        instance_type=processing_instance_type,
        instance_count=processing_instance_count,
        base_job_name="abalone-preprocess",
        role=ROLE,
        sagemaker_session=session,
    )
    step_args = processor.run(
        inputs=[ProcessingInput(source=input_data, destination="/opt/ml/processing/input")],
        outputs=[
            ProcessingOutput(output_name="train", source="/opt/ml/processing/train"),
            ProcessingOutput(output_name="validation", source="/opt/ml/processing/validation"),
            ProcessingOutput(output_name="test", source="/opt/ml/processing/test"),
        ],
        code="training/scripts/preprocess.py",
    )
    return ProcessingStep(name="PreprocessAbaloneData", step_args=step_args)


def _baseline_data_quality_step(session, step_process, monitoring_instance_type, pipeline_tag, **kwargs):
    """DataQualityCheck: compute and register a data-quality baseline of `train`."""
    from sagemaker.model_monitor.dataset_format import DatasetFormat
    from sagemaker.workflow.check_job_config import CheckJobConfig
    from sagemaker.workflow.execution_variables import ExecutionVariables
    from sagemaker.workflow.functions import Join
    from sagemaker.workflow.quality_check_step import DataQualityCheckConfig, QualityCheckStep

    check_job_config = CheckJobConfig(
        role=ROLE,
        instance_count=1,
        instance_type=monitoring_instance_type,
        sagemaker_session=session,
    )
    config = DataQualityCheckConfig(
        baseline_dataset=step_process.properties.ProcessingOutputConfig.Outputs["train"].S3Output.S3Uri,
        dataset_format=DatasetFormat.csv(header=False),
        output_s3_uri=Join(
            on="/",
            values=["s3:/", BUCKET, pipeline_tag, "monitoring", ExecutionVariables.PIPELINE_EXECUTION_ID, "dataqualitycheckstep"],
        ),
    )
    return QualityCheckStep(
        name="DataQualityCheck",
        quality_check_config=config,
        check_job_config=check_job_config,
        skip_check=True,
        register_new_baseline=True,
        model_package_group_name=MODEL_PACKAGE_GROUP,
        **kwargs,
    )


def _evaluate_step(session, name, processing_instance_type, model_data, step_process, evaluation_report):
    """Evaluate a model on `test`, writing evaluation.json (PropertyFile EvaluationReport)."""
    from sagemaker.processing import ProcessingInput, ProcessingOutput, ScriptProcessor
    from sagemaker.workflow.steps import ProcessingStep

    processor = ScriptProcessor(
        image_uri=_xgboost_image(),
        command=["python3"],
        instance_type=processing_instance_type,
        instance_count=1,
        base_job_name="abalone-evaluate",
        role=ROLE,
        sagemaker_session=session,
    )
    step_args = processor.run(
        inputs=[
            ProcessingInput(source=model_data, destination="/opt/ml/processing/model"),
            ProcessingInput(
                source=step_process.properties.ProcessingOutputConfig.Outputs["test"].S3Output.S3Uri,
                destination="/opt/ml/processing/test",
            ),
        ],
        outputs=[ProcessingOutput(output_name="evaluation", source="/opt/ml/processing/evaluation")],
        code="training/scripts/evaluate.py",
    )
    return ProcessingStep(name=name, step_args=step_args, property_files=[evaluation_report])


def _model_metrics(step_eval, step_quality):
    from sagemaker.drift_check_baselines import DriftCheckBaselines
    from sagemaker.model_metrics import MetricsSource, ModelMetrics
    from sagemaker.workflow.functions import Join

    outputs = step_eval.properties.ProcessingOutputConfig.Outputs
    model_metrics = ModelMetrics(
        model_statistics=MetricsSource(
            s3_uri=Join(on="/", values=[outputs["evaluation"].S3Output.S3Uri, "evaluation.json"]),
            content_type="application/json",
        ),
        model_data_statistics=MetricsSource(
            s3_uri=step_quality.properties.CalculatedBaselineStatistics,
            content_type="application/json",
        ),
        model_data_constraints=MetricsSource(
            s3_uri=step_quality.properties.CalculatedBaselineConstraints,
            content_type="application/json",
        ),
    )
    drift_check_baselines = DriftCheckBaselines(
        model_data_statistics=MetricsSource(
            s3_uri=step_quality.properties.BaselineUsedForDriftCheckStatistics,
            content_type="application/json",
        ),
        model_data_constraints=MetricsSource(
            s3_uri=step_quality.properties.BaselineUsedForDriftCheckConstraints,
            content_type="application/json",
        ),
    )
    return model_metrics, drift_check_baselines


def _xgboost_estimator(session, instance_type, instance_count, output_path, **hyperparameters):
    from sagemaker.estimator import Estimator

    estimator = Estimator(
        image_uri=_xgboost_image(),
        instance_type=instance_type,
        instance_count=instance_count,
        output_path=output_path,
        base_job_name="abalone-train",
        role=ROLE,
        sagemaker_session=session,
    )
    estimator.set_hyperparameters(**hyperparameters)
    return estimator


def _training_inputs(step_process):
    from sagemaker.inputs import TrainingInput

    outputs = step_process.properties.ProcessingOutputConfig.Outputs
    return {
        "train": TrainingInput(s3_data=outputs["train"].S3Output.S3Uri, content_type="text/csv"),
        "validation": TrainingInput(s3_data=outputs["validation"].S3Output.S3Uri, content_type="text/csv"),
    }


# --------------------------------------------------------------------------
# 1. training: the shared reference (../shared/reference/sagemaker-sdk-oracle/
#    training_pipeline.json), rebuilt.
# --------------------------------------------------------------------------


def build_training(session):
    from sagemaker.model import Model
    from sagemaker.workflow.condition_step import ConditionStep
    from sagemaker.workflow.conditions import ConditionLessThanOrEqualTo
    from sagemaker.workflow.fail_step import FailStep
    from sagemaker.workflow.functions import Join, JsonGet
    from sagemaker.workflow.parameters import ParameterFloat, ParameterInteger, ParameterString
    from sagemaker.workflow.pipeline import Pipeline
    from sagemaker.workflow.properties import PropertyFile
    from sagemaker.workflow.step_collections import RegisterModel
    from sagemaker.workflow.steps import TrainingStep

    name = "TrainingPipeline"
    processing_instance_type = ParameterString(name="ProcessingInstanceType", default_value="ml.m5.xlarge")
    processing_instance_count = ParameterInteger(name="ProcessingInstanceCount", default_value=1)
    training_instance_type = ParameterString(name="TrainingInstanceType", default_value="ml.m5.xlarge")
    training_instance_count = ParameterInteger(name="TrainingInstanceCount", default_value=1)
    monitoring_instance_type = ParameterString(name="MonitoringInstanceType", default_value="ml.m5.xlarge")
    input_data = ParameterString(name="InputDataUrl", default_value=f"s3://{BUCKET}/abalone/training/training-data.csv")
    model_approval_status = ParameterString(name="ModelApprovalStatus", default_value="PendingManualApproval")
    mse_threshold = ParameterFloat(name="MseThreshold", default_value=10.0)

    step_process = _preprocess_step(session, name, processing_instance_type, processing_instance_count, input_data)
    step_quality = _baseline_data_quality_step(session, step_process, monitoring_instance_type, "abalone")

    xgb_train = _xgboost_estimator(
        session,
        training_instance_type,
        training_instance_count,
        f"s3://{BUCKET}/abalone/training/models",
        objective="reg:squarederror",
        num_round=50,
        max_depth=5,
        eta=0.2,
        gamma=4,
        min_child_weight=6,
        subsample=0.7,
    )
    step_train = TrainingStep(name="TrainAbaloneModel", step_args=xgb_train.fit(inputs=_training_inputs(step_process)))

    evaluation_report = PropertyFile(name="EvaluationReport", output_name="evaluation", path="evaluation.json")
    step_eval = _evaluate_step(
        session,
        "EvaluateAbaloneModel",
        processing_instance_type,
        step_train.properties.ModelArtifacts.S3ModelArtifacts,
        step_process,
        evaluation_report,
    )

    model_metrics, drift_check_baselines = _model_metrics(step_eval, step_quality)
    # RegisterModel (deprecated by the SDK in favour of ModelStep, still the
    # reference's choice) around a Model: the container gets the SDK's
    # "Environment": {} (an estimator= instead would leave it out).
    model = Model(
        image_uri=_xgboost_image(),
        model_data=step_train.properties.ModelArtifacts.S3ModelArtifacts,
        role=ROLE,
        sagemaker_session=session,
    )
    step_register = RegisterModel(
        name="RegisterAbaloneModel",
        model=model,
        content_types=["text/csv"],
        response_types=["text/csv"],
        inference_instances=["ml.t2.medium", "ml.m5.large"],
        transform_instances=["ml.m5.large"],
        model_package_group_name=MODEL_PACKAGE_GROUP,
        approval_status=model_approval_status,
        model_metrics=model_metrics,
        drift_check_baselines=drift_check_baselines,
    )
    step_fail = FailStep(
        name="MseThresholdExceeded",
        error_message=Join(on=" ", values=["Execution failed due to MSE >", mse_threshold]),
    )
    step_cond = ConditionStep(
        name="CheckMseAbaloneEvaluation",
        conditions=[
            ConditionLessThanOrEqualTo(
                left=JsonGet(step_name=step_eval.name, property_file=evaluation_report, json_path="regression_metrics.mse.value"),
                right=mse_threshold,
            )
        ],
        if_steps=[step_register],
        else_steps=[step_fail],
    )
    return Pipeline(
        name=name,
        parameters=[
            processing_instance_type,
            processing_instance_count,
            training_instance_type,
            training_instance_count,
            monitoring_instance_type,
            input_data,
            model_approval_status,
            mse_threshold,
        ],
        steps=[step_process, step_quality, step_train, step_eval, step_cond],
        sagemaker_session=session,
    )


# --------------------------------------------------------------------------
# 2. hpo_training: the same shape with a TuningStep.
# --------------------------------------------------------------------------


def build_hpo_training(session):
    from sagemaker.model import Model
    from sagemaker.tuner import ContinuousParameter, HyperparameterTuner, IntegerParameter
    from sagemaker.workflow.condition_step import ConditionStep
    from sagemaker.workflow.conditions import ConditionLessThanOrEqualTo
    from sagemaker.workflow.fail_step import FailStep
    from sagemaker.workflow.functions import Join, JsonGet
    from sagemaker.workflow.model_step import ModelStep
    from sagemaker.workflow.parameters import ParameterFloat, ParameterInteger, ParameterString
    from sagemaker.workflow.pipeline import Pipeline
    from sagemaker.workflow.properties import PropertyFile
    from sagemaker.workflow.retry import (
        SageMakerJobExceptionTypeEnum,
        SageMakerJobStepRetryPolicy,
        StepExceptionTypeEnum,
        StepRetryPolicy,
    )
    from sagemaker.workflow.steps import CacheConfig, TuningStep

    name = "HpoTrainingPipeline"
    processing_instance_type = ParameterString(name="ProcessingInstanceType", default_value="ml.m5.xlarge")
    processing_instance_count = ParameterInteger(name="ProcessingInstanceCount", default_value=1)
    training_instance_type = ParameterString(name="TrainingInstanceType", default_value="ml.m5.xlarge")
    monitoring_instance_type = ParameterString(name="MonitoringInstanceType", default_value="ml.m5.xlarge")
    input_data = ParameterString(name="InputDataUrl", default_value=f"s3://{BUCKET}/abalone/training/training-data.csv")
    mse_threshold = ParameterFloat(name="MseThreshold", default_value=6.5)

    step_process = _preprocess_step(session, name, processing_instance_type, processing_instance_count, input_data)
    step_quality = _baseline_data_quality_step(session, step_process, monitoring_instance_type, "abalone-hpo")

    xgb_train = _xgboost_estimator(
        session,
        training_instance_type,
        1,
        f"s3://{BUCKET}/abalone/hpo/models",
        objective="reg:squarederror",
        num_round=50,
        eval_metric="rmse",
    )
    tuner = HyperparameterTuner(
        estimator=xgb_train,
        objective_metric_name="validation:rmse",
        objective_type="Minimize",
        hyperparameter_ranges={
            "eta": ContinuousParameter(0, 1),
            "min_child_weight": ContinuousParameter(1, 10),
            "alpha": ContinuousParameter(0, 2),
            "max_depth": IntegerParameter(1, 10),
        },
        max_jobs=6,
        max_parallel_jobs=2,
        strategy="Bayesian",
    )
    step_tuning = TuningStep(
        name="TuneAbaloneModel",
        step_args=tuner.fit(inputs=_training_inputs(step_process)),
        depends_on=[step_quality.name],
        cache_config=CacheConfig(enable_caching=True, expire_after="P30D"),
        retry_policies=[
            StepRetryPolicy(
                exception_types=[StepExceptionTypeEnum.SERVICE_FAULT, StepExceptionTypeEnum.THROTTLING],
                interval_seconds=10,
                backoff_rate=2.0,
                max_attempts=3,
            ),
            SageMakerJobStepRetryPolicy(
                exception_types=[SageMakerJobExceptionTypeEnum.CAPACITY_ERROR, SageMakerJobExceptionTypeEnum.RESOURCE_LIMIT],
                interval_seconds=60,
                backoff_rate=1.5,
                expire_after_mins=120,
            ),
        ],
    )
    top_model = step_tuning.get_top_model_s3_uri(top_k=0, s3_bucket=BUCKET, prefix="abalone/hpo/models")

    evaluation_report = PropertyFile(name="EvaluationReport", output_name="evaluation", path="evaluation.json")
    step_eval = _evaluate_step(session, "EvaluateTopModel", processing_instance_type, top_model, step_process, evaluation_report)

    model_metrics, drift_check_baselines = _model_metrics(step_eval, step_quality)
    model = Model(
        image_uri=_xgboost_image(),
        model_data=top_model,
        role=ROLE,
        sagemaker_session=session,
    )
    step_register = ModelStep(
        name="RegisterTopModel",
        step_args=model.register(
            content_types=["text/csv"],
            response_types=["text/csv"],
            inference_instances=["ml.t2.medium", "ml.m5.large"],
            transform_instances=["ml.m5.large"],
            model_package_group_name=MODEL_PACKAGE_GROUP,
            approval_status="PendingManualApproval",
            model_metrics=model_metrics,
            drift_check_baselines=drift_check_baselines,
            description="XGBoost abalone model, best of the HyperparameterTuner run",
        ),
    )
    step_fail = FailStep(
        name="HpoMseThresholdExceeded",
        error_message=Join(on=" ", values=["Best tuned model MSE is above", mse_threshold]),
    )
    step_cond = ConditionStep(
        name="CheckMseTopModel",
        conditions=[
            ConditionLessThanOrEqualTo(
                left=JsonGet(step_name=step_eval.name, property_file=evaluation_report, json_path="regression_metrics.mse.value"),
                right=mse_threshold,
            )
        ],
        if_steps=[step_register],
        else_steps=[step_fail],
    )
    return Pipeline(
        name=name,
        parameters=[
            processing_instance_type,
            processing_instance_count,
            training_instance_type,
            monitoring_instance_type,
            input_data,
            mse_threshold,
        ],
        steps=[step_process, step_quality, step_tuning, step_eval, step_cond],
        sagemaker_session=session,
    )


# --------------------------------------------------------------------------
# 3. batch_inference
# --------------------------------------------------------------------------


def latest_approved_model_package(group: str = MODEL_PACKAGE_GROUP) -> dict:
    """DescribeModelPackage of the newest Approved version of `group`, looked up
    outside the pipeline (what the reference sample's build.py + jq did, and what
    the provider's `mlops_model_package` data source does), in the emulator.

    A fresh emulator has no registry: register one approved version first, so
    the lookup is the real ListModelPackages call and its answer is stable
    (version 1 of a new group).
    """
    import boto3

    sm = boto3.client("sagemaker", region_name=REGION)

    def lookup():
        try:
            resp = sm.list_model_packages(
                ModelPackageGroupName=group,
                ModelApprovalStatus="Approved",
                SortBy="CreationTime",
                SortOrder="Descending",
                MaxResults=1,
            )
        except sm.exceptions.ClientError:
            return None
        items = resp.get("ModelPackageSummaryList", [])
        return items[0]["ModelPackageArn"] if items else None

    arn = lookup()
    if arn is None:
        try:
            sm.create_model_package_group(ModelPackageGroupName=group)
        except sm.exceptions.ClientError:
            pass  # already there
        sm.create_model_package(
            ModelPackageGroupName=group,
            ModelApprovalStatus="Approved",
            InferenceSpecification={
                "Containers": [
                    {
                        "Image": _xgboost_image(),
                        "ModelDataUrl": f"s3://{BUCKET}/abalone/training/models/approved/output/model.tar.gz",
                    }
                ],
                "SupportedContentTypes": ["text/csv"],
                "SupportedResponseMIMETypes": ["text/csv"],
            },
        )
        arn = lookup()
    return sm.describe_model_package(ModelPackageName=arn)


def build_batch_inference(session):
    from sagemaker.model import Model
    from sagemaker.model_monitor.dataset_format import DatasetFormat
    from sagemaker.processing import ProcessingInput, ProcessingOutput
    from sagemaker.sklearn.processing import SKLearnProcessor
    from sagemaker.transformer import Transformer
    from sagemaker.workflow.check_job_config import CheckJobConfig
    from sagemaker.workflow.condition_step import ConditionStep
    from sagemaker.workflow.conditions import ConditionEquals
    from sagemaker.workflow.execution_variables import ExecutionVariables
    from sagemaker.workflow.functions import Join
    from sagemaker.workflow.model_step import ModelStep
    from sagemaker.workflow.parameters import ParameterBoolean, ParameterInteger, ParameterString
    from sagemaker.workflow.pipeline import Pipeline
    from sagemaker.workflow.quality_check_step import (
        DataQualityCheckConfig,
        ModelQualityCheckConfig,
        QualityCheckStep,
    )
    from sagemaker.workflow.retry import (
        SageMakerJobExceptionTypeEnum,
        SageMakerJobStepRetryPolicy,
        StepExceptionTypeEnum,
        StepRetryPolicy,
    )
    from sagemaker.workflow.steps import CacheConfig, ProcessingStep, TransformStep

    name = "BatchInferencePipeline"
    baselines = f"s3://{BUCKET}/abalone/baselines"
    processing_instance_type = ParameterString(name="ProcessingInstanceType", default_value="ml.m5.xlarge")
    processing_instance_count = ParameterInteger(name="ProcessingInstanceCount", default_value=1)
    transform_instance_type = ParameterString(name="TransformInstanceType", default_value="ml.m5.xlarge")
    transform_instance_count = ParameterInteger(name="TransformInstanceCount", default_value=1)
    monitoring_instance_type = ParameterString(name="MonitoringInstanceType", default_value="ml.m5.xlarge")
    input_data = ParameterString(name="InputDataUrl", default_value=f"s3://{BUCKET}/abalone/inference/inference-data.csv")
    approved = latest_approved_model_package()
    approved_container = approved["InferenceSpecification"]["Containers"][0]
    model_package_arn = ParameterString(name="ModelPackageArn", default_value=approved["ModelPackageArn"])
    model_data_url = ParameterString(name="ModelDataUrl", default_value=approved_container["ModelDataUrl"])
    dq_statistics = ParameterString(name="DataQualityBaselineStatistics", default_value=f"{baselines}/data-quality/statistics.json")
    dq_constraints = ParameterString(name="DataQualityBaselineConstraints", default_value=f"{baselines}/data-quality/constraints.json")
    mq_statistics = ParameterString(name="ModelQualityBaselineStatistics", default_value=f"{baselines}/model-quality/statistics.json")
    mq_constraints = ParameterString(name="ModelQualityBaselineConstraints", default_value=f"{baselines}/model-quality/constraints.json")
    check_model_quality = ParameterBoolean(name="CheckModelQuality", default_value=True)

    # Preprocess the new data the way training did (label first).
    processor = SKLearnProcessor(
        framework_version=SKLEARN_VERSION,
        instance_type=processing_instance_type,
        instance_count=processing_instance_count,
        base_job_name="abalone-preprocess-inference",
        role=ROLE,
        sagemaker_session=session,
    )
    step_process = ProcessingStep(
        name="PreprocessInferenceData",
        step_args=processor.run(
            inputs=[ProcessingInput(source=input_data, destination="/opt/ml/processing/input", input_name="raw")],
            outputs=[
                ProcessingOutput(
                    output_name="inference",
                    source="/opt/ml/processing/inference",
                    destination=Join(
                        on="/",
                        values=["s3:/", BUCKET, "abalone", "inference", ExecutionVariables.PIPELINE_EXECUTION_ID, "preprocessed"],
                    ),
                )
            ],
            code="batch-inference/scripts/preprocess_inference.py",
        ),
        cache_config=CacheConfig(enable_caching=True, expire_after="PT12H"),
        description="Encode the new abalone data like training did (label first)",
    )
    preprocessed = step_process.properties.ProcessingOutputConfig.Outputs["inference"].S3Output.S3Uri

    # Data quality of the new data vs. the baseline registered at training time.
    step_data_quality = QualityCheckStep(
        name="DataQualityCheck",
        quality_check_config=DataQualityCheckConfig(
            baseline_dataset=preprocessed,
            dataset_format=DatasetFormat.csv(header=False),
            output_s3_uri=Join(
                on="/",
                values=["s3:/", BUCKET, "abalone", "monitoring", ExecutionVariables.PIPELINE_EXECUTION_ID, "data-quality"],
            ),
        ),
        check_job_config=CheckJobConfig(
            role=ROLE,
            instance_count=1,
            instance_type=monitoring_instance_type,
            volume_size_in_gb=20,
            max_runtime_in_seconds=3600,
            sagemaker_session=session,
        ),
        skip_check=False,
        register_new_baseline=False,
        fail_on_violation=True,
        supplied_baseline_statistics=dq_statistics,
        supplied_baseline_constraints=dq_constraints,
        model_package_group_name=MODEL_PACKAGE_GROUP,
    )

    # SageMaker model of the approved registry version.  Not ModelPackage(
    # model_package_arn=<parameter>): the SDK resolves that ARN at build time
    # (re.match + DescribeModelPackage) and fails on a pipeline variable.  So
    # the image and artifact come from the version found outside the pipeline,
    # the artifact URL is a parameter, and the version's ARN is recorded in the
    # container environment.
    model = Model(
        image_uri=approved_container["Image"],
        model_data=model_data_url,
        env={"MODEL_PACKAGE_ARN": model_package_arn},
        role=ROLE,
        sagemaker_session=session,
    )
    step_create_model = ModelStep(name="CreateAbaloneModel", step_args=model.create(instance_type="ml.m5.xlarge"))

    # Batch transform: drop the label for the model, join it back to the prediction.
    transformer = Transformer(
        model_name=step_create_model.properties.ModelName,
        instance_type=transform_instance_type,
        instance_count=transform_instance_count,
        output_path=Join(
            on="/",
            values=["s3:/", BUCKET, "abalone", "inference", ExecutionVariables.PIPELINE_EXECUTION_ID, "transform"],
        ),
        accept="text/csv",
        assemble_with="Line",
        base_transform_job_name="abalone-transform",
        sagemaker_session=session,
    )
    step_transform = TransformStep(
        name="TransformAbaloneData",
        step_args=transformer.transform(
            data=preprocessed,
            content_type="text/csv",
            split_type="Line",
            input_filter="$[1:]",
            join_source="Input",
            output_filter="$[0,-1]",
        ),
        depends_on=[step_data_quality.name],
        retry_policies=[
            StepRetryPolicy(exception_types=[StepExceptionTypeEnum.THROTTLING], interval_seconds=5, backoff_rate=2.0, max_attempts=5),
            SageMakerJobStepRetryPolicy(
                exception_types=[SageMakerJobExceptionTypeEnum.INTERNAL_ERROR, SageMakerJobExceptionTypeEnum.CAPACITY_ERROR],
                interval_seconds=30,
                backoff_rate=2.0,
                max_attempts=3,
            ),
        ],
    )

    # Model quality of the predictions (column 1) against the ground truth (column 0).
    step_model_quality = QualityCheckStep(
        name="ModelQualityCheck",
        quality_check_config=ModelQualityCheckConfig(
            baseline_dataset=step_transform.properties.TransformOutput.S3OutputPath,
            dataset_format=DatasetFormat.csv(header=False),
            output_s3_uri=Join(
                on="/",
                values=["s3:/", BUCKET, "abalone", "monitoring", ExecutionVariables.PIPELINE_EXECUTION_ID, "model-quality"],
            ),
            problem_type="Regression",
            inference_attribute="_c1",
            ground_truth_attribute="_c0",
        ),
        check_job_config=CheckJobConfig(
            role=ROLE,
            instance_count=1,
            instance_type=monitoring_instance_type,
            sagemaker_session=session,
        ),
        skip_check=False,
        register_new_baseline=False,
        fail_on_violation=True,
        supplied_baseline_statistics=mq_statistics,
        supplied_baseline_constraints=mq_constraints,
        model_package_group_name=MODEL_PACKAGE_GROUP,
    )
    step_cond = ConditionStep(
        name="CheckModelQualityEnabled",
        conditions=[ConditionEquals(left=check_model_quality, right=True)],
        if_steps=[step_model_quality],
        else_steps=[],
    )
    return Pipeline(
        name=name,
        parameters=[
            processing_instance_type,
            processing_instance_count,
            transform_instance_type,
            transform_instance_count,
            monitoring_instance_type,
            input_data,
            model_package_arn,
            model_data_url,
            dq_statistics,
            dq_constraints,
            mq_statistics,
            mq_constraints,
            check_model_quality,
        ],
        steps=[step_process, step_data_quality, step_create_model, step_transform, step_cond],
        sagemaker_session=session,
    )


BUILDERS = {
    "training": build_training,
    "hpo_training": build_hpo_training,
    "batch_inference": build_batch_inference,
}


def dump(definition: dict) -> str:
    """The checked-in form: indent 2, SDK key order, trailing newline."""
    return json.dumps(definition, indent=2) + "\n"


def _quiet_sdk() -> None:
    """The SDK logs, on every build, INFO lines (config files read) and WARNING
    lines that are expected here (job names popped from the definition,
    parameter defaults used at compile time, estimators without a finished
    job), and warns about PipelineSession / deprecated classes.  Errors stay."""
    import logging
    import warnings

    # Before `import sagemaker`: it gives "sagemaker.config" level INFO and a
    # stdout handler only if no level is set yet, and logs while importing.
    logging.getLogger("sagemaker").setLevel(logging.ERROR)
    logging.getLogger("sagemaker.config").setLevel(logging.ERROR)
    logging.getLogger("botocore").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", message="Running within a PipelineSession")
    warnings.filterwarnings("ignore", category=DeprecationWarning)


def generate(names=PIPELINE_NAMES, endpoint: str | None = None) -> dict:
    """{name: parsed pipeline.definition()} built with the real SDK."""
    with tempfile.TemporaryDirectory(prefix="oracle-sdk-") as config_dir, _emulator(endpoint) as url:
        _prepare_environment(url, config_dir)
        _quiet_sdk()
        os.chdir(EXAMPLES)  # relative code paths -> location-independent code hashes
        session = _session()
        out = {}
        for name in names:
            pipeline = BUILDERS[name](session)
            out[name] = json.loads(pipeline.definition())
        return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"any of {', '.join(PIPELINE_NAMES)} (default: all)")
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--endpoint", default=os.environ.get("MLOPS_ORACLE_ENDPOINT"), help="emulator URL (default: start one)")
    args = parser.parse_args(argv)
    names = args.names or list(PIPELINE_NAMES)
    unknown = sorted(set(names) - set(PIPELINE_NAMES))
    if unknown:
        parser.error(f"unknown pipeline(s) {unknown}; choose from {list(PIPELINE_NAMES)}")
    out_dir = args.out_dir.resolve()
    definitions = generate(names, args.endpoint)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, definition in definitions.items():
        path = out_dir / f"{name}.json"
        path.write_text(dump(definition))
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
