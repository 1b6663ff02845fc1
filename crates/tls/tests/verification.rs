//! Certificate verification over real loopback handshakes: what a verifying client accepts and rejects.

mod common;

use std::time::Duration;

use common::{certificate_error, client_trusting, handshake, names, server_config};
use rustls::CertificateError;
use tls::dev_ca::{DevCa, Validity, self_signed_server};
use tls::server::server_config_from_pem;

#[tokio::test]
async fn issued_certificate_verifies() {
    let ca = DevCa::generate("test CA").unwrap();
    let issued = ca
        .issue_server(&names(&["localhost", "127.0.0.1", "::1"]))
        .unwrap();
    let server = server_config(&issued);

    let result = handshake(server, client_trusting(&ca), "localhost").await;

    assert!(result.is_ok(), "handshake failed: {result:?}");
}

#[tokio::test]
async fn issued_certificate_verifies_ip_address() {
    let ca = DevCa::generate("test CA").unwrap();
    let issued = ca
        .issue_server(&names(&["localhost", "127.0.0.1"]))
        .unwrap();
    let server = server_config(&issued);

    let result = handshake(server, client_trusting(&ca), "127.0.0.1").await;

    assert!(result.is_ok(), "handshake failed: {result:?}");
}

#[tokio::test]
async fn wildcard_name_verifies_subdomain() {
    let ca = DevCa::generate("test CA").unwrap();
    let issued = ca.issue_server(&names(&["*.connector.test"])).unwrap();
    let server = server_config(&issued);

    let result = handshake(server, client_trusting(&ca), "acme.connector.test").await;

    assert!(result.is_ok(), "handshake failed: {result:?}");
}

#[tokio::test]
async fn intermediate_chain_verifies() {
    let root = DevCa::generate("test root").unwrap();
    let intermediate = root.issue_intermediate("test intermediate").unwrap();
    let issued = intermediate.issue_server(&names(&["localhost"])).unwrap();
    let server = server_config(&issued);

    let result = handshake(server, client_trusting(&root), "localhost").await;

    assert_eq!(issued.chain_pem.matches("BEGIN CERTIFICATE").count(), 2);
    assert!(result.is_ok(), "handshake failed: {result:?}");
}

#[tokio::test]
async fn intermediate_chain_without_intermediate_fails() {
    let root = DevCa::generate("test root").unwrap();
    let intermediate = root.issue_intermediate("test intermediate").unwrap();
    let issued = intermediate.issue_server(&names(&["localhost"])).unwrap();
    let leaf_only = issued
        .chain_pem
        .split_inclusive("-----END CERTIFICATE-----\n")
        .next()
        .unwrap();
    let server =
        server_config_from_pem(leaf_only.as_bytes(), issued.private_key_pem.as_bytes()).unwrap();

    let error = certificate_error(handshake(server, client_trusting(&root), "localhost").await);

    assert_eq!(error, CertificateError::UnknownIssuer);
}

#[tokio::test]
async fn expired_certificate_fails() {
    let ca = DevCa::generate("test CA").unwrap();
    let issued = ca
        .issue_server_with_validity(
            &names(&["localhost"]),
            Validity::expired(Duration::from_secs(24 * 60 * 60)),
        )
        .unwrap();
    let server = server_config(&issued);

    let error = certificate_error(handshake(server, client_trusting(&ca), "localhost").await);

    assert!(
        matches!(
            error,
            CertificateError::Expired | CertificateError::ExpiredContext { .. }
        ),
        "expected an expiry error, got {error:?}"
    );
}

#[tokio::test]
async fn name_mismatch_fails() {
    let ca = DevCa::generate("test CA").unwrap();
    let issued = ca.issue_server(&names(&["localhost"])).unwrap();
    let server = server_config(&issued);

    let error = certificate_error(handshake(server, client_trusting(&ca), "connector.test").await);

    assert!(
        matches!(
            error,
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. }
        ),
        "expected a name error, got {error:?}"
    );
}

#[tokio::test]
async fn self_signed_certificate_fails() {
    let ca = DevCa::generate("test CA").unwrap();
    let issued = self_signed_server(&names(&["localhost"])).unwrap();
    let server = server_config(&issued);

    let error = certificate_error(handshake(server, client_trusting(&ca), "localhost").await);

    assert_eq!(error, CertificateError::UnknownIssuer);
}

#[tokio::test]
async fn other_ca_certificate_fails() {
    let trusted = DevCa::generate("trusted CA").unwrap();
    let other = DevCa::generate("other CA").unwrap();
    let issued = other.issue_server(&names(&["localhost"])).unwrap();
    let server = server_config(&issued);

    let error = certificate_error(handshake(server, client_trusting(&trusted), "localhost").await);

    assert_eq!(error, CertificateError::UnknownIssuer);
}

#[tokio::test]
async fn loaded_ca_issues_verifiable_certificate() {
    let generated = DevCa::generate("test CA").unwrap();
    let loaded = DevCa::load(generated.certificate_pem(), &generated.private_key_pem()).unwrap();
    let issued = loaded.issue_server(&names(&["localhost"])).unwrap();
    let server = server_config(&issued);

    let result = handshake(server, client_trusting(&generated), "localhost").await;

    assert!(result.is_ok(), "handshake failed: {result:?}");
}
