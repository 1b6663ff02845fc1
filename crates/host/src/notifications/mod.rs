//! The Event Notification queue: notifications as stored, the dispatcher
//! that delivers them, retries with backoff, and their metrics.
//!
//! The workflow queues notifications in the transaction of a step change
//! ([`crate::store::WorkflowStore::change_step`]). The [`NotificationDispatcher`]
//! then sends each registration's notifications one at a time, oldest
//! first, and marks one delivered only when the connector responds `200`.

mod admin;
mod backoff;
mod dispatcher;
mod metrics;
mod model;

pub use admin::{MAX_LISTED_NOTIFICATIONS, NotificationAdmin, NotificationAdminError};
pub use backoff::retry_delay;
pub use dispatcher::{NotificationDispatcher, NotificationWaker};
pub use model::{
    Attempt, AttemptOutcome, Lease, NewNotification, NotificationId, NotificationStatus,
    QueueStats, Removal, StoredNotification,
};
