//! Persistence of the per-registration callout log.

use crate::domain::callout_log::CalloutRecord;
use crate::domain::{CompanyId, RegistrationId};

use super::StoreError;

/// The bounded log of callouts of each registration. [`super::HostStore`]
/// requires it, so that every store keeps the log.
#[async_trait::async_trait]
pub trait CalloutLogStore: Send + Sync {
    /// Appends `record` to the log of `registration`, then deletes its
    /// oldest entries beyond the newest `keep`, in one transaction.
    async fn record_callout(
        &self,
        registration: RegistrationId,
        record: &CalloutRecord,
        keep: usize,
    ) -> Result<(), StoreError>;

    /// Returns the newest `limit` entries of `registration`, newest first,
    /// and none when the registration does not belong to `company`.
    async fn recent_callouts(
        &self,
        company: CompanyId,
        registration: RegistrationId,
        limit: usize,
    ) -> Result<Vec<CalloutRecord>, StoreError>;
}
