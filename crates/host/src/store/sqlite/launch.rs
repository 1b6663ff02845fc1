//! Launch fields, custom field values and expense allocations in SQLite.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};
use time::OffsetDateTime;

use super::{
    SqliteHostStore, expenses, from_millis, invalid_value, registrations, to_millis, workflow,
};
use crate::domain::launch_fields::{LaunchField, LaunchFieldId, LaunchObjectType, NewLaunchField};
use crate::domain::{AuditEntry, CompanyId, RegistrationId};
use crate::sandbox::model::{
    AllocationAdded, ExpenseAllocation, ExpenseAllocationId, ExpenseEntryId, ExpenseReportId,
    LaunchItem, LaunchObject,
};
use crate::store::StoreError;
use crate::store::launch::LaunchStore;
use crate::workflow::ObjectRef;

const FIELD_COLUMNS: &str = "id, company_id, registration_id, code, label, object_type, multiline, \
     popup_width, popup_height, created_at";

/// A launch field row as read, before its object type is checked.
struct FieldRow {
    id: i64,
    company_id: i64,
    registration_id: i64,
    code: String,
    label: String,
    object_type: String,
    multiline: bool,
    popup_width: i64,
    popup_height: i64,
    created_at: i64,
}

fn field_row(row: &Row<'_>) -> rusqlite::Result<FieldRow> {
    Ok(FieldRow {
        id: row.get(0)?,
        company_id: row.get(1)?,
        registration_id: row.get(2)?,
        code: row.get(3)?,
        label: row.get(4)?,
        object_type: row.get(5)?,
        multiline: row.get(6)?,
        popup_width: row.get(7)?,
        popup_height: row.get(8)?,
        created_at: row.get(9)?,
    })
}

impl FieldRow {
    fn into_field(self) -> Result<LaunchField, StoreError> {
        Ok(LaunchField {
            id: LaunchFieldId(self.id),
            company_id: CompanyId(self.company_id),
            registration_id: RegistrationId(self.registration_id),
            code: self.code,
            label: self.label,
            object_type: LaunchObjectType::parse(&self.object_type)
                .ok_or_else(|| invalid_value("launch_fields.object_type"))?,
            multiline: self.multiline,
            popup_width: u16::try_from(self.popup_width)
                .map_err(|_| invalid_value("launch_fields.popup_width"))?,
            popup_height: u16::try_from(self.popup_height)
                .map_err(|_| invalid_value("launch_fields.popup_height"))?,
            created_at: from_millis(self.created_at),
        })
    }
}

/// Returns the one launch field that matches `condition` (on `company_id`
/// as `?1` and the key as `?2`).
fn field_where(
    connection: &Connection,
    condition: &str,
    company: CompanyId,
    key: &dyn rusqlite::ToSql,
) -> Result<Option<LaunchField>, StoreError> {
    let row = connection
        .prepare_cached(&format!(
            "SELECT {FIELD_COLUMNS} FROM launch_fields WHERE company_id = ?1 AND {condition}"
        ))?
        .query_row(params![company.0, key], field_row)
        .optional()?;
    row.map(FieldRow::into_field).transpose()
}

fn allocation_row(row: &Row<'_>) -> rusqlite::Result<(i64, i64, i64, i64)> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
}

fn allocation_from_row(
    (id, entry_id, percentage, created_at): (i64, i64, i64, i64),
) -> Result<ExpenseAllocation, StoreError> {
    Ok(ExpenseAllocation {
        id: ExpenseAllocationId(id),
        entry_id: ExpenseEntryId(entry_id),
        percentage: u8::try_from(percentage)
            .map_err(|_| invalid_value("expense_allocations.percentage"))?,
        created_at: from_millis(created_at),
    })
}

fn allocations(
    connection: &Connection,
    entry: ExpenseEntryId,
) -> Result<Vec<ExpenseAllocation>, StoreError> {
    let rows = connection
        .prepare_cached(
            "SELECT id, entry_id, percentage, created_at FROM expense_allocations \
             WHERE entry_id = ?1 ORDER BY id",
        )?
        .query_map([entry.0], allocation_row)?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter().map(allocation_from_row).collect()
}

/// Deletes the values of the fields of `object_type` on one object.
fn delete_values(
    connection: &Connection,
    object_type: LaunchObjectType,
    object_id: i64,
) -> Result<(), StoreError> {
    connection.execute(
        "DELETE FROM custom_field_values WHERE object_id = ?2 AND field_id IN \
         (SELECT id FROM launch_fields WHERE object_type = ?1)",
        params![object_type.as_str(), object_id],
    )?;
    Ok(())
}

