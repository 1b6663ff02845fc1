//! Browser sessions: the session cookie, its stored hash, expiry, and the extractors that require one.
//!
//! The cookie contains 256 random bits; the store keeps only their SHA-256, so
//! a copy of the database cannot be replayed as a session. Sessions live
//! in the store, so they survive a restart of the host.

use std::time::Duration;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use time::OffsetDateTime;

use super::csrf::random_token;
use super::errors::PageError;
use super::{WebOptions, WebState};
use crate::domain::Actor;
use crate::domain::accounts::api_token_hash;
use crate::store::StoredSession;

/// Name of the session cookie on plain HTTP.
pub const SESSION_COOKIE: &str = "callouts-session";
/// Name of the session cookie when cookies are `Secure`. Browsers accept a
/// `__Host-` cookie only with `Secure`, `Path=/` and no `Domain`, so no
/// other site under the same domain can set or shadow it.
pub const SESSION_COOKIE_SECURE: &str = "__Host-callouts-session";
/// Name of the cookie that carries the sign-in form's CSRF token on plain HTTP.
pub const LOGIN_COOKIE: &str = "callouts-login";
/// Name of the sign-in form's cookie when cookies are `Secure`.
pub const LOGIN_COOKIE_SECURE: &str = "__Host-callouts-login";

/// Length of a session id: 32 bytes in unpadded base64url.
const SESSION_ID_LENGTH: usize = 43;

/// The stored last use of a session is updated only when older than this,
/// so that a burst of page loads costs one write.
const TOUCH_INTERVAL: time::Duration = time::Duration::minutes(1);

/// Cookie attributes and session lifetimes.
#[derive(Debug)]
pub(crate) struct SessionSettings {
    secure: bool,
    idle: time::Duration,
    lifetime: time::Duration,
}

impl SessionSettings {
    pub(crate) fn new(options: &WebOptions) -> Self {
        SessionSettings {
            secure: options.secure_cookies,
            idle: to_time(options.session_idle),
            lifetime: to_time(options.session_lifetime),
        }
    }

    pub(crate) fn session_cookie_name(&self) -> &'static str {
        if self.secure {
            SESSION_COOKIE_SECURE
        } else {
            SESSION_COOKIE
        }
    }

    pub(crate) fn login_cookie_name(&self) -> &'static str {
        if self.secure {
            LOGIN_COOKIE_SECURE
        } else {
            LOGIN_COOKIE
        }
    }

    /// Builds a `Set-Cookie` value: HttpOnly, SameSite=Strict, Path=/, Secure
    /// when configured. Without `max_age` the browser drops the cookie when it closes.
    pub(crate) fn set_cookie(&self, name: &str, value: &str, max_age: Option<u64>) -> HeaderValue {
        let mut text = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
        if self.secure {
            text.push_str("; Secure");
        }
        if let Some(seconds) = max_age {
            text.push_str(&format!("; Max-Age={seconds}"));
        }
        // Names are constants and values base64url, both valid header text.
        HeaderValue::from_str(&text).unwrap_or(HeaderValue::from_static(""))
    }

    /// Builds a `Set-Cookie` value that makes the browser delete the cookie.
    pub(crate) fn removal_cookie(&self, name: &str) -> HeaderValue {
        self.set_cookie(name, "", Some(0))
    }

    fn expired(&self, session: &StoredSession, now: OffsetDateTime) -> bool {
        now - session.last_seen_at > self.idle || now - session.created_at > self.lifetime
    }
}

fn to_time(duration: Duration) -> time::Duration {
    time::Duration::try_from(duration).unwrap_or(time::Duration::MAX)
}

/// Returns the value of the cookie `name` in the request's `Cookie` headers.
pub(crate) fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(cookie, _)| *cookie == name)
        .map(|(_, value)| value)
}

/// Starts a session for `actor` and returns its `Set-Cookie` value.
/// Sessions that have expired are deleted on the way.
pub(crate) async fn start(state: &WebState, actor: &Actor) -> Result<HeaderValue, PageError> {
    let now = OffsetDateTime::now_utc();
    let settings = &state.sessions;
    let deleted = state
        .store
        .delete_expired_sessions(now - settings.idle, now - settings.lifetime)
        .await?;
    if deleted > 0 {
        tracing::info!(deleted, "expired sessions deleted");
    }

    let id = random_token();
    let session = StoredSession {
        id_hash: api_token_hash(&id),
        user_id: actor.user.id,
        csrf_token: random_token(),
        created_at: now,
        last_seen_at: now,
    };
    state.store.insert_session(&session).await?;
    tracing::info!(
        user_id = actor.user.id.0,
        company_id = actor.company.id.0,
        "session started"
    );
    Ok(settings.set_cookie(settings.session_cookie_name(), &id, None))
}

/// Deletes the session and returns the `Set-Cookie` value that removes its cookie.
pub(crate) async fn end(state: &WebState, signed_in: &SignedIn) -> Result<HeaderValue, PageError> {
    state
        .store
        .delete_session(&signed_in.session.id_hash)
        .await?;
    tracing::info!(user_id = signed_in.actor.user.id.0, "session ended");
    let settings = &state.sessions;
    Ok(settings.removal_cookie(settings.session_cookie_name()))
}

