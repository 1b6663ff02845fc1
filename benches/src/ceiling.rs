//! The ceiling: a minimal hyper HTTP/1.1 server over the same TLS
//! configuration that returns a fixed `200` body to every request and does
//! nothing else (no routing, authentication, timeouts or logging).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use rustls::ServerConfig;
use tokio::net::TcpListener;
use tokio::runtime::Runtime;
use tokio::sync::oneshot;
use tokio_rustls::TlsAcceptor;

use crate::servers::RunningServer;

/// Body of every ceiling response; as long as the connector's Test
/// Connection body, so both send the same number of bytes.
pub const CEILING_BODY: &[u8] = b"connection OK\n";

/// Starts the ceiling server on 127.0.0.1 with a free port.
pub fn start_ceiling(runtime: &Runtime, tls: Arc<ServerConfig>) -> anyhow::Result<RunningServer> {
    let listener = runtime
        .block_on(TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))))
        .context("failed to bind the ceiling server")?;
    let address = listener.local_addr().context("failed to read the ceiling address")?;
    let acceptor = TlsAcceptor::from(tls);

    let (shutdown, mut stopped) = oneshot::channel::<()>();
    let task = runtime.spawn(async move {
        loop {
            let accepted = tokio::select! {
                accepted = listener.accept() => accepted,
                _ = &mut stopped => return Ok(()),
            };
            // A failed accept (such as running out of descriptors) is retried;
            // the benchmark counts the missing responses as errors.
            let Ok((stream, _)) = accepted else { continue };
            let _ = stream.set_nodelay(true);
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(tls_stream) = acceptor.accept(stream).await else { return };
                let service = hyper::service::service_fn(respond);
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tls_stream), service)
                    .await;
            });
        }
    });
    Ok(RunningServer::new(address, shutdown, task))
}

async fn respond(_request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(CEILING_BODY))))
}
