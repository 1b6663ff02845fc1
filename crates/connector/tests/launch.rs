//! Launch External URL over real TLS: signed requests from the protocol
//! signer, the SQLite nonce and session tables, and writes to a test host.

mod common;

use std::time::Duration;

use common::launch::*;
use common::test_host::{CLIENT_SECRET, LAUNCH_CLIENT_ID, REDIRECT_URL, RecordedCall, TestHost};
use common::{TestConnector, USERNAME, spawn_connector};
use connector::{Config, Secret};
use common::engines::TestDatabase;
use protocol::LaunchCredentials;
use serde_json::json;

const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const SCRIPT: &str = "<script>alert(1)</script>";
/// The script as askama escapes it.
const ESCAPED_SCRIPT: &str = "&#60;script&#62;alert(1)&#60;/script&#62;";

/// A host, a connector on a fresh database, and a client that does not follow redirects.
struct Setup {
    host: TestHost,
    connector: TestConnector,
    browser: reqwest::Client,
    /// Declared last, so that the stores close before it drops the database.
    _database: TestDatabase,
}

async fn setup_with(change: impl FnOnce(&mut Config)) -> Setup {
    let host = TestHost::start().await;
    let database = TestDatabase::from_environment().await;
    let store = open_store(&database).await;
    let mut config = launch_config(&host);
    change(&mut config);
    let connector = spawn_connector(store, config).await;
    let browser = browser(&connector);
    Setup {
        host,
        connector,
        browser,
        _database: database,
    }
}

async fn setup() -> Setup {
    setup_with(|_| {}).await
}

impl Setup {
    async fn get(&self, path_and_query: &str) -> reqwest::Response {
        self.browser
            .get(self.connector.url(path_and_query))
            .send()
            .await
            .expect("send request")
    }

    async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.browser
            .post(self.connector.url(path))
            .form(form)
            .send()
            .await
            .expect("send request")
    }

    /// Opens a launch URL and returns the session page path it redirects to.
    async fn start(&self, path: &str, query: &str) -> String {
        let response = self.get(&format!("{path}?{query}")).await;
        assert_eq!(response.status(), 303, "{}", response.text().await.unwrap());
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        assert!(location.starts_with("/launch/"), "{location}");
        assert!(!location.contains('?'), "{location}");
        location
    }

    /// Opens a version 1 launch by `ann` and returns the session page path.
    async fn start_v1(&self) -> String {
        let query = v1_launch(&self.host, "ann").to_query(credentials());
        self.start(V1_PATH, &query).await
    }

    /// Opens a version 4 launch with `language_code` and returns the session page path.
    async fn start_v4(&self, language_code: &str) -> String {
        let query = v4_launch(&self.host, language_code).to_query(credentials());
        self.start(V4_PATH, &query).await
    }

    /// Clicks the item with `code` on the session page at `location`.
    async fn choose(&self, location: &str, code: &str) -> reqwest::Response {
        self.post_form(&format!("{location}/done"), &[("code", code)])
            .await
    }

    /// `grant_type` of each token request the host received.
    fn grant_types(&self) -> Vec<serde_json::Value> {
        let forms = self.host.state().token_forms();
        forms
            .iter()
            .map(|form| form["grant_type"].clone())
            .collect()
    }

    fn calls(&self, suffix: &str) -> Vec<RecordedCall> {
        self.host.state().calls_to(suffix)
    }
}

/// Removes parameter `name` from a query string.
fn without(query: &str, name: &str) -> String {
    let prefix = format!("{name}=");
    query
        .split('&')
        .filter(|pair| !pair.starts_with(&prefix))
        .collect::<Vec<_>>()
        .join("&")
}

/// Checks the status, the security headers and the message of a rejected launch.
async fn assert_rejected(response: reqwest::Response, status: u16, message: &str) -> String {
    assert_eq!(response.status(), status);
    assert_security_headers(&response);
    let body = response.text().await.unwrap();
    assert!(body.contains(message), "expected {message:?} in {body}");
    body
}

fn assert_security_headers(response: &reqwest::Response) {
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    assert_eq!(
        header("content-security-policy").as_deref(),
        Some(CONTENT_SECURITY_POLICY)
    );
    assert_eq!(header("x-content-type-options").as_deref(), Some("nosniff"));
    assert_eq!(header("referrer-policy").as_deref(), Some("no-referrer"));
    assert_eq!(header("cache-control").as_deref(), Some("no-store"));
    assert_eq!(header("cross-origin-opener-policy"), None);
}

