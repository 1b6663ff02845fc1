//! The `callouts` executable as a user runs it: real processes, real files,
//! real HTTPS.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

mod common;
#[allow(dead_code)]
#[path = "../../host/tests/web_support/cookie_jar.rs"]
mod cookie_jar;
#[allow(dead_code)]
#[path = "end_to_end/web_session.rs"]
mod web_session;

use common::*;
use reqwest::StatusCode;
use web_session::WebSession;

fn list_request(query: &str) -> String {
    format!(
        "<fetch-list-request><long-code>US-W</long-code><query>{query}</query>\
         <search-by>TEXT</search-by><list-name>geo</list-name></fetch-list-request>"
    )
}

const GEO: &str = "parent,code,text\n,US,United States\nUS,W,West\nUS-W,CA,California\nUS-W,OR,Oregon\n";

#[test]
fn dev_ca_writes_files_and_reuses_ca() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let certs = dev_ca(dir.path());
    for name in ["ca.pem", "ca.key", "server.pem", "server.key"] {
        assert!(certs.join(name).exists(), "{name} missing");
    }
    let first_ca = std::fs::read(certs.join("ca.pem")).expect("read CA");
    let output = run(callouts().args(["dev-ca", "--name", "localhost", "--out"]).arg(&certs));
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("(reused)"));
    assert_eq!(std::fs::read(certs.join("ca.pem")).expect("read CA"), first_ca);
}

#[test]
fn import_list_reports_line_column_rule() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = write(dir.path(), "bad.csv", "parent,code,text\n,US,United States\n,A-B,Dash\n");
    let db = dir.path().join("connector.db");
    let output = run(callouts().args(["connector", "import", "list", "--name", "geo", "--db"]).arg(&db).arg(&file));
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(message.contains("line 3, column `code`: must not contain `-`"), "{message}");
    assert!(message.contains("nothing was imported"), "{message}");
}

#[test]
fn import_missing_file_names_cause_once() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let db = dir.path().join("connector.db");
    let missing = dir.path().join("missing.csv");

    let output = run(callouts().args(["connector", "import", "list", "--name", "geo", "--db"]).arg(&db).arg(&missing));

    assert!(!output.status.success());
    let message = stderr(&output);
    assert_eq!(message.matches("No such file").count(), 1, "{message}");
    assert!(!db.exists(), "the database was created for a failed import");
}

#[test]
fn import_attendees_prints_summary() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = write(dir.path(), "people.csv", "ExternalID,FirstName,LastName\nE1,Ann,Able\nE2,Bob,Baker\n");
    let db = dir.path().join("connector.db");
    let output = run(callouts().args(["connector", "import", "attendees", "--db"]).arg(&db).arg(&file));
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("2 inserted, 0 updated"));
}

#[tokio::test]
async fn serve_over_tls_survives_kill() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let certs = dev_ca(dir.path());
    let db = dir.path().join("connector.db");
    let file = write(dir.path(), "geo.csv", GEO);
    let output = run(callouts().args(["connector", "import", "list", "--name", "geo", "--db"]).arg(&db).arg(&file));
    assert!(output.status.success(), "{}", stderr(&output));

    let tls_args = tls_args(&certs);
    let tls_args: Vec<&str> = tls_args.iter().map(String::as_str).collect();
    let client = client(&certs.join("ca.pem"));
    for round in 0..2 {
        let server = serve(&db, &tls_args);
        let port = server.port();
        let url = format!("https://localhost:{port}/concur/list/v1.2/fetch");
        let response = client
            .post(&url)
            .basic_auth(USERNAME, Some(PASSWORD))
            .header("Content-Type", "application/xml")
            .body(list_request("C*"))
            .send()
            .await
            .expect("fetch list");
        assert_eq!(response.status(), 200, "round {round}");
        let body = response.text().await.expect("body");
        assert!(body.contains("<code>US-W-CA</code>"), "round {round}: {body}");
        // Killing without a chance to clean up must leave the database usable.
        drop(server);
    }
}

#[tokio::test]
async fn serve_plain_http_warns() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let db = dir.path().join("connector.db");
    let server = serve(&db, &["--dangerous-plain-http"]);
    let warning = server.startup_lines.iter().find(|line| line.contains("WARN"));
    assert!(warning.is_some(), "no warning logged: {:#?}", server.startup_lines);
    let response = reqwest::get(format!("http://{}/healthz", server.address)).await.expect("healthz");
    assert_eq!(response.status(), 200);
}

#[test]
fn log_to_pipe_has_no_color_codes() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut child = callouts()
        .env_remove("NO_COLOR")
        .args(["connector", "serve", "--listen", "127.0.0.1:0", "--dangerous-plain-http", "--db"])
        .arg(dir.path().join("connector.db"))
        .env("CALLOUTS_CONNECTOR_USERNAME", USERNAME)
        .env("CALLOUTS_CONNECTOR_PASSWORD", PASSWORD)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start serve");
    let stderr = child.stderr.take().expect("stderr");
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let started = BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
            .find(|line| line.contains("connector started"));
        let _ = sender.send(started);
    });

    let started = receiver.recv_timeout(Duration::from_secs(30));
    let _ = child.kill();
    let _ = child.wait();

    let line = started.ok().flatten().expect("start line logged");
    assert!(!line.contains('\u{1b}'), "{line:?}");
}

