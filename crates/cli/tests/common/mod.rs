//! Shared helpers of the command-line tests: running `callouts`, a dev CA,
//! and a server process started by the test and killed when dropped.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Returns a `callouts` command logging at INFO without colours, and without
/// the secrets a developer's shell may export.
pub fn callouts() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_callouts"));
    command
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .env_remove("CALLOUTS_HOST_SECRET_KEY")
        .env_remove("CALLOUTS_USER_PASSWORD")
        .stdin(Stdio::null());
    command
}

pub fn run(command: &mut Command) -> Output {
    command.output().expect("run callouts")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Runs `command` and checks that it exits with success.
pub fn succeed(command: &mut Command) -> Output {
    let output = run(command);
    assert!(output.status.success(), "{}", stderr(&output));
    output
}

/// Names a file to which every server process of a test appends its log
/// after the start line, for looking into a failed or slow run.
const SERVER_LOG_VARIABLE: &str = "CALLOUTS_TEST_SERVER_LOG";

/// Reads a server's log lines until it exits, appending them to the file
/// that [`SERVER_LOG_VARIABLE`] names, if any.
fn drain_log(receiver: &mpsc::Receiver<String>) {
    let mut file = std::env::var_os(SERVER_LOG_VARIABLE).and_then(|path| {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .ok()
    });
    while let Ok(line) = receiver.recv() {
        if let Some(file) = file.as_mut() {
            let _ = writeln!(file, "{line}");
        }
    }
}

/// How long a server gets to log its start line.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// A running `callouts … serve` process.
pub struct ServerProcess {
    child: Child,
    /// `IP:PORT` from the start line.
    pub address: String,
    /// Log lines up to and including the start line.
    pub startup_lines: Vec<String>,
}

impl ServerProcess {
    /// Starts `command` (a `serve` listening on port 0) and waits for the log
    /// line containing `start_marker`, which carries `address=IP:PORT`.
    pub fn start(mut command: Command, start_marker: &str) -> ServerProcess {
        let mut child = command
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the server process");

        // The pipe is drained to the end so that the server never blocks on logging.
        let stderr = child.stderr.take().expect("stderr");
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = sender.send(line);
            }
        });

        let deadline = Instant::now() + START_TIMEOUT;
        let mut seen = Vec::new();
        while Instant::now() < deadline {
            let Ok(line) = receiver.recv_timeout(Duration::from_millis(200)) else {
                continue;
            };
            let address = line
                .split_whitespace()
                .find_map(|field| field.strip_prefix("address="))
                .map(str::to_owned);
            let started = line.contains(start_marker);
            seen.push(line);
            if let (true, Some(address)) = (started, address) {
                std::thread::spawn(move || drain_log(&receiver));
                return ServerProcess {
                    child,
                    address,
                    startup_lines: seen,
                };
            }
        }
        let _ = child.kill();
        panic!("no `{start_marker}` line within {START_TIMEOUT:?}: {seen:#?}");
    }

    /// Port from the start line.
    pub fn port(&self) -> u16 {
        self.address
            .rsplit(':')
            .next()
            .and_then(|port| port.parse().ok())
            .expect("port in the start line")
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Basic credentials of the connectors the tests start.
pub const USERNAME: &str = "cli-test-user";
pub const PASSWORD: &str = "cli-test-password:✓";

pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write file");
    path
}

/// Writes a dev CA and a certificate for `localhost` and `127.0.0.1` into `dir/certs`.
pub fn dev_ca(dir: &Path) -> PathBuf {
    let certs = dir.join("certs");
    let output = run(callouts()
        .args([
            "dev-ca",
            "--name",
            "localhost",
            "--name",
            "127.0.0.1",
            "--out",
        ])
        .arg(&certs));
    assert!(
        output.status.success(),
        "dev-ca failed: {}",
        stderr(&output)
    );
    certs
}

/// Returns the `--tls-cert` and `--tls-key` arguments for the certificate of [`dev_ca`].
pub fn tls_args(certs: &Path) -> Vec<String> {
    vec![
        "--tls-cert".to_owned(),
        certs.join("server.pem").display().to_string(),
        "--tls-key".to_owned(),
        certs.join("server.key").display().to_string(),
    ]
}

/// Starts `callouts connector serve` on port 0 with the test credentials.
pub fn serve(db: &Path, extra: &[&str]) -> ServerProcess {
    serve_command(db, extra, callouts())
}

/// Starts `callouts connector serve` from `command`, which may carry more environment.
pub fn serve_command(db: &Path, extra: &[&str], mut command: Command) -> ServerProcess {
    command
        .args(["connector", "serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(db)
        .args(extra)
        .env("CALLOUTS_CONNECTOR_USERNAME", USERNAME)
        .env("CALLOUTS_CONNECTOR_PASSWORD", PASSWORD);
    ServerProcess::start(command, "connector started")
}

/// Builds an HTTPS client trusting only the CA at `ca`.
pub fn client(ca: &Path) -> reqwest::Client {
    let pem = std::fs::read(ca).expect("read CA");
    reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).expect("CA certificate"))
        .build()
        .expect("client")
}
