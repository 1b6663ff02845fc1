//! The expense entry page in headless Chromium: typing in a list level shows results through the script.

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

/// Types into the fourth level of a list whose first three levels are
/// chosen, waits for the script to fill the drop-down without a page load,
/// then chooses an item.
async fn scenario(session: &Session<'_>, login: &str, entry: &str) -> anyhow::Result<()> {
    session.open("/login").await?;
    session.type_into("#login", login).await?;
    session.type_into("#password", USER_PASSWORD).await?;
    session.click("#sign-in").await?;
    session.element("#expenses-link").await?;

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
