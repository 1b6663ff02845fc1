//! Receiving event notifications over HTTPS: strict parsing, durable storage, deduplication.

mod common;

use std::sync::Arc;

use common::engines::TestDatabase;
use common::test_host::notification_xml;
use common::*;
use connector::Config;
use connector::store::{NotificationQueue, NotificationRecord, NotificationStatus};
use testing::Engine;

const OBJECT_URI: &str = "https://host.example.com/api/expense/v1/reports/42";

struct Intake {
    connector: TestConnector,
    queue: Arc<dyn NotificationQueue>,
    /// Declared last, so that the stores close before it drops the database.
    database: TestDatabase,
}

async fn start_with(config: Config) -> Intake {
    let database = TestDatabase::from_environment().await;
    let store = database.open().await;
    let queue = store.notification_queue().expect("the store keeps a notification queue");
    let connector = spawn_connector(store, config).await;
    Intake {
        connector,
        queue,
        database,
    }
}

async fn start() -> Intake {
    start_with(test_config()).await
}

async fn stored(intake: &Intake) -> Vec<NotificationRecord> {
    intake
        .queue
        .list_notifications(None, 100)
        .await
        .expect("list notifications")
}

#[tokio::test]
async fn notification_valid_is_stored() {
    let intake = start().await;

    let response = intake
        .connector
        .post_xml(NOTIFY_PATH, notification_xml(OBJECT_URI, "2026-12-04T10:30:00"))
        .await;

    assert_eq!(response.status(), 200);
    let rows = stored(&intake).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].status, NotificationStatus::Received);
    assert_eq!(rows[0].attempts, 0);
    assert_eq!(rows[0].object_uri, OBJECT_URI);
    assert_eq!(rows[0].object_type, "EXPRPT");
    assert_eq!(rows[0].event_date_time, "2026-12-04T10:30:00");
    assert_eq!(rows[0].context, "test");
    assert_eq!(
        rows[0].event_type,
        "Report Entered Expense Report Workflow Step - SUBMIT"
    );
}

#[tokio::test]
async fn notification_malformed_is_400_and_not_stored() {
    let intake = start().await;
    let valid = notification_xml(OBJECT_URI, "2026-12-04");
    let cases = [
        (
            valid.replace("<ObjectType>EXPRPT</ObjectType>", ""),
            "Notification/ObjectType",
        ),
        (
            valid.replace("EXPRPT", "INVOICE"),
            "Notification/ObjectType",
        ),
        (
            valid.replace("2026-12-04", "2026-13-04"),
            "Notification/EventDateTime",
        ),
        (
            valid.replace("2026-12-04", "04.12.2026"),
            "Notification/EventDateTime",
        ),
        (
            valid.replace(OBJECT_URI, "ftp://host.example.com/report"),
            "Notification/ObjectURI",
        ),
        (
            valid.replace("<EventType>Report Entered Expense Report Workflow Step - SUBMIT</EventType>", "<EventType></EventType>"),
            "Notification/EventType",
        ),
        (valid.replace("Notification>", "Notice>"), "Notice"),
        (valid.replace("</Notification>", ""), "Notification"),
    ];

    for (body, element) in cases {
        let response = intake.connector.post_xml(NOTIFY_PATH, body).await;

        assert_eq!(response.status(), 400, "{element}");
        let text = response.text().await.unwrap();
        assert!(text.contains(element), "{element}: {text}");
    }
    assert!(stored(&intake).await.is_empty());
}

#[tokio::test]
async fn notification_duplicate_is_stored_once() {
    let intake = start().await;
    let body = notification_xml(OBJECT_URI, "2026-12-04");

    let first = intake.connector.post_xml(NOTIFY_PATH, body.clone()).await;
    let second = intake.connector.post_xml(NOTIFY_PATH, body).await;

    assert_eq!(first.status(), 200);
    assert_eq!(second.status(), 200);
    assert_eq!(stored(&intake).await.len(), 1);
}

#[tokio::test]
async fn notification_both_date_forms_are_kept() {
    let intake = start().await;

    for date in ["2026-12-04", "2026-12-04T08:00:00"] {
        let response = intake
            .connector
            .post_xml(NOTIFY_PATH, notification_xml(OBJECT_URI, date))
            .await;
        assert_eq!(response.status(), 200, "{date}");
    }

    let dates: Vec<String> = stored(&intake).await
        .into_iter()
        .map(|row| row.event_date_time)
        .collect();
    assert_eq!(dates, ["2026-12-04", "2026-12-04T08:00:00"]);
}

#[tokio::test]
async fn notification_store_failure_is_503() {
    let intake = start().await;
    let (reject, accept) = match intake.database.engine {
        Engine::Sqlite => (
            "CREATE TRIGGER reject_notifications BEFORE INSERT ON notifications
             BEGIN SELECT RAISE(ABORT, 'disk full'); END;",
            "DROP TRIGGER reject_notifications;",
        ),
        Engine::Postgres => (
            "CREATE FUNCTION reject_notification() RETURNS trigger LANGUAGE plpgsql
                 AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$;
             CREATE TRIGGER reject_notifications BEFORE INSERT ON notifications
                 FOR EACH ROW EXECUTE FUNCTION reject_notification();",
            "DROP TRIGGER reject_notifications ON notifications;",
        ),
    };
    intake.database.execute(reject).await;
    let body = notification_xml(OBJECT_URI, "2026-12-04");

    let failed = intake.connector.post_xml(NOTIFY_PATH, body.clone()).await;

    assert_eq!(failed.status(), 503);
    assert!(!failed.text().await.unwrap().contains("disk full"));
    assert!(stored(&intake).await.is_empty());

    intake.database.execute(accept).await;
    let redelivered = intake.connector.post_xml(NOTIFY_PATH, body).await;
    assert_eq!(redelivered.status(), 200);
    assert_eq!(stored(&intake).await.len(), 1);
}

#[tokio::test]
async fn notification_without_credentials_is_401() {
    let intake = start().await;

    let response = intake
        .connector
        .client
        .post(intake.connector.url(NOTIFY_PATH))
        .header("Content-Type", "application/xml")
        .body(notification_xml(OBJECT_URI, "2026-12-04"))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 401);
    assert!(stored(&intake).await.is_empty());
}

#[tokio::test]
async fn notification_over_body_limit_is_413() {
    let mut config = test_config();
    config.limits.body_bytes = 1024;
    let intake = start_with(config).await;
    let body = notification_xml(OBJECT_URI, "2026-12-04").replace("test", &"x".repeat(2000));

    let response = intake.connector.post_xml(NOTIFY_PATH, body).await;

    assert_eq!(response.status(), 413);
    assert!(stored(&intake).await.is_empty());
}

#[tokio::test]
async fn notification_configured_path_is_served() {
    let mut config = test_config();
    config.paths.notify = "/events/notify".to_owned();
    let intake = start_with(config).await;
    let body = notification_xml(OBJECT_URI, "2026-12-04");

    let at_default = intake.connector.post_xml(NOTIFY_PATH, body.clone()).await;
    let at_configured = intake.connector.post_xml("/events/notify", body).await;

    assert_eq!(at_default.status(), 404);
    assert_eq!(at_configured.status(), 200);
    assert_eq!(stored(&intake).await.len(), 1);
}
