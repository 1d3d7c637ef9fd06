//! `mlops_model_package_group`: a model registry group. This file is the user concept
//! (the schema, its docs and timeouts); a registry backend does the work
//! ([`super::groups`]).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use mlops_framework::identity::{self, IdentityAttr, IdentitySchema};
use mlops_framework::moved::MovedFrom;
use mlops_framework::{BackedResource, Backend, Diagnostics, Pick, PrivateState, TimeoutDefaults};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value as Json};

use crate::clients::Clients;
use crate::validation::{ACCOUNT_ID, ENTITY_DESCRIPTION, ENTITY_NAME};

/// A model registry group (SageMaker model package group): the place where a model's
/// versions are registered, reviewed and approved. Versions are registered with
/// `mlops_model_package`; the latest approved one is found with the `mlops_model_package`
/// data source.
///
/// Import with the group name: `terraform import mlops_model_package_group.churn churn-model`
/// (an MLflow registered model: `mlflow:churn-model`).
///
/// ## MLflow
///
/// With an `mlflow` block the group is an MLflow registered model on the provider's
/// tracking server; its versions are `mlops_model_package` resources with an `mlflow` block:
///
/// ```hcl
/// resource "mlops_model_package_group" "churn" {
///   name        = "churn-prediction"
///   description = "Churn classifier"
///   mlflow {}
/// }
/// ```
///
/// Description and tags change in place. MLflow deletes a registered model's versions with
/// it, so destroying one that still holds versions fails unless `force_destroy` is set.
/// `shared_with_accounts` and `on_approval` are SageMaker features.
///
/// ## GitLab pipeline on approval
///
/// `on_approval` starts a GitLab CI pipeline (e.g. a deployment) whenever a model version in
/// this group is approved:
///
/// ```hcl
/// variable "gitlab_trigger_token" {
///   type      = string
///   sensitive = true
///   ephemeral = true # Terraform 1.10+: in no plan or state file
/// }
///
/// resource "mlops_model_package_group" "churn" {
///   name = "churn-prediction"
///   on_approval {
///     project                  = "ml-platform/churn-deploy" # or the numeric project ID
///     ref                      = "main"
///     trigger_token_wo         = var.gitlab_trigger_token
///     trigger_token_wo_version = 1 # bump to send a rotated token
///     variables                = { ENVIRONMENT = "prod" }
///   }
/// }
/// ```
///
/// `trigger_token_wo` is write-only (Terraform 1.11+): Terraform sends it at plan and apply
/// and stores it nowhere. Older Terraform versions are refused at validate, and use
/// `trigger_token` instead: sensitive, but kept in the state.
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
/// `variables[KEY]=value`) from the body. The token is sent to the EventBridge connection,
/// as a secret query parameter (EventBridge keeps it in AWS Secrets Manager), and with
/// `trigger_token_wo` it is stored nowhere else;
/// the connection's required API-key header is the fixed, non-secret
/// `X-Mlops-Source: terraform-provider-mlops`, which GitLab ignores. The rule's target uses
/// an IAM role that may only call `events:InvokeApiDestination` on this API destination.
///
/// The rule, connection, API destination and role are all named
/// `mlops_<group>_on-approval` (shortened with a stable hash beyond 64 characters); the
/// role has the path `/mlops/`. Changes to `ref`, `variables`, `project`, `gitlab_url`,
/// `trigger_token` and `trigger_token_wo_version` are made in place; removing the block
/// deletes them. If one of them is
/// deleted outside Terraform, the next plan re-creates the block. The event fires on every
/// state change of an approved version (e.g. a metadata update too). Importing a group
/// restores this block except the token, which cannot be read back: the first apply after
/// an import sets it (an in-place update of `trigger_token` or `trigger_token_wo_version`).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ModelPackageGroupState {
    /// Name of the group: 1-63 letters, digits and hyphens, starting and ending with a letter
    /// or digit. Changing it replaces the group.
    #[schemars(regex(pattern = ENTITY_NAME), length(min = 1, max = 63))]
    #[schemars(extend("x-tf" = ["requires_replace"]))]
    pub name: String,

    /// What the group holds. SageMaker cannot change a group's description, so a change
    /// replaces a SageMaker group (which needs `force_destroy` when it holds versions); an
    /// MLflow registered model's description changes in place.
    #[schemars(regex(pattern = ENTITY_DESCRIPTION), length(max = 1024))]
    pub description: Option<String>,

    /// AWS account IDs (12 digits) allowed to read this group's versions and deploy them,
    /// e.g. a production account. Realised as the group's resource policy (SageMaker only).
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

    /// Start a GitLab CI pipeline whenever a version in this group is approved (SageMaker
    /// only).
    #[schemars(extend("x-tf" = ["block"]))]
    pub on_approval: Option<OnApproval>,

    /// Keep the group in MLflow instead of SageMaker: a registered model on the tracking
    /// server of the provider's `mlflow` block. Write `mlflow {}`; adding or removing the
    /// block replaces the group.
    #[schemars(extend("x-tf" = ["block"]))]
    pub mlflow: Option<MlflowModel>,
}

