//! Fetch Attendee and Fetch List from the real host over real TLS: against
//! the real connector with imported data, and against small fake connectors
//! that break the contract on purpose.

mod common;
mod dispatch_support;
mod web_support;

use base64::Engine;
use common::running_connector::{RunningConnector, spawn_connector_importing};
use common::*;
use dispatch_support::*;
use host::Config;
use host::dispatch::CalloutFailure;
use host::domain::callout_log::{CALLOUT_LOG_KEPT, CalloutOutcome, CalloutRecord};
use host::domain::{RegistrationId, ServiceKind};
use host::store::HostStore;
use metrics_exporter_prometheus::PrometheusBuilder;
use protocol::{AttendeeSearchRequest, AttendeeVersion, FetchListRequest};
use serde_json::json;
use std::time::Duration;

/// Attendees named Manyson beyond the 100-record cap.
const MANY: usize = 150;

fn attendees_csv() -> String {
    let mut csv = String::from(
        "ExternalID,FirstName,LastName,Company,AttendeeTypeCode\n\
         EXT-0001,John,Doe,Acme Corporation,BUSGUEST\n\
         EXT-0002,Jane,Doe,Globex,BUSGUEST\n\
         EXT-0003,Sean,OBrien,Smith and Sons,BUSGUEST\n",
    );
    for index in 0..MANY {
        csv.push_str(&format!("MANY-{index:03},Many,Manyson,Bulk Inc,BUSGUEST\n"));
    }
    csv
}

fn cities_csv() -> String {
    let mut csv = String::from(
        "parent,code,text,lang\n\
         ,US,United States,\n\
         US,W,West,\n\
         US-W,CA,California,\n\
         US-W,MANY,Many,\n\
         US-W-CA,SF,San Francisco,\n\
         US-W-CA,SJ,San Jose,\n\
         US-W-CA,SD,San Diego,\n\
         US-W-CA,LA,Los Angeles,\n",
    );
    for index in 0..MANY {
        csv.push_str(&format!("US-W-MANY,M{index:03},Place {index:03},\n"));
    }
    csv
}

/// Starts the real connector with imported attendees and cities, and a
/// host with `services` of a registration of it enabled.
async fn real_setup(services: &[(&str, &str)]) -> (RunningConnector, Setup, RegistrationId) {
    let connector =
        spawn_connector_importing(Some(&attendees_csv()), &[("Cities", &cities_csv())]).await;
    let setup = start_host(vec![connector.ca_pem.clone()], test_config()).await;
    let id = setup.register(&connector.origin, services).await;
    (connector, setup, id)
}

// Against the real connector.

#[tokio::test]
async fn attendees_returned_from_connector() {
    let (_connector, setup, id) = real_setup(&[("fetch-attendee", ATTENDEE_PATH)]).await;

    let results = setup
        .fetch_attendees(id, &search_last_name("Doe", None))
        .await
        .expect("attendees");
    let mut found = external_ids(&results.attendees);
    found.sort_unstable();

    assert_eq!(found, ["EXT-0001", "EXT-0002"]);
    assert!(!results.refine_search);
}

#[tokio::test]
async fn attendees_configured_maximum_respected() {
    let (_connector, setup, id) = real_setup(&[("fetch-attendee", ATTENDEE_PATH)]).await;

    let results = setup
        .fetch_attendees(id, &search_last_name("Manyson", None))
        .await
        .expect("attendees");

    assert_eq!(results.attendees.len(), 25);
    assert!(!results.refine_search);
}

#[tokio::test]
async fn attendees_requested_maximum_respected() {
    let (_connector, setup, id) = real_setup(&[("fetch-attendee", ATTENDEE_PATH)]).await;

    let results = setup
        .fetch_attendees(id, &search_last_name("Manyson", Some(5)))
        .await
        .expect("attendees");

    assert_eq!(results.attendees.len(), 5);
}

#[tokio::test]
async fn attendees_v1_path_from_connector() {
    let (_connector, setup, id) = real_setup(&[("fetch-attendee", ATTENDEE_V1_PATH)]).await;

    let results = setup
        .fetch_attendees(id, &search_last_name("Doe", None))
        .await
        .expect("attendees");

    assert_eq!(results.attendees.len(), 2);
    assert_eq!(results.attendees[0].custom.len(), 20);
}

