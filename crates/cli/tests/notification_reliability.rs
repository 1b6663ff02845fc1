//! Event notifications survive processes killed at random moments.
//!
//! A `callouts host serve` and a `callouts connector serve` process run over
//! TLS on their own SQLite files. The connector validates each submitted
//! report through the host web services: a Meals entry above 75.00 is sent
//! back, any other report is approved into `APPROVAL`. While reports are
//! submitted and their notifications flow, the test kills each process with
//! SIGKILL several times at random moments (seeded, the seed is printed) and
//! starts it again on the same files and port. Once the system is quiet, it
//! reads both databases. Every notification must be delivered, each report
//! decided exactly once, and none stuck or lost. Notifications delivered at
//! the first attempt must have arrived in queue order.
//!
//! CI runs the defaults: 3,000 reports and 4 kills of each process.
//! `CALLOUTS_RELIABILITY_REPORTS`, `CALLOUTS_RELIABILITY_KILLS` and
//! `CALLOUTS_RELIABILITY_SEED` change them for longer local runs.

mod common;
#[path = "../../host/tests/web_support/cookie_jar.rs"]
mod cookie_jar;

use std::collections::{HashMap, HashSet};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{ServerProcess, callouts, tls_args};
use cookie_jar::CookieJar;
use host::Secret;
use host::domain::accounts::{self, CompanyInput, UserInput};
use host::domain::services::{ServiceInput, ServiceSettingsInput, WorkflowStepInput};
use host::domain::{Actor, RegistrationInput, Registrations, ServiceKind};
use host::sandbox::model::{EntryFields, NewExpenseReport};
use host::sandbox::values::{Amount, BusinessPurpose, CurrencyCode, ExpenseType, ReportName, parse_date};
use host::store::{ExpenseStore, HostStore, SqliteHostStore};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use reqwest::StatusCode;
use reqwest::header::COOKIE;

/// Base64 of 32 bytes of 0x2a; only for tests.
const KEY: &str = "KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio=";
const CONNECTOR_USER: &str = "reliability-connector";
const CONNECTOR_PASSWORD: &str = "connector-password-1";
const EMPLOYEE: &str = "employee@acme";
const USER_PASSWORD: &str = "user-password-for-tests";
const NOTIFY_PATH: &str = "/concur/v1.0/notify";
/// Amounts of the one Meals entry of a passing and of a failing report.
const PASSING_AMOUNT: &str = "42.00";
const FAILING_AMOUNT: &str = "90.00";
/// Reports submitted at once through the host's pages.
const SUBMITTERS: usize = 4;
/// How long the system gets to become quiet after the last restart.
const QUIET_TIMEOUT: Duration = Duration::from_secs(180);

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|value| value.parse().ok()).unwrap_or(default)
}

/// Returns a loopback port that is free now; both processes keep their port across restarts.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind a free port").local_addr().expect("address").port()
}

/// The files and ports of one run.
struct Setup {
    dir: PathBuf,
    certs: PathBuf,
    host_db: PathBuf,
    connector_db: PathBuf,
    host_port: u16,
    connector_port: u16,
}

impl Setup {
    fn start_host(&self) -> ServerProcess {
        let config = self.dir.join("host.toml");
        std::fs::write(
            &config,
            "[outbound]\ntotal_timeout_secs = 2\nallow_private_addresses = true\n\n\
             [notifications]\nretry_base_secs = 1\nretry_max_secs = 2\nmax_attempts = 1000\n",
        )
        .expect("write host configuration");
        let mut command = Command::new(env!("CARGO_BIN_EXE_callouts"));
        command
            .args(["host", "serve", "--listen", &format!("127.0.0.1:{}", self.host_port), "--db"])
            .arg(&self.host_db)
            .args(tls_args(&self.certs))
            .arg("--trust-ca")
            .arg(self.certs.join("ca.pem"))
            .arg("--config")
            .arg(&config)
            .env("CALLOUTS_HOST_SECRET_KEY", KEY)
            .env_remove("CALLOUTS_USER_PASSWORD")
            .stdin(std::process::Stdio::null());
        ServerProcess::start(command, "host started")
    }

