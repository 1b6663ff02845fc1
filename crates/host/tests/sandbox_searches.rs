//! Searches of the expense pages over real HTTPS: the list field level by level and attendees,
//! against the real connector, and failures and "refine your search" from fake connectors.

mod common;
mod dispatch_support;
mod sandbox_support;
mod web_support;

use dispatch_support::{Canned, FakeCa, attendees_xml, list_items_xml};
use protocol::SearchBy;
use reqwest::StatusCode;
use sandbox_support::*;
use serde_json::Value;
use web_support::Browser;

/// Returns the report and entry ids of an entry path.
fn ids(entry: &str) -> (String, String) {
    let parts: Vec<&str> = entry.split('/').collect();
    (parts[3].to_owned(), parts[5].to_owned())
}

/// Searches `level` of the entry's list for `typed` through the page form.
async fn search_level(browser: &Browser, entry: &str, level: usize, typed: &str) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("list_level", &level.to_string())
        .append_pair("list_query", typed)
        .finish();
    let page = browser.get(&format!("{entry}?{query}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    page.text
}

/// Returns the options offered at `level`, as their visible text.
fn options(page: &str, level: usize) -> Vec<String> {
    let select = element(page, "select", &format!("list-choice-{level}"));
    select
        .split("<option value=\"")
        .skip(1)
        .map(|option| {
            let text = &option[option.find('>').map_or(0, |index| index + 1)..];
            text[..text.find("</option>").unwrap_or(text.len())].to_owned()
        })
        .collect()
}

/// Chooses US, W and CA at levels 1 to 3.
async fn choose_california(browser: &Browser, entry: &str) {
    choose(browser, entry, "1", "US").await;
    choose(browser, entry, "2", "W").await;
    choose(browser, entry, "3", "CA").await;
}

#[tokio::test]
async fn list_first_level_request() {
    let ready = ready().await;
    let entry = report_with_entry(&ready.employee).await;

    search_level(&ready.employee, &entry, 1, "Uni").await;

    let requests = ready.sandbox.recorder.list_requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.long_code, "");
    assert_eq!(request.short_code, "");
    assert!(request.code_by_level.is_empty());
    assert_eq!(request.query, "Uni*");
    assert_eq!(request.search_by, SearchBy::Text);
    assert_eq!(request.lang_code, "EN");
    assert_eq!(request.list_name, LIST_NAME);
    assert_eq!(request.num_to_return, Some(25));
}

#[tokio::test]
async fn list_first_level_results() {
    let ready = ready().await;
    let entry = report_with_entry(&ready.employee).await;

    let page = search_level(&ready.employee, &entry, 1, "Uni").await;

    assert_eq!(
        options(&page, 1),
        ["United Kingdom (UK)", "United States (US)"]
    );
}

#[tokio::test]
async fn list_blank_search_browses_level() {
    let ready = ready().await;
    let entry = report_with_entry(&ready.employee).await;
    choose(&ready.employee, &entry, "1", "US").await;

    let page = search_level(&ready.employee, &entry, 2, "").await;

    let last = ready
        .sandbox
        .recorder
        .list_requests()
        .pop()
        .expect("a request");
    assert_eq!(last.query, "*");
    assert_eq!(options(&page, 2), ["East (E)", "West (W)"]);
}

#[tokio::test]
async fn list_choose_verifies_by_code() {
    let ready = ready().await;
    let entry = report_with_entry(&ready.employee).await;

    choose(&ready.employee, &entry, "1", "US").await;

    let request = ready
        .sandbox
        .recorder
        .list_requests()
        .pop()
        .expect("a request");
    assert_eq!(request.search_by, SearchBy::Code);
    assert_eq!(request.query, "US");
    assert_eq!(request.long_code, "");
}

#[tokio::test]
async fn list_fourth_level_request_carries_parents() {
    let ready = ready().await;
    let entry = report_with_entry(&ready.employee).await;
    choose_california(&ready.employee, &entry).await;

    search_level(&ready.employee, &entry, 4, "San").await;

    let request = ready
        .sandbox
        .recorder
        .list_requests()
        .pop()
        .expect("a request");
    assert_eq!(request.long_code, "US-W-CA");
    assert_eq!(request.short_code, "CA");
    assert_eq!(request.code_by_level, ["US", "W", "CA"]);
    assert_eq!(request.query, "San*");
    assert_eq!(request.search_by, SearchBy::Text);
}

