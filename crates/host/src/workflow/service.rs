//! The workflow operations: each reads the object, checks who acts, applies
//! [`transition`] and stores the step change with its notifications.

use std::sync::Arc;

use time::OffsetDateTime;

use super::machine::{Action, NotAllowed, Party, transition};
use super::model::{Comment, EventActor, ObjectRef, Step, StepChange, WorkflowEvent, WorkflowItem};
use super::notices::{notifications_for, subscribers};
use crate::domain::{Actor, CompanyId, FieldErrors, RegistrationId};
use crate::notifications::{NotificationId, NotificationWaker};
use crate::public_origin::PublicOrigin;
use crate::store::{HostStore, StoreError};

/// Most objects one list of [`Workflow::waiting_for`] returns.
pub const MAX_LISTED_ITEMS: usize = 500;

/// The rule of an object that is submitted without entries.
pub const ENTRIES_REQUIRED: &str = "must contain at least one entry before the object is submitted";

/// Reason a workflow operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum WorkflowError {
    /// No such object in the company, or (for the employee) not theirs.
    #[error("object not found")]
    NotFound,
    /// The actor lacks the role the decision requires.
    #[error("your roles do not allow this workflow action")]
    Forbidden,
    /// Approvers decide only on other employees' objects.
    #[error("approvers cannot approve or send back their own objects")]
    OwnObject,
    /// The object's step does not accept this action from this party; for a
    /// connector, the object is not waiting in an External Validation step.
    #[error("the object is in step {step}, where {action} is not accepted")]
    WrongStep { step: Step, action: Action },
    #[error("invalid input: {0}")]
    Invalid(FieldErrors),
    /// Another request changed the object's step first.
    #[error("the object was changed by another request; reload it and try again")]
    Conflict,
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for WorkflowError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Conflict => WorkflowError::Conflict,
            other => WorkflowError::Store(other),
        }
    }
}

impl From<NotAllowed> for WorkflowError {
    fn from(refused: NotAllowed) -> Self {
        WorkflowError::WrongStep {
            step: refused.step,
            action: refused.action,
        }
    }
}

/// Who decides on an object in its current step.
#[derive(Debug, Clone, Copy)]
pub enum Decider<'a> {
    /// A user with the approver role, in the `APPROVAL` step.
    Approver(&'a Actor),
    /// A user who may manage registrations, intervening in an External Validation step.
    Administrator(&'a Actor),
    /// A connector authenticated for `registration` of `company`, through the
    /// host web services, in an External Validation step.
    Connector {
        company: CompanyId,
        registration: RegistrationId,
    },
}

/// A decision on an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Moves the object to the next step.
    Approve,
    /// Returns the object to the employee, whose pages show the comment.
    SendBack(Comment),
}

/// The step change a workflow operation made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepOutcome {
    pub object: ObjectRef,
    pub from: Step,
    /// External Validation steps that no enabled service lists, passed through at once.
    pub passed: Vec<Step>,
    pub to: Step,
    /// Notifications queued for the step entered, one per subscribed registration.
    pub notifications: Vec<NotificationId>,
}

/// Objects that wait for a decision of the actor.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Waiting {
    /// Objects in `APPROVAL`, for approvers; their own objects are left out.
    pub approval: Vec<WorkflowItem>,
    /// Objects in an External Validation step, for administrators.
    pub external_validation: Vec<WorkflowItem>,
}

/// The workflow of every company's expense reports and travel requests.
pub struct Workflow {
    store: Arc<dyn HostStore>,
    origin: PublicOrigin,
    waker: NotificationWaker,
}

impl Workflow {
    /// Builds the workflow. Notifications name objects under `origin`, and
    /// `waker` wakes the notification dispatcher after notifications are queued.
    pub fn new(
        store: Arc<dyn HostStore>,
        origin: PublicOrigin,
        waker: NotificationWaker,
    ) -> Workflow {
        Workflow {
            store,
            origin,
            waker,
        }
    }

    /// Submits an object of the actor, who must be an employee and its
    /// owner, from `NOT_SUBMITTED` or `SENT_BACK`. The object needs at least one entry.
    pub async fn submit(
        &self,
        actor: &Actor,
        object: ObjectRef,
    ) -> Result<StepOutcome, WorkflowError> {
        let item = self.item(actor.company.id, object).await?;
        if !actor.is_employee() || item.owner != actor.user.id {
            return Err(WorkflowError::NotFound);
        }
        if item.entry_count == 0 && item.step.is_editable() {
            let mut errors = FieldErrors::default();
            errors.push("entries", ENTRIES_REQUIRED);
            return Err(WorkflowError::Invalid(errors));
        }
        let actor = EventActor::User {
            id: actor.user.id,
            login: actor.user.login.clone(),
        };
        self.apply(&item, Action::Submit, Party::Owner, actor, None)
            .await
    }

