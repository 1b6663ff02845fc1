//! Launch codes (`client_auth_code` of Launch External URL v4) and the
//! `authorization_code` grant of the token endpoint that exchanges them.

mod common;
mod notify_support;
mod services_support;

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use common::captured_log::captured_log;
use common::{Answer, TestHost};
use host::Config;
use host::connector_access::TokenService;
use host::domain::services::OAuthClient;
use host::store::connector_access::{CodeRedemption, NewTokenPair};
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
        Arc::clone(&validating.host().store),
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

    fn host(&self) -> &TestHost {
        self.validating.host()
    }

    /// Exchanges `code` with the right client id, redirect URI and secret.
    async fn exchange(&self, code: &str) -> Answer {
        token_request(self.host(), &self.exchange_form(code)).await
    }

    fn exchange_form<'a>(&'a self, code: &'a str) -> Vec<(&'a str, &'a str)> {
        vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("client_id", OAUTH_CLIENT_ID),
            ("redirect_uri", REDIRECT_URL),
            ("client_secret", self.validating.client_secret.as_str()),
        ]
    }

    /// Runs the refresh grant with the registration's client credentials.
    async fn refresh(&self, refresh_token: &str) -> Answer {
        let validating = &self.validating;
        refresh_as(
            self.host(),
            refresh_token,
            &validating.client_id,
            &validating.client_secret,
        )
        .await
    }

    /// Reads a report of the employee with `token`: `403` shows a valid
    /// token that acts for a user, `401` a revoked one.
    async fn probe(&self, token: &str) -> Answer {
        let report = report_of(self.host(), &self.validating.setup.employee, "Probe").await;
        read_json(self.host(), token, report).await
    }
}

/// Returns the field `name` of a JSON response as text.
fn text<'a>(answer: &'a Answer, name: &str) -> &'a str {
    answer.body[name]
        .as_str()
        .unwrap_or_else(|| panic!("{name} is missing: {}", answer.text))
}

/// Runs the refresh grant with the given client id and secret.
async fn refresh_as(host: &TestHost, token: &str, client_id: &str, client_secret: &str) -> Answer {
    token_request(
        host,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", token),
            ("client_id", client_id),
            ("client_secret", client_secret),
        ],
    )
    .await
}

/// Returns `form` with the field `name` replaced by `value`.
fn with_field<'a>(
    form: &[(&'a str, &'a str)],
    name: &str,
    value: &'a str,
) -> Vec<(&'a str, &'a str)> {
    form.iter()
        .map(|&(field, old)| (field, if field == name { value } else { old }))
        .collect()
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

    let bytes = launching.validating.host().database_bytes().await;
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

#[tokio::test]
async fn authorization_code_grant_issues_user_pair() {
    let launching = launching(notify_config()).await;
    let code = launching.code().await;

    let granted = launching.exchange(&code).await;

    assert_eq!(granted.status, 200, "{}", granted.text);
    assert_eq!(granted.body["token_type"], "Bearer");
    assert_eq!(granted.body["expires_in"], 3600);
    assert_eq!(granted.body["scope"], "user");
    assert!(text(&granted, "refresh_token").starts_with("crt_"));
    assert_eq!(
        granted
            .headers
            .get("cache-control")
            .and_then(|value| value.to_str().ok()),
        Some("no-store")
    );
    let probed = launching.probe(text(&granted, "access_token")).await;
    assert_eq!(probed.status, 403, "{}", probed.text);
    assert_eq!(probed.body["error"], "insufficient_scope");
}

#[tokio::test]
async fn authorization_code_refresh_keeps_user() {
    let launching = launching(notify_config()).await;
    let code = launching.code().await;
    let granted = launching.exchange(&code).await;
    assert_eq!(granted.status, 200, "{}", granted.text);

    let refreshed = launching.refresh(text(&granted, "refresh_token")).await;

    assert_eq!(refreshed.status, 200, "{}", refreshed.text);
    assert_eq!(refreshed.body["scope"], "user");
    let old = launching.probe(text(&granted, "access_token")).await;
    assert_eq!(old.status, 401, "{}", old.text);
    let new = launching.probe(text(&refreshed, "access_token")).await;
    assert_eq!(new.status, 403, "{}", new.text);
    assert_eq!(new.body["error"], "insufficient_scope");
}

#[tokio::test]
async fn authorization_code_refresh_accepts_oauth_client_id() {
    let launching = launching(notify_config()).await;
    let code = launching.code().await;
    let granted = launching.exchange(&code).await;
    let company = launching.validating.grant().await;
    let secret = launching.validating.client_secret.as_str();
    let user_refresh = text(&granted, "refresh_token").to_owned();
    let company_refresh = text(&company, "refresh_token").to_owned();

    let host = launching.host();
    let wrong_secret = refresh_as(host, &user_refresh, OAUTH_CLIENT_ID, "csec_wrong").await;
    let company_pair = refresh_as(host, &company_refresh, OAUTH_CLIENT_ID, secret).await;
    let refreshed = refresh_as(host, &user_refresh, OAUTH_CLIENT_ID, secret).await;

    assert_eq!(wrong_secret.status, 401, "{}", wrong_secret.text);
    assert_eq!(wrong_secret.body["error"], "invalid_client");
    assert_eq!(company_pair.status, 401, "{}", company_pair.text);
    assert_eq!(company_pair.body["error"], "invalid_client");
    assert_eq!(refreshed.status, 200, "{}", refreshed.text);
    assert_eq!(refreshed.body["scope"], "user");
}

#[tokio::test]
async fn launch_code_second_use_revokes_tokens() {
    let launching = launching(notify_config()).await;
    let code = launching.code().await;
    let first = launching.exchange(&code).await;
    assert_eq!(first.status, 200, "{}", first.text);
    let refreshed = launching.refresh(text(&first, "refresh_token")).await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.text);

    let second = launching.exchange(&code).await;

    assert_eq!(second.status, 400, "{}", second.text);
    assert_eq!(second.body["error"], "invalid_grant");
    assert_eq!(
        second.body["error_description"],
        "code is unknown, already used or expired"
    );
    let refreshed_access = launching.probe(text(&refreshed, "access_token")).await;
    assert_eq!(refreshed_access.status, 401, "{}", refreshed_access.text);
    let again = launching.refresh(text(&refreshed, "refresh_token")).await;
    assert_eq!(again.status, 400, "{}", again.text);
    assert_eq!(again.body["error"], "invalid_grant");
}

