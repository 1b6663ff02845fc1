//! A report validated by the connector through the host web services: the
//! host notifies the connector at both External Validation steps, and the
//! connector reads the report with its client credentials and decides.

use std::path::Path;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;

use super::common::{ServerProcess, callouts, stdout, succeed};
use super::web_session::WebSession;
use super::{
    Api, CONNECTOR_PASSWORD, CONNECTOR_USER, EMPLOYEE_LOGIN, USER_PASSWORD, address, bootstrap_host, choose_at_level,
    dev_ca, serve_host, tls_arguments,
};

const APPROVER_LOGIN: &str = "approver@acme";
/// Every project the employee may pick; only P100 is active.
const PROJECTS_CSV: &str = "parent,code,text\n,P100,Website relaunch\n,P200,Retired intranet\n";
const ACTIVE_PROJECTS_CSV: &str = "parent,code,text\n,P100,Website relaunch\n";
const WAIT: Duration = Duration::from_secs(60);

/// Imports `projects`, served by Fetch List, and `active-projects`, the list
/// the validation rule checks entries against. Returns the database path.
fn import_projects(dir: &Path) -> std::path::PathBuf {
    let db = dir.join("connector.db");
    for (name, text) in [("projects", PROJECTS_CSV), ("active-projects", ACTIVE_PROJECTS_CSV)] {
        let file = dir.join(format!("{name}.csv"));
        std::fs::write(&file, text).expect("write list file");
        let imported = succeed(callouts().args(["connector", "import", "list", "--name", name, "--db"]).arg(&db).arg(&file));
        assert!(stdout(&imported).contains("inserted"), "{}", stdout(&imported));
    }
    db
}

