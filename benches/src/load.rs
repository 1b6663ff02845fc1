//! Load generators: keep-alive connections sending requests back to back,
//! and new connections carrying one request each. Both run for a fixed time
//! after a warm-up and count only responses that complete inside the window.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use hyper::StatusCode;
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::Instant;

use crate::client::{RequestTemplate, Target};
use crate::latency::Latencies;
use crate::machine::threads_cpu_time;

/// One kind of request to measure, with a text every good response contains.
pub struct Scenario {
    pub name: String,
    pub request: RequestTemplate,
    pub expect: &'static str,
}

/// How many workers run, and for how long.
#[derive(Debug, Clone, Copy)]
pub struct LoadOptions {
    /// Concurrent connections (keep-alive) or concurrent connection loops.
    pub concurrency: usize,
    /// Time before the measured window, not counted.
    pub warmup: Duration,
    /// Length of the measured window.
    pub duration: Duration,
    /// Name prefix of the server's threads, whose CPU time in the window is
    /// measured. Client and server share the CPUs, so this figure shows what
    /// the server alone costs.
    pub server_threads: Option<&'static str>,
}

/// Counts and latencies of one measured window.
#[derive(Default)]
pub struct LoadResult {
    /// Responses with status 200 completed in the window.
    pub completed: u64,
    /// Other statuses and transport errors in the window.
    pub failed: u64,
    pub first_error: Option<String>,
    pub latencies: Latencies,
    pub window: Duration,
    /// CPU time of the server's threads in the window, when measured.
    pub server_cpu: Option<Duration>,
}

impl LoadResult {
    /// Completed responses per second of the window.
    pub fn per_second(&self) -> f64 {
        self.completed as f64 / self.window.as_secs_f64()
    }

    /// Server CPU time per completed response, when measured.
    pub fn server_cpu_per_response(&self) -> Option<Duration> {
        let cpu = self.server_cpu?;
        let completed = u32::try_from(self.completed).ok().filter(|count| *count > 0)?;
        Some(cpu / completed)
    }

    /// Adds the counts, latencies and server CPU time of `other`, such as
    /// another round of the same scenario.
    pub fn merge(&mut self, other: &LoadResult) {
        self.completed += other.completed;
        self.failed += other.failed;
        if self.first_error.is_none() {
            self.first_error = other.first_error.clone();
        }
        self.latencies.merge(&other.latencies);
        self.window += other.window;
        self.server_cpu = match (self.server_cpu, other.server_cpu) {
            (Some(mine), Some(theirs)) => Some(mine + theirs),
            (mine, theirs) => mine.or(theirs),
        };
    }

    fn fail(&mut self, error: String) {
        self.failed += 1;
        if self.first_error.is_none() {
            self.first_error = Some(error);
        }
    }
}

/// Sends one request on a new connection and checks that the response is
/// `200` and contains the scenario's expected text; returns the negotiated
/// TLS parameters.
pub async fn check(target: &Target, scenario: &Scenario) -> anyhow::Result<String> {
    let mut connection = target.connect().await?;
    let (status, body) = connection.send(scenario.request.build(0)?).await?;
    let body = String::from_utf8_lossy(&body);
    if status != StatusCode::OK {
        anyhow::bail!("{}: expected status 200, got {status}: {body}", scenario.name);
    }
    if !body.contains(scenario.expect) {
        anyhow::bail!(
            "{}: response body does not contain `{}`: {body}",
            scenario.name,
            scenario.expect
        );
    }
    Ok(connection.tls_summary)
}

/// The measured window, shared by every worker.
#[derive(Clone, Copy)]
struct Window {
    start: Instant,
    end: Instant,
}

impl Window {
    fn after(options: &LoadOptions) -> Window {
        let start = Instant::now() + options.warmup;
        Window {
            start,
            end: start + options.duration,
        }
    }

    fn contains(&self, instant: Instant) -> bool {
        instant >= self.start && instant < self.end
    }
}

/// One worker's share of a load: its first request index, the step between
/// its indexes (so that workers rotate through different request bodies),
/// and the window shared by all workers.
#[derive(Clone, Copy)]
struct Share {
    first: usize,
    step: usize,
    window: Window,
}

/// Runs `options.concurrency` keep-alive connections, each sending the
/// scenario's requests back to back; a connection that fails is reopened.
pub async fn keep_alive(target: &Target, scenario: Arc<Scenario>, options: LoadOptions) -> LoadResult {
    run_workers(target, scenario, options, keep_alive_worker).await
}

