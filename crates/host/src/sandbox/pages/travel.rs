//! The travel request pages: the list with New request, and a request with its expected expenses.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::entries::{OptionView, expense_type_options};
use super::workflow::{self, WorkflowView, workflow_view};
use super::{Employee, notice_text, require_employee};
use crate::sandbox::expenses::{EntryInput, ExpenseError};
use crate::sandbox::travel::TravelRequestInput;
use crate::sandbox::travel::model::{ExpectedExpenseId, TravelRequestId};
use crate::sandbox::values::format_date;
use crate::web::WebState;
use crate::web::csrf::CheckedForm;
use crate::web::errors::PageError;
use crate::web::pages::registrations::FieldView;
use crate::web::pages::{
    ErrorPlacement, Layout, NoticeQuery, display_time, path_id, render, render_with_status,
    see_other,
};
use crate::web::session::SignedIn;
use crate::workflow::ObjectRef;

/// One row of the travel request list.
struct RequestRow {
    id: i64,
    name: String,
    dates: String,
    expense_count: u64,
    step: &'static str,
}

/// The fields of the New request form.
struct RequestForm {
    name: FieldView,
    purpose: FieldView,
    start_date: FieldView,
    end_date: FieldView,
}

impl RequestForm {
    fn new(input: &TravelRequestInput, mut errors: ErrorPlacement) -> RequestForm {
        RequestForm {
            name: FieldView::new(&input.name, &mut errors, "name"),
            purpose: FieldView::new(&input.purpose, &mut errors, "purpose"),
            start_date: FieldView::new(&input.start_date, &mut errors, "start_date"),
            end_date: FieldView::new(&input.end_date, &mut errors, "end_date"),
        }
    }
}

#[derive(Template)]
#[template(path = "travel_requests.html")]
struct RequestsPage {
    layout: Layout,
    csrf_token: String,
    rows: Vec<RequestRow>,
    form: RequestForm,
    message: Option<&'static str>,
}

async fn requests_page(
    state: &WebState,
    signed_in: &SignedIn,
    form: RequestForm,
    message: Option<&'static str>,
) -> Result<RequestsPage, PageError> {
    let requests = state.travel.requests(&signed_in.actor).await?;
    let rows = requests
        .into_iter()
        .map(|request| RequestRow {
            id: request.id.0,
            name: request.name.to_string(),
            dates: format!(
                "{} to {}",
                format_date(request.start_date),
                format_date(request.end_date)
            ),
            expense_count: request.expense_count,
            step: request.step.label(),
        })
        .collect();
    Ok(RequestsPage {
        layout: Layout::signed_in("Travel requests", signed_in),
        csrf_token: signed_in.session.csrf_token.clone(),
        rows,
        form,
        message,
    })
}

/// `GET /travel`: the employee's travel requests and the New request form.
pub(crate) async fn list(
    State(state): State<WebState>,
    Employee(signed_in): Employee,
) -> Result<Response, PageError> {
    let form = RequestForm::new(&TravelRequestInput::default(), ErrorPlacement::none());
    Ok(render(
        &requests_page(&state, &signed_in, form, None).await?,
    ))
}