    fn start_connector(&self, client_id: &str, secret: &str) -> ServerProcess {
        let config = self.dir.join("connector.toml");
        let text = format!(
            "[host]\norigin = \"https://localhost:{port}\"\nclient_id = \"{client_id}\"\ntrusted_ca_files = [\"{ca}\"]\n\n\
             [notifications]\nmax_attempts = 1000\nretry_initial_delay_ms = 100\nretry_max_delay_ms = 1000\n\n\
             [validation.amount_limits]\nMeals = \"75.00\"\n",
            port = self.host_port,
            ca = self.certs.join("ca.pem").display(),
        );
        std::fs::write(&config, text).expect("write connector configuration");
        let mut command = callouts();
        command
            .args(["connector", "serve", "--listen", &format!("127.0.0.1:{}", self.connector_port), "--db"])
            .arg(&self.connector_db)
            .args(tls_args(&self.certs))
            .arg("--config")
            .arg(&config)
            .env("CALLOUTS_CONNECTOR_USERNAME", CONNECTOR_USER)
            .env("CALLOUTS_CONNECTOR_PASSWORD", CONNECTOR_PASSWORD)
            .env("CALLOUTS_CONNECTOR_HOST_CLIENT_SECRET", secret);
        ServerProcess::start(command, "connector started")
    }
}

async fn create_user(store: &SqliteHostStore, login: &str, role: &str) -> Actor {
    let input = UserInput {
        company_name: "Acme".to_owned(),
        login: login.to_owned(),
        roles: vec![role.to_owned()],
        password: Secret::new(USER_PASSWORD),
    };
    accounts::create_user(store, &input).await.expect("create user");
    store.user_by_login(login).await.expect("read user").expect("user exists").actor
}

/// Creates the company, its users and the registration with client
/// credentials. Returns the store, the registrations, the administrator,
/// the employee, the registration id, the client id and the secret.
async fn prepare_host(setup: &Setup) -> (Arc<SqliteHostStore>, Registrations, Actor, Actor, (host::domain::RegistrationId, String, String)) {
    let store = Arc::new(SqliteHostStore::open(&setup.host_db).expect("open host store"));
    let company = CompanyInput {
        name: "Acme".to_owned(),
        edition: "standard".to_owned(),
        development_partner: false,
    };
    accounts::create_company(store.as_ref(), &company).await.expect("create company");
    let admin = create_user(&store, "admin@acme", "can-administer").await;
    let employee = create_user(&store, EMPLOYEE, "employee").await;
    let ca_pem = std::fs::read(setup.certs.join("ca.pem")).expect("read CA");
    let outbound = host::tester::outbound_tester(&host::config::OutboundConfig::default(), vec![ca_pem], true)
        .expect("outbound client");
    let cipher = host::crypto::PasswordCipher::from_base64(KEY).expect("key");
    let registrations = Registrations::new(store.clone(), Arc::new(cipher), Arc::new(outbound));
    let input = RegistrationInput {
        name: Some("Validator".to_owned()),
        description: None,
        host_name: Some(format!("https://localhost:{}", setup.connector_port)),
        user_name: Some(CONNECTOR_USER.to_owned()),
        password: Some(Secret::new(CONNECTOR_PASSWORD)),
    };
    let registration = registrations.create(&admin, &input).await.expect("create registration");
    let credentials = host::connector_access::generate_client_credentials(store.as_ref(), &registrations, &admin, registration.id)
        .await
        .expect("client credentials");
    let secret = credentials.client_secret.expose().to_owned();
    (store, registrations, admin, employee, (registration.id, credentials.client_id, secret))
}

/// Tests the connection and enables Event Notification at the Submit step.
async fn activate(registrations: &Registrations, admin: &Actor, id: host::domain::RegistrationId) {
    let tested = registrations.test_connection(admin, id).await.expect("test connection");
    assert!(tested.verified, "{:?}", tested.last_test_connection);
    let service = ServiceInput {
        enabled: true,
        endpoint_path: Some(NOTIFY_PATH.to_owned()),
        settings: ServiceSettingsInput::EventNotification {
            workflow_steps: vec![WorkflowStepInput {
                step: Some("External Validation - Submit".to_owned()),
                expense_reports: true,
                travel_requests: false,
            }],
        },
    };
    registrations
        .configure_service(admin, id, ServiceKind::EventNotification, &service)
        .await
        .expect("configure Event Notification");
}

/// Creates `count` reports of one Meals entry each; returns each report id
/// with whether it should pass validation.
async fn create_reports(store: &SqliteHostStore, employee: &Actor, count: usize, rng: &mut StdRng) -> Vec<(i64, bool)> {
    let mut reports = Vec::with_capacity(count);
    for index in 0..count {
        let passes = rng.random_bool(0.7);
        let now = time::OffsetDateTime::now_utc();
        let report = NewExpenseReport {
            company_id: employee.company.id,
            owner: employee.user.id,
            name: ReportName::parse(&format!("Report {index}")).unwrap(),
            created_at: now,
        };
        let id = store.insert_expense_report(&report).await.expect("insert report");
        let fields = EntryFields {
            expense_type: ExpenseType::parse("meals").unwrap(),
            transaction_date: parse_date("2026-11-30").unwrap(),
            amount: Amount::parse(if passes { PASSING_AMOUNT } else { FAILING_AMOUNT }).unwrap(),
            currency: CurrencyCode::parse("EUR").unwrap(),
            business_purpose: BusinessPurpose::parse("Team lunch").unwrap(),
        };
        store.insert_expense_entry(id, &fields, None, now).await.expect("insert entry");
        reports.push((id.0, passes));
    }
    reports
}

