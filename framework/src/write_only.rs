//! Write-only attributes (Terraform 1.11+): values Terraform sends in the configuration at
//! validate, plan and apply, and never stores in a plan or the state.
//!
//! The framework keeps the contract for every resource:
//! - validate refuses a set write-only attribute when the client did not announce
//!   `write_only_attributes_allowed` (an older Terraform would store it like any attribute);
//! - every planned, applied, read and imported value carries null in write-only attributes;
//! - apply hands the resource the configuration's write-only values in its model, so
//!   `create` and `update` read them like any field; they never come back out.
//!
//! A value is never compared with a prior one (there is none): a resource that must act on
//! a changed secret pairs it with a stored `*_wo_version` attribute that the user bumps.
//! Write-only attributes inside set-nested blocks are not supported (no element of the plan
//! can be matched to its configuration element without the stripped value).

use crate::diag::Diagnostics;
use crate::path::{AttrPath, PathStep};
use crate::schema::{Block, Nesting};
use crate::value::Value;

/// Does the block (or a nested block) have a write-only attribute?
pub fn any(block: &Block) -> bool {
    block.attributes.iter().any(|a| a.write_only) || block.blocks.iter().any(|b| any(&b.block))
}

/// Null every write-only attribute of `v`.
pub fn strip(block: &Block, v: &mut Value) {
    let Some(obj) = v.as_object_mut() else {
        return;
    };
    for a in block.attributes.iter().filter(|a| a.write_only) {
        if let Some(x) = obj.get_mut(&a.name) {
            *x = Value::Null;
        }
    }
    for b in block.blocks.iter().filter(|b| any(&b.block)) {
        match obj.get_mut(&b.name) {
            Some(Value::List(items)) | Some(Value::Set(items)) => {
                items.iter_mut().for_each(|it| strip(&b.block, it))
            }
            Some(Value::Map(m)) => m.values_mut().for_each(|it| strip(&b.block, it)),
            Some(one @ Value::Object(_)) => strip(&b.block, one),
            _ => {}
        }
    }
}

/// Copy the configuration's write-only values into `v` (a planned value, which holds nulls
/// there): single, list and map nesting match elements by position or key.
pub fn merge(block: &Block, config: &Value, v: &mut Value) {
    let (Some(cfg), Some(obj)) = (config.as_object(), v.as_object_mut()) else {
        return;
    };
    for a in block.attributes.iter().filter(|a| a.write_only) {
        if let (Some(c), Some(x)) = (cfg.get(&a.name), obj.get_mut(&a.name)) {
            *x = c.clone();
        }
    }
    for b in block.blocks.iter().filter(|b| any(&b.block)) {
        match (b.nesting, cfg.get(&b.name), obj.get_mut(&b.name)) {
            (Nesting::List, Some(Value::List(cs)), Some(Value::List(items))) => {
                for (c, it) in cs.iter().zip(items.iter_mut()) {
                    merge(&b.block, c, it);
                }
            }
            (Nesting::Map, Some(Value::Map(cs)), Some(Value::Map(items))) => {
                for (k, it) in items.iter_mut() {
                    if let Some(c) = cs.get(k) {
                        merge(&b.block, c, it);
                    }
                }
            }
            (Nesting::Single, Some(c @ Value::Object(_)), Some(it @ Value::Object(_))) => {
                merge(&b.block, c, it)
            }
            _ => {}
        }
    }
}

/// Validate-time check: a client that cannot handle write-only attributes must not set one.
pub fn refuse_unsupported(block: &Block, config: &Value, allowed: bool, diags: &mut Diagnostics) {
    if !allowed && any(block) {
        walk_set(block, config, &mut AttrPath::root(), &mut |path, name| {
            diags.error_at(
                path.clone(),
                "Write-only attribute needs Terraform 1.11 or later",
                format!(
                    "{name} is write-only: Terraform 1.11 and later send it without storing it in \
                     the plan or the state. This Terraform did not say it supports write-only \
                     attributes, and would store the value. Upgrade Terraform, or use the \
                     attribute of the same name without the _wo suffix (sensitive, but kept \
                     in the state)."
                ),
            )
        });
    }
}

