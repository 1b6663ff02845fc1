//! The durable queue of event notifications: what the receiver stores and the worker consumes.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use protocol::Notification;
use serde::Serialize;

use super::StoreError;

/// Processing state of a stored notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationStatus {
    /// Stored and not finished: waiting for its first or next attempt, or
    /// kept as it is when no validation rules are configured.
    Received,
    /// The decision reached the host.
    Done,
    /// Processing stopped on an error that retries did not clear.
    Failed,
    /// The object was no longer waiting for this notification's decision.
    Superseded,
}

impl NotificationStatus {
    /// Returns the name stored in the database and shown by the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationStatus::Received => "received",
            NotificationStatus::Done => "done",
            NotificationStatus::Failed => "failed",
            NotificationStatus::Superseded => "superseded",
        }
    }
}

impl fmt::Display for NotificationStatus {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl FromStr for NotificationStatus {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "received" => Ok(NotificationStatus::Received),
            "done" => Ok(NotificationStatus::Done),
            "failed" => Ok(NotificationStatus::Failed),
            "superseded" => Ok(NotificationStatus::Superseded),
            other => Err(format!(
                "unknown notification status `{other}`, expected received, done, failed or superseded"
            )),
        }
    }
}

/// Result of storing a notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enqueued {
    /// A new row, committed, with its id.
    Stored(i64),
    /// An equal notification is already waiting to be processed; nothing was written.
    Duplicate(i64),
}

/// A notification taken for an attempt.
#[derive(Debug, Clone)]
pub struct PendingNotification {
    pub id: i64,
    pub notification: Notification,
    /// Attempts so far, this one included.
    pub attempts: u32,
    /// Whether an earlier attempt sent a decision to the host, which may
    /// have been carried out although its response never arrived.
    pub decision_sent: bool,
}

/// End of the processing of a notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Completion {
    /// The decision reached the host; `decision` names it (`approve`,
    /// `send_back`, `exceptions`), with what the host learned.
    Done { decision: String },
    /// The object was not waiting for this notification, for `reason`.
    Superseded { reason: String },
    /// Processing gave up because of `error`.
    Failed { error: String },
}

/// A stored notification as the command line lists it. Times are UTC in RFC 3339 form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotificationRecord {
    pub id: i64,
    pub status: NotificationStatus,
    pub attempts: u32,
    pub received_at: String,
    /// When the next attempt may start; only while received and processing is on.
    pub next_attempt_at: Option<String>,
    pub finished_at: Option<String>,
    pub event_type: String,
    pub object_type: String,
    pub object_uri: String,
    pub event_date_time: String,
    pub context: String,
    /// The decision sent, for a done notification.
    pub decision: Option<String>,
    /// The last error, or why the notification was superseded.
    pub last_error: Option<String>,
}

/// The queue. Every change is committed (WAL, `synchronous = FULL`) before
/// the method returns, so that it survives a crash of the process or the machine.
#[async_trait::async_trait]
pub trait NotificationQueue: Send + Sync + 'static {
    /// Stores a notification received at `received_at_ms` (Unix time in
    /// milliseconds), unless one with the same `dedup_key` is still waiting.
    async fn enqueue(
        &self,
        notification: &Notification,
        dedup_key: &str,
        received_at_ms: i64,
    ) -> Result<Enqueued, StoreError>;

    /// Takes the oldest notification whose next attempt is due at `now_ms`
    /// and that no earlier unfinished notification of the same object
    /// precedes, and counts the attempt before returning it. The
    /// notification stays due until `schedule_retry` or `complete`, so the
    /// queue serves a single worker.
    async fn begin_next_attempt(
        &self,
        now_ms: i64,
    ) -> Result<Option<PendingNotification>, StoreError>;

    /// Returns the earliest time (Unix milliseconds) at which a waiting notification is due.
    async fn next_attempt_time(&self) -> Result<Option<i64>, StoreError>;

    /// Returns how long a claim of [`begin_next_attempt`] keeps other
    /// workers away, or `None` for a queue that serves a single worker and
    /// makes no claims.
    ///
    /// [`begin_next_attempt`]: NotificationQueue::begin_next_attempt
    fn claim_lease(&self) -> Option<Duration> {
        None
    }

    /// Sets the lease of later claims; a queue without claims ignores it.
    fn set_claim_lease(&self, _lease: Duration) {}

    /// Extends this worker's claim on notification `id` to one lease after
    /// `now_ms`. Returns false when the claim is no longer this worker's,
    /// because the lease ended and another worker took it, or it finished.
    async fn extend_claim(&self, _id: i64, _now_ms: i64) -> Result<bool, StoreError> {
        Ok(true)
    }

    /// Records that a decision is about to be sent for notification `id`.
    async fn mark_decision_sent(&self, id: i64) -> Result<(), StoreError>;

    /// Keeps notification `id` waiting until `at_ms`, recording `error`.
    async fn schedule_retry(&self, id: i64, at_ms: i64, error: &str) -> Result<(), StoreError>;

    /// Ends the processing of notification `id` at `now_ms`.
    async fn complete(
        &self,
        id: i64,
        completion: &Completion,
        now_ms: i64,
    ) -> Result<(), StoreError>;

    /// Lists the newest `limit` notifications, with `status` when given, in arrival order.
    async fn list_notifications(
        &self,
        status: Option<NotificationStatus>,
        limit: usize,
    ) -> Result<Vec<NotificationRecord>, StoreError>;
}