#[tokio::test]
async fn list_connected_level_from_connector() {
    let (_connector, setup, id) = real_setup(&[("fetch-list", LIST_PATH)]).await;

    let results = setup
        .fetch_list(id, &list_query("US-W-CA", "San*", None))
        .await
        .expect("list items");

    let codes: Vec<&str> = results
        .items
        .iter()
        .map(|item| item.code.as_str())
        .collect();
    assert_eq!(codes, ["US-W-CA-SD", "US-W-CA-SF", "US-W-CA-SJ"]);
    assert!(!results.refine_search);
}

#[tokio::test]
async fn list_num_to_return_capped_at_100() {
    let (_connector, setup, id) = real_setup(&[("fetch-list", LIST_PATH)]).await;

    let results = setup
        .fetch_list(id, &list_query("US-W-MANY", "*", Some(500)))
        .await
        .expect("list items");

    assert_eq!(results.items.len(), 100);
}

#[tokio::test]
async fn success_shown_on_registration_page() {
    let (_connector, setup, id) = real_setup(&[("fetch-attendee", ATTENDEE_PATH)]).await;
    setup
        .fetch_attendees(id, &search_last_name("Doe", None))
        .await
        .expect("attendees");

    let log = setup.log(id).await;
    let page = setup.page(id).await;

    assert_eq!(
        log.first().map(|record| &record.outcome),
        Some(&CalloutOutcome::Succeeded {
            results: 2,
            refine_search: false
        })
    );
    assert!(
        page.contains("<td>Fetch Attendee</td>\n<td>Succeeded</td>"),
        "{page}"
    );
}

// What the host sends.

#[tokio::test]
async fn attendees_request_carries_credentials_and_xml() {
    let (setup, fake, id) = fake_setup(Canned::xml(attendees_xml(1))).await;

    setup
        .fetch_attendees(id, &search_last_name("Doe", None))
        .await
        .expect("attendees");

    let received = fake.received();
    let credentials = base64::engine::general_purpose::STANDARD
        .encode(format!("{CONNECTOR_USER}:{CONNECTOR_PASSWORD}"));
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].path, ATTENDEE_PATH);
    assert_eq!(
        received[0].authorization,
        Some(format!("Basic {credentials}"))
    );
    assert_eq!(
        received[0].content_type.as_deref(),
        Some("application/xml; charset=utf-8")
    );
}

#[tokio::test]
async fn attendees_request_maximum_capped_by_config() {
    let (setup, fake, id) = fake_setup(Canned::xml(attendees_xml(1))).await;

    for (requested, expected) in [(None, 25), (Some(0), 25), (Some(500), 25), (Some(5), 5)] {
        setup
            .fetch_attendees(id, &search_last_name("Doe", requested))
            .await
            .expect("attendees");

        let received = fake.received();
        let body = &received.last().expect("a request").body;
        let sent =
            AttendeeSearchRequest::parse(body, AttendeeVersion::V2_0).expect("valid request");
        assert_eq!(
            sent.maximum_number_records,
            Some(expected),
            "requested {requested:?}"
        );
    }
}

#[tokio::test]
async fn attendees_request_uses_configured_maximum() {
    let mut config = test_config();
    config.callouts.maximum_number_records = 10;
    let (setup, fake, id) = fake_setup_with(Canned::xml(attendees_xml(1)), config).await;

    setup
        .fetch_attendees(id, &search_last_name("Doe", None))
        .await
        .expect("attendees");

    let received = fake.received();
    let sent = AttendeeSearchRequest::parse(&received[0].body, AttendeeVersion::V2_0)
        .expect("valid request");
    assert_eq!(sent.maximum_number_records, Some(10));
}

#[tokio::test]
async fn attendees_v1_path_sends_no_v2_fields() {
    let ca = FakeCa::new();
    let setup = start_host(vec![ca.pem()], test_config()).await;
    let mut v1_response = attendees_xml(1);
    for number in 21..=25 {
        v1_response = replaced(&v1_response, &format!("<Custom{number}/>"), "");
    }
    let fake = ca.spawn(Canned::xml(v1_response)).await;
    let id = setup
        .register(&fake.origin, &[("fetch-attendee", ATTENDEE_V1_PATH)])
        .await;

    let results = setup
        .fetch_attendees(id, &search_last_name("Doe", None))
        .await;

    let body = String::from_utf8(fake.received()[0].body.clone()).expect("UTF-8");
    assert!(results.is_ok(), "{results:?}");
    assert!(body.contains("<Custom20"), "{body}");
    assert!(!body.contains("<Custom21"), "{body}");
}

