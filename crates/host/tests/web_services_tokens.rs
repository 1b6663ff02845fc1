//! The token endpoint of the host web services and the client credentials
//! behind it: each grant and error, expiry, revocation, and deactivation.

mod common;
mod notify_support;
mod services_support;

use std::time::Duration;

use common::captured_log::captured_log;
use notify_support::*;
use serde_json::json;
use services_support::*;

#[tokio::test]
async fn client_credentials_grant_issues_token_pair() {
    let validating = validating(notify_config()).await;

    let granted = validating.grant().await;

    assert_eq!(granted.status, 200, "{}", granted.text);
    assert_eq!(granted.body["token_type"], "Bearer");
    assert_eq!(granted.body["expires_in"], 3600);
    assert_eq!(granted.body["scope"], "company");
    assert!(
        granted.body["refresh_token"]
            .as_str()
            .is_some_and(|token| !token.is_empty())
    );
    assert_eq!(
        granted
            .headers
            .get("cache-control")
            .and_then(|value| value.to_str().ok()),
        Some("no-store")
    );
}

#[tokio::test]
async fn token_secrets_stored_only_hashed() {
    let validating = validating(notify_config()).await;
    let granted = validating.grant().await;
    let bytes = validating.host().database_bytes().await;
    let stored = String::from_utf8_lossy(&bytes);

    for secret in [
        validating.client_secret.as_str(),
        granted.body["access_token"].as_str().unwrap(),
        granted.body["refresh_token"].as_str().unwrap(),
    ] {
        assert!(!stored.contains(secret), "a secret is stored in clear text");
    }
}

#[tokio::test]
async fn refresh_token_is_single_use() {
    let validating = validating(notify_config()).await;
    let first = validating.grant().await;
    let refresh = first.body["refresh_token"].as_str().unwrap().to_owned();
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh.as_str()),
        ("client_id", validating.client_id.as_str()),
        ("client_secret", validating.client_secret.as_str()),
    ];

    let refreshed = token_request(validating.host(), &form).await;
    let again = token_request(validating.host(), &form).await;

    assert_eq!(refreshed.status, 200, "{}", refreshed.text);
    assert_eq!(again.status, 400, "{}", again.text);
    assert_eq!(again.body["error"], "invalid_grant");
    let old_access = first.body["access_token"].as_str().unwrap();
    let report = validating.submitted_report("Refresh").await;
    let with_old = read_json(validating.host(), old_access, report).await;
    assert_eq!(
        with_old.status, 401,
        "the refreshed pair's access token still works"
    );
    let new_access = refreshed.body["access_token"].as_str().unwrap();
    assert_eq!(
        read_json(validating.host(), new_access, report)
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn wrong_client_secret_is_invalid_client() {
    let validating = validating(notify_config()).await;

    let refused = token_request(
        validating.host(),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &validating.client_id),
            ("client_secret", "csec_wrong"),
        ],
    )
    .await;

    assert_eq!(refused.status, 401, "{}", refused.text);
    assert_eq!(refused.body["error"], "invalid_client");
    assert!(refused.body["error_description"].as_str().is_some());
}

#[tokio::test]
async fn token_request_errors_follow_rfc6749() {
    let validating = validating(notify_config()).await;
    let host = validating.host();
    let id = validating.client_id.as_str();
    let secret = validating.client_secret.as_str();

    let unsupported = token_request(
        host,
        &[
            ("grant_type", "password"),
            ("client_id", id),
            ("client_secret", secret),
        ],
    )
    .await;
    let missing = token_request(
        host,
        &[("grant_type", "client_credentials"), ("client_id", id)],
    )
    .await;
    let repeated = token_request(
        host,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_id", id),
            ("client_secret", secret),
        ],
    )
    .await;
    let unknown_refresh = token_request(
        host,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", "crt_unknown"),
            ("client_id", id),
            ("client_secret", secret),
        ],
    )
    .await;

    assert_eq!(unsupported.status, 400);
    assert_eq!(unsupported.body["error"], "unsupported_grant_type");
    assert_eq!(missing.status, 400);
    assert_eq!(missing.body["error"], "invalid_request");
    assert_eq!(
        missing.body["error_description"],
        "client_secret is required"
    );
    assert_eq!(repeated.status, 400);
    assert_eq!(
        repeated.body["error_description"],
        "client_id must not be repeated"
    );
    assert_eq!(unknown_refresh.status, 400);
    assert_eq!(unknown_refresh.body["error"], "invalid_grant");
}

#[tokio::test]
async fn token_request_json_body_is_refused() {
    let validating = validating(notify_config()).await;
    let host = validating.host();

    let refused = host
        .send(
            reqwest::Method::POST,
            "/oauth2/v0/token",
            None,
            Some(&json!({"grant_type": "client_credentials"})),
        )
        .await;

    assert_eq!(refused.status, 415, "{}", refused.text);
    assert_eq!(refused.body["error"], "invalid_request");
}

