//! Launch fields, custom field values and expense allocations in PostgreSQL.

use std::collections::BTreeMap;

use sqlx::postgres::PgRow;
use sqlx::{PgConnection, PgPool, Row};
use time::OffsetDateTime;

use super::{PostgresHostStore, expenses, finish, from_millis, registrations, to_millis};
use crate::domain::launch_fields::{LaunchField, LaunchFieldId, LaunchObjectType, NewLaunchField};
use crate::domain::{AuditEntry, CompanyId, RegistrationId};
use crate::sandbox::model::{
    AllocationAdded, ExpenseAllocation, ExpenseAllocationId, ExpenseEntryId, ExpenseReportId,
    LaunchItem, LaunchObject,
};
use crate::store::launch::LaunchStore;
use crate::store::workflow::WorkflowStore;
use crate::store::{StoreError, invalid_value};
use crate::workflow::{ObjectRef, Step};

/// Writes a custom field value while the report is editable, in the
/// caller's transaction. The report's state row is created when missing and
/// locked, as a step change does, so a concurrent submit waits for this
/// transaction or this one waits for the submit and then reads its step.
async fn set_value_if_editable(
    transaction: &mut PgConnection,
    report: ExpenseReportId,
    field: LaunchFieldId,
    object_id: i64,
    value: &str,
    at: OffsetDateTime,
) -> Result<Option<Step>, StoreError> {
    sqlx::query(
        "INSERT INTO workflow_states (object_type, object_id, company_id, step, comment, updated_at) \
         SELECT 'EXPRPT', id, company_id, 'NOT_SUBMITTED', NULL, $2 FROM expense_reports WHERE id = $1 \
         ON CONFLICT (object_type, object_id) DO NOTHING",
    )
    .bind(report.0)
    .bind(to_millis(at))
    .execute(&mut *transaction)
    .await?;
    let stored: Option<String> = sqlx::query_scalar(
        "SELECT step FROM workflow_states WHERE object_type = 'EXPRPT' AND object_id = $1 FOR UPDATE",
    )
    .bind(report.0)
    .fetch_optional(&mut *transaction)
    .await?;
    let step = match stored {
        Some(text) => Step::parse(&text).ok_or_else(|| invalid_value("workflow_states.step"))?,
        None => Step::NotSubmitted,
    };
    if !step.is_editable() {
        return Ok(Some(step));
    }
    sqlx::query(
        "INSERT INTO custom_field_values (field_id, object_id, value, updated_at) \
         VALUES ($1, $2, $3, $4) \
         ON CONFLICT (field_id, object_id) DO UPDATE SET value = excluded.value, \
         updated_at = excluded.updated_at",
    )
    .bind(field.0)
    .bind(object_id)
    .bind(value)
    .bind(to_millis(at))
    .execute(&mut *transaction)
    .await?;
    Ok(None)
}

const FIELD_COLUMNS: &str = "id, company_id, registration_id, code, label, object_type, multiline, \
     popup_width, popup_height, created_at";

fn field_from_row(row: &PgRow) -> Result<LaunchField, StoreError> {
    let object_type: String = row.try_get(5)?;
    let popup_width: i64 = row.try_get(7)?;
    let popup_height: i64 = row.try_get(8)?;
    Ok(LaunchField {
        id: LaunchFieldId(row.try_get(0)?),
        company_id: CompanyId(row.try_get(1)?),
        registration_id: RegistrationId(row.try_get(2)?),
        code: row.try_get(3)?,
        label: row.try_get(4)?,
        object_type: LaunchObjectType::parse(&object_type)
            .ok_or_else(|| invalid_value("launch_fields.object_type"))?,
        multiline: row.try_get(6)?,
        popup_width: u16::try_from(popup_width)
            .map_err(|_| invalid_value("launch_fields.popup_width"))?,
        popup_height: u16::try_from(popup_height)
            .map_err(|_| invalid_value("launch_fields.popup_height"))?,
        created_at: from_millis(row.try_get(9)?),
    })
}

fn allocation_from_row(row: &PgRow) -> Result<ExpenseAllocation, StoreError> {
    let percentage: i64 = row.try_get(2)?;
    Ok(ExpenseAllocation {
        id: ExpenseAllocationId(row.try_get(0)?),
        entry_id: ExpenseEntryId(row.try_get(1)?),
        percentage: u8::try_from(percentage)
            .map_err(|_| invalid_value("expense_allocations.percentage"))?,
        created_at: from_millis(row.try_get(3)?),
    })
}

