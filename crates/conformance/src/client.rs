//! Sending probes. Requests with the configured credentials go through the
//! host's outbound client. Requests it cannot express, without or with wrong
//! credentials and with the response headers read, go through [`crate::raw`].

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use http::Method;
use outbound::{
    CalloutRequest, FailureCause, Origin, OutboundClient, OutboundConfig, TestConnectionReport,
};

use crate::config::{CheckConfig, ConfigError, Password};
use crate::raw::{RawClient, RawRequest};
use crate::report::{Exchange, RequestSummary, ResponseSummary};

/// Content type of every well-formed callout request.
pub(crate) const XML_CONTENT_TYPE: &str = "application/xml; charset=utf-8";

/// Characters of a request or response body kept in a report.
const EXCERPT_CHARS: usize = 300;

/// Bytes of a response body looked at for an excerpt; the password is
/// redacted within them before the excerpt is cut.
const EXCERPT_SCAN_BYTES: usize = 4096;

/// Timeouts in a row after which the client stops sending.
const MAX_CONSECUTIVE_TIMEOUTS: usize = 3;

/// Largest response body read. A full Fetch Attendee response of 100
/// version 2.0 attendees with every field at its maximum length is about
/// 450 KB, so 1 MiB leaves room without letting a connector stream forever.
pub(crate) const MAX_RESPONSE_BYTES: usize = 1024 * 1024;

/// Credentials a probe sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Credentials {
    /// The user name and password under check.
    Configured,
    /// The configured user name with a password that differs from the configured one.
    WrongPassword,
    /// No `Authorization` header.
    Missing,
}

impl Credentials {
    fn label(self) -> &'static str {
        match self {
            Credentials::Configured => "configured",
            Credentials::WrongPassword => "wrong password",
            Credentials::Missing => "none",
        }
    }
}

/// One request of the suite.
#[derive(Debug, Clone)]
pub(crate) struct Probe {
    pub method: Method,
    pub path: String,
    pub credentials: Credentials,
    pub content_type: Option<String>,
    pub body: Bytes,
}

impl Probe {
    /// Creates a `GET` with the configured credentials.
    pub fn get(path: &str) -> Self {
        Probe {
            method: Method::GET,
            path: path.to_owned(),
            credentials: Credentials::Configured,
            content_type: None,
            body: Bytes::new(),
        }
    }

    /// Creates a `POST` of an XML body with the configured credentials.
    pub fn post_xml(path: &str, body: impl Into<Bytes>) -> Self {
        Probe {
            method: Method::POST,
            path: path.to_owned(),
            credentials: Credentials::Configured,
            content_type: Some(XML_CONTENT_TYPE.to_owned()),
            body: body.into(),
        }
    }

    pub fn with_credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = credentials;
        self
    }

    pub fn with_content_type(mut self, content_type: &str) -> Self {
        self.content_type = Some(content_type.to_owned());
        self
    }
}

/// A complete response.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub status: u16,
    pub content_type: Option<String>,
    /// Read only on the raw path, where probes of missing or wrong credentials go.
    pub www_authenticate: Option<String>,
    pub body: Bytes,
    pub duration: Duration,
}

/// Reason a probe got no response that a check can read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NoReply {
    pub message: String,
    /// The status the outbound client turned into a failure (401, 3xx), if any.
    pub status: Option<u16>,
    /// Whether a time limit ended the request.
    pub timed_out: bool,
}

impl NoReply {
    pub fn new(message: impl Into<String>) -> Self {
        NoReply {
            message: message.into(),
            status: None,
            timed_out: false,
        }
    }

    pub fn timed_out(message: impl Into<String>) -> Self {
        NoReply {
            timed_out: true,
            ..NoReply::new(message)
        }
    }
}

impl fmt::Display for NoReply {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.message)
    }
}

/// A probe as sent, for the report, and its reply or the reason there is none.
pub(crate) struct Sent {
    pub exchange: Exchange,
    pub reply: Result<Reply, NoReply>,
}

impl Sent {
    /// Returns the HTTP status that came back, also when the outbound client reported it as a failure.
    pub fn status(&self) -> Option<u16> {
        match &self.reply {
            Ok(reply) => Some(reply.status),
            Err(no_reply) => no_reply.status,
        }
    }
}

