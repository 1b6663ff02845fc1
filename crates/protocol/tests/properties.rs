//! Property tests: writing then parsing returns the same value, and parsing
//! arbitrary input never panics.

use proptest::collection::vec;
use proptest::prelude::*;
use protocol::limits::{
    attendee_request, attendee_response, list_request, list_response, notification,
};
use protocol::{
    Attendee, AttendeeSearchRequest, AttendeeSearchResponse, AttendeeVersion, EventDateTime,
    FetchListRequest, FetchListResponse, ListItem, Notification, NotificationList, ObjectType,
    SearchBy,
};

/// Characters XML 1.0 allows, with markup and white space made frequent.
fn xml_char() -> impl Strategy<Value = char> {
    prop_oneof![
        2 => prop::sample::select(vec![' ', '\t', '\n', '\r', '&', '<', '>', '"', '\'', ';', '#', ']']),
        1 => prop::char::range('a', 'z'),
        2 => any::<char>(),
    ]
    .prop_filter("XML 1.0 character", |&c| {
        matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
    })
}

fn text(min: usize, max: usize) -> impl Strategy<Value = String> {
    vec(xml_char(), min..=max).prop_map(String::from_iter)
}

fn versions() -> impl Strategy<Value = AttendeeVersion> {
    prop_oneof![Just(AttendeeVersion::V1_0), Just(AttendeeVersion::V2_0)]
}

fn request_attendee(version: AttendeeVersion) -> impl Strategy<Value = Attendee> {
    let fixed = (
        text(0, attendee_request::EXTERNAL_ID),
        text(0, attendee_request::FIRST_NAME),
        text(0, attendee_request::MIDDLE_INITIAL),
        text(0, attendee_request::LAST_NAME),
        text(0, attendee_request::SUFFIX),
        text(0, attendee_request::COMPANY),
        text(0, attendee_request::ATTENDEE_TYPE_CODE),
        text(0, attendee_request::TITLE),
    );
    let custom = vec(
        text(0, attendee_request::CUSTOM),
        version.custom_field_count(),
    );
    (fixed, custom).prop_map(attendee_from)
}

fn response_attendee(version: AttendeeVersion) -> impl Strategy<Value = Attendee> {
    let fixed = (
        text(1, attendee_response::EXTERNAL_ID),
        text(1, attendee_response::FIRST_NAME),
        text(0, attendee_response::MIDDLE_INITIAL),
        text(1, attendee_response::LAST_NAME),
        text(0, attendee_response::SUFFIX),
        text(0, attendee_response::COMPANY),
        text(0, attendee_response::ATTENDEE_TYPE_CODE),
        text(0, attendee_response::TITLE),
    );
    let first_twenty = vec(text(0, attendee_response::CUSTOM_1_TO_20), 20);
    let rest = vec(
        text(0, attendee_response::CUSTOM_21_TO_25),
        version.custom_field_count() - 20,
    );
    let custom = (first_twenty, rest).prop_map(|(mut first, rest)| {
        first.extend(rest);
        first
    });
    (fixed, custom).prop_map(attendee_from)
}

type FixedFields = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
);

fn attendee_from((fixed, custom): (FixedFields, Vec<String>)) -> Attendee {
    let (
        external_id,
        first_name,
        middle_initial,
        last_name,
        suffix,
        company,
        attendee_type_code,
        title,
    ) = fixed;
    Attendee {
        external_id,
        first_name,
        middle_initial,
        last_name,
        suffix,
        company,
        attendee_type_code,
        title,
        custom,
    }
}

fn attendee_request() -> impl Strategy<Value = (AttendeeVersion, AttendeeSearchRequest)> {
    versions().prop_flat_map(|version| {
        let request = (
            request_attendee(version),
            text(0, attendee_request::OWNER_LOGIN_ID),
            any::<Option<u32>>(),
        )
            .prop_map(|(criteria, owner_login_id, maximum_number_records)| {
                AttendeeSearchRequest {
                    criteria,
                    owner_login_id,
                    maximum_number_records,
                }
            });
        (Just(version), request)
    })
}

fn attendee_response() -> impl Strategy<Value = (AttendeeVersion, AttendeeSearchResponse)> {
    versions().prop_flat_map(|version| {
        let response = vec(response_attendee(version), 0..4)
            .prop_map(|attendees| AttendeeSearchResponse { attendees });
        (Just(version), response)
    })
}

fn list_request() -> impl Strategy<Value = FetchListRequest> {
    let codes = (
        text(0, list_request::LONG_CODE),
        text(0, list_request::SHORT_CODE),
        text(0, list_request::QUERY),
        prop_oneof![Just(SearchBy::Text), Just(SearchBy::Code)],
        text(0, list_request::LANG_CODE),
        any::<Option<u32>>(),
    );
    let internals = (
        text(0, list_request::PROTECTED_LIST_KEY),
        text(0, list_request::LIST_NAME),
        text(0, list_request::CONNECTOR_VERSION),
        text(0, list_request::CONFIG_OPTIONS),
        vec(
            text(0, list_request::LEVEL_CODE),
            0..=list_request::MAX_LEVELS,
        ),
    );
    (codes, internals).prop_map(|(codes, internals)| {
        let (long_code, short_code, query, search_by, lang_code, num_to_return) = codes;
        let (protected_list_key, list_name, connector_version, config_options, code_by_level) =
            internals;
        FetchListRequest {
            long_code,
            short_code,
            query,
            search_by,
            lang_code,
            num_to_return,
            protected_list_key,
            list_name,
            connector_version,
            config_options,
            code_by_level,
        }
    })
}

