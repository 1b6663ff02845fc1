//! Travel requests as stored: the trip and its expected expenses.

use time::{Date, OffsetDateTime};

use crate::domain::{CompanyId, UserId};
use crate::sandbox::model::EntryFields;
use crate::sandbox::values::{BusinessPurpose, ReportName};
use crate::workflow::Step;

/// Identifier of a travel request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TravelRequestId(pub i64);

/// Identifier of an expected expense of a travel request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ExpectedExpenseId(pub i64);

/// A travel request as listed: without its expected expenses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TravelRequestSummary {
    pub id: TravelRequestId,
    pub name: ReportName,
    pub start_date: Date,
    pub end_date: Date,
    pub expense_count: u64,
    pub step: Step,
    pub created_at: OffsetDateTime,
}

/// A trip an employee requests, with the expenses they expect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TravelRequest {
    pub id: TravelRequestId,
    pub company_id: CompanyId,
    /// The employee who created the request; only they may change it.
    pub owner: UserId,
    pub name: ReportName,
    pub purpose: BusinessPurpose,
    pub start_date: Date,
    /// Not before `start_date`.
    pub end_date: Date,
    pub created_at: OffsetDateTime,
    pub step: Step,
    /// The comment of the latest send-back, while `step` is `SENT_BACK`.
    pub sent_back_comment: Option<String>,
    pub expenses: Vec<ExpectedExpense>,
}

/// One expense a traveller expects: its type, date, amount and purpose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedExpense {
    pub id: ExpectedExpenseId,
    pub fields: EntryFields,
}

/// A travel request to insert; the store assigns the id.
#[derive(Debug, Clone)]
pub struct NewTravelRequest {
    pub company_id: CompanyId,
    pub owner: UserId,
    pub name: ReportName,
    pub purpose: BusinessPurpose,
    pub start_date: Date,
    pub end_date: Date,
    pub created_at: OffsetDateTime,
}
