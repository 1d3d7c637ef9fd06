//! The provider block.

use std::collections::BTreeMap;

use mlops_framework::{AttrPath, Diagnostics, Value};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use crate::feast::FeastConfig;
pub use crate::kubernetes::KubernetesConfig;
pub use crate::mlflow::MlflowConfig;

/// The `mlops` provider manages the MLOps lifecycle on Amazon SageMaker: model registry,
/// pipelines, serving and monitoring; endpoints can also be served on Kubernetes with KServe
/// or Seldon Core and watched with Prometheus alerting rules (the `kubernetes` block says how
/// to reach the cluster), and the model registry can live in an MLflow tracking server (the
/// `mlflow` block), and feature views can live in a Feast registry (the `feast` block).
///
/// Credentials come from the standard AWS chain (environment, shared config and credentials
/// files with `profile`, SSO, web identity such as GitLab CI OIDC via
/// `AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN`, container and instance metadata), optionally
/// followed by `assume_role`.
#[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
pub struct ProviderConfig {
    /// AWS region, e.g. `eu-west-1`. Defaults to `AWS_REGION` / `AWS_DEFAULT_REGION` or the
    /// profile's region.
    #[schemars(regex(pattern = r"^[a-z]{2}(-[a-z]+)+-\d$"))]
    pub region: Option<String>,

    /// Named profile from the shared AWS config and credentials files.
    pub profile: Option<String>,

    /// Static access key ID. Prefer the credential chain; useful for local emulators.
    #[schemars(extend("x-tf" = ["sensitive"]))]
    pub access_key: Option<String>,

    /// Static secret access key (with `access_key`).
    #[schemars(extend("x-tf" = ["sensitive"]))]
    pub secret_key: Option<String>,

    /// Session token for temporary static credentials.
    #[schemars(extend("x-tf" = ["sensitive"]))]
    pub token: Option<String>,

    /// Base URL for every AWS service endpoint (e.g. a local emulator at
    /// `http://127.0.0.1:5000`). Also read from `AWS_ENDPOINT_URL`.
    #[schemars(regex(pattern = r"^https?://[^\s/]+(/.*)?$"))]
    pub endpoint_url: Option<String>,

    /// Address S3 buckets by path (`https://<endpoint>/<bucket>/<key>`) instead of by host
    /// name (`https://<bucket>.<endpoint>/<key>`), for S3-compatible stores reached by a DNS
    /// name. Endpoints given as an IP address are addressed by path anyway. Default false.
    pub s3_use_path_style: Option<bool>,

    /// Maximum attempts for each API call; throttling and transient server errors are retried
    /// with exponential backoff and jitter. Default 10.
    #[schemars(range(min = 1, max = 100))]
    pub max_retries: Option<i64>,

    /// Role to assume after resolving the base credentials.
    #[schemars(extend("x-tf" = ["block"]))]
    pub assume_role: Option<AssumeRole>,

    /// Per-service endpoint overrides (win over `endpoint_url`). Also read from
    /// `AWS_ENDPOINT_URL_<SERVICE>`.
    #[schemars(extend("x-tf" = ["block"]))]
    pub endpoints: Option<Endpoints>,

    /// Tags added to every taggable object the provider creates; resource `tags` win on
    /// conflicts.
    #[schemars(extend("x-tf" = ["block"]))]
    pub default_tags: Option<DefaultTags>,

    /// Access to a Kubernetes cluster for endpoints served with KServe or Seldon Core and for
    /// Prometheus alerting rules.
    #[schemars(extend("x-tf" = ["block"]))]
    pub kubernetes: Option<KubernetesConfig>,

    /// Access to an MLflow tracking server, for registry resources with an `mlflow` block
    /// and endpoints serving an MLflow model version.
    #[schemars(extend("x-tf" = ["block"]))]
    pub mlflow: Option<MlflowConfig>,

    /// Access to a Feast registry server (`feast serve_registry`), for feature views with a
    /// `feast` block.
    #[schemars(extend("x-tf" = ["block"]))]
    pub feast: Option<FeastConfig>,
}

/// Role assumption with STS AssumeRole.
#[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
pub struct AssumeRole {
    /// ARN of the IAM role to assume.
    #[schemars(regex(pattern = r"^arn:aws[a-z-]*:iam::\d{12}:role/.+$"))]
    pub role_arn: String,
    /// Session name shown in CloudTrail. Default `terraform-provider-mlops`.
    #[schemars(regex(pattern = r"^[a-zA-Z0-9_+=,.@-]+$"), length(min = 2, max = 64))]
    pub session_name: Option<String>,
    /// External ID required by the role's trust policy.
    #[schemars(extend("x-tf" = ["sensitive"]), length(min = 2, max = 1224))]
    pub external_id: Option<String>,
}

/// Endpoint overrides per service.
#[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
pub struct Endpoints {
    /// SageMaker API endpoint.
    #[schemars(regex(pattern = r"^https?://\S+$"))]
    pub sagemaker: Option<String>,
    /// STS endpoint (used by `assume_role`).
    #[schemars(regex(pattern = r"^https?://\S+$"))]
    pub sts: Option<String>,
    /// EventBridge endpoint (pipeline triggers and notifications, `on_approval` hooks).
    #[schemars(regex(pattern = r"^https?://\S+$"))]
    pub events: Option<String>,
    /// SNS endpoint (pipeline notifications).
    #[schemars(regex(pattern = r"^https?://\S+$"))]
    pub sns: Option<String>,
    /// IAM endpoint (the roles EventBridge uses to start pipelines and call webhooks).
    #[schemars(regex(pattern = r"^https?://\S+$"))]
    pub iam: Option<String>,
    /// Application Auto Scaling endpoint (endpoint autoscaling).
    #[schemars(regex(pattern = r"^https?://\S+$"))]
    pub application_autoscaling: Option<String>,
    /// CloudWatch endpoint (rollback alarms of endpoints).
    #[schemars(regex(pattern = r"^https?://\S+$"))]
    pub cloudwatch: Option<String>,
    /// SageMaker Runtime endpoint (endpoint smoke tests).
    #[schemars(regex(pattern = r"^https?://\S+$"))]
    pub sagemaker_runtime: Option<String>,
    /// S3 endpoint (uploads of local pipeline `code`).
    #[schemars(regex(pattern = r"^https?://\S+$"))]
    pub s3: Option<String>,
}

/// Tags for every object.
#[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
pub struct DefaultTags {
    /// Key/value tags.
    pub tags: Option<BTreeMap<String, String>>,
}

/// Cross-field checks of the provider block.
pub fn validate(config: &Value, diags: &mut Diagnostics) {
    crate::kubernetes::validate(config, diags);
    crate::mlflow::validate(config, diags);
    crate::feast::validate(config, diags);
    let ak = config.attr("access_key");
    let sk = config.attr("secret_key");
    if ak.is_unknown() || sk.is_unknown() {
        return;
    }
    if ak.is_null() != sk.is_null() {
        let missing = if ak.is_null() {
            "access_key"
        } else {
            "secret_key"
        };
        diags.error_at(
            AttrPath::attr(missing),
            "Incomplete static credentials",
            "access_key and secret_key must be set together.",
        );
    }
}
