//! Latency under a short, bounded load: percentiles per callout.

use std::time::{Duration, Instant};

use futures_util::future::join_all;

use super::{Check, Context, Findings};
use crate::client::{Client, Probe};
use crate::config::Service;
use crate::report::LatencySummary;

const RULE: &str = "Under a short load at bounded concurrency every request returns 200, and the 95th percentile of the response time stays under 2 s.";

pub(crate) const TEST_CONNECTION: Check = Check {
    id: "latency.test_connection",
    rule: RULE,
};
pub(crate) const FETCH_ATTENDEE: Check = Check {
    id: "latency.fetch_attendee",
    rule: RULE,
};
pub(crate) const FETCH_LIST: Check = Check {
    id: "latency.fetch_list",
    rule: RULE,
};

/// 95th percentile above which the check warns.
// NOTE: the published documents name no callout timeout; 2 s is this
// project's guess at what keeps a host's search pop-up responsive.
const SLOW_P95: Duration = Duration::from_secs(2);

pub(crate) fn check_for(service: Service) -> Check {
    match service {
        Service::TestConnection => TEST_CONNECTION,
        Service::FetchAttendee => FETCH_ATTENDEE,
        Service::FetchList => FETCH_LIST,
    }
}

/// Repeats each target's request for an equal share of the load run; a
/// target without a request is skipped.
pub(crate) async fn run(
    context: &Context<'_>,
    findings: &mut Findings,
    targets: &[(Service, Option<Probe>)],
) {
    let config = context.config;
    let runnable = targets.iter().filter(|(_, probe)| probe.is_some()).count();
    let share = config.load_duration / u32::try_from(runnable.max(1)).unwrap_or(u32::MAX);

    for (service, probe) in targets {
        let check = check_for(*service);
        let Some(probe) = probe else {
            findings.push(check.skipped("no request to repeat"));
            continue;
        };
        if config.load_duration.is_zero() {
            findings.push(check.skipped("the load run is off (duration 0)"));
            continue;
        }
        let measured = measure(&context.client, probe, share, config.concurrency).await;
        findings.push(judge(check, &measured, config.concurrency));
    }
}

/// Response times of the successful requests, and the failures.
#[derive(Default)]
struct Measured {
    durations: Vec<Duration>,
    failed: usize,
    first_failure: Option<String>,
    run: Duration,
}

/// Keeps `concurrency` requests in flight until `length` has passed.
async fn measure(client: &Client, probe: &Probe, length: Duration, concurrency: usize) -> Measured {
    let started = Instant::now();
    let deadline = started + length;
    let workers = (0..concurrency).map(|_| async move {
        let mut measured = Measured::default();
        while Instant::now() < deadline {
            match client.call(probe).await {
                Ok(reply) if reply.status == 200 => measured.durations.push(reply.duration),
                Ok(reply) => {
                    measured.failed += 1;
                    measured
                        .first_failure
                        .get_or_insert_with(|| format!("status {}", reply.status));
                }
                Err(error) => {
                    measured.failed += 1;
                    let timed_out = error.timed_out;
                    measured.first_failure.get_or_insert(error.message);
                    // Once requests time out, the client stops sending and
                    // fails at once, so going on would only spin.
                    if timed_out {
                        break;
                    }
                }
            }
        }
        measured
    });

    let mut total = Measured::default();
    for measured in join_all(workers).await {
        total.durations.extend(measured.durations);
        total.failed += measured.failed;
        if total.first_failure.is_none() {
            total.first_failure = measured.first_failure;
        }
    }
    total.run = started.elapsed();
    total.durations.sort_unstable();
    total
}

fn judge(check: Check, measured: &Measured, concurrency: usize) -> crate::report::Finding {
    let durations = &measured.durations;
    let summary = LatencySummary {
        succeeded: durations.len(),
        failed: measured.failed,
        concurrency,
        run_ms: milliseconds(measured.run),
        p50_ms: milliseconds(percentile(durations, 50)),
        p95_ms: milliseconds(percentile(durations, 95)),
        p99_ms: milliseconds(percentile(durations, 99)),
        max_ms: milliseconds(durations.last().copied().unwrap_or_default()),
    };
    let total = durations.len() + measured.failed;
    let first_failure = measured.first_failure.as_deref().unwrap_or("unknown");

    let mut finding = if durations.is_empty() {
        check.fail(format!(
            "none of {total} request(s) succeeded; the first failure: {first_failure}"
        ))
    } else if measured.failed > 0 {
        check.fail(format!(
            "{} of {total} requests failed; the first failure: {first_failure}",
            measured.failed
        ))
    } else if percentile(durations, 95) > SLOW_P95 {
        check.warn(format!(
            "p95 {:.0} ms is above {} ms",
            summary.p95_ms,
            SLOW_P95.as_millis()
        ))
    } else {
        check.pass(format!(
            "all {total} requests returned 200, p95 {:.1} ms",
            summary.p95_ms
        ))
    };
    finding.latency = Some(summary);
    finding
}

/// Nearest-rank percentile of sorted durations; zero for none.
fn percentile(sorted: &[Duration], percent: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (percent * sorted.len()).div_ceil(100).max(1);
    sorted[rank.min(sorted.len()) - 1]
}

fn milliseconds(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn millis(values: &[u64]) -> Vec<Duration> {
        values
            .iter()
            .map(|value| Duration::from_millis(*value))
            .collect()
    }

    #[test]
    fn percentile_nearest_rank() {
        let sorted = millis(&(1..=100).collect::<Vec<_>>());

        assert_eq!(percentile(&sorted, 95), Duration::from_millis(95));
    }

    #[test]
    fn percentile_of_one_sample() {
        assert_eq!(percentile(&millis(&[7]), 50), Duration::from_millis(7));
    }

    #[test]
    fn percentile_of_none_is_zero() {
        assert_eq!(percentile(&[], 99), Duration::ZERO);
    }
}