#[tokio::test]
async fn list_request_num_to_return_capped() {
    let (setup, fake, id) = fake_setup(Canned::xml("<fetch-list-response/>")).await;

    for (requested, expected) in [(None, 25), (Some(500), 100), (Some(40), 40)] {
        setup
            .fetch_list(id, &list_query("US", "*", requested))
            .await
            .expect("list items");

        let received = fake.received();
        let sent = FetchListRequest::parse(&received.last().expect("a request").body)
            .expect("valid request");
        assert_eq!(
            sent.num_to_return,
            Some(expected),
            "requested {requested:?}"
        );
    }
}

#[tokio::test]
async fn attendees_refine_when_connector_ignores_maximum() {
    let (setup, _fake, id) = fake_setup(Canned::xml(attendees_xml(7))).await;

    let results = setup
        .fetch_attendees(id, &search_last_name("Doe", Some(5)))
        .await
        .expect("attendees");

    assert_eq!(
        external_ids(&results.attendees),
        ["EXT-0001", "EXT-0002", "EXT-0003", "EXT-0004", "EXT-0005"]
    );
    assert!(results.refine_search);
}

#[tokio::test]
async fn list_refine_when_connector_ignores_maximum() {
    let items = "<fetch-list-response>\
        <item><code>US-W</code><short-code>W</short-code><text>West</text><match-value>West</match-value></item>\
        <item><code>US-E</code><short-code>E</short-code><text>East</text><match-value>East</match-value></item>\
        <item><code>US-N</code><short-code>N</short-code><text>North</text><match-value>North</match-value></item>\
        </fetch-list-response>";
    let (setup, _fake, id) = fake_setup(Canned::xml(items)).await;

    let results = setup
        .fetch_list(id, &list_query("US", "*", Some(2)))
        .await
        .expect("list items");

    assert_eq!(results.items.len(), 2);
    assert!(results.refine_search);
}

// Services that are not active.

#[tokio::test]
async fn disabled_service_is_not_active() {
    let ca = FakeCa::new();
    let setup = start_host(vec![ca.pem()], test_config()).await;
    let fake = ca.spawn(Canned::xml(attendees_xml(1))).await;
    let id = setup
        .register(&fake.origin, &[("fetch-list", LIST_PATH)])
        .await;

    let result = setup
        .fetch_attendees(id, &search_last_name("Doe", None))
        .await;

    assert_eq!(result, Err(CalloutFailure::ServiceNotActive));
    assert_eq!(fake.received().len(), 0);
}

#[tokio::test]
async fn unverified_registration_is_not_active() {
    let (setup, fake, id) = fake_setup(Canned::xml(attendees_xml(1))).await;
    let changed = setup
        .host
        .patch(
            &format!("/api/v1/connectors/{}", id.0),
            &setup.token,
            &json!({"password": "Another-password-4711"}),
        )
        .await;
    assert_eq!(changed.body["verified"], false, "{}", changed.text);

    let attendees = setup
        .fetch_attendees(id, &search_last_name("Doe", None))
        .await;
    let items = setup.fetch_list(id, &list_query("US", "*", None)).await;

    assert_eq!(attendees, Err(CalloutFailure::ServiceNotActive));
    assert_eq!(items, Err(CalloutFailure::ServiceNotActive));
    assert_eq!(fake.received().len(), 0);
}

#[tokio::test]
async fn service_disabled_after_use_sends_nothing() {
    let (setup, fake, id) = fake_setup(Canned::xml(attendees_xml(1))).await;
    setup
        .fetch_attendees(id, &search_last_name("Doe", None))
        .await
        .expect("attendees while the service is enabled");
    let disabled = setup
        .host
        .put(
            &format!("/api/v1/connectors/{}/services/fetch-attendee", id.0),
            &setup.token,
            &json!({"enabled": false}),
        )
        .await;
    assert_eq!(disabled.body["services"]["fetch-attendee"]["active"], false, "{}", disabled.text);

    let result = setup
        .fetch_attendees(id, &search_last_name("Doe", None))
        .await;

    assert_eq!(result, Err(CalloutFailure::ServiceNotActive));
    assert_eq!(fake.received().len(), 1);
}

