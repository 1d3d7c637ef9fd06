//! `on_approval`: a GitLab CI pipeline triggered when a version of the group is approved,
//! through an EventBridge rule, connection and API destination and an IAM role, all owned
//! by the group (see the resource's docs for the request GitLab receives).

use std::collections::BTreeMap;
use std::sync::LazyLock;
use std::time::Duration;

use aws_sdk_eventbridge::types::{
    ApiDestinationHttpMethod, ConnectionAuthorizationType, ConnectionHttpParameters,
    ConnectionQueryStringParameter, ConnectionState, CreateConnectionApiKeyAuthRequestParameters,
    CreateConnectionAuthRequestParameters, InputTransformer, RuleState, Target,
    UpdateConnectionApiKeyAuthRequestParameters, UpdateConnectionAuthRequestParameters,
};
use mlops_framework::{wait_for, AttrPath, Backoff, Check, Ctx, Diagnostic, Diagnostics, Value};
use regex::Regex;

use crate::aws::{
    arn_parts, check_events_role, delete_role, delete_rule, ensure_events_role, error_code,
    events_tags, found_in, is_missing, owned_name, owned_tags, percent_decode, percent_encode,
    put_targets, same_json, service_error,
};
use crate::clients::Clients;
use crate::registry::group::OnApproval;

/// Private-state flag set by import: the next read looks for the group's hook.
pub(super) const DISCOVER_HOOK: &str = "discover_on_approval";
/// Tag naming the group an owned object belongs to.
const GROUP_TAG: &str = "mlops:model-package-group";
const HOOK_TARGET: &str = "gitlab";
const HOOK_POLICY: &str = "invoke-api-destination";
const HOOK_HEADER: &str = "X-Mlops-Source";
const HOOK_HEADER_VALUE: &str = "terraform-provider-mlops";
pub(super) const DEFAULT_GITLAB: &str = "https://gitlab.com";
/// Variables the hook always passes.
const HOOK_VARIABLES: [(&str, &str, &str); 3] = [
    (
        "MODEL_PACKAGE_ARN",
        "model_package_arn",
        "$.detail.ModelPackageArn",
    ),
    (
        "MODEL_PACKAGE_VERSION",
        "model_package_version",
        "$.detail.ModelPackageVersion",
    ),
    (
        "MODEL_PACKAGE_GROUP",
        "model_package_group",
        "$.detail.ModelPackageGroupName",
    ),
];
static GITLAB_VARIABLE_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z0-9_]{1,255}$").expect("static regex"));

/// The name of every object of a group's hook (rule, connection, API destination, role).
pub fn hook_name(group: &str) -> String {
    owned_name(&[group, "on-approval"], 64)
}

fn gitlab_base(h: &OnApproval) -> String {
    h.gitlab_url
        .as_deref()
        .unwrap_or(DEFAULT_GITLAB)
        .trim_end_matches('/')
        .to_string()
}

/// The GitLab pipeline trigger endpoint of a hook.
pub fn hook_endpoint(h: &OnApproval) -> String {
    format!(
        "{}/api/v4/projects/{}/trigger/pipeline",
        gitlab_base(h),
        percent_encode(&h.project)
    )
}

/// `(gitlab_url, project)` of an endpoint written by [`hook_endpoint`].
fn parse_endpoint(endpoint: &str) -> Option<(String, String)> {
    let (base, rest) = endpoint.split_once("/api/v4/projects/")?;
    let enc = rest.strip_suffix("/trigger/pipeline")?;
    Some((base.to_string(), percent_decode(enc)?))
}

/// The request body template: `ref` and the variables, with placeholders EventBridge fills
/// from the event.
pub fn hook_body(h: &OnApproval) -> String {
    let mut vars = serde_json::Map::new();
    for (k, placeholder, _) in HOOK_VARIABLES {
        vars.insert(
            k.into(),
            serde_json::Value::String(format!("<{placeholder}>")),
        );
    }
    for (k, v) in h.variables.iter().flatten() {
        vars.insert(k.clone(), serde_json::Value::String(v.clone()));
    }
    serde_json::json!({"ref": h.git_ref, "variables": vars}).to_string()
}

