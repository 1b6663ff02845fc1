//! The notification queue on PostgreSQL, shared by every connector instance
//! on the database.
//!
//! An instance claims a notification for an attempt by locking its row
//! (`FOR UPDATE SKIP LOCKED`, so concurrent claims pass over each other's
//! rows) and recording its instance id and a lease end. Other instances skip
//! a claimed notification until its lease ends, which covers an instance
//! that stopped during an attempt. The claiming instance takes it again on
//! its next call, as the single worker of the SQLite store does.

use protocol::{EventDateTime, Notification, ObjectType};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};

use super::PostgresStore;
use crate::store::{
    Completion, Enqueued, NotificationQueue, NotificationRecord, NotificationStatus,
    PendingNotification, StoreError,
};

/// Waiting notifications that no earlier waiting notification of the same
/// object precedes, so that one object's notifications are processed in
/// arrival order even while the earlier one waits for a retry or is
/// claimed by another instance.
///
/// NOTE: arrival order is id order. Two notifications of one object that
/// two instances store within the same moment can commit in the other order
/// than their ids, so a worker may take the later one first.
const ELIGIBLE: &str = "status = 'received' AND NOT EXISTS (
        SELECT 1 FROM notifications AS earlier
        WHERE earlier.status = 'received'
          AND earlier.object_uri = candidate.object_uri
          AND earlier.id < candidate.id)";

/// Renders a Unix-millisecond column as RFC 3339 UTC text, with
/// milliseconds, as the SQLite store does.
fn utc(column: &str) -> String {
    format!(
        "to_char(to_timestamp({column} / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
    )
}

fn invalid_row(message: String) -> StoreError {
    StoreError::Database(message.into())
}

const PENDING_COLUMNS: &str = "id, event_type, object_type, object_uri, event_date_time, context, \
                               attempts, decision_sent";

/// Reads a row of [`PENDING_COLUMNS`]; an error names a row the connector
/// did not write, such as one with an unknown object type.
fn read_pending(row: &PgRow) -> Result<PendingNotification, StoreError> {
    let id: i64 = row.try_get(0)?;
    let object_type: String = row.try_get(2)?;
    let event_date_time: String = row.try_get(4)?;
    let attempts: i32 = row.try_get(6)?;

    let Some(object_type) = ObjectType::from_code(&object_type) else {
        return Err(invalid_row(format!(
            "notification {id} has the unknown object type {object_type:?}"
        )));
    };
    let event_date_time = EventDateTime::parse(&event_date_time).map_err(|rule| {
        invalid_row(format!(
            "notification {id} has an invalid EventDateTime: {rule}"
        ))
    })?;
    Ok(PendingNotification {
        id,
        notification: Notification {
            event_type: row.try_get(1)?,
            object_type,
            object_uri: row.try_get(3)?,
            event_date_time,
            context: row.try_get(5)?,
        },
        attempts: u32::try_from(attempts).unwrap_or(0),
        decision_sent: row.try_get(7)?,
    })
}

impl PostgresStore {
    async fn list(
        &self,
        status: Option<NotificationStatus>,
        limit: usize,
    ) -> Result<Vec<NotificationRecord>, StoreError> {
        let query = format!(
            "SELECT id, status, attempts, {received},
                    CASE WHEN status = 'received' AND attempts > 0 THEN {next} END,
                    {finished}, event_type, object_type, object_uri, event_date_time, context,
                    decision, last_error
             FROM notifications
             WHERE $1::text IS NULL OR status = $1
             ORDER BY id DESC LIMIT $2",
            received = utc("received_at"),
            next = utc("next_attempt_at"),
            finished = utc("finished_at"),
        );
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = sqlx::query(&query)
            .bind(status.map(NotificationStatus::as_str))
            .bind(limit)
            .fetch_all(self.pool())
            .await?;

        let mut records = Vec::with_capacity(rows.len());
        for row in rows {
            let status: String = row.try_get(1)?;
            let attempts: i32 = row.try_get(2)?;
            records.push(NotificationRecord {
                id: row.try_get(0)?,
                status: status.parse().map_err(invalid_row)?,
                attempts: u32::try_from(attempts).unwrap_or(0),
                received_at: row.try_get(3)?,
                next_attempt_at: row.try_get(4)?,
                finished_at: row.try_get(5)?,
                event_type: row.try_get(6)?,
                object_type: row.try_get(7)?,
                object_uri: row.try_get(8)?,
                event_date_time: row.try_get(9)?,
                context: row.try_get(10)?,
                decision: row.try_get(11)?,
                last_error: row.try_get(12)?,
            });
        }
        records.reverse();
        Ok(records)
    }

