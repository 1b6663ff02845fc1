//! The connector behind an access token of the host web services.

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;

use super::error::ServiceError;
use crate::api::ApiState;
use crate::api::auth::bearer_token;
use crate::connector_access::ConnectorGrant;

/// A connector with an unexpired access token of an active registration.
/// A missing token gets `401 invalid_request`, a bad one `401 invalid_token`.
pub struct ConnectorCaller(pub ConnectorGrant);

impl FromRequestParts<ApiState> for ConnectorCaller {
    type Rejection = ServiceError;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Self, ServiceError> {
        let Some(token) = bearer_token(parts) else {
            return Err(ServiceError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_request",
                "Authorization must be Bearer with an access token from POST /oauth2/v0/token",
            ));
        };
        let grant = state.tokens.authenticate(token).await.inspect_err(|_| {
            // The token itself is never logged.
            tracing::warn!("access token of the host web services rejected");
        })?;
        let span = tracing::Span::current();
        span.record("registration_id", grant.registration_id.0);
        span.record("company_id", grant.company_id.0);
        Ok(ConnectorCaller(grant))
    }
}
