//! Access to a Feast registry server (`feast serve_registry`, gRPC): the provider's `feast`
//! block ([`FeastConfig`]), a client ([`Feast`]) of Feast's own `RegistryServer` service
//! (generated from Feast's vendored `.proto` files, `tfplugin_proto::feast`) with TLS, a
//! bearer token, per-request timeouts and bounded retries, and diagnostics that name the
//! server and the operation. The finders of the registry's objects are in [`registry`].

pub mod registry;

use std::time::Duration;

use mlops_framework::timeouts::{format_duration, parse_duration};
use mlops_framework::{AttrPath, Diagnostic, Diagnostics, Value};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tfplugin_proto::feast::registry::registry_server_client::RegistryServerClient;
use tonic::metadata::{Ascii, MetadataValue};
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint};
use tonic::{Code, Request, Status};

/// Access to a Feast registry server, for feature views with a `feast` block. Nothing is
/// contacted unless a resource uses Feast.
#[derive(Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct FeastConfig {
    /// Address of the registry server, `host:port` as in the `path` of a Feast `remote`
    /// registry (e.g. `feast-registry.feast.svc:6570`), or an `http://` / `https://` URL. Also
    /// `FEAST_REGISTRY_ADDRESS`.
    #[schemars(regex(pattern = crate::validation::FEAST_ADDRESS))]
    pub registry_address: Option<String>,
    /// Feast project of the views that do not name one (also `FEAST_PROJECT`).
    #[schemars(regex(pattern = crate::validation::FEAST_PROJECT))]
    pub project: Option<String>,
    /// Speak TLS to the server (implied by `ca_cert_file` or an `https://` address). The
    /// system's roots are trusted, plus `ca_cert_file`.
    pub tls: Option<bool>,
    /// PEM file of the CA that signed the server's certificate (the `cert` of a Feast remote
    /// registry), for a server started with `feast serve_registry --key --cert`.
    pub ca_cert_file: Option<String>,
    /// Bearer token sent as `authorization` metadata, for a server with OIDC or Kubernetes
    /// auth (also `FEAST_REGISTRY_TOKEN`). Never logged.
    #[schemars(extend("x-tf" = ["sensitive"]))]
    pub token: Option<String>,
    /// How long one request may take, as a duration such as `30s` (default `30s`). An
    /// unreachable or overloaded server is retried three times within it.
    pub request_timeout: Option<String>,
}

// The derived Debug would print the token.
impl std::fmt::Debug for FeastConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FeastConfig")
            .field("registry_address", &self.registry_address)
            .field("project", &self.project)
            .field("tls", &self.tls)
            .field("ca_cert_file", &self.ca_cert_file)
            .field("token", &self.token.as_ref().map(|_| "(sensitive)"))
            .field("request_timeout", &self.request_timeout)
            .finish()
    }
}

const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Attempts per request (`UNAVAILABLE` and `RESOURCE_EXHAUSTED` are retried).
const ATTEMPTS: u32 = 4;

/// Provider-block checks of the `feast` block (unknown values are skipped).
pub fn validate(config: &Value, diags: &mut Diagnostics) {
    let f = config.attr("feast");
    if f.is_null() || f.is_unknown() {
        return;
    }
    if let Some(t) = f.attr("request_timeout").as_str() {
        if parse_duration(t).map_or(true, |d| d.is_zero()) {
            diags.error_at(
                AttrPath::attr("feast").field("request_timeout"),
                "Invalid duration",
                format!("{t:?} is not a duration such as \"30s\" or \"2m\"."),
            );
        }
    }
    if f.attr("tls").as_bool() == Some(false) && !f.attr("ca_cert_file").is_null() {
        diags.error_at(
            AttrPath::attr("feast").field("tls"),
            "Conflicting TLS settings",
            "ca_cert_file is the CA of a TLS server: remove it, or remove tls = false.",
        );
    }
}

/// The settings the client uses, after the environment fallbacks.
#[derive(Clone, Default)]
pub struct Settings {
    pub address: Option<String>,
    pub project: Option<String>,
    tls: bool,
    ca_cert_file: Option<String>,
    token: Option<String>,
    request_timeout: Duration,
}

