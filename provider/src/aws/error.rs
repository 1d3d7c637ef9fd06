//! Errors of AWS calls: diagnostics that name the operation and the object, and
//! not-found detection for finders.

use std::fmt::Debug;

use aws_sdk_sagemaker::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use mlops_framework::{Diagnostic, Diagnostics};

/// The AWS error code of a failed call, if the service answered.
pub fn error_code<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> Option<&str> {
    err.as_service_error().and_then(|e| e.code())
}

/// SageMaker says "does not exist" with a ValidationException (or ResourceNotFound).
pub fn is_not_found<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> bool {
    match err.as_service_error() {
        Some(e) => {
            let code = e.code().unwrap_or_default();
            let msg = e.message().unwrap_or_default().to_ascii_lowercase();
            code == "ResourceNotFound"
                || code == "ResourceNotFoundException"
                || ((code == "ValidationException" || code == "ValidationError")
                    && (msg.contains("does not exist")
                        || msg.contains("not found")
                        || msg.contains("cannot find")
                        || msg.contains("could not find")))
        }
        None => false,
    }
}

/// A create met an object of its name: `ResourceInUse` (most SageMaker creates), or a
/// validation error saying it "already exists" (model package groups, endpoints).
pub fn is_already_exists<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> bool {
    match err.as_service_error() {
        Some(e) => {
            let msg = e.message().unwrap_or_default().to_ascii_lowercase();
            e.code() == Some("ResourceInUse")
                || e.code() == Some("ResourceAlreadyExistsException")
                || msg.contains("already exist")
        }
        None => false,
    }
}

/// SageMaker refuses a change to an object that is still being created or updated
/// ("Cannot update in-progress endpoint").
pub fn is_in_progress<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> bool {
    err.as_service_error()
        .and_then(|e| e.message())
        .is_some_and(|m| m.to_ascii_lowercase().contains("in-progress"))
}

/// An error diagnostic for a failed API call.
pub fn api_error<E, R>(op: &str, subject: &str, err: &SdkError<E, R>) -> Diagnostic
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: Debug,
{
    let detail = match err.as_service_error() {
        Some(e) => format!(
            "{op} for {subject} failed: {}: {}",
            e.code().unwrap_or("error"),
            e.message().unwrap_or("(no message)")
        ),
        None => format!("{op} for {subject} failed: {}", DisplayErrorContext(err)),
    };
    Diagnostic::error(format!("SageMaker {op} failed"), detail)
}

/// An error diagnostic for a failed call to another service (EventBridge, SNS, IAM).
pub fn service_error<E, R>(
    service: &str,
    op: &str,
    subject: &str,
    err: &SdkError<E, R>,
) -> Diagnostic
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: Debug,
{
    let mut d = api_error(op, subject, err);
    d.summary = format!("{service} {op} failed");
    d
}

/// "Does not exist" answers of EventBridge (`ResourceNotFoundException`), IAM
/// (`NoSuchEntity`) and SNS (`NotFound`).
pub fn is_missing<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> bool {
    matches!(
        error_code(err),
        Some(
            "ResourceNotFoundException"
                | "NoSuchEntity"
                | "NotFound"
                | "NotFoundException"
                | "ResourceNotFound"
        )
    )
}

/// The one finder shape: a Describe/Get call's answer as `Ok(None)` when the object does not
/// exist, `Ok(Some(_))` when it does, and an error diagnostic (naming `op` and `subject`)
/// for every other failure. Every `find_*` is built on it.
pub fn found<T, E, R>(
    op: &str,
    subject: &str,
    answer: Result<T, SdkError<E, R>>,
) -> Result<Option<T>, Diagnostics>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: Debug,
{
    found_in("SageMaker", op, subject, answer)
}

/// [`found`] for any service (EventBridge, IAM, SNS, CloudWatch...): the diagnostic names
/// `service`.
pub fn found_in<T, E, R>(
    service: &str,
    op: &str,
    subject: &str,
    answer: Result<T, SdkError<E, R>>,
) -> Result<Option<T>, Diagnostics>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: Debug,
{
    match answer {
        Ok(t) => Ok(Some(t)),
        Err(e) if is_not_found(&e) || is_missing(&e) => Ok(None),
        Err(e) => Err(service_error(service, op, subject, &e).into()),
    }
}
