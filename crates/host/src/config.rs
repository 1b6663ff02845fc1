//! Host configuration: documented defaults, then a TOML file, then `CALLOUTS_HOST_SECRET_KEY`.
//!
//! The listen address, TLS files, trusted CAs and the private-address switch
//! come from the command line; everything else lives here.

use std::path::{Path, PathBuf};
use std::time::Duration;

use connector::config::{LimitsConfig, MetricsConfig, TimeoutsConfig};
use serde::Deserialize;

/// Environment variable holding the base64 key that encrypts registration passwords.
pub const SECRET_KEY_ENV: &str = "CALLOUTS_HOST_SECRET_KEY";

/// The whole host configuration.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// File holding the base64 encoding of the 32-byte key that encrypts
    /// registration passwords. Use either this or `CALLOUTS_HOST_SECRET_KEY`,
    /// not both. No default: the host does not start without a key.
    pub secret_key_file: Option<PathBuf>,
    /// Time limits for each connection and request: `tls_handshake_secs`
    /// (default 10), `header_read_secs` (10), `body_read_secs` (10, at most
    /// `request_secs`), `request_secs` (30) and `idle_secs` (120).
    pub timeouts: TimeoutsConfig,
    /// `body_bytes`, the largest accepted request body (default 65536), and
    /// `max_connections`, the most connections served at once (default 1024),
    /// and `max_connections_per_client`, the most one client address may hold (default 128).
    pub limits: LimitsConfig,
    /// Limits of the host's own calls to connectors, such as Test Connection.
    pub outbound: OutboundConfig,
    /// Limits the host requests of connectors in Fetch Attendee and Fetch List.
    pub callouts: CalloutsConfig,
    /// Retries of Event Notifications that a connector did not accept.
    pub notifications: NotificationsConfig,
    /// The origin (`https://host[:port]`, no path) under which connectors
    /// reach this host; notifications carry URLs below it. Default: `https://localhost:PORT`
    /// with the port the host listens on, which only a connector on the same machine can reach.
    pub public_origin: Option<String>,
    /// Prometheus metrics: `listen`, the address serving `GET /metrics`
    /// without TLS or authentication, so bind it to a private interface.
    /// Absent (the default) turns metrics off.
    pub metrics: MetricsConfig,
    /// Limits of Verify services, the conformance suite run from a registration.
    pub verification: VerificationConfig,
    /// Lifetimes of the tokens the host web services issue to connectors.
    pub web_services: WebServicesConfig,
    /// Serve plain HTTP when no TLS configuration is given. Only for running
    /// behind a TLS-terminating proxy, because API tokens and connector
    /// passwords cross the network. Default false.
    pub dangerous_plain_http: bool,
}

/// Limits of calls from the host to connectors.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutboundConfig {
    /// Establishing the TCP connection and the TLS handshake, in seconds. Default 5.
    pub connect_timeout_secs: u64,
    /// The whole call, from connecting to the last byte of the response,
    /// in seconds. Must stay below `timeouts.request_secs`. Default 15.
    pub total_timeout_secs: u64,
    /// Largest response body read from a connector, in bytes. Default 65536.
    pub max_response_bytes: usize,
    /// Let registrations point at loopback, private, link-local and other
    /// non-public addresses, as `--allow-private-addresses` does; for
    /// demonstrations and tests only. Default false.
    pub allow_private_addresses: bool,
}

impl Default for OutboundConfig {
    fn default() -> Self {
        OutboundConfig {
            connect_timeout_secs: 5,
            total_timeout_secs: 15,
            max_response_bytes: 64 * 1024,
            allow_private_addresses: false,
        }
    }
}

impl OutboundConfig {
    pub fn connect_timeout(&self) -> Duration {
        Duration::from_secs(self.connect_timeout_secs)
    }

    pub fn total_timeout(&self) -> Duration {
        Duration::from_secs(self.total_timeout_secs)
    }
}

/// Limits the host requests of connectors in its search callouts.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CalloutsConfig {
    /// MaximumNumberRecords of every Fetch Attendee request, and the
    /// num-to-return of a Fetch List request that names none; from 1 to 100,
    /// because the host shows at most 100 results. Default 25.
    /// NOTE: 100 attendees with many custom fields can exceed the default
    /// `outbound.max_response_bytes`; raise both together.
    pub maximum_number_records: u32,
}

impl Default for CalloutsConfig {
    fn default() -> Self {
        CalloutsConfig {
            maximum_number_records: 25,
        }
    }
}