/// Runs `options.concurrency` loops that each open a new connection (TCP and
/// full TLS handshake), send one request with `Connection: close`, read the
/// response and close. The latency recorded is the whole connection's.
pub async fn connection_per_request(
    target: &Target,
    scenario: Arc<Scenario>,
    options: LoadOptions,
) -> LoadResult {
    run_workers(target, scenario, options, connection_per_request_worker).await
}

async fn run_workers<Work, Running>(
    target: &Target,
    scenario: Arc<Scenario>,
    options: LoadOptions,
    work: Work,
) -> LoadResult
where
    Work: Fn(Target, Arc<Scenario>, Share) -> Running,
    Running: Future<Output = LoadResult> + Send + 'static,
{
    let window = Window::after(&options);
    let server_cpu = sample_server_cpu(window, &options);
    let mut workers = JoinSet::new();
    for first in 0..options.concurrency {
        let share = Share {
            first,
            step: options.concurrency,
            window,
        };
        workers.spawn(work(target.clone(), Arc::clone(&scenario), share));
    }
    collect(workers, server_cpu, options.duration).await
}

async fn keep_alive_worker(target: Target, scenario: Arc<Scenario>, share: Share) -> LoadResult {
    let window = share.window;
    let mut result = LoadResult::default();
    let mut index = share.first;
    'connections: while Instant::now() < window.end {
        let mut connection = match target.connect().await {
            Ok(connection) => connection,
            Err(error) => {
                result.fail(format!("{error:#}"));
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        loop {
            let sent = Instant::now();
            if sent >= window.end {
                break 'connections;
            }
            let request = match scenario.request.build(index) {
                Ok(request) => request,
                Err(error) => {
                    result.fail(format!("{error:#}"));
                    break 'connections;
                }
            };
            index += share.step;

            let outcome = connection.send(request).await;
            let done = Instant::now();
            let counted = window.contains(done);
            match outcome {
                Ok((StatusCode::OK, _)) if counted => {
                    result.completed += 1;
                    result.latencies.record(done - sent);
                }
                Ok((StatusCode::OK, _)) => {}
                Ok((status, _)) => {
                    if counted {
                        result.fail(format!("status {status}"));
                    }
                }
                Err(error) => {
                    if counted {
                        result.fail(format!("{error:#}"));
                    }
                    continue 'connections;
                }
            }
        }
    }
    result
}

async fn connection_per_request_worker(target: Target, scenario: Arc<Scenario>, share: Share) -> LoadResult {
    let window = share.window;
    let mut result = LoadResult::default();
    let mut index = share.first;
    loop {
        let started = Instant::now();
        if started >= window.end {
            break;
        }
        let outcome = one_request(&target, &scenario, index).await;
        index += share.step;

        let done = Instant::now();
        if !window.contains(done) {
            continue;
        }
        match outcome {
            Ok(StatusCode::OK) => {
                result.completed += 1;
                result.latencies.record(done - started);
            }
            Ok(status) => result.fail(format!("status {status}")),
            Err(error) => result.fail(format!("{error:#}")),
        }
    }
    result
}

async fn one_request(target: &Target, scenario: &Scenario, index: usize) -> anyhow::Result<StatusCode> {
    let mut connection = target.connect().await?;
    let request = scenario.request.build(index).context("invalid request")?;
    let (status, _) = connection.send(request).await?;
    Ok(status)
}

/// Starts a task that measures the CPU time of the server's threads
/// between the start and the end of the window.
fn sample_server_cpu(window: Window, options: &LoadOptions) -> Option<JoinHandle<Option<Duration>>> {
    let prefix = options.server_threads?;
    Some(tokio::spawn(async move {
        tokio::time::sleep_until(window.start).await;
        let before = threads_cpu_time(prefix)?;
        tokio::time::sleep_until(window.end).await;
        let after = threads_cpu_time(prefix)?;
        Some(after.saturating_sub(before))
    }))
}

async fn collect(
    mut workers: JoinSet<LoadResult>,
    server_cpu: Option<JoinHandle<Option<Duration>>>,
    window: Duration,
) -> LoadResult {
    let mut total = LoadResult::default();
    while let Some(joined) = workers.join_next().await {
        match joined {
            Ok(result) => total.merge(&result),
            Err(error) => total.fail(format!("worker task failed: {error}")),
        }
    }
    total.window = window;
    if let Some(sampler) = server_cpu {
        total.server_cpu = sampler.await.ok().flatten();
    }
    total
}
