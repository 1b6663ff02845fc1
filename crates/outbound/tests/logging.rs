//! The log line of each callout: outcome fields present, credentials absent.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use base64::Engine;
use bytes::Bytes;
use common::{
    PASSWORD, Script, ScriptedServer, TEST_CONNECTION_PATH, TestPki, USERNAME, http_response,
    loopback_client,
};
use outbound::CalloutRequest;

/// Collects formatted log output in memory.
#[derive(Clone, Default)]
struct CapturedLog(Arc<Mutex<Vec<u8>>>);

impl Write for CapturedLog {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log lock").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl CapturedLog {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("log lock")).into_owned()
    }
}

fn capture() -> (CapturedLog, tracing::subscriber::DefaultGuard) {
    let log = CapturedLog::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);
    (log, guard)
}

#[tokio::test]
async fn log_line_names_outcome_without_credentials() {
    let pki = TestPki::new();
    let unauthorized = http_response(
        "401 Unauthorized",
        &["WWW-Authenticate: Basic realm=\"callouts\""],
        "",
    );
    let server = ScriptedServer::start(pki.server_config(), Script::Respond(unauthorized)).await;
    let client = loopback_client(pki.ca_pem());
    let (log, _guard) = capture();

    let _ = client
        .test_connection(&server.origin(), TEST_CONNECTION_PATH, USERNAME, PASSWORD)
        .await;
    let _ = client
        .call(CalloutRequest {
            method: http::Method::POST,
            origin: &server.origin(),
            path: "/concur/v1.0/notify",
            username: USERNAME,
            password: PASSWORD,
            content_type: None,
            body: Bytes::new(),
        })
        .await;

    let text = log.text();
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{USERNAME}:{PASSWORD}"));
    assert!(
        text.contains("outcome=\"credentials_rejected\""),
        "log {text:?}"
    );
    assert!(text.contains("status=401"), "log {text:?}");
    assert!(text.contains(TEST_CONNECTION_PATH), "log {text:?}");
    assert!(text.contains("/concur/v1.0/notify"), "log {text:?}");
    assert!(!text.contains(PASSWORD), "log leaks the password: {text:?}");
    assert!(
        !text.contains(&token),
        "log leaks the Authorization token: {text:?}"
    );
}

#[tokio::test]
async fn log_line_for_success() {
    let pki = TestPki::new();
    let server = ScriptedServer::start(
        pki.server_config(),
        Script::Respond(http_response("200 OK", &[], "ok")),
    )
    .await;
    let client = loopback_client(pki.ca_pem());
    let (log, _guard) = capture();

    let _ = client
        .test_connection(&server.origin(), TEST_CONNECTION_PATH, USERNAME, PASSWORD)
        .await;

    let text = log.text();
    assert!(text.contains("callout finished"), "log {text:?}");
    assert!(text.contains("outcome=\"ok\""), "log {text:?}");
    assert!(text.contains("duration_ms="), "log {text:?}");
}

#[test]
fn request_debug_redacts_password() {
    let request = CalloutRequest {
        method: http::Method::GET,
        origin: "https://connector.example.com",
        path: "/",
        username: USERNAME,
        password: PASSWORD,
        content_type: None,
        body: Bytes::new(),
    };

    let text = format!("{request:?}");

    assert!(!text.contains(PASSWORD), "debug output {text:?}");
    assert!(text.contains("<redacted>"), "debug output {text:?}");
}
