//! Rules a loaded configuration must follow before the connector starts.

use std::collections::HashSet;

use argon2::PasswordHash;

use super::{Config, ConfigError};
use crate::launch::LAUNCH_PAGES_PREFIX;

/// Registrations accept user names and passwords of 10 to 50 characters.
const CREDENTIAL_LENGTHS: std::ops::RangeInclusive<usize> = 10..=50;

pub(super) fn validate(config: &Config) -> Result<(), ConfigError> {
    validate_username(&config.credentials.username)?;
    validate_password(config.credentials.password.expose())?;
    validate_paths(config)?;
    validate_limits(config)?;
    super::validate_notifications::validate(config)?;
    super::validate_launch::validate(config)
}

pub(super) fn invalid(key: impl Into<String>, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key: key.into(),
        message: message.into(),
    }
}

fn validate_username(username: &str) -> Result<(), ConfigError> {
    let key = "credentials.username";
    let length = username.chars().count();
    if length == 0 {
        return Err(invalid(
            key,
            "missing; set it in the file or in CALLOUTS_CONNECTOR_USERNAME",
        ));
    }
    if !CREDENTIAL_LENGTHS.contains(&length) {
        return Err(invalid(
            key,
            format!("must be 10 to 50 characters, found {length}"),
        ));
    }
    if username.contains(':') {
        // Basic authentication splits user name and password at the first colon.
        return Err(invalid(key, "must not contain `:`"));
    }
    if username.chars().any(char::is_control) {
        return Err(invalid(key, "must not contain control characters"));
    }
    Ok(())
}

/// Checks whether the configured password is an argon2 PHC string rather
/// than clear text.
pub(crate) fn is_argon2_phc(password: &str) -> bool {
    password.starts_with("$argon2")
}

/// Checks that an argon2 PHC string names a known variant, valid
/// parameters, a salt and a hash. Messages name the faulty part, never the
/// string itself.
pub(crate) fn check_argon2_phc(phc: &str) -> Result<(), String> {
    let hash =
        PasswordHash::new(phc).map_err(|error| format!("invalid argon2 PHC string: {error}"))?;
    argon2::Algorithm::try_from(hash.algorithm)
        .map_err(|error| format!("invalid argon2 PHC string: {error}"))?;
    argon2::Params::try_from(&hash)
        .map_err(|error| format!("invalid argon2 PHC parameters: {error}"))?;
    if hash.salt.is_none() || hash.hash.is_none() {
        return Err("invalid argon2 PHC string: salt or hash missing".to_owned());
    }
    Ok(())
}

fn validate_password(password: &str) -> Result<(), ConfigError> {
    let key = "credentials.password";
    if password.is_empty() {
        return Err(invalid(
            key,
            "missing; set it in the file or in CALLOUTS_CONNECTOR_PASSWORD",
        ));
    }
    if is_argon2_phc(password) {
        return check_argon2_phc(password).map_err(|message| invalid(key, message));
    }

    let length = password.chars().count();
    if !CREDENTIAL_LENGTHS.contains(&length) {
        return Err(invalid(
            key,
            format!("must be 10 to 50 characters, found {length}"),
        ));
    }
    Ok(())
}

fn validate_paths(config: &Config) -> Result<(), ConfigError> {
    let paths = &config.paths;
    let named = [
        ("paths.test_connection", &paths.test_connection),
        ("paths.attendee_v2", &paths.attendee_v2),
        ("paths.attendee_v1", &paths.attendee_v1),
        ("paths.list", &paths.list),
        ("paths.healthz", &paths.healthz),
        ("paths.notify", &paths.notify),
        ("paths.launch_v1", &paths.launch_v1),
        ("paths.launch_v4", &paths.launch_v4),
    ];
    let mapped = config
        .list_paths
        .keys()
        .map(|path| (format!("list_paths.\"{path}\""), path));

    let mut seen = HashSet::new();
    let all = named
        .into_iter()
        .map(|(key, path)| (key.to_owned(), path))
        .chain(mapped);
    for (key, path) in all {
        validate_path(&key, path)?;
        if !seen.insert(path.as_str()) {
            return Err(invalid(
                key,
                format!("path `{path}` is used by another key"),
            ));
        }
    }

    for (path, list_name) in &config.list_paths {
        if list_name.trim().is_empty() {
            return Err(invalid(
                format!("list_paths.\"{path}\""),
                "list name must not be empty",
            ));
        }
    }
    Ok(())
}

/// Accepts literal paths only: the router treats `{`, `}` and `*` as
/// captures, and other characters would need percent-encoding on the wire.
fn validate_path(key: &str, path: &str) -> Result<(), ConfigError> {
    if !path.starts_with('/') {
        return Err(invalid(key, format!("path `{path}` must begin with `/`")));
    }
    let allowed =
        |character: char| character.is_ascii_alphanumeric() || "/-._~".contains(character);
    if let Some(character) = path.chars().find(|character| !allowed(*character)) {
        return Err(invalid(
            key,
            format!("path `{path}` contains `{character}`; use letters, digits and / - . _ ~"),
        ));
    }
    if path.starts_with(LAUNCH_PAGES_PREFIX) {
        return Err(invalid(
            key,
            format!("path `{path}` must not begin with {LAUNCH_PAGES_PREFIX}, where the launch pages are"),
        ));
    }
    if path.contains("//") {
        return Err(invalid(
            key,
            format!("path `{path}` must not contain an empty segment"),
        ));
    }
    Ok(())
}

