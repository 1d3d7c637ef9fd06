//! What every Python server the tests start has in common (`mlflow server`, `feast
//! serve_registry`): its virtual environment, its own temporary directory and log, a free
//! port on 127.0.0.1, a wait until it is ready that reports an early exit with the log, and
//! a stop of its whole process group on drop.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use tempfile::TempDir;

use crate::repo_root;

/// `<venv>/bin/<tool>`: the venv is `$<env>` or `<repo>/<default>`.
pub fn venv_bin(env: &str, default: &str, tool: &str) -> Result<PathBuf> {
    let p = std::env::var(env)
        .map(PathBuf::from)
        .unwrap_or_else(|_| repo_root().join(default))
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

/// A port free on 127.0.0.1 now (bound, released, then given to a server).
pub fn free_port() -> Result<u16> {
    Ok(TcpListener::bind(("127.0.0.1", 0))?.local_addr()?.port())
}

/// A running server process; stopped (its process group) on drop.
pub struct ServerProcess {
    child: Child,
    /// What it is, for messages: `mlflow server`.
    what: &'static str,
    pub port: u16,
    /// Its temporary directory (its log is `server.log` there).
    pub dir: TempDir,
}

impl ServerProcess {
    /// Spawn `cmd` in a process group of its own, output to `<dir>/server.log`, then wait
    /// (up to `timeout`) until `ready(port)`.
    pub fn start(
        what: &'static str,
        mut cmd: Command,
        dir: TempDir,
        port: u16,
        timeout: Duration,
        ready: impl Fn(u16) -> bool,
    ) -> Result<Self> {
        let log = std::fs::File::create(dir.path().join("server.log"))?;
        cmd.stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let child = cmd.spawn().with_context(|| format!("starting {what}"))?;
        let mut server = ServerProcess {
            child,
            what,
            port,
            dir,
        };
        let started = Instant::now();
        while !ready(port) {
            if let Some(status) = server.child.try_wait()? {
                bail!(
                    "{what} exited ({status}) before it was ready:\n{}",
                    server.log_tail()
                );
            }
            if started.elapsed() > timeout {
                bail!("{what} not ready after {timeout:?}:\n{}", server.log_tail());
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        eprintln!(
            "{what} on 127.0.0.1:{port}, ready in {:.1}s",
            started.elapsed().as_secs_f64()
        );
        Ok(server)
    }

    /// Its log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// The last lines of its log.
    pub fn log_tail(&self) -> String {
        let log = self.log();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        // The server and its workers. The `--` matters: procps-ng 4.0 kill reads a bare
        // `-<pgid>` after the signal as -1, i.e. every process the user may signal.
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        eprintln!(
            "{} did not stop within 10 s of SIGTERM: killing it",
            self.what
        );
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.child.wait();
    }
}

/// A test CA and a certificate it signed for `127.0.0.1` and `localhost` (common name
/// `name`), written to `dir` as `ca.crt`, `server.crt` and `server.key`, for a TLS server a
/// test starts and a client that trusts only that CA.
pub fn write_certificates(name: &str, dir: &Path) -> Result<()> {
    let ca_key = rcgen::KeyPair::generate()?;
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, format!("{name}-ca"));
    let ca = ca_params.self_signed(&ca_key)?;
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let key = rcgen::KeyPair::generate()?;
    let mut params =
        rcgen::CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    let cert = params.signed_by(&key, &issuer)?;
    std::fs::write(dir.join("ca.crt"), ca.pem())?;
    std::fs::write(dir.join("server.crt"), cert.pem())?;
    std::fs::write(dir.join("server.key"), key.serialize_pem())?;
    Ok(())
}
