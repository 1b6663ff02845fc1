//! Persistence of companies, users, API tokens, registrations, the audit
//! trail, verification reports, the sandbox's reports and travel requests,
//! their workflow, launch fields and allocations, and the notification
//! queue. It also keeps the client credentials and tokens of the host web
//! services, and what connectors record on objects. Traits hide the
//! engine: SQLite, or PostgreSQL for several host instances sharing one
//! database.

pub mod callout_log;
pub mod connector_access;
mod entry_rows;
pub mod expenses;
pub mod launch;
pub mod migrations;
pub mod notifications;
mod object_tables;
pub mod postgres;
pub mod sqlite;
pub mod travel;
pub mod validation;
pub mod verification;
pub mod workflow;

use std::collections::BTreeSet;

use time::OffsetDateTime;

use crate::crypto::SealedPassword;
use crate::domain::fields::{CredentialUserName, Description, HostName, RegistrationName};
use crate::domain::services::Services;
use crate::domain::{
    Actor, AuditEntry, Company, CompanyId, Edition, Registration, RegistrationId, Role, User,
    UserId,
};

pub use callout_log::CalloutLogStore;
pub use connector_access::ConnectorAccessStore;
pub use expenses::ExpenseStore;
pub use launch::LaunchStore;
pub use notifications::NotificationStore;
pub use postgres::PostgresHostStore;
pub use sqlite::SqliteHostStore;
pub use travel::TravelStore;
pub use validation::ValidationStore;
pub use verification::VerificationStore;
pub use workflow::WorkflowStore;

/// A company to insert.
#[derive(Debug, Clone)]
pub struct NewCompany {
    pub name: String,
    pub edition: Edition,
    pub development_partner: bool,
    pub created_at: OffsetDateTime,
}

/// A user to insert, with the argon2 hash of their password.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub company_id: CompanyId,
    pub login: String,
    pub roles: BTreeSet<Role>,
    pub password_hash: String,
    pub created_at: OffsetDateTime,
}

/// A user with their company and password hash, for password logins.
#[derive(Debug, Clone)]
pub struct UserCredentials {
    pub actor: Actor,
    /// Argon2 PHC string.
    pub password_hash: String,
}

/// A registration to insert; the store assigns the id.
#[derive(Debug, Clone)]
pub struct NewRegistration {
    pub company_id: CompanyId,
    pub name: RegistrationName,
    pub description: Description,
    pub host_name: HostName,
    pub user_name: CredentialUserName,
    pub password: SealedPassword,
    pub services: Services,
    pub created_at: OffsetDateTime,
}

/// A signed-in browser session. Only the SHA-256 of its id is stored, so
/// that a copy of the database does not let anyone take over a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSession {
    /// SHA-256 of the session id, in lowercase hexadecimal.
    pub id_hash: String,
    pub user_id: UserId,
    /// The token that every form of this session must carry.
    pub csrf_token: String,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
}

/// Failure of a store operation.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule was broken: a company name, a login, or a
    /// registration name within its company.
    #[error("an entry with the same unique name exists")]
    Duplicate,
    /// The row changed since it was read (its revision differs).
    #[error("the entry was changed by another request")]
    Conflict,
    #[error("database error")]
    Database(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// A stored value that the domain does not accept, such as an unknown role.
#[derive(Debug, thiserror::Error)]
#[error("invalid stored value in {column}")]
pub(crate) struct InvalidStoredValue {
    column: &'static str,
}

pub(crate) fn invalid_value(column: &'static str) -> StoreError {
    StoreError::Database(Box::new(InvalidStoredValue { column }))
}

/// Unix milliseconds of a time, the unit of every time column.
pub(crate) fn to_millis(at: OffsetDateTime) -> i64 {
    (at.unix_timestamp_nanos() / 1_000_000) as i64
}

pub(crate) fn from_millis(millis: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Everything the host keeps. Writes that change a registration also
/// write their audit entry, in the same transaction.
#[async_trait::async_trait]
pub trait HostStore:
    CalloutLogStore
    + ConnectorAccessStore
    + ValidationStore
    + ExpenseStore
    + LaunchStore
    + TravelStore
    + WorkflowStore
    + NotificationStore
    + VerificationStore
    + Send
    + Sync
    + 'static
{
    /// Checks that the database responds; used by `/healthz`.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Inserts a company; [`StoreError::Duplicate`] when the name exists.
    async fn insert_company(&self, company: &NewCompany) -> Result<Company, StoreError>;

    async fn company_by_name(&self, name: &str) -> Result<Option<Company>, StoreError>;

    /// Inserts a user; [`StoreError::Duplicate`] when the login exists.
    async fn insert_user(&self, user: &NewUser) -> Result<User, StoreError>;

    async fn user_by_login(&self, login: &str) -> Result<Option<UserCredentials>, StoreError>;

    /// The user and their company, for sessions that keep only the user id.
    async fn actor_by_user_id(&self, user: UserId) -> Result<Option<Actor>, StoreError>;

    /// Stores the SHA-256 hash of a new API token.
    async fn insert_api_token(
        &self,
        user: UserId,
        token_hash: &str,
        created_at: OffsetDateTime,
    ) -> Result<(), StoreError>;

    async fn actor_by_token_hash(&self, token_hash: &str) -> Result<Option<Actor>, StoreError>;

    /// Registrations of one company, ordered by name.
    async fn registrations(&self, company: CompanyId) -> Result<Vec<Registration>, StoreError>;

    /// One registration, only when it belongs to `company`.
    async fn registration(
        &self,
        company: CompanyId,
        id: RegistrationId,
    ) -> Result<Option<Registration>, StoreError>;

    /// Inserts a registration with its services and its first audit entry;
    /// [`StoreError::Duplicate`] when the company has a registration of
    /// the same name, compared without regard to case.
    async fn insert_registration(
        &self,
        registration: &NewRegistration,
        audit: &AuditEntry,
    ) -> Result<RegistrationId, StoreError>;

    /// Saves every field and service of a registration and appends `audit`,
    /// when the stored revision is still `expected_revision`
    /// ([`StoreError::Conflict`] otherwise); the revision then increases by one.
    async fn update_registration(
        &self,
        registration: &Registration,
        expected_revision: i64,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;

    /// Audit entries of one registration of `company`, oldest first.
    async fn audit_trail(
        &self,
        company: CompanyId,
        id: RegistrationId,
    ) -> Result<Vec<AuditEntry>, StoreError>;

    /// Inserts a browser session.
    async fn insert_session(&self, session: &StoredSession) -> Result<(), StoreError>;

    async fn session_by_hash(&self, id_hash: &str) -> Result<Option<StoredSession>, StoreError>;

    /// Records that the session was used at `at`.
    async fn touch_session(&self, id_hash: &str, at: OffsetDateTime) -> Result<(), StoreError>;

    /// Deletes one session; deleting an absent session is not an error.
    async fn delete_session(&self, id_hash: &str) -> Result<(), StoreError>;

    /// Deletes the sessions last used before `before`, or created before
    /// `created_before`, and returns how many were deleted.
    async fn delete_expired_sessions(
        &self,
        before: OffsetDateTime,
        created_before: OffsetDateTime,
    ) -> Result<u64, StoreError>;
}