/// `POST /travel/requests`: creates a travel request and opens it.
pub(crate) async fn create(
    State(state): State<WebState>,
    form: CheckedForm,
) -> Result<Response, PageError> {
    require_employee(&form.signed_in)?;
    let text = |name: &str| form.fields.text(name).unwrap_or_default().to_owned();
    let input = TravelRequestInput {
        name: text("name"),
        purpose: text("purpose"),
        start_date: text("start_date"),
        end_date: text("end_date"),
    };

    match state.travel.create(&form.signed_in.actor, &input).await {
        Ok(id) => Ok(see_other(&format!(
            "/travel/requests/{}?notice=request-created",
            id.0
        ))),
        Err(ExpenseError::Invalid(errors)) => {
            let view = RequestForm::new(&input, ErrorPlacement::new(errors));
            let message =
                Some("The travel request was not created. Correct the fields marked below.");
            let page = requests_page(&state, &form.signed_in, view, message).await?;
            Ok(render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(other) => Err(other.into()),
    }
}

/// One expected expense of the request page.
struct ExpenseRow {
    id: i64,
    date: String,
    expense_type: &'static str,
    amount: String,
    currency: String,
    business_purpose: String,
}

/// The fields of the Add expense form.
struct ExpenseForm {
    expense_types: Vec<OptionView>,
    expense_type_errors: Vec<String>,
    transaction_date: FieldView,
    amount: FieldView,
    currency: FieldView,
    business_purpose: FieldView,
    other_errors: Vec<String>,
}

impl ExpenseForm {
    fn new(input: &EntryInput, mut errors: ErrorPlacement) -> ExpenseForm {
        ExpenseForm {
            expense_types: expense_type_options(&input.expense_type),
            expense_type_errors: errors.take("expense_type"),
            transaction_date: FieldView::new(
                &input.transaction_date,
                &mut errors,
                "transaction_date",
            ),
            amount: FieldView::new(&input.amount, &mut errors, "amount"),
            currency: FieldView::new(&input.currency, &mut errors, "currency"),
            business_purpose: FieldView::new(
                &input.business_purpose,
                &mut errors,
                "business_purpose",
            ),
            other_errors: errors.rest(),
        }
    }
}

#[derive(Template)]
#[template(path = "travel_request.html")]
struct RequestPage {
    layout: Layout,
    csrf_token: String,
    id: i64,
    name: String,
    purpose: String,
    start_date: String,
    end_date: String,
    created_at: String,
    expenses: Vec<ExpenseRow>,
    form: ExpenseForm,
    workflow: WorkflowView,
    notice: Option<&'static str>,
    message: Option<&'static str>,
}

async fn request_page(
    state: &WebState,
    signed_in: &SignedIn,
    id: TravelRequestId,
    form: ExpenseForm,
    notice: Option<&'static str>,
    message: Option<&'static str>,
) -> Result<RequestPage, PageError> {
    let request = state.travel.request(&signed_in.actor, id).await?;
    let object = ObjectRef::travel_request(request.id.0);
    let submit_action = format!("/travel/requests/{}/submit", request.id.0);
    let workflow = workflow_view(
        state,
        signed_in,
        object,
        request.step,
        request.sent_back_comment,
        submit_action,
    )
    .await?;
    let expenses = request
        .expenses
        .iter()
        .map(|expense| ExpenseRow {
            id: expense.id.0,
            date: format_date(expense.fields.transaction_date),
            expense_type: expense.fields.expense_type.label(),
            amount: expense.fields.amount.to_string(),
            currency: expense.fields.currency.as_str().to_owned(),
            business_purpose: expense.fields.business_purpose.as_str().to_owned(),
        })
        .collect();
    Ok(RequestPage {
        layout: Layout::signed_in(request.name.as_str(), signed_in),
        csrf_token: signed_in.session.csrf_token.clone(),
        id: request.id.0,
        name: request.name.to_string(),
        purpose: request.purpose.as_str().to_owned(),
        start_date: format_date(request.start_date),
        end_date: format_date(request.end_date),
        created_at: display_time(request.created_at),
        expenses,
        form,
        workflow,
        notice,
        message,
    })
}

fn request_id(text: &str) -> Result<TravelRequestId, PageError> {
    path_id(text).map(TravelRequestId)
}

/// `GET /travel/requests/{request}`: the request, its expected expenses and its workflow.
pub(crate) async fn show(
    State(state): State<WebState>,
    Employee(signed_in): Employee,
    Path(request): Path<String>,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let form = ExpenseForm::new(&EntryInput::default(), ErrorPlacement::none());
    let notice = notice_text(query.notice.as_deref());
    let page = request_page(
        &state,
        &signed_in,
        request_id(&request)?,
        form,
        notice,
        None,
    )
    .await?;
    Ok(render(&page))
}

/// `POST /travel/requests/{request}/expenses`: adds an expected expense.
pub(crate) async fn add_expense(
    State(state): State<WebState>,
    Path(request): Path<String>,
    form: CheckedForm,
) -> Result<Response, PageError> {
    require_employee(&form.signed_in)?;
    let id = request_id(&request)?;
    let text = |name: &str| form.fields.text(name).unwrap_or_default().to_owned();
    let input = EntryInput {
        expense_type: text("expense_type"),
        transaction_date: text("transaction_date"),
        amount: text("amount"),
        currency: text("currency"),
        business_purpose: text("business_purpose"),
        list: String::new(),
    };

    match state
        .travel
        .add_expense(&form.signed_in.actor, id, &input)
        .await
    {
        Ok(_) => Ok(see_other(&format!(
            "/travel/requests/{}?notice=expense-added",
            id.0
        ))),
        Err(ExpenseError::Invalid(errors)) => {
            let view = ExpenseForm::new(&input, ErrorPlacement::new(errors));
            let message =
                Some("The expected expense was not added. Correct the fields marked below.");
            let page = request_page(&state, &form.signed_in, id, view, None, message).await?;
            Ok(render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(other) => Err(other.into()),
    }
}

/// `POST /travel/requests/{request}/expenses/{expense}/delete`.
pub(crate) async fn delete_expense(
    State(state): State<WebState>,
    Path((request, expense)): Path<(String, String)>,
    form: CheckedForm,
) -> Result<Response, PageError> {
    require_employee(&form.signed_in)?;
    let id = request_id(&request)?;
    let expense = ExpectedExpenseId(path_id(&expense)?);
    state
        .travel
        .delete_expense(&form.signed_in.actor, id, expense)
        .await?;
    Ok(see_other(&format!(
        "/travel/requests/{}?notice=expense-deleted",
        id.0
    )))
}

/// `POST /travel/requests/{request}/submit`: submits the request into the workflow.
pub(crate) async fn submit(
    State(state): State<WebState>,
    Path(request): Path<String>,
    form: CheckedForm,
) -> Result<Response, PageError> {
    require_employee(&form.signed_in)?;
    let id = request_id(&request)?;
    let object = ObjectRef::travel_request(id.0);
    workflow::submit(&state, &form, object, &format!("/travel/requests/{}", id.0)).await
}
