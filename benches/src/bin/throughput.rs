//! End-to-end keep-alive throughput of the connector over TLS, next to a
//! minimal hyper server (the ceiling) on the same TLS configuration. The
//! connector's store is a SQLite file or a PostgreSQL schema.
//!
//! `cargo run --release -p callouts-benches --bin throughput -- --help`

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use benches::ceiling::start_ceiling;
use benches::certificates::dev_ca_identity;
use benches::client::{RequestTemplate, Target};
use benches::engine::{Backend, EngineKind, EngineOptions};
use benches::fixtures::{self, ATTENDEE_PATH, Fixtures, LIST_PATH, TEST_CONNECTION_PATH};
use benches::latency::{format_duration, format_rate};
use benches::load::{LoadOptions, LoadResult, Scenario, check, keep_alive};
use benches::servers::{authorization, runtime, start_connector};
use benches::table::Table;
use clap::{Parser, ValueEnum};
use hyper::Method;
use tokio::runtime::Runtime;

/// Measures requests per second of Test Connection, Fetch List and Fetch
/// Attendee through the real connector over TLS, and of a minimal hyper
/// server returning a fixed body, in interleaved rounds, at each number of
/// connections given. A scenario's rate at one number of connections is the
/// median of its rounds. Its throughput is its highest rate over those
/// numbers, and the target ratios compare throughputs.
#[derive(Parser)]
struct Options {
    #[command(flatten)]
    store: EngineOptions,
    /// Concurrent keep-alive connections per scenario; repeat the option to
    /// measure each scenario at several numbers.
    #[arg(long = "connections", default_values_t = [8, 64])]
    connections: Vec<usize>,
    /// Measured seconds per scenario and round.
    #[arg(long, default_value_t = 2)]
    duration: u64,
    /// Unmeasured seconds before each measurement.
    #[arg(long, default_value_t = 1)]
    warmup: u64,
    /// Rounds; each round measures every scenario at every number of
    /// connections once, in a rotated order.
    #[arg(long, default_value_t = 5)]
    rounds: usize,
    /// Worker threads of the server runtime (connector and ceiling).
    #[arg(long, default_value_t = 2)]
    server_threads: usize,
    /// Worker threads of the client runtime (load generator).
    #[arg(long, default_value_t = 2)]
    client_threads: usize,
    /// num-to-return of Fetch List and MaximumNumberRecords of Fetch Attendee.
    #[arg(long, default_value_t = 25)]
    results: usize,
    /// Scenarios to run (repeat the option for several); all by default.
    /// Running one alone is useful under a profiler.
    #[arg(long = "scenario", value_enum)]
    scenarios: Vec<Kind>,
}

/// The measured scenarios.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Kind {
    Ceiling,
    TestConnection,
    FetchList,
    FetchAttendee,
}

/// Name of the server runtime's threads, whose CPU time is measured.
const SERVER_THREADS: &str = "server";

const ALL_KINDS: [Kind; 4] = [Kind::Ceiling, Kind::TestConnection, Kind::FetchList, Kind::FetchAttendee];

/// Ratios of throughputs (each scenario's highest median rate over the numbers
/// of connections) with their targets: numerator, denominator, minimum.
const RATIO_TARGETS: [(Kind, Kind, f64); 2] = [
    (Kind::FetchList, Kind::TestConnection, 0.6),
    (Kind::TestConnection, Kind::Ceiling, 0.8),
];

fn main() -> anyhow::Result<()> {
    let mut options = Options::parse();
    if options.scenarios.is_empty() {
        options.scenarios = ALL_KINDS.to_vec();
    }
    println!("# Keep-alive throughput over TLS ({:?})\n", options.store.engine);
    println!("Machine: {}\n", benches::machine::describe());

    let server_runtime = runtime(options.server_threads, SERVER_THREADS)?;
    let client_runtime = runtime(options.client_threads, "client")?;

    // The store's connections belong to the runtime that serves the connector.
    let backend = options.store.open(None, &server_runtime)?;
    let result = run(&options, &backend, &server_runtime, &client_runtime);
    server_runtime.block_on(backend.close());
    result
}

