//! Generated Terraform plugin protocol (tfplugin6.10) and go-plugin services; with the
//! `feast` feature, the client of Feast's registry server (`feast serve_registry`).
#![allow(clippy::all, clippy::pedantic, missing_docs)]

/// `tfplugin6` protocol messages and the `Provider` service.
pub mod tfplugin6 {
    tonic::include_proto!("tfplugin6");
}

/// go-plugin's `GRPCController` and `GRPCStdio` services.
pub mod plugin {
    tonic::include_proto!("plugin");
}

/// Feast's registry API (feast-dev/feast v0.66.0 protos): the `RegistryServer` client and
/// the messages of the objects it stores.
#[cfg(feature = "feast")]
pub mod feast {
    pub mod core {
        tonic::include_proto!("feast.core");
    }
    pub mod types {
        tonic::include_proto!("feast.types");
    }
    pub mod registry {
        tonic::include_proto!("feast.registry");
    }
}
