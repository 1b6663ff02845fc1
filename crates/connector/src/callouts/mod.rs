//! Handlers of the callouts: Test Connection, Fetch Attendee and Fetch List.
//! The Event Notification handler is in [`crate::notifications`].

mod attendee;
mod body;
mod list;
mod test_connection;

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderValue, header};
use axum::response::Response;

pub(crate) use attendee::fetch_attendees;
pub(crate) use body::XmlBody;
pub(crate) use list::fetch_list;
pub(crate) use test_connection::test_connection;

use crate::config::Config;
use crate::notifications::Intake;
use crate::server::errors::XML_CONTENT_TYPE;
use crate::store::Store;

/// Maximum number of records or items a callout returns, because the host
/// shows no more.
pub const MAX_RESULTS: usize = 100;

/// The callouts this connector serves, as named in logs and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CalloutKind {
    TestConnection,
    FetchAttendeeV1,
    FetchAttendeeV2,
    FetchList,
    EventNotification,
}

impl CalloutKind {
    /// Label used in log fields and metric labels.
    pub fn label(self) -> &'static str {
        match self {
            CalloutKind::TestConnection => "test_connection",
            CalloutKind::FetchAttendeeV1 => "fetch_attendee_v1",
            CalloutKind::FetchAttendeeV2 => "fetch_attendee_v2",
            CalloutKind::FetchList => "fetch_list",
            CalloutKind::EventNotification => "event_notification",
        }
    }
}

/// Number of attendees or list items a response carries, left in the
/// response extensions for the request log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResultCount(pub usize);

/// Settings the handlers read on every request.
#[derive(Debug, Clone)]
pub(crate) struct CalloutSettings {
    pub body_limit: usize,
    pub body_read_timeout: Duration,
    pub scope_attendees_by_owner: bool,
}

impl CalloutSettings {
    pub fn from_config(config: &Config) -> Self {
        CalloutSettings {
            body_limit: config.limits.body_bytes,
            body_read_timeout: config.timeouts.body_read(),
            scope_attendees_by_owner: config.scope_attendees_by_owner,
        }
    }
}

/// State shared by the callout handlers.
#[derive(Clone)]
pub(crate) struct AppState {
    pub store: Arc<dyn Store>,
    pub settings: Arc<CalloutSettings>,
    /// Notification queue and worker wake-up; `None` when the store keeps no queue.
    pub notifications: Option<Arc<Intake>>,
}

/// Builds a `200` XML response carrying `count` results.
fn xml_response(xml: Vec<u8>, count: usize) -> Response {
    // Built directly: `into_response` on bytes would first set a content
    // type of its own, which this one replaces.
    let mut response = Response::new(Body::from(xml));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(XML_CONTENT_TYPE),
    );
    response.extensions_mut().insert(ResultCount(count));
    response
}

/// Caps the number the host asked for; an absent number means the maximum.
fn result_limit(requested: Option<u32>) -> usize {
    requested.map_or(MAX_RESULTS, |number| (number as usize).min(MAX_RESULTS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_limit_absent_is_max() {
        assert_eq!(result_limit(None), MAX_RESULTS);
    }

    #[test]
    fn result_limit_caps_at_max() {
        assert_eq!(result_limit(Some(5_000)), MAX_RESULTS);
    }

    #[test]
    fn result_limit_keeps_smaller_number() {
        assert_eq!(result_limit(Some(7)), 7);
    }

    #[test]
    fn result_limit_keeps_zero() {
        assert_eq!(result_limit(Some(0)), 0);
    }
}
