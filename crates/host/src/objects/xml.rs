//! The XML form of an object document: root `ExpenseReport` or
//! `TravelRequest`, one element per JSON field in the same order, and
//! `Entry`, `ListItem`, `Attendee`, `Exception` and `CustomField name="…"`
//! elements for the nested values.

use std::collections::BTreeMap;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

use super::document::{EntryDocument, ExceptionDocument, ObjectDocument};

/// The result of writing XML into a `Vec`.
type XmlResult = std::io::Result<()>;

/// Writes the document as UTF-8 XML.
pub fn to_xml(document: &ObjectDocument) -> std::io::Result<String> {
    let mut writer = Writer::new(Vec::new());
    writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let root = match document.object_type {
        "TRAVELREQ" => "TravelRequest",
        _ => "ExpenseReport",
    };
    writer
        .create_element(root)
        .write_inner_content(|writer| write_object(writer, document))?;
    Ok(String::from_utf8_lossy(&writer.into_inner()).into_owned())
}

fn write_object(writer: &mut Writer<Vec<u8>>, document: &ObjectDocument) -> XmlResult {
    text(writer, "Id", Some(&document.id))?;
    text(writer, "ObjectType", Some(document.object_type))?;
    text(writer, "Name", Some(&document.name))?;
    text(writer, "OwnerLogin", Some(&document.owner_login))?;
    text(writer, "Purpose", document.purpose.as_deref())?;
    text(writer, "Currency", document.currency.as_deref())?;
    text(writer, "Total", document.total.as_deref())?;
    text(writer, "WorkflowStep", Some(document.workflow_step))?;
    if document.start_date.is_some() || document.end_date.is_some() {
        text(writer, "StartDate", document.start_date.as_deref())?;
        text(writer, "EndDate", document.end_date.as_deref())?;
    }
    custom_fields(writer, &document.custom_fields)?;
    writer
        .create_element("Entries")
        .write_inner_content(|writer| {
            for entry in &document.entries {
                writer
                    .create_element("Entry")
                    .write_inner_content(|writer| write_entry(writer, entry))?;
            }
            Ok(())
        })?;
    exceptions(writer, &document.exceptions)
}

fn write_entry(writer: &mut Writer<Vec<u8>>, entry: &EntryDocument) -> XmlResult {
    text(writer, "Id", Some(&entry.id))?;
    text(writer, "ExpenseType", Some(&entry.expense_type))?;
    text(writer, "Date", Some(&entry.date))?;
    text(writer, "Amount", Some(&entry.amount))?;
    text(writer, "Currency", Some(&entry.currency))?;
    text(writer, "ApprovedAmount", Some(&entry.approved_amount))?;
    text(writer, "BusinessPurpose", Some(&entry.business_purpose))?;
    match &entry.list_item {
        Some(item) => {
            writer
                .create_element("ListItem")
                .write_inner_content(|writer| {
                    text(writer, "ListName", Some(&item.list_name))?;
                    text(writer, "Code", Some(&item.code))?;
                    text(writer, "Text", Some(&item.text))
                })?;
        }
        None => {
            writer.create_element("ListItem").write_empty()?;
        }
    }
    custom_fields(writer, &entry.custom_fields)?;
    writer
        .create_element("Attendees")
        .write_inner_content(|writer| {
            for attendee in &entry.attendees {
                writer
                    .create_element("Attendee")
                    .write_inner_content(|writer| {
                        text(writer, "ExternalId", Some(&attendee.external_id))?;
                        text(writer, "FirstName", Some(&attendee.first_name))?;
                        text(writer, "LastName", Some(&attendee.last_name))?;
                        text(writer, "AttendeeType", Some(&attendee.attendee_type))
                    })?;
            }
            Ok(())
        })?;
    exceptions(writer, &entry.exceptions)
}

fn custom_fields(writer: &mut Writer<Vec<u8>>, fields: &BTreeMap<String, String>) -> XmlResult {
    writer
        .create_element("CustomFields")
        .write_inner_content(|writer| {
            for (name, value) in fields {
                writer
                    .create_element("CustomField")
                    .with_attribute(("name", name.as_str()))
                    .write_text_content(BytesText::new(value))?;
            }
            Ok(())
        })?;
    Ok(())
}

fn exceptions(writer: &mut Writer<Vec<u8>>, exceptions: &[ExceptionDocument]) -> XmlResult {
    writer
        .create_element("Exceptions")
        .write_inner_content(|writer| {
            for exception in exceptions {
                writer
                    .create_element("Exception")
                    .write_inner_content(|writer| {
                        text(writer, "Code", Some(&exception.code))?;
                        text(writer, "Message", Some(&exception.message))
                    })?;
            }
            Ok(())
        })?;
    Ok(())
}

/// Writes `<name>value</name>`, or `<name/>` for a missing value.
fn text(writer: &mut Writer<Vec<u8>>, name: &str, value: Option<&str>) -> XmlResult {
    let element = writer.create_element(name);
    match value {
        Some(value) => element.write_text_content(BytesText::new(value))?,
        None => element.write_empty()?,
    };
    Ok(())
}
