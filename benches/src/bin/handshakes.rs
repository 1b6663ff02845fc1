//! New TLS connections per second against Test Connection: one request per
//! connection, full handshakes only (the client disables resumption), for
//! several server key types.
//!
//! `cargo run --release -p callouts-benches --bin handshakes -- --help`

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use benches::ceiling::start_ceiling;
use benches::certificates::{KeyKind, ServerIdentity, issue};
use benches::client::{RequestTemplate, Target};
use benches::fixtures::TEST_CONNECTION_PATH;
use benches::latency::{format_duration, format_rate};
use benches::load::{LoadOptions, LoadResult, Scenario, check, connection_per_request};
use benches::servers::{RunningServer, authorization, runtime, start_connector};
use benches::table::Table;
use clap::Parser;
use connector::store::SqliteStore;
use hyper::Method;
use rustls::client::Resumption;
use tokio::runtime::Runtime;

/// Measures new TLS connections per second, each carrying one Test
/// Connection request, for server certificates with ECDSA P-256 (from the
/// dev CA), ECDSA P-384 and RSA-2048 keys, and the hyper ceiling with P-256.
#[derive(Parser)]
struct Options {
    /// Connections being opened at the same time.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Measured seconds per server.
    #[arg(long, default_value_t = 3)]
    duration: u64,
    /// Unmeasured seconds before each measurement.
    #[arg(long, default_value_t = 1)]
    warmup: u64,
    /// Worker threads of the server runtime.
    #[arg(long, default_value_t = 2)]
    server_threads: usize,
    /// Worker threads of the client runtime.
    #[arg(long, default_value_t = 2)]
    client_threads: usize,
}

/// Name of the server runtime's threads, whose CPU time is measured.
const SERVER_THREADS: &str = "server";

/// The server under test.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Server {
    Connector,
    Ceiling,
}

fn main() -> anyhow::Result<()> {
    let options = Options::parse();
    println!("# New TLS connections per second\n");
    println!("Machine: {}\n", benches::machine::describe());

    let directory = tempfile::tempdir().context("failed to create a temporary directory")?;
    let store = SqliteStore::open(directory.path().join("store.sqlite"))
        .context("failed to open the store")?;
    let server_runtime = runtime(options.server_threads, SERVER_THREADS)?;
    let client_runtime = runtime(options.client_threads, "client")?;
    let load = LoadOptions {
        concurrency: options.concurrency,
        warmup: Duration::from_secs(options.warmup),
        duration: Duration::from_secs(options.duration),
        server_threads: Some(SERVER_THREADS),
    };

    let runs = [
        (Server::Connector, KeyKind::EcdsaP256),
        (Server::Connector, KeyKind::EcdsaP384),
        (Server::Connector, KeyKind::Rsa2048),
        (Server::Ceiling, KeyKind::EcdsaP256),
    ];
    let mut table = Table::new(&[
        "server",
        "certificate key",
        "TLS",
        "connections/s",
        "server CPU per connection",
        "p50",
        "p99",
        "errors",
    ]);
    for (server, kind) in runs {
        let identity = match issue(kind) {
            Ok(identity) => identity,
            Err(error) => {
                let reason = format!("skipped: {error:#}");
                table.row(vec![server_label(server).to_owned(), kind.label().to_owned(), reason]);
                continue;
            }
        };
        let measured = measure(
            &server_runtime,
            &client_runtime,
            server,
            &identity,
            &store,
            load,
        )?;
        let (tls, result) = measured;
        eprintln!(
            "{} {}: {} connections/s",
            server_label(server),
            kind.label(),
            format_rate(result.per_second())
        );
        let errors = match &result.first_error {
            Some(error) => format!("{} (first: {error})", result.failed),
            None => result.failed.to_string(),
        };
        table.row(vec![
            server_label(server).to_owned(),
            format!("{} ({})", kind.label(), identity.issuer),
            tls,
            format_rate(result.per_second()),
            result
                .server_cpu_per_response()
                .map(format_duration)
                .unwrap_or_else(|| "unknown".to_owned()),
            format_duration(result.latencies.percentile(50.0)),
            format_duration(result.latencies.percentile(99.0)),
            errors,
        ]);
    }

    println!(
        "{} concurrent connection loops, {} s measured per row after {} s warm-up; \
         server runtime {} threads, client runtime {} threads, in one process; \
         client resumption disabled, `Connection: close` on every request.\n",
        options.concurrency,
        options.duration,
        options.warmup,
        options.server_threads,
        options.client_threads,
    );
    println!("{}", table.render());
    Ok(())
}

fn server_label(server: Server) -> &'static str {
    match server {
        Server::Connector => "connector, Test Connection",
        Server::Ceiling => "hyper ceiling",
    }
}

/// Starts the server with `identity`, runs the load and stops it; returns the
/// negotiated TLS parameters and the result.
fn measure(
    server_runtime: &Runtime,
    client_runtime: &Runtime,
    server: Server,
    identity: &ServerIdentity,
    store: &SqliteStore,
    load: LoadOptions,
) -> anyhow::Result<(String, LoadResult)> {
    let server_tls = identity.server_config()?;
    let running: RunningServer = match server {
        Server::Connector => start_connector(server_runtime, Arc::new(store.clone()), server_tls)?,
        Server::Ceiling => start_ceiling(server_runtime, server_tls)?,
    };

    let mut client_tls = (*identity.client_config()?).clone();
    client_tls.resumption = Resumption::disabled();
    let target = Target {
        address: running.address,
        tls: Arc::new(client_tls),
    };
    let scenario = Arc::new(Scenario {
        name: format!("{} {}", server_label(server), identity.kind.label()),
        request: RequestTemplate {
            method: Method::GET,
            path: TEST_CONNECTION_PATH.to_owned(),
            authorization: Some(authorization()),
            bodies: Vec::new(),
            close: true,
        },
        expect: "connection OK",
    });

    let tls = client_runtime.block_on(check(&target, &scenario))?;
    let result = client_runtime.block_on(connection_per_request(&target, scenario, load));
    server_runtime.block_on(running.stop())?;
    Ok((tls, result))
}
