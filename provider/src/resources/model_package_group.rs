//! `mlops_model_package_group`: a model registry group.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_sagemaker::types::ModelPackageGroupStatus;
use mlops_framework::{
    async_trait, wait_for, AttrPath, Backoff, Check, Ctx, Diagnostic, Diagnostics, Failure,
    PathStep, PlanCtx, Resource, TimeoutDefaults, Value,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::time::Duration;

use aws_sdk_eventbridge::types::{
    ApiDestinationHttpMethod, ConnectionAuthorizationType, ConnectionHttpParameters,
    ConnectionQueryStringParameter, ConnectionState, CreateConnectionApiKeyAuthRequestParameters,
    CreateConnectionAuthRequestParameters, InputTransformer, RuleState, Target,
    UpdateConnectionApiKeyAuthRequestParameters, UpdateConnectionAuthRequestParameters,
};
use regex::Regex;
use std::sync::LazyLock;

use crate::aws::{
    api_error, arn_parts, check_events_role, delete_role, delete_rule, ensure_events_role,
    error_code, events_tags, gone_check, is_missing, is_not_found, list_tags, merge_tags,
    owned_name, owned_tags, percent_decode, percent_encode, plan_tags_all, put_targets, same_json,
    sdk_tags, service_error, timestamp, update_tags, user_tags, Clients,
};
use crate::validation::{
    validate_tags, ACCOUNT_ID, ENTITY_DESCRIPTION, ENTITY_NAME, ENTITY_NAME_RE,
};

/// A model registry group (SageMaker model package group): the place where a model's
/// versions are registered, reviewed and approved. Versions are registered with
/// `mlops_model_package`; the latest approved one is found with the `mlops_model_package`
/// data source.
///
/// Import with the group name: `terraform import mlops_model_package_group.churn churn-model`.
///
/// ## GitLab pipeline on approval
///
/// `on_approval` starts a GitLab CI pipeline (e.g. a deployment) whenever a model version in
/// this group is approved:
///
/// ```hcl
/// resource "mlops_model_package_group" "churn" {
///   name = "churn-prediction"
///   on_approval {
///     project       = "ml-platform/churn-deploy"   # or the numeric project ID
///     ref           = "main"
///     trigger_token = var.gitlab_trigger_token
///     variables     = { ENVIRONMENT = "prod" }
///   }
/// }
/// ```
///
/// An EventBridge rule on `SageMaker Model Package State Change` events with
/// `ModelPackageGroupName` = this group and `ModelApprovalStatus` = `Approved` calls GitLab's
/// [pipeline trigger API](https://docs.gitlab.com/ci/triggers/) through an EventBridge
/// connection and API destination. The request is:
///
/// ```text
/// POST <gitlab_url>/api/v4/projects/<project, URL-encoded>/trigger/pipeline?token=<trigger_token>
/// Content-Type: application/json; charset=utf-8
/// X-Mlops-Source: terraform-provider-mlops
///
/// {"ref": "<ref>", "variables": {"MODEL_PACKAGE_ARN": "arn:aws:sagemaker:...:model-package/churn/3",
///   "MODEL_PACKAGE_VERSION": "3", "MODEL_PACKAGE_GROUP": "churn", "<KEY>": "<value>", ...}}
/// ```
///
/// GitLab reads `token` from the query string and `ref` and `variables` (the JSON form of
/// `variables[KEY]=value`) from the body. The token is stored only in the EventBridge
/// connection, as a secret query parameter (EventBridge keeps it in AWS Secrets Manager);
/// the connection's required API-key header is the fixed, non-secret
/// `X-Mlops-Source: terraform-provider-mlops`, which GitLab ignores. The rule's target uses
/// an IAM role that may only call `events:InvokeApiDestination` on this API destination.
///
/// The rule, connection, API destination and role are all named
/// `mlops_<group>_on-approval` (shortened with a stable hash beyond 64 characters); the
/// role has the path `/mlops/`. Changes to `ref`, `variables`, `project`, `gitlab_url` and
/// `trigger_token` are made in place; removing the block deletes them. If one of them is
/// deleted outside Terraform, the next plan re-creates the block. The event fires on every
/// state change of an approved version (e.g. a metadata update too). Importing a group
/// restores this block except `trigger_token`, which cannot be read back: the first apply
/// after an import sets it (an in-place update).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ModelPackageGroupState {
    /// Name of the group: 1-63 letters, digits and hyphens, starting and ending with a letter
    /// or digit. Changing it replaces the group.
    #[schemars(regex(pattern = ENTITY_NAME), length(min = 1, max = 63))]
    #[schemars(extend("x-tf" = ["requires_replace"]))]
    pub name: String,

    /// What the group holds. SageMaker cannot change a group's description, so a change
    /// replaces the group (which needs `force_destroy` when it holds versions).
    #[schemars(regex(pattern = ENTITY_DESCRIPTION), length(max = 1024))]
    #[schemars(extend("x-tf" = ["requires_replace"]))]
    pub description: Option<String>,

    /// AWS account IDs (12 digits) allowed to read this group's versions and deploy them,
    /// e.g. a production account. Realised as the group's resource policy.
    #[schemars(inner(regex(pattern = ACCOUNT_ID)), length(max = 100))]
    pub shared_with_accounts: Option<BTreeSet<String>>,

    /// Delete every model version in the group when the group is destroyed. Without it,
    /// destroying a group that still holds versions fails and deletes nothing.
    #[schemars(extend("x-tf-default" = false))]
    pub force_destroy: Option<bool>,

    /// Tags of the group. Provider `default_tags` are added; these win on conflicts.
    pub tags: Option<BTreeMap<String, String>>,

    /// All tags of the group, including the provider's `default_tags`.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub tags_all: Option<BTreeMap<String, String>>,

    /// ARN of the group.
    #[schemars(extend("x-tf" = ["computed", "use_state_for_unknown"]))]
    pub arn: Option<String>,

    /// When the group was created (RFC 3339).
    #[schemars(extend("x-tf" = ["computed", "use_state_for_unknown"]))]
    pub created_time: Option<String>,

    /// The group's resource policy as JSON (from `shared_with_accounts`), or null.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub resource_policy: Option<String>,

    /// Start a GitLab CI pipeline whenever a version in this group is approved.
    #[schemars(extend("x-tf" = ["block"]))]
    pub on_approval: Option<OnApproval>,
}

