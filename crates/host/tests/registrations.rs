//! Registration fields and their rules, listing, changing, and the refused DELETE, over HTTPS.

mod common;

use common::*;
use host::domain::rules;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn with(field: &str, value: Value) -> Value {
    let mut body = registration_body("HR");
    body[field] = value;
    body
}

fn without(field: &str) -> Value {
    let mut body = registration_body("HR");
    body.as_object_mut().unwrap().remove(field);
    body
}

#[tokio::test]
async fn create_returns_registration_without_password() {
    let host = spawn_host(FakeTester::succeeding()).await;
    let token = host.administrator("Acme").await;

    let created = host
        .post("/api/v1/connectors", &token, &registration_body("HR"))
        .await;

    assert_eq!(created.status, StatusCode::CREATED);
    assert_eq!(created.body["name"], "HR");
    assert_eq!(created.body["host_name"], "https://connector.example.com");
    assert_eq!(created.body["user_name"], CONNECTOR_USER);
    assert_eq!(created.body["verified"], false);
    assert_eq!(created.body["active"], false);
    assert!(created.body.get("password").is_none());
    assert!(!created.text.contains(CONNECTOR_PASSWORD));
}

#[tokio::test]
async fn create_sets_location() {
    let host = spawn_host(FakeTester::succeeding()).await;
    let token = host.administrator("Acme").await;

    let created = host
        .post("/api/v1/connectors", &token, &registration_body("HR"))
        .await;

    let expected = format!("/api/v1/connectors/{}", created.body["id"]);
    let location = created
        .headers
        .get("location")
        .and_then(|v| v.to_str().ok());
    assert_eq!(location, Some(expected.as_str()));
}

#[tokio::test]
async fn create_has_four_disabled_services_at_default_paths() {
    let host = spawn_host(FakeTester::succeeding()).await;
    let token = host.administrator("Acme").await;

    let created = host
        .post("/api/v1/connectors", &token, &registration_body("HR"))
        .await;

    let services = &created.body["services"];
    let expected = [
        ("fetch-attendee", "/concur/attendee/v2.0/fetch"),
        ("fetch-list", "/concur/list/v1.2/fetch"),
        ("event-notification", "/concur/v1.0/notify"),
        ("launch-external-url", "/concur/form/v1.0/get"),
    ];
    for (service, path) in expected {
        assert_eq!(services[service]["endpoint_path"], path, "{service}");
        assert_eq!(services[service]["enabled"], false, "{service}");
    }
    assert_eq!(services["launch-external-url"]["version"], "V1");
}