#[tokio::test]
async fn list_second_level_request_carries_first() {
    let ready = ready().await;
    let entry = report_with_entry(&ready.employee).await;
    choose(&ready.employee, &entry, "1", "US").await;

    search_level(&ready.employee, &entry, 2, "We").await;

    let request = ready
        .sandbox
        .recorder
        .list_requests()
        .pop()
        .expect("a request");
    assert_eq!(request.long_code, "US");
    assert_eq!(request.short_code, "US");
    assert_eq!(request.code_by_level, ["US"]);
}

#[tokio::test]
async fn list_fourth_level_results() {
    let ready = ready().await;
    let entry = report_with_entry(&ready.employee).await;
    choose_california(&ready.employee, &entry).await;

    let page = search_level(&ready.employee, &entry, 4, "San").await;

    assert_eq!(
        options(&page, 4),
        ["San Diego (SD)", "San Francisco (SF)", "San Jose (SJ)"]
    );
}

#[tokio::test]
async fn list_choice_stores_long_code_and_leaf_text() {
    let ready = ready().await;
    let entry = report_with_entry(&ready.employee).await;
    choose_california(&ready.employee, &entry).await;

    choose(&ready.employee, &entry, "4", "SF").await;
    let page = ready.employee.get(&entry).await;
    let (report, _) = ids(&entry);
    let report_page = ready
        .employee
        .get(&format!("/expenses/reports/{report}"))
        .await;

    let value = element(&page.text, "p", "list-value");
    assert!(
        value.contains("Value: San Francisco (code <code>US-W-CA-SF</code>)"),
        "{value}"
    );
    assert!(
        page.text.contains("<span id=\"list-chosen-2\">West</span>"),
        "{}",
        page.text
    );
    assert!(
        report_page
            .text
            .contains("<td>San Francisco (US-W-CA-SF)</td>"),
        "{}",
        report_page.text
    );
}

#[tokio::test]
async fn list_choose_unknown_code_rejected() {
    let ready = ready().await;
    let entry = report_with_entry(&ready.employee).await;

    let page = post_on_entry(
        &ready.employee,
        &entry,
        "/list",
        &[("level", "1"), ("short_code", "FR")],
    )
    .await;

    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.text
            .contains("short_code: must be one of the search results"),
        "{}",
        page.text
    );
}

#[tokio::test]
async fn list_choose_wildcard_code_rejected() {
    let ready = ready().await;
    let entry = report_with_entry(&ready.employee).await;

    let page = post_on_entry(
        &ready.employee,
        &entry,
        "/list",
        &[("level", "1"), ("short_code", "U*")],
    )
    .await;

    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(ready.sandbox.recorder.count(), 0);
}

#[tokio::test]
async fn list_level_below_unchosen_rejected() {
    let ready = ready().await;
    let entry = report_with_entry(&ready.employee).await;

    let page = ready
        .employee
        .get(&format!("{entry}?list_level=3&list_query=Cal"))
        .await;

    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text
            .contains("level: must be a level of the list whose earlier levels are chosen"),
        "{}",
        page.text
    );
    assert_eq!(ready.sandbox.recorder.count(), 0);
}

#[tokio::test]
async fn list_rechoosing_level_clears_below() {
    let ready = ready().await;
    let entry = report_with_entry(&ready.employee).await;
    choose_california(&ready.employee, &entry).await;

    choose(&ready.employee, &entry, "2", "E").await;
    let page = ready.employee.get(&entry).await;

    let value = element(&page.text, "p", "list-value");
    assert!(
        value.contains("Value: East (code <code>US-E</code>)"),
        "{value}"
    );
    assert!(!page.text.contains("list-chosen-3"), "{}", page.text);
}

