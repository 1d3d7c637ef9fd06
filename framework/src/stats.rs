//! What one provider process did: RPC counts and time spent in their handlers, the API
//! calls each resource type's RPCs made, and the process's CPU time, logged once at exit
//! (debug level). A `TF_LOG=debug` plan then shows per launch which RPCs Terraform sent and
//! what they cost (`scripts/perf.sh` and the `refresh_reads` acceptance test read these
//! lines).

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

static STATS: Mutex<BTreeMap<&'static str, (u64, Duration)>> = Mutex::new(BTreeMap::new());

/// (RPC, resource type) -> (RPC calls, API operation -> calls).
type ApiCalls = BTreeMap<(&'static str, String), (u64, BTreeMap<String, u64>)>;
static API: Mutex<ApiCalls> = Mutex::new(BTreeMap::new());

tokio::task_local! {
    /// The RPC and resource type the running task serves.
    static SERVING: (&'static str, String);
}

/// Run `f` as `rpc` for `type_name`: API calls it makes ([`record_api_call`]) are counted
/// under that pair.
pub async fn serving<F: Future>(rpc: &'static str, type_name: &str, f: F) -> F::Output {
    if let Ok(mut m) = API.lock() {
        m.entry((rpc, type_name.to_string())).or_default().0 += 1;
    }
    SERVING.scope((rpc, type_name.to_string()), f).await
}

/// Count one API call (`service.operation`) of the RPC being served (none outside one).
pub fn record_api_call(service: &str, operation: &str) {
    let _ = SERVING.try_with(|(rpc, ty)| {
        if let Ok(mut m) = API.lock() {
            let e = m.entry((*rpc, ty.clone())).or_default();
            *e.1.entry(format!("{service}.{operation}")).or_default() += 1;
        }
    });
}

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

/// Log the summary (before the runtime and its threads are gone): one line per RPC and
/// resource type that made API calls, then the process line.
pub fn log_exit() {
    let api = API.lock().map(|m| m.clone()).unwrap_or_default();
    for ((rpc, ty), (n, ops)) in &api {
        let calls: u64 = ops.values().sum();
        let ops = ops
            .iter()
            .map(|(k, v)| format!("{k}:{v}"))
            .collect::<Vec<_>>()
            .join(",");
        tracing::debug!(
            rpc = *rpc,
            resource_type = %ty,
            rpc_calls = *n,
            api_calls = calls,
            operations = %ops,
            "provider api calls"
        );
    }
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

    #[tokio::test]
    async fn api_calls_are_counted_per_rpc_and_type() {
        record_api_call("s3", "PutObject"); // outside any RPC: not counted
        serving("ReadResource", "test_thing", async {
            record_api_call("sagemaker", "DescribeThing");
            record_api_call("sagemaker", "DescribeThing");
        })
        .await;
        let m = API.lock().expect("lock").clone();
        let (n, ops) = &m[&("ReadResource", "test_thing".to_string())];
        assert_eq!(*n, 1);
        assert_eq!(ops.get("sagemaker.DescribeThing"), Some(&2));
        assert!(!m.values().any(|(_, o)| o.contains_key("s3.PutObject")));
    }

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
