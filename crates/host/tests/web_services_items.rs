//! The item web services of Launch External URL over real HTTP: reading a
//! report, entry or allocation with its launch fields, setting a value, and
//! the scope of company-wide and user-bound tokens.

mod common;
mod notify_support;
mod services_support;

use std::sync::Arc;

use common::captured_log::captured_log;
use common::{Answer, TestHost, answer};
use host::connector_access::TokenService;
use host::domain::launch_fields::{LaunchObjectType, NewLaunchField};
use host::domain::services::OAuthClient;
use host::domain::{Actor, AuditAction, AuditEntry, RegistrationId, ServiceKind};
use host::sandbox::model::{
    AllocationAdded, ExpenseAllocationId, ExpenseEntryId, ExpenseReportId, NewExpenseReport,
};
use host::sandbox::values::ReportName;
use host::workflow::ObjectRef;
use notify_support::*;
use reqwest::Method;
use serde_json::json;
use services_support::*;
use time::OffsetDateTime;

const REDIRECT_URL: &str = "https://connector.example/launch/done";
const OAUTH_CLIENT_ID: &str = "leu-client";

/// A report of the employee with one entry and one allocation of 50 %.
struct Items {
    report: ExpenseReportId,
    entry: ExpenseEntryId,
    allocation: ExpenseAllocationId,
}

/// A host with a validating registration, its launch fields, and the
/// employee's report, entry and allocation.
struct Launched {
    validating: Validating,
    items: Items,
    /// A second registration of the same company, with its own fields.
    _other_connector: ScriptedConnector,
    other_registration: RegistrationId,
}

async fn launched() -> Launched {
    let validating = validating(notify_config()).await;
    let setup = &validating.setup;
    let (other_connector, other_registration) = second_registration(setup).await;
    for registration in [setup.registration, other_registration] {
        set_launch_service(setup, registration, true).await;
    }
    let fields = [
        (
            "CostObject",
            LaunchObjectType::Entry,
            false,
            setup.registration,
        ),
        ("Notes", LaunchObjectType::Entry, true, setup.registration),
        (
            "Project",
            LaunchObjectType::Header,
            false,
            setup.registration,
        ),
        (
            "Split",
            LaunchObjectType::Allocation,
            false,
            setup.registration,
        ),
        (
            "Foreign",
            LaunchObjectType::Entry,
            false,
            other_registration,
        ),
    ];
    for (code, object_type, multiline, registration) in fields {
        insert_field(
            &setup.host,
            &setup.admin,
            code,
            object_type,
            multiline,
            registration,
        )
        .await;
    }
    let items = items_of(&setup.host, &setup.employee, "March").await;
    Launched {
        validating,
        items,
        _other_connector: other_connector,
        other_registration,
    }
}

/// Enables or disables the V1 launch-external-url service of `registration`.
async fn set_launch_service(setup: &Notifying, registration: RegistrationId, enabled: bool) {
    let path = format!(
        "/api/v1/connectors/{}/services/launch-external-url",
        registration.0
    );
    let body = serde_json::json!({"enabled": enabled, "version": "V1"});
    let configured = setup.host.put(&path, &setup.admin_token, &body).await;
    assert_eq!(configured.status, 200, "{}", configured.text);
}

async fn insert_field(
    host: &TestHost,
    admin: &Actor,
    code: &str,
    object_type: LaunchObjectType,
    multiline: bool,
    registration: RegistrationId,
) {
    let field = NewLaunchField {
        company_id: admin.company.id,
        registration_id: registration,
        code: code.to_owned(),
        label: format!("{code} label"),
        object_type,
        multiline,
        popup_width: 800,
        popup_height: 600,
        created_at: OffsetDateTime::now_utc(),
    };
    let audit = AuditEntry {
        at: OffsetDateTime::now_utc(),
        actor_user_id: admin.user.id,
        actor_login: admin.user.login.clone(),
        action: AuditAction::LaunchFieldCreated,
        service: Some(ServiceKind::LaunchExternalUrl),
        changes: Vec::new(),
        result: Some(code.to_owned()),
    };
    host.store
        .insert_launch_field(&field, &audit)
        .await
        .expect("insert launch field");
}

