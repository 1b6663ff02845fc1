//! The item web services of Launch External URL: `GET {item_url}` reads a
//! report, entry or allocation with its launch fields, and
//! `PUT {item_url}/custom-fields/{code}` sets one launch field's value.
//!
//! A token from the `client_credentials` grant reaches every item of its
//! registration's company. A token from a launch code reaches only items of
//! reports that its user owns; other items get `404`, as unknown ones do.

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::caller::ItemCaller;
use super::decisions::{json_object, only_members, text_member};
use super::error::ServiceError;
use crate::api::connectors::parse_id;
use crate::api::{ApiState, BodyLimits};
use crate::connector_access::ConnectorGrant;
use crate::domain::launch_fields::{LaunchField, LaunchObjectType, launch_version};
use crate::sandbox::model::{ExpenseEntry, ExpenseReportId, LaunchItem, LaunchObject};
use crate::workflow::Step;
use crate::sandbox::values::format_date;

/// Largest body of `PUT {item_url}/custom-fields/{code}`: the longest value
/// (2000 characters, each at most 4 bytes of UTF-8) fits with room for JSON escapes.
const MAX_VALUE_BODY_BYTES: usize = 8 * 1024;

/// Object types of the item routes, as the const parameter of the handlers.
pub(super) const HEADER: u8 = 0;
pub(super) const ENTRY: u8 = 1;
pub(super) const ALLOCATION: u8 = 2;

fn object_type<const KIND: u8>() -> LaunchObjectType {
    match KIND {
        HEADER => LaunchObjectType::Header,
        ENTRY => LaunchObjectType::Entry,
        _ => LaunchObjectType::Allocation,
    }
}

/// `GET /api/expense/v1/items/{reports|entries|allocations}/{id}`.
pub(in crate::api) async fn get_item<const KIND: u8>(
    State(state): State<ApiState>,
    ItemCaller(grant): ItemCaller,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ServiceError> {
    let object = path.ok().and_then(|Path(id)| item_object::<KIND>(&id));
    let outcome = match object {
        Some(object) => read_item(&state, grant, object).await,
        None => Err(item_not_found()),
    };
    log_item_call(grant, object, "read", None, &outcome, "read");
    Ok(Json(outcome?).into_response())
}

/// `PUT /api/expense/v1/items/{reports|entries|allocations}/{id}/custom-fields/{code}`
/// with the JSON body `{"value": "..."}`.
pub(in crate::api) async fn put_custom_field<const KIND: u8>(
    State(state): State<ApiState>,
    ItemCaller(grant): ItemCaller,
    path: Result<Path<(String, String)>, PathRejection>,
    request: Request,
) -> Result<Response, ServiceError> {
    let (object, code) = match path {
        Ok(Path((id, code))) => (item_object::<KIND>(&id), code),
        Err(_) => (None, String::new()),
    };
    let outcome = match object {
        Some(object) => put_value(&state, grant, object, &code, request).await,
        None => Err(item_not_found()),
    };
    let field = field_code_for_log(&code);
    log_item_call(
        grant,
        object,
        "set_custom_field",
        Some(field),
        &outcome,
        "set",
    );
    Ok(Json(outcome?).into_response())
}

async fn read_item(
    state: &ApiState,
    grant: ConnectorGrant,
    object: LaunchObject,
) -> Result<Value, ServiceError> {
    let item = reachable_item(state, grant, object).await?;
    item_json(state, grant, &item).await
}

/// Reads the body `{"value": "..."}` of at most 8 KiB and sets the value.
async fn put_value(
    state: &ApiState,
    grant: ConnectorGrant,
    object: LaunchObject,
    code: &str,
    request: Request,
) -> Result<Value, ServiceError> {
    let limits = BodyLimits {
        body_bytes: MAX_VALUE_BODY_BYTES.min(state.limits.body_bytes),
        body_read: state.limits.body_read,
    };
    let body = json_object(request, &limits).await?;
    only_members(&body, &["value"])?;
    let value = text_member(&body, "value")?;
    set_value(state, grant, object, code, value).await
}

/// Checks the field and the value, stores it and returns the item's JSON.
async fn set_value(
    state: &ApiState,
    grant: ConnectorGrant,
    object: LaunchObject,
    code: &str,
    value: &str,
) -> Result<Value, ServiceError> {
    let item = reachable_item(state, grant, object).await?;
    let field = state
        .store
        .launch_field_by_code(grant.company_id, code)
        .await?
        .filter(|field| field.object_type == object.object_type())
        .ok_or_else(|| {
            ServiceError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!(
                    "no launch field with this code for {} items in the company",
                    object.object_type()
                ),
            )
        })?;
    if field.registration_id != grant.registration_id {
        return Err(ServiceError::new(
            StatusCode::FORBIDDEN,
            "insufficient_scope",
            "the launch field is bound to another registration",
        ));
    }
    let registration = state
        .store
        .registration(grant.company_id, grant.registration_id)
        .await?;
    if registration.as_ref().and_then(launch_version).is_none() {
        return Err(ServiceError::new(
            StatusCode::CONFLICT,
            "service_disabled",
            "the launch-external-url service of the field's registration is not active: it is disabled or the registration is not verified",
        ));
    }
    if !item.report.step.is_editable() {
        return Err(not_editable(item.report.step));
    }
    let value = field
        .parse_value(value)
        .map_err(|rule| ServiceError::invalid("value", rule))?;
    let report = ExpenseReportId(item.report.object.id);
    let locked = state
        .store
        .set_custom_field_value(
            report,
            field.id,
            object.id(),
            &value,
            time::OffsetDateTime::now_utc(),
        )
        .await?;
    if let Some(step) = locked {
        return Err(not_editable(step));
    }
    item_json(state, grant, &item).await
}