    /// Claims the oldest eligible notification that is due at `now_ms` and
    /// not claimed by another instance, and counts the attempt.
    async fn claim_next(
        &self,
        connection: &mut PgConnection,
        now_ms: i64,
    ) -> Result<Option<PendingNotification>, StoreError> {
        let query = format!(
            "SELECT {PENDING_COLUMNS} FROM notifications AS candidate
             WHERE {ELIGIBLE} AND next_attempt_at <= $1
               AND (claimed_by IS NULL OR claimed_by = $2 OR lease_expires_at <= $1)
             ORDER BY id LIMIT 1
             FOR UPDATE SKIP LOCKED"
        );
        let row = sqlx::query(&query)
            .bind(now_ms)
            .bind(self.instance_id())
            .fetch_optional(&mut *connection)
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let mut pending = read_pending(&row)?;

        sqlx::query(
            "UPDATE notifications
             SET attempts = attempts + 1, claimed_by = $2, lease_expires_at = $3
             WHERE id = $1",
        )
        .bind(pending.id)
        .bind(self.instance_id())
        .bind(now_ms.saturating_add(self.claim_lease_ms()))
        .execute(connection)
        .await?;
        pending.attempts += 1;
        Ok(Some(pending))
    }

    /// Logs an update of a taken notification that changed nothing, because
    /// this instance no longer holds its claim: the lease ended and another
    /// instance claimed it, or it already finished.
    fn warn_if_claim_lost(&self, id: i64, updated: u64, what: &str) {
        if updated == 0 {
            tracing::warn!(
                id,
                instance = %self.instance_id(),
                "did not store the {what} of a notification: this instance no longer holds its claim"
            );
        }
    }
}