#[tokio::test]
async fn expired_access_token_is_rejected() {
    let mut config = notify_config();
    config.web_services.access_token_secs = 1;
    let validating = validating(config).await;
    let report = validating.submitted_report("Expiry").await;
    let token = validating.access_token().await;
    assert_eq!(
        read_json(validating.host(), &token, report).await.status,
        200
    );

    tokio::time::sleep(Duration::from_millis(1500)).await;
    let expired = read_json(validating.host(), &token, report).await;

    assert_eq!(expired.status, 401, "{}", expired.text);
    assert_eq!(expired.body["error"], "invalid_token");
    assert!(expired.headers.get("www-authenticate").is_some());
}

#[tokio::test]
async fn regenerated_credentials_revoke_tokens() {
    let validating = validating(notify_config()).await;
    let report = validating.submitted_report("Regenerate").await;
    let token = validating.access_token().await;
    let setup = &validating.setup;

    let (_, new_secret) =
        generate_credentials(&setup.host, &setup.admin_token, setup.registration.0).await;
    let old_secret = validating.grant().await;

    assert_eq!(read_json(&setup.host, &token, report).await.status, 401);
    assert_eq!(old_secret.status, 401);
    assert_ne!(new_secret, validating.client_secret);
}

#[tokio::test]
async fn deactivated_registration_tokens_stop_working() {
    let validating = validating(notify_config()).await;
    let report = validating.submitted_report("Deactivated").await;
    let token = validating.access_token().await;
    let setup = &validating.setup;

    let disabled = setup
        .host
        .put(
            &format!(
                "/api/v1/connectors/{}/services/event-notification",
                setup.registration.0
            ),
            &setup.admin_token,
            &json!({"enabled": false}),
        )
        .await;

    assert_eq!(disabled.status, 200, "{}", disabled.text);
    assert_eq!(read_json(&setup.host, &token, report).await.status, 401);
    assert_eq!(validating.grant().await.status, 401);
}

#[tokio::test]
async fn unverified_registration_tokens_stop_working() {
    let validating = validating(notify_config()).await;
    let report = validating.submitted_report("Unverified").await;
    let token = validating.access_token().await;
    let setup = &validating.setup;

    setup.unverify().await;

    assert_eq!(read_json(&setup.host, &token, report).await.status, 401);
    let granted = validating.grant().await;
    assert_eq!(granted.status, 401, "{}", granted.text);
    assert_eq!(granted.body["error"], "invalid_client");
    assert!(
        granted.body.get("access_token").is_none(),
        "{}",
        granted.text
    );
}

#[tokio::test]
async fn client_credentials_need_registration_manager() {
    let validating = validating(notify_config()).await;
    let setup = &validating.setup;
    let employee_token = token_of(&setup.host, &setup.employee).await;
    let other_admin = setup.host.administrator("Globex").await;
    let path = format!(
        "/api/v1/connectors/{}/client-credentials",
        setup.registration.0
    );

    let by_employee = setup.host.post(&path, &employee_token, &json!({})).await;
    let by_other_company = setup.host.post(&path, &other_admin, &json!({})).await;

    assert_eq!(by_employee.status, 403, "{}", by_employee.text);
    assert_eq!(by_other_company.status, 404, "{}", by_other_company.text);
}

#[tokio::test]
async fn web_services_log_has_no_secret() {
    let captured = captured_log();
    let validating = validating(notify_config()).await;
    let report = validating.submitted_report("Logged").await;
    let token = validating.access_token().await;
    read_json(validating.host(), &token, report).await;
    read_json(validating.host(), "cat_wrong", report).await;
    let log = captured.text();

    assert!(log.contains("access token issued"), "log: {log}");
    assert!(log.contains(&format!(
        "registration_id={}",
        validating.setup.registration.0
    )));
    for secret in [validating.client_secret.as_str(), token.as_str()] {
        assert!(!log.contains(secret), "a secret is in the log");
    }
}

#[tokio::test]
async fn client_credentials_grant_accepts_http_basic() {
    let validating = validating(notify_config()).await;
    let host = validating.host();
    let basic = |secret: &str| {
        host.client
            .post(host.url("/oauth2/v0/token"))
            .basic_auth(&validating.client_id, Some(secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
    };

    let granted = common::answer(basic(&validating.client_secret).await.unwrap()).await;
    let wrong = common::answer(basic("wrong-secret").await.unwrap()).await;

    assert_eq!(granted.status, 200, "{}", granted.text);
    assert!(granted.body["access_token"].is_string(), "{}", granted.text);
    assert_eq!(wrong.status, 401, "{}", wrong.text);
    assert_eq!(wrong.body["error"], "invalid_client");
}
