//! Per-request middleware: request id, overall timeout, one log line and metrics per callout.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tracing::Instrument;

use super::errors::CalloutError;
use crate::callouts::{CalloutKind, ResultCount};
use crate::metrics as callout_metrics;

/// Header carrying the request id, accepted from the client or generated.
pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// Maximum length of a client-chosen request id; longer ones are replaced.
const MAX_REQUEST_ID_LENGTH: usize = 128;

/// Route facts the middleware needs: callout kinds by path and the request timeout.
pub(crate) struct TraceSettings {
    /// Callout kind of each callout path; other paths are not callouts.
    pub kinds: HashMap<String, CalloutKind>,
    pub request_timeout: Duration,
}

/// Wraps every request: sets and echoes `x-request-id`, enters a span with
/// the id, bounds the whole request by `timeouts.request_secs`, and logs
/// one INFO line per callout (DEBUG for other paths). Nothing from the
/// request headers other than the id is logged, so credentials never are.
pub(crate) async fn trace_request(
    State(settings): State<Arc<TraceSettings>>,
    mut request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let request_id =
        accepted_request_id(&request).unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    // Both kinds of id are checked or generated as visible ASCII, so the
    // conversion cannot fail; the fallback only avoids a panic path.
    let request_id_value =
        HeaderValue::from_str(&request_id).unwrap_or(HeaderValue::from_static("invalid"));
    request
        .headers_mut()
        .insert(REQUEST_ID_HEADER, request_id_value.clone());

    let kind = settings.kinds.get(request.uri().path()).copied();
    let kind_label = kind.map_or("none", CalloutKind::label);
    let span = tracing::info_span!("request", request_id = %request_id, kind = kind_label);

    let answered = tokio::time::timeout(settings.request_timeout, next.run(request))
        .instrument(span.clone())
        .await;
    let mut response = answered.unwrap_or_else(|_| {
        let seconds = settings.request_timeout.as_secs();
        tracing::warn!(parent: &span, timeout_secs = seconds, "request timed out");
        CalloutError::RequestTimedOut { seconds }.into_response()
    });

    let duration = started.elapsed();
    let status = response.status();
    let outcome = outcome_label(status);
    let results = response
        .extensions()
        .get::<ResultCount>()
        .map(|count| count.0);
    let duration_ms = duration.as_secs_f64() * 1000.0;
    match kind {
        Some(kind) => {
            callout_metrics::record_callout(kind.label(), outcome, duration);
            tracing::info!(
                parent: &span,
                outcome,
                status = status.as_u16(),
                results,
                duration_ms,
                "callout completed"
            );
        }
        None => {
            tracing::debug!(parent: &span, outcome, status = status.as_u16(), duration_ms, "request completed");
        }
    }

    response
        .headers_mut()
        .insert(REQUEST_ID_HEADER, request_id_value);
    response
}

/// Keeps the client's request id when it is short and made of letters,
/// digits and `-_.:`, so that it is safe in logs and headers.
pub fn accepted_request_id(request: &Request) -> Option<String> {
    let value = request.headers().get(REQUEST_ID_HEADER)?.to_str().ok()?;
    let allowed = |character: char| character.is_ascii_alphanumeric() || "-_.:".contains(character);
    let acceptable =
        !value.is_empty() && value.len() <= MAX_REQUEST_ID_LENGTH && value.chars().all(allowed);
    acceptable.then(|| value.to_owned())
}

/// Outcome label of a response, for logs and metrics.
fn outcome_label(status: StatusCode) -> &'static str {
    match status.as_u16() {
        200..=299 => "ok",
        400 => "invalid_request",
        401 => "unauthorized",
        404 => "not_found",
        405 => "method_not_allowed",
        408 => "body_timeout",
        413 => "body_too_large",
        415 => "unsupported_media_type",
        429 => "throttled",
        503 => "unavailable",
        _ => "error",
    }
}
