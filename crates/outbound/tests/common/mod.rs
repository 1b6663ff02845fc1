//! Test servers on 127.0.0.1 (the real connector, scripted HTTPS servers, OpenSSL) and clients for them.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use connector::store::SqliteStore;
use connector::{Config, Secret, ServeOptions};
use outbound::{OutboundClient, OutboundConfig};
use tls::dev_ca::{DevCa, IssuedCertificate};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

pub const USERNAME: &str = "connector-user";
/// Contains `:` and non-ASCII characters, which Basic authentication must carry as UTF-8.
pub const PASSWORD: &str = "s3cret:pässwörd:✓";

pub const TEST_CONNECTION_PATH: &str = "/system/v1.0/testconnection";
pub const ATTENDEE_V2_PATH: &str = "/concur/attendee/v2.0/fetch";

/// Bound on waiting for a test server, so a broken test fails instead of hanging.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(10);

pub fn names(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| (*name).to_owned()).collect()
}

/// A fresh dev CA and a certificate from it for `localhost` and `127.0.0.1`.
pub struct TestPki {
    pub ca: DevCa,
    pub server: IssuedCertificate,
}

impl TestPki {
    pub fn new() -> TestPki {
        let ca = DevCa::generate("outbound test CA").expect("generate test CA");
        let server = ca
            .issue_server(&names(&["localhost", "127.0.0.1"]))
            .expect("issue server certificate");
        TestPki { ca, server }
    }

    pub fn ca_pem(&self) -> Vec<u8> {
        self.ca.certificate_pem().as_bytes().to_vec()
    }

    pub fn server_config(&self) -> Arc<rustls::ServerConfig> {
        server_config(&self.server)
    }
}

pub fn server_config(issued: &IssuedCertificate) -> Arc<rustls::ServerConfig> {
    tls::server::server_config_from_pem(
        issued.chain_pem.as_bytes(),
        issued.private_key_pem.as_bytes(),
    )
    .expect("build server TLS configuration")
}

/// Client settings for loopback tests: private addresses allowed, `ca_pem` trusted, short timeouts.
pub fn loopback_config(ca_pem: Vec<u8>) -> OutboundConfig {
    OutboundConfig {
        extra_trusted_ca_pems: vec![ca_pem],
        allow_private_addresses: true,
        connect_timeout: Duration::from_secs(5),
        total_timeout: Duration::from_secs(10),
        ..OutboundConfig::default()
    }
}

pub fn loopback_client(ca_pem: Vec<u8>) -> OutboundClient {
    OutboundClient::new(loopback_config(ca_pem)).expect("build outbound client")
}

/// The real connector on 127.0.0.1:0 with an empty SQLite store.
pub struct TestConnector {
    /// `https://localhost:PORT`, or `https://127.0.0.1:PORT` when serving plain HTTP.
    pub origin: String,
    pub address: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<anyhow::Result<()>>,
    _directory: tempfile::TempDir,
}

impl Drop for TestConnector {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        self.task.abort();
    }
}

fn connector_config() -> Config {
    let mut config = Config::default();
    config.credentials.username = USERNAME.to_owned();
    config.credentials.password = Secret::new(PASSWORD);
    config
}

/// Starts the connector over TLS with the certificate of `pki`.
pub async fn spawn_connector(pki: &TestPki) -> TestConnector {
    start_connector(connector_config(), Some(pki.server_config())).await
}

/// Starts the connector serving plain HTTP, as behind a TLS-terminating proxy.
pub async fn spawn_plain_connector() -> TestConnector {
    let mut config = connector_config();
    config.dangerous_plain_http = true;
    start_connector(config, None).await
}

