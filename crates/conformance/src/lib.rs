//! Conformance checker: runs a suite of probes against any callouts connector and reports each rule as pass, warn, fail or skipped.
//!
//! [`run`] takes a [`CheckConfig`] (origin, credentials, services, paths)
//! and returns a [`Report`] with one [`Finding`] per check: the rule, what
//! came back, and the requests that decided it, without the password.
//! [`catalogue`] lists every check. Requests with the configured
//! credentials go through the host's own outbound client, so a connector
//! receives the same requests from the checker as from a host.

mod checks;
mod client;
mod config;
mod raw;
mod render;
mod report;
mod suite;

pub use config::{
    CheckConfig, ConfigError, DEFAULT_ATTENDEE_PATH, DEFAULT_CONCURRENCY, DEFAULT_LIST_PATH,
    DEFAULT_LOAD_DURATION, DEFAULT_TEST_CONNECTION_PATH, MAX_CONCURRENCY, MAX_LOAD_DURATION,
    Password, Service,
};
pub use report::{
    Exchange, Finding, LatencySummary, Outcome, REPORT_FORMAT_VERSION, Report, RequestSummary,
    ResponseSummary, Summary,
};
pub use suite::{CheckInfo, catalogue, run};
