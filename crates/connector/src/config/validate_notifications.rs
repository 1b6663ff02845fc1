//! Rules for the notification, host and validation keys.

use std::collections::HashSet;

use super::validate::{MAX_SECS, invalid};
use super::{Config, ConfigError};
use crate::notifications::Amount;

/// Maximum length of a client id, far above the ids that registrations issue.
pub(super) const MAX_CLIENT_ID_CHARS: usize = 255;

/// Maximum number of attempts. With the default maximum delay of 10 minutes, 1000 attempts span about a week.
const MAX_ATTEMPTS: u32 = 1_000;

/// Minimum claim lease. The worker extends a claim every third of it, so
/// a shorter lease would be extended more often than once a second.
const MIN_CLAIM_LEASE_SECS: u64 = 3;

/// Maximum claim lease, one hour.
const MAX_CLAIM_LEASE_SECS: u64 = 3_600;

pub(super) fn validate(config: &Config) -> Result<(), ConfigError> {
    validate_retries(config)?;
    validate_host(config)?;
    validate_rules(config)
}

fn validate_retries(config: &Config) -> Result<(), ConfigError> {
    let retries = &config.notifications;
    if !(1..=MAX_ATTEMPTS).contains(&retries.max_attempts) {
        return Err(invalid(
            "notifications.max_attempts",
            format!("must be 1 to {MAX_ATTEMPTS}"),
        ));
    }

    let max_ms = MAX_SECS * 1000;
    for (key, value) in [
        (
            "notifications.retry_initial_delay_ms",
            retries.retry_initial_delay_ms,
        ),
        (
            "notifications.retry_max_delay_ms",
            retries.retry_max_delay_ms,
        ),
    ] {
        if !(1..=max_ms).contains(&value) {
            return Err(invalid(key, format!("must be 1 to {max_ms} milliseconds")));
        }
    }
    if !(MIN_CLAIM_LEASE_SECS..=MAX_CLAIM_LEASE_SECS).contains(&retries.claim_lease_secs) {
        return Err(invalid(
            "notifications.claim_lease_secs",
            format!("must be {MIN_CLAIM_LEASE_SECS} to {MAX_CLAIM_LEASE_SECS} seconds"),
        ));
    }
    if retries.retry_max_delay_ms < retries.retry_initial_delay_ms {
        return Err(invalid(
            "notifications.retry_max_delay_ms",
            "must be at least notifications.retry_initial_delay_ms",
        ));
    }
    Ok(())
}

fn validate_host(config: &Config) -> Result<(), ConfigError> {
    let host = &config.host;
    for (key, value) in [
        ("host.connect_timeout_secs", host.connect_timeout_secs),
        ("host.request_timeout_secs", host.request_timeout_secs),
    ] {
        if !(1..=MAX_SECS).contains(&value) {
            return Err(invalid(key, format!("must be 1 to {MAX_SECS} seconds")));
        }
    }
    if host.max_response_bytes == 0 {
        return Err(invalid("host.max_response_bytes", "must be at least 1"));
    }

    if !host.origin.is_empty() {
        outbound::Origin::parse(&host.origin)
            .map_err(|error| invalid("host.origin", error.to_string()))?;
    }
    if host.client_id.chars().count() > MAX_CLIENT_ID_CHARS {
        return Err(invalid(
            "host.client_id",
            format!("must be at most {MAX_CLIENT_ID_CHARS} characters"),
        ));
    }
    if host.client_id.chars().any(char::is_control) {
        return Err(invalid(
            "host.client_id",
            "must not contain control characters",
        ));
    }
    if host.client_secret.expose().chars().any(char::is_control) {
        return Err(invalid(
            "host.client_secret",
            "must not contain control characters",
        ));
    }

    if config.validation.has_rules() {
        require_host_client(config, "validation rules are set")?;
    }
    Ok(())
}

/// Checks that the host origin and the client credentials are set, which
/// a feature that calls the host needs; `reason` names that feature.
pub(super) fn require_host_client(config: &Config, reason: &str) -> Result<(), ConfigError> {
    let host = &config.host;
    let required = [
        ("host.origin", host.origin.is_empty(), "HOST_ORIGIN"),
        (
            "host.client_id",
            host.client_id.is_empty(),
            "HOST_CLIENT_ID",
        ),
        (
            "host.client_secret",
            host.client_secret.expose().is_empty(),
            "HOST_CLIENT_SECRET",
        ),
    ];
    for (key, missing, variable) in required {
        if missing {
            return Err(invalid(
                key,
                format!(
                    "missing, but {reason}; set it in the file or in CALLOUTS_CONNECTOR_{variable}"
                ),
            ));
        }
    }
    Ok(())
}

