//! Managed resources.

pub mod endpoint;
pub mod feature_view;
pub mod model_package;
pub mod model_package_group;
pub mod monitor;
pub mod pipeline;
pub mod pipeline_events;
