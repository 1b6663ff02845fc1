//! Admin pages over real HTTPS: sign-in, the session cookie, throttling, sign-out and security headers.

mod common;
mod web_support;

use std::time::Duration;

use common::*;
use host::web::{LOGIN_COOKIE_SECURE, SESSION_COOKIE_SECURE, WebOptions};
use reqwest::StatusCode;
use web_support::*;

/// SHA-256 in lowercase hexadecimal, the form the store keeps session ids in.
fn sha256_hex(text: &str) -> String {
    host::domain::accounts::api_token_hash(text)
}

#[tokio::test]
async fn login_correct_password_redirects_home() {
    let host = spawn_pages(FakeTester::succeeding()).await;
    let login = administrator(&host, "Acme").await;
    let browser = Browser::new(&host);

    let page = browser.sign_in_with(&login, USER_PASSWORD).await;

    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), Some("/"));
    assert!(browser.cookie(SESSION_COOKIE_SECURE).is_some());
}

#[tokio::test]
async fn login_home_page_names_user() {
    let host = spawn_pages(FakeTester::succeeding()).await;
    let login = administrator(&host, "Acme").await;
    let browser = Browser::new(&host);
    browser.sign_in(&login).await;

    let home = browser.get("/").await;

    assert_eq!(home.status, StatusCode::OK);
    assert!(
        home.text
            .contains(&format!("Signed in as {login} of Acme.")),
        "{}",
        home.text
    );
}

#[tokio::test]
async fn login_wrong_password_shows_message() {
    let host = spawn_pages(FakeTester::succeeding()).await;
    let login = administrator(&host, "Acme").await;
    let browser = Browser::new(&host);

    let page = browser.sign_in_with(&login, "not-the-password-1").await;

    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text.contains("The login or password is wrong."),
        "{}",
        page.text
    );
    assert!(page.set_cookie(SESSION_COOKIE_SECURE).is_none());
    assert!(!page.text.contains("not-the-password-1"));
}

#[tokio::test]
async fn login_unknown_user_shows_same_message() {
    let host = spawn_pages(FakeTester::succeeding()).await;
    let browser = Browser::new(&host);

    let page = browser.sign_in_with("nobody@example", USER_PASSWORD).await;

    assert!(
        page.text.contains("The login or password is wrong."),
        "{}",
        page.text
    );
    assert!(browser.cookie(SESSION_COOKIE_SECURE).is_none());
}

#[tokio::test]
async fn session_cookie_attributes() {
    let host = spawn_pages(FakeTester::succeeding()).await;
    let login = administrator(&host, "Acme").await;
    let browser = Browser::new(&host);

    let page = browser.sign_in_with(&login, USER_PASSWORD).await;

    let cookie = page
        .set_cookie(SESSION_COOKIE_SECURE)
        .expect("session cookie set");
    let attributes: Vec<&str> = cookie.split(';').map(str::trim).skip(1).collect();
    assert!(attributes.contains(&"HttpOnly"), "{cookie}");
    assert!(attributes.contains(&"Secure"), "{cookie}");
    assert!(attributes.contains(&"SameSite=Strict"), "{cookie}");
    assert!(attributes.contains(&"Path=/"), "{cookie}");
    assert!(!cookie.contains("Domain"), "{cookie}");
}

#[tokio::test]
async fn session_id_is_256_random_bits() {
    let host = spawn_pages(FakeTester::succeeding()).await;
    let login = administrator(&host, "Acme").await;
    let first = Browser::new(&host);
    let second = Browser::new(&host);
    first.sign_in(&login).await;
    second.sign_in(&login).await;

    let first_id = first.cookie(SESSION_COOKIE_SECURE).unwrap();
    let second_id = second.cookie(SESSION_COOKIE_SECURE).unwrap();

    // 32 bytes in unpadded base64url.
    assert_eq!(first_id.len(), 43);
    assert!(
        first_id
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
    );
    assert_ne!(first_id, second_id);
}

