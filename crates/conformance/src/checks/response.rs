//! Strict validation of Fetch Attendee and Fetch List responses, as a host reads them.

use protocol::{
    AttendeeSearchResponse, AttendeeVersion, FetchListRequest, FetchListResponse,
    is_xml_content_type,
};
use quick_xml::Reader;
use quick_xml::events::Event;

use crate::client::{Reply, Sent};

/// Checks status 200, an XML content type, the strict protocol parser for
/// `version`, and the order of every attendee's elements.
pub(crate) fn attendees(
    sent: &Sent,
    version: AttendeeVersion,
) -> Result<AttendeeSearchResponse, String> {
    let reply = ok_xml(sent)?;
    let response = AttendeeSearchResponse::parse(&reply.body, version)
        .map_err(|error| format!("the response breaks the Fetch Attendee contract: {error}"))?;
    check_attendee_order(&reply.body, version)?;
    Ok(response)
}

/// Checks status 200, an XML content type, the strict protocol parser, and
/// that every item's code is the request's long code joined to the item's
/// short code with `-` (the short code alone under an empty long code).
pub(crate) fn list_items(
    sent: &Sent,
    request: &FetchListRequest,
) -> Result<FetchListResponse, String> {
    let reply = ok_xml(sent)?;
    let response = FetchListResponse::parse(&reply.body)
        .map_err(|error| format!("the response breaks the Fetch List contract: {error}"))?;

    for (index, item) in response.items.iter().enumerate() {
        let expected = expected_code(&request.long_code, &item.short_code);
        if item.code != expected {
            return Err(format!(
                "item {} has code `{}`, but the request's long code `{}` joined to its short code `{}` gives `{expected}`",
                index + 1,
                item.code,
                request.long_code,
                item.short_code
            ));
        }
    }
    Ok(response)
}

/// Returns the code an item must carry under `long_code`.
pub(crate) fn expected_code(long_code: &str, short_code: &str) -> String {
    if long_code.is_empty() {
        short_code.to_owned()
    } else {
        format!("{long_code}-{short_code}")
    }
}

/// Returns the reply when it has status 200 and an XML content type.
fn ok_xml(sent: &Sent) -> Result<&Reply, String> {
    let reply = sent
        .reply
        .as_ref()
        .map_err(|error| format!("no response: {error}"))?;
    if reply.status != 200 {
        return Err(format!("status {}, expected 200", reply.status));
    }
    match reply.content_type.as_deref() {
        Some(value) if is_xml_content_type(value) => Ok(reply),
        Some(value) => Err(format!(
            "Content-Type `{value}`, expected application/xml (text/xml is accepted) with charset utf-8 or none"
        )),
        None => Err("no Content-Type, expected application/xml".to_owned()),
    }
}

/// Checks that each `Attendee` lists the elements of `version` in response
/// order (ExternalID, FirstName, MiddleInitial, LastName, Suffix, Company,
/// AttendeeTypeCode, Title, Custom1 …). The protocol parser accepts any
/// order, so this runs after it, on a document it has already accepted;
/// unknown elements are ignored.
fn check_attendee_order(body: &[u8], version: AttendeeVersion) -> Result<(), String> {
    let expected = version.element_names();
    let mut reader = Reader::from_reader(body);
    let mut buffer = Vec::new();
    let mut depth = 0usize;
    let mut attendee_index = 0usize;
    let mut children: Option<Vec<String>> = None;

    loop {
        let event = reader
            .read_event_into(&mut buffer)
            .map_err(|error| format!("the response is not well-formed XML: {error}"))?;
        match event {
            Event::Start(element) => {
                depth += 1;
                let name = String::from_utf8_lossy(element.name().as_ref()).into_owned();
                match children.as_mut() {
                    None if depth == 2 && name == "Attendee" => children = Some(Vec::new()),
                    Some(names) if depth == 3 => names.push(name),
                    _ => {}
                }
            }
            Event::Empty(element) => match children.as_mut() {
                Some(names) if depth == 2 => {
                    names.push(String::from_utf8_lossy(element.name().as_ref()).into_owned());
                }
                _ => {}
            },
            Event::End(_) => {
                if depth == 2 && children.is_some() {
                    let names = children.take().unwrap_or_default();
                    attendee_index += 1;
                    compare_order(&names, expected, attendee_index)?;
                }
                depth = depth.saturating_sub(1);
            }
            Event::Eof => return Ok(()),
            _ => {}
        }
        buffer.clear();
    }
}

fn compare_order(
    children: &[String],
    expected: &[&str],
    attendee_index: usize,
) -> Result<(), String> {
    let known: Vec<&str> = children
        .iter()
        .map(String::as_str)
        .filter(|name| expected.contains(name))
        .collect();
    match known
        .iter()
        .zip(expected)
        .position(|(found, wanted)| found != wanted)
    {
        None => Ok(()),
        Some(position) => Err(format!(
            "attendee {attendee_index} has `{}` where `{}` belongs: response elements must follow the order {}",
            known[position],
            expected[position],
            expected.join(", ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attendee_xml(order: &[&str]) -> Vec<u8> {
        let mut xml = String::from("<AttendeeSearchResponse><Attendee>");
        for name in order {
            xml.push_str(&format!("<{name}>x</{name}>"));
        }
        xml.push_str("</Attendee></AttendeeSearchResponse>");
        xml.into_bytes()
    }

    #[test]
    fn order_in_response_order_passes() {
        let names = AttendeeVersion::V1_0.element_names();

        assert_eq!(
            check_attendee_order(&attendee_xml(names), AttendeeVersion::V1_0),
            Ok(())
        );
    }

    #[test]
    fn order_swapped_names_element() {
        let mut names = AttendeeVersion::V1_0.element_names().to_vec();
        names.swap(2, 3);

        let error = check_attendee_order(&attendee_xml(&names), AttendeeVersion::V1_0).unwrap_err();

        assert!(
            error.contains("`LastName` where `MiddleInitial` belongs"),
            "{error}"
        );
    }

    #[test]
    fn order_ignores_unknown_elements() {
        let mut names = AttendeeVersion::V1_0.element_names().to_vec();
        names.insert(1, "Extra");

        assert_eq!(
            check_attendee_order(&attendee_xml(&names), AttendeeVersion::V1_0),
            Ok(())
        );
    }

    #[test]
    fn expected_code_first_level_is_short_code() {
        assert_eq!(expected_code("", "US"), "US");
    }
}
