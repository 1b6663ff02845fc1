//! Persistence of the last Verify services report of each registration.

use crate::domain::{AuditEntry, CompanyId, RegistrationId, Verification};

use super::StoreError;

/// The last verification of each registration. [`super::HostStore`]
/// requires it, so that every store keeps the reports.
#[async_trait::async_trait]
pub trait VerificationStore: Send + Sync {
    /// Appends `audit` to the audit trail of `registration` and, when a
    /// run completed, replaces its stored verification with
    /// `verification`, in one transaction. `None` (a run that timed out)
    /// keeps the stored verification.
    async fn record_verification(
        &self,
        registration: RegistrationId,
        verification: Option<&Verification>,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;

    /// Returns the last verification of `registration`, and none when it
    /// has none or does not belong to `company`.
    async fn last_verification(
        &self,
        company: CompanyId,
        registration: RegistrationId,
    ) -> Result<Option<Verification>, StoreError>;
}
