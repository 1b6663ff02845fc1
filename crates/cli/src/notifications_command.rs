//! `callouts connector notifications list`: the stored event notifications and their processing state.

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};
use connector::store::{Location, NotificationRecord, NotificationStatus};

use crate::check_command::Format;
use crate::connector_command::{DB_HELP, open_store, parse_location};

#[derive(Debug, Subcommand)]
pub enum NotificationsCommand {
    /// Lists stored notifications in arrival order, with their processing
    /// state, attempts and last error.
    List(ListArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[arg(long, value_parser = parse_location, help = DB_HELP)]
    pub db: Location,
    /// Lists only notifications in this state.
    #[arg(long, value_enum)]
    pub status: Option<StatusArg>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Lists at most this many of the newest notifications.
    #[arg(long, default_value_t = 1000)]
    pub limit: usize,
}

/// A processing state, as `--status` takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusArg {
    Received,
    Done,
    Failed,
    Superseded,
}

impl From<StatusArg> for NotificationStatus {
    fn from(status: StatusArg) -> Self {
        match status {
            StatusArg::Received => NotificationStatus::Received,
            StatusArg::Done => NotificationStatus::Done,
            StatusArg::Failed => NotificationStatus::Failed,
            StatusArg::Superseded => NotificationStatus::Superseded,
        }
    }
}

pub async fn run(command: NotificationsCommand) -> anyhow::Result<()> {
    let NotificationsCommand::List(args) = command;
    // Opening creates a missing file, and an empty new database would hide a wrong path.
    if let Location::Sqlite(path) = &args.db {
        if !path.exists() {
            bail!("the database {} does not exist", path.display());
        }
    }
    let store = open_store(&args.db).await?;
    let Some(queue) = store.notification_queue() else {
        bail!("the database {} keeps no notification queue", args.db);
    };
    let records = queue
        .list_notifications(args.status.map(NotificationStatus::from), args.limit)
        .await
        .with_context(|| format!("failed to read notifications from {}", args.db))?;

    match args.format {
        Format::Text => print!("{}", to_text(&records)),
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&records).context("failed to write JSON")?
        ),
    }
    Ok(())
}

/// Writes one tab-separated line per notification under a header line.
fn to_text(records: &[NotificationRecord]) -> String {
    let mut text = "ID\tSTATUS\tATTEMPTS\tRECEIVED\tEVENT TYPE\tOBJECT URI\tDECISION\tLAST ERROR\n".to_owned();
    for record in records {
        let cells = [
            record.id.to_string(),
            record.status.to_string(),
            record.attempts.to_string(),
            record.received_at.clone(),
            record.event_type.clone(),
            record.object_uri.clone(),
            record.decision.clone().unwrap_or_else(|| "-".to_owned()),
            record.last_error.clone().unwrap_or_else(|| "-".to_owned()),
        ];
        let cells: Vec<String> = cells.iter().map(|cell| one_line(cell)).collect();
        text.push_str(&cells.join("\t"));
        text.push('\n');
    }
    text
}

/// Replaces tabs, line breaks and other control characters with spaces,
/// so that every notification stays on one line.
fn one_line(cell: &str) -> String {
    cell.chars()
        .map(|character| if character.is_control() { ' ' } else { character })
        .collect()
}
