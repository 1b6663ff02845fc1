//! Failures of calls to the host, split into those worth retrying and the rest.

use std::time::Duration;

use serde::Deserialize;

/// Most characters of the host's `error_description` kept in a message.
const MAX_DESCRIPTION_CHARS: usize = 300;

/// A call to the host that did not give the expected result.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostError {
    /// No response: connection refused or reset, TLS failure, time-out.
    #[error("request to the host failed: {0}")]
    Transport(String),
    /// A response status the call cannot use.
    #[error("the host answered {method} {path} with HTTP {status}{detail}")]
    Status {
        method: &'static str,
        path: String,
        status: u16,
        /// `: code (description)` from the error body, or empty.
        detail: String,
        retry_after: Option<Duration>,
    },
    /// The host rejected a freshly issued access token too.
    #[error("the host rejected the access token (HTTP 401) even after a new token was issued")]
    Unauthorized,
    /// The token endpoint refused the grant.
    #[error(
        "the host's token endpoint refused the client credentials with HTTP {status}{detail}; check host.client_id and host.client_secret"
    )]
    TokenRefused { status: u16, detail: String },
    /// The token endpoint refused a grant bound to a user, such as a
    /// launch's `authorization_code`.
    #[error("the host's token endpoint refused the {grant} grant with HTTP {status}{detail}")]
    GrantRefused {
        grant: &'static str,
        status: u16,
        detail: String,
    },
    /// The workflow call found the object outside an External Validation step.
    #[error("the object is not waiting in an External Validation step (HTTP 409{detail})")]
    NotWaiting { detail: String },
    /// A response that is not what the web services document.
    #[error("the host sent an invalid response to {call}: {reason}")]
    InvalidResponse { call: &'static str, reason: String },
    /// The ObjectURI is not under the host origin, or not a usable path.
    #[error("{0}")]
    ObjectUriRejected(String),
}

impl HostError {
    /// Tells whether a later attempt may succeed: no response, a time-out,
    /// too many requests, a server error, or credentials the host rejected
    /// (an administrator may fix them in the meantime).
    pub fn is_retryable(&self) -> bool {
        match self {
            HostError::Transport(_) | HostError::Unauthorized => true,
            HostError::TokenRefused { status, .. } => *status == 401 || *status >= 500,
            HostError::Status { status, .. } => matches!(status, 408 | 429 | 500..=599),
            HostError::NotWaiting { .. }
            | HostError::GrantRefused { .. }
            | HostError::InvalidResponse { .. }
            | HostError::ObjectUriRejected(_) => false,
        }
    }

    /// Returns the delay the host asked for with `Retry-After`.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            HostError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// The documented error body, `{"error": "…", "error_description": "…"}`.
#[derive(Deserialize)]
struct ErrorBody {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

/// Renders the error body as `: code (description)`, or nothing when the
/// body is not the documented JSON. Host text is cut to a bounded length.
pub fn error_detail(body: &[u8]) -> String {
    let Ok(parsed) = serde_json::from_slice::<ErrorBody>(body) else {
        return String::new();
    };
    let code: String = parsed.error.chars().take(64).collect();
    match parsed.error_description {
        Some(description) if !description.is_empty() => {
            let description: String = description.chars().take(MAX_DESCRIPTION_CHARS).collect();
            format!(": {code} ({description})")
        }
        _ => format!(": {code}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_detail_reads_documented_body() {
        let detail = error_detail(br#"{"error": "not_waiting", "error_description": "step APPROVAL"}"#);

        assert_eq!(detail, ": not_waiting (step APPROVAL)");
    }

    #[test]
    fn error_detail_ignores_other_bodies() {
        assert_eq!(error_detail(b"<html>oops</html>"), "");
    }

    #[test]
    fn server_errors_are_retryable() {
        let status = |status| HostError::Status {
            method: "GET",
            path: "/api".to_owned(),
            status,
            detail: String::new(),
            retry_after: None,
        };

        assert!(status(500).is_retryable());
        assert!(status(503).is_retryable());
        assert!(status(429).is_retryable());
        assert!(!status(404).is_retryable());
        assert!(!status(400).is_retryable());
    }
}
