//! `mlops_model_package`: one registered model version, with its approval managed in place.
//! This file is the user concept (schema, docs, timeouts); a registry backend does the work
//! ([`super::versions`]).

use std::collections::BTreeMap;
use std::time::Duration;

use mlops_framework::identity::{self, IdentityAttr, IdentitySchema};
use mlops_framework::{BackedResource, Backend, Diagnostics, Pick, TimeoutDefaults, Type};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value as Json};

use crate::clients::Clients;
use crate::validation::{CONTAINER_IMAGE, ENTITY_DESCRIPTION, GROUP_ARN_OR_NAME, S3_OR_HTTPS_URL};

/// Approval states of a model version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ApprovalStatus {
    /// Ready to deploy.
    Approved,
    /// Must not be deployed.
    Rejected,
    /// Waiting for a reviewer.
    PendingManualApproval,
}

/// Metric and baseline reports registered with the version (JSON files in S3, as written by
/// SageMaker quality checks and evaluation steps).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Metrics {
    /// Model quality statistics (e.g. an evaluation report).
    #[schemars(regex(pattern = S3_OR_HTTPS_URL), length(max = 1024))]
    pub model_quality_statistics: Option<String>,
    /// Model quality constraints.
    #[schemars(regex(pattern = S3_OR_HTTPS_URL), length(max = 1024))]
    pub model_quality_constraints: Option<String>,
    /// Data quality statistics baseline.
    #[schemars(regex(pattern = S3_OR_HTTPS_URL), length(max = 1024))]
    pub data_quality_statistics: Option<String>,
    /// Data quality constraints baseline.
    #[schemars(regex(pattern = S3_OR_HTTPS_URL), length(max = 1024))]
    pub data_quality_constraints: Option<String>,
}

