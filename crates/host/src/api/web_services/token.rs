//! `POST /oauth2/v0/token`: the `client_credentials`, `refresh_token` and
//! `authorization_code` grants, with the form and error bodies of RFC 6749.
//! The `authorization_code` grant exchanges the `client_auth_code` of a
//! Launch External URL v4 launch.

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::error::ServiceError;
use crate::api::{ApiState, has_media_type, read_limited};
use crate::connector_access::TokenPair;

const FORM_TYPE: &str = "application/x-www-form-urlencoded";

/// Form fields the grants read. Any other field is ignored, as RFC 6749 section 3.2 requires.
const KNOWN_FIELDS: [&str; 6] = [
    "grant_type",
    "client_id",
    "client_secret",
    "refresh_token",
    "code",
    "redirect_uri",
];

/// Fields of a token request. [`TokenForm::parse`] rejects a repeated one.
#[derive(Debug, Default)]
struct TokenForm {
    fields: Vec<(String, String)>,
}

impl TokenForm {
    /// Parses the form; a repeated known field is `invalid_request`.
    fn parse(body: &[u8]) -> Result<TokenForm, ServiceError> {
        let mut form = TokenForm::default();
        for (name, value) in url::form_urlencoded::parse(body) {
            if !KNOWN_FIELDS.contains(&name.as_ref()) {
                continue;
            }
            if form.fields.iter().any(|(known, _)| *known == name) {
                return Err(ServiceError::invalid(&name, "must not be repeated"));
            }
            form.fields.push((name.into_owned(), value.into_owned()));
        }
        Ok(form)
    }

    fn required(&self, name: &str) -> Result<&str, ServiceError> {
        self.fields
            .iter()
            .find(|(known, _)| known == name)
            .map(|(_, value)| value.as_str())
            .filter(|value| !value.is_empty())
            .ok_or_else(|| ServiceError::invalid(name, "is required"))
    }
}

/// `POST /oauth2/v0/token`.
pub(in crate::api) async fn token(
    State(state): State<ApiState>,
    request: Request,
) -> Result<Response, ServiceError> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok());
    if !content_type.is_some_and(|value| has_media_type(value, FORM_TYPE)) {
        return Err(ServiceError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "invalid_request",
            format!("Content-Type must be {FORM_TYPE}"),
        ));
    }
    let body = read_limited(request, &state.limits).await?;
    let form = TokenForm::parse(&body)?;

    let grant_type = form.required("grant_type")?;
    let issued = match grant_type {
        "client_credentials" => {
            let client_id = form.required("client_id")?;
            let client_secret = form.required("client_secret")?;
            let issued = state
                .tokens
                .client_credentials_grant(client_id, client_secret)
                .await;
            log_grant(grant_type, &issued);
            issued?
        }
        "refresh_token" => {
            let refresh_token = form.required("refresh_token")?;
            let client_id = form.required("client_id")?;
            let client_secret = form.required("client_secret")?;
            let issued = state
                .tokens
                .refresh_token_grant(refresh_token, client_id, client_secret)
                .await;
            log_grant(grant_type, &issued);
            issued?
        }
        "authorization_code" => {
            let code = form.required("code")?;
            let client_id = form.required("client_id")?;
            let redirect_uri = form.required("redirect_uri")?;
            let client_secret = form.required("client_secret")?;
            let issued = state
                .tokens
                .authorization_code_grant(code, client_id, redirect_uri, client_secret)
                .await;
            log_grant(grant_type, &issued);
            issued?
        }
        _ => {
            return Err(ServiceError::new(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "grant_type must be client_credentials, refresh_token or authorization_code",
            ));
        }
    };

    // A pair from a launch code reaches only the reports of its user.
    let scope = if issued.user.is_some() {
        "user"
    } else {
        "company"
    };
    let body = json!({
        "access_token": issued.access_token.expose(),
        "token_type": "Bearer",
        "expires_in": issued.expires_in.as_secs(),
        "refresh_token": issued.refresh_token.expose(),
        "scope": scope,
    });
    let mut response = (StatusCode::OK, Json(body)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    Ok(response)
}

/// Logs the grant's outcome with the registration, never a credential.
fn log_grant(grant_type: &str, issued: &Result<TokenPair, crate::connector_access::TokenError>) {
    match issued {
        Ok(pair) => {
            tracing::Span::current().record("registration_id", pair.registration_id.0);
            tracing::info!(
                grant_type,
                registration_id = pair.registration_id.0,
                user_id = pair.user.map(|user| user.0),
                "access token issued"
            );
        }
        Err(error) => tracing::warn!(grant_type, error = %error, "token request rejected"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_form_rejects_repeated_field() {
        let error = TokenForm::parse(b"grant_type=a&grant_type=b").unwrap_err();

        assert_eq!(error.description, "grant_type must not be repeated");
    }

    #[test]
    fn token_form_ignores_unknown_field() {
        let form = TokenForm::parse(b"grant_type=client_credentials&scope=x&scope=y").unwrap();

        assert_eq!(form.required("grant_type").unwrap(), "client_credentials");
    }

    #[test]
    fn token_form_empty_field_is_missing() {
        let form = TokenForm::parse(b"client_id=").unwrap();

        assert_eq!(
            form.required("client_id").unwrap_err().description,
            "client_id is required"
        );
    }
}
