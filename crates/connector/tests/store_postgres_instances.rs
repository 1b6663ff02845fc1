//! Several connector instances on one PostgreSQL database: each test opens
//! two stores on one schema, as two instances behind a load balancer would.
//! The tests skip when `CALLOUTS_TEST_POSTGRES_URL` is not set.

mod common;

use std::collections::HashSet;

use common::engines::TestDatabase;
use connector::notifications::dedup_key;
use connector::store::{
    Completion, Enqueued, LaunchStore, NonceOutcome, NotificationQueue, PostgresStore,
};
use protocol::Notification;

fn notification(report: &str) -> Notification {
    let xml = format!(
        "<Notification><EventType>Report Entered Expense Report Workflow Step - SUBMIT</EventType>\
         <ObjectType>EXPRPT</ObjectType>\
         <ObjectURI>https://host.example.com/api/expense/v1/reports/{report}</ObjectURI>\
         <EventDateTime>2026-12-04T10:00:00</EventDateTime></Notification>"
    );
    Notification::parse(xml.as_bytes()).expect("valid notification")
}

async fn enqueue(store: &PostgresStore, notification: &Notification) -> Enqueued {
    store
        .enqueue(notification, &dedup_key(notification), 1_000)
        .await
        .expect("enqueue")
}

/// Opens two stores on a fresh schema, or returns `None` to skip.
async fn two_instances() -> Option<(TestDatabase, PostgresStore, PostgresStore)> {
    let database = TestDatabase::postgres().await?;
    let first = database.open_postgres().await;
    let second = database.open_postgres().await;
    Some((database, first, second))
}

/// Takes and completes notifications until none is due, and returns the
/// ids it took.
async fn drain(store: PostgresStore) -> Vec<i64> {
    let mut taken = Vec::new();
    while let Some(pending) = store.begin_next_attempt(2_000).await.expect("claim") {
        taken.push(pending.id);
        let done = Completion::Done {
            decision: "approve".to_owned(),
        };
        store
            .complete(pending.id, &done, 2_000)
            .await
            .expect("complete");
    }
    taken
}

/// Stores a notification, claims it in `first` with a 60-second lease and
/// lets `second` take it over when that lease ends. Returns its id.
async fn claim_then_take_over(first: &PostgresStore, second: &PostgresStore) -> i64 {
    first.set_claim_lease(std::time::Duration::from_secs(60));
    enqueue(first, &notification("1")).await;
    let claimed = first.begin_next_attempt(2_000).await.unwrap().expect("due");
    let taken_over = second
        .begin_next_attempt(62_000)
        .await
        .unwrap()
        .expect("lease ended");
    assert_eq!(taken_over.id, claimed.id);
    claimed.id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_claims_take_each_notification_once() {
    let Some((_database, first, second)) = two_instances().await else {
        return;
    };
    let mut stored = HashSet::new();
    for report in 0..60 {
        let Enqueued::Stored(id) = enqueue(&first, &notification(&report.to_string())).await else {
            panic!("not stored");
        };
        stored.insert(id);
    }

    let first_task = tokio::spawn(drain(first));
    let second_task = tokio::spawn(drain(second));
    let first_taken = first_task.await.expect("first instance");
    let second_taken = second_task.await.expect("second instance");

    let mut taken = HashSet::new();
    for id in first_taken.iter().chain(&second_taken) {
        assert!(taken.insert(*id), "notification {id} was taken twice");
    }
    assert_eq!(taken, stored);
    assert!(!first_taken.is_empty(), "the first instance took nothing");
    assert!(!second_taken.is_empty(), "the second instance took nothing");
}

#[tokio::test]
async fn claim_is_skipped_until_lease_ends() {
    let Some((_database, first, second)) = two_instances().await else {
        return;
    };
    first.set_claim_lease(std::time::Duration::from_secs(60));
    let Enqueued::Stored(id) = enqueue(&first, &notification("1")).await else {
        panic!("not stored");
    };

    let claimed = first.begin_next_attempt(2_000).await.unwrap().expect("due");
    let during_lease = second.begin_next_attempt(61_999).await.unwrap();
    let due_for_second = second.next_attempt_time().await.unwrap();
    let due_for_first = first.next_attempt_time().await.unwrap();

    assert_eq!(claimed.id, id);
    assert!(
        during_lease.is_none(),
        "the second instance took a claimed notification"
    );
    assert_eq!(due_for_second, Some(62_000));
    assert_eq!(due_for_first, Some(1_000));
}

#[tokio::test]
async fn lease_of_dropped_claimer_is_taken_over() {
    let Some((_database, first, second)) = two_instances().await else {
        return;
    };
    first.set_claim_lease(std::time::Duration::from_secs(60));
    enqueue(&first, &notification("1")).await;
    let claimed = first.begin_next_attempt(2_000).await.unwrap().expect("due");
    first.close().await;

    let taken_over = second
        .begin_next_attempt(62_000)
        .await
        .unwrap()
        .expect("lease ended");

    assert_eq!(taken_over.id, claimed.id);
    assert_eq!(taken_over.attempts, 2);
}

#[tokio::test]
async fn extended_claim_is_kept_until_its_new_end() {
    let Some((_database, first, second)) = two_instances().await else {
        return;
    };
    first.set_claim_lease(std::time::Duration::from_secs(60));
    enqueue(&first, &notification("1")).await;
    let claimed = first.begin_next_attempt(2_000).await.unwrap().expect("due");

    let extended = first.extend_claim(claimed.id, 50_000).await.unwrap();
    let after_first_lease = second.begin_next_attempt(62_000).await.unwrap();
    let due_for_second = second.next_attempt_time().await.unwrap();
    let after_extension = second.begin_next_attempt(110_000).await.unwrap();

    assert!(extended, "the claimer could not extend its own claim");
    assert!(
        after_first_lease.is_none(),
        "the second instance took a notification whose claim was extended"
    );
    assert_eq!(due_for_second, Some(110_000));
    assert_eq!(
        after_extension.expect("extended lease ended").id,
        claimed.id
    );
}

#[tokio::test]
async fn claim_taken_over_cannot_be_extended() {
    let Some((_database, first, second)) = two_instances().await else {
        return;
    };
    let claimed = claim_then_take_over(&first, &second).await;

    let extended = first.extend_claim(claimed, 63_000).await.unwrap();
    let still_with_second = first.begin_next_attempt(64_000).await.unwrap();

    assert!(
        !extended,
        "a claim taken over was extended by its old claimer"
    );
    assert!(
        still_with_second.is_none(),
        "the old claimer took the notification back"
    );
}

#[tokio::test]
async fn late_completion_after_takeover_is_ignored() {
    let Some((_database, first, second)) = two_instances().await else {
        return;
    };
    let claimed = claim_then_take_over(&first, &second).await;

    let late = Completion::Failed {
        error: "stopped".to_owned(),
    };
    first.complete(claimed, &late, 63_000).await.unwrap();
    let rows = second.list_notifications(None, 10).await.unwrap();

    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].status.as_str(), "received");
    assert_eq!(rows[0].attempts, 2);
}

