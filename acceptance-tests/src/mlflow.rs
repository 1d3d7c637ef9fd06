//! A real MLflow tracking server (`mlflow server` from `<repo>/.venv-mlflow`, installed by
//! `scripts/setup-python.sh`), one per test, on a free port on 127.0.0.1: a SQLite backend
//! store and a local artifact root in its own temporary directory, stopped on drop. Tests
//! read it back through MLflow's REST API ([`MlflowServer::api`]) and act on it as training
//! code does, with the real MLflow Python client ([`MlflowServer::client`]).

use std::process::Command;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use serde_json::Value as Json;

use crate::server::{free_port, ServerProcess};

/// How long a server may take to answer `/health` (about 6 s on 2 cores).
const START_TIMEOUT: Duration = Duration::from_secs(90);

/// A running MLflow tracking server; stopped (its process group) on drop.
pub struct MlflowServer {
    server: ServerProcess,
    pub port: u16,
}

fn venv_bin(tool: &str) -> Result<std::path::PathBuf> {
    crate::server::venv_bin("MLOPS_MLFLOW_VENV", ".venv-mlflow", tool)
}

impl MlflowServer {
    /// Start a server and wait until it answers `/health`.
    pub fn start() -> Result<Self> {
        let mlflow = venv_bin("mlflow")?;
        let dir = tempfile::Builder::new().prefix("mlflow-").tempdir()?;
        let port = free_port()?;
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
            .current_dir(dir.path());
        // `/health` answers the text "OK"
        let server = ServerProcess::start("mlflow server", cmd, dir, port, START_TIMEOUT, |p| {
            matches!(
                crate::http::exchange(p, "GET", "/health", None),
                Ok((200, _))
            )
        })?;
        Ok(MlflowServer { server, port })
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
            .current_dir(self.server.dir.path())
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
        self.server
            .log()
            .lines()
            .filter(|l| l.contains(" /api/2.0/mlflow/"))
            .count()
    }

    /// The last lines of the server's log.
    pub fn log_tail(&self) -> String {
        self.server.log_tail()
    }
}
