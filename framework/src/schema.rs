//! Terraform schemas, derived from Rust types with `schemars`.
//!
//! A resource's model is a plain struct deriving `serde` and `schemars::JsonSchema`. The doc
//! comment of each field becomes its (markdown) description, and Terraform behaviour is
//! declared next to the field with `#[schemars(extend("x-tf" = [...]))]` flags:
//!
//! | flag | meaning |
//! |---|---|
//! | `computed` | set by the provider only |
//! | `optional_computed` | set by the user, or by the provider when the user leaves it out |
//! | `sensitive` | hidden in plan output and logs |
//! | `write_only` | sent by Terraform 1.11+ at plan and apply, never stored in plan or state (see [`crate::write_only`]) |
//! | `requires_replace` | a change destroys and re-creates the object |
//! | `use_state_for_unknown` | a computed value that does not change once known (ids, ARNs) |
//! | `block` | a nested block (`name { ... }`) instead of an attribute |
//!
//! `#[schemars(extend("x-tf-default" = value))]` gives an optional attribute a default.
//! Required-ness comes from the type: `Option<T>` and `#[serde(default)]` fields are optional.
//! Validation rules come from standard JSON-schema keywords that schemars emits from
//! `#[schemars(regex(pattern = ...), length(min = .., max = ..), range(min = .., max = ..))]`
//! and from enums; the framework enforces them at validate time, skipping unknown values.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, OnceLock};

use regex::Regex;
use serde_json::Value as Json;
use tfplugin_proto::tfplugin6 as pb;

use crate::diag::Diagnostics;
use crate::path::{AttrPath, PathStep};
use crate::types::Type;
use crate::value::Value;

/// How a nested block nests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nesting {
    Single,
    List,
    Set,
    Map,
}

/// A regular expression compiled on first use: a provider process serves one or two RPCs, so
/// compiling every schema pattern at start-up would cost more than the work itself.
#[derive(Clone, Debug)]
pub struct Pattern {
    src: String,
    compiled: Arc<OnceLock<Result<Regex, String>>>,
}

impl Pattern {
    pub fn new(src: &str) -> Self {
        Pattern {
            src: src.to_string(),
            compiled: Arc::new(OnceLock::new()),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.src
    }

    /// The compiled expression (an invalid one is reported by [`Block::check_patterns`]).
    pub fn regex(&self) -> Result<&Regex, &str> {
        self.compiled
            .get_or_init(|| Regex::new(&self.src).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| e.as_str())
    }

    /// True when the value matches (an invalid pattern matches nothing).
    pub fn is_match(&self, s: &str) -> bool {
        self.regex().is_ok_and(|re| re.is_match(s))
    }
}

/// A validation rule for one attribute (or collection element).
#[derive(Clone, Debug)]
pub enum Rule {
    Pattern(Pattern),
    MinLength(u64),
    MaxLength(u64),
    OneOf(Vec<String>),
    Minimum(f64),
    Maximum(f64),
    MinItems(u64),
    MaxItems(u64),
    /// Rules applying to each element of a list/set or each value of a map.
    Elements(Vec<Rule>),
}

/// One attribute of a block.
#[derive(Clone, Debug)]
pub struct Attribute {
    pub name: String,
    pub ty: Type,
    pub description: String,
    pub required: bool,
    pub optional: bool,
    pub computed: bool,
    pub sensitive: bool,
    /// Never stored: Terraform sends it in the configuration only ([`crate::write_only`]).
    pub write_only: bool,
    pub requires_replace: bool,
    pub use_state_for_unknown: bool,
    pub default: Option<Json>,
    pub rules: Vec<Rule>,
    pub deprecated: Option<String>,
}

impl Attribute {
    pub fn new(name: &str, ty: Type) -> Self {
        Attribute {
            name: name.to_string(),
            ty,
            description: String::new(),
            required: false,
            optional: true,
            computed: false,
            sensitive: false,
            write_only: false,
            requires_replace: false,
            use_state_for_unknown: false,
            default: None,
            rules: Vec::new(),
            deprecated: None,
        }
    }

