//! `callouts`: one executable for every role of the callouts system.

mod bundled;
mod check_command;
mod connector_command;
mod demo;
mod host_command;
mod logging;
mod notifications_command;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// jemalloc instead of the system allocator: a search returns up to 100
/// items of a few short strings each, and jemalloc's thread caches make
/// those allocations about twice as cheap as glibc's `malloc`, which
/// BENCHMARKS.md measures side by side.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Callouts between an expense platform and its application connectors.
#[derive(Debug, Parser)]
#[command(name = "callouts", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Runs the demonstration: a development CA, the bundled data imported
    /// into an embedded database, and the connector on loopback over TLS.
    Demo(demo::DemoArgs),
    /// Writes a development CA (`ca.pem`, `ca.key`) and a server certificate
    /// (`server.pem`, `server.key`) into a directory, reusing an existing CA.
    DevCa {
        /// Directory to write the files into; created when absent.
        #[arg(long)]
        out: PathBuf,
        /// Host name or IP address the server certificate is for; repeatable.
        #[arg(long = "name", required = true)]
        names: Vec<String>,
    },
    /// The application connector: serve callouts, import data.
    #[command(subcommand)]
    Connector(connector_command::ConnectorCommand),
    /// The host: serve the registration API; create companies, users,
    /// API tokens and the secret key.
    #[command(subcommand)]
    Host(host_command::HostCommand),
    /// Checks a connector against the callouts contract: TLS, credentials,
    /// strict responses, search semantics, limits, malformed requests and
    /// latency. Exits non-zero when a check fails.
    Check(check_command::CheckArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    // The report is what `check` prints; a log line per probe would bury it.
    match cli.command {
        Command::Check(_) => logging::init_with_default("error"),
        _ => logging::init(),
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Demo(args) => demo::run(args).await,
            Command::DevCa { out, names } => write_dev_ca(&out, &names),
            Command::Connector(command) => connector_command::run(command).await,
            Command::Host(command) => host_command::run(command).await,
            Command::Check(args) => check_command::run(args).await,
        }
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn write_dev_ca(out: &std::path::Path, names: &[String]) -> anyhow::Result<()> {
    let files = tls::dev_ca::write_dev_ca(out, names)?;
    let origin = if files.ca_reused { "reused" } else { "generated" };
    println!("CA certificate ({origin}): {}", files.ca_certificate.display());
    println!("CA private key: {}", files.ca_private_key.display());
    println!("server certificate: {}", files.server_certificate.display());
    println!("server private key: {}", files.server_private_key.display());
    Ok(())
}
