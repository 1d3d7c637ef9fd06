//! What every resource receives: the API clients (AWS credential chain, assume role,
//! endpoints, retries) and the Kubernetes access, built from the provider block.

use std::collections::BTreeMap;

use aws_config::retry::RetryConfig;
use aws_config::{AppName, BehaviorVersion, Region};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use mlops_framework::{AttrPath, Diagnostic, Diagnostics};

use crate::config::ProviderConfig;

/// What every resource receives: API clients and provider-level settings.
pub struct Clients {
    pub sagemaker: aws_sdk_sagemaker::Client,
    /// EventBridge: rules, targets, connections, API destinations.
    pub events: aws_sdk_eventbridge::Client,
    pub sns: aws_sdk_sns::Client,
    pub iam: aws_sdk_iam::Client,
    /// Application Auto Scaling: endpoint variant capacity.
    pub autoscaling: aws_sdk_applicationautoscaling::Client,
    /// CloudWatch: rollback alarms.
    pub cloudwatch: aws_sdk_cloudwatch::Client,
    /// SageMaker Runtime: smoke-test invocations.
    pub runtime: aws_sdk_sagemakerruntime::Client,
    /// S3: uploads of local pipeline code.
    pub s3: aws_sdk_s3::Client,
    pub region: String,
    pub default_tags: BTreeMap<String, String>,
    /// Kubernetes (KServe endpoints): configured now, connected on first use.
    pub kube: crate::kubernetes::KubeAccess,
    /// MLflow (registry objects with an `mlflow` block): a client, or why there is none.
    pub mlflow: crate::mlflow::MlflowAccess,
    /// Feast (feature views with a `feast` block): a client, or why there is none.
    pub feast: crate::feast::FeastAccess,
}

const DEFAULT_MAX_ATTEMPTS: u32 = 10;

/// Counts every AWS operation (once per operation, not per retry) for the resource type
/// whose RPC makes it ([`mlops_framework::stats`]): a `TF_LOG=debug` run then shows the
/// reads each resource type's refresh costs.
#[derive(Debug)]
struct CountApiCalls;

impl aws_smithy_runtime_api::client::interceptors::Intercept for CountApiCalls {
    fn name(&self) -> &'static str {
        "CountApiCalls"
    }

    // Not read_before_execution: for client-level interceptors that runs before the
    // operation's configuration (and its Metadata) is in the bag.
    fn read_before_serialization(
        &self,
        _ctx: &aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef<'_>,
        _rc: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
        cfg: &mut aws_smithy_types::config_bag::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        if let Some(m) = cfg.load::<aws_smithy_runtime_api::client::orchestrator::Metadata>() {
            mlops_framework::stats::record_api_call(m.service(), m.name());
        }
        Ok(())
    }
}

