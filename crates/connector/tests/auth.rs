//! Basic authentication and failure throttling over real TLS.

mod common;

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use argon2::password_hash::SaltString;
use argon2::{Argon2, PasswordHasher};
use common::memory_store::MemoryStore;
use common::*;
use connector::{Config, Secret};

const WWW_AUTHENTICATE: &str = r#"Basic realm="callouts", charset="UTF-8""#;

async fn start() -> TestConnector {
    spawn_connector(Arc::new(MemoryStore::default()), test_config()).await
}

async fn test_connection_with(
    connector: &TestConnector,
    authorization: Option<&str>,
) -> reqwest::Response {
    let mut request = connector.client.get(connector.url(TEST_CONNECTION_PATH));
    if let Some(value) = authorization {
        request = request.header("Authorization", value);
    }
    request.send().await.expect("send request")
}

fn www_authenticate(response: &reqwest::Response) -> Option<&str> {
    response
        .headers()
        .get("www-authenticate")
        .and_then(|value| value.to_str().ok())
}

#[tokio::test]
async fn missing_credentials_are_401() {
    let connector = start().await;

    let response = test_connection_with(&connector, None).await;

    assert_eq!(response.status(), 401);
    assert_eq!(www_authenticate(&response), Some(WWW_AUTHENTICATE));
}

#[tokio::test]
async fn wrong_password_is_401() {
    let connector = start().await;
    let authorization = basic_authorization(USERNAME, "s3cret:pässwörd:x");

    let response = test_connection_with(&connector, Some(&authorization)).await;

    assert_eq!(response.status(), 401);
    assert_eq!(www_authenticate(&response), Some(WWW_AUTHENTICATE));
}

#[tokio::test]
async fn wrong_username_is_401() {
    let connector = start().await;
    let authorization = basic_authorization("connector-usex", PASSWORD);

    let response = test_connection_with(&connector, Some(&authorization)).await;

    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn malformed_credentials_are_401() {
    let connector = start().await;

    for malformed in [
        "Basic",
        "Basic %%%",
        "Bearer abc",
        "Basic bm8tY29sb24taGVyZQ==",
    ] {
        let response = test_connection_with(&connector, Some(malformed)).await;

        assert_eq!(response.status(), 401, "for {malformed:?}");
        assert_eq!(
            www_authenticate(&response),
            Some(WWW_AUTHENTICATE),
            "for {malformed:?}"
        );
    }
}

#[tokio::test]
async fn malformed_credentials_name_the_rule() {
    let connector = start().await;
    let no_colon = format!("Basic {}", base64_of(b"no-colon-here"));
    let not_utf8 = format!("Basic {}", base64_of(b"user:\xff\xfe"));
    let too_long = format!("Basic {}", "A".repeat(2_000));
    let cases = [
        ("Bearer abc", "the Authorization scheme is not Basic"),
        ("Basic", "the Basic scheme but no credentials"),
        ("Basic %%%", "not valid base64"),
        (too_long.as_str(), "longer than 1024 base64 characters"),
        (no_colon.as_str(), "no `:` between user name and password"),
        (not_utf8.as_str(), "not valid UTF-8"),
    ];

    for (malformed, rule) in cases {
        let response = test_connection_with(&connector, Some(malformed)).await;
        let body = response.text().await.unwrap();

        assert!(body.contains(rule), "for {malformed:?}: {body}");
    }
}

#[tokio::test]
async fn repeated_authorization_is_401() {
    let connector = start().await;

    let response = connector
        .client
        .get(connector.url(TEST_CONNECTION_PATH))
        .header("Authorization", basic_authorization(USERNAME, PASSWORD))
        .header("Authorization", basic_authorization(USERNAME, "wrong"))
        .send()
        .await
        .expect("send request");

    assert_eq!(response.status(), 401);
    let body = response.text().await.unwrap();
    assert!(
        body.contains("the Authorization header appears more than once"),
        "{body}"
    );
}

#[tokio::test]
async fn missing_credentials_name_the_header() {
    let connector = start().await;

    let response = test_connection_with(&connector, None).await;
    let body = response.text().await.unwrap();

    assert!(
        body.contains("the Authorization header is missing"),
        "{body}"
    );
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[tokio::test]
async fn password_with_colon_and_non_ascii_is_accepted() {
    let connector = start().await;
    assert!(PASSWORD.contains(':'));
    assert!(!PASSWORD.is_ascii());

    let response = connector.get(TEST_CONNECTION_PATH).await;

    assert_eq!(response.status(), 200);
}

/// Returns the test configuration with the password stored as an argon2 hash.
fn argon2_config() -> Config {
    let salt = SaltString::encode_b64(b"harness salt 16b").unwrap();
    let hash = Argon2::default()
        .hash_password(PASSWORD.as_bytes(), &salt)
        .unwrap()
        .to_string();
    let mut config = test_config();
    config.credentials.password = Secret::new(hash);
    config
}

#[tokio::test]
async fn argon2_password_is_accepted() {
    let connector = spawn_connector(Arc::new(MemoryStore::default()), argon2_config()).await;

    let first = connector.get(TEST_CONNECTION_PATH).await;
    let cached = connector.get(TEST_CONNECTION_PATH).await;

    assert_eq!(first.status(), 200);
    assert_eq!(cached.status(), 200);
}

#[tokio::test]
async fn argon2_wrong_password_is_401() {
    let connector = spawn_connector(Arc::new(MemoryStore::default()), argon2_config()).await;
    let authorization = basic_authorization(USERNAME, "not-the-password");

    let response = test_connection_with(&connector, Some(&authorization)).await;

    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn healthz_needs_no_credentials() {
    let connector = start().await;

    let response = connector
        .client
        .get(connector.url("/healthz"))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn throttle_blocks_one_address_only() {
    let mut config = test_config();
    config.throttle.max_failures = 3;
    config.throttle.window_secs = 60;
    let connector = spawn_connector(Arc::new(MemoryStore::default()), config).await;
    let attacker = connector.client_from(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1)));
    let bystander = connector.client_from(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)));
    let wrong = basic_authorization(USERNAME, "wrong-password-123");
    let right = basic_authorization(USERNAME, PASSWORD);

    for attempt in 1..=3 {
        let response = attacker
            .get(connector.url(TEST_CONNECTION_PATH))
            .header("Authorization", &wrong)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "attempt {attempt}");
    }
    let throttled = attacker
        .get(connector.url(TEST_CONNECTION_PATH))
        .header("Authorization", &right)
        .send()
        .await
        .unwrap();
    let bystander_response = bystander
        .get(connector.url(TEST_CONNECTION_PATH))
        .header("Authorization", &right)
        .send()
        .await
        .unwrap();

    assert_eq!(throttled.status(), 429);
    let retry_after = throttled
        .headers()
        .get("retry-after")
        .and_then(|value| value.to_str().ok())
        .and_then(|text| text.parse::<u64>().ok());
    assert!(
        retry_after.is_some_and(|seconds| (1..=60).contains(&seconds)),
        "Retry-After {retry_after:?}"
    );
    assert_eq!(bystander_response.status(), 200);
}

