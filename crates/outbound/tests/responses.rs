//! What the client sends, and how it reads, bounds and classifies responses.

mod common;

use base64::Engine;
use bytes::Bytes;
use common::{
    PASSWORD, Script, ScriptedServer, TEST_CONNECTION_PATH, TestPki, USERNAME, http_response,
    loopback_client, loopback_config,
};
use outbound::{CalloutRequest, FailureCause, OutboundClient, OutboundConfig};

fn post<'a>(origin: &'a str, body: &'static str) -> CalloutRequest<'a> {
    CalloutRequest {
        method: http::Method::POST,
        origin,
        path: "/concur/list/v1.2/fetch",
        username: USERNAME,
        password: PASSWORD,
        content_type: Some("application/xml; charset=utf-8"),
        body: Bytes::from_static(body.as_bytes()),
    }
}

async fn ok_server(pki: &TestPki) -> ScriptedServer {
    let response = http_response("200 OK", &["Content-Type: application/xml"], "<ok/>");
    ScriptedServer::start(pki.server_config(), Script::Respond(response)).await
}

#[tokio::test]
async fn request_carries_basic_credentials_utf8() {
    let pki = TestPki::new();
    let server = ok_server(&pki).await;

    loopback_client(pki.ca_pem())
        .test_connection(&server.origin(), TEST_CONNECTION_PATH, USERNAME, PASSWORD)
        .await
        .outcome
        .expect("test connection passes");

    let requests = server.requests();
    let expected =
        base64::engine::general_purpose::STANDARD.encode(format!("{USERNAME}:{PASSWORD}"));
    assert!(
        requests[0].contains(&format!("authorization: Basic {expected}\r\n")),
        "request {:?} carries the credentials",
        requests[0]
    );
}

#[tokio::test]
async fn test_connection_request_line_and_headers() {
    let pki = TestPki::new();
    let server = ok_server(&pki).await;

    loopback_client(pki.ca_pem())
        .test_connection(&server.origin(), TEST_CONNECTION_PATH, USERNAME, PASSWORD)
        .await
        .outcome
        .expect("test connection passes");

    let request = &server.requests()[0];
    assert!(
        request.starts_with(&format!("GET {TEST_CONNECTION_PATH} HTTP/1.1\r\n")),
        "request line of {request:?}"
    );
    assert!(
        request.contains(&format!("host: localhost:{}\r\n", server.address.port())),
        "host header in {request:?}"
    );
    assert!(request.contains("accept: "), "accept header in {request:?}");
}

#[tokio::test]
async fn call_sends_body_and_content_type() {
    let pki = TestPki::new();
    let server = ok_server(&pki).await;

    let response = loopback_client(pki.ca_pem())
        .call(post(&server.origin(), "<fetch-list-request/>"))
        .await
        .expect("call succeeds");

    let request = &server.requests()[0];
    assert!(
        request.starts_with("POST /concur/list/v1.2/fetch HTTP/1.1\r\n"),
        "request line of {request:?}"
    );
    assert!(
        request.contains("content-type: application/xml; charset=utf-8\r\n"),
        "content type in {request:?}"
    );
    assert!(
        request.contains("content-length: 21\r\n"),
        "content length in {request:?}"
    );
    assert!(
        request.ends_with("\r\n\r\n<fetch-list-request/>"),
        "body of {request:?}"
    );
    assert_eq!(response.status, 200);
    assert_eq!(response.content_type.as_deref(), Some("application/xml"));
    assert_eq!(response.body, Bytes::from_static(b"<ok/>"));
}

#[tokio::test]
async fn redirect_not_followed() {
    let pki = TestPki::new();
    let response = http_response("302 Found", &["Location: /elsewhere"], "");
    let server = ScriptedServer::start(pki.server_config(), Script::Respond(response)).await;

    let report = loopback_client(pki.ca_pem())
        .test_connection(&server.origin(), TEST_CONNECTION_PATH, USERNAME, PASSWORD)
        .await;

    assert_eq!(
        report.outcome,
        Err(FailureCause::Redirected { status: 302 })
    );
    assert_eq!(server.requests().len(), 1, "the redirect was not followed");
}

#[tokio::test]
async fn call_redirect_not_followed() {
    let pki = TestPki::new();
    let response = http_response("307 Temporary Redirect", &["Location: /elsewhere"], "");
    let server = ScriptedServer::start(pki.server_config(), Script::Respond(response)).await;

    let result = loopback_client(pki.ca_pem())
        .call(post(&server.origin(), "<x/>"))
        .await;

    assert_eq!(
        result.map(|response| response.status),
        Err(FailureCause::Redirected { status: 307 })
    );
    assert_eq!(server.requests().len(), 1, "the redirect was not followed");
}

#[tokio::test]
async fn server_error_unexpected_status() {
    let pki = TestPki::new();
    let response = http_response("500 Internal Server Error", &[], "boom");
    let server = ScriptedServer::start(pki.server_config(), Script::Respond(response)).await;

    let report = loopback_client(pki.ca_pem())
        .test_connection(&server.origin(), TEST_CONNECTION_PATH, USERNAME, PASSWORD)
        .await;

    assert_eq!(report.outcome, Err(FailureCause::UnexpectedStatus(500)));
}