    pub fn describe(mut self, d: &str) -> Self {
        self.description = d.to_string();
        self
    }
}

/// A nested block.
#[derive(Clone, Debug)]
pub struct NestedBlock {
    pub name: String,
    pub nesting: Nesting,
    pub block: Block,
    pub min_items: u64,
    pub max_items: u64,
    pub requires_replace: bool,
    /// An optional block whose absence the provider may fill (computed nested content).
    pub description: String,
}

/// A block: attributes plus nested blocks.
#[derive(Clone, Debug, Default)]
pub struct Block {
    pub attributes: Vec<Attribute>,
    pub blocks: Vec<NestedBlock>,
    pub description: String,
    pub deprecated: bool,
}

/// A versioned schema of a provider, resource or data source.
#[derive(Clone, Debug, Default)]
pub struct Schema {
    pub version: i64,
    pub block: Block,
}

/// A Rust type cannot be turned into a Terraform schema (a programming error, caught by tests).
#[derive(Debug, thiserror::Error)]
#[error("schema for {at}: {message}")]
pub struct SchemaError {
    pub at: String,
    pub message: String,
}

fn serr(at: &str, m: impl Into<String>) -> SchemaError {
    SchemaError {
        at: at.to_string(),
        message: m.into(),
    }
}

impl Block {
    /// The object type of values of this block.
    pub fn implied_type(&self) -> Type {
        let mut attrs = BTreeMap::new();
        for a in &self.attributes {
            attrs.insert(a.name.clone(), a.ty.clone());
        }
        for b in &self.blocks {
            let t = b.block.implied_type();
            attrs.insert(
                b.name.clone(),
                match b.nesting {
                    Nesting::Single => t,
                    Nesting::List => Type::list(t),
                    Nesting::Set => Type::set(t),
                    Nesting::Map => Type::map(t),
                },
            );
        }
        Type::Object {
            attrs,
            optional: BTreeSet::new(),
        }
    }

    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    pub fn nested(&self, name: &str) -> Option<&NestedBlock> {
        self.blocks.iter().find(|b| b.name == name)
    }

    pub fn to_proto(&self) -> pb::schema::Block {
        pb::schema::Block {
            version: 0,
            attributes: self
                .attributes
                .iter()
                .map(|a| pb::schema::Attribute {
                    name: a.name.clone(),
                    r#type: a.ty.to_json_bytes(),
                    nested_type: None,
                    description: a.description.clone(),
                    required: a.required,
                    optional: a.optional,
                    computed: a.computed,
                    sensitive: a.sensitive,
                    description_kind: pb::StringKind::Markdown as i32,
                    deprecated: a.deprecated.is_some(),
                    write_only: a.write_only,
                    deprecation_message: a.deprecated.clone().unwrap_or_default(),
                })
                .collect(),
            block_types: self
                .blocks
                .iter()
                .map(|b| pb::schema::NestedBlock {
                    type_name: b.name.clone(),
                    block: Some(b.block.to_proto()),
                    nesting: match b.nesting {
                        Nesting::Single => pb::schema::nested_block::NestingMode::Single,
                        Nesting::List => pb::schema::nested_block::NestingMode::List,
                        Nesting::Set => pb::schema::nested_block::NestingMode::Set,
                        Nesting::Map => pb::schema::nested_block::NestingMode::Map,
                    } as i32,
                    // Terraform wants both 0 (optional) or both 1 (required) for SINGLE.
                    min_items: b.min_items as i64,
                    max_items: if b.nesting == Nesting::Single {
                        b.min_items as i64
                    } else {
                        b.max_items as i64
                    },
                })
                .collect(),
            description: self.description.clone(),
            description_kind: pb::StringKind::Markdown as i32,
            deprecated: self.deprecated,
            deprecation_message: String::new(),
        }
    }

    /// Check the schema's validation rules on a configuration value. Unknown values are never
    /// errors; null values are left to Terraform's required/optional checks.
    pub fn validate(&self, v: &Value, path: &mut AttrPath, diags: &mut Diagnostics) {
        let Some(obj) = v.as_object() else { return };
        for a in &self.attributes {
            path.push(PathStep::Attr(a.name.clone()));
            if let Some(val) = obj.get(&a.name) {
                check_rules(&a.rules, val, path, diags, a.sensitive);
            }
            path.pop();
        }
        for b in &self.blocks {
            path.push(PathStep::Attr(b.name.clone()));
            match obj.get(&b.name) {
                Some(Value::Object(_)) => b.block.validate(&obj[&b.name], path, diags),
                Some(Value::List(items)) | Some(Value::Set(items)) => {
                    for (i, it) in items.iter().enumerate() {
                        path.push(PathStep::Index(i as i64));
                        b.block.validate(it, path, diags);
                        path.pop();
                    }
                }
                Some(Value::Map(m)) => {
                    for (k, it) in m {
                        path.push(PathStep::Key(k.clone()));
                        b.block.validate(it, path, diags);
                        path.pop();
                    }
                }
                _ => {}
            }
            path.pop();
        }
    }

