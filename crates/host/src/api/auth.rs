//! Bearer-token authentication and the permission extractor of the API.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use super::ApiState;
use super::errors::ApiError;
use crate::domain::Actor;
use crate::domain::accounts::actor_for_api_token;

/// The actor behind a valid API token, guaranteed allowed to manage
/// registrations of their company. Missing or unknown tokens get `401`,
/// users without a managing role `403`.
pub struct RegistrationManager(pub Actor);

impl FromRequestParts<ApiState> for RegistrationManager {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Self, ApiError> {
        let token = bearer_token(parts).ok_or(ApiError::Unauthorized)?;
        let Some(actor) = actor_for_api_token(state.store.as_ref(), token).await? else {
            // The token itself is never logged.
            tracing::warn!("API token rejected");
            return Err(ApiError::Unauthorized);
        };

        let span = tracing::Span::current();
        span.record("user_id", actor.user.id.0);
        span.record("company_id", actor.company.id.0);
        if !actor.may_manage_registrations() {
            tracing::warn!(
                user_id = actor.user.id.0,
                "request rejected: the user has no role that manages registrations"
            );
            return Err(ApiError::Forbidden);
        }
        Ok(RegistrationManager(actor))
    }
}

/// Returns the token of an `Authorization: Bearer …` header. The scheme is
/// case-insensitive, as RFC 9110 requires.
pub(super) fn bearer_token(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let token = token.trim();
    (!token.is_empty()).then_some(token)
}
