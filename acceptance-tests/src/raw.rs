//! Raw AWS requests to the emulator for services the harness has no SDK client for
//! (EventBridge and Secrets Manager JSON protocol, SNS/IAM query protocol): tests read back and change, out of
//! band, what the provider created.

use anyhow::{bail, Result};
use serde_json::Value as Json;

fn send(port: u16, service: &str, headers: &str, body: &str) -> Result<(u16, String)> {
    let auth = format!("X-Amz-Date: 20260101T000000Z\r\nAuthorization: AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/{service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000\r\n{headers}");
    crate::http::request(port, "POST", "/", &auth, body)
}

pub fn events(port: u16, op: &str, body: Json) -> Result<Json> {
    json_api(port, "events", "AWSEvents", op, body)
}

/// Secrets Manager (where EventBridge keeps a connection's credentials).
pub fn secretsmanager(port: u16, op: &str, body: Json) -> Result<Json> {
    json_api(port, "secretsmanager", "secretsmanager", op, body)
}

/// An AWS JSON 1.1 protocol call: `X-Amz-Target: <target>.<op>`.
fn json_api(port: u16, service: &str, target: &str, op: &str, body: Json) -> Result<Json> {
    let (status, payload) = send(
        port,
        service,
        &format!("Content-Type: application/x-amz-json-1.1\r\nX-Amz-Target: {target}.{op}\r\n"),
        &body.to_string(),
    )?;
    if status != 200 {
        bail!("{service} {op}: HTTP {status}: {payload}");
    }
    if payload.trim().is_empty() {
        return Ok(Json::Null);
    }
    Ok(serde_json::from_str(&payload)?)
}

fn form(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

pub fn query(
    port: u16,
    service: &str,
    version: &str,
    op: &str,
    params: &[(&str, &str)],
) -> Result<String> {
    let mut body = format!("Action={op}&Version={version}");
    for (k, v) in params {
        body.push_str(&format!("&{k}={}", form(v)));
    }
    let (status, payload) = send(
        port,
        service,
        "Content-Type: application/x-www-form-urlencoded; charset=utf-8\r\n",
        &body,
    )?;
    if status != 200 {
        bail!("{service} {op}: HTTP {status}: {payload}");
    }
    Ok(payload)
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Texts of all `<tag>` elements of an XML document.
pub fn xml_all(xml: &str, tag: &str) -> Vec<String> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(i) = rest.find(&open) {
        let after = &rest[i + open.len()..];
        let Some(j) = after.find(&close) else { break };
        out.push(unescape(&after[..j]));
        rest = &after[j + close.len()..];
    }
    out
}

pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 3 <= b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Text of the first `<tag>` element of an XML document.
pub fn xml_text(xml: &str, tag: &str) -> Option<String> {
    let start = xml.find(&format!("<{tag}>"))? + tag.len() + 2;
    let end = start + xml[start..].find(&format!("</{tag}>"))?;
    Some(unescape(&xml[start..end]))
}
