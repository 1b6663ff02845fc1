//! The shared TLS policy over real loopback handshakes: protocol versions, cipher suites, key exchange.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;

use common::{
    OneShotServer, STEP_TIMEOUT, client_with_versions, connect, handshake, names, rustls_error,
    server_config,
};
use rustls::{
    CipherSuite, NamedGroup, PeerIncompatible, ProtocolVersion, ServerConfig, SupportedCipherSuite,
};
use tls::dev_ca::DevCa;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const ECDHE_TLS12_SUITES: &[CipherSuite] = &[
    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
];

const TLS13_SUITES: &[CipherSuite] = &[
    CipherSuite::TLS13_AES_128_GCM_SHA256,
    CipherSuite::TLS13_AES_256_GCM_SHA384,
    CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
];

const ECDHE_GROUPS: &[NamedGroup] = &[
    NamedGroup::X25519,
    NamedGroup::secp256r1,
    NamedGroup::secp384r1,
];

/// Returns a server configured with a fresh dev CA's certificate for `localhost`, and the CA PEM.
fn server_and_ca() -> (Arc<ServerConfig>, String) {
    let ca = DevCa::generate("test CA").unwrap();
    let issued = ca.issue_server(&names(&["localhost"])).unwrap();
    (server_config(&issued), ca.certificate_pem().to_owned())
}

#[test]
fn provider_suites_are_ecdhe_or_tls13() {
    let provider = tls::crypto_provider();

    for suite in &provider.cipher_suites {
        let allowed = match suite {
            SupportedCipherSuite::Tls12(_) => ECDHE_TLS12_SUITES.contains(&suite.suite()),
            SupportedCipherSuite::Tls13(_) => TLS13_SUITES.contains(&suite.suite()),
        };
        assert!(
            allowed,
            "cipher suite outside the policy: {:?}",
            suite.suite()
        );
    }
}

#[test]
fn provider_groups_are_ecdhe() {
    let groups: Vec<NamedGroup> = tls::crypto_provider()
        .kx_groups
        .iter()
        .map(|group| group.name())
        .collect();

    assert_eq!(groups, ECDHE_GROUPS);
}

#[tokio::test]
async fn process_default_provider_ignored() {
    // A process default that allows a single suite: any config built from it
    // instead of the explicit provider would offer or accept only that suite.
    let narrow_default = rustls::crypto::CryptoProvider {
        cipher_suites: vec![rustls::crypto::ring::cipher_suite::TLS13_CHACHA20_POLY1305_SHA256],
        ..rustls::crypto::ring::default_provider()
    };
    narrow_default
        .install_default()
        .expect("no process default provider installed before this test");
    let (server, ca_pem) = server_and_ca();
    let client = tls::client::client_config(&[ca_pem.into_bytes()]).unwrap();

    let negotiated = handshake(server, client, "localhost")
        .await
        .expect("handshake");

    assert_eq!(negotiated.suite, CipherSuite::TLS13_AES_256_GCM_SHA384);
}

#[tokio::test]
async fn tls12_client_negotiates_ecdhe() {
    let (server, ca_pem) = server_and_ca();
    let client = client_with_versions(&ca_pem, &[&rustls::version::TLS12]);

    let negotiated = handshake(server, client, "localhost")
        .await
        .expect("TLS 1.2 handshake");

    assert_eq!(negotiated.version, ProtocolVersion::TLSv1_2);
    assert!(
        ECDHE_TLS12_SUITES.contains(&negotiated.suite),
        "suite {:?}",
        negotiated.suite
    );
    let group = negotiated.key_exchange_group.expect("key exchange group");
    assert!(ECDHE_GROUPS.contains(&group), "group {group:?}");
}

#[tokio::test]
async fn tls13_client_negotiates_tls13_suite() {
    let (server, ca_pem) = server_and_ca();
    let client = client_with_versions(&ca_pem, &[&rustls::version::TLS13]);

    let negotiated = handshake(server, client, "localhost")
        .await
        .expect("TLS 1.3 handshake");

    assert_eq!(negotiated.version, ProtocolVersion::TLSv1_3);
    assert!(
        TLS13_SUITES.contains(&negotiated.suite),
        "suite {:?}",
        negotiated.suite
    );
    let group = negotiated.key_exchange_group.expect("key exchange group");
    assert!(ECDHE_GROUPS.contains(&group), "group {group:?}");
}

