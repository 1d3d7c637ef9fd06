//! A real Feast registry server (`feast serve_registry` from `<repo>/.venv-feast`, installed
//! by `scripts/setup-python.sh`), one per test, on a free port on 127.0.0.1, over a feature
//! repo in its own temporary directory: a SQL registry in SQLite (`registry.db`), a SQLite
//! online store and the file offline store. `acceptance-tests/feast/serve_registry.py` runs
//! Feast's own CLI with the bind address moved to loopback and each RPC logged, so a test
//! counts the calls a plan made ([`FeastServer::rpcs`]). Tests act as Feast users do with
//! the real Feast Python SDK, a client of this server ([`FeastServer::client`]).

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use tempfile::TempDir;

use crate::repo_root;

/// How long the server may take to listen (about 5 s on 2 cores).
const START_TIMEOUT: Duration = Duration::from_secs(90);

/// A running registry server; stopped (its process group) on drop.
pub struct FeastServer {
    child: Child,
    pub port: u16,
    dir: TempDir,
}

fn venv_bin(tool: &str) -> Result<PathBuf> {
    let p = std::env::var("MLOPS_FEAST_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|_| repo_root().join(".venv-feast"))
        .join("bin")
        .join(tool);
    if !p.exists() {
        bail!(
            "{} is missing: run scripts/setup-python.sh first (scripts/test.sh does)",
            p.display()
        );
    }
    Ok(p)
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

/// A CA and a server certificate for 127.0.0.1 it signed, written to `dir` as `ca.crt`,
/// `server.crt` and `server.key`.
fn write_certificates(dir: &Path) -> Result<()> {
    let ca_key = rcgen::KeyPair::generate()?;
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "mlops-test-feast-ca");
    let ca = ca_params.self_signed(&ca_key)?;
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let key = rcgen::KeyPair::generate()?;
    let mut params =
        rcgen::CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "feast-registry");
    let cert = params.signed_by(&key, &issuer)?;
    std::fs::write(dir.join("ca.crt"), ca.pem())?;
    std::fs::write(dir.join("server.crt"), cert.pem())?;
    std::fs::write(dir.join("server.key"), key.serialize_pem())?;
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
        let port = TcpListener::bind(("127.0.0.1", 0))?.local_addr()?.port();
        // The SDK side: the same stores, the registry reached through the server.
        let cert = if tls {
            write_certificates(dir.path())?;
            format!("  cert: {}\n", dir.path().join("ca.crt").display())
        } else {
            String::new()
        };
        write_repo(
            &dir.path().join("client"),
            &format!("registry:\n  registry_type: remote\n  path: 127.0.0.1:{port}\n{cert}"),
        )?;
        let log = std::fs::File::create(dir.path().join("server.log"))?;
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
            .current_dir(&server_repo)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let child = cmd.spawn().context("starting feast serve_registry")?;
        let mut server = FeastServer { child, port, dir };
        let started = Instant::now();
        loop {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            if let Some(status) = server.child.try_wait()? {
                bail!(
                    "feast serve_registry exited ({status}) before it listened:\n{}",
                    server.log_tail()
                );
            }
            if started.elapsed() > START_TIMEOUT {
                bail!(
                    "feast serve_registry not listening after {START_TIMEOUT:?}:\n{}",
                    server.log_tail()
                );
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        eprintln!(
            "feast registry server on 127.0.0.1:{port}, listening in {:.1}s",
            started.elapsed().as_secs_f64()
        );
        Ok(server)
    }

    /// `host:port`, as the provider's `feast.registry_address` takes it.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The CA that signed a TLS server's certificate (PEM), as `feast.ca_cert_file` takes it.
    pub fn ca_file(&self) -> PathBuf {
        self.dir.path().join("ca.crt")
    }

    /// The directory of the SDK's feature repo (where [`FeastServer::client`] runs); tests
    /// put their Parquet files here.
    pub fn client_dir(&self) -> PathBuf {
        self.dir.path().join("client")
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
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// The last lines of the server's log.
    pub fn log_tail(&self) -> String {
        let log = self.log();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }
}

impl Drop for FeastServer {
    fn drop(&mut self) {
        // The `--` matters: procps-ng 4.0 kill reads a bare `-<pgid>` as -1.
        let _ = Command::new("kill")
            .args(["-TERM", "--", &format!("-{}", self.child.id())])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .status();
        let _ = self.child.wait();
    }
}
