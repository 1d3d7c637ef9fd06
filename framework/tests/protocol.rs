//! End-to-end protocol tests: the real go-plugin server (`plugin::serve`) runs in-process and
//! is driven over its unix socket by tonic clients, the way Terraform drives a provider:
//! AutoMTLS with a Terraform-style client certificate, StopProvider, GRPCController.Shutdown,
//! UNIMPLEMENTED RPCs and message limits.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use hyper_util::rt::TokioIo;
use mlops_framework::plugin::{serve, ServeOptions};
use mlops_framework::resource::resource_schema;
use mlops_framework::schema::block_for;
use mlops_framework::{
    async_trait, resource, wait_for, Backoff, CancellationToken, Check, Ctx, Diagnostics,
    DynDataSource, DynResource, Failure, Provider, Resource, TimeoutDefaults, Type, Value,
};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{aws_lc_rs, WebPkiSupportedAlgorithms};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tfplugin_proto::plugin::grpc_controller_client::GrpcControllerClient;
use tfplugin_proto::plugin::Empty;
use tfplugin_proto::tfplugin6 as pb;
use tfplugin_proto::tfplugin6::provider_client::ProviderClient;
use tokio::net::UnixStream;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tonic::transport::{Channel, Endpoint, Uri};

/// Every test is bounded by this.
const TEST_LIMIT: Duration = Duration::from_secs(30);
const ADDRESS: &str = "registry.terraform.io/test/test";
const WAITER: &str = "test_waiter";

type ServeResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

// ------------------------------------------------------------------ the test provider

#[derive(Serialize, Deserialize, JsonSchema)]
struct TestConfig {
    /// Some setting.
    region: Option<String>,
}

struct TestClient;

struct TestProvider;

#[async_trait]
impl Provider for TestProvider {
    type Config = TestConfig;
    type Client = TestClient;
    const NAME: &'static str = "test";

    async fn configure(
        &self,
        _config: TestConfig,
        _terraform_version: &str,
    ) -> Result<TestClient, Diagnostics> {
        Ok(TestClient)
    }

    fn resources(&self) -> Vec<Box<dyn DynResource<TestClient>>> {
        vec![resource(Waiter)]
    }

    fn data_sources(&self) -> Vec<Box<dyn DynDataSource<TestClient>>> {
        vec![]
    }
}

#[derive(Serialize, Deserialize, JsonSchema)]
struct WaiterState {
    /// Set by the provider.
    #[schemars(extend("x-tf" = ["computed"]))]
    id: Option<String>,
    /// Anything.
    payload: Option<String>,
}

/// A resource whose create waits for a condition that never comes true: it can only end by
/// cancellation (or after an hour).
struct Waiter;

#[async_trait]
impl Resource for Waiter {
    type Client = TestClient;
    type State = WaiterState;
    const TYPE_NAME: &'static str = WAITER;

    fn timeouts(&self) -> TimeoutDefaults {
        TimeoutDefaults {
            create: Some(Duration::from_secs(3600)),
            ..Default::default()
        }
    }

    async fn create(
        &self,
        ctx: &mut Ctx<TestClient>,
        _planned: WaiterState,
    ) -> Result<WaiterState, Failure<WaiterState>> {
        let backoff = Backoff {
            initial: Duration::from_millis(50),
            max: Duration::from_millis(200),
        };
        let never: () = wait_for(
            "the test object",
            ctx.timeout,
            &ctx.cancel,
            backoff,
            || async { Ok(Check::<()>::Pending("Creating".into())) },
        )
        .await?;
        let () = never;
        Err(Failure::new(mlops_framework::Diagnostic::error(
            "unreachable",
            "the wait cannot succeed",
        )))
    }

    async fn read(
        &self,
        _ctx: &mut Ctx<TestClient>,
        current: WaiterState,
    ) -> Result<Option<WaiterState>, Diagnostics> {
        Ok(Some(current))
    }

    async fn update(
        &self,
        _ctx: &mut Ctx<TestClient>,
        _prior: WaiterState,
        planned: WaiterState,
    ) -> Result<WaiterState, Failure<WaiterState>> {
        Ok(planned)
    }

    async fn delete(
        &self,
        _ctx: &mut Ctx<TestClient>,
        _current: WaiterState,
    ) -> Result<(), Diagnostics> {
        Ok(())
    }

