//! Resource and data-source traits. A resource is its model type (the schema) plus
//! create/read/update/delete/import; the framework does decoding, validation, planning,
//! timeouts, private state and consistency with Terraform's plan/apply contract.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value as Json;
use tokio_util::sync::CancellationToken;

use crate::diag::{Diagnostic, Diagnostics};
use crate::identity::IdentitySchema;
use crate::moved::MovedFrom;
use crate::path::AttrPath;
use crate::schema::{block_for, Schema};
use crate::timeouts::{TimeoutDefaults, Timeouts};
use crate::types::Type;
use crate::value::Value;

/// Anything usable as a resource, data source or provider configuration model.
pub trait Model: Serialize + DeserializeOwned + JsonSchema + Send + Sync + 'static {}
impl<T: Serialize + DeserializeOwned + JsonSchema + Send + Sync + 'static> Model for T {}

/// Provider-private data kept by Terraform beside a resource's state (never shown to users).
pub type PrivateState = serde_json::Map<String, Json>;

/// What a resource operation gets: the configured client, cancellation (StopProvider),
/// the operation's timeout, and the resource's private state.
pub struct Ctx<C> {
    pub client: Arc<C>,
    pub cancel: CancellationToken,
    pub timeout: Duration,
    pub private: PrivateState,
}

/// An operation that failed, maybe after creating something. `partial` is recorded in state
/// (tainted on create) so a remote object is never lost.
#[derive(Debug)]
pub struct Failure<S> {
    pub partial: Option<S>,
    pub diags: Diagnostics,
}

impl<S> Failure<S> {
    pub fn new(diags: impl Into<Diagnostics>) -> Self {
        Failure {
            partial: None,
            diags: diags.into(),
        }
    }
    pub fn with_partial(partial: S, diags: impl Into<Diagnostics>) -> Self {
        Failure {
            partial: Some(partial),
            diags: diags.into(),
        }
    }
}

impl<S> Failure<S> {
    /// The object read back right after creating it must exist. A read error or a vanished
    /// object both go through `fail`, which keeps what was created in state.
    pub fn read_back(
        read: Result<Option<S>, Diagnostics>,
        vanished: impl FnOnce() -> Diagnostic,
        fail: impl FnOnce(Diagnostics) -> Failure<S>,
    ) -> Result<S, Failure<S>> {
        match read {
            Ok(Some(s)) => Ok(s),
            Ok(None) => Err(fail(vanished().into())),
            Err(d) => Err(fail(d)),
        }
    }
}

impl<S> From<Diagnostics> for Failure<S> {
    fn from(d: Diagnostics) -> Self {
        Failure::new(d)
    }
}

impl<S> From<Diagnostic> for Failure<S> {
    fn from(d: Diagnostic) -> Self {
        Failure::new(d)
    }
}

/// Plan-time view for a resource's own plan modification.
pub struct PlanCtx<'a, C> {
    /// The configured client, when the provider is configured (it is for every plan
    /// Terraform makes after ConfigureProvider). Plan modification must not call APIs
    /// unless really needed; this is mainly for provider-level settings (default tags).
    pub client: Option<&'a C>,
    /// Prior state (null on create).
    pub prior: &'a Value,
    /// Configuration (may hold unknowns).
    pub config: &'a Value,
    /// The planned new state, already with defaults and computed attributes handled.
    pub planned: &'a mut Value,
    /// Paths whose change forces replacement.
    pub requires_replace: &'a mut Vec<AttrPath>,
    pub private: &'a mut PrivateState,
    pub diags: &'a mut Diagnostics,
}