/// Call `f` with the path and name of every write-only attribute set (not null) in `v`.
fn walk_set(block: &Block, v: &Value, path: &mut AttrPath, f: &mut dyn FnMut(&AttrPath, &str)) {
    let Some(obj) = v.as_object() else { return };
    for a in block.attributes.iter().filter(|a| a.write_only) {
        if obj.get(&a.name).is_some_and(|x| !x.is_null()) {
            path.push(PathStep::Attr(a.name.clone()));
            f(path, &a.name);
            path.pop();
        }
    }
    for b in block.blocks.iter().filter(|b| any(&b.block)) {
        path.push(PathStep::Attr(b.name.clone()));
        match obj.get(&b.name) {
            Some(Value::List(items)) | Some(Value::Set(items)) => {
                for (i, it) in items.iter().enumerate() {
                    path.push(PathStep::Index(i as i64));
                    walk_set(&b.block, it, path, f);
                    path.pop();
                }
            }
            Some(Value::Map(m)) => {
                for (k, it) in m {
                    path.push(PathStep::Key(k.clone()));
                    walk_set(&b.block, it, path, f);
                    path.pop();
                }
            }
            Some(one @ Value::Object(_)) => walk_set(&b.block, one, path, f),
            _ => {}
        }
        path.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Attribute, NestedBlock};
    use crate::types::Type;

    fn block() -> Block {
        let mut secret = Attribute::new("secret_wo", Type::String);
        secret.write_only = true;
        secret.sensitive = true;
        let inner = Block {
            attributes: vec![Attribute::new("name", Type::String), secret.clone()],
            ..Default::default()
        };
        Block {
            attributes: vec![Attribute::new("id", Type::String), secret],
            blocks: vec![NestedBlock {
                name: "hook".into(),
                nesting: Nesting::List,
                block: inner,
                min_items: 0,
                max_items: 1,
                requires_replace: false,
                description: String::new(),
            }],
            ..Default::default()
        }
    }

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::Object(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    fn config() -> Value {
        obj(&[
            ("id", Value::string("a")),
            ("secret_wo", Value::string("top")),
            (
                "hook",
                Value::List(vec![obj(&[
                    ("name", Value::string("h")),
                    ("secret_wo", Value::string("inner")),
                ])]),
            ),
        ])
    }

    #[test]
    fn strip_then_merge_round_trips() {
        let b = block();
        let mut v = config();
        strip(&b, &mut v);
        assert_eq!(v.attr("secret_wo"), &Value::Null);
        let Value::List(items) = v.attr("hook") else {
            panic!()
        };
        assert_eq!(items[0].attr("secret_wo"), &Value::Null);
        assert_eq!(items[0].attr("name"), &Value::string("h"));
        merge(&b, &config(), &mut v);
        assert_eq!(v, config());
    }

    #[test]
    fn older_clients_are_refused_with_paths() {
        let b = block();
        let mut d = Diagnostics::new();
        refuse_unsupported(&b, &config(), true, &mut d);
        assert!(d.is_empty());
        refuse_unsupported(&b, &config(), false, &mut d);
        let paths: Vec<_> = d.0.iter().map(|x| x.path.clone().unwrap()).collect();
        assert_eq!(
            paths,
            vec![
                AttrPath::attr("secret_wo"),
                AttrPath::attrs(["hook"]).index(0).field("secret_wo"),
            ]
        );
        assert!(d.has_errors());
        let mut unset = config();
        strip(&b, &mut unset);
        let mut d = Diagnostics::new();
        refuse_unsupported(&b, &unset, false, &mut d);
        assert!(
            d.is_empty(),
            "unset write-only attributes are fine everywhere"
        );
    }
}
