//! Browser sessions of the admin pages in PostgreSQL.

use sqlx::{PgPool, Row};
use time::OffsetDateTime;

use super::{from_millis, to_millis};
use crate::domain::UserId;
use crate::store::{StoreError, StoredSession};

pub(super) async fn insert(pool: &PgPool, session: &StoredSession) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO web_sessions (id_hash, user_id, csrf_token, created_at, last_seen_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&session.id_hash)
    .bind(session.user_id.0)
    .bind(&session.csrf_token)
    .bind(to_millis(session.created_at))
    .bind(to_millis(session.last_seen_at))
    .execute(pool)
    .await?;
    Ok(())
}

pub(super) async fn by_hash(
    pool: &PgPool,
    id_hash: &str,
) -> Result<Option<StoredSession>, StoreError> {
    let found = sqlx::query(
        "SELECT id_hash, user_id, csrf_token, created_at, last_seen_at \
         FROM web_sessions WHERE id_hash = $1",
    )
    .bind(id_hash)
    .fetch_optional(pool)
    .await?;
    found
        .map(|row| {
            Ok(StoredSession {
                id_hash: row.try_get(0)?,
                user_id: UserId(row.try_get(1)?),
                csrf_token: row.try_get(2)?,
                created_at: from_millis(row.try_get(3)?),
                last_seen_at: from_millis(row.try_get(4)?),
            })
        })
        .transpose()
}

pub(super) async fn touch(
    pool: &PgPool,
    id_hash: &str,
    at: OffsetDateTime,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE web_sessions SET last_seen_at = $2 WHERE id_hash = $1")
        .bind(id_hash)
        .bind(to_millis(at))
        .execute(pool)
        .await?;
    Ok(())
}

pub(super) async fn delete(pool: &PgPool, id_hash: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM web_sessions WHERE id_hash = $1")
        .bind(id_hash)
        .execute(pool)
        .await?;
    Ok(())
}

pub(super) async fn delete_expired(
    pool: &PgPool,
    before: OffsetDateTime,
    created_before: OffsetDateTime,
) -> Result<u64, StoreError> {
    let deleted =
        sqlx::query("DELETE FROM web_sessions WHERE last_seen_at < $1 OR created_at < $2")
            .bind(to_millis(before))
            .bind(to_millis(created_before))
            .execute(pool)
            .await?;
    Ok(deleted.rows_affected())
}
