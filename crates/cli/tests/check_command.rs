//! `callouts check` as CI runs it: a real `connector serve` process, the
//! report on standard output, the verdict in the exit code.

mod common;

use common::{ServerProcess, dev_ca};
use std::path::Path;
use std::process::{Command, Output};

const USERNAME: &str = "check-test-user";
const PASSWORD: &str = "check-test-password:✓";
const PASSWORD_VARIABLE: &str = "CALLOUTS_CHECK_TEST_PASSWORD";

const CITIES: &str = "parent,code,text\n,US,United States\nUS,W,West\nUS-W,CA,California\nUS-W-CA,SF,San Francisco\nUS-W-CA,SJ,San Jose\n";
const ATTENDEES: &str = "ExternalID,FirstName,LastName,Company,AttendeeTypeCode\nE-1,John,Doe,Acme Corporation,BUSGUEST\nE-2,Jane,Doe,Globex,BUSGUEST\n";

fn callouts() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_callouts"));
    command.env("NO_COLOR", "1");
    command
}

fn run(command: &mut Command) -> Output {
    command.output().expect("run callouts")
}

fn succeed(command: &mut Command) {
    let output = run(command);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Imports the test data into a fresh database and serves it on 127.0.0.1:0 with `certificate` and `key`.
fn serve(dir: &Path, certificate: &Path, key: &Path) -> ServerProcess {
    let db = dir.join("connector.db");
    let cities = dir.join("cities.csv");
    let attendees = dir.join("attendees.csv");
    std::fs::write(&cities, CITIES).expect("write cities");
    std::fs::write(&attendees, ATTENDEES).expect("write attendees");
    succeed(
        callouts()
            .args(["connector", "import", "list", "--name", "Cities", "--db"])
            .arg(&db)
            .arg(&cities),
    );
    succeed(
        callouts()
            .args(["connector", "import", "attendees", "--db"])
            .arg(&db)
            .arg(&attendees),
    );

    let mut command = callouts();
    command
        .args(["connector", "serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(&db)
        .arg("--tls-cert")
        .arg(certificate)
        .arg("--tls-key")
        .arg(key)
        .env("CALLOUTS_CONNECTOR_USERNAME", USERNAME)
        .env("CALLOUTS_CONNECTOR_PASSWORD", PASSWORD);
    ServerProcess::start(command, "connector started")
}

/// Runs `callouts check` against `server` with a one-second load run.
fn check(server: &ServerProcess, extra: &[&str]) -> Output {
    run(callouts()
        .args([
            "check",
            "--url",
            &format!("https://localhost:{}", server.port()),
        ])
        .args(["--username", USERNAME, "--password-env", PASSWORD_VARIABLE])
        .args([
            "--list-name",
            "Cities",
            "--duration-secs",
            "1",
            "--format",
            "json",
        ])
        .args(extra)
        .env(PASSWORD_VARIABLE, PASSWORD))
}

fn report(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).expect("standard output is a JSON report")
}

fn outcome(report: &serde_json::Value, check: &str) -> String {
    report["findings"]
        .as_array()
        .and_then(|findings| findings.iter().find(|finding| finding["check"] == check))
        .and_then(|finding| finding["outcome"].as_str())
        .unwrap_or("missing")
        .to_owned()
}

#[test]
fn check_real_connector_exits_zero() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let certs = dev_ca(dir.path());
    let server = serve(
        dir.path(),
        &certs.join("server.pem"),
        &certs.join("server.key"),
    );
    let ca = certs.join("ca.pem");

    let output = check(&server, &["--trust-ca", ca.to_str().expect("UTF-8 path")]);

    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert_eq!(report(&output)["passed"], true);
}

#[test]
fn check_self_signed_exits_nonzero() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let certs = dev_ca(dir.path());
    let issued = tls::dev_ca::self_signed_server(&["localhost".to_owned()])
        .expect("self-signed certificate");
    let certificate = dir.path().join("self-signed.pem");
    let key = dir.path().join("self-signed.key");
    std::fs::write(&certificate, issued.chain_pem).expect("write certificate");
    std::fs::write(&key, issued.private_key_pem).expect("write key");
    let server = serve(dir.path(), &certificate, &key);
    let ca = certs.join("ca.pem");

    let output = check(&server, &["--trust-ca", ca.to_str().expect("UTF-8 path")]);

    assert_eq!(output.status.code(), Some(1));
    let report = report(&output);
    assert_eq!(report["passed"], false);
    assert_eq!(outcome(&report, "tls.certificate_chain"), "fail");
}

#[test]
fn check_missing_password_variable_fails() {
    let output = run(callouts()
        .args([
            "check",
            "--url",
            "https://localhost:9",
            "--username",
            USERNAME,
        ])
        .args(["--password-env", "CALLOUTS_CHECK_TEST_UNSET_VARIABLE"])
        .env_remove("CALLOUTS_CHECK_TEST_UNSET_VARIABLE"));

    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("CALLOUTS_CHECK_TEST_UNSET_VARIABLE"));
}
