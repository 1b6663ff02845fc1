//! OAuth 2.0 access tokens from the host's token endpoint, cached until they near expiry.

use std::time::Duration;

use serde::Deserialize;
use tokio::sync::Mutex;
use tokio::time::Instant;

use super::error::{HostError, error_detail};
use super::http::{Body, HttpClient};
use crate::config::Secret;

/// Path of the token endpoint on the host.
pub const TOKEN_PATH: &str = "/oauth2/v0/token";

/// Maximum length of an access or refresh token, in bytes.
const MAX_TOKEN_BYTES: usize = 4096;

/// Maximum time by which a token is renewed ahead of its expiry.
const MAX_RENEWAL_MARGIN: Duration = Duration::from_secs(60);

/// The registration's client credentials.
pub struct ClientCredentials {
    pub client_id: String,
    pub client_secret: Secret,
}

/// An access token with its refresh token. `Debug` shows neither.
#[derive(Debug)]
struct Token {
    access: Secret,
    refresh: Option<Secret>,
    /// When to stop using the token: shortly before it expires.
    renew_at: Instant,
}

/// The documented token response; other members are ignored.
#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    token_type: String,
    expires_in: u64,
    #[serde(default)]
    refresh_token: Option<String>,
}

/// The access token and refresh token issued to one user, for a launch.
/// `Debug` shows neither.
#[derive(Debug, Clone)]
pub struct UserTokens {
    pub access: Secret,
    pub refresh: Option<Secret>,
}

/// Requests tokens with a grant bound to a user (`authorization_code` or
/// its `refresh_token`). A `400` or `401` is [`HostError::GrantRefused`].
pub async fn request_user_tokens(
    http: &HttpClient,
    grant: &'static str,
    form: &[(&str, &str)],
) -> Result<UserTokens, HostError> {
    match request_token(http, form).await {
        Ok(token) => Ok(UserTokens {
            access: token.access,
            refresh: token.refresh,
        }),
        Err(HostError::TokenRefused { status, detail }) => Err(HostError::GrantRefused {
            grant,
            status,
            detail,
        }),
        Err(other) => Err(other),
    }
}

/// The one token the worker uses, shared by its calls.
#[derive(Default)]
pub struct TokenCache {
    current: Mutex<Option<Token>>,
}

impl TokenCache {
    /// Returns the cached access token, or a refreshed or new one once it nears expiry.
    pub async fn access_token(
        &self,
        http: &HttpClient,
        credentials: &ClientCredentials,
    ) -> Result<Secret, HostError> {
        let mut current = self.current.lock().await;
        let fresh = current
            .as_ref()
            .filter(|token| Instant::now() < token.renew_at);
        if let Some(token) = fresh {
            return Ok(token.access.clone());
        }
        let token = renew(http, credentials, current.take()).await?;
        let access = token.access.clone();
        *current = Some(token);
        Ok(access)
    }

    /// Replaces a token the host rejected with `401`, unless it was already replaced.
    pub async fn replace_rejected(
        &self,
        http: &HttpClient,
        credentials: &ClientCredentials,
        rejected: &Secret,
    ) -> Result<Secret, HostError> {
        let mut current = self.current.lock().await;
        let replaced = current.as_ref().filter(|token| token.access != *rejected);
        if let Some(token) = replaced {
            return Ok(token.access.clone());
        }
        let token = renew(http, credentials, current.take()).await?;
        let access = token.access.clone();
        *current = Some(token);
        Ok(access)
    }
}

/// Uses the refresh token when there is one, and the client credentials
/// when there is none or the refresh fails.
async fn renew(
    http: &HttpClient,
    credentials: &ClientCredentials,
    old: Option<Token>,
) -> Result<Token, HostError> {
    if let Some(refresh) = old.and_then(|token| token.refresh) {
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh.expose()),
            ("client_id", &credentials.client_id),
            ("client_secret", credentials.client_secret.expose()),
        ];
        match request_token(http, &form).await {
            Ok(token) => {
                tracing::debug!("access token refreshed");
                return Ok(token);
            }
            Err(error) => tracing::info!(
                error = %error,
                "failed to refresh the access token; requesting a new one with the client credentials"
            ),
        }
    }

    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", &credentials.client_id),
        ("client_secret", credentials.client_secret.expose()),
    ];
    let token = request_token(http, &form).await?;
    tracing::info!("obtained an access token from the host");
    Ok(token)
}

async fn request_token(http: &HttpClient, form: &[(&str, &str)]) -> Result<Token, HostError> {
    let requested_at = Instant::now();
    let reply = http
        .send(reqwest::Method::POST, TOKEN_PATH, None, Body::Form(form))
        .await?;
    if reply.status != 200 {
        return Err(match reply.status {
            400 | 401 => HostError::TokenRefused {
                status: reply.status,
                detail: error_detail(&reply.body),
            },
            status => reply.status_error("POST", TOKEN_PATH, status),
        });
    }

    let invalid = |reason: String| HostError::InvalidResponse {
        call: "the token request",
        reason,
    };
    let response: TokenResponse = serde_json::from_slice(&reply.body)
        .map_err(|error| invalid(format!("not the documented JSON: {error}")))?;
    if !response.token_type.eq_ignore_ascii_case("bearer") {
        let token_type: String = response.token_type.chars().take(40).collect();
        return Err(invalid(format!("token_type is {token_type:?}, expected Bearer")));
    }
    check_token(&response.access_token).map_err(|rule| invalid(format!("access_token {rule}")))?;
    if let Some(refresh) = &response.refresh_token {
        check_token(refresh).map_err(|rule| invalid(format!("refresh_token {rule}")))?;
    }

    let lifetime = Duration::from_secs(response.expires_in);
    let margin = (lifetime / 10).min(MAX_RENEWAL_MARGIN);
    Ok(Token {
        access: Secret::new(response.access_token),
        refresh: response.refresh_token.map(Secret::new),
        renew_at: requested_at + (lifetime - margin),
    })
}

/// A token travels in an `Authorization` header and a form, so it must be
/// short visible ASCII. The rule never repeats the token.
fn check_token(token: &str) -> Result<(), String> {
    if token.is_empty() {
        return Err("is empty".to_owned());
    }
    if token.len() > MAX_TOKEN_BYTES {
        return Err(format!("is longer than {MAX_TOKEN_BYTES} bytes"));
    }
    if !token.bytes().all(|byte| byte.is_ascii_graphic()) {
        return Err("contains characters other than visible ASCII".to_owned());
    }
    Ok(())
}
