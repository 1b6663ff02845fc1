//! Expense reports, entries and entry attendees in PostgreSQL.

use sqlx::postgres::{PgArguments, PgRow};
use sqlx::query::Query;
use sqlx::{PgConnection, PgPool, Postgres, Row};
use time::OffsetDateTime;

use super::{PostgresHostStore, finish, from_millis, to_millis, workflow};
use crate::domain::launch_fields::LaunchObjectType;
use crate::domain::{CompanyId, UserId};
use crate::sandbox::model::{
    EntryAttendee, EntryFields, EntryList, ExpenseEntry, ExpenseEntryId, ExpenseReport,
    ExpenseReportId, ExpenseReportSummary, NewExpenseReport,
};
use crate::sandbox::values::ReportName;
use crate::store::entry_rows::{EntryColumns, EntryRow, entry_from_row};
use crate::store::expenses::ExpenseStore;
use crate::store::{StoreError, invalid_value};
use crate::workflow::{ObjectRef, Step};

#[async_trait::async_trait]
impl ExpenseStore for PostgresHostStore {
    async fn insert_expense_report(
        &self,
        report: &NewExpenseReport,
    ) -> Result<ExpenseReportId, StoreError> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO expense_reports (company_id, owner_user_id, name, created_at) \
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(report.company_id.0)
        .bind(report.owner.0)
        .bind(report.name.as_str())
        .bind(to_millis(report.created_at))
        .fetch_one(&self.pool)
        .await?;
        Ok(ExpenseReportId(id))
    }

    async fn expense_reports(
        &self,
        company: CompanyId,
        owner: UserId,
    ) -> Result<Vec<ExpenseReportSummary>, StoreError> {
        let rows = sqlx::query(
            "SELECT expense_reports.id, expense_reports.name, expense_reports.created_at, \
             (SELECT count(*) FROM expense_entries WHERE expense_entries.report_id = expense_reports.id), \
             coalesce(workflow_states.step, 'NOT_SUBMITTED') \
             FROM expense_reports LEFT JOIN workflow_states ON workflow_states.object_type = 'EXPRPT' \
             AND workflow_states.object_id = expense_reports.id \
             WHERE expense_reports.company_id = $1 AND owner_user_id = $2 ORDER BY expense_reports.id DESC",
        )
        .bind(company.0)
        .bind(owner.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let step: String = row.try_get(4)?;
                Ok(ExpenseReportSummary {
                    id: ExpenseReportId(row.try_get(0)?),
                    name: ReportName::from_stored(row.try_get(1)?),
                    created_at: from_millis(row.try_get(2)?),
                    entry_count: row.try_get::<i64, _>(3)?.try_into().unwrap_or(0),
                    step: Step::parse(&step)
                        .ok_or_else(|| invalid_value("workflow_states.step"))?,
                })
            })
            .collect()
    }

    async fn expense_report(
        &self,
        company: CompanyId,
        owner: UserId,
        id: ExpenseReportId,
    ) -> Result<Option<ExpenseReport>, StoreError> {
        let found = sqlx::query(
            "SELECT id, company_id, owner_user_id, name, created_at FROM expense_reports \
             WHERE company_id = $1 AND owner_user_id = $2 AND id = $3",
        )
        .bind(company.0)
        .bind(owner.0)
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = found else {
            return Ok(None);
        };
        let id = ExpenseReportId(row.try_get(0)?);
        let object = ObjectRef::expense_report(id.0);
        let (step, sent_back_comment) = workflow::state_of(&self.pool, object).await?;
        Ok(Some(ExpenseReport {
            id,
            company_id: CompanyId(row.try_get(1)?),
            owner: UserId(row.try_get(2)?),
            name: ReportName::from_stored(row.try_get(3)?),
            created_at: from_millis(row.try_get(4)?),
            step,
            sent_back_comment,
            entries: entries(&self.pool, id).await?,
        }))
    }

    async fn insert_expense_entry(
        &self,
        report: ExpenseReportId,
        fields: &EntryFields,
        list: Option<&EntryList>,
        at: OffsetDateTime,
    ) -> Result<ExpenseEntryId, StoreError> {
        let columns = EntryColumns::of(fields, list, at)?;
        let query = sqlx::query(
            "INSERT INTO expense_entries (report_id, expense_type, transaction_date, amount_cents, currency, \
             business_purpose, list_registration_id, list_name, list_category, list_choices, list_code, list_text, \
             created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id",
        )
        .bind(report.0);
        let row = bind_columns(query, &columns).fetch_one(&self.pool).await?;
        Ok(ExpenseEntryId(row.try_get(0)?))
    }

    async fn update_expense_entry(
        &self,
        report: ExpenseReportId,
        entry: ExpenseEntryId,
        fields: &EntryFields,
        list: Option<&EntryList>,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let columns = EntryColumns::of(fields, list, at)?;
        let query = sqlx::query(
            "UPDATE expense_entries SET expense_type = $3, transaction_date = $4, amount_cents = $5, currency = $6, \
             business_purpose = $7, list_registration_id = $8, list_name = $9, list_category = $10, \
             list_choices = $11, list_code = $12, list_text = $13, updated_at = $14 \
             WHERE id = $1 AND report_id = $2",
        )
        .bind(entry.0)
        .bind(report.0);
        bind_columns(query, &columns).execute(&self.pool).await?;
        Ok(())
    }

    async fn delete_expense_entry(
        &self,
        report: ExpenseReportId,
        entry: ExpenseEntryId,
    ) -> Result<(), StoreError> {
        let mut transaction = self.pool.begin().await?;
        let result = delete_entry(&mut transaction, report, entry).await;
        finish(transaction, result).await
    }

    async fn add_entry_attendee(
        &self,
        report: ExpenseReportId,
        entry: ExpenseEntryId,
        attendee: &EntryAttendee,
    ) -> Result<(), StoreError> {
        // The SELECT yields no row for an entry of another report, so nothing is inserted.
        sqlx::query(
            "INSERT INTO expense_entry_attendees \
             (entry_id, attendee_type_code, external_id, first_name, last_name, company) \
             SELECT id, $3, $4, $5, $6, $7 FROM expense_entries WHERE id = $1 AND report_id = $2",
        )
        .bind(entry.0)
        .bind(report.0)
        .bind(&attendee.attendee_type_code)
        .bind(&attendee.external_id)
        .bind(&attendee.first_name)
        .bind(&attendee.last_name)
        .bind(&attendee.company)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn remove_entry_attendee(
        &self,
        report: ExpenseReportId,
        entry: ExpenseEntryId,
        attendee_type_code: &str,
        external_id: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "DELETE FROM expense_entry_attendees WHERE attendee_type_code = $3 AND external_id = $4 \
             AND entry_id = (SELECT id FROM expense_entries WHERE id = $1 AND report_id = $2)",
        )
        .bind(entry.0)
        .bind(report.0)
        .bind(attendee_type_code)
        .bind(external_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

/// Binds the columns from `expense_type` to `updated_at`, in that order.
fn bind_columns<'q>(
    query: Query<'q, Postgres, PgArguments>,
    columns: &'q EntryColumns,
) -> Query<'q, Postgres, PgArguments> {
    query
        .bind(columns.expense_type)
        .bind(&columns.transaction_date)
        .bind(columns.amount_cents)
        .bind(&columns.currency)
        .bind(&columns.business_purpose)
        .bind(columns.registration_id)
        .bind(&columns.list_name)
        .bind(&columns.category)
        .bind(&columns.choices)
        .bind(&columns.code)
        .bind(&columns.text)
        .bind(columns.at)
}

