//! Launch External URL support: the list, the configuration, signed launches
//! and a browser-like client.

use std::sync::Arc;

use connector::store::{ListImport, ListRow, Store};
use connector::{Config, Secret};
use protocol::{LaunchCredentials, LaunchSource, LaunchV1, LaunchV4};

use super::engines::TestDatabase;
use super::test_host::{CLIENT_ID, CLIENT_SECRET, LAUNCH_CLIENT_ID, REDIRECT_URL, TestHost};
use super::{PASSWORD, TestConnector, USERNAME, test_config};

pub const V1_PATH: &str = "/concur/form/v1.0/get";
pub const V4_PATH: &str = "/launchexternalurl/v4/form";
pub const V1_FIELD: &str = "CostObject";
pub const V4_FIELD: &str = "Destination";
pub const LIST: &str = "Cities";

pub fn credentials() -> LaunchCredentials<'static> {
    LaunchCredentials {
        username: USERNAME,
        password: PASSWORD,
    }
}

pub fn cities() -> ListImport {
    let row = |line, code: &str, text: &str, lang: Option<&str>| ListRow {
        line,
        parent: String::new(),
        code: code.to_owned(),
        text: text.to_owned(),
        lang: lang.map(str::to_owned),
    };
    ListImport {
        list_name: LIST.to_owned(),
        default_lang: "EN".to_owned(),
        rows: vec![
            row(2, "BER", "Berlin", None),
            row(3, "MUC", "Munich", None),
            row(4, "MUC", "München", Some("DE")),
            row(5, "PAR", "Paris", None),
        ],
    }
}

/// Opens a store on `database` and imports the list of cities into it.
pub async fn open_store(database: &TestDatabase) -> Arc<dyn Store> {
    let store = database.open().await;
    store.import_list(cities()).await.expect("import cities");
    store
}

pub fn launch_config(host: &TestHost) -> Config {
    let mut config = test_config();
    config.host.origin = host.origin.clone();
    config.host.client_id = CLIENT_ID.to_owned();
    config.host.client_secret = Secret::new(CLIENT_SECRET);
    config.host.trusted_ca_files = vec![host.ca_file.clone()];
    config.launch.list = LIST.to_owned();
    config.launch.v1_field = V1_FIELD.to_owned();
    config.launch.oauth_client_id = LAUNCH_CLIENT_ID.to_owned();
    config.launch.redirect_url = REDIRECT_URL.to_owned();
    config
}

pub fn browser(connector: &TestConnector) -> reqwest::Client {
    connector
        .client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("build browser client")
}

pub fn entry_url(host: &TestHost) -> String {
    format!("{}/api/expense/v1/items/entries/12", host.origin)
}

pub fn v1_launch(host: &TestHost, user_id: &str) -> LaunchV1 {
    LaunchV1 {
        company_domain: "demo-company.example".to_owned(),
        user_id: user_id.to_owned(),
        item_url: entry_url(host),
        nonce: uuid::Uuid::new_v4().to_string(),
    }
}

pub fn v4_launch(host: &TestHost, language_code: &str) -> LaunchV4 {
    LaunchV4 {
        logged_in_user_id: "ann".to_owned(),
        report_owner_user_id: "ann".to_owned(),
        report_owner_employee_id: "7".to_owned(),
        company_domain: "demo-company.example".to_owned(),
        item_url: entry_url(host),
        custom_field_launched_from: V4_FIELD.to_owned(),
        expense_ids: Vec::new(),
        source: LaunchSource::Entry,
        is_mobile: false,
        nonce: uuid::Uuid::new_v4().to_string(),
        client_auth_code: host.issue_launch_code(),
        language_code: language_code.to_owned(),
    }
}
