//! Connector configuration: documented defaults, a TOML file, then `CALLOUTS_CONNECTOR_…` variables.
//!
//! Everything the command line does not set lives here. Loading goes in three
//! layers, each overriding the one before: the defaults below, the TOML file,
//! and the environment variables listed in [`env`]. The result is validated
//! as a whole, and every error names the key it is about.

mod env;
mod launch;
mod load;
mod notifications;
mod secret;
mod validate;
mod validate_launch;
mod validate_notifications;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

pub use env::ENV_PREFIX;
pub use launch::LaunchConfig;
pub use notifications::{
    FailureAction, HostConfig, ListValueRule, NotificationsConfig, RequiredFieldsRule,
    ValidationConfig,
};
pub use secret::Secret;
pub(crate) use validate::{check_argon2_phc, is_argon2_phc};

/// Default path of the Test Connection callout.
pub const DEFAULT_TEST_CONNECTION_PATH: &str = "/system/v1.0/testconnection";
/// Default path of the Fetch Attendee v2.0 callout.
pub const DEFAULT_ATTENDEE_V2_PATH: &str = "/concur/attendee/v2.0/fetch";
/// Default path of the Fetch Attendee v1.0 callout.
pub const DEFAULT_ATTENDEE_V1_PATH: &str = "/concur/attendee/v1.0/fetch";
/// Default path of the Fetch List v1.2 callout.
pub const DEFAULT_LIST_PATH: &str = "/concur/list/v1.2/fetch";
/// Default path of the Event Notification callout.
pub const DEFAULT_NOTIFY_PATH: &str = "/concur/v1.0/notify";
/// Default path of the version 1 Launch External URL page.
pub const DEFAULT_LAUNCH_V1_PATH: &str = "/concur/form/v1.0/get";
/// Default path of the version 4 Launch External URL page.
pub const DEFAULT_LAUNCH_V4_PATH: &str = "/launchexternalurl/v4/form";
/// Default path of the unauthenticated health check.
pub const DEFAULT_HEALTHZ_PATH: &str = "/healthz";

/// The whole connector configuration. `Config::default()` contains the
/// documented defaults, except that it has no credentials, so it does not
/// pass [`Config::validate`] until a user name and password are set.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The Basic credentials the host sends; the registration stores the same pair.
    pub credentials: CredentialsConfig,
    /// Request paths of the callouts.
    pub paths: PathsConfig,
    /// Extra Fetch List paths, each mapped to the name of an imported list.
    /// A request's `list-name` wins when it names an imported list.
    pub list_paths: BTreeMap<String, String>,
    /// When true, Fetch Attendee returns only attendees owned by the
    /// request's `OwnerLoginID` (an empty one matches unowned attendees only).
    /// Default false.
    pub scope_attendees_by_owner: bool,
    /// Time limits for each connection and request.
    pub timeouts: TimeoutsConfig,
    /// Size and count limits.
    pub limits: LimitsConfig,
    /// Throttling of repeated authentication failures per client address.
    pub throttle: ThrottleConfig,
    /// Prometheus metrics on a separate listener; off by default.
    pub metrics: MetricsConfig,
    /// Serve plain HTTP when no TLS configuration is given. Only for running
    /// behind a TLS-terminating proxy, because the host sends the Basic
    /// credentials with every callout. Default false.
    pub dangerous_plain_http: bool,
    /// Retries of notification processing.
    pub notifications: NotificationsConfig,
    /// The host's web services, called while processing notifications.
    pub host: HostConfig,
    /// Rules that notified reports must pass; none turns processing off.
    pub validation: ValidationConfig,
    /// The Launch External URL pages; off unless `launch.list` is set.
    pub launch: LaunchConfig,
}

/// The Basic credentials of the registration.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CredentialsConfig {
    /// User name, 10 to 50 characters. No default.
    /// Environment: `CALLOUTS_CONNECTOR_USERNAME`.
    pub username: String,
    /// Password in clear text (10 to 50 characters), or an argon2 PHC string
    /// such as `$argon2id$v=19$m=19456,t=2,p=1$…`. No default.
    /// Environment: `CALLOUTS_CONNECTOR_PASSWORD`.
    pub password: Secret,
    /// How long a successful argon2 verification is remembered, in seconds,
    /// so that repeated callouts skip the deliberately slow hash. 0 disables
    /// the cache. Default 60.
    pub verified_cache_secs: u64,
}

/// Request paths of the callouts; each must begin with `/` and be unique.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PathsConfig {
    /// `GET`, default `/system/v1.0/testconnection`.
    pub test_connection: String,
    /// `POST`, default `/concur/attendee/v2.0/fetch`.
    pub attendee_v2: String,
    /// `POST`, default `/concur/attendee/v1.0/fetch`.
    pub attendee_v1: String,
    /// `POST`, default `/concur/list/v1.2/fetch`.
    pub list: String,
    /// `POST`, default `/concur/v1.0/notify`.
    pub notify: String,
    /// `GET` without authentication, default `/healthz`.
    pub healthz: String,
    /// `GET` of a signed version 1 launch, default `/concur/form/v1.0/get`.
    pub launch_v1: String,
    /// `GET` of a signed version 4 launch, default `/launchexternalurl/v4/form`.
    pub launch_v4: String,
}

