//! A host with the expense pages whose searches are recorded on the way to a real or fake connector.
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use host::dispatch::{AttendeeResults, CalloutFailure, Dispatcher, ListResults};
use host::domain::accounts::{self, AccountError, CompanyInput, UserInput};
use host::domain::{Actor, RegistrationId};
use host::sandbox::ExpenseCallouts;
use host::web::WebOptions;
use protocol::{AttendeeSearchRequest, FetchListRequest};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::running_connector::{RunningConnector, spawn_connector_importing};
use crate::common::*;
use crate::dispatch_support::{ATTENDEE_PATH, LIST_PATH, Setup, actor_of};
use crate::web_support::{Browser, Page};

/// The list that registrations of these tests configure.
pub const LIST_NAME: &str = "Cities";
pub const LIST_CATEGORY: &str = "Locations";
/// The attendee type that registrations of these tests configure.
pub const ATTENDEE_TYPE: &str = "BUSGUEST";

/// Numbers the logins of employees, which must be unique in the host.
static EMPLOYEES: AtomicUsize = AtomicUsize::new(1);

/// Returns the CSV of a connected list of four levels: country, region, state and city.
pub fn cities_csv() -> String {
    "parent,code,text,lang\n\
     ,US,United States,\n\
     ,UK,United Kingdom,\n\
     US,W,West,\n\
     US,E,East,\n\
     US-W,CA,California,\n\
     US-W-CA,SF,San Francisco,\n\
     US-W-CA,SJ,San Jose,\n\
     US-W-CA,SD,San Diego,\n\
     US-W-CA,LA,Los Angeles,\n\
     US-E,NY,New York,\n"
        .to_owned()
}

pub fn attendees_csv() -> String {
    "ExternalID,FirstName,MiddleInitial,LastName,Company,AttendeeTypeCode,Title,Custom3\n\
     EXT-0001,John,Q,Doe,Acme Corporation,BUSGUEST,Dr,Board\n\
     EXT-0002,Jane,,Doe,Globex,BUSGUEST,,\n\
     EXT-0003,Sean,,OBrien,Smith and Sons,BUSGUEST,,\n\
     EXT-0004,Zoë,,Ødegaard,Beacon Technologies Group,BUSGUEST,,\n\
     SPK-0001,Sam,,Doe,Speakers Inc,SPEAKER,,\n"
        .to_owned()
}

/// Starts the real connector with the Cities list and the attendees above.
pub async fn connector_with_data() -> RunningConnector {
    spawn_connector_importing(Some(&attendees_csv()), &[(LIST_NAME, &cities_csv())]).await
}

/// Records every search request, then sends it through the host's dispatcher.
pub struct Recorder {
    dispatcher: Dispatcher,
    lists: Mutex<Vec<FetchListRequest>>,
    attendees: Mutex<Vec<AttendeeSearchRequest>>,
}

impl Recorder {
    pub fn list_requests(&self) -> Vec<FetchListRequest> {
        self.lists.lock().unwrap().clone()
    }

    pub fn attendee_requests(&self) -> Vec<AttendeeSearchRequest> {
        self.attendees.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.lists.lock().unwrap().len() + self.attendees.lock().unwrap().len()
    }
}

#[async_trait::async_trait]
impl ExpenseCallouts for Recorder {
    async fn fetch_list(
        &self,
        actor: &Actor,
        registration_id: RegistrationId,
        request: &FetchListRequest,
    ) -> Result<ListResults, CalloutFailure> {
        self.lists.lock().unwrap().push(request.clone());
        self.dispatcher
            .fetch_list(actor, registration_id, request)
            .await
    }

    async fn fetch_attendees(
        &self,
        actor: &Actor,
        registration_id: RegistrationId,
        request: &AttendeeSearchRequest,
    ) -> Result<AttendeeResults, CalloutFailure> {
        self.attendees.lock().unwrap().push(request.clone());
        self.dispatcher
            .fetch_attendees(actor, registration_id, request)
            .await
    }
}

/// A host with the pages, an administrator of Acme, and the recorder of its searches.
pub struct Sandbox {
    pub setup: Setup,
    pub recorder: Arc<Recorder>,
}

/// Starts a host whose outbound client trusts `trusted` and reaches loopback.
pub async fn start_sandbox(trusted: Vec<Vec<u8>>) -> Sandbox {
    let config = test_config();
    let tester = host::tester::outbound_tester(&config.outbound, trusted, true)
        .expect("build outbound client");
    let mut parts = None;
    let host = spawn_host_mounting(Arc::new(tester), config, |app| {
        let recorder = Arc::new(Recorder {
            dispatcher: app.dispatcher.clone(),
            lists: Mutex::new(Vec::new()),
            attendees: Mutex::new(Vec::new()),
        });
        parts = Some((app.dispatcher.clone(), Arc::clone(&recorder)));
        Some(host::web::router_with_callouts(
            app,
            WebOptions::new(true),
            recorder,
        ))
    })
    .await;
    let (dispatcher, recorder) = parts.expect("the host was assembled");
    let token = host.administrator("Acme").await;
    let actor = actor_of(&host, &token).await;
    Sandbox {
        setup: Setup {
            host,
            dispatcher,
            token,
            actor,
        },
        recorder,
    }
}

/// Returns the Fetch List settings of these tests: the Cities list with four levels.
pub fn cities_service() -> Value {
    json!({
        "enabled": true,
        "endpoint_path": LIST_PATH,
        "lists": [{"list_name": LIST_NAME, "category": LIST_CATEGORY, "language_code": "en", "connected_list_level": 4}],
    })
}

