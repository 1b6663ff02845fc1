//! One request and its response on an open connection: headers, bounded body, deadline.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::{Bytes, BytesMut};
use http::header::{self, HeaderMap, HeaderValue};
use http::uri::PathAndQuery;
use http::{Method, Request, Response};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use tokio::time::{Instant, timeout_at};

use crate::connect::Connection;
use crate::failure::{FailureCause, classify_http_error, phase};
use crate::origin::Origin;

/// Maximum endpoint path length, in bytes.
const MAX_PATH_BYTES: usize = 2048;

/// `User-Agent` of every callout.
const USER_AGENT: &str = concat!("callouts/", env!("CARGO_PKG_VERSION"));

/// A request checked once and sendable more than once (a retry on a fresh connection).
pub(crate) struct PreparedRequest {
    method: Method,
    path: PathAndQuery,
    headers: HeaderMap,
    body: Bytes,
}

/// Inputs of [`prepare`] besides the origin.
pub(crate) struct RequestParts<'a> {
    pub(crate) method: Method,
    pub(crate) path: &'a str,
    pub(crate) username: &'a str,
    pub(crate) password: &'a str,
    pub(crate) accept: &'static str,
    pub(crate) content_type: Option<&'a str>,
    pub(crate) body: Bytes,
}

/// Validates the path, credentials and content type and builds the headers.
pub(crate) fn prepare(
    origin: &Origin,
    parts: RequestParts<'_>,
) -> Result<PreparedRequest, FailureCause> {
    let path = parse_path(parts.path)?;
    let mut headers = HeaderMap::new();

    let host = HeaderValue::from_str(&origin.authority()).map_err(|_| {
        FailureCause::InvalidOrigin(format!("{origin}: the host is not a valid header value"))
    })?;
    headers.insert(header::HOST, host);
    headers.insert(
        header::AUTHORIZATION,
        basic_authorization(parts.username, parts.password)?,
    );
    headers.insert(header::ACCEPT, HeaderValue::from_static(parts.accept));
    headers.insert(header::USER_AGENT, HeaderValue::from_static(USER_AGENT));

    if let Some(content_type) = parts.content_type {
        let value = HeaderValue::from_str(content_type)
            .ok()
            .filter(|_| {
                content_type
                    .bytes()
                    .all(|byte| byte.is_ascii() && !byte.is_ascii_control())
            })
            .ok_or_else(|| {
                FailureCause::InvalidRequest(
                    "the content type contains characters not allowed in an HTTP header".to_owned(),
                )
            })?;
        headers.insert(header::CONTENT_TYPE, value);
    }

    // GET and HEAD without a body send no length. Every other request states
    // it, because some servers wait for a body when a POST has no length.
    let bodiless = matches!(parts.method, Method::GET | Method::HEAD) && parts.body.is_empty();
    if !bodiless {
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(parts.body.len()));
    }

    Ok(PreparedRequest {
        method: parts.method,
        path,
        headers,
        body: parts.body,
    })
}

impl PreparedRequest {
    fn to_http(&self) -> Request<Full<Bytes>> {
        let mut request = Request::new(Full::new(self.body.clone()));
        *request.method_mut() = self.method.clone();
        *request.uri_mut() = http::Uri::from(self.path.clone());
        *request.headers_mut() = self.headers.clone();
        request
    }
}

fn parse_path(path: &str) -> Result<PathAndQuery, FailureCause> {
    let invalid = |rule: &str| {
        FailureCause::InvalidRequest(format!("endpoint path {:?}: {rule}", truncate(path)))
    };

    if !path.starts_with('/') {
        return Err(invalid("must start with `/`"));
    }
    if path.starts_with("//") {
        return Err(invalid(
            "must not start with `//`, which reads as a host name",
        ));
    }
    if path.len() > MAX_PATH_BYTES {
        return Err(invalid(&format!("longer than {MAX_PATH_BYTES} bytes")));
    }
    if !path.bytes().all(|byte| byte.is_ascii_graphic()) {
        return Err(invalid(
            "contains whitespace, a control character or non-ASCII text: percent-encode it",
        ));
    }
    if path.contains('#') {
        return Err(invalid("contains a fragment (`#`)"));
    }
    path.parse::<PathAndQuery>()
        .map_err(|_| invalid("is not a valid URI path"))
}

