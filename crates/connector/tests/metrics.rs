//! Prometheus metrics on their own listener. A separate test binary, because the recorder is process-wide.

mod common;

use common::engines::TestDatabase;
use common::test_host::notification_xml;
use common::*;
use connector::ServeOptions;

#[tokio::test]
async fn metrics_count_callouts_and_auth_failures() {
    let ca = tls::dev_ca::DevCa::generate("metrics test CA").unwrap();
    let issued = ca.issue_server(&[SERVER_NAME.to_owned()]).unwrap();
    let server_tls = tls::server::server_config_from_pem(
        issued.chain_pem.as_bytes(),
        issued.private_key_pem.as_bytes(),
    )
    .unwrap();
    let mut config = test_config();
    config.metrics.listen = Some("127.0.0.1:0".parse().unwrap());
    let database = TestDatabase::from_environment().await;
    let bound = connector::bind(ServeOptions {
        store: database.open().await,
        config,
        listen: "127.0.0.1:0".parse().unwrap(),
        tls: Some(server_tls),
    })
    .await
    .unwrap();
    let address = bound.local_addr();
    let metrics_address = bound.metrics_addr().expect("metrics listener bound");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(bound.run(async move {
        let _ = stopped.await;
    }));

    let tls_client =
        tls::client::client_config(&[ca.certificate_pem().as_bytes().to_vec()]).unwrap();
    let client = reqwest::Client::builder()
        .use_preconfigured_tls((*tls_client).clone())
        .resolve(SERVER_NAME, address)
        .build()
        .unwrap();
    let url = format!(
        "https://{SERVER_NAME}:{}{TEST_CONNECTION_PATH}",
        address.port()
    );
    client
        .get(&url)
        .header("Authorization", basic_authorization(USERNAME, PASSWORD))
        .send()
        .await
        .unwrap();
    client.get(&url).send().await.unwrap();
    let notification = notification_xml("https://host.example.com/api/expense/v1/reports/42", "2026-12-04");
    for _ in 0..2 {
        client
            .post(format!("https://{SERVER_NAME}:{}{NOTIFY_PATH}", address.port()))
            .header("Authorization", basic_authorization(USERNAME, PASSWORD))
            .header("Content-Type", "application/xml")
            .body(notification.clone())
            .send()
            .await
            .unwrap();
    }

    let scraped = reqwest::get(format!("http://{metrics_address}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let _ = stop.send(());

    assert!(
        scraped.contains(r#"callouts_requests_total{kind="test_connection",outcome="ok"} 1"#),
        "metrics: {scraped}"
    );
    assert!(
        scraped.contains(r#"callouts_auth_failures_total{reason="missing"} 1"#),
        "metrics: {scraped}"
    );
    assert!(
        scraped.contains("callouts_request_duration_seconds_bucket"),
        "metrics: {scraped}"
    );
    assert!(
        scraped.contains(r#"callouts_requests_total{kind="event_notification",outcome="ok"} 2"#),
        "metrics: {scraped}"
    );
    assert!(
        scraped.contains(r#"callouts_notifications_total{outcome="stored"} 1"#),
        "metrics: {scraped}"
    );
    assert!(
        scraped.contains(r#"callouts_notifications_total{outcome="duplicate"} 1"#),
        "metrics: {scraped}"
    );
    assert!(server.await.unwrap().is_ok());
}
