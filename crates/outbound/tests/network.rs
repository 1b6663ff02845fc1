//! Resolution, the address guard, refused connections and timeouts.

mod common;

use std::net::IpAddr;
use std::time::Duration;

use common::{
    FullBacklogListener, PASSWORD, Script, ScriptedServer, SilentListener, TEST_CONNECTION_PATH,
    TestPki, USERNAME, closed_port, loopback_client, loopback_config,
};
use outbound::{FailureCause, OutboundClient, OutboundConfig};

/// A client with the address guard on, trusting the test CA.
fn guarded_client(pki: &TestPki) -> OutboundClient {
    let config = OutboundConfig {
        allow_private_addresses: false,
        ..loopback_config(pki.ca_pem())
    };
    OutboundClient::new(config).expect("client")
}

#[tokio::test]
async fn closed_port_connection_refused() {
    let pki = TestPki::new();
    let origin = format!("https://127.0.0.1:{}", closed_port().await);

    let report = loopback_client(pki.ca_pem())
        .test_connection(&origin, TEST_CONNECTION_PATH, USERNAME, PASSWORD)
        .await;

    assert_eq!(report.outcome, Err(FailureCause::ConnectionRefused));
}

#[tokio::test]
async fn silent_listener_times_out_in_handshake() {
    let pki = TestPki::new();
    let listener = SilentListener::start().await;
    let config = OutboundConfig {
        connect_timeout: Duration::from_millis(300),
        ..loopback_config(pki.ca_pem())
    };
    let client = OutboundClient::new(config).expect("client");

    let report = client
        .test_connection(
            &format!("https://localhost:{}", listener.address.port()),
            TEST_CONNECTION_PATH,
            USERNAME,
            PASSWORD,
        )
        .await;

    assert_eq!(
        report.outcome,
        Err(FailureCause::TimedOut {
            phase: "TLS handshake"
        })
    );
    assert!(
        report.duration < Duration::from_secs(3),
        "gave up after {:?}",
        report.duration
    );
}

/// A TCP connect that hangs because the listener's accept queue is full.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn full_backlog_times_out_in_connect() {
    let pki = TestPki::new();
    let listener = FullBacklogListener::start().await;
    let connect_timeout = Duration::from_millis(500);
    let config = OutboundConfig {
        connect_timeout,
        ..loopback_config(pki.ca_pem())
    };
    let client = OutboundClient::new(config).expect("client");

    let report = client
        .test_connection(
            &format!("https://127.0.0.1:{}", listener.address.port()),
            TEST_CONNECTION_PATH,
            USERNAME,
            PASSWORD,
        )
        .await;

    let cause = report.outcome.expect_err("the connect hangs");
    assert_eq!(cause, FailureCause::TimedOut { phase: "connect" });
    assert!(cause.to_string().contains("timed out"), "{cause}");
    assert!(
        report.duration >= connect_timeout,
        "gave up after {:?}, before the connect timeout of {connect_timeout:?}",
        report.duration
    );
    assert!(
        report.duration < connect_timeout + Duration::from_secs(2),
        "gave up after {:?}, long after the connect timeout of {connect_timeout:?}",
        report.duration
    );
}

#[tokio::test]
async fn silent_server_times_out_in_response() {
    let pki = TestPki::new();
    let server = ScriptedServer::start(pki.server_config(), Script::NeverRespond).await;
    let config = OutboundConfig {
        total_timeout: Duration::from_millis(500),
        ..loopback_config(pki.ca_pem())
    };
    let client = OutboundClient::new(config).expect("client");

    let report = client
        .test_connection(&server.origin(), TEST_CONNECTION_PATH, USERNAME, PASSWORD)
        .await;

    assert_eq!(
        report.outcome,
        Err(FailureCause::TimedOut { phase: "response" })
    );
    assert!(
        report.duration < Duration::from_secs(3),
        "gave up after {:?}",
        report.duration
    );
}

#[tokio::test]
async fn guard_rejects_loopback_literal() {
    let pki = TestPki::new();
    let server = ScriptedServer::start(pki.server_config(), Script::NeverRespond).await;
    let client = guarded_client(&pki);

    let report = client
        .test_connection(
            &format!("https://127.0.0.1:{}", server.address.port()),
            TEST_CONNECTION_PATH,
            USERNAME,
            PASSWORD,
        )
        .await;

    assert_eq!(
        report.outcome,
        Err(FailureCause::AddressNotAllowed {
            address: IpAddr::from([127, 0, 0, 1])
        })
    );
    assert_eq!(server.accepted(), 0, "no connection was opened");
}

#[tokio::test]
async fn guard_rejects_name_resolving_to_loopback() {
    let pki = TestPki::new();
    let server = ScriptedServer::start(pki.server_config(), Script::NeverRespond).await;
    let client = guarded_client(&pki);

    let report = client
        .test_connection(&server.origin(), TEST_CONNECTION_PATH, USERNAME, PASSWORD)
        .await;

    let address = match report.outcome {
        Err(FailureCause::AddressNotAllowed { address }) => address,
        other => panic!("expected AddressNotAllowed, got {other:?}"),
    };
    assert!(
        address.is_loopback(),
        "rejected address {address} is loopback"
    );
    assert_eq!(server.accepted(), 0, "no connection was opened");
}

#[tokio::test]
async fn guard_message_names_range() {
    let cause = FailureCause::AddressNotAllowed {
        address: IpAddr::from([10, 1, 2, 3]),
    };

    let message = cause.to_string();

    assert!(message.contains("10.1.2.3"), "message {message:?}");
    assert!(
        message.contains("private (10.0.0.0/8)"),
        "message {message:?}"
    );
}

#[tokio::test]
async fn unresolvable_name_not_resolved() {
    let pki = TestPki::new();

    let report = loopback_client(pki.ca_pem())
        .test_connection(
            "https://nonexistent.invalid",
            TEST_CONNECTION_PATH,
            USERNAME,
            PASSWORD,
        )
        .await;

    assert_eq!(
        report.outcome,
        Err(FailureCause::NameNotResolved {
            host: "nonexistent.invalid".to_owned()
        })
    );
}