/// A GitLab pipeline started when a version of the group is approved (see the resource
/// description for the request it sends).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct OnApproval {
    /// Base URL of the GitLab instance (https).
    #[schemars(regex(pattern = r"^https://[A-Za-z0-9.\-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~\-/]*)?$"))]
    #[schemars(length(max = 1000))]
    #[schemars(extend("x-tf-default" = "https://gitlab.com"))]
    pub gitlab_url: Option<String>,

    /// The GitLab project: its numeric ID (e.g. `4711`) or its path (e.g.
    /// `ml-platform/churn-deploy`; URL-encoded into the request path).
    #[schemars(regex(pattern = r"^([0-9]+|[A-Za-z0-9_.\-]+(/[A-Za-z0-9_.\-]+)+)$"))]
    #[schemars(length(max = 500))]
    pub project: String,

    /// Branch or tag to run the pipeline for, e.g. `main`.
    #[serde(rename = "ref")]
    #[schemars(regex(pattern = r"^\S+$"), length(min = 1, max = 255))]
    pub git_ref: String,

    /// The project's pipeline trigger token (Settings > CI/CD > Pipeline trigger tokens).
    /// Never logged; stored in the EventBridge connection and (like every sensitive value)
    /// in the Terraform state. Changing it updates the connection in place.
    #[schemars(extend("x-tf" = ["sensitive"]), length(min = 1, max = 512))]
    pub trigger_token: String,

    /// Extra CI/CD variables for the pipeline (name to value). `MODEL_PACKAGE_ARN`,
    /// `MODEL_PACKAGE_VERSION` and `MODEL_PACKAGE_GROUP` are always passed with the approved
    /// version's ARN, version number and group name, and cannot be set here.
    pub variables: Option<BTreeMap<String, String>>,

    /// ARN of the EventBridge rule.
    #[schemars(extend("x-tf" = ["computed", "use_state_for_unknown"]))]
    pub rule_arn: Option<String>,

    /// ARN of the EventBridge connection holding the token.
    #[schemars(extend("x-tf" = ["computed", "use_state_for_unknown"]))]
    pub connection_arn: Option<String>,

    /// ARN of the EventBridge API destination (the GitLab trigger endpoint).
    #[schemars(extend("x-tf" = ["computed", "use_state_for_unknown"]))]
    pub api_destination_arn: Option<String>,

    /// ARN of the IAM role the rule uses to call the API destination.
    #[schemars(extend("x-tf" = ["computed", "use_state_for_unknown"]))]
    pub role_arn: Option<String>,
}

/// The resource.
pub struct ModelPackageGroup;

// ------------------------------------------------------------------ on_approval (GitLab hook)

