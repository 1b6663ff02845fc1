//! Per-request layer: request id, overall timeout, one log line and metrics per callout.
//!
//! Written as a tower service with its own future rather than with
//! `axum::middleware::from_fn`, which boxes the inner service and the
//! future of every request. Test Connection does little else, so its
//! throughput depends on this layer's cost (see BENCHMARKS.md).

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use pin_project_lite::pin_project;
use tokio::time::Timeout;
use tower::{Layer, Service};
use tracing::Span;

use super::errors::CalloutError;
use crate::callouts::{CalloutKind, ResultCount};
use crate::metrics as callout_metrics;

/// Header carrying the request id, accepted from the client or generated.
pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// Maximum length of a client-chosen request id; longer ones are replaced.
const MAX_REQUEST_ID_LENGTH: usize = 128;

/// Route facts the layer needs: callout kinds by path and the request timeout.
pub(crate) struct TraceSettings {
    /// Callout kind of each callout path; other paths are not callouts.
    pub kinds: HashMap<String, CalloutKind>,
    pub request_timeout: Duration,
}

/// Wraps every request: sets and echoes `x-request-id`, enters a span with
/// the id, bounds the whole request by `timeouts.request_secs`, and logs
/// one INFO line per callout (DEBUG for other paths). Nothing from the
/// request headers other than the id is logged, so credentials never are.
#[derive(Clone)]
pub(crate) struct TraceLayer {
    settings: Arc<TraceSettings>,
}

impl TraceLayer {
    pub(crate) fn new(settings: TraceSettings) -> Self {
        TraceLayer {
            settings: Arc::new(settings),
        }
    }
}

impl<S> Layer<S> for TraceLayer {
    type Service = Trace<S>;

    fn layer(&self, inner: S) -> Trace<S> {
        Trace {
            inner,
            settings: Arc::clone(&self.settings),
        }
    }
}

/// The service [`TraceLayer`] puts around the router.
#[derive(Clone)]
pub(crate) struct Trace<S> {
    inner: S,
    settings: Arc<TraceSettings>,
}

impl<S> Service<Request> for Trace<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = TraceFuture<S::Future>;

    fn poll_ready(&mut self, context: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(context)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        let started = Instant::now();
        let request_id = request_id(&request);
        request
            .headers_mut()
            .insert(REQUEST_ID_HEADER, request_id.clone());

        let kind = self.settings.kinds.get(request.uri().path()).copied();
        let span = tracing::info_span!(
            "request",
            request_id = request_id.to_str().unwrap_or("invalid"),
            kind = kind.map_or("none", CalloutKind::label),
        );
        let inner = span.in_scope(|| self.inner.call(request));
        TraceFuture {
            inner: tokio::time::timeout(self.settings.request_timeout, inner),
            finish: Finish {
                started,
                request_id,
                kind,
                request_timeout: self.settings.request_timeout,
            },
            span,
        }
    }
}

pin_project! {
    /// Runs the inner future within the request's span and timeout, then
    /// logs and labels the response.
    pub(crate) struct TraceFuture<F> {
        #[pin]
        inner: Timeout<F>,
        finish: Finish,
        span: Span,
    }
}

/// Facts the log line and the response header need once the response is ready.
struct Finish {
    started: Instant,
    request_id: HeaderValue,
    kind: Option<CalloutKind>,
    request_timeout: Duration,
}

impl<F> Future for TraceFuture<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let span: &Span = this.span;
        let answered = {
            let _entered = span.enter();
            ready!(this.inner.poll(context))
        };
        let finish = this.finish;
        let (response, outcome) = match answered {
            Ok(Ok(response)) => {
                let outcome = outcome_label(response.status());
                (response, outcome)
            }
            Ok(Err(never)) => match never {},
            Err(_elapsed) => {
                let seconds = finish.request_timeout.as_secs();
                tracing::warn!(parent: span, timeout_secs = seconds, "request timed out");
                let response = CalloutError::RequestTimedOut { seconds }.into_response();
                (response, "request_timeout")
            }
        };
        Poll::Ready(Ok(finish.complete(span, response, outcome)))
    }
}

