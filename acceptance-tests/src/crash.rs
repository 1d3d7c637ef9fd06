//! Pieces of the crash suite (`tests/crash.rs`, issue 13): run Terraform in its own process
//! group and signal the whole group (terraform and the provider) once the emulator has seen
//! the k-th mutating call of the run; run Terraform with a time limit; and compare the
//! emulator's inventory with what Terraform's state accounts for.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde_json::Value as Json;

use crate::{Emulator, Run, State, Workspace};

/// Every object family of the emulator's inventory, as `(service, key)`.
pub const FAMILIES: &[(&str, &str)] = &[
    ("sagemaker", "pipelines"),
    ("sagemaker", "model_package_groups"),
    ("sagemaker", "model_packages"),
    ("sagemaker", "models"),
    ("sagemaker", "endpoint_configs"),
    ("sagemaker", "endpoints"),
    ("sagemaker", "data_quality_job_definitions"),
    ("sagemaker", "model_quality_job_definitions"),
    ("sagemaker", "monitoring_schedules"),
    ("sagemaker", "feature_groups"),
    ("events", "rules"),
    ("events", "connections"),
    ("events", "api_destinations"),
    ("sns", "topics"),
    ("iam", "roles"),
    ("cloudwatch", "alarms"),
    ("application-autoscaling", "scalable_targets"),
    ("application-autoscaling", "scaling_policies"),
];

/// Whether `service.Operation` changes something (the calls kill moments are counted in).
pub fn is_write(call: &str) -> bool {
    const VERBS: &[&str] = &[
        "Create",
        "Update",
        "Put",
        "Delete",
        "Start",
        "Stop",
        "Add",
        "Register",
        "Deregister",
        "Tag",
        "Untag",
        "Remove",
        "Subscribe",
        "Unsubscribe",
        "Set",
        "Attach",
        "Detach",
        "Enable",
        "Disable",
    ];
    let op = call.rsplit('.').next().unwrap_or(call);
    VERBS.iter().any(|v| op.starts_with(v))
}

/// The mutating calls the emulator has seen since its log was last cleared, in order.
pub fn write_log(emulator: &Emulator) -> Result<Vec<String>> {
    Ok(emulator
        .requests()?
        .iter()
        .map(|e| {
            format!(
                "{}.{}",
                e["service"].as_str().unwrap_or("?"),
                e["operation"].as_str().unwrap_or("?")
            )
        })
        .filter(|c| is_write(c))
        .collect())
}

fn writes_so_far(emulator: &Emulator) -> Result<u64> {
    Ok(emulator
        .calls()?
        .iter()
        .filter(|(k, _)| is_write(k))
        .map(|(_, n)| n)
        .sum())
}

/// A terraform command started in its own process group, output to a file.
struct Group {
    child: Child,
    pgid: u32,
    out: PathBuf,
    start: Instant,
}

impl Group {
    fn spawn(ws: &Workspace, args: &[&str]) -> Result<Group> {
        let n = std::fs::read_dir(ws.dir.path())?.count();
        let out = ws.dir.path().join(format!("run-{n}.out"));
        let file = File::create(&out)?;
        let mut cmd = Command::new(&ws.terraform);
        cmd.args(args)
            .current_dir(ws.work())
            .stdin(Stdio::null())
            .stdout(file.try_clone()?)
            .stderr(file)
            .process_group(0);
        for (k, v) in &ws.env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().context("starting terraform")?;
        Ok(Group {
            pgid: child.id(),
            child,
            out,
            start: Instant::now(),
        })
    }

    /// Send `signal` (`-9`, `-INT`) to every process of the group.
    fn signal(&self, signal: &str) -> Result<()> {
        let ok = Command::new("kill")
            .args([signal, "--", &format!("-{}", self.pgid)])
            .stderr(Stdio::null())
            .status()?
            .success();
        if !ok && self.alive() {
            bail!("kill {signal} of process group {} failed", self.pgid);
        }
        Ok(())
    }

