//! `POST /expenses/launch` over real HTTPS: the signed URL verifies with the
//! protocol crate and the registration's credentials, the form is saved
//! first, and ownership, role and workflow step are enforced.

mod common;
mod dispatch_support;
mod launch_support;
mod sandbox_support;
mod web_support;

use common::captured_log::captured_log;
use common::{CONNECTOR_PASSWORD, CONNECTOR_USER};
use launch_support::*;
use protocol::{LaunchCredentials, LaunchSource, LaunchV1, LaunchV4};
use reqwest::StatusCode;
use serde_json::Value;
use web_support::Page;

fn credentials() -> LaunchCredentials<'static> {
    LaunchCredentials {
        username: CONNECTOR_USER,
        password: CONNECTOR_PASSWORD,
    }
}

/// Returns the JSON body of a launch that succeeded.
fn launched(page: &Page) -> Value {
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    serde_json::from_str(&page.text).expect("JSON body")
}

/// Splits a launch URL into the part before `?` and the query.
fn split_url(body: &Value) -> (String, String) {
    let url = body["url"].as_str().expect("url");
    let (base, query) = url.split_once('?').expect("query in the URL");
    (base.to_owned(), query.to_owned())
}

/// Returns the origin under which the sandbox host serves the item web services.
fn host_origin(launch: &Launch) -> String {
    launch.ready.sandbox.host().url.clone()
}

#[tokio::test]
async fn launch_v1_entry_url_verifies() {
    let launch = Launch::start("V1").await;
    let field = launch.field("CostObject", "ENTRY").await;
    let (_, entry) = report_and_entry(launch.employee()).await;
    let entry_id = last_id(&entry);

    let page = post_launch(
        launch.employee(),
        &entry,
        field,
        &format!("ENTRY:{entry_id}"),
        &sandbox_support::entry_fields(),
        true,
    )
    .await;

    let body = launched(&page);
    let (base, query) = split_url(&body);
    assert_eq!(
        base,
        format!("{}/concur/form/v1.0/get", launch.ready.connector.origin)
    );
    let verified = LaunchV1::verify_query(&query, credentials()).expect("signature verifies");
    assert_eq!(verified.company_domain, "acme.example");
    assert!(
        verified.user_id.starts_with("employee-"),
        "{}",
        verified.user_id
    );
    assert_eq!(
        verified.item_url,
        format!(
            "{}/api/expense/v1/items/entries/{entry_id}",
            host_origin(&launch)
        )
    );
    assert_eq!(body["width"], 640);
    assert_eq!(body["height"], 480);
}

#[tokio::test]
async fn launch_v1_wrong_password_fails_verification() {
    let launch = Launch::start("V1").await;
    let field = launch.field("CostObject", "ENTRY").await;
    let (_, entry) = report_and_entry(launch.employee()).await;

    let page = post_launch(
        launch.employee(),
        &entry,
        field,
        &format!("ENTRY:{}", last_id(&entry)),
        &sandbox_support::entry_fields(),
        true,
    )
    .await;

    let (_, query) = split_url(&launched(&page));
    let wrong = LaunchCredentials {
        username: CONNECTOR_USER,
        password: "another-password",
    };
    assert!(LaunchV1::verify_query(&query, wrong).is_err());
}

