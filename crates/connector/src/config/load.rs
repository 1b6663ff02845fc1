//! Reading the TOML file and turning the merged table into a [`Config`].
//!
//! Error messages carry line numbers and key names but never a line of the
//! file, because the line may hold the password.

use std::path::Path;

use super::{Config, ConfigError};

/// The keys whose values must never appear in an error message.
const SECRET_KEYS: [&str; 3] = [
    "credentials.password",
    "host.client_secret",
    "launch.oauth_client_secret",
];

pub(super) fn read_table(path: &Path) -> Result<toml::Table, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse_table(&text, path)
}

pub(super) fn parse_table(text: &str, origin: &Path) -> Result<toml::Table, ConfigError> {
    toml::from_str(text).map_err(|error| {
        let message = match error.span() {
            Some(span) => format!(
                "line {}: {}",
                line_number(text, span.start),
                error.message()
            ),
            None => error.message().to_owned(),
        };
        ConfigError::Toml {
            path: origin.to_owned(),
            message,
        }
    })
}

/// Deserializes the merged table. The table is written back to TOML text
/// first, so that a type error carries a position that names its key.
pub(super) fn config_from_table(table: toml::Table) -> Result<Config, ConfigError> {
    let text = toml::to_string(&table).map_err(|error| ConfigError::Shape {
        message: error.to_string(),
    })?;
    toml::from_str(&text).map_err(|error| {
        let key = error.span().and_then(|span| key_at(&text, span.start));
        match key {
            Some(key) if SECRET_KEYS.contains(&key.as_str()) => ConfigError::Invalid {
                key,
                message: "must be a string".to_owned(),
            },
            Some(key) => ConfigError::Invalid {
                key,
                message: error.message().to_owned(),
            },
            None => ConfigError::Shape {
                message: error.message().to_owned(),
            },
        }
    })
}

fn line_number(text: &str, offset: usize) -> usize {
    let before = &text.as_bytes()[..offset.min(text.len())];
    before.iter().filter(|byte| **byte == b'\n').count() + 1
}

/// Dotted name of the key on the line holding `offset`, in TOML text as
/// `toml::to_string` writes it: `[section]` headers and `key = value` lines.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let mut section = String::new();
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        let line_end = line_start + line.len();
        if let Some(header) = trimmed
            .strip_prefix('[')
            .and_then(|rest| rest.strip_suffix(']'))
        {
            section = header.trim().to_owned();
            if (line_start..line_end).contains(&offset) {
                return Some(section);
            }
        } else if (line_start..line_end).contains(&offset) {
            let key = trimmed.split_once('=')?.0.trim();
            return Some(match section.as_str() {
                "" => key.to_owned(),
                _ => format!("{section}.{key}"),
            });
        }
        line_start = line_end;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{DEFAULT_ATTENDEE_V2_PATH, PathsConfig, Secret};
    use std::io::Write;
    const FILE: &str = r#"
scope_attendees_by_owner = true

[credentials]
username = "file-username"
password = "file-password-123"

[paths]
list = "/lists/fetch"

[list_paths]
"/lists/cities" = "Cities"

[timeouts]
body_read_secs = 3
"#;

    fn write_file(text: &str) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(text.as_bytes()).unwrap();
        file
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn load_reads_file_over_defaults() {
        let file = write_file(FILE);

        let config = Config::load_with_env(Some(file.path()), no_env).unwrap();

        assert_eq!(config.paths.list, "/lists/fetch");
        assert_eq!(config.paths.attendee_v2, DEFAULT_ATTENDEE_V2_PATH);
        assert_eq!(config.timeouts.body_read_secs, 3);
        assert_eq!(config.timeouts.header_read_secs, 10);
        assert_eq!(
            config.list_paths.get("/lists/cities").map(String::as_str),
            Some("Cities")
        );
        assert!(config.scope_attendees_by_owner);
    }

    #[test]
    fn load_env_overrides_file() {
        let file = write_file(FILE);
        let env = |name: &str| match name {
            "CALLOUTS_CONNECTOR_USERNAME" => Some("env-username".to_owned()),
            "CALLOUTS_CONNECTOR_PASSWORD" => Some("env-password-123".to_owned()),
            "CALLOUTS_CONNECTOR_TIMEOUTS_BODY_READ_SECS" => Some("7".to_owned()),
            _ => None,
        };

        let config = Config::load_with_env(Some(file.path()), env).unwrap();

        assert_eq!(config.credentials.username, "env-username");
        assert_eq!(config.credentials.password.expose(), "env-password-123");
        assert_eq!(config.timeouts.body_read_secs, 7);
    }

    #[test]
    fn load_without_file_uses_env_credentials() {
        let env = |name: &str| match name {
            "CALLOUTS_CONNECTOR_USERNAME" => Some("env-username".to_owned()),
            "CALLOUTS_CONNECTOR_PASSWORD" => Some("env-password-123".to_owned()),
            _ => None,
        };

        let config = Config::load_with_env(None, env).unwrap();

        assert_eq!(config.paths, PathsConfig::default());
    }

    #[test]
    fn load_without_credentials_names_key() {
        let error = Config::load_with_env(None, no_env).unwrap_err();

        assert!(
            error.to_string().contains("credentials.username"),
            "{error}"
        );
    }

    #[test]
    fn load_unknown_key_is_rejected() {
        let file = write_file("[timeouts]\nbody_read_sec = 3\n");

        let error = Config::load_with_env(Some(file.path()), no_env).unwrap_err();

        assert!(error.to_string().contains("body_read_sec"), "{error}");
    }

    #[test]
    fn load_wrong_type_names_key() {
        let file = write_file("[timeouts]\nbody_read_secs = \"three\"\n");

        let error = Config::load_with_env(Some(file.path()), no_env).unwrap_err();

        assert!(
            error.to_string().contains("`timeouts.body_read_secs`"),
            "{error}"
        );
    }

    #[test]
    fn load_wrong_type_hides_password() {
        let file =
            write_file("[credentials]\nusername = \"file-username\"\npassword = 123456789012\n");

        let error = Config::load_with_env(Some(file.path()), no_env).unwrap_err();

        assert!(!error.to_string().contains("123456789012"), "{error}");
    }

    #[test]
    fn load_wrong_type_hides_client_secret() {
        let file = write_file("[host]\nclient_secret = 987654321098\n");

        let error = Config::load_with_env(Some(file.path()), no_env).unwrap_err();

        assert!(!error.to_string().contains("987654321098"), "{error}");
    }

    #[test]
    fn load_syntax_error_hides_line_content() {
        let file = write_file("[credentials]\npassword = \"hunter2-secret\n");

        let error = Config::load_with_env(Some(file.path()), no_env).unwrap_err();

        assert!(!error.to_string().contains("hunter2-secret"), "{error}");
        assert!(error.to_string().contains("line 2"), "{error}");
    }

    #[test]
    fn config_debug_redacts_password() {
        let mut config = Config::default();
        config.credentials.password = Secret::new("hunter2-secret");

        assert!(!format!("{config:?}").contains("hunter2-secret"));
    }
}
