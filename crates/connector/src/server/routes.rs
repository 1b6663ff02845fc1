//! The router: callout paths from the configuration, health check, fallbacks and layers.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use protocol::AttendeeVersion;
use tokio::sync::Notify;

use super::errors::CalloutError;
use super::trace::{TraceLayer, TraceSettings};
use crate::auth::{Authenticator, RequireBasicAuthLayer};
use crate::callouts::{
    AppState, CalloutKind, CalloutSettings, XmlBody, fetch_attendees, fetch_list, test_connection,
};
use crate::config::Config;
use crate::notifications::{Intake, receive_notification};
use crate::store::Store;

/// Maximum time `/healthz` waits for the store before responding `503`.
const HEALTH_CHECK_TIMEOUT: Duration = Duration::from_secs(5);

/// Builds the complete router: callouts behind Basic authentication,
/// `/healthz` without, request tracing around everything. The configuration
/// is validated first, because axum panics on duplicate or malformed paths.
/// Stored notifications wake no worker; [`crate::bind`] starts one that they do.
pub fn router(store: Arc<dyn Store>, config: &Config) -> anyhow::Result<Router> {
    build_router(store, config, Arc::new(Notify::new()))
}

/// Builds the router whose notification handler signals `wakeup`.
pub(crate) fn build_router(
    store: Arc<dyn Store>,
    config: &Config,
    wakeup: Arc<Notify>,
) -> anyhow::Result<Router> {
    config.validate()?;
    let authenticator = Arc::new(Authenticator::new(config)?);
    let host_origin = if config.validation.has_rules() {
        Some(outbound::Origin::parse(&config.host.origin)?)
    } else {
        None
    };
    let notifications = store.notification_queue().map(|queue| {
        Arc::new(Intake {
            queue,
            wakeup,
            host_origin,
        })
    });
    let state = AppState {
        store,
        settings: Arc::new(CalloutSettings::from_config(config)),
        notifications,
    };
    let paths = &config.paths;

    let mut callouts = Router::new()
        .route(
            &paths.test_connection,
            get(test_connection).fallback(method_not_allowed),
        )
        .route(
            &paths.attendee_v2,
            post(|State(state): State<AppState>, body: XmlBody| {
                fetch_attendees(state, AttendeeVersion::V2_0, body)
            })
            .fallback(method_not_allowed),
        )
        .route(
            &paths.attendee_v1,
            post(|State(state): State<AppState>, body: XmlBody| {
                fetch_attendees(state, AttendeeVersion::V1_0, body)
            })
            .fallback(method_not_allowed),
        )
        .route(&paths.list, list_route(None))
        .route(
            &paths.notify,
            post(receive_notification).fallback(method_not_allowed),
        );
    for (path, list_name) in &config.list_paths {
        callouts = callouts.route(path, list_route(Some(list_name.clone())));
    }
    let callouts = callouts.route_layer(RequireBasicAuthLayer::new(authenticator));

    let trace = TraceLayer::new(TraceSettings {
        kinds: callout_kinds(config),
        request_timeout: config.timeouts.request(),
    });

    let launch = crate::launch::router(config, &state.store)?;
    let mut router = Router::new()
        .route(&paths.healthz, get(healthz).fallback(method_not_allowed))
        .merge(callouts)
        .with_state(state);
    if let Some(launch) = launch {
        router = router.merge(launch);
    }
    Ok(router.fallback(not_found).layer(trace))
}

fn list_route(mapped_list: Option<String>) -> axum::routing::MethodRouter<AppState> {
    post(move |State(state): State<AppState>, body: XmlBody| {
        fetch_list(state, mapped_list.clone(), body)
    })
    .fallback(method_not_allowed)
}

fn callout_kinds(config: &Config) -> HashMap<String, CalloutKind> {
    let paths = &config.paths;
    let mut kinds = HashMap::from([
        (paths.test_connection.clone(), CalloutKind::TestConnection),
        (paths.attendee_v2.clone(), CalloutKind::FetchAttendeeV2),
        (paths.attendee_v1.clone(), CalloutKind::FetchAttendeeV1),
        (paths.list.clone(), CalloutKind::FetchList),
        (paths.notify.clone(), CalloutKind::EventNotification),
    ]);
    for path in config.list_paths.keys() {
        kinds.insert(path.clone(), CalloutKind::FetchList);
    }
    kinds
}

/// Responds `200` when the store's ping succeeds, `503` otherwise.
async fn healthz(State(state): State<AppState>) -> Response {
    match tokio::time::timeout(HEALTH_CHECK_TIMEOUT, state.store.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ok\n").into_response(),
        Ok(Err(error)) => {
            tracing::error!(error = %super::errors::error_chain(&error), "health check failed: store ping failed");
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

async fn not_found() -> CalloutError {
    CalloutError::NotFound
}

/// The router adds the `Allow` header to this response.
async fn method_not_allowed() -> CalloutError {
    CalloutError::MethodNotAllowed
}
