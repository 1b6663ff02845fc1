//! The approval page: objects waiting for an approver with the launch
//! fields of their reports, read-only, and objects waiting in an External
//! Validation step, where administrators may intervene.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use protocol::ObjectType;

use super::{
    ErrorPlacement, Layout, NoticeQuery, display_time, path_id, render, render_with_status,
    see_other,
};
use crate::domain::launch_fields::LaunchObjectType;
use crate::sandbox::model::{ExpenseReportId, LaunchObject};
use crate::sandbox::pages::launch::{CustomFieldView, FieldMode, field_views, page_error};
use crate::web::WebState;
use crate::web::csrf::CheckedForm;
use crate::web::errors::PageError;
use crate::web::session::SignedIn;
use crate::workflow::{Comment, Decider, Decision, ObjectRef, WorkflowError, WorkflowItem};

/// One object of a table of the page.
struct ItemRow {
    object_type: &'static str,
    type_label: &'static str,
    id: i64,
    name: String,
    owner: String,
    entry_count: u64,
    step: &'static str,
    since: String,
    /// Launch fields of the report, its entries and allocations, read-only.
    custom_fields: Vec<CustomFieldView>,
}

impl From<&WorkflowItem> for ItemRow {
    fn from(item: &WorkflowItem) -> Self {
        ItemRow {
            object_type: item.object.object_type.as_str(),
            type_label: match item.object.object_type {
                ObjectType::ExpenseReport => "Expense report",
                ObjectType::TravelRequest => "Travel request",
            },
            id: item.object.id,
            name: item.name.clone(),
            owner: item.owner_login.clone(),
            entry_count: item.entry_count,
            step: item.step.label(),
            since: item.step_changed_at.map(display_time).unwrap_or_default(),
            custom_fields: Vec::new(),
        }
    }
}

#[derive(Template)]
#[template(path = "approvals.html")]
struct ApprovalsPage {
    layout: Layout,
    csrf_token: String,
    approver: bool,
    administrator: bool,
    approval: Vec<ItemRow>,
    external_validation: Vec<ItemRow>,
    notice: Option<&'static str>,
    message: Option<String>,
}

async fn approvals_page(
    state: &WebState,
    signed_in: &SignedIn,
    notice: Option<&'static str>,
    message: Option<String>,
) -> Result<ApprovalsPage, PageError> {
    let waiting = state.workflow.waiting_for(&signed_in.actor).await?;
    let mut approval: Vec<ItemRow> = waiting.approval.iter().map(ItemRow::from).collect();
    for (row, item) in approval.iter_mut().zip(&waiting.approval) {
        row.custom_fields = report_fields(state, signed_in, item).await?;
    }
    Ok(ApprovalsPage {
        layout: Layout::signed_in("Approvals", signed_in),
        csrf_token: signed_in.session.csrf_token.clone(),
        approver: signed_in.actor.is_approver(),
        administrator: signed_in.actor.may_manage_registrations(),
        approval,
        external_validation: waiting
            .external_validation
            .iter()
            .map(ItemRow::from)
            .collect(),
        notice,
        message,
    })
}

