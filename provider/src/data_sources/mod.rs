//! Data sources.

pub mod endpoint;
pub mod feature_view;
