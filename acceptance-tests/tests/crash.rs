//! The crash suite (issue 13): `examples/quickstart` and `examples/realtime-serving` applied
//! as users run them (filesystem mirror, `terraform init`), with terraform and the provider
//! killed (`kill -9` of the process group, a dead CI runner) or interrupted (SIGINT, Ctrl-C)
//! part-way through a create, an update (a newly approved version rolling out) or a destroy.
//! After each interruption a plain `terraform apply` (for a destroy: `terraform destroy`) must
//! finish within the objects' own lifecycle time, the plan after it must be empty, and the
//! emulator must hold exactly what state accounts for (after a destroy: nothing).
//!
//! Kill moments are progress, not wall time: the k-th mutating API call the emulator has
//! seen in the run, k spread over the write count of an uninterrupted run of the same phase,
//! measured at the start of each test (so the rounds follow the examples as they change).
//! Endpoint transitions take a few seconds, so kills also land inside endpoint waits. Every
//! round has its own emulator state (reset) and its own working directory. A summary line
//! per round and the figures of each test go straight to stderr (shown even when passing).

use std::io::Write;
use std::time::{Duration, Instant};

use acceptance_tests::crash::{
    approve_version, compare, endpoint_children, endpoints_serve_state, interrupt_after_writes,
    leftovers, spread, tail, tf_bounded, Diff, Interrupted,
};
use acceptance_tests::{load_example, Emulator, Install, Run, Workspace};
use anyhow::{bail, ensure, Context, Result};

const APPLY: &[&str] = &["apply", "-auto-approve", "-no-color", "-input=false"];
const DESTROY: &[&str] = &["destroy", "-auto-approve", "-no-color", "-input=false"];
/// Endpoint (and schedule, feature group) transitions in kill rounds.
const DELAY: f64 = 2.5;
/// In SIGINT rounds: long enough that an exit within [`SIGINT_EXIT`] shows the wait stopped.
const SIGINT_DELAY: f64 = 10.0;
const SIGINT_EXIT: Duration = Duration::from_secs(5);

/// An example and the version a reviewer approves for the rollout.
struct Example {
    dir: &'static str,
    group: &'static str,
    v2_model: &'static str,
    v2_baseline: &'static str,
    /// The endpoint and the answer its smoke test expects, if it has one.
    smoke: Option<(&'static str, &'static str)>,
}

const QUICKSTART: Example = Example {
    dir: "quickstart",
    group: "churn-prediction",
    v2_model: "s3://my-ml-bucket/churn/model-v2/model.tar.gz",
    v2_baseline: "s3://my-ml-bucket/churn/model-v2/baseline",
    smoke: None,
};

const REALTIME_SERVING: Example = Example {
    dir: "realtime-serving",
    group: "churn",
    v2_model: "s3://mlops-churn/churn/models/v2/model.tar.gz",
    v2_baseline: "s3://mlops-churn/churn/baselines/v2",
    smoke: Some(("churn", "0.87")),
};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Phase {
    Create,
    Update,
    Destroy,
}

impl Phase {
    fn name(self) -> &'static str {
        match self {
            Phase::Create => "create",
            Phase::Update => "update",
            Phase::Destroy => "destroy",
        }
    }
    fn args(self) -> &'static [&'static str] {
        if self == Phase::Destroy {
            DESTROY
        } else {
            APPLY
        }
    }
}

/// Write log and duration of each phase of an uninterrupted lifecycle.
struct Baseline {
    writes: [Vec<String>; 3],
    secs: [f64; 3],
}

impl Baseline {
    fn writes(&self, p: Phase) -> usize {
        self.writes[p as usize].len()
    }
    /// Position (1-based) of the first write of `op` in phase `p`.
    fn first(&self, p: Phase, op: &str) -> Result<usize> {
        self.writes[p as usize]
            .iter()
            .position(|w| w.ends_with(op))
            .map(|i| i + 1)
            .with_context(|| format!("no {op} in the {} writes", p.name()))
    }
    /// How long a recovery may take: the uninterrupted phase twice, plus slack and the
    /// transitions that may still be under way.
    fn limit(&self, p: Phase, delay: f64) -> Duration {
        Duration::from_secs_f64(2.0 * self.secs[p as usize] + 30.0 + 3.0 * delay)
    }
}

