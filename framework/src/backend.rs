//! Backends: one platform's implementation of a resource or data source whose user concept
//! lives on several platforms (a model registry on SageMaker or MLflow, a feature view on
//! SageMaker Feature Store or Feast). The [`Resource`](crate::Resource) keeps the schema,
//! timeouts and the choice of backend; a backend does the work for one platform over the
//! same state model, and never imports a sibling backend.
//!
//! A resource that is its schema, timeouts and a choice of backend is a [`BackedResource`],
//! registered as `resource(Backed(MyResource))`: [`BackedResource::backend`] picks the
//! backend from a configuration, a state or an import ID ([`Pick`]), and
//! [`BackedResource::backend_selector`] names the attribute that picks it, so validation
//! waits while it is unknown and changing it replaces the object. A resource with its own
//! shared plan steps (`mlops_endpoint`) implements [`Resource`](crate::Resource) and
//! dispatches itself.

use async_trait::async_trait;

use crate::diag::Diagnostics;
use crate::identity::IdentitySchema;
use crate::moved::MovedFrom;
use crate::path::AttrPath;
use crate::resource::PrivateState;
use crate::resource::{Ctx, DataSource, Failure, Model, PlanCtx, Resource};
use crate::timeouts::TimeoutDefaults;
use crate::value::Value;
use serde_json::Value as Json;

/// One platform's create/read/update/delete/import (and plan-time checks) of a resource
/// with state `S`. The operations mean exactly what they mean on
/// [`Resource`](crate::Resource).
#[async_trait]
pub trait Backend<C: Send + Sync + 'static, S: Model>: Send + Sync {
    /// Configuration checks this platform adds (unknown values must be skipped).
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}

    /// Plan adjustments this platform needs (value level; runs at plan and at apply).
    fn modify_plan(&self, _plan: PlanCtx<'_, C>) {}

    async fn create(&self, ctx: &mut Ctx<C>, planned: S) -> Result<S, Failure<S>>;

    /// `Ok(None)` when the object is gone.
    async fn read(&self, ctx: &mut Ctx<C>, current: S) -> Result<Option<S>, Diagnostics>;

    async fn update(&self, ctx: &mut Ctx<C>, prior: S, planned: S) -> Result<S, Failure<S>>;

    async fn delete(&self, ctx: &mut Ctx<C>, current: S) -> Result<(), Diagnostics>;

    async fn import(&self, ctx: &mut Ctx<C>, id: &str) -> Result<S, Diagnostics>;
}

/// One platform's implementation of a data source with model `M`.
#[async_trait]
pub trait LookupBackend<C: Send + Sync + 'static, M: Model>: Send + Sync {
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}

    async fn read(&self, ctx: &mut Ctx<C>, config: M) -> Result<M, Diagnostics>;
}

/// What a backend is picked from.
pub enum Pick<'a, S> {
    /// A configuration, planned or prior state as a value (validation and plan).
    Value(&'a Value),
    /// A decoded state (create, read, update, delete) or data source configuration (read).
    State(&'a S),
    /// An import ID.
    ImportId(&'a str),
}

/// A resource that is its schema, timeouts and choice of backend: every operation is done by
/// the backend [`BackedResource::backend`] picks. Register it wrapped:
/// `resource(Backed(MyResource))`.
pub trait BackedResource: Send + Sync + 'static {
    type Client: Send + Sync + 'static;
    /// The state model; its JSON schema is the resource schema.
    type State: Model;
    const TYPE_NAME: &'static str;
    const SCHEMA_VERSION: i64 = 0;

    fn timeouts(&self) -> TimeoutDefaults {
        TimeoutDefaults::default()
    }

    /// The backend for a configuration, state or import ID.
    fn backend(&self, pick: Pick<'_, Self::State>) -> &dyn Backend<Self::Client, Self::State>;

    /// The top-level attribute (e.g. an `mlflow` block) whose presence picks the backend,
    /// for a resource with several: while it is unknown, validation waits, and adding or
    /// removing it replaces the object (it lives on another platform).
    fn backend_selector(&self) -> Option<&'static str> {
        None
    }

    /// As [`Resource::identity_schema`](crate::Resource::identity_schema).
    fn identity_schema(&self) -> Option<IdentitySchema> {
        None
    }

    /// As [`Resource::identity`](crate::Resource::identity).
    fn identity(&self, _state: &Self::State) -> Option<Json> {
        None
    }

    /// As [`Resource::moves_from`](crate::Resource::moves_from).
    fn moves_from(&self) -> &'static [&'static str] {
        &[]
    }

    /// As [`Resource::moved_from`](crate::Resource::moved_from).
    #[allow(clippy::type_complexity)]
    fn moved_from(
        &self,
        _source: &MovedFrom<'_>,
    ) -> Option<Result<(Self::State, PrivateState), Diagnostics>> {
        None
    }

    /// As [`Resource::import_id`](crate::Resource::import_id).
    fn import_id(&self, identity: &Json) -> Result<String, Diagnostics> {
        let _ = identity;
        Err(crate::Diagnostic::error(
            "Import by identity not supported",
            "Import this resource by its ID (`import { id = \"...\" }`).",
        )
        .into())
    }
}