    /// Whether any process of the group is still there (a provider outliving terraform too).
    fn alive(&self) -> bool {
        Command::new("kill")
            .args(["-0", "--", &format!("-{}", self.pgid)])
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    }

    /// Wait for terraform to end, at most `limit`; after it, kill the group. `None`: it hung.
    fn wait(&mut self, limit: Duration) -> Result<Option<i32>> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait()? {
                self.reap();
                return Ok(Some(status.code().unwrap_or(-1)));
            }
            if Instant::now() > deadline {
                self.signal("-9")?;
                self.child.wait()?;
                self.reap();
                return Ok(None);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Make sure nothing of the group keeps running into the next command.
    fn reap(&self) {
        let until = Instant::now() + Duration::from_secs(5);
        while self.alive() && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(50));
        }
        if self.alive() {
            let _ = self.signal("-9");
        }
    }

    fn output(&self) -> String {
        std::fs::read_to_string(&self.out).unwrap_or_default()
    }
}

impl Drop for Group {
    /// Whatever went wrong in between, no terraform or provider outlives its run.
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.signal("-9");
            let _ = self.child.wait();
        }
    }
}

/// Run terraform in its own process group, at most `limit`; a run that hangs is killed and
/// reported with exit code -1 and `hung` in stderr.
pub fn tf_bounded(ws: &Workspace, args: &[&str], limit: Duration) -> Result<Run> {
    let mut g = Group::spawn(ws, args)?;
    let code = g.wait(limit)?;
    let secs = g.start.elapsed().as_secs_f64();
    Ok(Run {
        code: code.unwrap_or(-1),
        stdout: g.output(),
        stderr: match code {
            Some(_) => String::new(),
            None => format!("hung: still running after {limit:?}, killed"),
        },
        secs,
    })
}

/// A run of terraform that was signalled mid-way.
#[derive(Debug)]
pub struct Interrupted {
    /// `-9` (a dead runner) or `-INT` (Ctrl-C in a terminal).
    pub signal: &'static str,
    /// Mutating calls answered before the signal, in order.
    pub done: Vec<String>,
    /// Mutating calls sent before the signal and answered after it (the emulator performed
    /// them; a killed provider never saw the answer).
    pub in_flight: Vec<String>,
    /// Mutating calls made after the signal (a provider winding down after Ctrl-C).
    pub after: Vec<String>,
    /// Seconds from the start to the signal, and from the signal to terraform's exit.
    pub at_secs: f64,
    pub exit_secs: f64,
    /// Terraform's exit code (None: killed by the signal).
    pub code: Option<i32>,
    pub output: String,
    /// The signal cut `terraform.tfstate` mid-write (see [`restore_cut_state`]); its backup
    /// was put back.
    pub state_cut: bool,
}

impl Interrupted {
    /// `SIGKILL after write #7 sagemaker.CreateEndpoint, sagemaker.DeleteTags in flight (3.1s in)`.
    pub fn describe(&self) -> String {
        let mut s = format!(
            "{} after write #{} {}",
            if self.signal == "-9" {
                "SIGKILL"
            } else {
                "SIGINT"
            },
            self.done.len(),
            self.done.last().map(String::as_str).unwrap_or("(none)"),
        );
        if !self.in_flight.is_empty() {
            s += &format!(", {} in flight", self.in_flight.join(" "));
        }
        if !self.after.is_empty() {
            s += &format!(", then {}", self.after.join(" "));
        }
        s + &format!(" ({:.1}s in)", self.at_secs)
    }
}

/// The mutating calls since the log was cleared: answered before `t`, sent before and
/// answered after it, sent after it (`t` in seconds since the epoch, the emulator's clock).
fn writes_around(emulator: &Emulator, t: f64) -> Result<[Vec<String>; 3]> {
    let mut out: [Vec<String>; 3] = Default::default();
    for e in emulator.requests()? {
        let call = format!(
            "{}.{}",
            e["service"].as_str().unwrap_or("?"),
            e["operation"].as_str().unwrap_or("?")
        );
        if !is_write(&call) {
            continue;
        }
        let start = e["time"].as_f64().unwrap_or(0.0);
        let end = start + e["duration_ms"].as_f64().unwrap_or(0.0) / 1000.0;
        let i = if end <= t {
            0
        } else if start <= t {
            1
        } else {
            2
        };
        out[i].push(call);
    }
    Ok(out)
}

