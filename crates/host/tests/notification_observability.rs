//! The log lines and metrics of notification delivery. A separate test
//! binary, because the tracing subscriber is process-wide.

mod common;
mod notify_support;

use std::time::Duration;

use common::captured_log::captured_log;
use common::*;
use host::notifications::NotificationStatus;
use metrics_exporter_prometheus::PrometheusBuilder;
use notify_support::*;

const WAIT: Duration = Duration::from_secs(20);

/// Returns the first line that contains every one of `parts`.
fn line_with<'a>(lines: &'a str, parts: &[&str]) -> &'a str {
    lines
        .lines()
        .find(|line| parts.iter().all(|part| line.contains(part)))
        .unwrap_or_else(|| panic!("no line with {parts:?} in:\n{lines}"))
}

#[tokio::test]
async fn delivery_and_retry_are_logged() {
    let captured = captured_log();
    let setup = start(
        notify_config(),
        both_steps(),
        &[Reply::Status(500)],
        Reply::Status(200),
    )
    .await;
    let report = report_of(&setup.host, &setup.employee, "Logged").await;

    let id = setup
        .workflow
        .submit(&setup.employee, report)
        .await
        .expect("submit")
        .notifications[0]
        .0;
    setup
        .wait_for_status(NotificationStatus::Delivered, 1, WAIT)
        .await;
    let lines = captured.text();
    let notification = format!("notification_id={id}");
    let registration = format!("registration_id={}", setup.registration.0);

    let retry = line_with(
        &lines,
        &["notification not delivered; retrying later", &notification],
    );
    assert!(retry.contains(&registration), "{retry}");
    assert!(retry.contains("attempt=1"), "{retry}");
    assert!(retry.contains("outcome=\"retry\""), "{retry}");
    assert!(retry.contains("duration_ms="), "{retry}");
    assert!(retry.contains("retry_in_ms="), "{retry}");
    assert!(retry.contains("HTTP status 500"), "{retry}");
    let delivered = line_with(&lines, &["notification delivered", &notification]);
    assert!(delivered.contains("attempt=2"), "{delivered}");
    assert!(delivered.contains("outcome=\"delivered\""), "{delivered}");
    assert!(delivered.contains(&registration), "{delivered}");
    line_with(
        &lines,
        &["notification dispatcher started", "max_attempts=3"],
    );
    line_with(
        &lines,
        &["workflow step changed", "to=\"EXTERNAL_VALIDATION_SUBMIT\""],
    );
    assert!(
        !lines.contains(CONNECTOR_PASSWORD),
        "the log contains the password"
    );
}

#[tokio::test]
async fn dispatcher_stop_is_logged() {
    let captured = captured_log();
    let setup = start(notify_config(), both_steps(), &[], Reply::Status(200)).await;

    setup.host.stop().await.expect("host stops");

    line_with(&captured.text(), &["notification dispatcher stopped"]);
}

#[tokio::test]
async fn delivery_metrics_count_attempts() {
    let recorder = PrometheusBuilder::new().build_recorder();
    let handle = recorder.handle();
    // The test runtime has one thread, so every task records into this recorder.
    let _metrics = metrics::set_default_local_recorder(&recorder);
    let setup = start(
        notify_config(),
        both_steps(),
        &[Reply::Status(500)],
        Reply::Status(200),
    )
    .await;
    let report = report_of(&setup.host, &setup.employee, "Counted").await;

    setup
        .workflow
        .submit(&setup.employee, report)
        .await
        .expect("submit");
    setup
        .wait_for_status(NotificationStatus::Delivered, 1, WAIT)
        .await;
    let rendered = eventually(WAIT, || async {
        let rendered = handle.render();
        rendered
            .contains("callouts_host_notifications_queued 0")
            .then_some(rendered)
    })
    .await
    .unwrap_or_else(|| handle.render());

    assert!(
        rendered.contains("callouts_host_notifications_queued 0"),
        "{rendered}"
    );
    assert!(
        rendered.contains("callouts_host_notification_deliveries_total 1"),
        "{rendered}"
    );
    assert!(
        rendered.contains("callouts_host_notification_failures_total{outcome=\"retry\"} 1"),
        "{rendered}"
    );
    assert!(
        rendered.contains("callouts_host_notification_attempt_duration_seconds_count 2"),
        "{rendered}"
    );
    assert!(
        rendered.contains("callouts_host_notification_delivery_latency_seconds_count 1"),
        "{rendered}"
    );
    assert!(
        rendered.contains("callouts_host_notification_oldest_queued_age_seconds 0"),
        "{rendered}"
    );
}

#[tokio::test]
async fn queue_metrics_show_waiting_notification() {
    let recorder = PrometheusBuilder::new().build_recorder();
    let handle = recorder.handle();
    let _metrics = metrics::set_default_local_recorder(&recorder);
    let mut config = notify_config();
    config.notifications.max_attempts = 1;
    let setup = start(config, both_steps(), &[Reply::Status(500)], Reply::Hang).await;
    let failed = report_of(&setup.host, &setup.employee, "Failed").await;
    let waiting = report_of(&setup.host, &setup.employee, "Waiting").await;

    setup
        .workflow
        .submit(&setup.employee, failed)
        .await
        .expect("submit");
    setup
        .wait_for_status(NotificationStatus::Failed, 1, WAIT)
        .await;
    setup
        .workflow
        .submit(&setup.employee, waiting)
        .await
        .expect("submit");
    let rendered = eventually(WAIT, || async {
        let rendered = handle.render();
        rendered
            .contains("callouts_host_notifications_queued 1")
            .then_some(rendered)
    })
    .await
    .unwrap_or_else(|| handle.render());

    assert!(
        rendered.contains("callouts_host_notifications_queued 1"),
        "{rendered}"
    );
    assert!(
        rendered.contains("callouts_host_notifications_failed 1"),
        "{rendered}"
    );
    assert!(
        rendered.contains("callouts_host_notification_failures_total{outcome=\"failed\"} 1"),
        "{rendered}"
    );
    let age_line = rendered
        .lines()
        .find(|line| line.starts_with("callouts_host_notification_oldest_queued_age_seconds "))
        .unwrap_or_default();
    let age: f64 = age_line
        .rsplit(' ')
        .next()
        .and_then(|value| value.parse().ok())
        .unwrap_or(-1.0);
    assert!(age >= 0.0, "{rendered}");
}