#[tokio::test]
async fn launch_v4_header_url_verifies() {
    let launch = Launch::start("V4").await;
    let field = launch.field("Project", "HEADER").await;
    let (report, _) = report_and_entry(launch.employee()).await;
    let path = format!("/expenses/reports/{report}");

    let page = post_launch(
        launch.employee(),
        &path,
        field,
        &format!("HEADER:{report}"),
        &[],
        true,
    )
    .await;

    let (base, query) = split_url(&launched(&page));
    assert_eq!(
        base,
        format!(
            "{}/launchexternalurl/v4/form",
            launch.ready.connector.origin
        )
    );
    let verified = LaunchV4::verify_query(&query, credentials()).expect("signature verifies");
    assert_eq!(verified.source, LaunchSource::Header);
    assert_eq!(verified.custom_field_launched_from, "Project");
    assert_eq!(
        verified.item_url,
        format!(
            "{}/api/expense/v1/items/reports/{report}",
            host_origin(&launch)
        )
    );
    assert!(verified.expense_ids.is_empty());
    assert_eq!(verified.company_domain, "acme.example");
    assert_eq!(verified.logged_in_user_id, verified.report_owner_user_id);
    assert!(
        verified.report_owner_employee_id.parse::<i64>().is_ok(),
        "{}",
        verified.report_owner_employee_id
    );
    assert!(!verified.is_mobile);
    assert_eq!(verified.language_code, "en");
    assert!(
        verified.client_auth_code.starts_with("lc_"),
        "{}",
        verified.client_auth_code
    );
}

#[tokio::test]
async fn launch_v4_entry_url_verifies() {
    let launch = Launch::start("V4").await;
    let field = launch.field("CostObject", "ENTRY").await;
    let (_, entry) = report_and_entry(launch.employee()).await;
    let entry_id = last_id(&entry);

    let page = post_launch(
        launch.employee(),
        &entry,
        field,
        &format!("ENTRY:{entry_id}"),
        &sandbox_support::entry_fields(),
        true,
    )
    .await;

    let (_, query) = split_url(&launched(&page));
    let verified = LaunchV4::verify_query(&query, credentials()).expect("signature verifies");
    assert_eq!(verified.source, LaunchSource::Entry);
    assert_eq!(
        verified.item_url,
        format!(
            "{}/api/expense/v1/items/entries/{entry_id}",
            host_origin(&launch)
        )
    );
    assert!(verified.expense_ids.is_empty());
}

#[tokio::test]
async fn launch_v4_allocation_sends_expense_ids() {
    let launch = Launch::start("V4").await;
    let field = launch.field("Split", "ALLOCATION").await;
    let (_, entry) = report_and_entry(launch.employee()).await;
    let entry_id = last_id(&entry);
    let allocation = add_allocation(launch.employee(), &entry, "50").await;

    let page = post_launch(
        launch.employee(),
        &entry,
        field,
        &format!("ALLOCATION:{allocation}"),
        &[],
        true,
    )
    .await;

    let (_, query) = split_url(&launched(&page));
    let verified = LaunchV4::verify_query(&query, credentials()).expect("signature verifies");
    assert_eq!(verified.source, LaunchSource::Allocation);
    assert_eq!(verified.expense_ids, [entry_id.to_string()]);
    assert_eq!(
        verified.item_url,
        format!(
            "{}/api/expense/v1/items/allocations/{allocation}",
            host_origin(&launch)
        )
    );
}

#[tokio::test]
async fn launch_nonce_fresh_each_time() {
    let launch = Launch::start("V4").await;
    let field = launch.field("Project", "HEADER").await;
    let (report, _) = report_and_entry(launch.employee()).await;
    let path = format!("/expenses/reports/{report}");
    let object = format!("HEADER:{report}");

    let mut nonces = Vec::new();
    let mut codes = Vec::new();
    for _ in 0..3 {
        let page = post_launch(launch.employee(), &path, field, &object, &[], true).await;
        let (_, query) = split_url(&launched(&page));
        let verified = LaunchV4::verify_query(&query, credentials()).unwrap();
        nonces.push(verified.nonce);
        codes.push(verified.client_auth_code);
    }

    nonces.sort();
    nonces.dedup();
    codes.sort();
    codes.dedup();
    assert_eq!(nonces.len(), 3, "every launch has its own nonce");
    assert_eq!(codes.len(), 3, "every launch has its own launch code");
}

