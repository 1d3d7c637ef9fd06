//! A real Feast registry server (`feast serve_registry` from `<repo>/.venv-feast`, installed
//! by `scripts/setup-python.sh`), one per test, on a free port on 127.0.0.1, over a feature
//! repo in its own temporary directory: a SQL registry in SQLite (`registry.db`), a SQLite
//! online store and the file offline store. `acceptance-tests/feast/serve_registry.py` runs
//! Feast's own CLI with the bind address moved to loopback and each RPC logged, so a test
//! counts the calls a plan made ([`FeastServer::rpcs`]). Tests act as Feast users do with
//! the real Feast Python SDK, a client of this server ([`FeastServer::client`]).

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{bail, Context, Result};

use crate::repo_root;
use crate::server::{free_port, ServerProcess};

/// How long the server may take to listen (about 5 s on 2 cores).
const START_TIMEOUT: Duration = Duration::from_secs(90);

/// A running registry server; stopped (its process group) on drop.
pub struct FeastServer {
    server: ServerProcess,
    pub port: u16,
}

fn venv_bin(tool: &str) -> Result<PathBuf> {
    crate::server::venv_bin("MLOPS_FEAST_VENV", ".venv-feast", tool)
}

/// The project every test uses.
pub const PROJECT: &str = "churn";

fn write_repo(dir: &Path, registry: &str) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(
        dir.join("feature_store.yaml"),
        format!(
            "project: {PROJECT}\nprovider: local\n{registry}online_store:\n  type: sqlite\n  path: {}\noffline_store:\n  type: file\nentity_key_serialization_version: 3\n",
            dir.join("online.db").display()
        ),
    )?;
    Ok(())
}

impl FeastServer {
    /// Start a server (plain gRPC) and wait until it listens.
    pub fn start() -> Result<Self> {
        Self::start_with(false)
    }

    /// Start a server in TLS mode (`--key`, `--cert`: a certificate for 127.0.0.1 signed by
    /// the CA at [`FeastServer::ca_file`]) and wait until it listens.
    pub fn start_tls() -> Result<Self> {
        Self::start_with(true)
    }

    fn start_with(tls: bool) -> Result<Self> {
        let python = venv_bin("python")?;
        let dir = tempfile::Builder::new().prefix("feast-").tempdir()?;
        let server_repo = dir.path().join("server");
        write_repo(
            &server_repo,
            &format!(
                "registry:\n  registry_type: sql\n  path: sqlite:///{}\n  cache_ttl_seconds: 0\n",
                dir.path().join("registry.db").display()
            ),
        )?;
        let port = free_port()?;
        // The SDK side: the same stores, the registry reached through the server.
        let cert = if tls {
            crate::server::write_certificates("feast-registry", dir.path())?;
            format!("  cert: {}\n", dir.path().join("ca.crt").display())
        } else {
            String::new()
        };
        write_repo(
            &dir.path().join("client"),
            &format!("registry:\n  registry_type: remote\n  path: 127.0.0.1:{port}\n{cert}"),
        )?;
        let mut cmd = Command::new(python);
        cmd.arg(repo_root().join("acceptance-tests/feast/serve_registry.py"))
            .args(["serve_registry", "-p", &port.to_string()])
            .args(if tls {
                vec![
                    "--key".into(),
                    dir.path().join("server.key").into_os_string(),
                    "--cert".into(),
                    dir.path().join("server.crt").into_os_string(),
                ]
            } else {
                vec![]
            })
            .env("FEAST_USAGE", "False")
            .current_dir(&server_repo);
        let server =
            ServerProcess::start("feast serve_registry", cmd, dir, port, START_TIMEOUT, |p| {
                TcpStream::connect(("127.0.0.1", p)).is_ok()
            })?;
        Ok(FeastServer { server, port })
    }

    /// `host:port`, as the provider's `feast.registry_address` takes it.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The CA that signed a TLS server's certificate (PEM), as `feast.ca_cert_file` takes it.
    pub fn ca_file(&self) -> PathBuf {
        self.server.dir.path().join("ca.crt")
    }

    /// The directory of the SDK's feature repo (where [`FeastServer::client`] runs); tests
    /// put their Parquet files here.
    pub fn client_dir(&self) -> PathBuf {
        self.server.dir.path().join("client")
    }

    /// Run a Python script with the real Feast SDK in the client repo
    /// (`FeatureStore(".")` reaches the registry through this server); its stdout.
    pub fn client(&self, script: &str) -> Result<String> {
        let out = Command::new(venv_bin("python")?)
            .args(["-c", script])
            .env("FEAST_USAGE", "False")
            .current_dir(self.client_dir())
            .output()
            .context("running the Feast SDK")?;
        if !out.status.success() {
            bail!(
                "Feast SDK script failed ({}):\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// How many RPCs the server has answered (its log): a test compares counts to prove
    /// that a plan made no call.
    pub fn rpcs(&self) -> usize {
        self.log()
            .lines()
            .filter(|l| l.starts_with("RPC /"))
            .count()
    }

    fn log(&self) -> String {
        self.server.log()
    }

    /// The last lines of the server's log.
    pub fn log_tail(&self) -> String {
        self.server.log_tail()
    }
}
