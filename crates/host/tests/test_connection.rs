//! Test Connection through a recording tester: what is sent, what is stored, what is returned.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn test_connection_sends_stored_credentials() {
    let tester = FakeTester::succeeding();
    let host = spawn_host(tester.clone()).await;
    let token = host.administrator("Acme").await;
    let id = host.create_registration(&token, "HR").await;

    host.post(
        &format!("/api/v1/connectors/{id}/test-connection"),
        &token,
        &json!({}),
    )
    .await;

    let calls = tester.calls.lock().unwrap().clone();
    assert_eq!(
        calls,
        [(
            "https://connector.example.com".to_owned(),
            "/system/v1.0/testconnection".to_owned(),
            CONNECTOR_USER.to_owned(),
            CONNECTOR_PASSWORD.to_owned()
        )]
    );
}

#[tokio::test]
async fn success_marks_verified_with_tls_details() {
    let host = spawn_host(FakeTester::succeeding()).await;
    let token = host.administrator("Acme").await;
    let id = host.create_registration(&token, "HR").await;

    let tested = host
        .post(
            &format!("/api/v1/connectors/{id}/test-connection"),
            &token,
            &json!({}),
        )
        .await;

    assert_eq!(tested.status, StatusCode::OK);
    assert_eq!(tested.body["verified"], true);
    let result = &tested.body["last_test_connection"];
    assert_eq!(result["succeeded"], true);
    assert_eq!(result["tls_version"], "TLSv1.3");
    assert_eq!(result["cipher_suite"], "TLS13_AES_256_GCM_SHA384");
    assert_eq!(result["duration_ms"], 12);
    assert!(result["at"].as_str().is_some_and(|at| at.ends_with('Z')));
}

#[tokio::test]
async fn failure_keeps_unverified_with_cause() {
    let tester = FakeTester::succeeding();
    let host = spawn_host(tester.clone()).await;
    let token = host.administrator("Acme").await;
    let id = host.create_registration(&token, "HR").await;
    tester.fail_with(
        "credentials_rejected",
        "The connector rejected the user name and password (HTTP 401).",
    );

    let tested = host
        .post(
            &format!("/api/v1/connectors/{id}/test-connection"),
            &token,
            &json!({}),
        )
        .await;

    assert_eq!(tested.status, StatusCode::OK);
    assert_eq!(tested.body["verified"], false);
    let result = &tested.body["last_test_connection"];
    assert_eq!(result["succeeded"], false);
    assert_eq!(result["failure_kind"], "credentials_rejected");
    assert_eq!(
        result["failure"],
        "The connector rejected the user name and password (HTTP 401)."
    );
}

#[tokio::test]
async fn failure_after_success_unverifies() {
    let tester = FakeTester::succeeding();
    let host = spawn_host(tester.clone()).await;
    let token = host.administrator("Acme").await;
    let id = host.create_registration(&token, "HR").await;
    let path = format!("/api/v1/connectors/{id}/test-connection");
    host.post(&path, &token, &json!({})).await;
    tester.fail_with("timeout", "The connector did not answer within 15 seconds.");

    let tested = host.post(&path, &token, &json!({})).await;

    assert_eq!(tested.body["verified"], false);
}

#[tokio::test]
async fn result_is_stored_on_registration() {
    let host = spawn_host(FakeTester::succeeding()).await;
    let token = host.administrator("Acme").await;
    let id = host.create_registration(&token, "HR").await;
    host.post(
        &format!("/api/v1/connectors/{id}/test-connection"),
        &token,
        &json!({}),
    )
    .await;

    let read = host.get(&format!("/api/v1/connectors/{id}"), &token).await;

    assert_eq!(read.body["last_test_connection"]["succeeded"], true);
    assert_eq!(read.body["verified"], true);
}

#[tokio::test]
async fn failure_message_never_contains_password() {
    let tester = FakeTester::succeeding();
    let host = spawn_host(tester.clone()).await;
    let token = host.administrator("Acme").await;
    let id = host.create_registration(&token, "HR").await;
    tester.fail_with(
        "status",
        &format!("The connector echoed {CONNECTOR_PASSWORD} back."),
    );

    let tested = host
        .post(
            &format!("/api/v1/connectors/{id}/test-connection"),
            &token,
            &json!({}),
        )
        .await;
    let audit = host
        .get(&format!("/api/v1/connectors/{id}/audit"), &token)
        .await;

    assert!(!tested.text.contains(CONNECTOR_PASSWORD), "{}", tested.text);
    assert!(!audit.text.contains(CONNECTOR_PASSWORD), "{}", audit.text);
}

#[tokio::test]
async fn unknown_registration_is_not_tested() {
    let tester = FakeTester::succeeding();
    let host = spawn_host(tester.clone()).await;
    let token = host.administrator("Acme").await;

    let tested = host
        .post("/api/v1/connectors/999/test-connection", &token, &json!({}))
        .await;

    assert_eq!(tested.status, StatusCode::NOT_FOUND);
    assert_eq!(tester.call_count(), 0);
}
