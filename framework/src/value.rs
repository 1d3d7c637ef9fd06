//! Terraform values and their wire encodings (`DynamicValue`: msgpack, or JSON as a fallback).
//!
//! * null is msgpack nil; unknown is any msgpack extension (type 0 plain, type 12 refined);
//!   refinement payloads are kept verbatim so a value passed through comes back unchanged.
//! * numbers are arbitrary-precision decimals ([`Number`]): msgpack int, float64 or a decimal
//!   string on the wire; nothing is squeezed through `i64`/`f64`.
//! * dynamic values travel as `[type JSON bytes, value]`.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use bigdecimal::num_bigint::BigInt;
use bigdecimal::{BigDecimal, ToPrimitive, Zero};
use rmpv::Value as Mp;
use serde_json::Value as Json;

use crate::path::{AttrPath, PathStep};
use crate::types::Type;

/// An arbitrary-precision number.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Number(pub BigDecimal);

impl Number {
    pub fn from_i64(i: i64) -> Self {
        Number(BigDecimal::from(i))
    }

    /// Exact conversion of a finite float (every float64 is a finite decimal).
    pub fn from_f64_exact(f: f64) -> Option<Self> {
        if !f.is_finite() {
            return None;
        }
        if f == 0.0 {
            return Some(Number(BigDecimal::zero()));
        }
        let bits = f.to_bits();
        let sign = if bits >> 63 == 0 { 1i64 } else { -1 };
        let exp = ((bits >> 52) & 0x7ff) as i64;
        let frac = bits & 0x000f_ffff_ffff_ffff;
        let (mant, e) = if exp == 0 {
            (frac, -1074)
        } else {
            (frac | 0x0010_0000_0000_0000, exp - 1075)
        };
        let m = BigInt::from(mant) * sign;
        let d = if e >= 0 {
            BigDecimal::from(m * BigInt::from(2u8).pow(e as u32))
        } else {
            // m * 2^e = m * 5^-e / 10^-e
            let k = (-e) as u32;
            BigDecimal::new(m * BigInt::from(5u8).pow(k), k as i64)
        };
        Some(Number(d.normalized()))
    }

    pub fn to_i64(&self) -> Option<i64> {
        if self.0.is_integer() {
            self.0.to_i64()
        } else {
            None
        }
    }

    pub fn to_u64(&self) -> Option<u64> {
        if self.0.is_integer() {
            self.0.to_u64()
        } else {
            None
        }
    }

    /// The float64 with exactly this value, if there is one.
    pub fn to_f64_exact(&self) -> Option<f64> {
        let f = self.0.to_f64()?;
        match Number::from_f64_exact(f) {
            Some(back) if back == *self => Some(f),
            _ => None,
        }
    }

    pub fn to_f64_lossy(&self) -> f64 {
        self.0.to_f64().unwrap_or(f64::NAN)
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.normalized();
        if n.is_integer() {
            write!(f, "{}", n.with_scale(0))
        } else {
            write!(f, "{}", n.to_plain_string())
        }
    }
}

impl FromStr for Number {
    type Err = bigdecimal::ParseBigDecimalError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Number(BigDecimal::from_str(s)?.normalized()))
    }
}

/// A Terraform value. Collections keep their kind so values can be re-encoded faithfully.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    /// Not known until apply. `refinement` holds the raw payload of a refined unknown
    /// (msgpack extension type 12), kept only to hand it back unchanged.
    Unknown {
        refinement: Option<Vec<u8>>,
    },
    Bool(bool),
    Number(Number),
    String(String),
    List(Vec<Value>),
    /// Sets arrive in no defined order; equality ignores order ([`Value::semantic_eq`]).
    Set(Vec<Value>),
    Tuple(Vec<Value>),
    Map(BTreeMap<String, Value>),
    Object(BTreeMap<String, Value>),
    /// A value of a `dynamic` attribute with its concrete type.
    Dynamic(Type, Box<Value>),
}

/// A value that does not conform to its type, or malformed bytes.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct DecodeError {
    pub path: AttrPath,
    pub message: String,
}

fn derr(path: &AttrPath, message: impl Into<String>) -> DecodeError {
    DecodeError {
        path: path.clone(),
        message: message.into(),
    }
}

