//! One client connection: TLS handshake, then HTTP/1.1 or HTTP/2 with time limits.

use super::client_limit::ClientSlot;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::Watcher;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::sync::OwnedSemaphorePermit;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use super::idle::IdleTracked;
use super::listener::ListenerSettings;

/// Largest HTTP/1.1 read buffer, which bounds the request head; the body
/// has its own limit.
const MAX_HTTP1_BUFFER: usize = 16 * 1024;
/// Largest HTTP/2 header block.
const MAX_HTTP2_HEADER_LIST: u32 = 16 * 1024;
/// Concurrent HTTP/2 streams per connection.
const MAX_HTTP2_STREAMS: u32 = 32;

/// Everything a connection task needs, shared by all of them.
pub(crate) struct ConnectionContext {
    pub router: Router,
    pub tls: Option<TlsAcceptor>,
    pub tls_handshake: Duration,
    pub header_read: Duration,
    pub idle: Duration,
}

impl ConnectionContext {
    pub(crate) fn new(router: Router, tls: Option<TlsAcceptor>, settings: &ListenerSettings) -> Self {
        ConnectionContext {
            router,
            tls,
            tls_handshake: settings.tls_handshake,
            header_read: settings.header_read,
            idle: settings.idle,
        }
    }
}

/// Serves one accepted TCP connection to its end. The permit and the
/// client slot count the connection against the listener's connection
/// limits until this returns.
pub(crate) async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    context: Arc<ConnectionContext>,
    watcher: Watcher,
    _permit: OwnedSemaphorePermit,
    _client_slot: ClientSlot,
) {
    if let Err(error) = stream.set_nodelay(true) {
        tracing::debug!(%peer, %error, "failed to set TCP_NODELAY");
    }

    let Some(acceptor) = context.tls.clone() else {
        serve_http(stream, peer, &context, watcher).await;
        return;
    };
    match tokio::time::timeout(context.tls_handshake, acceptor.accept(stream)).await {
        Ok(Ok(tls_stream)) => serve_http(tls_stream, peer, &context, watcher).await,
        Ok(Err(error)) => tracing::debug!(%peer, %error, "TLS handshake failed"),
        Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
    }
}

/// Runs HTTP on the stream until the client leaves, an error or time limit
/// ends the connection, or a graceful shutdown completes.
async fn serve_http<IO>(io: IO, peer: SocketAddr, context: &ConnectionContext, watcher: Watcher)
where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (io, activity) = IdleTracked::new(io);

    let router = context.router.clone();
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        router.clone().oneshot(request.map(Body::new))
    });

    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(context.header_read)
        .keep_alive(true)
        .max_buf_size(MAX_HTTP1_BUFFER);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(MAX_HTTP2_STREAMS)
        .max_header_list_size(MAX_HTTP2_HEADER_LIST);

    let connection = builder
        .serve_connection(TokioIo::new(io), service)
        .into_owned();
    let connection = watcher.watch(connection);

    tokio::select! {
        served = connection => {
            if let Err(error) = served {
                // Clients that disconnect or time out end up here; that is
                // routine, so it stays at DEBUG.
                tracing::debug!(%peer, %error, "connection ended with an error");
            }
        }
        _ = activity.idle_for(context.idle) => {
            tracing::debug!(%peer, idle_secs = context.idle.as_secs(), "idle connection closed");
        }
    }
}