/// Sends probes to one connector.
#[derive(Clone)]
pub(crate) struct Client {
    outbound: OutboundClient,
    raw: RawClient,
    origin: Origin,
    username: String,
    password: Password,
    wrong_password: String,
    /// Requests in a row that ended in a timeout, shared by clones.
    consecutive_timeouts: Arc<AtomicUsize>,
}

impl Client {
    /// Builds both transports with the same trusted CAs, address policy and limits.
    pub fn new(config: &CheckConfig) -> Result<Self, ConfigError> {
        let origin = Origin::parse(&config.origin)
            .map_err(|cause| ConfigError::Origin(cause.to_string()))?;
        let outbound = OutboundClient::new(OutboundConfig {
            extra_trusted_ca_pems: config.trusted_ca_pems.clone(),
            allow_private_addresses: config.allow_private_addresses,
            connect_timeout: config.request_timeout.min(Duration::from_secs(5)),
            total_timeout: config.request_timeout,
            max_response_bytes: MAX_RESPONSE_BYTES,
        })
        .map_err(|error| ConfigError::Client(error.to_string()))?;
        let raw = RawClient::new(
            &config.trusted_ca_pems,
            config.allow_private_addresses,
            config.request_timeout,
        )?;

        Ok(Client {
            outbound,
            raw,
            origin,
            username: config.username.clone(),
            wrong_password: wrong_password(config.password.expose()),
            password: config.password.clone(),
            consecutive_timeouts: Arc::new(AtomicUsize::new(0)),
        })
    }

    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    pub fn raw(&self) -> &RawClient {
        &self.raw
    }

    /// Runs the host's own Test Connection on a new connection.
    pub async fn test_connection(&self, path: &str) -> TestConnectionReport {
        self.outbound
            .test_connection(
                &self.origin.to_string(),
                path,
                &self.username,
                self.password.expose(),
            )
            .await
    }

    /// Sends `probe` with the configured credentials without summarising it,
    /// for the load run.
    pub async fn call(&self, probe: &Probe) -> Result<Reply, NoReply> {
        self.dispatch(probe).await
    }

    /// Sends `probe` and summarises the exchange for the report.
    pub async fn send(&self, probe: &Probe) -> Sent {
        let started = Instant::now();
        let reply = self.dispatch(probe).await;
        let elapsed = started.elapsed();

        let exchange = Exchange {
            request: self.summarize_request(probe),
            response: reply.as_ref().ok().map(|reply| self.summarize_reply(reply)),
            error: reply
                .as_ref()
                .err()
                .map(|error| self.redact(&error.message)),
        };
        let reply = reply.map(|mut reply| {
            if reply.duration.is_zero() {
                reply.duration = elapsed;
            }
            reply
        });
        Sent { exchange, reply }
    }

    /// Sends `probe` on the transport its credentials need. After
    /// [`MAX_CONSECUTIVE_TIMEOUTS`] timeouts in a row nothing more is sent,
    /// so a connector that accepts connections but never responds costs
    /// three request timeouts instead of one per probe.
    async fn dispatch(&self, probe: &Probe) -> Result<Reply, NoReply> {
        let timeouts = self.consecutive_timeouts.load(Ordering::Relaxed);
        if timeouts >= MAX_CONSECUTIVE_TIMEOUTS {
            return Err(NoReply::timed_out(format!(
                "not sent, because the connector timed out {timeouts} times in a row"
            )));
        }

        let reply = match probe.credentials {
            Credentials::Configured => self.send_outbound(probe).await,
            Credentials::WrongPassword => {
                let authorization = basic_authorization(&self.username, &self.wrong_password);
                self.send_raw(probe, Some(authorization)).await
            }
            Credentials::Missing => self.send_raw(probe, None).await,
        };

        match &reply {
            Err(no_reply) if no_reply.timed_out => {
                self.consecutive_timeouts.fetch_add(1, Ordering::Relaxed);
            }
            _ => self.consecutive_timeouts.store(0, Ordering::Relaxed),
        }
        reply
    }