/// Retries of Event Notifications. After the connector fails to respond
/// `200`, a notification waits `retry_base_secs`, then twice as long after
/// each further failure, up to `retry_max_secs`. Each wait is shortened by
/// a random part of up to half, so that many notifications do not retry at once.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotificationsConfig {
    /// Wait after the first failed attempt, in seconds. Default 30.
    pub retry_base_secs: u64,
    /// Maximum wait between two attempts, in seconds. Default 3600.
    pub retry_max_secs: u64,
    /// Attempts after which a notification is marked failed. Default 12.
    pub max_attempts: u32,
    /// Age after which a notification that still fails is marked failed,
    /// in seconds, whatever its attempts. Default 259200 (three days).
    pub max_age_secs: u64,
}

impl Default for NotificationsConfig {
    fn default() -> Self {
        NotificationsConfig {
            retry_base_secs: 30,
            retry_max_secs: 3600,
            max_attempts: 12,
            max_age_secs: 3 * 24 * 3600,
        }
    }
}

/// Lifetimes of OAuth 2.0 tokens issued by `POST /oauth2/v0/token`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebServicesConfig {
    /// Lifetime of an access token, in seconds. Default 3600.
    pub access_token_secs: u64,
    /// Lifetime of a refresh token, in seconds. Default 2592000 (30 days).
    pub refresh_token_secs: u64,
    /// Lifetime of a Launch External URL v4 `client_auth_code`, in seconds.
    /// Default 120.
    pub launch_code_secs: u64,
}

impl Default for WebServicesConfig {
    fn default() -> Self {
        WebServicesConfig {
            access_token_secs: 3600,
            refresh_token_secs: 30 * 24 * 3600,
            launch_code_secs: 120,
        }
    }
}

/// Limits of Verify services, which runs the conformance suite against a
/// registration's connector within one page or API request.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VerificationConfig {
    /// Length of the latency run, in seconds, shared by the checked
    /// services. 0 skips it. Must be less than `timeout_secs`. Default 2.
    pub load_duration_secs: u64,
    /// Limit on a whole run, in seconds. A run that takes longer is
    /// abandoned and reported as timed out. Must be less than
    /// `timeouts.request_secs`. Default 25.
    pub timeout_secs: u64,
}

impl Default for VerificationConfig {
    fn default() -> Self {
        VerificationConfig {
            load_duration_secs: 2,
            timeout_secs: 25,
        }
    }
}

impl NotificationsConfig {
    pub fn retry_base(&self) -> Duration {
        Duration::from_secs(self.retry_base_secs)
    }

    pub fn retry_max(&self) -> Duration {
        Duration::from_secs(self.retry_max_secs)
    }

    pub fn max_age(&self) -> Duration {
        Duration::from_secs(self.max_age_secs)
    }
}

/// Most attempts a notification may be given; it bounds the retry history.
pub const MAX_NOTIFICATION_ATTEMPTS: u32 = 1000;

impl VerificationConfig {
    pub fn load_duration(&self) -> Duration {
        Duration::from_secs(self.load_duration_secs)
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_secs)
    }
}

/// A configuration that could not be read, parsed or accepted.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("failed to read configuration file {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid configuration file {path}: {message}")]
    Toml { path: PathBuf, message: String },
    #[error("invalid configuration key `{key}`: {message}")]
    Invalid { key: String, message: String },
}

