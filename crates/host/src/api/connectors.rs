//! Handlers of `/api/v1/connectors`: registrations, their services, Test Connection and audit trail.

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::ApiState;
use super::auth::RegistrationManager;
use super::body::JsonBody;
use super::errors::ApiError;
use super::input::{registration_input, service_input};
use super::views::{AuditEntryView, RegistrationView};
use crate::domain::{RegistrationId, ServiceKind};

pub(super) async fn list_connectors(
    State(state): State<ApiState>,
    RegistrationManager(actor): RegistrationManager,
) -> Result<Response, ApiError> {
    let registrations = state.registrations.list(&actor).await?;

    let views: Vec<RegistrationView> = registrations.iter().map(RegistrationView::from).collect();
    Ok(Json(json!({ "connectors": views })).into_response())
}

pub(super) async fn create_connector(
    State(state): State<ApiState>,
    RegistrationManager(actor): RegistrationManager,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let input = registration_input(&body)?;

    let registration = state.registrations.create(&actor, &input).await?;

    let location = format!("/api/v1/connectors/{}", registration.id.0);
    let mut response = (
        StatusCode::CREATED,
        Json(RegistrationView::from(&registration)),
    )
        .into_response();
    if let Ok(location) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

pub(super) async fn get_connector(
    State(state): State<ApiState>,
    RegistrationManager(actor): RegistrationManager,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<RegistrationView>, ApiError> {
    let id = registration_id(id)?;

    let registration = state.registrations.get(&actor, id).await?;
    Ok(Json(RegistrationView::from(&registration)))
}

pub(super) async fn update_connector(
    State(state): State<ApiState>,
    RegistrationManager(actor): RegistrationManager,
    id: Result<Path<String>, PathRejection>,
    JsonBody(body): JsonBody,
) -> Result<Json<RegistrationView>, ApiError> {
    let id = registration_id(id)?;
    let input = registration_input(&body)?;

    let registration = state.registrations.update(&actor, id, &input).await?;
    Ok(Json(RegistrationView::from(&registration)))
}

/// Rejects every DELETE, because registrations are never deleted; the
/// message explains how to deactivate one.
pub(super) async fn delete_connector(RegistrationManager(_actor): RegistrationManager) -> ApiError {
    ApiError::DeleteRefused
}

pub(super) async fn test_connection(
    State(state): State<ApiState>,
    RegistrationManager(actor): RegistrationManager,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<RegistrationView>, ApiError> {
    let id = registration_id(id)?;

    let registration = state.registrations.test_connection(&actor, id).await?;
    Ok(Json(RegistrationView::from(&registration)))
}

pub(super) async fn configure_service(
    State(state): State<ApiState>,
    RegistrationManager(actor): RegistrationManager,
    path: Result<Path<(String, String)>, PathRejection>,
    JsonBody(body): JsonBody,
) -> Result<Json<RegistrationView>, ApiError> {
    let Ok(Path((id, service))) = path else {
        return Err(ApiError::NotFound);
    };
    let id = parse_id(&id).ok_or(ApiError::NotFound)?;
    let kind = ServiceKind::parse(&service).ok_or(ApiError::NotFound)?;
    let input = service_input(kind, &body)?;

    let registration = state
        .registrations
        .configure_service(&actor, id, kind, &input)
        .await?;
    Ok(Json(RegistrationView::from(&registration)))
}

pub(super) async fn audit_trail(
    State(state): State<ApiState>,
    RegistrationManager(actor): RegistrationManager,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let id = registration_id(id)?;

    let entries = state.registrations.audit_trail(&actor, id).await?;

    let views: Vec<AuditEntryView> = entries.iter().map(AuditEntryView::from).collect();
    Ok(Json(json!({ "entries": views })).into_response())
}

/// Parses the id of the path. An id that is not a positive whole number
/// names no registration, so it gets `404`.
pub(super) fn registration_id(
    path: Result<Path<String>, PathRejection>,
) -> Result<RegistrationId, ApiError> {
    let Ok(Path(text)) = path else {
        return Err(ApiError::NotFound);
    };
    parse_id(&text).ok_or(ApiError::NotFound)
}

pub(super) fn parse_id(text: &str) -> Option<RegistrationId> {
    let digits_only =
        !text.is_empty() && text.len() <= 18 && text.bytes().all(|byte| byte.is_ascii_digit());
    if !digits_only {
        return None;
    }
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .map(RegistrationId)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_id_accepts_digits() {
        assert_eq!(parse_id("42"), Some(RegistrationId(42)));
    }

    #[test]
    fn parse_id_rejects_sign() {
        assert_eq!(parse_id("+42"), None);
    }

    #[test]
    fn parse_id_rejects_zero() {
        assert_eq!(parse_id("0"), None);
    }

    #[test]
    fn parse_id_rejects_overflow() {
        assert_eq!(parse_id("99999999999999999999"), None);
    }
}