#[tokio::test]
async fn other_company_registration_is_not_active() {
    let (setup, fake, id) = fake_setup(Canned::xml(attendees_xml(1))).await;
    let other_token = setup.host.administrator("Globex").await;
    let other = actor_of(&setup.host, &other_token).await;

    let result = setup
        .dispatcher
        .fetch_attendees(&other, id, &search_last_name("Doe", None))
        .await;

    assert_eq!(result, Err(CalloutFailure::ServiceNotActive));
    assert_eq!(fake.received().len(), 0);
}

#[tokio::test]
async fn invalid_request_is_not_sent() {
    let (setup, fake, id) = fake_setup(Canned::xml(attendees_xml(1))).await;
    let request = search_last_name(&"x".repeat(133), None);

    let result = setup.fetch_attendees(id, &request).await;

    assert_eq!(
        result,
        Err(CalloutFailure::InvalidRequest {
            rule: "element `AttendeeSearchRequest/Attendee/LastName`: longer than 132 characters (got 133)".to_owned()
        })
    );
    assert_eq!(fake.received().len(), 0);
}

// Connectors that break the contract: the rule is returned, recorded and shown.

/// Runs one Fetch Attendee against a fake connector and checks that the
/// failure is returned, recorded in the callout log and shown on the page.
async fn check_attendee_failure(canned: Canned, config: Config, expected: CalloutFailure) {
    let (setup, _fake, id) = fake_setup_with(canned, config).await;

    check_recorded_failure(&setup, id, expected).await;
}

/// Runs one Fetch Attendee of the registration `id` and checks that the
/// failure is returned, recorded in the callout log and shown on the page.
async fn check_recorded_failure(setup: &Setup, id: RegistrationId, expected: CalloutFailure) {
    let result = setup
        .fetch_attendees(id, &search_last_name("Doe", None))
        .await;
    let log = setup.log(id).await;
    let page = setup.page(id).await;

    assert_eq!(result.as_ref().err(), Some(&expected));
    let (recorded, shown) = match &expected {
        CalloutFailure::InvalidAnswer { rule } => (
            CalloutOutcome::InvalidAnswer { rule: rule.clone() },
            format!("Invalid answer: {rule}"),
        ),
        CalloutFailure::Failed { kind, detail } => (
            CalloutOutcome::Failed {
                kind: (*kind).to_owned(),
                detail: detail.clone(),
            },
            format!("Failed ({kind}): {detail}"),
        ),
        other => panic!("not a failure of a sent callout: {other:?}"),
    };
    assert_eq!(log.first().map(|record| &record.outcome), Some(&recorded));
    assert_eq!(
        log.first().map(|record| record.service),
        Some(ServiceKind::FetchAttendee)
    );
    assert!(
        page.contains(&html_escaped(&shown)),
        "{shown} not on the page: {page}"
    );
    assert!(!page.contains(CONNECTOR_PASSWORD));
}

fn invalid_answer(rule: &str) -> CalloutFailure {
    CalloutFailure::InvalidAnswer {
        rule: rule.to_owned(),
    }
}

#[tokio::test]
async fn attendee_missing_child_is_invalid() {
    let body = replaced(&attendees_xml(1), "<Custom25/>", "");

    check_attendee_failure(
        Canned::xml(body),
        test_config(),
        invalid_answer("element `AttendeeSearchResponse/Attendee[1]/Custom25`: missing"),
    )
    .await;
}

#[tokio::test]
async fn attendee_empty_last_name_is_invalid() {
    let body = replaced(&attendees_xml(1), "<LastName>Doe</LastName>", "<LastName/>");

    check_attendee_failure(
        Canned::xml(body),
        test_config(),
        invalid_answer(
            "element `AttendeeSearchResponse/Attendee[1]/LastName`: empty, but a value is required",
        ),
    )
    .await;
}

#[tokio::test]
async fn attendee_wrong_root_is_invalid() {
    check_attendee_failure(
        Canned::xml("<fetch-list-response/>"),
        test_config(),
        invalid_answer(
            "element `fetch-list-response`: wrong root element, expected `AttendeeSearchResponse`",
        ),
    )
    .await;
}

#[tokio::test]
async fn attendee_json_content_type_is_invalid() {
    let canned = Canned::Answer {
        status: 200,
        content_type: Some("application/json"),
        body: attendees_xml(1),
    };

    check_attendee_failure(
        canned,
        test_config(),
        invalid_answer("header `Content-Type`: \"application/json\" is not application/xml or text/xml in UTF-8"),
    )
    .await;
}

