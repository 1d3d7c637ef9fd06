//! Type-erased resources and data sources, and the plan/apply algorithm that keeps every
//! resource within Terraform's plan/apply contract.

use std::sync::{Arc, OnceLock};

use async_trait::async_trait;
use tokio_util::sync::CancellationToken;

use crate::diag::{Diagnostic, Diagnostics};
use crate::identity::IdentitySchema;
use crate::path::{AttrPath, PathStep};
use crate::resource::{
    from_model, resource_schema, to_model, Ctx, DataSource, Failure, PlanCtx, PrivateState,
    Resource,
};
use crate::schema::{block_for, Block, Nesting, Schema};
use crate::timeouts::{Op, TimeoutDefaults, Timeouts};
use crate::types::Type;
use crate::value::Value;
use crate::write_only;

/// Result of planning.
pub struct PlanOut {
    pub planned: Value,
    pub requires_replace: Vec<AttrPath>,
    pub private: Vec<u8>,
    pub diags: Diagnostics,
}

/// Result of apply, read and import.
pub struct StateOut {
    pub state: Value,
    pub private: Vec<u8>,
    pub diags: Diagnostics,
}

/// A resource as the server sees it.
#[async_trait]
pub trait DynResource<C>: Send + Sync {
    fn type_name(&self) -> &'static str;
    /// Built on first use (a provider process serves a few types of many).
    fn schema(&self) -> &Schema;
    /// The schema's implied type, built once.
    fn implied_type(&self) -> &Type;
    fn validate(&self, config: &Value) -> Diagnostics;
    fn upgrade(&self, version: i64, raw_json: &[u8]) -> Result<Value, Diagnostics>;
    fn plan(
        &self,
        client: Option<&C>,
        prior: Value,
        proposed: Value,
        config: Value,
        private: &[u8],
    ) -> PlanOut;
    /// `config` supplies the write-only values the plan does not hold.
    async fn apply(
        &self,
        client: Arc<C>,
        cancel: CancellationToken,
        prior: Value,
        planned: Value,
        config: &Value,
        private: &[u8],
    ) -> StateOut;
    async fn read(
        &self,
        client: Arc<C>,
        cancel: CancellationToken,
        current: Value,
        private: &[u8],
    ) -> StateOut;
    async fn import(&self, client: Arc<C>, cancel: CancellationToken, id: &str) -> StateOut;
    /// Identity (Terraform 1.12+), when the resource declares one.
    fn identity_schema(&self) -> Option<&IdentitySchema>;
    /// The identity of a wholly known, non-null state.
    fn identity_of(&self, state: &Value) -> Option<Value>;
    /// The import ID an identity given at import stands for.
    fn import_id_of(&self, identity: &Value) -> Result<String, Diagnostics>;
    /// Cross-type `moved`: the state taken over from another resource type's.
    fn moved_from(&self, source: &crate::moved::MovedFrom<'_>) -> StateOut;
}

/// A data source as the server sees it.
#[async_trait]
pub trait DynDataSource<C>: Send + Sync {
    fn type_name(&self) -> &'static str;
    /// Built on first use.
    fn schema(&self) -> &Schema;
    /// The schema's implied type, built once.
    fn implied_type(&self) -> &Type;
    fn validate(&self, config: &Value) -> Diagnostics;
    async fn read(&self, client: Arc<C>, cancel: CancellationToken, config: Value) -> StateOut;
}

/// Register a resource. Its schema is built when first needed: start-up stays cheap, and a
/// process that serves one resource type builds one schema.
pub fn resource<R: Resource>(r: R) -> Box<dyn DynResource<R::Client>> {
    let timeouts = r.timeouts();
    Box::new(ResourceAdapter {
        r,
        schema: OnceLock::new(),
        ty: OnceLock::new(),
        identity: OnceLock::new(),
        timeouts,
    })
}

/// Register a data source (schema built when first needed).
pub fn data_source<D: DataSource>(d: D) -> Box<dyn DynDataSource<D::Client>> {
    Box::new(DataSourceAdapter {
        d,
        schema: OnceLock::new(),
        ty: OnceLock::new(),
    })
}

struct ResourceAdapter<R> {
    r: R,
    schema: OnceLock<Schema>,
    ty: OnceLock<Type>,
    identity: OnceLock<Option<IdentitySchema>>,
    timeouts: TimeoutDefaults,
}

struct DataSourceAdapter<D> {
    d: D,
    schema: OnceLock<Schema>,
    ty: OnceLock<Type>,
}

fn decode_private(b: &[u8]) -> PrivateState {
    serde_json::from_slice(b).unwrap_or_default()
}

fn encode_private(p: &PrivateState) -> Vec<u8> {
    if p.is_empty() {
        Vec::new()
    } else {
        serde_json::to_vec(p).unwrap_or_default()
    }
}

/// Values known in the plan win; unknown ones take what the operation produced.
fn reconcile(planned: &Value, result: &Value) -> Value {
    if planned.is_wholly_known() {
        return planned.clone();
    }
    match (planned, result) {
        (Value::Object(p), Value::Object(r)) => Value::Object(
            p.iter()
                .map(|(k, pv)| (k.clone(), reconcile(pv, r.get(k).unwrap_or(&Value::Null))))
                .collect(),
        ),
        (Value::List(p), Value::List(r)) if p.len() == r.len() => {
            Value::List(p.iter().zip(r).map(|(a, b)| reconcile(a, b)).collect())
        }
        _ => result.clone(),
    }
}

/// What a refresh read, spelled as the prior state where the two are semantically equal
/// (`{}` stays `{}` when the API says nothing; set order and number spelling are kept), so
/// a refresh never shows a change that is none.
fn keep_prior_spelling(prior: &Value, read: &Value) -> Value {
    // A null prior takes what was read (e.g. `[]` of a computed list), so an imported and
    // a created object are spelled alike.
    if !prior.is_null() && prior.semantic_eq(read) {
        return prior.clone();
    }
    match (prior, read) {
        (Value::Object(p), Value::Object(r)) => Value::Object(
            r.iter()
                .map(|(k, rv)| {
                    let kept = match p.get(k) {
                        Some(pv) => keep_prior_spelling(pv, rv),
                        None => rv.clone(),
                    };
                    (k.clone(), kept)
                })
                .collect(),
        ),
        (Value::List(p), Value::List(r)) if p.len() == r.len() => Value::List(
            p.iter()
                .zip(r)
                .map(|(a, b)| keep_prior_spelling(a, b))
                .collect(),
        ),
        _ => read.clone(),
    }
}

/// A planned value semantically equal to a non-null configuration value is planned as the
/// configuration spells it (Terraform requires planned == config there; Terraform 1.0 may
/// hand `{}` for an unset map, even a computed one, where the provider planned null).
fn keep_config_spelling(config: &Value, planned: &mut Value) {
    if !config.is_null() && config.is_wholly_known() && config.semantic_eq(planned) {
        *planned = config.clone();
        return;
    }
    match (config, planned) {
        (Value::Object(c), Value::Object(p)) => {
            for (k, pv) in p.iter_mut() {
                if let Some(cv) = c.get(k) {
                    keep_config_spelling(cv, pv);
                }
            }
        }
        (Value::List(c), Value::List(p)) if c.len() == p.len() => {
            for (cv, pv) in c.iter().zip(p.iter_mut()) {
                keep_config_spelling(cv, pv);
            }
        }
        _ => {}
    }
}

/// Non-null configuration values win over what a data source read.
fn overlay_config(config: &Value, result: &Value) -> Value {
    match (config, result) {
        (Value::Null, r) => r.clone(),
        (Value::Object(c), Value::Object(r)) => Value::Object(
            r.iter()
                .map(|(k, rv)| {
                    (
                        k.clone(),
                        overlay_config(c.get(k).unwrap_or(&Value::Null), rv),
                    )
                })
                .collect(),
        ),
        (c, _) => c.clone(),
    }
}

/// Unknowns left after apply violate the contract: turn them into nulls and report.
fn no_unknowns(v: Value, diags: &mut Diagnostics, what: &str) -> Value {
    if v.is_wholly_known() {
        v
    } else {
        diags.push(Diagnostic::error(
            "Provider left a value unknown",
            format!("{what} returned unknown values; they were recorded as null. This is a bug in the provider."),
        ));
        v.unknowns_to_null()
    }
}

/// Set defaults, and mark computed attributes unknown where the provider will set them.
fn plan_block(
    block: &Block,
    config: &Value,
    prior: &Value,
    planned: &mut Value,
    creating: bool,
    updating: bool,
) {
    let Some(pm) = planned.as_object_mut() else {
        return;
    };
    for a in &block.attributes {
        let cfg = config.attr(&a.name);
        if !cfg.is_null() {
            continue;
        }
        let slot = pm.entry(a.name.clone()).or_insert(Value::Null);
        if let Some(d) = &a.default {
            if let Ok(v) = Value::from_model_json(d, &a.ty) {
                *slot = v;
                continue;
            }
        }
        if a.computed {
            // Unknown when the provider will (re)compute it; values that never change once
            // known (use_state_for_unknown) keep their prior value through updates.
            let prior_v = prior.attr(&a.name);
            // An optional one left out of the configuration keeps even a null prior: the
            // provider does not set it on its own (e.g. an approval left to reviewers).
            let keeps_prior = a.use_state_for_unknown && (!prior_v.is_null() || a.optional);
            if creating || (updating && !keeps_prior) {
                *slot = Value::UNKNOWN;
            }
        }
    }
    for b in &block.blocks {
        if b.name == Timeouts::BLOCK {
            continue;
        }
        let cfg = config.attr(&b.name);
        let prior_b = prior.attr(&b.name).clone();
        let Some(slot) = pm.get_mut(&b.name) else {
            continue;
        };
        match (b.nesting, slot) {
            (Nesting::Single, s @ Value::Object(_)) => plan_block(
                &b.block,
                cfg,
                &prior_b,
                s,
                creating || prior_b.is_null(),
                updating,
            ),
            (Nesting::List, Value::List(items)) => {
                let cfg_items = match cfg {
                    Value::List(c) => c.clone(),
                    _ => vec![],
                };
                let prior_items = match &prior_b {
                    Value::List(p) => p.clone(),
                    _ => vec![],
                };
                for (i, it) in items.iter_mut().enumerate() {
                    let c = cfg_items.get(i).cloned().unwrap_or(Value::Null);
                    let p = prior_items.get(i).cloned().unwrap_or(Value::Null);
                    let new_item = p.is_null();
                    plan_block(&b.block, &c, &p, it, creating || new_item, updating);
                }
            }
            _ => {}
        }
    }
}

/// Attribute paths (top level and single nested blocks) whose value differs.
fn changed_paths(
    block: &Block,
    prior: &Value,
    planned: &Value,
    prefix: &AttrPath,
    out: &mut Vec<(AttrPath, bool)>,
) {
    for a in &block.attributes {
        let p = prior.attr(&a.name);
        let n = planned.attr(&a.name);
        if !p.semantic_eq(n) || (n.is_unknown() && !p.is_unknown()) {
            out.push((
                prefix.child(PathStep::Attr(a.name.clone())),
                a.requires_replace,
            ));
        }
    }
    for b in &block.blocks {
        if b.name == Timeouts::BLOCK {
            continue;
        }
        let p = prior.attr(&b.name);
        let n = planned.attr(&b.name);
        let path = prefix.child(PathStep::Attr(b.name.clone()));
        if b.nesting == Nesting::Single && !p.is_null() && !n.is_null() && !b.requires_replace {
            changed_paths(&b.block, p, n, &path, out);
        } else if !p.semantic_eq(n) {
            out.push((path, b.requires_replace));
        }
    }
}

fn without_timeouts(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(m) = v.as_object_mut() {
        m.remove(Timeouts::BLOCK);
    }
    v
}

impl<R: Resource> ResourceAdapter<R> {
    fn ctx(
        &self,
        client: Arc<R::Client>,
        cancel: CancellationToken,
        op: Op,
        tblock: &Value,
        private: &[u8],
    ) -> Ctx<R::Client> {
        Ctx {
            client,
            cancel,
            timeout: self.timeouts.resolve(op, tblock),
            private: decode_private(private),
        }
    }

