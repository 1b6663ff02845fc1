//! Processing of stored notifications against a test host over real TLS:
//! rules, decisions, retries, token handling and restarts.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::engines::TestDatabase;
use common::test_host::{
    TestHost, entry, notification_xml, processing_config, projects_list, report, report_path,
};
use common::*;
use connector::Config;
use connector::config::{FailureAction, ListValueRule};
use connector::notifications::dedup_key;
use connector::store::{NotificationQueue, NotificationRecord, NotificationStatus, Store};
use protocol::Notification;
use serde_json::{Value, json};

/// How long a test waits for the worker to finish a notification.
const PROCESSING_TIMEOUT: Duration = Duration::from_secs(20);

struct Setup {
    host: TestHost,
    connector: Option<TestConnector>,
    store: Arc<dyn Store>,
    queue: Arc<dyn NotificationQueue>,
    config: Config,
    /// Declared last, so that the stores close before it drops the database.
    _database: TestDatabase,
}

/// Opens a store on `database` with the `Projects` list, and its queue.
async fn open_store(database: &TestDatabase) -> (Arc<dyn Store>, Arc<dyn NotificationQueue>) {
    let store = database.open().await;
    store
        .import_list(projects_list())
        .await
        .expect("import list");
    let queue = store
        .notification_queue()
        .expect("the store keeps a notification queue");
    (store, queue)
}

/// Starts a test host, a store with the `Projects` list and the connector
/// with the processing configuration as `configure` leaves it.
async fn setup(configure: impl FnOnce(&mut Config)) -> Setup {
    let host = TestHost::start().await;
    let database = TestDatabase::from_environment().await;
    let (store, queue) = open_store(&database).await;
    let mut config = processing_config(&host);
    configure(&mut config);

    let connector = spawn_connector(Arc::clone(&store), config.clone()).await;
    Setup {
        host,
        connector: Some(connector),
        store,
        queue,
        config,
        _database: database,
    }
}

impl Setup {
    fn connector(&self) -> &TestConnector {
        self.connector.as_ref().expect("connector running")
    }

    /// Posts a notification for `object_uri` and expects `200`.
    async fn notify(&self, object_uri: &str, event_date_time: &str) {
        let response = self
            .connector()
            .post_xml(NOTIFY_PATH, notification_xml(object_uri, event_date_time))
            .await;
        assert_eq!(response.status(), 200, "notification was not accepted");
    }

    /// Waits until the newest notification for `object_uri` is no longer received.
    async fn finished(&self, object_uri: &str) -> NotificationRecord {
        finished(&*self.queue, object_uri).await
    }

    /// Adds a report, notifies and waits for the end of processing.
    async fn process(&self, report: Value) -> NotificationRecord {
        let object_uri = self.host.add_report(report);
        self.notify(&object_uri, "2026-12-04T10:00:00").await;
        self.finished(&object_uri).await
    }

    /// Returns the comment of the only send-back the host received.
    fn send_back_comment(&self) -> String {
        let bodies = self.host.state().workflow_bodies();
        assert_eq!(bodies.len(), 1, "workflow calls: {bodies:?}");
        assert_eq!(bodies[0]["action"], "send_back");
        bodies[0]["comment"].as_str().unwrap().to_owned()
    }
}

/// Waits until the newest notification for `object_uri` in `store` is no longer received.
async fn finished(queue: &dyn NotificationQueue, object_uri: &str) -> NotificationRecord {
    wait_for_async("the end of processing", PROCESSING_TIMEOUT, || async {
        let rows = queue.list_notifications(None, 100).await.unwrap();
        let newest = rows
            .into_iter()
            .rev()
            .find(|row| row.object_uri == object_uri);
        newest.filter(|row| row.status != NotificationStatus::Received)
    })
    .await
}

/// Builds a report that passes every rule of [`processing_config`].
fn passing_report(id: &str) -> Value {
    report(
        id,
        json!({"Custom1": "P-100"}),
        vec![entry(
            "7",
            "Meals",
            "80.00",
            Some("P-100"),
            json!({"Custom2": "Dinner"}),
        )],
    )
}

#[tokio::test]
async fn worker_all_rules_pass_approves() {
    let setup = setup(|_| {}).await;

    let first = setup.process(passing_report("41")).await;
    let second = setup.process(passing_report("42")).await;

    for row in [&first, &second] {
        assert_eq!(row.status, NotificationStatus::Done);
        assert_eq!(row.decision.as_deref(), Some("approve"));
        assert_eq!(row.attempts, 1);
    }
    assert_eq!(setup.host.report("41")["workflow_step"], "APPROVAL");
    assert_eq!(setup.host.report("42")["workflow_step"], "APPROVAL");
    let state = setup.host.state();
    assert_eq!(
        state.workflow_bodies(),
        [json!({"action": "approve"}), json!({"action": "approve"})]
    );
    assert_eq!(
        state.calls_to("/oauth2/v0/token").len(),
        1,
        "token not cached"
    );
    let read = &state.calls_to(&report_path("41"))[0];
    assert_eq!(read.method, "GET");
    assert_eq!(read.authorization.as_deref(), Some("Bearer access-1"));
}

