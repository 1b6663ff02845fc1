//! Durable state of the Launch External URL pages: used nonces and launch sessions.

use super::StoreError;

/// The query version a launch came with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LaunchVersion {
    /// Expense entry fields, HMAC-SHA1; writes with a client-credentials token.
    V1,
    /// Header, entry and allocation fields, HMAC-SHA256; writes with the
    /// token exchanged for the launch's `client_auth_code`.
    V4,
}

impl LaunchVersion {
    /// Returns the number stored in the database and logged: 1 or 4.
    pub fn number(self) -> u8 {
        match self {
            LaunchVersion::V1 => 1,
            LaunchVersion::V4 => 4,
        }
    }

    /// Reads a stored number; others give `None`.
    pub fn from_number(number: i64) -> Option<LaunchVersion> {
        match number {
            1 => Some(LaunchVersion::V1),
            4 => Some(LaunchVersion::V4),
            _ => None,
        }
    }
}

/// Result of recording a nonce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonceOutcome {
    /// First use within the replay window; the row is committed.
    Fresh,
    /// Already used within the replay window; nothing was written.
    Replayed,
}

/// A launch session, which the pages after a verified launch act on.
/// The store receives only the SHA-256 of the session id, never the id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaunchSession {
    /// SHA-256 of the session id.
    pub id_hash: [u8; 32],
    pub version: LaunchVersion,
    /// Login of the user who launched.
    pub user_id: String,
    /// URL of the item in the host's web services, already checked to be
    /// on the configured host origin.
    pub item_url: String,
    /// Code of the custom field the chosen value is written to.
    pub field: String,
    /// Language code of the list texts, such as `EN`; empty for the list's default.
    pub language: String,
    /// Version 4 access and refresh tokens, sealed with a key derived from
    /// the session id (see `crate::launch`), so the database alone does not
    /// reveal them. `None` for version 1.
    pub sealed_tokens: Option<Vec<u8>>,
    /// End of the session, in Unix milliseconds.
    pub expires_at_ms: i64,
}

/// Nonces and sessions. Every change is committed before the method returns.
#[async_trait::async_trait]
pub trait LaunchStore: Send + Sync + 'static {
    /// Records `nonce` as used until `expires_at_ms` unless an unexpired row
    /// already has it. Prunes the nonces and sessions that expired by `now_ms`.
    async fn record_nonce(
        &self,
        nonce: &str,
        now_ms: i64,
        expires_at_ms: i64,
    ) -> Result<NonceOutcome, StoreError>;

    /// Stores a new session.
    async fn insert_session(&self, session: &LaunchSession) -> Result<(), StoreError>;

    /// Returns the session with this id hash unless it expired by `now_ms`.
    async fn find_session(
        &self,
        id_hash: &[u8; 32],
        now_ms: i64,
    ) -> Result<Option<LaunchSession>, StoreError>;

    /// Replaces the sealed tokens of a session after a refresh.
    async fn replace_session_tokens(
        &self,
        id_hash: &[u8; 32],
        sealed_tokens: &[u8],
    ) -> Result<(), StoreError>;

    /// Deletes a session and returns whether it existed.
    async fn delete_session(&self, id_hash: &[u8; 32]) -> Result<bool, StoreError>;
}
