//! Reading an attendee file whose header names the Attendee elements.

use std::collections::HashMap;

use protocol::{Attendee, AttendeeVersion, attendee::ATTENDEE_ELEMENTS};

use super::{
    CsvSource, Errors, ImportFailure, csv_error, forbidden_character, forbidden_character_rule,
    line_of, read_records,
};
use crate::store::AttendeeRecord;

const OWNER: &str = "OwnerLoginID";
const REQUIRED: [&str; 3] = ["ExternalID", "FirstName", "LastName"];

/// Maximum length of OwnerLoginID, as the request allows.
const OWNER_LOGIN_ID_MAX: usize = protocol::limits::attendee_request::OWNER_LOGIN_ID;

/// Reads and validates a whole attendee file; any invalid row fails it all.
pub fn read_attendees(source: CsvSource) -> Result<Vec<AttendeeRecord>, ImportFailure> {
    let (mut reader, progress) = source.into_csv();
    let mut errors = Errors::default();
    let header = match reader.headers() {
        Ok(header) => header.clone(),
        Err(error) => {
            csv_error(&mut errors, error, &reader, None);
            return Err(errors.into_failure());
        }
    };

    let mut positions: HashMap<String, usize> = HashMap::new();
    for (index, name) in header.iter().enumerate() {
        let name = name.trim_start_matches('\u{feff}');
        if !ATTENDEE_ELEMENTS.contains(&name) && name != OWNER {
            errors.push(1, name, "unknown column; expected the Attendee element names or OwnerLoginID");
        } else if positions.insert(name.to_owned(), index).is_some() {
            errors.push(1, name, "column appears twice");
        }
    }
    for name in REQUIRED {
        if !positions.contains_key(name) {
            errors.push(1, name, "required column is missing");
        }
    }
    if !errors.is_empty() {
        return Err(errors.into_failure());
    }

    let mut records = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    read_records(&mut reader, &header, &mut errors, |record, errors| {
        let line = line_of(record);
        let cell = |name: &str| {
            positions
                .get(name)
                .and_then(|&index| record.get(index))
                .unwrap_or("")
                .to_owned()
        };
        let attendee = Attendee {
            external_id: cell("ExternalID"),
            first_name: cell("FirstName"),
            middle_initial: cell("MiddleInitial"),
            last_name: cell("LastName"),
            suffix: cell("Suffix"),
            company: cell("Company"),
            attendee_type_code: cell("AttendeeTypeCode"),
            title: cell("Title"),
            custom: (1..=25).map(|n| cell(&format!("Custom{n}"))).collect(),
        };
        let owner_login_id = cell(OWNER);

        if let Err(error) = attendee.validate_response(AttendeeVersion::V2_0) {
            errors.push(line, error.element(), error.rule().to_string());
        }
        for (name, &index) in &positions {
            if let Some(c) = record.get(index).and_then(forbidden_character) {
                errors.push(line, name, forbidden_character_rule(c));
            }
        }
        if owner_login_id.chars().count() > OWNER_LOGIN_ID_MAX {
            errors.push(line, OWNER, format!("over the maximum of {OWNER_LOGIN_ID_MAX} characters"));
        }
        if let Some(first) = seen.insert(attendee.external_id.clone(), line) {
            errors.push(line, "ExternalID", format!("duplicate of line {first}"));
        }
        records.push(AttendeeRecord {
            line,
            attendee,
            owner_login_id,
        });
    });
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    if !errors.is_empty() {
        return Err(errors.into_failure());
    }
    Ok(records)
}
