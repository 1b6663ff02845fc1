//! Client configuration for calling connectors over verified TLS.

use std::path::Path;
use std::sync::Arc;

use rustls::{ClientConfig, RootCertStore};

use crate::error::{Error, Result};
use crate::pem::{file_origin, parse_certificates, read_pem_file};
use crate::policy::{PROTOCOL_VERSIONS, crypto_provider};

/// ALPN protocols the client offers.
pub const CLIENT_ALPN_PROTOCOLS: &[&[u8]] = &[b"http/1.1"];

/// Builds a client configuration that trusts only the CA certificates in `trusted_ca_pems`.
///
/// Each entry is PEM text holding one or more certificates. Servers are
/// verified with webpki against these roots alone (no system store), and the
/// server name the caller connects to must match the certificate.
pub fn client_config(trusted_ca_pems: &[Vec<u8>]) -> Result<Arc<ClientConfig>> {
    let mut roots = RootCertStore::empty();
    for (index, pem) in trusted_ca_pems.iter().enumerate() {
        let origin = format!("trusted CA PEM #{}", index + 1);
        for certificate in parse_certificates(pem, &origin)? {
            roots
                .add(certificate)
                .map_err(|source| Error::InvalidCertificate {
                    origin: origin.clone(),
                    source,
                })?;
        }
    }
    if roots.is_empty() {
        return Err(Error::NoTrustedCa);
    }

    let mut config = ClientConfig::builder_with_provider(crypto_provider())
        .with_protocol_versions(PROTOCOL_VERSIONS)
        .map_err(Error::Config)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = CLIENT_ALPN_PROTOCOLS
        .iter()
        .map(|protocol| protocol.to_vec())
        .collect();
    Ok(Arc::new(config))
}

/// Reads CA certificate PEM files for [`client_config`].
///
/// Fails on the first file that cannot be read or contains no certificate, and the error names that file.
pub fn read_ca_pem_files<P: AsRef<Path>>(paths: &[P]) -> Result<Vec<Vec<u8>>> {
    paths
        .iter()
        .map(|path| {
            let path = path.as_ref();
            let pem = read_pem_file(path)?;
            parse_certificates(&pem, &file_origin(path))?;
            Ok(pem)
        })
        .collect()
}