/// Fills the store, serves it, and measures and prints every scenario.
fn run(
    options: &Options,
    backend: &Backend,
    server_runtime: &Runtime,
    client_runtime: &Runtime,
) -> anyhow::Result<()> {
    let identity = dev_ca_identity()?;
    let server_tls = identity.server_config()?;
    let fixtures = server_runtime.block_on(fixtures::load(backend.store()))?;
    println!("Store: {}\n", backend.location());
    let connector = start_connector(server_runtime, backend.shared_store(), Arc::clone(&server_tls))?;
    let ceiling = start_ceiling(server_runtime, server_tls)?;
    let client_tls = identity.client_config()?;
    let target = |kind: Kind| Target {
        address: if kind == Kind::Ceiling { ceiling.address } else { connector.address },
        tls: Arc::clone(&client_tls),
    };

    let scenarios: Vec<(Kind, Arc<Scenario>)> = options
        .scenarios
        .iter()
        .map(|&kind| (kind, Arc::new(scenario(kind, &fixtures, options.results))))
        .collect();
    let mut tls_summary = String::new();
    for (kind, scenario) in &scenarios {
        tls_summary = client_runtime
            .block_on(check(&target(*kind), scenario))
            .with_context(|| format!("scenario {} failed its check", scenario.name))?;
    }
    println!(
        "TLS: {tls_summary}, server certificate {} from {}\n",
        identity.kind.label(),
        identity.issuer
    );

    // One cell per scenario and number of connections, measured in turn.
    let cells: Vec<(usize, usize)> = (0..scenarios.len())
        .flat_map(|scenario| options.connections.iter().map(move |&count| (scenario, count)))
        .collect();
    let mut results: Vec<Vec<LoadResult>> = cells.iter().map(|_| Vec::new()).collect();
    for round in 0..options.rounds {
        for offset in 0..cells.len() {
            let index = (round + offset) % cells.len();
            let (scenario_index, connections) = cells[index];
            let (kind, scenario) = &scenarios[scenario_index];
            let load = LoadOptions {
                concurrency: connections,
                warmup: Duration::from_secs(options.warmup),
                duration: Duration::from_secs(options.duration),
                server_threads: Some(SERVER_THREADS),
            };
            let result = client_runtime.block_on(keep_alive(&target(*kind), Arc::clone(scenario), load));
            eprintln!(
                "round {}: {}, {connections} connections: {} requests/s",
                round + 1,
                scenario.name,
                format_rate(result.per_second())
            );
            results[index].push(result);
        }
    }

    server_runtime.block_on(connector.stop())?;
    server_runtime.block_on(ceiling.stop())?;

    let counts: Vec<String> = options.connections.iter().map(usize::to_string).collect();
    println!(
        "{} keep-alive connections, {} s measured per scenario and round after {} s warm-up, {} rounds; \
         server runtime {} threads, client runtime {} threads, in one process; \
         list of {} items ({} prefixes), {} attendees ({} prefixes), {} results requested; \
         load average after the run {}.\n",
        counts.join(" and "),
        options.duration,
        options.warmup,
        options.rounds,
        options.server_threads,
        options.client_threads,
        fixtures.list_items,
        fixtures.list_queries.len(),
        fixtures.attendees,
        fixtures.last_name_queries.len(),
        options.results,
        benches::machine::load_average().unwrap_or_default(),
    );
    if options.store.engine == EngineKind::Postgres {
        println!(
            "Server CPU counts the connector's threads only; the PostgreSQL server's \
             work is not in it.\n"
        );
    }
    let cells: Vec<(Kind, &Scenario, usize)> = cells
        .iter()
        .map(|&(scenario, connections)| (scenarios[scenario].0, &*scenarios[scenario].1, connections))
        .collect();
    let rates = print_rates(&cells, &results);
    print_ratios(&rates, &options.connections);
    Ok(())
}

fn scenario(kind: Kind, fixtures: &Fixtures, results: usize) -> Scenario {
    let request = |method: Method, path: &str, authorization: Option<String>, bodies: Vec<bytes::Bytes>| {
        RequestTemplate {
            method,
            path: path.to_owned(),
            authorization,
            bodies,
            close: false,
        }
    };
    match kind {
        Kind::Ceiling => Scenario {
            name: "hyper ceiling (fixed 200)".to_owned(),
            request: request(Method::GET, "/", None, Vec::new()),
            // The ceiling's fixed body is the same text as Test Connection's.
            expect: "connection OK",
        },
        Kind::TestConnection => Scenario {
            name: "Test Connection (GET)".to_owned(),
            request: request(Method::GET, TEST_CONNECTION_PATH, Some(authorization()), Vec::new()),
            expect: "connection OK",
        },
        Kind::FetchList => Scenario {
            name: "Fetch List (POST, `Abc*`)".to_owned(),
            request: request(
                Method::POST,
                LIST_PATH,
                Some(authorization()),
                fixtures
                    .list_queries
                    .iter()
                    .map(|query| fixtures::list_request(query, results))
                    .collect(),
            ),
            expect: "<item>",
        },
        Kind::FetchAttendee => Scenario {
            name: "Fetch Attendee (POST, last name)".to_owned(),
            request: request(
                Method::POST,
                ATTENDEE_PATH,
                Some(authorization()),
                fixtures
                    .last_name_queries
                    .iter()
                    .map(|query| fixtures::attendee_request(query, results))
                    .collect(),
            ),
            expect: "<Attendee>",
        },
    }
}

/// Median rate over the rounds, and server CPU time per request over all
/// rounds, of one scenario at one number of connections.
#[derive(Clone, Copy)]
struct Figures {
    kind: Kind,
    connections: usize,
    rate: f64,
    server_cpu: Option<Duration>,
}