#[tokio::test]
async fn launch_v1_redirects_to_list_page() {
    let setup = setup().await;
    let launch = v1_launch(&setup.host, "ann");
    let query = launch.to_query(credentials());

    let redirect = setup.get(&format!("{V1_PATH}?{query}")).await;
    assert_eq!(redirect.status(), 303);
    assert_security_headers(&redirect);
    let location = redirect.headers()["location"].to_str().unwrap().to_owned();
    let page = setup.get(&location).await;

    assert_eq!(page.status(), 200);
    assert_security_headers(&page);
    let body = page.text().await.unwrap();
    assert!(body.contains("Berlin (BER)"), "{body}");
    assert!(body.contains("Choose a value for CostObject"), "{body}");
    assert!(!body.contains(&launch.signature(credentials())), "{body}");
}

#[tokio::test]
async fn launch_v4_exchanges_code_and_redirects() {
    let setup = setup().await;
    let launch = v4_launch(&setup.host, "en");

    let location = setup.start(V4_PATH, &launch.to_query(credentials())).await;
    let page = setup.get(&location).await;

    assert_eq!(page.status(), 200);
    assert_security_headers(&page);
    let forms = setup.host.state().token_forms();
    let expected = json!({
        "grant_type": "authorization_code",
        "code": launch.client_auth_code,
        "client_id": LAUNCH_CLIENT_ID,
        "redirect_uri": REDIRECT_URL,
        "client_secret": CLIENT_SECRET,
    });
    assert_eq!(forms, vec![expected]);
}

#[tokio::test]
async fn launch_v4_exchange_sends_configured_oauth_client_secret() {
    const OAUTH_SECRET: &str = "secret-of-the-v4-registration";
    let setup = setup_with(|config| {
        config.launch.oauth_client_secret = Secret::new(OAUTH_SECRET);
    })
    .await;
    let launch = v4_launch(&setup.host, "en");

    // The test host accepts only its own secret and responds 401 to this
    // one, a misconfiguration that the page reports as the host's failure.
    let response = setup
        .get(&format!("{V4_PATH}?{}", launch.to_query(credentials())))
        .await;

    assert_eq!(response.status(), 502);
    let forms = setup.host.state().token_forms();
    assert_eq!(forms.len(), 1, "{forms:?}");
    assert_eq!(forms[0]["client_secret"], OAUTH_SECRET);
}

#[tokio::test]
async fn launch_v1_missing_parameter_is_rejected() {
    let setup = setup().await;

    for name in ["xcompanydomain", "xuserid", "itemurl", "nonce", "signature"] {
        let query = v1_launch(&setup.host, "ann").to_query(credentials());
        let response = setup
            .get(&format!("{V1_PATH}?{}", without(&query, name)))
            .await;

        let message = format!("parameter `{name}` is missing");
        assert_rejected(response, 403, &message).await;
    }
}

#[tokio::test]
async fn launch_v4_missing_parameter_is_rejected() {
    let setup = setup().await;
    let required = [
        "logged_in_user_id",
        "report_owner_user_id",
        "report_owner_employee_id",
        "company_domain",
        "item_url",
        "custom_field_launched_from",
        "source",
        "signature",
        "nonce",
        "client_auth_code",
    ];

    for name in required {
        let query = v4_launch(&setup.host, "en").to_query(credentials());
        let response = setup
            .get(&format!("{V4_PATH}?{}", without(&query, name)))
            .await;

        let message = format!("parameter `{name}` is missing");
        assert_rejected(response, 403, &message).await;
    }
    assert!(setup.calls("/oauth2/v0/token").is_empty());
}

#[tokio::test]
async fn launch_tampered_value_is_rejected() {
    let setup = setup().await;
    let query = v1_launch(&setup.host, "ann").to_query(credentials());
    let tampered = query.replace("xuserid=ann", "xuserid=bob");
    assert_ne!(tampered, query);

    let response = setup.get(&format!("{V1_PATH}?{tampered}")).await;

    assert_rejected(response, 403, "the signature does not match").await;
}

#[tokio::test]
async fn launch_wrong_password_is_rejected() {
    let setup = setup().await;
    let wrong = LaunchCredentials {
        username: USERNAME,
        password: "another-password",
    };
    let query = v4_launch(&setup.host, "en").to_query(wrong);

    let response = setup.get(&format!("{V4_PATH}?{query}")).await;

    assert_rejected(response, 403, "the signature does not match").await;
    assert!(setup.calls("/oauth2/v0/token").is_empty());
}