/// `(ref, variables)` of a body written by [`hook_body`].
fn parse_body(body: &str) -> Option<(String, BTreeMap<String, String>)> {
    let j: serde_json::Value = serde_json::from_str(body).ok()?;
    let r = j.get("ref")?.as_str()?.to_string();
    let mut vars = BTreeMap::new();
    for (k, v) in j.get("variables")?.as_object()? {
        if HOOK_VARIABLES.iter().any(|(name, _, _)| name == k) {
            continue;
        }
        vars.insert(k.clone(), v.as_str()?.to_string());
    }
    Some((r, vars))
}

fn hook_pattern(group: &str) -> String {
    serde_json::json!({
        "source": ["aws.sagemaker"],
        "detail-type": ["SageMaker Model Package State Change"],
        "detail": {
            "ModelPackageGroupName": [group],
            "ModelApprovalStatus": ["Approved"],
        },
    })
    .to_string()
}

/// Only `events:InvokeApiDestination` on this hook's API destination (any of its
/// generations: the ARN ends with an id that changes when it is re-created).
fn hook_policy(group_arn: &str, name: &str) -> Option<String> {
    let (partition, region, account) = arn_parts(group_arn)?;
    Some(
        serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "InvokeThisApiDestination",
                "Effect": "Allow",
                "Action": "events:InvokeApiDestination",
                "Resource": format!("arn:{partition}:events:{region}:{account}:api-destination/{name}/*"),
            }]
        })
        .to_string(),
    )
}

/// The token to send: the write-only one (from the configuration, at apply) or the stored one.
fn token(h: &OnApproval) -> Result<&str, Diagnostics> {
    h.trigger_token_wo
        .as_deref()
        .or(h.trigger_token.as_deref())
        .ok_or_else(|| {
            Diagnostic::error(
                "No trigger token",
                "on_approval needs trigger_token_wo or trigger_token to create or update the \
                 EventBridge connection.",
            )
            .at(AttrPath::attrs(["on_approval", "trigger_token_wo"]))
            .into()
        })
}

/// Must the connection get the token again? The stored token changed, or (write-only) its
/// version did.
fn token_changed(prior: &OnApproval, want: &OnApproval) -> bool {
    prior.trigger_token != want.trigger_token
        || prior.trigger_token_wo_version != want.trigger_token_wo_version
}

fn hook_auth_parts(
    h: &OnApproval,
) -> Result<
    (
        ConnectionHttpParameters,
        CreateConnectionApiKeyAuthRequestParameters,
    ),
    Diagnostics,
> {
    let http = ConnectionHttpParameters::builder()
        .query_string_parameters(
            ConnectionQueryStringParameter::builder()
                .key("token")
                .value(token(h)?)
                .is_value_secret(true)
                .build(),
        )
        .build();
    let key = CreateConnectionApiKeyAuthRequestParameters::builder()
        .api_key_name(HOOK_HEADER)
        .api_key_value(HOOK_HEADER_VALUE)
        .build()
        .map_err(|e| Diagnostics::from(Diagnostic::error("Invalid connection", e.to_string())))?;
    Ok((http, key))
}

fn hook_target(h: &OnApproval, destination: &str, role: &str) -> Result<Target, Diagnostics> {
    let mut t = InputTransformer::builder().input_template(hook_body(h));
    for (_, placeholder, path) in HOOK_VARIABLES {
        t = t.input_paths_map(placeholder, path);
    }
    let t = t.build().map_err(|e| {
        Diagnostics::from(Diagnostic::error(
            "Invalid input transformer",
            e.to_string(),
        ))
    })?;
    Target::builder()
        .id(HOOK_TARGET)
        .arn(destination)
        .role_arn(role)
        .input_transformer(t)
        .build()
        .map_err(|e| Diagnostic::error("Invalid EventBridge target", e.to_string()).into())
}

fn eventbridge_error<E, R>(
    op: &str,
    subject: &str,
    e: &aws_sdk_sagemaker::error::SdkError<E, R>,
) -> Diagnostics
where
    E: aws_sdk_sagemaker::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    service_error("EventBridge", op, subject, e).into()
}

