//! A user of the host's pages over HTTPS: a cookie jar, redirects left to
//! the test, and forms posted with the CSRF token of the page they came from.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};

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

/// A browser's view of the host: its own cookies and a client that trusts the dev CA.
pub struct WebSession {
    client: reqwest::Client,
    base: String,
    cookies: Mutex<BTreeMap<String, String>>,
}

impl WebSession {
    /// Opens a session on `https://localhost:PORT` of the host at `address`, trusting `ca_pem`.
    pub fn new(ca_pem: &Path, address: SocketAddr) -> WebSession {
        let pem = std::fs::read(ca_pem).expect("read the CA certificate");
        let client = reqwest::Client::builder()
            .use_rustls_tls()
            .tls_built_in_root_certs(false)
            .add_root_certificate(reqwest::Certificate::from_pem(&pem).expect("CA certificate"))
            .resolve("localhost", address)
            .https_only(true)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .expect("build the HTTP client");
        WebSession {
            client,
            base: format!("https://localhost:{}", address.port()),
            cookies: Mutex::new(BTreeMap::new()),
        }
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Page {
        let cookies: Vec<String> = self
            .cookies
            .lock()
            .unwrap()
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        let request = if cookies.is_empty() {
            request
        } else {
            request.header(COOKIE, cookies.join("; "))
        };
        let response = request.send().await.expect("send the request");
        self.keep_cookies(response.headers());
        let status = response.status();
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let text = response.text().await.expect("read the response body");
        Page { status, location, text }
    }

    fn keep_cookies(&self, headers: &reqwest::header::HeaderMap) {
        let mut cookies = self.cookies.lock().unwrap();
        for header in headers.get_all(SET_COOKIE).iter().filter_map(|value| value.to_str().ok()) {
            let pair = header.split(';').next().unwrap_or_default();
            let Some((name, value)) = pair.split_once('=') else {
                continue;
            };
            if header.contains("Max-Age=0") {
                cookies.remove(name);
            } else {
                cookies.insert(name.to_owned(), value.to_owned());
            }
        }
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
