//! Search semantics end to end: the real server over TLS on a real SQLite
//! store, responses checked with the strict protocol parsers a host uses.

mod common;

use std::fmt::Write as _;

use common::engines::TestDatabase;
use common::{ATTENDEE_V1_PATH, ATTENDEE_V2_PATH, LIST_PATH, TestConnector, spawn_connector, test_config};
use connector::import::{self, CsvSource};
use protocol::{AttendeeSearchResponse, AttendeeVersion, FetchListResponse};

const EXAMPLE_LIST_REQUEST: &[u8] = include_bytes!("../../protocol/tests/fixtures/fetch_list_request.xml");
const EXAMPLE_ATTENDEE_REQUEST_V2: &[u8] =
    include_bytes!("../../protocol/tests/fixtures/attendee_search_request_v2.xml");
const EXAMPLE_ATTENDEE_REQUEST_V1: &[u8] =
    include_bytes!("../../protocol/tests/fixtures/attendee_search_request_v1.xml");

/// Items beyond the 100-item cap under `US-W-MANY`.
const MANY: usize = 150;

fn cities_csv() -> String {
    let mut csv = String::from(
        "parent,code,text,lang
,US,United States,
US,W,West,
US,E,East,
US-W,CA,California,
US-W,MANY,Many,
US-W-CA,SF,San Francisco,
US-W-CA,SJ,San Jose,
US-W-CA,SD,San Diego,
US-W-CA,LA,Los Angeles,
US-W-CA,LA,Los Ángeles,ES
US-W-CA,SAC,Sacramento,
US-E,NY,New York,
US-E-NY,SAN,Sanborn,
",
    );
    for index in 0..MANY {
        writeln!(csv, "US-W-MANY,M{index:03},Place {index:03},").expect("write");
    }
    csv
}

fn attendees_csv() -> String {
    let mut csv = String::from(
        "ExternalID,FirstName,LastName,Company,AttendeeTypeCode,Custom21
EXT-0001,John,Doe,Acme Corporation,BUSGUEST,extra
EXT-0002,Jane,Doe,Globex,BUSGUEST,
EXT-0003,Seán,O'Brien,Smith & Sons,BUSGUEST,
",
    );
    for index in 0..MANY {
        writeln!(csv, "MANY-{index:03},Many,Manyson,Bulk Inc,BUSGUEST,").expect("write");
    }
    csv
}

async fn connector_with_data() -> (TestConnector, TestDatabase) {
    let database = TestDatabase::from_environment().await;
    let store = database.open().await;
    let cities = database.directory().join("cities.csv");
    std::fs::write(&cities, cities_csv()).expect("write cities");
    let attendees = database.directory().join("attendees.csv");
    std::fs::write(&attendees, attendees_csv()).expect("write attendees");
    import::import_list(&*store, CsvSource::open(&cities).expect("open"), "Cities", "EN")
        .await
        .expect("import cities");
    import::import_attendees(&*store, CsvSource::open(&attendees).expect("open"))
        .await
        .expect("import attendees");
    (spawn_connector(store, test_config()).await, database)
}

async fn fetch_list(connector: &TestConnector, body: impl Into<reqwest::Body>) -> FetchListResponse {
    let response = connector.post_xml(LIST_PATH, body).await;
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.expect("body");
    FetchListResponse::parse(&bytes).expect("response keeps the contract")
}

async fn fetch_attendees(
    connector: &TestConnector,
    path: &str,
    version: AttendeeVersion,
    body: impl Into<reqwest::Body>,
) -> AttendeeSearchResponse {
    let response = connector.post_xml(path, body).await;
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.expect("body");
    AttendeeSearchResponse::parse(&bytes, version).expect("response keeps the contract")
}

fn list_request(long_code: &str, query: &str, search_by: &str, lang: &str, count: &str) -> String {
    format!(
        "<fetch-list-request><long-code>{long_code}</long-code><short-code/>\
         <query>{query}</query><search-by>{search_by}</search-by><lang-code>{lang}</lang-code>\
         <num-to-return>{count}</num-to-return><list-name>Cities</list-name></fetch-list-request>"
    )
}

