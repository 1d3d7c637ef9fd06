//! Data source `mlops_model_package`: the latest version of a group with a given approval
//! status (default `Approved`), or one specific version. This file is the user concept;
//! a registry backend does the lookup ([`super::lookup`]).

use std::collections::BTreeMap;

use mlops_framework::{BackedDataSource, LookupBackend, Pick};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::clients::Clients;
use crate::registry::version::{ApprovalStatus, Metrics};
use crate::validation::GROUP_ARN_OR_NAME;

/// Looks up a model version in a registry group: by default the newest `Approved` one, which
/// is what a deployment should serve. Replaces the "find the latest approved model" scripts:
///
/// ```hcl
/// data "mlops_model_package" "serving" {
///   model_package_group_name = mlops_model_package_group.churn.name
/// }
/// ```
///
/// On MLflow (an `mlflow` block), the approved version is the one holding the alias
/// (default `champion`), and `model_data_url` is where its files are:
///
/// ```hcl
/// data "mlops_model_package" "champion" {
///   model_package_group_name = "churn"
///   mlflow { alias = "champion" }
/// }
/// ```
///
/// Fails with a clear message when no version matches, unless `allow_missing` is set: then
/// `found` is `false` and the other attributes are null, so a configuration can be applied
/// before the first version is approved (e.g. `enabled = data.mlops_model_package.x.found`
/// on a trigger).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ModelPackageLookupModel {
    /// Name or ARN of the group.
    #[schemars(regex(pattern = GROUP_ARN_OR_NAME), length(min = 1, max = 170))]
    pub model_package_group_name: String,

    /// Only consider versions with this approval status. Default `Approved`.
    pub approval_status: Option<ApprovalStatus>,

    /// A specific version number instead of the newest matching one.
    #[schemars(range(min = 1))]
    pub version: Option<i64>,

    /// When no version matches (none approved yet, or the group does not exist yet), set
    /// `found = false` and leave the other attributes null instead of failing.
    #[schemars(extend("x-tf-default" = false))]
    pub allow_missing: Option<bool>,

    /// Whether a matching version was found (always `true` without `allow_missing`).
    #[schemars(extend("x-tf" = ["computed"]))]
    pub found: Option<bool>,

    /// ARN of the version found.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub arn: Option<String>,

    /// Version number of the version found (same as `version` when that is set).
    #[schemars(extend("x-tf" = ["computed"]))]
    pub version_number: Option<i64>,

    /// Approval status of the version found.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub status: Option<String>,

    /// Inference image of the version.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub image: Option<String>,

    /// Model artifact of the version.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub model_data_url: Option<String>,

    /// Container environment of the version.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub environment: Option<BTreeMap<String, String>>,

    /// Description of the version.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub description: Option<String>,

    /// Approval description of the version.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub approval_description: Option<String>,

    /// Customer metadata of the version.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub customer_metadata: Option<BTreeMap<String, String>>,

    /// When the version was registered (RFC 3339).
    #[schemars(extend("x-tf" = ["computed"]))]
    pub created_time: Option<String>,

    /// Metric and baseline reports registered with the version, e.g. the data-quality
    /// baseline a monitor or a batch quality check compares against.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub metrics: Option<Metrics>,

    /// Look the version up in MLflow instead of SageMaker: `model_package_group_name` is
    /// the registered model, and the approved version is the one holding `alias`.
    #[schemars(extend("x-tf" = ["block"]))]
    pub mlflow: Option<MlflowLookup>,
}

/// Where an MLflow lookup looks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MlflowLookup {
    /// The alias the approved version holds (default `champion`).
    #[schemars(regex(pattern = r"^[\w-]+$"), length(min = 1, max = 255))]
    #[schemars(extend("x-tf-default" = "champion"))]
    pub alias: Option<String>,

    /// The version's `source` in MLflow (e.g. `models:/m-<id>` or `s3://...`).
    #[schemars(extend("x-tf" = ["computed"]))]
    pub source: Option<String>,

    /// The MLflow run that produced the version.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub run_id: Option<String>,

    /// The version's page in the MLflow UI.
    #[schemars(extend("x-tf" = ["computed"]))]
    pub ui_url: Option<String>,
}

/// The data source.
pub struct ModelPackageLookup;

impl BackedDataSource for ModelPackageLookup {
    type Client = Clients;
    type Model = ModelPackageLookupModel;
    const TYPE_NAME: &'static str = "mlops_model_package";

    fn backend(
        &self,
        pick: Pick<'_, Self::Model>,
    ) -> &dyn LookupBackend<Clients, ModelPackageLookupModel> {
        super::lookup(match pick {
            Pick::Value(v) => !v.attr("mlflow").is_null(),
            Pick::State(s) => s.mlflow.is_some(),
            Pick::ImportId(id) => super::in_mlflow(id),
        })
    }

    fn backend_selector(&self) -> Option<&'static str> {
        Some("mlflow")
    }
}