#[tokio::test]
async fn launch_replayed_nonce_is_rejected() {
    let setup = setup().await;
    let query = v1_launch(&setup.host, "ann").to_query(credentials());
    setup.start(V1_PATH, &query).await;

    let replayed = setup.get(&format!("{V1_PATH}?{query}")).await;

    assert_rejected(replayed, 403, "nonce already used").await;
}

#[tokio::test]
async fn launch_replay_after_restart_is_rejected() {
    let host = TestHost::start().await;
    let database = TestDatabase::from_environment().await;
    let query = v1_launch(&host, "ann").to_query(credentials());

    let first = spawn_connector(open_store(&database).await, launch_config(&host)).await;
    let opened = browser(&first)
        .get(first.url(&format!("{V1_PATH}?{query}")))
        .send()
        .await
        .expect("send request");
    assert_eq!(opened.status(), 303);
    first.stop().await.expect("connector stops");

    let second = spawn_connector(database.open().await, launch_config(&host)).await;
    let replayed = browser(&second)
        .get(second.url(&format!("{V1_PATH}?{query}")))
        .send()
        .await
        .expect("send request");

    assert_rejected(replayed, 403, "nonce already used").await;
}

#[tokio::test]
async fn launch_replay_to_other_instance_is_rejected() {
    let host = TestHost::start().await;
    let database = TestDatabase::from_environment().await;
    let query = v1_launch(&host, "ann").to_query(credentials());
    let first = spawn_connector(open_store(&database).await, launch_config(&host)).await;
    let second = spawn_connector(database.open().await, launch_config(&host)).await;

    let opened = browser(&first)
        .get(first.url(&format!("{V1_PATH}?{query}")))
        .send()
        .await
        .expect("send request");
    let replayed = browser(&second)
        .get(second.url(&format!("{V1_PATH}?{query}")))
        .send()
        .await
        .expect("send request");

    assert_eq!(opened.status(), 303);
    assert_rejected(replayed, 403, "nonce already used").await;
}

#[tokio::test]
async fn launch_item_url_on_other_origin_is_rejected() {
    let setup = setup().await;
    let mut launch = v1_launch(&setup.host, "ann");
    launch.item_url = "https://evil.example.com/api/expense/v1/items/entries/12".to_owned();

    let response = setup
        .get(&format!("{V1_PATH}?{}", launch.to_query(credentials())))
        .await;

    assert_rejected(
        response,
        403,
        "is not a plain https path on the configured host",
    )
    .await;
}

#[tokio::test]
async fn launch_bad_field_code_is_rejected() {
    let setup = setup().await;
    let mut launch = v4_launch(&setup.host, "en");
    launch.custom_field_launched_from = "../../oauth2".to_owned();

    let response = setup
        .get(&format!("{V4_PATH}?{}", launch.to_query(credentials())))
        .await;

    let message = "parameter `custom_field_launched_from` is invalid";
    assert_rejected(response, 403, message).await;
}

#[tokio::test]
async fn launch_refused_code_is_rejected() {
    let setup = setup().await;
    let mut launch = v4_launch(&setup.host, "en");
    launch.client_auth_code = "lc_never-issued".to_owned();

    let response = setup
        .get(&format!("{V4_PATH}?{}", launch.to_query(credentials())))
        .await;

    let body = assert_rejected(response, 403, "the exchange of the launch code was refused").await;
    assert!(!body.contains("lc_never-issued"), "{body}");
}

#[tokio::test]
async fn launch_long_query_is_rejected() {
    let setup = setup().await;
    let query = v1_launch(&setup.host, "ann").to_query(credentials());
    let padding = "x".repeat(8_200);

    let response = setup
        .get(&format!("{V1_PATH}?{query}&padding={padding}"))
        .await;

    assert_rejected(response, 403, "longer than 8192 bytes").await;
}

#[tokio::test]
async fn launch_exchange_failure_is_bad_gateway() {
    let setup = setup().await;
    setup.host.state().always_failing.insert("token");
    let launch = v4_launch(&setup.host, "en");

    let response = setup
        .get(&format!("{V4_PATH}?{}", launch.to_query(credentials())))
        .await;

    let body = assert_rejected(response, 502, "the exchange of the launch code failed").await;
    assert!(body.contains("HTTP 500"), "{body}");
}