struct Round {
    phase: Phase,
    k: usize,
    signal: &'static str,
}

fn kills(phase: Phase, ks: Vec<usize>) -> Vec<Round> {
    ks.into_iter()
        .map(|k| Round {
            phase,
            k,
            signal: "-9",
        })
        .collect()
}

/// One emulator and example per test.
struct Lab {
    ex: &'static Example,
    emulator: Emulator,
    rt: tokio::runtime::Runtime,
}

/// What a round saw, for its report.
#[derive(Default)]
struct Trace {
    interrupted: Option<Interrupted>,
    recovery: Option<Run>,
    checks: Vec<&'static str>,
    /// Seconds an object of a resumed destroy took to finish deleting by itself.
    lingered: Option<f64>,
}

/// Terraform's `Error:` blocks in an output (up to the next blank line after the location).
fn errors(out: &str) -> String {
    let lines: Vec<&str> = out.lines().collect();
    let mut keep = vec![];
    for (i, l) in lines.iter().enumerate() {
        if l.trim_start_matches(['│', ' ']).starts_with("Error:") {
            keep.extend(lines[i..lines.len().min(i + 8)].iter().copied());
        }
    }
    keep.join("\n")
}

impl Lab {
    fn new(ex: &'static Example) -> Result<Self> {
        Ok(Lab {
            ex,
            emulator: Emulator::start()?,
            rt: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?,
        })
    }

    /// A fresh emulator state and working directory (`terraform init` done).
    fn fresh(&self, delay: f64) -> Result<Workspace> {
        self.emulator.reset()?;
        self.emulator.set_endpoint_delay(delay)?;
        if let Some((endpoint, answer)) = self.ex.smoke {
            self.emulator
                .set_invocation_response(endpoint, 200, answer)?;
        }
        let ws = Workspace::new(&self.emulator, Install::Mirror)?;
        load_example(&ws, self.ex.dir)?;
        ws.init()?;
        Ok(ws)
    }

    fn approve_v2(&self) -> Result<String> {
        approve_version(
            &self.emulator,
            &self.rt,
            self.ex.group,
            self.ex.v2_model,
            self.ex.v2_baseline,
        )
    }

    /// Plan empty, the emulator holds what state accounts for, endpoints serve state's
    /// config (and `serving`, the version approved last, when given).
    fn converged(&self, ws: &Workspace, outside: &[String], serving: Option<&str>) -> Result<()> {
        let plan = ws.tf(&["plan", "-no-color", "-detailed-exitcode", "-input=false"])?;
        match plan.code {
            0 => {}
            2 => bail!(
                "the plan after it is not empty:\n{}",
                tail(&plan.stdout, 60)
            ),
            _ => bail!(
                "the plan after it failed:\n{}",
                tail(&format!("{}\n{}", plan.stdout, plan.stderr), 40)
            ),
        }
        self.matches_state(ws, outside, serving)
    }

    fn matches_state(
        &self,
        ws: &Workspace,
        outside: &[String],
        serving: Option<&str>,
    ) -> Result<()> {
        let state = ws.state()?;
        let inv = self.emulator.inventory()?;
        let mut diffs = compare(&inv, &state, outside);
        diffs.extend(endpoints_serve_state(&self.emulator, &self.rt, &state)?);
        if let Some(v2) = serving {
            for r in state.resources() {
                let served = &r["values"]["model"]["model_package_arn"];
                if r["type"] == "mlops_endpoint" && served != v2 {
                    diffs.push(Diff::Condition(format!(
                        "{} serves {served}, not {v2}",
                        r["address"]
                    )));
                }
            }
        }
        let lines: Vec<String> = diffs.iter().map(Diff::to_string).collect();
        ensure!(
            lines.is_empty(),
            "the emulator does not match state (+ only in the emulator, - only in state):\n{}",
            lines.join("\n")
        );
        Ok(())
    }

