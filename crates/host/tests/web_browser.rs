//! The admin pages in headless Chromium, driven over WebDriver by chromedriver.
//!
//! The host serves the pages over TLS with a certificate from a fresh test
//! CA; Chromium accepts it through `--ignore-certificate-errors-spki-list`
//! with the hash of the certificate's public key, so no error page blocks
//! the pages and the `Secure` cookies behave as in production. Without
//! Chromium or chromedriver the test is skipped with a message, unless
//! `CALLOUTS_REQUIRE_BROWSER=1` makes their absence a failure (as in CI).

mod common;
mod web_support;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use base64::Engine;
use common::running_connector::spawn_connector;
use common::*;
use fantoccini::{Client, ClientBuilder, Locator};
use host::web::WebOptions;
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use tokio::process::{Child, Command};
use web_support::*;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const REQUIRE_BROWSER_ENV: &str = "CALLOUTS_REQUIRE_BROWSER";

/// Maximum wait for chromedriver to listen and for an element to appear.
const WAIT: Duration = Duration::from_secs(20);

/// Chromium and chromedriver, or `None` after saying why the test is
/// skipped. Panics instead when `CALLOUTS_REQUIRE_BROWSER=1`.
fn browser_programs() -> Option<(PathBuf, PathBuf)> {
    let missing: Vec<&str> = [CHROMIUM, CHROMEDRIVER]
        .into_iter()
        .filter(|path| !Path::new(path).is_file())
        .collect();
    if missing.is_empty() {
        return Some((PathBuf::from(CHROMIUM), PathBuf::from(CHROMEDRIVER)));
    }

    let reason = format!(
        "{} not installed; install the Debian packages chromium and chromium-driver",
        missing.join(" and ")
    );
    if std::env::var(REQUIRE_BROWSER_ENV).is_ok_and(|value| value == "1") {
        panic!("{reason} ({REQUIRE_BROWSER_ENV}=1 requires the browser test)");
    }
    eprintln!("skipping the browser test: {reason}");
    None
}

/// A chromedriver process on a free loopback port, killed when dropped.
struct Chromedriver {
    child: Child,
    url: String,
}

async fn start_chromedriver(program: &Path) -> anyhow::Result<Chromedriver> {
    // The port is free when probed; another process could take it before
    // chromedriver binds it, which would fail this run with a clear error.
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let child = Command::new(program)
        .arg(format!("--port={port}"))
        .arg("--allowed-ips=127.0.0.1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("failed to start {}", program.display()))?;

    let started = Instant::now();
    while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        ensure!(started.elapsed() < WAIT, "chromedriver did not listen on port {port} within {WAIT:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(Chromedriver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    })
}

/// Base64 of the SHA-256 of the host certificate's SubjectPublicKeyInfo,
/// the form `--ignore-certificate-errors-spki-list` expects.
async fn host_spki_hash(host: &TestHost) -> anyhow::Result<String> {
    let stream = host.connect_raw().await;
    let certificates = stream
        .get_ref()
        .1
        .peer_certificates()
        .context("the host sent no certificate")?;
    let leaf = certificates.first().context("the host sent an empty chain")?;
    let (_, certificate) = x509_parser::parse_x509_certificate(leaf.as_ref())
        .map_err(|error| anyhow::anyhow!("unreadable host certificate: {error}"))?;
    let digest = ring::digest::digest(&ring::digest::SHA256, certificate.tbs_certificate.subject_pki.raw);
    Ok(base64::engine::general_purpose::STANDARD.encode(digest.as_ref()))
}

async fn open_browser(
    driver: &Chromedriver,
    chromium: &Path,
    profile: &Path,
    spki_hash: &str,
) -> anyhow::Result<Client> {
    let arguments = [
        "--headless".to_owned(),
        "--no-sandbox".to_owned(),
        "--disable-gpu".to_owned(),
        "--disable-quic".to_owned(),
        "--no-first-run".to_owned(),
        "--disable-background-networking".to_owned(),
        "--disable-component-update".to_owned(),
        "--disable-sync".to_owned(),
        format!("--user-data-dir={}", profile.display()),
        format!("--ignore-certificate-errors-spki-list={spki_hash}"),
    ];
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".to_owned(),
        json!({ "binary": chromium, "args": arguments }),
    );
    let client = ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .context("failed to open a WebDriver session")?;
    Ok(client)
}

/// The page as a user drives it: find by CSS selector, type, click, read.
struct Session<'a> {
    client: &'a Client,
    base: String,
}

impl Session<'_> {
    async fn open(&self, path: &str) -> anyhow::Result<()> {
        self.client.goto(&format!("{}{path}", self.base)).await?;
        Ok(())
    }

    async fn element(&self, selector: &str) -> anyhow::Result<fantoccini::elements::Element> {
        let found = self
            .client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(selector))
            .await;
        match found {
            Ok(element) => Ok(element),
            Err(error) => Err(anyhow::anyhow!("no element {selector} on {}: {error}", self.path().await)),
        }
    }

    async fn type_into(&self, selector: &str, text: &str) -> anyhow::Result<()> {
        let element = self.element(selector).await?;
        element.clear().await?;
        element.send_keys(text).await?;
        Ok(())
    }

    async fn click(&self, selector: &str) -> anyhow::Result<()> {
        self.element(selector).await?.click().await?;
        Ok(())
    }

    async fn text(&self, selector: &str) -> anyhow::Result<String> {
        Ok(self.element(selector).await?.text().await?)
    }

    /// Returns the path and query of the current page.
    async fn path(&self) -> String {
        match self.client.current_url().await {
            Ok(url) => match url.query() {
                Some(query) => format!("{}?{query}", url.path()),
                None => url.path().to_owned(),
            },
            Err(error) => format!("(unknown page: {error})"),
        }
    }

    async fn source(&self) -> String {
        self.client.source().await.unwrap_or_default()
    }
}

