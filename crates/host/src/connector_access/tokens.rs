//! The OAuth 2.0 grants of the host web services and the check of access
//! tokens. A refresh token is single-use: redeeming it deletes its pair.
//! Launch codes (`client_auth_code` of Launch External URL v4) are issued
//! here too, for the `authorization_code` grant.

use std::sync::Arc;
use std::time::Duration;

use subtle::ConstantTimeEq;
use time::OffsetDateTime;

use super::random_secret;
use crate::config::WebServicesConfig;
use crate::domain::accounts::api_token_hash;
use crate::domain::services::OAuthClient;
use crate::domain::{CompanyId, Registration, RegistrationId, UserId};
use crate::store::connector_access::{NewLaunchCode, NewTokenPair, StoredClientCredentials};
use crate::store::{HostStore, StoreError};

/// Maximum length of a client id, secret or token that is looked up.
/// Longer ones are rejected without a query.
pub const MAX_CREDENTIAL_LENGTH: usize = 256;

const ACCESS_TOKEN_PREFIX: &str = "cat_";
const REFRESH_TOKEN_PREFIX: &str = "crt_";
const LAUNCH_CODE_PREFIX: &str = "lc_";

/// Reason a grant or an access token was rejected. Messages name the rule
/// and never repeat a credential.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// Unknown client id, wrong secret, or a deactivated registration.
    #[error("{0}")]
    InvalidClient(&'static str),
    /// An unknown, used or expired refresh token.
    #[error("refresh_token is unknown, already used or expired")]
    InvalidGrant,
    /// A missing, unknown or expired access token, or one of a deactivated registration.
    #[error("the access token is unknown, expired or revoked")]
    InvalidToken,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A new access token with its refresh token.
#[derive(Debug)]
pub struct TokenPair {
    pub access_token: connector::Secret,
    pub refresh_token: connector::Secret,
    pub expires_in: Duration,
    pub registration_id: RegistrationId,
}

/// The grant of an access token: acting for one registration, on the
/// objects of its company.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectorGrant {
    pub registration_id: RegistrationId,
    pub company_id: CompanyId,
}

/// Issues and checks the tokens of the host web services.
pub struct TokenService {
    store: Arc<dyn HostStore>,
    access_lifetime: Duration,
    refresh_lifetime: Duration,
    launch_code_lifetime: Duration,
}

impl TokenService {
    pub fn new(store: Arc<dyn HostStore>, config: &WebServicesConfig) -> TokenService {
        TokenService {
            store,
            access_lifetime: Duration::from_secs(config.access_token_secs),
            refresh_lifetime: Duration::from_secs(config.refresh_token_secs),
            launch_code_lifetime: Duration::from_secs(config.launch_code_secs),
        }
    }

    /// Issues a token pair for the `client_credentials` grant.
    pub async fn client_credentials_grant(
        &self,
        client_id: &str,
        client_secret: &str,
    ) -> Result<TokenPair, TokenError> {
        let client = self.authenticate_client(client_id, client_secret).await?;
        let (pair, new) = self.new_pair(&client);
        self.store.insert_token_pair(&new).await?;
        Ok(pair)
    }

    /// The `refresh_token` grant: the refresh token must have been issued to
    /// this client; the pair it belongs to is revoked.
    pub async fn refresh_token_grant(
        &self,
        refresh_token: &str,
        client_id: &str,
        client_secret: &str,
    ) -> Result<TokenPair, TokenError> {
        let client = self.authenticate_client(client_id, client_secret).await?;
        if refresh_token.len() > MAX_CREDENTIAL_LENGTH {
            return Err(TokenError::InvalidGrant);
        }
        let (pair, new) = self.new_pair(&client);
        let redeemed = self
            .store
            .redeem_refresh_token(
                &api_token_hash(refresh_token),
                OffsetDateTime::now_utc(),
                &new,
            )
            .await?;
        if !redeemed {
            return Err(TokenError::InvalidGrant);
        }
        Ok(pair)
    }

