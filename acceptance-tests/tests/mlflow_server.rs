//! The harness's real MLflow tracking server (issue 14's test bed): training code (the real
//! MLflow Python client) logs and registers models and moves aliases; the REST API the
//! provider's MLflow registry backend will read answers as these tests pin down:
//! the version holding an alias, its run, and where its artifacts (with the `MLmodel` file
//! that names the flavour KServe's `mlflow` runtime needs) are. MLflow 3 gives a version a
//! `models:/m-…` source (a logged model), so the storage location is
//! `model-versions/get-download-uri`, not `source`.

use acceptance_tests::mlflow::MlflowServer;
use anyhow::{ensure, Result};
use serde_json::json;

/// Train, log and register one version of `churn` per call, as a training job does.
const REGISTER: &str = r#"
import json, mlflow
from sklearn.linear_model import LogisticRegression
mlflow.set_experiment("churn")
with mlflow.start_run() as run:
    m = LogisticRegression().fit([[0], [1]], [0, 1])
    info = mlflow.sklearn.log_model(m, name="model", registered_model_name="churn")
print(json.dumps({"run_id": run.info.run_id, "model_uri": info.model_uri}))
"#;

fn alias_version(s: &MlflowServer, alias: &str) -> Result<serde_json::Value> {
    Ok(s.api(
        "GET",
        &format!("registered-models/alias?name=churn&alias={alias}"),
        None,
    )?["model_version"]
        .clone())
}

#[test]
fn training_code_registers_and_moves_aliases_and_the_rest_api_reads_them() -> Result<()> {
    let s = MlflowServer::start()?;
    let first: serde_json::Value =
        serde_json::from_str(s.client(REGISTER)?.lines().last().unwrap_or_default())?;
    s.client(r#"from mlflow import MlflowClient; MlflowClient().set_registered_model_alias("churn", "champion", "1")"#)?;

    let v = alias_version(&s, "champion")?;
    ensure!(v["version"] == "1" && v["status"] == "READY", "{v}");
    ensure!(v["run_id"] == first["run_id"], "{v} vs {first}");
    ensure!(
        v["source"] == first["model_uri"],
        "MLflow 3: the source is the logged model: {v}"
    );
    ensure!(
        v["aliases"] == json!(["champion"]),
        "the version lists its aliases: {v}"
    );

    // Where the artifacts are, and the flavour in their MLmodel file.
    let uri = s.api(
        "GET",
        "model-versions/get-download-uri?name=churn&version=1",
        None,
    )?;
    let dir = uri["artifact_uri"].as_str().unwrap_or_default().to_string();
    let mlmodel = std::fs::read_to_string(std::path::Path::new(&dir).join("MLmodel"))?;
    ensure!(mlmodel.contains("sklearn:"), "flavours: {mlmodel}");

    // A second version, then the alias moved out of band, as a promotion job does.
    s.client(REGISTER)?;
    s.client(r#"from mlflow import MlflowClient; MlflowClient().set_registered_model_alias("churn", "champion", "2")"#)?;
    let v = alias_version(&s, "champion")?;
    ensure!(v["version"] == "2", "the alias moved: {v}");
    let m = s.api("GET", "registered-models/get?name=churn", None)?;
    ensure!(
        m["registered_model"]["aliases"] == json!([{"alias": "champion", "version": "2"}]),
        "{m}"
    );

    // An unknown alias is an error with MLflow's code (400 INVALID_PARAMETER_VALUE, not a
    // 404), never an empty answer: the lookup must read it as "no version holds it".
    let missing = alias_version(&s, "nobody").unwrap_err().to_string();
    ensure!(
        missing.contains("400") && missing.contains("INVALID_PARAMETER_VALUE"),
        "{missing}"
    );

    // Stopped on drop: the port is closed.
    let port = s.port;
    drop(s);
    ensure!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "the server outlived its test"
    );
    Ok(())
}
