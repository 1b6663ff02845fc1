//! Expense reports, entries and allocations as stored: ids, fields, list values, attendees, and the objects launch fields attach to.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use super::values::{Amount, BusinessPurpose, CurrencyCode, ExpenseType, ReportName};
use crate::domain::launch_fields::LaunchObjectType;
use crate::domain::{CompanyId, RegistrationId, UserId};
use crate::workflow::{Step, WorkflowItem};

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

/// Identifier of an expense allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ExpenseAllocationId(pub i64);

/// A share of an expense entry. The percentages of one entry add up to at most 100.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpenseAllocation {
    pub id: ExpenseAllocationId,
    pub entry_id: ExpenseEntryId,
    /// A whole number from 1 to 100.
    pub percentage: u8,
    pub created_at: OffsetDateTime,
}

/// The result of adding an allocation to an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AllocationAdded {
    Added(ExpenseAllocationId),
    /// The entry does not belong to the report; nothing was added.
    EntryNotFound,
    /// The entry's allocations would add up to more than 100; nothing was
    /// added. `allocated` is the sum already allocated.
    OverFullAllocation {
        allocated: u32,
    },
}

/// An object that can carry launch fields: a report (its header), an entry
/// or an allocation, named by its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LaunchObject {
    Header(ExpenseReportId),
    Entry(ExpenseEntryId),
    Allocation(ExpenseAllocationId),
}

impl LaunchObject {
    pub fn object_type(self) -> LaunchObjectType {
        match self {
            LaunchObject::Header(_) => LaunchObjectType::Header,
            LaunchObject::Entry(_) => LaunchObjectType::Entry,
            LaunchObject::Allocation(_) => LaunchObjectType::Allocation,
        }
    }

    /// Returns the id of the report, entry or allocation.
    pub fn id(self) -> i64 {
        match self {
            LaunchObject::Header(id) => id.0,
            LaunchObject::Entry(id) => id.0,
            LaunchObject::Allocation(id) => id.0,
        }
    }

    pub fn new(object_type: LaunchObjectType, id: i64) -> LaunchObject {
        match object_type {
            LaunchObjectType::Header => LaunchObject::Header(ExpenseReportId(id)),
            LaunchObjectType::Entry => LaunchObject::Entry(ExpenseEntryId(id)),
            LaunchObjectType::Allocation => LaunchObject::Allocation(ExpenseAllocationId(id)),
        }
    }

    /// Parses the form value `HEADER:{id}`, `ENTRY:{id}` or `ALLOCATION:{id}`
    /// with a positive decimal id.
    pub fn parse(text: &str) -> Option<LaunchObject> {
        let (object_type, id) = text.split_once(':')?;
        let object_type = LaunchObjectType::parse(object_type)?;
        if id.is_empty() || !id.bytes().all(|byte| byte.is_ascii_digit()) {
            return None;
        }
        let id: i64 = id.parse().ok().filter(|id| *id > 0)?;
        Some(LaunchObject::new(object_type, id))
    }
}

impl fmt::Display for LaunchObject {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}:{}", self.object_type().as_str(), self.id())
    }
}

/// An object that carries launch fields, with its report (owner, company
/// and step), and for an entry or allocation the entry; the item web
/// services and the launch read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaunchItem {
    pub object: LaunchObject,
    /// The report itself, or the report of the entry or allocation.
    pub report: WorkflowItem,
    /// The entry itself, or the entry of the allocation; `None` for a header.
    pub entry: Option<ExpenseEntry>,
    /// `Some` only for an allocation.
    pub allocation: Option<ExpenseAllocation>,
}
