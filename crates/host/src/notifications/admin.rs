//! Administrators' operations on notifications: list, queue a failed one again, delete.

use std::sync::Arc;

use time::OffsetDateTime;

use super::dispatcher::NotificationWaker;
use super::model::{NotificationId, NotificationStatus, Removal, StoredNotification};
use crate::domain::Actor;
use crate::store::{HostStore, StoreError};

/// Maximum notifications in one list, which bounds the page and the API response.
pub const MAX_LISTED_NOTIFICATIONS: usize = protocol::limits::notification::MAX_LISTED;

/// Reason an administrator's operation on notifications did not happen.
#[derive(Debug, thiserror::Error)]
pub enum NotificationAdminError {
    /// The actor may not manage the company's registrations.
    #[error("your roles do not allow managing notifications")]
    Forbidden,
    /// No such notification in the actor's company.
    #[error("notification not found")]
    NotFound,
    /// The notification's status does not allow the operation, or it is being sent.
    #[error("the notification is {}, so it cannot be changed", describe(*.status, *.in_flight))]
    WrongStatus {
        status: NotificationStatus,
        in_flight: bool,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn describe(status: NotificationStatus, in_flight: bool) -> &'static str {
    if in_flight {
        return "being sent";
    }
    match status {
        NotificationStatus::Queued => "queued",
        NotificationStatus::Delivered => "delivered",
        NotificationStatus::Failed => "failed",
    }
}

/// The notifications of every company, reached through an [`Actor`] who
/// may manage registrations. The same rule guards the notification API.
pub struct NotificationAdmin {
    store: Arc<dyn HostStore>,
    waker: NotificationWaker,
}

impl NotificationAdmin {
    pub fn new(store: Arc<dyn HostStore>, waker: NotificationWaker) -> NotificationAdmin {
        NotificationAdmin { store, waker }
    }

    /// Lists the notifications of the actor's company in any of `statuses`, oldest first.
    pub async fn list(
        &self,
        actor: &Actor,
        statuses: &[NotificationStatus],
    ) -> Result<Vec<StoredNotification>, NotificationAdminError> {
        require_manager(actor)?;
        Ok(self
            .store
            .notifications(actor.company.id, statuses, MAX_LISTED_NOTIFICATIONS)
            .await?)
    }

    /// Queues a failed notification again, with its attempts reset, due now.
    pub async fn retry(
        &self,
        actor: &Actor,
        id: NotificationId,
    ) -> Result<(), NotificationAdminError> {
        require_manager(actor)?;
        let now = OffsetDateTime::now_utc();
        if !self
            .store
            .requeue_failed_notification(actor.company.id, id, now)
            .await?
        {
            let found = self.store.notification(actor.company.id, id).await?;
            return Err(match found {
                Some(notification) => NotificationAdminError::WrongStatus {
                    status: notification.status,
                    in_flight: notification.in_flight(now),
                },
                None => NotificationAdminError::NotFound,
            });
        }
        tracing::info!(
            notification_id = id.0,
            user_id = actor.user.id.0,
            "failed notification queued again"
        );
        self.waker.wake();
        Ok(())
    }

    /// Deletes a notification whose status is one of `allowed` and that is not being sent.
    pub async fn delete(
        &self,
        actor: &Actor,
        id: NotificationId,
        allowed: &[NotificationStatus],
    ) -> Result<(), NotificationAdminError> {
        require_manager(actor)?;
        let now = OffsetDateTime::now_utc();
        match self
            .store
            .remove_notification(actor.company.id, id, allowed, now)
            .await?
        {
            Removal::Removed => {
                tracing::info!(
                    notification_id = id.0,
                    user_id = actor.user.id.0,
                    "notification deleted"
                );
                Ok(())
            }
            Removal::NotFound => Err(NotificationAdminError::NotFound),
            Removal::Refused { status, in_flight } => {
                Err(NotificationAdminError::WrongStatus { status, in_flight })
            }
        }
    }
}

fn require_manager(actor: &Actor) -> Result<(), NotificationAdminError> {
    if actor.may_manage_registrations() {
        Ok(())
    } else {
        tracing::warn!(
            user_id = actor.user.id.0,
            "notification request rejected: the user has no role that manages registrations"
        );
        Err(NotificationAdminError::Forbidden)
    }
}
