//! `mlops_endpoint`: real-time serving of a registry version or a bring-your-own image, on
//! SageMaker (models + endpoint config + endpoint + autoscaling + rollback alarms) or, with a
//! `kubernetes` block, on KServe, or with a `seldon` block, on Seldon Core.
//!
//! | file | what |
//! |---|---|
//! | `mod.rs` | the resource: picks the backend, runs the shared plan steps, dispatches |
//! | [`model`] | the schema (`EndpointState`, `Variant`, ...), variant paths |
//! | [`backend`] | the [`ServingBackend`] trait: where a backend plugs in |
//! | [`registry`] | plan-time lookup of the latest approved version of a group |
//! | [`sagemaker`] | the SageMaker backend |
//! | [`kserve`] | the KServe backend |
//! | [`seldon`] | the Seldon Core backend |
//! | [`kube_checks`] | plan-time checks the Kubernetes backends share |
//! | [`kube_spec`] | pod-spec pieces they write and read back |
//! | [`data_source`] | data source `mlops_endpoint` (an existing SageMaker endpoint) |

pub mod backend;
pub mod data_source;
pub mod kserve;
pub mod kube_checks;
pub mod kube_spec;
pub mod model;
pub mod registry;
pub mod sagemaker;
pub mod seldon;

use std::time::Duration;

use mlops_framework::{
    async_trait, AttrPath, Ctx, Diagnostics, Failure, PlanCtx, Resource, TimeoutDefaults, Value,
};

use mlops_framework::identity::{self, IdentityAttr, IdentitySchema};
use serde_json::{json, Value as Json};

pub mod list;

pub use backend::ServingBackend;
pub use model::EndpointState;

use crate::clients::Clients;

/// The resource.
pub struct Endpoint;

/// Which backend serves an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BackendKind {
    SageMaker,
    KServe,
    Seldon,
}

/// The block whose presence selects KServe.
const KUBERNETES_BLOCK: &str = "kubernetes";
/// The block whose presence selects Seldon Core.
const SELDON_BLOCK: &str = "seldon";

impl BackendKind {
    /// The backend a configuration, plan or prior state (as a value) selects.
    fn of_value(v: &Value) -> Self {
        if !v.attr(SELDON_BLOCK).is_null() {
            BackendKind::Seldon
        } else if !v.attr(KUBERNETES_BLOCK).is_null() {
            BackendKind::KServe
        } else {
            BackendKind::SageMaker
        }
    }

    /// The backend a state selects.
    fn of_state(s: &EndpointState) -> Self {
        if s.seldon.is_some() {
            BackendKind::Seldon
        } else if s.kubernetes.is_some() {
            BackendKind::KServe
        } else {
            BackendKind::SageMaker
        }
    }

    /// The backend whose import ID this is: `seldon:namespace/name` is a Seldon endpoint,
    /// `namespace/name` a KServe one, a plain name a SageMaker one.
    fn of_import_id(id: &str) -> Self {
        if id.starts_with(seldon::IMPORT_PREFIX) {
            BackendKind::Seldon
        } else if id.contains('/') {
            BackendKind::KServe
        } else {
            BackendKind::SageMaker
        }
    }

    /// Not known yet (a selecting block is unknown at validate time).
    fn is_unknown_in(config: &Value) -> bool {
        // A `dynamic` block whose `for_each` is unknown (a module's variables in Terraform's
        // validate walk) arrives as a block of unknown attributes: present or absent is not
        // known until the plan. Its required `namespace` is unknown then.
        [KUBERNETES_BLOCK, SELDON_BLOCK].iter().any(|b| {
            let v = config.attr(b);
            v.is_unknown() || (!v.is_null() && v.attr("namespace").is_unknown())
        })
    }

    /// The block that selects this backend (none for the default, SageMaker).
    fn block(self) -> Option<&'static str> {
        match self {
            BackendKind::SageMaker => None,
            BackendKind::KServe => Some(KUBERNETES_BLOCK),
            BackendKind::Seldon => Some(SELDON_BLOCK),
        }
    }

    fn backend(self) -> &'static dyn ServingBackend {
        match self {
            BackendKind::SageMaker => &sagemaker::SageMaker,
            BackendKind::KServe => &kserve::KServe,
            BackendKind::Seldon => &seldon::Seldon,
        }
    }
}

#[async_trait]
impl Resource for Endpoint {
    type Client = Clients;
    type State = EndpointState;
    const TYPE_NAME: &'static str = "mlops_endpoint";

    fn identity_schema(&self) -> Option<IdentitySchema> {
        Some(IdentitySchema::new(
            0,
            vec![
                IdentityAttr::required("name", "The endpoint's name (SageMaker endpoint, InferenceService or SeldonDeployment)."),
                IdentityAttr::optional("namespace", "The Kubernetes namespace (KServe and Seldon Core; null on SageMaker)."),
                IdentityAttr::optional("platform", "`sagemaker` (the default), `kserve` or `seldon`."),
            ],
        ))
    }