/// Private-state flag set by import: the next read looks for the group's hook.
const DISCOVER_HOOK: &str = "discover_on_approval";
/// Tag naming the group an owned object belongs to.
const GROUP_TAG: &str = "mlops:model-package-group";
const HOOK_TARGET: &str = "gitlab";
const HOOK_POLICY: &str = "invoke-api-destination";
const HOOK_HEADER: &str = "X-Mlops-Source";
const HOOK_HEADER_VALUE: &str = "terraform-provider-mlops";
const DEFAULT_GITLAB: &str = "https://gitlab.com";
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
                .value(&h.trigger_token)
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

fn ev_err<E, R>(
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
        Err(e) => Err(ev_err("CreateConnection", name, &e)),
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
        .map_err(|e| ev_err("UpdateConnection", name, &e))?;
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
        Err(e) => Err(ev_err("CreateApiDestination", name, &e)),
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
        .map_err(|e| ev_err("UpdateApiDestination", name, &e))?;
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
                .map_err(|e| ev_err("DescribeConnection", name, &e))?;
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
async fn ensure_hook(
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
            if prior.is_some_and(|p| p.trigger_token != want.trigger_token) {
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
            .map_err(|e| (Some(cur.clone()), ev_err("PutRule", &name, &e)))?;
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
        put_targets(c, &name, vec![target])
            .await
            .map_err(|d| (Some(cur.clone()), d))?;
    }
    cur.git_ref = want.git_ref.clone();
    cur.variables = want.variables.clone();
    Ok(cur)
}

/// The hook without what the provider computes.
fn hook_inputs(h: &OnApproval) -> OnApproval {
    OnApproval {
        gitlab_url: Some(gitlab_base(h)),
        variables: h.variables.clone().filter(|v| !v.is_empty()),
        rule_arn: None,
        connection_arn: None,
        api_destination_arn: None,
        role_arn: None,
        ..h.clone()
    }
}

/// Delete a group's hook (idempotent).
async fn delete_hook(c: &Clients, group: &str) -> Result<(), Diagnostics> {
    let name = hook_name(group);
    delete_rule(c, &name).await?;
    match c.events.delete_api_destination().name(&name).send().await {
        Ok(_) => tracing::info!(api_destination = %name, "EventBridge API destination deleted"),
        Err(e) if is_missing(&e) => {}
        Err(e) => return Err(ev_err("DeleteApiDestination", &name, &e)),
    }
    match c.events.delete_connection().name(&name).send().await {
        Ok(_) => tracing::info!(connection = %name, "EventBridge connection deleted"),
        Err(e) if is_missing(&e) => {}
        Err(e) => return Err(ev_err("DeleteConnection", &name, &e)),
    }
    delete_role(c, &name).await
}

/// The hook as it is remotely; `None` when a part of it is gone (the plan re-creates it).
/// The token cannot be read back: `current`'s is kept.
async fn read_hook(
    c: &Clients,
    group: &str,
    group_arn: &str,
    current: &OnApproval,
) -> Result<Option<OnApproval>, Diagnostics> {
    let name = hook_name(group);
    let rule = match c.events.describe_rule().name(&name).send().await {
        Ok(r) => r,
        Err(e) if is_missing(&e) => return Ok(None),
        Err(e) => return Err(ev_err("DescribeRule", &name, &e)),
    };
    let targets = match c.events.list_targets_by_rule().rule(&name).send().await {
        Ok(t) => t,
        Err(e) if is_missing(&e) => return Ok(None),
        Err(e) => return Err(ev_err("ListTargetsByRule", &name, &e)),
    };
    let Some(target) = targets.targets().iter().find(|t| t.id() == HOOK_TARGET) else {
        return Ok(None);
    };
    let connection = match c.events.describe_connection().name(&name).send().await {
        Ok(x) => x,
        Err(e) if is_missing(&e) => return Ok(None),
        Err(e) => return Err(ev_err("DescribeConnection", &name, &e)),
    };
    let destination = match c.events.describe_api_destination().name(&name).send().await {
        Ok(x) => x,
        Err(e) if is_missing(&e) => return Ok(None),
        Err(e) => return Err(ev_err("DescribeApiDestination", &name, &e)),
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
fn validate_hook(config: &Value, diags: &mut Diagnostics) {
    let h = config.attr("on_approval");
    if let Value::Map(vars) = h.attr("variables") {
        for k in vars.keys() {
            let path =
                AttrPath::attrs(["on_approval", "variables"]).child(PathStep::Key(k.clone()));
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

/// Model package ARNs name the group in lower case.
fn policy_for(group_arn: &str, name: &str, accounts: &BTreeSet<String>) -> Option<String> {
    if accounts.is_empty() {
        return None;
    }
    // arn:<partition>:sagemaker:<region>:<account>:model-package-group/<name>
    let parts: Vec<&str> = group_arn.splitn(6, ':').collect();
    let (partition, region, owner) = (parts.get(1)?, parts.get(3)?, parts.get(4)?);
    let principals: Vec<String> = accounts
        .iter()
        .map(|a| format!("arn:{partition}:iam::{a}:root"))
        .collect();
    let packages = format!(
        "arn:{partition}:sagemaker:{region}:{owner}:model-package/{}/*",
        name.to_ascii_lowercase()
    );
    let doc = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "MlopsSharedGroupRead",
                "Effect": "Allow",
                "Principal": {"AWS": principals},
                "Action": ["sagemaker:DescribeModelPackageGroup"],
                "Resource": group_arn,
            },
            {
                "Sid": "MlopsSharedVersionsReadDeploy",
                "Effect": "Allow",
                "Principal": {"AWS": principals},
                "Action": [
                    "sagemaker:DescribeModelPackage",
                    "sagemaker:ListModelPackages",
                    "sagemaker:CreateModel"
                ],
                "Resource": packages,
            }
        ]
    });
    serde_json::to_string(&doc).ok()
}

/// Account IDs named as principals in Allow statements of a policy document.
fn accounts_in_policy(policy: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let Ok(doc) = serde_json::from_str::<serde_json::Value>(policy) else {
        return out;
    };
    let stmts = match doc.get("Statement") {
        Some(serde_json::Value::Array(a)) => a.clone(),
        Some(s) => vec![s.clone()],
        None => vec![],
    };
    for s in stmts {
        if s.get("Effect").and_then(|e| e.as_str()) != Some("Allow") {
            continue;
        }
        let p = s.get("Principal").and_then(|p| p.get("AWS")).cloned();
        let list = match p {
            Some(serde_json::Value::String(x)) => vec![x],
            Some(serde_json::Value::Array(a)) => a
                .into_iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect(),
            _ => vec![],
        };
        for p in list {
            // "123456789012" or "arn:aws:iam::123456789012:root"
            let id = p.split(':').nth(4).unwrap_or(&p).to_string();
            if id.len() == 12 && id.chars().all(|c| c.is_ascii_digit()) {
                out.insert(id);
            }
        }
    }
    out
}

impl ModelPackageGroup {
    /// Read the group as it is remotely; `None` when it does not exist.
    async fn read_remote(
        &self,
        c: &Clients,
        prior: &ModelPackageGroupState,
    ) -> Result<Option<ModelPackageGroupState>, Diagnostics> {
        let sm = &c.sagemaker;
        let d = match sm
            .describe_model_package_group()
            .model_package_group_name(&prior.name)
            .send()
            .await
        {
            Ok(d) => d,
            Err(e) if is_not_found(&e) => return Ok(None),
            Err(e) => return Err(api_error("DescribeModelPackageGroup", &prior.name, &e).into()),
        };
        if matches!(
            d.model_package_group_status(),
            Some(ModelPackageGroupStatus::Deleting)
        ) {
            return Ok(None);
        }
        let arn = d.model_package_group_arn().unwrap_or_default().to_string();
        let remote_tags = list_tags(sm, &arn).await?;
        let policy = match sm
            .get_model_package_group_policy()
            .model_package_group_name(&prior.name)
            .send()
            .await
        {
            Ok(p) => p.resource_policy().map(String::from),
            Err(e) if is_not_found(&e) || error_code(&e) == Some("ResourceNotFound") => None,
            Err(e) => return Err(api_error("GetModelPackageGroupPolicy", &prior.name, &e).into()),
        };
        let accounts = policy
            .as_deref()
            .map(accounts_in_policy)
            .unwrap_or_default();
        let description = d
            .model_package_group_description()
            .filter(|s| !s.is_empty())
            .map(String::from);
        Ok(Some(ModelPackageGroupState {
            name: d
                .model_package_group_name()
                .unwrap_or(&prior.name)
                .to_string(),
            // keep the user's "" spelling when SageMaker returns nothing
            description: match (&prior.description, description) {
                (Some(p), None) if p.is_empty() => Some(String::new()),
                (_, d) => d,
            },
            shared_with_accounts: if accounts.is_empty() && prior.shared_with_accounts.is_none() {
                None
            } else {
                Some(accounts)
            },
            force_destroy: Some(prior.force_destroy.unwrap_or(false)),
            tags: user_tags(&remote_tags, &c.default_tags, prior.tags.as_ref()),
            tags_all: Some(remote_tags),
            arn: Some(arn),
            created_time: timestamp(d.creation_time()),
            resource_policy: policy,
            on_approval: prior.on_approval.clone(),
        }))
    }

    async fn put_policy(
        &self,
        c: &Clients,
        name: &str,
        arn: &str,
        accounts: &BTreeSet<String>,
    ) -> Result<(), Diagnostics> {
        let sm = &c.sagemaker;
        match policy_for(arn, name, accounts) {
            Some(policy) => sm
                .put_model_package_group_policy()
                .model_package_group_name(name)
                .resource_policy(policy)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| api_error("PutModelPackageGroupPolicy", name, &e).into()),
            None => match sm
                .delete_model_package_group_policy()
                .model_package_group_name(name)
                .send()
                .await
            {
                Ok(_) => Ok(()),
                Err(e) if is_not_found(&e) || error_code(&e) == Some("ResourceNotFound") => Ok(()),
                Err(e) => Err(api_error("DeleteModelPackageGroupPolicy", name, &e).into()),
            },
        }
    }

    /// ARNs of all versions in the group.
    async fn versions(&self, c: &Clients, name: &str) -> Result<Vec<String>, Diagnostics> {
        let mut out = Vec::new();
        let mut token = None;
        loop {
            let resp = c
                .sagemaker
                .list_model_packages()
                .model_package_group_name(name)
                .model_package_type(aws_sdk_sagemaker::types::ModelPackageType::Both)
                .max_results(100)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| Diagnostics::from(api_error("ListModelPackages", name, &e)))?;
            out.extend(
                resp.model_package_summary_list()
                    .iter()
                    .filter_map(|s| s.model_package_arn().map(String::from)),
            );
            match resp.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => break,
            }
        }
        Ok(out)
    }
}

