//! The Fetch List and Fetch Attendee requests built from an entry's state and what the employee typed.

use protocol::limits::attendee_request;
use protocol::{Attendee, AttendeeSearchRequest, FetchListRequest, SearchBy};

use super::model::ListChoice;
use super::sources::{AttendeeTypeSource, AvailableList, Sources};
use super::values::rules;
use crate::domain::FieldErrors;
use crate::domain::fields::rules as field_rules;

/// Items a list search requests (num-to-return).
pub const LIST_ITEMS_PER_SEARCH: u32 = 25;

/// Attendees an attendee search requests (MaximumNumberRecords).
pub const ATTENDEES_PER_SEARCH: u32 = 25;

/// Maximum length of the search text, in characters. With the `*` added, a
/// query stays within the 128 characters that a Fetch List query may have.
const MAX_SEARCH_TEXT: usize = 100;

/// Turns what the employee typed into a Fetch List query: blank browses the
/// level (`*`), other text matches item texts that begin with it (`text*`).
/// A `*` the employee typed stays a wildcard.
pub fn list_query(typed: &str) -> Result<String, &'static str> {
    let typed = typed.trim();
    if typed.chars().any(char::is_control) {
        return Err(field_rules::NO_CONTROL_CHARACTERS);
    }
    if typed.chars().count() > MAX_SEARCH_TEXT {
        return Err(rules::SEARCH_TEXT_LENGTH);
    }
    if typed.ends_with('*') {
        Ok(typed.to_owned())
    } else {
        Ok(format!("{typed}*"))
    }
}

/// Builds the Fetch List request of one level of `list`. `chosen` contains
/// the items chosen at the levels above it, so for level 1 it is empty.
pub fn list_request(
    list: &AvailableList,
    chosen: &[ListChoice],
    query: String,
    search_by: SearchBy,
) -> FetchListRequest {
    let codes: Vec<String> = chosen
        .iter()
        .map(|choice| choice.short_code.clone())
        .collect();
    FetchListRequest {
        long_code: codes.join("-"),
        short_code: codes.last().cloned().unwrap_or_default(),
        query,
        search_by,
        lang_code: list.language_code.clone(),
        num_to_return: Some(LIST_ITEMS_PER_SEARCH),
        list_name: list.binding.list_name.clone(),
        code_by_level: codes,
        ..FetchListRequest::default()
    }
}

/// The attendee search form as submitted: the type and the fields to match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttendeeSearchInput {
    pub attendee_type: String,
    pub first_name: String,
    pub last_name: String,
    pub company: String,
    pub external_id: String,
}

impl AttendeeSearchInput {
    /// Returns whether no field but the type has text, as on a form not yet searched.
    pub fn is_blank(&self) -> bool {
        [
            &self.first_name,
            &self.last_name,
            &self.company,
            &self.external_id,
        ]
        .iter()
        .all(|text| text.trim().is_empty())
    }

    /// Checks the input against the configured attendee types and the
    /// request's length limits, and builds the request. The report owner's
    /// login becomes OwnerLoginID, so a connector can scope its results.
    pub fn parse<'a>(
        &self,
        sources: &'a Sources,
        owner_login: &str,
    ) -> Result<(&'a AttendeeTypeSource, AttendeeSearchRequest), FieldErrors> {
        let mut errors = FieldErrors::default();
        let source = errors.check(
            "attendee_type",
            sources
                .attendee_type(self.attendee_type.trim())
                .ok_or(rules::ATTENDEE_TYPE),
        );
        let mut text = |field: &str, value: &str, maximum: usize, rule: &'static str| {
            errors
                .check(field, criterion(value, maximum, rule))
                .unwrap_or_default()
        };
        let criteria = Attendee {
            first_name: text(
                "first_name",
                &self.first_name,
                attendee_request::FIRST_NAME,
                "must be at most 50 characters",
            ),
            last_name: text(
                "last_name",
                &self.last_name,
                attendee_request::LAST_NAME,
                "must be at most 132 characters",
            ),
            company: text(
                "company",
                &self.company,
                attendee_request::COMPANY,
                "must be at most 150 characters",
            ),
            external_id: text(
                "external_id",
                &self.external_id,
                attendee_request::EXTERNAL_ID,
                "must be at most 48 characters",
            ),
            ..Attendee::default()
        };
        let Some(source) = source else {
            return Err(errors);
        };
        errors.into_result(())?;

        let request = AttendeeSearchRequest {
            criteria: Attendee {
                attendee_type_code: source.code.clone(),
                ..criteria
            },
            owner_login_id: owner_login.to_owned(),
            maximum_number_records: Some(ATTENDEES_PER_SEARCH),
        };
        Ok((source, request))
    }
}

