//! HTTPS to the host's origin only: verified TLS, no redirects, bounded time and size.

use std::time::Duration;

use anyhow::Context;
use bytes::{Bytes, BytesMut};
use outbound::{Origin, OutboundConfig};
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use reqwest::{Method, redirect};
use tokio::time::Instant;

use super::error::{HostError, error_detail};
use crate::config::{HostConfig, Secret};
use crate::server::errors::error_chain;

/// `User-Agent` of the connector's calls to the host.
const USER_AGENT: &str = concat!("callouts-connector/", env!("CARGO_PKG_VERSION"));

/// A request body.
pub enum Body<'a> {
    Empty,
    Json(serde_json::Value),
    /// `application/x-www-form-urlencoded` fields; may hold secrets, so never logged.
    Form(&'a [(&'a str, &'a str)]),
}

/// A whole response.
pub struct Reply {
    pub status: u16,
    pub body: Bytes,
    retry_after: Option<Duration>,
}

impl Reply {
    /// Builds the error for a status the call cannot use, with the host's error body.
    pub fn status_error(&self, method: &'static str, path: &str, status: u16) -> HostError {
        HostError::Status {
            method,
            path: path.chars().take(300).collect(),
            status,
            detail: error_detail(&self.body),
            retry_after: self.retry_after,
        }
    }
}

/// The HTTP client of the host's web services. Requests go to the
/// configured origin joined with a path, so no input can send them elsewhere.
pub struct HttpClient {
    client: reqwest::Client,
    origin: Origin,
    max_response_bytes: usize,
}

impl HttpClient {
    /// Builds the client: roots from Mozilla's list plus `host.trusted_ca_files`,
    /// under the project's TLS policy (TLS 1.2 or 1.3, ECDHE only).
    pub fn new(config: &HostConfig) -> anyhow::Result<HttpClient> {
        let origin = Origin::parse(&config.origin).context("invalid host.origin")?;
        let extra_trusted_ca_pems = tls::client::read_ca_pem_files(&config.trusted_ca_files)
            .context("failed to read host.trusted_ca_files")?;
        let tls = OutboundConfig {
            extra_trusted_ca_pems,
            ..OutboundConfig::default()
        }
        .tls_client_config()
        .context("failed to build the TLS configuration for the host")?;

        let client = reqwest::Client::builder()
            .use_preconfigured_tls((*tls).clone())
            .https_only(true)
            .redirect(redirect::Policy::none())
            .connect_timeout(config.connect_timeout())
            .timeout(config.request_timeout())
            .user_agent(USER_AGENT)
            .build()
            .context("failed to build the HTTP client for the host")?;
        Ok(HttpClient {
            client,
            origin,
            max_response_bytes: config.max_response_bytes,
        })
    }

    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// Sends a request to `path` on the origin and reads the whole response.
    /// Every status comes back as a [`Reply`]; only a request without a
    /// complete response is an error.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        bearer: Option<&Secret>,
        body: Body<'_>,
    ) -> Result<Reply, HostError> {
        let started = Instant::now();
        let url = format!("{}{path}", self.origin);
        let mut request = self
            .client
            .request(method.clone(), url)
            .header(ACCEPT, "application/json");
        if let Some(token) = bearer {
            let mut value = HeaderValue::try_from(format!("Bearer {}", token.expose()))
                .map_err(|_| HostError::InvalidResponse {
                    call: "the token request",
                    reason: "the access token is not a valid header value".to_owned(),
                })?;
            value.set_sensitive(true);
            request = request.header(AUTHORIZATION, value);
        }
        request = match body {
            Body::Empty => request,
            Body::Json(value) => request
                .header(CONTENT_TYPE, "application/json")
                .body(value.to_string()),
            Body::Form(fields) => request.form(fields),
        };

        let outcome = self.exchange(request).await;
        let duration_ms = started.elapsed().as_millis() as u64;
        let path: String = path.chars().take(300).collect();
        match &outcome {
            Ok(reply) => {
                tracing::debug!(method = %method, path = %path, status = reply.status, duration_ms, "host request finished")
            }
            Err(error) => {
                tracing::debug!(method = %method, path = %path, error = %error, duration_ms, "host request failed")
            }
        }
        outcome
    }

    async fn exchange(&self, request: reqwest::RequestBuilder) -> Result<Reply, HostError> {
        let transport = |error: reqwest::Error| HostError::Transport(error_chain(&error.without_url()));

        let mut response = request.send().await.map_err(transport)?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|text| text.trim().parse::<u64>().ok())
            .map(Duration::from_secs);

        let limit = self.max_response_bytes;
        let too_large = || HostError::InvalidResponse {
            call: "a request",
            reason: format!("the body exceeds host.max_response_bytes ({limit} bytes)"),
        };
        if response.content_length().is_some_and(|length| length > limit as u64) {
            return Err(too_large());
        }
        let mut body = BytesMut::new();
        while let Some(chunk) = response.chunk().await.map_err(transport)? {
            if body.len() + chunk.len() > limit {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Reply {
            status,
            body: body.freeze(),
            retry_after,
        })
    }
}
