//! Reading an `application/x-www-form-urlencoded` body: content type, limits, strict decoding.

use axum::extract::Request;
use axum::http::header::CONTENT_TYPE;
use percent_encoding::percent_decode;

use super::errors::PageError;
use crate::api::{ApiError, BodyLimits, has_media_type, read_limited};

/// Most name–value pairs accepted in one form; far above what any page
/// sends, it bounds the work spent on a hostile body.
const MAX_FIELDS: usize = 2000;

/// The fields of a submitted form, in the order the browser sent them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct FormFields(Vec<(String, String)>);

impl FormFields {
    /// Decodes a body. Unlike lenient decoders, it rejects a `%` escape
    /// that is not two hexadecimal digits and bytes that are not UTF-8,
    /// rather than replacing them.
    pub(crate) fn parse(body: &[u8]) -> Result<FormFields, PageError> {
        let mut fields = Vec::new();
        for pair in body.split(|byte| *byte == b'&') {
            if pair.is_empty() {
                continue;
            }
            if fields.len() == MAX_FIELDS {
                return Err(PageError::MalformedForm("it has too many fields"));
            }
            let (name, value) = match pair.iter().position(|byte| *byte == b'=') {
                Some(index) => (&pair[..index], &pair[index + 1..]),
                None => (pair, &[][..]),
            };
            fields.push((decode(name)?, decode(value)?));
        }
        Ok(FormFields(fields))
    }

    /// Returns the name of every field, in order, repeated names included.
    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(name, _)| name.as_str())
    }

    /// Returns the first value of `name`.
    pub(crate) fn text(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.as_str())
    }

    /// Returns every value of `name`, in order.
    pub(crate) fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(field, _)| field == name)
            .map(|(_, value)| value.as_str())
            .collect()
    }

    /// Reports whether a check box named `name` was checked (browsers send checked boxes only).
    pub(crate) fn checked(&self, name: &str) -> bool {
        self.text(name).is_some()
    }

    /// Returns the value of `name`, or `None` when it is absent or blank.
    pub(crate) fn non_blank(&self, name: &str) -> Option<&str> {
        self.text(name).filter(|value| !value.trim().is_empty())
    }
}

fn decode(raw: &[u8]) -> Result<String, PageError> {
    let escapes_valid = raw.iter().enumerate().all(|(index, byte)| {
        *byte != b'%'
            || raw
                .get(index + 1..index + 3)
                .is_some_and(|digits| digits.iter().all(u8::is_ascii_hexdigit))
    });
    if !escapes_valid {
        return Err(PageError::MalformedForm(
            "a percent escape is not two hexadecimal digits",
        ));
    }
    let spaced: Vec<u8> = raw
        .iter()
        .map(|byte| if *byte == b'+' { b' ' } else { *byte })
        .collect();
    let decoded: Vec<u8> = percent_decode(&spaced).collect();
    String::from_utf8(decoded).map_err(|_| PageError::MalformedForm("it is not UTF-8"))
}

/// Reads a form body within the body limits of the API.
pub(crate) async fn read_form(
    request: Request,
    limits: &BodyLimits,
) -> Result<FormFields, PageError> {
    let content_type = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok());
    if !content_type.is_some_and(|value| has_media_type(value, "application/x-www-form-urlencoded"))
    {
        return Err(PageError::UnsupportedMediaType);
    }

    let bytes = read_limited(request, limits)
        .await
        .map_err(|error| match error {
            ApiError::BodyTooLarge { limit } => PageError::BodyTooLarge { limit },
            ApiError::BodyTimedOut { seconds } => PageError::BodyTimedOut { seconds },
            ApiError::BodyUnreadable => {
                PageError::MalformedForm("the connection failed while sending it")
            }
            other => PageError::Internal(Box::new(other)),
        })?;
    FormFields::parse(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_decodes_plus_and_escapes() {
        let fields = FormFields::parse(b"name=HR+system%21&empty=&flag").unwrap();

        assert_eq!(fields.text("name"), Some("HR system!"));
        assert_eq!(fields.text("empty"), Some(""));
        assert_eq!(fields.text("flag"), Some(""));
    }

    #[test]
    fn form_keeps_repeated_fields_in_order() {
        let fields = FormFields::parse(b"row=a&other=x&row=b").unwrap();

        assert_eq!(fields.all("row"), ["a", "b"]);
    }

    #[test]
    fn form_rejects_short_escape() {
        assert!(FormFields::parse(b"name=abc%2").is_err());
    }

    #[test]
    fn form_rejects_non_hex_escape() {
        assert!(FormFields::parse(b"name=%zz").is_err());
    }

    #[test]
    fn form_rejects_invalid_utf8() {
        assert!(FormFields::parse(b"name=%ff%fe").is_err());
    }

    #[test]
    fn form_decodes_utf8_escapes() {
        let fields = FormFields::parse(b"name=%C3%A9").unwrap();

        assert_eq!(fields.text("name"), Some("é"));
    }

    #[test]
    fn form_rejects_too_many_fields() {
        let body = "a=1&".repeat(MAX_FIELDS + 1);

        assert!(FormFields::parse(body.as_bytes()).is_err());
    }
}
