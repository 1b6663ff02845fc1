//! Admin pages over real HTTPS: the registration list, New, Modify, Test Connection, Configure Service and the audit trail.

mod common;
mod web_support;

use std::sync::Arc;

use common::*;
use reqwest::StatusCode;
use web_support::*;

/// A signed-in administrator of Acme with one registration, and the tester behind the host.
struct Fixture {
    _host: TestHost,
    tester: Arc<FakeTester>,
    browser: Browser,
    id: i64,
}

async fn fixture() -> Fixture {
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
    Fixture {
        _host: host,
        tester,
        browser,
        id,
    }
}

impl Fixture {
    fn path(&self, rest: &str) -> String {
        format!("/registrations/{}{rest}", self.id)
    }

    async fn test_connection(&self) -> Page {
        let page = self
            .browser
            .submit(&self.path(""), &self.path("/test-connection"), &[])
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
        self.browser.get(&self.path("")).await
    }

    /// Posts the Configure Service form of `service` with `fields`.
    async fn configure(&self, service: &str, fields: &[(&str, &str)]) -> Page {
        let form = self.path(&format!("/services/{service}"));
        self.browser.submit(&form, &form, fields).await
    }
}

/// Returns every page of a registration that a browser can open.
fn registration_pages(id: i64) -> Vec<String> {
    let mut paths = vec![
        "/registrations".to_owned(),
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

#[tokio::test]
async fn list_shows_new_registration_inactive() {
    let fixture = fixture().await;

    let page = fixture.browser.get("/registrations").await;

    assert_eq!(page.status, StatusCode::OK);
    let row = format!("<tr id=\"registration-{}\">", fixture.id);
    let row_html = &page.text[page.text.find(&row).expect("row of the registration")..];
    let row_html = &row_html[..row_html.find("</tr>").unwrap()];
    assert!(row_html.contains("HR connector"), "{row_html}");
    assert!(
        row_html.contains("https://connector.example.com"),
        "{row_html}"
    );
    assert!(row_html.contains("<td>No</td>"), "{row_html}");
    assert!(row_html.contains("Inactive"), "{row_html}");
}

#[tokio::test]
async fn new_registration_redirects_with_notice() {
    let fixture = fixture().await;

    let page = fixture.browser.get(&fixture.path("?notice=created")).await;

    assert!(
        page.text.contains("The registration was created."),
        "{}",
        page.text
    );
}

#[tokio::test]
async fn new_blank_fields_are_required() {
    let fixture = fixture().await;

    let page = fixture
        .browser
        .submit(
            "/registrations/new",
            "/registrations",
            &[
                ("name", " "),
                ("description", ""),
                ("host_name", ""),
                ("user_name", ""),
                ("password", ""),
            ],
        )
        .await;

    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    for label in ["Name", "Host name", "User name", "Password"] {
        assert!(
            page.text.contains(&format!("<p>{label}: required</p>")),
            "{label}: {}",
            page.text
        );
    }
}

#[tokio::test]
async fn new_validation_rules_beside_fields() {
    let fixture = fixture().await;

    let page = fixture
        .browser
        .submit(
            "/registrations/new",
            "/registrations",
            &[
                ("name", "Finance"),
                ("host_name", "http://connector.example.com"),
                ("user_name", "user:x"),
                ("password", "123456789"),
            ],
        )
        .await;

    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let error_of = |id: &str| {
        let start = page.text.find(&format!("id=\"{id}-error\"")).unwrap_or(0);
        page.text[start..]
            .split("</div>")
            .next()
            .unwrap_or_default()
            .to_owned()
    };
    assert!(
        error_of("host_name").contains("Host name: must use the https scheme"),
        "{}",
        page.text
    );
    assert!(
        error_of("user_name").contains("User name: must be 10 to 50 characters"),
        "{}",
        page.text
    );
    assert!(
        error_of("password").contains("Password: must be 10 to 50 characters"),
        "{}",
        page.text
    );
    assert!(page.text.contains("aria-describedby=\"host_name-error\""));
    // The entered values stay in the form, except the password.
    assert_eq!(page.input_value("name").as_deref(), Some("Finance"));
    assert_eq!(page.input_value("password").as_deref(), Some(""));
}

#[tokio::test]
async fn new_duplicate_name_is_rejected() {
    let fixture = fixture().await;

    let page = fixture
        .browser
        .submit(
            "/registrations/new",
            "/registrations",
            &[
                ("name", "hr CONNECTOR"),
                ("host_name", "https://other.example.com"),
                ("user_name", CONNECTOR_USER),
                ("password", CONNECTOR_PASSWORD),
            ],
        )
        .await;

    assert!(
        page.text
            .contains("Name: must be unique within the company"),
        "{}",
        page.text
    );
}

#[tokio::test]
async fn registration_text_is_escaped() {
    let fixture = fixture().await;
    let name = "<script>alert(1)</script>";
    let id = fixture
        .browser
        .create_registration(name, "https://escaped.example.com", CONNECTOR_PASSWORD)
        .await;

    let list = fixture.browser.get("/registrations").await;
    let page = fixture.browser.get(&format!("/registrations/{id}")).await;

    assert!(!list.text.contains(name));
    assert!(
        list.text
            .contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
        "{}",
        list.text
    );
    assert!(!page.text.contains(name));
}

#[tokio::test]
async fn password_never_in_page_html() {
    let fixture = fixture().await;
    fixture.test_connection().await;
    fixture
        .browser
        .submit(
            &fixture.path("/edit"),
            &fixture.path("/edit"),
            &[
                ("name", "HR connector"),
                ("host_name", "not a url"),
                ("user_name", CONNECTOR_USER),
                ("password", "Another-password-77"),
            ],
        )
        .await;
    let rejected = fixture
        .browser
        .submit(
            "/registrations/new",
            "/registrations",
            &[
                ("name", "Second"),
                ("host_name", "ftp://x"),
                ("user_name", CONNECTOR_USER),
                ("password", CONNECTOR_PASSWORD),
            ],
        )
        .await;

    assert!(!rejected.text.contains(CONNECTOR_PASSWORD));
    for path in registration_pages(fixture.id) {
        let page = fixture.browser.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(!page.text.contains(CONNECTOR_PASSWORD), "{path}");
        assert!(!page.text.contains("Another-password-77"), "{path}");
    }
}

#[tokio::test]
async fn modify_blank_password_keeps_stored() {
    let fixture = fixture().await;

    let page = fixture
        .browser
        .submit(
            &fixture.path("/edit"),
            &fixture.path("/edit"),
            &[
                ("name", "HR connector 2"),
                ("description", "Changed"),
                ("host_name", "https://connector.example.com"),
                ("user_name", CONNECTOR_USER),
                ("password", ""),
            ],
        )
        .await;
    fixture.test_connection().await;

    assert_eq!(
        page.location(),
        Some(fixture.path("?notice=updated").as_str())
    );
    let calls = fixture.tester.calls.lock().unwrap().clone();
    assert_eq!(
        calls.last().map(|call| call.3.as_str()),
        Some(CONNECTOR_PASSWORD)
    );
    let shown = fixture.browser.get(&fixture.path("")).await;
    assert!(
        shown.text.contains("<h1>HR connector 2</h1>"),
        "{}",
        shown.text
    );
}

#[tokio::test]
async fn modify_new_password_is_used() {
    let fixture = fixture().await;

    fixture
        .browser
        .submit(
            &fixture.path("/edit"),
            &fixture.path("/edit"),
            &[
                ("name", "HR connector"),
                ("host_name", "https://connector.example.com"),
                ("user_name", CONNECTOR_USER),
                ("password", "Replaced-password-42"),
            ],
        )
        .await;
    fixture.test_connection().await;

    let calls = fixture.tester.calls.lock().unwrap().clone();
    assert_eq!(
        calls.last().map(|call| call.3.as_str()),
        Some("Replaced-password-42")
    );
}

#[tokio::test]
async fn modify_form_prefilled_without_password() {
    let fixture = fixture().await;

    let page = fixture.browser.get(&fixture.path("/edit")).await;

    assert_eq!(
        page.input_value("host_name").as_deref(),
        Some("https://connector.example.com")
    );
    assert_eq!(
        page.input_value("user_name").as_deref(),
        Some(CONNECTOR_USER)
    );
    assert_eq!(page.input_value("password").as_deref(), Some(""));
    assert!(
        page.text
            .contains("Leave blank to keep the current password")
    );
}

#[tokio::test]
async fn test_connection_success_shows_tls() {
    let fixture = fixture().await;

    let page = fixture.test_connection().await;

    assert!(page.text.contains("id=\"verified\">Yes"), "{}", page.text);
    assert!(
        page.text
            .contains("over TLSv1.3 with cipher suite TLS13_AES_256_GCM_SHA384"),
        "{}",
        page.text
    );
    assert!(page.text.contains("in 12 ms"), "{}", page.text);
}

#[tokio::test]
async fn test_connection_failure_shows_cause() {
    let fixture = fixture().await;
    fixture.tester.fail_with(
        "credentials_rejected",
        "the connector rejected the user name or password (HTTP 401)",
    );

    let page = fixture.test_connection().await;

    assert!(page.text.contains("id=\"verified\">No"), "{}", page.text);
    assert!(
        page.text
            .contains(": the connector rejected the user name or password (HTTP 401)"),
        "{}",
        page.text
    );
}

#[tokio::test]
async fn service_enable_unverified_is_rejected() {
    let fixture = fixture().await;

    let page = fixture
        .configure("fetch-list", &[("enabled", "on"), ("endpoint_path", "")])
        .await;

    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.text
            .contains("Enabled: a service can be enabled only after a successful Test Connection"),
        "{}",
        page.text
    );
}

#[tokio::test]
async fn fetch_list_saved_and_listed_active() {
    let fixture = fixture().await;
    fixture.test_connection().await;

    let saved = fixture
        .configure(
            "fetch-list",
            &[
                ("enabled", "on"),
                ("endpoint_path", ""),
                ("list_name", "Projects"),
                ("list_category", "Project codes"),
                ("list_language_code", "en"),
                ("list_level", "1"),
            ],
        )
        .await;
    let shown = fixture.browser.get(&fixture.path("")).await;
    let list = fixture.browser.get("/registrations").await;
    let form = fixture
        .browser
        .get(&fixture.path("/services/fetch-list"))
        .await;

    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    assert!(shown.text.contains("1 configured list"), "{}", shown.text);
    assert!(
        shown.text.contains("/concur/list/v1.2/fetch"),
        "{}",
        shown.text
    );
    assert!(list.text.contains("<td>Fetch List</td>"), "{}", list.text);
    assert!(list.text.contains(">Active<"), "{}", list.text);
    assert_eq!(
        form.input_value("list_language_code").as_deref(),
        Some("EN")
    );
    assert!(
        form.text
            .contains("id=\"enabled\" name=\"enabled\" value=\"on\" checked"),
        "{}",
        form.text
    );
}

#[tokio::test]
async fn fetch_list_row_rules_beside_inputs() {
    let fixture = fixture().await;

    let page = fixture
        .configure(
            "fetch-list",
            &[
                ("list_name", "Projects"),
                ("list_category", "Projects"),
                ("list_language_code", "ENG"),
                ("list_level", "zero"),
            ],
        )
        .await;

    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.text.contains("id=\"list_language_code-0-error\""),
        "{}",
        page.text
    );
    assert!(
        page.text
            .contains("Language code: must be two letters, such as EN"),
        "{}",
        page.text
    );
    assert!(
        page.text
            .contains("Connected-list level: must be a whole number of at least 1"),
        "{}",
        page.text
    );
    // The rejected row stays in the form for correction.
    assert_eq!(
        page.input_value("list_language_code").as_deref(),
        Some("ENG")
    );
}

