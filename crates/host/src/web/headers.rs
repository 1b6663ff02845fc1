//! Security headers on every response of the pages.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// No scripts at all, styles only from the host's own stylesheet, forms
/// posting only to the host, and no framing.
pub(crate) const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; \
     img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The policy of the expense pages: [`CONTENT_SECURITY_POLICY`] plus
/// scripts from the host (files only, never inline) and requests back to
/// the host, for search-as-you-type.
pub(crate) const SCRIPTED_CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     connect-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'";

/// Adds the security headers with [`CONTENT_SECURITY_POLICY`]. Pages are
/// `no-store`, because they show a user's registrations; a handler that
/// sets its own `Cache-Control` (the stylesheet) keeps it.
pub(crate) async fn security_headers(request: Request, next: Next) -> Response {
    with_security_headers(
        next.run(request).await,
        CONTENT_SECURITY_POLICY,
        "same-origin",
    )
}

/// Adds the security headers with [`SCRIPTED_CONTENT_SECURITY_POLICY`], for
/// the expense pages. Their opener policy is `same-origin-allow-popups`,
/// because with `same-origin` a browser severs the page from the Launch
/// popup once it loads the connector's origin, and `popup.closed` is then
/// true at once, so the page could not tell when the popup closes.
pub(crate) async fn scripted_security_headers(request: Request, next: Next) -> Response {
    with_security_headers(
        next.run(request).await,
        SCRIPTED_CONTENT_SECURITY_POLICY,
        "same-origin-allow-popups",
    )
}

fn with_security_headers(
    mut response: Response,
    policy: &'static str,
    opener_policy: &'static str,
) -> Response {
    let headers = response.headers_mut();
    let fixed = [
        (header::CONTENT_SECURITY_POLICY, policy),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            opener_policy,
        ),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}
