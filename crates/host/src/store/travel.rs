//! Persistence of travel requests and their expected expenses.

use time::OffsetDateTime;

use super::StoreError;
use crate::domain::{CompanyId, UserId};
use crate::sandbox::model::EntryFields;
use crate::sandbox::travel::model::{
    ExpectedExpenseId, NewTravelRequest, TravelRequest, TravelRequestId, TravelRequestSummary,
};

/// The travel requests of employees. [`super::HostStore`] requires it.
///
/// Like expense reports, requests are read only through their company and
/// owner, and expense operations name the request as well.
#[async_trait::async_trait]
pub trait TravelStore: Send + Sync {
    /// Inserts a request without expected expenses.
    async fn insert_travel_request(
        &self,
        request: &NewTravelRequest,
    ) -> Result<TravelRequestId, StoreError>;

    /// Requests of one employee, newest first.
    async fn travel_requests(
        &self,
        company: CompanyId,
        owner: UserId,
    ) -> Result<Vec<TravelRequestSummary>, StoreError>;

    /// Returns one request with its expected expenses, only when `owner` of `company` keeps it.
    async fn travel_request(
        &self,
        company: CompanyId,
        owner: UserId,
        id: TravelRequestId,
    ) -> Result<Option<TravelRequest>, StoreError>;

    /// Appends an expected expense to `request`.
    async fn insert_expected_expense(
        &self,
        request: TravelRequestId,
        fields: &EntryFields,
        at: OffsetDateTime,
    ) -> Result<ExpectedExpenseId, StoreError>;

    /// Deletes an expected expense of `request`.
    async fn delete_expected_expense(
        &self,
        request: TravelRequestId,
        expense: ExpectedExpenseId,
    ) -> Result<(), StoreError>;
}
