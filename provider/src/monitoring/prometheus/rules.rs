//! The alerting rules of a monitor, as prometheus-operator's `PrometheusRule` spec: one
//! group, one alert per block, PromQL over the metric names the runtime exports (see
//! [`crate::monitoring::model::PrometheusAlerts`] for the names and where they come from).
//! Pure: no API calls.

use std::collections::BTreeMap;

use serde_json::{json, Value as Json};

use crate::monitoring::model::{MonitorState, PrometheusAlerts};

/// The alerts, by block.
pub const ERROR_RATE: &str = "MlopsEndpointErrorRate";
pub const LATENCY: &str = "MlopsEndpointLatency";
pub const NO_TRAFFIC: &str = "MlopsEndpointNoTraffic";
pub const DRIFT: &str = "MlopsEndpointDrift";

/// What a runtime's metrics are called and how they are selected.
struct Metrics {
    /// Requests counter (or a histogram's `_count`).
    count: &'static str,
    /// Latency histogram buckets.
    bucket: &'static str,
    /// Seconds per unit of the histogram (Knative's is in milliseconds).
    unit_seconds: f64,
    /// The matcher of failed requests.
    failed: &'static str,
}

const SELDON: Metrics = Metrics {
    count: "seldon_api_executor_server_requests_seconds_count",
    bucket: "seldon_api_executor_server_requests_seconds_bucket",
    unit_seconds: 1.0,
    // REST codes are numbers, gRPC codes names
    failed: r#"code!~"2..|OK""#,
};

const KSERVE: Metrics = Metrics {
    count: "revision_app_request_count",
    bucket: "revision_app_request_latencies_bucket",
    unit_seconds: 0.001,
    failed: r#"response_code_class!="2xx""#,
};

fn metrics(p: &PrometheusAlerts) -> &'static Metrics {
    if p.runtime == "kserve" {
        &KSERVE
    } else {
        &SELDON
    }
}

/// The label matchers of the endpoint's request series.
fn selector(p: &PrometheusAlerts, endpoint: &str) -> String {
    if p.runtime == "kserve" {
        format!(
            r#"namespace_name="{}",configuration_name="{endpoint}-predictor""#,
            p.namespace
        )
    } else {
        format!(
            r#"namespace="{}",deployment_name="{endpoint}",service="predictions""#,
            p.namespace
        )
    }
}

/// A number as PromQL writes it (no exponent for the usual thresholds).
fn number(x: f64) -> String {
    let s = format!("{x}");
    if s.contains('e') {
        format!("{x:.9}")
    } else {
        s
    }
}

fn window(p: &PrometheusAlerts) -> &str {
    p.window.as_deref().unwrap_or("5m")
}

/// One alert of a block: its PromQL, the block's `for` and `severity` (with their defaults)
/// and a summary.
struct Alert<'a> {
    name: &'static str,
    expr: String,
    duration: Option<&'a str>,
    severity: Option<&'a str>,
    default_for: &'static str,
    default_severity: &'static str,
    summary: String,
}

/// One alerting rule.
fn rule(p: &PrometheusAlerts, endpoint: &str, a: Alert<'_>) -> Json {
    let mut labels: BTreeMap<String, String> = p.labels.clone().unwrap_or_default();
    labels.insert(
        "severity".into(),
        a.severity.unwrap_or(a.default_severity).into(),
    );
    labels.insert("endpoint".into(), endpoint.into());
    labels.insert("namespace".into(), p.namespace.clone());
    json!({
        "alert": a.name,
        "expr": a.expr,
        "for": a.duration.unwrap_or(a.default_for),
        "labels": labels,
        "annotations": {
            "summary": a.summary,
            "runtime": p.runtime,
        },
    })
}

