//! The demonstration host: a Professional, Development Partner company
//! with an administrator, an employee and an approver, the demo connector
//! registered, tested and given client credentials, and the admin pages on loopback.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use host::Secret;
use host::domain::accounts::{self, AccountError, CompanyInput, UserInput};
use host::domain::registration::{Registration, TestOutcome};
use host::domain::services::{ConfiguredListInput, WorkflowStepInput};
use host::domain::launch_admin::{create_launch_field, list_launch_fields};
use host::domain::launch_fields::LaunchFieldInput;
use host::domain::{Actor, RegistrationInput, ServiceInput, ServiceKind, ServiceSettingsInput};
use host::store::SqliteHostStore;

use super::secrets::DemoSecrets;

pub const COMPANY: &str = "Demo Company";
pub const ADMIN_LOGIN: &str = "admin";
pub const EMPLOYEE_LOGIN: &str = "employee";
pub const APPROVER_LOGIN: &str = "approver";
const REGISTRATION_NAME: &str = "Demo connector";
/// The second registration of the demo connector: a registration's Launch
/// External URL service has one version, and this one has version 4.
const LAUNCH_V4_REGISTRATION_NAME: &str = "Demo connector, Launch External URL v4";
/// The OAuth client id of the version 4 launch service.
pub const LAUNCH_OAUTH_CLIENT_ID: &str = "demo-launch-v4";
/// The entry field that version 1 launches fill, by picking an airport.
pub const LAUNCH_V1_FIELD: &str = "DepartureAirport";

/// Inputs of the demonstration host from the rest of the demonstration.
pub struct HostSetup<'a> {
    pub state_dir: &'a Path,
    pub listen: SocketAddr,
    pub tls: Arc<rustls::ServerConfig>,
    /// The development CA, trusted for calls to the connector.
    pub ca_pem: Vec<u8>,
    pub secrets: &'a DemoSecrets,
    pub connector_username: &'a str,
}

/// The bound demonstration host, with what the rest of the setup needs.
pub struct StartedHost {
    pub bound: host::BoundHost,
    pub app: host::HostApp,
    pub admin: Actor,
}

/// Creates the accounts and binds the host; the registration is set up
/// afterwards, once the connector runs.
pub async fn start(setup: &HostSetup<'_>) -> anyhow::Result<StartedHost> {
    let store = SqliteHostStore::open(setup.state_dir.join("host.db"))
        .context("cannot open the host database")?;
    create_accounts(&store, setup.secrets).await?;

    // The demo connector runs on this machine, so it reaches the host as localhost.
    let config = host::Config {
        public_origin: Some(format!("https://localhost:{}", setup.listen.port())),
        ..host::Config::default()
    };
    let cipher = host::crypto::PasswordCipher::from_base64(&setup.secrets.host_key)
        .context("invalid host key in the demo secrets file")?;
    // Loopback targets are allowed because the demo connector runs on loopback.
    let tester = host::tester::outbound_tester(&config.outbound, vec![setup.ca_pem.clone()], true)
        .context("cannot build the outbound client")?;
    let app = host::HostApp::new(Arc::new(store.clone()), cipher, Arc::new(tester), config)?;

    let admin = accounts::actor_for_password(&store, ADMIN_LOGIN, &Secret::new(setup.secrets.admin_password.clone()))
        .await?
        .context("the demo administrator's password does not match the secrets file")?;
    let pages = host::web::router(&app, host::web::WebOptions::new(true));
    let bound = host::bind(host::ServeOptions {
        app: app.clone(),
        listen: setup.listen,
        tls: Some(Arc::clone(&setup.tls)),
        extra_routes: Some(pages),
    })
    .await
    .with_context(|| format!("cannot listen on {}", setup.listen))?;
    Ok(StartedHost { bound, app, admin })
}

async fn create_accounts(store: &SqliteHostStore, secrets: &DemoSecrets) -> anyhow::Result<()> {
    let company = CompanyInput {
        name: COMPANY.to_owned(),
        edition: "professional".to_owned(),
        development_partner: true,
    };
    match accounts::create_company(store, &company).await {
        Ok(_) | Err(AccountError::CompanyExists(_)) => {}
        Err(error) => return Err(error).context("cannot create the demo company"),
    }
    let users = [
        (ADMIN_LOGIN, "company-administrator", &secrets.admin_password),
        (EMPLOYEE_LOGIN, "employee", &secrets.employee_password),
        (APPROVER_LOGIN, "approver", &secrets.approver_password),
    ];
    for (login, role, password) in users {
        let user = UserInput {
            company_name: COMPANY.to_owned(),
            login: login.to_owned(),
            roles: vec![role.to_owned()],
            password: Secret::new(password.clone()),
        };
        match accounts::create_user(store, &user).await {
            Ok(_) | Err(AccountError::UserExists(_)) => {}
            Err(error) => return Err(error).with_context(|| format!("cannot create the demo user {login}")),
        }
    }
    Ok(())
}