fn truncate(text: &str) -> String {
    text.chars().take(80).collect()
}

/// Builds `Basic base64(user:password)` (RFC 7617, UTF-8), marked sensitive so hyper never logs it.
fn basic_authorization(username: &str, password: &str) -> Result<HeaderValue, FailureCause> {
    if username.contains(':') {
        return Err(FailureCause::InvalidRequest(
            "the user name contains `:`, which HTTP Basic authentication cannot carry".to_owned(),
        ));
    }
    if username.chars().any(char::is_control) {
        return Err(FailureCause::InvalidRequest(
            "the user name contains a control character".to_owned(),
        ));
    }
    if password.chars().any(char::is_control) {
        return Err(FailureCause::InvalidRequest(
            "the password contains a control character".to_owned(),
        ));
    }

    let token = STANDARD.encode(format!("{username}:{password}"));
    let mut value = HeaderValue::try_from(format!("Basic {token}")).map_err(|_| {
        FailureCause::InvalidRequest("the credentials cannot be encoded".to_owned())
    })?;
    value.set_sensitive(true);
    Ok(value)
}

/// A complete response read within the deadline and the size limit.
pub(crate) struct Exchanged {
    pub(crate) status: u16,
    pub(crate) content_type: Option<String>,
    pub(crate) body: Bytes,
    /// Whether the connection may carry another request.
    pub(crate) reusable: bool,
}

/// A failed exchange.
pub(crate) struct ExchangeError {
    pub(crate) cause: FailureCause,
    /// The connection closed before any part of a response arrived, as a
    /// kept-alive connection does when the server dropped it while idle.
    pub(crate) before_response: bool,
}

impl From<FailureCause> for ExchangeError {
    fn from(cause: FailureCause) -> Self {
        ExchangeError {
            cause,
            before_response: false,
        }
    }
}

/// Sends `request` on `connection` and reads the whole response before `deadline`.
pub(crate) async fn exchange(
    connection: &mut Connection,
    request: &PreparedRequest,
    deadline: Instant,
    max_body_bytes: usize,
) -> Result<Exchanged, ExchangeError> {
    let timed_out = || FailureCause::TimedOut {
        phase: phase::RESPONSE,
    };

    timeout_at(deadline, connection.sender.ready())
        .await
        .map_err(|_| timed_out())?
        .map_err(|error| ExchangeError {
            cause: classify_http_error(&error),
            before_response: true,
        })?;

    let response = timeout_at(
        deadline,
        connection.sender.try_send_request(request.to_http()),
    )
    .await
    .map_err(|_| timed_out())?
    .map_err(|mut error| {
        let unsent = error.take_message().is_some();
        let error = error.into_error();
        ExchangeError {
            before_response: unsent || error.is_incomplete_message() || error.is_canceled(),
            cause: classify_http_error(&error),
        }
    })?;

    read_response(response, deadline, max_body_bytes)
        .await
        .map_err(ExchangeError::from)
}

async fn read_response(
    response: Response<Incoming>,
    deadline: Instant,
    max_body_bytes: usize,
) -> Result<Exchanged, FailureCause> {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let closes = response
        .headers()
        .get_all(header::CONNECTION)
        .iter()
        .any(|value| value.as_bytes().eq_ignore_ascii_case(b"close"));

    // A declared length beyond the limit fails before any byte of the body is read.
    let declared_length = response
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared_length.is_some_and(|length| length > max_body_bytes as u64) {
        return Err(FailureCause::ResponseTooLarge {
            limit: max_body_bytes,
        });
    }

    let mut body = response.into_body();
    let mut collected = BytesMut::new();
    loop {
        let frame =
            timeout_at(deadline, body.frame())
                .await
                .map_err(|_| FailureCause::TimedOut {
                    phase: phase::RESPONSE,
                })?;
        let Some(frame) = frame else { break };
        let frame = frame.map_err(|error| classify_http_error(&error))?;
        if let Ok(data) = frame.into_data() {
            if collected.len() + data.len() > max_body_bytes {
                return Err(FailureCause::ResponseTooLarge {
                    limit: max_body_bytes,
                });
            }
            collected.extend_from_slice(&data);
        }
    }

    Ok(Exchanged {
        status,
        content_type,
        body: collected.freeze(),
        reusable: !closes,
    })
}
