//! Who may manage registrations: each role on each edition, tokens, and company isolation.

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

/// (edition, development partner, role, expected status of listing registrations)
const ROLE_TABLE: &[(&str, bool, &str, u16)] = &[
    ("standard", false, "employee", 403),
    ("standard", false, "can-administer", 200),
    ("standard", false, "web-services-administrator", 403),
    ("standard", false, "company-administrator", 403),
    ("standard", true, "can-administer", 200),
    ("standard", true, "company-administrator", 403),
    ("professional", true, "employee", 403),
    ("professional", true, "can-administer", 403),
    ("professional", true, "web-services-administrator", 200),
    ("professional", true, "company-administrator", 200),
    ("professional", false, "employee", 403),
    ("professional", false, "can-administer", 403),
    ("professional", false, "web-services-administrator", 403),
    ("professional", false, "company-administrator", 403),
];

#[tokio::test]
async fn role_table_decides_access() {
    let host = spawn_host(FakeTester::succeeding()).await;

    for (index, (edition, partner, role, expected)) in ROLE_TABLE.iter().enumerate() {
        let company = format!("Company{index}");
        let token = host.account(&company, edition, *partner, &[role]).await;

        let listed = host.get("/api/v1/connectors", &token).await;
        let created = host
            .post("/api/v1/connectors", &token, &registration_body("HR"))
            .await;

        let case = format!("{edition} partner={partner} {role}");
        assert_eq!(listed.status.as_u16(), *expected, "list: {case}");
        let expected_create = if *expected == 200 { 201 } else { 403 };
        assert_eq!(created.status.as_u16(), expected_create, "create: {case}");
    }
}

#[tokio::test]
async fn employee_with_managing_role_may_manage() {
    let host = spawn_host(FakeTester::succeeding()).await;
    let token = host
        .account("Acme", "standard", false, &["employee", "can-administer"])
        .await;

    let listed = host.get("/api/v1/connectors", &token).await;

    assert_eq!(listed.status, StatusCode::OK);
}

