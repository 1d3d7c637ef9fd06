//! Data sources.

pub mod model_package;