#[async_trait]
impl Resource for ModelPackageGroup {
    type Client = Clients;
    type State = ModelPackageGroupState;
    const TYPE_NAME: &'static str = "mlops_model_package_group";

    fn timeouts(&self) -> TimeoutDefaults {
        TimeoutDefaults {
            create: Some(Duration::from_secs(10 * 60)),
            delete: Some(Duration::from_secs(30 * 60)),
            ..Default::default()
        }
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        validate_tags(config, "tags", diags);
        validate_hook(config, diags);
    }

    fn modify_plan(&self, mut plan: PlanCtx<'_, Clients>) {
        plan_tags_all(&mut plan);
        // The policy text follows shared_with_accounts: known when unchanged.
        if !plan.prior.is_null()
            && plan
                .prior
                .attr("shared_with_accounts")
                .semantic_eq(plan.planned.attr("shared_with_accounts"))
        {
            let prior_policy = plan.prior.attr("resource_policy").clone();
            if let Some(o) = plan.planned.as_object_mut() {
                o.insert("resource_policy".into(), prior_policy);
            }
        }
    }

    async fn create(
        &self,
        ctx: &mut Ctx<Clients>,
        planned: ModelPackageGroupState,
    ) -> Result<ModelPackageGroupState, Failure<ModelPackageGroupState>> {
        let c = ctx.client.clone();
        let sm = &c.sagemaker;
        let name = planned.name.clone();
        let tags_all = merge_tags(&c.default_tags, planned.tags.as_ref());
        let resp = sm
            .create_model_package_group()
            .model_package_group_name(&name)
            .set_model_package_group_description(planned.description.clone())
            .set_tags(sdk_tags(&tags_all))
            .send()
            .await
            .map_err(|e| Failure::new(api_error("CreateModelPackageGroup", &name, &e)))?;
        let arn = resp
            .model_package_group_arn()
            .unwrap_or_default()
            .to_string();
        tracing::info!(name = %name, arn = %arn, "model package group created");
        // From here on the group exists: failures keep it in state (tainted).
        let partial = ModelPackageGroupState {
            arn: Some(arn.clone()),
            tags_all: Some(tags_all),
            ..planned.clone()
        };
        let fail = |d: Diagnostics| Failure::with_partial(partial.clone(), d);
        wait_for(
            &format!("model package group {name} to be ready"),
            ctx.timeout,
            &ctx.cancel,
            Backoff::default(),
            || async {
                let d = sm
                    .describe_model_package_group()
                    .model_package_group_name(&name)
                    .send()
                    .await
                    .map_err(|e| {
                        Diagnostics::from(api_error("DescribeModelPackageGroup", &name, &e))
                    })?;
                match d.model_package_group_status() {
                    Some(ModelPackageGroupStatus::Completed) | None => Ok(Check::Done(())),
                    Some(ModelPackageGroupStatus::Failed) => Err(Diagnostic::error(
                        "Model package group creation failed",
                        format!("SageMaker reports group {name} as Failed."),
                    )
                    .into()),
                    Some(s) => Ok(Check::Pending(s.as_str().to_string())),
                }
            },
        )
        .await
        .map_err(fail)?;
        if let Some(accts) = planned
            .shared_with_accounts
            .as_ref()
            .filter(|a| !a.is_empty())
        {
            self.put_policy(&c, &name, &arn, accts)
                .await
                .map_err(fail)?;
        }
        let hook = match &planned.on_approval {
            Some(want) => match ensure_hook(ctx, &name, &arn, None, want).await {
                Ok(h) => Some(h),
                Err((h, d)) => {
                    return Err(Failure::with_partial(
                        ModelPackageGroupState {
                            on_approval: h,
                            ..partial.clone()
                        },
                        d,
                    ))
                }
            },
            None => None,
        };
        let with_hook = ModelPackageGroupState {
            on_approval: hook.clone(),
            ..partial.clone()
        };
        let fail = |d: Diagnostics| Failure::with_partial(with_hook.clone(), d);
        let read = self.read_remote(&c, &planned).await.map(|s| {
            s.map(|s| ModelPackageGroupState {
                on_approval: hook,
                ..s
            })
        });
        Failure::read_back(
            read,
            || {
                Diagnostic::error(
                    "Model package group vanished",
                    format!("Group {name} was created but could not be read back."),
                )
            },
            fail,
        )
    }

