//! Access to a Kubernetes cluster: the provider's `kubernetes` block, kube's standard config
//! loading (kubeconfig and context, in-cluster service account, or host + token + CA), a
//! client created on first use (AWS-only configurations never pay for it), per-request
//! timeouts, and diagnostics for API errors that name the server.

pub mod objects;

use std::future::Future;
use std::time::Duration;

use base64::Engine;
use kube::config::{KubeConfigOptions, Kubeconfig};
use mlops_framework::timeouts::{format_duration, parse_duration};
use mlops_framework::{AttrPath, Diagnostic, Diagnostics, PathStep, Value};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The field manager of every server-side apply.
pub const FIELD_MANAGER: &str = "terraform-provider-mlops";

/// Access to a Kubernetes cluster, for `mlops_endpoint` resources with a `kubernetes` block
/// (KServe) or a `seldon` block (Seldon Core), and `mlops_monitor` resources with a
/// `prometheus` block. Give one of: `config_path` (with `config_context`), `in_cluster`, or `host`
/// (with `token` and `cluster_ca_certificate`). Without any, kube's standard loading applies:
/// `KUBECONFIG`, then `~/.kube/config`, then the in-cluster service account. Nothing is
/// loaded or contacted unless a resource uses Kubernetes.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct KubernetesConfig {
    /// Path of a kubeconfig file, e.g. `~/.kube/config`.
    pub config_path: Option<String>,
    /// Context of the kubeconfig to use (default: its `current-context`).
    pub config_context: Option<String>,
    /// Use the service account of the pod Terraform runs in
    /// (`KUBERNETES_SERVICE_HOST` and `/var/run/secrets/kubernetes.io/serviceaccount`).
    pub in_cluster: Option<bool>,
    /// URL of the API server, e.g. `https://10.0.0.1:6443`, instead of a kubeconfig.
    #[schemars(regex(pattern = r"^https?://\S+$"))]
    pub host: Option<String>,
    /// Bearer token for `host`.
    #[schemars(extend("x-tf" = ["sensitive"]))]
    pub token: Option<String>,
    /// PEM certificate(s) of the CA that signed the API server's certificate (with `host`).
    pub cluster_ca_certificate: Option<String>,
    /// Do not verify the API server's certificate (with `host`; for test clusters only).
    pub insecure: Option<bool>,
    /// How long one API request may take before it fails, as a duration such as `30s`
    /// (default `30s`). Waiting for an InferenceService to become Ready is bounded by the
    /// resource's `timeouts` instead.
    pub request_timeout: Option<String>,
}

const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Provider-block checks of the `kubernetes` block (unknown values are skipped).
pub fn validate(config: &Value, diags: &mut Diagnostics) {
    let k = config.attr("kubernetes");
    if k.is_null() || k.is_unknown() {
        return;
    }
    let at = |a: &str| {
        AttrPath(vec![
            PathStep::Attr("kubernetes".into()),
            PathStep::Attr(a.into()),
        ])
    };
    let set = |a: &str| !k.attr(a).is_null();
    let in_cluster = k.attr("in_cluster").as_bool() == Some(true);
    let sources: Vec<&str> = [
        ("config_path", set("config_path")),
        ("in_cluster", in_cluster),
        ("host", set("host")),
    ]
    .into_iter()
    .filter_map(|(n, s)| s.then_some(n))
    .collect();
    if sources.len() > 1 {
        diags.error_at(
            at(sources[1]),
            "Conflicting Kubernetes access",
            format!(
                "Give only one of config_path, in_cluster and host; got {}.",
                sources.join(" and ")
            ),
        );
    }
    if set("config_context") && (in_cluster || set("host")) {
        diags.error_at(
            at("config_context"),
            "Context without a kubeconfig",
            "config_context selects a context of a kubeconfig; it does not go with in_cluster or host.",
        );
    }
    for a in ["token", "cluster_ca_certificate", "insecure"] {
        if set(a) && !set("host") && !k.attr("host").is_unknown() {
            diags.error_at(at(a), "Missing host", format!("{a} goes with host."));
        }
    }
    if let Some(pem) = k.attr("cluster_ca_certificate").as_str() {
        if !pem.contains("-----BEGIN CERTIFICATE-----") {
            diags.error_at(
                at("cluster_ca_certificate"),
                "Invalid CA certificate",
                "cluster_ca_certificate must be PEM (-----BEGIN CERTIFICATE----- ...).",
            );
        }
    }
    if let Some(t) = k.attr("request_timeout").as_str() {
        if let Err(e) = parse_duration(t) {
            diags.error_at(
                at("request_timeout"),
                "Invalid duration",
                format!("request_timeout {t:?}: {e}."),
            );
        }
    }
}

