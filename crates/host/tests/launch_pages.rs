//! Launch fields over real HTTPS: the admin page and API with their rules,
//! and the fields on the report, entry and approval pages.

mod common;
mod dispatch_support;
mod launch_support;
mod sandbox_support;
mod web_support;

use launch_support::*;
use reqwest::StatusCode;
use sandbox_support::element;
use serde_json::json;

/// The rule texts of launch fields, as the pages and API show them.
mod rules {
    pub use host::domain::launch_fields::launch_rules::*;
}

fn field_body(registration: i64, code: &str, object_type: &str) -> serde_json::Value {
    json!({
        "registration_id": registration,
        "code": code,
        "label": "Cost object",
        "object_type": object_type,
        "popup_width": 800,
        "popup_height": 600,
    })
}

#[tokio::test]
async fn field_api_creates_and_lists() {
    let launch = Launch::start("V4").await;
    let registration = launch.ready.registration.0;

    let created = launch
        .post_field(field_body(registration, "CostObject", "HEADER"))
        .await;
    let setup = &launch.ready.sandbox.setup;
    let listed = setup.host.get("/api/v1/launch-fields", &setup.token).await;

    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.body["code"], "CostObject");
    assert_eq!(created.body["object_type"], "HEADER");
    assert_eq!(created.body["multiline"], false);
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(listed.body["launch_fields"][0]["id"], created.body["id"]);
}

#[tokio::test]
async fn field_api_records_audit_entry() {
    let launch = Launch::start("V4").await;
    launch.field("CostObject", "ENTRY").await;

    let setup = &launch.ready.sandbox.setup;
    let trail = setup
        .host
        .get(
            &format!("/api/v1/connectors/{}/audit", launch.ready.registration.0),
            &setup.token,
        )
        .await;

    let entries = trail.body["entries"].as_array().unwrap();
    let last = entries.last().unwrap();
    assert_eq!(last["action"], "launch_field_created", "{}", trail.text);
}

#[tokio::test]
async fn field_api_v1_allows_entry_only() {
    let launch = Launch::start("V1").await;
    let registration = launch.ready.registration.0;

    let header = launch
        .post_field(field_body(registration, "Project", "HEADER"))
        .await;
    let entry = launch
        .post_field(field_body(registration, "CostObject", "ENTRY"))
        .await;

    assert_eq!(header.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        header.has_error("object_type", rules::ENTRY_FOR_V1),
        "{}",
        header.text
    );
    assert_eq!(entry.status, StatusCode::CREATED, "{}", entry.text);
}

#[tokio::test]
async fn field_api_disabled_service_rejected() {
    let launch = Launch::start("V4").await;
    let registration = launch.ready.registration;
    launch
        .ready
        .sandbox
        .configure(
            registration,
            "launch-external-url",
            json!({"enabled": false, "version": "V1"}),
        )
        .await;

    let answer = launch
        .post_field(field_body(registration.0, "CostObject", "ENTRY"))
        .await;

    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        answer.has_error("registration_id", rules::SERVICE_DISABLED),
        "{}",
        answer.text
    );
}

#[tokio::test]
async fn field_api_size_and_type_rules() {
    let launch = Launch::start("V4").await;
    let registration = launch.ready.registration.0;
    let cases = [
        ("popup_width", json!(199), rules::POPUP_SIZE),
        ("popup_width", json!(2001), rules::POPUP_SIZE),
        ("popup_height", json!("600"), rules::POPUP_SIZE),
        ("popup_height", json!(600.5), rules::POPUP_SIZE),
        ("code", json!("cost object"), rules::CODE),
        ("object_type", json!("LINE"), rules::OBJECT_TYPE),
        ("registration_id", json!(999), rules::REGISTRATION_UNKNOWN),
    ];

    for (member, value, rule) in cases {
        let mut body = field_body(registration, "CostObject", "ENTRY");
        body[member] = value.clone();
        let answer = launch.post_field(body).await;

        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{member} = {value}"
        );
        assert!(
            answer.has_error(member, rule),
            "{member} = {value}: {}",
            answer.text
        );
    }
}

#[tokio::test]
async fn field_api_duplicate_code_rejected() {
    let launch = Launch::start("V4").await;
    let registration = launch.ready.registration.0;
    launch.field("CostObject", "ENTRY").await;

    let answer = launch
        .post_field(field_body(registration, "costobject", "HEADER"))
        .await;

    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        answer.has_error("code", rules::CODE_UNIQUE),
        "{}",
        answer.text
    );
}