/// Create the connection, or update it (token) when it exists. Returns its ARN.
async fn put_connection(
    c: &Clients,
    name: &str,
    group: &str,
    h: &OnApproval,
) -> Result<String, Diagnostics> {
    let (http, key) = hook_auth_parts(h)?;
    let description = format!("GitLab pipeline trigger for model package group {group} (token as a secret query parameter)");
    let created = c
        .events
        .create_connection()
        .name(name)
        .description(&description)
        .authorization_type(ConnectionAuthorizationType::ApiKey)
        .auth_parameters(
            CreateConnectionAuthRequestParameters::builder()
                .api_key_auth_parameters(key)
                .invocation_http_parameters(http.clone())
                .build(),
        )
        .send()
        .await;
    match created {
        Ok(r) => {
            tracing::info!(connection = %name, "EventBridge connection created");
            Ok(r.connection_arn().unwrap_or_default().to_string())
        }
        Err(e) if error_code(&e) == Some("ResourceAlreadyExistsException") => {
            update_connection(c, name, h).await
        }
        Err(e) => Err(eventbridge_error("CreateConnection", name, &e)),
    }
}

async fn update_connection(c: &Clients, name: &str, h: &OnApproval) -> Result<String, Diagnostics> {
    let (http, _) = hook_auth_parts(h)?;
    let r = c
        .events
        .update_connection()
        .name(name)
        .authorization_type(ConnectionAuthorizationType::ApiKey)
        .auth_parameters(
            UpdateConnectionAuthRequestParameters::builder()
                .api_key_auth_parameters(
                    UpdateConnectionApiKeyAuthRequestParameters::builder()
                        .api_key_name(HOOK_HEADER)
                        .api_key_value(HOOK_HEADER_VALUE)
                        .build(),
                )
                .invocation_http_parameters(http)
                .build(),
        )
        .send()
        .await
        .map_err(|e| eventbridge_error("UpdateConnection", name, &e))?;
    tracing::info!(connection = %name, "EventBridge connection updated (trigger token)");
    Ok(r.connection_arn().unwrap_or_default().to_string())
}

/// Create the API destination, or update it when it exists. Returns its ARN.
async fn put_destination(
    c: &Clients,
    name: &str,
    group: &str,
    connection_arn: &str,
    h: &OnApproval,
) -> Result<String, Diagnostics> {
    let endpoint = hook_endpoint(h);
    let description = format!("GitLab pipeline trigger for model package group {group}");
    let created = c
        .events
        .create_api_destination()
        .name(name)
        .description(&description)
        .connection_arn(connection_arn)
        .invocation_endpoint(&endpoint)
        .http_method(ApiDestinationHttpMethod::Post)
        .send()
        .await;
    match created {
        Ok(r) => {
            tracing::info!(api_destination = %name, endpoint = %endpoint, "EventBridge API destination created");
            Ok(r.api_destination_arn().unwrap_or_default().to_string())
        }
        Err(e) if error_code(&e) == Some("ResourceAlreadyExistsException") => {
            update_destination(c, name, connection_arn, h).await
        }
        Err(e) => Err(eventbridge_error("CreateApiDestination", name, &e)),
    }
}

async fn update_destination(
    c: &Clients,
    name: &str,
    connection_arn: &str,
    h: &OnApproval,
) -> Result<String, Diagnostics> {
    let endpoint = hook_endpoint(h);
    let r = c
        .events
        .update_api_destination()
        .name(name)
        .connection_arn(connection_arn)
        .invocation_endpoint(&endpoint)
        .http_method(ApiDestinationHttpMethod::Post)
        .send()
        .await
        .map_err(|e| eventbridge_error("UpdateApiDestination", name, &e))?;
    tracing::info!(api_destination = %name, endpoint = %endpoint, "EventBridge API destination updated");
    Ok(r.api_destination_arn().unwrap_or_default().to_string())
}