/// Deletes the allocations of an entry of `report` and the custom field
/// values of the entry and of its allocations; part of deleting the entry.
pub(super) fn delete_entry_allocations(
    connection: &Connection,
    report: ExpenseReportId,
    entry: ExpenseEntryId,
) -> Result<(), StoreError> {
    let in_report: bool = connection
        .prepare_cached("SELECT count(*) FROM expense_entries WHERE id = ?1 AND report_id = ?2")?
        .query_row([entry.0, report.0], |row| row.get::<_, i64>(0))?
        > 0;
    if !in_report {
        return Ok(());
    }
    for allocation in allocations(connection, entry)? {
        delete_values(connection, LaunchObjectType::Allocation, allocation.id.0)?;
    }
    connection.execute(
        "DELETE FROM expense_allocations WHERE entry_id = ?1",
        [entry.0],
    )?;
    delete_values(connection, LaunchObjectType::Entry, entry.0)
}

/// Returns the report and entry ids an object belongs to; the entry is
/// `None` for a header. Returns `None` when the object does not exist.
fn owners_of(
    connection: &Connection,
    object: LaunchObject,
) -> Result<Option<(ExpenseReportId, Option<ExpenseEntryId>)>, StoreError> {
    let found = match object {
        LaunchObject::Header(report) => Some((report, None)),
        LaunchObject::Entry(entry) => connection
            .prepare_cached("SELECT report_id FROM expense_entries WHERE id = ?1")?
            .query_row([entry.0], |row| row.get::<_, i64>(0))
            .optional()?
            .map(|report| (ExpenseReportId(report), Some(entry))),
        LaunchObject::Allocation(allocation) => connection
            .prepare_cached(
                "SELECT e.report_id, e.id FROM expense_allocations AS a \
                 JOIN expense_entries AS e ON e.id = a.entry_id WHERE a.id = ?1",
            )?
            .query_row([allocation.0], |row| {
                Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?))
            })
            .optional()?
            .map(|(report, entry)| (ExpenseReportId(report), Some(ExpenseEntryId(entry)))),
    };
    Ok(found)
}

fn allocation(
    connection: &Connection,
    id: ExpenseAllocationId,
) -> Result<Option<ExpenseAllocation>, StoreError> {
    let row = connection
        .prepare_cached(
            "SELECT id, entry_id, percentage, created_at FROM expense_allocations WHERE id = ?1",
        )?
        .query_row([id.0], allocation_row)
        .optional()?;
    row.map(allocation_from_row).transpose()
}