#[tokio::test]
async fn create_refuses_each_bad_field() {
    let host = spawn_host(FakeTester::succeeding()).await;
    let token = host.administrator("Acme").await;
    let long_host = format!("https://{}.example.com", "h".repeat(250));
    let cases: Vec<(&str, Value, &str, &str)> = vec![
        ("missing name", without("name"), "name", rules::REQUIRED),
        (
            "empty name",
            with("name", json!("")),
            "name",
            rules::NAME_LENGTH,
        ),
        (
            "blank name",
            with("name", json!("   ")),
            "name",
            rules::NAME_LENGTH,
        ),
        (
            "long name",
            with("name", json!("n".repeat(101))),
            "name",
            rules::NAME_LENGTH,
        ),
        (
            "name with newline",
            with("name", json!("H\nR")),
            "name",
            rules::NO_CONTROL_CHARACTERS,
        ),
        (
            "numeric name",
            with("name", json!(7)),
            "name",
            rules::MUST_BE_STRING,
        ),
        (
            "long description",
            with("description", json!("d".repeat(501))),
            "description",
            rules::DESCRIPTION_LENGTH,
        ),
        (
            "missing host name",
            without("host_name"),
            "host_name",
            rules::REQUIRED,
        ),
        (
            "http host name",
            with("host_name", json!("http://connector.example.com")),
            "host_name",
            rules::HOST_NAME_HTTPS,
        ),
        (
            "bare host name",
            with("host_name", json!("connector.example.com")),
            "host_name",
            rules::HOST_NAME_URL,
        ),
        (
            "host name with path",
            with("host_name", json!("https://connector.example.com/concur")),
            "host_name",
            rules::HOST_NAME_PATH,
        ),
        (
            "host name with query",
            with("host_name", json!("https://connector.example.com/?a=1")),
            "host_name",
            rules::HOST_NAME_QUERY,
        ),
        (
            "host name with fragment",
            with("host_name", json!("https://connector.example.com#x")),
            "host_name",
            rules::HOST_NAME_FRAGMENT,
        ),
        (
            "host name with user info",
            with("host_name", json!("https://me:pw@connector.example.com")),
            "host_name",
            rules::HOST_NAME_USER_INFO,
        ),
        (
            "long host name",
            with("host_name", json!(long_host)),
            "host_name",
            rules::HOST_NAME_LENGTH,
        ),
        (
            "missing user name",
            without("user_name"),
            "user_name",
            rules::REQUIRED,
        ),
        (
            "short user name",
            with("user_name", json!("user-nine")),
            "user_name",
            rules::CREDENTIAL_LENGTH,
        ),
        (
            "long user name",
            with("user_name", json!("u".repeat(51))),
            "user_name",
            rules::CREDENTIAL_LENGTH,
        ),
        (
            "user name with colon",
            with("user_name", json!("connector:user")),
            "user_name",
            rules::USER_NAME_COLON,
        ),
        (
            "missing password",
            without("password"),
            "password",
            rules::REQUIRED,
        ),
        (
            "short password",
            with("password", json!("pw-nine-9")),
            "password",
            rules::CREDENTIAL_LENGTH,
        ),
        (
            "long password",
            with("password", json!("p".repeat(51))),
            "password",
            rules::CREDENTIAL_LENGTH,
        ),
        (
            "numeric password",
            with("password", json!(1234567890123_i64)),
            "password",
            rules::MUST_BE_STRING,
        ),
        (
            "unknown field",
            with("colour", json!("red")),
            "colour",
            rules::UNKNOWN_FIELD,
        ),
    ];

    for (case, body, field, rule) in cases {
        let answer = host.post("/api/v1/connectors", &token, &body).await;

        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{case}: {}",
            answer.text
        );
        assert!(answer.has_error(field, rule), "{case}: {}", answer.text);
    }
    let listed = host.get("/api/v1/connectors", &token).await;
    assert_eq!(listed.body["connectors"].as_array().map(Vec::len), Some(0));
}

#[tokio::test]
async fn create_reports_every_broken_rule() {
    let host = spawn_host(FakeTester::succeeding()).await;
    let token = host.administrator("Acme").await;
    let body =
        json!({"name": "", "host_name": "http://x", "user_name": "short", "password": "short"});

    let answer = host.post("/api/v1/connectors", &token, &body).await;

    let fields: Vec<String> = answer
        .errors()
        .into_iter()
        .map(|(field, _)| field)
        .collect();
    assert_eq!(fields, ["name", "host_name", "user_name", "password"]);
}

#[tokio::test]
async fn name_boundaries_are_accepted() {
    let host = spawn_host(FakeTester::succeeding()).await;
    let token = host.administrator("Acme").await;

    let one = host
        .post("/api/v1/connectors", &token, &with("name", json!("H")))
        .await;
    let hundred = host
        .post(
            "/api/v1/connectors",
            &token,
            &with("name", json!("é".repeat(100))),
        )
        .await;

    assert_eq!(one.status, StatusCode::CREATED);
    assert_eq!(hundred.status, StatusCode::CREATED);
}

