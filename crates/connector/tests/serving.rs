//! Serving modes: TLS required by default, plain HTTP only when dangerous_plain_http is set.

mod common;

use std::sync::Arc;

use common::memory_store::MemoryStore;
use common::*;
use connector::ServeOptions;

fn plain_options(dangerous_plain_http: bool) -> ServeOptions {
    let mut config = test_config();
    config.dangerous_plain_http = dangerous_plain_http;
    ServeOptions {
        store: Arc::new(MemoryStore::default()),
        config,
        listen: "127.0.0.1:0".parse().unwrap(),
        tls: None,
    }
}

#[tokio::test]
async fn bind_without_tls_is_rejected() {
    let bound = connector::bind(plain_options(false)).await;

    let message = bound.err().map(|error| error.to_string());
    assert!(message.is_some_and(|text| text.contains("dangerous_plain_http")));
}

#[tokio::test]
async fn plain_http_serves_when_allowed() {
    let bound = connector::bind(plain_options(true))
        .await
        .expect("bind plain HTTP");
    let address = bound.local_addr();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(bound.run(async move {
        let _ = stopped.await;
    }));

    let response = reqwest::Client::new()
        .get(format!("http://{address}{TEST_CONNECTION_PATH}"))
        .header("Authorization", basic_authorization(USERNAME, PASSWORD))
        .send()
        .await
        .unwrap();
    let _ = stop.send(());

    assert_eq!(response.status(), 200);
    assert!(server.await.unwrap().is_ok());
}

#[tokio::test]
async fn bind_rejects_invalid_config() {
    let mut options = plain_options(true);
    options.config.credentials.username = "short".to_owned();

    let bound = connector::bind(options).await;

    let message = bound.err().map(|error| error.to_string());
    assert!(message.is_some_and(|text| text.contains("credentials.username")));
}
