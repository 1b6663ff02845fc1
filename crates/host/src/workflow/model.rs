//! Workflow steps, the objects that go through them, and the records of their changes.

use std::fmt;

use protocol::ObjectType;
use time::OffsetDateTime;

use super::machine::Action;
use crate::domain::fields::length;
use crate::domain::services::WorkflowStep;
use crate::domain::{CompanyId, RegistrationId, UserId};
use crate::notifications::NewNotification;

/// A step of the workflow of expense reports and travel requests. The
/// names are those of the host web services.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    NotSubmitted,
    ExternalValidationSubmit,
    Approval,
    ExternalValidationPreExtract,
    ReadyForExtract,
    SentBack,
}

impl Step {
    pub const ALL: [Step; 6] = [
        Step::NotSubmitted,
        Step::ExternalValidationSubmit,
        Step::Approval,
        Step::ExternalValidationPreExtract,
        Step::ReadyForExtract,
        Step::SentBack,
    ];

    /// Returns the name in the store and the web services, such as `APPROVAL`.
    pub fn as_str(self) -> &'static str {
        match self {
            Step::NotSubmitted => "NOT_SUBMITTED",
            Step::ExternalValidationSubmit => "EXTERNAL_VALIDATION_SUBMIT",
            Step::Approval => "APPROVAL",
            Step::ExternalValidationPreExtract => "EXTERNAL_VALIDATION_PREEXTRACT",
            Step::ReadyForExtract => "READY_FOR_EXTRACT",
            Step::SentBack => "SENT_BACK",
        }
    }

    pub fn parse(text: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|step| step.as_str() == text)
    }

    /// Returns the step's name as the pages show it.
    pub fn label(self) -> &'static str {
        match self {
            Step::NotSubmitted => "Not submitted",
            Step::ExternalValidationSubmit => "External validation after submit",
            Step::Approval => "Waiting for approval",
            Step::ExternalValidationPreExtract => "External validation before extract",
            Step::ReadyForExtract => "Ready for extract",
            Step::SentBack => "Sent back",
        }
    }

    /// Returns the External Validation step this is, as event-notification
    /// services list it, or `None` for the other steps.
    pub fn external_validation(self) -> Option<WorkflowStep> {
        match self {
            Step::ExternalValidationSubmit => Some(WorkflowStep::ExternalValidationSubmit),
            Step::ExternalValidationPreExtract => Some(WorkflowStep::ExternalValidationPreExtract),
            _ => None,
        }
    }

    /// Returns whether the employee may change the object: only before
    /// submitting it and after it was sent back.
    pub fn is_editable(self) -> bool {
        matches!(self, Step::NotSubmitted | Step::SentBack)
    }
}

impl fmt::Display for Step {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// An expense report or travel request, named by its type and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ObjectRef {
    pub object_type: ObjectType,
    pub id: i64,
}

impl ObjectRef {
    pub fn expense_report(id: i64) -> ObjectRef {
        ObjectRef {
            object_type: ObjectType::ExpenseReport,
            id,
        }
    }

    pub fn travel_request(id: i64) -> ObjectRef {
        ObjectRef {
            object_type: ObjectType::TravelRequest,
            id,
        }
    }
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{} {}", self.object_type.as_str(), self.id)
    }
}

/// An object's place in the workflow, with what approvers and
/// administrators see of it in lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowItem {
    pub object: ObjectRef,
    pub company_id: CompanyId,
    /// The employee who keeps the object and submits it.
    pub owner: UserId,
    pub owner_login: String,
    pub name: String,
    /// Entries of a report, or expected expenses of a travel request.
    pub entry_count: u64,
    pub step: Step,
    /// The comment of the latest send-back, kept while the step is `SENT_BACK`.
    pub comment: Option<String>,
    /// When the step last changed; `None` for an object never submitted.
    pub step_changed_at: Option<OffsetDateTime>,
}

/// Most characters of a send-back comment.
pub const MAX_COMMENT_CHARS: usize = 2000;

/// The rule a send-back comment must follow.
pub const COMMENT_RULE: &str =
    "must be 1 to 2000 characters without control characters other than line breaks and tabs";

/// A comment to the employee on why an object was sent back: 1 to 2000
/// characters after trimming, line breaks and tabs allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment(String);

impl Comment {
    /// Accepts a comment, with browsers' `\r\n` line breaks turned into `\n`.
    pub fn parse(text: &str) -> Result<Comment, &'static str> {
        let text = text.replace("\r\n", "\n");
        let text = text.trim();
        let allowed =
            |character: char| !character.is_control() || character == '\n' || character == '\t';
        if text.is_empty() || length(text) > MAX_COMMENT_CHARS || !text.chars().all(allowed) {
            return Err(COMMENT_RULE);
        }
        Ok(Comment(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The user or connector that changed an object's step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventActor {
    /// A signed-in user: the employee, an approver or an administrator.
    User { id: UserId, login: String },
    /// A connector, through the host web services, for its registration.
    Connector { registration: RegistrationId },
}

/// One change of an object's step, as the history records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowEvent {
    pub at: OffsetDateTime,
    pub action: Action,
    pub from: Step,
    /// The step the object stopped in, after any step it passed through.
    pub to: Step,
    pub actor: EventActor,
    /// The comment of a send-back.
    pub comment: Option<String>,
}

/// A step change to store with its history entry and the notifications
/// that entering the new step queues, all in one transaction.
#[derive(Debug, Clone)]
pub struct StepChange {
    pub object: ObjectRef,
    pub company_id: CompanyId,
    /// `event.from` must still be the stored step, or nothing is changed.
    pub event: WorkflowEvent,
    pub notifications: Vec<NewNotification>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_names_round_trip() {
        for step in Step::ALL {
            assert_eq!(Step::parse(step.as_str()), Some(step));
        }
    }

    #[test]
    fn comment_normalizes_line_breaks() {
        let comment = Comment::parse("  Missing receipt.\r\nAdd it.  ").unwrap();

        assert_eq!(comment.as_str(), "Missing receipt.\nAdd it.");
    }

    #[test]
    fn comment_rejects_blank_and_long() {
        assert_eq!(Comment::parse(" \n "), Err(COMMENT_RULE));
        assert_eq!(Comment::parse(&"x".repeat(2001)), Err(COMMENT_RULE));
        assert!(Comment::parse(&"x".repeat(2000)).is_ok());
    }

    #[test]
    fn comment_rejects_control_characters() {
        assert_eq!(Comment::parse("bad\u{7}bell"), Err(COMMENT_RULE));
    }
}
