//! go-plugin launch and handshake: magic cookie, protocol negotiation, unix socket, AutoMTLS,
//! the handshake line, the controller/stdio/health services, and a debug (reattach) mode.

use std::io::Write;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use base64::Engine;
use tfplugin_proto::plugin::grpc_controller_server::{GrpcController, GrpcControllerServer};
use tfplugin_proto::plugin::grpc_stdio_server::{GrpcStdio, GrpcStdioServer};
use tfplugin_proto::plugin::Empty;
use tfplugin_proto::tfplugin6::provider_server::ProviderServer;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::mpsc;
use tokio_rustls::server::TlsStream;
use tokio_util::sync::CancellationToken;
use tonic::transport::server::Connected;
use tonic::transport::Server;

use crate::server::{Provider, ProviderService};
use crate::tls;

/// go-plugin's magic cookie for Terraform providers.
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
/// 256 MiB, as Terraform allows.
pub const MAX_MESSAGE: usize = 256 << 20;

/// How to serve.
pub struct ServeOptions {
    /// PEM of Terraform's client certificate; `None` serves without TLS (debug/reattach).
    pub client_cert_pem: Option<String>,
    /// Directory for the unix socket.
    pub socket_dir: PathBuf,
    /// Where the handshake line goes (stdout in production).
    pub handshake_out: Box<dyn Write + Send>,
    /// The provider's registry address (for the reattach line in debug mode).
    pub address: String,
    /// Print the reattach instructions (debug mode) instead of the handshake line.
    pub debug: bool,
}

/// Entry point for a provider binary: validates the launch environment, then serves until
/// Terraform shuts the plugin down. Returns the process exit code.
pub fn main<P: Provider>(make_provider: impl FnOnce() -> P, address: &str) -> i32 {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let debug = args.iter().any(|a| a == "--debug" || a == "-debug");
    if args.iter().any(|a| a == "--version" || a == "-v") {
        println!("{}", env!("CARGO_PKG_VERSION"));
        return 0;
    }
    crate::logging::init(debug);
    install_panic_hook();
    if !debug {
        if std::env::var(MAGIC_COOKIE_KEY).ok().as_deref() != Some(MAGIC_COOKIE_VALUE) {
            eprintln!(
                "This binary is a plugin for Terraform. It is not meant to be run directly: \
                 declare the provider in a Terraform configuration and run `terraform init` and \
                 `terraform plan`. (Run it with --debug to serve for TF_REATTACH_PROVIDERS.)"
            );
            return 1;
        }
        let versions = std::env::var("PLUGIN_PROTOCOL_VERSIONS").unwrap_or_default();
        if !versions.split(',').any(|v| v.trim() == "6") {
            eprintln!(
                "This provider speaks Terraform plugin protocol 6, but Terraform offered {versions:?}. \
                 Use Terraform 1.0 or newer."
            );
            return 1;
        }
    }
    let client_cert_pem = if debug || std::env::var_os("TF_DISABLE_PLUGIN_TLS").is_some() {
        None
    } else {
        match std::env::var("PLUGIN_CLIENT_CERT") {
            Ok(p) if !p.trim().is_empty() => Some(p),
            _ => {
                eprintln!("PLUGIN_CLIENT_CERT is not set: refusing to serve without mutual TLS (set TF_DISABLE_PLUGIN_TLS to opt out).");
                return 1;
            }
        }
    };
    let socket_dir = std::env::var_os("PLUGIN_UNIX_SOCKET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            return 1;
        }
    };
    let opts = ServeOptions {
        client_cert_pem,
        socket_dir,
        handshake_out: Box::new(std::io::stdout()),
        address: address.to_string(),
        debug,
    };
    let provider = make_provider();
    let stop = CancellationToken::new();
    // After Shutdown, give connections a moment to drain, then exit regardless.
    let result = rt.block_on(async {
        let stopped = stop.clone();
        tokio::select! {
            r = serve(provider, opts, stop) => r,
            _ = async move { stopped.cancelled().await; tokio::time::sleep(Duration::from_millis(500)).await } => Ok(()),
        }
    });
    crate::stats::log_exit();
    match result {
        Ok(()) => 0,
        Err(e) => {
            tracing::error!(error = %e, "provider server failed");
            eprintln!("provider server failed: {e}");
            1
        }
    }
}

fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        tracing::error!(panic = %info, "panic");
    }));
}

/// A TLS connection over a unix socket, as tonic's server wants it.
struct TlsConn(TlsStream<UnixStream>);

impl Connected for TlsConn {
    type ConnectInfo = ();
    fn connect_info(&self) -> Self::ConnectInfo {}
}

impl AsyncRead for TlsConn {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for TlsConn {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.0).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }
}

struct Controller {
    shutdown: CancellationToken,
}

#[tonic::async_trait]
impl GrpcController for Controller {
    async fn shutdown(
        &self,
        _req: tonic::Request<Empty>,
    ) -> Result<tonic::Response<Empty>, tonic::Status> {
        tracing::debug!("controller Shutdown received");
        self.shutdown.cancel();
        Ok(tonic::Response::new(Empty {}))
    }
}

