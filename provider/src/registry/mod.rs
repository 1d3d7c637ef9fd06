//! The model registry: groups (`mlops_model_package_group`, [`group`]), versions
//! (`mlops_model_package`, [`version`]) and the "latest approved version" lookup (data
//! source `mlops_model_package`, [`lookup`]).
//!
//! Each of these files is the user concept: schema, docs, timeouts. The work is done by a
//! backend implementing [`mlops_framework::Backend`] (resources) and
//! [`mlops_framework::LookupBackend`] (the data source) over the same state models: the
//! SageMaker Model Registry ([`sagemaker`]) or MLflow's registered models, versions and
//! aliases ([`mlflow`]), chosen per resource by its `mlflow` block (an import ID
//! `mlflow:...` for imports).

pub mod function;
pub mod group;
pub mod list;
pub mod lookup;
pub mod mlflow;
pub mod sagemaker;
pub mod version;

use mlops_framework::{Backend, LookupBackend};

use crate::clients::Clients;
use group::ModelPackageGroupState;
use lookup::ModelPackageLookupModel;
use mlflow::MlflowRegistry;
use sagemaker::SageMakerRegistry;
use version::ModelPackageState;

/// The platforms a registry object lives on (the first is the default), in identities.
pub(crate) const PLATFORMS: &[&str] = &["sagemaker", "mlflow"];
pub(crate) const PLATFORM_DOC: &str = "`sagemaker` (the default) or `mlflow`.";

pub(crate) fn platform_of(in_mlflow: bool) -> &'static str {
    PLATFORMS[usize::from(in_mlflow)]
}

/// Whether an import ID names an MLflow object (`mlflow:churn`, `mlflow:churn/3`).
pub(crate) fn in_mlflow(import_id: &str) -> bool {
    import_id.starts_with(mlflow::IMPORT_PREFIX)
}

/// The backend of `mlops_model_package_group`.
pub(crate) fn groups(in_mlflow: bool) -> &'static dyn Backend<Clients, ModelPackageGroupState> {
    if in_mlflow {
        &MlflowRegistry
    } else {
        &SageMakerRegistry
    }
}

/// The backend of `mlops_model_package`.
pub(crate) fn versions(in_mlflow: bool) -> &'static dyn Backend<Clients, ModelPackageState> {
    if in_mlflow {
        &MlflowRegistry
    } else {
        &SageMakerRegistry
    }
}

/// The backend of data source `mlops_model_package`.
pub(crate) fn lookup(
    in_mlflow: bool,
) -> &'static dyn LookupBackend<Clients, ModelPackageLookupModel> {
    if in_mlflow {
        &MlflowRegistry
    } else {
        &SageMakerRegistry
    }
}
