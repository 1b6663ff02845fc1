//! API error responses: status, a JSON body, and the log line for failures of the host itself.
//!
//! Clients get `{"error": "…"}`, or `{"errors": [{"field", "rule"}, …]}` for
//! validation failures. Store and decryption failures reach the client as a
//! generic message; their cause goes to the log only.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::domain::{DomainError, FieldError, FieldErrors};
use crate::store::StoreError;

/// `WWW-Authenticate` value sent with every `401`.
pub const WWW_AUTHENTICATE: &str = r#"Bearer realm="callouts-host""#;

/// Everything that keeps an API request from its normal response.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("authentication required: send `Authorization: Bearer <API token>`")]
    Unauthorized,
    #[error("your roles do not allow managing connector registrations")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("method not allowed on this path")]
    MethodNotAllowed,
    #[error(
        "registrations are never deleted; deactivate this one by disabling all its services \
         (PUT /api/v1/connectors/{{id}}/services/{{service}} with \"enabled\": false)"
    )]
    DeleteRefused,
    #[error("invalid request: {0}")]
    Invalid(FieldErrors),
    /// A malformed query or path parameter; `400` with the same body as [`ApiError::Invalid`].
    #[error("malformed request: {0}")]
    Malformed(FieldErrors),
    #[error("the Accept header allows neither application/xml nor application/json")]
    NotAcceptable,
    #[error("only failed notifications can be deleted; this one is queued or being sent")]
    NotificationNotFailed,
    #[error("malformed JSON at line {line}, column {column}")]
    MalformedJson { line: usize, column: usize },
    #[error("Content-Type must be application/json")]
    UnsupportedMediaType,
    #[error("request body exceeds the limit of {limit} bytes")]
    BodyTooLarge { limit: usize },
    #[error("request body was not received within {seconds} seconds")]
    BodyTimedOut { seconds: u64 },
    #[error("request body could not be read")]
    BodyUnreadable,
    #[error("the registration was changed by another request; reload it and try again")]
    Conflict,
    #[error(
        "a verification of this registration is already running; wait for it to finish, then read its report with GET /api/v1/connectors/{{id}}/verification"
    )]
    VerificationRunning,
    #[error(
        "the verification did not finish within {seconds} seconds, so no report was stored; \
         the connector may be slow or unreachable, and test-connection shows whether it responds"
    )]
    VerificationTimedOut { seconds: u64 },
    #[error(
        "no verification has run for this registration yet; start one with POST /api/v1/connectors/{{id}}/verify"
    )]
    NoVerification,
    #[error("the request did not complete within {seconds} seconds")]
    RequestTimedOut { seconds: u64 },
    #[error("the host's database is unavailable; try again later")]
    StoreUnavailable(#[source] StoreError),
    #[error("the host failed to process the request")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden => StatusCode::FORBIDDEN,
            ApiError::NotFound | ApiError::NoVerification => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed | ApiError::DeleteRefused => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Malformed(_) => StatusCode::BAD_REQUEST,
            ApiError::NotAcceptable => StatusCode::NOT_ACCEPTABLE,
            ApiError::NotificationNotFailed => StatusCode::CONFLICT,
            ApiError::MalformedJson { .. } | ApiError::BodyUnreadable => StatusCode::BAD_REQUEST,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::BodyTimedOut { .. } => StatusCode::REQUEST_TIMEOUT,
            ApiError::Conflict | ApiError::VerificationRunning => StatusCode::CONFLICT,
            ApiError::VerificationTimedOut { .. } => StatusCode::GATEWAY_TIMEOUT,
            ApiError::RequestTimedOut { .. } | ApiError::StoreUnavailable(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Builds a validation failure of one field.
    pub fn invalid(field: &str, rule: &str) -> ApiError {
        ApiError::Invalid(FieldErrors(vec![FieldError::new(field, rule)]))
    }

    /// Builds a `400` for one malformed parameter.
    pub fn malformed(field: &str, rule: &str) -> ApiError {
        ApiError::Malformed(FieldErrors(vec![FieldError::new(field, rule)]))
    }
}

impl From<DomainError> for ApiError {
    fn from(error: DomainError) -> Self {
        match error {
            DomainError::Forbidden => ApiError::Forbidden,
            DomainError::NotFound => ApiError::NotFound,
            DomainError::Invalid(errors) => ApiError::Invalid(errors),
            DomainError::Conflict => ApiError::Conflict,
            DomainError::Store(error) => ApiError::StoreUnavailable(error),
            DomainError::Decrypt(error) => ApiError::Internal(Box::new(error)),
            DomainError::VerificationRunning => ApiError::VerificationRunning,
            DomainError::VerificationTimedOut { seconds } => {
                ApiError::VerificationTimedOut { seconds }
            }
            DomainError::VerificationSetup(error) => ApiError::Internal(Box::new(error)),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        ApiError::StoreUnavailable(error)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match &self {
            ApiError::StoreUnavailable(cause) => {
                tracing::error!(error = %connector::server::errors::error_chain(cause), "store failed");
            }
            ApiError::Internal(cause) => {
                tracing::error!(error = %connector::server::errors::error_chain(cause.as_ref()), "request failed");
            }
            _ => {}
        }

        let body = match &self {
            ApiError::Invalid(errors) | ApiError::Malformed(errors) => {
                json!({ "errors": errors.0 })
            }
            other => json!({ "error": other.to_string() }),
        };
        let mut response = (self.status(), Json(body)).into_response();
        let headers = response.headers_mut();
        match &self {
            ApiError::Unauthorized => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static(WWW_AUTHENTICATE),
                );
            }
            ApiError::DeleteRefused => {
                headers.insert(header::ALLOW, HeaderValue::from_static("GET, PATCH"));
            }
            _ => {}
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_failure_hides_cause() {
        let error = ApiError::from(StoreError::Database(Box::new(std::io::Error::other(
            "disk /secret/path failed",
        ))));

        assert!(!error.to_string().contains("/secret/path"));
    }

    #[test]
    fn unauthorized_has_www_authenticate() {
        let response = ApiError::Unauthorized.into_response();

        let value = response.headers().get(header::WWW_AUTHENTICATE);
        assert_eq!(value.and_then(|v| v.to_str().ok()), Some(WWW_AUTHENTICATE));
    }

    #[test]
    fn delete_refused_is_405_with_allow() {
        let response = ApiError::DeleteRefused.into_response();

        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(
            response
                .headers()
                .get(header::ALLOW)
                .and_then(|v| v.to_str().ok()),
            Some("GET, PATCH")
        );
    }
}
