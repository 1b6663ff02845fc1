//! Launch External URL in headless Chromium, with the real host and a real
//! connector over TLS. The employee clicks Launch and the connector's window
//! opens. They pick an item and click Done, the window closes, and the form
//! shows the value that the connector wrote through the host's web services. Version 1 launches from an expense entry with the
//! registration's client credentials; version 4 from a report header with
//! the exchanged `client_auth_code`. An approver sees the value with no
//! active button.

mod browser_support;
mod common;
mod dispatch_support;
mod sandbox_support;
mod web_support;

use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use browser_support::{BrowserWindow, Session, WAIT, spki_hash_of_pem};
use common::running_connector::{RunningConnector, spawn_connector_configured};
use common::{CONNECTOR_PASSWORD, CONNECTOR_USER, USER_PASSWORD};
use fantoccini::Locator;
use fantoccini::wd::WindowHandle;
use host::domain::RegistrationId;
use reqwest::StatusCode;
use sandbox_support::{
    LIST_NAME, Sandbox, cities_csv, create_entry, create_report, entry_fields, start_sandbox,
};
use serde_json::json;
use web_support::{Browser, user};

/// The V4 OAuth client of the registration and the connector.
const OAUTH_CLIENT_ID: &str = "browser-launch-client";
/// The entry field that version 1 launches fill.
const V1_FIELD: &str = "DepartureCountry";
/// The report header field that version 4 launches fill.
const V4_FIELD: &str = "TripCountry";

/// The host, a connector with launch pages on the Cities list, and one
/// registration of that connector per Launch External URL version.
struct LaunchSystem {
    sandbox: Sandbox,
    connector: RunningConnector,
    _files: tempfile::TempDir,
}

/// Returns a loopback port that was free a moment ago. Another process
/// could take it before the connector binds it, which fails the test with
/// a clear error.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("probe a free port")
        .port()
}

impl LaunchSystem {
    /// Registers the connector twice before it starts, because its
    /// configuration needs both registrations' client secrets. Then starts
    /// it, runs Test Connection and turns the launch services and fields on.
    async fn start() -> LaunchSystem {
        let port = free_port();
        let connector_origin = format!("https://localhost:{port}");
        let connector_ca = tls::dev_ca::DevCa::generate("connector test CA").unwrap();
        let sandbox = start_sandbox(vec![connector_ca.certificate_pem().as_bytes().to_vec()]).await;
        let v1 = sandbox
            .create_untested("Launch v1", &connector_origin)
            .await;
        let v4 = sandbox
            .create_untested("Launch v4", &connector_origin)
            .await;
        let (v1_client_id, v1_secret) = sandbox.client_credentials(v1).await;
        let (_, v4_secret) = sandbox.client_credentials(v4).await;

        let files = tempfile::tempdir().unwrap();
        let host_ca = files.path().join("host-ca.pem");
        std::fs::write(&host_ca, &sandbox.host().ca_pem).unwrap();
        let host_url = sandbox.host().url.clone();
        let redirect_url = format!("{connector_origin}/launchexternalurl/v4/form");
        let cities = cities_csv();
        let connector = spawn_connector_configured(
            None,
            &[(LIST_NAME, &cities)],
            format!("127.0.0.1:{port}").parse().unwrap(),
            &connector_ca,
            |config| {
                config.host.origin = host_url;
                config.host.client_id = v1_client_id;
                config.host.client_secret = connector::Secret::new(v1_secret);
                config.host.trusted_ca_files = vec![host_ca];
                config.launch.list = LIST_NAME.to_owned();
                config.launch.v1_field = V1_FIELD.to_owned();
                config.launch.oauth_client_id = OAUTH_CLIENT_ID.to_owned();
                config.launch.redirect_url = redirect_url.clone();
                config.launch.oauth_client_secret = connector::Secret::new(v4_secret);
            },
        )
        .await;
        assert_eq!(connector.origin, connector_origin);

        for id in [v1, v4] {
            sandbox.test_connection(id).await;
        }
        sandbox
            .configure(
                v1,
                "launch-external-url",
                json!({"enabled": true, "version": "V1"}),
            )
            .await;
        sandbox
            .configure(
                v4,
                "launch-external-url",
                json!({"enabled": true, "version": "V4", "oauth_client_id": OAUTH_CLIENT_ID, "redirect_url": redirect_url}),
            )
            .await;
        sandbox
            .launch_field(v1, V1_FIELD, "Departure country", "ENTRY")
            .await;
        sandbox
            .launch_field(v4, V4_FIELD, "Trip country", "HEADER")
            .await;
        LaunchSystem {
            sandbox,
            connector,
            _files: files,
        }
    }

