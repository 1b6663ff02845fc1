//! The Fetch List and Fetch Attendee callouts the sandbox sends, behind a trait that tests can replace.

use protocol::{AttendeeSearchRequest, FetchListRequest};

use crate::dispatch::{AttendeeResults, CalloutFailure, Dispatcher, ListResults};
use crate::domain::{Actor, RegistrationId};

/// Sends the search callouts of expense entries. [`Dispatcher`] sends them
/// to connectors; a test can substitute a fake that records the requests.
#[async_trait::async_trait]
pub trait ExpenseCallouts: Send + Sync + 'static {
    /// Sends Fetch List to the registration's fetch-list service.
    async fn fetch_list(
        &self,
        actor: &Actor,
        registration_id: RegistrationId,
        request: &FetchListRequest,
    ) -> Result<ListResults, CalloutFailure>;

    /// Sends Fetch Attendee to the registration's fetch-attendee service.
    async fn fetch_attendees(
        &self,
        actor: &Actor,
        registration_id: RegistrationId,
        request: &AttendeeSearchRequest,
    ) -> Result<AttendeeResults, CalloutFailure>;
}

#[async_trait::async_trait]
impl ExpenseCallouts for Dispatcher {
    async fn fetch_list(
        &self,
        actor: &Actor,
        registration_id: RegistrationId,
        request: &FetchListRequest,
    ) -> Result<ListResults, CalloutFailure> {
        Dispatcher::fetch_list(self, actor, registration_id, request).await
    }

    async fn fetch_attendees(
        &self,
        actor: &Actor,
        registration_id: RegistrationId,
        request: &AttendeeSearchRequest,
    ) -> Result<AttendeeResults, CalloutFailure> {
        Dispatcher::fetch_attendees(self, actor, registration_id, request).await
    }
}
