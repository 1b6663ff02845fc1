//! Client settings and the TLS client configuration built from them.

use std::sync::Arc;
use std::time::Duration;

use rustls::{ClientConfig, RootCertStore};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

/// Settings of an [`OutboundClient`](crate::OutboundClient).
#[derive(Debug, Clone)]
pub struct OutboundConfig {
    /// PEM bundles trusted in addition to the system roots (webpki-roots crate, Mozilla's list).
    pub extra_trusted_ca_pems: Vec<Vec<u8>>,
    /// Allow loopback, private, link-local and other non-public targets (demo and tests).
    pub allow_private_addresses: bool,
    /// Limit on establishing a connection: name resolution, TCP connect and TLS handshake. Default 5 s.
    pub connect_timeout: Duration,
    /// Limit on a whole callout, connection included. Default 15 s.
    pub total_timeout: Duration,
    /// Largest response body accepted, in bytes. Default 1 MiB.
    pub max_response_bytes: usize,
}

impl Default for OutboundConfig {
    fn default() -> Self {
        OutboundConfig {
            extra_trusted_ca_pems: Vec::new(),
            allow_private_addresses: false,
            connect_timeout: Duration::from_secs(5),
            total_timeout: Duration::from_secs(15),
            max_response_bytes: 1024 * 1024,
        }
    }
}

/// Failure to build an [`OutboundClient`](crate::OutboundClient) from its configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OutboundSetupError {
    /// An extra trusted CA bundle is not valid PEM or contains no certificate.
    #[error("extra trusted CA bundle #{index}: {reason}")]
    InvalidCaPem {
        /// One-based position in `extra_trusted_ca_pems`.
        index: usize,
        /// Description of the problem.
        reason: String,
    },

    /// A setting is out of range; the text names it.
    #[error("invalid outbound client setting: {0}")]
    InvalidSetting(&'static str),

    /// rustls rejected the TLS configuration.
    #[error("TLS configuration failed: {0}")]
    Tls(#[source] rustls::Error),
}

impl OutboundConfig {
    pub(crate) fn validate(&self) -> Result<(), OutboundSetupError> {
        if self.connect_timeout.is_zero() {
            return Err(OutboundSetupError::InvalidSetting(
                "connect_timeout must be greater than zero",
            ));
        }
        if self.total_timeout.is_zero() {
            return Err(OutboundSetupError::InvalidSetting(
                "total_timeout must be greater than zero",
            ));
        }
        if self.max_response_bytes == 0 {
            return Err(OutboundSetupError::InvalidSetting(
                "max_response_bytes must be greater than zero",
            ));
        }
        Ok(())
    }

    /// Builds the TLS client configuration: the shared callout policy, and
    /// roots from Mozilla's list plus the extra CAs. Other HTTPS clients of
    /// the project (the connector's calls to the host) use it too.
    pub fn tls_client_config(&self) -> Result<Arc<ClientConfig>, OutboundSetupError> {
        let mut roots = RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        for (position, pem) in self.extra_trusted_ca_pems.iter().enumerate() {
            let index = position + 1;
            let invalid = |reason: String| OutboundSetupError::InvalidCaPem { index, reason };

            let certificates = CertificateDer::pem_slice_iter(pem)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|error| invalid(format!("invalid PEM: {error}")))?;
            if certificates.is_empty() {
                return Err(invalid(
                    "no `-----BEGIN CERTIFICATE-----` block found".to_owned(),
                ));
            }
            for certificate in certificates {
                roots
                    .add(certificate)
                    .map_err(|error| invalid(format!("unusable certificate: {error}")))?;
            }
        }

        let mut config = ClientConfig::builder_with_provider(tls::crypto_provider())
            .with_protocol_versions(tls::PROTOCOL_VERSIONS)
            .map_err(OutboundSetupError::Tls)?
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = tls::client::CLIENT_ALPN_PROTOCOLS
            .iter()
            .map(|protocol| protocol.to_vec())
            .collect();
        Ok(Arc::new(config))
    }
}
