//! Client credentials on the registration page: the current client id, and
//! the button that generates new credentials and shows the secret once.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::Response;

use super::{Layout, registration_id, render};
use crate::connector_access::generate_client_credentials;
use crate::domain::{Actor, RegistrationId};
use crate::web::WebState;
use crate::web::csrf::CheckedForm;
use crate::web::errors::PageError;

/// Returns the client id of the registration's credentials, if any. The
/// caller has already checked that the actor may see the registration.
pub(crate) async fn current_client_id(
    state: &WebState,
    id: RegistrationId,
) -> Result<Option<String>, PageError> {
    let stored = state.store.client_credentials_of(id).await?;
    Ok(stored.map(|credentials| credentials.client_id))
}

#[derive(Template)]
#[template(path = "client_credentials.html")]
struct GeneratedPage {
    layout: Layout,
    id: i64,
    name: String,
    client_id: String,
    client_secret: String,
}

/// `POST /registrations/{id}/client-credentials`: generates new credentials,
/// which revokes every token of the old ones, and shows them once. The
/// response carries `Cache-Control: no-store`.
pub(crate) async fn generate(
    State(state): State<WebState>,
    Path(id): Path<String>,
    form: CheckedForm,
) -> Result<Response, PageError> {
    let actor: &Actor = form.signed_in.manager()?;
    let id = registration_id(&id)?;
    let registration = state.registrations.get(actor, id).await?;
    let credentials =
        generate_client_credentials(state.store.as_ref(), &state.registrations, actor, id).await?;
    let page = GeneratedPage {
        layout: Layout::signed_in(
            &format!("Client credentials: {}", registration.name),
            &form.signed_in,
        ),
        id: id.0,
        name: registration.name.to_string(),
        client_id: credentials.client_id,
        client_secret: credentials.client_secret.expose().to_owned(),
    };
    let mut response = render(&page);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