    /// Issues a single-use `client_auth_code` for a v4 launch by `user`,
    /// bound to the registration and its OAuth client. Only its SHA-256 is
    /// stored; it expires after `web_services.launch_code_secs`.
    pub async fn issue_launch_code(
        &self,
        user: UserId,
        company: CompanyId,
        registration: RegistrationId,
        client: &OAuthClient,
    ) -> Result<String, TokenError> {
        let now = OffsetDateTime::now_utc();
        let code = random_secret(LAUNCH_CODE_PREFIX);
        self.store
            .insert_launch_code(&NewLaunchCode {
                code_hash: api_token_hash(&code),
                user_id: user,
                company_id: company,
                registration_id: registration,
                client_id: client.client_id.clone(),
                redirect_url: client.redirect_url.clone(),
                expires_at: now + self.launch_code_lifetime,
                created_at: now,
            })
            .await?;
        Ok(code)
    }

    /// Returns the grant of an unexpired access token of an active registration.
    pub async fn authenticate(&self, access_token: &str) -> Result<ConnectorGrant, TokenError> {
        if access_token.is_empty() || access_token.len() > MAX_CREDENTIAL_LENGTH {
            return Err(TokenError::InvalidToken);
        }
        let grant = self
            .store
            .access_grant(&api_token_hash(access_token), OffsetDateTime::now_utc())
            .await?
            .ok_or(TokenError::InvalidToken)?;
        let registration = self
            .store
            .registration(grant.company_id, grant.registration_id)
            .await?;
        if !registration.as_ref().is_some_and(is_enabled) {
            return Err(TokenError::InvalidToken);
        }
        Ok(ConnectorGrant {
            registration_id: grant.registration_id,
            company_id: grant.company_id,
        })
    }

    async fn authenticate_client(
        &self,
        client_id: &str,
        client_secret: &str,
    ) -> Result<StoredClientCredentials, TokenError> {
        const WRONG: &str = "client_id or client_secret is wrong";
        if client_id.len() > MAX_CREDENTIAL_LENGTH || client_secret.len() > MAX_CREDENTIAL_LENGTH {
            return Err(TokenError::InvalidClient(WRONG));
        }
        let stored = self.store.client_credentials_by_id(client_id).await?;
        let Some(stored) = stored else {
            return Err(TokenError::InvalidClient(WRONG));
        };
        let presented = api_token_hash(client_secret);
        if !bool::from(presented.as_bytes().ct_eq(stored.secret_hash.as_bytes())) {
            return Err(TokenError::InvalidClient(WRONG));
        }
        let registration = self
            .store
            .registration(stored.company_id, stored.registration_id)
            .await?;
        if !registration.as_ref().is_some_and(is_enabled) {
            return Err(TokenError::InvalidClient(
                "the registration is deactivated: it has no enabled service",
            ));
        }
        Ok(stored)
    }

    fn new_pair(&self, client: &StoredClientCredentials) -> (TokenPair, NewTokenPair) {
        let now = OffsetDateTime::now_utc();
        let access = random_secret(ACCESS_TOKEN_PREFIX);
        let refresh = random_secret(REFRESH_TOKEN_PREFIX);
        let stored = NewTokenPair {
            access_hash: api_token_hash(&access),
            refresh_hash: api_token_hash(&refresh),
            registration_id: client.registration_id,
            company_id: client.company_id,
            access_expires_at: now + self.access_lifetime,
            refresh_expires_at: now + self.refresh_lifetime,
            created_at: now,
        };
        let pair = TokenPair {
            access_token: connector::Secret::new(access),
            refresh_token: connector::Secret::new(refresh),
            expires_in: self.access_lifetime,
            registration_id: client.registration_id,
        };
        (pair, stored)
    }
}

/// Returns whether any service of the registration is enabled, because a
/// registration without one is deactivated.
fn is_enabled(registration: &Registration) -> bool {
    registration
        .services
        .values()
        .any(|service| service.enabled)
}