    fn encode(&self, s: &R::State, timeouts: &Value) -> Result<Value, Diagnostics> {
        let mut v = from_model(s, self.implied_type())?;
        if let Some(m) = v.as_object_mut() {
            if self.schema().block.nested(Timeouts::BLOCK).is_some() {
                m.insert(Timeouts::BLOCK.into(), timeouts.clone());
            }
        }
        Ok(v)
    }
}

#[async_trait]
impl<R: Resource> DynResource<R::Client> for ResourceAdapter<R> {
    fn type_name(&self) -> &'static str {
        R::TYPE_NAME
    }

    fn schema(&self) -> &Schema {
        self.schema.get_or_init(|| resource_schema(&self.r))
    }

    fn implied_type(&self) -> &Type {
        self.ty.get_or_init(|| self.schema().block.implied_type())
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        let mut diags = Diagnostics::new();
        self.schema()
            .block
            .validate(config, &mut AttrPath::root(), &mut diags);
        Timeouts::validate(config, &mut diags);
        self.r.validate(config, &mut diags);
        diags
    }

    fn upgrade(&self, version: i64, raw_json: &[u8]) -> Result<Value, Diagnostics> {
        let j: serde_json::Value = serde_json::from_slice(raw_json).map_err(|e| {
            Diagnostics::from(Diagnostic::error(
                "Stored state is not valid JSON",
                e.to_string(),
            ))
        })?;
        let j = if version < R::SCHEMA_VERSION {
            self.r.upgrade(version, j)?
        } else if version > R::SCHEMA_VERSION {
            return Err(Diagnostic::error(
                "State written by a newer provider",
                format!(
                    "The state of this {} was written with schema version {version}, but this provider knows version {}. Upgrade the provider.",
                    R::TYPE_NAME,
                    R::SCHEMA_VERSION
                ),
            )
            .into());
        } else {
            j
        };
        // Drop attributes the schema no longer has, so old states keep decoding.
        Value::from_tf_json(&j, self.implied_type()).map_err(|e| {
            Diagnostic::error("Stored state does not fit the schema", e.to_string()).into()
        })
    }

