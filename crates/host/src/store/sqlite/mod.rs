//! The embedded SQLite store: one file in WAL mode with `synchronous = FULL`.
//!
//! The host's traffic is administrative (a few requests a second at most),
//! so one connection behind a mutex serves it. Statements run on the calling
//! task like the connector's store does.
//! NOTE: a commit waits for fsync on the async worker thread; move writes
//! to `spawn_blocking` if API traffic ever grows enough for that to matter.

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

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::Connection;
use time::OffsetDateTime;

use super::{
    HostStore, NewCompany, NewRegistration, NewUser, StoreError, StoredSession, UserCredentials,
};
use crate::domain::{
    Actor, AuditEntry, Company, CompanyId, Registration, RegistrationId, User, UserId,
};

/// SQLite store shared by all request handlers.
#[derive(Clone)]
pub struct SqliteHostStore {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    connection: Mutex<Connection>,
}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> Self {
        let unique_violation = matches!(
            &error,
            rusqlite::Error::SqliteFailure(failure, _)
                if failure.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    || failure.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
        );
        if unique_violation {
            StoreError::Duplicate
        } else {
            StoreError::Database(Box::new(error))
        }
    }
}

pub(super) use super::{from_millis, invalid_value, to_millis};

impl SqliteHostStore {
    /// Opens (creating when absent) the database file and applies the
    /// missing schema migrations.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteHostStore, StoreError> {
        let path = path.as_ref().to_path_buf();
        let mut connection = Connection::open(&path)?;
        connection.busy_timeout(std::time::Duration::from_secs(5))?;
        // FULL makes every committed change survive a power loss, not only a
        // process crash; the host writes rarely, so the cost is small.
        connection.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             PRAGMA foreign_keys = ON;",
        )?;
        let applied = migrate::apply(&mut connection)?;
        if !applied.is_empty() {
            tracing::info!(versions = ?applied, path = %path.display(), "applied schema migrations");
        }
        connection.set_prepared_statement_cache_capacity(32);
        Ok(SqliteHostStore {
            inner: Arc::new(Inner {
                path,
                connection: Mutex::new(connection),
            }),
        })
    }

    /// Returns the highest schema version applied to the database.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        migrate::schema_version(&self.connection())
    }

    /// Path of the database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Locks the connection; a panic while holding it leaves SQLite
    /// consistent (an open transaction rolls back on drop), so a poisoned
    /// lock is still usable.
    fn connection(&self) -> MutexGuard<'_, Connection> {
        self.inner
            .connection
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}


#[async_trait::async_trait]
impl HostStore for SqliteHostStore {
    async fn ping(&self) -> Result<(), StoreError> {
        self.connection()
            .query_row("SELECT count(*) FROM companies", [], |row| {
                row.get::<_, i64>(0)
            })?;
        Ok(())
    }

    async fn insert_company(&self, company: &NewCompany) -> Result<Company, StoreError> {
        accounts::insert_company(&self.connection(), company)
    }

    async fn company_by_name(&self, name: &str) -> Result<Option<Company>, StoreError> {
        accounts::company_by_name(&self.connection(), name)
    }

    async fn insert_user(&self, user: &NewUser) -> Result<User, StoreError> {
        accounts::insert_user(&mut self.connection(), user)
    }

    async fn user_by_login(&self, login: &str) -> Result<Option<UserCredentials>, StoreError> {
        accounts::user_by_login(&self.connection(), login)
    }

    async fn actor_by_user_id(&self, user: UserId) -> Result<Option<Actor>, StoreError> {
        accounts::actor_by_user_id(&self.connection(), user)
    }

    async fn insert_api_token(
        &self,
        user: UserId,
        token_hash: &str,
        created_at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        accounts::insert_api_token(&self.connection(), user, token_hash, created_at)
    }

    async fn actor_by_token_hash(&self, token_hash: &str) -> Result<Option<Actor>, StoreError> {
        accounts::actor_by_token_hash(&self.connection(), token_hash)
    }

    async fn registrations(&self, company: CompanyId) -> Result<Vec<Registration>, StoreError> {
        registrations::list(&self.connection(), company)
    }

    async fn registration(
        &self,
        company: CompanyId,
        id: RegistrationId,
    ) -> Result<Option<Registration>, StoreError> {
        registrations::get(&self.connection(), company, id)
    }

    async fn insert_registration(
        &self,
        registration: &NewRegistration,
        audit: &AuditEntry,
    ) -> Result<RegistrationId, StoreError> {
        registrations::insert(&mut self.connection(), registration, audit)
    }

    async fn update_registration(
        &self,
        registration: &Registration,
        expected_revision: i64,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        registrations::update(
            &mut self.connection(),
            registration,
            expected_revision,
            audit,
        )
    }

    async fn audit_trail(
        &self,
        company: CompanyId,
        id: RegistrationId,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        registrations::audit_trail(&self.connection(), company, id)
    }

    async fn insert_session(&self, session: &StoredSession) -> Result<(), StoreError> {
        sessions::insert(&self.connection(), session)
    }

    async fn session_by_hash(&self, id_hash: &str) -> Result<Option<StoredSession>, StoreError> {
        sessions::by_hash(&self.connection(), id_hash)
    }

    async fn touch_session(&self, id_hash: &str, at: OffsetDateTime) -> Result<(), StoreError> {
        sessions::touch(&self.connection(), id_hash, at)
    }

    async fn delete_session(&self, id_hash: &str) -> Result<(), StoreError> {
        sessions::delete(&self.connection(), id_hash)
    }

    async fn delete_expired_sessions(
        &self,
        before: OffsetDateTime,
        created_before: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        sessions::delete_expired(&self.connection(), before, created_before)
    }
}