/// Deletes an entry of `report` with its attendees, its allocations and
/// the custom field values of both.
async fn delete_entry(
    transaction: &mut PgConnection,
    report: ExpenseReportId,
    entry: ExpenseEntryId,
) -> Result<(), StoreError> {
    let in_report: Option<i64> =
        sqlx::query_scalar("SELECT id FROM expense_entries WHERE id = $1 AND report_id = $2")
            .bind(entry.0)
            .bind(report.0)
            .fetch_optional(&mut *transaction)
            .await?;
    if in_report.is_none() {
        return Ok(());
    }
    sqlx::query("DELETE FROM expense_entry_attendees WHERE entry_id = $1")
        .bind(entry.0)
        .execute(&mut *transaction)
        .await?;
    sqlx::query(
        "DELETE FROM custom_field_values WHERE field_id IN \
         (SELECT id FROM launch_fields WHERE object_type = $1) \
         AND object_id IN (SELECT id FROM expense_allocations WHERE entry_id = $2)",
    )
    .bind(LaunchObjectType::Allocation.as_str())
    .bind(entry.0)
    .execute(&mut *transaction)
    .await?;
    sqlx::query("DELETE FROM expense_allocations WHERE entry_id = $1")
        .bind(entry.0)
        .execute(&mut *transaction)
        .await?;
    sqlx::query(
        "DELETE FROM custom_field_values WHERE object_id = $2 AND field_id IN \
         (SELECT id FROM launch_fields WHERE object_type = $1)",
    )
    .bind(LaunchObjectType::Entry.as_str())
    .bind(entry.0)
    .execute(&mut *transaction)
    .await?;
    sqlx::query("DELETE FROM expense_entries WHERE id = $1 AND report_id = $2")
        .bind(entry.0)
        .bind(report.0)
        .execute(&mut *transaction)
        .await?;
    Ok(())
}

