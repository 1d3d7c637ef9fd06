//! `mlops_model_package`: one registered model version, with its approval managed in place.
//! This file is the user concept (schema, docs, timeouts); a registry backend does the work
//! ([`super::versions`]).

use std::collections::BTreeMap;
use std::time::Duration;

use mlops_framework::{BackedResource, Backend, Pick, TimeoutDefaults};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

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
/// `terraform import mlops_model_package.v1 arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/1`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ModelPackageState {
    /// Name or ARN of the group to register the version in.
    #[schemars(regex(pattern = GROUP_ARN_OR_NAME), length(min = 1, max = 170))]
    #[schemars(extend("x-tf" = ["requires_replace"]))]
    pub model_package_group_name: String,

    /// Inference container image URI (e.g. an ECR image).
    #[schemars(regex(pattern = CONTAINER_IMAGE), length(min = 1, max = 255))]
    #[schemars(extend("x-tf" = ["requires_replace"]))]
    pub image: String,

    /// Location of the model artifact (`s3://bucket/path/model.tar.gz`).
    #[schemars(regex(pattern = S3_OR_HTTPS_URL), length(max = 1024))]
    #[schemars(extend("x-tf" = ["requires_replace"]))]
    pub model_data_url: String,

    /// Environment variables of the inference container.
    #[schemars(extend("x-tf" = ["requires_replace"]), length(max = 100))]
    pub environment: Option<BTreeMap<String, String>>,

    /// MIME types the model accepts, e.g. `["text/csv"]`.
    #[schemars(extend("x-tf" = ["requires_replace"]))]
    pub supported_content_types: Option<Vec<String>>,

    /// MIME types the model answers with.
    #[schemars(extend("x-tf" = ["requires_replace"]))]
    pub supported_response_mime_types: Option<Vec<String>>,

    /// Description of the version.
    #[schemars(regex(pattern = ENTITY_DESCRIPTION), length(max = 1024))]
    #[schemars(extend("x-tf" = ["requires_replace"]))]
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

    fn backend(&self, _: Pick<'_, Self::State>) -> &dyn Backend<Clients, ModelPackageState> {
        super::versions()
    }
}
