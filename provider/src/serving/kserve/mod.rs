//! The KServe backend of `mlops_endpoint`: an `InferenceService` (serving.kserve.io/v1beta1,
//! built in [`object`]) applied with server-side apply under our own field manager, waited
//! for until its `Ready` condition holds for the applied generation ([`readiness`](mod@readiness)), read
//! back for the fields this resource manages (drift), imported by `namespace/name`, deleted
//! and waited for until gone, all through the shared [`Family`] of the object. A create
//! looks first ([`Family::look_before_create`]): it adopts an object an interrupted apply
//! made (the `mlops.terraform.io/created-by` annotation, in every apply of the provider) and
//! refuses anyone else's. Plan-time checks in [`validate`].

pub mod object;
pub mod readiness;
pub mod validate;

use mlops_framework::{
    async_trait, AttrPath, Backend, Ctx, Diagnostic, Diagnostics, Failure, PlanCtx, Value, Waited,
};

use self::object::{desired, kube_of, observe};
use self::readiness::readiness;
use super::kube_spec::planned_storage;
use super::model::{EndpointState, KubernetesServing};
use super::registry::artifact;
use crate::clients::Clients;
use crate::kubernetes::objects::{is_deleting, parse_id, At, Family};
use crate::kubernetes::Kube;

/// The backend.
pub struct KServe;

/// The objects it manages.
pub const INFERENCE_SERVICE: Family = Family {
    kind: "InferenceService",
    group: "serving.kserve.io",
    version: "v1beta1",
    plural: "inferenceservices",
};

/// Where the InferenceService of `s` is.
fn at(s: &EndpointState) -> At<'_> {
    At {
        namespace: &kube_of(s).namespace,
        name: &s.name,
    }
}

fn subject(s: &EndpointState) -> String {
    INFERENCE_SERVICE.subject(at(s))
}

async fn kube(c: &Clients) -> Result<&Kube, Diagnostics> {
    c.kube.get().await
}

/// A planned state with the version it serves resolved, and the artifact it loads.
struct Resolved {
    state: EndpointState,
    storage: Option<String>,
}

async fn resolve(c: &Clients, planned: &EndpointState) -> Result<Resolved, Diagnostics> {
    let mut state = planned.clone();
    let storage = artifact(c, &mut state.model, "KServe").await?;
    Ok(Resolved { state, storage })
}

/// Server-side apply of the object `r` describes; its generation.
async fn apply(k: &Kube, r: &Resolved) -> Result<i64, Diagnostic> {
    let s = &r.state;
    let force = kube_of(s).force_conflicts == Some(true);
    INFERENCE_SERVICE
        .apply(k, at(s), &desired(s, r.storage.as_deref()), force)
        .await
}

/// Apply the object, wait until Ready, read it back. On failure, the state records the
/// object as it is (not Ready), so nothing is lost and the next plan applies again.
async fn apply_and_wait(
    ctx: &Ctx<Clients>,
    k: &Kube,
    r: &Resolved,
) -> Result<EndpointState, Failure<EndpointState>> {
    let planned = &r.state;
    let ks = kube_of(planned);
    let what = subject(planned);
    tracing::info!(namespace = %ks.namespace, name = %planned.name, server = %k.server, "applying InferenceService");
    let generation = apply(k, r).await.map_err(Failure::new)?;
    tracing::info!(namespace = %ks.namespace, name = %planned.name, generation, "applied; waiting for Ready");
    // From here on the object exists with the new spec: failures keep it in state.
    let mut recorded = planned.clone();
    if let Some(rk) = recorded.kubernetes.as_mut() {
        rk.storage_uri = r.storage.clone();
        rk.ready = Some(false);
        rk.url = None;
        rk.latest_ready_revision = None;
    }
    let waited = INFERENCE_SERVICE
        .wait_for(ctx, k, at(planned), "to be Ready", readiness)
        .await;
    match waited {
        Ok(Waited::Reached(Some(o))) => Ok(observe(planned, &o)),
        Ok(Waited::Reached(None)) => Err(Failure::with_partial(
            recorded,
            Diagnostic::error(
                "InferenceService vanished",
                format!("{what} was deleted while waiting for it to become Ready."),
            ),
        )),
        Ok(Waited::Failed { reason, object }) => Err(Failure::with_partial(
            observe(planned, &object),
            Diagnostic::error(
                "InferenceService rollout failed",
                format!(
                    "{what} is not Ready: {reason}. KServe keeps serving the previous ready revision (if any). Fix the configuration (or the model) and apply again."
                ),
            ),
        )),
        Err(d) => {
            // Timed out, cancelled, or the server went away: record what is known.
            let partial = match INFERENCE_SERVICE.get(k, at(planned)).await {
                Ok(Some(o)) => observe(planned, &o),
                _ => recorded,
            };
            Err(Failure::with_partial(partial, d))
        }
    }
}

