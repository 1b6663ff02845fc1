//! Three hosts and two connectors share PostgreSQL while instances are killed.
//!
//! Three `callouts host serve` processes run on one PostgreSQL schema and
//! two `callouts connector serve` processes on another. Both stores have a
//! `notifications` and a `schema_migrations` table, so the two sides cannot
//! share one schema. A round-robin TCP proxy in the test sits in front of
//! each side, so the registration names one connector origin and the
//! connectors' `[host] origin` names one host origin. TLS passes through
//! the proxies, and every instance serves the same certificate.
//!
//! The employee submits reports through the host proxy, and the connectors
//! validate them through the host web services: a Meals entry above 75.00
//! is sent back, any other report is approved into `APPROVAL`. Meanwhile
//! Fetch List and Fetch Attendee callouts go to the connector proxy, and
//! each instance is killed with SIGKILL and started again at random moments
//! (seeded, the seed is printed). Once the system is quiet, the test reads
//! both schemas: every notification delivered, each report decided exactly
//! once, none stuck. With several hosts delivering at once, the connector
//! receives notifications out of queue order, so unlike the single-host
//! reliability test this one does not check the order. Last, one signed
//! version 1 launch goes to both connectors at once: exactly one of them
//! accepts it, and the other rejects the used nonce.
//!
//! The test needs `CALLOUTS_TEST_POSTGRES_URL` (for example
//! `postgres://postgres@127.0.0.1:5432/test`) and skips without it.
//! `CALLOUTS_SCALE_OUT_REPORTS` (default 2,000), `CALLOUTS_SCALE_OUT_CALLOUTS`
//! (default 300), `CALLOUTS_SCALE_OUT_KILLS` (kills of each instance,
//! default 2), `CALLOUTS_SCALE_OUT_QUIET_SECS` (the wait for the system to
//! become quiet, default 240) and `CALLOUTS_SCALE_OUT_SEED` change the run.
//! With `CALLOUTS_TEST_SERVER_LOG=FILE`, every instance appends its log to FILE.
//!
//! The connectors run with a 5-second claim lease, so a notification that a
//! killed connector was processing goes to another instance 5 seconds later.

mod common;
#[path = "../../host/tests/web_support/cookie_jar.rs"]
mod cookie_jar;

use std::collections::HashMap;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::{ServerProcess, callouts, succeed, tls_args};
use cookie_jar::CookieJar;
use host::Secret;
use host::domain::accounts::{self, CompanyInput, UserInput};
use host::domain::services::{ServiceInput, ServiceSettingsInput, WorkflowStepInput};
use host::domain::{Actor, RegistrationId, RegistrationInput, Registrations, ServiceKind};
use host::sandbox::model::{EntryFields, NewExpenseReport};
use host::sandbox::values::{
    Amount, BusinessPurpose, CurrencyCode, ExpenseType, ReportName, parse_date,
};
use host::store::{HostStore, PostgresHostStore};
use protocol::{LaunchCredentials, LaunchV1};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use reqwest::StatusCode;
use reqwest::header::COOKIE;
use sqlx::PgPool;
use testing::{POSTGRES_URL_VARIABLE, TestSchema};
use tokio::task::JoinHandle;

/// Base64 of 32 bytes of 0x2a; only for tests.
const KEY: &str = "KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio=";
const CONNECTOR_USER: &str = "scale-out-connector";
const CONNECTOR_PASSWORD: &str = "connector-password-1";
const EMPLOYEE: &str = "employee@acme";
const USER_PASSWORD: &str = "user-password-for-tests";
const NOTIFY_PATH: &str = "/concur/v1.0/notify";
const LIST_PATH: &str = "/concur/list/v1.2/fetch";
const ATTENDEE_PATH: &str = "/concur/attendee/v2.0/fetch";
const LAUNCH_V1_PATH: &str = "/concur/form/v1.0/get";
/// The imported list that Fetch List serves and the launch pages pick from.
const LIST: &str = "Cities";
const HOSTS: usize = 3;
const CONNECTORS: usize = 2;
/// Amounts of the one Meals entry of a passing and of a failing report.
const PASSING_AMOUNT: &str = "42.00";
const FAILING_AMOUNT: &str = "90.00";
/// Reports submitted at once through the host proxy.
const SUBMITTERS: usize = 6;
/// Callouts sent at once to the connector proxy.
const CALLOUT_CLIENTS: usize = 4;
/// Attempts of one callout; a kill cuts off the requests in flight.
const CALLOUT_ATTEMPTS: usize = 20;
/// How long the system gets, by default, to become quiet after all reports
/// are submitted. A default run becomes quiet about 40 seconds after the
/// last submission on a 2-CPU machine with debug builds.
const QUIET_TIMEOUT_SECS: u64 = 240;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