fn list_item() -> impl Strategy<Value = ListItem> {
    let short_code =
        text(1, list_response::SHORT_CODE).prop_filter("no hyphen", |code| !code.contains('-'));
    let long_code = text(0, list_response::CODE - list_response::SHORT_CODE - 1);
    (
        long_code,
        short_code,
        text(1, list_response::TEXT),
        text(0, list_response::MATCH_VALUE),
    )
        .prop_map(|(long_code, short_code, text, match_value)| {
            let code = if long_code.is_empty() {
                short_code.clone()
            } else {
                format!("{long_code}-{short_code}")
            };
            ListItem {
                code,
                short_code,
                text,
                match_value,
            }
        })
}

/// Fragments of XML, so that arbitrary documents reach past the first tag.
fn xml_soup() -> impl Strategy<Value = Vec<u8>> {
    let token = prop::sample::select(vec![
        "<AttendeeSearchRequest>",
        "</AttendeeSearchRequest>",
        "<AttendeeSearchResponse>",
        "</AttendeeSearchResponse>",
        "<fetch-list-request>",
        "</fetch-list-request>",
        "<fetch-list-response>",
        "</fetch-list-response>",
        "<Attendee>",
        "</Attendee>",
        "<LastName>",
        "</LastName>",
        "<ExternalID>",
        "</ExternalID>",
        "<Custom21/>",
        "<MaximumNumberRecords>",
        "</MaximumNumberRecords>",
        "<item>",
        "</item>",
        "<code>",
        "</code>",
        "<short-code>",
        "</short-code>",
        "<code-by-level>",
        "</code-by-level>",
        "<level1>",
        "</level1>",
        "<level10/>",
        "<search-by>",
        "</search-by>",
        "<num-to-return>",
        "</num-to-return>",
        "<?xml version=\"1.0\"?>",
        "<!DOCTYPE x>",
        "<![CDATA[",
        "]]>",
        "<!--",
        "-->",
        "&amp;",
        "&#xE9;",
        "&#0;",
        "&x;",
        "&",
        "<",
        ">",
        "/>",
        " ",
        "\n",
        "Doe",
        "-",
        "4294967296",
        "\u{FEFF}",
        "\u{0}",
        "é",
    ]);
    vec(token, 0..64).prop_map(|tokens| tokens.concat().into_bytes())
}

fn event_date_time() -> impl Strategy<Value = EventDateTime> {
    let date = (1u16..=9999, 1u8..=12, 1u8..=28);
    let time = prop::option::of((0u8..24, 0u8..60, 0u8..60));
    (date, time).prop_map(|((year, month, day), time)| match time {
        Some((hour, minute, second)) => {
            EventDateTime::date_time(year, month, day, hour, minute, second).unwrap()
        }
        None => EventDateTime::date(year, month, day).unwrap(),
    })
}

fn notification_message() -> impl Strategy<Value = Notification> {
    let object_type = prop_oneof![
        Just(ObjectType::ExpenseReport),
        Just(ObjectType::TravelRequest)
    ];
    let path = text(0, 200).prop_map(|path| path.replace(|c: char| c.is_whitespace(), "_"));
    (
        text(1, notification::EVENT_TYPE),
        object_type,
        path,
        event_date_time(),
        text(0, 300),
    )
        .prop_map(
            |(event_type, object_type, path, event_date_time, context)| Notification {
                event_type,
                object_type,
                object_uri: format!("https://host.example.com/{path}"),
                event_date_time,
                context,
            },
        )
}

fn parse_all(bytes: &[u8]) {
    for version in [AttendeeVersion::V1_0, AttendeeVersion::V2_0] {
        let _ = AttendeeSearchRequest::parse(bytes, version);
        let _ = AttendeeSearchResponse::parse(bytes, version);
    }
    let _ = FetchListRequest::parse(bytes);
    let _ = FetchListResponse::parse(bytes);
    let _ = Notification::parse(bytes);
    let _ = NotificationList::parse(bytes);
}

proptest! {
    #[test]
    fn attendee_request_round_trips((version, request) in attendee_request()) {
        let written = request.to_xml(version).expect("values within limits are written");
        prop_assert_eq!(AttendeeSearchRequest::parse(&written, version), Ok(request));
    }

    #[test]
    fn attendee_response_round_trips((version, response) in attendee_response()) {
        let written = response.to_xml(version).expect("values within limits are written");
        prop_assert_eq!(AttendeeSearchResponse::parse(&written, version), Ok(response));
    }

    #[test]
    fn list_request_round_trips(request in list_request()) {
        let written = request.to_xml().expect("values within limits are written");
        prop_assert_eq!(FetchListRequest::parse(&written), Ok(request));
    }

    #[test]
    fn list_response_round_trips(items in vec(list_item(), 0..4)) {
        let response = FetchListResponse { items };
        let written = response.to_xml().expect("values within limits are written");
        prop_assert_eq!(FetchListResponse::parse(&written), Ok(response));
    }

    #[test]
    fn notification_round_trips(notification in notification_message()) {
        let written = notification.to_xml().expect("values within limits are written");
        prop_assert_eq!(Notification::parse(&written), Ok(notification));
    }

    #[test]
    fn parse_arbitrary_bytes_never_panics(bytes in vec(any::<u8>(), 0..512)) {
        parse_all(&bytes);
    }

    #[test]
    fn parse_xml_soup_never_panics(bytes in xml_soup()) {
        parse_all(&bytes);
    }
}