#[tokio::test]
async fn forbidden_user_gets_403_on_every_route() {
    let host = spawn_host(FakeTester::succeeding()).await;
    let administrator = host.administrator("Acme").await;
    let id = host.create_registration(&administrator, "HR").await;
    let employee = host.account("Acme", "standard", false, &["employee"]).await;

    let service = json!({"enabled": false});
    let routes = [
        (Method::GET, format!("/api/v1/connectors/{id}"), None),
        (
            Method::PATCH,
            format!("/api/v1/connectors/{id}"),
            Some(json!({"name": "X"})),
        ),
        (
            Method::POST,
            format!("/api/v1/connectors/{id}/test-connection"),
            None,
        ),
        (
            Method::PUT,
            format!("/api/v1/connectors/{id}/services/fetch-list"),
            Some(service),
        ),
        (Method::GET, format!("/api/v1/connectors/{id}/audit"), None),
        (
            Method::POST,
            format!("/api/v1/connectors/{id}/verify"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/connectors/{id}/verification"),
            None,
        ),
        (Method::DELETE, format!("/api/v1/connectors/{id}"), None),
    ];
    for (method, path, body) in routes {
        let answer = host
            .send(method.clone(), &path, Some(&employee), body.as_ref())
            .await;

        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{method} {path}");
    }
}

#[tokio::test]
async fn missing_token_is_401() {
    let host = spawn_host(FakeTester::succeeding()).await;

    let answer = host
        .send(Method::GET, "/api/v1/connectors", None, None)
        .await;

    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert!(answer.headers.get("www-authenticate").is_some());
}

#[tokio::test]
async fn unknown_token_is_401() {
    let host = spawn_host(FakeTester::succeeding()).await;
    host.administrator("Acme").await;

    let answer = host
        .get("/api/v1/connectors", "cht_not-a-token-we-issued")
        .await;

    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn basic_scheme_is_401() {
    let host = spawn_host(FakeTester::succeeding()).await;

    let response = host
        .client
        .get(host.url("/api/v1/connectors"))
        .basic_auth("someone", Some("something"))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn other_company_registration_is_404_without_data() {
    let host = spawn_host(FakeTester::succeeding()).await;
    let acme = host.administrator("Acme").await;
    let globex = host.administrator("Globex").await;
    let id = host.create_registration(&acme, "Acme private HR").await;

    let service = json!({"enabled": false});
    let routes = [
        (Method::GET, format!("/api/v1/connectors/{id}"), None),
        (
            Method::PATCH,
            format!("/api/v1/connectors/{id}"),
            Some(json!({"name": "Stolen"})),
        ),
        (
            Method::POST,
            format!("/api/v1/connectors/{id}/test-connection"),
            None,
        ),
        (
            Method::PUT,
            format!("/api/v1/connectors/{id}/services/fetch-list"),
            Some(service),
        ),
        (Method::GET, format!("/api/v1/connectors/{id}/audit"), None),
    ];
    for (method, path, body) in routes {
        let answer = host
            .send(method.clone(), &path, Some(&globex), body.as_ref())
            .await;

        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{method} {path}");
        assert_no_registration_data(&answer, &format!("{method} {path}"));
    }

    // DELETE is not supported for anyone, so another company gets 405 (or
    // 404), never the registration, and the registration stays.
    let path = format!("/api/v1/connectors/{id}");
    let deleted = host.send(Method::DELETE, &path, Some(&globex), None).await;
    assert!(
        matches!(
            deleted.status,
            StatusCode::METHOD_NOT_ALLOWED | StatusCode::NOT_FOUND
        ),
        "DELETE {path}: {}",
        deleted.status
    );
    assert_no_registration_data(&deleted, &format!("DELETE {path}"));
    let registration = host.get(&path, &acme).await;
    assert_eq!(registration.status, StatusCode::OK, "{}", registration.text);
    assert_eq!(registration.body["name"], "Acme private HR");
}

/// Asserts that `answer` names neither the registration of
/// `other_company_registration_is_404_without_data` nor its host.
fn assert_no_registration_data(answer: &Answer, request: &str) {
    assert!(
        !answer.text.contains("Acme private HR"),
        "{request}: {}",
        answer.text
    );
    assert!(
        !answer.text.contains("connector.example.com"),
        "{request}: {}",
        answer.text
    );
}

#[tokio::test]
async fn other_company_registration_is_not_listed() {
    let host = spawn_host(FakeTester::succeeding()).await;
    let acme = host.administrator("Acme").await;
    let globex = host.administrator("Globex").await;
    host.create_registration(&acme, "Acme private HR").await;

    let listed = host.get("/api/v1/connectors", &globex).await;

    assert_eq!(listed.body["connectors"].as_array().map(Vec::len), Some(0));
}

#[tokio::test]
async fn other_company_registration_stays_unchanged() {
    let host = spawn_host(FakeTester::succeeding()).await;
    let acme = host.administrator("Acme").await;
    let globex = host.administrator("Globex").await;
    let id = host.create_registration(&acme, "Acme private HR").await;

    host.patch(
        &format!("/api/v1/connectors/{id}"),
        &globex,
        &json!({"name": "Stolen"}),
    )
    .await;

    let read = host.get(&format!("/api/v1/connectors/{id}"), &acme).await;
    assert_eq!(read.body["name"], "Acme private HR");
}

#[tokio::test]
async fn same_name_in_two_companies_is_allowed() {
    let host = spawn_host(FakeTester::succeeding()).await;
    let acme = host.administrator("Acme").await;
    let globex = host.administrator("Globex").await;
    host.create_registration(&acme, "HR").await;

    let created = host
        .post("/api/v1/connectors", &globex, &registration_body("HR"))
        .await;

    assert_eq!(created.status, StatusCode::CREATED);
}
