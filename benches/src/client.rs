//! The load generator's HTTP/1.1 client: one hyper connection per TLS
//! connection, so that the benchmark decides exactly how many connections
//! exist and when each one opens and closes.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{AUTHORIZATION, CONNECTION, CONTENT_TYPE, HOST, HeaderValue};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use rustls::ClientConfig;
use rustls_pki_types::ServerName;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use crate::certificates::SERVER_NAME;

/// A server to connect to: its address and the client TLS configuration.
#[derive(Clone)]
pub struct Target {
    pub address: SocketAddr,
    pub tls: Arc<ClientConfig>,
}

/// One open keep-alive connection.
pub struct Connection {
    sender: SendRequest<Full<Bytes>>,
    /// Negotiated TLS version, cipher suite and key exchange group.
    pub tls_summary: String,
}

impl Target {
    /// Opens a TCP connection, completes the TLS handshake and the HTTP/1.1 handshake.
    pub async fn connect(&self) -> anyhow::Result<Connection> {
        let tcp = TcpStream::connect(self.address)
            .await
            .with_context(|| format!("failed to connect to {}", self.address))?;
        tcp.set_nodelay(true).context("failed to set TCP_NODELAY")?;

        let server_name = ServerName::try_from(SERVER_NAME)?;
        let tls_stream = TlsConnector::from(Arc::clone(&self.tls))
            .connect(server_name, tcp)
            .await
            .context("TLS handshake failed")?;
        let tls_summary = summarize(tls_stream.get_ref().1);

        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tls_stream))
            .await
            .context("HTTP/1.1 handshake failed")?;
        // The connection future drives the socket; it ends when the server
        // closes the connection or the sender is dropped.
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(Connection {
            sender,
            tls_summary,
        })
    }
}

impl Connection {
    /// Sends a request and reads the whole response body.
    pub async fn send(&mut self, request: Request<Full<Bytes>>) -> anyhow::Result<(StatusCode, Bytes)> {
        self.sender.ready().await.context("connection closed")?;
        let response = self
            .sender
            .send_request(request)
            .await
            .context("request failed")?;
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .context("failed to read the response body")?
            .to_bytes();
        Ok((status, body))
    }
}

fn summarize(connection: &rustls::ClientConnection) -> String {
    let version = connection
        .protocol_version()
        .map(|version| format!("{version:?}"))
        .unwrap_or_else(|| "unknown version".to_owned());
    let suite = connection
        .negotiated_cipher_suite()
        .map(|suite| format!("{:?}", suite.suite()))
        .unwrap_or_else(|| "unknown suite".to_owned());
    let group = connection
        .negotiated_key_exchange_group()
        .map(|group| format!("{:?}", group.name()))
        .unwrap_or_else(|| "unknown group".to_owned());
    format!("{version}, {suite}, {group}")
}

/// The request of a scenario; POST bodies rotate through `bodies`, so that
/// successive requests ask different queries.
#[derive(Clone)]
pub struct RequestTemplate {
    pub method: Method,
    pub path: String,
    /// `Authorization` header value, when the server requires one.
    pub authorization: Option<String>,
    /// Request bodies, sent with `Content-Type: application/xml`; empty for a GET.
    pub bodies: Vec<Bytes>,
    /// Sends `Connection: close`, so that the server closes after responding.
    pub close: bool,
}

impl RequestTemplate {
    /// Builds the `index`-th request of the rotation.
    pub fn build(&self, index: usize) -> anyhow::Result<Request<Full<Bytes>>> {
        let mut builder = Request::builder()
            .method(self.method.clone())
            .uri(self.path.as_str())
            .header(HOST, HeaderValue::from_static(SERVER_NAME));
        if let Some(authorization) = &self.authorization {
            builder = builder.header(AUTHORIZATION, authorization.as_str());
        }
        if self.close {
            builder = builder.header(CONNECTION, HeaderValue::from_static("close"));
        }
        let body = if self.bodies.is_empty() {
            Bytes::new()
        } else {
            builder = builder.header(
                CONTENT_TYPE,
                HeaderValue::from_static("application/xml; charset=utf-8"),
            );
            self.bodies[index % self.bodies.len()].clone()
        };
        builder.body(Full::new(body)).context("invalid request")
    }
}
