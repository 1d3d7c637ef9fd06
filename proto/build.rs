//! Compiles the protocol definitions with protox (pure Rust), so a fresh machine needs no `protoc`.
//! With the `feast` feature, also Feast's registry server API (client only): the `.proto`
//! files vendored from feast-dev/feast v0.66.0 under `proto/feast/` (Apache-2.0, see its
//! LICENSE and README.md).
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let files = [
        "proto/tfplugin6.proto",
        "proto/grpc_controller.proto",
        "proto/grpc_stdio.proto",
    ];
    for f in &files {
        println!("cargo:rerun-if-changed={f}");
    }
    let fds = protox::compile(files, ["proto"])?;
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .generate_default_stubs(true)
        .compile_fds(fds)?;
    if std::env::var_os("CARGO_FEATURE_FEAST").is_some() {
        println!("cargo:rerun-if-changed=proto/feast");
        // Only the registry service is compiled; protox follows its imports.
        let fds = protox::compile(["feast/registry/RegistryServer.proto"], ["proto"])?;
        tonic_prost_build::configure()
            .build_client(true)
            .build_server(false)
            .compile_fds(fds)?;
    }
    Ok(())
}
