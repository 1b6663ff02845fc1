//! The notification page: queued and failed notifications, with Retry and Delete.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use time::OffsetDateTime;

use super::{Layout, NoticeQuery, display_time, path_id, render, see_other};
use crate::notifications::{
    NotificationAdminError, NotificationId, NotificationStatus, StoredNotification,
};
use crate::web::WebState;
use crate::web::csrf::CheckedForm;
use crate::web::errors::PageError;
use crate::web::session::Manager;

/// One notification of the table.
struct NotificationRow {
    id: i64,
    status: &'static str,
    event_type: String,
    object: String,
    registration_id: i64,
    attempts: u32,
    queued_at: String,
    next_attempt: String,
    last_error: String,
    retryable: bool,
    deletable: bool,
}

impl NotificationRow {
    fn of(notification: &StoredNotification, now: OffsetDateTime) -> NotificationRow {
        let in_flight = notification.in_flight(now);
        let status = match notification.status {
            NotificationStatus::Queued if in_flight => "Being sent",
            NotificationStatus::Queued => "Queued",
            NotificationStatus::Delivered => "Delivered",
            NotificationStatus::Failed => "Failed",
        };
        let failed = notification.status == NotificationStatus::Failed;
        NotificationRow {
            id: notification.id.0,
            status,
            event_type: notification.notification.event_type.clone(),
            object: notification.object.to_string(),
            registration_id: notification.registration_id.0,
            attempts: notification.attempts,
            queued_at: display_time(notification.queued_at),
            next_attempt: if notification.status == NotificationStatus::Queued && !in_flight {
                display_time(notification.next_attempt_at)
            } else {
                String::new()
            },
            last_error: notification.last_error.clone().unwrap_or_default(),
            retryable: failed,
            deletable: failed || (notification.status == NotificationStatus::Queued && !in_flight),
        }
    }
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    layout: Layout,
    csrf_token: String,
    rows: Vec<NotificationRow>,
    notice: Option<&'static str>,
}

/// `GET /notifications`: the company's queued and failed notifications, oldest first.
pub(crate) async fn list(
    State(state): State<WebState>,
    Manager(signed_in): Manager,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let statuses = [NotificationStatus::Queued, NotificationStatus::Failed];
    let notifications = state
        .notifications
        .list(&signed_in.actor, &statuses)
        .await?;
    let now = OffsetDateTime::now_utc();
    let notice = match query.notice.as_deref() {
        Some("retried") => Some("The notification was queued again; it is sent shortly."),
        Some("deleted") => Some("The notification was deleted."),
        _ => None,
    };
    let page = NotificationsPage {
        layout: Layout::signed_in("Notifications", &signed_in),
        csrf_token: signed_in.session.csrf_token.clone(),
        rows: notifications
            .iter()
            .map(|notification| NotificationRow::of(notification, now))
            .collect(),
        notice,
    };
    Ok(render(&page))
}

/// `POST /notifications/{id}/retry`: queues a failed notification again with no attempts.
pub(crate) async fn retry(
    State(state): State<WebState>,
    Path(id): Path<String>,
    form: CheckedForm,
) -> Result<Response, PageError> {
    form.signed_in.manager()?;
    let id = NotificationId(path_id(&id)?);
    state.notifications.retry(&form.signed_in.actor, id).await?;
    Ok(see_other("/notifications?notice=retried"))
}

/// `POST /notifications/{id}/delete`: deletes a failed notification, or a
/// queued one that is not being sent.
pub(crate) async fn delete(
    State(state): State<WebState>,
    Path(id): Path<String>,
    form: CheckedForm,
) -> Result<Response, PageError> {
    form.signed_in.manager()?;
    let id = NotificationId(path_id(&id)?);
    let deletable = [NotificationStatus::Failed, NotificationStatus::Queued];
    state
        .notifications
        .delete(&form.signed_in.actor, id, &deletable)
        .await?;
    Ok(see_other("/notifications?notice=deleted"))
}

impl From<NotificationAdminError> for PageError {
    fn from(error: NotificationAdminError) -> Self {
        match error {
            NotificationAdminError::Forbidden => PageError::Forbidden,
            NotificationAdminError::NotFound => PageError::NotFound,
            NotificationAdminError::WrongStatus { .. } => PageError::NotificationChanged,
            NotificationAdminError::Store(error) => PageError::StoreUnavailable(error),
        }
    }
}
