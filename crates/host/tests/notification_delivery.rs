//! Event Notification delivery: the spec's message with Basic auth over
//! verified TLS, retries with backoff, failure after the last attempt, and
//! the order of each registration's queue.

mod common;
mod notify_support;

use std::time::Duration;

use base64::Engine;
use common::*;
use host::notifications::NotificationStatus;
use host::workflow::{Decider, Decision, Step, WorkflowError};
use notify_support::*;
use protocol::ObjectType;
use serde_json::json;
use testing::Engine as DatabaseEngine;

const WAIT: Duration = Duration::from_secs(20);

fn basic(user: &str, password: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    format!("Basic {encoded}")
}

#[tokio::test]
async fn submitted_report_notifies_connector() {
    let setup = start(notify_config(), both_steps(), &[], Reply::Status(200)).await;
    let report = report_of(&setup.host, &setup.employee, "December visit").await;

    let outcome = setup
        .workflow
        .submit(&setup.employee, report)
        .await
        .expect("submit");
    let received = setup.connector.wait_for(1, WAIT).await;
    let request = &received[0];
    let notification = request.notification();

    assert_eq!(outcome.to, Step::ExternalValidationSubmit);
    assert_eq!(outcome.notifications.len(), 1);
    assert_eq!(request.path, NOTIFY_PATH);
    assert_eq!(
        request.authorization.as_deref(),
        Some(basic(CONNECTOR_USER, CONNECTOR_PASSWORD).as_str())
    );
    assert_eq!(
        request.content_type.as_deref(),
        Some("application/xml; charset=utf-8")
    );
    assert_eq!(
        notification.event_type,
        "Report Entered Expense Report Workflow Step - SUBMIT"
    );
    assert_eq!(notification.object_type, ObjectType::ExpenseReport);
    assert_eq!(
        notification.object_uri,
        format!("{}/api/expense/v1/reports/{}", setup.host.url, report.id)
    );
    assert!(
        notification.event_date_time.has_time(),
        "{}",
        notification.event_date_time
    );
    assert_eq!(notification.context, "");
}

#[tokio::test]
async fn delivered_notification_leaves_queue() {
    let setup = start(notify_config(), both_steps(), &[], Reply::Status(200)).await;
    let report = report_of(&setup.host, &setup.employee, "Delivered").await;

    setup
        .workflow
        .submit(&setup.employee, report)
        .await
        .expect("submit");
    let delivered = setup
        .wait_for_status(NotificationStatus::Delivered, 1, WAIT)
        .await;
    let item = setup
        .workflow
        .item(setup.employee.company.id, report)
        .await
        .expect("read report");

    assert_eq!(delivered[0].attempts, 1);
    assert_eq!(delivered[0].registration_id, setup.registration);
    assert!(
        setup
            .notifications(&[NotificationStatus::Queued, NotificationStatus::Failed])
            .await
            .is_empty()
    );
    // The object waits in the step until the connector or an administrator acts.
    assert_eq!(item.step, Step::ExternalValidationSubmit);
}

#[tokio::test]
async fn travel_request_notifies_with_travelreq() {
    let setup = start(notify_config(), both_steps(), &[], Reply::Status(200)).await;
    let request = travel_request_of(&setup.host, &setup.employee, "Workshop in Lyon").await;

    setup
        .workflow
        .submit(&setup.employee, request)
        .await
        .expect("submit");
    let notification = setup.connector.wait_for(1, WAIT).await[0].notification();

    assert_eq!(
        notification.event_type,
        "Request Entered Travel Request Workflow Step - SUBMIT"
    );
    assert_eq!(notification.object_type, ObjectType::TravelRequest);
    assert_eq!(
        notification.object_uri,
        format!("{}/api/travel/v1/requests/{}", setup.host.url, request.id)
    );
}