impl Value {
    pub const UNKNOWN: Value = Value::Unknown { refinement: None };

    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown { .. })
    }

    /// True when the value, and everything inside it, is known.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown { .. } => false,
            Value::List(v) | Value::Set(v) | Value::Tuple(v) => {
                v.iter().all(Value::is_wholly_known)
            }
            Value::Map(m) | Value::Object(m) => m.values().all(Value::is_wholly_known),
            Value::Dynamic(_, v) => v.is_wholly_known(),
            _ => true,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            Value::Dynamic(_, v) => v.as_str(),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&BTreeMap<String, Value>> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_object_mut(&mut self) -> Option<&mut BTreeMap<String, Value>> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// Attribute of an object, or `Null` when absent or not an object.
    pub fn attr(&self, name: &str) -> &Value {
        static NULL: Value = Value::Null;
        self.as_object().and_then(|m| m.get(name)).unwrap_or(&NULL)
    }

    /// The value at a path, if the path exists.
    pub fn get_path(&self, path: &AttrPath) -> Option<&Value> {
        let mut cur = self;
        for step in &path.0 {
            while let Value::Dynamic(_, inner) = cur {
                cur = inner;
            }
            cur = match (step, cur) {
                (PathStep::Attr(a), Value::Object(m)) => m.get(a)?,
                (PathStep::Key(k), Value::Map(m)) => m.get(k)?,
                (PathStep::Index(i), Value::List(v) | Value::Tuple(v) | Value::Set(v)) => {
                    v.get(usize::try_from(*i).ok()?)?
                }
                _ => return None,
            };
        }
        Some(cur)
    }

    /// Mutable access to the value at a path.
    pub fn get_path_mut(&mut self, path: &AttrPath) -> Option<&mut Value> {
        let mut cur = self;
        for step in &path.0 {
            cur = match (step, cur) {
                (PathStep::Attr(a), Value::Object(m)) => m.get_mut(a)?,
                (PathStep::Key(k), Value::Map(m)) => m.get_mut(k)?,
                (PathStep::Index(i), Value::List(v) | Value::Tuple(v) | Value::Set(v)) => {
                    v.get_mut(usize::try_from(*i).ok()?)?
                }
                _ => return None,
            };
        }
        Some(cur)
    }

    /// Equality as the provider sees it: sets ignore order, numbers compare by value, and a
    /// null collection equals an empty one (the APIs do not tell them apart, and Terraform
    /// 1.0 hands `{}` for an unset map of an object whose `ignore_changes` it processed).
    pub fn semantic_eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Null, c) | (c, Value::Null) if c.is_empty_collection() => true,
            (Value::Set(a), Value::Set(b)) => {
                if a.len() != b.len() {
                    return false;
                }
                let mut used = vec![false; b.len()];
                a.iter().all(|x| {
                    for (i, y) in b.iter().enumerate() {
                        if !used[i] && x.semantic_eq(y) {
                            used[i] = true;
                            return true;
                        }
                    }
                    false
                })
            }
            (Value::List(a), Value::List(b)) | (Value::Tuple(a), Value::Tuple(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.semantic_eq(y))
            }
            (Value::Map(a), Value::Map(b)) | (Value::Object(a), Value::Object(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .all(|(k, v)| b.get(k).is_some_and(|w| v.semantic_eq(w)))
            }
            (Value::Dynamic(ta, a), Value::Dynamic(tb, b)) => ta == tb && a.semantic_eq(b),
            (Value::Unknown { .. }, Value::Unknown { .. }) => true,
            (a, b) => a == b,
        }
    }

    /// A known list, set, map or tuple with no elements.
    pub fn is_empty_collection(&self) -> bool {
        match self {
            Value::List(v) | Value::Set(v) | Value::Tuple(v) => v.is_empty(),
            Value::Map(m) => m.is_empty(),
            _ => false,
        }
    }

    /// Replace every unknown with null (for typed decoding at plan/validate time).
    pub fn unknowns_to_null(&self) -> Value {
        match self {
            Value::Unknown { .. } => Value::Null,
            Value::List(v) => Value::List(v.iter().map(Value::unknowns_to_null).collect()),
            Value::Set(v) => Value::Set(v.iter().map(Value::unknowns_to_null).collect()),
            Value::Tuple(v) => Value::Tuple(v.iter().map(Value::unknowns_to_null).collect()),
            Value::Map(m) => Value::Map(
                m.iter()
                    .map(|(k, v)| (k.clone(), v.unknowns_to_null()))
                    .collect(),
            ),
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, v)| (k.clone(), v.unknowns_to_null()))
                    .collect(),
            ),
            Value::Dynamic(t, v) => Value::Dynamic(t.clone(), Box::new(v.unknowns_to_null())),
            other => other.clone(),
        }
    }

    /// A null value shaped by a type (objects become null, not empty).
    pub fn null() -> Value {
        Value::Null
    }

    // ---------------------------------------------------------------- msgpack

    /// Decode msgpack bytes of the given type.
    pub fn from_msgpack(bytes: &[u8], ty: &Type) -> Result<Value, DecodeError> {
        let mut rd = bytes;
        let mp = rmpv::decode::read_value(&mut rd)
            .map_err(|e| derr(&AttrPath::root(), format!("malformed msgpack: {e}")))?;
        Value::from_mp(&mp, ty, &mut AttrPath::root())
    }

    fn from_mp(mp: &Mp, ty: &Type, path: &mut AttrPath) -> Result<Value, DecodeError> {
        match mp {
            Mp::Nil => return Ok(Value::Null),
            Mp::Ext(kind, data) => {
                return Ok(Value::Unknown {
                    refinement: (*kind == 12).then(|| data.clone()),
                })
            }
            _ => {}
        }
        match ty {
            Type::Dynamic => {
                let arr = mp
                    .as_array()
                    .filter(|a| a.len() == 2)
                    .ok_or_else(|| derr(path, "dynamic value must be [type, value]"))?;
                let tj: &[u8] = match &arr[0] {
                    Mp::Binary(b) => b,
                    Mp::String(s) => s.as_bytes(),
                    _ => return Err(derr(path, "dynamic type must be bytes")),
                };
                let t = Type::from_json_bytes(tj).map_err(|e| derr(path, e.to_string()))?;
                let inner = Value::from_mp(&arr[1], &t, path)?;
                Ok(Value::Dynamic(t, Box::new(inner)))
            }
            Type::Bool => mp
                .as_bool()
                .map(Value::Bool)
                .ok_or_else(|| derr(path, "expected bool")),
            Type::String => mp
                .as_str()
                .map(|s| Value::String(s.to_string()))
                .ok_or_else(|| derr(path, "expected string")),
            Type::Number => match mp {
                Mp::Integer(i) => {
                    if let Some(v) = i.as_i64() {
                        Ok(Value::Number(Number::from_i64(v)))
                    } else if let Some(v) = i.as_u64() {
                        Ok(Value::Number(Number(BigDecimal::from(v))))
                    } else {
                        Err(derr(path, "bad integer"))
                    }
                }
                Mp::F64(f) => Number::from_f64_exact(*f)
                    .map(Value::Number)
                    .ok_or_else(|| derr(path, "non-finite number")),
                Mp::F32(f) => Number::from_f64_exact(f64::from(*f))
                    .map(Value::Number)
                    .ok_or_else(|| derr(path, "non-finite number")),
                Mp::String(s) => s
                    .as_str()
                    .and_then(|s| Number::from_str(s).ok())
                    .map(Value::Number)
                    .ok_or_else(|| derr(path, "expected a decimal number string")),
                _ => Err(derr(path, "expected number")),
            },
            Type::List(et) | Type::Set(et) => {
                let arr = mp.as_array().ok_or_else(|| derr(path, "expected array"))?;
                let mut out = Vec::with_capacity(arr.len());
                for (i, e) in arr.iter().enumerate() {
                    path.push(PathStep::Index(i as i64));
                    out.push(Value::from_mp(e, et, path)?);
                    path.pop();
                }
                Ok(if matches!(ty, Type::Set(_)) {
                    Value::Set(out)
                } else {
                    Value::List(out)
                })
            }
            Type::Tuple(ts) => {
                let arr = mp.as_array().ok_or_else(|| derr(path, "expected array"))?;
                if arr.len() != ts.len() {
                    return Err(derr(path, "tuple length mismatch"));
                }
                let mut out = Vec::with_capacity(arr.len());
                for (i, (e, t)) in arr.iter().zip(ts).enumerate() {
                    path.push(PathStep::Index(i as i64));
                    out.push(Value::from_mp(e, t, path)?);
                    path.pop();
                }
                Ok(Value::Tuple(out))
            }
            Type::Map(et) => {
                let m = mp.as_map().ok_or_else(|| derr(path, "expected map"))?;
                let mut out = BTreeMap::new();
                for (k, v) in m {
                    let k = k
                        .as_str()
                        .ok_or_else(|| derr(path, "map key must be a string"))?;
                    path.push(PathStep::Key(k.to_string()));
                    out.insert(k.to_string(), Value::from_mp(v, et, path)?);
                    path.pop();
                }
                Ok(Value::Map(out))
            }
            Type::Object { attrs, .. } => {
                let m = mp.as_map().ok_or_else(|| derr(path, "expected object"))?;
                let mut out = BTreeMap::new();
                for (k, v) in m {
                    let k = k
                        .as_str()
                        .ok_or_else(|| derr(path, "attribute name must be a string"))?;
                    let Some(at) = attrs.get(k) else {
                        return Err(derr(path, format!("unsupported attribute {k:?}")));
                    };
                    path.push(PathStep::Attr(k.to_string()));
                    out.insert(k.to_string(), Value::from_mp(v, at, path)?);
                    path.pop();
                }
                for k in attrs.keys() {
                    out.entry(k.clone()).or_insert(Value::Null);
                }
                Ok(Value::Object(out))
            }
        }
    }

    /// Encode as msgpack for the given type.
    pub fn to_msgpack(&self, ty: &Type) -> Vec<u8> {
        let mut out = Vec::with_capacity(64);
        self.write_mp(ty, &mut out);
        out
    }

    fn write_mp(&self, ty: &Type, out: &mut Vec<u8>) {
        use rmp::encode as e;
        // Writes into a Vec cannot fail.
        match self {
            Value::Null => {
                let _ = e::write_nil(out);
                return;
            }
            Value::Unknown { refinement } => {
                match refinement {
                    Some(data) => {
                        let _ = e::write_ext_meta(out, data.len() as u32, 12);
                        out.extend_from_slice(data);
                    }
                    None => {
                        let _ = e::write_ext_meta(out, 1, 0);
                        out.push(0);
                    }
                }
                return;
            }
            _ => {}
        }
        if let Type::Dynamic = ty {
            let (t, inner) = match self {
                Value::Dynamic(t, v) => (t.clone(), v.as_ref().clone()),
                other => (other.infer_type(), other.clone()),
            };
            let _ = e::write_array_len(out, 2);
            let _ = e::write_bin(out, &t.to_json_bytes());
            inner.write_mp(&t, out);
            return;
        }
        match self {
            Value::Bool(b) => {
                let _ = e::write_bool(out, *b);
            }
            Value::Number(n) => {
                if let Some(i) = n.to_i64() {
                    let _ = e::write_sint(out, i);
                } else if let Some(u) = n.to_u64() {
                    let _ = e::write_uint(out, u);
                } else if let Some(f) = n.to_f64_exact() {
                    let _ = e::write_f64(out, f);
                } else {
                    let _ = e::write_str(out, &n.to_string());
                }
            }
            Value::String(s) => {
                let _ = e::write_str(out, s);
            }
            Value::List(v) | Value::Set(v) | Value::Tuple(v) => {
                let _ = e::write_array_len(out, v.len() as u32);
                for (i, x) in v.iter().enumerate() {
                    let et = match ty {
                        Type::List(t) | Type::Set(t) => t.as_ref(),
                        Type::Tuple(ts) => ts.get(i).unwrap_or(&Type::Dynamic),
                        _ => &Type::Dynamic,
                    };
                    x.write_mp(et, out);
                }
            }
            Value::Map(m) => {
                let _ = e::write_map_len(out, m.len() as u32);
                let et = match ty {
                    Type::Map(t) => t.as_ref(),
                    _ => &Type::Dynamic,
                };
                for (k, v) in m {
                    let _ = e::write_str(out, k);
                    v.write_mp(et, out);
                }
            }
            Value::Object(m) => {
                // Emit exactly the attributes of the type, null for missing ones.
                if let Type::Object { attrs, .. } = ty {
                    let _ = e::write_map_len(out, attrs.len() as u32);
                    for (k, at) in attrs {
                        let _ = e::write_str(out, k);
                        m.get(k).unwrap_or(&Value::Null).write_mp(at, out);
                    }
                } else {
                    let _ = e::write_map_len(out, m.len() as u32);
                    for (k, v) in m {
                        let _ = e::write_str(out, k);
                        v.write_mp(&v.infer_type(), out);
                    }
                }
            }
            Value::Dynamic(t, v) => v.write_mp(t, out),
            Value::Null | Value::Unknown { .. } => unreachable!("handled above"),
        }
    }

    /// The natural type of a known value (used for dynamic attributes).
    pub fn infer_type(&self) -> Type {
        match self {
            Value::Null | Value::Unknown { .. } => Type::Dynamic,
            Value::Bool(_) => Type::Bool,
            Value::Number(_) => Type::Number,
            Value::String(_) => Type::String,
            Value::List(v) => Type::list(v.first().map_or(Type::Dynamic, Value::infer_type)),
            Value::Set(v) => Type::set(v.first().map_or(Type::Dynamic, Value::infer_type)),
            Value::Tuple(v) => Type::Tuple(v.iter().map(Value::infer_type).collect()),
            Value::Map(m) => Type::map(m.values().next().map_or(Type::Dynamic, Value::infer_type)),
            Value::Object(m) => Type::object(m.iter().map(|(k, v)| (k.clone(), v.infer_type()))),
            Value::Dynamic(t, _) => t.clone(),
        }
    }

    // ------------------------------------------------------------------- JSON

    /// Decode Terraform's JSON encoding (raw state, or a DynamicValue sent as JSON).
    /// Dynamic values are `{"value": ..., "type": ...}`.
    pub fn from_tf_json(j: &Json, ty: &Type) -> Result<Value, DecodeError> {
        Value::from_json_inner(j, ty, &mut AttrPath::root(), true)
    }

    /// Decode plain JSON (as produced by serde from a typed model) shaped by a type.
    /// Dynamic attributes take the JSON's natural type. Unknown object keys are ignored.
    pub fn from_model_json(j: &Json, ty: &Type) -> Result<Value, DecodeError> {
        Value::from_json_inner(j, ty, &mut AttrPath::root(), false)
    }

    fn from_json_inner(
        j: &Json,
        ty: &Type,
        path: &mut AttrPath,
        tf_dynamic: bool,
    ) -> Result<Value, DecodeError> {
        if j.is_null() {
            return Ok(Value::Null);
        }
        match ty {
            Type::Dynamic => {
                if tf_dynamic {
                    let t = j
                        .get("type")
                        .ok_or_else(|| derr(path, "dynamic value needs a type"))?;
                    let t = Type::from_json(t).map_err(|e| derr(path, e.to_string()))?;
                    let v = j.get("value").unwrap_or(&Json::Null);
                    let inner = Value::from_json_inner(v, &t, path, tf_dynamic)?;
                    Ok(Value::Dynamic(t, Box::new(inner)))
                } else {
                    let v = Value::from_untyped_json(j);
                    Ok(Value::Dynamic(v.infer_type(), Box::new(v)))
                }
            }
            Type::Bool => j
                .as_bool()
                .map(Value::Bool)
                .ok_or_else(|| derr(path, "expected bool")),
            Type::String => match j {
                Json::String(s) => Ok(Value::String(s.clone())),
                // Terraform converts primitives to strings; accept numbers/bools too.
                Json::Number(n) => Ok(Value::String(n.to_string())),
                Json::Bool(b) => Ok(Value::String(b.to_string())),
                _ => Err(derr(path, "expected string")),
            },
            Type::Number => match j {
                Json::Number(n) => Number::from_str(&n.to_string())
                    .map(Value::Number)
                    .map_err(|e| derr(path, e.to_string())),
                Json::String(s) => Number::from_str(s)
                    .map(Value::Number)
                    .map_err(|e| derr(path, e.to_string())),
                _ => Err(derr(path, "expected number")),
            },
            Type::List(et) | Type::Set(et) => {
                let arr = j.as_array().ok_or_else(|| derr(path, "expected array"))?;
                let mut out = Vec::with_capacity(arr.len());
                for (i, e) in arr.iter().enumerate() {
                    path.push(PathStep::Index(i as i64));
                    out.push(Value::from_json_inner(e, et, path, tf_dynamic)?);
                    path.pop();
                }
                Ok(if matches!(ty, Type::Set(_)) {
                    Value::Set(out)
                } else {
                    Value::List(out)
                })
            }
            Type::Tuple(ts) => {
                let arr = j.as_array().ok_or_else(|| derr(path, "expected array"))?;
                if arr.len() != ts.len() {
                    return Err(derr(path, "tuple length mismatch"));
                }
                let mut out = Vec::new();
                for (i, (e, t)) in arr.iter().zip(ts).enumerate() {
                    path.push(PathStep::Index(i as i64));
                    out.push(Value::from_json_inner(e, t, path, tf_dynamic)?);
                    path.pop();
                }
                Ok(Value::Tuple(out))
            }
            Type::Map(et) => {
                let m = j.as_object().ok_or_else(|| derr(path, "expected map"))?;
                let mut out = BTreeMap::new();
                for (k, v) in m {
                    path.push(PathStep::Key(k.clone()));
                    out.insert(k.clone(), Value::from_json_inner(v, et, path, tf_dynamic)?);
                    path.pop();
                }
                Ok(Value::Map(out))
            }
            Type::Object { attrs, .. } => {
                let m = j.as_object().ok_or_else(|| derr(path, "expected object"))?;
                let mut out = BTreeMap::new();
                for (k, at) in attrs {
                    path.push(PathStep::Attr(k.clone()));
                    let v = match m.get(k) {
                        Some(v) => Value::from_json_inner(v, at, path, tf_dynamic)?,
                        None => Value::Null,
                    };
                    path.pop();
                    out.insert(k.clone(), v);
                }
                Ok(Value::Object(out))
            }
        }
    }

    fn from_untyped_json(j: &Json) -> Value {
        match j {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(*b),
            Json::Number(n) => Number::from_str(&n.to_string())
                .map(Value::Number)
                .unwrap_or(Value::Null),
            Json::String(s) => Value::String(s.clone()),
            Json::Array(a) => Value::Tuple(a.iter().map(Value::from_untyped_json).collect()),
            Json::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, v)| (k.clone(), Value::from_untyped_json(v)))
                    .collect(),
            ),
        }
    }

    /// Plain JSON for typed models: unknown becomes null, dynamic values lose their wrapper,
    /// numbers keep full precision.
    pub fn to_model_json(&self) -> Json {
        match self {
            Value::Null | Value::Unknown { .. } => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Number(n) => serde_json::from_str::<Json>(&n.to_string()).unwrap_or(Json::Null),
            Value::String(s) => Json::String(s.clone()),
            Value::List(v) | Value::Set(v) | Value::Tuple(v) => {
                Json::Array(v.iter().map(Value::to_model_json).collect())
            }
            Value::Map(m) | Value::Object(m) => Json::Object(
                m.iter()
                    .map(|(k, v)| (k.clone(), v.to_model_json()))
                    .collect(),
            ),
            Value::Dynamic(_, v) => v.to_model_json(),
        }
    }

    /// Decode a `DynamicValue` (msgpack preferred, JSON fallback). Empty means null.
    pub fn from_dynamic(msgpack: &[u8], json: &[u8], ty: &Type) -> Result<Value, DecodeError> {
        if !msgpack.is_empty() {
            Value::from_msgpack(msgpack, ty)
        } else if !json.is_empty() {
            let j: Json = serde_json::from_slice(json)
                .map_err(|e| derr(&AttrPath::root(), format!("malformed JSON: {e}")))?;
            Value::from_tf_json(&j, ty)
        } else {
            Ok(Value::Null)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn obj_ty() -> Type {
        Type::object([
            ("s".to_string(), Type::String),
            ("n".to_string(), Type::Number),
            ("b".to_string(), Type::Bool),
            ("l".to_string(), Type::list(Type::String)),
            ("set".to_string(), Type::set(Type::Number)),
            ("m".to_string(), Type::map(Type::String)),
            ("d".to_string(), Type::Dynamic),
            (
                "t".to_string(),
                Type::Tuple(vec![Type::String, Type::Number]),
            ),
        ])
    }

    #[test]
    fn unknown_and_refined_unknown() {
        // plain unknown: fixext1 type 0
        let v = Value::from_msgpack(&[0xd4, 0x00, 0x00], &Type::String).unwrap();
        assert!(v.is_unknown());
        assert_eq!(v.to_msgpack(&Type::String), vec![0xd4, 0x00, 0x00]);
        // refined unknown: ext 12 with a map payload {1: true} (not null)
        let payload = vec![0x81, 0x01, 0xc3];
        let mut bytes = vec![0xc7, payload.len() as u8, 12];
        bytes.extend(&payload);
        let v = Value::from_msgpack(&bytes, &Type::String).unwrap();
        assert_eq!(
            v,
            Value::Unknown {
                refinement: Some(payload)
            }
        );
        assert_eq!(v.to_msgpack(&Type::String), bytes);
        // any other extension type is unknown too
        let v = Value::from_msgpack(&[0xd4, 0x05, 0x00], &Type::Number).unwrap();
        assert!(v.is_unknown());
    }

    #[test]
    fn big_and_precise_numbers() {
        for s in [
            "123456789012345678901234567890",
            "0.1",
            "-3.14159265358979323846264338327950288",
            "18446744073709551615",
            "-9223372036854775808",
        ] {
            let n = Number::from_str(s).unwrap();
            let v = Value::Number(n.clone());
            let bytes = v.to_msgpack(&Type::Number);
            let back = Value::from_msgpack(&bytes, &Type::Number).unwrap();
            assert_eq!(back, v, "{s}");
            assert_eq!(n.to_string(), s.trim_start_matches('+'));
        }
        // exact float64 goes as float64, inexact as a string
        let half = Value::Number(Number::from_str("0.5").unwrap());
        assert_eq!(half.to_msgpack(&Type::Number)[0], 0xcb);
        let tenth = Value::Number(Number::from_str("0.1").unwrap());
        assert_eq!(tenth.to_msgpack(&Type::Number)[0] & 0xe0, 0xa0);
        // float64 from the wire is exact
        let bytes = {
            let mut b = vec![];
            rmp::encode::write_f64(&mut b, 2f64.powi(-30)).unwrap();
            b
        };
        let v = Value::from_msgpack(&bytes, &Type::Number).unwrap();
        assert_eq!(
            v,
            Value::Number(Number::from_str("0.000000000931322574615478515625").unwrap())
        );
    }

    #[test]
    fn dynamic_values_carry_type() {
        let ty = Type::Dynamic;
        let v = Value::Dynamic(
            Type::list(Type::String),
            Box::new(Value::List(vec![Value::string("a")])),
        );
        let b = v.to_msgpack(&ty);
        assert_eq!(Value::from_msgpack(&b, &ty).unwrap(), v);
        let j: Json = serde_json::json!({"type": ["list", "string"], "value": ["a"]});
        assert_eq!(Value::from_tf_json(&j, &ty).unwrap(), v);
    }

    #[test]
    fn sets_compare_without_order() {
        let a = Value::Set(vec![Value::string("x"), Value::string("y")]);
        let b = Value::Set(vec![Value::string("y"), Value::string("x")]);
        assert!(a.semantic_eq(&b));
        let c = Value::Set(vec![Value::string("y"), Value::string("y")]);
        assert!(!a.semantic_eq(&c));
    }

    #[test]
    fn null_and_empty_collections_are_the_same() {
        for empty in [
            Value::Map(Default::default()),
            Value::List(vec![]),
            Value::Set(vec![]),
        ] {
            assert!(Value::Null.semantic_eq(&empty) && empty.semantic_eq(&Value::Null));
        }
        assert!(!Value::Null.semantic_eq(&Value::string("")));
        assert!(!Value::Null.semantic_eq(&Value::List(vec![Value::Null])));
        assert!(!Value::Null.semantic_eq(&Value::Object(Default::default())));
    }

    #[test]
    fn object_rejects_unknown_attribute() {
        let mut b = vec![];
        rmp::encode::write_map_len(&mut b, 1).unwrap();
        rmp::encode::write_str(&mut b, "nope").unwrap();
        rmp::encode::write_nil(&mut b).unwrap();
        let e = Value::from_msgpack(&b, &Type::object([("a".into(), Type::String)])).unwrap_err();
        assert!(e.message.contains("nope"));
    }

    #[test]
    fn truncated_input_is_an_error_not_a_panic() {
        let v = Value::Object(
            [("s".to_string(), Value::string("hello"))]
                .into_iter()
                .collect(),
        );
        let b = v.to_msgpack(&obj_ty());
        for cut in 0..b.len() {
            let _ = Value::from_msgpack(&b[..cut], &obj_ty());
        }
    }

    fn arb_number() -> impl Strategy<Value = Number> {
        prop_oneof![
            any::<i64>().prop_map(Number::from_i64),
            any::<u64>().prop_map(|u| Number(BigDecimal::from(u))),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(|f| Number::from_f64_exact(f).unwrap()),
            (any::<i128>(), 0i64..40)
                .prop_map(|(m, s)| Number(BigDecimal::new(m.into(), s).normalized())),
        ]
    }

    fn arb_value() -> impl Strategy<Value = Value> {
        let leaf_s = prop_oneof![
            Just(Value::Null),
            Just(Value::UNKNOWN),
            ".*".prop_map(Value::String),
        ];
        let leaf_n = prop_oneof![Just(Value::Null), arb_number().prop_map(Value::Number)];
        (
            leaf_s.clone(),
            leaf_n.clone(),
            proptest::option::of(any::<bool>()),
            proptest::collection::vec(leaf_s.clone(), 0..4),
            proptest::collection::vec(arb_number(), 0..4),
            proptest::collection::btree_map("[a-z]{0,5}", leaf_s.clone(), 0..4),
            proptest::option::of(proptest::collection::vec(any::<i32>(), 0..3)),
            (leaf_s, leaf_n),
        )
            .prop_map(|(s, n, b, l, set, m, d, (t0, t1))| {
                let mut o = BTreeMap::new();
                o.insert("s".into(), s);
                o.insert("n".into(), n);
                o.insert("b".into(), b.map_or(Value::Null, Value::Bool));
                o.insert("l".into(), Value::List(l));
                o.insert(
                    "set".into(),
                    Value::Set(set.into_iter().map(Value::Number).collect()),
                );
                o.insert("m".into(), Value::Map(m));
                o.insert(
                    "d".into(),
                    match d {
                        None => Value::Null,
                        Some(v) => Value::Dynamic(
                            Type::list(Type::Number),
                            Box::new(Value::List(
                                v.into_iter()
                                    .map(|i| Value::Number(Number::from_i64(i64::from(i))))
                                    .collect(),
                            )),
                        ),
                    },
                );
                o.insert("t".into(), Value::Tuple(vec![t0, t1]));
                Value::Object(o)
            })
    }

    proptest! {
        #[test]
        fn msgpack_round_trip(v in arb_value()) {
            let ty = obj_ty();
            let bytes = v.to_msgpack(&ty);
            let back = Value::from_msgpack(&bytes, &ty).unwrap();
            prop_assert_eq!(&back, &v);
        }

        #[test]
        fn json_round_trip_of_known_values(v in arb_value()) {
            let v = v.unknowns_to_null();
            let ty = obj_ty();
            let j = v.to_model_json();
            let back = Value::from_model_json(&j, &ty).unwrap();
            // dynamic values come back with their natural type (a tuple for a JSON array)
            let strip = |x: &Value| { let mut x = x.clone(); if let Some(m) = x.as_object_mut() { m.remove("d"); } x };
            prop_assert!(strip(&back).semantic_eq(&strip(&v)), "{:?} != {:?}", back, v);
        }

        #[test]
        fn number_string_round_trip(n in arb_number()) {
            let s = n.to_string();
            prop_assert_eq!(Number::from_str(&s).unwrap(), n);
        }

        #[test]
        fn decoding_garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = Value::from_msgpack(&bytes, &obj_ty());
            let _ = Value::from_msgpack(&bytes, &Type::Dynamic);
        }
    }
}
