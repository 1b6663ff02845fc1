//! The suite against real servers over TLS: our connector on SQLite passes
//! every check, and each deliberately broken connector fails exactly the
//! checks of the rule it breaks.

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use common::broken::{Defect, spawn_broken};
use common::{Running, outcome_of, spawn_connector};
use conformance::{Outcome, Report, catalogue};

async fn check(server: &Running) -> Report {
    conformance::run(&server.check_config())
        .await
        .expect("suite runs")
}

async fn check_broken(defect: Defect) -> Report {
    let server = spawn_broken(defect).await;
    check(&server).await
}

fn checks_with(report: &Report, outcome: Outcome) -> BTreeSet<String> {
    report
        .findings
        .iter()
        .filter(|finding| finding.outcome == outcome)
        .map(|finding| finding.check.clone())
        .collect()
}

fn set(checks: &[&str]) -> BTreeSet<String> {
    checks.iter().map(|check| (*check).to_owned()).collect()
}

/// Lists the findings that did not pass, for assertion messages.
fn not_passed(report: &Report) -> String {
    report
        .findings
        .iter()
        .filter(|finding| finding.outcome != Outcome::Pass)
        .map(|finding| {
            format!(
                "{} {:?}: {}",
                finding.check, finding.outcome, finding.message
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_connector_passes_every_check() {
    let (server, _dir) = spawn_connector().await;

    let report = check(&server).await;

    assert!(report.passed, "{}", not_passed(&report));
    assert_eq!(
        report.summary.pass,
        report.findings.len(),
        "{}",
        not_passed(&report)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_connector_runs_every_catalogued_check() {
    let (server, _dir) = spawn_connector().await;

    let report = check(&server).await;

    let ran: Vec<&str> = report
        .findings
        .iter()
        .map(|finding| finding.check.as_str())
        .collect();
    let catalogued: Vec<&str> = catalogue().iter().map(|check| check.id).collect();
    assert_eq!(ran, catalogued);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_connector_reports_latency_percentiles() {
    let (server, _dir) = spawn_connector().await;

    let report = check(&server).await;

    let latency = report
        .finding("latency.fetch_attendee")
        .and_then(|finding| finding.latency.clone())
        .expect("latency summary");
    assert!(latency.succeeded > 0);
    assert!(latency.p50_ms <= latency.p95_ms);
    assert!(latency.p95_ms <= latency.p99_ms);
    assert!(latency.p99_ms <= latency.max_ms);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_never_contains_password() {
    let (server, _dir) = spawn_connector().await;

    let report = check(&server).await;

    let json = report.to_json();
    assert!(!json.contains(common::PASSWORD));
    assert!(!report.to_text().contains(common::PASSWORD));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_runs_survive_login_throttling() {
    let (server, _dir) = spawn_connector().await;
    let mut config = server.check_config();
    config.load_duration = Duration::ZERO;

    let first = conformance::run(&config).await.expect("first run");
    let second = conformance::run(&config).await.expect("second run");

    assert!(first.passed, "{}", not_passed(&first));
    assert!(second.passed, "{}", not_passed(&second));
    assert_eq!(outcome_of(&second, "list.example_request"), "Pass");
    // The connector throttles an address after 10 failed logins a minute,
    // and the two runs send 12.
    assert_eq!(outcome_of(&second, "auth.wrong_credentials.fetch_list"), "Warn");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_selection_limits_checks() {
    let (server, _dir) = spawn_connector().await;
    let mut config = server.check_config();
    config.services = vec![conformance::Service::FetchList];

    let report = conformance::run(&config).await.expect("suite runs");

    assert_eq!(outcome_of(&report, "attendee.example_request"), "missing");
    assert_eq!(outcome_of(&report, "list.example_request"), "Pass");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_without_defect_passes() {
    let report = check_broken(Defect::None).await;

    assert_eq!(
        checks_with(&report, Outcome::Fail),
        set(&[]),
        "{}",
        not_passed(&report)
    );
    assert_eq!(
        checks_with(&report, Outcome::Warn),
        set(&[]),
        "{}",
        not_passed(&report)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_or_rule_fails_and_checks() {
    let report = check_broken(Defect::OrInsteadOfAnd).await;

    assert_eq!(
        checks_with(&report, Outcome::Fail),
        set(&[
            "attendee.and_rule.matching_pair",
            "attendee.and_rule.mismatched_pair"
        ]),
        "{}",
        not_passed(&report)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_101_records_fails_cap() {
    let report = check_broken(Defect::Returns101).await;

    assert_eq!(
        checks_with(&report, Outcome::Fail),
        set(&["attendee.max_records.cap"]),
        "{}",
        not_passed(&report)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_missing_title_fails_strict_validation() {
    let report = check_broken(Defect::OmitsTitle).await;

    assert_eq!(
        checks_with(&report, Outcome::Fail),
        set(&["attendee.example_request", "attendee.broad_search"]),
        "{}",
        not_passed(&report)
    );
    let message = &report
        .finding("attendee.example_request")
        .expect("finding")
        .message;
    assert!(
        message.contains("Title") && message.contains("missing"),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_500_on_malformed_fails_malformed_checks() {
    let report = check_broken(Defect::ServerErrorOnMalformed).await;

    let expected = set(&[
        "attendee.malformed.not_xml",
        "attendee.malformed.wrong_root",
        "attendee.malformed.doctype",
        "attendee.malformed.over_long_field",
        "attendee.malformed.negative_count",
        "list.malformed.not_xml",
        "list.malformed.wrong_root",
        "list.malformed.doctype",
        "list.malformed.over_long_field",
        "list.malformed.negative_count",
    ]);
    assert_eq!(
        checks_with(&report, Outcome::Fail),
        expected,
        "{}",
        not_passed(&report)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_any_credentials_fails_auth_checks() {
    let report = check_broken(Defect::AcceptsAnyCredentials).await;

    let expected = set(&[
        "auth.missing_credentials.test_connection",
        "auth.wrong_credentials.test_connection",
        "auth.missing_credentials.fetch_attendee",
        "auth.wrong_credentials.fetch_attendee",
        "auth.missing_credentials.fetch_list",
        "auth.wrong_credentials.fetch_list",
    ]);
    assert_eq!(
        checks_with(&report, Outcome::Fail),
        expected,
        "{}",
        not_passed(&report)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_self_signed_fails_chain() {
    let report = check_broken(Defect::SelfSigned).await;

    assert_eq!(
        checks_with(&report, Outcome::Fail),
        set(&["tls.certificate_chain"]),
        "{}",
        not_passed(&report)
    );
    let message = &report
        .finding("tls.certificate_chain")
        .expect("finding")
        .message;
    assert!(message.contains("self-signed"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_self_signed_skips_callouts() {
    let report = check_broken(Defect::SelfSigned).await;

    assert_eq!(outcome_of(&report, "test_connection.status"), "Skipped");
    assert_eq!(outcome_of(&report, "tls.protocol_version"), "Pass");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_connector_ends_after_three_timeouts() {
    let server = spawn_broken(Defect::NeverResponds).await;
    let mut config = server.check_config();
    config.request_timeout = Duration::from_secs(1);
    let started = Instant::now();

    let report = conformance::run(&config).await.expect("suite runs");

    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(outcome_of(&report, "test_connection.status"), "Fail");
    let message = &report
        .finding("list.example_request")
        .expect("finding")
        .message;
    assert!(message.contains("timed out 3 times in a row"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_port_fails_connection() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    drop(listener);
    let mut config = conformance::CheckConfig::new(
        format!("https://127.0.0.1:{port}"),
        common::USERNAME,
        conformance::Password::new(common::PASSWORD),
    );
    config.allow_private_addresses = true;

    let report = conformance::run(&config).await.expect("suite runs");

    assert_eq!(outcome_of(&report, "connection.reachable"), "Fail");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_address_refused_by_default() {
    let (server, _dir) = spawn_connector().await;
    let mut config = server.check_config();
    config.allow_private_addresses = false;

    let report = conformance::run(&config).await.expect("suite runs");

    assert_eq!(outcome_of(&report, "connection.reachable"), "Fail");
}
