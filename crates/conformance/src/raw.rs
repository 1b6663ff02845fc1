//! Requests the outbound client cannot send, and the TLS handshake inspection.
//!
//! Both use the callout TLS policy (`tls::crypto_provider`,
//! `tls::PROTOCOL_VERSIONS`) and the same trusted roots as the outbound
//! client. Each request opens its own connection, so a probe never shares
//! state with another.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{
    AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HOST, USER_AGENT, WWW_AUTHENTICATE,
};
use http::{HeaderMap, Method, Request};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::rt::TokioIo;
use outbound::{Host, Origin, guard};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, ProtocolVersion, RootCertStore,
    SignatureScheme,
};
use rustls_pki_types::pem::PemObject;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use crate::client::{MAX_RESPONSE_BYTES, NoReply, Reply};
use crate::config::ConfigError;

/// `User-Agent` of the checker's own requests.
const USER_AGENT_VALUE: &str = concat!("callouts-conformance/", env!("CARGO_PKG_VERSION"));

/// A request with full control over the `Authorization` header.
pub(crate) struct RawRequest<'a> {
    pub method: Method,
    pub path: &'a str,
    /// Whole header value, or `None` to send no `Authorization` header.
    pub authorization: Option<String>,
    pub content_type: Option<&'a str>,
    pub body: Bytes,
}

/// Parameters of a completed TLS handshake.
#[derive(Debug, Clone)]
pub(crate) struct Negotiated {
    /// `TLSv1.3` or `TLSv1.2`.
    pub protocol_version: String,
    /// IANA name, such as `TLS13_AES_128_GCM_SHA256`.
    pub cipher_suite: String,
    /// Whether the suite's key exchange is ephemeral: every TLS 1.3 suite, and the TLS 1.2 ECDHE suites.
    pub ephemeral_key_exchange: bool,
    /// Certificates the server sent, its own first.
    pub chain: Vec<CertificateDer<'static>>,
}

/// Outcome of the TLS handshakes with the connector.
#[derive(Debug, Clone)]
pub(crate) enum TlsInspection {
    /// No TCP connection could be opened, or the address policy refused it.
    Unreachable(String),
    /// The handshake completed and the certificate chain verified.
    Verified(Negotiated),
    /// The certificate chain did not verify. A second handshake that only
    /// reads the certificate shows what the server negotiates.
    CertificateRejected {
        reason: String,
        inspected: Result<Negotiated, String>,
    },
    /// The handshake failed for a reason other than the certificate.
    HandshakeFailed(String),
}

/// Raw HTTP/1.1 over TLS, one connection per request.
#[derive(Clone)]
pub(crate) struct RawClient {
    verified: Arc<ClientConfig>,
    inspect_only: Arc<ClientConfig>,
    allow_private_addresses: bool,
    timeout: Duration,
}

impl RawClient {
    pub fn new(
        trusted_ca_pems: &[Vec<u8>],
        allow_private_addresses: bool,
        timeout: Duration,
    ) -> Result<Self, ConfigError> {
        Ok(RawClient {
            verified: verified_config(trusted_ca_pems)?,
            inspect_only: inspect_only_config()?,
            allow_private_addresses,
            timeout,
        })
    }

    /// Sends one request on a new verified connection and reads the whole response.
    pub async fn send(&self, origin: &Origin, request: RawRequest<'_>) -> Result<Reply, NoReply> {
        let started = Instant::now();
        let exchange = async {
            let tcp = self.connect_tcp(origin).await?;
            let stream = TlsConnector::from(Arc::clone(&self.verified))
                .connect(server_name(origin)?, tcp)
                .await
                .map_err(|error| format!("TLS handshake failed: {}", describe_io_error(&error)))?;
            exchange(origin, stream, request).await
        };
        let (status, headers, body) = tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| {
                NoReply::timed_out(format!(
                    "no complete response within {} s",
                    self.timeout.as_secs()
                ))
            })?
            .map_err(NoReply::new)?;

