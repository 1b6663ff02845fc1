//! A bound HTTP listener for any router: TLS or plain HTTP, connection limit, graceful shutdown.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use super::client_limit::ClientConnections;
use super::connection::{ConnectionContext, serve_connection};
use super::repoll::Repoll;

/// Pause after a failed `accept`, such as running out of file descriptors,
/// so that the loop does not spin while the condition lasts.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(100);

/// Time limits and the connection limit of one listener.
#[derive(Debug, Clone)]
pub struct ListenerSettings {
    /// TLS handshake of a new connection.
    pub tls_handshake: Duration,
    /// Reading the request line and headers (HTTP/1.1), also bounding how
    /// long a kept-alive connection waits for its next request.
    pub header_read: Duration,
    /// A connection with no bytes read or written for this long is closed.
    pub idle: Duration,
    /// Most connections served at once; further clients wait in the listen backlog.
    pub max_connections: usize,
    /// Most connections one client address (an IPv6 client's /64) may hold
    /// at once; further connections from it are closed at once.
    pub max_connections_per_client: usize,
    /// How long open connections get to finish once shutdown begins.
    pub shutdown_grace: Duration,
}

/// A TCP listener bound to its address, serving one router once [`HttpListener::run`] starts.
pub struct HttpListener {
    listener: TcpListener,
    local_addr: SocketAddr,
    context: Arc<ConnectionContext>,
    max_connections: usize,
    max_connections_per_client: usize,
    shutdown_grace: Duration,
}

impl HttpListener {
    /// Binds `address`. With `tls`, every connection starts with a TLS
    /// handshake, offering HTTP/2 and HTTP/1.1 by ALPN unless the
    /// configuration names its own protocols; without it, plain HTTP.
    pub async fn bind(
        address: SocketAddr,
        router: Router,
        tls: Option<Arc<rustls::ServerConfig>>,
        settings: &ListenerSettings,
    ) -> anyhow::Result<HttpListener> {
        let tls = tls.map(|server_config| TlsAcceptor::from(with_http_alpn(server_config)));
        let listener = TcpListener::bind(address)
            .await
            .with_context(|| format!("failed to bind the listener to {address}"))?;
        let local_addr = listener
            .local_addr()
            .context("failed to read the listener address")?;
        Ok(HttpListener {
            listener,
            local_addr,
            context: Arc::new(ConnectionContext::new(router, tls, settings)),
            max_connections: settings.max_connections,
            max_connections_per_client: settings.max_connections_per_client,
            shutdown_grace: settings.shutdown_grace,
        })
    }

    /// Address the listener is bound to.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Whether connections start with a TLS handshake.
    pub fn is_tls(&self) -> bool {
        self.context.tls.is_some()
    }

    /// Accepts connections until `shutdown` completes, then stops accepting
    /// and lets open connections finish within the grace period before returning.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send) -> anyhow::Result<()> {
        let graceful = GracefulShutdown::new();
        let permits = Arc::new(Semaphore::new(self.max_connections));
        let clients = ClientConnections::new(self.max_connections_per_client);
        let mut connections = JoinSet::new();
        tokio::pin!(shutdown);

        loop {
            // Reap finished connection tasks so that the set stays small.
            while connections.try_join_next().is_some() {}

            let permit = tokio::select! {
                permit = Arc::clone(&permits).acquire_owned() => permit.context("connection limit closed")?,
                () = &mut shutdown => break,
            };
            let (stream, peer) = tokio::select! {
                accepted = self.listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        tracing::warn!(%error, "failed to accept a connection");
                        tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
                        continue;
                    }
                },
                () = &mut shutdown => break,
            };
            let Some(client_slot) = clients.try_acquire(peer.ip()) else {
                // Closing at once frees the global permit for other clients.
                tracing::debug!(%peer, "closed a connection over the per-client limit");
                metrics::counter!("callouts_connections_rejected_total", "reason" => "client_limit")
                    .increment(1);
                continue;
            };
            let context = Arc::clone(&self.context);
            connections.spawn(Repoll::new(serve_connection(
                stream,
                peer,
                context,
                graceful.watcher(),
                permit,
                client_slot,
            )));
        }

        drop(self.listener);
        tracing::info!(
            address = %self.local_addr,
            open_connections = graceful.count(),
            "listener stopping: waiting for open connections"
        );
        if tokio::time::timeout(self.shutdown_grace, graceful.shutdown())
            .await
            .is_err()
        {
            tracing::warn!(
                open_connections = connections.len(),
                grace_secs = self.shutdown_grace.as_secs(),
                "connections still open after the grace period; closing them"
            );
        }
        connections.shutdown().await;
        Ok(())
    }
}

/// Adds the ALPN protocols HTTP/2 and HTTP/1.1 when the TLS configuration
/// names none, so that clients can negotiate HTTP/2.
fn with_http_alpn(server_config: Arc<rustls::ServerConfig>) -> Arc<rustls::ServerConfig> {
    if !server_config.alpn_protocols.is_empty() {
        return server_config;
    }
    let mut server_config = (*server_config).clone();
    server_config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Arc::new(server_config)
}
