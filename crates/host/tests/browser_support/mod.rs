//! Headless Chromium driven over WebDriver by chromedriver, for the browser tests of the pages.
//!
//! The host serves the pages over TLS with a certificate from a fresh test
//! CA; Chromium accepts it through `--ignore-certificate-errors-spki-list`
//! with the hash of the certificate's public key, so no error page blocks
//! the pages and the `Secure` cookies behave as in production. Without
//! Chromium or chromedriver a test is skipped with a message, unless
//! `CALLOUTS_REQUIRE_BROWSER=1` makes their absence a failure (as in CI).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use base64::Engine;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use tokio::process::{Child, Command};

use crate::common::TestHost;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const REQUIRE_BROWSER_ENV: &str = "CALLOUTS_REQUIRE_BROWSER";

/// Maximum wait for chromedriver to listen and for an element to appear.
pub const WAIT: Duration = Duration::from_secs(20);

/// Chromium and chromedriver, or `None` after saying why the test is
/// skipped. Panics instead when `CALLOUTS_REQUIRE_BROWSER=1`.
pub fn browser_programs() -> Option<(PathBuf, PathBuf)> {
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
pub struct Chromedriver {
    pub child: Child,
    url: String,
}

pub async fn start_chromedriver(program: &Path) -> anyhow::Result<Chromedriver> {
    // The port is free when probed; another process could take it before
    // chromedriver binds it, which would fail this run with a clear error.
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let child = Command::new(program)
        .arg(format!("--port={port}"))
        .arg("--allowed-ips=127.0.0.1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("failed to start {}", program.display()))?;

    let started = Instant::now();
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        ensure!(
            started.elapsed() < WAIT,
            "chromedriver did not listen on port {port} within {WAIT:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(Chromedriver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    })
}

/// Base64 of the SHA-256 of the host certificate's SubjectPublicKeyInfo,
/// the form `--ignore-certificate-errors-spki-list` expects.
pub async fn host_spki_hash(host: &TestHost) -> anyhow::Result<String> {
    let stream = host.connect_raw().await;
    let certificates = stream
        .get_ref()
        .1
        .peer_certificates()
        .context("the host sent no certificate")?;
    let leaf = certificates
        .first()
        .context("the host sent an empty chain")?;
    let (_, certificate) = x509_parser::parse_x509_certificate(leaf.as_ref())
        .map_err(|error| anyhow::anyhow!("unreadable host certificate: {error}"))?;
    let digest = ring::digest::digest(
        &ring::digest::SHA256,
        certificate.tbs_certificate.subject_pki.raw,
    );
    Ok(base64::engine::general_purpose::STANDARD.encode(digest.as_ref()))
}

/// Returns the hash of the first certificate of `chain_pem` in the form of
/// [`host_spki_hash`], for a server other than the host.
pub fn spki_hash_of_pem(chain_pem: &str) -> anyhow::Result<String> {
    let (_, pem) = x509_parser::pem::parse_x509_pem(chain_pem.as_bytes())
        .map_err(|error| anyhow::anyhow!("unreadable PEM: {error}"))?;
    let certificate = pem
        .parse_x509()
        .map_err(|error| anyhow::anyhow!("unreadable certificate: {error}"))?;
    let digest = ring::digest::digest(
        &ring::digest::SHA256,
        certificate.tbs_certificate.subject_pki.raw,
    );
    Ok(base64::engine::general_purpose::STANDARD.encode(digest.as_ref()))
}

pub async fn open_browser(
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

/// Tells whether `error` means that an element found earlier is gone, as
/// when a page load replaced the page between finding and using it. The
/// caller then finds the element again on the new page.
fn is_stale(error: &fantoccini::error::CmdError) -> bool {
    error.to_string().contains("stale element")
}

/// The page as a user drives it: find by CSS selector, type, click, read.
pub struct Session<'a> {
    pub client: &'a Client,
    pub base: String,
}

impl Session<'_> {
    pub async fn open(&self, path: &str) -> anyhow::Result<()> {
        self.client.goto(&format!("{}{path}", self.base)).await?;
        Ok(())
    }

    pub async fn element(&self, selector: &str) -> anyhow::Result<fantoccini::elements::Element> {
        let found = self
            .client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(selector))
            .await;
        match found {
            Ok(element) => Ok(element),
            Err(error) => Err(anyhow::anyhow!(
                "no element {selector} on {}: {error}",
                self.path().await
            )),
        }
    }

    pub async fn type_into(&self, selector: &str, text: &str) -> anyhow::Result<()> {
        let element = self.element(selector).await?;
        element.clear().await?;
        element.send_keys(text).await?;
        Ok(())
    }

    pub async fn click(&self, selector: &str) -> anyhow::Result<()> {
        self.with_element(selector, |element| async move { element.click().await })
            .await
            .map(drop)
    }

    pub async fn text(&self, selector: &str) -> anyhow::Result<String> {
        self.with_element(selector, |element| async move { element.text().await })
            .await
    }

    /// Finds the element at `selector` and runs `action` on it. When a page
    /// load replaced the element in between, finds it again on the new page.
    async fn with_element<T, F, A>(&self, selector: &str, action: A) -> anyhow::Result<T>
    where
        A: Fn(fantoccini::elements::Element) -> F,
        F: Future<Output = Result<T, fantoccini::error::CmdError>>,
    {
        let started = Instant::now();
        loop {
            match action(self.element(selector).await?).await {
                Err(error) if is_stale(&error) && started.elapsed() < WAIT => {}
                done => return Ok(done?),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the element at `selector` contains `expected` and returns
    /// its text. This also waits for a page load that replaces an element of the same id.
    pub async fn wait_for_text(&self, selector: &str, expected: &str) -> anyhow::Result<String> {
        let started = Instant::now();
        loop {
            // The page can change between finding the element and reading it.
            let text = match self.client.find(Locator::Css(selector)).await {
                Ok(element) => element.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if text.contains(expected) {
                return Ok(text);
            }
            ensure!(
                started.elapsed() < WAIT,
                "{selector} on {} does not contain {expected:?} within {WAIT:?}: {text:?}",
                self.path().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Returns the path and query of the current page.
    pub async fn path(&self) -> String {
        match self.client.current_url().await {
            Ok(url) => match url.query() {
                Some(query) => format!("{}?{query}", url.path()),
                None => url.path().to_owned(),
            },
            Err(error) => format!("(unknown page: {error})"),
        }
    }

    pub async fn source(&self) -> String {
        self.client.source().await.unwrap_or_default()
    }
}

/// Chromium on the host's pages, with its chromedriver and profile directory.
pub struct BrowserWindow {
    driver: Chromedriver,
    _profile: tempfile::TempDir,
    pub client: Client,
    base: String,
}

impl BrowserWindow {
    /// Starts chromedriver and Chromium trusting the host's certificate, or
    /// returns `None` when the browser test is skipped (see [`browser_programs`]).
    pub async fn open(host: &TestHost) -> Option<BrowserWindow> {
        BrowserWindow::open_trusting(host, &[]).await
    }

    /// Starts the browser like [`BrowserWindow::open`], also accepting the
    /// certificates whose key hashes are `other_spki_hashes`, such as a
    /// connector's for Launch External URL windows.
    pub async fn open_trusting(
        host: &TestHost,
        other_spki_hashes: &[String],
    ) -> Option<BrowserWindow> {
        let (chromium, chromedriver) = browser_programs()?;
        let mut hashes = vec![host_spki_hash(host).await.expect("host certificate hash")];
        hashes.extend_from_slice(other_spki_hashes);
        let spki_hash = hashes.join(",");
        let driver = start_chromedriver(&chromedriver)
            .await
            .expect("start chromedriver");
        let profile = tempfile::tempdir().expect("browser profile directory");
        let client = open_browser(&driver, &chromium, profile.path(), &spki_hash)
            .await
            .expect("open Chromium");
        Some(BrowserWindow {
            driver,
            _profile: profile,
            client,
            base: host.url.clone(),
        })
    }

    pub fn session(&self) -> Session<'_> {
        Session {
            client: &self.client,
            base: self.base.clone(),
        }
    }

    /// Closes Chromium and chromedriver, then fails the test with the
    /// error of `outcome` and the page the browser showed last.
    pub async fn finish(mut self, outcome: anyhow::Result<()>) {
        let last_page = match &outcome {
            Ok(()) => String::new(),
            Err(_) => {
                let session = self.session();
                format!("{}\n{}", session.path().await, session.source().await)
            }
        };
        // Closing the session makes chromedriver stop Chromium before chromedriver itself is killed.
        let closed = self.client.clone().close().await;
        let _ = self.driver.child.kill().await;

        if let Err(error) = outcome {
            panic!("{error:#}\nlast page: {last_page}");
        }
        closed.expect("close the WebDriver session");
    }
}
