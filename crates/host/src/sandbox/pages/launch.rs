//! Launch fields on the expense pages: their inputs, saving them with the
//! form of their report, entry or allocation, and `POST /expenses/launch`,
//! which saves the form and sends the browser to the connector's form.

use std::collections::BTreeMap;

use axum::Json;
use axum::http::header::ACCEPT;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::json;

use super::allocations::{RejectedAllocation, rejected_page};
use super::entries::{NOT_SAVED, PageExtras, entry_page, submitted_input};
use super::reports::report_page;
use crate::domain::FieldErrors;
use crate::domain::launch_fields::LaunchFieldId;
use crate::sandbox::expenses::ExpenseError;
use crate::sandbox::launch::{FieldValue, LaunchError, input_name};
use crate::sandbox::model::{ExpenseReportId, LaunchItem, LaunchObject};
use crate::web::WebState;
use crate::web::csrf::CheckedForm;
use crate::web::errors::PageError;
use crate::web::form::FormFields;
use crate::web::pages::ErrorPlacement;
use crate::workflow::Step;

/// Display mode of the launch fields on a page.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FieldMode {
    /// The value is an input that the form saves; read-only otherwise.
    pub editable: bool,
    /// A Launch button is next to the field.
    pub launchable: bool,
}

impl FieldMode {
    /// Returns the mode of the report owner's pages: editable with a Launch
    /// button while the report is in a step that the employee may change.
    pub(crate) fn for_owner(step: Step) -> FieldMode {
        FieldMode {
            editable: step.is_editable(),
            launchable: step.is_editable(),
        }
    }

    pub(crate) const READ_ONLY: FieldMode = FieldMode {
        editable: false,
        launchable: false,
    };
}

/// A launch field as a page shows it.
pub(crate) struct CustomFieldView {
    pub id: i64,
    pub label: String,
    /// Name of the form input, `custom_{code}`.
    pub name: String,
    /// Unique on the page, because allocations repeat the same fields.
    pub input_id: String,
    pub multiline: bool,
    pub value: String,
    pub errors: Vec<String>,
    pub editable: bool,
    pub launchable: bool,
    pub popup_width: u16,
    pub popup_height: u16,
}

/// Builds the views of one object's launch fields. `submitted` contains the
/// values of a rejected form, shown in place of the stored ones.
pub(crate) fn field_views(
    values: Vec<FieldValue>,
    object: LaunchObject,
    mode: FieldMode,
    submitted: Option<&BTreeMap<String, String>>,
    errors: &mut ErrorPlacement,
) -> Vec<CustomFieldView> {
    values
        .into_iter()
        .map(|FieldValue { field, value }| {
            let name = input_name(&field);
            let value = submitted
                .and_then(|submitted| submitted.get(&name).cloned())
                .unwrap_or(value);
            CustomFieldView {
                id: field.id.0,
                label: field.label.clone(),
                input_id: format!(
                    "custom-{}-{}-{}",
                    object.object_type().as_str().to_lowercase(),
                    object.id(),
                    field.code
                ),
                errors: errors.take(&name),
                name,
                multiline: field.multiline,
                value,
                editable: mode.editable,
                launchable: mode.launchable,
                popup_width: field.popup_width,
                popup_height: field.popup_height,
            }
        })
        .collect()
}

/// Returns the launch field inputs of a posted form, by input name.
pub(crate) fn submitted_values(fields: &FormFields) -> BTreeMap<String, String> {
    fields
        .names()
        .filter(|name| name.starts_with("custom_"))
        .filter_map(|name| Some((name.to_owned(), fields.text(name)?.to_owned())))
        .collect()
}

/// Failure of saving an object's form.
pub(crate) enum SaveError {
    Invalid(FieldErrors),
    Page(PageError),
}

impl From<LaunchError> for SaveError {
    fn from(error: LaunchError) -> Self {
        match error {
            LaunchError::Invalid(errors) => SaveError::Invalid(errors),
            other => SaveError::Page(page_error(other)),
        }
    }
}

impl From<ExpenseError> for SaveError {
    fn from(error: ExpenseError) -> Self {
        match error {
            ExpenseError::Invalid(errors) => SaveError::Invalid(errors),
            other => SaveError::Page(other.into()),
        }
    }
}