    /// Approves an object or sends it back, by the rules of [`transition`]
    /// for the decider's party. A connector or an administrator may act
    /// only while the object waits in an External Validation step, and an
    /// approver only in `APPROVAL`; otherwise [`WorkflowError::WrongStep`].
    pub async fn decide(
        &self,
        decider: Decider<'_>,
        object: ObjectRef,
        decision: Decision,
    ) -> Result<StepOutcome, WorkflowError> {
        let (company, party, actor) = match decider {
            Decider::Approver(actor) => {
                if !actor.is_approver() {
                    return Err(WorkflowError::Forbidden);
                }
                (actor.company.id, Party::Approver, user_actor(actor))
            }
            Decider::Administrator(actor) => {
                if !actor.may_manage_registrations() {
                    return Err(WorkflowError::Forbidden);
                }
                (actor.company.id, Party::Administrator, user_actor(actor))
            }
            Decider::Connector {
                company,
                registration,
            } => (
                company,
                Party::Connector,
                EventActor::Connector { registration },
            ),
        };
        let item = self.item(company, object).await?;
        if let Decider::Approver(approver) = decider
            && item.owner == approver.user.id
        {
            return Err(WorkflowError::OwnObject);
        }
        let (action, comment) = match decision {
            Decision::Approve => (Action::Approve, None),
            Decision::SendBack(comment) => (Action::SendBack, Some(comment)),
        };
        self.apply(&item, action, party, actor, comment).await
    }

    /// Returns an object of `company` with its step.
    pub async fn item(
        &self,
        company: CompanyId,
        object: ObjectRef,
    ) -> Result<WorkflowItem, WorkflowError> {
        self.store
            .workflow_item(company, object)
            .await?
            .ok_or(WorkflowError::NotFound)
    }

    /// Returns the objects waiting for the actor: those in `APPROVAL` when
    /// they are an approver, those in an External Validation step when they
    /// may manage registrations.
    pub async fn waiting_for(&self, actor: &Actor) -> Result<Waiting, WorkflowError> {
        let company = actor.company.id;
        let mut waiting = Waiting::default();
        if actor.is_approver() {
            let items = self
                .store
                .workflow_items(company, &[Step::Approval], MAX_LISTED_ITEMS)
                .await?;
            waiting.approval = items
                .into_iter()
                .filter(|item| item.owner != actor.user.id)
                .collect();
        }
        if actor.may_manage_registrations() {
            let steps = [
                Step::ExternalValidationSubmit,
                Step::ExternalValidationPreExtract,
            ];
            waiting.external_validation = self
                .store
                .workflow_items(company, &steps, MAX_LISTED_ITEMS)
                .await?;
        }
        Ok(waiting)
    }

    /// Returns the step changes of an object of `company`, oldest first.
    pub async fn history(
        &self,
        company: CompanyId,
        object: ObjectRef,
    ) -> Result<Vec<WorkflowEvent>, WorkflowError> {
        Ok(self.store.workflow_history(company, object).await?)
    }

    /// Computes the transition, stores it with its notifications, and wakes the dispatcher.
    async fn apply(
        &self,
        item: &WorkflowItem,
        action: Action,
        party: Party,
        actor: EventActor,
        comment: Option<Comment>,
    ) -> Result<StepOutcome, WorkflowError> {
        let object = item.object;
        let registrations = self.store.registrations(item.company_id).await?;
        let listed = |step| !subscribers(&registrations, object.object_type, step).is_empty();
        let moved = transition(item.step, action, party, listed)?;

        let at = OffsetDateTime::now_utc();
        let notifications = match moved.notify {
            Some(step) => {
                let subscribed = subscribers(&registrations, object.object_type, step);
                notifications_for(item.company_id, &subscribed, object, step, &self.origin, at)
            }
            None => Vec::new(),
        };
        let change = StepChange {
            object,
            company_id: item.company_id,
            event: WorkflowEvent {
                at,
                action,
                from: moved.from,
                to: moved.to,
                actor,
                comment: comment.map(|comment| comment.as_str().to_owned()),
            },
            notifications,
        };
        let ids = self.store.change_step(&change).await?;
        if !ids.is_empty() {
            self.waker.wake();
        }

        let passed: Vec<&str> = moved.passed.iter().map(|step| step.as_str()).collect();
        let notification_ids: Vec<i64> = ids.iter().map(|id| id.0).collect();
        tracing::info!(
            object_type = object.object_type.as_str(),
            object_id = object.id,
            action = action.as_str(),
            from = moved.from.as_str(),
            to = moved.to.as_str(),
            passed = ?passed,
            notification_ids = ?notification_ids,
            actor = %describe(&change.event.actor),
            "workflow step changed"
        );
        Ok(StepOutcome {
            object,
            from: moved.from,
            passed: moved.passed,
            to: moved.to,
            notifications: ids,
        })
    }
}

fn user_actor(actor: &Actor) -> EventActor {
    EventActor::User {
        id: actor.user.id,
        login: actor.user.login.clone(),
    }
}

/// Names the actor in a log line by id.
fn describe(actor: &EventActor) -> String {
    match actor {
        EventActor::User { id, .. } => format!("user {}", id.0),
        EventActor::Connector { registration } => format!("registration {}", registration.0),
    }
}
