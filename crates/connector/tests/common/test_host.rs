//! A host for notification and launch tests: the documented token, object,
//! workflow, exception and custom field web services over real TLS,
//! recording every call it receives.

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Form, Json, Router};
use connector::config::ListValueRule;
use connector::server::{HttpListener, ListenerSettings};
use connector::store::{ListImport, ListRow};
use connector::{Config, Secret};
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub const CLIENT_ID: &str = "validating-connector";
pub const CLIENT_SECRET: &str = "client-secret-of-the-test-registration";
/// The registration's version 4 OAuth client id, which launch codes are bound to.
pub const LAUNCH_CLIENT_ID: &str = "launch-oauth-client";
/// The registration's version 4 redirect URL, which launch codes are bound to.
pub const REDIRECT_URL: &str = "https://connector.example.com/oauth/callback";

/// Path of report `id` on the test host.
pub fn report_path(id: &str) -> String {
    format!("/api/expense/v1/reports/{id}")
}

/// One request the host received.
#[derive(Debug, Clone)]
pub struct RecordedCall {
    pub method: String,
    pub path: String,
    /// The `Authorization` header as sent.
    pub authorization: Option<String>,
    pub body: String,
}

/// State of the test host, which tests change between steps.
#[derive(Default)]
pub struct HostState {
    pub calls: Vec<RecordedCall>,
    /// Reports by id, in the documented JSON form.
    pub reports: HashMap<String, Value>,
    /// Access tokens that the host accepts.
    pub valid_tokens: HashSet<String>,
    /// Refresh tokens not yet used.
    pub refresh_tokens: HashSet<String>,
    /// Launch codes (`client_auth_code`) not yet exchanged.
    pub launch_codes: HashSet<String>,
    pub issued: u32,
    /// `expires_in` of new tokens, in seconds; 3600 unless set.
    pub expires_in: Option<u64>,
    /// Statuses returned one per request, before requests are handled
    /// normally, by route: `token`, `object`, `workflow`, `exceptions` or
    /// `custom_field`.
    pub injected: HashMap<&'static str, VecDeque<u16>>,
    /// Routes that return `500` to every request.
    pub always_failing: HashSet<&'static str>,
    /// Routes that return `409 not_waiting` to every request.
    pub always_conflicting: HashSet<&'static str>,
    /// How long the workflow route waits after carrying out an action and
    /// before responding, as a host whose response gets lost.
    pub workflow_response_delay: Option<Duration>,
}

impl HostState {
    /// Calls whose path ends with `suffix`.
    pub fn calls_to(&self, suffix: &str) -> Vec<RecordedCall> {
        self.calls
            .iter()
            .filter(|call| call.path.ends_with(suffix))
            .cloned()
            .collect()
    }

    /// Token requests, each form parsed into a JSON object.
    pub fn token_forms(&self) -> Vec<Value> {
        self.calls_to("/oauth2/v0/token")
            .iter()
            .map(|call| serde_json::from_str(&call.body).expect("token form is recorded as JSON"))
            .collect()
    }

    /// Bodies of the workflow calls, parsed.
    pub fn workflow_bodies(&self) -> Vec<Value> {
        self.calls_to("/workflow")
            .iter()
            .map(|call| serde_json::from_str(&call.body).expect("workflow body is JSON"))
            .collect()
    }
}

/// A running test host.
pub struct TestHost {
    /// `https://127.0.0.1:PORT`.
    pub origin: String,
    pub address: SocketAddr,
    pub state: Arc<Mutex<HostState>>,
    /// PEM file of the CA that issued the host's certificate.
    pub ca_file: PathBuf,
    _directory: tempfile::TempDir,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
}

