//! The notification queue in SQLite: claims, attempts, the administrators' list and removal.

use protocol::{EventDateTime, Notification, ObjectType};
use rusqlite::{
    Connection, OptionalExtension, Row, Transaction, TransactionBehavior, params, params_from_iter,
};
use time::OffsetDateTime;

use super::{SqliteHostStore, from_millis, invalid_value, to_millis};
use crate::domain::{CompanyId, RegistrationId};
use crate::notifications::{
    Attempt, AttemptOutcome, Lease, NewNotification, NotificationId, NotificationStatus,
    QueueStats, Removal, StoredNotification,
};
use crate::store::StoreError;
use crate::store::notifications::NotificationStore;
use crate::workflow::ObjectRef;

const COLUMNS: &str = "id, company_id, registration_id, object_type, object_id, event_type, object_uri, \
     event_date_time, context, status, attempts, queued_at, next_attempt_at, last_attempt_at, last_error, \
     lease_until, created_at, delivered_at";

/// The head of each registration's queue: its queued notification with the lowest id.
const HEADS: &str =
    "SELECT min(id) AS id FROM notifications WHERE status = 'queued' GROUP BY registration_id";

/// Inserts a queued notification, due at once; part of a step change's transaction.
pub(super) fn insert(
    transaction: &Transaction<'_>,
    new: &NewNotification,
) -> Result<NotificationId, StoreError> {
    let notification = &new.notification;
    let created_at = to_millis(new.created_at);
    transaction.execute(
        "INSERT INTO notifications (company_id, registration_id, object_type, object_id, event_type, object_uri, \
         event_date_time, context, status, attempts, queued_at, next_attempt_at, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'queued', 0, ?9, ?9, ?9)",
        params![
            new.company_id.0,
            new.registration_id.0,
            new.object.object_type.as_str(),
            new.object.id,
            notification.event_type,
            notification.object_uri,
            notification.event_date_time.to_string(),
            notification.context,
            created_at,
        ],
    )?;
    Ok(NotificationId(transaction.last_insert_rowid()))
}

#[async_trait::async_trait]
impl NotificationStore for SqliteHostStore {
    async fn claim_due_notifications(
        &self,
        now: OffsetDateTime,
        lease: &Lease,
        limit: usize,
    ) -> Result<Vec<StoredNotification>, StoreError> {
        let mut connection = self.connection();
        // IMMEDIATE takes the write lock before reading, so that two
        // processes on one database cannot claim the same notification.
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let ids: Vec<i64> = transaction
            .prepare_cached(&format!(
                "SELECT n.id FROM notifications AS n JOIN ({HEADS}) AS heads ON heads.id = n.id \
                 WHERE n.next_attempt_at <= ?1 AND (n.lease_until IS NULL OR n.lease_until <= ?1) \
                 ORDER BY n.id LIMIT ?2"
            ))?
            .query_map(
                params![to_millis(now), i64::try_from(limit).unwrap_or(i64::MAX)],
                |row| row.get(0),
            )?
            .collect::<Result<_, _>>()?;
        let mut claimed = Vec::with_capacity(ids.len());
        for id in ids {
            transaction.execute(
                "UPDATE notifications SET lease_owner = ?2, lease_until = ?3 WHERE id = ?1",
                params![id, lease.owner, to_millis(lease.until)],
            )?;
            if let Some(notification) = by_id(&transaction, id)? {
                claimed.push(notification);
            }
        }
        transaction.commit()?;
        Ok(claimed)
    }

    async fn next_notification_due(&self) -> Result<Option<OffsetDateTime>, StoreError> {
        let due: Option<i64> = self.connection().query_row(
            &format!(
                "SELECT min(max(n.next_attempt_at, coalesce(n.lease_until, 0))) \
                 FROM notifications AS n JOIN ({HEADS}) AS heads ON heads.id = n.id"
            ),
            [],
            |row| row.get(0),
        )?;
        Ok(due.map(from_millis))
    }

