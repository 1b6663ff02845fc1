//! Serving modes: TLS required by default, plain HTTP only when dangerous_plain_http is set.

mod common;

use std::sync::Arc;
use std::time::Duration;

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

#[tokio::test]
async fn silent_connections_leave_other_clients_served() {
    let mut config = test_config();
    config.limits.max_connections = 20;
    config.limits.max_connections_per_client = 5;
    config.timeouts.tls_handshake_secs = 30;
    let connector = spawn_connector(Arc::new(MemoryStore::default()), config).await;

    // One client fills more than its share with connections that never speak.
    let mut silent = Vec::new();
    for _ in 0..30 {
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket.bind("127.0.0.1:0".parse().expect("address")).expect("bind");
        if let Ok(stream) = socket.connect(connector.address).await {
            silent.push(stream);
        }
    }

    let other = connector.client_from("127.0.0.2".parse().expect("address"));
    let response = tokio::time::timeout(
        Duration::from_secs(5),
        other.get(connector.url("/healthz")).send(),
    )
    .await
    .expect("another client is served within 5 s")
    .expect("healthz");
    assert_eq!(response.status(), 200);
    drop(silent);
}