    async fn import(
        &self,
        _ctx: &mut Ctx<TestClient>,
        id: &str,
    ) -> Result<WaiterState, Diagnostics> {
        Ok(WaiterState {
            id: Some(id.to_string()),
            payload: None,
        })
    }
}

fn waiter_type() -> Type {
    resource_schema(&Waiter).block.implied_type()
}

fn config_type() -> Type {
    block_for::<TestConfig>()
        .expect("provider config schema")
        .implied_type()
}

fn object(attrs: &[(&str, Value)]) -> Value {
    Value::Object(
        attrs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect::<BTreeMap<_, _>>(),
    )
}

fn dynamic(v: &Value, ty: &Type) -> Option<pb::DynamicValue> {
    Some(pb::DynamicValue {
        msgpack: v.to_msgpack(ty),
        json: vec![],
    })
}

// ------------------------------------------------------------------ running the server

/// Collects what the server writes as its handshake and hands each flushed chunk to the test.
struct HandshakeSink {
    buf: Vec<u8>,
    tx: mpsc::UnboundedSender<String>,
}

impl Write for HandshakeSink {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(b);
        Ok(b.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if !self.buf.is_empty() {
            let s = String::from_utf8_lossy(&std::mem::take(&mut self.buf)).into_owned();
            let _ = self.tx.send(s);
        }
        Ok(())
    }
}

struct Running {
    /// Everything written before the first flush.
    handshake: String,
    socket: PathBuf,
    /// The server certificate from the handshake line (TLS mode).
    server_cert: Option<CertificateDer<'static>>,
    stop: CancellationToken,
    handle: JoinHandle<ServeResult>,
    _dir: tempfile::TempDir,
}

impl Running {
    /// Cancel the server and wait for `serve` to return (best effort clean-up).
    async fn finish(self) {
        self.stop.cancel();
        let _ = tokio::time::timeout(Duration::from_secs(5), self.handle).await;
    }
}

async fn start(client_cert_pem: Option<String>, debug: bool) -> Running {
    let dir = tempfile::tempdir().expect("tempdir");
    let (tx, mut rx) = mpsc::unbounded_channel();
    let opts = ServeOptions {
        client_cert_pem: client_cert_pem.clone(),
        socket_dir: dir.path().to_path_buf(),
        handshake_out: Box::new(HandshakeSink {
            buf: Vec::new(),
            tx,
        }),
        address: ADDRESS.to_string(),
        debug,
    };
    let stop = CancellationToken::new();
    let handle = tokio::spawn(serve(TestProvider, opts, stop.clone()));
    let handshake = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("no handshake within 10 s")
        .expect("server ended before writing its handshake");
    let (socket, server_cert) = if debug {
        (reattach_socket(&handshake), None)
    } else {
        let (socket, cert) = parse_handshake(&handshake);
        assert_eq!(
            cert.is_some(),
            client_cert_pem.is_some(),
            "a server certificate is in the handshake exactly when TLS is on: {handshake:?}"
        );
        (socket, cert)
    };
    assert!(
        socket.starts_with(dir.path()),
        "socket {socket:?} is not in the socket dir {:?}",
        dir.path()
    );
    assert!(socket.exists(), "socket {socket:?} does not exist");
    Running {
        handshake,
        socket,
        server_cert,
        stop,
        handle,
        _dir: dir,
    }
}

/// `1|6|unix|<path>|grpc|<base64 DER, std alphabet, no padding>`
fn parse_handshake(line: &str) -> (PathBuf, Option<CertificateDer<'static>>) {
    assert!(
        line.ends_with('\n'),
        "handshake not newline-terminated: {line:?}"
    );
    assert_eq!(
        line.lines().count(),
        1,
        "handshake is not one line: {line:?}"
    );
    let parts: Vec<&str> = line.trim_end_matches('\n').split('|').collect();
    assert_eq!(parts.len(), 6, "handshake {line:?}");
    assert_eq!(parts[0], "1", "core protocol version");
    assert_eq!(parts[1], "6", "plugin protocol version");
    assert_eq!(parts[2], "unix", "network");
    assert_eq!(parts[4], "grpc", "protocol");
    let cert = if parts[5].is_empty() {
        None
    } else {
        assert!(!parts[5].contains('='), "certificate must not be padded");
        let der = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(parts[5])
            .expect("certificate is standard base64 without padding");
        Some(CertificateDer::from(der))
    };
    (PathBuf::from(parts[3]), cert)
}

