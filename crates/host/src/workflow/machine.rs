//! The workflow's rules: which party may take which action in which step, and where it leads.
//!
//! ```text
//! NOT_SUBMITTED ─┐
//!                ├─ submit (owner) ──▶ EXTERNAL_VALIDATION_SUBMIT ─ approve (connector, administrator) ──▶ APPROVAL
//! SENT_BACK ─────┘
//! APPROVAL ─ approve (approver) ──▶ EXTERNAL_VALIDATION_PREEXTRACT ─ approve (connector, administrator) ──▶ READY_FOR_EXTRACT
//! EXTERNAL_VALIDATION_* ─ send back (connector, administrator) ──▶ SENT_BACK
//! APPROVAL ─ send back (approver) ──▶ SENT_BACK
//! ```
//!
//! An External Validation step that no enabled event-notification service
//! lists for the object's type is passed through at once: the object moves
//! on to the step after it. This module does no I/O. [`super::Workflow`]
//! reads the object and the services, and stores what [`transition`] returns.

use std::fmt;

use super::model::Step;
use crate::domain::services::WorkflowStep;

/// An action a party takes on an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Submit,
    Approve,
    SendBack,
}

impl Action {
    /// Returns the name in the history and the logs, such as `send_back`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Submit => "submit",
            Action::Approve => "approve",
            Action::SendBack => "send_back",
        }
    }

    pub fn parse(text: &str) -> Option<Action> {
        [Action::Submit, Action::Approve, Action::SendBack]
            .into_iter()
            .find(|action| action.as_str() == text)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// The role in which someone acts on an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    /// The employee who keeps the object.
    Owner,
    /// A user with the approver role, for objects of other employees.
    Approver,
    /// A connector, through the host web services.
    Connector,
    /// A user who may manage registrations, intervening in an External
    /// Validation step in place of the connector.
    Administrator,
}

/// The result of an action: the steps it passes and the step it stops in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub from: Step,
    /// External Validation steps entered and left at once because no
    /// enabled service lists them, in order.
    pub passed: Vec<Step>,
    /// The step the object waits in afterwards.
    pub to: Step,
    /// The External Validation step entered whose subscribers get a
    /// notification; set exactly when `to` is a listed External Validation step.
    pub notify: Option<WorkflowStep>,
}

/// An action that the party may not take in the object's current step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{action} is not allowed in step {step} for this party")]
pub struct NotAllowed {
    pub step: Step,
    pub action: Action,
}

/// Returns where `action` by `party` leads from `from`. `listed` returns
/// whether an enabled event-notification service lists an External
/// Validation step for the object's type.
pub fn transition(
    from: Step,
    action: Action,
    party: Party,
    listed: impl Fn(WorkflowStep) -> bool,
) -> Result<Transition, NotAllowed> {
    let refused = NotAllowed { step: from, action };
    let validator = matches!(party, Party::Connector | Party::Administrator);
    let next = match (from, action) {
        (Step::NotSubmitted | Step::SentBack, Action::Submit) if party == Party::Owner => {
            Step::ExternalValidationSubmit
        }
        (Step::ExternalValidationSubmit, Action::Approve) if validator => Step::Approval,
        (Step::Approval, Action::Approve) if party == Party::Approver => {
            Step::ExternalValidationPreExtract
        }
        (Step::ExternalValidationPreExtract, Action::Approve) if validator => Step::ReadyForExtract,
        (Step::ExternalValidationSubmit | Step::ExternalValidationPreExtract, Action::SendBack)
            if validator =>
        {
            Step::SentBack
        }
        (Step::Approval, Action::SendBack) if party == Party::Approver => Step::SentBack,
        _ => return Err(refused),
    };
    Ok(enter(from, next, listed))
}

