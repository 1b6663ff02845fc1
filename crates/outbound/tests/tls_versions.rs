//! Servers that offer no acceptable TLS, or no TLS at all.

mod common;

use common::{
    OpensslServer, PASSWORD, TEST_CONNECTION_PATH, TestPki, USERNAME, loopback_client,
    openssl_rsa_certificate, spawn_plain_connector,
};
use outbound::FailureCause;

/// Cipher list that lets OpenSSL 3 negotiate TLS 1.1, which security level 1 forbids.
const LEGACY_CIPHERS: &str = "DEFAULT:@SECLEVEL=0";

#[tokio::test]
async fn tls_1_1_only_server_too_old() {
    if !common::openssl_available() {
        return;
    }
    let pki = TestPki::new();
    let server = OpensslServer::start(
        &pki.server.chain_pem,
        &pki.server.private_key_pem,
        &["-tls1_1", "-cipher", LEGACY_CIPHERS],
    )
    .await;
    let client = loopback_client(pki.ca_pem());

    let report = client
        .test_connection(&server.origin(), TEST_CONNECTION_PATH, USERNAME, PASSWORD)
        .await;

    assert_eq!(report.outcome, Err(FailureCause::TlsTooOld));
}

#[tokio::test]
async fn tls_1_2_without_ecdhe_too_old() {
    if !common::openssl_available() {
        return;
    }
    let (certificate, key) = openssl_rsa_certificate();
    // AES128-SHA is RSA key exchange: no forward secrecy, no AEAD.
    let server =
        OpensslServer::start(&certificate, &key, &["-tls1_2", "-cipher", "AES128-SHA"]).await;
    let client = loopback_client(certificate.into_bytes());

    let report = client
        .test_connection(&server.origin(), TEST_CONNECTION_PATH, USERNAME, PASSWORD)
        .await;

    assert_eq!(report.outcome, Err(FailureCause::TlsTooOld));
}

#[tokio::test]
async fn tls_1_2_with_ecdhe_accepted() {
    if !common::openssl_available() {
        return;
    }
    let pki = TestPki::new();
    let server = OpensslServer::start(
        &pki.server.chain_pem,
        &pki.server.private_key_pem,
        &["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"],
    )
    .await;
    let client = loopback_client(pki.ca_pem());

    let report = client
        .test_connection(&server.origin(), "/", USERNAME, PASSWORD)
        .await;

    let tls = report.outcome.expect("TLS 1.2 with ECDHE passes");
    assert_eq!(tls.protocol_version, "TLSv1.2");
    assert_eq!(tls.cipher_suite, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
}

#[tokio::test]
async fn plain_http_connector_not_tls() {
    let pki = TestPki::new();
    let connector = spawn_plain_connector().await;
    let client = loopback_client(pki.ca_pem());

    let report = client
        .test_connection(&connector.origin, TEST_CONNECTION_PATH, USERNAME, PASSWORD)
        .await;

    assert_eq!(report.outcome, Err(FailureCause::NotTls));
}