/// The employee's browser, which outlives host restarts (sessions are stored).
struct Employee {
    client: reqwest::Client,
    base: String,
    cookies: CookieJar,
    csrf_token: String,
}

fn csrf_token(page: &str) -> Option<String> {
    let start = page.find("name=\"csrf_token\"")?;
    let tag = &page[start..start + page[start..].find('>')?];
    let value = &tag[tag.find("value=\"")? + "value=\"".len()..];
    Some(value[..value.find('"')?].to_owned())
}

impl Employee {
    async fn sign_in(setup: &Setup) -> Employee {
        let ca = std::fs::read(setup.certs.join("ca.pem")).expect("read CA");
        let client = reqwest::Client::builder()
            .use_rustls_tls()
            .tls_built_in_root_certs(false)
            .add_root_certificate(reqwest::Certificate::from_pem(&ca).expect("CA certificate"))
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .expect("HTTP client");
        let mut employee = Employee {
            client,
            base: format!("https://localhost:{}", setup.host_port),
            cookies: CookieJar::default(),
            csrf_token: String::new(),
        };
        let form = employee.send(employee.client.get(format!("{}/login", employee.base))).await.expect("sign-in form");
        let token = csrf_token(&form.1).expect("CSRF token on the sign-in form");
        let fields = [("csrf_token", token.as_str()), ("login", EMPLOYEE), ("password", USER_PASSWORD)];
        let signed_in = employee
            .send(employee.client.post(format!("{}/login", employee.base)).form(&fields))
            .await
            .expect("sign in");
        assert_eq!(signed_in.0, StatusCode::SEE_OTHER, "{}", signed_in.1);
        let page = employee.send(employee.client.get(format!("{}/expenses", employee.base))).await.expect("expenses");
        employee.csrf_token = csrf_token(&page.1).expect("CSRF token on the expenses page");
        employee
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Result<(StatusCode, String), reqwest::Error> {
        let request = match self.cookies.header() {
            Some(cookies) => request.header(COOKIE, cookies),
            None => request,
        };
        let response = request.send().await?;
        self.cookies.store(response.headers());
        let status = response.status();
        Ok((status, response.text().await?))
    }

    /// Submits a report until the host has it in the workflow. After a
    /// request cut off by a kill, the test reads the report's step in the
    /// database before it posts again, so no report is submitted twice.
    async fn submit(&self, report: i64, host_db: &Path) {
        loop {
            let action = format!("{}/expenses/reports/{report}/submit", self.base);
            let fields = [("csrf_token", self.csrf_token.as_str())];
            match self.send(self.client.post(action).form(&fields)).await {
                Ok((StatusCode::SEE_OTHER, _)) => return,
                Ok((status, text)) => assert!(status.is_server_error(), "submit report {report}: {status} {text}"),
                Err(_) => {}
            }
            if workflow_step(host_db, report).is_some() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

fn open_read_only(path: &Path) -> rusqlite::Connection {
    let connection = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .expect("open database read-only");
    connection.busy_timeout(Duration::from_secs(10)).expect("busy timeout");
    connection
}

fn workflow_step(host_db: &Path, report: i64) -> Option<String> {
    open_read_only(host_db)
        .query_row(
            "SELECT step FROM workflow_states WHERE object_type = 'EXPRPT' AND object_id = ?1",
            [report],
            |row| row.get(0),
        )
        .ok()
}

fn count(connection: &rusqlite::Connection, sql: &str) -> i64 {
    connection.query_row(sql, [], |row| row.get(0)).expect(sql)
}

/// Returns whether both sides are done: nothing queued on the host, every
/// report decided, and nothing waiting in the connector.
fn quiet(setup: &Setup, reports: usize) -> bool {
    let host = open_read_only(&setup.host_db);
    let connector = open_read_only(&setup.connector_db);
    count(&host, "SELECT count(*) FROM notifications WHERE status = 'queued'") == 0
        && undecided(setup, reports) == 0
        && count(&connector, "SELECT count(*) FROM notifications WHERE status = 'received'") == 0
}

/// Counts the reports that are not yet in `APPROVAL` or `SENT_BACK`.
fn undecided(setup: &Setup, reports: usize) -> i64 {
    let host = open_read_only(&setup.host_db);
    reports as i64 - count(&host, "SELECT count(*) FROM workflow_states WHERE step IN ('APPROVAL', 'SENT_BACK')")
}

fn rows<T: rusqlite::types::FromSql>(connection: &rusqlite::Connection, sql: &str) -> Vec<(T, i64)> {
    let mut statement = connection.prepare(sql).expect(sql);
    statement
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .expect(sql)
        .collect::<Result<_, _>>()
        .expect(sql)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_survive_killed_processes() {
    let report_count = env_number("CALLOUTS_RELIABILITY_REPORTS", 3_000) as usize;
    let kills = env_number("CALLOUTS_RELIABILITY_KILLS", 4) as usize;
    let seed = env_number("CALLOUTS_RELIABILITY_SEED", rand::rng().random());
    eprintln!("seed {seed} (CALLOUTS_RELIABILITY_SEED), {report_count} reports, {kills} kills of each process");
    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(seed);

    let dir = tempfile::tempdir().expect("temporary directory");
    let setup = Arc::new(Setup {
        dir: dir.path().to_owned(),
        certs: common::dev_ca(dir.path()),
        host_db: dir.path().join("host.db"),
        connector_db: dir.path().join("connector.db"),
        host_port: free_port(),
        connector_port: free_port(),
    });
    let (store, registrations, admin, employee, (registration, client_id, secret)) = prepare_host(&setup).await;
    let mut connector = Some(setup.start_connector(&client_id, &secret));
    activate(&registrations, &admin, registration).await;
    let reports = create_reports(&store, &employee, report_count, &mut rng).await;
    drop((registrations, store));
    eprintln!("prepared {report_count} reports in {:?}", started.elapsed());

    let mut host = Some(setup.start_host());
    let browser = Arc::new(Employee::sign_in(&setup).await);
    let mut submitters = Vec::new();
    for part in 0..SUBMITTERS {
        let ids: Vec<i64> = reports.iter().skip(part).step_by(SUBMITTERS).map(|(id, _)| *id).collect();
        let (browser, setup) = (browser.clone(), setup.clone());
        submitters.push(tokio::spawn(async move {
            for id in ids {
                browser.submit(id, &setup.host_db).await;
            }
        }));
    }

    // Kills at random moments while reports are submitted and notifications flow.
    let mut victims: Vec<bool> = (0..kills).flat_map(|_| [true, false]).collect();
    victims.shuffle(&mut rng);
    for kill_host in victims {
        tokio::time::sleep(Duration::from_millis(rng.random_range(300..3_000))).await;
        let down = Duration::from_millis(rng.random_range(0..1_000));
        let pending = undecided(&setup, report_count);
        assert!(pending > 0, "the system was quiet before a kill; submit more reports");
        if kill_host {
            drop(host.take());
            eprintln!("killed the host at {:?}, {pending} reports undecided", started.elapsed());
            tokio::time::sleep(down).await;
            host = Some(tokio::task::block_in_place(|| setup.start_host()));
        } else {
            drop(connector.take());
            eprintln!("killed the connector at {:?}, {pending} reports undecided", started.elapsed());
            tokio::time::sleep(down).await;
            connector = Some(tokio::task::block_in_place(|| setup.start_connector(&client_id, &secret)));
        }
    }
    for submitter in submitters {
        submitter.await.expect("submitter");
    }
    eprintln!("all reports submitted at {:?}", started.elapsed());

    let deadline = Instant::now() + QUIET_TIMEOUT;
    let mut is_quiet = quiet(&setup, report_count);
    while !is_quiet && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(500)).await;
        is_quiet = quiet(&setup, report_count);
    }
    if is_quiet {
        eprintln!("quiet at {:?}", started.elapsed());
    } else {
        eprintln!("not quiet after {QUIET_TIMEOUT:?} (at {:?}), checking the state anyway", started.elapsed());
    }
    drop(host);
    drop(connector);
    check(&setup, &reports);
    eprintln!("checked in {:?}", started.elapsed());
}

/// Reads both databases and checks delivery, decisions, final steps and order.
fn check(setup: &Setup, reports: &[(i64, bool)]) {
    let host = open_read_only(&setup.host_db);
    let connector = open_read_only(&setup.connector_db);

    let statuses: HashMap<String, i64> =
        rows(&host, "SELECT status, count(*) FROM notifications GROUP BY status").into_iter().collect();
    eprintln!("host notifications by status: {statuses:?}");
    assert_eq!(statuses.get("queued"), None, "notifications still queued on the host");
    assert_eq!(statuses.get("failed"), None, "notifications failed on the host");

    let per_object: HashMap<i64, i64> =
        rows(&host, "SELECT object_id, count(*) FROM notifications GROUP BY object_id").into_iter().collect();
    let steps: HashMap<i64, String> = rows::<String>(&host, "SELECT step, object_id FROM workflow_states")
        .into_iter()
        .map(|(step, id)| (id, step))
        .collect();
    let submits: HashMap<i64, i64> = rows(
        &host,
        "SELECT object_id, count(*) FROM workflow_events WHERE action = 'submit' GROUP BY object_id",
    )
    .into_iter()
    .collect();
    let decisions: HashMap<i64, i64> = rows(
        &host,
        "SELECT object_id, count(*) FROM workflow_events \
         WHERE registration_id IS NOT NULL AND from_step = 'EXTERNAL_VALIDATION_SUBMIT' GROUP BY object_id",
    )
    .into_iter()
    .collect();

    let (mut passed, mut sent_back) = (0, 0);
    for &(id, passes) in reports {
        let expected = if passes { "APPROVAL" } else { "SENT_BACK" };
        assert_eq!(steps.get(&id).map(String::as_str), Some(expected), "report {id}: step");
        assert_eq!(submits.get(&id), Some(&1), "report {id}: submissions");
        assert_eq!(per_object.get(&id), Some(&1), "report {id}: notifications queued");
        assert_eq!(decisions.get(&id), Some(&1), "report {id}: decisions at External Validation - Submit");
        if passes { passed += 1 } else { sent_back += 1 }
    }
    let stuck = count(&host, "SELECT count(*) FROM workflow_states WHERE step LIKE 'EXTERNAL_VALIDATION%'");
    assert_eq!(stuck, 0, "reports stuck in External Validation");

    let connector_statuses: HashMap<String, i64> =
        rows(&connector, "SELECT status, count(*) FROM notifications GROUP BY status").into_iter().collect();
    eprintln!("connector notifications by status: {connector_statuses:?}");
    assert_eq!(connector_statuses.get("received"), None, "notifications waiting in the connector");
    assert_eq!(connector_statuses.get("failed"), None, "notifications failed in the connector");
    let done_per_object: Vec<(String, i64)> = rows(
        &connector,
        "SELECT object_uri, count(*) FROM notifications WHERE status = 'done' GROUP BY object_uri HAVING count(*) > 1",
    );
    assert!(done_per_object.is_empty(), "objects decided more than once by the connector: {done_per_object:?}");
    let queued_uris: HashSet<String> = rows::<String>(&host, "SELECT object_uri, id FROM notifications")
        .into_iter()
        .map(|(uri, _)| uri)
        .collect();
    let received_uris: HashSet<String> = rows::<String>(&connector, "SELECT object_uri, id FROM notifications")
        .into_iter()
        .map(|(uri, _)| uri)
        .collect();
    assert_eq!(received_uris, queued_uris, "objects the connector received differ from those the host queued");

    // First-come-first-served: notifications delivered at their first attempt
    // arrived in the order the host queued them.
    let first_attempt: Vec<String> = rows::<String>(
        &host,
        "SELECT object_uri, id FROM notifications WHERE status = 'delivered' AND attempts = 1 ORDER BY id",
    )
    .into_iter()
    .map(|(uri, _)| uri)
    .collect();
    let first_attempt_uris: HashSet<&String> = first_attempt.iter().collect();
    let mut seen = HashSet::new();
    let received: Vec<String> =
        rows::<String>(&connector, "SELECT object_uri, id FROM notifications ORDER BY id")
            .into_iter()
            .map(|(uri, _)| uri)
            .filter(|uri| first_attempt_uris.contains(uri) && seen.insert(uri.clone()))
            .collect();
    let first_mismatch = first_attempt.iter().zip(&received).position(|(queued, arrived)| queued != arrived);
    assert_eq!(received.len(), first_attempt.len(), "notifications delivered at once but never received");
    assert_eq!(first_mismatch, None, "receive order differs from queue order");

    let received_rows = count(&connector, "SELECT count(*) FROM notifications");
    eprintln!(
        "checked {} reports: {passed} approved into APPROVAL, {sent_back} sent back, {} decisions, \
         {} notifications delivered ({} at the first attempt), {received_rows} received by the connector",
        reports.len(),
        decisions.values().sum::<i64>(),
        statuses.get("delivered").copied().unwrap_or(0),
        first_attempt.len(),
    );
}
