//! Documents the parsers reject for their XML form, one test per case, each
//! checking the element named and the rule.

mod common;

use common::request_with;
use protocol::{AttendeeSearchRequest, AttendeeVersion, FetchListRequest, ParseError, Rule};

fn parse_request(bytes: &[u8]) -> ParseError {
    match AttendeeSearchRequest::parse(bytes, AttendeeVersion::V2_0) {
        Ok(request) => panic!("accepted: {request:?}"),
        Err(error) => error,
    }
}

fn is_malformed(rule: &Rule) -> bool {
    matches!(rule, Rule::MalformedXml { .. })
}

#[test]
fn doctype_with_external_entity_rejected() {
    let error = parse_request(
        b"<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\
          <AttendeeSearchRequest><Attendee><LastName>&xxe;</LastName></Attendee></AttendeeSearchRequest>",
    );
    assert_eq!(error.element(), "AttendeeSearchRequest");
    assert_eq!(error.rule(), &Rule::DoctypeRejected);
}

#[test]
fn doctype_with_entity_expansion_rejected() {
    let error = parse_request(
        b"<!DOCTYPE r [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]>\
          <AttendeeSearchRequest><Attendee><LastName>&b;</LastName></Attendee></AttendeeSearchRequest>",
    );
    assert_eq!(error.element(), "AttendeeSearchRequest");
    assert_eq!(error.rule(), &Rule::DoctypeRejected);
}

#[test]
fn doctype_without_declarations_rejected() {
    let error = parse_request(b"<!DOCTYPE AttendeeSearchRequest><AttendeeSearchRequest/>");
    assert_eq!(error.rule(), &Rule::DoctypeRejected);
}

#[test]
fn unknown_entity_reference_rejected() {
    let error = parse_request(&request_with("<LastName>&nbsp;Doe</LastName>"));
    assert_eq!(error.element(), "AttendeeSearchRequest/Attendee/LastName");
    assert!(
        matches!(error.rule(), Rule::UnknownEntity { name } if name.as_str() == "nbsp"),
        "{error}"
    );
}

#[test]
fn unknown_entity_in_attribute_rejected() {
    let error = parse_request(b"<AttendeeSearchRequest note=\"&x;\"/>");
    assert_eq!(error.element(), "AttendeeSearchRequest");
    assert!(
        matches!(error.rule(), Rule::UnknownEntity { .. }),
        "{error}"
    );
}

#[test]
fn unterminated_reference_rejected() {
    let error = parse_request(&request_with("<Company>Smith & Sons</Company>"));
    assert_eq!(error.element(), "AttendeeSearchRequest/Attendee/Company");
    assert!(is_malformed(error.rule()), "{error}");
}

#[test]
fn wrong_root_rejected() {
    let error = parse_request(b"<AttendeeSearchResponse/>");
    assert_eq!(error.element(), "AttendeeSearchResponse");
    assert_eq!(
        error.rule(),
        &Rule::WrongRoot {
            expected: "AttendeeSearchRequest"
        }
    );
}

#[test]
fn list_wrong_root_rejected() {
    let error = FetchListRequest::parse(b"<fetch-list-response/>").expect_err("wrong root");
    assert_eq!(
        error.rule(),
        &Rule::WrongRoot {
            expected: "fetch-list-request"
        }
    );
}

#[test]
fn declared_encoding_latin1_rejected() {
    let bytes = [
        &b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>"[..],
        &request_with(""),
    ]
    .concat();
    let error = parse_request(&bytes);
    assert_eq!(error.element(), "AttendeeSearchRequest");
    assert!(
        matches!(error.rule(), Rule::EncodingNotUtf8 { declared } if declared.as_str() == "ISO-8859-1"),
        "{error}"
    );
}

#[test]
fn declared_encoding_utf16_rejected() {
    let bytes = [
        &b"<?xml version=\"1.0\" encoding=\"UTF-16\"?>"[..],
        &request_with(""),
    ]
    .concat();
    assert!(matches!(
        parse_request(&bytes).rule(),
        Rule::EncodingNotUtf8 { .. }
    ));
}

