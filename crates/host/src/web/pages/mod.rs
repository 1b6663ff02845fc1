//! The pages: shared layout, rendering, and helpers for validation messages and labels.

pub(crate) mod approvals;
pub(crate) mod audit;
pub(crate) mod callout_log;
pub(crate) mod client_credentials;
pub(crate) mod home;
pub(crate) mod launch_fields;
pub(crate) mod login;
pub(crate) mod notifications;
pub(crate) mod registrations;
pub(crate) mod services;
pub(crate) mod verification;

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use time::OffsetDateTime;

use super::WebState;
use super::errors::PageError;
use super::session::SignedIn;
use crate::domain::{Actor, FieldError, FieldErrors, Registration, RegistrationId, ServiceKind};

const STYLESHEET: &str = include_str!("../admin.css");

/// The page title and the signed-in user shown in every page's header.
pub(crate) struct Layout {
    /// The `<title>`.
    pub title: String,
    pub user: Option<LayoutUser>,
}

/// The signed-in user, their links, and the token of the sign-out form.
pub(crate) struct LayoutUser {
    pub login: String,
    pub company: String,
    pub may_manage: bool,
    pub may_use_expenses: bool,
    pub may_approve: bool,
    pub csrf_token: String,
}

impl Layout {
    pub(crate) fn anonymous(title: &str) -> Layout {
        Layout {
            title: title.to_owned(),
            user: None,
        }
    }

    pub(crate) fn signed_in(title: &str, signed_in: &SignedIn) -> Layout {
        Layout {
            title: title.to_owned(),
            user: Some(LayoutUser {
                login: signed_in.actor.user.login.clone(),
                company: signed_in.actor.company.name.clone(),
                may_manage: signed_in.actor.may_manage_registrations(),
                may_use_expenses: signed_in.actor.is_employee(),
                may_approve: signed_in.actor.is_approver(),
                csrf_token: signed_in.session.csrf_token.clone(),
            }),
        }
    }
}

/// Renders a page with `200 OK`.
pub(crate) fn render(page: &impl Template) -> Response {
    render_with_status(StatusCode::OK, page)
}

/// Renders a page; a template failure becomes a plain `500`.
pub(crate) fn render_with_status(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(error) => {
            tracing::error!(%error, "failed to render a page");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "The page could not be rendered.",
            )
                .into_response()
        }
    }
}

/// Redirects with `303 See Other` to `location`, the response to a form that succeeded.
pub(crate) fn see_other(location: &str) -> Response {
    axum::response::Redirect::to(location).into_response()
}

/// Adds `Set-Cookie` headers, one per cookie.
pub(crate) fn with_cookies<const N: usize>(
    mut response: Response,
    cookies: [HeaderValue; N],
) -> Response {
    for cookie in cookies {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// Serves the stylesheet; pages allow styles only from here, never inline.
pub(crate) async fn stylesheet() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/css; charset=utf-8"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        STYLESHEET,
    )
        .into_response()
}

/// Loads the registration whose id is `id` in the path, when it belongs
/// to the actor's company; `404` otherwise.
pub(crate) async fn registration_of(
    state: &WebState,
    actor: &Actor,
    id: &str,
) -> Result<Registration, PageError> {
    let id = registration_id(id)?;
    Ok(state.registrations.get(actor, id).await?)
}

/// Reads a registration id from the path; anything but a positive integer is `404`.
pub(crate) fn registration_id(text: &str) -> Result<RegistrationId, PageError> {
    path_id(text).map(RegistrationId)
}

/// Reads an id from a path segment: digits of a positive integer, without
/// a sign. Anything else is `404`, like an id that does not exist.
pub(crate) fn path_id(text: &str) -> Result<i64, PageError> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0 && text.bytes().all(|byte| byte.is_ascii_digit()))
        .ok_or(PageError::NotFound)
}

/// Returns the service's name as the pages show it.
pub(crate) fn service_label(kind: ServiceKind) -> &'static str {
    match kind {
        ServiceKind::FetchAttendee => "Fetch Attendee",
        ServiceKind::FetchList => "Fetch List",
        ServiceKind::EventNotification => "Event Notification",
        ServiceKind::LaunchExternalUrl => "Launch External URL",
    }
}

/// Formats a time as the pages show it, such as `2025-03-01 14:05:09 UTC`.
pub(crate) fn display_time(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// Validation errors of a submitted form, handed out field by field as
/// the page places them beside their inputs. What no input claims is
/// shown above the form, so that no error is lost.
pub(crate) struct ErrorPlacement {
    remaining: Vec<FieldError>,
}

impl ErrorPlacement {
    pub(crate) fn new(errors: FieldErrors) -> Self {
        ErrorPlacement {
            remaining: errors.0,
        }
    }

    pub(crate) fn none() -> Self {
        ErrorPlacement {
            remaining: Vec::new(),
        }
    }

    /// Removes and returns the rules broken by `field`.
    pub(crate) fn take(&mut self, field: &str) -> Vec<String> {
        let (taken, kept) = std::mem::take(&mut self.remaining)
            .into_iter()
            .partition(|error| error.field == field);
        self.remaining = kept;
        taken.into_iter().map(|error| error.rule).collect()
    }

    /// Returns every error not yet taken, as `field: rule`.
    pub(crate) fn rest(self) -> Vec<String> {
        self.remaining.iter().map(FieldError::to_string).collect()
    }
}

/// Turns the `notice` query parameter into one of the fixed messages
/// shown after a redirect; unknown values show nothing, so no input is echoed.
pub(crate) fn notice_text(key: Option<&str>) -> Option<&'static str> {
    match key? {
        "created" => {
            Some("The registration was created. Run Test Connection before enabling a service.")
        }
        "updated" => Some("The registration was saved."),
        "tested" => Some("Test Connection finished; its result is shown below."),
        "verified" => Some("Verify services finished; its report is shown below."),
        "service-saved" => Some("The service configuration was saved."),
        "deactivated" => {
            Some("Every service was made inactive; the registration is listed as inactive.")
        }
        "signed-out" => Some("You have signed out."),
        _ => None,
    }
}

/// The `notice` query parameter of a page.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct NoticeQuery {
    pub notice: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registration_id_accepts_digits() {
        assert_eq!(registration_id("42").ok(), Some(RegistrationId(42)));
    }

    #[test]
    fn registration_id_rejects_sign() {
        assert!(registration_id("+42").is_err());
    }

    #[test]
    fn registration_id_rejects_zero() {
        assert!(registration_id("0").is_err());
    }

    #[test]
    fn placement_takes_field_once() {
        let mut errors = FieldErrors::default();
        errors.push("name", "required");
        errors.push("lists[0].category", "required");
        let mut placement = ErrorPlacement::new(errors);

        assert_eq!(placement.take("name"), ["required"]);
        assert_eq!(placement.take("name"), Vec::<String>::new());
        assert_eq!(placement.rest(), ["lists[0].category: required"]);
    }

    #[test]
    fn display_time_is_utc() {
        let at = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();

        assert_eq!(display_time(at), "2023-11-14 22:13:20 UTC");
    }
}