/// Prints one row per scenario and number of connections and returns the
/// figures of each.
fn print_rates(cells: &[(Kind, &Scenario, usize)], results: &[Vec<LoadResult>]) -> Vec<Figures> {
    let mut table = Table::new(&[
        "scenario",
        "connections",
        "requests/s (median of rounds)",
        "rounds min–max",
        "server CPU per request",
        "p50",
        "p99",
        "max",
        "errors",
    ]);
    let mut figures = Vec::new();
    for (&(kind, scenario, connections), rounds) in cells.iter().zip(results) {
        let mut rates: Vec<f64> = rounds.iter().map(LoadResult::per_second).collect();
        rates.sort_by(f64::total_cmp);
        let rate = median(&rates);
        let low = rates.first().copied().unwrap_or_default();
        let high = rates.last().copied().unwrap_or_default();
        let mut all = LoadResult::default();
        for round in rounds {
            all.merge(round);
        }
        let server_cpu = all.server_cpu_per_response();
        let errors = match &all.first_error {
            Some(error) => format!("{} (first: {error})", all.failed),
            None => all.failed.to_string(),
        };
        table.row(vec![
            scenario.name.clone(),
            connections.to_string(),
            format_rate(rate),
            format!("{}–{}", format_rate(low), format_rate(high)),
            server_cpu.map(format_duration).unwrap_or_else(|| "unknown".to_owned()),
            format_duration(all.latencies.percentile(50.0)),
            format_duration(all.latencies.percentile(99.0)),
            format_duration(all.latencies.max()),
            errors,
        ]);
        figures.push(Figures {
            kind,
            connections,
            rate,
            server_cpu,
        });
    }
    println!("{}", table.render());
    figures
}

/// Returns the middle of sorted rates, or the mean of the two middle ones.
/// Load from another tenant of a shared machine can slow a round down but
/// not speed it up, and the median, unlike the mean, ignores one such round.
fn median(sorted: &[f64]) -> f64 {
    match sorted.len() {
        0 => 0.0,
        length if length % 2 == 1 => sorted[length / 2],
        length => (sorted[length / 2 - 1] + sorted[length / 2]) / 2.0,
    }
}

/// Returns the figures of `kind` at the number of connections where its
/// rate was highest: the scenario's throughput.
fn peak(figures: &[Figures], kind: Kind) -> Option<Figures> {
    figures
        .iter()
        .filter(|figure| figure.kind == kind)
        .copied()
        .max_by(|one, other| one.rate.total_cmp(&other.rate))
}

/// Prints the target ratios whose two scenarios both ran. Each row shows the
/// ratio of request rates at each number of connections, then the ratio of
/// throughputs, which the target is about. The last column inverts the
/// ratio of server CPU per request at those throughputs: the throughput
/// ratio of a server with the CPUs to itself.
fn print_ratios(figures: &[Figures], counts: &[usize]) {
    let at_count: Vec<String> = counts
        .iter()
        .map(|count| format!("requests/s ratio, {count} connections"))
        .collect();
    let mut header: Vec<&str> = vec!["ratio"];
    header.extend(at_count.iter().map(String::as_str));
    header.extend(["throughput ratio (connections)", "target", "met", "server CPU ratio"]);
    let mut table = Table::new(&header);

    let find = |kind: Kind, connections: usize| {
        figures
            .iter()
            .find(|figure| figure.kind == kind && figure.connections == connections)
    };
    for (numerator, denominator, target) in RATIO_TARGETS {
        let (Some(top), Some(bottom)) = (peak(figures, numerator), peak(figures, denominator)) else {
            continue;
        };
        let mut row = vec![format!("{} / {}", label(numerator), label(denominator))];
        for &count in counts {
            row.push(match (find(numerator, count), find(denominator, count)) {
                (Some(one), Some(other)) => format!("{:.2}", one.rate / other.rate),
                _ => "unknown".to_owned(),
            });
        }
        let value = top.rate / bottom.rate;
        let cpu_ratio = match (top.server_cpu, bottom.server_cpu) {
            (Some(top_cpu), Some(bottom_cpu)) if !top_cpu.is_zero() => {
                format!("{:.2}", bottom_cpu.as_secs_f64() / top_cpu.as_secs_f64())
            }
            _ => "unknown".to_owned(),
        };
        row.extend([
            format!("{value:.2} ({} / {})", top.connections, bottom.connections),
            format!("≥ {target:.1}"),
            if value >= target { "yes" } else { "no" }.to_owned(),
            cpu_ratio,
        ]);
        table.row(row);
    }
    println!("{}", table.render());
}

fn label(kind: Kind) -> &'static str {
    match kind {
        Kind::Ceiling => "hyper ceiling",
        Kind::TestConnection => "Test Connection",
        Kind::FetchList => "Fetch List",
        Kind::FetchAttendee => "Fetch Attendee",
    }
}
