//! The pages of a launch session: the list search, Done, Cancel and the closing script.

use std::sync::Arc;

use askama::Template;
use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use protocol::{ListItem, SearchBy};
use serde::Deserialize;

use super::LaunchState;
use super::error::LaunchFailure;
use super::session::SessionId;
use crate::notifications::host::{HostError, ObjectPath};
use crate::notifications::now_ms;
use crate::store::{LaunchSession, LaunchVersion, ListQuery};

/// Most items the list page shows.
const MAX_ITEMS: usize = 50;

/// Most characters of a search text.
const MAX_QUERY_CHARS: usize = 100;

/// Most characters of a list code in the Done form.
const MAX_CODE_CHARS: usize = 200;

/// The script every closing page loads: the pages carry no inline script,
/// because the Content-Security-Policy allows scripts from the connector only.
const CLOSE_SCRIPT: &str = "window.close();\n";

#[derive(Deserialize)]
pub(crate) struct SearchParameters {
    #[serde(default)]
    q: String,
}

#[derive(Deserialize)]
pub(crate) struct ChoiceForm {
    code: String,
}

#[derive(Template)]
#[template(path = "launch_select.html")]
struct SelectPage<'a> {
    session_id: &'a str,
    field: &'a str,
    user_id: &'a str,
    query: &'a str,
    max_query_chars: usize,
    items: Vec<ListItem>,
    truncated: bool,
}

#[derive(Template)]
#[template(path = "launch_closed.html")]
struct ClosedPage {
    title: &'static str,
    message: String,
}

/// Renders a template as an HTML response.
pub(super) fn html_page(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => {
            let mut response = (status, html).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            response
        }
        Err(error) => {
            tracing::error!(%error, "failed to render a launch page");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the page could not be rendered\n",
            )
                .into_response()
        }
    }
}

pub(crate) async fn close_script() -> Response {
    let mut response = CLOSE_SCRIPT.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/javascript; charset=utf-8"),
    );
    response
}

/// `GET /launch/{session}?q=TEXT`: the items whose text or code begins with `q`.
pub(crate) async fn show_list(
    State(state): State<Arc<LaunchState>>,
    Path(encoded_id): Path<String>,
    parameters: Result<Query<SearchParameters>, QueryRejection>,
) -> Response {
    let shown = async {
        let (_, session) = find_session(&state, &encoded_id).await?;
        let Query(parameters) = parameters.map_err(|_| {
            LaunchFailure::BadInput("the query string must be q=TEXT, URL-encoded".to_owned())
        })?;
        let query = check_query(&parameters.q)?;
        let (items, truncated) = search_items(&state, &session, &query).await?;
        let page = SelectPage {
            session_id: &encoded_id,
            field: &session.field,
            user_id: &session.user_id,
            query: &query,
            max_query_chars: MAX_QUERY_CHARS,
            items,
            truncated,
        };
        Ok::<_, LaunchFailure>(html_page(StatusCode::OK, &page))
    };
    shown.await.unwrap_or_else(IntoResponse::into_response)
}

/// `POST /launch/{session}/done` with `code`: writes `text (code)` to the field.
pub(crate) async fn choose_item(
    State(state): State<Arc<LaunchState>>,
    Path(encoded_id): Path<String>,
    form: Result<Form<ChoiceForm>, FormRejection>,
) -> Response {
    let session = match find_session(&state, &encoded_id).await {
        Ok(found) => found,
        Err(failure) => return failure.into_response(),
    };
    let (session_id, session) = session;
    let written = async {
        let Form(form) = form.map_err(|_| {
            LaunchFailure::BadInput(
                "the form must carry `code`, URL-encoded as application/x-www-form-urlencoded"
                    .to_owned(),
            )
        })?;
        let item = find_item(&state, &session, &form.code).await?;
        let value = format!("{} ({})", item.text, item.code);
        write_value(&state, &session_id, &session, &value).await?;
        Ok::<_, LaunchFailure>(value)
    };
    match written.await {
        Ok(value) => {
            tracing::info!(
                version = session.version.number(),
                user = ?session.user_id,
                field = %session.field,
                item_url = %session.item_url,
                outcome = "written",
                "launch value written"
            );
            end_session(&state, &session_id).await;
            let page = ClosedPage {
                title: "Value saved",
                message: format!("{} is now {value}.", session.field),
            };
            html_page(StatusCode::OK, &page)
        }
        Err(failure) => {
            tracing::info!(
                version = session.version.number(),
                user = ?session.user_id,
                field = %session.field,
                outcome = "failed",
                check = failure.check(),
                reason = ?failure.to_string(),
                "launch value not written"
            );
            failure.into_page(Some(encoded_id))
        }
    }
}

/// `POST /launch/{session}/cancel`: ends the session without a write.
pub(crate) async fn cancel(
    State(state): State<Arc<LaunchState>>,
    Path(encoded_id): Path<String>,
) -> Response {
    let (session_id, _) = match find_session(&state, &encoded_id).await {
        Ok(found) => found,
        Err(failure) => return failure.into_response(),
    };
    end_session(&state, &session_id).await;
    let page = ClosedPage {
        title: "Cancelled",
        message: "Nothing was changed.".to_owned(),
    };
    html_page(StatusCode::OK, &page)
}

