//! The workflow of expense reports and travel requests, and the
//! notifications its External Validation steps queue.
//!
//! - [`model`]: steps, objects ([`ObjectRef`]), send-back comments and the history;
//! - [`machine`]: the rules, as a pure function of step, action and party;
//! - [`notices`]: the Event Notifications queued for a step and who gets them;
//! - [`Workflow`]: the operations. Employees [`submit`](Workflow::submit);
//!   approvers, administrators and connectors [`decide`](Workflow::decide).
//!
//! Who may act, and where:
//!
//! | party | role | acts in |
//! |---|---|---|
//! | owner | `employee` who created the object | `NOT_SUBMITTED`, `SENT_BACK` (submit) |
//! | approver | `approver`, never on their own objects | `APPROVAL` |
//! | connector | a registration of the company, through the host web services | External Validation steps |
//! | administrator | a user who may manage registrations | External Validation steps, in place of the connector |
//!
//! A step change, its history entry and its notifications are written in
//! one transaction, so a notification exists exactly when its step was entered.

pub mod machine;
pub mod model;
pub mod notices;
mod service;

pub use machine::{Action, NotAllowed, Party, Transition, transition};
pub use model::{
    COMMENT_RULE, Comment, EventActor, ObjectRef, Step, StepChange, WorkflowEvent, WorkflowItem,
};
pub use service::{
    Decider, Decision, ENTRIES_REQUIRED, MAX_LISTED_ITEMS, StepOutcome, Waiting, Workflow,
    WorkflowError,
};
