//! Fake connectors and a host wired for search callouts, shared by the dispatch tests.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode as HttpStatus, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::StreamExt;
use host::Config;
use host::dispatch::{AttendeeResults, CalloutFailure, Dispatcher, ListResults};
use host::domain::callout_log::{CALLOUT_LOG_KEPT, CalloutRecord};
use host::domain::{Actor, RegistrationId};
use host::web::WebOptions;
use protocol::{
    Attendee, AttendeeSearchRequest, AttendeeSearchResponse, AttendeeVersion, FetchListRequest,
    FetchListResponse, ListItem, SearchBy,
};
use reqwest::StatusCode;
use serde_json::json;
use tokio::sync::oneshot;

use crate::common::*;
use crate::web_support::Browser;

pub const ATTENDEE_PATH: &str = "/concur/attendee/v2.0/fetch";
pub const ATTENDEE_V1_PATH: &str = "/concur/attendee/v1.0/fetch";
pub const LIST_PATH: &str = "/concur/list/v1.2/fetch";

/// What a fake connector returns to every search callout.
#[derive(Clone)]
pub enum Canned {
    Answer {
        status: u16,
        content_type: Option<&'static str>,
        body: String,
    },
    /// Accepts the request and never responds.
    Hang,
    /// Sends status 200 with the XML content type at once, then the body
    /// [`TRICKLE_CHUNK_BYTES`] at a time, one chunk every `interval`.
    Trickle { body: String, interval: Duration },
}

/// Bytes of each chunk of [`Canned::Trickle`].
pub const TRICKLE_CHUNK_BYTES: usize = 16;

impl Canned {
    pub fn xml(body: impl Into<String>) -> Canned {
        Canned::Answer {
            status: 200,
            content_type: Some("application/xml; charset=utf-8"),
            body: body.into(),
        }
    }
}