#[tokio::test]
async fn credential_boundaries_are_accepted() {
    let host = spawn_host(FakeTester::succeeding()).await;
    let token = host.administrator("Acme").await;
    let cases = [
        ("user name of 10 characters", "user_name", "user-ten-1"),
        ("password of 10 characters", "password", "pw-ten-123"),
    ];

    for (case, field, value) in cases {
        assert_eq!(value.chars().count(), 10, "{case}");
        let mut body = with(field, json!(value));
        body["name"] = json!(case);

        let created = host.post("/api/v1/connectors", &token, &body).await;

        assert_eq!(
            created.status,
            StatusCode::CREATED,
            "{case}: {}",
            created.text
        );
        if field == "user_name" {
            assert_eq!(created.body["user_name"], value, "{case}");
        }
    }
}

#[tokio::test]
async fn name_is_unique_within_company_ignoring_case() {
    let host = spawn_host(FakeTester::succeeding()).await;
    let token = host.administrator("Acme").await;
    host.create_registration(&token, "HR connector").await;

    let answer = host
        .post(
            "/api/v1/connectors",
            &token,
            &registration_body("hr CONNECTOR"),
        )
        .await;

    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        answer.has_error("name", rules::NAME_UNIQUE),
        "{}",
        answer.text
    );
}

#[tokio::test]
async fn rename_to_taken_name_is_refused() {
    let host = spawn_host(FakeTester::succeeding()).await;
    let token = host.administrator("Acme").await;
    host.create_registration(&token, "HR").await;
    let id = host.create_registration(&token, "CRM").await;

    let answer = host
        .patch(
            &format!("/api/v1/connectors/{id}"),
            &token,
            &json!({"name": "HR"}),
        )
        .await;

    assert!(
        answer.has_error("name", rules::NAME_UNIQUE),
        "{}",
        answer.text
    );
}

#[tokio::test]
async fn host_name_is_normalized() {
    let host = spawn_host(FakeTester::succeeding()).await;
    let token = host.administrator("Acme").await;

    let created = host
        .post(
            "/api/v1/connectors",
            &token,
            &with("host_name", json!("HTTPS://Connector.EXAMPLE.com:443/")),
        )
        .await;

    assert_eq!(created.body["host_name"], "https://connector.example.com");
}

#[tokio::test]
async fn list_shows_registrations_by_name() {
    let host = spawn_host(FakeTester::succeeding()).await;
    let token = host.administrator("Acme").await;
    host.create_registration(&token, "Travel").await;
    host.create_registration(&token, "expenses").await;

    let listed = host.get("/api/v1/connectors", &token).await;

    let names: Vec<&str> = listed.body["connectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|registration| registration["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["expenses", "Travel"]);
}

#[tokio::test]
async fn registration_without_enabled_service_is_inactive() {
    let host = spawn_host(FakeTester::succeeding()).await;
    let token = host.administrator("Acme").await;
    let id = host.create_registration(&token, "HR").await;
    host.post(
        &format!("/api/v1/connectors/{id}/test-connection"),
        &token,
        &json!({}),
    )
    .await;

    let listed = host.get("/api/v1/connectors", &token).await;

    let registration = &listed.body["connectors"][0];
    assert_eq!(registration["verified"], true);
    assert_eq!(registration["active"], false);
}

#[tokio::test]
async fn patch_changes_only_given_fields() {
    let host = spawn_host(FakeTester::succeeding()).await;
    let token = host.administrator("Acme").await;
    let id = host.create_registration(&token, "HR").await;

    let changed = host
        .patch(
            &format!("/api/v1/connectors/{id}"),
            &token,
            &json!({"description": "Workday"}),
        )
        .await;

    assert_eq!(changed.status, StatusCode::OK);
    assert_eq!(changed.body["description"], "Workday");
    assert_eq!(changed.body["name"], "HR");
    assert_eq!(changed.body["user_name"], CONNECTOR_USER);
}

#[tokio::test]
async fn patch_refuses_bad_field() {
    let host = spawn_host(FakeTester::succeeding()).await;
    let token = host.administrator("Acme").await;
    let id = host.create_registration(&token, "HR").await;

    let answer = host
        .patch(
            &format!("/api/v1/connectors/{id}"),
            &token,
            &json!({"host_name": "https://connector.example.com/path"}),
        )
        .await;

    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer.has_error("host_name", rules::HOST_NAME_PATH));
}