/// Maps a launch failure to the page error of the same status.
pub(crate) fn page_error(error: LaunchError) -> PageError {
    match error {
        LaunchError::NotEmployee => PageError::NotEmployee,
        LaunchError::NotFound => PageError::NotFound,
        LaunchError::Locked { step } => PageError::Locked(step),
        LaunchError::Store(error) => PageError::StoreUnavailable(error),
        other => PageError::Internal(other.to_string().into()),
    }
}

/// Saves the form of an object the actor keeps: for an entry its fields
/// and launch fields, for a report or an allocation its launch fields.
/// Every value is checked before any is stored, and the report must be in
/// a step that the employee may change.
pub(crate) async fn save_object_form(
    state: &WebState,
    form: &CheckedForm,
    item: &LaunchItem,
) -> Result<(), SaveError> {
    let actor = &form.signed_in.actor;
    if !item.report.step.is_editable() {
        return Err(SaveError::Page(PageError::Locked(item.report.step)));
    }
    let submitted = submitted_values(&form.fields);
    let parsed = state
        .launcher
        .parse_values(actor, item.object.object_type(), |name| {
            submitted.get(name).cloned()
        })
        .await;

    if let LaunchObject::Entry(entry) = item.object {
        let report = ExpenseReportId(item.report.object.id);
        let input = submitted_input(&form.fields);
        // The entry's own fields are checked and saved first, so that both
        // sets of broken rules are reported together.
        let entry_result = match &parsed {
            Ok(_) => {
                state
                    .expenses
                    .update_entry(actor, report, entry, &input)
                    .await
            }
            Err(_) => state.expenses.check_entry(actor, &input).await.map(|_| ()),
        };
        match (entry_result, parsed) {
            (Ok(()), Ok(values)) => {
                state
                    .launcher
                    .save_values(report, item.object, &values)
                    .await?;
                Ok(())
            }
            (Err(ExpenseError::Invalid(mut errors)), Err(custom)) => {
                errors.0.extend(custom.0);
                Err(SaveError::Invalid(errors))
            }
            (Ok(()), Err(custom)) => Err(SaveError::Invalid(custom)),
            (Err(other), _) => Err(other.into()),
        }
    } else {
        let values = parsed.map_err(SaveError::Invalid)?;
        let report = ExpenseReportId(item.report.object.id);
        state
            .launcher
            .save_values(report, item.object, &values)
            .await?;
        Ok(())
    }
}

/// Returns whether the request accepts JSON, as the launch script's requests do.
fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("application/json"))
}

/// Returns the JSON error response of a failed launch.
fn json_error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

/// Responds to a failure with JSON for the script, or with the error page.
fn failure(json: bool, error: PageError) -> Response {
    if json {
        json_error(error.status(), &error.to_string())
    } else {
        error.into_response()
    }
}

fn invalid(errors: FieldErrors) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "errors": errors.0 }))).into_response()
}

/// Renders the page of the object's form with the broken rules beside its
/// fields, as its Save button does, for a launch without the script.
async fn rejected_form_page(
    state: &WebState,
    form: &CheckedForm,
    item: &LaunchItem,
    errors: FieldErrors,
) -> Result<Response, PageError> {
    let signed_in = &form.signed_in;
    let report = ExpenseReportId(item.report.object.id);
    let submitted = submitted_values(&form.fields);
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    match item.object {
        LaunchObject::Header(id) => {
            let rejected = Some((submitted, ErrorPlacement::new(errors)));
            report_page(state, signed_in, id, None, rejected, status).await
        }
        LaunchObject::Entry(entry) => {
            let (report, entry) = state
                .expenses
                .entry(&signed_in.actor, report, entry)
                .await?;
            let extras = PageExtras {
                form: Some((submitted_input(&form.fields), ErrorPlacement::new(errors))),
                custom: Some(submitted),
                message: Some(NOT_SAVED.to_owned()),
                ..PageExtras::default()
            };
            entry_page(state, signed_in, &report, &entry, extras, status).await
        }
        LaunchObject::Allocation(allocation) => {
            let entry = item
                .entry
                .as_ref()
                .map(|entry| entry.id)
                .ok_or(PageError::NotFound)?;
            let (report, entry) = state
                .expenses
                .entry(&signed_in.actor, report, entry)
                .await?;
            let rejected = RejectedAllocation::Save {
                allocation,
                submitted,
                errors,
            };
            let message = "The allocation was not saved. Correct the fields marked below.";
            rejected_page(state, form, (&report, &entry), rejected, message).await
        }
    }
}

