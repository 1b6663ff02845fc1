//! Environment overrides: `CALLOUTS_CONNECTOR_<SECTION>_<KEY>` sets `section.key`.
//!
//! The credentials are the exception: `CALLOUTS_CONNECTOR_USERNAME` and
//! `CALLOUTS_CONNECTOR_PASSWORD` set `credentials.username` and
//! `credentials.password`. `list_paths`, `host.trusted_ca_files` and the
//! validation rules other than `validation.on_failure` can only be set in
//! the file.

use super::ConfigError;

/// Prefix of every environment variable the connector reads.
pub const ENV_PREFIX: &str = "CALLOUTS_CONNECTOR_";

/// Conversion of a variable's text into a TOML value.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    Bool,
    Integer,
    /// Text, where an empty value removes the key (turning the feature off).
    OptionalText,
}

/// Variable suffix (after the prefix), key path and kind of each override.
const OVERRIDES: &[(&str, &[&str], Kind)] = &[
    ("USERNAME", &["credentials", "username"], Kind::Text),
    ("PASSWORD", &["credentials", "password"], Kind::Text),
    (
        "CREDENTIALS_VERIFIED_CACHE_SECS",
        &["credentials", "verified_cache_secs"],
        Kind::Integer,
    ),
    (
        "PATHS_TEST_CONNECTION",
        &["paths", "test_connection"],
        Kind::Text,
    ),
    ("PATHS_ATTENDEE_V2", &["paths", "attendee_v2"], Kind::Text),
    ("PATHS_ATTENDEE_V1", &["paths", "attendee_v1"], Kind::Text),
    ("PATHS_LIST", &["paths", "list"], Kind::Text),
    ("PATHS_HEALTHZ", &["paths", "healthz"], Kind::Text),
    ("PATHS_NOTIFY", &["paths", "notify"], Kind::Text),
    ("PATHS_LAUNCH_V1", &["paths", "launch_v1"], Kind::Text),
    ("PATHS_LAUNCH_V4", &["paths", "launch_v4"], Kind::Text),
    (
        "SCOPE_ATTENDEES_BY_OWNER",
        &["scope_attendees_by_owner"],
        Kind::Bool,
    ),
    (
        "TIMEOUTS_TLS_HANDSHAKE_SECS",
        &["timeouts", "tls_handshake_secs"],
        Kind::Integer,
    ),
    (
        "TIMEOUTS_HEADER_READ_SECS",
        &["timeouts", "header_read_secs"],
        Kind::Integer,
    ),
    (
        "TIMEOUTS_BODY_READ_SECS",
        &["timeouts", "body_read_secs"],
        Kind::Integer,
    ),
    (
        "TIMEOUTS_REQUEST_SECS",
        &["timeouts", "request_secs"],
        Kind::Integer,
    ),
    (
        "TIMEOUTS_IDLE_SECS",
        &["timeouts", "idle_secs"],
        Kind::Integer,
    ),
    (
        "LIMITS_BODY_BYTES",
        &["limits", "body_bytes"],
        Kind::Integer,
    ),
    (
        "LIMITS_MAX_CONNECTIONS",
        &["limits", "max_connections"],
        Kind::Integer,
    ),
    (
        "LIMITS_MAX_CONNECTIONS_PER_CLIENT",
        &["limits", "max_connections_per_client"],
        Kind::Integer,
    ),
    (
        "THROTTLE_MAX_FAILURES",
        &["throttle", "max_failures"],
        Kind::Integer,
    ),
    (
        "THROTTLE_WINDOW_SECS",
        &["throttle", "window_secs"],
        Kind::Integer,
    ),
    (
        "THROTTLE_MAX_TRACKED_CLIENTS",
        &["throttle", "max_tracked_clients"],
        Kind::Integer,
    ),
    ("METRICS_LISTEN", &["metrics", "listen"], Kind::OptionalText),
    (
        "DANGEROUS_PLAIN_HTTP",
        &["dangerous_plain_http"],
        Kind::Bool,
    ),
    (
        "NOTIFICATIONS_MAX_ATTEMPTS",
        &["notifications", "max_attempts"],
        Kind::Integer,
    ),
    (
        "NOTIFICATIONS_RETRY_INITIAL_DELAY_MS",
        &["notifications", "retry_initial_delay_ms"],
        Kind::Integer,
    ),
    (
        "NOTIFICATIONS_RETRY_MAX_DELAY_MS",
        &["notifications", "retry_max_delay_ms"],
        Kind::Integer,
    ),
    (
        "NOTIFICATIONS_CLAIM_LEASE_SECS",
        &["notifications", "claim_lease_secs"],
        Kind::Integer,
    ),
    ("HOST_ORIGIN", &["host", "origin"], Kind::Text),
    ("HOST_CLIENT_ID", &["host", "client_id"], Kind::Text),
    ("HOST_CLIENT_SECRET", &["host", "client_secret"], Kind::Text),
    (
        "HOST_CONNECT_TIMEOUT_SECS",
        &["host", "connect_timeout_secs"],
        Kind::Integer,
    ),
    (
        "HOST_REQUEST_TIMEOUT_SECS",
        &["host", "request_timeout_secs"],
        Kind::Integer,
    ),
    (
        "HOST_MAX_RESPONSE_BYTES",
        &["host", "max_response_bytes"],
        Kind::Integer,
    ),
    ("LAUNCH_LIST", &["launch", "list"], Kind::Text),
    ("LAUNCH_V1_FIELD", &["launch", "v1_field"], Kind::Text),
    (
        "LAUNCH_OAUTH_CLIENT_ID",
        &["launch", "oauth_client_id"],
        Kind::Text,
    ),
    (
        "LAUNCH_REDIRECT_URL",
        &["launch", "redirect_url"],
        Kind::Text,
    ),
    (
        "LAUNCH_OAUTH_CLIENT_SECRET",
        &["launch", "oauth_client_secret"],
        Kind::Text,
    ),
    (
        "LAUNCH_REPLAY_WINDOW_SECS",
        &["launch", "replay_window_secs"],
        Kind::Integer,
    ),
    (
        "LAUNCH_SESSION_SECS",
        &["launch", "session_secs"],
        Kind::Integer,
    ),
    (
        "VALIDATION_ON_FAILURE",
        &["validation", "on_failure"],
        Kind::Text,
    ),
];

