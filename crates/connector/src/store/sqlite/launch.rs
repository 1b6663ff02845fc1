//! Launch nonces and sessions on SQLite.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::{SqliteStore, run_blocking};
use crate::store::{LaunchSession, LaunchStore, LaunchVersion, NonceOutcome, StoreError};

fn record_nonce(
    connection: &mut Connection,
    nonce: &str,
    now_ms: i64,
    expires_at_ms: i64,
) -> Result<NonceOutcome, StoreError> {
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    transaction
        .prepare_cached("DELETE FROM launch_nonces WHERE expires_at <= ?1")?
        .execute([now_ms])?;
    transaction
        .prepare_cached("DELETE FROM launch_sessions WHERE expires_at <= ?1")?
        .execute([now_ms])?;
    let inserted = transaction
        .prepare_cached("INSERT OR IGNORE INTO launch_nonces (nonce, expires_at) VALUES (?1, ?2)")?
        .execute(params![nonce, expires_at_ms])?;
    transaction.commit()?;
    Ok(if inserted == 1 {
        NonceOutcome::Fresh
    } else {
        NonceOutcome::Replayed
    })
}

fn insert_session(connection: &Connection, session: &LaunchSession) -> Result<(), StoreError> {
    connection
        .prepare_cached(
            "INSERT INTO launch_sessions (id_hash, version, user_id, item_url, field, language,
                 sealed_tokens, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![
            &session.id_hash[..],
            session.version.number(),
            session.user_id,
            session.item_url,
            session.field,
            session.language,
            session.sealed_tokens,
            session.expires_at_ms,
        ])?;
    Ok(())
}

fn find_session(
    connection: &Connection,
    id_hash: &[u8; 32],
    now_ms: i64,
) -> Result<Option<LaunchSession>, StoreError> {
    let row = connection
        .prepare_cached(
            "SELECT version, user_id, item_url, field, language, sealed_tokens, expires_at
             FROM launch_sessions WHERE id_hash = ?1 AND expires_at > ?2",
        )?
        .query_row(params![&id_hash[..], now_ms], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, String>(4)?,
                row.get::<_, Option<Vec<u8>>>(5)?,
                row.get::<_, i64>(6)?,
            ))
        })
        .optional()?;
    let Some((version, user_id, item_url, field, language, sealed_tokens, expires_at_ms)) = row
    else {
        return Ok(None);
    };
    let version = LaunchVersion::from_number(version).ok_or_else(|| {
        StoreError::Database(format!("launch session has unknown version {version}").into())
    })?;
    Ok(Some(LaunchSession {
        id_hash: *id_hash,
        version,
        user_id,
        item_url,
        field,
        language,
        sealed_tokens,
        expires_at_ms,
    }))
}

#[async_trait::async_trait]
impl LaunchStore for SqliteStore {
    async fn record_nonce(
        &self,
        nonce: &str,
        now_ms: i64,
        expires_at_ms: i64,
    ) -> Result<NonceOutcome, StoreError> {
        let store = self.clone();
        let nonce = nonce.to_owned();
        run_blocking(move || record_nonce(&mut store.writer(), &nonce, now_ms, expires_at_ms)).await
    }

    async fn insert_session(&self, session: &LaunchSession) -> Result<(), StoreError> {
        let store = self.clone();
        let session = session.clone();
        run_blocking(move || insert_session(&store.writer(), &session)).await
    }

    async fn find_session(
        &self,
        id_hash: &[u8; 32],
        now_ms: i64,
    ) -> Result<Option<LaunchSession>, StoreError> {
        let store = self.clone();
        let id_hash = *id_hash;
        run_blocking(move || find_session(&store.writer(), &id_hash, now_ms)).await
    }

    async fn replace_session_tokens(
        &self,
        id_hash: &[u8; 32],
        sealed_tokens: &[u8],
    ) -> Result<(), StoreError> {
        let store = self.clone();
        let id_hash = *id_hash;
        let sealed_tokens = sealed_tokens.to_vec();
        run_blocking(move || {
            store
                .writer()
                .prepare_cached("UPDATE launch_sessions SET sealed_tokens = ?2 WHERE id_hash = ?1")?
                .execute(params![&id_hash[..], sealed_tokens])?;
            Ok(())
        })
        .await
    }

    async fn delete_session(&self, id_hash: &[u8; 32]) -> Result<bool, StoreError> {
        let store = self.clone();
        let id_hash = *id_hash;
        run_blocking(move || {
            let deleted = store
                .writer()
                .prepare_cached("DELETE FROM launch_sessions WHERE id_hash = ?1")?
                .execute([&id_hash[..]])?;
            Ok(deleted == 1)
        })
        .await
    }
}
