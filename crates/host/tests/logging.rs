//! The log: one line per request, and neither a connector password nor an API token in any line.
//! A separate test binary, because the tracing subscriber is process-wide.

mod common;

use common::captured_log::captured_log;
use common::*;
use serde_json::json;

#[tokio::test]
async fn log_has_no_password_or_token() {
    let captured = captured_log();
    let tester = FakeTester::succeeding();
    let host = spawn_host(tester.clone()).await;
    let token = host.administrator("Acme").await;

    let created = host
        .post("/api/v1/connectors", &token, &registration_body("HR"))
        .await;
    let id = created.body["id"].as_i64().unwrap();
    let path = format!("/api/v1/connectors/{id}");
    host.patch(&path, &token, &json!({"password": "Second-password-0815"}))
        .await;
    host.patch(&path, &token, &json!({"password": format!("{CONNECTOR_PASSWORD}-too-long-for-the-rule-{}", "x".repeat(30))}))
        .await;
    tester.fail_with("credentials_rejected", &format!("rejected {CONNECTOR_PASSWORD}"));
    host.post(&format!("{path}/test-connection"), &token, &json!({}))
        .await;
    host.get("/api/v1/connectors", "cht_wrong-token").await;
    host.stop().await.unwrap();
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();

    assert!(log.contains("request completed"), "log: {log}");
    assert!(log.contains("registration created"), "log: {log}");
    assert!(log.contains("test connection completed"), "log: {log}");
    assert!(log.contains("API token rejected"), "log: {log}");
    assert!(!log.contains(CONNECTOR_PASSWORD), "log contains the password");
    assert!(!log.contains("Second-password-0815"), "log contains the new password");
    assert!(!log.contains(&token), "log contains the API token");
    assert!(!log.contains("cht_wrong-token"), "log contains the rejected token");
}