/// A data source that is its model only: the lookup is done by a backend.
pub trait BackedDataSource: Send + Sync + 'static {
    type Client: Send + Sync + 'static;
    type Model: Model;
    const TYPE_NAME: &'static str;

    /// The backend for a configuration (as a value at validation, decoded at read).
    fn backend(&self, pick: Pick<'_, Self::Model>)
        -> &dyn LookupBackend<Self::Client, Self::Model>;

    /// The attribute whose presence picks the backend; validation waits while it is unknown.
    fn backend_selector(&self) -> Option<&'static str> {
        None
    }
}

/// A [`BackedResource`] or [`BackedDataSource`] as a [`Resource`] or [`DataSource`].
pub struct Backed<T>(pub T);

#[async_trait]
impl<R: BackedResource> Resource for Backed<R> {
    type Client = R::Client;
    type State = R::State;
    const TYPE_NAME: &'static str = R::TYPE_NAME;
    const SCHEMA_VERSION: i64 = R::SCHEMA_VERSION;

    fn timeouts(&self) -> TimeoutDefaults {
        self.0.timeouts()
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        if let Some(sel) = self.0.backend_selector() {
            if config.attr(sel).is_unknown() {
                return;
            }
        }
        self.0.backend(Pick::Value(config)).validate(config, diags)
    }

    fn modify_plan(&self, plan: PlanCtx<'_, R::Client>) {
        let deciding = if plan.config.is_null() {
            plan.prior
        } else {
            plan.config
        };
        if let Some(sel) = self.0.backend_selector() {
            let (before, after) = (plan.prior.attr(sel), plan.config.attr(sel));
            if !plan.prior.is_null()
                && !plan.config.is_null()
                && !after.is_unknown()
                && before.is_null() != after.is_null()
            {
                // Another platform: another object.
                plan.requires_replace.push(AttrPath::attr(sel));
            }
        }
        // The value outlives the plan context handed on.
        let backend = self.0.backend(Pick::Value(deciding));
        backend.modify_plan(plan)
    }

    async fn create(
        &self,
        ctx: &mut Ctx<R::Client>,
        planned: R::State,
    ) -> Result<R::State, Failure<R::State>> {
        let backend = self.0.backend(Pick::State(&planned));
        backend.create(ctx, planned).await
    }

    async fn read(
        &self,
        ctx: &mut Ctx<R::Client>,
        current: R::State,
    ) -> Result<Option<R::State>, Diagnostics> {
        let backend = self.0.backend(Pick::State(&current));
        backend.read(ctx, current).await
    }

    async fn update(
        &self,
        ctx: &mut Ctx<R::Client>,
        prior: R::State,
        planned: R::State,
    ) -> Result<R::State, Failure<R::State>> {
        let backend = self.0.backend(Pick::State(&planned));
        backend.update(ctx, prior, planned).await
    }

    async fn delete(&self, ctx: &mut Ctx<R::Client>, current: R::State) -> Result<(), Diagnostics> {
        let backend = self.0.backend(Pick::State(&current));
        backend.delete(ctx, current).await
    }

    async fn import(&self, ctx: &mut Ctx<R::Client>, id: &str) -> Result<R::State, Diagnostics> {
        self.0.backend(Pick::ImportId(id)).import(ctx, id).await
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        self.0.identity_schema()
    }

    fn identity(&self, state: &R::State) -> Option<Json> {
        self.0.identity(state)
    }

    fn import_id(&self, identity: &Json) -> Result<String, Diagnostics> {
        self.0.import_id(identity)
    }

    fn moves_from(&self) -> &'static [&'static str] {
        self.0.moves_from()
    }

    fn moved_from(
        &self,
        source: &MovedFrom<'_>,
    ) -> Option<Result<(R::State, PrivateState), Diagnostics>> {
        self.0.moved_from(source)
    }
}

#[async_trait]
impl<D: BackedDataSource> DataSource for Backed<D> {
    type Client = D::Client;
    type Model = D::Model;
    const TYPE_NAME: &'static str = D::TYPE_NAME;

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        if let Some(sel) = self.0.backend_selector() {
            if config.attr(sel).is_unknown() {
                return;
            }
        }
        self.0.backend(Pick::Value(config)).validate(config, diags)
    }

    async fn read(
        &self,
        ctx: &mut Ctx<D::Client>,
        config: D::Model,
    ) -> Result<D::Model, Diagnostics> {
        let backend = self.0.backend(Pick::State(&config));
        backend.read(ctx, config).await
    }
}
