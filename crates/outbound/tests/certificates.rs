//! Certificate verification failures, each against a real TLS server on loopback.

mod common;

use std::time::{Duration, SystemTime};

use common::{
    PASSWORD, Script, ScriptedServer, TEST_CONNECTION_PATH, TestPki, USERNAME, http_response,
    loopback_client, loopback_config, names, server_config,
};
use outbound::{FailureCause, OutboundClient, OutboundConfig};
use tls::dev_ca::{DevCa, Validity, self_signed_server};

const DAY: Duration = Duration::from_secs(24 * 60 * 60);

async fn server_with(issued: &tls::dev_ca::IssuedCertificate) -> ScriptedServer {
    let ok = http_response("200 OK", &[], "connection OK\n");
    ScriptedServer::start(server_config(issued), Script::Respond(ok)).await
}

async fn test_connection(
    client: &OutboundClient,
    origin: &str,
) -> Result<outbound::TlsDetails, FailureCause> {
    client
        .test_connection(origin, TEST_CONNECTION_PATH, USERNAME, PASSWORD)
        .await
        .outcome
}

#[tokio::test]
async fn certificate_from_trusted_ca_passes() {
    let pki = TestPki::new();
    let server = server_with(&pki.server).await;

    let outcome = test_connection(&loopback_client(pki.ca_pem()), &server.origin()).await;

    assert!(outcome.is_ok(), "outcome {outcome:?}");
}

#[tokio::test]
async fn certificate_self_signed_not_trusted() {
    let pki = TestPki::new();
    let issued = self_signed_server(&names(&["localhost"])).expect("self-signed certificate");
    let server = server_with(&issued).await;

    let outcome = test_connection(&loopback_client(pki.ca_pem()), &server.origin()).await;

    assert_eq!(outcome, Err(FailureCause::CertificateNotTrusted));
}

#[tokio::test]
async fn certificate_unknown_ca_not_trusted() {
    let pki = TestPki::new();
    let other_ca = DevCa::generate("another CA").expect("generate CA");
    let issued = other_ca
        .issue_server(&names(&["localhost"]))
        .expect("issue certificate");
    let server = server_with(&issued).await;

    let outcome = test_connection(&loopback_client(pki.ca_pem()), &server.origin()).await;

    assert_eq!(outcome, Err(FailureCause::CertificateNotTrusted));
}

#[tokio::test]
async fn certificate_dev_ca_not_trusted_by_default() {
    let pki = TestPki::new();
    let server = server_with(&pki.server).await;
    let config = OutboundConfig {
        allow_private_addresses: true,
        ..OutboundConfig::default()
    };
    let client = OutboundClient::new(config).expect("client with Mozilla's roots only");

    let outcome = test_connection(&client, &server.origin()).await;

    assert_eq!(outcome, Err(FailureCause::CertificateNotTrusted));
}

#[tokio::test]
async fn certificate_expired() {
    let pki = TestPki::new();
    let issued = pki
        .ca
        .issue_server_with_validity(&names(&["localhost"]), Validity::expired(DAY))
        .expect("issue expired certificate");
    let server = server_with(&issued).await;

    let outcome = test_connection(&loopback_client(pki.ca_pem()), &server.origin()).await;

    assert_eq!(outcome, Err(FailureCause::CertificateExpired));
}

#[tokio::test]
async fn certificate_not_yet_valid() {
    let pki = TestPki::new();
    let starts = SystemTime::now() + 10 * DAY;
    let validity = Validity {
        not_before: starts,
        not_after: starts + 30 * DAY,
    };
    let issued = pki
        .ca
        .issue_server_with_validity(&names(&["localhost"]), validity)
        .expect("issue future certificate");
    let server = server_with(&issued).await;

    let outcome = test_connection(&loopback_client(pki.ca_pem()), &server.origin()).await;

    assert_eq!(outcome, Err(FailureCause::CertificateNotYetValid));
}

#[tokio::test]
async fn certificate_for_other_name() {
    let pki = TestPki::new();
    let issued = pki
        .ca
        .issue_server(&names(&["connector.example.test"]))
        .expect("issue certificate");
    let server = server_with(&issued).await;

    let outcome = test_connection(&loopback_client(pki.ca_pem()), &server.origin()).await;

    assert_eq!(
        outcome,
        Err(FailureCause::CertificateNotValidForName {
            host: "localhost".to_owned()
        })
    );
}

#[tokio::test]
async fn certificate_for_ip_address_origin() {
    let pki = TestPki::new();
    let server = server_with(&pki.server).await;
    let origin = format!("https://127.0.0.1:{}", server.address.port());

    let outcome = test_connection(&loopback_client(pki.ca_pem()), &origin).await;

    assert!(outcome.is_ok(), "outcome {outcome:?}");
}

#[tokio::test]
async fn certificate_intermediate_chain_passes() {
    let pki = TestPki::new();
    let intermediate = pki
        .ca
        .issue_intermediate("outbound test intermediate")
        .expect("issue intermediate");
    let issued = intermediate
        .issue_server(&names(&["localhost"]))
        .expect("issue certificate");
    let server = server_with(&issued).await;

    let outcome = test_connection(&loopback_client(pki.ca_pem()), &server.origin()).await;

    assert!(outcome.is_ok(), "outcome {outcome:?}");
}

#[test]
fn setup_rejects_pem_without_certificate() {
    let config = OutboundConfig {
        extra_trusted_ca_pems: vec![b"not a certificate".to_vec()],
        ..loopback_config(Vec::new())
    };

    let error = OutboundClient::new(config).err().expect("setup fails");

    assert!(
        error.to_string().contains("#1"),
        "error {error} names the bundle"
    );
}

#[test]
fn setup_rejects_zero_timeout() {
    let pki = TestPki::new();
    let config = OutboundConfig {
        total_timeout: Duration::ZERO,
        ..loopback_config(pki.ca_pem())
    };

    let error = OutboundClient::new(config).err().expect("setup fails");

    assert!(
        error.to_string().contains("total_timeout"),
        "error {error} names the setting"
    );
}
