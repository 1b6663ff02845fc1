//! Case-insensitive search beyond ASCII, on a real SQLite store: Greek
//! final sigma, German sharp s, Turkish dotted capital I, and databases
//! whose stored folds were computed before these rules.

use connector::import::{self, CsvSource};
use connector::store::{AttendeeQuery, ListQuery, SqliteStore, Store};
use protocol::{Attendee, SearchBy};

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
    dir: tempfile::TempDir,
    store: SqliteStore,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = SqliteStore::open(dir.path().join("connector.db")).expect("open store");
    let places = dir.path().join("places.csv");
    let attendees = dir.path().join("attendees.csv");
    std::fs::write(&places, PLACES).expect("write places");
    std::fs::write(&attendees, ATTENDEES).expect("write attendees");
    import::import_list(
        &store,
        CsvSource::open(&places).expect("open"),
        "places",
        "EN",
    )
    .await
    .expect("import places");
    import::import_attendees(&store, CsvSource::open(&attendees).expect("open"))
        .await
        .expect("import attendees");
    Fixture { dir, store }
}

async fn texts(store: &SqliteStore, query: &str, search_by: SearchBy) -> Vec<String> {
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

async fn last_names(store: &SqliteStore, last_name: &str) -> Vec<String> {
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

#[tokio::test]
async fn list_capital_sigma_before_wildcard() {
    let fixture = fixture().await;

    assert_eq!(texts(&fixture.store, "ΑΣ*", SearchBy::Text).await, ["Ασία"]);
}

#[tokio::test]
async fn list_capital_sigma_in_code() {
    let fixture = fixture().await;

    assert_eq!(
        texts(&fixture.store, "λασ", SearchBy::Code).await,
        ["Λασίθι"]
    );
}

#[tokio::test]
async fn list_sharp_s_matches_double_s() {
    let fixture = fixture().await;

    assert_eq!(
        texts(&fixture.store, "STRASSE", SearchBy::Text).await,
        ["Straße"]
    );
    assert_eq!(
        texts(&fixture.store, "*asse", SearchBy::Text).await,
        ["Straße"]
    );
}

#[tokio::test]
async fn list_dotted_capital_i_matches_i() {
    let fixture = fixture().await;

    assert_eq!(
        texts(&fixture.store, "istanbul", SearchBy::Text).await,
        ["İstanbul"]
    );
    assert_eq!(
        texts(&fixture.store, "*stanb*", SearchBy::Text).await,
        ["İstanbul"]
    );
}

#[tokio::test]
async fn attendee_capital_sigma_prefix() {
    let fixture = fixture().await;

    assert_eq!(
        last_names(&fixture.store, "ΠΑΠΑΣ").await,
        ["Παπασταθόπουλος"]
    );
}

#[tokio::test]
async fn attendee_sharp_s_prefix() {
    let fixture = fixture().await;

    assert_eq!(last_names(&fixture.store, "GROSS").await, ["Großmann"]);
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
    let fixture = fixture().await;
    let path = fixture.dir.path().join("connector.db");
    drop(fixture.store);
    store_lowercase_folds(&path);

    let store = SqliteStore::open(&path).expect("reopen store");

    assert_eq!(texts(&store, "STRASSE", SearchBy::Text).await, ["Straße"]);
    assert_eq!(texts(&store, "*asse", SearchBy::Text).await, ["Straße"]);
    assert_eq!(texts(&store, "*RASS*", SearchBy::Text).await, ["Straße"]);
    assert_eq!(texts(&store, "λασ", SearchBy::Code).await, ["Λασίθι"]);
    assert_eq!(last_names(&store, "ΠΑΠΑΣ").await, ["Παπασταθόπουλος"]);
}
