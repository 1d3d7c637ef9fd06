//! `mlops_endpoint` on Kubernetes (KServe) with the real Terraform CLI against a real
//! kube-apiserver v1.20.2 with the real KServe CRDs; the tests play the KServe controller by
//! writing the InferenceService status. Without a kube-apiserver these tests fail, unless
//! `MLOPS_SKIP_KUBE_TESTS=1` (local use) makes them skip loudly.

use std::sync::Arc;
use std::time::Duration;

use acceptance_tests::kube::{Controller, KubeApiServer, NAMESPACE};
use acceptance_tests::mlflow::MlflowServer;
use acceptance_tests::{
    ensure_rejected, provider_block, re, Emulator, Install, Step, StepCtx, TestCase, Workspace,
};
use anyhow::{ensure, Context, Result};
use serde_json::{json, Value as Json};

const IMAGE: &str = "registry.example.com/churn-server:1";
const ADDR: &str = "mlops_endpoint.e";

fn start(test: &str) -> Result<Option<Arc<KubeApiServer>>> {
    Ok(KubeApiServer::start_or_skip(test)?.map(Arc::new))
}

/// A test case against `k`, whose destroy must leave no InferenceService `churn`.
fn case(k: &Arc<KubeApiServer>, name: &str) -> TestCase {
    let mut tc = TestCase::new(name);
    tc.provider_block = provider_block(&k.provider_kubernetes(""));
    let k = k.clone();
    tc.check_destroyed = Some(Box::new(move |_| {
        ensure!(
            k.get(NAMESPACE, "churn")?.is_none(),
            "InferenceService left after destroy"
        );
        Ok(())
    }));
    tc
}

fn group_with_versions() -> &'static str {
    r#"resource "mlops_model_package_group" "g" {
  name          = "churn"
  force_destroy = true
}
resource "mlops_model_package" "v1" {
  model_package_group_name = mlops_model_package_group.g.name
  image                    = "123456789012.dkr.ecr.us-east-1.amazonaws.com/sklearn:1"
  model_data_url           = "s3://models/v1/model.tar.gz"
  approval_status          = "Approved"
}
resource "mlops_model_package" "v2" {
  model_package_group_name = mlops_model_package_group.g.name
  image                    = "123456789012.dkr.ecr.us-east-1.amazonaws.com/sklearn:1"
  model_data_url           = "s3://models/v2/model.tar.gz"
  depends_on               = [mlops_model_package.v1]
  # approved by a human in the registry, not by Terraform
  lifecycle {
    ignore_changes = [approval_status]
  }
}
"#
}

fn endpoint(model: &str, kube: &str) -> String {
    format!(
        "resource \"mlops_endpoint\" \"e\" {{\n  name = \"churn\"\n  model {{\n{model}  }}\n  kubernetes {{\n    namespace = \"{NAMESPACE}\"\n{kube}  }}\n}}\n"
    )
}

fn live(k: &KubeApiServer) -> Result<Json> {
    k.get(NAMESPACE, "churn")?
        .context("InferenceService ml/churn does not exist")
}

fn at<'a>(j: &'a Json, p: &str) -> &'a Json {
    j.pointer(p).unwrap_or(&Json::Null)
}

/// The fields `manager` owns with `operation` (Apply/Update), as managedFields JSON.
fn owned(j: &Json, manager: &str, operation: &str) -> String {
    at(j, "/metadata/managedFields")
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| m["manager"] == manager && m["operation"] == operation)
        .map(|m| m["fieldsV1"].to_string())
        .collect()
}

fn state_kube(ctx: &StepCtx<'_>) -> Result<Json> {
    ctx.state.attr(ADDR, "kubernetes")
}

