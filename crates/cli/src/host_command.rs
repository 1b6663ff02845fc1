//! `callouts host …`: serve the host, and create its companies, users, API tokens and secret key.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Subcommand};
use host::Secret;
use host::domain::accounts::{self, CompanyInput, UserInput};
use connector::store::Location;
use host::store::{HostStore, PostgresHostStore, SqliteHostStore};

use crate::connector_command::{DB_HELP, parse_location};

/// Variable holding the password of `host user create`; without it the command prompts.
const USER_PASSWORD_ENV: &str = "CALLOUTS_USER_PASSWORD";

#[derive(Debug, Subcommand)]
pub enum HostCommand {
    /// Serves the host's JSON API over HTTPS.
    Serve(ServeArgs),
    /// Creates companies.
    #[command(subcommand)]
    Company(CompanyCommand),
    /// Creates users.
    #[command(subcommand)]
    User(UserCommand),
    /// Issues API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Manages the key that encrypts connector passwords.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Applies the missing schema migrations to the database and prints
    /// its schema version. Serving and the other commands apply them too.
    Migrate {
        #[arg(long, value_parser = parse_location, help = DB_HELP)]
        db: Location,
    },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[arg(long, value_parser = parse_location, help = DB_HELP)]
    pub db: Location,
    /// Address and port to listen on, for example 0.0.0.0:8443.
    #[arg(long)]
    pub listen: SocketAddr,
    /// PEM file with the server certificate, optionally followed by its chain.
    #[arg(long, required_unless_present = "dangerous_plain_http")]
    pub tls_cert: Option<PathBuf>,
    /// PEM file with the server's private key.
    #[arg(long, required_unless_present = "dangerous_plain_http")]
    pub tls_key: Option<PathBuf>,
    /// PEM file of a CA that connector certificates may chain to, besides
    /// Mozilla's roots; repeatable.
    #[arg(long = "trust-ca")]
    pub trust_ca: Vec<PathBuf>,
    /// Let registrations point at loopback and private addresses; for
    /// demonstrations and tests only.
    #[arg(long)]
    pub allow_private_addresses: bool,
    /// TOML configuration file for everything else.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Serve plain HTTP, only behind a proxy that terminates TLS: API
    /// tokens and connector passwords cross the network.
    #[arg(long, conflicts_with_all = ["tls_cert", "tls_key"])]
    pub dangerous_plain_http: bool,
}