fn validate_rules(config: &Config) -> Result<(), ConfigError> {
    let validation = &config.validation;
    let empty_list_name = validation
        .list_value
        .as_ref()
        .is_some_and(|rule| rule.list.trim().is_empty());
    if empty_list_name {
        return Err(invalid(
            "validation.list_value.list",
            "must name an imported list",
        ));
    }

    for (expense_type, limit) in &validation.amount_limits {
        let key = format!("validation.amount_limits.\"{expense_type}\"");
        if expense_type.trim().is_empty() {
            return Err(invalid(key, "the expense type must not be empty"));
        }
        match Amount::parse(limit) {
            Some(amount) if amount >= Amount::ZERO => {}
            _ => {
                return Err(invalid(
                    key,
                    format!(
                        "`{limit}` is not an amount; write a decimal number that is not negative, such as \"75.00\""
                    ),
                ));
            }
        }
    }

    let fields = &validation.required_fields;
    for (key, names) in [
        ("validation.required_fields.report", &fields.report),
        ("validation.required_fields.entry", &fields.entry),
    ] {
        let mut seen = HashSet::new();
        for name in names {
            if name.trim().is_empty() {
                return Err(invalid(key, "a field name must not be empty"));
            }
            if !seen.insert(name.as_str()) {
                return Err(invalid(key, format!("field `{name}` is listed twice")));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::validate::tests::{error_key, valid_config};
    use crate::config::{ListValueRule, Secret};

    fn with_rules() -> Config {
        let mut config = valid_config();
        config.validation.list_value = Some(ListValueRule {
            list: "Projects".to_owned(),
            required: false,
        });
        config.host.origin = "https://host.example.com".to_owned();
        config.host.client_id = "client-id".to_owned();
        config.host.client_secret = Secret::new("client-secret");
        config
    }

    #[test]
    fn rules_with_host_are_valid() {
        assert!(with_rules().validate().is_ok());
    }

    #[test]
    fn rules_without_client_secret_name_key() {
        let mut config = with_rules();
        config.host.client_secret = Secret::default();

        assert_eq!(error_key(&config).as_deref(), Some("host.client_secret"));
    }

    #[test]
    fn rules_without_origin_name_key() {
        let mut config = with_rules();
        config.host.origin.clear();

        assert_eq!(error_key(&config).as_deref(), Some("host.origin"));
    }

    #[test]
    fn host_origin_with_path_is_rejected() {
        let mut config = with_rules();
        config.host.origin = "https://host.example.com/api".to_owned();

        assert_eq!(error_key(&config).as_deref(), Some("host.origin"));
    }

    #[test]
    fn amount_limit_not_decimal_names_key() {
        let mut config = with_rules();
        config
            .validation
            .amount_limits
            .insert("Meals".to_owned(), "75,00".to_owned());

        let expected = "validation.amount_limits.\"Meals\"";
        assert_eq!(error_key(&config).as_deref(), Some(expected));
    }

    #[test]
    fn negative_amount_limit_is_rejected() {
        let mut config = with_rules();
        config
            .validation
            .amount_limits
            .insert("Meals".to_owned(), "-1.00".to_owned());

        assert!(config.validate().is_err());
    }

    #[test]
    fn duplicate_required_field_names_key() {
        let mut config = with_rules();
        config.validation.required_fields.entry = vec!["Custom1".to_owned(), "Custom1".to_owned()];

        let expected = "validation.required_fields.entry";
        assert_eq!(error_key(&config).as_deref(), Some(expected));
    }

    #[test]
    fn claim_lease_out_of_range_names_key() {
        for seconds in [0, 2, 3_601] {
            let mut config = valid_config();
            config.notifications.claim_lease_secs = seconds;

            let key = error_key(&config);
            assert_eq!(
                key.as_deref(),
                Some("notifications.claim_lease_secs"),
                "{seconds} s"
            );
        }
    }

    #[test]
    fn claim_lease_bounds_are_valid() {
        for seconds in [3, 3_600] {
            let mut config = valid_config();
            config.notifications.claim_lease_secs = seconds;

            assert!(config.validate().is_ok(), "{seconds} s");
        }
    }

    #[test]
    fn retry_max_below_initial_names_key() {
        let mut config = valid_config();
        config.notifications.retry_initial_delay_ms = 5_000;
        config.notifications.retry_max_delay_ms = 1_000;

        let expected = "notifications.retry_max_delay_ms";
        assert_eq!(error_key(&config).as_deref(), Some(expected));
    }

    #[test]
    fn notify_path_clash_names_key() {
        let mut config = valid_config();
        config.paths.notify = config.paths.list.clone();

        assert_eq!(error_key(&config).as_deref(), Some("paths.notify"));
    }

    #[test]
    fn secret_never_in_error_message() {
        let mut config = with_rules();
        config.host.client_secret = Secret::new("visible-secret\u{7}");

        let error = config.validate().unwrap_err();
        assert!(!error.to_string().contains("visible-secret"), "{error}");
    }
}
