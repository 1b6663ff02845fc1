//! The outbound client: Test Connection and every other callout.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use rustls::ClientConfig;
use tokio::time::Instant;

use crate::callout::{CalloutRequest, CalloutResponse, TestConnectionReport, TlsDetails};
use crate::config::{OutboundConfig, OutboundSetupError};
use crate::connect::{ConnectSettings, Connection, connect};
use crate::exchange::{Exchanged, PreparedRequest, RequestParts, exchange, prepare};
use crate::failure::FailureCause;
use crate::origin::Origin;
use crate::pool::Pool;

/// `Accept` of Test Connection, whose response body is discarded.
const TEST_CONNECTION_ACCEPT: &str = "*/*";

/// `Accept` of other callouts: connectors respond in XML.
const CALLOUT_ACCEPT: &str = "application/xml, text/xml;q=0.9, */*;q=0.1";

/// HTTPS client for callouts to connectors; cheap to clone, one per process.
///
/// Every connection checks the origin, guards every resolved address,
/// verifies TLS under the callout policy (TLS 1.2 or 1.3, ECDHE only), sends
/// Basic credentials and reads a bounded response within the total timeout.
/// Redirects are never followed. [`call`](Self::call) keeps connections alive
/// per origin for reuse; [`test_connection`](Self::test_connection) always
/// opens a new one, because the connection is what it tests.
#[derive(Clone)]
pub struct OutboundClient {
    inner: Arc<Inner>,
}

struct Inner {
    config: OutboundConfig,
    tls_config: Arc<ClientConfig>,
    pool: Pool,
}

impl OutboundClient {
    /// Builds a client; fails when a setting is zero or an extra CA bundle is unusable.
    pub fn new(config: OutboundConfig) -> Result<OutboundClient, OutboundSetupError> {
        config.validate()?;
        let tls_config = config.tls_client_config()?;
        Ok(OutboundClient {
            inner: Arc::new(Inner {
                config,
                tls_config,
                pool: Pool::default(),
            }),
        })
    }

    /// Returns the settings the client was built with, such as its trusted CAs
    /// and address rule, so that other clients can apply the same ones.
    pub fn config(&self) -> &OutboundConfig {
        &self.inner.config
    }

    /// GET {origin}{path} with Basic auth; never follows redirects.
    ///
    /// Passes on a 2xx status. A 401 gives [`FailureCause::CredentialsRejected`],
    /// a 3xx [`FailureCause::Redirected`], any other status
    /// [`FailureCause::UnexpectedStatus`].
    pub async fn test_connection(
        &self,
        origin: &str,
        path: &str,
        username: &str,
        password: &str,
    ) -> TestConnectionReport {
        let started_at = SystemTime::now();
        let started = Instant::now();

        let outcome = self
            .test_connection_outcome(origin, path, username, password, started)
            .await;
        let duration = started.elapsed();

        let status = match &outcome {
            Ok((status, _)) => Some(*status),
            Err(cause) => status_of(cause),
        };
        let outcome = outcome.map(|(_, tls)| tls);
        log_outcome(
            "GET",
            origin,
            path,
            outcome.as_ref().err(),
            status,
            duration,
        );
        TestConnectionReport {
            started_at,
            duration,
            outcome,
        }
    }

    async fn test_connection_outcome(
        &self,
        origin: &str,
        path: &str,
        username: &str,
        password: &str,
        started: Instant,
    ) -> Result<(u16, TlsDetails), FailureCause> {
        let origin = Origin::parse(origin)?;
        let request = prepare(
            &origin,
            RequestParts {
                method: http::Method::GET,
                path,
                username,
                password,
                accept: TEST_CONNECTION_ACCEPT,
                content_type: None,
                body: Bytes::new(),
            },
        )?;

        let deadline = started + self.inner.config.total_timeout;
        let mut connection = self.connect(&origin, started).await?;
        let exchanged = exchange(
            &mut connection,
            &request,
            deadline,
            self.inner.config.max_response_bytes,
        )
        .await
        .map_err(|error| error.cause)?;

        check_status(exchanged.status)?;
        if !(200..300).contains(&exchanged.status) {
            return Err(FailureCause::UnexpectedStatus(exchanged.status));
        }
        Ok((exchanged.status, connection.tls))
    }