/// A connected client and where it points.
pub struct Kube {
    pub client: kube::Client,
    /// The API server's URL, for messages.
    pub server: String,
    pub request_timeout: Duration,
}

/// The cluster access of a configured provider: configuration now, client on first use.
pub struct KubeAccess {
    config: Option<KubernetesConfig>,
    cell: tokio::sync::OnceCell<Kube>,
}

impl KubeAccess {
    pub fn new(config: Option<KubernetesConfig>) -> Self {
        KubeAccess {
            config,
            cell: tokio::sync::OnceCell::new(),
        }
    }

    /// The client, created on the first call.
    pub async fn get(&self) -> Result<&Kube, Diagnostics> {
        self.cell
            .get_or_try_init(|| async {
                connect(self.config.as_ref())
                    .await
                    .map_err(Diagnostics::from)
            })
            .await
    }
}

fn config_error(detail: String) -> Diagnostic {
    Diagnostic::error(
        "Kubernetes configuration failed",
        format!(
            "{detail}. mlops_endpoint resources with a kubernetes block need the provider's kubernetes block (config_path, in_cluster, or host with token), a kubeconfig (KUBECONFIG or ~/.kube/config), or an in-cluster service account."
        ),
    )
    .at(AttrPath::attr("kubernetes"))
}

async fn load(cfg: Option<&KubernetesConfig>) -> Result<kube::Config, Diagnostic> {
    let default = KubernetesConfig::default();
    let c = cfg.unwrap_or(&default);
    let opts = KubeConfigOptions {
        context: c.config_context.clone(),
        ..Default::default()
    };
    if c.in_cluster == Some(true) {
        return kube::Config::incluster()
            .map_err(|e| config_error(format!("In-cluster configuration: {e}")));
    }
    if let Some(host) = &c.host {
        // An in-memory kubeconfig, so the CA and token go through kube's standard loading.
        let mut cluster = serde_json::json!({ "server": host });
        if let Some(pem) = &c.cluster_ca_certificate {
            cluster["certificate-authority-data"] = base64::engine::general_purpose::STANDARD
                .encode(pem.as_bytes())
                .into();
        }
        if c.insecure == Some(true) {
            cluster["insecure-skip-tls-verify"] = true.into();
        }
        let mut user = serde_json::json!({});
        if let Some(t) = &c.token {
            user["token"] = t.clone().into();
        }
        let doc = serde_json::json!({
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{ "name": "provider", "cluster": cluster }],
            "users": [{ "name": "provider", "user": user }],
            "contexts": [{ "name": "provider", "context": { "cluster": "provider", "user": "provider" } }],
            "current-context": "provider",
        });
        let kc = Kubeconfig::from_yaml(&doc.to_string())
            .map_err(|e| config_error(format!("Kubernetes host {host}: {e}")))?;
        return kube::Config::from_custom_kubeconfig(kc, &KubeConfigOptions::default())
            .await
            .map_err(|e| config_error(format!("Kubernetes host {host}: {e}")));
    }
    if let Some(path) = &c.config_path {
        let expanded = match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
            (Some(rest), Some(home)) => std::path::Path::new(&home).join(rest),
            _ => std::path::PathBuf::from(path),
        };
        let kc = Kubeconfig::read_from(&expanded)
            .map_err(|e| config_error(format!("Kubeconfig {path}: {e}")))?;
        return kube::Config::from_custom_kubeconfig(kc, &opts)
            .await
            .map_err(|e| config_error(format!("Kubeconfig {path}: {e}")));
    }
    if c.config_context.is_some() {
        return kube::Config::from_kubeconfig(&opts)
            .await
            .map_err(|e| config_error(format!("Kubeconfig: {e}")));
    }
    kube::Config::infer().await.map_err(|e| {
        config_error(format!(
            "No kubeconfig or in-cluster configuration found: {e}"
        ))
    })
}

