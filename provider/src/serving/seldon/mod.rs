//! The Seldon Core backend of `mlops_endpoint`: a `SeldonDeployment`
//! (machinelearning.seldon.io/v1, built in [`object`]) applied with server-side apply under
//! our own field manager, waited for until Seldon reports it `Available` for the applied
//! generation (or `Failed`, with Seldon's description), read back for the fields this
//! resource manages (drift), imported by `seldon:namespace/name`, deleted and waited for
//! until gone; all through the shared [`Family`] of the object. A create looks first
//! ([`Family::look_before_create`]): it adopts an object an interrupted apply made (the
//! marker annotation) and refuses anyone else's. A canary is a second predictor: `main`
//! keeps the model it served ([`object::stable_for`]). Plan-time checks in [`validate`].

pub mod object;
pub mod validate;

use mlops_framework::{
    async_trait, AttrPath, Backend, Ctx, Diagnostic, Diagnostics, Failure, PlanCtx, Value, Waited,
};

use self::object::{desired, observe, readiness, seldon_of, stable_for, Served};
use super::kube_spec::planned_storage;
use super::model::{EndpointState, SeldonServing};
use super::registry::artifact;
use crate::clients::Clients;
use crate::kubernetes::objects::{is_deleting, parse_id, At, Family};
use crate::kubernetes::Kube;

/// The backend.
pub struct Seldon;

/// The objects it manages.
pub const SELDON_DEPLOYMENT: Family = Family {
    kind: "SeldonDeployment",
    group: "machinelearning.seldon.io",
    version: "v1",
    plural: "seldondeployments",
};

/// Import IDs of Seldon endpoints: `seldon:namespace/name`.
pub const IMPORT_PREFIX: &str = "seldon:";

fn at(s: &EndpointState) -> At<'_> {
    At {
        namespace: &seldon_of(s).namespace,
        name: &s.name,
    }
}

async fn kube(c: &Clients) -> Result<&Kube, Diagnostics> {
    c.kube.get().await
}

/// The planned state with its registry version resolved, and the artifacts it serves
/// (`prior`: what served before an update, for the canary's stable model).
async fn resolve(
    c: &Clients,
    prior: Option<&EndpointState>,
    planned: &EndpointState,
) -> Result<(EndpointState, Served), Diagnostics> {
    let mut state = planned.clone();
    let storage = artifact(c, &mut state.model, "Seldon Core").await?;
    let k = seldon_of(planned);
    let pk = prior.map(seldon_of);
    let stable = stable_for(
        k.canary_traffic_percent,
        pk.and_then(|p| p.storage_uri.as_deref()),
        pk.and_then(|p| p.stable_storage_uri.as_deref()),
        storage.as_deref(),
    );
    let shadow = planned
        .shadow
        .as_ref()
        .and_then(|s| s.model_data_url.clone());
    Ok((
        state,
        Served {
            storage,
            stable,
            shadow,
        },
    ))
}

/// Apply the object, wait until Available, read it back. On failure, the state records the
/// object as it is (not ready), so nothing is lost and the next plan applies again.
async fn apply_and_wait(
    ctx: &Ctx<Clients>,
    k: &Kube,
    planned: &EndpointState,
    served: &Served,
) -> Result<EndpointState, Failure<EndpointState>> {
    let what = SELDON_DEPLOYMENT.subject(at(planned));
    let force = seldon_of(planned).force_conflicts == Some(true);
    tracing::info!(object = %what, server = %k.server, "applying SeldonDeployment");
    let generation = SELDON_DEPLOYMENT
        .apply(k, at(planned), &desired(planned, served), force)
        .await
        .map_err(Failure::new)?;
    tracing::info!(object = %what, generation, "applied; waiting until Seldon reports it Available");
    // From here on the object exists with the new spec: failures keep it in state.
    let mut recorded = planned.clone();
    if let Some(rk) = recorded.seldon.as_mut() {
        rk.storage_uri = served.storage.clone();
        rk.stable_storage_uri = served.stable.clone();
        rk.ready = Some(false);
        rk.url = None;
    }
    let waited = SELDON_DEPLOYMENT
        .wait_for(ctx, k, at(planned), "to be Available", readiness)
        .await;
    match waited {
        Ok(Waited::Reached(Some(o))) => Ok(observe(planned, &o)),
        Ok(Waited::Reached(None)) => Err(Failure::with_partial(
            recorded,
            Diagnostic::error(
                "SeldonDeployment vanished",
                format!("{what} was deleted while waiting for it to become Available."),
            ),
        )),
        Ok(Waited::Failed { reason, object }) => Err(Failure::with_partial(
            observe(planned, &object),
            Diagnostic::error(
                "SeldonDeployment rollout failed",
                format!(
                    "{what} is Failed: {reason}. Fix the configuration (or the model) and apply again."
                ),
            ),
        )),
        Err(d) => {
            // Timed out, cancelled, or the server went away: record what is known.
            let partial = match SELDON_DEPLOYMENT.get(k, at(planned)).await {
                Ok(Some(o)) => observe(planned, &o),
                _ => recorded,
            };
            Err(Failure::with_partial(partial, d))
        }
    }
}

