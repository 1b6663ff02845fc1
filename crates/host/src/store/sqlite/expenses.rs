//! Expense reports, entries and entry attendees in SQLite.

use rusqlite::{Connection, OptionalExtension, Row, ToSql, params, params_from_iter};
use time::OffsetDateTime;

use super::{SqliteHostStore, from_millis, invalid_value, launch, to_millis, workflow};
use crate::domain::{CompanyId, UserId};
use crate::sandbox::model::{
    EntryAttendee, EntryFields, EntryList, ExpenseEntry, ExpenseEntryId, ExpenseReport,
    ExpenseReportId, ExpenseReportSummary, NewExpenseReport,
};
use crate::sandbox::values::ReportName;
use crate::store::StoreError;
use crate::store::entry_rows::{EntryColumns, EntryRow, entry_from_row};
use crate::store::expenses::ExpenseStore;
use crate::workflow::{ObjectRef, Step};

#[async_trait::async_trait]
impl ExpenseStore for SqliteHostStore {
    async fn insert_expense_report(
        &self,
        report: &NewExpenseReport,
    ) -> Result<ExpenseReportId, StoreError> {
        let connection = self.connection();
        connection.execute(
            "INSERT INTO expense_reports (company_id, owner_user_id, name, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![report.company_id.0, report.owner.0, report.name.as_str(), to_millis(report.created_at)],
        )?;
        Ok(ExpenseReportId(connection.last_insert_rowid()))
    }

