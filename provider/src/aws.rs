//! AWS configuration (credential chain, assume role, endpoints, retries) and shared helpers
//! for SageMaker calls: error diagnostics, not-found detection, tags; and for the EventBridge
//! rules and IAM roles the provider owns on behalf of a resource (pipeline triggers and
//! notifications, registry hooks): derived names, service roles, rule deletion.

use std::collections::{BTreeMap, BTreeSet};
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
    pub region: String,
    pub default_tags: BTreeMap<String, String>,
    /// Kubernetes (KServe endpoints): configured now, connected on first use.
    pub kube: crate::kserve::client::KubeAccess,
}

const DEFAULT_MAX_ATTEMPTS: u32 = 10;

/// Build the clients from the provider block and the standard AWS chain.
pub async fn configure(
    mut cfg: ProviderConfig,
    terraform_version: &str,
) -> Result<Clients, Diagnostics> {
    let kube = crate::kserve::client::KubeAccess::new(cfg.kubernetes.take());
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
    let mut sm = aws_sdk_sagemaker::config::Builder::from(&sdk_config);
    if let Some(url) = endpoints.and_then(|e| e.sagemaker.as_ref()) {
        sm = sm.endpoint_url(url);
    }
    let mut events = aws_sdk_eventbridge::config::Builder::from(&sdk_config);
    if let Some(url) = endpoints.and_then(|e| e.events.as_ref()) {
        events = events.endpoint_url(url);
    }
    let mut sns = aws_sdk_sns::config::Builder::from(&sdk_config);
    if let Some(url) = endpoints.and_then(|e| e.sns.as_ref()) {
        sns = sns.endpoint_url(url);
    }
    let mut iam = aws_sdk_iam::config::Builder::from(&sdk_config);
    if let Some(url) = endpoints.and_then(|e| e.iam.as_ref()) {
        iam = iam.endpoint_url(url);
    }
    let mut aas = aws_sdk_applicationautoscaling::config::Builder::from(&sdk_config);
    if let Some(url) = endpoints.and_then(|e| e.application_autoscaling.as_ref()) {
        aas = aas.endpoint_url(url);
    }
    let mut cw = aws_sdk_cloudwatch::config::Builder::from(&sdk_config);
    if let Some(url) = endpoints.and_then(|e| e.cloudwatch.as_ref()) {
        cw = cw.endpoint_url(url);
    }
    let mut rt = aws_sdk_sagemakerruntime::config::Builder::from(&sdk_config);
    if let Some(url) = endpoints.and_then(|e| e.sagemaker_runtime.as_ref()) {
        rt = rt.endpoint_url(url);
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
        region,
        default_tags: cfg.default_tags.and_then(|d| d.tags).unwrap_or_default(),
        kube,
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
                || ((code == "ValidationException" || code == "ValidationError")
                    && (msg.contains("does not exist")
                        || msg.contains("not found")
                        || msg.contains("cannot find")
                        || msg.contains("could not find")))
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

/// An error diagnostic for a failed call to another service (EventBridge, SNS, IAM).
pub fn service_error<E, R>(
    service: &str,
    op: &str,
    subject: &str,
    err: &SdkError<E, R>,
) -> Diagnostic
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: Debug,
{
    let mut d = api_error(op, subject, err);
    d.summary = format!("{service} {op} failed");
    d
}

/// "Does not exist" answers of EventBridge (`ResourceNotFoundException`), IAM
/// (`NoSuchEntity`) and SNS (`NotFound`).
pub fn is_missing<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> bool {
    matches!(
        error_code(err),
        Some(
            "ResourceNotFoundException"
                | "NoSuchEntity"
                | "NotFound"
                | "NotFoundException"
                | "ResourceNotFound"
        )
    )
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

// ------------------------------------------------- objects owned on behalf of a resource

/// IAM path of every role the provider creates for EventBridge.
pub const ROLE_PATH: &str = "/mlops/";
/// Tag naming the block an owned object realises.
pub const BLOCK_TAG: &str = "mlops:block";

/// FNV-1a (64 bit): a hash that is the same in every build and on every machine, for names.
pub fn stable_hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// A deterministic name `mlops_<part>_<part>...` of at most `max` characters. A longer name
/// is cut and ends with `_` and 12 hex digits of a hash of the full name, so it stays unique
/// and stable. Parts are validated names (letters, digits, hyphens): `_` separates them
/// unambiguously, and the result is legal for EventBridge rules, connections and API
/// destinations (64), IAM roles (64) and SNS topics (256).
pub fn owned_name(parts: &[&str], max: usize) -> String {
    let full = format!("mlops_{}", parts.join("_"));
    if full.len() <= max {
        return full;
    }
    let hash = format!("{:012x}", stable_hash(&full) & 0xffff_ffff_ffff);
    let mut cut = max.saturating_sub(hash.len() + 1).min(full.len());
    while !full.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}_{hash}", &full[..cut])
}

/// `(partition, region, account)` of an ARN.
pub fn arn_parts(arn: &str) -> Option<(String, String, String)> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() < 6 || parts[0] != "arn" {
        return None;
    }
    Some((parts[1].into(), parts[3].into(), parts[4].into()))
}

/// The ARN of an EventBridge rule on the default bus, from its name and any ARN of the
/// same account and region.
pub fn rule_arn_for(any_arn: &str, rule: &str) -> Option<String> {
    let (partition, region, account) = arn_parts(any_arn)?;
    Some(format!(
        "arn:{partition}:events:{region}:{account}:rule/{rule}"
    ))
}

/// Tags of an owned object: the provider's default tags, `owner_key` = the owning
/// resource's name (e.g. `mlops:pipeline`), and [`BLOCK_TAG`] = the block it realises.
pub fn owned_tags(
    c: &Clients,
    owner_key: &str,
    owner: &str,
    block: &str,
) -> BTreeMap<String, String> {
    let mut t = c.default_tags.clone();
    t.insert(owner_key.into(), owner.into());
    t.insert(BLOCK_TAG.into(), block.into());
    t
}

pub fn events_tags(tags: &BTreeMap<String, String>) -> Vec<aws_sdk_eventbridge::types::Tag> {
    tags.iter()
        .filter_map(|(k, v)| {
            aws_sdk_eventbridge::types::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .ok()
        })
        .collect()
}

pub fn iam_tags(tags: &BTreeMap<String, String>) -> Vec<aws_sdk_iam::types::Tag> {
    tags.iter()
        .filter_map(|(k, v)| {
            aws_sdk_iam::types::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .ok()
        })
        .collect()
}

pub fn sns_tags(tags: &BTreeMap<String, String>) -> Vec<aws_sdk_sns::types::Tag> {
    tags.iter()
        .filter_map(|(k, v)| {
            aws_sdk_sns::types::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .ok()
        })
        .collect()
}

/// Trust policy of a role only EventBridge rules of `account` can assume.
pub fn events_trust_policy(account: &str) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": account}}
        }]
    })
    .to_string()
}

