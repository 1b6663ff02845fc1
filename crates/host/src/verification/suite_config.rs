//! The conformance suite's settings for one registration: its origin,
//! credentials, enabled services and paths, and the host's trust settings.

use std::time::Duration;

use conformance::{CheckConfig, Password, Service};
use connector::Secret;

use crate::config::VerificationConfig;
use crate::domain::{Registration, ServiceKind, ServiceSettings};
use crate::tester::TEST_CONNECTION_PATH;

/// Requests kept in flight during the latency run. It is half the checker's
/// default, because the run targets a connector that is in use.
const LOAD_CONCURRENCY: usize = 2;

/// The trusted CAs and address rule of the host's outbound client.
#[derive(Debug, Clone, Default)]
pub struct Trust {
    /// PEM bundles trusted besides Mozilla's roots.
    pub extra_trusted_ca_pems: Vec<Vec<u8>>,
    /// Allow loopback and private addresses, for demonstrations and tests.
    pub allow_private_addresses: bool,
}

impl Trust {
    /// Returns the settings that `client` applies to every connection.
    pub fn of(client: &outbound::OutboundClient) -> Trust {
        let config = client.config();
        Trust {
            extra_trusted_ca_pems: config.extra_trusted_ca_pems.clone(),
            allow_private_addresses: config.allow_private_addresses,
        }
    }
}

/// Builds the suite's settings. Test Connection is always checked, and
/// Fetch Attendee and Fetch List are checked when enabled, on their
/// configured paths. Fetch List requests name the first configured list. Event Notification and
/// Launch External URL have no checks in the suite.
pub(super) fn check_config(
    registration: &Registration,
    password: &Secret,
    trust: &Trust,
    limits: &VerificationConfig,
    request_timeout: Duration,
) -> CheckConfig {
    let mut config = CheckConfig::new(
        registration.host_name.as_str(),
        registration.user_name.as_str(),
        Password::new(password.expose()),
    );
    config.services = vec![Service::TestConnection];
    config.test_connection_path = TEST_CONNECTION_PATH.to_owned();
    for (kind, service) in &registration.services {
        if !service.enabled {
            continue;
        }
        let path = service.endpoint_path.as_str().to_owned();
        match (kind, &service.settings) {
            (ServiceKind::FetchAttendee, _) => {
                config.services.push(Service::FetchAttendee);
                config.attendee_path = path;
            }
            (ServiceKind::FetchList, ServiceSettings::FetchList { lists }) => {
                config.services.push(Service::FetchList);
                config.list_path = path;
                config.list_name = lists
                    .first()
                    .map(|list| list.list_name.clone())
                    .unwrap_or_default();
            }
            _ => {}
        }
    }
    config.trusted_ca_pems = trust.extra_trusted_ca_pems.clone();
    config.allow_private_addresses = trust.allow_private_addresses;
    config.load_duration = limits.load_duration();
    config.concurrency = LOAD_CONCURRENCY;
    config.request_timeout = request_timeout;
    config
}

#[cfg(test)]
mod tests {
    use time::OffsetDateTime;

    use super::*;
    use crate::crypto::SealedPassword;
    use crate::domain::fields::{CredentialUserName, Description, HostName, RegistrationName};
    use crate::domain::services::{ConfiguredList, EndpointPath, default_services};
    use crate::domain::{CompanyId, RegistrationId};

    fn registration() -> Registration {
        Registration {
            id: RegistrationId(1),
            company_id: CompanyId(1),
            name: RegistrationName::from_stored("HR".to_owned()),
            description: Description::from_stored(String::new()),
            host_name: HostName::from_stored("https://connector.example.com".to_owned()),
            user_name: CredentialUserName::from_stored("connector-user".to_owned()),
            password: SealedPassword::from_bytes(Vec::new()),
            verified: true,
            last_test_connection: None,
            services: default_services(),
            created_at: OffsetDateTime::UNIX_EPOCH,
            updated_at: OffsetDateTime::UNIX_EPOCH,
            revision: 1,
        }
    }

    fn build(registration: &Registration, trust: &Trust) -> CheckConfig {
        check_config(
            registration,
            &Secret::new("password-of-test"),
            trust,
            &VerificationConfig::default(),
            Duration::from_secs(7),
        )
    }

    #[test]
    fn disabled_services_check_test_connection_only() {
        let config = build(&registration(), &Trust::default());

        assert_eq!(config.services, [Service::TestConnection]);
        assert_eq!(config.test_connection_path, TEST_CONNECTION_PATH);
    }

    #[test]
    fn enabled_fetch_list_uses_path_and_first_list() {
        let mut registration = registration();
        let service = registration
            .services
            .get_mut(&ServiceKind::FetchList)
            .unwrap();
        service.enabled = true;
        service.endpoint_path = EndpointPath::parse("/lists/fetch").unwrap();
        service.settings = ServiceSettings::FetchList {
            lists: vec![ConfiguredList {
                list_name: "Projects".to_owned(),
                category: "Project codes".to_owned(),
                language_code: "EN".to_owned(),
                connected_list_level: 1,
            }],
        };

        let config = build(&registration, &Trust::default());

        assert_eq!(
            config.services,
            [Service::TestConnection, Service::FetchList]
        );
        assert_eq!(config.list_path, "/lists/fetch");
        assert_eq!(config.list_name, "Projects");
    }

    #[test]
    fn enabled_fetch_attendee_uses_path() {
        let mut registration = registration();
        let service = registration
            .services
            .get_mut(&ServiceKind::FetchAttendee)
            .unwrap();
        service.enabled = true;
        service.endpoint_path = EndpointPath::parse("/concur/attendee/v1.0/fetch").unwrap();

        let config = build(&registration, &Trust::default());

        assert_eq!(
            config.services,
            [Service::TestConnection, Service::FetchAttendee]
        );
        assert_eq!(config.attendee_path, "/concur/attendee/v1.0/fetch");
    }

    #[test]
    fn trust_and_limits_are_applied() {
        let trust = Trust {
            extra_trusted_ca_pems: vec![b"PEM".to_vec()],
            allow_private_addresses: true,
        };

        let config = build(&registration(), &trust);

        assert_eq!(config.trusted_ca_pems, [b"PEM".to_vec()]);
        assert!(config.allow_private_addresses);
        assert_eq!(config.request_timeout, Duration::from_secs(7));
        assert_eq!(
            config.load_duration,
            VerificationConfig::default().load_duration()
        );
        assert_eq!(config.origin, "https://connector.example.com");
        assert_eq!(config.password.expose(), "password-of-test");
    }
}