#[tokio::test]
async fn launch_code_reuse_spares_other_tokens() {
    let launching = launching(notify_config()).await;
    let company_token = launching.validating.access_token().await;
    let other_code = launching.code().await;
    let other = launching.exchange(&other_code).await;
    let code = launching.code().await;
    assert_eq!(launching.exchange(&code).await.status, 200);

    let second = launching.exchange(&code).await;

    assert_eq!(second.status, 400, "{}", second.text);
    let report = launching.validating.submitted_report("Company token").await;
    let company = read_json(launching.host(), &company_token, report).await;
    assert_eq!(company.status, 200, "{}", company.text);
    let other_access = launching.probe(text(&other, "access_token")).await;
    assert_eq!(other_access.status, 403, "{}", other_access.text);
}

#[tokio::test]
async fn expired_launch_code_is_invalid_grant() {
    let mut config = notify_config();
    config.web_services.launch_code_secs = 1;
    let launching = launching(config).await;
    let code = launching.code().await;

    tokio::time::sleep(Duration::from_millis(1500)).await;
    let expired = launching.exchange(&code).await;

    assert_eq!(expired.status, 400, "{}", expired.text);
    assert_eq!(expired.body["error"], "invalid_grant");
}

#[tokio::test]
async fn unknown_launch_code_is_invalid_grant() {
    let launching = launching(notify_config()).await;
    let long = format!("lc_{}", "a".repeat(300));

    for code in ["lc_unknown", long.as_str()] {
        let refused = launching.exchange(code).await;

        assert_eq!(refused.status, 400, "{}", refused.text);
        assert_eq!(refused.body["error"], "invalid_grant");
    }
}

#[tokio::test]
async fn launch_code_client_mismatch_is_invalid_grant() {
    let launching = launching(notify_config()).await;
    let code = launching.code().await;
    let form = launching.exchange_form(&code);
    let cases = [
        (
            "client_id",
            "other-client",
            "client_id is not the OAuth client the code was issued to",
        ),
        (
            "redirect_uri",
            "https://connector.example/launch/done/",
            "redirect_uri must be exactly the redirect URL the code was issued for",
        ),
        (
            "redirect_uri",
            "https://attacker.example/launch/done",
            "redirect_uri must be exactly the redirect URL the code was issued for",
        ),
    ];

    for (field, value, description) in cases {
        let refused = token_request(launching.host(), &with_field(&form, field, value)).await;

        assert_eq!(refused.status, 400, "{field}={value}: {}", refused.text);
        assert_eq!(refused.body["error"], "invalid_grant");
        assert_eq!(refused.body["error_description"], description);
    }
    // A rejected exchange leaves the code to its client.
    assert_eq!(launching.exchange(&code).await.status, 200);
}

#[tokio::test]
async fn launch_code_wrong_secret_is_invalid_client() {
    let launching = launching(notify_config()).await;
    let code = launching.code().await;
    let form = launching.exchange_form(&code);
    let other_registration = {
        let setup = &launching.validating.setup;
        let (connector, id) = second_registration(setup).await;
        let (_, secret) = generate_credentials(&setup.host, &setup.admin_token, id.0).await;
        (connector, secret)
    };

    for secret in ["csec_wrong", other_registration.1.as_str()] {
        let refused = token_request(
            launching.host(),
            &with_field(&form, "client_secret", secret),
        )
        .await;

        assert_eq!(refused.status, 401, "{}", refused.text);
        assert_eq!(refused.body["error"], "invalid_client");
        assert!(refused.headers.get("www-authenticate").is_some());
    }
}