#[tokio::test]
async fn unlisted_submit_step_passes_to_approval() {
    let steps = json!([{"step": "External Validation - Pre-Extract", "expense_reports": true}]);
    let setup = start(notify_config(), steps, &[], Reply::Status(200)).await;
    let approver = user(&setup.host, "Acme", "standard", false, &["approver"]).await;
    let report = report_of(&setup.host, &setup.employee, "Straight to approval").await;

    let submitted = setup
        .workflow
        .submit(&setup.employee, report)
        .await
        .expect("submit");
    let approved = setup
        .workflow
        .decide(Decider::Approver(&approver), report, Decision::Approve)
        .await
        .expect("approve");
    let notification = setup.connector.wait_for(1, WAIT).await[0].notification();

    assert_eq!(submitted.to, Step::Approval);
    assert_eq!(submitted.passed, [Step::ExternalValidationSubmit]);
    assert!(submitted.notifications.is_empty());
    assert_eq!(approved.to, Step::ExternalValidationPreExtract);
    assert_eq!(
        notification.event_type,
        "Report Entered Expense Report Workflow Step - PREEXTRACT"
    );
}

#[tokio::test]
async fn step_unlisted_for_travel_passes_through() {
    let steps = json!([{"step": "External Validation - Submit", "expense_reports": true, "travel_requests": false}]);
    let setup = start(notify_config(), steps, &[], Reply::Status(200)).await;
    let request = travel_request_of(&setup.host, &setup.employee, "Not validated").await;

    let submitted = setup
        .workflow
        .submit(&setup.employee, request)
        .await
        .expect("submit");

    assert_eq!(submitted.to, Step::Approval);
    assert!(submitted.notifications.is_empty());
    assert!(
        setup
            .notifications(&[NotificationStatus::Queued])
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn disabled_service_passes_steps_through() {
    let setup = start(notify_config(), both_steps(), &[], Reply::Status(200)).await;
    let path = format!(
        "/api/v1/connectors/{}/services/event-notification",
        setup.registration.0
    );
    let disabled =
        json!({"enabled": false, "endpoint_path": NOTIFY_PATH, "workflow_steps": both_steps()});
    let answer = setup.host.put(&path, &setup.admin_token, &disabled).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let report = report_of(&setup.host, &setup.employee, "No validator").await;

    let submitted = setup
        .workflow
        .submit(&setup.employee, report)
        .await
        .expect("submit");

    assert_eq!(submitted.to, Step::Approval);
    assert!(submitted.notifications.is_empty());
}

#[tokio::test]
async fn unverified_registration_passes_steps_through() {
    let setup = start(notify_config(), both_steps(), &[], Reply::Status(200)).await;
    setup.unverify().await;
    let report = report_of(&setup.host, &setup.employee, "Unverified validator").await;

    let submitted = setup
        .workflow
        .submit(&setup.employee, report)
        .await
        .expect("submit");

    assert_eq!(submitted.to, Step::Approval);
    assert!(submitted.notifications.is_empty());
    let every_status = [
        NotificationStatus::Queued,
        NotificationStatus::Delivered,
        NotificationStatus::Failed,
    ];
    assert!(setup.notifications(&every_status).await.is_empty());
    assert!(setup.connector.received().is_empty());
}

#[tokio::test]
async fn queued_notification_unverified_never_sent() {
    let setup = start(
        notify_config(),
        both_steps(),
        &[Reply::Status(500)],
        Reply::Status(200),
    )
    .await;
    let report = report_of(&setup.host, &setup.employee, "Unverified retry").await;
    setup
        .workflow
        .submit(&setup.employee, report)
        .await
        .expect("submit");
    // The first attempt gets 500; the retry waits at least 500 ms.
    setup.connector.wait_for(1, WAIT).await;

    setup.unverify().await;
    let failed = setup
        .wait_for_status(NotificationStatus::Failed, 1, WAIT)
        .await;

    assert_eq!(setup.connector.received().len(), 1, "no retry was sent");
    let error = failed[0].last_error.as_deref().unwrap_or_default();
    assert!(error.starts_with("service_not_active:"), "{error}");
}

#[tokio::test]
async fn connector_500_retries_then_fails() {
    let setup = start(notify_config(), both_steps(), &[], Reply::Status(500)).await;
    let report = report_of(&setup.host, &setup.employee, "Rejected").await;

    setup
        .workflow
        .submit(&setup.employee, report)
        .await
        .expect("submit");
    let failed = setup
        .wait_for_status(NotificationStatus::Failed, 1, WAIT)
        .await;
    let received = setup.connector.received();

    assert_eq!(received.len(), 3, "three attempts, then failed");
    assert_eq!(failed[0].attempts, 3);
    let error = failed[0].last_error.as_deref().unwrap_or_default();
    assert!(error.starts_with("unexpected_status:"), "{error}");
    assert!(error.contains("500"), "{error}");
    // Waits of 1 then 2 seconds, each shortened by at most half.
    assert!(
        received[1].at - received[0].at >= Duration::from_millis(450),
        "first retry too early"
    );
    assert!(
        received[2].at - received[1].at >= Duration::from_millis(950),
        "second retry too early"
    );
}

#[tokio::test]
async fn retry_after_500_then_delivered() {
    let setup = start(
        notify_config(),
        both_steps(),
        &[Reply::Status(500), Reply::Status(503)],
        Reply::Status(200),
    )
    .await;
    let report = report_of(&setup.host, &setup.employee, "Third time").await;

    setup
        .workflow
        .submit(&setup.employee, report)
        .await
        .expect("submit");
    let delivered = setup
        .wait_for_status(NotificationStatus::Delivered, 1, WAIT)
        .await;

    assert_eq!(delivered[0].attempts, 3);
    assert_eq!(delivered[0].last_error, None);
}

#[tokio::test]
async fn hanging_connector_times_out_then_fails() {
    let mut config = notify_config();
    config.notifications.max_attempts = 2;
    config.outbound.total_timeout_secs = 1;
    let setup = start(config, both_steps(), &[], Reply::Hang).await;
    let report = report_of(&setup.host, &setup.employee, "Slow validator").await;

    setup
        .workflow
        .submit(&setup.employee, report)
        .await
        .expect("submit");
    let failed = setup
        .wait_for_status(NotificationStatus::Failed, 1, WAIT)
        .await;

    assert_eq!(failed[0].attempts, 2);
    assert_eq!(setup.connector.received().len(), 2);
    let error = failed[0].last_error.as_deref().unwrap_or_default();
    assert!(error.starts_with("timed_out:"), "{error}");
}

#[tokio::test]
async fn unreachable_connector_fails_after_retries() {
    let mut setup = start(notify_config(), both_steps(), &[], Reply::Status(200)).await;
    setup.connector.stop().await;
    let report = report_of(&setup.host, &setup.employee, "Nobody listens").await;

    setup
        .workflow
        .submit(&setup.employee, report)
        .await
        .expect("submit");
    let failed = setup
        .wait_for_status(NotificationStatus::Failed, 1, WAIT)
        .await;

    assert_eq!(failed[0].attempts, 3);
    let error = failed[0].last_error.as_deref().unwrap_or_default();
    assert!(error.starts_with("connection_refused:"), "{error}");
}

#[tokio::test]
async fn notifications_sent_in_queue_order() {
    let setup = start(
        notify_config(),
        both_steps(),
        &[Reply::Status(500)],
        Reply::Status(200),
    )
    .await;
    let first = report_of(&setup.host, &setup.employee, "First").await;
    let second = report_of(&setup.host, &setup.employee, "Second").await;
    let third = travel_request_of(&setup.host, &setup.employee, "Third").await;

    for object in [first, second, third] {
        setup
            .workflow
            .submit(&setup.employee, object)
            .await
            .expect("submit");
    }
    let received = setup.connector.wait_for(4, WAIT).await;
    let uris: Vec<String> = received
        .iter()
        .map(|request| request.notification().object_uri)
        .collect();
    let uri = |object: host::workflow::ObjectRef| setup.host.public_uri(object);

    // The first is retried before the others are sent, although they were due.
    assert_eq!(uris, [uri(first), uri(first), uri(second), uri(third)]);
}

#[tokio::test]
async fn two_hosts_send_each_notification_once() {
    let setup = start(
        notify_config(),
        both_steps(),
        &[Reply::Status(500)],
        Reply::Status(200),
    )
    .await;
    let (other, other_workflow) = start_second_host(&setup, notify_config()).await;
    let mut expected = Vec::new();
    for number in 0..6 {
        let object = report_of(&setup.host, &setup.employee, &format!("Report {number}")).await;
        // Alternate the instances, so that both dispatchers are woken.
        let (workflow, submitting) = if number % 2 == 0 {
            (&setup.workflow, &setup.host)
        } else {
            (&other_workflow, &other)
        };
        workflow.submit(&setup.employee, object).await.expect("submit");
        expected.push(submitting.public_uri(object));
    }
    // The first notification fails once and is retried before the others.
    expected.insert(0, expected[0].clone());

    setup.connector.wait_for(expected.len(), WAIT).await;
    // Time for a duplicate send, if one were under way, to arrive.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let uris: Vec<String> = setup
        .connector
        .received()
        .iter()
        .map(|request| request.notification().object_uri)
        .collect();

    assert_eq!(uris, expected);
}

#[tokio::test]
async fn failed_notification_frees_queue() {
    let mut config = notify_config();
    config.notifications.max_attempts = 1;
    let setup = start(
        config,
        both_steps(),
        &[Reply::Status(500)],
        Reply::Status(200),
    )
    .await;
    let first = report_of(&setup.host, &setup.employee, "Gives up").await;
    let second = report_of(&setup.host, &setup.employee, "Goes through").await;

    setup
        .workflow
        .submit(&setup.employee, first)
        .await
        .expect("submit");
    setup
        .workflow
        .submit(&setup.employee, second)
        .await
        .expect("submit");
    let delivered = setup
        .wait_for_status(NotificationStatus::Delivered, 1, WAIT)
        .await;
    let failed = setup.notifications(&[NotificationStatus::Failed]).await;

    assert_eq!(delivered[0].object, second);
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].object, first);
}

