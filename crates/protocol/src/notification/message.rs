//! Reading and writing `Notification`.

use super::{EventDateTime, Notification, ObjectType};
use crate::error::{Excerpt, FieldError, ParseError, Rule, WriteError};
use crate::field::{Presence, check_text};
use crate::limits::notification as limits;
use crate::xml::{Element, XmlWriter, parse_document};

pub(super) const ROOT: &str = "Notification";
pub(super) const EVENT_TYPE: &str = "EventType";
pub(super) const OBJECT_TYPE: &str = "ObjectType";
pub(super) const OBJECT_URI: &str = "ObjectURI";
pub(super) const EVENT_DATE_TIME: &str = "EventDateTime";
pub(super) const CONTEXT: &str = "Context";

/// The elements of a notification, in the order they are written.
pub(super) const ELEMENTS: [&str; 5] = [
    EVENT_TYPE,
    OBJECT_TYPE,
    OBJECT_URI,
    EVENT_DATE_TIME,
    CONTEXT,
];

impl Notification {
    /// Parses a notification body. EventType, ObjectType, ObjectURI and
    /// EventDateTime are required; Context may be empty or absent. Unknown
    /// elements are ignored.
    pub fn parse(bytes: &[u8]) -> Result<Self, ParseError> {
        let is_known = |name: &str| ELEMENTS.contains(&name);
        let root = parse_document(bytes, ROOT, &is_known)?;
        read_fields(&root, ROOT)
    }

    /// Checks every field as [`Notification::parse`] does.
    pub fn validate(&self) -> Result<(), FieldError> {
        check_text(
            EVENT_TYPE,
            &self.event_type,
            limits::EVENT_TYPE,
            Presence::Required,
        )?;
        check_uri(OBJECT_URI, &self.object_uri)?;
        check_text(CONTEXT, &self.context, limits::CONTEXT, Presence::Optional)
    }

    /// Writes the notification with every element, an empty Context as `<Context/>`.
    pub fn to_xml(&self) -> Result<Vec<u8>, WriteError> {
        self.validate().map_err(|error| error.writing_at(ROOT))?;
        let mut writer = XmlWriter::new();
        writer.start(ROOT);
        self.write_fields(&mut writer);
        writer.end(ROOT);
        Ok(writer.finish())
    }

    pub(super) fn write_fields(&self, writer: &mut XmlWriter) {
        writer.value(EVENT_TYPE, &self.event_type);
        writer.value(OBJECT_TYPE, self.object_type.as_str());
        writer.value(OBJECT_URI, &self.object_uri);
        writer.value(EVENT_DATE_TIME, &self.event_date_time.to_string());
        writer.value(CONTEXT, &self.context);
    }
}

/// Reads the notification fields of `element`, whose path in the document is `path`.
pub(super) fn read_fields(element: &Element, path: &str) -> Result<Notification, ParseError> {
    element.expect_container(path)?;
    let required = |name: &str| -> Result<&str, ParseError> {
        match element.value(path, name)? {
            Some(value) if !value.is_empty() => Ok(value),
            Some(_) => Err(ParseError::new(
                format!("{path}/{name}"),
                Rule::EmptyRequired,
            )),
            None => Err(ParseError::new(format!("{path}/{name}"), Rule::Missing)),
        }
    };

    let object_type_code = required(OBJECT_TYPE)?;
    let object_type = ObjectType::from_code(object_type_code).ok_or_else(|| {
        let rule = Rule::UnknownValue {
            value: Excerpt::new(object_type_code),
            expected: "EXPRPT or TRAVELREQ",
        };
        ParseError::new(format!("{path}/{OBJECT_TYPE}"), rule)
    })?;
    let event_date_time = EventDateTime::parse(required(EVENT_DATE_TIME)?)
        .map_err(|rule| ParseError::new(format!("{path}/{EVENT_DATE_TIME}"), rule))?;

    let notification = Notification {
        event_type: required(EVENT_TYPE)?.to_string(),
        object_type,
        object_uri: required(OBJECT_URI)?.to_string(),
        event_date_time,
        context: element
            .value(path, CONTEXT)?
            .unwrap_or_default()
            .to_string(),
    };
    notification
        .validate()
        .map_err(|error| error.parsing_at(path))?;
    Ok(notification)
}

/// Checks a URL field: required, within the length limit, and an absolute
/// `https://` or `http://` URL with a host and no white space, because the
/// receiver sends requests to it.
pub(super) fn check_uri(element: &str, value: &str) -> Result<(), FieldError> {
    check_text(element, value, limits::URI, Presence::Required)?;
    let lower = value.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    let has_host = rest.is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'));
    if !has_host || value.chars().any(char::is_whitespace) {
        return Err(FieldError::new(
            element,
            Rule::InvalidFormat {
                value: Excerpt::new(value),
                expected: "an absolute https:// or http:// URL without white space",
            },
        ));
    }
    Ok(())
}
