//! The open-source platform end to end: `examples/open-source-platform` (the
//! `kubernetes-serving` module) applied by the real Terraform CLI, installed from the local
//! mirror, against a real kube-apiserver with the vendored KServe and PrometheusRule CRDs
//! (the harness plays KServe's controller), a real `mlflow server` and a real
//! `feast serve_registry`. Training code (the real MLflow client) registers a version and
//! moves the alias; the plan shows the new model files, the apply rolls them out as a
//! canary, and the alerts follow the endpoint. Without a kube-apiserver the test fails,
//! unless `MLOPS_SKIP_KUBE_TESTS=1` (local use) makes it skip loudly.

use acceptance_tests::feast::FeastServer;
use acceptance_tests::kube::{Controller, Kind, KubeApiServer, NAMESPACE};
use acceptance_tests::mlflow::MlflowServer;
use acceptance_tests::promtool::RuleFile;
use acceptance_tests::{
    count_hcl_lines, load_example, normalize, re, repo_root, Emulator, Install, Workspace,
};
use anyhow::{ensure, Context, Result};
use serde_json::{json, Value as Json};

fn at<'a>(j: &'a Json, p: &str) -> &'a Json {
    j.pointer(p).unwrap_or(&Json::Null)
}

fn isvc(k: &KubeApiServer) -> Result<Json> {
    k.get(NAMESPACE, "churn")?
        .context("InferenceService ml/churn does not exist")
}

fn rule(k: &KubeApiServer) -> Result<Json> {
    k.get_of(Kind::PrometheusRule, NAMESPACE, "churn-alerts")?
        .context("PrometheusRule ml/churn-alerts does not exist")
}

/// The alert rules of the PrometheusRule, checked by the real promtool; the expressions.
fn checked_rules(k: &KubeApiServer) -> Result<Vec<String>> {
    let r = rule(k)?;
    let groups = at(&r, "/spec/groups").clone();
    let (ok, out) = RuleFile::new(&groups)?.check()?;
    ensure!(ok, "promtool check rules:\n{out}");
    Ok(groups
        .pointer("/0/rules")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .map(|r| r["expr"].as_str().unwrap_or_default().to_string())
        .collect())
}