#[tokio::test]
async fn delete_is_refused_with_deactivation_hint() {
    let host = spawn_host(FakeTester::succeeding()).await;
    let token = host.administrator("Acme").await;
    let id = host.create_registration(&token, "HR").await;

    let answer = host
        .send(
            Method::DELETE,
            &format!("/api/v1/connectors/{id}"),
            Some(&token),
            None,
        )
        .await;

    assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED);
    let message = answer.body["error"].as_str().unwrap_or_default();
    assert!(message.contains("never deleted"), "{message}");
    assert!(message.contains("disabling all its services"), "{message}");
    let still_there = host.get(&format!("/api/v1/connectors/{id}"), &token).await;
    assert_eq!(still_there.status, StatusCode::OK);
}

#[tokio::test]
async fn delete_without_token_is_401() {
    let host = spawn_host(FakeTester::succeeding()).await;

    let answer = host
        .send(Method::DELETE, "/api/v1/connectors/1", None, None)
        .await;

    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn malformed_json_is_400() {
    let host = spawn_host(FakeTester::succeeding()).await;
    let token = host.administrator("Acme").await;

    let response = host
        .client
        .post(host.url("/api/v1/connectors"))
        .bearer_auth(&token)
        .header("Content-Type", "application/json")
        .body("{\"name\": \"HR\",")
        .send()
        .await
        .unwrap();

    let answer = answer(response).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(
        answer.body["error"]
            .as_str()
            .unwrap_or_default()
            .contains("line 1")
    );
}

#[tokio::test]
async fn form_content_type_is_415() {
    let host = spawn_host(FakeTester::succeeding()).await;
    let token = host.administrator("Acme").await;

    let response = host
        .client
        .post(host.url("/api/v1/connectors"))
        .bearer_auth(&token)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("name=HR")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn oversized_body_is_413() {
    let host = spawn_host(FakeTester::succeeding()).await;
    let token = host.administrator("Acme").await;
    let body = with("description", json!("d".repeat(70 * 1024)));

    let answer = host.post("/api/v1/connectors", &token, &body).await;

    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn non_numeric_id_is_404() {
    let host = spawn_host(FakeTester::succeeding()).await;
    let token = host.administrator("Acme").await;

    let answer = host.get("/api/v1/connectors/abc", &token).await;

    assert_eq!(answer.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn unknown_path_is_json_404() {
    let host = spawn_host(FakeTester::succeeding()).await;
    let token = host.administrator("Acme").await;

    let answer = host.get("/api/v1/nothing-here", &token).await;

    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(answer.body["error"], "not found");
}

#[tokio::test]
async fn wrong_method_is_405() {
    let host = spawn_host(FakeTester::succeeding()).await;
    let token = host.administrator("Acme").await;

    let answer = host
        .send(
            Method::PUT,
            "/api/v1/connectors",
            Some(&token),
            Some(&json!({})),
        )
        .await;

    assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn healthz_is_ok_without_token() {
    let host = spawn_host(FakeTester::succeeding()).await;

    let answer = host.send(Method::GET, "/healthz", None, None).await;

    assert_eq!(answer.status, StatusCode::OK);
}

#[tokio::test]
async fn request_id_is_echoed() {
    let host = spawn_host(FakeTester::succeeding()).await;

    let response = host
        .client
        .get(host.url("/healthz"))
        .header("x-request-id", "trace-me-42")
        .send()
        .await
        .unwrap();

    let echoed = response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok());
    assert_eq!(echoed, Some("trace-me-42"));
}

#[tokio::test]
async fn host_stops_on_shutdown() {
    let host = spawn_host(FakeTester::succeeding()).await;

    assert!(host.stop().await.is_ok());
}