/// StreamStdio is optional in go-plugin; the generated default answers UNIMPLEMENTED.
struct Stdio;

#[tonic::async_trait]
impl GrpcStdio for Stdio {}

fn socket_path(dir: &std::path::Path) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    dir.join(format!(
        "plugin-mlops-{}-{nanos:x}.sock",
        std::process::id()
    ))
}

/// Serve the provider until the controller's Shutdown (or `stop` is cancelled).
pub async fn serve<P: Provider>(
    provider: P,
    mut opts: ServeOptions,
    stop: CancellationToken,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let started = std::time::Instant::now();
    let path = socket_path(&opts.socket_dir);
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path)?;
    let _cleanup = RemoveOnDrop(path.clone());

    let cancel = CancellationToken::new();
    let service = ProviderService::new(provider, cancel.clone());
    let (health_reporter, health_service) = tonic_health::server::health_reporter();
    health_reporter
        .set_service_status("plugin", tonic_health::ServingStatus::Serving)
        .await;
    let router = Server::builder()
        .add_service(
            ProviderServer::new(service)
                .max_decoding_message_size(MAX_MESSAGE)
                .max_encoding_message_size(MAX_MESSAGE),
        )
        .add_service(GrpcControllerServer::new(Controller {
            shutdown: stop.clone(),
        }))
        .add_service(GrpcStdioServer::new(Stdio))
        .add_service(health_service);

    let shutdown_signal = {
        let stop = stop.clone();
        let cancel = cancel.clone();
        async move {
            stop.cancelled().await;
            cancel.cancel();
        }
    };

    // go-plugin servers ignore interrupts: Terraform handles Ctrl-C and calls StopProvider.
    // In debug mode an interrupt ends the server.
    if let Ok(mut sigint) =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
    {
        let debug = opts.debug;
        let stop = stop.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    s = sigint.recv() => {
                        if s.is_none() {
                            break;
                        }
                        if debug {
                            stop.cancel();
                            break;
                        }
                        tracing::debug!("interrupt ignored; waiting for Terraform to stop the provider");
                    }
                    _ = stop.cancelled() => break,
                }
            }
        });
    }

    match &opts.client_cert_pem {
        Some(pem) => {
            let identity = tls::generate_server_identity()?;
            let tls_config = tls::server_config(&identity, pem)?;
            let cert_b64 =
                base64::engine::general_purpose::STANDARD_NO_PAD.encode(identity.cert_der.as_ref());
            let incoming = tls_incoming(listener, tls_config);
            writeln!(
                opts.handshake_out,
                "1|6|unix|{}|grpc|{cert_b64}",
                path.display()
            )?;
            opts.handshake_out.flush()?;
            tracing::debug!(elapsed_ms = started.elapsed().as_millis() as u64, socket = %path.display(), "handshake written");
            router
                .serve_with_incoming_shutdown(incoming, shutdown_signal)
                .await?;
        }
        None => {
            if opts.debug {
                let reattach = serde_json::json!({
                    opts.address.clone(): {
                        "Protocol": "grpc",
                        "ProtocolVersion": 6,
                        "Pid": std::process::id(),
                        "Test": true,
                        "Addr": {"Network": "unix", "String": path.display().to_string()}
                    }
                });
                writeln!(
                    opts.handshake_out,
                    "Provider started. To attach Terraform CLI, set the TF_REATTACH_PROVIDERS environment variable with the following:\n\n\tTF_REATTACH_PROVIDERS='{reattach}'\n"
                )?;
            } else {
                writeln!(opts.handshake_out, "1|6|unix|{}|grpc|", path.display())?;
            }
            opts.handshake_out.flush()?;
            let incoming = tokio_stream::wrappers::UnixListenerStream::new(listener);
            router
                .serve_with_incoming_shutdown(incoming, shutdown_signal)
                .await?;
        }
    }
    Ok(())
}

struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Accept unix connections and complete TLS handshakes concurrently; failed handshakes
/// (e.g. a client without Terraform's certificate) are logged and dropped.
fn tls_incoming(
    listener: UnixListener,
    cfg: Arc<rustls::ServerConfig>,
) -> tokio_stream::wrappers::ReceiverStream<std::io::Result<TlsConn>> {
    let (tx, rx) = mpsc::channel(16);
    let acceptor = tokio_rustls::TlsAcceptor::from(cfg);
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                r = listener.accept() => r,
                _ = tx.closed() => break,
            };
            let (stream, _) = match accepted {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let acceptor = acceptor.clone();
            let conn_tx = tx.clone();
            tokio::spawn(async move {
                match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream)).await {
                    Ok(Ok(tls)) => {
                        let _ = conn_tx.send(Ok(TlsConn(tls))).await;
                    }
                    Ok(Err(e)) => tracing::warn!(error = %e, "TLS handshake with client failed"),
                    Err(_) => tracing::warn!("TLS handshake timed out"),
                }
            });
        }
    });
    tokio_stream::wrappers::ReceiverStream::new(rx)
}
