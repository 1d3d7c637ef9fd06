//! SageMaker objects as remote object families: one finder (`find_*`, `Ok(None)` when the
//! object does not exist) and one pure status classifier per family, used with the
//! framework's single wait loop ([`mlops_framework::wait_until`]); and the SageMaker
//! catalog (instance types, analyzer images).

pub mod catalog;
pub mod endpoint;
pub mod feature_group;
pub mod instance_types;
pub mod model;
pub mod model_package;
pub mod monitoring;