#[derive(Debug, Subcommand)]
pub enum CompanyCommand {
    /// Creates a company.
    Create {
        #[arg(long, value_parser = parse_location, help = DB_HELP)]
        db: Location,
        /// Company name, unique.
        #[arg(long)]
        name: String,
        /// `standard` or `professional`.
        #[arg(long, value_parser = ["standard", "professional"])]
        edition: String,
        /// Marks the company as a Development Partner.
        #[arg(long)]
        development_partner: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Creates a user; the password comes from CALLOUTS_USER_PASSWORD or a prompt.
    Create {
        #[arg(long, value_parser = parse_location, help = DB_HELP)]
        db: Location,
        /// Name of the user's company.
        #[arg(long)]
        company: String,
        /// Login, unique across companies.
        #[arg(long)]
        login: String,
        /// Role; repeatable.
        #[arg(
            long = "role",
            required = true,
            value_parser = ["employee", "approver", "can-administer", "web-services-administrator", "company-administrator"]
        )]
        roles: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Prints a new API token for a user; only its SHA-256 hash is stored.
    Create {
        #[arg(long, value_parser = parse_location, help = DB_HELP)]
        db: Location,
        /// Login of the user the token acts for.
        #[arg(long)]
        login: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Prints a new random key in base64, for CALLOUTS_HOST_SECRET_KEY or a key file.
    Generate,
}

pub async fn run(command: HostCommand) -> anyhow::Result<()> {
    match command {
        HostCommand::Serve(args) => serve(args).await,
        HostCommand::Company(CompanyCommand::Create {
            db,
            name,
            edition,
            development_partner,
        }) => {
            let store = open_store(&db).await?;
            let input = CompanyInput {
                name,
                edition,
                development_partner,
            };
            let company = accounts::create_company(store.as_ref(), &input).await?;
            println!(
                "created company {} ({}, development partner: {})",
                company.name,
                company.edition.as_str(),
                if company.development_partner { "yes" } else { "no" }
            );
            Ok(())
        }
        HostCommand::User(UserCommand::Create {
            db,
            company,
            login,
            roles,
        }) => {
            let store = open_store(&db).await?;
            let input = UserInput {
                company_name: company,
                login,
                roles,
                password: read_user_password()?,
            };
            let user = accounts::create_user(store.as_ref(), &input).await?;
            let roles: Vec<&str> = user.roles.iter().map(|role| role.as_str()).collect();
            println!("created user {} with roles {}", user.login, roles.join(", "));
            Ok(())
        }
        HostCommand::Token(TokenCommand::Create { db, login }) => {
            let store = open_store(&db).await?;
            let token = accounts::issue_api_token(store.as_ref(), &login).await?;
            eprintln!("API token for {login}; store it now, it cannot be shown again:");
            println!("{}", token.expose());
            Ok(())
        }
        HostCommand::Key(KeyCommand::Generate) => {
            println!("{}", host::crypto::generate_key_base64());
            Ok(())
        }
        HostCommand::Migrate { db } => migrate(&db).await,
    }
}

/// Opens the store, applying the missing schema migrations.
async fn open_store(db: &Location) -> anyhow::Result<Arc<dyn HostStore>> {
    let opened: Result<Arc<dyn HostStore>, host::store::StoreError> = match db {
        Location::Sqlite(path) => SqliteHostStore::open(path).map(|store| Arc::new(store) as _),
        Location::Postgres(url) => PostgresHostStore::open(url)
            .await
            .map(|store| Arc::new(store) as _),
    };
    opened.with_context(|| format!("cannot open the database {db}"))
}

async fn migrate(db: &Location) -> anyhow::Result<()> {
    let version = match db {
        Location::Sqlite(path) => SqliteHostStore::open(path)
            .with_context(|| format!("cannot migrate the database {db}"))?
            .schema_version()
            .with_context(|| format!("cannot read the schema version of {db}"))?,
        Location::Postgres(url) => {
            let store = PostgresHostStore::open(url)
                .await
                .with_context(|| format!("cannot migrate the database {db}"))?;
            let version = store.schema_version().await;
            store.close().await;
            version.with_context(|| format!("cannot read the schema version of {db}"))?
        }
    };
    println!("{db}: schema version {version}");
    Ok(())
}

/// Reads the new user's password from the environment, or twice from the
/// terminal without echo.
fn read_user_password() -> anyhow::Result<Secret> {
    if let Ok(password) = std::env::var(USER_PASSWORD_ENV) {
        return Ok(Secret::new(password));
    }
    let first = rpassword::prompt_password("Password for the new user: ").with_context(|| {
        format!("cannot read the password from the terminal; set {USER_PASSWORD_ENV} instead")
    })?;
    let second = rpassword::prompt_password("Repeat the password: ")
        .context("cannot read the password from the terminal")?;
    if first != second {
        anyhow::bail!("the two passwords differ; nothing was created");
    }
    Ok(Secret::new(first))
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let mut config =
        host::Config::load(args.config.as_deref()).context("invalid host configuration")?;
    if args.dangerous_plain_http {
        config.dangerous_plain_http = true;
    }
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(
            tls::server::server_config_from_pem_files(cert, key)
                .context("cannot load the TLS certificate and key")?,
        ),
        _ => None,
    };
    let cipher = host::server::load_cipher(&config, |name| std::env::var(name).ok())?;
    let trusted = tls::client::read_ca_pem_files(&args.trust_ca)
        .context("cannot read a --trust-ca file")?;
    let allow_private_addresses = args.allow_private_addresses || config.outbound.allow_private_addresses;
    let tester = host::tester::outbound_tester(&config.outbound, trusted, allow_private_addresses)
        .context("cannot build the outbound client")?;
    if allow_private_addresses {
        tracing::warn!("registrations may point at loopback and private addresses (--allow-private-addresses)");
    }

    let store = open_store(&args.db).await?;
    let app = host::HostApp::new(store, cipher, Arc::new(tester), config)?;
    // Cookies are Secure even on plain HTTP, because plain HTTP is allowed
    // only behind a TLS-terminating proxy, so browsers still use HTTPS.
    let pages = host::web::router(&app, host::web::WebOptions::new(true));
    let options = host::ServeOptions {
        app,
        listen: args.listen,
        tls,
        extra_routes: Some(pages),
    };
    host::serve(options, crate::connector_command::shutdown_signal()).await
}
