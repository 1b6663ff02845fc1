//! Loopback TLS server and client helpers shared by the integration tests.

#![allow(dead_code)]

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivatePkcs8KeyDer, ServerName};
use rustls::{
    CertificateError, CipherSuite, ClientConfig, NamedGroup, ProtocolVersion, RootCertStore,
    ServerConfig,
};
use tls::client::client_config;
use tls::dev_ca::{DevCa, IssuedCertificate};
use tls::server::server_config_from_pem;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_rustls::{TlsAcceptor, TlsConnector};

/// Bound on every network step, so a broken handshake fails the test instead of hanging it.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(10);

/// Bytes the server sends once the handshake completes.
const GREETING: &[u8] = b"hello over tls";

pub fn names(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| (*name).to_owned()).collect()
}

/// Builds the crate's server configuration for an issued certificate.
pub fn server_config(issued: &IssuedCertificate) -> Arc<ServerConfig> {
    server_config_from_pem(
        issued.chain_pem.as_bytes(),
        issued.private_key_pem.as_bytes(),
    )
    .expect("server config")
}

/// Builds the crate's client configuration trusting only `ca`.
pub fn client_trusting(ca: &DevCa) -> Arc<ClientConfig> {
    client_config(&[ca.certificate_pem().as_bytes().to_vec()]).expect("client config")
}

/// A server that accepts one TLS connection on a loopback port.
pub struct OneShotServer {
    pub address: SocketAddr,
    task: JoinHandle<io::Result<()>>,
}

impl OneShotServer {
    pub async fn start(config: Arc<ServerConfig>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback port");
        let address = listener.local_addr().expect("local address");
        let acceptor = TlsAcceptor::from(config);

        let task = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await?;
            let mut tls = acceptor.accept(tcp).await?;
            tls.write_all(GREETING).await?;
            tls.shutdown().await
        });
        Self { address, task }
    }

    /// Returns how the server side of the connection ended.
    pub async fn outcome(self) -> io::Result<()> {
        tokio::time::timeout(STEP_TIMEOUT, self.task)
            .await
            .expect("server finished in time")
            .expect("server task did not panic")
    }
}

/// Parameters of a completed handshake, as the client saw them.
#[derive(Debug)]
pub struct Negotiated {
    pub version: ProtocolVersion,
    pub suite: CipherSuite,
    pub key_exchange_group: Option<NamedGroup>,
    pub alpn: Option<Vec<u8>>,
}

/// Connects, completes the handshake and reads the server's greeting.
pub async fn connect(
    config: Arc<ClientConfig>,
    address: SocketAddr,
    server_name: &str,
) -> io::Result<Negotiated> {
    let server_name = ServerName::try_from(server_name.to_owned()).expect("valid server name");
    let attempt = async {
        let tcp = TcpStream::connect(address).await?;
        let mut tls = TlsConnector::from(config).connect(server_name, tcp).await?;

        let mut received = Vec::new();
        tls.read_to_end(&mut received).await?;
        if received != GREETING {
            return Err(io::Error::other("server sent an unexpected greeting"));
        }

        let (_, connection) = tls.get_ref();
        Ok(Negotiated {
            version: connection
                .protocol_version()
                .expect("version after handshake"),
            suite: connection
                .negotiated_cipher_suite()
                .expect("suite after handshake")
                .suite(),
            key_exchange_group: connection
                .negotiated_key_exchange_group()
                .map(|group| group.name()),
            alpn: connection.alpn_protocol().map(<[u8]>::to_vec),
        })
    };
    tokio::time::timeout(STEP_TIMEOUT, attempt)
        .await
        .expect("client finished in time")
}

/// Starts a one-shot server with `config` and connects a client to it.
pub async fn handshake(
    server: Arc<ServerConfig>,
    client: Arc<ClientConfig>,
    server_name: &str,
) -> io::Result<Negotiated> {
    let server = OneShotServer::start(server).await;
    connect(client, server.address, server_name).await
}

/// Returns the certificate error that made a client handshake fail.
pub fn certificate_error(result: io::Result<Negotiated>) -> CertificateError {
    let error = result.expect_err("handshake should fail");
    match rustls_error(&error) {
        Some(rustls::Error::InvalidCertificate(certificate_error)) => certificate_error.clone(),
        other => panic!("expected a certificate error, got {other:?} from {error}"),
    }
}

