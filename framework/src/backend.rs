//! Backends: one platform's implementation of a resource or data source whose user concept
//! lives on several platforms (a model registry on SageMaker or MLflow, a feature view on
//! SageMaker Feature Store or Feast). The [`Resource`](crate::Resource) keeps the schema,
//! timeouts and the choice of backend; a backend does the work for one platform over the
//! same state model, and never imports a sibling backend.
//!
//! ```ignore
//! impl Resource for ModelPackageGroup {
//!     async fn create(&self, ctx: &mut Ctx<Clients>, planned: GroupState) -> ... {
//!         backend_for(&planned).create(ctx, planned).await
//!     }
//!     // read, update, delete, import, validate, modify_plan: the same one-liners
//! }
//! ```

use async_trait::async_trait;

use crate::diag::Diagnostics;
use crate::resource::{Ctx, Failure, Model, PlanCtx};
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
