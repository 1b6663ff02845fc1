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
use host::domain::{Actor, RegistrationInput, ServiceInput, ServiceKind, ServiceSettingsInput};
use host::store::SqliteHostStore;

use super::secrets::DemoSecrets;

pub const COMPANY: &str = "Demo Company";
pub const ADMIN_LOGIN: &str = "admin";
pub const EMPLOYEE_LOGIN: &str = "employee";
pub const APPROVER_LOGIN: &str = "approver";
const REGISTRATION_NAME: &str = "Demo connector";

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

/// Registers the demo connector at `connector_origin`, or points the
/// existing registration there.
pub async fn ensure_registration(
    app: &host::HostApp,
    admin: &Actor,
    setup: &HostSetup<'_>,
    connector_origin: &str,
) -> anyhow::Result<Registration> {
    let registrations = &app.registrations;
    let existing = registrations
        .list(admin)
        .await?
        .into_iter()
        .find(|registration| registration.name.as_str() == REGISTRATION_NAME);
    let registration = match existing {
        None => {
            let input = RegistrationInput {
                name: Some(REGISTRATION_NAME.to_owned()),
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
    let registration = ensure_registration(app, admin, setup, connector_origin).await?;
    let registration = app.registrations.test_connection(admin, registration.id).await?;
    if !registration.verified {
        return Ok(registration);
    }
    enable_services(app, admin, registration.id).await
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
