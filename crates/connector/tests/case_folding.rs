//! Case-insensitive search beyond ASCII, on a real store of each engine:
//! Greek final sigma, German sharp s, Turkish dotted capital I, and SQLite
//! databases whose stored folds were computed before these rules.

mod common;

use common::engines::TestDatabase;
use connector::import::{self, CsvSource};
use connector::store::{AttendeeQuery, ListQuery, SqliteStore, Store};
use protocol::{Attendee, SearchBy};
use testing::engine_tests;

const PLACES: &str = "parent,code,text
,GR,Ασία
,DE,Straße
,TR,İstanbul
,ΛΑΣ,Λασίθι
";

const ATTENDEES: &str = "ExternalID,FirstName,LastName
EXT-1,Νίκος,Παπασταθόπουλος
EXT-2,Jörg,Großmann
";

struct Fixture {
    store: std::sync::Arc<dyn Store>,
    /// Declared last, so that the stores close before it drops the database.
    database: TestDatabase,
}

async fn fixture(database: TestDatabase) -> Fixture {
    let store = database.open().await;
    let places = database.directory().join("places.csv");
    let attendees = database.directory().join("attendees.csv");
    std::fs::write(&places, PLACES).expect("write places");
    std::fs::write(&attendees, ATTENDEES).expect("write attendees");
    import::import_list(
        &*store,
        CsvSource::open(&places).expect("open"),
        "places",
        "EN",
    )
    .await
    .expect("import places");
    import::import_attendees(&*store, CsvSource::open(&attendees).expect("open"))
        .await
        .expect("import attendees");
    Fixture { store, database }
}

async fn texts(store: &dyn Store, query: &str, search_by: SearchBy) -> Vec<String> {
    let query = ListQuery {
        list_name: "places".into(),
        parent_long_code: String::new(),
        query: query.into(),
        search_by,
        lang_code: "EN".into(),
        limit: 100,
    };
    let items = store.search_list(&query).await.expect("search list");
    items.into_iter().map(|item| item.text).collect()
}

async fn last_names(store: &dyn Store, last_name: &str) -> Vec<String> {
    let query = AttendeeQuery {
        criteria: Attendee {
            last_name: last_name.into(),
            custom: vec![String::new(); 25],
            ..Attendee::default()
        },
        owner_login_id: None,
        limit: 100,
        custom_field_count: 25,
    };
    let found = store
        .search_attendees(&query)
        .await
        .expect("search attendees");
    found
        .into_iter()
        .map(|attendee| attendee.last_name)
        .collect()
}

async fn list_capital_sigma_before_wildcard(database: TestDatabase) {
    let fixture = fixture(database).await;

    assert_eq!(texts(&*fixture.store, "ΑΣ*", SearchBy::Text).await, ["Ασία"]);
}

async fn list_capital_sigma_in_code(database: TestDatabase) {
    let fixture = fixture(database).await;

    assert_eq!(
        texts(&*fixture.store, "λασ", SearchBy::Code).await,
        ["Λασίθι"]
    );
}

async fn list_sharp_s_matches_double_s(database: TestDatabase) {
    let fixture = fixture(database).await;

    assert_eq!(
        texts(&*fixture.store, "STRASSE", SearchBy::Text).await,
        ["Straße"]
    );
    assert_eq!(
        texts(&*fixture.store, "*asse", SearchBy::Text).await,
        ["Straße"]
    );
}

async fn list_dotted_capital_i_matches_i(database: TestDatabase) {
    let fixture = fixture(database).await;

    assert_eq!(
        texts(&*fixture.store, "istanbul", SearchBy::Text).await,
        ["İstanbul"]
    );
    assert_eq!(
        texts(&*fixture.store, "*stanb*", SearchBy::Text).await,
        ["İstanbul"]
    );
}

async fn attendee_capital_sigma_prefix(database: TestDatabase) {
    let fixture = fixture(database).await;

    assert_eq!(
        last_names(&*fixture.store, "ΠΑΠΑΣ").await,
        ["Παπασταθόπουλος"]
    );
}

async fn attendee_sharp_s_prefix(database: TestDatabase) {
    let fixture = fixture(database).await;

    assert_eq!(last_names(&*fixture.store, "GROSS").await, ["Großmann"]);
}

/// Puts the folds back as `str::to_lowercase` computed them and marks the
/// database as written before the current folding rules.
fn store_lowercase_folds(path: &std::path::Path) {
    let connection = rusqlite::Connection::open(path).expect("open database");
    connection
        .execute_batch("PRAGMA user_version = 0;")
        .expect("mark database as older");
    let rows: Vec<(i64, String)> = connection
        .prepare("SELECT id, last_name FROM attendees")
        .and_then(|mut statement| {
            statement
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect()
        })
        .expect("read attendees");
    for (id, last_name) in rows {
        connection
            .execute(
                "UPDATE attendees SET last_name_fold = ?2 WHERE id = ?1",
                rusqlite::params![id, last_name.to_lowercase()],
            )
            .expect("rewrite attendee fold");
    }
    let rows: Vec<(i64, String)> = connection
        .prepare("SELECT id, short_code FROM list_items")
        .and_then(|mut statement| {
            statement
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect()
        })
        .expect("read codes");
    for (id, code) in rows {
        let folded = code.to_lowercase();
        let reversed: String = folded.chars().rev().collect();
        connection
            .execute(
                "UPDATE list_items SET code_fold = ?2, code_reversed = ?3 WHERE id = ?1",
                rusqlite::params![id, folded, reversed],
            )
            .expect("rewrite code fold");
    }
    let rows: Vec<(i64, String)> = connection
        .prepare("SELECT id, text FROM list_item_texts")
        .and_then(|mut statement| {
            statement
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect()
        })
        .expect("read texts");
    for (id, text) in rows {
        let folded = text.to_lowercase();
        let reversed: String = folded.chars().rev().collect();
        connection
            .execute(
                "UPDATE list_item_texts SET text_fold = ?2, text_reversed = ?3 WHERE id = ?1",
                rusqlite::params![id, folded, reversed],
            )
            .expect("rewrite text fold");
    }
}

#[tokio::test]
async fn open_refolds_older_database() {
    let fixture = fixture(TestDatabase::sqlite()).await;
    let path = fixture.database.location().to_owned();
    drop(fixture.store);
    store_lowercase_folds(std::path::Path::new(&path));

    let store = SqliteStore::open(&path).expect("reopen store");

    assert_eq!(texts(&store, "STRASSE", SearchBy::Text).await, ["Straße"]);
    assert_eq!(texts(&store, "*asse", SearchBy::Text).await, ["Straße"]);
    assert_eq!(texts(&store, "*RASS*", SearchBy::Text).await, ["Straße"]);
    assert_eq!(texts(&store, "λασ", SearchBy::Code).await, ["Λασίθι"]);
    assert_eq!(last_names(&store, "ΠΑΠΑΣ").await, ["Παπασταθόπουλος"]);
}

engine_tests!(
    list_capital_sigma_before_wildcard,
    list_capital_sigma_in_code,
    list_sharp_s_matches_double_s,
    list_dotted_capital_i_matches_i,
    attendee_capital_sigma_prefix,
    attendee_sharp_s_prefix,
);
