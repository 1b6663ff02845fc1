//! Opening a connection: resolve, guard every address, TCP connect, TLS handshake, HTTP/1.1 handshake.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use rustls::ClientConfig;
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout_at};
use tokio_rustls::TlsConnector;

use crate::callout::TlsDetails;
use crate::failure::{FailureCause, classify_handshake_error, classify_io_error, phase};
use crate::guard;
use crate::origin::{Host, Origin};

/// Largest response head hyper buffers, in bytes; a callout response head is a few hundred bytes.
const MAX_RESPONSE_HEAD_BYTES: usize = 64 * 1024;

/// Most response headers accepted.
const MAX_RESPONSE_HEADERS: usize = 100;

/// An open HTTP/1.1 connection over TLS, ready for requests.
pub(crate) struct Connection {
    pub(crate) sender: SendRequest<Full<Bytes>>,
    pub(crate) tls: TlsDetails,
}

/// Settings of [`connect`] besides the origin.
pub(crate) struct ConnectSettings<'a> {
    pub(crate) tls_config: &'a Arc<ClientConfig>,
    pub(crate) allow_private_addresses: bool,
    /// End of the connect phase: resolution, TCP connect and TLS handshake.
    pub(crate) deadline: Instant,
}

/// Opens a connection to `origin`, checking every resolved address with the guard first.
///
/// The TCP connection goes to one of the checked addresses, never to a name,
/// so a second DNS answer cannot redirect it.
pub(crate) async fn connect(
    origin: &Origin,
    settings: &ConnectSettings<'_>,
) -> Result<Connection, FailureCause> {
    let timed_out = |phase| FailureCause::TimedOut { phase };

    let addresses = timeout_at(settings.deadline, resolve(origin))
        .await
        .map_err(|_| timed_out(phase::CONNECT))??;
    if !settings.allow_private_addresses {
        check_addresses(&addresses)?;
    }

    let tcp = timeout_at(settings.deadline, connect_tcp(&addresses))
        .await
        .map_err(|_| timed_out(phase::CONNECT))??;

    let connector = TlsConnector::from(Arc::clone(settings.tls_config));
    let tls_stream = timeout_at(
        settings.deadline,
        connector.connect(origin.server_name().clone(), tcp),
    )
    .await
    .map_err(|_| timed_out(phase::TLS_HANDSHAKE))?
    .map_err(|error| classify_handshake_error(&error, &origin.host().to_string()))?;
    let tls = TlsDetails::of(tls_stream.get_ref().1);

    let (sender, connection) = http1::Builder::new()
        .max_buf_size(MAX_RESPONSE_HEAD_BYTES)
        .max_headers(MAX_RESPONSE_HEADERS)
        .handshake(TokioIo::new(tls_stream))
        .await
        .map_err(|error| FailureCause::Io(format!("HTTP/1.1 setup failed: {error}")))?;
    let authority = origin.authority();
    tokio::spawn(async move {
        // The request side already reports failures that end a callout;
        // this only notes connections that end badly while idle.
        if let Err(error) = connection.await {
            tracing::debug!(origin = %authority, %error, "outbound connection ended with an error");
        }
    });
    Ok(Connection { sender, tls })
}

/// Returns the addresses of the origin's host: the literal itself, or every DNS answer without repeats.
async fn resolve(origin: &Origin) -> Result<Vec<SocketAddr>, FailureCause> {
    let name = match origin.host() {
        Host::Ip(address) => return Ok(vec![SocketAddr::new(*address, origin.port())]),
        Host::Domain(name) => name,
    };
    let not_resolved = || FailureCause::NameNotResolved { host: name.clone() };

    let mut addresses: Vec<SocketAddr> = Vec::new();
    for address in tokio::net::lookup_host((name.as_str(), origin.port()))
        .await
        .map_err(|_| not_resolved())?
    {
        if !addresses.contains(&address) {
            addresses.push(address);
        }
    }
    if addresses.is_empty() {
        return Err(not_resolved());
    }
    Ok(addresses)
}

/// Rejects the whole set when any address is not public, so that a name
/// mixing public and private records cannot reach the private one.
fn check_addresses(addresses: &[SocketAddr]) -> Result<(), FailureCause> {
    match addresses
        .iter()
        .find(|address| !guard::is_public(address.ip()))
    {
        Some(address) => Err(FailureCause::AddressNotAllowed {
            address: address.ip(),
        }),
        None => Ok(()),
    }
}

/// Tries each address in resolver order and returns the first connection made.
async fn connect_tcp(addresses: &[SocketAddr]) -> Result<TcpStream, FailureCause> {
    let mut errors: Vec<(SocketAddr, io::Error)> = Vec::new();
    for address in addresses {
        match TcpStream::connect(address).await {
            Ok(stream) => {
                // Requests are written whole, so waiting to coalesce them only adds latency.
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Err(error) => errors.push((*address, error)),
        }
    }

    // `localhost` often resolves to `::1` and `127.0.0.1`, and the refusal
    // is the useful fact even when the other address is merely unreachable.
    if errors
        .iter()
        .any(|(_, error)| error.kind() == io::ErrorKind::ConnectionRefused)
    {
        return Err(FailureCause::ConnectionRefused);
    }
    match errors.first() {
        Some((address, error)) => Err(match classify_io_error(error) {
            FailureCause::Io(text) => {
                FailureCause::Io(format!("connecting to {address} failed: {text}"))
            }
            other => other,
        }),
        None => Err(FailureCause::Io("no address to connect to".to_owned())),
    }
}
