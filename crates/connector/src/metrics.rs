//! Prometheus metrics: callouts by kind and outcome, durations, auth failures, throttling,
//! and the notifications received and processed.
//!
//! The `metrics` macros do nothing until a recorder is installed, which
//! happens only when `metrics.listen` is set. The recorder is process-wide,
//! so it is installed once and shared by every connector in the process,
//! and by the host, whose metrics listener is this one too.

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Duration;

use anyhow::{Context, anyhow};
use axum::Router;
use axum::routing::get;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tokio::net::TcpListener;
use tokio::sync::watch;

const CALLOUTS_TOTAL: &str = "callouts_requests_total";
const CALLOUT_DURATION: &str = "callouts_request_duration_seconds";
const AUTH_FAILURES_TOTAL: &str = "callouts_auth_failures_total";
const THROTTLED_TOTAL: &str = "callouts_throttled_requests_total";
const NOTIFICATIONS_TOTAL: &str = "callouts_notifications_total";

/// Histogram buckets in seconds: from a cached lookup to a slow store.
const DURATION_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// Histograms must be drained regularly or they grow without bound.
const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

/// Counts one completed callout and its duration.
pub fn record_callout(kind: &'static str, outcome: &'static str, duration: Duration) {
    metrics::counter!(CALLOUTS_TOTAL, "kind" => kind, "outcome" => outcome).increment(1);
    metrics::histogram!(CALLOUT_DURATION, "kind" => kind).record(duration.as_secs_f64());
}

/// Counts one rejected credential check; `reason` is `missing`, `malformed` or `wrong`.
pub fn record_auth_failure(reason: &'static str) {
    metrics::counter!(AUTH_FAILURES_TOTAL, "reason" => reason).increment(1);
}

/// Counts one request turned away by the failure throttle.
pub fn record_throttled() {
    metrics::counter!(THROTTLED_TOTAL).increment(1);
}

/// Counts one notification event: `stored` or `duplicate` when received,
/// `retried`, `done`, `superseded` or `failed` after an attempt.
pub fn record_notification(outcome: &'static str) {
    metrics::counter!(NOTIFICATIONS_TOTAL, "outcome" => outcome).increment(1);
}

static HANDLE: OnceLock<Result<PrometheusHandle, String>> = OnceLock::new();

/// Installs the Prometheus recorder on first use and returns its handle.
fn prometheus_handle() -> anyhow::Result<PrometheusHandle> {
    let installed = HANDLE.get_or_init(|| {
        PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(CALLOUT_DURATION.to_owned()), DURATION_BUCKETS)
            .and_then(PrometheusBuilder::install_recorder)
            .map_err(|error| error.to_string())
    });
    installed
        .clone()
        .map_err(|message| anyhow!("failed to install the Prometheus recorder: {message}"))
}

/// A bound metrics listener, not yet serving.
pub struct MetricsListener {
    listener: TcpListener,
    handle: PrometheusHandle,
}

impl MetricsListener {
    /// Installs the Prometheus recorder on first use and binds `address`.
    pub async fn bind(address: SocketAddr) -> anyhow::Result<Self> {
        let handle = prometheus_handle()?;
        let listener = TcpListener::bind(address)
            .await
            .with_context(|| format!("failed to bind the metrics listener to {address}"))?;
        Ok(MetricsListener { listener, handle })
    }

    pub fn local_addr(&self) -> anyhow::Result<SocketAddr> {
        self.listener
            .local_addr()
            .context("failed to read the metrics listener address")
    }

    /// Serves `GET /metrics` until `shutdown` turns true.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) -> anyhow::Result<()> {
        let render_handle = self.handle.clone();
        let router = Router::new().route(
            "/metrics",
            get(move || {
                let handle = render_handle.clone();
                async move { handle.render() }
            }),
        );

        let upkeep_handle = self.handle;
        let mut upkeep_shutdown = shutdown.clone();
        let upkeep = tokio::spawn(async move {
            let mut interval = tokio::time::interval(UPKEEP_INTERVAL);
            loop {
                tokio::select! {
                    _ = interval.tick() => upkeep_handle.run_upkeep(),
                    _ = upkeep_shutdown.wait_for(|stop| *stop) => break,
                }
            }
        });

        let served = axum::serve(self.listener, router)
            .with_graceful_shutdown(async move {
                let _ = shutdown.wait_for(|stop| *stop).await;
            })
            .await
            .context("metrics listener failed");
        upkeep.abort();
        served
    }
}
