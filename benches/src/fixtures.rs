//! Bundled data served in the end-to-end benchmarks (the airport list and
//! the synthetic attendees from `data/`), and the callout bodies that query it.

use std::collections::BTreeSet;

use anyhow::Context;
use bytes::Bytes;
use connector::import::{CsvSource, read_attendees, read_list};
use connector::store::Store;

const AIRPORTS: &[u8] = include_bytes!("../../data/lists/airports.csv.gz");
const ATTENDEES: &[u8] = include_bytes!("../../data/attendees.csv.gz");

/// Name the airport list is imported under.
pub const LIST_NAME: &str = "airports";

/// Request path of Test Connection (the connector's default).
pub const TEST_CONNECTION_PATH: &str = "/system/v1.0/testconnection";
/// Request path of Fetch List v1.2 (the connector's default).
pub const LIST_PATH: &str = "/concur/list/v1.2/fetch";
/// Request path of Fetch Attendee v2.0 (the connector's default).
pub const ATTENDEE_PATH: &str = "/concur/attendee/v2.0/fetch";

/// Sizes of the bundled data imported into a store, and queries that find
/// something in it.
pub struct Fixtures {
    /// Sizes of the imported data, for the report.
    pub list_items: usize,
    pub attendees: usize,
    /// `Abc*` queries built from airport names.
    pub list_queries: Vec<String>,
    /// Three-letter beginnings of attendee last names.
    pub last_name_queries: Vec<String>,
}

/// Imports the bundled airport list and attendees into an empty store.
pub async fn load(store: &dyn Store) -> anyhow::Result<Fixtures> {
    let list = read_list(CsvSource::from_bytes(AIRPORTS), LIST_NAME, "EN")
        .context("failed to read the bundled airport list")?;
    let list_queries = distinct_beginnings(list.rows.iter().map(|row| row.text.as_str()))
        .into_iter()
        .map(|beginning| format!("{beginning}*"))
        .collect();
    let list_items = list.rows.len();
    store
        .import_list(list)
        .await
        .context("failed to import the bundled airport list")?;

    let records = read_attendees(CsvSource::from_bytes(ATTENDEES))
        .context("failed to read the bundled attendees")?;
    let last_name_queries =
        distinct_beginnings(records.iter().map(|record| record.attendee.last_name.as_str()));
    let attendees = records.len();
    store
        .import_attendees(records)
        .await
        .context("failed to import the bundled attendees")?;

    Ok(Fixtures {
        list_items,
        attendees,
        list_queries,
        last_name_queries,
    })
}

/// Returns the distinct first three characters of the values that have at least three.
fn distinct_beginnings<'a>(values: impl Iterator<Item = &'a str>) -> Vec<String> {
    let beginnings: BTreeSet<String> = values
        .filter(|value| value.chars().count() >= 3)
        .map(|value| value.chars().take(3).collect())
        .filter(|beginning: &String| !beginning.contains('*'))
        .collect();
    beginnings.into_iter().collect()
}

/// Builds a Fetch List request searching the airport list by text.
pub fn list_request(query: &str, num_to_return: usize) -> Bytes {
    let query = escape_xml(query);
    Bytes::from(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <fetch-list-request><long-code></long-code><short-code></short-code>\
         <query>{query}</query><search-by>TEXT</search-by><lang-code>EN</lang-code>\
         <num-to-return>{num_to_return}</num-to-return><list-name>{LIST_NAME}</list-name>\
         </fetch-list-request>"
    ))
}

/// Builds a Fetch Attendee v2.0 request searching by last name.
pub fn attendee_request(last_name: &str, maximum: usize) -> Bytes {
    let last_name = escape_xml(last_name);
    Bytes::from(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <AttendeeSearchRequest><Attendee>\
         <AttendeeTypeCode/><FirstName/><MiddleInitial/><LastName>{last_name}</LastName>\
         <Suffix/><Title/><Company/><ExternalID/><OwnerLoginID/>\
         <MaximumNumberRecords>{maximum}</MaximumNumberRecords>\
         </Attendee></AttendeeSearchRequest>"
    ))
}

fn escape_xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
