//! A browser-like client of the admin pages: cookies kept by hand, redirects
//! not followed, and forms posted with the CSRF token of the page they came from.
#![allow(dead_code)]

mod cookie_jar;

use std::sync::Arc;
use std::time::Duration;

use host::domain::accounts::actor_for_api_token;
use host::tester::ConnectionTester;
use host::web::WebOptions;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};

use crate::common::{TestHost, USER_PASSWORD, spawn_host_mounting, test_config};
use cookie_jar::CookieJar;

/// Starts the host with the admin pages over TLS, with `Secure` cookies.
pub async fn spawn_pages(tester: Arc<dyn ConnectionTester>) -> TestHost {
    spawn_pages_with(tester, WebOptions::new(true)).await
}

pub async fn spawn_pages_with(tester: Arc<dyn ConnectionTester>, options: WebOptions) -> TestHost {
    spawn_host_mounting(tester, test_config(), move |app| {
        Some(host::web::router(app, options))
    })
    .await
}

/// Creates a user of `company` with `roles` (and the company when missing)
/// and returns their login; the password is [`USER_PASSWORD`].
pub async fn user(
    host: &TestHost,
    company: &str,
    edition: &str,
    development_partner: bool,
    roles: &[&str],
) -> String {
    let token = host
        .account(company, edition, development_partner, roles)
        .await;
    let actor = actor_for_api_token(host.store.as_ref(), &token)
        .await
        .expect("read the new user")
        .expect("the new user exists");
    actor.user.login
}

/// Creates a Can Administer user of the Standard company `company` and returns their login.
pub async fn administrator(host: &TestHost, company: &str) -> String {
    user(host, company, "standard", false, &["can-administer"]).await
}

/// A response of the pages.
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl Page {
    /// Returns the `Location` of a redirect.
    pub fn location(&self) -> Option<&str> {
        self.headers
            .get(LOCATION)
            .and_then(|value| value.to_str().ok())
    }

    /// Returns every `Set-Cookie` header, verbatim.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .map(str::to_owned)
            .collect()
    }

    /// Returns the `Set-Cookie` header of the cookie `name`.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.set_cookies()
            .into_iter()
            .find(|cookie| cookie.starts_with(&format!("{name}=")))
    }

    /// Returns the value of the first hidden `csrf_token` field of the page.
    pub fn csrf_token(&self) -> String {
        self.input_value("csrf_token")
            .expect("the page has a form with a CSRF token")
    }

    /// Returns the `value` of the first input named `name`.
    pub fn input_value(&self, name: &str) -> Option<String> {
        let marker = format!("name=\"{name}\"");
        let start = self.text.find(&marker)?;
        let tag_end = start + self.text[start..].find('>')?;
        let tag = &self.text[start..tag_end];
        let value_start = tag.find("value=\"")? + "value=\"".len();
        let value_end = value_start + tag[value_start..].find('"')?;
        Some(tag[value_start..value_end].to_owned())
    }

    /// Counts the inputs named `name`.
    pub fn count_inputs(&self, name: &str) -> usize {
        self.text.matches(&format!("name=\"{name}\"")).count()
    }
}

/// One browser: a cookie jar and a client that leaves redirects to the test.
pub struct Browser {
    client: reqwest::Client,
    base: String,
    cookies: CookieJar,
}

impl Browser {
    pub fn new(host: &TestHost) -> Browser {
        let client = reqwest::Client::builder()
            .use_preconfigured_tls((*host.tls_client).clone())
            .resolve("localhost", host.address)
            .https_only(true)
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(0)
            .timeout(Duration::from_secs(30))
            .build()
            .expect("build HTTP client");
        Browser {
            client,
            base: host.url.clone(),
            cookies: CookieJar::default(),
        }
    }

    /// Returns the value of a cookie in the jar.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.get(name)
    }

    /// Puts a cookie into the jar, as another browser could.
    pub fn set_cookie(&self, name: &str, value: &str) {
        self.cookies.insert(name, value);
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Page {
        let request = match self.cookies.header() {
            Some(cookies) => request.header(reqwest::header::COOKIE, cookies),
            None => request,
        };
        let response = request.send().await.expect("send request");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap_or_default();
        let page = Page {
            status,
            headers,
            text,
        };
        self.cookies.store(&page.headers);
        page
    }

    pub async fn get(&self, path: &str) -> Page {
        self.send(self.client.get(format!("{}{path}", self.base)))
            .await
    }

    /// Posts `fields` as a urlencoded form, exactly as given.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        self.post_accepting(path, fields, false).await
    }

    /// Posts `fields` like [`Self::post`], with `Accept: application/json` when `json` is set.
    pub async fn post_accepting(&self, path: &str, fields: &[(&str, &str)], json: bool) -> Page {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let mut request = self
            .client
            .post(format!("{}{path}", self.base))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body);
        if json {
            request = request.header("Accept", "application/json");
        }
        self.send(request).await
    }

    /// Posts `fields` with the CSRF token of the page at `form_path`.
    pub async fn submit(&self, form_path: &str, action: &str, fields: &[(&str, &str)]) -> Page {
        let token = self.get(form_path).await.csrf_token();
        let mut all = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        self.post(action, &all).await
    }

    /// Signs in through the sign-in form and returns the response to the form.
    pub async fn sign_in_with(&self, login: &str, password: &str) -> Page {
        self.submit(
            "/login",
            "/login",
            &[("login", login), ("password", password)],
        )
        .await
    }

    /// Signs in with the test password and checks that it worked.
    pub async fn sign_in(&self, login: &str) {
        let page = self.sign_in_with(login, USER_PASSWORD).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
    }

    /// Creates a registration through the New form and returns its id.
    pub async fn create_registration(&self, name: &str, host_name: &str, password: &str) -> i64 {
        let page = self
            .submit(
                "/registrations/new",
                "/registrations",
                &[
                    ("name", name),
                    ("description", "HR system of record"),
                    ("host_name", host_name),
                    ("user_name", crate::common::CONNECTOR_USER),
                    ("password", password),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
        let location = page.location().expect("redirect to the registration");
        location
            .trim_start_matches("/registrations/")
            .split('?')
            .next()
            .and_then(|id| id.parse().ok())
            .expect("registration id in the redirect")
    }
}