    /// Starts Chromium accepting the host's and the connector's certificates.
    async fn browser(&self) -> Option<BrowserWindow> {
        let connector_hash =
            spki_hash_of_pem(&self.connector.certificate_pem).expect("connector certificate hash");
        BrowserWindow::open_trusting(self.sandbox.host(), &[connector_hash]).await
    }

    /// Creates an employee with a report and one entry through the forms,
    /// and returns their login, the report id and the entry's page.
    async fn employee_with_entry(&self) -> (String, i64, String) {
        let login = self.sandbox.employee_login("Acme").await;
        let employee = Browser::new(self.sandbox.host());
        employee.sign_in(&login).await;
        let report = create_report(&employee, "Trip to London").await;
        // These registrations serve no lists, so the entry binds none.
        let fields: Vec<_> = entry_fields()
            .into_iter()
            .filter(|(name, _)| *name != "list")
            .collect();
        let entry = create_entry(&employee, report, &fields).await;
        (login, report, entry)
    }
}

trait SandboxLaunchSetup {
    async fn create_untested(&self, name: &str, origin: &str) -> RegistrationId;
    async fn client_credentials(&self, id: RegistrationId) -> (String, String);
    async fn test_connection(&self, id: RegistrationId);
    async fn launch_field(&self, id: RegistrationId, code: &str, label: &str, object_type: &str);
}

impl SandboxLaunchSetup for Sandbox {
    async fn create_untested(&self, name: &str, origin: &str) -> RegistrationId {
        let body = json!({
            "name": name,
            "host_name": origin,
            "user_name": CONNECTOR_USER,
            "password": CONNECTOR_PASSWORD,
        });
        let created = self
            .host()
            .post("/api/v1/connectors", &self.setup.token, &body)
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
        RegistrationId(created.body["id"].as_i64().expect("registration id"))
    }

    async fn client_credentials(&self, id: RegistrationId) -> (String, String) {
        let path = format!("/api/v1/connectors/{}/client-credentials", id.0);
        let generated = self.host().post(&path, &self.setup.token, &json!({})).await;
        assert_eq!(generated.status, StatusCode::CREATED, "{}", generated.text);
        let text = |key: &str| generated.body[key].as_str().expect(key).to_owned();
        (text("client_id"), text("client_secret"))
    }

    async fn test_connection(&self, id: RegistrationId) {
        let path = format!("/api/v1/connectors/{}/test-connection", id.0);
        let tested = self.host().post(&path, &self.setup.token, &json!({})).await;
        assert_eq!(tested.status, StatusCode::OK, "{}", tested.text);
        assert_eq!(tested.body["verified"], true, "{}", tested.text);
    }

    async fn launch_field(&self, id: RegistrationId, code: &str, label: &str, object_type: &str) {
        let body = json!({
            "registration_id": id.0,
            "code": code,
            "label": label,
            "object_type": object_type,
            "multiline": false,
            "popup_width": 640,
            "popup_height": 520,
        });
        let created = self
            .host()
            .post("/api/v1/launch-fields", &self.setup.token, &body)
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    }
}

async fn sign_in(session: &Session<'_>, login: &str) -> anyhow::Result<()> {
    session.open("/login").await?;
    session.type_into("#login", login).await?;
    session.type_into("#password", USER_PASSWORD).await?;
    session.click("#sign-in").await?;
    session.element("#sign-out").await?;
    Ok(())
}

