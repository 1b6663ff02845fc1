//! The request log: one INFO line per callout, and no credential in any line.
//! A separate test binary, because the tracing subscriber is process-wide.

mod common;

use std::sync::Arc;

use common::captured_log::Captured;
use common::memory_store::MemoryStore;
use common::*;

#[tokio::test]
async fn log_has_callout_line_without_credentials() {
    let captured = Captured::install();
    let connector = spawn_connector(Arc::new(MemoryStore::default()), test_config()).await;
    let wrong_password = "wrong:pässwörd-123";

    connector
        .client
        .get(connector.url(TEST_CONNECTION_PATH))
        .header("Authorization", basic_authorization(USERNAME, PASSWORD))
        .header("x-request-id", "logged-request-7")
        .send()
        .await
        .unwrap();
    connector
        .client
        .get(connector.url(TEST_CONNECTION_PATH))
        .header(
            "Authorization",
            basic_authorization(USERNAME, wrong_password),
        )
        .send()
        .await
        .unwrap();
    connector.stop().await.unwrap();
    let log = captured.text();

    let callout_line = log
        .lines()
        .find(|line| line.contains("callout completed") && line.contains("logged-request-7"))
        .unwrap_or_default();
    assert!(callout_line.contains("INFO"), "log: {log}");
    assert!(
        callout_line.contains("kind=\"test_connection\"")
            || callout_line.contains("kind=test_connection"),
        "line: {callout_line}"
    );
    assert!(
        callout_line.contains("outcome=\"ok\"") || callout_line.contains("outcome=ok"),
        "line: {callout_line}"
    );
    assert!(callout_line.contains("duration_ms"), "line: {callout_line}");
    assert!(log.contains("authentication failed"), "log: {log}");
    assert!(!log.contains(PASSWORD), "log contains the password");
    assert!(
        !log.contains(wrong_password),
        "log contains the wrong password"
    );
    assert!(
        !log.contains(&basic_authorization(USERNAME, PASSWORD)),
        "log contains the Authorization header"
    );
    assert!(log.contains("connector stopped"), "log: {log}");
}