#[tokio::test]
async fn worker_unknown_list_value_sends_back() {
    let setup = setup(|_| {}).await;
    let report = report(
        "42",
        json!({"Custom1": "x"}),
        vec![entry(
            "7",
            "Meals",
            "80.00",
            Some("P-999"),
            json!({"Custom2": "x"}),
        )],
    );

    let row = setup.process(report).await;

    assert_eq!(row.status, NotificationStatus::Done);
    assert_eq!(row.decision.as_deref(), Some("send_back"));
    assert_eq!(
        setup.send_back_comment(),
        "The report did not pass validation:\n\
         - Meals on 2026-12-01 (80.00 USD): the list value P-999 is not in the list Projects."
    );
    assert_eq!(setup.host.report("42")["workflow_step"], "SENT_BACK");
}

#[tokio::test]
async fn worker_missing_required_list_value_sends_back() {
    let setup = setup(|config| {
        config.validation.list_value = Some(ListValueRule {
            list: "Projects".to_owned(),
            required: true,
        });
    })
    .await;
    let report = report(
        "42",
        json!({"Custom1": "x"}),
        vec![entry("7", "Meals", "80.00", None, json!({"Custom2": "x"}))],
    );

    setup.process(report).await;

    let comment = setup.send_back_comment();
    assert!(
        comment.contains("a value from the list Projects is required"),
        "{comment}"
    );
}

#[tokio::test]
async fn worker_amount_over_limit_sends_back() {
    let setup = setup(|_| {}).await;
    let report = report(
        "42",
        json!({"Custom1": "x"}),
        vec![
            entry(
                "7",
                "Meals",
                "100.01",
                Some("P-100"),
                json!({"Custom2": "x"}),
            ),
            entry(
                "8",
                "Taxi",
                "900.00",
                Some("P-100"),
                json!({"Custom2": "x"}),
            ),
        ],
    );

    let row = setup.process(report).await;

    assert_eq!(row.decision.as_deref(), Some("send_back"));
    assert_eq!(
        setup.send_back_comment(),
        "The report did not pass validation:\n\
         - Meals on 2026-12-01 (100.01 USD): the amount exceeds the limit of 100.00 USD for Meals."
    );
}

#[tokio::test]
async fn worker_missing_custom_fields_send_back() {
    let setup = setup(|_| {}).await;
    let report = report(
        "42",
        json!({"Custom1": "  "}),
        vec![entry("7", "Meals", "20.00", Some("P-200"), json!({}))],
    );

    setup.process(report).await;

    assert_eq!(
        setup.send_back_comment(),
        "The report did not pass validation:\n\
         - The field Custom1 of the report is empty, but it is required.\n\
         - Meals on 2026-12-01 (20.00 USD): the field Custom2 is empty, but it is required."
    );
}

#[tokio::test]
async fn worker_exceptions_mode_posts_exceptions() {
    let setup = setup(|config| config.validation.on_failure = FailureAction::Exceptions).await;
    let report = report(
        "42",
        json!({}),
        vec![entry(
            "7",
            "Meals",
            "150.00",
            Some("P-100"),
            json!({"Custom2": "x"}),
        )],
    );

    let row = setup.process(report).await;

    assert_eq!(row.status, NotificationStatus::Done);
    assert_eq!(row.decision.as_deref(), Some("exceptions"));
    let stored = setup.host.report("42");
    assert_eq!(
        stored["exceptions"],
        json!([{"code": "FIELD_REQUIRED", "message": "The field Custom1 of the report is empty, but it is required."}])
    );
    assert_eq!(
        stored["entries"][0]["exceptions"],
        json!([{"code": "AMOUNT_OVER_LIMIT", "message": "Meals on 2026-12-01 (150.00 USD): the amount exceeds the limit of 100.00 USD for Meals."}])
    );
    assert_eq!(
        setup.host.state().workflow_bodies(),
        [json!({"action": "approve"})]
    );
    assert_eq!(stored["workflow_step"], "APPROVAL");
}

#[tokio::test]
async fn worker_host_500_then_success_retries() {
    let setup = setup(|_| {}).await;
    setup.host.state().injected.insert("object", [500].into());

    let row = setup.process(passing_report("42")).await;

    assert_eq!(row.status, NotificationStatus::Done);
    assert_eq!(row.attempts, 2);
    let last_error = row.last_error.unwrap_or_default();
    assert!(last_error.contains("HTTP 500"), "{last_error}");
    assert_eq!(setup.host.state().calls_to(&report_path("42")).len(), 2);
}