#[tokio::test]
async fn login_replaces_planted_session() {
    let host = spawn_pages(FakeTester::succeeding()).await;
    let login = administrator(&host, "Acme").await;
    let attacker = Browser::new(&host);
    attacker.sign_in(&login).await;
    let planted = attacker.cookie(SESSION_COOKIE_SECURE).unwrap();
    let victim = Browser::new(&host);
    let form = victim.get("/login").await;
    victim.set_cookie(SESSION_COOKIE_SECURE, &planted);

    let page = victim
        .post(
            "/login",
            &[
                ("csrf_token", &form.csrf_token()),
                ("login", &login),
                ("password", USER_PASSWORD),
            ],
        )
        .await;

    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let fresh = victim.cookie(SESSION_COOKIE_SECURE).unwrap();
    assert_ne!(fresh, planted);
    assert!(
        host.store
            .session_by_hash(&sha256_hex(&planted))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        host.store
            .session_by_hash(&sha256_hex(&fresh))
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn session_stored_only_as_hash() {
    let host = spawn_pages(FakeTester::succeeding()).await;
    let login = administrator(&host, "Acme").await;
    let browser = Browser::new(&host);
    browser.sign_in(&login).await;
    let id = browser.cookie(SESSION_COOKIE_SECURE).unwrap();

    let bytes = host.database_bytes().await;

    assert!(!contains_bytes(&bytes, id.as_bytes()));
    assert!(contains_bytes(&bytes, sha256_hex(&id).as_bytes()));
}

#[tokio::test]
async fn session_survives_reopening_store() {
    let host = spawn_pages(FakeTester::succeeding()).await;
    let login = administrator(&host, "Acme").await;
    let browser = Browser::new(&host);
    browser.sign_in(&login).await;
    let id = browser.cookie(SESSION_COOKIE_SECURE).unwrap();

    let reopened = host.database.open().await;
    let session = reopened.session_by_hash(&sha256_hex(&id)).await.unwrap();

    assert!(session.is_some());
}

#[tokio::test]
async fn session_missing_redirects_to_login() {
    let host = spawn_pages(FakeTester::succeeding()).await;
    let browser = Browser::new(&host);

    let page = browser.get("/registrations").await;

    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), Some("/login"));
}

#[tokio::test]
async fn session_forged_cookie_redirects_to_login() {
    let host = spawn_pages(FakeTester::succeeding()).await;
    let browser = Browser::new(&host);
    browser.set_cookie(SESSION_COOKIE_SECURE, &"A".repeat(43));

    let page = browser.get("/").await;

    assert_eq!(page.location(), Some("/login"));
}

#[tokio::test]
async fn session_idle_expiry_ends_session() {
    let mut options = WebOptions::new(true);
    options.session_idle = Duration::from_secs(1);
    let host = spawn_pages_with(FakeTester::succeeding(), options).await;
    let login = administrator(&host, "Acme").await;
    let browser = Browser::new(&host);
    browser.sign_in(&login).await;

    tokio::time::sleep(Duration::from_millis(2100)).await;
    let page = browser.get("/").await;

    assert_eq!(page.location(), Some("/login"));
}