    /// Any callout: method, origin + path, Basic auth, optional content type and body.
    ///
    /// Returns the response for every final status except two: a 3xx is
    /// reported as [`FailureCause::Redirected`] and a 401 as
    /// [`FailureCause::CredentialsRejected`]. Any other 4xx or 5xx comes back
    /// as a response, so that the caller can read the connector's error body.
    /// [`CalloutResponse::error_for_status`] turns such a response into a failure.
    ///
    /// A request on a reused connection that the connector had closed while
    /// idle is sent again once on a new connection, whatever the method,
    /// because no byte of a response had arrived.
    pub async fn call(&self, request: CalloutRequest<'_>) -> Result<CalloutResponse, FailureCause> {
        let started = Instant::now();
        let method = request.method.to_string();
        let outcome = self.call_outcome(&request, started).await;
        let duration = started.elapsed();

        let status = match &outcome {
            Ok((exchanged, _)) => Some(exchanged.status),
            Err(cause) => status_of(cause),
        };
        log_outcome(
            &method,
            request.origin,
            request.path,
            outcome.as_ref().err(),
            status,
            duration,
        );
        let (exchanged, tls) = outcome?;
        Ok(CalloutResponse {
            status: exchanged.status,
            content_type: exchanged.content_type,
            body: exchanged.body,
            tls,
            duration,
        })
    }

    async fn call_outcome(
        &self,
        request: &CalloutRequest<'_>,
        started: Instant,
    ) -> Result<(Exchanged, TlsDetails), FailureCause> {
        let origin = Origin::parse(request.origin)?;
        let prepared = prepare(
            &origin,
            RequestParts {
                method: request.method.clone(),
                path: request.path,
                username: request.username,
                password: request.password,
                accept: CALLOUT_ACCEPT,
                content_type: request.content_type,
                body: request.body.clone(),
            },
        )?;

        if let Some(connection) = self.inner.pool.take(&origin) {
            match self.send_on(&origin, connection, &prepared, started).await {
                Err(error) if error.before_response => {
                    tracing::debug!(origin = %origin, cause = %error.cause, "kept-alive connection was closed; retrying on a new connection");
                }
                other => return other.map_err(|error| error.cause),
            }
        }

        let connection = self.connect(&origin, started).await?;
        self.send_on(&origin, connection, &prepared, started)
            .await
            .map_err(|error| error.cause)
    }

    /// Sends on `connection`, maps the status, and keeps the connection for reuse when it stays open.
    async fn send_on(
        &self,
        origin: &Origin,
        mut connection: Connection,
        prepared: &PreparedRequest,
        started: Instant,
    ) -> Result<(Exchanged, TlsDetails), crate::exchange::ExchangeError> {
        let deadline = started + self.inner.config.total_timeout;
        let exchanged = exchange(
            &mut connection,
            prepared,
            deadline,
            self.inner.config.max_response_bytes,
        )
        .await?;

        let tls = connection.tls.clone();
        if exchanged.reusable {
            self.inner.pool.put(origin, connection);
        }
        check_status(exchanged.status)?;
        Ok((exchanged, tls))
    }

    async fn connect(&self, origin: &Origin, started: Instant) -> Result<Connection, FailureCause> {
        let config = &self.inner.config;
        let connect_deadline = started + config.connect_timeout.min(config.total_timeout);
        let settings = ConnectSettings {
            tls_config: &self.inner.tls_config,
            allow_private_addresses: config.allow_private_addresses,
            deadline: connect_deadline,
        };
        connect(origin, &settings).await
    }
}

/// Turns the statuses no callout can use into failures.
fn check_status(status: u16) -> Result<(), FailureCause> {
    match status {
        300..=399 => Err(FailureCause::Redirected { status }),
        401 => Err(FailureCause::CredentialsRejected),
        _ => Ok(()),
    }
}

/// Returns the HTTP status a failure stands for, if it came from one.
fn status_of(cause: &FailureCause) -> Option<u16> {
    match cause {
        FailureCause::CredentialsRejected => Some(401),
        FailureCause::Redirected { status } | FailureCause::UnexpectedStatus(status) => {
            Some(*status)
        }
        _ => None,
    }
}

/// Logs one line per callout; credentials are never among the fields.
fn log_outcome(
    method: &str,
    origin: &str,
    path: &str,
    failure: Option<&FailureCause>,
    status: Option<u16>,
    duration: Duration,
) {
    let duration_ms = duration.as_millis() as u64;
    // Origin and path come from the registration, so they are bounded before logging.
    let origin: String = origin.chars().take(300).collect();
    let path: String = path.chars().take(300).collect();
    match failure {
        None => tracing::info!(
            method,
            origin = %origin,
            path = %path,
            outcome = "ok",
            status,
            duration_ms,
            "callout finished"
        ),
        Some(cause) => tracing::warn!(
            method,
            origin = %origin,
            path = %path,
            outcome = cause.kind(),
            status,
            duration_ms,
            error = %cause,
            "callout failed"
        ),
    }
}
