//! Development certificate authority: ECDSA P-256 CAs and the server certificates they issue.

mod files;

use std::fmt;
use std::net::IpAddr;
use std::time::{Duration, SystemTime};

use rcgen::{
    BasicConstraints, Certificate, CertificateParams, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256, SanType,
};
use rustls::sign::CertifiedKey;
use rustls_pki_types::{DnsName, PrivateKeyDer};
use time::OffsetDateTime;

use crate::error::{Error, Result};
use crate::pem::{parse_certificates, parse_private_key};
use crate::policy::crypto_provider;

pub use files::{
    DEV_CA_COMMON_NAME, DEV_INTERMEDIATE_COMMON_NAME, DevCaFiles, write_dev_ca,
    write_dev_ca_with_intermediate,
};

const DAY: Duration = Duration::from_secs(24 * 60 * 60);

/// Validity of a root CA certificate.
const ROOT_VALIDITY: Duration = Duration::from_secs(10 * 365 * 24 * 60 * 60);

/// Validity of an intermediate CA certificate.
const INTERMEDIATE_VALIDITY: Duration = Duration::from_secs(5 * 365 * 24 * 60 * 60);

/// Validity of a server certificate. Browsers reject server certificates
/// valid for more than 398 days, so a year stays under that limit.
const SERVER_VALIDITY: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// Backdating of `notBefore`, so a peer whose clock lags a little still accepts a fresh certificate.
const CLOCK_SKEW: Duration = Duration::from_secs(60 * 60);

/// Time window in which a certificate is valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    /// First instant of validity (`notBefore`).
    pub not_before: SystemTime,
    /// Last instant of validity (`notAfter`).
    pub not_after: SystemTime,
}

impl Validity {
    /// Returns a window that starts [`CLOCK_SKEW`] before now and lasts `length` from now.
    fn from_now(length: Duration) -> Self {
        let now = SystemTime::now();
        Self {
            not_before: now - CLOCK_SKEW,
            not_after: now + length,
        }
    }

    /// Returns a window that ended `ago` before now and lasted a month, for tests of expiry.
    pub fn expired(ago: Duration) -> Self {
        let not_after = SystemTime::now() - ago;
        Self {
            not_before: not_after - 30 * DAY,
            not_after,
        }
    }
}

/// A server certificate chain and its private key, as PEM.
#[derive(Clone)]
pub struct IssuedCertificate {
    /// The server certificate followed by its intermediates; the root CA is not included.
    pub chain_pem: String,
    /// The server's ECDSA P-256 private key, PKCS#8 (`BEGIN PRIVATE KEY`).
    pub private_key_pem: String,
}

impl fmt::Debug for IssuedCertificate {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("IssuedCertificate")
            .field("chain_pem", &self.chain_pem)
            .field("private_key_pem", &"<redacted>")
            .finish()
    }
}

/// A certificate authority for development and tests, holding its certificate and private key.
///
/// A CA is either a root, from [`DevCa::generate`] or [`DevCa::load`], or an
/// intermediate, from [`DevCa::issue_intermediate`]. Certificates issued by an
/// intermediate carry the intermediates in their chain.
pub struct DevCa {
    /// Issuer view of the CA: same subject, key identifier and key as `certificate_pem`.
    issuer: Certificate,
    key: KeyPair,
    certificate_pem: String,
    /// Certificates a server sends after its own: this CA and its parents, up to but excluding the root.
    intermediates_pem: Vec<String>,
}

impl fmt::Debug for DevCa {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("DevCa")
            .field("certificate_pem", &self.certificate_pem)
            .field("intermediates", &self.intermediates_pem.len())
            .finish_non_exhaustive()
    }
}

