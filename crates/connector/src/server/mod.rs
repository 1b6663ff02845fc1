//! Serving the connector: bind, accept over TLS (or plain HTTP when allowed), shut down gracefully.

mod client_limit;
mod connection;
pub mod errors;
mod idle;
mod listener;
mod repoll;
mod routes;
mod trace;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use tokio::sync::{Notify, watch};

pub use listener::{HttpListener, ListenerSettings};
pub use routes::router;
pub use trace::{REQUEST_ID_HEADER, request_id};

use crate::config::Config;
use crate::metrics::MetricsListener;
use crate::notifications::NotificationWorker;
use crate::store::Store;

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
    listener: HttpListener,
    metrics: Option<(MetricsListener, SocketAddr)>,
    worker: Option<NotificationWorker>,
}

/// Binds the listeners and runs the connector until `shutdown` completes.
pub async fn serve(
    options: ServeOptions,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    bind(options).await?.run(shutdown).await
}

/// Validates the configuration, builds the router and binds the callout
/// listener (and the metrics listener when configured). With validation
/// rules set, it also builds the notification worker that `run` starts.
pub async fn bind(options: ServeOptions) -> anyhow::Result<BoundConnector> {
    let ServeOptions {
        store,
        config,
        listen,
        tls,
    } = options;
    config.validate()?;

    if tls.is_none() && !config.dangerous_plain_http {
        bail!(
            "no TLS configuration given; the host calls connectors over HTTPS only \
             (set dangerous_plain_http only behind a TLS-terminating proxy)"
        );
    }

    let wakeup = Arc::new(Notify::new());
    let worker = notification_worker(&store, &config, &wakeup)?;
    let router = routes::build_router(store, &config, wakeup)?;
    let settings = ListenerSettings {
        tls_handshake: config.timeouts.tls_handshake(),
        header_read: config.timeouts.header_read(),
        idle: config.timeouts.idle(),
        max_connections: config.limits.max_connections,
        max_connections_per_client: config.limits.max_connections_per_client,
        shutdown_grace: config.timeouts.request() + SHUTDOWN_GRACE,
    };
    let listener = HttpListener::bind(listen, router, tls, &settings).await?;

    let metrics = match config.metrics.listen {
        Some(address) => {
            let metrics = MetricsListener::bind(address).await?;
            let bound = metrics.local_addr()?;
            Some((metrics, bound))
        }
        None => None,
    };

    if !listener.is_tls() {
        tracing::warn!(
            address = %listener.local_addr(),
            "serving plain HTTP because dangerous_plain_http is set; callout credentials cross the network in clear text unless a TLS-terminating proxy is in front"
        );
    }
    Ok(BoundConnector {
        listener,
        metrics,
        worker,
    })
}

/// Builds the worker when validation rules are set; without them,
/// notifications are only stored and logged, for another system to read.
fn notification_worker(
    store: &Arc<dyn Store>,
    config: &Config,
    wakeup: &Arc<Notify>,
) -> anyhow::Result<Option<NotificationWorker>> {
    if !config.validation.has_rules() {
        tracing::info!("no validation rules configured; notifications are stored and logged only");
        return Ok(None);
    }
    let Some(queue) = store.notification_queue() else {
        bail!("validation rules are set, but the store keeps no notification queue");
    };
    tracing::info!(
        rules = config.validation.rule_count(),
        on_failure = config.validation.on_failure.label(),
        "validation rules configured; notifications are processed"
    );
    let worker = NotificationWorker::new(config, Arc::clone(store), queue, Arc::clone(wakeup))
        .context("failed to set up notification processing")?;
    Ok(Some(worker))
}

impl BoundConnector {
    /// Address the callout listener is bound to.
    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr()
    }

    /// Address the metrics listener is bound to, when metrics are on.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().map(|(_, address)| *address)
    }

    /// Accepts connections until `shutdown` completes, then stops accepting
    /// and lets open connections finish their requests (within the request
    /// timeout and a short grace period) before returning.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send) -> anyhow::Result<()> {
        let scheme = if self.listener.is_tls() { "https" } else { "http" };
        tracing::info!(address = %self.local_addr(), scheme, metrics = ?self.metrics_addr(), "connector started");

        let (stop_sender, stop_receiver) = watch::channel(false);
        let metrics_task = self
            .metrics
            .map(|(metrics, _)| tokio::spawn(metrics.run(stop_receiver.clone())));
        let worker_task = self
            .worker
            .map(|worker| tokio::spawn(worker.run(stop_receiver)));

        let served = self.listener.run(shutdown).await;

        let _ = stop_sender.send(true);
        if let Some(task) = worker_task {
            if let Err(error) = task.await {
                tracing::error!(%error, "notification worker task failed");
            }
        }
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
        served
    }
}
