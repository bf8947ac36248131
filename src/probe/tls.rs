//! The TLS handshake: rustls with a verifier that accepts any chain, so the chain a
//! server sends is captured even when a browser would reject it. The checks judge it.

use super::TlsFacts;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};
use std::sync::{Arc, Mutex};

/// Accepts every certificate but still checks the handshake signatures (so the server
/// proved it holds the key), and remembers the stapled OCSP response.
#[derive(Debug)]
pub struct RecordingVerifier {
    provider: Arc<CryptoProvider>,
    pub ocsp: Mutex<Option<usize>>,
    /// Set when the server asks for a client certificate.
    pub asked: Arc<AskedForClientCert>,
}

impl RecordingVerifier {
    pub fn client_certificate_requested(&self) -> bool {
        self.asked.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if !ocsp_response.is_empty() {
            *self.ocsp.lock().unwrap_or_else(|p| p.into_inner()) = Some(ocsp_response.len());
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// Sends no client certificate, but remembers that the server asked for one.
#[derive(Debug, Default)]
pub struct AskedForClientCert(pub std::sync::atomic::AtomicBool);

impl rustls::client::ResolvesClientCert for AskedForClientCert {
    fn resolve(
        &self,
        _root_hint_subjects: &[&[u8]],
        _sigschemes: &[SignatureScheme],
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        self.0.store(true, std::sync::atomic::Ordering::Relaxed);
        None
    }
    fn has_certs(&self) -> bool {
        false
    }
}

/// A client config for one probe: any chain accepted, no session resumption (so each
/// probe sees a Certificate message), HTTP/1.1 offered over ALPN; a server's request
/// for a client certificate is recorded in the verifier.
pub fn client_config(
    provider: &Arc<CryptoProvider>,
) -> (Arc<ClientConfig>, Arc<RecordingVerifier>) {
    let verifier = Arc::new(RecordingVerifier {
        provider: provider.clone(),
        ocsp: Mutex::new(None),
        asked: Arc::new(AskedForClientCert::default()),
    });
    let mut cfg = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .expect("the aws-lc-rs provider supports the default protocol versions")
        .dangerous()
        .with_custom_certificate_verifier(verifier.clone())
        .with_client_cert_resolver(verifier.asked.clone());
    cfg.resumption = rustls::client::Resumption::disabled();
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    cfg.enable_sni = true;
    (Arc::new(cfg), verifier)
}

/// Records what a finished handshake negotiated.
pub fn record(conn: &rustls::ClientConnection, verifier: &RecordingVerifier, facts: &mut TlsFacts) {
    facts.protocol = conn.protocol_version().map(|v| format!("{v:?}"));
    facts.cipher = conn
        .negotiated_cipher_suite()
        .map(|c| format!("{:?}", c.suite()));
    facts.served_chain = conn
        .peer_certificates()
        .map(|c| c.iter().map(|d| d.to_vec()).collect())
        .unwrap_or_default();
    facts.ocsp_stapled_bytes = *verifier.ocsp.lock().unwrap_or_else(|p| p.into_inner());
    facts.client_certificate_requested = verifier.client_certificate_requested();
}
