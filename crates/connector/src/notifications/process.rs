//! One attempt at one notification: read the object, apply the rules, send the decision.

use std::sync::Arc;
use std::time::Duration;

use super::decision::{Decision, bounded_message};
use super::host::{HostClient, HostError, NewException, ObjectPath, WorkflowAction};
use super::object::HostObject;
use super::rules::{CheckError, Rules, object_kind};
use crate::config::FailureAction;
use crate::server::errors::error_chain;
use crate::store::{Completion, NotificationQueue, PendingNotification, Store, StoreError};

/// Decision recorded for a notification whose decision an earlier attempt
/// sent, when the host now reports the object no longer waiting.
pub const EARLIER_DECISION: &str = "sent_by_earlier_attempt";

/// Failure of an attempt that did not complete the notification.
#[derive(Debug)]
pub enum AttemptError {
    /// Another attempt may succeed.
    Retry {
        message: String,
        retry_after: Option<Duration>,
    },
    /// Another attempt would fail the same way.
    Fail { message: String },
}

impl From<HostError> for AttemptError {
    fn from(error: HostError) -> Self {
        let message = error.to_string();
        if error.is_retryable() {
            AttemptError::Retry {
                message,
                retry_after: error.retry_after(),
            }
        } else {
            AttemptError::Fail { message }
        }
    }
}

impl From<CheckError> for AttemptError {
    fn from(error: CheckError) -> Self {
        let message = error_chain(&error);
        match error {
            // The list may be imported, or the store recover, before the next attempt.
            CheckError::Store(_) => AttemptError::Retry {
                message,
                retry_after: None,
            },
            CheckError::InvalidAmount { .. } => AttemptError::Fail { message },
        }
    }
}

impl From<StoreError> for AttemptError {
    fn from(error: StoreError) -> Self {
        AttemptError::Retry {
            message: error_chain(&error),
            retry_after: None,
        }
    }
}

/// The stages of an attempt, with what they need.
pub struct Processor {
    pub host: HostClient,
    pub rules: Rules,
    pub on_failure: FailureAction,
    pub store: Arc<dyn Store>,
    pub queue: Arc<dyn NotificationQueue>,
}

impl Processor {
    /// Processes a notification. A decision counts as sent only once the
    /// host accepted it, so an attempt cut short is simply made again.
    pub async fn process(&self, pending: &PendingNotification) -> Result<Completion, AttemptError> {
        let path = self.host.object_path(&pending.notification.object_uri)?;
        let object = self.host.get_object(&path).await?;
        if let Some(reason) = not_waiting_reason(&pending.notification.event_type, &object) {
            return Ok(not_waiting(pending, reason));
        }

        let failures = self.rules.check(&object, &*self.store).await?;
        let decision = Decision::choose(failures, self.on_failure, object_kind(&object));
        tracing::debug!(object_id = %object.id, decision = decision.label(), "rules applied");

        match self.send(pending, &path, &object, &decision).await {
            Ok(()) => Ok(Completion::Done {
                decision: decision.label().to_owned(),
            }),
            Err(AttemptErrorOrNotWaiting::NotWaiting(error)) => {
                Ok(not_waiting(pending, error.to_string()))
            }
            Err(AttemptErrorOrNotWaiting::Attempt(error)) => Err(error),
        }
    }

    /// Sends the decision: exceptions first (skipping those the object
    /// already carries from an earlier attempt), then the workflow action.
    async fn send(
        &self,
        pending: &PendingNotification,
        path: &ObjectPath,
        object: &HostObject,
        decision: &Decision,
    ) -> Result<(), AttemptErrorOrNotWaiting> {
        let action = match decision {
            Decision::Approve => WorkflowAction::Approve,
            Decision::SendBack { comment } => WorkflowAction::SendBack {
                comment: comment.clone(),
            },
            Decision::Exceptions { failures } => {
                for failure in failures {
                    let exception = NewException {
                        entry_id: failure.entry_id.clone(),
                        code: failure.code.to_owned(),
                        message: bounded_message(&failure.message),
                    };
                    let entry_id = exception.entry_id.as_deref();
                    if object.has_exception(entry_id, &exception.code, &exception.message) {
                        continue;
                    }
                    self.host.post_exception(path, &exception).await?;
                }
                WorkflowAction::Approve
            }
        };

        self.queue.mark_decision_sent(pending.id).await?;
        self.host.send_workflow_action(path, &action).await?;
        Ok(())
    }
}