async fn find_session(
    state: &LaunchState,
    encoded_id: &str,
) -> Result<(SessionId, LaunchSession), LaunchFailure> {
    let session_id = SessionId::parse(encoded_id).ok_or(LaunchFailure::SessionNotFound)?;
    let session = state
        .sessions
        .find_session(&session_id.hash(), now_ms())
        .await
        .map_err(LaunchFailure::from_store)?
        .ok_or(LaunchFailure::SessionNotFound)?;
    Ok((session_id, session))
}

async fn end_session(state: &LaunchState, session_id: &SessionId) {
    // The session expires anyway; a failed delete only leaves it usable until then.
    if let Err(error) = state.sessions.delete_session(&session_id.hash()).await {
        tracing::warn!(error = %crate::server::errors::error_chain(&error), "failed to delete a finished launch session");
    }
}

/// Trims the search text and checks its length. `*` is removed, because
/// the list search reads it as a wildcard and the page offers "begins with" only.
fn check_query(text: &str) -> Result<String, LaunchFailure> {
    let query: String = text
        .trim()
        .chars()
        .filter(|character| *character != '*')
        .collect();
    if query.chars().count() > MAX_QUERY_CHARS {
        return Err(LaunchFailure::BadInput(format!(
            "parameter `q` is longer than {MAX_QUERY_CHARS} characters"
        )));
    }
    if query.chars().any(char::is_control) {
        return Err(LaunchFailure::BadInput(
            "parameter `q` must not contain control characters".to_owned(),
        ));
    }
    Ok(query)
}

/// Searches the first level of the list by text, then by code, and returns
/// at most [`MAX_ITEMS`] distinct items with whether more matched.
///
/// NOTE: items below the first level of a hierarchical list are never offered.
async fn search_items(
    state: &LaunchState,
    session: &LaunchSession,
    query: &str,
) -> Result<(Vec<ListItem>, bool), LaunchFailure> {
    let pattern = format!("{query}*");
    let mut searches = vec![SearchBy::Text];
    if !query.is_empty() {
        searches.push(SearchBy::Code);
    }

    let mut items: Vec<ListItem> = Vec::new();
    for search_by in searches {
        let list_query = ListQuery {
            list_name: state.settings.list.clone(),
            parent_long_code: String::new(),
            query: pattern.clone(),
            search_by,
            lang_code: session.language.clone(),
            limit: MAX_ITEMS + 1,
        };
        let found = state
            .store
            .search_list(&list_query)
            .await
            .map_err(LaunchFailure::from_store)?;
        for item in found {
            if !items.iter().any(|seen| seen.code == item.code) {
                items.push(item);
            }
        }
    }
    let truncated = items.len() > MAX_ITEMS;
    items.truncate(MAX_ITEMS);
    Ok((items, truncated))
}

/// Finds the first-level item whose code is exactly `code`, with its text
/// in the session's language.
async fn find_item(
    state: &LaunchState,
    session: &LaunchSession,
    code: &str,
) -> Result<ListItem, LaunchFailure> {
    let not_found = || LaunchFailure::ItemNotFound {
        code: code.chars().take(MAX_CODE_CHARS).collect(),
    };
    if code.is_empty() || code.chars().count() > MAX_CODE_CHARS || code.contains('*') {
        return Err(not_found());
    }
    let list_query = ListQuery {
        list_name: state.settings.list.clone(),
        parent_long_code: String::new(),
        query: code.to_owned(),
        search_by: SearchBy::Code,
        lang_code: session.language.clone(),
        limit: MAX_ITEMS,
    };
    let found = state
        .store
        .search_list(&list_query)
        .await
        .map_err(LaunchFailure::from_store)?;
    found
        .into_iter()
        .find(|item| item.code == code)
        .ok_or_else(not_found)
}

/// Writes the value with the session's means: the client-credentials token
/// for version 1, the user's token for version 4, refreshed once on `401`.
async fn write_value(
    state: &LaunchState,
    session_id: &SessionId,
    session: &LaunchSession,
    value: &str,
) -> Result<(), LaunchFailure> {
    let host = &state.host;
    // The item URL was checked when the session was created; checking again
    // keeps the token on the configured host even if the stored row changed.
    let item = ObjectPath::within(host.origin(), &session.item_url).map_err(|_| {
        LaunchFailure::item_url_rejected("item_url", &session.item_url, host.origin())
    })?;

    if session.version == LaunchVersion::V1 {
        return host
            .put_custom_field(&item, &session.field, value)
            .await
            .map_err(LaunchFailure::WriteFailed);
    }

    let tokens = session
        .sealed_tokens
        .as_deref()
        .and_then(|sealed| session_id.open(sealed))
        .ok_or(LaunchFailure::TokensUnreadable)?;
    let first = host
        .put_custom_field_as_user(&item, &session.field, value, &tokens.access)
        .await;
    let Err(HostError::Unauthorized) = first else {
        return first.map_err(LaunchFailure::WriteFailed);
    };
    let Some(refresh) = &tokens.refresh else {
        return Err(LaunchFailure::WriteFailed(HostError::Unauthorized));
    };

    tracing::info!(user = ?session.user_id, "the host rejected the launch access token; refreshing it");
    let refreshed = host
        .refresh_user_tokens(
            refresh,
            &state.settings.oauth_client_id,
            state.settings.oauth_client_secret(),
        )
        .await
        .map_err(LaunchFailure::WriteFailed)?;
    state
        .sessions
        .replace_session_tokens(&session_id.hash(), &session_id.seal(&refreshed))
        .await
        .map_err(LaunchFailure::from_store)?;
    host.put_custom_field_as_user(&item, &session.field, value, &refreshed.access)
        .await
        .map_err(LaunchFailure::WriteFailed)
}
