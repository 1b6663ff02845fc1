//! Admin pages over real HTTPS: who may open which page, company isolation, and CSRF checks on every form.

mod common;
mod web_support;

use common::*;
use reqwest::StatusCode;
use web_support::*;

/// Returns every page that shows or lists registrations.
fn pages(id: i64) -> Vec<String> {
    let mut paths = vec![
        "/registrations".to_owned(),
        "/registrations/new".to_owned(),
        format!("/registrations/{id}"),
        format!("/registrations/{id}/edit"),
        format!("/registrations/{id}/audit"),
    ];
    for service in [
        "fetch-attendee",
        "fetch-list",
        "event-notification",
        "launch-external-url",
    ] {
        paths.push(format!("/registrations/{id}/services/{service}"));
    }
    paths
}

/// Returns every form action with fields that would succeed for an administrator.
fn forms(id: i64) -> Vec<(String, Vec<(&'static str, &'static str)>)> {
    vec![
        (
            "/registrations".to_owned(),
            vec![
                ("name", "Created by form"),
                ("host_name", "https://new.example.com"),
                ("user_name", CONNECTOR_USER),
                ("password", CONNECTOR_PASSWORD),
            ],
        ),
        (
            format!("/registrations/{id}/edit"),
            vec![
                ("name", "Renamed by form"),
                ("host_name", "https://connector.example.com"),
                ("user_name", CONNECTOR_USER),
                ("password", ""),
            ],
        ),
        (format!("/registrations/{id}/test-connection"), vec![]),
        (format!("/registrations/{id}/verify"), vec![]),
        (
            format!("/registrations/{id}/services/fetch-attendee"),
            vec![("attendee_type", "BUSGUEST")],
        ),
        (format!("/registrations/{id}/deactivate"), vec![]),
    ]
}