#[tokio::test]
async fn list_clear_level_clears_below() {
    let ready = ready().await;
    let entry = report_with_entry(&ready.employee).await;
    choose_california(&ready.employee, &entry).await;

    let cleared = post_on_entry(&ready.employee, &entry, "/list/clear", &[("level", "2")]).await;
    let page = ready.employee.get(&entry).await;

    assert_eq!(cleared.status, StatusCode::SEE_OTHER, "{}", cleared.text);
    let value = element(&page.text, "p", "list-value");
    assert!(
        value.contains("Value: United States (code <code>US</code>)"),
        "{value}"
    );
}

#[tokio::test]
async fn list_search_text_too_long_rejected() {
    let ready = ready().await;
    let entry = report_with_entry(&ready.employee).await;

    let page = search_level(&ready.employee, &entry, 1, &"a".repeat(101)).await;

    assert!(
        page.contains("<p>Search text: must be at most 100 characters</p>"),
        "{page}"
    );
    assert_eq!(ready.sandbox.recorder.count(), 0);
}

#[tokio::test]
async fn list_json_search_returns_items() {
    let ready = ready().await;
    let entry = report_with_entry(&ready.employee).await;
    let (report, entry_id) = ids(&entry);

    let page = ready
        .employee
        .get(&format!(
            "/expenses/api/list-search?report={report}&entry={entry_id}&level=1&query=United%20S"
        ))
        .await;

    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let body: Value = serde_json::from_str(&page.text).expect("JSON");
    assert_eq!(body["items"][0]["text"], "United States");
    assert_eq!(body["items"][0]["code"], "US");
    assert_eq!(body["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(body["refine_search"], false);
}

#[tokio::test]
async fn list_json_invalid_level_rejected() {
    let ready = ready().await;
    let entry = report_with_entry(&ready.employee).await;
    let (report, entry_id) = ids(&entry);

    let page = ready
        .employee
        .get(&format!(
            "/expenses/api/list-search?report={report}&entry={entry_id}&level=5&query=a"
        ))
        .await;

    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = serde_json::from_str(&page.text).expect("JSON");
    assert_eq!(body["errors"][0]["field"], "level");
}

/// Returns the attendee search URL of the entry page.
fn attendee_search(entry: &str, fields: &str) -> String {
    format!("{entry}?attendee_search=1&attendee_type={ATTENDEE_TYPE}&{fields}")
}

#[tokio::test]
async fn attendee_search_request() {
    let ready = ready().await;
    let entry = report_with_entry(&ready.employee).await;

    ready
        .employee
        .get(&attendee_search(&entry, "last_name=Doe&first_name=J"))
        .await;

    let requests = ready.sandbox.recorder.attendee_requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.criteria.attendee_type_code, ATTENDEE_TYPE);
    assert_eq!(request.criteria.last_name, "Doe");
    assert_eq!(request.criteria.first_name, "J");
    assert!(
        request.owner_login_id.starts_with("employee-"),
        "{}",
        request.owner_login_id
    );
    assert_eq!(request.maximum_number_records, Some(25));
}

#[tokio::test]
async fn attendee_results_show_non_empty_fields() {
    let ready = ready().await;
    let entry = report_with_entry(&ready.employee).await;

    let page = ready
        .employee
        .get(&attendee_search(&entry, "last_name=Doe"))
        .await;

    let table = element(&page.text, "table", "attendee-results");
    for column in [
        "External ID",
        "First name",
        "Middle initial",
        "Last name",
        "Company",
        "Attendee type",
        "Title",
        "Custom 3",
    ] {
        assert!(
            table.contains(&format!("<th scope=\"col\">{column}</th>")),
            "{column}: {table}"
        );
    }
    assert!(!table.contains(">Suffix<"), "{table}");
    assert!(table.contains("value=\"EXT-0001\""), "{table}");
    assert!(table.contains("value=\"EXT-0002\""), "{table}");
    assert!(!table.contains("SPK-0001"), "{table}");
}

#[tokio::test]
async fn attendee_pick_stored_on_entry() {
    let ready = ready().await;
    let entry = report_with_entry(&ready.employee).await;

    let added = post_on_entry(
        &ready.employee,
        &entry,
        "/attendees",
        &[
            ("attendee_type", ATTENDEE_TYPE),
            ("external_id", "EXT-0001"),
        ],
    )
    .await;
    let page = ready.employee.get(&entry).await;

    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text);
    let picked = element(&page.text, "table", "picked-attendees");
    for cell in ["EXT-0001", "John", "Doe", "Acme Corporation", "BUSGUEST"] {
        assert!(
            picked.contains(&format!("<td>{cell}</td>")),
            "{cell}: {picked}"
        );
    }
}

