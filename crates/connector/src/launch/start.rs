//! The signed launch requests: verify, record the nonce, exchange the code, open a session.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use protocol::{LaunchCredentials, LaunchV1, LaunchV4};

use super::error::LaunchFailure;
use super::session::SessionId;
use super::{LaunchState, check_field_code, list_language};
use crate::config::Secret;
use crate::notifications::host::{HostError, ObjectPath, UserTokens};
use crate::notifications::now_ms;
use crate::store::{LaunchSession, LaunchVersion, NonceOutcome};

/// A launch whose signature matched, in the terms both versions share.
struct VerifiedLaunch {
    version: LaunchVersion,
    user_id: String,
    /// Name of the item URL parameter in this version, for messages.
    item_url_name: &'static str,
    item_url: String,
    nonce: String,
    field: String,
    /// List language, such as `EN`; empty for the list's default.
    language: String,
    /// The version 4 `client_auth_code`.
    code: Option<Secret>,
}

pub(crate) async fn start_v1(
    State(state): State<Arc<LaunchState>>,
    RawQuery(query): RawQuery,
) -> Response {
    let query = query.unwrap_or_default();
    let verified =
        LaunchV1::verify_query(&query, credentials(&state)).map(|launch| VerifiedLaunch {
            version: LaunchVersion::V1,
            user_id: launch.user_id,
            item_url_name: "itemurl",
            item_url: launch.item_url,
            nonce: launch.nonce,
            field: state.settings.v1_field.clone(),
            language: String::new(),
            code: None,
        });
    finish(
        &state,
        LaunchVersion::V1,
        verified.map_err(LaunchFailure::from),
    )
    .await
}

pub(crate) async fn start_v4(
    State(state): State<Arc<LaunchState>>,
    RawQuery(query): RawQuery,
) -> Response {
    let query = query.unwrap_or_default();
    let verified = LaunchV4::verify_query(&query, credentials(&state))
        .map_err(LaunchFailure::from)
        .and_then(|launch| {
            // The field is not signed, and it becomes a path segment of the
            // host's web services.
            check_field_code(&launch.custom_field_launched_from).map_err(|rule| {
                LaunchFailure::FieldCode {
                    name: "custom_field_launched_from",
                    rule,
                }
            })?;
            Ok(VerifiedLaunch {
                version: LaunchVersion::V4,
                user_id: launch.logged_in_user_id,
                item_url_name: "item_url",
                item_url: launch.item_url,
                nonce: launch.nonce,
                field: launch.custom_field_launched_from,
                language: list_language(&launch.language_code),
                code: Some(Secret::new(launch.client_auth_code)),
            })
        });
    finish(&state, LaunchVersion::V4, verified).await
}

fn credentials(state: &LaunchState) -> LaunchCredentials<'_> {
    LaunchCredentials {
        username: &state.username,
        password: state.password.expose(),
    }
}

/// Runs the checks after the signature, logs one line and builds the response.
async fn finish(
    state: &LaunchState,
    version: LaunchVersion,
    verified: Result<VerifiedLaunch, LaunchFailure>,
) -> Response {
    let user_id = verified.as_ref().ok().map(|launch| launch.user_id.clone());
    let outcome = match verified {
        Ok(launch) => open_session(state, launch).await,
        Err(failure) => Err(failure),
    };
    match outcome {
        Ok(session_id) => {
            tracing::info!(version = version.number(), user = ?user_id, outcome = "accepted", "launch request");
            let location = format!("/launch/{}", session_id.encode());
            let mut response = StatusCode::SEE_OTHER.into_response();
            // The encoded id is Base64url, a valid header value.
            if let Ok(value) = HeaderValue::from_str(&location) {
                response.headers_mut().insert(header::LOCATION, value);
            }
            response
        }
        Err(failure) => {
            tracing::info!(
                version = version.number(),
                user = ?user_id,
                outcome = "rejected",
                check = failure.check(),
                reason = ?failure.to_string(),
                "launch request"
            );
            failure.into_response()
        }
    }
}

async fn open_session(
    state: &LaunchState,
    launch: VerifiedLaunch,
) -> Result<SessionId, LaunchFailure> {
    let item = ObjectPath::within(state.host.origin(), &launch.item_url).map_err(|_| {
        LaunchFailure::item_url_rejected(
            launch.item_url_name,
            &launch.item_url,
            state.host.origin(),
        )
    })?;

    // NOTE: a version 1 query carries no time, so once its nonce is pruned
    // after the replay window, the same URL opens a session again.
    // The signature covers the nonce as sent, so another letter case would
    // fail it; folding only keeps the stored keys uniform.
    let now = now_ms();
    let window_ms = i64::try_from(state.settings.replay_window().as_millis()).unwrap_or(i64::MAX);
    let recorded = state
        .sessions
        .record_nonce(
            &launch.nonce.to_ascii_lowercase(),
            now,
            now.saturating_add(window_ms),
        )
        .await
        .map_err(LaunchFailure::from_store)?;
    if recorded == NonceOutcome::Replayed {
        return Err(LaunchFailure::NonceUsed);
    }

    let tokens = match &launch.code {
        Some(code) => Some(exchange_code(state, code).await?),
        None => None,
    };

    let session_id = SessionId::generate();
    let lifetime_ms =
        i64::try_from(state.settings.session_lifetime().as_millis()).unwrap_or(i64::MAX);
    let session = LaunchSession {
        id_hash: session_id.hash(),
        version: launch.version,
        user_id: launch.user_id,
        item_url: format!("{}{}", state.host.origin(), item),
        field: launch.field,
        language: launch.language,
        sealed_tokens: tokens.as_ref().map(|tokens| session_id.seal(tokens)),
        expires_at_ms: now.saturating_add(lifetime_ms),
    };
    state
        .sessions
        .insert_session(&session)
        .await
        .map_err(LaunchFailure::from_store)?;
    Ok(session_id)
}

/// Exchanges the launch code. A `400` from the token endpoint (unknown,
/// expired or used code) rejects the launch with `403`; anything else is
/// the host's failure and gives `502`.
async fn exchange_code(state: &LaunchState, code: &Secret) -> Result<UserTokens, LaunchFailure> {
    let settings = &state.settings;
    state
        .host
        .exchange_launch_code(
            code,
            &settings.oauth_client_id,
            settings.oauth_client_secret(),
            &settings.redirect_url,
        )
        .await
        .map_err(|error| match error {
            HostError::GrantRefused { status: 400, .. } => LaunchFailure::ExchangeRefused(error),
            other => LaunchFailure::ExchangeFailed(other),
        })
}