async fn start_connector(config: Config, tls: Option<Arc<rustls::ServerConfig>>) -> TestConnector {
    let directory = tempfile::tempdir().expect("create temporary directory");
    let store = SqliteStore::open(directory.path().join("connector.db")).expect("open store");
    let serves_tls = tls.is_some();
    let options = ServeOptions {
        store: Arc::new(store),
        config,
        listen: "127.0.0.1:0".parse().expect("loopback address"),
        tls,
    };
    let bound = connector::bind(options).await.expect("bind connector");
    let address = bound.local_addr();

    let (shutdown, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(bound.run(async move {
        let _ = stopped.await;
    }));
    let host = if serves_tls { "localhost" } else { "127.0.0.1" };
    TestConnector {
        origin: format!("https://{host}:{}", address.port()),
        address,
        shutdown: Some(shutdown),
        task,
        _directory: directory,
    }
}

/// What a [`ScriptedServer`] does on each connection after the TLS handshake.
#[derive(Clone)]
pub enum Script {
    /// Responds to every request on the connection with these bytes, keeping it open.
    Respond(Vec<u8>),
    /// Responds to the first request with these bytes, then closes the connection.
    RespondAndClose(Vec<u8>),
    /// Responds to the first request on each connection, then reads the next
    /// one and closes without a response. A server that closes an idle
    /// connection just as a request arrives behaves this way.
    RespondOnceThenHangUp(Vec<u8>),
    /// Reads the request and never answers.
    NeverRespond,
}

/// An HTTPS server on 127.0.0.1:0 that plays a [`Script`] and records the requests it reads.
pub struct ScriptedServer {
    pub address: SocketAddr,
    /// Requests read, head and body, as text.
    pub requests: Arc<Mutex<Vec<String>>>,
    /// Connections accepted.
    pub accepted: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl Drop for ScriptedServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ScriptedServer {
    pub async fn start(config: Arc<rustls::ServerConfig>, script: Script) -> ScriptedServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("local address");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let accepted = Arc::new(AtomicUsize::new(0));
        let acceptor = TlsAcceptor::from(config);

        let task = {
            let requests = Arc::clone(&requests);
            let accepted = Arc::clone(&accepted);
            tokio::spawn(async move {
                loop {
                    let Ok((tcp, _)) = listener.accept().await else {
                        return;
                    };
                    accepted.fetch_add(1, Ordering::SeqCst);
                    let acceptor = acceptor.clone();
                    let requests = Arc::clone(&requests);
                    let script = script.clone();
                    tokio::spawn(async move {
                        let Ok(stream) = acceptor.accept(tcp).await else {
                            return;
                        };
                        play(stream, script, requests).await;
                    });
                }
            })
        };
        ScriptedServer {
            address,
            requests,
            accepted,
            task,
        }
    }

    /// `https://localhost:PORT`.
    pub fn origin(&self) -> String {
        format!("https://localhost:{}", self.address.port())
    }

    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().expect("requests lock").clone()
    }

    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

async fn play<S>(mut stream: S, script: Script, requests: Arc<Mutex<Vec<String>>>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let mut answered = 0;
    loop {
        let Some(request) = read_request(&mut stream).await else {
            return;
        };
        requests.lock().expect("requests lock").push(request);
        match &script {
            Script::Respond(response) => {
                if stream.write_all(response).await.is_err() {
                    return;
                }
            }
            Script::RespondAndClose(response) => {
                let _ = stream.write_all(response).await;
                let _ = stream.shutdown().await;
                return;
            }
            Script::RespondOnceThenHangUp(response) => {
                if answered > 0 || stream.write_all(response).await.is_err() {
                    let _ = stream.shutdown().await;
                    return;
                }
                answered += 1;
            }
            Script::NeverRespond => {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                return;
            }
        }
    }
}

/// Reads one request head and the body its `Content-Length` announces; `None` at end of stream.
async fn read_request<S>(stream: &mut S) -> Option<String>
where
    S: tokio::io::AsyncRead + Unpin,
{
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    let head_end = loop {
        if let Some(position) = find(&received, b"\r\n\r\n") {
            break position + 4;
        }
        let read = stream.read(&mut buffer).await.ok()?;
        if read == 0 || received.len() > 64 * 1024 {
            return None;
        }
        received.extend_from_slice(&buffer[..read]);
    };

    let head = String::from_utf8_lossy(&received[..head_end]).to_string();
    let length = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())
                .flatten()
        })
        .unwrap_or(0);
    while received.len() < head_end + length {
        let read = stream.read(&mut buffer).await.ok()?;
        if read == 0 {
            return None;
        }
        received.extend_from_slice(&buffer[..read]);
    }
    Some(String::from_utf8_lossy(&received).to_string())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// Builds an HTTP/1.1 response with a `Content-Length` body.
pub fn http_response(status_line: &str, extra_headers: &[&str], body: &str) -> Vec<u8> {
    let mut response = format!("HTTP/1.1 {status_line}\r\n");
    for header in extra_headers {
        response.push_str(header);
        response.push_str("\r\n");
    }
    response.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    response.into_bytes()
}

/// A TCP listener on 127.0.0.1:0 that accepts connections and never sends a byte.
pub struct SilentListener {
    pub address: SocketAddr,
    task: JoinHandle<()>,
}

impl Drop for SilentListener {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl SilentListener {
    pub async fn start() -> SilentListener {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("local address");
        let task = tokio::spawn(async move {
            let mut open_connections = Vec::new();
            while let Ok((tcp, _)) = listener.accept().await {
                open_connections.push(tcp);
            }
        });
        SilentListener { address, task }
    }
}

/// A loopback listener with a backlog of 1 that never accepts, with its
/// accept queue filled by connections of its own. Linux then drops further
/// SYNs (seen on kernel 6.18), so a TCP connect to it hangs until the client
/// gives up.
pub struct FullBacklogListener {
    pub address: SocketAddr,
    _listener: TcpListener,
    _queued: Vec<TcpStream>,
}

impl FullBacklogListener {
    /// Maximum wait for one connection that fills the queue. A loopback
    /// connect takes microseconds, so one that takes longer has hung.
    const PROBE_TIMEOUT: Duration = Duration::from_secs(1);

