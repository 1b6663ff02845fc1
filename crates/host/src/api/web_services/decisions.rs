//! A connector's decisions on an object of its company: workflow actions,
//! exceptions and approved amounts. Bodies are JSON objects with only the
//! documented members.

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::caller::ConnectorCaller;
use super::error::ServiceError;
use super::objects::object_ref;
use crate::api::{ApiState, BodyLimits, has_media_type, read_limited};
use crate::connector_access::ConnectorGrant;
use crate::objects::records::{MAX_CODE_CHARS, MAX_MESSAGE_CHARS};
use crate::objects::{NewException, add_exception, set_approved_amount};
use crate::sandbox::values::{Amount, rules};
use crate::workflow::{Comment, Decider, Decision, ObjectRef};

/// `POST {ObjectURI}/workflow`.
pub(in crate::api) async fn workflow<const TRAVEL: bool>(
    State(state): State<ApiState>,
    ConnectorCaller(grant): ConnectorCaller,
    path: Result<Path<String>, PathRejection>,
    request: Request,
) -> Result<Response, ServiceError> {
    let object = path_object::<TRAVEL>(path)?;
    let body = json_object(request, &state.limits).await?;
    only_members(&body, &["action", "comment"])?;
    let decision = match text_member(&body, "action")? {
        "approve" => {
            if body.contains_key("comment") {
                return Err(ServiceError::invalid(
                    "comment",
                    "is allowed only with the action send_back",
                ));
            }
            Decision::Approve
        }
        "send_back" => {
            let comment = text_member(&body, "comment")?;
            let comment =
                Comment::parse(comment).map_err(|rule| ServiceError::invalid("comment", rule))?;
            Decision::SendBack(comment)
        }
        _ => {
            return Err(ServiceError::invalid(
                "action",
                "must be approve or send_back",
            ));
        }
    };
    let decider = Decider::Connector {
        company: grant.company_id,
        registration: grant.registration_id,
    };
    let decided = state.workflow.decide(decider, object, decision).await;
    let outcome = match &decided {
        Ok(_) => "decided",
        Err(error) => error_outcome(error),
    };
    log_call(grant, object, "workflow", outcome);
    let moved = decided?;
    Ok(Json(json!({"workflow_step": moved.to.as_str()})).into_response())
}

/// `POST {ObjectURI}/exceptions`.
pub(in crate::api) async fn exceptions<const TRAVEL: bool>(
    State(state): State<ApiState>,
    ConnectorCaller(grant): ConnectorCaller,
    path: Result<Path<String>, PathRejection>,
    request: Request,
) -> Result<Response, ServiceError> {
    let object = path_object::<TRAVEL>(path)?;
    let body = json_object(request, &state.limits).await?;
    only_members(&body, &["entry_id", "code", "message"])?;
    let entry_id = match body.get("entry_id") {
        None | Some(Value::Null) => None,
        Some(Value::String(id)) => Some(id.clone()),
        Some(_) => {
            return Err(ServiceError::invalid(
                "entry_id",
                "must be a string or null",
            ));
        }
    };
    let code = bounded_text(&body, "code", MAX_CODE_CHARS)?;
    let message = bounded_text(&body, "message", MAX_MESSAGE_CHARS)?;
    let exception = NewException {
        entry_id,
        code,
        message,
    };
    let added = add_exception(state.store.as_ref(), grant, object, &exception).await;
    log_call(
        grant,
        object,
        "exception",
        if added.is_ok() { "added" } else { "refused" },
    );
    added?;
    Ok(StatusCode::CREATED.into_response())
}

