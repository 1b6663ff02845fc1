//! Forms of input the parsers accept, one test per form.

mod common;

use common::{
    list_item, list_request_with, list_response_with, request_with, response_attendee,
    response_with,
};
use protocol::{
    AttendeeSearchRequest, AttendeeSearchResponse, AttendeeVersion, FetchListRequest,
    FetchListResponse, SearchBy,
};

const V2: AttendeeVersion = AttendeeVersion::V2_0;

fn request(bytes: &[u8]) -> AttendeeSearchRequest {
    AttendeeSearchRequest::parse(bytes, V2).unwrap_or_else(|error| panic!("rejected: {error}"))
}

fn last_name_of(bytes: &[u8]) -> String {
    request(bytes).criteria.last_name
}

#[test]
fn request_utf8_byte_order_mark() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(request_with("<LastName>Doe</LastName>"));
    assert_eq!(last_name_of(&bytes), "Doe");
}

#[test]
fn request_declaration_without_encoding() {
    let bytes = [
        &b"<?xml version=\"1.0\"?>\n"[..],
        &request_with("<LastName>Doe</LastName>"),
    ]
    .concat();
    assert_eq!(last_name_of(&bytes), "Doe");
}

#[test]
fn request_declaration_encoding_any_case() {
    for encoding in ["UTF-8", "utf-8", "Utf-8"] {
        let declaration =
            format!("<?xml version=\"1.0\" encoding=\"{encoding}\" standalone=\"yes\"?>");
        let bytes = [
            declaration.as_bytes(),
            &request_with("<LastName>Doe</LastName>"),
        ]
        .concat();
        assert_eq!(last_name_of(&bytes), "Doe", "{encoding}");
    }
}

#[test]
fn request_self_closing_element_is_empty() {
    assert_eq!(last_name_of(&request_with("<LastName/>")), "");
}

#[test]
fn request_element_pair_is_empty() {
    assert_eq!(last_name_of(&request_with("<LastName></LastName>")), "");
}

#[test]
fn request_indentation_between_elements() {
    let bytes = b"\n<AttendeeSearchRequest>\r\n\t<Attendee>\n    <LastName>Doe</LastName>\n  </Attendee>\n</AttendeeSearchRequest>\n\n";
    assert_eq!(last_name_of(bytes), "Doe");
}

#[test]
fn request_value_edge_white_space_trimmed() {
    assert_eq!(
        last_name_of(&request_with("<LastName>\n      Doe \t\n    </LastName>")),
        "Doe"
    );
}

#[test]
fn request_value_inner_white_space_kept() {
    assert_eq!(
        last_name_of(&request_with("<LastName>van  der\tBerg</LastName>")),
        "van  der\tBerg"
    );
}

#[test]
fn request_value_referenced_edge_space_kept() {
    assert_eq!(
        last_name_of(&request_with("<LastName>&#32;Doe&#x20;</LastName>")),
        " Doe "
    );
}

#[test]
fn request_value_cdata_white_space_kept() {
    assert_eq!(
        last_name_of(&request_with("<LastName>  <![CDATA[ Doe ]]>  </LastName>")),
        " Doe "
    );
}

#[test]
fn request_value_line_ends_normalized() {
    assert_eq!(
        last_name_of(&request_with("<LastName>a\r\nb\rc</LastName>")),
        "a\nb\nc"
    );
}

#[test]
fn request_decimal_character_reference() {
    assert_eq!(
        last_name_of(&request_with("<LastName>Ren&#233;</LastName>")),
        "René"
    );
}

#[test]
fn request_hex_character_reference() {
    assert_eq!(
        last_name_of(&request_with("<LastName>Ren&#xE9;</LastName>")),
        "René"
    );
}

#[test]
fn request_predefined_entities() {
    let bytes = request_with(
        "<LastName>O&apos;Brien</LastName><Company>Smith &amp; Sons &lt;&gt;&quot;</Company>",
    );
    let criteria = request(&bytes).criteria;
    assert_eq!(criteria.last_name, "O'Brien");
    assert_eq!(criteria.company, "Smith & Sons <>\"");
}

