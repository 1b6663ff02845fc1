//! Travel requests and their expected expenses in PostgreSQL.

use sqlx::Row;
use time::OffsetDateTime;

use super::{PostgresHostStore, from_millis, to_millis, workflow};
use crate::domain::{CompanyId, UserId};
use crate::sandbox::model::EntryFields;
use crate::sandbox::travel::model::{
    ExpectedExpense, ExpectedExpenseId, NewTravelRequest, TravelRequest, TravelRequestId,
    TravelRequestSummary,
};
use crate::sandbox::values::{BusinessPurpose, ReportName, format_date, parse_date};
use crate::store::entry_rows::FieldColumns;
use crate::store::travel::TravelStore;
use crate::store::{StoreError, invalid_value};
use crate::workflow::{ObjectRef, Step};

fn stored_date(text: &str) -> Result<time::Date, StoreError> {
    parse_date(text).map_err(|_| invalid_value("travel_requests.start_date"))
}

#[async_trait::async_trait]
impl TravelStore for PostgresHostStore {
    async fn insert_travel_request(
        &self,
        request: &NewTravelRequest,
    ) -> Result<TravelRequestId, StoreError> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO travel_requests (company_id, owner_user_id, name, purpose, start_date, end_date, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(request.company_id.0)
        .bind(request.owner.0)
        .bind(request.name.as_str())
        .bind(request.purpose.as_str())
        .bind(format_date(request.start_date))
        .bind(format_date(request.end_date))
        .bind(to_millis(request.created_at))
        .fetch_one(&self.pool)
        .await?;
        Ok(TravelRequestId(id))
    }

    async fn travel_requests(
        &self,
        company: CompanyId,
        owner: UserId,
    ) -> Result<Vec<TravelRequestSummary>, StoreError> {
        let rows = sqlx::query(
            "SELECT r.id, r.name, r.start_date, r.end_date, r.created_at, \
             (SELECT count(*) FROM travel_request_expenses AS e WHERE e.request_id = r.id), \
             coalesce(w.step, 'NOT_SUBMITTED') \
             FROM travel_requests AS r LEFT JOIN workflow_states AS w \
             ON w.object_type = 'TRAVELREQ' AND w.object_id = r.id \
             WHERE r.company_id = $1 AND r.owner_user_id = $2 ORDER BY r.id DESC",
        )
        .bind(company.0)
        .bind(owner.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let start: String = row.try_get(2)?;
                let end: String = row.try_get(3)?;
                let step: String = row.try_get(6)?;
                Ok(TravelRequestSummary {
                    id: TravelRequestId(row.try_get(0)?),
                    name: ReportName::from_stored(row.try_get(1)?),
                    start_date: stored_date(&start)?,
                    end_date: stored_date(&end)?,
                    expense_count: row.try_get::<i64, _>(5)?.try_into().unwrap_or(0),
                    step: Step::parse(&step)
                        .ok_or_else(|| invalid_value("workflow_states.step"))?,
                    created_at: from_millis(row.try_get(4)?),
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
        let found = sqlx::query(
            "SELECT id, company_id, owner_user_id, name, purpose, start_date, end_date, created_at \
             FROM travel_requests WHERE company_id = $1 AND owner_user_id = $2 AND id = $3",
        )
        .bind(company.0)
        .bind(owner.0)
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = found else {
            return Ok(None);
        };
        let id: i64 = row.try_get(0)?;
        let rows = sqlx::query(
            "SELECT id, expense_type, transaction_date, amount_cents, currency, business_purpose \
             FROM travel_request_expenses WHERE request_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let expenses = rows
            .iter()
            .map(|expense| {
                let columns = FieldColumns {
                    expense_type: expense.try_get(1)?,
                    transaction_date: expense.try_get(2)?,
                    amount_cents: expense.try_get(3)?,
                    currency: expense.try_get(4)?,
                    business_purpose: expense.try_get(5)?,
                };
                Ok(ExpectedExpense {
                    id: ExpectedExpenseId(expense.try_get(0)?),
                    fields: columns.into_fields("travel_request_expenses")?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let (step, sent_back_comment) =
            workflow::state_of(&self.pool, ObjectRef::travel_request(id)).await?;
        let start: String = row.try_get(5)?;
        let end: String = row.try_get(6)?;
        Ok(Some(TravelRequest {
            id: TravelRequestId(id),
            company_id: CompanyId(row.try_get(1)?),
            owner: UserId(row.try_get(2)?),
            name: ReportName::from_stored(row.try_get(3)?),
            purpose: BusinessPurpose::from_stored(row.try_get(4)?),
            start_date: stored_date(&start)?,
            end_date: stored_date(&end)?,
            created_at: from_millis(row.try_get(7)?),
            step,
            sent_back_comment,
            expenses,
        }))
    }

    async fn insert_expected_expense(
        &self,
        request: TravelRequestId,
        fields: &EntryFields,
        at: OffsetDateTime,
    ) -> Result<ExpectedExpenseId, StoreError> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO travel_request_expenses \
             (request_id, expense_type, transaction_date, amount_cents, currency, business_purpose, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(request.0)
        .bind(fields.expense_type.as_str())
        .bind(format_date(fields.transaction_date))
        .bind(fields.amount.cents())
        .bind(fields.currency.as_str())
        .bind(fields.business_purpose.as_str())
        .bind(to_millis(at))
        .fetch_one(&self.pool)
        .await?;
        Ok(ExpectedExpenseId(id))
    }

    async fn delete_expected_expense(
        &self,
        request: TravelRequestId,
        expense: ExpectedExpenseId,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM travel_request_expenses WHERE id = $1 AND request_id = $2")
            .bind(expense.0)
            .bind(request.0)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
