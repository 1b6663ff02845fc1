//! A host with a validating registration, its client credentials, and calls
//! of the host web services, shared by the web services tests.
#![allow(dead_code)]

use host::Config;
use host::domain::RegistrationId;
use host::workflow::ObjectRef;
use reqwest::Method;
use serde_json::{Value, json};

use crate::common::*;
use crate::notify_support::*;

/// A host whose registration lists both External Validation steps and has client credentials.
pub struct Validating {
    pub setup: Notifying,
    pub client_id: String,
    pub client_secret: String,
}

pub async fn validating(config: Config) -> Validating {
    let setup = start(config, both_steps(), &[], Reply::Status(200)).await;
    let (client_id, client_secret) =
        generate_credentials(&setup.host, &setup.admin_token, setup.registration.0).await;
    Validating {
        setup,
        client_id,
        client_secret,
    }
}

/// Registers a second connector of the same company with both steps, and
/// returns it with its registration; the connector stops when dropped.
pub async fn second_registration(setup: &Notifying) -> (ScriptedConnector, RegistrationId) {
    let connector = setup.ca.spawn(&[], Reply::Status(200)).await;
    let id = register(
        &setup.host,
        &setup.admin_token,
        &connector.origin,
        both_steps(),
    )
    .await;
    (connector, id)
}

/// Generates client credentials through the API and returns id and secret.
pub async fn generate_credentials(
    host: &TestHost,
    token: &str,
    registration: i64,
) -> (String, String) {
    let generated = host
        .post(
            &format!("/api/v1/connectors/{registration}/client-credentials"),
            token,
            &json!({}),
        )
        .await;
    assert_eq!(generated.status, 201, "{}", generated.text);
    (
        generated.body["client_id"].as_str().unwrap().to_owned(),
        generated.body["client_secret"].as_str().unwrap().to_owned(),
    )
}

/// Posts a form to the token endpoint.
pub async fn token_request(host: &TestHost, form: &[(&str, &str)]) -> Answer {
    let response = host
        .client
        .post(host.url("/oauth2/v0/token"))
        .form(form)
        .send()
        .await
        .expect("send token request");
    answer(response).await
}

impl Validating {
    pub fn host(&self) -> &TestHost {
        &self.setup.host
    }

    /// Runs the client credentials grant and returns the whole response.
    pub async fn grant(&self) -> Answer {
        token_request(
            self.host(),
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &self.client_id),
                ("client_secret", &self.client_secret),
            ],
        )
        .await
    }

    /// Returns a fresh access token.
    pub async fn access_token(&self) -> String {
        let granted = self.grant().await;
        assert_eq!(granted.status, 200, "{}", granted.text);
        granted.body["access_token"].as_str().unwrap().to_owned()
    }

    /// Creates a report of the employee and submits it into EXTERNAL_VALIDATION_SUBMIT.
    pub async fn submitted_report(&self, name: &str) -> ObjectRef {
        let report = report_of(self.host(), &self.setup.employee, name).await;
        self.setup
            .workflow
            .submit(&self.setup.employee, report)
            .await
            .expect("submit");
        report
    }
}

/// Returns the ObjectURI path of an object.
pub fn object_path(object: ObjectRef) -> String {
    match object.object_type {
        protocol::ObjectType::ExpenseReport => format!("/api/expense/v1/reports/{}", object.id),
        protocol::ObjectType::TravelRequest => format!("/api/travel/v1/requests/{}", object.id),
    }
}

/// Sends a web services call with an access token, a JSON body and an `Accept` header.
pub async fn call(
    host: &TestHost,
    method: Method,
    path: &str,
    token: &str,
    body: Option<&Value>,
    accept: &str,
) -> Answer {
    let mut request = host
        .client
        .request(method, host.url(path))
        .bearer_auth(token)
        .header("Accept", accept);
    if let Some(body) = body {
        request = request
            .header("Content-Type", "application/json")
            .body(body.to_string());
    }
    answer(request.send().await.expect("send request")).await
}

/// Reads an object as JSON.
pub async fn read_json(host: &TestHost, token: &str, object: ObjectRef) -> Answer {
    call(
        host,
        Method::GET,
        &object_path(object),
        token,
        None,
        "application/json",
    )
    .await
}

/// Posts a workflow action.
pub async fn decide(host: &TestHost, token: &str, object: ObjectRef, body: Value) -> Answer {
    let path = format!("{}/workflow", object_path(object));
    call(
        host,
        Method::POST,
        &path,
        token,
        Some(&body),
        "application/json",
    )
    .await
}
