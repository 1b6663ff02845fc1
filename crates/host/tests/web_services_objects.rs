//! The objects and decisions of the host web services: JSON and XML,
//! company boundaries, workflow actions and their 409, exceptions,
//! approved amounts, and malformed bodies.

mod common;
mod notify_support;
mod services_support;

use host::workflow::Step;
use notify_support::*;
use reqwest::Method;
use serde_json::json;
use services_support::*;

#[tokio::test]
async fn report_read_as_json() {
    let validating = validating(notify_config()).await;
    let report = validating.submitted_report("December visit").await;
    let token = validating.access_token().await;

    let read = read_json(validating.host(), &token, report).await;

    assert_eq!(read.status, 200, "{}", read.text);
    let body = &read.body;
    assert_eq!(body["id"], report.id.to_string());
    assert_eq!(body["object_type"], "EXPRPT");
    assert_eq!(body["name"], "December visit");
    assert_eq!(body["workflow_step"], "EXTERNAL_VALIDATION_SUBMIT");
    assert_eq!(body["currency"], "EUR");
    assert_eq!(body["total"], "42.50");
    let entry = &body["entries"][0];
    assert_eq!(entry["amount"], "42.50");
    assert_eq!(entry["approved_amount"], "42.50");
    assert_eq!(entry["list_item"], serde_json::Value::Null);
    assert_eq!(entry["exceptions"], json!([]));
}

#[tokio::test]
async fn report_read_as_xml_by_default() {
    let validating = validating(notify_config()).await;
    let report = validating.submitted_report("Fish & chips <lunch>").await;
    let token = validating.access_token().await;
    let path = object_path(report);

    let read = call(validating.host(), Method::GET, &path, &token, None, "*/*").await;

    assert_eq!(read.status, 200, "{}", read.text);
    let content_type = read
        .headers
        .get("content-type")
        .and_then(|value| value.to_str().ok());
    assert_eq!(content_type, Some("application/xml; charset=utf-8"));
    assert!(read.text.contains("<ExpenseReport><Id>"), "{}", read.text);
    assert!(
        read.text
            .contains("<Name>Fish &amp; chips &lt;lunch&gt;</Name>"),
        "{}",
        read.text
    );
    assert!(read.text.contains("<Entry><Id>"), "{}", read.text);
    assert!(read.text.contains("<ListItem/>"), "{}", read.text);
}

#[tokio::test]
async fn travel_request_read_as_json() {
    let validating = validating(notify_config()).await;
    let setup = &validating.setup;
    let request = travel_request_of(&setup.host, &setup.employee, "Workshop").await;
    setup
        .workflow
        .submit(&setup.employee, request)
        .await
        .expect("submit");
    let token = validating.access_token().await;

    let read = read_json(&setup.host, &token, request).await;

    assert_eq!(read.status, 200, "{}", read.text);
    assert_eq!(read.body["object_type"], "TRAVELREQ");
    assert_eq!(read.body["start_date"], "2026-12-07");
    assert_eq!(read.body["purpose"], "Customer workshop");
}

#[tokio::test]
async fn other_company_object_is_not_found() {
    let validating = validating(notify_config()).await;
    let setup = &validating.setup;
    let stranger = user(&setup.host, "Globex", "standard", false, &["employee"]).await;
    let foreign = report_of(&setup.host, &stranger, "Foreign").await;
    let token = validating.access_token().await;

    let read = read_json(&setup.host, &token, foreign).await;
    let decided = decide(&setup.host, &token, foreign, json!({"action": "approve"})).await;

    assert_eq!(read.status, 404, "{}", read.text);
    assert_eq!(read.body["error"], "not_found");
    assert_eq!(decided.status, 404, "{}", decided.text);
}

#[tokio::test]
async fn approve_moves_to_next_step() {
    let validating = validating(notify_config()).await;
    let report = validating.submitted_report("Approve").await;
    let token = validating.access_token().await;

    let approved = decide(
        validating.host(),
        &token,
        report,
        json!({"action": "approve"}),
    )
    .await;

    assert_eq!(approved.status, 200, "{}", approved.text);
    assert_eq!(approved.body["workflow_step"], "APPROVAL");
}

#[tokio::test]
async fn send_back_shows_comment() {
    let validating = validating(notify_config()).await;
    let report = validating.submitted_report("Send back").await;
    let token = validating.access_token().await;
    let comment = "Project code P-999 is not an active project.";

    let sent = decide(
        validating.host(),
        &token,
        report,
        json!({"action": "send_back", "comment": comment}),
    )
    .await;

    assert_eq!(sent.status, 200, "{}", sent.text);
    let item = validating
        .host()
        .store
        .workflow_item(validating.setup.employee.company.id, report)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(item.step, Step::SentBack);
    assert_eq!(item.comment.as_deref(), Some(comment));
}

#[tokio::test]
async fn decision_outside_validation_is_conflict() {
    let validating = validating(notify_config()).await;
    let report = validating.submitted_report("Twice").await;
    let token = validating.access_token().await;
    decide(
        validating.host(),
        &token,
        report,
        json!({"action": "approve"}),
    )
    .await;

    let again = decide(
        validating.host(),
        &token,
        report,
        json!({"action": "approve"}),
    )
    .await;

    assert_eq!(again.status, 409, "{}", again.text);
    assert_eq!(again.body["error"], "not_waiting");
    assert!(
        again.body["error_description"]
            .as_str()
            .unwrap()
            .contains("APPROVAL")
    );
}