impl Settings {
    /// The block's values, falling back to the environment.
    pub fn resolve(cfg: Option<FeastConfig>, env: impl Fn(&str) -> Option<String>) -> Self {
        let cfg = cfg.unwrap_or_default();
        let env = |k: &str| env(k).filter(|v| !v.is_empty());
        let address = cfg
            .registry_address
            .or_else(|| env("FEAST_REGISTRY_ADDRESS"));
        let https = address
            .as_deref()
            .is_some_and(|a| a.starts_with("https://"));
        Settings {
            tls: cfg.tls.unwrap_or(https || cfg.ca_cert_file.is_some()),
            address,
            project: cfg.project.or_else(|| env("FEAST_PROJECT")),
            ca_cert_file: cfg.ca_cert_file,
            token: cfg.token.or_else(|| env("FEAST_REGISTRY_TOKEN")),
            request_timeout: cfg
                .request_timeout
                .as_deref()
                .and_then(|t| parse_duration(t).ok())
                .filter(|d| !d.is_zero())
                .unwrap_or(DEFAULT_REQUEST_TIMEOUT),
        }
    }
}

/// Adds the bearer token to every request.
#[derive(Clone)]
pub struct Auth(Option<MetadataValue<Ascii>>);

impl tonic::service::Interceptor for Auth {
    fn call(&mut self, mut req: Request<()>) -> Result<Request<()>, Status> {
        if let Some(v) = &self.0 {
            req.metadata_mut().insert("authorization", v.clone());
        }
        Ok(req)
    }
}

type Grpc = RegistryServerClient<InterceptedService<Channel, Auth>>;

/// A client of one registry server.
#[derive(Clone)]
pub struct Feast {
    grpc: Grpc,
    /// The address, as configured (for messages).
    pub address: String,
    /// The provider's default project.
    pub project: Option<String>,
    timeout: Duration,
}

/// The provider's Feast access: a client (connected on first use), none configured, or a
/// configuration that cannot work (why).
pub enum FeastAccess {
    Ready(Box<Feast>),
    Unconfigured,
    Broken(String),
}

impl FeastAccess {
    /// Build from the provider block and the environment; no request is made.
    pub fn new(cfg: Option<FeastConfig>) -> Self {
        let s = Settings::resolve(cfg, |k| std::env::var(k).ok());
        if s.address.is_none() {
            return FeastAccess::Unconfigured;
        }
        match Feast::new(&s) {
            Ok(f) => FeastAccess::Ready(Box::new(f)),
            Err(e) => FeastAccess::Broken(e),
        }
    }

    /// The client, or a diagnostic at `at` saying how to configure one.
    pub fn get(&self, at: AttrPath) -> Result<&Feast, Diagnostic> {
        match self {
            FeastAccess::Ready(f) => Ok(f),
            FeastAccess::Unconfigured => Err(Diagnostic::error(
                "Feast is not configured",
                "This feature view lives in a Feast registry: set registry_address in the provider's feast block, or FEAST_REGISTRY_ADDRESS.",
            )
            .at(at)),
            FeastAccess::Broken(why) => {
                Err(Diagnostic::error("Invalid Feast configuration", why.clone()).at(at))
            }
        }
    }
}

impl Feast {
    /// A client for these settings (reads the CA file; connects lazily, on the first call).
    pub fn new(s: &Settings) -> Result<Self, String> {
        let address = s.address.clone().unwrap_or_default();
        let bare = address
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .trim_end_matches('/');
        let scheme = if s.tls { "https" } else { "http" };
        let mut ep = Endpoint::from_shared(format!("{scheme}://{bare}"))
            .map_err(|e| format!("registry address {address:?} is not host:port: {e}"))?
            .connect_timeout(s.request_timeout.min(Duration::from_secs(10)))
            .timeout(s.request_timeout)
            .user_agent(concat!(
                "terraform-provider-mlops/",
                env!("CARGO_PKG_VERSION")
            ))
            .map_err(|e| e.to_string())?;
        if s.tls {
            let mut tls = ClientTlsConfig::new().with_native_roots();
            if let Some(path) = &s.ca_cert_file {
                let pem = std::fs::read(path)
                    .map_err(|e| format!("cannot read the Feast CA file {path}: {e}"))?;
                if !String::from_utf8_lossy(&pem).contains("BEGIN CERTIFICATE") {
                    return Err(format!("{path} holds no PEM certificate"));
                }
                tls = tls.ca_certificate(Certificate::from_pem(pem));
            }
            ep = ep
                .tls_config(tls)
                .map_err(|e| format!("cannot set up TLS to the Feast registry: {e}"))?;
        }
        let token = match &s.token {
            Some(t) => {
                let mut v: MetadataValue<Ascii> = format!("Bearer {t}").parse().map_err(|_| {
                    "the Feast token contains characters not allowed in gRPC metadata".to_string()
                })?;
                v.set_sensitive(true);
                Some(v)
            }
            None => None,
        };
        let channel = ep.connect_lazy();
        Ok(Feast {
            grpc: RegistryServerClient::with_interceptor(channel, Auth(token)),
            address,
            project: s.project.clone(),
            timeout: s.request_timeout,
        })
    }