impl TestHost {
    /// Starts the host on 127.0.0.1:0 with a certificate from a fresh dev CA.
    pub async fn start() -> TestHost {
        let ca = tls::dev_ca::DevCa::generate("test host CA").expect("generate host CA");
        let issued = ca
            .issue_server(&["127.0.0.1".to_owned(), "localhost".to_owned()])
            .expect("issue host certificate");
        let server_tls = tls::server::server_config_from_pem(
            issued.chain_pem.as_bytes(),
            issued.private_key_pem.as_bytes(),
        )
        .expect("build host TLS configuration");
        let directory = tempfile::tempdir().expect("temporary directory");
        let ca_file = directory.path().join("host-ca.pem");
        std::fs::write(&ca_file, ca.certificate_pem()).expect("write host CA");

        let state = Arc::new(Mutex::new(HostState::default()));
        let settings = ListenerSettings {
            tls_handshake: Duration::from_secs(5),
            header_read: Duration::from_secs(5),
            idle: Duration::from_secs(30),
            max_connections: 64,
            max_connections_per_client: 64,
            shutdown_grace: Duration::from_secs(1),
        };
        let listener = HttpListener::bind(
            "127.0.0.1:0".parse().unwrap(),
            router(Arc::clone(&state)),
            Some(server_tls),
            &settings,
        )
        .await
        .expect("bind test host");
        let address = listener.local_addr();
        let (shutdown, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(listener.run(async move {
            let _ = stopped.await;
        }));

        TestHost {
            origin: format!("https://127.0.0.1:{}", address.port()),
            address,
            state,
            ca_file,
            _directory: directory,
            shutdown: Some(shutdown),
            task: Some(task),
        }
    }

    /// Locks the state for a look or a change.
    pub fn state(&self) -> std::sync::MutexGuard<'_, HostState> {
        self.state.lock().unwrap()
    }

    /// Adds a report and returns its ObjectURI.
    pub fn add_report(&self, report: Value) -> String {
        let id = report["id"].as_str().expect("report id").to_owned();
        self.state().reports.insert(id.clone(), report);
        format!("{}{}", self.origin, report_path(&id))
    }

    /// Issues a launch code that the token endpoint exchanges once.
    pub fn issue_launch_code(&self) -> String {
        let code = format!("lc_{}", uuid::Uuid::new_v4().simple());
        self.state().launch_codes.insert(code.clone());
        code
    }

    /// Returns a report as it is now.
    pub fn report(&self, id: &str) -> Value {
        self.state().reports[id].clone()
    }

    /// Stops the host and waits for it.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
        }
    }
}

impl Drop for TestHost {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

/// Builds a report waiting in External Validation - Submit, with the given entries.
pub fn report(id: &str, custom_fields: Value, entries: Vec<Value>) -> Value {
    json!({
        "id": id,
        "object_type": "EXPRPT",
        "name": "December visit",
        "owner_login": "employee",
        "purpose": "Customer visit",
        "currency": "USD",
        "total": "0.00",
        "workflow_step": "EXTERNAL_VALIDATION_SUBMIT",
        "custom_fields": custom_fields,
        "entries": entries,
        "exceptions": []
    })
}

/// Builds an entry with an amount, an optional list code and custom fields.
pub fn entry(id: &str, expense_type: &str, amount: &str, list_code: Option<&str>, custom_fields: Value) -> Value {
    let list_item = match list_code {
        Some(code) => json!({"list_name": "Projects", "code": code, "text": "Project"}),
        None => Value::Null,
    };
    json!({
        "id": id,
        "expense_type": expense_type,
        "date": "2026-12-01",
        "amount": amount,
        "currency": "USD",
        "approved_amount": amount,
        "business_purpose": "Customer visit",
        "list_item": list_item,
        "custom_fields": custom_fields,
        "attendees": [],
        "exceptions": []
    })
}

/// Builds a Notification for the object at `event_date_time`.
pub fn notification_xml(object_uri: &str, event_date_time: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <Notification>\
         <EventType>Report Entered Expense Report Workflow Step - SUBMIT</EventType>\
         <ObjectType>EXPRPT</ObjectType>\
         <ObjectURI>{object_uri}</ObjectURI>\
         <EventDateTime>{event_date_time}</EventDateTime>\
         <Context>test</Context>\
         </Notification>"
    )
}

