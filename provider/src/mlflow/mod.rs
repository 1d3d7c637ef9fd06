//! Access to an MLflow tracking server: the provider's `mlflow` block and MLflow's own
//! environment variables ([`MlflowConfig`]), an HTTP client ([`Mlflow`]) for the server's REST
//! API (`/api/2.0/mlflow/...`) with bearer or basic auth, a custom CA, per-request timeouts
//! and bounded retries, and diagnostics that name the server and the operation. The finders
//! of the registry's objects are in [`registry`].

pub mod registry;

use std::time::Duration;

use mlops_framework::timeouts::{format_duration, parse_duration};
use mlops_framework::{AttrPath, Diagnostic, Diagnostics, Value};
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION};
use reqwest::{Method, StatusCode};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

/// Access to an MLflow tracking server, for registry resources and data sources with an
/// `mlflow` block and endpoints serving an MLflow model version. Every setting falls back to
/// the environment variable MLflow's own client reads, so training code and Terraform share
/// one configuration: `MLFLOW_TRACKING_URI`, `MLFLOW_TRACKING_TOKEN`,
/// `MLFLOW_TRACKING_USERNAME` / `MLFLOW_TRACKING_PASSWORD`,
/// `MLFLOW_TRACKING_SERVER_CERT_PATH`, `MLFLOW_TRACKING_INSECURE_TLS`. Nothing is contacted
/// unless a resource uses MLflow.
#[derive(Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct MlflowConfig {
    /// URL of the tracking server, e.g. `https://mlflow.example.com` (also
    /// `MLFLOW_TRACKING_URI`). Only HTTP(S) servers are supported (not `file:` stores or
    /// Databricks).
    #[schemars(regex(pattern = r"^https?://[^\s/]+(/\S*)?$"))]
    pub tracking_uri: Option<String>,
    /// Bearer token (also `MLFLOW_TRACKING_TOKEN`). Never logged.
    #[schemars(extend("x-tf" = ["sensitive"]))]
    pub token: Option<String>,
    /// User name for basic auth, e.g. of `mlflow server --app-name basic-auth` (also
    /// `MLFLOW_TRACKING_USERNAME`).
    pub username: Option<String>,
    /// Password for basic auth (also `MLFLOW_TRACKING_PASSWORD`). Never logged.
    #[schemars(extend("x-tf" = ["sensitive"]))]
    pub password: Option<String>,
    /// PEM file of the CA that signed the server's certificate, trusted besides the system's
    /// (also `MLFLOW_TRACKING_SERVER_CERT_PATH`).
    pub ca_cert_file: Option<String>,
    /// Do not verify the server's certificate (test servers only; also
    /// `MLFLOW_TRACKING_INSECURE_TLS=true`).
    pub insecure: Option<bool>,
    /// How long one API request may take, as a duration such as `30s` (default `30s`).
    /// Refused connections, 429 and 5xx answers are retried three times within it.
    pub request_timeout: Option<String>,
}

// The derived Debug would print the secrets.
impl std::fmt::Debug for MlflowConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MlflowConfig")
            .field("tracking_uri", &self.tracking_uri)
            .field("token", &self.token.as_ref().map(|_| "(sensitive)"))
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "(sensitive)"))
            .field("ca_cert_file", &self.ca_cert_file)
            .field("insecure", &self.insecure)
            .field("request_timeout", &self.request_timeout)
            .finish()
    }
}

const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Attempts per request (refused connections, 429 and 5xx are retried).
const ATTEMPTS: u32 = 4;

/// Provider-block checks of the `mlflow` block (unknown values are skipped).
pub fn validate(config: &Value, diags: &mut Diagnostics) {
    let m = config.attr("mlflow");
    if m.is_null() || m.is_unknown() {
        return;
    }
    let at = |a: &str| AttrPath::attr("mlflow").field(a);
    let set = |a: &str| !m.attr(a).is_null();
    let known = |a: &str| !m.attr(a).is_unknown();
    if set("token") && (set("username") || set("password")) {
        let other = if set("username") {
            "username"
        } else {
            "password"
        };
        diags.error_at(
            at(other),
            "Conflicting MLflow credentials",
            "Give either token (bearer auth) or username and password (basic auth), not both.",
        );
    }
    if known("username") && known("password") && set("username") != set("password") {
        let missing = if set("username") {
            "password"
        } else {
            "username"
        };
        diags.error_at(
            at(missing),
            "Incomplete MLflow credentials",
            "username and password must be set together (basic auth).",
        );
    }
    if let Some(t) = m.attr("request_timeout").as_str() {
        if parse_duration(t).map_or(true, |d| d.is_zero()) {
            diags.error_at(
                at("request_timeout"),
                "Invalid duration",
                format!("{t:?} is not a duration such as \"30s\" or \"2m\"."),
            );
        }
    }
}

