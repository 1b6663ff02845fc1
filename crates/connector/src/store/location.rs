//! Where a store lives, as the command line's `--db` names it.

use std::path::PathBuf;
use std::sync::Arc;

use super::postgres::{self, PostgresStore};
use super::{SqliteStore, Store, StoreError};

/// A SQLite database file, or a PostgreSQL database named by a
/// `postgres://` or `postgresql://` URL.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Location {
    /// Reads a `--db` value: a PostgreSQL URL, or else a file path.
    pub fn parse(value: &str) -> Location {
        if postgres::is_postgres_url(value) {
            Location::Postgres(value.to_owned())
        } else {
            Location::Sqlite(PathBuf::from(value))
        }
    }

    /// Opens the store, applying the missing schema migrations.
    pub async fn open(&self) -> Result<Arc<dyn Store>, StoreError> {
        Ok(match self {
            Location::Sqlite(path) => Arc::new(SqliteStore::open(path)?),
            Location::Postgres(url) => Arc::new(PostgresStore::open(url).await?),
        })
    }
}

/// Shows the file path, or the URL without its password.
impl std::fmt::Display for Location {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Sqlite(path) => write!(formatter, "{}", path.display()),
            Location::Postgres(url) => formatter.write_str(&postgres::redact_url(url)),
        }
    }
}

/// Same as `Display`, so that a derived `Debug` of a containing value
/// never shows a password either.
impl std::fmt::Debug for Location {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, formatter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_tells_urls_from_paths() {
        let url = "postgresql://app@db.example.com/callouts";
        assert_eq!(Location::parse(url), Location::Postgres(url.to_owned()));
        assert_eq!(
            Location::parse("postgres.db"),
            Location::Sqlite(PathBuf::from("postgres.db"))
        );
    }

    #[test]
    fn display_hides_password() {
        let location = Location::parse("postgres://app:s3cret@db.example.com:5432/callouts");

        let shown = format!("{location} {location:?}");

        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("db.example.com:5432/callouts"), "{shown}");
    }
}