/// The unix socket path out of the debug-mode `TF_REATTACH_PROVIDERS='{...}'` text.
fn reattach_socket(text: &str) -> PathBuf {
    let start = text.find("TF_REATTACH_PROVIDERS='").expect("reattach text") + 23;
    let end = start + text[start..].find('\'').expect("closing quote");
    let j: serde_json::Value = serde_json::from_str(&text[start..end]).expect("reattach JSON");
    let p = &j[ADDRESS];
    assert_eq!(p["Protocol"], "grpc");
    assert_eq!(p["ProtocolVersion"], 6);
    assert_eq!(p["Pid"], std::process::id());
    assert_eq!(p["Addr"]["Network"], "unix");
    PathBuf::from(p["Addr"]["String"].as_str().expect("socket path"))
}

// ------------------------------------------------------------------ clients

async fn plain_channel(path: &Path) -> Channel {
    let path = path.to_path_buf();
    Endpoint::from_static("http://localhost")
        .connect_with_connector(tower::service_fn(move |_: Uri| {
            let path = path.clone();
            async move { Ok::<_, std::io::Error>(TokioIo::new(UnixStream::connect(path).await?)) }
        }))
        .await
        .expect("connect over the unix socket")
}

/// Connect over TLS; `alpn` receives the negotiated ALPN protocol of each connection.
async fn tls_channel(
    path: &Path,
    cfg: Arc<ClientConfig>,
    alpn: Arc<Mutex<Vec<Option<Vec<u8>>>>>,
) -> Result<Channel, tonic::transport::Error> {
    let path = path.to_path_buf();
    let connector = tokio_rustls::TlsConnector::from(cfg);
    Endpoint::from_static("http://localhost")
        .connect_with_connector(tower::service_fn(move |_: Uri| {
            let path = path.clone();
            let connector = connector.clone();
            let alpn = alpn.clone();
            async move {
                let sock = UnixStream::connect(path).await?;
                let name = ServerName::try_from("localhost").expect("server name");
                let tls = connector.connect(name, sock).await?;
                alpn.lock()
                    .expect("alpn lock")
                    .push(tls.get_ref().1.alpn_protocol().map(<[u8]>::to_vec));
                Ok::<_, std::io::Error>(TokioIo::new(tls))
            }
        }))
        .await
}

fn provider_client(ch: Channel) -> ProviderClient<Channel> {
    ProviderClient::new(ch)
        .max_decoding_message_size(256 << 20)
        .max_encoding_message_size(256 << 20)
}

/// Trusts exactly the certificate from the handshake line, as go-plugin's client does (a
/// cert pool holding only that certificate, ServerName `localhost`). The certificate is
/// CA-flagged like go-plugin's, which webpki refuses as an end entity, hence the pin; the
/// handshake signature is still verified.
#[derive(Debug)]
struct PinnedServerCert {
    pinned: CertificateDer<'static>,
    algs: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for PinnedServerCert {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if end_entity.as_ref() != self.pinned.as_ref() {
            return Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::UnknownIssuer,
            ));
        }
        let ee = webpki::EndEntityCert::try_from(end_entity)
            .map_err(|e| rustls::Error::General(format!("server certificate: {e:?}")))?;
        ee.verify_is_valid_for_subject_name(server_name)
            .map_err(|_| {
                rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForName)
            })?;
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algs)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algs)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algs.supported_schemes()
    }
}

/// A client certificate as go-plugin/Terraform makes it (`generateCert` in go-plugin's
/// mtls.go): ECDSA P-521, signed with SHA-512, CN/SAN localhost, flagged as a CA.
struct TerraformCert {
    pem: String,
    der: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
}