/// A registered model version (SageMaker model package) in a `mlops_model_package_group`:
/// an inference image plus a model artifact, with optional metric and baseline reports.
/// `approval_status`, `approval_description` and `customer_metadata` change in place;
/// everything that defines the model itself replaces the version. Replacing an `Approved`
/// version is announced by a warning in the plan.
///
/// ## Approval: reviewers or Terraform
///
/// Leave `approval_status` out and approval belongs to people: the version is registered as
/// `PendingManualApproval`, and whatever a reviewer decides in the registry (Studio, the
/// CLI, a pipeline) is recorded in state and never changed back. An endpoint serving the
/// group's latest approved version then shows the rollout in the next plan, and nothing
/// else:
///
/// ```hcl
/// resource "mlops_model_package" "v2" {
///   model_package_group_name = mlops_model_package_group.churn.name
///   image                    = local.image
///   model_data_url           = "s3://my-ml-bucket/churn/model-v2/model.tar.gz"
///   # no approval_status: a reviewer approves v2 in the registry
/// }
/// ```
///
/// Set `approval_status` (e.g. `"Approved"`) and Terraform manages the approval: a change
/// made in the registry is shown as drift and set back by the next apply.
///
/// Import with the version's ARN:
/// `terraform import mlops_model_package.v1 arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/1`
/// (an MLflow version: `mlflow:<registered model>/<version>`, e.g. `mlflow:churn/3`).
///
/// ## MLflow
///
/// With an `mlflow` block the version is an MLflow model version of the registered model
/// `model_package_group_name` (a `mlops_model_package_group` with `mlflow {}`):
///
/// ```hcl
/// resource "mlops_model_package" "v3" {
///   model_package_group_name = mlops_model_package_group.churn.name
///   approval_status          = "Approved"
///   mlflow {
///     source = "s3://my-ml-bucket/churn/3/model"   # or runs:/<run>/model, models:/m-...
///     run_id = "0fc9634ccca44481bac4f88a3e01a0cd"
///     alias  = "champion"                          # the default
///   }
/// }
/// ```
///
/// MLflow has no approval field, so approval is mapped: `Approved` means the version holds
/// the alias (approving moves the alias to it, from whichever version held it),
/// `Rejected` means the tag `mlops:approval-status = Rejected`, and
/// `PendingManualApproval` neither; `approval_description` is the tag
/// `mlops:approval-description`. Without `approval_status`, whoever moves the alias
/// (training code, a reviewer in the MLflow UI) decides, and the state follows. Description
/// and tags change in place; `model_data_url` is set to the version's download URI. Image,
/// environment, content types, `customer_metadata` and `metrics` are SageMaker settings.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ModelPackageState {
    /// Name or ARN of the group to register the version in.
    #[schemars(regex(pattern = GROUP_ARN_OR_NAME), length(min = 1, max = 170))]
    #[schemars(extend("x-tf" = ["requires_replace"]))]
    pub model_package_group_name: String,

    /// Inference container image URI (e.g. an ECR image). Required on SageMaker.
    #[schemars(regex(pattern = CONTAINER_IMAGE), length(min = 1, max = 255))]
    #[schemars(extend("x-tf" = ["requires_replace"]))]
    pub image: Option<String>,

    /// Location of the model artifact (`s3://bucket/path/model.tar.gz`). Required on
    /// SageMaker; with `mlflow`, set by the provider to where MLflow keeps the version's
    /// files (its download URI).
    #[schemars(regex(pattern = S3_OR_HTTPS_URL), length(max = 1024))]
    #[schemars(extend("x-tf" = ["requires_replace", "optional_computed", "use_state_for_unknown"]))]
    pub model_data_url: Option<String>,

    /// Environment variables of the inference container.
    #[schemars(extend("x-tf" = ["requires_replace"]), length(max = 100))]
    pub environment: Option<BTreeMap<String, String>>,

    /// MIME types the model accepts, e.g. `["text/csv"]`.
    #[schemars(extend("x-tf" = ["requires_replace"]))]
    pub supported_content_types: Option<Vec<String>>,

    /// MIME types the model answers with.
    #[schemars(extend("x-tf" = ["requires_replace"]))]
    pub supported_response_mime_types: Option<Vec<String>>,

    /// Description of the version. SageMaker cannot change it (a change replaces the
    /// version); MLflow changes it in place.
    #[schemars(regex(pattern = ENTITY_DESCRIPTION), length(max = 1024))]
    pub description: Option<String>,

    /// Approval state: `Approved`, `Rejected` or `PendingManualApproval`. Changes in place.
    /// When not set, reviewers own the approval: new versions start as
    /// `PendingManualApproval` and the registry's state is recorded, never changed.
    #[schemars(extend("x-tf" = ["optional_computed", "use_state_for_unknown"]))]
    pub approval_status: Option<ApprovalStatus>,

    /// Why the version was approved or rejected. Changes in place. When not set, the
    /// registry's text (a reviewer's) is recorded, never changed.
    #[schemars(length(max = 1024))]
    #[schemars(extend("x-tf" = ["optional_computed", "use_state_for_unknown"]))]
    pub approval_description: Option<String>,

    /// Free-form key/value metadata of the version (e.g. git commit, dataset). Changes in place.
    #[schemars(length(max = 50))]
    pub customer_metadata: Option<BTreeMap<String, String>>,

    /// Metric and baseline reports.
    #[schemars(extend("x-tf" = ["block", "requires_replace"]))]
    pub metrics: Option<Metrics>,

    /// Tags of the version. Provider `default_tags` are added.
    pub tags: Option<BTreeMap<String, String>>,

    /// All tags, including the provider's `default_tags`.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub tags_all: Option<BTreeMap<String, String>>,

    /// ARN of the version.
    #[schemars(extend("x-tf" = ["computed", "use_state_for_unknown"]))]
    pub arn: Option<String>,

    /// Version number within the group (1, 2, ...).
    #[schemars(extend("x-tf" = ["computed", "use_state_for_unknown"]))]
    pub version: Option<i64>,

    /// When the version was registered (RFC 3339).
    #[schemars(extend("x-tf" = ["computed", "use_state_for_unknown"]))]
    pub created_time: Option<String>,

    /// Register the version in MLflow instead of SageMaker: a model version of the
    /// registered model `model_package_group_name` on the provider's tracking server.
    /// Adding or removing the block replaces the version.
    #[schemars(extend("x-tf" = ["block"]))]
    pub mlflow: Option<MlflowVersion>,
}

