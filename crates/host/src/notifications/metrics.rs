//! Metrics of the notification queue and its deliveries.

use std::time::Duration;

use time::OffsetDateTime;

use super::model::{AttemptOutcome, QueueStats};

/// Gauge of queued notifications, those being sent included.
const QUEUED: &str = "callouts_host_notifications_queued";
/// Gauge of notifications marked failed and not yet deleted.
const FAILED: &str = "callouts_host_notifications_failed";
/// Gauge of the time the oldest queued notification has waited, in seconds; 0 when none waits.
const OLDEST_QUEUED_AGE: &str = "callouts_host_notification_oldest_queued_age_seconds";
/// Counter of notifications that a connector accepted with `200`.
const DELIVERIES: &str = "callouts_host_notification_deliveries_total";
/// Counter of failed attempts, by `outcome`: `retry` (another attempt follows) or `failed` (the last one).
const FAILURES: &str = "callouts_host_notification_failures_total";
/// Histogram of the duration of each attempt, in seconds.
const ATTEMPT_DURATION: &str = "callouts_host_notification_attempt_duration_seconds";
/// Histogram of the time from queueing to delivery, in seconds.
const DELIVERY_LATENCY: &str = "callouts_host_notification_delivery_latency_seconds";

/// Sets the gauges of the queue.
pub(super) fn record_queue(stats: &QueueStats, now: OffsetDateTime) {
    metrics::gauge!(QUEUED).set(stats.queued as f64);
    metrics::gauge!(FAILED).set(stats.failed as f64);
    let age = stats
        .oldest_queued_at
        .map_or(0.0, |queued_at| (now - queued_at).as_seconds_f64().max(0.0));
    metrics::gauge!(OLDEST_QUEUED_AGE).set(age);
}

/// Counts one attempt; `waited` is the time since the notification was queued.
pub(super) fn record_attempt(outcome: &AttemptOutcome, duration: Duration, waited: Duration) {
    metrics::histogram!(ATTEMPT_DURATION).record(duration.as_secs_f64());
    match outcome {
        AttemptOutcome::Delivered => {
            metrics::counter!(DELIVERIES).increment(1);
            metrics::histogram!(DELIVERY_LATENCY).record(waited.as_secs_f64());
        }
        other => metrics::counter!(FAILURES, "outcome" => other.as_str()).increment(1),
    }
}