#[test]
fn utf16_byte_order_mark_rejected() {
    let bytes: Vec<u8> = "<AttendeeSearchRequest/>"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let bytes = [&[0xFF, 0xFE][..], &bytes].concat();
    assert!(matches!(
        parse_request(&bytes).rule(),
        Rule::EncodingNotUtf8 { .. }
    ));
}

#[test]
fn invalid_utf8_rejected() {
    // 0xE9 is "é" in ISO-8859-1 but starts an incomplete sequence in UTF-8.
    let prefix = b"<AttendeeSearchRequest><Attendee><LastName>Ren";
    let bytes = [
        &prefix[..],
        b"\xE9</LastName></Attendee></AttendeeSearchRequest>",
    ]
    .concat();
    let error = parse_request(&bytes);
    assert_eq!(error.element(), "AttendeeSearchRequest");
    assert_eq!(
        error.rule(),
        &Rule::InvalidUtf8 {
            offset: prefix.len()
        }
    );
}

#[test]
fn mismatched_end_tag_rejected() {
    let error = parse_request(&request_with("<LastName>Doe</FirstName>"));
    assert_eq!(error.element(), "AttendeeSearchRequest/Attendee/LastName");
    assert!(is_malformed(error.rule()), "{error}");
}

#[test]
fn unclosed_element_rejected() {
    let error = parse_request(b"<AttendeeSearchRequest><Attendee><LastName>Doe</LastName>");
    assert_eq!(error.element(), "AttendeeSearchRequest/Attendee");
    assert!(is_malformed(error.rule()), "{error}");
}

#[test]
fn unclosed_tag_rejected() {
    let error = parse_request(b"<AttendeeSearchRequest><Attendee");
    assert!(is_malformed(error.rule()), "{error}");
}

#[test]
fn unmatched_end_tag_rejected() {
    let error = parse_request(b"<AttendeeSearchRequest></Attendee></AttendeeSearchRequest>");
    assert!(is_malformed(error.rule()), "{error}");
}

#[test]
fn trailing_element_after_root_rejected() {
    let error = parse_request(b"<AttendeeSearchRequest/><AttendeeSearchRequest/>");
    assert_eq!(error.element(), "AttendeeSearchRequest");
    assert_eq!(error.rule(), &Rule::ContentOutsideRoot);
}

#[test]
fn trailing_text_after_root_rejected() {
    let error = parse_request(b"<AttendeeSearchRequest/>\ntrailing");
    assert_eq!(error.rule(), &Rule::ContentOutsideRoot);
}

#[test]
fn text_before_root_rejected() {
    let error = parse_request(b"junk<AttendeeSearchRequest/>");
    assert_eq!(error.rule(), &Rule::ContentOutsideRoot);
}

#[test]
fn second_byte_order_mark_rejected() {
    let error = parse_request(b"\xEF\xBB\xBF\xEF\xBB\xBF<AttendeeSearchRequest/>");
    assert_eq!(error.element(), "AttendeeSearchRequest");
    assert_eq!(error.rule(), &Rule::ContentOutsideRoot);
}

#[test]
fn less_than_in_attribute_rejected() {
    let error = parse_request(&request_with("<LastName note=\"a<b\">Doe</LastName>"));
    assert_eq!(error.element(), "AttendeeSearchRequest/Attendee/LastName");
    assert!(is_malformed(error.rule()), "{error}");
}

#[test]
fn xml_version_2_rejected() {
    let error = parse_request(b"<?xml version=\"2.0\"?><AttendeeSearchRequest/>");
    assert_eq!(error.element(), "AttendeeSearchRequest");
    assert!(is_malformed(error.rule()), "{error}");
}

#[test]
fn null_in_element_name_rejected() {
    let error = parse_request(&request_with("<Last\0Name>Doe</Last\0Name>"));
    assert_eq!(error.element(), "AttendeeSearchRequest/Attendee/Last\0Name");
    assert!(is_malformed(error.rule()), "{error}");
}

#[test]
fn digit_starting_element_name_rejected() {
    let error = parse_request(&request_with("<1LastName>Doe</1LastName>"));
    assert!(is_malformed(error.rule()), "{error}");
}

