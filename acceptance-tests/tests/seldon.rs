//! `mlops_endpoint` on Seldon Core v1 with the real Terraform CLI against a real
//! kube-apiserver v1.20.2 with the real SeldonDeployment CRD (seldon-core v1.17.1); the tests
//! play Seldon's operator by writing the SeldonDeployment status. The model comes from a real
//! `mlflow server`, moved by the real MLflow client as training code does.

use std::sync::Arc;
use std::time::Duration;

use acceptance_tests::kube::{Controller, Kind, KubeApiServer, NAMESPACE};
use acceptance_tests::mlflow::MlflowServer;
use acceptance_tests::{
    ensure_rejected, provider_block, re, Emulator, Install, Step, TestCase, Workspace,
};
use anyhow::{ensure, Context, Result};
use serde_json::{json, Value as Json};

const ADDR: &str = "mlops_endpoint.e";

fn start(test: &str) -> Result<Option<Arc<KubeApiServer>>> {
    Ok(KubeApiServer::start_or_skip(test)?.map(Arc::new))
}

fn live(k: &KubeApiServer) -> Result<Json> {
    k.get_of(Kind::SeldonDeployment, NAMESPACE, "churn")?
        .context("SeldonDeployment ml/churn does not exist")
}

fn at<'a>(j: &'a Json, p: &str) -> &'a Json {
    j.pointer(p).unwrap_or(&Json::Null)
}

/// The predictors as (name, modelUri, traffic, shadow).
fn predictors(o: &Json) -> Vec<(String, String, i64, bool)> {
    at(o, "/spec/predictors")
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            (
                p["name"].as_str().unwrap_or_default().to_string(),
                p["graph"]["modelUri"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                p["traffic"].as_i64().unwrap_or(0),
                p["shadow"].as_bool().unwrap_or(false),
            )
        })
        .collect()
}

fn p(name: &str, uri: &str, traffic: i64, shadow: bool) -> (String, String, i64, bool) {
    (name.into(), uri.into(), traffic, shadow)
}

fn endpoint(model: &str, seldon: &str, extra: &str) -> String {
    format!(
        "resource \"mlops_endpoint\" \"e\" {{\n  name = \"churn\"\n  model {{\n{model}  }}\n{extra}  seldon {{\n    namespace = \"{NAMESPACE}\"\n{seldon}  }}\n}}\n"
    )
}

/// A test case against `k`, whose destroy must leave no SeldonDeployment `churn`.
fn case(k: &Arc<KubeApiServer>, name: &str, extra_provider: &str) -> TestCase {
    let mut tc = TestCase::new(name);
    tc.provider_block = provider_block(&format!("{}{extra_provider}", k.provider_kubernetes("")));
    let k = k.clone();
    tc.check_destroyed = Some(Box::new(move |_| {
        ensure!(
            k.get_of(Kind::SeldonDeployment, NAMESPACE, "churn")?
                .is_none(),
            "SeldonDeployment left after destroy"
        );
        Ok(())
    }));
    tc
}