impl Config {
    /// Loads the defaults, then the file at `path` when given, and validates the result.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        let config = match path {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.to_owned(),
                    source,
                })?;
                Config::from_toml_str(&text).map_err(|message| ConfigError::Toml {
                    path: path.to_owned(),
                    message,
                })?
            }
            None => Config::default(),
        };
        config.validate()?;
        Ok(config)
    }

    /// Parses a TOML document over the defaults, without validation. The
    /// error names the line and the key but never quotes the file.
    pub fn from_toml_str(text: &str) -> Result<Config, String> {
        toml::from_str(text).map_err(|error| match error.span() {
            Some(span) => {
                let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
                format!("line {line}: {}", error.message())
            }
            None => error.message().to_owned(),
        })
    }

    /// Checks every rule a usable configuration must follow; the error names the key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        // Durations become `Instant` offsets; a year is far beyond any useful value.
        const MAX_SECS: u64 = 365 * 24 * 3600;
        let timeouts = &self.timeouts;
        let durations = [
            ("timeouts.tls_handshake_secs", timeouts.tls_handshake_secs),
            ("timeouts.header_read_secs", timeouts.header_read_secs),
            ("timeouts.body_read_secs", timeouts.body_read_secs),
            ("timeouts.request_secs", timeouts.request_secs),
            ("timeouts.idle_secs", timeouts.idle_secs),
            (
                "outbound.connect_timeout_secs",
                self.outbound.connect_timeout_secs,
            ),
            (
                "outbound.total_timeout_secs",
                self.outbound.total_timeout_secs,
            ),
            (
                "notifications.retry_base_secs",
                self.notifications.retry_base_secs,
            ),
            (
                "notifications.retry_max_secs",
                self.notifications.retry_max_secs,
            ),
            (
                "notifications.max_age_secs",
                self.notifications.max_age_secs,
            ),
            ("verification.timeout_secs", self.verification.timeout_secs),
            (
                "web_services.access_token_secs",
                self.web_services.access_token_secs,
            ),
            (
                "web_services.refresh_token_secs",
                self.web_services.refresh_token_secs,
            ),
            (
                "web_services.launch_code_secs",
                self.web_services.launch_code_secs,
            ),
        ];
        let counts = [
            ("limits.body_bytes", self.limits.body_bytes as u64),
            ("limits.max_connections", self.limits.max_connections as u64),
            (
                "limits.max_connections_per_client",
                self.limits.max_connections_per_client as u64,
            ),
            (
                "outbound.max_response_bytes",
                self.outbound.max_response_bytes as u64,
            ),
            (
                "notifications.max_attempts",
                u64::from(self.notifications.max_attempts),
            ),
        ];
        let load_duration_secs = self.verification.load_duration_secs;
        for (key, value) in durations
            .into_iter()
            .chain([("verification.load_duration_secs", load_duration_secs)])
        {
            if value > MAX_SECS {
                return Err(invalid(key, format!("must be at most {MAX_SECS} seconds")));
            }
        }
        for (key, value) in durations.into_iter().chain(counts) {
            if value == 0 {
                return Err(invalid(key, "must be at least 1"));
            }
        }
        let records = self.callouts.maximum_number_records;
        if !(1..=protocol::limits::MAX_RECORDS as u32).contains(&records) {
            return Err(invalid(
                "callouts.maximum_number_records",
                format!("must be from 1 to {}", protocol::limits::MAX_RECORDS),
            ));
        }
        let notifications = &self.notifications;
        if notifications.retry_base_secs > notifications.retry_max_secs {
            return Err(invalid(
                "notifications.retry_base_secs",
                format!(
                    "must be at most notifications.retry_max_secs ({})",
                    notifications.retry_max_secs
                ),
            ));
        }
        if notifications.max_attempts > MAX_NOTIFICATION_ATTEMPTS {
            return Err(invalid(
                "notifications.max_attempts",
                format!("must be from 1 to {MAX_NOTIFICATION_ATTEMPTS}"),
            ));
        }
        if let Some(origin) = &self.public_origin {
            crate::public_origin::parse_origin(origin, self.dangerous_plain_http)
                .map_err(|rule| invalid("public_origin", rule))?;
        }
        timeouts
            .check_body_read_fits()
            .map_err(|(key, rule)| invalid(key, rule))?;
        // Test Connection runs inside an API request, so it must finish first.
        if self.outbound.total_timeout_secs >= timeouts.request_secs {
            return Err(invalid(
                "outbound.total_timeout_secs",
                format!(
                    "must be less than timeouts.request_secs ({})",
                    timeouts.request_secs
                ),
            ));
        }
        // Verify services also runs inside a request.
        let verification = &self.verification;
        if verification.timeout_secs >= timeouts.request_secs {
            return Err(invalid(
                "verification.timeout_secs",
                format!(
                    "must be less than timeouts.request_secs ({})",
                    timeouts.request_secs
                ),
            ));
        }
        if verification.load_duration_secs >= verification.timeout_secs {
            return Err(invalid(
                "verification.load_duration_secs",
                format!(
                    "must be less than verification.timeout_secs ({}), or every run would time out",
                    verification.timeout_secs
                ),
            ));
        }
        Ok(())
    }
}

