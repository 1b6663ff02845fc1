//! Verify services through the API over real HTTPS: the conformance suite
//! against a real connector, the stored report, permissions, the audit
//! trail, the time limit and the rejection of a second concurrent run.

mod common;
mod dispatch_support;
mod verification_support;
mod web_support;

use std::time::Duration;

use common::captured_log::captured_log;
use common::*;
use host::store::{SqliteHostStore, VerificationStore};
use reqwest::StatusCode;
use serde_json::{Value, json};
use verification_support::*;

/// Returns the actions and results of the audit trail of `id`.
async fn audit_results(setup: &Verifying, id: i64) -> Vec<(String, String)> {
    let audit = setup
        .host
        .get(&format!("/api/v1/connectors/{id}/audit"), &setup.token)
        .await;
    audit.body["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|entry| {
            (
                entry["action"].as_str().unwrap_or_default().to_owned(),
                entry["result"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn correct_connector_verifies_without_failures() {
    let setup = start().await;
    let id = setup.register("Real connector", CONNECTOR_PASSWORD).await;

    let verified = setup.verify(id).await;

    assert_eq!(verified.status, StatusCode::OK, "{}", verified.text);
    let report = &verified.body["report"];
    assert_eq!(
        checks_with(report, "fail"),
        Vec::<String>::new(),
        "{report:#}"
    );
    assert_eq!(report["passed"], true);
    assert_eq!(report["summary"]["fail"], 0);
    assert_eq!(report["target"], setup.origin.as_str());
    assert_eq!(finding(report, "test_connection.status")["outcome"], "pass");
    assert_eq!(finding(report, "tls.certificate_chain")["outcome"], "pass");
    assert_eq!(
        finding(report, "list.example_request")["outcome"],
        "pass",
        "{report:#}"
    );
    assert_eq!(
        finding(report, "attendee.example_request")["outcome"],
        "pass",
        "{report:#}"
    );
    assert!(
        finding(report, "latency.fetch_list")["latency"]["p95_ms"].is_number(),
        "{report:#}"
    );
    assert_eq!(verified.body["actor"], setup.login.as_str());
}

#[tokio::test]
async fn stored_report_is_returned_by_api() {
    let setup = start().await;
    let id = setup.register("Real connector", CONNECTOR_PASSWORD).await;
    let verified = setup.verify(id).await;

    let last = setup.last_verification(id).await;

    assert_eq!(last.status, StatusCode::OK, "{}", last.text);
    assert_eq!(last.body["at"], verified.body["at"]);
    assert_eq!(last.body["duration_ms"], verified.body["duration_ms"]);
    assert_eq!(last.body["report"], verified.body["report"]);
}

#[tokio::test]
async fn report_survives_host_restart() {
    let setup = start().await;
    let id = setup.register("Real connector", CONNECTOR_PASSWORD).await;
    let verified = setup.verify(id).await;
    let reopened = setup.host.database.open().await;
    let actor = host::domain::accounts::actor_for_api_token(reopened.as_ref(), &setup.token)
        .await
        .unwrap()
        .unwrap();
    let stored = reopened
        .last_verification(actor.company.id, host::domain::RegistrationId(id))
        .await
        .expect("read the verification")
        .expect("a verification is stored");

    assert_eq!(stored.report.summary.fail, 0);
    assert_eq!(
        Some(stored.report.findings.len()),
        verified.body["report"]["findings"].as_array().map(Vec::len)
    );
}

#[tokio::test]
async fn wrong_password_fails_naming_rule() {
    let setup = start().await;
    let id = setup.register("Wrong password", WRONG_PASSWORD).await;

    let verified = setup.verify(id).await;

    assert_eq!(verified.status, StatusCode::OK, "{}", verified.text);
    let report = &verified.body["report"];
    assert_eq!(report["passed"], false);
    let status = finding(report, "test_connection.status");
    assert_eq!(status["outcome"], "fail", "{report:#}");
    let rule = status["rule"].as_str().unwrap_or_default();
    assert!(rule.contains("Test Connection"), "{rule}");
    assert!(rule.contains("returns 200"), "{rule}");
    let message = status["message"].as_str().unwrap_or_default();
    assert!(message.contains("401"), "{message}");
}

#[tokio::test]
async fn report_never_contains_password() {
    let setup = start().await;
    let correct = setup.register("Real connector", CONNECTOR_PASSWORD).await;
    let wrong = setup.register("Wrong password", WRONG_PASSWORD).await;

    let mut texts = Vec::new();
    for id in [correct, wrong] {
        texts.push(setup.verify(id).await.text);
        texts.push(setup.last_verification(id).await.text);
        texts.push(
            setup
                .host
                .get(&format!("/api/v1/connectors/{id}/audit"), &setup.token)
                .await
                .text,
        );
    }

    for text in &texts {
        assert!(
            text.contains("\"findings\"") || text.contains("\"entries\""),
            "{text}"
        );
        assert!(!text.contains(CONNECTOR_PASSWORD), "{text}");
        assert!(!text.contains(WRONG_PASSWORD), "{text}");
    }
    let bytes = setup.host.database_bytes().await;
    assert!(
        contains_bytes(&bytes, b"test_connection.status"),
        "the check reads the stored reports"
    );
    assert!(!contains_bytes(&bytes, CONNECTOR_PASSWORD.as_bytes()));
    assert!(!contains_bytes(&bytes, WRONG_PASSWORD.as_bytes()));
}

#[tokio::test]
async fn second_run_replaces_first_report() {
    let setup = start().await;
    let id = setup.register("Real connector", CONNECTOR_PASSWORD).await;
    let first = setup.verify(id).await;

    let second = setup.verify(id).await;
    let last = setup.last_verification(id).await;

    assert_eq!(second.status, StatusCode::OK, "{}", second.text);
    assert_ne!(first.body["at"], second.body["at"]);
    assert_eq!(last.body["at"], second.body["at"]);
    let rows = setup
        .host
        .database
        .query_count(&format!(
            "SELECT count(*) FROM registration_verifications WHERE registration_id = {id}"
        ))
        .await;
    assert_eq!(rows, 1);
}

#[tokio::test]
async fn audit_entry_records_outcome_counts() {
    let setup = start().await;
    let id = setup.register("Real connector", CONNECTOR_PASSWORD).await;
    let verified = setup.verify(id).await;

    let entries = audit_results(&setup, id).await;

    let summary = &verified.body["report"]["summary"];
    let expected = format!(
        "{} passed, {} warned, {} failed, {} skipped",
        summary["pass"], summary["warn"], summary["fail"], summary["skipped"]
    );
    assert_eq!(
        entries.last(),
        Some(&("verification".to_owned(), expected)),
        "{entries:?}"
    );
}

#[tokio::test]
async fn no_verification_yet_is_404_with_message() {
    let setup = start().await;
    let id = setup.register("Real connector", CONNECTOR_PASSWORD).await;

    let last = setup.last_verification(id).await;

    assert_eq!(last.status, StatusCode::NOT_FOUND);
    let error = last.body["error"].as_str().unwrap_or_default();
    assert!(error.contains("no verification has run"), "{error}");
}

#[tokio::test]
async fn employee_and_unprivileged_roles_get_403() {
    let setup = start().await;
    let id = setup.register("Real connector", CONNECTOR_PASSWORD).await;
    let employee = setup
        .host
        .account("Acme", "standard", false, &["employee"])
        .await;
    let company_administrator = setup
        .host
        .account("Acme", "standard", false, &["company-administrator"])
        .await;

    for token in [&employee, &company_administrator] {
        let verify = setup
            .host
            .post(
                &format!("/api/v1/connectors/{id}/verify"),
                token,
                &json!({}),
            )
            .await;
        let last = setup
            .host
            .get(&format!("/api/v1/connectors/{id}/verification"), token)
            .await;

        assert_eq!(verify.status, StatusCode::FORBIDDEN, "{}", verify.text);
        assert_eq!(last.status, StatusCode::FORBIDDEN, "{}", last.text);
    }
    assert_eq!(
        setup.last_verification(id).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn other_company_gets_404() {
    let setup = start().await;
    let id = setup.register("Real connector", CONNECTOR_PASSWORD).await;
    setup.verify(id).await;
    let globex = setup.host.administrator("Globex").await;

    let verify = setup
        .host
        .post(
            &format!("/api/v1/connectors/{id}/verify"),
            &globex,
            &json!({}),
        )
        .await;
    let last = setup
        .host
        .get(&format!("/api/v1/connectors/{id}/verification"), &globex)
        .await;

    assert_eq!(verify.status, StatusCode::NOT_FOUND);
    assert_eq!(last.status, StatusCode::NOT_FOUND);
    assert!(!last.text.contains("findings"), "{}", last.text);
}

#[tokio::test]
async fn run_beyond_time_limit_is_504() {
    let (setup, _fake, id) = start_hanging().await;

    let started = std::time::Instant::now();
    let verified = setup.verify(id).await;

    assert_eq!(
        verified.status,
        StatusCode::GATEWAY_TIMEOUT,
        "{}",
        verified.text
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    let error = verified.body["error"].as_str().unwrap_or_default();
    assert!(error.contains("did not finish within 3 seconds"), "{error}");
    assert_eq!(
        setup.last_verification(id).await.status,
        StatusCode::NOT_FOUND
    );
    let entries = audit_results(&setup, id).await;
    assert_eq!(
        entries.last(),
        Some(&("verification".to_owned(), "timed out after 3 s".to_owned())),
        "{entries:?}"
    );
}

#[tokio::test]
async fn run_through_other_instance_is_rejected() {
    let (setup, _fake, id, ca_pem) = start_hanging_with_ca().await;
    let mut config = verification_config();
    config.verification.timeout_secs = 3;
    let other = spawn_second_host_trusting(&setup.host, vec![ca_pem], config).await;
    let path = format!("/api/v1/connectors/{id}/verify");

    let (first, second) = tokio::join!(setup.verify(id), async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        other.post(&path, &setup.token, &json!({})).await
    });
    let after = other.post(&path, &setup.token, &json!({})).await;

    assert_eq!(second.status, StatusCode::CONFLICT, "{}", second.text);
    let error = second.body["error"].as_str().unwrap_or_default();
    assert!(error.contains("already running"), "{error}");
    assert_eq!(first.status, StatusCode::GATEWAY_TIMEOUT, "{}", first.text);
    // The first instance cleared its mark, so the other one may run now.
    assert_eq!(after.status, StatusCode::GATEWAY_TIMEOUT, "{}", after.text);
}

#[tokio::test]
async fn concurrent_run_is_rejected() {
    let (setup, _fake, id) = start_hanging().await;
    let path = format!("/api/v1/connectors/{id}/verify");

    let (first, second) = tokio::join!(setup.verify(id), async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        setup.host.post(&path, &setup.token, &json!({})).await
    });
    let third = setup.verify(id).await;

    assert_eq!(second.status, StatusCode::CONFLICT, "{}", second.text);
    let error = second.body["error"].as_str().unwrap_or_default();
    assert!(error.contains("already running"), "{error}");
    assert_eq!(first.status, StatusCode::GATEWAY_TIMEOUT, "{}", first.text);
    // The first run ended, so the next one starts, and times out again.
    assert_eq!(third.status, StatusCode::GATEWAY_TIMEOUT, "{}", third.text);
}

#[tokio::test]
async fn log_line_names_registration_and_counts() {
    let captured = captured_log();
    let setup = start().await;
    let id = setup.register("Real connector", CONNECTOR_PASSWORD).await;

    let verified = setup.verify(id).await;
    let lines = captured.text();

    let summary: &Value = &verified.body["report"]["summary"];
    let line = lines
        .lines()
        .find(|line| {
            line.contains("verification completed")
                && line.contains(&format!("registration_id={id} "))
        })
        .unwrap_or_default();
    assert!(
        line.contains(&format!("pass={}", summary["pass"])),
        "{lines}"
    );
    assert!(
        line.contains(&format!("fail={}", summary["fail"])),
        "{line}"
    );
    assert!(
        line.contains(&format!("warn={}", summary["warn"])),
        "{line}"
    );
    assert!(
        line.contains(&format!("skipped={}", summary["skipped"])),
        "{line}"
    );
    assert!(line.contains("duration_ms="), "{line}");
    assert!(
        !lines.contains(CONNECTOR_PASSWORD),
        "the log contains the password"
    );
}

#[tokio::test]
async fn existing_database_gains_verification_table() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("host.db");
    drop(SqliteHostStore::open(&path).expect("create the store"));
    let database = rusqlite::Connection::open(&path).unwrap();
    database
        .execute_batch(
            "DROP TABLE registration_verifications;
             DROP TABLE verification_runs;
             DROP TABLE schema_migrations;",
        )
        .expect("make the database look like one written before the table and versions existed");
    drop(database);

    let store = SqliteHostStore::open(&path).expect("reopen the store");
    let found = store
        .last_verification(host::domain::CompanyId(1), host::domain::RegistrationId(1))
        .await;

    assert!(matches!(found, Ok(None)), "{found:?}");
}
