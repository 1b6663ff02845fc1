//! The notification API: failed notifications as XML or JSON, deletion,
//! malformed requests, and the roles that may call it.

mod common;
mod notify_support;

use std::time::Duration;

use common::*;
use host::notifications::NotificationStatus;
use notify_support::*;
use protocol::{NotificationList, ObjectType};
use reqwest::Method;
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(20);
const LIST: &str = "/api/platform/notifications/v1.0/notification?status=failed";

fn notification_path(id: i64) -> String {
    format!("/api/platform/notifications/v1.0/notification/{id}")
}

/// Starts a host whose connector responds 500 and whose notifications get
/// one attempt, so that each fails at once.
async fn failing_setup() -> Notifying {
    let mut config = notify_config();
    config.notifications.max_attempts = 1;
    start(config, both_steps(), &[], Reply::Status(500)).await
}

/// Submits a report that fails and returns the id of its notification.
async fn failed_report(setup: &Notifying, name: &str) -> (host::workflow::ObjectRef, i64) {
    let report = report_of(&setup.host, &setup.employee, name).await;
    let submitted = setup
        .workflow
        .submit(&setup.employee, report)
        .await
        .expect("submit");
    let id = submitted.notifications[0].0;
    let failed = setup
        .wait_for_status(NotificationStatus::Failed, 1, WAIT)
        .await;
    assert!(failed.iter().any(|notification| notification.id.0 == id));
    (report, id)
}

async fn get_with_accept(
    setup: &Notifying,
    token: &str,
    path: &str,
    accept: Option<&str>,
) -> Answer {
    let mut request = setup
        .host
        .client
        .get(setup.host.url(path))
        .bearer_auth(token);
    if let Some(accept) = accept {
        request = request.header("Accept", accept);
    }
    answer(request.send().await.expect("send request")).await
}

#[tokio::test]
async fn failed_notifications_listed_as_xml() {
    let setup = failing_setup().await;
    let (report, id) = failed_report(&setup, "Failed once").await;

    let listed = get_with_accept(&setup, &setup.admin_token, LIST, None).await;
    let list = NotificationList::parse(listed.text.as_bytes()).expect("a valid NotificationList");

    assert_eq!(listed.status, 200, "{}", listed.text);
    let content_type = listed
        .headers
        .get("content-type")
        .and_then(|value| value.to_str().ok());
    assert_eq!(content_type, Some("application/xml; charset=utf-8"));
    assert_eq!(list.notifications.len(), 1);
    let entry = &list.notifications[0];
    assert_eq!(
        entry.notification_uri,
        setup.host.url(&notification_path(id))
    );
    assert_eq!(entry.notification.object_uri, setup.host.public_uri(report));
    assert_eq!(entry.notification.object_type, ObjectType::ExpenseReport);
    assert_eq!(
        entry.notification.event_type,
        "Report Entered Expense Report Workflow Step - SUBMIT"
    );
}

#[tokio::test]
async fn failed_notifications_listed_as_json() {
    let setup = failing_setup().await;
    let (report, id) = failed_report(&setup, "Failed in JSON").await;

    let listed = get_with_accept(&setup, &setup.admin_token, LIST, Some("application/json")).await;

    assert_eq!(listed.status, 200, "{}", listed.text);
    let items = listed.body.as_array().expect("a JSON array");
    assert_eq!(items.len(), 1);
    let item = &items[0];
    assert_eq!(
        item["NotificationURI"],
        Value::from(setup.host.url(&notification_path(id)))
    );
    assert_eq!(
        item["ObjectURI"],
        Value::from(setup.host.public_uri(report))
    );
    assert_eq!(item["ObjectType"], "EXPRPT");
    assert_eq!(
        item["EventType"],
        "Report Entered Expense Report Workflow Step - SUBMIT"
    );
    assert_eq!(item["Context"], "");
    let date_time = item["EventDateTime"].as_str().unwrap_or_default();
    assert_eq!(date_time.len(), 19, "{date_time}");
}

#[tokio::test]
async fn list_omits_queued_and_delivered() {
    let setup = start(notify_config(), both_steps(), &[], Reply::Status(200)).await;
    let report = report_of(&setup.host, &setup.employee, "Delivered").await;
    setup
        .workflow
        .submit(&setup.employee, report)
        .await
        .expect("submit");
    setup
        .wait_for_status(NotificationStatus::Delivered, 1, WAIT)
        .await;

    let listed = get_with_accept(&setup, &setup.admin_token, LIST, None).await;

    assert_eq!(listed.status, 200);
    assert!(
        NotificationList::parse(listed.text.as_bytes())
            .unwrap()
            .notifications
            .is_empty()
    );
}

#[tokio::test]
async fn unsupported_accept_is_406() {
    let setup = failing_setup().await;

    let listed = get_with_accept(&setup, &setup.admin_token, LIST, Some("text/html")).await;

    assert_eq!(listed.status, 406, "{}", listed.text);
}

#[tokio::test]
async fn status_other_than_failed_is_400() {
    let setup = failing_setup().await;
    let base = "/api/platform/notifications/v1.0/notification";

    for query in [
        "",
        "?status=queued",
        "?status=failed&status=failed",
        "?status=failed&limit=5",
    ] {
        let listed = setup
            .host
            .get(&format!("{base}{query}"), &setup.admin_token)
            .await;

        assert_eq!(listed.status, 400, "{query}: {}", listed.text);
        assert!(!listed.errors().is_empty(), "{query}: {}", listed.text);
    }
    let upper = setup
        .host
        .get(&format!("{base}?status=FAILED"), &setup.admin_token)
        .await;
    assert_eq!(upper.status, 200, "{}", upper.text);
}

