//! Store-level search latency on a large synthetic data set: one list of a
//! million items on one level and a million attendees, in a SQLite file or
//! in a PostgreSQL schema, searched through the `Store` trait.
//!
//! `cargo run --release -p callouts-benches --bin store -- --help`

mod dataset;
mod queries;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use benches::latency::{Latencies, format_duration, format_rate};
use benches::machine::thread_cpu_time;
use benches::table::Table;
use clap::Parser;
use connector::store::{ListQuery, SqliteStore, Store, StoreError};
use protocol::{Attendee, SearchBy};

use dataset::{Dataset, LANG, LIST_NAME};
use benches::engine::{Backend, EngineKind, EngineOptions};
use queries::{Expect, QuerySet};

/// Imports a synthetic list and synthetic attendees into a store through
/// the `Store` trait's import methods, then measures its search methods.
#[derive(Parser)]
struct Options {
    #[command(flatten)]
    store: EngineOptions,
    /// List items and attendees to generate (each).
    #[arg(long, default_value_t = 1_000_000)]
    rows: u64,
    /// SQLite file to use (`--engine sqlite` only). It is created and filled when absent or empty, and
    /// reused without importing when it contains the same data set (same
    /// --rows and --seed). Without it, a temporary file is filled and deleted.
    #[arg(long)]
    db: Option<PathBuf>,
    /// Matching queries per query kind; each kind also gets a tenth as many
    /// queries that match nothing.
    #[arg(long, default_value_t = 2_000)]
    queries: usize,
    /// Maximum results per search (the host never requests more than 100).
    #[arg(long, default_value_t = 100)]
    limit: usize,
    /// Seed of the data set and of the queries.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Measure only these searches; both by default. Useful under a profiler.
    #[arg(long, value_enum)]
    only: Option<Searches>,
    /// Attendees per import transaction, which bounds the memory the
    /// generated records take.
    #[arg(long, default_value_t = 100_000)]
    attendee_batch: u64,
    /// Memory bound of the store's in-memory list text indexes, in MiB (the
    /// store's default when absent). 0 measures the SQLite search alone.
    #[arg(long)]
    text_index_mib: Option<usize>,
}

/// The two families of searches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Searches {
    List,
    Attendees,
}

fn main() -> anyhow::Result<()> {
    let options = Options::parse();
    anyhow::ensure!(
        (2..dataset::MAX_ROWS).contains(&options.rows),
        "--rows must be at least 2 and below {}",
        dataset::MAX_ROWS
    );
    anyhow::ensure!(options.queries >= 1, "--queries must be at least 1");
    anyhow::ensure!(options.attendee_batch >= 1, "--attendee-batch must be at least 1");
    let dataset = Dataset {
        rows: options.rows,
        seed: options.seed,
    };

    anyhow::ensure!(
        options.store.engine == EngineKind::Sqlite || options.text_index_mib.is_none(),
        "--text-index-mib requires --engine sqlite; only the SQLite store has text indexes"
    );

    // One thread runs both the benchmark and the store, so that the SQLite
    // store searches on the calling thread and the thread CPU time covers it.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("failed to start the async runtime")?;
    let backend = options.store.open(options.db.as_deref(), &runtime)?;
    let result = run(&options, &dataset, &backend, &runtime);
    runtime.block_on(backend.close());
    result
}

/// Fills the store unless it already contains the data set, then measures
/// and prints the searches.
fn run(
    options: &Options,
    dataset: &Dataset,
    backend: &Backend,
    runtime: &tokio::runtime::Runtime,
) -> anyhow::Result<()> {
    println!("# Store search latency ({:?})\n", options.store.engine);
    println!("Machine: {}\n", benches::machine::describe());

    if let (Some(mib), Some(store)) = (options.text_index_mib, backend.sqlite_store()) {
        store.set_text_index_budget(mib * MIB);
    }
    let store = backend.store();

    let mut setup = Table::new(&["step", "rows", "time", "rows/s"]);
    match runtime.block_on(inspect(store, dataset))? {
        Contents::Empty => {
            runtime.block_on(import(store, dataset, options.attendee_batch, &mut setup))?
        }
        Contents::Same => setup.row(vec![
            format!("reused {}", backend.location()),
            format!("{} + {}", options.rows, options.rows),
        ]),
    }
    setup.row(vec![
        "database size".to_owned(),
        String::new(),
        runtime.block_on(backend.size())?,
    ]);

    let list_sets = queries::list_sets(dataset, options.queries, options.limit, options.seed);
    let attendee_sets = queries::attendee_sets(dataset, options.queries, options.limit, options.seed);
    if let (true, Some(sqlite)) = (options.only != Some(Searches::Attendees), backend.sqlite_store()) {
        build_text_indexes(sqlite, &list_sets, &mut setup)?;
    }
    println!("{}", setup.render());
    if options.store.engine == EngineKind::Postgres {
        println!(
            "CPU columns count only the benchmark's own thread; the PostgreSQL \
             server's work shows in the wall-clock columns alone.\n"
        );
    }

    let mut list_rows: Vec<Measured> = Vec::new();
    if options.only != Some(Searches::Attendees) {
        println!("## Store::search_list (limit {})\n", options.limit);
        list_rows = measure_sets(&list_sets, |query| {
            Ok(runtime.block_on(store.search_list(query))?.len())
        })?;
        println!("{}", latency_table(&list_rows).render());
    }

    let mut attendee_rows: Vec<Measured> = Vec::new();
    if options.only != Some(Searches::List) {
        println!("## Store::search_attendees (limit {})\n", options.limit);
        attendee_rows = measure_sets(&attendee_sets, |query| {
            Ok(runtime.block_on(store.search_attendees(query))?.len())
        })?;
        println!("{}", latency_table(&attendee_rows).render());
    }

    println!(
        "{WARMUP_QUERIES} warm-up queries per set before measuring; load average after the run {}.\n",
        benches::machine::load_average().unwrap_or_default(),
    );

    let missed: Vec<&Measured> = list_rows
        .iter()
        .chain(&attendee_rows)
        .filter(|row| row.unexpected > 0)
        .collect();
    for row in missed {
        eprintln!(
            "warning: {} queries of `{}` returned {} rows",
            row.unexpected,
            row.name,
            if row.expect == Expect::Matches { "no" } else { "some" }
        );
    }
    Ok(())
}