/// Signs in, registers the real connector, runs Test Connection, enables
/// Fetch List with one configured list, deactivates the registration and
/// signs out, checking each page on the way.
async fn scenario(session: &Session<'_>, login: &str, connector_origin: &str) -> anyhow::Result<()> {
    session.open("/login").await?;
    session.type_into("#login", login).await?;
    session.type_into("#password", USER_PASSWORD).await?;
    session.click("#sign-in").await?;
    let home = session.text("main").await?;
    ensure!(home.contains(&format!("Signed in as {login}")), "home page after sign-in: {home}");

    session.click("#registrations-link").await?;
    session.click("#new-registration").await?;
    session.type_into("#name", "Real connector").await?;
    session.type_into("#description", "Connector started by the browser test").await?;
    session.type_into("#host_name", connector_origin).await?;
    session.type_into("#user_name", CONNECTOR_USER).await?;
    session.type_into("#password", CONNECTOR_PASSWORD).await?;
    session.click("#save").await?;
    let notice = session.text("#notice").await?;
    ensure!(notice.contains("The registration was created"), "after New: {notice}");
    let registration_path = session.path().await;
    let registration_path = registration_path.split('?').next().unwrap_or_default().to_owned();

    session.click("#test-connection").await?;
    let result = session.text("#test-result").await?;
    ensure!(result.starts_with("Succeeded at"), "Test Connection result: {result}");
    ensure!(result.contains("over TLSv1."), "Test Connection result: {result}");
    ensure!(result.contains("with cipher suite TLS"), "Test Connection result: {result}");
    ensure!(session.text("#verified").await? == "Yes", "registration not verified");

    session.click("#configure-fetch-list").await?;
    session.click("#enabled").await?;
    session.type_into("#list_name-0", "Projects").await?;
    session.type_into("#list_category-0", "Project codes").await?;
    session.type_into("#list_language_code-0", "en").await?;
    session.type_into("#list_level-0", "1").await?;
    session.click("#save").await?;
    let notice = session.text("#notice").await?;
    ensure!(notice.contains("The service configuration was saved"), "after Save: {notice}");
    let row = session.text("#service-fetch-list").await?;
    ensure!(row.contains("1 configured list"), "Fetch List row: {row}");
    ensure!(session.text("#status").await? == "Active", "registration not active");

    session.open("/registrations").await?;
    let list = session.text("tbody").await?;
    ensure!(list.contains("Real connector"), "registration list: {list}");
    ensure!(list.contains("Fetch List"), "registration list: {list}");
    ensure!(list.contains("Active"), "registration list: {list}");

    session.open(&format!("{registration_path}/services/fetch-list")).await?;
    session.click("#enabled").await?;
    session.click("#save").await?;
    let row = session.text("#service-fetch-list").await?;
    ensure!(row.contains("No configured lists"), "Fetch List row after deactivation: {row}");
    session.open("/registrations").await?;
    let list = session.text("tbody").await?;
    ensure!(list.contains("Real connector"), "inactive registration no longer listed: {list}");
    ensure!(list.contains("Inactive"), "registration list after deactivation: {list}");

    session.click("#sign-out").await?;
    let notice = session.text(".notice").await?;
    ensure!(notice.contains("You have signed out"), "after sign-out: {notice}");
    session.open("/registrations").await?;
    ensure!(session.path().await == "/login", "signed-out browser reached {}", session.path().await);
    Ok(())
}

#[tokio::test]
async fn browser_manages_registration_end_to_end() {
    let Some((chromium, chromedriver)) = browser_programs() else {
        return;
    };

    let connector = spawn_connector().await;
    let config = test_config();
    let tester = host::tester::outbound_tester(&config.outbound, vec![connector.ca_pem.clone()], true)
        .expect("build outbound client");
    let host = spawn_host_mounting(Arc::new(tester), config, |app| {
        Some(host::web::router(app, WebOptions::new(true)))
    })
    .await;
    let login = administrator(&host, "Acme").await;
    let spki_hash = host_spki_hash(&host).await.expect("host certificate hash");

    let mut driver = start_chromedriver(&chromedriver).await.expect("start chromedriver");
    let profile = tempfile::tempdir().expect("browser profile directory");
    let client = open_browser(&driver, &chromium, profile.path(), &spki_hash)
        .await
        .expect("open Chromium");
    let session = Session {
        client: &client,
        base: host.url.clone(),
    };

    let outcome = scenario(&session, &login, &connector.origin).await;
    let last_page = match &outcome {
        Ok(()) => String::new(),
        Err(_) => format!("{}\n{}", session.path().await, session.source().await),
    };
    // Closing the session makes chromedriver stop Chromium before chromedriver itself is killed.
    let closed = client.close().await;
    let _ = driver.child.kill().await;

    if let Err(error) = outcome {
        panic!("{error:#}\nlast page: {last_page}");
    }
    closed.expect("close the WebDriver session");
}
