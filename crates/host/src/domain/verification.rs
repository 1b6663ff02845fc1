//! The last run of Verify services: the conformance suite's report on a registration's connector.

use conformance::{Report, Summary};
use time::OffsetDateTime;

use super::accounts::UserId;

/// A completed run of the conformance suite against a registration, as
/// stored. Each registration keeps only its last run.
#[derive(Debug, Clone, PartialEq)]
pub struct Verification {
    /// When the run started.
    pub at: OffsetDateTime,
    pub duration_ms: u64,
    pub actor_user_id: UserId,
    pub actor_login: String,
    /// The checker's report. It names the credentials sent (`configured`,
    /// `wrong password`, `none`) and redacts the password in everything
    /// the connector returned, so it never contains the password.
    pub report: Report,
}

/// Writes the outcome counts of a report as one line, such as
/// `40 passed, 1 warned, 0 failed, 2 skipped`.
pub fn outcome_counts(summary: &Summary) -> String {
    format!(
        "{} passed, {} warned, {} failed, {} skipped",
        summary.pass, summary.warn, summary.fail, summary.skipped
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcome_counts_names_each_outcome() {
        let summary = Summary {
            pass: 4,
            warn: 3,
            fail: 2,
            skipped: 1,
        };

        assert_eq!(
            outcome_counts(&summary),
            "4 passed, 3 warned, 2 failed, 1 skipped"
        );
    }
}
