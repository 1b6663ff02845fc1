//! The workflow part of the report and travel request pages: the step, the
//! send-back comment, Submit, and the history.

use axum::response::Response;

use crate::web::WebState;
use crate::web::csrf::CheckedForm;
use crate::web::errors::PageError;
use crate::web::pages::{display_time, see_other};
use crate::web::session::SignedIn;
use crate::workflow::{Action, EventActor, ObjectRef, Step, WorkflowError};

/// One step change in the history table.
pub(crate) struct HistoryRow {
    pub at: String,
    pub action: &'static str,
    pub to: &'static str,
    pub by: String,
    pub comment: Option<String>,
}

/// The workflow part of a report or travel request page.
pub(crate) struct WorkflowView {
    pub step_label: &'static str,
    /// The step's name, such as `SENT_BACK`, for tests and styling.
    pub step: &'static str,
    /// Whether the employee may change and submit the object.
    pub editable: bool,
    /// The comment of the latest send-back, while the object is sent back.
    pub comment: Option<String>,
    /// Path of the Submit form.
    pub submit_action: String,
    pub history: Vec<HistoryRow>,
}

/// Reads the history of an object and builds its workflow view.
pub(crate) async fn workflow_view(
    state: &WebState,
    signed_in: &SignedIn,
    object: ObjectRef,
    step: Step,
    comment: Option<String>,
    submit_action: String,
) -> Result<WorkflowView, PageError> {
    let events = state
        .workflow
        .history(signed_in.actor.company.id, object)
        .await?;
    let history = events
        .into_iter()
        .map(|event| HistoryRow {
            at: display_time(event.at),
            action: action_label(event.action),
            to: event.to.label(),
            by: match event.actor {
                EventActor::User { login, .. } => login,
                EventActor::Connector { registration } => {
                    format!("Connector (registration {})", registration.0)
                }
            },
            comment: event.comment,
        })
        .collect();
    Ok(WorkflowView {
        step_label: step.label(),
        step: step.as_str(),
        editable: step.is_editable(),
        comment: comment.filter(|_| step == Step::SentBack),
        submit_action,
        history,
    })
}

fn action_label(action: Action) -> &'static str {
    match action {
        Action::Submit => "Submitted",
        Action::Approve => "Approved",
        Action::SendBack => "Sent back",
    }
}

/// Submits the object of a checked form and redirects to `page` with a
/// notice of the step it reached. An object without entries is not
/// submitted, and the notice explains why.
pub(crate) async fn submit(
    state: &WebState,
    form: &CheckedForm,
    object: ObjectRef,
    page: &str,
) -> Result<Response, PageError> {
    match state.workflow.submit(&form.signed_in.actor, object).await {
        Ok(outcome) => {
            let notice = match outcome.to {
                Step::Approval => "submitted-approval",
                Step::ReadyForExtract => "submitted-extract",
                _ => "submitted-validation",
            };
            Ok(see_other(&format!("{page}?notice={notice}")))
        }
        Err(WorkflowError::Invalid(_)) => Ok(see_other(&format!("{page}?notice=needs-entries"))),
        Err(other) => Err(other.into()),
    }
}
