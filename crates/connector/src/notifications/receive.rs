//! `POST` of an Event Notification: parse strictly, store durably, then respond `200`.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use outbound::Origin;
use protocol::Notification;
use tokio::sync::Notify;

use super::host::ObjectPath;
use super::{dedup_key, now_ms};
use crate::callouts::{AppState, XmlBody};
use crate::metrics::record_notification;
use crate::server::errors::CalloutError;
use crate::store::{Enqueued, NotificationQueue};

/// Queue, wake-up and origin check of the receiver.
pub struct Intake {
    pub queue: Arc<dyn NotificationQueue>,
    /// Signalled after each stored notification, to wake the worker.
    pub wakeup: Arc<Notify>,
    /// The host origin while processing is on: ObjectURIs must be under it,
    /// because the worker would send its access token there.
    pub host_origin: Option<Origin>,
}

/// Stores a notification and responds `200` only once the row is
/// committed. A malformed notification gets `400` naming the element and
/// the rule, and is not stored. A store failure gets `503`, so that the
/// host sends the notification again later.
pub(crate) async fn receive_notification(
    State(state): State<AppState>,
    XmlBody(body): XmlBody,
) -> Result<Response, CalloutError> {
    let notification = Notification::parse(&body)?;
    let intake = state
        .notifications
        .as_ref()
        .ok_or(CalloutError::NotificationsUnavailable)?;
    if let Some(origin) = &intake.host_origin {
        ObjectPath::within(origin, &notification.object_uri)
            .map_err(CalloutError::ObjectUriRejected)?;
    }

    let key = dedup_key(&notification);
    let enqueued = intake.queue.enqueue(&notification, &key, now_ms()).await?;
    let object_uri: String = notification.object_uri.chars().take(300).collect();
    match enqueued {
        Enqueued::Stored(id) => {
            tracing::info!(
                id,
                event_type = %notification.event_type,
                object_type = notification.object_type.as_str(),
                object_uri = %object_uri,
                event_date_time = %notification.event_date_time,
                "notification stored"
            );
            record_notification("stored");
            intake.wakeup.notify_one();
        }
        Enqueued::Duplicate(id) => {
            record_notification("duplicate");
            tracing::info!(id, object_uri = %object_uri, "notification already stored and waiting; not stored again");
        }
    }
    Ok(StatusCode::OK.into_response())
}