    pub async fn start() -> FullBacklogListener {
        let socket = tokio::net::TcpSocket::new_v4().expect("create socket");
        socket
            .bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .expect("bind");
        let listener = socket.listen(1).expect("listen");
        let address = listener.local_addr().expect("local address");

        // Linux queues backlog + 1 completed connections. Rather than rely on
        // that count, the loop connects until one connect hangs.
        let mut queued = Vec::new();
        for _ in 0..8 {
            match tokio::time::timeout(Self::PROBE_TIMEOUT, TcpStream::connect(address)).await {
                Ok(Ok(stream)) => queued.push(stream),
                Ok(Err(error)) => {
                    panic!("connecting to fill the accept queue of {address} failed: {error}")
                }
                Err(_) => {
                    return FullBacklogListener {
                        address,
                        _listener: listener,
                        _queued: queued,
                    };
                }
            }
        }
        panic!(
            "the accept queue of {address} is not full after {} connections",
            queued.len()
        );
    }
}

/// Returns a loopback port that nothing listens on (just released by the OS).
pub async fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("local address").port();
    drop(listener);
    port
}

/// `openssl s_server` on a loopback port, killed when dropped.
pub struct OpensslServer {
    pub port: u16,
    child: tokio::process::Child,
    _directory: tempfile::TempDir,
}

impl OpensslServer {
    /// Starts `openssl s_server` with `certificate_pem` and `key_pem` and the extra `arguments`.
    ///
    /// Panics with an install hint when the `openssl` binary is missing,
    /// because the cases that need it cannot be tested otherwise.
    pub async fn start(certificate_pem: &str, key_pem: &str, arguments: &[&str]) -> OpensslServer {
        let directory = tempfile::tempdir().expect("create temporary directory");
        let certificate = write(directory.path(), "server.pem", certificate_pem);
        let key = write(directory.path(), "server.key", key_pem);
        let port = closed_port().await;

        let child = tokio::process::Command::new("openssl")
            .arg("s_server")
            .args(["-accept", &format!("127.0.0.1:{port}")])
            .args(["-cert", &certificate, "-key", &key])
            .args(arguments)
            .arg("-www")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start `openssl s_server` (install the openssl package)");

        let server = OpensslServer {
            port,
            child,
            _directory: directory,
        };
        server.wait_until_listening().await;
        server
    }

    async fn wait_until_listening(&self) {
        let deadline = tokio::time::Instant::now() + STEP_TIMEOUT;
        loop {
            if TcpStream::connect(("127.0.0.1", self.port)).await.is_ok() {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "openssl s_server did not listen on port {} within {STEP_TIMEOUT:?}",
                self.port
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn origin(&self) -> String {
        format!("https://localhost:{}", self.port)
    }
}

impl Drop for OpensslServer {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

fn write(directory: &Path, name: &str, contents: &str) -> String {
    let path = directory.join(name);
    std::fs::write(&path, contents).expect("write PEM file");
    path.to_string_lossy().into_owned()
}

/// Environment variable that makes a missing `openssl` command a test failure instead of a skip.
const REQUIRE_OPENSSL_ENV: &str = "CALLOUTS_REQUIRE_OPENSSL";

/// Reports whether the `openssl` command runs here; tests that need it print
/// why they skip when it does not (`.ci/run` installs it). Panics instead
/// when `CALLOUTS_REQUIRE_OPENSSL=1`, as in CI.
pub fn openssl_available() -> bool {
    let available = std::process::Command::new("openssl")
        .arg("version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if available {
        return true;
    }

    let reason = "the `openssl` command is not installed (Debian package openssl)";
    if std::env::var(REQUIRE_OPENSSL_ENV).is_ok_and(|value| value == "1") {
        panic!("{reason} ({REQUIRE_OPENSSL_ENV}=1 requires the legacy TLS tests)");
    }
    eprintln!("skipping the legacy TLS test: {reason}");
    false
}

/// Generates an RSA key and a self-signed certificate for `localhost` with the openssl binary.
pub fn openssl_rsa_certificate() -> (String, String) {
    let directory = tempfile::tempdir().expect("create temporary directory");
    let key = directory.path().join("rsa.key");
    let certificate = directory.path().join("rsa.pem");
    let status = std::process::Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args([
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&certificate)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run `openssl req` (install the openssl package)");
    assert!(status.success(), "openssl req failed: {status}");
    (
        std::fs::read_to_string(certificate).expect("read certificate"),
        std::fs::read_to_string(key).expect("read key"),
    )
}
