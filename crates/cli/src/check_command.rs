//! `callouts check`: runs the conformance suite against a connector and prints the report.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use conformance::{CheckConfig, Password, Service};
use outbound::{Host, Origin};
use protocol::AttendeeVersion;

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The connector's origin, https://HOST[:PORT], as a host registration stores it.
    #[arg(long)]
    pub url: String,
    /// Basic authentication user name of the registration.
    #[arg(long)]
    pub username: String,
    /// Name of the environment variable that contains the password, so that it
    /// stays out of the process list and shell history.
    #[arg(long)]
    pub password_env: String,
    /// Service to check; repeatable. Default: all three.
    #[arg(long = "service", value_enum)]
    pub services: Vec<ServiceArg>,
    /// Test Connection path.
    #[arg(long, default_value = conformance::DEFAULT_TEST_CONNECTION_PATH)]
    pub test_connection_path: String,
    /// Fetch Attendee path.
    #[arg(long, default_value = conformance::DEFAULT_ATTENDEE_PATH)]
    pub attendee_path: String,
    /// Fetch Attendee version. Default: v1.0 when the path contains `v1.0`, else v2.0.
    #[arg(long, value_enum)]
    pub attendee_version: Option<VersionArg>,
    /// OwnerLoginID sent with Fetch Attendee requests. Default: owner@example.com.
    #[arg(long)]
    pub owner_login_id: Option<String>,
    /// Fetch List path.
    #[arg(long, default_value = conformance::DEFAULT_LIST_PATH)]
    pub list_path: String,
    /// `list-name` sent with Fetch List requests; needed when the connector
    /// serves several lists on one path. Default: an empty element.
    #[arg(long)]
    pub list_name: Option<String>,
    /// Report format: text for people, json for CI.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// PEM file of a CA to trust besides Mozilla's roots; repeatable.
    #[arg(long = "trust-ca")]
    pub trust_ca: Vec<PathBuf>,
    /// Length of the load run in seconds, shared by the callouts measured; 0 skips it.
    #[arg(long, default_value_t = conformance::DEFAULT_LOAD_DURATION.as_secs())]
    pub duration_secs: u64,
    /// Requests in flight during the load run, 1 to 32.
    #[arg(long, default_value_t = conformance::DEFAULT_CONCURRENCY)]
    pub concurrency: usize,
    /// Limit on one request in seconds, connection included.
    #[arg(long, default_value_t = 15)]
    pub timeout_secs: u64,
    /// Call private, link-local and other non-public addresses, which a host
    /// rejects. Loopback URLs (localhost, 127.0.0.0/8, ::1) are allowed without it.
    #[arg(long)]
    pub allow_private_addresses: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ServiceArg {
    TestConnection,
    FetchAttendee,
    FetchList,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VersionArg {
    #[value(name = "v1.0")]
    V1_0,
    #[value(name = "v2.0")]
    V2_0,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// Runs the suite, prints the report on standard output, and fails when a check failed.
pub async fn run(args: CheckArgs) -> anyhow::Result<()> {
    let format = args.format;
    let config = check_config(args)?;
    let report = conformance::run(&config).await?;

    match format {
        Format::Text => print!("{}", report.to_text()),
        Format::Json => println!("{}", report.to_json()),
    }
    if !report.passed {
        bail!(
            "{} of {} checks failed",
            report.summary.fail,
            report.findings.len()
        );
    }
    Ok(())
}

fn check_config(args: CheckArgs) -> anyhow::Result<CheckConfig> {
    let password = std::env::var(&args.password_env).with_context(|| {
        format!(
            "the environment variable {} named by --password-env is not set or not UTF-8",
            args.password_env
        )
    })?;
    let origin = Origin::parse(&args.url).map_err(|cause| anyhow::anyhow!("--url: {cause}"))?;
    let trusted_ca_pems = tls::client::read_ca_pem_files(&args.trust_ca)?;

    let mut config = CheckConfig::new(args.url, args.username, Password::new(password));
    if !args.services.is_empty() {
        config.services = Service::ALL
            .into_iter()
            .filter(|service| args.services.contains(&service_arg(*service)))
            .collect();
    }
    config.test_connection_path = args.test_connection_path;
    config.attendee_path = args.attendee_path;
    config.attendee_version = args.attendee_version.map(|version| match version {
        VersionArg::V1_0 => AttendeeVersion::V1_0,
        VersionArg::V2_0 => AttendeeVersion::V2_0,
    });
    config.owner_login_id = args.owner_login_id.unwrap_or_default();
    config.list_path = args.list_path;
    config.list_name = args.list_name.unwrap_or_default();
    config.trusted_ca_pems = trusted_ca_pems;
    config.allow_private_addresses = args.allow_private_addresses || is_loopback(&origin);
    config.load_duration = Duration::from_secs(args.duration_secs);
    config.concurrency = args.concurrency;
    config.request_timeout = Duration::from_secs(args.timeout_secs);
    Ok(config)
}

fn service_arg(service: Service) -> ServiceArg {
    match service {
        Service::TestConnection => ServiceArg::TestConnection,
        Service::FetchAttendee => ServiceArg::FetchAttendee,
        Service::FetchList => ServiceArg::FetchList,
    }
}

/// Returns whether the URL names this machine. A connector on loopback is a
/// developer's own, so checking it needs no flag. Other private ranges need
/// `--allow-private-addresses`, because a host rejects them.
fn is_loopback(origin: &Origin) -> bool {
    match origin.host() {
        Host::Ip(address) => address.is_loopback(),
        Host::Domain(name) => name == "localhost" || name.ends_with(".localhost"),
    }
}