#[test]
fn control_character_in_attribute_name_rejected() {
    let error = parse_request(&request_with("<LastName n\u{1}ote=\"x\">Doe</LastName>"));
    assert_eq!(error.element(), "AttendeeSearchRequest/Attendee/LastName");
    assert!(is_malformed(error.rule()), "{error}");
}

#[test]
fn cdata_end_in_text_rejected() {
    let error = parse_request(&request_with("<LastName>a]]>b</LastName>"));
    assert_eq!(error.element(), "AttendeeSearchRequest/Attendee/LastName");
    assert!(is_malformed(error.rule()), "{error}");
}

#[test]
fn declaration_after_content_rejected() {
    let error = parse_request(b"<!-- c --><?xml version=\"1.0\"?><AttendeeSearchRequest/>");
    assert!(is_malformed(error.rule()), "{error}");
}

#[test]
fn text_directly_in_root_rejected() {
    let error = parse_request(b"<AttendeeSearchRequest>Doe<Attendee/></AttendeeSearchRequest>");
    assert_eq!(error.element(), "AttendeeSearchRequest");
    assert_eq!(error.rule(), &Rule::TextInContainer);
}

#[test]
fn text_directly_in_attendee_rejected() {
    let error = parse_request(&request_with("Doe<LastName/>"));
    assert_eq!(error.element(), "AttendeeSearchRequest/Attendee");
    assert_eq!(error.rule(), &Rule::TextInContainer);
}

#[test]
fn element_inside_value_rejected() {
    let error = parse_request(&request_with("<LastName>D<b>o</b>e</LastName>"));
    assert_eq!(error.element(), "AttendeeSearchRequest/Attendee/LastName");
    assert_eq!(error.rule(), &Rule::ElementInValue);
}

#[test]
fn nesting_too_deep_rejected() {
    let open: String = (0..14).map(|_| "<x>").collect();
    let close: String = (0..14).map(|_| "</x>").collect();
    let error = parse_request(&request_with(&format!("<Deep>{open}{close}</Deep>")));
    assert!(
        error
            .element()
            .starts_with("AttendeeSearchRequest/Attendee/Deep/x/"),
        "{error}"
    );
    assert_eq!(error.rule(), &Rule::TooDeep { max: 16 });
}

#[test]
fn forbidden_character_reference_rejected() {
    let error = parse_request(&request_with("<LastName>Do&#x1;e</LastName>"));
    assert_eq!(error.element(), "AttendeeSearchRequest/Attendee/LastName");
    assert_eq!(error.rule(), &Rule::ForbiddenCharacter { code_point: 1 });
}

#[test]
fn forbidden_literal_character_rejected() {
    let error = parse_request(&request_with("<LastName>Do\u{1b}e</LastName>"));
    assert_eq!(error.rule(), &Rule::ForbiddenCharacter { code_point: 0x1B });
}

#[test]
fn null_character_reference_rejected() {
    let error = parse_request(&request_with("<LastName>&#0;</LastName>"));
    assert_eq!(error.element(), "AttendeeSearchRequest/Attendee/LastName");
    assert_eq!(error.rule(), &Rule::ForbiddenCharacter { code_point: 0 });
}

#[test]
fn empty_document_rejected() {
    let error = parse_request(b"");
    assert_eq!(error.element(), "AttendeeSearchRequest");
    assert_eq!(error.rule(), &Rule::Missing);
}

#[test]
fn comment_only_document_rejected() {
    assert_eq!(
        parse_request(b"<?xml version=\"1.0\"?>\n<!-- nothing -->\n").rule(),
        &Rule::Missing
    );
}

#[test]
fn error_quotes_long_names_briefly() {
    let name = "N".repeat(10_000);
    let error = parse_request(format!("<{name}/>").as_bytes());
    assert!(
        error.to_string().len() < 300,
        "{} bytes",
        error.to_string().len()
    );
}

#[test]
fn long_element_name_cut_in_error_path() {
    let name = format!("Ø{}", "n".repeat(99));
    let inner = format!("<{name}><LastName>Do&#x1;e</LastName></{name}>");
    let error = parse_request(&request_with(&inner));
    let cut_name = format!("Ø{}", "n".repeat(63));
    assert_eq!(
        error.element(),
        format!("AttendeeSearchRequest/Attendee/{cut_name}/LastName")
    );
}
