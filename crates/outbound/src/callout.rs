//! Callout requests, responses and reports, as callers see them.

use std::fmt;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use rustls::{ClientConnection, ProtocolVersion};

use crate::failure::FailureCause;

/// One callout: method, origin and path, Basic credentials, and an optional body.
pub struct CalloutRequest<'a> {
    /// HTTP method, such as `POST` for Fetch Attendee.
    pub method: http::Method,
    /// `https://host[:port]` of the connector registration.
    pub origin: &'a str,
    /// Endpoint path of the service, starting with `/`; may carry a query.
    pub path: &'a str,
    /// Basic authentication user name; must not contain `:`.
    pub username: &'a str,
    /// Basic authentication password. A secret: never logged or echoed.
    pub password: &'a str,
    /// `Content-Type` of `body`, such as `application/xml; charset=utf-8`.
    pub content_type: Option<&'a str>,
    /// Request body; empty for none.
    pub body: Bytes,
}

impl fmt::Debug for CalloutRequest<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("CalloutRequest")
            .field("method", &self.method)
            .field("origin", &self.origin)
            .field("path", &self.path)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("content_type", &self.content_type)
            .field("body_bytes", &self.body.len())
            .finish()
    }
}

/// A complete response to a callout.
#[derive(Debug, Clone)]
pub struct CalloutResponse {
    /// HTTP status code: never 3xx or 401, which [`call`](crate::OutboundClient::call) reports as failures.
    pub status: u16,
    /// `Content-Type` header, when present and visible ASCII.
    pub content_type: Option<String>,
    /// Whole body, at most `max_response_bytes` long.
    pub body: Bytes,
    /// TLS parameters of the connection that carried the response.
    pub tls: TlsDetails,
    /// Time from the start of the call to the end of the body.
    pub duration: Duration,
}

impl CalloutResponse {
    /// Returns whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// Returns the response when the status is 2xx, otherwise [`FailureCause::UnexpectedStatus`].
    pub fn error_for_status(self) -> Result<CalloutResponse, FailureCause> {
        if self.is_success() {
            Ok(self)
        } else {
            Err(FailureCause::UnexpectedStatus(self.status))
        }
    }
}

/// Negotiated TLS parameters, named as in the IANA registries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsDetails {
    /// `"TLSv1.3"` or `"TLSv1.2"`.
    pub protocol_version: String,
    /// Cipher suite, such as `"TLS13_AES_128_GCM_SHA256"`.
    pub cipher_suite: String,
}

impl TlsDetails {
    /// Reads the parameters of a completed handshake.
    pub(crate) fn of(connection: &ClientConnection) -> TlsDetails {
        let protocol_version = match connection.protocol_version() {
            Some(ProtocolVersion::TLSv1_3) => "TLSv1.3".to_owned(),
            Some(ProtocolVersion::TLSv1_2) => "TLSv1.2".to_owned(),
            Some(other) => format!("{other:?}"),
            None => "unknown".to_owned(),
        };
        let cipher_suite = match connection.negotiated_cipher_suite() {
            Some(suite) => match suite.suite().as_str() {
                Some(name) => name.to_owned(),
                None => format!("{:?}", suite.suite()),
            },
            None => "unknown".to_owned(),
        };
        TlsDetails {
            protocol_version,
            cipher_suite,
        }
    }
}

/// Result of a Test Connection callout, for the registration page and the audit trail.
#[derive(Debug, Clone)]
pub struct TestConnectionReport {
    /// When the test began, by the wall clock.
    pub started_at: SystemTime,
    /// How long the test took, connection included.
    pub duration: Duration,
    /// The negotiated TLS parameters on success (a 2xx status), otherwise why it failed.
    pub outcome: Result<TlsDetails, FailureCause>,
}

impl TestConnectionReport {
    /// Returns whether the connector passed: TLS verified, credentials accepted, 2xx status.
    pub fn is_success(&self) -> bool {
        self.outcome.is_ok()
    }
}
