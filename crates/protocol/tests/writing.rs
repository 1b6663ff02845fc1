//! What the writers produce and what they reject.

use protocol::{
    ATTENDEE_ELEMENTS, Attendee, AttendeeSearchRequest, AttendeeSearchResponse, AttendeeVersion,
    FetchListRequest, FetchListResponse, ListItem, Rule,
};

const V1: AttendeeVersion = AttendeeVersion::V1_0;
const V2: AttendeeVersion = AttendeeVersion::V2_0;

fn john_doe(version: AttendeeVersion) -> Attendee {
    let mut attendee = Attendee::empty(version);
    attendee.external_id = "E-1".into();
    attendee.first_name = "John".into();
    attendee.last_name = "Doe".into();
    attendee
}

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).expect("writers produce UTF-8")
}

#[test]
fn response_children_in_documented_order() {
    let written = text(
        AttendeeSearchResponse {
            attendees: vec![john_doe(V2)],
        }
        .to_xml(V2)
        .expect("valid"),
    );
    let positions: Vec<usize> = ATTENDEE_ELEMENTS
        .iter()
        .map(|name| {
            written
                .find(&format!("<{name}>"))
                .or_else(|| written.find(&format!("<{name}/>")))
                .expect(name)
        })
        .collect();
    assert!(
        positions.windows(2).all(|pair| pair[0] < pair[1]),
        "{written}"
    );
}

#[test]
fn response_v1_writes_twenty_custom_fields() {
    let written = text(
        AttendeeSearchResponse {
            attendees: vec![john_doe(V1)],
        }
        .to_xml(V1)
        .expect("valid"),
    );
    assert!(written.contains("<Custom20/>"));
    assert!(!written.contains("Custom21"));
}

#[test]
fn response_without_attendees_is_empty_root() {
    let written = text(AttendeeSearchResponse::default().to_xml(V2).expect("valid"));
    assert_eq!(
        written,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<AttendeeSearchResponse/>\n"
    );
}

#[test]
fn response_empty_fields_self_closing() {
    let written = text(
        AttendeeSearchResponse {
            attendees: vec![john_doe(V2)],
        }
        .to_xml(V2)
        .expect("valid"),
    );
    assert!(written.contains("<MiddleInitial/>"), "{written}");
}

#[test]
fn response_escapes_markup() {
    let mut attendee = john_doe(V2);
    attendee.company = "Smith & Sons <\"O'Brien\">".into();
    let written = text(
        AttendeeSearchResponse {
            attendees: vec![attendee],
        }
        .to_xml(V2)
        .expect("valid"),
    );
    assert!(
        written.contains("<Company>Smith &amp; Sons &lt;&quot;O&apos;Brien&quot;&gt;</Company>"),
        "{written}"
    );
}

#[test]
fn response_empty_last_name_rejected() {
    let mut attendee = john_doe(V2);
    attendee.last_name.clear();
    let error = AttendeeSearchResponse {
        attendees: vec![john_doe(V2), attendee],
    }
    .to_xml(V2)
    .expect_err("invalid");
    assert_eq!(
        error.element(),
        "AttendeeSearchResponse/Attendee[2]/LastName"
    );
    assert_eq!(error.rule(), &Rule::EmptyRequired);
}

#[test]
fn response_external_id_over_limit_rejected() {
    let mut attendee = john_doe(V2);
    attendee.external_id = "1".repeat(33);
    let error = AttendeeSearchResponse {
        attendees: vec![attendee],
    }
    .to_xml(V2)
    .expect_err("invalid");
    assert_eq!(
        error.rule(),
        &Rule::TooLong {
            max: 32,
            actual: 33
        }
    );
}

#[test]
fn response_v1_custom21_value_rejected() {
    let mut attendee = john_doe(V2);
    attendee.custom[20] = "taxonomy".into();
    let error = AttendeeSearchResponse {
        attendees: vec![attendee],
    }
    .to_xml(V1)
    .expect_err("invalid");
    assert_eq!(
        error.element(),
        "AttendeeSearchResponse/Attendee[1]/Custom21"
    );
    assert_eq!(error.rule(), &Rule::NotInVersion { version: "v1.0" });
}

#[test]
fn response_forbidden_character_rejected() {
    let mut attendee = john_doe(V2);
    attendee.title = "Dr\u{0}".into();
    let error = AttendeeSearchResponse {
        attendees: vec![attendee],
    }
    .to_xml(V2)
    .expect_err("invalid");
    assert_eq!(error.element(), "AttendeeSearchResponse/Attendee[1]/Title");
    assert_eq!(error.rule(), &Rule::ForbiddenCharacter { code_point: 0 });
}

#[test]
fn response_short_custom_list_written_empty() {
    let mut attendee = john_doe(V2);
    attendee.custom.clear();
    let written = AttendeeSearchResponse {
        attendees: vec![attendee],
    }
    .to_xml(V2)
    .expect("valid");
    let parsed = AttendeeSearchResponse::parse(&written, V2).expect("parses");
    assert_eq!(parsed.attendees[0].custom, vec![String::new(); 25]);
}

#[test]
fn request_last_name_too_long_rejected() {
    let mut request = AttendeeSearchRequest {
        criteria: Attendee::empty(V2),
        ..Default::default()
    };
    request.criteria.last_name = "x".repeat(140);
    let error = request.to_xml(V2).expect_err("invalid");
    assert_eq!(error.element(), "AttendeeSearchRequest/Attendee/LastName");
    assert_eq!(
        error.rule(),
        &Rule::TooLong {
            max: 132,
            actual: 140
        }
    );
}