/// Builds the configuration of the processing tests. The rules: list value
/// in `Projects`, Meals at most 100.00, `Custom1` on the report and
/// `Custom2` on each entry. Three attempts, 20 to 100 ms apart.
pub fn processing_config(host: &TestHost) -> Config {
    let mut config = super::test_config();
    config.host.origin = host.origin.clone();
    config.host.client_id = CLIENT_ID.to_owned();
    config.host.client_secret = Secret::new(CLIENT_SECRET);
    config.host.trusted_ca_files = vec![host.ca_file.clone()];
    config.validation.list_value = Some(ListValueRule {
        list: "Projects".to_owned(),
        required: false,
    });
    config
        .validation
        .amount_limits
        .insert("Meals".to_owned(), "100.00".to_owned());
    config.validation.required_fields.report = vec!["Custom1".to_owned()];
    config.validation.required_fields.entry = vec!["Custom2".to_owned()];
    config.notifications.max_attempts = 3;
    config.notifications.retry_initial_delay_ms = 20;
    config.notifications.retry_max_delay_ms = 100;
    config
}

pub fn projects_list() -> ListImport {
    let row = |line, parent: &str, code: &str, text: &str| ListRow {
        line,
        parent: parent.to_owned(),
        code: code.to_owned(),
        text: text.to_owned(),
        lang: None,
    };
    ListImport {
        list_name: "Projects".to_owned(),
        default_lang: "EN".to_owned(),
        rows: vec![
            row(2, "", "P", "Projects"),
            row(3, "P", "100", "Website"),
            row(4, "P", "200", "Mobile app"),
        ],
    }
}

type Shared = Arc<Mutex<HostState>>;

fn router(state: Shared) -> Router {
    Router::new()
        .route("/oauth2/v0/token", post(token))
        .route("/api/expense/v1/reports/{id}", get(read_report))
        .route("/api/expense/v1/reports/{id}/workflow", post(workflow))
        .route("/api/expense/v1/reports/{id}/exceptions", post(add_exception))
        .route("/api/expense/v1/items/{kind}/{id}/custom-fields/{code}", put(write_custom_field))
        .with_state(state)
}

fn error(status: u16, code: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap();
    (status, Json(json!({"error": code, "error_description": "set by the test"}))).into_response()
}

/// Records the call and returns the response a test set up for the route, if any.
fn record(state: &Shared, route: &'static str, method: &str, path: String, headers: &HeaderMap, body: String) -> Option<Response> {
    let mut state = state.lock().unwrap();
    let authorization = headers
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    state.calls.push(RecordedCall {
        method: method.to_owned(),
        path,
        authorization: authorization.clone(),
        body,
    });

    if let Some(status) = state.injected.get_mut(route).and_then(VecDeque::pop_front) {
        return Some(error(status, "injected"));
    }
    if state.always_failing.contains(route) {
        return Some(error(500, "server_error"));
    }
    if route == "token" {
        return None;
    }
    let token = authorization.as_deref().and_then(|value| value.strip_prefix("Bearer "));
    if !token.is_some_and(|token| state.valid_tokens.contains(token)) {
        return Some(error(401, "invalid_token"));
    }
    if state.always_conflicting.contains(route) {
        return Some(error(409, "not_waiting"));
    }
    None
}

async fn token(State(state): State<Shared>, headers: HeaderMap, Form(form): Form<HashMap<String, String>>) -> Response {
    let body = serde_json::to_string(&form).unwrap();
    if let Some(response) = record(&state, "token", "POST", "/oauth2/v0/token".to_owned(), &headers, body) {
        return response;
    }
    let mut state = state.lock().unwrap();
    let field = |name: &str| form.get(name).map(String::as_str);
    let known_client = matches!(field("client_id"), Some(CLIENT_ID | LAUNCH_CLIENT_ID));
    if !known_client || field("client_secret") != Some(CLIENT_SECRET) {
        return error(401, "invalid_client");
    }
    match field("grant_type") {
        Some("client_credentials") if field("client_id") == Some(CLIENT_ID) => {}
        Some("refresh_token") => {
            let refresh = field("refresh_token").unwrap_or_default().to_owned();
            if !state.refresh_tokens.remove(&refresh) {
                return error(400, "invalid_grant");
            }
        }
        Some("authorization_code") => {
            let code = field("code").unwrap_or_default().to_owned();
            let bound = field("client_id") == Some(LAUNCH_CLIENT_ID) && field("redirect_uri") == Some(REDIRECT_URL);
            if !bound || !state.launch_codes.remove(&code) {
                return error(400, "invalid_grant");
            }
        }
        _ => return error(400, "unsupported_grant_type"),
    }

    state.issued += 1;
    let access = format!("access-{}", state.issued);
    let refresh = format!("refresh-{}", state.issued);
    state.valid_tokens.insert(access.clone());
    state.refresh_tokens.insert(refresh.clone());
    let expires_in = state.expires_in.unwrap_or(3600);
    Json(json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": expires_in,
        "refresh_token": refresh,
        "scope": "company"
    }))
    .into_response()
}

