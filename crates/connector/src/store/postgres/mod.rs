//! The PostgreSQL store: several connector instances can share one database.
//!
//! Searches and imports behave as in the SQLite store. Instances claim
//! notifications row by row (`FOR UPDATE SKIP LOCKED`) with a lease, so
//! each notification is attempted by one instance at a time. The launch
//! nonces are one table with a primary key, so a nonce used through one
//! instance is rejected by all others.

mod attendees;
mod launch;
mod list_search;
mod lists;
mod migrate;
mod notifications;

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Connection, PgConnection, Postgres, Transaction};

use super::{
    AttendeeQuery, AttendeeRecord, ImportError, ImportSummary, LaunchStore, ListImport, ListQuery,
    NotificationQueue, Store, StoreError,
};
use protocol::{Attendee, ListItem};

/// Connections per store. Queries are short index lookups, so a few
/// connections serve many concurrent requests, and several instances on
/// one server stay well below PostgreSQL's default of 100 connections.
const MAX_CONNECTIONS: u32 = 10;

/// How long a request waits for a free connection before it fails.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// Maximum time one statement may run. Imports run many short statements,
/// and a migration that waits for another instance's migration waits at
/// most this long for the lock.
const STATEMENT_TIMEOUT: &str = "60s";

/// Maximum time a session may sit inside a transaction without running a
/// statement, after which PostgreSQL ends the session. The store's
/// transactions run their statements back to back, but a request that is
/// cancelled within a transaction leaves it open, with its locks, until the
/// pooled connection is used again.
const IDLE_IN_TRANSACTION_TIMEOUT: &str = "15s";

/// How long a notification claimed for an attempt stays with the instance
/// that claimed it, unless that instance extends the claim or ends the
/// attempt first. Another instance takes it over after this, which covers
/// an instance that stopped during an attempt. The worker extends its claim
/// every third of the lease, so an attempt may last longer than the lease.
pub const DEFAULT_CLAIM_LEASE: Duration = Duration::from_secs(30);

/// PostgreSQL store shared by all request handlers of one connector instance.
#[derive(Clone)]
pub struct PostgresStore {
    inner: Arc<Inner>,
}

struct Inner {
    pool: PgPool,
    /// Random id of this store, recorded in the notifications it claims.
    instance_id: String,
    claim_lease_ms: AtomicI64,
    /// Whether the list tables have trigram indexes, checked by [`PostgresStore::open`].
    trigram_indexes: AtomicBool,
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        StoreError::Database(Box::new(error))
    }
}

/// Ends a transaction with the result of its work: commits it on success,
/// and rolls it back on failure. Dropping a transaction instead would leave
/// the rollback, and the release of its locks, for the next user of the
/// pooled connection.
async fn finish<T, E: From<StoreError>>(
    transaction: Transaction<'_, Postgres>,
    result: Result<T, E>,
) -> Result<T, E> {
    match result {
        Ok(value) => {
            transaction.commit().await.map_err(StoreError::from)?;
            Ok(value)
        }
        Err(error) => {
            if let Err(rollback) = transaction.rollback().await {
                tracing::warn!(
                    error = &rollback as &dyn std::error::Error,
                    "failed to roll back a failed transaction"
                );
            }
            Err(error)
        }
    }
}

/// Tells whether `location` is a PostgreSQL URL rather than a SQLite file path.
pub fn is_postgres_url(location: &str) -> bool {
    location.starts_with("postgres://") || location.starts_with("postgresql://")
}

/// Query parameters of a PostgreSQL URL whose values are secret.
const SECRET_PARAMETERS: [&str; 2] = ["password", "sslpassword"];