/// How long each of the paced writes takes in an interrupted run: longer than the 20 ms
/// the signal needs to follow the k-th write, so that it lands before the next one.
const PACE_MS: u64 = 100;

/// Start `terraform <args>` in its own process group (the emulator's request log cleared
/// first), wait until the emulator has seen `k` mutating calls (polled every 20 ms), then
/// send `signal` to the whole group and wait for it to end. The operations in `pace`
/// (`service.Operation`, the writes of an uninterrupted run) are slowed to [`PACE_MS`]
/// meanwhile. Fails when the run ends by itself first, or does not get that far in 120 s.
pub fn interrupt_after_writes(
    ws: &Workspace,
    emulator: &Emulator,
    args: &[&str],
    k: usize,
    signal: &'static str,
    pace: &[String],
) -> Result<Interrupted> {
    emulator.clear_requests()?;
    for call in pace.iter().collect::<BTreeSet<_>>() {
        let (service, operation) = call.split_once('.').unwrap_or(("", call));
        emulator.fault(serde_json::json!({
            "service": service, "operation": operation, "kind": "latency", "latency_ms": PACE_MS
        }))?;
    }
    let result = interrupt(ws, emulator, args, k, signal);
    emulator.clear_faults()?;
    result
}

fn interrupt(
    ws: &Workspace,
    emulator: &Emulator,
    args: &[&str],
    k: usize,
    signal: &'static str,
) -> Result<Interrupted> {
    let mut g = Group::spawn(ws, args)?;
    loop {
        if writes_so_far(emulator)? >= k as u64 {
            break;
        }
        if let Some(status) = g.child.try_wait()? {
            g.reap();
            bail!(
                "terraform {} ended ({status}) after {} writes, before write #{k}:\n{}",
                args.join(" "),
                writes_so_far(emulator)?,
                tail(&g.output(), 30)
            );
        }
        if g.start.elapsed() > Duration::from_secs(120) {
            let _ = g.wait(Duration::ZERO);
            bail!("write #{k} never came in 120 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let at = g.start.elapsed();
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs_f64();
    g.signal(signal)?;
    let sent = Instant::now();
    // Ctrl-C: terraform stops gracefully (StopProvider) but must not take long
    let code = g.wait(Duration::from_secs(60))?;
    let exit_secs = sent.elapsed().as_secs_f64();
    // let calls still in flight land in the log
    std::thread::sleep(Duration::from_millis(2 * PACE_MS));
    let [done, in_flight, after] = writes_around(emulator, t)?;
    let state_cut = restore_cut_state(ws)?;
    Ok(Interrupted {
        state_cut,
        signal,
        done,
        in_flight,
        after,
        at_secs: at.as_secs_f64(),
        exit_secs,
        code,
        output: g.output(),
    })
}

/// Terraform's local backend writes `terraform.tfstate` in place (seek, truncate, write),
/// so a kill between the truncate and the write leaves the file empty or cut short, and
/// the next run sees no state at all (or fails to read it). No provider can help there:
/// the objects state recorded are unknown to Terraform from then on. Terraform writes
/// `terraform.tfstate.backup` (the state before this run) before its first overwrite; this
/// puts it back as an operator would (or removes a cut file when the run started without
/// state) and says whether the file was cut.
pub fn restore_cut_state(ws: &Workspace) -> Result<bool> {
    let path = ws.work().join("terraform.tfstate");
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(false);
    };
    let whole = serde_json::from_str::<Json>(&text)
        .map(|j| j.get("version").is_some())
        .unwrap_or(false);
    let backup = ws.work().join("terraform.tfstate.backup");
    // Terraform creates the file empty when it takes the lock: empty with no backup is a run
    // that started without state and wrote none yet (read as no state, nothing lost)
    if whole || (text.is_empty() && !backup.exists()) {
        return Ok(false);
    }
    if backup.exists() {
        std::fs::copy(&backup, &path).context("restoring terraform.tfstate.backup")?;
    } else {
        std::fs::remove_file(&path)?;
    }
    Ok(true)
}

/// The last `n` lines of `s`.
pub fn tail(s: &str, n: usize) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// `n` kill points spread over `1..=writes - 1` (the first write, and never after the last
/// one, when the run could end before the signal), deduplicated.
pub fn spread(writes: usize, n: usize) -> Vec<usize> {
    let last = writes.saturating_sub(1).max(1);
    let mut ks: Vec<usize> = (0..n)
        .map(|i| 1 + (last - 1) * i / n.saturating_sub(1).max(1))
        .collect();
    ks.dedup();
    ks
}

/// Names of an inventory family: list items, or the keys of a map.
fn family_names(inv: &Json, service: &str, key: &str) -> Vec<String> {
    match &inv[service][key] {
        Json::Array(a) => a
            .iter()
            .filter_map(|v| v.as_str().map(String::from))
            .collect(),
        Json::Object(o) => o.keys().cloned().collect(),
        _ => vec![],
    }
}

/// Strings at a dotted path of a state value (`model.model_name`), walking lists.
fn strings_at(v: &Json, path: &str) -> Vec<String> {
    fn walk(v: &Json, parts: &[&str], out: &mut Vec<String>) {
        match (v, parts.split_first()) {
            (Json::Array(items), _) => items.iter().for_each(|i| walk(i, parts, out)),
            (Json::String(s), None) => out.push(s.clone()),
            (Json::Object(o), Some((head, rest))) => {
                if let Some(child) = o.get(*head) {
                    walk(child, rest, out)
                }
            }
            _ => {}
        }
    }
    let parts: Vec<&str> = path.split('.').collect();
    let mut out = vec![];
    walk(v, &parts, &mut out);
    out
}

/// Every string anywhere in a state value.
fn all_strings(v: &Json, out: &mut Vec<String>) {
    match v {
        Json::String(s) => out.push(s.clone()),
        Json::Array(a) => a.iter().for_each(|i| all_strings(i, out)),
        Json::Object(o) => o.values().for_each(|i| all_strings(i, out)),
        _ => {}
    }
}

/// The objects a resource of state owns, as `(family, name)`: by its name and ARN
/// attributes, and the children its docs name (an endpoint's config, models, rollback alarms
/// and autoscaling; a monitor's definitions, schedules, alarms and alert topic).
fn owned(ty: &str, v: &Json) -> Vec<(&'static str, String)> {
    let at = |family: &'static str, path: &str| -> Vec<(&'static str, String)> {
        strings_at(v, path)
            .into_iter()
            .map(|s| (family, s))
            .collect()
    };
    let last_segment = |s: String| s.rsplit('/').next().unwrap_or_default().to_string();
    let mut out = vec![];
    match ty {
        "mlops_endpoint" if v["kubernetes"].is_null() || v["kubernetes"] == Json::Array(vec![]) => {
            out.extend(at("sagemaker.endpoints", "name"));
            out.extend(at("sagemaker.endpoint_configs", "endpoint_config_name"));
            for block in ["model", "variant", "shadow"] {
                out.extend(at("sagemaker.models", &format!("{block}.model_name")));
            }
            out.extend(at("cloudwatch.alarms", "alarm_names"));
            let name = v["name"].as_str().unwrap_or_default();
            for block in ["model", "variant", "shadow"] {
                let variants = match &v[block] {
                    Json::Array(a) => a.clone(),
                    Json::Null => vec![],
                    one => vec![one.clone()],
                };
                for variant in variants {
                    let autoscaled = match &variant["autoscaling"] {
                        Json::Null => false,
                        Json::Array(a) => !a.is_empty(),
                        _ => true,
                    };
                    if autoscaled {
                        let id = format!(
                            "endpoint/{name}/variant/{}",
                            variant["name"].as_str().unwrap_or("primary")
                        );
                        out.push(("application-autoscaling.scalable_targets", id.clone()));
                        out.push(("application-autoscaling.scaling_policies", id));
                    }
                }
            }
        }
        "mlops_monitor" => {
            out.extend(at(
                "sagemaker.data_quality_job_definitions",
                "data_quality_job_definition",
            ));
            out.extend(at(
                "sagemaker.model_quality_job_definitions",
                "model_quality_job_definition",
            ));
            for arn in ["data_quality_schedule_arn", "model_quality_schedule_arn"] {
                out.extend(
                    strings_at(v, arn)
                        .into_iter()
                        .map(|a| ("sagemaker.monitoring_schedules", last_segment(a))),
                );
            }
            out.extend(at("cloudwatch.alarms", "alarm_names"));
            if !strings_at(v, "alerts.emails").is_empty() {
                out.extend(at("sns.topics", "alerts.topic_arn"));
            }
        }
        "mlops_pipeline" => out.extend(at("sagemaker.pipelines", "name")),
        "mlops_model_package_group" => out.extend(at("sagemaker.model_package_groups", "name")),
        "mlops_model_package" => out.extend(at("sagemaker.model_packages", "arn")),
        "mlops_feature_view" => out.extend(at("sagemaker.feature_groups", "name")),
        _ => {}
    }
    out
}

/// Objects found by ARN anywhere in a resource's attributes (EventBridge rules, connections
/// and API destinations, IAM roles, SNS topics: trigger and notification plumbing): they
/// count as accounted for, but are not required to exist (a `role_arn` names the user's role).
fn referenced(v: &Json) -> Vec<(&'static str, String)> {
    let mut strings = vec![];
    all_strings(v, &mut strings);
    let mut out = vec![];
    for s in strings {
        let Some(resource) = s
            .strip_prefix("arn:aws:")
            .and_then(|r| r.splitn(4, ':').nth(3))
        else {
            continue;
        };
        let (kind, rest) = resource.split_once('/').unwrap_or((resource, ""));
        let family = match (s.split(':').nth(2), kind) {
            (Some("events"), "rule") => "events.rules",
            (Some("events"), "connection") => "events.connections",
            (Some("events"), "api-destination") => "events.api_destinations",
            (Some("iam"), "role") => "iam.roles",
            (Some("sns"), _) => {
                out.push(("sns.topics", s.clone()));
                continue;
            }
            _ => continue,
        };
        // connections and destinations: <name>/<uuid>; roles: [path/]<name>; rules: [bus/]<name>
        let name = match family {
            "events.connections" | "events.api_destinations" => {
                rest.split('/').next().unwrap_or_default().to_string()
            }
            "iam.roles" => rest.rsplit('/').next().unwrap_or_default().to_string(),
            _ => rest.to_string(),
        };
        out.push((family, name));
    }
    out
}

/// A difference between the emulator and state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Diff {
    /// In the emulator, and nothing in state accounts for it (a leak, or a duplicate).
    Unaccounted(String),
    /// Owned by a resource of state, and not in the emulator.
    Missing(String),
    /// Two of a kind where there should be one.
    Duplicate(String),
    /// The object is not in the condition state records.
    Condition(String),
}

