//! The notification log: stored and processed notifications are logged,
//! the client secret and the tokens never are. A separate test binary,
//! because the tracing subscriber is process-wide.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::test_host::{CLIENT_SECRET, TestHost, entry, notification_xml, processing_config, projects_list, report};
use common::*;
use connector::store::{NotificationStatus, SqliteStore};
use serde_json::json;

/// Log output collected in memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn notification_log_hides_secret_and_tokens() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();
    let host = TestHost::start().await;
    let directory = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(directory.path().join("connector.db")).unwrap();
    store.import_list_now(&projects_list()).unwrap();
    let connector = spawn_connector(Arc::new(store.clone()), processing_config(&host)).await;
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
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while store.list_notifications_now(None, 1).unwrap()[0].status == NotificationStatus::Received {
        assert!(tokio::time::Instant::now() < deadline, "not processed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    connector.stop().await.unwrap();
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();

    assert!(log.contains("notification stored"), "log: {log}");
    assert!(log.contains("notification processed"), "log: {log}");
    assert!(log.contains("notification worker started"), "log: {log}");
    assert_eq!(host.state().calls_to("/oauth2/v0/token").len(), 2);
    for secret in [CLIENT_SECRET, "access-1", "access-2", "refresh-1", "refresh-2"] {
        assert!(!log.contains(secret), "the log contains {secret}");
    }
}