#[test]
fn registry_version_ready_canary_failed_rollout_import_destroy() -> Result<()> {
    let Some(k) = start("registry_version_ready_canary_failed_rollout_import_destroy")? else {
        return Ok(());
    };
    k.controller(Controller::Ready(Duration::from_millis(1500)));
    k.run_controller(NAMESPACE);
    let serve = |extra: &str, memory: &str| {
        format!(
            "{}{}",
            group_with_versions(),
            endpoint(
                "    model_package_group = mlops_model_package_group.g.name\n",
                &format!(
                    "    model_format = \"sklearn\"\n    min_replicas = 1\n    max_replicas = 3\n    scale_metric = \"concurrency\"\n    scale_target = 5\n    labels = {{\n      team = \"churn\"\n    }}\n    resources {{\n      cpu    = \"500m\"\n      memory = \"{memory}\"\n    }}\n{extra}"
                )
            )
            .replace("  }\n}\n", "  }\n  depends_on = [mlops_model_package.v1, mlops_model_package.v2]\n}\n")
        )
    };
    let tc = case(&k, "kserve registry version");
    let (k1, k2, k3, k4, k5) = (k.clone(), k.clone(), k.clone(), k.clone(), k.clone());
    tc.step(Step {
        // created, then waited for: the controller reports Ready after 1.5 s
        config: serve("", "1Gi"),
        check: Some(Box::new(move |ctx| {
            let o = live(&k1)?;
            let v1 = ctx.state.str("mlops_model_package.v1", "arn")?;
            ensure!(at(&o, "/spec/predictor/model/storageUri") == "s3://models/v1/model.tar.gz", "{o}");
            ensure!(at(&o, "/spec/predictor/model/modelFormat/name") == "sklearn", "{o}");
            ensure!(at(&o, "/spec/predictor/model/resources/requests") == &json!({"cpu": "500m", "memory": "1Gi"}), "{o}");
            ensure!(at(&o, "/spec/predictor/minReplicas") == 1 && at(&o, "/spec/predictor/maxReplicas") == 3, "{o}");
            ensure!(at(&o, "/spec/predictor/scaleMetric") == "concurrency" && at(&o, "/spec/predictor/scaleTarget") == 5, "{o}");
            ensure!(at(&o, "/metadata/labels/team") == "churn", "{o}");
            ensure!(at(&o, "/metadata/annotations/mlops.terraform.io~1model-package-arn") == v1.as_str(), "{o}");
            let ours = owned(&o, "terraform-provider-mlops", "Apply");
            ensure!(ours.contains("f:storageUri") && ours.contains("f:maxReplicas"), "server-side apply by our field manager: {ours}");
            let s = state_kube(ctx)?;
            ensure!(s["ready"] == true && s["storage_uri"] == "s3://models/v1/model.tar.gz", "{s}");
            ensure!(s["latest_ready_revision"] == "churn-predictor-00001" && s["url"] == "http://churn.ml.example.com", "{s}");
            Ok(())
        })),
        ..Default::default()
    })
    // a newer version is approved in the registry; the update is a canary of 20 %
    .step(Step {
        config: serve("    canary_traffic_percent = 20\n", "1Gi"),
        before: Some(Box::new(|ctx| {
            ctx.set_approval(
                "mlops_model_package.v2",
                aws_sdk_sagemaker::types::ModelApprovalStatus::Approved,
            )
        })),
        expect_plan: Some(re(r#"(?s)mlops_endpoint\.e will be updated in-place.*\+ canary_traffic_percent\s*= 20.*~ storage_uri\s*= "s3://models/v1/model.tar.gz" -> \(known after apply\).*~ model_package_arn\s*= ".*/churn/1" -> ".*/churn/2""#)),
        check: Some(Box::new(move |ctx| {
            let o = live(&k2)?;
            ensure!(at(&o, "/spec/predictor/model/storageUri") == "s3://models/v2/model.tar.gz", "{o}");
            ensure!(at(&o, "/spec/predictor/canaryTrafficPercent") == 20, "{o}");
            let s = state_kube(ctx)?;
            ensure!(s["ready"] == true && s["latest_ready_revision"] == "churn-predictor-00002", "{s}");
            Ok(())
        })),
        ..Default::default()
    })
    // the next revision does not become Ready: the apply fails with KServe's reason and the
    // state records the object as applied (not Ready)
    .step(Step {
        config: serve("    canary_traffic_percent = 20\n", "2Gi"),
        before: Some(Box::new(move |_| {
            k3.controller(Controller::Fail(
                "RevisionFailed".into(),
                "Revision \"churn-predictor-00003\" failed with message: Back-off pulling image".into(),
            ));
            Ok(())
        })),
        expect_error: Some(re(r#"(?s)InferenceService rollout failed.*InferenceService ml/churn is not Ready: RevisionFailed: Revision "churn-predictor-00003" failed with message: Back-off pulling image"#)),
        check: Some(Box::new(move |ctx| {
            let s = state_kube(ctx)?;
            ensure!(s["ready"] == false, "state must record the failed rollout: {s}");
            ensure!(s["resources"]["memory"] == "2Gi", "state records what was applied: {s}");
            ensure!(at(&live(&k4)?, "/spec/predictor/model/resources/requests/memory") == "2Gi");
            Ok(())
        })),
        ..Default::default()
    })
    // while it is not Ready, every plan proposes to apply (and wait) again; once KServe
    // reports the revision Ready (e.g. the image was pushed), the plan is empty
    .step(Step {
        config: serve("    canary_traffic_percent = 20\n", "2Gi"),
        before: Some(Box::new(move |ctx| {
            let r = ctx.ws.tf(&["plan", "-no-color", "-detailed-exitcode", "-input=false"])?;
            ensure!(r.code == 2 && re(r"(?s)~ ready\s*= false -> \(known after apply\)").is_match(&r.stdout), "a not-Ready endpoint must plan another apply:\n{}", r.all());
            k5.controller(Controller::Ready(Duration::from_millis(200)));
            k5.set_status(NAMESPACE, "churn", true, "", "")?;
            let r = ctx.ws.tf(&["plan", "-no-color", "-detailed-exitcode", "-input=false"])?;
            ensure!(r.code == 0, "plan after recovery:\n{}", r.all());
            Ok(())
        })),
        check: Some(Box::new(|ctx| {
            ensure!(state_kube(ctx)?["ready"] == true);
            Ok(())
        })),
        ..Default::default()
    })
    .step(Step {
        config: serve("    canary_traffic_percent = 20\n", "2Gi"),
        import: Some((ADDR.into(), format!("{NAMESPACE}/churn"), vec![])),
        ..Default::default()
    })
    .run()
}

#[test]
fn custom_container_drift_conflict_out_of_band_delete() -> Result<()> {
    let Some(k) = start("custom_container_drift_conflict_out_of_band_delete")? else {
        return Ok(());
    };
    k.controller(Controller::Ready(Duration::ZERO));
    k.run_controller(NAMESPACE);
    let serve = |extra: &str| {
        endpoint(
            &format!("    image          = \"{IMAGE}\"\n    model_data_url = \"s3://models/byo/model.tar.gz\"\n    environment = {{\n      WORKERS = \"2\"\n    }}\n"),
            &format!(
                "    port         = 8080\n    args         = [\"--model-name\", \"churn\"]\n    max_replicas = 3\n    readiness_probe {{\n      path                  = \"/v2/health/ready\"\n      initial_delay_seconds = 5\n    }}\n    liveness_probe {{\n      path           = \"/v2/health/live\"\n      period_seconds = 10\n    }}\n    resources {{\n      cpu       = \"1\"\n      cpu_limit = \"2\"\n      gpu       = 1\n    }}\n{extra}"
            ),
        )
    };
    let tc = case(&k, "kserve custom container");
    let (k1, k2, k3, k4, k5, k6) = (
        k.clone(),
        k.clone(),
        k.clone(),
        k.clone(),
        k.clone(),
        k.clone(),
    );
    tc.step(Step {
        config: serve(""),
        check: Some(Box::new(move |ctx| {
            let o = live(&k1)?;
            let c = at(&o, "/spec/predictor/containers/0");
            ensure!(c["name"] == "kserve-container" && c["image"] == IMAGE, "{o}");
            ensure!(c["env"] == json!([{"name": "STORAGE_URI", "value": "s3://models/byo/model.tar.gz"}, {"name": "WORKERS", "value": "2"}]), "{c}");
            ensure!(c["ports"] == json!([{"containerPort": 8080, "protocol": "TCP"}]), "{c}");
            ensure!(c["args"] == json!(["--model-name", "churn"]), "{c}");
            ensure!(c["readinessProbe"] == json!({"httpGet": {"path": "/v2/health/ready", "port": 8080}, "initialDelaySeconds": 5}), "{c}");
            ensure!(c["livenessProbe"] == json!({"httpGet": {"path": "/v2/health/live", "port": 8080}, "periodSeconds": 10}), "{c}");
            ensure!(c["resources"] == json!({"requests": {"cpu": "1", "nvidia.com/gpu": "1"}, "limits": {"cpu": "2", "nvidia.com/gpu": "1"}}), "{c}");
            ensure!(at(&o, "/spec/predictor/model").is_null(), "{o}");
            let s = state_kube(ctx)?;
            ensure!(s["storage_uri"] == "s3://models/byo/model.tar.gz" && s["ready"] == true, "{s}");
            Ok(())
        })),
        ..Default::default()
    })
    // a teammate raises max_replicas with kubectl edit: the plan shows the drift, and the
    // apply fails with a conflict naming the other manager and the field
    .step(Step {
        config: serve(""),
        before: Some(Box::new(move |_| {
            k2.merge_as("kubectl-edit", NAMESPACE, "churn", json!({"spec": {"predictor": {"maxReplicas": 9}}}))
        })),
        expect_plan: Some(re(r"(?s)mlops_endpoint\.e will be updated in-place.*~ max_replicas\s*= 9 -> 3")),
        expect_error: Some(re(r#"(?s)Server-side apply conflict.*conflict with "kubectl-edit".*\.spec\.predictor\.maxReplicas.*force_conflicts = true"#)),
        check: Some(Box::new(move |ctx| {
            ensure!(ctx.state.has(ADDR), "state lost after a conflict");
            ensure!(at(&live(&k3)?, "/spec/predictor/maxReplicas") == 9);
            Ok(())
        })),
        ..Default::default()
    })
    // taking the field over
    .step(Step {
        config: serve("    force_conflicts = true\n"),
        check: Some(Box::new(move |_| {
            let o = live(&k4)?;
            ensure!(at(&o, "/spec/predictor/maxReplicas") == 3, "{o}");
            ensure!(!owned(&o, "kubectl-edit", "Update").contains("f:maxReplicas"), "kubectl-edit still owns maxReplicas: {o}");
            Ok(())
        })),
        ..Default::default()
    })
    // fields managed by others are left alone: no diff, not removed by the next apply
    .step(Step {
        config: serve("    force_conflicts = true\n    min_replicas    = 1\n"),
        before: Some(Box::new(move |_| {
            k5.apply_as("teammate", NAMESPACE, "churn", json!({"metadata": {"annotations": {"team": "churn"}}, "spec": {"predictor": {"timeout": 60}}}))
        })),
        check: Some(Box::new(move |ctx| {
            let o = live(&k6)?;
            ensure!(at(&o, "/metadata/annotations/team") == "churn" && at(&o, "/spec/predictor/timeout") == 60, "{o}");
            ensure!(at(&o, "/spec/predictor/minReplicas") == 1, "{o}");
            ensure!(state_kube(ctx)?["annotations"].is_null());
            Ok(())
        })),
        ..Default::default()
    })
    // deleted out of band: the next plan re-creates it
    .step(Step {
        config: serve("    force_conflicts = true\n    min_replicas    = 1\n"),
        before: Some(Box::new({
            let k = k.clone();
            move |_| k.delete(NAMESPACE, "churn")
        })),
        expect_plan: Some(re(r"(?s)mlops_endpoint\.e will be created")),
        check: Some(Box::new({
            let k = k.clone();
            move |_| {
                ensure!(at(&live(&k)?, "/spec/predictor/containers/0/image") == IMAGE);
                Ok(())
            }
        })),
        ..Default::default()
    })
    // KServe never reports the new generation: the apply fails at the resource's timeout,
    // the state records the object as applied and not Ready
    .step(Step {
        config: serve("    force_conflicts = true\n    min_replicas    = 1\n")
            .replace("\"churn\"]", "\"churn\", \"--workers\", \"4\"]")
            .replace("  }\n}\n", "  }\n  timeouts {\n    update = \"2s\"\n  }\n}\n"),
        before: Some(Box::new({
            let k = k.clone();
            move |_| {
                k.controller(Controller::Idle);
                Ok(())
            }
        })),
        expect_error: Some(re(r"(?s)Timed out waiting for InferenceService ml/churn to be Ready.*Still waiting for KServe to observe generation \d+ \(observed \d+\) after 2s")),
        check: Some(Box::new({
            let k = k.clone();
            move |ctx| {
                let s = state_kube(ctx)?;
                ensure!(s["ready"] == false && s["args"] == json!(["--model-name", "churn", "--workers", "4"]), "{s}");
                ensure!(at(&live(&k)?, "/spec/predictor/containers/0/args/3") == "4");
                Ok(())
            }
        })),
        ..Default::default()
    })
    .run()
}

const MARKER: &str = "mlops.terraform.io/created-by";

/// An endpoint serving an artifact in the `sklearn` format.
fn sklearn(url: &str) -> String {
    endpoint(
        &format!("    model_data_url = \"{url}\"\n"),
        "    model_format = \"sklearn\"\n",
    )
}

/// The InferenceService `sklearn(url)` describes, as a patch for [`KubeApiServer::apply_as`].
fn sklearn_object(url: &str, annotations: Json) -> Json {
    json!({
        "metadata": { "annotations": annotations },
        "spec": { "predictor": { "model": { "modelFormat": { "name": "sklearn" }, "storageUri": url } } },
    })
}

/// Wait until the stand-in controller reported the current generation (so that nothing but
/// the provider writes the object afterwards).
fn wait_reported(k: &KubeApiServer) -> Result<Json> {
    let start = std::time::Instant::now();
    loop {
        let o = live(k)?;
        if at(&o, "/status/observedGeneration") == at(&o, "/metadata/generation") {
            return Ok(o);
        }
        ensure!(
            start.elapsed() < Duration::from_secs(30),
            "the controller did not report: {o}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The object of uid `was` is still there (adopted, not re-created), serves `url`, carries the
/// marker (owned by the provider's field manager), is recorded Ready, and the provider logged
/// the adoption.
fn assert_adopted(ctx: &StepCtx<'_>, k: &KubeApiServer, was: &Json, url: &str) -> Result<()> {
    let o = live(k)?;
    ensure!(
        at(&o, "/metadata/uid") == was,
        "not the same object (adopted means kept): {o}"
    );
    ensure!(
        at(&o, "/spec/predictor/model/storageUri") == url,
        "not converged: {o}"
    );
    ensure!(
        at(&o, "/metadata/annotations").get(MARKER) == Some(&json!("terraform-provider-mlops")),
        "the marker must stay: {o}"
    );
    ensure!(state_kube(ctx)?["ready"] == true);
    let log = std::fs::read_to_string(ctx.ws.dir.path().join("terraform.log"))?;
    ensure!(log.contains("adopting it"), "no adoption logged");
    Ok(())
}

/// An interrupted apply (kill -9 after the create's apply, before its object was Ready) left
/// the InferenceService with the creating annotation and no state entry: a plain apply adopts
/// it (the same object), converges it to the plan, and removes the annotation.
#[test]
fn half_made_inference_service_is_adopted() -> Result<()> {
    let Some(k) = start("half_made_inference_service_is_adopted")? else {
        return Ok(());
    };
    k.controller(Controller::Ready(Duration::from_millis(300)));
    k.run_controller(NAMESPACE);
    let tc = case(&k, "kserve half-made");
    let (k1, k2) = (k.clone(), k.clone());
    let uid = Arc::new(std::sync::Mutex::new(Json::Null));
    let uid1 = uid.clone();
    tc.step(Step {
        config: sklearn("s3://models/v2/model.tar.gz"),
        before: Some(Box::new(move |_| {
            // as the interrupted apply left it: applied by the provider's field manager with
            // the annotation (from the configuration of then, serving v1)
            k1.apply_as(
                "terraform-provider-mlops",
                NAMESPACE,
                "churn",
                sklearn_object(
                    "s3://models/v1/model.tar.gz",
                    json!({ MARKER: "terraform-provider-mlops" }),
                ),
            )?;
            *uid1.lock().unwrap_or_else(|e| e.into_inner()) =
                at(&live(&k1)?, "/metadata/uid").clone();
            Ok(())
        })),
        check: Some(Box::new(move |ctx| {
            let was = uid.lock().unwrap_or_else(|e| e.into_inner()).clone();
            assert_adopted(ctx, &k2, &was, "s3://models/v2/model.tar.gz")?;
            let s = state_kube(ctx)?;
            ensure!(s["annotations"].is_null(), "{s}");
            Ok(())
        })),
        ..Default::default()
    })
    .run()
}

/// The provider's own create, cut off before its object was Ready (here by its timeout; a
/// kill -9 or Ctrl-C stops it at the same point), leaves the marker annotation; without a
/// state entry (as kill -9 leaves it) the next plain apply adopts the object, converging it
/// to the configuration of now.
#[test]
fn interrupted_create_is_adopted_by_its_marker() -> Result<()> {
    let Some(k) = start("interrupted_create_is_adopted_by_its_marker")? else {
        return Ok(());
    };
    k.run_controller(NAMESPACE);
    let tc = case(&k, "kserve interrupted create");
    let (k1, k2, k3) = (k.clone(), k.clone(), k.clone());
    let uid = Arc::new(std::sync::Mutex::new(Json::Null));
    let uid1 = uid.clone();
    tc.step(Step {
        // KServe never reports Ready: the create stops after 2 s
        config: sklearn("s3://models/v1/model.tar.gz").replace(
            "  }\n}\n",
            "  }\n  timeouts {\n    create = \"2s\"\n  }\n}\n",
        ),
        expect_error: Some(re(
            r"(?s)Timed out waiting for InferenceService ml/churn to be Ready",
        )),
        check: Some(Box::new(move |ctx| {
            let o = live(&k1)?;
            ensure!(
                at(&o, "/metadata/annotations").get(MARKER)
                    == Some(&json!("terraform-provider-mlops")),
                "the create's object must carry the marker: {o}"
            );
            ensure!(
                state_kube(ctx)?["ready"] == false,
                "the applied object is recorded"
            );
            *uid1.lock().unwrap_or_else(|e| e.into_inner()) = at(&o, "/metadata/uid").clone();
            Ok(())
        })),
        ..Default::default()
    })
    .step(Step {
        config: sklearn("s3://models/v2/model.tar.gz"),
        before: Some(Box::new(move |ctx| {
            ctx.ws.tf_ok(&["state", "rm", "-no-color", ADDR])?;
            k2.controller(Controller::Ready(Duration::from_millis(300)));
            Ok(())
        })),
        check: Some(Box::new(move |ctx| {
            let was = uid.lock().unwrap_or_else(|e| e.into_inner()).clone();
            assert_adopted(ctx, &k3, &was, "s3://models/v2/model.tar.gz")?;
            Ok(())
        })),
        ..Default::default()
    })
    .run()
}

/// Ctrl-C while the create waits for Ready: Terraform stops the provider, the wait ends
/// within seconds, the state records the applied object (not Ready); the next plain apply
/// converges (the tainted object is replaced), the new object with the marker.
#[test]
fn ctrl_c_stops_the_ready_wait_and_records_the_object() -> Result<()> {
    let Some(k) = start("ctrl_c_stops_the_ready_wait_and_records_the_object")? else {
        return Ok(());
    };
    k.run_controller(NAMESPACE);
    let emulator = Emulator::start()?;
    let ws = Workspace::new(&emulator, Install::DevOverride)?;
    // (a bound, so that a broken cancellation fails the test instead of hanging it)
    ws.write_config(&format!(
        "{}{}",
        provider_block(&k.provider_kubernetes("")),
        sklearn("s3://models/v1/model.tar.gz").replace(
            "  }\n}\n",
            "  }\n  timeouts {\n    create = \"2m\"\n  }\n}\n"
        )
    ))?;
    let out = ws.dir.path().join("interrupted-apply.out");
    let mut cmd = std::process::Command::new(&ws.terraform);
    cmd.args(["apply", "-auto-approve", "-no-color", "-input=false"])
        .current_dir(ws.work())
        .stdout(std::fs::File::create(&out)?)
        .stderr(std::fs::File::create(out.with_extension("err"))?);
    for (name, value) in &ws.env {
        cmd.env(name, value);
    }
    let mut apply = cmd.spawn()?;
    let start = std::time::Instant::now();
    while k.get(NAMESPACE, "churn")?.is_none() {
        ensure!(
            start.elapsed() < Duration::from_secs(60),
            "the create never applied"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_secs(1));
    let interrupted = std::time::Instant::now();
    ensure!(std::process::Command::new("kill")
        .args(["-INT", &apply.id().to_string()])
        .status()?
        .success());
    let status = loop {
        if let Some(s) = apply.try_wait()? {
            break s;
        }
        ensure!(
            interrupted.elapsed() < Duration::from_secs(30),
            "terraform still running 30 s after SIGINT"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let stopped = interrupted.elapsed();
    let output = format!(
        "{}{}",
        std::fs::read_to_string(&out)?,
        std::fs::read_to_string(out.with_extension("err"))?
    );
    eprintln!(
        "terraform exited {status} {:.1}s after SIGINT",
        stopped.as_secs_f64()
    );
    ensure!(
        !status.success() && stopped < Duration::from_secs(10),
        "{output}"
    );
    ensure!(
        re(r"(?s)Operation cancelled.*InferenceService\s+ml/churn\s+to\s+be\s+Ready")
            .is_match(&output),
        "{output}"
    );
    let s = ws.state()?.attr(ADDR, "kubernetes")?;
    ensure!(
        s["ready"] == false && s["storage_uri"] == "s3://models/v1/model.tar.gz",
        "the applied object must be recorded: {s}"
    );
    ensure!(
        at(&live(&k)?, "/metadata/annotations")
            .get(MARKER)
            .is_some(),
        "the applied object carries the marker"
    );
    k.controller(Controller::Ready(Duration::from_millis(300)));
    ws.tf_ok(&["apply", "-auto-approve", "-no-color", "-input=false"])?;
    ws.assert_plan_empty()?;
    let o = live(&k)?;
    ensure!(at(&o, "/metadata/annotations").get(MARKER).is_some(), "{o}");
    ensure!(ws.state()?.attr(ADDR, "kubernetes")?["ready"] == true);
    ws.tf_ok(&["destroy", "-auto-approve", "-no-color", "-input=false"])?;
    ensure!(
        k.get(NAMESPACE, "churn")?.is_none(),
        "InferenceService left after destroy"
    );
    Ok(())
}

/// An InferenceService of the same name made by someone else (kubectl, another state): the
/// apply fails naming it and the import block, without writing to it; the import block from
/// the message brings it under management with an empty plan.
#[test]
fn someone_elses_inference_service_is_not_taken_over() -> Result<()> {
    let Some(k) = start("someone_elses_inference_service_is_not_taken_over")? else {
        return Ok(());
    };
    k.controller(Controller::Ready(Duration::ZERO));
    k.run_controller(NAMESPACE);
    let url = "s3://models/churn/model.tar.gz";
    let tc = case(&k, "kserve foreign object");
    let (k1, k2) = (k.clone(), k.clone());
    let seen = Arc::new(std::sync::Mutex::new(Json::Null));
    let seen1 = seen.clone();
    let import = format!("import {{\n  to = {ADDR}\n  id = \"{NAMESPACE}/churn\"\n}}\n");
    tc.step(Step {
        config: sklearn(url),
        before: Some(Box::new(move |_| {
            k1.apply_as("kubectl", NAMESPACE, "churn", sklearn_object(url, json!({ "team": "churn" })))?;
            *seen1.lock().unwrap_or_else(|e| e.into_inner()) = wait_reported(&k1)?;
            Ok(())
        })),
        expect_error: Some(re(r#"(?s)InferenceService ml/churn already exists.*does not carry the\s+mlops\.terraform\.io/created-by marker.*import \{\s*to = mlops_endpoint\.<name>\s*id = "ml/churn"\s*\}"#)),
        check: Some(Box::new(move |ctx| {
            ensure!(!ctx.state.has(ADDR), "nothing may be recorded");
            let (before, now) = (seen.lock().unwrap_or_else(|e| e.into_inner()).clone(), live(&k2)?);
            for p in ["/metadata/resourceVersion", "/metadata/managedFields"] {
                ensure!(at(&before, p) == at(&now, p), "{p} changed: the provider wrote to someone else's object:\n{before}\n{now}");
            }
            Ok(())
        })),
        ..Default::default()
    })
    .step(Step {
        config: format!("{}{import}", sklearn(url)),
        check: Some(Box::new(move |ctx| {
            let s = state_kube(ctx)?;
            ensure!(s["ready"] == true && s["storage_uri"] == url, "{s}");
            Ok(())
        })),
        ..Default::default()
    })
    .run()
}

/// The docs' example (examples/resources/mlops_endpoint/kserve.tf), as written.
/// An MLflow registered model served on KServe by composition: the data source follows the
/// `champion` alias at every plan, the endpoint serves its files with KServe's `mlflow`
/// format. Training code moving the alias (the real MLflow client) shows in the next plan as
/// a new `model_data_url`, and the apply rolls the InferenceService out as a canary.
#[test]
fn mlflow_champion_served_and_rolled_when_the_alias_moves() -> Result<()> {
    let Some(k) = start("mlflow_champion_served_and_rolled_when_the_alias_moves")? else {
        return Ok(());
    };
    k.controller(Controller::Ready(Duration::from_millis(500)));
    k.run_controller(NAMESPACE);
    let sv = Arc::new(MlflowServer::start()?);
    let config = |canary: &str| {
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
  # training code moves the alias afterwards
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
                &format!("    model_format = \"mlflow\"\n{canary}")
            )
        )
    };
    let mut tc = case(&k, "mlflow champion on kserve");
    tc.provider_block = provider_block(&format!(
        "{}  mlflow {{\n    tracking_uri = \"{}\"\n  }}\n",
        k.provider_kubernetes(""),
        sv.uri()
    ));
    let (k1, k2, sv2) = (k.clone(), k.clone(), sv.clone());
    tc.step(Step {
        config: config(""),
        check: Some(Box::new(move |ctx| {
            let o = live(&k1)?;
            ensure!(at(&o, "/spec/predictor/model/storageUri") == "s3://models/churn/1", "{o}");
            ensure!(at(&o, "/spec/predictor/model/modelFormat/name") == "mlflow", "{o}");
            ensure!(ctx.state.attr("data.mlops_model_package.champion", "version_number")? == 1);
            ensure!(state_kube(ctx)?["ready"] == true);
            Ok(())
        })),
        ..Default::default()
    })
    .step(Step {
        config: config("    canary_traffic_percent = 20\n"),
        before: Some(Box::new(move |_| {
            sv2.client(r#"from mlflow import MlflowClient; MlflowClient().set_registered_model_alias("churn", "champion", "2")"#)?;
            Ok(())
        })),
        expect_plan: Some(re(r#"(?s)mlops_endpoint\.e will be updated in-place.*\+ canary_traffic_percent\s*= 20.*~ model_data_url\s*= "s3://models/churn/1" -> "s3://models/churn/2""#)),
        check: Some(Box::new(move |ctx| {
            let o = live(&k2)?;
            ensure!(at(&o, "/spec/predictor/model/storageUri") == "s3://models/churn/2", "{o}");
            ensure!(at(&o, "/spec/predictor/canaryTrafficPercent") == 20, "{o}");
            ensure!(ctx.state.attr("data.mlops_model_package.champion", "version_number")? == 2);
            let s = state_kube(ctx)?;
            ensure!(s["ready"] == true && s["storage_uri"] == "s3://models/churn/2", "{s}");
            Ok(())
        })),
        ..Default::default()
    })
    .run()
}

#[test]
fn kserve_example_applies() -> Result<()> {
    let Some(k) = start("kserve_example_applies")? else {
        return Ok(());
    };
    k.controller(Controller::Ready(Duration::from_millis(500)));
    k.run_controller(NAMESPACE);
    let hcl = std::fs::read_to_string(
        acceptance_tests::repo_root().join("examples/resources/mlops_endpoint/kserve.tf"),
    )?;
    let tc = case(&k, "kserve example");
    let k1 = k.clone();
    tc.step(Step {
        config: hcl,
        check: Some(Box::new(move |ctx| {
            let o = live(&k1)?;
            ensure!(
                at(&o, "/spec/predictor/model/storageUri")
                    == "s3://my-ml-bucket/churn/model-v1/model.tar.gz",
                "{o}"
            );
            ensure!(
                at(&o, "/spec/predictor/model/modelFormat/name") == "xgboost",
                "{o}"
            );
            let s = ctx
                .state
                .attr("mlops_endpoint.churn_kserve", "kubernetes")?;
            ensure!(s["ready"] == true, "{s}");
            Ok(())
        })),
        ..Default::default()
    })
    .run()
}

#[test]
fn invalid_kubernetes_endpoints_are_rejected_at_plan_without_api_calls() -> Result<()> {
    let emulator = Emulator::start()?;
    let mut ws = Workspace::new(&emulator, Install::DevOverride)?;
    let fmt = "    model_format = \"sklearn\"\n";
    let pkg = "    model_package_group = \"churn\"\n";
    let cases = vec![
        ("SageMaker role", endpoint(pkg, fmt).replace("  name = \"churn\"\n", "  name = \"churn\"\n  role_arn = \"arn:aws:iam::123456789012:role/x\"\n"), r"(?s)SageMaker-only setting.*role_arn does not apply to a Kubernetes"),
        ("SageMaker compute", endpoint(&format!("{pkg}    instance_type = \"ml.m5.large\"\n"), fmt), r"(?s)SageMaker-only setting.*model.instance_type does not apply"),
        ("SageMaker rollout", endpoint(pkg, fmt).replace("  kubernetes {", "  rollout {\n    wait_seconds = 0\n  }\n  kubernetes {"), r"(?s)SageMaker-only setting.*rollout does not apply"),
        ("tags", endpoint(pkg, fmt).replace("  kubernetes {", "  tags = {\n    a = \"b\"\n  }\n  kubernetes {"), r"(?s)tags does not apply.*Use labels"),
        ("nothing served", endpoint("", fmt), r"(?s)At least one attribute required"),
        ("no model format", endpoint(pkg, ""), r"(?s)Missing model format"),
        ("image and registry", endpoint(&format!("{pkg}    image = \"{IMAGE}\"\n"), ""), r"(?s)Conflicting attributes"),
        ("format with image", endpoint(&format!("    image = \"{IMAGE}\"\n"), fmt), r"(?s)Not for a custom image"),
        ("probe without image", endpoint(pkg, &format!("{fmt}    readiness_probe {{\n      path = \"/ready\"\n    }}\n")), r"(?s)Only for a custom image"),
        ("probe without port", endpoint(&format!("    image = \"{IMAGE}\"\n"), "    liveness_probe {\n      path = \"/live\"\n    }\n"), r"(?s)Probe without a port"),
        ("bad name", endpoint(pkg, fmt).replace("name = \"churn\"", "name = \"Churn\""), r#"(?s)Invalid InferenceService name.*"Churn""#),
        ("bad namespace", endpoint(pkg, fmt).replace(&format!("namespace = \"{NAMESPACE}\""), "namespace = \"ML_team\""), r#"(?s)"ML_team" is not valid for kubernetes.namespace"#),
        ("bad cpu", endpoint(pkg, &format!("{fmt}    resources {{\n      cpu = \"half\"\n    }}\n")), r#"(?s)Invalid quantity.*"half" is not a Kubernetes quantity"#),
        ("bad memory", endpoint(pkg, &format!("{fmt}    resources {{\n      memory = \"2GB\"\n    }}\n")), r#"(?s)Invalid quantity.*"2GB""#),
        ("request above limit", endpoint(pkg, &format!("{fmt}    resources {{\n      memory = \"2Gi\"\n      memory_limit = \"1Gi\"\n    }}\n")), r"(?s)Request above limit.*memory 2Gi is more than memory_limit 1Gi"),
        ("replica range", endpoint(pkg, &format!("{fmt}    min_replicas = 4\n    max_replicas = 2\n")), r"(?s)Empty replica range.*min_replicas 4 is above max_replicas 2"),
        ("negative replicas", endpoint(pkg, &format!("{fmt}    min_replicas = -1\n")), r"(?s)kubernetes.min_replicas must be at least 0"),
        ("canary over 100", endpoint(pkg, &format!("{fmt}    canary_traffic_percent = 101\n")), r"(?s)kubernetes.canary_traffic_percent must be at most 100"),
        ("bad scale metric", endpoint(pkg, &format!("{fmt}    scale_metric = \"gpu\"\n    scale_target = 1\n")), r#"(?s)"gpu" is not a valid value for kubernetes.scale_metric"#),
        ("metric without target", endpoint(pkg, &format!("{fmt}    scale_metric = \"rps\"\n")), r"(?s)Scale metric without a target"),
        ("bad label value", endpoint(pkg, &format!("{fmt}    labels = {{\n      team = \"churn team\"\n    }}\n")), r"(?s)Invalid label value"),
        ("reserved annotation", endpoint(pkg, &format!("{fmt}    annotations = {{\n      \"mlops.terraform.io/x\" = \"y\"\n    }}\n")), r"(?s)Reserved annotation"),
    ];
    let mut cases = cases;
    cases.push((
        "SageMaker without role_arn",
        format!("resource \"mlops_endpoint\" \"e\" {{\n  name = \"churn\"\n  model {{\n    image = \"{IMAGE}\"\n    instance_type = \"ml.m5.large\"\n  }}\n}}\n"),
        r"(?s)Missing role_arn.*or add a kubernetes block",
    ));
    ensure_rejected(&ws, &emulator, &[ADDR], &cases, &|_, _| None)?;
    // the provider's kubernetes block
    let valid = endpoint(&format!("    image = \"{IMAGE}\"\n"), "");
    for (label, block, pattern) in [
        ("two sources", "  kubernetes {\n    config_path = \"/x\"\n    in_cluster = true\n  }\n", r"(?s)Conflicting Kubernetes access.*config_path and in_cluster"),
        ("token without host", "  kubernetes {\n    token = \"secret-token\"\n  }\n", r"(?s)Missing host.*token goes with host"),
        ("bad CA", "  kubernetes {\n    host = \"https://127.0.0.1:6443\"\n    cluster_ca_certificate = \"not a pem\"\n  }\n", r"(?s)Invalid CA certificate"),
        ("bad timeout", "  kubernetes {\n    config_path = \"/x\"\n    request_timeout = \"soon\"\n  }\n", r#"(?s)Invalid duration.*request_timeout "soon""#),
    ] {
        emulator.clear_requests()?;
        ws.write_config(&format!("{}{valid}", provider_block(block)))?;
        let r = ws.tf(&["plan", "-no-color", "-input=false"])?;
        ensure!(r.code != 0 && re(pattern).is_match(&r.all()), "{label}: {}", r.all());
        // (Terraform quotes the configuration line; the provider must not log the token)
        let log = std::fs::read_to_string(ws.dir.path().join("terraform.log"))?;
        ensure!(!log.contains("secret-token"), "{label}: the token is in the provider log");
        let calls = emulator.calls()?;
        ensure!(calls.is_empty(), "{label}: API calls {calls:?}");
    }
    // no kubernetes block and no kubeconfig: a clear error when applying, nothing in state
    let missing = ws.dir.path().join("no-such-kubeconfig");
    ws.env
        .push(("KUBECONFIG".into(), missing.display().to_string()));
    ws.env
        .push(("KUBERNETES_SERVICE_HOST".into(), String::new()));
    ws.write_config(&format!("{}{valid}", provider_block("")))?;
    let r = ws.tf(&["apply", "-auto-approve", "-no-color", "-input=false"])?;
    ensure!(
        r.code != 0
            && re(r"(?s)Kubernetes configuration failed.*No kubeconfig or in-cluster configuration found.*need the provider's kubernetes block").is_match(&r.all()),
        "{}",
        r.all()
    );
    ensure!(!ws.state()?.has(ADDR), "nothing may be recorded");
    Ok(())
}

#[test]
fn api_server_down_or_slow_gives_a_clear_error_and_keeps_state() -> Result<()> {
    let Some(k) = start("api_server_down_or_slow_gives_a_clear_error_and_keeps_state")? else {
        return Ok(());
    };
    k.controller(Controller::Ready(Duration::ZERO));
    k.run_controller(NAMESPACE);
    let emulator = Emulator::start()?;
    let ws = Workspace::new(&emulator, Install::DevOverride)?;
    // host + token + CA instead of a kubeconfig
    let block = format!(
        "  kubernetes {{\n    host                   = \"{}\"\n    token                  = \"{}\"\n    cluster_ca_certificate = <<-EOT\n{}EOT\n    request_timeout        = \"3s\"\n  }}\n",
        k.url(),
        k.token(),
        k.ca_pem()?
    );
    let cfg = |mem: &str| {
        format!(
            "{}{}",
            provider_block(&block),
            endpoint(
                &format!("    image = \"{IMAGE}\"\n"),
                &format!("    resources {{\n      memory = \"{mem}\"\n    }}\n")
            )
        )
    };
    ws.write_config(&cfg("1Gi"))?;
    let r = ws.tf_ok(&["apply", "-auto-approve", "-no-color", "-input=false"])?;
    ensure!(!r.all().contains(k.token()), "token in the output");
    ensure!(
        !std::fs::read_to_string(ws.dir.path().join("terraform.log"))?.contains(k.token()),
        "token in the provider log"
    );
    ws.assert_plan_empty()?;
    let in_state = |ws: &Workspace| -> Result<bool> {
        Ok(ws
            .tf_ok(&["state", "list", "-no-color"])?
            .stdout
            .contains(ADDR))
    };

    // slow: the server accepts connections but never answers
    k.pause()?;
    let r = ws.tf(&["plan", "-no-color", "-input=false"]);
    k.resume()?;
    let r = r?;
    let server = format!("the Kubernetes API server {} did not answer", k.url());
    ensure!(
        r.code != 0 && r.all().contains(&server) && r.all().contains("no answer within 3s"),
        "{}",
        r.all()
    );
    ensure!(r.secs < 60.0, "took {:.0}s", r.secs);
    ensure!(in_state(&ws)?, "state lost");
    ws.assert_plan_empty()?;
    // an update while the server hangs: a clear error, the state keeps the prior object
    ws.write_config(&cfg("2Gi"))?;
    let plan = ws.tf_ok(&["plan", "-no-color", "-input=false", "-out=tfplan"])?;
    ensure!(
        plan.stdout.contains("\"1Gi\" -> \"2Gi\""),
        "{}",
        plan.stdout
    );
    k.pause()?;
    let r = ws.tf(&[
        "apply",
        "-auto-approve",
        "-no-color",
        "-input=false",
        "tfplan",
    ]);
    k.resume()?;
    let r = r?;
    ensure!(r.code != 0 && r.all().contains(&server), "{}", r.all());
    let s = ws.state()?;
    let kb = s.attr(ADDR, "kubernetes")?;
    ensure!(
        kb["resources"]["memory"] == "1Gi",
        "state must keep the prior object: {kb}"
    );
    ws.tf_ok(&["apply", "-auto-approve", "-no-color", "-input=false"])?;
    ensure!(
        at(
            &live(&k)?,
            "/spec/predictor/containers/0/resources/requests/memory"
        ) == "2Gi"
    );

    // down: connection refused
    let url = k.url();
    drop(k);
    let r = ws.tf(&["plan", "-no-color", "-input=false"])?;
    ensure!(
        r.code != 0
            && r.all()
                .contains(&format!("the Kubernetes API server {url} did not answer"))
            && r.all().to_lowercase().contains("connection refused"),
        "{}",
        r.all()
    );
    ensure!(in_state(&ws)?, "state lost");
    Ok(())
}

/// `terraform query` lists a namespace's InferenceServices (made by someone else), page by
/// page, filtered by name, each with its KServe identity; `-generate-config-out` writes the
/// resource and `import` blocks.
#[test]
fn query_lists_inference_services_of_a_namespace() -> Result<()> {
    let Some(k) = start("query_lists_inference_services_of_a_namespace")? else {
        return Ok(());
    };
    for name in ["churn-a", "churn-b", "fraud"] {
        k.apply_as(
            "someone-else",
            NAMESPACE,
            name,
            sklearn_object("s3://models/v1/model.tar.gz", json!({})),
        )?;
    }
    let emulator = Emulator::start()?;
    let mut ws = Workspace::new(&emulator, Install::DevOverride)?;
    // One object per page: the lister follows the continue tokens.
    ws.env.push(("MLOPS_LIST_PAGE_SIZE".into(), "1".into()));
    ws.write_config(&provider_block(&k.provider_kubernetes("")))?;
    std::fs::write(
        ws.work().join("isvc.tfquery.hcl"),
        format!("list \"mlops_endpoint\" \"kserve\" {{\n  provider = mlops\n  config {{\n    kserve_namespace = \"{NAMESPACE}\"\n    name_contains    = \"churn\"\n  }}\n}}\n"),
    )?;
    let all = ws.tf_ok(&["query", "-no-color"])?.all();
    for name in ["churn-a", "churn-b"] {
        ensure!(
            all.contains(&format!(
                "name={name},namespace={NAMESPACE},platform=kserve {NAMESPACE}/{name}"
            )),
            "{name} not listed:\n{all}"
        );
    }
    ensure!(!all.contains("fraud"), "name_contains ignored:\n{all}");
    ws.tf_ok(&["query", "-no-color", "-generate-config-out=generated.tf"])?;
    let generated = std::fs::read_to_string(ws.work().join("generated.tf"))?;
    ensure!(
        generated.contains("kubernetes {")
            && generated.contains(&format!("namespace = \"{NAMESPACE}\"")),
        "{generated}"
    );
    Ok(())
}
