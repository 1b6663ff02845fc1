//! Launch nonces and sessions on a real database of each engine.

mod common;

use std::sync::Arc;

use common::engines::TestDatabase;
use connector::store::{LaunchSession, LaunchStore, LaunchVersion, NonceOutcome};
use testing::engine_tests;

const NONCE: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";

async fn open(database: &TestDatabase) -> Arc<dyn LaunchStore> {
    database
        .open()
        .await
        .launch_store()
        .expect("the store keeps launch state")
}

fn session(expires_at_ms: i64) -> LaunchSession {
    LaunchSession {
        id_hash: [7; 32],
        version: LaunchVersion::V4,
        user_id: "ann".to_owned(),
        item_url: "https://host.example.com/api/expense/v1/items/entries/12".to_owned(),
        field: "CostObject".to_owned(),
        language: "EN".to_owned(),
        sealed_tokens: Some(vec![1, 2, 3]),
        expires_at_ms,
    }
}

async fn nonce_within_window_is_replayed(database: TestDatabase) {
    let store = open(&database).await;

    let first = store.record_nonce(NONCE, 1_000, 2_000).await.unwrap();
    let second = store.record_nonce(NONCE, 1_500, 2_500).await.unwrap();

    assert_eq!(first, NonceOutcome::Fresh);
    assert_eq!(second, NonceOutcome::Replayed);
}

async fn nonce_after_window_is_fresh(database: TestDatabase) {
    let store = open(&database).await;
    store.record_nonce(NONCE, 1_000, 2_000).await.unwrap();

    let again = store.record_nonce(NONCE, 2_000, 3_000).await.unwrap();

    assert_eq!(again, NonceOutcome::Fresh);
}

async fn nonce_replayed_through_other_store(database: TestDatabase) {
    let first_store = open(&database).await;
    let second_store = open(&database).await;

    let first = first_store.record_nonce(NONCE, 1_000, 2_000).await.unwrap();
    let replayed = second_store
        .record_nonce(NONCE, 1_500, 2_500)
        .await
        .unwrap();

    assert_eq!(first, NonceOutcome::Fresh);
    assert_eq!(replayed, NonceOutcome::Replayed);
}

async fn session_round_trips(database: TestDatabase) {
    let store = open(&database).await;
    store.insert_session(&session(5_000)).await.unwrap();

    let found = store.find_session(&[7; 32], 4_999).await.unwrap();

    assert_eq!(found, Some(session(5_000)));
}

async fn session_without_tokens_round_trips(database: TestDatabase) {
    let store = open(&database).await;
    let mut version_1 = session(5_000);
    version_1.version = LaunchVersion::V1;
    version_1.sealed_tokens = None;
    store.insert_session(&version_1).await.unwrap();

    let found = store.find_session(&[7; 32], 0).await.unwrap();

    assert_eq!(found, Some(version_1));
}

async fn expired_session_is_not_found(database: TestDatabase) {
    let store = open(&database).await;
    store.insert_session(&session(5_000)).await.unwrap();

    let found = store.find_session(&[7; 32], 5_000).await.unwrap();

    assert_eq!(found, None);
}

async fn expired_session_is_pruned_with_nonces(database: TestDatabase) {
    let store = open(&database).await;
    store.insert_session(&session(5_000)).await.unwrap();

    store.record_nonce(NONCE, 6_000, 7_000).await.unwrap();

    assert!(!store.delete_session(&[7; 32]).await.unwrap());
}

async fn session_tokens_are_replaced(database: TestDatabase) {
    let store = open(&database).await;
    store.insert_session(&session(5_000)).await.unwrap();

    store
        .replace_session_tokens(&[7; 32], &[9, 9])
        .await
        .unwrap();

    let found = store.find_session(&[7; 32], 0).await.unwrap().unwrap();
    assert_eq!(found.sealed_tokens, Some(vec![9, 9]));
}

async fn session_delete_reports_existence(database: TestDatabase) {
    let store = open(&database).await;
    store.insert_session(&session(5_000)).await.unwrap();

    let deleted = store.delete_session(&[7; 32]).await.unwrap();
    let again = store.delete_session(&[7; 32]).await.unwrap();

    assert!(deleted);
    assert!(!again);
}

engine_tests!(
    nonce_within_window_is_replayed,
    nonce_after_window_is_fresh,
    nonce_replayed_through_other_store,
    session_round_trips,
    session_without_tokens_round_trips,
    expired_session_is_not_found,
    expired_session_is_pruned_with_nonces,
    session_tokens_are_replaced,
    session_delete_reports_existence,
);