#[tokio::test]
async fn authorization_code_form_errors_name_field() {
    let launching = launching(notify_config()).await;
    let code = launching.code().await;
    let form = launching.exchange_form(&code);

    for missing in ["code", "client_id", "redirect_uri", "client_secret"] {
        let partial: Vec<_> = form
            .iter()
            .copied()
            .filter(|(field, _)| *field != missing)
            .collect();
        let refused = token_request(launching.host(), &partial).await;

        assert_eq!(refused.status, 400, "{missing}: {}", refused.text);
        assert_eq!(refused.body["error"], "invalid_request");
        assert_eq!(
            refused.body["error_description"],
            format!("{missing} is required")
        );
    }
    for repeated in ["code", "redirect_uri"] {
        let mut doubled = form.clone();
        doubled.push((repeated, "again"));
        let refused = token_request(launching.host(), &doubled).await;

        assert_eq!(refused.status, 400, "{repeated}: {}", refused.text);
        assert_eq!(
            refused.body["error_description"],
            format!("{repeated} must not be repeated")
        );
    }
    assert_eq!(launching.exchange(&code).await.status, 200);
}

/// The test runtime has one thread, so these requests interleave only while
/// waiting on I/O. `store_redeems_launch_code_once` checks the transaction.
#[tokio::test]
async fn launch_code_concurrent_exchanges_one_succeeds() {
    let launching = launching(notify_config()).await;
    let code = launching.code().await;

    let answers = futures_util::future::join_all((0..6).map(|_| launching.exchange(&code))).await;

    let statuses: Vec<u16> = answers
        .iter()
        .map(|answer| answer.status.as_u16())
        .collect();
    assert_eq!(
        statuses.iter().filter(|status| **status == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|status| **status == 400).count(),
        5,
        "{statuses:?}"
    );
}

#[tokio::test]
async fn launch_code_log_has_no_secret() {
    let captured = captured_log();
    let launching = launching(notify_config()).await;
    let code = launching.code().await;
    let granted = launching.exchange(&code).await;
    assert_eq!(granted.status, 200, "{}", granted.text);
    let refreshed = launching.refresh(text(&granted, "refresh_token")).await;
    launching.exchange(&code).await;
    let log = captured.text();

    assert!(
        log.contains("grant_type=\"authorization_code\""),
        "log: {log}"
    );
    assert!(log.contains("launch code used a second time"), "log: {log}");
    for secret in [
        code.as_str(),
        launching.validating.client_secret.as_str(),
        text(&granted, "access_token"),
        text(&granted, "refresh_token"),
        text(&refreshed, "access_token"),
    ] {
        assert!(!log.contains(secret), "a secret is in the log");
    }
}

#[test]
fn store_adds_code_columns_to_old_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("host.db");
    let old = rusqlite::Connection::open(&path).unwrap();
    old.execute_batch(
        "CREATE TABLE oauth_tokens (
             access_hash TEXT PRIMARY KEY,
             refresh_hash TEXT NOT NULL UNIQUE,
             registration_id INTEGER NOT NULL REFERENCES registrations (id),
             company_id INTEGER NOT NULL REFERENCES companies (id),
             access_expires_at INTEGER NOT NULL,
             refresh_expires_at INTEGER NOT NULL,
             created_at INTEGER NOT NULL
         );",
    )
    .unwrap();
    drop(old);

    host::store::SqliteHostStore::open(&path).expect("open a database of an older schema");
    let reopened = host::store::SqliteHostStore::open(&path);

    assert!(reopened.is_ok(), "{:?}", reopened.err());
    let connection = rusqlite::Connection::open(&path).unwrap();
    let columns: Vec<String> = connection
        .prepare("SELECT name FROM pragma_table_info('oauth_tokens')")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(columns.contains(&"user_id".to_owned()), "{columns:?}");
    assert!(columns.contains(&"code_hash".to_owned()), "{columns:?}");
}

/// Two exchanges that both passed the checks before the store: the store's
/// transaction lets only the first one through.
#[tokio::test]
async fn store_redeems_launch_code_once() {
    let launching = launching(notify_config()).await;
    let code = launching.code().await;
    let code_hash = host::domain::accounts::api_token_hash(&code);
    let setup = &launching.validating.setup;
    let now = time::OffsetDateTime::now_utc();
    let pair = |name: &str| NewTokenPair {
        access_hash: format!("access-{name}"),
        refresh_hash: format!("refresh-{name}"),
        registration_id: setup.registration,
        company_id: setup.employee.company.id,
        access_expires_at: now + time::Duration::hours(1),
        refresh_expires_at: now + time::Duration::hours(2),
        created_at: now,
        user_id: Some(setup.employee.user.id),
        code_hash: Some(code_hash.clone()),
    };
    let store = &launching.host().store;

    let first = store
        .redeem_launch_code(&code_hash, now, &pair("first"))
        .await
        .unwrap();
    let second = store
        .redeem_launch_code(&code_hash, now, &pair("second"))
        .await
        .unwrap();

    assert_eq!(first, CodeRedemption::Redeemed);
    assert_eq!(second, CodeRedemption::Reused);
    for name in ["first", "second"] {
        let grant = store
            .access_grant(&format!("access-{name}"), now)
            .await
            .unwrap();
        assert_eq!(grant, None, "the pair {name} is stored after a reuse");
    }
}
