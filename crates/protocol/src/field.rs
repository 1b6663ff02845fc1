//! Checks shared by the fields of every message.

use crate::error::{Excerpt, FieldError, Rule};
use crate::xml::{find_forbidden, is_xml_space};

/// Whether a field must carry a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Presence {
    Required,
    Optional,
}

/// Checks a text value: non-empty when required, at most `max` Unicode
/// scalar values, and only characters XML allows.
pub(crate) fn check_text(
    element: &str,
    value: &str,
    max: usize,
    presence: Presence,
) -> Result<(), FieldError> {
    if presence == Presence::Required && value.is_empty() {
        return Err(FieldError::new(element, Rule::EmptyRequired));
    }

    // A value has at most as many characters as bytes, so a short one needs
    // no count.
    if value.len() > max {
        let actual = value.chars().count();
        if actual > max {
            return Err(FieldError::new(element, Rule::TooLong { max, actual }));
        }
    }
    match find_forbidden(value) {
        Some(c) => Err(FieldError::new(
            element,
            Rule::ForbiddenCharacter {
                code_point: u32::from(c),
            },
        )),
        None => Ok(()),
    }
}

/// Parses a record count: ASCII digits after trimming white space, `None`
/// when empty, values above `u32::MAX` saturated to it.
pub(crate) fn parse_count(value: &str) -> Result<Option<u32>, Rule> {
    let digits = value.trim_matches(is_xml_space);
    if digits.is_empty() {
        return Ok(None);
    }
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Rule::NotNonNegativeInteger {
            value: Excerpt::new(value),
        });
    }

    let count = digits.bytes().fold(0u32, |count, digit| {
        count
            .saturating_mul(10)
            .saturating_add(u32::from(digit - b'0'))
    });
    Ok(Some(count))
}

/// Writes a count as digits, or nothing for `None`.
pub(crate) fn format_count(count: Option<u32>) -> String {
    count.map(|count| count.to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::parse_count;

    #[test]
    fn parse_count_trims_white_space() {
        assert_eq!(parse_count(" 25\n"), Ok(Some(25)));
    }

    #[test]
    fn parse_count_saturates() {
        assert_eq!(parse_count("99999999999999999999"), Ok(Some(u32::MAX)));
    }

    #[test]
    fn parse_count_leading_zeros() {
        assert_eq!(parse_count("007"), Ok(Some(7)));
    }
}
