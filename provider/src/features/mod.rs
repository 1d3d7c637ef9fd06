//! The feature store: feature views (`mlops_feature_view`, [`view`]) and their lookup (data
//! source `mlops_feature_view`, [`lookup`]).
//!
//! Those files are the user concept: schema, docs, timeouts. The work is done by a backend
//! implementing [`mlops_framework::Backend`] / [`mlops_framework::LookupBackend`] over the
//! same models: SageMaker Feature Store ([`sagemaker`]) or a Feast registry server spoken to
//! over gRPC ([`feast`]), chosen per resource by its `feast` block (an import ID `feast:...`
//! for imports).

pub mod feast;
pub mod list;
pub mod lookup;
pub mod sagemaker;
pub mod view;

use mlops_framework::{Backend, LookupBackend};

use crate::clients::Clients;
use feast::FeastFeatureStore;
use lookup::FeatureViewLookupModel;
use sagemaker::SageMakerFeatureStore;
use view::FeatureViewState;

/// Whether an import ID names a Feast view (`feast:churn/customer_stats`).
pub(crate) fn in_feast(import_id: &str) -> bool {
    import_id.starts_with(feast::IMPORT_PREFIX)
}

/// The backend of `mlops_feature_view`.
pub(crate) fn views(in_feast: bool) -> &'static dyn Backend<Clients, FeatureViewState> {
    if in_feast {
        &FeastFeatureStore
    } else {
        &SageMakerFeatureStore
    }
}

/// The backend of data source `mlops_feature_view`.
pub(crate) fn lookup(
    in_feast: bool,
) -> &'static dyn LookupBackend<Clients, FeatureViewLookupModel> {
    if in_feast {
        &FeastFeatureStore
    } else {
        &SageMakerFeatureStore
    }
}
