//! The local AWS emulator (acceptance-tests/emulator, moto-based), one per test case, on a
//! free port on 127.0.0.1, with its control API (faults, request log, reset, inventory).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use anyhow::{anyhow, bail, Context, Result};
use serde_json::Value as Json;

use crate::repo_root;

/// A running emulator; killed on drop.
pub struct Emulator {
    child: Child,
    pub port: u16,
}

impl Emulator {
    /// Start the emulator from the project virtualenv (`scripts/setup-python.sh`).
    pub fn start() -> Result<Self> {
        let python = std::env::var("MLOPS_PYTHON")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|_| repo_root().join(".venv/bin/python"));
        if !python.exists() {
            bail!(
                "{} is missing: run scripts/setup-python.sh first (scripts/test.sh does)",
                python.display()
            );
        }
        // This checkout's emulator, even when the virtualenv has another checkout's package
        // installed in editable mode (worktrees sharing one .venv).
        let emu_dir = repo_root().join("acceptance-tests/emulator");
        let pythonpath = match std::env::var_os("PYTHONPATH") {
            Some(p) if !p.is_empty() => {
                let mut v = emu_dir.into_os_string();
                v.push(":");
                v.push(p);
                v
            }
            _ => emu_dir.into_os_string(),
        };
        let mut child = Command::new(&python)
            .args(["-m", "mlops_emulator", "--host", "127.0.0.1", "--port", "0"])
            .env("PYTHONPATH", pythonpath)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("starting the emulator")?;
        let stdout = child.stdout.take().ok_or_else(|| anyhow!("no stdout"))?;
        let mut lines = BufReader::new(stdout).lines();
        let port = loop {
            match lines.next() {
                Some(Ok(l)) => {
                    if let Some(p) = l.strip_prefix("MLOPS_EMULATOR_READY port=") {
                        break p.trim().parse::<u16>()?;
                    }
                }
                _ => {
                    let _ = child.kill();
                    bail!("emulator exited before it was ready");
                }
            }
        };
        // keep draining stdout so the emulator never blocks on a full pipe
        std::thread::spawn(move || for _ in lines {});
        Ok(Emulator { child, port })
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// A JSON exchange with the control API.
    fn http(&self, method: &str, path: &str, body: Option<&Json>) -> Result<Json> {
        crate::http::json(self.port, method, path, body)
    }

    /// Add a fault rule, e.g. `{"operation": "CreateModelPackage", "kind": "throttle", "count": 3}`.
    pub fn fault(&self, rule: Json) -> Result<()> {
        self.http("POST", "/_emulator/faults", Some(&rule))
            .map(|_| ())
    }

    pub fn clear_faults(&self) -> Result<()> {
        self.http("DELETE", "/_emulator/faults", None).map(|_| ())
    }

    /// Calls per `service.Operation` since the last reset.
    pub fn calls(&self) -> Result<BTreeMap<String, u64>> {
        let j = self.http("GET", "/_emulator/requests/summary", None)?;
        Ok(j.as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_u64().unwrap_or(0)))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// The request log since the last clear, in arrival order: `{"service", "operation",
    /// "status", "time", "duration_ms", "fault"}` per request (control calls are not logged).
    pub fn requests(&self) -> Result<Vec<Json>> {
        let j = self.http("GET", "/_emulator/requests", None)?;
        Ok(j["requests"].as_array().cloned().unwrap_or_default())
    }

    pub fn clear_requests(&self) -> Result<()> {
        self.http("DELETE", "/_emulator/requests", None).map(|_| ())
    }

    pub fn reset(&self) -> Result<()> {
        self.http("POST", "/_emulator/reset", None).map(|_| ())
    }

    /// Everything that exists right now, across all accounts and regions:
    /// `{"sagemaker": {"pipelines": [name], "model_package_groups": [name], "model_packages": [arn],
    ///                 "models": [name], "endpoint_configs": [name], "endpoints": [name],
    ///                 "data_quality_job_definitions": [name], "model_quality_job_definitions": [name],
    ///                 "monitoring_schedules": [name], "feature_groups": [name]},
    ///   "events": {"rules": {rule: [target id]}, "connections": [name], "api_destinations": [name]},
    ///   "sns": {"topics": {topic arn: [subscription arn]}},
    ///   "iam": {"roles": {role: [inline policy name]}},
    ///   "cloudwatch": {"alarms": [name]},
    ///   "application-autoscaling": {"scalable_targets": {resource id: [dimension]},
    ///                               "scaling_policies": {resource id: [policy name]}}}`
    /// (lists sorted; rules on a custom bus keyed `bus/rule`; an endpoint still `Deleting` is
    /// listed, one whose deletion finished is not; the same for monitoring schedules and feature
    /// groups). For "after destroy nothing is left".
    pub fn inventory(&self) -> Result<Json> {
        self.http("GET", "/_emulator/inventory", None)
    }