    async fn record_notification_attempt(&self, attempt: &Attempt) -> Result<bool, StoreError> {
        let at = to_millis(attempt.at);
        let attempts = i64::from(attempt.attempts);
        let keys = "WHERE id = ?1 AND status = 'queued' AND lease_owner = ?2";
        let connection = self.connection();
        let changed = match &attempt.outcome {
            AttemptOutcome::Delivered => connection.execute(
                &format!(
                    "UPDATE notifications SET status = 'delivered', attempts = ?3, last_attempt_at = ?4, \
                     delivered_at = ?4, last_error = NULL, lease_owner = NULL, lease_until = NULL {keys}"
                ),
                params![attempt.id.0, attempt.lease_owner, attempts, at],
            )?,
            AttemptOutcome::Retry { next_attempt_at, error } => connection.execute(
                &format!(
                    "UPDATE notifications SET attempts = ?3, last_attempt_at = ?4, next_attempt_at = ?5, \
                     last_error = ?6, lease_owner = NULL, lease_until = NULL {keys}"
                ),
                params![attempt.id.0, attempt.lease_owner, attempts, at, to_millis(*next_attempt_at), error],
            )?,
            AttemptOutcome::Failed { error } => connection.execute(
                &format!(
                    "UPDATE notifications SET status = 'failed', attempts = ?3, last_attempt_at = ?4, \
                     last_error = ?5, lease_owner = NULL, lease_until = NULL {keys}"
                ),
                params![attempt.id.0, attempt.lease_owner, attempts, at, error],
            )?,
        };
        Ok(changed == 1)
    }

    async fn notifications(
        &self,
        company: CompanyId,
        statuses: &[NotificationStatus],
        limit: usize,
    ) -> Result<Vec<StoredNotification>, StoreError> {
        if statuses.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders = vec!["?"; statuses.len()].join(", ");
        let connection = self.connection();
        let mut statement = connection.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM notifications WHERE company_id = ? AND status IN ({placeholders}) \
             ORDER BY id LIMIT ?"
        ))?;
        let mut values: Vec<rusqlite::types::Value> = vec![company.0.into()];
        values.extend(
            statuses
                .iter()
                .map(|status| status.as_str().to_owned().into()),
        );
        values.push(i64::try_from(limit).unwrap_or(i64::MAX).into());
        let rows = statement
            .query_map(params_from_iter(values), raw_row)?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().map(RawRow::into_notification).collect()
    }

    async fn notification(
        &self,
        company: CompanyId,
        id: NotificationId,
    ) -> Result<Option<StoredNotification>, StoreError> {
        let connection = self.connection();
        by_id(&connection, id.0)
            .map(|found| found.filter(|notification| notification.company_id == company))
    }

    async fn requeue_failed_notification(
        &self,
        company: CompanyId,
        id: NotificationId,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let changed = self.connection().execute(
            "UPDATE notifications SET status = 'queued', attempts = 0, queued_at = ?3, next_attempt_at = ?3, \
             last_error = NULL, lease_owner = NULL, lease_until = NULL \
             WHERE id = ?1 AND company_id = ?2 AND status = 'failed'",
            params![id.0, company.0, to_millis(now)],
        )?;
        Ok(changed == 1)
    }

    async fn remove_notification(
        &self,
        company: CompanyId,
        id: NotificationId,
        allowed: &[NotificationStatus],
        now: OffsetDateTime,
    ) -> Result<Removal, StoreError> {
        let mut connection = self.connection();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let Some(found) = by_id(&transaction, id.0)?.filter(|found| found.company_id == company)
        else {
            return Ok(Removal::NotFound);
        };
        let in_flight = found.in_flight(now);
        if in_flight || !allowed.contains(&found.status) {
            return Ok(Removal::Refused {
                status: found.status,
                in_flight,
            });
        }
        transaction.execute("DELETE FROM notifications WHERE id = ?1", [id.0])?;
        transaction.commit()?;
        Ok(Removal::Removed)
    }

    async fn notification_queue_stats(&self) -> Result<QueueStats, StoreError> {
        let connection = self.connection();
        let (queued, failed, oldest): (i64, i64, Option<i64>) = connection.query_row(
            "SELECT (SELECT count(*) FROM notifications WHERE status = 'queued'), \
             (SELECT count(*) FROM notifications WHERE status = 'failed'), \
             (SELECT min(queued_at) FROM notifications WHERE status = 'queued')",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )?;
        Ok(QueueStats {
            queued: queued.try_into().unwrap_or(0),
            failed: failed.try_into().unwrap_or(0),
            oldest_queued_at: oldest.map(from_millis),
        })
    }

    async fn prune_delivered_notifications(
        &self,
        before: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        let deleted = self.connection().execute(
            "DELETE FROM notifications WHERE status = 'delivered' AND delivered_at < ?1",
            [to_millis(before)],
        )?;
        Ok(deleted as u64)
    }
}