#[tokio::test]
async fn launch_saves_form_first() {
    let launch = Launch::start("V4").await;
    let field = launch.field("CostObject", "ENTRY").await;
    let (_, entry) = report_and_entry(launch.employee()).await;
    let mut typed = sandbox_support::entry_fields();
    typed.retain(|(name, _)| *name != "amount");
    typed.push(("amount", "99.90"));
    typed.push(("custom_CostObject", "typed before launch"));

    let page = post_launch(
        launch.employee(),
        &entry,
        field,
        &format!("ENTRY:{}", last_id(&entry)),
        &typed,
        true,
    )
    .await;
    let shown = launch.employee().get(&entry).await;

    launched(&page);
    assert_eq!(
        shown.input_value("custom_CostObject").as_deref(),
        Some("typed before launch")
    );
    assert_eq!(shown.input_value("amount").as_deref(), Some("99.90"));
}

#[tokio::test]
async fn launch_invalid_value_rejected_unsaved() {
    let launch = Launch::start("V4").await;
    let field = launch.field("CostObject", "ENTRY").await;
    let (_, entry) = report_and_entry(launch.employee()).await;
    let mut typed = sandbox_support::entry_fields();
    typed.retain(|(name, _)| *name != "amount");
    typed.push(("amount", "-1"));
    typed.push(("custom_CostObject", "line\nbreak"));

    let page = post_launch(
        launch.employee(),
        &entry,
        field,
        &format!("ENTRY:{}", last_id(&entry)),
        &typed,
        true,
    )
    .await;
    let shown = launch.employee().get(&entry).await;

    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.text);
    let body: Value = serde_json::from_str(&page.text).unwrap();
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|error| error["field"].as_str())
        .collect();
    assert!(fields.contains(&"amount"), "{}", page.text);
    assert!(fields.contains(&"custom_CostObject"), "{}", page.text);
    assert_eq!(shown.input_value("custom_CostObject").as_deref(), Some(""));
}

#[tokio::test]
async fn launch_without_json_redirects() {
    let launch = Launch::start("V4").await;
    let field = launch.field("Project", "HEADER").await;
    let (report, _) = report_and_entry(launch.employee()).await;
    let path = format!("/expenses/reports/{report}");

    let page = post_launch(
        launch.employee(),
        &path,
        field,
        &format!("HEADER:{report}"),
        &[],
        false,
    )
    .await;

    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
    let location = page.location().expect("Location");
    let (_, query) = location.split_once('?').expect("query");
    assert!(LaunchV4::verify_query(query, credentials()).is_ok());
}

#[tokio::test]
async fn launch_other_employee_not_found() {
    let launch = Launch::start("V4").await;
    let field = launch.field("CostObject", "ENTRY").await;
    let (_, entry) = report_and_entry(launch.employee()).await;
    let other = launch.ready.sandbox.employee("Acme").await;

    let page = post_launch(
        &other,
        "/expenses",
        field,
        &format!("ENTRY:{}", last_id(&entry)),
        &[],
        true,
    )
    .await;

    assert_eq!(page.status, StatusCode::NOT_FOUND, "{}", page.text);
    assert!(!page.text.contains("url"), "{}", page.text);
}

#[tokio::test]
async fn launch_other_company_field_not_found() {
    let launch = Launch::start("V4").await;
    let field = launch.field("CostObject", "ENTRY").await;
    let stranger = launch.ready.sandbox.employee("Globex").await;
    let report = sandbox_support::create_report(&stranger, "Globex trip").await;
    // Globex has no configured list, so the entry has no list field.
    let mut fields = sandbox_support::entry_fields();
    fields.retain(|(name, _)| *name != "list");
    let entry = sandbox_support::create_entry(&stranger, report, &fields).await;

    let page = post_launch(
        &stranger,
        &entry,
        field,
        &format!("ENTRY:{}", last_id(&entry)),
        &[],
        true,
    )
    .await;

    assert_eq!(page.status, StatusCode::NOT_FOUND, "{}", page.text);
}

