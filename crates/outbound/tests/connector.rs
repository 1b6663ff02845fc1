//! Callouts to the real connector over TLS from a dev CA.

mod common;

use bytes::Bytes;
use common::{
    ATTENDEE_V2_PATH, PASSWORD, TEST_CONNECTION_PATH, TestPki, USERNAME, loopback_client,
    spawn_connector,
};
use outbound::{CalloutRequest, FailureCause};

const ATTENDEE_REQUEST: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
    <AttendeeSearchRequest><Attendee>\
    <AttendeeTypeCode/><FirstName/><MiddleInitial/><LastName>Smith</LastName>\
    <Suffix/><Title/><Company/><ExternalID/><OwnerLoginID>owner@example.com</OwnerLoginID>\
    <MaximumNumberRecords/>\
    </Attendee></AttendeeSearchRequest>";

fn attendee_fetch<'a>(
    origin: &'a str,
    password: &'a str,
    body: &'static str,
) -> CalloutRequest<'a> {
    CalloutRequest {
        method: http::Method::POST,
        origin,
        path: ATTENDEE_V2_PATH,
        username: USERNAME,
        password,
        content_type: Some("application/xml; charset=utf-8"),
        body: Bytes::from_static(body.as_bytes()),
    }
}

#[tokio::test]
async fn test_connection_connector_succeeds() {
    let pki = TestPki::new();
    let connector = spawn_connector(&pki).await;
    let client = loopback_client(pki.ca_pem());

    let report = client
        .test_connection(&connector.origin, TEST_CONNECTION_PATH, USERNAME, PASSWORD)
        .await;

    let tls = report.outcome.expect("test connection passes");
    assert_eq!(tls.protocol_version, "TLSv1.3");
    assert!(
        tls.cipher_suite.starts_with("TLS13_"),
        "cipher suite {:?} is a TLS 1.3 suite",
        tls.cipher_suite
    );
}

#[tokio::test]
async fn test_connection_reports_duration_and_start() {
    let pki = TestPki::new();
    let connector = spawn_connector(&pki).await;
    let client = loopback_client(pki.ca_pem());
    let before = std::time::SystemTime::now();

    let report = client
        .test_connection(&connector.origin, TEST_CONNECTION_PATH, USERNAME, PASSWORD)
        .await;

    assert!(report.started_at >= before);
    assert!(report.duration > std::time::Duration::ZERO);
}

#[tokio::test]
async fn test_connection_wrong_password() {
    let pki = TestPki::new();
    let connector = spawn_connector(&pki).await;
    let client = loopback_client(pki.ca_pem());

    let report = client
        .test_connection(
            &connector.origin,
            TEST_CONNECTION_PATH,
            USERNAME,
            "wrong-password-1234",
        )
        .await;

    assert_eq!(report.outcome, Err(FailureCause::CredentialsRejected));
}

#[tokio::test]
async fn test_connection_unknown_path() {
    let pki = TestPki::new();
    let connector = spawn_connector(&pki).await;
    let client = loopback_client(pki.ca_pem());

    let report = client
        .test_connection(&connector.origin, "/no/such/path", USERNAME, PASSWORD)
        .await;

    assert_eq!(report.outcome, Err(FailureCause::UnexpectedStatus(404)));
}

#[tokio::test]
async fn call_attendee_fetch_returns_xml() {
    let pki = TestPki::new();
    let connector = spawn_connector(&pki).await;
    let client = loopback_client(pki.ca_pem());

    let response = client
        .call(attendee_fetch(
            &connector.origin,
            PASSWORD,
            ATTENDEE_REQUEST,
        ))
        .await
        .expect("attendee fetch succeeds");

    assert_eq!(response.status, 200);
    let content_type = response.content_type.unwrap_or_default();
    assert!(
        content_type.contains("xml"),
        "content type {content_type:?} is XML"
    );
    assert!(
        response.body.starts_with(b"<?xml"),
        "body starts with an XML declaration"
    );
    assert_eq!(response.tls.protocol_version, "TLSv1.3");
}

#[tokio::test]
async fn call_malformed_body_returns_error_status() {
    let pki = TestPki::new();
    let connector = spawn_connector(&pki).await;
    let client = loopback_client(pki.ca_pem());

    let response = client
        .call(attendee_fetch(&connector.origin, PASSWORD, "<not-closed>"))
        .await
        .expect("the connector's error comes back as a response");

    assert_eq!(response.status, 400);
    assert_eq!(
        response.error_for_status().map(|response| response.status),
        Err(FailureCause::UnexpectedStatus(400))
    );
}

#[tokio::test]
async fn call_wrong_password() {
    let pki = TestPki::new();
    let connector = spawn_connector(&pki).await;
    let client = loopback_client(pki.ca_pem());

    let result = client
        .call(attendee_fetch(
            &connector.origin,
            "wrong-password-1234",
            ATTENDEE_REQUEST,
        ))
        .await;

    assert_eq!(
        result.map(|response| response.status),
        Err(FailureCause::CredentialsRejected)
    );
}
