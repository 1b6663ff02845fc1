//! Test Connection from the real host to the real connector over TLS, through the outbound client.

mod common;

use std::sync::Arc;

use common::running_connector::{RunningConnector, spawn_connector};
use common::*;
use reqwest::StatusCode;
use serde_json::json;

/// Starts the host with the production tester, trusting the connector's CA and loopback.
async fn spawn_host_for(connector: &RunningConnector) -> TestHost {
    let config = test_config();
    let tester =
        host::tester::outbound_tester(&config.outbound, vec![connector.ca_pem.clone()], true)
            .expect("build outbound client");
    spawn_host_with(Arc::new(tester), config).await
}

async fn register(host: &TestHost, token: &str, origin: &str, password: &str) -> i64 {
    let body = json!({
        "name": "Real connector",
        "host_name": origin,
        "user_name": CONNECTOR_USER,
        "password": password,
    });
    let created = host.post("/api/v1/connectors", token, &body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    created.body["id"].as_i64().unwrap()
}

#[tokio::test]
async fn real_connector_success_marks_verified() {
    let connector = spawn_connector().await;
    let host = spawn_host_for(&connector).await;
    let token = host.administrator("Acme").await;
    let id = register(&host, &token, &connector.origin, CONNECTOR_PASSWORD).await;

    let tested = host
        .post(
            &format!("/api/v1/connectors/{id}/test-connection"),
            &token,
            &json!({}),
        )
        .await;

    assert_eq!(tested.status, StatusCode::OK);
    assert_eq!(tested.body["verified"], true, "{}", tested.text);
    let result = &tested.body["last_test_connection"];
    assert_eq!(result["succeeded"], true);
    assert!(
        result["tls_version"]
            .as_str()
            .is_some_and(|version| version.starts_with("TLSv1.")),
        "{result}"
    );
    assert!(
        result["cipher_suite"]
            .as_str()
            .is_some_and(|suite| !suite.is_empty()),
        "{result}"
    );
}

#[tokio::test]
async fn real_connector_wrong_password_shows_401_cause() {
    let connector = spawn_connector().await;
    let host = spawn_host_for(&connector).await;
    let token = host.administrator("Acme").await;
    let id = register(&host, &token, &connector.origin, "wrong-password-123").await;

    let tested = host
        .post(
            &format!("/api/v1/connectors/{id}/test-connection"),
            &token,
            &json!({}),
        )
        .await;

    assert_eq!(tested.body["verified"], false, "{}", tested.text);
    let result = &tested.body["last_test_connection"];
    assert_eq!(result["succeeded"], false);
    assert_eq!(result["failure_kind"], "credentials_rejected");
    let failure = result["failure"].as_str().unwrap_or_default();
    assert!(failure.contains("401"), "{failure}");
    assert!(!tested.text.contains("wrong-password-123"));
}

#[tokio::test]
async fn real_connector_untrusted_without_ca() {
    let connector = spawn_connector().await;
    let config = test_config();
    let tester = host::tester::outbound_tester(&config.outbound, Vec::new(), true).unwrap();
    let host = spawn_host_with(Arc::new(tester), config).await;
    let token = host.administrator("Acme").await;
    let id = register(&host, &token, &connector.origin, CONNECTOR_PASSWORD).await;

    let tested = host
        .post(
            &format!("/api/v1/connectors/{id}/test-connection"),
            &token,
            &json!({}),
        )
        .await;

    assert_eq!(tested.body["verified"], false);
    assert_eq!(
        tested.body["last_test_connection"]["failure_kind"],
        "certificate_not_trusted"
    );
}

#[tokio::test]
async fn loopback_refused_without_private_addresses() {
    let connector = spawn_connector().await;
    let config = test_config();
    let tester =
        host::tester::outbound_tester(&config.outbound, vec![connector.ca_pem.clone()], false)
            .unwrap();
    let host = spawn_host_with(Arc::new(tester), config).await;
    let token = host.administrator("Acme").await;
    let id = register(&host, &token, &connector.origin, CONNECTOR_PASSWORD).await;

    let tested = host
        .post(
            &format!("/api/v1/connectors/{id}/test-connection"),
            &token,
            &json!({}),
        )
        .await;

    assert_eq!(
        tested.body["last_test_connection"]["failure_kind"],
        "address_not_allowed"
    );
}