    async fn expense_reports(
        &self,
        company: CompanyId,
        owner: UserId,
    ) -> Result<Vec<ExpenseReportSummary>, StoreError> {
        let connection = self.connection();
        let mut statement = connection.prepare_cached(
            "SELECT expense_reports.id, expense_reports.name, expense_reports.created_at, \
             (SELECT count(*) FROM expense_entries WHERE expense_entries.report_id = expense_reports.id), \
             coalesce(workflow_states.step, 'NOT_SUBMITTED') \
             FROM expense_reports LEFT JOIN workflow_states ON workflow_states.object_type = 'EXPRPT' \
             AND workflow_states.object_id = expense_reports.id \
             WHERE expense_reports.company_id = ?1 AND owner_user_id = ?2 ORDER BY expense_reports.id DESC",
        )?;
        let rows = statement
            .query_map(params![company.0, owner.0], |row| {
                Ok((
                    ExpenseReportSummary {
                        id: ExpenseReportId(row.get(0)?),
                        name: ReportName::from_stored(row.get(1)?),
                        created_at: from_millis(row.get(2)?),
                        entry_count: row.get::<_, i64>(3)?.try_into().unwrap_or(0),
                        step: Step::NotSubmitted,
                    },
                    row.get::<_, String>(4)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(mut summary, step)| {
                summary.step =
                    Step::parse(&step).ok_or_else(|| invalid_value("workflow_states.step"))?;
                Ok(summary)
            })
            .collect()
    }

    async fn expense_report(
        &self,
        company: CompanyId,
        owner: UserId,
        id: ExpenseReportId,
    ) -> Result<Option<ExpenseReport>, StoreError> {
        let connection = self.connection();
        let found = connection
            .prepare_cached(
                "SELECT id, company_id, owner_user_id, name, created_at FROM expense_reports \
                 WHERE company_id = ?1 AND owner_user_id = ?2 AND id = ?3",
            )?
            .query_row(params![company.0, owner.0, id.0], |row| {
                Ok(ExpenseReport {
                    id: ExpenseReportId(row.get(0)?),
                    company_id: CompanyId(row.get(1)?),
                    owner: UserId(row.get(2)?),
                    name: ReportName::from_stored(row.get(3)?),
                    created_at: from_millis(row.get(4)?),
                    step: Step::NotSubmitted,
                    sent_back_comment: None,
                    entries: Vec::new(),
                })
            })
            .optional()?;
        let Some(mut report) = found else {
            return Ok(None);
        };
        let object = ObjectRef::expense_report(report.id.0);
        report.step = workflow::step_of(&connection, object)?;
        report.sent_back_comment = workflow::comment_of(&connection, object)?;
        report.entries = entries(&connection, report.id)?;
        Ok(Some(report))
    }

    async fn insert_expense_entry(
        &self,
        report: ExpenseReportId,
        fields: &EntryFields,
        list: Option<&EntryList>,
        at: OffsetDateTime,
    ) -> Result<ExpenseEntryId, StoreError> {
        let connection = self.connection();
        let columns = EntryColumns::of(fields, list, at)?;
        connection.execute(
            "INSERT INTO expense_entries (report_id, expense_type, transaction_date, amount_cents, currency, \
             business_purpose, list_registration_id, list_name, list_category, list_choices, list_code, list_text, \
             created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13)",
            params_from_iter(std::iter::once(&report.0 as &dyn ToSql).chain(columns.values())),
        )?;
        Ok(ExpenseEntryId(connection.last_insert_rowid()))
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
        let keys: [&dyn ToSql; 2] = [&entry.0, &report.0];
        self.connection().execute(
            "UPDATE expense_entries SET expense_type = ?3, transaction_date = ?4, amount_cents = ?5, currency = ?6, \
             business_purpose = ?7, list_registration_id = ?8, list_name = ?9, list_category = ?10, \
             list_choices = ?11, list_code = ?12, list_text = ?13, updated_at = ?14 \
             WHERE id = ?1 AND report_id = ?2",
            params_from_iter(keys.into_iter().chain(columns.values())),
        )?;
        Ok(())
    }

    async fn delete_expense_entry(
        &self,
        report: ExpenseReportId,
        entry: ExpenseEntryId,
    ) -> Result<(), StoreError> {
        let mut connection = self.connection();
        let transaction = connection.transaction()?;
        transaction.execute(
            "DELETE FROM expense_entry_attendees WHERE entry_id = \
             (SELECT id FROM expense_entries WHERE id = ?1 AND report_id = ?2)",
            params![entry.0, report.0],
        )?;
        launch::delete_entry_allocations(&transaction, report, entry)?;
        transaction.execute(
            "DELETE FROM expense_entries WHERE id = ?1 AND report_id = ?2",
            params![entry.0, report.0],
        )?;
        transaction.commit()?;
        Ok(())
    }

    async fn add_entry_attendee(
        &self,
        report: ExpenseReportId,
        entry: ExpenseEntryId,
        attendee: &EntryAttendee,
    ) -> Result<(), StoreError> {
        // The SELECT yields no row for an entry of another report, so nothing is inserted.
        self.connection().execute(
            "INSERT INTO expense_entry_attendees \
             (entry_id, attendee_type_code, external_id, first_name, last_name, company) \
             SELECT id, ?3, ?4, ?5, ?6, ?7 FROM expense_entries WHERE id = ?1 AND report_id = ?2",
            params![
                entry.0,
                report.0,
                attendee.attendee_type_code,
                attendee.external_id,
                attendee.first_name,
                attendee.last_name,
                attendee.company,
            ],
        )?;
        Ok(())
    }

    async fn remove_entry_attendee(
        &self,
        report: ExpenseReportId,
        entry: ExpenseEntryId,
        attendee_type_code: &str,
        external_id: &str,
    ) -> Result<(), StoreError> {
        self.connection().execute(
            "DELETE FROM expense_entry_attendees WHERE attendee_type_code = ?3 AND external_id = ?4 \
             AND entry_id = (SELECT id FROM expense_entries WHERE id = ?1 AND report_id = ?2)",
            params![entry.0, report.0, attendee_type_code, external_id],
        )?;
        Ok(())
    }
}

impl EntryColumns {
    fn values(&self) -> [&dyn ToSql; 12] {
        [
            &self.expense_type,
            &self.transaction_date,
            &self.amount_cents,
            &self.currency,
            &self.business_purpose,
            &self.registration_id,
            &self.list_name,
            &self.category,
            &self.choices,
            &self.code,
            &self.text,
            &self.at,
        ]
    }
}

const ENTRY_COLUMNS: &str = "id, expense_type, transaction_date, amount_cents, currency, business_purpose, \
     list_registration_id, list_name, list_category, list_choices";

fn entry_row(row: &Row<'_>) -> rusqlite::Result<EntryRow> {
    Ok(EntryRow {
        id: row.get(0)?,
        expense_type: row.get(1)?,
        transaction_date: row.get(2)?,
        amount_cents: row.get(3)?,
        currency: row.get(4)?,
        business_purpose: row.get(5)?,
        list_registration_id: row.get(6)?,
        list_name: row.get(7)?,
        list_category: row.get(8)?,
        list_choices: row.get(9)?,
    })
}

fn entries(
    connection: &Connection,
    report: ExpenseReportId,
) -> Result<Vec<ExpenseEntry>, StoreError> {
    let mut statement = connection.prepare_cached(&format!(
        "SELECT {ENTRY_COLUMNS} FROM expense_entries WHERE report_id = ?1 ORDER BY id"
    ))?;
    let rows = statement
        .query_map([report.0], entry_row)?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|row| {
            let id = ExpenseEntryId(row.id);
            let attendees = attendees(connection, id)?;
            entry_from_row(row, attendees)
        })
        .collect()
}

/// Returns one entry of `report` with its attendees.
pub(super) fn entry(
    connection: &Connection,
    report: ExpenseReportId,
    entry: ExpenseEntryId,
) -> Result<Option<ExpenseEntry>, StoreError> {
    let row = connection
        .prepare_cached(&format!(
            "SELECT {ENTRY_COLUMNS} FROM expense_entries WHERE id = ?1 AND report_id = ?2"
        ))?
        .query_row([entry.0, report.0], entry_row)
        .optional()?;
    let Some(row) = row else {
        return Ok(None);
    };
    let attendees = attendees(connection, entry)?;
    entry_from_row(row, attendees).map(Some)
}

fn attendees(
    connection: &Connection,
    entry: ExpenseEntryId,
) -> Result<Vec<EntryAttendee>, StoreError> {
    let mut statement = connection.prepare_cached(
        "SELECT external_id, first_name, last_name, company, attendee_type_code \
         FROM expense_entry_attendees WHERE entry_id = ?1 ORDER BY id",
    )?;
    let rows = statement
        .query_map([entry.0], |row| {
            Ok(EntryAttendee {
                external_id: row.get(0)?,
                first_name: row.get(1)?,
                last_name: row.get(2)?,
                company: row.get(3)?,
                attendee_type_code: row.get(4)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}
