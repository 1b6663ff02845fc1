//! `POST /oauth2/v0/token`: the `client_credentials`, `refresh_token` and
//! `authorization_code` grants, with the form and error bodies of RFC 6749.
//! The `authorization_code` grant exchanges the `client_auth_code` of a
//! Launch External URL v4 launch.

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use base64::Engine;
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

impl TokenForm {
    /// Takes the client credentials of an HTTP Basic `Authorization`
    /// header. RFC 6749 section 2.3 allows one authentication method per
    /// request, so a `client_secret` in the form as well is rejected, and so
    /// is a form `client_id` that names another client.
    fn authenticate_with(
        &mut self,
        client_id: String,
        client_secret: String,
    ) -> Result<(), ServiceError> {
        if self.fields.iter().any(|(name, _)| name == "client_secret") {
            return Err(ServiceError::invalid(
                "client_secret",
                "must not be sent together with HTTP Basic client authentication",
            ));
        }
        match self.fields.iter().find(|(name, _)| name == "client_id") {
            Some((_, form_id)) if *form_id != client_id => {
                return Err(ServiceError::invalid(
                    "client_id",
                    "must match the client of the HTTP Basic authentication",
                ));
            }
            Some(_) => {}
            None => self.fields.push(("client_id".to_owned(), client_id)),
        }
        self.fields.push(("client_secret".to_owned(), client_secret));
        Ok(())
    }
}

/// Reads HTTP Basic client authentication (RFC 6749 section 2.3.1): the
/// Base64 of `client_id:client_secret`, each form-urlencoded. Returns `None`
/// without an `Authorization` header; any other scheme or a malformed value
/// is `401 invalid_client`.
fn basic_client(headers: &HeaderMap) -> Result<Option<(String, String)>, ServiceError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let malformed = || {
        ServiceError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Authorization must be Basic with the Base64 of client_id:client_secret",
        )
    };
    let text = value.to_str().map_err(|_| malformed())?;
    let (scheme, encoded) = text.split_once(' ').ok_or_else(malformed)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(malformed());
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| malformed())?;
    let decoded = String::from_utf8(decoded).map_err(|_| malformed())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(malformed)?;
    let unescape = |part: &str| -> Option<String> {
        let pair = format!("v={part}");
        url::form_urlencoded::parse(pair.as_bytes())
            .next()
            .map(|(_, value)| value.into_owned())
    };
    let id = unescape(id).filter(|id| !id.is_empty()).ok_or_else(malformed)?;
    let secret = unescape(secret)
        .filter(|secret| !secret.is_empty())
        .ok_or_else(malformed)?;
    Ok(Some((id, secret)))
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
    let basic = basic_client(request.headers())?;
    let body = read_limited(request, &state.limits).await?;
    let mut form = TokenForm::parse(&body)?;
    if let Some((client_id, client_secret)) = basic {
        form.authenticate_with(client_id, client_secret)?;
    }

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

    fn basic(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn basic_client_decodes_form_encoded_parts() {
        let encoded = base64::engine::general_purpose::STANDARD.encode("cid%3A1:s%2Bcret+x");

        let client = basic_client(&basic(&format!("Basic {encoded}"))).unwrap();

        assert_eq!(client, Some(("cid:1".to_owned(), "s+cret x".to_owned())));
    }

    #[test]
    fn basic_client_rejects_other_scheme_and_bad_base64() {
        for value in ["Bearer abc", "Basic !!!", "Basic", "Basic Y2lk"] {
            let error = basic_client(&basic(value)).unwrap_err();

            assert_eq!(error.code, "invalid_client", "{value}");
        }
    }

    #[test]
    fn token_form_rejects_basic_with_form_secret() {
        let mut form = TokenForm::parse(b"client_secret=s").unwrap();

        let error = form
            .authenticate_with("cid".to_owned(), "s".to_owned())
            .unwrap_err();

        assert_eq!(
            error.description,
            "client_secret must not be sent together with HTTP Basic client authentication"
        );
    }

    #[test]
    fn token_form_rejects_basic_with_other_client_id() {
        let mut form = TokenForm::parse(b"client_id=other").unwrap();

        let error = form
            .authenticate_with("cid".to_owned(), "s".to_owned())
            .unwrap_err();

        assert_eq!(error.code, "invalid_request");
    }

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
