//! The connector's system of record: attendees and lists, behind a trait so
//! that another engine can serve the same handlers.

use std::sync::Arc;

use protocol::{Attendee, ListItem, SearchBy};

mod attendee_search;
pub mod launch;
mod location;
pub mod migrations;
pub mod notifications;
pub mod pattern;
pub mod postgres;
pub mod sqlite;

pub use location::Location;
pub use launch::{LaunchSession, LaunchStore, LaunchVersion, NonceOutcome};
pub use notifications::{
    Completion, Enqueued, NotificationQueue, NotificationRecord, NotificationStatus,
    PendingNotification,
};
pub use postgres::PostgresStore;
pub use sqlite::{SqliteStore, TextIndexStats};

/// Attendee search as Fetch Attendee defines it: a record matches only when
/// it matches every non-empty criterion (logical AND). Text fields match
/// case-insensitively as "begins with", where a `*` inside a value is a
/// wildcard, and `attendee_type_code` matches exactly.
#[derive(Debug, Clone, Default)]
pub struct AttendeeQuery {
    /// Criteria; `custom` may hold up to 25 values, empty ones ignored.
    pub criteria: Attendee,
    /// When set, only attendees owned by this login id match.
    pub owner_login_id: Option<String>,
    /// Maximum number of records to return, already capped by the caller.
    pub limit: usize,
    /// Number of custom fields each returned attendee carries (20 or 25).
    pub custom_field_count: usize,
}

/// List search under one parent of one list.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// Name of the imported list to search.
    pub list_name: String,
    /// Long code of the parent item; empty for the first level.
    pub parent_long_code: String,
    /// `*`, `x*`, `*x`, `*x*`, or an exact value without `*`.
    pub query: String,
    pub search_by: SearchBy,
    /// Language of the texts to return and search, falling back to the
    /// list's default language for items without a text in it.
    pub lang_code: String,
    /// Maximum number of items to return, already capped by the caller.
    pub limit: usize,
}

/// One validated row of a list file.
#[derive(Debug, Clone, Default)]
pub struct ListRow {
    /// Line in the source file, for error messages.
    pub line: u64,
    /// Long code of the parent item; empty on the first level.
    pub parent: String,
    /// Short code of the item; never contains `-`.
    pub code: String,
    pub text: String,
    /// Language of `text`; `None` means the list's default language.
    pub lang: Option<String>,
}

/// A whole list file to import into the list `list_name`.
#[derive(Debug, Clone, Default)]
pub struct ListImport {
    pub list_name: String,
    /// Language of texts without a `lang` value, and the fallback language
    /// of searches; set when the list is first imported.
    pub default_lang: String,
    pub rows: Vec<ListRow>,
}

/// One validated attendee row.
#[derive(Debug, Clone, Default)]
pub struct AttendeeRecord {
    pub line: u64,
    /// The attendee, with all 25 custom fields.
    pub attendee: Attendee,
    /// Login id of the owner; empty when the attendee belongs to everyone.
    pub owner_login_id: String,
}

/// Counts of an import that was committed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub inserted: u64,
    pub updated: u64,
}

/// A rule broken by one cell of an import file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    pub column: String,
    pub rule: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}, column `{}`: {}", self.line, self.column, self.rule)
    }
}

/// Failure of an import, after which the store is unchanged.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{} invalid row(s); nothing was imported", .0.len())]
    Rejected(Vec<RowError>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Failure of the store itself; bad queries are refused before they get here.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("list `{0}` not found")]
    ListNotFound(String),
    #[error("database error")]
    Database(#[source] Box<dyn std::error::Error + Send + Sync>),
}

#[async_trait::async_trait]
pub trait Store: Send + Sync + 'static {
    /// Returns at most `query.limit` attendees matching every criterion.
    async fn search_attendees(&self, query: &AttendeeQuery) -> Result<Vec<Attendee>, StoreError>;

    /// Returns at most `query.limit` items of the list under the parent,
    /// with `code` joined from the parent's long code and `match_value` set.
    async fn search_list(&self, query: &ListQuery) -> Result<Vec<ListItem>, StoreError>;

    /// Names of the imported lists, in import order. A store may hand out
    /// the same shared slice to every caller until the lists change.
    async fn list_names(&self) -> Result<Arc<[String]>, StoreError>;

    /// Tells whether the list has an item whose long code is exactly
    /// `long_code`; [`StoreError::ListNotFound`] when the list does not exist.
    async fn list_item_exists(&self, list_name: &str, long_code: &str)
    -> Result<bool, StoreError>;

    /// Checks that the database responds; used by `/healthz`.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Imports a list in one transaction, upserting items by long code;
    /// rejects the whole import when a row's parent does not exist.
    async fn import_list(&self, import: ListImport) -> Result<ImportSummary, ImportError>;

    /// Imports attendees in one transaction, upserting by ExternalID.
    async fn import_attendees(
        &self,
        records: Vec<AttendeeRecord>,
    ) -> Result<ImportSummary, ImportError>;

    /// Returns the durable queue of event notifications when this store
    /// keeps one. Without one (the default), the connector responds `503` to
    /// notifications.
    fn notification_queue(&self) -> Option<Arc<dyn NotificationQueue>> {
        None
    }

    /// Returns the nonces and sessions of the launch pages when this store
    /// keeps them. Without them (the default), the connector does not start
    /// with the launch pages on.
    fn launch_store(&self) -> Option<Arc<dyn LaunchStore>> {
        None
    }
}