#[tokio::test]
async fn attendee_status_500_fails() {
    let canned = Canned::Answer {
        status: 500,
        content_type: Some("text/plain"),
        body: "internal error".to_owned(),
    };

    check_attendee_failure(
        canned,
        test_config(),
        CalloutFailure::Failed {
            kind: "unexpected_status",
            detail: "the connector answered with HTTP status 500: check the endpoint path and the connector's logs".to_owned(),
        },
    )
    .await;
}

#[tokio::test]
async fn attendee_no_answer_times_out() {
    let mut config = test_config();
    config.outbound.total_timeout_secs = 1;

    check_attendee_failure(Canned::Hang, config, response_timed_out()).await;
}

fn response_timed_out() -> CalloutFailure {
    CalloutFailure::Failed {
        kind: "timed_out",
        detail: "the connector did not send a complete response in time: check its logs and the speed of its back end".to_owned(),
    }
}

#[tokio::test]
async fn attendee_malformed_xml_is_invalid() {
    let body = "<AttendeeSearchResponse><Attendee><ExternalID>EXT-0001</ExternalID>";

    check_attendee_failure(
        Canned::xml(body),
        test_config(),
        invalid_answer("element `AttendeeSearchResponse/Attendee`: malformed XML: element not closed before the end of the document"),
    )
    .await;
}

#[tokio::test]
async fn list_malformed_xml_is_invalid() {
    let (setup, fake, id) = fake_setup(Canned::xml("<fetch-list-response><item></items></fetch-list-response>")).await;

    let result = setup
        .fetch_list(id, &list_query("US", "*", None))
        .await;
    let log = setup.log(id).await;

    let rule = "element `fetch-list-response/item`: malformed XML: ill-formed document: expected `</item>`, but `</items>` was found";
    assert_eq!(result, Err(invalid_answer(rule)));
    assert_eq!(fake.received().len(), 1);
    assert_eq!(
        log.first().map(|record| &record.outcome),
        Some(&CalloutOutcome::InvalidAnswer { rule: rule.to_owned() })
    );
}

#[tokio::test]
async fn connector_down_fails_as_refused() {
    let (setup, fake, id) = fake_setup(Canned::xml(attendees_xml(1))).await;
    fake.stop().await;

    check_recorded_failure(
        &setup,
        id,
        CalloutFailure::Failed {
            kind: "connection_refused",
            detail: "the connection was refused: nothing listens on that port; check the port in the host name and that the connector is running".to_owned(),
        },
    )
    .await;
}

#[tokio::test]
async fn attendee_slow_body_times_out() {
    let mut config = test_config();
    config.outbound.total_timeout_secs = 1;
    let body = attendees_xml(1);
    let interval = Duration::from_millis(200);
    let chunks = body.len().div_ceil(TRICKLE_CHUNK_BYTES);
    assert!(interval * u32::try_from(chunks).unwrap() > Duration::from_secs(5), "the body would arrive in time");
    let (setup, _fake, id) = fake_setup_with(Canned::Trickle { body, interval }, config).await;

    let started = std::time::Instant::now();
    let result = setup
        .fetch_attendees(id, &search_last_name("Doe", None))
        .await;
    let elapsed = started.elapsed();
    let log = setup.log(id).await;

    assert_eq!(result, Err(response_timed_out()));
    assert!(elapsed < Duration::from_secs(4), "the callout took {elapsed:?}");
    assert!(
        matches!(log.first().map(|record| &record.outcome), Some(CalloutOutcome::Failed { kind, .. }) if kind == "timed_out"),
        "{log:?}"
    );
}

#[tokio::test]
async fn attendee_response_too_large_fails() {
    let config = test_config();
    let body = attendees_xml(300);
    assert!(body.len() > config.outbound.max_response_bytes, "{} bytes fit the limit", body.len());

    check_attendee_failure(
        Canned::xml(body),
        config,
        CalloutFailure::Failed {
            kind: "response_too_large",
            detail: "the response is larger than 65536 bytes, the limit for a callout response: make the connector return fewer results".to_owned(),
        },
    )
    .await;
}

#[tokio::test]
async fn list_more_than_100_items_keeps_100() {
    let (setup, _fake, id) = fake_setup(Canned::xml(list_items_xml(150))).await;

    let results = setup
        .fetch_list(id, &list_query("", "*", Some(500)))
        .await
        .expect("list items");

    assert_eq!(results.items.len(), 100);
    assert_eq!(results.items.last().map(|item| item.short_code.as_str()), Some("C99"));
    assert!(results.refine_search);
}