impl Finish {
    /// Logs the request's one line, records the callout's metrics, and
    /// echoes the request id.
    fn complete(&mut self, span: &Span, mut response: Response, outcome: &'static str) -> Response {
        let duration = self.started.elapsed();
        let status = response.status();
        let duration_ms = duration.as_secs_f64() * 1000.0;
        match self.kind {
            Some(kind) => {
                let results = response
                    .extensions()
                    .get::<ResultCount>()
                    .map(|count| count.0);
                callout_metrics::record_callout(kind.label(), outcome, duration);
                tracing::info!(
                    parent: span,
                    outcome,
                    status = status.as_u16(),
                    results,
                    duration_ms,
                    "callout completed"
                );
            }
            None => {
                tracing::debug!(parent: span, outcome, status = status.as_u16(), duration_ms, "request completed");
            }
        }
        // Taken rather than cloned: a future is not polled after `Ready`.
        let request_id = std::mem::replace(&mut self.request_id, HeaderValue::from_static(""));
        response.headers_mut().insert(REQUEST_ID_HEADER, request_id);
        response
    }
}

/// Returns the request's id: the client's when it is short and made of letters,
/// digits and `-_.:` (so that it is safe in logs and headers), otherwise a
/// new random one.
pub fn request_id(request: &Request) -> HeaderValue {
    match request.headers().get(REQUEST_ID_HEADER) {
        Some(value) if is_acceptable_request_id(value) => value.clone(),
        _ => new_request_id(),
    }
}

fn is_acceptable_request_id(value: &HeaderValue) -> bool {
    let bytes = value.as_bytes();
    let allowed = |byte: &u8| byte.is_ascii_alphanumeric() || b"-_.:".contains(byte);
    !bytes.is_empty() && bytes.len() <= MAX_REQUEST_ID_LENGTH && bytes.iter().all(allowed)
}

/// A random version 4 UUID in its 32-digit form.
fn new_request_id() -> HeaderValue {
    let mut buffer = uuid::Uuid::encode_buffer();
    let text = uuid::Uuid::new_v4().simple().encode_lower(&mut buffer);
    // Hexadecimal digits are always a valid header value; the fallback only
    // avoids a panic path.
    HeaderValue::from_str(text).unwrap_or(HeaderValue::from_static("invalid"))
}

/// Outcome label of a response, for logs and metrics. A request that ran
/// out of time is labelled `request_timeout` instead.
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

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    fn request_with_id(id: &[u8]) -> Request {
        let mut request = Request::new(Body::empty());
        request
            .headers_mut()
            .insert(REQUEST_ID_HEADER, HeaderValue::from_bytes(id).unwrap());
        request
    }

    #[test]
    fn request_id_keeps_acceptable_client_id() {
        let request = request_with_id(b"host-42:abc_DEF.1");

        assert_eq!(request_id(&request), "host-42:abc_DEF.1");
    }

    #[test]
    fn request_id_replaces_unsafe_client_id() {
        for unsafe_id in [&b"has space"[..], b"quote\"d", b"semi;colon", b""] {
            let replaced = request_id(&request_with_id(unsafe_id));

            assert_eq!(replaced.len(), 32, "{unsafe_id:?}");
            assert!(replaced.as_bytes().iter().all(u8::is_ascii_hexdigit));
        }
    }

    #[test]
    fn request_id_replaces_overlong_client_id() {
        let long = vec![b'a'; MAX_REQUEST_ID_LENGTH + 1];

        assert_eq!(request_id(&request_with_id(&long)).len(), 32);
    }

    #[test]
    fn request_id_generated_ids_differ() {
        let request = Request::new(Body::empty());

        assert_ne!(request_id(&request), request_id(&request));
    }
}
