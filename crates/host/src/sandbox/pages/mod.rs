//! The expense pages under `/expenses`: reports, entries, their searches,
//! and the JSON endpoints of search-as-you-type. The travel request pages
//! are under `/travel`. Submit, on both, starts an object's workflow.
//!
//! Every search is a GET form to which the server responds with a page of
//! results, and every change is a POST form with the session's CSRF token,
//! so the pages work without JavaScript. With JavaScript, `expenses.js`
//! (served from the host, like every script these pages allow) calls the
//! JSON endpoints while the employee types and fills in the same result
//! lists, and `launch.js` opens the popup of a Launch button.

mod allocations;
mod api;
mod entries;
pub(crate) mod launch;
mod reports;
mod results;
mod searches;
mod travel;
pub(crate) mod workflow;

pub(crate) use entries::OptionView;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::middleware::from_fn;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::expenses::ExpenseError;
use super::model::{ExpenseEntryId, ExpenseReportId};
use crate::web::WebState;
use crate::web::errors::PageError;
use crate::web::headers::scripted_security_headers;
use crate::web::pages::path_id;
use crate::web::session::SignedIn;

const SCRIPT: &str = include_str!("expenses.js");

/// Path of the script of search-as-you-type.
pub(crate) const SCRIPT_PATH: &str = "/expenses/static/expenses.js";

const LAUNCH_SCRIPT: &str = include_str!("launch.js");

/// Path of the script that opens the popup of a Launch button.
pub(crate) const LAUNCH_SCRIPT_PATH: &str = "/expenses/static/launch.js";

/// Builds the routes of the expense pages, with the security headers that
/// allow the host's own script.
pub(crate) fn routes() -> Router<WebState> {
    const ENTRY: &str = "/expenses/reports/{report}/entries/{entry}";
    Router::new()
        .route("/expenses", get(reports::list))
        .route("/expenses/reports", post(reports::create))
        .route("/expenses/reports/{report}", get(reports::show))
        .route("/expenses/reports/{report}/submit", post(reports::submit))
        .route("/expenses/reports/{report}/entries", post(entries::create))
        .route(
            "/expenses/reports/{report}/entries/new",
            get(entries::new_form),
        )
        .route(ENTRY, get(entries::show).post(entries::update))
        .route(&format!("{ENTRY}/delete"), post(entries::delete))
        .route(&format!("{ENTRY}/list"), post(searches::choose_list_item))
        .route(
            &format!("{ENTRY}/list/clear"),
            post(searches::clear_list_level),
        )
        .route(&format!("{ENTRY}/attendees"), post(searches::add_attendee))
        .route(
            &format!("{ENTRY}/attendees/remove"),
            post(searches::remove_attendee),
        )
        .route("/expenses/api/list-search", get(api::list_search))
        .route("/expenses/api/attendee-search", get(api::attendee_search))
        .route("/expenses/launch", post(launch::launch))
        .route(
            "/expenses/reports/{report}/fields",
            post(reports::save_fields),
        )
        .route(&format!("{ENTRY}/allocations"), post(allocations::add))
        .route(
            &format!("{ENTRY}/allocations/{{allocation}}"),
            post(allocations::save),
        )
        .route(
            &format!("{ENTRY}/allocations/{{allocation}}/delete"),
            post(allocations::remove),
        )
        .route(SCRIPT_PATH, get(script))
        .route(LAUNCH_SCRIPT_PATH, get(launch_script))
        .route("/travel", get(travel::list))
        .route("/travel/requests", post(travel::create))
        .route("/travel/requests/{request}", get(travel::show))
        .route(
            "/travel/requests/{request}/expenses",
            post(travel::add_expense),
        )
        .route(
            "/travel/requests/{request}/expenses/{expense}/delete",
            post(travel::delete_expense),
        )
        .route("/travel/requests/{request}/submit", post(travel::submit))
        .layer(from_fn(scripted_security_headers))
}

/// Serves the script of search-as-you-type.
async fn script() -> Response {
    javascript(SCRIPT)
}

/// Serves the script of the Launch buttons.
async fn launch_script() -> Response {
    javascript(LAUNCH_SCRIPT)
}

fn javascript(source: &'static str) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/javascript; charset=utf-8"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        source,
    )
        .into_response()
}

/// A signed-in user with the employee role; others get `403`.
pub(crate) struct Employee(pub SignedIn);

impl FromRequestParts<WebState> for Employee {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, PageError> {
        let signed_in = SignedIn::from_request_parts(parts, state).await?;
        require_employee(&signed_in)?;
        Ok(Employee(signed_in))
    }
}

/// Checks the employee role, for handlers that read a form first.
pub(crate) fn require_employee(signed_in: &SignedIn) -> Result<(), PageError> {
    if signed_in.actor.is_employee() {
        Ok(())
    } else {
        tracing::warn!(
            user_id = signed_in.actor.user.id.0,
            "expense page rejected: the user is not an employee"
        );
        Err(PageError::NotEmployee)
    }
}

impl From<ExpenseError> for PageError {
    fn from(error: ExpenseError) -> Self {
        match error {
            ExpenseError::NotEmployee => PageError::NotEmployee,
            ExpenseError::NotFound => PageError::NotFound,
            ExpenseError::Locked { step } => PageError::Locked(step),
            ExpenseError::Store(error) => PageError::StoreUnavailable(error),
            // Handlers that accept input or search show these in the page;
            // reaching here means a handler forgot to.
            other => PageError::Internal(other.to_string().into()),
        }
    }
}

fn report_id(text: &str) -> Result<ExpenseReportId, PageError> {
    path_id(text).map(ExpenseReportId)
}

fn entry_id(text: &str) -> Result<ExpenseEntryId, PageError> {
    path_id(text).map(ExpenseEntryId)
}

/// Returns the path of an entry's page.
fn entry_path(report: ExpenseReportId, entry: ExpenseEntryId) -> String {
    format!("/expenses/reports/{}/entries/{}", report.0, entry.0)
}

/// Turns the `notice` query parameter into one of the fixed messages shown
/// after a change; unknown values show nothing, so no input is echoed.
fn notice_text(key: Option<&str>) -> Option<&'static str> {
    match key? {
        "report-created" => Some("The expense report was created."),
        "entry-created" => Some("The entry was saved. Fill in its list field and attendees below."),
        "entry-saved" => Some("The entry was saved."),
        "entry-deleted" => Some("The entry was deleted."),
        "fields-saved" => Some("The report's fields were saved."),
        "allocation-added" => Some("The allocation was added."),
        "allocation-saved" => Some("The allocation was saved."),
        "allocation-removed" => Some("The allocation was removed."),
        "list-chosen" => Some("The list item was chosen."),
        "list-cleared" => Some("The list choice was cleared."),
        "attendee-added" => Some("The attendee was added."),
        "attendee-removed" => Some("The attendee was removed."),
        "request-created" => {
            Some("The travel request was created. Add the expenses you expect below.")
        }
        "expense-added" => Some("The expected expense was added."),
        "expense-deleted" => Some("The expected expense was deleted."),
        "submitted-validation" => {
            Some("It was submitted and waits for external validation by the company's connector.")
        }
        "submitted-approval" => Some("It was submitted and waits for approval."),
        "submitted-extract" => Some("It was submitted and is ready for extract."),
        "needs-entries" => Some("It was not submitted: add at least one entry first."),
        _ => None,
    }
}