/// `POST /expenses/launch`: saves the form of the object named by
/// `launch_object` like its Save button, then returns the signed URL of the
/// connector's form for the launch field `launch_field`: as JSON with the
/// popup size for `Accept: application/json`, otherwise as a `303`.
/// Broken rules of the form are `400` JSON naming each field and rule, or
/// without `Accept: application/json` the form's page with the rules, as `422`.
pub(crate) async fn launch(
    state: axum::extract::State<WebState>,
    headers: HeaderMap,
    form: CheckedForm,
) -> Response {
    let state = state.0;
    let json = wants_json(&headers);
    let actor = &form.signed_in.actor;

    let mut errors = FieldErrors::default();
    let field_id = form
        .fields
        .text("launch_field")
        .and_then(|text| text.parse::<i64>().ok())
        .filter(|id| *id > 0);
    if field_id.is_none() {
        errors.push("launch_field", "must be the id of a launch field");
    }
    let object = form
        .fields
        .text("launch_object")
        .and_then(LaunchObject::parse);
    if object.is_none() {
        errors.push(
            "launch_object",
            "must be HEADER:{id}, ENTRY:{id} or ALLOCATION:{id} with a positive id",
        );
    }
    let (Some(field_id), Some(object)) = (field_id, object) else {
        tracing::warn!(user_id = actor.user.id.0, "launch rejected: {errors}");
        return invalid(errors);
    };

    let item = match state.launcher.owned_item(actor, object).await {
        Ok(item) => item,
        Err(error) => {
            tracing::warn!(user_id = actor.user.id.0, launch_object = %object, %error, "launch rejected");
            return failure(json, page_error(error));
        }
    };
    let field = match state
        .launcher
        .field_for(actor, LaunchFieldId(field_id), object)
        .await
    {
        Ok(field) => field,
        Err(LaunchError::Invalid(errors)) => return invalid(errors),
        Err(error) => {
            tracing::warn!(user_id = actor.user.id.0, launch_field_id = field_id, %error, "launch rejected");
            return failure(json, page_error(error));
        }
    };
    match save_object_form(&state, &form, &item).await {
        Ok(()) => {}
        Err(SaveError::Invalid(errors)) => {
            tracing::info!(user_id = actor.user.id.0, launch_object = %object, "launch stopped: the form broke rules: {errors}");
            if json {
                return invalid(errors);
            }
            return rejected_form_page(&state, &form, &item, errors)
                .await
                .unwrap_or_else(IntoResponse::into_response);
        }
        Err(SaveError::Page(error)) => {
            tracing::warn!(user_id = actor.user.id.0, launch_object = %object, %error, "launch rejected");
            return failure(json, error);
        }
    }

    match state.launcher.target(actor, &field, &item).await {
        Ok(target) if json => Json(json!({
            "url": target.url,
            "width": target.width,
            "height": target.height,
        }))
        .into_response(),
        Ok(target) => Redirect::to(&target.url).into_response(),
        Err(error @ (LaunchError::ServiceDisabled | LaunchError::RegistrationUnverified)) => {
            tracing::warn!(
                launch_field_id = field_id,
                registration_id = field.registration_id.0,
                %error,
                "launch rejected"
            );
            let message = error.to_string();
            if json {
                json_error(StatusCode::CONFLICT, &message)
            } else {
                (StatusCode::CONFLICT, message).into_response()
            }
        }
        Err(error) => {
            tracing::error!(launch_field_id = field_id, error = %connector::server::errors::error_chain(&error), "launch failed");
            failure(json, PageError::Internal(error.to_string().into()))
        }
    }
}
