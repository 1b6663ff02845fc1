//! The audit trail: who changed which fields and services, and Test Connection results.

mod common;

use common::*;
use serde_json::{Value, json};

async fn audit(host: &TestHost, token: &str, id: i64) -> Vec<Value> {
    let answer = host
        .get(&format!("/api/v1/connectors/{id}/audit"), token)
        .await;
    answer.body["entries"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn creation_is_recorded_with_actor() {
    let host = spawn_host(FakeTester::succeeding()).await;
    let token = host.administrator("Acme").await;
    let id = host.create_registration(&token, "HR").await;

    let entries = audit(&host, &token, id).await;

    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["action"], "created");
    assert_eq!(entries[0]["actor"], "can-administer@acme");
    assert!(entries[0]["at"].as_str().is_some());
}

#[tokio::test]
async fn update_records_changed_fields_only() {
    let host = spawn_host(FakeTester::succeeding()).await;
    let token = host.administrator("Acme").await;
    let id = host.create_registration(&token, "HR").await;

    host.patch(
        &format!("/api/v1/connectors/{id}"),
        &token,
        &json!({"name": "HR", "description": "Workday", "host_name": "https://hr.example.com"}),
    )
    .await;

    let entries = audit(&host, &token, id).await;
    assert_eq!(entries[1]["action"], "updated");
    assert_eq!(entries[1]["changes"], json!(["description", "host_name"]));
}

#[tokio::test]
async fn password_change_is_recorded_without_value() {
    let host = spawn_host(FakeTester::succeeding()).await;
    let token = host.administrator("Acme").await;
    let id = host.create_registration(&token, "HR").await;
    let new_password = "New-password-4711-secret";

    host.patch(
        &format!("/api/v1/connectors/{id}"),
        &token,
        &json!({"password": new_password}),
    )
    .await;

    let entries = audit(&host, &token, id).await;
    assert_eq!(entries[1]["changes"], json!(["password changed"]));
    let text = serde_json::to_string(&entries).unwrap();
    assert!(!text.contains(new_password));
    assert!(!text.contains(CONNECTOR_PASSWORD));
}

#[tokio::test]
async fn unverifying_change_records_verified() {
    let host = spawn_host(FakeTester::succeeding()).await;
    let token = host.administrator("Acme").await;
    let id = host.create_registration(&token, "HR").await;
    host.post(
        &format!("/api/v1/connectors/{id}/test-connection"),
        &token,
        &json!({}),
    )
    .await;

    host.patch(
        &format!("/api/v1/connectors/{id}"),
        &token,
        &json!({"user_name": "other-connector-user"}),
    )
    .await;

    let entries = audit(&host, &token, id).await;
    assert_eq!(entries[2]["changes"], json!(["user_name", "verified"]));
}

#[tokio::test]
async fn unchanged_patch_records_nothing() {
    let host = spawn_host(FakeTester::succeeding()).await;
    let token = host.administrator("Acme").await;
    let id = host.create_registration(&token, "HR").await;

    host.patch(
        &format!("/api/v1/connectors/{id}"),
        &token,
        &json!({"name": "HR", "password": CONNECTOR_PASSWORD}),
    )
    .await;

    assert_eq!(audit(&host, &token, id).await.len(), 1);
}

#[tokio::test]
async fn service_configuration_is_recorded() {
    let host = spawn_host(FakeTester::succeeding()).await;
    let token = host.administrator("Acme").await;
    let id = host.create_registration(&token, "HR").await;

    host.put(
        &format!("/api/v1/connectors/{id}/services/fetch-attendee"),
        &token,
        &json!({"enabled": false, "endpoint_path": "/attendees", "attendee_types": ["GUEST"]}),
    )
    .await;

    let entries = audit(&host, &token, id).await;
    assert_eq!(entries[1]["action"], "service_configured");
    assert_eq!(entries[1]["service"], "fetch-attendee");
    assert_eq!(
        entries[1]["changes"],
        json!(["endpoint_path", "attendee_types"])
    );
}

#[tokio::test]
async fn test_connection_success_is_recorded() {
    let host = spawn_host(FakeTester::succeeding()).await;
    let token = host.administrator("Acme").await;
    let id = host.create_registration(&token, "HR").await;

    host.post(
        &format!("/api/v1/connectors/{id}/test-connection"),
        &token,
        &json!({}),
    )
    .await;

    let entries = audit(&host, &token, id).await;
    assert_eq!(entries[1]["action"], "test_connection");
    assert_eq!(entries[1]["changes"], json!(["verified"]));
    assert_eq!(
        entries[1]["result"],
        "succeeded over TLSv1.3 with TLS13_AES_256_GCM_SHA384"
    );
}

#[tokio::test]
async fn test_connection_failure_is_recorded() {
    let tester = FakeTester::succeeding();
    let host = spawn_host(tester.clone()).await;
    let token = host.administrator("Acme").await;
    let id = host.create_registration(&token, "HR").await;
    tester.fail_with(
        "dns",
        "The host name connector.example.com could not be resolved.",
    );

    host.post(
        &format!("/api/v1/connectors/{id}/test-connection"),
        &token,
        &json!({}),
    )
    .await;

    let entries = audit(&host, &token, id).await;
    assert_eq!(
        entries[1]["result"],
        "failed (dns): The host name connector.example.com could not be resolved."
    );
}

#[tokio::test]
async fn refused_change_records_nothing() {
    let host = spawn_host(FakeTester::succeeding()).await;
    let token = host.administrator("Acme").await;
    let id = host.create_registration(&token, "HR").await;

    host.patch(
        &format!("/api/v1/connectors/{id}"),
        &token,
        &json!({"user_name": "short"}),
    )
    .await;

    assert_eq!(audit(&host, &token, id).await.len(), 1);
}