#[test]
fn request_cdata_value() {
    assert_eq!(
        last_name_of(&request_with(
            "<LastName><![CDATA[Smith & <Sons>]]></LastName>"
        )),
        "Smith & <Sons>"
    );
}

#[test]
fn request_comments_anywhere() {
    let bytes = b"<!-- before --><AttendeeSearchRequest><!-- a --><Attendee><LastName>D<!-- b -->oe</LastName></Attendee></AttendeeSearchRequest><!-- after -->";
    assert_eq!(last_name_of(bytes), "Doe");
}

#[test]
fn request_value_pieces_trim_indentation() {
    assert_eq!(
        last_name_of(&request_with("<LastName>\n  van <!-- b -->Berg\n  </LastName>")),
        "van Berg"
    );
}

#[test]
fn request_value_pieces_with_references_joined() {
    assert_eq!(
        last_name_of(&request_with("<LastName>O&apos;<!-- b -->Brien\r\nJr</LastName>")),
        "O'Brien\nJr"
    );
}

#[test]
fn request_processing_instruction_ignored() {
    let bytes = b"<?xml version=\"1.0\"?><?xml-stylesheet href=\"a.xsl\"?><AttendeeSearchRequest><Attendee><LastName>Doe</LastName></Attendee></AttendeeSearchRequest>";
    assert_eq!(last_name_of(bytes), "Doe");
}

#[test]
fn request_any_unicode_text() {
    let name = "山田 Łukasz Ωμέγα 🦀";
    assert_eq!(
        last_name_of(&request_with(&format!("<LastName>{name}</LastName>"))),
        name
    );
}

#[test]
fn request_length_counts_characters_not_bytes() {
    let name = "é".repeat(132);
    assert_eq!(
        last_name_of(&request_with(&format!("<LastName>{name}</LastName>"))),
        name
    );
}

#[test]
fn request_attributes_ignored() {
    let bytes = b"<AttendeeSearchRequest xmlns=\"urn:example\"><Attendee id=\"1\"><LastName>Doe</LastName></Attendee></AttendeeSearchRequest>";
    assert_eq!(last_name_of(bytes), "Doe");
}

#[test]
fn request_unknown_elements_ignored() {
    let bytes = b"<AttendeeSearchRequest><Extra>x</Extra><Attendee><Nickname>JD</Nickname><LastName>Doe</LastName><Deep><a><b>&amp;<c/></b></a></Deep></Attendee></AttendeeSearchRequest>";
    assert_eq!(last_name_of(bytes), "Doe");
}

#[test]
fn request_known_names_inside_unknown_element_ignored() {
    let bytes =
        request_with("<Previous><LastName>Smith</LastName></Previous><LastName>Doe</LastName>");
    assert_eq!(last_name_of(&bytes), "Doe");
}

#[test]
fn request_v1_ignores_custom21() {
    let bytes = request_with("<Custom20>twenty</Custom20><Custom21>ignored</Custom21>");
    let criteria = AttendeeSearchRequest::parse(&bytes, AttendeeVersion::V1_0)
        .expect("accepted")
        .criteria;
    assert_eq!(criteria.custom.len(), 20);
    assert_eq!(criteria.custom[19], "twenty");
}

#[test]
fn request_custom_count_follows_version() {
    let bytes = request_with("");
    let v1 = AttendeeSearchRequest::parse(&bytes, AttendeeVersion::V1_0).expect("accepted");
    let v2 = AttendeeSearchRequest::parse(&bytes, V2).expect("accepted");
    assert_eq!(v1.criteria.custom.len(), 20);
    assert_eq!(v2.criteria.custom.len(), 25);
}

#[test]
fn request_v2_reads_custom25() {
    let bytes = request_with("<Custom25>207RC0000X</Custom25>");
    assert_eq!(request(&bytes).criteria.custom[24], "207RC0000X");
}

