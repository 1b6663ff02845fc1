//! Service configuration: endpoint paths, settings rules, and gating on the Verified state.

mod common;

use common::*;
use host::domain::rules;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Starts a host and returns it with an administrator token and a registration id.
async fn setup() -> (TestHost, String, i64) {
    let host = spawn_host(FakeTester::succeeding()).await;
    let token = host.administrator("Acme").await;
    let id = host.create_registration(&token, "HR").await;
    (host, token, id)
}

async fn verify(host: &TestHost, token: &str, id: i64) {
    let tested = host
        .post(
            &format!("/api/v1/connectors/{id}/test-connection"),
            token,
            &json!({}),
        )
        .await;
    assert_eq!(tested.body["verified"], true, "{}", tested.text);
}

async fn configure(host: &TestHost, token: &str, id: i64, service: &str, body: Value) -> Answer {
    host.put(
        &format!("/api/v1/connectors/{id}/services/{service}"),
        token,
        &body,
    )
    .await
}

#[tokio::test]
async fn enable_while_unverified_is_refused() {
    let (host, token, id) = setup().await;

    for service in [
        "fetch-attendee",
        "fetch-list",
        "event-notification",
        "launch-external-url",
    ] {
        let mut body = json!({"enabled": true});
        if service == "launch-external-url" {
            body["version"] = json!("V1");
        }
        let answer = configure(&host, &token, id, service, body).await;

        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{service}");
        assert!(
            answer.has_error("enabled", rules::ENABLE_UNVERIFIED),
            "{service}: {}",
            answer.text
        );
    }
}

#[tokio::test]
async fn enable_after_verification_activates() {
    let (host, token, id) = setup().await;
    verify(&host, &token, id).await;

    let answer = configure(
        &host,
        &token,
        id,
        "fetch-attendee",
        json!({"enabled": true}),
    )
    .await;

    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(answer.body["services"]["fetch-attendee"]["enabled"], true);
    assert_eq!(answer.body["services"]["fetch-attendee"]["active"], true);
    assert_eq!(answer.body["active"], true);
}

#[tokio::test]
async fn credential_change_unverifies_and_deactivates() {
    let (host, token, id) = setup().await;
    verify(&host, &token, id).await;
    configure(
        &host,
        &token,
        id,
        "fetch-attendee",
        json!({"enabled": true}),
    )
    .await;
    let changes = [
        json!({"host_name": "https://other.example.com"}),
        json!({"user_name": "another-connector-user"}),
        json!({"password": "another-password-123"}),
    ];

    for change in changes {
        verify(&host, &token, id).await;
        let changed = host
            .patch(&format!("/api/v1/connectors/{id}"), &token, &change)
            .await;

        assert_eq!(changed.body["verified"], false, "{change}");
        assert_eq!(changed.body["active"], false, "{change}");
        assert_eq!(
            changed.body["services"]["fetch-attendee"]["enabled"], true,
            "{change}"
        );
        assert_eq!(
            changed.body["services"]["fetch-attendee"]["active"], false,
            "{change}"
        );
    }
}

#[tokio::test]
async fn description_change_keeps_verified() {
    let (host, token, id) = setup().await;
    verify(&host, &token, id).await;

    let changed = host
        .patch(
            &format!("/api/v1/connectors/{id}"),
            &token,
            &json!({"name": "HR 2", "description": "new"}),
        )
        .await;

    assert_eq!(changed.body["verified"], true);
}

#[tokio::test]
async fn same_credentials_keep_verified() {
    let (host, token, id) = setup().await;
    verify(&host, &token, id).await;

    let body = json!({
        "host_name": "https://CONNECTOR.example.com",
        "user_name": CONNECTOR_USER,
        "password": CONNECTOR_PASSWORD,
    });
    let changed = host
        .patch(&format!("/api/v1/connectors/{id}"), &token, &body)
        .await;

    assert_eq!(changed.body["verified"], true);
}

