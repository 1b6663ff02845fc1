//! CSV import of lists and attendees: every row is validated against the
//! response rules first, and nothing changes unless every row passes.

mod attendees;
mod lists;
mod quoting;
mod source;

use std::io::Read;

pub use attendees::read_attendees;
pub use lists::read_list;
pub use source::CsvSource;

use crate::store::{ImportError, ImportSummary, RowError, Store};
use quoting::QuoteChecked;

/// The CSV reader of an import, over bytes whose quoting is checked.
pub(crate) type CsvReader = csv::Reader<QuoteChecked<Box<dyn Read + Send>>>;

/// Rows reported in full when an import fails; the count covers the rest.
pub const MAX_REPORTED_ERRORS: usize = 100;

/// Failure of an import, after which the store is unchanged.
#[derive(Debug, thiserror::Error)]
pub enum ImportFailure {
    #[error("cannot read {path}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{} invalid row(s); nothing was imported", .0.len())]
    Invalid(Vec<RowError>),
    #[error("store failed during import")]
    Store(#[source] crate::store::StoreError),
}

impl From<ImportError> for ImportFailure {
    fn from(error: ImportError) -> Self {
        match error {
            ImportError::Rejected(rows) => ImportFailure::Invalid(rows),
            ImportError::Store(error) => ImportFailure::Store(error),
        }
    }
}

/// Reads and imports a list file into the list `name`.
pub async fn import_list(
    store: &dyn Store,
    source: CsvSource,
    name: &str,
    default_lang: &str,
) -> Result<ImportSummary, ImportFailure> {
    let import = read_list(source, name, default_lang)?;
    Ok(store.import_list(import).await?)
}

/// Reads and imports an attendee file.
pub async fn import_attendees(
    store: &dyn Store,
    source: CsvSource,
) -> Result<ImportSummary, ImportFailure> {
    let records = read_attendees(source)?;
    Ok(store.import_attendees(records).await?)
}

/// Collects row errors, keeping the first [`MAX_REPORTED_ERRORS`].
#[derive(Default)]
pub(crate) struct Errors {
    rows: Vec<RowError>,
}

impl Errors {
    pub(crate) fn push(&mut self, line: u64, column: &str, rule: impl Into<String>) {
        if self.rows.len() < MAX_REPORTED_ERRORS {
            self.rows.push(RowError {
                line,
                column: column.to_owned(),
                rule: rule.into(),
            });
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Ends the import with the errors in line order; quoting violations
    /// are found apart from the other checks.
    pub(crate) fn into_failure(mut self) -> ImportFailure {
        self.rows.sort_by_key(|row| row.line);
        ImportFailure::Invalid(self.rows)
    }
}

/// Finds a character that the callout XML cannot carry: control
/// characters other than tab, line feed and carriage return, and the
/// noncharacters U+FFFE and U+FFFF, which XML 1.0 forbids.
pub(crate) fn forbidden_character(value: &str) -> Option<char> {
    value.chars().find(|&c| {
        (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{FFFE}' | '\u{FFFF}')
    })
}

/// Describes a character that [`forbidden_character`] found.
pub(crate) fn forbidden_character_rule(character: char) -> String {
    format!(
        "contains the character U+{:04X}, which callout XML cannot carry",
        u32::from(character)
    )
}

/// Line number of a CSV record (1-based, the header being line 1).
pub(crate) fn line_of(record: &csv::StringRecord) -> u64 {
    record.position().map(|position| position.line()).unwrap_or(0)
}

/// Name of the column at `index`, from the header when it was read.
fn column_name(header: Option<&csv::StringRecord>, index: usize) -> String {
    header
        .and_then(|header| header.get(index))
        .map(|name| name.trim_start_matches('\u{feff}').to_owned())
        .unwrap_or_else(|| format!("field {}", index + 1))
}

/// Converts a CSV read error into a row error. An error without a position,
/// such as a failed read, is reported at the line the reader had reached.
pub(crate) fn csv_error(
    errors: &mut Errors,
    error: csv::Error,
    reader: &CsvReader,
    header: Option<&csv::StringRecord>,
) {
    let line = error
        .position()
        .map_or_else(|| reader.position().line(), |position| position.line());
    match error.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            errors.push(line, "*", format!("expected {expected_len} fields, found {len}"));
        }
        csv::ErrorKind::Utf8 { err, .. } => {
            errors.push(line, &column_name(header, err.field()), "not valid UTF-8");
        }
        csv::ErrorKind::Io(cause) => errors.push(
            line,
            "*",
            format!("reading failed here, so the file ends early or is damaged: {cause}"),
        ),
        _ => errors.push(line, "*", format!("unreadable CSV: {error}")),
    }
}

/// Reads every record after the header, passing each to `row`. CSV errors
/// and quoting violations go to `errors`. Reading stops at the first failed
/// read, because nothing after it can be trusted.
pub(crate) fn read_records(
    reader: &mut CsvReader,
    header: &csv::StringRecord,
    errors: &mut Errors,
    mut row: impl FnMut(&csv::StringRecord, &mut Errors),
) {
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => row(&record, errors),
            Ok(false) => break,
            Err(error) => {
                let failed_read = matches!(error.kind(), csv::ErrorKind::Io(_));
                csv_error(errors, error, reader, Some(header));
                if failed_read {
                    break;
                }
            }
        }
    }
    for violation in reader.get_ref().violations() {
        let column = column_name(Some(header), violation.field);
        errors.push(violation.line, &column, violation.rule);
    }
}