/// Returns the Fetch Attendee settings of these tests: one attendee type.
pub fn attendee_service() -> Value {
    json!({"enabled": true, "endpoint_path": ATTENDEE_PATH, "attendee_types": [ATTENDEE_TYPE]})
}

impl Sandbox {
    pub fn host(&self) -> &TestHost {
        &self.setup.host
    }

    /// Registers `origin`, verifies it, and enables both search services
    /// with the Cities list and the BUSGUEST attendee type.
    pub async fn register(&self, origin: &str) -> RegistrationId {
        let id = self.setup.register(origin, &[]).await;
        self.configure(id, "fetch-list", cities_service()).await;
        self.configure(id, "fetch-attendee", attendee_service())
            .await;
        id
    }

    pub async fn configure(&self, id: RegistrationId, service: &str, body: Value) {
        let path = format!("/api/v1/connectors/{}/services/{service}", id.0);
        let answer = self.host().put(&path, &self.setup.token, &body).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    }

    /// Signs in a new employee of `company` (created when missing) and returns their browser.
    pub async fn employee(&self, company: &str) -> Browser {
        let login = self.employee_login(company).await;
        let browser = Browser::new(self.host());
        browser.sign_in(&login).await;
        browser
    }

    /// Creates an employee of `company` with a login of their own and returns it.
    pub async fn employee_login(&self, company: &str) -> String {
        let store = self.host().store.as_ref();
        let created = accounts::create_company(
            store,
            &CompanyInput {
                name: company.to_owned(),
                edition: "standard".to_owned(),
                development_partner: false,
            },
        )
        .await;
        assert!(
            matches!(created, Ok(_) | Err(AccountError::CompanyExists(_))),
            "create company: {created:?}"
        );
        let number = EMPLOYEES.fetch_add(1, Ordering::Relaxed);
        let login = format!("employee-{number}@{}", company.to_lowercase());
        let input = UserInput {
            company_name: company.to_owned(),
            login: login.clone(),
            roles: vec!["employee".to_owned()],
            password: host::Secret::new(USER_PASSWORD),
        };
        accounts::create_user(store, &input)
            .await
            .expect("create employee");
        login
    }
}

/// Creates a report through the form and returns its id.
pub async fn create_report(browser: &Browser, name: &str) -> i64 {
    let page = browser
        .submit("/expenses", "/expenses/reports", &[("name", name)])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
    id_after(&page, "/expenses/reports/")
}

/// Returns valid entry fields, with the list field bound to the first configured list.
pub fn entry_fields() -> Vec<(&'static str, &'static str)> {
    vec![
        ("expense_type", "business-meal"),
        ("transaction_date", "2025-03-01"),
        ("amount", "84.20"),
        ("currency", "eur"),
        ("business_purpose", "Dinner with the Globex team"),
        ("list", "0"),
    ]
}

/// Creates an entry of `report` with `fields` and returns the path of its page.
pub async fn create_entry(browser: &Browser, report: i64, fields: &[(&str, &str)]) -> String {
    let page = browser
        .submit(
            &format!("/expenses/reports/{report}/entries/new"),
            &format!("/expenses/reports/{report}/entries"),
            fields,
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
    let location = page.location().expect("redirect to the entry");
    location.split('?').next().unwrap_or_default().to_owned()
}

/// Creates a report with one valid entry and returns the entry's path.
pub async fn report_with_entry(browser: &Browser) -> String {
    let report = create_report(browser, "March trip").await;
    create_entry(browser, report, &entry_fields()).await
}

/// Posts a form of the entry page at `entry` with its CSRF token.
pub async fn post_on_entry(
    browser: &Browser,
    entry: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> Page {
    browser
        .submit(entry, &format!("{entry}{action}"), fields)
        .await
}

/// Chooses the item `short_code` at `level` and checks that the choice was saved.
pub async fn choose(browser: &Browser, entry: &str, level: &str, short_code: &str) {
    let page = post_on_entry(
        browser,
        entry,
        "/list",
        &[("level", level), ("short_code", short_code)],
    )
    .await;
    assert_eq!(
        page.status,
        StatusCode::SEE_OTHER,
        "choose {short_code} at level {level}: {}",
        page.text
    );
}

/// Returns the id that follows `prefix` in the redirect of `page`.
pub fn id_after(page: &Page, prefix: &str) -> i64 {
    page.location()
        .and_then(|location| location.strip_prefix(prefix))
        .and_then(|rest| rest.split(['?', '/', '#']).next())
        .and_then(|id| id.parse().ok())
        .expect("id in the redirect")
}

/// Returns the HTML of the element whose `id` attribute is `id`, up to the
/// end of its first closing tag of the same name.
pub fn element<'a>(page: &'a str, tag: &str, id: &str) -> &'a str {
    let start = page
        .find(&format!(" id=\"{id}\""))
        .and_then(|attribute| page[..=attribute].rfind(&format!("<{tag} ")))
        .unwrap_or_else(|| panic!("no <{tag} id=\"{id}\"> in {page}"));
    let rest = &page[start..];
    let end = rest
        .find(&format!("</{tag}>"))
        .map_or(rest.len(), |end| end + tag.len() + 3);
    &rest[..end]
}

/// A host with a registration of the real connector, and a signed-in employee of Acme.
pub struct Ready {
    pub sandbox: Sandbox,
    pub connector: RunningConnector,
    pub registration: RegistrationId,
    pub employee: Browser,
}

pub async fn ready() -> Ready {
    let connector = connector_with_data().await;
    let sandbox = start_sandbox(vec![connector.ca_pem.clone()]).await;
    let registration = sandbox.register(&connector.origin).await;
    let employee = sandbox.employee("Acme").await;
    Ready {
        sandbox,
        connector,
        registration,
        employee,
    }
}
