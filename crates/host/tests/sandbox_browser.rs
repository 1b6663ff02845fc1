//! The expense pages in headless Chromium: typing in a list level shows
//! results through the script, and an employee fills a whole entry.

mod browser_support;
mod common;
mod dispatch_support;
mod sandbox_support;
mod web_support;

use anyhow::ensure;
use browser_support::{BrowserWindow, Session};
use common::USER_PASSWORD;
use fantoccini::Locator;
use sandbox_support::*;
use web_support::Browser;

async fn sign_in(session: &Session<'_>, login: &str) -> anyhow::Result<()> {
    session.open("/login").await?;
    session.type_into("#login", login).await?;
    session.type_into("#password", USER_PASSWORD).await?;
    session.click("#sign-in").await?;
    session.element("#expenses-link").await?;
    Ok(())
}

/// Types into the fourth level of a list whose first three levels are
/// chosen, waits for the script to fill the drop-down without a page load,
/// then chooses an item.
async fn scenario(session: &Session<'_>, login: &str, entry: &str) -> anyhow::Result<()> {
    sign_in(session, login).await?;

    session.open(entry).await?;
    let choose_form = session.element("#list-choose-form-4").await?;
    ensure!(
        choose_form.attr("hidden").await?.is_some(),
        "the drop-down of level 4 is shown before any search"
    );
    session.type_into("#list-query-4", "San").await?;
    session.element("#list-choice-4 option").await?;
    let offered = session.text("#list-choice-4").await?;
    ensure!(
        offered.contains("San Francisco (SF)"),
        "level 4 offers: {offered}"
    );
    ensure!(
        !offered.contains("Los Angeles"),
        "level 4 offers: {offered}"
    );
    ensure!(
        choose_form.attr("hidden").await?.is_none(),
        "the drop-down of level 4 stays hidden"
    );
    let path = session.path().await;
    ensure!(
        !path.contains("list_level"),
        "typing submitted the search form: {path}"
    );

    session
        .client
        .find(Locator::Css("#list-choice-4 option[value=\"SF\"]"))
        .await?
        .click()
        .await?;
    session.click("#list-choose-4").await?;
    // The page opened above has no notice, so waiting for one waits for the page after the choice.
    let notice = session.text("#notice").await?;
    ensure!(
        notice.contains("The list item was chosen"),
        "notice after choosing: {notice}"
    );
    let value = session.text("#list-value").await?;
    ensure!(
        value.contains("San Francisco (code US-W-CA-SF)"),
        "list value after choosing: {value}"
    );
    Ok(())
}

#[tokio::test]
async fn browser_list_search_as_you_type() {
    let connector = connector_with_data().await;
    let sandbox = start_sandbox(vec![connector.ca_pem.clone()]).await;
    sandbox.register(&connector.origin).await;
    let login = sandbox.employee_login("Acme").await;
    let employee = Browser::new(sandbox.host());
    employee.sign_in(&login).await;
    let entry = report_with_entry(&employee).await;
    for (level, code) in [("1", "US"), ("2", "W"), ("3", "CA")] {
        choose(&employee, &entry, level, code).await;
    }
    let Some(window) = BrowserWindow::open(sandbox.host()).await else {
        return;
    };

    let outcome = scenario(&window.session(), &login, &entry).await;

    window.finish(outcome).await;
}

/// Clicks the option `value` of the drop-down at `select`.
async fn select_option(session: &Session<'_>, select: &str, value: &str) -> anyhow::Result<()> {
    session.click(&format!("{select} option[value=\"{value}\"]")).await
}

/// Creates a report and an entry through the forms and waits for the entry page.
async fn create_report_and_entry(session: &Session<'_>) -> anyhow::Result<()> {
    session.click("#expenses-link").await?;
    session.type_into("#name", "Trip to San Francisco").await?;
    session.click("#create-report").await?;
    session.wait_for_text("#notice", "The expense report was created").await?;

    session.click("#new-entry").await?;
    select_option(session, "#expense_type", "business-meal").await?;
    session.type_into("#amount", "84.20").await?;
    session.type_into("#currency", "EUR").await?;
    session.type_into("#business_purpose", "Dinner with Beacon").await?;
    select_option(session, "#list", "0").await?;
    session.click("#save").await?;
    session.wait_for_text("#notice", "The entry was saved").await?;
    Ok(())
}

