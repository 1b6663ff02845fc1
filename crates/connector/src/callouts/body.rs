//! Reading an XML request body: content type, size limit and read timeout.

use std::task::Poll;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use protocol::is_xml_content_type;

use super::AppState;
use crate::server::errors::CalloutError;

/// The raw bytes of an XML request body that passed the checks: an XML
/// content type, at most `limits.body_bytes` bytes, received within
/// `timeouts.body_read_secs`.
pub(crate) struct XmlBody(pub Bytes);

impl FromRequest<AppState> for XmlBody {
    type Rejection = CalloutError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let settings = &state.settings;
        let headers = request.headers();

        let content_type = headers
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok());
        if !content_type.is_some_and(is_xml_content_type) {
            return Err(CalloutError::UnsupportedMediaType);
        }

        // A declared length over the limit is rejected before any byte is read.
        let declared_length = headers
            .get(CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|text| text.parse::<u64>().ok());
        if declared_length.is_some_and(|length| length > settings.body_limit as u64) {
            return Err(CalloutError::BodyTooLarge {
                limit: settings.body_limit,
            });
        }

        let limited = Limited::new(request.into_body(), settings.body_limit);
        let mut collecting = std::pin::pin!(limited.collect());
        // A small body usually arrives with the request head, so the first
        // poll completes and no timer is started for it.
        let first = std::future::poll_fn(|context| Poll::Ready(collecting.as_mut().poll(context)));
        let collected = match first.await {
            Poll::Ready(collected) => collected,
            Poll::Pending => tokio::time::timeout(settings.body_read_timeout, collecting)
                .await
                .map_err(|_| CalloutError::BodyTimedOut {
                    seconds: settings.body_read_timeout.as_secs(),
                })?,
        };

        match collected {
            Ok(collected) => Ok(XmlBody(collected.to_bytes())),
            Err(error) if error.downcast_ref::<LengthLimitError>().is_some() => {
                Err(CalloutError::BodyTooLarge {
                    limit: settings.body_limit,
                })
            }
            Err(error) => {
                tracing::debug!(%error, "failed to read the request body");
                Err(CalloutError::BodyUnreadable)
            }
        }
    }
}
