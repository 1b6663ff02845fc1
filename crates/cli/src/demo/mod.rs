//! `callouts demo`: the connector serving real callouts from bundled data
//! and validating submitted reports, and the host with a registered, tested
//! connector and its admin pages, all on loopback with nothing but this executable.

mod host;
mod secrets;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use connector::import::{self, CsvSource};
use connector::config::ListValueRule;
use connector::store::{SqliteStore, Store};
use ::host::connector_access::{ClientCredentials, generate_client_credentials};

use crate::bundled;
use crate::connector_command::{open_sqlite_store, shutdown_signal};
use host::DemoRegistration;
use secrets::DemoSecrets;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Directory for the CA, the certificates, the databases and the
    /// generated logins. It is kept between runs, so the data is imported
    /// once and the CA and logins stay valid.
    #[arg(long, default_value = ".callouts/demo")]
    pub state_dir: PathBuf,
    /// Loopback address and port of the connector; port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:8443")]
    pub listen: SocketAddr,
    /// Loopback address and port of the host's admin pages and API; port 0
    /// picks a free one.
    #[arg(long, default_value = "127.0.0.1:8444")]
    pub host_listen: SocketAddr,
    /// Stop after printing the URLs and commands instead of serving until
    /// Ctrl-C; checks that the demonstration starts.
    #[arg(long)]
    pub exit_when_ready: bool,
}

const DEMO_USERNAME: &str = "demo-connector";

pub async fn run(mut args: DemoArgs) -> anyhow::Result<()> {
    // The version 4 redirect URL names the connector's port, and the host's
    // public origin its own port, before either starts, so port 0 is
    // resolved here. Another process could take a port in between, which
    // fails the start with a clear error.
    args.listen = resolve_port_zero(args.listen)?;
    args.host_listen = resolve_port_zero(args.host_listen)?;
    std::fs::create_dir_all(&args.state_dir)
        .with_context(|| format!("cannot create {}", args.state_dir.display()))?;
    let names = vec![
        "localhost".to_owned(),
        args.listen.ip().to_string(),
        args.host_listen.ip().to_string(),
    ];
    let certificates = tls::dev_ca::write_dev_ca(&args.state_dir.join("tls"), &names)
        .context("cannot write the development CA")?;
    let secrets = DemoSecrets::load_or_create(&args.state_dir.join("secrets.json"))?;
    let tls_config = tls::server::server_config_from_pem_files(
        &certificates.server_certificate,
        &certificates.server_private_key,
    )?;

    let ca_pem = std::fs::read(&certificates.ca_certificate).context("cannot read the CA certificate")?;
    let setup = host::HostSetup {
        state_dir: &args.state_dir,
        listen: args.host_listen,
        tls: Arc::clone(&tls_config),
        ca_pem,
        secrets: &secrets,
        connector_username: DEMO_USERNAME,
    };
    let started = host::start(&setup).await?;
    let host_url = format!("https://localhost:{}", started.bound.local_addr().port());

    // The connector needs client credentials before it starts, so the
    // registration is created first and pointed at the connector's port later.
    let placeholder = format!("https://localhost:{}", args.listen.port());
    let mut credentials = Vec::new();
    for which in [DemoRegistration::Main, DemoRegistration::LaunchV4] {
        let registration = host::ensure_registration(&started.app, &started.admin, &setup, which, &placeholder).await?;
        let generated = generate_client_credentials(
            started.app.store.as_ref(),
            &started.app.registrations,
            &started.admin,
            registration.id,
        )
        .await
        .with_context(|| format!("cannot generate the client credentials of the registration {which:?}"))?;
        credentials.push(generated);
    }
    let launch_v4_credentials = credentials.pop().context("the version 4 registration has no credentials")?;
    let credentials = credentials.pop().context("the main registration has no credentials")?;

    let store = open_sqlite_store(&args.state_dir.join("connector.db"))?;
    import_bundled_data(&store).await?;
    let mut config = connector::Config::default();
    config.credentials.username = DEMO_USERNAME.to_owned();
    config.credentials.password = connector::Secret::new(secrets.connector_password.clone());
    validate_with_host(&mut config, &host_url, &credentials, &certificates.ca_certificate);
    let redirect_url = format!("https://localhost:{}{}", args.listen.port(), connector::config::DEFAULT_LAUNCH_V4_PATH);
    launch_pages(&mut config, &redirect_url, &launch_v4_credentials);
    let connector = connector::bind(connector::ServeOptions {
        store: Arc::new(store),
        config,
        listen: args.listen,
        tls: Some(Arc::clone(&tls_config)),
    })
    .await
    .with_context(|| format!("cannot listen on {}", args.listen))?;
    let connector_url = format!("https://localhost:{}", connector.local_addr().port());
    let connector_task = tokio::spawn(connector.run(shutdown_signal()));
    let registered = host::register_connector(&started.app, &started.admin, &setup, &connector_url).await;
    let registration = match registered {
        Ok(registration) => registration,
        Err(error) => {
            connector_task.abort();
            return Err(error);
        }
    };
    let redirect_url = format!("{connector_url}{}", connector::config::DEFAULT_LAUNCH_V4_PATH);
    let launch_ready = enable_launch_fields(&started, &setup, &registration, &connector_url, &redirect_url).await;
    if let Err(error) = launch_ready {
        connector_task.abort();
        return Err(error);
    }
    let host_server = started.bound;
    print_connector_instructions(&connector_url, &secrets.connector_password, &certificates.ca_certificate);
    print_host_instructions(&host_url, &secrets, &host::describe_test(&registration));
    print_validation_instructions(&credentials.client_id);
    print_launch_instructions();
    if args.exit_when_ready {
        connector_task.abort();
        return Ok(());
    }
    println!("Press Ctrl-C to stop.");
    let host_result = host_server.run(shutdown_signal()).await;
    let connector_result = connector_task.await.context("the connector task failed")?;
    host_result.and(connector_result)
}

