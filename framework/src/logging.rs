//! hclog-JSON logs on stderr, which Terraform parses and shows under TF_LOG/TF_LOG_PROVIDER.
//! stdout is reserved for the handshake line.

use std::io::Write;

use serde_json::{Map, Value as Json};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

/// The level Terraform asked for: TF_LOG_PROVIDER wins over TF_LOG. `None` means off.
pub fn level_from_env(get: impl Fn(&str) -> Option<String>) -> Option<Level> {
    let raw = get("TF_LOG_PROVIDER")
        .filter(|s| !s.is_empty())
        .or_else(|| get("TF_LOG").filter(|s| !s.is_empty()))?;
    match raw.trim().to_ascii_uppercase().as_str() {
        "TRACE" | "JSON" => Some(Level::TRACE),
        "DEBUG" => Some(Level::DEBUG),
        "INFO" => Some(Level::INFO),
        "WARN" => Some(Level::WARN),
        "ERROR" => Some(Level::ERROR),
        "OFF" => None,
        // Terraform treats any other value as TRACE.
        _ => Some(Level::TRACE),
    }
}

/// Formats events as hclog JSON lines.
pub struct HclogLayer {
    level: Level,
}

struct Fields(Map<String, Json>);

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(key(field), Json::String(value.to_string()));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(key(field), Json::from(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(key(field), Json::from(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(key(field), Json::Bool(value));
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(key(field), serde_json::json!(value));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0
            .insert(key(field), Json::String(format!("{value:?}")));
    }
}

fn key(f: &Field) -> String {
    if f.name() == "message" {
        "@message".to_string()
    } else {
        f.name().to_string()
    }
}

fn is_ours(target: &str) -> bool {
    target.starts_with("mlops") || target.starts_with("terraform_provider_mlops")
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for HclogLayer {
    fn enabled(&self, meta: &tracing::Metadata<'_>, _ctx: Context<'_, S>) -> bool {
        // Dependencies (HTTP, TLS, SDK internals) log at most at INFO: their trace output can
        // carry request details we do not want in logs.
        let max = if is_ours(meta.target()) {
            self.level
        } else {
            std::cmp::min(self.level, Level::INFO)
        };
        *meta.level() <= max
    }

    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let meta = event.metadata();
        let mut f = Fields(Map::new());
        event.record(&mut f);
        let mut line = Map::new();
        line.insert(
            "@level".into(),
            Json::String(
                match *meta.level() {
                    Level::TRACE => "trace",
                    Level::DEBUG => "debug",
                    Level::INFO => "info",
                    Level::WARN => "warn",
                    Level::ERROR => "error",
                }
                .into(),
            ),
        );
        line.insert(
            "@message".into(),
            f.0.remove("@message")
                .unwrap_or(Json::String(String::new())),
        );
        line.insert("@module".into(), Json::String("mlops".into()));
        line.insert(
            "@timestamp".into(),
            Json::String(hclog_timestamp(time::OffsetDateTime::now_utc())),
        );
        line.insert("target".into(), Json::String(meta.target().to_string()));
        line.extend(f.0);
        let mut out = serde_json::to_vec(&Json::Object(line)).unwrap_or_default();
        out.push(b'\n');
        let _ = std::io::stderr().lock().write_all(&out);
    }
}

/// The `@timestamp` of a log line as hclog writes it and go-plugin parses it
/// (`2006-01-02T15:04:05.000000Z07:00`: exactly six decimals). A line whose timestamp
/// does not parse is demoted by Terraform to a raw DEBUG string, losing its level.
pub fn hclog_timestamp(t: time::OffsetDateTime) -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
    );
    t.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_default()
}

/// Install the logger. Debug mode logs at INFO by default so a human sees progress.
pub fn init(debug: bool) {
    let level =
        level_from_env(|k| std::env::var(k).ok()).or(if debug { Some(Level::INFO) } else { None });
    let Some(level) = level else { return };
    let subscriber = tracing_subscriber::registry().with(HclogLayer { level });
    let _ = tracing::subscriber::set_global_default(subscriber);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(a, _)| *a == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(level_from_env(env(&[])), None);
        assert_eq!(
            level_from_env(env(&[("TF_LOG", "debug")])),
            Some(Level::DEBUG)
        );
        assert_eq!(
            level_from_env(env(&[("TF_LOG", "debug"), ("TF_LOG_PROVIDER", "ERROR")])),
            Some(Level::ERROR)
        );
        assert_eq!(level_from_env(env(&[("TF_LOG", "off")])), None);
        assert_eq!(level_from_env(env(&[("TF_LOG", "1")])), Some(Level::TRACE));
    }

    #[test]
    fn timestamps_have_the_six_decimals_go_plugin_parses() {
        let t = time::macros::datetime!(2026-12-03 11:37:33.123456789 UTC);
        assert_eq!(hclog_timestamp(t), "2026-12-03T11:37:33.123456Z");
        let t = time::macros::datetime!(2026-12-03 11:37:33 +01:00);
        assert_eq!(hclog_timestamp(t), "2026-12-03T10:37:33.000000Z");
    }
}
