//! The notification log: stored and processed notifications are logged,
//! the client secret and the tokens never are. A separate test binary,
//! because the tracing subscriber is process-wide.

mod common;

use std::time::Duration;

use common::engines::TestDatabase;
use common::test_host::{CLIENT_SECRET, TestHost, entry, notification_xml, processing_config, projects_list, report};
use common::captured_log::Captured;
use common::*;
use connector::store::NotificationStatus;
use serde_json::json;

#[tokio::test]
async fn notification_log_hides_secret_and_tokens() {
    let captured = Captured::install();
    let host = TestHost::start().await;
    let database = TestDatabase::from_environment().await;
    let store = database.open().await;
    store.import_list(projects_list()).await.unwrap();
    let queue = store.notification_queue().unwrap();
    let connector = spawn_connector(store, processing_config(&host)).await;
    // The first read gets 401, so the token is refreshed and the refresh token sent too.
    host.state().injected.insert("object", [401].into());
    let object_uri = host.add_report(report(
        "42",
        json!({"Custom1": "x"}),
        vec![entry("7", "Meals", "80.00", Some("P-100"), json!({"Custom2": "x"}))],
    ));

    let response = connector
        .post_xml(NOTIFY_PATH, notification_xml(&object_uri, "2026-12-04"))
        .await;
    assert_eq!(response.status(), 200);
    wait_for_async("processing", Duration::from_secs(20), || async {
        let rows = queue.list_notifications(None, 1).await.unwrap();
        (rows[0].status != NotificationStatus::Received).then_some(())
    })
    .await;
    connector.stop().await.unwrap();
    let log = captured.text();

    assert!(log.contains("notification stored"), "log: {log}");
    assert!(log.contains("notification processed"), "log: {log}");
    assert!(log.contains("notification worker started"), "log: {log}");
    assert_eq!(host.state().calls_to("/oauth2/v0/token").len(), 2);
    for secret in [CLIENT_SECRET, "access-1", "access-2", "refresh-1", "refresh-2"] {
        assert!(!log.contains(secret), "the log contains {secret}");
    }
}