/// Enters `next`, passing through an External Validation step that no service lists.
fn enter(from: Step, next: Step, listed: impl Fn(WorkflowStep) -> bool) -> Transition {
    let Some(external) = next.external_validation() else {
        return Transition {
            from,
            passed: Vec::new(),
            to: next,
            notify: None,
        };
    };
    if listed(external) {
        return Transition {
            from,
            passed: Vec::new(),
            to: next,
            notify: Some(external),
        };
    }
    let after = match external {
        WorkflowStep::ExternalValidationSubmit => Step::Approval,
        WorkflowStep::ExternalValidationPreExtract => Step::ReadyForExtract,
    };
    Transition {
        from,
        passed: vec![next],
        to: after,
        notify: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_listed(_: WorkflowStep) -> bool {
        true
    }

    fn none_listed(_: WorkflowStep) -> bool {
        false
    }

    #[test]
    fn submit_enters_listed_validation() {
        let moved =
            transition(Step::NotSubmitted, Action::Submit, Party::Owner, all_listed).unwrap();

        assert_eq!(moved.to, Step::ExternalValidationSubmit);
        assert_eq!(moved.notify, Some(WorkflowStep::ExternalValidationSubmit));
        assert!(moved.passed.is_empty());
    }

    #[test]
    fn submit_passes_unlisted_validation() {
        let moved = transition(Step::SentBack, Action::Submit, Party::Owner, none_listed).unwrap();

        assert_eq!(moved.to, Step::Approval);
        assert_eq!(moved.passed, [Step::ExternalValidationSubmit]);
        assert_eq!(moved.notify, None);
    }

    #[test]
    fn approval_passes_unlisted_pre_extract() {
        let only_submit = |step| step == WorkflowStep::ExternalValidationSubmit;

        let moved = transition(
            Step::Approval,
            Action::Approve,
            Party::Approver,
            only_submit,
        )
        .unwrap();

        assert_eq!(moved.to, Step::ReadyForExtract);
        assert_eq!(moved.passed, [Step::ExternalValidationPreExtract]);
    }

    #[test]
    fn approval_enters_listed_pre_extract() {
        let moved =
            transition(Step::Approval, Action::Approve, Party::Approver, all_listed).unwrap();

        assert_eq!(moved.to, Step::ExternalValidationPreExtract);
        assert_eq!(
            moved.notify,
            Some(WorkflowStep::ExternalValidationPreExtract)
        );
    }

    #[test]
    fn connector_approves_waiting_objects() {
        let submit = transition(
            Step::ExternalValidationSubmit,
            Action::Approve,
            Party::Connector,
            all_listed,
        );
        let extract = transition(
            Step::ExternalValidationPreExtract,
            Action::Approve,
            Party::Connector,
            all_listed,
        );

        assert_eq!(submit.map(|moved| moved.to), Ok(Step::Approval));
        assert_eq!(extract.map(|moved| moved.to), Ok(Step::ReadyForExtract));
    }

    #[test]
    fn validators_send_back_from_validation() {
        for party in [Party::Connector, Party::Administrator] {
            for step in [
                Step::ExternalValidationSubmit,
                Step::ExternalValidationPreExtract,
            ] {
                let moved = transition(step, Action::SendBack, party, all_listed).unwrap();

                assert_eq!(moved.to, Step::SentBack, "{party:?} in {step}");
            }
        }
    }

    #[test]
    fn connector_refused_outside_validation() {
        for step in [
            Step::NotSubmitted,
            Step::Approval,
            Step::ReadyForExtract,
            Step::SentBack,
        ] {
            for action in [Action::Approve, Action::SendBack] {
                let refused = transition(step, action, Party::Connector, all_listed);

                assert_eq!(
                    refused,
                    Err(NotAllowed { step, action }),
                    "{action} in {step}"
                );
            }
        }
    }

    #[test]
    fn approver_refused_in_validation() {
        let refused = transition(
            Step::ExternalValidationSubmit,
            Action::Approve,
            Party::Approver,
            all_listed,
        );

        assert!(refused.is_err());
    }

    #[test]
    fn owner_cannot_submit_twice() {
        for step in [
            Step::ExternalValidationSubmit,
            Step::Approval,
            Step::ReadyForExtract,
        ] {
            assert!(
                transition(step, Action::Submit, Party::Owner, all_listed).is_err(),
                "{step}"
            );
        }
    }

    #[test]
    fn only_owner_submits() {
        for party in [Party::Approver, Party::Connector, Party::Administrator] {
            assert!(transition(Step::NotSubmitted, Action::Submit, party, all_listed).is_err());
        }
    }

    #[test]
    fn ready_for_extract_is_final() {
        for party in [
            Party::Owner,
            Party::Approver,
            Party::Connector,
            Party::Administrator,
        ] {
            for action in [Action::Submit, Action::Approve, Action::SendBack] {
                assert!(transition(Step::ReadyForExtract, action, party, all_listed).is_err());
            }
        }
    }
}