#[test]
fn open_source_platform_example_rolls_out_the_champion_and_alerts_follow() -> Result<()> {
    let example = repo_root().join("examples/open-source-platform");
    let lines = count_hcl_lines(&example, "main.tf")?;
    ensure!(
        lines < 40,
        "examples/open-source-platform/main.tf has {lines} lines of HCL"
    );
    let Some(k) = KubeApiServer::start_or_skip("open_source_platform_example")? else {
        return Ok(());
    };
    k.controller(Controller::Ready(std::time::Duration::from_millis(300)));
    k.run_controller(NAMESPACE);
    let mlflow = MlflowServer::start()?;
    let feast = FeastServer::start()?;
    let emulator = Emulator::start()?;
    let mut ws = Workspace::new(&emulator, Install::Mirror)?;
    ws.env.extend([
        (
            "KUBECONFIG".to_string(),
            k.kubeconfig().display().to_string(),
        ),
        ("MLFLOW_TRACKING_URI".to_string(), mlflow.uri()),
        ("FEAST_REGISTRY_ADDRESS".to_string(), feast.address()),
    ]);
    load_example(&ws, "open-source-platform")?;
    let steps = (|| -> Result<()> {
        ws.init()?;
        ws.tf_ok(&["apply", "-auto-approve", "-no-color", "-input=false"])?;
        ws.assert_plan_empty()?;
        // version 1 holds champion and is served by MLServer
        let o = isvc(&k)?;
        ensure!(
            at(&o, "/spec/predictor/model/storageUri") == "s3://models/churn/1",
            "{o}"
        );
        ensure!(
            at(&o, "/spec/predictor/model/modelFormat/name") == "mlflow",
            "{o}"
        );
        ensure!(at(&o, "/metadata/labels/team") == "churn", "{o}");
        let r = rule(&k)?;
        ensure!(
            at(&r, "/metadata/labels/release") == "kube-prometheus-stack",
            "rule labels: {r}"
        );
        let exprs = checked_rules(&k)?;
        ensure!(
            exprs.len() == 3
                && exprs
                    .iter()
                    .all(|e| e.contains("configuration_name=\"churn-predictor\"")),
            "the alerts select the endpoint's revisions: {exprs:?}"
        );
        let out: Json = serde_json::from_str(&ws.tf_ok(&["output", "-json"])?.stdout)?;
        ensure!(out["serving_version"]["value"] == 1, "{out}");
        ensure!(
            out["alerts"]["value"].as_array().map(Vec::len) == Some(3),
            "{out}"
        );
        let views = feast.client(
            "import json\nfrom feast import FeatureStore\ns = FeatureStore('.')\nprint(json.dumps({v.name: sorted(f.name for f in v.features) for v in s.list_feature_views()}))\n",
        )?;
        let views: Json = serde_json::from_str(views.trim())?;
        ensure!(
            views == json!({"churn": ["orders", "segment", "total_spend"]}),
            "Feast views: {views}"
        );
        // training registers version 2 and moves champion to it
        mlflow.client(
            "from mlflow import MlflowClient\nc = MlflowClient()\nv = c.create_model_version('churn', 's3://models/churn/2')\nc.set_registered_model_alias('churn', 'champion', v.version)\n",
        )?;
        let plan = ws.tf(&["plan", "-no-color", "-detailed-exitcode", "-input=false"])?;
        ensure!(plan.code == 2, "expected changes:\n{}", plan.all());
        let shown = normalize(&plan.stdout);
        ensure!(
            re(r#"~ model_data_url\s*= "s3://models/churn/1" -> "s3://models/churn/2""#)
                .is_match(&shown),
            "the plan shows the new files:\n{shown}"
        );
        ensure!(
            re(r"Plan: 0 to add, 1 to change, 0 to destroy").is_match(&shown),
            "only the endpoint changes:\n{shown}"
        );
        ws.tf_ok(&["apply", "-auto-approve", "-no-color", "-input=false"])?;
        ws.assert_plan_empty()?;
        let o = isvc(&k)?;
        ensure!(
            at(&o, "/spec/predictor/model/storageUri") == "s3://models/churn/2",
            "{o}"
        );
        ensure!(
            at(&o, "/spec/predictor/canaryTrafficPercent") == 10,
            "a 10 % canary: {o}"
        );
        let out: Json = serde_json::from_str(&ws.tf_ok(&["output", "-json"])?.stdout)?;
        ensure!(out["serving_version"]["value"] == 2, "{out}");
        // the same rules cover the canary revision: they select the endpoint, not a revision
        let after = checked_rules(&k)?;
        ensure!(after == exprs, "rules changed with the rollout: {after:?}");
        Ok(())
    })();
    let d = ws.tf(&["destroy", "-auto-approve", "-no-color", "-input=false"])?;
    steps?;
    ensure!(d.code == 0, "destroy failed:\n{}", d.all());
    ensure!(
        k.get(NAMESPACE, "churn")?.is_none(),
        "InferenceService left"
    );
    ensure!(
        k.get_of(Kind::PrometheusRule, NAMESPACE, "churn-alerts")?
            .is_none(),
        "PrometheusRule left"
    );
    let left = mlflow.api("GET", "registered-models/search?max_results=10", None)?;
    ensure!(
        left["registered_models"]
            .as_array()
            .is_none_or(|a| a.is_empty()),
        "registered models left: {left}"
    );
    let views = feast.client(
        "from feast import FeatureStore\nprint(len(FeatureStore('.').list_feature_views()))\n",
    )?;
    ensure!(views.trim() == "0", "Feast views left: {views}");
    Ok(())
}

/// `(name, modelUri, traffic)` of each predictor of the SeldonDeployment `ml/churn`.
fn predictors(k: &KubeApiServer) -> Result<Vec<(String, String, i64)>> {
    let o = k
        .get_of(Kind::SeldonDeployment, NAMESPACE, "churn")?
        .context("SeldonDeployment ml/churn does not exist")?;
    Ok(at(&o, "/spec/predictors")
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            (
                p["name"].as_str().unwrap_or_default().to_string(),
                at(p, "/graph/modelUri")
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                p["traffic"].as_i64().unwrap_or(0),
            )
        })
        .collect())
}

