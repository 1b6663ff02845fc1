//! `GET {ObjectURI}`: a report or travel request of the caller's company,
//! as JSON for `Accept: application/json` and XML otherwise.

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::caller::ConnectorCaller;
use super::error::ServiceError;
use crate::api::ApiState;
use crate::api::connectors::parse_id;
use crate::api::notifications::{Format, negotiate};
use crate::objects::load_document;
use crate::objects::xml::to_xml;
use crate::workflow::ObjectRef;

/// Names the object of the path: a report, or a travel request when
/// `TRAVEL`. An id that is not a positive whole number names no object.
pub(super) fn object_ref<const TRAVEL: bool>(id: &str) -> Result<ObjectRef, ServiceError> {
    let id = parse_id(id).ok_or_else(ServiceError::not_found)?.0;
    Ok(if TRAVEL {
        ObjectRef::travel_request(id)
    } else {
        ObjectRef::expense_report(id)
    })
}

/// `GET /api/expense/v1/reports/{id}` and `GET /api/travel/v1/requests/{id}`.
pub(in crate::api) async fn get_object<const TRAVEL: bool>(
    State(state): State<ApiState>,
    ConnectorCaller(grant): ConnectorCaller,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response, ServiceError> {
    let Ok(Path(id)) = path else {
        return Err(ServiceError::not_found());
    };
    let object = object_ref::<TRAVEL>(&id)?;
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok());
    let format = negotiate(accept).ok_or_else(|| {
        ServiceError::new(
            StatusCode::NOT_ACCEPTABLE,
            "invalid_request",
            "Accept must allow application/json or application/xml",
        )
    })?;

    let document = load_document(state.store.as_ref(), grant.company_id, object).await?;
    let Some(document) = document else {
        tracing::info!(registration_id = grant.registration_id.0, object = %object, outcome = "not_found", "object read by a connector");
        return Err(ServiceError::not_found());
    };
    tracing::info!(registration_id = grant.registration_id.0, object = %object, outcome = "read", "object read by a connector");
    match format {
        Format::Json => Ok(Json(document).into_response()),
        Format::Xml => {
            let xml = to_xml(&document).map_err(|error| {
                tracing::error!(error = %error, "failed to write the object as XML");
                ServiceError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "server_error",
                    "the host failed to write the object",
                )
            })?;
            Ok((
                [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
                xml,
            )
                .into_response())
        }
    }
}
