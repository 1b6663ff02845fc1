//! JSON endpoints of search-as-you-type, authenticated by the browser session like the pages.
//!
//! They run the same operations as the page searches, and return `200`
//! with the results. Failures return `{"error": "…"}` with `401` without a
//! session, `403` for a user who is not an employee, `404` for a report or
//! entry that is not the user's, and `502` when the callout failed.
//! Invalid input returns `{"errors": [{"field", "rule"}]}` with `422`.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use connector::server::errors::error_chain;
use serde::Deserialize;
use serde_json::json;

use super::entries::parse_level;
use super::results::{AttendeeTableView, ListResultsView, failure_text};
use super::{entry_id, report_id};
use crate::sandbox::expenses::ExpenseError;
use crate::sandbox::requests::AttendeeSearchInput;
use crate::web::WebState;
use crate::web::errors::PageError;
use crate::web::session::SignedIn;

/// A JSON failure: status and body.
pub(crate) struct JsonFailure(StatusCode, serde_json::Value);

impl IntoResponse for JsonFailure {
    fn into_response(self) -> Response {
        (self.0, Json(self.1)).into_response()
    }
}

impl JsonFailure {
    fn message(status: StatusCode, message: &str) -> JsonFailure {
        JsonFailure(status, json!({ "error": message }))
    }
}

impl From<PageError> for JsonFailure {
    fn from(error: PageError) -> Self {
        match error {
            PageError::SignInRequired => {
                JsonFailure::message(StatusCode::UNAUTHORIZED, "sign in to continue")
            }
            other => {
                let status = other.status();
                // A page error logs its cause when it becomes a page; this
                // response keeps only its message, so the cause is logged here.
                if status.is_server_error() {
                    tracing::error!(error = %error_chain(&other), "search request failed");
                }
                JsonFailure::message(status, &other.to_string())
            }
        }
    }
}

impl From<ExpenseError> for JsonFailure {
    fn from(error: ExpenseError) -> Self {
        match error {
            ExpenseError::Invalid(errors) => JsonFailure(
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({ "errors": errors.0 }),
            ),
            ExpenseError::Callout { .. } => {
                JsonFailure::message(StatusCode::BAD_GATEWAY, &failure_text(&error.to_string()))
            }
            other => PageError::from(other).into(),
        }
    }
}

/// Returns the signed-in employee, or the JSON failure for anyone else.
fn employee(signed_in: Result<SignedIn, PageError>) -> Result<SignedIn, JsonFailure> {
    let signed_in = signed_in?;
    if signed_in.actor.is_employee() {
        Ok(signed_in)
    } else {
        tracing::warn!(
            user_id = signed_in.actor.user.id.0,
            "search rejected: the user is not an employee"
        );
        Err(PageError::NotEmployee.into())
    }
}

/// Query of `GET /expenses/api/list-search`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ListSearchQuery {
    report: Option<String>,
    entry: Option<String>,
    level: Option<String>,
    query: Option<String>,
}

/// `GET /expenses/api/list-search?report=…&entry=…&level=…&query=…`: the
/// items at one level of the entry's list whose text begins with `query`.
pub(crate) async fn list_search(
    State(state): State<WebState>,
    signed_in: Result<SignedIn, PageError>,
    Query(query): Query<ListSearchQuery>,
) -> Result<Json<ListResultsView>, JsonFailure> {
    let signed_in = employee(signed_in)?;
    let report = report_id(query.report.as_deref().unwrap_or_default())?;
    let entry = entry_id(query.entry.as_deref().unwrap_or_default())?;
    let level = parse_level(query.level.as_deref().unwrap_or_default());
    let typed = query.query.as_deref().unwrap_or_default();

    let results = state
        .expenses
        .search_list(&signed_in.actor, report, entry, level, typed)
        .await?;
    Ok(Json(ListResultsView::new(level, results)))
}

/// Query of `GET /expenses/api/attendee-search`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct AttendeeSearchQuery {
    attendee_type: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    company: Option<String>,
    external_id: Option<String>,
}

/// `GET /expenses/api/attendee-search?attendee_type=…&last_name=…`: the
/// attendees of a configured type that match every non-blank field.
pub(crate) async fn attendee_search(
    State(state): State<WebState>,
    signed_in: Result<SignedIn, PageError>,
    Query(query): Query<AttendeeSearchQuery>,
) -> Result<Json<AttendeeTableView>, JsonFailure> {
    let signed_in = employee(signed_in)?;
    let text = |value: Option<String>| value.unwrap_or_default();
    let input = AttendeeSearchInput {
        attendee_type: text(query.attendee_type),
        first_name: text(query.first_name),
        last_name: text(query.last_name),
        company: text(query.company),
        external_id: text(query.external_id),
    };

    let results = state
        .expenses
        .search_attendees(&signed_in.actor, &input)
        .await?;
    Ok(Json(AttendeeTableView::new(&input.attendee_type, results)))
}
