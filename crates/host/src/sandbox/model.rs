//! Expense reports and entries as stored: ids, the entry's fields, its list value and attendees.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use super::values::{Amount, BusinessPurpose, CurrencyCode, ExpenseType, ReportName};
use crate::domain::{CompanyId, RegistrationId, UserId};
use crate::workflow::Step;

/// Identifier of an expense report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ExpenseReportId(pub i64);

/// Identifier of an expense entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ExpenseEntryId(pub i64);

/// A report as listed: without its entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpenseReportSummary {
    pub id: ExpenseReportId,
    pub name: ReportName,
    pub entry_count: u64,
    pub created_at: OffsetDateTime,
    pub step: Step,
}

/// An expense report of one employee, with its entries in the order they were created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpenseReport {
    pub id: ExpenseReportId,
    pub company_id: CompanyId,
    /// The employee who created the report; only they may see it.
    pub owner: UserId,
    pub name: ReportName,
    pub created_at: OffsetDateTime,
    pub step: Step,
    /// The comment of the latest send-back, while `step` is `SENT_BACK`.
    pub sent_back_comment: Option<String>,
    pub entries: Vec<ExpenseEntry>,
}

impl ExpenseReport {
    /// Returns the entry `id` of this report.
    pub fn entry(&self, id: ExpenseEntryId) -> Option<&ExpenseEntry> {
        self.entries.iter().find(|entry| entry.id == id)
    }
}

/// The fields an employee types into an entry, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryFields {
    pub expense_type: ExpenseType,
    pub transaction_date: Date,
    pub amount: Amount,
    pub currency: CurrencyCode,
    pub business_purpose: BusinessPurpose,
}

/// One expense of a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpenseEntry {
    pub id: ExpenseEntryId,
    pub fields: EntryFields,
    /// The list field: which configured list it is bound to and what was chosen.
    pub list: Option<EntryList>,
    /// Attendees picked from Fetch Attendee results, in the order they were added.
    pub attendees: Vec<EntryAttendee>,
}

/// Names the configured list a list field is bound to: the registration
/// whose Fetch List service serves it, and the list's name and category.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ListBinding {
    pub registration_id: RegistrationId,
    pub list_name: String,
    pub category: String,
}

/// A list field's binding and the item chosen at each level so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryList {
    pub binding: ListBinding,
    /// The items chosen, level 1 first; a level is chosen only after the one before it.
    pub chosen: Vec<ListChoice>,
}

impl EntryList {
    /// Returns the short codes of the chosen items joined by `-`: the long
    /// code of the deepest chosen item, or an empty text when none is chosen.
    pub fn long_code(&self) -> String {
        let codes: Vec<&str> = self
            .chosen
            .iter()
            .map(|choice| choice.short_code.as_str())
            .collect();
        codes.join("-")
    }

    /// Returns the text of the deepest chosen item.
    pub fn leaf_text(&self) -> Option<&str> {
        self.chosen.last().map(|choice| choice.text.as_str())
    }
}

/// An item chosen at one level of a list, as the connector returned it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListChoice {
    pub short_code: String,
    pub text: String,
}

/// An attendee picked from Fetch Attendee results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryAttendee {
    pub external_id: String,
    pub first_name: String,
    pub last_name: String,
    pub company: String,
    pub attendee_type_code: String,
}

/// A report to insert; the store assigns the id.
#[derive(Debug, Clone)]
pub struct NewExpenseReport {
    pub company_id: CompanyId,
    pub owner: UserId,
    pub name: ReportName,
    pub created_at: OffsetDateTime,
}
