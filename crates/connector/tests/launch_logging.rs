//! The launch log: one line per launch with its outcome, and never the
//! signature, the launch code, a token or the client secret. A separate
//! test binary, because the tracing subscriber is process-wide.

mod common;

use common::captured_log::Captured;
use common::engines::TestDatabase;
use common::launch::*;
use common::spawn_connector;
use common::test_host::{CLIENT_SECRET, TestHost};

#[tokio::test]
async fn launch_log_names_outcome_and_hides_secrets() {
    let captured = Captured::install();
    let host = TestHost::start().await;
    let database = TestDatabase::from_environment().await;
    let store = open_store(&database).await;
    let connector = spawn_connector(store, launch_config(&host)).await;
    let browser = browser(&connector);
    let launch = v4_launch(&host, "en");
    let query = launch.to_query(credentials());
    // The first write gets 401, so the token is refreshed and the refresh token sent too.
    host.state().injected.insert("custom_field", [401].into());

    let opened = browser
        .get(connector.url(&format!("{V4_PATH}?{query}")))
        .send()
        .await
        .expect("send launch");
    let location = opened.headers()["location"].to_str().unwrap().to_owned();
    let done = browser
        .post(connector.url(&format!("{location}/done")))
        .form(&[("code", "BER")])
        .send()
        .await
        .expect("send choice");
    let replayed = browser
        .get(connector.url(&format!("{V4_PATH}?{query}")))
        .send()
        .await
        .expect("send replay");
    connector.stop().await.expect("connector stops");
    let log = captured.text();

    assert_eq!(opened.status(), 303);
    assert_eq!(done.status(), 200);
    assert_eq!(replayed.status(), 403);
    let launch_lines: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("launch request"))
        .collect();
    assert_eq!(launch_lines.len(), 2, "log: {log}");
    assert!(
        launch_lines[0].contains("outcome=\"accepted\""),
        "log: {log}"
    );
    assert!(
        launch_lines[1].contains("outcome=\"rejected\""),
        "log: {log}"
    );
    assert!(
        launch_lines[1].contains("check=\"nonce_used\""),
        "log: {log}"
    );
    assert!(log.contains("launch value written"), "log: {log}");
    let signature = launch.signature(credentials());
    let session_id = location.trim_start_matches("/launch/");
    let secrets = [
        signature.as_str(),
        launch.client_auth_code.as_str(),
        CLIENT_SECRET,
        common::PASSWORD,
        "access-1",
        "access-2",
        "refresh-1",
        session_id,
    ];
    for secret in secrets {
        assert!(!log.contains(secret), "the log contains {secret}");
    }
}
