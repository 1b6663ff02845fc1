//! Handlers of Verify services: `POST /api/v1/connectors/{id}/verify` and
//! `GET /api/v1/connectors/{id}/verification`.

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};

use super::ApiState;
use super::auth::RegistrationManager;
use super::connectors::registration_id;
use super::errors::ApiError;
use super::views::VerificationView;

/// Runs the conformance suite and returns the new report, whatever its outcome.
pub(super) async fn verify(
    State(state): State<ApiState>,
    RegistrationManager(actor): RegistrationManager,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let id = registration_id(id)?;

    let verification = state.verifier.verify(&actor, id).await?;
    Ok(Json(VerificationView::from(&verification)).into_response())
}

/// Returns the last report, or `404` with its own message before the first run.
pub(super) async fn last_verification(
    State(state): State<ApiState>,
    RegistrationManager(actor): RegistrationManager,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let id = registration_id(id)?;

    let verification = state
        .verifier
        .last(&actor, id)
        .await?
        .ok_or(ApiError::NoVerification)?;
    Ok(Json(VerificationView::from(&verification)).into_response())
}