/// Returns the URL without its password, in the user part or in a
/// `password` parameter, for messages and logs.
pub fn redact_url(url: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(url) else {
        return "(an invalid PostgreSQL URL)".to_owned();
    };
    if parsed.password().is_some() {
        // Setting a password fails only for URLs that cannot have one, such
        // as those without a host, so none is shown.
        let _ = parsed.set_password(Some("REDACTED"));
    }
    let pairs: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
    if pairs
        .iter()
        .any(|(key, _)| SECRET_PARAMETERS.contains(&key.as_str()))
    {
        let mut query = parsed.query_pairs_mut();
        query.clear();
        for (key, value) in &pairs {
            let shown = if SECRET_PARAMETERS.contains(&key.as_str()) {
                "REDACTED"
            } else {
                value
            };
            query.append_pair(key, shown);
        }
    }
    parsed.to_string()
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://…` with the usual
    /// parameters, such as `sslmode` or `options=-c search_path=NAME`) and
    /// applies the missing schema migrations.
    pub async fn open(url: &str) -> Result<PostgresStore, StoreError> {
        let options = PgConnectOptions::from_str(url)?;
        let store = Self::connect_with(options).await?;
        let applied = store.migrate().await?;
        if !applied.is_empty() {
            tracing::info!(versions = ?applied, "applied schema migrations");
        }
        migrate::check_fold_rules(&store.inner.pool).await?;
        let trigram_indexes = migrate::has_trigram_indexes(&store.inner.pool).await?;
        store
            .inner
            .trigram_indexes
            .store(trigram_indexes, Ordering::Relaxed);
        if !trigram_indexes {
            tracing::warn!(
                "the list tables have no trigram indexes, because the pg_trgm extension was not \
                 available or could not be created when the schema was migrated, so \"contains\" \
                 list searches (*abc*) read every row under the parent"
            );
        }
        Ok(store)
    }

    /// Connects without applying migrations; [`Self::open`] is the usual way.
    pub async fn connect_with(options: PgConnectOptions) -> Result<PostgresStore, StoreError> {
        let options = options.options([
            ("statement_timeout", STATEMENT_TIMEOUT),
            (
                "idle_in_transaction_session_timeout",
                IDLE_IN_TRANSACTION_TIMEOUT,
            ),
        ]);
        // The pool reports a failed connection only as a timeout, so one
        // connection first shows why the database cannot be reached.
        let probe = tokio::time::timeout(ACQUIRE_TIMEOUT, PgConnection::connect_with(&options))
            .await
            .map_err(|_| {
                StoreError::Database(
                    format!(
                        "connecting timed out after {} seconds",
                        ACQUIRE_TIMEOUT.as_secs()
                    )
                    .into(),
                )
            })??;
        let _ = probe.close().await;
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await?;
        let lease_ms = i64::try_from(DEFAULT_CLAIM_LEASE.as_millis()).unwrap_or(i64::MAX);
        Ok(PostgresStore {
            inner: Arc::new(Inner {
                pool,
                instance_id: uuid::Uuid::new_v4().to_string(),
                claim_lease_ms: AtomicI64::new(lease_ms),
                trigram_indexes: AtomicBool::new(false),
            }),
        })
    }

    /// Applies the missing schema migrations and returns their versions.
    /// An advisory lock makes concurrent starts apply each one once.
    pub async fn migrate(&self) -> Result<Vec<i64>, StoreError> {
        migrate::apply(&self.inner.pool).await
    }

    /// Returns the highest schema version applied to the database.
    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        migrate::schema_version(&self.inner.pool).await
    }

    /// Random id of this store, which the notifications it claims record.
    pub fn instance_id(&self) -> &str {
        &self.inner.instance_id
    }

    /// Sets how long a claimed notification stays with this instance
    /// ([`DEFAULT_CLAIM_LEASE`] until set).
    pub fn set_claim_lease(&self, lease: Duration) {
        let lease_ms = i64::try_from(lease.as_millis()).unwrap_or(i64::MAX);
        self.inner.claim_lease_ms.store(lease_ms, Ordering::Relaxed);
    }

    fn trigram_indexes(&self) -> bool {
        self.inner.trigram_indexes.load(Ordering::Relaxed)
    }

    fn claim_lease_ms(&self) -> i64 {
        self.inner.claim_lease_ms.load(Ordering::Relaxed)
    }

    /// Returns the plan (`EXPLAIN`) of the first statement of a list
    /// search, to check which index it uses.
    pub async fn explain_search_list(&self, query: &ListQuery) -> Result<String, StoreError> {
        list_search::explain(&self.inner.pool, query, self.trigram_indexes()).await
    }

    /// Returns the connection pool, for tests and tools that inspect the database.
    pub fn pool(&self) -> &PgPool {
        &self.inner.pool
    }

    /// Closes every connection; the store fails all later calls.
    pub async fn close(&self) {
        self.inner.pool.close().await;
    }
}

#[async_trait::async_trait]
impl Store for PostgresStore {
    async fn search_attendees(&self, query: &AttendeeQuery) -> Result<Vec<Attendee>, StoreError> {
        attendees::search(&self.inner.pool, query).await
    }

    async fn search_list(&self, query: &ListQuery) -> Result<Vec<ListItem>, StoreError> {
        list_search::search(&self.inner.pool, query, self.trigram_indexes()).await
    }

    async fn list_names(&self) -> Result<Arc<[String]>, StoreError> {
        let names: Vec<String> = sqlx::query_scalar("SELECT name FROM lists ORDER BY id")
            .fetch_all(&self.inner.pool)
            .await?;
        Ok(names.into())
    }

    async fn list_item_exists(&self, list_name: &str, long_code: &str) -> Result<bool, StoreError> {
        lists::item_exists(&self.inner.pool, list_name, long_code).await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT count(*) FROM lists")
            .execute(&self.inner.pool)
            .await?;
        Ok(())
    }

    async fn import_list(&self, import: ListImport) -> Result<ImportSummary, ImportError> {
        lists::import(&self.inner.pool, &import).await
    }

    async fn import_attendees(
        &self,
        records: Vec<AttendeeRecord>,
    ) -> Result<ImportSummary, ImportError> {
        attendees::import(&self.inner.pool, &records).await
    }

    fn notification_queue(&self) -> Option<Arc<dyn NotificationQueue>> {
        Some(Arc::new(self.clone()))
    }

    fn launch_store(&self) -> Option<Arc<dyn LaunchStore>> {
        Some(Arc::new(self.clone()))
    }
}