    /// Run one RPC (`call` gets a fresh client handle per attempt); `UNAVAILABLE` (not yet
    /// reachable, restarting) and `RESOURCE_EXHAUSTED` are retried, 0.5-2 s apart.
    pub async fn call<T, F, Fut>(&self, what: &str, call: F) -> Result<T, Status>
    where
        F: Fn(Grpc) -> Fut,
        Fut: std::future::Future<Output = Result<tonic::Response<T>, Status>>,
    {
        let mut delay = Duration::from_millis(500);
        let mut attempt = 1;
        loop {
            let result = call(self.grpc.clone())
                .await
                .map(tonic::Response::into_inner);
            let retry = matches!(
                &result,
                Err(s) if matches!(s.code(), Code::Unavailable | Code::ResourceExhausted)
            );
            if !retry || attempt >= ATTEMPTS {
                return result;
            }
            tracing::debug!(server = %self.address, what, attempt, error = %result.as_ref().err().map(|s| s.message().to_string()).unwrap_or_default(), "Feast request failed; retrying");
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(2));
            attempt += 1;
        }
    }

    /// The diagnostic of a failed RPC: what was done to which object, on which server, and
    /// what to do about it.
    pub fn error(&self, doing: &str, object: &str, s: &Status) -> Diagnostic {
        let detail = match s.code() {
            Code::Unavailable => format!(
                "the registry server at {} cannot be reached ({}). Is `feast serve_registry` running there, and does the provider's feast block (registry_address, tls, ca_cert_file) match it?",
                self.address,
                first_line(s.message())
            ),
            Code::DeadlineExceeded => format!(
                "the registry server at {} did not answer within {} (feast.request_timeout).",
                self.address,
                format_duration(self.timeout)
            ),
            Code::Unauthenticated | Code::PermissionDenied => format!(
                "the registry server at {} refused the request ({}): check feast.token and the server's permissions.",
                self.address,
                first_line(s.message())
            ),
            _ => format!(
                "the registry server at {} answered {:?}: {}",
                self.address,
                s.code(),
                first_line(s.message())
            ),
        };
        Diagnostic::error(
            format!("{doing} {object} failed"),
            format!("{doing} {object}: {detail}"),
        )
    }
}

/// The first line of a server message (Feast sends Python tracebacks in some errors).
fn first_line(m: &str) -> &str {
    m.lines().find(|l| !l.trim().is_empty()).unwrap_or(m).trim()
}

/// Whether a status means "no such object".
pub fn is_not_found(s: &Status) -> bool {
    s.code() == Code::NotFound
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_fall_back_to_the_environment_and_tls_follows_the_ca() {
        let env = |k: &str| match k {
            "FEAST_REGISTRY_ADDRESS" => Some("registry:6570".to_string()),
            "FEAST_PROJECT" => Some("churn".to_string()),
            _ => None,
        };
        let s = Settings::resolve(None, env);
        assert_eq!(s.address.as_deref(), Some("registry:6570"));
        assert_eq!(s.project.as_deref(), Some("churn"));
        assert!(!s.tls);
        let s = Settings::resolve(
            Some(FeastConfig {
                registry_address: Some("https://r:443".into()),
                ..Default::default()
            }),
            env,
        );
        assert!(s.tls);
        let s = Settings::resolve(
            Some(FeastConfig {
                ca_cert_file: Some("/ca.pem".into()),
                ..Default::default()
            }),
            env,
        );
        assert!(s.tls);
        assert_eq!(s.request_timeout, DEFAULT_REQUEST_TIMEOUT);
    }

    #[test]
    fn the_token_is_not_in_debug_output() {
        let c = FeastConfig {
            token: Some("s3cret".into()),
            ..Default::default()
        };
        assert!(!format!("{c:?}").contains("s3cret"));
    }
}
