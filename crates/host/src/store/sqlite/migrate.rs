//! Schema versions of the SQLite store.
//!
//! Version 1 is the schema that stores wrote before versions were recorded,
//! with the columns that `upgrade_oauth_tokens` adds to older files. Its
//! statements all use `IF NOT EXISTS`, so applying it to such a database
//! only records the version.

use rusqlite::{Connection, TransactionBehavior, params};

use super::connector_access::upgrade_oauth_tokens;
use crate::store::StoreError;
use crate::store::migrations::{self, Migration};

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "initial",
        sql: include_str!("migrations/0001_initial.sql"),
    },
    Migration {
        version: 2,
        name: "verification_runs",
        sql: include_str!("migrations/0002_verification_runs.sql"),
    },
];

/// Applies the missing migrations in one write transaction and returns
/// their versions. The applied versions are read inside that transaction,
/// so that of two processes opening the same file only the first applies them.
pub(super) fn apply(connection: &mut Connection) -> Result<Vec<i64>, StoreError> {
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    transaction.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version INTEGER PRIMARY KEY,
             name TEXT NOT NULL,
             applied_at INTEGER NOT NULL    -- Unix seconds
         )",
    )?;
    let applied = applied_versions(&transaction)?;
    let pending = migrations::pending(MIGRATIONS, &applied)?;
    let mut versions = Vec::with_capacity(pending.len());
    for migration in pending {
        transaction.execute_batch(migration.sql)?;
        if migration.version == 1 {
            upgrade_oauth_tokens(&transaction)?;
        }
        transaction.execute(
            "INSERT INTO schema_migrations (version, name, applied_at)
             VALUES (?1, ?2, CAST(strftime('%s', 'now') AS INTEGER))",
            params![migration.version, migration.name],
        )?;
        versions.push(migration.version);
    }
    transaction.commit()?;
    Ok(versions)
}

fn applied_versions(connection: &Connection) -> Result<Vec<i64>, StoreError> {
    let mut statement = connection.prepare("SELECT version FROM schema_migrations")?;
    let versions = statement
        .query_map([], |row| row.get(0))?
        .collect::<Result<Vec<i64>, _>>()?;
    Ok(versions)
}

/// Returns the highest applied schema version, 0 for a database without one.
pub(super) fn schema_version(connection: &Connection) -> Result<i64, StoreError> {
    let exists: bool = connection.query_row(
        "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
        [],
        |row| row.get(0),
    )?;
    if !exists {
        return Ok(0);
    }
    Ok(applied_versions(connection)?.into_iter().max().unwrap_or(0))
}
