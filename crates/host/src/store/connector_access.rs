//! Persistence of the registrations' client credentials, the OAuth 2.0
//! tokens issued under them and the launch codes of Launch External URL v4.
//! Only hashes of secrets, tokens and codes are stored.

use time::OffsetDateTime;

use super::StoreError;
use crate::domain::{CompanyId, RegistrationId, UserId};

/// The client credentials of a registration, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredClientCredentials {
    pub registration_id: RegistrationId,
    pub company_id: CompanyId,
    pub client_id: String,
    /// SHA-256 of the client secret, in lowercase hexadecimal.
    pub secret_hash: String,
    pub created_at: OffsetDateTime,
}

/// An access token and its refresh token, to store as hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTokenPair {
    pub access_hash: String,
    pub refresh_hash: String,
    pub registration_id: RegistrationId,
    pub company_id: CompanyId,
    pub access_expires_at: OffsetDateTime,
    pub refresh_expires_at: OffsetDateTime,
    pub created_at: OffsetDateTime,
    /// The user a pair from the `authorization_code` grant acts for; `None`
    /// for the `client_credentials` grant.
    pub user_id: Option<UserId>,
    /// SHA-256 of the launch code the pair was issued from, so that a
    /// second use of the code can revoke it.
    pub code_hash: Option<String>,
}

/// The registration an unexpired access token was issued to, and the user
/// it acts for when it came from a launch code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccessGrant {
    pub registration_id: RegistrationId,
    pub company_id: CompanyId,
    pub user_id: Option<UserId>,
}

/// A `client_auth_code` to store as a hash, bound to the launching user,
/// the registration and the registration's V4 OAuth client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLaunchCode {
    pub code_hash: String,
    pub user_id: UserId,
    pub company_id: CompanyId,
    pub registration_id: RegistrationId,
    pub client_id: String,
    pub redirect_url: String,
    pub expires_at: OffsetDateTime,
    pub created_at: OffsetDateTime,
}

/// A launch code as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLaunchCode {
    pub user_id: UserId,
    pub company_id: CompanyId,
    pub registration_id: RegistrationId,
    pub client_id: String,
    pub redirect_url: String,
    pub expires_at: OffsetDateTime,
    pub used_at: Option<OffsetDateTime>,
}

/// The registration of an unexpired refresh token, and the OAuth client
/// id of the launch code its pair came from, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshTokenClient {
    pub registration_id: RegistrationId,
    pub launch_client_id: Option<String>,
}

/// Outcome of [`ConnectorAccessStore::redeem_launch_code`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeRedemption {
    /// The code was unused and unexpired: it is now used and the pair is stored.
    Redeemed,
    /// The code was already used: every pair issued from it is deleted.
    Reused,
    /// The code is unknown or expired.
    Rejected,
}

/// Client credentials and tokens. [`super::HostStore`] requires it.
#[async_trait::async_trait]
pub trait ConnectorAccessStore: Send + Sync {
    /// In one transaction: replaces the registration's client credentials
    /// and deletes every token issued to it.
    async fn replace_client_credentials(
        &self,
        credentials: &StoredClientCredentials,
    ) -> Result<(), StoreError>;

    async fn client_credentials_by_id(
        &self,
        client_id: &str,
    ) -> Result<Option<StoredClientCredentials>, StoreError>;

    async fn client_credentials_of(
        &self,
        registration: RegistrationId,
    ) -> Result<Option<StoredClientCredentials>, StoreError>;

    async fn insert_token_pair(&self, pair: &NewTokenPair) -> Result<(), StoreError>;

    /// Returns the grant of an access token that expires after `now`.
    async fn access_grant(
        &self,
        access_hash: &str,
        now: OffsetDateTime,
    ) -> Result<Option<AccessGrant>, StoreError>;

    /// In one transaction: deletes the pair whose refresh token has
    /// `refresh_hash`, was issued to `new_pair.registration_id` and expires
    /// after `now`, and inserts `new_pair` with the user and launch code of
    /// the deleted pair in place of its own. Returns the grant of the new
    /// pair, or `None` and changes nothing when there is no such pair.
    async fn redeem_refresh_token(
        &self,
        refresh_hash: &str,
        now: OffsetDateTime,
        new_pair: &NewTokenPair,
    ) -> Result<Option<AccessGrant>, StoreError>;

    /// Inserts a launch code. In the same transaction, deletes the codes that
    /// expired before `code.created_at` and have no token left, so that a
    /// used code stays while its tokens can still be revoked.
    async fn insert_launch_code(&self, code: &NewLaunchCode) -> Result<(), StoreError>;

    async fn launch_code(&self, code_hash: &str) -> Result<Option<StoredLaunchCode>, StoreError>;

    /// Returns the client of a refresh token that expires after `now`.
    async fn refresh_token_client(
        &self,
        refresh_hash: &str,
        now: OffsetDateTime,
    ) -> Result<Option<RefreshTokenClient>, StoreError>;

    /// In one transaction: marks the code `code_hash` used at `now` and
    /// inserts `new_pair` when the code is unused and expires after `now`.
    /// When the code was already used, deletes every pair issued from it
    /// instead, as RFC 6749 section 4.1.2 recommends.
    async fn redeem_launch_code(
        &self,
        code_hash: &str,
        now: OffsetDateTime,
        new_pair: &NewTokenPair,
    ) -> Result<CodeRedemption, StoreError>;

    /// Deletes every pair issued from the launch code `code_hash`.
    async fn revoke_code_tokens(&self, code_hash: &str) -> Result<(), StoreError>;
}
