//! A user of the host's pages over HTTPS: a cookie jar, redirects left to
//! the test, and forms posted with the CSRF token of the page they came from.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION};

use crate::cookie_jar::CookieJar;

/// One response of the pages.
pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub text: String,
}

impl Page {
    /// Returns the `value` of the first input named `name`.
    pub fn input_value(&self, name: &str) -> Option<&str> {
        let start = self.text.find(&format!("name=\"{name}\""))?;
        let tag = &self.text[start..start + self.text[start..].find('>')?];
        let value = &tag[tag.find("value=\"")? + "value=\"".len()..];
        Some(&value[..value.find('"')?])
    }

    /// Returns the HTML of the element with the attribute `id`, from its
    /// start tag to the first closing tag of the same name.
    pub fn element(&self, tag: &str, id: &str) -> &str {
        let start = self
            .text
            .find(&format!(" id=\"{id}\""))
            .and_then(|attribute| self.text[..=attribute].rfind(&format!("<{tag} ")))
            .unwrap_or_else(|| panic!("no <{tag} id=\"{id}\"> in the page: {}", self.text));
        let rest = &self.text[start..];
        let end = rest.find(&format!("</{tag}>")).map_or(rest.len(), |end| end + tag.len() + 3);
        &rest[..end]
    }
}

/// Returns a client builder that trusts only `ca_pem` and connects to
/// `address` for `localhost`, with a 30-second timeout.
pub fn client_trusting(ca_pem: &Path, address: SocketAddr) -> reqwest::ClientBuilder {
    let pem = std::fs::read(ca_pem).expect("read the CA certificate");
    reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).expect("CA certificate"))
        .resolve("localhost", address)
        .timeout(Duration::from_secs(30))
}

/// A browser's view of the host: its own cookies and a client that trusts the dev CA.
pub struct WebSession {
    client: reqwest::Client,
    base: String,
    cookies: CookieJar,
}

impl WebSession {
    /// Opens a session on `https://localhost:PORT` of the host at `address`, trusting `ca_pem`.
    pub fn new(ca_pem: &Path, address: SocketAddr) -> WebSession {
        let client = client_trusting(ca_pem, address)
            .https_only(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("build the HTTP client");
        WebSession {
            client,
            base: format!("https://localhost:{}", address.port()),
            cookies: CookieJar::default(),
        }
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Page {
        let request = match self.cookies.header() {
            Some(cookies) => request.header(COOKIE, cookies),
            None => request,
        };
        let response = request.send().await.expect("send the request");
        self.cookies.store(response.headers());
        let status = response.status();
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let text = response.text().await.expect("read the response body");
        Page { status, location, text }
    }

    /// GETs `path` with `query` encoded as a form would encode it.
    pub async fn get(&self, path: &str, query: &[(&str, &str)]) -> Page {
        self.send(self.client.get(format!("{}{path}", self.base)).query(query)).await
    }

    /// Posts `fields` with the CSRF token of the page at `form_path`.
    pub async fn submit(&self, form_path: &str, action: &str, fields: &[(&str, &str)]) -> Page {
        let form_page = self.get(form_path, &[]).await;
        assert_eq!(form_page.status, StatusCode::OK, "{form_path}: {}", form_page.text);
        let token = form_page.input_value("csrf_token").expect("a CSRF token on the form page");
        let mut all = vec![("csrf_token", token)];
        all.extend_from_slice(fields);
        self.send(self.client.post(format!("{}{action}", self.base)).form(&all)).await
    }

    /// Signs in through the sign-in form and checks that it worked.
    pub async fn sign_in(&self, login: &str, password: &str) {
        let page = self.submit("/login", "/login", &[("login", login), ("password", password)]).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "sign in as {login}: {}", page.text);
    }
}
