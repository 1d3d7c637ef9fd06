//! AutoMTLS as go-plugin does it: a fresh self-signed server certificate per process, and the
//! client authenticated by pinning the exact certificate Terraform passed in
//! `PLUGIN_CLIENT_CERT`. Terraform's certificate is ECDSA P-521 and flagged as a CA, which
//! webpki refuses as an end entity, so chain building is replaced by the pin while the
//! handshake signature is still verified (aws-lc-rs can verify P-521).

use std::sync::Arc;

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{aws_lc_rs, WebPkiSupportedAlgorithms};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, SignatureScheme};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};

/// A server certificate and key.
pub struct ServerIdentity {
    pub cert_der: CertificateDer<'static>,
    pub key_der: PrivateKeyDer<'static>,
}

/// TLS setup failures.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("could not generate the server certificate: {0}")]
    Generate(#[from] rcgen::Error),
    #[error("PLUGIN_CLIENT_CERT is not a PEM certificate: {0}")]
    ClientCert(String),
    #[error("TLS configuration: {0}")]
    Rustls(#[from] rustls::Error),
}

/// A self-signed certificate for `localhost` (Terraform dials with ServerName=localhost and
/// trusts exactly the certificate from the handshake line).
pub fn generate_server_identity() -> Result<ServerIdentity, TlsError> {
    use rcgen::{
        BasicConstraints, CertificateParams, DistinguishedName as Dn, DnType,
        ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose,
    };
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
    let mut params = CertificateParams::new(vec!["localhost".to_string()])?;
    let mut dn = Dn::new();
    dn.push(DnType::CommonName, "localhost");
    dn.push(DnType::OrganizationName, "HashiCorp");
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
        KeyUsagePurpose::KeyCertSign,
    ];
    params.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::minutes(5);
    params.not_after = now + time::Duration::days(365);
    let cert = params.self_signed(&key)?;
    Ok(ServerIdentity {
        cert_der: cert.der().clone(),
        key_der: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    })
}

/// Verifies the client by its exact certificate and the handshake signature made with it.
#[derive(Debug)]
pub struct PinnedClientCert {
    pinned: CertificateDer<'static>,
    algs: WebPkiSupportedAlgorithms,
}

impl PinnedClientCert {
    pub fn from_pem(pem: &str) -> Result<Self, TlsError> {
        let pinned = CertificateDer::from_pem_slice(pem.as_bytes())
            .map_err(|e| TlsError::ClientCert(e.to_string()))?;
        Ok(PinnedClientCert {
            pinned,
            algs: aws_lc_rs::default_provider().signature_verification_algorithms,
        })
    }
}

impl ClientCertVerifier for PinnedClientCert {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        true
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.pinned.as_ref() {
            Ok(ClientCertVerified::assertion())
        } else {
            tracing::warn!("rejected a client presenting a certificate other than Terraform's");
            Err(rustls::Error::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure,
            ))
        }
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

/// The server TLS configuration: pinned mandatory client auth, ALPN h2.
pub fn server_config(
    identity: &ServerIdentity,
    client_cert_pem: &str,
) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let verifier = PinnedClientCert::from_pem(client_cert_pem)?;
    let mut cfg =
        rustls::ServerConfig::builder_with_provider(Arc::new(aws_lc_rs::default_provider()))
            .with_safe_default_protocol_versions()?
            .with_client_cert_verifier(Arc::new(verifier))
            .with_single_cert(
                vec![identity.cert_der.clone()],
                identity.key_der.clone_key(),
            )?;
    cfg.alpn_protocols = vec![b"h2".to_vec()];
    Ok(Arc::new(cfg))
}
