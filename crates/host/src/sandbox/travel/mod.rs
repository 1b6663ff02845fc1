//! Travel requests: a trip's name, purpose and dates, and the expenses the
//! traveller expects, each checking the employee role and ownership first.

pub mod model;

use std::sync::Arc;

use time::OffsetDateTime;

use self::model::{
    ExpectedExpenseId, NewTravelRequest, TravelRequest, TravelRequestId, TravelRequestSummary,
};
use super::expenses::{
    EntryInput, ExpenseError, MAX_ENTRIES_PER_REPORT, MAX_REPORTS_PER_EMPLOYEE, ensure_editable,
    parse_fields, require_employee,
};
use super::values::{BusinessPurpose, ReportName, parse_date};
use crate::domain::{Actor, FieldErrors};
use crate::store::HostStore;

/// The rule of an end date before the start date.
pub const END_BEFORE_START: &str = "must not be before the start date";

/// A travel request's fields as typed into the form.
#[derive(Debug, Clone, Default)]
pub struct TravelRequestInput {
    pub name: String,
    pub purpose: String,
    pub start_date: String,
    pub end_date: String,
}

/// The travel requests of every employee, reached through an [`Actor`].
pub struct TravelRequests {
    store: Arc<dyn HostStore>,
}

impl TravelRequests {
    pub fn new(store: Arc<dyn HostStore>) -> Self {
        TravelRequests { store }
    }

    /// Lists the actor's travel requests, newest first.
    pub async fn requests(&self, actor: &Actor) -> Result<Vec<TravelRequestSummary>, ExpenseError> {
        require_employee(actor)?;
        Ok(self
            .store
            .travel_requests(actor.company.id, actor.user.id)
            .await?)
    }

    /// Creates a travel request without expected expenses, kept by the actor.
    pub async fn create(
        &self,
        actor: &Actor,
        input: &TravelRequestInput,
    ) -> Result<TravelRequestId, ExpenseError> {
        require_employee(actor)?;
        let mut errors = FieldErrors::default();
        let name = errors.check("name", ReportName::parse(&input.name));
        let purpose = errors.check("purpose", BusinessPurpose::parse(&input.purpose));
        let start_date = errors.check("start_date", parse_date(&input.start_date));
        let end_date = errors.check("end_date", parse_date(&input.end_date));
        if let (Some(start), Some(end)) = (start_date, end_date)
            && end < start
        {
            errors.push("end_date", END_BEFORE_START);
        }
        let (Some(name), Some(purpose), Some(start_date), Some(end_date), true) =
            (name, purpose, start_date, end_date, errors.is_empty())
        else {
            return Err(ExpenseError::Invalid(errors));
        };
        let count = self
            .store
            .travel_requests(actor.company.id, actor.user.id)
            .await?
            .len();
        if count >= MAX_REPORTS_PER_EMPLOYEE {
            return Err(ExpenseError::invalid(
                "name",
                "cannot be added: an employee keeps at most 500 travel requests",
            ));
        }

        let request = NewTravelRequest {
            company_id: actor.company.id,
            owner: actor.user.id,
            name,
            purpose,
            start_date,
            end_date,
            created_at: OffsetDateTime::now_utc(),
        };
        let id = self.store.insert_travel_request(&request).await?;
        tracing::info!(
            travel_request_id = id.0,
            user_id = actor.user.id.0,
            "travel request created"
        );
        Ok(id)
    }

    /// Returns one of the actor's travel requests with its expected expenses.
    pub async fn request(
        &self,
        actor: &Actor,
        id: TravelRequestId,
    ) -> Result<TravelRequest, ExpenseError> {
        require_employee(actor)?;
        self.store
            .travel_request(actor.company.id, actor.user.id, id)
            .await?
            .ok_or(ExpenseError::NotFound)
    }

    /// Adds an expected expense; the input's list field is ignored.
    pub async fn add_expense(
        &self,
        actor: &Actor,
        id: TravelRequestId,
        input: &EntryInput,
    ) -> Result<ExpectedExpenseId, ExpenseError> {
        let request = self.request(actor, id).await?;
        ensure_editable(request.step)?;
        let mut errors = FieldErrors::default();
        let fields = parse_fields(input, &mut errors);
        let Some(fields) = fields.filter(|_| errors.is_empty()) else {
            return Err(ExpenseError::Invalid(errors));
        };
        if request.expenses.len() >= MAX_ENTRIES_PER_REPORT {
            return Err(ExpenseError::invalid(
                "expense_type",
                "cannot be added: a travel request has at most 200 expected expenses",
            ));
        }

        let expense = self
            .store
            .insert_expected_expense(request.id, &fields, OffsetDateTime::now_utc())
            .await?;
        tracing::info!(
            travel_request_id = id.0,
            expense_id = expense.0,
            "expected expense added"
        );
        Ok(expense)
    }

    /// Deletes an expected expense.
    pub async fn delete_expense(
        &self,
        actor: &Actor,
        id: TravelRequestId,
        expense: ExpectedExpenseId,
    ) -> Result<(), ExpenseError> {
        let request = self.request(actor, id).await?;
        ensure_editable(request.step)?;
        if !request.expenses.iter().any(|found| found.id == expense) {
            return Err(ExpenseError::NotFound);
        }
        self.store
            .delete_expected_expense(request.id, expense)
            .await?;
        tracing::info!(
            travel_request_id = id.0,
            expense_id = expense.0,
            "expected expense deleted"
        );
        Ok(())
    }
}
