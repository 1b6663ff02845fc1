//! Persistence of launch fields, their values on reports, entries and
//! allocations, and the allocations of expense entries.

use std::collections::BTreeMap;

use time::OffsetDateTime;

use super::StoreError;
use crate::workflow::Step;
use crate::domain::launch_fields::{LaunchField, LaunchFieldId, LaunchObjectType, NewLaunchField};
use crate::domain::{AuditEntry, CompanyId};
use crate::sandbox::model::{
    AllocationAdded, ExpenseAllocation, ExpenseAllocationId, ExpenseEntryId, ExpenseReportId,
    LaunchItem, LaunchObject,
};

/// Launch fields, custom field values and allocations. [`super::HostStore`] requires it.
///
/// Reads of fields and items name the company, so that a query cannot hand
/// one company's data to another. Allocation changes name the report and
/// the entry, and change nothing when the entry belongs to another report.
#[async_trait::async_trait]
pub trait LaunchStore: Send + Sync {
    /// Inserts a launch field and appends `audit` to its registration's
    /// trail, in one transaction; [`StoreError::Duplicate`] when the company
    /// has a field with the same code, compared without regard to case.
    async fn insert_launch_field(
        &self,
        field: &NewLaunchField,
        audit: &AuditEntry,
    ) -> Result<LaunchField, StoreError>;

    /// Launch fields of one company, ordered by object type, then code.
    async fn launch_fields(&self, company: CompanyId) -> Result<Vec<LaunchField>, StoreError>;

    /// Returns launch field `id` when it belongs to `company`.
    async fn launch_field(
        &self,
        company: CompanyId,
        id: LaunchFieldId,
    ) -> Result<Option<LaunchField>, StoreError>;

    /// Returns the launch field of `company` whose code is exactly `code`.
    async fn launch_field_by_code(
        &self,
        company: CompanyId,
        code: &str,
    ) -> Result<Option<LaunchField>, StoreError>;

    /// Values of the launch fields of `company` on one object, by field.
    /// Fields without a stored value are absent.
    async fn custom_field_values(
        &self,
        company: CompanyId,
        object_type: LaunchObjectType,
        object_id: i64,
    ) -> Result<BTreeMap<LaunchFieldId, String>, StoreError>;

    /// Inserts or replaces the value of one field on one object of
    /// `report`. The same transaction first reads the report's workflow
    /// step, so a concurrent submit lands either before the check or after
    /// the write. Returns the step, and writes nothing, when the report is
    /// not editable. The caller checks that the object exists, is of the
    /// field's object type and that the value obeys the field's rules.
    async fn set_custom_field_value(
        &self,
        report: ExpenseReportId,
        field: LaunchFieldId,
        object_id: i64,
        value: &str,
        at: OffsetDateTime,
    ) -> Result<Option<Step>, StoreError>;

    /// Adds an allocation to an entry of `report`, in a transaction that
    /// checks that the entry's percentages stay at or below 100 in total.
    async fn add_expense_allocation(
        &self,
        report: ExpenseReportId,
        entry: ExpenseEntryId,
        percentage: u8,
        at: OffsetDateTime,
    ) -> Result<AllocationAdded, StoreError>;

    /// Deletes an allocation of an entry of `report`, with its custom field
    /// values; deleting an absent allocation is not an error.
    async fn remove_expense_allocation(
        &self,
        report: ExpenseReportId,
        entry: ExpenseEntryId,
        allocation: ExpenseAllocationId,
    ) -> Result<(), StoreError>;

    /// Allocations of one entry, oldest first.
    async fn expense_allocations(
        &self,
        entry: ExpenseEntryId,
    ) -> Result<Vec<ExpenseAllocation>, StoreError>;

    /// Returns a report, entry or allocation with its report and entry,
    /// only when the report belongs to `company`. An allocation found this
    /// way is the allocation lookup "by id with its entry and report".
    async fn launch_item(
        &self,
        company: CompanyId,
        object: LaunchObject,
    ) -> Result<Option<LaunchItem>, StoreError>;
}
