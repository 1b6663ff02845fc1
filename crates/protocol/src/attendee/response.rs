//! Reading and writing `AttendeeSearchResponse`.

use super::{Attendee, AttendeeSearchResponse, AttendeeVersion};
use crate::error::{ParseError, Rule, WriteError};
use crate::xml::{XmlWriter, parse_document};

const ROOT: &str = "AttendeeSearchResponse";
const ATTENDEE: &str = "Attendee";

impl AttendeeSearchResponse {
    /// Parses a response body of Fetch Attendee `version` as strictly as a
    /// host must: every attendee carries every element of the version once,
    /// and [`Attendee::validate_response`] holds for it. Elements may come in
    /// any order; unknown elements are ignored.
    pub fn parse(bytes: &[u8], version: AttendeeVersion) -> Result<Self, ParseError> {
        let names = version.element_names();
        let is_known = |name: &str| name == ATTENDEE || names.contains(&name);
        let root = parse_document(bytes, ROOT, &is_known)?;
        root.expect_container(ROOT)?;

        let mut attendees = Vec::new();
        for (index, element) in root.children_named(ATTENDEE).enumerate() {
            let path = attendee_path(index);
            element.expect_container(&path)?;

            let mut attendee = Attendee::empty(version);
            for name in names {
                let Some(value) = element.value(&path, name)? else {
                    return Err(ParseError::new(format!("{path}/{name}"), Rule::Missing));
                };
                if let Some(field) = attendee.field_mut(name) {
                    *field = value.to_string();
                }
            }
            attendee
                .validate_response(version)
                .map_err(|error| error.parsing_at(&path))?;
            attendees.push(attendee);
        }
        Ok(AttendeeSearchResponse { attendees })
    }

    /// Writes the response, each attendee with every element of `version` in
    /// [`ATTENDEE_ELEMENTS`](super::ATTENDEE_ELEMENTS) order and empty fields
    /// as `<X/>`. No attendee gives `<AttendeeSearchResponse/>`.
    pub fn to_xml(&self, version: AttendeeVersion) -> Result<Vec<u8>, WriteError> {
        for (index, attendee) in self.attendees.iter().enumerate() {
            attendee
                .validate_response(version)
                .map_err(|error| error.writing_at(&attendee_path(index)))?;
        }

        let mut writer = XmlWriter::new();
        if self.attendees.is_empty() {
            writer.empty(ROOT);
            return Ok(writer.finish());
        }
        writer.start(ROOT);
        for attendee in &self.attendees {
            writer.start(ATTENDEE);
            for name in version.element_names() {
                writer.value(name, attendee.field(name).unwrap_or_default());
            }
            writer.end(ATTENDEE);
        }
        writer.end(ROOT);
        Ok(writer.finish())
    }
}

/// Path of the attendee at 0-based `index`, written 1-based.
fn attendee_path(index: usize) -> String {
    format!("{ROOT}/{ATTENDEE}[{}]", index + 1)
}
