//! The callouts over real TLS: Test Connection, Fetch Attendee, Fetch List, health check.

mod common;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use common::memory_store::{MemoryStore, attendee};
use common::*;
use protocol::{AttendeeSearchResponse, AttendeeVersion, FetchListResponse};

fn people() -> MemoryStore {
    MemoryStore::with_attendees(vec![
        attendee("EXT-1", "John", "Doe"),
        attendee("EXT-2", "Jane", "Doe"),
        attendee("EXT-3", "Gregory", "House"),
    ])
}

fn geography() -> MemoryStore {
    MemoryStore::default()
        .with_list(
            "Cities",
            &[
                ("US-W-CA", "SF", "San Francisco"),
                ("US-W-CA", "SJ", "San Jose"),
                ("US-W-CA", "LA", "Los Angeles"),
            ],
        )
        .with_list("Projects", &[("", "P1", "Apollo"), ("", "P2", "Gemini")])
}

async fn body_text(response: reqwest::Response) -> String {
    response.text().await.expect("read body")
}

#[tokio::test]
async fn test_connection_returns_ok() {
    let connector = spawn_connector(Arc::new(MemoryStore::default()), test_config()).await;

    let response = connector.get(TEST_CONNECTION_PATH).await;

    assert_eq!(response.status(), 200);
    assert!(!body_text(response).await.is_empty());
}

#[tokio::test]
async fn attendee_v2_returns_25_custom_fields() {
    let connector = spawn_connector(Arc::new(people()), test_config()).await;

    let response = connector
        .post_xml(ATTENDEE_V2_PATH, attendee_request("Doe", None))
        .await;
    assert_eq!(response.status(), 200);
    let body = body_text(response).await;
    let parsed = AttendeeSearchResponse::parse(body.as_bytes(), AttendeeVersion::V2_0)
        .expect("valid v2.0 response");

    assert_eq!(parsed.attendees.len(), 2);
    assert!(body.contains("<Custom25>C25</Custom25>"));
}

#[tokio::test]
async fn attendee_v1_returns_20_custom_fields() {
    let connector = spawn_connector(Arc::new(people()), test_config()).await;

    let response = connector
        .post_xml(ATTENDEE_V1_PATH, attendee_request("Doe", None))
        .await;
    assert_eq!(response.status(), 200);
    let body = body_text(response).await;
    let parsed = AttendeeSearchResponse::parse(body.as_bytes(), AttendeeVersion::V1_0)
        .expect("valid v1.0 response");

    assert_eq!(parsed.attendees.len(), 2);
    assert!(body.contains("<Custom20>C20</Custom20>"));
    assert!(!body.contains("Custom21"));
}

#[tokio::test]
async fn attendee_response_is_xml() {
    let connector = spawn_connector(Arc::new(people()), test_config()).await;

    let response = connector
        .post_xml(ATTENDEE_V2_PATH, attendee_request("Doe", None))
        .await;

    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok());
    assert_eq!(content_type, Some("application/xml; charset=utf-8"));
}

#[tokio::test]
async fn attendee_no_match_is_empty_root() {
    let connector = spawn_connector(Arc::new(people()), test_config()).await;

    let response = connector
        .post_xml(ATTENDEE_V2_PATH, attendee_request("Nobody", None))
        .await;
    assert_eq!(response.status(), 200);

    assert!(
        body_text(response)
            .await
            .contains("<AttendeeSearchResponse/>")
    );
}

