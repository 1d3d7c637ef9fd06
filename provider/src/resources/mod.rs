//! Managed resources.

pub mod endpoint;
pub mod monitor;
pub mod pipeline;
pub mod pipeline_events;