#[tokio::test]
async fn launch_search_text_is_escaped() {
    let setup = setup().await;
    let location = setup.start_v1().await;

    let response = setup
        .browser
        .get(setup.connector.url(&location))
        .query(&[("q", format!("\">{SCRIPT}"))])
        .send()
        .await
        .expect("send search");

    assert_eq!(response.status(), 200);
    let body = response.text().await.unwrap();
    assert!(!body.contains(SCRIPT), "{body}");
    assert!(body.contains(ESCAPED_SCRIPT), "{body}");
}

#[tokio::test]
async fn launch_script_in_user_is_escaped() {
    let setup = setup().await;
    setup.host.state().always_conflicting.insert("custom_field");
    let launch = v1_launch(&setup.host, SCRIPT);
    let location = setup.start(V1_PATH, &launch.to_query(credentials())).await;

    let list = setup.get(&location).await.text().await.unwrap();
    let failed = setup.choose(&location, "BER").await.text().await.unwrap();
    let cancelled = setup
        .post_form(&format!("{location}/cancel"), &[])
        .await
        .text()
        .await
        .unwrap();
    let mut other_origin = v1_launch(&setup.host, SCRIPT);
    other_origin.item_url = format!("https://evil.example.com/{SCRIPT}");
    let rejected = setup
        .get(&format!(
            "{V1_PATH}?{}",
            other_origin.to_query(credentials())
        ))
        .await
        .text()
        .await
        .unwrap();

    assert!(list.contains(ESCAPED_SCRIPT), "{list}");
    for body in [&list, &failed, &cancelled, &rejected] {
        assert!(!body.contains(SCRIPT), "{body}");
    }
    assert!(rejected.contains(ESCAPED_SCRIPT), "{rejected}");
}

#[tokio::test]
async fn launch_search_matches_text_or_code() {
    let setup = setup().await;
    let location = setup.start_v1().await;

    let by_text = setup
        .get(&format!("{location}?q=mun"))
        .await
        .text()
        .await
        .unwrap();
    let by_code = setup
        .get(&format!("{location}?q=par"))
        .await
        .text()
        .await
        .unwrap();

    assert!(by_text.contains("Munich (MUC)"), "{by_text}");
    assert!(!by_text.contains("Berlin"), "{by_text}");
    assert!(by_code.contains("Paris (PAR)"), "{by_code}");
    assert!(!by_code.contains("Munich"), "{by_code}");
}

