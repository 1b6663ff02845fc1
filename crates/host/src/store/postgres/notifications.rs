//! The notification queue in PostgreSQL: claims, attempts, the
//! administrators' list and removal.
//!
//! Several host instances claim from one queue. A claim locks the due heads
//! it picks with `FOR UPDATE SKIP LOCKED`, so that two claims running at
//! once pick different rows, and sets a lease on them, so that no other
//! instance claims them until the lease ends or the attempt is recorded.

use protocol::{EventDateTime, Notification, ObjectType};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use time::OffsetDateTime;

use super::{PostgresHostStore, finish, from_millis, to_millis};
use crate::domain::{CompanyId, RegistrationId};
use crate::notifications::{
    Attempt, AttemptOutcome, Lease, NewNotification, NotificationId, NotificationStatus,
    QueueStats, Removal, StoredNotification,
};
use crate::store::notifications::NotificationStore;
use crate::store::{StoreError, invalid_value};
use crate::workflow::ObjectRef;

const COLUMNS: &str = "id, company_id, registration_id, object_type, object_id, event_type, object_uri, \
     event_date_time, context, status, attempts, queued_at, next_attempt_at, last_attempt_at, last_error, \
     lease_until, created_at, delivered_at";

/// The head of each registration's queue: its queued notification with the
/// lowest id. A later notification of a registration is never a head while
/// an earlier one is queued, leased or waiting for its retry.
///
/// The statements that use it start with `WITH {HEADS}`. `MATERIALIZED`
/// computes the heads once per statement. Without it, on a table without
/// statistics (new, or not yet analyzed), the planner may aggregate the
/// queue again for every queued row. A claim then took 200 ms with 1,000
/// notifications queued.
const HEADS: &str = "heads AS MATERIALIZED (SELECT min(id) AS id FROM notifications \
     WHERE status = 'queued' GROUP BY registration_id)";

/// Inserts a queued notification, due at once; part of a step change's transaction.
pub(super) async fn insert(
    transaction: &mut PgConnection,
    new: &NewNotification,
) -> Result<NotificationId, StoreError> {
    let notification = &new.notification;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO notifications (company_id, registration_id, object_type, object_id, event_type, object_uri, \
         event_date_time, context, status, attempts, queued_at, next_attempt_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'queued', 0, $9, $9, $9) RETURNING id",
    )
    .bind(new.company_id.0)
    .bind(new.registration_id.0)
    .bind(new.object.object_type.as_str())
    .bind(new.object.id)
    .bind(&notification.event_type)
    .bind(&notification.object_uri)
    .bind(notification.event_date_time.to_string())
    .bind(&notification.context)
    .bind(to_millis(new.created_at))
    .fetch_one(&mut *transaction)
    .await?;
    Ok(NotificationId(id))
}

#[async_trait::async_trait]
impl NotificationStore for PostgresHostStore {
    async fn claim_due_notifications(
        &self,
        now: OffsetDateTime,
        lease: &Lease,
        limit: usize,
    ) -> Result<Vec<StoredNotification>, StoreError> {
        let mut transaction = self.pool.begin().await?;
        let result = claim(&mut transaction, now, lease, limit).await;
        finish(transaction, result).await
    }

    async fn next_notification_due(&self) -> Result<Option<OffsetDateTime>, StoreError> {
        let due: Option<i64> = sqlx::query_scalar(&format!(
            "WITH {HEADS} SELECT min(greatest(n.next_attempt_at, coalesce(n.lease_until, 0))) \
             FROM heads JOIN notifications AS n ON n.id = heads.id"
        ))
        .fetch_one(&self.pool)
        .await?;
        Ok(due.map(from_millis))
    }