    fn plan(
        &self,
        client: Option<&R::Client>,
        prior: Value,
        proposed: Value,
        config: Value,
        private: &[u8],
    ) -> PlanOut {
        let mut diags = Diagnostics::new();
        let mut priv_state = decode_private(private);
        if proposed.is_null() {
            return PlanOut {
                planned: Value::Null,
                requires_replace: vec![],
                private: private.to_vec(),
                diags,
            };
        }
        let creating = prior.is_null();
        let mut planned = proposed;
        // never planned, so never a difference from the prior state
        write_only::strip(&self.schema().block, &mut planned);
        plan_block(
            &self.schema().block,
            &config,
            &prior,
            &mut planned,
            creating,
            false,
        );
        let mut requires_replace = Vec::new();
        if !creating {
            let mut changed = Vec::new();
            changed_paths(
                &self.schema().block,
                &prior,
                &planned,
                &AttrPath::root(),
                &mut changed,
            );
            if !changed.is_empty() {
                // The object will be updated: computed values may change.
                plan_block(
                    &self.schema().block,
                    &config,
                    &prior,
                    &mut planned,
                    false,
                    true,
                );
            }
            requires_replace.extend(changed.into_iter().filter(|(_, rr)| *rr).map(|(p, _)| p));
        }
        self.r.modify_plan(PlanCtx {
            client,
            prior: &prior,
            config: &config,
            planned: &mut planned,
            requires_replace: &mut requires_replace,
            private: &mut priv_state,
            diags: &mut diags,
        });
        keep_config_spelling(&config, &mut planned);
        write_only::strip(&self.schema().block, &mut planned);
        requires_replace.sort();
        requires_replace.dedup();
        PlanOut {
            planned,
            requires_replace,
            private: encode_private(&priv_state),
            diags,
        }
    }

