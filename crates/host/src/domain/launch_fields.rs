//! Launch fields: custom fields of expense reports, entries and allocations
//! whose Launch button opens a registration's Launch External URL form, and
//! the rules for their definitions and values.

use std::fmt;

use time::OffsetDateTime;

use super::accounts::CompanyId;
use super::fields::{FieldErrors, length, parse_line};
use super::registration::{Registration, RegistrationId};
use super::services::{LaunchVersion, ServiceKind, ServiceSettings};

/// Rule texts of launch fields, their values and allocations.
pub mod launch_rules {
    pub const CODE: &str = "must be 1 to 32 characters of A-Z, a-z, 0-9 and _";
    pub const CODE_UNIQUE: &str = "must be unique within the company";
    pub const LABEL_LENGTH: &str = "must be 1 to 100 characters";
    pub const OBJECT_TYPE: &str = "must be HEADER, ENTRY or ALLOCATION";
    pub const ENTRY_FOR_V1: &str = "must be ENTRY for a version V1 registration";
    pub const POPUP_SIZE: &str = "must be a whole number from 200 to 2000";
    pub const REGISTRATION_UNKNOWN: &str = "must name a registration of the company";
    pub const SERVICE_DISABLED: &str =
        "must name a verified registration whose launch-external-url service is enabled";
    pub const SINGLE_LINE_VALUE_LENGTH: &str = "must be at most 500 characters";
    pub const MULTILINE_VALUE_LENGTH: &str = "must be at most 2000 characters";
    pub const SINGLE_LINE_VALUE_CONTROLS: &str =
        "must not contain control characters, including line breaks";
    pub const MULTILINE_VALUE_CONTROLS: &str =
        "must not contain control characters other than line breaks";
    pub const VALUE_BIDI_CONTROLS: &str = "must not contain bidirectional formatting characters (U+202A to U+202E, U+2066 to U+2069)";
    pub const PERCENTAGE: &str = "must be a whole number from 1 to 100";
    pub const PERCENTAGE_TOTAL: &str =
        "must keep the total of the entry's allocations at or below 100";
}

/// Smallest and largest popup width or height, in CSS pixels.
pub const POPUP_SIZES: std::ops::RangeInclusive<i64> = 200..=2000;

/// Identifier of a launch field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LaunchFieldId(pub i64);

/// The kind of object a launch field belongs to. Its names are the `source`
/// values of the Launch External URL query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LaunchObjectType {
    Header,
    Entry,
    Allocation,
}

impl LaunchObjectType {
    pub const ALL: [LaunchObjectType; 3] = [
        LaunchObjectType::Header,
        LaunchObjectType::Entry,
        LaunchObjectType::Allocation,
    ];

    /// Returns the name in the store, forms and JSON, such as `ENTRY`.
    pub fn as_str(self) -> &'static str {
        match self {
            LaunchObjectType::Header => "HEADER",
            LaunchObjectType::Entry => "ENTRY",
            LaunchObjectType::Allocation => "ALLOCATION",
        }
    }

    pub fn parse(text: &str) -> Option<LaunchObjectType> {
        LaunchObjectType::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
    }
}

impl fmt::Display for LaunchObjectType {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// A launch field as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaunchField {
    pub id: LaunchFieldId,
    pub company_id: CompanyId,
    /// The registration whose Launch External URL service the button opens.
    pub registration_id: RegistrationId,
    /// 1 to 32 characters of `[A-Za-z0-9_]`, unique within the company
    /// without regard to case. The launch sends it as `custom_field_launched_from`.
    pub code: String,
    pub label: String,
    pub object_type: LaunchObjectType,
    /// A textarea when true, a one-line input otherwise.
    pub multiline: bool,
    /// Popup size in CSS pixels, each within [`POPUP_SIZES`].
    pub popup_width: u16,
    pub popup_height: u16,
    pub created_at: OffsetDateTime,
}

impl LaunchField {
    /// Checks a value typed into this field. Browsers send a textarea's line
    /// breaks as CRLF, so a multi-line value has them turned into LF first.
    pub fn parse_value(&self, text: &str) -> Result<String, &'static str> {
        parse_custom_value(text, self.multiline)
    }
}

