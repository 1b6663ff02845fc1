//! `EventDateTime` in the two forms senders use: `YYYY-MM-DD` and
//! `YYYY-MM-DDTHH:MM:SS`.

use std::fmt;

use crate::error::{Excerpt, Rule};

/// The moment of an event, as a calendar date with an optional time of day.
/// The messages carry no time zone, so none is assumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventDateTime {
    year: u16,
    month: u8,
    day: u8,
    time: Option<(u8, u8, u8)>,
}

impl EventDateTime {
    /// Builds a date-only value, or `None` when the date does not exist.
    pub fn date(year: u16, month: u8, day: u8) -> Option<Self> {
        is_valid_date(year, month, day).then_some(EventDateTime {
            year,
            month,
            day,
            time: None,
        })
    }

    /// Builds a date with a time of day, or `None` when either is invalid.
    pub fn date_time(
        year: u16,
        month: u8,
        day: u8,
        hour: u8,
        minute: u8,
        second: u8,
    ) -> Option<Self> {
        let valid_time = hour < 24 && minute < 60 && second < 60;
        (valid_time && is_valid_date(year, month, day)).then_some(EventDateTime {
            year,
            month,
            day,
            time: Some((hour, minute, second)),
        })
    }

    /// Parses either form; anything else, including a date that does not
    /// exist, is rejected with the expected forms in the rule.
    pub fn parse(value: &str) -> Result<Self, Rule> {
        let invalid = || Rule::InvalidFormat {
            value: Excerpt::new(value),
            expected: "a date YYYY-MM-DD or a date and time YYYY-MM-DDTHH:MM:SS",
        };
        let bytes = value.as_bytes();
        let number = |range: std::ops::Range<usize>| -> Option<u16> {
            let digits = bytes.get(range)?;
            if !digits.iter().all(u8::is_ascii_digit) {
                return None;
            }
            Some(
                digits
                    .iter()
                    .fold(0u16, |n, d| n * 10 + u16::from(d - b'0')),
            )
        };
        let separator = |index: usize, expected: u8| bytes.get(index) == Some(&expected);

        if !(separator(4, b'-') && separator(7, b'-')) {
            return Err(invalid());
        }
        let (year, month, day) = match (number(0..4), number(5..7), number(8..10)) {
            (Some(year), Some(month), Some(day)) => (year, month as u8, day as u8),
            _ => return Err(invalid()),
        };

        let parsed = match bytes.len() {
            10 => EventDateTime::date(year, month, day),
            19 if separator(10, b'T') && separator(13, b':') && separator(16, b':') => {
                match (number(11..13), number(14..16), number(17..19)) {
                    (Some(hour), Some(minute), Some(second)) => EventDateTime::date_time(
                        year,
                        month,
                        day,
                        hour as u8,
                        minute as u8,
                        second as u8,
                    ),
                    _ => None,
                }
            }
            _ => None,
        };
        parsed.ok_or_else(invalid)
    }

    /// Returns whether the value carries a time of day.
    pub fn has_time(&self) -> bool {
        self.time.is_some()
    }
}

impl fmt::Display for EventDateTime {
    /// Writes the form the value was built in.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)?;
        if let Some((hour, minute, second)) = self.time {
            write!(f, "T{hour:02}:{minute:02}:{second:02}")?;
        }
        Ok(())
    }
}

fn is_valid_date(year: u16, month: u8, day: u8) -> bool {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=9999).contains(&year) && (1..=days_in_month).contains(&day)
}

#[cfg(test)]
mod tests {
    use super::EventDateTime;

    #[test]
    fn parse_date_only() {
        let value = EventDateTime::parse("2024-02-29").unwrap();
        assert!(!value.has_time());
        assert_eq!(value.to_string(), "2024-02-29");
    }

    #[test]
    fn parse_date_and_time() {
        let value = EventDateTime::parse("2026-12-04T23:59:58").unwrap();
        assert!(value.has_time());
        assert_eq!(value.to_string(), "2026-12-04T23:59:58");
    }

    #[test]
    fn parse_rejects_impossible_dates() {
        for value in [
            "2023-02-29",
            "2026-13-01",
            "2026-04-31",
            "0000-01-01",
            "2026-00-10",
        ] {
            assert!(EventDateTime::parse(value).is_err(), "{value} was accepted");
        }
    }

    #[test]
    fn parse_rejects_other_forms() {
        for value in [
            "",
            "2026-1-04",
            "2026/12/04",
            "2026-12-04 10:00:00",
            "2026-12-04T24:00:00",
            "2026-12-04T10:60:00",
            "2026-12-04T10:00",
            "2026-12-04T10:00:00Z",
            "2026-12-04T10:00:00.5",
            "+026-12-04",
            "２０２６-12-04",
        ] {
            assert!(
                EventDateTime::parse(value).is_err(),
                "{value:?} was accepted"
            );
        }
    }
}