impl std::fmt::Display for Diff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Diff::Unaccounted(s) => write!(
                f,
                "  + {s} (in the emulator, nothing in state accounts for it)"
            ),
            Diff::Missing(s) => write!(f, "  - {s}: not in the emulator"),
            Diff::Duplicate(s) => write!(f, "  duplicate: {s}"),
            Diff::Condition(s) => write!(f, "  {s}"),
        }
    }
}

/// A target-tracking alarm Application Auto Scaling made for the policy of an autoscaled
/// variant state owns (`TargetTracking-<resource id>-AlarmHigh-<uuid>`).
fn scaling_alarm_of(alarm: &str, owners: &BTreeMap<(&str, String), Vec<String>>) -> bool {
    alarm.strip_prefix("TargetTracking-").is_some_and(|rest| {
        owners.keys().any(|(family, id)| {
            *family == "application-autoscaling.scaling_policies"
                && rest
                    .strip_prefix(id.as_str())
                    .is_some_and(|r| r.starts_with("-Alarm"))
        })
    })
}

/// Compare the emulator's inventory with state: every object of every family must be
/// accounted for by a managed resource of state (or be one of `outside`, made by the test
/// itself), every object state's resources own must exist, an autoscaled variant has one
/// scaling policy, an owned alert topic no more subscriptions than addresses. Returns the
/// differences, one line each (empty: they match).
pub fn compare(inv: &Json, state: &State, outside: &[String]) -> Vec<Diff> {
    let mut owners: BTreeMap<(&str, String), Vec<String>> = BTreeMap::new();
    let mut refs: BTreeSet<(&str, String)> = BTreeSet::new();
    let mut diffs = vec![];
    for r in state.resources() {
        if r["mode"] != "managed" {
            continue;
        }
        let address = r["address"].as_str().unwrap_or("?").to_string();
        let ty = r["type"].as_str().unwrap_or_default();
        let values = &r["values"];
        for key in owned(ty, values) {
            owners.entry(key).or_default().push(address.clone());
        }
        refs.extend(referenced(values));
        if ty == "mlops_monitor" {
            let emails = strings_at(values, "alerts.emails").len();
            for topic in strings_at(values, "alerts.topic_arn") {
                let subs = inv["sns"]["topics"][&topic].as_array().map_or(0, Vec::len);
                if emails > 0 && subs > emails {
                    diffs.push(Diff::Duplicate(format!(
                        "sns topic {topic} has {subs} subscriptions for {emails} addresses ({address})"
                    )));
                }
            }
        }
    }
    let mut present: BTreeSet<(String, String)> = BTreeSet::new();
    for (svc, key) in FAMILIES {
        let family = format!("{svc}.{key}");
        for name in family_names(inv, svc, key) {
            let id = (family.as_str(), name.clone());
            let accounted = owners.contains_key(&id)
                || refs.contains(&id)
                || outside.contains(&name)
                || (family == "cloudwatch.alarms" && scaling_alarm_of(&name, &owners));
            present.insert((family.clone(), name.clone()));
            if !accounted {
                diffs.push(Diff::Unaccounted(format!("{family}: {name}")));
            }
        }
    }
    for ((family, name), addresses) in &owners {
        if !present.contains(&(family.to_string(), name.clone())) {
            diffs.push(Diff::Missing(format!(
                "{family}: {name} (state: {})",
                addresses.join(", ")
            )));
        } else if addresses.len() > 1 {
            diffs.push(Diff::Duplicate(format!(
                "{family}: {name} claimed by {}",
                addresses.join(", ")
            )));
        }
    }
    if let Some(policies) = inv["application-autoscaling"]["scaling_policies"].as_object() {
        for (target, names) in policies {
            if names.as_array().map_or(0, Vec::len) > 1 {
                diffs.push(Diff::Duplicate(format!(
                    "scaling policies of {target}: {names}"
                )));
            }
        }
    }
    diffs
}

