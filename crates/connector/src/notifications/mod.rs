//! Event notifications: durable intake, and validation through the host's web services.
//!
//! The receiver stores each notification in the connector's SQLite store
//! and responds `200` only after the commit. When validation rules are
//! configured, the worker takes the stored notifications in arrival order,
//! reads each object from the host with an OAuth access token, applies the
//! rules and sends the decision back. A notification is marked done only
//! after the host accepted the decision, so one left unfinished by a crash
//! is processed again after the restart.

mod amount;
mod decision;
mod dedup;
pub(crate) mod host;
mod object;
mod process;
mod receive;
mod retry;
mod rules;
mod worker;

use std::time::{SystemTime, UNIX_EPOCH};

pub use amount::Amount;
pub use dedup::dedup_key;
pub use host::TOKEN_PATH;
pub(crate) use receive::{Intake, receive_notification};
pub use worker::NotificationWorker;

/// Returns the wall-clock time as Unix milliseconds, the unit the queue stores.
pub(crate) fn now_ms() -> i64 {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
}
