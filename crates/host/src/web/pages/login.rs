//! Sign-in and sign-out.
//!
//! The sign-in form has no session yet, so its CSRF token is a random value
//! kept in a short-lived cookie and echoed by the form (double submit):
//! another site can neither read the cookie nor, with SameSite=Strict, make
//! the browser send it.

use std::time::Instant;

use askama::Template;
use axum::extract::{FromRequestParts, Query, Request, State};
use axum::response::Response;
use connector::Secret;
use connector::auth::client_address;

use super::{Layout, NoticeQuery, notice_text, render, see_other, with_cookies};
use crate::domain::accounts::{actor_for_password, api_token_hash};
use crate::web::WebState;
use crate::web::csrf::{CSRF_FIELD, CheckedForm, random_token, tokens_match};
use crate::web::errors::PageError;
use crate::web::form::read_form;
use crate::web::session::{self, SignedIn, cookie_value};

/// How long the sign-in form stays valid, in seconds.
const LOGIN_FORM_SECS: u64 = 3600;

/// Maximum lengths of a login and a password; longer ones fail without a lookup.
const MAX_LOGIN_BYTES: usize = 512;
const MAX_PASSWORD_BYTES: usize = 1024;

const WRONG_CREDENTIALS: &str = "The login or password is wrong.";

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    csrf_token: String,
    login: String,
    error: Option<&'static str>,
    notice: Option<&'static str>,
}

/// `GET /login`: the sign-in form, or the home page for a signed-in user.
pub(crate) async fn form(
    State(state): State<WebState>,
    request: Request,
) -> Result<Response, PageError> {
    let (mut parts, _) = request.into_parts();
    match SignedIn::from_request_parts(&mut parts, &state).await {
        Ok(_) => return Ok(see_other("/")),
        Err(PageError::SignInRequired) => {}
        Err(error) => return Err(error),
    }
    let notice = Query::<NoticeQuery>::try_from_uri(&parts.uri)
        .ok()
        .and_then(|Query(query)| notice_text(query.notice.as_deref()));

    let token = random_token();
    let page = LoginPage {
        layout: Layout::anonymous("Sign in"),
        csrf_token: token.clone(),
        login: String::new(),
        error: None,
        notice,
    };
    let settings = &state.sessions;
    let cookie = settings.set_cookie(settings.login_cookie_name(), &token, Some(LOGIN_FORM_SECS));
    Ok(with_cookies(render(&page), [cookie]))
}

/// `POST /login`: checks the form token, the throttle and the password,
/// then starts a session and goes to the home page.
pub(crate) async fn submit(
    State(state): State<WebState>,
    request: Request,
) -> Result<Response, PageError> {
    let client = client_address(&request);
    state
        .login_throttle
        .check(client, Instant::now())
        .map_err(PageError::Throttled)?;

    let settings = &state.sessions;
    let expected = cookie_value(request.headers(), settings.login_cookie_name())
        .unwrap_or_default()
        .to_owned();
    let previous_session =
        cookie_value(request.headers(), settings.session_cookie_name()).map(str::to_owned);
    let fields = read_form(request, &state.body_limits).await?;
    if !tokens_match(&expected, fields.text(CSRF_FIELD)) {
        tracing::warn!(client = %client, "sign-in rejected: CSRF token missing or wrong");
        return Err(PageError::CsrfRejected);
    }

    let login = fields.text("login").unwrap_or_default();
    let password = Secret::new(fields.text("password").unwrap_or_default());
    let actor = if login.len() <= MAX_LOGIN_BYTES && password.expose().len() <= MAX_PASSWORD_BYTES {
        actor_for_password(state.store.as_ref(), login, &password).await?
    } else {
        None
    };

    let Some(actor) = actor else {
        let limit_reached = state.login_throttle.record_failure(client, Instant::now());
        // Neither the login nor the password is logged: a user who types
        // the password into the login field would leak it.
        tracing::warn!(client = %client, "sign-in failed");
        if limit_reached {
            tracing::warn!(client = %client, "too many failed sign-ins; throttling the client");
        }
        let page = LoginPage {
            layout: Layout::anonymous("Sign in"),
            csrf_token: expected,
            login: login.chars().take(MAX_LOGIN_BYTES).collect(),
            error: Some(WRONG_CREDENTIALS),
            notice: None,
        };
        return Ok(render(&page));
    };

    // A session the browser already had ends, so that each sign-in gets a
    // fresh id and an id planted before sign-in is worthless.
    if let Some(previous) = previous_session {
        state
            .store
            .delete_session(&api_token_hash(&previous))
            .await?;
    }
    let session_cookie = session::start(&state, &actor).await?;
    let login_removal = settings.removal_cookie(settings.login_cookie_name());
    Ok(with_cookies(
        see_other("/"),
        [session_cookie, login_removal],
    ))
}

/// `POST /logout`: deletes the session and its cookie.
pub(crate) async fn logout(
    State(state): State<WebState>,
    form: CheckedForm,
) -> Result<Response, PageError> {
    let removal = session::end(&state, &form.signed_in).await?;
    Ok(with_cookies(
        see_other("/login?notice=signed-out"),
        [removal],
    ))
}
