//! The feature store: feature views (`mlops_feature_view`, [`view`]) and their lookup (data
//! source `mlops_feature_view`, [`lookup`]).
//!
//! Those files are the user concept: schema, docs, timeouts. The work is done by a backend
//! implementing [`mlops_framework::Backend`] / [`mlops_framework::LookupBackend`] over the
//! same models: today SageMaker Feature Store ([`sagemaker`]). Feast (a registry server
//! spoken to over gRPC) is a sibling folder implementing the same traits, chosen in the
//! functions below from the configuration.

pub mod lookup;
pub mod sagemaker;
pub mod view;

use mlops_framework::{Backend, LookupBackend};

use crate::clients::Clients;
use lookup::FeatureViewLookupModel;
use sagemaker::SageMakerFeatureStore;
use view::FeatureViewState;

// There is one feature-store backend today; the choice (from the provider or resource
// configuration) moves into these functions when a second one exists.

/// The backend of `mlops_feature_view`.
pub(crate) fn views() -> &'static dyn Backend<Clients, FeatureViewState> {
    &SageMakerFeatureStore
}

/// The backend of data source `mlops_feature_view`.
pub(crate) fn lookup() -> &'static dyn LookupBackend<Clients, FeatureViewLookupModel> {
    &SageMakerFeatureStore
}
