//! Serving the host: the router (API, `/healthz`, mounted routers), TLS, graceful shutdown.

mod trace;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use axum::Router;
use axum::middleware::from_fn_with_state;
use connector::server::{HttpListener, ListenerSettings};

use crate::api::{self, ApiError, ApiState, BodyLimits};
use crate::config::{Config, SECRET_KEY_ENV};
use crate::connector_access::TokenService;
use crate::crypto::PasswordCipher;
use crate::dispatch::Dispatcher;
use crate::domain::Registrations;
use crate::notifications::{NotificationAdmin, NotificationDispatcher, NotificationWaker};
use crate::public_origin::PublicOrigin;
use crate::sandbox::launch::Launcher;
use crate::store::HostStore;
use crate::tester::{ConnectionTester, outbound_tester};
use crate::verification::{Trust, Verifier};
use crate::workflow::Workflow;

/// How long open connections get to finish after shutdown begins, beyond
/// the request timeout.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Everything the host's routers share: the store, the registration
/// operations, the callouts to connectors, Verify services, the workflow and
/// its notification dispatcher, and the configuration.
#[derive(Clone)]
pub struct HostApp {
    pub store: Arc<dyn HostStore>,
    pub registrations: Arc<Registrations>,
    pub dispatcher: Dispatcher,
    pub workflow: Arc<Workflow>,
    /// Delivers the notifications the workflow queues; [`BoundHost::run`] runs it.
    pub notifications: NotificationDispatcher,
    /// The administrators' operations on queued and failed notifications.
    pub notification_admin: Arc<NotificationAdmin>,
    pub public_origin: PublicOrigin,
    pub verifier: Arc<Verifier>,
    /// Issues and checks the access tokens of the host web services.
    pub tokens: Arc<TokenService>,
    /// Builds the URLs of Launch External URL buttons.
    pub launcher: Arc<Launcher>,
    pub config: Arc<Config>,
}

impl HostApp {
    /// Validates the configuration and assembles the application.
    pub fn new(
        store: Arc<dyn HostStore>,
        cipher: PasswordCipher,
        tester: Arc<dyn ConnectionTester>,
        config: Config,
    ) -> anyhow::Result<HostApp> {
        config.validate()?;
        let cipher = Arc::new(cipher);
        // Callouts share the tester's outbound client. A substitute tester,
        // as in tests, has none; callouts then trust only Mozilla's roots and
        // reach only public addresses.
        let outbound = match tester.outbound_client() {
            Some(client) => client,
            None => outbound_tester(&config.outbound, Vec::new(), false)
                .context("cannot build the outbound client")?,
        };
        let dispatcher = Dispatcher::new(
            Arc::clone(&store),
            Arc::clone(&cipher),
            outbound.clone(),
            &config.callouts,
        );
        // Verify services applies the same trusted CAs and address rule.
        let verifier = Verifier::new(
            Arc::clone(&store),
            Arc::clone(&cipher),
            Trust::of(&outbound),
            config.verification.clone(),
            config.outbound.total_timeout(),
        );
        let waker = NotificationWaker::default();
        let notifications = NotificationDispatcher::new(
            Arc::clone(&store),
            Arc::clone(&cipher),
            outbound,
            &config.notifications,
            config.outbound.total_timeout(),
            waker.clone(),
        );
        let public_origin = PublicOrigin::new(config.public_origin.as_deref());
        let notification_admin = NotificationAdmin::new(Arc::clone(&store), waker.clone());
        let workflow = Workflow::new(Arc::clone(&store), public_origin.clone(), waker);
        let registrations = Registrations::new(Arc::clone(&store), Arc::clone(&cipher), tester);
        let tokens = Arc::new(TokenService::new(Arc::clone(&store), &config.web_services));
        let launcher = Launcher::new(
            Arc::clone(&store),
            cipher,
            public_origin.clone(),
            Arc::clone(&tokens),
        );
        Ok(HostApp {
            store,
            registrations: Arc::new(registrations),
            dispatcher,
            workflow: Arc::new(workflow),
            notifications,
            notification_admin: Arc::new(notification_admin),
            public_origin,
            verifier: Arc::new(verifier),
            tokens,
            launcher: Arc::new(launcher),
            config: Arc::new(config),
        })
    }
}

/// Loads the key that encrypts connector passwords: from the
/// `CALLOUTS_HOST_SECRET_KEY` variable (read through `lookup`) or from the
/// file named by `secret_key_file`, never both.
pub fn load_cipher(
    config: &Config,
    lookup: impl Fn(&str) -> Option<String>,
) -> anyhow::Result<PasswordCipher> {
    let from_env = lookup(SECRET_KEY_ENV).filter(|value| !value.trim().is_empty());
    match (from_env, &config.secret_key_file) {
        (Some(_), Some(_)) => bail!(
            "both {SECRET_KEY_ENV} and secret_key_file are set; keep one, so that the key in use is unambiguous"
        ),
        (Some(text), None) => {
            PasswordCipher::from_base64(&text).with_context(|| format!("invalid {SECRET_KEY_ENV}"))
        }
        (None, Some(path)) => PasswordCipher::from_key_file(path)
            .with_context(|| format!("invalid secret key file {}", path.display())),
        (None, None) => bail!(
            "no secret key: set {SECRET_KEY_ENV} or secret_key_file to the base64 encoding of 32 random bytes \
             (`callouts host key generate` prints one)"
        ),
    }
}

