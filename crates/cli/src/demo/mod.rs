//! `callouts demo`: the connector serving real callouts on loopback from
//! bundled data, with nothing but this executable.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use connector::import::{self, CsvSource};
use connector::store::{SqliteStore, Store};
use rand::Rng;
use rand::distr::Alphanumeric;

use crate::bundled;
use crate::connector_command::{open_store, shutdown_signal};

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Directory for the CA, the certificates and the database; kept between
    /// runs so that the data is imported once and the CA stays trusted.
    #[arg(long, default_value = ".callouts/demo")]
    pub state_dir: PathBuf,
    /// Loopback address and port of the connector; port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:8443")]
    pub listen: SocketAddr,
    /// Stop after printing the URL and commands instead of serving until
    /// Ctrl-C; checks that the demonstration starts.
    #[arg(long)]
    pub exit_when_ready: bool,
}

const DEMO_USERNAME: &str = "demo-connector";

pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.state_dir)
        .with_context(|| format!("cannot create {}", args.state_dir.display()))?;
    let host = args.listen.ip().to_string();
    let names = vec!["localhost".to_owned(), host.clone()];
    let certificates = tls::dev_ca::write_dev_ca(&args.state_dir.join("tls"), &names)
        .context("cannot write the development CA")?;

    let store = open_store(&args.state_dir.join("connector.db"))?;
    import_bundled_data(&store).await?;

    let password = generate_password();
    let mut config = connector::Config::default();
    config.credentials.username = DEMO_USERNAME.to_owned();
    config.credentials.password = connector::Secret::new(password.clone());
    let tls_config = tls::server::server_config_from_pem_files(
        &certificates.server_certificate,
        &certificates.server_private_key,
    )?;
    let bound = connector::bind(connector::ServeOptions {
        store: Arc::new(store),
        config,
        listen: args.listen,
        tls: Some(tls_config),
    })
    .await
    .with_context(|| format!("cannot listen on {}", args.listen))?;

    let port = bound.local_addr().port();
    print_instructions(&format!("https://localhost:{port}"), &password, &certificates.ca_certificate);
    if args.exit_when_ready {
        return Ok(());
    }
    bound.run(shutdown_signal()).await
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

fn generate_password() -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(24)
        .map(char::from)
        .collect()
}

fn print_instructions(url: &str, password: &str, ca: &Path) {
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
    println!();
    println!("Press Ctrl-C to stop.");
}
