//! Test Connection from the real host to the real connector over TLS, through the outbound client.

mod common;

use std::sync::Arc;

use common::*;
use connector::store::SqliteStore;
use reqwest::StatusCode;
use serde_json::json;
use tokio::sync::oneshot;

/// A connector on 127.0.0.1:0 with a certificate from a fresh dev CA.
struct RunningConnector {
    origin: String,
    ca_pem: Vec<u8>,
    _dir: tempfile::TempDir,
    _stop: oneshot::Sender<()>,
}

async fn spawn_connector() -> RunningConnector {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("connector.db")).unwrap();
    let mut config = connector::Config::default();
    config.credentials.username = CONNECTOR_USER.to_owned();
    config.credentials.password = connector::Secret::new(CONNECTOR_PASSWORD);

    let ca = tls::dev_ca::DevCa::generate("connector test CA").unwrap();
    let issued = ca
        .issue_server(&["localhost".to_owned(), "127.0.0.1".to_owned()])
        .unwrap();
    let server_tls = tls::server::server_config_from_pem(
        issued.chain_pem.as_bytes(),
        issued.private_key_pem.as_bytes(),
    )
    .unwrap();
    let bound = connector::bind(connector::ServeOptions {
        store: Arc::new(store),
        config,
        listen: "127.0.0.1:0".parse().unwrap(),
        tls: Some(server_tls),
    })
    .await
    .unwrap();
    let port = bound.local_addr().port();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(bound.run(async move {
        let _ = stopped.await;
    }));
    RunningConnector {
        origin: format!("https://localhost:{port}"),
        ca_pem: ca.certificate_pem().as_bytes().to_vec(),
        _dir: dir,
        _stop: stop,
    }
}

/// Starts the host with the production tester, trusting the connector's CA and loopback.
async fn spawn_host_for(connector: &RunningConnector) -> TestHost {
    let config = test_config();
    let tester = host::tester::outbound_tester(&config.outbound, vec![connector.ca_pem.clone()], true)
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
        .post(&format!("/api/v1/connectors/{id}/test-connection"), &token, &json!({}))
        .await;

    assert_eq!(tested.status, StatusCode::OK);
    assert_eq!(tested.body["verified"], true, "{}", tested.text);
    let result = &tested.body["last_test_connection"];
    assert_eq!(result["succeeded"], true);
    assert!(result["tls_version"].as_str().is_some_and(|version| version.starts_with("TLSv1.")), "{result}");
    assert!(result["cipher_suite"].as_str().is_some_and(|suite| !suite.is_empty()), "{result}");
}

#[tokio::test]
async fn real_connector_wrong_password_shows_401_cause() {
    let connector = spawn_connector().await;
    let host = spawn_host_for(&connector).await;
    let token = host.administrator("Acme").await;
    let id = register(&host, &token, &connector.origin, "wrong-password-123").await;

    let tested = host
        .post(&format!("/api/v1/connectors/{id}/test-connection"), &token, &json!({}))
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
        .post(&format!("/api/v1/connectors/{id}/test-connection"), &token, &json!({}))
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
        .post(&format!("/api/v1/connectors/{id}/test-connection"), &token, &json!({}))
        .await;

    assert_eq!(
        tested.body["last_test_connection"]["failure_kind"],
        "address_not_allowed"
    );
}