    /// Compile every pattern of the schema now; a test calls this so that an invalid
    /// pattern fails the build rather than a user's plan.
    pub fn check_patterns(&self) -> Result<(), SchemaError> {
        fn rules(rs: &[Rule], at: &str) -> Result<(), SchemaError> {
            for r in rs {
                match r {
                    Rule::Pattern(p) => {
                        p.regex().map_err(|e| serr(at, e.to_string()))?;
                    }
                    Rule::Elements(inner) => rules(inner, at)?,
                    _ => {}
                }
            }
            Ok(())
        }
        for a in &self.attributes {
            rules(&a.rules, &a.name)?;
        }
        for b in &self.blocks {
            b.block.check_patterns()?;
        }
        Ok(())
    }

    /// Visit every attribute with its path (blocks of SINGLE nesting only are descended).
    pub fn walk_attributes<'a>(
        &'a self,
        prefix: &AttrPath,
        f: &mut dyn FnMut(&AttrPath, &'a Attribute),
    ) {
        for a in &self.attributes {
            f(&prefix.child(PathStep::Attr(a.name.clone())), a);
        }
        for b in &self.blocks {
            if b.nesting == Nesting::Single {
                b.block
                    .walk_attributes(&prefix.child(PathStep::Attr(b.name.clone())), f);
            }
        }
    }
}

static PATTERN_HELP: OnceLock<&'static [(&'static str, &'static str)]> = OnceLock::new();

/// Plain-words explanations of the provider's patterns (`(pattern, what is allowed with an
/// example)`), used in validation messages instead of the raw regular expression. Set once
/// by the server from [`Provider::PATTERN_HELP`](crate::Provider::PATTERN_HELP).
pub fn set_pattern_help(table: &'static [(&'static str, &'static str)]) {
    let _ = PATTERN_HELP.set(table);
}

fn pattern_help(pattern: &str) -> Option<&'static str> {
    PATTERN_HELP
        .get()?
        .iter()
        .find(|(p, _)| *p == pattern)
        .map(|(_, help)| *help)
}