/// Same JSON document (key order and formatting ignored). IAM returns policy documents
/// URL-encoded; both forms are accepted.
pub fn same_json(a: &str, b: &str) -> bool {
    let parse = |s: &str| {
        let t = s.trim();
        let text = if t.starts_with('{') {
            Some(t.to_string())
        } else {
            percent_decode(t)
        };
        text.and_then(|x| serde_json::from_str::<serde_json::Value>(&x).ok())
    };
    match (parse(a), parse(b)) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

/// Percent-encode everything except RFC 3986 unreserved characters.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Undo percent-encoding (`+` stays `+`); `None` for malformed input.
pub fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Create a role EventBridge assumes, with exactly one inline policy, or adopt the role of
/// that name left by an earlier, interrupted apply. Returns the role's ARN.
pub async fn ensure_events_role(
    c: &Clients,
    name: &str,
    account: &str,
    description: &str,
    policy_name: &str,
    policy: &str,
    tags: &BTreeMap<String, String>,
) -> Result<String, Diagnostics> {
    let trust = events_trust_policy(account);
    let arn = match c
        .iam
        .create_role()
        .role_name(name)
        .path(ROLE_PATH)
        .description(description)
        .assume_role_policy_document(&trust)
        .set_tags(Some(iam_tags(tags)).filter(|t| !t.is_empty()))
        .send()
        .await
    {
        Ok(r) => {
            tracing::info!(role = %name, "IAM role created");
            r.role().map(|r| r.arn().to_string()).unwrap_or_default()
        }
        Err(e) if error_code(&e) == Some("EntityAlreadyExists") => {
            tracing::info!(role = %name, "IAM role exists already; adopting it");
            c.iam
                .update_assume_role_policy()
                .role_name(name)
                .policy_document(&trust)
                .send()
                .await
                .map_err(|e| service_error("IAM", "UpdateAssumeRolePolicy", name, &e))?;
            c.iam
                .get_role()
                .role_name(name)
                .send()
                .await
                .map_err(|e| service_error("IAM", "GetRole", name, &e))?
                .role()
                .map(|r| r.arn().to_string())
                .unwrap_or_default()
        }
        Err(e) => return Err(service_error("IAM", "CreateRole", name, &e).into()),
    };
    c.iam
        .put_role_policy()
        .role_name(name)
        .policy_name(policy_name)
        .policy_document(policy)
        .send()
        .await
        .map_err(|e| service_error("IAM", "PutRolePolicy", name, &e))?;
    Ok(arn)
}

/// The ARN of an owned role when it exists and carries exactly `policy` as `policy_name`;
/// `None` when the role or its policy is gone or the policy was changed.
pub async fn check_events_role(
    c: &Clients,
    name: &str,
    policy_name: &str,
    policy: &str,
) -> Result<Option<String>, Diagnostics> {
    let arn = match c.iam.get_role().role_name(name).send().await {
        Ok(r) => r.role().map(|r| r.arn().to_string()).unwrap_or_default(),
        Err(e) if is_missing(&e) => return Ok(None),
        Err(e) => return Err(service_error("IAM", "GetRole", name, &e).into()),
    };
    match c
        .iam
        .get_role_policy()
        .role_name(name)
        .policy_name(policy_name)
        .send()
        .await
    {
        Ok(p) if same_json(p.policy_document(), policy) => Ok(Some(arn)),
        Ok(_) => {
            tracing::info!(role = %name, "the role's policy was changed outside Terraform");
            Ok(None)
        }
        Err(e) if is_missing(&e) => Ok(None),
        Err(e) => Err(service_error("IAM", "GetRolePolicy", name, &e).into()),
    }
}

/// Delete an owned role with its inline and attached policies. A missing role is fine.
pub async fn delete_role(c: &Clients, name: &str) -> Result<(), Diagnostics> {
    let iam = &c.iam;
    let inline = match iam.list_role_policies().role_name(name).send().await {
        Ok(r) => r.policy_names().to_vec(),
        Err(e) if is_missing(&e) => return Ok(()),
        Err(e) => return Err(service_error("IAM", "ListRolePolicies", name, &e).into()),
    };
    for p in inline {
        match iam
            .delete_role_policy()
            .role_name(name)
            .policy_name(&p)
            .send()
            .await
        {
            Ok(_) => {}
            Err(e) if is_missing(&e) => {}
            Err(e) => return Err(service_error("IAM", "DeleteRolePolicy", name, &e).into()),
        }
    }
    let attached = match iam
        .list_attached_role_policies()
        .role_name(name)
        .send()
        .await
    {
        Ok(r) => r
            .attached_policies()
            .iter()
            .filter_map(|p| p.policy_arn().map(String::from))
            .collect(),
        Err(e) if is_missing(&e) => return Ok(()),
        Err(e) => return Err(service_error("IAM", "ListAttachedRolePolicies", name, &e).into()),
    };
    let attached: Vec<String> = attached;
    for p in attached {
        match iam
            .detach_role_policy()
            .role_name(name)
            .policy_arn(&p)
            .send()
            .await
        {
            Ok(_) => {}
            Err(e) if is_missing(&e) => {}
            Err(e) => return Err(service_error("IAM", "DetachRolePolicy", name, &e).into()),
        }
    }
    match iam.delete_role().role_name(name).send().await {
        Ok(_) => {
            tracing::info!(role = %name, "IAM role deleted");
            Ok(())
        }
        Err(e) if is_missing(&e) => Ok(()),
        Err(e) => Err(service_error("IAM", "DeleteRole", name, &e).into()),
    }
}

/// A just-created role is not usable everywhere at once (IAM is eventually consistent):
/// EventBridge may refuse it for a few seconds.
fn role_not_ready(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("role")
        && (m.contains("assume")
            || m.contains("not authorized")
            || m.contains("does not exist")
            || m.contains("invalid"))
}

/// PutTargets, retried for a short while when EventBridge does not accept a role yet.
pub async fn put_targets(
    c: &Clients,
    rule: &str,
    targets: Vec<aws_sdk_eventbridge::types::Target>,
) -> Result<(), Diagnostics> {
    const ATTEMPTS: u32 = 8;
    let mut delay = std::env::var("MLOPS_POLL_INTERVAL_MS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .map(std::time::Duration::from_millis)
        .unwrap_or(std::time::Duration::from_secs(1));
    for attempt in 1..=ATTEMPTS {
        let retry = match c
            .events
            .put_targets()
            .rule(rule)
            .set_targets(Some(targets.clone()))
            .send()
            .await
        {
            Ok(out) if out.failed_entry_count() == 0 => return Ok(()),
            Ok(out) => {
                let msgs: Vec<String> = out
                    .failed_entries()
                    .iter()
                    .map(|f| {
                        format!(
                            "target {}: {}: {}",
                            f.target_id().unwrap_or("?"),
                            f.error_code().unwrap_or("error"),
                            f.error_message().unwrap_or("(no message)")
                        )
                    })
                    .collect();
                if attempt == ATTEMPTS || !msgs.iter().any(|m| role_not_ready(m)) {
                    return Err(Diagnostic::error(
                        "EventBridge PutTargets failed",
                        format!("PutTargets for rule {rule} failed: {}", msgs.join("; ")),
                    )
                    .into());
                }
                msgs.join("; ")
            }
            Err(e) => {
                let msg = e
                    .as_service_error()
                    .and_then(|s| s.message())
                    .unwrap_or_default()
                    .to_string();
                if attempt == ATTEMPTS || !role_not_ready(&msg) {
                    return Err(service_error("EventBridge", "PutTargets", rule, &e).into());
                }
                msg
            }
        };
        tracing::info!(rule = %rule, attempt, reason = %retry, "role not accepted yet; retrying PutTargets");
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(std::time::Duration::from_secs(8));
    }
    Ok(())
}

/// Delete an owned rule after removing all its targets. A missing rule is fine.
pub async fn delete_rule(c: &Clients, name: &str) -> Result<(), Diagnostics> {
    let ev = &c.events;
    let mut ids = Vec::new();
    let mut token = None;
    loop {
        match ev
            .list_targets_by_rule()
            .rule(name)
            .set_next_token(token.take())
            .send()
            .await
        {
            Ok(r) => {
                ids.extend(r.targets().iter().map(|t| t.id().to_string()));
                match r.next_token() {
                    Some(t) if !t.is_empty() => token = Some(t.to_string()),
                    _ => break,
                }
            }
            Err(e) if is_missing(&e) => return Ok(()),
            Err(e) => {
                return Err(service_error("EventBridge", "ListTargetsByRule", name, &e).into())
            }
        }
    }
    for chunk in ids.chunks(100) {
        match ev
            .remove_targets()
            .rule(name)
            .set_ids(Some(chunk.to_vec()))
            .force(false)
            .send()
            .await
        {
            Ok(_) => {}
            Err(e) if is_missing(&e) => return Ok(()),
            Err(e) => return Err(service_error("EventBridge", "RemoveTargets", name, &e).into()),
        }
    }
    match ev.delete_rule().name(name).send().await {
        Ok(_) => {
            tracing::info!(rule = %name, "EventBridge rule deleted");
            Ok(())
        }
        Err(e) if is_missing(&e) => Ok(()),
        Err(e) => Err(service_error("EventBridge", "DeleteRule", name, &e).into()),
    }
}

// ------------------------------------------------- SNS topics and e-mail subscriptions

/// Confirmed and pending e-mail subscriptions of an SNS topic (`None` when the topic is gone): address -> subscription ARN
/// (`None` while pending).
pub async fn email_subscriptions(
    c: &Clients,
    topic: &str,
) -> Result<Option<BTreeMap<String, Option<String>>>, Diagnostics> {
    let mut out = BTreeMap::new();
    let mut token = None;
    loop {
        let resp = match c
            .sns
            .list_subscriptions_by_topic()
            .topic_arn(topic)
            .set_next_token(token.take())
            .send()
            .await
        {
            Ok(r) => r,
            Err(e) if is_missing(&e) => return Ok(None),
            Err(e) => {
                return Err(service_error("SNS", "ListSubscriptionsByTopic", topic, &e).into())
            }
        };
        for s in resp.subscriptions() {
            if s.protocol() != Some("email") {
                continue;
            }
            if let Some(ep) = s.endpoint() {
                let arn = s
                    .subscription_arn()
                    .filter(|a| a.starts_with("arn:"))
                    .map(String::from);
                out.insert(ep.to_string(), arn);
            }
        }
        match resp.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => break,
        }
    }
    Ok(Some(out))
}

pub async fn subscribe(c: &Clients, topic: &str, email: &str) -> Result<(), Diagnostics> {
    c.sns
        .subscribe()
        .topic_arn(topic)
        .protocol("email")
        .endpoint(email)
        .send()
        .await
        .map_err(|e| service_error("SNS", "Subscribe", topic, &e))?;
    tracing::info!(topic = %topic, "e-mail subscription requested");
    Ok(())
}

pub async fn unsubscribe(
    c: &Clients,
    topic: &str,
    emails: &BTreeSet<String>,
) -> Result<(), Diagnostics> {
    if emails.is_empty() {
        return Ok(());
    }
    let Some(subs) = email_subscriptions(c, topic).await? else {
        return Ok(());
    };
    for e in emails {
        match subs.get(e) {
            Some(Some(arn)) => match c.sns.unsubscribe().subscription_arn(arn).send().await {
                Ok(_) => tracing::info!(topic = %topic, "e-mail subscription removed"),
                Err(err) if is_missing(&err) => {}
                Err(err) => return Err(service_error("SNS", "Unsubscribe", topic, &err).into()),
            },
            Some(None) => tracing::warn!(
                topic = %topic,
                "an e-mail subscription is still pending confirmation and cannot be removed; AWS deletes it after three days"
            ),
            None => {}
        }
    }
    Ok(())
}

pub async fn delete_topic(c: &Clients, topic: &str) -> Result<(), Diagnostics> {
    match c.sns.delete_topic().topic_arn(topic).send().await {
        Ok(_) => {
            tracing::info!(topic = %topic, "SNS topic deleted");
            Ok(())
        }
        Err(e) if is_missing(&e) => Ok(()),
        Err(e) => Err(service_error("SNS", "DeleteTopic", topic, &e).into()),
    }
}

/// Tags in CloudWatch's shape (None when there are none).
pub fn cloudwatch_tags(
    tags: &BTreeMap<String, String>,
) -> Option<Vec<aws_sdk_cloudwatch::types::Tag>> {
    (!tags.is_empty()).then(|| {
        tags.iter()
            .map(|(k, v)| {
                aws_sdk_cloudwatch::types::Tag::builder()
                    .key(k)
                    .value(v)
                    .build()
            })
            .collect()
    })
}

/// Delete CloudWatch alarms by name (nothing to do for none).
pub async fn delete_alarms(c: &Clients, names: &[String]) -> Result<(), Diagnostics> {
    if names.is_empty() {
        return Ok(());
    }
    c.cloudwatch
        .delete_alarms()
        .set_alarm_names(Some(names.to_vec()))
        .send()
        .await
        .map_err(|e| api_error("DeleteAlarms", &names.join(", "), &e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owned_names() {
        assert_eq!(
            owned_name(&["churn", "on-approval"], 64),
            "mlops_churn_on-approval"
        );
        let long = owned_name(&[&"x".repeat(100), "trigger", "t"], 64);
        assert_eq!(long.len(), 64);
        assert!(long.starts_with("mlops_xxx"));
        assert_eq!(long, owned_name(&[&"x".repeat(100), "trigger", "t"], 64));
        assert_ne!(long, owned_name(&[&"x".repeat(100), "trigger", "u"], 64));
    }

    #[test]
    fn percent_round_trip() {
        for s in ["group/project", "a b+c%", "plain-._~", "ü/ß"] {
            assert_eq!(percent_decode(&percent_encode(s)).as_deref(), Some(s));
        }
        assert_eq!(percent_encode("ml/deploy"), "ml%2Fdeploy");
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%4"), None);
    }

    #[test]
    fn json_documents_compare_by_content() {
        let a = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow"}]}"#;
        let b = "%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%7D%5D%2C%22Version%22%3A%222012-10-17%22%7D";
        assert!(same_json(a, b));
        assert!(!same_json(a, r#"{"Version":"2012-10-17"}"#));
        assert!(!same_json(a, "not json"));
    }

    #[test]
    fn role_propagation_errors_are_retried() {
        assert!(role_not_ready(
            "Provided role 'arn:aws:iam::1:role/x' cannot be assumed by principal 'events.amazonaws.com'."
        ));
        assert!(role_not_ready("Invalid RoleArn: role does not exist"));
        assert!(!role_not_ready(
            "Parameter ScheduleExpression is not valid."
        ));
    }

    #[test]
    fn rule_arns() {
        assert_eq!(
            rule_arn_for("arn:aws:sagemaker:eu-west-1:123456789012:pipeline/p", "r").as_deref(),
            Some("arn:aws:events:eu-west-1:123456789012:rule/r")
        );
        assert_eq!(rule_arn_for("nonsense", "r"), None);
        let trust: serde_json::Value =
            serde_json::from_str(&events_trust_policy("123456789012")).unwrap();
        assert_eq!(
            trust["Statement"][0]["Principal"]["Service"],
            "events.amazonaws.com"
        );
        assert_eq!(
            trust["Statement"][0]["Condition"]["StringEquals"]["aws:SourceAccount"],
            "123456789012"
        );
    }
}
