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
use crate::store::connector_access::{
    CodeRedemption, NewLaunchCode, NewTokenPair, StoredClientCredentials,
};
use crate::store::{HostStore, StoreError};

/// Maximum length of a client id, secret or token that is looked up.
/// Longer ones are rejected without a query.
pub const MAX_CREDENTIAL_LENGTH: usize = 256;

const ACCESS_TOKEN_PREFIX: &str = "cat_";
const REFRESH_TOKEN_PREFIX: &str = "crt_";
const LAUNCH_CODE_PREFIX: &str = "lc_";

const REFRESH_TOKEN_REJECTED: &str = "refresh_token is unknown, already used or expired";
const CODE_REJECTED: &str = "code is unknown, already used or expired";
const WRONG_CLIENT: &str = "client_id or client_secret is wrong";

/// Reason a grant or an access token was rejected. Messages name the rule
/// and never repeat a credential.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// Unknown client id, wrong secret, or an inactive registration: one
    /// without an enabled service, or one that is not verified.
    #[error("{0}")]
    InvalidClient(&'static str),
    /// An unknown, used or expired refresh token or launch code, or a
    /// launch code presented with another `client_id` or `redirect_uri`.
    #[error("{0}")]
    InvalidGrant(&'static str),
    /// A missing, unknown or expired access token, or one of an inactive registration.
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
    /// The user the pair acts for, when it came from a launch code.
    pub user: Option<UserId>,
}

/// The grant of an access token: acting for one registration, on the
/// objects of its company, or only on those `user` owns when it is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectorGrant {
    pub registration_id: RegistrationId,
    pub company_id: CompanyId,
    /// The launching user of a token from the `authorization_code` grant,
    /// kept by its refreshes; `None` for `client_credentials`.
    pub user: Option<UserId>,
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
        let (pair, new) = self.new_pair(&client, None, None);
        self.store.insert_token_pair(&new).await?;
        Ok(pair)
    }

    /// Exchanges a launch code for a pair that acts for the launching user
    /// (the `authorization_code` grant of Launch External URL v4). The
    /// secret is the client secret of the code's registration, and
    /// `client_id` and `redirect_uri` are those of its V4 OAuth client. A
    /// second use of a code is rejected and revokes every pair issued from it.
    pub async fn authorization_code_grant(
        &self,
        code: &str,
        client_id: &str,
        redirect_uri: &str,
        client_secret: &str,
    ) -> Result<TokenPair, TokenError> {
        if code.len() > MAX_CREDENTIAL_LENGTH {
            return Err(TokenError::InvalidGrant(CODE_REJECTED));
        }
        let code_hash = api_token_hash(code);
        let Some(issued) = self.store.launch_code(&code_hash).await? else {
            return Err(TokenError::InvalidGrant(CODE_REJECTED));
        };
        let credentials = self
            .store
            .client_credentials_of(issued.registration_id)
            .await?;
        let client = self
            .verify_client(
                credentials,
                client_secret,
                "client_secret is wrong for the registration the code was issued for",
            )
            .await?;

        if issued.used_at.is_some() {
            self.store.revoke_code_tokens(&code_hash).await?;
            log_code_reuse(&issued.registration_id, issued.user_id);
            return Err(TokenError::InvalidGrant(CODE_REJECTED));
        }
        if client_id != issued.client_id {
            return Err(TokenError::InvalidGrant(
                "client_id is not the OAuth client the code was issued to",
            ));
        }
        if redirect_uri != issued.redirect_url {
            return Err(TokenError::InvalidGrant(
                "redirect_uri must be exactly the redirect URL the code was issued for",
            ));
        }
        let now = OffsetDateTime::now_utc();
        if issued.expires_at <= now {
            return Err(TokenError::InvalidGrant(CODE_REJECTED));
        }

        let (pair, new) = self.new_pair(&client, Some(issued.user_id), Some(code_hash.clone()));
        match self.store.redeem_launch_code(&code_hash, now, &new).await? {
            CodeRedemption::Redeemed => Ok(pair),
            CodeRedemption::Reused => {
                log_code_reuse(&issued.registration_id, issued.user_id);
                Err(TokenError::InvalidGrant(CODE_REJECTED))
            }
            CodeRedemption::Rejected => Err(TokenError::InvalidGrant(CODE_REJECTED)),
        }
    }

    /// The `refresh_token` grant: the refresh token must have been issued to
    /// this client; the pair it belongs to is revoked. A pair from a launch
    /// code may also name its OAuth client as `client_id`, as in the
    /// `authorization_code` grant, with the registration's client secret.
    pub async fn refresh_token_grant(
        &self,
        refresh_token: &str,
        client_id: &str,
        client_secret: &str,
    ) -> Result<TokenPair, TokenError> {
        let refresh_hash = api_token_hash(refresh_token);
        let client = self
            .refresh_client(&refresh_hash, client_id, client_secret)
            .await?;
        if refresh_token.len() > MAX_CREDENTIAL_LENGTH {
            return Err(TokenError::InvalidGrant(REFRESH_TOKEN_REJECTED));
        }
        let (mut pair, new) = self.new_pair(&client, None, None);
        let redeemed = self
            .store
            .redeem_refresh_token(&refresh_hash, OffsetDateTime::now_utc(), &new)
            .await?;
        let Some(grant) = redeemed else {
            return Err(TokenError::InvalidGrant(REFRESH_TOKEN_REJECTED));
        };
        // The store copied the user of the redeemed pair into the new one.
        pair.user = grant.user_id;
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
        if !registration.as_ref().is_some_and(Registration::is_active) {
            return Err(TokenError::InvalidToken);
        }
        Ok(ConnectorGrant {
            registration_id: grant.registration_id,
            company_id: grant.company_id,
            user: grant.user_id,
        })
    }

    async fn authenticate_client(
        &self,
        client_id: &str,
        client_secret: &str,
    ) -> Result<StoredClientCredentials, TokenError> {
        if client_id.len() > MAX_CREDENTIAL_LENGTH {
            return Err(TokenError::InvalidClient(WRONG_CLIENT));
        }
        let stored = self.store.client_credentials_by_id(client_id).await?;
        self.verify_client(stored, client_secret, WRONG_CLIENT)
            .await
    }

    /// Authenticates the client of a refresh request: the OAuth client of
    /// the launch code the pair came from, or else the registration's client id.
    async fn refresh_client(
        &self,
        refresh_hash: &str,
        client_id: &str,
        client_secret: &str,
    ) -> Result<StoredClientCredentials, TokenError> {
        let holder = self
            .store
            .refresh_token_client(refresh_hash, OffsetDateTime::now_utc())
            .await?;
        let Some(holder) =
            holder.filter(|holder| holder.launch_client_id.as_deref() == Some(client_id))
        else {
            return self.authenticate_client(client_id, client_secret).await;
        };
        let credentials = self
            .store
            .client_credentials_of(holder.registration_id)
            .await?;
        self.verify_client(credentials, client_secret, WRONG_CLIENT)
            .await
    }

    /// Checks `client_secret` against the stored credentials and that their
    /// registration is active. `wrong` is the message for a wrong secret.
    async fn verify_client(
        &self,
        stored: Option<StoredClientCredentials>,
        client_secret: &str,
        wrong: &'static str,
    ) -> Result<StoredClientCredentials, TokenError> {
        if client_secret.len() > MAX_CREDENTIAL_LENGTH {
            return Err(TokenError::InvalidClient(wrong));
        }
        let Some(stored) = stored else {
            return Err(TokenError::InvalidClient(wrong));
        };
        let presented = api_token_hash(client_secret);
        if !bool::from(presented.as_bytes().ct_eq(stored.secret_hash.as_bytes())) {
            return Err(TokenError::InvalidClient(wrong));
        }
        let registration = self
            .store
            .registration(stored.company_id, stored.registration_id)
            .await?;
        if !registration.as_ref().is_some_and(Registration::is_active) {
            return Err(TokenError::InvalidClient(
                "the registration is inactive: it has no enabled service or is not verified",
            ));
        }
        Ok(stored)
    }

    fn new_pair(
        &self,
        client: &StoredClientCredentials,
        user: Option<UserId>,
        code_hash: Option<String>,
    ) -> (TokenPair, NewTokenPair) {
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
            user_id: user,
            code_hash,
        };
        let pair = TokenPair {
            access_token: connector::Secret::new(access),
            refresh_token: connector::Secret::new(refresh),
            expires_in: self.access_lifetime,
            registration_id: client.registration_id,
            user,
        };
        (pair, stored)
    }
}

/// Logs a second use of a launch code, with the ids it was issued for.
fn log_code_reuse(registration: &RegistrationId, user: UserId) {
    tracing::warn!(
        registration_id = registration.0,
        user_id = user.0,
        "launch code used a second time; tokens issued from it revoked"
    );
}
