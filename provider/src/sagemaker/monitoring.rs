//! Model Monitor objects: monitoring schedules, data and model quality job definitions, and
//! the processing jobs that baseline a dataset. Finders (`Ok(None)` when the object does
//! not exist), the pure status classifiers used with [`mlops_framework::wait_until`], and
//! the answer of a Create call that may meet an object of the same name.

use std::fmt::Debug;

use aws_sdk_sagemaker::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sagemaker::operation::describe_data_quality_job_definition::DescribeDataQualityJobDefinitionOutput;
use aws_sdk_sagemaker::operation::describe_model_quality_job_definition::DescribeModelQualityJobDefinitionOutput;
use aws_sdk_sagemaker::operation::describe_monitoring_schedule::DescribeMonitoringScheduleOutput;
use aws_sdk_sagemaker::operation::describe_processing_job::DescribeProcessingJobOutput;
use aws_sdk_sagemaker::types::{ProcessingJobStatus, ScheduleStatus};
use mlops_framework::{Diagnostics, Phase};

use crate::aws::{api_error, error_code, found};
use crate::clients::Clients;

/// The monitoring schedule named `name`, `None` when there is none.
pub async fn find_monitoring_schedule(
    c: &Clients,
    name: &str,
) -> Result<Option<DescribeMonitoringScheduleOutput>, Diagnostics> {
    found(
        "DescribeMonitoringSchedule",
        name,
        c.sagemaker
            .describe_monitoring_schedule()
            .monitoring_schedule_name(name)
            .send()
            .await,
    )
}

/// The data quality job definition named `name`, `None` when there is none.
pub async fn find_data_quality_job_definition(
    c: &Clients,
    name: &str,
) -> Result<Option<DescribeDataQualityJobDefinitionOutput>, Diagnostics> {
    found(
        "DescribeDataQualityJobDefinition",
        name,
        c.sagemaker
            .describe_data_quality_job_definition()
            .job_definition_name(name)
            .send()
            .await,
    )
}

/// The model quality job definition named `name`, `None` when there is none.
pub async fn find_model_quality_job_definition(
    c: &Clients,
    name: &str,
) -> Result<Option<DescribeModelQualityJobDefinitionOutput>, Diagnostics> {
    found(
        "DescribeModelQualityJobDefinition",
        name,
        c.sagemaker
            .describe_model_quality_job_definition()
            .job_definition_name(name)
            .send()
            .await,
    )
}

/// The processing job named `name`, `None` when there is none.
pub async fn find_processing_job(
    c: &Clients,
    name: &str,
) -> Result<Option<DescribeProcessingJobOutput>, Diagnostics> {
    found(
        "DescribeProcessingJob",
        name,
        c.sagemaker
            .describe_processing_job()
            .processing_job_name(name)
            .send()
            .await,
    )
}

/// `status <Status>` for the progress log (`status ?` before SageMaker reports one).
fn status_text(status: Option<&str>) -> String {
    format!("status {}", status.unwrap_or("?"))
}

/// Scheduled (target), on its way (Pending...), or Failed with SageMaker's reason.
pub fn schedule_phase(d: &DescribeMonitoringScheduleOutput) -> Phase {
    match d.monitoring_schedule_status() {
        Some(ScheduleStatus::Scheduled) => Phase::Target,
        Some(ScheduleStatus::Failed) => Phase::Failed(
            d.failure_reason()
                .unwrap_or("(no reason given)")
                .to_string(),
        ),
        s => Phase::Pending(status_text(s.map(|s| s.as_str()))),
    }
}

/// A schedule being deleted: every status it still shows (Failed included: a failed
/// schedule is deleted too) is on the way out, until the finder says it is gone.
pub fn schedule_deletion_phase(d: &DescribeMonitoringScheduleOutput) -> Phase {
    Phase::Pending(status_text(
        d.monitoring_schedule_status().map(|s| s.as_str()),
    ))
}

