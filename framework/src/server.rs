//! The `tfplugin6.Provider` gRPC service, dispatching to a [`Provider`] and its resources.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, OnceLock, RwLock};

use async_trait::async_trait;
use futures::FutureExt;
use tfplugin_proto::tfplugin6 as pb;
use tfplugin_proto::tfplugin6::provider_server::Provider as PbProvider;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

use crate::adapter::{DynDataSource, DynResource};
use crate::diag::{Diagnostic, Diagnostics};
use crate::function::{self, Function};
use crate::identity;
use crate::list::DynLister;
use crate::path::AttrPath;
use crate::resource::{to_model, Model};
use crate::schema::{block_for, Schema};
use crate::types::Type;
use crate::value::Value;

/// A provider: its configuration model, how to configure it, and what it offers.
#[async_trait]
pub trait Provider: Send + Sync + 'static {
    /// The provider block's model.
    type Config: Model;
    /// What `configure` produces and every resource operation receives.
    type Client: Send + Sync + 'static;

    /// Provider type name (`mlops`); resource names start with it.
    const NAME: &'static str;

    /// Plain-words explanations of schema patterns: `(pattern, what is allowed, with an
    /// example)`. A value that does not match gets the explanation, not the expression.
    const PATTERN_HELP: &'static [(&'static str, &'static str)] = &[];

    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}

    async fn configure(
        &self,
        config: Self::Config,
        terraform_version: &str,
    ) -> Result<Self::Client, Diagnostics>;

    fn resources(&self) -> Vec<Box<dyn DynResource<Self::Client>>>;
    fn data_sources(&self) -> Vec<Box<dyn DynDataSource<Self::Client>>>;

    /// Provider-defined functions (Terraform 1.8+); called without configuring the provider.
    fn functions(&self) -> Vec<Box<dyn Function>> {
        Vec::new()
    }

    /// List resources (Terraform 1.14+, `terraform query`), each named after the managed
    /// resource type it finds objects of.
    fn list_resources(&self) -> Vec<Box<dyn DynLister<Self::Client>>> {
        Vec::new()
    }
}

/// The provider's schema and all resource/data-source schemas, for docs and tests.
pub struct Schemas {
    pub provider: Schema,
    pub resources: Vec<(String, Schema)>,
    pub data_sources: Vec<(String, Schema)>,
}

/// Collect all schemas of a provider.
pub fn schemas<P: Provider>(p: &P) -> Schemas {
    let provider = Schema {
        version: 0,
        block: block_for::<P::Config>().unwrap_or_else(|e| panic!("provider config: {e}")),
    };
    let mut resources: Vec<_> = p
        .resources()
        .into_iter()
        .map(|r| (r.type_name().to_string(), r.schema().clone()))
        .collect();
    resources.sort_by(|a, b| a.0.cmp(&b.0));
    let mut data_sources: Vec<_> = p
        .data_sources()
        .into_iter()
        .map(|d| (d.type_name().to_string(), d.schema().clone()))
        .collect();
    data_sources.sort_by(|a, b| a.0.cmp(&b.0));
    Schemas {
        provider,
        resources,
        data_sources,
    }
}

/// The gRPC service state. Schemas are built when first needed: Terraform starts the
/// provider several times per command and, with `get_provider_schema_optional`, asks one of
/// those processes for the schema; the others only validate or plan a few resource types.
pub struct ProviderService<P: Provider> {
    provider: Arc<P>,
    provider_schema: OnceLock<(Schema, Type)>,
    resources: HashMap<String, Box<dyn DynResource<P::Client>>>,
    data_sources: HashMap<String, Box<dyn DynDataSource<P::Client>>>,
    functions: HashMap<&'static str, Box<dyn Function>>,
    listers: HashMap<&'static str, Box<dyn DynLister<P::Client>>>,
    schema_response: OnceLock<pb::get_provider_schema::Response>,
    client: RwLock<Option<Arc<P::Client>>>,
    cancel: CancellationToken,
}

const SERVER_CAPABILITIES: pb::ServerCapabilities = pb::ServerCapabilities {
    plan_destroy: true,
    get_provider_schema_optional: true,
    move_resource_state: true,
    generate_resource_config: false,
};

