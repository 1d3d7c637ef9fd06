//! A real MLflow tracking server (`mlflow server` from `<repo>/.venv-mlflow`, installed by
//! `scripts/setup-python.sh`), one per test, on a free port on 127.0.0.1: a SQLite backend
//! store and a local artifact root in its own temporary directory, stopped on drop. Tests
//! read it back through MLflow's REST API ([`MlflowServer::api`]) and act on it as training
//! code does, with the real MLflow Python client ([`MlflowServer::client`]).

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde_json::Value as Json;
use tempfile::TempDir;

use crate::repo_root;

/// How long a server may take to answer `/health` (about 6 s on 2 cores).
const START_TIMEOUT: Duration = Duration::from_secs(90);

/// A running MLflow tracking server; stopped (its process group) on drop.
pub struct MlflowServer {
    child: Child,
    pub port: u16,
    dir: TempDir,
}

fn venv_bin(tool: &str) -> Result<PathBuf> {
    let p = std::env::var("MLOPS_MLFLOW_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|_| repo_root().join(".venv-mlflow"))
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

impl MlflowServer {
    /// Start a server and wait until it answers `/health`.
    pub fn start() -> Result<Self> {
        let mlflow = venv_bin("mlflow")?;
        let dir = tempfile::Builder::new().prefix("mlflow-").tempdir()?;
        // A free port: bound by us, released, then given to the server.
        let port = TcpListener::bind(("127.0.0.1", 0))?.local_addr()?.port();
        let log = std::fs::File::create(dir.path().join("server.log"))?;
        let mut cmd = Command::new(mlflow);
        cmd.arg("server")
            .arg("--backend-store-uri")
            .arg(format!(
                "sqlite:///{}",
                dir.path().join("mlflow.db").display()
            ))
            .arg("--default-artifact-root")
            .arg(dir.path().join("artifacts"))
            .args([
                "--host",
                "127.0.0.1",
                "--port",
                &port.to_string(),
                "--workers",
                "1",
            ])
            // no background job runner (four more Python processes; unused here)
            .env("MLFLOW_SERVER_ENABLE_JOB_EXECUTION", "false")
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let child = cmd.spawn().context("starting mlflow server")?;
        let mut server = MlflowServer { child, port, dir };
        let started = Instant::now();
        loop {
            // `/health` answers the text "OK"
            if matches!(
                crate::http::exchange(port, "GET", "/health", None),
                Ok((200, _))
            ) {
                break;
            }
            if let Some(status) = server.child.try_wait()? {
                bail!(
                    "mlflow server exited ({status}) before it was ready:\n{}",
                    server.log_tail()
                );
            }
            if started.elapsed() > START_TIMEOUT {
                bail!(
                    "mlflow server not ready after {START_TIMEOUT:?}:\n{}",
                    server.log_tail()
                );
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        eprintln!(
            "mlflow server on 127.0.0.1:{port}, ready in {:.1}s",
            started.elapsed().as_secs_f64()
        );
        Ok(server)
    }

    /// The tracking URI, e.g. `http://127.0.0.1:40123`.
    pub fn uri(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// A REST call, e.g. `api("GET", "registered-models/get?name=churn", None)` for
    /// `/api/2.0/mlflow/registered-models/get`.
    pub fn api(&self, method: &str, path: &str, body: Option<&Json>) -> Result<Json> {
        crate::http::json(self.port, method, &format!("/api/2.0/mlflow/{path}"), body)
    }

    /// Run a Python script with the real MLflow client pointed at this server
    /// (`MLFLOW_TRACKING_URI`), as training code does; its stdout.
    pub fn client(&self, script: &str) -> Result<String> {
        let out = Command::new(venv_bin("python")?)
            .args(["-c", script])
            .env("MLFLOW_TRACKING_URI", self.uri())
            .current_dir(self.dir.path())
            .output()
            .context("running the MLflow client")?;
        if !out.status.success() {
            bail!(
                "MLflow client script failed ({}):\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// How many REST API requests (`/api/2.0/mlflow/...`) the server has answered, from its
    /// access log: a test compares counts to prove that a plan made no call.
    pub fn api_calls(&self) -> usize {
        std::fs::read_to_string(self.dir.path().join("server.log"))
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains(" /api/2.0/mlflow/"))
            .count()
    }

    /// The last lines of the server's log.
    pub fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }
}

impl Drop for MlflowServer {
    fn drop(&mut self) {
        // the server and its workers. The `--` matters: procps-ng 4.0 kill reads a bare
        // `-<pgid>` after the signal as -1, i.e. every process the user may signal.
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