#[tokio::test]
async fn declared_length_too_large() {
    let pki = TestPki::new();
    let body = "x".repeat(2048);
    let response = http_response("200 OK", &[], &body);
    let server = ScriptedServer::start(pki.server_config(), Script::Respond(response)).await;
    let config = OutboundConfig {
        max_response_bytes: 1024,
        ..loopback_config(pki.ca_pem())
    };
    let client = OutboundClient::new(config).expect("client");

    let result = client.call(post(&server.origin(), "<x/>")).await;

    assert_eq!(
        result.map(|response| response.status),
        Err(FailureCause::ResponseTooLarge { limit: 1024 })
    );
}

#[tokio::test]
async fn chunked_body_too_large() {
    let pki = TestPki::new();
    let chunk = "x".repeat(600);
    let response = format!(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n258\r\n{chunk}\r\n258\r\n{chunk}\r\n0\r\n\r\n"
    );
    let server =
        ScriptedServer::start(pki.server_config(), Script::Respond(response.into_bytes())).await;
    let config = OutboundConfig {
        max_response_bytes: 1024,
        ..loopback_config(pki.ca_pem())
    };
    let client = OutboundClient::new(config).expect("client");

    let report = client
        .test_connection(&server.origin(), TEST_CONNECTION_PATH, USERNAME, PASSWORD)
        .await;

    assert_eq!(
        report.outcome,
        Err(FailureCause::ResponseTooLarge { limit: 1024 })
    );
}

#[tokio::test]
async fn body_at_limit_accepted() {
    let pki = TestPki::new();
    let body = "x".repeat(1024);
    let response = http_response("200 OK", &[], &body);
    let server = ScriptedServer::start(pki.server_config(), Script::Respond(response)).await;
    let config = OutboundConfig {
        max_response_bytes: 1024,
        ..loopback_config(pki.ca_pem())
    };
    let client = OutboundClient::new(config).expect("client");

    let response = client
        .call(post(&server.origin(), "<x/>"))
        .await
        .expect("call succeeds");

    assert_eq!(response.body.len(), 1024);
}

#[tokio::test]
async fn garbage_response_protocol_error() {
    let pki = TestPki::new();
    let server = ScriptedServer::start(
        pki.server_config(),
        Script::RespondAndClose(b"this is not HTTP\r\n\r\n".to_vec()),
    )
    .await;

    let result = loopback_client(pki.ca_pem())
        .call(post(&server.origin(), "<x/>"))
        .await;

    let cause = result
        .map(|response| response.status)
        .expect_err("call fails");
    assert_eq!(cause.kind(), "protocol", "cause {cause:?}");
}

#[tokio::test]
async fn call_reuses_kept_alive_connection() {
    let pki = TestPki::new();
    let server = ok_server(&pki).await;
    let client = loopback_client(pki.ca_pem());

    for _ in 0..3 {
        client
            .call(post(&server.origin(), "<x/>"))
            .await
            .expect("call succeeds");
    }

    assert_eq!(server.accepted(), 1, "one connection carried all calls");
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn call_retries_after_server_closed_idle_connection() {
    let pki = TestPki::new();
    // The server closes after each response without announcing it, as on an idle timeout.
    let response = http_response("200 OK", &[], "<ok/>");
    let server =
        ScriptedServer::start(pki.server_config(), Script::RespondAndClose(response)).await;
    let client = loopback_client(pki.ca_pem());

    client
        .call(post(&server.origin(), "<x/>"))
        .await
        .expect("first call succeeds");
    let second = client.call(post(&server.origin(), "<x/>")).await;

    assert_eq!(second.map(|response| response.status), Ok(200));
    assert_eq!(
        server.requests().len(),
        2,
        "each request reached the server once"
    );
}

#[tokio::test]
async fn call_retries_when_reused_connection_drops_request() {
    let pki = TestPki::new();
    let response = http_response("200 OK", &[], "<ok/>");
    let server =
        ScriptedServer::start(pki.server_config(), Script::RespondOnceThenHangUp(response)).await;
    let client = loopback_client(pki.ca_pem());

    client
        .call(post(&server.origin(), "<x/>"))
        .await
        .expect("first call succeeds");
    let second = client.call(post(&server.origin(), "<x/>")).await;

    assert_eq!(second.map(|response| response.status), Ok(200));
    assert_eq!(server.accepted(), 2, "the retry opened a new connection");
    assert_eq!(
        server.requests().len(),
        3,
        "the dropped request was sent again"
    );
}

#[tokio::test]
async fn connection_close_not_reused() {
    let pki = TestPki::new();
    let response = http_response("200 OK", &["Connection: close"], "<ok/>");
    let server = ScriptedServer::start(pki.server_config(), Script::Respond(response)).await;
    let client = loopback_client(pki.ca_pem());

    for _ in 0..2 {
        client
            .call(post(&server.origin(), "<x/>"))
            .await
            .expect("call succeeds");
    }

    assert_eq!(server.accepted(), 2, "a new connection for each call");
}

#[tokio::test]
async fn test_connection_never_reuses() {
    let pki = TestPki::new();
    let server = ok_server(&pki).await;
    let client = loopback_client(pki.ca_pem());

    client
        .call(post(&server.origin(), "<x/>"))
        .await
        .expect("call succeeds");
    client
        .test_connection(&server.origin(), TEST_CONNECTION_PATH, USERNAME, PASSWORD)
        .await
        .outcome
        .expect("test connection passes");

    assert_eq!(
        server.accepted(),
        2,
        "test connection opened its own connection"
    );
}