/// Wait (briefly) until a new connection is authorized, as API destinations need it.
async fn wait_authorized(c: &Clients, name: &str, ctx: &Ctx<Clients>) -> Result<(), Diagnostics> {
    wait_for(
        &format!("EventBridge connection {name} to be authorized"),
        ctx.timeout.min(Duration::from_secs(120)),
        &ctx.cancel,
        Backoff::default(),
        || async {
            let d = c
                .events
                .describe_connection()
                .name(name)
                .send()
                .await
                .map_err(|e| eventbridge_error("DescribeConnection", name, &e))?;
            match d.connection_state() {
                Some(ConnectionState::Creating | ConnectionState::Authorizing) => {
                    Ok(Check::Pending(
                        d.connection_state()
                            .map(|s| s.as_str().to_string())
                            .unwrap_or_default(),
                    ))
                }
                Some(ConnectionState::Authorized) | None => Ok(Check::Done(())),
                Some(s) => Err(Diagnostic::error(
                    "EventBridge connection not authorized",
                    format!(
                        "Connection {name} is {}: {}",
                        s.as_str(),
                        d.state_reason().unwrap_or("no reason given")
                    ),
                )
                .into()),
            }
        },
    )
    .await
}

/// Make a group's hook match `want`, given what `prior` recorded. The error carries the
/// hook as far as it exists.
pub(super) async fn ensure_hook(
    ctx: &Ctx<Clients>,
    group: &str,
    group_arn: &str,
    prior: Option<&OnApproval>,
    want: &OnApproval,
) -> Result<OnApproval, (Option<OnApproval>, Diagnostics)> {
    let c = &*ctx.client;
    let name = hook_name(group);
    let mut cur = match prior {
        Some(p) => p.clone(),
        None => OnApproval {
            rule_arn: None,
            connection_arn: None,
            api_destination_arn: None,
            role_arn: None,
            ..want.clone()
        },
    };
    let fresh = prior.is_none();
    // the connection (token)
    let connection_arn = match (&cur.connection_arn, fresh) {
        (Some(arn), false) => {
            if prior.is_some_and(|p| token_changed(p, want)) {
                update_connection(c, &name, want)
                    .await
                    .map_err(|d| (Some(cur.clone()), d))?;
            }
            arn.clone()
        }
        _ => {
            let arn = put_connection(c, &name, group, want)
                .await
                .map_err(|d| (prior.cloned(), d))?;
            cur.connection_arn = Some(arn.clone());
            wait_authorized(c, &name, ctx)
                .await
                .map_err(|d| (Some(cur.clone()), d))?;
            arn
        }
    };
    cur.trigger_token = want.trigger_token.clone();
    cur.trigger_token_wo = None;
    cur.trigger_token_wo_version = want.trigger_token_wo_version;
    // the API destination (endpoint)
    let destination_arn = match (&cur.api_destination_arn, fresh) {
        (Some(arn), false) => {
            if prior.is_some_and(|p| hook_endpoint(p) != hook_endpoint(want)) {
                update_destination(c, &name, &connection_arn, want)
                    .await
                    .map_err(|d| (Some(cur.clone()), d))?;
            }
            arn.clone()
        }
        _ => {
            let arn = put_destination(c, &name, group, &connection_arn, want)
                .await
                .map_err(|d| (Some(cur.clone()), d))?;
            cur.api_destination_arn = Some(arn.clone());
            arn
        }
    };
    cur.gitlab_url = want.gitlab_url.clone();
    cur.project = want.project.clone();
    // the role
    let role_arn = match (&cur.role_arn, fresh) {
        (Some(arn), false) => arn.clone(),
        _ => {
            let (Some((_, _, account)), Some(policy)) =
                (arn_parts(group_arn), hook_policy(group_arn, &name))
            else {
                return Err((
                    Some(cur.clone()),
                    Diagnostic::error(
                        "Group ARN unknown",
                        format!("Cannot create the on_approval hook: {group_arn:?} is not an ARN."),
                    )
                    .into(),
                ));
            };
            let tags = owned_tags(c, GROUP_TAG, group, "on_approval");
            let arn = ensure_events_role(
                c,
                &name,
                &account,
                &format!(
                    "EventBridge calls the GitLab pipeline trigger of model package group {group}"
                ),
                HOOK_POLICY,
                &policy,
                &tags,
            )
            .await
            .map_err(|d| (Some(cur.clone()), d))?;
            cur.role_arn = Some(arn.clone());
            arn
        }
    };
    // the rule and its target
    let rule_written = fresh || cur.rule_arn.is_none();
    if rule_written {
        let tags = owned_tags(c, GROUP_TAG, group, "on_approval");
        let r = c
            .events
            .put_rule()
            .name(&name)
            .description(format!(
                "Starts a GitLab pipeline when a version in model package group {group} is approved"
            ))
            .event_pattern(hook_pattern(group))
            .state(RuleState::Enabled)
            .set_tags(Some(events_tags(&tags)).filter(|t| !t.is_empty()))
            .send()
            .await
            .map_err(|e| (Some(cur.clone()), eventbridge_error("PutRule", &name, &e)))?;
        cur.rule_arn = r.rule_arn().map(String::from);
        tracing::info!(group = %group, rule = %name, "on_approval rule written");
    }
    let retarget = rule_written
        || prior.is_some_and(|p| {
            p.git_ref != want.git_ref
                || p.variables.clone().unwrap_or_default()
                    != want.variables.clone().unwrap_or_default()
        })
        || prior.and_then(|p| p.api_destination_arn.as_deref()) != Some(destination_arn.as_str());
    if retarget {
        let target =
            hook_target(want, &destination_arn, &role_arn).map_err(|d| (Some(cur.clone()), d))?;
        put_targets(c, &ctx.cancel, &name, vec![target])
            .await
            .map_err(|d| (Some(cur.clone()), d))?;
    }
    cur.git_ref = want.git_ref.clone();
    cur.variables = want.variables.clone();
    Ok(cur)
}

