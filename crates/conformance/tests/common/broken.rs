//! A small connector over TLS that keeps every rule except one chosen
//! defect, to show that each check catches the fault it names.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use connector::store::pattern::{Pattern, fold};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use protocol::limits::MAX_RECORDS;
use protocol::{
    Attendee, AttendeeSearchRequest, AttendeeSearchResponse, AttendeeVersion, FetchListRequest,
    FetchListResponse, ListItem, SearchBy,
};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio_rustls::TlsAcceptor;

use super::{PASSWORD, Running, SERVER_NAME, TestTls, USERNAME, attendees_csv, cities_csv};

/// The one rule the connector breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Defect {
    /// Breaks nothing: the baseline that each defect's failures are compared with.
    None,
    /// Returns records that match any non-empty field instead of all of them.
    OrInsteadOfAnd,
    /// Returns 101 records when more than 100 are asked for.
    Returns101,
    /// Leaves `Title` out of every attendee.
    OmitsTitle,
    /// Returns 500 for a request it cannot parse.
    ServerErrorOnMalformed,
    /// Serves every request whatever its credentials.
    AcceptsAnyCredentials,
    /// Presents a self-signed certificate.
    SelfSigned,
    /// Completes the TLS handshake but never sends a response.
    NeverResponds,
}

struct Data {
    defect: Defect,
    attendees: Vec<Attendee>,
    /// Items with the long code of their parent.
    items: Vec<(String, ListItem)>,
}

type Shared = Arc<Data>;

/// Starts the connector with `defect` on 127.0.0.1:0 over TLS.
pub async fn spawn_broken(defect: Defect) -> Running {
    let tls = TestTls::generate();
    let server_tls = if defect == Defect::SelfSigned {
        let issued =
            tls::dev_ca::self_signed_server(&[SERVER_NAME.to_owned(), "127.0.0.1".to_owned()])
                .expect("self-signed certificate");
        tls::server::server_config_from_pem(
            issued.chain_pem.as_bytes(),
            issued.private_key_pem.as_bytes(),
        )
        .expect("server TLS configuration")
    } else {
        tls.server
    };

    let data = Arc::new(Data {
        defect,
        attendees: attendees(),
        items: items(),
    });
    let router = Router::new()
        .route("/system/v1.0/testconnection", get(test_connection))
        .route("/concur/attendee/v2.0/fetch", post(fetch_attendee))
        .route("/concur/list/v1.2/fetch", post(fetch_list))
        .with_state(data);

    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let acceptor = TlsAcceptor::from(server_tls);
    let (shutdown, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let accept_loop = async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                let service = TowerToHyperService::new(router.clone());
                tokio::spawn(async move {
                    if let Ok(stream) = acceptor.accept(tcp).await {
                        let _ = auto::Builder::new(TokioExecutor::new())
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    }
                });
            }
        };
        tokio::select! {
            _ = stopped => {}
            () = accept_loop => {}
        }
    });
    Running::new(address, tls.ca_pem, shutdown, task)
}

fn attendees() -> Vec<Attendee> {
    let csv = attendees_csv();
    csv.lines()
        .skip(1)
        .map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            let mut attendee = Attendee::empty(AttendeeVersion::V2_0);
            attendee.external_id = fields[0].to_owned();
            attendee.first_name = fields[1].to_owned();
            attendee.last_name = fields[2].to_owned();
            attendee.company = fields[3].to_owned();
            attendee.attendee_type_code = fields[4].to_owned();
            attendee
        })
        .collect()
}

fn items() -> Vec<(String, ListItem)> {
    let csv = cities_csv();
    csv.lines()
        .skip(1)
        .map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            let parent = fields[0].to_owned();
            let code = if parent.is_empty() {
                fields[1].to_owned()
            } else {
                format!("{parent}-{}", fields[1])
            };
            let item = ListItem {
                code,
                short_code: fields[1].to_owned(),
                text: fields[2].to_owned(),
                match_value: String::new(),
            };
            (parent, item)
        })
        .collect()
}

/// Checks the credentials unless the defect is to accept any.
fn reject_credentials(data: &Data, headers: &HeaderMap) -> Option<Response> {
    if data.defect == Defect::AcceptsAnyCredentials {
        return None;
    }
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{USERNAME}:{PASSWORD}"));
    let expected = format!("Basic {token}");
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok());
    if presented == Some(expected.as_str()) {
        return None;
    }
    Some(
        (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Basic realm=\"broken\"")],
            "authentication required",
        )
            .into_response(),
    )
}

