//! Error responses of the host web services: a status and
//! `{"error": "<code>", "error_description": "<field and rule>"}`, the form
//! of RFC 6749 that connectors read.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::api::errors::{ApiError, WWW_AUTHENTICATE};
use crate::connector_access::TokenError;
use crate::objects::RecordError;
use crate::store::StoreError;
use crate::workflow::WorkflowError;

/// One error response of the web services.
#[derive(Debug)]
pub struct ServiceError {
    pub status: StatusCode,
    pub code: &'static str,
    pub description: String,
}

impl ServiceError {
    pub fn new(status: StatusCode, code: &'static str, description: impl Into<String>) -> Self {
        ServiceError {
            status,
            code,
            description: description.into(),
        }
    }

    /// `400 invalid_request` naming a field and the rule it broke.
    pub fn invalid(field: &str, rule: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            format!("{field} {rule}"),
        )
    }

    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "no such object in the company of this registration",
        )
    }

    fn unavailable(error: &StoreError) -> Self {
        tracing::error!(error = %connector::server::errors::error_chain(error), "store failed");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "temporarily_unavailable",
            "the host's database is unavailable; try again later",
        )
    }
}

impl IntoResponse for ServiceError {
    fn into_response(self) -> Response {
        let body = json!({"error": self.code, "error_description": self.description});
        let mut response = (self.status, Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(WWW_AUTHENTICATE),
            );
        }
        response
    }
}

/// Failures of reading the body: size, time, content type, JSON syntax.
impl From<ApiError> for ServiceError {
    fn from(error: ApiError) -> Self {
        match error {
            ApiError::StoreUnavailable(error) => ServiceError::unavailable(&error),
            ApiError::NotFound => ServiceError::not_found(),
            other => ServiceError::new(other.status(), "invalid_request", other.to_string()),
        }
    }
}

impl From<StoreError> for ServiceError {
    fn from(error: StoreError) -> Self {
        ServiceError::unavailable(&error)
    }
}

impl From<TokenError> for ServiceError {
    fn from(error: TokenError) -> Self {
        match error {
            TokenError::InvalidClient(rule) => {
                ServiceError::new(StatusCode::UNAUTHORIZED, "invalid_client", rule)
            }
            TokenError::InvalidGrant(rule) => {
                ServiceError::new(StatusCode::BAD_REQUEST, "invalid_grant", rule)
            }
            TokenError::InvalidToken => {
                ServiceError::new(StatusCode::UNAUTHORIZED, "invalid_token", error.to_string())
            }
            TokenError::Store(error) => ServiceError::unavailable(&error),
        }
    }
}

impl From<WorkflowError> for ServiceError {
    fn from(error: WorkflowError) -> Self {
        match error {
            WorkflowError::NotFound => ServiceError::not_found(),
            WorkflowError::WrongStep { step, .. } => ServiceError::new(
                StatusCode::CONFLICT,
                "not_waiting",
                format!(
                    "the object is in step {step}; workflow actions are accepted only in \
                     EXTERNAL_VALIDATION_SUBMIT and EXTERNAL_VALIDATION_PREEXTRACT"
                ),
            ),
            WorkflowError::Invalid(errors) => ServiceError::new(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                errors.to_string(),
            ),
            WorkflowError::Conflict => {
                ServiceError::new(StatusCode::CONFLICT, "conflict", error.to_string())
            }
            WorkflowError::Forbidden | WorkflowError::OwnObject => {
                ServiceError::new(StatusCode::FORBIDDEN, "forbidden", error.to_string())
            }
            WorkflowError::Store(error) => ServiceError::unavailable(&error),
        }
    }
}

impl From<RecordError> for ServiceError {
    fn from(error: RecordError) -> Self {
        match error {
            RecordError::ObjectNotFound => ServiceError::not_found(),
            RecordError::EntryNotFound { field } => {
                ServiceError::invalid(field, "names no entry of this object")
            }
            RecordError::AboveAmount { amount } => ServiceError::invalid(
                "amount",
                &format!("must be at most the entry's amount {amount}"),
            ),
            RecordError::Store(error) => ServiceError::unavailable(&error),
        }
    }
}
