//! Error responses of the callouts: status, headers and an XML `<Error>` body.
//!
//! The client sees a short message saying what was wrong with its request.
//! Failures of the connector itself (store, response writing) reach the
//! client as a generic message, and their cause goes to the log only.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::auth::{BasicAuthError, RetryAfter};
use crate::store::StoreError;

/// `WWW-Authenticate` value sent with every `401`.
pub const WWW_AUTHENTICATE: &str = r#"Basic realm="callouts", charset="UTF-8""#;

/// Content type of every XML response.
pub const XML_CONTENT_TYPE: &str = "application/xml; charset=utf-8";

/// Everything that stops a callout from getting its normal response.
#[derive(Debug, thiserror::Error)]
pub enum CalloutError {
    #[error("authentication required: send valid Basic credentials")]
    Unauthorized,
    /// The Authorization header is missing or is not readable as Basic
    /// credentials. The message names the reason, which reveals nothing
    /// about the configured credentials.
    #[error("authentication required: {0}")]
    AuthorizationUnreadable(BasicAuthError),
    #[error("too many failed authentication attempts; retry after {} seconds", .0.seconds())]
    Throttled(RetryAfter),
    #[error("Content-Type must be application/xml or text/xml, with charset utf-8 or none")]
    UnsupportedMediaType,
    #[error("request body exceeds the limit of {limit} bytes")]
    BodyTooLarge { limit: usize },
    #[error("request body was not received within {seconds} seconds")]
    BodyTimedOut { seconds: u64 },
    #[error("request body could not be read")]
    BodyUnreadable,
    #[error("invalid request: {0}")]
    InvalidXml(#[from] protocol::ParseError),
    #[error(
        "no list chosen: list-name names no imported list, the path maps to no list, and the connector has {list_count} lists"
    )]
    NoListChosen { list_count: usize },
    #[error("list `{0}` not found")]
    ListNotFound(String),
    #[error("invalid request: element `Notification/ObjectURI`: {0}")]
    ObjectUriRejected(String),
    #[error("this connector cannot store notifications; its store keeps no notification queue")]
    NotificationsUnavailable,
    #[error("no callout at this path")]
    NotFound,
    #[error("method not allowed on this path")]
    MethodNotAllowed,
    #[error("the request did not complete within {seconds} seconds")]
    RequestTimedOut { seconds: u64 },
    #[error("the system of record is unavailable; try again later")]
    StoreUnavailable(#[source] StoreError),
    #[error("the connector could not write the response")]
    ResponseNotWritten(#[source] protocol::WriteError),
}

impl CalloutError {
    pub fn status(&self) -> StatusCode {
        match self {
            CalloutError::Unauthorized | CalloutError::AuthorizationUnreadable(_) => {
                StatusCode::UNAUTHORIZED
            }
            CalloutError::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            CalloutError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            CalloutError::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            CalloutError::BodyTimedOut { .. } => StatusCode::REQUEST_TIMEOUT,
            CalloutError::BodyUnreadable
            | CalloutError::InvalidXml(_)
            | CalloutError::ObjectUriRejected(_) => StatusCode::BAD_REQUEST,
            CalloutError::NoListChosen { .. } | CalloutError::ListNotFound(_) => {
                StatusCode::NOT_FOUND
            }
            CalloutError::NotFound => StatusCode::NOT_FOUND,
            CalloutError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            CalloutError::RequestTimedOut { .. } => StatusCode::SERVICE_UNAVAILABLE,
            CalloutError::StoreUnavailable(_) | CalloutError::NotificationsUnavailable => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            CalloutError::ResponseNotWritten(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<StoreError> for CalloutError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::ListNotFound(name) => CalloutError::ListNotFound(name),
            other => CalloutError::StoreUnavailable(other),
        }
    }
}

impl IntoResponse for CalloutError {
    fn into_response(self) -> Response {
        match &self {
            CalloutError::StoreUnavailable(cause) => {
                tracing::error!(error = %error_chain(cause), "store failed");
            }
            CalloutError::ResponseNotWritten(cause) => {
                tracing::error!(error = %error_chain(cause), "failed to write the response");
            }
            _ => {}
        }

        let mut response = (self.status(), xml_error_body(&self.to_string())).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(XML_CONTENT_TYPE),
        );
        match &self {
            CalloutError::Unauthorized | CalloutError::AuthorizationUnreadable(_) => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static(WWW_AUTHENTICATE),
                );
            }
            CalloutError::Throttled(retry_after) => {
                headers.insert(
                    header::RETRY_AFTER,
                    HeaderValue::from(retry_after.seconds()),
                );
            }
            _ => {}
        }
        response
    }
}

/// Renders an error and its sources as `outer: inner: …` for the log.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Builds `<Error><Message>…</Message></Error>` with the message escaped.
pub fn xml_error_body(message: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Message>{}</Message></Error>\n",
        escape_xml_text(message)
    )
}

/// Escapes markup characters and replaces characters XML 1.0 forbids,
/// because parse errors may quote names taken from the request.
fn escape_xml_text(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            '\t' | '\n' | '\r' => escaped.push(character),
            '\u{FFFE}' | '\u{FFFF}' => escaped.push('\u{FFFD}'),
            _ if character.is_control() => escaped.push('\u{FFFD}'),
            _ => escaped.push(character),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_error_body_escapes_markup() {
        let body = xml_error_body("element <a&b> \u{1} rule");

        assert!(body.contains("<Message>element &lt;a&amp;b&gt; \u{FFFD} rule</Message>"));
    }

    #[test]
    fn unauthorized_has_www_authenticate() {
        let response = CalloutError::Unauthorized.into_response();

        let value = response.headers().get(header::WWW_AUTHENTICATE);
        assert_eq!(value.and_then(|v| v.to_str().ok()), Some(WWW_AUTHENTICATE));
    }

    #[test]
    fn throttled_has_retry_after() {
        let retry = RetryAfter(std::time::Duration::from_millis(2_100));
        let response = CalloutError::Throttled(retry).into_response();

        let value = response.headers().get(header::RETRY_AFTER);
        assert_eq!(value.and_then(|v| v.to_str().ok()), Some("3"));
    }

    #[test]
    fn store_failure_hides_cause() {
        let cause =
            StoreError::Database(Box::new(std::io::Error::other("disk /secret/path failed")));
        let error = CalloutError::from(cause);

        assert!(!error.to_string().contains("/secret/path"));
    }
}