    async fn apply(
        &self,
        client: Arc<R::Client>,
        cancel: CancellationToken,
        prior: Value,
        planned: Value,
        config: &Value,
        private: &[u8],
    ) -> StateOut {
        let mut out = self
            .apply_inner(client, cancel, prior, planned, config, private)
            .await;
        write_only::strip(&self.schema().block, &mut out.state);
        out
    }

    async fn read(
        &self,
        client: Arc<R::Client>,
        cancel: CancellationToken,
        current: Value,
        private: &[u8],
    ) -> StateOut {
        let mut out = self.read_inner(client, cancel, current, private).await;
        write_only::strip(&self.schema().block, &mut out.state);
        out
    }

    async fn import(
        &self,
        client: Arc<R::Client>,
        cancel: CancellationToken,
        id: &str,
    ) -> StateOut {
        let mut out = self.import_inner(client, cancel, id).await;
        write_only::strip(&self.schema().block, &mut out.state);
        out
    }

    fn identity_schema(&self) -> Option<&IdentitySchema> {
        self.identity
            .get_or_init(|| self.r.identity_schema())
            .as_ref()
    }

    fn identity_of(&self, state: &Value) -> Option<Value> {
        let schema = self.identity_schema()?;
        if state.is_null() || !state.is_wholly_known() {
            return None;
        }
        let m: R::State = to_model(state).ok()?;
        schema.value_of(&self.r.identity(&m)?)
    }

