//! Access of connectors to the host web services: each registration's
//! client credentials, and the OAuth 2.0 tokens issued under them.
//!
//! - [`credentials`]: generating a registration's client id and secret;
//! - [`tokens`]: the `client_credentials` and `refresh_token` grants, and
//!   the check of an access token on each call.
//!
//! Secrets and tokens carry 256 random bits, so their SHA-256 is a safe
//! stored form; none of them is ever logged.

pub mod credentials;
pub mod tokens;

use base64::Engine;
use rand::RngCore;

pub use credentials::{ClientCredentials, generate_client_credentials};
pub use tokens::{ConnectorGrant, TokenError, TokenPair, TokenService};

/// Returns `prefix` followed by 32 random bytes in URL-safe base64.
fn random_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}
