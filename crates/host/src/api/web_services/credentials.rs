//! `POST /api/v1/connectors/{id}/client-credentials`: new client credentials
//! of a registration, shown once.

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::api::ApiState;
use crate::api::auth::RegistrationManager;
use crate::api::connectors::registration_id;
use crate::api::errors::ApiError;
use crate::connector_access::generate_client_credentials;

pub(in crate::api) async fn generate(
    State(state): State<ApiState>,
    RegistrationManager(actor): RegistrationManager,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let id = registration_id(id)?;
    let credentials =
        generate_client_credentials(state.store.as_ref(), &state.registrations, &actor, id).await?;
    let body = json!({
        "registration_id": credentials.registration_id.0,
        "client_id": credentials.client_id,
        "client_secret": credentials.client_secret.expose(),
        "token_endpoint": "/oauth2/v0/token",
    });
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