/// A registered model in MLflow.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MlflowModel {
    /// The registered model's page in the MLflow UI.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub ui_url: Option<String>,
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
    /// in the Terraform state. Changing it updates the connection in place. On Terraform
    /// 1.11 and later prefer `trigger_token_wo`, which is never stored; set one of the two.
    #[schemars(extend("x-tf" = ["sensitive"]), length(min = 1, max = 512))]
    pub trigger_token: Option<String>,

    /// The trigger token, write-only (Terraform 1.11+): sent to the EventBridge connection
    /// and never stored in the plan or the state, so it can come from an `ephemeral`
    /// variable or resource. Terraform cannot see a change of it: bump
    /// `trigger_token_wo_version` to send a rotated token.
    #[schemars(extend("x-tf" = ["sensitive", "write_only"]), length(min = 1, max = 512))]
    pub trigger_token_wo: Option<String>,

    /// Any number, stored; a change sends the current `trigger_token_wo` to the connection
    /// (in place). Only with `trigger_token_wo`.
    pub trigger_token_wo_version: Option<i64>,

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

impl BackedResource for ModelPackageGroup {
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

    fn backend(
        &self,
        pick: Pick<'_, Self::State>,
    ) -> &dyn Backend<Clients, ModelPackageGroupState> {
        super::groups(match pick {
            Pick::Value(v) => !v.attr("mlflow").is_null(),
            Pick::State(s) => s.mlflow.is_some(),
            Pick::ImportId(id) => super::in_mlflow(id),
        })
    }

    fn backend_selector(&self) -> Option<&'static str> {
        Some("mlflow")
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        Some(IdentitySchema::new(
            0,
            vec![
                IdentityAttr::required(
                    "name",
                    "The group's name (for MLflow, the registered model's name).",
                ),
                IdentityAttr::optional("platform", super::PLATFORM_DOC),
            ],
        ))
    }

    fn identity(&self, s: &ModelPackageGroupState) -> Option<Json> {
        Some(json!({"name": s.name, "platform": super::platform_of(s.mlflow.is_some())}))
    }

    fn moves_from(&self) -> &'static [&'static str] {
        &["aws_sagemaker_model_package_group"]
    }

    fn moved_from(
        &self,
        src: &MovedFrom<'_>,
    ) -> Option<Result<(ModelPackageGroupState, PrivateState), Diagnostics>> {
        src.is("aws", "aws_sagemaker_model_package_group").then(|| {
            super::sagemaker::group::import_start(src.required("model_package_group_name")?)
        })
    }

    fn import_id(&self, id: &Json) -> Result<String, Diagnostics> {
        let name = identity::attr(id, "name").unwrap_or_default();
        Ok(match identity::platform(id, super::PLATFORMS)? {
            "mlflow" => format!("{}{name}", super::mlflow::IMPORT_PREFIX),
            _ => name.to_string(),
        })
    }
}
