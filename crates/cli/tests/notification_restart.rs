//! A notification in flight when the `callouts host serve` process is
//! killed is sent again by the next process on the same database.

mod common;

use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use common::ServerProcess;
use host::domain::accounts::{self, CompanyInput, UserInput};
use host::domain::services::{ServiceInput, ServiceSettingsInput, WorkflowStepInput};
use host::domain::{Actor, RegistrationInput, Registrations, ServiceKind};
use host::notifications::{NotificationStatus, NotificationWaker, StoredNotification};
use host::public_origin::PublicOrigin;
use host::sandbox::model::{EntryFields, NewExpenseReport};
use host::sandbox::values::{Amount, BusinessPurpose, CurrencyCode, ExpenseType, ReportName, parse_date};
use host::store::{ExpenseStore, HostStore, NotificationStore, SqliteHostStore};
use host::workflow::{ObjectRef, Workflow};
use host::Secret;

/// Base64 of 32 bytes of 0x2a; only for tests.
const KEY: &str = "KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio=";
const CONNECTOR_USER: &str = "connector-user";
const CONNECTOR_PASSWORD: &str = "connector-password-1";
const NOTIFY_PATH: &str = "/concur/v1.0/notify";

/// The connector: the first notification hangs, later ones get `200`.
#[derive(Clone, Default)]
struct Recorded(Arc<Mutex<Vec<Vec<u8>>>>);

async fn notify(State(recorded): State<Recorded>, body: Bytes) -> Response {
    let first = {
        let mut bodies = recorded.0.lock().unwrap();
        bodies.push(body.to_vec());
        bodies.len() == 1
    };
    if first {
        std::future::pending::<()>().await;
    }
    "OK".into_response()
}

/// Starts the connector over TLS with a certificate of `ca` and returns its origin.
async fn spawn_connector(ca: &tls::dev_ca::DevCa, recorded: Recorded) -> String {
    let issued = ca.issue_server(&["localhost".to_owned()]).expect("issue certificate");
    let server_tls = tls::server::server_config_from_pem(issued.chain_pem.as_bytes(), issued.private_key_pem.as_bytes())
        .expect("server TLS");
    let router = Router::new()
        .route("/system/v1.0/testconnection", get(|| async { "OK" }))
        .route(NOTIFY_PATH, post(notify))
        .with_state(recorded);
    let settings = connector::server::ListenerSettings {
        tls_handshake: Duration::from_secs(5),
        header_read: Duration::from_secs(5),
        idle: Duration::from_secs(60),
        max_connections: 64,
        max_connections_per_client: 64,
        shutdown_grace: Duration::from_millis(100),
    };
    let listener = connector::server::HttpListener::bind("127.0.0.1:0".parse().unwrap(), router, Some(server_tls), &settings)
        .await
        .expect("bind connector");
    let origin = format!("https://localhost:{}", listener.local_addr().port());
    tokio::spawn(listener.run(std::future::pending::<()>()));
    origin
}

async fn create_user(store: &SqliteHostStore, login: &str, role: &str) -> Actor {
    let input = UserInput {
        company_name: "Acme".to_owned(),
        login: login.to_owned(),
        roles: vec![role.to_owned()],
        password: Secret::new("user-password-for-tests"),
    };
    accounts::create_user(store, &input).await.expect("create user");
    store.user_by_login(login).await.expect("read user").expect("user exists").actor
}