#[test]
fn request_missing_children_are_empty() {
    let parsed = request(&request_with("<LastName>Doe</LastName>"));
    assert_eq!(parsed.criteria.first_name, "");
    assert_eq!(parsed.owner_login_id, "");
    assert_eq!(parsed.maximum_number_records, None);
}

#[test]
fn request_without_attendee_is_empty() {
    let parsed = request(b"<AttendeeSearchRequest/>");
    assert_eq!(
        parsed,
        AttendeeSearchRequest {
            criteria: protocol::Attendee::empty(V2),
            ..Default::default()
        }
    );
}

#[test]
fn request_owner_and_maximum_under_root() {
    let bytes = b"<AttendeeSearchRequest><Attendee><LastName>Doe</LastName></Attendee><OwnerLoginID>owner@example.com</OwnerLoginID><MaximumNumberRecords>5</MaximumNumberRecords></AttendeeSearchRequest>";
    let parsed = request(bytes);
    assert_eq!(parsed.owner_login_id, "owner@example.com");
    assert_eq!(parsed.maximum_number_records, Some(5));
}

#[test]
fn request_owner_and_maximum_inside_attendee() {
    let parsed = request(&request_with(
        "<OwnerLoginID>owner@example.com</OwnerLoginID><MaximumNumberRecords>5</MaximumNumberRecords>",
    ));
    assert_eq!(parsed.owner_login_id, "owner@example.com");
    assert_eq!(parsed.maximum_number_records, Some(5));
}

#[test]
fn request_maximum_surrounding_white_space() {
    let parsed = request(&request_with(
        "<MaximumNumberRecords>&#x20; 40 \n</MaximumNumberRecords>",
    ));
    assert_eq!(parsed.maximum_number_records, Some(40));
}

#[test]
fn request_maximum_empty_is_none() {
    assert_eq!(
        request(&request_with("<MaximumNumberRecords/>")).maximum_number_records,
        None
    );
}

#[test]
fn request_maximum_saturates() {
    let parsed = request(&request_with(
        "<MaximumNumberRecords>123456789012345678901234567890</MaximumNumberRecords>",
    ));
    assert_eq!(parsed.maximum_number_records, Some(u32::MAX));
}

#[test]
fn response_empty_root_self_closing() {
    let parsed = AttendeeSearchResponse::parse(b"<AttendeeSearchResponse/>", V2);
    assert_eq!(parsed, Ok(AttendeeSearchResponse::default()));
}

#[test]
fn response_empty_root_pair() {
    let parsed =
        AttendeeSearchResponse::parse(b"<AttendeeSearchResponse>\n</AttendeeSearchResponse>", V2);
    assert_eq!(parsed, Ok(AttendeeSearchResponse::default()));
}

#[test]
fn response_elements_in_any_order() {
    let attendee =
        "<Attendee><LastName>Doe</LastName><FirstName>John</FirstName><ExternalID>E-1</ExternalID>\
        <Title/><AttendeeTypeCode/><Company/><Suffix/><MiddleInitial/>"
            .to_string()
            + &(1..=20)
                .map(|n| format!("<Custom{n}/>"))
                .collect::<String>()
            + "</Attendee>";
    let parsed = AttendeeSearchResponse::parse(&response_with(&attendee), AttendeeVersion::V1_0)
        .expect("accepted");
    assert_eq!(parsed.attendees[0].external_id, "E-1");
}

#[test]
fn response_v1_ignores_custom21() {
    let attendee = response_attendee(AttendeeVersion::V1_0, &[])
        .replace("</Attendee>", "<Custom21>x</Custom21></Attendee>");
    let parsed = AttendeeSearchResponse::parse(&response_with(&attendee), AttendeeVersion::V1_0)
        .expect("accepted");
    assert_eq!(parsed.attendees[0].custom.len(), 20);
}

#[test]
fn response_unknown_elements_ignored() {
    let attendee = response_attendee(V2, &[])
        .replace("</Attendee>", "<Email>j@example.com</Email></Attendee>");
    let bytes = response_with(&format!("<Count>1</Count>{attendee}"));
    assert_eq!(
        AttendeeSearchResponse::parse(&bytes, V2).map(|r| r.attendees.len()),
        Ok(1)
    );
}