#[tokio::test]
async fn fetch_list_add_row_keeps_values_unsaved() {
    let fixture = fixture().await;

    let page = fixture
        .configure(
            "fetch-list",
            &[
                ("list_name", "Projects"),
                ("list_category", "Projects"),
                ("list_language_code", "EN"),
                ("list_level", "1"),
                ("add_row", "1"),
            ],
        )
        .await;
    let stored = fixture
        .browser
        .get(&fixture.path("/services/fetch-list"))
        .await;

    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.count_inputs("list_name"), 3);
    assert_eq!(page.input_value("list_name").as_deref(), Some("Projects"));
    assert_eq!(stored.count_inputs("list_name"), 1);
}

#[tokio::test]
async fn fetch_list_remove_row_on_save() {
    let fixture = fixture().await;
    fixture.test_connection().await;
    let list = |name: &'static str| {
        [
            ("list_name", name),
            ("list_category", "Codes"),
            ("list_language_code", "EN"),
            ("list_level", "1"),
        ]
    };
    let mut fields = vec![("enabled", "on")];
    fields.extend(list("Projects"));
    fields.extend(list("Cost centers"));
    fixture.configure("fetch-list", &fields).await;

    let mut fields = vec![("enabled", "on"), ("list_remove", "0")];
    fields.extend(list("Projects"));
    fields.extend(list("Cost centers"));
    fixture.configure("fetch-list", &fields).await;
    let form = fixture
        .browser
        .get(&fixture.path("/services/fetch-list"))
        .await;

    assert_eq!(
        form.input_value("list_name").as_deref(),
        Some("Cost centers")
    );
    assert_eq!(form.count_inputs("list_name"), 2);
}

