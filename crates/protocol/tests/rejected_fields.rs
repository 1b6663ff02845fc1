//! Field values and element sets the parsers reject, one test per case,
//! each checking the element named and the rule.

mod common;

use common::{
    list_item, list_request_with, list_response_with, request_with, response_attendee,
    response_with,
};
use protocol::{
    AttendeeSearchRequest, AttendeeSearchResponse, AttendeeVersion, FetchListRequest,
    FetchListResponse, ParseError, Rule,
};

const V1: AttendeeVersion = AttendeeVersion::V1_0;
const V2: AttendeeVersion = AttendeeVersion::V2_0;

fn parse_request(bytes: &[u8]) -> ParseError {
    AttendeeSearchRequest::parse(bytes, V2).expect_err("request should be rejected")
}

fn parse_response(attendees: &str, version: AttendeeVersion) -> ParseError {
    AttendeeSearchResponse::parse(&response_with(attendees), version)
        .expect_err("response should be rejected")
}

fn parse_list_request(children: &str) -> ParseError {
    FetchListRequest::parse(&list_request_with(children))
        .expect_err("list request should be rejected")
}

fn parse_list_response(items: &str) -> ParseError {
    FetchListResponse::parse(&list_response_with(items))
        .expect_err("list response should be rejected")
}

fn is_not_integer(rule: &Rule) -> bool {
    matches!(rule, Rule::NotNonNegativeInteger { .. })
}