    async fn read(
        &self,
        ctx: &mut Ctx<Clients>,
        current: ModelPackageGroupState,
    ) -> Result<Option<ModelPackageGroupState>, Diagnostics> {
        let c = ctx.client.clone();
        let discover = ctx.private.remove(DISCOVER_HOOK).is_some();
        let Some(mut s) = self.read_remote(&c, &current).await? else {
            tracing::info!(name = %current.name, "model package group is gone; removing it from state");
            return Ok(None);
        };
        let arn = s.arn.clone().unwrap_or_default();
        s.on_approval = match &current.on_approval {
            Some(h) => {
                let h = read_hook(&c, &s.name, &arn, h).await?;
                if h.is_none() {
                    tracing::info!(name = %s.name, "a part of the on_approval hook is gone; the plan re-creates it");
                }
                h
            }
            None if discover => {
                // import: restore the hook, all but its token
                let blank = OnApproval {
                    gitlab_url: Some(DEFAULT_GITLAB.into()),
                    project: String::new(),
                    git_ref: String::new(),
                    trigger_token: String::new(),
                    variables: None,
                    rule_arn: None,
                    connection_arn: None,
                    api_destination_arn: None,
                    role_arn: None,
                };
                match read_hook(&c, &s.name, &arn, &blank).await {
                    Ok(h) => h,
                    Err(d) => {
                        tracing::warn!(name = %s.name, error = ?d.0.first().map(|x| &x.detail), "could not look for an on_approval hook");
                        None
                    }
                }
            }
            None => None,
        };
        Ok(Some(s))
    }

