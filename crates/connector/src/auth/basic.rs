//! Parsing of an `Authorization: Basic …` header (RFC 7617, UTF-8 charset).

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use base64::Engine;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use crate::config::Secret;

/// Maximum length of the base64 token. A 50-character user name, `:` and a
/// 50-character password of up to 4 bytes each fit well under it, and the
/// bound keeps decoding cheap.
const MAX_TOKEN_LENGTH: usize = 1024;

/// Accepts tokens with or without `=` padding, because clients differ.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// User name and password as the client sent them.
#[derive(Debug, Clone)]
pub struct PresentedCredentials {
    pub username: String,
    pub password: Secret,
}

/// Reason an `Authorization` header could not be read as Basic credentials.
/// Messages never contain the header's content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BasicAuthError {
    #[error("the Authorization header is missing")]
    Missing,
    /// A server or proxy on the way may read another of the values, so none
    /// is used.
    #[error("the Authorization header appears more than once")]
    Repeated,
    #[error("the Authorization header contains bytes other than visible ASCII")]
    NotAscii,
    #[error("the Authorization scheme is not Basic")]
    NotBasic,
    #[error("the Authorization header has the Basic scheme but no credentials")]
    NoCredentials,
    #[error(
        "the Basic credentials are longer than {} base64 characters",
        MAX_TOKEN_LENGTH
    )]
    TooLong,
    #[error("the Basic credentials are not valid base64")]
    InvalidBase64,
    #[error("the Basic credentials are not valid UTF-8")]
    InvalidUtf8,
    #[error("the Basic credentials contain no `:` between user name and password")]
    MissingColon,
}

impl BasicAuthError {
    /// Short label for metrics and logs.
    pub fn reason(self) -> &'static str {
        match self {
            BasicAuthError::Missing => "missing",
            _ => "malformed",
        }
    }
}

/// Parses the request's one `Authorization` header into user name and
/// password, splitting the decoded text at the first `:` so that the
/// password may contain colons.
pub fn parse_basic(headers: &HeaderMap) -> Result<PresentedCredentials, BasicAuthError> {
    let mut values = headers.get_all(AUTHORIZATION).iter();
    let header = values.next().ok_or(BasicAuthError::Missing)?;
    if values.next().is_some() {
        return Err(BasicAuthError::Repeated);
    }
    let text = header
        .to_str()
        .map_err(|_| BasicAuthError::NotAscii)?
        .trim();

    let (scheme, token) = text.split_once(' ').unwrap_or((text, ""));
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(BasicAuthError::NotBasic);
    }
    let token = token.trim_start();
    if token.is_empty() {
        return Err(BasicAuthError::NoCredentials);
    }
    if token.len() > MAX_TOKEN_LENGTH {
        return Err(BasicAuthError::TooLong);
    }

    let decoded = BASE64
        .decode(token)
        .map_err(|_| BasicAuthError::InvalidBase64)?;
    let decoded = String::from_utf8(decoded).map_err(|_| BasicAuthError::InvalidUtf8)?;
    let (username, password) = decoded
        .split_once(':')
        .ok_or(BasicAuthError::MissingColon)?;

    Ok(PresentedCredentials {
        username: username.to_owned(),
        password: Secret::new(password),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use axum::http::HeaderValue;

    fn header(text: &str) -> HeaderValue {
        HeaderValue::from_str(text).unwrap()
    }

    fn parse_one(value: &HeaderValue) -> Result<PresentedCredentials, BasicAuthError> {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, value.clone());
        parse_basic(&headers)
    }

    fn basic(pair: &str) -> HeaderValue {
        header(&format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair)
        ))
    }

    #[test]
    fn parse_basic_splits_at_first_colon() {
        let credentials = parse_one(&basic("user:pa:ss:word")).unwrap();

        assert_eq!(credentials.username, "user");
        assert_eq!(credentials.password.expose(), "pa:ss:word");
    }

    #[test]
    fn parse_basic_keeps_non_ascii_password() {
        let credentials = parse_one(&basic("user:pässwörd✓")).unwrap();

        assert_eq!(credentials.password.expose(), "pässwörd✓");
    }

    #[test]
    fn parse_basic_scheme_is_case_insensitive() {
        let value = header("bAsIc dXNlcjpwYXNz");

        assert_eq!(parse_one(&value).unwrap().username, "user");
    }

    #[test]
    fn parse_basic_accepts_missing_padding() {
        // "user:pa" encodes to "dXNlcjpwYQ==".
        let value = header("Basic dXNlcjpwYQ");

        assert_eq!(parse_one(&value).unwrap().password.expose(), "pa");
    }

    #[test]
    fn parse_basic_missing_header() {
        assert_eq!(
            parse_basic(&HeaderMap::new()).unwrap_err(),
            BasicAuthError::Missing
        );
    }

    #[test]
    fn parse_basic_latin1_bytes() {
        let value = HeaderValue::from_bytes(b"Basic \xe9\xe9").unwrap();

        assert_eq!(parse_one(&value).unwrap_err(), BasicAuthError::NotAscii);
    }

    #[test]
    fn parse_basic_bearer_scheme() {
        let value = header("Bearer abc");

        assert_eq!(parse_one(&value).unwrap_err(), BasicAuthError::NotBasic);
    }

    #[test]
    fn parse_basic_scheme_without_token() {
        for text in ["Basic", "Basic ", "basic   "] {
            assert_eq!(
                parse_one(&header(text)).unwrap_err(),
                BasicAuthError::NoCredentials,
                "{text:?}"
            );
        }
    }

    #[test]
    fn parse_basic_repeated_header() {
        let mut headers = HeaderMap::new();
        headers.append(AUTHORIZATION, basic("user:right"));
        headers.append(AUTHORIZATION, basic("user:wrong"));

        assert_eq!(parse_basic(&headers).unwrap_err(), BasicAuthError::Repeated);
    }

    #[test]
    fn parse_basic_invalid_base64() {
        let value = header("Basic !!!notbase64");

        assert_eq!(
            parse_one(&value).unwrap_err(),
            BasicAuthError::InvalidBase64
        );
    }

    #[test]
    fn parse_basic_without_colon() {
        let value = basic("no-colon-here");

        assert_eq!(parse_one(&value).unwrap_err(), BasicAuthError::MissingColon);
    }

    #[test]
    fn parse_basic_invalid_utf8() {
        let token = base64::engine::general_purpose::STANDARD.encode([b'u', b':', 0xff, 0xfe]);
        let value = header(&format!("Basic {token}"));

        assert_eq!(parse_one(&value).unwrap_err(), BasicAuthError::InvalidUtf8);
    }

    #[test]
    fn parse_basic_overlong_token() {
        let value = header(&format!("Basic {}", "A".repeat(MAX_TOKEN_LENGTH + 4)));

        let error = parse_one(&value).unwrap_err();
        assert_eq!(error, BasicAuthError::TooLong);
        assert_eq!(
            error.to_string(),
            "the Basic credentials are longer than 1024 base64 characters"
        );
    }
}
