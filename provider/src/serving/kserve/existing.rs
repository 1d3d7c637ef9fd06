//! What a create finds under the InferenceService's name (see [`crate::ownership`]), looked
//! at with one GET before anything is written: nothing (the create applies it, with the
//! marker annotation), one being deleted (wait until it is gone, then create), one an
//! interrupted apply made (it carries the annotation: adopted, the create's apply
//! converges it to the plan), or anyone else's (fail with no write, naming it and its
//! import block).

use mlops_framework::{AttrPath, Ctx, Diagnostics};

use super::object::{kube_of, string_map};
use super::{get, subject, wait_gone};
use crate::clients::Clients;
use crate::kubernetes::Kube;
use crate::ownership::{existing_by, log_adopting, Existing, Taken, MARKER_ANNOTATION};
use crate::serving::model::EndpointState;

/// Make way for the create of `s`: `Ok` when there is nothing under its name (any deletion
/// in progress waited out) or a half-made object to adopt; the `already exists` error when
/// the object is someone else's.
pub async fn look_before_create(
    ctx: &Ctx<Clients>,
    k: &Kube,
    s: &EndpointState,
) -> Result<(), Diagnostics> {
    let Some(o) = get(k, s).await? else {
        return Ok(());
    };
    let what = subject(s);
    if o.pointer("/metadata/deletionTimestamp").is_some() {
        tracing::info!(object = %what, "still being deleted: waiting until it is gone before creating it");
        return wait_gone(ctx, k, s).await;
    }
    let name = format!("{}/{}", kube_of(s).namespace, s.name);
    match existing_by(
        MARKER_ANNOTATION,
        &string_map(o.pointer("/metadata/annotations")),
    ) {
        Existing::Ours => {
            log_adopting("InferenceService", &name);
            Ok(())
        }
        Existing::Foreign => Err(Taken {
            kind: "InferenceService",
            name: &name,
            resource_type: "mlops_endpoint",
            import_id: &name,
            marker: MARKER_ANNOTATION,
            at: AttrPath::attr("name"),
        }
        .diagnostic()
        .into()),
    }
}
