//! The whole system as an operator deploys it and an employee uses it.
//!
//! The connector and the host run as separate `callouts` processes over TLS
//! with a dev CA. The connector serves bundled data, the host is
//! bootstrapped with the command line, and the connector is registered
//! through the host's API. An employee then fills an expense entry through
//! the host's pages, and a report is validated by the connector through the
//! host web services.

#[path = "../common/mod.rs"]
mod common;

mod bundled_subset;
mod external_validation;
#[path = "../../../host/tests/web_support/cookie_jar.rs"]
mod cookie_jar;
mod web_session;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Instant;

use common::{ServerProcess, callouts, stdout, succeed};
use reqwest::StatusCode;
use serde_json::{Value, json};
use web_session::{Page, WebSession};

/// Base64 of 32 bytes of 0x2a, a key only for tests.
const HOST_KEY: &str = "KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio=";
const CONNECTOR_USER: &str = "e2e-connector";
const CONNECTOR_PASSWORD: &str = "connector-pässword-e2e-1";
const COMPANY: &str = "Acme";
const ADMIN_LOGIN: &str = "admin@acme";
const EMPLOYEE_LOGIN: &str = "employee@acme";
const USER_PASSWORD: &str = "user-password-e2e-1";

/// The bundled attendee the employee searches for, by names with diacritics.
const ATTENDEE_ID: &str = "ATT-091461";
const ATTENDEE_FIRST_NAME: &str = "Zoë";
const ATTENDEE_LAST_NAME: &str = "Ødegaard";
const ATTENDEE_COMPANY: &str = "Beacon Technologies Group";
const ATTENDEE_TYPE: &str = "BUSGUEST";

/// The path of the bundled geo list that the employee chooses: United
/// States, California, San Francisco.
const SAN_FRANCISCO: &str = "US-CA-5391959";

fn dev_ca(dir: &Path) -> PathBuf {
    let certs = dir.join("certs");
    succeed(callouts().args(["dev-ca", "--name", "localhost", "--out"]).arg(&certs));
    certs
}

/// Imports the geo list as `geo` and the attendees with `callouts connector
/// import`, from subsets of the bundled files. Returns the database path.
fn import_bundled_data(dir: &Path) -> PathBuf {
    let geo = dir.join("geo.csv.gz");
    let attendees = dir.join("attendees.csv.gz");
    let geo_rows = bundled_subset::write_geo(&geo);
    let attendee_rows = bundled_subset::write_attendees(&attendees, ATTENDEE_LAST_NAME);
    let db = dir.join("connector.db");

    let started = Instant::now();
    let imported = succeed(callouts().args(["connector", "import", "list", "--name", "geo", "--db"]).arg(&db).arg(&geo));
    assert!(stdout(&imported).contains(&format!("{geo_rows} inserted")), "{}", stdout(&imported));
    let imported = succeed(callouts().args(["connector", "import", "attendees", "--db"]).arg(&db).arg(&attendees));
    assert!(stdout(&imported).contains(&format!("{attendee_rows} inserted")), "{}", stdout(&imported));
    eprintln!("imported {geo_rows} list rows and {attendee_rows} attendees in {:?}", started.elapsed());
    db
}

fn tls_arguments(certs: &Path) -> Vec<std::ffi::OsString> {
    vec![
        "--tls-cert".into(),
        certs.join("server.pem").into(),
        "--tls-key".into(),
        certs.join("server.key").into(),
    ]
}

