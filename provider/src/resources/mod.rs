//! Managed resources.

pub mod pipeline;
pub mod pipeline_events;
