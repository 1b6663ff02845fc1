//! The key under which a redelivered notification is recognised.
//!
//! The host resends a notification until the connector responds `200`, so a
//! `200` lost on its way back brings the same notification again. The key is
//! the SHA-256 of the canonical fields: EventType, the ObjectType code,
//! ObjectURI and Context as received, and EventDateTime in the form it
//! arrived in. Each field is preceded by its length in bytes, so that no two
//! different notifications encode alike.
//!
//! The key is unique among notifications that are still waiting to be
//! processed, and only there, whether EventDateTime has a time of day or
//! not. A report can be sent back and submitted again within one second,
//! and with a date-only EventDateTime (`YYYY-MM-DD`) within one day, which
//! brings a notification equal to the first one. Once the first has been
//! processed, an equal notification is therefore stored as a new one.
//! Processing then distinguishes the two cases by the object's workflow
//! step. A late redelivery finds the object no longer waiting and ends as
//! superseded without a second decision, while a new submission is validated.

use protocol::Notification;
use ring::digest::{SHA256, digest};

/// Returns the key of a notification: 64 lowercase hex digits.
pub fn dedup_key(notification: &Notification) -> String {
    let event_date_time = notification.event_date_time.to_string();
    let fields = [
        notification.event_type.as_str(),
        notification.object_type.as_str(),
        notification.object_uri.as_str(),
        event_date_time.as_str(),
        notification.context.as_str(),
    ];

    let mut canonical = Vec::new();
    for field in fields {
        canonical.extend_from_slice(&(field.len() as u64).to_be_bytes());
        canonical.extend_from_slice(field.as_bytes());
    }
    digest(&SHA256, &canonical)
        .as_ref()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use protocol::{EventDateTime, ObjectType};

    use super::*;

    fn notification(context: &str) -> Notification {
        Notification {
            event_type: "Report Entered Expense Report Workflow Step - SUBMIT".to_owned(),
            object_type: ObjectType::ExpenseReport,
            object_uri: "https://host.example.com/api/expense/v1/reports/42".to_owned(),
            event_date_time: EventDateTime::parse("2026-12-04").unwrap(),
            context: context.to_owned(),
        }
    }

    #[test]
    fn dedup_key_equal_for_equal_fields() {
        assert_eq!(dedup_key(&notification("a")), dedup_key(&notification("a")));
    }

    #[test]
    fn dedup_key_differs_by_context() {
        assert_ne!(dedup_key(&notification("a")), dedup_key(&notification("b")));
    }

    #[test]
    fn dedup_key_differs_by_date_form() {
        let date_only = notification("");
        let mut with_time = notification("");
        with_time.event_date_time = EventDateTime::parse("2026-12-04T00:00:00").unwrap();

        assert_ne!(dedup_key(&date_only), dedup_key(&with_time));
    }

    #[test]
    fn dedup_key_is_hex_sha256() {
        let key = dedup_key(&notification(""));

        assert_eq!(key.len(), 64);
        assert!(key.bytes().all(|byte| byte.is_ascii_hexdigit() && !byte.is_ascii_uppercase()));
    }
}
