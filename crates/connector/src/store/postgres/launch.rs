//! Launch nonces and sessions on PostgreSQL, shared by every connector instance.

use sqlx::{PgConnection, Row};

use super::PostgresStore;
use crate::store::{LaunchSession, LaunchStore, LaunchVersion, NonceOutcome, StoreError};

/// Prunes expired nonces and sessions, then records the nonce.
async fn record_nonce(
    connection: &mut PgConnection,
    nonce: &str,
    now_ms: i64,
    expires_at_ms: i64,
) -> Result<NonceOutcome, StoreError> {
    sqlx::query("DELETE FROM launch_nonces WHERE expires_at <= $1")
        .bind(now_ms)
        .execute(&mut *connection)
        .await?;
    sqlx::query("DELETE FROM launch_sessions WHERE expires_at <= $1")
        .bind(now_ms)
        .execute(&mut *connection)
        .await?;
    // The primary key decides: of two instances recording the same nonce
    // at once, the second waits for the first and then changes nothing.
    // An expired row that no transaction has pruned yet is taken over.
    let recorded = sqlx::query(
        "INSERT INTO launch_nonces (nonce, expires_at) VALUES ($1, $2)
         ON CONFLICT (nonce) DO UPDATE SET expires_at = excluded.expires_at
         WHERE launch_nonces.expires_at <= $3",
    )
    .bind(nonce)
    .bind(expires_at_ms)
    .bind(now_ms)
    .execute(connection)
    .await?
    .rows_affected();
    Ok(if recorded == 1 {
        NonceOutcome::Fresh
    } else {
        NonceOutcome::Replayed
    })
}

#[async_trait::async_trait]
impl LaunchStore for PostgresStore {
    async fn record_nonce(
        &self,
        nonce: &str,
        now_ms: i64,
        expires_at_ms: i64,
    ) -> Result<NonceOutcome, StoreError> {
        let mut transaction = self.pool().begin().await?;
        let result = record_nonce(&mut transaction, nonce, now_ms, expires_at_ms).await;
        super::finish(transaction, result).await
    }

    async fn insert_session(&self, session: &LaunchSession) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO launch_sessions (id_hash, version, user_id, item_url, field, language,
                 sealed_tokens, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&session.id_hash[..])
        .bind(i32::from(session.version.number()))
        .bind(&session.user_id)
        .bind(&session.item_url)
        .bind(&session.field)
        .bind(&session.language)
        .bind(session.sealed_tokens.as_deref())
        .bind(session.expires_at_ms)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn find_session(
        &self,
        id_hash: &[u8; 32],
        now_ms: i64,
    ) -> Result<Option<LaunchSession>, StoreError> {
        let row = sqlx::query(
            "SELECT version, user_id, item_url, field, language, sealed_tokens, expires_at
             FROM launch_sessions WHERE id_hash = $1 AND expires_at > $2",
        )
        .bind(&id_hash[..])
        .bind(now_ms)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let version: i32 = row.try_get(0)?;
        let version = LaunchVersion::from_number(i64::from(version)).ok_or_else(|| {
            StoreError::Database(format!("launch session has unknown version {version}").into())
        })?;
        Ok(Some(LaunchSession {
            id_hash: *id_hash,
            version,
            user_id: row.try_get(1)?,
            item_url: row.try_get(2)?,
            field: row.try_get(3)?,
            language: row.try_get(4)?,
            sealed_tokens: row.try_get(5)?,
            expires_at_ms: row.try_get(6)?,
        }))
    }

    async fn replace_session_tokens(
        &self,
        id_hash: &[u8; 32],
        sealed_tokens: &[u8],
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE launch_sessions SET sealed_tokens = $2 WHERE id_hash = $1")
            .bind(&id_hash[..])
            .bind(sealed_tokens)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    async fn delete_session(&self, id_hash: &[u8; 32]) -> Result<bool, StoreError> {
        let deleted = sqlx::query("DELETE FROM launch_sessions WHERE id_hash = $1")
            .bind(&id_hash[..])
            .execute(self.pool())
            .await?
            .rows_affected();
        Ok(deleted == 1)
    }
}