/// Build the clients from the provider block and the standard AWS chain.
pub async fn configure(
    mut cfg: ProviderConfig,
    terraform_version: &str,
) -> Result<Clients, Diagnostics> {
    let kube = crate::kubernetes::KubeAccess::new(cfg.kubernetes.take());
    let mlflow = crate::mlflow::MlflowAccess::new(cfg.mlflow.take());
    let feast = crate::feast::FeastAccess::new(cfg.feast.take());
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(r) = &cfg.region {
        loader = loader.region(Region::new(r.clone()));
    }
    if let Some(p) = &cfg.profile {
        loader = loader.profile_name(p);
    }
    if let (Some(ak), Some(sk)) = (&cfg.access_key, &cfg.secret_key) {
        loader = loader.credentials_provider(Credentials::new(
            ak,
            sk,
            cfg.token.clone(),
            None,
            "mlops-provider-config",
        ));
    } else if let Some(p) = &cfg.profile {
        // An explicit profile wins over credentials in the environment (as in the AWS
        // provider); the profile may itself use SSO, credential_process or role chaining.
        loader = loader.credentials_provider(
            aws_config::profile::ProfileFileCredentialsProvider::builder()
                .profile_name(p)
                .build(),
        );
    }
    if let Some(url) = &cfg.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    let attempts = cfg
        .max_retries
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(DEFAULT_MAX_ATTEMPTS);
    loader = loader.retry_config(RetryConfig::standard().with_max_attempts(attempts));
    if let Ok(app) = AppName::new(format!(
        "terraform-provider-mlops_{}",
        env!("CARGO_PKG_VERSION")
    )) {
        loader = loader.app_name(app);
    }
    let base = loader.load().await;
    let Some(region) = base.region().map(|r| r.to_string()) else {
        return Err(Diagnostic::error(
            "No AWS region",
            "Set `region` in the provider block, or AWS_REGION, or a region in the selected profile.",
        )
        .at(AttrPath::attr("region"))
        .into());
    };
    let sdk_config = match &cfg.assume_role {
        Some(ar) => {
            let mut sts_base = base.clone();
            if let Some(sts) = cfg.endpoints.as_ref().and_then(|e| e.sts.as_ref()) {
                sts_base = sts_base.into_builder().endpoint_url(sts).build();
            }
            let mut b = aws_config::sts::AssumeRoleProvider::builder(&ar.role_arn)
                .session_name(
                    ar.session_name
                        .clone()
                        .unwrap_or_else(|| "terraform-provider-mlops".into()),
                )
                .configure(&sts_base);
            if let Some(x) = &ar.external_id {
                b = b.external_id(x);
            }
            let provider = b.build().await;
            base.into_builder()
                .credentials_provider(SharedCredentialsProvider::new(provider))
                .build()
        }
        None => base,
    };
    let endpoints = cfg.endpoints.as_ref();
    let mut sm = aws_sdk_sagemaker::config::Builder::from(&sdk_config).interceptor(CountApiCalls);
    if let Some(url) = endpoints.and_then(|e| e.sagemaker.as_ref()) {
        sm = sm.endpoint_url(url);
    }
    let mut events =
        aws_sdk_eventbridge::config::Builder::from(&sdk_config).interceptor(CountApiCalls);
    if let Some(url) = endpoints.and_then(|e| e.events.as_ref()) {
        events = events.endpoint_url(url);
    }
    let mut sns = aws_sdk_sns::config::Builder::from(&sdk_config).interceptor(CountApiCalls);
    if let Some(url) = endpoints.and_then(|e| e.sns.as_ref()) {
        sns = sns.endpoint_url(url);
    }
    let mut iam = aws_sdk_iam::config::Builder::from(&sdk_config).interceptor(CountApiCalls);
    if let Some(url) = endpoints.and_then(|e| e.iam.as_ref()) {
        iam = iam.endpoint_url(url);
    }
    let mut aas = aws_sdk_applicationautoscaling::config::Builder::from(&sdk_config)
        .interceptor(CountApiCalls);
    if let Some(url) = endpoints.and_then(|e| e.application_autoscaling.as_ref()) {
        aas = aas.endpoint_url(url);
    }
    let mut cw = aws_sdk_cloudwatch::config::Builder::from(&sdk_config).interceptor(CountApiCalls);
    if let Some(url) = endpoints.and_then(|e| e.cloudwatch.as_ref()) {
        cw = cw.endpoint_url(url);
    }
    let mut rt =
        aws_sdk_sagemakerruntime::config::Builder::from(&sdk_config).interceptor(CountApiCalls);
    if let Some(url) = endpoints.and_then(|e| e.sagemaker_runtime.as_ref()) {
        rt = rt.endpoint_url(url);
    }
    let mut s3 = aws_sdk_s3::config::Builder::from(&sdk_config)
        .interceptor(CountApiCalls)
        .force_path_style(cfg.s3_use_path_style.unwrap_or(false));
    if let Some(url) = endpoints.and_then(|e| e.s3.as_ref()) {
        s3 = s3.endpoint_url(url);
    }
    tracing::debug!(region = %region, terraform_version, max_attempts = attempts, "AWS configured");
    Ok(Clients {
        sagemaker: aws_sdk_sagemaker::Client::from_conf(sm.build()),
        events: aws_sdk_eventbridge::Client::from_conf(events.build()),
        sns: aws_sdk_sns::Client::from_conf(sns.build()),
        iam: aws_sdk_iam::Client::from_conf(iam.build()),
        autoscaling: aws_sdk_applicationautoscaling::Client::from_conf(aas.build()),
        cloudwatch: aws_sdk_cloudwatch::Client::from_conf(cw.build()),
        runtime: aws_sdk_sagemakerruntime::Client::from_conf(rt.build()),
        s3: aws_sdk_s3::Client::from_conf(s3.build()),
        region,
        default_tags: cfg.default_tags.and_then(|d| d.tags).unwrap_or_default(),
        kube,
        mlflow,
        feast,
    })
}