#[tokio::test]
async fn failing_insert_rolls_back_step() {
    let setup = start(notify_config(), both_steps(), &[], Reply::Status(200)).await;
    let report = report_of(&setup.host, &setup.employee, "Atomic").await;
    let database = &setup.host.database;
    let (create_trigger, drop_trigger) = match database.engine {
        DatabaseEngine::Sqlite => (
            "CREATE TRIGGER refuse_notifications BEFORE INSERT ON notifications \
             BEGIN SELECT RAISE(ABORT, 'notifications refused by the test'); END;",
            "DROP TRIGGER refuse_notifications;",
        ),
        DatabaseEngine::Postgres => (
            "CREATE FUNCTION refuse_notification() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'notifications refused by the test'; END $$; \
             CREATE TRIGGER refuse_notifications BEFORE INSERT ON notifications \
             FOR EACH ROW EXECUTE FUNCTION refuse_notification();",
            "DROP TRIGGER refuse_notifications ON notifications;",
        ),
    };
    database.execute(create_trigger).await;

    let refused = setup.workflow.submit(&setup.employee, report).await;
    let item = setup
        .host
        .store
        .workflow_item(setup.employee.company.id, report)
        .await
        .unwrap()
        .unwrap();
    let history = setup
        .workflow
        .history(setup.employee.company.id, report)
        .await
        .unwrap();

    assert!(
        matches!(refused, Err(WorkflowError::Store(_))),
        "{refused:?}"
    );
    assert_eq!(item.step, Step::NotSubmitted);
    assert!(history.is_empty(), "{history:?}");
    assert!(
        setup
            .notifications(&[NotificationStatus::Queued])
            .await
            .is_empty()
    );

    database.execute(drop_trigger).await;
    let submitted = setup
        .workflow
        .submit(&setup.employee, report)
        .await
        .expect("submit");
    assert_eq!(submitted.to, Step::ExternalValidationSubmit);
    assert_eq!(submitted.notifications.len(), 1);
}

#[tokio::test]
async fn one_notification_per_subscribed_registration() {
    let setup = start(notify_config(), both_steps(), &[], Reply::Status(200)).await;
    let second = setup.ca.spawn(&[], Reply::Status(200)).await;
    let second_id = register(
        &setup.host,
        &setup.admin_token,
        &second.origin,
        both_steps(),
    )
    .await;
    let report = report_of(&setup.host, &setup.employee, "Two validators").await;

    let submitted = setup
        .workflow
        .submit(&setup.employee, report)
        .await
        .expect("submit");
    let delivered = setup
        .wait_for_status(NotificationStatus::Delivered, 2, WAIT)
        .await;
    let mut registrations: Vec<i64> = delivered
        .iter()
        .map(|notification| notification.registration_id.0)
        .collect();
    registrations.sort();

    assert_eq!(submitted.notifications.len(), 2);
    assert_eq!(registrations, [setup.registration.0, second_id.0]);
    assert_eq!(setup.connector.received().len(), 1);
    assert_eq!(second.received().len(), 1);
}