impl<P: Provider> ProviderService<P> {
    pub fn new(provider: P, cancel: CancellationToken) -> Self {
        crate::schema::set_pattern_help(P::PATTERN_HELP);
        let resources: HashMap<_, _> = provider
            .resources()
            .into_iter()
            .map(|r| (r.type_name().to_string(), r))
            .collect();
        let data_sources: HashMap<_, _> = provider
            .data_sources()
            .into_iter()
            .map(|d| (d.type_name().to_string(), d))
            .collect();
        let functions = provider
            .functions()
            .into_iter()
            .map(|f| (f.name(), f))
            .collect();
        let listers = provider
            .list_resources()
            .into_iter()
            .map(|l| (l.type_name(), l))
            .collect();
        ProviderService {
            provider: Arc::new(provider),
            provider_schema: OnceLock::new(),
            resources,
            data_sources,
            functions,
            listers,
            schema_response: OnceLock::new(),
            client: RwLock::new(None),
            cancel,
        }
    }

    /// The provider block's schema and implied type.
    fn provider_schema(&self) -> &(Schema, Type) {
        self.provider_schema.get_or_init(|| {
            let schema = Schema {
                version: 0,
                block: block_for::<P::Config>().unwrap_or_else(|e| panic!("provider config: {e}")),
            };
            let ty = schema.block.implied_type();
            (schema, ty)
        })
    }

    /// The GetProviderSchema response, built on the first call.
    fn schema_response(&self) -> &pb::get_provider_schema::Response {
        self.schema_response.get_or_init(|| {
            let to_pb = |s: &Schema| pb::Schema {
                version: s.version,
                block: Some(s.block.to_proto()),
            };
            pb::get_provider_schema::Response {
                provider: Some(to_pb(&self.provider_schema().0)),
                resource_schemas: self
                    .resources
                    .iter()
                    .map(|(k, r)| (k.clone(), to_pb(r.schema())))
                    .collect(),
                data_source_schemas: self
                    .data_sources
                    .iter()
                    .map(|(k, d)| (k.clone(), to_pb(d.schema())))
                    .collect(),
                provider_meta: Some(pb::Schema {
                    version: 0,
                    block: Some(pb::schema::Block::default()),
                }),
                server_capabilities: Some(SERVER_CAPABILITIES),
                functions: self.function_definitions(),
                list_resource_schemas: self
                    .listers
                    .iter()
                    .map(|(k, l)| (k.to_string(), to_pb(l.schema())))
                    .collect(),
                ..Default::default()
            }
        })
    }

    fn lister(&self, name: &str) -> Result<&dyn DynLister<P::Client>, Diagnostics> {
        self.listers
            .get(name)
            .map(|b| b.as_ref())
            .ok_or_else(|| unknown_type("list resource", name))
    }

    /// What a `list` block finds: each object adopted as `terraform import` would (the
    /// resource's import, then its read when Terraform wants the object), with its identity.
    async fn list_events(&self, req: &pb::list_resource::Request) -> Vec<pb::list_resource::Event> {
        let fail = |d: Diagnostics| {
            vec![pb::list_resource::Event {
                diagnostic: d.to_proto(),
                ..Default::default()
            }]
        };
        let (l, r) = match (self.lister(&req.type_name), self.resource(&req.type_name)) {
            (Ok(l), Ok(r)) => (l, r),
            (Err(d), _) | (_, Err(d)) => return fail(d),
        };
        let cfg = match decode(req.config.as_ref(), l.implied_type()) {
            Ok(c) => c,
            Err(d) => return fail(d),
        };
        let client = match self.client() {
            Ok(c) => c,
            Err(d) => return fail(d),
        };
        let limit = usize::try_from(req.limit)
            .ok()
            .filter(|l| *l > 0)
            .unwrap_or(100);
        let found = match l.list(&client, &cfg, limit).await {
            Ok(f) => f,
            Err(d) => return fail(d),
        };
        tracing::info!(list = %req.type_name, found = found.len(), "listed");
        let mut events = Vec::with_capacity(found.len());
        for item in found {
            let mut out = r
                .import(client.clone(), self.cancel.clone(), &item.import_id)
                .await;
            if req.include_resource_object && !out.diags.has_errors() && !out.state.is_null() {
                let private = out.private.clone();
                let state = std::mem::replace(&mut out.state, Value::Null);
                out = r
                    .read(client.clone(), self.cancel.clone(), state, &private)
                    .await;
            }
            if out.diags.has_errors() {
                events.push(pb::list_resource::Event {
                    diagnostic: out.diags.to_proto(),
                    ..Default::default()
                });
                break;
            }
            // Gone between the list and the read.
            let Some(identity) = identity_data(r, &out.state) else {
                continue;
            };
            events.push(pb::list_resource::Event {
                identity: Some(identity),
                display_name: item.display_name,
                resource_object: if req.include_resource_object {
                    encode(&out.state, r.implied_type())
                } else {
                    None
                },
                diagnostic: out.diags.to_proto(),
            });
        }
        events
    }

