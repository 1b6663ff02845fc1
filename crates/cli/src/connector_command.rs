//! `callouts connector …`: serve callouts, import data and list notifications.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Subcommand};
use connector::import::{self, CsvSource, ImportFailure};
use connector::store::{ImportSummary, Location, PostgresStore, SqliteStore, Store};

#[derive(Debug, Subcommand)]
pub enum ConnectorCommand {
    /// Serves the callouts over HTTPS.
    Serve(ServeArgs),
    /// Imports a CSV file into the store.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Shows the stored event notifications.
    #[command(subcommand)]
    Notifications(crate::notifications_command::NotificationsCommand),
    /// Applies the missing schema migrations to the database and prints
    /// its schema version. Serving and importing apply them too.
    Migrate {
        #[arg(long, value_parser = parse_location, help = DB_HELP)]
        db: Location,
    },
}

/// Help text of every `--db` option.
pub const DB_HELP: &str = "SQLite database file, created when absent, or PostgreSQL URL \
                           (postgres://USER@HOST:PORT/DATABASE)";

/// Reads a `--db` value; every value is a file path or a URL.
pub fn parse_location(value: &str) -> Result<Location, String> {
    if value.is_empty() {
        return Err("must not be empty".to_owned());
    }
    Ok(Location::parse(value))
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
    /// TOML configuration file for everything else.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Serve plain HTTP, only behind a proxy that terminates TLS: the host
    /// sends Basic credentials with every callout.
    #[arg(long, conflicts_with_all = ["tls_cert", "tls_key"])]
    pub dangerous_plain_http: bool,
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Imports a list from CSV with the header `parent,code,text[,lang]`.
    List {
        #[arg(long, value_parser = parse_location, help = DB_HELP)]
        db: Location,
        /// Name of the list; an existing list is updated.
        #[arg(long)]
        name: String,
        /// Language of texts without a `lang` value, when the list is new.
        #[arg(long, default_value = "EN")]
        default_lang: String,
        /// CSV file, optionally gzip-compressed.
        file: PathBuf,
    },
    /// Imports attendees from CSV with a header of Attendee element names.
    Attendees {
        #[arg(long, value_parser = parse_location, help = DB_HELP)]
        db: Location,
        /// CSV file, optionally gzip-compressed.
        file: PathBuf,
    },
}

pub async fn run(command: ConnectorCommand) -> anyhow::Result<()> {
    match command {
        ConnectorCommand::Serve(args) => serve(args).await,
        // The file is opened first, so that a wrong path leaves no new database behind.
        ConnectorCommand::Import(ImportCommand::List { db, name, default_lang, file }) => {
            let source = CsvSource::open(&file)?;
            let store = open_store(&db).await?;
            let summary = import::import_list(&*store, source, &name, &default_lang).await;
            report_import(&file, summary)
        }
        ConnectorCommand::Import(ImportCommand::Attendees { db, file }) => {
            let source = CsvSource::open(&file)?;
            let store = open_store(&db).await?;
            let summary = import::import_attendees(&*store, source).await;
            report_import(&file, summary)
        }
        ConnectorCommand::Notifications(command) => crate::notifications_command::run(command).await,
        ConnectorCommand::Migrate { db } => migrate(&db).await,
    }
}

/// Opens the store, applying the missing schema migrations.
pub async fn open_store(db: &Location) -> anyhow::Result<Arc<dyn Store>> {
    db.open().await.with_context(|| format!("cannot open the database {db}"))
}

/// Opens a SQLite store, for the demo, which keeps its state in files.
pub fn open_sqlite_store(path: &std::path::Path) -> anyhow::Result<SqliteStore> {
    SqliteStore::open(path).with_context(|| format!("cannot open the database {}", path.display()))
}

async fn migrate(db: &Location) -> anyhow::Result<()> {
    let version = match db {
        Location::Sqlite(path) => open_sqlite_store(path)?
            .schema_version()
            .with_context(|| format!("cannot read the schema version of {db}"))?,
        Location::Postgres(url) => {
            let store = PostgresStore::open(url)
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

fn report_import(file: &std::path::Path, result: Result<ImportSummary, ImportFailure>) -> anyhow::Result<()> {
    match result {
        Ok(summary) => {
            println!(
                "imported {}: {} inserted, {} updated",
                file.display(),
                summary.inserted,
                summary.updated
            );
            Ok(())
        }
        Err(ImportFailure::Invalid(rows)) => {
            for row in &rows {
                eprintln!("{}: {row}", file.display());
            }
            anyhow::bail!("{} has invalid rows; nothing was imported", file.display())
        }
        Err(error) => Err(error.into()),
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let mut config = connector::Config::load(args.config.as_deref())
        .context("invalid connector configuration")?;
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
    let store = open_store(&args.db).await?;
    let options = connector::ServeOptions {
        store,
        config,
        listen: args.listen,
        tls,
    };
    connector::serve(options, shutdown_signal()).await
}

/// Completes on Ctrl-C or SIGTERM, so that open requests can finish.
pub async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    tracing::info!("shutdown requested");
}
