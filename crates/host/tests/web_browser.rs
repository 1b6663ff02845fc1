//! The admin pages in headless Chromium, driven over WebDriver by chromedriver.
//!
//! The host serves the pages over TLS with a certificate from a fresh test
//! CA; Chromium accepts it through `--ignore-certificate-errors-spki-list`
//! with the hash of the certificate's public key, so no error page blocks
//! the pages and the `Secure` cookies behave as in production. Without
//! Chromium or chromedriver the test is skipped with a message, unless
//! `CALLOUTS_REQUIRE_BROWSER=1` makes their absence a failure (as in CI).

mod browser_support;
mod common;
mod web_support;

use std::sync::Arc;

use anyhow::ensure;
use browser_support::{BrowserWindow, Session};
use common::running_connector::spawn_connector;
use common::*;
use host::web::WebOptions;
use web_support::*;

/// Signs in, registers the real connector, runs Test Connection and Verify
/// services, enables Fetch List with one configured list, presses Deactivate
/// and signs out, checking each page on the way.
async fn scenario(
    session: &Session<'_>,
    login: &str,
    connector_origin: &str,
) -> anyhow::Result<()> {
    session.open("/login").await?;
    session.type_into("#login", login).await?;
    session.type_into("#password", USER_PASSWORD).await?;
    session.click("#sign-in").await?;
    // The sign-in page has a `main` too, so wait for the home page's text.
    session
        .wait_for_text("main", &format!("Signed in as {login}"))
        .await?;

    session.click("#registrations-link").await?;
    session.click("#new-registration").await?;
    session.type_into("#name", "Real connector").await?;
    session
        .type_into("#description", "Connector started by the browser test")
        .await?;
    session.type_into("#host_name", connector_origin).await?;
    session.type_into("#user_name", CONNECTOR_USER).await?;
    session.type_into("#password", CONNECTOR_PASSWORD).await?;
    session.click("#save").await?;
    let notice = session.text("#notice").await?;
    ensure!(
        notice.contains("The registration was created"),
        "after New: {notice}"
    );
    let registration_path = session.path().await;
    let registration_path = registration_path
        .split('?')
        .next()
        .unwrap_or_default()
        .to_owned();

    session.click("#test-connection").await?;
    let result = session.text("#test-result").await?;
    ensure!(
        result.starts_with("Succeeded at"),
        "Test Connection result: {result}"
    );
    ensure!(
        result.contains("over TLSv1."),
        "Test Connection result: {result}"
    );
    ensure!(
        result.contains("with cipher suite TLS"),
        "Test Connection result: {result}"
    );
    ensure!(
        session.text("#verified").await? == "Yes",
        "registration not verified"
    );

    session.click("#verify-services").await?;
    let counts = session.text("#verification-counts").await?;
    ensure!(
        counts.contains(" 0 failed"),
        "Verify services counts: {counts}"
    );
    let finding = session
        .text("#finding-test_connection\\.status summary")
        .await?;
    ensure!(
        finding.starts_with("PASS"),
        "Test Connection finding: {finding}"
    );

    session.click("#configure-fetch-list").await?;
    session.click("#enabled").await?;
    session.type_into("#list_name-0", "Projects").await?;
    session
        .type_into("#list_category-0", "Project codes")
        .await?;
    session.type_into("#list_language_code-0", "en").await?;
    session.type_into("#list_level-0", "1").await?;
    session.click("#save").await?;
    let notice = session.text("#notice").await?;
    ensure!(
        notice.contains("The service configuration was saved"),
        "after Save: {notice}"
    );
    let row = session.text("#service-fetch-list").await?;
    ensure!(row.contains("1 configured list"), "Fetch List row: {row}");
    ensure!(
        session.text("#status").await? == "Active",
        "registration not active"
    );

    session.open("/registrations").await?;
    let list = session.text("tbody").await?;
    ensure!(list.contains("Real connector"), "registration list: {list}");
    ensure!(list.contains("Fetch List"), "registration list: {list}");
    ensure!(list.contains("Active"), "registration list: {list}");

    let status_selector = format!("#{} .status", registration_row_id(&registration_path));
    let status = session.text(&status_selector).await?;
    ensure!(
        status == "Active",
        "list status before deactivation: {status}"
    );

    session.open(&registration_path).await?;
    session.click("#deactivate").await?;
    let notice = session.text("#notice").await?;
    ensure!(
        notice.contains("the registration is listed as inactive"),
        "after Deactivate: {notice}"
    );
    ensure!(
        session.path().await == format!("{registration_path}?notice=deactivated"),
        "Deactivate led to {}",
        session.path().await
    );
    let status = session.text("#status").await?;
    ensure!(status == "Inactive", "status after Deactivate: {status}");
    let row = session.text("#service-fetch-list").await?;
    ensure!(
        row.contains("No configured lists"),
        "Fetch List row after Deactivate: {row}"
    );

    session.open("/registrations").await?;
    let list = session.text("tbody").await?;
    ensure!(
        list.contains("Real connector"),
        "inactive registration no longer listed: {list}"
    );
    let status = session.text(&status_selector).await?;
    ensure!(
        status == "Inactive",
        "list status after Deactivate: {status}"
    );

    session.click("#sign-out").await?;
    let notice = session.text(".notice").await?;
    ensure!(
        notice.contains("You have signed out"),
        "after sign-out: {notice}"
    );
    session.open("/registrations").await?;
    ensure!(
        session.path().await == "/login",
        "signed-out browser reached {}",
        session.path().await
    );
    Ok(())
}

/// Returns the id of the registration list's row for the registration page at `registration_path`.
fn registration_row_id(registration_path: &str) -> String {
    let id = registration_path.trim_start_matches("/registrations/");
    format!("registration-{id}")
}

#[tokio::test]
async fn browser_manages_registration_end_to_end() {
    let connector = spawn_connector().await;
    let config = test_config();
    let tester =
        host::tester::outbound_tester(&config.outbound, vec![connector.ca_pem.clone()], true)
            .expect("build outbound client");
    let host = spawn_host_mounting(Arc::new(tester), config, |app| {
        Some(host::web::router(app, WebOptions::new(true)))
    })
    .await;
    let login = administrator(&host, "Acme").await;
    let Some(window) = BrowserWindow::open(&host).await else {
        return;
    };

    let outcome = scenario(&window.session(), &login, &connector.origin).await;

    window.finish(outcome).await;
}
