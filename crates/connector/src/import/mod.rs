//! CSV import of lists and attendees: every row is validated against the
//! response rules first, and nothing changes unless every row passes.

mod attendees;
mod lists;
mod source;

pub use attendees::read_attendees;
pub use lists::read_list;
pub use source::CsvSource;

use crate::store::{ImportError, ImportSummary, RowError, Store};

/// Rows reported in full when an import fails; the count covers the rest.
pub const MAX_REPORTED_ERRORS: usize = 100;

/// Failure of an import, after which the store is unchanged.
#[derive(Debug, thiserror::Error)]
pub enum ImportFailure {
    #[error("cannot read {path}: {source}")]
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

    pub(crate) fn into_failure(self) -> ImportFailure {
        ImportFailure::Invalid(self.rows)
    }
}

/// Rejects control characters, which XML 1.0 text cannot carry (tab, line
/// feed and carriage return excepted).
pub(crate) fn control_character(value: &str) -> Option<char> {
    value
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

/// Line number of a CSV record (1-based, the header being line 1).
pub(crate) fn line_of(record: &csv::StringRecord) -> u64 {
    record.position().map(|position| position.line()).unwrap_or(0)
}

/// Converts a CSV read error into a row error.
pub(crate) fn csv_error(errors: &mut Errors, error: csv::Error) {
    let line = error.position().map(|position| position.line()).unwrap_or(0);
    let rule = match error.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("expected {expected_len} fields, found {len}")
        }
        csv::ErrorKind::Utf8 { .. } => "not valid UTF-8".to_owned(),
        _ => format!("unreadable CSV: {error}"),
    };
    errors.push(line, "*", rule);
}
