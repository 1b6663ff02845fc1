//! Hostile and broken requests: wrong media type, bad XML, large bodies, wrong paths, slow clients.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::memory_store::MemoryStore;
use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn start() -> TestConnector {
    spawn_connector(Arc::new(MemoryStore::default()), test_config()).await
}

async fn post_with_content_type(
    connector: &TestConnector,
    content_type: &str,
) -> reqwest::Response {
    connector
        .client
        .post(connector.url(ATTENDEE_V2_PATH))
        .header("Authorization", basic_authorization(USERNAME, PASSWORD))
        .header("Content-Type", content_type)
        .body(attendee_request("Doe", None))
        .send()
        .await
        .expect("send request")
}

/// Reads from the stream until it closes and returns what arrived, or
/// `None` when it is still open after `limit`.
async fn read_until_closed<S: AsyncReadExt + Unpin>(
    stream: &mut S,
    limit: Duration,
) -> Option<String> {
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buffer)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(String::from_utf8_lossy(&received).into_owned()),
            Ok(Ok(read)) => received.extend_from_slice(&buffer[..read]),
        }
    }
}

#[tokio::test]
async fn json_content_type_is_415() {
    let connector = start().await;

    let response = post_with_content_type(&connector, "application/json").await;

    assert_eq!(response.status(), 415);
}

#[tokio::test]
async fn latin1_charset_is_415() {
    let connector = start().await;

    let response = post_with_content_type(&connector, "application/xml; charset=iso-8859-1").await;

    assert_eq!(response.status(), 415);
}

#[tokio::test]
async fn text_xml_is_accepted() {
    let connector = start().await;

    let response = post_with_content_type(&connector, "text/xml").await;

    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn missing_content_type_is_415() {
    let connector = start().await;

    let response = connector
        .client
        .post(connector.url(ATTENDEE_V2_PATH))
        .header("Authorization", basic_authorization(USERNAME, PASSWORD))
        .body(attendee_request("Doe", None))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 415);
}

#[tokio::test]
async fn malformed_xml_is_400_xml_error() {
    let connector = start().await;

    let response = connector
        .post_xml(ATTENDEE_V2_PATH, "<AttendeeSearchRequest><Attendee>")
        .await;
    assert_eq!(response.status(), 400);
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let body = response.text().await.unwrap();

    assert_eq!(
        content_type.as_deref(),
        Some("application/xml; charset=utf-8")
    );
    assert!(body.starts_with("<?xml"), "body: {body}");
    assert!(body.contains("<Error><Message>"), "body: {body}");
}

#[tokio::test]
async fn invalid_field_names_element_and_rule() {
    let connector = start().await;
    let long_last_name = "x".repeat(133);

    let response = connector
        .post_xml(ATTENDEE_V2_PATH, attendee_request(&long_last_name, None))
        .await;
    assert_eq!(response.status(), 400);
    let body = response.text().await.unwrap();

    assert!(
        body.contains("AttendeeSearchRequest/Attendee/LastName"),
        "body: {body}"
    );
    assert!(body.contains("longer than 132 characters"), "body: {body}");
}

#[tokio::test]
async fn invalid_maximum_names_element() {
    let connector = start().await;
    let request = attendee_request("Doe", None).replace(
        "<MaximumNumberRecords></MaximumNumberRecords>",
        "<MaximumNumberRecords>-5</MaximumNumberRecords>",
    );

    let response = connector.post_xml(ATTENDEE_V2_PATH, request).await;
    assert_eq!(response.status(), 400);
    let body = response.text().await.unwrap();

    assert!(body.contains("MaximumNumberRecords"), "body: {body}");
}