fn texts(response: &FetchListResponse) -> Vec<&str> {
    response.items.iter().map(|item| item.text.as_str()).collect()
}

fn attendee_request(fields: &str, maximum: &str) -> String {
    format!(
        "<AttendeeSearchRequest><Attendee>{fields}\
         <MaximumNumberRecords>{maximum}</MaximumNumberRecords></Attendee></AttendeeSearchRequest>"
    )
}

fn external_ids(response: &AttendeeSearchResponse) -> Vec<&str> {
    response.attendees.iter().map(|a| a.external_id.as_str()).collect()
}

#[tokio::test]
async fn list_spec_example_connected_list() {
    let (connector, _database) = connector_with_data().await;
    let response = fetch_list(&connector, EXAMPLE_LIST_REQUEST).await;
    let codes: Vec<&str> = response.items.iter().map(|item| item.code.as_str()).collect();
    assert_eq!(codes, ["US-W-CA-SD", "US-W-CA-SF", "US-W-CA-SJ"]);
    let san_francisco = &response.items[1];
    assert_eq!(san_francisco.short_code, "SF");
    assert_eq!(san_francisco.text, "San Francisco");
    assert_eq!(san_francisco.match_value, "San Francisco");
}

#[tokio::test]
async fn list_each_wildcard_form() {
    let (connector, _database) = connector_with_data().await;
    let cases: [(&str, &[&str]); 5] = [
        ("*", &["Los Angeles", "Sacramento", "San Diego", "San Francisco", "San Jose"]),
        ("san*", &["San Diego", "San Francisco", "San Jose"]),
        ("*SCO", &["San Francisco"]),
        ("*an*", &["Los Angeles", "San Diego", "San Francisco", "San Jose"]),
        ("san jose", &["San Jose"]),
    ];
    for (query, expected) in cases {
        let response = fetch_list(&connector, list_request("US-W-CA", query, "TEXT", "EN", "25")).await;
        assert_eq!(texts(&response), expected, "query {query}");
    }
}

#[tokio::test]
async fn list_exact_does_not_match_prefix() {
    let (connector, _database) = connector_with_data().await;
    let response = fetch_list(&connector, list_request("US-W-CA", "San", "TEXT", "EN", "25")).await;
    assert!(response.items.is_empty());
}

#[tokio::test]
async fn list_search_by_code() {
    let (connector, _database) = connector_with_data().await;
    let response = fetch_list(&connector, list_request("US-W-CA", "S*", "CODE", "EN", "25")).await;
    let codes: Vec<&str> = response.items.iter().map(|item| item.short_code.as_str()).collect();
    assert_eq!(codes, ["SAC", "SD", "SF", "SJ"]);
    assert_eq!(response.items[0].match_value, "SAC");
}

#[tokio::test]
async fn list_stays_under_parent() {
    let (connector, _database) = connector_with_data().await;
    // Sanborn is under US-E-NY, not under US-W-CA.
    let response = fetch_list(&connector, list_request("US-W-CA", "Sanb*", "TEXT", "EN", "25")).await;
    assert!(response.items.is_empty());
}

#[tokio::test]
async fn list_first_level() {
    let (connector, _database) = connector_with_data().await;
    let response = fetch_list(&connector, list_request("", "*", "TEXT", "EN", "25")).await;
    assert_eq!(texts(&response), ["United States"]);
    assert_eq!(response.items[0].code, "US");
}

#[tokio::test]
async fn list_user_language_with_fallback() {
    let (connector, _database) = connector_with_data().await;
    let response = fetch_list(&connector, list_request("US-W-CA", "Los*", "TEXT", "es", "25")).await;
    assert_eq!(texts(&response), ["Los Ángeles"]);
    let fallback = fetch_list(&connector, list_request("US-W-CA", "San F*", "TEXT", "es", "25")).await;
    assert_eq!(texts(&fallback), ["San Francisco"]);
}