async fn read_report(State(state): State<Shared>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    if let Some(response) = record(&state, "object", "GET", report_path(&id), &headers, String::new()) {
        return response;
    }
    match state.lock().unwrap().reports.get(&id) {
        Some(report) => Json(report.clone()).into_response(),
        None => error(404, "not_found"),
    }
}

async fn workflow(State(state): State<Shared>, Path(id): Path<String>, headers: HeaderMap, body: String) -> Response {
    let path = format!("{}/workflow", report_path(&id));
    if let Some(response) = record(&state, "workflow", "POST", path, &headers, body.clone()) {
        return response;
    }
    let action: Value = match serde_json::from_str(&body) {
        Ok(action) => action,
        Err(_) => return error(400, "invalid_request"),
    };
    let delay = {
        let mut state = state.lock().unwrap();
        let delay = state.workflow_response_delay;
        let Some(report) = state.reports.get_mut(&id) else {
            return error(404, "not_found");
        };
        let step = report["workflow_step"].as_str().unwrap_or_default();
        if !step.starts_with("EXTERNAL_VALIDATION") {
            return error(409, "not_waiting");
        }
        let next = match action["action"].as_str() {
            Some("approve") => "APPROVAL",
            Some("send_back") => "SENT_BACK",
            _ => return error(400, "invalid_request"),
        };
        report["workflow_step"] = json!(next);
        delay
    };
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    Json(json!({"workflow_step": "changed"})).into_response()
}

async fn add_exception(State(state): State<Shared>, Path(id): Path<String>, headers: HeaderMap, body: String) -> Response {
    let path = format!("{}/exceptions", report_path(&id));
    if let Some(response) = record(&state, "exceptions", "POST", path, &headers, body.clone()) {
        return response;
    }
    let exception: Value = match serde_json::from_str(&body) {
        Ok(exception) => exception,
        Err(_) => return error(400, "invalid_request"),
    };
    let mut state = state.lock().unwrap();
    let Some(report) = state.reports.get_mut(&id) else {
        return error(404, "not_found");
    };
    let recorded = json!({"code": exception["code"], "message": exception["message"]});
    let target = match exception["entry_id"].as_str() {
        None => &mut report["exceptions"],
        Some(entry_id) => {
            let entries = report["entries"].as_array_mut().unwrap();
            match entries.iter_mut().find(|entry| entry["id"] == entry_id) {
                Some(entry) => &mut entry["exceptions"],
                None => return error(404, "not_found"),
            }
        }
    };
    target.as_array_mut().unwrap().push(recorded);
    (StatusCode::CREATED, Json(json!({}))).into_response()
}

/// Writes a custom field value, as `PUT {item_url}/custom-fields/{code}` does.
async fn write_custom_field(State(state): State<Shared>, Path((kind, id, code)): Path<(String, String, String)>, headers: HeaderMap, body: String) -> Response {
    let path = format!("/api/expense/v1/items/{kind}/{id}/custom-fields/{code}");
    if let Some(response) = record(&state, "custom_field", "PUT", path, &headers, body.clone()) {
        return response;
    }
    let value = serde_json::from_str::<Value>(&body).ok().and_then(|body| body["value"].as_str().map(str::to_owned));
    let Some(value) = value else {
        return error(400, "invalid_request");
    };
    Json(json!({"type": "ENTRY", "id": id, "custom_fields": [{"code": code, "value": value}]})).into_response()
}