fn invalid(key: &str, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key: key.to_owned(),
        message: message.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_key(config: &Config) -> Option<String> {
        match config.validate() {
            Err(ConfigError::Invalid { key, .. }) => Some(key),
            _ => None,
        }
    }

    #[test]
    fn config_defaults_are_valid() {
        assert!(Config::default().validate().is_ok());
    }

    #[test]
    fn config_file_overrides_defaults() {
        let config = Config::from_toml_str(
            "secret_key_file = \"/etc/callouts/key\"\n[outbound]\ntotal_timeout_secs = 9\n",
        )
        .unwrap();

        assert_eq!(config.outbound.total_timeout_secs, 9);
        assert_eq!(config.outbound.connect_timeout_secs, 5);
        assert_eq!(
            config.secret_key_file.as_deref(),
            Some(Path::new("/etc/callouts/key"))
        );
    }

    #[test]
    fn config_unknown_key_names_line() {
        let error = Config::from_toml_str("\n\nsecret_key = \"abc\"\n").unwrap_err();

        assert!(error.starts_with("line 3:"), "{error}");
    }

    #[test]
    fn config_unknown_key_does_not_quote_value() {
        let error = Config::from_toml_str("secret_key = \"very-secret-value\"\n").unwrap_err();

        assert!(!error.contains("very-secret-value"), "{error}");
    }

    #[test]
    fn config_body_read_must_fit_request() {
        let mut config = Config::default();
        config.timeouts.body_read_secs = config.timeouts.request_secs + 1;

        assert_eq!(
            error_key(&config).as_deref(),
            Some("timeouts.body_read_secs")
        );
    }

    #[test]
    fn config_outbound_timeout_must_fit_request() {
        let mut config = Config::default();
        config.outbound.total_timeout_secs = config.timeouts.request_secs;

        assert_eq!(
            error_key(&config).as_deref(),
            Some("outbound.total_timeout_secs")
        );
    }

    #[test]
    fn config_maximum_records_above_100_names_key() {
        let mut config = Config::default();
        config.callouts.maximum_number_records = 101;

        assert_eq!(
            error_key(&config).as_deref(),
            Some("callouts.maximum_number_records")
        );
    }

    #[test]
    fn config_notifications_section_overrides_defaults() {
        let config =
            Config::from_toml_str("[notifications]\nmax_attempts = 3\nretry_base_secs = 2\n")
                .unwrap();

        assert_eq!(config.notifications.max_attempts, 3);
        assert_eq!(config.notifications.retry_base_secs, 2);
        assert_eq!(config.notifications.retry_max_secs, 3600);
    }

    #[test]
    fn config_retry_base_above_max_names_key() {
        let mut config = Config::default();
        config.notifications.retry_base_secs = 7200;

        assert_eq!(
            error_key(&config).as_deref(),
            Some("notifications.retry_base_secs")
        );
    }

    #[test]
    fn config_verification_timeout_must_fit_request() {
        let mut config = Config::default();
        config.verification.timeout_secs = config.timeouts.request_secs;

        assert_eq!(
            error_key(&config).as_deref(),
            Some("verification.timeout_secs")
        );
    }

    #[test]
    fn config_zero_launch_code_lifetime_names_key() {
        let mut config = Config::default();
        config.web_services.launch_code_secs = 0;

        assert_eq!(
            error_key(&config).as_deref(),
            Some("web_services.launch_code_secs")
        );
    }

    #[test]
    fn config_web_services_section_sets_launch_code_lifetime() {
        let config = Config::from_toml_str("[web_services]\nlaunch_code_secs = 30\n").unwrap();

        assert_eq!(config.web_services.launch_code_secs, 30);
        assert_eq!(config.web_services.access_token_secs, 3600);
    }

    #[test]
    fn config_zero_attempts_names_key() {
        let mut config = Config::default();
        config.notifications.max_attempts = 0;

        assert_eq!(
            error_key(&config).as_deref(),
            Some("notifications.max_attempts")
        );
    }

    #[test]
    fn config_public_origin_with_path_names_key() {
        let config = Config {
            public_origin: Some("https://host.example.com/api".to_owned()),
            ..Config::default()
        };

        assert_eq!(error_key(&config).as_deref(), Some("public_origin"));
    }

    #[test]
    fn config_verification_load_must_fit_timeout() {
        let mut config = Config::default();
        config.verification.load_duration_secs = config.verification.timeout_secs;

        assert_eq!(
            error_key(&config).as_deref(),
            Some("verification.load_duration_secs")
        );
    }

    #[test]
    fn config_verification_load_may_be_zero() {
        let mut config = Config::default();
        config.verification.load_duration_secs = 0;

        assert!(config.validate().is_ok());
    }

    #[test]
    fn config_zero_body_limit_names_key() {
        let mut config = Config::default();
        config.limits.body_bytes = 0;

        assert_eq!(error_key(&config).as_deref(), Some("limits.body_bytes"));
    }
}
