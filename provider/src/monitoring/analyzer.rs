//! The Model Monitor analyzer, the container that both the monitoring jobs and the
//! baselining job run: its image, its container paths and metrics switch (as the SageMaker
//! SDK uses them), and the instances and runtime of its jobs.

use aws_sdk_sagemaker::types::ProcessingInstanceType;
use mlops_framework::{Diagnostic, Diagnostics};

use super::model::MonitorState;

/// Where the analyzer writes its reports (and baselines).
pub(super) const OUTPUT_PATH: &str = "/opt/ml/processing/output";
/// The analyzer's switch for CloudWatch metrics.
pub(super) const PUBLISH_METRICS: &str = "publish_cloudwatch_metrics";

/// Model Monitor analyzer image of a region (SageMaker's own image table, shared with the
/// pipeline compiler's quality checks).
pub(super) fn analyzer_image(region: &str) -> Result<String, Diagnostics> {
    crate::sagemaker::catalog::analyzer_image(region).ok_or_else(|| {
        Diagnostic::error(
            "No Model Monitor image for this region",
            format!("SageMaker publishes no Model Monitor analyzer image for region {region:?} that the provider knows of."),
        )
        .into()
    })
}

/// Instances and runtime of the analyzer's jobs, with the schema's defaults.
pub(super) struct JobResources {
    pub instance_type: ProcessingInstanceType,
    pub instance_count: i32,
    pub volume_size_gb: i32,
    pub max_runtime_seconds: i32,
}

impl JobResources {
    pub(super) fn of(s: &MonitorState) -> Self {
        JobResources {
            instance_type: ProcessingInstanceType::from(
                s.instance_type.as_deref().unwrap_or("ml.m5.xlarge"),
            ),
            instance_count: s.instance_count.unwrap_or(1) as i32,
            volume_size_gb: s.volume_size_gb.unwrap_or(20) as i32,
            max_runtime_seconds: s.max_runtime_seconds.unwrap_or(3600) as i32,
        }
    }
}
