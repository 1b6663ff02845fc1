//! Test harness: the real host on 127.0.0.1:0 over TLS, a fresh database
//! (SQLite, or PostgreSQL when `CALLOUTS_TEST_ENGINE=postgres`), accounts and clients.
#![allow(dead_code)]

pub mod captured_log;
pub mod engines;
pub mod running_connector;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use engines::TestDatabase;
use host::domain::accounts::{self, CompanyInput, UserInput};
use host::store::HostStore;
use host::tester::{ConnectionTester, TestConnectionReport, TestFailure, TlsDetails};
use host::{Config, HostApp, Secret, ServeOptions};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Base64 of 32 bytes of 0x2a; only for tests.
pub const TEST_KEY: &str = "KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio=";
/// Connector password used by registrations in tests; easy to search for in files and logs.
pub const CONNECTOR_PASSWORD: &str = "Pw-9f3c1e7a-never-shown";
pub const CONNECTOR_USER: &str = "connector-user";
pub const USER_PASSWORD: &str = "user-password-for-tests";
const SERVER_NAME: &str = "localhost";

/// Records every Test Connection call and returns a preset outcome.
pub struct FakeTester {
    outcome: Mutex<Result<TlsDetails, TestFailure>>,
    /// (origin, path, username, password) of each call.
    pub calls: Mutex<Vec<(String, String, String, String)>>,
}

impl FakeTester {
    pub fn succeeding() -> Arc<FakeTester> {
        Arc::new(FakeTester {
            outcome: Mutex::new(Ok(TlsDetails {
                protocol_version: "TLSv1.3".to_owned(),
                cipher_suite: "TLS13_AES_256_GCM_SHA384".to_owned(),
            })),
            calls: Mutex::new(Vec::new()),
        })
    }

    pub fn fail_with(&self, kind: &str, message: &str) {
        *self.outcome.lock().unwrap() = Err(TestFailure {
            kind: kind.to_owned(),
            message: message.to_owned(),
        });
    }

    pub fn call_count(&self) -> usize {
        self.calls.lock().unwrap().len()
    }
}

#[async_trait::async_trait]
impl ConnectionTester for FakeTester {
    async fn test_connection(
        &self,
        origin: &str,
        path: &str,
        username: &str,
        password: &str,
    ) -> TestConnectionReport {
        self.calls.lock().unwrap().push((
            origin.to_owned(),
            path.to_owned(),
            username.to_owned(),
            password.to_owned(),
        ));
        TestConnectionReport {
            started_at: SystemTime::now(),
            duration: Duration::from_millis(12),
            outcome: self.outcome.lock().unwrap().clone(),
        }
    }
}

/// Defaults with short timeouts, so that tests of slow clients finish quickly.
pub fn test_config() -> Config {
    let mut config = Config::default();
    config.timeouts.body_read_secs = 1;
    config.timeouts.header_read_secs = 2;
    config.timeouts.request_secs = 20;
    config.outbound.total_timeout_secs = 10;
    config.verification.timeout_secs = 15;
    config
}

/// A running host and what a test needs to call it.
pub struct TestHost {
    /// `https://localhost:PORT`.
    pub url: String,
    pub address: SocketAddr,
    pub client: reqwest::Client,
    /// TLS client configuration trusting only the test CA, for raw clients.
    pub tls_client: Arc<rustls::ClientConfig>,
    /// The test CA that issued the host's certificate, for other clients to trust.
    pub ca_pem: Vec<u8>,
    /// The host's database, whose directory also holds a SQLite file and
    /// its WAL; shared with the other instances that [`spawn_host_on`] starts.
    pub database: Arc<TestDatabase>,
    pub store: Arc<dyn HostStore>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
}

/// Starts the host over TLS on a fresh database with `tester`.
pub async fn spawn_host(tester: Arc<dyn ConnectionTester>) -> TestHost {
    spawn_host_with(tester, test_config()).await
}

pub async fn spawn_host_with(tester: Arc<dyn ConnectionTester>, config: Config) -> TestHost {
    spawn_host_with_routes(tester, config, None).await
}

/// Starts the host with `extra_routes` mounted beside the API.
pub async fn spawn_host_with_routes(
    tester: Arc<dyn ConnectionTester>,
    config: Config,
    extra_routes: Option<axum::Router>,
) -> TestHost {
    spawn_host_mounting(tester, config, |_| extra_routes).await
}

/// Starts the host with the routes that `mount` builds from the assembled
/// application, such as the admin pages, mounted beside the API.
pub async fn spawn_host_mounting(
    tester: Arc<dyn ConnectionTester>,
    config: Config,
    mount: impl FnOnce(&HostApp) -> Option<axum::Router>,
) -> TestHost {
    let database = Arc::new(TestDatabase::from_environment().await);
    spawn_host_on(database, tester, config, mount).await
}

