//! `callouts host …` as an operator runs it: bootstrap commands, then a real `host serve` process.

mod common;

use common::{ServerProcess, callouts, run, stderr, stdout, succeed};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Base64 of 32 bytes of 0x2a; only for tests.
const KEY: &str = "KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio=";
const USER_PASSWORD: &str = "operator-password-1";

/// Creates a Standard company, a Can Administer user and a token; returns the token.
fn bootstrap(db: &Path) -> String {
    succeed(
        callouts()
            .args(["host", "company", "create", "--name", "Acme", "--edition", "standard", "--db"])
            .arg(db),
    );
    succeed(
        callouts()
            .args(["host", "user", "create", "--company", "Acme", "--login", "ada"])
            .args(["--role", "employee", "--role", "can-administer", "--db"])
            .arg(db)
            .env("CALLOUTS_USER_PASSWORD", USER_PASSWORD),
    );
    let output = succeed(
        callouts()
            .args(["host", "token", "create", "--login", "ada", "--db"])
            .arg(db),
    );
    stdout(&output).trim().to_owned()
}

fn dev_ca(dir: &Path) -> PathBuf {
    let certs = dir.join("certs");
    succeed(
        callouts()
            .args(["dev-ca", "--name", "localhost", "--out"])
            .arg(&certs),
    );
    certs
}

fn serve(db: &Path, certs: &Path) -> ServerProcess {
    serve_with(db, certs, &[])
}

fn serve_with(db: &Path, certs: &Path, extra: &[&str]) -> ServerProcess {
    let mut command = callouts();
    command
        .args(["host", "serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(db)
        .arg("--tls-cert")
        .arg(certs.join("server.pem"))
        .arg("--tls-key")
        .arg(certs.join("server.key"))
        .args(extra)
        .env("CALLOUTS_HOST_SECRET_KEY", KEY);
    ServerProcess::start(command, "host started")
}

fn client(certs: &Path) -> reqwest::Client {
    let ca = std::fs::read(certs.join("ca.pem")).expect("read CA");
    let tls = tls::client::client_config(&[ca]).expect("client TLS");
    reqwest::Client::builder()
        .use_preconfigured_tls((*tls).clone())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("HTTP client")
}

#[tokio::test]
async fn host_serves_api_for_bootstrapped_token() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let db = dir.path().join("host.db");
    let token = bootstrap(&db);
    let certs = dev_ca(dir.path());
    let server = serve(&db, &certs);
    let client = client(&certs);
    let url = format!("https://localhost:{}/api/v1/connectors", server.port());

    let created = client
        .post(&url)
        .bearer_auth(&token)
        .header("Content-Type", "application/json")
        .body(r#"{"name":"HR","host_name":"https://hr.example.com","user_name":"connector-user","password":"connector-password-1"}"#)
        .send()
        .await
        .expect("create registration");
    let listed = client.get(&url).bearer_auth(&token).send().await.expect("list");

    assert_eq!(created.status(), 201);
    let text = listed.text().await.unwrap_or_default();
    assert!(text.contains("\"name\":\"HR\""), "{text}");
    assert!(!text.contains("connector-password-1"), "{text}");
}

#[test]
fn token_is_printed_alone_with_prefix() {
    let dir = tempfile::tempdir().expect("temporary directory");

    let token = bootstrap(&dir.path().join("host.db"));

    assert!(token.starts_with("cht_"), "{token}");
    assert!(!token.contains(char::is_whitespace));
}

#[test]
fn duplicate_company_fails_with_message() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let db = dir.path().join("host.db");
    bootstrap(&db);

    let output = run(callouts()
        .args(["host", "company", "create", "--name", "Acme", "--edition", "professional", "--db"])
        .arg(&db));

    assert!(!output.status.success());
    assert!(stderr(&output).contains("already exists"), "{}", stderr(&output));
}

#[test]
fn unknown_role_is_rejected() {
    let dir = tempfile::tempdir().expect("temporary directory");

    let output = run(callouts()
        .args(["host", "user", "create", "--company", "Acme", "--login", "bob", "--role", "auditor", "--db"])
        .arg(dir.path().join("host.db"))
        .env("CALLOUTS_USER_PASSWORD", USER_PASSWORD));

    assert!(!output.status.success());
    assert!(stderr(&output).contains("auditor"), "{}", stderr(&output));
}

/// Runs `command` in a new session, which has no controlling terminal, so
/// that opening `/dev/tty` fails as it does under a service manager.
#[cfg(unix)]
fn without_terminal(command: &mut std::process::Command) -> &mut std::process::Command {
    use std::os::unix::process::CommandExt;

    // SAFETY: the closure runs in the child between fork and exec and only
    // calls setsid(2), which is async-signal-safe.
    unsafe {
        command.pre_exec(|| {
            if libc::setsid() == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        })
    }
}

#[cfg(unix)]
#[test]
fn user_create_without_password_or_terminal_fails() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let db = dir.path().join("host.db");
    succeed(
        callouts()
            .args(["host", "company", "create", "--name", "Acme", "--edition", "standard", "--db"])
            .arg(&db),
    );

    let output = run(without_terminal(
        callouts()
            .args(["host", "user", "create", "--company", "Acme", "--login", "ada"])
            .args(["--role", "can-administer", "--db"])
            .arg(&db),
    ));

    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(
        message.contains("cannot read the password from the terminal"),
        "{message}"
    );
    assert!(
        message.contains("set CALLOUTS_USER_PASSWORD instead"),
        "{message}"
    );
    let token = run(callouts()
        .args(["host", "token", "create", "--login", "ada", "--db"])
        .arg(&db));
    assert!(
        !token.status.success(),
        "the user was created: {}",
        stdout(&token)
    );
}

