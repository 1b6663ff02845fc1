//! Notifications as queued and stored, and the outcome of one delivery attempt.

use protocol::Notification;
use time::OffsetDateTime;

use crate::domain::{CompanyId, RegistrationId};
use crate::workflow::ObjectRef;

/// Identifier of a notification; part of its URL in the notification API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NotificationId(pub i64);

/// The status of a notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotificationStatus {
    /// Waiting for its first or next attempt, or being sent.
    Queued,
    /// The connector responded `200`.
    Delivered,
    /// Every attempt failed until the attempt or age limit; an
    /// administrator may queue it again or delete it.
    Failed,
}

impl NotificationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationStatus::Queued => "queued",
            NotificationStatus::Delivered => "delivered",
            NotificationStatus::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<NotificationStatus> {
        [
            NotificationStatus::Queued,
            NotificationStatus::Delivered,
            NotificationStatus::Failed,
        ]
        .into_iter()
        .find(|status| status.as_str() == text)
    }
}

/// A notification to queue for one registration's connector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotification {
    pub company_id: CompanyId,
    pub registration_id: RegistrationId,
    /// The object whose step change the notification reports.
    pub object: ObjectRef,
    pub notification: Notification,
    pub created_at: OffsetDateTime,
}

/// A notification as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredNotification {
    pub id: NotificationId,
    pub company_id: CompanyId,
    pub registration_id: RegistrationId,
    pub object: ObjectRef,
    pub notification: Notification,
    pub status: NotificationStatus,
    /// Attempts since it was queued last; a retry by an administrator resets them.
    pub attempts: u32,
    /// When it was created, or queued again by an administrator; its age counts from here.
    pub queued_at: OffsetDateTime,
    /// Earliest time of the next attempt, while queued.
    pub next_attempt_at: OffsetDateTime,
    pub last_attempt_at: Option<OffsetDateTime>,
    /// Why the latest attempt failed: a stable code and a sentence, never a credential.
    pub last_error: Option<String>,
    pub created_at: OffsetDateTime,
    pub delivered_at: Option<OffsetDateTime>,
    /// End of the claim of the dispatcher that is sending it, if any.
    pub lease_until: Option<OffsetDateTime>,
}

impl StoredNotification {
    /// Returns whether a dispatcher's unexpired lease is set on it at `now`.
    pub fn in_flight(&self, now: OffsetDateTime) -> bool {
        self.status == NotificationStatus::Queued
            && self.lease_until.is_some_and(|until| until > now)
    }
}

/// A dispatcher's claim on the notifications it sends, until `until`. Once
/// the claim expires, as after a crash, any dispatcher may claim them again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// Random id of the dispatcher, so that a late result of an expired
    /// claim does not overwrite the result of the next one.
    pub owner: String,
    pub until: OffsetDateTime,
}

/// The outcome of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptOutcome {
    Delivered,
    Retry {
        next_attempt_at: OffsetDateTime,
        error: String,
    },
    Failed {
        error: String,
    },
}

impl AttemptOutcome {
    /// Returns the outcome's name in logs and metrics.
    pub fn as_str(&self) -> &'static str {
        match self {
            AttemptOutcome::Delivered => "delivered",
            AttemptOutcome::Retry { .. } => "retry",
            AttemptOutcome::Failed { .. } => "failed",
        }
    }
}

/// The result of one attempt, to record under the lease that sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub id: NotificationId,
    pub lease_owner: String,
    /// Attempts including this one.
    pub attempts: u32,
    pub at: OffsetDateTime,
    pub outcome: AttemptOutcome,
}

/// Counts of the queue, for the metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueStats {
    pub queued: u64,
    pub failed: u64,
    /// When the oldest queued notification was queued.
    pub oldest_queued_at: Option<OffsetDateTime>,
}

/// The result of removing a notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    Removed,
    /// No such notification in the company.
    NotFound,
    /// The notification is in a status that may not be removed, or it is being sent.
    Refused {
        status: NotificationStatus,
        in_flight: bool,
    },
}
