//! Event notifications through the `callouts` executable: durable intake
//! across a killed process, and `callouts connector notifications list`.

use std::path::Path;
use std::time::{Duration, Instant};

mod common;

use common::*;
use serde_json::Value;

const OBJECT_PATH: &str = "/api/expense/v1/reports/42";

fn notification(object_uri: &str) -> String {
    format!(
        "<Notification><EventType>Report Entered Expense Report Workflow Step - SUBMIT</EventType>\
         <ObjectType>EXPRPT</ObjectType><ObjectURI>{object_uri}</ObjectURI>\
         <EventDateTime>2026-12-04T10:00:00</EventDateTime><Context/></Notification>"
    )
}

async fn post_notification(client: &reqwest::Client, server: &ServerProcess, body: String) -> reqwest::Response {
    client
        .post(format!("https://localhost:{}/concur/v1.0/notify", server.port()))
        .basic_auth(USERNAME, Some(PASSWORD))
        .header("Content-Type", "application/xml")
        .body(body)
        .send()
        .await
        .expect("post notification")
}

/// Runs `notifications list --format json` with `extra` arguments.
fn list_json(db: &Path, extra: &[&str]) -> Vec<Value> {
    let output = run(callouts()
        .args(["connector", "notifications", "list", "--format", "json", "--db"])
        .arg(db)
        .args(extra));
    assert!(output.status.success(), "{}", stderr(&output));
    serde_json::from_slice(&output.stdout).expect("JSON array")
}

#[tokio::test]
async fn serve_killed_after_200_keeps_notification() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let certs = dev_ca(dir.path());
    let db = dir.path().join("connector.db");
    let tls_args = tls_args(&certs);
    let tls_args: Vec<&str> = tls_args.iter().map(String::as_str).collect();
    let client = client(&certs.join("ca.pem"));
    let body = notification(&format!("https://host.example.com{OBJECT_PATH}"));

    let server = serve(&db, &tls_args);
    let response = post_notification(&client, &server, body.clone()).await;
    assert_eq!(response.status(), 200);
    // Killed at once, with no chance to flush anything after the response.
    drop(server);

    let rows = list_json(&db, &[]);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["status"], "received");
    assert_eq!(rows[0]["object_uri"], format!("https://host.example.com{OBJECT_PATH}"));

    let restarted = serve(&db, &tls_args);
    let redelivered = post_notification(&client, &restarted, body).await;
    assert_eq!(redelivered.status(), 200);
    assert_eq!(list_json(&db, &[]).len(), 1, "the redelivery was stored again");
}

#[tokio::test]
async fn notifications_list_shows_failed_processing() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let certs = dev_ca(dir.path());
    let db = dir.path().join("connector.db");
    // A port on which nothing listens: every call to the host is refused.
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("pick a port")
        .port();
    let host_origin = format!("https://127.0.0.1:{closed_port}");
    let config = write(
        dir.path(),
        "connector.toml",
        &format!(
            "[host]\norigin = \"{host_origin}\"\nclient_id = \"validating-connector\"\n\n\
             [notifications]\nmax_attempts = 2\nretry_initial_delay_ms = 10\nretry_max_delay_ms = 20\n\n\
             [validation.required_fields]\nreport = [\"Custom1\"]\n"
        ),
    );
    let tls_args = tls_args(&certs);
    let mut args: Vec<&str> = tls_args.iter().map(String::as_str).collect();
    let config_path = config.display().to_string();
    args.extend(["--config", &config_path]);
    let mut command = callouts();
    command.env("CALLOUTS_CONNECTOR_HOST_CLIENT_SECRET", "secret-from-the-environment");
    let server = serve_command(&db, &args, command);
    let client = client(&certs.join("ca.pem"));

    let response = post_notification(&client, &server, notification(&format!("{host_origin}{OBJECT_PATH}"))).await;
    assert_eq!(response.status(), 200);

    let deadline = Instant::now() + Duration::from_secs(20);
    let failed = loop {
        let failed = list_json(&db, &["--status", "failed"]);
        if !failed.is_empty() {
            break failed;
        }
        assert!(Instant::now() < deadline, "not failed in time: {:?}", list_json(&db, &[]));
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["status"], "failed");
    assert_eq!(failed[0]["attempts"], 2);
    let last_error = failed[0]["last_error"].as_str().unwrap_or_default();
    assert!(last_error.contains("request to the host failed"), "{last_error}");
    assert!(last_error.contains("gave up after 2 attempts"), "{last_error}");
    assert!(list_json(&db, &["--status", "done"]).is_empty());

    let text = run(callouts().args(["connector", "notifications", "list", "--db"]).arg(&db));
    assert!(text.status.success(), "{}", stderr(&text));
    let text = String::from_utf8_lossy(&text.stdout).into_owned();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].starts_with("ID\tSTATUS\tATTEMPTS"), "{text}");
    assert!(lines[1].starts_with("1\tfailed\t2\t"), "{text}");
    drop(server);
}

#[test]
fn notifications_list_missing_database_fails() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let db = dir.path().join("missing.db");

    let output = run(callouts().args(["connector", "notifications", "list", "--db"]).arg(&db));

    assert!(!output.status.success());
    assert!(stderr(&output).contains("does not exist"), "{}", stderr(&output));
    assert!(!db.exists(), "the database was created");
}