fn serve_connector(db: &Path, certs: &Path) -> ServerProcess {
    let mut command = callouts();
    command
        .args(["connector", "serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(db)
        .args(tls_arguments(certs))
        .env("CALLOUTS_CONNECTOR_USERNAME", CONNECTOR_USER)
        .env("CALLOUTS_CONNECTOR_PASSWORD", CONNECTOR_PASSWORD);
    ServerProcess::start(command, "connector started")
}

/// Creates the company, an administrator, an employee and the
/// administrator's API token with `callouts host`. Returns the token.
fn bootstrap_host(db: &Path) -> String {
    succeed(
        callouts()
            .args(["host", "company", "create", "--name", COMPANY, "--edition", "standard", "--db"])
            .arg(db),
    );
    for (login, role) in [(ADMIN_LOGIN, "can-administer"), (EMPLOYEE_LOGIN, "employee")] {
        succeed(
            callouts()
                .args(["host", "user", "create", "--company", COMPANY, "--login", login, "--role", role, "--db"])
                .arg(db)
                .env("CALLOUTS_USER_PASSWORD", USER_PASSWORD),
        );
    }
    let token = succeed(callouts().args(["host", "token", "create", "--login", ADMIN_LOGIN, "--db"]).arg(db));
    stdout(&token).trim().to_owned()
}

/// Starts `callouts host serve`, trusting the dev CA for callouts and
/// allowing the connector's loopback address.
fn serve_host(db: &Path, certs: &Path) -> ServerProcess {
    let mut command = callouts();
    command
        .args(["host", "serve", "--listen", "127.0.0.1:0", "--allow-private-addresses", "--db"])
        .arg(db)
        .args(tls_arguments(certs))
        .arg("--trust-ca")
        .arg(certs.join("ca.pem"))
        .env("CALLOUTS_HOST_SECRET_KEY", HOST_KEY);
    ServerProcess::start(command, "host started")
}

fn address(server: &ServerProcess) -> SocketAddr {
    server.address.parse().expect("IP:PORT in the start line")
}

/// The host's JSON API as the administrator's token calls it.
struct Api {
    client: reqwest::Client,
    base: String,
    token: String,
}

impl Api {
    fn new(certs: &Path, host: &ServerProcess, token: String) -> Api {
        let client = web_session::client_trusting(&certs.join("ca.pem"), address(host))
            .build()
            .expect("build the HTTP client");
        Api {
            client,
            base: format!("https://localhost:{}/api/v1", host.port()),
            token,
        }
    }

    /// Sends `body`, checks the status and returns the JSON response.
    async fn call(&self, method: reqwest::Method, path: &str, body: &Value, expected: StatusCode) -> Value {
        let response = self
            .client
            .request(method.clone(), format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap_or_else(|error| panic!("{method} {path}: {error}"));
        let status = response.status();
        let text = response.text().await.expect("read the API response");
        assert_eq!(status, expected, "{method} {path}: {text}");
        serde_json::from_str(&text).unwrap_or_else(|error| panic!("{method} {path} returned no JSON ({error}): {text}"))
    }
}

/// Registers the connector, runs Test Connection and enables Fetch Attendee
/// and Fetch List with the geo list as a connected list of three levels.
async fn register_connector(api: &Api, origin: &str) {
    let created = api
        .call(
            reqwest::Method::POST,
            "/connectors",
            &json!({
                "name": "Bundled data",
                "host_name": origin,
                "user_name": CONNECTOR_USER,
                "password": CONNECTOR_PASSWORD,
            }),
            StatusCode::CREATED,
        )
        .await;
    let id = created["id"].as_i64().expect("registration id");

    let tested = api
        .call(reqwest::Method::POST, &format!("/connectors/{id}/test-connection"), &json!({}), StatusCode::OK)
        .await;
    assert_eq!(tested["verified"], true, "{tested}");
    assert_eq!(tested["last_test_connection"]["succeeded"], true, "{tested}");
    let tls_version = tested["last_test_connection"]["tls_version"].as_str().unwrap_or_default();
    assert!(tls_version.starts_with("TLS"), "{tested}");

    let attendees = json!({"enabled": true, "attendee_types": [ATTENDEE_TYPE]});
    let lists = json!({
        "enabled": true,
        "lists": [{"list_name": "geo", "category": "Location", "language_code": "EN", "connected_list_level": 3}],
    });
    for (service, settings) in [("fetch-attendee", attendees), ("fetch-list", lists)] {
        let configured = api
            .call(reqwest::Method::PUT, &format!("/connectors/{id}/services/{service}"), &settings, StatusCode::OK)
            .await;
        assert_eq!(configured["services"][service]["active"], true, "{configured}");
    }
}

/// Creates a report and an entry through the forms. Returns the report id and the entry's path.
async fn create_report_with_entry(employee: &WebSession) -> (String, String) {
    let created = employee.submit("/expenses", "/expenses/reports", &[("name", "Trip to San Francisco")]).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text);
    let report_path = created.location.expect("redirect to the report");
    let report_path = report_path.split('?').next().unwrap_or_default().to_owned();
    let report = report_path.trim_start_matches("/expenses/reports/").to_owned();

    let fields = [
        ("expense_type", "business-meal"),
        ("transaction_date", "2025-03-01"),
        ("amount", "84.20"),
        ("currency", "USD"),
        ("business_purpose", "Dinner with Beacon Technologies"),
        ("list", "0"),
    ];
    let entry = employee
        .submit(&format!("{report_path}/entries/new"), &format!("{report_path}/entries"), &fields)
        .await;
    assert_eq!(entry.status, StatusCode::SEE_OTHER, "{}", entry.text);
    let entry_path = entry.location.expect("redirect to the entry");
    (report, entry_path.split('?').next().unwrap_or_default().to_owned())
}

/// Returns the `(short code, label)` of each option of a drop-down.
fn options(select: &str) -> Vec<(String, String)> {
    select
        .split("<option value=\"")
        .skip(1)
        .filter_map(|option| {
            let (value, rest) = option.split_once('"')?;
            let label = rest.split_once('>')?.1.split('<').next()?;
            Some((value.to_owned(), label.to_owned()))
        })
        .collect()
}

/// Searches a level of the list field through the page and through the
/// JSON endpoint of search-as-you-type, and chooses the item `short_code`.
/// Returns the long codes of the items found.
async fn choose_at_level(
    employee: &WebSession,
    report: &str,
    entry: &str,
    level: usize,
    typed: &str,
    short_code: &str,
) -> Vec<String> {
    let level_text = level.to_string();
    let page = employee.get(entry, &[("list_level", &level_text), ("list_query", typed)]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let offered = options(page.element("select", &format!("list-choice-{level}")));
    assert!(
        offered.iter().any(|(code, _)| code == short_code),
        "level {level} searched for {typed:?} offers {offered:?}"
    );

    let entry_id = entry.rsplit('/').next().unwrap_or_default();
    let found = employee
        .get(
            "/expenses/api/list-search",
            &[("report", report), ("entry", entry_id), ("level", &level_text), ("query", typed)],
        )
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    let found: Value = serde_json::from_str(&found.text).expect("JSON list results");
    let codes: Vec<String> = found["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| item["code"].as_str().unwrap_or_default().to_owned())
        .collect();

    let chosen = employee
        .submit(entry, &format!("{entry}/list"), &[("level", &level_text), ("short_code", short_code)])
        .await;
    assert_eq!(chosen.status, StatusCode::SEE_OTHER, "choose {short_code} at level {level}: {}", chosen.text);
    codes
}

/// Asserts that every code is under `parent` and that there is at least one.
fn assert_all_under(codes: &[String], parent: &str) {
    assert!(!codes.is_empty(), "no items under {parent}");
    let outside: Vec<&String> = codes.iter().filter(|code| !code.starts_with(&format!("{parent}-"))).collect();
    assert!(outside.is_empty(), "items outside {parent}: {outside:?}");
}

/// Searches attendees by first and last name and returns the results page.
async fn search_attendees(employee: &WebSession, entry: &str, first_name: &str, last_name: &str) -> Page {
    let query = [
        ("attendee_search", "1"),
        ("attendee_type", ATTENDEE_TYPE),
        ("first_name", first_name),
        ("last_name", last_name),
    ];
    let page = employee.get(entry, &query).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    page
}

/// Fills the list field level by level and adds an attendee found by a
/// name with diacritics, then checks what the entry page shows on reload.
async fn fill_entry(employee: &WebSession) -> String {
    let (report, entry) = create_report_with_entry(employee).await;

    let countries = choose_at_level(employee, &report, &entry, 1, "United", "US").await;
    assert!(countries.contains(&"US".to_owned()), "{countries:?}");
    assert!(countries.contains(&"GB".to_owned()), "{countries:?}");
    let states = choose_at_level(employee, &report, &entry, 2, "Calif", "CA").await;
    assert_eq!(states, ["US-CA"]);
    let cities = choose_at_level(employee, &report, &entry, 3, "San Fran", "5391959").await;
    assert_all_under(&cities, "US-CA");
    assert!(cities.contains(&SAN_FRANCISCO.to_owned()), "{cities:?}");
    // Texas has San Antonio; a search without the chosen codes would offer it.
    let under_california = choose_at_level(employee, &report, &entry, 3, "San", "5391959").await;
    assert_all_under(&under_california, "US-CA");

    let found = search_attendees(employee, &entry, ATTENDEE_FIRST_NAME, ATTENDEE_LAST_NAME).await;
    let results = found.element("table", "attendee-results");
    assert!(results.contains(ATTENDEE_ID), "{results}");
    assert_eq!(results.matches("name=\"external_id\"").count(), 1, "{results}");
    // Matching ignores case beyond ASCII too.
    let folded = search_attendees(employee, &entry, "ZOË", "ødegaard").await;
    assert!(folded.element("table", "attendee-results").contains(ATTENDEE_ID), "{}", folded.text);

    let added = employee
        .submit(
            &entry,
            &format!("{entry}/attendees"),
            &[("attendee_type", ATTENDEE_TYPE), ("external_id", ATTENDEE_ID)],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text);
    entry
}

/// Checks the stored list value and attendee on the entry page.
async fn assert_entry_stored(employee: &WebSession, entry: &str) {
    let page = employee.get(entry, &[]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);

    let value = page.element("p", "list-value");
    assert!(value.contains(&format!("San Francisco (code <code>{SAN_FRANCISCO}</code>)")), "{value}");
    for (level, chosen) in [(1, "United States"), (2, "California"), (3, "San Francisco")] {
        let shown = page.element("span", &format!("list-chosen-{level}"));
        assert!(shown.contains(&format!(">{chosen}<")), "level {level}: {shown}");
    }
    let attendees = page.element("table", "picked-attendees");
    for expected in [ATTENDEE_ID, ATTENDEE_FIRST_NAME, ATTENDEE_LAST_NAME, ATTENDEE_COMPANY, ATTENDEE_TYPE] {
        assert!(attendees.contains(&format!("<td>{expected}</td>")), "{expected} missing: {attendees}");
    }
}

#[tokio::test]
async fn expense_entry_through_real_processes() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let certs = dev_ca(dir.path());
    let connector_db = import_bundled_data(dir.path());
    let connector = serve_connector(&connector_db, &certs);
    let host_db = dir.path().join("host.db");
    let token = bootstrap_host(&host_db);
    let host = serve_host(&host_db, &certs);
    let api = Api::new(&certs, &host, token);
    register_connector(&api, &format!("https://localhost:{}", connector.port())).await;

    let employee = WebSession::new(&certs.join("ca.pem"), address(&host));
    employee.sign_in(EMPLOYEE_LOGIN, USER_PASSWORD).await;
    let entry = fill_entry(&employee).await;

    assert_entry_stored(&employee, &entry).await;
    // A host killed and started again on the same database shows the same entry.
    drop(host);
    let restarted = serve_host(&host_db, &certs);
    let employee = WebSession::new(&certs.join("ca.pem"), address(&restarted));
    employee.sign_in(EMPLOYEE_LOGIN, USER_PASSWORD).await;
    assert_entry_stored(&employee, &entry).await;
    drop(connector);
}