fn terraform_client_cert() -> TerraformCert {
    use rcgen::{
        BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose,
        IsCa, KeyPair, KeyUsagePurpose,
    };
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).expect("P-521 key");
    let mut params = CertificateParams::new(vec!["localhost".to_string()]).expect("params");
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "localhost");
    dn.push(DnType::OrganizationName, "HashiCorp");
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
        KeyUsagePurpose::KeyAgreement,
        KeyUsagePurpose::KeyCertSign,
    ];
    params.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ClientAuth,
        ExtendedKeyUsagePurpose::ServerAuth,
    ];
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::seconds(30);
    params.not_after = now + time::Duration::hours(262_980);
    let cert = params.self_signed(&key).expect("self-signed certificate");
    TerraformCert {
        pem: cert.pem(),
        der: cert.der().clone(),
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    }
}

fn client_config(
    server_cert: &CertificateDer<'static>,
    me: Option<&TerraformCert>,
) -> Arc<ClientConfig> {
    client_config_versions(server_cert, me, rustls::DEFAULT_VERSIONS)
}

fn client_config_versions(
    server_cert: &CertificateDer<'static>,
    me: Option<&TerraformCert>,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> Arc<ClientConfig> {
    let provider = Arc::new(aws_lc_rs::default_provider());
    let verifier = PinnedServerCert {
        pinned: server_cert.clone(),
        algs: provider.signature_verification_algorithms,
    };
    let builder = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .expect("protocol versions")
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier));
    let mut cfg = match me {
        Some(c) => builder
            .with_client_auth_cert(vec![c.der.clone()], c.key.clone_key())
            .expect("client certificate"),
        None => builder.with_no_client_auth(),
    };
    cfg.alpn_protocols = vec![b"h2".to_vec()];
    Arc::new(cfg)
}

async fn get_schema(ch: Channel) -> Result<pb::get_provider_schema::Response, tonic::Status> {
    provider_client(ch)
        .get_provider_schema(pb::get_provider_schema::Request::default())
        .await
        .map(tonic::Response::into_inner)
}

fn assert_schema_ok(s: &pb::get_provider_schema::Response) {
    assert!(s.provider.is_some(), "provider schema must be non-nil");
    assert!(
        s.resource_schemas.contains_key(WAITER),
        "resource schemas: {:?}",
        s.resource_schemas.keys().collect::<Vec<_>>()
    );
    assert!(s.provider_meta.is_some(), "provider_meta must be non-nil");
}

/// A client that is not Terraform must get nothing out of the server: either the TLS
/// handshake or the first RPC fails (TLS 1.3 reports a refused client certificate only after
/// the client considers the handshake done).
async fn assert_rejected(run: &Running, cfg: Arc<ClientConfig>) {
    let alpn = Arc::new(Mutex::new(Vec::new()));
    let attempt = async {
        let ch = tls_channel(&run.socket, cfg, alpn)
            .await
            .map_err(|e| format!("connect: {e:?}"))?;
        get_schema(ch).await.map_err(|e| format!("rpc: {e:?}"))
    };
    match tokio::time::timeout(Duration::from_secs(15), attempt).await {
        Ok(Ok(_)) => panic!("the server answered a client without Terraform's certificate"),
        Ok(Err(e)) => eprintln!("rejected as expected: {e}"),
        Err(_) => panic!("neither rejected nor answered within 15 s"),
    }
}

/// After rejecting a client, the server still serves Terraform's certificate; then stop it.
async fn assert_still_serves(
    run: Running,
    server_cert: &CertificateDer<'static>,
    tf: &TerraformCert,
) {
    let ch = tls_channel(
        &run.socket,
        client_config(server_cert, Some(tf)),
        Arc::new(Mutex::new(Vec::new())),
    )
    .await
    .expect("TLS connect");
    assert_schema_ok(&get_schema(ch).await.expect("GetProviderSchema"));
    run.finish().await;
}