#[test]
fn request_last_name_too_long() {
    let error = parse_request(&request_with(&format!(
        "<LastName>{}</LastName>",
        "x".repeat(140)
    )));
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
fn request_error_display_names_element_and_rule() {
    let error = parse_request(&request_with(&format!(
        "<LastName>{}</LastName>",
        "x".repeat(140)
    )));
    assert_eq!(
        error.to_string(),
        "element `AttendeeSearchRequest/Attendee/LastName`: longer than 132 characters (got 140)"
    );
}

#[test]
fn request_length_counts_characters() {
    let error = parse_request(&request_with(&format!(
        "<FirstName>{}</FirstName>",
        "é".repeat(51)
    )));
    assert_eq!(
        error.rule(),
        &Rule::TooLong {
            max: 50,
            actual: 51
        }
    );
}

#[test]
fn request_middle_initial_too_long() {
    let error = parse_request(&request_with("<MiddleInitial>QR</MiddleInitial>"));
    assert_eq!(
        error.element(),
        "AttendeeSearchRequest/Attendee/MiddleInitial"
    );
    assert_eq!(error.rule(), &Rule::TooLong { max: 1, actual: 2 });
}

#[test]
fn request_external_id_too_long() {
    let error = parse_request(&request_with(&format!(
        "<ExternalID>{}</ExternalID>",
        "1".repeat(49)
    )));
    assert_eq!(
        error.rule(),
        &Rule::TooLong {
            max: 48,
            actual: 49
        }
    );
}

#[test]
fn request_custom25_too_long() {
    let error = parse_request(&request_with(&format!(
        "<Custom25>{}</Custom25>",
        "c".repeat(101)
    )));
    assert_eq!(error.element(), "AttendeeSearchRequest/Attendee/Custom25");
    assert_eq!(
        error.rule(),
        &Rule::TooLong {
            max: 100,
            actual: 101
        }
    );
}

#[test]
fn request_owner_too_long_under_root() {
    let bytes = format!(
        "<AttendeeSearchRequest><OwnerLoginID>{}</OwnerLoginID></AttendeeSearchRequest>",
        "o".repeat(129)
    );
    let error = parse_request(bytes.as_bytes());
    assert_eq!(error.element(), "AttendeeSearchRequest/OwnerLoginID");
    assert_eq!(
        error.rule(),
        &Rule::TooLong {
            max: 128,
            actual: 129
        }
    );
}

#[test]
fn request_maximum_not_a_number() {
    let error = parse_request(&request_with(
        "<MaximumNumberRecords>ten</MaximumNumberRecords>",
    ));
    assert_eq!(
        error.element(),
        "AttendeeSearchRequest/Attendee/MaximumNumberRecords"
    );
    assert!(is_not_integer(error.rule()), "{error}");
}

#[test]
fn request_maximum_negative() {
    let error = parse_request(&request_with(
        "<MaximumNumberRecords>-1</MaximumNumberRecords>",
    ));
    assert!(is_not_integer(error.rule()), "{error}");
}

#[test]
fn request_maximum_fraction() {
    let error = parse_request(&request_with(
        "<MaximumNumberRecords>2.5</MaximumNumberRecords>",
    ));
    assert!(is_not_integer(error.rule()), "{error}");
}

#[test]
fn request_maximum_signed() {
    let error = parse_request(&request_with(
        "<MaximumNumberRecords>+5</MaximumNumberRecords>",
    ));
    assert!(is_not_integer(error.rule()), "{error}");
}

#[test]
fn request_maximum_huge_value_quoted_briefly() {
    let value = "9x".repeat(50_000);
    let error = parse_request(&request_with(&format!(
        "<MaximumNumberRecords>{value}</MaximumNumberRecords>"
    )));
    assert!(
        error.to_string().len() < 300,
        "{} bytes",
        error.to_string().len()
    );
}

#[test]
fn request_duplicate_field() {
    let error = parse_request(&request_with(
        "<LastName>Doe</LastName><LastName>Roe</LastName>",
    ));
    assert_eq!(error.element(), "AttendeeSearchRequest/Attendee/LastName");
    assert_eq!(error.rule(), &Rule::Duplicate);
}

#[test]
fn request_duplicate_attendee() {
    let error =
        parse_request(b"<AttendeeSearchRequest><Attendee/><Attendee/></AttendeeSearchRequest>");
    assert_eq!(error.element(), "AttendeeSearchRequest/Attendee");
    assert_eq!(error.rule(), &Rule::Duplicate);
}

#[test]
fn request_owner_in_both_places() {
    let error = parse_request(
        b"<AttendeeSearchRequest><Attendee><OwnerLoginID>a</OwnerLoginID></Attendee><OwnerLoginID>b</OwnerLoginID></AttendeeSearchRequest>",
    );
    assert_eq!(error.element(), "AttendeeSearchRequest/OwnerLoginID");
    assert_eq!(error.rule(), &Rule::Duplicate);
}

#[test]
fn request_maximum_in_both_places() {
    let error = parse_request(
        b"<AttendeeSearchRequest><Attendee><MaximumNumberRecords>1</MaximumNumberRecords></Attendee><MaximumNumberRecords>2</MaximumNumberRecords></AttendeeSearchRequest>",
    );
    assert_eq!(
        error.element(),
        "AttendeeSearchRequest/MaximumNumberRecords"
    );
    assert_eq!(error.rule(), &Rule::Duplicate);
}

#[test]
fn response_missing_required_element() {
    let error = parse_response(&response_attendee(V2, &[("Custom25", None)]), V2);
    assert_eq!(
        error.element(),
        "AttendeeSearchResponse/Attendee[1]/Custom25"
    );
    assert_eq!(error.rule(), &Rule::Missing);
}

#[test]
fn response_v1_missing_custom20() {
    let error = parse_response(&response_attendee(V1, &[("Custom20", None)]), V1);
    assert_eq!(
        error.element(),
        "AttendeeSearchResponse/Attendee[1]/Custom20"
    );
    assert_eq!(error.rule(), &Rule::Missing);
}

#[test]
fn response_v1_attendee_read_as_v2_missing_custom21() {
    let error = parse_response(&response_attendee(V1, &[]), V2);
    assert_eq!(
        error.element(),
        "AttendeeSearchResponse/Attendee[1]/Custom21"
    );
    assert_eq!(error.rule(), &Rule::Missing);
}

#[test]
fn response_empty_external_id() {
    let error = parse_response(&response_attendee(V2, &[("ExternalID", Some(""))]), V2);
    assert_eq!(
        error.element(),
        "AttendeeSearchResponse/Attendee[1]/ExternalID"
    );
    assert_eq!(error.rule(), &Rule::EmptyRequired);
}

#[test]
fn response_blank_first_name() {
    let error = parse_response(&response_attendee(V2, &[("FirstName", Some("  \n "))]), V2);
    assert_eq!(
        error.element(),
        "AttendeeSearchResponse/Attendee[1]/FirstName"
    );
    assert_eq!(error.rule(), &Rule::EmptyRequired);
}

#[test]
fn response_empty_last_name_in_second_attendee() {
    let attendees = response_attendee(V2, &[]) + &response_attendee(V2, &[("LastName", Some(""))]);
    let error = parse_response(&attendees, V2);
    assert_eq!(
        error.element(),
        "AttendeeSearchResponse/Attendee[2]/LastName"
    );
    assert_eq!(error.rule(), &Rule::EmptyRequired);
}

#[test]
fn response_external_id_over_response_limit() {
    let id = "1".repeat(33);
    let error = parse_response(&response_attendee(V2, &[("ExternalID", Some(&id))]), V2);
    assert_eq!(
        error.element(),
        "AttendeeSearchResponse/Attendee[1]/ExternalID"
    );
    assert_eq!(
        error.rule(),
        &Rule::TooLong {
            max: 32,
            actual: 33
        }
    );
}

#[test]
fn response_custom21_over_response_limit() {
    let value = "c".repeat(49);
    let error = parse_response(&response_attendee(V2, &[("Custom21", Some(&value))]), V2);
    assert_eq!(
        error.element(),
        "AttendeeSearchResponse/Attendee[1]/Custom21"
    );
    assert_eq!(
        error.rule(),
        &Rule::TooLong {
            max: 48,
            actual: 49
        }
    );
}

#[test]
fn response_custom20_over_limit() {
    let value = "c".repeat(101);
    let error = parse_response(&response_attendee(V2, &[("Custom20", Some(&value))]), V2);
    assert_eq!(
        error.rule(),
        &Rule::TooLong {
            max: 100,
            actual: 101
        }
    );
}

#[test]
fn response_duplicate_element() {
    let attendee =
        response_attendee(V2, &[]).replace("</Attendee>", "<Title>Dr</Title></Attendee>");
    let error = parse_response(&attendee, V2);
    assert_eq!(error.element(), "AttendeeSearchResponse/Attendee[1]/Title");
    assert_eq!(error.rule(), &Rule::Duplicate);
}

#[test]
fn response_text_in_root() {
    let error = parse_response("found nobody", V2);
    assert_eq!(error.element(), "AttendeeSearchResponse");
    assert_eq!(error.rule(), &Rule::TextInContainer);
}

#[test]
fn list_search_by_unknown() {
    let error = parse_list_request("<search-by>NAME</search-by>");
    assert_eq!(error.element(), "fetch-list-request/search-by");
    assert!(
        matches!(error.rule(), Rule::UnknownValue { value, .. } if value.as_str() == "NAME"),
        "{error}"
    );
}

#[test]
fn list_search_by_empty() {
    let error = parse_list_request("<search-by/>");
    assert_eq!(error.element(), "fetch-list-request/search-by");
    assert!(matches!(error.rule(), Rule::UnknownValue { .. }), "{error}");
}

#[test]
fn list_num_to_return_negative() {
    let error = parse_list_request("<num-to-return>-5</num-to-return>");
    assert_eq!(error.element(), "fetch-list-request/num-to-return");
    assert!(is_not_integer(error.rule()), "{error}");
}

#[test]
fn list_num_to_return_not_a_number() {
    let error = parse_list_request("<num-to-return>all</num-to-return>");
    assert!(is_not_integer(error.rule()), "{error}");
}

#[test]
fn list_query_too_long() {
    let error = parse_list_request(&format!("<query>{}</query>", "q".repeat(129)));
    assert_eq!(error.element(), "fetch-list-request/query");
    assert_eq!(
        error.rule(),
        &Rule::TooLong {
            max: 128,
            actual: 129
        }
    );
}

#[test]
fn list_long_code_too_long() {
    let error = parse_list_request(&format!("<long-code>{}</long-code>", "L".repeat(256)));
    assert_eq!(
        error.rule(),
        &Rule::TooLong {
            max: 255,
            actual: 256
        }
    );
}

#[test]
fn list_duplicate_query() {
    let error = parse_list_request("<query>a</query><query>b</query>");
    assert_eq!(error.element(), "fetch-list-request/query");
    assert_eq!(error.rule(), &Rule::Duplicate);
}

#[test]
fn list_duplicate_search_by() {
    let error = parse_list_request(
        "<search-by>TEXT</search-by><query>a</query><search-by>CODE</search-by>",
    );
    assert_eq!(error.element(), "fetch-list-request/search-by");
    assert_eq!(error.rule(), &Rule::Duplicate);
}

#[test]
fn list_element_inside_value() {
    let error = parse_list_request("<num-to-return>2<b/>5</num-to-return>");
    assert_eq!(error.element(), "fetch-list-request/num-to-return");
    assert_eq!(error.rule(), &Rule::ElementInValue);
}

#[test]
fn list_level_gap() {
    let error =
        parse_list_request("<code-by-level><level1>US</level1><level3>CA</level3></code-by-level>");
    assert_eq!(error.element(), "fetch-list-request/code-by-level/level2");
    assert_eq!(error.rule(), &Rule::LevelGap { missing: 2 });
}

#[test]
fn list_level_duplicate() {
    let error =
        parse_list_request("<code-by-level><level1>US</level1><level1>CA</level1></code-by-level>");
    assert_eq!(error.element(), "fetch-list-request/code-by-level/level1");
    assert_eq!(error.rule(), &Rule::Duplicate);
}

#[test]
fn list_level_zero() {
    let error = parse_list_request("<code-by-level><level0>US</level0></code-by-level>");
    assert_eq!(error.element(), "fetch-list-request/code-by-level/level0");
    assert_eq!(error.rule(), &Rule::InvalidLevel { max: 10 });
}

#[test]
fn list_level_leading_zero() {
    let error = parse_list_request("<code-by-level><level01>US</level01></code-by-level>");
    assert_eq!(error.rule(), &Rule::InvalidLevel { max: 10 });
}

#[test]
fn list_level_beyond_maximum() {
    let error = parse_list_request("<code-by-level><level11>US</level11></code-by-level>");
    assert_eq!(error.rule(), &Rule::InvalidLevel { max: 10 });
}

#[test]
fn list_level_code_too_long() {
    let error = parse_list_request(&format!(
        "<code-by-level><level1>{}</level1></code-by-level>",
        "c".repeat(33)
    ));
    assert_eq!(error.element(), "fetch-list-request/code-by-level/level1");
    assert_eq!(
        error.rule(),
        &Rule::TooLong {
            max: 32,
            actual: 33
        }
    );
}

#[test]
fn list_duplicate_code_by_level() {
    let error = parse_list_request("<code-by-level/><code-by-level/>");
    assert_eq!(error.element(), "fetch-list-request/code-by-level");
    assert_eq!(error.rule(), &Rule::Duplicate);
}

#[test]
fn list_text_in_code_by_level() {
    let error = parse_list_request("<code-by-level>US</code-by-level>");
    assert_eq!(error.element(), "fetch-list-request/code-by-level");
    assert_eq!(error.rule(), &Rule::TextInContainer);
}

#[test]
fn list_item_missing_match_value() {
    let error = parse_list_response(&list_item(&[("match-value", None)]));
    assert_eq!(error.element(), "fetch-list-response/item[1]/match-value");
    assert_eq!(error.rule(), &Rule::Missing);
}

#[test]
fn list_item_missing_code() {
    let error = parse_list_response(&list_item(&[("code", None)]));
    assert_eq!(error.element(), "fetch-list-response/item[1]/code");
    assert_eq!(error.rule(), &Rule::Missing);
}

#[test]
fn list_item_empty_text() {
    let error = parse_list_response(&list_item(&[("text", Some(""))]));
    assert_eq!(error.element(), "fetch-list-response/item[1]/text");
    assert_eq!(error.rule(), &Rule::EmptyRequired);
}

#[test]
fn list_item_empty_short_code() {
    let error = parse_list_response(&list_item(&[("short-code", Some(""))]));
    assert_eq!(error.element(), "fetch-list-response/item[1]/short-code");
    assert_eq!(error.rule(), &Rule::EmptyRequired);
}

#[test]
fn list_item_short_code_with_hyphen() {
    let error = parse_list_response(&list_item(&[
        ("code", Some("US-W-CA-S-F")),
        ("short-code", Some("S-F")),
    ]));
    assert_eq!(error.element(), "fetch-list-response/item[1]/short-code");
    assert_eq!(error.rule(), &Rule::ContainsHyphen);
}

#[test]
fn list_item_short_code_too_long() {
    let short = "S".repeat(33);
    let code = format!("US-{short}");
    let error = parse_list_response(&list_item(&[
        ("code", Some(&code)),
        ("short-code", Some(&short)),
    ]));
    assert_eq!(
        error.rule(),
        &Rule::TooLong {
            max: 32,
            actual: 33
        }
    );
}

#[test]
fn list_item_code_not_ending_in_short_code() {
    let error = parse_list_response(&list_item(&[("code", Some("US-W-CA-LA"))]));
    assert_eq!(error.element(), "fetch-list-response/item[1]/code");
    assert_eq!(error.rule(), &Rule::CodeMismatch);
}

#[test]
fn list_item_code_suffix_without_hyphen() {
    let error = parse_list_response(&list_item(&[("code", Some("US-W-CASF"))]));
    assert_eq!(error.rule(), &Rule::CodeMismatch);
}

#[test]
fn list_item_code_too_long() {
    let code = format!("{}-SF", "L".repeat(253));
    let error = parse_list_response(&list_item(&[("code", Some(&code))]));
    assert_eq!(error.element(), "fetch-list-response/item[1]/code");
    assert_eq!(
        error.rule(),
        &Rule::TooLong {
            max: 255,
            actual: 256
        }
    );
}

#[test]
fn list_item_text_too_long() {
    let text = "t".repeat(129);
    let error = parse_list_response(&list_item(&[("text", Some(&text))]));
    assert_eq!(
        error.rule(),
        &Rule::TooLong {
            max: 128,
            actual: 129
        }
    );
}

#[test]
fn list_item_match_value_too_long() {
    let value = "m".repeat(129);
    let error = parse_list_response(&list_item(&[("match-value", Some(&value))]));
    assert_eq!(error.element(), "fetch-list-response/item[1]/match-value");
    assert_eq!(
        error.rule(),
        &Rule::TooLong {
            max: 128,
            actual: 129
        }
    );
}

#[test]
fn list_item_duplicate_text() {
    let item = list_item(&[]).replace("</item>", "<text>Again</text></item>");
    let error = parse_list_response(&item);
    assert_eq!(error.element(), "fetch-list-response/item[1]/text");
    assert_eq!(error.rule(), &Rule::Duplicate);
}

#[test]
fn list_item_error_names_second_item() {
    let items = list_item(&[]) + &list_item(&[("text", Some(""))]);
    assert_eq!(
        parse_list_response(&items).element(),
        "fetch-list-response/item[2]/text"
    );
}
