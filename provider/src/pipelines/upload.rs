//! The apply-time half of local pipeline code (see [`super::compiler::code`]): each script
//! the definition points at is put at its content-addressed key before CreatePipeline or
//! UpdatePipeline, so no execution can start on a definition whose code is missing.
//! Content-addressed keys make the upload idempotent (an apply re-run after a kill finds
//! the object and skips it) and never overwrite what a running execution reads.

use mlops_framework::{CancellationToken, Diagnostic, Diagnostics};
use sha2::{Digest, Sha256};

use super::compiler::code::hex;
use super::compiler::CodeUpload;
use crate::aws::{put_content_addressed, Clients};

/// Upload `uploads`; `planned` is the definition the plan showed (when known): a script
/// whose content changed since is an error before anything is written.
pub(super) async fn upload_code(
    c: &Clients,
    cancel: &CancellationToken,
    uploads: &[CodeUpload],
    planned: Option<&str>,
) -> Result<(), Diagnostics> {
    for up in uploads {
        if planned.is_some_and(|d| !d.contains(&up.uri())) {
            return Err(changed(up, &up.sha256));
        }
    }
    for up in uploads {
        if cancel.is_cancelled() {
            return Err(Diagnostic::error(
                "Cancelled",
                format!(
                    "Terraform stopped the apply before {} was uploaded.",
                    up.uri()
                ),
            )
            .into());
        }
        let body = std::fs::read(&up.path).map_err(|e| {
            Diagnostics::from(
                Diagnostic::error(
                    "Cannot read pipeline code",
                    format!("Cannot read {:?} to upload it: {e}.", up.path),
                )
                .at(up.at.clone()),
            )
        })?;
        let sha = hex(&Sha256::digest(&body));
        if sha != up.sha256 {
            return Err(changed(up, &sha));
        }
        put_content_addressed(&c.s3, &up.bucket, &up.key, &up.sha256, body).await?;
    }
    Ok(())
}

fn changed(up: &CodeUpload, now: &str) -> Diagnostics {
    Diagnostic::error(
        "Pipeline code changed after the plan",
        format!(
            "{:?} changed between plan and apply (its SHA-256 is now {now}); the planned definition does not use this content. Run terraform plan again.",
            up.path
        ),
    )
    .at(up.at.clone())
    .into()
}