    fn function_definitions(&self) -> HashMap<String, pb::Function> {
        self.functions
            .iter()
            .map(|(name, f)| (name.to_string(), function::to_proto(&f.signature())))
            .collect()
    }

    /// Decode a call's arguments and run the function.
    fn call_function(
        &self,
        req: &pb::call_function::Request,
    ) -> Result<Value, function::FunctionError> {
        let f = self
            .functions
            .get(req.name.as_str())
            .ok_or_else(|| function::FunctionError {
                text: format!("This provider has no function named {:?}.", req.name),
                argument: None,
            })?;
        let sig = f.signature();
        if req.arguments.len() != sig.params.len() {
            return Err(function::FunctionError {
                text: format!(
                    "{} takes {} argument(s), got {}.",
                    req.name,
                    sig.params.len(),
                    req.arguments.len()
                ),
                argument: None,
            });
        }
        let mut args = Vec::with_capacity(sig.params.len());
        for (i, (dv, p)) in req.arguments.iter().zip(&sig.params).enumerate() {
            let v = Value::from_dynamic(&dv.msgpack, &dv.json, &p.ty).map_err(|e| {
                function::FunctionError::arg(i, format!("{}: {}", p.name, e.message))
            })?;
            args.push(v);
        }
        let out = f.call(args)?;
        // What the function promised, or its own bug, named as such.
        if let Err(e) = Value::from_model_json(&out.to_model_json(), &sig.ret) {
            return Err(function::FunctionError {
                text: format!("{} returned a value that is not its return type: {e}. This is a bug in the provider.", req.name),
                argument: None,
            });
        }
        Ok(out)
    }

    fn resource(&self, name: &str) -> Result<&dyn DynResource<P::Client>, Diagnostics> {
        self.resources
            .get(name)
            .map(|b| b.as_ref())
            .ok_or_else(|| unknown_type("resource", name))
    }

    fn data_source(&self, name: &str) -> Result<&dyn DynDataSource<P::Client>, Diagnostics> {
        self.data_sources
            .get(name)
            .map(|b| b.as_ref())
            .ok_or_else(|| unknown_type("data source", name))
    }

    fn client(&self) -> Result<Arc<P::Client>, Diagnostics> {
        self.client
            .read()
            .ok()
            .and_then(|c| c.clone())
            .ok_or_else(|| {
                Diagnostic::error(
                    "Provider not configured",
                    "The provider was used before ConfigureProvider. This is a bug in Terraform or the provider.",
                )
                .into()
            })
    }
}

fn unknown_type(kind: &str, name: &str) -> Diagnostics {
    Diagnostic::error(
        format!("Unknown {kind} type"),
        format!("This provider has no {kind} named {name:?}."),
    )
    .into()
}

fn decode(dv: Option<&pb::DynamicValue>, ty: &Type) -> Result<Value, Diagnostics> {
    match dv {
        None => Ok(Value::Null),
        Some(d) => Value::from_dynamic(&d.msgpack, &d.json, ty).map_err(|e| {
            Diagnostic::error("Malformed value from Terraform", e.message.clone())
                .at(e.path)
                .into()
        }),
    }
}

/// The identity of a state, for a resource that has one.
fn identity_data<C>(r: &dyn DynResource<C>, state: &Value) -> Option<pb::ResourceIdentityData> {
    let schema = r.identity_schema()?;
    r.identity_of(state)
        .map(|v| identity::to_proto(&v, schema.implied_type()))
}

fn encode(v: &Value, ty: &Type) -> Option<pb::DynamicValue> {
    Some(pb::DynamicValue {
        msgpack: v.to_msgpack(ty),
        json: vec![],
    })
}

