//! Persistence of the last Verify services report of each registration,
//! and of the runs in progress.

use time::OffsetDateTime;

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

    /// Marks a run of `registration` by `owner` as in progress until
    /// `lease_until`, unless another run holds an unexpired lease at
    /// `now`; returns whether the run may start. The mark is in the
    /// database, so that host instances sharing it run one at a time.
    async fn start_verification_run(
        &self,
        registration: RegistrationId,
        owner: &str,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
    ) -> Result<bool, StoreError>;

    /// Removes the mark of `owner`'s run; a mark that another run took
    /// over after the lease ended stays.
    async fn finish_verification_run(
        &self,
        registration: RegistrationId,
        owner: &str,
    ) -> Result<(), StoreError>;
}