impl DevCa {
    /// Generates a root CA with a fresh ECDSA P-256 key, valid for ten years.
    pub fn generate(common_name: &str) -> Result<Self> {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
        let params = ca_params(
            common_name,
            BasicConstraints::Unconstrained,
            Validity::from_now(ROOT_VALIDITY),
        );
        let certificate = params.self_signed(&key)?;
        Ok(Self {
            certificate_pem: certificate.pem(),
            issuer: certificate,
            key,
            intermediates_pem: Vec::new(),
        })
    }

    /// Loads a root CA from its certificate PEM and its PKCS#8 private key PEM.
    ///
    /// Fails when the PEM contains no or several certificates, the certificate is
    /// not a CA, the key is not PKCS#8, or the key does not match the certificate.
    pub fn load(certificate_pem: &str, private_key_pem: &str) -> Result<Self> {
        Self::load_with_origins(
            certificate_pem,
            "CA certificate PEM",
            private_key_pem,
            "CA private key PEM",
        )
    }

    pub(crate) fn load_with_origins(
        certificate_pem: &str,
        cert_origin: &str,
        private_key_pem: &str,
        key_origin: &str,
    ) -> Result<Self> {
        let mut certificates = parse_certificates(certificate_pem.as_bytes(), cert_origin)?;
        if certificates.len() > 1 {
            return Err(Error::SeveralCertificates {
                origin: cert_origin.to_owned(),
                count: certificates.len(),
            });
        }
        let certificate = certificates.remove(0);

        let key_der = match parse_private_key(private_key_pem.as_bytes(), key_origin)? {
            PrivateKeyDer::Pkcs8(pkcs8) => pkcs8,
            _ => {
                return Err(Error::CaKeyNotPkcs8 {
                    origin: key_origin.to_owned(),
                });
            }
        };
        let key = KeyPair::try_from(&key_der).map_err(|_| Error::CaKeyNotPkcs8 {
            origin: key_origin.to_owned(),
        })?;

        // rustls compares the key's SubjectPublicKeyInfo with the certificate's.
        CertifiedKey::from_der(
            vec![certificate.clone()],
            PrivateKeyDer::Pkcs8(key_der),
            &crypto_provider(),
        )
        .map_err(|error| match error {
            rustls::Error::InconsistentKeys(_) => Error::KeyMismatch {
                cert_origin: cert_origin.to_owned(),
                key_origin: key_origin.to_owned(),
            },
            rustls::Error::InvalidCertificate(_) => Error::InvalidCertificate {
                origin: cert_origin.to_owned(),
                source: error,
            },
            other => Error::UnsupportedPrivateKey {
                origin: key_origin.to_owned(),
                source: other,
            },
        })?;

        let params = CertificateParams::from_ca_cert_der(&certificate)?;
        if !matches!(params.is_ca, IsCa::Ca(_)) {
            return Err(Error::NotCaCertificate {
                origin: cert_origin.to_owned(),
            });
        }

        // rcgen signs with an issuer `Certificate`: re-signing the parsed
        // parameters yields one whose subject and key identifier equal the
        // stored certificate's, which is all an issued certificate refers to.
        let issuer = params.self_signed(&key)?;
        Ok(Self {
            issuer,
            key,
            certificate_pem: certificate_pem.to_owned(),
            intermediates_pem: Vec::new(),
        })
    }

    /// Returns the PEM of this CA's own certificate: the one clients trust for a root.
    pub fn certificate_pem(&self) -> &str {
        &self.certificate_pem
    }

    /// Returns this CA's private key as PKCS#8 PEM. The result is a secret.
    pub fn private_key_pem(&self) -> String {
        self.key.serialize_pem()
    }

    /// Issues a server certificate for `names`, valid for a year.
    ///
    /// Each name becomes a subjectAltName: an IP address (`127.0.0.1`, `::1`)
    /// when it parses as one, otherwise a DNS name (`localhost`, `*.example.test`).
    /// The first name is also the subject common name.
    pub fn issue_server(&self, names: &[String]) -> Result<IssuedCertificate> {
        self.issue_server_with_validity(names, Validity::from_now(SERVER_VALIDITY))
    }

