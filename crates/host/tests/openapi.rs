//! The OpenAPI document: served, valid JSON, and naming every route the router serves.

mod common;

use common::*;
use reqwest::Method;
use serde_json::Value;

#[test]
fn openapi_names_every_route() {
    let document: Value = serde_json::from_str(host::api::OPENAPI_DOCUMENT).expect("valid JSON");

    for (method, path) in host::api::operations() {
        let operation = &document["paths"][path][method.as_str().to_lowercase()];

        assert!(
            operation.is_object(),
            "{method} {path} is missing from openapi.json"
        );
    }
}

#[test]
fn openapi_names_no_other_route() {
    let document: Value = serde_json::from_str(host::api::OPENAPI_DOCUMENT).expect("valid JSON");
    let operations = host::api::operations();
    let methods = [
        "get", "put", "post", "delete", "patch", "head", "options", "trace",
    ];

    for (path, item) in document["paths"].as_object().expect("paths") {
        for method in methods.iter().filter(|method| item.get(**method).is_some()) {
            let served = operations.iter().any(|(served_method, served_path)| {
                served_path == path && served_method.as_str().eq_ignore_ascii_case(method)
            });

            assert!(
                served,
                "openapi.json documents {method} {path}, which the router does not serve"
            );
        }
    }
}

#[test]
fn openapi_references_resolve() {
    let text = host::api::OPENAPI_DOCUMENT;
    let document: Value = serde_json::from_str(text).unwrap();

    for reference in text.split("\"$ref\": \"#/").skip(1) {
        let pointer = format!("/{}", reference.split('"').next().unwrap_or_default());

        assert!(
            document.pointer(&pointer).is_some(),
            "unresolved $ref {pointer}"
        );
    }
}

#[tokio::test]
async fn openapi_is_served_without_token() {
    let host = spawn_host(FakeTester::succeeding()).await;

    let answer = host
        .send(Method::GET, "/api/v1/openapi.json", None, None)
        .await;

    assert_eq!(answer.status, 200);
    assert_eq!(answer.body["openapi"], "3.0.3");
}

#[tokio::test]
async fn every_operation_is_routed() {
    let host = spawn_host(FakeTester::succeeding()).await;

    for (method, path) in host::api::operations() {
        let concrete = path.replace("{id}", "1").replace("{service}", "fetch-list");
        let answer = host.send(method.clone(), &concrete, None, None).await;

        // Without a token, routed API paths return 401 before looking up the id.
        assert_ne!(answer.status, 404, "{method} {path} is not routed");
        assert_ne!(answer.status, 405, "{method} {path}: {}", answer.text);
    }
}