/// Time limits, in seconds; each must be at least 1.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TimeoutsConfig {
    /// TLS handshake of a new connection. Default 10.
    pub tls_handshake_secs: u64,
    /// Reading the request line and headers (HTTP/1.1), also bounding how
    /// long a kept-alive connection waits for its next request. Default 10.
    pub header_read_secs: u64,
    /// Reading the request body; at most `request_secs`. Default 10.
    pub body_read_secs: u64,
    /// The whole request, from headers read to response ready. A request
    /// that takes longer gets `503`. Default 30.
    pub request_secs: u64,
    /// A connection with no bytes read or written for this long is closed.
    /// Default 120.
    pub idle_secs: u64,
}

/// Size and count limits.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsConfig {
    /// Largest accepted request body, in bytes. Default 65536 (64 KiB).
    pub body_bytes: usize,
    /// Most connections served at once; further clients wait in the
    /// listen backlog. Default 1024.
    pub max_connections: usize,
    /// Most connections one client address (an IPv6 client's /64 network)
    /// may hold at once, so that one client cannot take every connection.
    /// Behind a proxy every client shares the proxy's address: raise it to
    /// `max_connections` there. Default 128.
    pub max_connections_per_client: usize,
}

/// Throttling of authentication failures, counted per client address
/// (per /64 network for IPv6) in fixed windows.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ThrottleConfig {
    /// Failures allowed in one window before the address gets `429`. Default 10.
    pub max_failures: u32,
    /// Length of the window, in seconds, starting at the first failure. Default 60.
    pub window_secs: u64,
    /// Most addresses tracked at once; the oldest windows are dropped first
    /// when the table is full. Default 10000.
    pub max_tracked_clients: usize,
}

/// The Prometheus metrics listener.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsConfig {
    /// Address serving `GET /metrics` without TLS or authentication, so bind
    /// it to a private interface. Absent (the default) turns metrics off.
    pub listen: Option<SocketAddr>,
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
    #[error("invalid TOML in configuration file {path}: {message}")]
    Toml { path: PathBuf, message: String },
    #[error("invalid environment variable {variable}: {message}")]
    Env { variable: String, message: String },
    #[error("invalid configuration: {message}")]
    Shape { message: String },
    #[error("invalid configuration key `{key}`: {message}")]
    Invalid { key: String, message: String },
}

impl Default for PathsConfig {
    fn default() -> Self {
        PathsConfig {
            test_connection: DEFAULT_TEST_CONNECTION_PATH.to_owned(),
            attendee_v2: DEFAULT_ATTENDEE_V2_PATH.to_owned(),
            attendee_v1: DEFAULT_ATTENDEE_V1_PATH.to_owned(),
            list: DEFAULT_LIST_PATH.to_owned(),
            notify: DEFAULT_NOTIFY_PATH.to_owned(),
            healthz: DEFAULT_HEALTHZ_PATH.to_owned(),
            launch_v1: DEFAULT_LAUNCH_V1_PATH.to_owned(),
            launch_v4: DEFAULT_LAUNCH_V4_PATH.to_owned(),
        }
    }
}

impl Default for TimeoutsConfig {
    fn default() -> Self {
        TimeoutsConfig {
            tls_handshake_secs: 10,
            header_read_secs: 10,
            body_read_secs: 10,
            request_secs: 30,
            idle_secs: 120,
        }
    }
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            body_bytes: 64 * 1024,
            max_connections: 1024,
            max_connections_per_client: 128,
        }
    }
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        ThrottleConfig {
            max_failures: 10,
            window_secs: 60,
            max_tracked_clients: 10_000,
        }
    }
}

impl Default for CredentialsConfig {
    fn default() -> Self {
        CredentialsConfig {
            username: String::new(),
            password: Secret::default(),
            verified_cache_secs: 60,
        }
    }
}

impl TimeoutsConfig {
    pub fn tls_handshake(&self) -> Duration {
        Duration::from_secs(self.tls_handshake_secs)
    }
    pub fn header_read(&self) -> Duration {
        Duration::from_secs(self.header_read_secs)
    }
    pub fn body_read(&self) -> Duration {
        Duration::from_secs(self.body_read_secs)
    }
    pub fn request(&self) -> Duration {
        Duration::from_secs(self.request_secs)
    }
    pub fn idle(&self) -> Duration {
        Duration::from_secs(self.idle_secs)
    }

    /// Checks that the body limit ends within the request limit, so that a
    /// stalled body gets the body limit's 408 and not the request limit's
    /// 503. Returns the key and the rule it breaks.
    pub fn check_body_read_fits(&self) -> Result<(), (&'static str, String)> {
        if self.body_read_secs > self.request_secs {
            let limit = self.request_secs;
            let rule = format!("must be at most timeouts.request_secs ({limit})");
            return Err(("timeouts.body_read_secs", rule));
        }
        Ok(())
    }
}

impl Config {
    /// Loads the defaults, then the file at `path` when given, then the
    /// process environment, and validates the result.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        Config::load_with_env(path, |name| std::env::var(name).ok())
    }

    /// Same as [`Config::load`] with the environment read through `lookup`,
    /// so that tests need not change the process environment.
    pub fn load_with_env(
        path: Option<&Path>,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let mut table = match path {
            Some(path) => load::read_table(path)?,
            None => toml::Table::new(),
        };
        env::apply_overrides(&mut table, lookup)?;

        let config = load::config_from_table(table)?;
        config.validate()?;
        Ok(config)
    }

    /// Parses a TOML document over the defaults, without environment or validation.
    pub fn from_toml_str(text: &str) -> Result<Config, ConfigError> {
        let table = load::parse_table(text, Path::new("<string>"))?;
        load::config_from_table(table)
    }

    /// Checks every rule a usable configuration must follow; the error names the key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        validate::validate(self)
    }
}