    fn identity(&self, s: &EndpointState) -> Option<Json> {
        let (platform, namespace) = match BackendKind::of_state(s) {
            BackendKind::SageMaker => ("sagemaker", None),
            BackendKind::KServe => ("kserve", s.kubernetes.as_ref().map(|k| k.namespace.clone())),
            BackendKind::Seldon => ("seldon", s.seldon.as_ref().map(|k| k.namespace.clone())),
        };
        Some(json!({"name": s.name, "namespace": namespace, "platform": platform}))
    }

    fn moves_from(&self) -> &'static [&'static str] {
        &["aws_sagemaker_endpoint"]
    }

    /// The endpoint an `aws_sagemaker_endpoint` names; the read that follows finds its
    /// configuration and models (made by `aws_sagemaker_endpoint_configuration` and
    /// `aws_sagemaker_model`), and the plan rolls it onto this resource's own.
    fn moved_from(
        &self,
        src: &mlops_framework::moved::MovedFrom<'_>,
    ) -> Option<Result<(EndpointState, mlops_framework::PrivateState), Diagnostics>> {
        src.is("aws", "aws_sagemaker_endpoint").then(|| {
            let name = src.required("name")?;
            let state = EndpointState {
                name: name.to_string(),
                ..Default::default()
            };
            Ok((state, Default::default()))
        })
    }

    fn import_id(&self, id: &Json) -> Result<String, Diagnostics> {
        let name = identity::attr(id, "name").unwrap_or_default();
        let platform = identity::platform(id, &["sagemaker", "kserve", "seldon"])?;
        if platform == "sagemaker" {
            return Ok(name.to_string());
        }
        let Some(ns) = identity::attr(id, "namespace") else {
            return Err(mlops_framework::Diagnostic::error(
                "Incomplete import identity",
                format!("A {platform} endpoint's identity needs its `namespace`."),
            )
            .into());
        };
        let prefix = if platform == "seldon" {
            seldon::IMPORT_PREFIX
        } else {
            ""
        };
        Ok(format!("{prefix}{ns}/{name}"))
    }

    fn timeouts(&self) -> TimeoutDefaults {
        TimeoutDefaults {
            create: Some(Duration::from_secs(60 * 60)),
            update: Some(Duration::from_secs(3 * 60 * 60)),
            delete: Some(Duration::from_secs(30 * 60)),
            ..Default::default()
        }
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        if BackendKind::is_unknown_in(config) {
            return;
        }
        if !config.attr(KUBERNETES_BLOCK).is_null() && !config.attr(SELDON_BLOCK).is_null() {
            diags.error_at(
                AttrPath::attr(SELDON_BLOCK),
                "Two serving platforms",
                "An endpoint runs on one platform: keep the kubernetes block (KServe) or the seldon block (Seldon Core), not both. The provider's kubernetes block says how to reach the cluster for either.",
            );
            return;
        }
        BackendKind::of_value(config)
            .backend()
            .validate(config, diags);
    }

    fn modify_plan(&self, mut plan: PlanCtx<'_, Clients>) {
        if plan.config.is_null() {
            return;
        }
        registry::plan_latest_approved(&mut plan);
        let kind = BackendKind::of_value(plan.config);
        if !plan.prior.is_null() {
            let prior_kind = BackendKind::of_value(plan.prior);
            if prior_kind != kind {
                // A different object altogether (SageMaker <-> Kubernetes).
                let block = kind.block().or(prior_kind.block()).unwrap_or_default();
                plan.requires_replace.push(AttrPath::attr(block));
            }
        }
        kind.backend().modify_plan(plan);
    }

    async fn create(
        &self,
        ctx: &mut Ctx<Clients>,
        planned: EndpointState,
    ) -> Result<EndpointState, Failure<EndpointState>> {
        BackendKind::of_state(&planned)
            .backend()
            .create(ctx, planned)
            .await
    }

    async fn read(
        &self,
        ctx: &mut Ctx<Clients>,
        current: EndpointState,
    ) -> Result<Option<EndpointState>, Diagnostics> {
        BackendKind::of_state(&current)
            .backend()
            .read(ctx, current)
            .await
    }

    async fn update(
        &self,
        ctx: &mut Ctx<Clients>,
        prior: EndpointState,
        planned: EndpointState,
    ) -> Result<EndpointState, Failure<EndpointState>> {
        BackendKind::of_state(&planned)
            .backend()
            .update(ctx, prior, planned)
            .await
    }

    async fn delete(
        &self,
        ctx: &mut Ctx<Clients>,
        current: EndpointState,
    ) -> Result<(), Diagnostics> {
        BackendKind::of_state(&current)
            .backend()
            .delete(ctx, current)
            .await
    }

    async fn import(&self, ctx: &mut Ctx<Clients>, id: &str) -> Result<EndpointState, Diagnostics> {
        BackendKind::of_import_id(id)
            .backend()
            .import(ctx, id)
            .await
    }
}