#[test]
fn serve_without_key_names_variable() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let certs = dev_ca(dir.path());

    let output = run(callouts()
        .args(["host", "serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(dir.path().join("host.db"))
        .arg("--tls-cert")
        .arg(certs.join("server.pem"))
        .arg("--tls-key")
        .arg(certs.join("server.key")));

    assert!(!output.status.success());
    assert!(stderr(&output).contains("CALLOUTS_HOST_SECRET_KEY"), "{}", stderr(&output));
}

#[test]
fn generated_key_is_32_bytes_of_base64() {
    let output = succeed(callouts().args(["host", "key", "generate"]));

    let key = stdout(&output).trim().to_owned();
    assert_eq!(key.len(), 44, "{key}");
    assert!(key.ends_with('='), "{key}");
}

#[test]
fn config_key_allows_private_addresses() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let db = dir.path().join("host.db");
    let certs = dev_ca(dir.path());
    let config = dir.path().join("host.toml");
    std::fs::write(&config, "[outbound]\nallow_private_addresses = true\n").expect("write config");
    let config = config.display().to_string();

    let server = serve_with(&db, &certs, &["--config", &config]);
    let warned = server
        .startup_lines
        .iter()
        .any(|line| line.contains("WARN") && line.contains("--allow-private-addresses"));
    assert!(warned, "{:#?}", server.startup_lines);
}

#[test]
fn migrate_prints_sqlite_schema_version() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("host.db");

    let first = succeed(callouts().args(["host", "migrate", "--db"]).arg(&db));
    let again = succeed(callouts().args(["host", "migrate", "--db"]).arg(&db));

    assert!(stdout(&first).contains("schema version 2"), "{}", stdout(&first));
    assert!(stdout(&again).contains("schema version 2"), "{}", stdout(&again));
}

#[test]
fn migrate_failure_hides_postgres_password() {
    // Port 1 on loopback refuses the connection at once.
    let output = run(callouts().args([
        "host",
        "migrate",
        "--db",
        "postgres://operator:Secret-pw-1@127.0.0.1:1/callouts",
    ]));

    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(message.contains("cannot migrate the database"), "{message}");
    assert!(message.contains("operator:REDACTED@127.0.0.1:1"), "{message}");
    assert!(!message.contains("Secret-pw-1"), "{message}");
}