/// `PUT {ObjectURI}/entries/{entry_id}/approved-amount`.
pub(in crate::api) async fn approved_amount<const TRAVEL: bool>(
    State(state): State<ApiState>,
    ConnectorCaller(grant): ConnectorCaller,
    path: Result<Path<(String, String)>, PathRejection>,
    request: Request,
) -> Result<Response, ServiceError> {
    let Ok(Path((id, entry_id))) = path else {
        return Err(ServiceError::not_found());
    };
    let object = object_ref::<TRAVEL>(&id)?;
    let body = json_object(request, &state.limits).await?;
    only_members(&body, &["amount"])?;
    let amount = parse_approved(text_member(&body, "amount")?)?;
    let set = set_approved_amount(state.store.as_ref(), grant, object, &entry_id, amount).await;
    log_call(
        grant,
        object,
        "approved_amount",
        if set.is_ok() { "set" } else { "refused" },
    );
    set?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Parses an approved amount: the form of an entry's amount, or zero.
fn parse_approved(text: &str) -> Result<Amount, ServiceError> {
    match Amount::parse(text) {
        Ok(amount) => Ok(amount),
        Err(rule) if rule == rules::AMOUNT_POSITIVE => Ok(Amount::from_cents(0)),
        Err(rule) => Err(ServiceError::invalid("amount", rule)),
    }
}

fn path_object<const TRAVEL: bool>(
    path: Result<Path<String>, PathRejection>,
) -> Result<ObjectRef, ServiceError> {
    let Ok(Path(id)) = path else {
        return Err(ServiceError::not_found());
    };
    object_ref::<TRAVEL>(&id)
}

/// Reads a JSON body within `limits` that must be an object.
pub(super) async fn json_object(
    request: Request,
    limits: &BodyLimits,
) -> Result<Map<String, Value>, ServiceError> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok());
    if !content_type.is_some_and(|value| has_media_type(value, "application/json")) {
        return Err(ServiceError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "invalid_request",
            "Content-Type must be application/json",
        ));
    }
    let bytes = read_limited(request, limits).await?;
    // serde_json's message may quote the body, so only the position is kept.
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(ServiceError::invalid("body", "must be a JSON object")),
        Err(error) => Err(ServiceError::invalid(
            "body",
            &format!(
                "must be valid JSON (malformed at line {}, column {})",
                error.line(),
                error.column()
            ),
        )),
    }
}

pub(super) fn only_members(body: &Map<String, Value>, known: &[&str]) -> Result<(), ServiceError> {
    match body.keys().find(|name| !known.contains(&name.as_str())) {
        Some(name) => {
            let name: String = name.chars().take(64).collect();
            Err(ServiceError::invalid(&name, "is not a known member"))
        }
        None => Ok(()),
    }
}

pub(super) fn text_member<'a>(
    body: &'a Map<String, Value>,
    name: &str,
) -> Result<&'a str, ServiceError> {
    match body.get(name) {
        Some(Value::String(text)) => Ok(text),
        None | Some(Value::Null) => Err(ServiceError::invalid(name, "is required")),
        Some(_) => Err(ServiceError::invalid(name, "must be a string")),
    }
}

/// Reads a member of 1 to `max` characters after trimming, without control characters.
fn bounded_text(body: &Map<String, Value>, name: &str, max: usize) -> Result<String, ServiceError> {
    let text = text_member(body, name)?.trim();
    let length = text.chars().count();
    if length == 0 || length > max || text.chars().any(char::is_control) {
        let rule = format!("must be 1 to {max} characters without control characters");
        return Err(ServiceError::invalid(name, &rule));
    }
    Ok(text.to_owned())
}

fn error_outcome(error: &crate::workflow::WorkflowError) -> &'static str {
    use crate::workflow::WorkflowError;
    match error {
        WorkflowError::NotFound => "not_found",
        WorkflowError::WrongStep { .. } => "not_waiting",
        WorkflowError::Conflict => "conflict",
        WorkflowError::Store(_) => "store_failed",
        _ => "refused",
    }
}

/// Logs a decision call with its registration and outcome.
fn log_call(grant: ConnectorGrant, object: ObjectRef, call: &'static str, outcome: &'static str) {
    tracing::info!(
        registration_id = grant.registration_id.0,
        object = %object,
        call,
        outcome,
        "connector decision call"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn approved_amount_accepts_zero() {
        assert_eq!(parse_approved("0.00").unwrap().cents(), 0);
        assert_eq!(parse_approved("60.00").unwrap().cents(), 6000);
    }

    #[test]
    fn approved_amount_rejects_negative() {
        assert_eq!(parse_approved("-1").unwrap_err().code, "invalid_request");
    }
}
