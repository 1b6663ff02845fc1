//! The PostgreSQL store: several host instances can share one database.
//!
//! Tables, times (Unix milliseconds) and orderings are those of the SQLite
//! store. The notification queue is claimed row by row
//! (`FOR UPDATE SKIP LOCKED`) under the same leases as on SQLite, so that
//! each notification is attempted by one instance at a time, and Verify
//! runs are marked in the table `verification_runs`.

mod accounts;
mod callout_log;
mod connector_access;
mod expenses;
mod launch;
mod migrate;
mod notifications;
mod registrations;
mod sessions;
mod travel;
mod validation;
mod verification;
mod workflow;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Connection, PgConnection, Postgres, Transaction};
use time::OffsetDateTime;

use super::{
    HostStore, NewCompany, NewRegistration, NewUser, StoreError, StoredSession, UserCredentials,
};
use crate::domain::{
    Actor, AuditEntry, Company, CompanyId, Registration, RegistrationId, User, UserId,
};

pub(super) use super::{from_millis, to_millis};
pub use connector::store::postgres::{is_postgres_url, redact_url};

/// Connections per store. The host's traffic is administrative, so a few
/// connections serve it, and several instances on one server stay well
/// below PostgreSQL's default of 100 connections.
const MAX_CONNECTIONS: u32 = 10;

/// How long a request waits for a free connection before it fails.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// Maximum time one statement may run, so a migration that waits for another
/// instance's migration waits at most this long for the lock.
const STATEMENT_TIMEOUT: &str = "60s";

/// SQLSTATE of a unique violation.
const UNIQUE_VIOLATION: &str = "23505";

/// PostgreSQL store shared by all request handlers of one host instance.
#[derive(Clone)]
pub struct PostgresHostStore {
    pool: PgPool,
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        let unique_violation = matches!(
            &error,
            sqlx::Error::Database(database) if database.code().as_deref() == Some(UNIQUE_VIOLATION)
        );
        if unique_violation {
            StoreError::Duplicate
        } else {
            StoreError::Database(Box::new(error))
        }
    }
}

/// Ends a transaction with the result of its work: commits it on success,
/// and rolls it back on failure. Dropping a transaction instead would leave
/// the rollback, and the release of its locks, for the next user of the
/// pooled connection.
pub(super) async fn finish<T>(
    transaction: Transaction<'_, Postgres>,
    result: Result<T, StoreError>,
) -> Result<T, StoreError> {
    match result {
        Ok(value) => {
            transaction.commit().await?;
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

impl PostgresHostStore {
    /// Connects to the database at `url` (`postgres://…` with the usual
    /// parameters, such as `sslmode` or `options=-c search_path=NAME`) and
    /// applies the missing schema migrations.
    pub async fn open(url: &str) -> Result<PostgresHostStore, StoreError> {
        let options = PgConnectOptions::from_str(url)?;
        let store = Self::connect_with(options).await?;
        let applied = store.migrate().await?;
        if !applied.is_empty() {
            tracing::info!(versions = ?applied, "applied schema migrations");
        }
        Ok(store)
    }

    /// Connects without applying migrations; [`Self::open`] is the usual way.
    pub async fn connect_with(options: PgConnectOptions) -> Result<PostgresHostStore, StoreError> {
        let options = options.options([("statement_timeout", STATEMENT_TIMEOUT)]);
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
        Ok(PostgresHostStore { pool })
    }

    /// Applies the missing schema migrations and returns their versions.
    /// An advisory lock makes concurrent starts apply each one once.
    pub async fn migrate(&self) -> Result<Vec<i64>, StoreError> {
        migrate::apply(&self.pool).await
    }

    /// Returns the highest schema version applied to the database.
    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        migrate::schema_version(&self.pool).await
    }

    /// Returns the connection pool, for tests and tools that inspect the database.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Closes every connection; the store fails all later calls.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

#[async_trait::async_trait]
impl HostStore for PostgresHostStore {
    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT count(*) FROM companies")
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn insert_company(&self, company: &NewCompany) -> Result<Company, StoreError> {
        accounts::insert_company(&self.pool, company).await
    }

    async fn company_by_name(&self, name: &str) -> Result<Option<Company>, StoreError> {
        accounts::company_by_name(&self.pool, name).await
    }

    async fn insert_user(&self, user: &NewUser) -> Result<User, StoreError> {
        let mut transaction = self.pool.begin().await?;
        let result = accounts::insert_user(&mut transaction, user).await;
        finish(transaction, result).await
    }

    async fn user_by_login(&self, login: &str) -> Result<Option<UserCredentials>, StoreError> {
        accounts::user_by_login(&self.pool, login).await
    }

    async fn actor_by_user_id(&self, user: UserId) -> Result<Option<Actor>, StoreError> {
        accounts::actor_by_user_id(&self.pool, user).await
    }

    async fn insert_api_token(
        &self,
        user: UserId,
        token_hash: &str,
        created_at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        accounts::insert_api_token(&self.pool, user, token_hash, created_at).await
    }

    async fn actor_by_token_hash(&self, token_hash: &str) -> Result<Option<Actor>, StoreError> {
        accounts::actor_by_token_hash(&self.pool, token_hash).await
    }

    async fn registrations(&self, company: CompanyId) -> Result<Vec<Registration>, StoreError> {
        registrations::list(&self.pool, company).await
    }

    async fn registration(
        &self,
        company: CompanyId,
        id: RegistrationId,
    ) -> Result<Option<Registration>, StoreError> {
        registrations::get(&self.pool, company, id).await
    }

    async fn insert_registration(
        &self,
        registration: &NewRegistration,
        audit: &AuditEntry,
    ) -> Result<RegistrationId, StoreError> {
        let mut transaction = self.pool.begin().await?;
        let result = registrations::insert(&mut transaction, registration, audit).await;
        finish(transaction, result).await
    }

    async fn update_registration(
        &self,
        registration: &Registration,
        expected_revision: i64,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let mut transaction = self.pool.begin().await?;
        let result =
            registrations::update(&mut transaction, registration, expected_revision, audit).await;
        finish(transaction, result).await
    }

    async fn audit_trail(
        &self,
        company: CompanyId,
        id: RegistrationId,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        registrations::audit_trail(&self.pool, company, id).await
    }

    async fn insert_session(&self, session: &StoredSession) -> Result<(), StoreError> {
        sessions::insert(&self.pool, session).await
    }

    async fn session_by_hash(&self, id_hash: &str) -> Result<Option<StoredSession>, StoreError> {
        sessions::by_hash(&self.pool, id_hash).await
    }

    async fn touch_session(&self, id_hash: &str, at: OffsetDateTime) -> Result<(), StoreError> {
        sessions::touch(&self.pool, id_hash, at).await
    }

    async fn delete_session(&self, id_hash: &str) -> Result<(), StoreError> {
        sessions::delete(&self.pool, id_hash).await
    }

    async fn delete_expired_sessions(
        &self,
        before: OffsetDateTime,
        created_before: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        sessions::delete_expired(&self.pool, before, created_before).await
    }
}