        Ok(Reply {
            status,
            content_type: header_text(&headers, CONTENT_TYPE),
            www_authenticate: header_text(&headers, WWW_AUTHENTICATE),
            body,
            duration: started.elapsed(),
        })
    }

    /// Runs the verified handshake and, when the certificate is rejected, a
    /// second one that accepts any certificate, only to read what the server
    /// negotiates. No request is sent on either connection.
    pub async fn inspect_tls(&self, origin: &Origin) -> TlsInspection {
        let verified = match self.handshake(origin, &self.verified).await {
            Ok(negotiated) => return TlsInspection::Verified(negotiated),
            Err(HandshakeError::Unreachable(reason)) => return TlsInspection::Unreachable(reason),
            Err(HandshakeError::Tls(error)) => error,
        };

        let Some(certificate_error) = certificate_error(&verified) else {
            return TlsInspection::HandshakeFailed(describe_io_error(&verified));
        };
        let inspected =
            self.handshake(origin, &self.inspect_only)
                .await
                .map_err(|error| match error {
                    HandshakeError::Unreachable(reason) => reason,
                    HandshakeError::Tls(error) => describe_io_error(&error),
                });
        TlsInspection::CertificateRejected {
            reason: describe_certificate_error(certificate_error),
            inspected,
        }
    }

    async fn handshake(
        &self,
        origin: &Origin,
        config: &Arc<ClientConfig>,
    ) -> Result<Negotiated, HandshakeError> {
        let handshake = async {
            let tcp = self
                .connect_tcp(origin)
                .await
                .map_err(HandshakeError::Unreachable)?;
            let name = server_name(origin).map_err(HandshakeError::Unreachable)?;
            let stream = TlsConnector::from(Arc::clone(config))
                .connect(name, tcp)
                .await
                .map_err(HandshakeError::Tls)?;
            Ok(negotiated(&stream))
        };
        tokio::time::timeout(self.timeout, handshake)
            .await
            .unwrap_or_else(|_| {
                Err(HandshakeError::Tls(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "the TLS handshake did not finish within {} s",
                        self.timeout.as_secs()
                    ),
                )))
            })
    }

    /// Resolves the host, applies the address policy to every address, and
    /// connects to the first address that accepts.
    async fn connect_tcp(&self, origin: &Origin) -> Result<TcpStream, String> {
        let port = origin.port();
        let addresses: Vec<SocketAddr> = match origin.host() {
            Host::Ip(address) => vec![SocketAddr::new(*address, port)],
            Host::Domain(name) => tokio::net::lookup_host((name.as_str(), port))
                .await
                .map_err(|error| format!("the host name {name} could not be resolved: {error}"))?
                .collect(),
        };
        if addresses.is_empty() {
            return Err(format!("the host {} has no address", origin.host()));
        }

        if !self.allow_private_addresses {
            for address in &addresses {
                if let Some(range) = guard::non_public_range(address.ip()) {
                    return Err(format!(
                        "{} resolves to {}, which is {range}; a host calls public addresses only (pass --allow-private-addresses to check it anyway)",
                        origin.host(),
                        address.ip()
                    ));
                }
            }
        }

        let mut last_error = None;
        for address in &addresses {
            match TcpStream::connect(address).await {
                Ok(stream) => return Ok(stream),
                Err(error) => last_error = Some(format!("connecting to {address} failed: {error}")),
            }
        }
        Err(last_error.unwrap_or_else(|| "no address to connect to".to_owned()))
    }
}

enum HandshakeError {
    Unreachable(String),
    Tls(io::Error),
}

/// Sends `request` on `stream` and reads the status, headers and a bounded body.
async fn exchange(
    origin: &Origin,
    stream: TlsStream<TcpStream>,
    request: RawRequest<'_>,
) -> Result<(u16, HeaderMap, Bytes), String> {
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|error| format!("HTTP/1.1 setup failed: {error}"))?;
    let driver = tokio::spawn(connection);

    let mut builder = Request::builder()
        .method(request.method)
        .uri(request.path)
        .header(HOST, origin.authority())
        .header(USER_AGENT, USER_AGENT_VALUE)
        .header(CONTENT_LENGTH, request.body.len());
    if let Some(authorization) = request.authorization {
        builder = builder.header(AUTHORIZATION, authorization);
    }
    if let Some(content_type) = request.content_type {
        builder = builder.header(CONTENT_TYPE, content_type);
    }
    let http_request = builder
        .body(Full::new(request.body))
        .map_err(|error| format!("the request cannot be built: {error}"))?;

    let outcome = async {
        let response = sender
            .send_request(http_request)
            .await
            .map_err(|error| format!("the request failed: {error}"))?;
        let (parts, body) = response.into_parts();
        let body = Limited::new(body, MAX_RESPONSE_BYTES)
            .collect()
            .await
            .map_err(|error| {
                if error.is::<http_body_util::LengthLimitError>() {
                    format!("the response body is larger than {MAX_RESPONSE_BYTES} bytes")
                } else {
                    format!("reading the response body failed: {error}")
                }
            })?
            .to_bytes();
        Ok((parts.status.as_u16(), parts.headers, body))
    }
    .await;
    driver.abort();
    outcome
}

fn header_text(headers: &HeaderMap, name: http::header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
}

fn server_name(origin: &Origin) -> Result<ServerName<'static>, String> {
    match origin.host() {
        Host::Ip(address) => Ok(ServerName::IpAddress((*address).into())),
        Host::Domain(name) => ServerName::try_from(name.clone())
            .map_err(|_| format!("{name} is not a valid TLS server name")),
    }
}