/// Checks a custom field value: one line of at most 500 characters, or
/// with `multiline` at most 2000 characters where only line breaks may
/// be control characters.
pub fn parse_custom_value(text: &str, multiline: bool) -> Result<String, &'static str> {
    // These reorder the text around them when shown, so a value could look
    // unlike what it stores; `char::is_control` does not cover them.
    if text
        .chars()
        .any(|character| matches!(character, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'))
    {
        return Err(launch_rules::VALUE_BIDI_CONTROLS);
    }
    if !multiline {
        if text.chars().any(char::is_control) {
            return Err(launch_rules::SINGLE_LINE_VALUE_CONTROLS);
        }
        if length(text) > 500 {
            return Err(launch_rules::SINGLE_LINE_VALUE_LENGTH);
        }
        return Ok(text.to_owned());
    }
    let text = text.replace("\r\n", "\n");
    if text
        .chars()
        .any(|character| character.is_control() && character != '\n')
    {
        return Err(launch_rules::MULTILINE_VALUE_CONTROLS);
    }
    if length(&text) > 2000 {
        return Err(launch_rules::MULTILINE_VALUE_LENGTH);
    }
    Ok(text)
}

/// A launch field to insert; the store assigns the id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLaunchField {
    pub company_id: CompanyId,
    pub registration_id: RegistrationId,
    pub code: String,
    pub label: String,
    pub object_type: LaunchObjectType,
    pub multiline: bool,
    pub popup_width: u16,
    pub popup_height: u16,
    pub created_at: OffsetDateTime,
}

/// A launch field as entered in the admin form or the JSON API. Sizes are
/// `None` when absent or not a whole number.
#[derive(Debug, Clone, Default)]
pub struct LaunchFieldInput {
    /// Id of the registration, looked up in the actor's company.
    pub registration_id: Option<i64>,
    pub code: String,
    pub label: String,
    pub object_type: String,
    pub multiline: bool,
    pub popup_width: Option<i64>,
    pub popup_height: Option<i64>,
}

impl LaunchFieldInput {
    /// Checks every rule except the uniqueness of the code, which the store
    /// enforces. `registration` is the registration the input names, looked
    /// up in the actor's company, or `None` when there is no such registration.
    pub fn parse(
        &self,
        company: CompanyId,
        registration: Option<&Registration>,
        at: OffsetDateTime,
    ) -> Result<NewLaunchField, FieldErrors> {
        let mut errors = FieldErrors::default();
        let code = errors.check("code", parse_code(&self.code));
        let label = errors.check(
            "label",
            parse_line(self.label.trim(), 1..=100, launch_rules::LABEL_LENGTH),
        );
        let object_type = LaunchObjectType::parse(&self.object_type);
        if object_type.is_none() {
            errors.push("object_type", launch_rules::OBJECT_TYPE);
        }
        let popup_width = errors.check("popup_width", parse_popup_size(self.popup_width));
        let popup_height = errors.check("popup_height", parse_popup_size(self.popup_height));

        let registration = match registration {
            Some(registration) if registration.company_id == company => Some(registration),
            _ => {
                errors.push("registration_id", launch_rules::REGISTRATION_UNKNOWN);
                None
            }
        };
        if let Some(registration) = registration {
            match launch_version(registration) {
                None => errors.push("registration_id", launch_rules::SERVICE_DISABLED),
                Some(LaunchVersion::V1)
                    if object_type.is_some_and(|kind| kind != LaunchObjectType::Entry) =>
                {
                    errors.push("object_type", launch_rules::ENTRY_FOR_V1)
                }
                Some(_) => {}
            }
        }

        match (
            errors.is_empty(),
            code,
            label,
            object_type,
            popup_width,
            popup_height,
            registration,
        ) {
            (
                true,
                Some(code),
                Some(label),
                Some(object_type),
                Some(width),
                Some(height),
                Some(registration),
            ) => Ok(NewLaunchField {
                company_id: company,
                registration_id: registration.id,
                code,
                label,
                object_type,
                multiline: self.multiline,
                popup_width: width,
                popup_height: height,
                created_at: at,
            }),
            _ => Err(errors),
        }
    }
}

/// Returns the version of the registration's Launch External URL service,
/// or `None` when that service is inactive: disabled, or enabled on a
/// registration that is not verified.
pub fn launch_version(registration: &Registration) -> Option<LaunchVersion> {
    if !registration.service_is_active(ServiceKind::LaunchExternalUrl) {
        return None;
    }
    let service = registration.services.get(&ServiceKind::LaunchExternalUrl)?;
    match service.settings {
        ServiceSettings::LaunchExternalUrl { version, .. } => Some(version),
        _ => None,
    }
}