/// Everything left in the emulator, one line per family (empty: nothing).
pub fn leftovers(inv: &Json) -> Vec<String> {
    FAMILIES
        .iter()
        .filter_map(|(svc, key)| {
            let names = family_names(inv, svc, key);
            (!names.is_empty()).then(|| format!("  + {svc}.{key}: {}", names.join(", ")))
        })
        .collect()
}

/// Register a new version in `group`, approved, with a data-quality baseline under
/// `baseline` (what the training pipeline and a reviewer do); returns its ARN.
pub fn approve_version(
    emulator: &Emulator,
    rt: &tokio::runtime::Runtime,
    group: &str,
    artifact: &str,
    baseline: &str,
) -> Result<String> {
    use aws_sdk_sagemaker::types::{
        InferenceSpecification, MetricsSource, ModelApprovalStatus, ModelDataQuality, ModelMetrics,
        ModelPackageContainerDefinition,
    };
    let source = |f: &str| {
        MetricsSource::builder()
            .s3_uri(format!("{baseline}/{f}"))
            .content_type("application/json")
            .build()
    };
    let sm = emulator.sagemaker(rt);
    let v = rt.block_on(
        sm.create_model_package()
            .model_package_group_name(group)
            .inference_specification(
                InferenceSpecification::builder()
                    .containers(
                        ModelPackageContainerDefinition::builder()
                            .image("683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1")
                            .model_data_url(artifact)
                            .build(),
                    )
                    .supported_content_types("text/csv")
                    .supported_response_mime_types("text/csv")
                    .build(),
            )
            .model_metrics(
                ModelMetrics::builder()
                    .model_data_quality(
                        ModelDataQuality::builder()
                            .statistics(source("statistics.json"))
                            .constraints(source("constraints.json"))
                            .build(),
                    )
                    .build(),
            )
            .model_approval_status(ModelApprovalStatus::Approved)
            .send(),
    )?;
    Ok(v.model_package_arn().unwrap_or_default().to_string())
}

