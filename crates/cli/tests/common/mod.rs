//! Shared helpers of the command-line tests: a server process started by
//! the test and killed when dropped.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

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
