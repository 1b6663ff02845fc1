//! Origin parsing and request validation, before any connection is opened.

mod common;

use bytes::Bytes;
use common::{PASSWORD, TEST_CONNECTION_PATH, TestPki, USERNAME, loopback_client};
use outbound::{CalloutRequest, FailureCause, Host, Origin};

#[test]
fn origin_rejects_invalid_forms() {
    let cases = [
        ("", "empty"),
        ("http://connector.example.com", "scheme"),
        ("ftp://connector.example.com", "scheme"),
        ("connector.example.com", "scheme is missing"),
        ("https://", "host is missing"),
        ("https://:8443", "host is missing"),
        ("https://connector.example.com/", "ends with `/`"),
        ("https://connector.example.com/callouts", "path"),
        ("https://connector.example.com?debug=1", "query"),
        ("https://connector.example.com#top", "fragment"),
        (
            "https://user:secret@connector.example.com",
            "user information",
        ),
        ("https://connector.example.com:", "port after `:` is empty"),
        (
            "https://connector.example.com:0",
            "not a number from 1 to 65535",
        ),
        (
            "https://connector.example.com:65536",
            "not a number from 1 to 65535",
        ),
        (
            "https://connector.example.com:+443",
            "not a number from 1 to 65535",
        ),
        (
            "https://connector.example.com:44a",
            "not a number from 1 to 65535",
        ),
        ("https://2001:db8::1", "in brackets"),
        ("https://[2001:db8::1", "closing `]`"),
        ("https://[2001:db8::1]x", "after the IPv6 address"),
        ("https://[fe80::1%25eth0]", "zone"),
        ("https://[not-an-address]", "not a valid IPv6 address"),
        ("https://connector .example.com", "whitespace"),
        ("https://connector\t.example.com", "whitespace"),
        ("https://connector\u{1}.example.com", "control character"),
        ("https://bücher.example", "xn--"),
        ("https://under_score.example.com", "only letters, digits"),
        ("https://-leading.example.com", "starts or ends with `-`"),
        ("https://double..dot.example.com", "empty label"),
        ("https://trailing.dot.", "trailing dot"),
        ("https://127.1", "last label is a number"),
        ("https://0x7f.1", "last label is a number"),
        ("https://256.1.1.1", "last label is a number"),
    ];

    for (origin, rule) in cases {
        match Origin::parse(origin) {
            Err(FailureCause::InvalidOrigin(message)) => assert!(
                message.contains(rule),
                "message for {origin:?} names the rule {rule:?}: {message}"
            ),
            other => panic!("{origin:?} was not rejected: {other:?}"),
        }
    }
}

#[test]
fn origin_rejects_overlong_label() {
    let origin = format!("https://{}.example.com", "a".repeat(64));

    let result = Origin::parse(&origin);

    assert!(
        matches!(result, Err(FailureCause::InvalidOrigin(_))),
        "result {result:?}"
    );
}

#[test]
fn origin_rejects_overlong_text() {
    let origin = format!("https://{}", "a.".repeat(200));

    let result = Origin::parse(&origin);

    assert!(
        matches!(result, Err(FailureCause::InvalidOrigin(_))),
        "result {result:?}"
    );
}

#[test]
fn origin_accepts_and_normalises() {
    let cases = [
        (
            "https://connector.example.com",
            "https://connector.example.com",
            443,
        ),
        (
            "HTTPS://Connector.Example.COM",
            "https://connector.example.com",
            443,
        ),
        (
            "https://connector.example.com:443",
            "https://connector.example.com",
            443,
        ),
        (
            "https://connector.example.com:8443",
            "https://connector.example.com:8443",
            8443,
        ),
        ("https://203.0.113.7:8443", "https://203.0.113.7:8443", 8443),
        ("https://[2001:db8::1]", "https://[2001:db8::1]", 443),
        (
            "https://[2001:DB8::1]:8443",
            "https://[2001:db8::1]:8443",
            8443,
        ),
        (
            "https://xn--bcher-kva.example",
            "https://xn--bcher-kva.example",
            443,
        ),
        ("https://localhost", "https://localhost", 443),
    ];

    for (text, normalised, port) in cases {
        let origin =
            Origin::parse(text).unwrap_or_else(|error| panic!("{text:?} rejected: {error}"));
        assert_eq!(origin.to_string(), normalised, "normal form of {text:?}");
        assert_eq!(origin.port(), port, "port of {text:?}");
    }
}

#[test]
fn origin_host_kinds() {
    let domain = Origin::parse("https://connector.example.com").expect("valid origin");
    let address = Origin::parse("https://[::1]:8443").expect("valid origin");

    assert_eq!(
        domain.host(),
        &Host::Domain("connector.example.com".to_owned())
    );
    assert_eq!(address.host(), &Host::Ip("::1".parse().expect("address")));
    assert_eq!(address.authority(), "[::1]:8443");
}

#[test]
fn origin_error_never_echoes_whole_long_value() {
    let origin = format!("http://{}", "a".repeat(500));

    let message = Origin::parse(&origin).expect_err("rejected").to_string();

    assert!(
        message.len() < 300,
        "message is bounded: {} characters",
        message.len()
    );
}

#[tokio::test]
async fn test_connection_invalid_origin() {
    let pki = TestPki::new();

    let report = loopback_client(pki.ca_pem())
        .test_connection(
            "http://127.0.0.1:1",
            TEST_CONNECTION_PATH,
            USERNAME,
            PASSWORD,
        )
        .await;

    assert_eq!(
        report.outcome.map(|_| ()).map_err(|cause| cause.kind()),
        Err("invalid_origin")
    );
}

#[tokio::test]
async fn request_rejects_invalid_paths() {
    let pki = TestPki::new();
    let client = loopback_client(pki.ca_pem());
    let cases = [
        ("system/v1.0/testconnection", "start with `/`"),
        ("//evil.example.com/x", "`//`"),
        ("/with space", "whitespace"),
        ("/caf\u{e9}", "non-ASCII"),
        ("/x#fragment", "fragment"),
    ];

    for (path, rule) in cases {
        let report = client
            .test_connection("https://127.0.0.1:1", path, USERNAME, PASSWORD)
            .await;
        match report.outcome {
            Err(FailureCause::InvalidRequest(message)) => assert!(
                message.contains(rule),
                "message for {path:?} names the rule {rule:?}: {message}"
            ),
            other => panic!("path {path:?} was not rejected: {other:?}"),
        }
    }
}

#[tokio::test]
async fn request_rejects_colon_in_username() {
    let pki = TestPki::new();

    let result = loopback_client(pki.ca_pem())
        .call(CalloutRequest {
            method: http::Method::POST,
            origin: "https://127.0.0.1:1",
            path: "/x",
            username: "user:name-123",
            password: PASSWORD,
            content_type: None,
            body: Bytes::new(),
        })
        .await;

    let cause = result
        .map(|response| response.status)
        .expect_err("rejected");
    assert_eq!(cause.kind(), "invalid_request");
}

#[tokio::test]
async fn request_error_never_contains_password() {
    let pki = TestPki::new();
    let password = "secret\u{7}password";

    let report = loopback_client(pki.ca_pem())
        .test_connection("https://127.0.0.1:1", "/x", USERNAME, password)
        .await;

    let message = report.outcome.expect_err("rejected").to_string();
    assert!(
        message.contains("password contains a control character"),
        "message {message:?}"
    );
    assert!(
        !message.contains("secret"),
        "message {message:?} leaks the password"
    );
}