    async fn send_outbound(&self, probe: &Probe) -> Result<Reply, NoReply> {
        let origin = self.origin.to_string();
        let response = self
            .outbound
            .call(CalloutRequest {
                method: probe.method.clone(),
                origin: &origin,
                path: &probe.path,
                username: &self.username,
                password: self.password.expose(),
                content_type: probe.content_type.as_deref(),
                body: probe.body.clone(),
            })
            .await
            .map_err(|cause| NoReply {
                status: match &cause {
                    FailureCause::CredentialsRejected => Some(401),
                    FailureCause::Redirected { status } => Some(*status),
                    _ => None,
                },
                timed_out: matches!(cause, FailureCause::TimedOut { .. }),
                message: cause.to_string(),
            })?;
        Ok(Reply {
            status: response.status,
            content_type: response.content_type,
            www_authenticate: None,
            body: response.body,
            duration: response.duration,
        })
    }

    async fn send_raw(
        &self,
        probe: &Probe,
        authorization: Option<String>,
    ) -> Result<Reply, NoReply> {
        let request = RawRequest {
            method: probe.method.clone(),
            path: &probe.path,
            authorization,
            content_type: probe.content_type.as_deref(),
            body: probe.body.clone(),
        };
        self.raw.send(&self.origin, request).await
    }

    fn summarize_request(&self, probe: &Probe) -> RequestSummary {
        RequestSummary {
            method: probe.method.to_string(),
            path: probe.path.clone(),
            credentials: probe.credentials.label().to_owned(),
            content_type: probe.content_type.clone(),
            body_bytes: probe.body.len(),
            body_excerpt: self.excerpt(&probe.body),
        }
    }

    fn summarize_reply(&self, reply: &Reply) -> ResponseSummary {
        ResponseSummary {
            status: reply.status,
            content_type: reply
                .content_type
                .as_deref()
                .map(|value| self.redact(value)),
            www_authenticate: reply
                .www_authenticate
                .as_deref()
                .map(|value| self.redact(value)),
            body_bytes: reply.body.len(),
            body_excerpt: self.excerpt(&reply.body),
            duration_ms: reply.duration.as_secs_f64() * 1000.0,
        }
    }

    /// Cuts a body to a printable excerpt, with the password redacted first.
    fn excerpt(&self, body: &[u8]) -> String {
        let scanned = &body[..body.len().min(EXCERPT_SCAN_BYTES)];
        let text = self.redact(&String::from_utf8_lossy(scanned));
        excerpt(&text, body.len() > scanned.len())
    }

    /// Replaces the password, the wrong password and their Basic tokens, in
    /// case a connector echoes the `Authorization` header.
    fn redact(&self, text: &str) -> String {
        let mut redacted = text.to_owned();
        let secrets = [
            basic_token(&self.username, self.password.expose()),
            basic_token(&self.username, &self.wrong_password),
            self.password.expose().to_owned(),
            self.wrong_password.clone(),
        ];
        for secret in secrets {
            if !secret.is_empty() {
                redacted = redacted.replace(&secret, "<redacted>");
            }
        }
        redacted
    }
}

/// Shortens `text` to [`EXCERPT_CHARS`] with control characters escaped;
/// `cut` marks text that is already the start of something longer.
pub(crate) fn excerpt(text: &str, cut: bool) -> String {
    let mut excerpt = String::new();
    let mut shortened = cut;
    for (count, character) in text.chars().enumerate() {
        if count == EXCERPT_CHARS {
            shortened = true;
            break;
        }
        if character.is_control() {
            excerpt.extend(character.escape_default());
        } else {
            excerpt.push(character);
        }
    }
    if shortened {
        excerpt.push('…');
    }
    excerpt
}

/// Returns a password that differs from the configured one.
fn wrong_password(configured: &str) -> String {
    let candidate = "callouts-conformance-wrong-password";
    if configured == candidate {
        format!("{candidate}-2")
    } else {
        candidate.to_owned()
    }
}

fn basic_token(username: &str, password: &str) -> String {
    STANDARD.encode(format!("{username}:{password}"))
}

fn basic_authorization(username: &str, password: &str) -> String {
    format!("Basic {}", basic_token(username, password))
}