#[tokio::test]
async fn attendee_added_twice_kept_once() {
    let ready = ready().await;
    let entry = report_with_entry(&ready.employee).await;
    let fields = [
        ("attendee_type", ATTENDEE_TYPE),
        ("external_id", "EXT-0002"),
    ];

    post_on_entry(&ready.employee, &entry, "/attendees", &fields).await;
    post_on_entry(&ready.employee, &entry, "/attendees", &fields).await;
    let page = ready.employee.get(&entry).await;

    assert_eq!(page.text.matches("<td>EXT-0002</td>").count(), 1);
}

#[tokio::test]
async fn attendee_unknown_external_id_rejected() {
    let ready = ready().await;
    let entry = report_with_entry(&ready.employee).await;

    let page = post_on_entry(
        &ready.employee,
        &entry,
        "/attendees",
        &[("attendee_type", ATTENDEE_TYPE), ("external_id", "EXT-00")],
    )
    .await;

    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.text
            .contains("External ID: must be one of the search results"),
        "{}",
        page.text
    );
}

#[tokio::test]
async fn attendee_type_not_configured_rejected() {
    let ready = ready().await;
    let entry = report_with_entry(&ready.employee).await;

    let page = ready
        .employee
        .get(&format!(
            "{entry}?attendee_search=1&attendee_type=SPEAKER&last_name=Doe"
        ))
        .await;

    assert!(
        page.text
            .contains("Attendee type: must be one of the attendee types that use a connector"),
        "{}",
        page.text
    );
    assert_eq!(ready.sandbox.recorder.count(), 0);
}

#[tokio::test]
async fn attendee_remove_deletes_it() {
    let ready = ready().await;
    let entry = report_with_entry(&ready.employee).await;
    let fields = [
        ("attendee_type", ATTENDEE_TYPE),
        ("external_id", "EXT-0003"),
    ];
    post_on_entry(&ready.employee, &entry, "/attendees", &fields).await;

    let removed = post_on_entry(&ready.employee, &entry, "/attendees/remove", &fields).await;
    let page = ready.employee.get(&entry).await;

    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    assert!(
        page.text.contains("The entry has no attendees."),
        "{}",
        page.text
    );
}

#[tokio::test]
async fn attendee_manual_creation_not_offered() {
    let ready = ready().await;
    let entry = report_with_entry(&ready.employee).await;

    let page = ready.employee.get(&entry).await;

    let add_form = element(&page.text, "form", "attendee-add-form");
    assert!(!add_form.contains("name=\"first_name\""), "{add_form}");
    assert!(!add_form.contains("name=\"last_name\""), "{add_form}");
    assert!(
        page.text.contains("cannot be entered by hand"),
        "{}",
        page.text
    );
}

#[tokio::test]
async fn attendee_json_search_returns_rows() {
    let ready = ready().await;

    let page = ready
        .employee
        .get("/expenses/api/attendee-search?attendee_type=BUSGUEST&last_name=OBr")
        .await;

    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let body: Value = serde_json::from_str(&page.text).expect("JSON");
    assert_eq!(body["rows"][0]["external_id"], "EXT-0003");
    assert_eq!(body["rows"].as_array().map(Vec::len), Some(1));
    assert_eq!(body["attendee_type"], ATTENDEE_TYPE);
}

// Failures and refine messages, from fake connectors.

/// A host whose registration points at a fake connector that returns `canned` to every search.
async fn fake(canned: Canned) -> (Sandbox, dispatch_support::FakeConnector, Browser, String) {
    let ca = FakeCa::new();
    let sandbox = start_sandbox(vec![ca.pem()]).await;
    let connector = ca.spawn(canned).await;
    sandbox.register(&connector.origin).await;
    let employee = sandbox.employee("Acme").await;
    let entry = report_with_entry(&employee).await;
    (sandbox, connector, employee, entry)
}