/// One search callout as a fake connector received it.
#[derive(Clone)]
pub struct Received {
    pub path: String,
    pub authorization: Option<String>,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

#[derive(Clone)]
struct FakeState {
    canned: Canned,
    received: Arc<Mutex<Vec<Received>>>,
}

/// A connector on loopback over TLS that passes Test Connection and
/// returns a canned response to every search callout.
pub struct FakeConnector {
    pub origin: String,
    port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    _stop: oneshot::Sender<()>,
}

impl FakeConnector {
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Stops the connector and waits until its port refuses connections.
    pub async fn stop(self) {
        let FakeConnector {
            port, _stop: stop, ..
        } = self;
        drop(stop);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the fake connector still listens on port {port}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// The CA of the fake connectors; each test makes its own.
pub struct FakeCa(tls::dev_ca::DevCa);

impl FakeCa {
    pub fn new() -> FakeCa {
        FakeCa(tls::dev_ca::DevCa::generate("fake connector CA").expect("generate CA"))
    }

    pub fn pem(&self) -> Vec<u8> {
        self.0.certificate_pem().as_bytes().to_vec()
    }

    pub async fn spawn(&self, canned: Canned) -> FakeConnector {
        let state = FakeState {
            canned,
            received: Arc::new(Mutex::new(Vec::new())),
        };
        let received = Arc::clone(&state.received);
        let router = Router::new()
            .route("/system/v1.0/testconnection", get(|| async { "OK" }))
            .fallback(answer_search)
            .with_state(state);

        let (origin, stop) = serve_tls(&self.0, router).await;
        FakeConnector {
            port: origin
                .rsplit(':')
                .next()
                .and_then(|port| port.parse().ok())
                .expect("the origin ends in a port"),
            origin,
            received,
            _stop: stop,
        }
    }
}

async fn answer_search(
    State(state): State<FakeState>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let header_text = |name| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    state.received.lock().unwrap().push(Received {
        path: uri.path().to_owned(),
        authorization: header_text(header::AUTHORIZATION),
        content_type: header_text(header::CONTENT_TYPE),
        body: body.to_vec(),
    });
    match state.canned {
        Canned::Hang => std::future::pending::<Response>().await,
        Canned::Trickle { body, interval } => {
            let chunks: Vec<Bytes> = body
                .into_bytes()
                .chunks(TRICKLE_CHUNK_BYTES)
                .map(Bytes::copy_from_slice)
                .collect();
            let stream = futures_util::stream::iter(chunks).then(move |chunk| async move {
                tokio::time::sleep(interval).await;
                Ok::<_, std::convert::Infallible>(chunk)
            });
            (
                [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
                Body::from_stream(stream),
            )
                .into_response()
        }
        Canned::Answer {
            status,
            content_type,
            body,
        } => {
            let status = HttpStatus::from_u16(status).expect("valid status");
            match content_type {
                Some(content_type) => {
                    (status, [(header::CONTENT_TYPE, content_type)], body).into_response()
                }
                None => (status, body).into_response(),
            }
        }
    }
}

/// A host with the admin pages whose outbound client trusts `trusted` and
/// reaches loopback, and an administrator of the company Acme.
pub struct Setup {
    pub host: TestHost,
    pub dispatcher: Dispatcher,
    pub token: String,
    pub actor: Actor,
}

/// Starts the host with the admin pages, trusting the CAs in `trusted`.
pub async fn start_host(trusted: Vec<Vec<u8>>, config: Config) -> Setup {
    let tester = host::tester::outbound_tester(&config.outbound, trusted, true)
        .expect("build outbound client");
    let mut dispatcher = None;
    let host = spawn_host_mounting(Arc::new(tester), config, |app| {
        dispatcher = Some(app.dispatcher.clone());
        Some(host::web::router(app, WebOptions::new(true)))
    })
    .await;
    let token = host.administrator("Acme").await;
    let actor = actor_of(&host, &token).await;
    Setup {
        host,
        dispatcher: dispatcher.expect("the host was assembled"),
        token,
        actor,
    }
}

pub async fn actor_of(host: &TestHost, token: &str) -> Actor {
    host::domain::accounts::actor_for_api_token(host.store.as_ref(), token)
        .await
        .expect("read the user")
        .expect("the user exists")
}

impl Setup {
    /// Registers `origin`, runs Test Connection, and enables each `(service, endpoint path)`.
    pub async fn register(&self, origin: &str, services: &[(&str, &str)]) -> RegistrationId {
        let name = format!("Connector at {origin}");
        let (id, verified) = self
            .host
            .register_tested(&self.token, &name, origin, CONNECTOR_PASSWORD)
            .await;
        assert!(verified, "Test Connection of {origin} failed");
        for (service, path) in services {
            let configured = self
                .host
                .put(
                    &format!("/api/v1/connectors/{id}/services/{service}"),
                    &self.token,
                    &json!({"enabled": true, "endpoint_path": path}),
                )
                .await;
            assert_eq!(configured.status, StatusCode::OK, "{}", configured.text);
        }
        RegistrationId(id)
    }

    pub async fn fetch_attendees(
        &self,
        id: RegistrationId,
        request: &AttendeeSearchRequest,
    ) -> Result<AttendeeResults, CalloutFailure> {
        self.dispatcher
            .fetch_attendees(&self.actor, id, request)
            .await
    }

    pub async fn fetch_list(
        &self,
        id: RegistrationId,
        request: &FetchListRequest,
    ) -> Result<ListResults, CalloutFailure> {
        self.dispatcher.fetch_list(&self.actor, id, request).await
    }

    /// Returns the registration's callout log, newest first.
    pub async fn log(&self, id: RegistrationId) -> Vec<CalloutRecord> {
        self.host
            .store
            .recent_callouts(self.actor.company.id, id, CALLOUT_LOG_KEPT)
            .await
            .expect("read the callout log")
    }

    /// Returns the registration page as the administrator gets it.
    pub async fn page(&self, id: RegistrationId) -> String {
        let browser = Browser::new(&self.host);
        browser.sign_in(&self.actor.user.login).await;
        let page = browser.get(&format!("/registrations/{}", id.0)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        page.text
    }
}

/// Starts a fake connector returning `canned` and a host trusting its CA,
/// with both search services of a registration of it enabled.
pub async fn fake_setup(canned: Canned) -> (Setup, FakeConnector, RegistrationId) {
    fake_setup_with(canned, test_config()).await
}

pub async fn fake_setup_with(
    canned: Canned,
    config: Config,
) -> (Setup, FakeConnector, RegistrationId) {
    let ca = FakeCa::new();
    let setup = start_host(vec![ca.pem()], config).await;
    let fake = ca.spawn(canned).await;
    let id = setup
        .register(
            &fake.origin,
            &[("fetch-attendee", ATTENDEE_PATH), ("fetch-list", LIST_PATH)],
        )
        .await;
    (setup, fake, id)
}

pub fn search_last_name(last_name: &str, maximum: Option<u32>) -> AttendeeSearchRequest {
    let mut criteria = Attendee::empty(AttendeeVersion::V2_0);
    criteria.last_name = last_name.to_owned();
    AttendeeSearchRequest {
        criteria,
        owner_login_id: "owner@acme".to_owned(),
        maximum_number_records: maximum,
    }
}

pub fn list_query(long_code: &str, query: &str, num_to_return: Option<u32>) -> FetchListRequest {
    FetchListRequest {
        long_code: long_code.to_owned(),
        query: query.to_owned(),
        search_by: SearchBy::Text,
        lang_code: "EN".to_owned(),
        num_to_return,
        list_name: "Cities".to_owned(),
        ..FetchListRequest::default()
    }
}

pub fn attendee(number: usize) -> Attendee {
    let mut attendee = Attendee::empty(AttendeeVersion::V2_0);
    attendee.external_id = format!("EXT-{number:04}");
    attendee.first_name = "Ada".to_owned();
    attendee.last_name = "Doe".to_owned();
    attendee
}

/// Writes a valid Fetch Attendee v2.0 response with `count` attendees.
pub fn attendees_xml(count: usize) -> String {
    let response = AttendeeSearchResponse {
        attendees: (1..=count).map(attendee).collect(),
    };
    String::from_utf8(
        response
            .to_xml(AttendeeVersion::V2_0)
            .expect("write response"),
    )
    .expect("UTF-8")
}

/// Writes a Fetch List response of `count` first-level items, `C00` upwards.
pub fn list_items_xml(count: usize) -> String {
    let items = (0..count)
        .map(|index| ListItem {
            code: format!("C{index:02}"),
            short_code: format!("C{index:02}"),
            text: format!("City {index:02}"),
            match_value: format!("City {index:02}"),
        })
        .collect();
    String::from_utf8(
        FetchListResponse { items }
            .to_xml()
            .expect("write response"),
    )
    .expect("UTF-8")
}

/// Replaces `from` in `text`, checking that it occurs.
pub fn replaced(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "{from} not in {text}");
    text.replacen(from, to, 1)
}

pub fn external_ids(attendees: &[Attendee]) -> Vec<&str> {
    attendees
        .iter()
        .map(|attendee| attendee.external_id.as_str())
        .collect()
}

/// Escapes text as the page templates do.
pub fn html_escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}