/// A managed resource.
#[async_trait]
pub trait Resource: Send + Sync + 'static {
    /// Whatever the provider's `configure` produced (API clients...).
    type Client: Send + Sync + 'static;
    /// The full state model; its JSON schema is the resource schema.
    type State: Model;

    /// Resource type name, e.g. `mlops_model_package_group`.
    const TYPE_NAME: &'static str;
    /// Bump when the state layout changes, and handle old versions in [`Resource::upgrade`].
    const SCHEMA_VERSION: i64 = 0;

    /// Default timeouts; any set operation gets a `timeouts` block in the schema.
    fn timeouts(&self) -> TimeoutDefaults {
        TimeoutDefaults::default()
    }

    /// Extra validation of the configuration (unknown values must be skipped).
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}

    /// Adjust the plan (value level; runs at plan and again at apply).
    fn modify_plan(&self, _plan: PlanCtx<'_, Self::Client>) {}

    async fn create(
        &self,
        ctx: &mut Ctx<Self::Client>,
        planned: Self::State,
    ) -> Result<Self::State, Failure<Self::State>>;

    /// Refresh: `Ok(None)` when the object is gone (it is dropped from state).
    async fn read(
        &self,
        ctx: &mut Ctx<Self::Client>,
        current: Self::State,
    ) -> Result<Option<Self::State>, Diagnostics>;

    async fn update(
        &self,
        ctx: &mut Ctx<Self::Client>,
        prior: Self::State,
        planned: Self::State,
    ) -> Result<Self::State, Failure<Self::State>>;

    async fn delete(
        &self,
        ctx: &mut Ctx<Self::Client>,
        current: Self::State,
    ) -> Result<(), Diagnostics>;

    /// Turn an import ID into a state that `read` can complete.
    async fn import(
        &self,
        ctx: &mut Ctx<Self::Client>,
        id: &str,
    ) -> Result<Self::State, Diagnostics>;

    /// Upgrade a raw JSON state written with an older schema version.
    fn upgrade(&self, _from_version: i64, raw: Json) -> Result<Json, Diagnostics> {
        Ok(raw)
    }

    /// Resource identity (Terraform 1.12+): the attributes that name the remote object.
    fn identity_schema(&self) -> Option<IdentitySchema> {
        None
    }

    /// The identity of a state, as a JSON object of the identity attributes (`None` when
    /// the state does not name an object yet).
    fn identity(&self, _state: &Self::State) -> Option<Json> {
        None
    }

    /// The import ID an identity given at import (`import { identity = {...} }`) stands for;
    /// its required attributes are set.
    fn import_id(&self, _identity: &Json) -> Result<String, Diagnostics> {
        Err(Diagnostic::error(
            "Import by identity not supported",
            "Import this resource by its ID (`import { id = \"...\" }`).",
        )
        .into())
    }

    /// The resource types whose state [`Resource::moved_from`] takes over.
    fn moves_from(&self) -> &'static [&'static str] {
        &[]
    }

    /// Cross-type `moved` (Terraform 1.8+): the state an import would start from for the
    /// object another resource type's state names. No client: no API calls. `None` when
    /// the source is not one this resource takes over.
    fn moved_from(
        &self,
        _source: &MovedFrom<'_>,
    ) -> Option<Result<(Self::State, PrivateState), Diagnostics>> {
        None
    }
}

/// A data source.
#[async_trait]
pub trait DataSource: Send + Sync + 'static {
    type Client: Send + Sync + 'static;
    type Model: Model;
    const TYPE_NAME: &'static str;

    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}

    async fn read(
        &self,
        ctx: &mut Ctx<Self::Client>,
        config: Self::Model,
    ) -> Result<Self::Model, Diagnostics>;
}

/// The schema of a resource, including the framework-added `timeouts` block.
pub fn resource_schema<R: Resource>(r: &R) -> Schema {
    let mut block = match block_for::<R::State>() {
        Ok(b) => b,
        Err(e) => panic!("{}: {e}", R::TYPE_NAME),
    };
    let t = r.timeouts();
    if let Some(tb) = t.block() {
        block.blocks.push(tb);
    }
    Schema {
        version: R::SCHEMA_VERSION,
        block,
    }
}

// --------------------------------------------------------------- typed conversion

/// Decode a value into a model (unknowns become null, `timeouts` is not part of models).
pub fn to_model<M: Model>(v: &Value) -> Result<M, Diagnostics> {
    let mut j = v.to_model_json();
    if let Some(o) = j.as_object_mut() {
        o.remove(Timeouts::BLOCK);
    }
    serde_json::from_value(j).map_err(|e| {
        Diagnostic::error(
            "Provider could not decode a value",
            format!(
                "The value does not fit the provider's model: {e}. This is a bug in the provider."
            ),
        )
        .into()
    })
}

/// Encode a model as a value of a schema's implied type.
pub fn from_model<M: Model>(m: &M, ty: &Type) -> Result<Value, Diagnostics> {
    let j = serde_json::to_value(m).map_err(|e| {
        Diagnostics::from(Diagnostic::error(
            "Provider could not encode a value",
            e.to_string(),
        ))
    })?;
    Value::from_model_json(&j, ty).map_err(|e| {
        Diagnostic::error(
            "Provider produced a value that does not fit its schema",
            format!("{e}. This is a bug in the provider."),
        )
        .into()
    })
}