/// Returns the launch fields of an expense report waiting for approval,
/// of its entries and of their allocations, all read-only. Each label
/// names the entry or allocation it belongs to.
async fn report_fields(
    state: &WebState,
    signed_in: &SignedIn,
    item: &WorkflowItem,
) -> Result<Vec<CustomFieldView>, PageError> {
    if item.object.object_type != ObjectType::ExpenseReport {
        return Ok(Vec::new());
    }
    let actor = &signed_in.actor;
    let report_id = ExpenseReportId(item.object.id);
    let Some(report) = state
        .store
        .expense_report(item.company_id, item.owner, report_id)
        .await
        .map_err(PageError::StoreUnavailable)?
    else {
        return Ok(Vec::new());
    };
    let launcher = &state.launcher;
    let mut none = ErrorPlacement::none();
    let mode = FieldMode::READ_ONLY;

    let header = launcher
        .values(actor, LaunchObjectType::Header, report.id.0)
        .await
        .map_err(page_error)?;
    let mut views = field_views(
        header,
        LaunchObject::Header(report.id),
        mode,
        None,
        &mut none,
    );
    for entry in &report.entries {
        let values = launcher
            .values(actor, LaunchObjectType::Entry, entry.id.0)
            .await
            .map_err(page_error)?;
        let mut entry_views =
            field_views(values, LaunchObject::Entry(entry.id), mode, None, &mut none);
        let entry_label = format!("Entry {}", entry.id.0);
        for view in &mut entry_views {
            view.label = format!("{entry_label}: {}", view.label);
        }
        views.extend(entry_views);

        let allocations = state
            .store
            .expense_allocations(entry.id)
            .await
            .map_err(PageError::StoreUnavailable)?;
        for allocation in allocations {
            let values = launcher
                .values(actor, LaunchObjectType::Allocation, allocation.id.0)
                .await
                .map_err(page_error)?;
            let object = LaunchObject::Allocation(allocation.id);
            let mut allocation_views = field_views(values, object, mode, None, &mut none);
            for view in &mut allocation_views {
                view.label = format!(
                    "{entry_label}, allocation of {}%: {}",
                    allocation.percentage, view.label
                );
            }
            views.extend(allocation_views);
        }
    }
    Ok(views)
}

/// Requires the approver role or the permission to manage registrations.
fn require_decider(signed_in: &SignedIn) -> Result<(), PageError> {
    let actor = &signed_in.actor;
    if actor.is_approver() || actor.may_manage_registrations() {
        Ok(())
    } else {
        tracing::warn!(
            user_id = actor.user.id.0,
            "approval page rejected: the user is neither an approver nor an administrator"
        );
        Err(PageError::NotApprover)
    }
}

/// `GET /approvals`.
pub(crate) async fn show(
    State(state): State<WebState>,
    signed_in: SignedIn,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    require_decider(&signed_in)?;
    let notice = match query.notice.as_deref() {
        Some("approved") => Some("It was approved and moved to its next step."),
        Some("sent-back") => Some("It was sent back to the employee with your comment."),
        _ => None,
    };
    Ok(render(
        &approvals_page(&state, &signed_in, notice, None).await?,
    ))
}

/// `POST /approvals/decide`: approves an object or sends it back, as an
/// approver or, in an External Validation step, as an administrator.
pub(crate) async fn decide(
    State(state): State<WebState>,
    form: CheckedForm,
) -> Result<Response, PageError> {
    let signed_in = &form.signed_in;
    require_decider(signed_in)?;
    let object_type = form
        .fields
        .text("object_type")
        .and_then(ObjectType::from_code)
        .ok_or(PageError::MalformedForm(
            "object_type must be EXPRPT or TRAVELREQ",
        ))?;
    let id = path_id(form.fields.text("object_id").unwrap_or_default())
        .map_err(|_| PageError::MalformedForm("object_id must be a positive whole number"))?;
    let object = ObjectRef { object_type, id };
    let as_administrator = match form.fields.text("role") {
        Some("approver") => false,
        Some("administrator") => true,
        _ => {
            return Err(PageError::MalformedForm(
                "role must be approver or administrator",
            ));
        }
    };
    let decision = match form.fields.text("decision") {
        Some("approve") => Decision::Approve,
        Some("send_back") => {
            match Comment::parse(form.fields.text("comment").unwrap_or_default()) {
                Ok(comment) => Decision::SendBack(comment),
                Err(rule) => {
                    let message = format!("{object} was not sent back. Comment: {rule}.");
                    let page = approvals_page(&state, signed_in, None, Some(message)).await?;
                    return Ok(render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
                }
            }
        }
        _ => {
            return Err(PageError::MalformedForm(
                "decision must be approve or send_back",
            ));
        }
    };
    let sent_back = matches!(decision, Decision::SendBack(_));

    let decider = if as_administrator {
        Decider::Administrator(&signed_in.actor)
    } else {
        Decider::Approver(&signed_in.actor)
    };
    match state.workflow.decide(decider, object, decision).await {
        Ok(_) => Ok(see_other(if sent_back {
            "/approvals?notice=sent-back"
        } else {
            "/approvals?notice=approved"
        })),
        Err(WorkflowError::Forbidden) if as_administrator => Err(PageError::Forbidden),
        Err(other) => Err(other.into()),
    }
}