const MIB: usize = 1024 * 1024;

/// Runs the first query of each list set, which makes the store build the
/// in-memory text index of the searched group in the background, and waits
/// for the build, so that the measured searches find it ready.
fn build_text_indexes(
    store: &SqliteStore,
    list_sets: &[QuerySet<ListQuery>],
    setup: &mut Table,
) -> anyhow::Result<()> {
    let started = Instant::now();
    for set in list_sets {
        if let Some(query) = set.queries.first() {
            store.search_list_now(query)?;
        }
    }
    store.wait_for_text_indexes();
    let elapsed = started.elapsed();
    let stats = store.text_index_stats();
    setup.row(vec![
        format!(
            "list text indexes: {} group(s), {:.0} MiB",
            stats.groups,
            stats.memory as f64 / MIB as f64
        ),
        stats.texts.to_string(),
        format_duration(elapsed),
        format_rate(stats.texts as f64 / elapsed.as_secs_f64()),
    ]);
    Ok(())
}

/// Contents of the database file.
enum Contents {
    Empty,
    Same,
}

/// Checks through the store's own searches whether the file is empty or
/// contains exactly this data set. It does when the first and last list
/// items and attendees exist with their generated values and the next ones
/// do not.
async fn inspect(store: &dyn Store, dataset: &Dataset) -> anyhow::Result<Contents> {
    let last = dataset.rows - 1;
    let first_item = match find_item(store, &dataset.code(0)).await {
        Err(StoreError::ListNotFound(_)) => None,
        found => found?,
    };
    let first_attendee = find_attendee(store, &dataset.external_id(0)).await?;
    if first_item.is_none() && first_attendee.is_none() {
        return Ok(Contents::Empty);
    }

    let same = first_item.as_deref() == Some(dataset.text(0).as_str())
        && find_item(store, &dataset.code(last)).await?.as_deref() == Some(dataset.text(last).as_str())
        && find_item(store, &dataset.code(dataset.rows)).await?.is_none()
        && first_attendee.as_deref() == Some(dataset.attendee(0).last_name.as_str())
        && find_attendee(store, &dataset.external_id(last)).await?.as_deref()
            == Some(dataset.attendee(last).last_name.as_str())
        && find_attendee(store, &dataset.external_id(dataset.rows)).await?.is_none();
    if same {
        Ok(Contents::Same)
    } else {
        anyhow::bail!(
            "the database holds another data set than --rows {} --seed {}; \
             delete the file or pass another --db",
            dataset.rows,
            dataset.seed
        )
    }
}

/// Returns the text of the list item with this short code.
async fn find_item(store: &dyn Store, code: &str) -> Result<Option<String>, StoreError> {
    let query = ListQuery {
        list_name: LIST_NAME.to_owned(),
        parent_long_code: String::new(),
        query: code.to_owned(),
        search_by: SearchBy::Code,
        lang_code: LANG.to_owned(),
        limit: 1,
    };
    Ok(store.search_list(&query).await?.into_iter().next().map(|item| item.text))
}

/// Returns the last name of the attendee with this ExternalID.
async fn find_attendee(store: &dyn Store, external_id: &str) -> Result<Option<String>, StoreError> {
    let query = connector::store::AttendeeQuery {
        criteria: Attendee {
            external_id: external_id.to_owned(),
            ..Attendee::default()
        },
        owner_login_id: None,
        limit: 2,
        custom_field_count: 25,
    };
    let found = store.search_attendees(&query).await?;
    // ExternalID is searched as "begins with", so BENCH00000001 also finds
    // BENCH000000010 and the like when they exist; keep the exact one.
    Ok(found
        .into_iter()
        .find(|attendee| attendee.external_id == external_id)
        .map(|attendee| attendee.last_name))
}