#[tokio::test]
async fn list_failure_message_shown() {
    let (sandbox, _connector, employee, entry) = fake(Canned::Answer {
        status: 500,
        content_type: None,
        body: String::new(),
    })
    .await;

    let page = search_level(&employee, &entry, 1, "C").await;

    let message = element(&page, "p", "list-message-1");
    assert!(
        message.contains(
            "The search failed: the list search service is not available right now; try again."
        ),
        "{message}"
    );
    assert!(message.contains("class=\"error\""), "{message}");
    assert_eq!(sandbox.recorder.count(), 1);
}

#[tokio::test]
async fn list_failure_not_retried() {
    let (sandbox, connector, employee, entry) = fake(Canned::Answer {
        status: 500,
        content_type: None,
        body: String::new(),
    })
    .await;
    search_level(&employee, &entry, 1, "C").await;

    employee.get(&entry).await;

    assert_eq!(sandbox.recorder.count(), 1);
    assert_eq!(connector.received().len(), 1);
}

#[tokio::test]
async fn attendee_invalid_answer_message_shown() {
    let (_sandbox, _connector, employee, entry) = fake(Canned::xml(
        "<AttendeeSearchResponse><Attendee/></AttendeeSearchResponse>",
    ))
    .await;

    let page = employee
        .get(&attendee_search(&entry, "last_name=Doe"))
        .await;

    let message = element(&page.text, "p", "attendee-message");
    assert!(
        message
            .contains("The search failed: the attendee search service returned an invalid answer."),
        "{message}"
    );
}

#[tokio::test]
async fn json_failure_is_bad_gateway() {
    let (_sandbox, _connector, employee, _entry) = fake(Canned::xml("<NotAnAnswer/>")).await;

    let page = employee
        .get("/expenses/api/attendee-search?attendee_type=BUSGUEST&last_name=Doe")
        .await;

    assert_eq!(page.status, StatusCode::BAD_GATEWAY);
    let body: Value = serde_json::from_str(&page.text).expect("JSON");
    assert_eq!(
        body["error"],
        "The search failed: the attendee search service returned an invalid answer."
    );
}

#[tokio::test]
async fn attendee_more_than_asked_shows_refine() {
    let (_sandbox, _connector, employee, entry) = fake(Canned::xml(attendees_xml(30))).await;

    let page = employee
        .get(&attendee_search(&entry, "last_name=Doe"))
        .await;

    let message = element(&page.text, "p", "attendee-message");
    assert!(message.contains("Refine your search."), "{message}");
    let table = element(&page.text, "table", "attendee-results");
    assert_eq!(table.matches("name=\"external_id\"").count(), 25);
}

#[tokio::test]
async fn list_more_than_asked_shows_refine() {
    let (_sandbox, _connector, employee, entry) = fake(Canned::xml(list_items_xml(30))).await;

    let page = search_level(&employee, &entry, 1, "").await;

    let message = element(&page, "p", "list-message-1");
    assert!(message.contains("Refine your search."), "{message}");
    assert_eq!(options(&page, 1).len(), 25);
}

#[tokio::test]
async fn list_json_more_than_asked_sets_refine() {
    let (_sandbox, _connector, employee, entry) = fake(Canned::xml(list_items_xml(30))).await;
    let (report, entry_id) = ids(&entry);

    let page = employee
        .get(&format!(
            "/expenses/api/list-search?report={report}&entry={entry_id}&level=1&query="
        ))
        .await;

    let body: Value = serde_json::from_str(&page.text).expect("JSON");
    assert_eq!(body["refine_search"], true);
    assert_eq!(
        body["message"],
        "More results were found than are shown. Refine your search."
    );
}

#[tokio::test]
async fn list_unconfigured_after_deactivation() {
    let ready = ready().await;
    let entry = report_with_entry(&ready.employee).await;
    ready
        .sandbox
        .configure(
            ready.registration,
            "fetch-list",
            serde_json::json!({"enabled": false}),
        )
        .await;

    let page = ready.employee.get(&entry).await;

    assert!(
        page.text
            .contains("no longer configured on an active Fetch List service"),
        "{}",
        page.text
    );
}
