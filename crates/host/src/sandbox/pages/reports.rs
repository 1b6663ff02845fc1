//! The report list, New report, and the report page with its launch fields and entries.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use std::collections::BTreeMap;

use super::launch::{
    CustomFieldView, FieldMode, SaveError, field_views, page_error, save_object_form,
    submitted_values,
};
use super::workflow::{self, WorkflowView, workflow_view};
use super::{Employee, LAUNCH_SCRIPT_PATH, notice_text, report_id, require_employee};
use crate::domain::launch_fields::LaunchObjectType;
use crate::sandbox::expenses::ExpenseError;
use crate::sandbox::model::{ExpenseReportId, LaunchObject};
use crate::sandbox::values::format_date;
use crate::web::WebState;
use crate::web::csrf::CheckedForm;
use crate::web::errors::PageError;
use crate::web::pages::registrations::FieldView;
use crate::web::pages::{
    ErrorPlacement, Layout, NoticeQuery, display_time, render, render_with_status, see_other,
};
use crate::web::session::SignedIn;
use crate::workflow::ObjectRef;

/// One row of the report list.
struct ReportRow {
    id: i64,
    name: String,
    entry_count: u64,
    step: &'static str,
    created_at: String,
}

#[derive(Template)]
#[template(path = "expense_reports.html")]
struct ReportsPage {
    layout: Layout,
    csrf_token: String,
    rows: Vec<ReportRow>,
    name: FieldView,
    message: Option<&'static str>,
}

async fn reports_page(
    state: &WebState,
    signed_in: &SignedIn,
    name: FieldView,
    message: Option<&'static str>,
) -> Result<ReportsPage, PageError> {
    let reports = state.expenses.reports(&signed_in.actor).await?;
    let rows = reports
        .into_iter()
        .map(|report| ReportRow {
            id: report.id.0,
            name: report.name.to_string(),
            entry_count: report.entry_count,
            step: report.step.label(),
            created_at: display_time(report.created_at),
        })
        .collect();
    Ok(ReportsPage {
        layout: Layout::signed_in("Expense reports", signed_in),
        csrf_token: signed_in.session.csrf_token.clone(),
        rows,
        name,
        message,
    })
}

/// `GET /expenses`: the employee's reports and the New report form.
pub(crate) async fn list(
    State(state): State<WebState>,
    Employee(signed_in): Employee,
) -> Result<Response, PageError> {
    let name = FieldView::new("", &mut ErrorPlacement::none(), "name");
    let page = reports_page(&state, &signed_in, name, None).await?;
    Ok(render(&page))
}