/// The settings the client uses, after the environment fallbacks.
#[derive(Clone, Default)]
pub struct Settings {
    pub tracking_uri: Option<String>,
    token: Option<String>,
    basic: Option<(String, String)>,
    ca_cert_file: Option<String>,
    insecure: bool,
    request_timeout: Duration,
}

impl Settings {
    /// The block's values, each falling back to MLflow's environment variable.
    pub fn resolve(cfg: Option<MlflowConfig>, env: impl Fn(&str) -> Option<String>) -> Self {
        let cfg = cfg.unwrap_or_default();
        let env = |k: &str| env(k).filter(|v| !v.is_empty());
        let username = cfg.username.or_else(|| env("MLFLOW_TRACKING_USERNAME"));
        let password = cfg.password.or_else(|| env("MLFLOW_TRACKING_PASSWORD"));
        Settings {
            tracking_uri: cfg
                .tracking_uri
                .or_else(|| env("MLFLOW_TRACKING_URI"))
                .map(|u| u.trim_end_matches('/').to_string()),
            token: cfg.token.or_else(|| env("MLFLOW_TRACKING_TOKEN")),
            basic: username.zip(password),
            ca_cert_file: cfg
                .ca_cert_file
                .or_else(|| env("MLFLOW_TRACKING_SERVER_CERT_PATH")),
            insecure: cfg.insecure.unwrap_or_else(|| {
                env("MLFLOW_TRACKING_INSECURE_TLS").is_some_and(|v| v.eq_ignore_ascii_case("true"))
            }),
            request_timeout: cfg
                .request_timeout
                .as_deref()
                .and_then(|t| parse_duration(t).ok())
                .unwrap_or(DEFAULT_REQUEST_TIMEOUT),
        }
    }
}

/// An MLflow server's answer that is not a success, classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MlflowError {
    /// `RESOURCE_DOES_NOT_EXIST` (HTTP 404).
    NotFound(String),
    /// `RESOURCE_ALREADY_EXISTS`.
    AlreadyExists(String),
    /// 401 or 403: the credentials are missing, wrong or not allowed to do this.
    Denied(u16, String),
    /// No answer: the server is down, unreachable or too slow.
    Unreachable(String),
    /// Any other error answer: the HTTP status, MLflow's error code and message.
    Api(u16, String, String),
}

impl std::fmt::Display for MlflowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MlflowError::NotFound(m) | MlflowError::AlreadyExists(m) => f.write_str(m),
            MlflowError::Denied(s, m) => write!(f, "HTTP {s}: {m}"),
            MlflowError::Unreachable(m) => f.write_str(m),
            MlflowError::Api(s, code, m) => write!(f, "HTTP {s} {code}: {m}"),
        }
    }
}

/// A client of one tracking server; cheap to clone.
#[derive(Clone)]
pub struct Mlflow {
    http: reqwest::Client,
    /// e.g. `https://mlflow.example.com` (no trailing slash).
    pub base: String,
    timeout: Duration,
}

impl std::fmt::Debug for Mlflow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mlflow").field("base", &self.base).finish()
    }
}

/// Configured MLflow access: a client, or why there is none (reported when a resource
/// needs it, at the resource's `mlflow` block).
#[derive(Clone, Debug)]
pub enum MlflowAccess {
    Ready(Mlflow),
    Unconfigured,
    Broken(String),
}

impl MlflowAccess {
    /// Build from the provider block and the environment; no request is made.
    pub fn new(cfg: Option<MlflowConfig>) -> Self {
        let s = Settings::resolve(cfg, |k| std::env::var(k).ok());
        if s.tracking_uri.is_none() {
            return MlflowAccess::Unconfigured;
        }
        match Mlflow::new(&s) {
            Ok(m) => MlflowAccess::Ready(m),
            Err(e) => MlflowAccess::Broken(e),
        }
    }

    /// The client, or a diagnostic at `at` saying how to configure one.
    pub fn get(&self, at: AttrPath) -> Result<&Mlflow, Diagnostic> {
        match self {
            MlflowAccess::Ready(m) => Ok(m),
            MlflowAccess::Unconfigured => Err(Diagnostic::error(
                "MLflow is not configured",
                "This object lives in MLflow: set tracking_uri in the provider's mlflow block, or MLFLOW_TRACKING_URI.",
            )
            .at(at)),
            MlflowAccess::Broken(why) => Err(Diagnostic::error(
                "Invalid MLflow configuration",
                why.clone(),
            )
            .at(at)),
        }
    }
}