#[tokio::test]
async fn enabled_service_may_change_while_unverified() {
    let (host, token, id) = setup().await;
    verify(&host, &token, id).await;
    configure(
        &host,
        &token,
        id,
        "fetch-attendee",
        json!({"enabled": true}),
    )
    .await;
    host.patch(
        &format!("/api/v1/connectors/{id}"),
        &token,
        &json!({"password": "another-password-123"}),
    )
    .await;

    let answer = configure(
        &host,
        &token,
        id,
        "fetch-attendee",
        json!({"enabled": true, "attendee_types": ["BUSGUEST"]}),
    )
    .await;

    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(answer.body["services"]["fetch-attendee"]["active"], false);
}

#[tokio::test]
async fn disable_while_unverified_is_allowed() {
    let (host, token, id) = setup().await;

    let answer = configure(
        &host,
        &token,
        id,
        "event-notification",
        json!({"enabled": false}),
    )
    .await;

    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
}

#[tokio::test]
async fn endpoint_path_is_stored() {
    let (host, token, id) = setup().await;

    let answer = configure(
        &host,
        &token,
        id,
        "fetch-list",
        json!({"enabled": false, "endpoint_path": "/lists/v1.2/fetch"}),
    )
    .await;

    assert_eq!(
        answer.body["services"]["fetch-list"]["endpoint_path"],
        "/lists/v1.2/fetch"
    );
}

#[tokio::test]
async fn endpoint_path_rules() {
    let (host, token, id) = setup().await;
    let cases = [
        ("lists/fetch", rules::ENDPOINT_PATH_SLASH),
        ("", rules::ENDPOINT_PATH_SLASH),
        ("/lists fetch", rules::ENDPOINT_PATH_CHARACTERS),
        ("/lists?x=1", rules::ENDPOINT_PATH_CHARACTERS),
        ("/lists#x", rules::ENDPOINT_PATH_CHARACTERS),
        ("//evil.example.com/x", rules::ENDPOINT_PATH_CHARACTERS),
    ];

    for (path, rule) in cases {
        let answer = configure(
            &host,
            &token,
            id,
            "fetch-list",
            json!({"enabled": false, "endpoint_path": path}),
        )
        .await;

        assert!(
            answer.has_error("endpoint_path", rule),
            "{path}: {}",
            answer.text
        );
    }
}

#[tokio::test]
async fn endpoint_path_too_long_is_refused() {
    let (host, token, id) = setup().await;
    let path = format!("/{}", "p".repeat(255));

    let answer = configure(
        &host,
        &token,
        id,
        "fetch-list",
        json!({"enabled": false, "endpoint_path": path}),
    )
    .await;

    assert!(
        answer.has_error("endpoint_path", rules::ENDPOINT_PATH_LENGTH),
        "{}",
        answer.text
    );
}

#[tokio::test]
async fn attendee_types_are_stored() {
    let (host, token, id) = setup().await;

    let answer = configure(
        &host,
        &token,
        id,
        "fetch-attendee",
        json!({"enabled": false, "attendee_types": ["BUSGUEST", "SPEAKER"]}),
    )
    .await;

    assert_eq!(
        answer.body["services"]["fetch-attendee"]["attendee_types"],
        json!(["BUSGUEST", "SPEAKER"])
    );
}

#[tokio::test]
async fn attendee_type_rules() {
    let (host, token, id) = setup().await;
    let cases = [
        (
            json!(["NINECHARS"]),
            "attendee_types[0]",
            rules::ATTENDEE_TYPE_LENGTH,
        ),
        (
            json!([""]),
            "attendee_types[0]",
            rules::ATTENDEE_TYPE_LENGTH,
        ),
        (
            json!(["GUEST", "GUEST"]),
            "attendee_types[1]",
            rules::DUPLICATE,
        ),
        (json!([5]), "attendee_types[0]", rules::MUST_BE_STRING),
        (json!("GUEST"), "attendee_types", rules::MUST_BE_ARRAY),
    ];

    for (types, field, rule) in cases {
        let answer = configure(
            &host,
            &token,
            id,
            "fetch-attendee",
            json!({"enabled": false, "attendee_types": types}),
        )
        .await;

        assert!(answer.has_error(field, rule), "{types}: {}", answer.text);
    }
}