fn check_rules(
    rules: &[Rule],
    v: &Value,
    path: &AttrPath,
    diags: &mut Diagnostics,
    sensitive: bool,
) {
    if v.is_unknown() || v.is_null() {
        return;
    }
    let shown = |s: &str| {
        if sensitive {
            "(sensitive value)".to_string()
        } else {
            format!("{s:?}")
        }
    };
    for r in rules {
        match (r, v) {
            (Rule::Pattern(re), Value::String(s)) if !re.is_match(s) => diags.error_at(
                path.clone(),
                "Invalid attribute value",
                match pattern_help(re.as_str()) {
                    Some(help) => format!("{} is not valid for {path}: {help}.", shown(s)),
                    None => format!(
                        "{} is not valid for {path}: it must match the regular expression {}.",
                        shown(s),
                        re.as_str()
                    ),
                },
            ),
            (Rule::MinLength(n), Value::String(s)) if (s.chars().count() as u64) < *n => diags
                .error_at(
                    path.clone(),
                    "Invalid attribute value",
                    format!(
                        "{path} must be at least {n} characters long, got {}.",
                        s.chars().count()
                    ),
                ),
            (Rule::MaxLength(n), Value::String(s)) if (s.chars().count() as u64) > *n => diags
                .error_at(
                    path.clone(),
                    "Invalid attribute value",
                    format!(
                        "{path} must be at most {n} characters long, got {}.",
                        s.chars().count()
                    ),
                ),
            (Rule::OneOf(opts), Value::String(s)) if !opts.iter().any(|o| o == s) => diags
                .error_at(
                    path.clone(),
                    "Invalid attribute value",
                    format!(
                        "{} is not a valid value for {path}.{} Expected one of: {}.",
                        shown(s),
                        if sensitive {
                            String::new()
                        } else {
                            crate::suggest::did_you_mean_sentence(
                                s,
                                opts.iter().map(String::as_str),
                            )
                        },
                        opts.join(", ")
                    ),
                ),
            (Rule::Minimum(m), Value::Number(n)) if n.to_f64_lossy() < *m => diags.error_at(
                path.clone(),
                "Invalid attribute value",
                format!("{path} must be at least {m}, got {n}."),
            ),
            (Rule::Maximum(m), Value::Number(n)) if n.to_f64_lossy() > *m => diags.error_at(
                path.clone(),
                "Invalid attribute value",
                format!("{path} must be at most {m}, got {n}."),
            ),
            (Rule::MinItems(n), Value::List(x) | Value::Set(x)) if (x.len() as u64) < *n => diags
                .error_at(
                    path.clone(),
                    "Invalid attribute value",
                    format!("{path} needs at least {n} elements, got {}.", x.len()),
                ),
            (Rule::MaxItems(n), Value::List(x) | Value::Set(x)) if (x.len() as u64) > *n => diags
                .error_at(
                    path.clone(),
                    "Invalid attribute value",
                    format!("{path} allows at most {n} elements, got {}.", x.len()),
                ),
            (Rule::MinItems(n), Value::Map(x)) if (x.len() as u64) < *n => diags.error_at(
                path.clone(),
                "Invalid attribute value",
                format!("{path} needs at least {n} entries, got {}.", x.len()),
            ),
            (Rule::MaxItems(n), Value::Map(x)) if (x.len() as u64) > *n => diags.error_at(
                path.clone(),
                "Invalid attribute value",
                format!("{path} allows at most {n} entries, got {}.", x.len()),
            ),
            (Rule::Elements(inner), Value::List(x) | Value::Set(x) | Value::Tuple(x)) => {
                for (i, e) in x.iter().enumerate() {
                    check_rules(
                        inner,
                        e,
                        &path.child(PathStep::Index(i as i64)),
                        diags,
                        sensitive,
                    );
                }
            }
            (Rule::Elements(inner), Value::Map(m)) => {
                for (k, e) in m {
                    check_rules(
                        inner,
                        e,
                        &path.child(PathStep::Key(k.clone())),
                        diags,
                        sensitive,
                    );
                }
            }
            _ => {}
        }
    }
}

// ------------------------------------------------------------------ from schemars

/// Build a block from a type's JSON schema (as produced by `schemars::schema_for!`).
pub fn block_from_json_schema(root: &Json) -> Result<Block, SchemaError> {
    let defs = root
        .get("$defs")
        .or_else(|| root.get("definitions"))
        .cloned()
        .unwrap_or(Json::Object(Default::default()));
    let conv = Conv { defs: &defs };
    conv.block(root, "(root)")
}

/// Build a block for a Rust type.
pub fn block_for<T: schemars::JsonSchema>() -> Result<Block, SchemaError> {
    let schema = schemars::SchemaGenerator::default().into_root_schema_for::<T>();
    block_from_json_schema(schema.as_value())
}

struct Conv<'a> {
    defs: &'a Json,
}