/// Starts a host instance on `database`, which other instances may share,
/// as several hosts behind a load balancer share one database.
pub async fn spawn_host_on(
    database: Arc<TestDatabase>,
    tester: Arc<dyn ConnectionTester>,
    config: Config,
    mount: impl FnOnce(&HostApp) -> Option<axum::Router>,
) -> TestHost {
    let store = database.open().await;
    let cipher = host::crypto::PasswordCipher::from_base64(TEST_KEY).expect("test key");
    let app = HostApp::new(Arc::clone(&store), cipher, tester, config).expect("assemble host");
    let extra_routes = mount(&app);

    let ca = tls::dev_ca::DevCa::generate("host test CA").expect("generate test CA");
    let issued = ca
        .issue_server(&[SERVER_NAME.to_owned()])
        .expect("issue server certificate");
    let server_tls = tls::server::server_config_from_pem(
        issued.chain_pem.as_bytes(),
        issued.private_key_pem.as_bytes(),
    )
    .expect("server TLS configuration");
    let options = ServeOptions {
        app,
        listen: "127.0.0.1:0".parse().unwrap(),
        tls: Some(server_tls),
        extra_routes,
    };
    let bound = host::bind(options).await.expect("bind host");
    let address = bound.local_addr();
    let (shutdown, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(bound.run(async move {
        let _ = stopped.await;
    }));

    let ca_pem = ca.certificate_pem().as_bytes().to_vec();
    let tls_client = tls::client::client_config(std::slice::from_ref(&ca_pem)).expect("client TLS");
    let client = reqwest::Client::builder()
        .use_preconfigured_tls((*tls_client).clone())
        .resolve(SERVER_NAME, address)
        .https_only(true)
        // A fresh connection per request: a pooled one may meet the
        // server's keep-alive limit while a test hashes passwords.
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("build HTTP client");
    TestHost {
        url: format!("https://{SERVER_NAME}:{}", address.port()),
        address,
        client,
        tls_client,
        ca_pem,
        database,
        store,
        shutdown: Some(shutdown),
        task: Some(task),
    }
}

/// A response: status and body (JSON when it parses, `Null` otherwise) and the raw text.
pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
    pub text: String,
    pub headers: reqwest::header::HeaderMap,
}

