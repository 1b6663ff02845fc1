//! Settings of a run: the connector's origin, credentials, services and paths, and the load run.

use std::fmt;
use std::time::Duration;

use protocol::AttendeeVersion;

/// Default Test Connection path.
pub const DEFAULT_TEST_CONNECTION_PATH: &str = "/system/v1.0/testconnection";
/// Default Fetch Attendee path (version 2.0).
pub const DEFAULT_ATTENDEE_PATH: &str = "/concur/attendee/v2.0/fetch";
/// Default Fetch List path (version 1.2).
pub const DEFAULT_LIST_PATH: &str = "/concur/list/v1.2/fetch";
/// Default length of the whole load run.
pub const DEFAULT_LOAD_DURATION: Duration = Duration::from_secs(5);
/// Default number of requests kept in flight during the load run.
pub const DEFAULT_CONCURRENCY: usize = 4;
/// Largest concurrency accepted, so a mistyped number cannot flood a connector.
pub const MAX_CONCURRENCY: usize = 32;
/// Maximum length of the load run.
pub const MAX_LOAD_DURATION: Duration = Duration::from_secs(300);

/// A callout service the suite can check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    TestConnection,
    FetchAttendee,
    FetchList,
}

impl Service {
    /// Every service, in the order the suite checks them.
    pub const ALL: [Service; 3] = [
        Service::TestConnection,
        Service::FetchAttendee,
        Service::FetchList,
    ];

    /// Name used on the command line, as in `--service fetch-list`.
    pub fn name(self) -> &'static str {
        match self {
            Service::TestConnection => "test-connection",
            Service::FetchAttendee => "fetch-attendee",
            Service::FetchList => "fetch-list",
        }
    }
}

/// A password that never appears in `Debug` output.
#[derive(Clone, Default)]
pub struct Password(String);

impl Password {
    pub fn new(value: impl Into<String>) -> Self {
        Password(value.into())
    }

    /// Returns the password itself, for the `Authorization` header only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("Password(<redacted>)")
    }
}

/// Everything a run needs.
#[derive(Debug, Clone)]
pub struct CheckConfig {
    /// The connector's origin, `https://host[:port]`, as a host registration stores it.
    pub origin: String,
    pub username: String,
    pub password: Password,
    /// Services to check. The connection and TLS checks run whatever this contains.
    pub services: Vec<Service>,
    pub test_connection_path: String,
    pub attendee_path: String,
    /// Fetch Attendee version; `None` reads it from the path, as the host does.
    pub attendee_version: Option<AttendeeVersion>,
    pub list_path: String,
    /// `list-name` sent in Fetch List requests; empty sends an empty element.
    pub list_name: String,
    /// OwnerLoginID sent in Fetch Attendee requests; empty sends the
    /// documented example's `owner@example.com`. A connector that scopes
    /// attendees by owner returns data only for owners it stores.
    pub owner_login_id: String,
    /// PEM bundles trusted besides Mozilla's root list.
    pub trusted_ca_pems: Vec<Vec<u8>>,
    /// Allow loopback and private addresses, which a host rejects.
    pub allow_private_addresses: bool,
    /// Length of the whole load run, shared equally by the callouts it measures; zero skips it.
    pub load_duration: Duration,
    /// Requests kept in flight during the load run.
    pub concurrency: usize,
    /// Limit on one request, connection included.
    pub request_timeout: Duration,
}

impl CheckConfig {
    /// Creates a configuration that checks every service on its default path.
    pub fn new(origin: impl Into<String>, username: impl Into<String>, password: Password) -> Self {
        CheckConfig {
            origin: origin.into(),
            username: username.into(),
            password,
            services: Service::ALL.to_vec(),
            test_connection_path: DEFAULT_TEST_CONNECTION_PATH.to_owned(),
            attendee_path: DEFAULT_ATTENDEE_PATH.to_owned(),
            attendee_version: None,
            list_path: DEFAULT_LIST_PATH.to_owned(),
            list_name: String::new(),
            owner_login_id: String::new(),
            trusted_ca_pems: Vec::new(),
            allow_private_addresses: false,
            load_duration: DEFAULT_LOAD_DURATION,
            concurrency: DEFAULT_CONCURRENCY,
            request_timeout: Duration::from_secs(15),
        }
    }

    /// Returns whether `service` is checked.
    pub fn checks(&self, service: Service) -> bool {
        self.services.contains(&service)
    }

    /// Returns the Fetch Attendee version: the configured one, else `v1.0`
    /// when the path contains `v1.0`, else `v2.0`.
    pub fn attendee_version(&self) -> AttendeeVersion {
        self.attendee_version.unwrap_or_else(|| {
            if self.attendee_path.contains("v1.0") {
                AttendeeVersion::V1_0
            } else {
                AttendeeVersion::V2_0
            }
        })
    }

    /// Checks the settings that do not need the network.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.username.is_empty() {
            return Err(ConfigError::Invalid("the user name is empty".to_owned()));
        }
        if self.username.contains(':') {
            return Err(ConfigError::Invalid(
                "the user name contains `:`, which Basic authentication cannot carry".to_owned(),
            ));
        }
        if self.password.expose().is_empty() {
            return Err(ConfigError::Invalid("the password is empty".to_owned()));
        }
        if self.services.is_empty() {
            return Err(ConfigError::Invalid("no service to check".to_owned()));
        }
        for (name, path) in [
            ("Test Connection path", &self.test_connection_path),
            ("Fetch Attendee path", &self.attendee_path),
            ("Fetch List path", &self.list_path),
        ] {
            if !path.starts_with('/') {
                return Err(ConfigError::Invalid(format!(
                    "the {name} `{path}` does not start with `/`"
                )));
            }
        }
        if self.concurrency == 0 || self.concurrency > MAX_CONCURRENCY {
            return Err(ConfigError::Invalid(format!(
                "the concurrency {} is outside 1 to {MAX_CONCURRENCY}",
                self.concurrency
            )));
        }
        if self.load_duration > MAX_LOAD_DURATION {
            return Err(ConfigError::Invalid(format!(
                "the load run of {} s is longer than the maximum of {} s",
                self.load_duration.as_secs(),
                MAX_LOAD_DURATION.as_secs()
            )));
        }
        if self.request_timeout.is_zero() {
            return Err(ConfigError::Invalid(
                "the request timeout is zero".to_owned(),
            ));
        }
        Ok(())
    }
}

/// A configuration the suite cannot run with.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid check configuration: {0}")]
    Invalid(String),
    #[error("invalid connector URL: {0}")]
    Origin(String),
    #[error("cannot set up the HTTPS client: {0}")]
    Client(String),
}
