//! Persistence of the notification queue. Notifications are inserted only
//! with the step change that queues them, through [`super::WorkflowStore`].

use time::OffsetDateTime;

use super::StoreError;
use crate::domain::CompanyId;
use crate::notifications::{
    Attempt, Lease, NotificationId, NotificationStatus, QueueStats, Removal, StoredNotification,
};

/// The notification queue. [`super::HostStore`] requires it.
///
/// Each registration's queued notifications go out one at a time, oldest
/// (lowest id) first. Only the oldest queued one of a registration, its
/// head, may be claimed, and only when its next attempt is due and no
/// unexpired lease is set on it. Claims are leases rather than locks, so that
/// several dispatchers on one database could share the queue.
#[async_trait::async_trait]
pub trait NotificationStore: Send + Sync {
    /// Claims up to `limit` due heads under `lease`, oldest first, and returns them.
    async fn claim_due_notifications(
        &self,
        now: OffsetDateTime,
        lease: &Lease,
        limit: usize,
    ) -> Result<Vec<StoredNotification>, StoreError>;

    /// Returns when the next head becomes claimable, `None` when nothing is queued.
    async fn next_notification_due(&self) -> Result<Option<OffsetDateTime>, StoreError>;

    /// Records an attempt and releases its lease, only while `attempt.lease_owner`
    /// still holds the notification; returns whether it did.
    async fn record_notification_attempt(&self, attempt: &Attempt) -> Result<bool, StoreError>;

    /// Notifications of `company` in any of `statuses`, oldest first, at most `limit`.
    async fn notifications(
        &self,
        company: CompanyId,
        statuses: &[NotificationStatus],
        limit: usize,
    ) -> Result<Vec<StoredNotification>, StoreError>;

    /// Returns one notification of `company`.
    async fn notification(
        &self,
        company: CompanyId,
        id: NotificationId,
    ) -> Result<Option<StoredNotification>, StoreError>;

    /// Queues a failed notification of `company` again with no attempts,
    /// due at `now`; returns whether it was failed and is queued now.
    async fn requeue_failed_notification(
        &self,
        company: CompanyId,
        id: NotificationId,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError>;

    /// Deletes a notification of `company` when its status is one of
    /// `allowed` and no lease holds it at `now`.
    async fn remove_notification(
        &self,
        company: CompanyId,
        id: NotificationId,
        allowed: &[NotificationStatus],
        now: OffsetDateTime,
    ) -> Result<Removal, StoreError>;

    /// Counts the queued and failed notifications of every company.
    async fn notification_queue_stats(&self) -> Result<QueueStats, StoreError>;

    /// Deletes delivered notifications delivered before `before`; returns how many.
    async fn prune_delivered_notifications(
        &self,
        before: OffsetDateTime,
    ) -> Result<u64, StoreError>;
}