    fn import_id_of(&self, identity: &Value) -> Result<String, Diagnostics> {
        let Some(schema) = self.identity_schema() else {
            return self.r.import_id(&serde_json::Value::Null);
        };
        self.r.import_id(&schema.import_json(identity)?)
    }

    fn moved_from(&self, source: &crate::moved::MovedFrom<'_>) -> StateOut {
        let failed = |diags: Diagnostics| StateOut {
            state: Value::Null,
            private: Vec::new(),
            diags,
        };
        let (state, private) = match self.r.moved_from(source) {
            None => {
                return failed(crate::moved::unsupported(
                    R::TYPE_NAME,
                    source,
                    self.r.moves_from(),
                ))
            }
            Some(Err(d)) => return failed(d),
            Some(Ok(sp)) => sp,
        };
        match from_model(&state, self.implied_type()) {
            Ok(mut v) => {
                write_only::strip(&self.schema().block, &mut v);
                StateOut {
                    state: v,
                    private: encode_private(&private),
                    diags: Diagnostics::new(),
                }
            }
            Err(d) => failed(d),
        }
    }
}

impl<R: Resource> ResourceAdapter<R> {
    async fn apply_inner(
        &self,
        client: Arc<R::Client>,
        cancel: CancellationToken,
        prior: Value,
        planned: Value,
        config: &Value,
        private: &[u8],
    ) -> StateOut {
        let mut diags = Diagnostics::new();
        // Delete.
        if planned.is_null() {
            let mut ctx = self.ctx(
                client,
                cancel,
                Op::Delete,
                prior.attr(Timeouts::BLOCK),
                private,
            );
            let result = match to_model::<R::State>(&prior) {
                Ok(s) => self.r.delete(&mut ctx, s).await,
                Err(d) => Err(d),
            };
            return match result {
                Ok(()) => StateOut {
                    state: Value::Null,
                    private: vec![],
                    diags,
                },
                Err(d) => StateOut {
                    state: prior,
                    private: private.to_vec(),
                    diags: d,
                },
            };
        }
        let tblock = planned.attr(Timeouts::BLOCK).clone();
        let creating = prior.is_null();
        let op = if creating { Op::Create } else { Op::Update };
        let mut ctx = self.ctx(client, cancel, op, &tblock, private);
        // the model carries the configuration's write-only values; the state never does
        let mut with_secrets = planned.clone();
        write_only::merge(&self.schema().block, config, &mut with_secrets);
        let planned_model = match to_model::<R::State>(&with_secrets) {
            Ok(m) => m,
            Err(d) => {
                return StateOut {
                    state: prior,
                    private: private.to_vec(),
                    diags: d,
                }
            }
        };
        let result = if creating {
            self.r.create(&mut ctx, planned_model).await
        } else if without_timeouts(&prior).semantic_eq(&without_timeouts(&planned)) {
            // Only the timeouts changed: nothing to do remotely.
            return StateOut {
                state: planned,
                private: private.to_vec(),
                diags,
            };
        } else {
            match to_model::<R::State>(&prior) {
                Ok(p) => self.r.update(&mut ctx, p, planned_model).await,
                Err(d) => Err(Failure::new(d)),
            }
        };
        let private_out = encode_private(&ctx.private);
        match result {
            Ok(s) => match self.encode(&s, &tblock) {
                Ok(v) => {
                    let v = reconcile(&planned, &v);
                    StateOut {
                        state: no_unknowns(v, &mut diags, R::TYPE_NAME),
                        private: private_out,
                        diags,
                    }
                }
                Err(d) => StateOut {
                    state: prior,
                    private: private.to_vec(),
                    diags: d,
                },
            },
            Err(Failure {
                partial,
                diags: mut d,
            }) => {
                // What exists is recorded as it is (not reconciled with the plan: after a
                // failure Terraform takes any state, and e.g. a rolled-back update must keep
                // recording what really serves).
                let state = match partial.map(|p| self.encode(&p, &tblock)) {
                    Some(Ok(v)) => v.unknowns_to_null(),
                    Some(Err(e)) => {
                        d.extend(e);
                        prior
                    }
                    None => prior,
                };
                StateOut {
                    state,
                    private: private_out,
                    diags: d,
                }
            }
        }
    }