fn list(name: &str, category: &str, language: &str, level: Value) -> Value {
    json!({"list_name": name, "category": category, "language_code": language, "connected_list_level": level})
}

#[tokio::test]
async fn configured_lists_are_stored() {
    let (host, token, id) = setup().await;
    verify(&host, &token, id).await;

    let answer = configure(
        &host,
        &token,
        id,
        "fetch-list",
        json!({"enabled": true, "lists": [list("Projects", "Cost objects", "en", json!(2))]}),
    )
    .await;

    let stored = &answer.body["services"]["fetch-list"]["lists"][0];
    assert_eq!(stored["list_name"], "Projects");
    assert_eq!(stored["category"], "Cost objects");
    assert_eq!(stored["language_code"], "EN");
    assert_eq!(stored["connected_list_level"], 2);
}

#[tokio::test]
async fn configured_list_rules() {
    let (host, token, id) = setup().await;
    let cases = [
        (
            list("", "Cost", "EN", json!(1)),
            "lists[0].list_name",
            rules::LIST_TEXT_LENGTH,
        ),
        (
            list("Projects", "", "EN", json!(1)),
            "lists[0].category",
            rules::LIST_TEXT_LENGTH,
        ),
        (
            list("Projects", "Cost", "ENG", json!(1)),
            "lists[0].language_code",
            rules::LANGUAGE_CODE,
        ),
        (
            list("Projects", "Cost", "E1", json!(1)),
            "lists[0].language_code",
            rules::LANGUAGE_CODE,
        ),
        (
            list("Projects", "Cost", "EN", json!(0)),
            "lists[0].connected_list_level",
            rules::CONNECTED_LIST_LEVEL,
        ),
        (
            list("Projects", "Cost", "EN", json!(1.5)),
            "lists[0].connected_list_level",
            rules::CONNECTED_LIST_LEVEL,
        ),
        (
            json!({"category": "Cost", "language_code": "EN", "connected_list_level": 1}),
            "lists[0].list_name",
            rules::REQUIRED,
        ),
    ];

    for (entry, field, rule) in cases {
        let answer = configure(
            &host,
            &token,
            id,
            "fetch-list",
            json!({"enabled": false, "lists": [entry]}),
        )
        .await;

        assert!(answer.has_error(field, rule), "{entry}: {}", answer.text);
    }
}

#[tokio::test]
async fn disabling_fetch_list_removes_lists() {
    let (host, token, id) = setup().await;
    verify(&host, &token, id).await;
    configure(
        &host,
        &token,
        id,
        "fetch-list",
        json!({"enabled": true, "lists": [list("Projects", "Cost", "EN", json!(1))]}),
    )
    .await;

    let answer = configure(
        &host,
        &token,
        id,
        "fetch-list",
        json!({"enabled": false, "lists": [list("Projects", "Cost", "EN", json!(1))]}),
    )
    .await;

    assert_eq!(answer.body["services"]["fetch-list"]["lists"], json!([]));
}

#[tokio::test]
async fn workflow_steps_are_stored() {
    let (host, token, id) = setup().await;
    let steps = json!([
        {"step": "External Validation - Submit", "expense_reports": true, "travel_requests": false},
        {"step": "External Validation - Pre-Extract", "expense_reports": true, "travel_requests": true},
    ]);

    let answer = configure(
        &host,
        &token,
        id,
        "event-notification",
        json!({"enabled": false, "workflow_steps": steps}),
    )
    .await;

    assert_eq!(
        answer.body["services"]["event-notification"]["workflow_steps"],
        steps
    );
}

