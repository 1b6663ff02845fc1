//! Validated values of expense reports and entries, each built by `parse`.

use std::fmt;

use time::{Date, Month};

use crate::domain::fields::parse_line;

/// The rule texts of expense fields, reported in [`crate::domain::FieldError::rule`].
pub mod rules {
    pub const REPORT_NAME_LENGTH: &str = "must be 1 to 100 characters";
    pub const EXPENSE_TYPE: &str = "must be one of the listed expense types";
    pub const DATE: &str = "must be a date written YYYY-MM-DD, such as 2025-03-01";
    pub const DATE_RANGE: &str = "must be in the years 1900 to 9999";
    pub const AMOUNT_NUMBER: &str = "must be a number such as 12.50";
    pub const AMOUNT_DECIMALS: &str = "must have at most two decimals";
    pub const AMOUNT_POSITIVE: &str = "must be greater than 0";
    pub const AMOUNT_MAXIMUM: &str = "must be at most 999999999.99";
    pub const CURRENCY: &str = "must be an ISO 4217 code of three letters, such as EUR";
    pub const BUSINESS_PURPOSE_LENGTH: &str = "must be 1 to 200 characters";
    pub const LIST: &str = "must be one of the configured lists";
    pub const SEARCH_TEXT_LENGTH: &str = "must be at most 100 characters";
    pub const ATTENDEE_TYPE: &str = "must be one of the attendee types that use a connector";
    pub const LEVEL: &str = "must be a level of the list whose earlier levels are chosen";
    pub const NOT_OFFERED: &str = "must be one of the search results";
}

/// Name of an expense report, 1 to 100 characters after trimming.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportName(String);

impl ReportName {
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        parse_line(text.trim(), 1..=100, rules::REPORT_NAME_LENGTH).map(ReportName)
    }

    /// Wraps a value read back from the store, which contains only parsed values.
    pub fn from_stored(value: String) -> Self {
        ReportName(value)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ReportName {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

/// Kind of expense, from a fixed list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExpenseType {
    Airfare,
    Lodging,
    CarRental,
    Taxi,
    Meals,
    BusinessMeal,
    Entertainment,
    OfficeSupplies,
    Other,
}

impl ExpenseType {
    pub const ALL: [ExpenseType; 9] = [
        ExpenseType::Airfare,
        ExpenseType::Lodging,
        ExpenseType::CarRental,
        ExpenseType::Taxi,
        ExpenseType::Meals,
        ExpenseType::BusinessMeal,
        ExpenseType::Entertainment,
        ExpenseType::OfficeSupplies,
        ExpenseType::Other,
    ];

    /// Code in forms and the store, such as `business-meal`.
    pub fn as_str(self) -> &'static str {
        match self {
            ExpenseType::Airfare => "airfare",
            ExpenseType::Lodging => "lodging",
            ExpenseType::CarRental => "car-rental",
            ExpenseType::Taxi => "taxi",
            ExpenseType::Meals => "meals",
            ExpenseType::BusinessMeal => "business-meal",
            ExpenseType::Entertainment => "entertainment",
            ExpenseType::OfficeSupplies => "office-supplies",
            ExpenseType::Other => "other",
        }
    }

    /// Name as the pages show it.
    pub fn label(self) -> &'static str {
        match self {
            ExpenseType::Airfare => "Airfare",
            ExpenseType::Lodging => "Lodging",
            ExpenseType::CarRental => "Car rental",
            ExpenseType::Taxi => "Taxi",
            ExpenseType::Meals => "Meals",
            ExpenseType::BusinessMeal => "Business meal",
            ExpenseType::Entertainment => "Entertainment",
            ExpenseType::OfficeSupplies => "Office supplies",
            ExpenseType::Other => "Other",
        }
    }

    pub fn parse(text: &str) -> Result<Self, &'static str> {
        ExpenseType::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text.trim())
            .ok_or(rules::EXPENSE_TYPE)
    }
}

/// Largest amount accepted, in hundredths: 999,999,999.99.
const MAX_AMOUNT_CENTS: i64 = 99_999_999_999;

/// A positive amount with at most two decimals, kept in hundredths of the
/// currency unit so that no binary fraction rounds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Amount(i64);

impl Amount {
    /// Parses digits with an optional `.` and one or two decimals, such as
    /// `12`, `12.5` or `12.50`. Signs, exponents, group separators and
    /// commas as decimal mark are rejected rather than guessed at.
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        let text = text.trim();
        let (whole, fraction) = match text.split_once('.') {
            Some((whole, fraction)) => (whole, fraction),
            None => (text, ""),
        };
        let digits = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());

        if whole.is_empty() || !digits(whole) || !digits(fraction) || text.ends_with('.') {
            return Err(rules::AMOUNT_NUMBER);
        }
        if fraction.len() > 2 {
            return Err(rules::AMOUNT_DECIMALS);
        }
        // More than 12 whole digits cannot be within the maximum, and
        // checking first keeps the arithmetic below from overflowing.
        let whole = whole.trim_start_matches('0');
        if whole.len() > 12 {
            return Err(rules::AMOUNT_MAXIMUM);
        }
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| rules::AMOUNT_NUMBER)?
        };

        let mut fraction = fraction.to_owned();
        while fraction.len() < 2 {
            fraction.push('0');
        }
        let fraction: i64 = fraction.parse().map_err(|_| rules::AMOUNT_NUMBER)?;
        let cents = whole * 100 + fraction;

        if cents == 0 {
            return Err(rules::AMOUNT_POSITIVE);
        }
        if cents > MAX_AMOUNT_CENTS {
            return Err(rules::AMOUNT_MAXIMUM);
        }
        Ok(Amount(cents))
    }

    /// Wraps hundredths read back from the store.
    pub fn from_cents(cents: i64) -> Self {
        Amount(cents)
    }

    pub fn cents(self) -> i64 {
        self.0
    }
}