/// Returns the form actions outside the registration forms, with fields that
/// name Acme's registration `id`. Notification 1 and report 1 need not
/// exist, because the CSRF check runs before any handler looks them up.
fn other_forms(id: i64) -> Vec<(String, Vec<(&'static str, String)>)> {
    vec![
        (format!("/registrations/{id}/client-credentials"), vec![]),
        (
            "/launch-fields".to_owned(),
            vec![
                ("registration_id", id.to_string()),
                ("code", "CostObject".to_owned()),
                ("label", "Cost object".to_owned()),
                ("object_type", "ENTRY".to_owned()),
                ("popup_width", "800".to_owned()),
                ("popup_height", "600".to_owned()),
            ],
        ),
        (
            "/approvals/decide".to_owned(),
            vec![
                ("object_type", "EXPRPT".to_owned()),
                ("object_id", "1".to_owned()),
                ("role", "administrator".to_owned()),
                ("decision", "approve".to_owned()),
            ],
        ),
        ("/notifications/1/retry".to_owned(), vec![]),
        ("/notifications/1/delete".to_owned(), vec![]),
    ]
}

/// Returns `own` with its first character changed.
fn wrong_token(own: &str) -> String {
    let mut wrong = own.to_owned().into_bytes();
    wrong[0] = if wrong[0] == b'A' { b'B' } else { b'A' };
    String::from_utf8(wrong).unwrap()
}

/// Posts every form of [`other_forms`] with `csrf_token` (none when
/// `None`), checks that each is rejected as a CSRF failure, and that no
/// client credentials or launch field were created.
async fn assert_other_forms_rejected(admin: &Browser, id: i64, csrf_token: Option<&str>) {
    for (action, fields) in other_forms(id) {
        let mut all: Vec<(&str, &str)> = csrf_token
            .map(|token| ("csrf_token", token))
            .into_iter()
            .collect();
        all.extend(fields.iter().map(|(name, value)| (*name, value.as_str())));

        let page = admin.post(&action, &all).await;

        assert_eq!(page.status, StatusCode::FORBIDDEN, "{action}");
        assert!(
            page.text.contains("security token is missing or wrong"),
            "{action}: {}",
            page.text
        );
    }
    let registration_page = admin.get(&format!("/registrations/{id}")).await;
    assert!(
        registration_page
            .text
            .contains("id=\"no-client-credentials\""),
        "{}",
        registration_page.text
    );
    let launch_fields_page = admin.get("/launch-fields").await;
    assert_eq!(
        launch_fields_page.status,
        StatusCode::OK,
        "{}",
        launch_fields_page.text
    );
    assert!(
        !launch_fields_page.text.contains("CostObject"),
        "{}",
        launch_fields_page.text
    );
}

/// Starts a host with Acme's administrator signed in and one registration of Acme.
async fn acme() -> (TestHost, std::sync::Arc<FakeTester>, Browser, i64) {
    let tester = FakeTester::succeeding();
    let host = spawn_pages(tester.clone()).await;
    let login = administrator(&host, "Acme").await;
    let browser = Browser::new(&host);
    browser.sign_in(&login).await;
    let id = browser
        .create_registration(
            "HR connector",
            "https://connector.example.com",
            CONNECTOR_PASSWORD,
        )
        .await;
    (host, tester, browser, id)
}

async fn signed_in(
    host: &TestHost,
    company: &str,
    edition: &str,
    partner: bool,
    roles: &[&str],
) -> Browser {
    let login = user(host, company, edition, partner, roles).await;
    let browser = Browser::new(host);
    browser.sign_in(&login).await;
    browser
}

/// Posts `fields` with the signed-in browser's own CSRF token.
async fn post_with_token(browser: &Browser, action: &str, fields: &[(&str, &str)]) -> Page {
    browser.submit("/", action, fields).await
}

#[tokio::test]
async fn employee_home_has_no_registrations_link() {
    let (host, _tester, _admin, _id) = acme().await;
    let employee = signed_in(&host, "Acme", "standard", false, &["employee"]).await;

    let home = employee.get("/").await;

    assert_eq!(home.status, StatusCode::OK);
    assert!(
        !home.text.contains("href=\"/registrations\""),
        "{}",
        home.text
    );
    assert!(
        home.text
            .contains("Your roles do not include managing connector registrations")
    );
}

#[tokio::test]
async fn administrator_home_links_registrations() {
    let (_host, _tester, admin, _id) = acme().await;

    let home = admin.get("/").await;

    assert!(
        home.text.contains("href=\"/registrations\""),
        "{}",
        home.text
    );
}

#[tokio::test]
async fn employee_pages_are_403() {
    let (host, _tester, _admin, id) = acme().await;
    let employee = signed_in(&host, "Acme", "standard", false, &["employee"]).await;

    for path in pages(id) {
        let page = employee.get(&path).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
        assert!(
            page.text
                .contains("Your roles do not allow managing connector registrations"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn employee_forms_are_403() {
    let (host, tester, admin, id) = acme().await;
    let employee = signed_in(&host, "Acme", "standard", false, &["employee"]).await;

    for (action, fields) in forms(id) {
        let page = post_with_token(&employee, &action, &fields).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{action}");
    }
    assert_eq!(tester.call_count(), 0);
    let list = admin.get("/registrations").await;
    assert!(!list.text.contains("by form"), "{}", list.text);
}

#[tokio::test]
async fn standard_company_administrator_is_403() {
    let (host, _tester, _admin, _id) = acme().await;
    let browser = signed_in(&host, "Acme", "standard", false, &["company-administrator"]).await;

    assert_eq!(
        browser.get("/registrations").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn professional_without_partner_is_403() {
    let host = spawn_pages(FakeTester::succeeding()).await;
    let browser = signed_in(
        &host,
        "Initech",
        "professional",
        false,
        &["company-administrator", "web-services-administrator"],
    )
    .await;

    assert_eq!(
        browser.get("/registrations").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn professional_partner_roles_may_manage() {
    let host = spawn_pages(FakeTester::succeeding()).await;

    for role in ["web-services-administrator", "company-administrator"] {
        let browser = signed_in(&host, "Initech", "professional", true, &[role]).await;
        assert_eq!(
            browser.get("/registrations").await.status,
            StatusCode::OK,
            "{role}"
        );
        assert!(
            browser
                .get("/")
                .await
                .text
                .contains("href=\"/registrations\""),
            "{role}"
        );
    }
}

#[tokio::test]
async fn professional_partner_can_administer_alone_is_403() {
    let host = spawn_pages(FakeTester::succeeding()).await;
    let browser = signed_in(&host, "Initech", "professional", true, &["can-administer"]).await;

    assert_eq!(
        browser.get("/registrations").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn other_company_pages_are_404() {
    let (host, _tester, _admin, id) = acme().await;
    let globex = signed_in(&host, "Globex", "standard", false, &["can-administer"]).await;

    for path in pages(id).into_iter().skip(2) {
        let page = globex.get(&path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!page.text.contains("HR connector"), "{path}");
    }
}

#[tokio::test]
async fn other_company_forms_are_404() {
    let (host, tester, admin, id) = acme().await;
    let globex = signed_in(&host, "Globex", "standard", false, &["can-administer"]).await;

    for (action, fields) in forms(id).into_iter().skip(1) {
        let page = post_with_token(&globex, &action, &fields).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{action}");
    }
    assert_eq!(tester.call_count(), 0);
    let shown = admin.get(&format!("/registrations/{id}")).await;
    assert!(
        shown.text.contains("<h1>HR connector</h1>"),
        "{}",
        shown.text
    );
}

#[tokio::test]
async fn other_company_list_omits_registration() {
    let (host, _tester, _admin, _id) = acme().await;
    let globex = signed_in(&host, "Globex", "standard", false, &["can-administer"]).await;

    let list = globex.get("/registrations").await;

    assert_eq!(list.status, StatusCode::OK);
    assert!(!list.text.contains("HR connector"), "{}", list.text);
}

#[tokio::test]
async fn malformed_registration_id_is_404() {
    let (_host, _tester, admin, _id) = acme().await;

    for path in [
        "/registrations/abc",
        "/registrations/-1",
        "/registrations/99999999999999999999",
    ] {
        assert_eq!(
            admin.get(path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
}

#[tokio::test]
async fn forms_without_csrf_token_are_403() {
    let (_host, tester, admin, id) = acme().await;

    for (action, fields) in forms(id) {
        let page = admin.post(&action, &fields).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{action}");
        assert!(
            page.text.contains("security token is missing or wrong"),
            "{action}: {}",
            page.text
        );
    }
    assert_eq!(tester.call_count(), 0);
    let list = admin.get("/registrations").await;
    assert!(!list.text.contains("by form"), "{}", list.text);
}

#[tokio::test]
async fn forms_with_wrong_csrf_token_are_403() {
    let (_host, tester, admin, id) = acme().await;
    let wrong = wrong_token(&admin.get("/").await.csrf_token());

    for (action, fields) in forms(id) {
        let mut all = vec![("csrf_token", wrong.as_str())];
        all.extend(fields);
        let page = admin.post(&action, &all).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{action}");
    }
    assert_eq!(tester.call_count(), 0);
}

#[tokio::test]
async fn other_forms_without_csrf_token_are_403() {
    let (_host, tester, admin, id) = acme().await;

    assert_other_forms_rejected(&admin, id, None).await;

    assert_eq!(tester.call_count(), 0);
}

#[tokio::test]
async fn other_forms_with_wrong_csrf_token_are_403() {
    let (_host, tester, admin, id) = acme().await;
    let wrong = wrong_token(&admin.get("/").await.csrf_token());

    assert_other_forms_rejected(&admin, id, Some(&wrong)).await;

    assert_eq!(tester.call_count(), 0);
}

#[tokio::test]
async fn csrf_token_of_other_session_is_403() {
    let (host, tester, admin, id) = acme().await;
    let other = signed_in(
        &host,
        "Acme",
        "standard",
        false,
        &["can-administer", "employee"],
    )
    .await;
    let foreign = other.get("/").await.csrf_token();

    let page = admin
        .post(
            &format!("/registrations/{id}/test-connection"),
            &[("csrf_token", &foreign)],
        )
        .await;

    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(tester.call_count(), 0);
}

#[tokio::test]
async fn form_of_other_media_type_is_415() {
    let (host, _tester, admin, id) = acme().await;
    let token = admin.get("/").await.csrf_token();
    let session = admin.cookie(host::web::SESSION_COOKIE_SECURE).unwrap();

    let response = host
        .client
        .post(host.url(&format!("/registrations/{id}/test-connection")))
        .header(
            "Cookie",
            format!("{}={session}", host::web::SESSION_COOKIE_SECURE),
        )
        .header("Content-Type", "application/json")
        .body(format!("{{\"csrf_token\":\"{token}\"}}"))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
}
