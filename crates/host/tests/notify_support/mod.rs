//! A scripted connector that records Event Notifications, and a host whose
//! registration of it lists External Validation steps, shared by the notification tests.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode as HttpStatus, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use host::Config;
use host::domain::accounts::{self, AccountError, CompanyInput, UserInput};
use host::domain::{Actor, RegistrationId};
use host::notifications::{NotificationStatus, StoredNotification};
use host::sandbox::model::{EntryFields, NewExpenseReport};
use host::sandbox::travel::model::NewTravelRequest;
use host::sandbox::values::{
    Amount, BusinessPurpose, CurrencyCode, ExpenseType, ReportName, parse_date,
};
use host::web::WebOptions;
use host::workflow::{ObjectRef, Workflow};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::sync::oneshot;

use crate::common::*;

pub const NOTIFY_PATH: &str = "/concur/v1.0/notify";

/// Numbers the logins of users, which must be unique in the host.
static USERS: AtomicUsize = AtomicUsize::new(1);

/// What the scripted connector does with one notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    Status(u16),
    /// Accepts the request and never responds.
    Hang,
}

/// One request as the scripted connector received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub authorization: Option<String>,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    pub at: Instant,
}

impl Received {
    pub fn notification(&self) -> protocol::Notification {
        protocol::Notification::parse(&self.body).expect("the host sends a valid Notification")
    }
}

#[derive(Clone)]
struct ScriptState {
    received: Arc<Mutex<Vec<Received>>>,
    script: Arc<Mutex<VecDeque<Reply>>>,
    otherwise: Arc<Mutex<Reply>>,
}

/// A connector on loopback over TLS that passes Test Connection and records
/// every other request. It responds with the next scripted reply, or with
/// the default reply once the script is used up.
pub struct ScriptedConnector {
    pub origin: String,
    state: ScriptState,
    stop: Option<oneshot::Sender<()>>,
}

impl ScriptedConnector {
    pub fn received(&self) -> Vec<Received> {
        self.state.received.lock().unwrap().clone()
    }

    /// Sets the reply after the script is used up.
    pub fn reply_otherwise(&self, reply: Reply) {
        *self.state.otherwise.lock().unwrap() = reply;
    }

    /// Waits until at least `count` requests arrived and returns them all.
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> Vec<Received> {
        eventually(timeout, || async {
            let received = self.received();
            (received.len() >= count).then_some(received)
        })
        .await
        .unwrap_or_else(|| {
            panic!(
                "fewer than {count} requests within {timeout:?}: {:?}",
                self.received().len()
            )
        })
    }

    /// Stops listening; later connections are refused.
    pub async fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The CA of the scripted connectors; each test makes its own.
pub struct ScriptCa(tls::dev_ca::DevCa);

impl ScriptCa {
    pub fn new() -> ScriptCa {
        ScriptCa(tls::dev_ca::DevCa::generate("scripted connector CA").expect("generate CA"))
    }

    pub fn pem(&self) -> Vec<u8> {
        self.0.certificate_pem().as_bytes().to_vec()
    }

