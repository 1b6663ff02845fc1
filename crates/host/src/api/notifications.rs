//! The notification API: failed notifications as a `NotificationList`, and their deletion.
//!
//! `GET …/notification?status=failed` returns XML unless the `Accept`
//! header prefers `application/json`; `DELETE …/notification/{id}` removes
//! one failed notification. Both need a user who may manage registrations.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use protocol::{ListedNotification, NotificationList};
use serde_json::{Value, json};

use super::ApiState;
use super::auth::RegistrationManager;
use super::errors::ApiError;
use crate::notifications::{
    NotificationAdminError, NotificationId, NotificationStatus, StoredNotification,
};

/// The rule of the `status` query parameter.
const STATUS_RULE: &str = "required; must be failed, the only status the API lists";

/// `GET /api/platform/notifications/v1.0/notification?status=failed`.
pub(super) async fn list_notifications(
    State(state): State<ApiState>,
    RegistrationManager(actor): RegistrationManager,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let status = status_parameter(query.as_deref())?;
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok());
    let format = negotiate(accept).ok_or(ApiError::NotAcceptable)?;

    let failed = state.notifications.list(&actor, &[status]).await?;
    let listed: Vec<ListedNotification> = failed
        .into_iter()
        .map(|stored| listed(&state, stored))
        .collect();
    match format {
        Format::Xml => {
            let list = NotificationList {
                notifications: listed,
            };
            let body = list
                .to_xml()
                .map_err(|error| ApiError::Internal(Box::new(error)))?;
            Ok((
                [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
                body,
            )
                .into_response())
        }
        Format::Json => {
            let items: Vec<Value> = listed.iter().map(json_item).collect();
            Ok(axum::Json(Value::Array(items)).into_response())
        }
    }
}

/// `DELETE /api/platform/notifications/v1.0/notification/{id}`.
pub(super) async fn delete_notification(
    State(state): State<ApiState>,
    RegistrationManager(actor): RegistrationManager,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let Ok(Path(id)) = id else {
        return Err(ApiError::malformed("id", ID_RULE));
    };
    let id = notification_id(&id)?;

    state
        .notifications
        .delete(&actor, id, &[NotificationStatus::Failed])
        .await?;
    let mut response = StatusCode::OK.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
    Ok(response)
}

impl From<NotificationAdminError> for ApiError {
    fn from(error: NotificationAdminError) -> Self {
        match error {
            NotificationAdminError::Forbidden => ApiError::Forbidden,
            NotificationAdminError::NotFound => ApiError::NotFound,
            NotificationAdminError::WrongStatus { .. } => ApiError::NotificationNotFailed,
            NotificationAdminError::Store(error) => ApiError::StoreUnavailable(error),
        }
    }
}

const ID_RULE: &str = "must be a notification id: a positive whole number";

/// Reads a notification id: digits of a positive integer, without a sign.
fn notification_id(text: &str) -> Result<NotificationId, ApiError> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0 && text.bytes().all(|byte| byte.is_ascii_digit()))
        .map(NotificationId)
        .ok_or_else(|| ApiError::malformed("id", ID_RULE))
}

/// Reads the query: exactly one `status`, whose value is `failed` in any case.
fn status_parameter(query: Option<&str>) -> Result<NotificationStatus, ApiError> {
    let mut status = None;
    for (name, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        if name != "status" {
            return Err(ApiError::malformed(
                &name.chars().take(40).collect::<String>(),
                "unknown query parameter",
            ));
        }
        if status.is_some() {
            return Err(ApiError::malformed("status", "must be given once"));
        }
        status = Some(value.into_owned());
    }
    match status {
        Some(value) if value.eq_ignore_ascii_case("failed") => Ok(NotificationStatus::Failed),
        _ => Err(ApiError::malformed("status", STATUS_RULE)),
    }
}

fn listed(state: &ApiState, stored: StoredNotification) -> ListedNotification {
    ListedNotification {
        notification_uri: state.public_origin.notification_uri(stored.id),
        notification: stored.notification,
    }
}

/// Returns the JSON form of a listed notification, with the element names of the XML form.
fn json_item(listed: &ListedNotification) -> Value {
    let notification = &listed.notification;
    json!({
        "Context": notification.context,
        "EventDateTime": notification.event_date_time.to_string(),
        "EventType": notification.event_type,
        "NotificationURI": listed.notification_uri,
        "ObjectType": notification.object_type.as_str(),
        "ObjectURI": notification.object_uri,
    })
}

/// A representation of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Format {
    Xml,
    Json,
}

/// Chooses XML or JSON by the `Accept` header: JSON only when it has a
/// higher quality than XML, XML when the header is absent or ties, and
/// `None` when it accepts neither.
pub(super) fn negotiate(accept: Option<&str>) -> Option<Format> {
    let Some(accept) = accept.filter(|value| !value.trim().is_empty()) else {
        return Some(Format::Xml);
    };
    let mut xml: f32 = 0.0;
    let mut json: f32 = 0.0;
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let quality = parts
            .filter_map(|parameter| parameter.split_once('='))
            .find(|(name, _)| name.trim().eq_ignore_ascii_case("q"))
            .and_then(|(_, value)| value.trim().parse::<f32>().ok())
            .filter(|quality| (0.0..=1.0).contains(quality))
            .unwrap_or(1.0);
        match media.as_str() {
            "application/xml" | "text/xml" => xml = xml.max(quality),
            "application/json" => json = json.max(quality),
            "*/*" | "application/*" => {
                xml = xml.max(quality);
                json = json.max(quality);
            }
            _ => {}
        }
    }
    if json > xml {
        Some(Format::Json)
    } else if xml > 0.0 {
        Some(Format::Xml)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiate_defaults_to_xml() {
        assert_eq!(negotiate(None), Some(Format::Xml));
        assert_eq!(negotiate(Some("*/*")), Some(Format::Xml));
    }

    #[test]
    fn negotiate_json_when_preferred() {
        assert_eq!(negotiate(Some("application/json")), Some(Format::Json));
        assert_eq!(
            negotiate(Some("application/xml;q=0.5, application/json")),
            Some(Format::Json)
        );
        assert_eq!(
            negotiate(Some("application/json;q=0.4, */*;q=0.5")),
            Some(Format::Xml)
        );
    }

    #[test]
    fn negotiate_refuses_other_types() {
        assert_eq!(negotiate(Some("text/html")), None);
        assert_eq!(negotiate(Some("application/json;q=0")), None);
    }

    #[test]
    fn status_must_be_failed() {
        assert!(matches!(
            status_parameter(Some("status=FAILED")),
            Ok(NotificationStatus::Failed)
        ));
        assert!(status_parameter(Some("status=queued")).is_err());
        assert!(status_parameter(None).is_err());
        assert!(status_parameter(Some("status=failed&status=failed")).is_err());
        assert!(status_parameter(Some("status=failed&page=2")).is_err());
    }

    #[test]
    fn notification_id_rejects_signs_and_zero() {
        assert!(notification_id("12").is_ok());
        for text in ["+12", "0", "-1", "1.5", "abc", "99999999999999999999"] {
            assert!(notification_id(text).is_err(), "{text}");
        }
    }
}
