//! Managed resources.

pub mod endpoint;
pub mod pipeline;
pub mod pipeline_events;