/// Creates a report of `owner` with one entry and an allocation of 50 %.
async fn items_of(host: &TestHost, owner: &Actor, name: &str) -> Items {
    let now = OffsetDateTime::now_utc();
    let report = host
        .store
        .insert_expense_report(&NewExpenseReport {
            company_id: owner.company.id,
            owner: owner.user.id,
            name: ReportName::parse(name).unwrap(),
            created_at: now,
        })
        .await
        .expect("insert report");
    let entry = host
        .store
        .insert_expense_entry(report, &fields("80.00"), None, now)
        .await
        .expect("insert entry");
    let added = host
        .store
        .add_expense_allocation(report, entry, 50, now)
        .await
        .expect("add allocation");
    let AllocationAdded::Added(allocation) = added else {
        panic!("allocation not added: {added:?}");
    };
    Items {
        report,
        entry,
        allocation,
    }
}

fn report_path(items: &Items) -> String {
    format!("/api/expense/v1/items/reports/{}", items.report.0)
}

fn entry_path(items: &Items) -> String {
    format!("/api/expense/v1/items/entries/{}", items.entry.0)
}

fn allocation_path(items: &Items) -> String {
    format!("/api/expense/v1/items/allocations/{}", items.allocation.0)
}

async fn get_item(host: &TestHost, token: &str, path: &str) -> Answer {
    call(host, Method::GET, path, token, None, "application/json").await
}

async fn put_value(host: &TestHost, token: &str, path: &str, code: &str, value: &str) -> Answer {
    let path = format!("{path}/custom-fields/{code}");
    let body = json!({ "value": value });
    call(
        host,
        Method::PUT,
        &path,
        token,
        Some(&body),
        "application/json",
    )
    .await
}

