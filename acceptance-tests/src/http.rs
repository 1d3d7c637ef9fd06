//! The harness's HTTP client for the control APIs of the servers it starts (emulator,
//! MLflow): plain HTTP/1.1 on 127.0.0.1, JSON bodies.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use serde_json::Value as Json;

/// A minimal HTTP/1.1 JSON exchange with a server of the harness on 127.0.0.1:`port`: the
/// parsed body of a 2xx answer (`Null` when empty), an error naming the status otherwise.
pub fn json(port: u16, method: &str, path: &str, body: Option<&Json>) -> Result<Json> {
    let (status, payload) = exchange(port, method, path, body)?;
    if !(200..300).contains(&status) {
        bail!("{method} {path}: HTTP {status}: {payload}");
    }
    if payload.trim().is_empty() {
        return Ok(Json::Null);
    }
    serde_json::from_str(&payload).with_context(|| format!("{method} {path}: {payload}"))
}

/// One HTTP/1.1 request with a JSON body: the status and the (de-chunked) body text.
pub fn exchange(port: u16, method: &str, path: &str, body: Option<&Json>) -> Result<(u16, String)> {
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    request(
        port,
        method,
        path,
        "Content-Type: application/json\r\n",
        &body,
    )
}

/// One HTTP/1.1 request to 127.0.0.1:`port` with extra header lines (each ending in
/// `\r\n`): the status and the (de-chunked) body text.
pub fn request(
    port: u16,
    method: &str,
    path: &str,
    headers: &str,
    body: &str,
) -> Result<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut resp = Vec::new();
    s.read_to_end(&mut resp)?;
    let text = String::from_utf8_lossy(&resp);
    let (head, payload) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| anyhow!("bad HTTP response"))?;
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let payload = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(payload)
    } else {
        payload.to_string()
    };
    Ok((status, payload))
}

fn dechunk(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || tail.len() < n {
            break;
        }
        out.push_str(&tail[..n]);
        rest = tail[n..].trim_start_matches("\r\n");
    }
    out
}
