//! Why a callout failed: one cause per thing an administrator can fix, with a stable code.

use std::io;
use std::net::IpAddr;

use rustls::{AlertDescription, CertificateError};

use crate::guard;

/// Cause of a failed callout or Test Connection.
///
/// `Display` gives a sentence an administrator can act on; [`kind`](Self::kind)
/// gives a stable snake_case code for metrics and the audit trail. No variant
/// carries a password or an `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FailureCause {
    /// The origin is not a valid `https://host[:port]`; the text names the value and the rule.
    #[error("invalid host name {0}")]
    InvalidOrigin(String),

    /// The path, content type or credentials cannot be sent; the text names the field and the rule.
    #[error("invalid callout request: {0}")]
    InvalidRequest(String),

    /// DNS returned no address for the host.
    #[error(
        "the host name {host} could not be resolved: check its spelling and that DNS has an address record for it"
    )]
    NameNotResolved {
        /// Host name as looked up.
        host: String,
    },

    /// The host resolved to an address outside the public internet.
    #[error(
        "the host resolves to {address}, which is {range}: callouts go to public addresses only, unless the host is configured to allow private addresses (for demos and tests)",
        range = guard::non_public_range(*address).unwrap_or("not a public address")
    )]
    AddressNotAllowed {
        /// First resolved address that the guard rejected.
        address: IpAddr,
    },

    /// Nothing listens on the port.
    #[error(
        "the connection was refused: nothing listens on that port; check the port in the host name and that the connector is running"
    )]
    ConnectionRefused,

    /// A phase did not finish within its time limit.
    #[error("{}", timed_out_message(phase))]
    TimedOut {
        /// `"connect"`, `"TLS handshake"` or `"response"`.
        phase: &'static str,
    },

    /// The certificate chain does not lead to a trusted CA: self-signed, or an unknown issuer.
    #[error(
        "the certificate is not trusted: it is self-signed or issued by an unknown certificate authority; install a certificate from a trusted CA, or start the host with --trust-ca"
    )]
    CertificateNotTrusted,

    /// The certificate's validity period has ended.
    #[error("the certificate has expired: renew the connector's certificate")]
    CertificateExpired,

    /// The certificate's validity period has not begun.
    #[error(
        "the certificate is not valid yet: check the clocks of the host and the connector, or the certificate's start date"
    )]
    CertificateNotYetValid,

    /// The certificate does not name the host that was called.
    #[error(
        "the certificate is not valid for {host}: install a certificate whose subject alternative names include {host}, or use the name the certificate was issued for"
    )]
    CertificateNotValidForName {
        /// Host name or address the client connected to.
        host: String,
    },

    /// The certificate was rejected for another reason, given in the text.
    #[error("the certificate was rejected ({0}): install a valid server certificate")]
    CertificateInvalid(String),

    /// No TLS 1.2 or 1.3 connection with ECDHE key exchange and an AEAD cipher could be agreed.
    #[error(
        "the connector's TLS is too old: it offers no TLS 1.2 or 1.3 connection with ECDHE key exchange and AES-GCM or CHACHA20-POLY1305; update its TLS configuration"
    )]
    TlsTooOld,

    /// The port responded with something other than TLS, such as plain HTTP.
    #[error(
        "the connector did not answer with TLS: the port serves plain HTTP or another protocol; enable HTTPS on the connector or correct the port"
    )]
    NotTls,

    /// The connector responded `401 Unauthorized`.
    #[error(
        "the connector rejected the credentials (HTTP 401): make the user name and password match the connector's configuration"
    )]
    CredentialsRejected,

    /// The connector responded with a status the callout cannot use.
    #[error(
        "the connector answered with HTTP status {0}: check the endpoint path and the connector's logs"
    )]
    UnexpectedStatus(u16),

    /// The connector responded with a redirect, which callouts never follow.
    #[error(
        "the connector answered with a redirect (HTTP {status}), which callouts do not follow: configure the final https:// host name and path instead"
    )]
    Redirected {
        /// The 3xx status code.
        status: u16,
    },

    /// The response body exceeded the size limit.
    #[error(
        "the response is larger than {limit} bytes, the limit for a callout response: make the connector return fewer results"
    )]
    ResponseTooLarge {
        /// Limit in bytes.
        limit: usize,
    },

    /// The connection failed at the transport level, as the text describes.
    #[error("the connection failed: {0}")]
    Io(String),

    /// The peer broke the TLS or HTTP protocol, as the text describes.
    #[error("the connector broke the protocol: {0}")]
    Protocol(String),
}

impl FailureCause {
    /// Returns a stable snake_case code for metrics and audit records.
    pub fn kind(&self) -> &'static str {
        match self {
            FailureCause::InvalidOrigin(_) => "invalid_origin",
            FailureCause::InvalidRequest(_) => "invalid_request",
            FailureCause::NameNotResolved { .. } => "name_not_resolved",
            FailureCause::AddressNotAllowed { .. } => "address_not_allowed",
            FailureCause::ConnectionRefused => "connection_refused",
            FailureCause::TimedOut { .. } => "timed_out",
            FailureCause::CertificateNotTrusted => "certificate_not_trusted",
            FailureCause::CertificateExpired => "certificate_expired",
            FailureCause::CertificateNotYetValid => "certificate_not_yet_valid",
            FailureCause::CertificateNotValidForName { .. } => "certificate_not_valid_for_name",
            FailureCause::CertificateInvalid(_) => "certificate_invalid",
            FailureCause::TlsTooOld => "tls_too_old",
            FailureCause::NotTls => "not_tls",
            FailureCause::CredentialsRejected => "credentials_rejected",
            FailureCause::UnexpectedStatus(_) => "unexpected_status",
            FailureCause::Redirected { .. } => "redirected",
            FailureCause::ResponseTooLarge { .. } => "response_too_large",
            FailureCause::Io(_) => "io",
            FailureCause::Protocol(_) => "protocol",
        }
    }
}