fn flags(p: &Json) -> BTreeSet<String> {
    p.get("x-tf")
        .and_then(Json::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

const KNOWN_FLAGS: &[&str] = &[
    "computed",
    "optional_computed",
    "sensitive",
    "write_only",
    "requires_replace",
    "use_state_for_unknown",
    "block",
];

impl<'a> Conv<'a> {
    /// Follow `$ref` and strip nullability (`["T","null"]`, `anyOf: [T, null]`).
    fn resolve<'b>(&'b self, p: &'b Json, at: &str) -> Result<(&'b Json, bool), SchemaError>
    where
        'a: 'b,
    {
        let mut cur = p;
        let mut nullable = false;
        for _ in 0..16 {
            if let Some(r) = cur.get("$ref").and_then(Json::as_str) {
                let name = r
                    .rsplit('/')
                    .next()
                    .ok_or_else(|| serr(at, format!("bad $ref {r}")))?;
                cur = self
                    .defs
                    .get(name)
                    .ok_or_else(|| serr(at, format!("missing definition {name}")))?;
                continue;
            }
            let variants = cur.get("anyOf").or_else(|| cur.get("oneOf"));
            if let Some(Json::Array(vs)) = variants {
                let non_null: Vec<&Json> = vs
                    .iter()
                    .filter(|v| v.get("type").and_then(Json::as_str) != Some("null"))
                    .collect();
                if non_null.len() != vs.len() {
                    nullable = true;
                }
                if non_null.len() == 1 {
                    cur = non_null[0];
                    continue;
                }
                // an enum of documented unit variants: oneOf [{const|enum, description}]
                if non_null
                    .iter()
                    .all(|v| v.get("const").is_some() || v.get("enum").is_some())
                {
                    return Ok((cur, nullable));
                }
                return Err(serr(at, "unions are not supported"));
            }
            break;
        }
        Ok((cur, nullable))
    }

    fn type_names(p: &Json) -> Vec<&str> {
        match p.get("type") {
            Some(Json::String(s)) => vec![s.as_str()],
            Some(Json::Array(a)) => a
                .iter()
                .filter_map(Json::as_str)
                .filter(|s| *s != "null")
                .collect(),
            _ => vec![],
        }
    }

    fn enum_values(p: &Json) -> Option<Vec<String>> {
        if let Some(Json::Array(e)) = p.get("enum") {
            return Some(
                e.iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect(),
            );
        }
        if let Some(Json::Array(vs)) = p.get("oneOf").or_else(|| p.get("anyOf")) {
            let mut out = vec![];
            for v in vs {
                if let Some(c) = v.get("const").and_then(Json::as_str) {
                    out.push(c.to_string());
                } else if let Some(Json::Array(e)) = v.get("enum") {
                    out.extend(e.iter().filter_map(|x| x.as_str().map(String::from)));
                }
            }
            if !out.is_empty() {
                return Some(out);
            }
        }
        None
    }

    /// Terraform type and validation rules of a (resolved) property schema.
    fn attr_type(&self, p: &Json, at: &str) -> Result<(Type, Vec<Rule>), SchemaError> {
        let (p, _) = self.resolve(p, at)?;
        if p == &Json::Bool(true) || p.as_object().is_some_and(|o| o.is_empty()) {
            return Ok((Type::Dynamic, vec![]));
        }
        let mut rules = Vec::new();
        if let Some(vals) = Conv::enum_values(p) {
            rules.push(Rule::OneOf(vals));
            return Ok((Type::String, rules));
        }
        let tn = Conv::type_names(p);
        let ty = match tn.first().copied() {
            Some("string") => {
                if let Some(pat) = p.get("pattern").and_then(Json::as_str) {
                    rules.push(Rule::Pattern(Pattern::new(pat)));
                }
                if let Some(n) = p.get("minLength").and_then(Json::as_u64) {
                    rules.push(Rule::MinLength(n));
                }
                if let Some(n) = p.get("maxLength").and_then(Json::as_u64) {
                    rules.push(Rule::MaxLength(n));
                }
                Type::String
            }
            Some("integer") | Some("number") => {
                if let Some(n) = p.get("minimum").and_then(Json::as_f64) {
                    rules.push(Rule::Minimum(n));
                }
                if let Some(n) = p.get("maximum").and_then(Json::as_f64) {
                    rules.push(Rule::Maximum(n));
                }
                Type::Number
            }
            Some("boolean") => Type::Bool,
            Some("array") => {
                let items = p.get("items").unwrap_or(&Json::Bool(true));
                let (et, er) = self.attr_type(items, at)?;
                if !er.is_empty() {
                    rules.push(Rule::Elements(er));
                }
                if let Some(n) = p.get("minItems").and_then(Json::as_u64) {
                    rules.push(Rule::MinItems(n));
                }
                if let Some(n) = p.get("maxItems").and_then(Json::as_u64) {
                    rules.push(Rule::MaxItems(n));
                }
                if p.get("uniqueItems") == Some(&Json::Bool(true)) {
                    Type::set(et)
                } else {
                    Type::list(et)
                }
            }
            Some("object") => {
                if let Some(props) = p.get("properties").and_then(Json::as_object) {
                    let mut attrs = BTreeMap::new();
                    let mut optional = BTreeSet::new();
                    let required: BTreeSet<&str> = p
                        .get("required")
                        .and_then(Json::as_array)
                        .map(|a| a.iter().filter_map(Json::as_str).collect())
                        .unwrap_or_default();
                    for (k, v) in props {
                        let (t, _) = self.attr_type(v, &format!("{at}.{k}"))?;
                        if !required.contains(k.as_str()) {
                            optional.insert(k.clone());
                        }
                        attrs.insert(k.clone(), t);
                    }
                    Type::Object { attrs, optional }
                } else {
                    let vals = p.get("additionalProperties").unwrap_or(&Json::Bool(true));
                    let (vt, vr) = self.attr_type(vals, at)?;
                    if !vr.is_empty() {
                        rules.push(Rule::Elements(vr));
                    }
                    if let Some(n) = p.get("maxProperties").and_then(Json::as_u64) {
                        rules.push(Rule::MaxItems(n));
                    }
                    Type::map(vt)
                }
            }
            _ => return Err(serr(at, format!("unsupported JSON schema {p}"))),
        };
        Ok((ty, rules))
    }

    fn block(&self, s: &Json, at: &str) -> Result<Block, SchemaError> {
        let (s, _) = self.resolve(s, at)?;
        let props = s
            .get("properties")
            .and_then(Json::as_object)
            .ok_or_else(|| serr(at, "a block must be a struct with named fields"))?;
        let required: BTreeSet<&str> = s
            .get("required")
            .and_then(Json::as_array)
            .map(|a| a.iter().filter_map(Json::as_str).collect())
            .unwrap_or_default();
        let mut block = Block {
            description: s
                .get("description")
                .and_then(Json::as_str)
                .unwrap_or_default()
                .to_string(),
            ..Block::default()
        };
        for (name, p) in props {
            let here = format!("{at}.{name}");
            let f = flags(p);
            if let Some(bad) = f.iter().find(|x| !KNOWN_FLAGS.contains(&x.as_str())) {
                return Err(serr(&here, format!("unknown x-tf flag {bad:?}")));
            }
            let (resolved, _) = self.resolve(p, &here)?;
            let description = p
                .get("description")
                .or_else(|| resolved.get("description"))
                .and_then(Json::as_str)
                .unwrap_or_default()
                .to_string();
            if f.contains("block") {
                let tn = Conv::type_names(resolved);
                let (nesting, inner) = match tn.first().copied() {
                    Some("array") => (
                        if resolved.get("uniqueItems") == Some(&Json::Bool(true)) {
                            Nesting::Set
                        } else {
                            Nesting::List
                        },
                        resolved.get("items").cloned().unwrap_or(Json::Null),
                    ),
                    Some("object") if resolved.get("properties").is_none() => (
                        Nesting::Map,
                        resolved
                            .get("additionalProperties")
                            .cloned()
                            .unwrap_or(Json::Null),
                    ),
                    _ => (Nesting::Single, resolved.clone()),
                };
                let inner_block = self.block(&inner, &here)?;
                let min_items = if required.contains(name.as_str()) && nesting == Nesting::Single {
                    1
                } else {
                    resolved.get("minItems").and_then(Json::as_u64).unwrap_or(0)
                };
                let max_items = match nesting {
                    Nesting::Single => 1,
                    _ => resolved.get("maxItems").and_then(Json::as_u64).unwrap_or(0),
                };
                block.blocks.push(NestedBlock {
                    name: name.clone(),
                    nesting,
                    block: inner_block,
                    min_items,
                    max_items,
                    requires_replace: f.contains("requires_replace"),
                    description,
                });
                continue;
            }
            let (ty, rules) = self.attr_type(p, &here)?;
            let default = p.get("x-tf-default").cloned();
            let computed_only = f.contains("computed");
            let opt_computed = f.contains("optional_computed") || default.is_some();
            let is_required = required.contains(name.as_str()) && !computed_only && !opt_computed;
            let write_only = f.contains("write_only");
            if write_only && (computed_only || opt_computed || f.contains("requires_replace")) {
                return Err(serr(
                    &here,
                    "a write_only attribute is never stored, so it cannot be computed, have a \
                     default or require replacement",
                ));
            }
            block.attributes.push(Attribute {
                name: name.clone(),
                ty,
                description,
                required: is_required,
                optional: !is_required && !computed_only,
                computed: computed_only || opt_computed,
                sensitive: f.contains("sensitive"),
                write_only,
                requires_replace: f.contains("requires_replace"),
                use_state_for_unknown: f.contains("use_state_for_unknown"),
                default,
                rules,
                deprecated: p
                    .get("deprecated")
                    .and_then(Json::as_bool)
                    .filter(|d| *d)
                    .map(|_| format!("{name} is deprecated")),
            });
        }
        Ok(block)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};
    use std::collections::BTreeMap;

    #[derive(Serialize, Deserialize, JsonSchema)]
    #[serde(rename_all = "PascalCase")]
    enum Status {
        Approved,
        Rejected,
    }

    /// An inner block.
    #[derive(Serialize, Deserialize, JsonSchema)]
    struct Inner {
        /// The role.
        role_arn: String,
        #[schemars(extend("x-tf" = ["sensitive"]))]
        external_id: Option<String>,
    }

    /// The thing.
    #[derive(Serialize, Deserialize, JsonSchema)]
    struct Thing {
        /// Name of the thing.
        #[schemars(regex(pattern = r"^[a-z]+$"), length(min = 1, max = 5))]
        #[schemars(extend("x-tf" = ["requires_replace"]))]
        name: String,
        /// Optional tags.
        tags: Option<BTreeMap<String, String>>,
        #[schemars(extend("x-tf" = ["computed", "use_state_for_unknown"]))]
        arn: Option<String>,
        #[schemars(extend("x-tf-default" = "Approved"))]
        status: Option<Status>,
        #[schemars(range(min = 1, max = 10))]
        count: Option<i64>,
        ids: Option<std::collections::BTreeSet<String>>,
        #[schemars(extend("x-tf" = ["block"]))]
        assume: Option<Inner>,
        #[serde(default)]
        #[schemars(extend("x-tf" = ["block"]))]
        items: Vec<Inner>,
    }

    #[test]
    fn schema_from_rust_type() {
        let b = block_for::<Thing>().unwrap();
        assert_eq!(b.description, "The thing.");
        let name = b.attribute("name").unwrap();
        assert!(name.required && !name.optional && !name.computed && name.requires_replace);
        assert_eq!(name.description, "Name of the thing.");
        assert_eq!(name.rules.len(), 3);
        let arn = b.attribute("arn").unwrap();
        assert!(arn.computed && !arn.optional && !arn.required && arn.use_state_for_unknown);
        let status = b.attribute("status").unwrap();
        assert!(status.optional && status.computed);
        assert_eq!(status.default, Some(serde_json::json!("Approved")));
        assert!(matches!(&status.rules[0], Rule::OneOf(v) if v == &["Approved", "Rejected"]));
        assert_eq!(b.attribute("tags").unwrap().ty, Type::map(Type::String));
        assert_eq!(b.attribute("ids").unwrap().ty, Type::set(Type::String));
        assert_eq!(b.attribute("count").unwrap().ty, Type::Number);
        let assume = b.nested("assume").unwrap();
        assert_eq!(assume.nesting, Nesting::Single);
        assert_eq!(assume.max_items, 1);
        assert!(assume.block.attribute("external_id").unwrap().sensitive);
        assert_eq!(assume.block.description, "An inner block.");
        assert_eq!(b.nested("items").unwrap().nesting, Nesting::List);
    }

    #[test]
    fn invalid_patterns_are_found_by_check_patterns() {
        let b = block_for::<Thing>().unwrap();
        b.check_patterns().unwrap();
        let mut bad = b.clone();
        bad.attributes[0].rules = vec![Rule::Pattern(Pattern::new("(unclosed"))];
        assert!(bad.check_patterns().is_err());
    }

    #[test]
    fn validation_paths_and_unknowns() {
        let b = block_for::<Thing>().unwrap();
        let mut obj = BTreeMap::new();
        obj.insert("name".to_string(), Value::string("NOPE-too-long"));
        obj.insert("count".to_string(), Value::Number("11".parse().unwrap()));
        obj.insert("status".to_string(), Value::string("Maybe"));
        obj.insert("tags".to_string(), Value::UNKNOWN);
        let mut d = Diagnostics::new();
        b.validate(&Value::Object(obj.clone()), &mut AttrPath::root(), &mut d);
        let paths: Vec<String> =
            d.0.iter()
                .map(|x| x.path.clone().unwrap().to_string())
                .collect();
        assert_eq!(paths, ["name", "name", "status", "count"]);
        // unknown values are never errors
        obj.insert("name".to_string(), Value::UNKNOWN);
        obj.insert("count".to_string(), Value::UNKNOWN);
        obj.insert("status".to_string(), Value::UNKNOWN);
        let mut d = Diagnostics::new();
        b.validate(&Value::Object(obj), &mut AttrPath::root(), &mut d);
        assert!(d.is_empty(), "{d}");
    }
}