#[test]
fn list_search_by_any_case() {
    for (value, expected) in [
        ("text", SearchBy::Text),
        ("Code", SearchBy::Code),
        ("CODE", SearchBy::Code),
    ] {
        let bytes = list_request_with(&format!("<search-by>{value}</search-by>"));
        assert_eq!(
            FetchListRequest::parse(&bytes).map(|r| r.search_by),
            Ok(expected),
            "{value}"
        );
    }
}

#[test]
fn list_search_by_absent_means_text() {
    let parsed = FetchListRequest::parse(&list_request_with("<query>San*</query>"));
    assert_eq!(parsed.map(|r| r.search_by), Ok(SearchBy::Text));
}

#[test]
fn list_num_to_return_empty_is_none() {
    let parsed = FetchListRequest::parse(&list_request_with("<num-to-return/>"));
    assert_eq!(parsed.map(|r| r.num_to_return), Ok(None));
}

#[test]
fn list_fields_any_order_and_unknown() {
    let bytes = list_request_with(
        "<list-name>Cities</list-name><level1>ignored</level1><num-to-return>5</num-to-return>\
         <extra><query>not this one</query></extra><query>San*</query><lang-code>FR</lang-code>\
         <search-by>code</search-by><long-code>US-CA</long-code>",
    );
    let parsed = FetchListRequest::parse(&bytes).expect("request");
    assert_eq!(parsed.list_name, "Cities");
    assert_eq!(parsed.num_to_return, Some(5));
    assert_eq!(parsed.query, "San*");
    assert_eq!(parsed.lang_code, "FR");
    assert_eq!(parsed.search_by, SearchBy::Code);
    assert_eq!(parsed.long_code, "US-CA");
    assert!(parsed.code_by_level.is_empty());
}

#[test]
fn list_levels_in_any_order() {
    let bytes =
        list_request_with("<code-by-level><level2>W</level2><level1>US</level1></code-by-level>");
    assert_eq!(
        FetchListRequest::parse(&bytes).map(|r| r.code_by_level),
        Ok(vec!["US".to_string(), "W".to_string()])
    );
}

#[test]
fn list_levels_unknown_names_ignored() {
    let bytes = list_request_with(
        "<code-by-level><level1>US</level1><levelX>?</levelX><depth>2</depth></code-by-level>",
    );
    assert_eq!(
        FetchListRequest::parse(&bytes).map(|r| r.code_by_level),
        Ok(vec!["US".to_string()])
    );
}

#[test]
fn list_request_empty_root() {
    assert_eq!(
        FetchListRequest::parse(b"<fetch-list-request/>"),
        Ok(FetchListRequest::default())
    );
}

#[test]
fn list_response_empty_root() {
    assert_eq!(
        FetchListResponse::parse(b"<fetch-list-response></fetch-list-response>"),
        Ok(FetchListResponse::default())
    );
}

#[test]
fn list_response_empty_match_value() {
    let bytes = list_response_with(&list_item(&[("match-value", Some(""))]));
    assert_eq!(
        FetchListResponse::parse(&bytes).map(|r| r.items[0].match_value.clone()),
        Ok(String::new())
    );
}

#[test]
fn list_response_first_level_code_is_short_code() {
    let bytes = list_response_with(&list_item(&[
        ("code", Some("US")),
        ("short-code", Some("US")),
    ]));
    assert_eq!(
        FetchListResponse::parse(&bytes).map(|r| r.items.len()),
        Ok(1)
    );
}

#[test]
fn nesting_at_depth_limit_accepted() {
    let open: String = (0..13).map(|_| "<x>").collect();
    let close: String = (0..13).map(|_| "</x>").collect();
    let bytes = request_with(&format!(
        "<Deep>{open}{close}</Deep><LastName>Doe</LastName>"
    ));
    assert_eq!(last_name_of(&bytes), "Doe");
}