/// Phase names used in [`FailureCause::TimedOut`].
pub(crate) mod phase {
    /// Name resolution and the TCP connect.
    pub const CONNECT: &str = "connect";
    /// The TLS handshake.
    pub const TLS_HANDSHAKE: &str = "TLS handshake";
    /// Sending the request and reading the whole response.
    pub const RESPONSE: &str = "response";
}

fn timed_out_message(phase: &str) -> String {
    match phase {
        phase::CONNECT => "the connection timed out: check the host name, the port and any firewall between the host and the connector".to_owned(),
        phase::TLS_HANDSHAKE => "the TLS handshake timed out: the port accepted the connection but did not complete a TLS handshake; check that it serves HTTPS".to_owned(),
        phase::RESPONSE => "the connector did not send a complete response in time: check its logs and the speed of its back end".to_owned(),
        other => format!("timed out during {other}"),
    }
}

/// Classifies a failed TLS handshake; `host` is the name the certificate had to match.
pub(crate) fn classify_handshake_error(error: &io::Error, host: &str) -> FailureCause {
    if let Some(tls_error) = rustls_error(error) {
        return classify_tls_error(tls_error, host);
    }
    match error.kind() {
        io::ErrorKind::UnexpectedEof => FailureCause::Io(
            "the connector closed the connection during the TLS handshake; check that the port serves HTTPS with TLS 1.2 or newer".to_owned(),
        ),
        _ => classify_io_error(error),
    }
}

/// Finds the rustls error that tokio-rustls wraps in an `io::Error`.
pub(crate) fn rustls_error(error: &io::Error) -> Option<&rustls::Error> {
    error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
}

/// Maps a rustls error to the cause an administrator can fix.
pub(crate) fn classify_tls_error(error: &rustls::Error, host: &str) -> FailureCause {
    match error {
        rustls::Error::InvalidCertificate(certificate_error) => {
            classify_certificate_error(certificate_error, host)
        }
        rustls::Error::PeerIncompatible(_) => FailureCause::TlsTooOld,
        rustls::Error::AlertReceived(
            AlertDescription::ProtocolVersion
            | AlertDescription::HandshakeFailure
            | AlertDescription::InsufficientSecurity,
        ) => FailureCause::TlsTooOld,
        rustls::Error::AlertReceived(alert) => FailureCause::Protocol(format!(
            "it ended the TLS handshake with the alert {alert:?}"
        )),
        // Plain HTTP answers `HTTP/1.1 …`, which no TLS record starts with.
        rustls::Error::InvalidMessage(_) => FailureCause::NotTls,
        other => FailureCause::Protocol(format!("TLS failed: {other}")),
    }
}

fn classify_certificate_error(error: &CertificateError, host: &str) -> FailureCause {
    match error {
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            FailureCause::CertificateExpired
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            FailureCause::CertificateNotYetValid
        }
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            FailureCause::CertificateNotValidForName {
                host: host.to_owned(),
            }
        }
        // webpki reports a self-signed leaf as an unknown issuer.
        CertificateError::UnknownIssuer | CertificateError::BadSignature => {
            FailureCause::CertificateNotTrusted
        }
        other => FailureCause::CertificateInvalid(format!("{other}")),
    }
}

/// Maps a transport error after the connection exists.
pub(crate) fn classify_io_error(error: &io::Error) -> FailureCause {
    if let Some(tls_error) = rustls_error(error) {
        return FailureCause::Protocol(format!("TLS failed: {tls_error}"));
    }
    match error.kind() {
        io::ErrorKind::ConnectionRefused => FailureCause::ConnectionRefused,
        io::ErrorKind::ConnectionReset => {
            FailureCause::Io("the connector reset the connection".to_owned())
        }
        io::ErrorKind::ConnectionAborted => {
            FailureCause::Io("the connection was aborted".to_owned())
        }
        io::ErrorKind::UnexpectedEof => {
            FailureCause::Io("the connector closed the connection unexpectedly".to_owned())
        }
        _ => FailureCause::Io(error.to_string()),
    }
}

/// Maps an HTTP-level error from hyper, looking for a transport cause first.
pub(crate) fn classify_http_error(error: &hyper::Error) -> FailureCause {
    if error.is_incomplete_message() {
        return FailureCause::Io(
            "the connector closed the connection before sending a complete response".to_owned(),
        );
    }
    if error.is_parse_too_large() {
        return FailureCause::Protocol("the response headers are too large".to_owned());
    }
    if error.is_parse() || error.is_parse_status() {
        return FailureCause::Protocol(format!("the response is not valid HTTP/1.1: {error}"));
    }

    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        if let Some(io_error) = cause.downcast_ref::<io::Error>() {
            return classify_io_error(io_error);
        }
        source = cause.source();
    }
    FailureCause::Io(error.to_string())
}
