//! Test harness: the real connector with a small data set on 127.0.0.1:0 over TLS from a fresh dev CA, and the checker's configuration for it.
#![allow(dead_code)]

pub mod broken;

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use conformance::{CheckConfig, Password, Report};
use connector::import::{self, CsvSource};
use connector::store::SqliteStore;
use connector::{Config, Secret, ServeOptions};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub const USERNAME: &str = "connector-user";
/// Contains `:` and non-ASCII characters, which Basic authentication must carry.
pub const PASSWORD: &str = "s3cret:pässwörd:✓";

/// Name the test certificates are issued for and the checker connects to.
pub const SERVER_NAME: &str = "localhost";

/// Records beyond the 100-record cap, so that the cap checks can fail.
const BULK: usize = 120;

/// A dev CA and a server TLS configuration it issued for `localhost` and 127.0.0.1.
pub struct TestTls {
    pub ca_pem: Vec<u8>,
    pub server: Arc<rustls::ServerConfig>,
}

impl TestTls {
    pub fn generate() -> Self {
        let ca =
            tls::dev_ca::DevCa::generate("callouts conformance test CA").expect("generate test CA");
        let issued = ca
            .issue_server(&[SERVER_NAME.to_owned(), "127.0.0.1".to_owned()])
            .expect("issue server certificate");
        let server = tls::server::server_config_from_pem(
            issued.chain_pem.as_bytes(),
            issued.private_key_pem.as_bytes(),
        )
        .expect("server TLS configuration");
        TestTls {
            ca_pem: ca.certificate_pem().as_bytes().to_vec(),
            server,
        }
    }
}

/// A server running in the test's runtime until dropped.
pub struct Running {
    /// `https://localhost:PORT`.
    pub url: String,
    /// The CA to trust for it.
    pub ca_pem: Vec<u8>,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl Running {
    pub fn new(
        address: SocketAddr,
        ca_pem: Vec<u8>,
        shutdown: oneshot::Sender<()>,
        task: JoinHandle<()>,
    ) -> Self {
        Running {
            url: format!("https://{SERVER_NAME}:{}", address.port()),
            ca_pem,
            shutdown: Some(shutdown),
            task,
        }
    }

    /// Returns the checker's configuration for this server: test credentials, its
    /// CA trusted, loopback allowed, a one-second load run.
    pub fn check_config(&self) -> CheckConfig {
        let mut config = CheckConfig::new(&self.url, USERNAME, Password::new(PASSWORD));
        config.trusted_ca_pems = vec![self.ca_pem.clone()];
        config.allow_private_addresses = true;
        config.list_name = "Cities".to_owned();
        config.load_duration = Duration::from_secs(1);
        config.concurrency = 2;
        config.request_timeout = Duration::from_secs(10);
        config
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        self.task.abort();
    }
}

/// Connected list Country → Region → State → City, with more than 100 items under US-W-MANY.
pub fn cities_csv() -> String {
    let mut csv = String::from(
        "parent,code,text
,US,United States
US,W,West
US,E,East
US-W,CA,California
US-W,MANY,Many
US-W-CA,SF,San Francisco
US-W-CA,SJ,San Jose
US-W-CA,SD,San Diego
US-W-CA,LA,Los Angeles
US-W-CA,SAC,Sacramento
US-E,NY,New York
US-E-NY,SAN,Sanborn
US-E-NY,NYC,New York City
",
    );
    for index in 0..BULK {
        writeln!(csv, "US-W-MANY,M{index:03},Place {index:03}").expect("write");
    }
    csv
}

/// Attendees with the documented example's John Doe, and more than 100 records named Manyson.
pub fn attendees_csv() -> String {
    let mut csv = String::from(
        "ExternalID,FirstName,LastName,Company,AttendeeTypeCode
EXT-0001,John,Doe,Acme Corporation,BUSGUEST
EXT-0002,Jane,Doe,Globex,BUSGUEST
EXT-0003,Seán,O'Brien,Smith & Sons,BUSGUEST
",
    );
    for index in 0..BULK {
        writeln!(csv, "BULK-{index:03},Many,Manyson,Bulk Inc,BUSGUEST").expect("write");
    }
    csv
}

/// Starts our connector on a SQLite store containing [`cities_csv`] and [`attendees_csv`].
pub async fn spawn_connector() -> (Running, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = SqliteStore::open(dir.path().join("connector.db")).expect("open store");
    let cities = dir.path().join("cities.csv");
    std::fs::write(&cities, cities_csv()).expect("write cities");
    let attendees = dir.path().join("attendees.csv");
    std::fs::write(&attendees, attendees_csv()).expect("write attendees");
    import::import_list(
        &store,
        CsvSource::open(&cities).expect("open cities"),
        "Cities",
        "EN",
    )
    .await
    .expect("import cities");
    import::import_attendees(&store, CsvSource::open(&attendees).expect("open attendees"))
        .await
        .expect("import attendees");

    let mut config = Config::default();
    config.credentials.username = USERNAME.to_owned();
    config.credentials.password = Secret::new(PASSWORD);

    let tls = TestTls::generate();
    let options = ServeOptions {
        store: Arc::new(store),
        config,
        listen: "127.0.0.1:0".parse().expect("address"),
        tls: Some(tls.server),
    };
    let bound = connector::bind(options).await.expect("bind connector");
    let address = bound.local_addr();
    let (shutdown, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let _ = bound
            .run(async move {
                let _ = stopped.await;
            })
            .await;
    });
    (Running::new(address, tls.ca_pem, shutdown, task), dir)
}

/// Returns the outcome label of `check`, or `missing` when it did not run.
pub fn outcome_of(report: &Report, check: &str) -> String {
    report.finding(check).map_or_else(
        || "missing".to_owned(),
        |finding| format!("{:?}", finding.outcome),
    )
}