/// Returns a loopback port that is free now; each instance keeps its port across restarts.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind a free port")
        .local_addr()
        .expect("address")
        .port()
}

/// Starts a round-robin TCP proxy on a free loopback port in front of
/// `backends`. A backend that refuses the connection is skipped for the
/// next one. Returns the port and the task, which the caller aborts.
// A hand-written proxy because no workspace crate balances TCP, and
// `copy_bidirectional` passes TLS through untouched.
async fn start_balancer(backends: Vec<u16>) -> (u16, JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the proxy");
    let port = listener.local_addr().expect("proxy address").port();
    let next = Arc::new(AtomicUsize::new(0));
    let backends = Arc::new(backends);
    let task = tokio::spawn(async move {
        loop {
            let Ok((mut inbound, _)) = listener.accept().await else {
                continue;
            };
            let first = next.fetch_add(1, Ordering::Relaxed);
            let backends = backends.clone();
            tokio::spawn(async move {
                for offset in 0..backends.len() {
                    let backend = backends[(first + offset) % backends.len()];
                    if let Ok(mut outbound) =
                        tokio::net::TcpStream::connect(("127.0.0.1", backend)).await
                    {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                        return;
                    }
                }
            });
        }
    });
    (port, task)
}

/// The files, schemas and ports of one run.
struct Setup {
    dir: PathBuf,
    certs: PathBuf,
    host_schema: TestSchema,
    connector_schema: TestSchema,
    host_ports: Vec<u16>,
    connector_ports: Vec<u16>,
    host_balancer: u16,
    connector_balancer: u16,
}

impl Setup {
    fn host_origin(&self) -> String {
        format!("https://localhost:{}", self.host_balancer)
    }

    fn start_host(&self, instance: usize) -> ServerProcess {
        // Notifications name objects under `public_origin`, and the
        // connectors accept only objects under their `[host] origin`, so
        // every host names the proxy rather than its own port.
        let config = self.dir.join("host.toml");
        let text = format!(
            "public_origin = \"{origin}\"\n\n\
             [outbound]\ntotal_timeout_secs = 2\nallow_private_addresses = true\n\n\
             [notifications]\nretry_base_secs = 1\nretry_max_secs = 2\nmax_attempts = 1000\n",
            origin = self.host_origin(),
        );
        std::fs::write(&config, text).expect("write host configuration");
        let mut command = Command::new(env!("CARGO_BIN_EXE_callouts"));
        command
            .args([
                "host",
                "serve",
                "--listen",
                &format!("127.0.0.1:{}", self.host_ports[instance]),
            ])
            .args(["--db", self.host_schema.url()])
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

    fn start_connector(&self, instance: usize, client_id: &str, secret: &str) -> ServerProcess {
        let config = self.dir.join("connector.toml");
        let text = format!(
            "[host]\norigin = \"{origin}\"\nclient_id = \"{client_id}\"\ntrusted_ca_files = [\"{ca}\"]\n\n\
             [notifications]\nmax_attempts = 1000\nretry_initial_delay_ms = 100\nretry_max_delay_ms = 1000\nclaim_lease_secs = 5\n\n\
             [validation.amount_limits]\nMeals = \"75.00\"\n\n\
             [launch]\nlist = \"{LIST}\"\nv1_field = \"CostObject\"\n",
            origin = self.host_origin(),
            ca = self.certs.join("ca.pem").display(),
        );
        std::fs::write(&config, text).expect("write connector configuration");
        let mut command = callouts();
        command
            .args([
                "connector",
                "serve",
                "--listen",
                &format!("127.0.0.1:{}", self.connector_ports[instance]),
            ])
            .args(["--db", self.connector_schema.url()])
            .args(tls_args(&self.certs))
            .arg("--config")
            .arg(&config)
            .env("CALLOUTS_CONNECTOR_USERNAME", CONNECTOR_USER)
            .env("CALLOUTS_CONNECTOR_PASSWORD", CONNECTOR_PASSWORD)
            .env("CALLOUTS_CONNECTOR_HOST_CLIENT_SECRET", secret);
        ServerProcess::start(command, "connector started")
    }

    /// Imports the list that Fetch List and the launch pages use.
    fn import_list(&self) {
        let file = self.dir.join("cities.csv");
        std::fs::write(
            &file,
            "parent,code,text\n,BER,Berlin\n,MUC,Munich\n,PAR,Paris\n",
        )
        .expect("write list file");
        succeed(
            callouts()
                .args([
                    "connector",
                    "import",
                    "list",
                    "--name",
                    LIST,
                    "--db",
                    self.connector_schema.url(),
                ])
                .arg(&file),
        );
    }
}

/// Builds an HTTP client that trusts only the test CA, follows no redirects
/// and pools no connections, so that each request passes the proxy on its own.
fn client(setup: &Setup) -> reqwest::Client {
    let ca = std::fs::read(setup.certs.join("ca.pem")).expect("read CA");
    reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(&ca).expect("CA certificate"))
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(10))
        .build()
        .expect("HTTP client")
}

