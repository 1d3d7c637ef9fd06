//! Data sources.

pub mod endpoint;
pub mod feature_view;
pub mod model_package;