/// Writes every set variable into `table`, replacing the value from the file.
pub(super) fn apply_overrides(
    table: &mut toml::Table,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<(), ConfigError> {
    for (suffix, key_path, kind) in OVERRIDES {
        let variable = format!("{ENV_PREFIX}{suffix}");
        let Some(text) = lookup(&variable) else {
            continue;
        };

        let value = parse_value(&text, *kind).map_err(|message| ConfigError::Env {
            variable: variable.clone(),
            message,
        })?;
        set_key(table, key_path, value)
            .map_err(|message| ConfigError::Env { variable, message })?;
    }
    Ok(())
}

/// Converts the text of a variable; `Ok(None)` removes the key. The error
/// never repeats the text, because the variable may be a password or secret.
fn parse_value(text: &str, kind: Kind) -> Result<Option<toml::Value>, String> {
    match kind {
        Kind::Text => Ok(Some(toml::Value::String(text.to_owned()))),
        Kind::OptionalText if text.is_empty() => Ok(None),
        Kind::OptionalText => Ok(Some(toml::Value::String(text.to_owned()))),
        Kind::Bool => match text.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(Some(toml::Value::Boolean(true))),
            "false" | "0" | "no" | "off" | "" => Ok(Some(toml::Value::Boolean(false))),
            _ => Err("expected true or false".to_owned()),
        },
        Kind::Integer => text
            .trim()
            .parse::<u32>()
            .map(|number| Some(toml::Value::Integer(i64::from(number))))
            .map_err(|_| "expected a whole number from 0 to 4294967295".to_owned()),
    }
}

fn set_key(
    table: &mut toml::Table,
    key_path: &[&str],
    value: Option<toml::Value>,
) -> Result<(), String> {
    let Some((last, sections)) = key_path.split_last() else {
        return Ok(());
    };

    let mut current = table;
    for section in sections {
        let entry = current
            .entry(section.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        current = match entry {
            toml::Value::Table(inner) => inner,
            _ => {
                return Err(format!(
                    "`{section}` in the configuration file is not a table"
                ));
            }
        };
    }

    match value {
        Some(value) => {
            current.insert(last.to_string(), value);
        }
        None => {
            current.remove(*last);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(variables: &[(&str, &str)]) -> Result<toml::Table, ConfigError> {
        let mut table = toml::Table::new();
        apply_overrides(&mut table, |name| {
            variables
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.to_string())
        })?;
        Ok(table)
    }

    #[test]
    fn env_password_sets_credentials_password() {
        let table = apply(&[("CALLOUTS_CONNECTOR_PASSWORD", "from-the-environment")]).unwrap();

        let password = table["credentials"]["password"].as_str();
        assert_eq!(password, Some("from-the-environment"));
    }

    #[test]
    fn env_host_client_secret_sets_key() {
        let table = apply(&[(
            "CALLOUTS_CONNECTOR_HOST_CLIENT_SECRET",
            "from-the-environment",
        )])
        .unwrap();

        let secret = table["host"]["client_secret"].as_str();
        assert_eq!(secret, Some("from-the-environment"));
    }

    #[test]
    fn env_launch_keys_set_launch_section() {
        let table = apply(&[
            ("CALLOUTS_CONNECTOR_LAUNCH_LIST", "Projects"),
            ("CALLOUTS_CONNECTOR_LAUNCH_SESSION_SECS", "600"),
            ("CALLOUTS_CONNECTOR_PATHS_LAUNCH_V4", "/launch-v4"),
        ])
        .unwrap();

        assert_eq!(table["launch"]["list"].as_str(), Some("Projects"));
        assert_eq!(table["launch"]["session_secs"].as_integer(), Some(600));
        assert_eq!(table["paths"]["launch_v4"].as_str(), Some("/launch-v4"));
    }

    #[test]
    fn env_bool_rejects_other_words() {
        let error = apply(&[("CALLOUTS_CONNECTOR_SCOPE_ATTENDEES_BY_OWNER", "maybe")]).unwrap_err();

        assert!(
            error
                .to_string()
                .contains("CALLOUTS_CONNECTOR_SCOPE_ATTENDEES_BY_OWNER")
        );
    }

    #[test]
    fn env_empty_metrics_listen_removes_key() {
        let mut table: toml::Table =
            toml::from_str("[metrics]\nlisten = \"127.0.0.1:9000\"").unwrap();
        apply_overrides(&mut table, |name| {
            (name == "CALLOUTS_CONNECTOR_METRICS_LISTEN").then(String::new)
        })
        .unwrap();

        assert!(table["metrics"].get("listen").is_none());
    }
}
