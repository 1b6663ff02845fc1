//! The log lines of search callouts: one per callout, naming kind and outcome, never the password.
//! A separate test binary, because the tracing subscriber is process-wide.

mod common;
mod dispatch_support;
mod web_support;

use common::captured_log::captured_log;
use common::*;
use dispatch_support::*;
use host::dispatch::CalloutFailure;

#[tokio::test]
async fn callout_log_line_names_kind_and_outcome() {
    let captured = captured_log();
    let (setup, _fake, id) = fake_setup(Canned::xml(attendees_xml(3))).await;

    setup
        .fetch_attendees(id, &search_last_name("Doe", None))
        .await
        .expect("attendees");
    let lines = captured.text();
    // Both tests log into one buffer; only this one passes 3 results on.
    let line = lines
        .lines()
        .find(|line| line.contains("callout completed") && line.contains("results=3"))
        .unwrap_or_default();

    assert!(line.contains("kind=\"fetch-attendee\""), "{lines}");
    assert!(line.contains(&format!("registration_id={}", id.0)), "{line}");
    assert!(line.contains("outcome=\"succeeded\""), "{line}");
    assert!(line.contains("duration_ms="), "{line}");
}

#[tokio::test]
async fn callout_log_lines_have_no_password() {
    let captured = captured_log();
    let body = format!("<AttendeeSearchResponse>&{CONNECTOR_PASSWORD};</AttendeeSearchResponse>");
    let (setup, _fake, id) = fake_setup(Canned::xml(body)).await;

    let result = setup
        .fetch_attendees(id, &search_last_name("Doe", None))
        .await;
    let lines = captured.text();

    assert!(matches!(result, Err(CalloutFailure::InvalidAnswer { .. })), "{result:?}");
    assert!(lines.contains("callout returned an invalid answer"), "{lines}");
    assert!(!lines.contains(CONNECTOR_PASSWORD), "the log contains the password");
}