#[tokio::test]
async fn crate_client_prefers_tls13_and_http11() {
    let (server, ca_pem) = server_and_ca();
    let client = tls::client::client_config(&[ca_pem.into_bytes()]).unwrap();

    let negotiated = handshake(server, client, "localhost")
        .await
        .expect("handshake");

    assert_eq!(negotiated.version, ProtocolVersion::TLSv1_3);
    assert_eq!(negotiated.alpn.as_deref(), Some(&b"http/1.1"[..]));
}

#[test]
fn rustls_cannot_offer_non_ecdhe_tls12_suite() {
    // Every TLS 1.2 suite rustls' ring provider implements uses ECDHE, so a
    // rustls client offering only RSA or DHE key exchange cannot be built.
    // The raw ClientHello tests below cover such a client.
    for suite in rustls::crypto::ring::ALL_CIPHER_SUITES {
        if let SupportedCipherSuite::Tls12(_) = suite {
            assert!(
                ECDHE_TLS12_SUITES.contains(&suite.suite()),
                "non-ECDHE suite {:?}",
                suite.suite()
            );
        }
    }
}

/// Builds a TLS ClientHello record for `legacy_version` offering `suites`,
/// without the supported_versions extension, as a TLS 1.2 or older client sends it.
fn client_hello(legacy_version: [u8; 2], suites: &[u16]) -> Vec<u8> {
    let mut extensions = Vec::new();
    // supported_groups: x25519, secp256r1.
    extensions.extend_from_slice(&[0x00, 0x0a, 0x00, 0x06, 0x00, 0x04, 0x00, 0x1d, 0x00, 0x17]);
    // ec_point_formats: uncompressed.
    extensions.extend_from_slice(&[0x00, 0x0b, 0x00, 0x02, 0x01, 0x00]);
    // signature_algorithms: ecdsa_secp256r1_sha256, rsa_pss_rsae_sha256, rsa_pkcs1_sha256.
    extensions.extend_from_slice(&[
        0x00, 0x0d, 0x00, 0x08, 0x00, 0x06, 0x04, 0x03, 0x08, 0x04, 0x04, 0x01,
    ]);

    let mut body = Vec::new();
    body.extend_from_slice(&legacy_version);
    body.extend_from_slice(&[0x42; 32]); // random
    body.push(0); // empty session id
    body.extend_from_slice(&u16_bytes(suites.len() * 2));
    for suite in suites {
        body.extend_from_slice(&suite.to_be_bytes());
    }
    body.extend_from_slice(&[0x01, 0x00]); // compression: null only
    body.extend_from_slice(&u16_bytes(extensions.len()));
    body.extend_from_slice(&extensions);

    let mut handshake = vec![0x01]; // client_hello
    handshake.extend_from_slice(&u24_bytes(body.len()));
    handshake.extend_from_slice(&body);

    let mut record = vec![0x16, 0x03, 0x01]; // handshake record, TLS 1.0 record version as clients send
    record.extend_from_slice(&u16_bytes(handshake.len()));
    record.extend_from_slice(&handshake);
    record
}

fn u16_bytes(value: usize) -> [u8; 2] {
    u16::try_from(value).unwrap().to_be_bytes()
}

fn u24_bytes(value: usize) -> [u8; 3] {
    let [_, high, middle, low] = u32::try_from(value).unwrap().to_be_bytes();
    [high, middle, low]
}