/// The user behind a valid, unexpired session. Without one, the browser is
/// sent to the sign-in page.
pub(crate) struct SignedIn {
    pub actor: Actor,
    pub session: StoredSession,
}

impl SignedIn {
    /// Returns the actor when they may manage registrations, and `403` otherwise.
    pub(crate) fn manager(&self) -> Result<&Actor, PageError> {
        if self.actor.may_manage_registrations() {
            Ok(&self.actor)
        } else {
            tracing::warn!(
                user_id = self.actor.user.id.0,
                "page rejected: the user has no role that manages registrations"
            );
            Err(PageError::Forbidden)
        }
    }
}

impl FromRequestParts<WebState> for SignedIn {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, PageError> {
        let settings = &state.sessions;
        let id = cookie_value(&parts.headers, settings.session_cookie_name())
            .filter(|id| id.len() == SESSION_ID_LENGTH)
            .ok_or(PageError::SignInRequired)?;
        let id_hash = api_token_hash(id);
        let Some(session) = state.store.session_by_hash(&id_hash).await? else {
            return Err(PageError::SignInRequired);
        };

        let now = OffsetDateTime::now_utc();
        if settings.expired(&session, now) {
            state.store.delete_session(&id_hash).await?;
            tracing::info!(user_id = session.user_id.0, "session expired");
            return Err(PageError::SignInRequired);
        }
        let Some(actor) = state.store.actor_by_user_id(session.user_id).await? else {
            state.store.delete_session(&id_hash).await?;
            return Err(PageError::SignInRequired);
        };
        if now - session.last_seen_at > TOUCH_INTERVAL {
            state.store.touch_session(&id_hash, now).await?;
        }

        let span = tracing::Span::current();
        span.record("user_id", actor.user.id.0);
        span.record("company_id", actor.company.id.0);
        Ok(SignedIn { actor, session })
    }
}

/// A signed-in user who may manage registrations; others get `403`.
pub(crate) struct Manager(pub SignedIn);

impl FromRequestParts<WebState> for Manager {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, PageError> {
        let signed_in = SignedIn::from_request_parts(parts, state).await?;
        signed_in.manager()?;
        Ok(Manager(signed_in))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(secure: bool) -> SessionSettings {
        SessionSettings::new(&WebOptions::new(secure))
    }

    #[test]
    fn secure_cookie_attributes() {
        let cookie = settings(true).set_cookie(SESSION_COOKIE_SECURE, "abc", None);

        assert_eq!(
            cookie.to_str().unwrap(),
            "__Host-callouts-session=abc; Path=/; HttpOnly; SameSite=Strict; Secure"
        );
    }

    #[test]
    fn plain_http_cookie_is_not_secure() {
        let cookie = settings(false).set_cookie(SESSION_COOKIE, "abc", None);

        assert!(!cookie.to_str().unwrap().contains("Secure"));
    }

    #[test]
    fn removal_cookie_has_zero_max_age() {
        let cookie = settings(true).removal_cookie(SESSION_COOKIE_SECURE);

        assert!(cookie.to_str().unwrap().ends_with("; Max-Age=0"));
    }

    #[test]
    fn cookie_value_among_several() {
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; callouts-session=xyz"),
        );

        assert_eq!(cookie_value(&headers, SESSION_COOKIE), Some("xyz"));
    }

    #[test]
    fn cookie_value_in_second_header() {
        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, HeaderValue::from_static("a=1"));
        headers.append(header::COOKIE, HeaderValue::from_static("b=2"));

        assert_eq!(cookie_value(&headers, "b"), Some("2"));
    }

    #[test]
    fn cookie_name_must_match_exactly() {
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("xcallouts-session=1"),
        );

        assert_eq!(cookie_value(&headers, SESSION_COOKIE), None);
    }

    /// Builds a session created `age` ago and last used `idle` ago.
    fn session(now: OffsetDateTime, age: time::Duration, idle: time::Duration) -> StoredSession {
        StoredSession {
            id_hash: String::new(),
            user_id: crate::domain::UserId(1),
            csrf_token: String::new(),
            created_at: now - age,
            last_seen_at: now - idle,
        }
    }

    #[test]
    fn session_idle_expiry() {
        let now = OffsetDateTime::now_utc();
        let idle = time::Duration::hours(8) + time::Duration::seconds(1);

        assert!(settings(true).expired(&session(now, time::Duration::hours(9), idle), now));
    }

    #[test]
    fn session_recently_used_is_valid() {
        let now = OffsetDateTime::now_utc();
        let idle = time::Duration::hours(7);

        assert!(!settings(true).expired(&session(now, time::Duration::hours(9), idle), now));
    }

    #[test]
    fn session_lifetime_expiry() {
        let now = OffsetDateTime::now_utc();
        let age = time::Duration::hours(25);

        assert!(settings(true).expired(&session(now, age, time::Duration::ZERO), now));
    }
}
