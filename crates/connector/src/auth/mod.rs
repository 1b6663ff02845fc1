//! Basic authentication of callouts, with throttling of repeated failures.

mod basic;
mod throttle;
mod verifier;

use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::extract::{ConnectInfo, Request};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use pin_project_lite::pin_project;
use tower::{Layer, Service};

pub use basic::{BasicAuthError, PresentedCredentials, parse_basic};
pub use throttle::{FailureThrottle, RetryAfter};
pub use verifier::{CredentialVerifier, Verification};

use crate::config::Config;
use crate::metrics as callout_metrics;
use crate::server::errors::CalloutError;

/// Credential check and failure throttle, shared by all requests.
pub struct Authenticator {
    verifier: CredentialVerifier,
    throttle: FailureThrottle,
}

impl Authenticator {
    pub fn new(config: &Config) -> anyhow::Result<Self> {
        Ok(Authenticator {
            verifier: CredentialVerifier::new(&config.credentials)?,
            throttle: FailureThrottle::new(&config.throttle),
        })
    }

    /// Admits the request or returns the error to respond with. A throttled
    /// address is turned away before its credentials are looked at, so that
    /// it can neither learn from them nor spend argon2 time.
    pub async fn authenticate(
        &self,
        client: IpAddr,
        headers: &HeaderMap,
    ) -> Result<(), CalloutError> {
        match self.admit(client, headers) {
            Admission::Decided(decision) => decision,
            Admission::Argon2(presented) => self.verify_argon2(client, presented).await,
        }
    }

    /// Runs the steps of [`Authenticator::authenticate`] that do not wait:
    /// the throttle, the header, and a clear-text password or a remembered
    /// argon2 success.
    fn admit(&self, client: IpAddr, headers: &HeaderMap) -> Admission {
        if let Err(throttled) = self.check_throttle(client) {
            return Admission::Decided(Err(throttled));
        }
        let presented = match parse_basic(headers) {
            Ok(presented) => presented,
            Err(error) => {
                let unreadable = CalloutError::AuthorizationUnreadable(error);
                return Admission::Decided(Err(self.reject(client, error.reason(), unreadable)));
            }
        };
        match self.verifier.verify_now(&presented) {
            Some(verification) => Admission::Decided(self.conclude(client, verification)),
            None => Admission::Argon2(presented),
        }
    }

    /// Verifies an argon2 password. The throttle is checked again once the
    /// check has a slot, because failures of the same client's concurrent
    /// requests may have reached the limit while this one waited.
    async fn verify_argon2(
        &self,
        client: IpAddr,
        presented: PresentedCredentials,
    ) -> Result<(), CalloutError> {
        let admit = || self.check_throttle(client);
        let verification = self.verifier.verify_admitted(&presented, admit).await?;
        self.conclude(client, verification)
    }

    /// Turns a throttled client away with `429`.
    fn check_throttle(&self, client: IpAddr) -> Result<(), CalloutError> {
        self.throttle.check(client, Instant::now()).map_err(|retry_after| {
            callout_metrics::record_throttled();
            // Logged at DEBUG because a throttled client may send many requests.
            tracing::debug!(client = %client, retry_after_secs = retry_after.seconds(), "client throttled");
            CalloutError::Throttled(retry_after)
        })
    }

    fn conclude(&self, client: IpAddr, verification: Verification) -> Result<(), CalloutError> {
        match verification {
            Verification::Accepted => Ok(()),
            Verification::Rejected => Err(self.reject(client, "wrong", CalloutError::Unauthorized)),
        }
    }

    /// Counts a failure against the client and returns the error to send.
    fn reject(&self, client: IpAddr, reason: &'static str, error: CalloutError) -> CalloutError {
        let limit_reached = self.throttle.record_failure(client, Instant::now());
        callout_metrics::record_auth_failure(reason);
        // The reason is a fixed label, never part of the presented header.
        tracing::warn!(client = %client, reason, "authentication failed");
        if limit_reached {
            tracing::warn!(client = %client, "too many authentication failures; throttling the client");
        }
        error
    }
}

/// Outcome of the first, immediate step of authentication.
enum Admission {
    Decided(Result<(), CalloutError>),
    /// The password is an argon2 hash, to verify on the blocking pool.
    Argon2(PresentedCredentials),
}

/// Puts Basic authentication in front of every callout route: the layer
/// responds with `401` or `429` itself and passes authenticated requests on.
///
/// A tower layer rather than `axum::middleware::from_fn`, so that a request
/// with clear-text credentials is checked without boxing the inner service
/// or the future. Only an argon2 check is boxed, because it waits for the
/// blocking pool.
#[derive(Clone)]
pub struct RequireBasicAuthLayer {
    authenticator: Arc<Authenticator>,
}

impl RequireBasicAuthLayer {
    pub fn new(authenticator: Arc<Authenticator>) -> Self {
        RequireBasicAuthLayer { authenticator }
    }
}

impl<S> Layer<S> for RequireBasicAuthLayer {
    type Service = RequireBasicAuth<S>;

    fn layer(&self, inner: S) -> RequireBasicAuth<S> {
        RequireBasicAuth {
            inner,
            authenticator: Arc::clone(&self.authenticator),
        }
    }
}

/// The service [`RequireBasicAuthLayer`] puts around a route.
#[derive(Clone)]
pub struct RequireBasicAuth<S> {
    inner: S,
    authenticator: Arc<Authenticator>,
}

impl<S> Service<Request> for RequireBasicAuth<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = AuthFuture<S::Future>;

    fn poll_ready(&mut self, context: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(context)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let client = client_address(&request);
        match self.authenticator.admit(client, request.headers()) {
            Admission::Decided(Ok(())) => AuthFuture::Admitted {
                inner: self.inner.call(request),
            },
            Admission::Decided(Err(error)) => AuthFuture::Rejected {
                response: Some(error.into_response()),
            },
            Admission::Argon2(presented) => {
                // The ready service goes into the future; a clone stays here
                // for the next request, as the `Service` contract requires.
                let fresh = self.inner.clone();
                let mut ready = std::mem::replace(&mut self.inner, fresh);
                let authenticator = Arc::clone(&self.authenticator);
                AuthFuture::Argon2 {
                    future: Box::pin(async move {
                        match authenticator.verify_argon2(client, presented).await {
                            Ok(()) => ready.call(request).await,
                            Err(error) => Ok(error.into_response()),
                        }
                    }),
                }
            }
        }
    }
}

pin_project! {
    /// Future of [`RequireBasicAuth`].
    #[project = AuthFutureProjection]
    pub enum AuthFuture<F> {
        Admitted { #[pin] inner: F },
        Rejected { response: Option<Response> },
        Argon2 { future: Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>> },
    }
}

impl<F> Future for AuthFuture<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            AuthFutureProjection::Admitted { inner } => inner.poll(context),
            AuthFutureProjection::Rejected { response } => {
                // Polled again after `Ready` only by a faulty caller; an
                // empty 401 is then safer than a panic.
                let response = response
                    .take()
                    .unwrap_or_else(|| CalloutError::Unauthorized.into_response());
                Poll::Ready(Ok(response))
            }
            AuthFutureProjection::Argon2 { future } => future.as_mut().poll(context),
        }
    }
}

/// Peer address set by the listener; `0.0.0.0` when the router runs
/// without one, as in tests that call it directly.
pub fn client_address(request: &Request) -> IpAddr {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(address)| address.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}