/// Starts the connector with the list-value rule and the host's client credentials.
fn serve_validating_connector(dir: &Path, db: &Path, certs: &Path, host_origin: &str, client_id: &str, secret: &str) -> ServerProcess {
    let config = dir.join("connector.toml");
    let text = format!(
        "[host]\norigin = \"{host_origin}\"\nclient_id = \"{client_id}\"\ntrusted_ca_files = [\"{ca}\"]\n\n\
         [notifications]\nretry_initial_delay_ms = 200\nretry_max_delay_ms = 1000\n\n\
         [validation.list_value]\nlist = \"active-projects\"\n",
        ca = certs.join("ca.pem").display(),
    );
    std::fs::write(&config, text).expect("write connector configuration");
    let mut command = callouts();
    command
        .args(["connector", "serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(db)
        .args(tls_arguments(certs))
        .arg("--config")
        .arg(&config)
        .env("CALLOUTS_CONNECTOR_USERNAME", CONNECTOR_USER)
        .env("CALLOUTS_CONNECTOR_PASSWORD", CONNECTOR_PASSWORD)
        .env("CALLOUTS_CONNECTOR_HOST_CLIENT_SECRET", secret);
    ServerProcess::start(command, "connector started")
}

/// Creates the registration and its client credentials before the connector
/// runs, because the connector needs the credentials to start. Returns the
/// registration id, the client id and the secret.
async fn register_with_credentials(api: &Api) -> (i64, String, String) {
    let created = api
        .call(
            reqwest::Method::POST,
            "/connectors",
            &json!({
                "name": "Project validator",
                "host_name": "https://localhost:1",
                "user_name": CONNECTOR_USER,
                "password": CONNECTOR_PASSWORD,
            }),
            StatusCode::CREATED,
        )
        .await;
    let id = created["id"].as_i64().expect("registration id");
    let credentials = api
        .call(reqwest::Method::POST, &format!("/connectors/{id}/client-credentials"), &json!({}), StatusCode::CREATED)
        .await;
    let client_id = credentials["client_id"].as_str().expect("client id").to_owned();
    let secret = credentials["client_secret"].as_str().expect("client secret").to_owned();
    (id, client_id, secret)
}

/// Points the registration at the running connector, tests it, and enables
/// Fetch List for `projects` and Event Notification at both validation steps.
async fn activate(api: &Api, id: i64, origin: &str) {
    api.call(reqwest::Method::PATCH, &format!("/connectors/{id}"), &json!({"host_name": origin}), StatusCode::OK)
        .await;
    let tested = api
        .call(reqwest::Method::POST, &format!("/connectors/{id}/test-connection"), &json!({}), StatusCode::OK)
        .await;
    assert_eq!(tested["verified"], true, "{tested}");
    let lists = json!({
        "enabled": true,
        "lists": [{"list_name": "projects", "category": "Project", "language_code": "EN", "connected_list_level": 1}],
    });
    let steps = json!({
        "enabled": true,
        "workflow_steps": [
            {"step": "External Validation - Submit", "expense_reports": true, "travel_requests": false},
            {"step": "External Validation - Pre-Extract", "expense_reports": true, "travel_requests": false},
        ],
    });
    for (service, settings) in [("fetch-list", lists), ("event-notification", steps)] {
        let configured = api
            .call(reqwest::Method::PUT, &format!("/connectors/{id}/services/{service}"), &settings, StatusCode::OK)
            .await;
        assert_eq!(configured["services"][service]["active"], true, "{configured}");
    }
}

/// Creates a report whose one entry has the project `code`. Returns the report and entry paths.
async fn report_with_project(employee: &WebSession, code: &str) -> (String, String) {
    let created = employee.submit("/expenses", "/expenses/reports", &[("name", "Website workshop")]).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text);
    let report_path = created.location.expect("redirect to the report");
    let report_path = report_path.split('?').next().unwrap_or_default().to_owned();
    let fields = [
        ("expense_type", "meals"),
        ("transaction_date", "2026-11-30"),
        ("amount", "42.00"),
        ("currency", "EUR"),
        ("business_purpose", "Workshop lunch"),
        ("list", "0"),
    ];
    let entry = employee
        .submit(&format!("{report_path}/entries/new"), &format!("{report_path}/entries"), &fields)
        .await;
    assert_eq!(entry.status, StatusCode::SEE_OTHER, "{}", entry.text);
    let entry_path = entry.location.expect("redirect to the entry");
    let entry_path = entry_path.split('?').next().unwrap_or_default().to_owned();
    let report = report_path.trim_start_matches("/expenses/reports/").to_owned();
    choose_at_level(employee, &report, &entry_path, 1, "", code).await;
    (report_path, entry_path)
}

async fn submit(employee: &WebSession, report_path: &str) {
    let submitted = employee.submit(report_path, &format!("{report_path}/submit"), &[]).await;
    assert_eq!(submitted.status, StatusCode::SEE_OTHER, "{}", submitted.text);
}

/// Waits until the report page shows `step`, and returns the page text.
async fn wait_for_step(employee: &WebSession, report_path: &str, step: &str) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        let page = employee.get(report_path, &[]).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        if page.text.contains(&format!("data-step=\"{step}\"")) {
            return page.text;
        }
        assert!(Instant::now() < deadline, "the report did not reach {step}: {}", page.text);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn connector_validates_report_through_host() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let certs = dev_ca(dir.path());
    let connector_db = import_projects(dir.path());
    let host_db = dir.path().join("host.db");
    let token = bootstrap_host(&host_db);
    succeed(
        callouts()
            .args(["host", "user", "create", "--company", "Acme", "--login", APPROVER_LOGIN, "--role", "approver", "--db"])
            .arg(&host_db)
            .env("CALLOUTS_USER_PASSWORD", USER_PASSWORD),
    );
    let host = serve_host(&host_db, &certs);
    let api = Api::new(&certs, &host, token);
    let (id, client_id, secret) = register_with_credentials(&api).await;
    let host_origin = format!("https://localhost:{}", host.port());
    let connector = serve_validating_connector(dir.path(), &connector_db, &certs, &host_origin, &client_id, &secret);
    activate(&api, id, &format!("https://localhost:{}", connector.port())).await;

    let employee = WebSession::new(&certs.join("ca.pem"), address(&host));
    employee.sign_in(EMPLOYEE_LOGIN, USER_PASSWORD).await;
    let (report_path, entry_path) = report_with_project(&employee, "P200").await;
    submit(&employee, &report_path).await;

    let sent_back = wait_for_step(&employee, &report_path, "SENT_BACK").await;
    assert!(sent_back.contains("id=\"sent-back-comment\""), "{sent_back}");
    assert!(sent_back.contains("P200 is not in the list active-projects"), "{sent_back}");

    let report = report_path.trim_start_matches("/expenses/reports/").to_owned();
    choose_at_level(&employee, &report, &entry_path, 1, "", "P100").await;
    submit(&employee, &report_path).await;
    wait_for_step(&employee, &report_path, "APPROVAL").await;

    let approver = WebSession::new(&certs.join("ca.pem"), address(&host));
    approver.sign_in(APPROVER_LOGIN, USER_PASSWORD).await;
    let decided = approver
        .submit(
            "/approvals",
            "/approvals/decide",
            &[("object_type", "EXPRPT"), ("object_id", &report), ("role", "approver"), ("decision", "approve")],
        )
        .await;
    assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.text);

    wait_for_step(&employee, &report_path, "READY_FOR_EXTRACT").await;
    drop(connector);
    drop(host);
}
