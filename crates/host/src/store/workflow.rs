//! Persistence of the workflow: each object's step, its history, and the
//! notifications queued by a step change, written together.

use super::StoreError;
use crate::domain::CompanyId;
use crate::notifications::NotificationId;
use crate::workflow::{ObjectRef, Step, StepChange, WorkflowEvent, WorkflowItem};

/// The workflow of expense reports and travel requests. [`super::HostStore`] requires it.
#[async_trait::async_trait]
pub trait WorkflowStore: Send + Sync {
    /// Returns the object with its step, only when it belongs to `company`.
    async fn workflow_item(
        &self,
        company: CompanyId,
        object: ObjectRef,
    ) -> Result<Option<WorkflowItem>, StoreError>;

    /// Objects of `company` in any of `steps`, longest waiting first, at most `limit`.
    async fn workflow_items(
        &self,
        company: CompanyId,
        steps: &[Step],
        limit: usize,
    ) -> Result<Vec<WorkflowItem>, StoreError>;

    /// In one transaction: sets the object's step to `change.event.to`,
    /// appends the event to its history, and inserts the notifications.
    /// Changes nothing and returns [`StoreError::Conflict`] when the stored
    /// step is no longer `change.event.from`; any failure rolls back all of it.
    async fn change_step(&self, change: &StepChange) -> Result<Vec<NotificationId>, StoreError>;

    /// Returns the history of an object of `company`, oldest first.
    async fn workflow_history(
        &self,
        company: CompanyId,
        object: ObjectRef,
    ) -> Result<Vec<WorkflowEvent>, StoreError>;
}