#[tokio::test]
async fn list_num_to_return_limits() {
    let (connector, _database) = connector_with_data().await;
    let two = fetch_list(&connector, list_request("US-W-MANY", "*", "TEXT", "EN", "2")).await;
    assert_eq!(two.items.len(), 2);
    let capped = fetch_list(&connector, list_request("US-W-MANY", "*", "TEXT", "EN", "500")).await;
    assert_eq!(capped.items.len(), 100);
    let absent = fetch_list(
        &connector,
        "<fetch-list-request><long-code>US-W-MANY</long-code><query>*</query>\
         <search-by>TEXT</search-by><list-name>Cities</list-name></fetch-list-request>",
    )
    .await;
    assert_eq!(absent.items.len(), 100);
}

#[tokio::test]
async fn attendee_spec_example_applies_and_rule() {
    let (connector, _database) = connector_with_data().await;
    let response =
        fetch_attendees(&connector, ATTENDEE_V2_PATH, AttendeeVersion::V2_0, EXAMPLE_ATTENDEE_REQUEST_V2).await;
    assert_eq!(external_ids(&response), ["EXT-0001"]);
}

#[tokio::test]
async fn attendee_and_rule_excludes_other_company() {
    let (connector, _database) = connector_with_data().await;
    let body = attendee_request("<LastName>Doe</LastName><Company>Acme</Company>", "10");
    let response = fetch_attendees(&connector, ATTENDEE_V2_PATH, AttendeeVersion::V2_0, body).await;
    assert_eq!(external_ids(&response), ["EXT-0001"]);
}

#[tokio::test]
async fn attendee_entities_and_non_ascii() {
    let (connector, _database) = connector_with_data().await;
    let body = attendee_request("<LastName>O&apos;B</LastName><Company>Smith &amp; S</Company>", "10");
    let response = fetch_attendees(&connector, ATTENDEE_V2_PATH, AttendeeVersion::V2_0, body).await;
    assert_eq!(external_ids(&response), ["EXT-0003"]);
    assert_eq!(response.attendees[0].first_name, "Seán");
    assert_eq!(response.attendees[0].company, "Smith & Sons");
}

#[tokio::test]
async fn attendee_versions_follow_path() {
    let (connector, _database) = connector_with_data().await;
    let v2 = fetch_attendees(&connector, ATTENDEE_V2_PATH, AttendeeVersion::V2_0, EXAMPLE_ATTENDEE_REQUEST_V2).await;
    assert_eq!(v2.attendees[0].custom.len(), 25);
    assert_eq!(v2.attendees[0].custom[20], "extra");
    let v1 = fetch_attendees(&connector, ATTENDEE_V1_PATH, AttendeeVersion::V1_0, EXAMPLE_ATTENDEE_REQUEST_V1).await;
    assert_eq!(v1.attendees[0].custom.len(), 20);
}

#[tokio::test]
async fn attendee_maximum_number_records_limits() {
    let (connector, _database) = connector_with_data().await;
    let three = fetch_attendees(
        &connector,
        ATTENDEE_V2_PATH,
        AttendeeVersion::V2_0,
        attendee_request("<LastName>Manyson</LastName>", "3"),
    )
    .await;
    assert_eq!(three.attendees.len(), 3);
    let capped = fetch_attendees(
        &connector,
        ATTENDEE_V2_PATH,
        AttendeeVersion::V2_0,
        attendee_request("<LastName>Manyson</LastName>", "1000"),
    )
    .await;
    assert_eq!(capped.attendees.len(), 100);
}

#[tokio::test]
async fn attendee_no_match_is_empty_response() {
    let (connector, _database) = connector_with_data().await;
    let response = fetch_attendees(
        &connector,
        ATTENDEE_V2_PATH,
        AttendeeVersion::V2_0,
        attendee_request("<LastName>Nobody</LastName>", "10"),
    )
    .await;
    assert!(response.attendees.is_empty());
}
