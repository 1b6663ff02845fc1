//! The notification queue on SQLite: one row per notification, changed only by committed transactions.

use protocol::{EventDateTime, Notification, ObjectType};
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};

use super::{ReadTransaction, SqliteStore, run_blocking};
use crate::store::{
    Completion, Enqueued, NotificationQueue, NotificationRecord, NotificationStatus,
    PendingNotification, StoreError,
};

/// Waiting notifications that no earlier waiting notification of the same
/// object precedes, so that one object's notifications are processed in
/// arrival order even while the earlier one waits for a retry.
const ELIGIBLE: &str = "status = 'received' AND NOT EXISTS (
        SELECT 1 FROM notifications AS earlier
        WHERE earlier.status = 'received'
          AND earlier.object_uri = candidate.object_uri
          AND earlier.id < candidate.id)";

/// Renders a Unix-millisecond column as RFC 3339 UTC text.
fn utc(column: &str) -> String {
    format!("strftime('%Y-%m-%dT%H:%M:%fZ', {column} / 1000.0, 'unixepoch')")
}

fn invalid_row(message: String) -> StoreError {
    StoreError::Database(message.into())
}

fn enqueue(
    connection: &mut Connection,
    notification: &Notification,
    dedup_key: &str,
    received_at_ms: i64,
) -> Result<Enqueued, StoreError> {
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let waiting: Option<i64> = transaction
        .prepare_cached(
            "SELECT id FROM notifications WHERE dedup_key = ?1 AND status = 'received'",
        )?
        .query_row([dedup_key], |row| row.get(0))
        .optional()?;
    if let Some(id) = waiting {
        return Ok(Enqueued::Duplicate(id));
    }

    transaction
        .prepare_cached(
            "INSERT INTO notifications (dedup_key, event_type, object_type, object_uri,
                 event_date_time, context, received_at, next_attempt_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
        )?
        .execute(params![
            dedup_key,
            notification.event_type,
            notification.object_type.as_str(),
            notification.object_uri,
            notification.event_date_time.to_string(),
            notification.context,
            received_at_ms,
        ])?;
    let id = transaction.last_insert_rowid();
    transaction.commit()?;
    Ok(Enqueued::Stored(id))
}

fn begin_next_attempt(
    connection: &mut Connection,
    now_ms: i64,
) -> Result<Option<PendingNotification>, StoreError> {
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let query = format!(
        "SELECT id, event_type, object_type, object_uri, event_date_time, context,
                attempts, decision_sent
         FROM notifications AS candidate
         WHERE {ELIGIBLE} AND next_attempt_at <= ?1
         ORDER BY id LIMIT 1"
    );
    let found = transaction
        .prepare_cached(&query)?
        .query_row([now_ms], read_pending)
        .optional()?;
    let Some(pending) = found else {
        return Ok(None);
    };
    let mut pending = pending?;

    transaction
        .prepare_cached("UPDATE notifications SET attempts = attempts + 1 WHERE id = ?1")?
        .execute([pending.id])?;
    transaction.commit()?;
    pending.attempts += 1;
    Ok(Some(pending))
}

/// Reads a row of [`begin_next_attempt`]; the inner error is a row the
/// connector did not write, such as an unknown object type.
fn read_pending(row: &Row<'_>) -> rusqlite::Result<Result<PendingNotification, StoreError>> {
    let id: i64 = row.get(0)?;
    let object_type: String = row.get(2)?;
    let event_date_time: String = row.get(4)?;
    let attempts: u32 = row.get(6)?;
    let decision_sent: bool = row.get(7)?;

    let Some(object_type) = ObjectType::from_code(&object_type) else {
        return Ok(Err(invalid_row(format!(
            "notification {id} has the unknown object type {object_type:?}"
        ))));
    };
    let event_date_time = match EventDateTime::parse(&event_date_time) {
        Ok(value) => value,
        Err(rule) => {
            return Ok(Err(invalid_row(format!(
                "notification {id} has an invalid EventDateTime: {rule}"
            ))));
        }
    };
    Ok(Ok(PendingNotification {
        id,
        notification: Notification {
            event_type: row.get(1)?,
            object_type,
            object_uri: row.get(3)?,
            event_date_time,
            context: row.get(5)?,
        },
        attempts,
        decision_sent,
    }))
}

fn next_attempt_time(connection: &Connection) -> Result<Option<i64>, StoreError> {
    let query =
        format!("SELECT min(next_attempt_at) FROM notifications AS candidate WHERE {ELIGIBLE}");
    Ok(connection
        .prepare_cached(&query)?
        .query_row([], |row| row.get(0))?)
}

fn complete(
    connection: &Connection,
    id: i64,
    completion: &Completion,
    now_ms: i64,
) -> Result<(), StoreError> {
    let (status, decision, error) = match completion {
        Completion::Done { decision } => (NotificationStatus::Done, Some(decision), None),
        Completion::Superseded { reason } => (NotificationStatus::Superseded, None, Some(reason)),
        Completion::Failed { error } => (NotificationStatus::Failed, None, Some(error)),
    };
    // A done notification keeps the error of its last failed attempt, if any.
    connection
        .prepare_cached(
            "UPDATE notifications
             SET status = ?2, decision = ?3, last_error = coalesce(?4, last_error),
                 finished_at = ?5
             WHERE id = ?1",
        )?
        .execute(params![id, status.as_str(), decision, error, now_ms])?;
    Ok(())
}

