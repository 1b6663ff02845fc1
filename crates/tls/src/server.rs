//! Server configuration for the connector's HTTPS listener.

use std::path::Path;
use std::sync::Arc;

use rustls::ServerConfig;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::error::{Error, Result};
use crate::pem::{file_origin, parse_certificates, parse_private_key, read_pem_file};
use crate::policy::{PROTOCOL_VERSIONS, crypto_provider};

/// ALPN protocols the server offers, most preferred first.
pub const SERVER_ALPN_PROTOCOLS: &[&[u8]] = &[b"h2", b"http/1.1"];

/// Builds a server configuration from a certificate chain file and a private key file.
///
/// The certificate file lists the server certificate first, then any
/// intermediates. The key file contains one PKCS#8, SEC1 or PKCS#1 key.
/// Errors name the file and the problem: unreadable, no certificate, no key,
/// or a key that does not match the certificate.
pub fn server_config_from_pem_files(
    cert_path: &Path,
    key_path: &Path,
) -> Result<Arc<ServerConfig>> {
    let cert_pem = read_pem_file(cert_path)?;
    let key_pem = read_pem_file(key_path)?;
    build(
        &cert_pem,
        &file_origin(cert_path),
        &key_pem,
        &file_origin(key_path),
    )
}

/// Builds a server configuration from in-memory PEM, with the same rules as
/// [`server_config_from_pem_files`].
pub fn server_config_from_pem(cert_pem: &[u8], key_pem: &[u8]) -> Result<Arc<ServerConfig>> {
    build(cert_pem, "certificate PEM", key_pem, "private key PEM")
}

fn build(
    cert_pem: &[u8],
    cert_origin: &str,
    key_pem: &[u8],
    key_origin: &str,
) -> Result<Arc<ServerConfig>> {
    let chain = parse_certificates(cert_pem, cert_origin)?;
    let key = parse_private_key(key_pem, key_origin)?;
    server_config(chain, key, cert_origin, key_origin).map(Arc::new)
}

fn server_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    cert_origin: &str,
    key_origin: &str,
) -> Result<ServerConfig> {
    let mut config = ServerConfig::builder_with_provider(crypto_provider())
        .with_protocol_versions(PROTOCOL_VERSIONS)
        .map_err(Error::Config)?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|error| classify_single_cert_error(error, cert_origin, key_origin))?;

    config.alpn_protocols = SERVER_ALPN_PROTOCOLS
        .iter()
        .map(|protocol| protocol.to_vec())
        .collect();
    Ok(config)
}

/// Maps the error of `with_single_cert` to the input at fault.
fn classify_single_cert_error(error: rustls::Error, cert_origin: &str, key_origin: &str) -> Error {
    match error {
        rustls::Error::InconsistentKeys(_) => Error::KeyMismatch {
            cert_origin: cert_origin.to_owned(),
            key_origin: key_origin.to_owned(),
        },
        rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented => {
            Error::InvalidCertificate {
                origin: cert_origin.to_owned(),
                source: error,
            }
        }
        // The key is loaded before anything else is checked, so a general
        // error at this step comes from the key provider.
        other => Error::UnsupportedPrivateKey {
            origin: key_origin.to_owned(),
            source: other,
        },
    }
}