#[test]
fn request_owner_too_long_rejected() {
    let request = AttendeeSearchRequest {
        owner_login_id: "o".repeat(129),
        ..Default::default()
    };
    let error = request.to_xml(V2).expect_err("invalid");
    assert_eq!(
        error.element(),
        "AttendeeSearchRequest/Attendee/OwnerLoginID"
    );
    assert_eq!(
        error.rule(),
        &Rule::TooLong {
            max: 128,
            actual: 129
        }
    );
}

#[test]
fn request_empty_criteria_written_self_closing() {
    let written = text(AttendeeSearchRequest::default().to_xml(V2).expect("valid"));
    assert!(written.contains("<LastName/>"), "{written}");
    assert!(written.contains("<MaximumNumberRecords/>"), "{written}");
    assert!(written.contains("<Custom25/>"), "{written}");
}

#[test]
fn request_edge_white_space_survives() {
    let mut request = AttendeeSearchRequest {
        criteria: Attendee::empty(V2),
        ..Default::default()
    };
    request.criteria.last_name = " Doe\r\n".into();
    let written = request.to_xml(V2).expect("valid");
    assert_eq!(
        AttendeeSearchRequest::parse(&written, V2).map(|r| r.criteria.last_name),
        Ok(" Doe\r\n".to_string())
    );
}

#[test]
fn list_request_too_many_levels_rejected() {
    let request = FetchListRequest {
        code_by_level: vec!["X".into(); 11],
        ..Default::default()
    };
    let error = request.to_xml().expect_err("invalid");
    assert_eq!(error.element(), "fetch-list-request/code-by-level");
    assert_eq!(
        error.rule(),
        &Rule::TooMany {
            max: 10,
            actual: 11
        }
    );
}

#[test]
fn list_request_writes_search_by_name() {
    let request = FetchListRequest {
        search_by: protocol::SearchBy::Code,
        ..Default::default()
    };
    let written = text(request.to_xml().expect("valid"));
    assert!(written.contains("<search-by>CODE</search-by>"), "{written}");
}

#[test]
fn list_response_without_items_is_empty_root() {
    let written = text(FetchListResponse::default().to_xml().expect("valid"));
    assert_eq!(
        written,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<fetch-list-response/>\n"
    );
}

#[test]
fn list_response_hyphen_in_short_code_rejected() {
    let item = ListItem {
        code: "US-S-F".into(),
        short_code: "S-F".into(),
        text: "San Francisco".into(),
        match_value: String::new(),
    };
    let error = FetchListResponse { items: vec![item] }
        .to_xml()
        .expect_err("invalid");
    assert_eq!(error.element(), "fetch-list-response/item[1]/short-code");
    assert_eq!(error.rule(), &Rule::ContainsHyphen);
}

#[test]
fn list_item_validate_names_field() {
    let item = ListItem {
        code: "SF".into(),
        short_code: "SF".into(),
        text: String::new(),
        match_value: String::new(),
    };
    let error = item.validate().expect_err("invalid");
    assert_eq!(error.element(), "text");
    assert_eq!(error.rule(), &Rule::EmptyRequired);
}

#[test]
fn attendee_validate_response_names_field() {
    let mut attendee = john_doe(V2);
    attendee.middle_initial = "QR".into();
    let error = attendee.validate_response(V2).expect_err("invalid");
    assert_eq!(error.element(), "MiddleInitial");
    assert_eq!(error.rule(), &Rule::TooLong { max: 1, actual: 2 });
}

#[test]
fn attendee_field_mut_reaches_custom25() {
    let mut attendee = Attendee::default();
    if let Some(field) = attendee.field_mut("Custom25") {
        field.push('x');
    }
    assert_eq!(attendee.custom.len(), 25);
    assert_eq!(attendee.field("Custom25"), Some("x"));
}

#[test]
fn attendee_field_unknown_name() {
    assert_eq!(Attendee::default().field("Email"), None);
}

#[test]
fn write_valid_leaves_out_invalid() {
    let item = |code: &str, text: &str| ListItem {
        code: code.into(),
        short_code: code.into(),
        text: text.into(),
        match_value: String::new(),
    };
    let items = vec![
        item("SF", "San Francisco"),
        item("XX", ""),
        item("LA", "Los Angeles"),
    ];
    let mut left_out = Vec::new();

    let (xml, written) = FetchListResponse::write_valid(&items, |item, error| {
        left_out.push((item.code.clone(), error.element().to_owned()));
    });

    let valid = FetchListResponse {
        items: vec![items[0].clone(), items[2].clone()],
    };
    assert_eq!(written, 2);
    assert_eq!(left_out, [("XX".to_owned(), "text".to_owned())]);
    assert_eq!(text(xml), text(valid.to_xml().unwrap()));
}

#[test]
fn write_valid_all_invalid_empty_root() {
    let invalid = ListItem {
        code: "SF".into(),
        short_code: "SF".into(),
        text: "San\u{1}Francisco".into(),
        match_value: String::new(),
    };

    let (xml, written) = FetchListResponse::write_valid(&[invalid], |_, _| {});

    assert_eq!(written, 0);
    assert!(text(xml).contains("<fetch-list-response/>"));
}
