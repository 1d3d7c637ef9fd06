//! A Terraform plugin framework: the go-plugin server with AutoMTLS, the tfplugin6 value
//! model, schemas derived from Rust types, and the plan/apply machinery. Resources are
//! declared with [`Resource`] / [`DataSource`] and need no protocol code.

pub mod adapter;
pub mod backend;
pub mod diag;
pub mod function;
pub mod identity;
pub mod list;
pub mod logging;
pub mod moved;
pub mod path;
pub mod plugin;
pub mod resource;
pub mod schema;
pub mod server;
pub mod stats;
pub mod suggest;
pub mod timeouts;
pub mod tls;
pub mod types;
pub mod validators;
pub mod value;
pub mod wait;
pub mod write_only;

pub use adapter::{data_source, resource, DynDataSource, DynResource};
pub use backend::{Backed, BackedDataSource, BackedResource, Backend, LookupBackend, Pick};
pub use diag::{Diagnostic, Diagnostics, Severity};
pub use identity::{IdentityAttr, IdentitySchema};
pub use path::{AttrPath, PathStep};
pub use resource::{Ctx, DataSource, Failure, Model, PlanCtx, PrivateState, Resource};
pub use schema::{Attribute, Block, NestedBlock, Nesting, Schema};
pub use server::{schemas, Provider, Schemas};
pub use timeouts::{Op, TimeoutDefaults};
pub use types::Type;
pub use validators::Rule;
pub use value::{Number, Value};
pub use wait::{wait_for, wait_until, Backoff, Check, Phase, Waited, Want};

pub use async_trait::async_trait;
pub use tokio_util::sync::CancellationToken;
