//! Failures of page requests, and the page or redirect each failure becomes.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use connector::auth::RetryAfter;
use connector::server::errors::error_chain;

use super::pages::Layout;
use crate::domain::DomainError;
use crate::store::StoreError;
use crate::workflow::{Step, WorkflowError};

/// A failed page request. Each variant has a fixed, plain message; none
/// repeats what the client sent.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PageError {
    /// No valid session: the browser is sent to the sign-in page.
    #[error("sign in to continue")]
    SignInRequired,
    #[error(
        "Your roles do not allow managing connector registrations. Ask a company administrator for the permission."
    )]
    Forbidden,
    #[error(
        "Only employees keep expense reports, and your roles do not include employee. Ask a company administrator for the role."
    )]
    NotEmployee,
    /// Missing, or not the user's to see: the response is the same for both.
    #[error("There is no such page, or you may not see it.")]
    NotFound,
    #[error(
        "The form was rejected because its security token is missing or wrong. Reload the page and submit the form again."
    )]
    CsrfRejected,
    #[error("Too many failed sign-ins from your address. Try again in {} seconds.", .0.seconds())]
    Throttled(RetryAfter),
    #[error("The form must be sent as application/x-www-form-urlencoded.")]
    UnsupportedMediaType,
    #[error("The form is larger than {limit} bytes.")]
    BodyTooLarge { limit: usize },
    #[error("The form was not received within {seconds} seconds.")]
    BodyTimedOut { seconds: u64 },
    #[error("The form could not be read: {0}.")]
    MalformedForm(&'static str),
    #[error("The registration was changed by another request. Reload it and try again.")]
    Conflict,
    /// The employee tried to change a submitted report or travel request.
    #[error("It was submitted and is in the step \"{}\", so it cannot be changed. It can be changed again if it is sent back.", .0.label())]
    Locked(Step),
    #[error(
        "Only approvers may approve or send back reports and travel requests, and only those of other employees."
    )]
    NotApprover,
    /// The notification's status changed since the page was shown.
    #[error(
        "The notification is no longer in a status that allows this, or it is being sent. Reload the page."
    )]
    NotificationChanged,
    /// The object's step changed, or never allowed the action.
    #[error(
        "The report or travel request is no longer in a step that accepts this action. Reload the page to see its current step."
    )]
    WorkflowChanged,
    #[error(
        "A verification of this registration is already running. Wait for it to finish, then reload the registration page."
    )]
    VerificationRunning,
    #[error(
        "The verification did not finish within {seconds} seconds, so no report was stored. \
         The connector may be slow or unreachable; Test Connection shows whether it responds."
    )]
    VerificationTimedOut { seconds: u64 },
    #[error("The service is unavailable. Try again in a moment.")]
    StoreUnavailable(#[source] StoreError),
    #[error("The request failed because of an internal error.")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl PageError {
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            PageError::SignInRequired => StatusCode::SEE_OTHER,
            PageError::Forbidden
            | PageError::NotEmployee
            | PageError::NotApprover
            | PageError::CsrfRejected => StatusCode::FORBIDDEN,
            PageError::NotFound => StatusCode::NOT_FOUND,
            PageError::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            PageError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            PageError::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            PageError::BodyTimedOut { .. } => StatusCode::REQUEST_TIMEOUT,
            PageError::MalformedForm(_) => StatusCode::BAD_REQUEST,
            PageError::Conflict
            | PageError::Locked(_)
            | PageError::WorkflowChanged
            | PageError::NotificationChanged
            | PageError::VerificationRunning => StatusCode::CONFLICT,
            PageError::VerificationTimedOut { .. } => StatusCode::GATEWAY_TIMEOUT,
            PageError::StoreUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            PageError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn title(&self) -> &'static str {
        match self {
            PageError::Forbidden
            | PageError::NotEmployee
            | PageError::NotApprover
            | PageError::CsrfRejected => "Forbidden",
            PageError::Locked(_) => "Submitted",
            PageError::NotFound => "Not found",
            PageError::Throttled(_) => "Too many attempts",
            PageError::Conflict | PageError::WorkflowChanged | PageError::NotificationChanged => {
                "Changed by another request"
            }
            PageError::VerificationRunning => "Verification running",
            PageError::VerificationTimedOut { .. } => "Verification timed out",
            PageError::StoreUnavailable(_) | PageError::Internal(_) => "Unavailable",
            _ => "Bad request",
        }
    }
}

impl From<DomainError> for PageError {
    fn from(error: DomainError) -> Self {
        match error {
            DomainError::Forbidden => PageError::Forbidden,
            DomainError::NotFound => PageError::NotFound,
            DomainError::Conflict => PageError::Conflict,
            DomainError::Store(error) => PageError::StoreUnavailable(error),
            DomainError::Decrypt(error) => PageError::Internal(Box::new(error)),
            DomainError::VerificationRunning => PageError::VerificationRunning,
            DomainError::VerificationTimedOut { seconds } => {
                PageError::VerificationTimedOut { seconds }
            }
            DomainError::VerificationSetup(error) => PageError::Internal(Box::new(error)),
            // Handlers that accept input place these errors beside the
            // fields; reaching here means a handler forgot to.
            DomainError::Invalid(errors) => PageError::Internal(errors.to_string().into()),
        }
    }
}

impl From<WorkflowError> for PageError {
    fn from(error: WorkflowError) -> Self {
        match error {
            WorkflowError::NotFound => PageError::NotFound,
            WorkflowError::Forbidden | WorkflowError::OwnObject => PageError::NotApprover,
            WorkflowError::WrongStep { .. } | WorkflowError::Conflict => PageError::WorkflowChanged,
            WorkflowError::Store(error) => PageError::StoreUnavailable(error),
            // Handlers that accept input show these in the page; reaching
            // here means a handler forgot to.
            WorkflowError::Invalid(errors) => PageError::Internal(errors.to_string().into()),
        }
    }
}

impl From<StoreError> for PageError {
    fn from(error: StoreError) -> Self {
        PageError::StoreUnavailable(error)
    }
}

/// A page that shows only a message.
#[derive(Template)]
#[template(path = "error.html")]
pub(crate) struct ErrorPage {
    pub layout: Layout,
    pub title: &'static str,
    pub message: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match &self {
            PageError::SignInRequired => return Redirect::to("/login").into_response(),
            PageError::StoreUnavailable(cause) => {
                tracing::error!(error = %error_chain(cause), "store failed");
            }
            PageError::Internal(cause) => {
                tracing::error!(error = %error_chain(cause.as_ref()), "page request failed");
            }
            _ => {}
        }

        let page = ErrorPage {
            layout: Layout::anonymous(self.title()),
            title: self.title(),
            message: self.to_string(),
        };
        let mut response = super::pages::render_with_status(self.status(), &page);
        if let PageError::Throttled(retry_after) = &self
            && let Ok(value) = HeaderValue::from_str(&retry_after.seconds().to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}