/// `POST /expenses/reports`: creates a report and opens it.
pub(crate) async fn create(
    State(state): State<WebState>,
    form: CheckedForm,
) -> Result<Response, PageError> {
    require_employee(&form.signed_in)?;
    let typed = form.fields.text("name").unwrap_or_default();

    match state
        .expenses
        .create_report(&form.signed_in.actor, typed)
        .await
    {
        Ok(id) => Ok(see_other(&format!(
            "/expenses/reports/{}?notice=report-created",
            id.0
        ))),
        Err(ExpenseError::Invalid(errors)) => {
            let name = FieldView::new(typed, &mut ErrorPlacement::new(errors), "name");
            let message = Some("The report was not created. Correct the name.");
            let page = reports_page(&state, &form.signed_in, name, message).await?;
            Ok(render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(other) => Err(other.into()),
    }
}

/// One entry of the report page.
struct EntryRow {
    id: i64,
    transaction_date: String,
    expense_type: &'static str,
    amount: String,
    currency: String,
    business_purpose: String,
    list_value: String,
    attendee_count: usize,
}

#[derive(Template)]
#[template(path = "expense_report.html")]
struct ReportPage {
    layout: Layout,
    csrf_token: String,
    script_path: &'static str,
    id: i64,
    name: String,
    created_at: String,
    entries: Vec<EntryRow>,
    workflow: WorkflowView,
    /// Whether the header's launch fields have a Save button.
    fields_editable: bool,
    launch_object: String,
    custom_fields: Vec<CustomFieldView>,
    /// Broken rules that no field claimed.
    field_errors: Vec<String>,
    notice: Option<&'static str>,
}

/// `GET /expenses/reports/{report}`: the report's launch fields and entries.
pub(crate) async fn show(
    State(state): State<WebState>,
    Employee(signed_in): Employee,
    Path(report): Path<String>,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let notice = notice_text(query.notice.as_deref());
    report_page(
        &state,
        &signed_in,
        report_id(&report)?,
        notice,
        None,
        StatusCode::OK,
    )
    .await
}

/// Renders the report page; `rejected` holds the launch field values of a
/// rejected form with their broken rules.
pub(super) async fn report_page(
    state: &WebState,
    signed_in: &SignedIn,
    id: ExpenseReportId,
    notice: Option<&'static str>,
    rejected: Option<(BTreeMap<String, String>, ErrorPlacement)>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let report = state.expenses.report(&signed_in.actor, id).await?;

    let entries = report
        .entries
        .iter()
        .map(|entry| EntryRow {
            id: entry.id.0,
            transaction_date: format_date(entry.fields.transaction_date),
            expense_type: entry.fields.expense_type.label(),
            amount: entry.fields.amount.to_string(),
            currency: entry.fields.currency.as_str().to_owned(),
            business_purpose: entry.fields.business_purpose.as_str().to_owned(),
            list_value: match &entry.list {
                Some(list) => match list.leaf_text() {
                    Some(text) => format!("{text} ({})", list.long_code()),
                    None => "Not chosen".to_owned(),
                },
                None => "None".to_owned(),
            },
            attendee_count: entry.attendees.len(),
        })
        .collect();
    let object = ObjectRef::expense_report(report.id.0);
    let submit_action = format!("/expenses/reports/{}/submit", report.id.0);
    let values = state
        .launcher
        .values(&signed_in.actor, LaunchObjectType::Header, report.id.0)
        .await
        .map_err(page_error)?;
    let (submitted, mut errors) = match rejected {
        Some((submitted, errors)) => (Some(submitted), errors),
        None => (None, ErrorPlacement::none()),
    };
    let header = LaunchObject::Header(report.id);
    let custom_fields = field_views(
        values,
        header,
        FieldMode::for_owner(report.step),
        submitted.as_ref(),
        &mut errors,
    );
    let workflow = workflow_view(
        state,
        signed_in,
        object,
        report.step,
        report.sent_back_comment,
        submit_action,
    )
    .await?;
    let page = ReportPage {
        layout: Layout::signed_in(report.name.as_str(), signed_in),
        csrf_token: signed_in.session.csrf_token.clone(),
        script_path: LAUNCH_SCRIPT_PATH,
        workflow,
        id: report.id.0,
        name: report.name.to_string(),
        created_at: display_time(report.created_at),
        entries,
        fields_editable: report.step.is_editable(),
        launch_object: header.to_string(),
        custom_fields,
        field_errors: errors.rest(),
        notice,
    };
    Ok(render_with_status(status, &page))
}

/// `POST /expenses/reports/{report}/fields`: saves the report's launch fields.
pub(crate) async fn save_fields(
    State(state): State<WebState>,
    Path(report): Path<String>,
    form: CheckedForm,
) -> Result<Response, PageError> {
    require_employee(&form.signed_in)?;
    let id = report_id(&report)?;
    let item = state
        .launcher
        .owned_item(&form.signed_in.actor, LaunchObject::Header(id))
        .await
        .map_err(page_error)?;

    match save_object_form(&state, &form, &item).await {
        Ok(()) => Ok(see_other(&format!(
            "/expenses/reports/{}?notice=fields-saved",
            id.0
        ))),
        Err(SaveError::Invalid(errors)) => {
            report_page(
                &state,
                &form.signed_in,
                id,
                None,
                Some((submitted_values(&form.fields), ErrorPlacement::new(errors))),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(SaveError::Page(error)) => Err(error),
    }
}

/// `POST /expenses/reports/{report}/submit`: submits the report into the workflow.
pub(crate) async fn submit(
    State(state): State<WebState>,
    Path(report): Path<String>,
    form: CheckedForm,
) -> Result<Response, PageError> {
    require_employee(&form.signed_in)?;
    let id = report_id(&report)?;
    let object = ObjectRef::expense_report(id.0);
    workflow::submit(
        &state,
        &form,
        object,
        &format!("/expenses/reports/{}", id.0),
    )
    .await
}