impl fmt::Display for Amount {
    /// Writes the amount with exactly two decimals, such as `12.50`.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

/// An ISO 4217 alphabetic currency code, three uppercase ASCII letters.
///
/// NOTE: only the form is checked, not membership in the ISO 4217 table,
/// so `XYZ` passes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrencyCode(String);

impl CurrencyCode {
    /// Parses three ASCII letters in any case and uppercases them.
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        let text = text.trim();
        if text.len() == 3 && text.bytes().all(|byte| byte.is_ascii_alphabetic()) {
            Ok(CurrencyCode(text.to_ascii_uppercase()))
        } else {
            Err(rules::CURRENCY)
        }
    }

    pub fn from_stored(value: String) -> Self {
        CurrencyCode(value)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The reason for an expense, 1 to 200 characters on one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessPurpose(String);

impl BusinessPurpose {
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        parse_line(text.trim(), 1..=200, rules::BUSINESS_PURPOSE_LENGTH).map(BusinessPurpose)
    }

    pub fn from_stored(value: String) -> Self {
        BusinessPurpose(value)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Parses a transaction date written `YYYY-MM-DD`, the form that
/// `<input type="date">` submits.
pub fn parse_date(text: &str) -> Result<Date, &'static str> {
    let text = text.trim();
    let bytes = text.as_bytes();
    let well_formed = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(index, byte)| index == 4 || index == 7 || byte.is_ascii_digit());
    if !well_formed {
        return Err(rules::DATE);
    }
    let number =
        |range: std::ops::Range<usize>| text[range].parse::<u16>().map_err(|_| rules::DATE);
    let year = number(0..4)?;
    let month = number(5..7)?;
    let day = number(8..10)?;
    if year < 1900 {
        return Err(rules::DATE_RANGE);
    }
    let month = u8::try_from(month)
        .ok()
        .and_then(|month| Month::try_from(month).ok())
        .ok_or(rules::DATE)?;
    let day = u8::try_from(day).map_err(|_| rules::DATE)?;
    Date::from_calendar_date(i32::from(year), month, day).map_err(|_| rules::DATE)
}

/// Formats a date as `YYYY-MM-DD`.
pub fn format_date(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amount_whole_number() {
        assert_eq!(Amount::parse("12").map(Amount::cents), Ok(1200));
    }

    #[test]
    fn amount_one_decimal() {
        assert_eq!(Amount::parse("12.5").map(Amount::cents), Ok(1250));
    }

    #[test]
    fn amount_two_decimals_displayed() {
        assert_eq!(
            Amount::parse(" 0.07 ").map(|amount| amount.to_string()),
            Ok("0.07".to_owned())
        );
    }

    #[test]
    fn amount_cases() {
        let cases = [
            ("", rules::AMOUNT_NUMBER),
            ("abc", rules::AMOUNT_NUMBER),
            ("-5", rules::AMOUNT_NUMBER),
            ("+5", rules::AMOUNT_NUMBER),
            ("1e3", rules::AMOUNT_NUMBER),
            ("1,50", rules::AMOUNT_NUMBER),
            ("12.", rules::AMOUNT_NUMBER),
            (".5", rules::AMOUNT_NUMBER),
            ("1.2.3", rules::AMOUNT_NUMBER),
            ("12.345", rules::AMOUNT_DECIMALS),
            ("0", rules::AMOUNT_POSITIVE),
            ("0.00", rules::AMOUNT_POSITIVE),
            ("1000000000", rules::AMOUNT_MAXIMUM),
            ("99999999999999999999999", rules::AMOUNT_MAXIMUM),
        ];
        for (text, rule) in cases {
            assert_eq!(Amount::parse(text), Err(rule), "{text:?}");
        }
    }

    #[test]
    fn amount_maximum_accepted() {
        assert_eq!(
            Amount::parse("999999999.99").map(Amount::cents),
            Ok(MAX_AMOUNT_CENTS)
        );
    }

    #[test]
    fn amount_leading_zeros_accepted() {
        assert_eq!(
            Amount::parse("0000000000000012.00").map(Amount::cents),
            Ok(1200)
        );
    }

    #[test]
    fn currency_uppercased() {
        assert_eq!(
            CurrencyCode::parse("eur").map(|code| code.0),
            Ok("EUR".to_owned())
        );
    }

    #[test]
    fn currency_rejects_digits_and_length() {
        for text in ["EU", "EURO", "E1R", "ÉUR"] {
            assert_eq!(CurrencyCode::parse(text), Err(rules::CURRENCY), "{text}");
        }
    }

    #[test]
    fn date_round_trips() {
        let date = parse_date("2024-02-29").unwrap();

        assert_eq!(format_date(date), "2024-02-29");
    }

    #[test]
    fn date_cases() {
        let cases = [
            ("2023-02-29", rules::DATE),
            ("2024-13-01", rules::DATE),
            ("2024-1-01", rules::DATE),
            ("01/02/2024", rules::DATE),
            ("2024-01-01T00", rules::DATE),
            ("1899-12-31", rules::DATE_RANGE),
        ];
        for (text, rule) in cases {
            assert_eq!(parse_date(text), Err(rule), "{text}");
        }
    }

    #[test]
    fn expense_type_codes_round_trip() {
        for kind in ExpenseType::ALL {
            assert_eq!(ExpenseType::parse(kind.as_str()), Ok(kind));
        }
    }
}