async fn create_user(store: &dyn HostStore, login: &str, role: &str) -> Actor {
    let input = UserInput {
        company_name: "Acme".to_owned(),
        login: login.to_owned(),
        roles: vec![role.to_owned()],
        password: Secret::new(USER_PASSWORD),
    };
    accounts::create_user(store, &input)
        .await
        .expect("create user");
    store
        .user_by_login(login)
        .await
        .expect("read user")
        .expect("user exists")
        .actor
}

/// The host's side after [`prepare_host`].
struct Prepared {
    store: Arc<PostgresHostStore>,
    registrations: Registrations,
    admin: Actor,
    employee: Actor,
    registration: RegistrationId,
    client_id: String,
    secret: String,
}

/// Creates the company, its users and the registration of the connector
/// proxy, with client credentials.
async fn prepare_host(setup: &Setup) -> Prepared {
    let store = Arc::new(
        PostgresHostStore::open(setup.host_schema.url())
            .await
            .expect("open host store"),
    );
    let company = CompanyInput {
        name: "Acme".to_owned(),
        edition: "standard".to_owned(),
        development_partner: false,
    };
    accounts::create_company(store.as_ref(), &company)
        .await
        .expect("create company");
    let admin = create_user(store.as_ref(), "admin@acme", "can-administer").await;
    let employee = create_user(store.as_ref(), EMPLOYEE, "employee").await;
    let ca_pem = std::fs::read(setup.certs.join("ca.pem")).expect("read CA");
    let outbound =
        host::tester::outbound_tester(&host::config::OutboundConfig::default(), vec![ca_pem], true)
            .expect("outbound client");
    let cipher = host::crypto::PasswordCipher::from_base64(KEY).expect("key");
    let registrations = Registrations::new(store.clone(), Arc::new(cipher), Arc::new(outbound));
    let input = RegistrationInput {
        name: Some("Validator".to_owned()),
        description: None,
        host_name: Some(format!("https://localhost:{}", setup.connector_balancer)),
        user_name: Some(CONNECTOR_USER.to_owned()),
        password: Some(Secret::new(CONNECTOR_PASSWORD)),
    };
    let registration = registrations
        .create(&admin, &input)
        .await
        .expect("create registration");
    let credentials = host::connector_access::generate_client_credentials(
        store.as_ref(),
        &registrations,
        &admin,
        registration.id,
    )
    .await
    .expect("client credentials");
    Prepared {
        secret: credentials.client_secret.expose().to_owned(),
        client_id: credentials.client_id,
        registration: registration.id,
        store,
        registrations,
        admin,
        employee,
    }
}

/// Tests the connection and enables Event Notification at the Submit step.
async fn activate(prepared: &Prepared) {
    let tested = prepared
        .registrations
        .test_connection(&prepared.admin, prepared.registration)
        .await
        .expect("test connection");
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
    prepared
        .registrations
        .configure_service(
            &prepared.admin,
            prepared.registration,
            ServiceKind::EventNotification,
            &service,
        )
        .await
        .expect("configure Event Notification");
}

