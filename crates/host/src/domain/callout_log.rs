//! The log of search callouts sent to a registration's connector, as the registration page shows it.

use time::OffsetDateTime;

use super::services::ServiceKind;

/// Entries kept per registration; older ones are deleted as new ones arrive.
pub const CALLOUT_LOG_KEPT: usize = 50;

/// Outcome of one sent callout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CalloutOutcome {
    /// The connector responded within the contract, and `results` records or
    /// items were passed on. `refine_search` is set when the connector
    /// returned more than the requested maximum, so that some were dropped.
    Succeeded { results: u32, refine_search: bool },
    /// No usable response: connect, TLS, timeout or HTTP status. `kind` is
    /// a stable code such as `timed_out`; `detail` is a sentence for an administrator.
    Failed { kind: String, detail: String },
    /// The response broke the contract; `rule` names the element and the rule.
    InvalidAnswer { rule: String },
}

impl CalloutOutcome {
    /// Returns the outcome's name in the store, logs and metrics.
    pub fn as_str(&self) -> &'static str {
        match self {
            CalloutOutcome::Succeeded { .. } => "succeeded",
            CalloutOutcome::Failed { .. } => "failed",
            CalloutOutcome::InvalidAnswer { .. } => "invalid_answer",
        }
    }

    /// Returns whether the callout failed or its response broke the contract.
    pub fn is_error(&self) -> bool {
        !matches!(self, CalloutOutcome::Succeeded { .. })
    }
}

/// One callout in the log. No entry carries a credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalloutRecord {
    /// Start time of the callout.
    pub at: OffsetDateTime,
    pub service: ServiceKind,
    /// Time from sending the request to the end of the checked response.
    pub duration_ms: u64,
    pub outcome: CalloutOutcome,
}