    async fn update(
        &self,
        ctx: &mut Ctx<Clients>,
        prior: ModelPackageGroupState,
        planned: ModelPackageGroupState,
    ) -> Result<ModelPackageGroupState, Failure<ModelPackageGroupState>> {
        let c = ctx.client.clone();
        let arn = prior.arn.clone().unwrap_or_default();
        let keep = |d: Diagnostics| Failure::with_partial(prior.clone(), d);
        let want = merge_tags(&c.default_tags, planned.tags.as_ref());
        let have = prior.tags_all.clone().unwrap_or_default();
        if want != have {
            update_tags(&c.sagemaker, &arn, &have, &want)
                .await
                .map_err(keep)?;
        }
        let want_accts = planned.shared_with_accounts.clone().unwrap_or_default();
        let have_accts = prior.shared_with_accounts.clone().unwrap_or_default();
        if want_accts != have_accts || (want_accts.is_empty() && prior.resource_policy.is_some()) {
            self.put_policy(&c, &planned.name, &arn, &want_accts)
                .await
                .map_err(keep)?;
        }
        let hook = match (&prior.on_approval, &planned.on_approval) {
            (Some(_), None) => {
                delete_hook(&c, &planned.name).await.map_err(keep)?;
                tracing::info!(name = %planned.name, "on_approval hook removed");
                None
            }
            (None, None) => None,
            (before, Some(want)) => {
                let unchanged = before
                    .as_ref()
                    .is_some_and(|b| hook_inputs(b) == hook_inputs(want) && b.rule_arn.is_some());
                if unchanged {
                    before.clone()
                } else {
                    match ensure_hook(ctx, &planned.name, &arn, before.as_ref(), want).await {
                        Ok(h) => Some(h),
                        Err((h, d)) => {
                            return Err(Failure::with_partial(
                                ModelPackageGroupState {
                                    on_approval: h,
                                    ..prior.clone()
                                },
                                d,
                            ))
                        }
                    }
                }
            }
        };
        match self.read_remote(&c, &planned).await {
            Ok(Some(s)) => Ok(ModelPackageGroupState {
                on_approval: hook,
                ..s
            }),
            Ok(None) => Err(Failure::new(Diagnostic::error(
                "Model package group vanished",
                format!("Group {} disappeared during the update.", planned.name),
            ))),
            Err(d) => Err(Failure::with_partial(
                ModelPackageGroupState {
                    on_approval: hook,
                    ..prior.clone()
                },
                d,
            )),
        }
    }