    /// Move a pipeline execution to `status` (`Executing`, `Stopping`, `Stopped`, `Failed`,
    /// `Succeeded`, `CompletedWithFailures`); executions otherwise stay `Executing` until stopped.
    pub fn set_pipeline_execution_status(
        &self,
        execution_arn: &str,
        status: &str,
        failure_reason: Option<&str>,
    ) -> Result<()> {
        let mut body = serde_json::json!({"arn": execution_arn, "status": status});
        if let Some(reason) = failure_reason {
            body["failure_reason"] = Json::from(reason);
        }
        self.http(
            "POST",
            "/_emulator/sagemaker/pipeline-execution",
            Some(&body),
        )
        .map(|_| ())
    }

    /// Set a monitoring schedule's status (`Pending`, `Scheduled`, `Stopped`, `Failed`; any
    /// transition still pending is dropped). `failure_reason` is shown as `FailureReason` with
    /// `Failed`. Schedules otherwise go `Pending` → `Scheduled` (or `Stopped`) by themselves after
    /// the endpoint delay. `name` is a schedule name (any region) or ARN.
    pub fn set_monitoring_schedule_status(
        &self,
        name: &str,
        status: &str,
        failure_reason: Option<&str>,
    ) -> Result<()> {
        let mut body = serde_json::json!({"name": name, "status": status});
        if let Some(reason) = failure_reason {
            body["failure_reason"] = Json::from(reason);
        }
        self.http(
            "POST",
            "/_emulator/sagemaker/monitoring-schedule",
            Some(&body),
        )
        .map(|_| ())
    }

    /// Record a monitoring execution as the schedule's `LastMonitoringExecutionSummary`
    /// (`status`: `Pending`, `InProgress`, `Completed`, `CompletedWithViolations`, `Failed`,
    /// `Stopping`, `Stopped`); the emulator never runs executions by itself.
    pub fn set_monitoring_execution(
        &self,
        name: &str,
        status: &str,
        failure_reason: Option<&str>,
    ) -> Result<()> {
        let mut execution = serde_json::json!({"status": status});
        if let Some(reason) = failure_reason {
            execution["failure_reason"] = Json::from(reason);
        }
        self.http(
            "POST",
            "/_emulator/sagemaker/monitoring-schedule",
            Some(&serde_json::json!({"name": name, "execution": execution})),
        )
        .map(|_| ())
    }

    /// How long every endpoint transition takes (`Creating`, `Updating`, `RollingBack`,
    /// `Deleting`; also monitoring schedules' `Pending` and feature groups' `Creating`,
    /// `Deleting` and update `InProgress`); default 1 s (or
    /// `MLOPS_EMULATOR_ENDPOINT_DELAY_SECONDS`), back to that on reset. Transitions happen by
    /// time, on the next read; no request ever blocks.
    pub fn set_endpoint_delay(&self, seconds: f64) -> Result<()> {
        self.http(
            "POST",
            "/_emulator/config",
            Some(&serde_json::json!({"endpoint_delay_seconds": seconds})),
        )
        .map(|_| ())
    }

    /// Whether a rolled-back update shows `RollingBack` for one delay before `InService`
    /// (default true).
    pub fn set_endpoint_rollback_status(&self, on: bool) -> Result<()> {
        self.http(
            "POST",
            "/_emulator/config",
            Some(&serde_json::json!({"endpoint_rollback_status": on})),
        )
        .map(|_| ())
    }

    /// Set a variant's current and desired instance count, as Application Auto Scaling leaves
    /// it after scaling (`endpoint` is a name or ARN). For "an update keeps the capacity the
    /// autoscaler chose".
    pub fn set_endpoint_capacity(&self, endpoint: &str, variant: &str, count: u32) -> Result<()> {
        self.http(
            "POST",
            "/_emulator/sagemaker/endpoint-capacity",
            Some(&serde_json::json!({"endpoint": endpoint, "variant": variant, "count": count})),
        )
        .map(|_| ())
    }

