//! Fetch Attendee: `AttendeeSearchRequest` and `AttendeeSearchResponse`.

mod request;
mod response;

use crate::error::{FieldError, Rule};
use crate::field::{Presence, check_text};
use crate::limits::{attendee_request, attendee_response};

/// Element names of an attendee in the order a response carries them:
/// ExternalID, FirstName, MiddleInitial, LastName, Suffix, Company,
/// AttendeeTypeCode, Title, then Custom1 … Custom25. Version 1.0 uses the
/// first 28 ([`AttendeeVersion::element_names`]); CSV headers use these names.
#[rustfmt::skip]
pub const ATTENDEE_ELEMENTS: [&str; 33] = [
    "ExternalID", "FirstName", "MiddleInitial", "LastName", "Suffix", "Company",
    "AttendeeTypeCode", "Title",
    "Custom1", "Custom2", "Custom3", "Custom4", "Custom5", "Custom6", "Custom7", "Custom8",
    "Custom9", "Custom10", "Custom11", "Custom12", "Custom13", "Custom14", "Custom15",
    "Custom16", "Custom17", "Custom18", "Custom19", "Custom20", "Custom21", "Custom22",
    "Custom23", "Custom24", "Custom25",
];

/// Elements before Custom1 in [`ATTENDEE_ELEMENTS`].
const FIXED_ELEMENTS: usize = 8;

/// Version of the Fetch Attendee callout; the connector takes it from the
/// request path, because the XML itself carries no version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttendeeVersion {
    /// v1.0: Custom1 … Custom20.
    V1_0,
    /// v2.0: Custom1 … Custom25.
    V2_0,
}

impl AttendeeVersion {
    /// Number of custom fields this version carries.
    pub fn custom_field_count(self) -> usize {
        match self {
            AttendeeVersion::V1_0 => 20,
            AttendeeVersion::V2_0 => 25,
        }
    }

    /// The version as the request path spells it: `v1.0` or `v2.0`.
    pub fn as_str(self) -> &'static str {
        match self {
            AttendeeVersion::V1_0 => "v1.0",
            AttendeeVersion::V2_0 => "v2.0",
        }
    }

    /// The attendee elements this version carries, in response order.
    pub fn element_names(self) -> &'static [&'static str] {
        &ATTENDEE_ELEMENTS[..FIXED_ELEMENTS + self.custom_field_count()]
    }
}

/// The fields of one attendee, used both as search criteria and as a result.
/// `custom` holds Custom1 … CustomN in order, N from the version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attendee {
    pub external_id: String,
    pub first_name: String,
    pub middle_initial: String,
    pub last_name: String,
    pub suffix: String,
    pub company: String,
    pub attendee_type_code: String,
    pub title: String,
    pub custom: Vec<String>,
}

/// Search request sent by the host.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttendeeSearchRequest {
    /// Search criteria; empty fields take no part in the search.
    pub criteria: Attendee,
    /// Login id of the report owner; empty when the host sent none.
    pub owner_login_id: String,
    /// The most records to return; `None` when the element is empty or absent.
    pub maximum_number_records: Option<u32>,
}

/// Search response returned by the connector.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttendeeSearchResponse {
    pub attendees: Vec<Attendee>,
}

/// Message whose rules an attendee's fields are checked against, because
/// lengths and required fields differ between request and response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Request,
    Response,
}

impl Attendee {
    /// Creates an attendee with every field empty and the version's number of custom fields.
    pub fn empty(version: AttendeeVersion) -> Self {
        Attendee {
            custom: vec![String::new(); version.custom_field_count()],
            ..Attendee::default()
        }
    }

    /// Value of the element called `name` (one of [`ATTENDEE_ELEMENTS`]);
    /// a custom field beyond `custom.len()` reads as empty.
    pub fn field(&self, name: &str) -> Option<&str> {
        element_index(name).map(|index| self.field_at(index))
    }

