//! Serving: TLS required by default, mounted routers, and time limits on request bodies.

mod common;

use std::sync::Arc;

use axum::routing::get;
use common::*;
use host::HostApp;
use reqwest::{Method, StatusCode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn bind_without_tls_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let store = host::store::SqliteHostStore::open(dir.path().join("host.db")).unwrap();
    let cipher = host::crypto::PasswordCipher::from_base64(TEST_KEY).unwrap();
    let app = HostApp::new(
        Arc::new(store),
        cipher,
        FakeTester::succeeding(),
        test_config(),
    )
    .unwrap();

    let bound = host::bind(host::ServeOptions {
        app,
        listen: "127.0.0.1:0".parse().unwrap(),
        tls: None,
        extra_routes: None,
    })
    .await;

    let message = bound.err().map(|error| error.to_string());
    assert!(message.is_some_and(|text| text.contains("dangerous_plain_http")));
}

#[tokio::test]
async fn mounted_router_is_served_beside_api() {
    let pages = axum::Router::new().route("/admin/hello", get(|| async { "hello" }));
    let host = spawn_host_with_routes(FakeTester::succeeding(), test_config(), Some(pages)).await;

    let page = host.send(Method::GET, "/admin/hello", None, None).await;
    let api = host
        .send(Method::GET, "/api/v1/connectors", None, None)
        .await;
    let missing = host.send(Method::GET, "/admin/missing", None, None).await;

    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.text, "hello");
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn slow_body_is_408() {
    let host = spawn_host(FakeTester::succeeding()).await;
    let token = host.administrator("Acme").await;
    let mut stream = host.connect_raw().await;

    let head = format!(
        "POST /api/v1/connectors HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"name\":"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_end(&mut response),
    )
    .await;

    let text = String::from_utf8_lossy(&response);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
}
