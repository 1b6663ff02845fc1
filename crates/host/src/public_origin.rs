//! The origin under which connectors reach the host, and the URLs built on it.

use std::sync::{Arc, OnceLock};

use protocol::ObjectType;

use crate::notifications::NotificationId;
use crate::workflow::ObjectRef;

/// Path of the notification API, below the origin.
pub const NOTIFICATION_API_PATH: &str = "/api/platform/notifications/v1.0/notification";

/// The host's public origin, such as `https://expenses.example.com`. It is
/// configured, or set when the listener is bound to `https://localhost:PORT`.
/// Cheap to clone; clones share the value.
#[derive(Debug, Clone, Default)]
pub struct PublicOrigin(Arc<OnceLock<String>>);

impl PublicOrigin {
    /// Returns an origin set to `configured`, which must have passed
    /// [`parse_origin`], or an unset one when `None`.
    pub fn new(configured: Option<&str>) -> PublicOrigin {
        let origin = PublicOrigin::default();
        if let Some(configured) = configured {
            let _ = origin.0.set(configured.trim_end_matches('/').to_owned());
        }
        origin
    }

    /// Sets the origin to `scheme://localhost:PORT` unless one is configured,
    /// and returns whether it did.
    pub fn set_local_default(&self, scheme: &str, port: u16) -> bool {
        self.0.set(format!("{scheme}://localhost:{port}")).is_ok()
    }

    /// Returns the origin, or `https://localhost` before the listener is bound.
    pub fn as_str(&self) -> &str {
        self.0.get().map_or("https://localhost", String::as_str)
    }

    /// Returns the URL where a connector reads `object`.
    pub fn object_uri(&self, object: ObjectRef) -> String {
        let path = match object.object_type {
            ObjectType::ExpenseReport => "/api/expense/v1/reports",
            ObjectType::TravelRequest => "/api/travel/v1/requests",
        };
        format!("{}{path}/{}", self.as_str(), object.id)
    }

    /// Returns the URL of a notification in the notification API.
    pub fn notification_uri(&self, id: NotificationId) -> String {
        format!("{}{NOTIFICATION_API_PATH}/{}", self.as_str(), id.0)
    }
}

/// Checks a configured origin and returns it normalized. It must be
/// `https://host[:port]` without user, path, query or fragment, or
/// `http://…` when `allow_http` is set.
pub fn parse_origin(text: &str, allow_http: bool) -> Result<String, &'static str> {
    const RULE: &str = "must be an origin such as https://expenses.example.com, without a path";
    let url = url::Url::parse(text.trim()).map_err(|_| RULE)?;
    let scheme_allowed = url.scheme() == "https" || (allow_http && url.scheme() == "http");
    let bare = url.username().is_empty()
        && url.password().is_none()
        && url.path() == "/"
        && url.query().is_none()
        && url.fragment().is_none()
        && url.host().is_some();
    if !scheme_allowed || !bare {
        return Err(RULE);
    }
    Ok(url.origin().ascii_serialization())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_accepts_host_and_port() {
        assert_eq!(
            parse_origin("https://host.example.com:8444", false).as_deref(),
            Ok("https://host.example.com:8444")
        );
    }

    #[test]
    fn origin_rejects_path_and_http() {
        assert!(parse_origin("https://host.example.com/base", false).is_err());
        assert!(parse_origin("http://host.example.com", false).is_err());
        assert!(parse_origin("http://host.example.com", true).is_ok());
    }

    #[test]
    fn object_uri_per_object_type() {
        let origin = PublicOrigin::new(Some("https://host.example.com/"));
        let report = ObjectRef::expense_report(42);
        let request = ObjectRef::travel_request(7);

        assert_eq!(
            origin.object_uri(report),
            "https://host.example.com/api/expense/v1/reports/42"
        );
        assert_eq!(
            origin.object_uri(request),
            "https://host.example.com/api/travel/v1/requests/7"
        );
    }

    #[test]
    fn configured_origin_wins_over_local_default() {
        let origin = PublicOrigin::new(Some("https://host.example.com"));

        assert!(!origin.set_local_default("https", 8444));
        assert_eq!(origin.as_str(), "https://host.example.com");
    }
}