    async fn record_notification_attempt(&self, attempt: &Attempt) -> Result<bool, StoreError> {
        let at = to_millis(attempt.at);
        let attempts = i64::from(attempt.attempts);
        let keys = "WHERE id = $1 AND status = 'queued' AND lease_owner = $2";
        let changed = match &attempt.outcome {
            AttemptOutcome::Delivered => {
                sqlx::query(&format!(
                    "UPDATE notifications SET status = 'delivered', attempts = $3, last_attempt_at = $4, \
                     delivered_at = $4, last_error = NULL, lease_owner = NULL, lease_until = NULL {keys}"
                ))
                .bind(attempt.id.0)
                .bind(&attempt.lease_owner)
                .bind(attempts)
                .bind(at)
                .execute(&self.pool)
                .await?
            }
            AttemptOutcome::Retry {
                next_attempt_at,
                error,
            } => {
                sqlx::query(&format!(
                    "UPDATE notifications SET attempts = $3, last_attempt_at = $4, next_attempt_at = $5, \
                     last_error = $6, lease_owner = NULL, lease_until = NULL {keys}"
                ))
                .bind(attempt.id.0)
                .bind(&attempt.lease_owner)
                .bind(attempts)
                .bind(at)
                .bind(to_millis(*next_attempt_at))
                .bind(error)
                .execute(&self.pool)
                .await?
            }
            AttemptOutcome::Failed { error } => {
                sqlx::query(&format!(
                    "UPDATE notifications SET status = 'failed', attempts = $3, last_attempt_at = $4, \
                     last_error = $5, lease_owner = NULL, lease_until = NULL {keys}"
                ))
                .bind(attempt.id.0)
                .bind(&attempt.lease_owner)
                .bind(attempts)
                .bind(at)
                .bind(error)
                .execute(&self.pool)
                .await?
            }
        };
        Ok(changed.rows_affected() == 1)
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
        let statuses: Vec<String> = statuses
            .iter()
            .map(|status| status.as_str().to_owned())
            .collect();
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM notifications WHERE company_id = $1 AND status = ANY($2) \
             ORDER BY id LIMIT $3"
        ))
        .bind(company.0)
        .bind(statuses)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(notification_from_row).collect()
    }

    async fn notification(
        &self,
        company: CompanyId,
        id: NotificationId,
    ) -> Result<Option<StoredNotification>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM notifications WHERE id = $1 AND company_id = $2"
        ))
        .bind(id.0)
        .bind(company.0)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(notification_from_row).transpose()
    }

    async fn requeue_failed_notification(
        &self,
        company: CompanyId,
        id: NotificationId,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let changed = sqlx::query(
            "UPDATE notifications SET status = 'queued', attempts = 0, queued_at = $3, next_attempt_at = $3, \
             last_error = NULL, lease_owner = NULL, lease_until = NULL \
             WHERE id = $1 AND company_id = $2 AND status = 'failed'",
        )
        .bind(id.0)
        .bind(company.0)
        .bind(to_millis(now))
        .execute(&self.pool)
        .await?;
        Ok(changed.rows_affected() == 1)
    }

    async fn remove_notification(
        &self,
        company: CompanyId,
        id: NotificationId,
        allowed: &[NotificationStatus],
        now: OffsetDateTime,
    ) -> Result<Removal, StoreError> {
        let mut transaction = self.pool.begin().await?;
        let result = remove(&mut transaction, company, id, allowed, now).await;
        finish(transaction, result).await
    }

    async fn notification_queue_stats(&self) -> Result<QueueStats, StoreError> {
        let row = sqlx::query(
            "SELECT (SELECT count(*) FROM notifications WHERE status = 'queued'), \
             (SELECT count(*) FROM notifications WHERE status = 'failed'), \
             (SELECT min(queued_at) FROM notifications WHERE status = 'queued')",
        )
        .fetch_one(&self.pool)
        .await?;
        let queued: i64 = row.try_get(0)?;
        let failed: i64 = row.try_get(1)?;
        let oldest: Option<i64> = row.try_get(2)?;
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
        let deleted = sqlx::query(
            "DELETE FROM notifications WHERE status = 'delivered' AND delivered_at < $1",
        )
        .bind(to_millis(before))
        .execute(&self.pool)
        .await?;
        Ok(deleted.rows_affected())
    }
}

