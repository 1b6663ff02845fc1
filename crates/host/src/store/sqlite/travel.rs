//! Travel requests and their expected expenses in SQLite.

use rusqlite::{OptionalExtension, params};
use time::OffsetDateTime;

use super::{SqliteHostStore, from_millis, invalid_value, to_millis, workflow};
use crate::domain::{CompanyId, UserId};
use crate::sandbox::model::EntryFields;
use crate::sandbox::travel::model::{
    ExpectedExpense, ExpectedExpenseId, NewTravelRequest, TravelRequest, TravelRequestId,
    TravelRequestSummary,
};
use crate::sandbox::values::{BusinessPurpose, ReportName, format_date, parse_date};
use crate::store::StoreError;
use crate::store::entry_rows::FieldColumns;
use crate::store::travel::TravelStore;
use crate::workflow::{ObjectRef, Step};

fn stored_date(text: &str) -> Result<time::Date, StoreError> {
    parse_date(text).map_err(|_| invalid_value("travel_requests.start_date"))
}

#[async_trait::async_trait]
impl TravelStore for SqliteHostStore {
    async fn insert_travel_request(
        &self,
        request: &NewTravelRequest,
    ) -> Result<TravelRequestId, StoreError> {
        let connection = self.connection();
        connection.execute(
            "INSERT INTO travel_requests (company_id, owner_user_id, name, purpose, start_date, end_date, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                request.company_id.0,
                request.owner.0,
                request.name.as_str(),
                request.purpose.as_str(),
                format_date(request.start_date),
                format_date(request.end_date),
                to_millis(request.created_at),
            ],
        )?;
        Ok(TravelRequestId(connection.last_insert_rowid()))
    }

    async fn travel_requests(
        &self,
        company: CompanyId,
        owner: UserId,
    ) -> Result<Vec<TravelRequestSummary>, StoreError> {
        let connection = self.connection();
        let mut statement = connection.prepare_cached(
            "SELECT r.id, r.name, r.start_date, r.end_date, r.created_at, \
             (SELECT count(*) FROM travel_request_expenses AS e WHERE e.request_id = r.id), \
             coalesce(w.step, 'NOT_SUBMITTED') \
             FROM travel_requests AS r LEFT JOIN workflow_states AS w \
             ON w.object_type = 'TRAVELREQ' AND w.object_id = r.id \
             WHERE r.company_id = ?1 AND r.owner_user_id = ?2 ORDER BY r.id DESC",
        )?;
        let rows = statement
            .query_map(params![company.0, owner.0], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, i64>(4)?,
                    row.get::<_, i64>(5)?,
                    row.get::<_, String>(6)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(id, name, start, end, created_at, count, step)| {
                Ok(TravelRequestSummary {
                    id: TravelRequestId(id),
                    name: ReportName::from_stored(name),
                    start_date: stored_date(&start)?,
                    end_date: stored_date(&end)?,
                    expense_count: count.try_into().unwrap_or(0),
                    step: Step::parse(&step)
                        .ok_or_else(|| invalid_value("workflow_states.step"))?,
                    created_at: from_millis(created_at),
                })
            })
            .collect()
    }

    async fn travel_request(
        &self,
        company: CompanyId,
        owner: UserId,
        id: TravelRequestId,
    ) -> Result<Option<TravelRequest>, StoreError> {
        let connection = self.connection();
        let found = connection
            .prepare_cached(
                "SELECT id, company_id, owner_user_id, name, purpose, start_date, end_date, created_at \
                 FROM travel_requests WHERE company_id = ?1 AND owner_user_id = ?2 AND id = ?3",
            )?
            .query_row(params![company.0, owner.0, id.0], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, i64>(1)?,
                    row.get::<_, i64>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, String>(4)?,
                    row.get::<_, String>(5)?,
                    row.get::<_, String>(6)?,
                    row.get::<_, i64>(7)?,
                ))
            })
            .optional()?;
        let Some((id, company_id, owner, name, purpose, start, end, created_at)) = found else {
            return Ok(None);
        };

        let object = ObjectRef::travel_request(id);
        let mut statement = connection.prepare_cached(
            "SELECT id, expense_type, transaction_date, amount_cents, currency, business_purpose \
             FROM travel_request_expenses WHERE request_id = ?1 ORDER BY id",
        )?;
        let rows = statement
            .query_map([id], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    FieldColumns {
                        expense_type: row.get(1)?,
                        transaction_date: row.get(2)?,
                        amount_cents: row.get(3)?,
                        currency: row.get(4)?,
                        business_purpose: row.get(5)?,
                    },
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let expenses = rows
            .into_iter()
            .map(|(id, columns)| {
                Ok(ExpectedExpense {
                    id: ExpectedExpenseId(id),
                    fields: columns.into_fields("travel_request_expenses")?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(Some(TravelRequest {
            id: TravelRequestId(id),
            company_id: CompanyId(company_id),
            owner: UserId(owner),
            name: ReportName::from_stored(name),
            purpose: BusinessPurpose::from_stored(purpose),
            start_date: stored_date(&start)?,
            end_date: stored_date(&end)?,
            created_at: from_millis(created_at),
            step: workflow::step_of(&connection, object)?,
            sent_back_comment: workflow::comment_of(&connection, object)?,
            expenses,
        }))
    }

    async fn insert_expected_expense(
        &self,
        request: TravelRequestId,
        fields: &EntryFields,
        at: OffsetDateTime,
    ) -> Result<ExpectedExpenseId, StoreError> {
        let connection = self.connection();
        connection.execute(
            "INSERT INTO travel_request_expenses \
             (request_id, expense_type, transaction_date, amount_cents, currency, business_purpose, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                request.0,
                fields.expense_type.as_str(),
                format_date(fields.transaction_date),
                fields.amount.cents(),
                fields.currency.as_str(),
                fields.business_purpose.as_str(),
                to_millis(at),
            ],
        )?;
        Ok(ExpectedExpenseId(connection.last_insert_rowid()))
    }

    async fn delete_expected_expense(
        &self,
        request: TravelRequestId,
        expense: ExpectedExpenseId,
    ) -> Result<(), StoreError> {
        self.connection().execute(
            "DELETE FROM travel_request_expenses WHERE id = ?1 AND request_id = ?2",
            params![expense.0, request.0],
        )?;
        Ok(())
    }
}
