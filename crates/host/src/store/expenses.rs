//! Persistence of the expense sandbox: reports, entries, their list values and attendees.

use time::OffsetDateTime;

use super::StoreError;
use crate::domain::{CompanyId, UserId};
use crate::sandbox::model::{
    EntryAttendee, EntryFields, EntryList, ExpenseEntryId, ExpenseReport, ExpenseReportId,
    ExpenseReportSummary, NewExpenseReport,
};

/// The expense reports of employees. [`super::HostStore`] requires it.
///
/// Reports are read only through their company and owner, so a store
/// query cannot hand one employee's report to another. Entry operations
/// name the report as well, and change nothing when the entry belongs to
/// another report.
#[async_trait::async_trait]
pub trait ExpenseStore: Send + Sync {
    /// Inserts a report without entries.
    async fn insert_expense_report(
        &self,
        report: &NewExpenseReport,
    ) -> Result<ExpenseReportId, StoreError>;

    /// Reports of one employee, newest first.
    async fn expense_reports(
        &self,
        company: CompanyId,
        owner: UserId,
    ) -> Result<Vec<ExpenseReportSummary>, StoreError>;

    /// Returns one report with its entries, only when `owner` of `company` keeps it.
    async fn expense_report(
        &self,
        company: CompanyId,
        owner: UserId,
        id: ExpenseReportId,
    ) -> Result<Option<ExpenseReport>, StoreError>;

    /// Inserts an entry of `report`, with its list binding and no attendees.
    async fn insert_expense_entry(
        &self,
        report: ExpenseReportId,
        fields: &EntryFields,
        list: Option<&EntryList>,
        at: OffsetDateTime,
    ) -> Result<ExpenseEntryId, StoreError>;

    /// Replaces the fields and the list value of an entry of `report`.
    async fn update_expense_entry(
        &self,
        report: ExpenseReportId,
        entry: ExpenseEntryId,
        fields: &EntryFields,
        list: Option<&EntryList>,
        at: OffsetDateTime,
    ) -> Result<(), StoreError>;

    /// Deletes an entry of `report` with its attendees, its allocations and
    /// the custom field values of both.
    async fn delete_expense_entry(
        &self,
        report: ExpenseReportId,
        entry: ExpenseEntryId,
    ) -> Result<(), StoreError>;

    /// Appends an attendee to an entry of `report`; [`StoreError::Duplicate`]
    /// when the entry has an attendee of the same type and external id.
    async fn add_entry_attendee(
        &self,
        report: ExpenseReportId,
        entry: ExpenseEntryId,
        attendee: &EntryAttendee,
    ) -> Result<(), StoreError>;

    /// Removes the attendee of this type and external id from an entry of `report`.
    async fn remove_entry_attendee(
        &self,
        report: ExpenseReportId,
        entry: ExpenseEntryId,
        attendee_type_code: &str,
        external_id: &str,
    ) -> Result<(), StoreError>;
}