#[tokio::test]
async fn exception_added_to_entry_and_header() {
    let validating = validating(notify_config()).await;
    let report = validating.submitted_report("Exceptions").await;
    let token = validating.access_token().await;
    let host = validating.host();
    let entry_id = read_json(host, &token, report).await.body["entries"][0]["id"].clone();
    let path = format!("{}/exceptions", object_path(report));

    let on_entry = json!({"entry_id": entry_id, "code": "PROJECT", "message": "Unknown project"});
    let on_header = json!({"entry_id": null, "code": "POLICY", "message": "Check the policy"});
    let added_entry = call(
        host,
        Method::POST,
        &path,
        &token,
        Some(&on_entry),
        "application/json",
    )
    .await;
    let added_header = call(
        host,
        Method::POST,
        &path,
        &token,
        Some(&on_header),
        "application/json",
    )
    .await;
    let read = read_json(host, &token, report).await;

    assert_eq!(added_entry.status, 201, "{}", added_entry.text);
    assert_eq!(added_header.status, 201, "{}", added_header.text);
    assert_eq!(
        read.body["entries"][0]["exceptions"],
        json!([{"code": "PROJECT", "message": "Unknown project"}])
    );
    assert_eq!(
        read.body["exceptions"],
        json!([{"code": "POLICY", "message": "Check the policy"}])
    );
}

#[tokio::test]
async fn approved_amount_at_most_amount() {
    let validating = validating(notify_config()).await;
    let report = validating.submitted_report("Amounts").await;
    let token = validating.access_token().await;
    let host = validating.host();
    let entry_id = read_json(host, &token, report).await.body["entries"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("{}/entries/{entry_id}/approved-amount", object_path(report));

    let lowered = call(
        host,
        Method::PUT,
        &path,
        &token,
        Some(&json!({"amount": "30.00"})),
        "application/json",
    )
    .await;
    let above = call(
        host,
        Method::PUT,
        &path,
        &token,
        Some(&json!({"amount": "42.51"})),
        "application/json",
    )
    .await;
    let read = read_json(host, &token, report).await;

    assert_eq!(lowered.status, 204, "{}", lowered.text);
    assert_eq!(above.status, 400, "{}", above.text);
    assert_eq!(
        above.body["error_description"],
        "amount must be at most the entry's amount 42.50"
    );
    assert_eq!(read.body["entries"][0]["approved_amount"], "30.00");
}

#[tokio::test]
async fn malformed_bodies_name_field_and_rule() {
    let validating = validating(notify_config()).await;
    let report = validating.submitted_report("Bad bodies").await;
    let token = validating.access_token().await;
    let host = validating.host();
    let workflow = format!("{}/workflow", object_path(report));
    let exceptions = format!("{}/exceptions", object_path(report));
    let cases = [
        (
            &workflow,
            json!({"action": "reject"}),
            "action must be approve or send_back",
        ),
        (
            &workflow,
            json!({"action": "send_back"}),
            "comment is required",
        ),
        (
            &workflow,
            json!({"action": "approve", "extra": 1}),
            "extra is not a known member",
        ),
        (&workflow, json!(["approve"]), "body must be a JSON object"),
        (
            &exceptions,
            json!({"code": "X".repeat(33), "message": "m"}),
            "code must be 1 to 32 characters without control characters",
        ),
        (
            &exceptions,
            json!({"entry_id": 7, "code": "C", "message": "m"}),
            "entry_id must be a string or null",
        ),
        (
            &exceptions,
            json!({"entry_id": "999999", "code": "C", "message": "m"}),
            "entry_id names no entry of this object",
        ),
    ];

    for (path, body, description) in cases {
        let refused = call(
            host,
            Method::POST,
            path,
            &token,
            Some(&body),
            "application/json",
        )
        .await;

        assert_eq!(refused.status, 400, "{body}: {}", refused.text);
        assert_eq!(refused.body["error"], "invalid_request", "{body}");
        assert_eq!(refused.body["error_description"], description, "{body}");
    }
}

#[tokio::test]
async fn malformed_json_and_oversize_refused() {
    let validating = validating(notify_config()).await;
    let report = validating.submitted_report("Raw bodies").await;
    let token = validating.access_token().await;
    let host = validating.host();
    let url = host.url(&format!("{}/workflow", object_path(report)));
    let send = |body: String, content_type: &'static str| {
        host.client
            .post(url.clone())
            .bearer_auth(&token)
            .header("Content-Type", content_type)
            .body(body)
            .send()
    };

    let truncated = common::answer(
        send("{\"action\": ".to_owned(), "application/json")
            .await
            .unwrap(),
    )
    .await;
    let oversize =
        common::answer(send(" ".repeat(70_000), "application/json").await.unwrap()).await;
    let as_text = common::answer(send("{}".to_owned(), "text/plain").await.unwrap()).await;

    assert_eq!(truncated.status, 400, "{}", truncated.text);
    assert!(
        truncated.body["error_description"]
            .as_str()
            .unwrap()
            .starts_with("body must be valid JSON")
    );
    assert_eq!(oversize.status, 413, "{}", oversize.text);
    assert_eq!(oversize.body["error"], "invalid_request");
    assert_eq!(as_text.status, 415, "{}", as_text.text);
}

#[tokio::test]
async fn missing_token_is_unauthorized() {
    let validating = validating(notify_config()).await;
    let report = validating.submitted_report("No token").await;
    let host = validating.host();

    let response = host
        .client
        .get(host.url(&object_path(report)))
        .send()
        .await
        .unwrap();
    let refused = common::answer(response).await;

    assert_eq!(refused.status, 401, "{}", refused.text);
    assert_eq!(refused.body["error"], "invalid_request");
}