/// The rules of `s` (its `prometheus` block), in order: error rate, latency, no traffic,
/// drift.
pub fn rules(s: &MonitorState) -> Vec<Json> {
    let Some(p) = &s.prometheus else {
        return vec![];
    };
    let endpoint = s.endpoint_name.as_deref().unwrap_or_default();
    let m = metrics(p);
    let sel = selector(p, endpoint);
    let w = window(p);
    let total = format!("sum(rate({}{{{sel}}}[{w}]))", m.count);
    let mut out = vec![];
    if let Some(e) = &p.error_rate {
        out.push(rule(
            p,
            endpoint,
            Alert {
                name: ERROR_RATE,
                expr: format!(
                    "sum(rate({}{{{sel},{}}}[{w}])) / {total} > {}",
                    m.count,
                    m.failed,
                    number(e.max_ratio)
                ),
                duration: e.r#for.as_deref(),
                severity: e.severity.as_deref(),
                default_for: "5m",
                default_severity: "critical",
                summary: format!(
                    "More than {}% of the requests to {endpoint} in {} fail.",
                    number(e.max_ratio * 100.0),
                    p.namespace
                ),
            },
        ));
    }
    if let Some(l) = &p.latency {
        let q = l.percentile.unwrap_or(0.99);
        out.push(rule(
            p,
            endpoint,
            Alert {
                name: LATENCY,
                expr: format!(
                    "histogram_quantile({}, sum by (le) (rate({}{{{sel}}}[{w}]))) > {}",
                    number(q),
                    m.bucket,
                    number(l.max_seconds / m.unit_seconds)
                ),
                duration: l.r#for.as_deref(),
                severity: l.severity.as_deref(),
                default_for: "10m",
                default_severity: "warning",
                summary: format!(
                    "The {} latency of {endpoint} in {} is above {} s.",
                    percentile_name(q),
                    p.namespace,
                    number(l.max_seconds)
                ),
            },
        ));
    }
    if let Some(n) = &p.no_traffic {
        out.push(rule(
            p,
            endpoint,
            Alert {
                name: NO_TRAFFIC,
                // `or vector(0)`: no series at all (nothing scraped yet, or every pod gone) is
                // no traffic too
                expr: format!("({total} or vector(0)) == 0"),
                duration: n.r#for.as_deref(),
                severity: n.severity.as_deref(),
                default_for: "15m",
                default_severity: "warning",
                summary: format!("{endpoint} in {} gets no requests.", p.namespace),
            },
        ));
    }
    if let Some(d) = &p.drift {
        out.push(rule(
            p,
            endpoint,
            Alert {
                name: DRIFT,
                expr: format!(
                r#"max(seldon_metric_drift_is_drift{{namespace="{}",deployment_name="{}"}}) > 0"#,
                p.namespace, d.detector
            ),
                duration: d.r#for.as_deref(),
                severity: d.severity.as_deref(),
                default_for: "15m",
                default_severity: "warning",
                summary: format!(
                "The drift detector {} reports drift in the requests to {endpoint}.",
                d.detector
            ),
            },
        ));
    }
    out
}

/// `p99` for 0.99, `p99.9` for 0.999.
fn percentile_name(q: f64) -> String {
    format!("p{}", number((q * 1000.0).round() / 10.0))
}

/// The alert names of the rules, in order.
pub fn alert_names(rules: &[Json]) -> Vec<String> {
    rules
        .iter()
        .filter_map(|r| r["alert"].as_str().map(String::from))
        .collect()
}

/// The rule group's name.
pub fn group_name(s: &MonitorState) -> String {
    format!("mlops-{}", s.name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitoring::model::{ErrorRateAlert, LatencyAlert, NoTrafficAlert};

    fn monitor(runtime: &str) -> MonitorState {
        let mut s = MonitorState::named("churn");
        s.endpoint_name = Some("churn".into());
        s.prometheus = Some(PrometheusAlerts {
            namespace: "ml".into(),
            runtime: runtime.into(),
            error_rate: Some(ErrorRateAlert {
                max_ratio: 0.05,
                r#for: None,
                severity: None,
            }),
            latency: Some(LatencyAlert {
                max_seconds: 0.5,
                percentile: Some(0.99),
                r#for: Some("2m".into()),
                severity: Some("page".into()),
            }),
            no_traffic: Some(NoTrafficAlert {
                r#for: None,
                severity: None,
            }),
            ..Default::default()
        });
        s
    }

    #[test]
    fn seldon_rules_use_the_executor_histogram() {
        let r = rules(&monitor("seldon"));
        assert_eq!(alert_names(&r), [ERROR_RATE, LATENCY, NO_TRAFFIC]);
        assert_eq!(
            r[0]["expr"],
            r#"sum(rate(seldon_api_executor_server_requests_seconds_count{namespace="ml",deployment_name="churn",service="predictions",code!~"2..|OK"}[5m])) / sum(rate(seldon_api_executor_server_requests_seconds_count{namespace="ml",deployment_name="churn",service="predictions"}[5m])) > 0.05"#
        );
        assert_eq!(r[0]["for"], "5m");
        assert_eq!(r[0]["labels"]["severity"], "critical");
        assert_eq!(
            r[1]["expr"],
            r#"histogram_quantile(0.99, sum by (le) (rate(seldon_api_executor_server_requests_seconds_bucket{namespace="ml",deployment_name="churn",service="predictions"}[5m]))) > 0.5"#
        );
        assert_eq!(r[1]["labels"]["severity"], "page");
        assert_eq!(
            r[1]["annotations"]["summary"],
            "The p99 latency of churn in ml is above 0.5 s."
        );
    }

    #[test]
    fn kserve_rules_use_knative_milliseconds() {
        let r = rules(&monitor("kserve"));
        assert_eq!(
            r[1]["expr"],
            r#"histogram_quantile(0.99, sum by (le) (rate(revision_app_request_latencies_bucket{namespace_name="ml",configuration_name="churn-predictor"}[5m]))) > 500"#
        );
        assert!(r[0]["expr"]
            .as_str()
            .is_some_and(|e| e.contains(r#"response_code_class!="2xx""#)));
    }
}