    /// Issues a server certificate for `names` valid in `validity`, which may lie in the past.
    pub fn issue_server_with_validity(
        &self,
        names: &[String],
        validity: Validity,
    ) -> Result<IssuedCertificate> {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
        let params = server_params(names, validity)?;
        let certificate = params.signed_by(&key, &self.issuer, &self.key)?;

        let mut chain_pem = certificate.pem();
        for intermediate in &self.intermediates_pem {
            chain_pem.push_str(intermediate);
        }
        Ok(IssuedCertificate {
            chain_pem,
            private_key_pem: key.serialize_pem(),
        })
    }

    /// Issues an intermediate CA under this CA that may sign server certificates only
    /// (path length 0), valid for five years.
    pub fn issue_intermediate(&self, common_name: &str) -> Result<DevCa> {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
        let mut params = ca_params(
            common_name,
            BasicConstraints::Constrained(0),
            Validity::from_now(INTERMEDIATE_VALIDITY),
        );
        params.use_authority_key_identifier_extension = true;
        let certificate = params.signed_by(&key, &self.issuer, &self.key)?;

        let certificate_pem = certificate.pem();
        let mut intermediates_pem = vec![certificate_pem.clone()];
        intermediates_pem.extend(self.intermediates_pem.iter().cloned());
        Ok(DevCa {
            issuer: certificate,
            key,
            certificate_pem,
            intermediates_pem,
        })
    }
}

/// Issues a self-signed server certificate for `names`, valid for a year.
///
/// No CA vouches for it, so verifying clients reject it; tests use it for that case.
pub fn self_signed_server(names: &[String]) -> Result<IssuedCertificate> {
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
    let certificate =
        server_params(names, Validity::from_now(SERVER_VALIDITY))?.self_signed(&key)?;
    Ok(IssuedCertificate {
        chain_pem: certificate.pem(),
        private_key_pem: key.serialize_pem(),
    })
}

fn ca_params(
    common_name: &str,
    constraints: BasicConstraints,
    validity: Validity,
) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name = common_name_only(common_name);
    params.is_ca = IsCa::Ca(constraints);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    set_validity(&mut params, validity);
    params
}

fn server_params(names: &[String], validity: Validity) -> Result<CertificateParams> {
    let mut params = CertificateParams::default();
    params.subject_alt_names = subject_alt_names(names)?;
    params.distinguished_name = common_name_only(&names[0]);
    params.is_ca = IsCa::ExplicitNoCa;
    // ECDSA keys sign the handshake and never encipher keys, so no keyEncipherment.
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    set_validity(&mut params, validity);
    Ok(params)
}

fn common_name_only(common_name: &str) -> DistinguishedName {
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, common_name);
    name
}

fn set_validity(params: &mut CertificateParams, validity: Validity) {
    params.not_before = OffsetDateTime::from(validity.not_before);
    params.not_after = OffsetDateTime::from(validity.not_after);
}

/// Parses the names of a server certificate; fails when there is none or one is invalid.
pub(crate) fn subject_alt_names(names: &[String]) -> Result<Vec<SanType>> {
    if names.is_empty() {
        return Err(Error::NoNames);
    }
    names.iter().map(|name| subject_alt_name(name)).collect()
}

/// Parses one requested name into an IP address or a DNS name subjectAltName.
fn subject_alt_name(name: &str) -> Result<SanType> {
    if let Ok(address) = name.parse::<IpAddr>() {
        return Ok(SanType::IpAddress(address));
    }

    let invalid = || Error::InvalidName {
        name: name.to_owned(),
    };
    // A wildcard is valid only as the whole leftmost label.
    let base = name.strip_prefix("*.").unwrap_or(name);
    DnsName::try_from(base).map_err(|_| invalid())?;
    let dns_name = name.try_into().map_err(|_| invalid())?;
    Ok(SanType::DnsName(dns_name))
}