impl Mlflow {
    /// A client for these settings (reads the CA file; makes no request).
    pub fn new(s: &Settings) -> Result<Self, String> {
        let base = s.tracking_uri.clone().unwrap_or_default();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(format!(
                "tracking URI {base:?} is not an http(s) URL; this provider talks to MLflow tracking servers only."
            ));
        }
        let mut headers = HeaderMap::new();
        let auth = match (&s.token, &s.basic) {
            (Some(t), _) => Some(format!("Bearer {t}")),
            (None, Some((u, p))) => {
                use base64::Engine;
                let b = base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"));
                Some(format!("Basic {b}"))
            }
            (None, None) => None,
        };
        if let Some(a) = auth {
            let mut v = HeaderValue::from_str(&a).map_err(|_| {
                "the MLflow credentials contain characters not allowed in an HTTP header"
                    .to_string()
            })?;
            v.set_sensitive(true);
            headers.insert(AUTHORIZATION, v);
        }
        let mut b = reqwest::Client::builder()
            .default_headers(headers)
            .user_agent(concat!(
                "terraform-provider-mlops/",
                env!("CARGO_PKG_VERSION")
            ))
            .connect_timeout(s.request_timeout.min(Duration::from_secs(10)))
            .timeout(s.request_timeout);
        if let Some(path) = &s.ca_cert_file {
            let pem = std::fs::read(path)
                .map_err(|e| format!("cannot read the MLflow CA file {path}: {e}"))?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|e| format!("{path} holds no PEM certificate: {e}"))?;
            if certs.is_empty() {
                return Err(format!("{path} holds no PEM certificate"));
            }
            b = b.tls_certs_merge(certs);
        }
        if s.insecure {
            b = b.tls_danger_accept_invalid_certs(true);
        }
        let http = b
            .build()
            .map_err(|e| format!("cannot set up the MLflow HTTP client: {e}"))?;
        Ok(Mlflow {
            http,
            base,
            timeout: s.request_timeout,
        })
    }

    /// Call `/api/2.0/mlflow/<path>`: GET with `query`, or another method with a JSON body.
    /// Refused connections, timeouts, 429 and 5xx are retried (4 attempts, 0.5-2 s apart).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Json>,
    ) -> Result<Json, MlflowError> {
        let url = format!("{}/api/2.0/mlflow/{path}", self.base);
        let mut delay = Duration::from_millis(500);
        let mut attempt = 1;
        loop {
            let mut req = self.http.request(method.clone(), &url).query(query);
            if let Some(b) = body {
                req = req.json(b);
            }
            let result = match req.send().await {
                Ok(resp) => classify(resp).await,
                Err(e) => Err(MlflowError::Unreachable(unreachable_text(&e, self.timeout))),
            };
            let retry = match &result {
                Err(MlflowError::Unreachable(_)) => true,
                Err(MlflowError::Api(s, _, _)) => *s == 429 || *s >= 500,
                _ => false,
            };
            if !retry || attempt >= ATTEMPTS {
                return result;
            }
            tracing::debug!(%url, attempt, error = %result.as_ref().err().map(ToString::to_string).unwrap_or_default(), "MLflow request failed; retrying");
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(2));
            attempt += 1;
        }
    }

    pub async fn get(&self, path: &str, query: &[(&str, &str)]) -> Result<Json, MlflowError> {
        self.call(Method::GET, path, query, None).await
    }

    pub async fn post(&self, path: &str, body: Json) -> Result<Json, MlflowError> {
        self.call(Method::POST, path, &[], Some(&body)).await
    }

    pub async fn patch(&self, path: &str, body: Json) -> Result<Json, MlflowError> {
        self.call(Method::PATCH, path, &[], Some(&body)).await
    }

    pub async fn delete(&self, path: &str, body: Json) -> Result<Json, MlflowError> {
        self.call(Method::DELETE, path, &[], Some(&body)).await
    }

    /// The diagnostic of a failed call: what was done to what, on which server, and what
    /// to do about it.
    pub fn error(&self, op: &str, what: &str, e: &MlflowError) -> Diagnostic {
        let server = &self.base;
        match e {
            MlflowError::Denied(status, m) => Diagnostic::error(
                "MLflow refused the credentials",
                format!("{op} {what} on {server} answered HTTP {status}: {m}. Check the provider's mlflow token (MLFLOW_TRACKING_TOKEN) or username/password (MLFLOW_TRACKING_USERNAME/PASSWORD), and the user's permissions on this model."),
            ),
            MlflowError::Unreachable(m) => Diagnostic::error(
                "MLflow server unreachable",
                format!("{op} {what}: no answer from {server} ({m}). Check that the tracking server is running and tracking_uri (MLFLOW_TRACKING_URI) is right."),
            ),
            other => Diagnostic::error(
                "MLflow API error",
                format!("{op} {what} on {server} failed: {other}"),
            ),
        }
    }
}

