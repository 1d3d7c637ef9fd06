//! Data sources.

pub mod endpoint;