#[tokio::test]
async fn worker_persistent_failure_marks_failed() {
    let setup = setup(|_| {}).await;
    setup.host.state().always_failing.insert("object");

    let row = setup.process(passing_report("42")).await;

    assert_eq!(row.status, NotificationStatus::Failed);
    assert_eq!(row.attempts, 3);
    let last_error = row.last_error.unwrap_or_default();
    assert!(last_error.contains("HTTP 500"), "{last_error}");
    assert!(
        last_error.contains("gave up after 3 attempts"),
        "{last_error}"
    );
    assert!(setup.host.state().workflow_bodies().is_empty());
}

#[tokio::test]
async fn worker_repeated_401_is_retried() {
    let setup = setup(|_| {}).await;
    setup
        .host
        .state()
        .injected
        .insert("object", [401, 401].into());

    let row = setup.process(passing_report("42")).await;

    assert_eq!(row.status, NotificationStatus::Done);
    assert_eq!(row.attempts, 2);
    let last_error = row.last_error.unwrap_or_default();
    assert!(last_error.contains("401"), "{last_error}");
}

#[tokio::test]
async fn worker_rejected_token_is_refreshed() {
    let setup = setup(|_| {}).await;
    setup.process(passing_report("41")).await;
    setup.host.state().valid_tokens.clear();

    let row = setup.process(passing_report("42")).await;

    assert_eq!(row.status, NotificationStatus::Done);
    assert_eq!(row.attempts, 1);
    let state = setup.host.state();
    let grants: Vec<Value> = state
        .calls_to("/oauth2/v0/token")
        .iter()
        .map(|call| serde_json::from_str::<Value>(&call.body).unwrap()["grant_type"].clone())
        .collect();
    assert_eq!(
        grants,
        [json!("client_credentials"), json!("refresh_token")]
    );
}

#[tokio::test]
async fn worker_expired_token_is_renewed() {
    let setup = setup(|_| {}).await;
    setup.host.state().expires_in = Some(2);
    setup.process(passing_report("41")).await;
    tokio::time::sleep(Duration::from_millis(2_100)).await;

    setup.process(passing_report("42")).await;

    let state = setup.host.state();
    let tokens = state.calls_to("/oauth2/v0/token");
    assert_eq!(tokens.len(), 2, "{tokens:?}");
    let second = &state.calls_to(&report_path("42"))[0];
    assert_eq!(second.authorization.as_deref(), Some("Bearer access-2"));
}

#[tokio::test]
async fn worker_workflow_409_is_superseded() {
    let setup = setup(|_| {}).await;
    setup.host.state().always_conflicting.insert("workflow");

    let row = setup.process(passing_report("42")).await;

    assert_eq!(row.status, NotificationStatus::Superseded);
    assert_eq!(row.attempts, 1);
    let reason = row.last_error.unwrap_or_default();
    assert!(reason.contains("409"), "{reason}");
}

#[tokio::test]
async fn worker_object_not_waiting_is_superseded() {
    let setup = setup(|_| {}).await;
    let mut report = passing_report("42");
    report["workflow_step"] = json!("APPROVAL");

    let row = setup.process(report).await;

    assert_eq!(row.status, NotificationStatus::Superseded);
    assert!(setup.host.state().workflow_bodies().is_empty());
}