/// Each SageMaker endpoint of state really serves what state says: `InService`, on state's
/// endpoint config. Returns the differences.
pub fn endpoints_serve_state(
    emulator: &Emulator,
    rt: &tokio::runtime::Runtime,
    state: &State,
) -> Result<Vec<Diff>> {
    let sm = emulator.sagemaker(rt);
    let mut diffs = vec![];
    for r in state.resources() {
        if r["mode"] != "managed" || r["type"] != "mlops_endpoint" {
            continue;
        }
        let (Some(name), Some(config)) = (
            r["values"]["name"].as_str(),
            r["values"]["endpoint_config_name"].as_str(),
        ) else {
            continue;
        };
        let d = rt.block_on(sm.describe_endpoint().endpoint_name(name).send())?;
        let status = d.endpoint_status().map(|s| s.as_str().to_string());
        if status.as_deref() != Some("InService") || d.endpoint_config_name() != Some(config) {
            diffs.push(Diff::Condition(format!(
                "endpoint {name}: {} on {}, state says InService on {config}",
                status.unwrap_or_default(),
                d.endpoint_config_name().unwrap_or_default()
            )));
        }
    }
    Ok(diffs)
}

/// The configs an endpoint of state is on or rolling out to (`PendingDeploymentSummary`),
/// and their models: what an endpoint interrupted mid-update owns before state records it.
pub fn endpoint_children(
    emulator: &Emulator,
    rt: &tokio::runtime::Runtime,
    state: &State,
) -> Result<Vec<String>> {
    let sm = emulator.sagemaker(rt);
    let mut out = vec![];
    for r in state.resources() {
        let Some(name) = r["values"]["name"].as_str() else {
            continue;
        };
        if r["mode"] != "managed" || r["type"] != "mlops_endpoint" {
            continue;
        }
        let Ok(d) = rt.block_on(sm.describe_endpoint().endpoint_name(name).send()) else {
            continue;
        };
        let configs = d.endpoint_config_name().into_iter().chain(
            d.pending_deployment_summary()
                .and_then(|p| p.endpoint_config_name()),
        );
        for config in configs {
            out.push(config.to_string());
            // a destroy deletes the config before the endpoint
            let Ok(c) = rt.block_on(
                sm.describe_endpoint_config()
                    .endpoint_config_name(config)
                    .send(),
            ) else {
                continue;
            };
            out.extend(
                c.production_variants()
                    .iter()
                    .chain(c.shadow_production_variants())
                    .filter_map(|v| v.model_name().map(String::from)),
            );
        }
    }
    Ok(out)
}