/// Which of the demo connector's two registrations.
#[derive(Debug, Clone, Copy)]
pub enum DemoRegistration {
    /// Searches, Event Notification and Launch External URL version 1.
    Main,
    /// Launch External URL version 4.
    LaunchV4,
}

impl DemoRegistration {
    fn name(self) -> &'static str {
        match self {
            DemoRegistration::Main => REGISTRATION_NAME,
            DemoRegistration::LaunchV4 => LAUNCH_V4_REGISTRATION_NAME,
        }
    }
}

/// Registers the demo connector at `connector_origin` as `which`, or points
/// the existing registration there.
pub async fn ensure_registration(
    app: &host::HostApp,
    admin: &Actor,
    setup: &HostSetup<'_>,
    which: DemoRegistration,
    connector_origin: &str,
) -> anyhow::Result<Registration> {
    let registrations = &app.registrations;
    let existing = registrations
        .list(admin)
        .await?
        .into_iter()
        .find(|registration| registration.name.as_str() == which.name());
    let registration = match existing {
        None => {
            let input = RegistrationInput {
                name: Some(which.name().to_owned()),
                description: Some("The connector of `callouts demo`, on loopback".to_owned()),
                host_name: Some(connector_origin.to_owned()),
                user_name: Some(setup.connector_username.to_owned()),
                password: Some(Secret::new(setup.secrets.connector_password.clone())),
            };
            registrations.create(admin, &input).await?
        }
        Some(registration) if registration.host_name.as_str() != connector_origin => {
            let input = RegistrationInput {
                host_name: Some(connector_origin.to_owned()),
                ..RegistrationInput::default()
            };
            registrations.update(admin, registration.id, &input).await?
        }
        Some(registration) => registration,
    };
    Ok(registration)
}

/// Points the registration at the running connector, runs Test Connection
/// and, when it succeeds, enables the services.
pub async fn register_connector(
    app: &host::HostApp,
    admin: &Actor,
    setup: &HostSetup<'_>,
    connector_origin: &str,
) -> anyhow::Result<Registration> {
    let registration =
        ensure_registration(app, admin, setup, DemoRegistration::Main, connector_origin).await?;
    let registration = app.registrations.test_connection(admin, registration.id).await?;
    if !registration.verified {
        return Ok(registration);
    }
    enable_services(app, admin, registration.id).await?;
    enable_launch(app, admin, registration.id, LaunchVersionInput::V1).await
}

/// Points the version 4 registration at the running connector, runs Test
/// Connection and, when it succeeds, enables its launch service with
/// `redirect_url`, the connector's version 4 path.
pub async fn register_launch_v4(
    app: &host::HostApp,
    admin: &Actor,
    setup: &HostSetup<'_>,
    connector_origin: &str,
    redirect_url: &str,
) -> anyhow::Result<Registration> {
    let registration =
        ensure_registration(app, admin, setup, DemoRegistration::LaunchV4, connector_origin)
            .await?;
    let registration = app.registrations.test_connection(admin, registration.id).await?;
    if !registration.verified {
        return Ok(registration);
    }
    enable_launch(app, admin, registration.id, LaunchVersionInput::V4 { redirect_url }).await
}

/// The version of a launch service to enable, with the settings of version 4.
enum LaunchVersionInput<'a> {
    V1,
    V4 { redirect_url: &'a str },
}

async fn enable_launch(
    app: &host::HostApp,
    admin: &Actor,
    id: host::domain::registration::RegistrationId,
    version: LaunchVersionInput<'_>,
) -> anyhow::Result<Registration> {
    let settings = match version {
        LaunchVersionInput::V1 => ServiceSettingsInput::LaunchExternalUrl {
            version: Some("V1".to_owned()),
            oauth_client_id: None,
            redirect_url: None,
        },
        LaunchVersionInput::V4 { redirect_url } => ServiceSettingsInput::LaunchExternalUrl {
            version: Some("V4".to_owned()),
            oauth_client_id: Some(LAUNCH_OAUTH_CLIENT_ID.to_owned()),
            redirect_url: Some(redirect_url.to_owned()),
        },
    };
    let input = ServiceInput {
        enabled: true,
        endpoint_path: None,
        settings,
    };
    Ok(app
        .registrations
        .configure_service(admin, id, ServiceKind::LaunchExternalUrl, &input)
        .await?)
}

