//! Versioned schema changes of the host. Each engine keeps its own numbered
//! SQL files and records the versions it applied in the table
//! `schema_migrations`. Stores apply the missing ones when they open, and
//! so does `callouts host migrate`.

use super::StoreError;

/// The connector's migration type and version arithmetic, which are the
/// same for the host; only the error message differs.
pub use connector::store::migrations::Migration;

/// Returns the migrations of `known` that `applied` lacks, in version order,
/// or an error when the database has a version this host does not know.
pub(super) fn pending<'a>(
    known: &'a [Migration],
    applied: &[i64],
) -> Result<Vec<&'a Migration>, StoreError> {
    connector::store::migrations::pending(known, applied).map_err(|unknown| {
        StoreError::Database(Box::new(UnknownVersion {
            found: unknown.found,
            latest: unknown.latest,
        }))
    })
}

/// A database schema newer than the host that opens it.
#[derive(Debug, thiserror::Error)]
#[error(
    "the database has schema version {found}, but this host knows versions up to {latest}; \
     run a host release that knows version {found}"
)]
pub struct UnknownVersion {
    pub found: i64,
    pub latest: i64,
}