/// Sends a PUT with a raw body and content type.
async fn put_raw(
    host: &TestHost,
    token: &str,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> Answer {
    let response = host
        .client
        .put(host.url(path))
        .bearer_auth(token)
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .expect("send request");
    answer(response).await
}

/// Returns the `custom_fields` of an item response as (code, value) pairs.
fn custom_values(answer: &Answer) -> Vec<(String, String)> {
    answer.body["custom_fields"]
        .as_array()
        .unwrap_or_else(|| panic!("custom_fields is missing: {}", answer.text))
        .iter()
        .map(|field| {
            (
                field["code"].as_str().unwrap().to_owned(),
                field["value"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn value_of(answer: &Answer, code: &str) -> Option<String> {
    custom_values(answer)
        .into_iter()
        .find(|(field, _)| field == code)
        .map(|(_, value)| value)
}

impl Launched {
    fn host(&self) -> &TestHost {
        self.validating.host()
    }

    /// Returns an access token for `user` from the authorization_code grant.
    async fn user_token(&self, user: &Actor) -> String {
        let setup = &self.validating.setup;
        let tokens = TokenService::new(
            Arc::clone(&setup.host.store),
            &host::Config::default().web_services,
        );
        let client = OAuthClient {
            client_id: OAUTH_CLIENT_ID.to_owned(),
            redirect_url: REDIRECT_URL.to_owned(),
        };
        let code = tokens
            .issue_launch_code(user.user.id, user.company.id, setup.registration, &client)
            .await
            .expect("issue launch code");
        let granted = token_request(
            self.host(),
            &[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("client_id", OAUTH_CLIENT_ID),
                ("redirect_uri", REDIRECT_URL),
                ("client_secret", self.validating.client_secret.as_str()),
            ],
        )
        .await;
        assert_eq!(granted.status, 200, "{}", granted.text);
        granted.body["access_token"].as_str().unwrap().to_owned()
    }
}

#[tokio::test]
async fn item_entry_lists_entry_fields() {
    let launched = launched().await;
    let token = launched.validating.access_token().await;
    let items = &launched.items;

    let read = get_item(launched.host(), &token, &entry_path(items)).await;

    assert_eq!(read.status, 200, "{}", read.text);
    assert_eq!(read.body["type"], "ENTRY");
    assert_eq!(read.body["id"], items.entry.0.to_string());
    assert_eq!(read.body["report_id"], items.report.0.to_string());
    assert_eq!(read.body["report_name"], "March");
    assert_eq!(
        read.body["owner_login"],
        launched.validating.setup.employee.user.login
    );
    assert_eq!(read.body["step"], "NOT_SUBMITTED");
    assert_eq!(read.body["entry"]["id"], items.entry.0.to_string());
    assert_eq!(read.body["entry"]["amount"], "80.00");
    assert_eq!(read.body["entry"]["currency"], "EUR");
    assert!(read.body.get("allocation").is_none(), "{}", read.text);
    let codes: Vec<String> = custom_values(&read)
        .into_iter()
        .map(|(code, _)| code)
        .collect();
    assert_eq!(codes, ["CostObject", "Foreign", "Notes"]);
    let notes = &read.body["custom_fields"][2];
    assert_eq!(notes["label"], "Notes label");
    assert_eq!(notes["multiline"], true);
    assert_eq!(notes["value"], "");
}

#[tokio::test]
async fn item_header_and_allocation_forms() {
    let launched = launched().await;
    let token = launched.validating.access_token().await;
    let items = &launched.items;

    let header = get_item(launched.host(), &token, &report_path(items)).await;
    let allocation = get_item(launched.host(), &token, &allocation_path(items)).await;

    assert_eq!(header.status, 200, "{}", header.text);
    assert_eq!(header.body["type"], "HEADER");
    assert_eq!(header.body["id"], items.report.0.to_string());
    assert!(header.body.get("entry").is_none(), "{}", header.text);
    assert_eq!(
        custom_values(&header),
        [("Project".to_owned(), String::new())]
    );
    assert_eq!(allocation.status, 200, "{}", allocation.text);
    assert_eq!(allocation.body["type"], "ALLOCATION");
    assert_eq!(allocation.body["allocation"]["percentage"], 50);
    assert_eq!(allocation.body["entry"]["id"], items.entry.0.to_string());
    assert_eq!(allocation.body["report_id"], items.report.0.to_string());
    assert_eq!(
        custom_values(&allocation),
        [("Split".to_owned(), String::new())]
    );
}

#[tokio::test]
async fn item_put_value_shows_in_get_and_store() {
    let launched = launched().await;
    let token = launched.validating.access_token().await;
    let items = &launched.items;
    let cases = [
        (
            entry_path(items),
            "CostObject",
            LaunchObjectType::Entry,
            items.entry.0,
        ),
        (
            report_path(items),
            "Project",
            LaunchObjectType::Header,
            items.report.0,
        ),
        (
            allocation_path(items),
            "Split",
            LaunchObjectType::Allocation,
            items.allocation.0,
        ),
    ];

    for (path, code, object_type, id) in cases {
        let value = format!("Website (P-{id})");
        let put = put_value(launched.host(), &token, &path, code, &value).await;
        let read = get_item(launched.host(), &token, &path).await;

        assert_eq!(put.status, 200, "{path}: {}", put.text);
        assert_eq!(value_of(&put, code).as_deref(), Some(value.as_str()));
        assert_eq!(value_of(&read, code).as_deref(), Some(value.as_str()));
        let stored = launched
            .host()
            .store
            .custom_field_values(launched.validating.setup.admin.company.id, object_type, id)
            .await
            .unwrap();
        let stored: Vec<&str> = stored.values().map(String::as_str).collect();
        assert_eq!(stored, [value.as_str()], "{path}");
    }
}

#[tokio::test]
async fn item_put_value_rules_name_value() {
    let launched = launched().await;
    let token = launched.validating.access_token().await;
    let path = entry_path(&launched.items);
    let long_line = "x".repeat(501);
    let long_text = "y".repeat(2001);
    let cases = [
        (
            "CostObject",
            "two\nlines",
            "value must not contain control characters",
        ),
        (
            "CostObject",
            long_line.as_str(),
            "value must be at most 500 characters",
        ),
        (
            "Notes",
            long_text.as_str(),
            "value must be at most 2000 characters",
        ),
        (
            "Notes",
            "bell\u{7}",
            "value must not contain control characters",
        ),
    ];

    for (code, value, description) in cases {
        let refused = put_value(launched.host(), &token, &path, code, value).await;

        assert_eq!(refused.status, 400, "{code}: {}", refused.text);
        assert_eq!(refused.body["error"], "invalid_request");
        let text = refused.body["error_description"].as_str().unwrap();
        assert!(text.starts_with(description), "{code}: {text}");
    }
    let multiline = put_value(launched.host(), &token, &path, "Notes", "one\r\ntwo").await;
    assert_eq!(multiline.status, 200, "{}", multiline.text);
    assert_eq!(value_of(&multiline, "Notes").as_deref(), Some("one\ntwo"));
    let longest = "z".repeat(500);
    let accepted = put_value(launched.host(), &token, &path, "CostObject", &longest).await;
    assert_eq!(accepted.status, 200, "{}", accepted.text);
}

#[tokio::test]
async fn item_put_field_of_other_registration_forbidden() {
    let launched = launched().await;
    let token = launched.validating.access_token().await;
    let path = entry_path(&launched.items);

    let refused = put_value(launched.host(), &token, &path, "Foreign", "x").await;

    assert_eq!(refused.status, 403, "{}", refused.text);
    assert_eq!(refused.body["error"], "insufficient_scope");
    let setup = &launched.validating.setup;
    let (other_id, other_secret) = generate_credentials(
        &setup.host,
        &setup.admin_token,
        launched.other_registration.0,
    )
    .await;
    let granted = token_request(
        launched.host(),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", other_id.as_str()),
            ("client_secret", other_secret.as_str()),
        ],
    )
    .await;
    let other_token = granted.body["access_token"].as_str().unwrap();
    let own_field = put_value(launched.host(), other_token, &path, "Foreign", "x").await;
    assert_eq!(own_field.status, 200, "{}", own_field.text);
}

#[tokio::test]
async fn item_put_unknown_field_not_found() {
    let launched = launched().await;
    let token = launched.validating.access_token().await;
    let path = entry_path(&launched.items);

    for code in ["Missing", "Project", "costobject", "bad%20code"] {
        let refused = put_value(launched.host(), &token, &path, code, "x").await;

        assert_eq!(refused.status, 404, "{code}: {}", refused.text);
        assert_eq!(refused.body["error"], "not_found");
    }
}

#[tokio::test]
async fn item_put_submitted_report_conflict() {
    let launched = launched().await;
    let token = launched.validating.access_token().await;
    let setup = &launched.validating.setup;
    setup
        .workflow
        .submit(
            &setup.employee,
            ObjectRef::expense_report(launched.items.report.0),
        )
        .await
        .expect("submit");

    let refused = put_value(
        launched.host(),
        &token,
        &entry_path(&launched.items),
        "CostObject",
        "x",
    )
    .await;

    assert_eq!(refused.status, 409, "{}", refused.text);
    assert_eq!(refused.body["error"], "not_editable");
}

#[tokio::test]
async fn item_put_disabled_launch_service_conflict() {
    let launched = launched().await;
    let token = launched.validating.access_token().await;
    let setup = &launched.validating.setup;
    set_launch_service(setup, setup.registration, false).await;

    let refused = put_value(
        launched.host(),
        &token,
        &entry_path(&launched.items),
        "CostObject",
        "x",
    )
    .await;

    assert_eq!(refused.status, 409, "{}", refused.text);
    assert_eq!(refused.body["error"], "service_disabled");
}

#[tokio::test]
async fn item_put_body_rules() {
    let launched = launched().await;
    let token = launched.validating.access_token().await;
    let path = format!("{}/custom-fields/CostObject", entry_path(&launched.items));
    let host = launched.host();
    let oversized = serde_json::to_vec(&json!({"value": "a".repeat(9000)})).unwrap();
    let cases: [(&str, Vec<u8>, u16, &str); 7] = [
        (
            "text/plain",
            b"{\"value\":\"x\"}".to_vec(),
            415,
            "Content-Type must be application/json",
        ),
        ("application/json", oversized, 413, ""),
        ("application/json", b"{}".to_vec(), 400, "value is required"),
        (
            "application/json",
            b"{\"value\":7}".to_vec(),
            400,
            "value must be a string",
        ),
        (
            "application/json",
            b"{\"value\":\"x\",\"other\":1}".to_vec(),
            400,
            "other is not a known member",
        ),
        (
            "application/json",
            b"[\"x\"]".to_vec(),
            400,
            "body must be a JSON object",
        ),
        (
            "application/json",
            b"{\"value\":".to_vec(),
            400,
            "body must be valid JSON",
        ),
    ];

    for (content_type, body, status, description) in cases {
        let refused = put_raw(host, &token, &path, content_type, body).await;

        assert_eq!(refused.status, status, "{description}: {}", refused.text);
        let text = refused.body["error_description"]
            .as_str()
            .unwrap_or_default();
        assert!(text.starts_with(description), "{description}: {text}");
    }
}

#[tokio::test]
async fn item_of_other_company_not_found() {
    let launched = launched().await;
    let token = launched.validating.access_token().await;
    let stranger = user(launched.host(), "Globex", "standard", false, &["employee"]).await;
    let foreign = items_of(launched.host(), &stranger, "Foreign").await;

    let read = get_item(launched.host(), &token, &entry_path(&foreign)).await;
    let put = put_value(
        launched.host(),
        &token,
        &entry_path(&foreign),
        "CostObject",
        "x",
    )
    .await;

    assert_eq!(read.status, 404, "{}", read.text);
    assert_eq!(read.body["error"], "not_found");
    assert_eq!(put.status, 404, "{}", put.text);
}

#[tokio::test]
async fn item_user_token_reaches_own_reports_only() {
    let launched = launched().await;
    let setup = &launched.validating.setup;
    let colleague = user(launched.host(), "Acme", "standard", false, &["employee"]).await;
    let theirs = items_of(launched.host(), &colleague, "Colleague").await;
    let token = launched.user_token(&setup.employee).await;
    let company_token = launched.validating.access_token().await;
    let own = &launched.items;

    for path in [entry_path(own), report_path(own), allocation_path(own)] {
        let read = get_item(launched.host(), &token, &path).await;
        assert_eq!(read.status, 200, "{path}: {}", read.text);
    }
    let put = put_value(
        launched.host(),
        &token,
        &entry_path(own),
        "CostObject",
        "Own",
    )
    .await;
    assert_eq!(put.status, 200, "{}", put.text);
    for path in [
        entry_path(&theirs),
        report_path(&theirs),
        allocation_path(&theirs),
    ] {
        let read = get_item(launched.host(), &token, &path).await;
        assert_eq!(read.status, 404, "{path}: {}", read.text);
        let by_company = get_item(launched.host(), &company_token, &path).await;
        assert_eq!(by_company.status, 200, "{path}: {}", by_company.text);
    }
    let put_theirs = put_value(
        launched.host(),
        &token,
        &entry_path(&theirs),
        "CostObject",
        "x",
    )
    .await;
    assert_eq!(put_theirs.status, 404, "{}", put_theirs.text);
}

#[tokio::test]
async fn item_unknown_ids_not_found() {
    let launched = launched().await;
    let token = launched.validating.access_token().await;

    for path in [
        "/api/expense/v1/items/entries/999999",
        "/api/expense/v1/items/entries/0",
        "/api/expense/v1/items/entries/abc",
        "/api/expense/v1/items/reports/-1",
        "/api/expense/v1/items/allocations/99999999999999999999",
    ] {
        let read = get_item(launched.host(), &token, path).await;

        assert_eq!(read.status, 404, "{path}: {}", read.text);
        assert_eq!(read.body["error"], "not_found");
    }
}

#[tokio::test]
async fn item_calls_need_valid_token() {
    let launched = launched().await;
    let path = entry_path(&launched.items);
    let host = launched.host();

    let without = host.send(Method::GET, &path, None, None).await;
    let wrong = get_item(host, "cat_wrong", &path).await;
    let wrong_put = put_value(host, "cat_wrong", &path, "CostObject", "x").await;

    assert_eq!(without.status, 401, "{}", without.text);
    assert_eq!(wrong.status, 401, "{}", wrong.text);
    assert_eq!(wrong.body["error"], "invalid_token");
    assert_eq!(wrong_put.status, 401, "{}", wrong_put.text);
}

#[tokio::test]
async fn item_log_has_no_value_or_token() {
    let captured = captured_log();
    let launched = launched().await;
    let token = launched
        .user_token(&launched.validating.setup.employee)
        .await;
    let value = "Secret project value 7f3a";

    let put = put_value(
        launched.host(),
        &token,
        &entry_path(&launched.items),
        "CostObject",
        value,
    )
    .await;

    let wrong_type = put_raw(
        launched.host(),
        &token,
        &format!("{}/custom-fields/LogProbe", entry_path(&launched.items)),
        "text/plain",
        value.as_bytes().to_vec(),
    )
    .await;

    assert_eq!(put.status, 200, "{}", put.text);
    assert_eq!(wrong_type.status, 415, "{}", wrong_type.text);
    let log = captured.text();
    let lines: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("item web service call"))
        .collect();
    assert!(
        lines
            .iter()
            .any(|line| line.contains("field=\"CostObject\"") && line.contains("outcome=\"set\"")),
        "log: {log}"
    );
    assert!(
        lines.iter().any(|line| line.contains("field=\"LogProbe\"")
            && line.contains("outcome=\"invalid_request\"")),
        "log: {log}"
    );
    assert!(!log.contains(value), "the value is in the log");
    assert!(!log.contains(&token), "the access token is in the log");
}
