//! Money amounts as the host writes them: decimal strings with two fraction digits.

use std::fmt;

/// Largest number of integer digits accepted, so that hundredths fit in an `i64`.
const MAX_INTEGER_DIGITS: usize = 15;

/// An amount in hundredths of the currency unit, exact, without floating point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Amount(i64);

impl Amount {
    pub const ZERO: Amount = Amount(0);

    /// Parses `123`, `123.4` or `123.45`, with an optional leading `-`.
    /// Returns `None` for anything else, such as `1e3`, `.5`, `1.` or `1,50`.
    pub fn parse(text: &str) -> Option<Amount> {
        let (negative, unsigned) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (integer, fraction) = match unsigned.split_once('.') {
            Some((integer, fraction)) if !fraction.is_empty() => (integer, fraction),
            Some(_) => return None,
            None => (unsigned, ""),
        };
        let digits = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
        if integer.is_empty() || integer.len() > MAX_INTEGER_DIGITS || !digits(integer) {
            return None;
        }
        if fraction.len() > 2 || !digits(fraction) {
            return None;
        }

        let units: i64 = integer.parse().ok()?;
        let hundredths: i64 = match fraction.len() {
            0 => 0,
            1 => fraction.parse::<i64>().ok()? * 10,
            _ => fraction.parse().ok()?,
        };
        let value = units.checked_mul(100)?.checked_add(hundredths)?;
        Some(Amount(if negative { -value } else { value }))
    }
}

impl fmt::Display for Amount {
    /// Writes the amount with two fraction digits, as the host does.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let magnitude = self.0.unsigned_abs();
        write!(formatter, "{sign}{}.{:02}", magnitude / 100, magnitude % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::Amount;

    #[test]
    fn amount_parse_accepts_decimal_forms() {
        for (text, written) in [
            ("80.00", "80.00"),
            ("80", "80.00"),
            ("80.5", "80.50"),
            ("0.07", "0.07"),
            ("-12.30", "-12.30"),
        ] {
            let amount = Amount::parse(text);
            assert_eq!(amount.map(|amount| amount.to_string()).as_deref(), Some(written), "{text}");
        }
    }

    #[test]
    fn amount_parse_rejects_other_forms() {
        for text in ["", "-", ".5", "1.", "1.234", "1,50", "1e3", " 1.00", "+1.00", "1234567890123456"] {
            assert_eq!(Amount::parse(text), None, "{text:?} was accepted");
        }
    }

    #[test]
    fn amount_compares_by_value() {
        assert!(Amount::parse("100.01") > Amount::parse("100"));
        assert!(Amount::parse("99.99") < Amount::parse("100.00"));
    }
}
