//! Server certificates for the TLS benchmarks: the tls crate's dev CA
//! (ECDSA P-256), and a bench CA that issues P-384 or RSA-2048 server keys
//! for comparison.

use std::process::Command;
use std::sync::Arc;

use anyhow::Context;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose, PKCS_ECDSA_P256_SHA256, PKCS_ECDSA_P384_SHA384, PKCS_RSA_SHA256,
};
use rustls::{ClientConfig, ServerConfig};

/// Name every benchmark certificate is issued for and every client connects to.
pub const SERVER_NAME: &str = "localhost";

/// Key algorithm of a server certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    EcdsaP256,
    EcdsaP384,
    Rsa2048,
}

impl KeyKind {
    /// Name of the key type as the report prints it.
    pub fn label(self) -> &'static str {
        match self {
            KeyKind::EcdsaP256 => "ECDSA P-256",
            KeyKind::EcdsaP384 => "ECDSA P-384",
            KeyKind::Rsa2048 => "RSA-2048",
        }
    }
}

/// A server certificate chain and private key, with the CA certificate that
/// clients must trust.
pub struct ServerIdentity {
    pub kind: KeyKind,
    /// Issuer of the server certificate, for the report.
    pub issuer: &'static str,
    pub ca_pem: String,
    pub chain_pem: String,
    pub key_pem: String,
}

impl ServerIdentity {
    /// Builds the connector's server TLS configuration for this certificate.
    pub fn server_config(&self) -> anyhow::Result<Arc<ServerConfig>> {
        tls::server::server_config_from_pem(self.chain_pem.as_bytes(), self.key_pem.as_bytes())
            .context("failed to build the server TLS configuration")
    }

    /// Builds the client TLS configuration that trusts only this CA.
    pub fn client_config(&self) -> anyhow::Result<Arc<ClientConfig>> {
        tls::client::client_config(&[self.ca_pem.as_bytes().to_vec()])
            .context("failed to build the client TLS configuration")
    }
}

/// Issues an ECDSA P-256 server certificate from a fresh dev CA of the tls
/// crate, the same kind the connector's development setup uses.
pub fn dev_ca_identity() -> anyhow::Result<ServerIdentity> {
    let ca = tls::dev_ca::DevCa::generate("callouts benchmark dev CA")
        .context("failed to generate the dev CA")?;
    let issued = ca
        .issue_server(&[SERVER_NAME.to_owned(), "127.0.0.1".to_owned()])
        .context("failed to issue the dev server certificate")?;
    Ok(ServerIdentity {
        kind: KeyKind::EcdsaP256,
        issuer: "tls::dev_ca",
        ca_pem: ca.certificate_pem().to_owned(),
        chain_pem: issued.chain_pem,
        key_pem: issued.private_key_pem,
    })
}

/// Issues a server certificate with a key of `kind`. P-256 comes from the
/// dev CA; the other kinds come from a fresh P-256 bench CA built with
/// rcgen, because the dev CA issues P-256 keys only.
///
/// rcgen with the ring backend cannot generate RSA keys, so the RSA key comes
/// from `openssl genpkey`. When that command fails, the error names both facts.
pub fn issue(kind: KeyKind) -> anyhow::Result<ServerIdentity> {
    let server_key = match kind {
        KeyKind::EcdsaP256 => return dev_ca_identity(),
        KeyKind::EcdsaP384 => KeyPair::generate_for(&PKCS_ECDSA_P384_SHA384)
            .context("failed to generate an ECDSA P-384 key")?,
        KeyKind::Rsa2048 => match KeyPair::generate_for(&PKCS_RSA_SHA256) {
            Ok(key) => key,
            Err(_) => rsa_key_from_openssl()?,
        },
    };

    let ca_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)
        .context("failed to generate the bench CA key")?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "callouts benchmark CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_certificate = ca_params.self_signed(&ca_key)?;

    let mut server_params =
        CertificateParams::new(vec![SERVER_NAME.to_owned(), "127.0.0.1".to_owned()])?;
    server_params
        .distinguished_name
        .push(DnType::CommonName, SERVER_NAME);
    server_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    server_params.use_authority_key_identifier_extension = true;
    let server_certificate = server_params.signed_by(&server_key, &ca_certificate, &ca_key)?;

    Ok(ServerIdentity {
        kind,
        issuer: "rcgen bench CA",
        ca_pem: ca_certificate.pem(),
        chain_pem: server_certificate.pem(),
        key_pem: server_key.serialize_pem(),
    })
}

/// Generates an RSA-2048 key in PKCS#8 with the `openssl` command.
fn rsa_key_from_openssl() -> anyhow::Result<KeyPair> {
    let output = Command::new("openssl")
        .args(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"])
        .output()
        .context(
            "rcgen with ring cannot generate RSA keys, and running `openssl genpkey` failed",
        )?;
    if !output.status.success() {
        anyhow::bail!(
            "rcgen with ring cannot generate RSA keys, and `openssl genpkey` exited with {}",
            output.status
        );
    }
    let pem = String::from_utf8(output.stdout).context("`openssl genpkey` printed non-UTF-8 PEM")?;
    KeyPair::from_pem(&pem).context("rcgen could not load the RSA key from `openssl genpkey`")
}
