//! Errors of certificate loading, issuance and TLS configuration.

use std::io;
use std::path::PathBuf;

/// Result of the operations of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Failure to read, parse, issue or configure TLS material.
///
/// `origin` fields name where the PEM came from: a file path, or a label such
/// as `certificate PEM` for in-memory input. No variant carries key material.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read.
    #[error("failed to read {}: {source}", path.display())]
    ReadFile {
        /// File that was being read.
        path: PathBuf,
        /// Underlying I/O error.
        #[source]
        source: io::Error,
    },

    /// A file is larger than any PEM file this crate accepts.
    #[error("{} is larger than {max_bytes} bytes, which is too large for a PEM file", path.display())]
    FileTooLarge {
        /// File that was being read.
        path: PathBuf,
        /// Size limit in bytes.
        max_bytes: u64,
    },

    /// A file or directory could not be written.
    #[error("failed to write {}: {source}", path.display())]
    WriteFile {
        /// File or directory that was being written.
        path: PathBuf,
        /// Underlying I/O error.
        #[source]
        source: io::Error,
    },

    /// PEM text is malformed.
    #[error("invalid PEM in {origin}: {source}")]
    InvalidPem {
        /// Source of the PEM: a file path or an input label.
        origin: String,
        /// Parser error.
        #[source]
        source: rustls_pki_types::pem::Error,
    },

    /// PEM input contains no certificate.
    #[error("no certificate found in {origin}: expected a `-----BEGIN CERTIFICATE-----` block")]
    NoCertificate {
        /// Source of the PEM: a file path or an input label.
        origin: String,
    },

    /// PEM input that should contain one certificate contains several.
    #[error("{origin} contains {count} certificates: expected exactly one")]
    SeveralCertificates {
        /// Source of the PEM: a file path or an input label.
        origin: String,
        /// Number of certificates found.
        count: usize,
    },

    /// PEM input contains no private key in a supported encoding.
    #[error(
        "no private key found in {origin}: expected a `-----BEGIN PRIVATE KEY-----` (PKCS#8), \
         `-----BEGIN EC PRIVATE KEY-----` (SEC1) or `-----BEGIN RSA PRIVATE KEY-----` (PKCS#1) block"
    )]
    NoPrivateKey {
        /// Source of the PEM: a file path or an input label.
        origin: String,
    },

    /// PEM input contains only a passphrase-protected private key.
    #[error(
        "the private key in {origin} is encrypted: decrypt it first, for example with `openssl pkey -in FILE -out FILE.plain`"
    )]
    EncryptedPrivateKey {
        /// Source of the PEM: a file path or an input label.
        origin: String,
    },

    /// PEM input contains more than one private key, so the intended one is unclear.
    #[error("{origin} contains {count} private keys: expected exactly one")]
    SeveralPrivateKeys {
        /// Source of the PEM: a file path or an input label.
        origin: String,
        /// Number of private keys found.
        count: usize,
    },

    /// The private key is well-formed PEM but not a key the crypto provider can use.
    #[error("the private key in {origin} is invalid or of an unsupported type: {source}")]
    UnsupportedPrivateKey {
        /// Source of the PEM: a file path or an input label.
        origin: String,
        /// Provider error.
        #[source]
        source: rustls::Error,
    },

    /// A certificate cannot be parsed or used.
    #[error("invalid certificate in {origin}: {source}")]
    InvalidCertificate {
        /// Source of the PEM: a file path or an input label.
        origin: String,
        /// Parser or verifier error.
        #[source]
        source: rustls::Error,
    },

    /// The private key belongs to another certificate.
    #[error(
        "the private key in {key_origin} does not match the first certificate in {cert_origin} \
         (the server certificate must come first, followed by its intermediates)"
    )]
    KeyMismatch {
        /// Source of the certificate chain.
        cert_origin: String,
        /// Source of the private key.
        key_origin: String,
    },

    /// A certificate that should act as an issuer is not a CA certificate.
    #[error(
        "the certificate in {origin} is not a CA certificate: basicConstraints CA:TRUE is missing"
    )]
    NotCaCertificate {
        /// Source of the PEM: a file path or an input label.
        origin: String,
    },

    /// A CA private key is not PKCS#8, the only encoding the certificate generator accepts with ring.
    #[error(
        "the CA private key in {origin} must be PKCS#8 (`-----BEGIN PRIVATE KEY-----`): \
         convert it with `openssl pkcs8 -topk8 -nocrypt -in FILE -out FILE.p8`"
    )]
    CaKeyNotPkcs8 {
        /// Source of the PEM: a file path or an input label.
        origin: String,
    },

    /// A name requested for a certificate is neither an IP address nor a DNS name.
    #[error(
        "invalid certificate name {name:?}: expected a DNS name (`localhost`, `*.example.test`) or an IP address"
    )]
    InvalidName {
        /// Name as given.
        name: String,
    },

    /// A server certificate was requested without any name.
    #[error(
        "no certificate name given: a server certificate needs at least one DNS name or IP address"
    )]
    NoNames,

    /// Only one half of a stored CA exists, so reusing or replacing it would be a guess.
    #[error("{} exists but {} is missing: restore it or remove both to create a new CA", present.display(), missing.display())]
    IncompleteCa {
        /// File that exists.
        present: PathBuf,
        /// File that is missing.
        missing: PathBuf,
    },

    /// No trusted CA certificate was given to a client configuration.
    #[error("no trusted CA certificate given: a client needs at least one CA to verify servers")]
    NoTrustedCa,

    /// The certificate generator failed.
    #[error("certificate generation failed: {0}")]
    Generate(#[from] rcgen::Error),

    /// rustls rejected the configuration.
    #[error("TLS configuration failed: {0}")]
    Config(#[source] rustls::Error),
}