#[async_trait::async_trait]
impl LaunchStore for PostgresHostStore {
    async fn insert_launch_field(
        &self,
        field: &NewLaunchField,
        audit: &AuditEntry,
    ) -> Result<LaunchField, StoreError> {
        let mut transaction = self.pool.begin().await?;
        let result = insert_field(&mut transaction, field, audit).await;
        let id = finish(transaction, result).await?;
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
        // HEADER, ENTRY and ALLOCATION sort in the order of the form's
        // sections, then codes without regard to case, as SQLite's NOCASE.
        let rows = sqlx::query(&format!(
            "SELECT {FIELD_COLUMNS} FROM launch_fields WHERE company_id = $1 \
             ORDER BY CASE object_type WHEN 'HEADER' THEN 0 WHEN 'ENTRY' THEN 1 ELSE 2 END, \
             lower(code) COLLATE \"C\", id"
        ))
        .bind(company.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(field_from_row).collect()
    }

    async fn launch_field(
        &self,
        company: CompanyId,
        id: LaunchFieldId,
    ) -> Result<Option<LaunchField>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {FIELD_COLUMNS} FROM launch_fields WHERE company_id = $1 AND id = $2"
        ))
        .bind(company.0)
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(field_from_row).transpose()
    }

    async fn launch_field_by_code(
        &self,
        company: CompanyId,
        code: &str,
    ) -> Result<Option<LaunchField>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {FIELD_COLUMNS} FROM launch_fields WHERE company_id = $1 AND code = $2"
        ))
        .bind(company.0)
        .bind(code)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(field_from_row).transpose()
    }

    async fn custom_field_values(
        &self,
        company: CompanyId,
        object_type: LaunchObjectType,
        object_id: i64,
    ) -> Result<BTreeMap<LaunchFieldId, String>, StoreError> {
        let rows = sqlx::query(
            "SELECT v.field_id, v.value FROM custom_field_values AS v \
             JOIN launch_fields AS f ON f.id = v.field_id \
             WHERE f.company_id = $1 AND f.object_type = $2 AND v.object_id = $3",
        )
        .bind(company.0)
        .bind(object_type.as_str())
        .bind(object_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok((LaunchFieldId(row.try_get(0)?), row.try_get(1)?)))
            .collect()
    }

    async fn set_custom_field_value(
        &self,
        report: ExpenseReportId,
        field: LaunchFieldId,
        object_id: i64,
        value: &str,
        at: OffsetDateTime,
    ) -> Result<Option<Step>, StoreError> {
        let mut transaction = self.pool.begin().await?;
        let result = set_value_if_editable(&mut transaction, report, field, object_id, value, at).await;
        finish(transaction, result).await
    }

    async fn add_expense_allocation(
        &self,
        report: ExpenseReportId,
        entry: ExpenseEntryId,
        percentage: u8,
        at: OffsetDateTime,
    ) -> Result<AllocationAdded, StoreError> {
        let mut transaction = self.pool.begin().await?;
        let result = add_allocation(&mut transaction, report, entry, percentage, at).await;
        finish(transaction, result).await
    }

    async fn remove_expense_allocation(
        &self,
        report: ExpenseReportId,
        entry: ExpenseEntryId,
        allocation: ExpenseAllocationId,
    ) -> Result<(), StoreError> {
        let mut transaction = self.pool.begin().await?;
        let result = remove_allocation(&mut transaction, report, entry, allocation).await;
        finish(transaction, result).await
    }

    async fn expense_allocations(
        &self,
        entry: ExpenseEntryId,
    ) -> Result<Vec<ExpenseAllocation>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, entry_id, percentage, created_at FROM expense_allocations \
             WHERE entry_id = $1 ORDER BY id",
        )
        .bind(entry.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(allocation_from_row).collect()
    }

    async fn launch_item(
        &self,
        company: CompanyId,
        object: LaunchObject,
    ) -> Result<Option<LaunchItem>, StoreError> {
        let Some((report_id, entry_id)) = owners_of(&self.pool, object).await? else {
            return Ok(None);
        };
        let report = self
            .workflow_item(company, ObjectRef::expense_report(report_id.0))
            .await?;
        let Some(report) = report else {
            return Ok(None);
        };
        let entry = match entry_id {
            Some(entry_id) => match expenses::entry(&self.pool, report_id, entry_id).await? {
                Some(entry) => Some(entry),
                None => return Ok(None),
            },
            None => None,
        };
        let allocation = match object {
            LaunchObject::Allocation(id) => match allocation(&self.pool, id).await? {
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

async fn insert_field(
    transaction: &mut PgConnection,
    field: &NewLaunchField,
    audit: &AuditEntry,
) -> Result<LaunchFieldId, StoreError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO launch_fields (company_id, registration_id, code, label, object_type, \
         multiline, popup_width, popup_height, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(field.company_id.0)
    .bind(field.registration_id.0)
    .bind(&field.code)
    .bind(&field.label)
    .bind(field.object_type.as_str())
    .bind(field.multiline)
    .bind(i64::from(field.popup_width))
    .bind(i64::from(field.popup_height))
    .bind(to_millis(field.created_at))
    .fetch_one(&mut *transaction)
    .await?;
    registrations::insert_audit(transaction, field.registration_id, audit).await?;
    Ok(LaunchFieldId(id))
}

async fn add_allocation(
    transaction: &mut PgConnection,
    report: ExpenseReportId,
    entry: ExpenseEntryId,
    percentage: u8,
    at: OffsetDateTime,
) -> Result<AllocationAdded, StoreError> {
    // Locking the entry makes two additions to it wait for each other, so
    // that they cannot both pass the check of the sum.
    let in_report: Option<i32> = sqlx::query_scalar(
        "SELECT 1 FROM expense_entries WHERE id = $1 AND report_id = $2 FOR UPDATE",
    )
    .bind(entry.0)
    .bind(report.0)
    .fetch_optional(&mut *transaction)
    .await?;
    if in_report.is_none() {
        return Ok(AllocationAdded::EntryNotFound);
    }
    let allocated: i64 = sqlx::query_scalar(
        "SELECT coalesce(sum(percentage), 0)::BIGINT FROM expense_allocations WHERE entry_id = $1",
    )
    .bind(entry.0)
    .fetch_one(&mut *transaction)
    .await?;
    if allocated + i64::from(percentage) > 100 {
        return Ok(AllocationAdded::OverFullAllocation {
            allocated: u32::try_from(allocated).unwrap_or(u32::MAX),
        });
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO expense_allocations (entry_id, percentage, created_at) \
         VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(entry.0)
    .bind(i64::from(percentage))
    .bind(to_millis(at))
    .fetch_one(&mut *transaction)
    .await?;
    Ok(AllocationAdded::Added(ExpenseAllocationId(id)))
}

async fn remove_allocation(
    transaction: &mut PgConnection,
    report: ExpenseReportId,
    entry: ExpenseEntryId,
    allocation: ExpenseAllocationId,
) -> Result<(), StoreError> {
    let found: Option<i32> = sqlx::query_scalar(
        "SELECT 1 FROM expense_allocations AS a JOIN expense_entries AS e \
         ON e.id = a.entry_id WHERE a.id = $1 AND e.id = $2 AND e.report_id = $3",
    )
    .bind(allocation.0)
    .bind(entry.0)
    .bind(report.0)
    .fetch_optional(&mut *transaction)
    .await?;
    if found.is_none() {
        return Ok(());
    }
    sqlx::query(
        "DELETE FROM custom_field_values WHERE object_id = $2 AND field_id IN \
         (SELECT id FROM launch_fields WHERE object_type = $1)",
    )
    .bind(LaunchObjectType::Allocation.as_str())
    .bind(allocation.0)
    .execute(&mut *transaction)
    .await?;
    sqlx::query("DELETE FROM expense_allocations WHERE id = $1")
        .bind(allocation.0)
        .execute(&mut *transaction)
        .await?;
    Ok(())
}

/// Returns the report and entry ids an object belongs to; the entry is
/// `None` for a header. Returns `None` when the object does not exist.
async fn owners_of(
    pool: &PgPool,
    object: LaunchObject,
) -> Result<Option<(ExpenseReportId, Option<ExpenseEntryId>)>, StoreError> {
    let found = match object {
        LaunchObject::Header(report) => Some((report, None)),
        LaunchObject::Entry(entry) => {
            let report: Option<i64> =
                sqlx::query_scalar("SELECT report_id FROM expense_entries WHERE id = $1")
                    .bind(entry.0)
                    .fetch_optional(pool)
                    .await?;
            report.map(|report| (ExpenseReportId(report), Some(entry)))
        }
        LaunchObject::Allocation(allocation) => {
            let row = sqlx::query(
                "SELECT e.report_id, e.id FROM expense_allocations AS a \
                 JOIN expense_entries AS e ON e.id = a.entry_id WHERE a.id = $1",
            )
            .bind(allocation.0)
            .fetch_optional(pool)
            .await?;
            match row {
                Some(row) => Some((
                    ExpenseReportId(row.try_get(0)?),
                    Some(ExpenseEntryId(row.try_get(1)?)),
                )),
                None => None,
            }
        }
    };
    Ok(found)
}

async fn allocation(
    pool: &PgPool,
    id: ExpenseAllocationId,
) -> Result<Option<ExpenseAllocation>, StoreError> {
    let row = sqlx::query(
        "SELECT id, entry_id, percentage, created_at FROM expense_allocations WHERE id = $1",
    )
    .bind(id.0)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(allocation_from_row).transpose()
}
