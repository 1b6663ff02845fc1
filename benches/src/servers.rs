//! Servers under test, each on its own Tokio runtime: the real connector and
//! a handle to stop either it or the ceiling server.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use base64::Engine;
use connector::store::Store;
use connector::{Config, Secret, ServeOptions};
use rustls::ServerConfig;
use tokio::runtime::Runtime;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// User name the benchmark connector accepts.
pub const USERNAME: &str = "bench-connector";
/// Password the benchmark connector accepts, in clear text in the
/// configuration, so that no argon2 hash is verified per request.
pub const PASSWORD: &str = "bench-password-0123";

/// Returns the `Authorization` header value for [`USERNAME`] and [`PASSWORD`].
pub fn authorization() -> String {
    let token =
        base64::engine::general_purpose::STANDARD.encode(format!("{USERNAME}:{PASSWORD}"));
    format!("Basic {token}")
}

/// Builds a multi-threaded Tokio runtime with `workers` worker threads.
pub fn runtime(workers: usize, name: &str) -> anyhow::Result<Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers.max(1))
        .thread_name(name)
        .enable_all()
        .build()
        .with_context(|| format!("failed to build the {name} runtime"))
}

/// A server task listening on loopback, stopped by [`RunningServer::stop`].
pub struct RunningServer {
    pub address: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<anyhow::Result<()>>,
}

impl RunningServer {
    /// Wraps a spawned server task and the sender that signals it to stop.
    pub fn new(
        address: SocketAddr,
        shutdown: oneshot::Sender<()>,
        task: JoinHandle<anyhow::Result<()>>,
    ) -> RunningServer {
        RunningServer {
            address,
            shutdown: Some(shutdown),
            task,
        }
    }

    /// Asks the server to stop and waits up to 20 seconds for it.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        match tokio::time::timeout(Duration::from_secs(20), &mut self.task).await {
            Ok(joined) => joined.context("server task panicked")?,
            Err(_) => {
                self.task.abort();
                anyhow::bail!("server did not stop within 20 seconds")
            }
        }
    }
}

/// Starts the connector on 127.0.0.1 with a free port, serving `store` over
/// `tls` with the benchmark credentials and otherwise default settings.
pub fn start_connector(
    runtime: &Runtime,
    store: Arc<dyn Store>,
    tls: Arc<ServerConfig>,
) -> anyhow::Result<RunningServer> {
    let mut config = Config::default();
    config.credentials.username = USERNAME.to_owned();
    config.credentials.password = Secret::new(PASSWORD);
    let options = ServeOptions {
        store,
        config,
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        tls: Some(tls),
    };

    let bound = runtime
        .block_on(connector::bind(options))
        .context("failed to bind the connector")?;
    let address = bound.local_addr();
    let (shutdown, stopped) = oneshot::channel::<()>();
    let task = runtime.spawn(bound.run(async move {
        let _ = stopped.await;
    }));
    Ok(RunningServer::new(address, shutdown, task))
}