const ENTRY_COLUMNS: &str = "id, expense_type, transaction_date, amount_cents, currency, business_purpose, \
     list_registration_id, list_name, list_category, list_choices";

fn entry_row(row: &PgRow) -> Result<EntryRow, StoreError> {
    Ok(EntryRow {
        id: row.try_get(0)?,
        expense_type: row.try_get(1)?,
        transaction_date: row.try_get(2)?,
        amount_cents: row.try_get(3)?,
        currency: row.try_get(4)?,
        business_purpose: row.try_get(5)?,
        list_registration_id: row.try_get(6)?,
        list_name: row.try_get(7)?,
        list_category: row.try_get(8)?,
        list_choices: row.try_get(9)?,
    })
}

async fn entries(pool: &PgPool, report: ExpenseReportId) -> Result<Vec<ExpenseEntry>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {ENTRY_COLUMNS} FROM expense_entries WHERE report_id = $1 ORDER BY id"
    ))
    .bind(report.0)
    .fetch_all(pool)
    .await?;
    let mut entries = Vec::with_capacity(rows.len());
    for row in &rows {
        let row = entry_row(row)?;
        let attendees = attendees(pool, ExpenseEntryId(row.id)).await?;
        entries.push(entry_from_row(row, attendees)?);
    }
    Ok(entries)
}

/// Returns one entry of `report` with its attendees.
pub(super) async fn entry(
    pool: &PgPool,
    report: ExpenseReportId,
    entry: ExpenseEntryId,
) -> Result<Option<ExpenseEntry>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {ENTRY_COLUMNS} FROM expense_entries WHERE id = $1 AND report_id = $2"
    ))
    .bind(entry.0)
    .bind(report.0)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let row = entry_row(&row)?;
    let attendees = attendees(pool, entry).await?;
    entry_from_row(row, attendees).map(Some)
}

async fn attendees(pool: &PgPool, entry: ExpenseEntryId) -> Result<Vec<EntryAttendee>, StoreError> {
    let rows = sqlx::query(
        "SELECT external_id, first_name, last_name, company, attendee_type_code \
         FROM expense_entry_attendees WHERE entry_id = $1 ORDER BY id",
    )
    .bind(entry.0)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(EntryAttendee {
                external_id: row.try_get(0)?,
                first_name: row.try_get(1)?,
                last_name: row.try_get(2)?,
                company: row.try_get(3)?,
                attendee_type_code: row.try_get(4)?,
            })
        })
        .collect()
}