#[async_trait::async_trait]
impl LaunchStore for SqliteHostStore {
    async fn insert_launch_field(
        &self,
        field: &NewLaunchField,
        audit: &AuditEntry,
    ) -> Result<LaunchField, StoreError> {
        let mut connection = self.connection();
        let transaction = connection.transaction()?;
        transaction.execute(
            "INSERT INTO launch_fields (company_id, registration_id, code, label, object_type, \
             multiline, popup_width, popup_height, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                field.company_id.0,
                field.registration_id.0,
                field.code,
                field.label,
                field.object_type.as_str(),
                field.multiline,
                field.popup_width,
                field.popup_height,
                to_millis(field.created_at),
            ],
        )?;
        let id = LaunchFieldId(transaction.last_insert_rowid());
        registrations::insert_audit(&transaction, field.registration_id, audit)?;
        transaction.commit()?;
        Ok(LaunchField {
            id,
            company_id: field.company_id,
            registration_id: field.registration_id,
            code: field.code.clone(),
            label: field.label.clone(),
            object_type: field.object_type,
            multiline: field.multiline,
            popup_width: field.popup_width,
            popup_height: field.popup_height,
            // Truncated to the stored milliseconds, so that it equals a later read.
            created_at: from_millis(to_millis(field.created_at)),
        })
    }

    async fn launch_fields(&self, company: CompanyId) -> Result<Vec<LaunchField>, StoreError> {
        let connection = self.connection();
        // HEADER, ENTRY and ALLOCATION sort in the order of the form's sections.
        let rows = connection
            .prepare_cached(&format!(
                "SELECT {FIELD_COLUMNS} FROM launch_fields WHERE company_id = ?1 \
                 ORDER BY CASE object_type WHEN 'HEADER' THEN 0 WHEN 'ENTRY' THEN 1 ELSE 2 END, \
                 code COLLATE NOCASE, id"
            ))?
            .query_map([company.0], field_row)?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().map(FieldRow::into_field).collect()
    }

    async fn launch_field(
        &self,
        company: CompanyId,
        id: LaunchFieldId,
    ) -> Result<Option<LaunchField>, StoreError> {
        field_where(&self.connection(), "id = ?2", company, &id.0)
    }

    async fn launch_field_by_code(
        &self,
        company: CompanyId,
        code: &str,
    ) -> Result<Option<LaunchField>, StoreError> {
        field_where(&self.connection(), "code = ?2", company, &code)
    }

    async fn custom_field_values(
        &self,
        company: CompanyId,
        object_type: LaunchObjectType,
        object_id: i64,
    ) -> Result<BTreeMap<LaunchFieldId, String>, StoreError> {
        let connection = self.connection();
        let rows = connection
            .prepare_cached(
                "SELECT v.field_id, v.value FROM custom_field_values AS v \
                 JOIN launch_fields AS f ON f.id = v.field_id \
                 WHERE f.company_id = ?1 AND f.object_type = ?2 AND v.object_id = ?3",
            )?
            .query_map(params![company.0, object_type.as_str(), object_id], |row| {
                Ok((LaunchFieldId(row.get(0)?), row.get::<_, String>(1)?))
            })?
            .collect::<Result<BTreeMap<_, _>, _>>()?;
        Ok(rows)
    }

    async fn set_custom_field_value(
        &self,
        field: LaunchFieldId,
        object_id: i64,
        value: &str,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.connection().execute(
            "INSERT INTO custom_field_values (field_id, object_id, value, updated_at) \
             VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (field_id, object_id) DO UPDATE SET value = excluded.value, \
             updated_at = excluded.updated_at",
            params![field.0, object_id, value, to_millis(at)],
        )?;
        Ok(())
    }

    async fn add_expense_allocation(
        &self,
        report: ExpenseReportId,
        entry: ExpenseEntryId,
        percentage: u8,
        at: OffsetDateTime,
    ) -> Result<AllocationAdded, StoreError> {
        let mut connection = self.connection();
        // IMMEDIATE takes the write lock before the sum is read, so that two
        // additions cannot both pass the check.
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let in_report = transaction
            .prepare_cached("SELECT 1 FROM expense_entries WHERE id = ?1 AND report_id = ?2")?
            .query_row([entry.0, report.0], |_| Ok(()))
            .optional()?
            .is_some();
        if !in_report {
            return Ok(AllocationAdded::EntryNotFound);
        }
        let allocated: i64 = transaction
            .prepare_cached(
                "SELECT coalesce(sum(percentage), 0) FROM expense_allocations WHERE entry_id = ?1",
            )?
            .query_row([entry.0], |row| row.get(0))?;
        if allocated + i64::from(percentage) > 100 {
            return Ok(AllocationAdded::OverFullAllocation {
                allocated: u32::try_from(allocated).unwrap_or(u32::MAX),
            });
        }
        transaction.execute(
            "INSERT INTO expense_allocations (entry_id, percentage, created_at) VALUES (?1, ?2, ?3)",
            params![entry.0, percentage, to_millis(at)],
        )?;
        let id = ExpenseAllocationId(transaction.last_insert_rowid());
        transaction.commit()?;
        Ok(AllocationAdded::Added(id))
    }

    async fn remove_expense_allocation(
        &self,
        report: ExpenseReportId,
        entry: ExpenseEntryId,
        allocation: ExpenseAllocationId,
    ) -> Result<(), StoreError> {
        let mut connection = self.connection();
        let transaction = connection.transaction()?;
        let found = transaction
            .prepare_cached(
                "SELECT 1 FROM expense_allocations AS a JOIN expense_entries AS e \
                 ON e.id = a.entry_id WHERE a.id = ?1 AND e.id = ?2 AND e.report_id = ?3",
            )?
            .query_row([allocation.0, entry.0, report.0], |_| Ok(()))
            .optional()?
            .is_some();
        if !found {
            return Ok(());
        }
        delete_values(&transaction, LaunchObjectType::Allocation, allocation.0)?;
        transaction.execute(
            "DELETE FROM expense_allocations WHERE id = ?1",
            [allocation.0],
        )?;
        transaction.commit()?;
        Ok(())
    }

    async fn expense_allocations(
        &self,
        entry: ExpenseEntryId,
    ) -> Result<Vec<ExpenseAllocation>, StoreError> {
        allocations(&self.connection(), entry)
    }

    async fn launch_item(
        &self,
        company: CompanyId,
        object: LaunchObject,
    ) -> Result<Option<LaunchItem>, StoreError> {
        let connection = self.connection();
        let Some((report_id, entry_id)) = owners_of(&connection, object)? else {
            return Ok(None);
        };
        let report = workflow::item(&connection, company, ObjectRef::expense_report(report_id.0))?;
        let Some(report) = report else {
            return Ok(None);
        };
        let entry = match entry_id {
            Some(entry_id) => match expenses::entry(&connection, report_id, entry_id)? {
                Some(entry) => Some(entry),
                None => return Ok(None),
            },
            None => None,
        };
        let allocation = match object {
            LaunchObject::Allocation(id) => match allocation(&connection, id)? {
                Some(allocation) => Some(allocation),
                None => return Ok(None),
            },
            _ => None,
        };
        Ok(Some(LaunchItem {
            object,
            report,
            entry,
            allocation,
        }))
    }
}