/// Registers the connector with Event Notification at the Submit step,
/// and queues one notification by submitting a report. Returns the company's administrator.
async fn prepare(db: &std::path::Path, origin: &str, ca_pem: Vec<u8>) -> Actor {
    let store = Arc::new(SqliteHostStore::open(db).expect("open store"));
    let company = CompanyInput {
        name: "Acme".to_owned(),
        edition: "standard".to_owned(),
        development_partner: false,
    };
    accounts::create_company(store.as_ref(), &company).await.expect("create company");
    let admin = create_user(&store, "admin@acme", "can-administer").await;
    let employee = create_user(&store, "employee@acme", "employee").await;

    let outbound = host::tester::outbound_tester(&host::config::OutboundConfig::default(), vec![ca_pem], true)
        .expect("outbound client");
    let cipher = host::crypto::PasswordCipher::from_base64(KEY).expect("key");
    let registrations = Registrations::new(store.clone(), Arc::new(cipher), Arc::new(outbound));
    let input = RegistrationInput {
        name: Some("Validator".to_owned()),
        description: None,
        host_name: Some(origin.to_owned()),
        user_name: Some(CONNECTOR_USER.to_owned()),
        password: Some(Secret::new(CONNECTOR_PASSWORD)),
    };
    let registration = registrations.create(&admin, &input).await.expect("create registration");
    let tested = registrations.test_connection(&admin, registration.id).await.expect("test connection");
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
        .configure_service(&admin, registration.id, ServiceKind::EventNotification, &service)
        .await
        .expect("configure Event Notification");

    let now = time::OffsetDateTime::now_utc();
    let report = NewExpenseReport {
        company_id: employee.company.id,
        owner: employee.user.id,
        name: ReportName::parse("Killed in flight").unwrap(),
        created_at: now,
    };
    let report_id = store.insert_expense_report(&report).await.expect("insert report");
    let fields = EntryFields {
        expense_type: ExpenseType::parse("meals").unwrap(),
        transaction_date: parse_date("2026-11-30").unwrap(),
        amount: Amount::parse("12.00").unwrap(),
        currency: CurrencyCode::parse("EUR").unwrap(),
        business_purpose: BusinessPurpose::parse("Lunch").unwrap(),
    };
    store.insert_expense_entry(report_id, &fields, None, now).await.expect("insert entry");
    let workflow = Workflow::new(store.clone(), PublicOrigin::new(Some("https://host.example.com")), NotificationWaker::default());
    let submitted = workflow
        .submit(&employee, ObjectRef::expense_report(report_id.0))
        .await
        .expect("submit");
    assert_eq!(submitted.notifications.len(), 1);
    admin
}

fn serve(dir: &std::path::Path, db: &std::path::Path, ca_path: &std::path::Path) -> ServerProcess {
    let ca = tls::dev_ca::DevCa::generate("host CA").expect("generate host CA");
    let issued = ca.issue_server(&["localhost".to_owned()]).expect("issue host certificate");
    let cert = dir.join("host.pem");
    let key = dir.join("host.key");
    std::fs::write(&cert, &issued.chain_pem).expect("write certificate");
    std::fs::write(&key, &issued.private_key_pem).expect("write key");
    let config = dir.join("host.toml");
    std::fs::write(&config, "[outbound]\ntotal_timeout_secs = 3\nallow_private_addresses = true\n").expect("write config");

    let mut command = Command::new(env!("CARGO_BIN_EXE_callouts"));
    command
        .args(["host", "serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(db)
        .arg("--tls-cert")
        .arg(&cert)
        .arg("--tls-key")
        .arg(&key)
        .arg("--trust-ca")
        .arg(ca_path)
        .arg("--config")
        .arg(&config)
        .env("CALLOUTS_HOST_SECRET_KEY", KEY)
        .env_remove("CALLOUTS_USER_PASSWORD")
        .stdin(Stdio::null());
    ServerProcess::start(command, "host started")
}

async fn wait_until(timeout: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    done()
}

async fn notifications(db: &std::path::Path, admin: &Actor, status: NotificationStatus) -> Vec<StoredNotification> {
    let store = SqliteHostStore::open(db).expect("open store");
    store.notifications(admin.company.id, &[status], 10).await.expect("read notifications")
}

#[tokio::test]
async fn killed_host_sends_notification_again() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let db = dir.path().join("host.db");
    let connector_ca = tls::dev_ca::DevCa::generate("connector CA").expect("generate connector CA");
    let ca_path = dir.path().join("connector-ca.pem");
    std::fs::write(&ca_path, connector_ca.certificate_pem()).expect("write CA");
    let recorded = Recorded::default();
    let origin = spawn_connector(&connector_ca, recorded.clone()).await;
    let admin = prepare(&db, &origin, connector_ca.certificate_pem().as_bytes().to_vec()).await;

    let first = serve(dir.path(), &db, &ca_path);
    let sent = wait_until(Duration::from_secs(30), || recorded.0.lock().unwrap().len() == 1).await;
    assert!(sent, "the first process did not send the notification");
    drop(first);
    let in_flight = notifications(&db, &admin, NotificationStatus::Queued).await;

    let _second = serve(dir.path(), &db, &ca_path);
    let resent = wait_until(Duration::from_secs(40), || recorded.0.lock().unwrap().len() >= 2).await;
    assert!(resent, "the second process did not send the notification again");
    let mut delivered = Vec::new();
    for _ in 0..50 {
        delivered = notifications(&db, &admin, NotificationStatus::Delivered).await;
        if !delivered.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let bodies = recorded.0.lock().unwrap().clone();

    assert_eq!(in_flight.len(), 1, "killed while sending, the notification stays queued");
    assert_eq!(in_flight[0].attempts, 0, "no attempt was recorded before the kill");
    assert!(in_flight[0].lease_until.is_some(), "the killed process held a lease");
    assert_eq!(bodies.len(), 2);
    assert_eq!(bodies[0], bodies[1], "the same notification is sent again");
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].attempts, 1);
}