/// Rejects a body that is not declared as XML, as our connector does.
fn reject_content_type(headers: &HeaderMap) -> Option<Response> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    if content_type.starts_with("application/xml") || content_type.starts_with("text/xml") {
        None
    } else {
        Some((StatusCode::UNSUPPORTED_MEDIA_TYPE, "XML expected").into_response())
    }
}

fn parse_failure(data: &Data, error: protocol::ParseError) -> Response {
    let status = if data.defect == Defect::ServerErrorOnMalformed {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::BAD_REQUEST
    };
    (status, error.to_string()).into_response()
}

fn xml(body: Vec<u8>) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
        body,
    )
        .into_response()
}

/// Caps a requested count at 100, or at 101 with the `Returns101` defect.
fn limit(data: &Data, requested: Option<u32>) -> usize {
    let requested = requested.map_or(MAX_RECORDS, |count| count as usize);
    if data.defect == Defect::Returns101 && requested > MAX_RECORDS {
        MAX_RECORDS + 1
    } else {
        requested.min(MAX_RECORDS)
    }
}

/// Waits forever with the `NeverResponds` defect.
async fn stall(data: &Data) {
    if data.defect == Defect::NeverResponds {
        std::future::pending::<()>().await;
    }
}

async fn test_connection(State(data): State<Shared>, headers: HeaderMap) -> Response {
    stall(&data).await;
    if let Some(rejection) = reject_credentials(&data, &headers) {
        return rejection;
    }
    (StatusCode::OK, "ok").into_response()
}

async fn fetch_attendee(State(data): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    stall(&data).await;
    if let Some(rejection) =
        reject_credentials(&data, &headers).or_else(|| reject_content_type(&headers))
    {
        return rejection;
    }
    let request = match AttendeeSearchRequest::parse(&body, AttendeeVersion::V2_0) {
        Ok(request) => request,
        Err(error) => return parse_failure(&data, error),
    };

    let criteria: Vec<(Pattern, &str)> = ["LastName", "FirstName", "Company", "ExternalID"]
        .into_iter()
        .filter_map(|name| {
            let value = request.criteria.field(name).unwrap_or_default();
            (!value.is_empty()).then(|| (Pattern::begins_with(value), name))
        })
        .collect();
    let matches = |attendee: &Attendee, (pattern, name): &(Pattern, &str)| {
        pattern.matches(&fold(attendee.field(name).unwrap_or_default()))
    };
    let mut found: Vec<Attendee> = data
        .attendees
        .iter()
        .filter(|attendee| {
            if criteria.is_empty() {
                true
            } else if data.defect == Defect::OrInsteadOfAnd {
                criteria
                    .iter()
                    .any(|criterion| matches(attendee, criterion))
            } else {
                criteria
                    .iter()
                    .all(|criterion| matches(attendee, criterion))
            }
        })
        .cloned()
        .collect();
    found.sort_by_key(|attendee| (fold(&attendee.last_name), fold(&attendee.first_name)));
    found.truncate(limit(&data, request.maximum_number_records));

    let mut written =
        match (AttendeeSearchResponse { attendees: found }).to_xml(AttendeeVersion::V2_0) {
            Ok(written) => written,
            Err(error) => {
                return (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response();
            }
        };
    if data.defect == Defect::OmitsTitle {
        written = String::from_utf8_lossy(&written)
            .replace("<Title/>", "")
            .into_bytes();
    }
    xml(written)
}

async fn fetch_list(State(data): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    stall(&data).await;
    if let Some(rejection) =
        reject_credentials(&data, &headers).or_else(|| reject_content_type(&headers))
    {
        return rejection;
    }
    let request = match FetchListRequest::parse(&body) {
        Ok(request) => request,
        Err(error) => return parse_failure(&data, error),
    };

    let pattern = Pattern::new(&request.query);
    let mut found: Vec<ListItem> = data
        .items
        .iter()
        .filter(|(parent, item)| {
            let value = match request.search_by {
                SearchBy::Text => &item.text,
                SearchBy::Code => &item.short_code,
            };
            *parent == request.long_code && pattern.matches(&fold(value))
        })
        .map(|(_, item)| ListItem {
            match_value: item.text.clone(),
            ..item.clone()
        })
        .collect();
    found.sort_by_key(|item| fold(&item.text));
    found.truncate(limit(&data, request.num_to_return));

    match (FetchListResponse { items: found }).to_xml() {
        Ok(written) => xml(written),
        Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response(),
    }
}