/// Run a handler body, turning a panic into an error diagnostic instead of a dead provider.
/// Each call is counted in [`crate::stats`].
async fn guarded<T, F>(what: &'static str, fut: F, on_panic: impl FnOnce(Diagnostics) -> T) -> T
where
    F: std::future::Future<Output = T>,
{
    let started = std::time::Instant::now();
    let r = AssertUnwindSafe(fut).catch_unwind().await;
    crate::stats::record(what, started.elapsed());
    match r {
        Ok(t) => t,
        Err(p) => {
            let msg = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            tracing::error!(rpc = what, panic = %msg, "provider panicked");
            on_panic(
                Diagnostic::error(
                    "Provider internal error",
                    format!("The provider failed in {what}: {msg}. Please report this bug."),
                )
                .into(),
            )
        }
    }
}

macro_rules! try_diags {
    ($e:expr, $resp:expr) => {
        match $e {
            Ok(v) => v,
            Err(d) => {
                let d: Diagnostics = d;
                let mut r = $resp;
                r.diagnostics = d.to_proto();
                return r;
            }
        }
    };
}

#[tonic::async_trait]
impl<P: Provider> PbProvider for ProviderService<P> {
    async fn get_metadata(
        &self,
        _req: Request<pb::get_metadata::Request>,
    ) -> Result<Response<pb::get_metadata::Response>, Status> {
        crate::stats::record("GetMetadata", std::time::Duration::ZERO);
        let mut resources: Vec<_> = self.resources.keys().cloned().collect();
        resources.sort();
        let mut data: Vec<_> = self.data_sources.keys().cloned().collect();
        data.sort();
        Ok(Response::new(pb::get_metadata::Response {
            server_capabilities: Some(SERVER_CAPABILITIES),
            resources: resources
                .into_iter()
                .map(|type_name| pb::get_metadata::ResourceMetadata { type_name })
                .collect(),
            data_sources: data
                .into_iter()
                .map(|type_name| pb::get_metadata::DataSourceMetadata { type_name })
                .collect(),
            functions: self
                .functions
                .keys()
                .map(|name| pb::get_metadata::FunctionMetadata {
                    name: name.to_string(),
                })
                .collect(),
            list_resources: self
                .listers
                .keys()
                .map(|t| pb::get_metadata::ListResourceMetadata {
                    type_name: t.to_string(),
                })
                .collect(),
            ..Default::default()
        }))
    }

    async fn get_provider_schema(
        &self,
        _req: Request<pb::get_provider_schema::Request>,
    ) -> Result<Response<pb::get_provider_schema::Response>, Status> {
        tracing::debug!("serving provider schema");
        // Built on the first call: a schema bug becomes a diagnostic, not a dead plugin.
        let resp = guarded(
            "GetProviderSchema",
            async { self.schema_response().clone() },
            |d| pb::get_provider_schema::Response {
                diagnostics: d.to_proto(),
                ..Default::default()
            },
        )
        .await;
        Ok(Response::new(resp))
    }

    async fn get_resource_identity_schemas(
        &self,
        _req: Request<pb::get_resource_identity_schemas::Request>,
    ) -> Result<Response<pb::get_resource_identity_schemas::Response>, Status> {
        let resp = guarded(
            "GetResourceIdentitySchemas",
            async {
                pb::get_resource_identity_schemas::Response {
                    identity_schemas: self
                        .resources
                        .iter()
                        .filter_map(|(k, r)| Some((k.clone(), r.identity_schema()?.to_proto())))
                        .collect(),
                    diagnostics: vec![],
                }
            },
            |d| pb::get_resource_identity_schemas::Response {
                identity_schemas: HashMap::new(),
                diagnostics: d.to_proto(),
            },
        )
        .await;
        Ok(Response::new(resp))
    }

    async fn upgrade_resource_identity(
        &self,
        req: Request<pb::upgrade_resource_identity::Request>,
    ) -> Result<Response<pb::upgrade_resource_identity::Response>, Status> {
        let req = req.into_inner();
        let resp = guarded(
            "UpgradeResourceIdentity",
            async {
                let empty = pb::upgrade_resource_identity::Response::default();
                let r = try_diags!(self.resource(&req.type_name), empty);
                let Some(schema) = r.identity_schema() else {
                    return empty;
                };
                // One identity version so far: what was stored is what is current.
                let raw = req.raw_identity.map(|s| s.json).unwrap_or_default();
                if raw.is_empty() {
                    return empty;
                }
                let j: serde_json::Value = try_diags!(
                    serde_json::from_slice(&raw).map_err(|e| Diagnostics::from(Diagnostic::error(
                        "Malformed identity in state",
                        e.to_string()
                    ))),
                    empty
                );
                pb::upgrade_resource_identity::Response {
                    upgraded_identity: schema
                        .value_of(&j)
                        .map(|v| identity::to_proto(&v, schema.implied_type())),
                    diagnostics: vec![],
                }
            },
            |d| pb::upgrade_resource_identity::Response {
                diagnostics: d.to_proto(),
                ..Default::default()
            },
        )
        .await;
        Ok(Response::new(resp))
    }

    async fn validate_provider_config(
        &self,
        req: Request<pb::validate_provider_config::Request>,
    ) -> Result<Response<pb::validate_provider_config::Response>, Status> {
        let req = req.into_inner();
        let resp = guarded(
            "ValidateProviderConfig",
            async {
                let empty = pb::validate_provider_config::Response::default();
                let cfg = try_diags!(
                    decode(req.config.as_ref(), &self.provider_schema().1),
                    empty
                );
                let mut diags = Diagnostics::new();
                self.provider_schema()
                    .0
                    .block
                    .validate(&cfg, &mut AttrPath::root(), &mut diags);
                self.provider.validate(&cfg, &mut diags);
                pb::validate_provider_config::Response {
                    diagnostics: diags.to_proto(),
                }
            },
            |d| pb::validate_provider_config::Response {
                diagnostics: d.to_proto(),
            },
        )
        .await;
        Ok(Response::new(resp))
    }

    async fn configure_provider(
        &self,
        req: Request<pb::configure_provider::Request>,
    ) -> Result<Response<pb::configure_provider::Response>, Status> {
        let req = req.into_inner();
        let resp = guarded(
            "ConfigureProvider",
            async {
                let empty = pb::configure_provider::Response::default();
                let cfg = try_diags!(
                    decode(req.config.as_ref(), &self.provider_schema().1),
                    empty
                );
                let model: P::Config = try_diags!(to_model(&cfg), empty);
                tracing::debug!(terraform_version = %req.terraform_version, "configuring provider");
                let client = try_diags!(
                    self.provider.configure(model, &req.terraform_version).await,
                    empty
                );
                if let Ok(mut slot) = self.client.write() {
                    *slot = Some(Arc::new(client));
                }
                empty
            },
            |d| pb::configure_provider::Response {
                diagnostics: d.to_proto(),
            },
        )
        .await;
        Ok(Response::new(resp))
    }

    async fn validate_resource_config(
        &self,
        req: Request<pb::validate_resource_config::Request>,
    ) -> Result<Response<pb::validate_resource_config::Response>, Status> {
        let req = req.into_inner();
        let resp = guarded(
            "ValidateResourceConfig",
            async {
                let empty = pb::validate_resource_config::Response::default();
                let r = try_diags!(self.resource(&req.type_name), empty);
                let ty = r.implied_type();
                let cfg = try_diags!(decode(req.config.as_ref(), ty), empty);
                let mut diags = r.validate(&cfg);
                let write_only_allowed = req
                    .client_capabilities
                    .as_ref()
                    .is_some_and(|c| c.write_only_attributes_allowed);
                crate::write_only::refuse_unsupported(
                    &r.schema().block,
                    &cfg,
                    write_only_allowed,
                    &mut diags,
                );
                pb::validate_resource_config::Response {
                    diagnostics: diags.to_proto(),
                }
            },
            |d| pb::validate_resource_config::Response {
                diagnostics: d.to_proto(),
            },
        )
        .await;
        Ok(Response::new(resp))
    }

    async fn validate_data_resource_config(
        &self,
        req: Request<pb::validate_data_resource_config::Request>,
    ) -> Result<Response<pb::validate_data_resource_config::Response>, Status> {
        let req = req.into_inner();
        let resp = guarded(
            "ValidateDataResourceConfig",
            async {
                let empty = pb::validate_data_resource_config::Response::default();
                let d = try_diags!(self.data_source(&req.type_name), empty);
                let ty = d.implied_type();
                let cfg = try_diags!(decode(req.config.as_ref(), ty), empty);
                pb::validate_data_resource_config::Response {
                    diagnostics: d.validate(&cfg).to_proto(),
                }
            },
            |d| pb::validate_data_resource_config::Response {
                diagnostics: d.to_proto(),
            },
        )
        .await;
        Ok(Response::new(resp))
    }

    async fn upgrade_resource_state(
        &self,
        req: Request<pb::upgrade_resource_state::Request>,
    ) -> Result<Response<pb::upgrade_resource_state::Response>, Status> {
        let req = req.into_inner();
        let resp = guarded(
            "UpgradeResourceState",
            async {
                let empty = pb::upgrade_resource_state::Response::default();
                let r = try_diags!(self.resource(&req.type_name), empty);
                let ty = r.implied_type();
                let raw = req.raw_state.map(|s| s.json).unwrap_or_default();
                if raw.is_empty() {
                    return pb::upgrade_resource_state::Response {
                        upgraded_state: encode(&Value::Null, ty),
                        diagnostics: vec![],
                    };
                }
                let v = try_diags!(r.upgrade(req.version, &raw), empty);
                pb::upgrade_resource_state::Response {
                    upgraded_state: encode(&v, ty),
                    diagnostics: vec![],
                }
            },
            |d| pb::upgrade_resource_state::Response {
                diagnostics: d.to_proto(),
                ..Default::default()
            },
        )
        .await;
        Ok(Response::new(resp))
    }

    async fn read_resource(
        &self,
        req: Request<pb::read_resource::Request>,
    ) -> Result<Response<pb::read_resource::Response>, Status> {
        let req = req.into_inner();
        let type_name = req.type_name.clone();
        let resp = guarded(
            "ReadResource",
            crate::stats::serving("ReadResource", &type_name, async {
                let passthrough = pb::read_resource::Response {
                    new_state: req.current_state.clone(),
                    private: req.private.clone(),
                    new_identity: req.current_identity.clone(),
                    ..Default::default()
                };
                let r = try_diags!(self.resource(&req.type_name), passthrough);
                let ty = r.implied_type();
                let cur = try_diags!(decode(req.current_state.as_ref(), ty), passthrough);
                let client = try_diags!(self.client(), passthrough);
                let out = r.read(client, self.cancel.clone(), cur, &req.private).await;
                let new_identity = if out.state.is_null() {
                    None
                } else {
                    identity_data(r, &out.state).or_else(|| req.current_identity.clone())
                };
                pb::read_resource::Response {
                    new_state: encode(&out.state, ty),
                    private: out.private,
                    diagnostics: out.diags.to_proto(),
                    new_identity,
                    ..Default::default()
                }
            }),
            |d| pb::read_resource::Response {
                new_state: req.current_state.clone(),
                private: req.private.clone(),
                diagnostics: d.to_proto(),
                new_identity: req.current_identity.clone(),
                ..Default::default()
            },
        )
        .await;
        Ok(Response::new(resp))
    }

    async fn plan_resource_change(
        &self,
        req: Request<pb::plan_resource_change::Request>,
    ) -> Result<Response<pb::plan_resource_change::Response>, Status> {
        let req = req.into_inner();
        let type_name = req.type_name.clone();
        let resp = guarded(
            "PlanResourceChange",
            crate::stats::serving("PlanResourceChange", &type_name, async {
                let empty = pb::plan_resource_change::Response::default();
                let r = try_diags!(self.resource(&req.type_name), empty);
                let ty = r.implied_type();
                let prior = try_diags!(decode(req.prior_state.as_ref(), ty), empty);
                let proposed = try_diags!(decode(req.proposed_new_state.as_ref(), ty), empty);
                let config = try_diags!(decode(req.config.as_ref(), ty), empty);
                let client = self.client().ok();
                let prior_identity = if prior.is_null() {
                    None
                } else {
                    identity_data(r, &prior).or_else(|| req.prior_identity.clone())
                };
                let out = r.plan(
                    client.as_deref(),
                    prior,
                    proposed,
                    config,
                    &req.prior_private,
                );
                // An update keeps the object and its identity; a create or replacement has
                // the planned object's once it is known (Terraform allows it unknown then).
                let planned_identity = if out.planned.is_null() {
                    None
                } else if prior_identity.is_some() && out.requires_replace.is_empty() {
                    prior_identity
                } else {
                    identity_data(r, &out.planned)
                };
                pb::plan_resource_change::Response {
                    planned_identity,
                    planned_state: encode(&out.planned, ty),
                    requires_replace: out
                        .requires_replace
                        .iter()
                        .map(AttrPath::to_proto)
                        .collect(),
                    planned_private: out.private,
                    diagnostics: out.diags.to_proto(),
                    ..Default::default()
                }
            }),
            |d| pb::plan_resource_change::Response {
                diagnostics: d.to_proto(),
                ..Default::default()
            },
        )
        .await;
        Ok(Response::new(resp))
    }

    async fn apply_resource_change(
        &self,
        req: Request<pb::apply_resource_change::Request>,
    ) -> Result<Response<pb::apply_resource_change::Response>, Status> {
        let req = req.into_inner();
        let type_name = req.type_name.clone();
        let resp = guarded(
            "ApplyResourceChange",
            crate::stats::serving("ApplyResourceChange", &type_name, async {
                let keep_prior = pb::apply_resource_change::Response {
                    new_state: req.prior_state.clone(),
                    private: req.planned_private.clone(),
                    new_identity: req.planned_identity.clone(),
                    ..Default::default()
                };
                let r = try_diags!(self.resource(&req.type_name), keep_prior);
                let ty = r.implied_type();
                let prior = try_diags!(decode(req.prior_state.as_ref(), ty), keep_prior);
                let planned = try_diags!(decode(req.planned_state.as_ref(), ty), keep_prior);
                let config = try_diags!(decode(req.config.as_ref(), ty), keep_prior);
                let client = try_diags!(self.client(), keep_prior);
                let out = r
                    .apply(
                        client,
                        self.cancel.clone(),
                        prior,
                        planned,
                        &config,
                        &req.planned_private,
                    )
                    .await;
                pb::apply_resource_change::Response {
                    new_state: encode(&out.state, ty),
                    private: out.private,
                    diagnostics: out.diags.to_proto(),
                    new_identity: identity_data(r, &out.state),
                    ..Default::default()
                }
            }),
            |d| pb::apply_resource_change::Response {
                // keep tracking whatever existed before
                new_state: req.prior_state.clone(),
                private: req.planned_private.clone(),
                diagnostics: d.to_proto(),
                new_identity: req.planned_identity.clone(),
                ..Default::default()
            },
        )
        .await;
        Ok(Response::new(resp))
    }

    async fn import_resource_state(
        &self,
        req: Request<pb::import_resource_state::Request>,
    ) -> Result<Response<pb::import_resource_state::Response>, Status> {
        let req = req.into_inner();
        let type_name = req.type_name.clone();
        let resp = guarded(
            "ImportResourceState",
            crate::stats::serving("ImportResourceState", &type_name, async {
                let empty = pb::import_resource_state::Response::default();
                let r = try_diags!(self.resource(&req.type_name), empty);
                let ty = r.implied_type();
                let client = try_diags!(self.client(), empty);
                let id = match (&req.identity, r.identity_schema()) {
                    // `import { identity = {...} }`: Terraform sends no ID.
                    (Some(given), Some(schema)) if req.id.is_empty() => {
                        let v = try_diags!(
                            decode(given.identity_data.as_ref(), schema.implied_type()),
                            empty
                        );
                        try_diags!(r.import_id_of(&v), empty)
                    }
                    _ => req.id.clone(),
                };
                let out = r.import(client, self.cancel.clone(), &id).await;
                if out.diags.has_errors() || out.state.is_null() {
                    return pb::import_resource_state::Response {
                        diagnostics: out.diags.to_proto(),
                        ..Default::default()
                    };
                }
                pb::import_resource_state::Response {
                    imported_resources: vec![pb::import_resource_state::ImportedResource {
                        type_name: req.type_name.clone(),
                        identity: identity_data(r, &out.state),
                        state: encode(&out.state, ty),
                        private: out.private,
                    }],
                    diagnostics: out.diags.to_proto(),
                    deferred: None,
                }
            }),
            |d| pb::import_resource_state::Response {
                diagnostics: d.to_proto(),
                ..Default::default()
            },
        )
        .await;
        Ok(Response::new(resp))
    }

    async fn read_data_source(
        &self,
        req: Request<pb::read_data_source::Request>,
    ) -> Result<Response<pb::read_data_source::Response>, Status> {
        let req = req.into_inner();
        let type_name = req.type_name.clone();
        let resp = guarded(
            "ReadDataSource",
            crate::stats::serving("ReadDataSource", &type_name, async {
                let empty = pb::read_data_source::Response::default();
                let d = try_diags!(self.data_source(&req.type_name), empty);
                let ty = d.implied_type();
                let cfg = try_diags!(decode(req.config.as_ref(), ty), empty);
                let client = try_diags!(self.client(), empty);
                let out = d.read(client, self.cancel.clone(), cfg).await;
                pb::read_data_source::Response {
                    state: if out.diags.has_errors() {
                        None
                    } else {
                        encode(&out.state, ty)
                    },
                    diagnostics: out.diags.to_proto(),
                    deferred: None,
                }
            }),
            |d| pb::read_data_source::Response {
                diagnostics: d.to_proto(),
                ..Default::default()
            },
        )
        .await;
        Ok(Response::new(resp))
    }

    async fn move_resource_state(
        &self,
        req: Request<pb::move_resource_state::Request>,
    ) -> Result<Response<pb::move_resource_state::Response>, Status> {
        let req = req.into_inner();
        let resp = guarded(
            "MoveResourceState",
            async {
                let empty = pb::move_resource_state::Response::default();
                let r = try_diags!(self.resource(&req.target_type_name), empty);
                let raw = req.source_state.map(|s| s.json).unwrap_or_default();
                let state: serde_json::Value = try_diags!(
                    serde_json::from_slice(&raw).map_err(|e| Diagnostics::from(
                        Diagnostic::error(
                            "Cannot move this state",
                            format!("The {} state is not JSON: {e}.", req.source_type_name)
                        )
                    )),
                    empty
                );
                let source = crate::moved::MovedFrom {
                    provider: &req.source_provider_address,
                    type_name: &req.source_type_name,
                    schema_version: req.source_schema_version,
                    state: &state,
                };
                let out = r.moved_from(&source);
                if out.diags.has_errors() {
                    return pb::move_resource_state::Response {
                        diagnostics: out.diags.to_proto(),
                        ..Default::default()
                    };
                }
                tracing::info!(from = %req.source_type_name, to = %req.target_type_name, "state moved");
                pb::move_resource_state::Response {
                    target_identity: identity_data(r, &out.state),
                    target_state: encode(&out.state, r.implied_type()),
                    target_private: out.private,
                    diagnostics: out.diags.to_proto(),
                }
            },
            |d| pb::move_resource_state::Response {
                diagnostics: d.to_proto(),
                ..Default::default()
            },
        )
        .await;
        Ok(Response::new(resp))
    }

    async fn validate_list_resource_config(
        &self,
        req: Request<pb::validate_list_resource_config::Request>,
    ) -> Result<Response<pb::validate_list_resource_config::Response>, Status> {
        let req = req.into_inner();
        let resp = guarded(
            "ValidateListResourceConfig",
            async {
                let empty = pb::validate_list_resource_config::Response::default();
                let l = try_diags!(self.lister(&req.type_name), empty);
                let cfg = try_diags!(decode(req.config.as_ref(), l.implied_type()), empty);
                pb::validate_list_resource_config::Response {
                    diagnostics: l.validate(&cfg).to_proto(),
                }
            },
            |d| pb::validate_list_resource_config::Response {
                diagnostics: d.to_proto(),
            },
        )
        .await;
        Ok(Response::new(resp))
    }

    async fn list_resource(
        &self,
        req: Request<pb::list_resource::Request>,
    ) -> Result<Response<tonic::codegen::BoxStream<pb::list_resource::Event>>, Status> {
        let req = req.into_inner();
        let type_name = req.type_name.clone();
        let events = guarded(
            "ListResource",
            crate::stats::serving("ListResource", &type_name, self.list_events(&req)),
            |d| {
                vec![pb::list_resource::Event {
                    diagnostic: d.to_proto(),
                    ..Default::default()
                }]
            },
        )
        .await;
        let stream = futures::stream::iter(events.into_iter().map(Ok));
        Ok(Response::new(Box::pin(stream)))
    }

    async fn get_functions(
        &self,
        _req: Request<pb::get_functions::Request>,
    ) -> Result<Response<pb::get_functions::Response>, Status> {
        let resp = guarded(
            "GetFunctions",
            async {
                pb::get_functions::Response {
                    functions: self.function_definitions(),
                    diagnostics: vec![],
                }
            },
            |d| pb::get_functions::Response {
                functions: HashMap::new(),
                diagnostics: d.to_proto(),
            },
        )
        .await;
        Ok(Response::new(resp))
    }

    async fn call_function(
        &self,
        req: Request<pb::call_function::Request>,
    ) -> Result<Response<pb::call_function::Response>, Status> {
        let req = req.into_inner();
        let resp = guarded(
            "CallFunction",
            async {
                match self.call_function(&req) {
                    Ok(v) => {
                        let ty = self
                            .functions
                            .get(req.name.as_str())
                            .map(|f| f.signature().ret)
                            .unwrap_or(Type::Dynamic);
                        pb::call_function::Response {
                            result: encode(&v, &ty),
                            error: None,
                        }
                    }
                    Err(e) => pb::call_function::Response {
                        result: None,
                        error: Some(pb::FunctionError {
                            // Terraform ends the sentence itself.
                            text: e.text.trim_end().trim_end_matches('.').to_string(),
                            function_argument: e.argument.map(|i| i as i64),
                        }),
                    },
                }
            },
            |d| pb::call_function::Response {
                result: None,
                error: Some(pb::FunctionError {
                    text: d
                        .0
                        .first()
                        .map(|d| format!("{}: {}", d.summary, d.detail))
                        .unwrap_or_default(),
                    function_argument: None,
                }),
            },
        )
        .await;
        Ok(Response::new(resp))
    }

    async fn stop_provider(
        &self,
        _req: Request<pb::stop_provider::Request>,
    ) -> Result<Response<pb::stop_provider::Response>, Status> {
        tracing::info!("StopProvider: cancelling in-flight operations");
        self.cancel.cancel();
        Ok(Response::new(pb::stop_provider::Response {
            error: String::new(),
        }))
    }
}
