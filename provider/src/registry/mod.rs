//! The model registry: groups (`mlops_model_package_group`, [`group`]), versions
//! (`mlops_model_package`, [`version`]) and the "latest approved version" lookup (data
//! source `mlops_model_package`, [`lookup`]).
//!
//! Each of these files is the user concept: schema, docs, timeouts. The work is done by a
//! backend implementing [`mlops_framework::Backend`] (resources) and
//! [`mlops_framework::LookupBackend`] (the data source) over the same state models: today
//! the SageMaker Model Registry ([`sagemaker`]). A second registry (MLflow registered
//! models, versions and aliases) is a sibling folder implementing the same traits, chosen
//! in the functions below from the configuration.

pub mod group;
pub mod lookup;
pub mod sagemaker;
pub mod version;

use mlops_framework::{Backend, LookupBackend};

use crate::clients::Clients;
use group::ModelPackageGroupState;
use lookup::ModelPackageLookupModel;
use sagemaker::SageMakerRegistry;
use version::ModelPackageState;

// There is one registry backend today; the choice (from the provider or resource
// configuration) moves into these three functions when a second one exists.

/// The backend of `mlops_model_package_group`.
pub(crate) fn groups() -> &'static dyn Backend<Clients, ModelPackageGroupState> {
    &SageMakerRegistry
}

/// The backend of `mlops_model_package`.
pub(crate) fn versions() -> &'static dyn Backend<Clients, ModelPackageState> {
    &SageMakerRegistry
}

/// The backend of data source `mlops_model_package`.
pub(crate) fn lookup() -> &'static dyn LookupBackend<Clients, ModelPackageLookupModel> {
    &SageMakerRegistry
}