    async fn read_inner(
        &self,
        client: Arc<R::Client>,
        cancel: CancellationToken,
        current: Value,
        private: &[u8],
    ) -> StateOut {
        if current.is_null() {
            return StateOut {
                state: Value::Null,
                private: private.to_vec(),
                diags: Diagnostics::new(),
            };
        }
        let tblock = current.attr(Timeouts::BLOCK).clone();
        let mut ctx = self.ctx(client, cancel, Op::Read, &tblock, private);
        let model = match to_model::<R::State>(&current) {
            Ok(m) => m,
            Err(d) => {
                return StateOut {
                    state: current,
                    private: private.to_vec(),
                    diags: d,
                }
            }
        };
        match self.r.read(&mut ctx, model).await {
            Ok(Some(s)) => {
                let private_out = encode_private(&ctx.private);
                match self.encode(&s, &tblock) {
                    Ok(v) => StateOut {
                        state: keep_prior_spelling(&current, &v.unknowns_to_null()),
                        private: private_out,
                        diags: Diagnostics::new(),
                    },
                    Err(d) => StateOut {
                        state: current,
                        private: private.to_vec(),
                        diags: d,
                    },
                }
            }
            Ok(None) => StateOut {
                state: Value::Null,
                private: vec![],
                diags: Diagnostics::new(),
            },
            Err(d) => StateOut {
                state: current,
                private: private.to_vec(),
                diags: d,
            },
        }
    }

    async fn import_inner(
        &self,
        client: Arc<R::Client>,
        cancel: CancellationToken,
        id: &str,
    ) -> StateOut {
        let mut ctx = self.ctx(client, cancel, Op::Read, &Value::Null, &[]);
        match self.r.import(&mut ctx, id).await {
            Ok(s) => match self.encode(&s, &Value::Null) {
                Ok(v) => StateOut {
                    state: v.unknowns_to_null(),
                    private: encode_private(&ctx.private),
                    diags: Diagnostics::new(),
                },
                Err(d) => StateOut {
                    state: Value::Null,
                    private: vec![],
                    diags: d,
                },
            },
            Err(d) => StateOut {
                state: Value::Null,
                private: vec![],
                diags: d,
            },
        }
    }
}

