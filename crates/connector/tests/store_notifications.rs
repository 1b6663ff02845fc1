//! The notification queue on a real database of each engine: order,
//! deduplication, retries, completion.

mod common;

use std::sync::Arc;

use common::engines::TestDatabase;
use connector::notifications::dedup_key;
use connector::store::{Completion, Enqueued, NotificationQueue, NotificationStatus};
use protocol::Notification;
use testing::engine_tests;

fn notification(report: &str, event_date_time: &str) -> Notification {
    let xml = format!(
        "<Notification><EventType>Report Entered Expense Report Workflow Step - SUBMIT</EventType>\
         <ObjectType>EXPRPT</ObjectType>\
         <ObjectURI>https://host.example.com/api/expense/v1/reports/{report}</ObjectURI>\
         <EventDateTime>{event_date_time}</EventDateTime></Notification>"
    );
    Notification::parse(xml.as_bytes()).expect("valid notification")
}

async fn enqueue(store: &dyn NotificationQueue, notification: &Notification) -> Enqueued {
    store
        .enqueue(notification, &dedup_key(notification), 1_000)
        .await
        .expect("enqueue")
}

async fn open(database: &TestDatabase) -> Arc<dyn NotificationQueue> {
    database.open().await.notification_queue().expect("the store keeps a notification queue")
}

async fn queue_takes_oldest_first_and_counts_attempts(database: TestDatabase) {
    let store = open(&database).await;
    let Enqueued::Stored(first) = enqueue(&*store, &notification("1", "2026-12-04")).await else {
        panic!("not stored");
    };
    enqueue(&*store, &notification("2", "2026-12-04")).await;

    let taken = store.begin_next_attempt(2_000).await.unwrap().expect("due");

    assert_eq!(taken.id, first);
    assert_eq!(taken.attempts, 1);
    assert!(!taken.decision_sent);
    let rows = store.list_notifications(None, 10).await.unwrap();
    assert_eq!(rows[0].attempts, 1);
    assert_eq!(rows[1].attempts, 0);
}

async fn queue_keeps_object_order_during_retry(database: TestDatabase) {
    let store = open(&database).await;
    enqueue(&*store, &notification("1", "2026-12-04T10:00:00")).await;
    enqueue(&*store, &notification("1", "2026-12-04T11:00:00")).await;
    let Enqueued::Stored(other) = enqueue(&*store, &notification("2", "2026-12-04")).await else {
        panic!("not stored");
    };
    let first = store.begin_next_attempt(2_000).await.unwrap().unwrap();
    store.schedule_retry(first.id, 9_000, "host answered 500").await.unwrap();

    let next = store.begin_next_attempt(2_000).await.unwrap().expect("other object due");
    let done = Completion::Done { decision: "approve".to_owned() };
    store.complete(next.id, &done, 2_000).await.unwrap();
    let none = store.begin_next_attempt(2_000).await.unwrap();
    let due_at = store.next_attempt_time().await.unwrap();

    assert_eq!(next.id, other);
    assert!(none.is_none(), "the second notification of report 1 overtook the first");
    assert_eq!(due_at, Some(9_000));
}

async fn queue_deduplicates_only_waiting_notifications(database: TestDatabase) {
    let store = open(&database).await;
    let same = notification("1", "2026-12-04");

    let first = enqueue(&*store, &same).await;
    let again = enqueue(&*store, &same).await;
    let Enqueued::Stored(id) = first else { panic!("not stored") };
    assert_eq!(again, Enqueued::Duplicate(id));

    let taken = store.begin_next_attempt(2_000).await.unwrap().unwrap();
    let done = Completion::Done { decision: "approve".to_owned() };
    store.complete(taken.id, &done, 3_000).await.unwrap();
    let after_done = enqueue(&*store, &same).await;

    assert!(matches!(after_done, Enqueued::Stored(new) if new != id), "{after_done:?}");
}

async fn queue_stores_resubmission_in_same_second(database: TestDatabase) {
    let store = open(&database).await;
    let same = notification("1", "2026-12-04T10:15:30");

    let Enqueued::Stored(id) = enqueue(&*store, &same).await else {
        panic!("not stored")
    };
    let taken = store.begin_next_attempt(2_000).await.unwrap().unwrap();
    let done = Completion::Done { decision: "send_back".to_owned() };
    store.complete(taken.id, &done, 3_000).await.unwrap();
    let resubmitted = enqueue(&*store, &same).await;

    assert!(matches!(resubmitted, Enqueued::Stored(new) if new != id), "{resubmitted:?}");
}

async fn queue_records_completion_and_decision_flag(database: TestDatabase) {
    let store = open(&database).await;
    enqueue(&*store, &notification("1", "2026-12-04")).await;
    let taken = store.begin_next_attempt(2_000).await.unwrap().unwrap();
    store.schedule_retry(taken.id, 2_500, "timed out").await.unwrap();
    let retried = store.begin_next_attempt(3_000).await.unwrap().unwrap();
    store.mark_decision_sent(retried.id).await.unwrap();
    let failed = Completion::Failed { error: "gave up".to_owned() };
    store.complete(retried.id, &failed, 4_000).await.unwrap();

    let rows = store.list_notifications(Some(NotificationStatus::Failed), 10).await.unwrap();

    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].attempts, 2);
    assert_eq!(rows[0].last_error.as_deref(), Some("gave up"));
    assert_eq!(rows[0].received_at, "1970-01-01T00:00:01.000Z");
    assert_eq!(rows[0].finished_at.as_deref(), Some("1970-01-01T00:00:04.000Z"));
    assert!(store.begin_next_attempt(10_000).await.unwrap().is_none());
    assert!(store.list_notifications(Some(NotificationStatus::Done), 10).await.unwrap().is_empty());
}

async fn queue_marks_decision_sent_for_next_attempt(database: TestDatabase) {
    let store = open(&database).await;
    enqueue(&*store, &notification("1", "2026-12-04")).await;
    let taken = store.begin_next_attempt(2_000).await.unwrap().unwrap();
    store.mark_decision_sent(taken.id).await.unwrap();

    // No completion: as after a crash during the decision call.
    let again = store.begin_next_attempt(2_000).await.unwrap().unwrap();

    assert_eq!(again.id, taken.id);
    assert_eq!(again.attempts, 2);
    assert!(again.decision_sent);
}

engine_tests!(
    queue_takes_oldest_first_and_counts_attempts,
    queue_keeps_object_order_during_retry,
    queue_deduplicates_only_waiting_notifications,
    queue_stores_resubmission_in_same_second,
    queue_records_completion_and_decision_flag,
    queue_marks_decision_sent_for_next_attempt,
);
