//! The documented example exchanges parse to the expected values and survive a write-then-parse.

mod common;

use common::fixture;
use protocol::{
    Attendee, AttendeeSearchRequest, AttendeeSearchResponse, AttendeeVersion, FetchListRequest,
    FetchListResponse, ListItem, SearchBy,
};

fn doe_at_acme(version: AttendeeVersion) -> AttendeeSearchRequest {
    let mut criteria = Attendee::empty(version);
    criteria.last_name = "Doe".into();
    criteria.company = "Acme".into();
    AttendeeSearchRequest {
        criteria,
        owner_login_id: "owner@example.com".into(),
        maximum_number_records: Some(25),
    }
}

fn two_does(version: AttendeeVersion) -> AttendeeSearchResponse {
    let mut john = Attendee::empty(version);
    john.external_id = "E-1001".into();
    john.first_name = "John".into();
    john.middle_initial = "Q".into();
    john.last_name = "Doe".into();
    john.company = "Acme".into();
    john.attendee_type_code = "BUSGUEST".into();
    john.title = "Buyer".into();

    let mut jane = john.clone();
    jane.external_id = "E-1002".into();
    jane.first_name = "Jane".into();
    jane.middle_initial = String::new();
    let healthcare = [
        (7, "LIC-4471"),
        (8, "CA"),
        (9, "Cardiology"),
        (14, "1234567893"),
        (18, "San Francisco"),
        (19, "CA"),
        (20, "94105"),
        (21, "207RC0000X"),
    ];
    for (number, value) in healthcare {
        if let Some(field) = jane.custom.get_mut(number - 1) {
            *field = value.into();
        }
    }

    AttendeeSearchResponse {
        attendees: vec![john, jane],
    }
}

fn cities_query() -> FetchListRequest {
    FetchListRequest {
        long_code: "US-W-CA".into(),
        short_code: "CA".into(),
        query: "San*".into(),
        search_by: SearchBy::Text,
        lang_code: "EN".into(),
        num_to_return: Some(10),
        protected_list_key: "gWqcJ2x8Dd$sUqW9K".into(),
        list_name: "Cities".into(),
        connector_version: "1.2".into(),
        config_options: String::new(),
        code_by_level: vec!["US".into(), "W".into(), "CA".into()],
    }
}

fn san_cities() -> FetchListResponse {
    let item = |code: &str, short_code: &str, text: &str| ListItem {
        code: code.into(),
        short_code: short_code.into(),
        text: text.into(),
        match_value: text.into(),
    };
    FetchListResponse {
        items: vec![
            item("US-W-CA-SF", "SF", "San Francisco"),
            item("US-W-CA-SD", "SD", "San Diego"),
        ],
    }
}

#[test]
fn attendee_request_v2_example_parses() {
    let parsed = AttendeeSearchRequest::parse(
        &fixture("attendee_search_request_v2.xml"),
        AttendeeVersion::V2_0,
    );
    assert_eq!(parsed, Ok(doe_at_acme(AttendeeVersion::V2_0)));
}

#[test]
fn attendee_request_v1_example_parses() {
    let parsed = AttendeeSearchRequest::parse(
        &fixture("attendee_search_request_v1.xml"),
        AttendeeVersion::V1_0,
    );
    assert_eq!(parsed, Ok(doe_at_acme(AttendeeVersion::V1_0)));
}

#[test]
fn attendee_request_example_round_trips() {
    for version in [AttendeeVersion::V1_0, AttendeeVersion::V2_0] {
        let request = doe_at_acme(version);
        let written = request.to_xml(version).expect("example request is valid");
        assert_eq!(
            AttendeeSearchRequest::parse(&written, version),
            Ok(request),
            "{version:?}"
        );
    }
}

#[test]
fn attendee_response_v2_example_parses() {
    let parsed = AttendeeSearchResponse::parse(
        &fixture("attendee_search_response_v2.xml"),
        AttendeeVersion::V2_0,
    );
    assert_eq!(parsed, Ok(two_does(AttendeeVersion::V2_0)));
}

#[test]
fn attendee_response_v1_example_parses() {
    let parsed = AttendeeSearchResponse::parse(
        &fixture("attendee_search_response_v1.xml"),
        AttendeeVersion::V1_0,
    );
    assert_eq!(parsed, Ok(two_does(AttendeeVersion::V1_0)));
}

#[test]
fn attendee_response_example_round_trips() {
    for version in [AttendeeVersion::V1_0, AttendeeVersion::V2_0] {
        let response = two_does(version);
        let written = response.to_xml(version).expect("example response is valid");
        assert_eq!(
            AttendeeSearchResponse::parse(&written, version),
            Ok(response),
            "{version:?}"
        );
    }
}

#[test]
fn list_request_example_parses() {
    assert_eq!(
        FetchListRequest::parse(&fixture("fetch_list_request.xml")),
        Ok(cities_query())
    );
}

#[test]
fn list_request_example_round_trips() {
    let written = cities_query().to_xml().expect("example request is valid");
    assert_eq!(FetchListRequest::parse(&written), Ok(cities_query()));
}

#[test]
fn list_response_example_parses() {
    assert_eq!(
        FetchListResponse::parse(&fixture("fetch_list_response.xml")),
        Ok(san_cities())
    );
}

#[test]
fn list_response_example_round_trips() {
    let written = san_cities().to_xml().expect("example response is valid");
    assert_eq!(FetchListResponse::parse(&written), Ok(san_cities()));
}