#[tokio::test]
async fn logout_ends_session() {
    let host = spawn_pages(FakeTester::succeeding()).await;
    let login = administrator(&host, "Acme").await;
    let browser = Browser::new(&host);
    browser.sign_in(&login).await;
    let id = browser.cookie(SESSION_COOKIE_SECURE).unwrap();

    let page = browser.submit("/", "/logout", &[]).await;

    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), Some("/login?notice=signed-out"));
    let removal = page.set_cookie(SESSION_COOKIE_SECURE).unwrap_or_default();
    assert!(removal.contains("Max-Age=0"), "{removal}");
    // The old cookie no longer opens a page, even if a browser kept it.
    browser.set_cookie(SESSION_COOKIE_SECURE, &id);
    assert_eq!(
        browser.get("/registrations").await.location(),
        Some("/login")
    );
    assert!(
        host.store
            .session_by_hash(&sha256_hex(&id))
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn logout_without_token_is_403() {
    let host = spawn_pages(FakeTester::succeeding()).await;
    let login = administrator(&host, "Acme").await;
    let browser = Browser::new(&host);
    browser.sign_in(&login).await;

    let page = browser.post("/logout", &[]).await;

    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(browser.get("/").await.status, StatusCode::OK);
}

#[tokio::test]
async fn login_form_sets_token_cookie() {
    let host = spawn_pages(FakeTester::succeeding()).await;
    let browser = Browser::new(&host);

    let page = browser.get("/login").await;

    let cookie = page
        .set_cookie(LOGIN_COOKIE_SECURE)
        .expect("sign-in form cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(cookie.contains("Secure"), "{cookie}");
    assert_eq!(browser.cookie(LOGIN_COOKIE_SECURE), Some(page.csrf_token()));
}

#[tokio::test]
async fn login_without_form_token_is_403() {
    let host = spawn_pages(FakeTester::succeeding()).await;
    let login = administrator(&host, "Acme").await;
    let browser = Browser::new(&host);
    browser.get("/login").await;

    let page = browser
        .post("/login", &[("login", &login), ("password", USER_PASSWORD)])
        .await;

    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(browser.cookie(SESSION_COOKIE_SECURE).is_none());
}

#[tokio::test]
async fn login_with_token_but_no_cookie_is_403() {
    let host = spawn_pages(FakeTester::succeeding()).await;
    let login = administrator(&host, "Acme").await;
    let attacker = Browser::new(&host);
    let token = attacker.get("/login").await.csrf_token();
    // A cross-site form can copy the token but not the victim's cookie.
    let victim = Browser::new(&host);

    let page = victim
        .post(
            "/login",
            &[
                ("csrf_token", &token),
                ("login", &login),
                ("password", USER_PASSWORD),
            ],
        )
        .await;

    assert_eq!(page.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn login_throttled_after_failures() {
    let mut options = WebOptions::new(true);
    options.login_throttle.max_failures = 3;
    let host = spawn_pages_with(FakeTester::succeeding(), options).await;
    let login = administrator(&host, "Acme").await;
    let browser = Browser::new(&host);
    for _ in 0..3 {
        browser.sign_in_with(&login, "wrong-password-123").await;
    }

    let page = browser.sign_in_with(&login, USER_PASSWORD).await;

    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(page.headers.contains_key("retry-after"));
    assert!(
        page.text.contains("Too many failed sign-ins"),
        "{}",
        page.text
    );
    assert!(browser.cookie(SESSION_COOKIE_SECURE).is_none());
}

#[tokio::test]
async fn pages_carry_security_headers() {
    let host = spawn_pages(FakeTester::succeeding()).await;
    let login = administrator(&host, "Acme").await;
    let browser = Browser::new(&host);
    browser.sign_in(&login).await;

    let page = browser.get("/registrations").await;

    let header = |name: &str| {
        page.headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let policy = header("content-security-policy");
    assert!(policy.contains("default-src 'none'"), "{policy}");
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    assert!(!policy.contains("script-src"), "{policy}");
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    assert_eq!(header("x-frame-options"), "DENY");
    assert_eq!(header("referrer-policy"), "no-referrer");
    assert_eq!(header("cache-control"), "no-store");
    assert_eq!(header("x-content-type-options"), "nosniff");
}

#[tokio::test]
async fn pages_contain_no_script_or_inline_style() {
    let host = spawn_pages(FakeTester::succeeding()).await;
    let login = administrator(&host, "Acme").await;
    let browser = Browser::new(&host);
    browser.sign_in(&login).await;
    let id = browser
        .create_registration("HR", "https://connector.example.com", CONNECTOR_PASSWORD)
        .await;

    for path in [
        "/login".to_owned(),
        "/".to_owned(),
        "/registrations".to_owned(),
        "/registrations/new".to_owned(),
        format!("/registrations/{id}"),
        format!("/registrations/{id}/services/fetch-list"),
    ] {
        let page = browser.get(&path).await;
        assert!(!page.text.contains("<script"), "{path}");
        assert!(!page.text.contains("style="), "{path}");
    }
}

#[tokio::test]
async fn stylesheet_is_served_as_css() {
    let host = spawn_pages(FakeTester::succeeding()).await;
    let browser = Browser::new(&host);

    let page = browser.get("/static/admin.css").await;

    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.headers
            .get("content-type")
            .and_then(|value| value.to_str().ok()),
        Some("text/css; charset=utf-8")
    );
}