    /// Starts a connector that replies with `script`, then `otherwise`.
    pub async fn spawn(&self, script: &[Reply], otherwise: Reply) -> ScriptedConnector {
        let state = ScriptState {
            received: Arc::new(Mutex::new(Vec::new())),
            script: Arc::new(Mutex::new(script.iter().copied().collect())),
            otherwise: Arc::new(Mutex::new(otherwise)),
        };
        let router = Router::new()
            .route("/system/v1.0/testconnection", get(|| async { "OK" }))
            .fallback(answer)
            .with_state(state.clone());
        let (origin, stop) = serve_tls(&self.0, router).await;
        ScriptedConnector {
            origin,
            state,
            stop: Some(stop),
        }
    }
}

async fn answer(
    State(state): State<ScriptState>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let header_text = |name| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    state.received.lock().unwrap().push(Received {
        path: uri.path().to_owned(),
        authorization: header_text(header::AUTHORIZATION),
        content_type: header_text(header::CONTENT_TYPE),
        body: body.to_vec(),
        at: Instant::now(),
    });
    let scripted = state.script.lock().unwrap().pop_front();
    let reply = scripted.unwrap_or_else(|| *state.otherwise.lock().unwrap());
    match reply {
        Reply::Hang => std::future::pending::<Response>().await,
        Reply::Status(status) => {
            (HttpStatus::from_u16(status).expect("valid status"), "").into_response()
        }
    }
}

/// Polls `check` every 50 ms until it returns a value or `timeout` passes.
pub async fn eventually<T, F, Fut>(timeout: Duration, mut check: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return Some(value);
        }
        if Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Short retries: waits of 1 to 2 seconds, three attempts, calls of at most 2 seconds.
pub fn notify_config() -> Config {
    let mut config = test_config();
    config.notifications.retry_base_secs = 1;
    config.notifications.retry_max_secs = 2;
    config.notifications.max_attempts = 3;
    config.outbound.connect_timeout_secs = 2;
    config.outbound.total_timeout_secs = 2;
    config
}

/// Workflow steps of the event-notification service: both steps, both object types.
pub fn both_steps() -> Value {
    json!([
        {"step": "External Validation - Submit", "expense_reports": true, "travel_requests": true},
        {"step": "External Validation - Pre-Extract", "expense_reports": true, "travel_requests": true},
    ])
}

/// A host with the pages, a registration of a scripted connector, and an
/// administrator and an employee of its company Acme (Standard).
pub struct Notifying {
    pub host: TestHost,
    /// The CA the host trusts, for further connectors.
    pub ca: ScriptCa,
    pub workflow: Arc<Workflow>,
    pub connector: ScriptedConnector,
    pub registration: RegistrationId,
    /// API token of a Can Administer user of Acme.
    pub admin_token: String,
    pub admin: Actor,
    pub employee: Actor,
}

/// Starts a connector with `script`/`otherwise` and a host whose
/// registration of it lists `steps`, with `config`.
pub async fn start(config: Config, steps: Value, script: &[Reply], otherwise: Reply) -> Notifying {
    let ca = ScriptCa::new();
    let connector = ca.spawn(script, otherwise).await;
    let tester = host::tester::outbound_tester(&config.outbound, vec![ca.pem()], true)
        .expect("build outbound client");
    let mut workflow = None;
    let host = spawn_host_mounting(Arc::new(tester), config, |app| {
        workflow = Some(Arc::clone(&app.workflow));
        Some(host::web::router(app, WebOptions::new(true)))
    })
    .await;
    let admin_token = host.administrator("Acme").await;
    let admin = actor_of_token(&host, &admin_token).await;
    let registration = register(&host, &admin_token, &connector.origin, steps).await;
    let employee = user(&host, "Acme", "standard", false, &["employee"]).await;
    Notifying {
        host,
        ca,
        workflow: workflow.expect("the host was assembled"),
        connector,
        registration,
        admin_token,
        admin,
        employee,
    }
}

/// Starts another host instance on the database of `setup`, trusting the
/// same CA, and returns it with its workflow.
pub async fn start_second_host(setup: &Notifying, config: Config) -> (TestHost, Arc<Workflow>) {
    let tester = host::tester::outbound_tester(&config.outbound, vec![setup.ca.pem()], true)
        .expect("build outbound client");
    let mut workflow = None;
    let host = spawn_host_on(
        Arc::clone(&setup.host.database),
        Arc::new(tester),
        config,
        |app| {
            workflow = Some(Arc::clone(&app.workflow));
            Some(host::web::router(app, WebOptions::new(true)))
        },
    )
    .await;
    (host, workflow.expect("the host was assembled"))
}

pub async fn actor_of_token(host: &TestHost, token: &str) -> Actor {
    host::domain::accounts::actor_for_api_token(host.store.as_ref(), token)
        .await
        .expect("read the user")
        .expect("the user exists")
}

/// Registers `origin`, runs Test Connection, and enables Event Notification with `steps`.
pub async fn register(host: &TestHost, token: &str, origin: &str, steps: Value) -> RegistrationId {
    let body = json!({
        "name": format!("Validator at {origin}"),
        "host_name": origin,
        "user_name": CONNECTOR_USER,
        "password": CONNECTOR_PASSWORD,
    });
    let created = host.post("/api/v1/connectors", token, &body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = created.body["id"].as_i64().expect("registration id");
    let tested = host
        .post(
            &format!("/api/v1/connectors/{id}/test-connection"),
            token,
            &json!({}),
        )
        .await;
    assert_eq!(tested.body["verified"], true, "{}", tested.text);
    let service = json!({"enabled": true, "endpoint_path": NOTIFY_PATH, "workflow_steps": steps});
    let configured = host
        .put(
            &format!("/api/v1/connectors/{id}/services/event-notification"),
            token,
            &service,
        )
        .await;
    assert_eq!(configured.status, StatusCode::OK, "{}", configured.text);
    RegistrationId(id)
}

/// Creates a user of `company` (and the company when missing) with a login of its own.
pub async fn user(
    host: &TestHost,
    company: &str,
    edition: &str,
    development_partner: bool,
    roles: &[&str],
) -> Actor {
    let created = accounts::create_company(
        host.store.as_ref(),
        &CompanyInput {
            name: company.to_owned(),
            edition: edition.to_owned(),
            development_partner,
        },
    )
    .await;
    assert!(
        matches!(created, Ok(_) | Err(AccountError::CompanyExists(_))),
        "{created:?}"
    );
    let login = format!(
        "user-{}@{}",
        USERS.fetch_add(1, Ordering::Relaxed),
        company.to_lowercase()
    );
    accounts::create_user(
        host.store.as_ref(),
        &UserInput {
            company_name: company.to_owned(),
            login: login.clone(),
            roles: roles.iter().map(|role| (*role).to_owned()).collect(),
            password: host::Secret::new(USER_PASSWORD),
        },
    )
    .await
    .expect("create user");
    let credentials = host
        .store
        .user_by_login(&login)
        .await
        .expect("read user")
        .expect("user exists");
    credentials.actor
}

/// Returns the token of a new API token of `actor`.
pub async fn token_of(host: &TestHost, actor: &Actor) -> String {
    accounts::issue_api_token(host.store.as_ref(), &actor.user.login)
        .await
        .expect("issue token")
        .expose()
        .to_owned()
}

pub fn fields(amount: &str) -> EntryFields {
    EntryFields {
        expense_type: ExpenseType::parse("meals").unwrap(),
        transaction_date: parse_date("2026-11-30").unwrap(),
        amount: Amount::parse(amount).unwrap(),
        currency: CurrencyCode::parse("EUR").unwrap(),
        business_purpose: BusinessPurpose::parse("Dinner with a customer").unwrap(),
    }
}

/// Creates an expense report of `owner` with one entry and returns it.
pub async fn report_of(host: &TestHost, owner: &Actor, name: &str) -> ObjectRef {
    let report = NewExpenseReport {
        company_id: owner.company.id,
        owner: owner.user.id,
        name: ReportName::parse(name).unwrap(),
        created_at: time::OffsetDateTime::now_utc(),
    };
    let id = host
        .store
        .insert_expense_report(&report)
        .await
        .expect("insert report");
    host.store
        .insert_expense_entry(id, &fields("42.50"), None, time::OffsetDateTime::now_utc())
        .await
        .expect("insert entry");
    ObjectRef::expense_report(id.0)
}

/// Creates a travel request of `owner` with one expected expense and returns it.
pub async fn travel_request_of(host: &TestHost, owner: &Actor, name: &str) -> ObjectRef {
    let request = NewTravelRequest {
        company_id: owner.company.id,
        owner: owner.user.id,
        name: ReportName::parse(name).unwrap(),
        purpose: BusinessPurpose::parse("Customer workshop").unwrap(),
        start_date: parse_date("2026-12-07").unwrap(),
        end_date: parse_date("2026-12-09").unwrap(),
        created_at: time::OffsetDateTime::now_utc(),
    };
    let id = host
        .store
        .insert_travel_request(&request)
        .await
        .expect("insert travel request");
    host.store
        .insert_expected_expense(id, &fields("300.00"), time::OffsetDateTime::now_utc())
        .await
        .expect("insert expected expense");
    ObjectRef::travel_request(id.0)
}

impl Notifying {
    /// Returns the notifications of Acme in `statuses`, oldest first.
    pub async fn notifications(&self, statuses: &[NotificationStatus]) -> Vec<StoredNotification> {
        self.host
            .store
            .notifications(self.admin.company.id, statuses, 1000)
            .await
            .expect("read notifications")
    }

    /// Waits until Acme has `count` notifications in `status`.
    pub async fn wait_for_status(
        &self,
        status: NotificationStatus,
        count: usize,
        timeout: Duration,
    ) -> Vec<StoredNotification> {
        eventually(timeout, || async {
            let found = self.notifications(&[status]).await;
            (found.len() >= count).then_some(found)
        })
        .await
        .unwrap_or_else(|| panic!("fewer than {count} {status:?} notifications within {timeout:?}"))
    }

    /// Changes the registration's password through the API, which clears
    /// its Verified state and leaves Event Notification enabled.
    pub async fn unverify(&self) {
        let changed = self
            .host
            .patch(
                &format!("/api/v1/connectors/{}", self.registration.0),
                &self.admin_token,
                &json!({"password": "another-password-123"}),
            )
            .await;
        assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
        assert_eq!(changed.body["verified"], false, "{}", changed.text);
        assert_eq!(
            changed.body["services"]["event-notification"]["enabled"], true,
            "{}",
            changed.text
        );
    }
}