/// Plan the artifacts: the newest is known when it follows from the configuration (or the
/// served version did not change); the stable one follows from it.
fn plan_artifacts(plan: &PlanCtx<'_, Clients>) -> (Value, Value) {
    let model = plan.planned.attr("model");
    let prior = plan.prior.attr("seldon");
    let storage = planned_storage(model, plan.prior.attr("model"), prior.attr("storage_uri"));
    let percent = match plan.planned.attr("seldon").attr("canary_traffic_percent") {
        Value::Number(n) => n.to_i64(),
        _ => None,
    };
    let canary = matches!(percent, Some(p) if p < 100);
    let stable = if !canary || plan.prior.is_null() {
        Value::Null
    } else if storage.is_unknown() {
        Value::UNKNOWN
    } else {
        stable_for(
            percent,
            prior.attr("storage_uri").as_str(),
            prior.attr("stable_storage_uri").as_str(),
            storage.as_str(),
        )
        .map_or(Value::Null, Value::string)
    };
    (storage, stable)
}

#[async_trait]
impl Backend<Clients, EndpointState> for Seldon {
    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        validate::validate(config, diags);
    }

    /// No SageMaker names, alarms or tags; the artifacts as far as they are known; a last
    /// read that was not Available plans another apply.
    fn modify_plan(&self, plan: PlanCtx<'_, Clients>) {
        let (storage, stable) = plan_artifacts(&plan);
        let retry = !plan.prior.is_null()
            && plan.prior.attr("seldon").attr("ready").as_bool() == Some(false);
        let Some(o) = plan.planned.as_object_mut() else {
            return;
        };
        for k in ["arn", "endpoint_config_name", "alarm_names", "tags_all"] {
            o.insert(k.into(), Value::Null);
        }
        for block in ["model", "shadow"] {
            if let Some(m) = plan
                .planned
                .get_path_mut(&AttrPath::attr(block))
                .and_then(Value::as_object_mut)
            {
                m.insert("model_name".into(), Value::Null);
            }
        }
        if let Some(k) = plan
            .planned
            .get_path_mut(&AttrPath::attr("seldon"))
            .and_then(Value::as_object_mut)
        {
            k.insert("storage_uri".into(), storage);
            k.insert("stable_storage_uri".into(), stable);
            if retry {
                // The last rollout did not become Available: apply and wait again.
                k.insert("ready".into(), Value::UNKNOWN);
            }
        }
    }

    /// Looks first ([`Family::look_before_create`]): someone else's object fails before
    /// any write; then applies (with the marker) and waits until Available.
    async fn create(
        &self,
        ctx: &mut Ctx<Clients>,
        planned: EndpointState,
    ) -> Result<EndpointState, Failure<EndpointState>> {
        let c = ctx.client.clone();
        let k = kube(&c).await?;
        let id = format!("{IMPORT_PREFIX}{}", at(&planned).id());
        SELDON_DEPLOYMENT
            .look_before_create(ctx, k, at(&planned), "mlops_endpoint", &id)
            .await?;
        let (state, served) = resolve(&c, None, &planned).await?;
        let ready = apply_and_wait(ctx, k, &state, &served).await?;
        tracing::info!(object = %SELDON_DEPLOYMENT.subject(at(&planned)), "SeldonDeployment created");
        Ok(ready)
    }

    async fn read(
        &self,
        ctx: &mut Ctx<Clients>,
        current: EndpointState,
    ) -> Result<Option<EndpointState>, Diagnostics> {
        let c = ctx.client.clone();
        let k = kube(&c).await?;
        let Some(o) = SELDON_DEPLOYMENT.get(k, at(&current)).await? else {
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
        let (state, served) = resolve(&c, Some(&prior), &planned)
            .await
            .map_err(keep_prior)?;
        apply_and_wait(ctx, k, &state, &served)
            .await
            .map_err(|mut f| {
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
        SELDON_DEPLOYMENT.delete(ctx, k, at(&current)).await
    }

    /// `seldon:namespace/name` to a stub that `read` fills from the live object.
    async fn import(
        &self,
        _ctx: &mut Ctx<Clients>,
        id: &str,
    ) -> Result<EndpointState, Diagnostics> {
        import_stub(id)
    }
}

/// The state an import ID `seldon:namespace/name` stands for, before `read` fills it.
fn import_stub(id: &str) -> Result<EndpointState, Diagnostics> {
    let bad = || {
        Diagnostics::from(Diagnostic::error(
            "Invalid import ID",
            format!(
                "Import a Seldon Core endpoint as seldon:namespace/name (e.g. seldon:ml/churn); got {id:?}."
            ),
        ))
    };
    let rest = id.strip_prefix(IMPORT_PREFIX).ok_or_else(bad)?;
    let (ns, name) = parse_id(rest).ok_or_else(bad)?;
    Ok(EndpointState {
        name: name.to_string(),
        seldon: Some(SeldonServing {
            namespace: ns.to_string(),
            ..Default::default()
        }),
        ..Default::default()
    })
}
