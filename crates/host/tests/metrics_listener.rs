//! The host's Prometheus metrics on their own listener. A separate test
//! binary, because the recorder is process-wide.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{FakeTester, TEST_KEY, test_config};
use host::store::SqliteHostStore;
use host::{HostApp, ServeOptions};

#[tokio::test]
async fn metrics_listener_serves_notification_queue_gauges() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteHostStore::open(dir.path().join("host.db")).unwrap();
    let cipher = host::crypto::PasswordCipher::from_base64(TEST_KEY).unwrap();
    let mut config = test_config();
    config.metrics.listen = Some("127.0.0.1:0".parse().unwrap());
    config.dangerous_plain_http = true;
    let app = HostApp::new(Arc::new(store), cipher, FakeTester::succeeding(), config).unwrap();
    let bound = host::bind(ServeOptions {
        app,
        listen: "127.0.0.1:0".parse().unwrap(),
        tls: None,
        extra_routes: None,
    })
    .await
    .unwrap();
    let metrics_address = bound.metrics_addr().expect("metrics listener bound");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(bound.run(async move {
        let _ = stopped.await;
    }));

    // The dispatcher sets the queue gauges on its first pass over the queue.
    let url = format!("http://{metrics_address}/metrics");
    let started = Instant::now();
    let body = loop {
        let response = reqwest::get(&url).await.expect("GET /metrics");
        assert_eq!(response.status(), 200);
        let body = response.text().await.unwrap();
        if body.contains("callouts_host_notifications_queued") {
            break body;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no queue gauge in /metrics after 10 s: {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };

    assert!(body.contains("callouts_host_notifications_failed 0"), "{body}");
    stop.send(()).unwrap();
    task.await.unwrap().unwrap();
    assert!(
        reqwest::get(&url).await.is_err(),
        "the metrics listener still answers after the host stopped"
    );
}
