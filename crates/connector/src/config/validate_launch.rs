//! Rules for the `launch` keys and the settings the launch pages depend on.

use super::validate::{MAX_SECS, invalid, is_argon2_phc};
use super::validate_notifications::{MAX_CLIENT_ID_CHARS, require_host_client};
use super::{Config, ConfigError};
use crate::launch::check_field_code;

/// Maximum length of the redirect URL, far above the URLs registrations store.
const MAX_REDIRECT_URL_CHARS: usize = 2000;

pub(super) fn validate(config: &Config) -> Result<(), ConfigError> {
    let launch = &config.launch;
    for (key, value) in [
        ("launch.replay_window_secs", launch.replay_window_secs),
        ("launch.session_secs", launch.session_secs),
    ] {
        if !(1..=MAX_SECS).contains(&value) {
            return Err(invalid(key, format!("must be 1 to {MAX_SECS} seconds")));
        }
    }
    if !launch.is_enabled() {
        return Ok(());
    }

    if launch.list.trim().is_empty() {
        return Err(invalid("launch.list", "must name an imported list"));
    }
    if is_argon2_phc(config.credentials.password.expose()) {
        return Err(invalid(
            "credentials.password",
            "must be clear text when launch.list is set, because the launch signature is keyed by the password itself and an argon2 hash cannot key it",
        ));
    }
    // The pages write through the host's web services, with a
    // client-credentials token (version 1) or by exchanging the launch code
    // with the client secret (version 4).
    require_host_client(config, "launch.list is set")?;
    validate_versions(config)
}

fn validate_versions(config: &Config) -> Result<(), ConfigError> {
    let launch = &config.launch;
    if !launch.v1_field.is_empty() {
        check_field_code(&launch.v1_field).map_err(|rule| invalid("launch.v1_field", rule))?;
    }

    let client_id = &launch.oauth_client_id;
    let redirect_url = &launch.redirect_url;
    match (client_id.is_empty(), redirect_url.is_empty()) {
        (true, true) if launch.v1_field.is_empty() => {
            return Err(invalid(
                "launch.v1_field",
                "missing, and so are launch.oauth_client_id and launch.redirect_url; set v1_field for version 1 launches, the OAuth settings for version 4, or both",
            ));
        }
        (true, true) => return Ok(()),
        (true, false) => {
            return Err(invalid(
                "launch.oauth_client_id",
                "missing, but launch.redirect_url is set; version 4 launches need both",
            ));
        }
        (false, true) => {
            return Err(invalid(
                "launch.redirect_url",
                "missing, but launch.oauth_client_id is set; version 4 launches need both",
            ));
        }
        (false, false) => {}
    }

    if client_id.chars().count() > MAX_CLIENT_ID_CHARS {
        return Err(invalid(
            "launch.oauth_client_id",
            format!("must be at most {MAX_CLIENT_ID_CHARS} characters"),
        ));
    }
    if client_id.chars().any(char::is_control) {
        return Err(invalid(
            "launch.oauth_client_id",
            "must not contain control characters",
        ));
    }
    if launch
        .oauth_client_secret
        .expose()
        .chars()
        .any(char::is_control)
    {
        return Err(invalid(
            "launch.oauth_client_secret",
            "must not contain control characters",
        ));
    }
    check_redirect_url(redirect_url).map_err(|rule| invalid("launch.redirect_url", rule))
}

fn check_redirect_url(text: &str) -> Result<(), String> {
    if text.chars().count() > MAX_REDIRECT_URL_CHARS {
        return Err(format!(
            "must be at most {MAX_REDIRECT_URL_CHARS} characters"
        ));
    }
    let url =
        reqwest::Url::parse(text).map_err(|error| format!("is not an absolute URL: {error}"))?;
    if url.scheme() != "https" {
        return Err("must be an https URL".to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;
    use crate::config::validate::tests::{error_key, valid_config};

    fn with_launch() -> Config {
        let mut config = valid_config();
        config.launch.list = "Projects".to_owned();
        config.launch.v1_field = "CostObject".to_owned();
        config.launch.oauth_client_id = "launch-client".to_owned();
        config.launch.redirect_url = "https://connector.example.com/oauth/callback".to_owned();
        config.host.origin = "https://host.example.com".to_owned();
        config.host.client_id = "client-id".to_owned();
        config.host.client_secret = Secret::new("client-secret");
        config
    }

    #[test]
    fn launch_settings_are_valid() {
        assert!(with_launch().validate().is_ok());
    }

    #[test]
    fn launch_off_needs_no_host() {
        let mut config = valid_config();
        config.launch.v1_field = "not checked while off!".to_owned();

        assert!(config.validate().is_ok());
    }

    #[test]
    fn launch_with_argon2_password_names_key() {
        let mut config = with_launch();
        config.credentials.password = Secret::new(
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
        );

        assert_eq!(error_key(&config).as_deref(), Some("credentials.password"));
    }

    #[test]
    fn launch_without_host_origin_names_key() {
        let mut config = with_launch();
        config.host.origin.clear();

        assert_eq!(error_key(&config).as_deref(), Some("host.origin"));
    }

    #[test]
    fn launch_without_client_secret_names_key() {
        let mut config = with_launch();
        config.host.client_secret = Secret::default();

        assert_eq!(error_key(&config).as_deref(), Some("host.client_secret"));
    }

    #[test]
    fn launch_redirect_url_without_client_id_names_key() {
        let mut config = with_launch();
        config.launch.oauth_client_id.clear();

        assert_eq!(
            error_key(&config).as_deref(),
            Some("launch.oauth_client_id")
        );
    }

    #[test]
    fn launch_client_id_without_redirect_url_names_key() {
        let mut config = with_launch();
        config.launch.redirect_url.clear();

        assert_eq!(error_key(&config).as_deref(), Some("launch.redirect_url"));
    }

    #[test]
    fn launch_plain_http_redirect_url_names_key() {
        let mut config = with_launch();
        config.launch.redirect_url = "http://connector.example.com/callback".to_owned();

        assert_eq!(error_key(&config).as_deref(), Some("launch.redirect_url"));
    }

    #[test]
    fn launch_without_any_version_names_key() {
        let mut config = with_launch();
        config.launch.v1_field.clear();
        config.launch.oauth_client_id.clear();
        config.launch.redirect_url.clear();

        assert_eq!(error_key(&config).as_deref(), Some("launch.v1_field"));
    }

    #[test]
    fn launch_v1_only_is_valid() {
        let mut config = with_launch();
        config.launch.oauth_client_id.clear();
        config.launch.redirect_url.clear();

        assert!(config.validate().is_ok());
    }

    #[test]
    fn launch_bad_v1_field_names_key() {
        let mut config = with_launch();
        config.launch.v1_field = "Cost Object".to_owned();

        assert_eq!(error_key(&config).as_deref(), Some("launch.v1_field"));
    }

    #[test]
    fn launch_zero_replay_window_names_key() {
        let mut config = valid_config();
        config.launch.replay_window_secs = 0;

        assert_eq!(
            error_key(&config).as_deref(),
            Some("launch.replay_window_secs")
        );
    }

    #[test]
    fn launch_path_under_pages_prefix_names_key() {
        let mut config = valid_config();
        config.paths.launch_v1 = "/launch/v1".to_owned();

        assert_eq!(error_key(&config).as_deref(), Some("paths.launch_v1"));
    }
}