#[async_trait::async_trait]
impl NotificationQueue for PostgresStore {
    async fn enqueue(
        &self,
        notification: &Notification,
        dedup_key: &str,
        received_at_ms: i64,
    ) -> Result<Enqueued, StoreError> {
        // The partial unique index on waiting notifications decides between
        // concurrent equal enqueues: one inserts, the others find its row.
        // That row can finish before they read it, so they try again.
        for _ in 0..3 {
            let stored: Option<i64> = sqlx::query_scalar(
                "INSERT INTO notifications (dedup_key, event_type, object_type, object_uri,
                     event_date_time, context, received_at, next_attempt_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
                 ON CONFLICT (dedup_key) WHERE status = 'received' DO NOTHING
                 RETURNING id",
            )
            .bind(dedup_key)
            .bind(&notification.event_type)
            .bind(notification.object_type.as_str())
            .bind(&notification.object_uri)
            .bind(notification.event_date_time.to_string())
            .bind(&notification.context)
            .bind(received_at_ms)
            .fetch_optional(self.pool())
            .await?;
            if let Some(id) = stored {
                return Ok(Enqueued::Stored(id));
            }
            let waiting: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM notifications WHERE dedup_key = $1 AND status = 'received'",
            )
            .bind(dedup_key)
            .fetch_optional(self.pool())
            .await?;
            if let Some(id) = waiting {
                return Ok(Enqueued::Duplicate(id));
            }
        }
        Err(StoreError::Database(
            "an equal notification kept finishing while this one was stored; try again".into(),
        ))
    }

    async fn begin_next_attempt(
        &self,
        now_ms: i64,
    ) -> Result<Option<PendingNotification>, StoreError> {
        let mut transaction = self.pool().begin().await?;
        let result = self.claim_next(&mut transaction, now_ms).await;
        super::finish(transaction, result).await
    }

    async fn next_attempt_time(&self) -> Result<Option<i64>, StoreError> {
        // A notification that another instance claimed is due for this
        // one only when the lease ends.
        let query = format!(
            "SELECT min(CASE WHEN claimed_by IS NOT NULL AND claimed_by <> $1
                             THEN greatest(next_attempt_at, lease_expires_at)
                             ELSE next_attempt_at END)
             FROM notifications AS candidate WHERE {ELIGIBLE}"
        );
        let next: Option<i64> = sqlx::query_scalar(&query)
            .bind(self.instance_id())
            .fetch_one(self.pool())
            .await?;
        Ok(next)
    }

    fn claim_lease(&self) -> Option<std::time::Duration> {
        Some(std::time::Duration::from_millis(
            u64::try_from(self.claim_lease_ms()).unwrap_or(0),
        ))
    }

    fn set_claim_lease(&self, lease: std::time::Duration) {
        PostgresStore::set_claim_lease(self, lease);
    }

    async fn extend_claim(&self, id: i64, now_ms: i64) -> Result<bool, StoreError> {
        let updated = sqlx::query(
            "UPDATE notifications SET lease_expires_at = $3
             WHERE id = $1 AND status = 'received' AND claimed_by = $2",
        )
        .bind(id)
        .bind(self.instance_id())
        .bind(now_ms.saturating_add(self.claim_lease_ms()))
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(updated == 1)
    }

    async fn mark_decision_sent(&self, id: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE notifications SET decision_sent = TRUE WHERE id = $1")
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    async fn schedule_retry(&self, id: i64, at_ms: i64, error: &str) -> Result<(), StoreError> {
        let updated = sqlx::query(
            "UPDATE notifications
             SET next_attempt_at = $2, last_error = $3, claimed_by = NULL, lease_expires_at = NULL
             WHERE id = $1 AND status = 'received' AND (claimed_by IS NULL OR claimed_by = $4)",
        )
        .bind(id)
        .bind(at_ms)
        .bind(error)
        .bind(self.instance_id())
        .execute(self.pool())
        .await?
        .rows_affected();
        self.warn_if_claim_lost(id, updated, "retry time");
        Ok(())
    }

    async fn complete(
        &self,
        id: i64,
        completion: &Completion,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let (status, decision, error) = match completion {
            Completion::Done { decision } => (NotificationStatus::Done, Some(decision), None),
            Completion::Superseded { reason } => {
                (NotificationStatus::Superseded, None, Some(reason))
            }
            Completion::Failed { error } => (NotificationStatus::Failed, None, Some(error)),
        };
        // A done notification keeps the error of its last failed attempt, if any.
        let updated = sqlx::query(
            "UPDATE notifications
             SET status = $2, decision = $3, last_error = coalesce($4, last_error),
                 finished_at = $5, claimed_by = NULL, lease_expires_at = NULL
             WHERE id = $1 AND (claimed_by IS NULL OR claimed_by = $6)",
        )
        .bind(id)
        .bind(status.as_str())
        .bind(decision)
        .bind(error)
        .bind(now_ms)
        .bind(self.instance_id())
        .execute(self.pool())
        .await?
        .rows_affected();
        self.warn_if_claim_lost(id, updated, "end of processing");
        Ok(())
    }

    async fn list_notifications(
        &self,
        status: Option<NotificationStatus>,
        limit: usize,
    ) -> Result<Vec<NotificationRecord>, StoreError> {
        self.list(status, limit).await
    }
}