pub fn rustls_error(error: &io::Error) -> Option<&rustls::Error> {
    error.get_ref()?.downcast_ref::<rustls::Error>()
}

/// Builds a root store holding the certificates in `pem`.
pub fn root_store(pem: &str) -> RootCertStore {
    let mut roots = RootCertStore::empty();
    for certificate in CertificateDer::pem_slice_iter(pem.as_bytes()) {
        roots
            .add(certificate.expect("valid PEM"))
            .expect("valid root");
    }
    roots
}

/// Builds a client that uses the crate's policy but only the given protocol versions.
pub fn client_with_versions(
    ca_pem: &str,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> Arc<ClientConfig> {
    let config = ClientConfig::builder_with_provider(tls::crypto_provider())
        .with_protocol_versions(versions)
        .expect("versions usable with the provider")
        .with_root_certificates(root_store(ca_pem))
        .with_no_client_auth();
    Arc::new(config)
}

/// Re-encodes a PKCS#8 ECDSA P-256 key as a SEC1 `EC PRIVATE KEY`, the form OpenSSL's `ecparam -genkey` writes.
///
/// PKCS#8 wraps the SEC1 `ECPrivateKey` in an OCTET STRING and names the
/// curve in the outer algorithm identifier. OpenSSL's SEC1 output carries the
/// curve in the `[0] parameters` field, so this function adds it when missing.
pub fn pkcs8_to_sec1_pem(pkcs8_pem: &str) -> String {
    let pkcs8 = PrivatePkcs8KeyDer::from_pem_slice(pkcs8_pem.as_bytes()).expect("PKCS#8 PEM");
    let (private_key_info, _) = read_tlv(pkcs8.secret_pkcs8_der(), 0x30);
    let (_version, rest) = read_tlv(private_key_info, 0x02);
    let (_algorithm, rest) = read_tlv(rest, 0x30);
    let (ec_private_key, _) = read_tlv(rest, 0x04);

    let (fields, _) = read_tlv(ec_private_key, 0x30);
    let (version, rest) = split_tlv(fields);
    let (private_key, rest) = split_tlv(rest);
    // id-ecPublicKey curve prime256v1, OID 1.2.840.10045.3.1.7.
    const PARAMETERS: &[u8] = &[
        0xa0, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07,
    ];
    let parameters: &[u8] = if rest.first() == Some(&0xa0) {
        &[]
    } else {
        PARAMETERS
    };

    let content = [version, private_key, parameters, rest].concat();
    let sec1 = [&[0x30], encode_length(content.len()).as_slice(), &content].concat();
    pem_encode("EC PRIVATE KEY", &sec1)
}

/// Reads one DER element with the expected tag; returns its content and what follows it.
fn read_tlv(input: &[u8], expected_tag: u8) -> (&[u8], &[u8]) {
    assert_eq!(input[0], expected_tag, "unexpected DER tag");
    let (header, length) = header_and_length(input);
    (&input[header..header + length], &input[header + length..])
}

/// Splits off one whole DER element, header included.
fn split_tlv(input: &[u8]) -> (&[u8], &[u8]) {
    let (header, length) = header_and_length(input);
    input.split_at(header + length)
}

fn header_and_length(input: &[u8]) -> (usize, usize) {
    match input[1] {
        short if short < 0x80 => (2, usize::from(short)),
        0x81 => (3, usize::from(input[2])),
        0x82 => (4, usize::from(input[2]) << 8 | usize::from(input[3])),
        other => panic!("unsupported DER length byte {other:#x}"),
    }
}

fn encode_length(length: usize) -> Vec<u8> {
    match length {
        0..0x80 => vec![length as u8],
        0x80..0x100 => vec![0x81, length as u8],
        _ => vec![0x82, (length >> 8) as u8, length as u8],
    }
}

fn pem_encode(label: &str, der: &[u8]) -> String {
    let base64 = STANDARD.encode(der);
    let mut pem = format!("-----BEGIN {label}-----\n");
    for line in base64.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        pem.push('\n');
    }
    pem.push_str(&format!("-----END {label}-----\n"));
    pem
}
