//! A real connector with a small data set and a host with the admin pages
//! that trusts it, shared by the Verify services tests.
#![allow(dead_code)]

use std::sync::Arc;

use host::Config;
use host::web::WebOptions;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::running_connector::{RunningConnector, spawn_connector_importing};
use crate::common::*;
use crate::dispatch_support::{Canned, FakeCa, FakeConnector};
use crate::web_support::Browser;

/// Attendees the connector returns, so that the suite probes with their values.
pub const ATTENDEES_CSV: &str = "ExternalID,FirstName,LastName,Company,AttendeeTypeCode
EXT-0001,John,Doe,Acme Corporation,BUSGUEST
EXT-0002,Jane,Doe,Globex,BUSGUEST
EXT-0003,Ada,Lovelace,Analytical Engines,SPEAKER
";

/// A connected list of three levels, served as `Cities`.
pub const CITIES_CSV: &str = "parent,code,text
,US,United States
US,W,West
US,E,East
US-W,CA,California
US-E,NY,New York
US-W-CA,SF,San Francisco
US-W-CA,SJ,San Jose
US-E-NY,NYC,New York City
";

/// A password the connector rejects, long enough for the password rules.
pub const WRONG_PASSWORD: &str = "Wrong-4d1b-never-shown";

/// Returns the test configuration with a one-second latency run, so that a
/// run against the real connector takes about two seconds.
pub fn verification_config() -> Config {
    let mut config = test_config();
    config.verification.load_duration_secs = 1;
    config
}

/// Starts the host with the admin pages; its outbound client trusts
/// `trusted` and reaches loopback, as `--allow-private-addresses` allows.
pub async fn spawn_host_trusting(trusted: Vec<Vec<u8>>, config: Config) -> TestHost {
    let tester = host::tester::outbound_tester(&config.outbound, trusted, true)
        .expect("build outbound client");
    spawn_host_mounting(Arc::new(tester), config, |app| {
        Some(host::web::router(app, WebOptions::new(true)))
    })
    .await
}

/// Starts another host instance on the database of `first`, with the
/// admin pages, trusting `trusted`.
pub async fn spawn_second_host_trusting(
    first: &TestHost,
    trusted: Vec<Vec<u8>>,
    config: Config,
) -> TestHost {
    let tester = host::tester::outbound_tester(&config.outbound, trusted, true)
        .expect("build outbound client");
    spawn_host_on(Arc::clone(&first.database), Arc::new(tester), config, |app| {
        Some(host::web::router(app, WebOptions::new(true)))
    })
    .await
}

/// A connector, a host trusting its CA, and Acme's administrator.
pub struct Verifying {
    pub host: TestHost,
    /// The connector's origin, `https://localhost:PORT`.
    pub origin: String,
    /// API token of the administrator.
    pub token: String,
    /// Login of the administrator, for the pages.
    pub login: String,
    /// The real connector, kept running; `None` for a fake one that the test keeps.
    _connector: Option<RunningConnector>,
}

/// Starts the real connector with [`ATTENDEES_CSV`] and [`CITIES_CSV`] and the host.
pub async fn start() -> Verifying {
    let connector = spawn_connector_importing(Some(ATTENDEES_CSV), &[("Cities", CITIES_CSV)]).await;
    let origin = connector.origin.clone();
    let ca_pem = connector.ca_pem.clone();
    start_with(origin, ca_pem, Some(connector), verification_config()).await
}

/// Starts the host with `config`, trusting `ca_pem`, for the connector at `origin`.
pub async fn start_with(
    origin: String,
    ca_pem: Vec<u8>,
    connector: Option<RunningConnector>,
    config: Config,
) -> Verifying {
    let host = spawn_host_trusting(vec![ca_pem], config).await;
    let token = host.administrator("Acme").await;
    let login = login_of(&host, &token).await;
    Verifying {
        host,
        origin,
        token,
        login,
        _connector: connector,
    }
}

/// Starts a connector that passes Test Connection and never responds to a
/// search, and a host that allows a run 3 s, and registers the connector
/// with both search services enabled.
pub async fn start_hanging() -> (Verifying, FakeConnector, i64) {
    let (setup, fake, id, _) = start_hanging_with_ca().await;
    (setup, fake, id)
}

/// Does what [`start_hanging`] does and also returns the PEM of the
/// connector's CA, so that another host instance can trust it.
pub async fn start_hanging_with_ca() -> (Verifying, FakeConnector, i64, Vec<u8>) {
    let ca = FakeCa::new();
    let fake = ca.spawn(Canned::Hang).await;
    let mut config = verification_config();
    config.verification.timeout_secs = 3;
    let setup = start_with(fake.origin.clone(), ca.pem(), None, config).await;
    let id = setup
        .register("Hanging connector", CONNECTOR_PASSWORD)
        .await;
    (setup, fake, id, ca.pem())
}

/// Returns the login of the user behind `token`.
pub async fn login_of(host: &TestHost, token: &str) -> String {
    host::domain::accounts::actor_for_api_token(host.store.as_ref(), token)
        .await
        .expect("read the user")
        .expect("the user exists")
        .user
        .login
}

impl Verifying {
    /// Registers the connector with `password` and runs Test Connection.
    /// When it succeeds, Fetch Attendee and Fetch List (list `Cities`) are
    /// enabled on their default paths.
    pub async fn register(&self, name: &str, password: &str) -> i64 {
        let (id, verified) = self
            .host
            .register_tested(&self.token, name, &self.origin, password)
            .await;
        if !verified {
            return id;
        }

        let list = json!({
            "list_name": "Cities",
            "category": "Cities",
            "language_code": "EN",
            "connected_list_level": 1,
        });
        let services = [
            ("fetch-attendee", json!({"enabled": true})),
            ("fetch-list", json!({"enabled": true, "lists": [list]})),
        ];
        for (service, body) in services {
            let configured = self
                .host
                .put(
                    &format!("/api/v1/connectors/{id}/services/{service}"),
                    &self.token,
                    &body,
                )
                .await;
            assert_eq!(configured.status, StatusCode::OK, "{}", configured.text);
        }
        id
    }

    /// Runs Verify services through the API as the administrator.
    pub async fn verify(&self, id: i64) -> Answer {
        self.host
            .post(
                &format!("/api/v1/connectors/{id}/verify"),
                &self.token,
                &json!({}),
            )
            .await
    }

    /// Reads the last verification through the API as the administrator.
    pub async fn last_verification(&self, id: i64) -> Answer {
        self.host
            .get(
                &format!("/api/v1/connectors/{id}/verification"),
                &self.token,
            )
            .await
    }

    /// Returns a browser signed in as the administrator.
    pub async fn browser(&self) -> Browser {
        let browser = Browser::new(&self.host);
        browser.sign_in(&self.login).await;
        browser
    }
}

/// Returns the finding of `check` in a report's JSON, or `Null`.
pub fn finding<'a>(report: &'a Value, check: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .and_then(|findings| findings.iter().find(|finding| finding["check"] == check))
        .unwrap_or(&Value::Null)
}

/// Returns the ids of the checks with `outcome` (`pass`, `warn`, `fail`, `skipped`).
pub fn checks_with(report: &Value, outcome: &str) -> Vec<String> {
    report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|finding| finding["outcome"] == outcome)
        .filter_map(|finding| finding["check"].as_str().map(str::to_owned))
        .collect()
}