/// Completed (target), on its way (InProgress, Stopping), or ended Failed or Stopped with
/// SageMaker's reason (the failure reason, else the exit message).
pub fn processing_job_phase(d: &DescribeProcessingJobOutput) -> Phase {
    match d.processing_job_status() {
        Some(ProcessingJobStatus::Completed) => Phase::Target,
        Some(ProcessingJobStatus::Failed | ProcessingJobStatus::Stopped) => Phase::Failed(
            d.failure_reason()
                .or(d.exit_message())
                .unwrap_or("(no reason given)")
                .to_string(),
        ),
        s => Phase::Pending(status_text(s.map(|s| s.as_str()))),
    }
}

/// What a Create call did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    /// The object was created.
    New,
    /// An object of that name exists already (`ResourceInUse`), e.g. from an interrupted
    /// apply.
    Existing,
}

/// A Create call's answer: created, or an object of the name exists already; every other
/// error surfaces, naming `op` and `subject`.
pub fn created<T, E, R>(
    op: &str,
    subject: &str,
    answer: Result<T, SdkError<E, R>>,
) -> Result<Created, Diagnostics>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: Debug,
{
    match answer {
        Ok(_) => Ok(Created::New),
        Err(e) if error_code(&e) == Some("ResourceInUse") => Ok(Created::Existing),
        Err(e) => Err(api_error(op, subject, &e).into()),
    }
}

/// Names of the monitoring schedules whose name contains `name_contains` (of `endpoint`'s
/// only, if given), at most `limit`.
pub async fn list_schedule_names(
    c: &Clients,
    name_contains: Option<&str>,
    endpoint: Option<&str>,
    limit: usize,
) -> Result<Vec<String>, Diagnostics> {
    let pages = c
        .sagemaker
        .list_monitoring_schedules()
        .set_name_contains(name_contains.map(String::from))
        .set_endpoint_name(endpoint.map(String::from))
        .max_results(mlops_framework::list::page_size())
        .into_paginator();
    let items = crate::aws::pages::take_items!(
        pages,
        limit,
        "ListMonitoringSchedules",
        "monitoring schedules"
    )?;
    Ok(items
        .iter()
        .filter_map(|s| s.monitoring_schedule_name().map(String::from))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_statuses() {
        let with = |s: ScheduleStatus| {
            DescribeMonitoringScheduleOutput::builder()
                .monitoring_schedule_status(s)
                .failure_reason("no such endpoint")
                .build()
        };
        assert_eq!(
            schedule_phase(&with(ScheduleStatus::Scheduled)),
            Phase::Target
        );
        assert_eq!(
            schedule_phase(&with(ScheduleStatus::Failed)),
            Phase::Failed("no such endpoint".into())
        );
        assert_eq!(
            schedule_phase(&with(ScheduleStatus::Pending)),
            Phase::Pending("status Pending".into())
        );
        assert_eq!(
            schedule_deletion_phase(&with(ScheduleStatus::Failed)),
            Phase::Pending("status Failed".into())
        );
    }

    #[test]
    fn processing_job_statuses() {
        let with = |s: ProcessingJobStatus| {
            DescribeProcessingJobOutput::builder()
                .processing_job_status(s)
                .exit_message("AlgorithmError: bad csv")
                .build()
        };
        assert_eq!(
            processing_job_phase(&with(ProcessingJobStatus::Completed)),
            Phase::Target
        );
        assert_eq!(
            processing_job_phase(&with(ProcessingJobStatus::Stopped)),
            Phase::Failed("AlgorithmError: bad csv".into())
        );
        assert_eq!(
            processing_job_phase(&with(ProcessingJobStatus::InProgress)),
            Phase::Pending("status InProgress".into())
        );
        assert_eq!(
            processing_job_phase(&DescribeProcessingJobOutput::builder().build()),
            Phase::Pending("status ?".into())
        );
    }
}
