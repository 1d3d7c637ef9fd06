//! The one finder, applier and waiters of the custom objects the provider manages in a
//! cluster (InferenceService, SeldonDeployment, ...). A [`Family`] names a kind and its API
//! resource; every backend that manages objects of a kind goes through it, so reading,
//! server-side apply under [`FIELD_MANAGER`], deletion, waiting and the ownership rule of
//! [`crate::ownership`] behave the same for all of them.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use kube::api::{Api, ApiResource, DeleteParams, DynamicObject, ListParams, Patch, PatchParams};
use mlops_framework::{wait_until, AttrPath, Ctx, Diagnostic, Diagnostics, Phase, Want};
use regex::Regex;
use serde_json::Value as Json;

use super::{Kube, FIELD_MANAGER};
use crate::ownership::{existing_by, log_adopting, Existing, Taken, MARKER_ANNOTATION};

static DNS_LABEL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$").expect("static regex"));

/// A DNS-1123 label (namespaces and most object names): 1-63 lowercase letters, digits and
/// inner hyphens.
pub fn is_dns_label(s: &str) -> bool {
    (1..=63).contains(&s.len()) && DNS_LABEL.is_match(s)
}

/// The namespace and name of an import ID `namespace/name`, both DNS-1123 labels.
pub fn parse_id(id: &str) -> Option<(&str, &str)> {
    let (ns, name) = id.split_once('/')?;
    (is_dns_label(ns) && is_dns_label(name)).then_some((ns, name))
}

/// A kind of namespaced custom object.
#[derive(Debug, Clone, Copy)]
pub struct Family {
    /// The kind, e.g. `InferenceService`.
    pub kind: &'static str,
    pub group: &'static str,
    pub version: &'static str,
    /// The resource's plural, e.g. `inferenceservices`.
    pub plural: &'static str,
}

/// One object of a family: its namespace and name.
#[derive(Debug, Clone, Copy)]
pub struct At<'a> {
    pub namespace: &'a str,
    pub name: &'a str,
}

impl At<'_> {
    /// `namespace/name`, also the import ID of the object's resource.
    pub fn id(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }
}

impl Family {
    pub fn api_version(&self) -> String {
        format!("{}/{}", self.group, self.version)
    }

    fn resource(&self) -> ApiResource {
        ApiResource {
            group: self.group.into(),
            version: self.version.into(),
            api_version: self.api_version(),
            kind: self.kind.into(),
            plural: self.plural.into(),
        }
    }

    fn api(&self, k: &Kube, namespace: &str) -> Api<DynamicObject> {
        Api::namespaced_with(k.client.clone(), namespace, &self.resource())
    }

    /// `SeldonDeployment ml/churn`, for messages.
    pub fn subject(&self, at: At<'_>) -> String {
        format!("{} {}", self.kind, at.id())
    }

    /// The finder: the live object, `None` when there is none.
    pub async fn get(&self, k: &Kube, at: At<'_>) -> Result<Option<Json>, Diagnostics> {
        match k.call(self.api(k, at.namespace).get_opt(at.name)).await {
            Ok(o) => Ok(o.map(|o| serde_json::to_value(o).unwrap_or(Json::Null))),
            Err(e) => Err(k.error("read", &self.subject(at), &e).into()),
        }
    }

