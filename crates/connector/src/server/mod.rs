//! Serving the connector: bind, accept over TLS (or plain HTTP when allowed), shut down gracefully.

mod connection;
pub mod errors;
mod idle;
mod routes;
mod trace;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

pub use routes::router;
pub use trace::REQUEST_ID_HEADER;

use crate::config::Config;
use crate::metrics::MetricsListener;
use crate::store::Store;
use connection::{ConnectionContext, serve_connection};

/// Pause after a failed `accept`, such as running out of file descriptors,
/// so that the loop does not spin while the condition lasts.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(100);

/// How long open connections get to finish after shutdown begins, beyond
/// the request timeout.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Store, configuration, listen address and TLS of a connector to serve.
pub struct ServeOptions {
    /// The system of record the callouts search.
    pub store: Arc<dyn Store>,
    /// Validated again by [`bind`].
    pub config: Config,
    /// Address of the callout listener; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Server TLS configuration. `None` serves plain HTTP, which [`bind`]
    /// accepts only when `config.dangerous_plain_http` is set.
    pub tls: Option<Arc<rustls::ServerConfig>>,
}

/// A connector whose listeners are bound but not yet accepting.
pub struct BoundConnector {
    listener: TcpListener,
    local_addr: SocketAddr,
    metrics: Option<(MetricsListener, SocketAddr)>,
    context: Arc<ConnectionContext>,
    max_connections: usize,
    shutdown_grace: Duration,
}

/// Binds the listeners and runs the connector until `shutdown` completes.
pub async fn serve(
    options: ServeOptions,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    bind(options).await?.run(shutdown).await
}

/// Validates the configuration, builds the router and binds the callout
/// listener (and the metrics listener when configured).
pub async fn bind(options: ServeOptions) -> anyhow::Result<BoundConnector> {
    let ServeOptions {
        store,
        config,
        listen,
        tls,
    } = options;
    config.validate()?;

    let tls = match (tls, config.dangerous_plain_http) {
        (Some(server_config), _) => Some(TlsAcceptor::from(with_http_alpn(server_config))),
        (None, true) => None,
        (None, false) => bail!(
            "no TLS configuration given; the host calls connectors over HTTPS only \
             (set dangerous_plain_http only behind a TLS-terminating proxy)"
        ),
    };

    let router = router(store, &config)?;
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("failed to bind the callout listener to {listen}"))?;
    let local_addr = listener
        .local_addr()
        .context("failed to read the callout listener address")?;

    let metrics = match config.metrics.listen {
        Some(address) => {
            let metrics = MetricsListener::bind(address).await?;
            let bound = metrics.local_addr()?;
            Some((metrics, bound))
        }
        None => None,
    };

    if tls.is_none() {
        tracing::warn!(
            address = %local_addr,
            "serving plain HTTP because dangerous_plain_http is set; callout credentials cross the network in clear text unless a TLS-terminating proxy is in front"
        );
    }
    Ok(BoundConnector {
        listener,
        local_addr,
        metrics,
        context: Arc::new(ConnectionContext::new(router, tls, &config.timeouts)),
        max_connections: config.limits.max_connections,
        shutdown_grace: config.timeouts.request() + SHUTDOWN_GRACE,
    })
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

impl BoundConnector {
    /// Address the callout listener is bound to.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Address the metrics listener is bound to, when metrics are on.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().map(|(_, address)| *address)
    }

    /// Accepts connections until `shutdown` completes, then stops accepting
    /// and lets open connections finish their requests (within the request
    /// timeout and a short grace period) before returning.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send) -> anyhow::Result<()> {
        let scheme = if self.context.tls.is_some() {
            "https"
        } else {
            "http"
        };
        tracing::info!(address = %self.local_addr, scheme, metrics = ?self.metrics_addr(), "connector started");

        let (stop_sender, stop_receiver) = watch::channel(false);
        let metrics_task = self
            .metrics
            .map(|(metrics, _)| tokio::spawn(metrics.run(stop_receiver)));

        let graceful = GracefulShutdown::new();
        let permits = Arc::new(Semaphore::new(self.max_connections));
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
            let context = Arc::clone(&self.context);
            connections.spawn(serve_connection(
                stream,
                peer,
                context,
                graceful.watcher(),
                permit,
            ));
        }

        drop(self.listener);
        tracing::info!(
            open_connections = graceful.count(),
            "connector stopping: waiting for open connections"
        );
        let _ = stop_sender.send(true);
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
        if let Some(task) = metrics_task {
            match task.await {
                Ok(Ok(())) => {}
                Ok(Err(error)) => {
                    tracing::error!(error = %format!("{error:#}"), "metrics listener failed")
                }
                Err(error) => tracing::error!(%error, "metrics task failed"),
            }
        }
        tracing::info!("connector stopped");
        Ok(())
    }
}