// ------------------------------------------------------------------ 1-3: AutoMTLS

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mtls_with_terraform_style_p521_ca_client_cert() {
    tokio::time::timeout(TEST_LIMIT, async {
        let tf = terraform_client_cert();
        let run = start(Some(tf.pem.clone()), false).await;
        let server_cert = run.server_cert.clone().expect("server certificate");

        // The server certificate is for localhost (Terraform dials ServerName=localhost).
        let ee = webpki::EndEntityCert::try_from(&server_cert).expect("parse server cert");
        ee.verify_is_valid_for_subject_name(&ServerName::try_from("localhost").unwrap())
            .expect("server certificate has SAN localhost");

        let alpn = Arc::new(Mutex::new(Vec::new()));
        let ch = tls_channel(
            &run.socket,
            client_config(&server_cert, Some(&tf)),
            alpn.clone(),
        )
        .await
        .expect("TLS connect with Terraform's certificate");
        let schema = get_schema(ch.clone())
            .await
            .expect("GetProviderSchema over mTLS");
        assert_schema_ok(&schema);
        assert_eq!(
            alpn.lock().unwrap().as_slice(),
            &[Some(b"h2".to_vec())],
            "negotiated ALPN"
        );

        // go-plugin's health check: service "plugin" is SERVING.
        let health = tonic_health::pb::health_client::HealthClient::new(ch)
            .check(tonic_health::pb::HealthCheckRequest {
                service: "plugin".into(),
            })
            .await
            .expect("health check")
            .into_inner();
        assert_eq!(
            health.status,
            tonic_health::pb::health_check_response::ServingStatus::Serving as i32
        );
        run.finish().await;
    })
    .await
    .expect("test timed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mtls_rejects_a_different_client_cert() {
    tokio::time::timeout(TEST_LIMIT, async {
        let tf = terraform_client_cert();
        let impostor = terraform_client_cert();
        assert_ne!(tf.der, impostor.der);
        let run = start(Some(tf.pem.clone()), false).await;
        let server_cert = run.server_cert.clone().expect("server certificate");

        assert_rejected(&run, client_config(&server_cert, Some(&impostor))).await;

        // The server survives the rejected client and still serves Terraform.
        assert_still_serves(run, &server_cert, &tf).await;
    })
    .await
    .expect("test timed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mtls_rejects_a_client_without_cert() {
    tokio::time::timeout(TEST_LIMIT, async {
        let tf = terraform_client_cert();
        let run = start(Some(tf.pem.clone()), false).await;
        let server_cert = run.server_cert.clone().expect("server certificate");

        assert_rejected(&run, client_config(&server_cert, None)).await;

        assert_still_serves(run, &server_cert, &tf).await;
    })
    .await
    .expect("test timed out");
}

/// The TLS 1.2 path (`verify_tls12_signature` with a P-521 client key): Terraform's Go client
/// allows TLS 1.2, so the pinned verifier must work there too, and still refuse impostors
/// (with TLS 1.2 the refusal happens inside the handshake).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mtls_over_tls12() {
    tokio::time::timeout(TEST_LIMIT, async {
        let tf = terraform_client_cert();
        let impostor = terraform_client_cert();
        let run = start(Some(tf.pem.clone()), false).await;
        let server_cert = run.server_cert.clone().expect("server certificate");
        let v12: &[&'static rustls::SupportedProtocolVersion] = &[&rustls::version::TLS12];

        assert_rejected(
            &run,
            client_config_versions(&server_cert, Some(&impostor), v12),
        )
        .await;
        assert_rejected(&run, client_config_versions(&server_cert, None, v12)).await;

        let alpn = Arc::new(Mutex::new(Vec::new()));
        let ch = tls_channel(
            &run.socket,
            client_config_versions(&server_cert, Some(&tf), v12),
            alpn.clone(),
        )
        .await
        .expect("TLS 1.2 connect with Terraform's certificate");
        assert_schema_ok(
            &get_schema(ch)
                .await
                .expect("GetProviderSchema over TLS 1.2"),
        );
        assert_eq!(alpn.lock().unwrap().as_slice(), &[Some(b"h2".to_vec())]);
        run.finish().await;
    })
    .await
    .expect("test timed out");
}

// ------------------------------------------------------------------ 4: StopProvider

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_provider_cancels_in_flight_waits() {
    tokio::time::timeout(TEST_LIMIT, async {
        let run = start(None, false).await;
        let ch = plain_channel(&run.socket).await;
        let mut client = provider_client(ch.clone());

        let configured = client
            .configure_provider(pb::configure_provider::Request {
                terraform_version: "1.15.0".into(),
                config: dynamic(&object(&[("region", Value::Null)]), &config_type()),
                client_capabilities: None,
            })
            .await
            .expect("ConfigureProvider")
            .into_inner();
        assert!(
            configured.diagnostics.is_empty(),
            "{:?}",
            configured.diagnostics
        );

        let ty = waiter_type();
        let planned = object(&[
            ("id", Value::UNKNOWN),
            ("payload", Value::string("x")),
            ("timeouts", Value::Null),
        ]);
        let mut apply_client = client.clone();
        let apply = tokio::spawn(async move {
            let r = apply_client
                .apply_resource_change(pb::apply_resource_change::Request {
                    type_name: WAITER.into(),
                    prior_state: dynamic(&Value::Null, &ty),
                    planned_state: dynamic(&planned, &ty),
                    config: dynamic(&planned, &ty),
                    ..Default::default()
                })
                .await;
            (r, Instant::now())
        });

        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(
            !apply.is_finished(),
            "create must still be waiting before StopProvider"
        );
        let stopped_at = Instant::now();
        let stop = client
            .stop_provider(pb::stop_provider::Request {})
            .await
            .expect("StopProvider")
            .into_inner();
        assert!(stop.error.is_empty(), "StopProvider error: {}", stop.error);

        let (resp, done_at) = tokio::time::timeout(Duration::from_secs(5), apply)
            .await
            .expect("apply did not return within 5 s of StopProvider")
            .expect("apply task");
        let latency = done_at.saturating_duration_since(stopped_at);
        eprintln!("apply returned {latency:?} after StopProvider");
        assert!(
            latency < Duration::from_secs(2),
            "apply took {latency:?} after StopProvider"
        );

        let resp = resp
            .expect("ApplyResourceChange is answered, not failed")
            .into_inner();
        let errors: Vec<_> = resp
            .diagnostics
            .iter()
            .filter(|d| d.severity == pb::diagnostic::Severity::Error as i32)
            .collect();
        assert!(
            errors
                .iter()
                .any(|d| d.summary.to_lowercase().contains("cancelled")),
            "expected a cancellation error diagnostic, got {:?}",
            resp.diagnostics
        );
        // Nothing was created: the state stays null.
        let new_state = resp.new_state.expect("new_state");
        let v = Value::from_dynamic(&new_state.msgpack, &new_state.json, &waiter_type())
            .expect("decode new_state");
        assert!(v.is_null(), "state after a cancelled create: {v:?}");

        // StopProvider does not kill the server.
        assert_schema_ok(
            &get_schema(ch)
                .await
                .expect("GetProviderSchema after StopProvider"),
        );
        assert!(
            !run.handle.is_finished(),
            "serve returned after StopProvider"
        );
        run.finish().await;
    })
    .await
    .expect("test timed out");
}

// ------------------------------------------------------------------ 5: Shutdown

async fn shutdown_ends_serve(run: Running, ch: Channel) {
    let socket = run.socket.clone();
    // Keep a provider connection open, as Terraform does.
    assert_schema_ok(&get_schema(ch.clone()).await.expect("GetProviderSchema"));
    let t = Instant::now();
    GrpcControllerClient::new(ch)
        .shutdown(Empty {})
        .await
        .expect("GRPCController.Shutdown");
    let result = tokio::time::timeout(Duration::from_secs(5), run.handle)
        .await
        .expect("serve did not return within 5 s of Shutdown")
        .expect("serve task");
    let took = t.elapsed();
    eprintln!("serve returned {took:?} after Shutdown");
    if let Err(e) = result {
        panic!("serve failed: {e}");
    }
    assert!(
        took < Duration::from_secs(2),
        "serve took {took:?} to return after Shutdown"
    );
    assert!(!socket.exists(), "socket {socket:?} left behind");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn controller_shutdown_ends_serve_and_removes_socket_plain() {
    tokio::time::timeout(TEST_LIMIT, async {
        let run = start(None, false).await;
        let ch = plain_channel(&run.socket).await;
        shutdown_ends_serve(run, ch).await;
    })
    .await
    .expect("test timed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn controller_shutdown_ends_serve_and_removes_socket_tls() {
    tokio::time::timeout(TEST_LIMIT, async {
        let tf = terraform_client_cert();
        let run = start(Some(tf.pem.clone()), false).await;
        let server_cert = run.server_cert.clone().expect("server certificate");
        let ch = tls_channel(
            &run.socket,
            client_config(&server_cert, Some(&tf)),
            Arc::new(Mutex::new(Vec::new())),
        )
        .await
        .expect("TLS connect");
        shutdown_ends_serve(run, ch).await;
    })
    .await
    .expect("test timed out");
}

/// Shutdown while a create is waiting: the wait is cancelled (the server's graceful shutdown
/// would otherwise wait for the in-flight RPC for up to the create timeout).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn controller_shutdown_cancels_in_flight_waits() {
    tokio::time::timeout(TEST_LIMIT, async {
        let run = start(None, false).await;
        let socket = run.socket.clone();
        let ch = plain_channel(&run.socket).await;
        let mut client = provider_client(ch.clone());
        client
            .configure_provider(pb::configure_provider::Request {
                terraform_version: "1.15.0".into(),
                config: dynamic(&object(&[]), &config_type()),
                client_capabilities: None,
            })
            .await
            .expect("ConfigureProvider");
        let ty = waiter_type();
        let planned = object(&[("id", Value::UNKNOWN), ("payload", Value::Null)]);
        let mut apply_client = client.clone();
        let apply = tokio::spawn(async move {
            apply_client
                .apply_resource_change(pb::apply_resource_change::Request {
                    type_name: WAITER.into(),
                    prior_state: dynamic(&Value::Null, &ty),
                    planned_state: dynamic(&planned, &ty),
                    config: dynamic(&planned, &ty),
                    ..Default::default()
                })
                .await
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!apply.is_finished(), "create must still be waiting");

        let t = Instant::now();
        GrpcControllerClient::new(ch)
            .shutdown(Empty {})
            .await
            .expect("GRPCController.Shutdown");
        let result = tokio::time::timeout(Duration::from_secs(5), run.handle)
            .await
            .expect("serve did not return within 5 s of Shutdown with a wait in flight")
            .expect("serve task");
        eprintln!(
            "serve returned {:?} after Shutdown (wait in flight)",
            t.elapsed()
        );
        if let Err(e) = result {
            panic!("serve failed: {e}");
        }
        let resp = tokio::time::timeout(Duration::from_secs(5), apply)
            .await
            .expect("apply did not return")
            .expect("apply task")
            .expect("the in-flight apply is answered before the server goes away")
            .into_inner();
        assert!(
            resp.diagnostics
                .iter()
                .any(|d| d.summary.to_lowercase().contains("cancelled")),
            "{:?}",
            resp.diagnostics
        );
        assert!(!socket.exists(), "socket {socket:?} left behind");
    })
    .await
    .expect("test timed out");
}

// ------------------------------------------------------------------ 6: UNIMPLEMENTED

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unimplemented_rpcs_return_unimplemented_and_server_keeps_serving() {
    tokio::time::timeout(TEST_LIMIT, async {
        let run = start(None, false).await;
        let ch = plain_channel(&run.socket).await;
        let mut client = provider_client(ch.clone());

        let e = client
            .open_ephemeral_resource(pb::open_ephemeral_resource::Request::default())
            .await
            .expect_err("OpenEphemeralResource is not implemented");
        assert_eq!(e.code(), tonic::Code::Unimplemented, "{e:?}");

        let e = client
            .plan_action(pb::plan_action::Request::default())
            .await
            .expect_err("PlanAction is not implemented");
        assert_eq!(e.code(), tonic::Code::Unimplemented, "{e:?}");

        // Implemented, and answering an unknown name with an error, not a dead server.
        let f = client
            .call_function(pb::call_function::Request {
                name: "nope".into(),
                arguments: vec![],
            })
            .await
            .expect("CallFunction answers")
            .into_inner();
        let text = f.error.map(|e| e.text).unwrap_or_default();
        assert!(text.contains("no function named \"nope\""), "{text}");

        let m = client
            .move_resource_state(pb::move_resource_state::Request {
                target_type_name: "nope".into(),
                ..Default::default()
            })
            .await
            .expect("MoveResourceState answers")
            .into_inner();
        assert!(
            m.diagnostics
                .iter()
                .any(|d| d.summary == "Unknown resource type"),
            "{:?}",
            m.diagnostics
        );

        assert_schema_ok(&get_schema(ch).await.expect("GetProviderSchema afterwards"));
        assert!(!run.handle.is_finished(), "serve ended");
        run.finish().await;
    })
    .await
    .expect("test timed out");
}

// ------------------------------------------------------------------ 7: message limits

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_larger_than_tonic_default_limit_are_accepted() {
    const BIG: usize = 20 << 20;
    tokio::time::timeout(TEST_LIMIT, async {
        let run = start(None, false).await;
        let ch = plain_channel(&run.socket).await;
        let mut client = provider_client(ch.clone());
        let ty = waiter_type();
        let payload = "a".repeat(BIG);

        // Server decoding: a ~20 MiB request.
        let config = object(&[
            ("id", Value::Null),
            ("payload", Value::string(payload.clone())),
            ("timeouts", Value::Null),
        ]);
        let req = pb::validate_resource_config::Request {
            type_name: WAITER.into(),
            config: dynamic(&config, &ty),
            client_capabilities: None,
        };
        assert!(req.config.as_ref().unwrap().msgpack.len() > BIG);
        let resp = client
            .validate_resource_config(req)
            .await
            .expect("a 20 MiB ValidateResourceConfig must be accepted")
            .into_inner();
        assert!(resp.diagnostics.is_empty(), "{:?}", resp.diagnostics);

        // Server encoding: a ~20 MiB response (UpgradeResourceState echoes the state).
        let raw =
            serde_json::to_vec(&serde_json::json!({"id": "a", "payload": payload})).expect("json");
        let resp = client
            .upgrade_resource_state(pb::upgrade_resource_state::Request {
                type_name: WAITER.into(),
                version: 0,
                raw_state: Some(pb::RawState {
                    json: raw,
                    flatmap: Default::default(),
                }),
            })
            .await
            .expect("a 20 MiB UpgradeResourceState must be answered")
            .into_inner();
        assert!(resp.diagnostics.is_empty(), "{:?}", resp.diagnostics);
        let up = resp.upgraded_state.expect("upgraded_state");
        assert!(up.msgpack.len() > BIG);
        let v = Value::from_dynamic(&up.msgpack, &up.json, &ty).expect("decode upgraded state");
        assert_eq!(v.attr("payload").as_str().map(str::len), Some(BIG));

        assert_schema_ok(&get_schema(ch).await.expect("GetProviderSchema afterwards"));
        run.finish().await;
    })
    .await
    .expect("test timed out");
}

/// Control for the test above: the same service behind a tonic server with default limits
/// refuses the 20 MiB request, so the test really exercises the raised limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_default_tonic_limit_rejects_the_large_request() {
    tokio::time::timeout(TEST_LIMIT, async {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("control.sock");
        let listener = tokio::net::UnixListener::bind(&path).expect("bind");
        let service =
            mlops_framework::server::ProviderService::new(TestProvider, CancellationToken::new());
        let stop = CancellationToken::new();
        let server = {
            let stop = stop.clone();
            tokio::spawn(
                tonic::transport::Server::builder()
                    .add_service(
                        tfplugin_proto::tfplugin6::provider_server::ProviderServer::new(service),
                    )
                    .serve_with_incoming_shutdown(
                        tokio_stream::wrappers::UnixListenerStream::new(listener),
                        async move { stop.cancelled().await },
                    ),
            )
        };
        let ch = plain_channel(&path).await;
        let ty = waiter_type();
        let config = object(&[("payload", Value::string("a".repeat(20 << 20)))]);
        let e = provider_client(ch)
            .validate_resource_config(pb::validate_resource_config::Request {
                type_name: WAITER.into(),
                config: dynamic(&config, &ty),
                client_capabilities: None,
            })
            .await
            .expect_err("tonic's default 4 MiB decoding limit must refuse 20 MiB");
        eprintln!("default limit: {e:?}");
        stop.cancel();
        let _ = tokio::time::timeout(Duration::from_secs(5), server).await;
    })
    .await
    .expect("test timed out");
}

// ------------------------------------------------------------------ debug (reattach) mode

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn debug_mode_prints_reattach_json_and_serves_without_tls() {
    tokio::time::timeout(TEST_LIMIT, async {
        // `start` parses TF_REATTACH_PROVIDERS and checks the address, pid and socket.
        let run = start(None, true).await;
        assert!(!run.handshake.starts_with("1|"), "{:?}", run.handshake);
        let ch = plain_channel(&run.socket).await;
        assert_schema_ok(&get_schema(ch.clone()).await.expect("GetProviderSchema"));
        shutdown_ends_serve(run, ch).await;
    })
    .await
    .expect("test timed out");
}