fn unreachable_text(e: &reqwest::Error, timeout: Duration) -> String {
    if e.is_timeout() {
        return format!("no answer within {}", format_duration(timeout));
    }
    // The innermost cause is the useful part ("Connection refused", a TLS reason).
    let mut text = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        text = s.to_string();
        src = s.source();
    }
    text
}

async fn classify(resp: reqwest::Response) -> Result<Json, MlflowError> {
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    if status.is_success() {
        if text.trim().is_empty() {
            return Ok(Json::Object(Default::default()));
        }
        return serde_json::from_str(&text).map_err(|e| {
            MlflowError::Api(
                status.as_u16(),
                "BAD_RESPONSE".into(),
                format!("the answer is not JSON ({e}): {}", excerpt(&text)),
            )
        });
    }
    let parsed: Json = serde_json::from_str(&text).unwrap_or(Json::Null);
    let code = parsed["error_code"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let message = parsed["message"]
        .as_str()
        .map(String::from)
        .unwrap_or_else(|| excerpt(&text));
    Err(match (status, code.as_str()) {
        (StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN, _)
        | (_, "PERMISSION_DENIED")
        | (_, "UNAUTHENTICATED") => MlflowError::Denied(status.as_u16(), message),
        (_, "RESOURCE_DOES_NOT_EXIST") | (StatusCode::NOT_FOUND, "") => {
            MlflowError::NotFound(message)
        }
        (_, "RESOURCE_ALREADY_EXISTS") => MlflowError::AlreadyExists(message),
        _ => MlflowError::Api(
            status.as_u16(),
            if code.is_empty() {
                status.canonical_reason().unwrap_or("error").to_string()
            } else {
                code
            },
            message,
        ),
    })
}

fn excerpt(text: &str) -> String {
    let t: String = text.chars().take(300).collect();
    if t.trim().is_empty() {
        "(empty)".into()
    } else {
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_fall_back_to_mlflow_environment_variables() {
        let env = |k: &str| match k {
            "MLFLOW_TRACKING_URI" => Some("http://127.0.0.1:5000/".to_string()),
            "MLFLOW_TRACKING_USERNAME" => Some("ana".into()),
            "MLFLOW_TRACKING_PASSWORD" => Some("pw".into()),
            "MLFLOW_TRACKING_INSECURE_TLS" => Some("TRUE".into()),
            _ => None,
        };
        let s = Settings::resolve(None, env);
        assert_eq!(s.tracking_uri.as_deref(), Some("http://127.0.0.1:5000"));
        assert_eq!(s.basic, Some(("ana".into(), "pw".into())));
        assert!(s.insecure);
        assert_eq!(s.request_timeout, DEFAULT_REQUEST_TIMEOUT);
        // the block wins
        let cfg = MlflowConfig {
            tracking_uri: Some("https://mlflow.example.com".into()),
            token: Some("t".into()),
            request_timeout: Some("5s".into()),
            ..Default::default()
        };
        let s = Settings::resolve(Some(cfg), env);
        assert_eq!(
            s.tracking_uri.as_deref(),
            Some("https://mlflow.example.com")
        );
        assert_eq!(s.token.as_deref(), Some("t"));
        assert_eq!(s.request_timeout, Duration::from_secs(5));
    }

    #[test]
    fn debug_output_hides_secrets() {
        let cfg = MlflowConfig {
            token: Some("s3cr3t-token".into()),
            password: Some("hunter2".into()),
            ..Default::default()
        };
        let text = format!("{cfg:?}");
        assert!(
            !text.contains("s3cr3t-token") && !text.contains("hunter2"),
            "{text}"
        );
    }

    #[test]
    fn a_file_store_uri_is_refused_with_a_reason() {
        let s = Settings::resolve(None, |k| {
            (k == "MLFLOW_TRACKING_URI").then(|| "file:///tmp/mlruns".to_string())
        });
        let e = Mlflow::new(&s).unwrap_err();
        assert!(e.contains("not an http(s) URL"), "{e}");
    }
}