/// Imports the list in one transaction and the attendees in batches,
/// adding a row with the time of each to `setup`.
async fn import(store: &dyn Store, dataset: &Dataset, batch: u64, setup: &mut Table) -> anyhow::Result<()> {
    let started = Instant::now();
    let list = dataset.list_import();
    let generated = started.elapsed();
    eprintln!("generated {} list items in {}", dataset.rows, format_duration(generated));

    let started = Instant::now();
    let summary = store.import_list(list).await.context("list import failed")?;
    let elapsed = started.elapsed();
    eprintln!("imported {} list items in {}", summary.inserted, format_duration(elapsed));
    setup.row(import_row("import_list (one transaction)", summary.inserted, elapsed));

    let started = Instant::now();
    let mut inserted = 0;
    let mut first = 0;
    while first < dataset.rows {
        let end = (first + batch).min(dataset.rows);
        let records = dataset.attendee_records(first..end);
        inserted += store
            .import_attendees(records)
            .await
            .context("attendee import failed")?
            .inserted;
        first = end;
        eprintln!("imported {first} attendees");
    }
    let elapsed = started.elapsed();
    setup.row(import_row(
        &format!("import_attendees (batches of {batch}, generation included)"),
        inserted,
        elapsed,
    ));
    Ok(())
}

fn import_row(step: &str, rows: u64, elapsed: Duration) -> Vec<String> {
    vec![
        step.to_owned(),
        rows.to_string(),
        format_duration(elapsed),
        format_rate(rows as f64 / elapsed.as_secs_f64()),
    ]
}

/// Latencies and result sizes of one query set.
struct Measured {
    name: String,
    expect: Expect,
    target: queries::Target,
    /// Wall-clock time of each query.
    latencies: Latencies,
    /// CPU time of the thread during each query: the wall-clock time minus
    /// the time the thread waited while other processes had the CPU.
    cpu_times: Latencies,
    rows: u64,
    /// Queries that returned rows when none were expected, or none when some were.
    unexpected: u64,
}

/// Queries run before measuring, to bring the pages each set touches into the cache.
const WARMUP_QUERIES: usize = 200;

/// Warms up each set, then runs every query of every set once, measuring
/// wall-clock and thread CPU time.
fn measure_sets<Q>(
    sets: &[QuerySet<Q>],
    search: impl Fn(&Q) -> anyhow::Result<usize>,
) -> anyhow::Result<Vec<Measured>> {
    for set in sets {
        for query in set.queries.iter().take(WARMUP_QUERIES) {
            search(query)?;
        }
    }
    sets.iter().map(|set| measure(set, &search)).collect()
}

fn measure<Q>(set: &QuerySet<Q>, search: &impl Fn(&Q) -> anyhow::Result<usize>) -> anyhow::Result<Measured> {
    let mut measured = Measured {
        name: set.name.clone(),
        expect: set.expect,
        target: set.target,
        latencies: Latencies::new(),
        cpu_times: Latencies::new(),
        rows: 0,
        unexpected: 0,
    };
    for query in &set.queries {
        let cpu_started = thread_cpu_time();
        let started = Instant::now();
        let rows = search(query)?;
        let elapsed = started.elapsed();
        let cpu_ended = thread_cpu_time();

        measured.latencies.record(elapsed);
        if let (Some(cpu_started), Some(cpu_ended)) = (cpu_started, cpu_ended) {
            measured.cpu_times.record(cpu_ended.saturating_sub(cpu_started));
        }
        measured.rows += rows as u64;
        let as_expected = match set.expect {
            Expect::Matches => rows > 0,
            Expect::NoMatch => rows == 0,
        };
        if !as_expected {
            measured.unexpected += 1;
        }
    }
    Ok(measured)
}

fn latency_table(rows: &[Measured]) -> Table {
    let mut table = Table::new(&[
        "query",
        "queries",
        "mean rows",
        "p50",
        "p99",
        "max",
        "CPU p50",
        "CPU p99",
        "p99 target",
        "met (CPU p99)",
    ]);
    for row in rows {
        let count = row.latencies.count();
        let cpu_p99 = row.cpu_times.percentile(99.0);
        let (target, met) = match row.target {
            Some(target) if row.cpu_times.count() > 0 => (
                format!("≤ {}", format_duration(target)),
                if cpu_p99 <= target { "yes" } else { "no" }.to_owned(),
            ),
            Some(target) => (format!("≤ {}", format_duration(target)), "unknown".to_owned()),
            None => (String::new(), String::new()),
        };
        table.row(vec![
            row.name.clone(),
            count.to_string(),
            format!("{:.1}", row.rows as f64 / count.max(1) as f64),
            format_duration(row.latencies.percentile(50.0)),
            format_duration(row.latencies.percentile(99.0)),
            format_duration(row.latencies.max()),
            format_duration(row.cpu_times.percentile(50.0)),
            format_duration(cpu_p99),
            target,
            met,
        ]);
    }
    table
}
