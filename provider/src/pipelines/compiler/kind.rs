//! Step kinds: the kind block a step is written with, and the properties its references
//! may name.

use super::model::Step;

/// The kind of a step, from its kind block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    Processing,
    Training,
    Tuning,
    Transform,
    CreateModel,
    RegisterModel,
    Condition,
    QualityCheck,
    Fail,
}

impl StepKind {
    pub fn block(self) -> &'static str {
        match self {
            StepKind::Processing => "processing",
            StepKind::Training => "training",
            StepKind::Tuning => "tuning",
            StepKind::Transform => "transform",
            StepKind::CreateModel => "create_model",
            StepKind::RegisterModel => "register_model",
            StepKind::Condition => "condition",
            StepKind::QualityCheck => "quality_check",
            StepKind::Fail => "fail",
        }
    }

    /// Top-level properties a step of this kind exposes (the Describe* response of its job).
    pub fn properties(self) -> &'static [&'static str] {
        match self {
            StepKind::Processing => &[
                "ProcessingJobName",
                "ProcessingJobArn",
                "ProcessingJobStatus",
                "ProcessingInputs",
                "ProcessingOutputConfig",
                "ProcessingResources",
                "StoppingCondition",
                "AppSpecification",
                "Environment",
                "NetworkConfig",
                "RoleArn",
                "ExitMessage",
                "FailureReason",
                "ProcessingStartTime",
                "ProcessingEndTime",
                "CreationTime",
                "LastModifiedTime",
            ],
            StepKind::Training => &[
                "TrainingJobName",
                "TrainingJobArn",
                "TrainingJobStatus",
                "SecondaryStatus",
                "ModelArtifacts",
                "HyperParameters",
                "AlgorithmSpecification",
                "RoleArn",
                "InputDataConfig",
                "OutputDataConfig",
                "ResourceConfig",
                "StoppingCondition",
                "FinalMetricDataList",
                "FailureReason",
                "TrainingStartTime",
                "TrainingEndTime",
                "TrainingTimeInSeconds",
                "BillableTimeInSeconds",
                "CreationTime",
                "LastModifiedTime",
            ],
            StepKind::Tuning => &[
                "HyperParameterTuningJobName",
                "HyperParameterTuningJobArn",
                "HyperParameterTuningJobStatus",
                "BestTrainingJob",
                "TrainingJobSummaries",
                "TrainingJobStatusCounters",
                "ObjectiveStatusCounters",
                "FailureReason",
                "CreationTime",
                "LastModifiedTime",
            ],
            StepKind::Transform => &[
                "TransformJobName",
                "TransformJobArn",
                "TransformJobStatus",
                "ModelName",
                "TransformInput",
                "TransformOutput",
                "TransformResources",
                "FailureReason",
                "CreationTime",
                "TransformStartTime",
                "TransformEndTime",
            ],
            StepKind::CreateModel => &[
                "ModelName",
                "ModelArn",
                "PrimaryContainer",
                "Containers",
                "ExecutionRoleArn",
                "CreationTime",
            ],
            StepKind::RegisterModel => &[
                "ModelPackageArn",
                "ModelPackageName",
                "ModelPackageGroupName",
                "ModelPackageVersion",
                "ModelApprovalStatus",
                "ModelPackageStatus",
                "CreationTime",
            ],
            StepKind::Condition => &["Outcome"],
            StepKind::QualityCheck => &[
                "CalculatedBaselineStatistics",
                "CalculatedBaselineConstraints",
                "BaselineUsedForDriftCheckStatistics",
                "BaselineUsedForDriftCheckConstraints",
            ],
            StepKind::Fail => &[],
        }
    }

    pub fn shorthands(self) -> &'static str {
        match self {
            StepKind::Processing => "`outputs.NAME`, `files.FILE.json.path`",
            StepKind::Training => "`model_artifacts`",
            StepKind::Tuning => "`best_model_artifacts`",
            StepKind::Transform => "`transform_output`",
            StepKind::CreateModel => "`model_name`",
            StepKind::RegisterModel => "`model_package_arn`",
            _ => "none",
        }
    }
}

/// The kind blocks set on a step.
pub fn kinds_of(s: &Step) -> Vec<StepKind> {
    let mut k = vec![];
    if s.processing.is_some() {
        k.push(StepKind::Processing);
    }
    if s.training.is_some() {
        k.push(StepKind::Training);
    }
    if s.tuning.is_some() {
        k.push(StepKind::Tuning);
    }
    if s.transform.is_some() {
        k.push(StepKind::Transform);
    }
    if s.create_model.is_some() {
        k.push(StepKind::CreateModel);
    }
    if s.register_model.is_some() {
        k.push(StepKind::RegisterModel);
    }
    if s.condition.is_some() {
        k.push(StepKind::Condition);
    }
    if s.quality_check.is_some() {
        k.push(StepKind::QualityCheck);
    }
    if s.fail.is_some() {
        k.push(StepKind::Fail);
    }
    k
}