impl Answer {
    /// `(field, rule)` of every validation error.
    pub fn errors(&self) -> Vec<(String, String)> {
        self.body["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|error| {
                (
                    error["field"].as_str().unwrap_or_default().to_owned(),
                    error["rule"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    }

    /// Returns whether a validation error names `field` with `rule`.
    pub fn has_error(&self, field: &str, rule: &str) -> bool {
        self.errors()
            .iter()
            .any(|(found_field, found_rule)| found_field == field && found_rule == rule)
    }
}

impl TestHost {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// Returns the ObjectURI of `object` under this host's origin.
    pub fn public_uri(&self, object: host::workflow::ObjectRef) -> String {
        host::public_origin::PublicOrigin::new(Some(&self.url)).object_uri(object)
    }

    /// Sends a request with an optional bearer token and JSON body.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Answer {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request
                .header("Content-Type", "application/json")
                .body(body.to_string());
        }
        let response = request.send().await.expect("send request");
        answer(response).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Answer {
        self.send(reqwest::Method::GET, path, Some(token), None)
            .await
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Answer {
        self.send(reqwest::Method::POST, path, Some(token), Some(body))
            .await
    }

    pub async fn patch(&self, path: &str, token: &str, body: &Value) -> Answer {
        self.send(reqwest::Method::PATCH, path, Some(token), Some(body))
            .await
    }

    pub async fn put(&self, path: &str, token: &str, body: &Value) -> Answer {
        self.send(reqwest::Method::PUT, path, Some(token), Some(body))
            .await
    }

    /// Creates a company with one user holding `roles`, and returns the user's API token.
    pub async fn account(
        &self,
        company: &str,
        edition: &str,
        development_partner: bool,
        roles: &[&str],
    ) -> String {
        let login = format!("{}@{}", roles.join("+"), company.to_lowercase());
        if self.store_company_missing(company).await {
            accounts::create_company(
                self.store.as_ref(),
                &CompanyInput {
                    name: company.to_owned(),
                    edition: edition.to_owned(),
                    development_partner,
                },
            )
            .await
            .expect("create company");
        }
        accounts::create_user(
            self.store.as_ref(),
            &UserInput {
                company_name: company.to_owned(),
                login: login.clone(),
                roles: roles.iter().map(|role| (*role).to_owned()).collect(),
                password: Secret::new(USER_PASSWORD),
            },
        )
        .await
        .expect("create user");
        let token = accounts::issue_api_token(self.store.as_ref(), &login)
            .await
            .expect("issue token");
        token.expose().to_owned()
    }

    async fn store_company_missing(&self, company: &str) -> bool {
        self.store
            .company_by_name(company)
            .await
            .expect("read company")
            .is_none()
    }

    /// Token of a Can Administer user of a Standard company named `company`.
    pub async fn administrator(&self, company: &str) -> String {
        self.account(company, "standard", false, &["can-administer"])
            .await
    }

    /// Creates a registration through the API and returns its id.
    pub async fn create_registration(&self, token: &str, name: &str) -> i64 {
        let answer = self
            .post("/api/v1/connectors", token, &registration_body(name))
            .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
        answer.body["id"].as_i64().expect("registration id")
    }

    /// Registers the connector at `origin` through the API, runs Test
    /// Connection, and returns the id and whether Test Connection succeeded.
    pub async fn register_tested(
        &self,
        token: &str,
        name: &str,
        origin: &str,
        password: &str,
    ) -> (i64, bool) {
        let body = json!({
            "name": name,
            "host_name": origin,
            "user_name": CONNECTOR_USER,
            "password": password,
        });
        let created = self.post("/api/v1/connectors", token, &body).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
        let id = created.body["id"].as_i64().expect("registration id");
        let tested = self
            .post(
                &format!("/api/v1/connectors/{id}/test-connection"),
                token,
                &json!({}),
            )
            .await;
        (id, tested.body["verified"] == true)
    }

    /// Opens a raw TLS connection, for clients that misbehave on purpose.
    pub async fn connect_raw(&self) -> tokio_rustls::client::TlsStream<tokio::net::TcpStream> {
        let tcp = tokio::net::TcpStream::connect(self.address)
            .await
            .expect("connect");
        let connector = tokio_rustls::TlsConnector::from(Arc::clone(&self.tls_client));
        let server_name = rustls::pki_types::ServerName::try_from(SERVER_NAME).unwrap();
        connector
            .connect(server_name, tcp)
            .await
            .expect("TLS handshake")
    }

    /// Returns every stored byte of the host's database (see [`TestDatabase::dump`]).
    pub async fn database_bytes(&self) -> Vec<u8> {
        self.database.dump().await
    }

    /// Signals shutdown and waits for the server to return.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        let task = self.task.take().expect("server task present");
        tokio::time::timeout(Duration::from_secs(30), task)
            .await
            .expect("server stops within 30 seconds")
            .expect("server task did not panic")
    }
}

impl Drop for TestHost {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

pub async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer {
        status,
        body,
        text,
        headers,
    }
}

/// Builds a valid registration body named `name`.
pub fn registration_body(name: &str) -> Value {
    json!({
        "name": name,
        "description": "HR system of record",
        "host_name": "https://connector.example.com",
        "user_name": CONNECTOR_USER,
        "password": CONNECTOR_PASSWORD,
    })
}

/// Serves `router` over TLS on 127.0.0.1:0 with a certificate for
/// `localhost` from `ca`, until the returned sender is used or dropped.
/// Returns `https://localhost:PORT` and the sender.
pub async fn serve_tls(
    ca: &tls::dev_ca::DevCa,
    router: axum::Router,
) -> (String, oneshot::Sender<()>) {
    let issued = ca
        .issue_server(&[SERVER_NAME.to_owned()])
        .expect("issue certificate");
    let server_tls = tls::server::server_config_from_pem(
        issued.chain_pem.as_bytes(),
        issued.private_key_pem.as_bytes(),
    )
    .expect("server TLS configuration");
    let settings = connector::server::ListenerSettings {
        tls_handshake: Duration::from_secs(5),
        header_read: Duration::from_secs(5),
        idle: Duration::from_secs(60),
        max_connections: 64,
        max_connections_per_client: 64,
        shutdown_grace: Duration::from_millis(100),
    };
    let listener = connector::server::HttpListener::bind(
        "127.0.0.1:0".parse().unwrap(),
        router,
        Some(server_tls),
        &settings,
    )
    .await
    .expect("bind TLS listener");
    let port = listener.local_addr().port();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(listener.run(async move {
        let _ = stopped.await;
    }));
    (format!("https://{SERVER_NAME}:{port}"), stop)
}

/// Returns whether `haystack` contains `needle` as bytes.
pub fn contains_bytes(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}