/// Returns the `409` of a report that is not in an editable step.
fn not_editable(step: Step) -> ServiceError {
    ServiceError::new(
        StatusCode::CONFLICT,
        "not_editable",
        format!(
            "the report is in step {}; values can be set only in NOT_SUBMITTED and SENT_BACK",
            step.as_str()
        ),
    )
}

/// Names the item of the path, or none when the id is not a positive whole number.
fn item_object<const KIND: u8>(id: &str) -> Option<LaunchObject> {
    let id = parse_id(id)?.0;
    Some(LaunchObject::new(object_type::<KIND>(), id))
}

/// Loads an item of the caller's company that the token reaches.
async fn reachable_item(
    state: &ApiState,
    grant: ConnectorGrant,
    object: LaunchObject,
) -> Result<LaunchItem, ServiceError> {
    let item = state
        .store
        .launch_item(grant.company_id, object)
        .await?
        .ok_or_else(item_not_found)?;
    if grant.user.is_some_and(|user| user != item.report.owner) {
        return Err(item_not_found());
    }
    Ok(item)
}

fn item_not_found() -> ServiceError {
    ServiceError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such item that this access token reaches",
    )
}

/// Returns the item's JSON with every launch field of its object type in
/// the company and the values stored on it.
async fn item_json(
    state: &ApiState,
    grant: ConnectorGrant,
    item: &LaunchItem,
) -> Result<Value, ServiceError> {
    let object_type = item.object.object_type();
    let fields: Vec<LaunchField> = state
        .store
        .launch_fields(grant.company_id)
        .await?
        .into_iter()
        .filter(|field| field.object_type == object_type)
        .collect();
    let values = state
        .store
        .custom_field_values(grant.company_id, object_type, item.object.id())
        .await?;
    let custom_fields: Vec<Value> = fields
        .iter()
        .map(|field| {
            json!({
                "code": field.code,
                "label": field.label,
                "multiline": field.multiline,
                "value": values.get(&field.id).map(String::as_str).unwrap_or(""),
            })
        })
        .collect();

    let report = &item.report;
    let mut body = json!({
        "type": object_type.as_str(),
        "id": item.object.id().to_string(),
        "report_id": report.object.id.to_string(),
        "report_name": report.name,
        "owner_login": report.owner_login,
        "step": report.step.as_str(),
    });
    if let Some(entry) = &item.entry {
        body["entry"] = entry_json(entry);
    }
    if let Some(allocation) = &item.allocation {
        body["allocation"] = json!({"percentage": allocation.percentage});
    }
    body["custom_fields"] = Value::Array(custom_fields);
    Ok(body)
}

fn entry_json(entry: &ExpenseEntry) -> Value {
    let fields = &entry.fields;
    json!({
        "id": entry.id.0.to_string(),
        "expense_type": fields.expense_type.label(),
        "date": format_date(fields.transaction_date),
        "amount": fields.amount.to_string(),
        "currency": fields.currency.as_str(),
        "business_purpose": fields.business_purpose.as_str(),
    })
}

/// Returns the field code of the path for a log line: at most 32
/// characters of `[A-Za-z0-9_]`, or `-` for anything else, because the path
/// is caller input.
fn field_code_for_log(code: &str) -> &str {
    let valid = !code.is_empty()
        && code.len() <= 32
        && code
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_');
    if valid { code } else { "-" }
}

/// Logs one item call with its registration, user, item, field and
/// outcome (`success` or the error code), never a value.
fn log_item_call<T>(
    grant: ConnectorGrant,
    object: Option<LaunchObject>,
    call: &'static str,
    field: Option<&str>,
    outcome: &Result<T, ServiceError>,
    success: &'static str,
) {
    let outcome = match outcome {
        Ok(_) => success,
        Err(error) => error.code,
    };
    tracing::info!(
        registration_id = grant.registration_id.0,
        user_id = grant.user.map(|user| user.0),
        item = object.map(tracing::field::display),
        call,
        field,
        outcome,
        "item web service call"
    );
}
