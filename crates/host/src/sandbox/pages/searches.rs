//! The changes that searches lead to: choosing and clearing list items, adding and removing attendees.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::entries::{
    AttendeeSearch, ListSearch, PageExtras, SearchProblem, entry_anchor, entry_page, parse_level,
    posted_entry,
};
use crate::sandbox::expenses::ExpenseError;
use crate::sandbox::model::{ExpenseEntry, ExpenseReport};
use crate::sandbox::requests::AttendeeSearchInput;
use crate::web::WebState;
use crate::web::csrf::CheckedForm;
use crate::web::errors::PageError;
use crate::web::pages::see_other;

/// Returns the status of a page that shows why a change did not happen.
fn problem_status(problem: &SearchProblem) -> StatusCode {
    match problem {
        SearchProblem::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        SearchProblem::Failed(_) => StatusCode::BAD_GATEWAY,
    }
}

/// `POST …/entries/{entry}/list`: chooses the item `short_code` at `level`
/// and clears the levels below it.
pub(crate) async fn choose_list_item(
    State(state): State<WebState>,
    Path((report, entry)): Path<(String, String)>,
    form: CheckedForm,
) -> Result<Response, PageError> {
    let (report, entry) = posted_entry(&state, &form, &report, &entry).await?;
    let level = parse_level(form.fields.text("level").unwrap_or_default());
    let short_code = form.fields.text("short_code").unwrap_or_default();

    let chosen = state
        .expenses
        .choose_list_item(
            &form.signed_in.actor,
            report.id,
            entry.id,
            level,
            short_code,
        )
        .await;
    match chosen {
        Ok(()) => Ok(see_other(&entry_anchor(
            report.id,
            entry.id,
            "list-chosen",
            "list",
        ))),
        Err(error) => rejected_list_change(&state, &form, &report, &entry, level, error).await,
    }
}

/// `POST …/entries/{entry}/list/clear`: clears the item chosen at `level` and below.
pub(crate) async fn clear_list_level(
    State(state): State<WebState>,
    Path((report, entry)): Path<(String, String)>,
    form: CheckedForm,
) -> Result<Response, PageError> {
    let (report, entry) = posted_entry(&state, &form, &report, &entry).await?;
    let level = parse_level(form.fields.text("level").unwrap_or_default());

    let cleared = state
        .expenses
        .clear_list_level(&form.signed_in.actor, report.id, entry.id, level)
        .await;
    match cleared {
        Ok(()) => Ok(see_other(&entry_anchor(
            report.id,
            entry.id,
            "list-cleared",
            "list",
        ))),
        Err(error) => rejected_list_change(&state, &form, &report, &entry, level, error).await,
    }
}

/// Shows the entry page with the reason a change at `level` of the list did not happen.
async fn rejected_list_change(
    state: &WebState,
    form: &CheckedForm,
    report: &ExpenseReport,
    entry: &ExpenseEntry,
    level: usize,
    error: ExpenseError,
) -> Result<Response, PageError> {
    let problem = SearchProblem::of(error)?;
    let status = problem_status(&problem);
    let extras = PageExtras {
        list_search: Some(ListSearch {
            level,
            query: String::new(),
            outcome: Err(problem),
        }),
        ..PageExtras::default()
    };
    entry_page(state, &form.signed_in, report, entry, extras, status).await
}

/// `POST …/entries/{entry}/attendees`: adds the attendee with `external_id`
/// of `attendee_type`, as the connector returns it.
pub(crate) async fn add_attendee(
    State(state): State<WebState>,
    Path((report, entry)): Path<(String, String)>,
    form: CheckedForm,
) -> Result<Response, PageError> {
    let (report, entry) = posted_entry(&state, &form, &report, &entry).await?;
    let attendee_type = form.fields.text("attendee_type").unwrap_or_default();
    let external_id = form.fields.text("external_id").unwrap_or_default();

    let added = state
        .expenses
        .add_attendee(
            &form.signed_in.actor,
            report.id,
            entry.id,
            attendee_type,
            external_id,
        )
        .await;
    match added {
        Ok(()) => Ok(see_other(&entry_anchor(
            report.id,
            entry.id,
            "attendee-added",
            "attendees",
        ))),
        Err(error) => {
            let problem = SearchProblem::of(error)?;
            let status = problem_status(&problem);
            let extras = PageExtras {
                attendee_search: Some(AttendeeSearch {
                    input: AttendeeSearchInput {
                        attendee_type: attendee_type.to_owned(),
                        ..AttendeeSearchInput::default()
                    },
                    outcome: Err(problem),
                }),
                ..PageExtras::default()
            };
            entry_page(&state, &form.signed_in, &report, &entry, extras, status).await
        }
    }
}

/// `POST …/entries/{entry}/attendees/remove`: removes one attendee from the entry.
pub(crate) async fn remove_attendee(
    State(state): State<WebState>,
    Path((report, entry)): Path<(String, String)>,
    form: CheckedForm,
) -> Result<Response, PageError> {
    let (report, entry) = posted_entry(&state, &form, &report, &entry).await?;
    let attendee_type = form.fields.text("attendee_type").unwrap_or_default();
    let external_id = form.fields.text("external_id").unwrap_or_default();

    state
        .expenses
        .remove_attendee(
            &form.signed_in.actor,
            report.id,
            entry.id,
            attendee_type,
            external_id,
        )
        .await?;
    Ok(see_other(&entry_anchor(
        report.id,
        entry.id,
        "attendee-removed",
        "attendees",
    )))
}
