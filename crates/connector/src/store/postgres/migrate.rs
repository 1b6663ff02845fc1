//! Schema versions of the PostgreSQL store.

use sqlx::{PgConnection, PgPool};

use crate::store::StoreError;
use crate::store::migrations::{self, Migration};
use crate::store::pattern::FOLD_VERSION;

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "initial",
        sql: include_str!("migrations/0001_initial.sql"),
    },
    Migration {
        version: 2,
        name: "trigram_indexes",
        sql: include_str!("migrations/0002_trigram_indexes.sql"),
    },
];

/// Key of the advisory lock that serializes migrations. Advisory locks
/// belong to the whole database, so stores in different schemas of one
/// database also wait for each other, which only costs time.
const MIGRATION_LOCK: i64 = 0x6361_6c6c_6f75_7473; // "callouts" in ASCII

/// Applies the missing migrations in one transaction and returns their
/// versions. The transaction first takes an advisory lock, which it holds
/// until it ends, and only then reads the applied versions, so that of two
/// instances starting at once the second finds the first one's versions.
pub(super) async fn apply(pool: &PgPool) -> Result<Vec<i64>, StoreError> {
    let mut transaction = pool.begin().await?;
    let result = apply_in(&mut transaction).await;
    super::finish(transaction, result).await
}

async fn apply_in(transaction: &mut PgConnection) -> Result<Vec<i64>, StoreError> {
    // `CREATE TABLE IF NOT EXISTS` on an existing table sends a notice,
    // which sqlx would log at every start.
    sqlx::query("SET LOCAL client_min_messages = warning")
        .execute(&mut *transaction)
        .await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *transaction)
        .await?;
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version BIGINT PRIMARY KEY,
             name TEXT NOT NULL,
             applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
         )",
    )
    .execute(&mut *transaction)
    .await?;
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM schema_migrations")
        .fetch_all(&mut *transaction)
        .await?;
    let pending = migrations::pending(MIGRATIONS, &applied)
        .map_err(|error| StoreError::Database(Box::new(error)))?;

    let mut versions = Vec::with_capacity(pending.len());
    for migration in pending {
        sqlx::raw_sql(migration.sql)
            .execute(&mut *transaction)
            .await?;
        sqlx::query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)")
            .bind(migration.version)
            .bind(migration.name)
            .execute(&mut *transaction)
            .await?;
        versions.push(migration.version);
    }
    Ok(versions)
}

/// Returns the highest applied schema version, 0 for a database without one.
pub(super) async fn schema_version(pool: &PgPool) -> Result<i64, StoreError> {
    let exists: bool = sqlx::query_scalar("SELECT to_regclass('schema_migrations') IS NOT NULL")
        .fetch_one(pool)
        .await?;
    if !exists {
        return Ok(0);
    }
    let version: Option<i64> = sqlx::query_scalar("SELECT max(version) FROM schema_migrations")
        .fetch_one(pool)
        .await?;
    Ok(version.unwrap_or(0))
}

/// Tells whether the trigram indexes of migration 2 exist, which they do
/// when the database offered the pg_trgm extension at that migration.
pub(super) async fn has_trigram_indexes(pool: &PgPool) -> Result<bool, StoreError> {
    let found: bool = sqlx::query_scalar(
        "SELECT to_regclass('list_item_texts_by_text_trigrams') IS NOT NULL
             AND to_regclass('list_items_by_code_trigrams') IS NOT NULL",
    )
    .fetch_one(pool)
    .await?;
    Ok(found)
}

/// Checks that the folded columns were computed with the current folding rules.
///
/// TODO: when `FOLD_VERSION` changes, recompute the folded columns here as
/// the SQLite store does, instead of refusing to start.
pub(super) async fn check_fold_rules(pool: &PgPool) -> Result<(), StoreError> {
    let version: i32 = sqlx::query_scalar("SELECT version FROM fold_rules")
        .fetch_one(pool)
        .await?;
    if i64::from(version) != i64::from(FOLD_VERSION) {
        return Err(StoreError::Database(
            format!(
                "the folded search columns were computed with folding rules version {version}, \
                 but this connector uses version {FOLD_VERSION}, and recomputing them on \
                 PostgreSQL is not implemented"
            )
            .into(),
        ));
    }
    Ok(())
}
