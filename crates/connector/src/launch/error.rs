//! Failures of the launch pages, each shown as an HTML page that names the failed check.
//!
//! Messages name the failed check and may repeat values from the request,
//! which the template escapes. They never carry the signature, the launch
//! code, a token or the connector's credentials.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::notifications::host::HostError;
use crate::server::errors::error_chain;
use crate::store::StoreError;

/// Most characters of a request value repeated in a message.
const MAX_ECHOED_CHARS: usize = 200;

/// Everything that ends a launch request on an error page.
#[derive(Debug, thiserror::Error)]
pub enum LaunchFailure {
    #[error("the launch request was rejected: {0}")]
    Query(#[from] protocol::LaunchError),
    #[error("the launch request was rejected: parameter `{name}` is invalid: {rule}")]
    FieldCode {
        name: &'static str,
        rule: &'static str,
    },
    #[error(
        "the launch request was rejected: parameter `{name}` is not a plain https path on the configured host {origin}: {url}"
    )]
    ItemUrlRejected {
        name: &'static str,
        url: String,
        origin: String,
    },
    #[error(
        "the launch request was rejected: nonce already used; open the window again from the expense form"
    )]
    NonceUsed,
    #[error("the exchange of the launch code was refused: {0}")]
    ExchangeRefused(HostError),
    #[error("the exchange of the launch code failed: {0}")]
    ExchangeFailed(HostError),
    #[error(
        "this launch session does not exist or has expired; open the window again from the expense form"
    )]
    SessionNotFound,
    #[error("invalid request: {0}")]
    BadInput(String),
    #[error("list item `{code}` was not found in the list")]
    ItemNotFound { code: String },
    #[error("the host did not save the value: {0}")]
    WriteFailed(HostError),
    #[error("the list `{0}` is not imported on this connector")]
    ListMissing(String),
    #[error("the connector's store is unavailable; try again later")]
    Store(#[source] StoreError),
    #[error(
        "the stored tokens of this session cannot be read; open the window again from the expense form"
    )]
    TokensUnreadable,
}

impl LaunchFailure {
    pub fn status(&self) -> StatusCode {
        match self {
            LaunchFailure::Query(_)
            | LaunchFailure::FieldCode { .. }
            | LaunchFailure::ItemUrlRejected { .. }
            | LaunchFailure::NonceUsed
            | LaunchFailure::ExchangeRefused(_) => StatusCode::FORBIDDEN,
            LaunchFailure::ExchangeFailed(_) | LaunchFailure::WriteFailed(_) => {
                StatusCode::BAD_GATEWAY
            }
            LaunchFailure::SessionNotFound => StatusCode::NOT_FOUND,
            LaunchFailure::BadInput(_) | LaunchFailure::ItemNotFound { .. } => {
                StatusCode::BAD_REQUEST
            }
            LaunchFailure::ListMissing(_) | LaunchFailure::Store(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            LaunchFailure::TokensUnreadable => StatusCode::FORBIDDEN,
        }
    }

    /// Short name of the failed check, for the log line of a launch.
    pub fn check(&self) -> &'static str {
        match self {
            LaunchFailure::Query(protocol::LaunchError::Missing(_)) => "missing_parameter",
            LaunchFailure::Query(protocol::LaunchError::Duplicate(_)) => "duplicate_parameter",
            LaunchFailure::Query(protocol::LaunchError::Invalid { .. })
            | LaunchFailure::FieldCode { .. } => "invalid_parameter",
            LaunchFailure::Query(protocol::LaunchError::TooLong { .. }) => "query_too_long",
            LaunchFailure::Query(
                protocol::LaunchError::SignatureEncoding | protocol::LaunchError::SignatureMismatch,
            ) => "bad_signature",
            LaunchFailure::ItemUrlRejected { .. } => "item_url_not_on_host",
            LaunchFailure::NonceUsed => "nonce_used",
            LaunchFailure::ExchangeRefused(_) => "code_exchange_refused",
            LaunchFailure::ExchangeFailed(_) => "code_exchange_failed",
            LaunchFailure::SessionNotFound => "session_not_found",
            LaunchFailure::BadInput(_) => "invalid_input",
            LaunchFailure::ItemNotFound { .. } => "item_not_found",
            LaunchFailure::WriteFailed(_) => "host_write_failed",
            LaunchFailure::ListMissing(_) => "list_missing",
            LaunchFailure::Store(_) => "store_unavailable",
            LaunchFailure::TokensUnreadable => "tokens_unreadable",
        }
    }

    /// Builds the rejection of an item URL, cutting the URL to a bounded length.
    pub fn item_url_rejected(name: &'static str, url: &str, origin: &outbound::Origin) -> Self {
        LaunchFailure::ItemUrlRejected {
            name,
            url: url.chars().take(MAX_ECHOED_CHARS).collect(),
            origin: origin.to_string(),
        }
    }

    /// Maps a store error, keeping "list not found" apart.
    pub fn from_store(error: StoreError) -> Self {
        match error {
            StoreError::ListNotFound(name) => LaunchFailure::ListMissing(name),
            other => LaunchFailure::Store(other),
        }
    }

    /// Renders the page, with links back to the session when the user may retry.
    pub fn into_page(self, retry_session: Option<String>) -> Response {
        match &self {
            LaunchFailure::Store(cause) => {
                tracing::error!(error = %error_chain(cause), "launch page failed: store failed");
            }
            LaunchFailure::ListMissing(list) => {
                tracing::error!(list = %list, "launch page failed: the configured launch.list is not imported");
            }
            _ => {}
        }
        let page = ErrorPage {
            title: title(self.status()),
            message: self.to_string(),
            retry_session,
        };
        super::pages::html_page(self.status(), &page)
    }
}

impl IntoResponse for LaunchFailure {
    fn into_response(self) -> Response {
        self.into_page(None)
    }
}

fn title(status: StatusCode) -> &'static str {
    match status {
        StatusCode::FORBIDDEN => "Launch rejected",
        StatusCode::NOT_FOUND => "Session not found",
        StatusCode::BAD_REQUEST => "Invalid request",
        StatusCode::BAD_GATEWAY => "The host did not accept the request",
        _ => "Service unavailable",
    }
}

#[derive(Template)]
#[template(path = "launch_error.html")]
struct ErrorPage {
    title: &'static str,
    message: String,
    retry_session: Option<String>,
}