#[tokio::test]
async fn delete_failed_notification_then_404() {
    let setup = failing_setup().await;
    let (_, id) = failed_report(&setup, "To delete").await;
    let path = notification_path(id);

    let deleted = setup
        .host
        .send(Method::DELETE, &path, Some(&setup.admin_token), None)
        .await;
    let again = setup
        .host
        .send(Method::DELETE, &path, Some(&setup.admin_token), None)
        .await;
    let listed = get_with_accept(&setup, &setup.admin_token, LIST, Some("application/json")).await;

    assert_eq!(deleted.status, 200, "{}", deleted.text);
    assert_eq!(again.status, 404, "{}", again.text);
    assert_eq!(listed.body, Value::Array(Vec::new()));
}

#[tokio::test]
async fn delete_malformed_id_is_400() {
    let setup = failing_setup().await;

    for id in ["abc", "0", "-3", "%2B5", "1.0", "99999999999999999999"] {
        let path = format!("/api/platform/notifications/v1.0/notification/{id}");
        let answer = setup
            .host
            .send(Method::DELETE, &path, Some(&setup.admin_token), None)
            .await;

        assert_eq!(answer.status, 400, "{id}: {}", answer.text);
        assert!(
            answer.has_error("id", "must be a notification id: a positive whole number"),
            "{}",
            answer.text
        );
    }
}

#[tokio::test]
async fn delete_unknown_notification_is_404() {
    let setup = failing_setup().await;

    let answer = setup
        .host
        .send(
            Method::DELETE,
            &notification_path(987_654),
            Some(&setup.admin_token),
            None,
        )
        .await;

    assert_eq!(answer.status, 404, "{}", answer.text);
}

#[tokio::test]
async fn other_company_cannot_see_or_delete() {
    let setup = failing_setup().await;
    let (_, id) = failed_report(&setup, "Acme only").await;
    let other_admin = user(
        &setup.host,
        "Globex",
        "standard",
        false,
        &["can-administer"],
    )
    .await;
    let other_token = token_of(&setup.host, &other_admin).await;

    let listed = get_with_accept(&setup, &other_token, LIST, Some("application/json")).await;
    let deleted = setup
        .host
        .send(
            Method::DELETE,
            &notification_path(id),
            Some(&other_token),
            None,
        )
        .await;

    assert_eq!(listed.status, 200);
    assert_eq!(listed.body, Value::Array(Vec::new()));
    assert_eq!(deleted.status, 404, "{}", deleted.text);
    assert_eq!(
        setup
            .notifications(&[NotificationStatus::Failed])
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn queued_notification_delete_is_409() {
    let setup = start(notify_config(), both_steps(), &[], Reply::Hang).await;
    let report = report_of(&setup.host, &setup.employee, "Still queued").await;
    let submitted = setup
        .workflow
        .submit(&setup.employee, report)
        .await
        .expect("submit");
    setup.connector.wait_for(1, WAIT).await;

    let answer = setup
        .host
        .send(
            Method::DELETE,
            &notification_path(submitted.notifications[0].0),
            Some(&setup.admin_token),
            None,
        )
        .await;

    assert_eq!(answer.status, 409, "{}", answer.text);
}

#[tokio::test]
async fn roles_allowed_and_refused() {
    let setup = failing_setup().await;
    failed_report(&setup, "Roles").await;
    let cases: [(&str, &str, bool, &[&str], u16); 8] = [
        ("Acme", "standard", false, &["can-administer"], 200),
        ("Acme", "standard", false, &["employee"], 403),
        ("Acme", "standard", false, &["approver"], 403),
        ("Acme", "standard", false, &["company-administrator"], 403),
        (
            "Initech",
            "professional",
            true,
            &["company-administrator"],
            200,
        ),
        (
            "Initech",
            "professional",
            true,
            &["web-services-administrator"],
            200,
        ),
        (
            "Initech",
            "professional",
            true,
            &["can-administer", "employee"],
            403,
        ),
        (
            "Umbrella",
            "professional",
            false,
            &["company-administrator"],
            403,
        ),
    ];

    for (company, edition, partner, roles, expected) in cases {
        let actor = user(&setup.host, company, edition, partner, roles).await;
        let token = token_of(&setup.host, &actor).await;

        let listed = setup.host.get(LIST, &token).await;
        let deleted = setup
            .host
            .send(Method::DELETE, &notification_path(1), Some(&token), None)
            .await;

        assert_eq!(
            listed.status, expected,
            "{company} {roles:?}: {}",
            listed.text
        );
        if expected == 403 {
            assert_eq!(deleted.status, 403, "{company} {roles:?}: {}", deleted.text);
        }
    }
}

#[tokio::test]
async fn missing_or_unknown_token_is_401() {
    let setup = failing_setup().await;

    let missing = setup.host.send(Method::GET, LIST, None, None).await;
    let unknown = setup.host.get(LIST, "cht_not-a-token").await;
    let delete = setup
        .host
        .send(Method::DELETE, &notification_path(1), None, None)
        .await;

    assert_eq!(missing.status, 401);
    assert_eq!(unknown.status, 401);
    assert_eq!(delete.status, 401);
}