#[tokio::test]
async fn launch_approver_forbidden() {
    let launch = Launch::start("V4").await;
    let field = launch.field("Project", "HEADER").await;
    let (report, _) = report_and_entry(launch.employee()).await;
    let approver = launch.browser_with_roles(&["approver"]).await;

    let page = post_launch(
        &approver,
        "/approvals",
        field,
        &format!("HEADER:{report}"),
        &[],
        true,
    )
    .await;

    assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.text);
}

#[tokio::test]
async fn launch_submitted_report_conflict() {
    let launch = Launch::start("V4").await;
    let field = launch.field("Project", "HEADER").await;
    let (report, _) = report_and_entry(launch.employee()).await;
    let path = format!("/expenses/reports/{report}");
    let submitted = launch
        .employee()
        .submit(&path, &format!("{path}/submit"), &[])
        .await;
    assert_eq!(
        submitted.status,
        StatusCode::SEE_OTHER,
        "{}",
        submitted.text
    );

    let page = post_launch(
        launch.employee(),
        &path,
        field,
        &format!("HEADER:{report}"),
        &[("custom_Project", "changed after submit")],
        true,
    )
    .await;

    assert_eq!(page.status, StatusCode::CONFLICT, "{}", page.text);
}

#[tokio::test]
async fn launch_field_of_other_object_type_rejected() {
    let launch = Launch::start("V4").await;
    let field = launch.field("CostObject", "ENTRY").await;
    let (report, _) = report_and_entry(launch.employee()).await;

    let page = post_launch(
        launch.employee(),
        &format!("/expenses/reports/{report}"),
        field,
        &format!("HEADER:{report}"),
        &[],
        true,
    )
    .await;

    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.text);
    assert!(page.text.contains("launch_object"), "{}", page.text);
}

#[tokio::test]
async fn launch_malformed_object_rejected() {
    let launch = Launch::start("V4").await;
    let field = launch.field("CostObject", "ENTRY").await;

    for object in ["ENTRY:abc", "LINE:1", "ENTRY:-1", ""] {
        let page = post_launch(launch.employee(), "/expenses", field, object, &[], true).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{object:?}");
        assert!(
            page.text.contains("launch_object"),
            "{object:?}: {}",
            page.text
        );
    }
}

#[tokio::test]
async fn launch_disabled_service_conflict() {
    let launch = Launch::start("V4").await;
    let field = launch.field("Project", "HEADER").await;
    let (report, _) = report_and_entry(launch.employee()).await;
    launch
        .ready
        .sandbox
        .configure(
            launch.ready.registration,
            "launch-external-url",
            serde_json::json!({"enabled": false, "version": "V1"}),
        )
        .await;

    let page = post_launch(
        launch.employee(),
        &format!("/expenses/reports/{report}"),
        field,
        &format!("HEADER:{report}"),
        &[],
        true,
    )
    .await;

    assert_eq!(page.status, StatusCode::CONFLICT, "{}", page.text);
}