/// Returns `address` with a free port in place of port 0.
fn resolve_port_zero(address: SocketAddr) -> anyhow::Result<SocketAddr> {
    if address.port() != 0 {
        return Ok(address);
    }
    let probe = std::net::TcpListener::bind(address).with_context(|| format!("cannot listen on {address}"))?;
    Ok(probe.local_addr()?)
}

/// Maximum amount of a Meals entry that the demo connector accepts, in the entry's currency.
const MEALS_LIMIT: &str = "75.00";

/// Turns on the connector's validation: an entry's list value must be in
/// the bundled `geo` list, so an airport fails, and a Meals entry may be at
/// most [`MEALS_LIMIT`]. The connector reads submitted reports from the host
/// with `credentials`.
fn validate_with_host(config: &mut connector::Config, host_url: &str, credentials: &ClientCredentials, ca: &Path) {
    config.host.origin = host_url.to_owned();
    config.host.client_id = credentials.client_id.clone();
    config.host.client_secret = connector::Secret::new(credentials.client_secret.expose().to_owned());
    config.host.trusted_ca_files = vec![ca.to_owned()];
    config.validation.list_value = Some(ListValueRule {
        list: bundled::GEO_LIST_NAME.to_owned(),
        required: false,
    });
    config.validation.amount_limits.insert("Meals".to_owned(), MEALS_LIMIT.to_owned());
}

/// Turns the connector's Launch External URL pages on, where the employee
/// picks an airport. Version 1 writes it to the entry field
/// [`host::LAUNCH_V1_FIELD`] with the main registration's client
/// credentials. Version 4 writes it to the field it was launched from, with
/// the code exchanged under the version 4 registration's `credentials`.
fn launch_pages(config: &mut connector::Config, redirect_url: &str, credentials: &ClientCredentials) {
    config.launch.list = bundled::AIRPORTS_LIST_NAME.to_owned();
    config.launch.v1_field = host::LAUNCH_V1_FIELD.to_owned();
    config.launch.oauth_client_id = host::LAUNCH_OAUTH_CLIENT_ID.to_owned();
    config.launch.redirect_url = redirect_url.to_owned();
    config.launch.oauth_client_secret = connector::Secret::new(credentials.client_secret.expose().to_owned());
}

/// Registers the version 4 launch service and creates the launch fields,
/// once the main registration is verified.
async fn enable_launch_fields(
    started: &host::StartedHost,
    setup: &host::HostSetup<'_>,
    main: &::host::domain::registration::Registration,
    connector_url: &str,
    redirect_url: &str,
) -> anyhow::Result<()> {
    if !main.verified {
        return Ok(());
    }
    let v4 = host::register_launch_v4(&started.app, &started.admin, setup, connector_url, redirect_url).await?;
    if !v4.verified {
        anyhow::bail!("Test Connection of the version 4 registration failed: {}", host::describe_test(&v4));
    }
    host::ensure_launch_fields(&started.app, &started.admin, main, &v4).await
}

/// Imports the bundled lists and attendees unless an earlier run did.
async fn import_bundled_data(store: &SqliteStore) -> anyhow::Result<()> {
    let names = store.list_names().await?;
    let imported = |name: &str| names.iter().any(|existing| existing == name);
    // Attendees go first: the geo list is imported only after them, so its
    // presence shows that an earlier run finished both.
    if !imported(bundled::GEO_LIST_NAME) {
        println!("importing the bundled attendees…");
        import::import_attendees(store, CsvSource::from_bytes(bundled::ATTENDEES))
            .await
            .context("cannot import the bundled attendees")?;
    }
    let lists = [
        (bundled::GEO_LIST_NAME, bundled::GEO_LIST),
        (bundled::AIRPORTS_LIST_NAME, bundled::AIRPORTS_LIST),
    ];
    for (name, bytes) in lists {
        if imported(name) {
            continue;
        }
        println!("importing the bundled list `{name}`…");
        import::import_list(store, CsvSource::from_bytes(bytes), name, "EN")
            .await
            .with_context(|| format!("cannot import the bundled list `{name}`"))?;
    }
    Ok(())
}

