//! Launch External URL: the pages the host opens in a popup beside a form field.
//!
//! The host opens `paths.launch_v1` or `paths.launch_v4` with a signed
//! query. The connector verifies the signature with its own credentials,
//! rejects a nonce seen within `launch.replay_window_secs` and checks that
//! the item URL is on the configured host. For version 4 it exchanges the
//! launch code for the user's tokens at once, because the code is
//! short-lived. It then creates a launch session and redirects to
//! `/launch/{session}`, so that the signed query leaves the address bar.
//! There the user searches `launch.list` and picks an item, which the
//! connector writes to the field as `text (code)` through the host's web
//! services. The session id in the path is the authentication of these
//! pages, so they take no Basic credentials.

mod error;
mod pages;
mod session;
mod start;

use std::sync::Arc;

use anyhow::bail;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::middleware::map_response;
use axum::response::Response;
use axum::routing::{get, post};

use crate::config::{Config, LaunchConfig, Secret};
use crate::notifications::host::HostClient;
use crate::store::{LaunchStore, Store};

/// Path prefix of the pages after the signed request; configured paths may not use it.
pub const LAUNCH_PAGES_PREFIX: &str = "/launch/";

/// Largest form body the pages accept, in bytes: a form carries one list code.
const MAX_FORM_BYTES: usize = 4096;

/// `Content-Security-Policy` of every launch page: scripts, styles and form
/// targets from the connector only, no framing. It leaves out
/// `Cross-Origin-Opener-Policy`, because the popup must keep its opener.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Checks a custom field code: 1 to 32 ASCII letters, digits or underscores,
/// the rule of the host's launch fields. The code becomes a path segment of
/// the host's web services, so nothing else may pass.
pub fn check_field_code(code: &str) -> Result<(), &'static str> {
    let valid = (1..=32).contains(&code.len())
        && code
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_');
    if valid {
        Ok(())
    } else {
        Err("expected 1 to 32 letters, digits or underscores")
    }
}

/// State shared by the launch handlers.
pub(crate) struct LaunchState {
    /// The store of the imported lists.
    pub store: Arc<dyn Store>,
    /// Nonces and sessions.
    pub sessions: Arc<dyn LaunchStore>,
    pub host: HostClient,
    /// The connector's user name and clear-text password, which key the signatures.
    pub username: String,
    pub password: Secret,
    pub settings: LaunchConfig,
}

/// Builds the launch routes, or `None` when `launch.list` is not set.
pub(crate) fn router(config: &Config, store: &Arc<dyn Store>) -> anyhow::Result<Option<Router>> {
    let settings = &config.launch;
    if !settings.is_enabled() {
        return Ok(None);
    }
    let Some(sessions) = store.launch_store() else {
        bail!("launch.list is set, but the store keeps no launch nonces or sessions");
    };
    let state = Arc::new(LaunchState {
        store: Arc::clone(store),
        sessions,
        host: HostClient::new(&config.host)?,
        username: config.credentials.username.clone(),
        password: config.credentials.password.clone(),
        settings: settings.clone(),
    });

    let mut router = Router::new();
    if settings.v1_enabled() {
        router = router.route(&config.paths.launch_v1, get(start::start_v1));
    }
    if settings.v4_enabled() {
        router = router.route(&config.paths.launch_v4, get(start::start_v4));
    }
    tracing::info!(
        list = %settings.list,
        v1 = settings.v1_enabled(),
        v4 = settings.v4_enabled(),
        "launch pages enabled"
    );
    let router = router
        .route("/launch/close.js", get(pages::close_script))
        .route("/launch/{session}", get(pages::show_list))
        .route("/launch/{session}/done", post(pages::choose_item))
        .route("/launch/{session}/cancel", post(pages::cancel))
        .layer(DefaultBodyLimit::max(MAX_FORM_BYTES))
        .layer(map_response(add_security_headers))
        .with_state(state);
    Ok(Some(router))
}

async fn add_security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Language of the list texts for a launch's `language_code`: the primary
/// subtag in upper case, as lists store it (`en-GB` gives `EN`).
pub(crate) fn list_language(language_code: &str) -> String {
    let primary = language_code.split('-').next().unwrap_or_default();
    primary.to_ascii_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_code_accepts_letters_digits_underscore() {
        assert!(check_field_code("Cost_Object1").is_ok());
    }

    #[test]
    fn field_code_rejects_other_text() {
        for code in ["", "Cost Object", "a/b", "..", &"x".repeat(33), "Größe"] {
            assert!(check_field_code(code).is_err(), "{code:?} was accepted");
        }
    }

    #[test]
    fn list_language_takes_primary_subtag() {
        assert_eq!(list_language("en-GB"), "EN");
        assert_eq!(list_language("de"), "DE");
    }
}