/// The module on Seldon Core, serving a registered model training code made (the module
/// creates none): the champion on MLFLOW_SERVER, then a canary predictor for the next one
/// while `main` keeps the previous; the alerts use Seldon's executor metrics; destroy leaves
/// the training code's registered model alone.
#[test]
fn kubernetes_serving_module_on_seldon_with_a_model_training_registered() -> Result<()> {
    let Some(k) = KubeApiServer::start_or_skip("kubernetes_serving_module_on_seldon")? else {
        return Ok(());
    };
    k.controller(Controller::Ready(std::time::Duration::from_millis(300)));
    k.run_controller(NAMESPACE);
    let mlflow = MlflowServer::start()?;
    // training registers the model and version 1, and makes it the champion
    mlflow.client(
        "from mlflow import MlflowClient\nc = MlflowClient()\nc.create_registered_model('churn')\nv = c.create_model_version('churn', 's3://models/churn/1')\nc.set_registered_model_alias('churn', 'champion', v.version)\n",
    )?;
    let emulator = Emulator::start()?;
    let mut ws = Workspace::new(&emulator, Install::Mirror)?;
    ws.env.extend([
        (
            "KUBECONFIG".to_string(),
            k.kubeconfig().display().to_string(),
        ),
        ("MLFLOW_TRACKING_URI".to_string(), mlflow.uri()),
    ]);
    let module = repo_root().join("modules/kubernetes-serving");
    ws.write_config(&format!(
        r#"terraform {{
  required_providers {{
    mlops = {{ source = "mlops/mlops" }}
  }}
}}
provider "mlops" {{
  region = "us-east-1"
}}
module "churn" {{
  source                  = "{}"
  name                    = "churn"
  namespace               = "{NAMESPACE}"
  platform                = "seldon"
  create_registered_model = false
  canary_traffic_percent  = 20
  storage_secret_name     = "s3-model-reader"
}}
"#,
        module.display()
    ))?;
    let steps = (|| -> Result<()> {
        ws.init()?;
        ws.tf_ok(&["apply", "-auto-approve", "-no-color", "-input=false"])?;
        ws.assert_plan_empty()?;
        ensure!(
            predictors(&k)? == vec![("main".to_string(), "s3://models/churn/1".to_string(), 100)],
            "{:?}",
            predictors(&k)?
        );
        let o = k
            .get_of(Kind::SeldonDeployment, NAMESPACE, "churn")?
            .context("no SeldonDeployment")?;
        ensure!(
            at(&o, "/spec/predictors/0/graph/implementation") == "MLFLOW_SERVER",
            "{o}"
        );
        let exprs = checked_rules(&k)?;
        ensure!(
            exprs.iter().all(
                |e| e.contains("seldon_api_executor_server_requests_seconds")
                    && e.contains("deployment_name=\"churn\"")
            ),
            "Seldon's executor metrics: {exprs:?}"
        );
        mlflow.client(
            "from mlflow import MlflowClient\nc = MlflowClient()\nv = c.create_model_version('churn', 's3://models/churn/2')\nc.set_registered_model_alias('churn', 'champion', v.version)\n",
        )?;
        ws.tf_ok(&["apply", "-auto-approve", "-no-color", "-input=false"])?;
        ws.assert_plan_empty()?;
        ensure!(
            predictors(&k)?
                == vec![
                    ("main".to_string(), "s3://models/churn/1".to_string(), 80),
                    ("canary".to_string(), "s3://models/churn/2".to_string(), 20)
                ],
            "{:?}",
            predictors(&k)?
        );
        ensure!(checked_rules(&k)? == exprs, "the rules follow unchanged");
        Ok(())
    })();
    let d = ws.tf(&["destroy", "-auto-approve", "-no-color", "-input=false"])?;
    steps?;
    ensure!(d.code == 0, "destroy failed:\n{}", d.all());
    ensure!(
        k.get_of(Kind::SeldonDeployment, NAMESPACE, "churn")?
            .is_none(),
        "SeldonDeployment left"
    );
    let m = mlflow.api("GET", "registered-models/get?name=churn", None)?;
    ensure!(
        m["registered_model"]["name"] == "churn",
        "the training code's registered model stays: {m}"
    );
    Ok(())
}
