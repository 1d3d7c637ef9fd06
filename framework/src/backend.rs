//! Backends: one platform's implementation of a resource or data source whose user concept
//! lives on several platforms (a model registry on SageMaker or MLflow, a feature view on
//! SageMaker Feature Store or Feast). The [`Resource`](crate::Resource) keeps the schema,
//! timeouts and the choice of backend; a backend does the work for one platform over the
//! same state model, and never imports a sibling backend.
//!
//! A resource whose backend needs no per-call choice is a [`BackedResource`] (schema,
//! timeouts, `backend()`), registered as `resource(Backed(MyResource))`; one that picks a
//! backend from its configuration or state (`mlops_endpoint`) implements
//! [`Resource`](crate::Resource) and dispatches itself.

use async_trait::async_trait;

use crate::diag::Diagnostics;
use crate::resource::{Ctx, DataSource, Failure, Model, PlanCtx, Resource};
use crate::timeouts::TimeoutDefaults;
use crate::value::Value;

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

/// A resource that is its schema and timeouts only: every operation is done by the backend
/// [`BackedResource::backend`] picks. Register it wrapped: `resource(Backed(MyResource))`.
pub trait BackedResource: Send + Sync + 'static {
    type Client: Send + Sync + 'static;
    /// The state model; its JSON schema is the resource schema.
    type State: Model;
    const TYPE_NAME: &'static str;
    const SCHEMA_VERSION: i64 = 0;

    fn timeouts(&self) -> TimeoutDefaults {
        TimeoutDefaults::default()
    }

    /// The backend of this resource.
    fn backend(&self) -> &dyn Backend<Self::Client, Self::State>;
}

/// A data source that is its model only: the lookup is done by a backend.
pub trait BackedDataSource: Send + Sync + 'static {
    type Client: Send + Sync + 'static;
    type Model: Model;
    const TYPE_NAME: &'static str;

    /// The backend of this data source.
    fn backend(&self) -> &dyn LookupBackend<Self::Client, Self::Model>;
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
        self.0.backend().validate(config, diags)
    }

    fn modify_plan(&self, plan: PlanCtx<'_, R::Client>) {
        self.0.backend().modify_plan(plan)
    }

    async fn create(
        &self,
        ctx: &mut Ctx<R::Client>,
        planned: R::State,
    ) -> Result<R::State, Failure<R::State>> {
        self.0.backend().create(ctx, planned).await
    }

    async fn read(
        &self,
        ctx: &mut Ctx<R::Client>,
        current: R::State,
    ) -> Result<Option<R::State>, Diagnostics> {
        self.0.backend().read(ctx, current).await
    }

    async fn update(
        &self,
        ctx: &mut Ctx<R::Client>,
        prior: R::State,
        planned: R::State,
    ) -> Result<R::State, Failure<R::State>> {
        self.0.backend().update(ctx, prior, planned).await
    }

    async fn delete(&self, ctx: &mut Ctx<R::Client>, current: R::State) -> Result<(), Diagnostics> {
        self.0.backend().delete(ctx, current).await
    }

    async fn import(&self, ctx: &mut Ctx<R::Client>, id: &str) -> Result<R::State, Diagnostics> {
        self.0.backend().import(ctx, id).await
    }
}

#[async_trait]
impl<D: BackedDataSource> DataSource for Backed<D> {
    type Client = D::Client;
    type Model = D::Model;
    const TYPE_NAME: &'static str = D::TYPE_NAME;

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        self.0.backend().validate(config, diags)
    }

    async fn read(
        &self,
        ctx: &mut Ctx<D::Client>,
        config: D::Model,
    ) -> Result<D::Model, Diagnostics> {
        self.0.backend().read(ctx, config).await
    }
}
