//! Reading and writing `AttendeeSearchRequest`.

use super::{Attendee, AttendeeSearchRequest, AttendeeVersion};
use crate::error::{FieldError, ParseError, Rule, WriteError};
use crate::field::{Presence, check_text, format_count, parse_count};
use crate::limits::attendee_request::OWNER_LOGIN_ID;
use crate::xml::{Element, XmlWriter, parse_document};

const ROOT: &str = "AttendeeSearchRequest";
const ATTENDEE: &str = "Attendee";
const ATTENDEE_PATH: &str = "AttendeeSearchRequest/Attendee";
const OWNER: &str = "OwnerLoginID";
const MAXIMUM: &str = "MaximumNumberRecords";

/// Order of the fixed fields in a written request, as the Fetch Attendee
/// request table lists them; OwnerLoginID and MaximumNumberRecords follow,
/// then the custom fields.
const REQUEST_ORDER: [&str; 8] = [
    "AttendeeTypeCode",
    "FirstName",
    "MiddleInitial",
    "LastName",
    "Suffix",
    "Title",
    "Company",
    "ExternalID",
];

impl AttendeeSearchRequest {
    /// Parses a request body of Fetch Attendee `version`.
    ///
    /// The search fields sit in the one `Attendee` element. OwnerLoginID and
    /// MaximumNumberRecords are read there too, where senders put them, or
    /// directly under the root, but not in both places. Absent fields are
    /// empty, elements may come in any order, and unknown elements
    /// (Custom21 … Custom25 in version 1.0 among them) are ignored.
    pub fn parse(bytes: &[u8], version: AttendeeVersion) -> Result<Self, ParseError> {
        let names = version.element_names();
        let is_known =
            |name: &str| [ATTENDEE, OWNER, MAXIMUM].contains(&name) || names.contains(&name);
        let root = parse_document(bytes, ROOT, &is_known)?;
        root.expect_container(ROOT)?;

        let attendee = root.child(ROOT, ATTENDEE)?;
        let mut criteria = Attendee::empty(version);
        if let Some(attendee) = attendee {
            attendee.expect_container(ATTENDEE_PATH)?;
            for name in names {
                let value = attendee.value(ATTENDEE_PATH, name)?;
                if let (Some(value), Some(field)) = (value, criteria.field_mut(name)) {
                    *field = value.to_string();
                }
            }
        }
        criteria
            .validate_request(version)
            .map_err(|error| error.parsing_at(ATTENDEE_PATH))?;

        let mut owner_login_id = String::new();
        if let Some((parent, value)) = inner_or_outer_value(&root, attendee, OWNER)? {
            check_text(OWNER, value, OWNER_LOGIN_ID, Presence::Optional)
                .map_err(|error| error.parsing_at(parent))?;
            owner_login_id = value.to_string();
        }

        let mut maximum_number_records = None;
        if let Some((parent, value)) = inner_or_outer_value(&root, attendee, MAXIMUM)? {
            maximum_number_records = parse_count(value)
                .map_err(|rule| ParseError::new(format!("{parent}/{MAXIMUM}"), rule))?;
        }

        Ok(AttendeeSearchRequest {
            criteria,
            owner_login_id,
            maximum_number_records,
        })
    }

    /// Checks every field against the request limits of `version`.
    pub fn validate(&self, version: AttendeeVersion) -> Result<(), FieldError> {
        self.criteria.validate_request(version)?;
        check_text(
            OWNER,
            &self.owner_login_id,
            OWNER_LOGIN_ID,
            Presence::Optional,
        )
    }

    /// Writes the request as a host sends it: every field of `version` inside
    /// `Attendee`, OwnerLoginID and MaximumNumberRecords included, with empty
    /// fields as `<X/>`.
    pub fn to_xml(&self, version: AttendeeVersion) -> Result<Vec<u8>, WriteError> {
        self.validate(version)
            .map_err(|error| error.writing_at(ATTENDEE_PATH))?;

        let mut writer = XmlWriter::new();
        writer.start(ROOT);
        writer.start(ATTENDEE);
        for name in REQUEST_ORDER {
            writer.value(name, self.criteria.field(name).unwrap_or_default());
        }
        writer.value(OWNER, &self.owner_login_id);
        writer.value(MAXIMUM, &format_count(self.maximum_number_records));
        for name in &version.element_names()[REQUEST_ORDER.len()..] {
            writer.value(name, self.criteria.field(name).unwrap_or_default());
        }
        writer.end(ATTENDEE);
        writer.end(ROOT);
        Ok(writer.finish())
    }
}

/// Finds `name` inside `Attendee` or directly under the root, returning the
/// parent's path with the value, and rejects it in both places.
fn inner_or_outer_value<'a>(
    root: &'a Element,
    attendee: Option<&'a Element>,
    name: &str,
) -> Result<Option<(&'static str, &'a str)>, ParseError> {
    let inner = match attendee {
        Some(attendee) => attendee.value(ATTENDEE_PATH, name)?,
        None => None,
    };
    let outer = root.value(ROOT, name)?;

    match (inner, outer) {
        (Some(_), Some(_)) => Err(ParseError::new(format!("{ROOT}/{name}"), Rule::Duplicate)),
        (Some(value), None) => Ok(Some((ATTENDEE_PATH, value))),
        (None, Some(value)) => Ok(Some((ROOT, value))),
        (None, None) => Ok(None),
    }
}