fn parse_code(text: &str) -> Result<String, &'static str> {
    let valid = (1..=32).contains(&text.len())
        && text
            .chars()
            .all(|character| character.is_ascii_alphanumeric() || character == '_');
    if valid {
        Ok(text.to_owned())
    } else {
        Err(launch_rules::CODE)
    }
}

fn parse_popup_size(size: Option<i64>) -> Result<u16, &'static str> {
    match size {
        Some(size) if POPUP_SIZES.contains(&size) => {
            u16::try_from(size).map_err(|_| launch_rules::POPUP_SIZE)
        }
        _ => Err(launch_rules::POPUP_SIZE),
    }
}

/// Checks an allocation percentage typed as text: a whole number from 1 to 100.
pub fn parse_percentage(text: &str) -> Result<u8, &'static str> {
    match text.trim().parse::<u8>() {
        Ok(percentage) if (1..=100).contains(&percentage) => Ok(percentage),
        _ => Err(launch_rules::PERCENTAGE),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn custom_value_rejects_bidirectional_formatting() {
        for text in ["abc\u{202E}fed", "\u{2066}x\u{2069}"] {
            for multiline in [false, true] {
                assert_eq!(
                    parse_custom_value(text, multiline),
                    Err(launch_rules::VALUE_BIDI_CONTROLS),
                    "{text:?}"
                );
            }
        }
        assert_eq!(parse_custom_value("Zoë (ZRH)", false), Ok("Zoë (ZRH)".to_owned()));
    }

    use super::*;

    #[test]
    fn single_line_value_rejects_newline() {
        assert_eq!(
            parse_custom_value("a\nb", false),
            Err(launch_rules::SINGLE_LINE_VALUE_CONTROLS)
        );
    }

    #[test]
    fn single_line_value_of_500_characters_is_accepted() {
        assert!(parse_custom_value(&"é".repeat(500), false).is_ok());
        assert_eq!(
            parse_custom_value(&"é".repeat(501), false),
            Err(launch_rules::SINGLE_LINE_VALUE_LENGTH)
        );
    }

    #[test]
    fn multiline_value_turns_crlf_into_lf() {
        assert_eq!(parse_custom_value("a\r\nb", true).unwrap(), "a\nb");
    }

    #[test]
    fn multiline_value_rejects_tab_and_lone_cr() {
        for text in ["a\tb", "a\rb", "a\u{7}"] {
            assert_eq!(
                parse_custom_value(text, true),
                Err(launch_rules::MULTILINE_VALUE_CONTROLS),
                "{text:?}"
            );
        }
    }

    #[test]
    fn multiline_value_length_counts_after_crlf() {
        let text = "a\r\n".repeat(1000);

        assert!(parse_custom_value(&text, true).is_ok());
        assert_eq!(
            parse_custom_value(&"a".repeat(2001), true),
            Err(launch_rules::MULTILINE_VALUE_LENGTH)
        );
    }

    #[test]
    fn code_cases() {
        assert!(parse_code("Cost_Object_1").is_ok());
        assert!(parse_code(&"c".repeat(32)).is_ok());
        for text in ["", "cost object", "coût", "cost-object", &"c".repeat(33)] {
            assert_eq!(parse_code(text), Err(launch_rules::CODE), "{text:?}");
        }
    }

    #[test]
    fn popup_size_bounds() {
        assert_eq!(parse_popup_size(Some(200)), Ok(200));
        assert_eq!(parse_popup_size(Some(2000)), Ok(2000));
        for size in [None, Some(199), Some(2001), Some(-1)] {
            assert_eq!(
                parse_popup_size(size),
                Err(launch_rules::POPUP_SIZE),
                "{size:?}"
            );
        }
    }

    #[test]
    fn percentage_cases() {
        assert_eq!(parse_percentage("50"), Ok(50));
        assert_eq!(parse_percentage(" 100 "), Ok(100));
        for text in ["0", "101", "-1", "12.5", "", "abc", "256"] {
            assert_eq!(
                parse_percentage(text),
                Err(launch_rules::PERCENTAGE),
                "{text:?}"
            );
        }
    }
}
