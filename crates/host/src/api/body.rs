//! Reading request bodies: size limit and read timeout, then the JSON content type and syntax.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http_body_util::{BodyExt, LengthLimitError, Limited};

use super::errors::ApiError;
use super::{ApiState, BodyLimits};

/// A request body that is syntactically valid JSON, at most
/// `limits.body_bytes` long and received within `timeouts.body_read_secs`.
/// Its shape is checked by the handler, so that each wrong field gets its own `422` entry.
pub struct JsonBody(pub serde_json::Value);

impl FromRequest<ApiState> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &ApiState) -> Result<Self, ApiError> {
        let limits = &state.limits;
        let content_type = request
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok());
        if !content_type.is_some_and(is_json_content_type) {
            return Err(ApiError::UnsupportedMediaType);
        }

        let bytes = read_limited(request, limits).await?;

        // serde_json's position is kept, its message dropped: the message
        // may describe the content, which can be a password.
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|error| ApiError::MalformedJson {
                line: error.line(),
                column: error.column(),
            })
    }
}

/// Reads a whole request body of at most `limits.body_bytes` bytes within
/// `limits.body_read`, for any content type; a declared length over the
/// limit is rejected before any byte is read.
pub async fn read_limited(request: Request, limits: &BodyLimits) -> Result<Bytes, ApiError> {
    let declared_length = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|text| text.parse::<u64>().ok());
    if declared_length.is_some_and(|length| length > limits.body_bytes as u64) {
        return Err(ApiError::BodyTooLarge {
            limit: limits.body_bytes,
        });
    }

    let limited = Limited::new(request.into_body(), limits.body_bytes);
    let collected = tokio::time::timeout(limits.body_read, limited.collect())
        .await
        .map_err(|_| ApiError::BodyTimedOut {
            seconds: limits.body_read.as_secs(),
        })?;
    match collected {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) if error.downcast_ref::<LengthLimitError>().is_some() => {
            Err(ApiError::BodyTooLarge {
                limit: limits.body_bytes,
            })
        }
        Err(error) => {
            tracing::debug!(%error, "failed to read the request body");
            Err(ApiError::BodyUnreadable)
        }
    }
}

/// Accepts `application/json` with `charset=utf-8` or no charset.
fn is_json_content_type(value: &str) -> bool {
    has_media_type(value, "application/json")
}

/// Whether a `Content-Type` value names `expected` with `charset=utf-8` or no charset.
pub fn has_media_type(value: &str, expected: &str) -> bool {
    let mut parts = value.split(';');
    let media_type = parts.next().unwrap_or_default().trim();
    if !media_type.eq_ignore_ascii_case(expected) {
        return false;
    }
    parts.all(|parameter| match parameter.split_once('=') {
        Some((name, charset)) if name.trim().eq_ignore_ascii_case("charset") => charset
            .trim()
            .trim_matches('"')
            .eq_ignore_ascii_case("utf-8"),
        Some(_) => true,
        None => parameter.trim().is_empty(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_type_json() {
        assert!(is_json_content_type("application/json"));
    }

    #[test]
    fn content_type_json_utf8() {
        assert!(is_json_content_type("application/json; charset=UTF-8"));
    }

    #[test]
    fn content_type_json_other_charset() {
        assert!(!is_json_content_type("application/json; charset=latin1"));
    }

    #[test]
    fn content_type_form() {
        assert!(!is_json_content_type("application/x-www-form-urlencoded"));
    }
}