/// Sends `hello` and returns the first five bytes of the server's reply: the record header,
/// or for an alert record the content type, version and the alert level and description.
async fn first_server_record(address: SocketAddr, hello: &[u8]) -> Vec<u8> {
    let exchange = async {
        let mut tcp = TcpStream::connect(address).await?;
        tcp.write_all(hello).await?;
        let mut header = [0u8; 5];
        tcp.read_exact(&mut header).await?;
        let mut reply = header.to_vec();
        if header[0] == ALERT_RECORD {
            let mut alert = [0u8; 2];
            tcp.read_exact(&mut alert).await?;
            reply.extend_from_slice(&alert);
        }
        std::io::Result::Ok(reply)
    };
    tokio::time::timeout(STEP_TIMEOUT, exchange)
        .await
        .expect("server replied in time")
        .expect("server reply")
}

const HANDSHAKE_RECORD: u8 = 0x16;
const ALERT_RECORD: u8 = 0x15;
const FATAL: u8 = 2;
const HANDSHAKE_FAILURE: u8 = 40;
const PROTOCOL_VERSION: u8 = 70;
const TLS12: [u8; 2] = [0x03, 0x03];
const TLS11: [u8; 2] = [0x03, 0x02];

/// TLS_RSA_WITH_AES_128_GCM_SHA256, TLS_RSA_WITH_AES_256_GCM_SHA384,
/// TLS_DHE_RSA_WITH_AES_128_GCM_SHA256, TLS_DHE_RSA_WITH_AES_256_GCM_SHA384,
/// TLS_RSA_WITH_AES_128_CBC_SHA: static RSA and finite-field DHE key exchange.
const NON_ECDHE_SUITES: &[u16] = &[0x009c, 0x009d, 0x009e, 0x009f, 0x002f];

/// TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256.
const ECDHE_ECDSA_AES128_GCM: u16 = 0xc02b;

#[tokio::test]
async fn raw_ecdhe_client_hello_gets_server_hello() {
    // Control for the tests below: the hand-built ClientHello is well formed.
    let (server, _) = server_and_ca();
    let server = OneShotServer::start(server).await;

    let reply = first_server_record(
        server.address,
        &client_hello(TLS12, &[ECDHE_ECDSA_AES128_GCM]),
    )
    .await;

    assert_eq!(reply[0], HANDSHAKE_RECORD, "reply {reply:?}");
}

#[tokio::test]
async fn non_ecdhe_client_hello_rejected() {
    let (server, _) = server_and_ca();
    let server = OneShotServer::start(server).await;

    let reply = first_server_record(server.address, &client_hello(TLS12, NON_ECDHE_SUITES)).await;
    let server_error = server
        .outcome()
        .await
        .expect_err("server rejects the handshake");

    assert_eq!(reply[0], ALERT_RECORD, "reply {reply:?}");
    assert_eq!(reply[5..], [FATAL, HANDSHAKE_FAILURE]);
    assert!(
        matches!(
            rustls_error(&server_error),
            Some(rustls::Error::PeerIncompatible(
                PeerIncompatible::NoCipherSuitesInCommon
            ))
        ),
        "server error {server_error}"
    );
}

#[tokio::test]
async fn tls11_client_hello_rejected() {
    let (server, _) = server_and_ca();
    let server = OneShotServer::start(server).await;

    let reply = first_server_record(
        server.address,
        &client_hello(TLS11, &[ECDHE_ECDSA_AES128_GCM]),
    )
    .await;
    let server_error = server
        .outcome()
        .await
        .expect_err("server rejects the handshake");

    assert_eq!(reply[0], ALERT_RECORD, "reply {reply:?}");
    assert_eq!(reply[5..], [FATAL, PROTOCOL_VERSION]);
    assert!(
        matches!(
            rustls_error(&server_error),
            Some(rustls::Error::PeerIncompatible(
                PeerIncompatible::Tls12NotOffered
            ))
        ),
        "server error {server_error}"
    );
}

#[tokio::test]
async fn server_offers_h2_and_http11() {
    let (server, ca_pem) = server_and_ca();
    let mut client = (*client_with_versions(&ca_pem, &[&rustls::version::TLS13])).clone();
    client.alpn_protocols = vec![b"h2".to_vec()];
    let server = OneShotServer::start(server).await;

    let negotiated = connect(Arc::new(client), server.address, "localhost")
        .await
        .expect("handshake");

    assert_eq!(negotiated.alpn.as_deref(), Some(&b"h2"[..]));
}