/// Longest accepted duration: durations become `Instant` offsets, and a
/// year is far beyond any useful value.
pub(super) const MAX_SECS: u64 = 365 * 24 * 3600;

fn validate_limits(config: &Config) -> Result<(), ConfigError> {
    let timeouts = &config.timeouts;
    let durations = [
        ("timeouts.tls_handshake_secs", timeouts.tls_handshake_secs),
        ("timeouts.header_read_secs", timeouts.header_read_secs),
        ("timeouts.body_read_secs", timeouts.body_read_secs),
        ("timeouts.request_secs", timeouts.request_secs),
        ("timeouts.idle_secs", timeouts.idle_secs),
        ("throttle.window_secs", config.throttle.window_secs),
        (
            "credentials.verified_cache_secs",
            config.credentials.verified_cache_secs,
        ),
    ];
    for (key, value) in durations {
        if value > MAX_SECS {
            return Err(invalid(key, format!("must be at most {MAX_SECS} seconds")));
        }
    }

    // Every limit but the cache lifetime, where 0 turns the cache off, must be positive.
    let counts = [
        ("limits.body_bytes", config.limits.body_bytes as u64),
        (
            "limits.max_connections",
            config.limits.max_connections as u64,
        ),
        (
            "limits.max_connections_per_client",
            config.limits.max_connections_per_client as u64,
        ),
        (
            "throttle.max_failures",
            u64::from(config.throttle.max_failures),
        ),
        (
            "throttle.max_tracked_clients",
            config.throttle.max_tracked_clients as u64,
        ),
    ];
    let positive = durations
        .into_iter()
        .filter(|(key, _)| *key != "credentials.verified_cache_secs")
        .chain(counts);
    for (key, value) in positive {
        if value == 0 {
            return Err(invalid(key, "must be at least 1"));
        }
    }
    timeouts
        .check_body_read_fits()
        .map_err(|(key, rule)| invalid(key, rule))
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::config::Secret;

    pub(in crate::config) fn valid_config() -> Config {
        let mut config = Config::default();
        config.credentials.username = "connector-user".to_owned();
        config.credentials.password = Secret::new("connector-password");
        config
    }

    pub(in crate::config) fn error_key(config: &Config) -> Option<String> {
        match validate(config) {
            Err(ConfigError::Invalid { key, .. }) => Some(key),
            _ => None,
        }
    }

    #[test]
    fn validate_accepts_defaults_with_credentials() {
        assert!(validate(&valid_config()).is_ok());
    }

    #[test]
    fn validate_short_username_names_key() {
        let mut config = valid_config();
        config.credentials.username = "short".to_owned();

        assert_eq!(error_key(&config).as_deref(), Some("credentials.username"));
    }

    #[test]
    fn validate_long_password_names_key() {
        let mut config = valid_config();
        config.credentials.password = Secret::new("x".repeat(51));

        assert_eq!(error_key(&config).as_deref(), Some("credentials.password"));
    }

    #[test]
    fn validate_password_counts_characters_not_bytes() {
        let mut config = valid_config();
        config.credentials.password = Secret::new("é".repeat(50));

        assert!(validate(&config).is_ok());
    }

    #[test]
    fn validate_bad_argon2_string_names_key() {
        let mut config = valid_config();
        config.credentials.password = Secret::new("$argon2id$v=19$garbage");

        assert_eq!(error_key(&config).as_deref(), Some("credentials.password"));
    }

    #[test]
    fn validate_path_without_slash_names_key() {
        let mut config = valid_config();
        config.paths.list = "concur/list".to_owned();

        assert_eq!(error_key(&config).as_deref(), Some("paths.list"));
    }

    #[test]
    fn validate_path_with_capture_is_rejected() {
        let mut config = valid_config();
        config.paths.list = "/concur/{list}".to_owned();

        assert_eq!(error_key(&config).as_deref(), Some("paths.list"));
    }

    #[test]
    fn validate_duplicate_list_path_names_key() {
        let mut config = valid_config();
        config
            .list_paths
            .insert(config.paths.attendee_v1.clone(), "Cities".to_owned());

        let expected = format!("list_paths.\"{}\"", config.paths.attendee_v1);
        assert_eq!(error_key(&config), Some(expected));
    }

    #[test]
    fn validate_body_read_over_request_names_key() {
        let mut config = valid_config();
        config.timeouts.request_secs = 5;
        config.timeouts.body_read_secs = 6;

        assert_eq!(
            error_key(&config).as_deref(),
            Some("timeouts.body_read_secs")
        );
    }

    #[test]
    fn validate_body_read_equal_to_request_is_accepted() {
        let mut config = valid_config();
        config.timeouts.request_secs = 5;
        config.timeouts.body_read_secs = 5;

        assert_eq!(error_key(&config), None);
    }

    #[test]
    fn validate_zero_timeout_names_key() {
        let mut config = valid_config();
        config.timeouts.body_read_secs = 0;

        assert_eq!(
            error_key(&config).as_deref(),
            Some("timeouts.body_read_secs")
        );
    }
}