#[tokio::test]
async fn launch_v1_done_writes_with_client_credentials() {
    let setup = setup().await;
    let location = setup.start_v1().await;

    let done = setup.choose(&location, "BER").await;

    assert_eq!(done.status(), 200);
    assert_security_headers(&done);
    let body = done.text().await.unwrap();
    assert!(
        body.contains(r#"<script src="/launch/close.js"></script>"#),
        "{body}"
    );
    assert!(body.contains("You can close this window."), "{body}");
    let puts = setup.calls("/custom-fields/CostObject");
    assert_eq!(puts.len(), 1);
    assert_eq!(
        puts[0].path,
        "/api/expense/v1/items/entries/12/custom-fields/CostObject"
    );
    assert_eq!(puts[0].body, r#"{"value":"Berlin (BER)"}"#);
    assert_eq!(puts[0].authorization.as_deref(), Some("Bearer access-1"));
    assert_eq!(setup.grant_types(), vec![json!("client_credentials")]);
}

#[tokio::test]
async fn launch_v4_done_writes_with_exchanged_token() {
    let setup = setup().await;
    let location = setup.start_v4("en").await;

    let done = setup.choose(&location, "PAR").await;

    assert_eq!(done.status(), 200);
    let puts = setup.calls("/custom-fields/Destination");
    assert_eq!(puts.len(), 1);
    assert_eq!(puts[0].body, r#"{"value":"Paris (PAR)"}"#);
    assert_eq!(puts[0].authorization.as_deref(), Some("Bearer access-1"));
    assert_eq!(setup.grant_types(), vec![json!("authorization_code")]);
}

#[tokio::test]
async fn launch_v4_rejected_token_is_refreshed_once() {
    let setup = setup().await;
    let location = setup.start_v4("en").await;
    setup.host.state().valid_tokens.remove("access-1");

    let done = setup.choose(&location, "BER").await;

    assert_eq!(done.status(), 200);
    let puts = setup.calls("/custom-fields/Destination");
    let authorizations: Vec<_> = puts.iter().map(|call| call.authorization.clone()).collect();
    assert_eq!(
        authorizations,
        vec![
            Some("Bearer access-1".to_owned()),
            Some("Bearer access-2".to_owned())
        ]
    );
    let forms = setup.host.state().token_forms();
    assert_eq!(forms.len(), 2);
    assert_eq!(forms[1]["grant_type"], "refresh_token");
    assert_eq!(forms[1]["refresh_token"], "refresh-1");
    assert_eq!(forms[1]["client_id"], LAUNCH_CLIENT_ID);
}

#[tokio::test]
async fn launch_language_code_picks_list_language() {
    let setup = setup().await;
    let location = setup.start_v4("de-DE").await;

    let page = setup.get(&location).await.text().await.unwrap();
    setup.choose(&location, "MUC").await;

    assert!(page.contains("München (MUC)"), "{page}");
    assert!(page.contains("Paris (PAR)"), "{page}");
    let puts = setup.calls("/custom-fields/Destination");
    assert_eq!(puts[0].body, r#"{"value":"München (MUC)"}"#);
}

#[tokio::test]
async fn launch_cancel_writes_nothing() {
    let setup = setup().await;
    let location = setup.start_v1().await;

    let cancelled = setup.post_form(&format!("{location}/cancel"), &[]).await;

    assert_eq!(cancelled.status(), 200);
    let body = cancelled.text().await.unwrap();
    assert!(body.contains("/launch/close.js"), "{body}");
    assert!(setup.calls("/custom-fields/CostObject").is_empty());
    assert_eq!(setup.get(&location).await.status(), 404);
}

#[tokio::test]
async fn launch_done_ends_session() {
    let setup = setup().await;
    let location = setup.start_v1().await;
    setup.choose(&location, "BER").await;

    let again = setup.choose(&location, "MUC").await;

    assert_rejected(again, 404, "does not exist or has expired").await;
    assert_eq!(setup.calls("/custom-fields/CostObject").len(), 1);
}

#[tokio::test]
async fn launch_unknown_session_is_not_found() {
    let setup = setup().await;
    let unknown = format!("/launch/{}", "A".repeat(43));

    for path in [unknown.as_str(), "/launch/not-a-session-id"] {
        let response = setup.get(path).await;

        assert_rejected(response, 404, "does not exist or has expired").await;
    }
}

#[tokio::test]
async fn launch_expired_session_is_not_found() {
    let setup = setup_with(|config| config.launch.session_secs = 1).await;
    let location = setup.start_v1().await;

    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let response = setup.get(&location).await;

    assert_rejected(response, 404, "does not exist or has expired").await;
}

#[tokio::test]
async fn launch_unknown_code_is_bad_request() {
    let setup = setup().await;
    let location = setup.start_v1().await;

    let response = setup.choose(&location, "XXX").await;

    assert_rejected(response, 400, "list item `XXX` was not found").await;
    assert!(setup.calls("/custom-fields/CostObject").is_empty());
}

#[tokio::test]
async fn launch_host_conflict_shows_error_page() {
    let setup = setup().await;
    setup.host.state().always_conflicting.insert("custom_field");
    let location = setup.start_v1().await;

    let response = setup.choose(&location, "BER").await;

    let body = assert_rejected(response, 502, "the host did not save the value").await;
    assert!(body.contains("HTTP 409"), "{body}");
    assert!(!body.contains("close.js"), "{body}");
    assert_eq!(setup.get(&location).await.status(), 200);
}

#[tokio::test]
async fn launch_close_script_closes_window() {
    let setup = setup().await;

    let response = setup.get("/launch/close.js").await;

    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("text/javascript"),
        "{content_type}"
    );
    assert_eq!(response.text().await.unwrap(), "window.close();\n");
}

#[tokio::test]
async fn launch_pages_take_no_basic_auth() {
    let setup = setup().await;
    let query = v1_launch(&setup.host, "ann").to_query(credentials());

    let response = setup.get(&format!("{V1_PATH}?{query}")).await;

    assert_eq!(response.status(), 303);
    assert!(response.headers().get("www-authenticate").is_none());
}

#[tokio::test]
async fn launch_off_serves_no_pages() {
    let setup = setup_with(|config| config.launch.list.clear()).await;
    let query = v1_launch(&setup.host, "ann").to_query(credentials());

    let response = setup.get(&format!("{V1_PATH}?{query}")).await;

    assert_eq!(response.status(), 404);
}
