//! Generated Terraform plugin protocol (tfplugin6.10) and go-plugin services.
#![allow(clippy::all, clippy::pedantic, missing_docs)]

/// `tfplugin6` protocol messages and the `Provider` service.
pub mod tfplugin6 {
    tonic::include_proto!("tfplugin6");
}

/// go-plugin's `GRPCController` and `GRPCStdio` services.
pub mod plugin {
    tonic::include_proto!("plugin");
}