/// The hook without what the provider computes.
pub(super) fn hook_inputs(h: &OnApproval) -> OnApproval {
    OnApproval {
        gitlab_url: Some(gitlab_base(h)),
        variables: h.variables.clone().filter(|v| !v.is_empty()),
        // never stored, so never compared (its version is)
        trigger_token_wo: None,
        rule_arn: None,
        connection_arn: None,
        api_destination_arn: None,
        role_arn: None,
        ..h.clone()
    }
}

/// Delete a group's hook (idempotent).
pub(super) async fn delete_hook(c: &Clients, group: &str) -> Result<(), Diagnostics> {
    let name = hook_name(group);
    delete_rule(c, &name).await?;
    match c.events.delete_api_destination().name(&name).send().await {
        Ok(_) => tracing::info!(api_destination = %name, "EventBridge API destination deleted"),
        Err(e) if is_missing(&e) => {}
        Err(e) => return Err(eventbridge_error("DeleteApiDestination", &name, &e)),
    }
    match c.events.delete_connection().name(&name).send().await {
        Ok(_) => tracing::info!(connection = %name, "EventBridge connection deleted"),
        Err(e) if is_missing(&e) => {}
        Err(e) => return Err(eventbridge_error("DeleteConnection", &name, &e)),
    }
    delete_role(c, &name).await
}