#[async_trait]
impl<D: DataSource> DynDataSource<D::Client> for DataSourceAdapter<D> {
    fn type_name(&self) -> &'static str {
        D::TYPE_NAME
    }

    fn schema(&self) -> &Schema {
        self.schema.get_or_init(|| match block_for::<D::Model>() {
            Ok(block) => Schema { version: 0, block },
            Err(e) => panic!("{}: {e}", D::TYPE_NAME),
        })
    }

    fn implied_type(&self) -> &Type {
        self.ty.get_or_init(|| self.schema().block.implied_type())
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        let mut diags = Diagnostics::new();
        self.schema()
            .block
            .validate(config, &mut AttrPath::root(), &mut diags);
        self.d.validate(config, &mut diags);
        diags
    }

    async fn read(
        &self,
        client: Arc<D::Client>,
        cancel: CancellationToken,
        config: Value,
    ) -> StateOut {
        let mut ctx = Ctx {
            client,
            cancel,
            timeout: TimeoutDefaults::FALLBACK,
            private: PrivateState::new(),
        };
        let model = match to_model::<D::Model>(&config) {
            Ok(m) => m,
            Err(d) => {
                return StateOut {
                    state: Value::Null,
                    private: vec![],
                    diags: d,
                }
            }
        };
        match self.d.read(&mut ctx, model).await {
            Ok(m) => match from_model(&m, self.implied_type()) {
                Ok(v) => {
                    // configured values stay exactly as written
                    let v = overlay_config(&config, &v);
                    let mut diags = Diagnostics::new();
                    StateOut {
                        state: no_unknowns(v, &mut diags, D::TYPE_NAME),
                        private: vec![],
                        diags,
                    }
                }
                Err(d) => StateOut {
                    state: Value::Null,
                    private: vec![],
                    diags: d,
                },
            },
            Err(d) => StateOut {
                state: Value::Null,
                private: vec![],
                diags: d,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::Object(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn refresh_keeps_the_prior_spelling_of_equal_values() {
        let empty = Value::Map(Default::default());
        let prior = obj(&[
            ("env", empty.clone()),
            ("tags", Value::Null),
            ("name", Value::string("a")),
            (
                "set",
                Value::Set(vec![Value::string("x"), Value::string("y")]),
            ),
        ]);
        let read = obj(&[
            ("env", Value::Null),
            ("tags", empty.clone()),
            ("name", Value::string("b")),
            (
                "set",
                Value::Set(vec![Value::string("y"), Value::string("x")]),
            ),
        ]);
        let kept = keep_prior_spelling(&prior, &read);
        assert_eq!(kept.attr("env"), &empty);
        assert_eq!(
            kept.attr("tags"),
            &empty,
            "a null prior takes what was read"
        );
        assert_eq!(
            kept.attr("name"),
            &Value::string("b"),
            "real changes come through"
        );
        assert_eq!(kept.attr("set"), prior.attr("set"));
    }

    #[test]
    fn plans_keep_the_configuration_spelling() {
        let empty = Value::Map(Default::default());
        let config = obj(&[
            ("tags_all", empty.clone()),
            ("env", Value::Null),
            ("n", Value::UNKNOWN),
        ]);
        let mut planned = obj(&[
            ("tags_all", Value::Null),
            ("env", empty.clone()),
            ("n", Value::string("x")),
        ]);
        keep_config_spelling(&config, &mut planned);
        assert_eq!(planned.attr("tags_all"), &empty);
        assert_eq!(
            planned.attr("env"),
            &empty,
            "a null configuration leaves the plan alone"
        );
        assert_eq!(planned.attr("n"), &Value::string("x"));
    }
}
