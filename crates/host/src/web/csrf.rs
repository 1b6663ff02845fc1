//! CSRF tokens: one random token per session, carried by every form and compared in constant time.

use axum::extract::{FromRequest, FromRequestParts, Request};
use base64::Engine;
use rand::RngCore;
use subtle::ConstantTimeEq;

use super::WebState;
use super::errors::PageError;
use super::form::{FormFields, read_form};
use super::session::SignedIn;

/// Name of the hidden form field that carries the token.
pub(crate) const CSRF_FIELD: &str = "csrf_token";

/// Generates a token of 32 random bytes in unpadded base64url.
pub(crate) fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Compares a presented token with the expected one without an early exit,
/// so that timing does not reveal how many leading characters match.
/// Tokens have a fixed length, so a length mismatch reveals nothing secret.
pub(crate) fn tokens_match(expected: &str, presented: Option<&str>) -> bool {
    let Some(presented) = presented else {
        return false;
    };
    !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(presented.as_bytes()))
}

/// A form posted by a signed-in user whose CSRF token matched the session's.
/// A missing or wrong token is `403` before any handler runs.
pub(crate) struct CheckedForm {
    pub signed_in: SignedIn,
    pub fields: FormFields,
}

impl FromRequest<WebState> for CheckedForm {
    type Rejection = PageError;

    async fn from_request(request: Request, state: &WebState) -> Result<Self, PageError> {
        let (mut parts, body) = request.into_parts();
        let signed_in = SignedIn::from_request_parts(&mut parts, state).await?;
        let fields = read_form(Request::from_parts(parts, body), &state.body_limits).await?;

        if !tokens_match(&signed_in.session.csrf_token, fields.text(CSRF_FIELD)) {
            tracing::warn!(
                user_id = signed_in.actor.user.id.0,
                "form rejected: CSRF token missing or wrong"
            );
            return Err(PageError::CsrfRejected);
        }
        Ok(CheckedForm { signed_in, fields })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csrf_same_token_matches() {
        let token = random_token();

        assert!(tokens_match(&token, Some(&token.clone())));
    }

    #[test]
    fn csrf_missing_token_fails() {
        assert!(!tokens_match(&random_token(), None));
    }

    #[test]
    fn csrf_other_token_fails() {
        assert!(!tokens_match(&random_token(), Some(&random_token())));
    }

    #[test]
    fn csrf_prefix_fails() {
        let token = random_token();

        assert!(!tokens_match(&token, Some(&token[..10])));
    }

    #[test]
    fn csrf_empty_expected_never_matches() {
        assert!(!tokens_match("", Some("")));
    }

    #[test]
    fn csrf_token_is_43_characters() {
        assert_eq!(random_token().len(), 43);
    }
}