#[tokio::test]
async fn doctype_is_400() {
    let connector = start().await;
    let request =
        "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaa\">]><AttendeeSearchRequest/>";

    let response = connector.post_xml(ATTENDEE_V2_PATH, request).await;

    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn body_over_64_kib_is_413() {
    let connector = start().await;
    let padding = " ".repeat(64 * 1024);
    let request = format!("<AttendeeSearchRequest>{padding}</AttendeeSearchRequest>");

    let response = connector.post_xml(ATTENDEE_V2_PATH, request).await;

    assert_eq!(response.status(), 413);
}

#[tokio::test]
async fn chunked_body_over_limit_is_413() {
    let connector = start().await;
    let mut stream = connector.connect_raw().await;
    let chunk = "a".repeat(8 * 1024);
    let head = format!(
        "POST {ATTENDEE_V2_PATH} HTTP/1.1\r\nHost: localhost\r\nAuthorization: {}\r\n\
         Content-Type: application/xml\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        basic_authorization(USERNAME, PASSWORD)
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    for _ in 0..10 {
        let framed = format!("{:x}\r\n{chunk}\r\n", chunk.len());
        if stream.write_all(framed.as_bytes()).await.is_err() {
            break;
        }
    }

    let answer = read_until_closed(&mut stream, Duration::from_secs(5))
        .await
        .unwrap_or_default();

    assert!(answer.starts_with("HTTP/1.1 413"), "answer: {answer}");
}

#[tokio::test]
async fn unknown_path_is_404() {
    let connector = start().await;

    let response = connector
        .post_xml("/concur/attendee/v3.0/fetch", attendee_request("Doe", None))
        .await;

    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn wrong_method_is_405_with_allow() {
    let connector = start().await;

    let response = connector.get(ATTENDEE_V2_PATH).await;

    assert_eq!(response.status(), 405);
    let allow = response
        .headers()
        .get("allow")
        .and_then(|value| value.to_str().ok());
    assert_eq!(allow, Some("POST"));
}

#[tokio::test]
async fn post_to_test_connection_is_405() {
    let connector = start().await;

    let response = connector.post_xml(TEST_CONNECTION_PATH, "<x/>").await;

    assert_eq!(response.status(), 405);
    let allow = response
        .headers()
        .get("allow")
        .and_then(|value| value.to_str().ok());
    assert!(allow.is_some_and(|methods| methods.contains("GET")));
}

#[tokio::test]
async fn slow_headers_are_cut_off() {
    let connector = start().await;
    let mut stream = connector.connect_raw().await;
    stream
        .write_all(
            format!("POST {ATTENDEE_V2_PATH} HTTP/1.1\r\nHost: localhost\r\nX-Slow: ").as_bytes(),
        )
        .await
        .unwrap();
    let started = Instant::now();

    // One byte every 200 ms keeps the connection from going idle, so only
    // the header read timeout (1 second in the test configuration) can end it.
    let mut closed_after = None;
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        if stream.write_all(b"a").await.is_err() || stream.flush().await.is_err() {
            closed_after = Some(started.elapsed());
            break;
        }
        let mut probe = [0u8; 1024];
        if let Ok(Ok(0) | Err(_)) =
            tokio::time::timeout(Duration::from_millis(1), stream.read(&mut probe)).await
        {
            closed_after = Some(started.elapsed());
            break;
        }
    }

    assert!(
        closed_after.is_some_and(|elapsed| elapsed < Duration::from_millis(1900)),
        "closed after {closed_after:?}"
    );
}

#[tokio::test]
async fn slow_body_is_408() {
    let connector = start().await;
    let mut stream = connector.connect_raw().await;
    let head = format!(
        "POST {ATTENDEE_V2_PATH} HTTP/1.1\r\nHost: localhost\r\nAuthorization: {}\r\n\
         Content-Type: application/xml\r\nContent-Length: 500\r\n\r\n<AttendeeSearchRequest>",
        basic_authorization(USERNAME, PASSWORD)
    );
    stream.write_all(head.as_bytes()).await.unwrap();

    // body_read_secs is 1 in the test configuration.
    let answer = read_until_closed(&mut stream, Duration::from_secs(4)).await;

    assert!(answer.is_some_and(|text| text.starts_with("HTTP/1.1 408")));
}

#[tokio::test]
async fn silent_connection_is_closed() {
    let connector = start().await;
    let mut stream = connector.connect_raw().await;

    // idle_secs is 2 in the test configuration.
    let closed = read_until_closed(&mut stream, Duration::from_secs(5)).await;

    assert!(closed.is_some(), "connection still open after 5 seconds");
}

#[tokio::test]
async fn stalled_tls_handshake_is_closed() {
    let connector = start().await;
    let mut tcp = tokio::net::TcpStream::connect(connector.address)
        .await
        .unwrap();

    // tls_handshake_secs is 2 in the test configuration.
    let closed = read_until_closed(&mut tcp, Duration::from_secs(5)).await;

    assert!(closed.is_some(), "connection still open after 5 seconds");
}
