//! The approval page: objects waiting for an approver, and objects waiting
//! in an External Validation step, where administrators may intervene.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use protocol::ObjectType;

use super::{Layout, NoticeQuery, display_time, path_id, render, render_with_status, see_other};
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
    Ok(ApprovalsPage {
        layout: Layout::signed_in("Approvals", signed_in),
        csrf_token: signed_in.session.csrf_token.clone(),
        approver: signed_in.actor.is_approver(),
        administrator: signed_in.actor.may_manage_registrations(),
        approval: waiting.approval.iter().map(ItemRow::from).collect(),
        external_validation: waiting
            .external_validation
            .iter()
            .map(ItemRow::from)
            .collect(),
        notice,
        message,
    })
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
