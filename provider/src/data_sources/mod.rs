//! Data sources.

pub mod endpoint;
pub mod model_package;
