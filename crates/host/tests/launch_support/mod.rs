//! A sandbox whose registration has Launch External URL enabled, with
//! launch fields created through the API, and helpers that launch them.
#![allow(dead_code)]

use host::domain::RegistrationId;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::sandbox_support::{Ready, create_entry, create_report, entry_fields, ready};
use crate::web_support::{Browser, Page, user};

/// The OAuth client of the V4 service in these tests.
pub const OAUTH_CLIENT_ID: &str = "launch-client";
pub const REDIRECT_URL: &str = "https://connector.example.com/launch/callback";

/// A ready sandbox with the launch service enabled in `version`.
pub struct Launch {
    pub ready: Ready,
}

impl Launch {
    pub async fn start(version: &str) -> Launch {
        let ready = ready().await;
        let launch = Launch { ready };
        launch.enable(launch.ready.registration, version).await;
        launch
    }

    pub fn employee(&self) -> &Browser {
        &self.ready.employee
    }

    /// Enables the registration's launch-external-url service in `version`.
    pub async fn enable(&self, registration: RegistrationId, version: &str) {
        let body = if version == "V4" {
            json!({"enabled": true, "version": "V4", "oauth_client_id": OAUTH_CLIENT_ID, "redirect_url": REDIRECT_URL})
        } else {
            json!({"enabled": true, "version": version})
        };
        self.ready
            .sandbox
            .configure(registration, "launch-external-url", body)
            .await;
    }

    /// Posts a launch field to the API and returns the response.
    pub async fn post_field(&self, body: Value) -> crate::common::Answer {
        let setup = &self.ready.sandbox.setup;
        setup
            .host
            .post("/api/v1/launch-fields", &setup.token, &body)
            .await
    }

    /// Creates a single-line launch field of `object_type` and returns its id.
    pub async fn field(&self, code: &str, object_type: &str) -> i64 {
        self.field_with(code, object_type, false).await
    }

    pub async fn field_with(&self, code: &str, object_type: &str, multiline: bool) -> i64 {
        let answer = self
            .post_field(json!({
                "registration_id": self.ready.registration.0,
                "code": code,
                "label": format!("{code} label"),
                "object_type": object_type,
                "multiline": multiline,
                "popup_width": 640,
                "popup_height": 480,
            }))
            .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
        answer.body["id"].as_i64().expect("id of the new field")
    }

    /// Signs in a new user of Acme with `roles` and returns their browser.
    pub async fn browser_with_roles(&self, roles: &[&str]) -> Browser {
        let host = self.ready.sandbox.host();
        let login = user(host, "Acme", "standard", false, roles).await;
        let browser = Browser::new(host);
        browser.sign_in(&login).await;
        browser
    }
}

/// Creates a report of the employee with one entry and returns the report id and the entry's path.
pub async fn report_and_entry(browser: &Browser) -> (i64, String) {
    let report = create_report(browser, "Launch trip").await;
    let entry = create_entry(browser, report, &entry_fields()).await;
    (report, entry)
}

/// Returns the id at the end of an entry or allocation path.
pub fn last_id(path: &str) -> i64 {
    path.rsplit('/')
        .next()
        .and_then(|id| id.parse().ok())
        .expect("id at the end of the path")
}

/// Adds an allocation of `percentage` to the entry at `entry` and returns its id.
pub async fn add_allocation(browser: &Browser, entry: &str, percentage: &str) -> i64 {
    let page = browser
        .submit(
            entry,
            &format!("{entry}/allocations"),
            &[("percentage", percentage)],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
    let shown = browser.get(entry).await;
    let marker = "id=\"allocation-form-";
    shown
        .text
        .rmatch_indices(marker)
        .next()
        .and_then(|(start, _)| {
            let rest = &shown.text[start + marker.len()..];
            rest.split('"').next()?.parse().ok()
        })
        .expect("the new allocation on the entry page")
}

/// Posts a launch with the CSRF token of the page at `form_path`,
/// asking for JSON when `json` is set.
pub async fn post_launch(
    browser: &Browser,
    form_path: &str,
    field: i64,
    object: &str,
    extra: &[(&str, &str)],
    json: bool,
) -> Page {
    let token = browser.get(form_path).await.csrf_token();
    let field = field.to_string();
    let mut fields = vec![
        ("csrf_token", token.as_str()),
        ("launch_field", field.as_str()),
        ("launch_object", object),
    ];
    fields.extend_from_slice(extra);
    browser
        .post_accepting("/expenses/launch", &fields, json)
        .await
}