#[tokio::test]
async fn fetch_attendee_types_saved() {
    let fixture = fixture().await;

    let saved = fixture
        .configure(
            "fetch-attendee",
            &[
                ("attendee_type", "BUSGUEST"),
                ("attendee_type", "SPOUSE"),
                ("attendee_type", ""),
            ],
        )
        .await;
    let shown = fixture.browser.get(&fixture.path("")).await;

    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    assert!(
        shown.text.contains("Attendee types: BUSGUEST, SPOUSE"),
        "{}",
        shown.text
    );
}

#[tokio::test]
async fn fetch_attendee_long_code_rejected() {
    let fixture = fixture().await;

    let page = fixture
        .configure("fetch-attendee", &[("attendee_type", "TOOLONGCODE")])
        .await;

    assert!(
        page.text.contains("id=\"attendee_type-0-error\""),
        "{}",
        page.text
    );
    assert!(
        page.text
            .contains("Attendee type code: must be 1 to 8 characters"),
        "{}",
        page.text
    );
}

#[tokio::test]
async fn event_notification_steps_saved() {
    let fixture = fixture().await;

    fixture
        .configure(
            "event-notification",
            &[
                ("submit_expense_reports", "on"),
                ("pre_extract_travel_requests", "on"),
            ],
        )
        .await;
    let form = fixture
        .browser
        .get(&fixture.path("/services/event-notification"))
        .await;

    assert!(
        form.text
            .contains("name=\"submit_expense_reports\" value=\"on\" checked"),
        "{}",
        form.text
    );
    assert!(
        form.text
            .contains("name=\"pre_extract_travel_requests\" value=\"on\" checked")
    );
    assert!(
        !form
            .text
            .contains("name=\"submit_travel_requests\" value=\"on\" checked")
    );
}

