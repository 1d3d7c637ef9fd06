//! `mlops_monitor` with a `prometheus` block: alerting rules for endpoints on Kubernetes as a
//! real PrometheusRule (prometheus-operator v0.93.0 CRD) in a real kube-apiserver, driven by
//! the real Terraform CLI; every rule read back from the cluster passes the real
//! `promtool check rules`, and `promtool test rules` proves the alerts fire on synthetic
//! series of the runtime's real metric names and stay silent on healthy ones.

use std::sync::Arc;
use std::time::Duration;

use acceptance_tests::kube::{Controller, Kind, KubeApiServer, NAMESPACE};
use acceptance_tests::promtool::RuleFile;
use acceptance_tests::{
    ensure_rejected, provider_block, re, Emulator, Install, Step, TestCase, Workspace,
};
use anyhow::{ensure, Context, Result};
use serde_json::{json, Value as Json};

const ADDR: &str = "mlops_monitor.m";

fn start(test: &str) -> Result<Option<Arc<KubeApiServer>>> {
    Ok(KubeApiServer::start_or_skip(test)?.map(Arc::new))
}

fn rule(k: &KubeApiServer) -> Result<Json> {
    k.get_of(Kind::PrometheusRule, NAMESPACE, "churn")?
        .context("PrometheusRule ml/churn does not exist")
}

fn groups(o: &Json) -> Json {
    o.pointer("/spec/groups").cloned().unwrap_or(Json::Null)
}

/// A Seldon endpoint and its monitor (`alerts`: the prometheus block's alert blocks).
fn seldon_config(alerts: &str) -> String {
    format!(
        r#"resource "mlops_endpoint" "e" {{
  name = "churn"
  model {{
    model_data_url = "s3://models/churn/1"
  }}
  seldon {{
    namespace    = "{NAMESPACE}"
    model_format = "sklearn"
  }}
}}
resource "mlops_monitor" "m" {{
  name          = "churn"
  endpoint_name = mlops_endpoint.e.name
  prometheus {{
    namespace = "{NAMESPACE}"
    runtime   = "seldon"
    labels = {{
      team = "churn"
    }}
    rule_labels = {{
      release = "kube-prometheus-stack"
    }}
{alerts}  }}
}}
"#
    )
}

const ALERTS: &str = r#"    error_rate {
      max_ratio = 0.05
    }
    latency {
      max_seconds = 0.5
      for         = "2m"
    }
    no_traffic {}
    drift {
      detector = "churn-drift"
    }
"#;

/// The labels every alert of the monitor carries.
fn labels(severity: &str) -> Json {
    json!({"severity": severity, "endpoint": "churn", "namespace": NAMESPACE, "team": "churn"})
}

fn annotations(summary: &str) -> Json {
    json!({"summary": summary, "runtime": "seldon"})
}

