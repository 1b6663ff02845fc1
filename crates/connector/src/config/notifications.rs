//! Configuration of event notifications: retries, the host's web services and the validation rules.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use super::Secret;

/// Processing of stored notifications.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotificationsConfig {
    /// Attempts at processing one notification before it is marked failed.
    /// Errors the host will repeat (a 4xx other than 401, 408 and 429, or a
    /// response that is not the documented JSON) fail it at once. Default 8.
    pub max_attempts: u32,
    /// Delay before the second attempt, in milliseconds. Each later delay
    /// doubles up to `retry_max_delay_ms`, and a random part of up to half
    /// of it is taken off, so that retries spread out. Default 2000.
    pub retry_initial_delay_ms: u64,
    /// Maximum delay between two attempts, in milliseconds, which also caps
    /// a `Retry-After` from the host. Default 600000 (10 minutes).
    pub retry_max_delay_ms: u64,
    /// With several connector instances on PostgreSQL: how long a
    /// notification taken for an attempt stays with the instance that took
    /// it, in seconds. The instance extends it every third of this time
    /// while the attempt runs, so only an instance that stopped or hangs
    /// loses its notifications to the others, after at most this time.
    /// Ignored on SQLite, which has one worker. Default 30.
    pub claim_lease_secs: u64,
}

/// The host's web services, which the notification worker calls with an
/// OAuth access token of the registration's client credentials.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HostConfig {
    /// `https://host[:port]` of the host. A notification's ObjectURI must be
    /// under this origin, because the worker sends its access token nowhere
    /// else. Required when validation rules are set. No default.
    /// Environment: `CALLOUTS_CONNECTOR_HOST_ORIGIN`.
    pub origin: String,
    /// `client_id` of the registration's client credentials. Required when
    /// validation rules are set. Environment: `CALLOUTS_CONNECTOR_HOST_CLIENT_ID`.
    pub client_id: String,
    /// `client_secret` of the registration's client credentials. Required
    /// when validation rules are set; never logged.
    /// Environment: `CALLOUTS_CONNECTOR_HOST_CLIENT_SECRET`.
    pub client_secret: Secret,
    /// PEM files of certificate authorities trusted in addition to Mozilla's
    /// roots (the webpki-roots crate), for a host with a private CA. File only.
    pub trusted_ca_files: Vec<PathBuf>,
    /// Limit on opening a connection to the host (TCP and TLS), in seconds. Default 5.
    pub connect_timeout_secs: u64,
    /// Limit on one whole request to the host, in seconds. Default 30.
    pub request_timeout_secs: u64,
    /// Largest response body read from the host, in bytes. Default 4194304 (4 MiB).
    pub max_response_bytes: usize,
}

/// Action of the worker on a report or request that fails a rule.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureAction {
    /// Send it back to the employee with a comment listing every failure.
    #[default]
    SendBack,
    /// Post each failure as an exception on its entry (or on the header),
    /// where approvers see it, then approve.
    Exceptions,
}

impl FailureAction {
    /// Returns the name used in the configuration and in logs.
    pub fn label(self) -> &'static str {
        match self {
            FailureAction::SendBack => "send_back",
            FailureAction::Exceptions => "exceptions",
        }
    }
}

/// Rules that each notified report or travel request must pass. With no
/// rule set (the default), the connector stores and logs notifications
/// without processing them.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ValidationConfig {
    /// `send_back` (the default) or `exceptions`.
    /// Environment: `CALLOUTS_CONNECTOR_VALIDATION_ON_FAILURE`.
    pub on_failure: FailureAction,
    /// Entries' list values must exist in an imported list.
    pub list_value: Option<ListValueRule>,
    /// Largest amount of one entry per expense type, as a decimal string
    /// such as `"75.00"`, keyed by the expense type exactly as the host
    /// names it. The limit is compared with the entry's amount in the
    /// entry's own currency; no conversion takes place.
    pub amount_limits: BTreeMap<String, String>,
    /// Custom fields that must hold a value that is not blank.
    pub required_fields: RequiredFieldsRule,
}

/// The list value rule.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListValueRule {
    /// Name of the imported list (`callouts connector import list --name`)
    /// whose long codes an entry's list value must match exactly.
    pub list: String,
    /// When true, an entry without a list value fails too. Default false.
    #[serde(default)]
    pub required: bool,
}

/// Custom fields that must be filled, by name as the host's JSON gives them (`Custom1`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RequiredFieldsRule {
    /// Fields of the report or request header.
    pub report: Vec<String>,
    /// Fields of every entry.
    pub entry: Vec<String>,
}

impl Default for NotificationsConfig {
    fn default() -> Self {
        NotificationsConfig {
            max_attempts: 8,
            retry_initial_delay_ms: 2_000,
            retry_max_delay_ms: 600_000,
            claim_lease_secs: 30,
        }
    }
}

impl NotificationsConfig {
    pub fn retry_initial_delay(&self) -> Duration {
        Duration::from_millis(self.retry_initial_delay_ms)
    }
    pub fn retry_max_delay(&self) -> Duration {
        Duration::from_millis(self.retry_max_delay_ms)
    }
    pub fn claim_lease(&self) -> Duration {
        Duration::from_secs(self.claim_lease_secs)
    }
}

impl Default for HostConfig {
    fn default() -> Self {
        HostConfig {
            origin: String::new(),
            client_id: String::new(),
            client_secret: Secret::default(),
            trusted_ca_files: Vec::new(),
            connect_timeout_secs: 5,
            request_timeout_secs: 30,
            max_response_bytes: 4 * 1024 * 1024,
        }
    }
}

impl HostConfig {
    pub fn connect_timeout(&self) -> Duration {
        Duration::from_secs(self.connect_timeout_secs)
    }
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }
}

impl ValidationConfig {
    /// Tells whether any rule is set, which turns processing on.
    pub fn has_rules(&self) -> bool {
        self.list_value.is_some()
            || !self.amount_limits.is_empty()
            || !self.required_fields.report.is_empty()
            || !self.required_fields.entry.is_empty()
    }

    /// Number of rules set, for the start log line.
    pub fn rule_count(&self) -> usize {
        usize::from(self.list_value.is_some())
            + self.amount_limits.len()
            + self.required_fields.report.len()
            + self.required_fields.entry.len()
    }
}
