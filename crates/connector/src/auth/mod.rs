//! Basic authentication of callouts, with throttling of repeated failures.

mod basic;
mod throttle;
mod verifier;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderValue;
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

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
        authorization: Option<&HeaderValue>,
    ) -> Result<(), CalloutError> {
        if let Err(retry_after) = self.throttle.check(client, Instant::now()) {
            callout_metrics::record_throttled();
            // Logged once per window when the limit is reached, not per request.
            tracing::debug!(client = %client, retry_after_secs = retry_after.seconds(), "client throttled");
            return Err(CalloutError::Throttled(retry_after));
        }

        let (reason, error) = match parse_basic(authorization) {
            Ok(presented) => match self.verifier.verify(&presented).await {
                Verification::Accepted => return Ok(()),
                Verification::Rejected => ("wrong", CalloutError::Unauthorized),
            },
            Err(error) => (error.reason(), CalloutError::AuthorizationUnreadable(error)),
        };

        let limit_reached = self.throttle.record_failure(client, Instant::now());
        callout_metrics::record_auth_failure(reason);
        // The reason is a fixed label, never part of the presented header.
        tracing::warn!(client = %client, reason, "authentication failed");
        if limit_reached {
            tracing::warn!(client = %client, "too many authentication failures; throttling the client");
        }
        Err(error)
    }
}

/// Middleware on every callout route: responds `401` or `429` itself, and
/// passes authenticated requests on.
pub async fn require_basic_auth(
    State(authenticator): State<Arc<Authenticator>>,
    request: Request,
    next: Next,
) -> Response {
    let client = client_address(&request);
    let authorization = request.headers().get(AUTHORIZATION).cloned();
    match authenticator
        .authenticate(client, authorization.as_ref())
        .await
    {
        Ok(()) => next.run(request).await,
        Err(error) => error.into_response(),
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
