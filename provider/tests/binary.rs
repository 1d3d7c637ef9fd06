//! The binary's launch contract with Terraform (go-plugin): cookie, protocol negotiation,
//! refusing to serve without mutual TLS, and the handshake line on stdout.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_terraform-provider-mlops");
const COOKIE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

fn clean() -> Command {
    let mut c = Command::new(BIN);
    for k in [
        "TF_PLUGIN_MAGIC_COOKIE",
        "PLUGIN_PROTOCOL_VERSIONS",
        "PLUGIN_CLIENT_CERT",
        "TF_DISABLE_PLUGIN_TLS",
        "PLUGIN_UNIX_SOCKET_DIR",
    ] {
        c.env_remove(k);
    }
    c
}

#[test]
fn run_by_hand_explains_and_exits_1() {
    let out = clean().output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "nothing on stdout");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("plugin for Terraform"), "{err}");
}

#[test]
fn refuses_protocol_5_only() {
    let out = clean()
        .env("TF_PLUGIN_MAGIC_COOKIE", COOKIE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "5")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("protocol 6"));
}

#[test]
fn refuses_to_serve_without_client_certificate() {
    let out = clean()
        .env("TF_PLUGIN_MAGIC_COOKIE", COOKIE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("mutual TLS"));
    assert!(out.stdout.is_empty());
}

#[test]
fn prints_the_handshake_line_first() {
    let dir = tempfile::tempdir().unwrap();
    let start = Instant::now();
    let mut child = clean()
        .env("TF_PLUGIN_MAGIC_COOKIE", COOKIE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
        .env("TF_DISABLE_PLUGIN_TLS", "1")
        .env("PLUGIN_UNIX_SOCKET_DIR", dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let elapsed = start.elapsed();
    child.kill().unwrap();
    let _ = child.wait();
    let parts: Vec<&str> = line.trim_end().split('|').collect();
    assert_eq!(parts.len(), 6, "{line:?}");
    assert_eq!(&parts[..3], &["1", "6", "unix"]);
    assert!(parts[3].starts_with(dir.path().to_str().unwrap()), "{line}");
    assert_eq!(parts[4], "grpc");
    assert!(
        elapsed < Duration::from_secs(5),
        "handshake took {elapsed:?}"
    );
}