/// Waits until the browser has a window besides `main` and returns it.
async fn new_window(session: &Session<'_>, main: &WindowHandle) -> anyhow::Result<WindowHandle> {
    let started = Instant::now();
    loop {
        let windows = session.client.windows().await?;
        if let Some(other) = windows.into_iter().find(|window| window != main) {
            return Ok(other);
        }
        ensure!(started.elapsed() < WAIT, "no window opened within {WAIT:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the current page's path and query contain `part`.
async fn wait_for_path(session: &Session<'_>, part: &str) -> anyhow::Result<()> {
    let started = Instant::now();
    while !session.path().await.contains(part) {
        ensure!(
            started.elapsed() < WAIT,
            "the page {} was not left for one with {part:?} within {WAIT:?}",
            session.path().await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

/// Waits until `main` is the only window left.
async fn popup_closed(session: &Session<'_>, main: &WindowHandle) -> anyhow::Result<()> {
    let started = Instant::now();
    loop {
        let windows = session.client.windows().await?;
        if windows.iter().all(|window| window == main) {
            return Ok(());
        }
        ensure!(
            started.elapsed() < WAIT,
            "the connector's window is still open after {WAIT:?}: {} windows",
            windows.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the input at `selector` has the value `expected`, which
/// also waits for the page to reload.
async fn wait_for_value(
    session: &Session<'_>,
    selector: &str,
    expected: &str,
) -> anyhow::Result<()> {
    let started = Instant::now();
    loop {
        // The page may reload between finding the input and reading it.
        let value = match session.client.find(Locator::Css(selector)).await {
            Ok(input) => input.prop("value").await.unwrap_or_default(),
            Err(_) => None,
        };
        if value.as_deref() == Some(expected) {
            return Ok(());
        }
        ensure!(
            started.elapsed() < WAIT,
            "{selector} has {value:?}, not {expected:?}, after {WAIT:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Clicks the Launch button `button`, searches the connector's list for
/// `typed` in the window that opens, picks the item `code` and clicks Done,
/// then waits for the window to close and returns to the host's page.
async fn launch_and_pick(
    session: &Session<'_>,
    button: &str,
    typed: &str,
    code: &str,
) -> anyhow::Result<()> {
    let main = session.client.window().await?;
    session.click(button).await?;
    let popup = new_window(session, &main).await?;
    session.client.switch_to_window(popup).await?;

    session.type_into("#q", typed).await?;
    session.click("#search").await?;
    wait_for_path(session, "?q=").await?;
    session
        .click(&format!("input[name=\"code\"][value=\"{code}\"]"))
        .await?;
    let picked = session.source().await;
    ensure!(
        !picked.contains("United States (US)") || code == "US",
        "the search for {typed:?} shows: {picked}"
    );
    session.click("#done").await?;

    popup_closed(session, &main).await?;
    session.client.switch_to_window(main).await?;
    Ok(())
}

/// Types a business purpose, launches the entry field and picks the United
/// Kingdom, then checks that the reloaded entry page shows both.
async fn v1_scenario(session: &Session<'_>, login: &str, entry: &str) -> anyhow::Result<()> {
    sign_in(session, login).await?;
    session.open(entry).await?;
    let entry_id = entry.rsplit('/').next().context("entry id")?;
    let input = format!("#custom-entry-{entry_id}-{V1_FIELD}");
    // Typed but not saved: the launch saves the form before the window opens.
    session
        .type_into("#business_purpose", "Flight to London")
        .await?;

    launch_and_pick(
        session,
        &format!("#launch-custom-entry-{entry_id}-{V1_FIELD}"),
        "United K",
        "UK",
    )
    .await?;

    wait_for_value(session, &input, "United Kingdom (UK)").await?;
    wait_for_value(session, "#business_purpose", "Flight to London").await?;
    Ok(())
}

/// Launches the report header field and picks the United States, then
/// checks the reloaded header, submits the report, and checks that an
/// approver gets the value read-only with no Launch button.
async fn v4_scenario(
    session: &Session<'_>,
    login: &str,
    report: i64,
    approver: &str,
) -> anyhow::Result<()> {
    sign_in(session, login).await?;
    let report_page = format!("/expenses/reports/{report}");
    session.open(&report_page).await?;
    let input = format!("#custom-header-{report}-{V4_FIELD}");

    launch_and_pick(
        session,
        &format!("#launch-custom-header-{report}-{V4_FIELD}"),
        "United S",
        "US",
    )
    .await?;

    wait_for_value(session, &input, "United States (US)").await?;
    session.click("#submit").await?;
    session.wait_for_text("#notice", "It was submitted").await?;

    session.client.delete_all_cookies().await?;
    sign_in(session, approver).await?;
    session.open("/approvals").await?;
    let row = session
        .text(&format!("#approval-fields-EXPRPT-{report}"))
        .await?;
    ensure!(row.contains("Trip country"), "approval row: {row}");
    wait_for_value(
        session,
        &format!("#approval-fields-EXPRPT-{report} input"),
        "United States (US)",
    )
    .await?;
    let buttons = session
        .client
        .find_all(Locator::Css("[data-launch]"))
        .await?;
    ensure!(
        buttons.is_empty(),
        "the approver sees {} Launch buttons",
        buttons.len()
    );
    Ok(())
}

#[tokio::test]
async fn browser_launch_v1_entry_writes_value_back() {
    let system = LaunchSystem::start().await;
    let (login, _, entry) = system.employee_with_entry().await;
    let Some(window) = system.browser().await else {
        return;
    };

    let outcome = v1_scenario(&window.session(), &login, &entry).await;

    window.finish(outcome).await;
}

#[tokio::test]
async fn browser_launch_v4_header_and_approver() {
    let system = LaunchSystem::start().await;
    let (login, report, _) = system.employee_with_entry().await;
    let approver = user(
        system.sandbox.host(),
        "Acme",
        "standard",
        false,
        &["approver"],
    )
    .await;
    let Some(window) = system.browser().await else {
        return;
    };

    let outcome = v4_scenario(&window.session(), &login, report, &approver).await;

    window.finish(outcome).await;
}
