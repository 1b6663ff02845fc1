//! The report or travel request as the host's `GET {ObjectURI}` returns it in JSON.
//!
//! Only the fields the rules and decisions read are declared; the host may
//! send more, and they are ignored.

use std::collections::BTreeMap;

use serde::Deserialize;

/// Workflow steps in which the object waits for a connector's decision.
pub const EXTERNAL_VALIDATION_STEPS: [&str; 2] =
    ["EXTERNAL_VALIDATION_SUBMIT", "EXTERNAL_VALIDATION_PREEXTRACT"];

/// A report (`EXPRPT`) or travel request (`TRAVELREQ`) with its entries.
#[derive(Debug, Clone, Deserialize)]
pub struct HostObject {
    pub id: String,
    pub object_type: String,
    pub workflow_step: String,
    /// Header custom fields by name; a `null` value counts as empty.
    #[serde(default)]
    pub custom_fields: BTreeMap<String, Option<String>>,
    pub entries: Vec<Entry>,
    /// Exceptions on the header.
    #[serde(default)]
    pub exceptions: Vec<ExceptionOnObject>,
}

/// An expense entry, or an expected expense of a travel request.
#[derive(Debug, Clone, Deserialize)]
pub struct Entry {
    pub id: String,
    pub expense_type: String,
    /// `YYYY-MM-DD`; absent on some expected expenses.
    #[serde(default)]
    pub date: Option<String>,
    /// A decimal string with two fraction digits.
    pub amount: String,
    pub currency: String,
    /// `null` when the entry has no list value.
    #[serde(default)]
    pub list_item: Option<ListValue>,
    #[serde(default)]
    pub custom_fields: BTreeMap<String, Option<String>>,
    #[serde(default)]
    pub exceptions: Vec<ExceptionOnObject>,
}

/// The list value chosen on an entry; `code` is the item's long code.
#[derive(Debug, Clone, Deserialize)]
pub struct ListValue {
    pub code: String,
}

/// An exception already recorded on the object.
#[derive(Debug, Clone, Deserialize)]
pub struct ExceptionOnObject {
    pub code: String,
    pub message: String,
}

impl HostObject {
    /// Tells whether the object waits in an External Validation step.
    pub fn is_waiting(&self) -> bool {
        EXTERNAL_VALIDATION_STEPS.contains(&self.workflow_step.as_str())
    }

    /// Finds an entry by id.
    pub fn entry(&self, id: &str) -> Option<&Entry> {
        self.entries.iter().find(|entry| entry.id == id)
    }

    /// Tells whether the header (no `entry_id`) or the entry already carries
    /// an exception with this code and message.
    pub fn has_exception(&self, entry_id: Option<&str>, code: &str, message: &str) -> bool {
        let exceptions = match entry_id {
            None => &self.exceptions,
            Some(id) => match self.entry(id) {
                Some(entry) => &entry.exceptions,
                None => return false,
            },
        };
        exceptions
            .iter()
            .any(|exception| exception.code == code && exception.message == message)
    }
}

impl Entry {
    /// Names the entry for the employee: expense type, date and amount.
    pub fn label(&self) -> String {
        match &self.date {
            Some(date) => format!(
                "{} on {date} ({} {})",
                self.expense_type, self.amount, self.currency
            ),
            None => format!("{} ({} {})", self.expense_type, self.amount, self.currency),
        }
    }
}

/// Tells whether a custom field contains a value that is not blank.
pub fn is_filled(fields: &BTreeMap<String, Option<String>>, name: &str) -> bool {
    fields
        .get(name)
        .and_then(Option::as_deref)
        .is_some_and(|value| !value.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = r#"{
      "id": "42", "object_type": "EXPRPT", "name": "December visit",
      "owner_login": "employee", "purpose": "Customer visit", "currency": "USD",
      "total": "123.45", "workflow_step": "EXTERNAL_VALIDATION_SUBMIT",
      "custom_fields": {"Custom1": "P-100", "Custom2": null},
      "entries": [{
        "id": "7", "expense_type": "Meals", "date": "2026-12-01", "amount": "80.00",
        "currency": "USD", "approved_amount": "80.00", "business_purpose": "Dinner",
        "list_item": {"list_name": "Projects", "code": "P-100", "text": "Website"},
        "custom_fields": {},
        "attendees": [{"external_id": "E-1", "first_name": "Ana", "last_name": "Núñez", "attendee_type": "BUSGUEST"}],
        "exceptions": [{"code": "AMOUNT", "message": "Above the limit"}]
      }],
      "exceptions": []
    }"#;

    #[test]
    fn object_reads_documented_form() {
        let object: HostObject = serde_json::from_str(REPORT).unwrap();

        assert!(object.is_waiting());
        assert_eq!(object.entries[0].list_item.as_ref().map(|item| item.code.as_str()), Some("P-100"));
        assert_eq!(object.entries[0].label(), "Meals on 2026-12-01 (80.00 USD)");
    }

    #[test]
    fn object_null_custom_field_is_not_filled() {
        let object: HostObject = serde_json::from_str(REPORT).unwrap();

        assert!(is_filled(&object.custom_fields, "Custom1"));
        assert!(!is_filled(&object.custom_fields, "Custom2"));
        assert!(!is_filled(&object.custom_fields, "Custom3"));
    }

    #[test]
    fn object_finds_existing_exception() {
        let object: HostObject = serde_json::from_str(REPORT).unwrap();

        assert!(object.has_exception(Some("7"), "AMOUNT", "Above the limit"));
        assert!(!object.has_exception(None, "AMOUNT", "Above the limit"));
    }
}