#[tokio::test]
async fn list_code_not_under_long_code_is_invalid() {
    let items = "<fetch-list-response>\
        <item><code>US-W-NV-SF</code><short-code>SF</short-code><text>San Francisco</text><match-value/></item>\
        </fetch-list-response>";
    let (setup, _fake, id) = fake_setup(Canned::xml(items)).await;
    let rule = "element `fetch-list-response/item[1]/code`: expected `US-W-CA-SF`, the request's long code joined to the short code by `-`";

    let result = setup
        .fetch_list(id, &list_query("US-W-CA", "San*", None))
        .await;
    let log = setup.log(id).await;
    let page = setup.page(id).await;

    assert_eq!(result, Err(invalid_answer(rule)));
    assert_eq!(
        log.first().map(|record| &record.outcome),
        Some(&CalloutOutcome::InvalidAnswer {
            rule: rule.to_owned()
        })
    );
    assert!(page.contains(&html_escaped(rule)), "{page}");
}

#[tokio::test]
async fn echoed_password_is_redacted() {
    let body = format!("<AttendeeSearchResponse>&{CONNECTOR_PASSWORD};</AttendeeSearchResponse>");
    let (setup, _fake, id) = fake_setup(Canned::xml(body)).await;

    let result = setup
        .fetch_attendees(id, &search_last_name("Doe", None))
        .await;
    let log = setup.log(id).await;
    let page = setup.page(id).await;

    let rule = match &result {
        Err(CalloutFailure::InvalidAnswer { rule }) => rule.clone(),
        other => panic!("expected an invalid answer, got {other:?}"),
    };
    assert!(rule.contains("[redacted]"), "{rule}");
    assert!(!rule.contains(CONNECTOR_PASSWORD), "{rule}");
    assert!(!format!("{log:?}").contains(CONNECTOR_PASSWORD), "{log:?}");
    assert!(!page.contains(CONNECTOR_PASSWORD));
}

// Metrics and the bounded callout log.

#[tokio::test]
async fn callout_metrics_count_kind_and_outcome() {
    let recorder = PrometheusBuilder::new().build_recorder();
    let handle = recorder.handle();
    // The test runtime has one thread, so every task records into this recorder.
    let _metrics = metrics::set_default_local_recorder(&recorder);
    let (setup, _fake, id) = fake_setup(Canned::xml(attendees_xml(1))).await;

    for _ in 0..2 {
        setup
            .fetch_attendees(id, &search_last_name("Doe", None))
            .await
            .expect("attendees");
    }
    let failed = setup.fetch_list(id, &list_query("US", "*", None)).await;
    let rendered = handle.render();

    assert!(failed.is_err());
    assert!(
        rendered.contains(
            "callouts_host_callouts_total{kind=\"fetch-attendee\",outcome=\"succeeded\"} 2"
        ),
        "{rendered}"
    );
    assert!(
        rendered.contains(
            "callouts_host_callouts_total{kind=\"fetch-list\",outcome=\"invalid_answer\"} 1"
        ),
        "{rendered}"
    );
    assert!(
        rendered
            .contains("callouts_host_callout_duration_seconds_count{kind=\"fetch-attendee\"} 2"),
        "{rendered}"
    );
}

#[tokio::test]
async fn callout_log_keeps_newest_entries() {
    let (setup, _fake, id) = fake_setup(Canned::xml(attendees_xml(1))).await;
    let kept_plus = CALLOUT_LOG_KEPT + 5;
    let store: &dyn HostStore = setup.host.store.as_ref();

    for results in 0..kept_plus {
        let record = CalloutRecord {
            at: time::OffsetDateTime::now_utc(),
            service: ServiceKind::FetchList,
            duration_ms: 3,
            outcome: CalloutOutcome::Succeeded {
                results: u32::try_from(results).unwrap(),
                refine_search: false,
            },
        };
        store
            .record_callout(id, &record, CALLOUT_LOG_KEPT)
            .await
            .expect("record a callout");
    }
    let log = setup.log(id).await;

    assert_eq!(log.len(), CALLOUT_LOG_KEPT);
    assert_eq!(
        log.first().map(|record| &record.outcome),
        Some(&CalloutOutcome::Succeeded {
            results: u32::try_from(kept_plus - 1).unwrap(),
            refine_search: false
        })
    );
    assert_eq!(
        log.last().map(|record| &record.outcome),
        Some(&CalloutOutcome::Succeeded {
            results: 5,
            refine_search: false
        })
    );
}
