//! List resources (Terraform 1.14+, `terraform query`): find the remote objects a managed
//! resource type could manage, so a team can see what exists and generate configuration
//! and `import` blocks for it (`terraform query -generate-config-out=...`).
//!
//! A [`Lister`] is a filter model (the `config` block of a `list` block) and a search that
//! returns the import ID of each object found. The framework adopts each the way
//! `terraform import` does (the resource's import, then its read when Terraform wants the
//! object), so what a query reports is exactly what an import would manage, with the
//! resource's identity.

use std::sync::OnceLock;

use async_trait::async_trait;

use crate::diag::{Diagnostic, Diagnostics};
use crate::path::AttrPath;
use crate::resource::{to_model, Model};
use crate::schema::{block_for, Schema};
use crate::types::Type;
use crate::value::Value;

/// Objects asked for per API page: 100, or `MLOPS_LIST_PAGE_SIZE` (1-100; tests use small
/// pages to follow several).
pub fn page_size() -> i32 {
    std::env::var("MLOPS_LIST_PAGE_SIZE")
        .ok()
        .and_then(|s| s.parse::<i32>().ok())
        .filter(|n| (1..=100).contains(n))
        .unwrap_or(100)
}

/// One object found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed {
    /// What `terraform import` takes for it.
    pub import_id: String,
    /// What `terraform query` shows.
    pub display_name: String,
}

impl Listed {
    /// An object whose import ID is also the name to show.
    pub fn named(import_id: impl Into<String>) -> Self {
        let import_id = import_id.into();
        Listed {
            display_name: import_id.clone(),
            import_id,
        }
    }
}

/// The search behind `list "<resource type>" "..." { config { ... } }`.
#[async_trait]
pub trait Lister: Send + Sync + 'static {
    type Client: Send + Sync + 'static;
    /// The filters; its JSON schema is the `config` block's schema.
    type Config: Model;
    /// The managed resource type whose objects are listed (it must have an identity).
    const TYPE_NAME: &'static str;

    /// Extra validation of the filters (unknown values must be skipped).
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}

    /// Up to `limit` objects, as import IDs, following the API's pages.
    async fn list(
        &self,
        client: &Self::Client,
        config: Self::Config,
        limit: usize,
    ) -> Result<Vec<Listed>, Diagnostics>;
}

/// A lister as the server sees it.
#[async_trait]
pub trait DynLister<C>: Send + Sync {
    fn type_name(&self) -> &'static str;
    /// Built on first use.
    fn schema(&self) -> &Schema;
    fn implied_type(&self) -> &Type;
    fn validate(&self, config: &Value) -> Diagnostics;
    async fn list(
        &self,
        client: &C,
        config: &Value,
        limit: usize,
    ) -> Result<Vec<Listed>, Diagnostics>;
}

/// Register a lister.
pub fn lister<L: Lister>(l: L) -> Box<dyn DynLister<L::Client>> {
    Box::new(ListerAdapter {
        l,
        schema: OnceLock::new(),
        ty: OnceLock::new(),
    })
}

struct ListerAdapter<L> {
    l: L,
    schema: OnceLock<Schema>,
    ty: OnceLock<Type>,
}

#[async_trait]
impl<L: Lister> DynLister<L::Client> for ListerAdapter<L> {
    fn type_name(&self) -> &'static str {
        L::TYPE_NAME
    }

    fn schema(&self) -> &Schema {
        self.schema.get_or_init(|| match block_for::<L::Config>() {
            Ok(block) => Schema { version: 0, block },
            Err(e) => panic!("list {}: {e}", L::TYPE_NAME),
        })
    }

    fn implied_type(&self) -> &Type {
        self.ty.get_or_init(|| self.schema().block.implied_type())
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        let mut diags = Diagnostics::new();
        if config.is_null() {
            return diags;
        }
        self.schema()
            .block
            .validate(config, &mut AttrPath::root(), &mut diags);
        self.l.validate(config, &mut diags);
        diags
    }

    async fn list(
        &self,
        client: &L::Client,
        config: &Value,
        limit: usize,
    ) -> Result<Vec<Listed>, Diagnostics> {
        let diags = self.validate(config);
        if diags.has_errors() {
            return Err(diags);
        }
        // No `config` block: no filters.
        let model: L::Config = if config.is_null() {
            serde_json::from_value(serde_json::json!({})).map_err(|e| {
                Diagnostics::from(Diagnostic::error(
                    "Provider could not decode a value",
                    format!("An empty list config does not fit the provider's model: {e}. This is a bug in the provider."),
                ))
            })?
        } else {
            to_model(config)?
        };
        let mut found = self.l.list(client, model, limit).await?;
        found.truncate(limit);
        Ok(found)
    }
}
