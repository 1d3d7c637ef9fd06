//! The SageMaker Feature Store backend: feature groups ([`view`]) and their lookup
//! ([`lookup`]). Imports no sibling backend.

pub mod existing;
pub mod lookup;
pub mod view;

/// SageMaker Feature Store, as a backend of `mlops_feature_view` and its data source.
pub struct SageMakerFeatureStore;