    /// Names of the family's objects in `namespace`, at most `limit`, following the API
    /// server's pages (`continue` tokens).
    pub async fn list_names(
        &self,
        k: &Kube,
        namespace: &str,
        limit: usize,
    ) -> Result<Vec<String>, Diagnostics> {
        let api = self.api(k, namespace);
        let page = u32::try_from(mlops_framework::list::page_size()).unwrap_or(100);
        let mut names = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut params = ListParams::default().limit(page);
            if let Some(t) = &token {
                params = params.continue_token(t);
            }
            let list = k.call(api.list(&params)).await.map_err(|e| {
                k.error(
                    "list",
                    &format!("{}s in namespace {namespace}", self.kind),
                    &e,
                )
            })?;
            names.extend(list.items.iter().filter_map(|o| o.metadata.name.clone()));
            token = list.metadata.continue_.filter(|t| !t.is_empty());
            if token.is_none() || names.len() >= limit {
                break;
            }
        }
        names.truncate(limit);
        Ok(names)
    }

    /// Server-side apply of `obj` as our field manager (forced only when the user takes
    /// fields over); the object's generation after it.
    pub async fn apply(
        &self,
        k: &Kube,
        at: At<'_>,
        obj: &Json,
        force: bool,
    ) -> Result<i64, Diagnostic> {
        let params = PatchParams::apply(FIELD_MANAGER);
        let params = if force { params.force() } else { params };
        let applied = k
            .call(
                self.api(k, at.namespace)
                    .patch(at.name, &params, &Patch::Apply(obj)),
            )
            .await
            .map_err(|e| k.error("apply", &self.subject(at), &e))?;
        Ok(applied.metadata.generation.unwrap_or_default())
    }

    /// Wait until the object is `target` by `classify` (fails with its reason), within the
    /// operation's timeout; stops on cancellation. `Ok(None)` when it vanished meanwhile.
    pub async fn wait_for<C>(
        &self,
        ctx: &Ctx<C>,
        k: &Kube,
        at: At<'_>,
        what: &str,
        classify: impl Fn(&Json) -> Phase,
    ) -> Result<mlops_framework::Waited<Json>, Diagnostics> {
        let vanished = || {
            Diagnostics::from(Diagnostic::error(
                format!("{} vanished", self.kind),
                format!(
                    "{} was deleted while waiting for it {what}.",
                    self.subject(at)
                ),
            ))
        };
        wait_until(
            &format!("{} {what}", self.subject(at)),
            ctx.timeout,
            &ctx.cancel,
            Want::Present,
            || async {
                match self.get(k, at).await? {
                    Some(o) => Ok(Some(o)),
                    None => Err(vanished()),
                }
            },
            classify,
        )
        .await
    }

    /// Wait until the object is gone (its deletion was started, by us or by anyone), within
    /// the operation's timeout; stops on cancellation.
    pub async fn wait_gone<C>(
        &self,
        ctx: &Ctx<C>,
        k: &Kube,
        at: At<'_>,
    ) -> Result<(), Diagnostics> {
        wait_until(
            &format!("{} to be deleted", self.subject(at)),
            ctx.timeout,
            &ctx.cancel,
            Want::Absent,
            || self.get(k, at),
            deletion_phase,
        )
        .await?;
        Ok(())
    }

    /// Delete the object (background propagation) and wait until it is gone; one already
    /// gone is no error.
    pub async fn delete<C>(&self, ctx: &Ctx<C>, k: &Kube, at: At<'_>) -> Result<(), Diagnostics> {
        match k
            .call(
                self.api(k, at.namespace)
                    .delete(at.name, &DeleteParams::background()),
            )
            .await
        {
            Ok(_) => {}
            Err(e) if e.is_not_found() => return Ok(()),
            Err(e) => return Err(k.error("delete", &self.subject(at), &e).into()),
        }
        tracing::info!(object = %self.subject(at), "deleting");
        self.wait_gone(ctx, k, at).await
    }

    /// What a create finds under the object's name, looked at with one GET before anything
    /// is written (see [`crate::ownership`]): nothing (`Ok`), one being deleted (waited out,
    /// then `Ok`), one an interrupted apply made (it carries [`MARKER_ANNOTATION`]: adopted,
    /// `Ok`, the create's apply converges it), or anyone else's: the "already exists" error
    /// naming `resource_type` and the import ID, at `name`.
    pub async fn look_before_create<C>(
        &self,
        ctx: &Ctx<C>,
        k: &Kube,
        at: At<'_>,
        resource_type: &str,
        import_id: &str,
    ) -> Result<(), Diagnostics> {
        let Some(o) = self.get(k, at).await? else {
            return Ok(());
        };
        if o.pointer("/metadata/deletionTimestamp").is_some() {
            tracing::info!(object = %self.subject(at), "still being deleted: waiting until it is gone before creating it");
            return self.wait_gone(ctx, k, at).await;
        }
        let name = at.id();
        match existing_by(
            MARKER_ANNOTATION,
            &string_map(o.pointer("/metadata/annotations")),
        ) {
            Existing::Ours => {
                log_adopting(self.kind, &name);
                Ok(())
            }
            Existing::Foreign => Err(Taken {
                kind: self.kind,
                name: &name,
                resource_type,
                import_id,
                marker: MARKER_ANNOTATION,
                at: AttrPath::attr("name"),
            }
            .diagnostic()
            .into()),
        }
    }
}

/// An object still there while waiting for its deletion: on its way (with the finalizers
/// that hold it, if any).
pub fn deletion_phase(obj: &Json) -> Phase {
    Phase::Pending(match obj.pointer("/metadata/finalizers") {
        Some(f) => format!("deleting, finalizers {f}"),
        None => "deleting".into(),
    })
}

/// Whether the object is being deleted.
pub fn is_deleting(obj: &Json) -> bool {
    obj.pointer("/metadata/deletionTimestamp").is_some()
}

/// A string map of the object (labels, annotations); non-string values as JSON text.
pub fn string_map(j: Option<&Json>) -> BTreeMap<String, String> {
    j.and_then(Json::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let s = match v {
                        Json::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    (k.clone(), s)
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_labels_and_import_ids() {
        assert!(is_dns_label("ml"));
        assert!(is_dns_label("team-a1"));
        assert!(!is_dns_label("Ml"));
        assert!(!is_dns_label("-a"));
        assert!(!is_dns_label("a_b"));
        assert!(!is_dns_label(&"a".repeat(64)));
        assert_eq!(parse_id("ml/churn"), Some(("ml", "churn")));
        for bad in ["churn", "ml/", "/churn", "ML/churn", "ml/churn/x"] {
            assert_eq!(parse_id(bad), None, "{bad}");
        }
    }
}