fn list(
    connection: &Connection,
    status: Option<NotificationStatus>,
    limit: usize,
) -> Result<Vec<NotificationRecord>, StoreError> {
    let query = format!(
        "SELECT id, status, attempts, {received}, 
                CASE WHEN status = 'received' AND attempts > 0 THEN {next} END,
                {finished}, event_type, object_type, object_uri, event_date_time, context,
                decision, last_error
         FROM notifications
         WHERE ?1 IS NULL OR status = ?1
         ORDER BY id DESC LIMIT ?2",
        received = utc("received_at"),
        next = utc("next_attempt_at"),
        finished = utc("finished_at"),
    );
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut statement = connection.prepare_cached(&query)?;
    let mut rows = statement.query(params![status.map(NotificationStatus::as_str), limit])?;

    let mut records = Vec::new();
    while let Some(row) = rows.next()? {
        let status: String = row.get(1)?;
        let status = status.parse().map_err(invalid_row)?;
        records.push(NotificationRecord {
            id: row.get(0)?,
            status,
            attempts: row.get(2)?,
            received_at: row.get(3)?,
            next_attempt_at: row.get(4)?,
            finished_at: row.get(5)?,
            event_type: row.get(6)?,
            object_type: row.get(7)?,
            object_uri: row.get(8)?,
            event_date_time: row.get(9)?,
            context: row.get(10)?,
            decision: row.get(11)?,
            last_error: row.get(12)?,
        });
    }
    records.reverse();
    Ok(records)
}

/// Tells whether the list has an item with exactly this long code.
pub(super) fn list_item_exists(
    connection: &Connection,
    list_name: &str,
    long_code: &str,
) -> Result<bool, StoreError> {
    let list_id: Option<i64> = connection
        .prepare_cached("SELECT id FROM lists WHERE name = ?1")?
        .query_row([list_name], |row| row.get(0))
        .optional()?;
    let Some(list_id) = list_id else {
        return Err(StoreError::ListNotFound(list_name.to_owned()));
    };
    Ok(connection
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM list_items WHERE list_id = ?1 AND long_code = ?2)",
        )?
        .query_row(params![list_id, long_code], |row| row.get(0))?)
}

impl SqliteStore {
    /// Lists notifications synchronously, for the command line.
    pub fn list_notifications_now(
        &self,
        status: Option<NotificationStatus>,
        limit: usize,
    ) -> Result<Vec<NotificationRecord>, StoreError> {
        let reader = self.reader();
        let snapshot = ReadTransaction::begin(&reader.connection)?;
        list(&snapshot, status, limit)
    }

    /// Looks up a list item synchronously.
    pub fn list_item_exists_now(&self, list_name: &str, long_code: &str) -> Result<bool, StoreError> {
        let reader = self.reader();
        let snapshot = ReadTransaction::begin(&reader.connection)?;
        list_item_exists(&snapshot, list_name, long_code)
    }
}

#[async_trait::async_trait]
impl NotificationQueue for SqliteStore {
    async fn enqueue(
        &self,
        notification: &Notification,
        dedup_key: &str,
        received_at_ms: i64,
    ) -> Result<Enqueued, StoreError> {
        let store = self.clone();
        let notification = notification.clone();
        let dedup_key = dedup_key.to_owned();
        run_blocking(move || enqueue(&mut store.writer(), &notification, &dedup_key, received_at_ms))
            .await
    }

    async fn begin_next_attempt(
        &self,
        now_ms: i64,
    ) -> Result<Option<PendingNotification>, StoreError> {
        let store = self.clone();
        run_blocking(move || begin_next_attempt(&mut store.writer(), now_ms)).await
    }

    async fn next_attempt_time(&self) -> Result<Option<i64>, StoreError> {
        let store = self.clone();
        run_blocking(move || next_attempt_time(&store.writer())).await
    }

    async fn mark_decision_sent(&self, id: i64) -> Result<(), StoreError> {
        let store = self.clone();
        run_blocking(move || {
            store
                .writer()
                .prepare_cached("UPDATE notifications SET decision_sent = 1 WHERE id = ?1")?
                .execute([id])?;
            Ok(())
        })
        .await
    }

    async fn schedule_retry(&self, id: i64, at_ms: i64, error: &str) -> Result<(), StoreError> {
        let store = self.clone();
        let error = error.to_owned();
        run_blocking(move || {
            store
                .writer()
                .prepare_cached(
                    "UPDATE notifications SET next_attempt_at = ?2, last_error = ?3
                     WHERE id = ?1 AND status = 'received'",
                )?
                .execute(params![id, at_ms, error])?;
            Ok(())
        })
        .await
    }

    async fn complete(
        &self,
        id: i64,
        completion: &Completion,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let store = self.clone();
        let completion = completion.clone();
        run_blocking(move || complete(&store.writer(), id, &completion, now_ms)).await
    }

    async fn list_notifications(
        &self,
        status: Option<NotificationStatus>,
        limit: usize,
    ) -> Result<Vec<NotificationRecord>, StoreError> {
        let store = self.clone();
        run_blocking(move || store.list_notifications_now(status, limit)).await
    }
}