/// The MLflow champion on Seldon's MLflow server: created and waited for; the alias moved
/// by the MLflow client rolls out as a canary predictor while `main` keeps version 1, with a
/// shadow; promoted; a rollout Seldon reports Failed fails with its description and state
/// records it; once Available the plan is empty; import; destroy.
#[test]
fn mlflow_champion_canary_shadow_promotion_failure_import_destroy() -> Result<()> {
    let Some(k) = start("mlflow_champion_canary_shadow_promotion_failure_import_destroy")? else {
        return Ok(());
    };
    k.controller(Controller::Ready(Duration::from_millis(500)));
    k.run_controller(NAMESPACE);
    let sv = Arc::new(MlflowServer::start()?);
    let config = |seldon: &str, shadow: bool| {
        format!(
            r#"resource "mlops_model_package_group" "g" {{
  name          = "churn"
  force_destroy = true
  mlflow {{}}
}}
resource "mlops_model_package" "v1" {{
  model_package_group_name = mlops_model_package_group.g.name
  approval_status          = "Approved"
  mlflow {{
    source = "s3://models/churn/1"
  }}
  lifecycle {{
    ignore_changes = [approval_status]
  }}
}}
resource "mlops_model_package" "v2" {{
  model_package_group_name = mlops_model_package_group.g.name
  depends_on               = [mlops_model_package.v1]
  mlflow {{
    source = "s3://models/churn/2"
  }}
  lifecycle {{
    ignore_changes = [approval_status]
  }}
}}
data "mlops_model_package" "champion" {{
  model_package_group_name = mlops_model_package_group.g.name
  mlflow {{}}
  depends_on = [mlops_model_package.v1, mlops_model_package.v2]
}}
{}"#,
            endpoint(
                "    model_data_url = data.mlops_model_package.champion.model_data_url\n",
                &format!("    model_format = \"mlflow\"\n    protocol     = \"v2\"\n    replicas     = 2\n    labels = {{\n      team = \"churn\"\n    }}\n    resources {{\n      cpu    = \"500m\"\n      memory = \"1Gi\"\n    }}\n{seldon}"),
                if shadow {
                    "  shadow {\n    model_data_url = \"s3://models/churn/candidate\"\n  }\n"
                } else {
                    ""
                },
            )
        )
    };
    let tc = case(
        &k,
        "seldon mlflow champion",
        &format!("  mlflow {{\n    tracking_uri = \"{}\"\n  }}\n", sv.uri()),
    );
    let (k1, k2, k3, k4, k5, sv2) = (
        k.clone(),
        k.clone(),
        k.clone(),
        k.clone(),
        k.clone(),
        sv.clone(),
    );
    tc.step(Step {
        config: config("", false),
        check: Some(Box::new(move |ctx| {
            let o = live(&k1)?;
            ensure!(predictors(&o) == vec![p("main", "s3://models/churn/1", 100, false)], "{o}");
            let main = at(&o, "/spec/predictors/0");
            ensure!(main["graph"]["implementation"] == "MLFLOW_SERVER" && main["replicas"] == 2, "{o}");
            ensure!(at(main, "/componentSpecs/0/spec/containers/0/resources/requests") == &json!({"cpu": "500m", "memory": "1Gi"}), "{o}");
            ensure!(at(&o, "/spec/protocol") == "v2" && at(&o, "/metadata/labels/team") == "churn", "{o}");
            ensure!(at(&o, "/metadata/annotations/mlops.terraform.io~1created-by") == "terraform-provider-mlops", "{o}");
            let ours: String = at(&o, "/metadata/managedFields").as_array().into_iter().flatten()
                .filter(|m| m["manager"] == "terraform-provider-mlops" && m["operation"] == "Apply")
                .map(|m| m["fieldsV1"].to_string()).collect();
            ensure!(ours.contains("f:predictors"), "server-side apply by our field manager: {ours}");
            let s = ctx.state.attr(ADDR, "seldon")?;
            ensure!(s["ready"] == true && s["storage_uri"] == "s3://models/churn/1" && s["stable_storage_uri"].is_null(), "{s}");
            ensure!(s["url"].as_str().unwrap_or_default().contains("churn-default.ml.svc"), "{s}");
            Ok(())
        })),
        ..Default::default()
    })
    // training code moves the champion to version 2: a canary of 20 %, main keeps version 1,
    // and a shadow tries a candidate on a copy of the traffic
    .step(Step {
        config: config("    canary_traffic_percent = 20\n", true),
        before: Some(Box::new(move |_| {
            sv2.client(r#"from mlflow import MlflowClient; MlflowClient().set_registered_model_alias("churn", "champion", "2")"#)?;
            Ok(())
        })),
        expect_plan: Some(re(r#"(?s)mlops_endpoint\.e will be updated in-place.*~ model_data_url\s*= "s3://models/churn/1" -> "s3://models/churn/2".*\+ canary_traffic_percent\s*= 20.*\+ stable_storage_uri\s*= "s3://models/churn/1".*~ storage_uri\s*= "s3://models/churn/1" -> "s3://models/churn/2""#)),
        check: Some(Box::new(move |ctx| {
            let o = live(&k2)?;
            ensure!(
                predictors(&o)
                    == vec![
                        p("main", "s3://models/churn/1", 80, false),
                        p("canary", "s3://models/churn/2", 20, false),
                        p("shadow", "s3://models/churn/candidate", 0, true),
                    ],
                "{o}"
            );
            let s = ctx.state.attr(ADDR, "seldon")?;
            ensure!(s["stable_storage_uri"] == "s3://models/churn/1" && s["storage_uri"] == "s3://models/churn/2", "{s}");
            Ok(())
        })),
        ..Default::default()
    })
    // promoted: the setting removed, version 2 takes all traffic, the shadow goes
    .step(Step {
        config: config("", false),
        expect_plan: Some(re(r#"(?s)- canary_traffic_percent\s*= 20 -> null.*- stable_storage_uri\s*= "s3://models/churn/1" -> null"#)),
        check: Some(Box::new(move |_| {
            let o = live(&k3)?;
            ensure!(predictors(&o) == vec![p("main", "s3://models/churn/2", 100, false)], "{o}");
            Ok(())
        })),
        ..Default::default()
    })
    // Seldon reports the next rollout Failed: the apply fails with its description, and
    // state records what was applied, not ready
    .step(Step {
        config: config("", false).replace("replicas     = 2", "replicas     = 3"),
        before: Some(Box::new(move |_| {
            k4.controller(Controller::Fail(
                "ImagePullBackOff".into(),
                "Deployment churn-main-0-model: Back-off pulling image seldonio/mlflowserver".into(),
            ));
            Ok(())
        })),
        expect_error: Some(re(r#"(?s)SeldonDeployment rollout failed.*SeldonDeployment ml/churn is Failed: ImagePullBackOff: Deployment churn-main-0-model: Back-off pulling image"#)),
        check: Some(Box::new(move |ctx| {
            let s = ctx.state.attr(ADDR, "seldon")?;
            ensure!(s["ready"] == false && s["replicas"] == 3, "state records the failed rollout: {s}");
            Ok(())
        })),
        ..Default::default()
    })
    // not Available: the plan applies again; once Seldon reports it Available, it is empty
    .step(Step {
        config: config("", false).replace("replicas     = 2", "replicas     = 3"),
        before: Some(Box::new(move |ctx| {
            let r = ctx.ws.tf(&["plan", "-no-color", "-detailed-exitcode", "-input=false"])?;
            ensure!(r.code == 2 && re(r"(?s)~ ready\s*= false -> \(known after apply\)").is_match(&r.stdout), "a Failed endpoint must plan another apply:\n{}", r.all());
            k5.controller(Controller::Ready(Duration::from_millis(200)));
            k5.set_seldon_status(NAMESPACE, "churn", true, "")?;
            let r = ctx.ws.tf(&["plan", "-no-color", "-detailed-exitcode", "-input=false"])?;
            ensure!(r.code == 0, "plan once Available:\n{}", r.all());
            Ok(())
        })),
        ..Default::default()
    })
    .step(Step {
        config: config("", false).replace("replicas     = 2", "replicas     = 3"),
        import: Some((ADDR.into(), format!("seldon:{NAMESPACE}/churn"), vec![])),
        ..Default::default()
    })
    .run()
}

/// A teammate's `kubectl edit` shows as drift and is repaired; an out-of-band delete plans a
/// create; a half-made object (our marker, no state) is adopted; someone else's is refused
/// with its import block and left alone.
#[test]
fn drift_delete_adoption_and_someone_elses_deployment() -> Result<()> {
    let Some(k) = start("drift_delete_adoption_and_someone_elses_deployment")? else {
        return Ok(());
    };
    k.controller(Controller::Ready(Duration::from_millis(200)));
    k.run_controller(NAMESPACE);
    let config = endpoint(
        "    model_data_url = \"s3://models/churn/1\"\n",
        "    model_format    = \"sklearn\"\n    replicas        = 1\n    force_conflicts = true\n",
        "",
    );
    // someone else's deployment of the name: refused before any write, left as it was
    let foreign = json!({
        "apiVersion": "machinelearning.seldon.io/v1", "kind": "SeldonDeployment",
        "metadata": {"name": "churn", "namespace": NAMESPACE},
        "spec": {"predictors": [{"name": "main", "graph": {"name": "model", "implementation": "SKLEARN_SERVER", "modelUri": "s3://theirs/model", "children": []}}]},
    });
    k.create_of(Kind::SeldonDeployment, NAMESPACE, foreign)?;
    let emulator = Emulator::start()?;
    let ws = Workspace::new(&emulator, Install::Mirror)?;
    ws.write_config(&format!(
        "{}{config}",
        provider_block(&k.provider_kubernetes(""))
    ))?;
    ws.init()?;
    let r = ws.tf(&["apply", "-auto-approve", "-no-color", "-input=false"])?;
    ensure!(
        r.code != 0
            && re(r#"(?s)SeldonDeployment ml/churn already exists.*seldon:ml/churn"#)
                .is_match(&r.all()),
        "someone else's deployment must be refused:\n{}",
        r.all()
    );
    ensure!(
        at(&live(&k)?, "/spec/predictors/0/graph/modelUri") == "s3://theirs/model",
        "left alone"
    );
    k.delete_of(Kind::SeldonDeployment, NAMESPACE, "churn")?;
    let gone = std::time::Instant::now();
    while k
        .get_of(Kind::SeldonDeployment, NAMESPACE, "churn")?
        .is_some()
        && gone.elapsed() < Duration::from_secs(10)
    {
        std::thread::sleep(Duration::from_millis(100));
    }
    // a half-made one (an interrupted apply: our marker, no state) is adopted
    let half = json!({
        "apiVersion": "machinelearning.seldon.io/v1", "kind": "SeldonDeployment",
        "metadata": {"name": "churn", "namespace": NAMESPACE, "annotations": {"mlops.terraform.io/created-by": "terraform-provider-mlops"}},
        "spec": {"predictors": [{"name": "main", "graph": {"name": "model", "implementation": "SKLEARN_SERVER", "modelUri": "s3://models/churn/0", "children": []}}]},
    });
    k.create_of(Kind::SeldonDeployment, NAMESPACE, half)?;
    let uid = at(&live(&k)?, "/metadata/uid").clone();
    ws.tf_ok(&["apply", "-auto-approve", "-no-color", "-input=false"])?;
    let o = live(&k)?;
    ensure!(
        at(&o, "/metadata/uid") == &uid,
        "adopted, not re-created: {o}"
    );
    ensure!(
        predictors(&o) == vec![p("main", "s3://models/churn/1", 100, false)],
        "converged: {o}"
    );
    ws.assert_plan_empty()?;
    // drift: kubectl edit of the replicas and the model
    k.merge_of(Kind::SeldonDeployment, "kubectl-edit", NAMESPACE, "churn", json!({"spec": {"predictors": [{"name": "main", "replicas": 4, "traffic": 100, "graph": {"name": "model", "implementation": "SKLEARN_SERVER", "modelUri": "s3://models/hotfix", "children": []}}]}}))?;
    let r = ws.tf(&["plan", "-no-color", "-detailed-exitcode", "-input=false"])?;
    ensure!(
        r.code == 2 && re(r#"(?s)~ model_data_url\s*= "s3://models/hotfix" -> "s3://models/churn/1".*~ replicas\s*= 4 -> 1"#).is_match(&r.stdout),
        "drift must show:\n{}",
        r.all()
    );
    ws.tf_ok(&["apply", "-auto-approve", "-no-color", "-input=false"])?;
    let o = live(&k)?;
    ensure!(
        at(&o, "/spec/predictors/0/replicas") == 1
            && at(&o, "/spec/predictors/0/graph/modelUri") == "s3://models/churn/1",
        "repaired: {o}"
    );
    ws.assert_plan_empty()?;
    // deleted out of band: the next plan creates it again
    k.delete_of(Kind::SeldonDeployment, NAMESPACE, "churn")?;
    let r = ws.tf(&["plan", "-no-color", "-detailed-exitcode", "-input=false"])?;
    ensure!(
        r.code == 2 && r.stdout.contains("mlops_endpoint.e will be created"),
        "{}",
        r.all()
    );
    ws.tf_ok(&["apply", "-auto-approve", "-no-color", "-input=false"])?;
    ensure!(k
        .get_of(Kind::SeldonDeployment, NAMESPACE, "churn")?
        .is_some());
    ws.tf_ok(&["destroy", "-auto-approve", "-no-color", "-input=false"])?;
    ensure!(
        k.get_of(Kind::SeldonDeployment, NAMESPACE, "churn")?
            .is_none(),
        "destroyed"
    );
    Ok(())
}

/// A custom image Seldon never reports Available: the apply fails at its timeout, and state
/// records the deployment as it is (not ready), so nothing is lost; once Seldon reports it
/// Available, the next apply completes.
#[test]
fn custom_image_that_never_becomes_available_times_out_and_state_keeps_it() -> Result<()> {
    let Some(k) = start("custom_image_that_never_becomes_available_times_out_and_state_keeps_it")?
    else {
        return Ok(());
    };
    k.controller(Controller::Idle);
    k.run_controller(NAMESPACE);
    let config = endpoint(
        "    image          = \"registry.example.com/churn-server:1\"\n    model_data_url = \"s3://models/churn/1\"\n    environment = {\n      WORKERS = \"2\"\n    }\n",
        "    replicas = 1\n",
        "  timeouts {\n    create = \"3s\"\n  }\n",
    );
    let emulator = Emulator::start()?;
    let ws = Workspace::new(&emulator, Install::Mirror)?;
    ws.write_config(&format!(
        "{}{config}",
        provider_block(&k.provider_kubernetes(""))
    ))?;
    ws.init()?;
    let r = ws.tf(&["apply", "-auto-approve", "-no-color", "-input=false"])?;
    ensure!(
        r.code != 0
            && re(r"(?s)Timed out waiting for SeldonDeployment ml/churn to be Available")
                .is_match(&r.all()),
        "{}",
        r.all()
    );
    let s = ws.state()?;
    let seldon = s.attr(ADDR, "seldon")?;
    ensure!(
        seldon["ready"] == false && seldon["storage_uri"] == "s3://models/churn/1",
        "state keeps it: {seldon}"
    );
    let o = live(&k)?;
    let main = at(&o, "/spec/predictors/0");
    ensure!(
        main["graph"].get("implementation").is_none()
            && main["graph"]["modelUri"] == "s3://models/churn/1",
        "{o}"
    );
    let c = at(main, "/componentSpecs/0/spec/containers/0");
    ensure!(
        c["image"] == "registry.example.com/churn-server:1"
            && c["env"] == json!([{"name": "WORKERS", "value": "2"}]),
        "{o}"
    );
    // Seldon gets there: the tainted deployment is replaced and the apply completes
    k.controller(Controller::Ready(Duration::from_millis(100)));
    ws.tf_ok(&["apply", "-auto-approve", "-no-color", "-input=false"])?;
    ensure!(ws.state()?.attr(ADDR, "seldon")?["ready"] == true);
    ws.assert_plan_empty()?;
    ws.tf_ok(&["destroy", "-auto-approve", "-no-color", "-input=false"])?;
    ensure!(
        k.get_of(Kind::SeldonDeployment, NAMESPACE, "churn")?
            .is_none(),
        "destroyed"
    );
    Ok(())
}

#[test]
fn invalid_seldon_endpoints_are_rejected_at_plan_without_api_calls() -> Result<()> {
    let emulator = Emulator::start()?;
    let ws = Workspace::new(&emulator, Install::Mirror)?;
    ws.write_config(&provider_block(""))?;
    ws.init()?;
    let fmt = "    model_format = \"sklearn\"\n";
    let url = "    model_data_url = \"s3://models/churn/1\"\n";
    let image = "    image = \"registry.example.com/churn:1\"\n";
    let cases = vec![
        (
            "both platforms",
            endpoint(
                url,
                fmt,
                "  kubernetes {\n    namespace = \"ml\"\n    model_format = \"sklearn\"\n  }\n",
            ),
            r"(?s)Two serving platforms.*kubernetes block \(KServe\) or the seldon block",
        ),
        (
            "SageMaker role",
            endpoint(
                url,
                fmt,
                "  role_arn = \"arn:aws:iam::123456789012:role/x\"\n",
            ),
            r"(?s)SageMaker-only setting.*role_arn does not apply to a Kubernetes \(Seldon Core\) endpoint",
        ),
        (
            "SageMaker compute",
            endpoint(
                &format!("{url}    instance_type = \"ml.m5.large\"\n"),
                fmt,
                "",
            ),
            r"(?s)model.instance_type does not apply",
        ),
        (
            "variant",
            endpoint(
                url,
                fmt,
                "  variant {\n    name = \"b\"\n    model_data_url = \"s3://m/b\"\n  }\n",
            ),
            r"(?s)variant does not apply",
        ),
        (
            "no model format",
            endpoint(url, "", ""),
            r"(?s)Missing model format.*prepackaged server",
        ),
        (
            "unknown format",
            endpoint(url, "    model_format = \"onnx\"\n", ""),
            r#"(?s)"onnx" is not a valid value for seldon.model_format"#,
        ),
        (
            "format with image",
            endpoint(image, fmt, ""),
            r"(?s)Not for a custom image",
        ),
        (
            "nothing served",
            endpoint("", fmt, ""),
            r"(?s)At least one attribute required",
        ),
        (
            "bad name",
            endpoint(url, fmt, "").replace("name = \"churn\"", "name = \"Churn\""),
            r#"(?s)Invalid SeldonDeployment name.*"Churn""#,
        ),
        (
            "bad namespace",
            endpoint(url, fmt, "").replace(
                &format!("namespace = \"{NAMESPACE}\""),
                "namespace = \"ML_team\"",
            ),
            r#"(?s)"ML_team" is not valid for seldon.namespace"#,
        ),
        (
            "canary 0",
            endpoint(url, &format!("{fmt}    canary_traffic_percent = 0\n"), ""),
            r"(?s)seldon.canary_traffic_percent must be at least 1",
        ),
        (
            "bad protocol",
            endpoint(url, &format!("{fmt}    protocol = \"grpc\"\n"), ""),
            r#"(?s)"grpc" is not a valid value for seldon.protocol"#,
        ),
        (
            "bad memory",
            endpoint(
                url,
                &format!("{fmt}    resources {{\n      memory = \"2GB\"\n    }}\n"),
                "",
            ),
            r#"(?s)Invalid quantity.*"2GB""#,
        ),
        (
            "reserved annotation",
            endpoint(
                url,
                &format!(
                    "{fmt}    annotations = {{\n      \"mlops.terraform.io/x\" = \"y\"\n    }}\n"
                ),
                "",
            ),
            r"(?s)Reserved annotation",
        ),
        (
            "shadow without model",
            endpoint(
                url,
                fmt,
                "  shadow {\n    image = \"registry.example.com/x:1\"\n  }\n",
            ),
            r"(?s)Not for a Seldon shadow.*shadow.image.*Shadow without a model|(?s)Shadow without a model.*Not for a Seldon shadow",
        ),
    ];
    ensure_rejected(&ws, &emulator, &[ADDR], &cases, &|_, _| None)?;
    Ok(())
}

#[test]
fn seldon_example_applies() -> Result<()> {
    let Some(k) = start("seldon_example_applies")? else {
        return Ok(());
    };
    k.controller(Controller::Ready(Duration::from_millis(300)));
    k.run_controller(NAMESPACE);
    let hcl = std::fs::read_to_string(
        acceptance_tests::repo_root().join("examples/resources/mlops_endpoint/seldon.tf"),
    )?;
    let tc = case(&k, "seldon example", "");
    let k1 = k.clone();
    tc.step(Step {
        config: hcl,
        check: Some(Box::new(move |ctx| {
            let o = live(&k1)?;
            ensure!(
                predictors(&o) == vec![p("main", "s3://my-ml-bucket/churn/model-v1/", 100, false)],
                "{o}"
            );
            ensure!(
                at(&o, "/spec/predictors/0/graph/implementation") == "SKLEARN_SERVER",
                "{o}"
            );
            ensure!(ctx.state.attr("mlops_endpoint.churn_seldon", "seldon")?["ready"] == true);
            Ok(())
        })),
        ..Default::default()
    })
    .run()
}