async fn connect(cfg: Option<&KubernetesConfig>) -> Result<Kube, Diagnostic> {
    let mut config = load(cfg).await?;
    let request_timeout = cfg
        .and_then(|c| c.request_timeout.as_deref())
        .and_then(|t| parse_duration(t).ok())
        .unwrap_or(DEFAULT_REQUEST_TIMEOUT);
    config.connect_timeout = Some(request_timeout);
    config.read_timeout = Some(request_timeout);
    config.write_timeout = Some(request_timeout);
    let server = config
        .cluster_url
        .to_string()
        .trim_end_matches('/')
        .to_string();
    let client = kube::Client::try_from(config)
        .map_err(|e| config_error(format!("Kubernetes client for {server}: {}", chain(&e))))?;
    tracing::debug!(server = %server, timeout = %format_duration(request_timeout), "Kubernetes client ready");
    Ok(Kube {
        client,
        server,
        request_timeout,
    })
}

/// An error and its sources, e.g. "... : tcp connect error: Connection refused (os error 111)".
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        let t = s.to_string();
        if !out.contains(&t) {
            out.push_str(": ");
            out.push_str(&t);
        }
        src = s.source();
    }
    out
}

/// A failed API call: what was done, to what, on which server.
#[derive(Debug)]
pub enum KubeError {
    /// The API server answered with an error status.
    Api(kube::core::ErrorResponse),
    /// No answer: connection refused, TLS failure, timeout...
    Unreachable(String),
}

impl KubeError {
    pub fn is_not_found(&self) -> bool {
        matches!(self, KubeError::Api(r) if r.code == 404)
    }
}

impl Kube {
    /// Run one API call within the request timeout.
    pub async fn call<T, F>(&self, f: F) -> Result<T, KubeError>
    where
        F: Future<Output = Result<T, kube::Error>>,
    {
        match tokio::time::timeout(self.request_timeout, f).await {
            Ok(Ok(t)) => Ok(t),
            Ok(Err(kube::Error::Api(r))) => Err(KubeError::Api(r)),
            Ok(Err(e)) => {
                let why = chain(&e);
                Err(KubeError::Unreachable(
                    if why.contains("deadline has elapsed") {
                        format!("no answer within {} (request_timeout of the provider's kubernetes block): {why}", format_duration(self.request_timeout))
                    } else {
                        why
                    },
                ))
            }
            Err(_) => Err(KubeError::Unreachable(format!(
                "no answer within {} (request_timeout of the provider's kubernetes block)",
                format_duration(self.request_timeout)
            ))),
        }
    }

    /// The diagnostic for a failed call `op` (e.g. "apply") on `subject` (e.g.
    /// "InferenceService ml/churn").
    pub fn error(&self, op: &str, subject: &str, e: &KubeError) -> Diagnostic {
        match e {
            KubeError::Unreachable(why) => Diagnostic::error(
                "Kubernetes API server unreachable",
                format!(
                    "Could not {op} {subject}: the Kubernetes API server {} did not answer: {why}. Nothing was changed in Terraform state; check that the cluster is up and reachable and run Terraform again.",
                    self.server
                ),
            ),
            KubeError::Api(r) if r.code == 409 && r.reason == "Conflict" && r.message.contains("conflict") => {
                Diagnostic::error(
                    "Server-side apply conflict",
                    format!(
                        "Could not {op} {subject} on {}: {}. Another field manager changed fields this resource manages (field manager `{}`). Either remove those attributes from the configuration, make the other manager stop changing them, or set `force_conflicts = true` (in the resource's kubernetes, seldon or prometheus block) to take them over.",
                        self.server,
                        r.message,
                        FIELD_MANAGER
                    ),
                )
            }
            KubeError::Api(r) if r.code == 404 && r.message.contains("could not find the requested resource") => {
                Diagnostic::error(
                    "KServe is not installed",
                    format!(
                        "Could not {op} {subject} on {}: the API server does not serve serving.kserve.io/v1beta1 InferenceServices. Install KServe (its CRDs) in the cluster.",
                        self.server
                    ),
                )
            }
            KubeError::Api(r) => Diagnostic::error(
                format!("Kubernetes {op} failed"),
                format!(
                    "Could not {op} {subject} on {}: HTTP {} {}: {}",
                    self.server, r.code, r.reason, r.message
                ),
            ),
        }
    }
}