    /// Mutable value of the element called `name`, growing `custom` to reach
    /// a custom field beyond its length.
    pub fn field_mut(&mut self, name: &str) -> Option<&mut String> {
        element_index(name).map(|index| self.field_at_mut(index))
    }

    /// Checks the fields against the request limits of `version`.
    pub fn validate_request(&self, version: AttendeeVersion) -> Result<(), FieldError> {
        self.validate(version, Direction::Request)
    }

    /// Checks the fields as a host checks a response: ExternalID, FirstName
    /// and LastName non-empty, the response limits, and no value in a custom
    /// field that `version` does not carry.
    pub fn validate_response(&self, version: AttendeeVersion) -> Result<(), FieldError> {
        self.validate(version, Direction::Response)
    }

    fn validate(&self, version: AttendeeVersion, direction: Direction) -> Result<(), FieldError> {
        let count = version.custom_field_count();
        if let Some(extra) = self
            .custom
            .iter()
            .skip(count)
            .position(|value| !value.is_empty())
        {
            let element = format!("Custom{}", count + extra + 1);
            return Err(FieldError::new(
                element,
                Rule::NotInVersion {
                    version: version.as_str(),
                },
            ));
        }

        for (index, name) in version.element_names().iter().enumerate() {
            let presence = match (direction, index) {
                (Direction::Response, 0 | 1 | 3) => Presence::Required,
                _ => Presence::Optional,
            };
            check_text(
                name,
                self.field_at(index),
                max_length(index, direction),
                presence,
            )?;
        }
        Ok(())
    }

    /// Value at `index` of [`ATTENDEE_ELEMENTS`].
    fn field_at(&self, index: usize) -> &str {
        match index {
            0 => &self.external_id,
            1 => &self.first_name,
            2 => &self.middle_initial,
            3 => &self.last_name,
            4 => &self.suffix,
            5 => &self.company,
            6 => &self.attendee_type_code,
            7 => &self.title,
            custom => self
                .custom
                .get(custom - FIXED_ELEMENTS)
                .map_or("", String::as_str),
        }
    }

    fn field_at_mut(&mut self, index: usize) -> &mut String {
        match index {
            0 => &mut self.external_id,
            1 => &mut self.first_name,
            2 => &mut self.middle_initial,
            3 => &mut self.last_name,
            4 => &mut self.suffix,
            5 => &mut self.company,
            6 => &mut self.attendee_type_code,
            7 => &mut self.title,
            custom => {
                let position = custom - FIXED_ELEMENTS;
                if self.custom.len() <= position {
                    self.custom.resize(position + 1, String::new());
                }
                &mut self.custom[position]
            }
        }
    }
}

fn element_index(name: &str) -> Option<usize> {
    ATTENDEE_ELEMENTS
        .iter()
        .position(|element| *element == name)
}

/// Maximum length of the element at `index` of [`ATTENDEE_ELEMENTS`].
fn max_length(index: usize, direction: Direction) -> usize {
    match (index, direction) {
        (0, Direction::Request) => attendee_request::EXTERNAL_ID,
        (0, Direction::Response) => attendee_response::EXTERNAL_ID,
        (1, _) => attendee_request::FIRST_NAME,
        (2, _) => attendee_request::MIDDLE_INITIAL,
        (3, _) => attendee_request::LAST_NAME,
        (4, _) => attendee_request::SUFFIX,
        (5, _) => attendee_request::COMPANY,
        (6, _) => attendee_request::ATTENDEE_TYPE_CODE,
        (7, _) => attendee_request::TITLE,
        (_, Direction::Request) => attendee_request::CUSTOM,
        // Custom1 … Custom20 sit at indexes 8 to 27.
        (8..=27, Direction::Response) => attendee_response::CUSTOM_1_TO_20,
        (_, Direction::Response) => attendee_response::CUSTOM_21_TO_25,
    }
}