#[test]
fn serve_without_tls_or_flag_is_rejected() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let output = run(callouts()
        .args(["connector", "serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(dir.path().join("connector.db")));
    assert!(!output.status.success());
    assert!(stderr(&output).contains("--tls-cert"), "{}", stderr(&output));
}

#[test]
fn demo_starts_on_bundled_data() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let output = run(callouts()
        .args(["demo", "--listen", "127.0.0.1:0", "--host-listen", "127.0.0.1:0"])
        .args(["--exit-when-ready", "--state-dir"])
        .arg(dir.path()));
    assert!(output.status.success(), "{}", stderr(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("The connector is listening on https://localhost:"), "{stdout}");
    assert!(stdout.contains("curl -u 'demo-connector:"), "{stdout}");
    assert!(dir.path().join("tls/ca.pem").exists());
    assert!(stdout.contains("The host is listening on https://localhost:"), "{stdout}");
    assert!(stdout.contains("Test Connection of the demo connector: succeeded"), "{stdout}");
    assert!(stdout.contains("administrator:  admin / "), "{stdout}");
    assert!(stdout.contains("Fetch Attendee, Fetch List and Event Notification are enabled"), "{stdout}");
    assert!(stdout.contains("approver:       approver / "), "{stdout}");
    assert!(stdout.contains("To see a report validated by the connector:"), "{stdout}");
    assert!(stdout.contains("client ID cid_"), "{stdout}");
}

/// A running `callouts demo`, killed when dropped.
struct DemoProcess {
    child: std::process::Child,
    /// Lines the demo printed up to `Press Ctrl-C to stop.`
    printed: Vec<String>,
}

impl DemoProcess {
    /// Starts the demo on free loopback ports and waits until it has printed its instructions.
    fn start(state_dir: &std::path::Path) -> DemoProcess {
        let mut child = callouts()
            .args(["demo", "--listen", "127.0.0.1:0", "--host-listen", "127.0.0.1:0", "--state-dir"])
            .arg(state_dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start callouts demo");
        let stdout = child.stdout.take().expect("stdout");
        let (sender, receiver) = std::sync::mpsc::channel();
        // The pipe is drained to the end so that the demo never blocks on printing.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = sender.send(line);
            }
        });

        let mut demo = DemoProcess { child, printed: Vec::new() };
        let deadline = std::time::Instant::now() + Duration::from_secs(120);
        while std::time::Instant::now() < deadline {
            let Ok(line) = receiver.recv_timeout(Duration::from_millis(200)) else {
                continue;
            };
            let ready = line == "Press Ctrl-C to stop.";
            demo.printed.push(line);
            if ready {
                return demo;
            }
        }
        panic!("the demo printed no `Press Ctrl-C to stop.` within 120 s: {:#?}", demo.printed);
    }

    /// Returns the rest of the first printed line that contains `prefix`, after `prefix`.
    fn printed_after(&self, prefix: &str) -> &str {
        self.printed
            .iter()
            .find_map(|line| line.split_once(prefix).map(|(_, rest)| rest))
            .unwrap_or_else(|| panic!("the demo printed no {prefix:?}: {:#?}", self.printed))
    }
}

impl Drop for DemoProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Returns the `<tr>` of `page` whose link text is exactly `name`.
fn table_row<'a>(page: &'a str, name: &str) -> &'a str {
    let link = page
        .find(&format!(">{name}</a>"))
        .unwrap_or_else(|| panic!("no row for {name:?} in the page: {page}"));
    let start = page[..link].rfind("<tr").expect("the link is in a table row");
    let end = link + page[link..].find("</tr>").expect("the table row is closed");
    &page[start..end]
}

#[tokio::test]
async fn demo_admin_sees_verified_connector() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let demo = DemoProcess::start(dir.path());

    // The printed values that the README directs a user to: host URL, CA path and administrator login.
    let host_url = demo.printed_after("The host is listening on ");
    let host_url = host_url.split_whitespace().next().expect("host URL");
    let port: u16 = host_url
        .strip_prefix("https://localhost:")
        .and_then(|port| port.parse().ok())
        .unwrap_or_else(|| panic!("host URL {host_url:?} is not https://localhost:PORT"));
    let ca_pem = std::path::PathBuf::from(demo.printed_after("CA:        ").trim());
    let (login, password) = demo
        .printed_after("administrator:  ")
        .split_once(" / ")
        .expect("administrator login and password");
    let connector_url = demo.printed_after("The connector is listening on ").trim();
    let session = WebSession::new(&ca_pem, std::net::SocketAddr::from(([127, 0, 0, 1], port)));

    let instruction = demo.printed_after("Sign in as the administrator and open ");
    assert_eq!(instruction, "Connector registrations.");

    let root = session.get("/", &[]).await;
    assert_eq!(root.status, StatusCode::SEE_OTHER, "{}", root.text);
    assert_eq!(root.location.as_deref(), Some("/login"));

    session.sign_in(login, password).await;
    let home = session.get("/", &[]).await;
    assert_eq!(home.status, StatusCode::OK, "{}", home.text);
    assert!(home.text.contains(&format!("Signed in as {login}")), "{}", home.text);
    assert!(
        home.text.contains(r#"<a href="/registrations" id="registrations-link">Connector registrations</a>"#),
        "{}",
        home.text
    );

    let registrations = session.get("/registrations", &[]).await;
    assert_eq!(registrations.status, StatusCode::OK, "{}", registrations.text);
    let row = table_row(&registrations.text, "Demo connector");
    assert!(row.contains(&format!("<td>{connector_url}</td>")), "{row}");
    assert!(row.contains("<td>Yes</td>"), "not verified: {row}");
    assert!(row.contains(r#"<td class="status">Active</td>"#), "{row}");
}