    /// What InvokeEndpoint on `endpoint` (a name; it need not exist yet) answers from now on:
    /// `status` < 400 → `body` as `application/json`; otherwise a `ModelError` (HTTP 424) with
    /// `OriginalStatusCode` = `status` and `OriginalMessage` = `body`. Without this the endpoint
    /// echoes the request as `{"predictions": <request>}`.
    pub fn set_invocation_response(&self, endpoint: &str, status: u16, body: &str) -> Result<()> {
        self.set_invocation_response_spec(
            serde_json::json!({"endpoint": endpoint, "status": status, "body": body}),
        )
    }

    /// The full form of [`Emulator::set_invocation_response`]:
    /// `{"endpoint", "status"?, "body"? (string or JSON), "content_type"?, "custom_attributes"?,
    /// "count"? (answer like this that many times, then echo again)}`.
    pub fn set_invocation_response_spec(&self, spec: Json) -> Result<()> {
        self.http(
            "POST",
            "/_emulator/sagemaker/invocation-response",
            Some(&spec),
        )
        .map(|_| ())
    }

    /// Back to the echo response for `endpoint` (all endpoints with `None`).
    pub fn clear_invocation_response(&self, endpoint: Option<&str>) -> Result<()> {
        let spec = match endpoint {
            Some(e) => serde_json::json!({"endpoint": e}),
            None => serde_json::json!({}),
        };
        self.http(
            "DELETE",
            "/_emulator/sagemaker/invocation-response",
            Some(&spec),
        )
        .map(|_| ())
    }

    /// CloudWatch SetAlarmState (`OK`, `ALARM`, `INSUFFICIENT_DATA`) for an alarm in any
    /// region; an alarm named in an endpoint update's AutoRollbackConfiguration that is in
    /// `ALARM` while the update runs rolls the update back.
    pub fn set_alarm_state(&self, alarm: &str, state: &str) -> Result<()> {
        self.http(
            "POST",
            "/_emulator/cloudwatch/alarm-state",
            Some(&serde_json::json!({"alarm": alarm, "state": state})),
        )
        .map(|_| ())
    }

    /// SDK configuration for the emulator (us-east-1, fake credentials).
    fn sdk_config(&self, rt: &tokio::runtime::Runtime) -> aws_config::SdkConfig {
        let endpoint = self.endpoint();
        rt.block_on(async move {
            aws_config::defaults(aws_config::BehaviorVersion::latest())
                .region(aws_config::Region::new("us-east-1"))
                .credentials_provider(aws_credential_types::Credentials::new(
                    "test", "test", None, None, "tests",
                ))
                .endpoint_url(endpoint)
                .load()
                .await
        })
    }

    /// A SageMaker SDK client for the emulator (for checks and out-of-band changes).
    pub fn sagemaker(&self, rt: &tokio::runtime::Runtime) -> aws_sdk_sagemaker::Client {
        aws_sdk_sagemaker::Client::new(&self.sdk_config(rt))
    }

    /// An S3 SDK client for the emulator (buckets addressed by path, as for any IP address).
    pub fn s3(&self, rt: &tokio::runtime::Runtime) -> aws_sdk_s3::Client {
        aws_sdk_s3::Client::new(&self.sdk_config(rt))
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Emulator {
    /// Fail unless each `(service, key)` of the inventory is empty, e.g.
    /// `[("sagemaker", "endpoints"), ("cloudwatch", "alarms")]` after a destroy.
    pub fn assert_none_left(&self, keys: &[(&str, &str)]) -> Result<()> {
        let inv = self.inventory()?;
        let mut left = vec![];
        for (svc, key) in keys {
            let v = &inv[*svc][*key];
            let empty = v
                .as_array()
                .map(Vec::is_empty)
                .or_else(|| v.as_object().map(|o| o.is_empty()));
            match empty {
                Some(true) => {}
                Some(false) => left.push(format!("{svc}.{key}: {v}")),
                None => anyhow::bail!("the emulator inventory has no {svc}.{key}"),
            }
        }
        anyhow::ensure!(left.is_empty(), "left behind: {}", left.join("; "));
        Ok(())
    }
}
