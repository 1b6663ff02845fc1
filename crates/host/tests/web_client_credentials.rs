//! Client credentials on the registration page: generated once, shown
//! once, kept only hashed, and offered to registration managers only.

mod common;
mod web_support;

use common::*;
use reqwest::StatusCode;
use web_support::*;

/// Returns the text of the `<code id="…">` element.
fn code_text<'a>(page: &'a Page, id: &str) -> &'a str {
    let start = format!("<code id=\"{id}\">");
    let rest = page
        .text
        .split_once(&start)
        .map(|(_, rest)| rest)
        .unwrap_or_default();
    rest.split('<').next().unwrap_or_default()
}

#[tokio::test]
async fn page_generates_credentials_once() {
    let host = spawn_pages(FakeTester::succeeding()).await;
    let login = administrator(&host, "Acme").await;
    let browser = Browser::new(&host);
    browser.sign_in(&login).await;
    let id = browser
        .create_registration(
            "Validator",
            "https://validator.example.com",
            CONNECTOR_PASSWORD,
        )
        .await;
    let page_path = format!("/registrations/{id}");
    assert!(
        browser
            .get(&page_path)
            .await
            .text
            .contains("id=\"no-client-credentials\"")
    );

    let generated = browser
        .submit(&page_path, &format!("{page_path}/client-credentials"), &[])
        .await;

    assert_eq!(generated.status, StatusCode::OK, "{}", generated.text);
    let no_store = generated
        .headers
        .get("cache-control")
        .and_then(|value| value.to_str().ok());
    assert_eq!(no_store, Some("no-store"));
    let client_id = code_text(&generated, "client-id").to_owned();
    let secret = code_text(&generated, "client-secret").to_owned();
    assert!(client_id.starts_with("cid_"), "{}", generated.text);
    assert!(secret.starts_with("csec_"), "{}", generated.text);
    let reloaded = browser.get(&page_path).await;
    assert!(reloaded.text.contains(&format!(
        "<code id=\"current-client-id\">{client_id}</code>"
    )));
    assert!(!reloaded.text.contains(&secret));
    assert!(!String::from_utf8_lossy(&host.database_bytes().await).contains(&secret));
}

#[tokio::test]
async fn employee_cannot_generate_credentials() {
    let host = spawn_pages(FakeTester::succeeding()).await;
    let admin = administrator(&host, "Acme").await;
    let employee = user(&host, "Acme", "standard", false, &["employee"]).await;
    let browser = Browser::new(&host);
    browser.sign_in(&admin).await;
    let id = browser
        .create_registration(
            "Validator",
            "https://validator.example.com",
            CONNECTOR_PASSWORD,
        )
        .await;
    let employee_browser = Browser::new(&host);
    employee_browser.sign_in(&employee).await;

    let home = employee_browser.get("/").await;
    let refused = employee_browser
        .post(
            &format!("/registrations/{id}/client-credentials"),
            &[("csrf_token", &home.csrf_token())],
        )
        .await;

    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    assert!(!refused.text.contains("csec_"));
}
