//! Browser sessions of the admin pages in SQLite.

use rusqlite::{Connection, OptionalExtension, params};
use time::OffsetDateTime;

use super::{from_millis, to_millis};
use crate::domain::UserId;
use crate::store::{StoreError, StoredSession};

pub(super) fn insert(connection: &Connection, session: &StoredSession) -> Result<(), StoreError> {
    connection.execute(
        "INSERT INTO web_sessions (id_hash, user_id, csrf_token, created_at, last_seen_at) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            session.id_hash,
            session.user_id.0,
            session.csrf_token,
            to_millis(session.created_at),
            to_millis(session.last_seen_at)
        ],
    )?;
    Ok(())
}

pub(super) fn by_hash(
    connection: &Connection,
    id_hash: &str,
) -> Result<Option<StoredSession>, StoreError> {
    let found = connection
        .prepare_cached(
            "SELECT id_hash, user_id, csrf_token, created_at, last_seen_at \
             FROM web_sessions WHERE id_hash = ?1",
        )?
        .query_row([id_hash], |row| {
            Ok(StoredSession {
                id_hash: row.get(0)?,
                user_id: UserId(row.get(1)?),
                csrf_token: row.get(2)?,
                created_at: from_millis(row.get(3)?),
                last_seen_at: from_millis(row.get(4)?),
            })
        })
        .optional()?;
    Ok(found)
}

pub(super) fn touch(
    connection: &Connection,
    id_hash: &str,
    at: OffsetDateTime,
) -> Result<(), StoreError> {
    connection.execute(
        "UPDATE web_sessions SET last_seen_at = ?2 WHERE id_hash = ?1",
        params![id_hash, to_millis(at)],
    )?;
    Ok(())
}

pub(super) fn delete(connection: &Connection, id_hash: &str) -> Result<(), StoreError> {
    connection.execute("DELETE FROM web_sessions WHERE id_hash = ?1", [id_hash])?;
    Ok(())
}

pub(super) fn delete_expired(
    connection: &Connection,
    before: OffsetDateTime,
    created_before: OffsetDateTime,
) -> Result<u64, StoreError> {
    let deleted = connection.execute(
        "DELETE FROM web_sessions WHERE last_seen_at < ?1 OR created_at < ?2",
        params![to_millis(before), to_millis(created_before)],
    )?;
    Ok(deleted as u64)
}
