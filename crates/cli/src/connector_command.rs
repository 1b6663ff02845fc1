//! `callouts connector …`: serve callouts, import data and list notifications.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Subcommand};
use connector::import::{self, CsvSource, ImportFailure};
use connector::store::{ImportSummary, SqliteStore};

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
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// SQLite database file; created when absent.
    #[arg(long)]
    pub db: PathBuf,
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
        /// SQLite database file; created when absent.
        #[arg(long)]
        db: PathBuf,
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
        /// SQLite database file; created when absent.
        #[arg(long)]
        db: PathBuf,
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
            let store = open_store(&db)?;
            let summary = import::import_list(&store, source, &name, &default_lang).await;
            report_import(&file, summary)
        }
        ConnectorCommand::Import(ImportCommand::Attendees { db, file }) => {
            let source = CsvSource::open(&file)?;
            let store = open_store(&db)?;
            let summary = import::import_attendees(&store, source).await;
            report_import(&file, summary)
        }
        ConnectorCommand::Notifications(command) => crate::notifications_command::run(command),
    }
}

pub fn open_store(db: &std::path::Path) -> anyhow::Result<SqliteStore> {
    SqliteStore::open(db).with_context(|| format!("cannot open the database {}", db.display()))
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
    let store = Arc::new(open_store(&args.db)?);
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
