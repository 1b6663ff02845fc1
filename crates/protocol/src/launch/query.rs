//! Strict reading and URL-encoded writing of launch query strings.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::{LaunchError, MAX_QUERY_BYTES};

/// Everything but the unreserved characters of RFC 3986 is encoded, so `+`,
/// `/`, `=`, `&` and space survive any decoder.
const ENCODED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The decoded known parameters of a query; [`Parameters::parse`] rejects a
/// name that appears twice.
pub(super) struct Parameters {
    pairs: Vec<(String, String)>,
}

impl Parameters {
    /// Decodes `query` (without the leading `?`). Parameters other than
    /// `known` are ignored, and a known one that appears twice is rejected,
    /// because its two values could be read differently by signer and verifier.
    pub fn parse(query: &str, known: &[&'static str]) -> Result<Parameters, LaunchError> {
        if query.len() > MAX_QUERY_BYTES {
            return Err(LaunchError::TooLong {
                max: MAX_QUERY_BYTES,
            });
        }
        let mut pairs: Vec<(String, String)> = Vec::new();
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            let Some(known_name) = known.iter().find(|known| **known == name) else {
                continue;
            };
            if pairs.iter().any(|(seen, _)| seen == known_name) {
                return Err(LaunchError::Duplicate(known_name));
            }
            pairs.push((known_name.to_string(), value.into_owned()));
        }
        Ok(Parameters { pairs })
    }

    pub fn optional(&self, name: &'static str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(seen, _)| seen == name)
            .map(|(_, value)| value.as_str())
    }

    pub fn required(&self, name: &'static str) -> Result<&str, LaunchError> {
        match self.optional(name) {
            Some(value) if !value.is_empty() => Ok(value),
            _ => Err(LaunchError::Missing(name)),
        }
    }
}

/// Writes `name=value` pairs joined by `&`, every value percent-encoded.
pub(super) fn write(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(name, value)| format!("{name}={}", utf8_percent_encode(value, ENCODED)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Checks that `nonce` is a GUID: 32 hexadecimal digits in groups of 8-4-4-4-12.
pub(super) fn check_nonce(nonce: &str) -> Result<(), LaunchError> {
    let groups: Vec<&str> = nonce.split('-').collect();
    let lengths_match = groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, length)| group.len() == length);
    let hex = nonce.chars().all(|c| c == '-' || c.is_ascii_hexdigit());
    if lengths_match && hex {
        Ok(())
    } else {
        Err(LaunchError::Invalid {
            name: "nonce",
            rule: "expected a GUID such as 0f8fad5b-d9cb-469f-a165-70867728950e",
        })
    }
}
