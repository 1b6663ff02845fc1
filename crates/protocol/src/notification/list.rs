//! Reading and writing `NotificationList`.

use super::message::{CONTEXT, ELEMENTS, ROOT as NOTIFICATION, check_uri, read_fields};
use super::{ListedNotification, NotificationList};
use crate::error::{FieldError, ParseError, Rule, WriteError};
use crate::limits::notification as limits;
use crate::xml::{XmlWriter, parse_document};

const ROOT: &str = "NotificationList";
const NOTIFICATION_URI: &str = "NotificationURI";

impl ListedNotification {
    /// Checks the notification fields and the notification URL.
    pub fn validate(&self) -> Result<(), FieldError> {
        self.notification.validate()?;
        check_uri(NOTIFICATION_URI, &self.notification_uri)
    }
}

impl NotificationList {
    /// Parses a list; each entry must carry every notification field and a
    /// NotificationURI. Unknown elements are ignored.
    pub fn parse(bytes: &[u8]) -> Result<Self, ParseError> {
        let is_known = |name: &str| {
            name == NOTIFICATION || name == NOTIFICATION_URI || ELEMENTS.contains(&name)
        };
        let root = parse_document(bytes, ROOT, &is_known)?;
        root.expect_container(ROOT)?;

        let entries: Vec<_> = root.children_named(NOTIFICATION).collect();
        if entries.len() > limits::MAX_LISTED {
            let rule = Rule::TooMany {
                max: limits::MAX_LISTED,
                actual: entries.len(),
            };
            return Err(ParseError::new(format!("{ROOT}/{NOTIFICATION}"), rule));
        }

        let mut notifications = Vec::with_capacity(entries.len());
        for (index, element) in entries.into_iter().enumerate() {
            let path = entry_path(index);
            let notification = read_fields(element, &path)?;
            let notification_uri = match element.value(&path, NOTIFICATION_URI)? {
                Some(value) => value.to_string(),
                None => {
                    let path = format!("{path}/{NOTIFICATION_URI}");
                    return Err(ParseError::new(path, Rule::Missing));
                }
            };
            let listed = ListedNotification {
                notification,
                notification_uri,
            };
            listed.validate().map_err(|error| error.parsing_at(&path))?;
            notifications.push(listed);
        }
        Ok(NotificationList { notifications })
    }

    /// Writes the list with the elements of each entry in alphabetical
    /// order, as the notification API documents them; no entry gives
    /// `<NotificationList/>`.
    pub fn to_xml(&self) -> Result<Vec<u8>, WriteError> {
        for (index, listed) in self.notifications.iter().enumerate() {
            listed
                .validate()
                .map_err(|error| error.writing_at(&entry_path(index)))?;
        }

        let mut writer = XmlWriter::new();
        if self.notifications.is_empty() {
            writer.empty(ROOT);
            return Ok(writer.finish());
        }
        writer.start(ROOT);
        for listed in &self.notifications {
            let notification = &listed.notification;
            writer.start(NOTIFICATION);
            writer.value(CONTEXT, &notification.context);
            writer.value("EventDateTime", &notification.event_date_time.to_string());
            writer.value("EventType", &notification.event_type);
            writer.value(NOTIFICATION_URI, &listed.notification_uri);
            writer.value("ObjectType", notification.object_type.as_str());
            writer.value("ObjectURI", &notification.object_uri);
            writer.end(NOTIFICATION);
        }
        writer.end(ROOT);
        Ok(writer.finish())
    }
}

/// Path of the entry at 0-based `index`, written 1-based.
fn entry_path(index: usize) -> String {
    format!("{ROOT}/{NOTIFICATION}[{}]", index + 1)
}