    async fn delete(
        &self,
        ctx: &mut Ctx<Clients>,
        current: ModelPackageGroupState,
    ) -> Result<(), Diagnostics> {
        let c = ctx.client.clone();
        let sm = &c.sagemaker;
        let name = current.name.clone();
        let versions = self.versions(&c, &name).await?;
        if !versions.is_empty() {
            if current.force_destroy != Some(true) {
                let shown: Vec<&str> = versions
                    .iter()
                    .take(5)
                    .map(|a| a.rsplit('/').next().unwrap_or(a))
                    .collect();
                return Err(Diagnostic::error(
                    "Model package group is not empty",
                    format!(
                        "Group {name} still holds {} model version(s) (versions {}{}). Nothing was deleted. Set force_destroy = true and apply to delete the versions with the group, or delete the versions first.",
                        versions.len(),
                        shown.join(", "),
                        if versions.len() > 5 { ", ..." } else { "" }
                    ),
                )
                .at(AttrPath::attr("force_destroy"))
                .into());
            }
            tracing::info!(name = %name, count = versions.len(), "force_destroy: deleting model versions");
            for arn in &versions {
                match sm
                    .delete_model_package()
                    .model_package_name(arn)
                    .send()
                    .await
                {
                    Ok(_) => {}
                    Err(e) if is_not_found(&e) => {}
                    Err(e) => return Err(api_error("DeleteModelPackage", arn, &e).into()),
                }
            }
        }
        if current.on_approval.is_some() {
            delete_hook(&c, &name).await?;
        }
        wait_for(
            &format!("model package group {name} to be deleted"),
            ctx.timeout,
            &ctx.cancel,
            Backoff::default(),
            || async {
                match sm
                    .delete_model_package_group()
                    .model_package_group_name(&name)
                    .send()
                    .await
                {
                    Ok(_) => {}
                    Err(e) if is_not_found(&e) => return Ok(Check::Done(())),
                    // versions still being deleted
                    Err(e) if error_code(&e) == Some("ConflictException") => {
                        return Ok(Check::Pending(
                            "waiting for its versions to be deleted".into(),
                        ))
                    }
                    Err(e) => return Err(api_error("DeleteModelPackageGroup", &name, &e).into()),
                }
                gone_check(
                    "DescribeModelPackageGroup",
                    &name,
                    sm.describe_model_package_group()
                        .model_package_group_name(&name)
                        .send()
                        .await,
                    |d| {
                        d.model_package_group_status()
                            .map(|s| s.as_str().to_string())
                    },
                )
            },
        )
        .await
    }

