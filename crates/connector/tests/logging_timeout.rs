//! The request log of a callout that runs out of time. A separate test
//! binary, because the tracing subscriber is process-wide.

mod common;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use common::captured_log::Captured;
use common::memory_store::MemoryStore;
use common::*;

#[tokio::test]
async fn log_labels_request_timeout() {
    let captured = Captured::install();
    let store = Arc::new(MemoryStore::default());
    store.attendee_delay_ms.store(3_000, Ordering::SeqCst);
    let mut config = test_config();
    config.timeouts.request_secs = 1;
    let connector = spawn_connector(store, config).await;

    let response = connector
        .client
        .post(connector.url(ATTENDEE_V2_PATH))
        .header("Authorization", basic_authorization(USERNAME, PASSWORD))
        .header("Content-Type", "application/xml")
        .header("x-request-id", "slow-request-9")
        .body(attendee_request("Doe", None))
        .send()
        .await
        .unwrap();
    connector.stop().await.unwrap();
    let log = captured.text();

    assert_eq!(response.status(), 503);
    let callout_line = log
        .lines()
        .find(|line| line.contains("callout completed") && line.contains("slow-request-9"))
        .unwrap_or_default();
    assert!(
        callout_line.contains("outcome=\"request_timeout\"")
            || callout_line.contains("outcome=request_timeout"),
        "line: {callout_line}"
    );
}
