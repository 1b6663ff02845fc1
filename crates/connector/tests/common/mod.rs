//! Test harness: the real connector on 127.0.0.1:0 over TLS from a fresh dev CA, and clients for it.
#![allow(dead_code)]

pub mod captured_log;
pub mod engines;
pub mod launch;
pub mod memory_store;
pub mod test_host;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use connector::store::Store;
use connector::{Config, Secret, ServeOptions};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub const USERNAME: &str = "connector-user";
/// Contains `:` and non-ASCII characters on purpose.
pub const PASSWORD: &str = "s3cret:pässwörd:✓";

/// Name the test certificate is issued for and the clients connect to.
pub const SERVER_NAME: &str = "localhost";

pub const ATTENDEE_V2_PATH: &str = "/concur/attendee/v2.0/fetch";
pub const ATTENDEE_V1_PATH: &str = "/concur/attendee/v1.0/fetch";
pub const LIST_PATH: &str = "/concur/list/v1.2/fetch";
pub const TEST_CONNECTION_PATH: &str = "/system/v1.0/testconnection";
pub const NOTIFY_PATH: &str = "/concur/v1.0/notify";

/// Defaults with the test credentials and short timeouts, so that tests of
/// slow clients finish quickly.
pub fn test_config() -> Config {
    let mut config = Config::default();
    config.credentials.username = USERNAME.to_owned();
    config.credentials.password = Secret::new(PASSWORD);
    config.timeouts.header_read_secs = 1;
    config.timeouts.body_read_secs = 1;
    config.timeouts.tls_handshake_secs = 2;
    config.timeouts.idle_secs = 2;
    config.timeouts.request_secs = 5;
    config
}

/// A running connector and what a test needs to call it.
pub struct TestConnector {
    /// `https://localhost:PORT`.
    pub url: String,
    pub address: SocketAddr,
    /// A client trusting only the test CA, speaking HTTP/1.1 like the host.
    pub client: reqwest::Client,
    pub ca_pem: Vec<u8>,
    /// TLS client configuration trusting only the test CA, for raw clients.
    pub tls_client: Arc<rustls::ClientConfig>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
}

/// Starts the connector with `store` and `config` over TLS and waits until it listens.
pub async fn spawn_connector(store: Arc<dyn Store>, config: Config) -> TestConnector {
    let ca = tls::dev_ca::DevCa::generate("callouts test CA").expect("generate test CA");
    let issued = ca
        .issue_server(&[SERVER_NAME.to_owned(), "127.0.0.1".to_owned()])
        .expect("issue test server certificate");
    let server_tls = tls::server::server_config_from_pem(
        issued.chain_pem.as_bytes(),
        issued.private_key_pem.as_bytes(),
    )
    .expect("build server TLS configuration");

    let options = ServeOptions {
        store,
        config,
        listen: "127.0.0.1:0".parse().unwrap(),
        tls: Some(server_tls),
    };
    let bound = connector::bind(options).await.expect("bind connector");
    let address = bound.local_addr();

    let (shutdown, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(bound.run(async move {
        let _ = stopped.await;
    }));

    let ca_pem = ca.certificate_pem().as_bytes().to_vec();
    let tls_client = tls::client::client_config(std::slice::from_ref(&ca_pem))
        .expect("build client TLS configuration");
    let mut connector = TestConnector {
        url: format!("https://{SERVER_NAME}:{}", address.port()),
        address,
        client: reqwest::Client::new(),
        ca_pem,
        tls_client,
        shutdown: Some(shutdown),
        task: Some(task),
    };
    connector.client = connector
        .client_builder()
        .build()
        .expect("build HTTP client");
    connector
}

impl TestConnector {
    /// Returns a reqwest builder trusting only the test CA, resolving `localhost`
    /// to the listener, so that tests can add settings such as `local_address`.
    pub fn client_builder(&self) -> reqwest::ClientBuilder {
        reqwest::Client::builder()
            .use_preconfigured_tls((*self.tls_client).clone())
            .resolve(SERVER_NAME, self.address)
            .https_only(true)
            .timeout(Duration::from_secs(10))
    }

    /// Builds a client whose connections leave from `local_address`, such as 127.0.0.2.
    pub fn client_from(&self, local_address: IpAddr) -> reqwest::Client {
        self.client_builder()
            .local_address(local_address)
            .build()
            .expect("build HTTP client")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// `POST`s an XML body with the test credentials.
    pub async fn post_xml(&self, path: &str, body: impl Into<reqwest::Body>) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .header("Authorization", basic_authorization(USERNAME, PASSWORD))
            .header("Content-Type", "application/xml; charset=utf-8")
            .body(body)
            .send()
            .await
            .expect("send request")
    }

    /// `GET`s a path with the test credentials.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .header("Authorization", basic_authorization(USERNAME, PASSWORD))
            .send()
            .await
            .expect("send request")
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

    /// Signals shutdown and waits for the server to return.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        let task = self.task.take().expect("server task present");
        tokio::time::timeout(Duration::from_secs(15), task)
            .await
            .expect("server stops within 15 seconds")
            .expect("server task did not panic")
    }
}

impl Drop for TestConnector {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

/// Polls `probe` every 20 ms until it returns a value, and fails the test
/// with `what` when none came within `timeout`.
pub async fn wait_for<T>(what: &str, timeout: Duration, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(value) = probe() {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what} did not happen within {timeout:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// `Authorization` header value for a user name and password.
pub fn basic_authorization(username: &str, password: &str) -> String {
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
    format!("Basic {token}")
}

/// Builds an attendee search request naming a last name and an optional maximum.
pub fn attendee_request(last_name: &str, maximum: Option<u32>) -> String {
    let maximum = maximum.map(|number| number.to_string()).unwrap_or_default();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <AttendeeSearchRequest><Attendee>\
         <AttendeeTypeCode/><FirstName/><MiddleInitial/><LastName>{last_name}</LastName>\
         <Suffix/><Title/><Company/><ExternalID/><OwnerLoginID>owner@example.com</OwnerLoginID>\
         <MaximumNumberRecords>{maximum}</MaximumNumberRecords>\
         </Attendee></AttendeeSearchRequest>"
    )
}

/// Builds a list request under `long_code` with `query`, searching by text.
pub fn list_request(list_name: &str, long_code: &str, short_code: &str, query: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <fetch-list-request>\
         <long-code>{long_code}</long-code><short-code>{short_code}</short-code>\
         <query>{query}</query><search-by>TEXT</search-by><lang-code>EN</lang-code>\
         <num-to-return>25</num-to-return><list-name>{list_name}</list-name>\
         </fetch-list-request>"
    )
}