    async fn import(
        &self,
        ctx: &mut Ctx<Clients>,
        id: &str,
    ) -> Result<ModelPackageGroupState, Diagnostics> {
        if !(1..=63).contains(&id.len()) || !ENTITY_NAME_RE.is_match(id) {
            return Err(Diagnostic::error(
                "Invalid import ID",
                format!("Import a model package group by its name (1-63 letters, digits and hyphens); got {id:?}."),
            )
            .into());
        }
        // the next read looks for an on_approval hook of this group
        ctx.private
            .insert(DISCOVER_HOOK.into(), serde_json::Value::Bool(true));
        Ok(ModelPackageGroupState {
            name: id.to_string(),
            description: None,
            shared_with_accounts: None,
            force_destroy: Some(false),
            tags: None,
            tags_all: None,
            arn: None,
            created_time: None,
            resource_policy: None,
            on_approval: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_round_trip() {
        let accts: BTreeSet<String> = ["111111111111", "222222222222"]
            .into_iter()
            .map(String::from)
            .collect();
        let p = policy_for(
            "arn:aws:sagemaker:eu-west-1:123456789012:model-package-group/Churn",
            "Churn",
            &accts,
        )
        .unwrap();
        assert!(p.contains("model-package/churn/*"));
        assert!(p.contains("arn:aws:iam::111111111111:root"));
        assert_eq!(accounts_in_policy(&p), accts);
        assert!(policy_for("arn:aws:x", "n", &BTreeSet::new()).is_none());
    }

    fn hook(url: Option<&str>, project: &str) -> OnApproval {
        OnApproval {
            gitlab_url: url.map(String::from),
            project: project.into(),
            git_ref: "main".into(),
            trigger_token: "glptt-secret".into(),
            variables: Some(
                [("ENV".to_string(), "prod \"x\"".to_string())]
                    .into_iter()
                    .collect(),
            ),
            rule_arn: None,
            connection_arn: None,
            api_destination_arn: None,
            role_arn: None,
        }
    }

    #[test]
    fn hook_endpoint_round_trip() {
        let h = hook(None, "ml-platform/churn deploy");
        let e = hook_endpoint(&h);
        assert_eq!(
            e,
            "https://gitlab.com/api/v4/projects/ml-platform%2Fchurn%20deploy/trigger/pipeline"
        );
        assert_eq!(
            parse_endpoint(&e),
            Some((
                "https://gitlab.com".into(),
                "ml-platform/churn deploy".into()
            ))
        );
        // a trailing slash is the same GitLab
        let slash = hook(Some("https://gitlab.example.com/"), "4711");
        assert_eq!(
            hook_endpoint(&slash),
            "https://gitlab.example.com/api/v4/projects/4711/trigger/pipeline"
        );
        assert_eq!(
            hook_inputs(&slash),
            hook_inputs(&hook(Some("https://gitlab.example.com"), "4711"))
        );
        assert_eq!(parse_endpoint("https://example.com/hook"), None);
    }

    #[test]
    fn hook_body_round_trip() {
        let h = hook(None, "1");
        let body = hook_body(&h);
        let j: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(j["ref"], "main");
        assert_eq!(j["variables"]["MODEL_PACKAGE_ARN"], "<model_package_arn>");
        assert_eq!(
            j["variables"]["MODEL_PACKAGE_VERSION"],
            "<model_package_version>"
        );
        assert_eq!(j["variables"]["ENV"], "prod \"x\"");
        assert!(
            !body.contains("glptt"),
            "the token never goes into the body"
        );
        let (r, vars) = parse_body(&body).unwrap();
        assert_eq!(r, "main");
        assert_eq!(Some(vars), h.variables);
    }

    #[test]
    fn hook_names_and_policy() {
        assert_eq!(hook_name("churn"), "mlops_churn_on-approval");
        let long = "g".repeat(63);
        assert!(hook_name(&long).len() <= 64);
        assert_ne!(hook_name(&long), hook_name(&"g".repeat(62)));
        let p = hook_policy(
            "arn:aws:sagemaker:eu-west-1:123456789012:model-package-group/churn",
            "mlops_churn_on-approval",
        )
        .unwrap();
        let j: serde_json::Value = serde_json::from_str(&p).unwrap();
        assert_eq!(j["Statement"][0]["Action"], "events:InvokeApiDestination");
        assert_eq!(
            j["Statement"][0]["Resource"],
            "arn:aws:events:eu-west-1:123456789012:api-destination/mlops_churn_on-approval/*"
        );
    }

    #[test]
    fn hook_validation() {
        let cfg = Value::Object(
            [(
                "on_approval".to_string(),
                Value::Object(
                    [(
                        "variables".to_string(),
                        Value::Map(
                            [
                                ("MODEL_PACKAGE_ARN".to_string(), Value::string("x")),
                                ("bad-name".to_string(), Value::string("x")),
                                ("GOOD_1".to_string(), Value::string("x")),
                            ]
                            .into_iter()
                            .collect(),
                        ),
                    )]
                    .into_iter()
                    .collect(),
                ),
            )]
            .into_iter()
            .collect(),
        );
        let mut d = Diagnostics::new();
        validate_hook(&cfg, &mut d);
        let got: Vec<String> =
            d.0.iter()
                .map(|x| {
                    format!(
                        "{}: {}",
                        x.path.as_ref().map(|p| p.to_string()).unwrap_or_default(),
                        x.summary
                    )
                })
                .collect();
        assert_eq!(
            got,
            vec![
                "on_approval.variables[\"MODEL_PACKAGE_ARN\"]: Reserved variable".to_string(),
                "on_approval.variables[\"bad-name\"]: Invalid variable name".to_string(),
            ]
        );
    }
}
