//! AWS configuration (credential chain, assume role, endpoints, retries) and shared helpers
//! for SageMaker calls: error diagnostics, not-found detection, tags.

use std::collections::BTreeMap;
use std::fmt::Debug;

use aws_config::retry::RetryConfig;
use aws_config::{AppName, BehaviorVersion, Region};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use aws_sdk_sagemaker::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_sagemaker::types::Tag;
use mlops_framework::{AttrPath, Check, Diagnostic, Diagnostics, PlanCtx, Value};

use crate::config::ProviderConfig;

/// What every resource receives: API clients and provider-level settings.
pub struct Clients {
    pub sagemaker: aws_sdk_sagemaker::Client,
    pub region: String,
    pub default_tags: BTreeMap<String, String>,
}

const DEFAULT_MAX_ATTEMPTS: u32 = 10;

/// Build the clients from the provider block and the standard AWS chain.
pub async fn configure(
    cfg: ProviderConfig,
    terraform_version: &str,
) -> Result<Clients, Diagnostics> {
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
    let mut sm = aws_sdk_sagemaker::config::Builder::from(&sdk_config);
    if let Some(url) = cfg.endpoints.as_ref().and_then(|e| e.sagemaker.as_ref()) {
        sm = sm.endpoint_url(url);
    }
    tracing::debug!(region = %region, terraform_version, max_attempts = attempts, "AWS configured");
    Ok(Clients {
        sagemaker: aws_sdk_sagemaker::Client::from_conf(sm.build()),
        region,
        default_tags: cfg.default_tags.and_then(|d| d.tags).unwrap_or_default(),
    })
}

/// The AWS error code of a failed call, if the service answered.
pub fn error_code<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> Option<&str> {
    err.as_service_error().and_then(|e| e.code())
}

/// SageMaker says "does not exist" with a ValidationException (or ResourceNotFound).
pub fn is_not_found<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> bool {
    match err.as_service_error() {
        Some(e) => {
            let code = e.code().unwrap_or_default();
            let msg = e.message().unwrap_or_default().to_ascii_lowercase();
            code == "ResourceNotFound"
                || code == "ResourceNotFoundException"
                || (code == "ValidationException"
                    && (msg.contains("does not exist")
                        || msg.contains("not found")
                        || msg.contains("cannot find")))
        }
        None => false,
    }
}

/// An error diagnostic for a failed API call.
pub fn api_error<E, R>(op: &str, subject: &str, err: &SdkError<E, R>) -> Diagnostic
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: Debug,
{
    let detail = match err.as_service_error() {
        Some(e) => format!(
            "{op} for {subject} failed: {}: {}",
            e.code().unwrap_or("error"),
            e.message().unwrap_or("(no message)")
        ),
        None => format!("{op} for {subject} failed: {}", DisplayErrorContext(err)),
    };
    Diagnostic::error(format!("SageMaker {op} failed"), detail)
}

/// One poll while waiting for a deletion: the Describe call's answer becomes `Done` when the
/// object is gone, otherwise `Pending` with its status.
pub fn gone_check<T, E, R>(
    op: &str,
    subject: &str,
    described: Result<T, SdkError<E, R>>,
    status: impl FnOnce(&T) -> Option<String>,
) -> Result<Check<()>, Diagnostics>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: Debug,
{
    match described {
        Err(e) if is_not_found(&e) => Ok(Check::Done(())),
        Err(e) => Err(api_error(op, subject, &e).into()),
        Ok(d) => Ok(Check::Pending(
            status(&d).unwrap_or_else(|| "Deleting".into()),
        )),
    }
}

/// RFC 3339 text of an AWS timestamp.
pub fn timestamp(t: Option<&aws_smithy_types::DateTime>) -> Option<String> {
    t.and_then(|t| t.fmt(aws_smithy_types::date_time::Format::DateTime).ok())
}