#[tokio::test]
async fn object_order_holds_across_instances() {
    let Some((_database, first, second)) = two_instances().await else {
        return;
    };
    enqueue(&first, &notification("1")).await;
    let later = Notification {
        event_date_time: protocol::EventDateTime::parse("2026-12-04T11:00:00").unwrap(),
        ..notification("1")
    };
    enqueue(&first, &later).await;

    let claimed = first.begin_next_attempt(2_000).await.unwrap().expect("due");
    let other = second.begin_next_attempt(2_000).await.unwrap();

    assert_eq!(
        claimed.notification.event_date_time.to_string(),
        "2026-12-04T10:00:00"
    );
    assert!(
        other.is_none(),
        "the second instance overtook the first notification of the report"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_equal_enqueues_store_one() {
    let Some((_database, first, second)) = two_instances().await else {
        return;
    };
    let same = notification("1");

    let mut tasks = Vec::new();
    for index in 0..16 {
        let store = if index % 2 == 0 {
            first.clone()
        } else {
            second.clone()
        };
        let same = same.clone();
        tasks.push(tokio::spawn(async move { enqueue(&store, &same).await }));
    }
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.expect("enqueue task"));
    }

    let stored: Vec<i64> = outcomes
        .iter()
        .filter_map(|outcome| match outcome {
            Enqueued::Stored(id) => Some(*id),
            Enqueued::Duplicate(_) => None,
        })
        .collect();
    assert_eq!(stored.len(), 1, "{outcomes:?}");
    for outcome in &outcomes {
        if let Enqueued::Duplicate(id) = outcome {
            assert_eq!(*id, stored[0]);
        }
    }
    assert_eq!(first.list_notifications(None, 100).await.unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_nonce_uses_record_one() {
    let Some((_database, first, second)) = two_instances().await else {
        return;
    };

    let mut tasks = Vec::new();
    for index in 0..16 {
        let store = if index % 2 == 0 {
            first.clone()
        } else {
            second.clone()
        };
        tasks.push(tokio::spawn(async move {
            store
                .record_nonce("nonce-1", 1_000, 2_000)
                .await
                .expect("record nonce")
        }));
    }
    let mut fresh = 0;
    for task in tasks {
        if task.await.expect("nonce task") == NonceOutcome::Fresh {
            fresh += 1;
        }
    }

    assert_eq!(fresh, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_starts_apply_migrations_once() {
    let Some(database) = TestDatabase::postgres().await else {
        return;
    };

    let (first, second) = tokio::join!(database.open_postgres(), database.open_postgres());

    let versions: Vec<i64> = sqlx::query_scalar("SELECT version FROM schema_migrations")
        .fetch_all(first.pool())
        .await
        .unwrap();
    assert_eq!(versions, [1, 2]);
    assert_eq!(second.schema_version().await.unwrap(), 2);
    assert!(second.migrate().await.unwrap().is_empty());
}