/// Series of Seldon's executor for churn: `ok` and `failed` requests per minute, and how
/// many of the requests per minute took at most 0.1 s and 0.5 s (all took at most 1 s).
fn seldon_series(ok: u32, failed: u32, under_100ms: u32, under_500ms: u32) -> Vec<Json> {
    let sel = format!(r#"namespace="{NAMESPACE}",deployment_name="churn",service="predictions""#);
    let total = ok + failed;
    let mut s = vec![json!({
        "series": format!("seldon_api_executor_server_requests_seconds_count{{{sel},code=\"200\",method=\"post\"}}"),
        "values": format!("0+{ok}x40"),
    })];
    if failed > 0 {
        s.push(json!({
            "series": format!("seldon_api_executor_server_requests_seconds_count{{{sel},code=\"500\",method=\"post\"}}"),
            "values": format!("0+{failed}x40"),
        }));
    }
    for (le, n) in [
        ("0.1", under_100ms),
        ("0.5", under_500ms),
        ("1", total),
        ("+Inf", total),
    ] {
        s.push(json!({
            "series": format!("seldon_api_executor_server_requests_seconds_bucket{{{sel},code=\"200\",method=\"post\",le=\"{le}\"}}"),
            "values": format!("0+{n}x40"),
        }));
    }
    s
}

fn drift_series(value: u32) -> Json {
    json!({
        "series": format!(r#"seldon_metric_drift_is_drift{{namespace="{NAMESPACE}",deployment_name="churn-drift",index="0"}}"#),
        "values": format!("{value}x40"),
    })
}

/// The alerts at minute 20, as promtool's `alert_rule_test` (`firing`: the ones expected).
fn expect(firing: &[&str]) -> Vec<Json> {
    let all = [
        (
            "MlopsEndpointErrorRate",
            "critical",
            "More than 5% of the requests to churn in ml fail.",
        ),
        (
            "MlopsEndpointLatency",
            "warning",
            "The p99 latency of churn in ml is above 0.5 s.",
        ),
        (
            "MlopsEndpointNoTraffic",
            "warning",
            "churn in ml gets no requests.",
        ),
        (
            "MlopsEndpointDrift",
            "warning",
            "The drift detector churn-drift reports drift in the requests to churn.",
        ),
    ];
    all.iter()
        .map(|(name, severity, summary)| {
            let alerts = if firing.contains(name) {
                json!([{ "exp_labels": labels(severity), "exp_annotations": annotations(summary) }])
            } else {
                json!([])
            };
            json!({ "eval_time": "20m", "alertname": name, "exp_alerts": alerts })
        })
        .collect()
}

/// promtool on the rules as the cluster holds them: they parse, and fire exactly when
/// they should.
fn promtool_proves(groups: &Json) -> Result<()> {
    let f = RuleFile::new(groups)?;
    let (ok, out) = f.check()?;
    ensure!(
        ok && out.contains("SUCCESS"),
        "promtool check rules:\n{out}"
    );
    let mut unhealthy = seldon_series(600, 120, 100, 500);
    unhealthy.push(drift_series(1));
    let mut healthy = seldon_series(600, 0, 600, 600);
    healthy.push(drift_series(0));
    let tests = json!([
        // 1 in 6 requests fail, p99 between 0.5 and 1 s, the detector reports drift
        { "interval": "1m", "input_series": unhealthy,
          "alert_rule_test": expect(&["MlopsEndpointErrorRate", "MlopsEndpointLatency", "MlopsEndpointDrift"]) },
        // all requests succeed within 0.1 s, no drift: silence
        { "interval": "1m", "input_series": healthy, "alert_rule_test": expect(&[]) },
        // nothing scraped at all: no traffic, and nothing else
        { "interval": "1m", "input_series": [drift_series(0)], "alert_rule_test": expect(&["MlopsEndpointNoTraffic"]) },
    ]);
    let (ok, out) = f.test(&tests)?;
    ensure!(ok && out.contains("SUCCESS"), "promtool test rules:\n{out}");
    Ok(())
}

/// The restored rules still parse.
fn promtool_proves_after_edit(groups: &Json) -> Result<()> {
    let (ok, out) = RuleFile::new(groups)?.check()?;
    ensure!(ok, "promtool check rules:\n{out}");
    Ok(())
}

/// Served on Seldon and monitored: the PrometheusRule is created (with the rule labels and
/// our field manager), promtool checks and unit-tests it; a threshold change updates it in
/// place; a teammate's edit of the rule shows as drift and is restored; import; destroy.
#[test]
fn seldon_endpoint_alerts_pass_promtool_update_drift_import_destroy() -> Result<()> {
    let Some(k) = start("seldon_endpoint_alerts_pass_promtool_update_drift_import_destroy")? else {
        return Ok(());
    };
    k.controller(Controller::Ready(Duration::from_millis(200)));
    k.run_controller(NAMESPACE);
    let mut tc = TestCase::new("prometheus alerts of a seldon endpoint");
    tc.provider_block = provider_block(&k.provider_kubernetes(""));
    let kd = k.clone();
    tc.check_destroyed = Some(Box::new(move |_| {
        ensure!(
            kd.get_of(Kind::PrometheusRule, NAMESPACE, "churn")?
                .is_none(),
            "PrometheusRule left after destroy"
        );
        Ok(())
    }));
    let (k1, k2, k3, k4) = (k.clone(), k.clone(), k.clone(), k.clone());
    tc.step(Step {
        config: seldon_config(ALERTS),
        check: Some(Box::new(move |ctx| {
            let o = rule(&k1)?;
            ensure!(o.pointer("/metadata/labels/release") == Some(&json!("kube-prometheus-stack")), "{o}");
            let managers: Vec<&str> = o.pointer("/metadata/managedFields").and_then(Json::as_array).into_iter().flatten()
                .filter_map(|m| m["manager"].as_str()).collect();
            ensure!(managers.contains(&"terraform-provider-mlops"), "{managers:?}");
            let g = groups(&o);
            ensure!(g[0]["name"] == "mlops-churn" && g[0]["rules"].as_array().map(Vec::len) == Some(4), "{g}");
            promtool_proves(&g)?;
            let names = ctx.state.attr(ADDR, "prometheus")?["alert_names"].clone();
            ensure!(names == json!(["MlopsEndpointErrorRate", "MlopsEndpointLatency", "MlopsEndpointNoTraffic", "MlopsEndpointDrift"]), "{names}");
            Ok(())
        })),
        ..Default::default()
    })
    // a new threshold: the rule changes in place
    .step(Step {
        config: seldon_config(&ALERTS.replace("max_ratio = 0.05", "max_ratio = 0.1")),
        // the plan shows the rule's change as JSON, for review
        expect_plan: Some(re(r#"(?s)mlops_monitor\.m will be updated in-place.*~ rules\s*= jsonencode\(.*> 0\.05" -> ".*> 0\.1".*~ max_ratio\s*= 0\.05 -> 0\.1"#)),
        check: Some(Box::new(move |_| {
            let g = groups(&rule(&k2)?);
            let expr = g[0]["rules"][0]["expr"].as_str().unwrap_or_default().to_string();
            ensure!(expr.ends_with("> 0.1"), "{expr}");
            Ok(())
        })),
        ..Default::default()
    })
    // a teammate edits the rule with kubectl: the plan shows it; the apply names the other
    // field manager, and with force_conflicts takes the rule back
    .step(Step {
        config: seldon_config(&ALERTS.replace("max_ratio = 0.05", "max_ratio = 0.1")),
        before: Some(Box::new(move |_| {
            let mut g = groups(&rule(&k3)?);
            g[0]["rules"][0]["expr"] = json!("vector(1) > 0");
            k3.merge_of(Kind::PrometheusRule, "kubectl-edit", NAMESPACE, "churn", json!({"spec": {"groups": g}}))
        })),
        expect_plan: Some(re(r#"(?s)mlops_monitor\.m will be updated in-place.*~ rules\s*=.*"vector\(1\) > 0" -> "sum\(rate"#)),
        expect_error: Some(re(r#"(?s)Server-side apply conflict.*conflict with "kubectl-edit".*\.spec\.groups.*force_conflicts = true"#)),
        ..Default::default()
    })
    .step(Step {
        config: seldon_config(&format!("{}    force_conflicts = true\n", ALERTS.replace("max_ratio = 0.05", "max_ratio = 0.1"))),
        check: Some(Box::new(move |_| {
            let g = groups(&rule(&k4)?);
            let expr = g[0]["rules"][0]["expr"].as_str().unwrap_or_default().to_string();
            ensure!(expr.contains("seldon_api_executor_server_requests_seconds_count") && expr.ends_with("> 0.1"), "restored: {expr}");
            promtool_proves_after_edit(&g)
        })),
        ..Default::default()
    })
    .step(Step {
        config: seldon_config(&format!("{}    force_conflicts = true\n", ALERTS.replace("max_ratio = 0.05", "max_ratio = 0.1"))),
        import: Some((ADDR.into(), format!("prometheus:{NAMESPACE}/churn"), vec![])),
        ..Default::default()
    })
    .run()
}

/// KServe's rules use Knative's queue-proxy metrics (milliseconds) and pass promtool; the
/// latency alert fires on a slow revision and not on a fast one.
#[test]
fn kserve_endpoint_alerts_use_knative_metrics() -> Result<()> {
    let Some(k) = start("kserve_endpoint_alerts_use_knative_metrics")? else {
        return Ok(());
    };
    let emulator = Emulator::start()?;
    let ws = Workspace::new(&emulator, Install::Mirror)?;
    ws.write_config(&format!(
        "{}resource \"mlops_monitor\" \"m\" {{\n  name          = \"churn\"\n  endpoint_name = \"churn\"\n  prometheus {{\n    namespace = \"{NAMESPACE}\"\n    runtime   = \"kserve\"\n    latency {{\n      max_seconds = 0.25\n      percentile  = 0.9\n      for         = \"1m\"\n    }}\n    error_rate {{\n      max_ratio = 0.01\n    }}\n  }}\n}}\n",
        provider_block(&k.provider_kubernetes(""))
    ))?;
    ws.init()?;
    ws.tf_ok(&["apply", "-auto-approve", "-no-color", "-input=false"])?;
    ws.assert_plan_empty()?;
    let g = groups(&rule(&k)?);
    let f = RuleFile::new(&g)?;
    let (ok, out) = f.check()?;
    ensure!(ok, "promtool check rules:\n{out}");
    let sel = format!(
        r#"namespace_name="{NAMESPACE}",configuration_name="churn-predictor",revision_name="churn-predictor-00001""#
    );
    let series = |under_250ms: u32| -> Json {
        let mut s = vec![
            json!({"series": format!("revision_app_request_count{{{sel},response_code=\"200\",response_code_class=\"2xx\"}}"), "values": "0+100x30"}),
        ];
        for (le, n) in [
            ("100", under_250ms),
            ("250", under_250ms),
            ("500", 100),
            ("+Inf", 100),
        ] {
            s.push(json!({"series": format!("revision_app_request_latencies_bucket{{{sel},le=\"{le}\"}}"), "values": format!("0+{n}x30")}));
        }
        Json::Array(s)
    };
    let latency = |firing: bool| {
        let alerts = if firing {
            json!([{ "exp_labels": {"severity": "warning", "endpoint": "churn", "namespace": NAMESPACE},
                     "exp_annotations": {"summary": "The p90 latency of churn in ml is above 0.25 s.", "runtime": "kserve"} }])
        } else {
            json!([])
        };
        json!([
            { "eval_time": "10m", "alertname": "MlopsEndpointLatency", "exp_alerts": alerts },
            { "eval_time": "10m", "alertname": "MlopsEndpointErrorRate", "exp_alerts": [] },
        ])
    };
    let tests = json!([
        // half the requests take more than 250 ms: p90 above it
        { "interval": "1m", "input_series": series(50), "alert_rule_test": latency(true) },
        { "interval": "1m", "input_series": series(100), "alert_rule_test": latency(false) },
    ]);
    let (ok, out) = f.test(&tests)?;
    ensure!(ok && out.contains("SUCCESS"), "promtool test rules:\n{out}");
    ws.tf_ok(&["destroy", "-auto-approve", "-no-color", "-input=false"])?;
    ensure!(
        k.get_of(Kind::PrometheusRule, NAMESPACE, "churn")?
            .is_none(),
        "destroyed"
    );
    Ok(())
}

/// Someone else's PrometheusRule of the name is refused before any write and left alone; a
/// half-made one (an interrupted apply: our marker, no state) is adopted and converged.
#[test]
fn someone_elses_rule_is_refused_and_a_half_made_one_adopted() -> Result<()> {
    let Some(k) = start("someone_elses_rule_is_refused_and_a_half_made_one_adopted")? else {
        return Ok(());
    };
    k.create_of(Kind::PrometheusRule,
        NAMESPACE,
        json!({
            "apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule",
            "metadata": {"name": "churn", "namespace": NAMESPACE},
            "spec": {"groups": [{"name": "theirs", "rules": [{"alert": "Theirs", "expr": "vector(1)"}]}]},
        }),
    )?;
    let emulator = Emulator::start()?;
    let ws = Workspace::new(&emulator, Install::Mirror)?;
    ws.write_config(&format!(
        "{}resource \"mlops_monitor\" \"m\" {{\n  name          = \"churn\"\n  endpoint_name = \"churn\"\n  prometheus {{\n    namespace = \"{NAMESPACE}\"\n    runtime   = \"seldon\"\n    no_traffic {{}}\n  }}\n}}\n",
        provider_block(&k.provider_kubernetes(""))
    ))?;
    ws.init()?;
    let r = ws.tf(&["apply", "-auto-approve", "-no-color", "-input=false"])?;
    ensure!(
        r.code != 0
            && re(r#"(?s)PrometheusRule ml/churn already exists.*prometheus:ml/churn"#)
                .is_match(&r.all()),
        "{}",
        r.all()
    );
    ensure!(groups(&rule(&k)?)[0]["name"] == "theirs", "left alone");
    k.delete_of(Kind::PrometheusRule, NAMESPACE, "churn")?;
    // what an apply killed after its write leaves: our manager's object, with the marker
    k.apply_of(
        Kind::PrometheusRule,
        "terraform-provider-mlops",
        NAMESPACE,
        "churn",
        json!({
            "metadata": {"namespace": NAMESPACE,
                         "annotations": {"mlops.terraform.io/created-by": "terraform-provider-mlops"}},
            "spec": {"groups": [{"name": "mlops-churn", "rules": [{"alert": "Stale", "expr": "vector(1)"}]}]},
        }),
    )?;
    let uid = rule(&k)?.pointer("/metadata/uid").cloned();
    ws.tf_ok(&["apply", "-auto-approve", "-no-color", "-input=false"])?;
    let o = rule(&k)?;
    ensure!(
        o.pointer("/metadata/uid").cloned() == uid,
        "adopted, not re-created: {o}"
    );
    ensure!(
        groups(&o)[0]["rules"][0]["alert"] == "MlopsEndpointNoTraffic",
        "converged: {o}"
    );
    ws.assert_plan_empty()?;
    ws.tf_ok(&["destroy", "-auto-approve", "-no-color", "-input=false"])?;
    ensure!(
        k.get_of(Kind::PrometheusRule, NAMESPACE, "churn")?
            .is_none(),
        "destroyed"
    );
    Ok(())
}

#[test]
fn invalid_prometheus_monitors_are_rejected_at_plan_without_api_calls() -> Result<()> {
    let emulator = Emulator::start()?;
    let ws = Workspace::new(&emulator, Install::Mirror)?;
    ws.write_config(&provider_block(""))?;
    ws.init()?;
    let monitor = |top: &str, inner: &str| {
        format!("resource \"mlops_monitor\" \"m\" {{\n  name          = \"churn\"\n  endpoint_name = \"churn\"\n{top}  prometheus {{\n    namespace = \"ml\"\n    runtime   = \"seldon\"\n{inner}  }}\n}}\n")
    };
    let alert = "    no_traffic {}\n";
    let cases = vec![
        ("no alert", monitor("", ""), r"(?s)At least one attribute required.*error_rate, latency, no_traffic or drift"),
        ("SageMaker role", monitor("  role_arn = \"arn:aws:iam::123456789012:role/r\"\n", alert), r"(?s)SageMaker-only setting.*role_arn configures SageMaker Model Monitor"),
        ("SageMaker check", monitor("  data_quality {}\n", alert), r"(?s)SageMaker-only setting.*data_quality"),
        ("tags", monitor("  tags = {\n    a = \"b\"\n  }\n", alert), r"(?s)tags are AWS tags.*prometheus.labels"),
        ("no endpoint", monitor("", alert).replace("  endpoint_name = \"churn\"\n", ""), r"(?s)Missing endpoint"),
        ("upper-case name", monitor("", alert).replace("name          = \"churn\"", "name          = \"Churn\""), r#"(?s)Invalid PrometheusRule name.*"Churn""#),
        ("unknown runtime", monitor("", alert).replace("runtime   = \"seldon\"", "runtime   = \"triton\""), r#"(?s)"triton" is not a valid value for prometheus.runtime"#),
        ("drift on kserve", monitor("", "    drift {\n      detector = \"d\"\n    }\n").replace("runtime   = \"seldon\"", "runtime   = \"kserve\""), r"(?s)No drift metric.*KServe exports no drift metric"),
        ("bad duration", monitor("", "    no_traffic {\n      for = \"15 minutes\"\n    }\n"), r#"(?s)"15 minutes" is not valid for prometheus.no_traffic.for"#),
        ("ratio above 1", monitor("", "    error_rate {\n      max_ratio = 5\n    }\n"), r"(?s)prometheus.error_rate.max_ratio must be at most 1"),
        ("reserved label", monitor("", &format!("{alert}    labels = {{\n      severity = \"low\"\n    }}\n")), r"(?s)Reserved label.*severity is set by the rules"),
        ("bad label", monitor("", &format!("{alert}    labels = {{\n      \"team-name\" = \"x\"\n    }}\n")), r#"(?s)Invalid label name.*"team-name""#),
        ("SageMaker monitor without role", "resource \"mlops_monitor\" \"m\" {\n  name          = \"churn\"\n  endpoint_name = \"churn\"\n  output_s3_uri = \"s3://m/churn\"\n  data_quality {}\n}\n".to_string(), r"(?s)Missing role_arn.*add a prometheus block instead"),
    ];
    ensure_rejected(&ws, &emulator, &[ADDR], &cases, &|_, _| None)?;
    Ok(())
}

#[test]
fn prometheus_example_applies() -> Result<()> {
    let Some(k) = start("prometheus_example_applies")? else {
        return Ok(());
    };
    k.controller(Controller::Ready(Duration::from_millis(200)));
    k.run_controller(NAMESPACE);
    let hcl = std::fs::read_to_string(
        acceptance_tests::repo_root().join("examples/resources/mlops_monitor/prometheus.tf"),
    )?;
    let mut tc = TestCase::new("prometheus example");
    tc.provider_block = provider_block(&k.provider_kubernetes(""));
    let k1 = k.clone();
    tc.step(Step {
        config: hcl,
        check: Some(Box::new(move |_| {
            let o = k1
                .get_of(Kind::PrometheusRule, NAMESPACE, "churn-alerts")?
                .context("the example's rule")?;
            let (ok, out) = RuleFile::new(&groups(&o))?.check()?;
            ensure!(ok, "promtool check rules:\n{out}");
            Ok(())
        })),
        ..Default::default()
    })
    .run()
}