/// Default tags overlaid with the resource's own tags.
pub fn merge_tags(
    defaults: &BTreeMap<String, String>,
    tags: Option<&BTreeMap<String, String>>,
) -> BTreeMap<String, String> {
    let mut all = defaults.clone();
    if let Some(t) = tags {
        all.extend(t.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    all
}

pub fn sdk_tags(tags: &BTreeMap<String, String>) -> Option<Vec<Tag>> {
    if tags.is_empty() {
        return None;
    }
    Some(
        tags.iter()
            .map(|(k, v)| Tag::builder().key(k).value(v).build())
            .collect(),
    )
}

/// All tags of an ARN (AWS-reserved `aws:` tags excluded).
pub async fn list_tags(
    sm: &aws_sdk_sagemaker::Client,
    arn: &str,
) -> Result<BTreeMap<String, String>, Diagnostics> {
    let mut out = BTreeMap::new();
    let mut token: Option<String> = None;
    loop {
        let resp = sm
            .list_tags()
            .resource_arn(arn)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| Diagnostics::from(api_error("ListTags", arn, &e)))?;
        for t in resp.tags() {
            if let (Some(k), Some(v)) = (t.key(), t.value()) {
                if !k.starts_with("aws:") {
                    out.insert(k.to_string(), v.to_string());
                }
            }
        }
        match resp.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => break,
        }
    }
    Ok(out)
}

/// Make an ARN's tags equal `want`, given that it has `have`.
pub async fn update_tags(
    sm: &aws_sdk_sagemaker::Client,
    arn: &str,
    have: &BTreeMap<String, String>,
    want: &BTreeMap<String, String>,
) -> Result<(), Diagnostics> {
    let remove: Vec<String> = have
        .keys()
        .filter(|k| !want.contains_key(*k))
        .cloned()
        .collect();
    if !remove.is_empty() {
        sm.delete_tags()
            .resource_arn(arn)
            .set_tag_keys(Some(remove))
            .send()
            .await
            .map_err(|e| Diagnostics::from(api_error("DeleteTags", arn, &e)))?;
    }
    let changed: BTreeMap<String, String> = want
        .iter()
        .filter(|(k, v)| have.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if let Some(tags) = sdk_tags(&changed) {
        sm.add_tags()
            .resource_arn(arn)
            .set_tags(Some(tags))
            .send()
            .await
            .map_err(|e| Diagnostics::from(api_error("AddTags", arn, &e)))?;
    }
    Ok(())
}

/// The user's view of remote tags: everything except unchanged default tags the user did not
/// set themselves. `None` when the user never set tags and nothing of theirs is there.
pub fn user_tags(
    remote: &BTreeMap<String, String>,
    defaults: &BTreeMap<String, String>,
    prior: Option<&BTreeMap<String, String>>,
) -> Option<BTreeMap<String, String>> {
    let out: BTreeMap<String, String> = remote
        .iter()
        .filter(|(k, v)| prior.is_some_and(|p| p.contains_key(*k)) || defaults.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if out.is_empty() && prior.is_none_or(|p| p.is_empty()) {
        prior.cloned().filter(|p| p.is_empty())
    } else {
        Some(out)
    }
}

/// Plan `tags_all` as default tags plus configured tags, when both are known.
pub fn plan_tags_all(plan: &mut PlanCtx<'_, Clients>) {
    let cfg_tags = plan.config.attr("tags");
    let Some(clients) = plan.client else { return };
    if !cfg_tags.is_wholly_known() {
        return;
    }
    let mut all: BTreeMap<String, Value> = clients
        .default_tags
        .iter()
        .map(|(k, v)| (k.clone(), Value::string(v)))
        .collect();
    if let Value::Map(m) = cfg_tags {
        all.extend(m.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    let planned_all = Value::Map(all);
    let Some(obj) = plan.planned.as_object_mut() else {
        return;
    };
    let prior_all = plan.prior.attr("tags_all");
    obj.insert(
        "tags_all".into(),
        if prior_all.semantic_eq(&planned_all) {
            prior_all.clone()
        } else {
            planned_all
        },
    );
}