/// Changes the password of the launch registration through the API, which
/// clears its Verified state and leaves its services enabled.
async fn unverify(launch: &Launch) {
    let setup = &launch.ready.sandbox.setup;
    let changed = setup
        .host
        .patch(
            &format!("/api/v1/connectors/{}", launch.ready.registration.0),
            &setup.token,
            &serde_json::json!({"password": "another-password-123"}),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    assert_eq!(changed.body["verified"], false, "{}", changed.text);
    assert_eq!(
        changed.body["services"]["launch-external-url"]["enabled"], true,
        "{}",
        changed.text
    );
}

/// Launches the entry field of a new entry after the registration lost
/// its Verified state, requesting JSON when `json` is set. The form leaves
/// out the list field, because its Fetch List service is inactive too.
async fn launch_unverified(version: &str, json: bool) -> Page {
    let launch = Launch::start(version).await;
    let field = launch.field("CostObject", "ENTRY").await;
    let (_, entry) = report_and_entry(launch.employee()).await;
    unverify(&launch).await;
    let fields: Vec<(&str, &str)> = sandbox_support::entry_fields()
        .into_iter()
        .filter(|(name, _)| *name != "list")
        .collect();

    post_launch(
        launch.employee(),
        &entry,
        field,
        &format!("ENTRY:{}", last_id(&entry)),
        &fields,
        json,
    )
    .await
}

/// Asserts that a launch was rejected as unavailable and carries no
/// signed URL, no signature and no launch code.
fn assert_unavailable(page: &Page) {
    assert_eq!(page.status, StatusCode::CONFLICT, "{}", page.text);
    assert!(
        page.text.contains("not available"),
        "the message names the unavailable connector: {}",
        page.text
    );
    assert!(page.location().is_none(), "{:?}", page.location());
    for issued in ["url", "signature", "lc_", "client_auth_code"] {
        assert!(!page.text.contains(issued), "{issued} in {}", page.text);
    }
}

#[tokio::test]
async fn launch_v1_unverified_registration_conflict() {
    let page = launch_unverified("V1", true).await;

    assert_unavailable(&page);
}

#[tokio::test]
async fn launch_v4_unverified_registration_conflict() {
    let page = launch_unverified("V4", true).await;

    assert_unavailable(&page);
}

#[tokio::test]
async fn launch_unverified_without_json_conflict() {
    let page = launch_unverified("V1", false).await;

    assert_unavailable(&page);
}

#[tokio::test]
async fn launch_without_csrf_token_forbidden() {
    let launch = Launch::start("V4").await;
    let field = launch.field("Project", "HEADER").await;
    let (report, _) = report_and_entry(launch.employee()).await;
    let field = field.to_string();
    let object = format!("HEADER:{report}");

    let page = launch
        .employee()
        .post_accepting(
            "/expenses/launch",
            &[("launch_field", &field), ("launch_object", &object)],
            true,
        )
        .await;

    assert_eq!(page.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn launch_logs_without_secrets() {
    let log = captured_log();
    let launch = Launch::start("V4").await;
    let field = launch.field("Project", "HEADER").await;
    let (report, _) = report_and_entry(launch.employee()).await;

    let page = post_launch(
        launch.employee(),
        &format!("/expenses/reports/{report}"),
        field,
        &format!("HEADER:{report}"),
        &[],
        true,
    )
    .await;

    let (_, query) = split_url(&launched(&page));
    let verified = LaunchV4::verify_query(&query, credentials()).unwrap();
    let text = log.text();
    assert!(text.contains("launch URL issued"), "one line per launch");
    assert!(
        text.contains(&format!("HEADER:{report}")),
        "object in the log"
    );
    assert!(
        !text.contains(&verified.client_auth_code),
        "launch code in the log"
    );
    assert!(!text.contains(&verified.nonce), "nonce in the log");
    let signature = query
        .split('&')
        .find_map(|pair| pair.strip_prefix("signature="))
        .unwrap();
    assert!(!text.contains(signature), "signature in the log");
    assert!(!text.contains(CONNECTOR_PASSWORD), "password in the log");
}

#[tokio::test]
async fn launch_without_json_shows_rules_on_page() {
    let launch = Launch::start("V4").await;
    let field = launch.field("Split", "ALLOCATION").await;
    let (_, entry) = report_and_entry(launch.employee()).await;
    let allocation = add_allocation(launch.employee(), &entry, "50").await;
    let long = "x".repeat(501);

    let page = post_launch(
        launch.employee(),
        &entry,
        field,
        &format!("ALLOCATION:{allocation}"),
        &[("custom_Split", &long)],
        false,
    )
    .await;

    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.text
    );
    let fieldset =
        sandbox_support::element(&page.text, "fieldset", &format!("allocation-{allocation}"));
    assert!(
        fieldset.contains("Split label: must be at most 500 characters"),
        "{fieldset}"
    );
}