fn by_id(connection: &Connection, id: i64) -> Result<Option<StoredNotification>, StoreError> {
    let row = connection
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM notifications WHERE id = ?1"
        ))?
        .query_row([id], raw_row)
        .optional()?;
    row.map(RawRow::into_notification).transpose()
}

/// A notification row as read, before its text columns are checked.
struct RawRow {
    id: i64,
    company_id: i64,
    registration_id: i64,
    object_type: String,
    object_id: i64,
    event_type: String,
    object_uri: String,
    event_date_time: String,
    context: String,
    status: String,
    attempts: i64,
    queued_at: i64,
    next_attempt_at: i64,
    last_attempt_at: Option<i64>,
    last_error: Option<String>,
    lease_until: Option<i64>,
    created_at: i64,
    delivered_at: Option<i64>,
}

fn raw_row(row: &Row<'_>) -> rusqlite::Result<RawRow> {
    Ok(RawRow {
        id: row.get(0)?,
        company_id: row.get(1)?,
        registration_id: row.get(2)?,
        object_type: row.get(3)?,
        object_id: row.get(4)?,
        event_type: row.get(5)?,
        object_uri: row.get(6)?,
        event_date_time: row.get(7)?,
        context: row.get(8)?,
        status: row.get(9)?,
        attempts: row.get(10)?,
        queued_at: row.get(11)?,
        next_attempt_at: row.get(12)?,
        last_attempt_at: row.get(13)?,
        last_error: row.get(14)?,
        lease_until: row.get(15)?,
        created_at: row.get(16)?,
        delivered_at: row.get(17)?,
    })
}

impl RawRow {
    fn into_notification(self) -> Result<StoredNotification, StoreError> {
        let object_type = ObjectType::from_code(&self.object_type)
            .ok_or_else(|| invalid_value("notifications.object_type"))?;
        let event_date_time = EventDateTime::parse(&self.event_date_time)
            .map_err(|_| invalid_value("notifications.event_date_time"))?;
        let status = NotificationStatus::parse(&self.status)
            .ok_or_else(|| invalid_value("notifications.status"))?;
        Ok(StoredNotification {
            id: NotificationId(self.id),
            company_id: CompanyId(self.company_id),
            registration_id: RegistrationId(self.registration_id),
            object: ObjectRef {
                object_type,
                id: self.object_id,
            },
            notification: Notification {
                event_type: self.event_type,
                object_type,
                object_uri: self.object_uri,
                event_date_time,
                context: self.context,
            },
            status,
            attempts: u32::try_from(self.attempts).unwrap_or(u32::MAX),
            queued_at: from_millis(self.queued_at),
            next_attempt_at: from_millis(self.next_attempt_at),
            last_attempt_at: self.last_attempt_at.map(from_millis),
            last_error: self.last_error,
            created_at: from_millis(self.created_at),
            delivered_at: self.delivered_at.map(from_millis),
            lease_until: self.lease_until.map(from_millis),
        })
    }
}
