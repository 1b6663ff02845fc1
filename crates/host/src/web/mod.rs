//! Server-rendered pages: sign-in, registrations, their services, Verify
//! services and audit trail, the approval page, the notification queue, and
//! the expense and travel pages of [`crate::sandbox`].
//!
//! The pages work without JavaScript. Every page is rendered by an
//! auto-escaping askama template from `templates/`, every form carries the
//! session's CSRF token, and every response carries the headers of
//! [`headers::security_headers`]. Mount [`router`] through
//! [`crate::ServeOptions::extra_routes`].

pub(crate) mod csrf;
pub(crate) mod errors;
pub(crate) mod form;
pub(crate) mod headers;
pub(crate) mod pages;
pub(crate) mod session;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::middleware::from_fn;
use axum::routing::{get, post};
use connector::auth::FailureThrottle;
use connector::config::ThrottleConfig;

use crate::api::BodyLimits;
use crate::domain::Registrations;
use crate::notifications::NotificationAdmin;
use crate::sandbox::launch::Launcher;
use crate::sandbox::travel::TravelRequests;
use crate::sandbox::{ExpenseCallouts, Expenses};
use crate::server::HostApp;
use crate::store::HostStore;
use crate::verification::Verifier;
use crate::workflow::Workflow;

pub use session::{LOGIN_COOKIE, LOGIN_COOKIE_SECURE, SESSION_COOKIE, SESSION_COOKIE_SECURE};

/// Settings of the admin pages.
#[derive(Debug, Clone, PartialEq)]
pub struct WebOptions {
    /// Marks the cookies `Secure` and gives them the `__Host-` prefix. Set
    /// it whenever browsers reach the host over HTTPS, including through a
    /// TLS-terminating proxy; leave it off only for plain HTTP on loopback.
    pub secure_cookies: bool,
    /// A session ends after this long without a request. Default 8 hours.
    pub session_idle: Duration,
    /// A session ends this long after sign-in, however active. Default 24 hours.
    pub session_lifetime: Duration,
    /// Failed sign-ins allowed per address before the sign-in page responds
    /// `429`, by the same rules as the connector's Basic authentication.
    pub login_throttle: ThrottleConfig,
}

impl WebOptions {
    /// Returns the defaults, with `Secure` cookies when `secure_cookies` is set.
    pub fn new(secure_cookies: bool) -> Self {
        WebOptions {
            secure_cookies,
            session_idle: Duration::from_secs(8 * 3600),
            session_lifetime: Duration::from_secs(24 * 3600),
            login_throttle: ThrottleConfig::default(),
        }
    }
}

/// State shared by the page handlers.
#[derive(Clone)]
pub(crate) struct WebState {
    pub(crate) store: Arc<dyn HostStore>,
    registrations: Arc<Registrations>,
    verifier: Arc<Verifier>,
    sessions: Arc<session::SessionSettings>,
    // NOTE: the throttle counts failed sign-ins in this process only, so
    // each host instance behind a load balancer allows its own quota.
    login_throttle: Arc<FailureThrottle>,
    body_limits: Arc<BodyLimits>,
    pub(crate) expenses: Arc<Expenses>,
    pub(crate) travel: Arc<TravelRequests>,
    pub(crate) workflow: Arc<Workflow>,
    pub(crate) notifications: Arc<NotificationAdmin>,
    pub(crate) launcher: Arc<Launcher>,
}

/// Builds the router of the pages with its state applied. It sets no
/// fallback, so that [`crate::server::router`] can merge it with the API.
/// The expense pages search through the application's dispatcher.
pub fn router(app: &HostApp, options: WebOptions) -> Router {
    router_with_callouts(app, options, Arc::new(app.dispatcher.clone()))
}

/// Builds the router of the pages like [`router`], with the expense pages
/// searching through `callouts`, such as a fake in tests.
pub fn router_with_callouts(
    app: &HostApp,
    options: WebOptions,
    callouts: Arc<dyn ExpenseCallouts>,
) -> Router {
    let state = WebState {
        store: Arc::clone(&app.store),
        registrations: Arc::clone(&app.registrations),
        verifier: Arc::clone(&app.verifier),
        sessions: Arc::new(session::SessionSettings::new(&options)),
        login_throttle: Arc::new(FailureThrottle::new(&options.login_throttle)),
        body_limits: Arc::new(BodyLimits {
            body_bytes: app.config.limits.body_bytes,
            body_read: app.config.timeouts.body_read(),
        }),
        expenses: Arc::new(Expenses::new(Arc::clone(&app.store), callouts)),
        travel: Arc::new(TravelRequests::new(Arc::clone(&app.store))),
        workflow: Arc::clone(&app.workflow),
        notifications: Arc::clone(&app.notification_admin),
        launcher: Arc::clone(&app.launcher),
    };

    use pages::{
        approvals, audit, client_credentials, home, launch_fields, login, notifications, registrations, services, verification,
    };
    Router::new()
        .route("/", get(home::show))
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route(
            "/registrations",
            get(registrations::list).post(registrations::create),
        )
        .route("/registrations/new", get(registrations::new_form))
        .route("/registrations/{id}", get(registrations::show))
        .route(
            "/registrations/{id}/edit",
            get(registrations::edit_form).post(registrations::update),
        )
        .route(
            "/registrations/{id}/test-connection",
            post(registrations::test_connection),
        )
        .route("/registrations/{id}/verify", post(verification::verify))
        .route(
            "/registrations/{id}/client-credentials",
            post(client_credentials::generate),
        )
        .route("/registrations/{id}/deactivate", post(services::deactivate))
        .route(
            "/registrations/{id}/services/{service}",
            get(services::form).post(services::configure),
        )
        .route("/registrations/{id}/audit", get(audit::show))
        .route(
            "/launch-fields",
            get(launch_fields::list).post(launch_fields::create),
        )
        .route("/approvals", get(approvals::show))
        .route("/approvals/decide", post(approvals::decide))
        .route("/notifications", get(notifications::list))
        .route("/notifications/{id}/retry", post(notifications::retry))
        .route("/notifications/{id}/delete", post(notifications::delete))
        .route("/static/admin.css", get(pages::stylesheet))
        .layer(from_fn(headers::security_headers))
        // Merged after the layer above, so that these routes get only
        // their own headers, which allow the host's script.
        .merge(crate::sandbox::pages::routes())
        .with_state(state)
}
