//! Handlers of `/api/v1/launch-fields`: the launch fields of the caller's company.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::ApiState;
use super::auth::RegistrationManager;
use super::body::JsonBody;
use super::errors::ApiError;
use super::input::launch_field_input;
use super::views::LaunchFieldView;
use crate::domain::launch_admin::{create_launch_field, list_launch_fields};

pub(super) async fn list(
    State(state): State<ApiState>,
    RegistrationManager(actor): RegistrationManager,
) -> Result<Response, ApiError> {
    let fields = list_launch_fields(state.store.as_ref(), &actor).await?;

    let views: Vec<LaunchFieldView> = fields.iter().map(LaunchFieldView::from).collect();
    Ok(Json(json!({ "launch_fields": views })).into_response())
}

pub(super) async fn create(
    State(state): State<ApiState>,
    RegistrationManager(actor): RegistrationManager,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let input = launch_field_input(&body)?;

    let field = create_launch_field(state.store.as_ref(), &actor, &input).await?;
    Ok((StatusCode::CREATED, Json(LaunchFieldView::from(&field))).into_response())
}
