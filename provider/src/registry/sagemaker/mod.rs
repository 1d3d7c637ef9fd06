//! The SageMaker Model Registry backend: model package groups ([`group`]) with their
//! resource policy ([`policy`]) and GitLab hook ([`on_approval`]), model packages
//! ([`version`]) and the version lookup ([`lookup`]). Imports no sibling backend.

pub mod group;
pub mod lookup;
pub mod on_approval;
pub mod policy;
pub mod version;

/// The SageMaker Model Registry, as a backend of every registry resource and data source.
pub struct SageMakerRegistry;