/// Types `typed` at `level` of the list field, waits for the script to
/// offer `short_code` without a page load, and chooses it.
async fn choose_by_typing(session: &Session<'_>, level: usize, typed: &str, short_code: &str, text: &str) -> anyhow::Result<()> {
    session.type_into(&format!("#list-query-{level}"), typed).await?;
    session.element(&format!("#list-choice-{level} option[value=\"{short_code}\"]")).await?;
    let path = session.path().await;
    ensure!(!path.contains("list_level"), "typing at level {level} submitted the search form: {path}");

    select_option(session, &format!("#list-choice-{level}"), short_code).await?;
    session.click(&format!("#list-choose-{level}")).await?;
    session.wait_for_text(&format!("#list-chosen-{level}"), text).await?;
    Ok(())
}

/// Types a name with diacritics into the attendee search, waits for the
/// script to show the attendee without a page load, and adds them.
async fn add_attendee_by_typing(session: &Session<'_>) -> anyhow::Result<()> {
    select_option(session, "#attendee_type", ATTENDEE_TYPE).await?;
    session.type_into("#first_name", "Zoë").await?;
    session.type_into("#last_name", "Øde").await?;
    let add = session.element("#attendee-results button[value=\"EXT-0004\"]").await?;
    let results = session.text("#attendee-results").await?;
    ensure!(results.contains("Ødegaard"), "attendee results: {results}");
    ensure!(!results.contains("EXT-0001"), "attendee results: {results}");
    let path = session.path().await;
    ensure!(!path.contains("attendee_search"), "typing submitted the attendee search form: {path}");

    add.click().await?;
    session.wait_for_text("#picked-attendees", "EXT-0004").await?;
    Ok(())
}

/// Checks the stored list value, attendee and business purpose on the entry page.
async fn check_stored_entry(session: &Session<'_>) -> anyhow::Result<()> {
    let value = session.text("#list-value").await?;
    ensure!(value.contains("San Francisco (code US-W-CA-SF)"), "list value: {value}");
    let attendees = session.text("#picked-attendees").await?;
    for expected in ["EXT-0004", "Zoë", "Ødegaard", "Beacon Technologies Group", ATTENDEE_TYPE] {
        ensure!(attendees.contains(expected), "{expected} is not among the attendees: {attendees}");
    }
    let purpose = session.element("#business_purpose").await?.prop("value").await?;
    ensure!(
        purpose.as_deref() == Some("Dinner with Zoë Ødegaard"),
        "business purpose: {purpose:?}"
    );
    Ok(())
}

/// Signs in, creates a report and an entry, fills the list field level by
/// level and adds an attendee by typing, saves, and reloads the entry page.
async fn whole_entry_scenario(session: &Session<'_>, login: &str) -> anyhow::Result<()> {
    sign_in(session, login).await?;
    create_report_and_entry(session).await?;

    let levels = [
        (1, "Uni", "US", "United States"),
        (2, "We", "W", "West"),
        (3, "Cal", "CA", "California"),
        (4, "San F", "SF", "San Francisco"),
    ];
    for (level, typed, short_code, text) in levels {
        choose_by_typing(session, level, typed, short_code, text).await?;
    }
    add_attendee_by_typing(session).await?;

    session.type_into("#business_purpose", "Dinner with Zoë Ødegaard").await?;
    session.click("#save").await?;
    session.wait_for_text("#notice", "The entry was saved.").await?;
    session.client.refresh().await?;
    check_stored_entry(session).await?;

    session.click("p a[href^=\"/expenses/reports/\"]").await?;
    let report = session.wait_for_text("table", "San Francisco (US-W-CA-SF)").await?;
    ensure!(report.contains("Dinner with Zoë Ødegaard"), "report page: {report}");
    Ok(())
}

#[tokio::test]
async fn browser_employee_fills_whole_entry() {
    let connector = connector_with_data().await;
    let sandbox = start_sandbox(vec![connector.ca_pem.clone()]).await;
    sandbox.register(&connector.origin).await;
    let login = sandbox.employee_login("Acme").await;
    let Some(window) = BrowserWindow::open(sandbox.host()).await else {
        return;
    };

    let outcome = whole_entry_scenario(&window.session(), &login).await;

    window.finish(outcome).await;
}