/// Locks and leases up to `limit` due heads.
///
/// The heads come from the statement's snapshot, and a head that another
/// transaction changed since is checked again on its new version when it
/// is locked (`status`, due time and lease are conditions on `n` for that
/// reason), so a notification delivered or leased meanwhile is skipped. A
/// head locked by a concurrent claim is skipped too, and this claim does
/// not wait for it.
async fn claim(
    transaction: &mut PgConnection,
    now: OffsetDateTime,
    lease: &Lease,
    limit: usize,
) -> Result<Vec<StoredNotification>, StoreError> {
    let now = to_millis(now);
    let ids: Vec<i64> = sqlx::query_scalar(&format!(
        "WITH {HEADS} SELECT n.id FROM heads JOIN notifications AS n ON n.id = heads.id \
         WHERE n.status = 'queued' AND n.next_attempt_at <= $1 \
         AND (n.lease_until IS NULL OR n.lease_until <= $1) \
         ORDER BY n.id LIMIT $2 FOR UPDATE OF n SKIP LOCKED"
    ))
    .bind(now)
    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
    .fetch_all(&mut *transaction)
    .await?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = sqlx::query(&format!(
        "UPDATE notifications SET lease_owner = $2, lease_until = $3 WHERE id = ANY($1) \
         RETURNING {COLUMNS}"
    ))
    .bind(&ids)
    .bind(&lease.owner)
    .bind(to_millis(lease.until))
    .fetch_all(&mut *transaction)
    .await?;
    let mut claimed = rows
        .iter()
        .map(notification_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    claimed.sort_by_key(|notification| notification.id.0);
    Ok(claimed)
}

async fn remove(
    transaction: &mut PgConnection,
    company: CompanyId,
    id: NotificationId,
    allowed: &[NotificationStatus],
    now: OffsetDateTime,
) -> Result<Removal, StoreError> {
    // FOR UPDATE waits for a claim that is locking the row, so the lease
    // read here is the one that claim set.
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM notifications WHERE id = $1 AND company_id = $2 FOR UPDATE"
    ))
    .bind(id.0)
    .bind(company.0)
    .fetch_optional(&mut *transaction)
    .await?;
    let Some(found) = row.as_ref().map(notification_from_row).transpose()? else {
        return Ok(Removal::NotFound);
    };
    let in_flight = found.in_flight(now);
    if in_flight || !allowed.contains(&found.status) {
        return Ok(Removal::Refused {
            status: found.status,
            in_flight,
        });
    }
    sqlx::query("DELETE FROM notifications WHERE id = $1")
        .bind(id.0)
        .execute(&mut *transaction)
        .await?;
    Ok(Removal::Removed)
}

fn notification_from_row(row: &PgRow) -> Result<StoredNotification, StoreError> {
    let object_type: String = row.try_get(3)?;
    let object_type = ObjectType::from_code(&object_type)
        .ok_or_else(|| invalid_value("notifications.object_type"))?;
    let event_date_time: String = row.try_get(7)?;
    let event_date_time = EventDateTime::parse(&event_date_time)
        .map_err(|_| invalid_value("notifications.event_date_time"))?;
    let status: String = row.try_get(9)?;
    let status =
        NotificationStatus::parse(&status).ok_or_else(|| invalid_value("notifications.status"))?;
    let attempts: i64 = row.try_get(10)?;
    Ok(StoredNotification {
        id: NotificationId(row.try_get(0)?),
        company_id: CompanyId(row.try_get(1)?),
        registration_id: RegistrationId(row.try_get(2)?),
        object: ObjectRef {
            object_type,
            id: row.try_get(4)?,
        },
        notification: Notification {
            event_type: row.try_get(5)?,
            object_type,
            object_uri: row.try_get(6)?,
            event_date_time,
            context: row.try_get(8)?,
        },
        status,
        attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
        queued_at: from_millis(row.try_get(11)?),
        next_attempt_at: from_millis(row.try_get(12)?),
        last_attempt_at: row.try_get::<Option<i64>, _>(13)?.map(from_millis),
        last_error: row.try_get(14)?,
        created_at: from_millis(row.try_get(16)?),
        delivered_at: row.try_get::<Option<i64>, _>(17)?.map(from_millis),
        lease_until: row.try_get::<Option<i64>, _>(15)?.map(from_millis),
    })
}