#[async_trait]
impl Backend<Clients, EndpointState> for KServe {
    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        validate::validate(config, diags);
    }

    /// No SageMaker names, alarms or tags; the storage URI is known when it follows from the
    /// configuration or the served version did not change; a last read that was not Ready
    /// plans another apply.
    fn modify_plan(&self, plan: PlanCtx<'_, Clients>) {
        let Some(o) = plan.planned.as_object_mut() else {
            return;
        };
        for k in ["arn", "endpoint_config_name", "alarm_names", "tags_all"] {
            o.insert(k.into(), Value::Null);
        }
        if let Some(m) = plan
            .planned
            .get_path_mut(&AttrPath::attr("model"))
            .and_then(Value::as_object_mut)
        {
            m.insert("model_name".into(), Value::Null);
        }
        let model = plan.planned.attr("model").clone();
        let prior_kube = plan.prior.attr("kubernetes").clone();
        let storage = planned_storage(
            &model,
            plan.prior.attr("model"),
            prior_kube.attr("storage_uri"),
        );
        let creating = plan.prior.is_null();
        let retry = !creating && prior_kube.attr("ready").as_bool() == Some(false);
        if let Some(k) = plan
            .planned
            .get_path_mut(&AttrPath::attr("kubernetes"))
            .and_then(Value::as_object_mut)
        {
            k.insert("storage_uri".into(), storage);
            if retry {
                // The last rollout did not become Ready: apply and wait again.
                k.insert("ready".into(), Value::UNKNOWN);
            }
        }
    }

    /// Looks first ([`Family::look_before_create`]): someone else's object fails before
    /// any write; then applies (with the marker) and waits for Ready.
    async fn create(
        &self,
        ctx: &mut Ctx<Clients>,
        planned: EndpointState,
    ) -> Result<EndpointState, Failure<EndpointState>> {
        let c = ctx.client.clone();
        let k = kube(&c).await?;
        let id = at(&planned).id();
        INFERENCE_SERVICE
            .look_before_create(ctx, k, at(&planned), "mlops_endpoint", &id)
            .await?;
        let r = resolve(&c, &planned).await?;
        let ready = apply_and_wait(ctx, k, &r).await?;
        tracing::info!(namespace = %kube_of(&planned).namespace, name = %planned.name, "InferenceService created");
        Ok(ready)
    }

    async fn read(
        &self,
        ctx: &mut Ctx<Clients>,
        current: EndpointState,
    ) -> Result<Option<EndpointState>, Diagnostics> {
        let c = ctx.client.clone();
        let k = kube(&c).await?;
        let Some(o) = INFERENCE_SERVICE.get(k, at(&current)).await? else {
            return Ok(None);
        };
        if is_deleting(&o) {
            return Ok(None);
        }
        Ok(Some(observe(&current, &o)))
    }

    async fn update(
        &self,
        ctx: &mut Ctx<Clients>,
        prior: EndpointState,
        planned: EndpointState,
    ) -> Result<EndpointState, Failure<EndpointState>> {
        let c = ctx.client.clone();
        let keep_prior = |d: Diagnostics| Failure::with_partial(prior.clone(), d);
        let k = kube(&c).await.map_err(keep_prior)?;
        let r = resolve(&c, &planned).await.map_err(keep_prior)?;
        apply_and_wait(ctx, k, &r).await.map_err(|mut f| {
            // Nothing was applied (e.g. a conflict or an unreachable server): keep the prior.
            if f.partial.is_none() {
                f.partial = Some(prior);
            }
            f
        })
    }

    async fn delete(
        &self,
        ctx: &mut Ctx<Clients>,
        current: EndpointState,
    ) -> Result<(), Diagnostics> {
        let c = ctx.client.clone();
        let k = kube(&c).await?;
        INFERENCE_SERVICE.delete(ctx, k, at(&current)).await
    }

    /// `namespace/name` to a stub that `read` fills from the live object.
    async fn import(
        &self,
        _ctx: &mut Ctx<Clients>,
        id: &str,
    ) -> Result<EndpointState, Diagnostics> {
        import_stub(id)
    }
}

/// The state an import ID `namespace/name` stands for, before `read` fills it.
fn import_stub(id: &str) -> Result<EndpointState, Diagnostics> {
    let bad = || {
        Diagnostics::from(Diagnostic::error(
            "Invalid import ID",
            format!("Import a Kubernetes endpoint as namespace/name (e.g. ml/churn); got {id:?}."),
        ))
    };
    let (ns, name) = parse_id(id).ok_or_else(bad)?;
    Ok(EndpointState {
        name: name.to_string(),
        kubernetes: Some(KubernetesServing {
            namespace: ns.to_string(),
            ..Default::default()
        }),
        ..Default::default()
    })
}

#[cfg(test)]
mod tests;
