//! Launch codes (`client_auth_code` of Launch External URL v4) and the
//! `authorization_code` grant of the token endpoint that exchanges them.

mod common;
mod notify_support;
mod services_support;

use std::sync::Arc;

use base64::Engine;
use host::Config;
use host::connector_access::TokenService;
use host::domain::services::OAuthClient;
use notify_support::*;
use services_support::*;

const REDIRECT_URL: &str = "https://connector.example/launch/done";
const OAUTH_CLIENT_ID: &str = "leu-client";

/// A host with a validating registration, and a token service on its store
/// that issues launch codes as the launch pages do.
struct Launching {
    validating: Validating,
    tokens: TokenService,
}

async fn launching(config: Config) -> Launching {
    let validating = validating(config.clone()).await;
    let tokens = TokenService::new(
        Arc::new(validating.host().store.clone()),
        &config.web_services,
    );
    Launching { validating, tokens }
}

fn oauth_client() -> OAuthClient {
    OAuthClient {
        client_id: OAUTH_CLIENT_ID.to_owned(),
        redirect_url: REDIRECT_URL.to_owned(),
    }
}

impl Launching {
    /// Issues a launch code for the employee.
    async fn code(&self) -> String {
        let setup = &self.validating.setup;
        self.tokens
            .issue_launch_code(
                setup.employee.user.id,
                setup.employee.company.id,
                setup.registration,
                &oauth_client(),
            )
            .await
            .expect("issue launch code")
    }
}

#[tokio::test]
async fn launch_code_has_prefix_and_256_bits() {
    let launching = launching(notify_config()).await;

    let code = launching.code().await;

    let encoded = code.strip_prefix("lc_").expect("the code starts with lc_");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(encoded)
        .expect("URL-safe base64 without padding");
    assert_eq!(bytes.len(), 32);
    assert_ne!(launching.code().await, code);
}

#[tokio::test]
async fn launch_code_stored_only_hashed() {
    let launching = launching(notify_config()).await;

    let code = launching.code().await;

    let bytes = launching.validating.host().database_bytes();
    let stored = String::from_utf8_lossy(&bytes);
    assert!(
        !stored.contains(&code),
        "the launch code is stored in clear text"
    );
    assert!(
        stored.contains(&host::domain::accounts::api_token_hash(&code)),
        "the hash of the launch code is not stored"
    );
}