/// Concurrent wrong argon2 attempts from one address: once the limit is
/// reached, attempts still waiting for an argon2 slot get `429` and run no
/// check. At most the limit plus the two slots' worth of attempts get `401`.
#[tokio::test]
async fn throttle_stops_concurrent_argon2_guesses() {
    let mut config = argon2_config();
    config.throttle.max_failures = 3;
    config.throttle.window_secs = 60;
    let connector = spawn_connector(Arc::new(MemoryStore::default()), config).await;
    let wrong = basic_authorization(USERNAME, "wrong-password-123");

    let attempts = (0..24).map(|_| {
        connector
            .client
            .get(connector.url(TEST_CONNECTION_PATH))
            .header("Authorization", &wrong)
            .send()
    });
    let responses = futures_util::future::join_all(attempts).await;
    let statuses: Vec<u16> = responses
        .into_iter()
        .map(|response| response.unwrap().status().as_u16())
        .collect();

    let rejected = statuses.iter().filter(|&&status| status == 401).count();
    let throttled = statuses.iter().filter(|&&status| status == 429).count();
    assert!(rejected >= 3, "statuses {statuses:?}");
    assert!(rejected <= 5, "statuses {statuses:?}");
    assert_eq!(rejected + throttled, 24, "statuses {statuses:?}");
}

#[tokio::test]
async fn throttle_ignores_successes() {
    let mut config = test_config();
    config.throttle.max_failures = 2;
    let connector = spawn_connector(Arc::new(MemoryStore::default()), config).await;
    let wrong = basic_authorization(USERNAME, "wrong-password-123");

    test_connection_with(&connector, Some(&wrong)).await;
    connector.get(TEST_CONNECTION_PATH).await;
    test_connection_with(&connector, Some(&wrong)).await;
    let response = connector.get(TEST_CONNECTION_PATH).await;

    assert_eq!(response.status(), 429);
}