/// Builds the complete router: the API and `/healthz`, then `extra` (such
/// as admin pages) merged at the root, a JSON `404` for everything else,
/// and request tracing around all of it. `extra` must carry its state
/// already and must not set a fallback.
pub fn router(app: &HostApp, extra: Option<Router>) -> Router {
    let state = ApiState {
        store: Arc::clone(&app.store),
        registrations: Arc::clone(&app.registrations),
        notifications: Arc::clone(&app.notification_admin),
        public_origin: app.public_origin.clone(),
        verifier: Arc::clone(&app.verifier),
        limits: Arc::new(BodyLimits {
            body_bytes: app.config.limits.body_bytes,
            body_read: app.config.timeouts.body_read(),
        }),
        workflow: Arc::clone(&app.workflow),
        tokens: Arc::clone(&app.tokens),
    };
    let mut router = api::router(state);
    if let Some(extra) = extra {
        router = router.merge(extra);
    }
    router.fallback(not_found).layer(from_fn_with_state(
        app.config.timeouts.request(),
        trace::trace_request,
    ))
}

async fn not_found() -> ApiError {
    ApiError::NotFound
}

/// Application, listen address, TLS and extra routes of a host to serve.
pub struct ServeOptions {
    pub app: HostApp,
    /// Address of the listener; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Server TLS configuration. `None` serves plain HTTP, which [`bind`]
    /// accepts only when `dangerous_plain_http` is set.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// Routes merged at the root, such as admin pages; see [`router`].
    pub extra_routes: Option<Router>,
}

/// A host whose listener is bound but not yet accepting.
pub struct BoundHost {
    listener: HttpListener,
    notifications: NotificationDispatcher,
}

/// Binds the listener and runs the host until `shutdown` completes.
pub async fn serve(
    options: ServeOptions,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    bind(options).await?.run(shutdown).await
}

/// Builds the router and binds the listener.
pub async fn bind(options: ServeOptions) -> anyhow::Result<BoundHost> {
    let ServeOptions {
        app,
        listen,
        tls,
        extra_routes,
    } = options;
    let config = Arc::clone(&app.config);
    if tls.is_none() && !config.dangerous_plain_http {
        bail!(
            "no TLS configuration given; API tokens and connector passwords must not cross the network in clear text \
             (set dangerous_plain_http only behind a TLS-terminating proxy)"
        );
    }

    let router = router(&app, extra_routes);
    let settings = ListenerSettings {
        tls_handshake: config.timeouts.tls_handshake(),
        header_read: config.timeouts.header_read(),
        idle: config.timeouts.idle(),
        max_connections: config.limits.max_connections,
        max_connections_per_client: config.limits.max_connections_per_client,
        shutdown_grace: config.timeouts.request() + SHUTDOWN_GRACE,
    };
    let listener = HttpListener::bind(listen, router, tls, &settings).await?;
    let scheme = if listener.is_tls() { "https" } else { "http" };
    if app
        .public_origin
        .set_local_default(scheme, listener.local_addr().port())
    {
        tracing::warn!(
            public_origin = app.public_origin.as_str(),
            "public_origin is not configured; notifications name objects under this origin, which only a connector on this machine can reach"
        );
    }
    if !listener.is_tls() {
        tracing::warn!(
            address = %listener.local_addr(),
            "serving plain HTTP because dangerous_plain_http is set; tokens and passwords cross the network in clear text unless a TLS-terminating proxy is in front"
        );
    }
    Ok(BoundHost {
        listener,
        notifications: app.notifications,
    })
}

impl BoundHost {
    /// Address the listener is bound to.
    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr()
    }

    /// Accepts connections and delivers notifications until `shutdown`
    /// completes, then lets open requests finish within the request timeout
    /// and a short grace period, and deliveries in flight within their lease.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send) -> anyhow::Result<()> {
        let scheme = if self.listener.is_tls() {
            "https"
        } else {
            "http"
        };
        let (stop_notifications, notifications_stopped) = tokio::sync::oneshot::channel::<()>();
        // Both run in this task, so that aborting it stops the deliveries too.
        let notifications = self.notifications.run(async move {
            let _ = notifications_stopped.await;
        });
        tracing::info!(address = %self.listener.local_addr(), scheme, "host started");
        let listener = async move {
            let served = self.listener.run(shutdown).await;
            let _ = stop_notifications.send(());
            served
        };
        let ((), served) = tokio::join!(notifications, listener);
        tracing::info!("host stopped");
        served
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key_file(text: &str) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), text).unwrap();
        file
    }

    #[test]
    fn load_cipher_from_env() {
        let key = crate::crypto::generate_key_base64();

        let cipher = load_cipher(&Config::default(), |name| {
            (name == SECRET_KEY_ENV).then(|| key.clone())
        });

        assert!(cipher.is_ok());
    }

    #[test]
    fn load_cipher_from_file() {
        let file = key_file(&format!("{}\n", crate::crypto::generate_key_base64()));
        let config = Config {
            secret_key_file: Some(file.path().to_owned()),
            ..Config::default()
        };

        assert!(load_cipher(&config, |_| None).is_ok());
    }

    #[test]
    fn load_cipher_rejects_both_sources() {
        let key = crate::crypto::generate_key_base64();
        let file = key_file(&key);
        let config = Config {
            secret_key_file: Some(file.path().to_owned()),
            ..Config::default()
        };

        let error = load_cipher(&config, |_| Some(key.clone())).unwrap_err();

        assert!(error.to_string().contains("both"), "{error}");
    }

    #[test]
    fn load_cipher_without_key_names_variable() {
        let error = load_cipher(&Config::default(), |_| None).unwrap_err();

        assert!(error.to_string().contains(SECRET_KEY_ENV), "{error}");
    }

    #[test]
    fn load_cipher_error_does_not_echo_key() {
        let not_a_key = "c2VjcmV0LWtleS10aGF0LWlzLXRvby1zaG9ydA==";

        let error = load_cipher(&Config::default(), |_| Some(not_a_key.to_owned())).unwrap_err();

        assert!(!format!("{error:#}").contains(not_a_key));
    }
}