/// The hook as it is remotely; `None` when a part of it is gone (the plan re-creates it).
/// The token cannot be read back: `current`'s is kept.
pub(super) async fn read_hook(
    c: &Clients,
    group: &str,
    group_arn: &str,
    current: &OnApproval,
) -> Result<Option<OnApproval>, Diagnostics> {
    let name = hook_name(group);
    let Some(rule) = found_in(
        "EventBridge",
        "DescribeRule",
        &name,
        c.events.describe_rule().name(&name).send().await,
    )?
    else {
        return Ok(None);
    };
    let Some(targets) = found_in(
        "EventBridge",
        "ListTargetsByRule",
        &name,
        c.events.list_targets_by_rule().rule(&name).send().await,
    )?
    else {
        return Ok(None);
    };
    let Some(target) = targets.targets().iter().find(|t| t.id() == HOOK_TARGET) else {
        return Ok(None);
    };
    let Some(connection) = found_in(
        "EventBridge",
        "DescribeConnection",
        &name,
        c.events.describe_connection().name(&name).send().await,
    )?
    else {
        return Ok(None);
    };
    let Some(destination) = found_in(
        "EventBridge",
        "DescribeApiDestination",
        &name,
        c.events.describe_api_destination().name(&name).send().await,
    )?
    else {
        return Ok(None);
    };
    let Some(policy) = hook_policy(group_arn, &name) else {
        return Ok(None);
    };
    let Some(role_arn) = check_events_role(c, &name, HOOK_POLICY, &policy).await? else {
        return Ok(None);
    };
    let destination_arn = destination.api_destination_arn().unwrap_or_default();
    if target.arn() != destination_arn || target.role_arn() != Some(role_arn.as_str()) {
        return Ok(None);
    }
    if destination.connection_arn() != connection.connection_arn() {
        return Ok(None);
    }
    let mut out = current.clone();
    if !same_json(
        &hook_pattern(group),
        rule.event_pattern().unwrap_or_default(),
    ) || rule.state() == Some(&RuleState::Disabled)
    {
        // the rule no longer does what the block says: re-create it
        return Ok(None);
    }
    match destination.invocation_endpoint().and_then(parse_endpoint) {
        Some((base, project)) => {
            if base != gitlab_base(current) {
                out.gitlab_url = Some(base);
            }
            out.project = project;
        }
        None => return Ok(None),
    }
    match target
        .input_transformer()
        .and_then(|t| parse_body(t.input_template()))
    {
        Some((r, vars)) => {
            out.git_ref = r;
            out.variables =
                if vars.is_empty() && current.variables.as_ref().is_none_or(|v| v.is_empty()) {
                    current.variables.clone()
                } else {
                    Some(vars)
                };
        }
        None => return Ok(None),
    }
    out.rule_arn = rule.arn().map(String::from);
    out.connection_arn = connection.connection_arn().map(String::from);
    out.api_destination_arn = Some(destination_arn.to_string());
    out.role_arn = Some(role_arn);
    Ok(Some(out))
}

/// Plan-time checks of `on_approval` (the schema checks the rest).
pub(super) fn validate_hook(config: &Value, diags: &mut Diagnostics) {
    let h = config.attr("on_approval");
    if h.as_object().is_some() {
        let at = |name: &str| AttrPath::attrs(["on_approval", name]);
        let (plain, wo, version) = (
            h.attr("trigger_token"),
            h.attr("trigger_token_wo"),
            h.attr("trigger_token_wo_version"),
        );
        // unknown values (module inputs at validate) are neither set nor unset yet
        let set = |v: &Value| !v.is_null() && !v.is_unknown();
        let unset = |v: &Value| v.is_null();
        if set(plain) && set(wo) {
            diags.error_at(
                at("trigger_token"),
                "Two trigger tokens",
                "Set trigger_token_wo (Terraform 1.11+, never stored) or trigger_token, not both.",
            );
        } else if unset(plain) && unset(wo) {
            diags.error_at(
                at("trigger_token_wo"),
                "Missing trigger token",
                "on_approval needs the project's pipeline trigger token: trigger_token_wo \
                 (Terraform 1.11+, never stored in the state; pair it with \
                 trigger_token_wo_version) or trigger_token (sensitive, stored in the state).",
            );
        }
        if set(version) && set(plain) {
            diags.error_at(
                at("trigger_token_wo_version"),
                "Version without a write-only token",
                "trigger_token_wo_version tells when trigger_token_wo changed; with \
                 trigger_token, Terraform sees a change itself. Remove it, or move the token \
                 to trigger_token_wo.",
            );
        }
    }
    if let Value::Map(vars) = h.attr("variables") {
        for k in vars.keys() {
            let path = AttrPath::attrs(["on_approval", "variables"]).key(k);
            if HOOK_VARIABLES.iter().any(|(name, _, _)| name == k) {
                diags.error_at(
                    path,
                    "Reserved variable",
                    format!("{k} is always passed by the hook (the approved version's value) and cannot be set."),
                );
            } else if !GITLAB_VARIABLE_RE.is_match(k) {
                diags.error_at(
                    path,
                    "Invalid variable name",
                    format!(
                        "GitLab CI/CD variable names are 1-255 letters, digits and _; got {k:?}."
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
#[path = "on_approval_tests.rs"]
mod tests;