#[tokio::test]
async fn workflow_step_rules() {
    let (host, token, id) = setup().await;
    let submit = "External Validation - Submit";
    let cases = [
        (
            json!([{"step": "Approve", "expense_reports": true}]),
            "workflow_steps[0].step",
            rules::WORKFLOW_STEP,
        ),
        (
            json!([{"step": submit}]),
            "workflow_steps[0]",
            rules::WORKFLOW_OBJECTS,
        ),
        (
            json!([{"step": submit, "expense_reports": true}, {"step": submit, "travel_requests": true}]),
            "workflow_steps[1].step",
            rules::DUPLICATE,
        ),
        (
            json!([{"expense_reports": true}]),
            "workflow_steps[0].step",
            rules::REQUIRED,
        ),
    ];

    for (steps, field, rule) in cases {
        let answer = configure(
            &host,
            &token,
            id,
            "event-notification",
            json!({"enabled": false, "workflow_steps": steps}),
        )
        .await;

        assert!(answer.has_error(field, rule), "{steps}: {}", answer.text);
    }
}

#[tokio::test]
async fn launch_v4_stores_oauth_client_and_v4_path() {
    let (host, token, id) = setup().await;

    let answer = configure(
        &host,
        &token,
        id,
        "launch-external-url",
        json!({
            "enabled": false,
            "version": "V4",
            "oauth_client_id": "client-123",
            "redirect_url": "https://connector.example.com/oauth/callback"
        }),
    )
    .await;

    let service = &answer.body["services"]["launch-external-url"];
    assert_eq!(service["version"], "V4", "{}", answer.text);
    assert_eq!(service["endpoint_path"], "/launchexternalurl/v4/form");
    assert_eq!(service["oauth_client_id"], "client-123");
    assert_eq!(
        service["redirect_url"],
        "https://connector.example.com/oauth/callback"
    );
}

#[tokio::test]
async fn launch_rules() {
    let (host, token, id) = setup().await;
    let cases = [
        (json!({"enabled": false}), "version", rules::REQUIRED),
        (
            json!({"enabled": false, "version": "V2"}),
            "version",
            rules::LAUNCH_VERSION,
        ),
        (
            json!({"enabled": false, "version": "V4", "redirect_url": "https://a.example.com/cb"}),
            "oauth_client_id",
            rules::REQUIRED_FOR_V4,
        ),
        (
            json!({"enabled": false, "version": "V4", "oauth_client_id": "c"}),
            "redirect_url",
            rules::REQUIRED_FOR_V4,
        ),
        (
            json!({"enabled": false, "version": "V4", "oauth_client_id": "c", "redirect_url": "http://a.example.com/cb"}),
            "redirect_url",
            rules::REDIRECT_URL,
        ),
        (
            json!({"enabled": false, "version": "V4", "oauth_client_id": "c", "redirect_url": "/cb"}),
            "redirect_url",
            rules::REDIRECT_URL,
        ),
        (
            json!({"enabled": false, "version": "V1", "oauth_client_id": "c"}),
            "oauth_client_id",
            rules::ONLY_FOR_V4,
        ),
    ];

    for (body, field, rule) in cases {
        let answer = configure(&host, &token, id, "launch-external-url", body.clone()).await;

        assert!(answer.has_error(field, rule), "{body}: {}", answer.text);
    }
}

#[tokio::test]
async fn missing_enabled_is_refused() {
    let (host, token, id) = setup().await;

    let answer = configure(
        &host,
        &token,
        id,
        "fetch-attendee",
        json!({"attendee_types": []}),
    )
    .await;

    assert!(
        answer.has_error("enabled", rules::REQUIRED),
        "{}",
        answer.text
    );
}

#[tokio::test]
async fn unknown_service_is_404() {
    let (host, token, id) = setup().await;

    let answer = configure(
        &host,
        &token,
        id,
        "fetch-weather",
        json!({"enabled": false}),
    )
    .await;

    assert_eq!(answer.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn setting_of_other_service_is_unknown_field() {
    let (host, token, id) = setup().await;

    let answer = configure(
        &host,
        &token,
        id,
        "fetch-list",
        json!({"enabled": false, "attendee_types": []}),
    )
    .await;

    assert!(
        answer.has_error("attendee_types", rules::UNKNOWN_FIELD),
        "{}",
        answer.text
    );
}
