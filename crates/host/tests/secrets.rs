//! The connector password after it is written: never in a response, the database file, or the audit trail.

mod common;

use common::*;
use reqwest::Method;
use serde_json::json;

/// Runs every operation that touches the password and returns the texts of all responses.
async fn exercise(host: &TestHost, token: &str) -> (i64, Vec<String>) {
    let mut texts = Vec::new();
    let created = host
        .post("/api/v1/connectors", token, &registration_body("HR"))
        .await;
    let id = created.body["id"].as_i64().unwrap();
    texts.push(created.text);

    let paths = [
        format!("/api/v1/connectors/{id}"),
        "/api/v1/connectors".to_owned(),
    ];
    for path in &paths {
        texts.push(host.get(path, token).await.text);
    }
    let patched = host
        .patch(
            &format!("/api/v1/connectors/{id}"),
            token,
            &json!({"password": CONNECTOR_PASSWORD}),
        )
        .await;
    texts.push(patched.text);
    let tested = host
        .post(
            &format!("/api/v1/connectors/{id}/test-connection"),
            token,
            &json!({}),
        )
        .await;
    texts.push(tested.text);
    let audit = host
        .get(&format!("/api/v1/connectors/{id}/audit"), token)
        .await;
    texts.push(audit.text);
    (id, texts)
}

#[tokio::test]
async fn password_never_in_responses() {
    let host = spawn_host(FakeTester::succeeding()).await;
    let token = host.administrator("Acme").await;

    let (_, texts) = exercise(&host, &token).await;

    for text in texts {
        assert!(!text.contains(CONNECTOR_PASSWORD), "{text}");
    }
}

#[tokio::test]
async fn password_never_in_database_files() {
    let host = spawn_host(FakeTester::succeeding()).await;
    let token = host.administrator("Acme").await;

    exercise(&host, &token).await;

    let bytes = host.database_bytes().await;
    assert!(
        contains_bytes(&bytes, CONNECTOR_USER.as_bytes()),
        "the check reads the right files"
    );
    assert!(!contains_bytes(&bytes, CONNECTOR_PASSWORD.as_bytes()));
}

#[tokio::test]
async fn password_never_in_audit_trail() {
    let host = spawn_host(FakeTester::succeeding()).await;
    let token = host.administrator("Acme").await;
    let (id, _) = exercise(&host, &token).await;
    host.patch(
        &format!("/api/v1/connectors/{id}"),
        &token,
        &json!({"password": "Second-password-0815"}),
    )
    .await;

    let audit = host
        .get(&format!("/api/v1/connectors/{id}/audit"), &token)
        .await;

    assert!(!audit.text.contains(CONNECTOR_PASSWORD));
    assert!(!audit.text.contains("Second-password-0815"));
    assert!(audit.text.contains("password changed"));
}

#[tokio::test]
async fn password_never_in_error_responses() {
    let host = spawn_host(FakeTester::succeeding()).await;
    let token = host.administrator("Acme").await;
    let long_password = format!("{CONNECTOR_PASSWORD}{}", "x".repeat(40));
    let bodies = [
        json!({"name": "HR", "host_name": "https://a.example.com", "user_name": CONNECTOR_USER, "password": long_password}),
        json!({"name": "", "password": CONNECTOR_PASSWORD, "unexpected": CONNECTOR_PASSWORD}),
        json!({"password": [CONNECTOR_PASSWORD]}),
    ];

    for body in bodies {
        let answer = host.post("/api/v1/connectors", &token, &body).await;

        assert!(!answer.text.contains(CONNECTOR_PASSWORD), "{}", answer.text);
    }
}

#[tokio::test]
async fn password_never_in_malformed_json_error() {
    let host = spawn_host(FakeTester::succeeding()).await;
    let token = host.administrator("Acme").await;

    let response = host
        .client
        .request(Method::POST, host.url("/api/v1/connectors"))
        .bearer_auth(&token)
        .header("Content-Type", "application/json")
        .body(format!("{{\"password\": \"{CONNECTOR_PASSWORD}\x01\"}}"))
        .send()
        .await
        .unwrap();
    let answer = answer(response).await;

    assert_eq!(answer.status, 400);
    assert!(!answer.text.contains(CONNECTOR_PASSWORD), "{}", answer.text);
}

#[tokio::test]
async fn api_token_never_in_database_files() {
    let host = spawn_host(FakeTester::succeeding()).await;
    let token = host.administrator("Acme").await;

    host.get("/api/v1/connectors", &token).await;

    assert!(!contains_bytes(&host.database_bytes().await, token.as_bytes()));
}