/// The demo's launch fields: code, label, object type and whether version 4.
const LAUNCH_FIELDS: [(&str, &str, &str, bool); 4] = [
    (LAUNCH_V1_FIELD, "Departure airport", "ENTRY", false),
    ("TripAirport", "Trip airport", "HEADER", true),
    ("ArrivalAirport", "Arrival airport", "ENTRY", true),
    ("AllocationAirport", "Allocation airport", "ALLOCATION", true),
];

/// Creates the launch fields of [`LAUNCH_FIELDS`] that an earlier run did
/// not: version 1 ones on `v1`, version 4 ones on `v4`.
pub async fn ensure_launch_fields(
    app: &host::HostApp,
    admin: &Actor,
    v1: &Registration,
    v4: &Registration,
) -> anyhow::Result<()> {
    let store = app.store.as_ref();
    let existing = list_launch_fields(store, admin).await?;
    for (code, label, object_type, version_4) in LAUNCH_FIELDS {
        if existing.iter().any(|field| field.code == code) {
            continue;
        }
        let registration = if version_4 { v4 } else { v1 };
        let input = LaunchFieldInput {
            registration_id: Some(registration.id.0),
            code: code.to_owned(),
            label: label.to_owned(),
            object_type: object_type.to_owned(),
            multiline: false,
            popup_width: Some(720),
            popup_height: Some(560),
        };
        create_launch_field(store, admin, &input)
            .await
            .with_context(|| format!("cannot create the demo launch field {code}"))?;
    }
    Ok(())
}

/// Enables Fetch Attendee for the bundled attendee types and Fetch List for
/// the bundled lists, so that the employee's expense forms call out. Also
/// enables Event Notification at both External Validation steps of expense
/// reports and travel requests, so that the connector validates what is submitted.
async fn enable_services(
    app: &host::HostApp,
    admin: &Actor,
    id: host::domain::registration::RegistrationId,
) -> anyhow::Result<Registration> {
    let attendees = ServiceInput {
        enabled: true,
        endpoint_path: None,
        settings: ServiceSettingsInput::FetchAttendee {
            attendee_types: ["BUSGUEST", "SPOUSE", "HCP"].map(str::to_owned).to_vec(),
        },
    };
    app.registrations
        .configure_service(admin, id, ServiceKind::FetchAttendee, &attendees)
        .await?;

    let list = |name: &str, category: &str, levels: i64| ConfiguredListInput {
        list_name: Some(name.to_owned()),
        category: Some(category.to_owned()),
        language_code: Some("EN".to_owned()),
        connected_list_level: Some(levels),
    };
    let lists = ServiceInput {
        enabled: true,
        endpoint_path: None,
        settings: ServiceSettingsInput::FetchList {
            lists: vec![list("geo", "Location", 3), list("airports", "Airport", 1)],
        },
    };
    app.registrations
        .configure_service(admin, id, ServiceKind::FetchList, &lists)
        .await?;

    let step = |name: &str| WorkflowStepInput {
        step: Some(name.to_owned()),
        expense_reports: true,
        travel_requests: true,
    };
    let notifications = ServiceInput {
        enabled: true,
        endpoint_path: None,
        settings: ServiceSettingsInput::EventNotification {
            workflow_steps: vec![
                step("External Validation - Submit"),
                step("External Validation - Pre-Extract"),
            ],
        },
    };
    Ok(app
        .registrations
        .configure_service(admin, id, ServiceKind::EventNotification, &notifications)
        .await?)
}

/// Describes the last Test Connection in one line.
pub fn describe_test(registration: &Registration) -> String {
    match registration.last_test_connection.as_ref().map(|result| &result.outcome) {
        Some(TestOutcome::Succeeded { tls_version, cipher_suite }) => {
            let enabled = [ServiceKind::FetchAttendee, ServiceKind::FetchList, ServiceKind::EventNotification]
                .iter()
                .all(|kind| registration.service_is_active(*kind));
            let services = if enabled {
                "; Fetch Attendee, Fetch List and Event Notification are enabled"
            } else {
                ""
            };
            format!("succeeded ({tls_version}, {cipher_suite}); the registration is Verified{services}")
        }
        Some(TestOutcome::Failed { message, .. }) => format!("failed: {message}"),
        None => "not run".to_owned(),
    }
}