#[tokio::test]
async fn launch_v4_requires_oauth_fields() {
    let fixture = fixture().await;

    let page = fixture
        .configure(
            "launch-external-url",
            &[
                ("version", "V4"),
                ("oauth_client_id", ""),
                ("redirect_url", ""),
            ],
        )
        .await;

    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.text
            .contains("OAuth client id: required for version V4"),
        "{}",
        page.text
    );
    assert!(
        page.text.contains("Redirect URL: required for version V4"),
        "{}",
        page.text
    );
}

#[tokio::test]
async fn launch_v4_saved_with_default_path() {
    let fixture = fixture().await;

    fixture
        .configure(
            "launch-external-url",
            &[
                ("version", "V4"),
                ("endpoint_path", ""),
                ("oauth_client_id", "client-1"),
                ("redirect_url", "https://connector.example.com/oauth"),
            ],
        )
        .await;
    let shown = fixture.browser.get(&fixture.path("")).await;

    assert!(
        shown.text.contains("Version V4, OAuth client id client-1"),
        "{}",
        shown.text
    );
    assert!(
        shown.text.contains("/launchexternalurl/v4/form"),
        "{}",
        shown.text
    );
}

#[tokio::test]
async fn endpoint_path_rule_beside_field() {
    let fixture = fixture().await;

    let page = fixture
        .configure("event-notification", &[("endpoint_path", "notify?x=1")])
        .await;

    assert!(
        page.text.contains("Endpoint path: must begin with `/`"),
        "{}",
        page.text
    );
}

#[tokio::test]
async fn unknown_service_is_404() {
    let fixture = fixture().await;

    let page = fixture
        .browser
        .get(&fixture.path("/services/expense-export"))
        .await;

    assert_eq!(page.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn deactivate_lists_registration_inactive() {
    let fixture = fixture().await;
    fixture.test_connection().await;
    fixture
        .configure(
            "fetch-attendee",
            &[("enabled", "on"), ("attendee_type", "BUSGUEST")],
        )
        .await;
    fixture
        .configure(
            "fetch-list",
            &[
                ("enabled", "on"),
                ("list_name", "Projects"),
                ("list_category", "Codes"),
                ("list_language_code", "EN"),
                ("list_level", "1"),
            ],
        )
        .await;

    let page = fixture
        .browser
        .submit(&fixture.path(""), &fixture.path("/deactivate"), &[])
        .await;
    let list = fixture.browser.get("/registrations").await;
    let shown = fixture.browser.get(&fixture.path("")).await;

    assert_eq!(
        page.location(),
        Some(fixture.path("?notice=deactivated").as_str())
    );
    assert!(list.text.contains("HR connector"), "{}", list.text);
    assert!(list.text.contains(">Inactive<"), "{}", list.text);
    assert!(shown.text.contains("No configured lists"), "{}", shown.text);
    assert!(
        shown.text.contains("Attendee types: BUSGUEST"),
        "{}",
        shown.text
    );
}

#[tokio::test]
async fn audit_trail_lists_changes() {
    let fixture = fixture().await;
    fixture.test_connection().await;
    fixture
        .configure("fetch-attendee", &[("attendee_type", "BUSGUEST")])
        .await;

    let page = fixture.browser.get(&fixture.path("/audit")).await;

    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("<td>Created</td>"), "{}", page.text);
    assert!(
        page.text.contains("<td>Test Connection</td>"),
        "{}",
        page.text
    );
    assert!(
        page.text.contains("succeeded over TLSv1.3"),
        "{}",
        page.text
    );
    assert!(
        page.text.contains("<td>Configured Fetch Attendee</td>"),
        "{}",
        page.text
    );
    assert!(page.text.contains("attendee_types"), "{}", page.text);
}
