//! The report list, New report, and the report page with its entries.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::workflow::{self, WorkflowView, workflow_view};
use super::{Employee, notice_text, report_id, require_employee};
use crate::sandbox::expenses::ExpenseError;
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
    id: i64,
    name: String,
    created_at: String,
    entries: Vec<EntryRow>,
    workflow: WorkflowView,
    notice: Option<&'static str>,
}

/// `GET /expenses/reports/{report}`: the report's entries.
pub(crate) async fn show(
    State(state): State<WebState>,
    Employee(signed_in): Employee,
    Path(report): Path<String>,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let report = state
        .expenses
        .report(&signed_in.actor, report_id(&report)?)
        .await?;

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
    let workflow = workflow_view(
        &state,
        &signed_in,
        object,
        report.step,
        report.sent_back_comment,
        submit_action,
    )
    .await?;
    let page = ReportPage {
        layout: Layout::signed_in(report.name.as_str(), &signed_in),
        csrf_token: signed_in.session.csrf_token.clone(),
        workflow,
        id: report.id.0,
        name: report.name.to_string(),
        created_at: display_time(report.created_at),
        entries,
        notice: notice_text(query.notice.as_deref()),
    };
    Ok(render(&page))
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