/// The workflow call's `409` kept apart from other failures.
enum AttemptErrorOrNotWaiting {
    NotWaiting(HostError),
    Attempt(AttemptError),
}

impl From<HostError> for AttemptErrorOrNotWaiting {
    fn from(error: HostError) -> Self {
        match error {
            HostError::NotWaiting { .. } => AttemptErrorOrNotWaiting::NotWaiting(error),
            other => AttemptErrorOrNotWaiting::Attempt(other.into()),
        }
    }
}

impl From<StoreError> for AttemptErrorOrNotWaiting {
    fn from(error: StoreError) -> Self {
        AttemptErrorOrNotWaiting::Attempt(error.into())
    }
}

/// Ends a notification whose object does not wait for it: done when an
/// earlier attempt sent a decision (the host may have carried it out
/// although its response was lost), superseded otherwise.
/// NOTE: the worker cannot tell whether that earlier decision or someone
/// else moved the object, so "done" may stand for a decision the host never got.
fn not_waiting(pending: &PendingNotification, reason: String) -> Completion {
    if pending.decision_sent {
        Completion::Done {
            decision: EARLIER_DECISION.to_owned(),
        }
    } else {
        Completion::Superseded { reason }
    }
}

/// Says why the object does not wait for this notification's decision:
/// it is in no External Validation step, or in the other one than the
/// event names (`… - SUBMIT` or `… - PREEXTRACT`).
fn not_waiting_reason(event_type: &str, object: &HostObject) -> Option<String> {
    let step: String = object.workflow_step.chars().take(64).collect();
    if !object.is_waiting() {
        return Some(format!(
            "the object is in workflow step {step}, not in an External Validation step"
        ));
    }
    let event = event_type.trim_end().to_ascii_uppercase();
    let expected = if event.ends_with("- SUBMIT") {
        Some("EXTERNAL_VALIDATION_SUBMIT")
    } else if event.ends_with("- PREEXTRACT") {
        Some("EXTERNAL_VALIDATION_PREEXTRACT")
    } else {
        None
    };
    match expected {
        Some(expected) if expected != object.workflow_step => Some(format!(
            "the object waits in workflow step {step}, not in {expected} that the event names"
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(step: &str) -> HostObject {
        serde_json::from_value(serde_json::json!({
            "id": "42", "object_type": "EXPRPT", "workflow_step": step, "entries": []
        }))
        .unwrap()
    }

    const SUBMIT: &str = "Report Entered Expense Report Workflow Step - SUBMIT";

    #[test]
    fn waiting_in_named_step_has_no_reason() {
        assert_eq!(not_waiting_reason(SUBMIT, &object("EXTERNAL_VALIDATION_SUBMIT")), None);
    }

    #[test]
    fn approval_step_is_not_waiting() {
        let reason = not_waiting_reason(SUBMIT, &object("APPROVAL"));

        assert!(reason.is_some_and(|reason| reason.contains("APPROVAL")));
    }

    #[test]
    fn other_validation_step_is_not_waiting() {
        let reason = not_waiting_reason(SUBMIT, &object("EXTERNAL_VALIDATION_PREEXTRACT"));

        assert!(reason.is_some());
    }

    #[test]
    fn unnamed_step_event_accepts_either_step() {
        let reason = not_waiting_reason("Custom event", &object("EXTERNAL_VALIDATION_PREEXTRACT"));

        assert_eq!(reason, None);
    }
}
