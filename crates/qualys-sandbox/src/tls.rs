//! TLS for the sandbox: a throw-away CA and a server certificate for the loopback names, so tests
//! can exercise real certificate verification, CA bundles and proxies.

use std::sync::Arc;

use crate::SandboxError;

/// A generated CA and a server certificate it signed for `localhost`, `127.0.0.1` and `::1`.
///
/// ```
/// let id = qualys_sandbox::tls::TlsIdentity::generate().unwrap();
/// assert!(id.ca_pem().starts_with("-----BEGIN CERTIFICATE-----"));
/// ```
pub struct TlsIdentity {
    ca_pem: String,
    cert_der: Vec<u8>,
    key_der: Vec<u8>,
}

impl TlsIdentity {
    /// Generates a fresh CA and server certificate (ECDSA P-256).
    pub fn generate() -> Result<Self, SandboxError> {
        let err = |e: rcgen::Error| SandboxError::Tls(e.to_string());
        let ca_key = rcgen::KeyPair::generate().map_err(err)?;
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).map_err(err)?;
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "qualys-sandbox test CA");
        ca_params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::CrlSign,
        ];
        let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).map_err(err)?;
        let key = rcgen::KeyPair::generate().map_err(err)?;
        let mut params = rcgen::CertificateParams::new(vec![
            "localhost".to_owned(),
            "127.0.0.1".to_owned(),
            "::1".to_owned(),
        ])
        .map_err(err)?;
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "qualys-sandbox");
        let cert = params.signed_by(&key, &ca).map_err(err)?;
        Ok(Self {
            ca_pem: ca.pem(),
            cert_der: cert.der().to_vec(),
            key_der: key.serialize_der(),
        })
    }

    /// The CA certificate, PEM-encoded: what a client must trust.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The rustls server configuration (ring provider, HTTP/1.1).
    pub(crate) fn server_config(&self) -> Result<Arc<rustls::ServerConfig>, SandboxError> {
        let err = |e: rustls::Error| SandboxError::Tls(e.to_string());
        let cert = rustls::pki_types::CertificateDer::from(self.cert_der.clone());
        let key = rustls::pki_types::PrivateKeyDer::try_from(self.key_der.clone())
            .map_err(|e| SandboxError::Tls(e.to_string()))?;
        let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(err)?
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .map_err(err)?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

impl std::fmt::Debug for TlsIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsIdentity").finish_non_exhaustive()
    }
}