/// Checks one search field: trimmed, one line, at most `maximum` characters.
fn criterion(value: &str, maximum: usize, rule: &'static str) -> Result<String, &'static str> {
    let value = value.trim();
    if value.chars().any(char::is_control) {
        return Err(field_rules::NO_CONTROL_CHARACTERS);
    }
    if value.chars().count() > maximum {
        return Err(rule);
    }
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::RegistrationId;
    use crate::sandbox::model::ListBinding;

    fn cities() -> AvailableList {
        AvailableList {
            binding: ListBinding {
                registration_id: RegistrationId(1),
                list_name: "Cities".to_owned(),
                category: "Locations".to_owned(),
            },
            registration_name: "Travel".to_owned(),
            language_code: "EN".to_owned(),
            levels: 4,
        }
    }

    fn choices(codes: &[&str]) -> Vec<ListChoice> {
        codes
            .iter()
            .map(|code| ListChoice {
                short_code: (*code).to_owned(),
                text: format!("Text of {code}"),
            })
            .collect()
    }

    #[test]
    fn list_query_blank_browses() {
        assert_eq!(list_query("  ").as_deref(), Ok("*"));
    }

    #[test]
    fn list_query_appends_wildcard() {
        assert_eq!(list_query("San").as_deref(), Ok("San*"));
    }

    #[test]
    fn list_query_keeps_trailing_wildcard() {
        assert_eq!(list_query("*West*").as_deref(), Ok("*West*"));
    }

    #[test]
    fn list_query_too_long() {
        assert_eq!(list_query(&"a".repeat(101)), Err(rules::SEARCH_TEXT_LENGTH));
    }

    #[test]
    fn list_request_first_level_has_no_parent() {
        let request = list_request(&cities(), &[], "*".to_owned(), SearchBy::Text);

        assert_eq!(request.long_code, "");
        assert_eq!(request.short_code, "");
        assert!(request.code_by_level.is_empty());
    }

    #[test]
    fn list_request_fourth_level_carries_parents() {
        let request = list_request(
            &cities(),
            &choices(&["US", "W", "CA"]),
            "San*".to_owned(),
            SearchBy::Text,
        );

        assert_eq!(request.long_code, "US-W-CA");
        assert_eq!(request.short_code, "CA");
        assert_eq!(request.code_by_level, ["US", "W", "CA"]);
        assert_eq!(request.lang_code, "EN");
        assert_eq!(request.list_name, "Cities");
        assert_eq!(request.num_to_return, Some(LIST_ITEMS_PER_SEARCH));
        assert_eq!(request.search_by, SearchBy::Text);
    }

    fn sources() -> Sources {
        Sources {
            lists: Vec::new(),
            attendee_types: vec![AttendeeTypeSource {
                code: "BUSGUEST".to_owned(),
                registration_id: RegistrationId(3),
            }],
        }
    }

    #[test]
    fn attendee_input_builds_request() {
        let input = AttendeeSearchInput {
            attendee_type: "BUSGUEST".to_owned(),
            last_name: " Doe ".to_owned(),
            ..AttendeeSearchInput::default()
        };
        let sources = sources();

        let (source, request) = input.parse(&sources, "employee@acme").unwrap();

        assert_eq!(source.registration_id, RegistrationId(3));
        assert_eq!(request.criteria.attendee_type_code, "BUSGUEST");
        assert_eq!(request.criteria.last_name, "Doe");
        assert_eq!(request.owner_login_id, "employee@acme");
        assert_eq!(request.maximum_number_records, Some(ATTENDEES_PER_SEARCH));
    }

    #[test]
    fn attendee_input_unknown_type() {
        let input = AttendeeSearchInput {
            attendee_type: "SPOUSE".to_owned(),
            ..AttendeeSearchInput::default()
        };

        let errors = input.parse(&sources(), "employee@acme").unwrap_err();

        assert_eq!(errors.0[0].field, "attendee_type");
        assert_eq!(errors.0[0].rule, rules::ATTENDEE_TYPE);
    }

    #[test]
    fn attendee_input_first_name_too_long() {
        let input = AttendeeSearchInput {
            attendee_type: "BUSGUEST".to_owned(),
            first_name: "f".repeat(51),
            ..AttendeeSearchInput::default()
        };

        let errors = input.parse(&sources(), "employee@acme").unwrap_err();

        assert_eq!(errors.0[0].field, "first_name");
    }
}