#[tokio::test]
async fn attendee_maximum_zero_skips_store() {
    let store = Arc::new(people());
    let connector = spawn_connector(store.clone(), test_config()).await;

    let response = connector
        .post_xml(ATTENDEE_V2_PATH, attendee_request("Doe", Some(0)))
        .await;
    assert_eq!(response.status(), 200);

    assert!(
        body_text(response)
            .await
            .contains("<AttendeeSearchResponse/>")
    );
    assert_eq!(store.attendee_searches.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn attendee_maximum_is_capped_at_100() {
    let store = Arc::new(people());
    let connector = spawn_connector(store.clone(), test_config()).await;

    connector
        .post_xml(ATTENDEE_V2_PATH, attendee_request("Doe", Some(5000)))
        .await;

    let limit = store
        .last_attendee_query
        .lock()
        .unwrap()
        .as_ref()
        .map(|query| query.limit);
    assert_eq!(limit, Some(100));
}

#[tokio::test]
async fn attendee_maximum_limits_results() {
    let connector = spawn_connector(Arc::new(people()), test_config()).await;

    let response = connector
        .post_xml(ATTENDEE_V2_PATH, attendee_request("Doe", Some(1)))
        .await;
    let body = body_text(response).await;
    let parsed = AttendeeSearchResponse::parse(body.as_bytes(), AttendeeVersion::V2_0)
        .expect("valid response");

    assert_eq!(parsed.attendees.len(), 1);
}

#[tokio::test]
async fn attendee_owner_ignored_by_default() {
    let store = Arc::new(people());
    let connector = spawn_connector(store.clone(), test_config()).await;

    connector
        .post_xml(ATTENDEE_V2_PATH, attendee_request("Doe", None))
        .await;

    let owner = store
        .last_attendee_query
        .lock()
        .unwrap()
        .as_ref()
        .map(|query| query.owner_login_id.clone());
    assert_eq!(owner, Some(None));
}

#[tokio::test]
async fn attendee_owner_scoping_passes_owner() {
    let store = Arc::new(people());
    let mut config = test_config();
    config.scope_attendees_by_owner = true;
    let connector = spawn_connector(store.clone(), config).await;

    connector
        .post_xml(ATTENDEE_V2_PATH, attendee_request("Doe", None))
        .await;

    let owner = store
        .last_attendee_query
        .lock()
        .unwrap()
        .as_ref()
        .map(|query| query.owner_login_id.clone());
    assert_eq!(owner, Some(Some("owner@example.com".to_owned())));
}

#[tokio::test]
async fn list_fetch_returns_items_under_parent() {
    let connector = spawn_connector(Arc::new(geography()), test_config()).await;

    let response = connector
        .post_xml(LIST_PATH, list_request("Cities", "US-W-CA", "CA", "San*"))
        .await;
    assert_eq!(response.status(), 200);
    let body = body_text(response).await;
    let parsed = FetchListResponse::parse(body.as_bytes()).expect("valid list response");

    let codes: Vec<&str> = parsed.items.iter().map(|item| item.code.as_str()).collect();
    assert_eq!(codes, ["US-W-CA-SF", "US-W-CA-SJ"]);
}

#[tokio::test]
async fn list_fetch_passes_query_fields() {
    let store = Arc::new(geography());
    let connector = spawn_connector(store.clone(), test_config()).await;

    connector
        .post_xml(LIST_PATH, list_request("Cities", "US-W-CA", "CA", "San*"))
        .await;

    let query = store
        .last_list_query
        .lock()
        .unwrap()
        .clone()
        .expect("store was searched");
    assert_eq!(query.list_name, "Cities");
    assert_eq!(query.parent_long_code, "US-W-CA");
    assert_eq!(query.query, "San*");
    assert_eq!(query.lang_code, "EN");
    assert_eq!(query.limit, 25);
}

#[tokio::test]
async fn list_fetch_path_mapping_chooses_list() {
    let store = Arc::new(geography());
    let mut config = test_config();
    config.list_paths.insert(
        "/concur/list/v1.2/projects".to_owned(),
        "Projects".to_owned(),
    );
    let connector = spawn_connector(store.clone(), config).await;

    let response = connector
        .post_xml(
            "/concur/list/v1.2/projects",
            list_request("platform-internal-name", "", "", "*"),
        )
        .await;
    assert_eq!(response.status(), 200);

    let list_name = store
        .last_list_query
        .lock()
        .unwrap()
        .as_ref()
        .map(|query| query.list_name.clone());
    assert_eq!(list_name.as_deref(), Some("Projects"));
}

#[tokio::test]
async fn list_fetch_without_choice_is_404_xml() {
    let connector = spawn_connector(Arc::new(geography()), test_config()).await;

    let response = connector
        .post_xml(LIST_PATH, list_request("", "", "", "*"))
        .await;

    assert_eq!(response.status(), 404);
    assert!(
        body_text(response)
            .await
            .contains("<Error><Message>no list chosen")
    );
}

#[tokio::test]
async fn list_fetch_unknown_mapped_list_is_404() {
    let mut config = test_config();
    config
        .list_paths
        .insert("/lists/missing".to_owned(), "Missing".to_owned());
    let connector = spawn_connector(Arc::new(geography()), config).await;

    let response = connector
        .post_xml("/lists/missing", list_request("", "", "", "*"))
        .await;

    assert_eq!(response.status(), 404);
    assert!(
        body_text(response)
            .await
            .contains("list `Missing` not found")
    );
}

#[tokio::test]
async fn store_failure_is_503_without_cause() {
    let store = Arc::new(people());
    store.failing.store(true, Ordering::SeqCst);
    let connector = spawn_connector(store, test_config()).await;

    let response = connector
        .post_xml(ATTENDEE_V2_PATH, attendee_request("Doe", None))
        .await;
    assert_eq!(response.status(), 503);
    let body = body_text(response).await;

    assert!(body.contains("<Error><Message>"));
    assert!(!body.contains("secret.db"));
}

#[tokio::test]
async fn slow_store_is_503_after_request_timeout() {
    let store = Arc::new(people());
    store.attendee_delay_ms.store(3_000, Ordering::SeqCst);
    let mut config = test_config();
    config.timeouts.request_secs = 1;
    let connector = spawn_connector(store, config).await;

    let response = connector
        .post_xml(ATTENDEE_V2_PATH, attendee_request("Doe", None))
        .await;

    assert_eq!(response.status(), 503);
    assert!(
        body_text(response)
            .await
            .contains("did not complete within 1 seconds")
    );
}

#[tokio::test]
async fn healthz_without_credentials_is_ok() {
    let connector = spawn_connector(Arc::new(MemoryStore::default()), test_config()).await;

    let response = connector
        .client
        .get(connector.url("/healthz"))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn healthz_store_failure_is_503() {
    let store = Arc::new(MemoryStore::default());
    store.failing.store(true, Ordering::SeqCst);
    let connector = spawn_connector(store, test_config()).await;

    let response = connector
        .client
        .get(connector.url("/healthz"))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 503);
}

#[tokio::test]
async fn request_id_is_echoed() {
    let connector = spawn_connector(Arc::new(MemoryStore::default()), test_config()).await;

    let response = connector
        .client
        .get(connector.url(TEST_CONNECTION_PATH))
        .header("Authorization", basic_authorization(USERNAME, PASSWORD))
        .header("x-request-id", "host-request-42")
        .send()
        .await
        .unwrap();

    let echoed = response
        .headers()
        .get("x-request-id")
        .and_then(|value| value.to_str().ok());
    assert_eq!(echoed, Some("host-request-42"));
}

#[tokio::test]
async fn request_id_is_generated_when_absent() {
    let connector = spawn_connector(Arc::new(MemoryStore::default()), test_config()).await;

    let response = connector.get(TEST_CONNECTION_PATH).await;

    let generated = response
        .headers()
        .get("x-request-id")
        .and_then(|value| value.to_str().ok());
    assert!(generated.is_some_and(|id| id.len() == 32));
}

#[tokio::test]
async fn request_id_with_unsafe_characters_is_replaced() {
    let connector = spawn_connector(Arc::new(MemoryStore::default()), test_config()).await;

    let response = connector
        .client
        .get(connector.url("/healthz"))
        .header("x-request-id", "forged\tline")
        .send()
        .await
        .unwrap();

    let echoed = response
        .headers()
        .get("x-request-id")
        .and_then(|value| value.to_str().ok());
    assert_ne!(echoed, Some("forged\tline"));
}

#[tokio::test]
async fn http2_client_is_served() {
    let connector = spawn_connector(Arc::new(MemoryStore::default()), test_config()).await;
    let mut tls = (*connector.tls_client).clone();
    tls.alpn_protocols = vec![b"h2".to_vec()];
    let client = reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .resolve(SERVER_NAME, connector.address)
        .build()
        .unwrap();

    let response = client
        .get(connector.url(TEST_CONNECTION_PATH))
        .header("Authorization", basic_authorization(USERNAME, PASSWORD))
        .send()
        .await
        .unwrap();

    assert_eq!(response.version(), reqwest::Version::HTTP_2);
    assert_eq!(response.status(), 200);
}

/// Writes `count` requests in one burst, alternating Test Connection and
/// Fetch List, the last with `Connection: close`, and returns everything
/// the server sends back until it closes.
async fn pipeline(connector: &TestConnector, count: usize) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let authorization = basic_authorization(USERNAME, PASSWORD);
    let list_body = list_request("Projects", "", "", "A*");
    let mut burst = String::new();
    for index in 0..count {
        let last = index + 1 == count;
        let close = if last { "Connection: close\r\n" } else { "" };
        if index % 2 == 0 {
            burst.push_str(&format!(
                "GET {TEST_CONNECTION_PATH} HTTP/1.1\r\nHost: {SERVER_NAME}\r\n\
                 Authorization: {authorization}\r\n{close}\r\n"
            ));
        } else {
            burst.push_str(&format!(
                "POST {LIST_PATH} HTTP/1.1\r\nHost: {SERVER_NAME}\r\n\
                 Authorization: {authorization}\r\nContent-Type: application/xml\r\n\
                 Content-Length: {}\r\n{close}\r\n{list_body}",
                list_body.len()
            ));
        }
    }

    let mut stream = connector.connect_raw().await;
    stream.write_all(burst.as_bytes()).await.unwrap();
    let mut received = Vec::new();
    let read = stream.read_to_end(&mut received);
    tokio::time::timeout(std::time::Duration::from_secs(10), read)
        .await
        .expect("all responses within 10 s")
        .expect("read responses");
    String::from_utf8(received).expect("UTF-8 responses")
}

#[tokio::test]
async fn pipelined_requests_answered_in_order() {
    // Timers far beyond the test's bound, so that none of them wakes a
    // connection that missed a wake.
    let mut config = test_config();
    config.timeouts.header_read_secs = 60;
    config.timeouts.idle_secs = 60;
    let connector = spawn_connector(Arc::new(geography()), config).await;

    // More requests than hyper handles in one poll of a connection (16),
    // half of them with a body, so that the connection yields and wakes
    // itself while it serves them.
    let received = pipeline(&connector, 41).await;

    let statuses: Vec<&str> = received
        .match_indices("HTTP/1.1 ")
        .map(|(start, _)| &received[start..start + 12])
        .collect();
    assert_eq!(statuses.len(), 41);
    assert!(statuses.iter().all(|status| *status == "HTTP/1.1 200"));
    // The end of each response body, in the order of the requests.
    let ends = ["connection OK", "</fetch-list-response>"];
    let answers: Vec<&str> = received
        .match_indices(ends[0])
        .chain(received.match_indices(ends[1]))
        .collect::<std::collections::BTreeMap<_, _>>()
        .into_values()
        .collect();
    let expected: Vec<&str> = (0..41).map(|index| ends[index % 2]).collect();
    assert_eq!(answers, expected);
    assert_eq!(received.matches("<text>Apollo</text>").count(), 20);
}

#[tokio::test]
async fn shutdown_stops_server() {
    let connector = spawn_connector(Arc::new(MemoryStore::default()), test_config()).await;
    connector.get(TEST_CONNECTION_PATH).await;

    let stopped = connector.stop().await;

    assert!(stopped.is_ok());
}
