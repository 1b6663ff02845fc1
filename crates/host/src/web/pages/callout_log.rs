//! The recent callouts and the last errors of a registration, as its page shows them.

use super::{display_time, service_label};
use crate::domain::callout_log::{CALLOUT_LOG_KEPT, CalloutOutcome, CalloutRecord};
use crate::domain::{Actor, RegistrationId};
use crate::web::WebState;
use crate::web::errors::PageError;

/// Callouts listed in the recent-callouts table.
const RECENT_SHOWN: usize = 10;
/// Errors listed with their full rule or detail.
const ERRORS_SHOWN: usize = 5;

/// One row of the recent-callouts table.
pub(crate) struct CalloutRow {
    pub at: String,
    pub service: &'static str,
    pub outcome: String,
    pub duration_ms: u64,
    /// Results passed on; empty for a failed callout.
    pub results: String,
}

/// One of the last errors, with the rule or detail an administrator can act on.
pub(crate) struct CalloutErrorRow {
    pub at: String,
    pub service: &'static str,
    pub message: String,
}

/// The callout section of the registration page.
pub(crate) struct CalloutLogView {
    pub recent: Vec<CalloutRow>,
    pub errors: Vec<CalloutErrorRow>,
}

/// Reads the registration's callout log, newest first. The caller has
/// already checked that the actor may see the registration.
pub(crate) async fn callout_log_view(
    state: &WebState,
    actor: &Actor,
    registration_id: RegistrationId,
) -> Result<CalloutLogView, PageError> {
    let records = state
        .store
        .recent_callouts(actor.company.id, registration_id, CALLOUT_LOG_KEPT)
        .await?;

    let recent = records.iter().take(RECENT_SHOWN).map(row).collect();
    let errors = records
        .iter()
        .filter(|record| record.outcome.is_error())
        .take(ERRORS_SHOWN)
        .map(error_row)
        .collect();
    Ok(CalloutLogView { recent, errors })
}

fn row(record: &CalloutRecord) -> CalloutRow {
    let (outcome, results) = match &record.outcome {
        CalloutOutcome::Succeeded {
            results,
            refine_search: false,
        } => ("Succeeded".to_owned(), results.to_string()),
        CalloutOutcome::Succeeded {
            results,
            refine_search: true,
        } => (
            "Succeeded; the connector returned more than requested".to_owned(),
            results.to_string(),
        ),
        CalloutOutcome::Failed { kind, .. } => (format!("Failed ({kind})"), String::new()),
        CalloutOutcome::InvalidAnswer { .. } => ("Invalid answer".to_owned(), String::new()),
    };
    CalloutRow {
        at: display_time(record.at),
        service: service_label(record.service),
        outcome,
        duration_ms: record.duration_ms,
        results,
    }
}

fn error_row(record: &CalloutRecord) -> CalloutErrorRow {
    let message = match &record.outcome {
        CalloutOutcome::Failed { kind, detail } => format!("Failed ({kind}): {detail}"),
        CalloutOutcome::InvalidAnswer { rule } => format!("Invalid answer: {rule}"),
        CalloutOutcome::Succeeded { .. } => String::new(),
    };
    CalloutErrorRow {
        at: display_time(record.at),
        service: service_label(record.service),
        message,
    }
}