/// Creates `count` reports of one Meals entry each; returns each report id
/// with whether it should pass validation.
async fn create_reports(
    store: &dyn HostStore,
    employee: &Actor,
    count: usize,
    rng: &mut StdRng,
) -> Vec<(i64, bool)> {
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
        let id = store
            .insert_expense_report(&report)
            .await
            .expect("insert report");
        let fields = EntryFields {
            expense_type: ExpenseType::parse("meals").unwrap(),
            transaction_date: parse_date("2026-11-30").unwrap(),
            amount: Amount::parse(if passes {
                PASSING_AMOUNT
            } else {
                FAILING_AMOUNT
            })
            .unwrap(),
            currency: CurrencyCode::parse("EUR").unwrap(),
            business_purpose: BusinessPurpose::parse("Team lunch").unwrap(),
        };
        store
            .insert_expense_entry(id, &fields, None, now)
            .await
            .expect("insert entry");
        reports.push((id.0, passes));
    }
    reports
}

/// The employee's browser, signed in through the host proxy. Sessions are
/// stored in the shared schema, so every host instance accepts them.
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
        let mut employee = Employee {
            client: client(setup),
            base: setup.host_origin(),
            cookies: CookieJar::default(),
            csrf_token: String::new(),
        };
        let form = employee
            .send(employee.client.get(format!("{}/login", employee.base)))
            .await
            .expect("sign-in form");
        let token = csrf_token(&form.1).expect("CSRF token on the sign-in form");
        let fields = [
            ("csrf_token", token.as_str()),
            ("login", EMPLOYEE),
            ("password", USER_PASSWORD),
        ];
        let signed_in = employee
            .send(
                employee
                    .client
                    .post(format!("{}/login", employee.base))
                    .form(&fields),
            )
            .await
            .expect("sign in");
        assert_eq!(signed_in.0, StatusCode::SEE_OTHER, "{}", signed_in.1);
        let page = employee
            .send(employee.client.get(format!("{}/expenses", employee.base)))
            .await
            .expect("expenses");
        employee.csrf_token = csrf_token(&page.1).expect("CSRF token on the expenses page");
        employee
    }

    async fn send(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<(StatusCode, String), reqwest::Error> {
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
    /// request cut off by a kill, the test reads the report's step before
    /// it posts again, so no report is submitted twice.
    async fn submit(&self, report: i64, host: &PgPool) {
        loop {
            let action = format!("{}/expenses/reports/{report}/submit", self.base);
            let fields = [("csrf_token", self.csrf_token.as_str())];
            match self.send(self.client.post(action).form(&fields)).await {
                Ok((StatusCode::SEE_OTHER, _)) => return,
                Ok((status, text)) => assert!(
                    status.is_server_error(),
                    "submit report {report}: {status} {text}"
                ),
                Err(_) => {}
            }
            if workflow_step(host, report).await.is_some() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

async fn workflow_step(host: &PgPool, report: i64) -> Option<String> {
    sqlx::query_scalar(
        "SELECT step FROM workflow_states WHERE object_type = 'EXPRPT' AND object_id = $1",
    )
    .bind(report)
    .fetch_optional(host)
    .await
    .expect("read workflow step")
}

async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.expect(sql)
}

async fn counts_by(pool: &PgPool, sql: &str) -> HashMap<String, i64> {
    sqlx::query_as::<_, (String, i64)>(sql)
        .fetch_all(pool)
        .await
        .expect(sql)
        .into_iter()
        .collect()
}

async fn counts_by_id(pool: &PgPool, sql: &str) -> HashMap<i64, i64> {
    sqlx::query_as::<_, (i64, i64)>(sql)
        .fetch_all(pool)
        .await
        .expect(sql)
        .into_iter()
        .collect()
}

/// Counts the reports that are not yet in `APPROVAL` or `SENT_BACK`.
async fn undecided(host: &PgPool, reports: usize) -> i64 {
    reports as i64
        - count(
            host,
            "SELECT count(*) FROM workflow_states WHERE step IN ('APPROVAL', 'SENT_BACK')",
        )
        .await
}

/// Returns whether both sides are done: nothing queued on the host, every
/// report decided, and nothing waiting in the connectors.
async fn quiet(host: &PgPool, connector: &PgPool, reports: usize) -> bool {
    count(
        host,
        "SELECT count(*) FROM notifications WHERE status = 'queued'",
    )
    .await
        == 0
        && undecided(host, reports).await == 0
        && count(
            connector,
            "SELECT count(*) FROM notifications WHERE status = 'received'",
        )
        .await
            == 0
}

/// Sends `count` Fetch List and Fetch Attendee callouts to the connector
/// proxy, each retried until it succeeds. Returns the retries.
async fn send_callouts(setup: Arc<Setup>, count: usize) -> usize {
    let client = client(&setup);
    let base = format!("https://localhost:{}", setup.connector_balancer);
    let list = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><fetch-list-request><long-code/><short-code/>\
         <query>B*</query><search-by>TEXT</search-by><lang-code>EN</lang-code><num-to-return>25</num-to-return>\
         <list-name>{LIST}</list-name></fetch-list-request>"
    );
    let attendee = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><AttendeeSearchRequest><Attendee>\
         <AttendeeTypeCode/><FirstName/><MiddleInitial/><LastName>Doe</LastName><Suffix/><Title/><Company/>\
         <ExternalID/><OwnerLoginID>employee@acme</OwnerLoginID><MaximumNumberRecords/></Attendee></AttendeeSearchRequest>";
    let mut retries = 0;
    for index in 0..count {
        let (path, body, expected) = if index % 2 == 0 {
            (LIST_PATH, list.clone(), "BER")
        } else {
            (ATTENDEE_PATH, attendee.to_owned(), "AttendeeSearchResponse")
        };
        let mut last = String::new();
        let mut succeeded = false;
        for _ in 0..CALLOUT_ATTEMPTS {
            let sent = client
                .post(format!("{base}{path}"))
                .basic_auth(CONNECTOR_USER, Some(CONNECTOR_PASSWORD))
                .header("Content-Type", "application/xml; charset=utf-8")
                .body(body.clone())
                .send()
                .await;
            match sent {
                Ok(response) if response.status() == StatusCode::OK => {
                    let text = response.text().await.unwrap_or_default();
                    assert!(text.contains(expected), "{path}: {text}");
                    succeeded = true;
                    break;
                }
                Ok(response) => {
                    let status = response.status();
                    assert!(status.is_server_error(), "{path}: {status}");
                    last = status.to_string();
                }
                Err(error) => last = error.to_string(),
            }
            retries += 1;
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert!(
            succeeded,
            "{path}: no success in {CALLOUT_ATTEMPTS} attempts, last {last}"
        );
    }
    retries
}

/// Sends one signed version 1 launch to both connectors at the same moment.
/// Returns the statuses and bodies, in connector order.
async fn launch_twice(setup: &Setup) -> Vec<(StatusCode, String)> {
    let launch = LaunchV1 {
        company_domain: "acme.example".to_owned(),
        user_id: EMPLOYEE.to_owned(),
        item_url: format!("{}/api/expense/v1/items/entries/1", setup.host_origin()),
        nonce: uuid::Uuid::new_v4().to_string(),
    };
    let credentials = LaunchCredentials {
        username: CONNECTOR_USER,
        password: CONNECTOR_PASSWORD,
    };
    let query = launch.to_query(credentials);
    let client = client(setup);
    let requests = setup.connector_ports.iter().map(|port| {
        let request = client.get(format!("https://localhost:{port}{LAUNCH_V1_PATH}?{query}"));
        async move {
            let response = request.send().await.expect("send launch");
            (response.status(), response.text().await.unwrap_or_default())
        }
    });
    futures_join_all(requests.collect()).await
}

/// Runs futures at once and returns their outputs in order.
// Spawned tasks instead of the `futures` crate, which the test does not use.
async fn futures_join_all<F>(futures: Vec<F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let tasks: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut outputs = Vec::with_capacity(tasks.len());
    for task in tasks {
        outputs.push(task.await.expect("launch task"));
    }
    outputs
}

/// The running instances, by side and index.
struct Instances {
    hosts: Vec<Option<ServerProcess>>,
    connectors: Vec<Option<ServerProcess>>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scale_out_survives_killed_instances() {
    let Ok(admin_url) = std::env::var(POSTGRES_URL_VARIABLE) else {
        eprintln!("skipping the scale-out test: {POSTGRES_URL_VARIABLE} is not set");
        return;
    };
    let report_count = env_number("CALLOUTS_SCALE_OUT_REPORTS", 2_000) as usize;
    let callout_count = env_number("CALLOUTS_SCALE_OUT_CALLOUTS", 300) as usize;
    let kills = env_number("CALLOUTS_SCALE_OUT_KILLS", 2) as usize;
    let seed = env_number("CALLOUTS_SCALE_OUT_SEED", rand::rng().random());
    eprintln!(
        "seed {seed} (CALLOUTS_SCALE_OUT_SEED), {report_count} reports, {callout_count} callouts, \
         {kills} kills of each of {HOSTS} hosts and {CONNECTORS} connectors"
    );
    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(seed);

    let dir = tempfile::tempdir().expect("temporary directory");
    let host_ports: Vec<u16> = (0..HOSTS).map(|_| free_port()).collect();
    let connector_ports: Vec<u16> = (0..CONNECTORS).map(|_| free_port()).collect();
    let (host_balancer, host_proxy) = start_balancer(host_ports.clone()).await;
    let (connector_balancer, connector_proxy) = start_balancer(connector_ports.clone()).await;
    let setup = Arc::new(Setup {
        dir: dir.path().to_owned(),
        certs: common::dev_ca(dir.path()),
        host_schema: TestSchema::create(&admin_url, "scale_out_host").await,
        connector_schema: TestSchema::create(&admin_url, "scale_out_connector").await,
        host_ports,
        connector_ports,
        host_balancer,
        connector_balancer,
    });
    let host_pool = PgPool::connect(setup.host_schema.url())
        .await
        .expect("connect to the host schema");

    let prepared = prepare_host(&setup).await;
    setup.import_list();
    let mut instances = Instances {
        hosts: Vec::new(),
        connectors: (0..CONNECTORS)
            .map(|instance| {
                Some(setup.start_connector(instance, &prepared.client_id, &prepared.secret))
            })
            .collect(),
    };
    let connector_pool = PgPool::connect(setup.connector_schema.url())
        .await
        .expect("connect to the connector schema");
    activate(&prepared).await;
    let reports = create_reports(
        prepared.store.as_ref(),
        &prepared.employee,
        report_count,
        &mut rng,
    )
    .await;
    eprintln!("prepared {report_count} reports in {:?}", started.elapsed());
    instances.hosts = (0..HOSTS)
        .map(|instance| Some(setup.start_host(instance)))
        .collect();

    let browser = Arc::new(Employee::sign_in(&setup).await);
    let mut submitters = Vec::new();
    for part in 0..SUBMITTERS {
        let ids: Vec<i64> = reports
            .iter()
            .skip(part)
            .step_by(SUBMITTERS)
            .map(|(id, _)| *id)
            .collect();
        let (browser, pool) = (browser.clone(), host_pool.clone());
        submitters.push(tokio::spawn(async move {
            for id in ids {
                browser.submit(id, &pool).await;
            }
        }));
    }
    let callers: Vec<_> = (0..CALLOUT_CLIENTS)
        .map(|part| {
            let share = callout_count / CALLOUT_CLIENTS
                + usize::from(part < callout_count % CALLOUT_CLIENTS);
            tokio::spawn(send_callouts(setup.clone(), share))
        })
        .collect();

    // Kills at random moments while reports are submitted and notifications flow.
    let mut victims: Vec<(bool, usize)> = (0..kills)
        .flat_map(|_| {
            (0..HOSTS)
                .map(|index| (true, index))
                .chain((0..CONNECTORS).map(|index| (false, index)))
        })
        .collect();
    victims.shuffle(&mut rng);
    for (is_host, index) in victims {
        tokio::time::sleep(Duration::from_millis(rng.random_range(300..2_000))).await;
        let down = Duration::from_millis(rng.random_range(0..1_000));
        let pending = undecided(&host_pool, report_count).await;
        assert!(
            pending > 0,
            "the system was quiet before a kill; submit more reports"
        );
        let side = if is_host { "host" } else { "connector" };
        if is_host {
            drop(instances.hosts[index].take());
        } else {
            drop(instances.connectors[index].take());
        }
        eprintln!(
            "killed {side} {index} at {:?}, {pending} reports undecided",
            started.elapsed()
        );
        tokio::time::sleep(down).await;
        if is_host {
            instances.hosts[index] = Some(tokio::task::block_in_place(|| setup.start_host(index)));
        } else {
            let started = tokio::task::block_in_place(|| {
                setup.start_connector(index, &prepared.client_id, &prepared.secret)
            });
            instances.connectors[index] = Some(started);
        }
    }
    for submitter in submitters {
        submitter.await.expect("submitter");
    }
    eprintln!("all reports submitted at {:?}", started.elapsed());
    let mut callout_retries = 0;
    for caller in callers {
        callout_retries += caller.await.expect("callout client");
    }
    eprintln!(
        "{callout_count} callouts succeeded with {callout_retries} retries at {:?}",
        started.elapsed()
    );

    let quiet_timeout = Duration::from_secs(env_number(
        "CALLOUTS_SCALE_OUT_QUIET_SECS",
        QUIET_TIMEOUT_SECS,
    ));
    let deadline = Instant::now() + quiet_timeout;
    let mut is_quiet = quiet(&host_pool, &connector_pool, report_count).await;
    let mut last_progress = Instant::now();
    while !is_quiet && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(500)).await;
        is_quiet = quiet(&host_pool, &connector_pool, report_count).await;
        if last_progress.elapsed() >= Duration::from_secs(10) {
            last_progress = Instant::now();
            let delivered = count(
                &host_pool,
                "SELECT count(*) FROM notifications WHERE status = 'delivered'",
            )
            .await;
            let pending = undecided(&host_pool, report_count).await;
            eprintln!(
                "{delivered} notifications delivered, {pending} reports undecided at {:?}",
                started.elapsed()
            );
        }
    }
    if is_quiet {
        eprintln!("quiet at {:?}", started.elapsed());
    } else {
        eprintln!(
            "not quiet after {quiet_timeout:?} (at {:?}), checking the state anyway",
            started.elapsed()
        );
    }

    let launches = launch_twice(&setup).await;
    drop(instances);
    host_proxy.abort();
    connector_proxy.abort();
    check(&host_pool, &connector_pool, &reports).await;
    check_launches(&launches);
    host_pool.close().await;
    connector_pool.close().await;
    eprintln!("checked in {:?}", started.elapsed());
}

/// Checks delivery, decisions and final steps in both schemas.
async fn check(host: &PgPool, connector: &PgPool, reports: &[(i64, bool)]) {
    let statuses = counts_by(
        host,
        "SELECT status, count(*) FROM notifications GROUP BY status",
    )
    .await;
    eprintln!("host notifications by status: {statuses:?}");
    let connector_statuses = counts_by(
        connector,
        "SELECT status, count(*) FROM notifications GROUP BY status",
    )
    .await;
    eprintln!("connector notifications by status: {connector_statuses:?}");
    print_undecided(host, connector).await;
    let errors = counts_by(
        host,
        "SELECT coalesce(last_error, '') || ' (' || attempts || ' attempts)', count(*) FROM notifications \
         WHERE status <> 'delivered' GROUP BY 1",
    )
    .await;
    if !errors.is_empty() {
        eprintln!("host notifications not delivered, by last error: {errors:?}");
    }
    assert_eq!(
        statuses.get("queued"),
        None,
        "notifications still queued on the host"
    );
    assert_eq!(
        statuses.get("failed"),
        None,
        "notifications failed on the host"
    );

    let per_object = counts_by_id(
        host,
        "SELECT object_id, count(*) FROM notifications GROUP BY object_id",
    )
    .await;
    let steps: HashMap<i64, String> = sqlx::query_as::<_, (i64, String)>(
        "SELECT object_id, step FROM workflow_states WHERE object_type = 'EXPRPT'",
    )
    .fetch_all(host)
    .await
    .expect("read workflow steps")
    .into_iter()
    .collect();
    let submits = counts_by_id(
        host,
        "SELECT object_id, count(*) FROM workflow_events WHERE action = 'submit' GROUP BY object_id",
    )
    .await;
    let decisions = counts_by_id(
        host,
        "SELECT object_id, count(*) FROM workflow_events \
         WHERE registration_id IS NOT NULL AND from_step = 'EXTERNAL_VALIDATION_SUBMIT' GROUP BY object_id",
    )
    .await;

    let (mut passed, mut sent_back) = (0, 0);
    for &(id, passes) in reports {
        let expected = if passes { "APPROVAL" } else { "SENT_BACK" };
        assert_eq!(
            steps.get(&id).map(String::as_str),
            Some(expected),
            "report {id}: step"
        );
        assert_eq!(submits.get(&id), Some(&1), "report {id}: submissions");
        assert_eq!(
            per_object.get(&id),
            Some(&1),
            "report {id}: notifications queued"
        );
        assert_eq!(
            decisions.get(&id),
            Some(&1),
            "report {id}: decisions at External Validation - Submit"
        );
        if passes { passed += 1 } else { sent_back += 1 }
    }
    let stuck = count(
        host,
        "SELECT count(*) FROM workflow_states WHERE step LIKE 'EXTERNAL_VALIDATION%'",
    )
    .await;
    assert_eq!(stuck, 0, "reports stuck in External Validation");

    assert_eq!(
        connector_statuses.get("received"),
        None,
        "notifications waiting in the connectors"
    );
    assert_eq!(
        connector_statuses.get("failed"),
        None,
        "notifications failed in the connectors"
    );
    let decided_twice = counts_by(
        connector,
        "SELECT object_uri, count(*) FROM notifications WHERE status = 'done' GROUP BY object_uri HAVING count(*) > 1",
    )
    .await;
    assert!(
        decided_twice.is_empty(),
        "objects decided more than once by the connectors: {decided_twice:?}"
    );
    let queued_uris: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT object_uri FROM notifications ORDER BY object_uri")
            .fetch_all(host)
            .await
            .expect("read queued objects");
    let received_uris: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT object_uri FROM notifications ORDER BY object_uri")
            .fetch_all(connector)
            .await
            .expect("read received objects");
    assert_eq!(
        received_uris, queued_uris,
        "objects the connectors received differ from those the hosts queued"
    );

    let received_rows = count(connector, "SELECT count(*) FROM notifications").await;
    eprintln!(
        "checked {} reports: {passed} approved into APPROVAL, {sent_back} sent back, {} decisions, \
         {} notifications delivered, {received_rows} received by the connectors",
        reports.len(),
        decisions.values().sum::<i64>(),
        statuses.get("delivered").copied().unwrap_or(0),
    );
}

/// Prints what the connectors stored for each report still in External
/// Validation, so that a failure shows where the decision was lost.
async fn print_undecided(host: &PgPool, connector: &PgPool) {
    let stuck: Vec<String> = sqlx::query_scalar(
        "SELECT n.object_uri FROM notifications AS n JOIN workflow_states AS w \
         ON w.object_type = n.object_type AND w.object_id = n.object_id \
         WHERE w.step LIKE 'EXTERNAL_VALIDATION%' ORDER BY n.id LIMIT 10",
    )
    .fetch_all(host)
    .await
    .expect("read undecided objects");
    for uri in stuck {
        let rows: Vec<(String, i32, bool, Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT status, attempts, decision_sent, decision, last_error FROM notifications \
             WHERE object_uri = $1 ORDER BY id",
        )
        .bind(&uri)
        .fetch_all(connector)
        .await
        .expect("read the connectors' notifications");
        eprintln!(
            "undecided {uri}: connector rows (status, attempts, decision sent, decision, last error) {rows:?}"
        );
    }
}

/// Checks that exactly one connector accepted the launch and the other
/// rejected its nonce as used.
fn check_launches(launches: &[(StatusCode, String)]) {
    let statuses: Vec<StatusCode> = launches.iter().map(|(status, _)| *status).collect();
    eprintln!("one launch sent to both connectors: {statuses:?}");
    let accepted = statuses
        .iter()
        .filter(|status| **status == StatusCode::SEE_OTHER)
        .count();
    assert_eq!(accepted, 1, "launches accepted: {launches:?}");
    let rejected: Vec<&String> = launches
        .iter()
        .filter(|(status, _)| *status == StatusCode::FORBIDDEN)
        .map(|(_, body)| body)
        .collect();
    assert_eq!(rejected.len(), 1, "launches rejected: {launches:?}");
    assert!(
        rejected[0].contains("nonce already used"),
        "rejection: {}",
        rejected[0]
    );
}