/// A model version in MLflow. Its approval is an alias (see the resource description).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MlflowVersion {
    /// Where the model's files are, as MLflow's `source`: e.g. `s3://bucket/churn/model`,
    /// `runs:/<run_id>/model` or `models:/m-<id>` (a logged model). Changing it replaces
    /// the version.
    #[schemars(length(min = 1, max = 1024), regex(pattern = r"^\S+$"))]
    #[schemars(extend("x-tf" = ["requires_replace"]))]
    pub source: String,

    /// ID of the MLflow run that produced the model (links the version to its training
    /// run). Changing it replaces the version.
    #[schemars(length(max = 64), regex(pattern = r"^[A-Za-z0-9]+$"))]
    #[schemars(extend("x-tf" = ["requires_replace"]))]
    pub run_id: Option<String>,

    /// The alias an `Approved` version holds (default `champion`): approving the version
    /// points the alias at it, so serving code loading `models:/<name>@champion` gets it.
    /// Letters, digits, `_` and `-`; `latest` and `v<number>` are reserved by MLflow.
    #[schemars(regex(pattern = r"^[\w-]+$"), length(min = 1, max = 255))]
    #[schemars(extend("x-tf-default" = "champion"))]
    pub alias: Option<String>,

    /// The version's page in the MLflow UI.
    #[schemars(extend("x-tf" = ["computed", "use_state_for_unknown"]))]
    pub ui_url: Option<String>,
}

/// A note for a configuration that explains an approval without deciding it.
pub(crate) fn warn_description_without_status(
    config: &mlops_framework::Value,
    diags: &mut mlops_framework::Diagnostics,
) {
    let desc = config.attr("approval_description");
    let status = config.attr("approval_status");
    if desc.as_str().is_some_and(|s| !s.is_empty()) && status.is_null() {
        diags.push(
            mlops_framework::Diagnostic::warning(
                "Approval description without approval status",
                "approval_description explains an approval decision; the version stays PendingManualApproval unless approval_status is set.",
            )
            .at(mlops_framework::AttrPath::attr("approval_description")),
        );
    }
}

/// The resource.
pub struct ModelPackage;

impl BackedResource for ModelPackage {
    type Client = Clients;
    type State = ModelPackageState;
    const TYPE_NAME: &'static str = "mlops_model_package";

    fn timeouts(&self) -> TimeoutDefaults {
        TimeoutDefaults {
            create: Some(Duration::from_secs(15 * 60)),
            delete: Some(Duration::from_secs(15 * 60)),
            ..Default::default()
        }
    }

    fn backend(&self, pick: Pick<'_, Self::State>) -> &dyn Backend<Clients, ModelPackageState> {
        super::versions(match pick {
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
                    "group",
                    "The name of the version's group (for MLflow, the registered model).",
                ),
                IdentityAttr::required("version", "The version number (1, 2, ...).")
                    .of_type(Type::Number),
                IdentityAttr::optional("platform", super::PLATFORM_DOC),
            ],
        ))
    }

    fn identity(&self, s: &ModelPackageState) -> Option<Json> {
        // The group may be given by ARN: the identity names it.
        let g = &s.model_package_group_name;
        let group = g
            .rsplit_once("model-package-group/")
            .map_or(g.as_str(), |(_, n)| n);
        Some(json!({
            "group": group,
            "version": s.version?,
            "platform": super::platform_of(s.mlflow.is_some()),
        }))
    }

    fn import_id(&self, id: &Json) -> Result<String, Diagnostics> {
        let group = identity::attr(id, "group").unwrap_or_default();
        let version = id.get("version").map(Json::to_string).unwrap_or_default();
        Ok(match identity::platform(id, super::PLATFORMS)? {
            "mlflow" => format!("{}{group}/{version}", super::mlflow::IMPORT_PREFIX),
            // Resolved to the version's ARN by the SageMaker import.
            _ => format!("{group}/{version}"),
        })
    }
}
