//! What one provider process did: RPC counts and time spent in their handlers, and the
//! process's CPU time, logged once at exit (debug level). A `TF_LOG=debug` plan then shows
//! per launch which RPCs Terraform sent and what they cost the provider
//! (`scripts/perf.sh` reads these lines).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

static STATS: Mutex<BTreeMap<&'static str, (u64, Duration)>> = Mutex::new(BTreeMap::new());

/// Count one call of `rpc` that took `took` in its handler.
pub fn record(rpc: &'static str, took: Duration) {
    if let Ok(mut m) = STATS.lock() {
        let e = m.entry(rpc).or_default();
        e.0 += 1;
        e.1 += took;
    }
}

/// `Rpc:count` pairs, e.g. `PlanResourceChange:200,ValidateResourceConfig:200`.
fn summary() -> (String, Duration) {
    let m = STATS.lock().map(|m| m.clone()).unwrap_or_default();
    let total = m.values().map(|(_, d)| *d).sum();
    let s = m
        .iter()
        .map(|(k, (n, _))| format!("{k}:{n}"))
        .collect::<Vec<_>>()
        .join(",");
    (s, total)
}

/// CPU time of the process's live threads so far (Linux `/proc/self/task/*/schedstat`).
fn cpu_time() -> Option<Duration> {
    let mut ns = 0u64;
    for t in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        let s = std::fs::read_to_string(t.path().join("schedstat")).ok()?;
        ns += s.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(Duration::from_nanos(ns))
}

/// Log the summary (before the runtime and its threads are gone).
pub fn log_exit() {
    let (rpcs, handlers) = summary();
    let cpu_ms = cpu_time().map(|d| d.as_secs_f64() * 1e3).unwrap_or(-1.0);
    tracing::debug!(
        rpcs = %rpcs,
        handler_ms = handlers.as_secs_f64() * 1e3,
        cpu_ms,
        "provider process summary"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_cpu() {
        record("TestRpc", Duration::from_millis(2));
        record("TestRpc", Duration::from_millis(3));
        let (s, total) = summary();
        assert!(s.contains("TestRpc:2"), "{s}");
        assert!(total >= Duration::from_millis(5));
        assert!(cpu_time().is_some_and(|d| d > Duration::ZERO));
    }
}
