//! Document builders shared by the protocol tests.
#![allow(dead_code)]

use protocol::AttendeeVersion;

/// Reads a fixture from `tests/fixtures`.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|error| panic!("cannot read {path}: {error}"))
}

/// Builds an attendee search request whose `Attendee` contains `children` (raw XML).
pub fn request_with(children: &str) -> Vec<u8> {
    format!("<AttendeeSearchRequest><Attendee>{children}</Attendee></AttendeeSearchRequest>")
        .into_bytes()
}

/// Changes to a built element's children: `Some(raw)` replaces a child's
/// content with raw XML, `None` leaves the child out.
pub type Changes<'a> = [(&'a str, Option<&'a str>)];

/// Builds `<outer>` with one child per `(name, default content)`, after `changes`.
fn element_with(outer: &str, children: &[(&str, &str)], changes: &Changes<'_>) -> String {
    let mut xml = format!("<{outer}>");
    for (name, default) in children {
        let content = match changes.iter().find(|(changed, _)| changed == name) {
            Some((_, Some(raw))) => raw,
            Some((_, None)) => continue,
            None => default,
        };
        xml.push_str(&format!("<{name}>{content}</{name}>"));
    }
    xml.push_str(&format!("</{outer}>"));
    xml
}

/// Builds one response `Attendee` with every element of `version`, valid
/// values, and `changes` applied.
pub fn response_attendee(version: AttendeeVersion, changes: &Changes<'_>) -> String {
    let children: Vec<(&str, &str)> = version
        .element_names()
        .iter()
        .map(|name| match *name {
            "ExternalID" => (*name, "E-1"),
            "FirstName" => (*name, "John"),
            "LastName" => (*name, "Doe"),
            _ => (*name, ""),
        })
        .collect();
    element_with("Attendee", &children, changes)
}

/// Builds an attendee search response containing `attendees` (raw XML).
pub fn response_with(attendees: &str) -> Vec<u8> {
    format!("<AttendeeSearchResponse>{attendees}</AttendeeSearchResponse>").into_bytes()
}

/// Builds a fetch-list request containing `children` (raw XML).
pub fn list_request_with(children: &str) -> Vec<u8> {
    format!("<fetch-list-request>{children}</fetch-list-request>").into_bytes()
}

/// Builds one list item with valid values and `changes` applied.
pub fn list_item(changes: &Changes<'_>) -> String {
    let children = [
        ("code", "US-W-CA-SF"),
        ("short-code", "SF"),
        ("text", "San Francisco"),
        ("match-value", "San Francisco"),
    ];
    element_with("item", &children, changes)
}

/// Builds a fetch-list response containing `items` (raw XML).
pub fn list_response_with(items: &str) -> Vec<u8> {
    format!("<fetch-list-response>{items}</fetch-list-response>").into_bytes()
}
