//! The connector behind an access token of the host web services.

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;

use super::error::ServiceError;
use crate::api::ApiState;
use crate::api::auth::bearer_token;
use crate::connector_access::ConnectorGrant;

/// A connector with an unexpired company-wide access token (from the
/// `client_credentials` grant) of an active registration. A missing token
/// gets `401 invalid_request`, a bad one `401 invalid_token`, and a token
/// that acts for one user `403 insufficient_scope`.
pub struct ConnectorCaller(pub ConnectorGrant);

/// A connector with any unexpired access token of an active registration:
/// company-wide, or acting for the user of a Launch External URL launch.
pub struct ItemCaller(pub ConnectorGrant);

impl FromRequestParts<ApiState> for ConnectorCaller {
    type Rejection = ServiceError;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Self, ServiceError> {
        let grant = authenticate(parts, state).await?;
        if grant.user.is_some() {
            tracing::warn!(
                registration_id = grant.registration_id.0,
                "access token of a launch used outside the item web services"
            );
            return Err(ServiceError::new(
                StatusCode::FORBIDDEN,
                "insufficient_scope",
                "an access token from a launch code reaches only the item web services; \
                 use a token from the client_credentials grant",
            ));
        }
        Ok(ConnectorCaller(grant))
    }
}

impl FromRequestParts<ApiState> for ItemCaller {
    type Rejection = ServiceError;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Self, ServiceError> {
        let grant = authenticate(parts, state).await?;
        if let Some(user) = grant.user {
            tracing::Span::current().record("user_id", user.0);
        }
        Ok(ItemCaller(grant))
    }
}

/// Checks the bearer token and records its registration in the request's span.
async fn authenticate(parts: &Parts, state: &ApiState) -> Result<ConnectorGrant, ServiceError> {
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
    Ok(grant)
}