    /// State empty, and nothing left in the emulator once the objects still deleting by
    /// themselves (a resumed destroy records an endpoint gone once its deletion started) have
    /// had their lifecycle time (the delay, plus 5 s). Returns how long that took.
    fn nothing_left(&self, ws: &Workspace, delay: f64) -> Result<f64> {
        let state = ws.state()?;
        let managed: Vec<_> = state
            .resources()
            .into_iter()
            .filter(|r| r["mode"] == "managed")
            .map(|r| r["address"].to_string())
            .collect();
        ensure!(managed.is_empty(), "state still has {managed:?}");
        let start = Instant::now();
        loop {
            let left = leftovers(&self.emulator.inventory()?);
            if left.is_empty() {
                return Ok(start.elapsed().as_secs_f64());
            }
            eprintln!("still deleting: {}", left.join("; "));
            if start.elapsed().as_secs_f64() > delay + 5.0 {
                bail!("left in the emulator:\n{}", left.join("\n"));
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// An uninterrupted lifecycle: create, a new version rolled out, destroy; the writes and
    /// duration of each, and the suite's own checks on it.
    fn measure(&self) -> Result<Baseline> {
        let t0 = Instant::now();
        let ws = self.fresh(DELAY)?;
        let mut writes: [Vec<String>; 3] = Default::default();
        let mut secs = [0.0; 3];
        let mut outside = vec![];
        for phase in [Phase::Create, Phase::Update, Phase::Destroy] {
            if phase == Phase::Update {
                outside.push(self.approve_v2()?);
            }
            self.emulator.clear_requests()?;
            let r = tf_bounded(&ws, phase.args(), Duration::from_secs(600))?;
            ensure!(
                r.code == 0,
                "uninterrupted {} of {} failed:\n{}\n{}",
                phase.name(),
                self.ex.dir,
                tail(&format!("{}\n{}", r.stdout, r.stderr), 60),
                ws.log_tail(40)
            );
            writes[phase as usize] = acceptance_tests::crash::write_log(&self.emulator)?;
            secs[phase as usize] = r.secs;
            match phase {
                Phase::Destroy => self.nothing_left(&ws, 0.0).map(|_| ()),
                _ => self.converged(&ws, &outside, outside.first().map(String::as_str)),
            }
            .with_context(|| format!("uninterrupted {} of {}", phase.name(), self.ex.dir))?;
        }
        let _ = writeln!(
            std::io::stderr(),
            "crash {}: uninterrupted lifecycle in {:.1}s: create {} writes {:.1}s, update {} writes {:.1}s, destroy {} writes {:.1}s",
            self.ex.dir,
            t0.elapsed().as_secs_f64(),
            writes[0].len(),
            secs[0],
            writes[1].len(),
            secs[1],
            writes[2].len(),
            secs[2]
        );
        Ok(Baseline { writes, secs })
    }

    /// One round: reach the phase, interrupt it after write #k, recover, check. Failures
    /// of the checks after an interruption are collected and the round goes on to the
    /// recovery, so a report shows both.
    fn round(&self, base: &Baseline, r: &Round, trace: &mut Trace) -> Result<()> {
        let delay = if r.signal == "-INT" {
            SIGINT_DELAY
        } else {
            DELAY
        };
        let ws = self.fresh(delay)?;
        let mut failed: Vec<String> = vec![];
        let result = (|| -> Result<()> {
            let mut outside = vec![];
            if r.phase != Phase::Create {
                let setup = tf_bounded(&ws, APPLY, base.limit(Phase::Create, delay))?;
                ensure!(
                    setup.code == 0,
                    "setup apply failed:\n{}",
                    tail(&setup.stdout, 40)
                );
            }
            if r.phase == Phase::Update {
                outside.push(self.approve_v2()?);
            }
            let serving = outside.first().map(String::as_str);
            let pace = &base.writes[r.phase as usize];
            let i =
                interrupt_after_writes(&ws, &self.emulator, r.phase.args(), r.k, r.signal, pace)?;
            let exit = Duration::from_secs_f64(i.exit_secs);
            if i.state_cut {
                // Terraform's own limit (it writes the local state file in place); a
                // graceful Ctrl-C must never cause it
                if r.signal == "-INT" {
                    failed.push("after Ctrl-C, terraform.tfstate is cut short".into());
                } else {
                    trace.checks.push(
                        "terraform.tfstate cut by the kill, its backup put back (none: removed)",
                    );
                }
            }
            trace.interrupted = Some(i);
            if r.signal == "-INT" {
                if exit <= SIGINT_EXIT {
                    trace.checks.push("exit in time");
                } else {
                    failed.push(format!("after Ctrl-C terraform took {exit:?} to exit"));
                }
                // what exists is in state, or is what an endpoint of state is rolling out to
                // (what state has may be gone: the next refresh sees to it)
                let state = ws.state()?;
                let mut accounted = outside.clone();
                accounted.extend(endpoint_children(&self.emulator, &self.rt, &state)?);
                let inv = self.emulator.inventory()?;
                let lost: Vec<String> = compare(&inv, &state, &accounted)
                    .into_iter()
                    .filter(|d| matches!(d, Diff::Unaccounted(_) | Diff::Duplicate(_)))
                    .map(|d| d.to_string())
                    .collect();
                if lost.is_empty() {
                    trace.checks.push("partial state keeps what exists");
                } else {
                    failed.push(format!(
                        "after Ctrl-C, state does not keep what exists:\n{}",
                        lost.join("\n")
                    ));
                }
            }
            let rec = tf_bounded(&ws, r.phase.args(), base.limit(r.phase, delay))?;
            let code = rec.code;
            trace.recovery = Some(rec);
            ensure!(
                code == 0,
                "the recovery {} failed (exit {code})",
                r.phase.name()
            );
            match r.phase {
                Phase::Destroy => {
                    let waited = self.nothing_left(&ws, delay)?;
                    trace.checks.push("destroyed, nothing left");
                    if waited > 0.2 {
                        trace.lingered = Some(waited);
                    }
                }
                _ => {
                    self.converged(&ws, &outside, serving)?;
                    trace
                        .checks
                        .push("converged, plan empty, inventory = state");
                }
            }
            Ok(())
        })();
        if let Err(e) = result {
            failed.push(format!("{e:#}"));
        }
        if failed.is_empty() {
            return Ok(());
        }
        let mut report = failed.join("\n");
        if let Some(i) = &trace.interrupted {
            report += &format!(
                "\n--- interrupted run: {} (exit {:?} {:.1}s after the signal); its writes: {}\n{}",
                i.describe(),
                i.code,
                i.exit_secs,
                i.done.join(" "),
                tail(&i.output, 15)
            );
        }
        if let Some(rec) = &trace.recovery {
            report += &format!(
                "\n--- recovery (exit {}, {:.1}s): errors, then the tail ---\n{}\n...\n{}",
                rec.code,
                rec.secs,
                errors(&rec.stdout),
                tail(&format!("{}\n{}", rec.stdout, rec.stderr), 25)
            );
        }
        report += &format!("\n--- provider log, tail ---\n{}", ws.log_tail(40));
        bail!(report)
    }

    /// Run the rounds, print a line each and the figures; fail with every failed round.
    fn run(&self, test: &str, base: &Baseline, rounds: &[Round]) -> Result<()> {
        let t0 = Instant::now();
        let mut failures = vec![];
        let mut times = vec![];
        for (n, r) in rounds.iter().enumerate() {
            let start = Instant::now();
            let mut trace = Trace::default();
            let result = self.round(base, r, &mut trace);
            let secs = start.elapsed().as_secs_f64();
            times.push(secs);
            let label = format!(
                "{} {} k={}/{} {}",
                self.ex.dir,
                r.phase.name(),
                r.k,
                base.writes(r.phase),
                if r.signal == "-9" {
                    "kill -9"
                } else {
                    "SIGINT"
                }
            );
            let what = trace
                .interrupted
                .as_ref()
                .map_or("not interrupted".into(), Interrupted::describe);
            let mut recovery = trace
                .recovery
                .as_ref()
                .map_or(String::new(), |rec| format!("; recovery {:.1}s", rec.secs));
            if let Some(l) = trace.lingered {
                recovery += &format!(" (an object finished deleting {l:.1}s later)");
            }
            let verdict = match &result {
                Ok(()) => "PASS".to_string(),
                Err(_) => "FAIL".to_string(),
            };
            let _ = writeln!(
                std::io::stderr(),
                "crash round {}/{} {label}: {what}{recovery}; {}; {secs:.1}s {verdict}",
                n + 1,
                rounds.len(),
                trace.checks.join(", ")
            );
            if let Err(e) = result {
                failures.push(format!("=== round {} {label}: {e}", n + 1));
            }
        }
        let total = t0.elapsed().as_secs_f64();
        let mean = times.iter().sum::<f64>() / times.len().max(1) as f64;
        let max = times.iter().copied().fold(0.0, f64::max);
        let _ = writeln!(
            std::io::stderr(),
            "crash {test}: {} rounds, {} passed, {} failed; {mean:.1}s per round (max {max:.1}s); {total:.1}s",
            rounds.len(),
            rounds.len() - failures.len(),
            failures.len()
        );
        ensure!(
            failures.is_empty(),
            "{} of {} rounds failed:\n{}",
            failures.len(),
            rounds.len(),
            failures.join("\n\n")
        );
        Ok(())
    }
}

/// 7 kills spread over the quickstart's create, and Ctrl-C while the endpoint is creating.
#[test]
fn quickstart_create() -> Result<()> {
    let lab = Lab::new(&QUICKSTART)?;
    let base = lab.measure()?;
    let mut rounds = kills(Phase::Create, spread(base.writes(Phase::Create), 7));
    rounds.push(Round {
        phase: Phase::Create,
        k: base.first(Phase::Create, ".CreateEndpoint")?,
        signal: "-INT",
    });
    lab.run("quickstart_create", &base, &rounds)
}

/// 3 kills spread over the quickstart's rollout of a new version, 3 over its destroy, and
/// Ctrl-C while the endpoint is deleting.
#[test]
fn quickstart_update_and_destroy() -> Result<()> {
    let lab = Lab::new(&QUICKSTART)?;
    let base = lab.measure()?;
    let mut rounds = kills(Phase::Update, spread(base.writes(Phase::Update), 3));
    rounds.extend(kills(
        Phase::Destroy,
        spread(base.writes(Phase::Destroy), 3),
    ));
    rounds.push(Round {
        phase: Phase::Destroy,
        k: base.first(Phase::Destroy, ".DeleteEndpoint")?,
        signal: "-INT",
    });
    lab.run("quickstart_update_and_destroy", &base, &rounds)
}

/// realtime-serving: 3 kills in the create, 3 in the rollout, 2 in the destroy, and Ctrl-C
/// while the rollout is updating the endpoint.
#[test]
fn realtime_serving_create_update_destroy() -> Result<()> {
    let lab = Lab::new(&REALTIME_SERVING)?;
    let base = lab.measure()?;
    let mut rounds = kills(Phase::Create, spread(base.writes(Phase::Create), 3));
    rounds.extend(kills(Phase::Update, spread(base.writes(Phase::Update), 3)));
    rounds.extend(kills(
        Phase::Destroy,
        spread(base.writes(Phase::Destroy), 2),
    ));
    rounds.push(Round {
        phase: Phase::Update,
        k: base.first(Phase::Update, ".UpdateEndpoint")?,
        signal: "-INT",
    });
    lab.run("realtime_serving_create_update_destroy", &base, &rounds)
}
