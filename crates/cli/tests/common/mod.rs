//! Shared helpers of the command-line tests: running `callouts`, and a
//! server process started by the test and killed when dropped.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Returns a `callouts` command without the secrets a developer's shell may export.
pub fn callouts() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_callouts"));
    command
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
                std::thread::spawn(move || while receiver.recv().is_ok() {});
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
