//! Versioned schema changes. Each engine keeps its own numbered SQL files
//! and records the versions it applied in the table `schema_migrations`;
//! stores apply the missing ones when they open, and so does
//! `callouts connector migrate`.

/// One schema change, applied in one transaction with the others of a run.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// Version number; versions start at 1 and have no gaps.
    pub version: i64,
    /// Short name, recorded next to the version.
    pub name: &'static str,
    pub sql: &'static str,
}

/// Returns the migrations of `known` that `applied` lacks, in version
/// order, or an error naming the versions when the database has one that
/// this connector does not know (a newer connector migrated it).
pub fn pending<'a>(
    known: &'a [Migration],
    applied: &[i64],
) -> Result<Vec<&'a Migration>, UnknownVersion> {
    let latest = known.iter().map(|migration| migration.version).max().unwrap_or(0);
    if let Some(&newest) = applied.iter().max().filter(|&&newest| newest > latest) {
        return Err(UnknownVersion { found: newest, latest });
    }
    let mut missing: Vec<&Migration> = known
        .iter()
        .filter(|migration| !applied.contains(&migration.version))
        .collect();
    missing.sort_by_key(|migration| migration.version);
    Ok(missing)
}

/// A database schema newer than the connector that opens it.
#[derive(Debug, thiserror::Error)]
#[error(
    "the database has schema version {found}, but this connector knows versions up to {latest}; \
     run a connector release that knows version {found}"
)]
pub struct UnknownVersion {
    pub found: i64,
    pub latest: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    const KNOWN: [Migration; 2] = [
        Migration { version: 1, name: "initial", sql: "" },
        Migration { version: 2, name: "second", sql: "" },
    ];

    #[test]
    fn pending_lists_missing_versions_in_order() {
        let versions: Vec<i64> = pending(&KNOWN, &[]).unwrap().iter().map(|m| m.version).collect();
        assert_eq!(versions, [1, 2]);
        let versions: Vec<i64> = pending(&KNOWN, &[1]).unwrap().iter().map(|m| m.version).collect();
        assert_eq!(versions, [2]);
    }

    #[test]
    fn pending_rejects_unknown_newer_version() {
        let error = pending(&KNOWN, &[1, 2, 3]).unwrap_err();
        assert_eq!(error.found, 3);
        assert_eq!(error.latest, 2);
    }
}