#[tokio::test]
async fn field_api_unknown_member_rejected() {
    let launch = Launch::start("V4").await;
    let mut body = field_body(launch.ready.registration.0, "CostObject", "ENTRY");
    body["colour"] = json!("red");

    let answer = launch.post_field(body).await;

    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        answer.has_error("colour", "unknown field"),
        "{}",
        answer.text
    );
}

#[tokio::test]
async fn field_api_employee_forbidden() {
    let launch = Launch::start("V4").await;
    let host = launch.ready.sandbox.host();
    let token = host.account("Acme", "standard", false, &["employee"]).await;

    let answer = host.get("/api/v1/launch-fields", &token).await;

    assert_eq!(answer.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn field_page_creates_field() {
    let launch = Launch::start("V4").await;
    let admin = launch
        .browser_with_roles(&["can-administer", "employee"])
        .await;
    let registration = launch.ready.registration.0.to_string();

    let created = admin
        .submit(
            "/launch-fields",
            "/launch-fields",
            &[
                ("registration_id", &registration),
                ("code", "CostObject"),
                ("label", "Cost object"),
                ("object_type", "ALLOCATION"),
                ("multiline", "true"),
                ("popup_width", "700"),
                ("popup_height", "500"),
            ],
        )
        .await;
    let page = admin.get("/launch-fields").await;

    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text);
    let row = element(&page.text, "tr", "launch-field-CostObject");
    assert!(row.contains("ALLOCATION"), "{row}");
    assert!(row.contains("Multi-line"), "{row}");
    assert!(row.contains("700 × 500"), "{row}");
    assert!(
        page.text.contains("href=\"/launch-fields\""),
        "navigation link"
    );
}

#[tokio::test]
async fn field_page_shows_rules() {
    let launch = Launch::start("V1").await;
    let admin = launch
        .browser_with_roles(&["can-administer", "employee"])
        .await;
    let registration = launch.ready.registration.0.to_string();

    let rejected = admin
        .submit(
            "/launch-fields",
            "/launch-fields",
            &[
                ("registration_id", &registration),
                ("code", "CostObject"),
                ("label", "Cost object"),
                ("object_type", "HEADER"),
                ("popup_width", "wide"),
                ("popup_height", "600"),
            ],
        )
        .await;

    assert_eq!(rejected.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        rejected
            .text
            .contains(&format!("<p>Object: {}</p>", rules::ENTRY_FOR_V1)),
        "{}",
        rejected.text
    );
    assert!(
        rejected
            .text
            .contains(&format!("<p>Popup width: {}</p>", rules::POPUP_SIZE)),
        "{}",
        rejected.text
    );
}

#[tokio::test]
async fn field_page_lists_only_enabled_registrations() {
    let launch = Launch::start("V4").await;
    let admin = launch
        .browser_with_roles(&["can-administer", "employee"])
        .await;
    launch
        .ready
        .sandbox
        .configure(
            launch.ready.registration,
            "launch-external-url",
            json!({"enabled": false, "version": "V1"}),
        )
        .await;

    let page = admin.get("/launch-fields").await;

    assert!(
        page.text.contains("id=\"no-launch-registrations\""),
        "{}",
        page.text
    );
}

#[tokio::test]
async fn field_page_employee_forbidden() {
    let launch = Launch::start("V4").await;

    let page = launch.employee().get("/launch-fields").await;

    assert_eq!(page.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn entry_page_employee_sees_button() {
    let launch = Launch::start("V4").await;
    let field = launch.field("CostObject", "ENTRY").await;
    let (_, entry) = report_and_entry(launch.employee()).await;

    let page = launch.employee().get(&entry).await;

    let form = element(&page.text, "form", "entry-form");
    assert!(
        form.contains(&format!("name=\"launch_field\" value=\"{field}\"")),
        "{form}"
    );
    assert!(form.contains("formaction=\"/expenses/launch\""), "{form}");
    assert!(form.contains("data-popup-width=\"640\""), "{form}");
    assert!(
        form.contains(&format!("value=\"ENTRY:{}\"", last_id(&entry))),
        "{form}"
    );
    assert!(page.text.contains("/expenses/static/launch.js"), "script");
}

#[tokio::test]
async fn report_page_employee_sees_header_button() {
    let launch = Launch::start("V4").await;
    let field = launch.field("Project", "HEADER").await;
    let (report, _) = report_and_entry(launch.employee()).await;

    let page = launch
        .employee()
        .get(&format!("/expenses/reports/{report}"))
        .await;

    let form = element(&page.text, "form", "report-fields-form");
    assert!(
        form.contains(&format!("name=\"launch_field\" value=\"{field}\"")),
        "{form}"
    );
    assert!(
        form.contains(&format!("value=\"HEADER:{report}\"")),
        "{form}"
    );
}

#[tokio::test]
async fn entry_values_saved_with_form() {
    let launch = Launch::start("V4").await;
    launch.field("CostObject", "ENTRY").await;
    launch.field_with("Notes", "ENTRY", true).await;
    let (_, entry) = report_and_entry(launch.employee()).await;
    let mut fields = sandbox_support::entry_fields();
    fields.push(("custom_CostObject", "Berlin (DE-BER)"));
    fields.push(("custom_Notes", "first line\r\nsecond line"));

    let saved = launch.employee().submit(&entry, &entry, &fields).await;
    let page = launch.employee().get(&entry).await;

    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    assert_eq!(
        page.input_value("custom_CostObject").as_deref(),
        Some("Berlin (DE-BER)")
    );
    assert!(
        page.text.contains(">\nfirst line\nsecond line</textarea>"),
        "{}",
        page.text
    );
}

#[tokio::test]
async fn entry_value_rules_shown() {
    let launch = Launch::start("V4").await;
    launch.field("CostObject", "ENTRY").await;
    let (_, entry) = report_and_entry(launch.employee()).await;
    let long = "x".repeat(501);
    let mut fields = sandbox_support::entry_fields();
    fields.push(("custom_CostObject", &long));

    let rejected = launch.employee().submit(&entry, &entry, &fields).await;

    assert_eq!(rejected.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        rejected.text.contains(&format!(
            "<p>CostObject label: {}</p>",
            rules::SINGLE_LINE_VALUE_LENGTH
        )),
        "{}",
        rejected.text
    );
}

#[tokio::test]
async fn entry_value_script_escaped() {
    let launch = Launch::start("V4").await;
    launch.field("CostObject", "ENTRY").await;
    let (_, entry) = report_and_entry(launch.employee()).await;
    let mut fields = sandbox_support::entry_fields();
    fields.push(("custom_CostObject", "<script>alert(1)</script>\"x"));

    let saved = launch.employee().submit(&entry, &entry, &fields).await;
    let page = launch.employee().get(&entry).await;

    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    assert!(!page.text.contains("<script>alert(1)"), "{}", page.text);
    assert!(
        page.text
            .contains("value=\"&#60;script&#62;alert(1)&#60;/script&#62;&#34;x\""),
        "{}",
        page.text
    );
}

#[tokio::test]
async fn header_values_saved_with_form() {
    let launch = Launch::start("V4").await;
    launch.field("Project", "HEADER").await;
    let (report, _) = report_and_entry(launch.employee()).await;
    let path = format!("/expenses/reports/{report}");

    let saved = launch
        .employee()
        .submit(
            &path,
            &format!("{path}/fields"),
            &[("custom_Project", "Apollo")],
        )
        .await;
    let page = launch.employee().get(&path).await;

    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    assert_eq!(
        page.input_value("custom_Project").as_deref(),
        Some("Apollo")
    );
}

#[tokio::test]
async fn allocations_added_saved_and_removed() {
    let launch = Launch::start("V4").await;
    launch.field("Split", "ALLOCATION").await;
    let (_, entry) = report_and_entry(launch.employee()).await;
    let employee = launch.employee();

    let first = add_allocation(employee, &entry, "60").await;
    let over = employee
        .submit(
            &entry,
            &format!("{entry}/allocations"),
            &[("percentage", "41")],
        )
        .await;
    let saved = employee
        .submit(
            &entry,
            &format!("{entry}/allocations/{first}"),
            &[("custom_Split", "Team A")],
        )
        .await;
    let shown = employee.get(&entry).await;
    let removed = employee
        .submit(&entry, &format!("{entry}/allocations/{first}/delete"), &[])
        .await;
    let after = employee.get(&entry).await;

    assert_eq!(over.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The rule's apostrophe is escaped in HTML, so the check matches its end.
    assert!(
        over.text.contains("at or below 100 (60 of 100"),
        "{}",
        over.text
    );
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    let fieldset = element(&shown.text, "fieldset", &format!("allocation-{first}"));
    assert!(fieldset.contains("value=\"Team A\""), "{fieldset}");
    assert!(fieldset.contains("name=\"launch_field\""), "{fieldset}");
    assert_eq!(removed.status, StatusCode::SEE_OTHER, "{}", removed.text);
    assert!(
        after.text.contains("id=\"no-allocations\""),
        "{}",
        after.text
    );
}

#[tokio::test]
async fn allocation_percentage_rules() {
    let launch = Launch::start("V4").await;
    let (_, entry) = report_and_entry(launch.employee()).await;

    for typed in ["0", "101", "12.5", "ten", ""] {
        let page = launch
            .employee()
            .submit(
                &entry,
                &format!("{entry}/allocations"),
                &[("percentage", typed)],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{typed:?}");
        assert!(
            page.text
                .contains(&format!("<p>Percentage: {}</p>", rules::PERCENTAGE)),
            "{typed:?}: {}",
            page.text
        );
    }
}

/// Submits the report, which then waits for approval, since no connector validates it.
async fn submit(browser: &web_support::Browser, report: i64) {
    let path = format!("/expenses/reports/{report}");
    let submitted = browser.submit(&path, &format!("{path}/submit"), &[]).await;
    assert_eq!(
        submitted.status,
        StatusCode::SEE_OTHER,
        "{}",
        submitted.text
    );
}

#[tokio::test]
async fn owner_after_submit_sees_no_button() {
    let launch = Launch::start("V4").await;
    launch.field("CostObject", "ENTRY").await;
    launch.field("Project", "HEADER").await;
    let (report, entry) = report_and_entry(launch.employee()).await;
    let mut fields = sandbox_support::entry_fields();
    fields.push(("custom_CostObject", "Berlin (DE-BER)"));
    launch.employee().submit(&entry, &entry, &fields).await;
    submit(launch.employee(), report).await;

    let entry_page = launch.employee().get(&entry).await;
    let report_page = launch
        .employee()
        .get(&format!("/expenses/reports/{report}"))
        .await;

    assert!(
        !entry_page.text.contains("data-launch "),
        "{}",
        entry_page.text
    );
    assert!(
        !report_page.text.contains("data-launch "),
        "{}",
        report_page.text
    );
    let form = element(&entry_page.text, "form", "entry-form");
    assert!(
        form.contains("value=\"Berlin (DE-BER)\" readonly"),
        "{form}"
    );
}

#[tokio::test]
async fn approver_sees_read_only_values() {
    let launch = Launch::start("V4").await;
    launch.field("CostObject", "ENTRY").await;
    let (report, entry) = report_and_entry(launch.employee()).await;
    let mut fields = sandbox_support::entry_fields();
    fields.push(("custom_CostObject", "Berlin (DE-BER)"));
    launch.employee().submit(&entry, &entry, &fields).await;
    submit(launch.employee(), report).await;
    let approver = launch.browser_with_roles(&["approver"]).await;

    let page = approver.get("/approvals").await;

    assert_eq!(page.status, StatusCode::OK);
    let row = element(
        &page.text,
        "tr",
        &format!("approval-fields-EXPRPT-{report}"),
    );
    assert!(row.contains("value=\"Berlin (DE-BER)\" readonly"), "{row}");
    assert!(row.contains("CostObject label"), "{row}");
    assert!(!row.contains("data-launch "), "{row}");
    assert!(!row.contains("/expenses/launch"), "{row}");
}

#[tokio::test]
async fn expense_pages_allow_popups() {
    let launch = Launch::start("V4").await;

    let expenses = launch.employee().get("/expenses").await;
    let registrations = launch.employee().get("/login").await;

    assert_eq!(
        expenses.headers["cross-origin-opener-policy"],
        "same-origin-allow-popups"
    );
    assert_eq!(
        registrations.headers["cross-origin-opener-policy"],
        "same-origin"
    );
}

#[tokio::test]
async fn launch_script_served() {
    let launch = Launch::start("V4").await;

    let script = launch.employee().get("/expenses/static/launch.js").await;

    assert_eq!(script.status, StatusCode::OK);
    assert!(
        script.text.contains("window.open('about:blank'"),
        "script body"
    );
    assert!(script.text.contains("popup.closed"), "script body");
}