fn print_connector_instructions(url: &str, password: &str, ca: &Path) {
    let ca = ca.display();
    let auth = format!("-u '{DEMO_USERNAME}:{password}' --cacert {ca}");
    let xml = "-H 'Content-Type: application/xml; charset=utf-8'";
    println!();
    println!("The connector is listening on {url}");
    println!("  user name: {DEMO_USERNAME}");
    println!("  password:  {password}");
    println!("  CA:        {ca}");
    println!();
    println!("Test Connection:");
    println!("  curl {auth} {url}/system/v1.0/testconnection");
    println!();
    println!("Fetch Attendee v2.0 (last name Doe at Acme):");
    println!(
        "  curl {auth} {xml} {url}/concur/attendee/v2.0/fetch --data '<AttendeeSearchRequest><Attendee><LastName>Doe</LastName><Company>Acme</Company><MaximumNumberRecords>10</MaximumNumberRecords></Attendee></AttendeeSearchRequest>'"
    );
    println!();
    println!("Fetch Attendee v1.0 (healthcare providers named Smith):");
    println!(
        "  curl {auth} {xml} {url}/concur/attendee/v1.0/fetch --data '<AttendeeSearchRequest><Attendee><AttendeeTypeCode>HCP</AttendeeTypeCode><LastName>Smith</LastName><MaximumNumberRecords>5</MaximumNumberRecords></Attendee></AttendeeSearchRequest>'"
    );
    println!();
    println!("Fetch List (cities beginning with San in California):");
    println!(
        "  curl {auth} {xml} {url}/concur/list/v1.2/fetch --data '<fetch-list-request><list-name>geo</list-name><long-code>US-CA</long-code><short-code>CA</short-code><query>San*</query><search-by>TEXT</search-by><lang-code>EN</lang-code><num-to-return>10</num-to-return></fetch-list-request>'"
    );
    println!();
    println!("Fetch List (airports whose name contains Heathrow):");
    println!(
        "  curl {auth} {xml} {url}/concur/list/v1.2/fetch --data '<fetch-list-request><list-name>airports</list-name><query>*heathrow*</query><search-by>TEXT</search-by><lang-code>EN</lang-code><num-to-return>10</num-to-return></fetch-list-request>'"
    );
}

fn print_validation_instructions(client_id: &str) {
    println!("The connector validates submitted expense reports and travel requests through the host web services,");
    println!("  with the client credentials generated for it at this start (client ID {client_id}).");
    println!("  Rules: a list value must be in the list `geo` (so an airport fails), and a Meals entry may be at most {MEALS_LIMIT}.");
    println!("To see a report validated by the connector:");
    println!("  1. Sign in as the employee, open Expenses, create a report with a Meals entry of 90.00 whose list field is Airport, choose an airport, and submit it.");
    println!("  2. Reload the report: the connector has sent it back, and the page shows both reasons.");
    println!("  3. Replace the entry with a Meals entry of 60.00 whose list field is Location, and submit again: the connector approves it.");
    println!("  4. Sign in as the approver and approve it on Approvals; the connector approves it again and it is Ready for extract.");
    println!();
}

fn print_launch_instructions() {
    println!("Launch External URL: the connector's pages pick an airport and write it back through the host web services.");
    println!("  1. Sign in as the employee, create a report with an entry, and open the entry.");
    println!("  2. Version 1: click Launch beside Departure airport, search `London Heath` (or the code `LHR`), choose London Heathrow Airport, click Done.");
    println!("     The window closes and the entry shows the airport. Version 4 works the same way from Trip airport on the");
    println!("     report, Arrival airport on the entry and Allocation airport on an allocation of the entry.");
    println!("     Allocation airport appears once an allocation is added to the entry (Add allocation, with a percentage).");
    println!("  3. Submit the report and sign in as the approver: Approvals shows the values read-only, with no Launch button.");
    println!();
}

fn print_host_instructions(url: &str, secrets: &DemoSecrets, test_connection: &str) {
    println!();
    println!("The host is listening on {url} (trust the same CA in your browser, or accept the warning)");
    println!("  company:        {} (Professional, Development Partner)", host::COMPANY);
    println!("  administrator:  {} / {}", host::ADMIN_LOGIN, secrets.admin_password);
    println!("  employee:       {} / {}", host::EMPLOYEE_LOGIN, secrets.employee_password);
    println!("  approver:       {} / {}", host::APPROVER_LOGIN, secrets.approver_password);
    println!("  Test Connection of the demo connector: {test_connection}");
    println!("  Sign in as the administrator and open Connector registrations.");
    println!();
}