#[tokio::test]
async fn worker_other_origin_never_gets_token() {
    let setup = setup(|_| {}).await;
    let other = TestHost::start().await;
    let foreign_uri = other.add_report(passing_report("42"));

    let response = setup
        .connector()
        .post_xml(NOTIFY_PATH, notification_xml(&foreign_uri, "2026-12-04"))
        .await;

    assert_eq!(response.status(), 400);
    let text = response.text().await.unwrap();
    assert!(text.contains("Notification/ObjectURI"), "{text}");
    assert!(
        setup
            .queue
            .list_notifications(None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(other.state().calls.is_empty());
}

#[tokio::test]
async fn worker_rejects_stored_foreign_object_uri() {
    let host = TestHost::start().await;
    let other = TestHost::start().await;
    let foreign_uri = other.add_report(passing_report("42"));
    let database = TestDatabase::from_environment().await;
    let (store, queue) = open_store(&database).await;
    // Stored while another host origin was configured.
    let notification =
        Notification::parse(notification_xml(&foreign_uri, "2026-12-04").as_bytes()).unwrap();
    queue
        .enqueue(&notification, &dedup_key(&notification), 0)
        .await
        .unwrap();

    let connector = spawn_connector(store, processing_config(&host)).await;
    let row = finished(&*queue, &foreign_uri).await;

    assert_eq!(row.status, NotificationStatus::Failed);
    assert_eq!(row.attempts, 1);
    let error = row.last_error.unwrap_or_default();
    assert!(error.contains("is not under the host origin"), "{error}");
    assert!(other.state().calls.is_empty());
    assert!(host.state().calls.is_empty());
    connector.stop().await.unwrap();
}

#[tokio::test]
async fn worker_resumes_after_restart() {
    let mut setup = setup(|_| {}).await;
    setup.host.state().workflow_response_delay = Some(Duration::from_secs(60));
    let object_uri = setup.host.add_report(passing_report("42"));
    setup.notify(&object_uri, "2026-12-04T10:00:00").await;

    // The host carries out the approval but its response never arrives.
    wait_for("the workflow call", PROCESSING_TIMEOUT, || {
        (!setup.host.state().workflow_bodies().is_empty()).then_some(())
    })
    .await;
    setup.connector.take().unwrap().stop().await.unwrap();
    let unfinished = setup.queue.list_notifications(None, 10).await.unwrap();
    assert_eq!(unfinished[0].status, NotificationStatus::Received);

    setup.host.state().workflow_response_delay = None;
    let restarted = spawn_connector(Arc::clone(&setup.store), setup.config.clone()).await;
    setup.connector = Some(restarted);
    let row = setup.finished(&object_uri).await;

    assert_eq!(row.status, NotificationStatus::Done);
    assert_eq!(row.decision.as_deref(), Some("sent_by_earlier_attempt"));
    assert_eq!(row.attempts, 2);
    assert_eq!(setup.host.state().workflow_bodies().len(), 1);
    assert_eq!(setup.host.state().calls_to(&report_path("42")).len(), 2);
}

/// Two connectors on one PostgreSQL database, whose workers start together
/// on a queue of stored notifications: each notification is processed by
/// one of them, once. Skips when `CALLOUTS_TEST_POSTGRES_URL` is not set,
/// because the SQLite queue serves a single worker.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn worker_two_instances_process_each_once() {
    let Some(database) = TestDatabase::postgres().await else {
        return;
    };
    let host = TestHost::start().await;
    let (first_store, queue) = open_store(&database).await;
    let second_store = database.open().await;
    let mut object_uris = Vec::new();
    for id in 0..12 {
        let object_uri = host.add_report(passing_report(&id.to_string()));
        let xml = notification_xml(&object_uri, "2026-12-04");
        let notification = Notification::parse(xml.as_bytes()).unwrap();
        queue
            .enqueue(&notification, &dedup_key(&notification), 0)
            .await
            .unwrap();
        object_uris.push(object_uri);
    }

    let first = spawn_connector(first_store, processing_config(&host)).await;
    let second = spawn_connector(second_store, processing_config(&host)).await;
    for object_uri in &object_uris {
        let row = finished(&*queue, object_uri).await;
        assert_eq!(row.status, NotificationStatus::Done, "{object_uri}");
        assert_eq!(row.attempts, 1, "{object_uri}");
    }

    assert_eq!(host.state().workflow_bodies().len(), 12);
    for id in 0..12 {
        let workflow_path = format!("{}/workflow", report_path(&id.to_string()));
        assert_eq!(
            host.state().calls_to(&workflow_path).len(),
            1,
            "report {id}"
        );
    }
    first.stop().await.unwrap();
    second.stop().await.unwrap();
}

/// Two connectors with a 3-second claim lease and a host that responds to
/// the decision after 5 seconds: the other connector must not decide again.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn worker_long_attempt_keeps_claim() {
    let Some(database) = TestDatabase::postgres().await else {
        return;
    };
    let host = TestHost::start().await;
    host.state().workflow_response_delay = Some(Duration::from_secs(5));
    let (first_store, queue) = open_store(&database).await;
    let second_store = database.open().await;
    let object_uri = host.add_report(passing_report("42"));
    let xml = notification_xml(&object_uri, "2026-12-04T10:00:00");
    let notification = Notification::parse(xml.as_bytes()).unwrap();
    queue
        .enqueue(&notification, &dedup_key(&notification), 0)
        .await
        .unwrap();

    // Both workers look at the queue when they start: one takes the
    // notification, and the other waits for the end of that claim's lease.
    let mut config = processing_config(&host);
    config.notifications.claim_lease_secs = 3;
    let first = spawn_connector(first_store, config.clone()).await;
    let second = spawn_connector(second_store, config).await;
    let row = finished(&*queue, &object_uri).await;

    assert_eq!(row.status, NotificationStatus::Done);
    assert_eq!(
        row.attempts, 1,
        "another instance took the notification over"
    );
    assert_eq!(host.state().workflow_bodies().len(), 1);
    first.stop().await.unwrap();
    second.stop().await.unwrap();
}