fn negotiated(stream: &TlsStream<TcpStream>) -> Negotiated {
    let connection = stream.get_ref().1;
    let protocol_version = match connection.protocol_version() {
        Some(ProtocolVersion::TLSv1_3) => "TLSv1.3".to_owned(),
        Some(ProtocolVersion::TLSv1_2) => "TLSv1.2".to_owned(),
        Some(other) => format!("{other:?}"),
        None => "unknown".to_owned(),
    };
    let suite = connection.negotiated_cipher_suite();
    let cipher_suite = match suite.map(|suite| suite.suite()) {
        Some(name) => name
            .as_str()
            .map_or_else(|| format!("{name:?}"), str::to_owned),
        None => "unknown".to_owned(),
    };
    let ephemeral_key_exchange =
        cipher_suite.starts_with("TLS13_") || cipher_suite.contains("_ECDHE_");
    Negotiated {
        protocol_version,
        cipher_suite,
        ephemeral_key_exchange,
        chain: connection
            .peer_certificates()
            .map(<[CertificateDer<'static>]>::to_vec)
            .unwrap_or_default(),
    }
}

/// Returns the certificate error inside a failed handshake, if that is why it failed.
fn certificate_error(error: &io::Error) -> Option<&CertificateError> {
    match rustls_error(error)? {
        rustls::Error::InvalidCertificate(certificate_error) => Some(certificate_error),
        _ => None,
    }
}

fn rustls_error(error: &io::Error) -> Option<&rustls::Error> {
    error.get_ref()?.downcast_ref::<rustls::Error>()
}

fn describe_io_error(error: &io::Error) -> String {
    match rustls_error(error) {
        Some(rustls::Error::AlertReceived(alert)) => format!(
            "the server ended the handshake with the alert {alert:?}: it accepts none of TLS 1.3, or TLS 1.2 with ECDHE and AES-GCM or CHACHA20-POLY1305"
        ),
        Some(rustls::Error::PeerIncompatible(reason)) => format!(
            "the server is incompatible with TLS 1.2 or newer with ECDHE key exchange ({reason:?})"
        ),
        Some(rustls::Error::InvalidMessage(_)) => {
            "the server did not answer with TLS: the port may serve plain HTTP".to_owned()
        }
        Some(other) => format!("TLS failed: {other}"),
        None => error.to_string(),
    }
}

fn describe_certificate_error(error: &CertificateError) -> String {
    match error {
        CertificateError::UnknownIssuer => {
            "the chain does not lead to a trusted certificate authority (unknown issuer); a self-signed certificate fails this way".to_owned()
        }
        CertificateError::BadSignature => "a signature in the chain does not verify".to_owned(),
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            "the certificate has expired".to_owned()
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            "the certificate is not valid yet".to_owned()
        }
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            "the certificate is not valid for the host name of the URL".to_owned()
        }
        other => format!("the certificate was rejected: {other}"),
    }
}

/// Client configuration of the verified connections: the callout policy,
/// Mozilla's roots and the extra CAs, as in the outbound client.
fn verified_config(trusted_ca_pems: &[Vec<u8>]) -> Result<Arc<ClientConfig>, ConfigError> {
    let mut roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    for (position, pem) in trusted_ca_pems.iter().enumerate() {
        let invalid = |reason: String| {
            ConfigError::Client(format!("trusted CA bundle #{}: {reason}", position + 1))
        };
        let certificates = CertificateDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| invalid(format!("invalid PEM: {error}")))?;
        if certificates.is_empty() {
            return Err(invalid("no certificate found".to_owned()));
        }
        for certificate in certificates {
            roots
                .add(certificate)
                .map_err(|error| invalid(format!("unusable certificate: {error}")))?;
        }
    }

    let config = ClientConfig::builder_with_provider(tls::crypto_provider())
        .with_protocol_versions(tls::PROTOCOL_VERSIONS)
        .map_err(|error| ConfigError::Client(error.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(with_alpn(config))
}

/// Client configuration of the inspection handshake, which accepts any
/// certificate. It is used only after the verified handshake has failed,
/// and never carries a request.
fn inspect_only_config() -> Result<Arc<ClientConfig>, ConfigError> {
    let provider = tls::crypto_provider();
    let config = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_protocol_versions(tls::PROTOCOL_VERSIONS)
        .map_err(|error| ConfigError::Client(error.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(provider)))
        .with_no_client_auth();
    Ok(with_alpn(config))
}

fn with_alpn(mut config: ClientConfig) -> Arc<ClientConfig> {
    config.alpn_protocols = tls::client::CLIENT_ALPN_PROTOCOLS
        .iter()
        .map(|protocol| protocol.to_vec())
        .collect();
    Arc::new(config)
}

/// Accepts any certificate but still checks the handshake signatures, so the
/// negotiated parameters are those of a real handshake.
#[derive(Debug)]
struct AcceptAnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        certificate: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            certificate,
            signature,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        certificate: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            certificate,
            signature,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
