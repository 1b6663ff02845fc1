//! Per-request middleware: request id, overall timeout, one log line per request.

use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use connector::server::{REQUEST_ID_HEADER, request_id};
use tracing::Instrument;

use crate::api::ApiError;

/// Wraps every request: sets and echoes `x-request-id`, enters a span with
/// the id, method and route (the auth extractors add user, company and
/// registration ids), bounds the request by `timeouts.request_secs`, and
/// logs one INFO line.
/// Neither headers (but the id) nor bodies are logged, so tokens and
/// passwords never are.
pub(crate) async fn trace_request(
    State(request_timeout): State<Duration>,
    mut request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let request_id_value = request_id(&request);
    request
        .headers_mut()
        .insert(REQUEST_ID_HEADER, request_id_value.clone());

    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let span = tracing::info_span!(
        "request",
        request_id = request_id_value.to_str().unwrap_or("invalid"),
        method = %request.method(),
        route = %route,
        user_id = tracing::field::Empty,
        company_id = tracing::field::Empty,
        registration_id = tracing::field::Empty,
    );

    let answered = tokio::time::timeout(request_timeout, next.run(request))
        .instrument(span.clone())
        .await;
    let mut response = answered.unwrap_or_else(|_| {
        let seconds = request_timeout.as_secs();
        tracing::warn!(parent: &span, timeout_secs = seconds, "request timed out");
        ApiError::RequestTimedOut { seconds }.into_response()
    });

    let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    tracing::info!(parent: &span, status = response.status().as_u16(), duration_ms, "request completed");
    response
        .headers_mut()
        .insert(REQUEST_ID_HEADER, request_id_value);
    response
}
