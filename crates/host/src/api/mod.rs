//! The JSON API: registrations, their verification and launch fields under
//! `/api/v1`, the notification API under `/api/platform/notifications/v1.0`,
//! the host web services of validating connectors ([`web_services`]), bearer
//! tokens, and `/healthz`.
//!
//! Every route is declared once in [`endpoints`], which builds the router
//! and lists the operations, so that a test can compare them with the
//! OpenAPI document served at `/api/v1/openapi.json`.

mod auth;
mod body;
mod connectors;
pub mod errors;
mod input;
mod launch_fields;
mod notifications;
mod verification;
pub mod views;
pub mod web_services;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, delete, get, patch, post, put};

pub use auth::RegistrationManager;
pub use body::{JsonBody, has_media_type, read_limited};
pub use errors::ApiError;

use crate::connector_access::TokenService;
use crate::domain::Registrations;
use crate::notifications::NotificationAdmin;
use crate::public_origin::{NOTIFICATION_API_PATH, PublicOrigin};
use crate::store::HostStore;
use crate::verification::Verifier;
use crate::workflow::Workflow;

/// The OpenAPI 3 document of this API.
pub const OPENAPI_DOCUMENT: &str = include_str!("openapi.json");

/// Maximum time `/healthz` waits for the store before responding `503`.
const HEALTH_CHECK_TIMEOUT: Duration = Duration::from_secs(5);

/// Limits on reading request bodies.
#[derive(Debug, Clone)]
pub struct BodyLimits {
    pub body_bytes: usize,
    pub body_read: Duration,
}

/// State shared by the API handlers.
#[derive(Clone)]
pub struct ApiState {
    pub store: Arc<dyn HostStore>,
    pub registrations: Arc<Registrations>,
    pub notifications: Arc<NotificationAdmin>,
    pub public_origin: PublicOrigin,
    pub verifier: Arc<Verifier>,
    pub limits: Arc<BodyLimits>,
    pub workflow: Arc<Workflow>,
    /// Issues and checks the access tokens of the host web services.
    pub tokens: Arc<TokenService>,
}

/// One method on one path.
struct Endpoint {
    method: Method,
    path: &'static str,
    route: MethodRouter<ApiState>,
}

impl Endpoint {
    fn new(method: Method, path: &'static str, route: MethodRouter<ApiState>) -> Self {
        Endpoint {
            method,
            path,
            route,
        }
    }
}

/// Path of one notification in the notification API.
const NOTIFICATION_API_PATH_WITH_ID: &str = "/api/platform/notifications/v1.0/notification/{id}";

/// Returns every route the API serves.
fn endpoints() -> Vec<Endpoint> {
    const CONNECTORS: &str = "/api/v1/connectors";
    const CONNECTOR: &str = "/api/v1/connectors/{id}";
    const LAUNCH_FIELDS: &str = "/api/v1/launch-fields";
    vec![
        Endpoint::new(Method::GET, "/healthz", get(healthz)),
        Endpoint::new(Method::GET, "/api/v1/openapi.json", get(openapi)),
        Endpoint::new(Method::GET, CONNECTORS, get(connectors::list_connectors)),
        Endpoint::new(Method::POST, CONNECTORS, post(connectors::create_connector)),
        Endpoint::new(Method::GET, CONNECTOR, get(connectors::get_connector)),
        Endpoint::new(
            Method::PATCH,
            CONNECTOR,
            patch(connectors::update_connector),
        ),
        Endpoint::new(
            Method::DELETE,
            CONNECTOR,
            delete(connectors::delete_connector),
        ),
        Endpoint::new(
            Method::POST,
            "/api/v1/connectors/{id}/test-connection",
            post(connectors::test_connection),
        ),
        Endpoint::new(
            Method::PUT,
            "/api/v1/connectors/{id}/services/{service}",
            put(connectors::configure_service),
        ),
        Endpoint::new(
            Method::GET,
            "/api/v1/connectors/{id}/audit",
            get(connectors::audit_trail),
        ),
        Endpoint::new(Method::GET, LAUNCH_FIELDS, get(launch_fields::list)),
        Endpoint::new(Method::POST, LAUNCH_FIELDS, post(launch_fields::create)),
        Endpoint::new(
            Method::GET,
            NOTIFICATION_API_PATH,
            get(notifications::list_notifications),
        ),
        Endpoint::new(
            Method::DELETE,
            NOTIFICATION_API_PATH_WITH_ID,
            delete(notifications::delete_notification),
        ),
        Endpoint::new(
            Method::POST,
            "/api/v1/connectors/{id}/verify",
            post(verification::verify),
        ),
        Endpoint::new(
            Method::GET,
            "/api/v1/connectors/{id}/verification",
            get(verification::last_verification),
        ),
    ]
    .into_iter()
    .chain(web_services::endpoints())
    .collect()
}

/// Method and path template of every operation the router serves.
pub fn operations() -> Vec<(Method, &'static str)> {
    endpoints()
        .into_iter()
        .map(|endpoint| (endpoint.method, endpoint.path))
        .collect()
}

/// Builds the API router with its state applied. It has no fallback, so
/// that it can be merged with other routers; the server adds the fallback.
pub fn router(state: ApiState) -> Router {
    let mut paths: Vec<(&'static str, MethodRouter<ApiState>)> = Vec::new();
    for endpoint in endpoints() {
        match paths.iter_mut().find(|(path, _)| *path == endpoint.path) {
            Some((_, route)) => *route = std::mem::take(route).merge(endpoint.route),
            None => paths.push((endpoint.path, endpoint.route)),
        }
    }

    let mut router = Router::new();
    for (path, route) in paths {
        router = router.route(path, route.fallback(method_not_allowed));
    }
    router.with_state(state)
}

async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        OPENAPI_DOCUMENT,
    )
        .into_response()
}

/// Responds `200` when the store's ping succeeds, `503` otherwise.
async fn healthz(State(state): State<ApiState>) -> Response {
    match tokio::time::timeout(HEALTH_CHECK_TIMEOUT, state.store.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ok\n").into_response(),
        Ok(Err(error)) => {
            tracing::error!(error = %connector::server::errors::error_chain(&error), "health check failed: store ping failed");
            (StatusCode::SERVICE_UNAVAILABLE, "unavailable\n").into_response()
        }
        Err(_) => {
            tracing::error!(
                timeout_secs = HEALTH_CHECK_TIMEOUT.as_secs(),
                "health check failed: store ping timed out"
            );
            (StatusCode::SERVICE_UNAVAILABLE, "unavailable\n").into_response()
        }
    }
}

/// Returns `405`; the router adds the `Allow` header.
async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
